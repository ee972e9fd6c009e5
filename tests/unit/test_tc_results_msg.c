/* The results topic's messages: byte for byte what jansson's json_dumps
 * writes for them (the independent derivation), for hostile usernames,
 * specs and topics, several windows in one message and windows over
 * several messages. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tc_results_msg.h"
#include "tg_test.h"

/* A "windows" message as jansson writes it (the independent derivation):
 * the names as object keys in the order given; NULL when jansson refuses
 * a name (invalid UTF-8). */
struct row {
    const char *name;
    size_t len;
    uint64_t count;
};

struct window {
    const char *spec, *start, *end;
    const struct row *rows;
    size_t n;
};

static char *jansson_windows(const struct window *ws, size_t nw, const char *topic,
                             int64_t partition)
{
    json_t *arr = json_array();
    CHECK(arr != NULL);
    for (size_t w = 0; w < nw; w++) {
        json_t *counts = json_object();
        CHECK(counts != NULL);
        for (size_t i = 0; i < ws[w].n; i++) {
            const struct row *r = &ws[w].rows[i];
            if (json_object_setn_new(counts, r->name, r->len,
                                     json_integer((json_int_t)r->count)) != 0) {
                json_decref(counts);
                json_decref(arr);
                return NULL;
            }
        }
        json_t *elem = json_pack("{s:s,s:s,s:s,s:o}", "window", ws[w].spec, "start",
                                 ws[w].start, "end", ws[w].end, "counts", counts);
        CHECK(elem != NULL);
        json_array_append_new(arr, elem);
    }
    json_t *obj =
        json_pack("{s:s,s:b,s:s,s:I,s:o}", "type", "windows", "final", 1, "topic", topic,
                  "partition", (json_int_t)partition, "windows", arr);
    CHECK(obj != NULL);
    char *text = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(obj);
    return text;
}

