/* tp_telegram.c - the getUpdates loop (see tp_telegram.h).
 *
 * One pass: getUpdates(offset) -> records -> sink -> flush -> only when
 * every record is delivered, save offset = max update_id + 1.  The next
 * getUpdates carries that offset, which is what confirms the updates to
 * Telegram; so a crash anywhere before the save re-fetches the batch
 * (duplicates, which tgcount removes) and never loses it.
 */
#include "tp_telegram.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "tg_exit.h"
#include "tg_log.h"
#include "tg_record.h"
#include "tg_signal.h"
#include "tg_time.h"
#include "tp_backoff.h"
#include "tp_bot.h"
#include "tp_metrics.h"
#include "tp_options.h"
#include "tp_sink.h"
#include "tp_state.h"
#include "tp_updates.h"
#include "tp_wait_budget.h"

#define GET_UPDATES_LIMIT 100
/* --once gives up on a Bot API that keeps failing after this many attempts
 * in a row (8 to 16 s of backoff, plus the calls' own time), so a cron run
 * ends well before the next one starts; the next run simply tries again. */
#define ONCE_MAX_ATTEMPTS 6
/* Waits are cut in slices this long to look at the stop flag and serve
 * delivery reports. */
#define WAIT_SLICE_MS 100
#define FLUSH_SLICE_MS 250
/* After a stop signal, what is in flight gets this long to be delivered
 * (and then confirmed) before the run ends without confirming it. */
#define STOP_FLUSH_MS 10000
/* Follow mode with --poll-timeout 0 asks at most this often when idle. */
#define IDLE_POLL_MS 1000

struct run_stats {
    uint64_t updates;
    uint64_t produced;
    uint64_t skipped;
    uint64_t malformed;
    uint64_t too_large; /* records Kafka refused as too large: skipped */
    uint64_t retries;
    uint64_t delivery_failures;
    uint64_t poll_errors; /* failed Bot API calls, bad getUpdates results too */
};

struct run {
    const struct tp_options *opts;
    struct tp_sink *sink;
    const struct tg_log *log;
    struct tp_bot *bot;
    struct tp_state *state;
    struct tp_backoff backoff;
    struct tp_wait_budget once_waits; /* --once: the bounds of retry waits */
    int64_t offset;                   /* next getUpdates offset: all below delivered */
    int failures;                     /* Bot API failures in a row */
    int64_t conflict_since;           /* monotonic ms of the first 409 in a row, or 0 */
    int64_t conflict_told;            /* when the 409 explanation was last logged */
    struct run_stats stats;
    struct tp_metrics *metrics; /* NULL without --metrics-file */
    int64_t next_stats_ms;      /* monotonic; 0: no periodic stats line */
};

/* Outcomes of the steps below, besides a tg_exit code. */
#define STEP_OK 0         /* go on */
#define STEP_STOPPED (-1) /* the stop flag, or stdout's reader went away */
#define STEP_DRAINED (-2) /* --once: an empty getUpdates, all confirmed */

/* ---- periodic duties ---------------------------------------------------- */

static void print_stats(const struct run *r)
{
    fprintf(r->log->stream,
            "%s: stats: %" PRIu64 " updates seen, %" PRIu64 " messages produced, %" PRIu64
            " skipped (%" PRIu64 " malformed, %" PRIu64 " too_large), %" PRIu64
            " delivery failures, %" PRIu64 " retries, next offset %" PRId64 "\n",
            r->log->program, r->stats.updates, r->stats.produced, r->stats.skipped,
            r->stats.malformed, r->stats.too_large, r->stats.delivery_failures,
            r->stats.retries, r->offset);
}

static void metrics_values(const struct run *r, struct tp_metrics_values *v)
{
    tp_metrics_values_from_sink(v, r->sink);
    v->telegram = true;
    v->updates = r->stats.updates;
    /* The run counts too-large records among its skips; the metrics keep
     * updates and records apart. */
    v->skipped = r->stats.skipped - r->stats.too_large;
    v->malformed = r->stats.malformed;
    v->poll_errors = r->stats.poll_errors;
    v->retries = r->stats.retries;
    v->next_offset = r->state != NULL ? r->offset : -1;
}

