/* Unit tests for common/tg_record.c and tg_record_decode.c: the writer
 * (byte for byte against jansson's json_dumps), the decoder and the reading
 * contract, the counting key.  The view is test_record_view's. */
#include "tg_record.h"
#include "tg_test.h"
#include "tg_utf8.h"

#include <stdlib.h>

#include <jansson.h>

/* 2024-03-01T12:34:56Z, computed by hand: 19783 days * 86400 s + 45296 s. */
#define T_2024_03_01 INT64_C(1709296496000)

static char err[256];

/* Decodes a C string from a malloc'd buffer of exactly its length, with no
 * NUL after it, so that ASan catches any read past the end. */
static int decode_exact(const char *text, struct tg_record *rec)
{
    size_t len = strlen(text);
    char *buf = malloc(len ? len : 1);
    memcpy(buf, text, len);
    err[0] = '\0';
    int rc = tg_record_decode(buf, len, rec, err, sizeof err);
    free(buf);
    return rc;
}

/* Expects decoding to fail with a message containing `want`. */
static int fails_with(const char *text, const char *want)
{
    struct tg_record rec;
    tg_record_init(&rec);
    int rc = decode_exact(text, &rec);
    bool ok = rc == -1 && strstr(err, want) != NULL && rec.text == NULL;
    if (!ok)
        fprintf(stderr, "  input %s: rc %d, err \"%s\", wanted \"%s\"\n", text, rc, err,
                want);
    tg_record_clear(&rec);
    return ok;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void fill(struct tg_record *rec, const char *name, const char *username,
                 const char *text)
{
    tg_record_init(rec);
    rec->event_time_ms = T_2024_03_01;
    rec->has_channel_id = true;
    rec->channel_id = -1001234567890;
    rec->channel_name = dup_or_null(name);
    rec->has_message_id = true;
    rec->message_id = 42;
    rec->has_user_id = true;
    rec->user_id = 777;
    rec->username = dup_or_null(username);
    rec->first_name = strdup("Ив\xc3\xa1n");
    rec->last_name = NULL;
    rec->text = dup_or_null(text);
    rec->text_length = text ? (int64_t)tg_utf8_codepoints(text, strlen(text)) : 0;
}

static void test_encode_exact_output(void)
{
    struct tg_record rec;
    char *out = NULL;
    size_t len = 0;
    fill(&rec, "News", "alice", "hi");
    CHECK_INT(tg_record_encode(&rec, &out, &len, err, sizeof err), 0);
    CHECK_STR(out,
              "{\"event_time\":\"2024-03-01T12:34:56Z\",\"channel_id\":-1001234567890,"
              "\"channel_name\":\"News\",\"message_id\":42,\"user_id\":777,"
              "\"username\":\"alice\",\"first_name\":\"Ив\xc3\xa1n\","
              "\"last_name\":null,\"text\":\"hi\",\"text_length\":2}");
    CHECK_INT(len, out ? strlen(out) : 0);
    free(out);
    tg_record_clear(&rec);

    /* milliseconds, nulls, text NULL encodes as "" */
    tg_record_init(&rec);
    rec.event_time_ms = 1500;
    rec.has_channel_id = rec.has_message_id = true;
    rec.channel_id = 5;
    rec.message_id = 6;
    CHECK_INT(tg_record_encode(&rec, &out, &len, err, sizeof err), 0);
    CHECK_STR(out, "{\"event_time\":\"1970-01-01T00:00:01.500Z\",\"channel_id\":5,"
                   "\"channel_name\":null,\"message_id\":6,\"user_id\":null,"
                   "\"username\":null,\"first_name\":null,\"last_name\":null,"
                   "\"text\":\"\",\"text_length\":0}");
    free(out);

    /* a record read without ids is written with null ids; the clock's
     * every part, before 1970 too */
    rec.has_channel_id = rec.has_message_id = false;
    rec.event_time_ms = -INT64_C(86400000) + 45296007; /* 1969-12-31T12:34:56.007Z */
    CHECK_INT(tg_record_encode(&rec, &out, &len, err, sizeof err), 0);
    CHECK_STR(out, "{\"event_time\":\"1969-12-31T12:34:56.007Z\",\"channel_id\":null,"
                   "\"channel_name\":null,\"message_id\":null,\"user_id\":null,"
                   "\"username\":null,\"first_name\":null,\"last_name\":null,"
                   "\"text\":\"\",\"text_length\":0}");
    free(out);
}

static void test_encode_raw_utf8_and_escapes(void)
{
    struct tg_record rec;
    char *out = NULL;
    size_t len = 0;
    fill(&rec, "Канал", "bob", "Привет 😀 \"q\" \\ line1\nline2\t\x01 / end");
    CHECK_INT(tg_record_encode(&rec, &out, &len, err, sizeof err), 0);
    CHECK(out != NULL && strstr(out, "\"channel_name\":\"Канал\"") != NULL);
    CHECK(out != NULL && strstr(out, "\"text\":\"Привет 😀 \\\"q\\\" \\\\ line1\\nline2\\t"
                                     "\\u0001 / end\"") != NULL);
    CHECK(out != NULL && strstr(out, "\\u04") == NULL);   /* Cyrillic not escaped */
    CHECK(out != NULL && strstr(out, "\\ud83d") == NULL); /* nor the emoji */
    CHECK(out != NULL && strchr(out, '\n') == NULL);      /* one line */
    CHECK(out != NULL && tg_utf8_valid(out, len));
    free(out);
    tg_record_clear(&rec);
}

static void test_encode_errors(void)
{
    struct tg_record rec;
    char *out = (char *)1;
    size_t len = 99;

    fill(&rec, "ok", "bad\xff", "x");
    CHECK_INT(tg_record_encode(&rec, &out, &len, err, sizeof err), -1);
    CHECK_STR(err, "username: invalid UTF-8");
    CHECK(out == NULL && len == 0);
    tg_record_clear(&rec);

    fill(&rec, "ok", "u", "surrogate \xed\xa0\x80");
    CHECK_INT(tg_record_encode(&rec, &out, &len, err, sizeof err), -1);
    CHECK_STR(err, "text: invalid UTF-8");
    tg_record_clear(&rec);

    fill(&rec, "\xc0\x80", "u", "x");
    CHECK_INT(tg_record_encode(&rec, &out, &len, err, sizeof err), -1);
    CHECK_STR(err, "channel_name: invalid UTF-8");
    tg_record_clear(&rec);

    fill(&rec, "ok", "u", "x");
    rec.event_time_ms = INT64_C(253402300800000); /* 10000-01-01 */
    CHECK_INT(tg_record_encode(&rec, &out, &len, err, sizeof err), -1);
    CHECK(strstr(err, "event_time:") == err);
    rec.event_time_ms = -1; /* 1969-12-31T23:59:59.999Z is fine */
    CHECK_INT(tg_record_encode(&rec, &out, &len, err, sizeof err), 0);
    CHECK(out != NULL && strstr(out, "\"1969-12-31T23:59:59.999Z\"") != NULL);
    free(out);
    tg_record_clear(&rec);
}

static void check_same(const struct tg_record *a, const struct tg_record *b)
{
    CHECK_INT(a->event_time_ms, b->event_time_ms);
    CHECK_INT(a->channel_id, b->channel_id);
    CHECK_STR(a->channel_name, b->channel_name);
    CHECK_INT(a->message_id, b->message_id);
    CHECK_INT(a->has_user_id, b->has_user_id);
    if (a->has_user_id)
        CHECK_INT(a->user_id, b->user_id);
    CHECK_STR(a->username, b->username);
    CHECK_STR(a->first_name, b->first_name);
    CHECK_STR(a->last_name, b->last_name);
    CHECK_STR(a->text, b->text);
    CHECK_INT(a->text_length, b->text_length);
}

static void round_trip(struct tg_record *rec)
{
    struct tg_record back;
    char *out = NULL;
    size_t len = 0;
    tg_record_init(&back);
    CHECK_INT(tg_record_encode(rec, &out, &len, err, sizeof err), 0);
    if (out != NULL) {
        char *exact = malloc(len);
        memcpy(exact, out, len);
        CHECK_INT(tg_record_decode(exact, len, &back, err, sizeof err), 0);
        check_same(rec, &back);
        free(exact);
    }
    free(out);
    tg_record_clear(&back);
    tg_record_clear(rec);
}

static void test_round_trip(void)
{
    struct tg_record rec;
    fill(&rec, "Канал «новости»", "ivan",
         "Привет, мир! 😀👍 \"quoted\" back\\slash\nnew\r\n");
    round_trip(&rec);
    fill(&rec, NULL, NULL, "");
    rec.has_user_id = false;
    rec.user_id = 0;
    round_trip(&rec);
    fill(&rec, "c", "u", "x");
    rec.channel_id = INT64_MIN;
    rec.message_id = INT64_MAX;
    rec.user_id = INT64_MAX;
    rec.event_time_ms = TG_RECORD_EVENT_TIME_END_MS - 1; /* 2099-12-31T23:59:59.999Z */
    round_trip(&rec);
    fill(&rec, "c", "", "\x7f control \x1f and </script>");
    rec.event_time_ms = TG_RECORD_EVENT_TIME_MIN_MS; /* 1970-01-01T00:00:00Z */
    rec.message_id = 0;
    rec.user_id = 0;
    round_trip(&rec);
    fill(&rec, NULL, "u", "no ids");
    rec.has_channel_id = rec.has_message_id = false;
    rec.channel_id = rec.message_id = 0;
    round_trip(&rec);
}

/* The writer writes any time of years 0000-9999; the reading contract takes
 * 1970..2099 only. */
static void test_written_but_not_read(void)
{
    static const int64_t times[] = {
        INT64_C(-62167219200000), /* 0000-01-01T00:00:00Z */
        -1,                       /* 1969-12-31T23:59:59.999Z */
        TG_RECORD_EVENT_TIME_END_MS,
        INT64_C(253402300799999), /* 9999-12-31T23:59:59.999Z */
    };
    struct tg_record rec, back;
    tg_record_init(&back);
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
        char *out = NULL;
        size_t len = 0;
        fill(&rec, "c", "u", "x");
        rec.event_time_ms = times[i];
        CHECK_INT(tg_record_encode(&rec, &out, &len, err, sizeof err), 0);
        CHECK_INT(tg_record_decode(out ? out : "", len, &back, err, sizeof err), -1);
        CHECK_STR(err, "event_time out of range (1970..2099)");
        free(out);
        tg_record_clear(&rec);
    }
}

