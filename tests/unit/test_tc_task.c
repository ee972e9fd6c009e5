/* A task's own contracts: it is one self-contained instance (two tasks
 * never see each other's records), W and the oldest live pane move
 * together, forgetting drops what no open window needs, and the codec
 * writes exactly the checkpoint layout of tc_task_codec.h. */
#include <stdlib.h>
#include <string.h>

#include "tc_task.h"
#include "tc_task_codec.h"
#include "tg_test.h"

#define S 1000LL

struct config {
    struct tg_window_spec specs[2];
    struct tc_task_config cfg;
};

/* 1m and 10m/30s: pane 30 s. */
static void setup(struct config *c, int64_t lateness_ms, size_t max_users)
{
    char err[64];
    CHECK(tg_window_spec_parse("1m", &c->specs[0], err, sizeof err) == 0);
    CHECK(tg_window_spec_parse("10m/30s", &c->specs[1], err, sizeof err) == 0);
    c->cfg = (struct tc_task_config){
        .windows = {c->specs, 2, 30 * S},
        .lateness_ms = lateness_ms,
        .dedup = true,
        .max_users = max_users,
    };
}

static int count(struct tc_task *t, int64_t at, const char *key, int64_t msg)
{
    return tc_task_count(t, t->w, at, key, strlen(key), msg != 0, -100, msg);
}

static void test_tasks_are_independent(void)
{
    struct config c;
    setup(&c, 0, 0);
    struct tc_task *a = tc_task_new(&c.cfg), *b = tc_task_new(&c.cfg);
    CHECK(a != NULL && b != NULL && tc_task_is_fresh(a));
    CHECK_INT(count(a, 10 * S, "x", 1), TC_COUNT_COUNTED);
    CHECK(!tc_task_is_fresh(a) && tc_task_is_fresh(b));
    CHECK_INT(count(b, 10 * S, "y", 1), TC_COUNT_COUNTED); /* not a's duplicate */
    CHECK_INT(count(a, 11 * S, "x", 1), TC_COUNT_DUPLICATE);
    CHECK(tc_task_advance(a, 700 * S));
    CHECK_INT(count(a, 10 * S, "x", 2), TC_COUNT_LATE);
    CHECK_INT(count(b, 10 * S, "y", 2), TC_COUNT_COUNTED); /* b's W did not move */
    CHECK_INT(b->w, INT64_MIN);
    CHECK_INT(a->users->n, 1);
    CHECK_INT(b->users->n, 1);
    CHECK_INT(b->panes->entries, 1);
    CHECK_INT(a->max_t, 11 * S);
    tc_task_free(a);
    tc_task_free(b);
    tc_task_free(NULL);
}

static void test_watermark_and_forgetting(void)
{
    struct config c;
    setup(&c, 5 * S, 0);
    struct tc_task *t = tc_task_new(&c.cfg);
    CHECK_INT(t->oldest_live, INT64_MIN);
    count(t, 10 * S, "a", 1);                  /* pane 0 */
    count(t, 40 * S, "b", 2);                  /* pane 1 */
    count(t, 70 * S, "a", 3);                  /* pane 2 */
    CHECK(!tc_task_advance(t, INT64_MIN + 1)); /* below minus infinity + lateness */
    CHECK(tc_task_advance(t, 610 * S));
    CHECK_INT(t->w, 605 * S);
    /* 1m: first open window [600,660), pane 20; 10m/30s: [30,630), pane 1. */
    CHECK_INT(t->oldest_live, 1);
    CHECK(!tc_task_advance(t, 610 * S)); /* W only grows */
    CHECK(!tc_task_advance(t, 600 * S));
    CHECK_INT(tc_task_forget(t, t->w), 0);
    CHECK_INT(t->panes->n, 2);
    CHECK_INT(t->panes->entries, 2);
    CHECK_INT(t->dedup->live, 2);
    CHECK_INT(count(t, 10 * S, "c", 9), TC_COUNT_LATE);
    CHECK_INT(count(t, 20 * S, "c", 1), TC_COUNT_LATE); /* its key died with pane 0 */
    CHECK_INT(count(t, 45 * S, "c", 2), TC_COUNT_DUPLICATE);
    CHECK_INT(t->users->live, 2);
    CHECK_INT(t->users->n, 2); /* c was never added: late records are not */
    tc_task_free(t);
}

/* At the limit a new user is (other), unless idle users make room. */
static void test_max_users(void)
{
    struct config c;
    setup(&c, 0, 4);
    struct tc_task *t = tc_task_new(&c.cfg);
    const char *names[] = {"a", "b", "c", "d", "e"};
    for (int i = 0; i < 5; i++) {
        count(t, 10 * S, names[i], 0);
    }
    CHECK_INT(t->overflowed, 1);
    CHECK_INT(t->users->n, 5);
    CHECK_STR(t->users->users[4].name, TC_OTHER_KEY);
    /* Every pane dies: all five are idle, and the next new user compacts. */
    CHECK(tc_task_advance(t, 2000 * S));
    CHECK_INT(tc_task_forget(t, t->w), 0);
    count(t, 2000 * S, "f", 0);
    CHECK_INT(t->overflowed, 1);
    CHECK_INT(t->users->n, 1);
    CHECK_STR(t->users->users[0].name, "f");
    tc_task_free(t);
}

/* The bytes of a small state, written out by hand from the layout. */
/* Appends n bytes as they are (a tc_ckbuf has no such call). */
static void put_raw(struct tc_ckbuf *b, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        tc_ckbuf_u32(b, p[i]);
        b->len -= 3; /* little-endian: the byte is the first of the four */
    }
}

