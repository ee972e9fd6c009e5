/* Unit tests for producer/tp_options.c: every option, defaults, rejected
 * combinations, the token rules (never from argv, never in a message,
 * refused from a file others can read). */
#include "tg_cli.h"
#include "tg_kafka_conf.h"
#include "tg_test.h"
#include "tp_options.h"

#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECRET "123456:AAE_secret-part-of-the-token-0123456789"

static char err[1024];
static struct tp_options opts;

/* Writable copies of the arguments: getopt_long may permute argv. */
static char arg_store[64][128];

/* Parses a NULL-terminated argument list into the static opts. */
static int parse(const char *first, ...)
{
    char *argv[64];
    int argc = 0;
    va_list ap;
    snprintf(arg_store[0], sizeof arg_store[0], "tgproducer");
    argv[argc++] = arg_store[0];
    va_start(ap, first);
    for (const char *a = first; a != NULL && argc < 63; a = va_arg(ap, const char *)) {
        snprintf(arg_store[argc], sizeof arg_store[0], "%s", a);
        argv[argc] = arg_store[argc];
        argc++;
    }
    va_end(ap);
    argv[argc] = NULL;
    tp_options_clear(&opts);
    err[0] = '\0';
    return tp_options_parse(&opts, argc, argv, err, sizeof err);
}

/* Expects a usage error whose message contains want and not the secret. */
static bool rejected(int rc, const char *want)
{
    bool ok = rc == TG_CLI_USAGE && strstr(err, want) != NULL &&
              strstr(err, "AAE_secret") == NULL;
    if (!ok)
        fprintf(stderr, "  rc %d, err \"%s\", wanted \"%s\"\n", rc, err, want);
    return ok;
}

/* Expects exactly this usage error. */
static bool rejected_as(int rc, const char *want)
{
    bool ok = rc == TG_CLI_USAGE && strcmp(err, want) == 0;
    if (!ok)
        fprintf(stderr, "  rc %d, err \"%s\", wanted \"%s\"\n", rc, err, want);
    return ok;
}

/* A global property of the -X/-F configuration, or "" when unset. */
static const char *conf_value(const char *name)
{
    static char value[256];
    if (opts.kafka_conf == NULL ||
        tg_kafka_conf_get(opts.kafka_conf, name, value, sizeof value) != 0)
        value[0] = '\0';
    return value;
}

static void test_defaults(void)
{
    CHECK_INT(parse(NULL), 0);
    CHECK(!opts.once && !opts.to_stdout && !opts.fake && !opts.stats);
    CHECK_INT(opts.count, -1);
    CHECK_INT(opts.seed, 1);
    CHECK_INT(opts.users, 50);
    CHECK(opts.zipf == 1.0);
    CHECK(opts.rate == 5.0);
    CHECK(!opts.start_set);
    CHECK(opts.speed == 1.0);
    CHECK_STR(opts.api_url, "https://api.telegram.org");
    CHECK_INT(opts.poll_timeout_s, 50);
    CHECK_INT(opts.chat_count, 0);
    CHECK_INT(opts.conflict_timeout_ms, 60000);
    CHECK_INT(opts.delivery_timeout_ms, 60000);
    CHECK_INT(opts.stats_interval_ms, 10000);
    CHECK(opts.metrics_file == NULL);
    CHECK_INT(opts.metrics_interval_ms, 15000);
    CHECK(opts.state_path == NULL && opts.token_file == NULL && opts.brokers == NULL);
    CHECK_STR(opts.topic, "telegram_messages");
    CHECK_INT(opts.verbosity, 0);
    CHECK(tp_options_chat_allowed(&opts, -1001234));
}

