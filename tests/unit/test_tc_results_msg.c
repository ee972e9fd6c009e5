/* The results topic's messages: byte for byte what jansson's json_dumps
 * wrote for them before (the independent derivation), for hostile
 * usernames, specs and topics. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tc_results_msg.h"
#include "tg_test.h"

/* The row as tc_kafka_txn.c built it with jansson; NULL when jansson
 * refuses the username (invalid UTF-8). */
static char *jansson_row(const char *spec, const char *start, const char *end,
                         const char *name, size_t len, uint64_t count, const char *topic,
                         int64_t partition)
{
    json_t *u = json_stringn(name, len);
    if (u == NULL)
        return NULL;
    json_t *row =
        json_pack("{s:s,s:s,s:s,s:s,s:o,s:I,s:b,s:s,s:I}", "type", "row", "window", spec,
                  "start", start, "end", end, "username", u, "count", (json_int_t)count,
                  "final", 1, "topic", topic, "partition", (json_int_t)partition);
    CHECK(row != NULL);
    char *text = json_dumps(row, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(row);
    return text;
}

static char *jansson_progress(const char *topic, int64_t partition, int64_t partitions,
                              const char *wm)
{
    json_t *obj = json_pack("{s:s,s:s,s:I,s:I,s:s}", "type", "progress", "topic", topic,
                            "partition", (json_int_t)partition, "partitions",
                            (json_int_t)partitions, "watermark", wm);
    CHECK(obj != NULL);
    char *text = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(obj);
    return text;
}

/* Compares one row, formatted by m, with jansson's. */
static void check_row(struct tc_results_msg *m, const char *spec, const char *topic,
                      int64_t partition, const char *name, size_t len, uint64_t count)
{
    const char *start = "2024-05-01T12:00:00Z", *end = "2024-05-01T12:10:00.500Z";
    CHECK_INT(tc_results_msg_window(m, spec, start, end, topic, partition), 0);
    char *want = jansson_row(spec, start, end, name, len, count, topic, partition);
    const char *text = NULL;
    size_t tlen = 0;
    int rc = tc_results_msg_row(m, name, len, count, &text, &tlen);
    if (want == NULL) {
        CHECK_INT(rc, TC_RESULTS_MSG_BAD_NAME);
        return;
    }
    CHECK_INT(rc, 0);
    if (rc == 0) {
        CHECK_INT(tlen, strlen(want));
        CHECK(tlen == strlen(want) && memcmp(text, want, tlen) == 0);
        if (tlen != strlen(want) || memcmp(text, want, tlen) != 0)
            fprintf(stderr, "  got  %.*s\n  want %s\n", (int)tlen, text, want);
    }
    free(want);
}

#define ROW(m, s) check_row(m, "1m", "telegram_messages", 3, s, sizeof(s) - 1, 2)

static void test_hostile_names(void)
{
    struct tc_results_msg *m = tc_results_msg_new();
    CHECK(m != NULL);
    if (m == NULL)
        return;
    ROW(m, "alice");
    ROW(m, "");
    ROW(m, "quote\"back\\slash/");
    ROW(m, "\"\"\\\\\"");
    ROW(m, "nl\ncr\rtab\tbs\bff\f");
    ROW(m, "nul\0inside");
    ROW(m, "\x01\x02\x03\x04\x05\x06\x07\x0b\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17"
           "\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x7f");
    ROW(m, "nel\xc2\x85 c1\xc2\x80\xc2\x9f ls\xe2\x80\xa8ps\xe2\x80\xa9");
    ROW(m, "caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80 \xef\xbf\xbf");
    ROW(m, "#general, \"Smith, John\"");
    ROW(m, "<script>alert('x')</script>&amp;");
    /* Invalid UTF-8: jansson refused it, and so does the formatter. */
    ROW(m, "bad\xff");
    ROW(m, "overlong\xc0\xaf");
    ROW(m, "surrogate\xed\xa0\x80");
    ROW(m, "cut\xe4\xb8");
    ROW(m, "above\xf4\x90\x80\x80");
    /* Long names grow the buffer; every byte escaped is the worst case. */
    char big[5000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = i % 3 == 0 ? '\x01' : i % 3 == 1 ? '"' : 'a';
    check_row(m, "1m", "t", 0, big, sizeof big, 1);
    /* Counts and partitions of every size. */
    check_row(m, "1m", "t", 0, "x", 1, 0);
    check_row(m, "1m", "t", 2147483647, "x", 1, 9007199254740993ULL);
    check_row(m, "1m", "t", 7, "x", 1, (uint64_t)INT64_MAX);
    /* Hostile specs and topics go through the same escaper. */
    check_row(m, "10m/30s", "topic.with-dots_1", 12, "bob", 3, 41);
    check_row(m, "we\"ird\\\x01", "q\"t\x1f", 1, "bob", 3, 1);
    tc_results_msg_free(m);
}

/* The rows of one window share their head: a name never leaks into the
 * next row, and a progress message in between changes nothing. */
static void test_reuse(void)
{
    struct tc_results_msg *m = tc_results_msg_new();
    CHECK(m != NULL);
    if (m == NULL)
        return;
    const char *a = "2024-05-01T12:00:00Z", *b = "2024-05-01T12:01:00Z";
    CHECK_INT(tc_results_msg_window(m, "1m", a, b, "t", 5), 0);
    const char *text;
    size_t len;
    CHECK_INT(tc_results_msg_row(m, "a-very-long-name-first", 22, 10, &text, &len), 0);
    CHECK_INT(tc_results_msg_progress(m, "t", 5, 8, b, &text, &len), 0);
    CHECK_INT(tc_results_msg_row(m, "b", 1, 1, &text, &len), 0);
    char *want = jansson_row("1m", a, b, "b", 1, 1, "t", 5);
    CHECK(want != NULL && len == strlen(want) && memcmp(text, want, len) == 0);
    free(want);
    tc_results_msg_free(m);
    tc_results_msg_free(NULL);
}

static void test_progress(void)
{
    struct tc_results_msg *m = tc_results_msg_new();
    CHECK(m != NULL);
    if (m == NULL)
        return;
    const struct {
        const char *topic, *wm;
        int64_t partition, partitions;
    } cases[] = {
        {"telegram_messages", "2024-05-01T12:01:30Z", 3, 4},
        {"t", "2024-05-01T12:01:30.250Z", 0, 1},
        {"x\"y\\z\x01", "-62135596800001", 2147483647, 2147483647},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *text = NULL;
        size_t len = 0;
        CHECK_INT(tc_results_msg_progress(m, cases[i].topic, cases[i].partition,
                                          cases[i].partitions, cases[i].wm, &text, &len),
                  0);
        char *want = jansson_progress(cases[i].topic, cases[i].partition,
                                      cases[i].partitions, cases[i].wm);
        CHECK(want != NULL && len == strlen(want) && memcmp(text, want, len) == 0);
        if (want != NULL && (len != strlen(want) || memcmp(text, want, len) != 0))
            fprintf(stderr, "  got  %.*s\n  want %s\n", (int)len, text, want);
        free(want);
    }
    tc_results_msg_free(m);
}

int main(void)
{
    RUN(test_hostile_names);
    RUN(test_reuse);
    RUN(test_progress);
    return tg_test_finish();
}
