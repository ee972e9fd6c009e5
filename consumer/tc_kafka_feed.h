/* tc_kafka_feed.h - the messages tgcount's Kafka input polls, into the
 * counting pipeline in poll order.
 *
 * Parsing runs on the batch queue's stage thread (tc_batchq.h): the loop
 * publishes each polled batch and polls the next while the stage parses
 * (and frees each message it parsed), then counts the parsed batches in
 * poll order, so the second core parses while this one counts.  After each
 * message the slowest live partition drives the watermark
 * (tc_partitions.h).
 */
#ifndef TC_KAFKA_FEED_H
#define TC_KAFKA_FEED_H

#include <librdkafka/rdkafka.h>

#include <stdbool.h>
#include <stddef.h>

struct tc_kafka;

/* consumer_poll timeout: how late the stop flag and wall-clock duties may
 * be seen. */
#define TC_KAFKA_POLL_MS 100

/* Makes the partition table, the parser and the batch queue (its stage
 * thread started).  Returns a tg_exit code, after reporting a failure. */
int tc_kafka_feed_start(struct tc_kafka *k);

/* Stops the stage and frees what tc_kafka_feed_start made.  Messages still
 * in the queue are dropped: drain it first.  Safe after a failed start. */
void tc_kafka_feed_stop(struct tc_kafka *k);

/* Polls a batch from q (the consumer queue, borrowed) into the batch queue
 * when it has room, waiting for messages only when nothing is in flight.
 * Returns the number of messages polled. */
size_t tc_kafka_feed_poll(struct tc_kafka *k, rd_kafka_queue_t *q);

/* Batches published and not counted yet. */
size_t tc_kafka_feed_in_flight(struct tc_kafka *k);

/* Takes the oldest batch back once parsed, waiting up to timeout_ms (-1:
 * as long as it takes), and counts its messages when counting (else, or
 * once the loop must stop, only frees them).  Returns 1 when a batch was
 * taken, 0 when none was, -1 when the loop must stop. */
int tc_kafka_feed_count(struct tc_kafka *k, int timeout_ms, bool counting);

/* Counts every batch in flight, or only frees them once the run cannot go
 * on.  Before a rebalance and at the end: what was polled is counted
 * before offsets are committed, as when each batch was counted before the
 * next poll. */
void tc_kafka_feed_drain(struct tc_kafka *k);

/* An output write failed (errno says why), or emitting ran out of memory
 * (ENOMEM: exit TG_EXIT_SOFTWARE): nothing more can be delivered, so stop.
 * A reader that went away (EPIPE, as with `tgcount | head`) is a normal
 * end, as in file mode.  Returns -1. */
int tc_kafka_feed_output_failed(struct tc_kafka *k);

#endif