static void test_decode_minimal_and_defaults(void)
{
    struct tg_record rec;
    tg_record_init(&rec);
    CHECK_INT(decode_exact("{\"event_time\":\"2024-03-01T12:34:56Z\",\"channel_id\":1,"
                           "\"message_id\":2}",
                           &rec),
              0);
    CHECK_INT(rec.event_time_ms, T_2024_03_01);
    CHECK(rec.has_channel_id && rec.has_message_id);
    CHECK_INT(rec.channel_id, 1);
    CHECK_INT(rec.message_id, 2);
    CHECK(!rec.has_user_id);
    CHECK(rec.channel_name == NULL && rec.username == NULL);
    CHECK(rec.first_name == NULL && rec.last_name == NULL);
    CHECK_STR(rec.text, "");
    CHECK_INT(rec.text_length, 0);

    /* text_length computed when absent or null; taken as given otherwise;
     * unknown fields ignored; offsets in event_time; nulls everywhere;
     * whitespace and a trailing CRLF */
    CHECK_INT(decode_exact(" { \"extra\": [1, {\"a\": null}], \"text\": \"Ёж 😀\",\n"
                           "\"event_time\": \"2024-03-01T15:34:56.250+03:00\", "
                           "\"channel_id\": -5, \"message_id\": 7, \"user_id\": null, "
                           "\"username\": null, \"text_length\": null } \r\n",
                           &rec),
              0);
    CHECK_INT(rec.event_time_ms, T_2024_03_01 + 250);
    CHECK_INT(rec.channel_id, -5);
    CHECK(!rec.has_user_id);
    CHECK_STR(rec.text, "Ёж 😀");
    CHECK_INT(rec.text_length, 4);
    CHECK_INT(decode_exact("{\"event_time\":\"2024-03-01T12:34:56\",\"channel_id\":1,"
                           "\"message_id\":2,\"text\":\"abc\",\"text_length\":10,"
                           "\"user_id\":0}\n",
                           &rec),
              0);
    CHECK_INT(rec.event_time_ms, T_2024_03_01);
    CHECK_INT(rec.text_length, 10);
    CHECK(rec.has_user_id);
    CHECK_INT(rec.user_id, 0);
    /* escapes decode to the real characters */
    CHECK_INT(decode_exact("{\"event_time\":\"2024-03-01T12:34:56Z\",\"channel_id\":1,"
                           "\"message_id\":2,\"text\":\"\\u041f\\ud83d\\ude00\\n\\\"\"}",
                           &rec),
              0);
    CHECK_STR(rec.text, "П😀\n\"");
    CHECK_INT(rec.text_length, 4);
    tg_record_clear(&rec);
    tg_record_clear(NULL);
}

