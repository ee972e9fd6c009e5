/* tc_kafka_txn.c - see tc_kafka_txn.h.
 *
 * librdkafka's transactional producer API: init_transactions once,
 * begin_transaction, produce, send_offsets_to_transaction with the
 * consumer's group metadata, commit_transaction; an error that is
 * retriable is retried, one that requires an abort is aborted, a fatal
 * one (the producer was fenced by another instance with the same
 * transactional.id) ends the run.  Every failure ends the run with exit 75:
 * a restart resumes from the last committed transaction's offsets (and
 * the checkpoint written right after it).
 */
#include "tc_kafka_txn.h"

#include "tc_kafka_changelog.h"
#include "tc_kafka_events.h"
#include "tc_kafka_offsets.h"
#include "tc_kafka_state.h"
#include "tc_options.h"
#include "tc_partitions.h"
#include "tc_pipeline.h"
#include "tc_results_msg.h"
#include "tg_exit.h"
#include "tg_log.h"
#include "tg_time.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Bounds of the calls that wait for the brokers. */
#define TC_TXN_INIT_MS 30000
#define TC_TXN_CALL_MS 30000
#define TC_TXN_METADATA_MS 5000
#define TC_TXN_FLUSH_MS 5000
/* A full producer queue is waited out this long before the run gives up. */
#define TC_TXN_QUEUE_FULL_MS 60000
/* The producer is polled (its events served) once per this many messages. */
#define TC_TXN_POLL_EVERY 1000
/* A retriable commit is retried this many times. */
#define TC_TXN_RETRIES 3

struct tc_kafka_txn {
    rd_kafka_t *rk;
    int32_t out_partitions; /* of the output topic */
    int32_t in_partitions;  /* of the input topic; 0: unknown */
    bool recount;           /* read in_partitions before the next commit */
    bool announce;          /* in_partitions changed: progress for every task */
    bool open;              /* a transaction was begun */
    bool failed;            /* producing failed: why says it */
    char why[512];
    /* The watermark of the last progress written per input partition
     * (index: the partition; INT64_MIN: none). */
    int64_t *sent;
    size_t nsent;
    struct tc_results_msg *msg; /* formats the messages; owned */
    uint32_t msg_task;          /* the input partition of msg's open message */
    unsigned unpolled;          /* messages produced since the last poll */
};

int tc_kafka_txn_default_id(const char *group, char *buf, size_t buflen)
{
    char host[256];
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "localhost");
    host[sizeof host - 1] = '\0';
    int n = snprintf(buf, buflen, "tgcount-%s-%s", group, host);
    return n < 0 || (size_t)n >= buflen ? -1 : 0;
}

/* Records the first failure (later ones follow from it). */
static void fail(struct tc_kafka_txn *t, const char *fmt, ...)
{
    if (t->failed)
        return;
    t->failed = true;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->why, sizeof t->why, fmt, ap);
    va_end(ap);
}

/* ---- producing ------------------------------------------------------------- */

static int begin(struct tc_kafka_txn *t)
{
    if (t->failed)
        return -1;
    if (t->open)
        return 0;
    rd_kafka_error_t *error = rd_kafka_begin_transaction(t->rk);
    if (error != NULL) {
        fail(t, "begin_transaction: %s", rd_kafka_error_string(error));
        rd_kafka_error_destroy(error);
        return -1;
    }
    t->open = true;
    return 0;
}

/* Produces one message for input partition `part` (its key), to output
 * partition part mod the output's count, so that one input partition's
 * rows and progress stay in order.  value is copied.  The producer is
 * polled every TC_TXN_POLL_EVERY messages and while its queue is full,
 * not per message (it has no delivery reports to serve, only events). */
