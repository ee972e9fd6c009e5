/* tc_engine.h - tgcount's window engine: per-user counts in event-time
 * panes, the watermark, deduplication, and which windows to emit when.
 *
 * Windows of a spec (size S, slide D) are [k*D, k*D + S) for every integer
 * k, aligned to the Unix epoch.  The pane size P is the gcd of every size
 * and slide, so every window is a whole number of panes, and a record at
 * time t touches exactly one counter: (its key, pane floor(t / P)).  A
 * window's count for a key is the sum over its panes.
 *
 * Tasks.  Records are counted in tasks (tc_task.h), one per input: a file
 * or stdin is task 0, a Kafka partition the task of its number.  Each task
 * has its own users, panes, dedup set and watermark W_p (Kafka Streams'
 * stream time per task): a record is late, or a duplicate, by its own
 * task's history alone.  W_p = greatest event time given to
 * tc_engine_advance_task - lateness, and never below W.
 *
 * Watermark W (minus infinity at first) only grows: the engine's, moved by
 * tc_engine_advance, which raises every task's W_p to at least W.  A
 * window is final once end <= W, that is once every task's W_p passed its
 * end, and is then handed over once, marked final (at once, or held until
 * tc_engine_release with hold_finals), its counts summed over the tasks.
 * A pane is live for a task while at least one window containing it is
 * open under W_p; a record whose pane is not live is late.  When no window
 * open under W needs a pane its counters and dedup keys are forgotten
 * (after the windows that needed them were emitted).
 *
 * A pane's counter is shared by the windows that contain it, some of which
 * may already be final for the task when a record arrives: those emitted
 * already are never emitted again, and those final for the task but not
 * emitted yet (W < end <= W_p) get a fix that leaves the record out (see
 * tc_task.h), so no printed result ever changes and each task's share of
 * a window depends on its own records only.
 *
 * With one task (files, stdin, one partition), W_p == W: the engine is
 * exactly the single-watermark engine it was, at the same cost.
 *
 * Structure: the engine is a coordinator.  It validates the config and
 * owns it, owns the tasks and runs emission (tc_emit.h).
 *
 * Costs: a record costs one hash lookup (key -> user) and O(1) more in the
 * common case; emitting a window costs O(entries in its panes + rows log
 * rows).  Memory, where each cost lives: per user tc_users.h, per (user,
 * pane) counter tc_panes.h, per dedup key tc_dedup.h, per emitted row
 * tc_emit.h.  Measured: 612,862 users, 927,643 peak (user, pane) entries
 * and 1,000,000 live dedup keys in 156 MB peak RSS.  Several tasks add:
 * a task is raised to W when next used, and each release at a pane
 * boundary visits every task; a window with rows from several tasks
 * merges them by name (tc_emit.h); a task keeps the panes
 * of windows open under W, so a partition whose event time runs ahead of
 * the slowest one keeps its panes since W (memory grows with the skew);
 * a fix costs 24 bytes and arises only for a record counted behind its
 * own W_p while the slowest partition lags.
 */
#ifndef TC_ENGINE_H
#define TC_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_emit.h"
#include "tc_task.h"
#include "tc_window.h"
#include "tg_duration.h"

struct tc_ckbuf;
struct tc_ckreader;

/* The user table is compacted (users without live counters forgotten)
 * when it holds at least this many users and more than half are idle. */
#define TC_ENGINE_COMPACT_MIN TC_USERS_COMPACT_MIN

/* Greatest window size, slide or lateness accepted: keeps every time sum
 * far from int64 overflow. */
#define TC_ENGINE_MAX_SPAN_MS (3660LL * 24 * 3600 * 1000) /* about 10 years */

/* Most windows one instant may belong to, summed over the specs
 * (tc_window_overlap): emission enumerates them for every live pane, so
 * 1d/1ms (86,400,000 per instant) would make one record cost gigabytes.
 * 10,000 keeps a lone record's emission within a quarter of a megabyte of
 * candidates and allows every usual set (1d/10s is 8,640). */
#define TC_ENGINE_MAX_OVERLAP 10000

/* Rows handed to the emitter per call (see struct tc_emitter). */
#define TC_ENGINE_ROWS_PER_CALL TC_EMIT_ROWS_PER_CALL

