/* tc_results_msg.c - see tc_results_msg.h. */
#include "tc_results_msg.h"

#include "tc_grow.h"
#include "tc_jsonstr.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A growable byte buffer; oom records a failed growth (the writer goes on
 * writing nothing, the caller looks once at the end). */
struct buf {
    char *p;
    size_t len;
    size_t cap;
    bool oom;
};

struct tc_results_msg {
    struct buf head;   /* a "windows" message up to its first window */
    struct buf window; /* a window element up to its first username */
    struct buf rows;   /* the open message; empty when none is open */
    bool in_window;    /* the open message holds the window last set */
    char *topic;       /* of the open message's head */
    int64_t partition; /* of the open message's head */
    uint64_t nrows;    /* rows in the open message */
    struct buf out;    /* the progress message last formatted */
};

struct tc_results_msg *tc_results_msg_new(void)
{
    return calloc(1, sizeof(struct tc_results_msg));
}

void tc_results_msg_free(struct tc_results_msg *m)
{
    if (m == NULL)
        return;
    free(m->head.p);
    free(m->window.p);
    free(m->rows.p);
    free(m->topic);
    free(m->out.p);
    free(m);
}

static void put(void *ctx, const char *p, size_t n)
{
    struct buf *b = ctx;
    if (b->oom || n == 0)
        return;
    if (n > SIZE_MAX - b->len || tc_grow((void **)&b->p, &b->cap, b->len + n, 1) != 0) {
        b->oom = true;
        return;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

static void put_str(struct buf *b, const char *s)
{
    put(b, s, strlen(s));
}

/* True when jansson writes name as it is, between quotes (no byte below
 * U+0020, no '"' or '\\'): nearly every username. */
static bool plain(const char *name, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c < 0x20 || c == '"' || c == '\\')
            return false;
    }
    return true;
}

/* s as a JSON string, copied between quotes in one piece when it needs no
 * escape (window specs, times, topics and nearly every username), with
 * room for `room` more bytes after it; returns where those go, or NULL
 * when s was escaped piecewise (or memory ran out): then put them. */
static char *put_json_room(struct buf *b, const char *s, size_t len, size_t room)
{
    if (!plain(s, len)) {
        tc_jsonstr_write(s, len, TC_JSONSTR_JANSSON, put, b);
        return NULL;
    }
    if (b->oom)
        return NULL;
    if (len > SIZE_MAX - 2 - room - b->len ||
        tc_grow((void **)&b->p, &b->cap, b->len + len + 2 + room, 1) != 0) {
        b->oom = true;
        return NULL;
    }
    b->p[b->len] = '"';
    memcpy(b->p + b->len + 1, s, len);
    b->p[b->len + 1 + len] = '"';
    b->len += len + 2;
    return b->p + b->len;
}

static void put_json(struct buf *b, const char *s, size_t len)
{
    put_json_room(b, s, len, 0);
}

/* jansson writes integers with "%" JSON_INTEGER_FORMAT, i.e. as %lld. */
static void put_int(struct buf *b, int64_t v)
{
    char num[24];
    int n = snprintf(num, sizeof num, "%" PRId64, v);
    put(b, num, (size_t)n);
}

/* v's decimal digits, ending at num + 20: returns where they start. */
static char *count_digits(uint64_t v, char num[20])
{
    char *p = num + 20;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    return p;
}

/* "name":count: rows are most of a message, and this is a results-topic
 * run's busiest writer (one growth check and two copies per row). */
static void put_row(struct buf *b, const char *name, size_t len, uint64_t count)
{
    char text[21]; /* ':' and UINT64_MAX's 20 digits */
    char *p = count_digits(count, text + 1);
    *--p = ':';
    size_t n = (size_t)(text + sizeof text - p);
    char *room = put_json_room(b, name, len, sizeof text);
    if (room == NULL) {
        put(b, p, n);
        return;
    }
    memcpy(room, p, n);
    b->len += n;
}

static void reset(struct buf *b)
{
    b->len = 0;
    b->oom = false;
}

/* Formats the message head of (topic, partition). */
static int set_head(struct tc_results_msg *m, const char *topic, int64_t partition)
{
    char *copy = strdup(topic);
    if (copy == NULL)
        return -1;
    free(m->topic);
    m->topic = copy;
    m->partition = partition;
    struct buf *h = &m->head;
    reset(h);
    put_str(h, "{\"type\":\"windows\",\"final\":true,\"topic\":");
    put_json(h, topic, strlen(topic));
    put_str(h, ",\"partition\":");
    put_int(h, partition);
    put_str(h, ",\"windows\":[");
    return h->oom ? -1 : 0;
}

int tc_results_msg_window(struct tc_results_msg *m, const char *spec, const char *start,
                          const char *end, const char *topic, int64_t partition)
{
    /* The head is formatted anew only when (topic, partition) change: a run
     * sets a window per task and window, far more often. */
    bool same = m->topic != NULL && m->partition == partition && !m->head.oom &&
                strcmp(m->topic, topic) == 0;
    if (!same && (m->rows.len > 0 || set_head(m, topic, partition) != 0))
        return -1;
    struct buf *w = &m->window;
    reset(w);
    put_str(w, "{\"window\":");
    put_json(w, spec, strlen(spec));
    put_str(w, ",\"start\":");
    put_json(w, start, strlen(start));
    put_str(w, ",\"end\":");
    put_json(w, end, strlen(end));
    put_str(w, ",\"counts\":{");
    m->in_window = false;
    return w->oom ? -1 : 0;
}

int tc_results_msg_add(struct tc_results_msg *m, const char *name, size_t name_len,
                       uint64_t count)
{
    struct buf *r = &m->rows;
    size_t was = r->len;
    if (r->len == 0) {
        put(r, m->head.p, m->head.len);
        m->in_window = false;
    }
    if (!m->in_window) {
        if (r->len > m->head.len)
            put(r, "}},", 3); /* the window before: its counts, itself */
        put(r, m->window.p, m->window.len);
    } else {
        put(r, ",", 1);
    }
    put_row(r, name, name_len, count);
    if (r->oom) {
        r->len = was;
        r->oom = false;
        return -1;
    }
    m->in_window = true;
    m->nrows++;
    return 0;
}

size_t tc_results_msg_pending(const struct tc_results_msg *m)
{
    return m->rows.len;
}

int tc_results_msg_take(struct tc_results_msg *m, const char **text, size_t *len,
                        uint64_t *rows)
{
    struct buf *r = &m->rows;
    if (r->len == 0)
        return -1;
    put(r, "}}]}", 4);
    if (r->oom)
        return -1;
    *text = r->p;
    *len = r->len;
    *rows = m->nrows;
    /* The text stays valid until the next add, which starts over. */
    r->len = 0;
    m->nrows = 0;
    m->in_window = false;
    return 0;
}

int tc_results_msg_progress(struct tc_results_msg *m, const char *topic,
                            int64_t partition, int64_t partitions, const char *watermark,
                            const char **text, size_t *len)
{
    struct buf *o = &m->out;
    reset(o);
    put_str(o, "{\"type\":\"progress\",\"topic\":");
    put_json(o, topic, strlen(topic));
    put_str(o, ",\"partition\":");
    put_int(o, partition);
    put_str(o, ",\"partitions\":");
    put_int(o, partitions);
    put_str(o, ",\"watermark\":");
    put_json(o, watermark, strlen(watermark));
    put_str(o, "}");
    if (o->oom)
        return -1;
    *text = o->p;
    *len = o->len;
    return 0;
}
