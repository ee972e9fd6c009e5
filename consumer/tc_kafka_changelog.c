/* tc_kafka_changelog.c - see tc_kafka_changelog.h. */
#include "tc_kafka_changelog.h"

#include "tc_changelog.h"
#include "tc_changelog_kafka.h"
#include "tc_checkpoint.h"
#include "tc_kafka_state.h"
#include "tc_options.h"
#include "tc_partitions.h"
#include "tc_pipeline.h"
#include "tg_exit.h"
#include "tg_log.h"
#include "tg_time.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Each request of ensuring the topic waits this long. */
#define TC_CL_ENSURE_MS 5000
/* Reading the input topic's partition count. */
#define TC_CL_METADATA_MS 5000
/* Restoring one partition: above the producers' default
 * transaction.timeout.ms (60 s), so that a dead member's open transaction,
 * which holds read_committed readers back, has timed out before it. */
#define TC_CL_RESTORE_MS 120000
/* A full producer queue is waited out this long. */
#define TC_CL_PRODUCE_MS 60000

/* What is known of one partition (index: its number). */
struct cl_part {
    uint64_t next_generation; /* the next snapshot's; 0: not restored yet */
    bool have_offset;         /* the last restore found a snapshot */
    int64_t restored_offset;  /* its next offset */
    int64_t saved_offset;     /* next offset of the last snapshot; INT64_MIN */
    int64_t saved_produced;   /* produced_end of the last snapshot */
};

struct tc_kafka_changelog {
    char topic[256];
    struct tc_changelog_reader *reader;
    rd_kafka_t *producer; /* borrowed: ensuring the topic */
    bool ensured;
    struct cl_part *parts;
    size_t nparts;
};

static struct cl_part *part_at(struct tc_kafka_changelog *c, int32_t p)
{
    if (p < 0)
        return NULL;
    if ((size_t)p >= c->nparts) {
        size_t n = (size_t)p + 1;
        struct cl_part *a = realloc(c->parts, n * sizeof *a);
        if (a == NULL)
            return NULL;
        for (size_t i = c->nparts; i < n; i++)
            a[i] =
                (struct cl_part){.saved_offset = INT64_MIN, .saved_produced = INT64_MIN};
        c->parts = a;
        c->nparts = n;
    }
    return &c->parts[p];
}

/* The input topic's partition count from a listing of every topic (asking
 * for it by name could create it).  0 when it is missing or unknown. */
static int input_partitions(rd_kafka_t *rk, const char *topic)
{
    const struct rd_kafka_metadata *md = NULL;
    if (rd_kafka_metadata(rk, 1, NULL, &md, TC_CL_METADATA_MS) !=
        RD_KAFKA_RESP_ERR_NO_ERROR)
        return 0;
    int n = 0;
    for (int i = 0; i < md->topic_cnt; i++) {
        if (strcmp(md->topics[i].topic, topic) == 0 &&
            md->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR)
            n = md->topics[i].partition_cnt;
    }
    rd_kafka_metadata_destroy(md);
    return n;
}

/* Ensures the topic for at least `partitions` (> 0) partitions.  Returns
 * 0, or -1 with err. */
static int ensure(struct tc_kafka *k, int partitions, char *err, size_t errlen)
{
    struct tc_kafka_changelog *c = k->changelog;
    bool created = false;
    if (tc_changelog_ensure_topic(c->producer, c->topic, partitions, TC_CL_ENSURE_MS,
                                  &created, err, errlen) != 0)
        return -1;
    c->ensured = true;
    if (created)
        tg_log_info(k->log, "changelog topic %s created (%d partitions, compacted)",
                    c->topic, partitions);
    return 0;
}

