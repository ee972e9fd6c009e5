/* The merge state (tc_merge.h) and the results-topic messages
 * (tc_merge_msg.h): idempotent rows, finality from every partition's
 * progress, sums over partitions, emission order, rows after final, and
 * what a message must hold. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tc_merge.h"
#include "tc_merge_msg.h"
#include "tg_test.h"

#define MIN_MS 60000

/* Emitted windows as text: "SPEC[start,end)" in minutes, "~" when
 * provisional, then " name=count" per row, ";" after each window. */
struct seen {
    struct tc_merge *m;
    char text[2048];
};

static int record(void *ctx, const struct tc_window *w, const struct tc_row *rows,
                  size_t n, bool first, bool last)
{
    struct seen *s = ctx;
    size_t len = strlen(s->text);
    if (first) {
        len += (size_t)snprintf(s->text + len, sizeof s->text - len, "%s[%lld,%lld)%s",
                                tc_merge_spec_text(s->m, w->spec),
                                (long long)(w->start_ms / MIN_MS),
                                (long long)(w->end_ms / MIN_MS), w->final ? "" : "~");
    }
    for (size_t i = 0; i < n; i++) {
        len += (size_t)snprintf(s->text + len, sizeof s->text - len, " %s=%llu",
                                rows[i].name, (unsigned long long)rows[i].count);
    }
    if (last) {
        snprintf(s->text + len, sizeof s->text - len, ";");
    }
    return 0;
}

static char err[256];

static int row(struct tc_merge *m, const char *spec, int start_min, int end_min,
               const char *user, uint64_t count, int32_t partition)
{
    struct tc_merge_row r = {spec,
                             strlen(spec),
                             start_min * (int64_t)MIN_MS,
                             end_min * (int64_t)MIN_MS,
                             user,
                             strlen(user),
                             count,
                             partition};
    return tc_merge_add_row(m, &r, err, sizeof err);
}

static int progress(struct tc_merge *m, int32_t partition, int32_t partitions, int min)
{
    struct tc_merge_progress p = {partition, partitions, min * (int64_t)MIN_MS};
    return tc_merge_add_progress(m, &p, err, sizeof err);
}

/* Emits into s->text (cleared first). */
static void emit(struct tc_merge *m, struct tc_emit *x, struct seen *s, bool rest,
                 size_t top_n)
{
    s->m = m;
    s->text[0] = '\0';
    struct tc_emitter em = {record, s, false};
    CHECK_INT(tc_merge_emit(m, x, rest, top_n, &em), 0);
}

static void test_idempotent_rows(void)
{
    struct tc_merge *m = tc_merge_new();
    struct tc_emit *x = tc_emit_new();
    struct seen s;
    CHECK_INT(row(m, "1m", 0, 1, "a", 2, 0), TC_MERGE_NEW);
    CHECK_INT(row(m, "1m", 0, 1, "a", 2, 0), TC_MERGE_SAME);
    CHECK_INT(row(m, "1m", 0, 1, "a", 5, 0), TC_MERGE_REWRITTEN);
    CHECK_INT(row(m, "1m", 0, 1, "a", 3, 1), TC_MERGE_NEW); /* another partition */
    CHECK_INT(row(m, "1m", 0, 1, "b", 8, 1), TC_MERGE_NEW);
    CHECK_INT(row(m, "1m", 0, 1, "c", 4, 1), TC_MERGE_NEW);
    CHECK_INT(row(m, "1m", 0, 1, "c", 0, 1), TC_MERGE_REWRITTEN); /* c gone */
    const struct tc_merge_stats *st = tc_merge_stats(m);
    CHECK_INT(st->rows, 7);
    CHECK_INT(st->same, 1);
    CHECK_INT(st->rewritten, 2);
    CHECK_INT(progress(m, 0, 2, 1), 0);
    CHECK_INT(progress(m, 1, 2, 1), 0);
    emit(m, x, &s, false, 0);
    /* a: 5 (partition 0, last value) + 3 (partition 1); ties by name. */
    CHECK_STR(s.text, "1m[0,1) a=8 b=8;");
    CHECK_INT(tc_merge_open_windows(m), 0);
    CHECK_INT(st->windows_final, 1);
    tc_emit_free(x);
    tc_merge_free(m);
}

