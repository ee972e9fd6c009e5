/* The user table's own contracts: interning, the limit predicates, slots
 * spilling out of the record and back, compaction's map, name order and
 * the emission stamp. */
#include <stdlib.h>
#include <string.h>

#include "tc_hash.h"
#include "tc_users.h"
#include "tg_test.h"

static int64_t add(struct tc_users *us, const char *name)
{
    return tc_users_add(us, name, strlen(name), tc_hash_bytes(name, strlen(name)));
}

static int64_t find(const struct tc_users *us, const char *name)
{
    return tc_users_find(us, name, strlen(name), tc_hash_bytes(name, strlen(name)));
}

static void test_intern_numbers_in_arrival_order(void)
{
    struct tc_users *us = tc_users_new(0);
    CHECK(us != NULL);
    char key[16] = "bob";
    CHECK_INT(tc_users_intern(us, key, 3), 0);
    strcpy(key, "al"); /* the table keeps its own copy */
    CHECK_INT(tc_users_intern(us, key, 2), 1);
    CHECK_INT(tc_users_intern(us, "bob", 3), 0);
    CHECK_INT(find(us, "bob"), 0);
    CHECK_INT(find(us, "al"), 1);
    CHECK_INT(find(us, "a"), -1);
    CHECK_INT(find(us, "bo"), -1);
    CHECK_STR(us->users[0].name, "bob");
    CHECK_STR(us->users[1].name, "al");
    /* A name with a NUL inside is its bytes, not a C string. */
    CHECK_INT(tc_users_intern(us, "al\0x", 4), 2);
    CHECK_INT(us->users[2].len, 4);
    CHECK_INT(us->n, 3);
    CHECK_INT(us->live, 0);
    tc_users_free(us);
    tc_users_free(NULL);
}

/* Enough users to rehash the table several times: every one still found. */
static void test_many_users_survive_rehash(void)
{
    struct tc_users *us = tc_users_new(0);
    char name[32];
    for (int i = 0; i < 20000; i++) {
        snprintf(name, sizeof name, "user%d", i);
        CHECK_INT(add(us, name), i);
    }
    CHECK(us->hashcap * 7 >= us->n * 10);
    int found = 0;
    for (int i = 0; i < 20000; i++) {
        snprintf(name, sizeof name, "user%d", i);
        found += find(us, name) == i;
    }
    CHECK_INT(found, 20000);
    tc_users_free(us);
}

static void test_limit_predicates(void)
{
    struct tc_users *us = tc_users_new(8);
    char name[8];
    for (int i = 0; i < 7; i++) {
        snprintf(name, sizeof name, "u%d", i);
        add(us, name);
    }
    CHECK(!tc_users_full(us));
    add(us, "u7");
    CHECK(tc_users_full(us));
    /* Two idle users of eight: a quarter of the limit, worth compacting. */
    for (uint32_t i = 0; i < 6; i++) {
        CHECK_INT(tc_users_insert_slot(us, i, 0, 1, 0), 0);
    }
    CHECK(tc_users_compaction_makes_room(us));
    CHECK_INT(tc_users_insert_slot(us, 6, 0, 1, 0), 0);
    CHECK(!tc_users_compaction_makes_room(us));
    CHECK(!tc_users_mostly_idle(us)); /* far below TC_USERS_COMPACT_MIN */
    tc_users_free(us);

    us = tc_users_new(0);
    add(us, "a");
    CHECK(!tc_users_full(us));
    tc_users_free(us);
}

/* A user's first slot lives in the record; more spill into an array,
 * kept sorted by pane, and a user back to one slot returns to the record. */
static void test_slots_spill_and_return(void)
{
    struct tc_users *us = tc_users_new(0);
    add(us, "a");
    struct tc_user *u = &us->users[0];
    CHECK_INT(tc_users_insert_slot(us, 0, 0, 10, 0), 0);
    CHECK_INT(us->live, 1);
    CHECK(tc_user_slots(u) == &u->s.one);
    CHECK_INT(tc_users_insert_slot(us, 0, 1, 30, 5), 0);
    CHECK_INT(tc_users_insert_slot(us, 0, 1, 20, 7), 0); /* in the middle */
    CHECK(u->capslots > 1);
    const struct tc_user_slot *sl = tc_user_slots(u);
    CHECK_INT(u->nslots, 3);
    CHECK_INT(sl[0].pane, 10);
    CHECK_INT(sl[1].pane, 20);
    CHECK_INT(sl[1].entry, 7);
    CHECK_INT(sl[2].pane, 30);
    CHECK_INT(sl[2].entry, 5);
    for (int64_t p = 40; p < 100; p += 10) {
        CHECK_INT(tc_users_insert_slot(us, 0, u->nslots, p, (uint32_t)p), 0);
    }
    CHECK_INT(u->nslots, 9);
    tc_users_drop_slot(us, 0, 999); /* not there: nothing happens */
    CHECK_INT(u->nslots, 9);
    for (int64_t p = 10; p < 90; p += 10) {
        tc_users_drop_slot(us, 0, p);
    }
    CHECK_INT(u->nslots, 1);
    CHECK_INT(u->capslots, 1);
    CHECK(tc_user_slots(u) == &u->s.one);
    CHECK_INT(u->s.one.pane, 90);
    CHECK_INT(u->s.one.entry, 90);
    CHECK_INT(us->live, 1);
    tc_users_drop_slot(us, 0, 90);
    CHECK_INT(u->nslots, 0);
    CHECK_INT(us->live, 0);
    tc_users_free(us);
}

