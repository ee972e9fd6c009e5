/* tc_emit.h - turning panes into printed windows: which windows to emit
 * and in what order (candidates), and each window's rows: its panes summed
 * per user, sorted by count descending then name, cut to top_n and handed
 * to the emitter in parts.
 *
 * Sorting compares no names: each row becomes a 64-bit key (inverted
 * count, the user's rank in name order) sorted as an integer, by radix sort
 * above 64 rows.  A count of 2^32 - 1 or more does not fit the key; such a
 * window falls back to sorting rows by comparing names.
 *
 * The emission state is scratch space kept between windows so that a
 * steady run allocates nothing: the users touched by a window, the keys,
 * the rows handed over and the candidate windows.  Memory: 20 bytes per
 * row of the largest window so far (4-byte touched index, 8-byte key and
 * 8 bytes of radix-sort buffer), plus rows of at most
 * TC_EMIT_ROWS_PER_CALL, plus 24 bytes per candidate window.
 *
 * Several sources (tasks, one per input partition) are summed: each
 * source's rows are computed as above; when only one source has rows for a
 * window (always so with one task) that is the whole work, else each
 * source's rows are added, by name, into one more user table kept here
 * (users are interned per source), which is then sorted as above: a hash
 * lookup more per new user of a source, 4 bytes per user in the source's
 * cache, and an index per row.  That table holds the names of recent merged
 * windows (tc_users.h's cost per user); it starts afresh once it holds
 * four times the largest merged window and at least TC_USERS_COMPACT_MIN.
 */
#ifndef TC_EMIT_H
#define TC_EMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_panes.h"
#include "tc_users.h"
#include "tc_window.h"

/* One row of a window: borrowed name (NUL-terminated) and its count. */
struct tc_row {
    const char *name;
    size_t len;
    uint64_t count;
};

/* Rows handed to the emitter per call: a window of a million users is
 * passed in parts so that no row array as large as the window is needed. */
#define TC_EMIT_ROWS_PER_CALL 4096

/* Receives each emitted window's rows, sorted by count descending then name
 * ascending (byte order), already cut to top_n, in consecutive parts of at
 * most TC_EMIT_ROWS_PER_CALL: `first` on the first part of a window,
 * `last` on its last (both for a window that fits one part).  rows and
 * names are borrowed for the call.  Returns 0, or -1 to stop (output
 * failed).  any_order: the rows come in no particular order, unsorted
 * (for a receiver whose readers do not rely on one; top_n must be 0). */
struct tc_emitter {
    int (*window)(void *ctx, const struct tc_window *w, const struct tc_row *rows,
                  size_t n, bool first, bool last);
    void *ctx;
    bool any_order;
};

/* A count to leave out of one window: `count` records of user `user` were
 * counted into a pane of the window (spec, start_ms) after the window had
 * become final for their source, though not yet emitted (see tc_task.h). */
struct tc_fix {
    int64_t start_ms;
    uint32_t spec;
    uint32_t user;
    uint64_t count;
};

/* Where each user of a source is in the merged table (below), so that a
 * name is looked up once, not in every window: ids[u] is the merged index
 * + 1 (0: not known yet), valid while gen is the merged table's.  Owned by
 * the source's owner (zero-initialised; release with
 * tc_emit_cache_clear), which calls tc_emit_cache_forget when its users
 * are renumbered. */
struct tc_emit_cache {
    uint32_t *ids;
    size_t cap;
    uint64_t gen;
};

void tc_emit_cache_forget(struct tc_emit_cache *c);
void tc_emit_cache_clear(struct tc_emit_cache *c);

/* One source of counts: a task's users, panes, fixes and cache (all
 * borrowed; cache may be NULL). */
struct tc_emit_source {
    struct tc_users *us;
    const struct tc_panes *ps;
    const struct tc_fix *fixes;
    size_t nfixes;
    struct tc_emit_cache *cache;
};

struct tc_emit;

/* Empty scratch space.  NULL when out of memory. */
struct tc_emit *tc_emit_new(void);

/* NULL-safe. */
void tc_emit_free(struct tc_emit *x);

/* Windows emitted so far (those with at least one row). */
uint64_t tc_emit_windows(const struct tc_emit *x);

/* Sums window w per user over the panes of each of the nsrc sources (less
 * their fixes for w), adds up the users of the same name across sources,
 * sorts, and hands the first top_n rows (0: all) to em; a window without
 * rows is not handed over.  Uses (and overwrites) the users' emission
 * scratch and name order.  Returns 0, or -1 when the emitter failed or
 * memory ran out. */
int tc_emit_window(struct tc_emit *x, const struct tc_window_set *ws,
                   const struct tc_emit_source *src, size_t nsrc,
                   const struct tc_window *w, size_t top_n, const struct tc_emitter *em);

/* Hands over window w whose rows are the n users us->users[users[i]]
 * (each once), their counts in acc: sorted and cut to top_n exactly as
 * tc_emit_window sorts a task's rows, for callers that sum counts
 * themselves (tgcount --merge, tc_merge.h).  Uses us's name order and
 * overwrites nothing but the emission scratch.  n may be 0 (nothing is
 * handed over).  Returns 0, or -1 as tc_emit_window. */
int tc_emit_users(struct tc_emit *x, struct tc_users *us, const uint32_t *users, size_t n,
                  const struct tc_window *w, size_t top_n, const struct tc_emitter *em);

/* Emits, in order of end, then start, then spec index, every window that
 * contains a live pane of a source and ends in (lo, hi] (lo INT64_MIN: no lower
 * bound; hi INT64_MAX: no upper bound), marked final or provisional as
 * `final` says; with only_changed, only those with a pane counted into
 * since the last trigger while they were open (see struct tc_pane's
 * dirty_w).  Returns 0, or -1 as tc_emit_window. */
int tc_emit_ending(struct tc_emit *x, const struct tc_window_set *ws,
                   const struct tc_emit_source *src, size_t nsrc, int64_t lo, int64_t hi,
                   bool only_changed, bool final, size_t top_n,
                   const struct tc_emitter *em);

#endif
