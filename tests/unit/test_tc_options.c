/* tgcount's command line: defaults, each option, errors and their kinds. */
#include <stdlib.h>
#include <string.h>

#include "tc_options.h"
#include "tg_test.h"

static struct tc_options opts;
static char err[512];
/* What parse() tells the parser about stdin. */
static bool stdin_terminal;

/* Parses a space-separated command line (tokens must not contain spaces). */
static int parse(const char *line)
{
    static char buf[1024];
    static char *argv[64];
    snprintf(buf, sizeof buf, "tgcount %s", line);
    int argc = 0;
    for (char *tok = strtok(buf, " "); tok != NULL && argc < 63;
         tok = strtok(NULL, " ")) {
        argv[argc++] = tok;
    }
    argv[argc] = NULL;
    tc_options_clear(&opts);
    tc_options_init(&opts);
    opts.stdin_terminal = stdin_terminal;
    err[0] = '\0';
    return tc_options_parse(&opts, argc, argv, err, sizeof err);
}

static void test_defaults(void)
{
    unsetenv("KAFKA_BOOTSTRAP_SERVERS");
    CHECK_INT(parse(""), TC_OPTIONS_RUN);
    CHECK_INT(opts.nwindows, 2);
    CHECK_STR(opts.windows[0].text, "1m");
    CHECK_STR(opts.windows[1].text, "10m/30s");
    CHECK_INT(opts.lateness_ms, 30000);
    CHECK(opts.dedup);
    CHECK_INT(opts.emit, TC_EMIT_FINAL);
    CHECK_INT(opts.trigger_ms, 30000);
    CHECK_INT(opts.top_n, 0);
    CHECK_INT(opts.format, TC_FORMAT_TEXT);
    CHECK_INT(opts.max_record, 1024 * 1024);
    CHECK_STR(opts.topic, "telegram_messages");
    CHECK(opts.group == NULL);
    CHECK(!opts.in_group);
    CHECK_INT(opts.checkpoint_interval_ms, 5000);
    CHECK_INT(opts.connect_timeout_ms, 30000);
    CHECK(!opts.assign);
    CHECK(!opts.use_kafka);
    CHECK_INT(opts.nfiles, 0);
}

static void test_values(void)
{
    CHECK_INT(
        parse("-w 45s/20s --window 1h -l 0 --no-dedup --emit changes --trigger 5s "
              "-n 10 -f csv --stats --max-record 4K --max-users 7 -q -v -v a.jsonl -"),
        TC_OPTIONS_RUN);
    CHECK_INT(opts.nwindows, 2);
    CHECK_STR(opts.windows[0].text, "45s/20s");
    CHECK_INT(opts.windows[0].size_ms, 45000);
    CHECK_INT(opts.windows[0].slide_ms, 20000);
    CHECK_INT(opts.windows[1].size_ms, 3600000);
    CHECK_INT(opts.lateness_ms, 0);
    CHECK(!opts.dedup);
    CHECK_INT(opts.emit, TC_EMIT_CHANGES);
    CHECK_INT(opts.trigger_ms, 5000);
    CHECK_INT(opts.top_n, 10);
    CHECK_INT(opts.format, TC_FORMAT_CSV);
    CHECK(opts.stats);
    CHECK_INT(opts.max_record, 4096);
    CHECK_INT(opts.max_users, 7);
    CHECK_INT(opts.verbosity, 1);
    CHECK_INT(opts.nfiles, 2);
    CHECK_STR(opts.files[0], "a.jsonl");
    CHECK_STR(opts.files[1], "-");
    CHECK(!opts.use_kafka);
}