static int produce(struct tc_kafka *k, int32_t part, const char *value, size_t len)
{
    struct tc_kafka_txn *t = k->txn;
    if (t->failed || begin(t) != 0)
        return -1;
    char key[16];
    int klen = snprintf(key, sizeof key, "%" PRId32, part);
    int64_t deadline = -1;
    for (;;) {
        rd_kafka_resp_err_t err =
            rd_kafka_producev(t->rk, RD_KAFKA_V_TOPIC(k->opts->output_topic),
                              RD_KAFKA_V_PARTITION(part % t->out_partitions),
                              RD_KAFKA_V_KEY(key, (size_t)klen),
                              RD_KAFKA_V_VALUE((void *)(uintptr_t)value, len),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            if (++t->unpolled >= TC_TXN_POLL_EVERY) {
                t->unpolled = 0;
                rd_kafka_poll(t->rk, 0);
            }
            return 0;
        }
        if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL && deadline < 0)
            deadline = tg_time_monotonic_ms() + TC_TXN_QUEUE_FULL_MS;
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || tg_time_monotonic_ms() >= deadline) {
            fail(t, "producing to %s: %s", k->opts->output_topic, rd_kafka_err2str(err));
            return -1;
        }
        t->unpolled = 0;
        rd_kafka_poll(t->rk, 100);
    }
}

/* The formatter, made on first use; NULL (and the run failing) when out
 * of memory. */
static struct tc_results_msg *results_msg(struct tc_kafka_txn *t)
{
    if (t->msg == NULL)
        t->msg = tc_results_msg_new();
    if (t->msg == NULL)
        fail(t, "a results message could not be built (out of memory)");
    return t->msg;
}

static void format_time(int64_t ms, char *buf, size_t len)
{
    if (tg_time_format(ms, buf, len) < 0)
        snprintf(buf, len, "%" PRId64, ms);
}

/* Produces the open "windows" message, if any; its rows are counted once
 * produced. */
static int flush_rows(struct tc_kafka *k)
{
    struct tc_kafka_txn *t = k->txn;
    if (t->msg == NULL || tc_results_msg_pending(t->msg) == 0)
        return 0;
    const char *text;
    size_t len;
    uint64_t rows;
    if (tc_results_msg_take(t->msg, &text, &len, &rows) != 0) {
        fail(t, "a results message could not be built (out of memory)");
        return -1;
    }
    if (produce(k, (int32_t)t->msg_task, text, len) != 0)
        return -1;
    tc_pipeline_count_results(k->pipeline, rows, 0, 0, 0);
    return 0;
}

/* The engine's task sink: a task's windows go into one "windows" message
 * after another, each produced once it holds about
 * TC_RESULTS_MSG_ROWS_BYTES, before another task's rows, and before the
 * progress records (build_contents).  Failures are recorded and acted on
 * by the next commit, which aborts. */
