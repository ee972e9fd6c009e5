/* tc_kafka_assign.c - see tc_kafka_assign.h. */
#include "tc_kafka_assign.h"

#include "tc_kafka_changelog.h"
#include "tc_kafka_events.h"
#include "tc_kafka_loss.h"
#include "tc_kafka_offsets.h"
#include "tc_kafka_state.h"
#include "tc_kafka_txn.h"
#include "tc_options.h"
#include "tc_partitions.h"
#include "tg_exit.h"
#include "tg_log.h"
#include "tg_time.h"

#include <inttypes.h>
#include <stdio.h>

/* Reading the group's committed offsets, and partitions' first or next
 * offsets. */
#define TC_KAFKA_OFFSETS_WAIT_MS 5000
/* -p: reading the topic's partitions from metadata; how soon to look again
 * while the topic or a listed partition is missing, and how often -p all
 * looks for added partitions in follow mode. */
#define TC_KAFKA_METADATA_WAIT_MS 2000
#define TC_KAFKA_MISSING_EVERY_MS 1000
#define TC_KAFKA_ADDED_EVERY_MS 5000
/* The timestamps that ask ListOffsets for a partition's first and next
 * offsets (rd_kafka_offsets_for_times). */
#define TC_KAFKA_LIST_EARLIEST (-2)
#define TC_KAFKA_LIST_LATEST (-1)

/* Sets the partitions of wanted (their offset is the timestamp
 * TC_KAFKA_LIST_EARLIEST or _LATEST) to their first or next offsets, one
 * ListOffsets request for them all, and copies them into list.  Where the
 * request fails, librdkafka's logical offset resolves them instead. */
static void start_at_ends(struct tc_kafka *k, rd_kafka_topic_partition_list_t *list,
                          rd_kafka_topic_partition_list_t *wanted)
{
    if (wanted->cnt == 0)
        return;
    rd_kafka_topic_partition_list_t *found = rd_kafka_topic_partition_list_copy(wanted);
    rd_kafka_resp_err_t err =
        rd_kafka_offsets_for_times(k->rk, found, TC_KAFKA_OFFSETS_WAIT_MS);
    for (int i = 0; i < wanted->cnt; i++) {
        const rd_kafka_topic_partition_t *f = &found->elems[i];
        bool earliest = wanted->elems[i].offset == TC_KAFKA_LIST_EARLIEST;
        int64_t offset = f->offset;
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR || f->err != RD_KAFKA_RESP_ERR_NO_ERROR ||
            offset < 0)
            offset = earliest ? RD_KAFKA_OFFSET_BEGINNING : RD_KAFKA_OFFSET_END;
        rd_kafka_topic_partition_list_find(list, f->topic, f->partition)->offset = offset;
    }
    rd_kafka_topic_partition_list_destroy(found);
}

/* Sets where each partition of list starts (see the header), always at an
 * explicit offset when the brokers answer: then an offset out of range is
 * reported as deleted data (tc_kafka_loss.h) instead of being reset.  The
 * committed offsets are read in one request, the ends in another. */