/* The periodic stats line (follow mode) and metrics file, when due.
 * Called from every wait, and from the Bot API client during a long poll. */
static void tick(void *ctx)
{
    struct run *r = ctx;
    int64_t now = tg_time_monotonic_ms();
    if (r->next_stats_ms != 0 && now >= r->next_stats_ms) {
        r->next_stats_ms = now + r->opts->stats_interval_ms;
        print_stats(r);
    }
    if (tp_metrics_due(r->metrics, now)) {
        struct tp_metrics_values v;
        metrics_values(r, &v);
        tp_metrics_publish(r->metrics, &v);
    }
}

/* ---- waiting ------------------------------------------------------------ */

/* Sleeps ms, serving delivery reports; returns false when stopped. */
static bool pause_ms(struct run *r, int64_t ms)
{
    int64_t end = tg_time_monotonic_ms() + ms;
    for (;;) {
        if (tg_signal_stop_requested())
            return false;
        tp_sink_poll(r->sink);
        tick(r);
        int64_t left = end - tg_time_monotonic_ms();
        if (left <= 0)
            return true;
        if (left > WAIT_SLICE_MS)
            left = WAIT_SLICE_MS;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)left * 1000000L};
        nanosleep(&ts, NULL); /* a signal cuts it short: the loop checks */
    }
}

/* ---- Bot API calls with the retry policy -------------------------------- */

/* Whether --once may wait wait_ms before retrying after problem (a message
 * naming the method); when it may not, says why and that the next run
 * retries.  Follow mode always may. */
static bool once_may_wait(struct run *r, const char *problem, int64_t wait_ms)
{
    if (!r->opts->once)
        return true;
    enum tp_wait_verdict v = tp_wait_budget_take(&r->once_waits, wait_ms);
    if (v == TP_WAIT_OK)
        return true;
    if (v == TP_WAIT_TOO_LONG)
        tg_log_error(r->log,
                     "%s; --once waits at most %d s at a time, not %.0f s: exiting "
                     "(updates from offset %" PRId64 " on stay unconfirmed; the next "
                     "run retries)",
                     problem, TP_ONCE_MAX_WAIT_MS / 1000, (double)wait_ms / 1000.0,
                     r->offset);
    else
        tg_log_error(r->log,
                     "%s; --once waits at most %d s in all before retrying, and has "
                     "waited %.1f s: exiting (updates from offset %" PRId64
                     " on stay unconfirmed; the next run retries)",
                     problem, TP_ONCE_MAX_WAITING_MS / 1000,
                     (double)r->once_waits.spent_ms / 1000.0, r->offset);
    return false;
}

static void explain_conflict(struct run *r, const struct tp_bot_reply *reply)
{
    int64_t now = tg_time_monotonic_ms();
    if (r->conflict_since == 0)
        r->conflict_since = now;
    /* Once per episode, then a reminder every --conflict-timeout. */
    if (r->conflict_told != 0 && now - r->conflict_told < r->opts->conflict_timeout_ms)
        return;
    r->conflict_told = now;
    const char *cause;
    if (strstr(reply->message, "webhook") != NULL)
        cause = "a webhook is set for this bot; run once with --delete-webhook to "
                "remove it (or delete it yourself) to poll with getUpdates";
    else if (strstr(reply->message, "other getUpdates") != NULL)
        cause = "another process is polling this bot with getUpdates (another "
                "tgproducer, or a bot program using the same token)";
    else
        cause = "another process is polling this bot with getUpdates, or a webhook "
                "is set (then use --delete-webhook)";
    tg_log_warn(r->log, "%s: %s; retrying%s", reply->message, cause,
                r->opts->once ? " until --conflict-timeout" : "");
}

/* Calls method until it succeeds, applying the retry policy.  Returns
 * STEP_OK with *reply filled (the caller clears it), STEP_STOPPED, or a
 * tg_exit code (logged). */