/* A failed decode leaves the record cleared even if it held a record. */
static void test_decode_failure_clears(void)
{
    struct tg_record rec;
    fill(&rec, "c", "u", "x");
    CHECK_INT(decode_exact("[]", &rec), -1);
    CHECK(rec.text == NULL && rec.username == NULL && rec.channel_id == 0);
    tg_record_clear(&rec);
}

#define GOOD_HEAD                                                                        \
    "{\"event_time\":\"2024-03-01T12:34:56Z\",\"channel_id\":1,\"message_id\":2"

static void test_decode_not_one_object(void)
{
    CHECK(fails_with("", "empty record"));
    CHECK(fails_with(" \t\r\n ", "empty record"));
    CHECK(fails_with("\n", "empty record"));
    CHECK(fails_with("[1,2]", "expected a JSON object, got an array"));
    CHECK(fails_with("42", "expected a JSON object, got an integer"));
    CHECK(fails_with("4.5", "expected a JSON object, got a real number"));
    CHECK(fails_with("\"s\"", "expected a JSON object, got a string"));
    CHECK(fails_with("null", "expected a JSON object, got null"));
    CHECK(fails_with("true", "expected a JSON object, got a boolean"));
    CHECK(fails_with("hello", "invalid JSON at line 1 column"));
    CHECK(fails_with("{", "invalid JSON at line 1 column 1: "));
    CHECK(fails_with(GOOD_HEAD, "invalid JSON")); /* cut short */
    CHECK(fails_with("{\"a\":1,}", "invalid JSON"));
    CHECK(fails_with("{'a':1}", "invalid JSON"));
    CHECK(fails_with(GOOD_HEAD "} x", "trailing garbage after JSON object"));
    CHECK(fails_with(GOOD_HEAD "}{}", "trailing garbage after JSON object"));
    CHECK(fails_with(GOOD_HEAD "}\n" GOOD_HEAD "}\n",
                     "trailing garbage after JSON object"));
    CHECK(fails_with(GOOD_HEAD "}\n\x01", "trailing garbage"));
    CHECK(fails_with(GOOD_HEAD ",\"channel_id\":3}", "duplicate object key"));
    /* A NUL byte anywhere, also right after a number or a literal, where
     * jansson's lexer lets it pass (its position then lands inside the
     * object, so what follows reads as trailing garbage). */
    static const char *const values[] = {"3", "true", "null", "1.5"};
    for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
        char line[256];
        int n = snprintf(line, sizeof line, "%s,\"user_id\":%s", GOOD_HEAD, values[i]);
        memcpy(line + n, "\0}", 2);
        struct tg_record rec;
        tg_record_init(&rec);
        CHECK_INT(tg_record_decode(line, (size_t)n + 2, &rec, err, sizeof err), -1);
        CHECK(err[0] != '\0');
        tg_record_clear(&rec);
    }
}