static void test_finality(void)
{
    struct tc_merge *m = tc_merge_new();
    struct tc_emit *x = tc_emit_new();
    struct seen s;
    CHECK_INT(row(m, "1m", 0, 1, "a", 1, 0), TC_MERGE_NEW);
    CHECK_INT(row(m, "1m", 1, 2, "a", 1, 0), TC_MERGE_NEW);
    CHECK_INT(row(m, "1m", 0, 1, "b", 2, 2), TC_MERGE_NEW);
    /* No progress yet: nothing is final. */
    CHECK(tc_merge_watermark(m) == INT64_MIN);
    emit(m, x, &s, false, 0);
    CHECK_STR(s.text, "");
    CHECK_INT(progress(m, 0, 3, 5), 0);
    CHECK_INT(progress(m, 2, 3, 5), 0);
    emit(m, x, &s, false, 0);
    CHECK_STR(s.text, ""); /* partition 1 has said nothing */
    CHECK_INT(progress(m, 1, 3, 1), 0);
    CHECK(tc_merge_watermark(m) == 1 * MIN_MS);
    CHECK_INT(progress(m, 1, 3, 0), 0); /* an older progress changes nothing */
    CHECK(tc_merge_watermark(m) == 1 * MIN_MS);
    emit(m, x, &s, false, 0);
    CHECK_STR(s.text, "1m[0,1) b=2 a=1;");
    /* The very row of the window printed final again (a replay): the same. */
    CHECK_INT(row(m, "1m", 0, 1, "b", 2, 2), TC_MERGE_SAME);
    CHECK_INT(tc_merge_stats(m)->after_final, 0);
    CHECK_INT(row(m, "1m", 0, 1, "b", 3, 2), TC_MERGE_AFTER_FINAL);
    CHECK_INT(tc_merge_stats(m)->after_final, 1);
    /* A row for the window printed final: refused and counted. */
    CHECK_INT(row(m, "1m", 0, 1, "z", 9, 1), TC_MERGE_AFTER_FINAL);
    CHECK_INT(tc_merge_stats(m)->after_final, 2);
    /* A fourth partition appears: G falls back, but what was final stays. */
    CHECK_INT(progress(m, 3, 4, 9), 0);
    CHECK_INT(tc_merge_partitions(m), 4);
    CHECK_INT(row(m, "1m", 0, 1, "z", 9, 3), TC_MERGE_AFTER_FINAL);
    emit(m, x, &s, true, 0);
    CHECK_STR(s.text, "1m[1,2)~ a=1;");
    CHECK_INT(tc_merge_stats(m)->windows_provisional, 1);
    tc_emit_free(x);
    tc_merge_free(m);
}

static void test_order_and_top(void)
{
    struct tc_merge *m = tc_merge_new();
    struct tc_emit *x = tc_emit_new();
    struct seen s;
    /* Inserted out of order: end, then start, then spec text. */
    CHECK_INT(row(m, "2m/1m", 1, 3, "a", 1, 0), TC_MERGE_NEW);
    CHECK_INT(row(m, "1m", 2, 3, "a", 1, 0), TC_MERGE_NEW);
    CHECK_INT(row(m, "1m/30s", 0, 1, "a", 1, 0), TC_MERGE_NEW);
    CHECK_INT(row(m, "1m", 0, 1, "c", 1, 0), TC_MERGE_NEW);
    CHECK_INT(row(m, "1m", 0, 1, "b", 1, 0), TC_MERGE_NEW);
    CHECK_INT(row(m, "1m", 0, 1, "a", 3, 0), TC_MERGE_NEW);
    CHECK_INT(row(m, "2m/1m", -1, 1, "a", 1, 0), TC_MERGE_NEW);
    CHECK_INT(progress(m, 0, 1, 2), 0);
    emit(m, x, &s, true, 2);
    CHECK_STR(s.text, "2m/1m[-1,1) a=1;1m[0,1) a=3 b=1;1m/30s[0,1) a=1;"
                      "2m/1m[1,3)~ a=1;1m[2,3)~ a=1;");
    tc_emit_free(x);
    tc_merge_free(m);
}

