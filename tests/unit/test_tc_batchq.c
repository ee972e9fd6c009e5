/* Unit tests for tc_batchq and tc_batch, in both shapes.
 *
 * Without a stage (files): items arrive in order across many small
 * batches with a real second thread; close ends the taking once drained;
 * cancel wakes a filler waiting for an empty batch and makes the cancel
 * descriptor readable; batch texts grow and stay NUL-terminated, and a
 * batch used again starts empty.
 *
 * With a parsing stage (Kafka): batches come back parsed in the order they
 * were published, each raw item's outcome in its slot (a record, a
 * malformed one with the parser's reason, a record over max_record, a
 * pass-through), with where intact; the filler never gets more batches
 * than exist; take with nothing in flight returns at once; the stage frees
 * the handle of every record it parsed and keeps a pass-through's; the
 * stage's thread blocks the stop signals. */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tc_batchq.h"
#include "tg_record.h"
#include "tg_signal.h"
#include "tg_test.h"
#include "tg_time.h"

/* ---- without a stage ---------------------------------------------------- */

#define ITEMS 10000

static void *publish_numbers(void *arg)
{
    struct tc_batchq *q = arg;
    struct tc_batch *b = NULL;
    for (size_t i = 0; i < ITEMS; i++) {
        char text[32];
        int n = snprintf(text, sizeof text, "item %zu", i);
        struct tc_item *it =
            b != NULL ? tc_batch_add(b, TC_ITEM_RECORD, text, (size_t)n) : NULL;
        if (it == NULL) {
            if (b != NULL)
                tc_batchq_publish(q, b);
            b = tc_batchq_empty(q, true);
            if (b == NULL)
                return NULL;
            it = tc_batch_add(b, TC_ITEM_RECORD, text, (size_t)n);
        }
        it->where.pos = (int64_t)i;
    }
    if (b != NULL)
        tc_batchq_publish(q, b);
    tc_batchq_close(q);
    return NULL;
}

static void test_order_across_batches(void)
{
    struct tc_batchq *q = tc_batchq_new(2, 7, NULL);
    CHECK(q != NULL);
    pthread_t t;
    CHECK_INT(pthread_create(&t, NULL, publish_numbers, q), 0);
    size_t next = 0, batches = 0;
    bool in_order = true;
    struct tc_batch *b;
    while ((b = tc_batchq_take(q, -1)) != NULL) {
        batches++;
        for (size_t i = 0; i < b->count; i++) {
            char want[32];
            snprintf(want, sizeof want, "item %zu", next);
            if (b->items[i].where.pos != (int64_t)next ||
                strcmp(tc_item_text(b, &b->items[i]), want) != 0)
                in_order = false;
            next++;
        }
        tc_batchq_give_back(q, b);
    }
    pthread_join(t, NULL);
    CHECK(in_order);
    CHECK_INT((long)next, ITEMS);
    CHECK_INT((long)batches, (ITEMS + 6) / 7);
    tc_batchq_free(q);
}

static void test_close_after_drain(void)
{
    struct tc_batchq *q = tc_batchq_new(3, 4, NULL);
    struct tc_batch *b = tc_batchq_empty(q, true);
    CHECK(tc_batch_add(b, TC_ITEM_MALFORMED, "why", 3) != NULL);
    tc_batchq_publish(q, b);
    tc_batchq_close(q);
    struct tc_batch *got = tc_batchq_take(q, -1);
    CHECK(got == b);
    CHECK_INT((long)got->count, 1);
    CHECK_STR(tc_item_text(got, &got->items[0]), "why");
    CHECK_INT(got->items[0].kind, TC_ITEM_MALFORMED);
    tc_batchq_give_back(q, got);
    CHECK(tc_batchq_take(q, -1) == NULL);
    tc_batchq_free(q);
}

static bool readable(int fd)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    return poll(&pfd, 1, 0) == 1;
}

struct greedy {
    struct tc_batchq *q;
    int got; /* empty batches obtained before the one that failed */
};

/* Takes empty batches without ever publishing: the third waits until the
 * queue is cancelled. */