static void test_fake_options(void)
{
    CHECK_INT(parse("--fake", "--count", "100", "--seed", "18446744073709551615",
                    "--users", "1000", "--rate", "2.5", "--start",
                    "2026-01-01T00:00:01.5Z", "--speed", "max", "--stdout", "--stats",
                    NULL),
              0);
    CHECK(opts.fake && opts.to_stdout && opts.stats);
    CHECK_INT(opts.count, 100);
    CHECK(opts.seed == UINT64_MAX);
    CHECK_INT(opts.users, 1000);
    CHECK(opts.rate == 2.5);
    CHECK(opts.start_set);
    CHECK_INT(opts.start_ms, INT64_C(1767225601500)); /* 20454 days, by hand */
    CHECK(opts.speed == 0);
    CHECK_INT(parse("--fake", "--speed", "10", "--count=0", NULL), 0);
    CHECK(opts.speed == 10.0);
    CHECK_INT(opts.count, 0);
    CHECK_INT(parse("--fake", "--zipf", "0.5", NULL), 0);
    CHECK(opts.zipf == 0.5);
    CHECK_INT(parse("--fake", "--zipf", "0", NULL), 0);
    CHECK(opts.zipf == 0);
}

static void test_fake_values_checked(void)
{
    CHECK(rejected(parse("--fake", "--count", "-1", NULL), "--count"));
    CHECK(rejected(parse("--fake", "--count", "12x", NULL), "--count"));
    CHECK(rejected(parse("--fake", "--seed", "-3", NULL), "--seed"));
    CHECK(rejected(parse("--fake", "--users", "0", NULL), "--users"));
    CHECK(rejected(parse("--fake", "--users", "10000001", NULL), "--users"));
    CHECK(rejected(parse("--fake", "--rate", "0", NULL), "--rate"));
    CHECK(rejected(parse("--fake", "--zipf", "-1", NULL), "--zipf"));
    CHECK(rejected(parse("--fake", "--zipf", "11", NULL), "--zipf"));
    CHECK(rejected(parse("--zipf", "1", NULL), "need --fake"));
    CHECK(rejected(parse("--fake", "--rate", "nan", NULL), "--rate"));
    CHECK(rejected(parse("--fake", "--speed", "0", NULL), "--speed"));
    CHECK(rejected(parse("--fake", "--speed", "fast", NULL), "--speed"));
    CHECK(rejected(parse("--fake", "--start", "yesterday", NULL), "--start"));
    CHECK(rejected(parse("--fake", "--start", "2026-02-30T00:00:00Z", NULL), "--start"));
}

static void test_telegram_options(void)
{
    char props[] = "/tmp/tp-options-props.XXXXXX";
    int fd = mkstemp(props);
    CHECK(fd >= 0);
    const char *lines = "client.id=from-file\nlinger.ms=7\n";
    CHECK_INT(write(fd, lines, strlen(lines)), (long long)strlen(lines));
    close(fd);
    CHECK_INT(parse("--once", "--token-file", "/run/tok", "--api-url",
                    "http://127.0.0.1:1", "--poll-timeout", "30", "-c",
                    "1050820672,-1001,-42", "--chats", "-1009", "--include-edits",
                    "--delete-webhook", "--conflict-timeout", "1m30s",
                    "--delivery-timeout", "5", "--state", "/tmp/x.offset", "-b",
                    "h1:9092,h2:9092", "-t", "topic1", "-X", "client.id=x", "-F", props,
                    "-X", "linger.ms=1", "-X", "acks=1", "-v", "-v", NULL),
              0);
    unlink(props);
    CHECK(opts.once && opts.include_edits && opts.delete_webhook);
    CHECK_STR(opts.token_file, "/run/tok");
    CHECK_STR(opts.api_url, "http://127.0.0.1:1");
    CHECK_INT(opts.poll_timeout_s, 30);
    CHECK_INT(opts.chat_count, 5);
    CHECK(tp_options_chat_allowed(&opts, INT64_C(-1001050820672)));
    CHECK(tp_options_chat_allowed(&opts, -1001));
    CHECK(tp_options_chat_allowed(&opts, -42));
    CHECK(tp_options_chat_allowed(&opts, -1009));
    CHECK(tp_options_chat_allowed(&opts, 1050820672)); /* a private chat */
    CHECK(!tp_options_chat_allowed(&opts, 1001));
    CHECK(!tp_options_chat_allowed(&opts, -43));
    CHECK_INT(opts.conflict_timeout_ms, 90000);
    CHECK_INT(opts.delivery_timeout_ms, 5000);
    CHECK_STR(opts.state_path, "/tmp/x.offset");
    CHECK_STR(opts.brokers, "h1:9092,h2:9092");
    CHECK_STR(opts.topic, "topic1");
    /* -X and -F in command-line order, over the producer's defaults. */
    CHECK_STR(conf_value("client.id"), "from-file");
    CHECK_STR(conf_value("linger.ms"), "1");
    CHECK_STR(conf_value("enable.idempotence"), "true");
    CHECK_INT(opts.verbosity, 2);
    CHECK_INT(parse("-q", NULL), 0);
    CHECK_INT(opts.verbosity, -1);
    CHECK_INT(parse("--poll-timeout", "0", "--conflict-timeout", "0", NULL), 0);
    CHECK_INT(opts.poll_timeout_s, 0);
    CHECK_INT(opts.conflict_timeout_ms, 0);
}

