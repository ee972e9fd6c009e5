/* tc_kafka_offsets.c - see tc_kafka_offsets.h. */
#include "tc_kafka_offsets.h"

#include "tc_checkpoint.h"
#include "tc_kafka_events.h"
#include "tc_kafka_feed.h"
#include "tc_kafka_state.h"
#include "tc_kafka_txn.h"
#include "tc_options.h"
#include "tc_partitions.h"
#include "tc_pipeline.h"
#include "tg_exit.h"
#include "tg_lockfile.h"
#include "tg_log.h"

#include <errno.h>
#include <stdlib.h>

/* One process per checkpoint: a second one would overwrite the first's
 * state with its own, and whichever wrote last decides what a restart
 * counts.  Taken before the checkpoint is read and before any broker is
 * contacted, so a refused run changes nothing anywhere. */
static int lock_dir(struct tc_kafka *k)
{
    const char *dir = k->opts->checkpoint_dir;
    char err[4300];
    long holder = 0;
    size_t removed = 0;
    k->ckpt_lock = tc_checkpoint_lock(dir, &holder, &removed, err, sizeof err);
    if (k->ckpt_lock == NULL && errno == EWOULDBLOCK) {
        if (holder > 0)
            tg_log_error(k->log, "--checkpoint %s is in use by another tgcount (pid %ld)",
                         dir, holder);
        else
            tg_log_error(k->log, "--checkpoint %s is in use by another tgcount", dir);
        return TG_EXIT_TEMPFAIL;
    }
    if (k->ckpt_lock == NULL) {
        tg_log_error(k->log, "cannot use the --checkpoint directory: %s", err);
        return TG_EXIT_CONFIG;
    }
    if (removed > 0)
        tg_log_info(k->log,
                    "removed %zu stale temporary checkpoint file%s from %s "
                    "(a write was interrupted)",
                    removed, removed == 1 ? "" : "s", dir);
    return TG_EXIT_OK;
}

int tc_kafka_offsets_load(struct tc_kafka *k)
{
    char err[512];
    if (k->opts->checkpoint_dir == NULL)
        return TG_EXIT_OK;
    int locked = lock_dir(k);
    if (locked != TG_EXIT_OK)
        return locked;
    int rc = tc_pipeline_checkpoint_load(k->pipeline, &k->ckpt_partitions,
                                         &k->ckpt_offsets, &k->nckpt, err, sizeof(err));
    if (rc < 0) {
        tg_log_error(k->log, "%s", err);
        return TG_EXIT_CONFIG;
    }
    if (rc > 0)
        tg_log_info(k->log, "resuming from the checkpoint in %s (%zu partitions)",
                    k->opts->checkpoint_dir, k->nckpt);
    return TG_EXIT_OK;
}

bool tc_kafka_offsets_restored(const struct tc_kafka *k, int32_t partition,
                               int64_t *offset)
{
    for (size_t i = 0; i < k->nckpt; i++) {
        if (k->ckpt_partitions[i] == partition) {
            *offset = k->ckpt_offsets[i];
            return true;
        }
    }
    return false;
}

static void collect_offset(void *arg, int32_t partition, int64_t next_offset)
{
    struct tc_kafka *k = arg;
    if (next_offset == TC_PARTITIONS_NO_OFFSET || k->save_failed)
        return;
    if (k->nsave == k->save_cap) {
        size_t cap = k->save_cap ? 2 * k->save_cap : 16;
        int32_t *parts = realloc(k->save_partitions, cap * sizeof(*parts));
        if (parts != NULL)
            k->save_partitions = parts;
        int64_t *offs = realloc(k->save_offsets, cap * sizeof(*offs));
        if (offs != NULL)
            k->save_offsets = offs;
        if (parts == NULL || offs == NULL) {
            k->save_failed = true;
            return;
        }
        k->save_cap = cap;
    }
    k->save_partitions[k->nsave] = partition;
    k->save_offsets[k->nsave] = next_offset;
    k->nsave++;
}

/* A failed save ends the run (exit 75) without emitting the open windows:
 * the previous checkpoint stays valid and a restart resumes from it, so
 * going on would count records that no checkpoint covers, and emitting
 * would print windows that the restart prints again with other counts. */