static void *take_empties(void *arg)
{
    struct greedy *g = arg;
    while (tc_batchq_empty(g->q, true) != NULL)
        g->got++;
    return NULL;
}

static void test_cancel_wakes_the_filler(void)
{
    struct tc_batchq *q = tc_batchq_new(2, 4, NULL);
    int fd = tc_batchq_cancel_fd(q);
    CHECK(!readable(fd));
    struct greedy g = {.q = q};
    pthread_t t;
    CHECK_INT(pthread_create(&t, NULL, take_empties, &g), 0);
    tc_batchq_cancel(q);
    pthread_join(t, NULL); /* hangs here if cancel did not wake it */
    CHECK(g.got <= 2);
    CHECK(readable(fd));
    CHECK(tc_batchq_take(q, -1) == NULL);
    CHECK(tc_batchq_empty(q, false) == NULL);
    tc_batchq_cancel(q); /* twice is harmless */
    tc_batchq_free(q);
}

/* A batch of each shape can be had without waiting while one is free,
 * and not when all are in use; a timed take with nothing published waits
 * out its time. */
static void test_no_wait(void)
{
    struct tc_batchq *q = tc_batchq_new(2, 4, NULL);
    struct tc_batch *a = tc_batchq_empty(q, false);
    struct tc_batch *b = tc_batchq_empty(q, false);
    CHECK(a != NULL && b != NULL && a != b);
    CHECK(tc_batchq_empty(q, false) == NULL);
    CHECK(tc_batchq_take(q, 0) == NULL);
    CHECK(tc_batchq_take(q, 20) == NULL);
    tc_batchq_publish(q, a);
    CHECK_INT((long)tc_batchq_in_flight(q), 1);
    CHECK(tc_batchq_take(q, 0) == a);
    tc_batchq_give_back(q, a);
    CHECK_INT((long)tc_batchq_in_flight(q), 0);
    CHECK(tc_batchq_empty(q, false) == a);
    tc_batchq_free(q);
}

/* A timed-out take is not the end: over only once closed and drained, or
 * cancelled. */
static void test_over(void)
{
    struct tc_batchq *q = tc_batchq_new(2, 4, NULL);
    CHECK(tc_batchq_take(q, 10) == NULL);
    CHECK(!tc_batchq_over(q));
    struct tc_batch *a = tc_batchq_empty(q, false);
    tc_batchq_publish(q, a);
    tc_batchq_close(q);
    CHECK(!tc_batchq_over(q)); /* a is still to be taken */
    CHECK(tc_batchq_take(q, 10) == a);
    tc_batchq_give_back(q, a);
    CHECK(tc_batchq_over(q));
    CHECK(tc_batchq_take(q, 10) == NULL);
    tc_batchq_free(q);
    q = tc_batchq_new(2, 4, NULL);
    tc_batchq_cancel(q);
    CHECK(tc_batchq_over(q));
    tc_batchq_free(q);
}

static void test_batch_text_grows(void)
{
    struct tc_batchq *q = tc_batchq_new(2, 10, NULL);
    struct tc_batch *b = tc_batchq_empty(q, true);
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
    /* Used again, a batch starts empty: the ring brings it back after the
     * other one. */
    tc_batchq_publish(q, b);
    tc_batchq_give_back(q, tc_batchq_take(q, -1));
    struct tc_batch *other = tc_batchq_empty(q, true);
    CHECK(other != b);
    tc_batch_add(other, TC_ITEM_RECORD, "y", 1);
    tc_batchq_publish(q, other);
    tc_batchq_give_back(q, tc_batchq_take(q, -1));
    struct tc_batch *again = tc_batchq_empty(q, true);
    CHECK(again == b && b->count == 0 && b->text_len == 0);
    tc_batchq_free(q);
}

static void bad_stage(void *ctx, struct tc_batch *b)
{
    (void)ctx;
    (void)b;
}

static void test_bad_sizes(void)
{
    CHECK(tc_batchq_new(1, 10, NULL) == NULL);
    CHECK(tc_batchq_new(4, 0, NULL) == NULL);
    CHECK(tc_batchq_new(1, 4, &(struct tc_batchq_stage){.run = bad_stage}) == NULL);
    CHECK(tc_batchq_new(2, 4, &(struct tc_batchq_stage){.run = NULL}) == NULL);
    tc_batchq_free(NULL);
}

