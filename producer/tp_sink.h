/* tp_sink.h - where tgproducer's records go: a Kafka topic (idempotent
 * producer, acks=all, key = the record's counting key, tg_record.h) or stdout
 * (one JSON line per record).
 *
 * Both sinks have the same contract, so the Telegram loop and the fake
 * generator never ask which one they have:
 *   write ... write, flush -> 0: everything written so far is delivered
 *                             1: timeout, some still queued
 *                            -1: a delivery failed since the last flush
 * A sink is used by one thread.
 */
#ifndef TP_SINK_H
#define TP_SINK_H

/* client.id is "tgproducer@<hostname>" unless -X/-F set it. */
#define TP_CLIENT_ID_PROGRAM "tgproducer"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct tp_options;
struct tg_log;
struct tp_sink;

/* Counters since the sink was created. */
struct tp_sink_stats {
    uint64_t written;          /* records accepted by tp_sink_write */
    uint64_t delivered;        /* records with a successful delivery report */
    uint64_t failed;           /* records with a failed delivery report */
    uint64_t queue_full_waits; /* times a write waited for queue space */
    uint64_t too_large;        /* records refused as larger than Kafka accepts: by
                                  the producer (tp_sink_write returned 1, not
                                  written) or by the broker (a failed delivery
                                  report, also counted in failed) */
};

/* A Kafka sink for opts->topic.  Configuration, in order of precedence
 * (last wins): tp_kafka_defaults (enable.idempotence=true, acks=all), then
 * -X / -F in command-line order (opts->kafka_conf, which tp_options_parse
 * built), then the brokers (-b, else $KAFKA_BOOTSTRAP_SERVERS, else
 * localhost:9092) and client.id "tgproducer@<hostname>" unless -X/-F set
 * them.  opts->kafka_conf, when set, is
 * handed over to librdkafka and may afterwards only be freed (by
 * tp_options_clear): one Kafka sink per parsed command line.  opts and log
 * are borrowed and must outlive the sink (log receives librdkafka's own
 * warnings).  Returns a new sink for tp_sink_free, or NULL with a message in
 * err (a configuration error: exit TG_EXIT_CONFIG). */
struct tp_sink *tp_sink_new_kafka(const struct tp_options *opts, const struct tg_log *log,
                                  char *err, size_t errlen);

/* A sink writing "value\n" lines to out's file descriptor (out is borrowed,
 * flushed first, then not used through stdio, and not closed), through a
 * 1 MiB buffer of its own.  Returns NULL only when out of memory. */
struct tp_sink *tp_sink_new_stdout(FILE *out);

/* Queues one record.  key (may be NULL, then no key) and value are copied;
 * value is one JSON record without its newline.  timestamp_ms becomes the
 * Kafka message timestamp (CreateTime): callers pass the record's
 * event_time, so that Kafka's time-based tools (offsets by time, retention,
 * stream processors' event time) see the message's own time; 0 or less
 * leaves librdkafka's default, the produce time (the stdout sink ignores
 * it).  For Kafka, when the
 * producer queue is full this serves delivery reports for 100 ms and
 * retries, until there is room or the stop flag (tg_signal.h) is set.
 * Returns 0; 1 when the producer refuses the record as larger than
 * message.max.bytes (nothing queued, err names its size; the caller decides
 * whether to skip it); or -1 with a message in err (stopped while waiting,
 * a fatal producer error, or a stdout write error; EPIPE reads "stdout:
 * Broken pipe" and tp_sink_broken_pipe() becomes true). */
int tp_sink_write(struct tp_sink *s, const char *key, size_t key_len, const char *value,
                  size_t value_len, int64_t timestamp_ms, char *err, size_t errlen);

/* Waits until every record written so far has a delivery report, serving
 * reports, for at most timeout_ms (0 = just look).  Returns 0 when all are
 * delivered and none failed since the previous flush, 1 on timeout (some
 * still queued), -1 when any delivery failed since the previous flush (the
 * caller retries its batch; err says why).  The failure mark is reset by
 * each call that returns -1.  For stdout: writes out the buffered lines
 * (0, or -1 on a write error; EPIPE as in tp_sink_write). */
int tp_sink_flush(struct tp_sink *s, int64_t timeout_ms, char *err, size_t errlen);

/* Serves pending delivery reports without blocking (no-op for stdout). */
void tp_sink_poll(struct tp_sink *s);

/* Records written but without a delivery report yet (0 for stdout). */
uint64_t tp_sink_in_flight(const struct tp_sink *s);

/* True once a write or flush to stdout failed with EPIPE (the reader went
 * away, as with `tgproducer --stdout | head`): the caller stops quietly. */
bool tp_sink_broken_pipe(const struct tp_sink *s);

/* Copies the counters into *out. */
void tp_sink_get_stats(const struct tp_sink *s, struct tp_sink_stats *out);

/* Releases everything.  Kafka records still undelivered are dropped (and
 * logged at -v): callers flush first, with their own bound, and decide what
 * the remainder means.  Buffered stdout lines are written.  NULL-safe. */
void tp_sink_free(struct tp_sink *s);

#endif
