/* The record view (common/tg_record_view.c) tgcount counts by: keys, ids,
 * event times, rejections, and the fast reader against the strict one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_record.h"
#include "tg_test.h"

static struct tg_record_reader *ps;
static struct tg_record_view rec;
static char err[256];

static int parse(const char *s)
{
    err[0] = '\0';
    return tg_record_read(ps, s, strlen(s), &rec, err, sizeof err);
}

static void test_full_record(void)
{
    CHECK_INT(parse("{\"event_time\":\"2024-05-01T12:00:05Z\",\"channel_id\":-100,"
                    "\"channel_name\":null,\"message_id\":7,\"user_id\":42,"
                    "\"username\":\"alice\",\"text\":\"hi\",\"text_length\":2}"),
              0);
    CHECK_INT(rec.event_time_ms, 1714564805000LL);
    CHECK_STR(rec.key, "alice");
    CHECK_INT(rec.key_len, 5);
    CHECK(rec.has_ids);
    CHECK_INT(rec.channel_id, -100);
    CHECK_INT(rec.message_id, 7);
    CHECK(!rec.key_truncated);
}

static void test_keys(void)
{
    CHECK_INT(parse("{\"event_time\":\"2024-05-01T12:00:00Z\",\"user_id\":42,"
                    "\"username\":null}"),
              0);
    CHECK_STR(rec.key, "user_42");
    CHECK_INT(parse("{\"event_time\":\"2024-05-01T12:00:00Z\",\"user_id\":9,"
                    "\"username\":\"\"}"),
              0);
    CHECK_STR(rec.key, "user_9");
    CHECK_INT(parse("{\"event_time\":\"2024-05-01T12:00:00Z\",\"user_id\":0}"), 0);
    CHECK_STR(rec.key, "user_0");
    CHECK_INT(parse("{\"event_time\":\"2024-05-01T12:00:00Z\",\"user_id\":5,"
                    "\"username\":17}"),
              0);
    CHECK_STR(rec.key, "user_5");
    CHECK_INT(parse("{\"event_time\":\"2024-05-01T12:00:00Z\",\"user_id\":null}"), 0);
    CHECK_STR(rec.key, "anonymous");
    CHECK_INT(parse("{\"event_time\":\"2024-05-01T12:00:00Z\",\"user_id\":\"5\"}"), 0);
    CHECK_STR(rec.key, "anonymous");
    CHECK_INT(parse("{\"event_time\":\"2024-05-01T12:00:00Z\",\"user_id\":1.5}"), 0);
    CHECK_STR(rec.key, "anonymous");
    CHECK_INT(
        parse("{\"event_time\":\"2024-05-01T12:00:00Z\",\"username\":\"\\u00e9\\\"x\"}"),
        0);
    CHECK_STR(rec.key, "\xc3\xa9\"x");
}

static void test_ids(void)
{
    CHECK_INT(parse("{\"event_time\":\"2024-05-01T12:00:00Z\",\"username\":\"a\"}"), 0);
    CHECK(!rec.has_ids);
    CHECK_INT(parse("{\"event_time\":\"2024-05-01T12:00:00Z\",\"channel_id\":1,"
                    "\"message_id\":\"2\"}"),
              0);
    CHECK(!rec.has_ids);
    CHECK_INT(parse("{\"event_time\":\"2024-05-01T12:00:00Z\",\"channel_id\":1}"), 0);
    CHECK(!rec.has_ids);
}

static void test_event_times(void)
{
    CHECK_INT(parse("{\"event_time\":\"2024-05-01T14:00:05+02:00\"}"), 0);
    CHECK_INT(rec.event_time_ms, 1714564805000LL);
    CHECK_INT(parse("{\"event_time\":\"2024-05-01T07:00:05.250-05:00\"}"), 0);
    CHECK_INT(rec.event_time_ms, 1714564805250LL);
    CHECK_INT(parse("{\"event_time\":\"2024-05-01 12:00:05\"}"), 0);
    CHECK_INT(rec.event_time_ms, 1714564805000LL);
    CHECK_INT(parse("{\"event_time\":\"2024-02-30T00:00:00Z\"}"), -1);
    CHECK(strstr(err, "event_time") != NULL);
    CHECK_INT(parse("{\"event_time\":1714564805}"), -1);
    CHECK_INT(parse("{\"username\":\"a\"}"), -1);
    CHECK_STR(err, "no event_time");
}

/* One record dated 9999 would make every later record late: only years
 * 1970..2099 are counted. */