/* ---- with a parsing stage ----------------------------------------------- */

struct parsing {
    struct tg_record_reader *parser;
    size_t max_record;
    void (*release)(void *handle);
    bool signals_blocked; /* SIGTERM was blocked on the stage's thread */
};

static void parse_stage(void *ctx, struct tc_batch *b)
{
    struct parsing *ps = ctx;
    sigset_t mask;
    pthread_sigmask(SIG_SETMASK, NULL, &mask);
    ps->signals_blocked = sigismember(&mask, SIGTERM) == 1;
    struct tc_read_rules rules = {.max_record = ps->max_record,
                                  .max_future_ms = TC_MAX_FUTURE_OFF};
    tc_batch_parse_raw(b, ps->parser, &rules, ps->release);
}

static struct tc_batchq *parsing_queue(struct parsing *ps, size_t nbatches, size_t items,
                                       size_t max_record, void (*release)(void *))
{
    *ps = (struct parsing){
        .parser = tg_record_reader_new(), .max_record = max_record, .release = release};
    return tc_batchq_new(nbatches, items,
                         &(struct tc_batchq_stage){.run = parse_stage, .ctx = ps});
}

#define RECORDS 5000

static void test_order_and_outcomes(void)
{
    struct parsing ps;
    struct tc_batchq *q = parsing_queue(&ps, 3, 16, 200, NULL);
    CHECK(q != NULL);
    static char lines[RECORDS][128];
    size_t next_fill = 0, next_take = 0;
    bool all_right = true;
    while (next_take < RECORDS) {
        struct tc_batch *b;
        while (next_fill < RECORDS && (b = tc_batchq_empty(q, false)) != NULL) {
            while (b->count < b->capacity && next_fill < RECORDS) {
                size_t i = next_fill++;
                int len = snprintf(lines[i], sizeof lines[i],
                                   "{\"event_time\":\"2024-01-01T00:00:%02zuZ\","
                                   "\"username\":\"u%zu\"}",
                                   i % 60, i);
                struct tc_where at = {
                    .unit = (int64_t)(i % 7), .pos = (int64_t)i, .handle = &lines[i]};
                tc_batch_add_raw(b, i % 11 == 5 ? NULL : lines[i],
                                 i % 13 == 7 ? 3 : (size_t)len, /* cut: malformed */
                                 at);
            }
            tc_batchq_publish(q, b);
        }
        CHECK(tc_batchq_in_flight(q) <= 3);
        b = tc_batchq_take(q, -1);
        if (b == NULL) {
            CHECK(b != NULL);
            break;
        }
        for (size_t k = 0; k < b->count; k++, next_take++) {
            const struct tc_item *it = &b->items[k];
            char want[32];
            snprintf(want, sizeof want, "u%zu", next_take);
            if (it->where.handle != &lines[next_take] ||
                it->where.pos != (int64_t)next_take ||
                it->where.unit != (int64_t)(next_take % 7))
                all_right = false;
            else if (next_take % 11 == 5)
                all_right &= it->kind == TC_ITEM_PASS;
            else if (next_take % 13 == 7)
                all_right &= it->kind == TC_ITEM_MALFORMED;
            else
                all_right &=
                    it->kind == TC_ITEM_RECORD &&
                    strcmp(tc_item_text(b, it), want) == 0 &&
                    it->event_time_ms == 1704067200000 + (int64_t)(next_take % 60) * 1000;
        }
        tc_batchq_give_back(q, b);
    }
    CHECK(all_right);
    CHECK_INT((long)next_take, RECORDS);
    CHECK_INT((long)tc_batchq_in_flight(q), 0);
    CHECK(tc_batchq_take(q, -1) == NULL); /* nothing in flight: at once */
    CHECK(ps.signals_blocked);
    tc_batchq_free(q);
    tg_record_reader_free(ps.parser);
}