static void set_start_offsets(struct tc_kafka *k, rd_kafka_topic_partition_list_t *list)
{
    rd_kafka_topic_partition_list_t *stored =
        rd_kafka_topic_partition_list_new(list->cnt);
    rd_kafka_topic_partition_list_t *ends = rd_kafka_topic_partition_list_new(list->cnt);
    for (int i = 0; i < list->cnt; i++) {
        rd_kafka_topic_partition_t *tp = &list->elems[i];
        bool again = tc_partitions_was_assigned(k->parts, tp->partition);
        int64_t restored;
        if (tc_kafka_changelog_offset(k, tp->partition, &restored))
            tp->offset = restored; /* the state's offset wins, whoever had it */
        else if (!again && tc_kafka_offsets_restored(k, tp->partition, &restored))
            tp->offset = restored;
        else if (again || k->opts->offset == TC_OFFSET_STORED)
            rd_kafka_topic_partition_list_add(stored, tp->topic, tp->partition);
        else if (k->opts->offset == TC_OFFSET_BEGINNING)
            tp->offset = 0; /* where every history begins: a later log start is a loss */
        else
            rd_kafka_topic_partition_list_add(ends, tp->topic, tp->partition)->offset =
                TC_KAFKA_LIST_LATEST;
    }
    if (stored->cnt > 0) {
        rd_kafka_resp_err_t err =
            rd_kafka_committed(k->rk, stored, TC_KAFKA_OFFSETS_WAIT_MS);
        for (int i = 0; i < stored->cnt; i++) {
            const rd_kafka_topic_partition_t *c = &stored->elems[i];
            rd_kafka_topic_partition_t *tp =
                rd_kafka_topic_partition_list_find(list, c->topic, c->partition);
            if (err != RD_KAFKA_RESP_ERR_NO_ERROR || c->err != RD_KAFKA_RESP_ERR_NO_ERROR)
                tp->offset = RD_KAFKA_OFFSET_INVALID; /* librdkafka reads it */
            else if (c->offset >= 0)
                tp->offset = c->offset;
            else /* none stored: where the user's auto.offset.reset says */
                rd_kafka_topic_partition_list_add(ends, c->topic, c->partition)->offset =
                    k->reset_earliest ? TC_KAFKA_LIST_EARLIEST : TC_KAFKA_LIST_LATEST;
        }
    }
    start_at_ends(k, list, ends);
    rd_kafka_topic_partition_list_destroy(stored);
    rd_kafka_topic_partition_list_destroy(ends);
}

/* Lists the partitions as "topic[0,2,3]" for the log. */
static void describe_partitions(const rd_kafka_topic_partition_list_t *list, char *buf,
                                size_t buflen)
{
    size_t n =
        (size_t)snprintf(buf, buflen, "%s[", list->cnt > 0 ? list->elems[0].topic : "");
    for (int i = 0; i < list->cnt && n < buflen; i++)
        n += (size_t)snprintf(buf + n, buflen - n, "%s%" PRId32, i ? "," : "",
                              list->elems[i].partition);
    if (n < buflen)
        snprintf(buf + n, buflen - n, "]");
}

void tc_kafka_assign_take(struct tc_kafka *k, rd_kafka_topic_partition_list_t *list)
{
    int64_t now = tg_time_monotonic_ms();
    char err[256];

    /* --output-topic: each partition's task from the state changelog, and
     * the offset it covers, before librdkafka is given the partition (the
     * loop carries out the rebalance, so nothing of it is consumed yet).
     * A failure stops the run without committing or emitting anything. */
    if (tc_kafka_changelog_restore(k, list) != 0)
        k->results_broken = true;
    set_start_offsets(k, list);
    for (int i = 0; i < list->cnt; i++) {
        rd_kafka_topic_partition_t *tp = &list->elems[i];
        if (tc_partitions_assign(k->parts, tp->partition, now, err, sizeof(err)) < 0) {
            tg_log_error(k->log, "%s", err);
            k->status = TG_EXIT_SOFTWARE;
        }
        tc_partitions_set_start(k->parts, tp->partition, tp->offset);
    }
    k->connected = true;
    k->assigned = true;
    k->last_activity_ms = now;
    tc_kafka_txn_assigned(k);
    char desc[1024];
    describe_partitions(list, desc, sizeof(desc));
    tg_log_info(k->log, "assigned %s%s", list->cnt > 0 ? desc : "no partitions",
                !k->opts->in_group ? " by tgcount, without a group (no -G)"
                : k->opts->assign  ? " by -p, without joining the group"
                                   : "");
}

