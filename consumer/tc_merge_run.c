/* tc_merge_run.c - see tc_merge_run.h.
 *
 * The loop is librdkafka's canonical consumer loop, on partitions assigned
 * here (as tgcount -p does: no group, no join, no commit): consumer_poll
 * with a short timeout so that the stop flag is seen, every message
 * destroyed, close then destroy.  librdkafka's log lines are routed to the
 * consumer queue (log.queue), so that every callback runs on this thread.
 */
#include "tc_merge_run.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "tc_emit.h"
#include "tc_merge.h"
#include "tc_merge_msg.h"
#include "tc_options.h"
#include "tc_output.h"
#include "tc_skips.h"
#include "tg_duration.h"
#include "tg_exit.h"
#include "tg_kafka_conf.h"
#include "tg_log.h"
#include "tg_signal.h"
#include "tg_time.h"

#define MERGE_POLL_MS 100
/* Until a broker answers: how long one metadata request may wait. */
#define MERGE_PROBE_MS 500
/* The group.id librdkafka's consumer is given: never joined. */
#define MERGE_UNJOINED_GROUP "tgcount-merge-without-group"

struct merge_run {
    const struct tc_options *opts;
    const struct tg_log *log;
    rd_kafka_t *rk;
    struct tc_merge *m;
    struct tc_emit *x;
    struct tc_output *out;
    bool *at_end; /* per partition of the results topic */
    int32_t nparts;
    int32_t nat_end;
    uint64_t messages, malformed, ignored;
    int64_t lost;      /* offsets deleted before the run could read them */
    char *input_topic; /* of the first message that named one; owned copy */
    char last_error[512];
    bool fatal;
    bool output_failed;
    int out_errno;
    /* The last windows are being printed: a stop signal beyond these
     * (the next one, when a signal ended the loop) stops the printing. */
    bool ending;
    unsigned signals_at_end;
    bool interrupted;
};

/* ---- librdkafka callbacks (on this thread: see the file comment) ------- */

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    struct merge_run *r = opaque;
    snprintf(r->last_error, sizeof r->last_error, "%s", reason);
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        char why[512];
        rd_kafka_fatal_error(rk, why, sizeof why);
        tg_log_error(r->log, "fatal Kafka error: %s", why);
        r->fatal = true;
        return;
    }
    tg_log_info(r->log, "Kafka: %s", reason);
}

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    struct merge_run *r = rd_kafka_opaque(rk);
    tg_log_msg(r->log, level <= 3 ? TG_LOG_INFO : TG_LOG_DEBUG, "librdkafka: %s: %s", fac,
               buf);
}

/* ---- the client ------------------------------------------------------- */

