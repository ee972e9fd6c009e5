/* tp_telegram.h - tgproducer's Telegram side: the getUpdates loop that turns
 * chat messages into records, hands them to the sink and confirms an update
 * offset only after every record of its batch was delivered.
 */
#ifndef TP_TELEGRAM_H
#define TP_TELEGRAM_H

struct tp_options;
struct tp_sink;
struct tg_log;

/* Runs follow mode, or --once when opts says so, until done or stopped by
 * the stop flag (common/tg_signal.h).  opts, sink and log are borrowed;
 * the sink stays owned by the caller, who flushes nothing after this
 * returns: everything delivered has been confirmed already.
 * Returns a tg_exit code (common/tg_exit.h) and logs the reason itself. */
int tp_telegram_run(const struct tp_options *opts, struct tp_sink *sink,
                    const struct tg_log *log);

#endif
