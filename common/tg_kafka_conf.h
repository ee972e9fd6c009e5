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
