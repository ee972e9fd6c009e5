#include "tg_duration.h"
#include "tg_test.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static bool parses_to(const char *text, int64_t expected)
{
    char err[160] = "";
    int64_t ms = -1;
    int rc = tg_duration_parse(text, &ms, err, sizeof err);
    if (rc != 0 || ms != expected) {
        fprintf(stderr,
                "  \"%s\": rc %d ms %" PRId64 " err \"%s\", expected %" PRId64 "\n", text,
                rc, ms, err, expected);
        return false;
    }
    return true;
}

static bool rejects(const char *text, const char *want)
{
    char err[160] = "";
    int64_t ms = 777;
    int rc = tg_duration_parse(text, &ms, err, sizeof err);
    if (rc != -1 || ms != 777 || strcmp(err, want) != 0) {
        fprintf(stderr, "  \"%s\": rc %d err \"%s\", expected \"%s\"\n", text, rc, err,
                want);
        return false;
    }
    return true;
}

static void test_simple_units(void)
{
    CHECK(parses_to("250ms", 250));
    CHECK(parses_to("1ms", 1));
    CHECK(parses_to("30s", 30000));
    CHECK(parses_to("1m", 60000));
    CHECK(parses_to("10m", 600000));
    CHECK(parses_to("1h", 3600000));
    CHECK(parses_to("2d", 172800000));
    CHECK(parses_to("90s", 90000));
    CHECK(parses_to("007s", 7000));
}

static void test_compound(void)
{
    CHECK(parses_to("1m30s", 90000));
    CHECK(parses_to("1s500ms", 1500));
    CHECK(parses_to("1d2h3m4s5ms", 86400000 + 2 * 3600000 + 3 * 60000 + 4000 + 5));
    CHECK(parses_to("1h30m", 5400000));
    CHECK(parses_to("1m0s", 60000));
    CHECK(parses_to("0m1s", 1000));
    const char *order = "units must go from largest to smallest, each once";
    char want[160];
    snprintf(want, sizeof want, "invalid duration \"30s1m\": %s", order);
    CHECK(rejects("30s1m", want));
    snprintf(want, sizeof want, "invalid duration \"1m1m\": %s", order);
    CHECK(rejects("1m1m", want));
    snprintf(want, sizeof want, "invalid duration \"1ms1s\": %s", order);
    CHECK(rejects("1ms1s", want));
}

static void test_rejects_zero_negative_unitless(void)
{
    CHECK(rejects("0s", "duration \"0s\" must be positive"));
    CHECK(rejects("0ms", "duration \"0ms\" must be positive"));
    CHECK(rejects("0m0s", "duration \"0m0s\" must be positive"));
    CHECK(rejects("-5s", "negative duration \"-5s\""));
    CHECK(rejects("-0s", "negative duration \"-0s\""));
    CHECK(rejects("10", "invalid duration \"10\": expected a unit (ms, s, m, h or d)"));
    CHECK(rejects("0", "invalid duration \"0\": expected a unit (ms, s, m, h or d)"));
    CHECK(
        rejects("1m30", "invalid duration \"1m30\": expected a unit (ms, s, m, h or d)"));
}

static bool flags_parse_to(const char *text, unsigned flags, int64_t expected)
{
    char err[160] = "";
    int64_t ms = -1;
    int rc = tg_duration_parse_flags(text, flags, &ms, err, sizeof err);
    if (rc != 0 || ms != expected) {
        fprintf(stderr, "  \"%s\" flags %u: rc %d ms %" PRId64 " err \"%s\"\n", text,
                flags, rc, ms, err);
        return false;
    }
    return true;
}

static bool flags_reject(const char *text, unsigned flags, const char *want)
{
    char err[160] = "";
    int64_t ms = 777;
    int rc = tg_duration_parse_flags(text, flags, &ms, err, sizeof err);
    if (rc != -1 || ms != 777 || strcmp(err, want) != 0) {
        fprintf(stderr, "  \"%s\" flags %u: rc %d err \"%s\", expected \"%s\"\n", text,
                flags, rc, err, want);
        return false;
    }
    return true;
}

