/* tc_kafka_feed.c - see tc_kafka_feed.h. */
#include "tc_kafka_feed.h"

#include "tc_batchq.h"
#include "tc_kafka_assign.h"
#include "tc_kafka_loss.h"
#include "tc_kafka_state.h"
#include "tc_options.h"
#include "tg_record.h"
#include "tc_partitions.h"
#include "tc_pipeline.h"
#include "tg_exit.h"
#include "tg_log.h"
#include "tg_time.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Most messages taken from the consumer queue at once. */
#define TC_KAFKA_BATCH 1024
/* Batches polled ahead while the stage thread parses. */
#define TC_KAFKA_QUEUE_BATCHES 4

/* The stage frees each message once parsed: freeing is a good part of a
 * message's cost on the counting thread. */
static void release_message(void *handle)
{
    rd_kafka_message_destroy(handle);
}

static void parse_stage(void *ctx, struct tc_batch *b)
{
    const struct tc_kafka *k = ctx;
    tc_batch_parse_raw(b, k->parser, &k->rules, release_message);
}

int tc_kafka_feed_start(struct tc_kafka *k)
{
    k->parts = tc_partitions_new(tc_pipeline_min_slide_ms(k->pipeline));
    k->parser = tg_record_reader_new();
    tc_options_read_rules(k->opts, &k->rules);
    if (k->parts == NULL || k->parser == NULL) {
        tg_log_error(k->log, "out of memory");
        return TG_EXIT_SOFTWARE;
    }
    /* -e prints what the topic holds: no partition stops holding W back
     * by the order or the time it is read in. */
    if (k->opts->exit_at_end)
        tc_partitions_hold_to_end(k->parts);
    const struct tc_batchq_stage stage = {.run = parse_stage, .ctx = k};
    k->queue = tc_batchq_new(TC_KAFKA_QUEUE_BATCHES, TC_KAFKA_BATCH, &stage);
    if (k->queue == NULL) {
        tg_log_error(k->log, "cannot start the parsing thread: %s", strerror(errno));
        return TG_EXIT_SOFTWARE;
    }
    return TG_EXIT_OK;
}

void tc_kafka_feed_stop(struct tc_kafka *k)
{
    tc_batchq_free(k->queue);
    tg_record_reader_free(k->parser);
    tc_partitions_free(k->parts);
    k->queue = NULL;
    k->filling = NULL;
    k->parser = NULL;
    k->parts = NULL;
}

int tc_kafka_feed_output_failed(struct tc_kafka *k)
{
    if (errno == ENOMEM && k->status == TG_EXIT_OK) {
        tg_log_error(k->log, "out of memory");
        k->status = TG_EXIT_SOFTWARE;
    } else if (errno != EPIPE && k->status == TG_EXIT_OK) {
        tg_log_error(k->log, "writing the output: %s", strerror(errno));
        k->status = TG_EXIT_TEMPFAIL;
    }
    k->output_closed = true;
    return -1;
}

/* ------------------------------------------------------------ polling */

/* Takes what the consumer queue holds, up to a batch, without waiting;
 * when it is empty, waits up to wait_ms for one message as consumer_poll
 * does.  Batches save librdkafka's per-call locking when messages pile up
 * (15% of the consume rate on a backlog), and the wait on an empty queue
 * keeps a lone message's latency that of consumer_poll (a batch call would
 * wait out its whole timeout for the batch to fill).  Returns the number
 * of messages. */
static size_t next_messages(struct tc_kafka *k, rd_kafka_queue_t *q,
                            rd_kafka_message_t **batch, int wait_ms)
{
    ssize_t n = rd_kafka_consume_batch_queue(q, 0, batch, TC_KAFKA_BATCH);
    if (n > 0)
        return (size_t)n;
    if (wait_ms == 0)
        return 0;
    batch[0] = rd_kafka_consumer_poll(k->rk, wait_ms);
    return batch[0] != NULL ? 1 : 0;
}

size_t tc_kafka_feed_poll(struct tc_kafka *k, rd_kafka_queue_t *q)
{
    /* The batch to fill is kept from one call to the next until something
     * is polled into it. */
    if (k->filling == NULL)
        k->filling = tc_batchq_empty(k->queue, false);
    struct tc_batch *b = k->filling;
    if (b == NULL)
        return 0;
    rd_kafka_message_t *batch[TC_KAFKA_BATCH];
    size_t n = next_messages(k, q, batch,
                             tc_batchq_in_flight(k->queue) > 0 ? 0 : TC_KAFKA_POLL_MS);
    for (size_t i = 0; i < n; i++) {
        rd_kafka_message_t *m = batch[i];
        const char *data = m->err != RD_KAFKA_RESP_ERR_NO_ERROR ? NULL
                           : m->payload != NULL                 ? m->payload
                                                                : "";
        tc_batch_add_raw(
            b, data, m->len,
            (struct tc_where){.unit = m->partition, .pos = m->offset, .handle = m});
    }
    if (n > 0) {
        tc_batchq_publish(k->queue, b);
        k->filling = NULL;
    }
    return n;
}

size_t tc_kafka_feed_in_flight(struct tc_kafka *k)
{
    return tc_batchq_in_flight(k->queue);
}