static int call(struct run *r, const char *method, json_t *params, int poll_s,
                struct tp_bot_reply *reply)
{
    for (;;) {
        if (tg_signal_stop_requested())
            return STEP_STOPPED;
        enum tp_bot_status st = tp_bot_call(r->bot, method, params, poll_s, reply);
        int64_t wait_ms = 0;
        if (st != TP_BOT_OK && st != TP_BOT_STOPPED)
            r->stats.poll_errors++;
        switch (st) {
        case TP_BOT_OK:
            r->failures = 0;
            r->conflict_since = 0;
            r->conflict_told = 0;
            tp_backoff_reset(&r->backoff);
            return STEP_OK;
        case TP_BOT_STOPPED:
            tp_bot_reply_clear(reply);
            return STEP_STOPPED;
        case TP_BOT_UNAUTHORIZED:
            tg_log_error(r->log, "%s: token rejected (check $%s or --token-file)",
                         reply->message, TP_TOKEN_ENV);
            tp_bot_reply_clear(reply);
            return TG_EXIT_NOPERM;
        case TP_BOT_NOT_FOUND:
            /* api.telegram.org answers 404 to a token it cannot parse. */
            tg_log_error(r->log,
                         "%s: token rejected, or --api-url is not a Bot API "
                         "server",
                         reply->message);
            tp_bot_reply_clear(reply);
            return TG_EXIT_NOPERM;
        case TP_BOT_FATAL:
            tg_log_error(r->log, "%s: the Bot API refused the request", reply->message);
            tp_bot_reply_clear(reply);
            return TG_EXIT_UNAVAILABLE;
        case TP_BOT_CONFLICT:
            explain_conflict(r, reply);
            if (r->opts->once) {
                int64_t left = r->conflict_since + r->opts->conflict_timeout_ms -
                               tg_time_monotonic_ms();
                if (left <= 0) {
                    tg_log_error(r->log,
                                 "%s: still in conflict after "
                                 "--conflict-timeout; giving up",
                                 method);
                    tp_bot_reply_clear(reply);
                    return TG_EXIT_TEMPFAIL;
                }
                wait_ms = tp_backoff_next(&r->backoff);
                if (wait_ms > left)
                    wait_ms = left;
            } else {
                wait_ms = tp_backoff_next(&r->backoff);
            }
            break;
        case TP_BOT_RATE_LIMITED:
        case TP_BOT_RETRY:
            r->failures++;
            if (r->opts->once && r->failures >= ONCE_MAX_ATTEMPTS) {
                tg_log_error(r->log, "%s; giving up after %d attempts", reply->message,
                             r->failures);
                tp_bot_reply_clear(reply);
                return TG_EXIT_UNAVAILABLE;
            }
            wait_ms = st == TP_BOT_RATE_LIMITED && reply->retry_after_ms > 0
                          ? reply->retry_after_ms
                          : tp_backoff_next(&r->backoff);
            if (!once_may_wait(r, reply->message, wait_ms)) {
                tp_bot_reply_clear(reply);
                return TG_EXIT_TEMPFAIL;
            }
            tg_log_warn(r->log, "%s; retrying in %.1f s", reply->message,
                        (double)wait_ms / 1000.0);
            break;
        }
        tp_bot_reply_clear(reply);
        r->stats.retries++;
        if (!pause_ms(r, wait_ms))
            return STEP_STOPPED;
    }
}

/* ---- start -------------------------------------------------------------- */

/* The bot id is the token's part before ':' (the Bot API's token format,
 * which tp_options_load_token checked), so the lock can be taken before
 * any network call. */
static int64_t bot_id_of(const char *token)
{
    return (int64_t)strtoll(token, NULL, 10);
}

static int open_state(struct run *r)
{
    char path[4096], err[1024];
    const char *p = r->opts->state_path;
    if (p == NULL) {
        if (tp_state_default_path(bot_id_of(r->opts->token), path, sizeof path, err,
                                  sizeof err) != 0) {
            tg_log_error(r->log, "%s", err);
            return TG_EXIT_CONFIG;
        }
        p = path;
    }
    r->state = tp_state_open(p, err, sizeof err);
    if (r->state == NULL) {
        if (errno == EWOULDBLOCK) {
            tg_log_error(r->log, "%s; exiting", err);
            return TG_EXIT_TEMPFAIL;
        }
        tg_log_error(r->log, "cannot use the state file: %s", err);
        return TG_EXIT_CONFIG;
    }
    if (tp_state_load(r->state, &r->offset, err, sizeof err) != 0) {
        tg_log_error(r->log, "%s", err);
        return TG_EXIT_CONFIG;
    }
    tg_log_info(r->log, "state %s: next offset %" PRId64, tp_state_path(r->state),
                r->offset);
    return STEP_OK;
}