static void test_reasons(void)
{
    struct parsing ps;
    struct tc_batchq *q = parsing_queue(&ps, 2, 4, 30, NULL);
    struct tc_batch *b = tc_batchq_empty(q, false);
    static const char big[] = "{\"event_time\":\"2024-01-01T00:00:00Z\",\"x\":1}";
    tc_batch_add_raw(b, "not json", 8, (struct tc_where){0});
    tc_batch_add_raw(b, big, sizeof big - 1, (struct tc_where){0});
    tc_batchq_publish(q, b);
    b = tc_batchq_take(q, -1);
    CHECK(b != NULL && b->count == 2);
    CHECK_INT(b->items[0].kind, TC_ITEM_MALFORMED);
    CHECK(strstr(tc_item_text(b, &b->items[0]), "JSON") != NULL);
    CHECK_INT(b->items[1].kind, TC_ITEM_MALFORMED);
    char want[80];
    snprintf(want, sizeof want, "record of %zu bytes is larger than --max-record (30)",
             sizeof big - 1);
    CHECK_STR(tc_item_text(b, &b->items[1]), want);
    tc_batchq_give_back(q, b);
    tc_batchq_free(q);
    tg_record_reader_free(ps.parser);
}

static void test_free_with_batches_in_flight(void)
{
    struct parsing ps;
    struct tc_batchq *q = parsing_queue(&ps, 2, 4, 100, NULL);
    for (int i = 0; i < 2; i++) {
        struct tc_batch *b = tc_batchq_empty(q, false);
        CHECK(b != NULL);
        tc_batch_add_raw(b, "{}", 2, (struct tc_where){0});
        tc_batchq_publish(q, b);
    }
    CHECK(tc_batchq_empty(q, false) == NULL); /* both in flight */
    tc_batchq_free(q);                        /* joins the thread; valgrind: no leak */
    tg_record_reader_free(ps.parser);
}

static int released[4];

static void count_release(void *handle)
{
    released[(int *)handle - released]++;
}

/* With a release function the stage gives back the handle of every record
 * it parsed, and keeps those of pass-throughs for the input. */
static void test_release(void)
{
    struct parsing ps;
    struct tc_batchq *q = parsing_queue(&ps, 2, 4, 100, count_release);
    struct tc_batch *b = tc_batchq_empty(q, false);
    const char *data[4] = {"{\"event_time\":\"2024-01-01T00:00:00Z\"}", "junk", NULL,
                           "{}"};
    for (size_t i = 0; i < 4; i++)
        tc_batch_add_raw(b, data[i], data[i] != NULL ? strlen(data[i]) : 0,
                         (struct tc_where){.handle = &released[i]});
    tc_batchq_publish(q, b);
    b = tc_batchq_take(q, -1);
    CHECK(b != NULL);
    CHECK(released[0] == 1 && released[1] == 1 && released[2] == 0 && released[3] == 1);
    CHECK(b->items[0].where.handle == NULL && b->items[1].where.handle == NULL &&
          b->items[3].where.handle == NULL);
    CHECK(b->items[2].where.handle == &released[2]);
    CHECK_INT(b->items[0].kind, TC_ITEM_RECORD);
    CHECK_INT(b->items[2].kind, TC_ITEM_PASS);
    tc_batchq_give_back(q, b);
    tc_batchq_free(q);
    tg_record_reader_free(ps.parser);
}

/* Items that are not raw (a file's) are left as they are by the parse. */
static void test_parse_leaves_parsed_items(void)
{
    struct tc_batch b;
    CHECK_INT(tc_batch_init(&b, 4), 0);
    struct tg_record_reader *parser = tg_record_reader_new();
    static const char one[] =
        "{\"event_time\":\"2024-01-01T00:00:01Z\",\"username\":\"z\"}";
    tc_batch_add(&b, TC_ITEM_FILE_ERROR, "", 0)->error = 2;
    tc_batch_add_raw(&b, one, strlen(one), (struct tc_where){.pos = 9});
    tc_batch_parse_raw(&b, parser, &(struct tc_read_rules){100, TC_MAX_FUTURE_OFF, false},
                       NULL);
    CHECK_INT(b.items[0].kind, TC_ITEM_FILE_ERROR);
    CHECK_INT(b.items[0].error, 2);
    CHECK_INT(b.items[1].kind, TC_ITEM_RECORD);
    struct tg_record_view rec = tc_item_record(&b, &b.items[1]);
    CHECK_STR(rec.key, "z");
    CHECK_INT(rec.event_time_ms, 1704067201000);
    CHECK_INT(b.items[1].where.pos, 9);
    tg_record_reader_free(parser);
    tc_batch_clear(&b);
    tc_batch_clear(&b); /* twice is harmless */
}

