/* tc_engine.h - tgcount's window engine: per-user counts in event-time
 * panes, the watermark, deduplication, and which windows to emit when.
 *
 * Windows of a spec (size S, slide D) are [k*D, k*D + S) for every integer
 * k, aligned to the Unix epoch.  The pane size P is the gcd of every size
 * and slide, so every window is a whole number of panes, and a record at
 * time t touches exactly one counter: (its key, pane floor(t / P)).  A
 * window's count for a key is the sum over its panes.
 *
 * Watermark W (minus infinity at first) only grows.  A window is final once
 * end <= W.  A pane is live while at least one window containing it is
 * open; a record whose pane is not live is late.  The live panes are always
 * a suffix [oldest_live, +inf) of pane numbers, because the latest window
 * of each spec containing a pane ends no earlier for a later pane.  When
 * a pane stops being live its counters and dedup keys are forgotten (after
 * the windows that needed them were emitted).
 *
 * A pane's counter is shared by the windows that contain it, some of which
 * may already be final when a record arrives; those windows are never
 * emitted again, so no printed result ever changes.
 *
 * Costs: a record costs one hash lookup (key -> user) and O(1) more in the
 * common case (the record falls in the user's newest pane).  Emitting a
 * window costs O(entries in its panes + rows log rows).  Nothing is
 * allocated per record once a (user, pane) counter exists.
 *
 * Memory (arrays grow by 1.5x, so add up to half again):
 *   per known key: a 48-byte user record, its name interned once in an
 *   arena (length + 1), under 12 bytes of hash table (8-byte
 *   slots, load <= 0.7) and 12 bytes of name-order index (rank, and byname
 *   with room to merge newcomers);
 *   per live (user, pane) counter: 8 bytes in the pane; a user's first
 *   live counter is found through a slot inside the user record, further
 *   ones through 16-byte slots in a per-user array;
 *   per live dedup key: 24 bytes at load <= 0.7;
 *   per emitted window: 20 bytes per row for sorting (kept for reuse).
 * Keys whose counters all died stay known until more than half of the
 * table is such idle keys (and at least TC_ENGINE_COMPACT_MIN): then the
 * table is rebuilt with the live ones, so memory follows the active users.
 * Measured: 612,862 users, 927,643 peak (user, pane) entries and 1,000,000
 * live dedup keys in 156 MB peak RSS.
 */
#ifndef TC_ENGINE_H
#define TC_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tg_duration.h"

struct tc_ckbuf;
struct tc_ckreader;

/* The name under which records beyond --max-users are counted. */
#define TC_OTHER_KEY "(other)"

/* The user table is compacted (users without live counters forgotten)
 * when it holds at least this many users and more than half are idle. */
#define TC_ENGINE_COMPACT_MIN 65536

/* Greatest window size, slide or lateness accepted: keeps every time sum
 * far from int64 overflow. */
#define TC_ENGINE_MAX_SPAN_MS (3660LL * 24 * 3600 * 1000) /* about 10 years */

struct tc_engine_config {
    const struct tg_window_spec *specs; /* borrowed; must outlive the engine */
    size_t nspecs;
    int64_t lateness_ms;
    bool dedup;
    bool emit_changes; /* --emit changes: finals only when changed */
    size_t top_n;      /* 0 = every row */
    size_t max_users;  /* 0 = unlimited */
};

/* One row of a window: borrowed name (NUL-terminated) and its count. */
struct tc_row {
    const char *name;
    size_t len;
    uint64_t count;
};

/* One window: index into the config's specs, and its bounds. */
struct tc_window {
    size_t spec;
    int64_t start_ms;
    int64_t end_ms;
};

/* Rows handed to the emitter per call: a window of a million users is
 * passed in parts so that no row array as large as the window is needed. */
#define TC_ENGINE_ROWS_PER_CALL 4096

/* Receives each emitted window's rows, sorted by count descending then name
 * ascending (byte order), already cut to top_n, in consecutive parts of at
 * most TC_ENGINE_ROWS_PER_CALL: `first` on the first part of a window,
 * `last` on its last (both for a window that fits one part).  rows and
 * names are borrowed for the call.  Returns 0, or -1 to stop (output
 * failed). */
struct tc_emitter {
    int (*window)(void *ctx, const struct tc_window *w, const struct tc_row *rows,
                  size_t n, bool first, bool last);
    void *ctx;
};

enum tc_count_result {
    TC_COUNT_COUNTED = 0,
    TC_COUNT_LATE = 1,
    TC_COUNT_DUPLICATE = 2,
};

struct tc_engine_counters {
    uint64_t users;        /* keys in the user table (idle ones are forgotten
                            * in bulk, see TC_ENGINE_COMPACT_MIN) */
    uint64_t entries;      /* live (user, pane) counters */
    uint64_t peak_entries; /* greatest entries so far */
    uint64_t dedup_keys;   /* dedup keys of live panes */
    uint64_t overflowed;   /* records counted as TC_OTHER_KEY */
    uint64_t windows_emitted;
};

struct tc_engine;

/* A new engine.  Returns NULL with err on a bad config (no window, a span
 * above TC_ENGINE_MAX_SPAN_MS) or out of memory. */
struct tc_engine *tc_engine_new(const struct tc_engine_config *cfg, char *err,
                                size_t errlen);

/* NULL-safe. */
void tc_engine_free(struct tc_engine *e);

/* The pane size (gcd of every size and slide). */
int64_t tc_engine_pane_ms(const struct tc_engine *e);

/* Counts one record at event time t under key (key_len bytes, borrowed for
 * the call).  With dedup on and has_ids, a (channel_id, message_id) already
 * counted in a live pane is a duplicate.  Does not move W.
 * Returns an enum tc_count_result, or -1 when out of memory. */
int tc_engine_count(struct tc_engine *e, int64_t t, const char *key, size_t key_len,
                    bool has_ids, int64_t channel_id, int64_t message_id);

/* W = max(W, driving_t - lateness).  Emits each window that became final
 * (with counts; in changes mode only those changed since the last trigger)
 * in order of end, then start, then spec index; then forgets panes that
 * are no longer live.  Returns 0, or -1 when the emitter failed or memory
 * ran out. */
int tc_engine_advance(struct tc_engine *e, int64_t driving_t,
                      const struct tc_emitter *em);

/* --emit changes trigger: emits every open window changed since the last
 * trigger, in the usual order, then starts a new trigger period. */
int tc_engine_emit_changes(struct tc_engine *e, const struct tc_emitter *em);

/* End of input: emits every open window with counts, in the usual order. */
int tc_engine_emit_open(struct tc_engine *e, const struct tc_emitter *em);

/* W, or INT64_MIN before the first advance. */
int64_t tc_engine_watermark(const struct tc_engine *e);

/* Greatest event time counted or seen by count, INT64_MIN if none. */
int64_t tc_engine_max_time(const struct tc_engine *e);

/* Counters (borrowed, updated in place). */
const struct tc_engine_counters *tc_engine_counters(const struct tc_engine *e);

/* Appends the engine state (W, live panes with their users and counts,
 * dedup keys) to buf.  Returns 0, or -1 when out of memory. */
int tc_engine_save(const struct tc_engine *e, struct tc_ckbuf *buf);

/* Restores state written by tc_engine_save into a fresh engine with the
 * same config.  Returns 0, or -1 with err when the data is inconsistent
 * (the engine must then be freed). */
int tc_engine_load(struct tc_engine *e, struct tc_ckreader *rd, char *err, size_t errlen);

#endif
