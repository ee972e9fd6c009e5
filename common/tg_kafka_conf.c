#include "tg_kafka_conf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TOPIC_PREFIX "topic."
/* Host names are at most 64 bytes on Linux (HOST_NAME_MAX). */
#define HOST_NAME_BUFFER 256

struct tg_kafka_conf {
    rd_kafka_conf_t *conf;             /* NULL once taken */
    rd_kafka_topic_conf_t *topic_conf; /* NULL once taken */
    bool has_brokers;                  /* set by -X / -F, not by -b or env */
    bool has_client_id;                /* set by -X / -F */
    bool dump_requested;               /* -X dump */
};

struct tg_kafka_conf *tg_kafka_conf_new(void)
{
    struct tg_kafka_conf *kc = calloc(1, sizeof *kc);
    if (kc == NULL)
        return NULL;
    kc->conf = rd_kafka_conf_new();
    kc->topic_conf = rd_kafka_topic_conf_new();
    if (kc->conf == NULL || kc->topic_conf == NULL) {
        tg_kafka_conf_free(kc);
        return NULL;
    }
    return kc;
}

void tg_kafka_conf_free(struct tg_kafka_conf *kc)
{
    if (kc == NULL)
        return;
    if (kc->conf != NULL)
        rd_kafka_conf_destroy(kc->conf);
    if (kc->topic_conf != NULL)
        rd_kafka_topic_conf_destroy(kc->topic_conf);
    free(kc);
}

static bool is_broker_property(const char *name)
{
    return strcmp(name, "bootstrap.servers") == 0 ||
           strcmp(name, "metadata.broker.list") == 0;
}

/* Copies a librdkafka message without the newline some of them end with,
 * so that callers can add "file:line: " and print it as one line. */
static void copy_error(const char *errstr, char *err, size_t errlen)
{
    size_t len = strlen(errstr);
    while (len > 0 && (errstr[len - 1] == '\n' || errstr[len - 1] == '\r'))
        len--;
    snprintf(err, errlen, "%.*s", (int)len, errstr);
}

int tg_kafka_conf_set(struct tg_kafka_conf *kc, const char *name, const char *value,
                      char *err, size_t errlen)
{
    char errstr[512] = "";
    rd_kafka_conf_res_t res;

    if (kc->conf == NULL) {
        snprintf(err, errlen, "configuration already handed over");
        return -1;
    }
    /* kcat's routing.  The topic conf is tried first because librdkafka's
     * global set would put a topic property in an implicit default topic
     * conf, which take() then replaces with ours.  A "topic."-prefixed name
     * that is no topic property may still be a global one
     * (topic.metadata.refresh.interval.ms). */
    if (strncmp(name, TOPIC_PREFIX, strlen(TOPIC_PREFIX)) == 0)
        res = rd_kafka_topic_conf_set(kc->topic_conf, name + strlen(TOPIC_PREFIX), value,
                                      errstr, sizeof errstr);
    else
        res = rd_kafka_topic_conf_set(kc->topic_conf, name, value, errstr, sizeof errstr);
    if (res == RD_KAFKA_CONF_UNKNOWN) {
        res = rd_kafka_conf_set(kc->conf, name, value, errstr, sizeof errstr);
        if (res == RD_KAFKA_CONF_OK && is_broker_property(name))
            kc->has_brokers = value[0] != '\0';
        if (res == RD_KAFKA_CONF_OK && strcmp(name, "client.id") == 0)
            kc->has_client_id = value[0] != '\0';
    }
    if (res != RD_KAFKA_CONF_OK) {
        copy_error(errstr, err, errlen);
        return -1;
    }
    return 0;
}