static void test_kafka(void)
{
    CHECK_INT(parse("-b 127.0.0.1:9 -t t1 -G g1 -o beginning -e --connect-timeout 2s "
                    "--checkpoint /tmp/x --checkpoint-interval 1s"),
              TC_OPTIONS_RUN);
    CHECK(opts.use_kafka);
    CHECK_STR(opts.brokers, "127.0.0.1:9");
    CHECK_STR(opts.topic, "t1");
    CHECK_STR(opts.group, "g1");
    CHECK_INT(opts.offset, TC_OFFSET_BEGINNING);
    CHECK(opts.exit_at_end);
    CHECK_INT(opts.connect_timeout_ms, 2000);
    CHECK_STR(opts.checkpoint_dir, "/tmp/x");
    CHECK_INT(opts.checkpoint_interval_ms, 1000);
    CHECK(opts.kafka_by_option);
    CHECK(!opts.allow_data_loss);
    CHECK_INT(parse("--allow-data-loss -e"), TC_OPTIONS_RUN);
    CHECK(opts.allow_data_loss && opts.use_kafka);
    CHECK_INT(parse("-X bootstrap.servers=127.0.0.1:9"), TC_OPTIONS_RUN);
    CHECK(opts.use_kafka);
    /* Any Kafka-only option chooses Kafka, brokers or not. */
    CHECK_INT(parse("-t t1"), TC_OPTIONS_RUN);
    CHECK(opts.use_kafka);
    CHECK_INT(parse("--checkpoint /tmp/x"), TC_OPTIONS_RUN);
    CHECK(opts.use_kafka && opts.kafka_by_option);
    CHECK_INT(parse("-w 1m"), TC_OPTIONS_RUN);
    CHECK(!opts.use_kafka);
}

/* The input is what the user gave: FILE operands or a stdin that is not a
 * terminal are read whatever the environment says; with FILEs a Kafka-only
 * option is refused, naming it. */
static void test_input_choice(void)
{
    setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9", 1);
    stdin_terminal = true;
    CHECK_INT(parse(""), TC_OPTIONS_RUN);
    CHECK(opts.use_kafka);
    CHECK(!opts.kafka_by_option);
    CHECK_INT(parse("f.jsonl"), TC_OPTIONS_RUN);
    CHECK(!opts.use_kafka);
    CHECK_INT(parse("-"), TC_OPTIONS_RUN);
    CHECK(!opts.use_kafka);
    stdin_terminal = false; /* a pipe or a file on stdin */
    CHECK_INT(parse("-w 1m"), TC_OPTIONS_RUN);
    CHECK(!opts.use_kafka);
    CHECK_INT(parse("-e"), TC_OPTIONS_RUN);
    CHECK(opts.use_kafka && opts.kafka_by_option);
    unsetenv("KAFKA_BOOTSTRAP_SERVERS");
    stdin_terminal = true;
    CHECK_INT(parse(""), TC_OPTIONS_RUN);
    CHECK(!opts.use_kafka);
    stdin_terminal = false;

    /* An empty broker list would fall back to another source of brokers. */
    char a0[] = "tgcount", a1[] = "-b", a2[] = "", a3[] = "-e";
    char *empty_b[] = {a0, a1, a2, a3, NULL};
    tc_options_clear(&opts);
    tc_options_init(&opts);
    CHECK_INT(tc_options_parse(&opts, 4, empty_b, err, sizeof err), TC_OPTIONS_USAGE);
    CHECK_STR(err, "--brokers: expected host:port[,host:port...], got an empty list");

    CHECK_INT(parse("-b 127.0.0.1:9 f.jsonl"), TC_OPTIONS_USAGE);
    CHECK_STR(err, "-b: Kafka input only, but FILE operands were given");
    CHECK_INT(parse("-w 1m --topic t1 -G g - f.jsonl"), TC_OPTIONS_USAGE);
    CHECK_STR(err, "-t: Kafka input only, but FILE operands were given");
}

/* Every option --help lists under "Kafka input", or says is for Kafka input
 * only, is refused with FILE operands: the table of Kafka-only options in
 * tc_options.c cannot miss one that --help documents. */