static void test_event_time_range(void)
{
    static const struct {
        const char *time;
        int ok;
        long long ms;
    } cases[] = {
        {"1970-01-01T00:00:00Z", 1, 0},
        {"1970-01-01T01:00:00+01:00", 1, 0},
        {"2099-12-31T23:59:59.999Z", 1, 4102444799999LL},
        {"2100-01-01T01:00:00+02:00", 1, 4102441200000LL},
        {"1969-12-31T23:59:59.999Z", 0, 0},
        {"1970-01-01T00:59:59+01:00", 0, 0},
        {"0000-01-01T00:00:00Z", 0, 0},
        {"2100-01-01T00:00:00Z", 0, 0},
        {"9999-12-31T23:59:59Z", 0, 0},
    };
    char line[128];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        snprintf(line, sizeof line, "{\"event_time\":\"%s\",\"username\":\"a\"}",
                 cases[i].time);
        if (cases[i].ok) {
            CHECK_INT(parse(line), 0);
            CHECK_INT(rec.event_time_ms, cases[i].ms);
            CHECK_INT(tg_record_read_fast(ps, line, strlen(line), &rec), 1);
        } else {
            CHECK_INT(parse(line), -1);
            CHECK_STR(err, "event_time out of range (1970..2099)");
            CHECK_INT(tg_record_read_fast(ps, line, strlen(line), &rec), 0);
        }
    }
    /* Year 10000 does not even parse. */
    CHECK_INT(parse("{\"event_time\":\"10000-01-01T00:00:00Z\"}"), -1);
    CHECK(strncmp(err, "event_time: ", 12) == 0);
}

/* Telegram's message and user ids are positive; chat ids of groups are
 * negative. */
static void test_negative_ids(void)
{
    const char *line = "{\"event_time\":\"2024-05-01T12:00:00Z\",\"channel_id\":-100,"
                       "\"message_id\":-1,\"username\":\"a\"}";
    CHECK_INT(parse(line), -1);
    CHECK_STR(err, "message_id is negative");
    CHECK_INT(tg_record_read_fast(ps, line, strlen(line), &rec), 0);
    line = "{\"event_time\":\"2024-05-01T12:00:00Z\",\"channel_id\":-100,"
           "\"message_id\":1,\"user_id\":-9223372036854775807,\"username\":\"a\"}";
    CHECK_INT(parse(line), -1);
    CHECK_STR(err, "user_id is negative");
    /* Even when the id is not what the key is made of, and without the
     * other id. */
    CHECK_INT(parse("{\"event_time\":\"2024-05-01T12:00:00Z\",\"user_id\":-7}"), -1);
    CHECK_INT(parse("{\"event_time\":\"2024-05-01T12:00:00Z\",\"message_id\":-7}"), -1);
    line = "{\"event_time\":\"2024-05-01T12:00:00Z\",\"channel_id\":-100,"
           "\"message_id\":0,\"user_id\":-0,\"username\":null}";
    CHECK_INT(parse(line), 0);
    CHECK_STR(rec.key, "user_0");
    CHECK_INT(rec.channel_id, -100);
    CHECK_INT(tg_record_read_fast(ps, line, strlen(line), &rec), 1);
    /* Other types are not ids: counted, not deduplicated. */
    CHECK_INT(parse("{\"event_time\":\"2024-05-01T12:00:00Z\",\"message_id\":-1.5,"
                    "\"user_id\":\"-3\"}"),
              0);
    CHECK_STR(rec.key, "anonymous");
    CHECK(!rec.has_ids);
}

/* 100,000-deep nesting in a field nobody reads (README's hostile input):
 * rejected with a reason, no stack overflow. */
static void test_deep_nesting(void)
{
    size_t depth = 100000;
    const char *head = "{\"event_time\":\"2024-05-01T12:00:00Z\",\"x\":";
    size_t hl = strlen(head);
    size_t n = hl + 2 * depth + 1;
    char *deep = malloc(n);
    CHECK(deep != NULL);
    if (deep == NULL) {
        return;
    }
    memcpy(deep, head, hl);
    memset(deep + hl, '[', depth);
    memset(deep + hl + depth, ']', depth);
    deep[n - 1] = '}';
    CHECK_INT(tg_record_read(ps, deep, n, &rec, err, sizeof err), -1);
    CHECK(err[0] != '\0');
    free(deep);
}