static void test_refused(void)
{
    struct tc_merge *m = tc_merge_new();
    CHECK_INT(row(m, "1m", 0, 1, "a", 1, 0), TC_MERGE_NEW);
    CHECK_INT(row(m, "1m", 0, 2, "a", 1, 0), -1);
    CHECK(strstr(err, "two ends") != NULL);
    CHECK_INT(row(m, "1m", 1, 1, "a", 1, 0), -1);
    CHECK_INT(progress(m, 3, 3, 1), -1);
    CHECK_STR(err, "partition 3 out of range 0..2");
    CHECK_INT(progress(m, 0, 0, 1), -1);
    CHECK_INT(tc_merge_partitions(m), 0);
    char spec[16];
    for (int i = 1; i < TC_MERGE_MAX_SPECS; i++) { /* "1m" is the first */
        snprintf(spec, sizeof spec, "s%d", i);
        CHECK(row(m, spec, 0, 1, "a", 1, 0) >= 0);
    }
    CHECK_INT(row(m, "one-too-many", 0, 1, "a", 1, 0), -1);
    tc_merge_free(m);
    tc_merge_free(NULL);
}

/* tc_merge_check_window says what tc_merge_add_row would refuse for the
 * window, and changes nothing. */
static int check(struct tc_merge *m, const char *spec, int start_min, int end_min)
{
    struct tc_merge_row r = {spec,
                             strlen(spec),
                             start_min * (int64_t)MIN_MS,
                             end_min * (int64_t)MIN_MS,
                             NULL,
                             0,
                             0,
                             0};
    err[0] = '\0';
    return tc_merge_check_window(m, &r, err, sizeof err);
}

static void test_check_window(void)
{
    struct tc_merge *m = tc_merge_new();
    CHECK_INT(check(m, "1m", 0, 1), 0); /* new: fine */
    CHECK_INT(tc_merge_open_windows(m), 0);
    CHECK_INT(row(m, "1m", 0, 1, "a", 1, 0), TC_MERGE_NEW);
    CHECK_INT(check(m, "1m", 0, 1), 0); /* held: fine */
    CHECK_INT(check(m, "1m", 0, 2), -1);
    CHECK(strstr(err, "two ends") != NULL);
    CHECK_INT(check(m, "1m", 2, 2), -1);
    CHECK_STR(err, "the window ends before it starts");
    CHECK_INT(check(m, "1m", 1, 2), 0);
    CHECK_INT(tc_merge_open_windows(m), 1);
    /* After final: not refused (told as a row after final). */
    CHECK_INT(progress(m, 0, 1, 1), 0);
    struct tc_emit *x = tc_emit_new();
    struct seen s;
    emit(m, x, &s, false, 0);
    CHECK_STR(s.text, "1m[0,1) a=1;");
    CHECK_INT(check(m, "1m", 0, 5), 0);
    char spec[16];
    for (int i = 1; i < TC_MERGE_MAX_SPECS; i++) {
        snprintf(spec, sizeof spec, "s%d", i);
        CHECK_INT(check(m, spec, 1, 2), 0);
        CHECK(row(m, spec, 1, 2, "a", 1, 0) >= 0);
    }
    CHECK_INT(check(m, "one-too-many", 1, 2), -1);
    CHECK(strstr(err, "window specs") != NULL);
    CHECK_INT(check(m, "s1", 1, 2), 0);
    tc_emit_free(x);
    tc_merge_free(m);
}

static int parse(struct tc_merge_msg *msg, const char *text)
{
    err[0] = '\0';
    return tc_merge_msg_parse(msg, text, strlen(text), err, sizeof err);
}