static void test_kafka_only_table(void)
{
    static const struct {
        const char *name, *arg; /* arg NULL: takes none */
    } samples[] = {
        {"--brokers", "127.0.0.1:9"},
        {"--topic", "t1"},
        {"--group", "g1"},
        {"--partitions", "0"},
        {"--offset", "end"},
        {"--exit-at-end", NULL},
        {"-X", "client.id=x"},
        {"-F", "/dev/null"},
        {"-d", "broker"},
        {"--connect-timeout", "1s"},
        {"--checkpoint", "/tmp/x"},
        {"--checkpoint-interval", "1s"},
        {"--output-topic", "results"},
        {"--transactional-id", "t1"},
        {"--commit-interval", "1s"},
        {"--changelog-topic", "cl"},
        {"--allow-data-loss", NULL},
        {"--merge", NULL},
    };
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    tc_options_help(f);
    fclose(f);
    bool in_section = false;
    int checked = 0;
    char option[64] = "";
    char *rest = NULL; /* parse() uses strtok */
    for (char *line = strtok_r(buf, "\n", &rest); line != NULL;
         line = strtok_r(NULL, "\n", &rest)) {
        if (line[0] != ' ') {
            in_section = strcmp(line, "Kafka input:") == 0;
            option[0] = '\0';
            continue;
        }
        const char *p = line + strspn(line, " ");
        bool kafka_only = strstr(line, "Kafka input only") != NULL;
        if (*p == '-') {
            /* "-b, --brokers LIST ..." or "-X NAME=VALUE ...": the long
             * name when there is one. */
            size_t n = strcspn(p, ", ");
            if (p[n] == ',')
                p += n + 2;
            snprintf(option, sizeof option, "%.*s", (int)strcspn(p, " "), p);
            kafka_only = kafka_only || in_section;
        }
        if (!kafka_only || option[0] == '\0')
            continue;
        size_t i = 0;
        while (i < sizeof samples / sizeof *samples &&
               strcmp(samples[i].name, option) != 0)
            i++;
        if (i == sizeof samples / sizeof *samples) {
            printf("  %s: Kafka-only in --help, no sample value in this test\n", option);
            CHECK(0);
            continue;
        }
        char line_args[160];
        snprintf(line_args, sizeof line_args, "%s %s f.jsonl", option,
                 samples[i].arg ? samples[i].arg : "");
        if (parse(line_args) != TC_OPTIONS_USAGE ||
            strstr(err, ": Kafka input only, but FILE operands were given") == NULL) {
            printf("  %s with a FILE: '%s'\n", option, err);
            CHECK(0);
        }
        checked++;
        option[0] = '\0'; /* once per option */
    }
    free(buf);
    CHECK_INT(checked, (int)(sizeof samples / sizeof *samples));
    CHECK_INT(parse("-X no.such.property=1"), TC_OPTIONS_CONFIG);
    CHECK(err[0] != '\0');
    CHECK_INT(parse("-F /nonexistent/props"), TC_OPTIONS_CONFIG);
    /* kcat's -X list stops at once (nothing after it is read), -X dump
     * once every option was read. */
    CHECK_INT(parse("-X list -X no.such.property=1"), TC_OPTIONS_KAFKA_LIST);
    CHECK_INT(parse("-X dump -G g"), TC_OPTIONS_KAFKA_DUMP);
    CHECK(opts.in_group);
    CHECK_INT(parse("-X dump -X no.such.property=1"), TC_OPTIONS_CONFIG);
    CHECK_INT(parse("-o middle"), TC_OPTIONS_USAGE);
}

/* kcat's rule: no -G, no group.  Without one, every partition is assigned
 * by tgcount, from the beginning, and -o stored has nothing to read. */
