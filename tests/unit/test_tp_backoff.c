/* Unit tests for tp_backoff: bounds of every delay, growth, cap, reset,
 * determinism for a seed. */
#include "tg_test.h"
#include "tp_backoff.h"

static void test_delays_within_bounds(void)
{
    struct tp_backoff b;
    tp_backoff_init(&b, 500, 30000, 1);
    /* Attempt n waits in [d/2, d], d = min(30000, 500 * 2^n). */
    static const int64_t ceiling[] = {500,   1000,  2000,  4000,  8000,
                                      16000, 30000, 30000, 30000, 30000};
    for (int round = 0; round < 50; round++) {
        tp_backoff_reset(&b);
        for (size_t i = 0; i < sizeof ceiling / sizeof ceiling[0]; i++) {
            int64_t d = tp_backoff_next(&b);
            CHECK(d >= ceiling[i] / 2);
            CHECK(d <= ceiling[i]);
        }
    }
    /* Many more attempts never overflow past the cap. */
    for (int i = 0; i < 1000; i++) {
        int64_t d = tp_backoff_next(&b);
        CHECK(d >= 15000 && d <= 30000);
    }
}

static void test_same_seed_same_sequence(void)
{
    struct tp_backoff a, b, c;
    tp_backoff_init(&a, 100, 10000, 42);
    tp_backoff_init(&b, 100, 10000, 42);
    tp_backoff_init(&c, 100, 10000, 43);
    int same_as_other_seed = 0;
    for (int i = 0; i < 20; i++) {
        int64_t x = tp_backoff_next(&a), y = tp_backoff_next(&b), z = tp_backoff_next(&c);
        CHECK_INT(x, y);
        same_as_other_seed += x == z;
    }
    /* Jitter: another seed does not give the same 20 delays. */
    CHECK(same_as_other_seed < 20);
}

static void test_reset_starts_short_again(void)
{
    struct tp_backoff b;
    tp_backoff_init(&b, 500, 30000, 7);
    for (int i = 0; i < 10; i++)
        tp_backoff_next(&b);
    tp_backoff_reset(&b);
    int64_t d = tp_backoff_next(&b);
    CHECK(d >= 250 && d <= 500);
}

int main(void)
{
    RUN(test_delays_within_bounds);
    RUN(test_same_seed_same_sequence);
    RUN(test_reset_starts_short_again);
    return tg_test_finish();
}
