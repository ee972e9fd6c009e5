/* tc_pipeline.c - what tgcount does with a record once its input has parsed
 * it, whichever the input (files, stdin, Kafka): count it through the engine,
 * move the watermark, write the windows that became final, keep the stats
 * and warnings, run the wall-clock duties (--emit changes, periodic stats,
 * the metrics file), and save or restore checkpoints with the fingerprint of the
 * settings. */
#include "tc_pipeline.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tc_batch.h"
#include "tc_checkpoint.h"
#include "tc_engine.h"
#include "tc_latefile.h"
#include "tc_metrics.h"
#include "tc_output.h"
#include "tc_skips.h"
#include "tg_duration.h"
#include "tg_log.h"
#include "tg_record.h"
#include "tg_signal.h"
#include "tg_time.h"

struct tc_pipeline {
    struct tc_pipeline_config cfg;
    const struct tg_log *log;
    struct tc_engine *engine;
    struct tc_output *output;
    struct tc_engine_config engine_cfg;
    struct tc_emitter emitter;
    struct tc_stats stats;
    char last_err[TC_REASON_MAX];
    bool overflow_warned;
    bool truncate_warned;
    int64_t next_trigger_ms; /* 0: not started */
    int64_t next_stats_ms;
    int64_t started_ms; /* monotonic */
    int64_t min_slide_ms;
    bool output_failed; /* a write failed: errno told why */
    /* Memory ran out (the counts are not whole), or the late file failed
     * (the run stops short): no window is emitted any more. */
    bool broken;
    struct tc_latefile *late_file; /* NULL without --late-file */
    bool late_file_failed;
    int64_t last_late_ms; /* the last late record's event time... */
    int64_t last_late_w;  /* ...and the watermark that made it late */
    /* The end-of-input printing stops at the next stop signal: the one
     * that ended the input (if any) was counted before it began. */
    bool finishing;
    unsigned signals_before_finish;
    bool interrupted;           /* it did stop so */
    char note[TC_NOTE_MAX];     /* tc_pipeline_set_note */
    struct tc_metrics *metrics; /* NULL without --metrics-file */
    bool metrics_failed;        /* said once, until a write succeeds again */
};

static int emit_to_output(void *ctx, const struct tc_window *w, const struct tc_row *rows,
                          size_t n, bool first, bool last)
{
    struct tc_pipeline *p = ctx;
    if (first && p->finishing && tg_signal_count() != p->signals_before_finish) {
        p->interrupted = true;
        return -1;
    }
    const struct tc_pipeline_live *live = p->cfg.live;
    if (live != NULL && w->final &&
        live->finals.window(live->finals.ctx, w, rows, n, first, last) != 0) {
        errno = ENOMEM; /* the view's only failure */
        return -1;
    }
    if (p->output == NULL) {
        return 0;
    }
    if (tc_output_part(p->output, p->cfg.windows[w->spec].text, w->start_ms, w->end_ms,
                       w->final, rows, n, first, last) != 0) {
        p->output_failed = true;
        return -1;
    }
    if (first && !w->final) {
        p->stats.provisional++;
    }
    return 0;
}

/* Memory ran out: what was counted is no longer the whole input read, so
 * nothing more is emitted. */
static int out_of_memory(struct tc_pipeline *p)
{
    p->broken = true;
    errno = ENOMEM;
    return TC_FEED_ERROR;
}

/* After an engine call that failed: the emitter's error stands (errno
 * from the write), anything else is the engine running out of memory. */
static void set_engine_errno(struct tc_pipeline *p)
{
    if (!p->output_failed) {
        out_of_memory(p);
    }
}