struct tc_engine_config {
    const struct tg_window_spec *specs; /* borrowed; must outlive the engine */
    size_t nspecs;
    int64_t lateness_ms;
    bool dedup;
    /* Windows that become final are held until tc_engine_release (so that
     * a checkpoint can cover them before they are printed). */
    bool hold_finals;
    size_t top_n;     /* 0 = every row */
    size_t max_users; /* per task; 0 = unlimited */
};

/* Sums over the tasks (a user counted in two tasks is two users). */
struct tc_engine_counters {
    uint64_t users;        /* keys in the user tables (idle ones are forgotten
                            * in bulk, see TC_ENGINE_COMPACT_MIN) */
    uint64_t entries;      /* live (user, pane) counters */
    uint64_t peak_entries; /* greatest entries so far */
    uint64_t dedup_keys;   /* dedup keys of live panes */
    uint64_t overflowed;   /* records counted as TC_OTHER_KEY */
    uint64_t windows_emitted;
};

struct tc_engine;

/* A new engine.  Returns NULL with err on a bad config (no window, a span
 * above TC_ENGINE_MAX_SPAN_MS, windows overlapping more than
 * TC_ENGINE_MAX_OVERLAP) or out of memory. */
struct tc_engine *tc_engine_new(const struct tc_engine_config *cfg, char *err,
                                size_t errlen);

/* NULL-safe. */
void tc_engine_free(struct tc_engine *e);

/* The pane size (gcd of every size and slide). */
int64_t tc_engine_pane_ms(const struct tc_engine *e);

/* --output-topic: each task's own final rows, as its W_p passes a
 * window's end (the results topic, tc_kafka_txn.h).  window is called as
 * struct tc_emitter's, with the task's number: every row of the task alone
 * (no top_n), marked final, in no particular order (unsorted: readers of
 * the results topic sum and sort). */
struct tc_engine_task_sink {
    int (*window)(void *ctx, uint32_t task, const struct tc_window *w,
                  const struct tc_row *rows, size_t n, bool first, bool last);
    void *ctx;
};

/* Sets the sink (copied; its ctx borrowed; NULL clears it).  With a sink,
 * every release first hands each task's rows up to its W_p to it
 * (tc_engine_task_finals), since it then forgets the panes they come
 * from. */
void tc_engine_set_task_sink(struct tc_engine *e, const struct tc_engine_task_sink *sink);

/* Hands to the sink, for every task in order of number, its windows
 * ending in (produced_end, W_p] (in emission order), then sets its
 * produced_end to W_p.  Nothing without a sink.  Returns 0, or -1 when the
 * sink failed or memory ran out (produced_end then stays where it was for
 * the task that failed). */
int tc_engine_task_finals(struct tc_engine *e);

/* A task's produced_end (INT64_MIN: nothing yet, or no such task). */
int64_t tc_engine_task_produced(const struct tc_engine *e, uint32_t task);

/* True when the task exists. */
bool tc_engine_has_task(const struct tc_engine *e, uint32_t task);

/* Forgets a task and everything it counted (its partition was revoked
 * from this member, which no longer speaks for it): its counts leave
 * every window not handed over yet (release held finals first);
 * TC_ENGINE_ALL_TASKS: every task.  Unknown tasks are ignored. */
#define TC_ENGINE_ALL_TASKS UINT32_MAX
void tc_engine_drop_task(struct tc_engine *e, uint32_t task);

/* Counts one record at event time t under key (key_len bytes, borrowed for
 * the call) in task `task` (created with W_p = W at its first record).
 * With dedup on and has_ids, a (channel_id, message_id) already counted in
 * a live pane of the task is a duplicate.  Moves no watermark.
 * Returns an enum tc_count_result, or -1 when out of memory (or a task
 * number of a million or more). */
int tc_engine_count_in(struct tc_engine *e, uint32_t task, int64_t t, const char *key,
                       size_t key_len, bool has_ids, int64_t channel_id,
                       int64_t message_id);

/* tc_engine_count_in for task 0 (files, stdin, tests). */
int tc_engine_count(struct tc_engine *e, int64_t t, const char *key, size_t key_len,
                    bool has_ids, int64_t channel_id, int64_t message_id);

/* W_p = max(W_p, t - lateness) for an existing task (after its record
 * was counted); emits nothing.  Unknown tasks are ignored. */
void tc_engine_advance_task(struct tc_engine *e, uint32_t task, int64_t t);

/* W = max(W, driving_t - lateness), and every W_p with it.  Unless finals
 * are held, then releases them (tc_engine_release).  Returns 0, or -1 as
 * release. */
