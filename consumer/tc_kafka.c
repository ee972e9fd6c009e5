/* tc_kafka.c - see tc_kafka.h.  The other tc_kafka_*.c modules do the
 * parts (tc_kafka_state.h lists them); this one runs them.
 *
 * The loop is librdkafka's canonical high-level consumer: consumer_poll
 * with a short timeout so that the stop flag is seen (taking whatever is
 * already queued in one batch call first), every message destroyed,
 * consumer close then destroy.  After each poll it acts on what
 * librdkafka's callbacks recorded (tc_kafka_events.h): their lines, a
 * fatal error, a rebalance.  Around the polling and counting
 * (tc_kafka_feed.h), wall-clock duties:
 *   - without a group, or with -p: assigning the partitions once the
 *     brokers answer, and again while some are missing (tc_kafka_assign.h);
 *   - the watermark: in follow mode a quiet topic lets W move with the
 *     wall clock;
 *   - offsets: the next offset of the last message consumed per partition
 *     is committed after each checkpoint (or every --checkpoint-interval
 *     without --checkpoint), when partitions are revoked, and at the end;
 *     with -p still in the group -G, as a simple consumer outside any
 *     membership (a broker that refuses that gets a warning each time);
 *     without a group, never; with --output-topic only inside the results
 *     transaction, every --commit-interval (tc_kafka_txn.h), the checkpoint
 *     right after it;
 *   - connection: until a broker has answered, a metadata probe every half
 *     second; no answer within --connect-timeout is exit 69;
 *   - lost data: a partition whose fetch stopped in deleted data is
 *     restarted at its log start, the loss told and counted
 *     (tc_kafka_loss.h), and with -e the run ends with exit 65;
 *   - --metrics-file: each assigned partition's next offset and lag, added
 *     to the pipeline's metrics when it writes them (tc_metrics.h).
 */
#include "tc_kafka.h"

#include "tc_kafka_assign.h"
#include "tc_kafka_client.h"
#include "tc_kafka_events.h"
#include "tc_kafka_feed.h"
#include "tc_kafka_loss.h"
#include "tc_kafka_offsets.h"
#include "tc_kafka_state.h"
#include "tc_kafka_txn.h"
#include "tc_metrics.h"
#include "tc_options.h"
#include "tc_partitions.h"
#include "tc_pipeline.h"
#include "tg_duration.h"
#include "tg_exit.h"
#include "tg_log.h"
#include "tg_signal.h"
#include "tg_time.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Wall-clock duties (tick, idle partitions, checkpoints) run at most this often
 * while messages flow, and after every empty poll. */
#define TC_KAFKA_DUTY_MS 50
/* Until a broker answers: how often, and how long, to ask for metadata. */
#define TC_KAFKA_PROBE_EVERY_MS 500
#define TC_KAFKA_PROBE_WAIT_MS 500
/* While closing: how long one poll may wait, which is how late the end of
 * the close is seen, and how many messages left over it takes at once. */
#define TC_KAFKA_CLOSE_POLL_MS 10
#define TC_KAFKA_CLOSE_BATCH 256

/* Acts on what librdkafka's callbacks recorded during the last call that
 * served them: prints their lines, stops on a fatal error, and carries out
 * a rebalance once everything polled before it is counted (so that the
 * offsets committed for revoked partitions cover it).  Returns 0, or -1
 * when the loop must stop. */
static int act_on_events(struct tc_kafka *k)
{
    tc_kafka_events_flush(k->events, k->log);
    if (tc_kafka_events_fatal(k->events) && k->status == TG_EXIT_OK)
        k->status = TG_EXIT_UNAVAILABLE;
    if (tc_kafka_events_overrun(k->events) && k->status == TG_EXIT_OK) {
        tg_log_error(k->log, "a rebalance arrived before the previous one was handled");
        k->status = TG_EXIT_SOFTWARE;
    }
    struct tc_kafka_rebalance r;
    if (tc_kafka_events_take_rebalance(k->events, &r)) {
        tc_kafka_feed_drain(k);
        tc_kafka_assign_rebalance(k, &r);
        tc_kafka_rebalance_clear(&r);
    }
    return k->status == TG_EXIT_OK ? 0 : -1;
}

/* Follow mode: every assigned partition is at its end and nothing arrived
 * for --idle (default one slide), so the chat is quiet rather than the
 * consumer behind.  --idle off: never (a replay of old data). */