struct tc_pipeline *tc_pipeline_new(const struct tc_pipeline_config *cfg, FILE *out,
                                    const struct tg_log *log, char *err, size_t errlen)
{
    struct tc_pipeline *p = calloc(1, sizeof *p);
    if (p == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->cfg = *cfg;
    p->log = log;
    p->engine_cfg = (struct tc_engine_config){
        .specs = cfg->windows,
        .nspecs = cfg->nwindows,
        .lateness_ms = cfg->lateness_ms,
        .dedup = cfg->dedup,
        .hold_finals = cfg->checkpoint_dir != NULL,
        .top_n = cfg->top_n,
        .max_users = cfg->max_users,
    };
    p->engine = tc_engine_new(&p->engine_cfg, err, errlen);
    if (p->engine == NULL) {
        tc_pipeline_free(p);
        return NULL;
    }
    p->output = out != NULL ? tc_output_new(out, cfg->format) : NULL;
    if (out != NULL && p->output == NULL) {
        tc_pipeline_free(p);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->emitter.window = emit_to_output;
    p->emitter.ctx = p;
    p->min_slide_ms = INT64_MAX;
    for (size_t i = 0; i < cfg->nwindows; i++) {
        if (cfg->windows[i].slide_ms < p->min_slide_ms) {
            p->min_slide_ms = cfg->windows[i].slide_ms;
        }
    }
    p->started_ms = tg_time_monotonic_ms();
    /* A first, all-zero file: it exists from the start, and a path that
     * cannot be written is a configuration error, not a warning later. */
    if (cfg->metrics_file != NULL) {
        p->metrics = tc_metrics_new(cfg->metrics_file, cfg->metrics_interval_ms);
        if (p->metrics == NULL) {
            snprintf(err, errlen, "out of memory");
            tc_pipeline_free(p);
            return NULL;
        }
        char why[512];
        if (tc_metrics_write(p->metrics, &p->stats, TC_WATERMARK_NONE, tg_time_now_ms(),
                             why, sizeof why) != 0) {
            snprintf(err, errlen, "--metrics-file: %s", why);
            tc_pipeline_free(p);
            return NULL;
        }
    }
    if (cfg->late_file != NULL) {
        p->late_file = tc_latefile_open(cfg->late_file);
        if (p->late_file == NULL) {
            snprintf(err, errlen, "--late-file: %s: %s", cfg->late_file, strerror(errno));
            tc_pipeline_free(p);
            return NULL;
        }
    }
    return p;
}

/* Says that the late file failed (errno: why), once; nothing more is
 * emitted then.  Returns TC_FEED_FAILED. */
static int late_file_failed(struct tc_pipeline *p)
{
    if (!p->late_file_failed) {
        tg_log_error(p->log, "--late-file: %s: %s", p->cfg.late_file, strerror(errno));
    }
    p->late_file_failed = true;
    p->broken = true;
    return TC_FEED_FAILED;
}

void tc_pipeline_free(struct tc_pipeline *p)
{
    if (p == NULL) {
        return;
    }
    tc_engine_free(p->engine);
    tc_output_free(p->output);
    tc_metrics_free(p->metrics);
    if (p->late_file != NULL && tc_latefile_close(p->late_file) != 0 &&
        !p->late_file_failed) {
        tg_log_error(p->log, "--late-file: %s: %s", p->cfg.late_file, strerror(errno));
    }
    free(p);
}

static void sync_stats(struct tc_pipeline *p)
{
    const struct tc_engine_counters *c = tc_engine_counters(p->engine);
    p->stats.users = c->users;
    p->stats.state_entries = c->entries;
    p->stats.peak_state_entries = c->peak_entries;
    p->stats.dedup_entries = c->dedup_keys;
    p->stats.overflowed = c->overflowed;
    p->stats.windows_emitted = c->windows_emitted;
}

/* ---- records ---------------------------------------------------------- */

int tc_pipeline_count(struct tc_pipeline *p, uint32_t task,
                      const struct tg_record_view *rec)
{
    p->stats.read++;
    if (rec->key_truncated) {
        p->stats.truncated++;
        if (!p->truncate_warned) {
            p->truncate_warned = true;
            tg_log_warn(p->log, "usernames longer than %d bytes are truncated",
                        TG_RECORD_USERNAME_MAX);
        }
    }
    int r =
        tc_engine_count_in(p->engine, task, rec->event_time_ms, rec->key, rec->key_len,
                           rec->has_ids, rec->channel_id, rec->message_id);
    switch (r) {
    case TC_COUNT_COUNTED:
        p->stats.counted++;
        break;
    case TC_COUNT_LATE:
        p->stats.late++;
        p->last_late_ms = rec->event_time_ms;
        p->last_late_w = tc_engine_task_watermark(p->engine, task);
        return TC_FEED_LATE;
    case TC_COUNT_DUPLICATE:
        p->stats.duplicates++;
        return TC_FEED_DUPLICATE;
    default:
        return out_of_memory(p);
    }
    const struct tc_engine_counters *c = tc_engine_counters(p->engine);
    if (c->overflowed > 0 && !p->overflow_warned) {
        p->overflow_warned = true;
        tg_log_warn(
            p->log,
            "%zu users with live counts (--max-users): new ones are counted as %s",
            p->cfg.max_users, TC_OTHER_KEY);
    }
    return TC_FEED_COUNTED;
}

int tc_pipeline_feed_parsed(struct tc_pipeline *p, uint32_t task,
                            const struct tc_batch *b, const struct tc_item *it,
                            int64_t *event_time_ms)
{
    if (it->kind == TC_ITEM_MALFORMED) {
        tc_pipeline_reject(p, tc_item_text(b, it));
        return TC_FEED_MALFORMED;
    }
    if (it->kind != TC_ITEM_RECORD) {
        return out_of_memory(p);
    }
    struct tg_record_view rec = tc_item_record(b, it);
    *event_time_ms = rec.event_time_ms;
    int r = tc_pipeline_count(p, task, &rec);
    size_t len;
    const char *line = tc_item_line(b, it, &len);
    if (r == TC_FEED_LATE && p->late_file != NULL && line != NULL &&
        tc_latefile_write(p->late_file, line, len) != 0) {
        return late_file_failed(p);
    }
    return r;
}

void tc_pipeline_reject(struct tc_pipeline *p, const char *reason)
{
    p->stats.read++;
    p->stats.malformed++;
    snprintf(p->last_err, sizeof p->last_err, "%s", reason);
}

const char *tc_pipeline_last_error(const struct tc_pipeline *p)
{
    return p->last_err;
}

bool tc_pipeline_tells(const struct tc_pipeline *p, int result)
{
    return (result == TC_FEED_MALFORMED && tc_skips_told(p->stats.malformed)) ||
           (result == TC_FEED_LATE && tc_skips_told(p->stats.late));
}

void tc_pipeline_tell(struct tc_pipeline *p, int result, const char *where)
{
    if (result == TC_FEED_MALFORMED) {
        tc_skips_tell(p->log, p->stats.malformed, where, p->last_err);
    } else if (result == TC_FEED_LATE && tc_skips_told(p->stats.late)) {
        char t[TG_TIME_TEXT_MAX], w[TG_TIME_TEXT_MAX], why[TC_REASON_MAX];
        tg_time_format_any(p->last_late_ms, t, sizeof t);
        tg_time_format_any(p->last_late_w, w, sizeof w);
        snprintf(why, sizeof why,
                 "late: event_time %s is behind the watermark %s (its windows are final)",
                 t, w);
        tc_skips_tell(p->log, p->stats.late, where, why);
    }
}

/* ---- watermark and output --------------------------------------------- */

int tc_pipeline_advance(struct tc_pipeline *p, int64_t driving_event_time_ms)
{
    int rc = tc_engine_advance(p->engine, driving_event_time_ms, &p->emitter);
    if (rc != 0) {
        set_engine_errno(p);
    }
    sync_stats(p);
    return rc;
}

void tc_pipeline_set_task_sink(struct tc_pipeline *p,
                               const struct tc_engine_task_sink *sink)
{
    tc_engine_set_task_sink(p->engine, sink);
    p->stats.results = p->stats.results || sink != NULL;
}

int tc_pipeline_task_finals(struct tc_pipeline *p)
{
    return p->broken ? 0 : tc_engine_task_finals(p->engine);
}

int64_t tc_pipeline_task_produced(const struct tc_pipeline *p, uint32_t task)
{
    return tc_engine_task_produced(p->engine, task);
}

bool tc_pipeline_has_task(const struct tc_pipeline *p, uint32_t task)
{
    return tc_engine_has_task(p->engine, task);
}

void tc_pipeline_drop_task(struct tc_pipeline *p, uint32_t task)
{
    tc_engine_drop_task(p->engine, task);
    sync_stats(p);
}

void tc_pipeline_count_results(struct tc_pipeline *p, uint64_t rows, uint64_t progress,
                               uint64_t committed, uint64_t aborted)
{
    p->stats.results_rows += rows;
    p->stats.results_progress += progress;
    p->stats.txn_committed += committed;
    p->stats.txn_aborted += aborted;
}

void tc_pipeline_count_restore(struct tc_pipeline *p, uint64_t tasks, uint64_t bytes,
                               uint64_t ms)
{
    p->stats.restored += tasks;
    p->stats.restored_bytes += bytes;
    p->stats.restore_ms += ms;
}

void tc_pipeline_advance_task(struct tc_pipeline *p, uint32_t task, int64_t event_time_ms)
{
    tc_engine_advance_task(p->engine, task, event_time_ms);
}

int tc_pipeline_release(struct tc_pipeline *p)
{
    int rc = p->broken ? 0 : tc_engine_release(p->engine, &p->emitter);
    if (rc != 0) {
        set_engine_errno(p);
    }
    sync_stats(p);
    return rc;
}

bool tc_pipeline_holding(const struct tc_pipeline *p)
{
    return tc_engine_holding(p->engine);
}

/* Writes the metrics file now; a failure is a warning (the counting goes
 * on), said once until a write succeeds again. */
static void write_metrics(struct tc_pipeline *p, int64_t now_wall_ms)
{
    sync_stats(p);
    char why[512];
    if (tc_metrics_write(p->metrics, &p->stats, tc_engine_watermark(p->engine),
                         now_wall_ms, why, sizeof why) == 0) {
        p->metrics_failed = false;
    } else if (!p->metrics_failed) {
        tg_log_warn(p->log, "--metrics-file: %s", why);
        p->metrics_failed = true;
    }
}

void tc_pipeline_set_metrics_source(struct tc_pipeline *p,
                                    void (*fn)(void *ctx, struct tg_prom *pr), void *ctx)
{
    if (p->metrics != NULL) {
        tc_metrics_set_source(p->metrics, fn, ctx);
    }
}

int tc_pipeline_tick(struct tc_pipeline *p, int64_t now_wall_ms)
{
    const struct tc_pipeline_config *c = &p->cfg;
    if (c->emit == TC_EMIT_CHANGES) {
        if (p->next_trigger_ms == 0) {
            p->next_trigger_ms = now_wall_ms + c->trigger_ms;
        } else if (now_wall_ms >= p->next_trigger_ms) {
            p->next_trigger_ms = now_wall_ms + c->trigger_ms;
            int rc = tc_engine_emit_changes(p->engine, &p->emitter);
            sync_stats(p);
            if (rc != 0) {
                set_engine_errno(p);
                return -1;
            }
        }
    }
    if (c->stats && c->stats_periodic) {
        if (p->next_stats_ms == 0) {
            p->next_stats_ms = now_wall_ms + c->stats_interval_ms;
        } else if (now_wall_ms >= p->next_stats_ms) {
            p->next_stats_ms = now_wall_ms + c->stats_interval_ms;
            tc_pipeline_print_stats(p, tg_time_monotonic_ms() - p->started_ms);
        }
    }
    if (p->metrics != NULL && tc_metrics_due(p->metrics, now_wall_ms)) {
        write_metrics(p, now_wall_ms);
    }
    if (c->live != NULL) {
        c->live->tick(c->live->ctx, p, now_wall_ms);
    }
    return 0;
}

int tc_pipeline_snapshot(struct tc_pipeline *p, size_t top_n, const struct tc_emitter *em)
{
    if (p->broken) {
        return 0;
    }
    int rc = tc_engine_emit_snapshot(p->engine, top_n, em);
    sync_stats(p);
    return rc;
}

/* The totals of the records skipped, said at the end. */
static void tell_totals(const struct tc_pipeline *p)
{
    tc_skips_total(p->log, p->stats.malformed, "malformed", "%s", "");
    char lateness[32];
    if (tg_duration_format(p->cfg.lateness_ms, lateness, sizeof lateness) < 0) {
        snprintf(lateness, sizeof lateness, "0");
    }
    const char *late_file = p->cfg.late_file;
    tc_skips_total(p->log, p->stats.late, "late", " (--lateness %s); %s%s", lateness,
                   late_file == NULL     ? "see --late-file"
                   : p->late_file_failed ? "not all written to "
                                         : "written to ",
                   late_file != NULL ? late_file : "");
}

int tc_pipeline_finish(struct tc_pipeline *p, bool complete)
{
    p->finishing = true;
    p->signals_before_finish = tg_signal_count();
    int rc = p->broken ? 0 : tc_engine_emit_open(p->engine, complete, &p->emitter);
    p->finishing = false;
    if (p->interrupted) {
        tg_log_warn(p->log, "stopped by a signal before every open window was printed");
        rc = 0;
    } else if (rc != 0) {
        set_engine_errno(p);
    }
    if (rc == 0 && p->output != NULL) {
        rc = tc_output_finish(p->output);
    }
    sync_stats(p);
    if (p->late_file != NULL) {
        if (tc_latefile_close(p->late_file) != 0) {
            late_file_failed(p);
        }
        p->late_file = NULL;
    }
    tell_totals(p);
    tc_pipeline_report(p);
    return rc;
}

void tc_pipeline_report(struct tc_pipeline *p)
{
    sync_stats(p);
    if (p->cfg.stats) {
        tc_pipeline_print_stats(p, tg_time_monotonic_ms() - p->started_ms);
    }
    if (p->metrics != NULL) {
        write_metrics(p, tg_time_now_ms());
    }
}

bool tc_pipeline_live(const struct tc_pipeline *p)
{
    return p->cfg.live != NULL;
}

void tc_pipeline_set_note(struct tc_pipeline *p, const char *note)
{
    snprintf(p->note, sizeof p->note, "%s", note != NULL ? note : "");
}

const char *tc_pipeline_note(const struct tc_pipeline *p)
{
    return p->note;
}

int64_t tc_pipeline_watermark(const struct tc_pipeline *p)
{
    return tc_engine_watermark(p->engine);
}

int64_t tc_pipeline_max_event_time(const struct tc_pipeline *p)
{
    return tc_engine_max_time(p->engine);
}

int64_t tc_pipeline_min_slide_ms(const struct tc_pipeline *p)
{
    return p->min_slide_ms;
}

void tc_pipeline_add_lost(struct tc_pipeline *p, uint64_t n)
{
    p->stats.lost += n;
}

bool tc_pipeline_failed(const struct tc_pipeline *p)
{
    return p->late_file_failed;
}

const struct tc_stats *tc_pipeline_stats(const struct tc_pipeline *p)
{
    return &p->stats;
}

void tc_pipeline_print_stats(struct tc_pipeline *p, int64_t elapsed_ms)
{
    sync_stats(p);
    const struct tc_stats *s = &p->stats;
    uint64_t rate = elapsed_ms > 0 ? s->read * 1000 / (uint64_t)elapsed_ms : s->read;
    char results[256] = "";
    if (s->results) {
        snprintf(results, sizeof results,
                 " results_rows=%" PRIu64 " results_progress=%" PRIu64
                 " transactions=%" PRIu64 " aborted=%" PRIu64 " restored=%" PRIu64
                 " restored_bytes=%" PRIu64 " restore_ms=%" PRIu64,
                 s->results_rows, s->results_progress, s->txn_committed, s->txn_aborted,
                 s->restored, s->restored_bytes, s->restore_ms);
    }
    tg_log_msg(p->log, TG_LOG_ERROR,
               "stats: read=%" PRIu64 " counted=%" PRIu64 " malformed=%" PRIu64
               " late=%" PRIu64 " duplicates=%" PRIu64 " windows=%" PRIu64
               " users=%" PRIu64 " peak_entries=%" PRIu64 " truncated=%" PRIu64
               " other=%" PRIu64 " lost=%" PRIu64 " provisional=%" PRIu64
               " records_per_s=%" PRIu64 "%s",
               s->read, s->counted, s->malformed, s->late, s->duplicates,
               s->windows_emitted, s->users, s->peak_state_entries, s->truncated,
               s->overflowed, s->lost, s->provisional, rate, results);
}

/* ---- checkpoints ------------------------------------------------------ */

/* What must match between the run that wrote a checkpoint and the run that
 * reads it: the windows, lateness, dedup and topic. */
static void put_fingerprint(const struct tc_pipeline_config *c, struct tc_ckbuf *b)
{
    tc_ckbuf_u32(b, (uint32_t)c->nwindows);
    for (size_t i = 0; i < c->nwindows; i++) {
        tc_ckbuf_i64(b, c->windows[i].size_ms);
        tc_ckbuf_i64(b, c->windows[i].slide_ms);
    }
    tc_ckbuf_i64(b, c->lateness_ms);
    tc_ckbuf_u32(b, c->dedup);
    const char *topic = c->topic ? c->topic : "";
    tc_ckbuf_bytes(b, topic, strlen(topic));
}

int tc_pipeline_checkpoint_save(struct tc_pipeline *p, const int32_t *partitions,
                                const int64_t *next_offsets, size_t n, char *err,
                                size_t errlen)
{
    if (p->cfg.checkpoint_dir == NULL) {
        snprintf(err, errlen, "no --checkpoint directory");
        return -1;
    }
    struct tc_ckbuf b = {0};
    put_fingerprint(&p->cfg, &b);
    tc_ckbuf_u64(&b, n);
    for (size_t i = 0; i < n; i++) {
        tc_ckbuf_u32(&b, (uint32_t)partitions[i]);
        tc_ckbuf_i64(&b, next_offsets[i]);
    }
    if (tc_engine_save(p->engine, &b) != 0 || b.failed) {
        tc_ckbuf_clear(&b);
        snprintf(err, errlen, "checkpoint: out of memory");
        return -1;
    }
    int rc = tc_checkpoint_write(p->cfg.checkpoint_dir, b.data, b.len, err, errlen);
    tc_ckbuf_clear(&b);
    return rc;
}

int tc_pipeline_checkpoint_load(struct tc_pipeline *p, int32_t **partitions,
                                int64_t **next_offsets, size_t *n, char *err,
                                size_t errlen)
{
    *partitions = NULL;
    *next_offsets = NULL;
    *n = 0;
    const char *dir = p->cfg.checkpoint_dir;
    if (dir == NULL) {
        return 0;
    }
    char *data;
    size_t len;
    uint32_t version;
    int r = tc_checkpoint_read(dir, &data, &len, &version, err, errlen);
    if (r <= 0) {
        return r;
    }
    struct tc_ckbuf want = {0};
    put_fingerprint(&p->cfg, &want);
    int rc = -1;
    int32_t *parts = NULL;
    int64_t *offs = NULL;
    char why[200];
    if (want.failed || len < want.len || memcmp(data, want.data, want.len) != 0) {
        snprintf(err, errlen,
                 "%s/%s was written with other --window, --lateness, --no-dedup or "
                 "--topic settings; use the same ones or remove it",
                 dir, TC_CHECKPOINT_FILE);
        goto out;
    }
    struct tc_ckreader rd;
    tc_ckreader_init(&rd, data, len);
    rd.version = version;
    rd.pos = want.len;
    uint64_t count = tc_ckreader_u64(&rd);
    if (!tc_ckreader_ok(&rd) || count > (len - rd.pos) / 12) {
        snprintf(err, errlen, "%s/%s: bad offset table (corrupt)", dir,
                 TC_CHECKPOINT_FILE);
        goto out;
    }
    if (count > 0) {
        parts = malloc(count * sizeof *parts);
        offs = malloc(count * sizeof *offs);
        if (parts == NULL || offs == NULL) {
            snprintf(err, errlen, "out of memory");
            goto out;
        }
    }
    for (uint64_t i = 0; i < count; i++) {
        parts[i] = (int32_t)tc_ckreader_u32(&rd);
        offs[i] = tc_ckreader_i64(&rd);
    }
    if (tc_engine_load(p->engine, &rd, why, sizeof why) != 0 || !tc_ckreader_done(&rd)) {
        if (tc_ckreader_ok(&rd) && rd.pos != rd.len) {
            snprintf(why, sizeof why, "trailing data");
        }
        snprintf(err, errlen, "%s/%s: %s (corrupt)", dir, TC_CHECKPOINT_FILE, why);
        /* A half-loaded engine is replaced so that nothing changed. */
        struct tc_engine *fresh = tc_engine_new(&p->engine_cfg, why, sizeof why);
        if (fresh != NULL) {
            tc_engine_free(p->engine);
            p->engine = fresh;
        }
        goto out;
    }
    sync_stats(p);
    *partitions = parts;
    *next_offsets = offs;
    *n = (size_t)count;
    parts = NULL;
    offs = NULL;
    rc = 1;
out:
    free(parts);
    free(offs);
    free(data);
    tc_ckbuf_clear(&want);
    return rc;
}

/* ---- one partition's state -------------------------------------------- */

int tc_pipeline_save_task(const struct tc_pipeline *p, uint32_t task,
                          struct tc_ckbuf *buf)
{
    return tc_engine_save_task(p->engine, task, buf);
}

int tc_pipeline_load_task(struct tc_pipeline *p, uint32_t task, const void *data,
                          size_t len, char *err, size_t errlen)
{
    int rc = tc_engine_load_task(p->engine, task, data, len, err, errlen);
    sync_stats(p);
    return rc;
}
