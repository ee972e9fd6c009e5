/* tc_pipeline.h - tgcount's counting pipeline: one record in (a JSON line
 * or a Kafka message, parsed by the input's own thread, tg_record.h),
 * deduplicated, counted into event-time panes (tc_engine.h), and windows
 * written to the output stream (tc_output.h) as they become final; stats;
 * checkpoints.  It is configured by a struct tc_pipeline_config, which
 * tgcount's main builds from its options (tc_options_pipeline_config).
 *
 * Watermarks.  Records are counted in tasks (tc_engine.h): a file or stdin
 * is task 0, a Kafka partition the task of its number, each with its own
 * watermark W_p; W, the engine's, says which windows are final.  Both
 * start at minus infinity.  The input loop decides what drives them:
 *   - files/stdin: after each record, tc_pipeline_advance with the
 *     record's own event time (W = W_0 = greatest event time - lateness);
 *   - Kafka: after each message, tc_pipeline_advance_task with its event
 *     time (W_p = the partition's greatest event time - lateness), then
 *     tc_pipeline_advance with the driving event time of the partitions
 *     (the minimum over the live ones), and in follow mode with (now)
 *     when the topic is quiet; W raises every W_p below it.
 * A record is counted in each of its windows whose end > W_p (as W_p was
 * before the record); a record all of whose windows are final for its
 * task is late.  Every window with end <= W is final and, in --emit final
 * mode, printed once, its counts summed over the tasks.
 *
 * The pipeline owns no thread and never blocks: every call returns after
 * the work it describes.  Output goes to the FILE given to tc_pipeline_new,
 * flushed after each window; diagnostics go through the tg_log.
 */
#ifndef TC_PIPELINE_H
#define TC_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tc_output.h"

struct tc_batch;
struct tc_ckbuf;
struct tc_item;
struct tg_record_view;
struct tg_log;
struct tg_prom;
struct tg_window_spec;
struct tc_pipeline;

/* --emit. */
enum tc_emit_mode {
    TC_EMIT_FINAL,   /* each window once, when final (default) */
    TC_EMIT_CHANGES, /* changed windows every trigger, finals at the end */
};

/* --live: the full-screen view's hook (tc_tui.h).  Every final window is
 * handed to finals as well as written to the output (if any); tick is
 * called at the end of every tc_pipeline_tick, and may take the open
 * windows with tc_pipeline_snapshot.  Nothing here prints. */
struct tc_pipeline_live {
    struct tc_emitter finals;
    void (*tick)(void *ctx, struct tc_pipeline *p, int64_t now_wall_ms);
    void *ctx;
};

/* What the pipeline counts and prints.  tc_pipeline_new copies the struct;
 * the windows and strings stay borrowed and must outlive the pipeline. */
struct tc_pipeline_config {
    const struct tg_window_spec *windows; /* in --window order */
    size_t nwindows;
    int64_t lateness_ms;
    bool dedup;
    enum tc_emit_mode emit;
    int64_t trigger_ms; /* period of TC_EMIT_CHANGES */
    size_t top_n;       /* 0 = every row */
    enum tc_format format;
    size_t max_users;
    bool stats;          /* the stats line at the end */
    bool stats_periodic; /* and every stats_interval_ms (a live input) */
    int64_t stats_interval_ms;
    const char *checkpoint_dir; /* NULL = no checkpoints */
    const char *topic;          /* part of the checkpoint's fingerprint; NULL = none */
    /* --late-file: every late record's bytes are appended there (see
     * tc_latefile.h); the input must keep them (tc_read_rules.keep_line).
     * NULL = none. */
    const char *late_file;
    /* --metrics-file (tc_metrics.h): written every metrics_interval_ms
     * from tc_pipeline_tick and at tc_pipeline_finish.  NULL = none. */
    const char *metrics_file;
    int64_t metrics_interval_ms;
    const struct tc_pipeline_live *live; /* NULL = no live view */
};

/* What became of one record. */
enum tc_feed_result {
    TC_FEED_COUNTED = 0,   /* added to at least one open window */
    TC_FEED_LATE = 1,      /* every window of its event time is final */
    TC_FEED_DUPLICATE = 2, /* same (channel_id, message_id) already counted */
    TC_FEED_MALFORMED = 3, /* not a record; reason in tc_pipeline_last_error */
    TC_FEED_ERROR = -1,    /* out of memory: stop, exit TG_EXIT_SOFTWARE */
    TC_FEED_FAILED = -2,   /* late, and writing it to --late-file failed (said on
                            * the log): stop, exit TG_EXIT_TEMPFAIL */
};

