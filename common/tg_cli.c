/* tg_cli.c - the command-line conventions both tools share (see tg_cli.h). */
#include "tg_cli.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <librdkafka/rdkafka.h>

#include "tg_exit.h"
#include "tg_kafka_conf.h"
#include "tg_version.h"

#define KIB UINT64_C(1024)
#define MIB (UINT64_C(1024) * 1024)

int tg_cli_exit_status(int result)
{
    switch (result) {
    case TG_CLI_USAGE:
        return TG_EXIT_USAGE;
    case TG_CLI_CONFIG:
        return TG_EXIT_CONFIG;
    default:
        return result < 0 ? TG_EXIT_SOFTWARE : TG_EXIT_OK;
    }
}

/* ---- values ----------------------------------------------------------- */

/* "OPTION: TEXT is too long (at most MAX)", MAX in tg_duration's form. */
static void too_long(const char *option, const char *text, int64_t max_ms, char *err,
                     size_t errlen)
{
    char max[32];
    if (tg_duration_format(max_ms, max, sizeof max) < 0) {
        snprintf(max, sizeof max, "%" PRId64 "ms", max_ms);
    }
    snprintf(err, errlen, "%s: %s is too long (at most %s)", option, text, max);
}

int tg_cli_duration(const char *option, const char *text, bool zero_ok, int64_t max_ms,
                    int64_t *ms, char *err, size_t errlen)
{
    unsigned flags = TG_DURATION_BARE_SECONDS | (zero_ok ? TG_DURATION_ZERO_OK : 0u);
    char why[160];
    int64_t value;
    if (tg_duration_parse_flags(text, flags, &value, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s: %s", option, why);
        return -1;
    }
    if (value > max_ms) {
        too_long(option, text, max_ms, err, errlen);
        return -1;
    }
    *ms = value;
    return 0;
}

int tg_cli_window(const char *option, const char *text, int64_t max_ms,
                  struct tg_window_spec *spec, char *err, size_t errlen)
{
    char why[200];
    struct tg_window_spec parsed;
    if (tg_window_spec_parse_flags(text, TG_DURATION_BARE_SECONDS, &parsed, why,
                                   sizeof why) != 0) {
        snprintf(err, errlen, "%s: %s", option, why);
        return -1;
    }
    if (parsed.size_ms > max_ms) {
        too_long(option, text, max_ms, err, errlen);
        return -1;
    }
    *spec = parsed;
    return 0;
}

/* Digits, then an optional suffix when suffixes is set.  Returns 0 with
 * *out set, or -1 (malformed, or more than UINT64_MAX). */
static int parse_whole(const char *text, bool suffixes, uint64_t *out)
{
    if (text[0] < '0' || text[0] > '9') {
        return -1;
    }
    char *end;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno != 0) {
        return -1;
    }
    uint64_t unit = 1;
    if (suffixes && (*end == 'K' || *end == 'k')) {
        unit = KIB;
        end++;
    } else if (suffixes && *end == 'M') {
        unit = MIB;
        end++;
    }
    if (*end != '\0' || value > UINT64_MAX / unit) {
        return -1;
    }
    *out = (uint64_t)value * unit;
    return 0;
}

/* A bound as the user would type it: "1024M" rather than "1073741824". */
static void format_size(uint64_t n, char *buf, size_t buflen)
{
    if (n != 0 && n % MIB == 0) {
        snprintf(buf, buflen, "%" PRIu64 "M", n / MIB);
    } else if (n != 0 && n % KIB == 0) {
        snprintf(buf, buflen, "%" PRIu64 "K", n / KIB);
    } else {
        snprintf(buf, buflen, "%" PRIu64, n);
    }
}

static int parse_bounded(const char *option, const char *text, bool size, uint64_t min,
                         uint64_t max, uint64_t *out, char *err, size_t errlen)
{
    uint64_t value;
    if (parse_whole(text, size, &value) == 0 && value >= min && value <= max) {
        *out = value;
        return 0;
    }
    if (size) {
        char lo[32], hi[32];
        format_size(min, lo, sizeof lo);
        format_size(max, hi, sizeof hi);
        snprintf(err, errlen,
                 "%s: expected a size from %s to %s (K and M suffixes allowed), got '%s'",
                 option, lo, hi, text);
    } else {
        snprintf(err, errlen,
                 "%s: expected a whole number from %" PRIu64 " to %" PRIu64 ", got '%s'",
                 option, min, max, text);
    }
    return -1;
}

