/* tp_metrics.c - tgproducer's --metrics-file (see tp_metrics.h). */
#include "tp_metrics.h"

#include <stdio.h>
#include <stdlib.h>

#include "tg_log.h"
#include "tg_prom.h"
#include "tg_promfile.h"
#include "tg_time.h"
#include "tp_sink.h"

struct tp_metrics {
    struct tg_promfile *file;
    int64_t last_ms; /* monotonic time of the last write */
    const struct tg_log *log;
    bool failed; /* said once, until a write succeeds again */
};

void tp_metrics_values_from_sink(struct tp_metrics_values *v, const struct tp_sink *sink)
{
    struct tp_sink_stats st;
    tp_sink_get_stats(sink, &st);
    *v = (struct tp_metrics_values){
        .produced = st.delivered,
        .delivery_failures = st.failed,
        .too_large = st.too_large,
        .queue_full_waits = st.queue_full_waits,
        .in_flight = st.written - st.delivered - st.failed,
        .next_offset = -1,
    };
}

struct tp_metrics *tp_metrics_new(const char *path, int64_t interval_ms,
                                  const struct tg_log *log)
{
    struct tp_metrics *m = calloc(1, sizeof *m);
    if (m == NULL)
        return NULL;
    m->file = tg_promfile_new(path, interval_ms);
    if (m->file == NULL) {
        free(m);
        return NULL;
    }
    m->log = log;
    m->last_ms = tg_time_monotonic_ms();
    return m;
}

void tp_metrics_free(struct tp_metrics *m)
{
    if (m == NULL)
        return;
    tg_promfile_free(m->file);
    free(m);
}

static void counter(struct tg_prom *pr, const char *name, const char *help, uint64_t v)
{
    tg_prom_metric(pr, name, TG_PROM_COUNTER, help, (double)v);
}

void tp_metrics_render(struct tg_prom *pr, const struct tp_metrics_values *v)
{
    counter(pr, "tgproducer_records_produced_total",
            "Records delivered (Kafka acknowledged them; with --stdout, written). A "
            "batch sent again after a failure counts again.",
            v->produced);
    counter(pr, "tgproducer_delivery_failures_total",
            "Records whose delivery failed (their batch is sent again).",
            v->delivery_failures);
    counter(pr, "tgproducer_records_too_large_total",
            "Records refused as larger than Kafka accepts (skipped).", v->too_large);
    counter(pr, "tgproducer_queue_full_waits_total",
            "Writes that waited for room in the producer queue.", v->queue_full_waits);
    tg_prom_metric(pr, "tgproducer_records_in_flight", TG_PROM_GAUGE,
                   "Records written with no delivery report yet.", (double)v->in_flight);
    if (!v->telegram)
        return;
    counter(pr, "tgproducer_updates_total", "Bot API updates received.", v->updates);
    counter(pr, "tgproducer_updates_skipped_total",
            "Updates that yielded no record (not a message, another chat, an edit "
            "without --include-edits, malformed).",
            v->skipped);
    counter(pr, "tgproducer_updates_malformed_total",
            "Updates skipped as malformed (also in updates_skipped).", v->malformed);
    counter(pr, "tgproducer_poll_errors_total",
            "Bot API calls that failed (network, HTTP errors, 409, 429, bad replies).",
            v->poll_errors);
    counter(pr, "tgproducer_retries_total", "Bot API calls and batches tried again.",
            v->retries);
    /* Before the state file is read there is no offset: the sample is
     * left out rather than given a made-up value. */
    if (v->next_offset >= 0)
        tg_prom_metric(pr, "tgproducer_next_update_offset", TG_PROM_GAUGE,
                       "The next getUpdates offset: every update below it is delivered "
                       "and confirmed.",
                       (double)v->next_offset);
}

int tp_metrics_write(struct tp_metrics *m, const struct tp_metrics_values *v, char *err,
                     size_t errlen)
{
    tp_metrics_render(tg_promfile_begin(m->file), v);
    return tg_promfile_write(m->file, err, errlen);
}

bool tp_metrics_due(const struct tp_metrics *m, int64_t now_ms)
{
    return m != NULL && now_ms - m->last_ms >= tg_promfile_interval_ms(m->file);
}

void tp_metrics_publish(struct tp_metrics *m, const struct tp_metrics_values *v)
{
    if (m == NULL)
        return;
    m->last_ms = tg_time_monotonic_ms();
    char why[1024];
    if (tp_metrics_write(m, v, why, sizeof why) == 0) {
        m->failed = false;
    } else if (!m->failed) {
        tg_log_warn(m->log, "--metrics-file: %s", why);
        m->failed = true;
    }
}
