/* tp_fake_run.c - the --fake mode loop (see tp_fake_run.h). */
#include "tp_fake_run.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <time.h>

#include "tg_exit.h"
#include "tg_log.h"
#include "tg_signal.h"
#include "tg_time.h"
#include "tp_fake.h"
#include "tp_metrics.h"
#include "tp_options.h"
#include "tp_sink.h"

/* Waits shorter than this are skipped: at high rates the loop would spend
 * its time in the kernel for nothing a reader could notice. */
#define MIN_WAIT_NS INT64_C(1000000)
/* Longest single sleep, so that delivery reports are served and a signal
 * that lands just before a sleep is noticed soon. */
#define MAX_SLICE_NS INT64_C(100000000)
/* After SIGINT/SIGTERM the final flush waits at most this long (or
 * --delivery-timeout when shorter), as the Telegram loop does. */
#define STOP_FLUSH_MS 10000
/* At --speed max the loop never waits: it looks at the clock for its
 * periodic duties every this many records. */
#define DUTY_EVERY 1024

/* The periodic duties: the stats line and the metrics file. */
struct duties {
    const struct tp_options *opts;
    struct tp_sink *sink;
    const struct tg_log *log;
    struct tp_metrics *metrics; /* NULL = none */
    int64_t started_ms;         /* monotonic */
    int64_t next_stats_ms;      /* 0: no periodic stats line */
};

static void print_stats(const struct duties *d)
{
    struct tp_sink_stats st;
    tp_sink_get_stats(d->sink, &st);
    double seconds = (double)(tg_time_monotonic_ms() - d->started_ms) / 1000.0;
    fprintf(
        stderr,
        "%s: stats: %" PRIu64 " records produced, %" PRIu64 " delivery failures, %" PRIu64
        " undelivered, %" PRIu64 " queue-full retries, %.3f s, %.0f records/s\n",
        d->log->program, st.delivered, st.failed, st.written - st.delivered - st.failed,
        st.queue_full_waits, seconds, seconds > 0 ? (double)st.delivered / seconds : 0.0);
}

static void publish(const struct duties *d)
{
    struct tp_metrics_values v;
    tp_metrics_values_from_sink(&v, d->sink);
    tp_metrics_publish(d->metrics, &v);
}

static void tick(struct duties *d)
{
    int64_t now = tg_time_monotonic_ms();
    if (d->next_stats_ms != 0 && now >= d->next_stats_ms) {
        d->next_stats_ms = now + d->opts->stats_interval_ms;
        print_stats(d);
    }
    if (tp_metrics_due(d->metrics, now))
        publish(d);
}

static int64_t monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* What a failed flush or write means for the run. */
enum outcome { GO_ON, STOP_QUIETLY, FAIL };

static enum outcome judge_failure(struct tp_sink *sink, const char *err,
                                  const struct tg_log *log)
{
    if (tp_sink_broken_pipe(sink))
        return STOP_QUIETLY;
    if (tg_signal_stop_requested())
        return STOP_QUIETLY;
    tg_log_error(log, "%s", err);
    return FAIL;
}

/* Makes what was written visible, then sleeps until due_ns (monotonic) in
 * slices, serving delivery reports, until then or the stop flag. */
static enum outcome wait_until(struct duties *d, int64_t due_ns)
{
    struct tp_sink *sink = d->sink;
    const struct tg_log *log = d->log;
    char err[512];
    int64_t now = monotonic_ns();
    if (due_ns - now < MIN_WAIT_NS)
        return GO_ON;
    /* Delivery failures are counted by the sink and judged at the end; only
     * a stdout error matters here. */
    if (tp_sink_flush(sink, 0, err, sizeof err) < 0 && tp_sink_broken_pipe(sink))
        return STOP_QUIETLY;
    while (now < due_ns && !tg_signal_stop_requested()) {
        int64_t until = due_ns - now > MAX_SLICE_NS ? now + MAX_SLICE_NS : due_ns;
        struct timespec ts = {.tv_sec = until / 1000000000,
                              .tv_nsec = until % 1000000000};
        int rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
        if (rc != 0 && rc != EINTR) {
            tg_log_error(log, "clock_nanosleep: error %d", rc);
            return FAIL;
        }
        tp_sink_poll(sink);
        tick(d);
        now = monotonic_ns();
    }
    return GO_ON;
}

