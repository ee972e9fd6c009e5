/* tc_merge_msg.c - see tc_merge_msg.h. */
#include "tc_merge_msg.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tg_time.h"

void tc_merge_msg_clear(struct tc_merge_msg *msg)
{
    if (msg == NULL) {
        return;
    }
    json_decref(msg->root);
    msg->root = NULL;
    msg->counts = NULL;
    msg->next = NULL;
    msg->nrows = 0;
}

bool tc_merge_msg_next_row(struct tc_merge_msg *msg)
{
    /* nrows is 0 unless the parse succeeded with rows. */
    if (msg->given >= msg->nrows) {
        return false;
    }
    msg->given++;
    if (msg->kind == TC_MERGE_MSG_ROWS) {
        msg->row.user = json_object_iter_key(msg->next);
        msg->row.user_len = json_object_iter_key_len(msg->next);
        msg->row.count = (uint64_t)json_integer_value(json_object_iter_value(msg->next));
        msg->next = json_object_iter_next(msg->counts, msg->next);
    }
    return true;
}

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

/* The fields a row and a rows message share: window, start, end and
 * partition. */
static int parse_shared(struct tc_merge_msg *msg, char *err, size_t errlen)
{
    struct tc_merge_row *r = &msg->row;
    int64_t partition;
    if (get_string(msg->root, "window", &r->spec, &r->spec_len, err, errlen) != 0 ||
        get_time(msg->root, "start", &r->start_ms, err, errlen) != 0 ||
        get_time(msg->root, "end", &r->end_ms, err, errlen) != 0 ||
        get_count(msg->root, "partition", INT32_MAX, &partition, err, errlen) != 0) {
        return -1;
    }
    if (r->spec_len == 0) {
        snprintf(err, errlen, "\"window\" is empty");
        return -1;
    }
    r->partition = (int32_t)partition;
    return 0;
}

static int parse_row(struct tc_merge_msg *msg, char *err, size_t errlen)
{
    struct tc_merge_row *r = &msg->row;
    int64_t count;
    if (parse_shared(msg, err, errlen) != 0 ||
        get_string(msg->root, "username", &r->user, &r->user_len, err, errlen) != 0 ||
        get_count(msg->root, "count", INT64_MAX, &count, err, errlen) != 0) {
        return -1;
    }
    r->count = (uint64_t)count;
    msg->nrows = 1;
    msg->kind = TC_MERGE_MSG_ROW;
    return 0;
}

/* Every entry of counts is checked here, before any row is given: a rows
 * message is valid or malformed as a whole.  The entries are not named in
 * err (a username is arbitrary text): their position in the message is. */
static int parse_rows(struct tc_merge_msg *msg, char *err, size_t errlen)
{
    if (parse_shared(msg, err, errlen) != 0) {
        return -1;
    }
    json_t *counts = json_object_get(msg->root, "counts");
    if (!json_is_object(counts)) {
        snprintf(err, errlen, "\"counts\" is %s",
                 counts == NULL ? "missing" : "not an object");
        return -1;
    }
    size_t n = 0;
    for (void *it = json_object_iter(counts); it != NULL;
         it = json_object_iter_next(counts, it)) {
        json_t *v = json_object_iter_value(it);
        n++;
        if (!json_is_integer(v) || json_integer_value(v) < 0) {
            snprintf(err, errlen, "\"counts\": entry %zu is not an integer in range", n);
            return -1;
        }
    }
    if (n == 0) {
        snprintf(err, errlen, "\"counts\" is empty");
        return -1;
    }
    msg->counts = counts;
    msg->next = json_object_iter(counts);
    msg->nrows = n;
    msg->kind = TC_MERGE_MSG_ROWS;
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
    if (strcmp(type, "progress") == 0) {
        return parse_progress(msg, err, errlen);
    }
    msg->kind = TC_MERGE_MSG_OTHER;
    return 0;
}
