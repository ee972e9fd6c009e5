/* tc_kafka_state.h - what the modules of tgcount's Kafka input share for
 * one run (tc_kafka.h):
 *   tc_kafka.c          the poll loop, its wall-clock duties, the end;
 *   tc_kafka_client.c   the client: configuration, creation, subscription;
 *   tc_kafka_events.c   librdkafka's callbacks, which only record;
 *   tc_kafka_assign.c   which partitions, from where: rebalances, -p;
 *   tc_kafka_offsets.c  next offsets: commits, checkpoints;
 *   tc_kafka_loss.c     offsets deleted before they were read;
 *   tc_kafka_feed.c     polled messages into the pipeline, in order;
 *   tc_kafka_txn.c      --output-topic: the results topic's producer;
 *   tc_kafka_changelog.c  --output-topic: the state changelog, written
 *                       in the transaction, restored on assignment.
 *
 * One struct tc_kafka lives on tc_kafka_run's stack for the run.  Every
 * field is used on the thread that called tc_kafka_run, except parser
 * (the batch queue's stage thread only), and events and log, which
 * librdkafka's log callback also uses from its own threads (see
 * tc_kafka_events.h).
 */
#ifndef TC_KAFKA_STATE_H
#define TC_KAFKA_STATE_H

#include <librdkafka/rdkafka.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_batch.h"

struct tc_batchq;
struct tc_kafka_changelog;
struct tc_kafka_events;
struct tc_kafka_txn;
struct tc_options;
struct tg_record_reader;
struct tc_partitions;
struct tc_pipeline;
struct tg_lockfile;
struct tg_log;

struct tc_kafka {
    /* Borrowed from tc_kafka_run's caller. */
    const struct tc_options *opts;
    struct tc_pipeline *pipeline;
    const struct tg_log *log;

    /* Owned; freed by tc_kafka_run at the end (the client's two by
     * tc_kafka.c's close, the rest by their modules' stop functions). */
    rd_kafka_t *rk;                  /* tc_kafka_client_start */
    rd_kafka_topic_t *rkt;           /* -p: the topic, for its metadata */
    struct tc_partitions *parts;     /* tc_kafka_feed_start */
    struct tc_batchq *queue;         /* tc_kafka_feed_start: parses what is polled */
    struct tg_record_reader *parser; /* tc_kafka_feed_start; the queue's stage only */
    struct tc_read_rules rules;      /* tc_kafka_feed_start; the queue's stage only */
    struct tc_batch *filling;        /* borrowed from the queue until published */
    struct tc_kafka_events *events;  /* tc_kafka_run: what the callbacks record */
    /* --output-topic: the producer's configuration until it is started
     * (tc_kafka_client_start makes it), then the producer (tc_kafka_txn). */
    rd_kafka_conf_t *txn_conf;
    struct tc_kafka_txn *txn;
    struct tc_kafka_changelog *changelog; /* tc_kafka_txn_start */

    /* tc_kafka_offsets: next offsets restored from the checkpoint
     * (malloc'd, nckpt entries), and scratch arrays for saving one. */
    struct tg_lockfile *ckpt_lock; /* held for the run with --checkpoint */
    int32_t *ckpt_partitions;
    int64_t *ckpt_offsets;
    size_t nckpt;
    int32_t *save_partitions;
    int64_t *save_offsets;
    size_t nsave, save_cap;
    bool save_failed;

    bool connected;         /* a broker has answered */
    bool assigned;          /* between an assignment and the next revocation */
    bool uncommitted;       /* offsets moved since the last commit */
    bool topic_missing;     /* reported once */
    bool partition_missing; /* -p: a listed partition is missing; reported once */
    int64_t next_assign_ms; /* -p: monotonic time to read the metadata again */
    bool output_closed;     /* writing failed: emit nothing more */
    bool consumed;          /* at least one message was fed */
    bool closing;           /* the pipeline is finished; only leaving the group is left */
    int status;             /* TG_EXIT_OK, or the exit code of a fatal error */
    bool checkpoint_broken; /* a save failed: the run stops without emitting */
    bool results_broken;    /* a transaction failed: the same */
    int64_t last_activity_ms; /* monotonic: last message or assignment */
    /* The user's auto.offset.reset (librdkafka's is set to "error"): where
     * a partition without a stored offset starts, earliest or latest. */
    bool reset_earliest;
    /* -X debug=...: the user asked for librdkafka's lines, which are then
     * shown at the normal level (else at -vv only). */
    bool debug_asked;
    /* tc_kafka_loss: the partitions whose fetch stopped out of range, with
     * the offset it stopped at (owned; NULL when none), and when to try
     * restarting them again after a failed attempt (monotonic). */
    rd_kafka_topic_partition_list_t *out_of_range;
    int64_t next_recovery_ms;
    /* Written by the error and commit callbacks (tc_kafka_events.h): the
     * most telling reason brokers are unreachable, and how the last commit
     * ended (a failure is reported when it differs). */
    char last_error[512];
    rd_kafka_resp_err_t commit_error;
};

#endif
