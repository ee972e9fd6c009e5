/* The pane deque's own contracts: panes stay sorted whichever end they
 * arrive at, the deque reuses the room old panes leave, entries and the
 * users' slots agree, and dropping or renumbering keeps them agreeing. */
#include <stdlib.h>
#include <string.h>

#include "tc_panes.h"
#include "tg_test.h"

static void check_sorted(const struct tc_panes *ps)
{
    for (size_t i = ps->first + 1; i < tc_panes_end(ps); i++) {
        CHECK(ps->a[i - 1].no < ps->a[i].no);
    }
}

/* Panes numbered below the first, above the last and in between. */
static void test_growth_at_both_ends(void)
{
    struct tc_panes *ps = tc_panes_new();
    CHECK(ps != NULL);
    CHECK(tc_panes_get(ps, 100) != NULL);
    for (int64_t p = 99; p >= 60; p--) {
        CHECK(tc_panes_get(ps, p) != NULL); /* at the front */
    }
    for (int64_t p = 101; p <= 140; p++) {
        CHECK(tc_panes_get(ps, p) != NULL); /* at the back */
    }
    for (int64_t p = -10; p < 200; p += 7) {
        struct tc_pane *pane = tc_panes_get(ps, p); /* anywhere */
        CHECK(pane != NULL && pane->no == p);
    }
    check_sorted(ps);
    CHECK_INT(ps->a[ps->first].no, -10);
    CHECK_INT(ps->a[tc_panes_end(ps) - 1].no, 193);
    size_t n = ps->n;
    CHECK(tc_panes_get(ps, 100) == tc_panes_find(ps, 100));
    CHECK_INT(ps->n, n); /* finding an existing pane adds nothing */
    CHECK(tc_panes_find(ps, 141) == NULL);
    CHECK_INT(tc_panes_get(ps, 75)->dirty_w, INT64_MAX);
    tc_panes_free(ps);
    tc_panes_free(NULL);
}

/* A sliding run (drop at the front, add at the back) keeps a bounded
 * array: the room at the front is reused. */
static void test_sliding_reuses_room(void)
{
    struct tc_panes *ps = tc_panes_new();
    struct tc_users *us = tc_users_new(0);
    for (int64_t p = 0; p < 20; p++) {
        tc_panes_get(ps, p);
    }
    size_t cap = ps->cap;
    for (int64_t p = 20; p < 5000; p++) {
        tc_panes_drop_front(ps, us);
        CHECK(tc_panes_get(ps, p) != NULL);
    }
    CHECK_INT(ps->n, 20);
    CHECK_INT(ps->cap, cap);
    CHECK_INT(ps->a[ps->first].no, 4980);
    check_sorted(ps);
    while (ps->n > 0) {
        tc_panes_drop_front(ps, us);
    }
    CHECK_INT(ps->first, 0);
    tc_users_free(us);
    tc_panes_free(ps);
}

/* Entries and slots: one entry per user and pane, found again through the
 * user's slots even when a pane opens between the user's others. */
static void test_entries_and_slots(void)
{
    struct tc_panes *ps = tc_panes_new();
    struct tc_users *us = tc_users_new(0);
    tc_users_intern(us, "a", 1);
    tc_users_intern(us, "b", 1);
    const int64_t order[] = {10, 30, 20, 5};
    for (size_t i = 0; i < 4; i++) {
        struct tc_pane *pane = tc_panes_get(ps, order[i]);
        int64_t e = tc_panes_entry(ps, pane, us, 0);
        CHECK_INT(e, 0);
        pane->e[e].count += (uint32_t)order[i];
    }
    struct tc_pane *p20 = tc_panes_get(ps, 20);
    CHECK_INT(tc_panes_entry(ps, p20, us, 1), 1);
    CHECK_INT(tc_panes_entry(ps, p20, us, 0), 0);
    CHECK_INT(tc_panes_entry(ps, p20, us, 1), 1);
    CHECK_INT(ps->entries, 5);
    CHECK_INT(ps->peak_entries, 5);
    const struct tc_user *a = &us->users[0];
    CHECK_INT(a->nslots, 4);
    for (uint32_t k = 0; k < a->nslots; k++) {
        const struct tc_user_slot *sl = &tc_user_slots(&us->users[0])[k];
        const struct tc_pane *pane = tc_panes_find(ps, sl->pane);
        CHECK(pane != NULL && pane->e[sl->entry].user == 0);
        CHECK_INT(pane->e[sl->entry].count, sl->pane);
        CHECK(k == 0 || tc_user_slots(&us->users[0])[k - 1].pane < sl->pane);
    }
    CHECK_INT(us->live, 2);

    /* Dropping pane 5, then 10, returns their dedup counts and removes
     * the users' slots; the peak stays. */
    tc_panes_find(ps, 5)->ndedup = 3;
    CHECK_INT(tc_panes_drop_front(ps, us), 3);
    CHECK_INT(tc_panes_drop_front(ps, us), 0);
    CHECK_INT(ps->entries, 3);
    CHECK_INT(ps->peak_entries, 5);
    CHECK_INT(a->nslots, 2);
    CHECK_INT(tc_user_slots(&us->users[0])[0].pane, 20);
    tc_users_free(us);
    tc_panes_free(ps);
}

static void test_renumber_and_clear_dirty(void)
{
    struct tc_panes *ps = tc_panes_new();
    struct tc_users *us = tc_users_new(0);
    tc_users_intern(us, "idle", 4);
    tc_users_intern(us, "x", 1);
    tc_users_intern(us, "y", 1);
    struct tc_pane *pane = tc_panes_get(ps, 1);
    tc_panes_entry(ps, pane, us, 2);
    tc_panes_entry(ps, pane, us, 1);
    pane->dirty_w = 42;
    uint32_t *map;
    CHECK_INT(tc_users_compact(us, &map), 0);
    tc_panes_renumber_users(ps, map);
    free(map);
    CHECK_INT(pane->e[0].user, 1);
    CHECK_INT(pane->e[1].user, 0);
    CHECK_STR(us->users[pane->e[0].user].name, "y");
    tc_panes_clear_dirty(ps);
    CHECK_INT(pane->dirty_w, INT64_MAX);
    tc_users_free(us);
    tc_panes_free(ps);
}

int main(void)
{
    RUN(test_growth_at_both_ends);
    RUN(test_sliding_reuses_room);
    RUN(test_entries_and_slots);
    RUN(test_renumber_and_clear_dirty);
    return tg_test_finish();
}
