/* tp_options.c - tgproducer's command line (see tp_options.h).  getopt's
 * refusals are worded by tg_cli, which never repeats what follows '=' in an
 * unknown option ("--token=123:ABC..." would print a token typed by
 * mistake). */
#include "tp_options.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tg_cli.h"
#include "tg_kafka_conf.h"
#include "tg_number.h"
#include "tg_time.h"
#include "tp_token_file.h"

/* A Bot API channel or supergroup id is -(10^12 + the id other clients
 * show), which prints as "-100" followed by that id. */
#define TP_CHANNEL_ID_BASE 1000000000000LL
#define TP_TOKEN_MAX 256

enum tp_opt {
    OPT_ONCE = 256,
    OPT_STDOUT,
    OPT_FAKE,
    OPT_COUNT,
    OPT_SEED,
    OPT_USERS,
    OPT_ZIPF,
    OPT_RATE,
    OPT_START,
    OPT_SPEED,
    OPT_TOKEN,
    OPT_TOKEN_FILE,
    OPT_API_URL,
    OPT_POLL_TIMEOUT,
    OPT_INCLUDE_EDITS,
    OPT_DELETE_WEBHOOK,
    OPT_CONFLICT_TIMEOUT,
    OPT_DELIVERY_TIMEOUT,
    OPT_STATE,
    OPT_STATS,
    OPT_STATS_INTERVAL,
    OPT_METRICS_FILE,
    OPT_METRICS_INTERVAL,
};

