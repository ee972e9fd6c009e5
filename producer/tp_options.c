/* tp_options.c - tgproducer's command line (see tp_options.h).
 *
 * getopt_long runs with opterr = 0: its own messages quote the whole
 * argument ("unrecognized option '--token=123:ABC...'"), which would print a
 * token typed by mistake.  Every message here names the option only.
 */
#include "tp_options.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tg_duration.h"
#include "tg_kafka_conf.h"
#include "tg_number.h"
#include "tg_time.h"

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
    {"brokers", required_argument, NULL, 'b'},
    {"topic", required_argument, NULL, 't'},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static const char short_options[] = ":b:t:X:F:c:qvhV";

/* Which options were given, for the checks that need the whole command line. */
enum tp_given {
    GIVEN_FAKE_ONLY = 1 << 0,     /* --count --seed --users --zipf --rate ... */
    GIVEN_TELEGRAM_ONLY = 1 << 1, /* --token-file --api-url --poll-timeout ... */
    GIVEN_KAFKA = 1 << 2,         /* -b -t -X -F */
};

/* ---- option names for messages ---------------------------------------- */

/* "--name" or "-x" for an option code, so messages never need the text the
 * user typed (which may carry a value). */
static void option_name(int code, char *buf, size_t buflen)
{
    for (const struct option *o = long_options; o->name != NULL; o++) {
        if (o->val == code) {
            snprintf(buf, buflen, "--%s", o->name);
            return;
        }
    }
    if (code > 0 && code < 256 && isprint(code))
        snprintf(buf, buflen, "-%c", code);
    else
        snprintf(buf, buflen, "an option");
}

/* The name part of an unrecognised "--name=value" argument, cut at '='. */
static void unknown_option_name(const char *arg, char *buf, size_t buflen)
{
    size_t n = strcspn(arg, "=");
    if (n >= buflen)
        n = buflen - 1;
    memcpy(buf, arg, n);
    buf[n] = '\0';
}

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

static bool all_digits(const char *text)
{
    if (*text == '\0')
        return false;
    for (; *text != '\0'; text++) {
        if (!isdigit((unsigned char)*text))
            return false;
    }
    return true;
}

/* A duration: a bare number of seconds ("60") or tg_duration_parse's forms
 * ("90s", "1m30s", "500ms").  "0" is accepted only when allow_zero. */
static int parse_duration_arg(const char *text, bool allow_zero, int64_t *ms, char *err,
                              size_t errlen)
{
    if (all_digits(text)) {
        int64_t s;
        if (tg_parse_int64(text, allow_zero ? 0 : 1, INT64_MAX / 1000, &s) != 0) {
            snprintf(err, errlen, "expected a %s number of seconds or a duration",
                     allow_zero ? "non-negative" : "positive");
            return -1;
        }
        *ms = s * 1000;
        return 0;
    }
    return tg_duration_parse(text, ms, err, errlen);
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
                     "-c/--chats: expected a comma-separated list of "
                     "chat ids");
            return -1;
        }
        memcpy(item, p, n);
        item[n] = '\0';
        if (tg_parse_int64(item, INT64_MIN, INT64_MAX, &id) != 0 || id == 0 ||
            (id > 0 && id >= TP_CHANNEL_ID_BASE)) {
            snprintf(err, errlen, "-c/--chats: '%s' is not a chat id", item);
            return -1;
        }
        size_t adding = id > 0 ? 2 : 1;
        int64_t *grown = realloc(opts->chats, (opts->chat_count + adding) * sizeof *grown);
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