/* Longest reason kept for a malformed record (with its NUL): parsers on
 * other threads write theirs into buffers of this size, so a reason is
 * cut the same way whoever parsed the record. */
#define TC_REASON_MAX 256

/* Watermark before any record: minus infinity. */
#define TC_WATERMARK_NONE INT64_MIN

struct tc_stats {
    uint64_t read;            /* records fed (malformed included), blank lines excluded */
    uint64_t counted;         /* records added to at least one window */
    uint64_t malformed;       /* skipped: not JSON, no event_time, too large, ... */
    uint64_t late;            /* every window already final */
    uint64_t duplicates;      /* (channel_id, message_id) already counted */
    uint64_t lost;            /* Kafka offsets deleted before they were read */
    uint64_t truncated;       /* usernames cut to TG_RECORD_USERNAME_MAX bytes */
    uint64_t overflowed;      /* counted as "(other)" because of --max-users */
    uint64_t windows_emitted; /* windows written (--emit changes: each update) */
    uint64_t provisional;     /* of those, written provisional (not final) */
    uint64_t users;           /* distinct counting keys in the user table */
    uint64_t state_entries;   /* live (user, pane) counters now */
    uint64_t peak_state_entries; /* greatest state_entries so far */
    uint64_t dedup_entries;      /* live dedup keys now */
    /* --output-topic (results true): rows and progress records produced,
     * transactions committed and aborted (tc_kafka_txn.h). */
    bool results;
    uint64_t results_rows;
    uint64_t results_progress;
    uint64_t txn_committed;
    uint64_t txn_aborted;
    /* The state changelog: tasks restored from it, bytes read and
     * milliseconds spent restoring (every partition read, snapshot or
     * not). */
    uint64_t restored;
    uint64_t restored_bytes;
    uint64_t restore_ms;
};

/* Creates a pipeline for cfg (copied; see struct tc_pipeline_config for
 * what stays borrowed), writing windows to out (borrowed; NULL: written
 * nowhere, as --live without --live-output) and diagnostics
 * to log (borrowed), and opens cfg->late_file.  Returns NULL with a
 * message in err (out of memory, a window or lateness out of range, a
 * late file that cannot be opened: "--late-file: PATH: why"). */
struct tc_pipeline *tc_pipeline_new(const struct tc_pipeline_config *cfg, FILE *out,
                                    const struct tg_log *log, char *err, size_t errlen);

/* Frees everything.  Emits nothing (call tc_pipeline_finish first); a
 * late file left open is closed (a failure then said on the log).
 * NULL-safe. */
void tc_pipeline_free(struct tc_pipeline *p);

/* Counts one parsed record, rec (borrowed), in task `task` (0 for files
 * and stdin, the partition for Kafka).  Moves no watermark.  Returns
 * COUNTED, LATE, DUPLICATE or TC_FEED_ERROR (out of memory).  A record
 * that did not parse goes to tc_pipeline_reject instead. */
int tc_pipeline_count(struct tc_pipeline *p, uint32_t task,
                      const struct tg_record_view *rec);

/* One record another thread parsed into an item of b (tc_batch.h), for
 * task `task`: a
 * TC_ITEM_RECORD is counted as tc_pipeline_count (and *event_time_ms set,
 * to drive the watermark), and when late written to the late file with
 * the bytes the item kept (TC_FEED_FAILED when that fails); a
 * TC_ITEM_MALFORMED rejected with its reason (TC_FEED_MALFORMED).
 * TC_FEED_ERROR (errno ENOMEM) for any other kind. */
int tc_pipeline_feed_parsed(struct tc_pipeline *p, uint32_t task,
                            const struct tc_batch *b, const struct tc_item *it,
                            int64_t *event_time_ms);

/* A record the input layer rejected without handing it over (a line longer
 * than --max-record, or one another thread's parser refused): counted as
 * malformed with this reason (borrowed). */
void tc_pipeline_reject(struct tc_pipeline *p, const char *reason);

/* n offsets of a Kafka partition were deleted before they were read:
 * counted in the stats (the input reports them). */
void tc_pipeline_add_lost(struct tc_pipeline *p, uint64_t n);

/* The reason the last MALFORMED record was rejected (borrowed, valid until
 * the next feed). */
const char *tc_pipeline_last_error(const struct tc_pipeline *p);

