/* tc_kafka.c - see tc_kafka.h.
 *
 * The loop is librdkafka's canonical high-level consumer: consumer_poll
 * with a short timeout so that the stop flag is seen (taking whatever is
 * already queued in one batch call first), every message destroyed,
 * consumer close then destroy.  Parsing runs on the batch queue's stage
 * thread (tc_batchq.h): the loop publishes each polled batch and polls the
 * next while the stage parses, then counts the parsed batches in poll
 * order, so the second core parses while this one counts.  Around it:
 *   - which partitions: by default the group -G assigns them (subscribe,
 *     rebalance callback).  With -p tgcount assigns them itself, as kcat -C
 *     without -G does: it never joins the group, so it skips the join's
 *     rebalance delay (about 3 s), and several processes can split a topic
 *     by hand.  It reads the topic's partitions from metadata once the
 *     brokers answer, again every second while the topic or a listed
 *     partition is missing (follow mode), and every few seconds with
 *     -p all in follow mode, to take partitions added since;
 *   - where each partition starts (on assignment): the checkpoint's
 *     next offset, else -o beginning/end the first time this process reads
 *     the partition, else the group's committed offset, else
 *     auto.offset.reset (latest; earliest with -o beginning);
 *   - the watermark: after each message, tc_partitions gives the event time
 *     of the slowest live partition; in follow mode a quiet topic lets W
 *     move with the wall clock;
 *   - offsets: the next offset of the last message consumed per partition
 *     is committed after each checkpoint (or every --checkpoint-interval
 *     without --checkpoint), when partitions are revoked, and at the end;
 *     with -p still in the group -G, as a simple consumer outside any
 *     membership (a broker that refuses that gets a warning each time);
 *   - connection: until a broker has answered, a metadata probe every half
 *     second; no answer within --connect-timeout is exit 69.
 */
#include "tc_kafka.h"

#include "tc_batchq.h"
#include "tc_options.h"
#include "tc_parse.h"
#include "tc_partitions.h"
#include "tc_pipeline.h"
#include "tg_duration.h"
#include "tg_exit.h"
#include "tg_kafka_conf.h"
#include "tg_log.h"
#include "tg_signal.h"
#include "tg_time.h"

#include <librdkafka/rdkafka.h>

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* consumer_poll timeout: how late the stop flag and wall-clock duties may be seen. */
#define TC_KAFKA_POLL_MS 100
/* Most messages taken from the consumer queue at once. */
#define TC_KAFKA_BATCH 1024
/* Batches polled ahead while the stage thread parses (tc_batchq.h). */
#define TC_KAFKA_QUEUE_BATCHES 4
/* Wall-clock duties (tick, idle partitions, checkpoints) run at most this often
 * while messages flow, and after every empty poll. */
#define TC_KAFKA_DUTY_MS 50
/* Until a broker answers: how often, and how long, to ask for metadata. */
#define TC_KAFKA_PROBE_EVERY_MS 500
#define TC_KAFKA_PROBE_WAIT_MS 500
/* Querying a partition's first and next offsets for -o beginning/end. */
#define TC_KAFKA_WATERMARK_WAIT_MS 5000
/* -p: reading the topic's partitions from metadata; how soon to look again
 * while the topic or a listed partition is missing, and how often -p all
 * looks for added partitions in follow mode. */
#define TC_KAFKA_METADATA_WAIT_MS 2000
#define TC_KAFKA_MISSING_EVERY_MS 1000
#define TC_KAFKA_ADDED_EVERY_MS 5000

struct tc_kafka {
    const struct tc_options *opts;
    struct tc_pipeline *pipeline;
    const struct tg_log *log;
    rd_kafka_t *rk;
    rd_kafka_topic_t *rkt; /* -p: the topic, for its metadata */
    struct tc_partitions *parts;
    struct tc_batchq *queue;   /* parses what the loop polls, on its stage */
    struct tc_parser *parser;  /* used on the queue's stage thread only */
    struct tc_batch *filling;  /* from the queue, until published */

    /* Offsets restored from the checkpoint (malloc'd, nckpt entries). */
    int32_t *ckpt_partitions;
    int64_t *ckpt_offsets;
    size_t nckpt;

    /* Scratch arrays for checkpoints, grown on demand. */
    int32_t *save_partitions;
    int64_t *save_offsets;
    size_t nsave, save_cap;
    bool save_failed;