static void test_telegram_values_checked(void)
{
    CHECK(rejected(parse("--poll-timeout", "51", NULL), "--poll-timeout"));
    CHECK(rejected(parse("--poll-timeout", "1500ms", NULL), "--poll-timeout"));
    CHECK(rejected(parse("--api-url", "ftp://x", NULL), "--api-url"));
    CHECK(rejected(parse("-c", "abc", NULL), "chat"));
    CHECK(rejected(parse("-c", "1,,2", NULL), "chat"));
    CHECK(rejected(parse("-c", "0", NULL), "chat"));
    CHECK(rejected(parse("--delivery-timeout", "0", NULL), "--delivery-timeout"));
    CHECK(rejected(parse("--conflict-timeout", "soon", NULL), "--conflict-timeout"));
    CHECK(rejected(parse("--state", "", NULL), "--state"));
    CHECK(rejected(parse("-t", "", NULL), "--topic"));
    CHECK(rejected(parse("-b", NULL), "needs an argument"));
    CHECK(rejected(parse("-b", "", NULL),
                   "--brokers: expected host:port[,host:port...], got an empty list"));
    CHECK(rejected(parse("--brokers", " , ", NULL), "--brokers: expected host:port"));
}

static void test_durations(void)
{
    /* A bare number is seconds, as in tgcount; units and compounds too. */
    CHECK_INT(parse("--delivery-timeout", "1m", NULL), 0);
    CHECK_INT(opts.delivery_timeout_ms, 60000);
    CHECK_INT(parse("--delivery-timeout", "90", NULL), 0);
    CHECK_INT(opts.delivery_timeout_ms, 90000);
    CHECK_INT(parse("--delivery-timeout", "1m30s", "--conflict-timeout", "250ms", NULL),
              0);
    CHECK_INT(opts.delivery_timeout_ms, 90000);
    CHECK_INT(opts.conflict_timeout_ms, 250);
    CHECK_INT(parse("--poll-timeout", "50s", "--conflict-timeout", "0s", NULL), 0);
    CHECK_INT(opts.poll_timeout_s, 50);
    CHECK_INT(opts.conflict_timeout_ms, 0);
    CHECK_INT(parse("--poll-timeout", "0ms", NULL), 0);
    CHECK_INT(opts.poll_timeout_s, 0);
    CHECK(rejected_as(parse("--delivery-timeout", "1.5s", NULL),
                      "--delivery-timeout: invalid duration \"1.5s\": expected a unit "
                      "(ms, s, m, h or d)"));
    CHECK(rejected_as(parse("--delivery-timeout", "0s", NULL),
                      "--delivery-timeout: duration \"0s\" must be positive"));
    CHECK(rejected_as(parse("--delivery-timeout", "3661d", NULL),
                      "--delivery-timeout: 3661d is too long (at most 3660d)"));
    CHECK(rejected_as(parse("--poll-timeout", "51", NULL),
                      "--poll-timeout: 51 is too long (at most 50s)"));
    CHECK(rejected_as(parse("--poll-timeout", "1500ms", NULL),
                      "--poll-timeout: 1500ms is not a whole number of seconds"));
}