static void test_messages(void)
{
    struct tc_merge_msg msg;
    CHECK_INT(parse(&msg,
                    "{\"type\":\"row\",\"window\":\"10m/30s\","
                    "\"start\":\"2024-05-01T12:00:00Z\",\"end\":\"2024-05-01T12:10:00Z\","
                    "\"username\":\"al\\u00e9\",\"count\":7,\"final\":true,"
                    "\"topic\":\"t\",\"partition\":3,\"future\":[1]}"),
              0);
    CHECK_INT(msg.kind, TC_MERGE_MSG_ROW);
    CHECK_INT(msg.row.spec_len, 7);
    CHECK(msg.row.end_ms - msg.row.start_ms == 10 * MIN_MS);
    CHECK_INT(msg.row.user_len, 4); /* UTF-8 */
    CHECK_INT(msg.row.count, 7);
    CHECK_INT(msg.row.partition, 3);
    CHECK_STR(msg.topic, "t");
    tc_merge_msg_clear(&msg);
    CHECK_INT(parse(&msg, "{\"type\":\"progress\",\"partition\":1,\"partitions\":4,"
                          "\"watermark\":\"2024-05-01T12:01:30.5Z\"}"),
              0);
    CHECK_INT(msg.kind, TC_MERGE_MSG_PROGRESS);
    CHECK_INT(msg.progress.partitions, 4);
    CHECK_INT(msg.progress.watermark_ms % 1000, 500);
    CHECK(msg.topic == NULL);
    tc_merge_msg_clear(&msg);
    CHECK_INT(parse(&msg, "{\"type\":\"changelog\"}"), 0);
    CHECK_INT(msg.kind, TC_MERGE_MSG_OTHER);
    tc_merge_msg_clear(&msg);
    static const struct {
        const char *text, *why;
    } bad[] = {
        {"", "empty message"},
        {"nope", "not JSON"},
        {"[1]", "not a JSON object"},
        {"{\"a\":1,\"a\":2}", "not JSON"},
        {"{\"type\":1}", "\"type\" is not a string"},
        {"{\"type\":\"row\"}", "\"window\" is missing"},
        {"{\"type\":\"progress\",\"partition\":-1}", "\"partition\" is not an integer"},
        {"{\"type\":\"progress\",\"partition\":0,\"partitions\":1,\"watermark\":\"x\"}",
         "\"watermark\": "},
        {"{\"type\":\"row\",\"window\":\"\",\"start\":\"2024-05-01T12:00:00Z\","
         "\"end\":\"2024-05-01T12:01:00Z\",\"username\":\"a\",\"count\":1,"
         "\"partition\":0}",
         "\"window\" is empty"},
        {"{\"type\":\"row\",\"window\":\"1m\",\"start\":\"2024-05-01T12:00:00Z\","
         "\"end\":\"2024-05-01T12:01:00Z\",\"username\":\"a\",\"count\":1.5,"
         "\"partition\":0}",
         "\"count\" is not an integer"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        CHECK_INT(parse(&msg, bad[i].text), -1);
        if (strstr(err, bad[i].why) == NULL) {
            printf("  %s: '%s', expected '%s'\n", bad[i].text, err, bad[i].why);
            CHECK(0);
        }
        tc_merge_msg_clear(&msg);
    }
}

#define ROWS_HEAD                                                                        \
    "{\"type\":\"rows\",\"window\":\"1m\",\"start\":\"2024-05-01T12:00:00Z\","           \
    "\"end\":\"2024-05-01T12:01:00Z\",\"final\":true,\"topic\":\"t\",\"partition\":3,"

/* A "rows" message: each entry of counts is one row, handed out once by
 * tc_merge_msg_next_row with the shared fields; a row message gives its
 * row once; the other kinds give none. */
static void test_rows_message(void)
{
    struct tc_merge_msg msg;
    CHECK_INT(parse(&msg, ROWS_HEAD "\"counts\":{\"alice\":2,\"bob\":1,\"al\\u00e9\":0,"
                                    "\"\":4,\"big\":9223372036854775807},\"future\":1}"),
              0);
    CHECK_INT(msg.kind, TC_MERGE_MSG_ROWS);
    CHECK_INT(msg.nrows, 5);
    CHECK_STR(msg.topic, "t");
    static const struct {
        const char *user;
        uint64_t count;
    } want[] = {{"alice", 2},
                {"bob", 1},
                {"al\xc3\xa9", 0},
                {"", 4},
                {"big", 9223372036854775807ULL}};
    int seen[5] = {0};
    size_t given = 0;
    while (tc_merge_msg_next_row(&msg)) {
        given++;
        CHECK_INT(msg.row.spec_len, 2);
        CHECK(memcmp(msg.row.spec, "1m", 2) == 0);
        CHECK(msg.row.end_ms - msg.row.start_ms == MIN_MS);
        CHECK_INT(msg.row.partition, 3);
        for (size_t i = 0; i < 5; i++) {
            if (msg.row.user_len == strlen(want[i].user) &&
                memcmp(msg.row.user, want[i].user, msg.row.user_len) == 0) {
                seen[i]++;
                CHECK(msg.row.count == want[i].count);
            }
        }
    }
    CHECK_INT(given, 5);
    for (size_t i = 0; i < 5; i++) {
        CHECK_INT(seen[i], 1);
    }
    CHECK(!tc_merge_msg_next_row(&msg)); /* stays at the end */
    tc_merge_msg_clear(&msg);
    CHECK(!tc_merge_msg_next_row(&msg)); /* cleared: nothing */

    CHECK_INT(parse(&msg,
                    "{\"type\":\"row\",\"window\":\"1m\","
                    "\"start\":\"2024-05-01T12:00:00Z\",\"end\":\"2024-05-01T12:01:00Z\","
                    "\"username\":\"a\",\"count\":3,\"partition\":0}"),
              0);
    CHECK_INT(msg.nrows, 1);
    CHECK(tc_merge_msg_next_row(&msg));
    CHECK_INT(msg.row.count, 3);
    CHECK(!tc_merge_msg_next_row(&msg));
    tc_merge_msg_clear(&msg);
    CHECK_INT(parse(&msg, "{\"type\":\"progress\",\"partition\":0,\"partitions\":1,"
                          "\"watermark\":\"2024-05-01T12:00:00Z\"}"),
              0);
    CHECK(!tc_merge_msg_next_row(&msg));
    tc_merge_msg_clear(&msg);
    CHECK_INT(parse(&msg, "{\"type\":\"rowz\",\"counts\":[]}"), 0);
    CHECK_INT(msg.kind, TC_MERGE_MSG_OTHER);
    CHECK(!tc_merge_msg_next_row(&msg));
    tc_merge_msg_clear(&msg);
}

/* A "rows" message is valid or malformed whole: any bad field or entry,
 * wherever it is, refuses it (-1, with a reason). */
static void test_rows_malformed(void)
{
    static const struct {
        const char *text, *why;
    } bad[] = {
        {ROWS_HEAD "\"counts\":{}}", "\"counts\" is empty"},
        {ROWS_HEAD "\"future\":1}", "\"counts\" is missing"},
        {ROWS_HEAD "\"counts\":[[\"a\",1]]}", "\"counts\" is not an object"},
        {ROWS_HEAD "\"counts\":\"a\"}", "\"counts\" is not an object"},
        {ROWS_HEAD "\"counts\":null}", "\"counts\" is not an object"},
        {ROWS_HEAD "\"counts\":{\"a\":1,\"b\":-1}}",
         "entry 2 is not an integer in range"},
        {ROWS_HEAD "\"counts\":{\"a\":1.5,\"b\":1}}", "entry 1 is not an integer"},
        {ROWS_HEAD "\"counts\":{\"a\":1,\"b\":2,\"c\":\"3\"}}",
         "entry 3 is not an integer"},
        {ROWS_HEAD "\"counts\":{\"a\":1,\"b\":null}}", "entry 2 is not an integer"},
        {ROWS_HEAD "\"counts\":{\"a\":1,\"b\":true}}", "entry 2 is not an integer"},
        {ROWS_HEAD "\"counts\":{\"a\":1,\"b\":{\"c\":1}}}", "entry 2 is not an integer"},
        {ROWS_HEAD "\"counts\":{\"a\":1,\"b\":2,\"a\":3}}", "not JSON"}, /* duplicate */
        {ROWS_HEAD "\"counts\":{\"a\":99999999999999999999}}", "not JSON"},
        {"{\"type\":\"rows\",\"start\":\"2024-05-01T12:00:00Z\","
         "\"end\":\"2024-05-01T12:01:00Z\",\"partition\":3,\"counts\":{\"a\":1}}",
         "\"window\" is missing"},
        {"{\"type\":\"rows\",\"window\":\"\",\"start\":\"2024-05-01T12:00:00Z\","
         "\"end\":\"2024-05-01T12:01:00Z\",\"partition\":3,\"counts\":{\"a\":1}}",
         "\"window\" is empty"},
        {"{\"type\":\"rows\",\"window\":\"1m\",\"end\":\"2024-05-01T12:01:00Z\","
         "\"partition\":3,\"counts\":{\"a\":1}}",
         "\"start\" is missing"},
        {"{\"type\":\"rows\",\"window\":\"1m\",\"start\":\"2024-05-01T12:00:00Z\","
         "\"end\":\"noon\",\"partition\":3,\"counts\":{\"a\":1}}",
         "\"end\": "},
        {"{\"type\":\"rows\",\"window\":\"1m\",\"start\":\"2024-05-01T12:00:00Z\","
         "\"end\":\"2024-05-01T12:01:00Z\",\"counts\":{\"a\":1}}",
         "\"partition\" is missing"},
        {"{\"type\":\"rows\",\"window\":\"1m\",\"start\":\"2024-05-01T12:00:00Z\","
         "\"end\":\"2024-05-01T12:01:00Z\",\"partition\":\"3\",\"counts\":{\"a\":1}}",
         "\"partition\" is not an integer"},
        {"{\"type\":\"rows\",\"window\":1,\"start\":\"2024-05-01T12:00:00Z\","
         "\"end\":\"2024-05-01T12:01:00Z\",\"partition\":3,\"counts\":{\"a\":1}}",
         "\"window\" is not a string"},
    };
    struct tc_merge_msg msg;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        CHECK_INT(parse(&msg, bad[i].text), -1);
        if (strstr(err, bad[i].why) == NULL) {
            printf("  %s: '%s', expected '%s'\n", bad[i].text, err, bad[i].why);
            CHECK(0);
        }
        CHECK(!tc_merge_msg_next_row(&msg)); /* none of its rows */
        tc_merge_msg_clear(&msg);
    }
}

