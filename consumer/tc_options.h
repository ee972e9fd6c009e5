/* tc_options.h - tgcount's command line: every option, parsed once into a
 * struct tc_options that the rest of the tool only reads.  Values are read
 * with the conventions both tools share (tg_cli.h: durations, counts,
 * getopt messages, -X/-F); the pipeline gets its own part of them through
 * tc_options_pipeline_config.
 *
 * Parsing never prints and never exits: tc_options_parse returns what to do
 * and fills an error buffer; tgcount's main prints and picks the exit code.
 * --help and --version text come from tc_options_help/tc_options_version.
 */
#ifndef TC_OPTIONS_H
#define TC_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tc_batch.h"
#include "tc_output.h"
#include "tc_pipeline.h"
#include "tg_cli.h"
#include "tg_duration.h"

struct tg_kafka_conf;

/* At most this many -w options. */
#define TC_MAX_WINDOWS 16

#define TC_DEFAULT_LATENESS_MS 30000
#define TC_DEFAULT_TRIGGER_MS 30000
#define TC_DEFAULT_CHECKPOINT_INTERVAL_MS 5000
#define TC_DEFAULT_COMMIT_INTERVAL_MS 1000
#define TC_DEFAULT_STATS_INTERVAL_MS 10000
/* node_exporter's and Prometheus' usual scrape interval. */
#define TC_DEFAULT_METRICS_INTERVAL_MS 15000
#define TC_DEFAULT_CONNECT_TIMEOUT_MS 30000
#define TC_DEFAULT_MAX_RECORD (1024 * 1024)
#define TC_DEFAULT_MAX_USERS 10000000
#define TC_DEFAULT_MAX_FUTURE_MS 3600000
/* --idle: the default (the smallest slide, Kafka's quiet rule), and "off"
 * (only event times move the watermark). */
#define TC_IDLE_SLIDE (-1)
#define TC_IDLE_OFF (-2)
/* Bounds of --max-record (a record is held whole in memory) and of
 * --max-users (the user table numbers users with 32 bits, the last values
 * being reserved). */
#define TC_MAX_RECORD_LIMIT (UINT64_C(1) << 30)
#define TC_MAX_USERS_LIMIT (UINT32_MAX - 2)

/* -o.  Without it: stored in a consumer group, beginning without one
 * (what kcat does without -G). */
enum tc_offset_start {
    TC_OFFSET_STORED,    /* the group's committed offset, else auto.offset.reset */
    TC_OFFSET_BEGINNING, /* -o beginning: offset 0, where every history begins */
    TC_OFFSET_END,       /* -o end */
};

/* Everything tgcount was asked to do.  Strings are borrowed from argv (or
 * the environment) and live as long as the process; kafka_conf and
 * partitions are owned and released by tc_options_clear. */
struct tc_options {
    /* Input.  files/nfiles: the FILE operands ("-" = stdin), in order. */
    char **files;
    size_t nfiles;
    /* True when the input is Kafka: a Kafka-only option was given (-b, -t,
     * -G, ...; the table in tc_options.c), or no FILE operand, stdin is a
     * terminal and $KAFKA_BOOTSTRAP_SERVERS is set.  A Kafka-only option
     * with FILE operands is a usage error. */
    bool use_kafka;
    /* True when the command line chose Kafka (not the environment): stdin
     * is then left unread, which tgcount tells when it holds data. */
    bool kafka_by_option;
    /* Whether stdin is a terminal: set by tc_options_init (isatty); a test
     * may change it before tc_options_parse. */
    bool stdin_terminal;
    /* Whether stdout is a terminal (--live draws there): set by
     * tc_options_init, as stdin_terminal. */
    bool stdout_terminal;

    /* Kafka (only meaningful when use_kafka). */
    const char *brokers; /* -b as given, NULL when absent */
    const char *topic;   /* -t, default TG_KAFKA_DEFAULT_TOPIC */
    const char *group;   /* -G as given, NULL when absent */
    /* A consumer group owns the offsets: -G, or a group.id from -X/-F
     * (kcat's rule: no -G, no group).  Only then are offsets committed,
     * and -o stored allowed; without one tgcount never joins, commits to
     * or disturbs any group. */
    bool in_group;
    /* assign: tgcount assigns the partitions itself instead of joining the
     * group: with -p, and always without a group.  assign_all: every
     * partition the topic has, from metadata (-p all, or no group and no
     * -p); otherwise partitions[npartitions]: the numbers listed, each
     * once, in the order given (owned, released by tc_options_clear). */
    bool assign;
    bool assign_all;
    int32_t *partitions;
    size_t npartitions;
    enum tc_offset_start offset;
    bool exit_at_end;                 /* -e */
    struct tg_kafka_conf *kafka_conf; /* -X/-F applied in command-line order */
    int64_t connect_timeout_ms;       /* --connect-timeout */
    /* --allow-data-loss: offsets deleted before they were read are still
     * reported and counted, but -e then exits 0 instead of 65. */
    bool allow_data_loss;

