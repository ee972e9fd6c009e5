/* The results topic's messages: byte for byte what jansson's json_dumps
 * writes for them (the independent derivation), for hostile usernames,
 * specs and topics, and a window's rows over several messages. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tc_results_msg.h"
#include "tg_test.h"

/* A "rows" message as jansson writes it (the independent derivation):
 * the names as object keys in the order given; NULL when jansson refuses
 * a name (invalid UTF-8). */
struct row {
    const char *name;
    size_t len;
    uint64_t count;
};

static char *jansson_rows(const char *spec, const char *start, const char *end,
                          const struct row *rows, size_t n, const char *topic,
                          int64_t partition)
{
    json_t *counts = json_object();
    CHECK(counts != NULL);
    for (size_t i = 0; i < n; i++) {
        if (json_object_setn_new(counts, rows[i].name, rows[i].len,
                                 json_integer((json_int_t)rows[i].count)) != 0) {
            json_decref(counts);
            return NULL;
        }
    }
    json_t *obj = json_pack("{s:s,s:s,s:s,s:s,s:b,s:s,s:I,s:o}", "type", "rows", "window",
                            spec, "start", start, "end", end, "final", 1, "topic", topic,
                            "partition", (json_int_t)partition, "counts", counts);
    CHECK(obj != NULL);
    char *text = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(obj);
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

static bool same(const char *text, size_t len, const char *want)
{
    bool ok = want != NULL && len == strlen(want) && memcmp(text, want, len) == 0;
    if (!ok)
        fprintf(stderr, "  got  %.*s\n  want %s\n", (int)len, text, want ? want : "NULL");
    return ok;
}

/* Compares a message of one row, formatted by m, with jansson's. */
static void check_row(struct tc_results_msg *m, const char *spec, const char *topic,
                      int64_t partition, const char *name, size_t len, uint64_t count)
{
    const char *start = "2024-05-01T12:00:00Z", *end = "2024-05-01T12:10:00.500Z";
    CHECK_INT(tc_results_msg_window(m, spec, start, end, topic, partition), 0);
    struct row row = {name, len, count};
    char *want = jansson_rows(spec, start, end, &row, 1, topic, partition);
    int rc = tc_results_msg_add(m, name, len, count);
    if (want == NULL) {
        CHECK_INT(rc, TC_RESULTS_MSG_BAD_NAME);
        CHECK_INT(tc_results_msg_pending(m), 0);
        return;
    }
    CHECK_INT(rc, 0);
    const char *text = NULL;
    size_t tlen = 0;
    uint64_t rows = 0;
    CHECK_INT(tc_results_msg_take(m, &text, &tlen, &rows), 0);
    CHECK_INT(rows, 1);
    CHECK(same(text, tlen, want));
    CHECK_INT(tc_results_msg_pending(m), 0);
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

/* Several rows in one message; a bad name adds nothing and leaves the
 * message as it was; a progress in between changes nothing; take with
 * nothing open fails. */
static void test_several(void)
{
    struct tc_results_msg *m = tc_results_msg_new();
    CHECK(m != NULL);
    if (m == NULL)
        return;
    const char *a = "2024-05-01T12:00:00Z", *b = "2024-05-01T12:01:00Z";
    const struct row rows[] = {
        {"a-very-long-name-first", 22, 10}, {"b", 1, 3}, {"", 0, 1}};
    const char *text;
    size_t len;
    uint64_t n;
    CHECK_INT(tc_results_msg_window(m, "1m", a, b, "t", 5), 0);
    CHECK_INT(tc_results_msg_take(m, &text, &len, &n), -1);
    CHECK_INT(tc_results_msg_add(m, rows[0].name, rows[0].len, rows[0].count), 0);
    CHECK_INT(tc_results_msg_add(m, "bad\xff", 4, 7), TC_RESULTS_MSG_BAD_NAME);
    CHECK_INT(tc_results_msg_progress(m, "t", 5, 8, b, &text, &len), 0);
    CHECK_INT(tc_results_msg_add(m, rows[1].name, rows[1].len, rows[1].count), 0);
    CHECK_INT(tc_results_msg_add(m, rows[2].name, rows[2].len, rows[2].count), 0);
    CHECK_INT(tc_results_msg_take(m, &text, &len, &n), 0);
    CHECK_INT(n, 3);
    char *want = jansson_rows("1m", a, b, rows, 3, "t", 5);
    CHECK(same(text, len, want));
    free(want);
    /* The next message of the same window starts over with its head. */
    CHECK_INT(tc_results_msg_add(m, rows[1].name, rows[1].len, rows[1].count), 0);
    CHECK_INT(tc_results_msg_take(m, &text, &len, &n), 0);
    CHECK_INT(n, 1);
    want = jansson_rows("1m", a, b, &rows[1], 1, "t", 5);
    CHECK(same(text, len, want));
    free(want);
    /* Setting a window drops rows not taken. */
    CHECK_INT(tc_results_msg_add(m, rows[0].name, rows[0].len, rows[0].count), 0);
    CHECK_INT(tc_results_msg_window(m, "1m", a, b, "t", 6), 0);
    CHECK_INT(tc_results_msg_pending(m), 0);
    tc_results_msg_free(m);
    tc_results_msg_free(NULL);
}

/* A window of many users fills messages of about TC_RESULTS_MSG_ROWS_BYTES
 * the way tc_kafka_txn.c does: every message parses, stays below the
 * limit plus one row, and together they hold every row once. */
static void test_chunks(void)
{
    struct tc_results_msg *m = tc_results_msg_new();
    CHECK(m != NULL);
    if (m == NULL)
        return;
    enum { USERS = 20000 };
    CHECK_INT(tc_results_msg_window(m, "10m/30s", "2024-05-01T12:00:00Z",
                                    "2024-05-01T12:10:00Z", "telegram_messages", 9),
              0);
    size_t messages = 0, seen = 0, total = 0;
    bool fits = true, parses = true;
    for (size_t u = 0; u <= USERS; u++) {
        if (u < USERS) {
            char name[32];
            int len = snprintf(name, sizeof name, "user_%zu", u);
            CHECK_INT(tc_results_msg_add(m, name, (size_t)len, u + 1), 0);
        }
        if (tc_results_msg_pending(m) >= TC_RESULTS_MSG_ROWS_BYTES ||
            (u == USERS && tc_results_msg_pending(m) > 0)) {
            const char *text;
            size_t len;
            uint64_t n;
            CHECK_INT(tc_results_msg_take(m, &text, &len, &n), 0);
            messages++;
            total += n;
            fits = fits && len < TC_RESULTS_MSG_ROWS_BYTES + 64;
            json_t *obj = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
            json_t *counts = json_object_get(obj, "counts");
            parses = parses && json_is_object(counts) && json_object_size(counts) == n;
            const char *key;
            json_t *value;
            json_object_foreach(counts, key, value)
            {
                size_t idx = (size_t)strtoul(key + 5, NULL, 10);
                parses = parses && idx == seen &&
                         json_integer_value(value) == (json_int_t)idx + 1;
                seen++;
            }
            json_decref(obj);
        }
    }
    CHECK(messages > 1);
    CHECK(fits);
    CHECK(parses);
    CHECK_INT(total, USERS);
    CHECK_INT(seen, USERS);
    tc_results_msg_free(m);
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
    RUN(test_several);
    RUN(test_chunks);
    RUN(test_progress);
    return tg_test_finish();
}
