#include "tg_number.h"
#include "tg_test.h"

static void test_int64_accepts(void)
{
    int64_t v = 0;
    CHECK_INT(tg_parse_int64("0", 0, 10, &v), 0);
    CHECK_INT(v, 0);
    CHECK_INT(tg_parse_int64("-1001050820672", INT64_MIN, INT64_MAX, &v), 0);
    CHECK(v == INT64_C(-1001050820672));
    CHECK_INT(tg_parse_int64("+7", 0, 10, &v), 0);
    CHECK_INT(v, 7);
    CHECK_INT(tg_parse_int64("9223372036854775807", 0, INT64_MAX, &v), 0);
    CHECK(v == INT64_MAX);
    CHECK_INT(tg_parse_int64("-9223372036854775808", INT64_MIN, 0, &v), 0);
    CHECK(v == INT64_MIN);
    CHECK_INT(tg_parse_int64("10", 1, 10, &v), 0);
    CHECK_INT(v, 10);
}

static void test_int64_rejects(void)
{
    int64_t v = 42;
    const char *bad[] = {"",
                         " 5",
                         "5 ",
                         "5x",
                         "x5",
                         "-",
                         "+",
                         "--1",
                         "1.5",
                         "1e3",
                         "0x10",
                         "9223372036854775808",
                         "-9223372036854775809"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (tg_parse_int64(bad[i], INT64_MIN, INT64_MAX, &v) == 0)
            fprintf(stderr, "  accepted \"%s\"\n", bad[i]);
        CHECK_INT(tg_parse_int64(bad[i], INT64_MIN, INT64_MAX, &v), -1);
    }
    CHECK_INT(tg_parse_int64("11", 1, 10, &v), -1);
    CHECK_INT(tg_parse_int64("0", 1, 10, &v), -1);
    CHECK_INT(tg_parse_int64("-1", 0, 10, &v), -1);
    CHECK_INT(v, 42); /* untouched on failure */
}

static void test_uint64(void)
{
    uint64_t v = 7;
    CHECK_INT(tg_parse_uint64("18446744073709551615", &v), 0);
    CHECK(v == UINT64_MAX);
    CHECK_INT(tg_parse_uint64("0", &v), 0);
    CHECK(v == 0);
    v = 7;
    const char *bad[] = {"", "-1", "+1", " 1", "1 ", "18446744073709551616", "1k"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_INT(tg_parse_uint64(bad[i], &v), -1);
    CHECK(v == 7);
}

int main(void)
{
    RUN(test_int64_accepts);
    RUN(test_int64_rejects);
    RUN(test_uint64);
    return tg_test_finish();
}
