/* tc_changelog.c - see tc_changelog.h. */
#include "tc_changelog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char magic[4] = {'T', 'G', 'C', 'L'};

/* Kafka's longest topic name. */
#define TOPIC_MAX 249
/* Generations assembled at once.  Chunks of one generation are written
 * together, so more than one is in progress only where an older one was
 * torn or compaction left an older snapshot's slots; the lowest is given
 * up first. */
#define MAX_PENDING 4

/* ---- bytes ------------------------------------------------------------ */

static void put_le(unsigned char *out, uint64_t v, int n)
{
    for (int i = 0; i < n; i++) {
        out[i] = (unsigned char)(v >> (8 * i));
    }
}

static uint64_t get_le(const unsigned char *in, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++) {
        v |= (uint64_t)in[i] << (8 * i);
    }
    return v;
}

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static uint64_t fnv(uint64_t h, const void *p, size_t len)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < len; i++) {
        h = (h ^ b[i]) * FNV_PRIME;
    }
    return h;
}

/* The checksum's start: the fields every chunk of a snapshot repeats. */
static uint64_t check_start(uint64_t generation, int32_t partition, int64_t next_offset,
                            uint64_t total)
{
    unsigned char b[28];
    put_le(b, generation, 8);
    put_le(b + 8, (uint32_t)partition, 4);
    put_le(b + 12, (uint64_t)next_offset, 8);
    put_le(b + 20, total, 8);
    return fnv(FNV_OFFSET, b, sizeof b);
}

struct header {
    uint32_t version;
    int32_t partition;
    uint64_t generation;
    uint32_t index, count;
    uint64_t total;
    int64_t next_offset;
    uint64_t check;
};

static void put_header(unsigned char *out, const struct header *h)
{
    memcpy(out, magic, 4);
    put_le(out + 4, h->version, 4);
    put_le(out + 8, (uint32_t)h->partition, 4);
    put_le(out + 12, h->generation, 8);
    put_le(out + 20, h->index, 4);
    put_le(out + 24, h->count, 4);
    put_le(out + 28, h->total, 8);
    put_le(out + 36, (uint64_t)h->next_offset, 8);
    put_le(out + 44, h->check, 8);
}

static void get_header(const unsigned char *in, struct header *h)
{
    h->version = (uint32_t)get_le(in + 4, 4);
    h->partition = (int32_t)(uint32_t)get_le(in + 8, 4);
    h->generation = get_le(in + 12, 8);
    h->index = (uint32_t)get_le(in + 20, 4);
    h->count = (uint32_t)get_le(in + 24, 4);
    h->total = get_le(in + 28, 8);
    h->next_offset = (int64_t)get_le(in + 36, 8);
    h->check = get_le(in + 44, 8);
}

size_t tc_changelog_key(char *key, int32_t partition, uint32_t chunk)
{
    int n = snprintf(key, TC_CHANGELOG_KEY_MAX, "%lu/%lu", (unsigned long)partition,
                     (unsigned long)chunk);
    return n > 0 ? (size_t)n : 0;
}

/* ---- encoding --------------------------------------------------------- */

void tc_changelog_chunks_clear(struct tc_changelog_chunks *c)
{
    free(c->msgs);
    free(c->buf);
    *c = (struct tc_changelog_chunks){0};
}

/* The body, u32 topic length + topic + state, as three pieces. */
struct body {
    const void *part[3];
    size_t len[3];
};

/* Copies body bytes [off, off + len) to out. */
static void body_copy(const struct body *b, size_t off, size_t len, unsigned char *out)
{
    for (int i = 0; i < 3 && len > 0; i++) {
        if (off >= b->len[i]) {
            off -= b->len[i];
            continue;
        }
        size_t n = b->len[i] - off < len ? b->len[i] - off : len;
        memcpy(out, (const unsigned char *)b->part[i] + off, n);
        out += n;
        len -= n;
        off = 0;
    }
}

#define FAIL(...)                                                                        \
    do {                                                                                 \
        snprintf(err, errlen, __VA_ARGS__);                                              \
        return -1;                                                                       \
    } while (0)

