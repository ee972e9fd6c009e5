/* tc_options.c - tgcount's getopt_long parser, defaults and --help. */
#include "tc_options.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tc_engine.h"
#include "tg_cli.h"
#include "tg_kafka_conf.h"
#include "tg_number.h"

enum {
    OPT_CONNECT_TIMEOUT = 256,
    OPT_NO_DEDUP,
    OPT_EMIT,
    OPT_TRIGGER,
    OPT_CHECKPOINT,
    OPT_CHECKPOINT_INTERVAL,
    OPT_STATS,
    OPT_STATS_INTERVAL,
    OPT_MAX_RECORD,
    OPT_MAX_USERS,
    OPT_ALLOW_DATA_LOSS,
    OPT_MAX_FUTURE,
    OPT_LATE_FILE,
    OPT_IDLE,
    OPT_METRICS_FILE,
    OPT_METRICS_INTERVAL,
    OPT_LIVE,
    OPT_LIVE_OUTPUT,
    OPT_MERGE,
    OPT_OUTPUT_TOPIC,
    OPT_TRANSACTIONAL_ID,
    OPT_COMMIT_INTERVAL,
    OPT_CHANGELOG_TOPIC,
};

static const char short_options[] = ":b:t:G:p:o:eX:F:d:w:l:n:f:qvhV";