#define WIN(spec, start, end)                                                            \
    "{\"window\":\"" spec "\",\"start\":\"2024-05-01T" start                             \
    "Z\",\"end\":\"2024-05-01T" end "Z\","
#define WINDOWS_HEAD                                                                     \
    "{\"type\":\"windows\",\"final\":true,\"topic\":\"t\",\"partition\":3,"

/* Rows given by tc_merge_msg_next_row, as "spec start-end user=count" in
 * minutes after 12:00, sorted (the entries of a window come in no
 * particular order), joined by ";". */
static void given_rows(struct tc_merge_msg *msg, char *out, size_t outlen)
{
    char rows[16][64];
    size_t n = 0;
    while (tc_merge_msg_next_row(msg)) {
        CHECK_INT(msg->row.partition, 3);
        if (n < 16) {
            long long base = 1714564800000LL; /* 2024-05-01T12:00:00Z */
            snprintf(rows[n++], sizeof rows[0], "%.*s %lld-%lld %.*s=%llu",
                     (int)msg->row.spec_len, msg->row.spec,
                     (msg->row.start_ms - base) / MIN_MS,
                     (msg->row.end_ms - base) / MIN_MS, (int)msg->row.user_len,
                     msg->row.user, (unsigned long long)msg->row.count);
        }
    }
    qsort(rows, n, sizeof rows[0], (int (*)(const void *, const void *))strcmp);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(out);
        snprintf(out + len, outlen - len, "%s%s", i ? ";" : "", rows[i]);
    }
}

