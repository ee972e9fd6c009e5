/* tc_panes.h - the live panes of one task and their (user, count) entries.
 *
 * A pane is the counters of one slice [no*P, (no+1)*P) of event time: one
 * entry per user counted in it.  The panes are kept sorted by number in a
 * deque: old panes leave at the front (tc_panes_drop_front) and new ones
 * usually arrive at the back, but a late-but-live record may open a pane
 * anywhere, the front included.
 *
 * The way from a user to its counters is the user's slots (tc_users.h):
 * (pane number, entry index) for each live entry, sorted by pane.  A
 * record usually falls in its user's newest pane, so tc_panes_entry looks
 * at the newest slot first.
 *
 * Invariants:
 *   - the live panes are a[first .. first+n), strictly increasing `no`;
 *   - each entry (user, count) of pane q has exactly one slot (q.no, its
 *     index) in users[user], and no user appears twice in a pane;
 *   - entries is the sum of the panes' n; peak_entries >= entries.
 *
 * Memory: 8 bytes per entry (arrays grow by 1.5x: add up to half again),
 * 40 bytes per pane.
 */
#ifndef TC_PANES_H
#define TC_PANES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_users.h"

struct tc_pane_entry {
    uint32_t user;
    uint32_t count;
};

_Static_assert(sizeof(struct tc_pane_entry) == 8, "a pane entry is 8 bytes");

struct tc_pane {
    int64_t no;
    struct tc_pane_entry *e; /* e[0 .. n) */
    uint32_t n;
    uint32_t cap;
    uint64_t ndedup; /* dedup keys that belong to this pane */
    /* Smallest W at which a record was counted here since the last
     * trigger (INT64_MAX: none).  A window was changed iff one of its
     * panes has dirty_w < its end: it was open when that record came. */
    int64_t dirty_w;
};

/* Fields are visible so that the per-record path can be inlined and the
 * emission and checkpoint code can walk the panes; only this module
 * writes them, except a pane's counts, ndedup and dirty_w, which belong
 * to the task that counts. */
struct tc_panes {
    struct tc_pane *a;
    size_t first, n, cap;
    size_t cache; /* absolute index of the last pane used */
    uint64_t entries;
    uint64_t peak_entries;
};

/* No panes.  NULL when out of memory. */
struct tc_panes *tc_panes_new(void);

/* Frees the panes and their entries (not the users' slots).  NULL-safe. */
void tc_panes_free(struct tc_panes *ps);

/* One past the last live pane's absolute index. */
static inline size_t tc_panes_end(const struct tc_panes *ps)
{
    return ps->first + ps->n;
}

/* Absolute index of the first live pane with no >= p (tc_panes_end when
 * none). */
static inline size_t tc_panes_lower_bound(const struct tc_panes *ps, int64_t p)
{
    size_t lo = ps->first, hi = tc_panes_end(ps);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ps->a[mid].no < p) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* The pane numbered p, when live; NULL otherwise.  Borrowed until the next
 * change of the deque. */
static inline struct tc_pane *tc_panes_find(const struct tc_panes *ps, int64_t p)
{
    size_t i = tc_panes_lower_bound(ps, p);
    return i < tc_panes_end(ps) && ps->a[i].no == p ? &ps->a[i] : NULL;
}

/* tc_panes_get without the cache: binary search, then insertion. */
struct tc_pane *tc_panes_get_uncached(struct tc_panes *ps, int64_t p);

/* The pane numbered p, created empty when missing.  Returns NULL when out
 * of memory.  Borrowed until the next change of the deque. */
static inline struct tc_pane *tc_panes_get(struct tc_panes *ps, int64_t p)
{
    if (ps->cache < tc_panes_end(ps) && ps->cache >= ps->first &&
        ps->a[ps->cache].no == p) {
        return &ps->a[ps->cache];
    }
    return tc_panes_get_uncached(ps, p);
}

/* Adds an entry (user, 0) to pane and its slot to the user, at position at
 * of its slots (see tc_panes_entry). */
int64_t tc_panes_add_entry(struct tc_panes *ps, struct tc_pane *pane, struct tc_users *us,
                           uint32_t user, uint32_t at);

/* The index of user's entry in pane, created with count 0 when missing.
 * Returns -1 when out of memory. */
static inline int64_t tc_panes_entry(struct tc_panes *ps, struct tc_pane *pane,
                                     struct tc_users *us, uint32_t user)
{
    struct tc_user *u = &us->users[user];
    const struct tc_user_slot *sl = tc_user_slots(u);
    uint32_t k = u->nslots;
    while (k > 0 && sl[k - 1].pane > pane->no) {
        k--;
    }
    if (k > 0 && sl[k - 1].pane == pane->no) {
        return sl[k - 1].entry;
    }
    return tc_panes_add_entry(ps, pane, us, user, k);
}

/* Forgets the first live pane: its entries and its users' slots for it.
 * Returns how many dedup keys belonged to it. */
uint64_t tc_panes_drop_front(struct tc_panes *ps, struct tc_users *us);

/* Renumbers every entry's user through map (from tc_users_compact). */
void tc_panes_renumber_users(struct tc_panes *ps, const uint32_t *map);

/* Starts a new trigger period: no pane changed since. */
void tc_panes_clear_dirty(struct tc_panes *ps);

#endif