    bool connected;         /* a broker has answered */
    bool assigned;          /* between an assignment and the next revocation */
    bool fetching;          /* since the first assignment (see start_offset) */
    bool uncommitted;       /* offsets moved since the last commit */
    bool topic_missing;     /* reported once */
    bool partition_missing; /* -p: a listed partition is missing; reported once */
    int64_t next_assign_ms; /* -p: monotonic time to read the metadata again */
    bool output_closed;     /* writing failed: emit nothing more */
    bool consumed;          /* at least one message was fed */
    bool closing;           /* the pipeline is finished; only leaving the group is left */
    int status;             /* TG_EXIT_OK, or the exit code of a fatal error */
    bool checkpoint_broken; /* a save failed: the run stops without emitting */
    char last_error[512];
    int64_t last_activity_ms; /* monotonic: last message or assignment */
    /* How the last commit ended: a failure is reported when it differs. */
    rd_kafka_resp_err_t commit_error;
};

/* ------------------------------------------------------------ callbacks */

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    struct tc_kafka *k = opaque;

    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        char fatal[512];
        rd_kafka_fatal_error(rk, fatal, sizeof(fatal));
        tg_log_error(k->log, "Kafka: %s", fatal);
        k->status = TG_EXIT_UNAVAILABLE;
        return;
    }
    /* Keep the most telling reason for "brokers unreachable": a connection
     * error says more than the count of brokers down that follows it. */
    if (err != RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || k->last_error[0] == '\0')
        snprintf(k->last_error, sizeof(k->last_error), "%s", reason);
    /* Before the first answer these are expected while retrying; after it,
     * librdkafka reconnects by itself and the user only needs to know when
     * nothing is reachable any more. */
    if (k->connected && err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
        tg_log_warn(k->log, "Kafka: %s", reason);
    else
        tg_log_info(k->log, "Kafka: %s", reason);
}

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    const struct tc_kafka *k = rd_kafka_opaque(rk);
    tg_log_debug(k->log, "librdkafka %d %s: %s", level, fac, buf);
}

static void on_commit(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                      rd_kafka_topic_partition_list_t *offsets, void *opaque)
{
    struct tc_kafka *k = opaque;
    (void)rk;
    (void)offsets;
    if (err == RD_KAFKA_RESP_ERR__NO_OFFSET)
        return;
    /* The same failure at every commit (a broker refusing commits from
     * outside the group's membership, with -p) is worth one line. */
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != k->commit_error)
        tg_log_warn(k->log, "committing offsets failed: %s", rd_kafka_err2str(err));
    k->commit_error = err;
}

/* -------------------------------------------------------------- offsets */

static void add_offset(void *arg, int32_t partition, int64_t next_offset)
{
    struct {
        rd_kafka_topic_partition_list_t *list;
        const char *topic;
    } *a = arg;
    if (next_offset != TC_PARTITIONS_NO_OFFSET)
        rd_kafka_topic_partition_list_add(a->list, a->topic, partition)->offset =
            next_offset;
}

/* Commits the next offsets of the assigned partitions, or of those in only
 * (when not NULL).  Failures are reported, never fatal: the next commit
 * covers them. */
static void commit_offsets(struct tc_kafka *k,
                           const rd_kafka_topic_partition_list_t *only, bool async)
{
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(8);
    if (only == NULL) {
        struct {
            rd_kafka_topic_partition_list_t *list;
            const char *topic;
        } arg = {list, k->opts->topic};
        tc_partitions_each(k->parts, add_offset, &arg);
    } else {
        for (int i = 0; i < only->cnt; i++) {
            int64_t next = tc_partitions_offset(k->parts, only->elems[i].partition);
            if (next != TC_PARTITIONS_NO_OFFSET)
                rd_kafka_topic_partition_list_add(list, only->elems[i].topic,
                                                  only->elems[i].partition)
                    ->offset = next;
        }
    }
    /* A failure reaches on_commit, which librdkafka calls for synchronous
     * commits too (reporting it here as well printed it twice). */
    if (list->cnt > 0)
        rd_kafka_commit(k->rk, list, async);
    if (only == NULL)
        k->uncommitted = false;
    rd_kafka_topic_partition_list_destroy(list);
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

/* Writes a checkpoint with the next offsets of the assigned partitions.
 * Returns 0, or -1 after reporting a failure, which ends the run (exit 75)
 * without emitting the open windows: the previous checkpoint stays valid
 * and a restart resumes from it, so going on would count records that no
 * checkpoint covers, and emitting would print windows that the restart
 * prints again with other counts. */
static int save_checkpoint(struct tc_kafka *k)
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
    return 0;
}

