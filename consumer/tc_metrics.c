#include "tc_metrics.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "tc_pipeline.h"
#include "tg_prom.h"
#include "tg_promfile.h"

struct tc_metrics {
    struct tg_promfile *file;
    int64_t next_ms; /* 0: nothing written yet */
    void (*source)(void *ctx, struct tg_prom *pr);
    void *source_ctx;
};

struct tc_metrics *tc_metrics_new(const char *path, int64_t interval_ms)
{
    struct tc_metrics *m = calloc(1, sizeof *m);
    if (m == NULL)
        return NULL;
    m->file = tg_promfile_new(path, interval_ms);
    if (m->file == NULL) {
        free(m);
        return NULL;
    }
    return m;
}

void tc_metrics_free(struct tc_metrics *m)
{
    if (m == NULL)
        return;
    tg_promfile_free(m->file);
    free(m);
}

void tc_metrics_set_source(struct tc_metrics *m,
                           void (*fn)(void *ctx, struct tg_prom *pr), void *ctx)
{
    m->source = fn;
    m->source_ctx = ctx;
}

bool tc_metrics_due(struct tc_metrics *m, int64_t now_ms)
{
    if (m->next_ms != 0 && now_ms < m->next_ms)
        return false;
    m->next_ms = now_ms + tg_promfile_interval_ms(m->file);
    return true;
}

static void counter(struct tg_prom *pr, const char *name, const char *help, uint64_t v)
{
    tg_prom_metric(pr, name, TG_PROM_COUNTER, help, (double)v);
}

static void gauge(struct tg_prom *pr, const char *name, const char *help, double v)
{
    tg_prom_metric(pr, name, TG_PROM_GAUGE, help, v);
}

void tc_metrics_render(struct tg_prom *pr, const struct tc_stats *st,
                       int64_t watermark_ms, int64_t now_ms)
{
    counter(pr, "tgcount_records_read_total",
            "Records read (malformed ones included, blank lines not).", st->read);
    counter(pr, "tgcount_records_counted_total", "Records added to at least one window.",
            st->counted);
    counter(pr, "tgcount_records_malformed_total",
            "Records skipped as malformed (not JSON, no event_time, too large, ...).",
            st->malformed);
    counter(pr, "tgcount_records_late_total",
            "Records skipped as late: every window of their event time was final.",
            st->late);
    counter(pr, "tgcount_records_duplicate_total",
            "Records skipped as a repeated (channel_id, message_id).", st->duplicates);
    counter(pr, "tgcount_records_other_total",
            "Records counted as (other) because of --max-users.", st->overflowed);
    counter(pr, "tgcount_usernames_truncated_total", "Usernames cut to 256 bytes.",
            st->truncated);
    counter(pr, "tgcount_offsets_lost_total",
            "Kafka offsets deleted by retention before they were read.", st->lost);
    counter(pr, "tgcount_windows_emitted_total",
            "Windows printed (with --emit changes, each update).", st->windows_emitted);
    counter(pr, "tgcount_windows_provisional_total",
            "Windows printed provisional (not final).", st->provisional);
    if (st->results) {
        counter(pr, "tgcount_results_rows_total",
                "Row messages produced to the results topic (--output-topic).",
                st->results_rows);
        counter(pr, "tgcount_results_progress_total",
                "Progress messages produced to the results topic.", st->results_progress);
        counter(pr, "tgcount_transactions_committed_total",
                "Results topic transactions committed.", st->txn_committed);
        counter(pr, "tgcount_transactions_aborted_total",
                "Results topic transactions aborted.", st->txn_aborted);
        counter(pr, "tgcount_changelog_restored_total",
                "Tasks restored from the state changelog.", st->restored);
        counter(pr, "tgcount_changelog_restored_bytes_total",
                "Bytes read from the state changelog while restoring.",
                st->restored_bytes);
        counter(pr, "tgcount_changelog_restore_ms_total",
                "Milliseconds spent restoring from the state changelog.", st->restore_ms);
    }
    gauge(pr, "tgcount_users", "Distinct counting keys in the state.", (double)st->users);
    gauge(pr, "tgcount_state_entries", "Live (user, pane) counters.",
          (double)st->state_entries);
    gauge(pr, "tgcount_dedup_entries", "Live deduplication keys.",
          (double)st->dedup_entries);
    /* Before the first watermark there is none: the samples are left out
     * rather than given a made-up value. */
    if (watermark_ms != TC_WATERMARK_NONE) {
        gauge(pr, "tgcount_watermark_seconds",
              "The watermark: windows ending at or before it are final (Unix time).",
              (double)watermark_ms / 1000.0);
        gauge(pr, "tgcount_watermark_lag_seconds",
              "Wall clock minus the watermark (at least --lateness).",
              (double)(now_ms - watermark_ms) / 1000.0);
    }
}

void tc_metrics_render_partitions(struct tg_prom *pr, const char *topic,
                                  const struct tc_metrics_partition *parts, size_t n)
{
    static const struct {
        const char *name, *help;
    } fam[] = {
        {"tgcount_partition_next_offset",
         "Offset of the next message to read from the partition."},
        {"tgcount_partition_lag",
         "Messages in the partition not read yet (high-water mark minus next offset)."},
    };
    for (size_t f = 0; f < sizeof fam / sizeof fam[0]; f++) {
        bool started = false;
        for (size_t i = 0; i < n; i++) {
            const struct tc_metrics_partition *q = &parts[i];
            if (q->next_offset < 0 || (f == 1 && q->high_offset < 0))
                continue;
            if (!started)
                tg_prom_family(pr, fam[f].name, TG_PROM_GAUGE, fam[f].help);
            started = true;
            char num[16];
            snprintf(num, sizeof num, "%" PRId32, q->partition);
            struct tg_prom_label l[] = {{"topic", topic}, {"partition", num}};
            int64_t lag =
                q->high_offset > q->next_offset ? q->high_offset - q->next_offset : 0;
            tg_prom_sample(pr, fam[f].name, l, 2,
                           (double)(f == 0 ? q->next_offset : lag));
        }
    }
}

int tc_metrics_write(struct tc_metrics *m, const struct tc_stats *st,
                     int64_t watermark_ms, int64_t now_ms, char *err, size_t errlen)
{
    struct tg_prom *pr = tg_promfile_begin(m->file);
    tc_metrics_render(pr, st, watermark_ms, now_ms);
    if (m->source != NULL)
        m->source(m->source_ctx, pr);
    return tg_promfile_write(m->file, err, errlen);
}