static const struct option long_options[] = {
    {"once", no_argument, NULL, OPT_ONCE},
    {"stdout", no_argument, NULL, OPT_STDOUT},
    {"fake", no_argument, NULL, OPT_FAKE},
    {"count", required_argument, NULL, OPT_COUNT},
    {"seed", required_argument, NULL, OPT_SEED},
    {"users", required_argument, NULL, OPT_USERS},
    {"zipf", required_argument, NULL, OPT_ZIPF},
    {"rate", required_argument, NULL, OPT_RATE},
    {"start", required_argument, NULL, OPT_START},
    {"speed", required_argument, NULL, OPT_SPEED},
    {"token", optional_argument, NULL, OPT_TOKEN},
    {"token-file", required_argument, NULL, OPT_TOKEN_FILE},
    {"api-url", required_argument, NULL, OPT_API_URL},
    {"poll-timeout", required_argument, NULL, OPT_POLL_TIMEOUT},
    {"chats", required_argument, NULL, 'c'},
    {"include-edits", no_argument, NULL, OPT_INCLUDE_EDITS},
    {"delete-webhook", no_argument, NULL, OPT_DELETE_WEBHOOK},
    {"conflict-timeout", required_argument, NULL, OPT_CONFLICT_TIMEOUT},
    {"delivery-timeout", required_argument, NULL, OPT_DELIVERY_TIMEOUT},
    {"state", required_argument, NULL, OPT_STATE},
    {"stats", no_argument, NULL, OPT_STATS},
    {"stats-interval", required_argument, NULL, OPT_STATS_INTERVAL},
    {"metrics-file", required_argument, NULL, OPT_METRICS_FILE},
    {"metrics-interval", required_argument, NULL, OPT_METRICS_INTERVAL},
    {"brokers", required_argument, NULL, 'b'},
    {"topic", required_argument, NULL, 't'},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static const char short_options[] = ":b:t:X:F:d:c:qvhV";

/* Which options were given, for the checks that need the whole command line. */
enum tp_given {
    GIVEN_FAKE_ONLY = 1 << 0,     /* --count --seed --users --zipf --rate ... */
    GIVEN_TELEGRAM_ONLY = 1 << 1, /* --token-file --api-url --poll-timeout ... */
    GIVEN_KAFKA = 1 << 2,         /* -b -t -X -F */
    GIVEN_STATS_INTERVAL = 1 << 3,
};

const char *const tp_kafka_defaults[] = {
    "enable.idempotence", "true", "acks", "all", "partitioner", "murmur2_random", NULL,
};

/* ---- value parsers ---------------------------------------------------- */

/* A finite number above 0, or from 0 when allow_zero. */
static int parse_double(const char *text, bool allow_zero, double *out)
{
    char *end;
    if (text[0] == '\0' || isspace((unsigned char)text[0]))
        return -1;
    errno = 0;
    double v = strtod(text, &end);
    if (errno != 0 || *end != '\0' || !isfinite(v) || v < 0 || (v == 0 && !allow_zero))
        return -1;
    *out = v;
    return 0;
}

/* Adds the ids of a comma-separated list to opts->chats.  A positive id is
 * ambiguous: a bare channel id as other clients show it (-100<id> in the Bot
 * API) or a private chat, whose Bot API id is the user's own positive id.
 * Both are kept: they can never name two different chats a user meant. */
static int add_chats(struct tp_options *opts, const char *list, char *err, size_t errlen)
{
    const char *p = list;
    for (;;) {
        size_t n = strcspn(p, ",");
        char item[32];
        int64_t id;
        if (n == 0 || n >= sizeof item) {
            snprintf(err, errlen,
                     "--chats: expected a comma-separated list of "
                     "chat ids");
            return -1;
        }
        memcpy(item, p, n);
        item[n] = '\0';
        if (tg_parse_int64(item, INT64_MIN, INT64_MAX, &id) != 0 || id == 0 ||
            (id > 0 && id >= TP_CHANNEL_ID_BASE)) {
            snprintf(err, errlen, "--chats: '%s' is not a chat id", item);
            return -1;
        }
        size_t adding = id > 0 ? 2 : 1;
        int64_t *grown =
            realloc(opts->chats, (opts->chat_count + adding) * sizeof *grown);
        if (grown == NULL) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        opts->chats = grown;
        opts->chats[opts->chat_count++] = id;
        if (id > 0)
            opts->chats[opts->chat_count++] = -(TP_CHANNEL_ID_BASE + id);
        if (p[n] == '\0')
            return 0;
        p += n + 1;
    }
}

static int compare_int64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* --poll-timeout: a duration in whole seconds, 0 to the Bot API's maximum. */
static int parse_poll_timeout(struct tp_options *opts, const char *arg, char *err,
                              size_t errlen)
{
    int64_t ms;
    if (tg_cli_duration("--poll-timeout", arg, true, TP_MAX_POLL_TIMEOUT_S * 1000, &ms,
                        err, errlen) != 0)
        return -1;
    if (ms % 1000 != 0) {
        snprintf(err, errlen, "--poll-timeout: %s is not a whole number of seconds", arg);
        return -1;
    }
    opts->poll_timeout_s = (int)(ms / 1000);
    return 0;
}

/* ---- parsing ---------------------------------------------------------- */

void tp_options_init(struct tp_options *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->count = -1;
    opts->seed = TP_DEFAULT_FAKE_SEED;
    opts->users = TP_DEFAULT_FAKE_USERS;
    opts->zipf = TP_DEFAULT_FAKE_ZIPF;
    opts->rate = TP_DEFAULT_FAKE_RATE;
    opts->speed = 1.0;
    opts->api_url = TP_DEFAULT_API_URL;
    opts->poll_timeout_s = TP_DEFAULT_POLL_TIMEOUT_S;
    opts->conflict_timeout_ms = TP_DEFAULT_CONFLICT_TIMEOUT_MS;
    opts->delivery_timeout_ms = TP_DEFAULT_DELIVERY_TIMEOUT_MS;
    opts->stats_interval_ms = TP_DEFAULT_STATS_INTERVAL_MS;
    opts->metrics_interval_ms = TP_DEFAULT_METRICS_INTERVAL_MS;
    opts->topic = TG_KAFKA_DEFAULT_TOPIC;
}

/* Options for the synthetic generator.  Returns 0, or -1 with err set. */
static int apply_fake_option(struct tp_options *opts, int code, const char *arg,
                             char *err, size_t errlen)
{
    uint64_t n;
    switch (code) {
    case OPT_COUNT:
        if (tg_cli_count("--count", arg, 0, INT64_MAX, &n, err, errlen) != 0)
            return -1;
        opts->count = (int64_t)n;
        return 0;
    case OPT_SEED:
        return tg_cli_count("--seed", arg, 0, UINT64_MAX, &opts->seed, err, errlen);
    case OPT_USERS:
        if (tg_cli_count("--users", arg, 1, TP_MAX_FAKE_USERS, &n, err, errlen) != 0)
            return -1;
        opts->users = (int64_t)n;
        return 0;
    case OPT_ZIPF:
        if (parse_double(arg, true, &opts->zipf) == 0 && opts->zipf <= TP_MAX_FAKE_ZIPF)
            return 0;
        snprintf(err, errlen, "--zipf: expected an exponent from 0 (uniform) to %g",
                 TP_MAX_FAKE_ZIPF);
        return -1;
    case OPT_RATE:
        if (parse_double(arg, false, &opts->rate) == 0 && opts->rate <= 1e9)
            return 0;
        snprintf(err, errlen,
                 "--rate: expected a number of messages per second, "
                 "above 0 and at most 1e9");
        return -1;
    case OPT_START: {
        char why[200];
        if (tg_time_parse(arg, strlen(arg), &opts->start_ms, why, sizeof why) != 0) {
            snprintf(err, errlen, "--start: %s", why);
            return -1;
        }
        opts->start_set = true;
        return 0;
    }
    default: /* OPT_SPEED */
        if (strcmp(arg, "max") == 0) {
            opts->speed = 0;
            return 0;
        }
        if (parse_double(arg, false, &opts->speed) == 0)
            return 0;
        snprintf(err, errlen, "--speed: expected a positive factor or 'max'");
        return -1;
    }
}

/* Options for the Telegram modes.  Returns 0, or -1 with err set. */
static int apply_telegram_option(struct tp_options *opts, int code, const char *arg,
                                 char *err, size_t errlen)
{
    switch (code) {
    case OPT_TOKEN_FILE:
        opts->token_file = arg;
        return 0;
    case OPT_API_URL:
        opts->api_url = arg;
        if (strncmp(arg, "http://", 7) == 0 || strncmp(arg, "https://", 8) == 0)
            return 0;
        snprintf(err, errlen, "--api-url: expected an http:// or https:// URL");
        return -1;
    case OPT_POLL_TIMEOUT:
        return parse_poll_timeout(opts, arg, err, errlen);
    case 'c':
        return add_chats(opts, arg, err, errlen);
    case OPT_INCLUDE_EDITS:
        opts->include_edits = true;
        return 0;
    case OPT_DELETE_WEBHOOK:
        opts->delete_webhook = true;
        return 0;
    case OPT_CONFLICT_TIMEOUT:
        return tg_cli_duration("--conflict-timeout", arg, true, TG_CLI_DURATION_MAX_MS,
                               &opts->conflict_timeout_ms, err, errlen);
    default: /* OPT_STATE */
        opts->state_path = arg;
        if (arg[0] != '\0')
            return 0;
        snprintf(err, errlen, "--state: expected a file name");
        return -1;
    }
}

/* Applies one option.  Returns 0, or TG_CLI_USAGE or TG_CLI_CONFIG with err
 * set. */
static int apply_option(struct tp_options *opts, int code, const char *arg,
                        unsigned *given, char *err, size_t errlen)
{
    switch (code) {
    case OPT_ONCE:
        opts->once = true;
        return 0;
    case OPT_STDOUT:
        opts->to_stdout = true;
        return 0;
    case OPT_FAKE:
        opts->fake = true;
        return 0;
    case OPT_COUNT:
    case OPT_SEED:
    case OPT_USERS:
    case OPT_ZIPF:
    case OPT_RATE:
    case OPT_START:
    case OPT_SPEED:
        *given |= GIVEN_FAKE_ONLY;
        return apply_fake_option(opts, code, arg, err, errlen) == 0 ? 0 : TG_CLI_USAGE;
    case OPT_TOKEN:
        snprintf(err, errlen,
                 "--token: not accepted: a token on the command line is "
                 "visible to every local user (ps, /proc); set $%s "
                 "or use --token-file FILE (mode 0600)",
                 TP_TOKEN_ENV);
        return TG_CLI_USAGE;
    case OPT_TOKEN_FILE:
    case OPT_API_URL:
    case OPT_POLL_TIMEOUT:
    case 'c':
    case OPT_INCLUDE_EDITS:
    case OPT_DELETE_WEBHOOK:
    case OPT_CONFLICT_TIMEOUT:
    case OPT_STATE:
        *given |= GIVEN_TELEGRAM_ONLY;
        return apply_telegram_option(opts, code, arg, err, errlen) == 0 ? 0
                                                                        : TG_CLI_USAGE;
    case OPT_DELIVERY_TIMEOUT:
        return tg_cli_duration("--delivery-timeout", arg, false, TG_CLI_DURATION_MAX_MS,
                               &opts->delivery_timeout_ms, err, errlen) == 0
                   ? 0
                   : TG_CLI_USAGE;
    case OPT_STATS:
        opts->stats = true;
        return 0;
    case OPT_STATS_INTERVAL:
        *given |= GIVEN_STATS_INTERVAL;
        return tg_cli_duration("--stats-interval", arg, false, TG_CLI_DURATION_MAX_MS,
                               &opts->stats_interval_ms, err, errlen) == 0
                   ? 0
                   : TG_CLI_USAGE;
    case OPT_METRICS_FILE:
        if (arg[0] == '\0') {
            snprintf(err, errlen, "--metrics-file: expected a file name");
            return TG_CLI_USAGE;
        }
        opts->metrics_file = arg;
        return 0;
    case OPT_METRICS_INTERVAL:
        return tg_cli_duration("--metrics-interval", arg, false, TG_CLI_DURATION_MAX_MS,
                               &opts->metrics_interval_ms, err, errlen) == 0
                   ? 0
                   : TG_CLI_USAGE;
    case 'b':
        *given |= GIVEN_KAFKA;
        opts->brokers = arg;
        return tg_cli_brokers("--brokers", arg, err, errlen) == 0 ? 0 : TG_CLI_USAGE;
    case 't':
        *given |= GIVEN_KAFKA;
        opts->topic = arg;
        if (arg[0] != '\0')
            return 0;
        snprintf(err, errlen, "--topic: expected a topic name");
        return TG_CLI_USAGE;
    case 'X':
    case 'F':
    case 'd':
        *given |= GIVEN_KAFKA;
        return tg_cli_kafka_option(&opts->kafka_conf, code, arg, tp_kafka_defaults, err,
                                   errlen);
    case 'q':
        opts->verbosity = -1;
        return 0;
    case 'v':
        opts->verbosity = opts->verbosity < 0 ? 1 : opts->verbosity + 1;
        return 0;
    case 'h':
        opts->help = true;
        return 0;
    case 'V':
        opts->version = true;
        return 0;
    default:
        snprintf(err, errlen, "option not handled (try --help)");
        return TG_CLI_USAGE;
    }
}

/* Rejects combinations where an option would be silently ignored. */
static int check_combinations(const struct tp_options *opts, unsigned given, char *err,
                              size_t errlen)
{
    if (!opts->fake && (given & GIVEN_FAKE_ONLY)) {
        snprintf(err, errlen,
                 "--count, --seed, --users, --zipf, --rate, --start and --speed "
                 "need --fake");
        return -1;
    }
    if (opts->fake && opts->once) {
        snprintf(err, errlen,
                 "--once drains Telegram; it has no meaning with --fake "
                 "(use --count to stop)");
        return -1;
    }
    if (opts->once && (given & GIVEN_STATS_INTERVAL)) {
        snprintf(err, errlen,
                 "--stats-interval: --once prints its stats line once, at the end "
                 "(use --stats)");
        return -1;
    }
    if (opts->fake && (given & GIVEN_TELEGRAM_ONLY)) {
        snprintf(err, errlen,
                 "--fake talks to no Telegram server: --token-file, "
                 "--api-url, --poll-timeout, -c, --include-edits, "
                 "--delete-webhook, --conflict-timeout and --state do "
                 "not apply");
        return -1;
    }
    if (opts->to_stdout && (given & GIVEN_KAFKA)) {
        snprintf(err, errlen,
                 "--stdout writes no Kafka records: -b, -t, -X and -F "
                 "do not apply");
        return -1;
    }
    return 0;
}

int tp_options_parse(struct tp_options *opts, int argc, char *const argv[], char *err,
                     size_t errlen)
{
    unsigned given = 0;
    int code;

    tg_cli_begin();
    while ((code = tg_cli_next_option(argc, argv, short_options, long_options, err,
                                      errlen)) != -1) {
        if (code == '?')
            return TG_CLI_USAGE;
        int rc = apply_option(opts, code, optarg, &given, err, errlen);
        if (rc != 0)
            return rc;
    }
    if (optind < argc) {
        /* The operand itself is not shown: it may be a pasted token. */
        snprintf(err, errlen,
                 "unexpected operand (tgproducer takes options only; "
                 "try --help)");
        return TG_CLI_USAGE;
    }
    if (opts->help || opts->version)
        return 0;
    if (opts->chat_count > 0) {
        qsort(opts->chats, opts->chat_count, sizeof opts->chats[0], compare_int64);
    }
    if (check_combinations(opts, given, err, errlen) != 0)
        return TG_CLI_USAGE;
    return opts->to_stdout
               ? 0
               : tg_cli_kafka_finish(&opts->kafka_conf, tp_kafka_defaults, err, errlen);
}

void tp_options_usage(FILE *out, const char *program)
{
    fprintf(out,
            "usage: %s [options]\n"
            "Reads chat messages from the Telegram Bot API (or generates them) and\n"
            "produces one JSON record per message to Kafka or stdout.\n"
            "\n"
            "Modes:\n"
            "  (default)             follow: long-poll getUpdates until stopped\n"
            "      --once            drain pending updates, deliver, confirm, exit\n"
            "      --stdout          write records to stdout instead of Kafka\n"
            "      --fake            generate synthetic records; no Telegram\n"
            "\n"
            "Synthetic records (--fake):\n"
            "      --count N         records to generate (default: unlimited)\n"
            "      --seed S          PRNG seed; same seed and options, same bytes "
            "(default: %d)\n"
            "      --users N         distinct senders, Zipf-skewed (default: %d)\n"
            "      --zipf S          activity of the sender of rank r ~ 1/r^S; 0 =\n"
            "                        uniform (default: %g)\n"
            "      --rate R          messages per second of event time (default: %g)\n"
            "      --start TIME      event time of the first record, ISO-8601 "
            "(default: now;\n"
            "                        --speed max --count N: N/rate seconds ago, so that\n"
            "                        the records end near now)\n"
            "      --speed X|max     event time runs X times the wall clock; max = no\n"
            "                        waiting (default: 1)\n"
            "\n"
            "Telegram:\n"
            "      --token-file FILE bot token file, mode 0600 (default: $%s)\n"
            "      --api-url URL     Bot API server (default: %s)\n"
            "      --poll-timeout D  getUpdates long poll, whole seconds, 0-%ds\n"
            "                        (default: %ds)\n"
            "  -c, --chats LIST      only these chat ids, comma-separated; a bare id\n"
            "                        N means -100N or the private chat N (default: every "
            "chat)\n"
            "      --include-edits   also produce edited messages and channel posts\n"
            "      --delete-webhook  delete a configured webhook first\n"
            "      --conflict-timeout D  retry 409 Conflict for D (default: 60s)\n"
            "      --state FILE      offset state file (default:\n"
            "                        $XDG_STATE_HOME/tgproducer/<bot id>.offset)\n"
            "\n"
            "Kafka:\n"
            "  -b, --brokers LIST    bootstrap servers (default: $%s, else %s)\n"
            "  -t, --topic TOPIC     topic (default: %s)\n"
            "  -X NAME=VALUE         librdkafka property (repeatable); -X list:\n"
            "                        librdkafka's properties; -X dump: the\n"
            "                        configuration in effect (secrets [redacted]);\n"
            "                        both print to stdout and exit\n"
            "  -F FILE               librdkafka properties file (read first:\n"
            "                        $TGSTREAM_CONFIG, else\n"
            "                        ~/.config/tgstream/kafka.properties)\n"
            "  -d CTX                librdkafka debug contexts (-X debug=CTX)\n"

            "      --delivery-timeout D  bound on waiting for delivery reports "
            "(default: 60s)\n"
            "\n"
            "Output:\n"
            "      --stats           counters to stderr at exit\n"
            "      --stats-interval D  and this often in follow mode and with --fake\n"
            "                        (default: 10s)\n"
            "      --metrics-file PATH  write the counters there in Prometheus text\n"
            "                        format, atomically, mode 0644 (default: none)\n"
            "      --metrics-interval D  how often, and at the end (default: 15s)\n"
            "  -q, --quiet           errors only\n"
            "  -v, --verbose         more diagnostics (repeatable)\n"
            "  -h, --help            this text\n"
            "  -V, --version         version\n"
            "\n"
            "Durations: 250ms, 30s, 1m30s, 1h, 2d, or a number of seconds (60).\n"
            "The token is never accepted on the command line.  Exit codes: 0 ok,\n"
            "64 usage, 69 Kafka or Telegram unreachable, 75 try later (lock held,\n"
            "delivery timeout, writing stdout failed), 77 token rejected, 78\n"
            "configuration.\n"
            "See tgproducer(1).\n",
            program, TP_DEFAULT_FAKE_SEED, TP_DEFAULT_FAKE_USERS, TP_DEFAULT_FAKE_ZIPF,
            TP_DEFAULT_FAKE_RATE, TP_TOKEN_ENV, TP_DEFAULT_API_URL, TP_MAX_POLL_TIMEOUT_S,
            TP_DEFAULT_POLL_TIMEOUT_S, TG_KAFKA_BROKERS_ENV, TG_KAFKA_DEFAULT_BROKERS,
            TG_KAFKA_DEFAULT_TOPIC);
}

/* ---- the token -------------------------------------------------------- */

static bool token_well_formed(const char *t, size_t len)
{
    size_t i = 0;
    while (i < len && isdigit((unsigned char)t[i]))
        i++;
    if (i == 0 || i == len || t[i] != ':' || i + 1 == len)
        return false;
    for (i++; i < len; i++) {
        char c = t[i];
        if (!isalnum((unsigned char)c) && c != '_' && c != '-')
            return false;
    }
    return true;
}

int tp_options_load_token(struct tp_options *opts, char *err, size_t errlen)
{
    char buf[TP_TOKEN_MAX + 2];
    const char *source = opts->token_file != NULL ? "--token-file" : "$" TP_TOKEN_ENV;
    int rc = -1;

    if (opts->token_file != NULL) {
        if (tp_token_file_read(opts->token_file, buf, sizeof buf, err, errlen) != 0)
            goto out;
    } else {
        const char *env = getenv(TP_TOKEN_ENV);
        if (env == NULL || env[0] == '\0') {
            snprintf(err, errlen,
                     "no bot token: set $%s or use --token-file FILE "
                     "(the token is never accepted as an option)",
                     TP_TOKEN_ENV);
            goto out;
        }
        if (strlen(env) > TP_TOKEN_MAX) {
            snprintf(err, errlen, "%s: too long for a bot token", source);
            goto out;
        }
        strcpy(buf, env);
    }

    const char *start = buf;
    size_t len = strlen(buf);
    while (len > 0 && isspace((unsigned char)*start)) {
        start++;
        len--;
    }
    while (len > 0 && isspace((unsigned char)start[len - 1]))
        len--;
    if (!token_well_formed(start, len)) {
        snprintf(err, errlen,
                 "%s: does not hold a bot token (expected "
                 "<bot id>:<secret>, as BotFather gives it)",
                 source);
        goto out;
    }
    char *token = malloc(len + 1);
    if (token == NULL) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    memcpy(token, start, len);
    token[len] = '\0';
    if (opts->token != NULL) {
        explicit_bzero(opts->token, strlen(opts->token));
        free(opts->token);
    }
    opts->token = token;
    rc = 0;
out:
    explicit_bzero(buf, sizeof buf);
    return rc;
}

bool tp_options_chat_allowed(const struct tp_options *opts, int64_t chat_id)
{
    if (opts->chat_count == 0)
        return true;
    return bsearch(&chat_id, opts->chats, opts->chat_count, sizeof opts->chats[0],
                   compare_int64) != NULL;
}

void tp_options_clear(struct tp_options *opts)
{
    if (opts == NULL)
        return;
    if (opts->token != NULL) {
        explicit_bzero(opts->token, strlen(opts->token));
        free(opts->token);
    }
    free(opts->chats);
    tg_kafka_conf_free(opts->kafka_conf);
    tp_options_init(opts);
}
