/* Unit tests for common/tg_record.c. */
#include "tg_record.h"
#include "tg_test.h"
#include "tg_utf8.h"

#include <stdlib.h>

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
    rec->channel_id = -1001234567890;
    rec->channel_name = dup_or_null(name);
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
    rec.channel_id = 5;
    rec.message_id = 6;
    CHECK_INT(tg_record_encode(&rec, &out, &len, err, sizeof err), 0);
    CHECK_STR(out, "{\"event_time\":\"1970-01-01T00:00:01.500Z\",\"channel_id\":5,"
                   "\"channel_name\":null,\"message_id\":6,\"user_id\":null,"
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
    rec.user_id = -1;
    rec.event_time_ms = INT64_C(253402300799999); /* 9999-12-31T23:59:59.999Z */
    round_trip(&rec);
    fill(&rec, "c", "", "\x7f control \x1f and </script>");
    rec.event_time_ms = INT64_C(-62167219200000); /* 0000-01-01T00:00:00Z */
    round_trip(&rec);
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

static void test_decode_missing_and_types(void)
{
    CHECK(fails_with("{\"channel_id\":1,\"message_id\":2}",
                     "missing required field event_time"));
    CHECK(fails_with("{\"event_time\":\"2024-03-01T12:34:56Z\",\"message_id\":2}",
                     "missing required field channel_id"));
    CHECK(fails_with("{\"event_time\":\"2024-03-01T12:34:56Z\",\"channel_id\":1}",
                     "missing required field message_id"));
    CHECK(fails_with("{}", "missing required field"));

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
    CHECK(fails_with("{\"event_time\":\"2024-03-01T12:34:56Z\",\"channel_id\":null,"
                     "\"message_id\":2}",
                     "channel_id: expected an integer, got null"));
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

static void test_counting_key(void)
{
    struct tg_record rec;
    char buf[32];
    tg_record_init(&rec);
    CHECK_STR(tg_record_counting_key(&rec, buf, sizeof buf), "anonymous");
    rec.username = strdup("");
    CHECK_STR(tg_record_counting_key(&rec, buf, sizeof buf), "anonymous");
    rec.has_user_id = true;
    rec.user_id = 123456789;
    CHECK_STR(tg_record_counting_key(&rec, buf, sizeof buf), "user_123456789");
    rec.user_id = INT64_MIN;
    CHECK_STR(tg_record_counting_key(&rec, buf, sizeof buf), "user_-9223372036854775808");
    free(rec.username);
    rec.username = strdup("alice");
    const char *key = tg_record_counting_key(&rec, buf, sizeof buf);
    CHECK_STR(key, "alice");
    CHECK(key == rec.username);
    tg_record_clear(&rec);
}

int main(void)
{
    RUN(test_encode_exact_output);
    RUN(test_encode_raw_utf8_and_escapes);
    RUN(test_encode_errors);
    RUN(test_round_trip);
    RUN(test_decode_minimal_and_defaults);
    RUN(test_decode_failure_clears);
    RUN(test_decode_not_one_object);
    RUN(test_decode_bad_strings);
    RUN(test_decode_missing_and_types);
    RUN(test_decode_number_limits);
    RUN(test_decode_deep_nesting);
    RUN(test_counting_key);
    return tg_test_finish();
}