/* Skipped records are told as tc_skips.h says: the first few of each
 * kind one by one, then a total at the end (tc_pipeline_finish).
 * tc_pipeline_tells: true when the record just fed, whose feed returned
 * result (TC_FEED_MALFORMED or TC_FEED_LATE), is one to tell, so that the
 * input formats where it came from only then.  tc_pipeline_tell tells it:
 * "<where>: <reason>", or for a late one "<where>: late: event_time T is
 * behind the watermark W (its windows are final)".  where (borrowed):
 * "file:line" or "topic[partition]@offset".  The watermark told is the
 * record's task's. */
bool tc_pipeline_tells(const struct tc_pipeline *p, int result);
void tc_pipeline_tell(struct tc_pipeline *p, int result, const char *where);

/* W = max(W, driving_event_time_ms - lateness), and every task's W_p
 * with it; emits, marked final, every
 * window that became final, in order of end, then start, then --window
 * order, and forgets state no open window needs.  With a checkpoint_dir
 * the windows that became final are held instead, until
 * tc_pipeline_release.  Returns 0, or -1 when writing the output failed
 * (errno from the write, EPIPE included) or memory ran out (errno
 * ENOMEM): stop reading then. */
int tc_pipeline_advance(struct tc_pipeline *p, int64_t driving_event_time_ms);

/* W_p = max(W_p, event_time_ms - lateness) for the task of a record just
 * fed (Kafka: its partition); emits nothing. */
void tc_pipeline_advance_task(struct tc_pipeline *p, uint32_t task,
                              int64_t event_time_ms);

/* With a checkpoint_dir: emits the final windows held since the last
 * release.  Call it right after a checkpoint was written (it records W, so
 * a restart from it never prints these windows final again: a window is
 * printed final at most once).  Returns 0, or -1 as tc_pipeline_advance. */
int tc_pipeline_release(struct tc_pipeline *p);

/* --output-topic: see tc_engine_set_task_sink, tc_engine_task_finals,
 * tc_engine_task_produced and tc_engine_drop_task; the sink turns the
 * results counters of the stats on.  tc_pipeline_task_finals returns 0, or
 * -1 when the sink failed or memory ran out. */
void tc_pipeline_set_task_sink(struct tc_pipeline *p,
                               const struct tc_engine_task_sink *sink);
int tc_pipeline_task_finals(struct tc_pipeline *p);
int64_t tc_pipeline_task_produced(const struct tc_pipeline *p, uint32_t task);
bool tc_pipeline_has_task(const struct tc_pipeline *p, uint32_t task);
void tc_pipeline_drop_task(struct tc_pipeline *p, uint32_t task);

/* Adds to the results counters of the stats. */
void tc_pipeline_count_results(struct tc_pipeline *p, uint64_t rows, uint64_t progress,
                               uint64_t committed, uint64_t aborted);

/* Adds to the restore counters of the stats. */
void tc_pipeline_count_restore(struct tc_pipeline *p, uint64_t tasks, uint64_t bytes,
                               uint64_t ms);

/* True when final windows are held (a checkpoint would release them). */
bool tc_pipeline_holding(const struct tc_pipeline *p);

/* Sets (fn NULL: clears) what the input adds to the metrics file at each
 * write (tc_metrics.h: the Kafka input's partitions).  ctx borrowed: clear
 * it before ctx dies.  Does nothing without a metrics_file. */
void tc_pipeline_set_metrics_source(struct tc_pipeline *p,
                                    void (*fn)(void *ctx, struct tg_prom *pr), void *ctx);

/* Wall-clock duties, to be called often (every poll or every few thousand
 * lines): in --emit changes mode, every trigger_ms print the windows that
 * changed since the last trigger; with stats_periodic, every
 * stats_interval_ms print the stats; with a metrics_file, write it at the
 * first call and every metrics_interval_ms; hand the late file's buffered records
 * to the kernel.  Never moves the watermark.
 * Returns 0, or -1 as tc_pipeline_advance. */
int tc_pipeline_tick(struct tc_pipeline *p, int64_t now_wall_ms);

/* The live view's redraw: hands, for each spec, the open window that ends
 * first after the greatest event time (tc_engine_emit_snapshot),
 * provisional, cut to top_n rows (0: all), to em (borrowed for the call).
 * Nothing is written to the output and no state changes.  Returns 0, or
 * -1 when em failed or memory ran out. */
int tc_pipeline_snapshot(struct tc_pipeline *p, size_t top_n,
                         const struct tc_emitter *em);

/* True when a live view is on (cfg->live): an input may then tell it
 * more with tc_pipeline_set_note. */
bool tc_pipeline_live(const struct tc_pipeline *p);

