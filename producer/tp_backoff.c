/* tp_backoff.c - see tp_backoff.h. */
#include "tp_backoff.h"

void tp_backoff_init(struct tp_backoff *b, int64_t base_ms, int64_t cap_ms, uint64_t seed)
{
    b->base_ms = base_ms;
    b->cap_ms = cap_ms;
    b->attempt = 0;
    b->rng = seed;
}

/* splitmix64: tiny, fast and well mixed even for seeds 0, 1, 2... */
static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

int64_t tp_backoff_next(struct tp_backoff *b)
{
    int64_t d = b->base_ms;
    /* Doubling stops at the cap, so the shift never overflows. */
    for (int i = 0; i < b->attempt && d < b->cap_ms; i++)
        d *= 2;
    if (d > b->cap_ms)
        d = b->cap_ms;
    if (b->attempt < 64)
        b->attempt++;
    int64_t half = d / 2;
    return d - half + (int64_t)(next_random(&b->rng) % (uint64_t)(half + 1));
}

void tp_backoff_reset(struct tp_backoff *b)
{
    b->attempt = 0;
}
