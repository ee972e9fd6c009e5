/* tc_kafka_loss.c - see tc_kafka_loss.h. */
#include "tc_kafka_loss.h"

#include "tc_kafka_feed.h"
#include "tc_kafka_state.h"
#include "tc_options.h"
#include "tc_partitions.h"
#include "tc_pipeline.h"
#include "tg_exit.h"
#include "tg_log.h"

#include <inttypes.h>
#include <string.h>

/* Reading a partition's first and next offsets; how soon to try again when
 * that failed. */
#define TC_KAFKA_LOSS_WAIT_MS 5000
#define TC_KAFKA_LOSS_RETRY_MS 1000

void tc_kafka_loss_note(struct tc_kafka *k, int32_t partition, int64_t offset)
{
    if (!tc_partitions_is_assigned(k->parts, partition))
        return;
    if (k->out_of_range == NULL)
        k->out_of_range = rd_kafka_topic_partition_list_new(4);
    rd_kafka_topic_partition_t *tp =
        rd_kafka_topic_partition_list_find(k->out_of_range, k->opts->topic, partition);
    if (tp == NULL)
        tp =
            rd_kafka_topic_partition_list_add(k->out_of_range, k->opts->topic, partition);
    tp->offset = offset;
}

bool tc_kafka_loss_pending(const struct tc_kafka *k)
{
    return k->out_of_range != NULL && k->out_of_range->cnt > 0;
}

void tc_kafka_loss_forget(struct tc_kafka *k, const rd_kafka_topic_partition_list_t *list)
{
    if (k->out_of_range == NULL)
        return;
    if (list == NULL) {
        rd_kafka_topic_partition_list_destroy(k->out_of_range);
        k->out_of_range = NULL;
        return;
    }
    for (int i = 0; i < list->cnt; i++)
        rd_kafka_topic_partition_list_del(k->out_of_range, k->opts->topic,
                                          list->elems[i].partition);
}

/* Where the partition goes on after its fetch stopped at offset, given its
 * first (low) and next (high) offsets; reports and counts what was lost. */
static int64_t restart_offset(struct tc_kafka *k, int32_t partition, int64_t offset,
                              int64_t low, int64_t high)
{
    const char *topic = k->opts->topic;
    if (offset < 0) /* no stored offset: not a loss */
        return k->reset_earliest ? low : high;
    if (offset < low) {
        int64_t lost = low - offset;
        tg_log_warn(k->log,
                    "%s[%" PRId32 "]: offsets %" PRId64 "..%" PRId64
                    " were deleted before they were read (%" PRId64 " lost)",
                    topic, partition, offset, low - 1, lost);
        tc_pipeline_add_lost(k->pipeline, (uint64_t)lost);
        return low;
    }
    if (offset > high) {
        /* The partition is shorter than where tgcount stood: it was
         * recreated or truncated.  What it holds now is unread. */
        tg_log_warn(k->log,
                    "%s[%" PRId32 "]: offset %" PRId64
                    " is past the partition's end (%" PRId64
                    "): reading it from its start (%" PRId64 ")",
                    topic, partition, offset, high, low);
        return low;
    }
    return offset; /* in range by now: nothing was lost */
}

/* Restarts the partitions of list at their offsets.  Returns 0, or -1
 * (status set). */
static int restart(struct tc_kafka *k, const rd_kafka_topic_partition_list_t *list)
{
    const char *protocol = rd_kafka_rebalance_protocol(k->rk);
    rd_kafka_error_t *error = NULL;
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (protocol != NULL && strcmp(protocol, "COOPERATIVE") == 0) {
        error = rd_kafka_incremental_unassign(k->rk, list);
        if (error == NULL)
            error = rd_kafka_incremental_assign(k->rk, list);
    } else {
        rd_kafka_topic_partition_list_t *all = NULL;
        err = rd_kafka_assignment(k->rk, &all);
        for (int i = 0; err == RD_KAFKA_RESP_ERR_NO_ERROR && i < all->cnt; i++) {
            rd_kafka_topic_partition_t *tp = &all->elems[i];
            tp->offset = tc_partitions_position(k->parts, tp->partition);
            if (tp->offset == TC_PARTITIONS_NO_OFFSET)
                tp->offset = RD_KAFKA_OFFSET_INVALID;
        }
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
            err = rd_kafka_assign(k->rk, all);
        if (all != NULL)
            rd_kafka_topic_partition_list_destroy(all);
    }
    if (error != NULL) {
        err = rd_kafka_error_code(error);
        rd_kafka_error_destroy(error);
    }
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
        return 0;
    tg_log_error(k->log, "restarting partitions after deleted offsets: %s",
                 rd_kafka_err2str(err));
    k->status = TG_EXIT_SOFTWARE;
    return -1;
}

int tc_kafka_loss_recover(struct tc_kafka *k, int64_t now)
{
    if (now < k->next_recovery_ms)
        return 0;
    tc_kafka_feed_drain(k);
    if (k->status != TG_EXIT_OK || k->output_closed)
        return -1;
    rd_kafka_topic_partition_list_t *ready =
        rd_kafka_topic_partition_list_new(k->out_of_range->cnt);
    rd_kafka_topic_partition_list_t *waiting =
        rd_kafka_topic_partition_list_new(k->out_of_range->cnt);
    for (int i = 0; i < k->out_of_range->cnt; i++) {
        const rd_kafka_topic_partition_t *tp = &k->out_of_range->elems[i];
        int64_t low, high;
        if (!tc_partitions_is_assigned(k->parts, tp->partition))
            continue;
        rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
            k->rk, k->opts->topic, tp->partition, &low, &high, TC_KAFKA_LOSS_WAIT_MS);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            tg_log_info(k->log, "%s[%" PRId32 "]: reading its offsets: %s",
                        k->opts->topic, tp->partition, rd_kafka_err2str(err));
            rd_kafka_topic_partition_list_add(waiting, k->opts->topic, tp->partition)
                ->offset = tp->offset;
            continue;
        }
        int64_t next = restart_offset(k, tp->partition, tp->offset, low, high);
        rd_kafka_topic_partition_list_add(ready, k->opts->topic, tp->partition)->offset =
            next;
        /* Where the partition now goes on, for the commit, the checkpoint
         * and a later restart. */
        tc_partitions_set_offset(k->parts, tp->partition, next);
        k->uncommitted = true;
    }
    rd_kafka_topic_partition_list_destroy(k->out_of_range);
    k->out_of_range = waiting;
    if (waiting->cnt > 0)
        k->next_recovery_ms = now + TC_KAFKA_LOSS_RETRY_MS;
    int rc = ready->cnt > 0 ? restart(k, ready) : 0;
    rd_kafka_topic_partition_list_destroy(ready);
    return rc;
}

int tc_kafka_loss_exit_status(const struct tc_kafka *k, int status)
{
    uint64_t lost = tc_pipeline_stats(k->pipeline)->lost;
    if (status != TG_EXIT_OK || lost == 0 || !k->opts->exit_at_end ||
        k->opts->allow_data_loss)
        return status;
    tg_log_error(k->log,
                 "%" PRIu64 " offset%s deleted before they were read: the counts are "
                 "incomplete (--allow-data-loss accepts that)",
                 lost, lost == 1 ? " was" : "s were");
    return TG_EXIT_DATAERR;
}

void tc_kafka_loss_free(struct tc_kafka *k)
{
    tc_kafka_loss_forget(k, NULL);
}
