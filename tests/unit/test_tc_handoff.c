/* Unit tests for tc_handoff: items arrive in order across many small
 * batches with a real second thread; close ends the taking once drained;
 * cancel wakes a reader waiting for an empty batch and makes the cancel
 * descriptor readable; batch texts grow and stay NUL-terminated. */
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tc_handoff.h"
#include "tg_test.h"

#define ITEMS 10000

static void *publish_numbers(void *arg)
{
    struct tc_handoff *h = arg;
    struct tc_batch *b = NULL;
    for (size_t i = 0; i < ITEMS; i++) {
        char text[32];
        int n = snprintf(text, sizeof text, "item %zu", i);
        struct tc_item *it = b != NULL ? tc_batch_add(b, TC_ITEM_RECORD, text, (size_t)n)
                                       : NULL;
        if (it == NULL) {
            if (b != NULL)
                tc_handoff_publish(h, b);
            b = tc_handoff_empty(h);
            if (b == NULL)
                return NULL;
            it = tc_batch_add(b, TC_ITEM_RECORD, text, (size_t)n);
        }
        it->lineno = i;
    }
    if (b != NULL)
        tc_handoff_publish(h, b);
    tc_handoff_close(h);
    return NULL;
}

static void test_order_across_batches(void)
{
    struct tc_handoff *h = tc_handoff_new(2, 7);
    CHECK(h != NULL);
    pthread_t t;
    CHECK_INT(pthread_create(&t, NULL, publish_numbers, h), 0);
    size_t next = 0, batches = 0;
    bool in_order = true;
    struct tc_batch *b;
    while ((b = tc_handoff_take(h)) != NULL) {
        batches++;
        for (size_t i = 0; i < b->count; i++) {
            char want[32];
            snprintf(want, sizeof want, "item %zu", next);
            if (b->items[i].lineno != next || strcmp(tc_item_text(b, &b->items[i]), want))
                in_order = false;
            next++;
        }
        tc_handoff_give_back(h, b);
    }
    pthread_join(t, NULL);
    CHECK(in_order);
    CHECK_INT((long)next, ITEMS);
    CHECK_INT((long)batches, (ITEMS + 6) / 7);
    tc_handoff_free(h);
}

static void test_close_after_drain(void)
{
    struct tc_handoff *h = tc_handoff_new(3, 4);
    struct tc_batch *b = tc_handoff_empty(h);
    CHECK(tc_batch_add(b, TC_ITEM_MALFORMED, "why", 3) != NULL);
    tc_handoff_publish(h, b);
    tc_handoff_close(h);
    struct tc_batch *got = tc_handoff_take(h);
    CHECK(got == b);
    CHECK_INT((long)got->count, 1);
    CHECK_STR(tc_item_text(got, &got->items[0]), "why");
    CHECK_INT(got->items[0].kind, TC_ITEM_MALFORMED);
    tc_handoff_give_back(h, got);
    CHECK(tc_handoff_take(h) == NULL);
    tc_handoff_free(h);
}

static bool readable(int fd)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    return poll(&pfd, 1, 0) == 1;
}

struct greedy {
    struct tc_handoff *h;
    int got; /* empty batches obtained before the one that failed */
};

/* Takes empty batches without ever publishing: the third waits until the
 * handoff is cancelled. */
static void *take_empties(void *arg)
{
    struct greedy *g = arg;
    while (tc_handoff_empty(g->h) != NULL)
        g->got++;
    return NULL;
}

static void test_cancel_wakes_the_reader(void)
{
    struct tc_handoff *h = tc_handoff_new(2, 4);
    int fd = tc_handoff_cancel_fd(h);
    CHECK(!readable(fd));
    struct greedy g = {.h = h};
    pthread_t t;
    CHECK_INT(pthread_create(&t, NULL, take_empties, &g), 0);
    tc_handoff_cancel(h);
    pthread_join(t, NULL); /* hangs here if cancel did not wake it */
    CHECK(g.got <= 2);
    CHECK(readable(fd));
    CHECK(tc_handoff_take(h) == NULL);
    tc_handoff_cancel(h); /* twice is harmless */
    tc_handoff_free(h);
}

static void test_batch_text_grows(void)
{
    struct tc_handoff *h = tc_handoff_new(2, 10);
    struct tc_batch *b = tc_handoff_empty(h);
    char big[1500];
    for (int i = 0; i < 10; i++) {
        memset(big, 'a' + i, sizeof big);
        struct tc_item *it = tc_batch_add(b, TC_ITEM_RECORD, big, sizeof big);
        CHECK(it != NULL && it->kind == TC_ITEM_RECORD);
    }
    CHECK(tc_batch_add(b, TC_ITEM_RECORD, "x", 1) == NULL); /* full */
    bool intact = true;
    for (int i = 0; i < 10; i++) {
        const char *t = tc_item_text(b, &b->items[i]);
        for (size_t k = 0; k < sizeof big; k++)
            intact &= t[k] == 'a' + i;
        intact &= t[sizeof big] == '\0' && b->items[i].text_len == sizeof big;
    }
    CHECK(intact);
    /* Taken again, a batch starts empty. */
    tc_handoff_publish(h, b);
    tc_handoff_give_back(h, tc_handoff_take(h));
    struct tc_batch *again = tc_handoff_empty(h);
    if (again != b)
        again = tc_handoff_empty(h);
    CHECK(again == b && b->count == 0 && b->text_len == 0);
    tc_handoff_free(h);
}

static void test_bad_sizes(void)
{
    CHECK(tc_handoff_new(1, 10) == NULL);
    CHECK(tc_handoff_new(4, 0) == NULL);
    tc_handoff_free(NULL);
}

int main(void)
{
    RUN(test_order_across_batches);
    RUN(test_close_after_drain);
    RUN(test_cancel_wakes_the_reader);
    RUN(test_batch_text_grows);
    RUN(test_bad_sizes);
    return tg_test_finish();
}
