/* tg_test.h - a minimal unit-test harness.
 *
 *   static void test_something(void) { CHECK(x == 1); CHECK_STR(a, "b"); }
 *   int main(void) { RUN(test_something); return tg_test_finish(); }
 *
 * Each RUN prints "ok NAME" or "FAIL NAME" (with every failed check's file,
 * line and expression), or "SKIP - NAME: reason" when the test called
 * SKIP(reason) because something it needs is missing; tg_test_finish prints
 * "N passed, N failed" (and ", N skipped" when some were) as the last line
 * and returns the exit status.  tests/run shows every skip, and fails it
 * under CI.  Header-only: each test program
 * is one translation unit, so the static counters are per program.
 */
#ifndef TG_TEST_H
#define TG_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int tg_test_passed;
static int tg_test_failed;
static int tg_test_current_failures;
static int tg_test_skipped;
static const char *tg_test_skip_reason;

/* Ends the current test as skipped, saying why (a string literal). */
#define SKIP(reason)                                                                     \
    do {                                                                                 \
        tg_test_skip_reason = (reason);                                                  \
        return;                                                                          \
    } while (0)

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);   \
            tg_test_current_failures++;                                                  \
        }                                                                                \
    } while (0)

#define CHECK_INT(actual, expected)                                                      \
    do {                                                                                 \
        long long tg_a_ = (long long)(actual), tg_e_ = (long long)(expected);            \
        if (tg_a_ != tg_e_) {                                                            \
            fprintf(stderr, "  %s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__,  \
                    #actual, tg_a_, tg_e_);                                              \
            tg_test_current_failures++;                                                  \
        }                                                                                \
    } while (0)

#define CHECK_STR(actual, expected)                                                      \
    do {                                                                                 \
        const char *tg_a_ = (actual), *tg_e_ = (expected);                               \
        if (tg_a_ == NULL || tg_e_ == NULL ? tg_a_ != tg_e_                              \
                                           : strcmp(tg_a_, tg_e_) != 0) {                \
            fprintf(stderr, "  %s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__,        \
                    __LINE__, #actual, tg_a_ ? tg_a_ : "(null)",                         \
                    tg_e_ ? tg_e_ : "(null)");                                           \
            tg_test_current_failures++;                                                  \
        }                                                                                \
    } while (0)

#define RUN(test_fn)                                                                     \
    do {                                                                                 \
        tg_test_current_failures = 0;                                                    \
        tg_test_skip_reason = NULL;                                                      \
        test_fn();                                                                       \
        if (tg_test_current_failures == 0 && tg_test_skip_reason != NULL) {              \
            tg_test_skipped++;                                                           \
            printf("SKIP - %s: %s\n", #test_fn, tg_test_skip_reason);                    \
        } else if (tg_test_current_failures == 0) {                                      \
            tg_test_passed++;                                                            \
            printf("ok %s\n", #test_fn);                                                 \
        } else {                                                                         \
            tg_test_failed++;                                                            \
            printf("FAIL %s\n", #test_fn);                                               \
        }                                                                                \
        fflush(stdout);                                                                  \
    } while (0)

/* How many times needle occurs in haystack, overlapping ones included. */
static inline size_t tg_test_count(const char *haystack, const char *needle)
{
    size_t n = 0;
    for (const char *at = strstr(haystack, needle); at != NULL;
         at = strstr(at + 1, needle))
        n++;
    return n;
}

static inline int tg_test_finish(void)
{
    if (tg_test_skipped > 0)
        printf("%d passed, %d failed, %d skipped\n", tg_test_passed, tg_test_failed,
               tg_test_skipped);
    else
        printf("%d passed, %d failed\n", tg_test_passed, tg_test_failed);
    return tg_test_failed == 0 ? 0 : 1;
}

#endif