/* Where a newly assigned partition starts; see the file comment. */
static int64_t start_offset(const struct tc_kafka *k, int32_t partition)
{
    if (tc_partitions_was_assigned(k->parts, partition))
        return RD_KAFKA_OFFSET_INVALID;
    for (size_t i = 0; i < k->nckpt; i++) {
        if (k->ckpt_partitions[i] == partition)
            return k->ckpt_offsets[i];
    }
    if (k->opts->offset == TC_OFFSET_STORED)
        return RD_KAFKA_OFFSET_INVALID;
    /* A concrete offset starts fetching at once; a logical one is resolved by
     * the fetcher, which in librdkafka 2.0.2 can stall up to a second when
     * it asks before the partition's leader is known.  Once partitions are
     * being fetched, the leaders are known, and each query would wait behind
     * a fetch's long poll (fetch.wait.max.ms): 12 s for 124 partitions added
     * to -p all.  Then the fetcher resolves the logical offset. */
    int64_t low, high;
    if (!k->fetching && rd_kafka_query_watermark_offsets(
                            k->rk, k->opts->topic, partition, &low, &high,
                            TC_KAFKA_WATERMARK_WAIT_MS) == RD_KAFKA_RESP_ERR_NO_ERROR)
        return k->opts->offset == TC_OFFSET_BEGINNING ? low : high;
    return k->opts->offset == TC_OFFSET_BEGINNING ? RD_KAFKA_OFFSET_BEGINNING
                                                  : RD_KAFKA_OFFSET_END;
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

static void take_partitions(struct tc_kafka *k, rd_kafka_topic_partition_list_t *list)
{
    int64_t now = tg_time_monotonic_ms();
    char err[256];

    for (int i = 0; i < list->cnt; i++) {
        rd_kafka_topic_partition_t *tp = &list->elems[i];
        tp->offset = start_offset(k, tp->partition);
        if (tc_partitions_assign(k->parts, tp->partition, now, err, sizeof(err)) < 0) {
            tg_log_error(k->log, "%s", err);
            k->status = TG_EXIT_SOFTWARE;
        }
    }
    k->connected = true;
    k->assigned = true;
    k->fetching = true;
    k->last_activity_ms = now;
    char desc[1024];
    describe_partitions(list, desc, sizeof(desc));
    tg_log_info(k->log, "assigned %s%s", list->cnt > 0 ? desc : "no partitions",
                k->opts->assign ? " by -p, without joining the group" : "");
}

static void drop_partitions(struct tc_kafka *k,
                            const rd_kafka_topic_partition_list_t *list, bool lost)
{
    /* Commit what was counted from these partitions (checkpointed first, when
     * checkpoints are kept) so that the member taking them over starts after
     * it, not before.  A lost assignment can no longer commit; while closing,
     * the end of the run has saved and committed already, and the pipeline
     * has been finished, so it must not be checkpointed again. */
    if (!lost && list != NULL && !k->closing && !k->checkpoint_broken && k->uncommitted &&
        (k->opts->checkpoint_dir == NULL || save_checkpoint(k) == 0))
        commit_offsets(k, list, false);
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

static void drain_queue(struct tc_kafka *k);

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *list, void *opaque)
{
    struct tc_kafka *k = opaque;
    bool cooperative = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    /* What was polled before the rebalance is counted first, so the
     * offsets committed on a revocation cover it. */
    if (k->queue != NULL)
        drain_queue(k);
    rd_kafka_error_t *error = NULL;
    rd_kafka_resp_err_t aerr = RD_KAFKA_RESP_ERR_NO_ERROR;

    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        take_partitions(k, list);
        if (cooperative)
            error = rd_kafka_incremental_assign(rk, list);
        else
            aerr = rd_kafka_assign(rk, list);
    } else if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
        drop_partitions(k, list, rd_kafka_assignment_lost(rk));
        if (cooperative)
            error = rd_kafka_incremental_unassign(rk, list);
        else
            aerr = rd_kafka_assign(rk, NULL);
    } else {
        tg_log_warn(k->log, "rebalance failed: %s", rd_kafka_err2str(err));
        drop_partitions(k, NULL, true);
        aerr = rd_kafka_assign(rk, NULL);
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

/* ------------------------------------------------------------ topic */

/* The topic does not exist: with -e there is nothing to read up to (exit
 * 69); otherwise it may yet be created, so warn once and wait.  Returns 0,
 * or -1 (status set) when the run must stop. */
static int topic_not_found(struct tc_kafka *k)
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
    take_partitions(k, list);
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

/* -p: reads the topic's partitions from metadata and assigns the new ones
 * wanted.  A failed request is retried a second later.  Returns 0, or -1
 * (status set) when the run must stop. */
static int assign_wanted(struct tc_kafka *k, int64_t now)
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
        rc = topic_not_found(k);
    else if (t->err != RD_KAFKA_RESP_ERR_NO_ERROR)
        tg_log_info(k->log, "reading the partitions of %s: %s", k->opts->topic,
                    rd_kafka_err2str(t->err));
    else
        rc = take_wanted(k, t, now);
    rd_kafka_metadata_destroy(md);
    return rc;
}

