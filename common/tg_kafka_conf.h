/* tg_kafka_conf.h - Kafka client configuration shared by both tools, in
 * kcat's conventions:
 *   brokers   -b, else $KAFKA_BOOTSTRAP_SERVERS, else localhost:9092
 *   -X n=v    a librdkafka property; "topic." prefix = topic property;
 *             otherwise tried on the topic conf, then the global conf
 *   -F FILE   a properties file: name=value lines, '#' comments, blanks
 */
#ifndef TG_KAFKA_CONF_H
#define TG_KAFKA_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <librdkafka/rdkafka.h>

#define TG_KAFKA_DEFAULT_BROKERS "localhost:9092"
#define TG_KAFKA_DEFAULT_TOPIC "telegram_messages"
#define TG_KAFKA_BROKERS_ENV "KAFKA_BOOTSTRAP_SERVERS"

/* A global conf plus a default topic conf, owned together. */
struct tg_kafka_conf;

/* Returns a new, empty configuration, or NULL when out of memory. */
struct tg_kafka_conf *tg_kafka_conf_new(void);

/* Frees kc and whatever confs it still owns.  NULL-safe. */
void tg_kafka_conf_free(struct tg_kafka_conf *kc);

/* Sets one property (see the file comment for routing).
 * Returns 0, or -1 with librdkafka's message in err. */
int tg_kafka_conf_set(struct tg_kafka_conf *kc, const char *name, const char *value,
                      char *err, size_t errlen);

/* Sets one "name=value" argument, as given to -X.
 * Returns 0, or -1 with a message in err ("expected name=value", or
 * librdkafka's message). */
int tg_kafka_conf_set_arg(struct tg_kafka_conf *kc, const char *arg, char *err,
                          size_t errlen);

/* Loads a properties file.  Returns 0, or -1 with "FILE:LINE: message"
 * (or "FILE: strerror") in err. */
int tg_kafka_conf_load_file(struct tg_kafka_conf *kc, const char *path, char *err,
                            size_t errlen);

/* The brokers the user asked for: cli_brokers (from -b) when not NULL,
 * else $KAFKA_BOOTSTRAP_SERVERS when set and not empty, else NULL.  The
 * result is borrowed from the argument or the environment. */
const char *tg_kafka_brokers_requested(const char *cli_brokers);

/* True when bootstrap.servers (or metadata.broker.list) was set via -X/-F. */
bool tg_kafka_conf_has_brokers(const struct tg_kafka_conf *kc);

/* Sets bootstrap.servers unless -X/-F already did: the requested brokers
 * (above), else TG_KAFKA_DEFAULT_BROKERS.  Returns 0, or -1 with err. */
int tg_kafka_conf_apply_brokers(struct tg_kafka_conf *kc, const char *cli_brokers,
                                char *err, size_t errlen);

/* True when client.id was set via -X/-F (to a non-empty value: an empty one
 * counts as not set, as for the brokers). */
bool tg_kafka_conf_has_client_id(const struct tg_kafka_conf *kc);

/* Sets client.id to "<program>@<hostname>" (just program when the host name
 * cannot be read) unless -X/-F already set it, so that broker logs, quotas
 * and ACLs can tell the tool and the machine from any other client
 * (librdkafka's default is "rdkafka").  program is copied.  Returns 0, or
 * -1 with err. */
int tg_kafka_conf_apply_client_id(struct tg_kafka_conf *kc, const char *program,
                                  char *err, size_t errlen);

/* What every run needs and the user may leave unset, in one place for both
 * tools: tg_kafka_conf_apply_brokers(cli_brokers), then
 * tg_kafka_conf_apply_client_id(program).  Returns 0, or -1 with err
 * ("bootstrap.servers: why" or "client.id: why"). */
int tg_kafka_conf_complete(struct tg_kafka_conf *kc, const char *program,
                           const char *cli_brokers, char *err, size_t errlen);

/* True for the properties whose values are secrets (passwords, private
 * keys, OAuth client secrets), which nothing may print: every name holding
 * "password" or "secret", and ssl.key.pem, ssl_key, sasl.oauthbearer.config
 * (librdkafka's own "sensitive" set, which its API does not expose). */
bool tg_kafka_conf_is_secret(const char *name);

/* The text printed instead of a secret property's value. */
#define TG_KAFKA_REDACTED "[redacted]"

/* -X dump asked for: set by tg_kafka_conf_request_dump, read by the
 * command-line layer once every option was applied. */
void tg_kafka_conf_request_dump(struct tg_kafka_conf *kc);
bool tg_kafka_conf_dump_requested(const struct tg_kafka_conf *kc);

/* Writes the configuration in a properties file's form (librdkafka's
 * callbacks and unset values included, which -F cannot read back): "#
 * Global config", "name = value" lines, "# Topic config", the topic
 * properties' lines, as kcat's -X dump does.  Secret values
 * (above) read TG_KAFKA_REDACTED.  Writes to out, which the caller chose; returns 0, or
 * -1 when the conf was handed over or out of memory (errno says which). */
int tg_kafka_conf_dump(const struct tg_kafka_conf *kc, FILE *out);

/* Reads back a global property; returns 0 and fills buf, or -1 when not
 * set or buf too small. */
int tg_kafka_conf_get(const struct tg_kafka_conf *kc, const char *name, char *buf,
                      size_t buflen);

/* Hands over the global conf, with the topic conf installed as its default
 * topic conf, for rd_kafka_new().  Ownership moves to the caller: pass it to
 * rd_kafka_new (which owns it on success only) or rd_kafka_conf_destroy it.
 * kc keeps nothing and may then only be freed.  NULL when already taken. */
rd_kafka_conf_t *tg_kafka_conf_take(struct tg_kafka_conf *kc);

#endif
