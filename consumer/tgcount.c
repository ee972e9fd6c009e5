/* tgcount - exact per-user message counts in event-time windows, from
 * Kafka, stdin or files.  See tgcount(1) and the README. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tc_input.h"
#include "tc_kafka.h"
#include "tc_live.h"
#include "tc_merge_run.h"
#include "tc_options.h"
#include "tc_pipeline.h"
#include "tg_cli.h"
#include "tg_exit.h"
#include "tg_kafka_conf.h"
#include "tg_log.h"
#include "tg_signal.h"

/* Reads the FILE operands (or stdin) and finishes the pipeline: the stats
 * are printed even when stdout failed. */
static int run_files(const struct tc_options *opts, struct tc_pipeline *p,
                     const struct tg_log *log)
{
    struct tc_read_rules rules;
    tc_options_read_rules(opts, &rules);
    int64_t idle_ms = tc_options_idle_ms(opts, tc_pipeline_min_slide_ms(p));
    int status = tc_input_run(p, opts->files, opts->nfiles, &rules, idle_ms, log);
    int out_errno = status < 0 ? errno : 0;
    bool complete = status == TG_EXIT_OK && !tg_signal_stop_requested();
    if (tc_pipeline_finish(p, complete) != 0 && out_errno == 0) {
        out_errno = errno;
    }
    if (status < 0) {
        status = TG_EXIT_OK;
    }
    if (out_errno == ENOMEM) {
        tg_log_error(log, "out of memory");
        return TG_EXIT_SOFTWARE;
    }
    /* The reader of stdout went away (EPIPE): nothing more to say. */
    if (out_errno != 0 && out_errno != EPIPE) {
        tg_log_error(log, "writing the output: %s", strerror(out_errno));
        return TG_EXIT_TEMPFAIL;
    }
    return status;
}

/* The command line chose Kafka, so whatever is piped or redirected into
 * stdin is not read: say so once.  /dev/null (what cron and systemd give)
 * and a terminal hold nothing to miss. */
static void warn_unread_stdin(const struct tc_options *opts, const struct tg_log *log)
{
    struct stat st;
    if (opts->kafka_by_option && fstat(STDIN_FILENO, &st) == 0 &&
        (S_ISFIFO(st.st_mode) || S_ISREG(st.st_mode))) {
        tg_log_warn(log, "stdin is not read: Kafka input options were given "
                         "(without them tgcount counts stdin)");
    }
}

/* True when an input of the files (or stdin) is live: not a regular
 * file, so the run lasts as long as its writer does.  The periodic stats
 * are for those, as for Kafka's follow mode. */
static bool input_is_live(const struct tc_options *opts)
{
    struct stat st;
    if (opts->nfiles == 0)
        return fstat(STDIN_FILENO, &st) == 0 && !S_ISREG(st.st_mode);
    for (size_t i = 0; i < opts->nfiles; i++) {
        const char *name = opts->files[i];
        int rc = strcmp(name, "-") == 0 ? fstat(STDIN_FILENO, &st) : stat(name, &st);
        if (rc == 0 && !S_ISREG(st.st_mode))
            return true;
    }
    return false;
}

int main(int argc, char **argv)
{
    struct tg_log log;
    tg_log_init(&log, "tgcount", stderr);
    struct tc_options opts;
    tc_options_init(&opts);
    char err[1024];
    int status;
    int parsed = tc_options_parse(&opts, argc, argv, err, sizeof err);
    if (parsed != TC_OPTIONS_RUN) {
        if (parsed == TC_OPTIONS_HELP) {
            tc_options_help(stdout);
        } else if (parsed == TC_OPTIONS_VERSION) {
            tc_options_version(stdout);
        } else if (parsed == TC_OPTIONS_KAFKA_LIST || parsed == TC_OPTIONS_KAFKA_DUMP) {
            /* -G wins over a group.id from -X/-F when the consumer is made:
             * the dump says so too. */
            if (parsed == TC_OPTIONS_KAFKA_DUMP && opts.group != NULL &&
                tg_kafka_conf_set(opts.kafka_conf, "group.id", opts.group, err,
                                  sizeof err) != 0) {
                tg_log_error(&log, "-G: %s", err);
                tc_options_clear(&opts);
                return TG_EXIT_CONFIG;
            }
            status = tg_cli_kafka_show(parsed, stdout, opts.kafka_conf, "tgcount",
                                       opts.brokers, err, sizeof err);
            if (status != TG_EXIT_OK) {
                tg_log_error(&log, "%s", err);
            }
            tc_options_clear(&opts);
            return status;
        } else {
            tg_log_error(&log, "%s", err);
        }
        tc_options_clear(&opts);
        return tg_cli_exit_status(parsed);
    }
    for (int v = opts.verbosity; v < 0; v++) {
        tg_log_quieter(&log);
    }
    for (int v = 0; v < opts.verbosity; v++) {
        tg_log_louder(&log);
    }
    warn_unread_stdin(&opts, &log);
    if (tg_signal_install() != 0) {
        tg_log_error(&log, "cannot install signal handlers: %s", strerror(errno));
        tc_options_clear(&opts);
        return TG_EXIT_SOFTWARE;
    }
    if (opts.merge) {
        status = tc_merge_run(&opts, &log);
        tc_options_clear(&opts);
        return status;
    }
    struct tc_pipeline_config cfg;
    tc_options_pipeline_config(&opts, &cfg);
    if (!opts.use_kafka && input_is_live(&opts)) {
        cfg.stats_periodic = true;
    }
    FILE *out = stdout;
    struct tc_live *live = NULL;
    if (opts.live && (live = tc_live_start(&opts, &cfg, &log, &out, &status)) == NULL) {
        tc_options_clear(&opts);
        return status;
    }
    struct tc_pipeline *p = tc_pipeline_new(&cfg, out, &log, err, sizeof err);
    if (p == NULL) {
        tc_live_stop(live, 0);
        tg_log_error(&log, "%s", err);
        tc_options_clear(&opts);
        return TG_EXIT_CONFIG;
    }
    if (opts.use_kafka) {
        status = tc_kafka_run(&opts, p, &log);
    } else {
        status = run_files(&opts, p, &log);
    }
    /* --late-file failed at the end (it said why): what it holds is short. */
    if (status == TG_EXIT_OK && tc_pipeline_failed(p)) {
        status = TG_EXIT_TEMPFAIL;
    }
    /* A short input must not flash by; an error is for the user to read
     * at once. */
    if (live != NULL && status == TG_EXIT_OK && !tg_signal_stop_requested()) {
        tc_live_hold(live, p);
    }
    status = tc_live_stop(live, status);
    tc_pipeline_free(p);
    tc_options_clear(&opts);
    return status;
}