/* ------------------------------------------------------------ set-up */

static int conf_set(rd_kafka_conf_t *conf, const char *name, const char *value, char *err,
                    size_t errlen)
{
    if (rd_kafka_conf_set(conf, name, value, err, errlen) != RD_KAFKA_CONF_OK)
        return -1;
    return 0;
}

/* Sets a tuning property to ours unless -X/-F already moved it away from
 * librdkafka's default: the user's word wins. */
static int conf_tune(rd_kafka_conf_t *conf, const char *name, const char *lib_default,
                     const char *ours, char *err, size_t errlen)
{
    char cur[128];
    size_t size = sizeof(cur);
    if (rd_kafka_conf_get(conf, name, cur, &size) == RD_KAFKA_CONF_OK &&
        strcmp(cur, lib_default) != 0)
        return 0;
    return conf_set(conf, name, ours, err, errlen);
}

/* Throughput tuning, each applied unless -X/-F moved it from librdkafka's
 * default.
 *   queued.*: librdkafka prefetches into one queue per consumer and stops
 *     fetching while it holds queued.min.messages messages or
 *     queued.max.messages.kbytes; Debian's librdkafka 2.0.2 then looks again
 *     only about a second later, so a consumer that empties the queue sooner
 *     sits idle for the rest of that second.  The queue is sized to hold well
 *     over a second of tgcount's consumption (filled only when tgcount is
 *     slower than the brokers, so the memory is spent only then).
 *   fetch.message.max.bytes: more per partition and fetch, for brokers that
 *     answer one message set per partition per fetch.
 *   fetch.wait.max.ms: a partition's end is only seen in the answer to a
 *     fetch at its end, which the broker holds this long; 100 ms instead of
 *     500 ends -e sooner and lets a caught-up partition stop holding the
 *     watermark sooner, at the cost of a few empty fetches per second. */
static const struct {
    const char *name, *lib_default, *ours;
} tc_kafka_tuning[] = {
    {"client.id", "rdkafka", "tgcount"},
    {"queued.min.messages", "100000", "500000"},
    {"queued.max.messages.kbytes", "65536", "131072"},
    {"fetch.message.max.bytes", "1048576", "4194304"},
    {"fetch.wait.max.ms", "500", "100"},
};

/* The client configuration: the user's -X/-F and brokers, then what the
 * consumer loop relies on, then the tuning above. */