static void test_decode_bad_strings(void)
{
    CHECK(fails_with(GOOD_HEAD ",\"text\":\"bad \xff\"}", "invalid JSON"));
    CHECK(fails_with(GOOD_HEAD ",\"text\":\"\xed\xa0\x80\"}", "invalid JSON"));
    CHECK(fails_with(GOOD_HEAD ",\"text\":\"\xc0\xaf\"}", "invalid JSON"));
    CHECK(fails_with(GOOD_HEAD ",\"text\":\"\xd0\"}", "invalid JSON"));
    CHECK(fails_with(GOOD_HEAD ",\"text\":\"\\ud800\"}", "invalid JSON"));
    CHECK(fails_with(GOOD_HEAD ",\"text\":\"a\\u0000b\"}", "invalid JSON"));
    CHECK(fails_with(GOOD_HEAD ",\"text\":\"raw\nnewline\"}", "invalid JSON"));
    CHECK(fails_with(GOOD_HEAD ",\"text\":\"bad \\x escape\"}", "invalid JSON"));

    /* a raw NUL byte, which strlen-based callers could never pass */
    static const char with_nul[] = GOOD_HEAD ",\"text\":\"a\0b\"}";
    struct tg_record rec;
    tg_record_init(&rec);
    CHECK_INT(tg_record_decode(with_nul, sizeof with_nul - 1, &rec, err, sizeof err), -1);
    CHECK(strstr(err, "invalid JSON") != NULL);
    /* the length is what counts, not a NUL: the object ends before it */
    static const char nul_after[] = GOOD_HEAD "}\0garbage";
    CHECK_INT(tg_record_decode(nul_after, sizeof nul_after - 1, &rec, err, sizeof err),
              -1);
    CHECK(strstr(err, "trailing garbage") != NULL);
    CHECK_INT(tg_record_decode(nul_after, strlen(nul_after), &rec, err, sizeof err), 0);
    tg_record_clear(&rec);
}

/* event_time is the only required field: without both ids a record is
 * read all the same, and cannot be deduplicated. */
