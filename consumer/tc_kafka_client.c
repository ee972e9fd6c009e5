/* tc_kafka_client.c - see tc_kafka_client.h. */
#include "tc_kafka_client.h"

#include "tc_kafka_events.h"
#include "tc_kafka_state.h"
#include "tc_options.h"
#include "tg_exit.h"
#include "tg_kafka_conf.h"
#include "tg_log.h"

#include <stdio.h>
#include <string.h>

/* The group.id librdkafka's consumer is given when there is no group. */
#define TC_KAFKA_UNJOINED_GROUP "tgcount-without-group"
/* client.id is "tgcount@<hostname>" unless -X/-F set one. */
#define TC_KAFKA_CLIENT_ID_PROGRAM "tgcount"

static int conf_set(rd_kafka_conf_t *conf, const char *name, const char *value, char *err,
                    size_t errlen)
{
    if (rd_kafka_conf_set(conf, name, value, err, errlen) != RD_KAFKA_CONF_OK)
        return -1;
    return 0;
}

/* Sets a tuning property to ours unless -X/-F already moved it away from
 * librdkafka's default: the user's word wins. */
static int conf_tune(rd_kafka_conf_t *conf, const char *name, const char *lib_default,
                     const char *ours, char *err, size_t errlen)
{
    char cur[128];
    size_t size = sizeof(cur);
    if (rd_kafka_conf_get(conf, name, cur, &size) == RD_KAFKA_CONF_OK &&
        strcmp(cur, lib_default) != 0)
        return 0;
    return conf_set(conf, name, ours, err, errlen);
}

/* Throughput tuning, each applied unless -X/-F moved it from librdkafka's
 * default.
 *   queued.*: librdkafka prefetches into one queue per consumer and stops
 *     fetching while it holds queued.min.messages messages or
 *     queued.max.messages.kbytes; Debian's librdkafka 2.0.2 then looks again
 *     only about a second later, so a consumer that empties the queue sooner
 *     sits idle for the rest of that second.  The queue is sized to hold well
 *     over a second of tgcount's consumption (filled only when tgcount is
 *     slower than the brokers, so the memory is spent only then).
 *   fetch.message.max.bytes: more per partition and fetch, for brokers that
 *     answer one message set per partition per fetch.
 *   fetch.wait.max.ms: a partition's end is only seen in the answer to a
 *     fetch at its end, which the broker holds this long; 100 ms instead of
 *     500 ends -e sooner and lets a caught-up partition stop holding the
 *     watermark sooner, at the cost of a few empty fetches per second. */
static const struct {
    const char *name, *lib_default, *ours;
} tc_kafka_tuning[] = {
    {"client.id", "rdkafka", "tgcount"},
    {"queued.min.messages", "100000", "500000"},
    {"queued.max.messages.kbytes", "65536", "131072"},
    {"fetch.message.max.bytes", "1048576", "4194304"},
    {"fetch.wait.max.ms", "500", "100"},
};

/* Takes the user's auto.offset.reset (where a partition without a stored
 * offset starts) before tgcount sets librdkafka's to "error", through which
 * an offset out of range is reported rather than reset (tc_kafka_loss.h).
 * Returns 0, or -1 with err when the user asked for "error" itself, which
 * tgcount's own handling replaces. */
static int read_offset_reset(struct tc_kafka *k, const rd_kafka_conf_t *conf, char *err,
                             size_t errlen)
{
    char value[32] = "";
    size_t size = sizeof(value);
    if (rd_kafka_conf_get(conf, "auto.offset.reset", value, &size) != RD_KAFKA_CONF_OK)
        value[0] = '\0';
    if (strcmp(value, "error") == 0) {
        snprintf(err, errlen,
                 "-X auto.offset.reset=error: tgcount reports offsets deleted before "
                 "they were read itself (see --allow-data-loss); use earliest or latest "
                 "for partitions without a stored offset");
        return -1;
    }
    /* librdkafka names an enum value by its first alias: smallest. */
    k->reset_earliest = strcmp(value, "smallest") == 0 ||
                        strcmp(value, "earliest") == 0 || strcmp(value, "beginning") == 0;
    return 0;
}

/* The client configuration: the user's -X/-F and brokers, then what the
 * consumer loop relies on, then the tuning above. */
