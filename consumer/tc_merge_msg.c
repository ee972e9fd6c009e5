/* tc_merge_msg.c - see tc_merge_msg.h. */
#include "tc_merge_msg.h"

#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "tg_time.h"

/* Field name of root as a string: 0 with *s and *len, or -1 with err. */
static int get_string(json_t *root, const char *name, const char **s, size_t *len,
                      char *err, size_t errlen)
{
    json_t *v = json_object_get(root, name);
    if (!json_is_string(v)) {
        snprintf(err, errlen, "\"%s\" is %s", name,
                 v == NULL ? "missing" : "not a string");
        return -1;
    }
    *s = json_string_value(v);
    *len = json_string_length(v);
    return 0;
}

/* Field name as an integer in [0, max]. */
static int get_count(json_t *root, const char *name, int64_t max, int64_t *out, char *err,
                     size_t errlen)
{
    json_t *v = json_object_get(root, name);
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max) {
        snprintf(err, errlen, "\"%s\" is %s", name,
                 v == NULL ? "missing" : "not an integer in range");
        return -1;
    }
    *out = json_integer_value(v);
    return 0;
}

/* Field name as an ISO-8601 time. */
static int get_time(json_t *root, const char *name, int64_t *ms, char *err, size_t errlen)
{
    const char *s;
    size_t len;
    char why[128];
    if (get_string(root, name, &s, &len, err, errlen) != 0) {
        return -1;
    }
    if (tg_time_parse(s, len, ms, why, sizeof why) != 0) {
        snprintf(err, errlen, "\"%s\": %s", name, why);
        return -1;
    }
    return 0;
}

/* The partition, shared by every row of a message. */
static int parse_partition(struct tc_merge_msg *msg, char *err, size_t errlen)
{
    int64_t partition;
    if (get_count(msg->root, "partition", INT32_MAX, &partition, err, errlen) != 0) {
        return -1;
    }
    msg->row.partition = (int32_t)partition;
    return 0;
}

/* The fields that name a window (of a row, a rows message or a window
 * element of a windows message) into r: window, start and end. */
static int parse_head(json_t *w, struct tc_merge_row *r, char *err, size_t errlen)
{
    if (get_string(w, "window", &r->spec, &r->spec_len, err, errlen) != 0 ||
        get_time(w, "start", &r->start_ms, err, errlen) != 0 ||
        get_time(w, "end", &r->end_ms, err, errlen) != 0) {
        return -1;
    }
    if (r->spec_len == 0) {
        snprintf(err, errlen, "\"window\" is empty");
        return -1;
    }
    return 0;
}

/* A window with its counts: a rows message, or one element of a windows
 * message.  Every entry of counts is checked here, before any row is
 * given: the message is valid or malformed as a whole.  The entries are
 * not named in err (a username is arbitrary text): their position is.
 * *n: the entries. */
static int parse_window(json_t *w, struct tc_merge_row *r, size_t *n, char *err,
                        size_t errlen)
{
    if (parse_head(w, r, err, errlen) != 0) {
        return -1;
    }
    json_t *counts = json_object_get(w, "counts");
    if (!json_is_object(counts)) {
        snprintf(err, errlen, "\"counts\" is %s",
                 counts == NULL ? "missing" : "not an object");
        return -1;
    }
    *n = 0;
    for (void *it = json_object_iter(counts); it != NULL;
         it = json_object_iter_next(counts, it)) {
        json_t *v = json_object_iter_value(it);
        ++*n;
        if (!json_is_integer(v) || json_integer_value(v) < 0) {
            snprintf(err, errlen, "\"counts\": entry %zu is not an integer in range", *n);
            return -1;
        }
    }
    if (*n == 0) {
        snprintf(err, errlen, "\"counts\" is empty");
        return -1;
    }
    return 0;
}

static int parse_row(struct tc_merge_msg *msg, char *err, size_t errlen)
{
    struct tc_merge_row *r = &msg->row;
    int64_t count;
    if (parse_head(msg->root, r, err, errlen) != 0 ||
        parse_partition(msg, err, errlen) != 0 ||
        get_string(msg->root, "username", &r->user, &r->user_len, err, errlen) != 0 ||
        get_count(msg->root, "count", INT64_MAX, &count, err, errlen) != 0) {
        return -1;
    }
    r->count = (uint64_t)count;
    msg->nrows = 1;
    msg->nwindows = 1;
    msg->kind = TC_MERGE_MSG_ROW;
    return 0;
}

static int parse_rows(struct tc_merge_msg *msg, char *err, size_t errlen)
{
    size_t n;
    if (parse_window(msg->root, &msg->row, &n, err, errlen) != 0 ||
        parse_partition(msg, err, errlen) != 0) {
        return -1;
    }
    /* Its one window is begun: msg->row holds the window's fields. */
    msg->counts = json_object_get(msg->root, "counts");
    msg->next = json_object_iter(msg->counts);
    msg->window = 1;
    msg->nrows = n;
    msg->nwindows = 1;
    msg->kind = TC_MERGE_MSG_ROWS;
    return 0;
}

/* Every window element is checked, as a rows message's fields are, with
 * its position (from 1) in the reason. */