static void test_rejections(void)
{
    const char *bad[] = {
        "",
        "not json",
        "[1,2]",
        "\"string\"",
        "{\"event_time\":\"2024-05-01T12:00:00Z\"} x",
        "{\"event_time\":\"2024-05-01T12:00:00Z\",\"event_time\":\"2024-05-01T12:00:"
        "00Z\"}",
        "{\"event_time\":\"2024-05-01T12:00:00Z\",\"username\":\"\xff\"}",
        "{\"event_time\":\"2024-05-01T12:00:00Z\",\"message_id\":18446744073709551616}",
        "{\"event_time\":\"2024-05-01T12:00:00Z\",\"username\":\"a\\u0000b\"}",
        "{\"event_time\":\"2024-05-01T12:00:00Z\"",
        /* the rest of README's hostile input catalogue */
        "{\"event_time\":\"2024-05-01T12:00:00Z\",\"text_length\":1e400}",
        "{\"event_time\":\"2024-05-01T12:00:00Z\",\"user_id\":18446744073709551616}",
        "{\"event_time\":\"2024-05-01T12:00:00Z\",\"user_id\":9223372036854775808}",
        "{\"event_time\":\"2024-05-01T12:00:00Z\",\"username\":\"a\",\"username\":\"b\"}",
        "{\"event_time\":\"2024-05-01T12:00:00Z\",\"t\":\"\xc3\x28\"}",
        "{\"event_time\":\"2024-05-01T12:00:00Z\",\"t\":\"\xed\xa0\x80\"}",
        "\x7f\x45\x4c\x46\x02\x01",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (parse(bad[i]) != -1) {
            printf("  accepted: %s\n", bad[i]);
            CHECK(0);
        }
        CHECK(err[0] != '\0');
    }
    /* A NUL byte inside the line. */
    const char nul[] = "{\"event_time\":\"2024-05-01T12:00:00Z\"}\0";
    CHECK_INT(tg_record_read(ps, nul, sizeof nul - 1, &rec, err, sizeof err), -1);
    const char nul2[] = "{\"event_time\":\"2024-05-01T12:00:00Z\",\"u\":\"a\0\"}";
    CHECK_INT(tg_record_read(ps, nul2, sizeof nul2 - 1, &rec, err, sizeof err), -1);
    /* Right after a number or a literal, where jansson lets one pass. */
    static const char *const after[] = {"5", "-7", "1.5", "1e3", "true", "false", "null"};
    for (size_t i = 0; i < sizeof after / sizeof *after; i++) {
        char line[128];
        int n =
            snprintf(line, sizeof line,
                     "{\"event_time\":\"2024-05-01T12:00:00Z\",\"user_id\":%s", after[i]);
        memcpy(line + n, "\0}", 2);
        size_t len = (size_t)n + 2;
        CHECK_INT(tg_record_read(ps, line, len, &rec, err, sizeof err), -1);
        CHECK(strstr(err, "NUL byte") != NULL);
        CHECK_INT(tg_record_read_fast(ps, line, len, &rec), 0);
    }
    /* Surrounding whitespace and a newline are fine. */
    CHECK_INT(parse(" {\"event_time\":\"2024-05-01T12:00:00Z\"}\r\n"), 0);
}

static void test_truncation(void)
{
    char line[1024];
    char name[400];
    /* 255 ASCII bytes then a 2-byte character: cut before it. */
    memset(name, 'a', 255);
    memcpy(name + 255, "\xc3\xa9", 2);
    memcpy(name + 257, "zz", 3);
    snprintf(line, sizeof line,
             "{\"event_time\":\"2024-05-01T12:00:00Z\",\"username\":\"%s\"}", name);
    CHECK_INT(parse(line), 0);
    CHECK(rec.key_truncated);
    CHECK_INT(rec.key_len, 255);
    CHECK_INT(strlen(rec.key), 255);
    memset(name, 'b', 256);
    name[256] = '\0';
    snprintf(line, sizeof line,
             "{\"event_time\":\"2024-05-01T12:00:00Z\",\"username\":\"%s\"}", name);
    CHECK_INT(parse(line), 0);
    CHECK(!rec.key_truncated);
    CHECK_INT(rec.key_len, 256);
}

