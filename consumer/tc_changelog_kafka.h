/* tc_changelog_kafka.h - the changelog topic on the brokers: its name, its
 * creation, writing a snapshot's chunks (tc_changelog.h) and reading a
 * partition's snapshot back before its input partition is consumed.
 *
 * The topic: "<group>-tgcount-changelog" (tc_changelog_topic_name), as
 * many partitions as the input topic at least (input partition p's
 * snapshots go to changelog partition p), cleanup.policy=compact, so that
 * it keeps the newest message of every chunk slot.
 *
 * librdkafka 2.0.2's mock cluster (scripts/kafka-local) implements neither
 * CreateTopics nor DescribeConfigs, nor names a controller, so creating a
 * topic there fails ("waiting for controller", after the timeout) and the
 * topic must be made beforehand (kafka-local topic NAME N); nor does it
 * compact, and it keeps at most 5 MiB per partition, dropping the oldest.
 */
#ifndef TC_CHANGELOG_KAFKA_H
#define TC_CHANGELOG_KAFKA_H

#include <librdkafka/rdkafka.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_changelog.h"

#define TC_CHANGELOG_TOPIC_SUFFIX "-tgcount-changelog"

/* Writes the changelog topic's name for group into out (outlen bytes).
 * Returns 0, or -1 with err when there is no group or the name would be
 * longer than Kafka's 249 bytes. */
int tc_changelog_topic_name(const char *group, char *out, size_t outlen, char *err,
                            size_t errlen);

/* Makes sure the changelog topic exists with at least `partitions`
 * partitions, through rk (any client; borrowed): when missing it is
 * created with the Admin API (cleanup.policy=compact, replication the
 * brokers' default), *created set.  Waits at most timeout_ms for each
 * request.  Returns 0, or -1 with a one-line err: an existing topic with
 * fewer partitions, a topic that could not be created (with the remedy),
 * or brokers that do not answer. */
int tc_changelog_ensure_topic(rd_kafka_t *rk, const char *topic, int partitions,
                              int timeout_ms, bool *created, char *err, size_t errlen);

/* Produces the chunks of c, in order, to partition `partition` of the
 * changelog topic through producer (borrowed; transactional or not: in a
 * transaction they commit or abort with it).  Values and keys are copied.
 * When the local queue is full, polls and retries for up to timeout_ms.
 * Delivery reports go to the producer's callback as usual.  Returns 0, or
 * -1 with err. */
int tc_changelog_produce(rd_kafka_t *producer, const char *topic, int32_t partition,
                         const struct tc_changelog_chunks *c, int timeout_ms, char *err,
                         size_t errlen);

/* What restoring one partition found. */
struct tc_changelog_restored {
    struct tc_changelog_snapshot *snapshot; /* owned by the caller; NULL: none */
    struct tc_changelog_stats stats;        /* of the last read (the tail that
                                             * held the snapshot); max_generation:
                                             * the next snapshot is to be
                                             * written above it */
    int64_t high_watermark;                 /* read at start */
    int64_t elapsed_ms;                     /* from start to the snapshot */
    uint64_t offsets_read;                  /* over every read: offsets spanned */
    uint64_t bytes_read;                    /* over every read: keys and values */
    int attempts;                           /* reads: 0 for an empty partition */
};

struct tc_changelog_reader;

/* A reader of the changelog topic: its own two consumers, one reading,
 * one asking for watermarks (no group joined, nothing committed,
 * isolation.level=read_committed), configured from base (borrowed and
 * copied: the user's -X/-F and brokers).  Returns NULL with err. */
struct tc_changelog_reader *tc_changelog_reader_new(const rd_kafka_conf_t *base,
                                                    const char *topic, char *err,
                                                    size_t errlen);

/* NULL-safe. */
void tc_changelog_reader_free(struct tc_changelog_reader *r);

/* Restores input partition `partition` of input_topic: reads the tail of
 * changelog partition `partition`, its last 2 offsets up to the high
 * watermark read at start, with a fresh decoder, and again at least twice
 * as long (and long enough for every chunk of a snapshot seen in part)
 * while that finds no complete snapshot, up to the whole partition; fills
 * *out (the newest complete snapshot, the one a whole read keeps, or none
 * when the partition holds none).  So a restore's cost follows the newest
 * snapshot's size, not the partition's history.  The snapshot's next
 * offset is where the input partition resumes: restored state and its
 * offset win over the group's committed offset and -o.  Gives up after
 * timeout_ms (all reads).  Returns 0, or -1 with a one-line err (*out then
 * holds nothing to free): brokers that do not answer, a read still short
 * of the high watermark at the timeout (an open transaction holds
 * read_committed readers back), a snapshot of another input topic, or out
 * of memory. */
int tc_changelog_reader_restore(struct tc_changelog_reader *r, const char *input_topic,
                                int32_t partition, int timeout_ms,
                                struct tc_changelog_restored *out, char *err,
                                size_t errlen);

#endif