static void test_decode_without_ids(void)
{
    static const char *const lines[] = {
        "{\"event_time\":\"2024-03-01T12:34:56Z\"}",
        "{\"event_time\":\"2024-03-01T12:34:56Z\",\"message_id\":2}",
        "{\"event_time\":\"2024-03-01T12:34:56Z\",\"channel_id\":1}",
        "{\"event_time\":\"2024-03-01T12:34:56Z\",\"channel_id\":null,\"message_id\":"
        "null}",
    };
    struct tg_record rec;
    tg_record_init(&rec);
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        CHECK_INT(decode_exact(lines[i], &rec), 0);
        CHECK_INT(rec.event_time_ms, T_2024_03_01);
        CHECK_INT(rec.has_channel_id && rec.has_message_id, 0);
        CHECK_STR(rec.text, "");
    }
    /* what is there is kept */
    CHECK_INT(decode_exact(lines[1], &rec), 0);
    CHECK(!rec.has_channel_id && rec.has_message_id);
    CHECK_INT(rec.message_id, 2);
    CHECK_INT(decode_exact(lines[2], &rec), 0);
    CHECK(rec.has_channel_id && !rec.has_message_id);
    CHECK_INT(rec.channel_id, 1);
    tg_record_clear(&rec);
}

/* The reading contract's ranges, worded as tgcount words them. */
static void test_decode_ranges(void)
{
    CHECK(fails_with("{\"event_time\":\"1969-12-31T23:59:59.999Z\"}",
                     "event_time out of range (1970..2099)"));
    CHECK(fails_with("{\"event_time\":\"2100-01-01T00:00:00Z\"}",
                     "event_time out of range (1970..2099)"));
    CHECK(fails_with("{\"event_time\":\"2100-01-01T01:00:00+00:30\"}",
                     "event_time out of range (1970..2099)"));
    CHECK(fails_with(GOOD_HEAD ",\"user_id\":-1}", "user_id is negative"));
    CHECK(fails_with("{\"event_time\":\"2024-03-01T12:34:56Z\",\"channel_id\":1,"
                     "\"message_id\":-1}",
                     "message_id is negative"));
    CHECK(fails_with("{\"event_time\":\"2024-03-01T12:34:56Z\",\"message_id\":-5}",
                     "message_id is negative"));
    struct tg_record rec;
    tg_record_init(&rec);
    CHECK_INT(decode_exact("{\"event_time\":\"2099-12-31T23:59:59.999Z\",\"channel_id\":"
                           "-1001,\"message_id\":0,\"user_id\":0}",
                           &rec),
              0);
    CHECK_INT(rec.event_time_ms, TG_RECORD_EVENT_TIME_END_MS - 1);
    CHECK_INT(rec.channel_id, -1001);
    CHECK_INT(decode_exact("{\"event_time\":\"1970-01-01T01:00:00+01:00\"}", &rec), 0);
    CHECK_INT(rec.event_time_ms, 0);
    tg_record_clear(&rec);
}

static void test_decode_missing_and_types(void)
{
    CHECK(fails_with("{\"channel_id\":1,\"message_id\":2}",
                     "missing required field event_time"));
    CHECK(fails_with("{}", "missing required field event_time"));

    CHECK(fails_with("{\"event_time\":1709296496,\"channel_id\":1,\"message_id\":2}",
                     "event_time: expected a string, got an integer"));
    CHECK(fails_with("{\"event_time\":null,\"channel_id\":1,\"message_id\":2}",
                     "event_time: expected a string, got null"));
    CHECK(fails_with("{\"event_time\":\"yesterday\",\"channel_id\":1,\"message_id\":2}",
                     "event_time: "));
    CHECK(fails_with("{\"event_time\":\"2024-02-30T00:00:00Z\",\"channel_id\":1,"
                     "\"message_id\":2}",
                     "event_time: "));
    CHECK(fails_with("{\"event_time\":\"2024-03-01T12:34:56Z\",\"channel_id\":\"1\","
                     "\"message_id\":2}",
                     "channel_id: expected an integer, got a string"));
    CHECK(fails_with("{\"event_time\":\"2024-03-01T12:34:56Z\",\"channel_id\":1.0,"
                     "\"message_id\":2}",
                     "channel_id: expected an integer, got a real number"));
    CHECK(fails_with("{\"event_time\":\"2024-03-01T12:34:56Z\",\"channel_id\":1,"
                     "\"message_id\":true}",
                     "message_id: expected an integer, got a boolean"));
    CHECK(fails_with(GOOD_HEAD ",\"user_id\":\"7\"}", "user_id: expected an integer"));
    CHECK(fails_with(GOOD_HEAD ",\"user_id\":7.5}", "user_id: expected an integer"));
    CHECK(fails_with(GOOD_HEAD ",\"channel_name\":5}",
                     "channel_name: expected a string or null, got an integer"));
    CHECK(
        fails_with(GOOD_HEAD ",\"username\":[]}", "username: expected a string or null"));
    CHECK(fails_with(GOOD_HEAD ",\"first_name\":{}}", "first_name: expected a string"));
    CHECK(fails_with(GOOD_HEAD ",\"last_name\":false}", "last_name: expected a string"));
    CHECK(fails_with(GOOD_HEAD ",\"text\":1}", "text: expected a string"));
    CHECK(fails_with(GOOD_HEAD ",\"text_length\":\"3\"}",
                     "text_length: expected an integer"));
    CHECK(fails_with(GOOD_HEAD ",\"text_length\":-1}",
                     "text_length: expected a non-negative integer"));
}

