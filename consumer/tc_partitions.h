/* tc_partitions.h - what tgcount knows about each Kafka partition it is
 * assigned: the greatest event time seen, when (wall time) it last brought
 * a record with an event time, whether it is at its end, and the offset to
 * resume from.  From this it derives the event time that drives the
 * engine's watermark W, which says which windows are final, when records
 * come from several partitions (each partition's own watermark, which
 * says which of its records are late, is its task's: tc_engine.h).
 *
 * Driving event time:
 *   - a partition holds the watermark back while it is assigned, not at its
 *     end and not idle; idle means no record with an event time for
 *     idle_ms of wall time (the smallest slide), counted from its
 *     assignment until its first record;
 *   - the driving time is the minimum, over the partitions that hold it
 *     back, of their greatest event time; a holding partition that has not
 *     brought any record yet has no event time, so there is no driving time
 *     (nothing may become late before every live partition has spoken);
 *   - when no partition holds it back (all idle or at their end), the
 *     driving time is the maximum over the assigned partitions.
 * A partition that stops holding W back has its own watermark raised
 * with W (by the engine), so only a partition that went quiet, reached its
 * end or was revoked can see its records judged by others' event time.
 *
 * Held to the end (-e, tc_partitions_hold_to_end): every assigned partition
 * holds W back, idle or at its end, with its own greatest event time, so
 * the driving time is the minimum over all of them (none until each has
 * brought a record) and the wall clock plays no part: which windows are
 * final when -e stops is a function of the records read, whatever order
 * the partitions were read and reached their end in, and no partition's
 * watermark is ever raised past its own.
 *
 * Partitions are identified by number alone: tgcount reads one topic.
 */
#ifndef TC_PARTITIONS_H
#define TC_PARTITIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* No offset known (nothing counted from the partition yet). */
#define TC_PARTITIONS_NO_OFFSET INT64_MIN

struct tc_partitions;

/* A new, empty set; idle_ms > 0 is the wall time after which a quiet
 * partition stops holding the watermark back.  NULL when out of memory. */
struct tc_partitions *tc_partitions_new(int64_t idle_ms);

/* From now on every assigned partition holds the watermark back until it
 * is revoked, at its end or idle (see the file comment): for -e. */
void tc_partitions_hold_to_end(struct tc_partitions *parts);

/* NULL-safe. */
void tc_partitions_free(struct tc_partitions *parts);

/* Starts tracking a partition at wall time now_ms (its idle clock starts
 * then), with no event time, not at its end, and no offset.  Assigning a
 * partition that is already assigned keeps what is known about it.
 * Returns 0, or -1 with a message in err (negative number, out of memory). */
int tc_partitions_assign(struct tc_partitions *parts, int32_t partition, int64_t now_ms,
                         char *err, size_t errlen);

/* Forgets a partition (revoked by a rebalance).  Unknown ones are ignored. */
void tc_partitions_revoke(struct tc_partitions *parts, int32_t partition);

/* Forgets every partition (a full revocation). */
void tc_partitions_revoke_all(struct tc_partitions *parts);

/* True when the partition is assigned. */
bool tc_partitions_is_assigned(const struct tc_partitions *parts, int32_t partition);

/* True when the partition has been assigned at some point, even if revoked
 * since (where a process starts reading a partition depends on whether it
 * has read it before). */
bool tc_partitions_was_assigned(const struct tc_partitions *parts, int32_t partition);

/* Number of assigned partitions. */
size_t tc_partitions_count(const struct tc_partitions *parts);

/* A record with event time event_ms arrived from the partition at wall
 * time now_ms: raises its greatest event time, restarts its idle clock and
 * clears its end flag.  Ignored for a partition that is not assigned. */
void tc_partitions_record(struct tc_partitions *parts, int32_t partition,
                          int64_t event_ms, int64_t now_ms);

/* Remembers where to resume the partition: next_offset is the offset after
 * the last message consumed from it (counted, or skipped as malformed).
 * Clears the end flag.  Ignored for a partition that is not assigned. */
void tc_partitions_set_offset(struct tc_partitions *parts, int32_t partition,
                              int64_t next_offset);

/* The offset set above, or TC_PARTITIONS_NO_OFFSET. */
int64_t tc_partitions_offset(const struct tc_partitions *parts, int32_t partition);

/* Remembers where the partition was started (an offset, or one of
 * librdkafka's logical offsets), for tc_partitions_position.  Ignored for
 * a partition that is not assigned. */
void tc_partitions_set_start(struct tc_partitions *parts, int32_t partition,
                             int64_t start_offset);

/* Where reading the partition would go on: the offset set by
 * tc_partitions_set_offset, else the start (TC_PARTITIONS_NO_OFFSET when
 * neither is known or the partition is not assigned). */
int64_t tc_partitions_position(const struct tc_partitions *parts, int32_t partition);

/* The partition reached its end (the consumer's partition EOF).  A later
 * record or offset clears the flag.  Ignored when not assigned. */
void tc_partitions_eof(struct tc_partitions *parts, int32_t partition);

/* True when the partition is assigned and at its end. */
bool tc_partitions_is_at_end(const struct tc_partitions *parts, int32_t partition);

/* True when some assigned partition is at its end. */
bool tc_partitions_any_at_end(const struct tc_partitions *parts);

/* True when at least one partition is assigned and every assigned one is at
 * its end (what -e waits for). */
bool tc_partitions_all_at_end(const struct tc_partitions *parts);

/* The driving event time at wall time now_ms (see the file comment).
 * Returns true and sets *event_ms, or false when there is none yet. */
bool tc_partitions_driving_time(struct tc_partitions *parts, int64_t now_ms,
                                int64_t *event_ms);

/* Visits the assigned partitions in increasing number; for checkpoints and
 * offset commits. */
void tc_partitions_each(const struct tc_partitions *parts,
                        void (*fn)(void *arg, int32_t partition, int64_t next_offset),
                        void *arg);

#endif
