/* The dedup set's own contracts: a key is live while its pane is, dead
 * keys are taken over in place, segments grow keeping their keys, and
 * forgetting rebuilds the set only when most of a large set is dead. */
#include "tc_dedup.h"
#include "tc_hash.h"
#include "tg_test.h"

/* Adds (ch, msg) in pane unless live; returns 1 when added, 0 when it was
 * a live key, -1 on failure. */
static int put(struct tc_dedup *d, int64_t ch, int64_t msg, int64_t pane,
               int64_t oldest_live)
{
    uint64_t hash = tc_hash_ids(ch, msg);
    struct tc_dedup_key *slot = tc_dedup_find(d, hash, ch, msg);
    if (tc_dedup_is_live(slot, oldest_live)) {
        return 0;
    }
    return tc_dedup_add(d, slot, hash, ch, msg, pane, oldest_live) == 0 ? 1 : -1;
}

static int64_t pane_of(struct tc_dedup *d, int64_t ch, int64_t msg)
{
    return tc_dedup_find(d, tc_hash_ids(ch, msg), ch, msg)->pane;
}

static void test_live_and_dead(void)
{
    struct tc_dedup *d = tc_dedup_new();
    CHECK(d != NULL);
    CHECK_INT(put(d, -100, 1, 5, INT64_MIN), 1);
    CHECK_INT(put(d, -100, 1, 6, INT64_MIN), 0);
    CHECK_INT(put(d, -101, 1, 5, INT64_MIN), 1);
    CHECK_INT(put(d, -100, 2, 5, INT64_MIN), 1);
    CHECK_INT(d->live, 3);
    CHECK_INT(d->used, 3);
    CHECK_INT(pane_of(d, -100, 1), 5);
    CHECK_INT(pane_of(d, -100, 9), TC_DEDUP_EMPTY);
    /* Pane 5 dies: its keys are dead in place, and the same message is
     * then counted again, taking over its old slot. */
    CHECK_INT(tc_dedup_forget(d, 3, 6), 0);
    CHECK_INT(d->live, 0);
    CHECK_INT(d->used, 3); /* small set: no rebuild */
    CHECK_INT(put(d, -100, 1, 6, 6), 1);
    CHECK_INT(pane_of(d, -100, 1), 6);
    CHECK_INT(d->used, 3);
    CHECK_INT(d->live, 1);
    tc_dedup_free(d);
    tc_dedup_free(NULL);
}

/* Every segment grows many times over; every key is still there. */
static void test_growth_keeps_keys(void)
{
    struct tc_dedup *d = tc_dedup_new();
    for (int64_t i = 0; i < 40000; i++) {
        CHECK(put(d, -i % 13, i, 1, INT64_MIN) == 1);
    }
    int live = 0;
    for (int64_t i = 0; i < 40000; i++) {
        live += put(d, -i % 13, i, 1, INT64_MIN) == 0;
    }
    CHECK_INT(live, 40000);
    CHECK_INT(d->used, 40000);
    for (size_t s = 0; s < TC_DEDUP_SEGMENTS; s++) {
        CHECK(d->seg[s].used * 10 <= d->seg[s].cap * 7);
    }
    tc_dedup_free(d);
}

/* A growing segment drops its dead keys rather than carrying them. */
static void test_growth_drops_dead_keys(void)
{
    struct tc_dedup *d = tc_dedup_new();
    for (int64_t i = 0; i < 3000; i++) {
        put(d, 1, i, 1, INT64_MIN);
    }
    CHECK_INT(tc_dedup_forget(d, 3000, 2), 0); /* below the rebuild size */
    CHECK_INT(d->used, 3000);
    for (int64_t i = 3000; i < 6000; i++) {
        put(d, 1, i, 2, 2);
    }
    CHECK_INT(d->live, 3000);
    CHECK(d->used < 6000);
    CHECK_INT(pane_of(d, 1, 5999), 2);
    tc_dedup_free(d);
}

/* The rule: rebuild when keys just died, most are dead, and the set holds
 * more than TC_DEDUP_REBUILD_MIN keys. */
static void test_forget_rule(void)
{
    struct tc_dedup *d = tc_dedup_new();
    for (int64_t i = 0; i < 3000; i++) {
        put(d, 1, i, 1, INT64_MIN);
    }
    for (int64_t i = 0; i < 2000; i++) {
        put(d, 2, i, 2, INT64_MIN);
    }
    size_t used = d->used;
    CHECK(used > TC_DEDUP_REBUILD_MIN);
    CHECK_INT(tc_dedup_forget(d, 0, 2), 0); /* nothing died: no rebuild */
    CHECK_INT(d->used, used);
    CHECK_INT(tc_dedup_forget(d, 3000, 2), 0); /* 3000 dead of 5000 */
    CHECK_INT(d->live, 2000);
    CHECK_INT(d->used, 2000);
    CHECK_INT(pane_of(d, 1, 0), TC_DEDUP_EMPTY);
    CHECK_INT(pane_of(d, 2, 1999), 2);
    tc_dedup_free(d);

    /* Half dead is not most. */
    d = tc_dedup_new();
    for (int64_t i = 0; i < 6000; i++) {
        put(d, 1, i, i < 3000 ? 1 : 2, INT64_MIN);
    }
    CHECK_INT(tc_dedup_forget(d, 3000, 2), 0);
    CHECK_INT(d->used, 6000);
    tc_dedup_free(d);
}

int main(void)
{
    RUN(test_live_and_dead);
    RUN(test_growth_keeps_keys);
    RUN(test_growth_drops_dead_keys);
    RUN(test_forget_rule);
    return tg_test_finish();
}