void tc_kafka_assign_drop(struct tc_kafka *k, const rd_kafka_topic_partition_list_t *list,
                          bool lost)
{
    /* Commit what was counted from these partitions (checkpointed first, when
     * checkpoints are kept) so that the member taking them over starts after
     * it, not before.  A lost assignment can no longer commit; while closing,
     * the end of the run has saved and committed already, and the pipeline
     * has been finished, so it must not be checkpointed again. */
    if (!lost && list != NULL && !k->closing && !k->checkpoint_broken &&
        !k->results_broken)
        tc_kafka_offsets_persist(k, list, false);
    /* With a results topic the new owner speaks for these partitions from
     * the committed transaction on: their tasks go. */
    if (!k->closing)
        tc_kafka_txn_revoked(k, list, lost);
    tc_kafka_loss_forget(k, list);
    if (list == NULL) {
        tc_partitions_revoke_all(k->parts);
    } else {
        for (int i = 0; i < list->cnt; i++)
            tc_partitions_revoke(k->parts, list->elems[i].partition);
    }
    k->assigned = tc_partitions_count(k->parts) > 0;
    if (list != NULL) {
        char desc[1024];
        describe_partitions(list, desc, sizeof(desc));
        tg_log_info(k->log, "revoked %s%s", desc, lost ? " (lost)" : "");
    }
}

void tc_kafka_assign_rebalance(struct tc_kafka *k, const struct tc_kafka_rebalance *r)
{
    rd_kafka_error_t *error = NULL;
    rd_kafka_resp_err_t aerr = RD_KAFKA_RESP_ERR_NO_ERROR;
    bool change = r->kind == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS ||
                  r->kind == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS;

    if (change && r->partitions == NULL) {
        /* The callback could not copy the list: start over without it. */
        tg_log_error(k->log, "out of memory");
        k->status = TG_EXIT_SOFTWARE;
        tc_kafka_assign_drop(k, NULL, true);
        aerr = rd_kafka_assign(k->rk, NULL);
    } else if (r->kind == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        tc_kafka_assign_take(k, r->partitions);
        if (r->cooperative)
            error = rd_kafka_incremental_assign(k->rk, r->partitions);
        else
            aerr = rd_kafka_assign(k->rk, r->partitions);
    } else if (r->kind == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
        tc_kafka_assign_drop(k, r->partitions, r->lost);
        if (r->cooperative)
            error = rd_kafka_incremental_unassign(k->rk, r->partitions);
        else
            aerr = rd_kafka_assign(k->rk, NULL);
    } else {
        tg_log_warn(k->log, "rebalance failed: %s", rd_kafka_err2str(r->kind));
        tc_kafka_assign_drop(k, NULL, true);
        aerr = rd_kafka_assign(k->rk, NULL);
    }
    if (error != NULL) {
        tg_log_error(k->log, "assigning partitions failed: %s",
                     rd_kafka_error_string(error));
        rd_kafka_error_destroy(error);
        k->status = TG_EXIT_SOFTWARE;
    } else if (aerr != RD_KAFKA_RESP_ERR_NO_ERROR) {
        tg_log_error(k->log, "assigning partitions failed: %s", rd_kafka_err2str(aerr));
        k->status = TG_EXIT_SOFTWARE;
    }
}

int tc_kafka_assign_topic_missing(struct tc_kafka *k)
{
    if (k->opts->exit_at_end) {
        tg_log_error(k->log, "topic %s not found", k->opts->topic);
        k->status = TG_EXIT_UNAVAILABLE;
        return -1;
    }
    if (!k->topic_missing)
        tg_log_warn(k->log, "topic %s not found; waiting for it", k->opts->topic);
    k->topic_missing = true;
    return 0;
}

/* ------------------------------------------------------------ -p */

static bool topic_has(const rd_kafka_metadata_topic_t *t, int32_t partition)
{
    for (int i = 0; i < t->partition_cnt; i++) {
        if (t->partitions[i].id == partition)
            return true;
    }
    return false;
}

/* Adds to list the wanted partitions that t has and that are not assigned
 * yet.  Returns the first listed partition that t lacks, or -1. */
