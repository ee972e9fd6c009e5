/* tp_sink.c - Kafka and stdout sinks (see tp_sink.h).
 *
 * The Kafka sink follows librdkafka's examples/producer.c: producev with a
 * copy flag, on a full queue serve delivery reports and retry, poll(0) after
 * every write so reports keep flowing, and a bounded flush at the end.
 * Delivery reports are counted in the callback; "everything written so far
 * is delivered" is then simply reported == written.
 */
#include "tp_sink.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "tg_cli.h"
#include "tg_kafka_conf.h"
#include "tg_log.h"
#include "tg_signal.h"
#include "tg_time.h"
#include "tp_options.h"

/* stdout is written through a buffer this large: a few thousand records
 * per write(2). */
#define TP_STDOUT_BUFFER (1u << 20)
/* How long a write waits for queue space between looks at the stop flag. */
#define TP_QUEUE_FULL_POLL_MS 100

struct tp_sink {
    /* stdout: records go through our own buffer straight to write(2), so
     * a record costs two memcpy calls and no stdio locking. */
    int out_fd; /* -1 for Kafka */
    char *out_buffer;
    size_t out_len;
    bool broken_pipe;

    /* Kafka */
    rd_kafka_t *rk;
    rd_kafka_topic_t *rkt;
    const struct tg_log *log;
    uint64_t reported;       /* delivery reports received, good or bad */
    bool failed_since_flush; /* a report failed since the last tp_sink_flush */
    char last_failure[256];  /* reason of the latest failed report */
    bool debug_asked;        /* -X debug=...: librdkafka's lines are wanted */

    struct tp_sink_stats stats;
};

/* ---- librdkafka callbacks (run inside poll/flush, on this thread) --------- */

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
    struct tp_sink *s = opaque;
    (void)rk;
    s->reported++;
    if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        s->stats.delivered++;
        return;
    }
    s->stats.failed++;
    if (msg->err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE)
        s->stats.too_large++;
    s->failed_since_flush = true;
    snprintf(s->last_failure, sizeof s->last_failure, "%s", rd_kafka_err2str(msg->err));
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    struct tp_sink *s = opaque;
    char fatal[256];

    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        rd_kafka_fatal_error(rk, fatal, sizeof fatal);
        tg_log_error(s->log, "kafka: fatal error: %s", fatal);
    } else if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
        /* Not fatal: librdkafka keeps reconnecting and the records wait. */
        tg_log_warn(s->log, "kafka: %s (records stay queued until a broker is back)",
                    reason);
    } else {
        tg_log_info(s->log, "kafka: %s", reason);
    }
}

/* librdkafka's own log lines are detail (its errors also reach on_error),
 * unless the user asked for them with -X debug=...: then they are shown at
 * the normal level, without -vv. */
static void on_log(const rd_kafka_t *rk, int level, const char *facility, const char *buf)
{
    const struct tp_sink *s = rd_kafka_opaque(rk);
    if (s == NULL)
        return;
    tg_log_msg(s->log, level <= LOG_CRIT || s->debug_asked ? TG_LOG_ERROR : TG_LOG_DEBUG,
               "kafka: %s: %s", facility, buf);
}

/* ---- construction ----------------------------------------------------- */

/* The configuration -X/-F built over tp_kafka_defaults (or the defaults
 * alone), with the brokers; *debug_asked tells whether -X/-F set debug
 * contexts.  Returns it, owned by the caller, or NULL with err set.
 * Ownership: opts->kafka_conf is taken over (it may then only be freed),
 * or a new one is made. */
static rd_kafka_conf_t *build_conf(const struct tp_options *opts, bool *debug_asked,
                                   char *err, size_t errlen)
{
    struct tg_kafka_conf *owned = NULL;
    struct tg_kafka_conf *kc = opts->kafka_conf;
    if (kc == NULL) {
        kc = owned = tg_cli_kafka_conf_new(tp_kafka_defaults, err, errlen);
        if (kc == NULL)
            return NULL;
    }
    char debug[1024];
    *debug_asked = tg_kafka_conf_get(kc, "debug", debug, sizeof debug) == 0;
    rd_kafka_conf_t *conf = NULL;
    if (tg_kafka_conf_complete(kc, TP_CLIENT_ID_PROGRAM, opts->brokers, err, errlen) ==
        0) {
        conf = tg_kafka_conf_take(kc);
        if (conf == NULL)
            snprintf(err, errlen, "kafka: configuration already handed over");
    }
    tg_kafka_conf_free(owned);
    return conf;
}