static bool topic_quiet(const struct tc_kafka *k, int64_t now)
{
    int64_t idle = tc_options_idle_ms(k->opts, tc_pipeline_min_slide_ms(k->pipeline));
    return !k->opts->exit_at_end && k->assigned && idle >= 0 &&
           (tc_partitions_count(k->parts) == 0 || tc_partitions_all_at_end(k->parts)) &&
           now - k->last_activity_ms >= idle;
}

struct lag_note {
    rd_kafka_t *rk;
    const char *topic;
    char text[TC_NOTE_MAX - 64]; /* room for the total before it */
    size_t len;
    int64_t total;
};

/* One partition's lag: the broker's high watermark as librdkafka last
 * saw it in a fetch (cached: no request) minus the next offset to count;
 * "?" until both are known. */
static void add_lag(void *arg, int32_t partition, int64_t next_offset)
{
    struct lag_note *n = arg;
    int64_t lo, hi;
    char one[48];
    if (next_offset != TC_PARTITIONS_NO_OFFSET &&
        rd_kafka_get_watermark_offsets(n->rk, n->topic, partition, &lo, &hi) ==
            RD_KAFKA_RESP_ERR_NO_ERROR &&
        hi >= next_offset) {
        snprintf(one, sizeof one, " %" PRId32 ":%" PRId64, partition, hi - next_offset);
        n->total += hi - next_offset;
    } else {
        snprintf(one, sizeof one, " %" PRId32 ":?", partition);
    }
    size_t l = strlen(one);
    if (n->len + l < sizeof n->text) {
        memcpy(n->text + n->len, one, l + 1);
        n->len += l;
    }
}

/* --live: the lag per partition, for the view's status. */
static void note_lag(struct tc_kafka *k)
{
    struct lag_note n = {.rk = k->rk, .topic = k->opts->topic};
    tc_partitions_each(k->parts, add_lag, &n);
    char text[TC_NOTE_MAX];
    snprintf(text, sizeof text, "lag %" PRId64 " by partition:%s", n.total, n.text);
    tc_pipeline_set_note(k->pipeline, n.len > 0 ? text : "");
}

/* How often what was counted is made durable: a transaction with
 * --output-topic (the checkpoint follows it), else a checkpoint or a
 * commit. */
static int64_t persist_interval(const struct tc_kafka *k)
{
    return k->opts->output_topic != NULL ? k->opts->commit_interval_ms
                                         : k->opts->checkpoint_interval_ms;
}

/* Wall-clock duties: -p's assignments, partitions going idle, a quiet
 * topic, triggers and stats, checkpoints and commits.  Returns 0, or -1
 * when the loop must stop (output failed, or -p's partitions are missing
 * with -e). */
static int duties(struct tc_kafka *k, int64_t now, int64_t *next_save)
{
    if (k->opts->assign && k->connected && now >= k->next_assign_ms &&
        tc_kafka_assign_wanted(k, now) < 0)
        return -1;
    int64_t driving;
    if (tc_partitions_driving_time(k->parts, now, &driving) &&
        tc_pipeline_advance(k->pipeline, driving) < 0)
        return tc_kafka_feed_output_failed(k);
    int64_t wall = tg_time_now_ms();
    if (topic_quiet(k, now) && tc_pipeline_advance(k->pipeline, wall) < 0)
        return tc_kafka_feed_output_failed(k);
    if (tc_pipeline_live(k->pipeline) && k->rk != NULL)
        note_lag(k);
    if (tc_pipeline_tick(k->pipeline, wall) < 0)
        return tc_kafka_feed_output_failed(k);
    if (now >= *next_save) {
        tc_kafka_offsets_persist(k, NULL, true);
        *next_save = now + persist_interval(k);
    }
    return 0;
}

static bool finished(const struct tc_kafka *k)
{
    return k->opts->exit_at_end && k->assigned &&
           (tc_partitions_count(k->parts) == 0 || tc_partitions_all_at_end(k->parts));
}

/* Until a broker has answered: probes, and gives up after --connect-timeout.
 * Returns 0, or -1 (status set) when the brokers are unreachable. */