int tc_changelog_encode(const struct tc_changelog_meta *meta, const void *state,
                        size_t state_len, size_t max_message,
                        struct tc_changelog_chunks *out, char *err, size_t errlen)
{
    tc_changelog_chunks_clear(out);
    if (max_message == 0) {
        max_message = TC_CHANGELOG_DEFAULT_MAX_MESSAGE;
    }
    size_t topic_len = meta->topic != NULL ? strlen(meta->topic) : 0;
    if (max_message < TC_CHANGELOG_MIN_MAX_MESSAGE) {
        FAIL("changelog: message size %zu below %d", max_message,
             TC_CHANGELOG_MIN_MAX_MESSAGE);
    }
    if (topic_len == 0 || topic_len > TOPIC_MAX) {
        FAIL("changelog: topic name of %zu bytes", topic_len);
    }
    if (meta->partition < 0 || meta->next_offset < 0 || meta->generation == 0) {
        FAIL("changelog: bad partition, offset or generation");
    }
    unsigned char tlen[4];
    put_le(tlen, topic_len, 4);
    struct body b = {{tlen, meta->topic, state}, {4, topic_len, state_len}};
    uint64_t total = 4 + (uint64_t)topic_len + state_len;
    size_t per = max_message - TC_CHANGELOG_HEADER_BYTES;
    uint64_t count = (total + per - 1) / per;
    if (total > TC_CHANGELOG_MAX_SNAPSHOT || count > TC_CHANGELOG_MAX_CHUNKS) {
        FAIL("changelog: snapshot of %llu bytes is too large", (unsigned long long)total);
    }
    uint64_t check =
        check_start(meta->generation, meta->partition, meta->next_offset, total);
    for (int i = 0; i < 3; i++) {
        check = fnv(check, b.part[i], b.len[i]);
    }
    size_t slot = TC_CHANGELOG_KEY_MAX + TC_CHANGELOG_HEADER_BYTES;
    out->msgs = calloc((size_t)count, sizeof *out->msgs);
    out->buf = malloc((size_t)count * slot + (size_t)total);
    if (out->msgs == NULL || out->buf == NULL) {
        tc_changelog_chunks_clear(out);
        FAIL("changelog: out of memory");
    }
    unsigned char *p = out->buf;
    for (uint64_t i = 0; i < count; i++) {
        size_t off = (size_t)i * per;
        size_t len = total - off < per ? (size_t)total - off : per;
        struct tc_changelog_msg *m = &out->msgs[i];
        m->key = (const char *)p;
        m->key_len = tc_changelog_key((char *)p, meta->partition, (uint32_t)i);
        p += TC_CHANGELOG_KEY_MAX;
        struct header h = {
            TC_CHANGELOG_VERSION, meta->partition, meta->generation,  (uint32_t)i,
            (uint32_t)count,      total,           meta->next_offset, check};
        put_header(p, &h);
        body_copy(&b, off, len, p + TC_CHANGELOG_HEADER_BYTES);
        m->value = p;
        m->value_len = TC_CHANGELOG_HEADER_BYTES + len;
        p += TC_CHANGELOG_HEADER_BYTES + len;
    }
    out->n = (size_t)count;
    return 0;
}

/* ---- decoding --------------------------------------------------------- */

/* A generation being assembled: the header its chunks share, and the
 * chunks seen so far (copies). */
struct pending {
    struct header h;
    unsigned char **chunk;
    size_t *chunk_len;
    uint32_t have;
    uint64_t bytes;
};

struct tc_changelog_decoder {
    int32_t partition;
    struct pending pend[MAX_PENDING];
    size_t npend;
    struct tc_changelog_snapshot *best;
    struct tc_changelog_stats st;
};

void tc_changelog_snapshot_free(struct tc_changelog_snapshot *s)
{
    if (s != NULL) {
        free(s->topic);
        free(s->state);
        free(s);
    }
}

struct tc_changelog_decoder *tc_changelog_decoder_new(int32_t partition)
{
    if (partition < 0) {
        return NULL;
    }
    struct tc_changelog_decoder *d = calloc(1, sizeof *d);
    if (d != NULL) {
        d->partition = partition;
    }
    return d;
}

static void pending_free(struct pending *g)
{
    if (g->chunk != NULL) {
        for (uint32_t i = 0; i < g->h.count; i++) {
            free(g->chunk[i]);
        }
    }
    free(g->chunk);
    free(g->chunk_len);
    *g = (struct pending){0};
}

/* Gives up pending generation i (torn: it will not complete). */
static void drop_pending(struct tc_changelog_decoder *d, size_t i)
{
    pending_free(&d->pend[i]);
    d->pend[i] = d->pend[--d->npend];
    d->pend[d->npend] = (struct pending){0};
    d->st.torn++;
}

void tc_changelog_decoder_free(struct tc_changelog_decoder *d)
{
    if (d == NULL) {
        return;
    }
    for (size_t i = 0; i < d->npend; i++) {
        pending_free(&d->pend[i]);
    }
    tc_changelog_snapshot_free(d->best);
    free(d);
}

#define SKIP(...)                                                                        \
    do {                                                                                 \
        snprintf(err, errlen, __VA_ARGS__);                                              \
        d->st.skipped++;                                                                 \
        return 1;                                                                        \
    } while (0)