static int get_me(struct run *r)
{
    struct tp_bot_reply reply;
    int rc = call(r, "getMe", NULL, 0, &reply);
    if (rc != STEP_OK)
        return rc;
    const char *username = NULL;
    json_int_t id = 0;
    int can_read_all = -1;
    json_unpack(reply.result, "{s?I s?s s?b}", "id", &id, "username", &username,
                "can_read_all_group_messages", &can_read_all);
    tg_log_info(r->log, "bot @%s (id %" PRId64 ")", username ? username : "?",
                (int64_t)id);
    if (can_read_all == 0)
        tg_log_warn(r->log,
                    "privacy mode is on for @%s: in groups it sees only "
                    "commands and replies to it, so counts will be near empty; "
                    "turn it off with @BotFather (/setprivacy, Disable) and "
                    "re-add the bot to its groups",
                    username ? username : "this bot");
    tp_bot_reply_clear(&reply);
    return STEP_OK;
}

static int delete_webhook(struct run *r)
{
    json_t *params = json_pack("{s:b}", "drop_pending_updates", 0);
    struct tp_bot_reply reply;
    int rc = call(r, "deleteWebhook", params, 0, &reply);
    json_decref(params);
    if (rc == STEP_OK) {
        tg_log_info(r->log, "deleteWebhook: done");
        tp_bot_reply_clear(&reply);
    }
    return rc;
}

/* ---- delivery ----------------------------------------------------------- */

/* One batch on its way: which records were refused as too large (they are
 * skipped from then on, and confirmed with the batch, or they would block
 * every later run), and the delivery deadline. */
struct delivery {
    const struct tp_update_batch *b;
    bool *too_large; /* per record */
    size_t skipped;  /* records marked too_large */
    int64_t started;
    int64_t deadline;
};

/* A delivery report failed (err says why): not a tg_exit code nor a STEP. */
#define AWAIT_FAILED (-10)

static uint64_t refused_so_far(const struct run *r)
{
    struct tp_sink_stats st;
    tp_sink_get_stats(r->sink, &st);
    return st.too_large;
}

static void skip_too_large(struct run *r, struct delivery *d, size_t i, const char *why)
{
    d->too_large[i] = true;
    d->skipped++;
    /* The update and the size, never the text. */
    tg_log_error(r->log, "update %" PRId64 ": %s; skipped (confirmed with its batch)",
                 d->b->update_ids[i], why);
}

/* Queues record i.  A record the producer refuses as too large is
 * skipped.  Returns STEP_OK, STEP_STOPPED, or a tg_exit code (logged);
 * *len is the record's size with its key. */
static int write_record(struct run *r, struct delivery *d, size_t i, size_t *len)
{
    char err[1024];
    const struct tg_record *rec = &d->b->records[i];
    char *line;
    if (tg_record_encode(rec, &line, len, err, sizeof err) != 0) {
        /* tp_updates only builds encodable records; this is a bug. */
        tg_log_error(r->log, "message %" PRId64 " in chat %" PRId64 ": %s",
                     rec->message_id, rec->channel_id, err);
        return TG_EXIT_SOFTWARE;
    }
    struct tg_record_key key;
    tg_record_counting_key(rec, &key);
    *len += key.len;
    int rc = tp_sink_write(r->sink, key.text, key.len, line, *len - key.len,
                           rec->event_time_ms, err, sizeof err);
    free(line);
    if (rc == 1) {
        skip_too_large(r, d, i, err);
        return STEP_OK;
    }
    if (rc != 0) {
        if (tg_signal_stop_requested() || tp_sink_broken_pipe(r->sink))
            return STEP_STOPPED;
        tg_log_error(r->log, "%s", err);
        return r->opts->to_stdout ? TG_EXIT_TEMPFAIL : TG_EXIT_UNAVAILABLE;
    }
    return STEP_OK;
}