static void test_groups(void)
{
    CHECK_INT(parse("-b 127.0.0.1:9 -e"), TC_OPTIONS_RUN);
    CHECK(!opts.in_group);
    CHECK(opts.group == NULL);
    CHECK(opts.assign && opts.assign_all);
    CHECK_INT(opts.offset, TC_OFFSET_BEGINNING);
    CHECK_INT(parse("-b 127.0.0.1:9 -o end"), TC_OPTIONS_RUN);
    CHECK_INT(opts.offset, TC_OFFSET_END);
    CHECK_INT(parse("-b 127.0.0.1:9 -o stored"), TC_OPTIONS_USAGE);
    CHECK_STR(err, "-o stored needs a consumer group (-G): without one no offsets are "
                   "stored");
    CHECK_INT(parse("-b 127.0.0.1:9 -p 1,2 -o stored"), TC_OPTIONS_USAGE);

    CHECK_INT(parse("-b 127.0.0.1:9 -G g1"), TC_OPTIONS_RUN);
    CHECK(opts.in_group);
    CHECK(!opts.assign && !opts.assign_all);
    CHECK_INT(opts.offset, TC_OFFSET_STORED);
    CHECK_INT(parse("-b 127.0.0.1:9 -G g1 -o beginning"), TC_OPTIONS_RUN);
    CHECK_INT(opts.offset, TC_OFFSET_BEGINNING);
    /* -p with -G: assigned by tgcount, offsets in the group. */
    CHECK_INT(parse("-b 127.0.0.1:9 -G g1 -p 3"), TC_OPTIONS_RUN);
    CHECK(opts.in_group && opts.assign && !opts.assign_all);
    CHECK_INT(opts.offset, TC_OFFSET_STORED);
    /* A group.id from -X (or -F) is a group too. */
    CHECK_INT(parse("-b 127.0.0.1:9 -X group.id=g2"), TC_OPTIONS_RUN);
    CHECK(opts.in_group && opts.group == NULL && !opts.assign);
    CHECK_INT(opts.offset, TC_OFFSET_STORED);
    CHECK_INT(parse("-b 127.0.0.1:9 -X group.id="), TC_OPTIONS_RUN);
    CHECK(!opts.in_group && opts.assign_all);
}

static void test_partitions(void)
{
    CHECK_INT(parse("-b 127.0.0.1:9 -p 5,0,2147483647,02"), TC_OPTIONS_RUN);
    CHECK(opts.assign);
    CHECK(!opts.assign_all);
    CHECK_INT(opts.npartitions, 4);
    CHECK_INT(opts.partitions[0], 5);
    CHECK_INT(opts.partitions[1], 0);
    CHECK_INT(opts.partitions[2], INT32_MAX);
    CHECK_INT(opts.partitions[3], 2);
    CHECK_INT(parse("-b 127.0.0.1:9 --partitions all"), TC_OPTIONS_RUN);
    CHECK(opts.assign);
    CHECK(opts.assign_all);
    CHECK_INT(opts.npartitions, 0);
    /* A later -p replaces an earlier one. */
    CHECK_INT(parse("-b 127.0.0.1:9 -p all -p 3"), TC_OPTIONS_RUN);
    CHECK(!opts.assign_all);
    CHECK_INT(opts.npartitions, 1);
    CHECK_INT(opts.partitions[0], 3);
    CHECK_INT(parse("-b 127.0.0.1:9 -p 1,2 -p all"), TC_OPTIONS_RUN);
    CHECK(opts.assign_all);
    CHECK_INT(opts.npartitions, 0);

    const char *bad[] = {
        "-p 0,,2",  "-p ,1",      "-p 1,",         "-p ,",
        "-p 1,all", "-p all,all", "-p ALL",        "-p -1",
        "-p +1",    "-p 1x",      "-p 2147483648", "-p 99999999999999999999",
        "-p 1,2,1", "-p 0,00",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char line[128];
        snprintf(line, sizeof line, "-b 127.0.0.1:9 %s", bad[i]);
        if (parse(line) != TC_OPTIONS_USAGE) {
            printf("  '%s' accepted\n", bad[i]);
            CHECK(0);
        }
        CHECK(err[0] != '\0');
    }
    CHECK_INT(parse("-b 127.0.0.1:9 -p 0,,2"), TC_OPTIONS_USAGE);
    CHECK_STR(err, "--partitions: empty item in '0,,2'");
    CHECK_INT(parse("-b 127.0.0.1:9 -p 4,1,4"), TC_OPTIONS_USAGE);
    CHECK_STR(err, "--partitions: partition 4 listed twice");
    CHECK_INT(parse("-b 127.0.0.1:9 -p 2147483648"), TC_OPTIONS_USAGE);
    CHECK_STR(err, "--partitions: expected partition numbers 0 to 2147483647 or all, "
                   "got '2147483648'");
    /* Files and stdin have no partitions, as they have no offsets. */
    CHECK_INT(parse("-p 0 f.jsonl"), TC_OPTIONS_USAGE);
    CHECK_STR(err, "-p: Kafka input only, but FILE operands were given");
    CHECK_INT(parse("-p all"), TC_OPTIONS_RUN);
    CHECK(opts.use_kafka);
}