static void test_flags(void)
{
    const unsigned bare = TG_DURATION_BARE_SECONDS, zero = TG_DURATION_ZERO_OK;
    CHECK(flags_parse_to("60", bare, 60000));
    CHECK(flags_parse_to("0060", bare, 60000));
    CHECK(flags_parse_to("1m30s", bare, 90000));
    CHECK(flags_parse_to("9223372036854775", bare, INT64_C(9223372036854775000)));
    CHECK(flags_reject("9223372036854776", bare,
                       "duration \"9223372036854776\" is too large"));
    CHECK(flags_reject("0", bare, "duration \"0\" must be positive"));
    CHECK(flags_parse_to("0", bare | zero, 0));
    CHECK(flags_parse_to("0s", zero, 0));
    CHECK(flags_parse_to("0m0ms", zero, 0));
    CHECK(flags_reject("0", zero,
                       "invalid duration \"0\": expected a unit (ms, s, m, h or d)"));
    CHECK(flags_reject("60", zero,
                       "invalid duration \"60\": expected a unit (ms, s, m, h or d)"));
    CHECK(flags_reject("1m30", bare,
                       "invalid duration \"1m30\": expected a unit (ms, s, m, h or d)"));
    CHECK(flags_reject("-0", bare | zero, "negative duration \"-0\""));
    CHECK(flags_reject("", bare | zero, "empty duration"));
    /* Without flags, exactly tg_duration_parse. */
    CHECK(flags_reject("60", 0,
                       "invalid duration \"60\": expected a unit (ms, s, m, h or d)"));
    CHECK(flags_parse_to("1m", 0, 60000));

    struct tg_window_spec spec;
    char err[160] = "";
    CHECK_INT(tg_window_spec_parse_flags("60/20", bare, &spec, err, sizeof err), 0);
    CHECK_INT(spec.size_ms, 60000);
    CHECK_INT(spec.slide_ms, 20000);
    CHECK_STR(spec.text, "60/20");
    /* A window is never empty, whatever the flags say. */
    CHECK_INT(tg_window_spec_parse_flags("0s", bare | zero, &spec, err, sizeof err), -1);
    CHECK_STR(err, "window \"0s\": size: duration \"0s\" must be positive");
    CHECK_INT(tg_window_spec_parse_flags("60", 0, &spec, err, sizeof err), -1);
}

static void test_rejects_junk(void)
{
    CHECK(rejects("", "empty duration"));
    CHECK(rejects(NULL, "empty duration"));
    CHECK(rejects("s", "invalid duration \"s\": expected a number"));
    CHECK(rejects("+5s", "invalid duration \"+5s\": expected a number"));
    CHECK(rejects(" 5s", "invalid duration \" 5s\": expected a number"));
    CHECK(rejects("5s ", "invalid duration \"5s \": expected a number"));
    CHECK(rejects("5 s", "invalid duration \"5 s\": expected a unit (ms, s, m, h or d)"));
    CHECK(rejects("5S", "invalid duration \"5S\": expected a unit (ms, s, m, h or d)"));
    CHECK(rejects("5sec", "invalid duration \"5sec\": expected a number"));
    CHECK(rejects("5us", "invalid duration \"5us\": expected a unit (ms, s, m, h or d)"));
    CHECK(
        rejects("1.5s", "invalid duration \"1.5s\": expected a unit (ms, s, m, h or d)"));
    CHECK(rejects("5w", "invalid duration \"5w\": expected a unit (ms, s, m, h or d)"));
    CHECK(rejects("0x10s",
                  "invalid duration \"0x10s\": expected a unit (ms, s, m, h or d)"));
}

static void test_overflow(void)
{
    CHECK(parses_to("9223372036854775807ms", INT64_MAX));
    CHECK(rejects("9223372036854775808ms",
                  "duration \"9223372036854775808ms\" is too large"));
    CHECK(rejects("99999999999999999999999999s",
                  "duration \"99999999999999999999999999s\" is too large"));
    /* INT64_MAX ms is 106751991167 days and 25975807 ms. */
    CHECK(parses_to("106751991167d", INT64_C(106751991167) * 86400000));
    CHECK(rejects("106751991168d", "duration \"106751991168d\" is too large"));
    CHECK(parses_to("106751991167d25975807ms", INT64_MAX));
    CHECK(rejects("106751991167d25975808ms",
                  "duration \"106751991167d25975808ms\" is too large"));
    CHECK(parses_to("106751991167d7h", INT64_C(106751991167) * 86400000 + 7 * 3600000));
    CHECK(rejects("106751991167d8h", "duration \"106751991167d8h\" is too large"));
    CHECK(rejects("9223372036854776s", "duration \"9223372036854776s\" is too large"));
    CHECK(parses_to("9223372036854775s", INT64_C(9223372036854775000)));
}

