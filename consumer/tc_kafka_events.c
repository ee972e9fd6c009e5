/* tc_kafka_events.c - see tc_kafka_events.h. */
#include "tc_kafka_events.h"

#include "tc_kafka_assign.h"
#include "tc_kafka_feed.h"
#include "tc_kafka_state.h"
#include "tc_options.h"
#include "tc_partitions.h"
#include "tg_exit.h"
#include "tg_log.h"

#include <stdio.h>
#include <string.h>

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    struct tc_kafka *k = opaque;

    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        char fatal[512];
        rd_kafka_fatal_error(rk, fatal, sizeof(fatal));
        tg_log_error(k->log, "Kafka: %s", fatal);
        k->status = TG_EXIT_UNAVAILABLE;
        return;
    }
    /* Keep the most telling reason for "brokers unreachable": a connection
     * error says more than the count of brokers down that follows it. */
    if (err != RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || k->last_error[0] == '\0')
        snprintf(k->last_error, sizeof(k->last_error), "%s", reason);
    /* Before the first answer these are expected while retrying; after it,
     * librdkafka reconnects by itself and the user only needs to know when
     * nothing is reachable any more. */
    if (k->connected && err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
        tg_log_warn(k->log, "Kafka: %s", reason);
    else
        tg_log_info(k->log, "Kafka: %s", reason);
}

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    const struct tc_kafka *k = rd_kafka_opaque(rk);
    tg_log_debug(k->log, "librdkafka %d %s: %s", level, fac, buf);
}

static void on_commit(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                      rd_kafka_topic_partition_list_t *offsets, void *opaque)
{
    struct tc_kafka *k = opaque;
    (void)rk;
    (void)offsets;
    if (err == RD_KAFKA_RESP_ERR__NO_OFFSET)
        return;
    /* The same failure at every commit (a broker refusing commits from
     * outside the group's membership, with -p) is worth one line. */
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != k->commit_error)
        tg_log_warn(k->log, "committing offsets failed: %s", rd_kafka_err2str(err));
    k->commit_error = err;
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *list, void *opaque)
{
    struct tc_kafka *k = opaque;
    bool cooperative = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    /* What was polled before the rebalance is counted first, so the
     * offsets committed on a revocation cover it. */
    if (k->queue != NULL)
        tc_kafka_feed_drain(k);
    rd_kafka_error_t *error = NULL;
    rd_kafka_resp_err_t aerr = RD_KAFKA_RESP_ERR_NO_ERROR;

    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        tc_kafka_assign_take(k, list);
        if (cooperative)
            error = rd_kafka_incremental_assign(rk, list);
        else
            aerr = rd_kafka_assign(rk, list);
    } else if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
        tc_kafka_assign_drop(k, list, rd_kafka_assignment_lost(rk));
        if (cooperative)
            error = rd_kafka_incremental_unassign(rk, list);
        else
            aerr = rd_kafka_assign(rk, NULL);
    } else {
        tg_log_warn(k->log, "rebalance failed: %s", rd_kafka_err2str(err));
        tc_kafka_assign_drop(k, NULL, true);
        aerr = rd_kafka_assign(rk, NULL);
    }
    if (error != NULL) {
        tg_log_error(k->log, "assigning partitions failed: %s",
                     rd_kafka_error_string(error));
        rd_kafka_error_destroy(error);
        k->status = TG_EXIT_SOFTWARE;
    } else if (aerr != RD_KAFKA_RESP_ERR_NO_ERROR) {
        tg_log_error(k->log, "assigning partitions failed: %s", rd_kafka_err2str(aerr));
        k->status = TG_EXIT_SOFTWARE;
    }
}

void tc_kafka_events_install(struct tc_kafka *k, rd_kafka_conf_t *conf)
{
    rd_kafka_conf_set_opaque(conf, k);
    rd_kafka_conf_set_error_cb(conf, on_error);
    rd_kafka_conf_set_log_cb(conf, on_log);
    if (!k->opts->assign)
        rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
    rd_kafka_conf_set_offset_commit_cb(conf, on_commit);
}
