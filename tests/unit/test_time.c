#include "tg_test.h"
#include "tg_time.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Parses a NUL-terminated string through an exact-size heap copy, so that
 * AddressSanitizer catches any read past len. */
static int parse_exact(const char *text, size_t len, int64_t *ms, char *err,
                       size_t errlen)
{
    char *copy = malloc(len == 0 ? 1 : len);
    if (copy == NULL)
        return -2;
    memcpy(copy, text, len);
    int rc = tg_time_parse(copy, len, ms, err, errlen);
    free(copy);
    return rc;
}

static bool parses_to(const char *text, int64_t expected)
{
    char err[128] = "";
    int64_t ms = INT64_MIN;
    int rc = parse_exact(text, strlen(text), &ms, err, sizeof err);
    if (rc != 0 || ms != expected) {
        fprintf(stderr,
                "  \"%s\": rc %d ms %" PRId64 " err \"%s\", expected %" PRId64 "\n", text,
                rc, ms, err, expected);
        return false;
    }
    return true;
}

/* True when text is rejected with exactly the message want. */
static bool rejects(const char *text, const char *want)
{
    char err[128] = "";
    int64_t ms = 12345;
    int rc = parse_exact(text, strlen(text), &ms, err, sizeof err);
    if (rc != -1 || ms != 12345 || strcmp(err, want) != 0) {
        fprintf(stderr, "  \"%s\": rc %d err \"%s\", expected \"%s\"\n", text, rc, err,
                want);
        return false;
    }
    return true;
}

static bool formats_to(int64_t ms, const char *expected)
{
    char buf[TG_TIME_TEXT_MAX];
    int n = tg_time_format(ms, buf, sizeof buf);
    if (n != (int)strlen(expected) || strcmp(buf, expected) != 0) {
        fprintf(stderr, "  %" PRId64 ": %d \"%s\", expected \"%s\"\n", ms, n,
                n < 0 ? "" : buf, expected);
        return false;
    }
    return true;
}

static void test_parse_known_instants(void)
{
    CHECK(parses_to("1970-01-01T00:00:00Z", 0));
    CHECK(parses_to("1970-01-01T00:00:01Z", 1000));
    CHECK(parses_to("2000-01-01T00:00:00Z", INT64_C(946684800000)));
    CHECK(parses_to("2001-09-09T01:46:40Z", INT64_C(1000000000000)));
    CHECK(parses_to("2009-02-13T23:31:30Z", INT64_C(1234567890000)));
    CHECK(parses_to("2024-01-01T00:00:00Z", INT64_C(1704067200000)));
    CHECK(parses_to("2038-01-19T03:14:08Z", INT64_C(2147483648000)));
}

static void test_parse_pre_1970(void)
{
    CHECK(parses_to("1969-12-31T23:59:59Z", -1000));
    CHECK(parses_to("1969-12-31T23:59:59.999Z", -1));
    CHECK(parses_to("1969-12-31T23:59:59.5Z", -500));
    CHECK(parses_to("1900-01-01T00:00:00Z", INT64_C(-2208988800000)));
    CHECK(parses_to("0000-01-01T00:00:00Z", INT64_C(-62167219200000)));
    CHECK(parses_to("0000-03-01T00:00:00Z", INT64_C(-62162035200000)));
}

static void test_parse_far_future(void)
{
    CHECK(parses_to("9999-12-31T23:59:59.999Z", INT64_C(253402300799999)));
    CHECK(parses_to("9999-12-31T23:59:59.999999999Z", INT64_C(253402300799999)));
}