/* A record stamped more than max_future_ms ahead of the clock is malformed,
 * read from bytes (a file's line) or raw (a Kafka message) alike. */
static void test_max_future(void)
{
    struct tc_batch b;
    CHECK_INT(tc_batch_init(&b, 8), 0);
    struct tg_record_reader *parser = tg_record_reader_new();
    const struct tc_read_rules rules = {1000, 3600000, false};
    int64_t now = tg_time_now_ms();
    char lines[4][128];
    const int64_t offsets[4] = {-86400000, 1800000, 7200000, 3700000};
    for (int i = 0; i < 4; i++) {
        char t[TG_TIME_TEXT_MAX];
        tg_time_format(now + offsets[i], t, sizeof t);
        snprintf(lines[i], sizeof lines[i],
                 "{\"event_time\":\"%s\",\"username\":\"u%d\"}", t, i);
    }
    for (int i = 0; i < 2; i++) {
        tc_batch_read(&b, parser, lines[i], strlen(lines[i]), &rules);
        tc_batch_add_raw(&b, lines[i + 2], strlen(lines[i + 2]), (struct tc_where){0});
    }
    tc_batch_parse_raw(&b, parser, &rules, NULL);
    CHECK_INT(b.items[0].kind, TC_ITEM_RECORD);    /* a day ago */
    CHECK_INT(b.items[1].kind, TC_ITEM_MALFORMED); /* two hours ahead */
    CHECK(strstr(tc_item_text(&b, &b.items[1]), "is more than 1h ahead of the clock "
                                                "(--max-future)") != NULL);
    CHECK_INT(b.items[2].kind, TC_ITEM_RECORD);    /* half an hour ahead */
    CHECK_INT(b.items[3].kind, TC_ITEM_MALFORMED); /* an hour and 100 s */
    /* Off: anything within 1970..2099 goes. */
    tc_batch_reset(&b);
    const struct tc_read_rules off = {1000, TC_MAX_FUTURE_OFF, true};
    static const char far[] = "{\"event_time\":\"2099-12-31T23:59:59Z\"}";
    CHECK_INT(tc_batch_read(&b, parser, far, strlen(far), &off)->kind, TC_ITEM_RECORD);
    CHECK_INT(tc_batch_read(&b, parser, far, strlen(far), &rules)->kind,
              TC_ITEM_MALFORMED);
    /* keep_line (off's) keeps a record's bytes; without it, nothing. */
    size_t n;
    const char *line = tc_item_line(&b, &b.items[0], &n);
    CHECK(line != NULL && n == strlen(far) && memcmp(line, far, n + 1) == 0);
    CHECK(tc_item_line(&b, &b.items[1], &n) == NULL);
    tc_batch_reset(&b);
    CHECK_INT(tc_batch_read(&b, parser, lines[0], strlen(lines[0]), &rules)->kind,
              TC_ITEM_RECORD);
    CHECK(tc_item_line(&b, &b.items[0], &n) == NULL);
    tg_record_reader_free(parser);
    tc_batch_clear(&b);
}

int main(void)
{
    RUN(test_order_across_batches);
    RUN(test_close_after_drain);
    RUN(test_cancel_wakes_the_filler);
    RUN(test_no_wait);
    RUN(test_over);
    RUN(test_batch_text_grows);
    RUN(test_bad_sizes);
    RUN(test_order_and_outcomes);
    RUN(test_reasons);
    RUN(test_free_with_batches_in_flight);
    RUN(test_release);
    RUN(test_parse_leaves_parsed_items);
    RUN(test_max_future);
    return tg_test_finish();
}