/* ------------------------------------------------------------ counting */

static int handle_error_message(struct tc_kafka *k, const rd_kafka_message_t *m)
{
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        /* The end is where to resume, and what new data is measured against. */
        tc_partitions_set_offset(k->parts, m->partition, m->offset);
        tc_partitions_eof(k->parts, m->partition);
        tg_log_debug(k->log, "%s[%" PRId32 "] at its end, offset %" PRId64,
                     k->opts->topic, m->partition, m->offset);
        return 0;
    }
    if (m->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET) {
        /* Its fetch stopped out of range; the loop restarts it. */
        tc_kafka_loss_note(k, m->partition, m->offset);
        return 0;
    }
    if (m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
        m->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC)
        return tc_kafka_assign_topic_missing(
            k); /* the subscription picks it up once created */
    tg_log_warn(k->log, "Kafka: %s", rd_kafka_message_errstr(m));
    return 0;
}

/* Counts an item of a batch the stage parsed in its partition's task,
 * moves that task's own watermark, then lets the slowest live partition
 * drive W.  Returns 0, or -1 when the loop must stop. */
static int handle_message(struct tc_kafka *k, const struct tc_batch *b,
                          const struct tc_item *it, int64_t now)
{
    k->connected = true;
    if (it->kind == TC_ITEM_PASS) /* an event, kept for us by the stage */
        return handle_error_message(k, it->where.handle);

    int32_t partition = (int32_t)it->where.unit;
    int64_t offset = it->where.pos;
    int64_t event_ms = 0;
    int r = tc_pipeline_feed_parsed(k->pipeline, (uint32_t)partition, b, it, &event_ms);
    if (r == TC_FEED_ERROR) {
        tg_log_error(k->log, "out of memory");
        k->status = TG_EXIT_SOFTWARE;
        return -1;
    }
    if (r == TC_FEED_FAILED) { /* the late file: said; stop as if stdout had */
        k->status = TG_EXIT_TEMPFAIL;
        k->output_closed = true;
        return -1;
    }
    if ((r == TC_FEED_MALFORMED || r == TC_FEED_LATE) &&
        tc_pipeline_tells(k->pipeline, r)) {
        char where[320];
        snprintf(where, sizeof(where), "%s[%" PRId32 "]@%" PRId64, k->opts->topic,
                 partition, offset);
        tc_pipeline_tell(k->pipeline, r, where);
    }
    if (r != TC_FEED_MALFORMED) {
        tc_partitions_record(k->parts, partition, event_ms, now);
        tc_pipeline_advance_task(k->pipeline, (uint32_t)partition, event_ms);
    }
    tc_partitions_set_offset(k->parts, partition, offset + 1);
    k->uncommitted = true;
    k->consumed = true;
    k->last_activity_ms = now;

    int64_t driving;
    if (tc_partitions_driving_time(k->parts, now, &driving) &&
        tc_pipeline_advance(k->pipeline, driving) < 0)
        return tc_kafka_feed_output_failed(k);
    return 0;
}

static void check_end(void *arg, int32_t partition, int64_t next_offset)
{
    struct tc_kafka *k = arg;
    int64_t low, high;
    if (tc_partitions_is_at_end(k->parts, partition) &&
        rd_kafka_get_watermark_offsets(k->rk, k->opts->topic, partition, &low, &high) ==
            RD_KAFKA_RESP_ERR_NO_ERROR &&
        high > next_offset)
        tc_partitions_set_offset(k->parts, partition, next_offset);
}

/* A partition that reached its end stops holding W back (so that a caught-up
 * partition does not stall the windows), but the fetch that brings it new
 * data may be queued behind another partition's: a burst of old event times
 * after a quiet spell (or an outage) could then make its records late.
 * Before a batch is fed, a partition at its end whose last fetch saw a
 * higher high-water mark than its position has data on the way: it holds W
 * again.  This narrows the gap, it cannot close it: a fetch answer still
 * being parsed when the batch is fed is not seen yet.  Records stamped near
 * the wall clock, as live chats produce, are not affected. */
static void check_ends(struct tc_kafka *k)
{
    if (tc_partitions_any_at_end(k->parts))
        tc_partitions_each(k->parts, check_end, k);
}

int tc_kafka_feed_count(struct tc_kafka *k, int timeout_ms, bool counting)
{
    struct tc_batch *b = tc_batchq_take(k->queue, timeout_ms);
    if (b == NULL)
        return 0;
    int64_t now = tg_time_monotonic_ms();
    if (counting)
        check_ends(k);
    int rc = counting ? 0 : -1;
    for (size_t i = 0; i < b->count; i++) {
        const struct tc_item *it = &b->items[i];
        if (rc == 0)
            rc = handle_message(k, b, it, now);
        if (it->where.handle != NULL) /* NULL: the stage freed it */
            rd_kafka_message_destroy(it->where.handle);
    }
    tc_batchq_give_back(k->queue, b);
    return counting && rc < 0 ? -1 : 1;
}

void tc_kafka_feed_drain(struct tc_kafka *k)
{
    while (tc_batchq_in_flight(k->queue) > 0) {
        bool counting = k->status == TG_EXIT_OK && !k->output_closed;
        tc_kafka_feed_count(k, -1, counting);
    }
}
