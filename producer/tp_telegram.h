/* tp_telegram.h - tgproducer's Telegram side: the getUpdates loop that turns
 * chat messages into records, hands them to the sink and confirms an update
 * offset only after every record of its batch was delivered.
 */
#ifndef TP_TELEGRAM_H
#define TP_TELEGRAM_H

struct tp_options;
struct tp_sink;
struct tp_metrics;
struct tg_log;

/* Runs follow mode, or --once when opts says so, until done or stopped by
 * the stop flag (common/tg_signal.h).  While it runs, with opts->stats and
 * not --once, prints the stats line every opts->stats_interval_ms; with
 * metrics (borrowed; NULL = none), writes it when due (tp_metrics.h) and
 * once more at the end.  opts (token included), sink and log
 * are borrowed; the sink stays the caller's.  On return every batch this
 * run wrote is either delivered and confirmed (saved in the state file), or
 * unconfirmed, so the next run fetches it again; whatever the caller's
 * final flush still delivers can only duplicate, never lose.
 * Returns a tg_exit code (common/tg_exit.h) and logs the reason itself:
 *   0   --once drained everything, or stopped by a signal
 *   69  the Bot API refused a request for good (4xx), or kept failing
 *       (--once only: 6 attempts in a row), or the sink failed
 *   75  lock held by another run; 409 past --conflict-timeout (--once);
 *       delivery not done within --delivery-timeout (--once); a retry
 *       wait beyond --once's bounds (tp_wait_budget.h: 60 s at a time,
 *       120 s in all), such as a 429 asking for an hour; the offset could
 *       not be saved
 *   77  token rejected (getMe: 401, or 404 for a malformed token)
 *   78  no token, or the state file or its lock cannot be used */
int tp_telegram_run(const struct tp_options *opts, struct tp_sink *sink,
                    struct tp_metrics *metrics, const struct tg_log *log);

#endif