static void test_parse_leap_days(void)
{
    CHECK(parses_to("2024-02-29T12:00:00Z", INT64_C(1709208000000)));
    CHECK(parses_to("2000-02-29T00:00:00Z", INT64_C(951782400000)));
    CHECK(parses_to("2024-03-01T00:00:00Z", INT64_C(1709251200000)));
    CHECK(rejects("1900-02-29T00:00:00Z", "invalid day 29 for 1900-02"));
    CHECK(rejects("2023-02-29T00:00:00Z", "invalid day 29 for 2023-02"));
    CHECK(rejects("2024-02-30T00:00:00Z", "invalid day 30 for 2024-02"));
    CHECK(rejects("2100-02-29T00:00:00Z", "invalid day 29 for 2100-02"));
    CHECK(parses_to("2400-02-29T00:00:00Z", INT64_C(13574563200000)));
}

static void test_parse_fractions(void)
{
    CHECK(parses_to("1970-01-01T00:00:00Z", 0));
    CHECK(parses_to("1970-01-01T00:00:00.5Z", 500));
    CHECK(parses_to("1970-01-01T00:00:00.05Z", 50));
    CHECK(parses_to("1970-01-01T00:00:00.123Z", 123));
    CHECK(parses_to("1970-01-01T00:00:00.1239Z", 123));
    CHECK(parses_to("1970-01-01T00:00:00.123456789Z", 123));
    CHECK(parses_to("1970-01-01T00:00:00.999999999Z", 999));
    CHECK(parses_to("1970-01-01T00:00:00.000000001Z", 0));
    /* Truncation goes toward the past before 1970 as well. */
    CHECK(parses_to("1969-12-31T23:59:59.9999Z", -1));
    CHECK(rejects("1970-01-01T00:00:00.1234567891Z",
                  "fraction of a second longer than 9 digits"));
    CHECK(rejects("1970-01-01T00:00:00.Z", "expected digits after '.'"));
    CHECK(rejects("1970-01-01T00:00:00.", "expected digits after '.'"));
}

static void test_parse_offsets(void)
{
    /* +05:30 two hours after midnight is still the previous UTC day. */
    CHECK(parses_to("2024-01-01T02:00:00+05:30", INT64_C(1704054600000)));
    CHECK(parses_to("2024-01-01T02:00:00+0530", INT64_C(1704054600000)));
    /* -08:00 in the evening is already the next UTC day. */
    CHECK(parses_to("2023-12-31T20:00:00-08:00", INT64_C(1704081600000)));
    CHECK(parses_to("2023-12-31T20:00:00-08", INT64_C(1704081600000)));
    CHECK(parses_to("2023-12-31T20:00:00-0800", INT64_C(1704081600000)));
    CHECK(parses_to("1970-01-01T00:00:00+00:00", 0));
    CHECK(parses_to("1970-01-01T00:00:00-00:00", 0));
    CHECK(parses_to("1970-01-01T00:00:00.250+01:00", -3600000 + 250));
    CHECK(parses_to("1970-01-01T00:00:00+23:59", -(23 * 3600000 + 59 * 60000)));
    CHECK(parses_to("1970-01-01T00:00:00-23:59", 23 * 3600000 + 59 * 60000));
    CHECK(rejects("1970-01-01T00:00:00+24:00", "invalid time zone offset hour 24"));
    CHECK(rejects("1970-01-01T00:00:00+05:60", "invalid time zone offset minute 60"));
    CHECK(rejects("1970-01-01T00:00:00+5", "expected 2-digit hours in time zone offset"));
    CHECK(rejects("1970-01-01T00:00:00+", "expected 2-digit hours in time zone offset"));
    CHECK(rejects("1970-01-01T00:00:00+05:",
                  "expected 2-digit minutes in time zone offset"));
    CHECK(rejects("1970-01-01T00:00:00+05:3",
                  "expected 2-digit minutes in time zone offset"));
    CHECK(rejects("1970-01-01T00:00:00+053",
                  "expected 2-digit minutes in time zone offset"));
    CHECK(rejects("1970-01-01T00:00:00+05:300", "trailing characters after time zone"));
    CHECK(rejects("1970-01-01T00:00:00 UTC", "expected 'Z', '+' or '-' after seconds"));
    CHECK(rejects("1970-01-01T00:00:00z", "expected 'Z', '+' or '-' after seconds"));
}