struct tp_sink *tp_sink_new_kafka(const struct tp_options *opts, const struct tg_log *log,
                                  char *err, size_t errlen)
{
    char why[512];
    struct tp_sink *s = calloc(1, sizeof *s);
    rd_kafka_conf_t *conf = NULL;

    if (s == NULL) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    s->out_fd = -1;
    s->log = log;
    conf = build_conf(opts, &s->debug_asked, err, errlen);
    if (conf == NULL)
        goto fail;
    rd_kafka_conf_set_opaque(conf, s);
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_error_cb(conf, on_error);
    rd_kafka_conf_set_log_cb(conf, on_log);
    s->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof why);
    if (s->rk == NULL) {
        snprintf(err, errlen, "kafka: %s", why);
        rd_kafka_conf_destroy(conf); /* rd_kafka_new owns it on success only */
        goto fail;
    }
    s->rkt = rd_kafka_topic_new(s->rk, opts->topic, NULL);
    if (s->rkt == NULL) {
        snprintf(err, errlen, "kafka: topic %s: %s", opts->topic,
                 rd_kafka_err2str(rd_kafka_last_error()));
        goto fail;
    }
    return s;

fail:
    tp_sink_free(s);
    return NULL;
}

struct tp_sink *tp_sink_new_stdout(FILE *out)
{
    struct tp_sink *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->out_buffer = malloc(TP_STDOUT_BUFFER);
    if (s->out_buffer == NULL) {
        free(s);
        return NULL;
    }
    /* Whatever the stream buffered so far goes first. */
    fflush(out);
    s->out_fd = fileno(out);
    return s;
}

/* ---- writing ---------------------------------------------------------- */

/* Writes all of data.  A signal (no SA_RESTART) may interrupt or shorten
 * a write; the rest is written again. */
static int write_all(struct tp_sink *s, const char *data, size_t len, char *err,
                     size_t errlen)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(s->out_fd, data + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            if (errno == EPIPE)
                s->broken_pipe = true;
            snprintf(err, errlen, "stdout: %s", strerror(errno));
            return -1;
        }
        done += (size_t)n;
    }
    return 0;
}

static int stdout_drain(struct tp_sink *s, char *err, size_t errlen)
{
    int rc = write_all(s, s->out_buffer, s->out_len, err, errlen);
    s->out_len = 0; /* after a failure too: the error is reported once */
    return rc;
}

static int stdout_write(struct tp_sink *s, const char *value, size_t value_len, char *err,
                        size_t errlen)
{
    if (s->broken_pipe) {
        snprintf(err, errlen, "stdout: %s", strerror(EPIPE));
        return -1;
    }
    if (value_len + 1 > TP_STDOUT_BUFFER - s->out_len &&
        stdout_drain(s, err, errlen) != 0)
        return -1;
    if (value_len + 1 > TP_STDOUT_BUFFER) {
        /* Larger than the whole buffer (the buffer is empty now). */
        if (write_all(s, value, value_len, err, errlen) != 0)
            return -1;
    } else {
        memcpy(s->out_buffer + s->out_len, value, value_len);
        s->out_len += value_len;
    }
    s->out_buffer[s->out_len++] = '\n';
    s->stats.written++;
    s->stats.delivered++;
    return 0;
}