/* --live: a short line of the input's own state for the view (Kafka: the
 * lag per partition), copied (cut to TC_NOTE_MAX - 1 bytes); NULL or ""
 * clears it.  tc_pipeline_note: the line (borrowed, valid until the next
 * set), "" when none. */
#define TC_NOTE_MAX 512
void tc_pipeline_set_note(struct tc_pipeline *p, const char *note);
const char *tc_pipeline_note(const struct tc_pipeline *p);

/* End of input (EOF, -e, a stop signal): emits every window that has
 * counts and was not emitted final yet, in the usual order, marked final
 * when complete (every record of the input was read: files and stdin at
 * EOF) and provisional otherwise (-e on Kafka, a stop signal, a file that
 * could not be read), then the totals of malformed and late records, then
 * the stats when cfg->stats, writes the metrics file, and closes the late file (a failure
 * is said on the log and makes tc_pipeline_failed true). A stop signal that arrives while
 * it prints (after the one that may have ended the input: tg_signal_count) stops the
 * printing before the next window, with a warning that not every window was printed.
 * After memory ran out (a TC_FEED_ERROR, or ENOMEM from another call) it prints no
 * window: the counts are not those of the input read.  Call once.
 * Returns 0, or -1 as tc_pipeline_advance. */
int tc_pipeline_finish(struct tc_pipeline *p, bool complete);

/* The end of a run that stops without emitting (a failed transaction):
 * the stats line when cfg->stats, and the metrics file, as
 * tc_pipeline_finish writes them, so that what failed is counted. */
void tc_pipeline_report(struct tc_pipeline *p);

/* True once writing the late file failed (said on the log): the run must
 * end with TG_EXIT_TEMPFAIL.  No window is emitted after that. */
bool tc_pipeline_failed(const struct tc_pipeline *p);

/* Current watermark, TC_WATERMARK_NONE before the first advance. */
int64_t tc_pipeline_watermark(const struct tc_pipeline *p);

/* Greatest event time among parsed records, TC_WATERMARK_NONE if none. */
int64_t tc_pipeline_max_event_time(const struct tc_pipeline *p);

/* Smallest slide of the configured windows: how long a partition (or the
 * whole topic) may stay quiet before it stops holding the watermark. */
int64_t tc_pipeline_min_slide_ms(const struct tc_pipeline *p);

/* Counters so far (borrowed; updated in place). */
const struct tc_stats *tc_pipeline_stats(const struct tc_pipeline *p);

/* Writes the stats block to the log's stream (stderr), one "tgcount:
 * stats: ..." line.  elapsed_ms is used for records/s. */
void tc_pipeline_print_stats(struct tc_pipeline *p, int64_t elapsed_ms);

/* ---- checkpoints (see tc_checkpoint.h for the file format) ------------- */

/* Writes DIR/tgcount.ckpt atomically (mode 0600): window state, dedup
 * state, watermark, and the n (partition, next offset) pairs given (arrays
 * borrowed).  Only valid with a checkpoint_dir.  Returns 0, or -1 with err. */
int tc_pipeline_checkpoint_save(struct tc_pipeline *p, const int32_t *partitions,
                                const int64_t *next_offsets, size_t n, char *err,
                                size_t errlen);

/* Restores the state from DIR/tgcount.ckpt into a fresh pipeline (nothing
 * fed yet).  Returns 1 when restored: *partitions and *next_offsets are
 * malloc'd arrays of *n entries the caller frees (both NULL when n is 0);
 * 0 when there is no checkpoint file (nothing changed); -1 with err when
 * the file is unreadable, corrupt, of another version, or was written with
 * other windows, lateness or dedup setting (nothing changed). */
int tc_pipeline_checkpoint_load(struct tc_pipeline *p, int32_t **partitions,
                                int64_t **next_offsets, size_t *n, char *err,
                                size_t errlen);

/* ---- one partition's state: the changelog (tc_changelog.h) ------------- */

/* tc_engine_save_task on the pipeline's engine: appends partition task's
 * state to buf.  Release held finals first (tc_pipeline_release).
 * Returns 0, or -1 when out of memory. */
int tc_pipeline_save_task(const struct tc_pipeline *p, uint32_t task,
                          struct tc_ckbuf *buf);

/* tc_engine_load_task: loads a state saved by tc_pipeline_save_task (data,
 * len bytes, borrowed) as task `task`, which the pipeline must not have.
 * Returns 0, or -1 with err, nothing changed. */
int tc_pipeline_load_task(struct tc_pipeline *p, uint32_t task, const void *data,
                          size_t len, char *err, size_t errlen);

#endif