    /* --merge: read a results topic (-t) and print the merged windows
     * (tc_merge_run.h) instead of counting records. */
    bool merge;

    /* Windows and counting. */
    struct tg_window_spec windows[TC_MAX_WINDOWS];
    size_t nwindows;    /* default: 1m and 10m/30s */
    bool windows_given; /* a -w was seen: it replaced the defaults */
    int64_t lateness_ms;
    bool dedup; /* false with --no-dedup */
    size_t max_record;
    size_t max_users;
    int64_t max_future_ms; /* --max-future; TC_MAX_FUTURE_OFF: "off" */
    /* --idle: how long a live input (not a regular file; Kafka in follow
     * mode) must be quiet before the wall clock moves the watermark.
     * TC_IDLE_SLIDE (default) or TC_IDLE_OFF; see tc_options_idle_ms. */
    int64_t idle_ms;

    /* Output. */
    enum tc_emit_mode emit;
    int64_t trigger_ms;
    size_t top_n; /* 0 = every row */
    enum tc_format format;
    bool live;               /* --live: the full-screen view (tc_tui.h) */
    const char *live_output; /* --live-output FILE, NULL = none */

    /* State and reporting. */
    const char *checkpoint_dir; /* NULL = no checkpoints */
    int64_t checkpoint_interval_ms;
    bool checkpoint_interval_given;
    /* --output-topic (NULL = none): the results topic, written by a
     * transactional producer (tc_kafka_txn.h) with the transactional id
     * given (NULL: the default, tgcount-GROUP-HOSTNAME), one transaction
     * every commit_interval_ms, and the state changelog topic (NULL: the
     * default, GROUP-tgcount-changelog; tc_kafka_changelog.h). */
    const char *output_topic;
    const char *transactional_id;
    const char *changelog_topic;
    int64_t commit_interval_ms;
    bool commit_interval_given;
    const char *late_file; /* --late-file; NULL = none */
    bool stats;
    int64_t stats_interval_ms; /* follow mode only */
    const char *metrics_file;  /* --metrics-file; NULL = none */
    int64_t metrics_interval_ms;
    int verbosity; /* -v count minus -q count */
};

/* What tc_options_parse decided: the shared enum tg_cli_result. */
enum tc_options_result {
    TC_OPTIONS_RUN = TG_CLI_RUN,               /* options valid: run */
    TC_OPTIONS_HELP = TG_CLI_HELP,             /* --help: print tc_options_help, exit 0 */
    TC_OPTIONS_VERSION = TG_CLI_VERSION,       /* --version: tc_options_version, exit 0 */
    TC_OPTIONS_USAGE = TG_CLI_USAGE,           /* bad command line: exit TG_EXIT_USAGE */
    TC_OPTIONS_CONFIG = TG_CLI_CONFIG,         /* bad -X/-F: exit TG_EXIT_CONFIG */
    TC_OPTIONS_KAFKA_LIST = TG_CLI_KAFKA_LIST, /* -X list: tg_cli_kafka_show */
    TC_OPTIONS_KAFKA_DUMP = TG_CLI_KAFKA_DUMP, /* -X dump: tg_cli_kafka_show */
};

/* Sets every default, and stdin_terminal.  kafka_conf is created lazily
 * by the parser. */
void tc_options_init(struct tc_options *opts);

/* Parses argv (getopt_long; argv is borrowed and must outlive opts).
 * Returns an enum tc_options_result; on a negative result err says why
 * and opts must still be cleared. */
int tc_options_parse(struct tc_options *opts, int argc, char **argv, char *err,
                     size_t errlen);

/* Releases what opts owns (kafka_conf, partitions).  NULL-safe; opts may be reused
 * after tc_options_init. */
void tc_options_clear(struct tc_options *opts);

/* Fills *cfg with what the pipeline needs from opts.  The windows, the
 * checkpoint directory and the topic are borrowed from opts, which must
 * outlive the pipeline. */
void tc_options_pipeline_config(const struct tc_options *opts,
                                struct tc_pipeline_config *cfg);

/* Fills *rules with how the input reads each record (tc_batch.h). */
void tc_options_read_rules(const struct tc_options *opts, struct tc_read_rules *rules);

/* The idle time in milliseconds for windows whose smallest slide is
 * min_slide_ms, or TC_IDLE_OFF (negative) when the wall clock must never
 * move the watermark. */
int64_t tc_options_idle_ms(const struct tc_options *opts, int64_t min_slide_ms);

/* Writes the --help text (every option and its default) to out. */
void tc_options_help(FILE *out);

/* Writes the --version line to out. */
void tc_options_version(FILE *out);

#endif