static int kafka_write(struct tp_sink *s, const char *key, size_t key_len,
                       const char *value, size_t value_len, int64_t timestamp_ms,
                       char *err, size_t errlen)
{
    char fatal[256];

    for (;;) {
        rd_kafka_resp_err_t rc = rd_kafka_producev(
            s->rk, RD_KAFKA_V_RKT(s->rkt), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_KEY(key, key_len),
            RD_KAFKA_V_VALUE((void *)(uintptr_t)value, value_len),
            RD_KAFKA_V_TIMESTAMP(timestamp_ms > 0 ? timestamp_ms : 0), RD_KAFKA_V_END);
        if (rc == RD_KAFKA_RESP_ERR_NO_ERROR)
            break;
        if (rc == RD_KAFKA_RESP_ERR__FATAL) {
            rd_kafka_fatal_error(s->rk, fatal, sizeof fatal);
            snprintf(err, errlen, "kafka: fatal error: %s", fatal);
            return -1;
        }
        if (rc == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE) {
            s->stats.too_large++;
            snprintf(err, errlen, "kafka: a record of %zu bytes: %s (message.max.bytes)",
                     key_len + value_len, rd_kafka_err2str(rc));
            return 1;
        }
        if (rc != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            snprintf(err, errlen, "kafka: %s", rd_kafka_err2str(rc));
            return -1;
        }
        if (tg_signal_stop_requested()) {
            snprintf(err, errlen, "stopped while the producer queue was full");
            return -1;
        }
        s->stats.queue_full_waits++;
        rd_kafka_poll(s->rk, TP_QUEUE_FULL_POLL_MS);
    }
    s->stats.written++;
    rd_kafka_poll(s->rk, 0);
    return 0;
}

int tp_sink_write(struct tp_sink *s, const char *key, size_t key_len, const char *value,
                  size_t value_len, int64_t timestamp_ms, char *err, size_t errlen)
{
    if (s->rk != NULL)
        return kafka_write(s, key, key_len, value, value_len, timestamp_ms, err, errlen);
    return stdout_write(s, value, value_len, err, errlen);
}

/* ---- flushing --------------------------------------------------------- */

int tp_sink_flush(struct tp_sink *s, int64_t timeout_ms, char *err, size_t errlen)
{
    if (s->rk == NULL)
        return stdout_drain(s, err, errlen);

    int64_t deadline = tg_time_monotonic_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    rd_kafka_poll(s->rk, 0);
    while (s->reported < s->stats.written) {
        int64_t left = deadline - tg_time_monotonic_ms();
        if (left <= 0)
            break;
        /* In slices, so that the counters are looked at again soon after
         * the last report arrives. */
        rd_kafka_flush(s->rk, (int)(left < 100 ? left : 100));
    }
    if (s->failed_since_flush) {
        s->failed_since_flush = false;
        snprintf(err, errlen, "kafka: delivery failed: %s", s->last_failure);
        return -1;
    }
    if (s->reported < s->stats.written) {
        snprintf(err, errlen,
                 "kafka: %" PRIu64 " records not delivered within %" PRId64 " ms",
                 s->stats.written - s->reported, timeout_ms);
        return 1;
    }
    return 0;
}

void tp_sink_poll(struct tp_sink *s)
{
    if (s->rk != NULL)
        rd_kafka_poll(s->rk, 0);
}

uint64_t tp_sink_in_flight(const struct tp_sink *s)
{
    return s->rk != NULL ? s->stats.written - s->reported : 0;
}

bool tp_sink_broken_pipe(const struct tp_sink *s)
{
    return s->broken_pipe;
}

void tp_sink_get_stats(const struct tp_sink *s, struct tp_sink_stats *out)
{
    *out = s->stats;
}

void tp_sink_free(struct tp_sink *s)
{
    if (s == NULL)
        return;
    if (s->rk != NULL) {
        rd_kafka_poll(s->rk, 0);
        uint64_t dropped = s->stats.written - s->reported;
        if (dropped > 0) {
            /* The caller's flush has already waited as long as it wanted;
             * its message said what this means for the records. */
            tg_log_info(s->log, "kafka: dropping %" PRIu64 " undelivered records",
                        dropped);
            rd_kafka_purge(s->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
            rd_kafka_poll(s->rk, 0);
        }
    }
    if (s->rkt != NULL)
        rd_kafka_topic_destroy(s->rkt);
    if (s->rk != NULL)
        rd_kafka_destroy(s->rk);
    if (s->rk == NULL && s->out_len > 0) {
        char ignored[128];
        stdout_drain(s, ignored, sizeof ignored);
    }
    free(s->out_buffer);
    free(s);
}