static void test_small_error_buffer(void)
{
    int64_t ms;
    char err[6];
    CHECK_INT(tg_duration_parse("x", &ms, err, sizeof err), -1);
    CHECK_STR(err, "inval");
    CHECK_INT(tg_duration_parse("x", &ms, NULL, 0), -1);
}

static bool formats_to(int64_t ms, const char *expected)
{
    char buf[64];
    int n = tg_duration_format(ms, buf, sizeof buf);
    if (n != (int)strlen(expected) || strcmp(buf, expected) != 0) {
        fprintf(stderr, "  %" PRId64 ": %d \"%s\", expected \"%s\"\n", ms, n,
                n < 0 ? "" : buf, expected);
        return false;
    }
    return true;
}

static void test_format(void)
{
    CHECK(formats_to(1, "1ms"));
    CHECK(formats_to(250, "250ms"));
    CHECK(formats_to(1000, "1s"));
    CHECK(formats_to(1500, "1s500ms"));
    CHECK(formats_to(90000, "1m30s"));
    CHECK(formats_to(600000, "10m"));
    CHECK(formats_to(3600000, "1h"));
    CHECK(formats_to(3600001, "1h1ms"));
    CHECK(formats_to(86400000, "1d"));
    CHECK(formats_to(90061001, "1d1h1m1s1ms"));
    CHECK(formats_to(INT64_MAX, "106751991167d7h12m55s807ms"));
    char buf[8];
    CHECK_INT(tg_duration_format(0, buf, sizeof buf), -1);
    CHECK_INT(tg_duration_format(-1000, buf, sizeof buf), -1);
    CHECK_INT(tg_duration_format(90000, buf, 5), -1); /* "1m30s" needs 6 */
    CHECK_INT(tg_duration_format(90000, buf, 6), 5);
    CHECK_STR(buf, "1m30s");
    CHECK_INT(tg_duration_format(1000, NULL, 0), -1);
}

static void test_format_round_trip(void)
{
    static const int64_t values[] = {
        1,        999,      1000,      59999,     60000,         61001,           3599999,
        86399999, 86400001, 123456789, INT64_MAX, INT64_MAX - 1, INT64_C(1) << 40};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        char buf[64];
        int64_t back = 0;
        CHECK(tg_duration_format(values[i], buf, sizeof buf) > 0);
        CHECK_INT(tg_duration_parse(buf, &back, NULL, 0), 0);
        CHECK_INT(back, values[i]);
    }
}

static void test_window_tumbling(void)
{
    struct tg_window_spec spec;
    char err[160] = "";
    CHECK_INT(tg_window_spec_parse("1m", &spec, err, sizeof err), 0);
    CHECK_INT(spec.size_ms, 60000);
    CHECK_INT(spec.slide_ms, 60000);
    CHECK_STR(spec.text, "1m");
    CHECK_INT(tg_window_spec_parse("60s", &spec, err, sizeof err), 0);
    CHECK_INT(spec.size_ms, 60000);
    CHECK_STR(spec.text, "60s"); /* verbatim, not normalised */
}

static void test_window_sliding(void)
{
    struct tg_window_spec spec;
    char err[160] = "";
    CHECK_INT(tg_window_spec_parse("10m/30s", &spec, err, sizeof err), 0);
    CHECK_INT(spec.size_ms, 600000);
    CHECK_INT(spec.slide_ms, 30000);
    CHECK_STR(spec.text, "10m/30s");
    CHECK_INT(tg_window_spec_parse("45s/20s", &spec, err, sizeof err), 0);
    CHECK_INT(spec.size_ms, 45000);
    CHECK_INT(spec.slide_ms, 20000);
    CHECK_STR(spec.text, "45s/20s");
    CHECK_INT(tg_window_spec_parse("1m/60s", &spec, err, sizeof err), 0);
    CHECK_INT(spec.size_ms, 60000);
    CHECK_INT(spec.slide_ms, 60000);
    CHECK_INT(tg_window_spec_parse("1m30s/1s500ms", &spec, err, sizeof err), 0);
    CHECK_INT(spec.size_ms, 90000);
    CHECK_INT(spec.slide_ms, 1500);
}

