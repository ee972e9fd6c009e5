/* Unit tests for tc_worker: batches come back parsed in the order they
 * were submitted, each record's outcome in its slot (a record, a malformed
 * one with the parser's reason, a record over max_record, a
 * pass-through), with tags intact; the caller never gets more batches than
 * exist; take with nothing in flight returns at once. */
#include <stdio.h>
#include <string.h>

#include "tc_worker.h"
#include "tg_test.h"

#define RECORDS 5000

static void test_order_and_outcomes(void)
{
    struct tc_worker *w = tc_worker_new(3, 16, 200, NULL);
    CHECK(w != NULL);
    static char lines[RECORDS][128];
    size_t next_submit = 0, next_take = 0;
    bool all_right = true;
    while (next_take < RECORDS) {
        struct tc_work *b;
        while (next_submit < RECORDS && (b = tc_worker_next(w)) != NULL) {
            size_t n = 0;
            while (n < b->capacity && next_submit < RECORDS) {
                size_t i = next_submit++;
                int len = snprintf(lines[i], sizeof lines[i],
                                   "{\"event_time\":\"2024-01-01T00:00:%02zuZ\","
                                   "\"username\":\"u%zu\"}",
                                   i % 60, i);
                b->data[n] = i % 11 == 5 ? NULL : lines[i];
                b->len[n] = i % 13 == 7 ? 3 : (size_t)len; /* cut: malformed */
                b->tags[n] = &lines[i];
                n++;
            }
            b->count = n;
            tc_worker_submit(w);
        }
        CHECK(tc_worker_in_flight(w) <= 3);
        b = tc_worker_take(w, -1);
        if (b == NULL) {
            CHECK(b != NULL);
            break;
        }
        for (size_t k = 0; k < b->count; k++, next_take++) {
            const struct tc_item *it = &b->parsed.items[k];
            char want[32];
            snprintf(want, sizeof want, "u%zu", next_take);
            if (b->tags[k] != &lines[next_take])
                all_right = false;
            else if (next_take % 11 == 5)
                all_right &= it->kind == TC_ITEM_PASS;
            else if (next_take % 13 == 7)
                all_right &= it->kind == TC_ITEM_MALFORMED;
            else
                all_right &= it->kind == TC_ITEM_RECORD &&
                             strcmp(tc_item_text(&b->parsed, it), want) == 0 &&
                             it->event_time_ms == 1704067200000 +
                                                      (int64_t)(next_take % 60) * 1000;
        }
        tc_worker_release(w);
    }
    CHECK(all_right);
    CHECK_INT((long)next_take, RECORDS);
    CHECK_INT((long)tc_worker_in_flight(w), 0);
    CHECK(tc_worker_take(w, -1) == NULL); /* nothing in flight: at once */
    tc_worker_free(w);
}

static void test_reasons(void)
{
    struct tc_worker *w = tc_worker_new(2, 4, 30, NULL);
    struct tc_work *b = tc_worker_next(w);
    static const char big[] = "{\"event_time\":\"2024-01-01T00:00:00Z\",\"x\":1}";
    b->data[0] = "not json";
    b->len[0] = 8;
    b->data[1] = big;
    b->len[1] = sizeof big - 1;
    b->count = 2;
    tc_worker_submit(w);
    b = tc_worker_take(w, -1);
    CHECK(b != NULL && b->count == 2);
    CHECK_INT(b->parsed.items[0].kind, TC_ITEM_MALFORMED);
    CHECK(strstr(tc_item_text(&b->parsed, &b->parsed.items[0]), "JSON") != NULL);
    CHECK_INT(b->parsed.items[1].kind, TC_ITEM_MALFORMED);
    char want[80];
    snprintf(want, sizeof want, "record of %zu bytes is larger than --max-record (30)",
             sizeof big - 1);
    CHECK_STR(tc_item_text(&b->parsed, &b->parsed.items[1]), want);
    tc_worker_release(w);
    tc_worker_free(w);
}

static void test_free_with_batches_in_flight(void)
{
    struct tc_worker *w = tc_worker_new(2, 4, 100, NULL);
    for (int i = 0; i < 2; i++) {
        struct tc_work *b = tc_worker_next(w);
        CHECK(b != NULL);
        b->data[0] = "{}";
        b->len[0] = 2;
        b->count = 1;
        tc_worker_submit(w);
    }
    CHECK(tc_worker_next(w) == NULL); /* both in flight */
    tc_worker_free(w);                /* joins the thread; valgrind: no leak */
    CHECK(tc_worker_new(1, 4, 100, NULL) == NULL);
    tc_worker_free(NULL);
}

static int released[4];

static void count_release(void *tag)
{
    released[(int *)tag - released]++;
}

/* With a release function the worker gives back the tag of every record
 * it parsed, and keeps those of pass-throughs for the caller. */
static void test_release(void)
{
    struct tc_worker *w = tc_worker_new(2, 4, 100, count_release);
    struct tc_work *b = tc_worker_next(w);
    const char *data[4] = {"{\"event_time\":\"2024-01-01T00:00:00Z\"}", "junk", NULL, "{}"};
    for (size_t i = 0; i < 4; i++) {
        b->data[i] = data[i];
        b->len[i] = data[i] != NULL ? strlen(data[i]) : 0;
        b->tags[i] = &released[i];
    }
    b->count = 4;
    tc_worker_submit(w);
    b = tc_worker_take(w, -1);
    CHECK(b != NULL);
    CHECK(released[0] == 1 && released[1] == 1 && released[2] == 0 && released[3] == 1);
    CHECK(b->tags[0] == NULL && b->tags[1] == NULL && b->tags[3] == NULL);
    CHECK(b->tags[2] == &released[2]);
    CHECK_INT(b->parsed.items[2].kind, TC_ITEM_PASS);
    tc_worker_release(w);
    tc_worker_free(w);
}

int main(void)
{
    RUN(test_order_and_outcomes);
    RUN(test_reasons);
    RUN(test_free_with_batches_in_flight);
    RUN(test_release);
    return tg_test_finish();
}