static void test_parse_naive_and_separator(void)
{
    CHECK(parses_to("2024-01-01T00:00:00", INT64_C(1704067200000)));
    CHECK(parses_to("2024-01-01 00:00:00", INT64_C(1704067200000)));
    CHECK(parses_to("2024-01-01 00:00:00.5", INT64_C(1704067200500)));
    CHECK(rejects("2024-01-01t00:00:00Z", "expected 'T' after date"));
    CHECK(rejects("2024-01-01", "expected 'T' after date"));
    CHECK(rejects("2024-01-01_00:00:00Z", "expected 'T' after date"));
}

static void test_parse_bad_fields(void)
{
    CHECK(rejects("2024-13-01T00:00:00Z", "invalid month 13"));
    CHECK(rejects("2024-00-01T00:00:00Z", "invalid month 00"));
    CHECK(rejects("2024-01-00T00:00:00Z", "invalid day 00 for 2024-01"));
    CHECK(rejects("2024-01-32T00:00:00Z", "invalid day 32 for 2024-01"));
    CHECK(rejects("2024-04-31T00:00:00Z", "invalid day 31 for 2024-04"));
    CHECK(rejects("2024-01-01T25:00:00Z", "invalid hour 25"));
    CHECK(rejects("2024-01-01T24:00:00Z", "invalid hour 24"));
    CHECK(rejects("2024-01-01T23:60:00Z", "invalid minute 60"));
    CHECK(rejects("2024-01-01T23:59:60Z", "invalid second 60"));
    CHECK(rejects("2016-12-31T23:59:60Z", "invalid second 60"));
    CHECK(parses_to("2024-01-01T23:59:59Z", INT64_C(1704153599000)));
}

static void test_parse_malformed(void)
{
    CHECK(rejects("", "empty time"));
    CHECK(rejects("x", "expected 4-digit year"));
    CHECK(rejects("24-01-01T00:00:00Z", "expected 4-digit year"));
    CHECK(rejects("+2024-01-01T00:00:00Z", "expected 4-digit year"));
    CHECK(rejects(" 2024-01-01T00:00:00Z", "expected 4-digit year"));
    CHECK(rejects("20240101T000000Z", "expected '-' and 2-digit month after year"));
    CHECK(rejects("2024-1-01T00:00:00Z", "expected '-' and 2-digit month after year"));
    CHECK(rejects("2024", "expected '-' and 2-digit month after year"));
    CHECK(rejects("2024-01", "expected '-' and 2-digit day after month"));
    CHECK(rejects("2024-01-1T00:00:00Z", "expected '-' and 2-digit day after month"));
    CHECK(rejects("2024-01-01T", "expected 2-digit hour"));
    CHECK(rejects("2024-01-01T1:00:00Z", "expected 2-digit hour"));
    CHECK(rejects("2024-01-01T00", "expected ':' and 2-digit minute after hour"));
    CHECK(rejects("2024-01-01T00:00", "expected ':' and 2-digit second after minute"));
    CHECK(rejects("2024-01-01T00:00Z", "expected ':' and 2-digit second after minute"));
    CHECK(rejects("2024-01-01T00:00:0Z", "expected ':' and 2-digit second after minute"));
    CHECK(rejects("2024-01-01T00:00:00Zjunk", "trailing characters after time zone"));
    CHECK(rejects("2024-01-01T00:00:00Z ", "trailing characters after time zone"));
    CHECK(rejects("2024-01-01T00:00:00ZZ", "trailing characters after time zone"));
    CHECK(rejects("2024-01-01T00:00:00+01:00Z", "trailing characters after time zone"));
    CHECK(rejects("2024-01-01T00:00:00\n", "expected 'Z', '+' or '-' after seconds"));
}

