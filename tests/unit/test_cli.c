/* Unit tests for common/tg_cli.c: every accepted and rejected form of a
 * duration, window, count and size, their bounds and wording; getopt's
 * refusals in one wording that never repeats a value; -X/-F into one lazily
 * created configuration; the version line. */
#include "tg_cli.h"
#include "tg_exit.h"
#include "tg_kafka_conf.h"
#include "tg_test.h"
#include "tg_version.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char err[512];

#define DAY_MS INT64_C(86400000)

static bool duration_is(const char *text, bool zero_ok, int64_t want)
{
    int64_t ms = -1;
    err[0] = '\0';
    int rc = tg_cli_duration("--opt", text, zero_ok, TG_CLI_DURATION_MAX_MS, &ms, err,
                             sizeof err);
    if (rc != 0 || ms != want) {
        fprintf(stderr, "  \"%s\": rc %d ms %" PRId64 " err \"%s\", wanted %" PRId64 "\n",
                text, rc, ms, err, want);
        return false;
    }
    return true;
}

static bool duration_refused(const char *text, bool zero_ok, int64_t max_ms,
                             const char *want)
{
    int64_t ms = 777;
    err[0] = '\0';
    int rc = tg_cli_duration("--opt", text, zero_ok, max_ms, &ms, err, sizeof err);
    if (rc != -1 || ms != 777 || strcmp(err, want) != 0) {
        fprintf(stderr, "  \"%s\": rc %d err \"%s\", wanted \"%s\"\n", text, rc, err,
                want);
        return false;
    }
    return true;
}

static void test_duration_forms(void)
{
    CHECK(duration_is("250ms", false, 250));
    CHECK(duration_is("30s", false, 30000));
    CHECK(duration_is("1m", false, 60000));
    CHECK(duration_is("1m30s", false, 90000));
    CHECK(duration_is("2h", false, 7200000));
    CHECK(duration_is("1d", false, DAY_MS));
    /* A bare whole number is seconds. */
    CHECK(duration_is("60", false, 60000));
    CHECK(duration_is("1", false, 1000));
    CHECK(duration_is("007", false, 7000));
    CHECK(duration_is("316224000", false, TG_CLI_DURATION_MAX_MS)); /* 3660d */
}

static void test_duration_zero(void)
{
    CHECK(duration_is("0", true, 0));
    CHECK(duration_is("00", true, 0));
    CHECK(duration_is("0s", true, 0));
    CHECK(duration_is("0ms", true, 0));
    CHECK(duration_is("0m0s", true, 0));
    CHECK(duration_refused("0", false, TG_CLI_DURATION_MAX_MS,
                           "--opt: duration \"0\" must be positive"));
    CHECK(duration_refused("0s", false, TG_CLI_DURATION_MAX_MS,
                           "--opt: duration \"0s\" must be positive"));
    CHECK(duration_refused("0m0s", false, TG_CLI_DURATION_MAX_MS,
                           "--opt: duration \"0m0s\" must be positive"));
}

static void test_duration_refused(void)
{
    const int64_t max = TG_CLI_DURATION_MAX_MS;
    CHECK(duration_refused("1.5s", true, max,
                           "--opt: invalid duration \"1.5s\": expected a unit (ms, s, m, "
                           "h or d)"));
    CHECK(duration_refused("1.5", true, max,
                           "--opt: invalid duration \"1.5\": expected a unit (ms, s, m, "
                           "h or d)"));
    CHECK(duration_refused("1m30", true, max,
                           "--opt: invalid duration \"1m30\": expected a unit (ms, s, m, "
                           "h or d)"));
    CHECK(duration_refused("-5", true, max, "--opt: negative duration \"-5\""));
    CHECK(duration_refused("-1s", true, max, "--opt: negative duration \"-1s\""));
    CHECK(duration_refused("+5", true, max,
                           "--opt: invalid duration \"+5\": expected a number"));
    CHECK(duration_refused(" 5", true, max,
                           "--opt: invalid duration \" 5\": expected a number"));
    CHECK(duration_refused("5 ", true, max,
                           "--opt: invalid duration \"5 \": expected a unit (ms, s, m, h "
                           "or d)"));
    CHECK(duration_refused("", true, max, "--opt: empty duration"));
    CHECK(duration_refused("soon", true, max,
                           "--opt: invalid duration \"soon\": expected a number"));
    CHECK(
        duration_refused("30s1m", true, max,
                         "--opt: invalid duration \"30s1m\": units must go from largest "
                         "to smallest, each once"));
}