static void test_decode_number_limits(void)
{
    struct tg_record rec;
    tg_record_init(&rec);
    CHECK_INT(decode_exact("{\"event_time\":\"2024-03-01T12:34:56Z\","
                           "\"channel_id\":-9223372036854775808,"
                           "\"message_id\":9223372036854775807}",
                           &rec),
              0);
    CHECK_INT(rec.channel_id, INT64_MIN);
    CHECK_INT(rec.message_id, INT64_MAX);
    tg_record_clear(&rec);
    CHECK(fails_with("{\"event_time\":\"2024-03-01T12:34:56Z\","
                     "\"channel_id\":9223372036854775808,\"message_id\":2}",
                     "too big integer"));
    CHECK(fails_with("{\"event_time\":\"2024-03-01T12:34:56Z\","
                     "\"channel_id\":18446744073709551616,\"message_id\":2}",
                     "too big integer"));
    CHECK(fails_with("{\"event_time\":\"2024-03-01T12:34:56Z\","
                     "\"channel_id\":-9223372036854775809,\"message_id\":2}",
                     "too big negative integer"));
    CHECK(fails_with(GOOD_HEAD ",\"user_id\":1e400}", "real number overflow"));
    CHECK(fails_with(GOOD_HEAD ",\"user_id\":1e5}", "user_id: expected an integer"));
}

static void test_decode_deep_nesting(void)
{
    enum { DEPTH = 100000 };
    char *buf = malloc(5 * DEPTH); /* the largest input below */
    size_t n = 0;

    n += (size_t)sprintf(buf, "%s,\"x\":", GOOD_HEAD);
    memset(buf + n, '[', DEPTH);
    n += DEPTH;
    memset(buf + n, ']', DEPTH);
    n += DEPTH;
    buf[n++] = '}';
    struct tg_record rec;
    tg_record_init(&rec);
    CHECK_INT(tg_record_decode(buf, n, &rec, err, sizeof err), -1);
    CHECK(strstr(err, "maximum parsing depth") != NULL);

    /* nested objects, and a bare deep array */
    n = 0;
    for (int i = 0; i < DEPTH; i++) {
        memcpy(buf + n, "{\"a\":", 5);
        n += 5;
    }
    CHECK_INT(tg_record_decode(buf, n, &rec, err, sizeof err), -1);
    CHECK(strstr(err, "invalid JSON") != NULL);
    memset(buf, '[', n);
    CHECK_INT(tg_record_decode(buf, n, &rec, err, sizeof err), -1);
    CHECK(strstr(err, "invalid JSON") != NULL);
    free(buf);
    tg_record_clear(&rec);
}