int tg_kafka_conf_set_arg(struct tg_kafka_conf *kc, const char *arg, char *err,
                          size_t errlen)
{
    const char *eq = strchr(arg, '=');

    if (eq == NULL || eq == arg) {
        snprintf(err, errlen, "expected name=value");
        return -1;
    }
    char *name = strndup(arg, (size_t)(eq - arg));
    if (name == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = tg_kafka_conf_set(kc, name, eq + 1, err, errlen);
    free(name);
    return rc;
}

/* ----------------------------------------------------- properties files */

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* Trims s in place and returns its first non-blank character. */
static char *trim(char *s)
{
    size_t len = strlen(s);
    while (len > 0 && is_blank(s[len - 1]))
        s[--len] = '\0';
    while (is_blank(*s))
        s++;
    return s;
}

/* Applies one line of a properties file; comments and blanks do nothing. */
static int load_line(struct tg_kafka_conf *kc, char *line, size_t len, char *err,
                     size_t errlen)
{
    if (memchr(line, '\0', len) != NULL) {
        snprintf(err, errlen, "unexpected NUL byte");
        return -1;
    }
    char *s = trim(line);
    if (*s == '\0' || *s == '#')
        return 0;
    char *eq = strchr(s, '=');
    if (eq == NULL || eq == s) {
        snprintf(err, errlen, "expected name=value");
        return -1;
    }
    *eq = '\0';
    char *name = trim(s);
    if (*name == '\0') {
        snprintf(err, errlen, "expected name=value");
        return -1;
    }
    return tg_kafka_conf_set(kc, name, trim(eq + 1), err, errlen);
}

int tg_kafka_conf_load_file(struct tg_kafka_conf *kc, const char *path, char *err,
                            size_t errlen)
{
    FILE *fp = fopen(path, "r");
    if (fp == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned long lineno = 0;
    char why[512];
    int rc = 0;

    while ((len = getline(&line, &cap, fp)) >= 0) {
        lineno++;
        if (load_line(kc, line, (size_t)len, why, sizeof why) != 0) {
            snprintf(err, errlen, "%s:%lu: %s", path, lineno, why);
            rc = -1;
            break;
        }
    }
    if (rc == 0 && ferror(fp)) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        rc = -1;
    }
    free(line);
    fclose(fp);
    return rc;
}

/* -------------------------------------------------------------- brokers */

const char *tg_kafka_brokers_requested(const char *cli_brokers)
{
    if (cli_brokers != NULL)
        return cli_brokers;
    const char *env = getenv(TG_KAFKA_BROKERS_ENV);
    if (env != NULL && env[0] != '\0')
        return env;
    return NULL;
}

bool tg_kafka_conf_has_brokers(const struct tg_kafka_conf *kc)
{
    return kc->has_brokers;
}

int tg_kafka_conf_apply_brokers(struct tg_kafka_conf *kc, const char *cli_brokers,
                                char *err, size_t errlen)
{
    if (kc->has_brokers)
        return 0;
    const char *brokers = tg_kafka_brokers_requested(cli_brokers);
    if (brokers == NULL)
        brokers = TG_KAFKA_DEFAULT_BROKERS;
    if (kc->conf == NULL) {
        snprintf(err, errlen, "configuration already handed over");
        return -1;
    }
    char errstr[512] = "";
    if (rd_kafka_conf_set(kc->conf, "bootstrap.servers", brokers, errstr,
                          sizeof errstr) != RD_KAFKA_CONF_OK) {
        copy_error(errstr, err, errlen);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ client.id */

bool tg_kafka_conf_has_client_id(const struct tg_kafka_conf *kc)
{
    return kc->has_client_id;
}

int tg_kafka_conf_apply_client_id(struct tg_kafka_conf *kc, const char *program,
                                  char *err, size_t errlen)
{
    if (kc->has_client_id)
        return 0;
    if (kc->conf == NULL) {
        snprintf(err, errlen, "configuration already handed over");
        return -1;
    }
    char host[HOST_NAME_BUFFER] = "";
    if (gethostname(host, sizeof host) != 0)
        host[0] = '\0';
    host[sizeof host - 1] = '\0'; /* gethostname may not terminate a cut name */
    char id[HOST_NAME_BUFFER + 128];
    if (host[0] != '\0')
        snprintf(id, sizeof id, "%s@%s", program, host);
    else
        snprintf(id, sizeof id, "%s", program);
    char errstr[512] = "";
    if (rd_kafka_conf_set(kc->conf, "client.id", id, errstr, sizeof errstr) !=
        RD_KAFKA_CONF_OK) {
        copy_error(errstr, err, errlen);
        return -1;
    }
    return 0;
}

int tg_kafka_conf_complete(struct tg_kafka_conf *kc, const char *program,
                           const char *cli_brokers, char *err, size_t errlen)
{
    char why[512];
    if (tg_kafka_conf_apply_brokers(kc, cli_brokers, why, sizeof why) != 0) {
        snprintf(err, errlen, "bootstrap.servers: %s", why);
        return -1;
    }
    if (tg_kafka_conf_apply_client_id(kc, program, why, sizeof why) != 0) {
        snprintf(err, errlen, "client.id: %s", why);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ dump */

bool tg_kafka_conf_is_secret(const char *name)
{
    /* Matched on the name so that a property a newer librdkafka adds
     * ("...password", "...secret") is redacted without a change here. */
    return strstr(name, "password") != NULL || strstr(name, "secret") != NULL ||
           strcmp(name, "ssl.key.pem") == 0 || strcmp(name, "ssl_key") == 0 ||
           strcmp(name, "sasl.oauthbearer.config") == 0;
}

void tg_kafka_conf_request_dump(struct tg_kafka_conf *kc)
{
    kc->dump_requested = true;
}

bool tg_kafka_conf_dump_requested(const struct tg_kafka_conf *kc)
{
    return kc != NULL && kc->dump_requested;
}

/* Writes one "name = value" line per pair of a librdkafka dump. */
static void dump_pairs(const char **pairs, size_t n, FILE *out)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        fprintf(out, "%s = %s\n", pairs[i],
                tg_kafka_conf_is_secret(pairs[i]) ? TG_KAFKA_REDACTED : pairs[i + 1]);
}

int tg_kafka_conf_dump(const struct tg_kafka_conf *kc, FILE *out)
{
    size_t n;
    if (kc->conf == NULL) {
        errno = EINVAL;
        return -1;
    }
    const char **pairs = rd_kafka_conf_dump(kc->conf, &n);
    if (pairs == NULL) {
        errno = ENOMEM;
        return -1;
    }
    fputs("# Global config\n", out);
    dump_pairs(pairs, n, out);
    rd_kafka_conf_dump_free(pairs, n);
    pairs = rd_kafka_topic_conf_dump(kc->topic_conf, &n);
    if (pairs == NULL) {
        errno = ENOMEM;
        return -1;
    }
    fputs("# Topic config\n", out);
    dump_pairs(pairs, n, out);
    rd_kafka_conf_dump_free(pairs, n);
    return 0;
}

/* ---------------------------------------------------------- read, hand over */

int tg_kafka_conf_get(const struct tg_kafka_conf *kc, const char *name, char *buf,
                      size_t buflen)
{
    size_t size = buflen;

    if (kc->conf == NULL || buflen == 0)
        return -1;
    /* librdkafka reports unset string properties as "", and sets size to
     * what the full value needs, NUL included. */
    if (rd_kafka_conf_get(kc->conf, name, buf, &size) != RD_KAFKA_CONF_OK ||
        size > buflen || buf[0] == '\0')
        return -1;
    return 0;
}

rd_kafka_conf_t *tg_kafka_conf_take(struct tg_kafka_conf *kc)
{
    rd_kafka_conf_t *conf = kc->conf;

    if (conf == NULL)
        return NULL;
    rd_kafka_conf_set_default_topic_conf(conf, kc->topic_conf);
    kc->conf = NULL;
    kc->topic_conf = NULL;
    return conf;
}