/* After a stop signal: one bounded flush.  True when all was delivered. */
static bool final_flush(struct run *r)
{
    char err[1024];
    int64_t bound = r->opts->delivery_timeout_ms < STOP_FLUSH_MS
                        ? r->opts->delivery_timeout_ms
                        : STOP_FLUSH_MS;
    int rc = tp_sink_flush(r->sink, bound, err, sizeof err);
    if (rc != 0)
        tg_log_warn(r->log,
                    "stopping with %" PRIu64 " records undelivered; their "
                    "updates stay unconfirmed and will be fetched again",
                    tp_sink_in_flight(r->sink));
    return rc == 0;
}

/* Waits for the reports of everything written.  Returns STEP_OK when all
 * were delivered (also after a stop signal, within the final flush's
 * bound), AWAIT_FAILED with err when one failed, STEP_STOPPED, or a
 * tg_exit code (logged). */
static int await_reports(struct run *r, struct delivery *d, char *err, size_t errlen)
{
    for (;;) {
        int fl = tp_sink_flush(r->sink, FLUSH_SLICE_MS, err, errlen);
        tick(r);
        if (fl == 0)
            return STEP_OK;
        if (fl < 0)
            return AWAIT_FAILED;
        if (tg_signal_stop_requested())
            return final_flush(r) ? STEP_OK : STEP_STOPPED;
        if (tg_time_monotonic_ms() < d->deadline)
            continue;
        if (r->opts->once) {
            tg_log_error(r->log,
                         "%" PRIu64 " records not delivered within "
                         "--delivery-timeout; updates from offset %" PRId64
                         " on stay unconfirmed and the next run fetches "
                         "them again",
                         tp_sink_in_flight(r->sink), r->offset);
            return TG_EXIT_TEMPFAIL;
        }
        tg_log_warn(r->log,
                    "%" PRIu64 " records still undelivered after %.0f s "
                    "(brokers unreachable?); still waiting",
                    tp_sink_in_flight(r->sink),
                    (double)(tg_time_monotonic_ms() - d->started) / 1000.0);
        d->deadline = tg_time_monotonic_ms() + r->opts->delivery_timeout_ms;
    }
}

/* Writes every record not skipped, then awaits their reports.  Stopped
 * while writing, part of the batch was never queued, so nothing of it may
 * be confirmed: STEP_STOPPED. */
static int send_together(struct run *r, struct delivery *d, char *err, size_t errlen)
{
    for (size_t i = 0; i < d->b->count; i++) {
        size_t len;
        int rc = d->too_large[i] ? STEP_OK : write_record(r, d, i, &len);
        if (rc != STEP_OK)
            return rc;
    }
    return await_reports(r, d, err, errlen);
}

/* Sends the records one at a time, each awaited alone: a broker refuses a
 * whole produce request as too large, so only a record refused alone is
 * known to be the one, and is skipped. */
static int send_one_by_one(struct run *r, struct delivery *d, char *err, size_t errlen)
{
    for (size_t i = 0; i < d->b->count; i++) {
        if (d->too_large[i])
            continue;
        size_t len;
        int rc = write_record(r, d, i, &len);
        if (rc != STEP_OK)
            return rc;
        if (d->too_large[i])
            continue;
        uint64_t refused = refused_so_far(r);
        rc = await_reports(r, d, err, errlen);
        if (rc == AWAIT_FAILED && refused_so_far(r) > refused) {
            char why[1200];
            snprintf(why, sizeof why, "a record of %zu bytes refused by the broker (%s)",
                     len, err);
            skip_too_large(r, d, i, why);
            continue;
        }
        if (rc != STEP_OK)
            return rc;
        if (tg_signal_stop_requested() && i + 1 < d->b->count)
            return STEP_STOPPED;
    }
    return STEP_OK;
}

/* Writes and flushes the batch until every record is delivered or skipped
 * as too large, rewriting the whole batch after a failed delivery
 * (duplicates, never loss).  Returns STEP_OK when delivered, with the
 * number of records skipped as too large in *too_large; STEP_STOPPED when
 * stopped before that; or a tg_exit code (logged). */