/* Parses "<partition>/<chunk>" (decimal, no sign, no leading zeros but
 * "0").  Returns 0, or -1. */
static int parse_key(const unsigned char *k, size_t len, uint32_t *partition,
                     uint32_t *chunk)
{
    uint64_t v[2] = {0, 0};
    size_t i = 0;
    for (int part = 0; part < 2; part++) {
        size_t start = i;
        while (i < len && k[i] >= '0' && k[i] <= '9') {
            v[part] = v[part] * 10 + (uint64_t)(k[i] - '0');
            if (v[part] > UINT32_MAX) {
                return -1;
            }
            i++;
        }
        if (i == start || (i - start > 1 && k[start] == '0')) {
            return -1;
        }
        if (part == 0 && (i >= len || k[i++] != '/')) {
            return -1;
        }
    }
    if (i != len) {
        return -1;
    }
    *partition = (uint32_t)v[0];
    *chunk = (uint32_t)v[1];
    return 0;
}

/* The body of a complete generation checked and turned into a snapshot.
 * Returns 1 when it is the new best, 0 when it was refused (err says
 * why), -1 when out of memory.  g is freed either way. */
static int complete(struct tc_changelog_decoder *d, size_t gi, char *err, size_t errlen)
{
    struct pending *g = &d->pend[gi];
    if (g->bytes != g->h.total) {
        snprintf(err, errlen, "generation %llu: chunks hold %llu bytes, header says %llu",
                 (unsigned long long)g->h.generation, (unsigned long long)g->bytes,
                 (unsigned long long)g->h.total);
        drop_pending(d, gi);
        return 0;
    }
    unsigned char *body = malloc(g->h.total > 0 ? (size_t)g->h.total : 1);
    if (body == NULL) {
        return -1;
    }
    size_t off = 0;
    for (uint32_t i = 0; i < g->h.count; i++) {
        memcpy(body + off, g->chunk[i], g->chunk_len[i]);
        off += g->chunk_len[i];
    }
    uint64_t check =
        check_start(g->h.generation, g->h.partition, g->h.next_offset, g->h.total);
    check = fnv(check, body, off);
    uint32_t topic_len = off >= 4 ? (uint32_t)get_le(body, 4) : 0;
    const char *why = NULL;
    if (check != g->h.check) {
        why = "checksum mismatch";
    } else if (off < 4 || topic_len == 0 || topic_len > TOPIC_MAX ||
               topic_len > off - 4 || memchr(body + 4, '\0', topic_len) != NULL) {
        why = "bad topic name";
    }
    if (why != NULL) {
        snprintf(err, errlen, "generation %llu: %s", (unsigned long long)g->h.generation,
                 why);
        free(body);
        drop_pending(d, gi);
        return 0;
    }
    struct tc_changelog_snapshot *s = calloc(1, sizeof *s);
    size_t state_len = off - 4 - topic_len;
    if (s != NULL) {
        s->topic = malloc(topic_len + 1);
        s->state = malloc(state_len > 0 ? state_len : 1);
    }
    if (s == NULL || s->topic == NULL || s->state == NULL) {
        tc_changelog_snapshot_free(s);
        free(body);
        return -1;
    }
    memcpy(s->topic, body + 4, topic_len);
    s->topic[topic_len] = '\0';
    memcpy(s->state, body + 4 + topic_len, state_len);
    s->state_len = state_len;
    s->partition = g->h.partition;
    s->next_offset = g->h.next_offset;
    s->generation = g->h.generation;
    s->chunks = g->h.count;
    free(body);
    pending_free(g);
    d->pend[gi] = d->pend[--d->npend];
    d->pend[d->npend] = (struct pending){0};
    tc_changelog_snapshot_free(d->best);
    d->best = s;
    /* Older generations can no longer win. */
    for (size_t i = d->npend; i-- > 0;) {
        if (d->pend[i].h.generation < s->generation) {
            drop_pending(d, i);
        }
    }
    return 1;
}

/* The pending generation of h, started (giving up the lowest one when
 * MAX_PENDING are in progress) or restarted when its header differs.
 * Returns its index, -1 when out of memory, -2 when h is lower than every
 * pending generation and there is no room. */