/* Every mode takes them: --fake, follow mode, --once (but --stats-interval:
 * test_combinations_rejected). */
static void test_stats_and_metrics(void)
{
    CHECK_INT(parse("--fake", "--stats", "--stats-interval", "1m", "--metrics-file",
                    "/tmp/m.prom", "--metrics-interval", "250ms", NULL),
              0);
    CHECK_INT(opts.stats_interval_ms, 60000);
    CHECK_STR(opts.metrics_file, "/tmp/m.prom");
    CHECK_INT(opts.metrics_interval_ms, 250);
    CHECK_INT(parse("--once", "--metrics-file", "m.prom", NULL), 0);
    CHECK_STR(opts.metrics_file, "m.prom");
    CHECK(rejected_as(parse("--metrics-file", "", NULL),
                      "--metrics-file: expected a file name"));
    CHECK(rejected_as(parse("--metrics-interval", "0s", NULL),
                      "--metrics-interval: duration \"0s\" must be positive"));
    CHECK(rejected_as(parse("--stats-interval", "0s", NULL),
                      "--stats-interval: duration \"0s\" must be positive"));
}

static void test_counts(void)
{
    CHECK_INT(parse("--fake", "--count", "007", "--users", "10000000", NULL), 0);
    CHECK_INT(opts.count, 7);
    CHECK_INT(opts.users, 10000000);
    CHECK(rejected_as(parse("--fake", "--users", "0", NULL),
                      "--users: expected a whole number from 1 to 10000000, got '0'"));
    CHECK(rejected_as(parse("--fake", "--count", "+5", NULL),
                      "--count: expected a whole number from 0 to 9223372036854775807, "
                      "got '+5'"));
    CHECK(rejected_as(parse("--fake", "--count", "9223372036854775808", NULL),
                      "--count: expected a whole number from 0 to 9223372036854775807, "
                      "got '9223372036854775808'"));
}

/* A bad -X or -F is a configuration error (exit 78), found while parsing. */
static void test_kafka_configuration_errors(void)
{
    CHECK_INT(parse("-X", "no.such.property=1", NULL), TG_CLI_CONFIG);
    CHECK(strncmp(err, "-X: ", 4) == 0 && strstr(err, "no.such.property") != NULL);
    CHECK_INT(parse("-X", "novalue", NULL), TG_CLI_CONFIG);
    CHECK_STR(err, "-X: expected name=value");
    CHECK_INT(parse("-F", "/nonexistent/kafka.properties", NULL), TG_CLI_CONFIG);
    CHECK_STR(err, "-F: /nonexistent/kafka.properties: No such file or directory");
    /* A later -X overrides a default. */
    CHECK_INT(parse("-X", "enable.idempotence=false", NULL), 0);
    CHECK_STR(conf_value("enable.idempotence"), "false");
    /* Without -X/-F the configuration is still made for Kafka, so that the
     * default properties file applies; --stdout needs none. */
    CHECK_INT(parse(NULL), 0);
    CHECK(opts.kafka_conf != NULL);
    CHECK_STR(conf_value("enable.idempotence"), "true");
    CHECK_INT(parse("--stdout", NULL), 0);
    CHECK(opts.kafka_conf == NULL);
    CHECK_INT(parse("-X", "list", "--stdout", NULL), TG_CLI_KAFKA_LIST);
    CHECK_INT(parse("-X", "dump", "-d", "broker", NULL), TG_CLI_KAFKA_DUMP);
    CHECK_STR(conf_value("debug"), "broker");
}

