/* Unit tests for tc_notes: lines come out in the order they went in, at
 * their levels, only once, and only those the log shows; a full buffer
 * drops debug lines first, counts what it dropped and says so once; lines
 * added from several threads while another flushes are all printed or
 * counted, each thread's in its order; a long line is cut as tg_log cuts
 * it. */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tc_notes.h"
#include "tg_log.h"
#include "tg_test.h"

/* A log into memory. */
struct capture {
    struct tg_log log;
    FILE *stream;
    char *text;
    size_t len;
};

static void capture_open(struct capture *c, enum tg_log_level level)
{
    c->text = NULL;
    c->len = 0;
    c->stream = open_memstream(&c->text, &c->len);
    tg_log_init(&c->log, "tgcount", c->stream);
    c->log.level = level;
}

/* What was written so far (borrowed until capture_close). */
static const char *captured(struct capture *c)
{
    fflush(c->stream);
    return c->text;
}

static void capture_close(struct capture *c)
{
    fclose(c->stream);
    free(c->text);
}

static void test_order_and_levels(void)
{
    struct capture c;
    capture_open(&c, TG_LOG_INFO);
    struct tc_notes *notes = tc_notes_new(4096);
    CHECK(notes != NULL);
    tc_notes_add(notes, &c.log, TG_LOG_INFO, "first %d", 1);
    tc_notes_add(notes, &c.log, TG_LOG_DEBUG, "not shown");
    tc_notes_add(notes, &c.log, TG_LOG_WARN, "second");
    tc_notes_add(notes, &c.log, TG_LOG_ERROR, "third");
    CHECK_STR(captured(&c), ""); /* nothing before the flush */
    tc_notes_flush(notes, &c.log);
    CHECK_STR(captured(&c),
              "tgcount: first 1\ntgcount: warning: second\ntgcount: third\n");
    tc_notes_flush(notes, &c.log); /* printed once */
    tc_notes_add(notes, &c.log, TG_LOG_INFO, "again");
    tc_notes_flush(notes, &c.log);
    CHECK_STR(
        captured(&c),
        "tgcount: first 1\ntgcount: warning: second\ntgcount: third\ntgcount: again\n");
    tc_notes_free(notes);
    tc_notes_free(NULL);
    capture_close(&c);
}

static void test_full_buffer(void)
{
    struct capture c;
    capture_open(&c, TG_LOG_DEBUG);
    /* 400 bytes: debug lines may use 300, each "debug NN" costs 10. */
    struct tc_notes *notes = tc_notes_new(400);
    for (int i = 0; i < 50; i++)
        tc_notes_add(notes, &c.log, TG_LOG_DEBUG, "debug %02d", i);
    tc_notes_add(notes, &c.log, TG_LOG_ERROR, "an error still fits");
    tc_notes_flush(notes, &c.log);
    const char *out = captured(&c);
    CHECK_INT(tg_test_count(out, "tgcount: debug "), 30);
    CHECK(strstr(out, "tgcount: debug 29\ntgcount: an error still fits\n") != NULL);
    CHECK(strstr(out, "tgcount: warning: 20 diagnostic lines dropped: they came faster "
                      "than printed\n") != NULL);
    /* The count starts again after a flush. */
    tc_notes_add(notes, &c.log, TG_LOG_DEBUG, "after");
    tc_notes_flush(notes, &c.log);
    CHECK_INT(tg_test_count(captured(&c), "dropped"), 1);
    CHECK(strstr(captured(&c), "tgcount: after\n") != NULL);
    tc_notes_free(notes);
    capture_close(&c);
}

static void test_long_line_is_cut(void)
{
    struct capture c;
    capture_open(&c, TG_LOG_INFO);
    struct tc_notes *notes = tc_notes_new(64 * 1024);
    char *big = malloc(3 * TG_LOG_LINE_MAX);
    memset(big, 'x', 3 * TG_LOG_LINE_MAX - 1);
    big[3 * TG_LOG_LINE_MAX - 1] = '\0';
    tc_notes_add(notes, &c.log, TG_LOG_INFO, "%s", big);
    tc_notes_add(notes, &c.log, TG_LOG_INFO, "next");
    tc_notes_flush(notes, &c.log);
    const char *out = captured(&c);
    const char *nl = strchr(out, '\n');
    CHECK(nl != NULL && (size_t)(nl - out) < TG_LOG_LINE_MAX + 16);
    CHECK(nl != NULL && strcmp(nl + 1, "tgcount: next\n") == 0);
    free(big);
    tc_notes_free(notes);
    capture_close(&c);
}

#define THREADS 4
#define LINES 2000

struct adder {
    struct tc_notes *notes;
    const struct tg_log *log;
    int id;
};

static void *add_lines(void *arg)
{
    struct adder *a = arg;
    for (int i = 0; i < LINES; i++)
        tc_notes_add(a->notes, a->log, TG_LOG_WARN, "t%d %d", a->id, i);
    return NULL;
}

static void test_threads(void)
{
    struct capture c;
    capture_open(&c, TG_LOG_WARN);
    struct tc_notes *notes = tc_notes_new(2048);
    pthread_t threads[THREADS];
    struct adder adders[THREADS];
    for (int t = 0; t < THREADS; t++) {
        adders[t] = (struct adder){.notes = notes, .log = &c.log, .id = t};
        CHECK_INT(pthread_create(&threads[t], NULL, add_lines, &adders[t]), 0);
    }
    for (int i = 0; i < 200; i++)
        tc_notes_flush(notes, &c.log);
    for (int t = 0; t < THREADS; t++)
        pthread_join(threads[t], NULL);
    tc_notes_flush(notes, &c.log);

    /* Every line printed or counted; each thread's in increasing order. */
    int last[THREADS] = {-1, -1, -1, -1};
    long printed = 0, dropped = 0;
    bool in_order = true;
    char *copy = strdup(captured(&c));
    for (char *line = strtok(copy, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        int t, i;
        long n;
        if (sscanf(line, "tgcount: warning: t%d %d", &t, &i) == 2 && t >= 0 &&
            t < THREADS) {
            in_order &= i > last[t];
            last[t] = i;
            printed++;
        } else if (sscanf(line, "tgcount: warning: %ld diagnostic line", &n) == 1) {
            dropped += n;
        } else {
            in_order = false;
        }
    }
    free(copy);
    CHECK(in_order);
    CHECK_INT(printed + dropped, THREADS * LINES);
    tc_notes_free(notes);
    capture_close(&c);
}

int main(void)
{
    RUN(test_order_and_levels);
    RUN(test_full_buffer);
    RUN(test_long_line_is_cut);
    RUN(test_threads);
    return tg_test_finish();
}