int tc_kafka_changelog_start(struct tc_kafka *k, rd_kafka_t *producer,
                             const rd_kafka_conf_t *base)
{
    char err[512];
    struct tc_kafka_changelog *c = calloc(1, sizeof *c);
    if (c == NULL) {
        tg_log_error(k->log, "out of memory");
        return TG_EXIT_SOFTWARE;
    }
    k->changelog = c;
    c->producer = producer;
    if (k->opts->changelog_topic != NULL) {
        snprintf(c->topic, sizeof c->topic, "%s", k->opts->changelog_topic);
    } else if (tc_changelog_topic_name(k->opts->group, c->topic, sizeof c->topic, err,
                                       sizeof err) != 0) {
        tg_log_error(k->log, "--output-topic: %s; give --changelog-topic", err);
        return TG_EXIT_CONFIG;
    }
    c->reader = tc_changelog_reader_new(base, c->topic, err, sizeof err);
    if (c->reader == NULL) {
        tg_log_error(k->log, "changelog %s: %s", c->topic, err);
        return TG_EXIT_CONFIG;
    }
    int n = input_partitions(producer, k->opts->topic);
    if (n > 0 && ensure(k, n, err, sizeof err) != 0) {
        tg_log_error(k->log, "%s", err);
        return TG_EXIT_UNAVAILABLE;
    }
    tg_log_info(k->log, "state changelog %s", c->topic);
    return TG_EXIT_OK;
}

