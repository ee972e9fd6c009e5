/* tc_results_msg.c - see tc_results_msg.h. */
#include "tc_results_msg.h"

#include "tc_grow.h"
#include "tc_jsonstr.h"
#include "tg_utf8.h"

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
    struct buf head; /* a "rows" message up to its first username */
    struct buf rows; /* the open "rows" message; empty when none is open */
    uint64_t nrows;  /* rows in it */
    struct buf out;  /* the progress message last formatted */
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
    free(m->rows.p);
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

static void put_json(struct buf *b, const char *s, size_t len)
{
    tc_jsonstr_write(s, len, TC_JSONSTR_JANSSON, put, b);
}

/* jansson writes integers with "%" JSON_INTEGER_FORMAT, i.e. as %lld. */
static void put_int(struct buf *b, int64_t v)
{
    char num[24];
    int n = snprintf(num, sizeof num, "%" PRId64, v);
    put(b, num, (size_t)n);
}

/* A count is never near INT64_MAX; written unsigned all the same. */
static void put_count(struct buf *b, uint64_t v)
{
    char num[24];
    char *p = num + sizeof num;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    put(b, p, (size_t)(num + sizeof num - p));
}

static void reset(struct buf *b)
{
    b->len = 0;
    b->oom = false;
}

int tc_results_msg_window(struct tc_results_msg *m, const char *spec, const char *start,
                          const char *end, const char *topic, int64_t partition)
{
    struct buf *h = &m->head;
    reset(h);
    put_str(h, "{\"type\":\"rows\",\"window\":");
    put_json(h, spec, strlen(spec));
    put_str(h, ",\"start\":");
    put_json(h, start, strlen(start));
    put_str(h, ",\"end\":");
    put_json(h, end, strlen(end));
    put_str(h, ",\"final\":true,\"topic\":");
    put_json(h, topic, strlen(topic));
    put_str(h, ",\"partition\":");
    put_int(h, partition);
    put_str(h, ",\"counts\":{");
    reset(&m->rows);
    m->nrows = 0;
    return h->oom ? -1 : 0;
}

int tc_results_msg_add(struct tc_results_msg *m, const char *name, size_t name_len,
                       uint64_t count)
{
    if (!tg_utf8_valid(name, name_len))
        return TC_RESULTS_MSG_BAD_NAME;
    struct buf *r = &m->rows;
    if (r->len == 0)
        put(r, m->head.p, m->head.len);
    else
        put(r, ",", 1);
    put_json(r, name, name_len);
    put(r, ":", 1);
    put_count(r, count);
    if (r->oom)
        return -1;
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
    put(r, "}}", 2);
    if (r->oom)
        return -1;
    *text = r->p;
    *len = r->len;
    *rows = m->nrows;
    /* The text stays valid until the next add, which starts over. */
    r->len = 0;
    m->nrows = 0;
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
