/* tc_kafka_events.c - see tc_kafka_events.h.
 *
 * Why the loop may call assign/unassign after the rebalance callback has
 * returned: when librdkafka 2.0.2 hands a rebalance to the application it
 * pauses the assigned partitions, puts its group state machine in
 * wait-assign-call (or wait-unassign-call) and stays there until the
 * application's assign or unassign call reaches it, whether that call is
 * made inside the callback or later (rdkafka_cgrp.c since 1.6,
 * rd_kafka_rebalance_op).  The rebalance event API (RD_KAFKA_EVENT_REBALANCE)
 * only works that way, the application handling the event after its poll
 * has returned (confluent-kafka-go's application rebalances, for one), and
 * 2.0.2's rdkafka.h documents rd_kafka_incremental_assign/unassign as usable
 * outside the callback.  What must be read inside is read there:
 * rd_kafka_assignment_lost, which the next assign call resets. */
#include "tc_kafka_events.h"

#include "tc_kafka_state.h"
#include "tc_notes.h"
#include "tc_options.h"
#include "tg_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Room for the lines recorded between two flushes: a poll's worth, or a
 * blocking call's (a metadata request may take seconds), of librdkafka's
 * debug lines. */
#define NOTES_BYTES (256 * 1024)

struct tc_kafka_events {
    struct tc_notes *notes; /* any thread */

    /* The polling thread's only. */
    bool fatal;
    bool rebalance_pending;
    bool overrun;
    struct tc_kafka_rebalance rebalance;
};

struct tc_kafka_events *tc_kafka_events_new(void)
{
    struct tc_kafka_events *ev = calloc(1, sizeof *ev);
    if (ev == NULL)
        return NULL;
    ev->notes = tc_notes_new(NOTES_BYTES);
    if (ev->notes == NULL) {
        free(ev);
        return NULL;
    }
    return ev;
}

void tc_kafka_events_free(struct tc_kafka_events *ev)
{
    if (ev == NULL)
        return;
    if (ev->rebalance_pending)
        tc_kafka_rebalance_clear(&ev->rebalance);
    tc_notes_free(ev->notes);
    free(ev);
}

void tc_kafka_events_flush(struct tc_kafka_events *ev, const struct tg_log *log)
{
    tc_notes_flush(ev->notes, log);
}

bool tc_kafka_events_fatal(const struct tc_kafka_events *ev)
{
    return ev->fatal;
}

bool tc_kafka_events_take_rebalance(struct tc_kafka_events *ev,
                                    struct tc_kafka_rebalance *out)
{
    if (!ev->rebalance_pending)
        return false;
    *out = ev->rebalance;
    ev->rebalance_pending = false;
    return true;
}

bool tc_kafka_events_overrun(const struct tc_kafka_events *ev)
{
    return ev->overrun;
}

void tc_kafka_rebalance_clear(struct tc_kafka_rebalance *r)
{
    if (r->partitions != NULL)
        rd_kafka_topic_partition_list_destroy(r->partitions);
    r->partitions = NULL;
}

/* ------------------------------------------------------------ callbacks */

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    struct tc_kafka *k = opaque;

    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        char fatal[512];
        rd_kafka_fatal_error(rk, fatal, sizeof(fatal));
        tc_notes_add(k->events->notes, k->log, TG_LOG_ERROR, "Kafka: %s", fatal);
        k->events->fatal = true;
        return;
    }
    /* Keep the most telling reason for "brokers unreachable": a connection
     * error says more than the count of brokers down that follows it. */
    if (err != RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || k->last_error[0] == '\0')
        snprintf(k->last_error, sizeof(k->last_error), "%s", reason);
    /* Before the first answer these are expected while retrying; after it,
     * librdkafka reconnects by itself and the user only needs to know when
     * nothing is reachable any more. */
    bool down = k->connected && err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN;
    tc_notes_add(k->events->notes, k->log, down ? TG_LOG_WARN : TG_LOG_INFO, "Kafka: %s",
                 reason);
}

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    const struct tc_kafka *k = rd_kafka_opaque(rk);
    /* Asked for with -X debug=...: shown at the normal level, as the stats
     * line is; else detail, at -vv. */
    tc_notes_add(k->events->notes, k->log, k->debug_asked ? TG_LOG_ERROR : TG_LOG_DEBUG,
                 "librdkafka %d %s: %s", level, fac, buf);
}

void tc_kafka_events_commit_result(struct tc_kafka *k, rd_kafka_resp_err_t err)
{
    if (err == RD_KAFKA_RESP_ERR__NO_OFFSET)
        return;
    /* The same failure at every commit (a broker refusing commits from
     * outside the group's membership, with -p) is worth one line. */
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != k->commit_error)
        tc_notes_add(k->events->notes, k->log, TG_LOG_WARN,
                     "committing offsets failed: %s", rd_kafka_err2str(err));
    k->commit_error = err;
}

static void on_commit(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                      rd_kafka_topic_partition_list_t *offsets, void *opaque)
{
    (void)rk;
    (void)offsets;
    tc_kafka_events_commit_result(opaque, err);
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *list, void *opaque)
{
    struct tc_kafka_events *ev = ((struct tc_kafka *)opaque)->events;
    /* The yield below returns the poll before anything else is served, and
     * librdkafka sends no rebalance before the last one's assign call. */
    if (ev->rebalance_pending) {
        ev->overrun = true;
    } else {
        const char *protocol = rd_kafka_rebalance_protocol(rk);
        ev->rebalance = (struct tc_kafka_rebalance){
            .kind = err,
            .partitions = list != NULL ? rd_kafka_topic_partition_list_copy(list) : NULL,
            .lost = rd_kafka_assignment_lost(rk) != 0,
            .cooperative = protocol != NULL && strcmp(protocol, "COOPERATIVE") == 0,
        };
        ev->rebalance_pending = true;
    }
    rd_kafka_yield(rk);
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

void tc_kafka_events_install_log(struct tc_kafka *k, rd_kafka_conf_t *conf)
{
    rd_kafka_conf_set_opaque(conf, k);
    rd_kafka_conf_set_log_cb(conf, on_log);
}