static int finish(const struct tp_options *opts, struct tp_sink *sink,
                  const struct tg_log *log)
{
    char err[512];
    struct tp_sink_stats st;
    bool stopped = tg_signal_stop_requested();
    int64_t bound = opts->delivery_timeout_ms;
    if (stopped && bound > STOP_FLUSH_MS)
        bound = STOP_FLUSH_MS;
    int rc = tp_sink_flush(sink, bound, err, sizeof err);
    tp_sink_get_stats(sink, &st);
    if (rc < 0 && tp_sink_broken_pipe(sink))
        return TG_EXIT_OK;
    if (rc == 1 && stopped) {
        /* Asked to stop: synthetic records are not worth a longer wait. */
        tg_log_warn(log, "stopped before delivery finished: %s", err);
        return TG_EXIT_OK;
    }
    if (rc == 1) {
        tg_log_error(log, "%s (--delivery-timeout)", err);
        return TG_EXIT_TEMPFAIL;
    }
    if (rc < 0 && opts->to_stdout) { /* writing stdout failed, as tgcount's 75 */
        tg_log_error(log, "%s", err);
        return TG_EXIT_TEMPFAIL;
    }
    if (st.failed > 0) {
        tg_log_error(log, "%" PRIu64 " of %" PRIu64 " records failed delivery%s%s",
                     st.failed, st.written, rc < 0 ? ": " : "", rc < 0 ? err : "");
        return TG_EXIT_UNAVAILABLE;
    }
    return TG_EXIT_OK;
}

/* The event time of the first record: --start, else now; but N records
 * written at --speed max from now would run N/rate seconds ahead of the
 * clock (100,000 at 5/s: 5.5 hours), and tgcount refuses records stamped
 * far in the future (--max-future), so those start N/rate seconds ago
 * instead and end near now (never before 1970). */
static int64_t first_event_time(const struct tp_options *opts)
{
    if (opts->start_set)
        return opts->start_ms;
    int64_t now = tg_time_now_ms();
    if (opts->speed > 0 || opts->count < 0)
        return now;
    double span_ms = (double)opts->count * 1000.0 / opts->rate;
    return span_ms < (double)now ? now - (int64_t)span_ms : 0;
}

int tp_fake_run(const struct tp_options *opts, struct tp_sink *sink,
                struct tp_metrics *metrics, const struct tg_log *log)
{
    char err[512];
    struct duties d = {.opts = opts,
                       .sink = sink,
                       .log = log,
                       .metrics = metrics,
                       .started_ms = tg_time_monotonic_ms()};
    if (opts->stats)
        d.next_stats_ms = d.started_ms + opts->stats_interval_ms;
    struct tp_fake_config cfg = {
        .seed = opts->seed,
        .users = opts->users,
        .zipf = opts->zipf,
        .rate = opts->rate,
        .start_ms = first_event_time(opts),
    };
    struct tp_fake *fake = tp_fake_new(&cfg, err, sizeof err);
    if (fake == NULL) {
        tg_log_error(log, "%s", err);
        return TG_EXIT_SOFTWARE;
    }

    int64_t wall_start_ns = monotonic_ns();
    double ns_per_event_ms = opts->speed > 0 ? 1e6 / opts->speed : 0;
    enum outcome outcome = GO_ON;
    /* A failed write: the brokers refused it, or stdout could not be
     * written (disk full: exit 75, as tgcount). */
    int fail_rc = opts->to_stdout ? TG_EXIT_TEMPFAIL : TG_EXIT_UNAVAILABLE;
    struct tp_fake_record rec;
    for (int64_t n = 0; (opts->count < 0 || n < opts->count) && outcome == GO_ON; n++) {
        if (tg_signal_stop_requested())
            break;
        if (tp_fake_next(fake, &rec, err, sizeof err) != 0) {
            tg_log_error(log, "%s (check --start)", err);
            outcome = FAIL;
            fail_rc = TG_EXIT_USAGE;
            break;
        }
        if (ns_per_event_ms > 0) {
            double offset = (double)(rec.event_time_ms - cfg.start_ms) * ns_per_event_ms;
            if (offset > 1e18) /* beyond any useful wait; keeps the sum in range */
                offset = 1e18;
            outcome = wait_until(&d, wall_start_ns + (int64_t)offset);
            if (outcome != GO_ON || tg_signal_stop_requested())
                break;
        } else if (n % DUTY_EVERY == 0) {
            tick(&d);
        }
        if (tp_sink_write(sink, rec.key, rec.key_len, rec.line, rec.line_len,
                          rec.event_time_ms, err, sizeof err) != 0)
            outcome = judge_failure(sink, err, log);
    }
    tp_fake_free(fake);

    int rc = finish(opts, sink, log);
    if (opts->stats)
        print_stats(&d);
    publish(&d);
    return outcome == FAIL ? fail_rc : rc;
}