/* The counting key's rule, one case a row. */
static void test_counting_key(void)
{
    static char long_ascii[300], cut_multibyte[300], exactly_max[300], emoji_cut[300];
    memset(long_ascii, 'a', 257);
    memset(cut_multibyte, 'b', 255);
    memcpy(cut_multibyte + 255, "\xc3\xa9zz", 4); /* e-acute straddles byte 256 */
    memset(exactly_max, 'c', 256);
    memset(emoji_cut, 'd', 254);
    memcpy(emoji_cut + 254, "\xf0\x9f\x98\x80", 4); /* U+1F600 at bytes 254-257 */
    static const struct {
        const char *username;
        bool has_user_id;
        int64_t user_id;
        const char *key; /* NULL: the first key_len bytes of username */
        size_t key_len;
        bool truncated;
    } cases[] = {
        {"alice", true, 42, "alice", 5, false},
        {"alice", false, 0, "alice", 5, false},
        {"\xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd \xf0\x9f\x98\x80", true, 1,
         "\xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd \xf0\x9f\x98\x80", 13, false},
        {"", true, 123456789, "user_123456789", 14, false},
        {NULL, true, 0, "user_0", 6, false},
        {NULL, true, 7, "user_7", 6, false},
        {NULL, true, INT64_MAX, "user_9223372036854775807", 24, false},
        {NULL, true, INT64_MIN, "user_-9223372036854775808", 25, false},
        {"", false, 0, "anonymous", 9, false},
        {NULL, false, 99, "anonymous", 9, false},
        {long_ascii, true, 1, NULL, 256, true},
        {cut_multibyte, true, 1, NULL, 255, true},
        {exactly_max, true, 1, NULL, 256, false},
        {emoji_cut, false, 0, NULL, 254, true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *name = cases[i].username;
        struct tg_record_key key;
        memset(&key, 'x', sizeof key);
        tg_record_key_make(name, name != NULL ? strlen(name) : 0, cases[i].has_user_id,
                           cases[i].user_id, &key);
        const char *want = cases[i].key != NULL ? cases[i].key : name;
        if (key.len != cases[i].key_len || memcmp(key.text, want, key.len) != 0 ||
            key.text[key.len] != '\0' || key.truncated != cases[i].truncated) {
            fprintf(stderr, "  case %zu: key \"%s\" (%zu bytes, truncated %d)\n", i,
                    key.text, key.len, key.truncated);
            CHECK(0);
        }
        CHECK(tg_utf8_valid(key.text, key.len));
    }

    /* tg_record_counting_key reads the same rule off a record */
    struct tg_record rec;
    struct tg_record_key key;
    tg_record_init(&rec);
    tg_record_counting_key(&rec, &key);
    CHECK_STR(key.text, "anonymous");
    rec.has_user_id = true;
    rec.user_id = 5;
    rec.username = strdup("");
    tg_record_counting_key(&rec, &key);
    CHECK_STR(key.text, "user_5");
    free(rec.username);
    rec.username = strdup(long_ascii);
    tg_record_counting_key(&rec, &key);
    CHECK_INT(key.len, TG_RECORD_USERNAME_MAX);
    CHECK(key.truncated);
    tg_record_clear(&rec);
}

/* ---- the writer against jansson ------------------------------------------ */

/* The record as the writer used to make it: a jansson object in schema
 * order, dumped compact without JSON_ENSURE_ASCII. */
static char *jansson_encode(const struct tg_record *rec)
{
    char time_text[TG_TIME_TEXT_MAX];
    if (tg_time_format(rec->event_time_ms, time_text, sizeof time_text) < 0)
        return NULL;
    json_t *obj = json_pack(
        "{s:s, s:o, s:s?, s:o, s:o, s:s?, s:s?, s:s?, s:s, s:I}", "event_time", time_text,
        "channel_id", rec->has_channel_id ? json_integer(rec->channel_id) : json_null(),
        "channel_name", rec->channel_name, "message_id",
        rec->has_message_id ? json_integer(rec->message_id) : json_null(), "user_id",
        rec->has_user_id ? json_integer(rec->user_id) : json_null(), "username",
        rec->username, "first_name", rec->first_name, "last_name", rec->last_name, "text",
        rec->text != NULL ? rec->text : "", "text_length", (json_int_t)rec->text_length);
    if (obj == NULL)
        return NULL;
    char *out = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(obj);
    return out;
}

static uint64_t rng_state = 0x2545F4914F6CDD1DULL;

static uint64_t next_rand(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Appends one character of the given kind to buf at *n. */
static void append_char(char *buf, size_t *n, unsigned kind)
{
    static const char *const pieces[] = {
        "\"",               /* quote */
        "\\",               /* backslash */
        "\x7f",             /* DEL: not escaped */
        "/",                /* not escaped without JSON_ESCAPE_SLASH */
        "\xd0\x96",         /* 2-byte */
        "\xe2\x82\xac",     /* 3-byte */
        "\xf0\x9f\x98\x80", /* 4-byte */
        "\xe2\x80\xa8",     /* U+2028 */
        "\xe2\x80\xa9",     /* U+2029 */
        "\xef\xbf\xbf",     /* U+FFFF */
        "\xf4\x8f\xbf\xbf", /* U+10FFFF */
    };
    size_t count = sizeof pieces / sizeof pieces[0];
    if (kind < 32) { /* every C0 control but NUL, which a C string cannot hold */
        buf[(*n)++] = (char)(kind == 0 ? 0x1f : kind);
    } else if (kind < 32 + count) {
        size_t len = strlen(pieces[kind - 32]);
        memcpy(buf + *n, pieces[kind - 32], len);
        *n += len;
    } else {
        buf[(*n)++] = (char)(' ' + next_rand() % 95); /* printable ASCII */
    }
}

/* Every kind of character alone, at every offset of runs up to 40 bytes
 * (so it lands in each part of the 16- and 8-byte scans), and in random
 * mixes: the writer's bytes equal json_dumps's, field by field. */
static void test_writer_escapes_like_jansson(void)
{
    char s[256];
    struct tg_record rec;
    int differ = 0, strings = 0;
    for (int round = 0; round < 20000 && differ < 5; round++) {
        size_t n = 0;
        if (round < 43 * 41) {
            unsigned kind = (unsigned)(round % 43);
            size_t at = (size_t)(round / 43);
            for (size_t i = 0; i < at; i++)
                s[n++] = (char)('a' + i % 26);
            append_char(s, &n, kind);
            for (size_t i = 0; i < (size_t)(round % 17); i++)
                s[n++] = 'z';
        } else {
            size_t chars = (size_t)(next_rand() % 50);
            for (size_t i = 0; i < chars; i++)
                append_char(s, &n, (unsigned)(next_rand() % 80));
        }
        s[n] = '\0';
        fill(&rec, s, s, s);
        free(rec.last_name);
        rec.last_name = strdup(s);
        char *ours = NULL;
        size_t len = 0;
        CHECK_INT(tg_record_encode(&rec, &ours, &len, err, sizeof err), 0);
        char *theirs = jansson_encode(&rec);
        strings++;
        if (ours == NULL || theirs == NULL || strcmp(ours, theirs) != 0 ||
            len != strlen(theirs)) {
            fprintf(stderr, "  ours:    %s\n  jansson: %s\n", ours ? ours : "(null)",
                    theirs ? theirs : "(null)");
            differ++;
        }
        free(ours);
        free(theirs);
        tg_record_clear(&rec);
    }
    CHECK_INT(differ, 0);
    CHECK(strings == 20000);
}

/* Into a buffer of exactly the right size, and never past a smaller one. */
static void test_writer_buffer_sizes(void)
{
    struct tg_record rec;
    struct tg_record_writer w;
    fill(&rec, "Канал \"q\"", "ivan", "a\ttext \x01 with escapes \xf0\x9f\x98\x80");
    tg_record_writer_init(&w);
    char *full = NULL;
    size_t full_len = 0;
    CHECK_INT(tg_record_encode(&rec, &full, &full_len, err, sizeof err), 0);
    for (size_t cap = 0; full != NULL && cap <= full_len + 1; cap++) {
        char *buf = malloc(cap ? cap : 1); /* exact, for AddressSanitizer */
        size_t len = 99;
        err[0] = '\0';
        int rc = tg_record_write(&w, &rec, buf, cap, &len, err, sizeof err);
        if (cap <= full_len) {
            CHECK_INT(rc, -1);
            CHECK_INT(len, 0);
            CHECK(strstr(err, "does not fit") != NULL);
        } else {
            CHECK_INT(rc, 0);
            CHECK_INT(len, full_len);
            CHECK_STR(buf, full);
        }
        free(buf);
    }
    free(full);
    tg_record_clear(&rec);
}

/* A writer remembers the day it wrote last: records of other days, in any
 * order, still get their own date. */
static void test_writer_days(void)
{
    static const int64_t times[] = {
        T_2024_03_01, T_2024_03_01 + 1, -1, 0, T_2024_03_01 + 86400000, T_2024_03_01};
    struct tg_record_writer w;
    struct tg_record rec;
    char buf[1024], want[TG_TIME_TEXT_MAX + 2], *expected;
    size_t len;
    tg_record_writer_init(&w);
    fill(&rec, "c", "u", "x");
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
        rec.event_time_ms = times[i];
        CHECK_INT(tg_record_write(&w, &rec, buf, sizeof buf, &len, err, sizeof err), 0);
        want[0] = '"';
        int n = tg_time_format(times[i], want + 1, sizeof want - 2);
        CHECK(n > 0);
        want[n + 1] = '"';
        want[n + 2] = '\0';
        expected = jansson_encode(&rec);
        CHECK_STR(buf, expected);
        CHECK(strstr(buf, want) != NULL);
        free(expected);
    }
    tg_record_clear(&rec);
}

int main(void)
{
    RUN(test_encode_exact_output);
    RUN(test_encode_raw_utf8_and_escapes);
    RUN(test_encode_errors);
    RUN(test_round_trip);
    RUN(test_written_but_not_read);
    RUN(test_decode_minimal_and_defaults);
    RUN(test_decode_failure_clears);
    RUN(test_decode_not_one_object);
    RUN(test_decode_bad_strings);
    RUN(test_decode_without_ids);
    RUN(test_decode_ranges);
    RUN(test_decode_missing_and_types);
    RUN(test_decode_number_limits);
    RUN(test_decode_deep_nesting);
    RUN(test_counting_key);
    RUN(test_writer_escapes_like_jansson);
    RUN(test_writer_buffer_sizes);
    RUN(test_writer_days);
    return tg_test_finish();
}