static void test_errors(void)
{
    const char *bad[] = {
        "-w 0s",
        "-w 30s/1m",
        "-w nonsense",
        "-l -5s",
        "--emit sometimes",
        "-f xml",
        "-n -1",
        "-n x",
        "--trigger 0",
        "--trigger 0s",
        "-l 1.5s",
        "--max-record 0",
        "--max-users 0",
        "--bogus",
        "-w",
        "-Z",
        "--checkpoint /tmp/x f.jsonl",
        "--checkpoint-interval 1s -",
        "-w 4000d",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int r = parse(bad[i]);
        if (r != TC_OPTIONS_USAGE) {
            printf("  '%s' gave %d\n", bad[i], r);
            CHECK(0);
        }
        CHECK(err[0] != '\0');
    }
    char many[1024] = "";
    for (int i = 0; i <= TC_MAX_WINDOWS; i++) {
        strcat(many, "-w 1m ");
    }
    CHECK_INT(parse(many), TC_OPTIONS_USAGE);
}

/* Durations and counts follow tg_cli, as in tgproducer: a bare number is
 * seconds, the same refusals in the same words. */
static void test_shared_syntax(void)
{
    CHECK_INT(parse("--lateness 60 --trigger 90 --connect-timeout 5 "
                    "--checkpoint-interval 2 --stats-interval 1m30s"),
              TC_OPTIONS_RUN);
    CHECK_INT(opts.lateness_ms, 60000);
    CHECK_INT(opts.trigger_ms, 90000);
    CHECK_INT(opts.connect_timeout_ms, 5000);
    CHECK_INT(opts.checkpoint_interval_ms, 2000);
    CHECK_INT(opts.stats_interval_ms, 90000);
    CHECK_INT(parse("-l 0s"), TC_OPTIONS_RUN);
    CHECK_INT(opts.lateness_ms, 0);
    CHECK_INT(parse("-l 3660d"), TC_OPTIONS_RUN);
    CHECK_INT(opts.lateness_ms, INT64_C(3660) * 86400000);
    CHECK_INT(parse("-w 60 -w 120/30"), TC_OPTIONS_RUN);
    CHECK_STR(opts.windows[0].text, "60");
    CHECK_INT(opts.windows[0].size_ms, 60000);
    CHECK_INT(opts.windows[1].size_ms, 120000);
    CHECK_INT(opts.windows[1].slide_ms, 30000);

    CHECK_INT(parse("--lateness 1.5s"), TC_OPTIONS_USAGE);
    CHECK_STR(err, "--lateness: invalid duration \"1.5s\": expected a unit (ms, s, m, h "
                   "or d)");
    CHECK_INT(opts.max_future_ms, TC_DEFAULT_MAX_FUTURE_MS);
    CHECK_INT(parse("--max-future off"), TC_OPTIONS_RUN);
    CHECK_INT(opts.max_future_ms, TC_MAX_FUTURE_OFF);
    CHECK_INT(parse("--max-future 0"), TC_OPTIONS_RUN);
    CHECK_INT(opts.max_future_ms, 0);
    CHECK_INT(parse("--max-future 90"), TC_OPTIONS_RUN);
    CHECK_INT(opts.max_future_ms, 90000);
    CHECK_INT(parse("--max-future never"), TC_OPTIONS_USAGE);
    CHECK_INT(parse("-w 1m -w 60"), TC_OPTIONS_USAGE);
    CHECK_STR(err, "--window: 60 is the same window as 1m");
    CHECK_INT(parse("-w 10000s/1s"), TC_OPTIONS_RUN);
    CHECK_INT(parse("-w 10001s/1s"), TC_OPTIONS_USAGE);
    CHECK(strstr(err, "each record would be in 10001 windows at once") != NULL);
    CHECK_INT(parse("--trigger 0"), TC_OPTIONS_USAGE);
    CHECK_STR(err, "--trigger: duration \"0\" must be positive");
    CHECK_INT(parse("-l 3661d"), TC_OPTIONS_USAGE);
    CHECK_STR(err, "--lateness: 3661d is too long (at most 3660d)");
    CHECK_INT(parse("-w 4000d"), TC_OPTIONS_USAGE);
    CHECK_STR(err, "--window: 4000d is too long (at most 3660d)");
    CHECK_INT(parse("--max-record 2048M"), TC_OPTIONS_USAGE);
    CHECK_STR(err, "--max-record: expected a size from 1 to 1024M (K and M suffixes "
                   "allowed), got '2048M'");
    CHECK_INT(parse("--max-users 4294967294"), TC_OPTIONS_USAGE);
    CHECK_STR(err, "--max-users: expected a whole number from 1 to 4294967293, got "
                   "'4294967294'");
    CHECK_INT(parse("--max-users 4294967293"), TC_OPTIONS_RUN);
    CHECK_INT(parse("-n x"), TC_OPTIONS_USAGE);
    CHECK(strstr(err, "--top: expected a whole number from 0 to ") == err);

    CHECK_INT(parse("--bogus=SECRET"), TC_OPTIONS_USAGE);
    CHECK_STR(err, "unknown option: --bogus (try --help)");
    CHECK_INT(parse("--stats=SECRET"), TC_OPTIONS_USAGE);
    CHECK_STR(err, "option takes no argument: --stats (try --help)");
    CHECK_INT(parse("-w"), TC_OPTIONS_USAGE);
    CHECK_STR(err, "option needs an argument: -w (try --help)");
    CHECK_INT(parse("-X nothing"), TC_OPTIONS_CONFIG);
    CHECK_STR(err, "-X: expected name=value");
    CHECK_INT(parse("-F /nonexistent/props"), TC_OPTIONS_CONFIG);
    CHECK_STR(err, "-F: /nonexistent/props: No such file or directory");
}

