/* tc_kafka_changelog.h - --output-topic: the state changelog of a running
 * tgcount.  Each task's state (tc_pipeline_save_task) goes, chunked
 * (tc_changelog.h), to changelog partition p in the results transaction
 * that commits the offsets it covers; a member assigned partition p reads
 * changelog partition p back (tc_changelog_kafka.h) and loads the task
 * before consuming the partition, which then starts at the snapshot's next
 * offset: restored state and offset win over the group's committed offset
 * and -o.
 *
 * The topic is --changelog-topic, default "<group>-tgcount-changelog".  It
 * is ensured (created with the Admin API when missing) at start when the
 * input topic's partition count is known, else before the first restore.
 *
 * A snapshot of a task is written when its partition's next offset or its
 * produced_end moved since the last one (written or restored), so a quiet
 * partition costs nothing.  Generations: above the highest seen at
 * restore, one more per snapshot.
 *
 * The state lives in struct tc_kafka's changelog (tc_kafka_state.h), owned
 * here; every call is made on tc_kafka_run's thread.
 */
#ifndef TC_KAFKA_CHANGELOG_H
#define TC_KAFKA_CHANGELOG_H

#include <librdkafka/rdkafka.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tc_kafka;

/* Creates the restore reader from base (borrowed: the user's -X/-F and
 * brokers) and, when the input topic is there, ensures the changelog topic
 * through producer (borrowed).  Returns a tg_exit code after reporting a
 * failure in one line: TG_EXIT_UNAVAILABLE when the topic is missing and
 * cannot be created (the remedy said) or has too few partitions,
 * TG_EXIT_CONFIG for a bad configuration. */
int tc_kafka_changelog_start(struct tc_kafka *k, rd_kafka_t *producer,
                             const rd_kafka_conf_t *base);

/* Restores the partitions of list (borrowed): for each, reads its
 * changelog partition, drops the task if there is one and loads the
 * snapshot's, and remembers its next offset for
 * tc_kafka_changelog_offset.  Called before the partitions are handed to
 * librdkafka, so before any of their records is consumed.  Returns 0, or
 * -1 after saying why in one line (k->status set: the run must stop). */
int tc_kafka_changelog_restore(struct tc_kafka *k,
                               const rd_kafka_topic_partition_list_t *list);

/* The next offset the last restore of partition found: true and *offset
 * set, or false (no snapshot: the usual start applies). */
bool tc_kafka_changelog_offset(const struct tc_kafka *k, int32_t partition,
                               int64_t *offset);

/* In the open transaction of producer (borrowed): a snapshot of every
 * assigned partition's task that changed since its last one.  begin(arg)
 * is called before the first message (it opens the transaction; nonzero:
 * give up).  Returns 0, or -1 with err (out of memory, producing failed). */
int tc_kafka_changelog_write(struct tc_kafka *k, rd_kafka_t *producer,
                             int (*begin)(void *arg), void *arg, char *err,
                             size_t errlen);

/* The partitions of list (NULL: all) are no longer this member's: their
 * remembered offsets and snapshot marks go. */
void tc_kafka_changelog_forget(struct tc_kafka *k,
                               const rd_kafka_topic_partition_list_t *list);

/* Frees the reader and the state.  NULL-safe on k->changelog. */
void tc_kafka_changelog_stop(struct tc_kafka *k);

#endif