static void test_parse_embedded_nul(void)
{
    static const char text[] = "2024-01-01T00:00:00Z\0junk";
    char err[128] = "";
    int64_t ms;
    CHECK_INT(parse_exact(text, sizeof text - 1, &ms, err, sizeof err), -1);
    CHECK_STR(err, "trailing characters after time zone");
    CHECK_INT(parse_exact(text, 20, &ms, err, sizeof err), 0);
    CHECK_INT(ms, INT64_C(1704067200000));
}

static void test_parse_null_and_small_err(void)
{
    int64_t ms = 7;
    char err[8];
    CHECK_INT(tg_time_parse(NULL, 0, &ms, err, sizeof err), -1);
    CHECK_STR(err, "empty t"); /* cut to the buffer, still terminated */
    CHECK_INT(ms, 7);
    CHECK_INT(tg_time_parse("2024-13-01T00:00:00Z", 20, &ms, NULL, 0), -1);
}

/* The first n bytes of a longer string: exactly those are parsed, and
 * ASan (exact-size copies) would report a read past them. */
static void test_parse_prefix_not_nul_terminated(void)
{
    static const char full[] = "2024-03-10T12:34:56.789+05:30";
    const size_t full_len = sizeof full - 1;
    for (size_t n = 0; n <= full_len; n++) {
        char err[128] = "";
        int64_t ms = 0;
        int rc = parse_exact(full, n, &ms, err, sizeof err);
        bool valid = n == 19 || (n >= 21 && n <= 23) || n == 26 || n == 29;
        if ((rc == 0) != valid)
            fprintf(stderr, "  prefix of %zu bytes: rc %d (%s)\n", n, rc, err);
        CHECK((rc == 0) == valid);
    }
    /* 2024-03-10 is day 19792 since 1970. */
    const int64_t base = INT64_C(19792) * 86400000 + (12 * 3600 + 34 * 60 + 56) * 1000;
    int64_t ms;
    char err[64];
    CHECK_INT(parse_exact(full, 19, &ms, err, sizeof err), 0);
    CHECK_INT(ms, base);
    CHECK_INT(parse_exact(full, 21, &ms, err, sizeof err), 0);
    CHECK_INT(ms, base + 700);
    CHECK_INT(parse_exact(full, 26, &ms, err, sizeof err), 0);
    CHECK_INT(ms, base + 789 - 5 * 3600000);
    CHECK_INT(parse_exact(full, 29, &ms, err, sizeof err), 0);
    CHECK_INT(ms, base + 789 - 5 * 3600000 - 30 * 60000);

    static const char longer[] = "1970-01-01T00:00:00Zjunk after the time";
    CHECK_INT(parse_exact(longer, 20, &ms, err, sizeof err), 0);
    CHECK_INT(ms, 0);
}

static void test_format(void)
{
    CHECK(formats_to(0, "1970-01-01T00:00:00Z"));
    CHECK(formats_to(1, "1970-01-01T00:00:00.001Z"));
    CHECK(formats_to(999, "1970-01-01T00:00:00.999Z"));
    CHECK(formats_to(1000, "1970-01-01T00:00:01Z"));
    CHECK(formats_to(-1, "1969-12-31T23:59:59.999Z"));
    CHECK(formats_to(-1000, "1969-12-31T23:59:59Z"));
    CHECK(formats_to(-86400000, "1969-12-31T00:00:00Z"));
    CHECK(formats_to(-86400001, "1969-12-30T23:59:59.999Z"));
    CHECK(formats_to(INT64_C(-2208988800000), "1900-01-01T00:00:00Z"));
    CHECK(formats_to(INT64_C(951782400000), "2000-02-29T00:00:00Z"));
    CHECK(formats_to(INT64_C(1709208000000), "2024-02-29T12:00:00Z"));
    CHECK(formats_to(INT64_C(1234567890123), "2009-02-13T23:31:30.123Z"));
    CHECK(formats_to(INT64_C(253402300799999), "9999-12-31T23:59:59.999Z"));
    CHECK(formats_to(INT64_C(-62167219200000), "0000-01-01T00:00:00Z"));
}

