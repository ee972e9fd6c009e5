/* The three output formats, quoting included. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tc_output.h"
#include "tg_test.h"

#define T0 1714564800000LL /* 2024-05-01T12:00:00Z */

static char *render(enum tc_format fmt, const struct tc_row *rows, size_t n, bool twice)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct tc_output *o = tc_output_new(f, fmt);
    CHECK_INT(tc_output_window(o, "10m/30s", T0, T0 + 600000, rows, n), 0);
    if (twice) {
        CHECK_INT(tc_output_window(o, "1m", T0 + 1500, T0 + 61500, rows, 1), 0);
    }
    CHECK_INT(tc_output_finish(o), 0);
    tc_output_free(o);
    fclose(f);
    return buf;
}

static const struct tc_row rows[] = {
    {"alice", 5, 3},
    {"a,b\"c", 5, 2},
    {"new\nline\t\\", 10, 1},
};

static void test_text(void)
{
    char *s = render(TC_FORMAT_TEXT, rows, 3, true);
    CHECK_STR(s, "# 10m/30s 2024-05-01T12:00:00Z 2024-05-01T12:10:00Z\n"
                 "alice, 3\n"
                 "a,b\"c, 2\n"
                 "new?line?\\, 1\n"
                 "# 1m 2024-05-01T12:00:01.500Z 2024-05-01T12:01:01.500Z\n"
                 "alice, 3\n");
    free(s);
}

static void test_csv(void)
{
    char *s = render(TC_FORMAT_CSV, rows, 3, false);
    CHECK_STR(s,
              "window,start,end,username,count\n"
              "10m/30s,2024-05-01T12:00:00Z,2024-05-01T12:10:00Z,alice,3\n"
              "10m/30s,2024-05-01T12:00:00Z,2024-05-01T12:10:00Z,\"a,b\"\"c\",2\n"
              "10m/30s,2024-05-01T12:00:00Z,2024-05-01T12:10:00Z,\"new\nline\t\\\",1\n");
    free(s);
    /* The header appears once, even with no window at all. */
    s = render(TC_FORMAT_CSV, rows, 0, false);
    CHECK_STR(s, "window,start,end,username,count\n");
    free(s);
}

static void test_json(void)
{
    char *s = render(TC_FORMAT_JSON, rows, 3, false);
    CHECK_STR(s,
              "{\"window\":\"10m/30s\",\"start\":\"2024-05-01T12:00:00Z\","
              "\"end\":\"2024-05-01T12:10:00Z\",\"username\":\"alice\",\"count\":3}\n"
              "{\"window\":\"10m/30s\",\"start\":\"2024-05-01T12:00:00Z\","
              "\"end\":\"2024-05-01T12:10:00Z\",\"username\":\"a,b\\\"c\",\"count\":2}\n"
              "{\"window\":\"10m/30s\",\"start\":\"2024-05-01T12:00:00Z\","
              "\"end\":\"2024-05-01T12:10:00Z\",\"username\":\"new\\nline\\t\\\\\","
              "\"count\":1}\n");
    free(s);
}

static void test_write_error(void)
{
    if (access("/dev/full", F_OK) != 0) {
        SKIP("/dev/full does not exist");
    }
    FILE *f = fopen("/dev/full", "w");
    CHECK(f != NULL);
    if (f == NULL) {
        return;
    }
    struct tc_output *o = tc_output_new(f, TC_FORMAT_TEXT);
    CHECK_INT(tc_output_window(o, "1m", T0, T0 + 60000, rows, 3), -1);
    tc_output_free(o);
    fclose(f);
}

int main(void)
{
    RUN(test_text);
    RUN(test_csv);
    RUN(test_json);
    RUN(test_write_error);
    return tg_test_finish();
}