static int parse_windows(struct tc_merge_msg *msg, char *err, size_t errlen)
{
    if (parse_partition(msg, err, errlen) != 0) {
        return -1;
    }
    json_t *windows = json_object_get(msg->root, "windows");
    if (!json_is_array(windows) || json_array_size(windows) == 0) {
        snprintf(err, errlen, "\"windows\" is %s",
                 windows == NULL           ? "missing"
                 : !json_is_array(windows) ? "not an array"
                                           : "empty");
        return -1;
    }
    msg->heads = calloc(json_array_size(windows), sizeof *msg->heads);
    if (msg->heads == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t total = 0;
    for (size_t i = 0; i < json_array_size(windows); i++) {
        json_t *w = json_array_get(windows, i);
        char why[256];
        size_t n = 0;
        if (!json_is_object(w)) {
            snprintf(err, errlen, "\"windows\": element %zu is not an object", i + 1);
            return -1;
        }
        if (parse_window(w, &msg->heads[i], &n, why, sizeof why) != 0) {
            snprintf(err, errlen, "\"windows\": element %zu: %s", i + 1, why);
            return -1;
        }
        msg->heads[i].partition = msg->row.partition;
        total += n;
    }
    msg->windows = windows;
    msg->nrows = total;
    msg->nwindows = json_array_size(windows);
    msg->kind = TC_MERGE_MSG_WINDOWS;
    return 0;
}

static int parse_progress(struct tc_merge_msg *msg, char *err, size_t errlen)
{
    struct tc_merge_progress *p = &msg->progress;
    int64_t partition, partitions;
    if (get_count(msg->root, "partition", INT32_MAX, &partition, err, errlen) != 0 ||
        get_count(msg->root, "partitions", INT32_MAX, &partitions, err, errlen) != 0 ||
        get_time(msg->root, "watermark", &p->watermark_ms, err, errlen) != 0) {
        return -1;
    }
    p->partition = (int32_t)partition;
    p->partitions = (int32_t)partitions;
    msg->kind = TC_MERGE_MSG_PROGRESS;
    return 0;
}

int tc_merge_msg_parse(struct tc_merge_msg *msg, const char *value, size_t len, char *err,
                       size_t errlen)
{
    memset(msg, 0, sizeof *msg);
    json_error_t jerr;
    if (value == NULL || len == 0) {
        snprintf(err, errlen, "empty message");
        return -1;
    }
    msg->root = json_loadb(value, len, JSON_REJECT_DUPLICATES, &jerr);
    if (msg->root == NULL) {
        snprintf(err, errlen, "not JSON: %s", jerr.text);
        return -1;
    }
    if (!json_is_object(msg->root)) {
        snprintf(err, errlen, "not a JSON object");
        return -1;
    }
    const char *type;
    size_t tlen;
    if (get_string(msg->root, "type", &type, &tlen, err, errlen) != 0) {
        return -1;
    }
    json_t *topic = json_object_get(msg->root, "topic");
    msg->topic = json_is_string(topic) ? json_string_value(topic) : NULL;
    if (strcmp(type, "row") == 0) {
        return parse_row(msg, err, errlen);
    }
    if (strcmp(type, "rows") == 0) {
        return parse_rows(msg, err, errlen);
    }
    if (strcmp(type, "windows") == 0) {
        return parse_windows(msg, err, errlen);
    }
    if (strcmp(type, "progress") == 0) {
        return parse_progress(msg, err, errlen);
    }
    msg->kind = TC_MERGE_MSG_OTHER;
    return 0;
}

bool tc_merge_msg_window(const struct tc_merge_msg *msg, size_t i, struct tc_merge_row *r)
{
    if (i >= msg->nwindows) {
        return false;
    }
    /* A row or rows message's one window is msg->row's. */
    *r = msg->kind == TC_MERGE_MSG_WINDOWS ? msg->heads[i] : msg->row;
    r->user = NULL;
    r->user_len = 0;
    r->count = 0;
    return true;
}

bool tc_merge_msg_next_row(struct tc_merge_msg *msg)
{
    /* nrows is 0 unless the parse succeeded with rows. */
    if (msg->given >= msg->nrows) {
        return false;
    }
    msg->given++;
    if (msg->kind == TC_MERGE_MSG_ROW) {
        return true;
    }
    /* The current window's entries are all given (or none was yet): the
     * next element of a windows message, non-empty (checked by the parse;
     * a rows message's one window was begun by the parse). */
    while (msg->next == NULL) {
        const struct tc_merge_row *h = &msg->heads[msg->window];
        msg->row.spec = h->spec;
        msg->row.spec_len = h->spec_len;
        msg->row.start_ms = h->start_ms;
        msg->row.end_ms = h->end_ms;
        msg->counts =
            json_object_get(json_array_get(msg->windows, msg->window), "counts");
        msg->next = json_object_iter(msg->counts);
        msg->window++;
    }
    msg->row.user = json_object_iter_key(msg->next);
    msg->row.user_len = json_object_iter_key_len(msg->next);
    msg->row.count = (uint64_t)json_integer_value(json_object_iter_value(msg->next));
    msg->next = json_object_iter_next(msg->counts, msg->next);
    return true;
}

void tc_merge_msg_clear(struct tc_merge_msg *msg)
{
    if (msg == NULL) {
        return;
    }
    json_decref(msg->root);
    msg->root = NULL;
    free(msg->heads);
    msg->heads = NULL;
    msg->windows = NULL;
    msg->counts = NULL;
    msg->next = NULL;
    msg->nrows = 0;
    msg->nwindows = 0;
}
