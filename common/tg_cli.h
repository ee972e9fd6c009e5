/* tg_cli.h - the command-line conventions tgproducer and tgcount share, so
 * that an option is read the same way and refused in the same words by both:
 *
 *   durations  tg_duration's forms (250ms, 30s, 1m30s, 1h, 2d) or a bare
 *              whole number of seconds ("60" is 60s); zero only where the
 *              option allows it; at most the option's own bound
 *   counts     whole decimal numbers, digits only, within [min, max]; a size
 *              also takes a K or M suffix (x1024, x1048576)
 *   getopt     "unknown option: --foo (try --help)", "option needs an
 *              argument: -w (try --help)", "option takes no argument:
 *              --stats (try --help)".  What was typed after '=' is never
 *              repeated: it may be a secret pasted by mistake.
 *   -X, -F     librdkafka properties, applied in command-line order to one
 *              configuration created on first use (defaults, then the
 *              default properties file, below); "-X: why" or
 *              "-F: FILE:LINE: why", exit TG_EXIT_CONFIG (78)
 *   -d CTX     kcat's shorthand for -X debug=CTX
 *   -X list    librdkafka's property table on stdout, exit 0 (at once)
 *   -X dump    the effective configuration on stdout once every option was
 *              read, secrets as [redacted], exit 0; nothing runs
 *   defaults   $TGSTREAM_CONFIG when set and not empty (missing: exit 78),
 *              else ~/.config/tgstream/kafka.properties when it exists,
 *              read as -F before any -F/-X, as kcat reads kcat.conf
 *   --version  "PROGRAM VERSION (librdkafka X, jansson Y[, libcurl Z])"
 *
 * Value errors read "OPTION: why", OPTION being the name the caller passes
 * ("--lateness").  Nothing here prints or exits: each function returns 0 or
 * -1 and fills err; the tool prints it and exits with tg_cli_exit_status.
 */
#ifndef TG_CLI_H
#define TG_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tg_duration.h"

struct tg_kafka_conf;

/* The longest duration an option takes unless it has a tighter bound:
 * 3660 days, about ten years (so that now + a duration cannot overflow). */
#define TG_CLI_DURATION_MAX_MS (INT64_C(3660) * 86400000)

/* What parsing a command line decided.  Each tool's parser returns one. */
enum tg_cli_result {
    TG_CLI_RUN = 0,        /* options valid: run */
    TG_CLI_HELP = 1,       /* --help: print the help, exit 0 */
    TG_CLI_VERSION = 2,    /* --version: print tg_cli_version's line, exit 0 */
    TG_CLI_USAGE = -1,     /* bad command line: exit TG_EXIT_USAGE (64) */
    TG_CLI_CONFIG = -2,    /* bad -X or -F: exit TG_EXIT_CONFIG (78) */
    TG_CLI_KAFKA_LIST = 3, /* -X list: tg_cli_kafka_show, exit with its status */
    TG_CLI_KAFKA_DUMP = 4, /* -X dump: tg_cli_kafka_show, exit with its status */
};

/* The environment variable naming the default properties file, and the
 * file read when it is not set (relative to $HOME). */
#define TG_CLI_CONFIG_ENV "TGSTREAM_CONFIG"
#define TG_CLI_CONFIG_HOME_FILE ".config/tgstream/kafka.properties"

/* The exit status for a tg_cli_result (TG_EXIT_OK for the non-negative
 * ones). */
int tg_cli_exit_status(int result);

/* ---- values ----------------------------------------------------------- */

/* A duration option's value (see the file comment); "0", "0s" and the like
 * only when zero_ok.  Returns 0 with *ms set, or -1 with err set: "OPTION:
 * <tg_duration's reason>" (a zero where none is allowed: "OPTION: duration
 * \"0\" must be positive") or "OPTION: 4000d is too long (at most 3660d)". */
int tg_cli_duration(const char *option, const char *text, bool zero_ok, int64_t max_ms,
                    int64_t *ms, char *err, size_t errlen);

/* A window spec, SIZE or SIZE/SLIDE, each a duration as above (never zero),
 * SIZE at most max_ms.  Returns 0 with *spec filled, or -1 with err set. */
int tg_cli_window(const char *option, const char *text, int64_t max_ms,
                  struct tg_window_spec *spec, char *err, size_t errlen);