static int32_t wanted_partitions(const struct tc_kafka *k,
                                 const rd_kafka_metadata_topic_t *t,
                                 rd_kafka_topic_partition_list_t *list)
{
    int32_t missing = -1;
    if (k->opts->assign_all) {
        for (int i = 0; i < t->partition_cnt; i++) {
            if (!tc_partitions_is_assigned(k->parts, t->partitions[i].id))
                rd_kafka_topic_partition_list_add(list, k->opts->topic,
                                                  t->partitions[i].id);
        }
        return -1;
    }
    for (size_t i = 0; i < k->opts->npartitions; i++) {
        int32_t p = k->opts->partitions[i];
        if (!topic_has(t, p)) {
            if (missing < 0)
                missing = p;
        } else if (!tc_partitions_is_assigned(k->parts, p)) {
            rd_kafka_topic_partition_list_add(list, k->opts->topic, p);
        }
    }
    return missing;
}

/* Assigns the partitions in list on top of those already assigned.
 * Incremental assignment keeps the others' positions; librdkafka allows it
 * whatever the group's protocol when the consumer never subscribed. */
static int assign_more(struct tc_kafka *k, rd_kafka_topic_partition_list_t *list)
{
    tc_kafka_assign_take(k, list);
    rd_kafka_error_t *error = rd_kafka_incremental_assign(k->rk, list);
    if (error == NULL)
        return 0;
    tg_log_error(k->log, "assigning partitions failed: %s", rd_kafka_error_string(error));
    rd_kafka_error_destroy(error);
    k->status = TG_EXIT_SOFTWARE;
    return -1;
}

/* Assigns what -p asks for among the partitions t has, and says when to look
 * at the metadata again.  A listed partition that is missing is an error
 * with -e (nothing to read up to), else reported once and waited for.
 * Returns 0, or -1 (status set) when the run must stop. */
static int take_wanted(struct tc_kafka *k, const rd_kafka_metadata_topic_t *t,
                       int64_t now)
{
    rd_kafka_topic_partition_list_t *list =
        rd_kafka_topic_partition_list_new(t->partition_cnt > 0 ? t->partition_cnt : 1);
    int32_t missing = wanted_partitions(k, t, list);
    int rc = 0;
    if (missing >= 0 && k->opts->exit_at_end) {
        tg_log_error(k->log, "topic %s has no partition %" PRId32 " (it has %d)",
                     k->opts->topic, missing, t->partition_cnt);
        k->status = TG_EXIT_UNAVAILABLE;
        rc = -1;
    } else {
        if (missing >= 0 && !k->partition_missing)
            tg_log_warn(k->log,
                        "topic %s has no partition %" PRId32
                        " (it has %d); waiting for it",
                        k->opts->topic, missing, t->partition_cnt);
        k->partition_missing = missing >= 0;
        if (list->cnt > 0)
            rc = assign_more(k, list);
        if (missing >= 0)
            k->next_assign_ms = now + TC_KAFKA_MISSING_EVERY_MS;
        else if (k->opts->assign_all && !k->opts->exit_at_end)
            k->next_assign_ms = now + TC_KAFKA_ADDED_EVERY_MS;
        else
            k->next_assign_ms = INT64_MAX;
    }
    rd_kafka_topic_partition_list_destroy(list);
    return rc;
}

int tc_kafka_assign_wanted(struct tc_kafka *k, int64_t now)
{
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t err =
        rd_kafka_metadata(k->rk, 0, k->rkt, &md, TC_KAFKA_METADATA_WAIT_MS);
    k->next_assign_ms = now + TC_KAFKA_MISSING_EVERY_MS;
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        tg_log_info(k->log, "reading the partitions of %s: %s", k->opts->topic,
                    rd_kafka_err2str(err));
        return 0;
    }
    const rd_kafka_metadata_topic_t *t = md->topic_cnt == 1 ? &md->topics[0] : NULL;
    int rc = 0;
    if (t == NULL || t->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
        rc = tc_kafka_assign_topic_missing(k);
    else if (t->err != RD_KAFKA_RESP_ERR_NO_ERROR)
        tg_log_info(k->log, "reading the partitions of %s: %s", k->opts->topic,
                    rd_kafka_err2str(t->err));
    else
        rc = take_wanted(k, t, now);
    rd_kafka_metadata_destroy(md);
    return rc;
}
