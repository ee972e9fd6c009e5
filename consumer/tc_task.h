/* tc_task.h - the counting state of one input (a file or stdin, or one
 * Kafka partition): its users, panes, dedup set and event time.  The
 * engine (tc_engine.h) coordinates tasks and emits their windows; a task
 * knows nothing of output.
 *
 * Event time: W, the task's watermark (INT64_MIN, minus infinity, at
 * first), only grows; the greatest event time counted or seen; and the
 * oldest live pane, the first pane that a window of some spec open under
 * W contains.  The live panes are always a suffix [oldest_live, +inf) of
 * pane numbers, because the latest window of each spec containing a pane
 * ends no earlier for a later pane.  A record whose pane is not live is
 * late.
 *
 * Final for the task is not yet emitted: the engine emits a window once
 * every task's W passed its end (its final_w, passed to the calls below;
 * final_w <= W).  A pane is shared by several windows, so a record counted
 * into a live pane after one of the pane's windows became final for this
 * task, but before that window was emitted, must not reach that window: it
 * is written down as a fix (tc_emit.h) that emission subtracts.  With one
 * task and nothing held, final_w == W and no fix ever arises.
 *
 * Lifecycle of W: tc_task_advance (or tc_task_raise) moves it; the owner
 * emits what became final, and tc_task_forget drops what no window open
 * under final_w needs: dead panes with their counters and slots, fixes of
 * emitted windows, users left without counters (in bulk, see
 * tc_users_mostly_idle) and dead dedup keys (see tc_dedup.h).
 *
 * Costs: a record costs one hash lookup (key -> user), one more with
 * dedup, and O(1) else in the common case (the record falls in the user's
 * newest pane).  Nothing is allocated per record once a (user, pane)
 * counter exists.  Memory: see tc_users.h, tc_panes.h and tc_dedup.h.
 */
#ifndef TC_TASK_H
#define TC_TASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_dedup.h"
#include "tc_emit.h"
#include "tc_panes.h"
#include "tc_users.h"
#include "tc_window.h"

/* The name under which records beyond --max-users are counted. */
#define TC_OTHER_KEY "(other)"

/* What a task counts under; owned by whoever creates the task, read-only
 * and alive as long as the task. */
struct tc_task_config {
    struct tc_window_set windows;
    int64_t lateness_ms; /* W = greatest driving time - lateness */
    bool dedup;
    size_t max_users; /* 0 = unlimited */
};

enum tc_count_result {
    TC_COUNT_COUNTED = 0,
    TC_COUNT_LATE = 1,
    TC_COUNT_DUPLICATE = 2,
};

/* Fields are read by the engine and the checkpoint codec; only this module
 * writes them (the codec through tc_task_restore_times), except
 * produced_end, which the engine moves as it hands rows over and the codec
 * restores. */
struct tc_task {
    const struct tc_task_config *cfg;
    int64_t w;
    int64_t max_t;       /* INT64_MIN: none */
    int64_t oldest_live; /* INT64_MIN while W is minus infinity */
    /* --output-topic: the task's rows of every window ending at or before
     * it were handed to the results topic (tc_engine_task_finals);
     * INT64_MIN: none yet.  Never above W. */
    int64_t produced_end;
    uint64_t overflowed;  /* records counted as TC_OTHER_KEY */
    struct tc_fix *fixes; /* fixes[0 .. nfixes): windows ending > final_w */
    size_t nfixes, capfixes;
    struct tc_emit_cache cache; /* emission's, forgotten when users move */
    struct tc_users *users;
    struct tc_panes *panes;
    struct tc_dedup *dedup;
};

/* A task with nothing counted and W at minus infinity; cfg is borrowed.
 * NULL when out of memory. */
struct tc_task *tc_task_new(const struct tc_task_config *cfg);

/* NULL-safe. */
void tc_task_free(struct tc_task *t);

/* True when nothing was counted, loaded or advanced yet. */
bool tc_task_is_fresh(const struct tc_task *t);

/* Counts one record at event time time_ms under key (key_len bytes,
 * borrowed for the call).  With dedup on and has_ids, a (channel_id,
 * message_id) already counted in a live pane is a duplicate.  A new user
 * beyond max_users first makes room by forgetting idle users, else is
 * counted as TC_OTHER_KEY.  Windows of its pane ending in (final_w, W]
 * get a fix (see above).  Does not move W.  Returns an enum
 * tc_count_result, or -1 when out of memory. */
int tc_task_count(struct tc_task *t, int64_t final_w, int64_t time_ms, const char *key,
                  size_t key_len, bool has_ids, int64_t channel_id, int64_t message_id);

/* W = max(W, driving_ms - lateness) and the oldest live pane with it.
 * Returns true when W moved. */
bool tc_task_advance(struct tc_task *t, int64_t driving_ms);

/* W = max(W, w), for a task whose own records did not move it that far
 * (the engine's watermark passed it).  Returns true when W moved. */
bool tc_task_raise(struct tc_task *t, int64_t w);

/* Forgets the panes that no window open under final_w (<= W) needs and
 * the fixes of windows ending at or before it, then idle users and dead
 * dedup keys when they make up most of their table.  Call after the
 * windows that needed them were emitted.  Returns 0, or -1 when out of
 * memory (nothing is lost; the forgetting is retried later). */
int tc_task_forget(struct tc_task *t, int64_t final_w);

/* Starts a new trigger period (--emit changes): no pane counts as changed. */
void tc_task_new_trigger(struct tc_task *t);

/* For the checkpoint codec: sets W and the greatest event time of a fresh
 * task, and the oldest live pane from W. */
void tc_task_restore_times(struct tc_task *t, int64_t w, int64_t max_t);

/* For the checkpoint codec: appends a fix.  Returns 0, or -1 when out of
 * memory. */
int tc_task_add_fix(struct tc_task *t, uint32_t spec, int64_t start_ms, uint32_t user,
                    uint64_t count);

#endif