static rd_kafka_conf_t *make_conf(struct merge_run *r, char *err, size_t errlen)
{
    struct tg_kafka_conf *owned = NULL, *kc = r->opts->kafka_conf;
    if (kc == NULL && (kc = owned = tg_kafka_conf_new()) == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    rd_kafka_conf_t *conf = NULL;
    if (tg_kafka_conf_complete(kc, "tgcount", r->opts->brokers, err, errlen) == 0) {
        conf = tg_kafka_conf_take(kc);
    } else if (err[0] == '\0') {
        snprintf(err, errlen, "Kafka configuration unavailable");
    }
    tg_kafka_conf_free(owned);
    if (conf == NULL) {
        return NULL;
    }
    char group[256];
    size_t size = sizeof group;
    bool has_group =
        rd_kafka_conf_get(conf, "group.id", group, &size) == RD_KAFKA_CONF_OK &&
        group[0] != '\0';
    /* Only committed rows count, and nothing is committed by this reader:
     * whatever group.id -F gave, partitions are assigned, never joined. */
    static const char *const settings[][2] = {
        {"isolation.level", "read_committed"}, {"enable.partition.eof", "true"},
        {"enable.auto.commit", "false"},       {"enable.auto.offset.store", "false"},
        {"auto.offset.reset", "earliest"},     {"log.queue", "true"},
    };
    int rc = has_group ? 0
                       : rd_kafka_conf_set(conf, "group.id", MERGE_UNJOINED_GROUP, err,
                                           errlen) != RD_KAFKA_CONF_OK;
    for (size_t i = 0; rc == 0 && i < sizeof settings / sizeof *settings; i++) {
        rc = rd_kafka_conf_set(conf, settings[i][0], settings[i][1], err, errlen) !=
             RD_KAFKA_CONF_OK;
    }
    if (rc != 0) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_conf_set_opaque(conf, r);
    rd_kafka_conf_set_error_cb(conf, on_error);
    rd_kafka_conf_set_log_cb(conf, on_log);
    return conf;
}

/* A results topic whose history was deleted (retention) no longer holds
 * every row: the merged counts would be short, silently.  Each partition's
 * log start is asked once, before reading from it. */
static void check_log_starts(struct merge_run *r)
{
    for (int32_t p = 0; p < r->nparts; p++) {
        int64_t lo = 0, hi = 0;
        rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
            r->rk, r->opts->topic, p, &lo, &hi, (int)r->opts->connect_timeout_ms);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            tg_log_warn(r->log, "%s[%" PRId32 "]: its log start is unknown (%s)",
                        r->opts->topic, p, rd_kafka_err2str(err));
        } else if (lo > 0) {
            tg_log_warn(r->log,
                        "%s[%" PRId32 "]: offsets 0..%" PRId64
                        " were deleted before they "
                        "were read (%" PRId64 " lost)",
                        r->opts->topic, p, lo - 1, lo);
            r->lost += lo;
        }
    }
}

/* Waits for the results topic's partitions and assigns them all from the
 * beginning.  Returns a tg_exit code (reported). */
static int assign_all(struct merge_run *r)
{
    const char *topic = r->opts->topic;
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(r->rk, topic, NULL);
    if (rkt == NULL) {
        tg_log_error(r->log, "topic %s: %s", topic,
                     rd_kafka_err2str(rd_kafka_last_error()));
        return TG_EXIT_CONFIG;
    }
    int64_t start = tg_time_monotonic_ms();
    bool connected = false;
    int status = TG_EXIT_OK;
    while (r->nparts == 0 && status == TG_EXIT_OK && !tg_signal_stop_requested()) {
        const struct rd_kafka_metadata *md = NULL;
        rd_kafka_resp_err_t err = rd_kafka_metadata(r->rk, 0, rkt, &md, MERGE_PROBE_MS);
        rd_kafka_poll(r->rk, 0); /* error and log callbacks */
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            connected = true;
            const rd_kafka_metadata_topic_t *t =
                md->topic_cnt == 1 ? &md->topics[0] : NULL;
            if (t != NULL && t->err == RD_KAFKA_RESP_ERR_NO_ERROR &&
                t->partition_cnt > 0) {
                r->nparts = t->partition_cnt;
            } else if (r->opts->exit_at_end) {
                tg_log_error(r->log, "results topic %s: %s", topic,
                             t != NULL && t->err ? rd_kafka_err2str(t->err)
                                                 : "no partitions");
                status = TG_EXIT_UNAVAILABLE;
            }
            rd_kafka_metadata_destroy(md);
        }
        if (!connected && tg_time_monotonic_ms() - start >= r->opts->connect_timeout_ms) {
            char limit[32];
            if (tg_duration_format(r->opts->connect_timeout_ms, limit, sizeof limit) <
                0) {
                snprintf(limit, sizeof limit, "%" PRId64 "ms",
                         r->opts->connect_timeout_ms);
            }
            tg_log_error(r->log, "brokers unreachable: %s (no answer for %s)",
                         r->last_error[0] ? r->last_error : "no broker answered", limit);
            status = TG_EXIT_UNAVAILABLE;
        }
    }
    rd_kafka_topic_destroy(rkt);
    if (status != TG_EXIT_OK || r->nparts == 0) {
        return status;
    }
    if ((r->at_end = calloc((size_t)r->nparts, sizeof *r->at_end)) == NULL) {
        tg_log_error(r->log, "out of memory");
        return TG_EXIT_SOFTWARE;
    }
    check_log_starts(r);
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(r->nparts);
    for (int32_t p = 0; p < r->nparts; p++) {
        rd_kafka_topic_partition_list_add(list, topic, p)->offset =
            RD_KAFKA_OFFSET_BEGINNING;
    }
    rd_kafka_resp_err_t err = rd_kafka_assign(r->rk, list);
    rd_kafka_topic_partition_list_destroy(list);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        tg_log_error(r->log, "assigning %s failed: %s", topic, rd_kafka_err2str(err));
        return TG_EXIT_UNAVAILABLE;
    }
    tg_log_info(r->log, "merging %s[0..%" PRId32 "] from the beginning", topic,
                r->nparts - 1);
    return TG_EXIT_OK;
}