static const struct option long_options[] = {
    {"brokers", required_argument, NULL, 'b'},
    {"topic", required_argument, NULL, 't'},
    {"group", required_argument, NULL, 'G'},
    {"partitions", required_argument, NULL, 'p'},
    {"offset", required_argument, NULL, 'o'},
    {"exit-at-end", no_argument, NULL, 'e'},
    {"connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT},
    {"allow-data-loss", no_argument, NULL, OPT_ALLOW_DATA_LOSS},
    {"window", required_argument, NULL, 'w'},
    {"lateness", required_argument, NULL, 'l'},
    {"no-dedup", no_argument, NULL, OPT_NO_DEDUP},
    {"emit", required_argument, NULL, OPT_EMIT},
    {"trigger", required_argument, NULL, OPT_TRIGGER},
    {"top", required_argument, NULL, 'n'},
    {"format", required_argument, NULL, 'f'},
    {"checkpoint", required_argument, NULL, OPT_CHECKPOINT},
    {"checkpoint-interval", required_argument, NULL, OPT_CHECKPOINT_INTERVAL},
    {"stats", no_argument, NULL, OPT_STATS},
    {"stats-interval", required_argument, NULL, OPT_STATS_INTERVAL},
    {"max-record", required_argument, NULL, OPT_MAX_RECORD},
    {"max-users", required_argument, NULL, OPT_MAX_USERS},
    {"max-future", required_argument, NULL, OPT_MAX_FUTURE},
    {"late-file", required_argument, NULL, OPT_LATE_FILE},
    {"idle", required_argument, NULL, OPT_IDLE},
    {"metrics-file", required_argument, NULL, OPT_METRICS_FILE},
    {"metrics-interval", required_argument, NULL, OPT_METRICS_INTERVAL},
    {"live", no_argument, NULL, OPT_LIVE},
    {"live-output", required_argument, NULL, OPT_LIVE_OUTPUT},
    {"merge", no_argument, NULL, OPT_MERGE},
    {"output-topic", required_argument, NULL, OPT_OUTPUT_TOPIC},
    {"transactional-id", required_argument, NULL, OPT_TRANSACTIONAL_ID},
    {"commit-interval", required_argument, NULL, OPT_COMMIT_INTERVAL},
    {"changelog-topic", required_argument, NULL, OPT_CHANGELOG_TOPIC},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/* The options that only mean something for Kafka input.  Any of them
 * chooses Kafka input, and with FILE operands it is a usage error, so that
 * none is ever silently ignored.  A new Kafka-only option goes here (the
 * unit test checks every option --help lists under "Kafka input"). */
static const struct {
    int code;
    const char *name;
} kafka_only[] = {
    {'b', "-b"},
    {'t', "-t"},
    {'G', "-G"},
    {'p', "-p"},
    {'o', "-o"},
    {'e', "-e"},
    {'X', "-X"},
    {'F', "-F"},
    {'d', "-d"},
    {OPT_CONNECT_TIMEOUT, "--connect-timeout"},
    {OPT_CHECKPOINT, "--checkpoint"},
    {OPT_CHECKPOINT_INTERVAL, "--checkpoint-interval"},
    {OPT_ALLOW_DATA_LOSS, "--allow-data-loss"},
    {OPT_MERGE, "--merge"},
    {OPT_OUTPUT_TOPIC, "--output-topic"},
    {OPT_TRANSACTIONAL_ID, "--transactional-id"},
    {OPT_COMMIT_INTERVAL, "--commit-interval"},
    {OPT_CHANGELOG_TOPIC, "--changelog-topic"},
};

/* The options --merge refuses, and why (a results topic is read whole,
 * its rows were counted by the writers). */
static const struct {
    int code;
    const char *name;
    const char *why;
} merge_refused[] = {
    {'G', "-G", "the results topic is read whole, without a group"},
    {'p', "-p", "every partition of the results topic is read"},
    {'o', "-o", "the results topic is read from the beginning"},
    {OPT_CHECKPOINT, "--checkpoint",
     "the merged state is rebuilt from the results topic"},
    {OPT_CHECKPOINT_INTERVAL, "--checkpoint-interval",
     "the merged state is rebuilt from the results topic"},
    {'w', "-w", "the windows come from the results topic's rows"},
    {'l', "-l", "the writers judged lateness"},
    {OPT_IDLE, "--idle", "windows are final when every partition's progress says so"},
    {OPT_NO_DEDUP, "--no-dedup", "the writers counted the records"},
    {OPT_MAX_USERS, "--max-users", "the writers counted the records"},
    {OPT_MAX_FUTURE, "--max-future", "the writers counted the records"},
    {OPT_MAX_RECORD, "--max-record", "the writers counted the records"},
    {OPT_LATE_FILE, "--late-file", "the writers counted the records"},
    {OPT_EMIT, "--emit", "windows are printed when final"},
    {OPT_TRIGGER, "--trigger", "windows are printed when final"},
    {OPT_LIVE, "--live", "not available for merged windows"},
    {OPT_LIVE_OUTPUT, "--live-output", "not available for merged windows"},
    {OPT_STATS_INTERVAL, "--stats-interval", "only --stats at the end"},
    {OPT_METRICS_FILE, "--metrics-file", "not available for merged windows"},
    {OPT_METRICS_INTERVAL, "--metrics-interval", "not available for merged windows"},
};

/* The index in merge_refused of option c, or -1. */
static int merge_refused_index(int c)
{
    for (size_t i = 0; i < sizeof merge_refused / sizeof *merge_refused; i++) {
        if (merge_refused[i].code == c) {
            return (int)i;
        }
    }
    return -1;
}

/* The name of option c when it is Kafka-only, else NULL. */
static const char *kafka_only_name(int c)
{
    for (size_t i = 0; i < sizeof kafka_only / sizeof *kafka_only; i++) {
        if (kafka_only[i].code == c) {
            return kafka_only[i].name;
        }
    }
    return NULL;
}

void tc_options_init(struct tc_options *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->topic = TG_KAFKA_DEFAULT_TOPIC;
    opts->offset = TC_OFFSET_BEGINNING;
    opts->connect_timeout_ms = TC_DEFAULT_CONNECT_TIMEOUT_MS;
    char err[64];
    tg_window_spec_parse("1m", &opts->windows[0], err, sizeof err);
    tg_window_spec_parse("10m/30s", &opts->windows[1], err, sizeof err);
    opts->nwindows = 2;
    opts->lateness_ms = TC_DEFAULT_LATENESS_MS;
    opts->dedup = true;
    opts->max_record = TC_DEFAULT_MAX_RECORD;
    opts->max_users = TC_DEFAULT_MAX_USERS;
    opts->max_future_ms = TC_DEFAULT_MAX_FUTURE_MS;
    opts->idle_ms = TC_IDLE_SLIDE;
    opts->emit = TC_EMIT_FINAL;
    opts->trigger_ms = TC_DEFAULT_TRIGGER_MS;
    opts->format = TC_FORMAT_TEXT;
    opts->checkpoint_interval_ms = TC_DEFAULT_CHECKPOINT_INTERVAL_MS;
    opts->commit_interval_ms = TC_DEFAULT_COMMIT_INTERVAL_MS;
    opts->stats_interval_ms = TC_DEFAULT_STATS_INTERVAL_MS;
    opts->metrics_interval_ms = TC_DEFAULT_METRICS_INTERVAL_MS;
    opts->stdin_terminal = isatty(STDIN_FILENO) == 1;
    opts->stdout_terminal = isatty(STDOUT_FILENO) == 1;
}

void tc_options_clear(struct tc_options *opts)
{
    if (opts == NULL) {
        return;
    }
    tg_kafka_conf_free(opts->kafka_conf);
    opts->kafka_conf = NULL;
    free(opts->partitions);
    opts->partitions = NULL;
    opts->npartitions = 0;
}

/* A duration option; 0 only where zero_ok.  Returns an enum
 * tc_options_result. */
static int parse_duration(const char *name, const char *text, bool zero_ok,
                          int64_t max_ms, int64_t *ms, char *err, size_t errlen)
{
    return tg_cli_duration(name, text, zero_ok, max_ms, ms, err, errlen) == 0
               ? TC_OPTIONS_RUN
               : TC_OPTIONS_USAGE;
}

/* A name option (topic, group, directory) that must not be empty. */
static int set_name(const char **dst, const char *option, const char *arg, char *err,
                    size_t errlen)
{
    if (arg[0] == '\0') {
        snprintf(err, errlen, "%s: empty name", option);
        return TC_OPTIONS_USAGE;
    }
    *dst = arg;
    return TC_OPTIONS_RUN;
}

/* One item of a -p list: a partition number, digits only (Kafka numbers
 * partitions from 0; a sign or blank is a typo, not a partition).
 * Returns 0, or -1 with err set. */
static int parse_partition(const char *item, size_t len, const char *list, int32_t *out,
                           char *err, size_t errlen)
{
    char text[16];
    uint64_t n;
    if (len == 0) {
        snprintf(err, errlen, "--partitions: empty item in '%s'", list);
        return -1;
    }
    if (len == 3 && strncmp(item, "all", 3) == 0) {
        snprintf(err, errlen, "--partitions: 'all' stands alone, got '%s'", list);
        return -1;
    }
    bool ok = len < sizeof text;
    if (ok) {
        memcpy(text, item, len);
        text[len] = '\0';
        ok = tg_parse_uint64(text, &n) == 0 && n <= INT32_MAX;
    }
    if (!ok) {
        snprintf(err, errlen,
                 "--partitions: expected partition numbers 0 to %d or all, got '%.*s'",
                 INT32_MAX, (int)len, item);
        return -1;
    }
    *out = (int32_t)n;
    return 0;
}

/* -p LIST|all; a later -p replaces an earlier one.  Returns an enum
 * tc_options_result. */
static int parse_partitions(struct tc_options *opts, const char *arg, char *err,
                            size_t errlen)
{
    free(opts->partitions);
    opts->partitions = NULL;
    opts->npartitions = 0;
    opts->assign = true;
    opts->assign_all = strcmp(arg, "all") == 0;
    if (opts->assign_all) {
        return TC_OPTIONS_RUN;
    }
    size_t max = 1;
    for (const char *c = arg; *c != '\0'; c++) {
        max += *c == ',';
    }
    opts->partitions = malloc(max * sizeof *opts->partitions);
    if (opts->partitions == NULL) {
        snprintf(err, errlen, "out of memory");
        return TC_OPTIONS_USAGE;
    }
    for (const char *item = arg;; item++) {
        size_t len = strcspn(item, ",");
        int32_t p;
        if (parse_partition(item, len, arg, &p, err, errlen) != 0) {
            return TC_OPTIONS_USAGE;
        }
        for (size_t i = 0; i < opts->npartitions; i++) {
            if (opts->partitions[i] == p) {
                snprintf(err, errlen, "--partitions: partition %" PRId32 " listed twice",
                         p);
                return TC_OPTIONS_USAGE;
            }
        }
        opts->partitions[opts->npartitions++] = p;
        item += len;
        if (*item == '\0') {
            return TC_OPTIONS_RUN;
        }
    }
}

/* One option; returns an enum tc_options_result. */
static int parse_one(struct tc_options *opts, int c, const char *arg, char *err,
                     size_t errlen)
{
    uint64_t n;
    switch (c) {
    case 'b':
        if (tg_cli_brokers("--brokers", arg, err, errlen) != 0) {
            return TC_OPTIONS_USAGE;
        }
        opts->brokers = arg;
        break;
    case 't':
        return set_name(&opts->topic, "--topic", arg, err, errlen);
    case 'G':
        return set_name(&opts->group, "--group", arg, err, errlen);
    case 'p':
        return parse_partitions(opts, arg, err, errlen);
    case 'o':
        if (strcmp(arg, "beginning") == 0) {
            opts->offset = TC_OFFSET_BEGINNING;
        } else if (strcmp(arg, "end") == 0) {
            opts->offset = TC_OFFSET_END;
        } else if (strcmp(arg, "stored") == 0) {
            opts->offset = TC_OFFSET_STORED;
        } else {
            snprintf(err, errlen, "--offset: expected beginning, end or stored, got '%s'",
                     arg);
            return TC_OPTIONS_USAGE;
        }
        break;
    case 'e':
        opts->exit_at_end = true;
        break;
    case 'X':
    case 'F':
    case 'd':
        return tg_cli_kafka_option(&opts->kafka_conf, c, arg, NULL, err, errlen);
    case OPT_ALLOW_DATA_LOSS:
        opts->allow_data_loss = true;
        break;
    case OPT_CONNECT_TIMEOUT:
        return parse_duration("--connect-timeout", arg, false, TG_CLI_DURATION_MAX_MS,
                              &opts->connect_timeout_ms, err, errlen);
    case 'w': {
        struct tg_window_spec spec;
        if (tg_cli_window("--window", arg, TC_ENGINE_MAX_SPAN_MS, &spec, err, errlen) !=
            0) {
            return TC_OPTIONS_USAGE;
        }
        /* The first -w replaces the default windows. */
        if (!opts->windows_given) {
            opts->windows_given = true;
            opts->nwindows = 0;
        }
        if (opts->nwindows == TC_MAX_WINDOWS) {
            snprintf(err, errlen, "--window: at most %d windows", TC_MAX_WINDOWS);
            return TC_OPTIONS_USAGE;
        }
        for (size_t i = 0; i < opts->nwindows; i++) {
            const struct tg_window_spec *w = &opts->windows[i];
            if (w->size_ms == spec.size_ms && w->slide_ms == spec.slide_ms) {
                snprintf(err, errlen, "--window: %s is the same window as %s", spec.text,
                         w->text);
                return TC_OPTIONS_USAGE;
            }
        }
        opts->windows[opts->nwindows++] = spec;
        break;
    }
    case 'l':
        return parse_duration("--lateness", arg, true, TC_ENGINE_MAX_SPAN_MS,
                              &opts->lateness_ms, err, errlen);
    case OPT_NO_DEDUP:
        opts->dedup = false;
        break;
    case OPT_EMIT:
        if (strcmp(arg, "final") == 0) {
            opts->emit = TC_EMIT_FINAL;
        } else if (strcmp(arg, "changes") == 0) {
            opts->emit = TC_EMIT_CHANGES;
        } else {
            snprintf(err, errlen, "--emit: expected final or changes, got '%s'", arg);
            return TC_OPTIONS_USAGE;
        }
        break;
    case OPT_TRIGGER:
        return parse_duration("--trigger", arg, false, TG_CLI_DURATION_MAX_MS,
                              &opts->trigger_ms, err, errlen);
    case 'n':
        if (tg_cli_count("--top", arg, 0, SIZE_MAX, &n, err, errlen) != 0) {
            return TC_OPTIONS_USAGE;
        }
        opts->top_n = (size_t)n;
        break;
    case 'f':
        if (strcmp(arg, "text") == 0) {
            opts->format = TC_FORMAT_TEXT;
        } else if (strcmp(arg, "csv") == 0) {
            opts->format = TC_FORMAT_CSV;
        } else if (strcmp(arg, "json") == 0) {
            opts->format = TC_FORMAT_JSON;
        } else {
            snprintf(err, errlen, "--format: expected text, csv or json, got '%s'", arg);
            return TC_OPTIONS_USAGE;
        }
        break;
    case OPT_CHECKPOINT:
        return set_name(&opts->checkpoint_dir, "--checkpoint", arg, err, errlen);
    case OPT_LATE_FILE:
        return set_name(&opts->late_file, "--late-file", arg, err, errlen);
    case OPT_LIVE:
        opts->live = true;
        break;
    case OPT_MERGE:
        opts->merge = true;
        break;
    case OPT_LIVE_OUTPUT:
        return set_name(&opts->live_output, "--live-output", arg, err, errlen);
    case OPT_OUTPUT_TOPIC:
        return set_name(&opts->output_topic, "--output-topic", arg, err, errlen);
    case OPT_TRANSACTIONAL_ID:
        return set_name(&opts->transactional_id, "--transactional-id", arg, err, errlen);
    case OPT_CHANGELOG_TOPIC:
        return set_name(&opts->changelog_topic, "--changelog-topic", arg, err, errlen);
    case OPT_COMMIT_INTERVAL:
        opts->commit_interval_given = true;
        return parse_duration("--commit-interval", arg, false, TG_CLI_DURATION_MAX_MS,
                              &opts->commit_interval_ms, err, errlen);
    case OPT_CHECKPOINT_INTERVAL:
        opts->checkpoint_interval_given = true;
        return parse_duration("--checkpoint-interval", arg, false, TG_CLI_DURATION_MAX_MS,
                              &opts->checkpoint_interval_ms, err, errlen);
    case OPT_STATS:
        opts->stats = true;
        break;
    case OPT_STATS_INTERVAL:
        return parse_duration("--stats-interval", arg, false, TG_CLI_DURATION_MAX_MS,
                              &opts->stats_interval_ms, err, errlen);
    case OPT_METRICS_FILE:
        return set_name(&opts->metrics_file, "--metrics-file", arg, err, errlen);
    case OPT_METRICS_INTERVAL:
        return parse_duration("--metrics-interval", arg, false, TG_CLI_DURATION_MAX_MS,
                              &opts->metrics_interval_ms, err, errlen);
    case OPT_MAX_RECORD:
        if (tg_cli_size("--max-record", arg, 1, TC_MAX_RECORD_LIMIT, &n, err, errlen) !=
            0) {
            return TC_OPTIONS_USAGE;
        }
        opts->max_record = (size_t)n;
        break;
    case OPT_MAX_USERS:
        if (tg_cli_count("--max-users", arg, 1, TC_MAX_USERS_LIMIT, &n, err, errlen) !=
            0) {
            return TC_OPTIONS_USAGE;
        }
        opts->max_users = (size_t)n;
        break;
    case OPT_MAX_FUTURE:
        if (strcmp(arg, "off") == 0) {
            opts->max_future_ms = TC_MAX_FUTURE_OFF;
            return TC_OPTIONS_RUN;
        }
        return parse_duration("--max-future", arg, true, TG_CLI_DURATION_MAX_MS,
                              &opts->max_future_ms, err, errlen);
    case OPT_IDLE:
        /* "off", not 0: a zero idle time would read as "advance at once". */
        if (strcmp(arg, "off") == 0) {
            opts->idle_ms = TC_IDLE_OFF;
            return TC_OPTIONS_RUN;
        }
        return parse_duration("--idle", arg, false, TG_CLI_DURATION_MAX_MS,
                              &opts->idle_ms, err, errlen);
    case 'q':
        opts->verbosity--;
        break;
    case 'v':
        opts->verbosity++;
        break;
    case 'h':
        return TC_OPTIONS_HELP;
    case 'V':
        return TC_OPTIONS_VERSION;
    default:
        snprintf(err, errlen, "option not handled (try --help)");
        return TC_OPTIONS_USAGE;
    }
    return TC_OPTIONS_RUN;
}

/* kcat's rule: no -G (nor group.id from -X/-F), no group.  Without one,
 * tgcount assigns itself every partition (unless -p chose some) and starts
 * at the beginning (unless -o says otherwise); with one, it starts at the
 * stored offsets.  Returns an enum tc_options_result. */
static int resolve_group(struct tc_options *opts, bool offset_given, char *err,
                         size_t errlen)
{
    char group_id[1024];
    opts->in_group =
        opts->group != NULL || (opts->kafka_conf != NULL &&
                                tg_kafka_conf_get(opts->kafka_conf, "group.id", group_id,
                                                  sizeof group_id) == 0 &&
                                group_id[0] != '\0');
    if (!offset_given) {
        opts->offset = opts->in_group ? TC_OFFSET_STORED : TC_OFFSET_BEGINNING;
    }
    if (opts->offset == TC_OFFSET_STORED && !opts->in_group) {
        snprintf(err, errlen,
                 "-o stored needs a consumer group (-G): without one no offsets are "
                 "stored");
        return TC_OPTIONS_USAGE;
    }
    if (!opts->in_group && !opts->assign) {
        opts->assign = true;
        opts->assign_all = true;
    }
    return TC_OPTIONS_RUN;
}

/* --output-topic and its options.  The consumed offsets are committed to
 * the group inside each transaction, so a group is needed; the options that
 * only tune it mean nothing without it.  Returns an enum tc_options_result. */
static int check_output_topic(const struct tc_options *opts, char *err, size_t errlen)
{
    if (opts->output_topic == NULL) {
        const char *alone = opts->transactional_id != NULL  ? "--transactional-id"
                            : opts->commit_interval_given   ? "--commit-interval"
                            : opts->changelog_topic != NULL ? "--changelog-topic"
                                                            : NULL;
        if (alone != NULL) {
            snprintf(err, errlen, "%s: only with --output-topic", alone);
            return TC_OPTIONS_USAGE;
        }
        return TC_OPTIONS_RUN;
    }
    if (!opts->in_group) {
        snprintf(err, errlen,
                 "--output-topic needs a consumer group (-G GROUP): the transactions "
                 "commit the consumed offsets to it");
        return TC_OPTIONS_USAGE;
    }
    if (opts->checkpoint_dir != NULL) {
        snprintf(err, errlen,
                 "--checkpoint: with --output-topic the state changelog holds the state "
                 "(see --changelog-topic)");
        return TC_OPTIONS_USAGE;
    }
    if (opts->checkpoint_interval_given) {
        snprintf(err, errlen,
                 "--checkpoint-interval: with --output-topic the state is committed with "
                 "each transaction (see --commit-interval)");
        return TC_OPTIONS_USAGE;
    }
    if (opts->changelog_topic != NULL &&
        (strcmp(opts->changelog_topic, opts->topic) == 0 ||
         strcmp(opts->changelog_topic, opts->output_topic) == 0)) {
        snprintf(err, errlen, "--changelog-topic %s: that is the %s topic",
                 opts->changelog_topic,
                 strcmp(opts->changelog_topic, opts->topic) == 0 ? "input" : "output");
        return TC_OPTIONS_USAGE;
    }
    if (strcmp(opts->output_topic, opts->topic) == 0) {
        snprintf(err, errlen, "--output-topic %s: that is the input topic",
                 opts->output_topic);
        return TC_OPTIONS_USAGE;
    }
    return TC_OPTIONS_RUN;
}

/* Refuses window sets whose windows overlap more than the engine allows
 * (TC_ENGINE_MAX_OVERLAP).  Returns 0, or -1 with err set. */
static int check_overlap(const struct tc_options *opts, char *err, size_t errlen)
{
    int64_t overlap = 0;
    for (size_t i = 0; i < opts->nwindows; i++) {
        overlap += tc_window_overlap(&opts->windows[i]);
    }
    if (overlap <= TC_ENGINE_MAX_OVERLAP) {
        return 0;
    }
    snprintf(err, errlen,
             "--window: the windows overlap too much: each record would be in %" PRId64
             " windows at once (size/slide, rounded up, summed over the specs; at most "
             "%d): make a slide larger",
             overlap, TC_ENGINE_MAX_OVERLAP);
    return -1;
}

int tc_options_parse(struct tc_options *opts, int argc, char **argv, char *err,
                     size_t errlen)
{
    tg_cli_begin();
    const char *kafka_option = NULL; /* the first Kafka-only option given */
    bool offset_given = false;
    bool topic_given = false;
    int refused = -1; /* the first option given that --merge refuses */
    int c;
    while ((c = tg_cli_next_option(argc, argv, short_options, long_options, err,
                                   errlen)) != -1) {
        if (c == '?') {
            return TC_OPTIONS_USAGE;
        }
        int r = parse_one(opts, c, optarg, err, errlen);
        if (r != TC_OPTIONS_RUN) {
            return r;
        }
        if (kafka_option == NULL) {
            kafka_option = kafka_only_name(c);
        }
        offset_given = offset_given || c == 'o';
        topic_given = topic_given || c == 't';
        if (refused < 0) {
            refused = merge_refused_index(c);
        }
    }
    if (opts->merge && refused >= 0) {
        snprintf(err, errlen, "%s does not apply with --merge: %s",
                 merge_refused[refused].name, merge_refused[refused].why);
        return TC_OPTIONS_USAGE;
    }
    if (check_overlap(opts, err, errlen) != 0) {
        return TC_OPTIONS_USAGE;
    }
    if (opts->live_output != NULL && !opts->live) {
        snprintf(err, errlen, "--live-output: only with --live");
        return TC_OPTIONS_USAGE;
    }
    /* The screen is drawn on stdout; redirected, it would be a file full
     * of escape sequences. */
    if (opts->live && !opts->stdout_terminal) {
        snprintf(err, errlen, "--live needs a terminal on stdout");
        return TC_OPTIONS_USAGE;
    }
    opts->files = argv + optind;
    opts->nfiles = (size_t)(argc - optind);
    /* The input is what the user gave: FILE operands, else Kafka when the
     * command line asks for it, else stdin, unless stdin is a terminal
     * (nothing was piped in) and the environment names brokers. */
    if (opts->nfiles > 0 && kafka_option != NULL) {
        snprintf(err, errlen, "%s: Kafka input only, but FILE operands were given",
                 kafka_option);
        return TC_OPTIONS_USAGE;
    }
    opts->kafka_by_option = kafka_option != NULL;
    opts->use_kafka =
        opts->kafka_by_option || (opts->nfiles == 0 && opts->stdin_terminal &&
                                  tg_kafka_brokers_requested(NULL) != NULL);
    if (!opts->use_kafka) {
        return TC_OPTIONS_RUN;
    }
    /* The default topic holds records, not rows: every message would be
     * malformed. */
    if (opts->merge && !topic_given) {
        snprintf(err, errlen, "--merge needs the results topic: -t TOPIC");
        return TC_OPTIONS_USAGE;
    }
    /* Before resolve_group: the default properties file may set group.id. */
    int kafka = tg_cli_kafka_finish(&opts->kafka_conf, NULL, err, errlen);
    if (kafka == TC_OPTIONS_CONFIG) {
        return kafka;
    }
    int group = resolve_group(opts, offset_given, err, errlen);
    if (group == TC_OPTIONS_RUN) {
        group = check_output_topic(opts, err, errlen);
    }
    return group != TC_OPTIONS_RUN ? group : kafka;
}

void tc_options_pipeline_config(const struct tc_options *opts,
                                struct tc_pipeline_config *cfg)
{
    *cfg = (struct tc_pipeline_config){
        .windows = opts->windows,
        .nwindows = opts->nwindows,
        .lateness_ms = opts->lateness_ms,
        .dedup = opts->dedup,
        .emit = opts->emit,
        .trigger_ms = opts->trigger_ms,
        .top_n = opts->top_n,
        .format = opts->format,
        .max_users = opts->max_users,
        .stats = opts->stats,
        .stats_periodic = opts->use_kafka && !opts->exit_at_end,
        .stats_interval_ms = opts->stats_interval_ms,
        .metrics_file = opts->metrics_file,
        .metrics_interval_ms = opts->metrics_interval_ms,
        .checkpoint_dir = opts->checkpoint_dir,
        .topic = opts->topic,
        .late_file = opts->late_file,
    };
}

void tc_options_read_rules(const struct tc_options *opts, struct tc_read_rules *rules)
{
    *rules = (struct tc_read_rules){
        .max_record = opts->max_record,
        .max_future_ms = opts->max_future_ms,
        .keep_line = opts->late_file != NULL,
    };
}

int64_t tc_options_idle_ms(const struct tc_options *opts, int64_t min_slide_ms)
{
    return opts->idle_ms == TC_IDLE_SLIDE ? min_slide_ms : opts->idle_ms;
}

void tc_options_version(FILE *out)
{
    char line[256];
    tg_cli_version(line, sizeof line, "tgcount", NULL);
    fprintf(out, "%s\n", line);
}
