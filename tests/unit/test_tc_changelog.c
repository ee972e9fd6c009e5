/* The changelog's chunk messages (tc_changelog.h): a snapshot cut into
 * chunks below a maximum size and read back from one changelog partition
 * in offset order, as it is before and after log compaction, with torn,
 * aborted, corrupted and stale chunks around it; and a task restored
 * from a changelog written in chunks counts on as the original does. */
#include <stdlib.h>
#include <string.h>

#include "tc_changelog.h"
#include "tc_checkpoint.h"
#include "tc_engine.h"
#include "tg_test.h"

#define S 1000LL

/* A log: copies of the messages of one changelog partition, in offset
 * order. */
struct log {
    struct {
        char key[TC_CHANGELOG_KEY_MAX];
        size_t key_len;
        unsigned char *value;
        size_t value_len;
    } m[256];
    size_t n;
};

static void log_put(struct log *l, const struct tc_changelog_msg *m)
{
    CHECK(l->n < 256);
    memcpy(l->m[l->n].key, m->key, m->key_len);
    l->m[l->n].key_len = m->key_len;
    l->m[l->n].value = malloc(m->value_len);
    memcpy(l->m[l->n].value, m->value, m->value_len);
    l->m[l->n].value_len = m->value_len;
    l->n++;
}

static void log_clear(struct log *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->m[i].value);
    }
    l->n = 0;
}

/* State bytes whose content tells the generation: "gen G " repeated to
 * len bytes. */
static unsigned char *state_of(uint64_t gen, size_t len)
{
    unsigned char *s = malloc(len + 1);
    char unit[16];
    int ul = snprintf(unit, sizeof unit, "gen %llu ", (unsigned long long)gen);
    for (size_t i = 0; i < len; i++) {
        s[i] = (unsigned char)unit[i % (size_t)ul];
    }
    return s;
}

/* Encodes generation gen (state of len bytes, next offset 1000 * gen) of
 * partition 3 in chunks of at most max bytes. */
static void encode(struct tc_changelog_chunks *c, uint64_t gen, size_t len, size_t max)
{
    unsigned char *st = state_of(gen, len);
    struct tc_changelog_meta meta = {"telegram_messages", 3, (int64_t)(1000 * gen), gen};
    char err[128];
    CHECK_INT(tc_changelog_encode(&meta, st, len, max, c, err, sizeof err), 0);
    free(st);
}

/* Decodes the log for partition 3: the generation kept (0 when none),
 * checking its state is that generation's; *stats gets the decoder's. */
static uint64_t decode(const struct log *l, size_t state_len,
                       struct tc_changelog_stats *stats)
{
    struct tc_changelog_decoder *d = tc_changelog_decoder_new(3);
    char err[256];
    for (size_t i = 0; i < l->n; i++) {
        CHECK(tc_changelog_decoder_feed(d, l->m[i].key, l->m[i].key_len, l->m[i].value,
                                        l->m[i].value_len, err, sizeof err) >= 0);
    }
    struct tc_changelog_snapshot *s = tc_changelog_decoder_take(d);
    *stats = *tc_changelog_decoder_stats(d);
    tc_changelog_decoder_free(d);
    if (s == NULL) {
        return 0;
    }
    uint64_t gen = s->generation;
    unsigned char *want = state_of(gen, state_len);
    CHECK_INT(s->state_len, state_len);
    CHECK(s->state_len == state_len && memcmp(s->state, want, state_len) == 0);
    CHECK_STR(s->topic, "telegram_messages");
    CHECK_INT(s->partition, 3);
    CHECK_INT(s->next_offset, 1000 * (int64_t)gen);
    free(want);
    tc_changelog_snapshot_free(s);
    return gen;
}

/* 1,000 bytes in chunks of at most 100 (48 bytes of body each): 22
 * chunks, keys 3/0 .. 3/21, each within the maximum. */