static void test_duration_bounds(void)
{
    const int64_t max = TG_CLI_DURATION_MAX_MS;
    CHECK(duration_is("3660d", false, max));
    CHECK(duration_refused("3661d", false, max,
                           "--opt: 3661d is too long (at most 3660d)"));
    CHECK(duration_refused("316224001", false, max,
                           "--opt: 316224001 is too long (at most 3660d)"));
    CHECK(duration_refused("3660d1ms", true, max,
                           "--opt: 3660d1ms is too long (at most 3660d)"));
    CHECK(duration_refused("51", true, 50000, "--opt: 51 is too long (at most 50s)"));
    CHECK(duration_refused("90s", true, 60000, "--opt: 90s is too long (at most 1m)"));
    /* Numbers too large for the milliseconds' type. */
    CHECK(duration_refused("9223372036854776", false, max,
                           "--opt: duration \"9223372036854776\" is too large"));
    CHECK(duration_refused("99999999999999999999999", false, max,
                           "--opt: duration \"99999999999999999999999\" is too large"));
    int64_t ms;
    CHECK_INT(tg_cli_duration("--opt", "50", false, 50000, &ms, err, sizeof err), 0);
    CHECK_INT(ms, 50000);
}

static void test_window(void)
{
    struct tg_window_spec spec;
    const int64_t max = TG_CLI_DURATION_MAX_MS;
    CHECK_INT(tg_cli_window("--window", "10m/30s", max, &spec, err, sizeof err), 0);
    CHECK_INT(spec.size_ms, 600000);
    CHECK_INT(spec.slide_ms, 30000);
    CHECK_STR(spec.text, "10m/30s");
    /* Bare seconds on either side, kept verbatim for the headers. */
    CHECK_INT(tg_cli_window("--window", "60/30", max, &spec, err, sizeof err), 0);
    CHECK_INT(spec.size_ms, 60000);
    CHECK_INT(spec.slide_ms, 30000);
    CHECK_STR(spec.text, "60/30");
    CHECK_INT(tg_cli_window("--window", "90", max, &spec, err, sizeof err), 0);
    CHECK_INT(spec.size_ms, 90000);
    CHECK_INT(spec.slide_ms, 90000);

    memset(&spec, 0x5a, sizeof spec);
    struct tg_window_spec before = spec;
    CHECK_INT(tg_cli_window("--window", "0", max, &spec, err, sizeof err), -1);
    CHECK_STR(err, "--window: window \"0\": size: duration \"0\" must be positive");
    CHECK_INT(tg_cli_window("--window", "1m/0s", max, &spec, err, sizeof err), -1);
    CHECK_STR(err, "--window: window \"1m/0s\": slide: duration \"0s\" must be positive");
    CHECK_INT(tg_cli_window("--window", "30s/1m", max, &spec, err, sizeof err), -1);
    CHECK_STR(err, "--window: window \"30s/1m\": slide larger than the size");
    CHECK_INT(tg_cli_window("--window", "1.5s", max, &spec, err, sizeof err), -1);
    CHECK_STR(err, "--window: window \"1.5s\": size: invalid duration \"1.5s\": "
                   "expected a unit (ms, s, m, h or d)");
    CHECK_INT(tg_cli_window("--window", "4000d", max, &spec, err, sizeof err), -1);
    CHECK_STR(err, "--window: 4000d is too long (at most 3660d)");
    CHECK(memcmp(&spec, &before, sizeof spec) == 0); /* untouched when refused */
}

