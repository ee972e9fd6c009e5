/* tp_options.h - tgproducer's command line: every option, its default, and
 * the bot token (read from the environment or a file, never from argv).
 * Values are read with the conventions both tools share (tg_cli.h).
 *
 * Usage:
 *   struct tp_options opts;
 *   tp_options_init(&opts);
 *   rc = tp_options_parse(&opts, argc, argv, err, sizeof err);
 *   if (rc != 0) -> print err, exit tg_cli_exit_status(rc) (64, or 78 for -X/-F)
 *   if (opts.help || opts.version) -> print, exit 0
 *   if (!opts.fake && tp_options_load_token(&opts, err, sizeof err) != 0) -> exit 78
 *   ...
 *   tp_options_clear(&opts);
 *
 * Strings marked "borrowed" point into argv (or static defaults) and live as
 * long as argv does.  The struct owns `token`, `chats` and `kafka_conf`;
 * tp_options_clear releases them (and wipes the token).
 */
#ifndef TP_OPTIONS_H
#define TP_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define TP_DEFAULT_API_URL "https://api.telegram.org"
#define TP_DEFAULT_POLL_TIMEOUT_S 50 /* getUpdates' server-side maximum */
#define TP_MAX_POLL_TIMEOUT_S 50
#define TP_DEFAULT_CONFLICT_TIMEOUT_MS 60000
#define TP_DEFAULT_DELIVERY_TIMEOUT_MS 60000
#define TP_DEFAULT_FAKE_SEED 1
#define TP_DEFAULT_FAKE_USERS 50
#define TP_MAX_FAKE_USERS 10000000
#define TP_DEFAULT_FAKE_RATE 5.0
#define TP_DEFAULT_FAKE_ZIPF 1.0
#define TP_MAX_FAKE_ZIPF 10.0
#define TP_DEFAULT_STATS_INTERVAL_MS 10000
/* node_exporter's and Prometheus' usual scrape interval, as tgcount's. */
#define TP_DEFAULT_METRICS_INTERVAL_MS 15000
#define TP_TOKEN_ENV "TELEGRAM_BOT_TOKEN"

struct tg_kafka_conf;

/* Producer properties set before any -X/-F, so that a user's -X can still
 * override them: an idempotent producer whose records every in-sync
 * replica has, and the murmur2 partitioner of the Java, Python and JS
 * clients (librdkafka's default hashes keys with CRC32), so that a key lands
 * in the same partition whichever client wrote it.  Name, value pairs,
 * ending with a NULL name. */
extern const char *const tp_kafka_defaults[];

struct tp_options {
    /* Modes. */
    bool once;      /* --once: drain pending updates, deliver, confirm, exit */
    bool to_stdout; /* --stdout: records to stdout instead of Kafka */
    bool fake;      /* --fake: synthetic records, no Telegram */

    /* --fake (rejected without --fake). */
    int64_t count;    /* --count; -1 = unlimited (default) */
    uint64_t seed;    /* --seed; default TP_DEFAULT_FAKE_SEED */
    int64_t users;    /* --users; default 50, 1..TP_MAX_FAKE_USERS */
    double zipf;      /* --zipf: activity exponent, 0 (uniform)..10; default 1 */
    double rate;      /* --rate: messages per second of event time, > 0 */
    bool start_set;   /* --start given; otherwise now (see tp_fake_run.h) */
    int64_t start_ms; /* --start as epoch ms (valid when start_set) */
    double speed;     /* --speed: event time per wall time; 0 = "max" */

    /* Telegram. */
    const char *token_file;      /* --token-file, borrowed; NULL = $TELEGRAM_BOT_TOKEN */
    char *token;                 /* owned; set by tp_options_load_token, else NULL */
    const char *api_url;         /* --api-url, borrowed; no trailing '/' needed */
    int poll_timeout_s;          /* --poll-timeout, 0..TP_MAX_POLL_TIMEOUT_S */
    int64_t *chats;              /* -c/--chats as Bot API ids, sorted; owned */
    size_t chat_count;           /* 0 = every chat */
    bool include_edits;          /* --include-edits */
    bool delete_webhook;         /* --delete-webhook */
    int64_t conflict_timeout_ms; /* --conflict-timeout */
    int64_t delivery_timeout_ms; /* --delivery-timeout */
    const char *state_path;      /* --state, borrowed; NULL = the XDG default */

    /* Kafka. */
    const char *brokers; /* -b, borrowed; NULL = $KAFKA_BOOTSTRAP_SERVERS or default */
    const char *topic;   /* -t, borrowed; default TG_KAFKA_DEFAULT_TOPIC */
    /* -X and -F applied in command-line order over tp_kafka_defaults; NULL
     * when neither was given.  Owned. */
    struct tg_kafka_conf *kafka_conf;

    /* Diagnostics. */
    bool stats;                  /* --stats: counters to stderr at exit */
    int64_t stats_interval_ms;   /* and this often, but with --once */
    const char *metrics_file;    /* --metrics-file, borrowed; NULL = none */
    int64_t metrics_interval_ms; /* --metrics-interval */
    int verbosity;               /* -1 after -q, else the number of -v */
    bool help;                   /* --help was given: print tp_options_usage, exit 0 */
    bool version;                /* --version was given */
};

/* Fills every field with its default. */
void tp_options_init(struct tp_options *opts);

/* Parses argv with getopt_long (which may reorder argv's pointers).
 * Option values are borrowed from argv.  Rejects unknown options, missing
 * or malformed values, operands, options that would be ignored (fake-only
 * ones without --fake, Telegram ones with --fake, Kafka ones with
 * --stdout), and any --token option (a token in argv is visible to every
 * local user through ps).
 * Messages never repeat an operand, a --token value or what follows '=' in
 * an unknown option, so a token typed there by mistake cannot leak.
 * Returns 0, TG_CLI_USAGE (exit TG_EXIT_USAGE) or TG_CLI_CONFIG (a bad -X
 * or -F: exit TG_EXIT_CONFIG), with a message in err. */
int tp_options_parse(struct tp_options *opts, int argc, char *const argv[], char *err,
                     size_t errlen);

/* Prints the --help text, every option with its default, to out. */
void tp_options_usage(FILE *out, const char *program);

/* Reads the bot token: from --token-file when given (nobody else may read
 * or write the file: tp_token_file.h says how that is decided), else from
 * $TELEGRAM_BOT_TOKEN.
 * Surrounding whitespace is trimmed; the token must look like
 * <digits>:<characters>.  Messages never contain the token.
 * Returns 0 with opts->token set (owned by opts), or -1 with a message in
 * err (exit TG_EXIT_CONFIG). */
int tp_options_load_token(struct tp_options *opts, char *err, size_t errlen);

/* True when -c/--chats was not given or lists chat_id. */
bool tp_options_chat_allowed(const struct tp_options *opts, int64_t chat_id);

/* Releases what opts owns (wiping the token first) and re-initialises it.
 * NULL-safe. */
void tp_options_clear(struct tp_options *opts);

#endif