static int deliver(struct run *r, const struct tp_update_batch *b, size_t *too_large)
{
    char err[1024];
    struct delivery d = {.b = b, .too_large = calloc(b->count + 1, sizeof(bool))};
    if (d.too_large == NULL) {
        tg_log_error(r->log, "out of memory");
        return TG_EXIT_SOFTWARE;
    }
    d.started = tg_time_monotonic_ms();
    d.deadline = d.started + r->opts->delivery_timeout_ms;
    bool one_by_one = false;
    int rc;
    for (;;) {
        uint64_t refused = refused_so_far(r);
        rc = one_by_one ? send_one_by_one(r, &d, err, sizeof err)
                        : send_together(r, &d, err, sizeof err);
        if (rc != AWAIT_FAILED)
            break;
        if (tp_sink_broken_pipe(r->sink)) {
            rc = STEP_STOPPED;
            break;
        }
        if (r->opts->to_stdout) {
            /* Writing stdout failed (disk full): nothing to retry into;
             * the batch stays unconfirmed.  Exit 75, as tgcount. */
            tg_log_error(r->log, "%s", err);
            rc = TG_EXIT_TEMPFAIL;
            break;
        }
        r->stats.delivery_failures++;
        r->stats.retries++;
        if (!one_by_one && refused_so_far(r) > refused) {
            one_by_one = true;
            tg_log_warn(r->log,
                        "%s; the broker refused a record as too large: sending the "
                        "batch again one record at a time to find it (duplicates "
                        "possible)",
                        err);
            continue;
        }
        int64_t wait_ms = tp_backoff_next(&r->backoff);
        tg_log_warn(r->log,
                    "%s; sending the batch again in %.1f s (duplicates "
                    "possible)",
                    err, (double)wait_ms / 1000.0);
        if (r->opts->once && tg_time_monotonic_ms() + wait_ms >= d.deadline) {
            tg_log_error(r->log,
                         "delivery kept failing for --delivery-timeout; "
                         "updates from offset %" PRId64 " on stay unconfirmed "
                         "and the next run fetches them again",
                         r->offset);
            rc = TG_EXIT_TEMPFAIL;
            break;
        }
        if (!pause_ms(r, wait_ms)) {
            rc = STEP_STOPPED;
            break;
        }
    }
    *too_large = d.skipped;
    free(d.too_large);
    return rc;
}

/* ---- the loop ----------------------------------------------------------- */

static json_t *get_updates_params(const struct run *r)
{
    json_t *allowed = json_pack("[ss]", "message", "channel_post");
    if (allowed != NULL && r->opts->include_edits) {
        json_array_append_new(allowed, json_string("edited_message"));
        json_array_append_new(allowed, json_string("edited_channel_post"));
    }
    return json_pack("{s:I, s:i, s:i, s:o*}", "offset", (json_int_t)r->offset, "timeout",
                     r->opts->once ? 0 : r->opts->poll_timeout_s, "limit",
                     GET_UPDATES_LIMIT, "allowed_updates", allowed);
}

/* Confirms a delivered batch: saves the next offset.  Returns STEP_OK or
 * a tg_exit code (logged). */
static int confirm(struct run *r, int64_t next_offset)
{
    char err[1024];
    if (tp_state_save(r->state, next_offset, err, sizeof err) != 0) {
        tg_log_error(r->log,
                     "cannot save the offset: %s; stopping (the delivered "
                     "updates will be fetched again: duplicates possible)",
                     err);
        return TG_EXIT_TEMPFAIL;
    }
    r->offset = next_offset;
    return STEP_OK;
}

/* One getUpdates and its batch.  Returns STEP_OK to go on, STEP_STOPPED,
 * STEP_DRAINED, or a tg_exit code (logged). */