static void test_counts(void)
{
    uint64_t n = 0;
    CHECK_INT(tg_cli_count("--top", "0", 0, 10, &n, err, sizeof err), 0);
    CHECK_INT(n, 0);
    CHECK_INT(tg_cli_count("--top", "010", 0, 10, &n, err, sizeof err), 0);
    CHECK_INT(n, 10);
    CHECK_INT(tg_cli_count("--seed", "18446744073709551615", 0, UINT64_MAX, &n, err,
                           sizeof err),
              0);
    CHECK(n == UINT64_MAX);
    const char *bad[] = {"",    "-1",   "+1", " 1", "1 ", "1.5",
                         "1e3", "0x10", "1K", "11", "x",  "18446744073709551616"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        n = 42;
        char want[160];
        snprintf(want, sizeof want,
                 "--top: expected a whole number from 0 to 10, got '%s'", bad[i]);
        if (tg_cli_count("--top", bad[i], 0, 10, &n, err, sizeof err) != -1 ||
            strcmp(err, want) != 0 || n != 42) {
            fprintf(stderr, "  \"%s\": err \"%s\"\n", bad[i], err);
            CHECK(false);
        }
    }
    CHECK_INT(tg_cli_count("--users", "0", 1, 10000000, &n, err, sizeof err), -1);
    CHECK_STR(err, "--users: expected a whole number from 1 to 10000000, got '0'");
}

static void test_sizes(void)
{
    const uint64_t max = UINT64_C(1) << 30;
    uint64_t n = 0;
    CHECK_INT(tg_cli_size("--max-record", "1", 1, max, &n, err, sizeof err), 0);
    CHECK_INT(n, 1);
    CHECK_INT(tg_cli_size("--max-record", "4K", 1, max, &n, err, sizeof err), 0);
    CHECK_INT(n, 4096);
    CHECK_INT(tg_cli_size("--max-record", "4k", 1, max, &n, err, sizeof err), 0);
    CHECK_INT(n, 4096);
    CHECK_INT(tg_cli_size("--max-record", "3M", 1, max, &n, err, sizeof err), 0);
    CHECK_INT(n, 3 << 20);
    CHECK_INT(tg_cli_size("--max-record", "1024M", 1, max, &n, err, sizeof err), 0);
    CHECK_INT(n, max);
    CHECK_INT(tg_cli_size("--max-record", "1048576K", 1, max, &n, err, sizeof err), 0);
    CHECK_INT(n, max);
    const char *bad[] = {"0",   "0K",   "1025M", "1073741825",
                         "1m",  "1G",   "1KB",   "K",
                         "-1K", "1.5M", "",      "99999999999999999999M"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char want[200];
        snprintf(want, sizeof want,
                 "--max-record: expected a size from 1 to 1024M (K and M suffixes "
                 "allowed), got '%s'",
                 bad[i]);
        if (tg_cli_size("--max-record", bad[i], 1, max, &n, err, sizeof err) != -1 ||
            strcmp(err, want) != 0) {
            fprintf(stderr, "  \"%s\": err \"%s\"\n", bad[i], err);
            CHECK(false);
        }
    }
    /* A bound that is no whole number of K or M is written as it is. */
    CHECK_INT(tg_cli_size("--x", "2K", 1000, 1500, &n, err, sizeof err), -1);
    CHECK_STR(err, "--x: expected a size from 1000 to 1500 (K and M suffixes allowed), "
                   "got '2K'");
    /* Counts take no suffix. */
    CHECK_INT(tg_cli_count("--x", "4K", 0, max, &n, err, sizeof err), -1);
}

/* A broker list names at least one broker. */
static void test_brokers(void)
{
    CHECK_INT(tg_cli_brokers("--brokers", "localhost:9092", err, sizeof err), 0);
    CHECK_INT(tg_cli_brokers("--brokers", "h1:9092,h2:9092", err, sizeof err), 0);
    const char *bad[] = {"", ",", " ", " , ,"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        if (tg_cli_brokers("--brokers", bad[i], err, sizeof err) != -1 ||
            strcmp(err, "--brokers: expected host:port[,host:port...], got an empty "
                        "list") != 0) {
            fprintf(stderr, "  \"%s\": err \"%s\"\n", bad[i], err);
            CHECK(false);
        }
    }
}