static void test_combinations_rejected(void)
{
    CHECK(rejected(parse("--count", "5", NULL), "need --fake"));
    CHECK(rejected(parse("--seed", "5", "--stdout", NULL), "need --fake"));
    CHECK(rejected(parse("--fake", "--once", NULL), "--once"));
    CHECK(rejected_as(parse("--once", "--stats-interval", "5s", NULL),
                      "--stats-interval: --once prints its stats line once, at the end "
                      "(use --stats)"));
    CHECK(rejected(parse("--fake", "--state", "/tmp/s", NULL), "--fake"));
    CHECK(rejected(parse("--fake", "-c", "-1001", NULL), "--fake"));
    CHECK(rejected(parse("--stdout", "-b", "localhost:9092", NULL), "--stdout"));
    CHECK(rejected(parse("--stdout", "-X", "acks=1", NULL), "--stdout"));
    /* Kafka options with --fake into Kafka are fine. */
    CHECK_INT(parse("--fake", "-b", "localhost:9092", "--delivery-timeout", "2s", NULL),
              0);
}

static void test_token_never_from_argv(void)
{
    CHECK(rejected(parse("--token", SECRET, NULL), "ps"));
    CHECK(rejected(parse("--token=" SECRET, NULL), "--token"));
    CHECK(rejected(parse("--fake", "--token", NULL), "TELEGRAM_BOT_TOKEN"));
    /* Unknown options and operands are named without their text. */
    CHECK(rejected(parse("--bot-token=" SECRET, NULL), "--bot-token"));
    CHECK(rejected(parse(SECRET, NULL), "operand"));
    CHECK(rejected(parse("--stats=" SECRET, NULL), "takes no argument"));
    CHECK(rejected_as(parse("--bogus=" SECRET, NULL),
                      "unknown option: --bogus (try --help)"));
    CHECK(rejected_as(parse("-Z", NULL), "unknown option: -Z (try --help)"));
    CHECK(rejected_as(parse("--stats=" SECRET, NULL),
                      "option takes no argument: --stats (try --help)"));
    CHECK(rejected_as(parse("--delivery-timeout", NULL),
                      "option needs an argument: --delivery-timeout (try --help)"));
}

static void test_help_and_version(void)
{
    CHECK_INT(parse("--help", NULL), 0);
    CHECK(opts.help);
    CHECK_INT(parse("-h", "--count", "5", NULL), 0); /* help wins over checks */
    CHECK_INT(parse("--version", NULL), 0);
    CHECK(opts.version);
    CHECK_INT(parse("-V", NULL), 0);
    CHECK(opts.version);
}

static void test_usage_lists_every_option(void)
{
    static const char *const names[] = {
        "--once",
        "--stdout",
        "--fake",
        "--count",
        "--zipf",
        "--seed",
        "--users",
        "--rate",
        "--start",
        "--speed",
        "--token-file",
        "--api-url",
        "--poll-timeout",
        "--chats",
        "--include-edits",
        "--delete-webhook",
        "--conflict-timeout",
        "--state",
        "--brokers",
        "--topic",
        "-X",
        "-F",
        "--delivery-timeout",
        "--stats",
        "--stats-interval",
        "--metrics-file",
        "--metrics-interval",
        "--quiet",
        "--verbose",
        "--help",
        "--version",
        "TELEGRAM_BOT_TOKEN",
        "KAFKA_BOOTSTRAP_SERVERS",
        "localhost:9092",
        "telegram_messages",
        "https://api.telegram.org",
    };
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    tp_options_usage(out, "tgproducer");
    fclose(out);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strstr(text, names[i]) == NULL) {
            fprintf(stderr, "  usage lacks %s\n", names[i]);
            CHECK(false);
        }
    }
    free(text);
}

/* ---- the token ---------------------------------------------------------- */

static char token_path[64];

static void write_token_file(const char *content, mode_t mode)
{
    snprintf(token_path, sizeof token_path, "/tmp/tp-options-token.XXXXXX");
    int fd = mkstemp(token_path);
    CHECK(fd >= 0);
    CHECK_INT(write(fd, content, strlen(content)), (long long)strlen(content));
    CHECK_INT(fchmod(fd, mode), 0);
    close(fd);
}