/* --idle: the smallest slide by default, a positive duration, or "off";
 * the same with files and with Kafka (its follow mode's quiet rule). */
static void test_idle(void)
{
    CHECK_INT(parse("-w 45s/20s -w 1m"), TC_OPTIONS_RUN);
    CHECK_INT(opts.idle_ms, TC_IDLE_SLIDE);
    CHECK_INT(tc_options_idle_ms(&opts, 20000), 20000);
    CHECK_INT(parse("--idle 1s500ms"), TC_OPTIONS_RUN);
    CHECK_INT(opts.idle_ms, 1500);
    CHECK_INT(parse("--idle 2s"), TC_OPTIONS_RUN);
    CHECK_INT(opts.idle_ms, 2000);
    CHECK_INT(tc_options_idle_ms(&opts, 20000), 2000);
    CHECK_INT(parse("--idle 250ms -"), TC_OPTIONS_RUN);
    CHECK_INT(opts.idle_ms, 250);
    CHECK(!opts.use_kafka);
    CHECK_INT(parse("--idle 90"), TC_OPTIONS_RUN);
    CHECK_INT(opts.idle_ms, 90000);
    CHECK_INT(parse("--idle off"), TC_OPTIONS_RUN);
    CHECK_INT(opts.idle_ms, TC_IDLE_OFF);
    CHECK(tc_options_idle_ms(&opts, 20000) < 0);
    /* Not Kafka-only: it applies to Kafka follow mode as well. */
    CHECK_INT(parse("-b 127.0.0.1:9 --idle 5s"), TC_OPTIONS_RUN);
    CHECK(opts.use_kafka);
    CHECK_INT(opts.idle_ms, 5000);
    CHECK_INT(parse("--idle banana"), TC_OPTIONS_USAGE);
    CHECK(strstr(err, "--idle: invalid duration \"banana\"") == err);
    CHECK_INT(parse("--idle 0"), TC_OPTIONS_USAGE);
    CHECK_STR(err, "--idle: duration \"0\" must be positive");
    CHECK_INT(parse("--idle OFF"), TC_OPTIONS_USAGE);
    CHECK_INT(parse("--idle"), TC_OPTIONS_USAGE);
    CHECK_STR(err, "option needs an argument: --idle (try --help)");
}