static char *jansson_rows(const char *spec, const char *start, const char *end,
                          const struct row *rows, size_t n, const char *topic,
                          int64_t partition)
{
    const struct window w = {spec, start, end, rows, n};
    return jansson_windows(&w, 1, topic, partition);
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
    CHECK(want != NULL);
    if (want == NULL)
        return;
    CHECK_INT(tc_results_msg_add(m, name, len, count), 0);
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
    /* Invalid UTF-8 never gets here: tc_task_load refuses it (test_tc_task)
     * and the record decoder never passes it. */
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

/* Several windows of one partition in one message; a progress in between
 * changes nothing; take with nothing open fails; a window cut by a take
 * goes on in the next message with its element again; another partition
 * needs the open message taken first. */
static void test_several(void)
{
    struct tc_results_msg *m = tc_results_msg_new();
    CHECK(m != NULL);
    if (m == NULL)
        return;
    const char *a = "2024-05-01T12:00:00Z", *b = "2024-05-01T12:01:00Z",
               *c = "2024-05-01T12:10:00Z";
    const struct row rows[] = {{"a-very-long-name-first", 22, 10},
                               {"b", 1, 3},
                               {"", 0, 1},
                               {"caf\xc3\xa9", 5, 4}};
    const char *text;
    size_t len;
    uint64_t n;
    CHECK_INT(tc_results_msg_window(m, "1m", a, b, "t", 5), 0);
    CHECK_INT(tc_results_msg_take(m, &text, &len, &n), -1);
    CHECK_INT(tc_results_msg_add(m, rows[0].name, rows[0].len, rows[0].count), 0);
    CHECK_INT(tc_results_msg_progress(m, "t", 5, 8, b, &text, &len), 0);
    CHECK_INT(tc_results_msg_add(m, rows[1].name, rows[1].len, rows[1].count), 0);
    CHECK_INT(tc_results_msg_window(m, "10m/30s", a, c, "t", 5), 0);
    CHECK_INT(tc_results_msg_add(m, rows[2].name, rows[2].len, rows[2].count), 0);
    CHECK_INT(tc_results_msg_window(m, "1m", b, "2024-05-01T12:02:00Z", "t", 5), 0);
    CHECK_INT(tc_results_msg_add(m, rows[3].name, rows[3].len, rows[3].count), 0);
    CHECK_INT(tc_results_msg_add(m, rows[1].name, rows[1].len, rows[1].count), 0);
    CHECK_INT(tc_results_msg_take(m, &text, &len, &n), 0);
    CHECK_INT(n, 5);
    const struct row third[] = {rows[3], rows[1]};
    const struct window three[] = {{"1m", a, b, rows, 2},
                                   {"10m/30s", a, c, &rows[2], 1},
                                   {"1m", b, "2024-05-01T12:02:00Z", third, 2}};
    char *want = jansson_windows(three, 3, "t", 5);
    CHECK(same(text, len, want));
    free(want);
    /* The window last set goes on in the next message. */
    CHECK_INT(tc_results_msg_add(m, rows[0].name, rows[0].len, rows[0].count), 0);
    CHECK_INT(tc_results_msg_take(m, &text, &len, &n), 0);
    CHECK_INT(n, 1);
    want = jansson_rows("1m", b, "2024-05-01T12:02:00Z", rows, 1, "t", 5);
    CHECK(same(text, len, want));
    free(want);
    /* Another partition, or topic, while a message is open: refused, the
     * message kept; once it is taken, accepted. */
    CHECK_INT(tc_results_msg_window(m, "1m", a, b, "t", 5), 0);
    CHECK_INT(tc_results_msg_add(m, rows[1].name, rows[1].len, rows[1].count), 0);
    size_t open = tc_results_msg_pending(m);
    CHECK_INT(tc_results_msg_window(m, "1m", a, b, "t", 6), -1);
    CHECK_INT(tc_results_msg_window(m, "1m", a, b, "u", 5), -1);
    CHECK_INT(tc_results_msg_pending(m), open);
    CHECK_INT(tc_results_msg_take(m, &text, &len, &n), 0);
    CHECK_INT(tc_results_msg_window(m, "1m", a, b, "u", 6), 0);
    CHECK_INT(tc_results_msg_add(m, rows[1].name, rows[1].len, rows[1].count), 0);
    CHECK_INT(tc_results_msg_take(m, &text, &len, &n), 0);
    want = jansson_rows("1m", a, b, &rows[1], 1, "u", 6);
    CHECK(same(text, len, want));
    free(want);
    tc_results_msg_free(m);
    tc_results_msg_free(NULL);
}

/* Windows of few and of many users fill messages of about
 * TC_RESULTS_MSG_ROWS_BYTES the way tc_kafka_txn.c does: every message
 * parses, stays below the limit plus one row and one window's element,
 * and together they hold every (window, user) once, with its count. */
static void test_chunks(void)
{
    struct tc_results_msg *m = tc_results_msg_new();
    CHECK(m != NULL);
    if (m == NULL)
        return;
    enum { WINDOWS = 300, BIG = 150, BIG_USERS = 20000 };
    size_t messages = 0, total = 0, want_total = 0, wrong = 0, short_ones = 0;
    bool fits = true, parses = true;
    static unsigned char seen[WINDOWS][BIG_USERS];
    memset(seen, 0, sizeof seen);
    for (size_t w = 0; w <= WINDOWS; w++) {
        size_t users = w == BIG ? BIG_USERS : 1 + w % 37;
        char start[32];
        snprintf(start, sizeof start, "2024-05-01T%02zu:%02zu:00Z", w / 60, w % 60);
        if (w < WINDOWS) {
            CHECK_INT(tc_results_msg_window(m, "1m", start, "2024-05-02T00:00:00Z",
                                            "telegram_messages", 9),
                      0);
            want_total += users;
        }
        for (size_t u = 0; u <= users; u++) {
            if (w < WINDOWS && u < users) {
                char name[32];
                int len = snprintf(name, sizeof name, "user_%zu", u);
                CHECK_INT(tc_results_msg_add(m, name, (size_t)len, w * 100000 + u), 0);
            }
            if (tc_results_msg_pending(m) < TC_RESULTS_MSG_ROWS_BYTES &&
                !(w == WINDOWS && tc_results_msg_pending(m) > 0))
                continue;
            const char *text;
            size_t len;
            uint64_t n;
            CHECK_INT(tc_results_msg_take(m, &text, &len, &n), 0);
            messages++;
            total += n;
            fits = fits && len < TC_RESULTS_MSG_ROWS_BYTES + 200;
            short_ones += len < TC_RESULTS_MSG_ROWS_BYTES;
            json_t *obj = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
            json_t *arr = json_object_get(obj, "windows");
            parses = parses && json_is_array(arr) && json_array_size(arr) > 0;
            size_t rows = 0, i;
            json_t *elem;
            json_array_foreach(arr, i, elem)
            {
                const char *st = json_string_value(json_object_get(elem, "start"));
                size_t ws = st == NULL
                                ? WINDOWS
                                : (size_t)atoi(st + 11) * 60 + (size_t)atoi(st + 14);
                json_t *counts = json_object_get(elem, "counts");
                const char *key;
                json_t *value;
                json_object_foreach(counts, key, value)
                {
                    size_t user = (size_t)strtoul(key + 5, NULL, 10);
                    if (ws >= WINDOWS || user >= BIG_USERS || seen[ws][user]++ != 0 ||
                        json_integer_value(value) != (json_int_t)(ws * 100000 + user))
                        wrong++;
                    rows++;
                }
            }
            parses = parses && rows == n;
            json_decref(obj);
        }
    }
    CHECK(messages > 1);
    CHECK(fits);
    CHECK_INT(short_ones, 1); /* windows share messages: only the last is short */
    CHECK(parses);
    CHECK_INT(wrong, 0);
    CHECK_INT(total, want_total);
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