static void test_chunks(void)
{
    struct tc_changelog_chunks c = {0};
    encode(&c, 5, 1000, 100);
    /* body = 4 + 17 (topic) + 1000 = 1021 bytes, 48 per chunk */
    CHECK_INT(c.n, (1021 + 47) / 48);
    char key[TC_CHANGELOG_KEY_MAX];
    for (size_t i = 0; i < c.n; i++) {
        CHECK(c.msgs[i].value_len <= 100);
        snprintf(key, sizeof key, "3/%zu", i);
        CHECK(c.msgs[i].key_len == strlen(key) &&
              memcmp(c.msgs[i].key, key, c.msgs[i].key_len) == 0);
        CHECK(memcmp(c.msgs[i].value, "TGCL", 4) == 0);
    }
    struct log l = {0};
    for (size_t i = 0; i < c.n; i++) {
        log_put(&l, &c.msgs[i]);
    }
    struct tc_changelog_stats st;
    CHECK_INT(decode(&l, 1000, &st), 5);
    CHECK_INT(st.messages, c.n);
    CHECK_INT(st.skipped, 0);
    CHECK_INT(st.torn, 0);
    CHECK_INT(st.max_generation, 5);
    log_clear(&l);

    /* The default maximum: one chunk; an empty state too. */
    encode(&c, 1, 1000, 0);
    CHECK_INT(c.n, 1);
    log_put(&l, &c.msgs[0]);
    CHECK_INT(decode(&l, 1000, &st), 1);
    log_clear(&l);
    encode(&c, 2, 0, 0);
    log_put(&l, &c.msgs[0]);
    CHECK_INT(decode(&l, 0, &st), 2);
    log_clear(&l);
    tc_changelog_chunks_clear(&c);

    /* Bad arguments. */
    struct tc_changelog_meta meta = {"t", 0, 0, 1};
    char err[128];
    CHECK_INT(tc_changelog_encode(&meta, "x", 1, TC_CHANGELOG_MIN_MAX_MESSAGE - 1, &c,
                                  err, sizeof err),
              -1);
    meta.generation = 0;
    CHECK_INT(tc_changelog_encode(&meta, "x", 1, 0, &c, err, sizeof err), -1);
    meta = (struct tc_changelog_meta){"", 0, 0, 1};
    CHECK_INT(tc_changelog_encode(&meta, "x", 1, 0, &c, err, sizeof err), -1);
    CHECK_INT(c.n, 0);
}

/* Generation 1, large (22 chunks), then generation 2, small (6 chunks):
 * before compaction, after it (generation 1's slots 6..21 first, then
 * generation 2), and with the two interleaved, generation 2 wins and
 * generation 1's stale higher slots are ignored. */
static void test_older_larger(void)
{
    struct tc_changelog_chunks g1 = {0}, g2 = {0};
    encode(&g1, 1, 1000, 100);
    encode(&g2, 2, 250, 100);
    CHECK_INT(g2.n, (4 + 17 + 250 + 47) / 48);
    struct log l = {0};
    struct tc_changelog_stats st;
    for (size_t i = 0; i < g1.n; i++) {
        log_put(&l, &g1.msgs[i]);
    }
    CHECK_INT(decode(&l, 1000, &st), 1);
    for (size_t i = 0; i < g2.n; i++) {
        log_put(&l, &g2.msgs[i]);
    }
    CHECK_INT(decode(&l, 250, &st), 2);
    log_clear(&l);

    for (size_t i = g2.n; i < g1.n; i++) {
        log_put(&l, &g1.msgs[i]);
    }
    for (size_t i = 0; i < g2.n; i++) {
        log_put(&l, &g2.msgs[i]);
    }
    CHECK_INT(decode(&l, 250, &st), 2);
    CHECK_INT(st.torn, 1); /* generation 1's leftover slots */
    log_clear(&l);

    for (size_t i = 0; i < g1.n; i++) {
        log_put(&l, &g1.msgs[i]);
        if (i < g2.n) {
            log_put(&l, &g2.msgs[i]);
        }
    }
    CHECK_INT(decode(&l, 250, &st), 2);
    CHECK_INT(st.max_generation, 2);
    log_clear(&l);
    tc_changelog_chunks_clear(&g1);
    tc_changelog_chunks_clear(&g2);
}

/* Generation 1 complete, then generation 2 damaged: a chunk missing, a
 * chunk's byte flipped, a chunk's header changed, or only its first
 * chunks (an aborted transaction a reader still sees): generation 1 is
 * kept, and the highest generation seen is 2, so the next writer takes 3.
 * A complete generation 3 after the torn one wins. */