/* ---- getopt ------------------------------------------------------------- */

enum { OPT_STATS = 256, OPT_LATENESS };

static const char shortopts[] = ":w:qX:";
static const struct option longopts[] = {
    {"window", required_argument, NULL, 'w'},
    {"quiet", no_argument, NULL, 'q'},
    {"stats", no_argument, NULL, OPT_STATS},
    {"lateness", required_argument, NULL, OPT_LATENESS},
    {NULL, 0, NULL, 0},
};

/* Runs the options of a NULL-terminated list; returns the last code seen
 * ('?' on a refusal, -1 when all were accepted) and the codes in order. */
static int run_getopt(int *codes, size_t maxcodes, const char *first, ...)
{
    static char store[16][96];
    char *argv[17];
    int argc = 0;
    va_list ap;
    snprintf(store[0], sizeof store[0], "prog");
    argv[argc++] = store[0];
    va_start(ap, first);
    for (const char *a = first; a != NULL && argc < 16; a = va_arg(ap, const char *)) {
        snprintf(store[argc], sizeof store[0], "%s", a);
        argv[argc] = store[argc];
        argc++;
    }
    va_end(ap);
    argv[argc] = NULL;
    err[0] = '\0';
    tg_cli_begin();
    size_t n = 0;
    int c;
    while ((c = tg_cli_next_option(argc, argv, shortopts, longopts, err, sizeof err)) !=
           -1) {
        if (n < maxcodes)
            codes[n++] = c;
        if (c == '?')
            return c;
    }
    return c;
}

static bool refused_as(int rc, const char *want)
{
    bool ok = rc == '?' && strcmp(err, want) == 0 && strstr(err, "SECRET") == NULL;
    if (!ok)
        fprintf(stderr, "  rc %d err \"%s\", wanted \"%s\"\n", rc, err, want);
    return ok;
}

static void test_getopt_accepts(void)
{
    int codes[8] = {0};
    CHECK_INT(run_getopt(codes, 8, "-qw", "1m", "--stats", "--window=2m", "--late", "5s",
                         "file", NULL),
              -1);
    CHECK_INT(codes[0], 'q');
    CHECK_INT(codes[1], 'w');
    CHECK_INT(codes[2], OPT_STATS);
    CHECK_INT(codes[3], 'w');
    CHECK_INT(codes[4], OPT_LATENESS); /* an unambiguous abbreviation */
    CHECK_STR(err, "");
    /* The same parse twice: tg_cli_begin starts over. */
    CHECK_INT(run_getopt(codes, 8, "--stats", NULL), -1);
    CHECK_INT(codes[0], OPT_STATS);
}

static void test_getopt_refusals(void)
{
    static const struct {
        const char *first, *second; /* the arguments; second may be NULL */
        const char *want;
    } cases[] = {
        {"--foo", NULL, "unknown option: --foo (try --help)"},
        {"--foo=SECRET", NULL, "unknown option: --foo (try --help)"},
        {"-Z", NULL, "unknown option: -Z (try --help)"},
        {"-qZ", NULL, "unknown option: -Z (try --help)"},
        /* An unknown short option right after a long one is named as typed. */
        {"--stats", "-Zq", "unknown option: -Z (try --help)"},
        {"-w", NULL, "option needs an argument: -w (try --help)"},
        {"-qw", NULL, "option needs an argument: -w (try --help)"},
        {"--window", NULL, "option needs an argument: --window (try --help)"},
        {"--lateness", NULL, "option needs an argument: --lateness (try --help)"},
        {"--stats=SECRET", NULL, "option takes no argument: --stats (try --help)"},
        {"--quiet=SECRET", NULL, "option takes no argument: --quiet (try --help)"},
        /* An abbreviation is named as typed. */
        {"--st=SECRET", NULL, "option takes no argument: --st (try --help)"},
        /* A non-printable option byte is not written out. */
        {"-\x01", NULL, "unknown option: -? (try --help)"},
    };
    int codes[8];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = run_getopt(codes, 8, cases[i].first, cases[i].second, NULL);
        CHECK(refused_as(rc, cases[i].want));
    }
}