/* Restores one partition.  Returns 0, or -1 with err. */
static int restore_one(struct tc_kafka *k, int32_t p, char *err, size_t errlen)
{
    struct tc_kafka_changelog *c = k->changelog;
    struct cl_part *cp = part_at(c, p);
    if (cp == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    struct tc_changelog_restored r;
    if (tc_changelog_reader_restore(c->reader, k->opts->topic, p, TC_CL_RESTORE_MS, &r,
                                    err, errlen) != 0)
        return -1;
    cp->next_generation = r.stats.max_generation + 1;
    cp->have_offset = false;
    cp->saved_offset = INT64_MIN;
    cp->saved_produced = INT64_MIN;
    /* The task this member may still hold is older than what the
     * changelog says (or the partition's new history starts here). */
    tc_pipeline_drop_task(k->pipeline, (uint32_t)p);
    int rc = 0;
    if (r.snapshot != NULL) {
        struct tc_changelog_snapshot *s = r.snapshot;
        char why[256];
        if (tc_pipeline_load_task(k->pipeline, (uint32_t)p, s->state, s->state_len, why,
                                  sizeof why) != 0) {
            snprintf(err, errlen, "changelog %s [%" PRId32 "] generation %" PRIu64 ": %s",
                     c->topic, p, s->generation, why);
            rc = -1;
        } else {
            cp->have_offset = true;
            cp->restored_offset = s->next_offset;
            cp->saved_offset = s->next_offset;
            cp->saved_produced = tc_pipeline_task_produced(k->pipeline, (uint32_t)p);
            tc_pipeline_count_restore(k->pipeline, 1, r.bytes_read,
                                      (uint64_t)r.elapsed_ms);
            tg_log_info(k->log,
                        "restored partition %" PRId32 " from %s: generation %" PRIu64
                        ", %zu bytes in %zu chunk%s, next offset %" PRId64 " (%" PRIu64
                        " offset%s read, high watermark %" PRId64 ", %" PRId64 " ms)",
                        p, c->topic, s->generation, s->state_len, s->chunks,
                        s->chunks == 1 ? "" : "s", s->next_offset, r.offsets_read,
                        r.offsets_read == 1 ? "" : "s", r.high_watermark, r.elapsed_ms);
        }
    } else {
        tc_pipeline_count_restore(k->pipeline, 0, r.bytes_read, (uint64_t)r.elapsed_ms);
    }
    tc_changelog_snapshot_free(r.snapshot);
    return rc;
}

int tc_kafka_changelog_restore(struct tc_kafka *k,
                               const rd_kafka_topic_partition_list_t *list)
{
    struct tc_kafka_changelog *c = k->changelog;
    if (c == NULL || list->cnt == 0)
        return 0;
    /* A run that is stopping restores nothing (its rebalances while it
     * leaves the group hand the partitions straight back). */
    if (k->closing || k->status != TG_EXIT_OK || k->results_broken)
        return -1;
    char err[768];
    if (!c->ensured) {
        int n = input_partitions(c->producer, k->opts->topic);
        if (ensure(k, n > 0 ? n : 1, err, sizeof err) != 0) {
            tg_log_error(k->log, "%s", err);
            k->status = TG_EXIT_UNAVAILABLE;
            return -1;
        }
    }
    for (int i = 0; i < list->cnt; i++) {
        if (restore_one(k, list->elems[i].partition, err, sizeof err) != 0) {
            tg_log_error(k->log, "restoring partition %" PRId32 ": %s; a restart retries",
                         list->elems[i].partition, err);
            k->status = TG_EXIT_TEMPFAIL;
            return -1;
        }
    }
    return 0;
}

bool tc_kafka_changelog_offset(const struct tc_kafka *k, int32_t partition,
                               int64_t *offset)
{
    const struct tc_kafka_changelog *c = k->changelog;
    if (c == NULL || partition < 0 || (size_t)partition >= c->nparts ||
        !c->parts[partition].have_offset)
        return false;
    *offset = c->parts[partition].restored_offset;
    return true;
}

struct write_walk {
    struct tc_kafka *k;
    rd_kafka_t *producer;
    int (*begin)(void *arg);
    void *arg;
    struct tc_ckbuf buf;
    char *err;
    size_t errlen;
    int rc;
};

/* One assigned partition: its snapshot when the task changed. */
static void write_one(void *arg, int32_t p, int64_t next_offset)
{
    struct write_walk *w = arg;
    struct tc_kafka *k = w->k;
    struct tc_kafka_changelog *c = k->changelog;
    if (w->rc != 0 || next_offset == TC_PARTITIONS_NO_OFFSET || next_offset < 0)
        return;
    struct cl_part *cp = part_at(c, p);
    if (cp == NULL) {
        snprintf(w->err, w->errlen, "out of memory");
        w->rc = -1;
        return;
    }
    int64_t produced = tc_pipeline_task_produced(k->pipeline, (uint32_t)p);
    if (next_offset == cp->saved_offset && produced == cp->saved_produced)
        return;
    if (cp->next_generation == 0) /* assigned without a restore: not ours */
        return;
    w->buf.len = 0;
    w->buf.failed = false;
    struct tc_changelog_chunks chunks = {0};
    struct tc_changelog_meta meta = {k->opts->topic, p, next_offset, cp->next_generation};
    if (tc_pipeline_save_task(k->pipeline, (uint32_t)p, &w->buf) != 0) {
        snprintf(w->err, w->errlen, "out of memory");
        w->rc = -1;
    } else if (tc_changelog_encode(&meta, w->buf.data, w->buf.len, 0, &chunks, w->err,
                                   w->errlen) != 0) {
        w->rc = -1;
    } else if (w->begin(w->arg) != 0) {
        snprintf(w->err, w->errlen, "the transaction could not begin");
        w->rc = -1;
    } else if (tc_changelog_produce(w->producer, c->topic, p, &chunks, TC_CL_PRODUCE_MS,
                                    w->err, w->errlen) != 0) {
        w->rc = -1;
    } else {
        cp->next_generation++;
        cp->saved_offset = next_offset;
        cp->saved_produced = produced;
    }
    tc_changelog_chunks_clear(&chunks);
}

int tc_kafka_changelog_write(struct tc_kafka *k, rd_kafka_t *producer,
                             int (*begin)(void *arg), void *arg, char *err, size_t errlen)
{
    if (k->changelog == NULL)
        return 0;
    struct write_walk w = {.k = k,
                           .producer = producer,
                           .begin = begin,
                           .arg = arg,
                           .err = err,
                           .errlen = errlen};
    tc_partitions_each(k->parts, write_one, &w);
    tc_ckbuf_clear(&w.buf);
    return w.rc;
}

void tc_kafka_changelog_forget(struct tc_kafka *k,
                               const rd_kafka_topic_partition_list_t *list)
{
    struct tc_kafka_changelog *c = k->changelog;
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->nparts; i++) {
        bool gone = list == NULL;
        for (int j = 0; !gone && j < list->cnt; j++)
            gone = list->elems[j].partition == (int32_t)i;
        if (gone)
            c->parts[i] =
                (struct cl_part){.saved_offset = INT64_MIN, .saved_produced = INT64_MIN};
    }
}

void tc_kafka_changelog_stop(struct tc_kafka *k)
{
    struct tc_kafka_changelog *c = k->changelog;
    if (c == NULL)
        return;
    tc_changelog_reader_free(c->reader);
    free(c->parts);
    free(c);
    k->changelog = NULL;
}