/* ---- differential: fast path against strict path ---------------------- */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static size_t pick(size_t n)
{
    return (size_t)(next_rand() % n);
}

static const char *const pieces[] = {
    "\"event_time\":\"2024-05-01T12:00:05Z\"",
    "\"event_time\":\"2024-05-01T14:00:05.123+02:00\"",
    "\"event_time\":\"2024-13-01T12:00:05Z\"",
    "\"event_time\":\"2024-05-01T12:00:05\\u005a\"",
    "\"event_time\":null",
    "\"channel_id\":-1001234567890",
    "\"channel_id\":1e3",
    "\"message_id\":42",
    "\"message_id\":999999999999999999",
    "\"message_id\":9223372036854775808",
    "\"message_id\":-0",
    "\"message_id\":-42",
    "\"user_id\":-7",
    "\"user_id\":0",
    "\"event_time\":\"1969-12-31T23:59:59.999Z\"",
    "\"event_time\":\"1970-01-01T00:00:00Z\"",
    "\"event_time\":\"2099-12-31T23:59:59.999Z\"",
    "\"event_time\":\"2100-01-01T00:00:00Z\"",
    "\"event_time\":\"9999-12-31T23:59:59Z\"",
    "\"message_id\":012",
    "\"user_id\":7",
    "\"user_id\":null",
    "\"user_id\":7.0",
    "\"user_id\":true",
    "\"username\":\"alice\"",
    "\"username\":\"\"",
    "\"username\":null",
    "\"username\":\"Zo\xc3\xab\"",
    "\"username\":\"a\\\"b\"",
    "\"username\":\"\\u0061lice\"",
    "\"username\":[1]",
    "\"usern\\u0061me\":\"x\"",
    "\"text\":\"hello \\n \\\" \\/ \\t world\"",
    "\"text\":\"\\ud83d\\ude00\"",
    "\"text\":\"\\ud83d\"",
    "\"text\":\"\\u0000\"",
    "\"text\":\"\xe2\x82\xac \xf0\x9f\x98\x80\"",
    "\"text\":\"\xed\xa0\x80\"",
    "\"text\":\"\xc0\xaf\"",
    "\"text\":{\"a\":1}",
    "\"text_length\":5",
    "\"first_name\":false",
    "\"\":1",
    /* Longer than 16 bytes, with the byte that matters past the first 16,
     * for the 16-bytes-at-a-time scan. */
    "\"text\":\"0123456789abcdefghij\\\"klmnopqrstuvwxyz0123456789\"",
    "\"text\":\"0123456789abcdef\x01ghij\"",
    "\"text\":\"0123456789abcdef0123456789\xc3(abcdefghijklmnop\"",
    "\"text\":\"\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 "
    "\xd0\xbc\xd0\xb8\xd1\x80 "
    "0123456789\\n\"",
    "\"text\":\"0123456789abcdef0123456789abcdef\"",
    "\"username\":\"a_rather_long_username_of_40_bytes_xxxx\"",
    "\"username\":\"\xd0\x90\xd0\xbd\xd0\xbd\xd0\xb0_0123456789abcdef\"",
};

/* A random record from the pieces, then maybe a mutation. */
static size_t make_line(char *buf, size_t cap)
{
    size_t n = 0;
    buf[n++] = pick(8) == 0 ? ' ' : '{';
    size_t fields = 1 + pick(8);
    for (size_t i = 0; i < fields; i++) {
        const char *piece =
            pick(3) == 0 ? pieces[0] : pieces[pick(sizeof pieces / sizeof *pieces)];
        size_t len = strlen(piece);
        if (n + len + 8 >= cap) {
            break;
        }
        if (i > 0) {
            buf[n++] = ',';
            if (pick(4) == 0) {
                buf[n++] = ' ';
            }
        }
        memcpy(buf + n, piece, len);
        n += len;
    }
    buf[n++] = '}';
    if (pick(10) == 0) {
        buf[n++] = '\n';
    }
    static const char junk[] = "{}[]\",:\\ \t\n\x00\xff\x80"
                               "e-0aZ";
    switch (pick(5)) {
    case 0: /* flip a byte */
        buf[pick(n)] = junk[pick(sizeof junk - 1)];
        break;
    case 1: /* cut */
        n = pick(n + 1);
        break;
    case 2: /* insert */
        if (n + 1 < cap) {
            size_t at = pick(n + 1);
            memmove(buf + at + 1, buf + at, n - at);
            buf[at] = junk[pick(sizeof junk - 1)];
            n++;
        }
        break;
    case 3: /* a NUL right after a number or a literal, which jansson lets pass */
        for (size_t at = 1 + pick(n); at < n && n + 1 < cap; at++) {
            char c = buf[at - 1];
            if (((c >= '0' && c <= '9') || c == 'e' || c == 'l') &&
                (buf[at] == ',' || buf[at] == '}')) {
                memmove(buf + at + 1, buf + at, n - at);
                buf[at] = '\0';
                n++;
                break;
            }
        }
        break;
    default:
        break;
    }
    return n;
}