static void test_format_out_of_range(void)
{
    char buf[TG_TIME_TEXT_MAX];
    CHECK_INT(tg_time_format(INT64_C(253402300800000), buf, sizeof buf), -1);
    CHECK_INT(tg_time_format(INT64_C(-62167219200001), buf, sizeof buf), -1);
    CHECK_INT(tg_time_format(INT64_MAX, buf, sizeof buf), -1);
    CHECK_INT(tg_time_format(INT64_MIN, buf, sizeof buf), -1);
    tg_time_format_any(INT64_C(253402300800000), buf, sizeof buf);
    CHECK_STR(buf, "253402300800000");
    tg_time_format_any(INT64_MIN, buf, sizeof buf);
    CHECK_STR(buf, "-9223372036854775808");
    tg_time_format_any(1500, buf, sizeof buf);
    CHECK_STR(buf, "1970-01-01T00:00:01.500Z");
    char small[21];
    CHECK_INT(tg_time_format(0, small, 20), -1);
    CHECK_INT(tg_time_format(0, small, 21), 20);
    CHECK_STR(small, "1970-01-01T00:00:00Z");
    CHECK_INT(tg_time_format(1, small, 21), -1);
    CHECK_INT(tg_time_format(0, NULL, 0), -1);
}

/* Days from 0000-01-01 to 9999-12-31, counted one by one with a naive
 * calendar: parse gives day * 86400000 (plus the time of day), and format
 * gives the text back. */
static void test_every_day_round_trip(void)
{
    static const int month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t day_number = INT64_C(-719528); /* 0000-01-01 */
    int mismatches = 0;
    for (int y = 0; y <= 9999; y++) {
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        for (int m = 1; m <= 12; m++) {
            int last = month_days[m - 1] + (m == 2 && leap);
            for (int d = 1; d <= last; d++, day_number++) {
                /* Every day near 1970, leap days and every 11th day
                 * elsewhere: the full range is too slow under ASan. */
                bool check = (y >= 1896 && y <= 2104) || day_number % 11 == 0 ||
                             (m == 2 && d == 29) || (m == 3 && d == 1);
                if (!check)
                    continue;
                /* Vary the time of day so that all fields get exercised. */
                int64_t in_day = (day_number * 7919) % 86400000;
                if (in_day < 0)
                    in_day += 86400000;
                char text[TG_TIME_TEXT_MAX], back[TG_TIME_TEXT_MAX];
                int64_t ms = in_day % 1000;
                int len;
                if (ms != 0)
                    len = snprintf(text, sizeof text,
                                   "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, m, d,
                                   (int)(in_day / 3600000), (int)(in_day / 60000 % 60),
                                   (int)(in_day / 1000 % 60), (int)ms);
                else
                    len = snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02dZ", y,
                                   m, d, (int)(in_day / 3600000),
                                   (int)(in_day / 60000 % 60), (int)(in_day / 1000 % 60));
                int64_t got;
                int rc = tg_time_parse(text, (size_t)len, &got, NULL, 0);
                int flen =
                    tg_time_format(day_number * 86400000 + in_day, back, sizeof back);
                if (rc != 0 || got != day_number * 86400000 + in_day || flen != len ||
                    strcmp(back, text) != 0) {
                    if (mismatches++ < 5)
                        fprintf(stderr, "  %s: rc %d got %" PRId64 " back %s\n", text, rc,
                                got, back);
                }
            }
        }
        /* Day 29 of a non-leap February is rejected, day 30 always. */
        char bad[32];
        int blen = snprintf(bad, sizeof bad, "%04d-02-%02dT00:00:00Z", y, leap ? 30 : 29);
        int64_t ignored;
        if (tg_time_parse(bad, (size_t)blen, &ignored, NULL, 0) != -1 && mismatches++ < 5)
            fprintf(stderr, "  %s accepted\n", bad);
    }
    CHECK_INT(day_number, INT64_C(2932897)); /* 10000-01-01 */
    CHECK_INT(mismatches, 0);
}