static int one_pass(struct run *r)
{
    json_t *params = get_updates_params(r);
    if (params == NULL) {
        tg_log_error(r->log, "out of memory");
        return TG_EXIT_SOFTWARE;
    }
    struct tp_bot_reply reply;
    int poll_s = r->opts->once ? 0 : r->opts->poll_timeout_s;
    int rc = call(r, "getUpdates", params, poll_s, &reply);
    json_decref(params);
    if (rc != STEP_OK)
        return rc;

    char err[256];
    struct tp_update_batch b;
    tp_update_batch_init(&b);
    if (tp_updates_parse(reply.result, r->opts, &b, err, sizeof err) != 0) {
        tp_bot_reply_clear(&reply);
        tp_update_batch_clear(&b);
        r->failures++;
        r->stats.poll_errors++;
        r->stats.retries++;
        int64_t wait_ms = tp_backoff_next(&r->backoff);
        if (r->opts->once && r->failures < ONCE_MAX_ATTEMPTS &&
            !once_may_wait(r, err, wait_ms))
            return TG_EXIT_TEMPFAIL;
        tg_log_warn(r->log, "%s; retrying in %.1f s", err, (double)wait_ms / 1000.0);
        if (r->opts->once && r->failures >= ONCE_MAX_ATTEMPTS)
            return TG_EXIT_UNAVAILABLE;
        return pause_ms(r, wait_ms) ? STEP_OK : STEP_STOPPED;
    }
    tp_bot_reply_clear(&reply);

    r->stats.updates += b.updates;
    if (!b.has_updates) {
        tp_update_batch_clear(&b);
        if (r->opts->once)
            return STEP_DRAINED;
        /* Without a long poll, an idle bot would ask as fast as the server
         * answers, and Telegram would soon answer 429. */
        if (r->opts->poll_timeout_s == 0 && !pause_ms(r, IDLE_POLL_MS))
            return STEP_STOPPED;
        return STEP_OK;
    }
    if (b.malformed > 0)
        tg_log_warn(r->log, "skipped %" PRIu64 " malformed update%s (first: %s)",
                    b.malformed, b.malformed == 1 ? "" : "s", b.first_problem);
    tg_log_debug(r->log,
                 "getUpdates: %" PRIu64 " updates, %zu records, next offset "
                 "%" PRId64,
                 b.updates, b.count, b.next_offset);
    size_t too_large = 0;
    rc = deliver(r, &b, &too_large);
    if (rc == STEP_OK) {
        r->stats.produced += b.count - too_large;
        r->stats.skipped += b.skipped + too_large;
        r->stats.malformed += b.malformed;
        r->stats.too_large += too_large;
        rc = confirm(r, b.next_offset);
    }
    tp_update_batch_clear(&b);
    return rc;
}

static uint64_t backoff_seed(void)
{
    return (uint64_t)tg_time_now_ms() ^ ((uint64_t)getpid() << 32);
}

int tp_telegram_run(const struct tp_options *opts, struct tp_sink *sink,
                    struct tp_metrics *metrics, const struct tg_log *log)
{
    struct run r = {.opts = opts, .sink = sink, .log = log, .metrics = metrics};
    if (opts->stats && !opts->once)
        r.next_stats_ms = tg_time_monotonic_ms() + opts->stats_interval_ms;
    tp_backoff_init(&r.backoff, TP_BACKOFF_BASE_MS, TP_BACKOFF_CAP_MS, backoff_seed());
    tp_wait_budget_init(&r.once_waits, TP_ONCE_MAX_WAIT_MS, TP_ONCE_MAX_WAITING_MS);
    if (opts->token == NULL) {
        tg_log_error(log, "no bot token: set $%s or use --token-file", TP_TOKEN_ENV);
        return TG_EXIT_CONFIG;
    }
    /* A core dump would hold the token (and the URL built from it). */
    struct rlimit no_core = {0, 0};
    if (setrlimit(RLIMIT_CORE, &no_core) != 0)
        tg_log_warn(log, "cannot disable core dumps: %s", strerror(errno));

    int rc = open_state(&r);
    if (rc == STEP_OK) {
        char err[512];
        r.bot = tp_bot_new(opts->api_url, opts->token, err, sizeof err);
        if (r.bot == NULL) {
            tg_log_error(log, "%s", err);
            rc = TG_EXIT_SOFTWARE;
        } else {
            tp_bot_set_tick(r.bot, tick, &r);
        }
    }
    if (rc == STEP_OK)
        rc = get_me(&r);
    if (rc == STEP_OK && opts->delete_webhook)
        rc = delete_webhook(&r);
    while (rc == STEP_OK && !tg_signal_stop_requested()) {
        rc = one_pass(&r);
        tick(&r);
    }
    if (rc == STEP_STOPPED || rc == STEP_DRAINED)
        rc = TG_EXIT_OK;

    if (opts->stats && r.state != NULL)
        print_stats(&r);
    if (metrics != NULL) {
        struct tp_metrics_values v;
        metrics_values(&r, &v);
        tp_metrics_publish(metrics, &v);
    }
    tp_bot_free(r.bot);
    tp_state_free(r.state);
    return rc;
}
