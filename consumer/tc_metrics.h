/* tc_metrics.h - tgcount's --metrics-file: its counters in Prometheus'
 * text format (tg_prom.h) for node_exporter's textfile collector, written
 * atomically (mode 0644: counts, no secrets) every --metrics-interval and
 * at the end.  The pipeline owns one and writes it from its wall-clock
 * duties (tc_pipeline_tick) and at tc_pipeline_finish; the Kafka input adds
 * its partitions through a source callback.
 *
 * Metrics (see the README's Metrics section): tgcount_records_*_total,
 * tgcount_offsets_lost_total, tgcount_windows_*_total, with --output-topic
 * tgcount_results_{rows,progress}_total and
 * tgcount_transactions_{committed,aborted}_total and
 * tgcount_changelog_{restored,restored_bytes,restore_ms}_total, the gauges
 * tgcount_users, tgcount_state_entries, tgcount_dedup_entries,
 * tgcount_watermark_seconds and tgcount_watermark_lag_seconds (both absent
 * before the first watermark), and per Kafka partition (labels topic,
 * partition) tgcount_partition_next_offset and tgcount_partition_lag.
 */
#ifndef TC_METRICS_H
#define TC_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tc_stats;
struct tg_prom;
struct tc_metrics;

/* One Kafka partition's figures; a negative offset is unknown (its sample
 * is left out). */
struct tc_metrics_partition {
    int32_t partition;
    int64_t next_offset; /* where reading goes on */
    int64_t high_offset; /* the high-water mark last fetched (end of the log) */
};

/* A writer to path (borrowed; must outlive it) every interval_ms.  NULL
 * when out of memory. */
struct tc_metrics *tc_metrics_new(const char *path, int64_t interval_ms);

/* NULL-safe. */
void tc_metrics_free(struct tc_metrics *m);

/* Sets (fn NULL: clears) the source of the input's metrics: fn(ctx, pr)
 * adds its families to pr at each write.  ctx borrowed: clear the source
 * before ctx dies. */
void tc_metrics_set_source(struct tc_metrics *m,
                           void (*fn)(void *ctx, struct tg_prom *pr), void *ctx);

/* True when a periodic write is due at wall time now_ms: at the first
 * call, then every interval. */
bool tc_metrics_due(struct tc_metrics *m, int64_t now_ms);

/* Writes the file now: st's counters, the watermark (ms since the epoch,
 * INT64_MIN: none yet) and its lag behind now_ms, then the source's.
 * Returns 0, or -1 with "PATH: why" in err. */
int tc_metrics_write(struct tc_metrics *m, const struct tc_stats *st,
                     int64_t watermark_ms, int64_t now_ms, char *err, size_t errlen);

/* Renders the pipeline's metrics into pr (for tc_metrics_write and the
 * tests). */
void tc_metrics_render(struct tg_prom *pr, const struct tc_stats *st,
                       int64_t watermark_ms, int64_t now_ms);

/* Renders the partition families for n partitions of topic (borrowed),
 * in the order given; nothing when n is 0. */
void tc_metrics_render_partitions(struct tg_prom *pr, const char *topic,
                                  const struct tc_metrics_partition *parts, size_t n);

#endif
