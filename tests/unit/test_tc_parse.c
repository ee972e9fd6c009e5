/* tgcount's strict record parser: keys, ids, event times, rejections. */
#include <string.h>

#include "tc_parse.h"
#include "tg_test.h"

static struct tc_parser *ps;
static struct tc_parsed rec;
static char err[256];

static int parse(const char *s)
{
    err[0] = '\0';
    return tc_parser_parse(ps, s, strlen(s), &rec, err, sizeof err);
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
    CHECK_INT(parse("{\"event_time\":\"2024-05-01T12:00:00Z\",\"user_id\":-9,"
                    "\"username\":\"\"}"),
              0);
    CHECK_STR(rec.key, "user_-9");
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
    CHECK_INT(parse("{\"event_time\":\"2024-05-01T12:00:00Z\",\"username\":\"\\u00e9\\\"x\"}"),
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

static void test_rejections(void)
{
    const char *bad[] = {
        "",
        "not json",
        "[1,2]",
        "\"string\"",
        "{\"event_time\":\"2024-05-01T12:00:00Z\"} x",
        "{\"event_time\":\"2024-05-01T12:00:00Z\",\"event_time\":\"2024-05-01T12:00:00Z\"}",
        "{\"event_time\":\"2024-05-01T12:00:00Z\",\"username\":\"\xff\"}",
        "{\"event_time\":\"2024-05-01T12:00:00Z\",\"message_id\":18446744073709551616}",
        "{\"event_time\":\"2024-05-01T12:00:00Z\",\"username\":\"a\\u0000b\"}",
        "{\"event_time\":\"2024-05-01T12:00:00Z\"",
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
    CHECK_INT(tc_parser_parse(ps, nul, sizeof nul - 1, &rec, err, sizeof err), -1);
    const char nul2[] = "{\"event_time\":\"2024-05-01T12:00:00Z\",\"u\":\"a\0\"}";
    CHECK_INT(tc_parser_parse(ps, nul2, sizeof nul2 - 1, &rec, err, sizeof err), -1);
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
    snprintf(line, sizeof line, "{\"event_time\":\"2024-05-01T12:00:00Z\",\"username\":\"%s\"}",
             name);
    CHECK_INT(parse(line), 0);
    CHECK(rec.key_truncated);
    CHECK_INT(rec.key_len, 255);
    CHECK_INT(strlen(rec.key), 255);
    memset(name, 'b', 256);
    name[256] = '\0';
    snprintf(line, sizeof line, "{\"event_time\":\"2024-05-01T12:00:00Z\",\"username\":\"%s\"}",
             name);
    CHECK_INT(parse(line), 0);
    CHECK(!rec.key_truncated);
    CHECK_INT(rec.key_len, 256);
}

int main(void)
{
    ps = tc_parser_new();
    RUN(test_full_record);
    RUN(test_keys);
    RUN(test_ids);
    RUN(test_event_times);
    RUN(test_rejections);
    RUN(test_truncation);
    tc_parser_free(ps);
    return tg_test_finish();
}