static rd_kafka_conf_t *make_conf(struct tc_kafka *k, char *err, size_t errlen)
{
    const struct tc_options *o = k->opts;
    struct tg_kafka_conf *owned = NULL;
    struct tg_kafka_conf *kc = o->kafka_conf;

    if (kc == NULL) {
        kc = owned = tg_kafka_conf_new();
        if (kc == NULL) {
            snprintf(err, errlen, "out of memory");
            return NULL;
        }
    }
    rd_kafka_conf_t *conf = NULL;
    if (tg_kafka_conf_apply_brokers(kc, o->brokers, err, errlen) == 0)
        conf = tg_kafka_conf_take(kc);
    else if (err[0] == '\0')
        snprintf(err, errlen, "Kafka configuration unavailable");
    tg_kafka_conf_free(owned);
    if (conf == NULL)
        return NULL;

    char group[256];
    size_t size = sizeof(group);
    /* -X group.id=... stands when -G was left at its default */
    bool user_group =
        strcmp(o->group, TC_DEFAULT_GROUP) == 0 &&
        rd_kafka_conf_get(conf, "group.id", group, &size) == RD_KAFKA_CONF_OK &&
        group[0] != '\0';
    const char *reset = o->offset == TC_OFFSET_BEGINNING ? "earliest" : "latest";
    int rc = 0;
    if (!user_group)
        rc |= conf_set(conf, "group.id", o->group, err, errlen);
    rc |= conf_set(conf, "enable.partition.eof", "true", err, errlen);
    rc |= conf_set(conf, "enable.auto.commit", "false", err, errlen);
    rc |= conf_tune(conf, "auto.offset.reset", "largest", reset, err, errlen);
    for (size_t i = 0; rc == 0 && i < sizeof(tc_kafka_tuning) / sizeof(*tc_kafka_tuning);
         i++)
        rc |= conf_tune(conf, tc_kafka_tuning[i].name, tc_kafka_tuning[i].lib_default,
                        tc_kafka_tuning[i].ours, err, errlen);
    if (rc != 0) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_conf_set_opaque(conf, k);
    rd_kafka_conf_set_error_cb(conf, on_error);
    rd_kafka_conf_set_log_cb(conf, on_log);
    if (!o->assign)
        rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
    rd_kafka_conf_set_offset_commit_cb(conf, on_commit);
    return conf;
}