/* What the pipeline gets from the options. */
static void test_pipeline_config(void)
{
    struct tc_pipeline_config cfg;
    CHECK_INT(
        parse("-w 45s/20s -l 5s --no-dedup --emit changes --trigger 2s -n 3 -f json "
              "--max-users 9 --stats --stats-interval 4s"),
        TC_OPTIONS_RUN);
    tc_options_pipeline_config(&opts, &cfg);
    CHECK(cfg.windows == opts.windows);
    CHECK_INT(cfg.nwindows, 1);
    CHECK_INT(cfg.lateness_ms, 5000);
    CHECK(!cfg.dedup);
    CHECK_INT(cfg.emit, TC_EMIT_CHANGES);
    CHECK_INT(cfg.trigger_ms, 2000);
    CHECK_INT(cfg.top_n, 3);
    CHECK_INT(cfg.format, TC_FORMAT_JSON);
    CHECK_INT(cfg.max_users, 9);
    CHECK(cfg.stats);
    CHECK(!cfg.stats_periodic); /* files: no follow mode */
    CHECK_INT(cfg.stats_interval_ms, 4000);
    CHECK(cfg.checkpoint_dir == NULL);
    CHECK_STR(cfg.topic, "telegram_messages");
    /* Periodic stats only in Kafka follow mode. */
    CHECK_INT(parse("-b 127.0.0.1:9 -t t2 --checkpoint /tmp/x"), TC_OPTIONS_RUN);
    tc_options_pipeline_config(&opts, &cfg);
    CHECK(cfg.stats_periodic);
    CHECK_STR(cfg.checkpoint_dir, "/tmp/x");
    CHECK_STR(cfg.topic, "t2");
    CHECK_INT(parse("-b 127.0.0.1:9 -e"), TC_OPTIONS_RUN);
    tc_options_pipeline_config(&opts, &cfg);
    CHECK(!cfg.stats_periodic);
}

static void test_help_version(void)
{
    CHECK_INT(parse("--help"), TC_OPTIONS_HELP);
    CHECK_INT(parse("-h"), TC_OPTIONS_HELP);
    CHECK_INT(parse("--version"), TC_OPTIONS_VERSION);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    tc_options_help(f);
    fclose(f);
    const char *every[] = {"--brokers",
                           "--topic",
                           "--group",
                           "--partitions",
                           "as kcat without -G",
                           "--offset",
                           "--exit-at-end",
                           "-X",
                           "-F",
                           "--connect-timeout",
                           "--window",
                           "--lateness",
                           "--no-dedup",
                           "--max-record",
                           "--max-users",
                           "--max-future",
                           "--idle",
                           "--late-file",
                           "--emit",
                           "--trigger",
                           "--top",
                           "--format",
                           "--checkpoint",
                           "--checkpoint-interval",
                           "--stats",
                           "--stats-interval",
                           "--quiet",
                           "--verbose",
                           "--help",
                           "--version"};
    for (size_t i = 0; i < sizeof every / sizeof *every; i++) {
        if (strstr(buf, every[i]) == NULL) {
            printf("  --help lacks %s\n", every[i]);
            CHECK(0);
        }
    }
    free(buf);
    f = open_memstream(&buf, &len);
    tc_options_version(f);
    fclose(f);
    CHECK(strncmp(buf, "tgcount ", 8) == 0);
    CHECK(strstr(buf, " (librdkafka ") != NULL && strstr(buf, ", jansson ") != NULL);
    CHECK(len > 2 && strcmp(buf + len - 2, ")\n") == 0);
    free(buf);
}

/* --merge: Kafka input, -t required, the options that do not apply
 * refused with one reason each. */