int tc_engine_advance(struct tc_engine *e, int64_t driving_t,
                      const struct tc_emitter *em);

/* Hands over, marked final, every window that became final since the last
 * release (with counts, in order of end, then start, then spec index; in
 * changes mode too, so the final rows are those of final mode), then
 * forgets panes that are no longer live.  With hold_finals this is the
 * caller's to call: after the checkpoint that records W was written, so
 * that a restart from it never prints these windows final again.
 * Returns 0, or -1 when the emitter failed or memory ran out. */
int tc_engine_release(struct tc_engine *e, const struct tc_emitter *em);

/* True when windows became final that were not released yet. */
bool tc_engine_holding(const struct tc_engine *e);

/* --emit changes trigger: emits, provisional, every open window changed
 * since the last trigger, in the usual order, then starts a new trigger
 * period. */
int tc_engine_emit_changes(struct tc_engine *e, const struct tc_emitter *em);

/* The live view's redraw (--live): hands over, provisional and cut to
 * top_n rows (0: every row), for each spec in order, its window that ends
 * first after the greatest event time (the one holding the newest record
 * and the most before it), when it has counts.  One window per spec, so
 * that a redraw costs what printing one window does, however many are
 * open.  Changes no state: the --emit changes period and the windows'
 * change marks are left as they were. */
int tc_engine_emit_snapshot(struct tc_engine *e, size_t top_n,
                            const struct tc_emitter *em);

/* End of input: emits every window with counts not released yet (held
 * finals included), in the usual order: final when complete (all the input
 * was read, so no record can change them), provisional otherwise.  After a
 * complete emission nothing is emitted again. */
int tc_engine_emit_open(struct tc_engine *e, bool complete, const struct tc_emitter *em);

/* W, or INT64_MIN before the first advance. */
int64_t tc_engine_watermark(const struct tc_engine *e);

/* A task's W_p (W for a task that does not exist). */
int64_t tc_engine_task_watermark(const struct tc_engine *e, uint32_t task);

/* Greatest event time counted or seen by count, over the tasks, INT64_MIN
 * if none. */
int64_t tc_engine_max_time(const struct tc_engine *e);

/* Number of tasks. */
size_t tc_engine_tasks(const struct tc_engine *e);

/* Counters (borrowed, updated in place by every call above). */
const struct tc_engine_counters *tc_engine_counters(const struct tc_engine *e);

/* Appends the engine state to buf: i64 W, u64 tasks, then for each task
 * in order of number, u32 number and its state (tc_task_codec.h: W_p,
 * the panes windows open under W need, users, dedup keys, fixes).
 * Returns 0, or -1 when out of memory. */
int tc_engine_save(const struct tc_engine *e, struct tc_ckbuf *buf);

/* Restores state written by tc_engine_save into a fresh engine with the
 * same config.  Returns 0, or -1 with err when the data is inconsistent
 * (the engine must then be freed). */
int tc_engine_load(struct tc_engine *e, struct tc_ckreader *rd, char *err, size_t errlen);

/* ---- one task at a time: the changelog (tc_changelog.h) ----
 * A task's state moves with its partition: the member that loses it saves
 * it, the one that gains it loads it into its running engine. */

/* Appends task `task`'s state to buf: the settings that must match (the
 * windows, lateness, dedup), W (the windows ending at or before it are
 * taken as handed over), then the task (tc_task_codec.h; a task that
 * does not exist is saved as absent, and loads as nothing).  Release held
 * finals first (tc_engine_release), as before tc_engine_save: panes kept
 * only for them are not saved.  Returns 0, or -1 when out of memory. */
int tc_engine_save_task(const struct tc_engine *e, uint32_t task, struct tc_ckbuf *buf);

/* Loads what tc_engine_save_task wrote (data, len bytes, borrowed) as task
 * `task` of this running engine, which must not have that task (drop it
 * first).  The loaded W_p is raised to this engine's W when below.
 * Returns 0, or -1 with err, changing nothing, when the task is there, the
 * settings differ (err says so), the data is inconsistent or memory runs
 * out.  Windows ending at or before the saving engine's W were handed over
 * by it: the task gives them nothing here, even those this engine has not
 * handed over yet (fixes take its counts in its panes out of them). */
int tc_engine_load_task(struct tc_engine *e, uint32_t task, const void *data, size_t len,
                        char *err, size_t errlen);

#endif