static void test_exit_status(void)
{
    CHECK_INT(tg_cli_exit_status(TG_CLI_RUN), TG_EXIT_OK);
    CHECK_INT(tg_cli_exit_status(TG_CLI_HELP), TG_EXIT_OK);
    CHECK_INT(tg_cli_exit_status(TG_CLI_VERSION), TG_EXIT_OK);
    CHECK_INT(tg_cli_exit_status(TG_CLI_USAGE), TG_EXIT_USAGE);
    CHECK_INT(tg_cli_exit_status(TG_CLI_CONFIG), TG_EXIT_CONFIG);
}

/* ---- -X / -F ------------------------------------------------------------ */

static const char *get(struct tg_kafka_conf *kc, const char *name)
{
    static char value[256];
    if (tg_kafka_conf_get(kc, name, value, sizeof value) != 0)
        value[0] = '\0';
    return value;
}

static void test_kafka_options(void)
{
    static const char *const defaults[] = {"client.id", "default", "linger.ms", "5",
                                           NULL};
    char path[] = "/tmp/test_cli_props.XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    const char *text = "# a comment\nclient.id = from-file\nbatch.num.messages=77\n";
    CHECK_INT(write(fd, text, strlen(text)), (long long)strlen(text));
    close(fd);

    struct tg_kafka_conf *kc = NULL;
    CHECK_INT(tg_cli_kafka_option(&kc, 'X', "client.id=first", defaults, err, sizeof err),
              0);
    CHECK(kc != NULL);
    CHECK_STR(get(kc, "client.id"), "first");
    CHECK_STR(get(kc, "linger.ms"), "5"); /* the default, set when created */
    CHECK_INT(tg_cli_kafka_option(&kc, 'F', path, defaults, err, sizeof err), 0);
    CHECK_STR(get(kc, "client.id"), "from-file"); /* later wins */
    CHECK_STR(get(kc, "batch.num.messages"), "77");
    CHECK_INT(tg_cli_kafka_option(&kc, 'X', "linger.ms=9", defaults, err, sizeof err), 0);
    CHECK_STR(get(kc, "linger.ms"), "9");
    CHECK_STR(get(kc, "client.id"), "from-file"); /* defaults are not applied again */

    CHECK_INT(tg_cli_kafka_option(&kc, 'X', "novalue", defaults, err, sizeof err),
              TG_CLI_CONFIG);
    CHECK_STR(err, "-X: expected name=value");
    CHECK_INT(tg_cli_kafka_option(&kc, 'X', "no.such.property=1", NULL, err, sizeof err),
              TG_CLI_CONFIG);
    CHECK(strncmp(err, "-X: ", 4) == 0 && strstr(err, "no.such.property") != NULL);
    CHECK_INT(
        tg_cli_kafka_option(&kc, 'F', "/nonexistent/k.properties", NULL, err, sizeof err),
        TG_CLI_CONFIG);
    CHECK_STR(err, "-F: /nonexistent/k.properties: No such file or directory");
    fd = open(path, O_WRONLY | O_TRUNC);
    CHECK_INT(write(fd, "linger.ms=1\nbogus\n", 18), 18);
    close(fd);
    char want[128];
    snprintf(want, sizeof want, "-F: %s:2: expected name=value", path);
    CHECK_INT(tg_cli_kafka_option(&kc, 'F', path, NULL, err, sizeof err), TG_CLI_CONFIG);
    CHECK_STR(err, want);
    tg_kafka_conf_free(kc);
    unlink(path);

    /* Without defaults; and a failing first -X still leaves a conf to free. */
    kc = NULL;
    CHECK_INT(tg_cli_kafka_option(&kc, 'X', "nope", NULL, err, sizeof err),
              TG_CLI_CONFIG);
    CHECK(kc != NULL);
    tg_kafka_conf_free(kc);
    /* A default librdkafka refuses is reported as such. */
    static const char *const broken[] = {"no.such.default", "1", NULL};
    CHECK(tg_cli_kafka_conf_new(broken, err, sizeof err) == NULL);
    CHECK(strncmp(err, "kafka: no.such.default: ", 24) == 0);
}