/* ---- messages --------------------------------------------------------- */

static int emit_to_output(void *ctx, const struct tc_window *w, const struct tc_row *rows,
                          size_t n, bool first, bool last)
{
    struct merge_run *r = ctx;
    if (first && r->ending && tg_signal_count() > r->signals_at_end) {
        r->interrupted = true;
        return -1;
    }
    if (tc_output_part(r->out, tc_merge_spec_text(r->m, w->spec), w->start_ms, w->end_ms,
                       w->final, rows, n, first, last) != 0) {
        r->out_errno = errno;
        r->output_failed = true;
        return -1;
    }
    return 0;
}

/* Emits what is final (and with rest, everything).  Returns 0, or -1 when
 * the output failed or memory ran out. */
static int emit(struct merge_run *r, bool rest)
{
    if (r->output_failed) {
        return -1;
    }
    struct tc_emitter em = {emit_to_output, r, false};
    if (tc_merge_emit(r->m, r->x, rest, r->opts->top_n, &em) != 0) {
        if (!r->output_failed && !r->interrupted) {
            r->out_errno = ENOMEM;
            r->output_failed = true;
        }
        return -1;
    }
    return 0;
}

static void tell_malformed(struct merge_run *r, const rd_kafka_message_t *msg,
                           const char *why)
{
    char where[320];
    r->malformed++;
    snprintf(where, sizeof where, "%s[%" PRId32 "]@%" PRId64, r->opts->topic,
             msg->partition, msg->offset);
    tc_skips_tell(r->log, r->malformed, where, why);
}

/* A row for a window already printed final: the writer broke the contract
 * (or two writers disagree), so the printed counts may be short. */
static void tell_after_final(struct merge_run *r, const rd_kafka_message_t *msg,
                             const struct tc_merge_row *row)
{
    uint64_t nth = tc_merge_stats(r->m)->after_final;
    if (!tc_skips_told(nth)) {
        return;
    }
    char start[TG_TIME_TEXT_MAX];
    tg_time_format_any(row->start_ms, start, sizeof start);
    tg_log_warn(r->log,
                "%s[%" PRId32 "]@%" PRId64 ": a row of window %.*s %s arrived after the "
                "window was printed final: its count is not in the output",
                r->opts->topic, msg->partition, msg->offset, (int)row->spec_len,
                row->spec, start);
}

/* The rows of a row, rows or windows message (checked whole by the
 * parse), each as a row message.  What tc_merge_add_row refuses, other
 * than memory, is a matter of the fields a window's rows share (window,
 * start, end, partition): every window of the message is checked against
 * the state first, and when one is refused none of the message's rows is
 * applied.  Memory running out for a later row (or, rarer, two new specs
 * in one message passing the check one by one over TC_MERGE_MAX_SPECS)
 * leaves the ones before it applied, as rows read before; so do two new
 * windows of one message that contradict each other (the same spec and
 * start, two ends), which no writer makes. */