/* A "windows" message: each entry of each window's counts is one row with
 * that window's window, start, end and the message's partition. */
static void test_windows_message(void)
{
    struct tc_merge_msg msg;
    char got[1024];
    CHECK_INT(parse(&msg, WINDOWS_HEAD "\"windows\":[" WIN(
                              "1m", "12:00:00",
                              "12:01:00") "\"counts\":{\"alice\":2,\"bob\":1}}]}"),
              0);
    CHECK_INT(msg.kind, TC_MERGE_MSG_WINDOWS);
    CHECK_INT(msg.nrows, 2);
    CHECK_INT(msg.nwindows, 1);
    CHECK_STR(msg.topic, "t");
    given_rows(&msg, got, sizeof got);
    CHECK_STR(got, "1m 0-1 alice=2;1m 0-1 bob=1");
    CHECK(!tc_merge_msg_next_row(&msg));
    tc_merge_msg_clear(&msg);

    /* 3 windows (one of them starting the hour before), 2+1+3 entries,
     * unknown fields at the top and in an element. */
    static const char three[] = WINDOWS_HEAD
        "\"future\":{\"x\":1},\"windows\":["
        "{\"window\":\"1m\",\"start\":\"2024-05-01T12:00:00Z\","
        "\"end\":\"2024-05-01T12:01:00Z\",\"counts\":{\"alice\":2,\"bob\":1}},"
        "{\"window\":\"10m/30s\",\"start\":\"2024-05-01T11:51:30Z\","
        "\"end\":\"2024-05-01T12:01:30Z\",\"more\":[1],\"counts\":{\"carol\":5}},"
        "{\"window\":\"1m\",\"start\":\"2024-05-01T12:01:00Z\","
        "\"end\":\"2024-05-01T12:02:00Z\",\"counts\":{\"alice\":0,"
        "\"al\\u00e9\":7,\"big\":9223372036854775807}}]}";
    CHECK_INT(parse(&msg, three), 0);
    CHECK_INT(msg.kind, TC_MERGE_MSG_WINDOWS);
    CHECK_INT(msg.nrows, 6);
    CHECK_INT(msg.nwindows, 3);
    struct tc_merge_row w;
    CHECK(tc_merge_msg_window(&msg, 1, &w));
    CHECK_INT(w.spec_len, 7);
    CHECK(memcmp(w.spec, "10m/30s", 7) == 0);
    CHECK(w.end_ms - w.start_ms == 10 * MIN_MS);
    CHECK_INT(w.partition, 3);
    CHECK(w.user == NULL);
    CHECK(tc_merge_msg_window(&msg, 2, &w));
    CHECK(!tc_merge_msg_window(&msg, 3, &w));
    given_rows(&msg, got, sizeof got);
    CHECK_STR(got, "10m/30s -8-1 carol=5;" /* -8.5 rounded towards 0 */
                   "1m 0-1 alice=2;1m 0-1 bob=1;"
                   "1m 1-2 alice=0;1m 1-2 al\xc3\xa9=7;1m 1-2 big=9223372036854775807");
    CHECK(!tc_merge_msg_next_row(&msg)); /* stays at the end */
    tc_merge_msg_clear(&msg);
    CHECK(!tc_merge_msg_next_row(&msg)); /* cleared: nothing */

    /* A row and a rows message have one window, the row's. */
    CHECK_INT(parse(&msg, ROWS_HEAD "\"counts\":{\"a\":1,\"b\":2}}"), 0);
    CHECK_INT(msg.nwindows, 1);
    CHECK(tc_merge_msg_window(&msg, 0, &w));
    CHECK(w.end_ms - w.start_ms == MIN_MS && w.partition == 3 && w.spec_len == 2);
    CHECK(!tc_merge_msg_window(&msg, 1, &w));
    given_rows(&msg, got, sizeof got);
    CHECK_STR(got, "1m 0-1 a=1;1m 0-1 b=2");
    tc_merge_msg_clear(&msg);
    CHECK_INT(parse(&msg, "{\"type\":\"progress\",\"partition\":0,\"partitions\":1,"
                          "\"watermark\":\"2024-05-01T12:00:00Z\"}"),
              0);
    CHECK(!tc_merge_msg_window(&msg, 0, &w));
    tc_merge_msg_clear(&msg);
}