/* A whole number in [min, max].  Returns 0 with *out set, or -1 with err:
 * "OPTION: expected a whole number from MIN to MAX, got 'TEXT'". */
int tg_cli_count(const char *option, const char *text, uint64_t min, uint64_t max,
                 uint64_t *out, char *err, size_t errlen);

/* A size in bytes in [min, max]: a whole number, optionally followed by K
 * (or k) or M.  Returns 0 with *out set, or -1 with err: "OPTION: expected
 * a size from MIN to MAX (K and M suffixes allowed), got 'TEXT'". */
int tg_cli_size(const char *option, const char *text, uint64_t min, uint64_t max,
                uint64_t *out, char *err, size_t errlen);

/* A broker list (-b): "host:port[,host:port...]", refused when it names no
 * broker at all (empty, or only commas and spaces), which would otherwise
 * fall back to another source of brokers unseen.  Returns 0, or -1 with
 * err: "OPTION: expected host:port[,host:port...], got an empty list". */
int tg_cli_brokers(const char *option, const char *text, char *err, size_t errlen);

/* ---- getopt ----------------------------------------------------------- */

/* Call before the first tg_cli_next_option of a command line: getopt
 * starts over (so a command line may be parsed twice, as tests do), and
 * getopt's own messages, which quote the whole argument, are off. */
void tg_cli_begin(void);

/* The next option of argv, as getopt_long returns it (shortopts must start
 * with ':'): its code, with the value in optarg; -1 after the last option,
 * optind then being the first operand; '?' when getopt refused an argument,
 * with the message in err (exit TG_EXIT_USAGE). */
int tg_cli_next_option(int argc, char *const argv[], const char *shortopts,
                       const struct option *longopts, char *err, size_t errlen);

/* ---- Kafka configuration ------------------------------------------------ */

/* A new configuration: the defaults applied (name, value pairs ending with a
 * NULL name; defaults may be NULL), then the default properties file (see
 * the file comment).  Returns it (owned by the caller: tg_kafka_conf_free),
 * or NULL with err set ("$TGSTREAM_CONFIG: FILE: why", "FILE:LINE: why"). */
struct tg_kafka_conf *tg_cli_kafka_conf_new(const char *const *defaults, char *err,
                                            size_t errlen);

/* Applies -X name=value (opt 'X'), -F FILE (opt 'F') or -d CTX (opt 'd') to
 * *kc.  When *kc is NULL it is first created by
 * tg_cli_kafka_conf_new(defaults), so that a user's -X overrides a default
 * and the default file.  *kc belongs to the caller, also after a failure.
 * Returns TG_CLI_RUN; TG_CLI_KAFKA_LIST for -X list (stop parsing); or
 * TG_CLI_CONFIG with err set ("-X: expected name=value", "-F: FILE:LINE:
 * why", ...).  -X dump is remembered in *kc for tg_cli_kafka_finish. */
int tg_cli_kafka_option(struct tg_kafka_conf **kc, int opt, const char *arg,
                        const char *const *defaults, char *err, size_t errlen);

/* Call after the last option when the tool will use Kafka: creates *kc as
 * above when no -X/-F/-d did, so that the default file applies anyway.
 * Returns TG_CLI_RUN, TG_CLI_KAFKA_DUMP when -X dump was given, or
 * TG_CLI_CONFIG with err set. */
int tg_cli_kafka_finish(struct tg_kafka_conf **kc, const char *const *defaults, char *err,
                        size_t errlen);

/* Does what TG_CLI_KAFKA_LIST or TG_CLI_KAFKA_DUMP asks, writing to out:
 * librdkafka's property table, or kc completed as a run would
 * (tg_kafka_conf_complete with program and cli_brokers), then dumped with
 * secrets redacted.  Returns the exit status: TG_EXIT_OK, TG_EXIT_CONFIG or
 * TG_EXIT_TEMPFAIL (writing out failed), err set for the last two. */
int tg_cli_kafka_show(int result, FILE *out, struct tg_kafka_conf *kc,
                      const char *program, const char *cli_brokers, char *err,
                      size_t errlen);

/* ---- --version ---------------------------------------------------------- */

/* Formats "PROGRAM TG_VERSION (librdkafka X, jansson Y)" into buf, with
 * ", libcurl Z" before the ')' when curl_version is not NULL.  Returns the
 * length snprintf returns. */
int tg_cli_version(char *buf, size_t buflen, const char *program,
                   const char *curl_version);

#endif