static void apply_rows(struct merge_run *r, const rd_kafka_message_t *msg,
                       struct tc_merge_msg *mm)
{
    char why[512];
    struct tc_merge_row w;
    for (size_t i = 0; tc_merge_msg_window(mm, i, &w); i++) {
        if (tc_merge_check_window(r->m, &w, why, sizeof why) != 0) {
            tell_malformed(r, msg, why);
            return;
        }
    }
    while (tc_merge_msg_next_row(mm)) {
        int rc = tc_merge_add_row(r->m, &mm->row, why, sizeof why);
        if (rc < 0) {
            tell_malformed(r, msg, why);
            return;
        }
        if (rc == TC_MERGE_AFTER_FINAL) {
            tell_after_final(r, msg, &mm->row);
        }
    }
}

/* One message: applied, or told and counted. */
static void apply(struct merge_run *r, const rd_kafka_message_t *msg)
{
    struct tc_merge_msg mm;
    char why[512];
    r->messages++;
    if (tc_merge_msg_parse(&mm, msg->payload, msg->len, why, sizeof why) != 0) {
        tell_malformed(r, msg, why);
    } else if (mm.topic != NULL && r->input_topic != NULL &&
               strcmp(mm.topic, r->input_topic) != 0) {
        /* Two input topics' partitions would be summed as one's. */
        snprintf(why, sizeof why, "input topic %s, but %s came first", mm.topic,
                 r->input_topic);
        tell_malformed(r, msg, why);
    } else if (mm.kind == TC_MERGE_MSG_OTHER) {
        r->ignored++;
    } else {
        if (mm.topic != NULL && r->input_topic == NULL) {
            r->input_topic = strdup(mm.topic);
        }
        if (mm.kind != TC_MERGE_MSG_PROGRESS) {
            apply_rows(r, msg, &mm);
        } else if (tc_merge_add_progress(r->m, &mm.progress, why, sizeof why) != 0) {
            tell_malformed(r, msg, why);
        } else {
            emit(r, false);
        }
    }
    tc_merge_msg_clear(&mm);
}

/* A message or an event: partition ends, errors. */
static void handle(struct merge_run *r, const rd_kafka_message_t *msg)
{
    bool ours = msg->partition >= 0 && msg->partition < r->nparts;
    if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        if (ours && !r->at_end[msg->partition]) {
            r->at_end[msg->partition] = true;
            r->nat_end++;
        }
        return;
    }
    if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        tg_log_warn(r->log, "%s", rd_kafka_message_errstr(msg));
        return;
    }
    if (ours && r->at_end[msg->partition]) {
        r->at_end[msg->partition] = false;
        r->nat_end--;
    }
    apply(r, msg);
}

static void print_stats(const struct merge_run *r)
{
    const struct tc_merge_stats *s = tc_merge_stats(r->m);
    char wm[TG_TIME_TEXT_MAX] = "none";
    int64_t g = tc_merge_watermark(r->m);
    if (g != INT64_MIN) {
        tg_time_format_any(g, wm, sizeof wm);
    }
    tg_log_msg(r->log, TG_LOG_ERROR,
               "stats: messages=%" PRIu64 " rows=%" PRIu64 " progress=%" PRIu64
               " same=%" PRIu64 " rewritten=%" PRIu64 " after_final=%" PRIu64
               " malformed=%" PRIu64 " ignored=%" PRIu64 " windows=%" PRIu64
               " provisional=%" PRIu64 " lost=%" PRId64 " partitions=%" PRId32
               " watermark=%s",
               r->messages, s->rows, s->progress, s->same, s->rewritten, s->after_final,
               r->malformed, r->ignored, s->windows_final + s->windows_provisional,
               s->windows_provisional, r->lost, tc_merge_partitions(r->m), wm);
}

/* The loop: until -e's end, a stop signal, a fatal error or a failed
 * output. */