static void test_round_trip_text(void)
{
    static const char *const texts[] = {
        "1970-01-01T00:00:00Z",     "1969-07-20T20:17:40Z",
        "2024-02-29T23:59:59.999Z", "1600-02-29T12:00:00.001Z",
        "0001-01-01T00:00:00Z",     "9999-12-31T23:59:59Z",
        "2023-06-15T08:30:00.120Z", "1899-12-31T23:59:59.500Z",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        int64_t ms;
        char buf[TG_TIME_TEXT_MAX];
        CHECK_INT(tg_time_parse(texts[i], strlen(texts[i]), &ms, NULL, 0), 0);
        CHECK_INT(tg_time_format(ms, buf, sizeof buf), (int)strlen(texts[i]));
        CHECK_STR(buf, texts[i]);
    }
}

static void test_independent_of_tz(void)
{
    static const char *const zones[] = {"America/New_York", "Asia/Kolkata", "UTC+5",
                                        "EST5EDT"};
    for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) {
        setenv("TZ", zones[i], 1);
        tzset();
        CHECK(parses_to("2024-07-01T12:00:00", INT64_C(1719835200000)));
        CHECK(parses_to("1970-01-01T00:00:00Z", 0));
        CHECK(parses_to("2024-03-10T02:30:00", INT64_C(1710037800000)));
        CHECK(formats_to(INT64_C(1719835200000), "2024-07-01T12:00:00Z"));
        CHECK(formats_to(-1, "1969-12-31T23:59:59.999Z"));
    }
    unsetenv("TZ");
    tzset();
}

static void test_floor_div(void)
{
    CHECK_INT(tg_floor_div(7, 2), 3);
    CHECK_INT(tg_floor_div(-7, 2), -4);
    CHECK_INT(tg_floor_div(-8, 2), -4);
    CHECK_INT(tg_floor_div(0, 5), 0);
    CHECK_INT(tg_floor_div(-1, 60000), -1);
    CHECK_INT(tg_floor_div(-60000, 60000), -1);
    CHECK_INT(tg_floor_div(-60001, 60000), -2);
    CHECK_INT(tg_floor_div(59999, 60000), 0);
    CHECK_INT(tg_floor_div(INT64_MIN, 1), INT64_MIN);
    CHECK_INT(tg_floor_div(INT64_MAX, INT64_MAX), 1);
    CHECK_INT(tg_floor_div(INT64_MIN, INT64_MAX), -2);
}

static void test_clocks(void)
{
    int64_t now = tg_time_now_ms();
    CHECK(now > INT64_C(1600000000000)); /* after 2020-09-13 */
    CHECK(llabs((long long)(now - (int64_t)time(NULL) * 1000)) < 2000);
    int64_t a = tg_time_monotonic_ms();
    struct timespec pause = {0, 20 * 1000000};
    nanosleep(&pause, NULL);
    int64_t b = tg_time_monotonic_ms();
    CHECK(b - a >= 19);
    CHECK(b - a < 5000);
}

int main(void)
{
    RUN(test_parse_known_instants);
    RUN(test_parse_pre_1970);
    RUN(test_parse_far_future);
    RUN(test_parse_leap_days);
    RUN(test_parse_fractions);
    RUN(test_parse_offsets);
    RUN(test_parse_naive_and_separator);
    RUN(test_parse_bad_fields);
    RUN(test_parse_malformed);
    RUN(test_parse_embedded_nul);
    RUN(test_parse_null_and_small_err);
    RUN(test_parse_prefix_not_nul_terminated);
    RUN(test_format);
    RUN(test_format_out_of_range);
    RUN(test_every_day_round_trip);
    RUN(test_round_trip_text);
    RUN(test_independent_of_tz);
    RUN(test_floor_div);
    RUN(test_clocks);
    return tg_test_finish();
}