/* A window continued in the next message (its users spread over two):
 * applied to the merge state, the rows of both, summed with another
 * partition's. */
static void test_windows_continued(void)
{
    static const char *text[] = {
        WINDOWS_HEAD "\"windows\":[" WIN(
            "1m", "12:00:00",
            "12:01:00") "\"counts\":{\"alice\":2}}," WIN("1m", "12:01:00",
                                                         "12:02:00") "\"counts\":{"
                                                                     "\"alice\":1,"
                                                                     "\"bob\":4}}]}",
        WINDOWS_HEAD "\"windows\":[" WIN(
            "1m", "12:01:00", "12:02:00") "\"counts\":{\"carol\":3,\"dave\":1}}]}",
        "{\"type\":\"windows\",\"partition\":0,\"windows\":[" WIN(
            "1m", "12:01:00", "12:02:00") "\"counts\":{\"bob\":1}}]}",
    };
    struct tc_merge *m = tc_merge_new();
    struct tc_emit *x = tc_emit_new();
    struct seen s;
    size_t given = 0;
    for (size_t i = 0; i < 3; i++) {
        struct tc_merge_msg msg;
        CHECK_INT(parse(&msg, text[i]), 0);
        while (tc_merge_msg_next_row(&msg)) {
            given++;
            CHECK_INT(tc_merge_add_row(m, &msg.row, err, sizeof err), TC_MERGE_NEW);
        }
        tc_merge_msg_clear(&msg);
    }
    CHECK_INT(given, 6);
    CHECK_INT(tc_merge_stats(m)->rows, 6);
    emit(m, x, &s, true, 0);
    /* 28576080: 2024-05-01T12:00:00Z in minutes. */
    CHECK_STR(s.text, "1m[28576080,28576081)~ alice=2;"
                      "1m[28576081,28576082)~ bob=5 carol=3 alice=1 dave=1;");
    tc_emit_free(x);
    tc_merge_free(m);
}

/* A "windows" message is valid or malformed whole: any bad window
 * element or entry, wherever it is, refuses it, with its position. */