int tg_cli_count(const char *option, const char *text, uint64_t min, uint64_t max,
                 uint64_t *out, char *err, size_t errlen)
{
    return parse_bounded(option, text, false, min, max, out, err, errlen);
}

int tg_cli_size(const char *option, const char *text, uint64_t min, uint64_t max,
                uint64_t *out, char *err, size_t errlen)
{
    return parse_bounded(option, text, true, min, max, out, err, errlen);
}

int tg_cli_brokers(const char *option, const char *text, char *err, size_t errlen)
{
    if (text[strspn(text, " ,")] != '\0') {
        return 0;
    }
    snprintf(err, errlen, "%s: expected host:port[,host:port...], got an empty list",
             option);
    return -1;
}

/* ---- getopt ----------------------------------------------------------- */

void tg_cli_begin(void)
{
    optind = 0; /* glibc: a full re-initialisation, not just "start at 1" */
    opterr = 0;
}

/* "--name" of a long option as typed, without anything from '=' on. */
static void typed_long_name(const char *token, char *buf, size_t buflen)
{
    snprintf(buf, buflen, "%.*s", (int)strcspn(token, "="), token);
}

/* True when code is the value of one of the options (a short option in
 * shortopts, or a long option's val). */
static bool known_option(int code, const char *shortopts, const struct option *longopts)
{
    if (code > 0 && code < 256 && code != ':' && strchr(shortopts, code) != NULL) {
        return true;
    }
    for (const struct option *o = longopts; o->name != NULL; o++) {
        if (o->flag == NULL && o->val == code) {
            return true;
        }
    }
    return false;
}

/* The words for what getopt refused (code '?' or ':').  getopt_long leaves
 * optopt 0 for an unknown long option, the option's value for a known one
 * (given an argument it takes none of, or missing its argument), and the
 * character for an unknown short option.  A long option has always been
 * consumed, so it is argv[optind - 1]; a short one is named by optopt, as
 * it may sit inside a cluster such as -qZ. */
static void refused(int code, int argc, char *const argv[], const char *shortopts,
                    const struct option *longopts, char *err, size_t errlen)
{
    const char *token = optind > 0 && optind <= argc ? argv[optind - 1] : NULL;
    bool is_long = token != NULL && strncmp(token, "--", 2) == 0;
    bool known = optopt != 0 && known_option(optopt, shortopts, longopts);
    char name[64];
    const char *what;
    if (code == ':') {
        what = "option needs an argument";
    } else if (known) {
        what = "option takes no argument";
    } else {
        what = "unknown option";
    }
    /* An unknown short option can follow a long one (--stats -Z): then the
     * token is the long one, and only optopt names what was refused. */
    if (is_long && (optopt == 0 || known)) {
        typed_long_name(token, name, sizeof name);
    } else if (optopt > 0 && optopt < 256 && isprint(optopt)) {
        snprintf(name, sizeof name, "-%c", optopt);
    } else {
        snprintf(name, sizeof name, "-?");
    }
    snprintf(err, errlen, "%s: %s (try --help)", what, name);
}

int tg_cli_next_option(int argc, char *const argv[], const char *shortopts,
                       const struct option *longopts, char *err, size_t errlen)
{
    int code = getopt_long(argc, argv, shortopts, longopts, NULL);
    if (code == '?' || code == ':') {
        refused(code, argc, argv, shortopts, longopts, err, errlen);
        return '?';
    }
    return code;
}

/* ---- Kafka configuration ------------------------------------------------ */

/* Applies the default properties file, if any, to kc.  Only a missing file
 * at the default place is fine: one named by $TGSTREAM_CONFIG that cannot
 * be read is a configuration error, as is any unreadable or bad file. */