static long pending_for(struct tc_changelog_decoder *d, const struct header *h)
{
    for (size_t i = 0; i < d->npend; i++) {
        struct pending *g = &d->pend[i];
        if (g->h.generation != h->generation) {
            continue;
        }
        if (g->h.count == h->count && g->h.total == h->total &&
            g->h.next_offset == h->next_offset && g->h.check == h->check) {
            return (long)i;
        }
        /* The same generation written again differently: the later
         * write is the one compaction keeps. */
        drop_pending(d, i);
        break;
    }
    if (d->npend == MAX_PENDING) {
        size_t low = 0;
        for (size_t i = 1; i < d->npend; i++) {
            if (d->pend[i].h.generation < d->pend[low].h.generation) {
                low = i;
            }
        }
        if (d->pend[low].h.generation > h->generation) {
            return -2;
        }
        drop_pending(d, low);
    }
    struct pending *g = &d->pend[d->npend];
    g->chunk = calloc(h->count, sizeof *g->chunk);
    g->chunk_len = calloc(h->count, sizeof *g->chunk_len);
    if (g->chunk == NULL || g->chunk_len == NULL) {
        free(g->chunk);
        free(g->chunk_len);
        *g = (struct pending){0};
        return -1;
    }
    g->h = *h;
    return (long)d->npend++;
}

int tc_changelog_decoder_feed(struct tc_changelog_decoder *d, const void *key,
                              size_t key_len, const void *value, size_t value_len,
                              char *err, size_t errlen)
{
    d->st.messages++;
    d->st.bytes += key_len + (value != NULL ? value_len : 0);
    uint32_t kpart, kchunk;
    if (key == NULL || parse_key(key, key_len, &kpart, &kchunk) != 0) {
        SKIP("key is not <partition>/<chunk>");
    }
    if (kpart != (uint32_t)d->partition) {
        SKIP("key of partition %lu", (unsigned long)kpart);
    }
    if (value == NULL) {
        SKIP("tombstone");
    }
    const unsigned char *v = value;
    if (value_len < TC_CHANGELOG_HEADER_BYTES || memcmp(v, magic, 4) != 0) {
        SKIP("not a changelog chunk (no TGCL header)");
    }
    struct header h;
    get_header(v, &h);
    size_t len = value_len - TC_CHANGELOG_HEADER_BYTES;
    if (h.version != TC_CHANGELOG_VERSION) {
        SKIP("changelog version %lu (this tgcount reads %d)", (unsigned long)h.version,
             TC_CHANGELOG_VERSION);
    }
    if (h.partition != d->partition || h.index != kchunk) {
        SKIP("header and key disagree");
    }
    if (h.generation == 0 || h.count == 0 || h.count > TC_CHANGELOG_MAX_CHUNKS ||
        h.index >= h.count || h.total > TC_CHANGELOG_MAX_SNAPSHOT ||
        h.count - 1 > h.total || len > h.total || h.next_offset < 0) {
        SKIP("bad header");
    }
    if (h.generation > d->st.max_generation) {
        d->st.max_generation = h.generation;
    }
    if (d->best != NULL && h.generation <= d->best->generation) {
        SKIP("generation %llu: not newer than complete generation %llu",
             (unsigned long long)h.generation, (unsigned long long)d->best->generation);
    }
    long gi = pending_for(d, &h);
    if (gi == -1) {
        return -1;
    }
    if (gi == -2) {
        SKIP("generation %llu: older than those in progress",
             (unsigned long long)h.generation);
    }
    struct pending *g = &d->pend[gi];
    unsigned char *copy = malloc(len > 0 ? len : 1);
    if (copy == NULL) {
        return -1;
    }
    memcpy(copy, v + TC_CHANGELOG_HEADER_BYTES, len);
    if (g->chunk[h.index] != NULL) {
        /* A chunk written twice (a retried send): the later one counts. */
        g->bytes -= g->chunk_len[h.index];
        free(g->chunk[h.index]);
    } else {
        g->have++;
    }
    g->chunk[h.index] = copy;
    g->chunk_len[h.index] = len;
    g->bytes += len;
    if (g->bytes > g->h.total) {
        drop_pending(d, (size_t)gi);
        SKIP("generation %llu: chunks longer than the snapshot",
             (unsigned long long)h.generation);
    }
    if (g->have < g->h.count) {
        return 0;
    }
    int rc = complete(d, (size_t)gi, err, errlen);
    if (rc == 0) {
        d->st.skipped++;
        return 1;
    }
    return rc < 0 ? -1 : 0;
}

struct tc_changelog_snapshot *tc_changelog_decoder_take(struct tc_changelog_decoder *d)
{
    while (d->npend > 0) {
        drop_pending(d, d->npend - 1);
    }
    struct tc_changelog_snapshot *s = d->best;
    d->best = NULL;
    return s;
}

const struct tc_changelog_stats *
tc_changelog_decoder_stats(const struct tc_changelog_decoder *d)
{
    return &d->st;
}

uint32_t tc_changelog_decoder_pending_chunks(const struct tc_changelog_decoder *d)
{
    uint32_t most = 0;
    for (size_t i = 0; i < d->npend; i++) {
        if (d->pend[i].h.count > most) {
            most = d->pend[i].h.count;
        }
    }
    return most;
}
