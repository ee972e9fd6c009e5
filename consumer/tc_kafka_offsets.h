/* tc_kafka_offsets.h - where tgcount's Kafka input stands in each
 * partition, made durable: the next offsets restored from a checkpoint
 * (where a partition resumes), checkpoints written with the next offset of
 * every assigned partition, and commits of those offsets to the group.
 *
 * Offsets are committed only once a checkpoint covers them (when
 * checkpoints are kept), so lag tools see safe progress.  The arrays live
 * in struct tc_kafka (tc_kafka_state.h) and are freed by
 * tc_kafka_offsets_free.
 */
#ifndef TC_KAFKA_OFFSETS_H
#define TC_KAFKA_OFFSETS_H

#include <librdkafka/rdkafka.h>

#include <stdbool.h>
#include <stdint.h>

struct tc_kafka;

/* With --checkpoint, first locks the directory for the run (creating it,
 * and removing temporary files a killed write left), then restores the
 * pipeline and the partitions' next offsets from the checkpoint, if there
 * is one.  Returns a tg_exit code, after reporting any failure:
 * TG_EXIT_TEMPFAIL when another tgcount holds the directory,
 * TG_EXIT_CONFIG when it or its checkpoint cannot be used. */
int tc_kafka_offsets_load(struct tc_kafka *k);

/* The next offset the checkpoint restored for the partition: true and
 * *offset set, or false when it has none. */
bool tc_kafka_offsets_restored(const struct tc_kafka *k, int32_t partition,
                               int64_t *offset);

/* Writes a checkpoint with the next offsets of the assigned partitions.
 * Returns 0, or -1 after reporting a failure, which ends the run (see
 * tc_kafka_offsets.c). */
int tc_kafka_offsets_save(struct tc_kafka *k);

/* Commits the next offsets of the assigned partitions, or of those in only
 * (borrowed; when not NULL), when there is a consumer group; without one
 * nothing is ever committed.  Failures are reported through the commit
 * callback, never fatal: the next commit covers them. */
void tc_kafka_offsets_commit(struct tc_kafka *k,
                             const rd_kafka_topic_partition_list_t *only, bool async);

/* The next offsets of the assigned partitions (those with one), the list
 * a commit or a transaction commits.  Owned by the caller. */
rd_kafka_topic_partition_list_t *tc_kafka_offsets_list(const struct tc_kafka *k);

/* When anything was counted since the last commit: a checkpoint (with
 * --checkpoint), then, unless it failed, the commit above.  With
 * --output-topic: the transaction (tc_kafka_txn_commit), which commits the
 * offsets itself, then, when it committed, the checkpoint; only is then
 * irrelevant (a transaction covers every assigned partition). */
void tc_kafka_offsets_persist(struct tc_kafka *k,
                              const rd_kafka_topic_partition_list_t *only, bool async);

/* Frees the restored and scratch arrays and releases the directory's
 * lock. */
void tc_kafka_offsets_free(struct tc_kafka *k);

#endif