static int on_rows(void *ctx, uint32_t task, const struct tc_window *w,
                   const struct tc_row *rows, size_t n, bool first, bool last)
{
    (void)last;
    struct tc_kafka *k = ctx;
    struct tc_kafka_txn *t = k->txn;
    if (t->failed)
        return 0;
    struct tc_results_msg *m = results_msg(t);
    if (m == NULL)
        return 0;
    if (first) {
        if (task != t->msg_task && flush_rows(k) != 0)
            return 0;
        t->msg_task = task;
        char start[TG_TIME_TEXT_MAX], end[TG_TIME_TEXT_MAX];
        format_time(w->start_ms, start, sizeof start);
        format_time(w->end_ms, end, sizeof end);
        const char *spec = k->opts->windows[w->spec].text;
        if (tc_results_msg_window(m, spec, start, end, k->opts->topic, (int64_t)task) !=
            0) {
            fail(t, "a results message could not be built (out of memory)");
            return 0;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (tc_results_msg_add(m, rows[i].name, rows[i].len, rows[i].count) != 0) {
            fail(t, "a results message could not be built (out of memory)");
            return 0;
        }
        if (tc_results_msg_pending(m) >= TC_RESULTS_MSG_ROWS_BYTES && flush_rows(k) != 0)
            return 0;
    }
    return 0;
}

/* ---- the transaction's contents ------------------------------------------ */

/* The partition count of topic.  existing: from a metadata request for
 * every topic, since one that names the topic makes a broker that
 * auto-creates topics (the local one, and Kafka's default) create it, and
 * a missing results topic must be refused, not made with the broker's
 * defaults; else from one naming it (the input topic, which exists: a
 * smaller answer on a cluster of many topics). */
static int read_partition_count(struct tc_kafka *k, const char *topic, bool existing,
                                int32_t *count)
{
    rd_kafka_topic_t *rkt = NULL;
    if (!existing && (rkt = rd_kafka_topic_new(k->txn->rk, topic, NULL)) == NULL)
        return -1;
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t err =
        rd_kafka_metadata(k->txn->rk, existing, rkt, &md, TC_TXN_METADATA_MS);
    int rc = -1;
    for (int i = 0; err == RD_KAFKA_RESP_ERR_NO_ERROR && i < md->topic_cnt; i++) {
        const struct rd_kafka_metadata_topic *t = &md->topics[i];
        if (strcmp(t->topic, topic) == 0 && t->err == RD_KAFKA_RESP_ERR_NO_ERROR &&
            t->partition_cnt > 0) {
            *count = t->partition_cnt;
            rc = 0;
        }
    }
    if (md != NULL)
        rd_kafka_metadata_destroy(md);
    if (rkt != NULL)
        rd_kafka_topic_destroy(rkt);
    return rc;
}

struct progress_walk {
    struct tc_kafka *k;
    uint64_t produced;
};

/* One assigned partition's progress, when its task's W_p (its
 * produced_end, after tc_pipeline_task_finals) moved since the last one,
 * or the partition count changed. */
static void add_progress(void *arg, int32_t partition, int64_t next_offset)
{
    (void)next_offset;
    struct progress_walk *pw = arg;
    struct tc_kafka *k = pw->k;
    struct tc_kafka_txn *t = k->txn;
    if (t->failed || partition < 0 ||
        !tc_pipeline_has_task(k->pipeline, (uint32_t)partition))
        return;
    int64_t w = tc_pipeline_task_produced(k->pipeline, (uint32_t)partition);
    if (w == INT64_MIN)
        return;
    if ((size_t)partition >= t->nsent) {
        size_t n = (size_t)partition + 1;
        int64_t *sent = realloc(t->sent, n * sizeof *sent);
        if (sent == NULL) {
            fail(t, "out of memory");
            return;
        }
        for (size_t i = t->nsent; i < n; i++)
            sent[i] = INT64_MIN;
        t->sent = sent;
        t->nsent = n;
    }
    if (t->sent[partition] == w && !t->announce)
        return;
    char wm[TG_TIME_TEXT_MAX];
    format_time(w, wm, sizeof wm);
    struct tc_results_msg *m = results_msg(t);
    const char *text;
    size_t len;
    if (m == NULL)
        return;
    if (tc_results_msg_progress(m, k->opts->topic, partition, t->in_partitions, wm, &text,
                                &len) != 0) {
        fail(t, "a results message could not be built (out of memory)");
        return;
    }
    if (produce(k, partition, text, len) == 0) {
        t->sent[partition] = w;
        pw->produced++;
    }
}

/* Sends the next offsets of what the engine counted to the transaction
 * (the offsets a plain commit would commit). */
static void add_offsets(struct tc_kafka *k)
{
    struct tc_kafka_txn *t = k->txn;
    rd_kafka_topic_partition_list_t *list = tc_kafka_offsets_list(k);
    if (list->cnt > 0 && begin(t) == 0) {
        rd_kafka_consumer_group_metadata_t *cgmd =
            rd_kafka_consumer_group_metadata(k->rk);
        rd_kafka_error_t *error =
            cgmd == NULL
                ? NULL
                : rd_kafka_send_offsets_to_transaction(t->rk, list, cgmd, TC_TXN_CALL_MS);
        if (cgmd == NULL)
            fail(t, "no consumer group metadata");
        if (error != NULL) {
            fail(t, "send_offsets_to_transaction: %s", rd_kafka_error_string(error));
            rd_kafka_error_destroy(error);
        }
        rd_kafka_consumer_group_metadata_destroy(cgmd);
    }
    rd_kafka_topic_partition_list_destroy(list);
}

static int begin_cb(void *arg)
{
    return begin(arg);
}

/* What one transaction holds, in this order: every task's final rows,
 * then the progress records they make true, then the snapshots of the
 * tasks that changed (tc_kafka_changelog.h), then the consumed offsets. */
static void build_contents(struct tc_kafka *k)
{
    struct tc_kafka_txn *t = k->txn;
    if (t->recount) {
        int32_t n;
        if (read_partition_count(k, k->opts->topic, false, &n) == 0) {
            t->recount = false;
            t->announce = n != t->in_partitions;
            t->in_partitions = n;
        }
    }
    if (tc_pipeline_task_finals(k->pipeline) != 0)
        fail(t, "out of memory");
    flush_rows(k); /* before any progress says its rows were written */
    if (t->in_partitions > 0) {
        struct progress_walk pw = {k, 0};
        tc_partitions_each(k->parts, add_progress, &pw);
        tc_pipeline_count_results(k->pipeline, 0, pw.produced, 0, 0);
        t->announce = false;
    }
    char err[512];
    if (!t->failed &&
        tc_kafka_changelog_write(k, t->rk, begin_cb, t, err, sizeof err) != 0)
        fail(t, "state changelog: %s", err);
    if (k->uncommitted)
        add_offsets(k);
}

/* ---- ending a transaction ------------------------------------------------- */

/* Aborts the open transaction when librdkafka allows it, says why in one
 * line and stops the run (exit 75). */
static void abort_and_stop(struct tc_kafka *k, const char *why)
{
    struct tc_kafka_txn *t = k->txn;
    bool aborted = false;
    if (t->open) {
        rd_kafka_error_t *error = rd_kafka_abort_transaction(t->rk, TC_TXN_CALL_MS);
        aborted = error == NULL;
        if (error != NULL)
            rd_kafka_error_destroy(error);
        t->open = false;
    }
    tc_pipeline_count_results(k->pipeline, 0, 0, 0, aborted ? 1 : 0);
    tg_log_error(k->log,
                 "--output-topic %s: transaction failed: %s%s; a restart resumes from "
                 "the last committed one",
                 k->opts->output_topic, why, aborted ? " (aborted)" : "");
    k->status = TG_EXIT_TEMPFAIL;
    k->results_broken = true;
}

int tc_kafka_txn_commit(struct tc_kafka *k)
{
    struct tc_kafka_txn *t = k->txn;
    if (k->results_broken)
        return -1;
    build_contents(k);
    if (t->failed) {
        abort_and_stop(k, t->why);
        return -1;
    }
    if (!t->open)
        return 0;
    rd_kafka_error_t *error = NULL;
    for (int i = 0; i <= TC_TXN_RETRIES; i++) {
        error = rd_kafka_commit_transaction(t->rk, TC_TXN_CALL_MS);
        if (error == NULL || !rd_kafka_error_is_retriable(error))
            break;
        if (i < TC_TXN_RETRIES)
            rd_kafka_error_destroy(error);
    }
    if (error != NULL) {
        char why[512];
        snprintf(why, sizeof why, "commit_transaction: %s", rd_kafka_error_string(error));
        rd_kafka_error_destroy(error);
        abort_and_stop(k, why);
        return -1;
    }
    t->open = false;
    k->uncommitted = false;
    tc_pipeline_count_results(k->pipeline, 0, 0, 1, 0);
    return 1;
}

/* ---- lifecycle ------------------------------------------------------------ */

int tc_kafka_txn_start(struct tc_kafka *k, rd_kafka_conf_t *conf)
{
    char err[512];
    char id[512];
    const char *tid = k->opts->transactional_id;
    if (tid == NULL) {
        if (tc_kafka_txn_default_id(k->opts->group, id, sizeof id) != 0) {
            rd_kafka_conf_destroy(conf);
            tg_log_error(k->log, "--output-topic: the default transactional.id is too "
                                 "long; give --transactional-id");
            return TG_EXIT_CONFIG;
        }
        tid = id;
    }
    if (rd_kafka_conf_set(conf, "transactional.id", tid, err, sizeof err) !=
        RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        tg_log_error(k->log, "--transactional-id: %s", err);
        return TG_EXIT_CONFIG;
    }
    /* The changelog's restore reader: the user's settings, not the
     * producer's transactional.id nor its log callback. */
    rd_kafka_conf_t *base = rd_kafka_conf_dup(conf);
    tc_kafka_events_install_log(k, conf);
    k->txn = calloc(1, sizeof *k->txn);
    if (k->txn == NULL || base == NULL) {
        if (base != NULL)
            rd_kafka_conf_destroy(base);
        rd_kafka_conf_destroy(conf);
        tg_log_error(k->log, "out of memory");
        return TG_EXIT_SOFTWARE;
    }
    k->txn->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (k->txn->rk == NULL) {
        rd_kafka_conf_destroy(base);
        rd_kafka_conf_destroy(conf); /* rd_kafka_new owns it on success only */
        tg_log_error(k->log, "--output-topic: %s", err);
        return TG_EXIT_CONFIG;
    }
    k->txn->recount = true;
    rd_kafka_error_t *error = rd_kafka_init_transactions(k->txn->rk, TC_TXN_INIT_MS);
    if (error != NULL) {
        tg_log_error(k->log,
                     "--output-topic %s: init_transactions (transactional.id %s): %s",
                     k->opts->output_topic, tid, rd_kafka_error_string(error));
        rd_kafka_error_destroy(error);
        rd_kafka_conf_destroy(base);
        return TG_EXIT_UNAVAILABLE;
    }
    if (read_partition_count(k, k->opts->output_topic, true, &k->txn->out_partitions) !=
        0) {
        rd_kafka_conf_destroy(base);
        tg_log_error(k->log, "--output-topic %s: topic not found", k->opts->output_topic);
        return TG_EXIT_UNAVAILABLE;
    }
    int status = tc_kafka_changelog_start(k, k->txn->rk, base);
    rd_kafka_conf_destroy(base);
    if (status != TG_EXIT_OK)
        return status;
    tg_log_info(k->log, "results to %s (%" PRId32 " partitions), transactional.id %s",
                k->opts->output_topic, k->txn->out_partitions, tid);
    const struct tc_engine_task_sink sink = {on_rows, k};
    tc_pipeline_set_task_sink(k->pipeline, &sink);
    return TG_EXIT_OK;
}

void tc_kafka_txn_assigned(struct tc_kafka *k)
{
    if (k->txn != NULL)
        k->txn->recount = true;
}

void tc_kafka_txn_revoked(struct tc_kafka *k, const rd_kafka_topic_partition_list_t *list,
                          bool lost)
{
    struct tc_kafka_txn *t = k->txn;
    if (t == NULL)
        return;
    if (lost && t->open && !k->results_broken)
        abort_and_stop(k, "partitions lost before the transaction was committed");
    tc_kafka_changelog_forget(k, list);
    if (list == NULL) {
        tc_pipeline_drop_task(k->pipeline, TC_ENGINE_ALL_TASKS);
        for (size_t i = 0; i < t->nsent; i++)
            t->sent[i] = INT64_MIN;
    } else {
        for (int i = 0; i < list->cnt; i++) {
            int32_t p = list->elems[i].partition;
            tc_pipeline_drop_task(k->pipeline, (uint32_t)p);
            if ((size_t)p < t->nsent)
                t->sent[p] = INT64_MIN;
        }
    }
}

void tc_kafka_txn_stop(struct tc_kafka *k)
{
    struct tc_kafka_txn *t = k->txn;
    if (t == NULL)
        return;
    tc_pipeline_set_task_sink(k->pipeline, NULL);
    tc_kafka_changelog_stop(k);
    if (t->rk != NULL) {
        if (t->open) {
            rd_kafka_error_t *error = rd_kafka_abort_transaction(t->rk, TC_TXN_CALL_MS);
            if (error == NULL)
                tc_pipeline_count_results(k->pipeline, 0, 0, 0, 1);
            else
                rd_kafka_error_destroy(error);
        }
        rd_kafka_flush(t->rk, TC_TXN_FLUSH_MS);
        rd_kafka_destroy(t->rk);
    }
    free(t->sent);
    tc_results_msg_free(t->msg);
    free(t);
    k->txn = NULL;
}