static int load_default_file(struct tg_kafka_conf *kc, char *err, size_t errlen)
{
    const char *env = getenv(TG_CLI_CONFIG_ENV);
    char why[768];
    if (env != NULL && env[0] != '\0') {
        if (tg_kafka_conf_load_file(kc, env, why, sizeof why) != 0) {
            snprintf(err, errlen, "$%s: %s", TG_CLI_CONFIG_ENV, why);
            return -1;
        }
        return 0;
    }
    const char *home = getenv("HOME");
    if (home == NULL || home[0] == '\0') {
        return 0;
    }
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", home, TG_CLI_CONFIG_HOME_FILE) >=
        (int)sizeof path) {
        return 0;
    }
    struct stat st;
    if (stat(path, &st) != 0 && (errno == ENOENT || errno == ENOTDIR)) {
        return 0;
    }
    if (tg_kafka_conf_load_file(kc, path, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    return 0;
}

struct tg_kafka_conf *tg_cli_kafka_conf_new(const char *const *defaults, char *err,
                                            size_t errlen)
{
    struct tg_kafka_conf *kc = tg_kafka_conf_new();
    if (kc == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    char why[512];
    for (size_t i = 0; defaults != NULL && defaults[i] != NULL; i += 2) {
        if (tg_kafka_conf_set(kc, defaults[i], defaults[i + 1], why, sizeof why) != 0) {
            snprintf(err, errlen, "kafka: %s: %s", defaults[i], why);
            tg_kafka_conf_free(kc);
            return NULL;
        }
    }
    if (load_default_file(kc, err, errlen) != 0) {
        tg_kafka_conf_free(kc);
        return NULL;
    }
    return kc;
}

int tg_cli_kafka_option(struct tg_kafka_conf **kc, int opt, const char *arg,
                        const char *const *defaults, char *err, size_t errlen)
{
    /* kcat's -X list needs no configuration, and no default file. */
    if (opt == 'X' && strcmp(arg, "list") == 0) {
        return TG_CLI_KAFKA_LIST;
    }
    if (*kc == NULL) {
        *kc = tg_cli_kafka_conf_new(defaults, err, errlen);
        if (*kc == NULL) {
            return TG_CLI_CONFIG;
        }
    }
    char why[768];
    int rc;
    if (opt == 'F') {
        rc = tg_kafka_conf_load_file(*kc, arg, why, sizeof why);
    } else if (opt == 'd') {
        rc = tg_kafka_conf_set(*kc, "debug", arg, why, sizeof why);
    } else if (strcmp(arg, "dump") == 0) {
        tg_kafka_conf_request_dump(*kc);
        rc = 0;
    } else {
        rc = tg_kafka_conf_set_arg(*kc, arg, why, sizeof why);
    }
    if (rc != 0) {
        snprintf(err, errlen, "-%c: %s", opt == 'F' || opt == 'd' ? opt : 'X', why);
        return TG_CLI_CONFIG;
    }
    return TG_CLI_RUN;
}

int tg_cli_kafka_finish(struct tg_kafka_conf **kc, const char *const *defaults, char *err,
                        size_t errlen)
{
    if (*kc == NULL) {
        *kc = tg_cli_kafka_conf_new(defaults, err, errlen);
        if (*kc == NULL) {
            return TG_CLI_CONFIG;
        }
    }
    return tg_kafka_conf_dump_requested(*kc) ? TG_CLI_KAFKA_DUMP : TG_CLI_RUN;
}

int tg_cli_kafka_show(int result, FILE *out, struct tg_kafka_conf *kc,
                      const char *program, const char *cli_brokers, char *err,
                      size_t errlen)
{
    if (result == TG_CLI_KAFKA_LIST) {
        rd_kafka_conf_properties_show(out);
    } else {
        if (kc == NULL) {
            snprintf(err, errlen, "-X dump: no Kafka configuration");
            return TG_EXIT_CONFIG;
        }
        if (tg_kafka_conf_complete(kc, program, cli_brokers, err, errlen) != 0) {
            return TG_EXIT_CONFIG;
        }
        if (tg_kafka_conf_dump(kc, out) != 0) {
            snprintf(err, errlen, "-X dump: %s", strerror(errno));
            return TG_EXIT_CONFIG;
        }
    }
    if (fflush(out) != 0 || ferror(out)) {
        snprintf(err, errlen, "writing the output: %s", strerror(errno));
        return TG_EXIT_TEMPFAIL;
    }
    return TG_EXIT_OK;
}

/* ---- --version ---------------------------------------------------------- */

int tg_cli_version(char *buf, size_t buflen, const char *program,
                   const char *curl_version)
{
    return snprintf(buf, buflen, "%s %s (librdkafka %s, jansson %s%s%s)", program,
                    TG_VERSION, rd_kafka_version_str(), JANSSON_VERSION,
                    curl_version != NULL ? ", libcurl " : "",
                    curl_version != NULL ? curl_version : "");
}