static void test_damaged_newer(void)
{
    struct tc_changelog_chunks g1 = {0}, g2 = {0}, g3 = {0};
    encode(&g1, 1, 300, 100);
    encode(&g2, 2, 400, 100);
    encode(&g3, 3, 200, 100);
    struct tc_changelog_stats st;
    for (int damage = 0; damage < 4; damage++) {
        struct log l = {0};
        for (size_t i = 0; i < g1.n; i++) {
            log_put(&l, &g1.msgs[i]);
        }
        size_t first = l.n;
        size_t upto = damage == 3 ? 3 : g2.n;
        for (size_t i = 0; i < upto; i++) {
            if (damage != 0 || i != 4) {
                log_put(&l, &g2.msgs[i]);
            }
        }
        if (damage == 1) {
            l.m[first + 2].value[TC_CHANGELOG_HEADER_BYTES + 5] ^= 0x20;
        } else if (damage == 2) {
            l.m[first + 1].value[36] ^= 1; /* next offset */
        }
        CHECK_INT(decode(&l, 300, &st), 1);
        CHECK_INT(st.max_generation, 2);
        CHECK(st.torn >= 1);
        for (size_t i = 0; i < g3.n; i++) {
            log_put(&l, &g3.msgs[i]);
        }
        CHECK_INT(decode(&l, 200, &st), 3);
        log_clear(&l);
    }
    tc_changelog_chunks_clear(&g1);
    tc_changelog_chunks_clear(&g2);
    tc_changelog_chunks_clear(&g3);
}

/* Messages that are not chunks of this partition are skipped with a
 * reason, never trusted. */
static void test_hostile(void)
{
    struct tc_changelog_decoder *d = tc_changelog_decoder_new(3);
    char err[256];
    struct tc_changelog_chunks c = {0};
    encode(&c, 1, 100, 0);
    const struct tc_changelog_msg *m = &c.msgs[0];
    CHECK_INT(tc_changelog_decoder_feed(d, "3/0", 3, NULL, 0, err, sizeof err), 1);
    CHECK_STR(err, "tombstone");
    CHECK_INT(
        tc_changelog_decoder_feed(d, "4/0", 3, m->value, m->value_len, err, sizeof err),
        1);
    CHECK_STR(err, "key of partition 4");
    CHECK_INT(
        tc_changelog_decoder_feed(d, "3/1", 3, m->value, m->value_len, err, sizeof err),
        1);
    CHECK_STR(err, "header and key disagree");
    const char *keys[] = {"", "3", "3/", "/0", "03/0", "3/0/", "3/x", "99999999999/0"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        CHECK_INT(tc_changelog_decoder_feed(d, keys[i], strlen(keys[i]), m->value,
                                            m->value_len, err, sizeof err),
                  1);
    }
    CHECK_INT(tc_changelog_decoder_feed(d, "3/0", 3, "TGCL", 4, err, sizeof err), 1);
    unsigned char v[200];
    memcpy(v, m->value, m->value_len);
    v[4] = 9; /* version */
    CHECK_INT(tc_changelog_decoder_feed(d, "3/0", 3, v, m->value_len, err, sizeof err),
              1);
    CHECK_STR(err, "changelog version 9 (this tgcount reads 1)");
    memcpy(v, m->value, m->value_len);
    v[24] = 0; /* chunk count 0 */
    CHECK_INT(tc_changelog_decoder_feed(d, "3/0", 3, v, m->value_len, err, sizeof err),
              1);
    CHECK_STR(err, "bad header");
    memcpy(v, m->value, m->value_len);
    v[35] = 0xff; /* total length beyond the limit */
    CHECK_INT(tc_changelog_decoder_feed(d, "3/0", 3, v, m->value_len, err, sizeof err),
              1);
    CHECK_INT(tc_changelog_decoder_stats(d)->skipped, 15);
    /* The real one still decodes after all that. */
    CHECK_INT(tc_changelog_decoder_feed(d, m->key, m->key_len, m->value, m->value_len,
                                        err, sizeof err),
              0);
    struct tc_changelog_snapshot *s = tc_changelog_decoder_take(d);
    CHECK(s != NULL && s->generation == 1 && s->chunks == 1);
    tc_changelog_snapshot_free(s);
    tc_changelog_decoder_free(d);
    tc_changelog_chunks_clear(&c);
}

/* The required case: a task's state written to the changelog in chunks
 * and restored into another engine counts on exactly as the original,
 * which printed the windows ending at or before its W already: the
 * restored task gives them nothing (a window the fresh engine has not
 * printed, but the original did, is not printed again). */
struct capture {
    char text[16384];
};