static void test_merge(void)
{
    CHECK_INT(parse("--merge -t res -b 127.0.0.1:9 -e -n 3 -f csv --stats -q"),
              TC_OPTIONS_RUN);
    CHECK(opts.merge && opts.use_kafka && opts.exit_at_end);
    CHECK_STR(opts.topic, "res");
    CHECK_INT(opts.top_n, 3);
    CHECK_INT(parse("--merge -b 127.0.0.1:9"), TC_OPTIONS_USAGE);
    CHECK_STR(err, "--merge needs the results topic: -t TOPIC");
    CHECK_INT(parse("--merge -t res -w 1m"), TC_OPTIONS_USAGE);
    CHECK_STR(err, "-w does not apply with --merge: the windows come from the results "
                   "topic's rows");
    CHECK_INT(parse("-G g --merge -t res"), TC_OPTIONS_USAGE);
    CHECK_STR(err, "-G does not apply with --merge: the results topic is read whole, "
                   "without a group");
    const char *refused[] = {"-l 0",
                             "-p 0",
                             "-o end",
                             "--idle off",
                             "--no-dedup",
                             "--emit changes",
                             "--trigger 1s",
                             "--max-users 5",
                             "--max-future 1h",
                             "--max-record 1K",
                             "--late-file x",
                             "--checkpoint d",
                             "--checkpoint-interval 1s",
                             "--stats-interval 1s",
                             "--metrics-file m",
                             "--metrics-interval 1s",
                             "--live"};
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        char line[128];
        snprintf(line, sizeof line, "--merge -t res %s", refused[i]);
        CHECK_INT(parse(line), TC_OPTIONS_USAGE);
        CHECK(strstr(err, " does not apply with --merge: ") != NULL);
    }
    CHECK_INT(parse("--merge -t res -e --allow-data-loss"), TC_OPTIONS_RUN);
    CHECK(opts.allow_data_loss);
    /* Without --merge the same options are fine. */
    CHECK_INT(parse("-t res -w 1m -l 0"), TC_OPTIONS_RUN);
    CHECK(!opts.merge);
}

/* --output-topic's state changelog: --changelog-topic only with it, and
 * --checkpoint refused with it (the changelog holds the state then). */
static void test_output_topic(void)
{
    CHECK_INT(parse("-t in -G g --output-topic r"), TC_OPTIONS_RUN);
    CHECK_STR(opts.output_topic, "r");
    CHECK(opts.changelog_topic == NULL);
    CHECK_INT(parse("-t in -G g --output-topic r --changelog-topic cl"), TC_OPTIONS_RUN);
    CHECK_STR(opts.changelog_topic, "cl");
    CHECK_INT(parse("-t in -G g --changelog-topic cl"), TC_OPTIONS_USAGE);
    CHECK_STR(err, "--changelog-topic: only with --output-topic");
    CHECK_INT(parse("-t in -G g --output-topic r --checkpoint /tmp/x"), TC_OPTIONS_USAGE);
    CHECK_STR(err, "--checkpoint: with --output-topic the state changelog holds the "
                   "state (see --changelog-topic)");
    CHECK_INT(parse("-t in -G g --checkpoint /tmp/x --output-topic r -e"),
              TC_OPTIONS_USAGE);
    CHECK(strstr(err, "--checkpoint: ") == err);
    CHECK_INT(parse("-t in -G g --output-topic r --checkpoint-interval 1s"),
              TC_OPTIONS_USAGE);
    CHECK_STR(err, "--checkpoint-interval: with --output-topic the state is committed "
                   "with each transaction (see --commit-interval)");
    CHECK_INT(parse("-t in -G g --output-topic r --changelog-topic in"),
              TC_OPTIONS_USAGE);
    CHECK_STR(err, "--changelog-topic in: that is the input topic");
    CHECK_INT(parse("-t in -G g --output-topic r --changelog-topic r"), TC_OPTIONS_USAGE);
    CHECK_STR(err, "--changelog-topic r: that is the output topic");
    CHECK_INT(parse("--changelog-topic cl a.jsonl"), TC_OPTIONS_USAGE);
    CHECK(strstr(err, "--changelog-topic") != NULL);
    /* --checkpoint alone still works for a single process. */
    CHECK_INT(parse("-t in -G g --checkpoint /tmp/x"), TC_OPTIONS_RUN);
}

int main(void)
{
    /* No developer's default properties file may change what is tested. */
    setenv("HOME", "/nonexistent", 1);
    unsetenv(TG_CLI_CONFIG_ENV);
    tc_options_init(&opts);
    RUN(test_defaults);
    RUN(test_values);
    RUN(test_kafka);
    RUN(test_input_choice);
    RUN(test_kafka_only_table);
    RUN(test_groups);
    RUN(test_partitions);
    RUN(test_errors);
    RUN(test_shared_syntax);
    RUN(test_idle);
    RUN(test_pipeline_config);
    RUN(test_help_version);
    RUN(test_merge);
    RUN(test_output_topic);
    tc_options_clear(&opts);
    return tg_test_finish();
}