static int await_brokers(struct tc_kafka *k, int64_t start, int64_t now,
                         int64_t *next_probe)
{
    int64_t deadline = start + k->opts->connect_timeout_ms;
    if (now >= *next_probe) {
        int64_t wait = deadline - now;
        if (wait > TC_KAFKA_PROBE_WAIT_MS)
            wait = TC_KAFKA_PROBE_WAIT_MS;
        const struct rd_kafka_metadata *md = NULL;
        if (wait > 0 && rd_kafka_metadata(k->rk, 0, NULL, &md, (int)wait) ==
                            RD_KAFKA_RESP_ERR_NO_ERROR) {
            rd_kafka_metadata_destroy(md);
            k->connected = true;
            return 0;
        }
        now = tg_time_monotonic_ms();
        *next_probe = now + TC_KAFKA_PROBE_EVERY_MS;
    }
    if (now < deadline)
        return 0;
    char limit[32];
    if (tg_duration_format(k->opts->connect_timeout_ms, limit, sizeof(limit)) < 0)
        snprintf(limit, sizeof(limit), "%" PRId64 "ms", k->opts->connect_timeout_ms);
    tg_log_error(k->log, "brokers unreachable: %s (no answer for %s)",
                 k->last_error[0] ? k->last_error : "no broker answered", limit);
    k->status = TG_EXIT_UNAVAILABLE;
    return -1;
}

/* ---- metrics -------------------------------------------------------------- */

struct metrics_walk {
    const struct tc_kafka *k;
    struct tc_metrics_partition *parts;
    size_t n, cap;
};

static void metrics_one(void *arg, int32_t partition, int64_t next_offset)
{
    (void)next_offset; /* the position says more: also where a partition starts */
    struct metrics_walk *w = arg;
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 16;
        struct tc_metrics_partition *p = realloc(w->parts, cap * sizeof *p);
        if (p == NULL)
            return; /* the partitions after it are left out of this write */
        w->parts = p;
        w->cap = cap;
    }
    int64_t low, high = -1;
    /* The cached high-water mark of the last fetch: no request to the
     * broker on the loop's thread. */
    if (rd_kafka_get_watermark_offsets(w->k->rk, w->k->opts->topic, partition, &low,
                                       &high) != RD_KAFKA_RESP_ERR_NO_ERROR)
        high = -1;
    int64_t pos = tc_partitions_position(w->k->parts, partition);
    w->parts[w->n++] = (struct tc_metrics_partition){
        .partition = partition,
        .next_offset = pos >= 0 ? pos : -1, /* a logical offset is no position yet */
        .high_offset = high,
    };
}

/* The pipeline's metrics source: every assigned partition's next offset
 * and lag. */
static void partition_metrics(void *ctx, struct tg_prom *pr)
{
    struct tc_kafka *k = ctx;
    if (k->rk == NULL || k->parts == NULL)
        return;
    struct metrics_walk w = {.k = k};
    tc_partitions_each(k->parts, metrics_one, &w);
    tc_metrics_render_partitions(pr, k->opts->topic, w.parts, w.n);
    free(w.parts);
}

static void consume(struct tc_kafka *k)
{
    int64_t start = tg_time_monotonic_ms();
    int64_t next_probe = start, next_duty = start;
    int64_t next_save = start + persist_interval(k);
    rd_kafka_queue_t *q = rd_kafka_queue_get_consumer(k->rk);

    while (!tg_signal_stop_requested() && k->status == TG_EXIT_OK && !k->output_closed) {
        size_t polled = tc_kafka_feed_poll(k, q);
        if (act_on_events(k) < 0)
            break;
        /* With nothing new polled, wait for the stage instead of polling
         * again at once. */
        int wait = polled == 0 && tc_kafka_feed_in_flight(k) > 0 ? TC_KAFKA_POLL_MS : 0;
        int taken = tc_kafka_feed_count(k, wait, true);
        if (taken < 0)
            break;
        int64_t now = tg_time_monotonic_ms();
        if (tc_kafka_loss_pending(k) && tc_kafka_loss_recover(k, now) < 0)
            break;
        if (!k->connected && await_brokers(k, start, now, &next_probe) < 0)
            break;
        if ((polled == 0 && taken == 0) || now >= next_duty) {
            if (duties(k, now, &next_save) < 0)
                break;
            next_duty = now + TC_KAFKA_DUTY_MS;
        }
        if (finished(k))
            break;
    }
    tc_kafka_feed_drain(k);
    rd_kafka_queue_destroy(q);
}