int tc_kafka_offsets_save(struct tc_kafka *k)
{
    char err[512];

    k->nsave = 0;
    k->save_failed = false;
    tc_partitions_each(k->parts, collect_offset, k);
    if (k->save_failed) {
        tg_log_error(k->log, "cannot write the checkpoint: out of memory");
        k->status = TG_EXIT_SOFTWARE;
        k->checkpoint_broken = true;
        return -1;
    }
    if (tc_pipeline_checkpoint_save(k->pipeline, k->save_partitions, k->save_offsets,
                                    k->nsave, err, sizeof(err)) < 0) {
        tg_log_error(k->log, "cannot write the checkpoint: %s", err);
        k->status = TG_EXIT_TEMPFAIL;
        k->checkpoint_broken = true;
        return -1;
    }
    /* The checkpoint records the watermark: the windows it made final are
     * printed now, and a restart from it never prints them final again.  A
     * failed print (stdout gone) does not make the checkpoint wrong. */
    if (tc_pipeline_release(k->pipeline) < 0)
        tc_kafka_feed_output_failed(k);
    return 0;
}

struct commit_list {
    rd_kafka_topic_partition_list_t *list;
    const char *topic;
};

static void add_offset(void *arg, int32_t partition, int64_t next_offset)
{
    struct commit_list *a = arg;
    if (next_offset != TC_PARTITIONS_NO_OFFSET)
        rd_kafka_topic_partition_list_add(a->list, a->topic, partition)->offset =
            next_offset;
}

rd_kafka_topic_partition_list_t *tc_kafka_offsets_list(const struct tc_kafka *k)
{
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(8);
    struct commit_list arg = {list, k->opts->topic};
    tc_partitions_each(k->parts, add_offset, &arg);
    return list;
}

void tc_kafka_offsets_commit(struct tc_kafka *k,
                             const rd_kafka_topic_partition_list_t *only, bool async)
{
    if (!k->opts->in_group) {
        k->uncommitted = false;
        return;
    }
    rd_kafka_topic_partition_list_t *list;
    if (only == NULL) {
        list = tc_kafka_offsets_list(k);
    } else {
        list = rd_kafka_topic_partition_list_new(8);
        for (int i = 0; i < only->cnt; i++) {
            int64_t next = tc_partitions_offset(k->parts, only->elems[i].partition);
            if (next != TC_PARTITIONS_NO_OFFSET)
                rd_kafka_topic_partition_list_add(list, only->elems[i].topic,
                                                  only->elems[i].partition)
                    ->offset = next;
        }
    }
    /* A failure reaches the commit callback; a synchronous commit's result
     * is also recorded from its return value (the callback may come late,
     * or never: tc_kafka_events_commit_result) and reported now, before
     * what follows it. */
    if (list->cnt > 0) {
        rd_kafka_resp_err_t err = rd_kafka_commit(k->rk, list, async);
        if (!async) {
            tc_kafka_events_commit_result(k, err);
            tc_kafka_events_flush(k->events, k->log);
        }
    }
    if (only == NULL)
        k->uncommitted = false;
    rd_kafka_topic_partition_list_destroy(list);
}

void tc_kafka_offsets_persist(struct tc_kafka *k,
                              const rd_kafka_topic_partition_list_t *only, bool async)
{
    if (k->txn != NULL) {
        int committed = tc_kafka_txn_commit(k);
        if (committed > 0 || (committed == 0 && k->opts->checkpoint_dir != NULL &&
                              tc_pipeline_holding(k->pipeline)))
            if (k->opts->checkpoint_dir != NULL)
                tc_kafka_offsets_save(k);
        return;
    }
    /* Final windows held for a checkpoint need one even when no offset
     * moved (a quiet topic's watermark follows the wall clock). */
    bool save = k->opts->checkpoint_dir != NULL &&
                (k->uncommitted || tc_pipeline_holding(k->pipeline));
    if (save && tc_kafka_offsets_save(k) != 0)
        return;
    if (k->uncommitted)
        tc_kafka_offsets_commit(k, only, async);
}

void tc_kafka_offsets_free(struct tc_kafka *k)
{
    free(k->ckpt_partitions);
    free(k->ckpt_offsets);
    free(k->save_partitions);
    free(k->save_offsets);
    k->ckpt_partitions = k->save_partitions = NULL;
    k->ckpt_offsets = k->save_offsets = NULL;
    k->nckpt = k->nsave = k->save_cap = 0;
    tg_lockfile_free(k->ckpt_lock);
    k->ckpt_lock = NULL;
}