static rd_kafka_conf_t *make_conf(struct tc_kafka *k, char *err, size_t errlen)
{
    const struct tc_options *o = k->opts;
    struct tg_kafka_conf *owned = NULL;
    struct tg_kafka_conf *kc = o->kafka_conf;

    if (kc == NULL) {
        kc = owned = tg_kafka_conf_new();
        if (kc == NULL) {
            snprintf(err, errlen, "out of memory");
            return NULL;
        }
    }
    char debug[1024];
    k->debug_asked = tg_kafka_conf_get(kc, "debug", debug, sizeof(debug)) == 0;
    rd_kafka_conf_t *conf = NULL;
    if (tg_kafka_conf_complete(kc, TC_KAFKA_CLIENT_ID_PROGRAM, o->brokers, err, errlen) ==
        0)
        conf = tg_kafka_conf_take(kc);
    else if (err[0] == '\0')
        snprintf(err, errlen, "Kafka configuration unavailable");
    tg_kafka_conf_free(owned);
    if (conf == NULL)
        return NULL;

    if (read_offset_reset(k, conf, err, errlen) != 0) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    /* The results topic's producer: the user's settings (brokers,
     * security), not the consumer's own below. */
    if (o->output_topic != NULL && (k->txn_conf = rd_kafka_conf_dup(conf)) == NULL) {
        snprintf(err, errlen, "out of memory");
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    /* -G wins over a group.id from -X/-F.  Without a group librdkafka's
     * consumer still wants a group.id, which tgcount never joins nor
     * commits to (it assigns the partitions and stores no offsets). */
    int rc = 0;
    if (o->group != NULL)
        rc |= conf_set(conf, "group.id", o->group, err, errlen);
    else if (!o->in_group)
        rc |= conf_set(conf, "group.id", TC_KAFKA_UNJOINED_GROUP, err, errlen);
    rc |= conf_set(conf, "enable.partition.eof", "true", err, errlen);
    rc |= conf_set(conf, "enable.auto.commit", "false", err, errlen);
    rc |= conf_set(conf, "auto.offset.reset", "error", err, errlen);
    /* With a results topic tgcount is a step of a transactional pipeline:
     * it reads only committed records, as its own readers should. */
    if (o->output_topic != NULL)
        rc |= conf_set(conf, "isolation.level", "read_committed", err, errlen);
    for (size_t i = 0; rc == 0 && i < sizeof(tc_kafka_tuning) / sizeof(*tc_kafka_tuning);
         i++)
        rc |= conf_tune(conf, tc_kafka_tuning[i].name, tc_kafka_tuning[i].lib_default,
                        tc_kafka_tuning[i].ours, err, errlen);
    if (rc != 0) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    tc_kafka_events_install(k, conf);
    return conf;
}

int tc_kafka_client_start(struct tc_kafka *k)
{
    char err[512] = "";

    rd_kafka_conf_t *conf = make_conf(k, err, sizeof(err));
    if (conf == NULL) {
        tg_log_error(k->log, "%s", err);
        return TG_EXIT_CONFIG;
    }
    k->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
    if (k->rk == NULL) {
        rd_kafka_conf_destroy(conf); /* rd_kafka_new owns it on success only */
        tg_log_error(k->log, "%s", err);
        return TG_EXIT_CONFIG;
    }
    rd_kafka_poll_set_consumer(k->rk);
    if (k->opts->assign) {
        /* The partitions are assigned once the brokers answer (the loop's
         * duties). */
        k->rkt = rd_kafka_topic_new(k->rk, k->opts->topic, NULL);
        if (k->rkt == NULL) {
            tg_log_error(k->log, "topic %s: %s", k->opts->topic,
                         rd_kafka_err2str(rd_kafka_last_error()));
            return TG_EXIT_CONFIG;
        }
        return TG_EXIT_OK;
    }

    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, k->opts->topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t rerr = rd_kafka_subscribe(k->rk, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (rerr != RD_KAFKA_RESP_ERR_NO_ERROR) {
        tg_log_error(k->log, "subscribing to %s failed: %s", k->opts->topic,
                     rd_kafka_err2str(rerr));
        return TG_EXIT_CONFIG;
    }
    return TG_EXIT_OK;
}
