/* tp_fake_run.h - the --fake mode loop: generate, pace by event time, write
 * to the sink, flush at the end.
 */
#ifndef TP_FAKE_RUN_H
#define TP_FAKE_RUN_H

struct tp_options;
struct tp_sink;
struct tp_metrics;
struct tg_log;

/* Generates opts->count records (unlimited when -1) with tp_fake, the
 * first at --start, else now, else (--speed max and --count N without
 * --start) N/rate seconds before now, so that they end near now; waiting
 * before each one until its event time, scaled by opts->speed, has come on
 * the monotonic clock (no waiting when speed is 0, "max").  Stops early on
 * the stop flag (tg_signal.h) or when stdout's reader has gone.  Then
 * flushes the sink for at most opts->delivery_timeout_ms (at most 10 s
 * after a stop signal).  With opts->stats, prints the stats line every
 * opts->stats_interval_ms and at the end; with metrics (NULL = none),
 * writes it when due (tp_metrics.h) and at the end.  opts, sink, metrics
 * and log are borrowed.  Returns a
 * tg_exit code and logs the reason:
 *   TG_EXIT_OK           done; or stopped by a signal (records still
 *                        undelivered after the bounded flush are dropped,
 *                        with a warning); or stdout closed (EPIPE)
 *   TG_EXIT_UNAVAILABLE  a write to stdout failed, or deliveries failed
 *   TG_EXIT_TEMPFAIL     records still undelivered after --delivery-timeout
 *   TG_EXIT_SOFTWARE     the generator could not start */
int tp_fake_run(const struct tp_options *opts, struct tp_sink *sink,
                struct tp_metrics *metrics, const struct tg_log *log);

#endif