static void consume(struct merge_run *r)
{
    while (!tg_signal_stop_requested() && !r->fatal && !r->output_failed) {
        if (r->opts->exit_at_end && r->nat_end == r->nparts) {
            return;
        }
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(r->rk, MERGE_POLL_MS);
        if (msg != NULL) {
            handle(r, msg);
            rd_kafka_message_destroy(msg);
        }
    }
}

/* The end: the open windows, provisional, then the totals. */
static int finish(struct merge_run *r, int status)
{
    /* Nothing was read when the brokers or the topic failed: no output. */
    bool any = status == TG_EXIT_OK || r->messages > 0;
    if (any) {
        r->ending = true;
        r->signals_at_end = tg_signal_count();
        emit(r, true);
    }
    if (r->interrupted) {
        tg_log_warn(r->log, "stopped by a signal before every open window was printed");
    }
    if (any && !r->output_failed && tc_output_finish(r->out) != 0) {
        r->out_errno = errno;
        r->output_failed = true;
    }
    tc_skips_total(r->log, r->malformed, "malformed", "%s", "");
    uint64_t late = tc_merge_stats(r->m)->after_final;
    if (late > 0) {
        tg_log_warn(r->log,
                    "%" PRIu64 " %s printed final: the output misses %s (the results "
                    "topic breaks its contract)",
                    late,
                    late == 1 ? "row arrived after its window was"
                              : "rows arrived after their windows were",
                    late == 1 ? "it" : "them");
    }
    if (r->opts->stats) {
        print_stats(r);
    }
    if (r->output_failed && r->out_errno == ENOMEM) {
        tg_log_error(r->log, "out of memory");
        return TG_EXIT_SOFTWARE;
    }
    if (r->output_failed && r->out_errno != EPIPE) {
        tg_log_error(r->log, "writing the output: %s", strerror(r->out_errno));
        return TG_EXIT_TEMPFAIL;
    }
    if (status == TG_EXIT_OK && r->fatal) {
        status = TG_EXIT_UNAVAILABLE;
    }
    if (status == TG_EXIT_OK && r->lost > 0 && r->opts->exit_at_end &&
        !r->opts->allow_data_loss) {
        tg_log_error(r->log,
                     "%" PRId64 " offsets of the results topic were deleted before they "
                     "were read: the merged counts are incomplete (--allow-data-loss "
                     "accepts that)",
                     r->lost);
        status = TG_EXIT_DATAERR;
    }
    return status;
}

int tc_merge_run(const struct tc_options *opts, const struct tg_log *log)
{
    struct merge_run r = {.opts = opts, .log = log};
    char err[512] = "";
    int status = TG_EXIT_OK;
    r.m = tc_merge_new();
    r.x = tc_emit_new();
    r.out = tc_output_new(stdout, opts->format);
    if (r.m == NULL || r.x == NULL || r.out == NULL) {
        tg_log_error(log, "out of memory");
        status = TG_EXIT_SOFTWARE;
        goto done;
    }
    rd_kafka_conf_t *conf = make_conf(&r, err, sizeof err);
    if (conf == NULL) {
        tg_log_error(log, "%s", err);
        status = TG_EXIT_CONFIG;
        goto done;
    }
    if ((r.rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err)) == NULL) {
        rd_kafka_conf_destroy(conf); /* rd_kafka_new owns it on success only */
        tg_log_error(log, "%s", err);
        status = TG_EXIT_CONFIG;
        goto done;
    }
    rd_kafka_set_log_queue(r.rk, NULL);
    rd_kafka_poll_set_consumer(r.rk);
    status = assign_all(&r);
    if (status == TG_EXIT_OK) {
        consume(&r);
    }
    status = finish(&r, status);
    rd_kafka_consumer_close(r.rk);
    rd_kafka_destroy(r.rk);
    r.rk = NULL;
done:
    free(r.input_topic);
    free(r.at_end);
    tc_output_free(r.out);
    tc_emit_free(r.x);
    tc_merge_free(r.m);
    return status;
}