static int capture_window(void *ctx, const struct tc_window *w, const struct tc_row *rows,
                          size_t n, bool first, bool last)
{
    struct capture *c = ctx;
    size_t len = strlen(c->text);
    if (len + 64 > sizeof c->text) {
        return -1;
    }
    if (first) {
        len += (size_t)snprintf(c->text + len, sizeof c->text - len, "[%lld,%lld)%s",
                                (long long)(w->start_ms / S), (long long)(w->end_ms / S),
                                w->final ? "" : "~");
    }
    for (size_t i = 0; i < n; i++) {
        if (len + 64 > sizeof c->text) {
            return -1;
        }
        len += (size_t)snprintf(c->text + len, sizeof c->text - len, " %s=%llu",
                                rows[i].name, (unsigned long long)rows[i].count);
    }
    if (last) {
        snprintf(c->text + len, sizeof c->text - len, ";");
    }
    return 0;
}

static void feed_task(struct tc_engine *e, uint32_t task, int64_t t, const char *key,
                      int64_t msg, const struct tc_emitter *em)
{
    tc_engine_count_in(e, task, t, key, strlen(key), true, 1, msg);
    tc_engine_advance_task(e, task, t);
    CHECK(tc_engine_advance(e, t, em) == 0);
}

static void test_restore_from_chunks(void)
{
    struct tg_window_spec spec;
    char err[256];
    CHECK(tg_window_spec_parse("2m/1m", &spec, err, sizeof err) == 0);
    struct tc_engine_config cfg = {
        .specs = &spec, .nspecs = 1, .lateness_ms = 30 * S, .dedup = true};
    struct tc_engine *a = tc_engine_new(&cfg, err, sizeof err);
    struct capture ca = {""}, cb = {""};
    struct tc_emitter ema = {.window = capture_window, .ctx = &ca};
    struct tc_emitter emb = {.window = capture_window, .ctx = &cb};
    /* 200 users over 3 minutes in task 3: a state of a few kB. */
    char name[32];
    for (int i = 0; i < 400; i++) {
        snprintf(name, sizeof name, "user-%03d", i % 200);
        feed_task(a, 3, (int64_t)i * 450, name, i, &ema);
    }
    struct tc_ckbuf buf = {0};
    CHECK_INT(tc_engine_save_task(a, 3, &buf), 0);
    struct tc_changelog_chunks c = {0};
    struct tc_changelog_meta meta = {"telegram_messages", 3, 400, 7};
    CHECK_INT(tc_changelog_encode(&meta, buf.data, buf.len, 1000, &c, err, sizeof err),
              0);
    CHECK(c.n > 3);

    struct tc_changelog_decoder *d = tc_changelog_decoder_new(3);
    for (size_t i = 0; i < c.n; i++) {
        CHECK_INT(tc_changelog_decoder_feed(d, c.msgs[i].key, c.msgs[i].key_len,
                                            c.msgs[i].value, c.msgs[i].value_len, err,
                                            sizeof err),
                  0);
    }
    struct tc_changelog_snapshot *s = tc_changelog_decoder_take(d);
    CHECK(s != NULL);
    if (s == NULL) {
        return;
    }
    CHECK_INT(s->next_offset, 400);
    struct tc_engine *b = tc_engine_new(&cfg, err, sizeof err);
    CHECK_INT(tc_engine_load_task(b, 3, s->state, s->state_len, err, sizeof err), 0);
    CHECK_INT(tc_engine_counters(b)->entries, tc_engine_counters(a)->entries);
    ca.text[0] = '\0';
    /* Records 400.. go to both: duplicates of restored ones (msg 399),
     * late ones, and new ones; both print the same. */
    for (int i = 395; i < 520; i++) {
        snprintf(name, sizeof name, "user-%03d", i % 7);
        feed_task(a, 3, (int64_t)i * 450 - (i % 5) * 20 * S, name, i, &ema);
        feed_task(b, 3, (int64_t)i * 450 - (i % 5) * 20 * S, name, i, &emb);
    }
    CHECK(tc_engine_emit_open(a, true, &ema) == 0);
    CHECK(tc_engine_emit_open(b, true, &emb) == 0);
    CHECK(strlen(ca.text) > 50);
    CHECK_STR(cb.text, ca.text);
    tc_changelog_snapshot_free(s);
    tc_changelog_decoder_free(d);
    tc_changelog_chunks_clear(&c);
    tc_ckbuf_clear(&buf);
    tc_engine_free(a);
    tc_engine_free(b);
}

int main(void)
{
    RUN(test_chunks);
    RUN(test_older_larger);
    RUN(test_damaged_newer);
    RUN(test_hostile);
    RUN(test_restore_from_chunks);
    return tg_test_finish();
}
