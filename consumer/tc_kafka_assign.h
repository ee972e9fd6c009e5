/* tc_kafka_assign.h - which partitions tgcount's Kafka input reads, and
 * where each starts.
 *
 * With -G (and no -p) the group assigns them (rebalances).  Without a
 * group, or with -p, tgcount assigns them itself ("-p" below), as kcat -C
 * without -G does: it never joins a group, so it skips the join's
 * rebalance delay (about 3 s) and disturbs no member, and several
 * processes can split a topic by hand.  It reads the topic's partitions
 * from metadata once the brokers answer, again every second while the
 * topic or a listed partition is missing (follow mode), and every few
 * seconds for all partitions (-p all, or no group) in follow mode, to
 * take partitions added since.
 *
 * Where a newly assigned partition starts: with --output-topic, the next
 * offset of the state restored from the changelog (tc_kafka_changelog.h),
 * whether or not this process had the partition before; else the
 * checkpoint's next offset,
 * else -o beginning (offset 0) or end the first time this process reads
 * the partition, else the group's committed offset, else where the user's
 * auto.offset.reset says (the end; the first offset with earliest).  Each
 * is resolved to an explicit offset, so that a start in deleted data is
 * reported as lost (tc_kafka_loss.h), never silently moved.
 */
#ifndef TC_KAFKA_ASSIGN_H
#define TC_KAFKA_ASSIGN_H

#include <librdkafka/rdkafka.h>

#include <stdbool.h>
#include <stdint.h>

struct tc_kafka;
struct tc_kafka_rebalance;

/* Acts on a rebalance the callback recorded (tc_kafka_events.h), once
 * what was polled before it has been counted: starts tracking assigned
 * partitions, or commits and forgets revoked ones, then hands the change
 * to librdkafka.  A failure is reported and sets the run's status. */
void tc_kafka_assign_rebalance(struct tc_kafka *k, const struct tc_kafka_rebalance *r);

/* Starts tracking the partitions of list (borrowed), setting in it where
 * each starts, before they are handed to librdkafka.  A failure sets the
 * run's status. */
void tc_kafka_assign_take(struct tc_kafka *k, rd_kafka_topic_partition_list_t *list);

/* Stops tracking the partitions of list (borrowed; NULL: all), first
 * committing what was counted from them unless the assignment was lost
 * or the run is closing. */
void tc_kafka_assign_drop(struct tc_kafka *k, const rd_kafka_topic_partition_list_t *list,
                          bool lost);

/* -p: reads the topic's partitions from metadata and assigns the new ones
 * wanted; a failed request is retried a second later.  now is monotonic.
 * Returns 0, or -1 (status set) when the run must stop. */
int tc_kafka_assign_wanted(struct tc_kafka *k, int64_t now);

/* The topic does not exist: with -e there is nothing to read up to (exit
 * 69); otherwise it may yet be created, so warn once and wait.  Returns 0,
 * or -1 (status set) when the run must stop. */
int tc_kafka_assign_topic_missing(struct tc_kafka *k);

#endif