static bool window_rejects(const char *text, const char *want)
{
    struct tg_window_spec spec;
    memset(&spec, 0x5a, sizeof spec);
    struct tg_window_spec before = spec;
    char err[160] = "";
    int rc = tg_window_spec_parse(text, &spec, err, sizeof err);
    if (rc != -1 || strcmp(err, want) != 0 || memcmp(&spec, &before, sizeof spec) != 0) {
        fprintf(stderr, "  \"%s\": rc %d err \"%s\", expected \"%s\"\n", text, rc, err,
                want);
        return false;
    }
    return true;
}

static void test_window_rejects(void)
{
    CHECK(window_rejects("30s/1m", "window \"30s/1m\": slide larger than the size"));
    CHECK(window_rejects("", "empty window specification"));
    CHECK(window_rejects(NULL, "empty window specification"));
    CHECK(window_rejects("/30s", "window \"/30s\": size: empty duration"));
    CHECK(window_rejects("10m/", "window \"10m/\": slide: empty duration"));
    CHECK(window_rejects("0s", "window \"0s\": size: duration \"0s\" must be positive"));
    CHECK(window_rejects("10m/0s",
                         "window \"10m/0s\": slide: duration \"0s\" must be positive"));
    CHECK(window_rejects("10m/-1s",
                         "window \"10m/-1s\": slide: negative duration \"-1s\""));
    CHECK(window_rejects("10/5s", "window \"10/5s\": size: invalid duration \"10\": "
                                  "expected a unit (ms, s, m, h or d)"));
    CHECK(window_rejects("10m/30s/5s",
                         "window \"10m/30s/5s\": slide: invalid duration \"30s/5s\": "
                         "expected a number"));
    CHECK(window_rejects("10m 30s", "window \"10m 30s\": size: invalid duration "
                                    "\"10m 30s\": expected a number"));
}

static void test_window_text_length(void)
{
    struct tg_window_spec spec;
    char err[160] = "";
    char text[TG_WINDOW_SPEC_TEXT_MAX + 8];
    /* 47 characters fit (48 with the NUL): "1ms" preceded by zeros. */
    memset(text, '0', TG_WINDOW_SPEC_TEXT_MAX - 1);
    memcpy(text + TG_WINDOW_SPEC_TEXT_MAX - 1 - 3, "1ms", 4);
    CHECK_INT(strlen(text), TG_WINDOW_SPEC_TEXT_MAX - 1);
    CHECK_INT(tg_window_spec_parse(text, &spec, err, sizeof err), 0);
    CHECK_INT(spec.size_ms, 1);
    CHECK_STR(spec.text, text);
    memset(text, '0', TG_WINDOW_SPEC_TEXT_MAX);
    memcpy(text + TG_WINDOW_SPEC_TEXT_MAX - 3, "1ms", 4);
    CHECK_INT(tg_window_spec_parse(text, &spec, err, sizeof err), -1);
    CHECK_STR(err, "window specification longer than 47 characters");
}

static void test_gcd(void)
{
    CHECK_INT(tg_gcd(12, 18), 6);
    CHECK_INT(tg_gcd(18, 12), 6);
    CHECK_INT(tg_gcd(45000, 20000), 5000);
    CHECK_INT(tg_gcd(600000, 30000), 30000);
    CHECK_INT(tg_gcd(7, 13), 1);
    CHECK_INT(tg_gcd(60000, 60000), 60000);
    CHECK_INT(tg_gcd(1, INT64_MAX), 1);
    CHECK_INT(tg_gcd(INT64_MAX, INT64_MAX), INT64_MAX);
    CHECK_INT(tg_gcd(tg_gcd(45000, 20000), 60000), 5000);
}

int main(void)
{
    RUN(test_simple_units);
    RUN(test_compound);
    RUN(test_rejects_zero_negative_unitless);
    RUN(test_flags);
    RUN(test_rejects_junk);
    RUN(test_overflow);
    RUN(test_small_error_buffer);
    RUN(test_format);
    RUN(test_format_round_trip);
    RUN(test_window_tumbling);
    RUN(test_window_sliding);
    RUN(test_window_rejects);
    RUN(test_window_text_length);
    RUN(test_gcd);
    return tg_test_finish();
}
