/* tgproducer - Telegram Bot API (or a synthetic generator) to Kafka or
 * stdout.  Setup, run, teardown; the work is in tp_telegram (Bot API),
 * tp_fake_run (--fake) and tp_sink (Kafka, stdout).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "tg_cli.h"
#include "tg_exit.h"
#include "tg_log.h"
#include "tg_signal.h"
#include "tg_time.h"
#include "tp_fake_run.h"
#include "tp_metrics.h"
#include "tp_options.h"
#include "tp_sink.h"
#include "tp_telegram.h"

/* --metrics-file: a first, all-zero file, so that it exists from the
 * start and a path that cannot be written is a configuration error, not a
 * warning later.  Returns TG_EXIT_OK with *metrics set (NULL without the
 * option), or the exit code (said). */
static int start_metrics(const struct tp_options *opts, const struct tg_log *log,
                         struct tp_metrics **metrics)
{
    char err[1024];
    *metrics = NULL;
    if (opts->metrics_file == NULL)
        return TG_EXIT_OK;
    *metrics = tp_metrics_new(opts->metrics_file, opts->metrics_interval_ms, log);
    if (*metrics == NULL) {
        tg_log_error(log, "out of memory");
        return TG_EXIT_SOFTWARE;
    }
    struct tp_metrics_values v = {.telegram = !opts->fake, .next_offset = -1};
    if (tp_metrics_write(*metrics, &v, err, sizeof err) != 0) {
        tg_log_error(log, "--metrics-file: %s", err);
        return TG_EXIT_CONFIG;
    }
    return TG_EXIT_OK;
}

/* Everything before the run: options, verbosity, token, signals, metrics
 * file, sink.  Returns TG_EXIT_OK with *sink set, or the exit code (-1:
 * help/version printed, exit 0). */
static int setup(struct tp_options *opts, int argc, char *argv[], struct tg_log *log,
                 struct tp_metrics **metrics, struct tp_sink **sink)
{
    char err[1024];
    int parsed = tp_options_parse(opts, argc, argv, err, sizeof err);
    if (parsed == TG_CLI_KAFKA_LIST || parsed == TG_CLI_KAFKA_DUMP) {
        int status =
            tg_cli_kafka_show(parsed, stdout, opts->kafka_conf, TP_CLIENT_ID_PROGRAM,
                              opts->brokers, err, sizeof err);
        if (status != TG_EXIT_OK)
            tg_log_error(log, "%s", err);
        return status == TG_EXIT_OK ? -1 : status;
    }
    if (parsed != 0) {
        tg_log_error(log, "%s", err);
        return tg_cli_exit_status(parsed);
    }
    if (opts->help || opts->version) {
        if (opts->help) {
            tp_options_usage(stdout, log->program);
        } else {
            tg_cli_version(err, sizeof err, log->program,
                           curl_version_info(CURLVERSION_NOW)->version);
            printf("%s\n", err);
        }
        return -1;
    }
    if (opts->verbosity < 0)
        tg_log_quieter(log);
    for (int i = 0; i < opts->verbosity; i++)
        tg_log_louder(log);
    if (!opts->fake && tp_options_load_token(opts, err, sizeof err) != 0) {
        tg_log_error(log, "%s", err);
        return TG_EXIT_CONFIG;
    }
    /* Servers may echo the token's secret alone or percent-encoded, which
     * only a log that knows the token can recognise. */
    tg_log_set_token(log, opts->token);
    if (tg_signal_install() != 0) {
        tg_log_error(log, "cannot install signal handlers: %s", strerror(errno));
        return TG_EXIT_SOFTWARE;
    }
    int rc = start_metrics(opts, log, metrics);
    if (rc != TG_EXIT_OK)
        return rc;
    if (opts->to_stdout) {
        *sink = tp_sink_new_stdout(stdout);
        snprintf(err, sizeof err, "out of memory");
    } else {
        *sink = tp_sink_new_kafka(opts, log, err, sizeof err);
    }
    if (*sink == NULL) {
        tg_log_error(log, "%s", err);
        return TG_EXIT_CONFIG;
    }
    return TG_EXIT_OK;
}

int main(int argc, char *argv[])
{
    struct tg_log log;
    struct tp_options opts;
    struct tp_sink *sink = NULL;
    struct tp_metrics *metrics = NULL;

    tg_log_init(&log, "tgproducer", stderr);
    tp_options_init(&opts);
    int rc = setup(&opts, argc, argv, &log, &metrics, &sink);
    if (rc == TG_EXIT_OK) {
        rc = opts.fake ? tp_fake_run(&opts, sink, metrics, &log)
                       : tp_telegram_run(&opts, sink, metrics, &log);
    } else if (rc < 0) {
        rc = TG_EXIT_OK;
    }
    tp_sink_free(sink);
    tp_metrics_free(metrics);
    tg_log_set_token(&log, NULL); /* tp_options_clear wipes it */
    tp_options_clear(&opts);
    return rc;
}