/* Compaction keeps the live users in their order, says where each went,
 * and leaves a table that finds the survivors and not the others. */
static void test_compaction_map(void)
{
    struct tc_users *us = tc_users_new(0);
    const char *names[] = {"idle0", "live1", "idle2", "live3", "live4", "idle5"};
    for (int i = 0; i < 6; i++) {
        add(us, names[i]);
    }
    CHECK_INT(tc_users_insert_slot(us, 1, 0, 7, 0), 0);
    CHECK_INT(tc_users_insert_slot(us, 3, 0, 7, 1), 0);
    CHECK_INT(tc_users_insert_slot(us, 3, 1, 8, 0), 0); /* spilled slots move too */
    CHECK_INT(tc_users_insert_slot(us, 4, 0, 8, 1), 0);
    CHECK_INT(tc_users_rank(us), 0);
    us->users[1].stamp = 5;
    uint32_t *map = NULL;
    CHECK_INT(tc_users_compact(us, &map), 0);
    CHECK(map != NULL);
    const uint32_t want[] = {UINT32_MAX, 0, UINT32_MAX, 1, 2, UINT32_MAX};
    for (int i = 0; i < 6; i++) {
        CHECK_INT(map[i], want[i]);
    }
    free(map);
    CHECK_INT(us->n, 3);
    CHECK_INT(us->live, 3);
    CHECK_INT(us->nranked, 0);
    CHECK_INT(us->users[0].stamp, 0);
    CHECK_STR(us->users[1].name, "live3");
    CHECK_INT(us->users[1].nslots, 2);
    CHECK_INT(tc_user_slots(&us->users[1])[1].pane, 8);
    CHECK_INT(find(us, "live1"), 0);
    CHECK_INT(find(us, "live4"), 2);
    CHECK_INT(find(us, "idle0"), -1);
    CHECK_INT(find(us, "idle5"), -1);
    /* A forgotten name comes back as a new user. */
    CHECK_INT(add(us, "idle0"), 3);
    tc_users_free(us);
}

/* Byte order, prefixes first; newcomers merged into an existing order. */
static void test_rank_merges_newcomers(void)
{
    struct tc_users *us = tc_users_new(0);
    add(us, "b");
    add(us, "ab");
    add(us, "B");
    CHECK_INT(tc_users_rank(us), 0);
    CHECK_INT(us->byname[0], 2); /* "B" < "ab" < "b" */
    CHECK_INT(us->byname[1], 1);
    CHECK_INT(us->byname[2], 0);
    add(us, "a");
    add(us, "c");
    add(us, "abc");
    CHECK_INT(tc_users_rank(us), 0);
    const char *order[] = {"B", "a", "ab", "abc", "b", "c"};
    for (uint32_t r = 0; r < 6; r++) {
        CHECK_STR(us->users[us->byname[r]].name, order[r]);
        CHECK_INT(us->rank[us->byname[r]], r);
    }
    CHECK_INT(us->nranked, 6);
    tc_users_free(us);
}

/* When the stamp wraps, every user's stamp is cleared so that no stale
 * stamp can equal a new one. */
static void test_stamp_wraps(void)
{
    struct tc_users *us = tc_users_new(0);
    add(us, "a");
    add(us, "b");
    CHECK_INT(tc_users_next_stamp(us), 1);
    us->stamp = UINT32_MAX - 1;
    us->users[0].stamp = UINT32_MAX;
    us->users[1].stamp = 1;
    CHECK_INT(tc_users_next_stamp(us), UINT32_MAX);
    CHECK_INT(tc_users_next_stamp(us), 1);
    CHECK_INT(us->users[0].stamp, 0);
    CHECK_INT(us->users[1].stamp, 0);
    tc_users_free(us);
}

int main(void)
{
    RUN(test_intern_numbers_in_arrival_order);
    RUN(test_many_users_survive_rehash);
    RUN(test_limit_predicates);
    RUN(test_slots_spill_and_return);
    RUN(test_compaction_map);
    RUN(test_rank_merges_newcomers);
    RUN(test_stamp_wraps);
    return tg_test_finish();
}
