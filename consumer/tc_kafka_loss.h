/* tc_kafka_loss.h - offsets deleted before tgcount read them: found, told,
 * counted, and read past.
 *
 * A partition's log start moves past the offset tgcount needs when the
 * broker deletes old data (retention, the local broker's size cap) before
 * it is read: a start at -o beginning (offset 0, where every history
 * begins), a checkpoint's or the group's offset pointing into deleted
 * data, or a log start that overtakes tgcount while it reads.  Every
 * partition starts at an explicit offset and librdkafka's
 * auto.offset.reset is "error" (tc_kafka_client.c), so instead of
 * resetting silently, librdkafka stops fetching that partition and hands
 * over a RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET consumer error carrying the
 * offset it wanted.  tc_kafka_loss_note records it; the loop then calls
 * tc_kafka_loss_recover, which reads the partition's watermarks, warns
 *
 *     tgcount: warning: telegram_messages[2]: offsets 0..1839 were deleted
 *     before they were read (1840 lost)
 *
 * adds the count to the stats (lost=), and restarts the partition at its
 * log start.  With -e the run then ends with exit 65 (TG_EXIT_DATAERR,
 * tc_kafka_loss_exit_status) unless --allow-data-loss.
 *
 * The same error without an offset (no stored offset in the group, when
 * the committed offsets could not be read at assignment) is no loss: the
 * partition starts where the user's auto.offset.reset says.
 *
 * Restarting: librdkafka 2.0.2 cannot seek a partition whose fetch stopped
 * this way (its state is no longer "started"), so the partition is
 * assigned again: incrementally in a cooperative group, else by assigning
 * every partition again at its position (tc_partitions_position), which an
 * eager group and a consumer without a group both accept.  What was polled
 * is counted first, so the positions are exact.
 */
#ifndef TC_KAFKA_LOSS_H
#define TC_KAFKA_LOSS_H

#include <librdkafka/rdkafka.h>

#include <stdbool.h>
#include <stdint.h>

struct tc_kafka;

/* The fetch of the partition stopped at offset (RD_KAFKA_OFFSET_INVALID:
 * no stored offset): remembers it for tc_kafka_loss_recover.  Ignored for
 * a partition that is not assigned.  Out of memory sets the run's status. */
void tc_kafka_loss_note(struct tc_kafka *k, int32_t partition, int64_t offset);

/* True when a noted partition waits to be restarted. */
bool tc_kafka_loss_pending(const struct tc_kafka *k);

/* Forgets the noted partitions of list (borrowed; NULL: all): they were
 * revoked, and a later assignment starts them afresh. */
void tc_kafka_loss_forget(struct tc_kafka *k,
                          const rd_kafka_topic_partition_list_t *list);

/* Counts what was polled, then reports and counts what each noted
 * partition lost and restarts it; a partition whose watermarks cannot be
 * read is tried again a second later (now: monotonic ms).  Returns 0, or
 * -1 (status set) when the run must stop. */
int tc_kafka_loss_recover(struct tc_kafka *k, int64_t now);

/* The run's exit status once it has ended with status: TG_EXIT_DATAERR,
 * after one error line, when it was to stop at the end (-e), offsets were
 * lost and --allow-data-loss was not given; else status. */
int tc_kafka_loss_exit_status(const struct tc_kafka *k, int status);

/* Frees what the module holds. */
void tc_kafka_loss_free(struct tc_kafka *k);

#endif