static void test_version(void)
{
    char line[256];
    char want[256];
    int n = tg_cli_version(line, sizeof line, "tgcount", NULL);
    CHECK_INT(n, (long long)strlen(line));
    snprintf(want, sizeof want, "tgcount %s (librdkafka ", TG_VERSION);
    CHECK(strncmp(line, want, strlen(want)) == 0);
    CHECK(strstr(line, ", jansson ") != NULL);
    CHECK(strstr(line, "libcurl") == NULL);
    CHECK(line[strlen(line) - 1] == ')');
    tg_cli_version(line, sizeof line, "tgproducer", "8.1.2");
    CHECK(strncmp(line, "tgproducer ", 11) == 0);
    CHECK(strstr(line, ", jansson ") != NULL);
    size_t len = strlen(line);
    CHECK(len > 16 && strcmp(line + len - 16, ", libcurl 8.1.2)") == 0);
}

/* Writes text to a new file in dir; returns its path (static storage). */
static const char *write_props(const char *dir, const char *name, const char *text)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    CHECK(fp != NULL);
    if (fp != NULL) {
        fputs(text, fp);
        fclose(fp);
    }
    return path;
}

/* kcat's -X list, -X dump and -d; the default properties file read first. */
static void test_kcat_conventions(void)
{
    char dir[] = "/tmp/test_cli_home.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    setenv("HOME", dir, 1);
    unsetenv(TG_CLI_CONFIG_ENV);

    /* -X list needs no configuration at all. */
    struct tg_kafka_conf *kc = NULL;
    CHECK_INT(tg_cli_kafka_option(&kc, 'X', "list", NULL, err, sizeof err),
              TG_CLI_KAFKA_LIST);
    CHECK(kc == NULL);

    /* No default file: fine, and finish still makes the configuration. */
    CHECK_INT(tg_cli_kafka_finish(&kc, NULL, err, sizeof err), TG_CLI_RUN);
    CHECK(kc != NULL);
    tg_kafka_conf_free(kc);
    kc = NULL;

    /* -d CTX is -X debug=CTX, refused in -d's name. */
    CHECK_INT(tg_cli_kafka_option(&kc, 'd', "broker,topic", NULL, err, sizeof err),
              TG_CLI_RUN);
    CHECK_STR(get(kc, "debug"), "broker,topic");
    CHECK_INT(tg_cli_kafka_option(&kc, 'd', "nosuchctx", NULL, err, sizeof err),
              TG_CLI_CONFIG);
    CHECK(strncmp(err, "-d: ", 4) == 0);
    CHECK_INT(tg_cli_kafka_finish(&kc, NULL, err, sizeof err), TG_CLI_RUN);
    /* -X dump is remembered, and what follows it still applies. */
    CHECK_INT(tg_cli_kafka_option(&kc, 'X', "dump", NULL, err, sizeof err), TG_CLI_RUN);
    CHECK_INT(
        tg_cli_kafka_option(&kc, 'X', "sasl.password=hunter2", NULL, err, sizeof err),
        TG_CLI_RUN);
    CHECK_INT(tg_cli_kafka_finish(&kc, NULL, err, sizeof err), TG_CLI_KAFKA_DUMP);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    CHECK_INT(
        tg_cli_kafka_show(TG_CLI_KAFKA_DUMP, out, kc, "prog", "h1:9092", err, sizeof err),
        TG_EXIT_OK);
    fclose(out);
    char host[256] = "";
    gethostname(host, sizeof host);
    char want[600];
    snprintf(want, sizeof want, "\nclient.id = prog@%s\n", host);
    CHECK(strstr(text, want) != NULL);
    CHECK(strstr(text, "\nmetadata.broker.list = h1:9092\n") != NULL);
    CHECK(strstr(text, "\nsasl.password = [redacted]\n") != NULL);
    CHECK(strstr(text, "hunter2") == NULL);
    CHECK(strncmp(text, "# Global config\n", 16) == 0);
    CHECK(strstr(text, "\n# Topic config\n") != NULL);
    free(text);
    tg_kafka_conf_free(kc);
    kc = NULL;

    /* ~/.config/tgstream/kafka.properties: after the defaults, before -X. */
    char cfgdir[300];
    snprintf(cfgdir, sizeof cfgdir, "%s/.config", dir);
    CHECK(mkdir(cfgdir, 0700) == 0);
    snprintf(cfgdir, sizeof cfgdir, "%s/.config/tgstream", dir);
    CHECK(mkdir(cfgdir, 0700) == 0);
    static const char *const defaults[] = {"linger.ms", "5", "client.id", "default",
                                           NULL};
    write_props(cfgdir, "kafka.properties", "client.id = home\nbatch.num.messages=7\n");
    CHECK_INT(
        tg_cli_kafka_option(&kc, 'X', "batch.num.messages=9", defaults, err, sizeof err),
        TG_CLI_RUN);
    CHECK_STR(get(kc, "client.id"), "home");       /* the file over a default */
    CHECK_STR(get(kc, "linger.ms"), "5");          /* a default the file left */
    CHECK_STR(get(kc, "batch.num.messages"), "9"); /* -X over the file */
    tg_kafka_conf_free(kc);
    kc = NULL;

    /* $TGSTREAM_CONFIG wins over the home file; missing, it is an error. */
    const char *envfile = write_props(dir, "env.properties", "client.id = env\n");
    setenv(TG_CLI_CONFIG_ENV, envfile, 1);
    CHECK_INT(tg_cli_kafka_finish(&kc, NULL, err, sizeof err), TG_CLI_RUN);
    CHECK_STR(get(kc, "client.id"), "env");
    CHECK_STR(get(kc, "batch.num.messages"), "10000"); /* home file not read */
    tg_kafka_conf_free(kc);
    kc = NULL;
    char missing[300];
    snprintf(missing, sizeof missing, "%s/missing.properties", dir);
    setenv(TG_CLI_CONFIG_ENV, missing, 1);
    CHECK_INT(tg_cli_kafka_finish(&kc, NULL, err, sizeof err), TG_CLI_CONFIG);
    snprintf(want, sizeof want, "$TGSTREAM_CONFIG: %s: No such file or directory",
             missing);
    CHECK_STR(err, want);
    CHECK(kc == NULL);
    /* A bad line names the file and line; the value is not repeated. */
    setenv(TG_CLI_CONFIG_ENV, write_props(dir, "bad.properties", "# c\nnope\n"), 1);
    CHECK_INT(tg_cli_kafka_option(&kc, 'X', "linger.ms=1", NULL, err, sizeof err),
              TG_CLI_CONFIG);
    snprintf(want, sizeof want,
             "$TGSTREAM_CONFIG: %s/bad.properties:2: expected name=value", dir);
    CHECK_STR(err, want);
    tg_kafka_conf_free(kc);
    /* Empty means unset: the home file again. */
    setenv(TG_CLI_CONFIG_ENV, "", 1);
    kc = NULL;
    CHECK_INT(tg_cli_kafka_finish(&kc, NULL, err, sizeof err), TG_CLI_RUN);
    CHECK_STR(get(kc, "client.id"), "home");
    tg_kafka_conf_free(kc);
    unsetenv(TG_CLI_CONFIG_ENV);

    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

int main(void)
{
    /* No developer's default properties file may change what is tested. */
    setenv("HOME", "/nonexistent", 1);
    unsetenv(TG_CLI_CONFIG_ENV);
    RUN(test_duration_forms);
    RUN(test_duration_zero);
    RUN(test_duration_refused);
    RUN(test_duration_bounds);
    RUN(test_window);
    RUN(test_counts);
    RUN(test_sizes);
    RUN(test_brokers);
    RUN(test_getopt_accepts);
    RUN(test_getopt_refusals);
    RUN(test_exit_status);
    RUN(test_kafka_options);
    RUN(test_kcat_conventions);
    RUN(test_version);
    return tg_test_finish();
}