static int add_conf_arg(struct tp_options *opts, bool is_file, const char *value,
                        char *err, size_t errlen)
{
    struct tp_conf_arg *grown =
        realloc(opts->conf_args, (opts->conf_arg_count + 1) * sizeof *grown);
    if (grown == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    opts->conf_args = grown;
    opts->conf_args[opts->conf_arg_count].is_file = is_file;
    opts->conf_args[opts->conf_arg_count].value = value;
    opts->conf_arg_count++;
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
    opts->topic = TG_KAFKA_DEFAULT_TOPIC;
}

/* Applies one option.  Returns 0, or -1 with err saying what is wrong with
 * the value (the caller prefixes the option name). */
static int apply_option(struct tp_options *opts, int code, const char *arg,
                        unsigned *given, char *err, size_t errlen)
{
    int64_t v;
    err[0] = '\0';
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
        *given |= GIVEN_FAKE_ONLY;
        if (tg_parse_int64(arg, 0, INT64_MAX, &opts->count) != 0)
            snprintf(err, errlen, "expected a non-negative integer");
        break;
    case OPT_SEED:
        *given |= GIVEN_FAKE_ONLY;
        if (tg_parse_uint64(arg, &opts->seed) != 0)
            snprintf(err, errlen, "expected an integer from 0 to 2^64-1");
        break;
    case OPT_USERS:
        *given |= GIVEN_FAKE_ONLY;
        if (tg_parse_int64(arg, 1, TP_MAX_FAKE_USERS, &opts->users) != 0)
            snprintf(err, errlen, "expected an integer from 1 to %d", TP_MAX_FAKE_USERS);
        break;
    case OPT_ZIPF:
        *given |= GIVEN_FAKE_ONLY;
        if (parse_double(arg, true, &opts->zipf) != 0 || opts->zipf > TP_MAX_FAKE_ZIPF)
            snprintf(err, errlen, "expected an exponent from 0 (uniform) to %g",
                     TP_MAX_FAKE_ZIPF);
        break;
    case OPT_RATE:
        *given |= GIVEN_FAKE_ONLY;
        if (parse_double(arg, false, &opts->rate) != 0 || opts->rate > 1e9)
            snprintf(err, errlen,
                     "expected a number of messages per second, "
                     "above 0 and at most 1e9");
        break;
    case OPT_START:
        *given |= GIVEN_FAKE_ONLY;
        if (tg_time_parse(arg, strlen(arg), &opts->start_ms, err, errlen) != 0)
            break;
        opts->start_set = true;
        return 0;
    case OPT_SPEED:
        *given |= GIVEN_FAKE_ONLY;
        if (strcmp(arg, "max") == 0)
            opts->speed = 0;
        else if (parse_double(arg, false, &opts->speed) != 0)
            snprintf(err, errlen, "expected a positive factor or 'max'");
        break;
    case OPT_TOKEN:
        snprintf(err, errlen,
                 "not accepted: a token on the command line is "
                 "visible to every local user (ps, /proc); set $%s "
                 "or use --token-file FILE (mode 0600)",
                 TP_TOKEN_ENV);
        break;
    case OPT_TOKEN_FILE:
        *given |= GIVEN_TELEGRAM_ONLY;
        opts->token_file = arg;
        return 0;
    case OPT_API_URL:
        *given |= GIVEN_TELEGRAM_ONLY;
        if (strncmp(arg, "http://", 7) != 0 && strncmp(arg, "https://", 8) != 0)
            snprintf(err, errlen, "expected an http:// or https:// URL");
        opts->api_url = arg;
        break;
    case OPT_POLL_TIMEOUT:
        *given |= GIVEN_TELEGRAM_ONLY;
        if (parse_duration_arg(arg, true, &v, err, errlen) != 0)
            break;
        if (v % 1000 != 0 || v / 1000 > TP_MAX_POLL_TIMEOUT_S)
            snprintf(err, errlen,
                     "expected whole seconds from 0 to %d (the Bot "
                     "API's maximum)",
                     TP_MAX_POLL_TIMEOUT_S);
        else
            opts->poll_timeout_s = (int)(v / 1000);
        break;
    case 'c':
        *given |= GIVEN_TELEGRAM_ONLY;
        return add_chats(opts, arg, err, errlen);
    case OPT_INCLUDE_EDITS:
        *given |= GIVEN_TELEGRAM_ONLY;
        opts->include_edits = true;
        return 0;
    case OPT_DELETE_WEBHOOK:
        *given |= GIVEN_TELEGRAM_ONLY;
        opts->delete_webhook = true;
        return 0;
    case OPT_CONFLICT_TIMEOUT:
        *given |= GIVEN_TELEGRAM_ONLY;
        parse_duration_arg(arg, true, &opts->conflict_timeout_ms, err, errlen);
        break;
    case OPT_DELIVERY_TIMEOUT:
        parse_duration_arg(arg, false, &opts->delivery_timeout_ms, err, errlen);
        break;
    case OPT_STATE:
        *given |= GIVEN_TELEGRAM_ONLY;
        if (arg[0] == '\0')
            snprintf(err, errlen, "expected a file name");
        opts->state_path = arg;
        break;
    case OPT_STATS:
        opts->stats = true;
        return 0;
    case 'b':
        *given |= GIVEN_KAFKA;
        opts->brokers = arg;
        return 0;
    case 't':
        *given |= GIVEN_KAFKA;
        if (arg[0] == '\0')
            snprintf(err, errlen, "expected a topic name");
        opts->topic = arg;
        break;
    case 'X':
    case 'F':
        *given |= GIVEN_KAFKA;
        return add_conf_arg(opts, code == 'F', arg, err, errlen);
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
        snprintf(err, errlen, "is not handled");
        break;
    }
    return err[0] == '\0' ? 0 : -1;
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
    char name[64], why[400];
    int code;

    opterr = 0;
    optind = 0; /* glibc: full re-initialisation, so parsing can run again */
    while ((code = getopt_long(argc, argv, short_options, long_options, NULL)) != -1) {
        if (code == '?') {
            if (optopt == 0)
                unknown_option_name(argv[optind - 1], name, sizeof name);
            else if (optopt < 256 && strchr(short_options + 1, optopt) == NULL)
                snprintf(name, sizeof name, "-%c", isprint(optopt) ? optopt : '?');
            else {
                option_name(optopt, name, sizeof name);
                snprintf(err, errlen, "option %s takes no value", name);
                return -1;
            }
            snprintf(err, errlen, "unknown option %s (see --help)", name);
            return -1;
        }
        if (code == ':') {
            option_name(optopt, name, sizeof name);
            snprintf(err, errlen, "option %s needs a value", name);
            return -1;
        }
        if (apply_option(opts, code, optarg, &given, why, sizeof why) != 0) {
            option_name(code, name, sizeof name);
            snprintf(err, errlen, "%s: %s", name, why);
            return -1;
        }
    }
    if (optind < argc) {
        /* The operand itself is not shown: it may be a pasted token. */
        snprintf(err, errlen,
                 "unexpected operand (tgproducer takes options only; "
                 "see --help)");
        return -1;
    }
    if (opts->help || opts->version)
        return 0;
    if (opts->chat_count > 0) {
        qsort(opts->chats, opts->chat_count, sizeof opts->chats[0], compare_int64);
    }
    return check_combinations(opts, given, err, errlen);
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
            "(default: now)\n"
            "      --speed X|max     event time runs X times the wall clock; max = no\n"
            "                        waiting (default: 1)\n"
            "\n"
            "Telegram:\n"
            "      --token-file FILE bot token file, mode 0600 (default: $%s)\n"
            "      --api-url URL     Bot API server (default: %s)\n"
            "      --poll-timeout S  getUpdates long-poll seconds, 0-%d (default: %d)\n"
            "  -c, --chats LIST      only these chat ids, comma-separated; a bare id\n"
            "                        N means -100N or the private chat N (default: every chat)\n"
            "      --include-edits   also produce edited messages and channel posts\n"
            "      --delete-webhook  delete a configured webhook first\n"
            "      --conflict-timeout D  retry 409 Conflict for D (default: 60s)\n"
            "      --state FILE      offset state file (default:\n"
            "                        $XDG_STATE_HOME/tgproducer/<bot id>.offset)\n"
            "\n"
            "Kafka:\n"
            "  -b, --brokers LIST    bootstrap servers (default: $%s, else %s)\n"
            "  -t, --topic TOPIC     topic (default: %s)\n"
            "  -X NAME=VALUE         librdkafka property (repeatable)\n"
            "  -F FILE               librdkafka properties file\n"
            "      --delivery-timeout D  bound on waiting for delivery reports "
            "(default: 60s)\n"
            "\n"
            "Output:\n"
            "      --stats           counters to stderr at exit\n"
            "  -q, --quiet           errors only\n"
            "  -v, --verbose         more diagnostics (repeatable)\n"
            "  -h, --help            this text\n"
            "  -V, --version         version\n"
            "\n"
            "Durations: seconds (\"60\") or 500ms, 30s, 1m30s, 1h.  The token is never\n"
            "accepted on the command line.  Exit codes: 0 ok, 64 usage, 69 Kafka or\n"
            "Telegram unreachable, 75 try later (lock held, delivery timeout),\n"
            "77 token rejected, 78 configuration.  See tgproducer(1).\n",
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

/* Reads the token file into buf (NUL-terminated) after checking its mode. */
static int read_token_file(const char *path, char *buf, size_t buflen, char *err,
                           size_t errlen)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        snprintf(err, errlen, "--token-file %s: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "--token-file %s: not a regular file", path);
        close(fd);
        return -1;
    }
    if ((st.st_mode & 077) != 0) {
        snprintf(err, errlen,
                 "--token-file %s: mode %04o lets group or others at the "
                 "token; refusing it (chmod 600 %s)",
                 path, (unsigned)(st.st_mode & 07777), path);
        close(fd);
        return -1;
    }
    size_t len = 0;
    for (;;) {
        ssize_t n = read(fd, buf + len, buflen - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(err, errlen, "--token-file %s: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len == buflen - 1) {
            snprintf(err, errlen, "--token-file %s: too long for a bot token", path);
            close(fd);
            return -1;
        }
    }
    close(fd);
    buf[len] = '\0';
    return 0;
}

int tp_options_load_token(struct tp_options *opts, char *err, size_t errlen)
{
    char buf[TP_TOKEN_MAX + 2];
    const char *source = opts->token_file != NULL ? "--token-file" : "$" TP_TOKEN_ENV;
    int rc = -1;

    if (opts->token_file != NULL) {
        if (read_token_file(opts->token_file, buf, sizeof buf, err, errlen) != 0)
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
    free(opts->conf_args);
    tp_options_init(opts);
}