static void test_fast_equals_strict(void)
{
    char line[2048];
    struct tg_record_view fast, strict;
    int fast_yes = 0, strict_yes = 0, mismatches = 0, with_nul = 0, nul_accepted = 0;
    for (int i = 0; i < 200000; i++) {
        size_t n = make_line(line, sizeof line);
        int f = tg_record_read_fast(ps, line, n, &fast);
        char fkey[TG_RECORD_USERNAME_MAX + 1];
        if (f) {
            memcpy(fkey, fast.key, fast.key_len + 1);
        }
        int s = tg_record_read_strict(ps, line, n, &strict, err, sizeof err) == 0;
        strict_yes += s;
        if (memchr(line, '\0', n) != NULL) {
            with_nul++;
            if (s || f) {
                if (nul_accepted++ < 5) {
                    printf("  accepted with a NUL byte: %.*s\n", (int)n, line);
                }
            }
        }
        if (!f) {
            continue;
        }
        fast_yes++;
        if (!s || fast.event_time_ms != strict.event_time_ms ||
            fast.key_len != strict.key_len ||
            memcmp(fkey, strict.key, strict.key_len) != 0 ||
            fast.key_truncated != strict.key_truncated ||
            fast.has_ids != strict.has_ids || fast.channel_id != strict.channel_id ||
            fast.message_id != strict.message_id) {
            if (mismatches++ < 5) {
                printf("  fast and strict differ on: %.*s\n", (int)n, line);
            }
        }
    }
    CHECK_INT(mismatches, 0);
    /* A NUL byte anywhere makes a line malformed, for both readers. */
    CHECK_INT(nul_accepted, 0);
    CHECK(with_nul > 1000);
    /* The fast path must carry most of the valid records, or it is useless. */
    printf("  strict accepted %d, fast decided %d\n", strict_yes, fast_yes);
    CHECK(fast_yes > strict_yes / 3);
}

static void test_fast_common_records(void)
{
    const char *line =
        "{\"event_time\":\"2024-05-01T12:00:05Z\",\"channel_id\":-100,"
        "\"channel_name\":\"chat\",\"message_id\":7,\"user_id\":42,"
        "\"username\":\"alice\",\"first_name\":\"A\",\"last_name\":null,"
        "\"text\":\"hi \\\"there\\\"\\n\xf0\x9f\x98\x80\",\"text_length\":12}";
    CHECK_INT(tg_record_read_fast(ps, line, strlen(line), &rec), 1);
    CHECK_STR(rec.key, "alice");
    CHECK_INT(rec.message_id, 7);
    /* Unsure cases go to jansson. */
    CHECK_INT(tg_record_read_fast(ps,
                                  "{\"event_time\":\"2024-05-01T12:00:05Z\","
                                  "\"event_time\":\"2024-05-01T12:00:05Z\"}",
                                  77, &rec),
              0);
    CHECK_INT(
        tg_record_read_fast(ps, "{\"event_time\":\"2024-05-01T12:00:05Z\"} x", 40, &rec),
        0);
}

int main(void)
{
    ps = tg_record_reader_new();
    RUN(test_full_record);
    RUN(test_keys);
    RUN(test_ids);
    RUN(test_event_times);
    RUN(test_event_time_range);
    RUN(test_negative_ids);
    RUN(test_deep_nesting);
    RUN(test_rejections);
    RUN(test_truncation);
    RUN(test_fast_common_records);
    RUN(test_fast_equals_strict);
    tg_record_reader_free(ps);
    return tg_test_finish();
}