static int load_checkpoint(struct tc_kafka *k)
{
    char err[512];
    if (k->opts->checkpoint_dir == NULL)
        return TG_EXIT_OK;
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

/* The stage frees each message once parsed: freeing is a good part of a
 * message's cost on the counting thread. */
static void release_message(void *handle)
{
    rd_kafka_message_destroy(handle);
}

static void parse_stage(void *ctx, struct tc_batch *b)
{
    const struct tc_kafka *k = ctx;
    tc_batch_parse_raw(b, k->parser, k->opts->max_record, release_message);
}

static int start_consumer(struct tc_kafka *k)
{
    char err[512] = "";

    k->parts = tc_partitions_new(tc_pipeline_min_slide_ms(k->pipeline));
    if (k->parts == NULL) {
        tg_log_error(k->log, "out of memory");
        return TG_EXIT_SOFTWARE;
    }
    k->parser = tc_parser_new();
    if (k->parser == NULL) {
        tg_log_error(k->log, "out of memory");
        return TG_EXIT_SOFTWARE;
    }
    const struct tc_batchq_stage stage = {.run = parse_stage, .ctx = k};
    k->queue = tc_batchq_new(TC_KAFKA_QUEUE_BATCHES, TC_KAFKA_BATCH, &stage);
    if (k->queue == NULL) {
        tg_log_error(k->log, "cannot start the parsing thread: %s", strerror(errno));
        return TG_EXIT_SOFTWARE;
    }
    rd_kafka_conf_t *conf = make_conf(k, err, sizeof(err));
    if (conf == NULL) {
        tg_log_error(k->log, "%s", err);
        return TG_EXIT_CONFIG;
    }
    k->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
    if (k->rk == NULL) {
        rd_kafka_conf_destroy(conf); /* rd_kafka_new owns it on success only */
        tg_log_error(k->log, "%s", err);
        return TG_EXIT_CONFIG;
    }
    rd_kafka_poll_set_consumer(k->rk);
    if (k->opts->assign) {
        /* The partitions are assigned once the brokers answer (duties). */
        k->rkt = rd_kafka_topic_new(k->rk, k->opts->topic, NULL);
        if (k->rkt == NULL) {
            tg_log_error(k->log, "topic %s: %s", k->opts->topic,
                         rd_kafka_err2str(rd_kafka_last_error()));
            return TG_EXIT_CONFIG;
        }
        return TG_EXIT_OK;
    }

    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, k->opts->topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t rerr = rd_kafka_subscribe(k->rk, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (rerr != RD_KAFKA_RESP_ERR_NO_ERROR) {
        tg_log_error(k->log, "subscribing to %s failed: %s", k->opts->topic,
                     rd_kafka_err2str(rerr));
        return TG_EXIT_CONFIG;
    }
    return TG_EXIT_OK;
}

/* ------------------------------------------------------------ the loop */

/* An output write failed: nothing more can be delivered, so stop.  A reader
 * that went away (EPIPE, as with `tgcount | head`) is a normal end, as in
 * file mode. */
static int output_failed(struct tc_kafka *k)
{
    if (errno != EPIPE && k->status == TG_EXIT_OK) {
        tg_log_error(k->log, "writing the output: %s", strerror(errno));
        k->status = TG_EXIT_TEMPFAIL;
    }
    k->output_closed = true;
    return -1;
}

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
    if (m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
        m->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC)
        return topic_not_found(k); /* the subscription picks it up once created */
    tg_log_warn(k->log, "Kafka: %s", rd_kafka_message_errstr(m));
    return 0;
}

/* Counts an item of a batch the stage parsed, then lets the slowest live
 * partition drive W.  Returns 0, or -1 when the loop must stop. */
static int handle_message(struct tc_kafka *k, const struct tc_batch *b,
                          const struct tc_item *it, int64_t now)
{
    k->connected = true;
    if (it->kind == TC_ITEM_PASS) /* an event, kept for us by the stage */
        return handle_error_message(k, it->where.handle);

    int32_t partition = (int32_t)it->where.unit;
    int64_t offset = it->where.pos;
    int64_t event_ms = 0;
    int r = tc_pipeline_feed_parsed(k->pipeline, b, it, &event_ms);
    if (r == TC_FEED_ERROR) {
        tg_log_error(k->log, "out of memory");
        k->status = TG_EXIT_SOFTWARE;
        return -1;
    }
    if (r == TC_FEED_MALFORMED) {
        char where[320];
        snprintf(where, sizeof(where), "%s[%" PRId32 "]@%" PRId64, k->opts->topic,
                 partition, offset);
        tc_pipeline_report_malformed(k->pipeline, where);
    } else {
        tc_partitions_record(k->parts, partition, event_ms, now);
    }
    tc_partitions_set_offset(k->parts, partition, offset + 1);
    k->uncommitted = true;
    k->consumed = true;
    k->last_activity_ms = now;

    int64_t driving;
    if (tc_partitions_driving_time(k->parts, now, &driving) &&
        tc_pipeline_advance(k->pipeline, driving) < 0)
        return output_failed(k);
    return 0;
}

/* Follow mode: every assigned partition is at its end and nothing arrived
 * for one slide, so the chat is quiet rather than the consumer behind. */
static bool topic_quiet(const struct tc_kafka *k, int64_t now)
{
    return !k->opts->exit_at_end && k->assigned &&
           (tc_partitions_count(k->parts) == 0 || tc_partitions_all_at_end(k->parts)) &&
           now - k->last_activity_ms >= tc_pipeline_min_slide_ms(k->pipeline);
}

/* Wall-clock duties: -p's assignments, partitions going idle, a quiet
 * topic, triggers and stats, checkpoints and commits.  Returns 0, or -1
 * when the loop must stop (output failed, or -p's partitions are missing
 * with -e). */
static int duties(struct tc_kafka *k, int64_t now, int64_t *next_save)
{
    if (k->opts->assign && k->connected && now >= k->next_assign_ms &&
        assign_wanted(k, now) < 0)
        return -1;
    int64_t driving;
    if (tc_partitions_driving_time(k->parts, now, &driving) &&
        tc_pipeline_advance(k->pipeline, driving) < 0)
        return output_failed(k);
    int64_t wall = tg_time_now_ms();
    if (topic_quiet(k, now) && tc_pipeline_advance(k->pipeline, wall) < 0)
        return output_failed(k);
    if (tc_pipeline_tick(k->pipeline, wall) < 0)
        return output_failed(k);
    if (now >= *next_save) {
        /* Offsets are committed only once what they cover is checkpointed
         * (when checkpoints are kept), so lag tools see safe progress. */
        if (k->uncommitted &&
            (k->opts->checkpoint_dir == NULL || save_checkpoint(k) == 0))
            commit_offsets(k, NULL, true);
        *next_save = now + k->opts->checkpoint_interval_ms;
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

/* A partition that reached its end stops holding W back (issue 3), but the
 * fetch that brings it new data may be queued behind another partition's: a
 * burst of old event times after a quiet spell (or an outage) could then make
 * its records late.  Before a batch is fed, a partition at its end whose last
 * fetch saw a higher high-water mark than its position has data on the way:
 * it holds W again.  This narrows the gap, it cannot close it: a fetch answer
 * still being parsed when the batch is fed is not seen yet.  Records stamped
 * near the wall clock, as live chats produce, are not affected. */
static void check_ends(struct tc_kafka *k)
{
    if (tc_partitions_any_at_end(k->parts))
        tc_partitions_each(k->parts, check_end, k);
}

/* Polls a batch into the queue when it has room, waiting for messages
 * only when it has nothing else in hand.  Returns the number polled. */
static size_t poll_into_queue(struct tc_kafka *k, rd_kafka_queue_t *q)
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
                           : m->payload != NULL                ? m->payload
                                                               : "";
        tc_batch_add_raw(b, data, m->len,
                         (struct tc_where){.unit = m->partition, .pos = m->offset, .handle = m});
    }
    if (n > 0) {
        tc_batchq_publish(k->queue, b);
        k->filling = NULL;
    }
    return n;
}

/* Takes the oldest batch back from the queue once parsed, waiting up to
 * timeout_ms (-1: as long as it takes), and counts its messages when
 * counting (else, or once the loop must stop, only releases them).
 * Returns 1 when a batch was taken, 0 when none was, -1 when the loop
 * must stop. */
static int take_parsed(struct tc_kafka *k, int timeout_ms, bool counting)
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

/* Counts every batch the queue holds, or only releases them when the run
 * cannot go on.  Before a rebalance and at the end: what was polled is
 * counted before offsets are committed, as when each batch was counted
 * before the next poll. */
static void drain_queue(struct tc_kafka *k)
{
    while (tc_batchq_in_flight(k->queue) > 0) {
        bool counting = k->status == TG_EXIT_OK && !k->output_closed;
        take_parsed(k, -1, counting);
    }
}

static void consume(struct tc_kafka *k)
{
    int64_t start = tg_time_monotonic_ms();
    int64_t next_probe = start, next_duty = start;
    int64_t next_save = start + k->opts->checkpoint_interval_ms;
    rd_kafka_queue_t *q = rd_kafka_queue_get_consumer(k->rk);

    while (!tg_signal_stop_requested() && k->status == TG_EXIT_OK) {
        size_t polled = poll_into_queue(k, q);
        /* With nothing new polled, wait for the stage instead of polling
         * again at once. */
        int wait = polled == 0 && tc_batchq_in_flight(k->queue) > 0 ? TC_KAFKA_POLL_MS : 0;
        int taken = take_parsed(k, wait, true);
        if (taken < 0)
            break;
        int64_t now = tg_time_monotonic_ms();
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
    drain_queue(k);
    rd_kafka_queue_destroy(q);
}

/* ------------------------------------------------------------ the end */

/* Leaves the group; the revocation on the way commits the offsets.
 * librdkafka bounds this by about session.timeout.ms when the coordinator
 * has gone away.  With -p there is no group to leave and the end of the
 * run has committed already: closing only stops the fetchers. */
static void close_consumer(struct tc_kafka *k)
{
    if (k->rkt != NULL)
        rd_kafka_topic_destroy(k->rkt);
    k->rkt = NULL;
    rd_kafka_resp_err_t err = rd_kafka_consumer_close(k->rk);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
        tg_log_warn(k->log, "closing the consumer: %s", rd_kafka_err2str(err));
    rd_kafka_destroy(k->rk);
    k->rk = NULL;
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

    k.status = load_checkpoint(&k);
    if (k.status == TG_EXIT_OK)
        k.status = start_consumer(&k);
    if (k.status == TG_EXIT_OK) {
        consume(&k);
        /* Unreachable brokers or a missing topic: nothing was read, so there
         * is nothing to emit; the one error line says it all.  Otherwise what
         * was counted is saved and committed before the open windows are
         * emitted: a crash while emitting repeats windows, never loses them. */
        if (!k.output_closed && !k.checkpoint_broken &&
            (k.status == TG_EXIT_OK || k.consumed)) {
            if (k.uncommitted &&
                (opts->checkpoint_dir == NULL || save_checkpoint(&k) == 0))
                commit_offsets(&k, NULL, false);
            if (!k.checkpoint_broken && tc_pipeline_finish(pipeline) < 0)
                output_failed(&k);
        }
    }
    k.closing = true;
    if (k.rk != NULL)
        close_consumer(&k);
    tc_batchq_free(k.queue);
    tc_parser_free(k.parser);
    tc_partitions_free(k.parts);
    free(k.ckpt_partitions);
    free(k.ckpt_offsets);
    free(k.save_partitions);
    free(k.save_offsets);
    return k.status;
}
