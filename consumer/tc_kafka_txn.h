/* tc_kafka_txn.h - --output-topic: the results topic, exactly once.  A
 * transactional producer next to the consumer writes each input
 * partition's final rows ("row" messages) and its event time ("progress"
 * messages), in the schema the README's "Results topic" gives, and
 * commits them with the consumed offsets (send_offsets_to_transaction) in
 * one transaction per --commit-interval, so that a read_committed reader
 * sees them once the offsets that produced them are committed, never
 * before.
 *
 * Rows come from the engine's task sink (tc_engine.h): a task's rows of a
 * window are produced when its own W_p has passed the window's end, once
 * per run (the task's produced_end, saved in the checkpoint).  The
 * transaction is begun with the first message after a commit.
 *
 * The state lives in struct tc_kafka's txn (tc_kafka_state.h), owned here;
 * every call is made on tc_kafka_run's thread.
 */
#ifndef TC_KAFKA_TXN_H
#define TC_KAFKA_TXN_H

#include <librdkafka/rdkafka.h>

#include <stdbool.h>
#include <stddef.h>

struct tc_kafka;

/* The default transactional.id: "tgcount-" GROUP "-" HOSTNAME (a stable
 * name per group and machine: a restarted member fences its previous
 * incarnation's open transaction).  Writes it to buf; returns 0, or -1
 * when it does not fit. */
int tc_kafka_txn_default_id(const char *group, char *buf, size_t buflen);

/* Creates the producer from conf (owned: taken on success and on
 * failure; the user's -X/-F, without the consumer's own settings),
 * initialises its transactions, reads the output topic's partition count
 * and installs the engine's task sink.  Returns a tg_exit code after
 * reporting a failure: TG_EXIT_CONFIG for a bad configuration,
 * TG_EXIT_UNAVAILABLE when the transactions cannot be initialised or the
 * output topic is missing. */
int tc_kafka_txn_start(struct tc_kafka *k, rd_kafka_conf_t *conf);

/* Builds the transaction's contents (the tasks' final rows, progress of
 * every task whose W_p moved, the next offsets of what was counted) and
 * commits it.  Returns 1 when a transaction was committed, 0 when there
 * was nothing to commit, -1 when it failed: it was aborted where possible,
 * the error was said in one line, and the run must stop (k->status
 * TG_EXIT_TEMPFAIL, k->results_broken). */
int tc_kafka_txn_commit(struct tc_kafka *k);

/* An assignment: the input topic's partition count is read again before
 * the next commit (and every task's progress written with it if it
 * changed). */
void tc_kafka_txn_assigned(struct tc_kafka *k);

/* A revocation, after the commit that covered the partitions (list NULL:
 * all): their tasks are dropped, since their new owner speaks for them
 * from now on.  lost: the group took them without a revocation, so the
 * open transaction, if any, cannot commit: it is aborted and the run
 * stops as after a failed commit. */
void tc_kafka_txn_revoked(struct tc_kafka *k, const rd_kafka_topic_partition_list_t *list,
                          bool lost);

/* Aborts a transaction still open, flushes (bounded) and destroys the
 * producer.  NULL-safe on k->txn. */
void tc_kafka_txn_stop(struct tc_kafka *k);

#endif