static void test_codec_layout(void)
{
    struct config c;
    setup(&c, 0, 0);
    struct tc_task *t = tc_task_new(&c.cfg);
    count(t, 10 * S, "bo", 7);
    count(t, 12 * S, "bo", 0);
    count(t, 40 * S, "al", 0);
    CHECK(tc_task_advance(t, 41 * S));
    count(t, 45 * S, "bo", 0);
    struct tc_ckbuf want = {0};
    tc_ckbuf_i64(&want, 41 * S);
    tc_ckbuf_i64(&want, 45 * S);
    tc_ckbuf_i64(&want, 41 * S); /* produced_end: at least W (final_w) */
    tc_ckbuf_u64(&want, 2);
    tc_ckbuf_bytes(&want, "bo", 2);
    tc_ckbuf_bytes(&want, "al", 2);
    tc_ckbuf_u64(&want, 2);
    tc_ckbuf_i64(&want, 0);         /* pane 0 */
    tc_ckbuf_i64(&want, INT64_MIN); /* dirty before W existed */
    tc_ckbuf_u32(&want, 1);
    tc_ckbuf_u32(&want, 0);
    tc_ckbuf_u32(&want, 2);
    tc_ckbuf_i64(&want, 1); /* pane 1 */
    tc_ckbuf_i64(&want, INT64_MIN);
    tc_ckbuf_u32(&want, 2);
    tc_ckbuf_u32(&want, 1);
    tc_ckbuf_u32(&want, 1);
    tc_ckbuf_u32(&want, 0);
    tc_ckbuf_u32(&want, 1);
    tc_ckbuf_u64(&want, 1);
    tc_ckbuf_i64(&want, -100);
    tc_ckbuf_i64(&want, 7);
    tc_ckbuf_i64(&want, 0);
    tc_ckbuf_u64(&want, 0); /* no fixes */
    struct tc_ckbuf got = {0};
    CHECK_INT(tc_task_save(t, t->w, &got), 0);
    CHECK_INT(got.len, want.len);
    CHECK(got.len == want.len && memcmp(got.data, want.data, got.len) == 0);

    /* Loaded into a fresh task, it saves to the same bytes. */
    struct tc_task *u = tc_task_new(&c.cfg);
    struct tc_ckreader rd;
    char err[64] = "";
    tc_ckreader_init(&rd, got.data, got.len);
    CHECK_INT(tc_task_load(u, t->w, &rd, err, sizeof err), 0);
    CHECK(tc_ckreader_done(&rd));
    struct tc_ckbuf again = {0};
    CHECK_INT(tc_task_save(u, u->w, &again), 0);
    CHECK(again.len == got.len && memcmp(again.data, got.data, got.len) == 0);
    CHECK_INT(u->oldest_live, t->oldest_live);
    CHECK_INT(u->dedup->live, 1);
    CHECK_INT(u->panes->entries, 3);

    CHECK_INT(u->produced_end, 41 * S);

    /* Version 2 had no produced_end: the same state without it loads,
     * with produced_end = final_w (nothing can be produced below it). */
    struct tc_ckbuf v2 = {0};
    put_raw(&v2, got.data, 2 * sizeof(int64_t));
    put_raw(&v2, got.data + 3 * sizeof(int64_t), got.len - 3 * sizeof(int64_t));
    struct tc_task *old = tc_task_new(&c.cfg);
    tc_ckreader_init(&rd, v2.data, v2.len);
    rd.version = 2;
    CHECK_INT(tc_task_load(old, 40 * S, &rd, err, sizeof err), 0);
    CHECK(tc_ckreader_done(&rd));
    CHECK_INT(old->produced_end, 40 * S);
    tc_task_free(old);
    tc_ckbuf_clear(&v2);

    /* A produced_end above W is refused. */
    struct tc_ckbuf high = {0};
    put_raw(&high, got.data, got.len);
    int64_t above = 42 * S;
    memcpy(high.data + 2 * sizeof(int64_t), &above,
           sizeof above); /* little-endian host */
    struct tc_task *bad = tc_task_new(&c.cfg);
    tc_ckreader_init(&rd, high.data, high.len);
    CHECK_INT(tc_task_load(bad, 41 * S, &rd, err, sizeof err), -1);
    CHECK_STR(err, "results end out of range");
    tc_task_free(bad);
    tc_ckbuf_clear(&high);

    /* A user name that is not UTF-8 is refused: names go into the results
     * topic's JSON unchecked.  "bo" becomes "b\xff" in place (same length). */
    struct tc_ckbuf notutf8 = {0};
    put_raw(&notutf8, got.data, got.len);
    char *bo = memmem(notutf8.data, notutf8.len, "bo", 2);
    CHECK(bo != NULL);
    if (bo != NULL)
        bo[1] = '\xff';
    struct tc_task *bad8 = tc_task_new(&c.cfg);
    tc_ckreader_init(&rd, notutf8.data, notutf8.len);
    CHECK_INT(tc_task_load(bad8, t->w, &rd, err, sizeof err), -1);
    CHECK_STR(err, "user name not valid UTF-8");
    tc_task_free(bad8);
    tc_ckbuf_clear(&notutf8);

    /* Only into a fresh task. */
    tc_ckreader_init(&rd, got.data, got.len);
    CHECK_INT(tc_task_load(u, t->w, &rd, err, sizeof err), -1);
    CHECK_STR(err, "task already in use");
    tc_ckbuf_clear(&want);
    tc_ckbuf_clear(&got);
    tc_ckbuf_clear(&again);
    tc_task_free(t);
    tc_task_free(u);
}

int main(void)
{
    RUN(test_tasks_are_independent);
    RUN(test_watermark_and_forgetting);
    RUN(test_max_users);
    RUN(test_codec_layout);
    return tg_test_finish();
}