static void test_windows_malformed(void)
{
#define GOOD WIN("1m", "12:00:00", "12:01:00") "\"counts\":{\"a\":1}}"
    static const struct {
        const char *text, *why;
    } bad[] = {
        {WINDOWS_HEAD "\"windows\":[]}", "\"windows\" is empty"},
        {WINDOWS_HEAD "\"future\":1}", "\"windows\" is missing"},
        {WINDOWS_HEAD "\"windows\":{\"a\":1}}", "\"windows\" is not an array"},
        {WINDOWS_HEAD "\"windows\":null}", "\"windows\" is not an array"},
        {WINDOWS_HEAD "\"windows\":[" GOOD ",3]}",
         "\"windows\": element 2 is not an object"},
        {WINDOWS_HEAD "\"windows\":[" GOOD
                      "," WIN("1m", "12:01:00", "12:02:00") "\"counts\":{}}]}",
         "\"windows\": element 2: \"counts\" is empty"},
        {WINDOWS_HEAD "\"windows\":[" GOOD "," GOOD "," WIN(
             "1m", "12:02:00", "12:03:00") "\"counts\":{\"a\":1,\"b\":2,\"c\":1.5}}]}",
         "\"windows\": element 3: \"counts\": entry 3 is not an integer in range"},
        {WINDOWS_HEAD "\"windows\":[" WIN(
             "1m", "12:00:00", "12:01:00") "\"counts\":{\"a\":1,\"b\":-1}}," GOOD "]}",
         "\"windows\": element 1: \"counts\": entry 2 is not an integer in range"},
        {WINDOWS_HEAD "\"windows\":[" GOOD
                      "," WIN("1m", "12:01:00", "12:02:00") "\"counts\":{\"a\":\"1\"}}]}",
         "\"windows\": element 2: \"counts\": entry 1 is not an integer in range"},
        {WINDOWS_HEAD "\"windows\":[" GOOD ",{\"window\":\"1m\",\"start\":"
                      "\"2024-05-01T12:01:00Z\",\"counts\":{\"a\":1}}]}",
         "\"windows\": element 2: \"end\" is missing"},
        {WINDOWS_HEAD "\"windows\":[{\"window\":\"1m\",\"start\":\"noon\",\"end\":"
                      "\"2024-05-01T12:01:00Z\",\"counts\":{\"a\":1}}]}",
         "\"windows\": element 1: \"start\": "},
        {WINDOWS_HEAD "\"windows\":[" GOOD ",{\"window\":\"\",\"start\":"
                      "\"2024-05-01T12:01:00Z\",\"end\":\"2024-05-01T12:02:00Z\","
                      "\"counts\":{\"a\":1}}]}",
         "\"windows\": element 2: \"window\" is empty"},
        {WINDOWS_HEAD "\"windows\":[" GOOD ",{\"window\":5,\"start\":"
                      "\"2024-05-01T12:01:00Z\",\"end\":\"2024-05-01T12:02:00Z\","
                      "\"counts\":{\"a\":1}}]}",
         "\"windows\": element 2: \"window\" is not a string"},
        {WINDOWS_HEAD "\"windows\":[" GOOD
                      "," WIN("1m", "12:01:00", "12:02:00") "\"x\":1}]}",
         "\"windows\": element 2: \"counts\" is missing"},
        {WINDOWS_HEAD
         "\"windows\":[" WIN("1m", "12:01:00", "12:02:00") "\"counts\":[[\"a\",1]]}]}",
         "\"windows\": element 1: \"counts\" is not an object"},
        {"{\"type\":\"windows\",\"windows\":[" GOOD "]}", "\"partition\" is missing"},
        {"{\"type\":\"windows\",\"partition\":-1,\"windows\":[" GOOD "]}",
         "\"partition\" is not an integer in range"},
        {"{\"type\":\"windows\",\"partition\":2147483648,\"windows\":[" GOOD "]}",
         "\"partition\" is not an integer in range"},
        {WINDOWS_HEAD "\"windows\":[" WIN("1m", "12:00:00",
                                          "12:01:00") "\"counts\":{\"a\":1,\"a\":2}}]}",
         "not JSON"}, /* a duplicate username */
    };
#undef GOOD
    struct tc_merge_msg msg;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        CHECK_INT(parse(&msg, bad[i].text), -1);
        if (strstr(err, bad[i].why) == NULL) {
            printf("  %s: '%s', expected '%s'\n", bad[i].text, err, bad[i].why);
            CHECK(0);
        }
        CHECK(!tc_merge_msg_next_row(&msg)); /* none of its rows */
        CHECK_INT(msg.nrows, 0);
        tc_merge_msg_clear(&msg);
    }
}

int main(void)
{
    RUN(test_idempotent_rows);
    RUN(test_finality);
    RUN(test_order_and_top);
    RUN(test_refused);
    RUN(test_messages);
    RUN(test_rows_message);
    RUN(test_rows_malformed);
    RUN(test_check_window);
    RUN(test_windows_message);
    RUN(test_windows_continued);
    RUN(test_windows_malformed);
    return tg_test_finish();
}