static void test_token_from_environment(void)
{
    setenv("TELEGRAM_BOT_TOKEN", "  " SECRET "\n", 1);
    CHECK_INT(parse(NULL), 0);
    CHECK_INT(tp_options_load_token(&opts, err, sizeof err), 0);
    CHECK_STR(opts.token, SECRET);
    unsetenv("TELEGRAM_BOT_TOKEN");
    CHECK_INT(parse(NULL), 0);
    CHECK_INT(tp_options_load_token(&opts, err, sizeof err), -1);
    CHECK(strstr(err, "TELEGRAM_BOT_TOKEN") != NULL);
    CHECK(opts.token == NULL);
    setenv("TELEGRAM_BOT_TOKEN", "not a token", 1);
    CHECK_INT(tp_options_load_token(&opts, err, sizeof err), -1);
    CHECK(strstr(err, "bot token") != NULL);
    unsetenv("TELEGRAM_BOT_TOKEN");
}

static void test_token_from_private_file(void)
{
    setenv("TELEGRAM_BOT_TOKEN", "999:from-the-environment", 1);
    write_token_file(SECRET "\n", 0600);
    CHECK_INT(parse("--token-file", token_path, NULL), 0);
    CHECK_INT(tp_options_load_token(&opts, err, sizeof err), 0);
    CHECK_STR(opts.token, SECRET); /* the file wins over the environment */
    unlink(token_path);
    unsetenv("TELEGRAM_BOT_TOKEN");
}

static void test_token_file_others_can_read_refused(void)
{
    static const mode_t modes[] = {0644, 0640, 0604, 0620};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        write_token_file(SECRET, modes[i]);
        CHECK_INT(parse("--token-file", token_path, NULL), 0);
        CHECK_INT(tp_options_load_token(&opts, err, sizeof err), -1);
        CHECK(strstr(err, "group or others") != NULL);
        CHECK(strstr(err, "AAE_secret") == NULL);
        CHECK(opts.token == NULL);
        unlink(token_path);
    }
}

static void test_token_file_problems(void)
{
    CHECK_INT(parse("--token-file", "/nonexistent/token", NULL), 0);
    CHECK_INT(tp_options_load_token(&opts, err, sizeof err), -1);
    CHECK(strstr(err, "/nonexistent/token") != NULL);
    write_token_file("hello world " SECRET, 0600);
    CHECK_INT(parse("--token-file", token_path, NULL), 0);
    CHECK_INT(tp_options_load_token(&opts, err, sizeof err), -1);
    CHECK(strstr(err, "AAE_secret") == NULL);
    unlink(token_path);
    write_token_file("", 0400);
    CHECK_INT(parse("--token-file", token_path, NULL), 0);
    CHECK_INT(tp_options_load_token(&opts, err, sizeof err), -1);
    unlink(token_path);
}

int main(void)
{
    /* No developer's default properties file may change what is tested. */
    setenv("HOME", "/nonexistent", 1);
    unsetenv(TG_CLI_CONFIG_ENV);
    tp_options_init(&opts);
    RUN(test_defaults);
    RUN(test_fake_options);
    RUN(test_fake_values_checked);
    RUN(test_telegram_options);
    RUN(test_telegram_values_checked);
    RUN(test_durations);
    RUN(test_stats_and_metrics);
    RUN(test_counts);
    RUN(test_kafka_configuration_errors);
    RUN(test_combinations_rejected);
    RUN(test_token_never_from_argv);
    RUN(test_help_and_version);
    RUN(test_usage_lists_every_option);
    RUN(test_token_from_environment);
    RUN(test_token_from_private_file);
    RUN(test_token_file_others_can_read_refused);
    RUN(test_token_file_problems);
    tp_options_clear(&opts);
    tp_options_clear(NULL);
    return tg_test_finish();
}
