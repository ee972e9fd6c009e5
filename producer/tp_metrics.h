/* tp_metrics.h - tgproducer's --metrics-file: its counters in Prometheus'
 * text format (tg_prom.h) for node_exporter's textfile collector, written
 * atomically (mode 0644: counts, no secrets) at start, every
 * --metrics-interval while it runs (tp_metrics_tick, from the loops' waits)
 * and at the end (tp_metrics_final).  Each loop fills a tp_metrics_values
 * and hands it over; this module decides when to write.
 *
 * Metrics (see the README's Metrics section), every mode:
 * tgproducer_records_produced_total, tgproducer_delivery_failures_total,
 * tgproducer_records_too_large_total, tgproducer_queue_full_waits_total and
 * the gauge tgproducer_records_in_flight; the Bot API modes (follow and
 * --once) also: tgproducer_updates_total, tgproducer_updates_skipped_total,
 * tgproducer_updates_malformed_total, tgproducer_poll_errors_total,
 * tgproducer_retries_total and the gauge tgproducer_next_update_offset
 * (absent until the state file is read).
 */
#ifndef TP_METRICS_H
#define TP_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tg_log;
struct tg_prom;
struct tp_sink;
struct tp_metrics;

/* What a write shows. */
struct tp_metrics_values {
    /* The sink's counters (tp_sink.h), every mode. */
    uint64_t produced;          /* records with a successful delivery report */
    uint64_t delivery_failures; /* records with a failed delivery report */
    uint64_t too_large;         /* records refused as too large */
    uint64_t queue_full_waits;  /* writes that waited for queue space */
    uint64_t in_flight;         /* written, no delivery report yet */
    /* The Bot API loop's (tp_telegram.c); left out when telegram is false. */
    bool telegram;
    uint64_t updates;     /* updates received */
    uint64_t skipped;     /* updates that yielded no record */
    uint64_t malformed;   /* of those, the malformed ones */
    uint64_t poll_errors; /* Bot API calls that failed (any method) */
    uint64_t retries;     /* calls and batches tried again */
    int64_t next_offset;  /* next getUpdates offset; < 0: unknown yet */
};

/* Fills the sink's part of *v from sink (borrowed); the rest is zeroed,
 * next_offset -1. */
void tp_metrics_values_from_sink(struct tp_metrics_values *v, const struct tp_sink *sink);

/* A writer to path (borrowed; must outlive it) every interval_ms, telling
 * failed writes on log (borrowed) once until one succeeds again.  NULL
 * when out of memory. */
struct tp_metrics *tp_metrics_new(const char *path, int64_t interval_ms,
                                  const struct tg_log *log);

/* NULL-safe. */
void tp_metrics_free(struct tp_metrics *m);

/* Writes the file now.  Returns 0, or -1 with "PATH: why" in err (at
 * start: a configuration error). */
int tp_metrics_write(struct tp_metrics *m, const struct tp_metrics_values *v, char *err,
                     size_t errlen);

/* True when a periodic write is due at monotonic time now_ms: interval_ms
 * after the last write.  Cheap: call it from every wait. */
bool tp_metrics_due(const struct tp_metrics *m, int64_t now_ms);

/* Writes the file now, a failure told on the log as a warning (the run
 * goes on), and starts the next interval.  m may be NULL: nothing. */
void tp_metrics_publish(struct tp_metrics *m, const struct tp_metrics_values *v);

/* Renders v into pr (for tp_metrics_write and the tests). */
void tp_metrics_render(struct tg_prom *pr, const struct tp_metrics_values *v);

#endif