/* Leaves the group and destroys the client.  librdkafka's blocking
 * consumer_close would call the rebalance callback itself and then wait
 * for an unassign call that only the loop makes, so the close runs in the
 * background (rd_kafka_consumer_close_queue) while this serves its queue
 * as the loop does, until librdkafka says it is closed; confluent-kafka-go
 * closes the same way.  librdkafka bounds this by about session.timeout.ms
 * when the coordinator has gone away.  The end of the run has committed
 * already, so the revocation on the way commits nothing (k->closing);
 * with -p there is no group to leave: closing only stops the fetchers. */
static void close_consumer(struct tc_kafka *k)
{
    if (k->rkt != NULL)
        rd_kafka_topic_destroy(k->rkt);
    k->rkt = NULL;
    rd_kafka_queue_t *q = rd_kafka_queue_new(k->rk);
    rd_kafka_error_t *error = rd_kafka_consumer_close_queue(k->rk, q);
    if (error != NULL) {
        rd_kafka_resp_err_t err = rd_kafka_error_is_fatal(error)
                                      ? RD_KAFKA_RESP_ERR__FATAL
                                      : rd_kafka_error_code(error);
        tg_log_warn(k->log, "closing the consumer: %s", rd_kafka_err2str(err));
        rd_kafka_error_destroy(error);
    }
    while (error == NULL && !rd_kafka_consumer_closed(k->rk)) {
        rd_kafka_message_t *left[TC_KAFKA_CLOSE_BATCH];
        ssize_t n = rd_kafka_consume_batch_queue(q, TC_KAFKA_CLOSE_POLL_MS, left,
                                                 TC_KAFKA_CLOSE_BATCH);
        for (ssize_t i = 0; i < n; i++)
            rd_kafka_message_destroy(left[i]);
        act_on_events(k);
    }
    rd_kafka_queue_destroy(q);
    rd_kafka_destroy(k->rk);
    k->rk = NULL;
    tc_kafka_events_flush(k->events, k->log);
}

int tc_kafka_run(const struct tc_options *opts, struct tc_pipeline *pipeline,
                 const struct tg_log *log)
{
    struct tc_kafka k = {
        .opts = opts,
        .pipeline = pipeline,
        .log = log,
        .status = TG_EXIT_OK,
    };

    k.events = tc_kafka_events_new();
    if (k.events == NULL) {
        tg_log_error(log, "out of memory");
        return TG_EXIT_SOFTWARE;
    }
    k.status = tc_kafka_offsets_load(&k);
    if (k.status == TG_EXIT_OK)
        k.status = tc_kafka_feed_start(&k);
    if (k.status == TG_EXIT_OK)
        k.status = tc_kafka_client_start(&k);
    if (k.status == TG_EXIT_OK && k.txn_conf != NULL) {
        rd_kafka_conf_t *conf = k.txn_conf;
        k.txn_conf = NULL;
        k.status = tc_kafka_txn_start(&k, conf);
    }
    if (k.status == TG_EXIT_OK) {
        tc_pipeline_set_metrics_source(pipeline, partition_metrics, &k);
        consume(&k);
        /* Unreachable brokers or a missing topic: nothing was read, so there
         * is nothing to emit; the one error line says it all.  Otherwise what
         * was counted is saved and committed before the open windows are
         * emitted: a crash while emitting repeats windows, never loses them. */
        if (!k.output_closed && !k.checkpoint_broken && !k.results_broken &&
            (k.status == TG_EXIT_OK || k.consumed)) {
            tc_kafka_offsets_persist(&k, NULL, false);
            if (!k.checkpoint_broken && !k.results_broken &&
                tc_pipeline_finish(pipeline, false) < 0)
                tc_kafka_feed_output_failed(&k);
        }
        if (k.results_broken)
            tc_pipeline_report(pipeline); /* aborted= and the rest */
    }
    tc_pipeline_set_metrics_source(pipeline, NULL, NULL);
    k.closing = true;
    if (k.rk != NULL)
        close_consumer(&k);
    tc_kafka_txn_stop(&k);
    if (k.txn_conf != NULL)
        rd_kafka_conf_destroy(k.txn_conf);
    tc_kafka_feed_stop(&k);
    tc_kafka_offsets_free(&k);
    tc_kafka_loss_free(&k);
    tc_kafka_events_free(k.events);
    return tc_kafka_loss_exit_status(&k, k.status);
}
