/* tp_wait_budget.h - how long --once may sleep between Bot API retries.
 *
 * A cron run holds the state file's lock while it sleeps, so a long sleep
 * (a 429 asking for an hour) makes every later run exit 75 at the lock
 * without doing anything.  --once therefore never sleeps more than
 * TP_ONCE_MAX_WAIT_MS at a time, nor more than TP_ONCE_MAX_WAITING_MS in
 * all; a wait beyond either ends the run instead (exit 75: the next run
 * retries, and the offset stays unconfirmed).  The waits counted are those
 * before retrying a Bot API call (429 retry_after, backoff after a failure
 * or a bad body); 409 Conflict waits are bounded by --conflict-timeout and
 * delivery retries by --delivery-timeout, the user's own bounds.
 */
#ifndef TP_WAIT_BUDGET_H
#define TP_WAIT_BUDGET_H

#include <stdint.h>

#define TP_ONCE_MAX_WAIT_MS 60000
#define TP_ONCE_MAX_WAITING_MS 120000

struct tp_wait_budget {
    int64_t max_one_ms;   /* longest single wait */
    int64_t max_total_ms; /* longest sum of waits */
    int64_t spent_ms;     /* waits granted so far */
};

enum tp_wait_verdict {
    TP_WAIT_OK = 0,      /* granted and counted */
    TP_WAIT_TOO_LONG,    /* longer than max_one_ms: not granted */
    TP_WAIT_OVER_BUDGET, /* would take the sum past max_total_ms: not granted */
};

/* A budget with nothing spent. */
void tp_wait_budget_init(struct tp_wait_budget *b, int64_t max_one_ms,
                         int64_t max_total_ms);

/* Asks for a wait of wait_ms; counts it only when granted. */
enum tp_wait_verdict tp_wait_budget_take(struct tp_wait_budget *b, int64_t wait_ms);

#endif
