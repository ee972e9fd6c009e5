/* tp_backoff.h - capped exponential backoff with jitter, for retrying the
 * Bot API.
 *
 * Attempt n (from 0) waits a random time in [d/2, d] where
 * d = min(cap, base * 2^n): the delay grows quickly while the server is
 * down, never exceeds the cap, and the random half keeps many producers
 * restarted together from retrying in lockstep.  The generator is a small
 * deterministic one, so a test seeds it and knows every delay.
 */
#ifndef TP_BACKOFF_H
#define TP_BACKOFF_H

#include <stdint.h>

#define TP_BACKOFF_BASE_MS 500
#define TP_BACKOFF_CAP_MS 30000

struct tp_backoff {
    int64_t base_ms;
    int64_t cap_ms;
    int attempt; /* failures since the last reset */
    uint64_t rng;
};

/* base_ms and cap_ms must be positive, base_ms <= cap_ms.  The same seed
 * gives the same sequence of delays. */
void tp_backoff_init(struct tp_backoff *b, int64_t base_ms, int64_t cap_ms,
                     uint64_t seed);

/* The delay before the next retry, and counts one more attempt. */
int64_t tp_backoff_next(struct tp_backoff *b);

/* Back to the first, shortest delay (after a success). */
void tp_backoff_reset(struct tp_backoff *b);

#endif
