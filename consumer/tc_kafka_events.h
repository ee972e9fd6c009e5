/* tc_kafka_events.h - librdkafka's callbacks for tgcount's Kafka input,
 * and what they record for the loop to act on.
 *
 * Nothing counts, prints, commits, checkpoints or assigns inside a
 * callback: each records what happened and returns, and the loop acts once
 * the librdkafka call that served it has returned.
 *   - A rebalance is recorded as its kind, a copy of its partitions,
 *     whether the assignment was lost and the protocol; the callback also
 *     yields, so that the poll returns right after it with nothing queued
 *     behind it served.  The loop then counts what was polled, commits the
 *     revoked partitions and calls assign/unassign (tc_kafka_assign.h).
 *   - Errors, commit failures and librdkafka's log lines become lines in
 *     a bounded buffer (tc_notes.h), printed by tc_kafka_events_flush.  A
 *     fatal error also raises a flag that the loop turns into exit 69.
 * Which lines are worth recording is decided as before: a log line only at
 * -vv (at the normal level when -X debug=... asked for them), an
 * unreachable broker as a warning only once connected, a commit failure
 * only when it differs from the last commit's.
 *
 * Threads: librdkafka calls the log callback from its own threads, and
 * the buffer takes lines from any thread; the other callbacks run on the
 * thread that polls, which is the only one to use the rest.
 */
#ifndef TC_KAFKA_EVENTS_H
#define TC_KAFKA_EVENTS_H

#include <librdkafka/rdkafka.h>

#include <stdbool.h>

struct tc_kafka;
struct tg_log;

/* A rebalance as the callback saw it. */
struct tc_kafka_rebalance {
    rd_kafka_resp_err_t kind; /* __ASSIGN_PARTITIONS, __REVOKE_PARTITIONS, or a failure */
    rd_kafka_topic_partition_list_t *partitions; /* owned copy; NULL when out of memory */
    bool lost;        /* the assignment was lost (nothing can be committed) */
    bool cooperative; /* incremental (un)assign, else the eager assign */
};

struct tc_kafka_events;

/* An empty record, or NULL when out of memory. */
struct tc_kafka_events *tc_kafka_events_new(void);

/* NULL-safe.  librdkafka must not call the callbacks any more. */
void tc_kafka_events_free(struct tc_kafka_events *ev);

/* Makes k the opaque of conf and sets the callbacks on it (the rebalance
 * one only when the group assigns the partitions, not with -p).  They
 * record into k->events, which must outlive the client. */
void tc_kafka_events_install(struct tc_kafka *k, rd_kafka_conf_t *conf);

/* For the results topic's producer (tc_kafka_txn.h): k as the opaque and
 * the log callback only (its errors reach the log, and its calls' results
 * are checked where they are made). */
void tc_kafka_events_install_log(struct tc_kafka *k, rd_kafka_conf_t *conf);

/* Prints the recorded lines in the order they came (tc_notes_flush). */
void tc_kafka_events_flush(struct tc_kafka_events *ev, const struct tg_log *log);

/* True once a fatal error was recorded. */
bool tc_kafka_events_fatal(const struct tc_kafka_events *ev);

/* The rebalance recorded and not taken yet: true and *out filled (the
 * caller owns out->partitions, for tc_kafka_rebalance_clear), or false. */
bool tc_kafka_events_take_rebalance(struct tc_kafka_events *ev,
                                    struct tc_kafka_rebalance *out);

/* True when a rebalance arrived while another was still waiting to be
 * taken, which the yield rules out: it was dropped. */
bool tc_kafka_events_overrun(const struct tc_kafka_events *ev);

/* Records how a commit ended, as the commit callback does: a failure is a
 * warning when it differs from the last commit's.  The callback calls it;
 * so does a synchronous commit with its result, since librdkafka queues
 * the callback and may drop it (a commit refused as from an unknown member
 * marks the assignment lost): recorded twice, a result is told once. */
void tc_kafka_events_commit_result(struct tc_kafka *k, rd_kafka_resp_err_t err);

/* Frees what a taken rebalance owns. */
void tc_kafka_rebalance_clear(struct tc_kafka_rebalance *r);

#endif
