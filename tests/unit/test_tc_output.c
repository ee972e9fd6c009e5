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
    if (twice) { /* a provisional window, in two parts */
        CHECK_INT(
            tc_output_part(o, "1m", T0 + 1500, T0 + 61500, false, rows, 1, true, false),
            0);
        CHECK_INT(tc_output_part(o, "1m", T0 + 1500, T0 + 61500, false, rows + 2, 1,
                                 false, true),
                  0);
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
                 "\"new\\nline\\t\\\\\", 1\n"
                 "# 1m 2024-05-01T12:00:01.500Z 2024-05-01T12:01:01.500Z provisional\n"
                 "alice, 3\n"
                 "\"new\\nline\\t\\\\\", 1\n");
    free(s);
}

/* The one text row a name makes, alone in a window. */
static char *text_row(const char *name)
{
    struct tc_row row = {name, strlen(name), 7};
    char *s = render(TC_FORMAT_TEXT, &row, 1, false);
    const char *header = "# 10m/30s 2024-05-01T12:00:00Z 2024-05-01T12:10:00Z\n";
    CHECK(strncmp(s, header, strlen(header)) == 0);
    memmove(s, s + strlen(header), strlen(s) - strlen(header) + 1);
    return s;
}

static void check_text_row(const char *name, const char *want)
{
    char *s = text_row(name);
    if (strcmp(s, want) != 0) {
        printf("  name \"%s\": got %s", name, s);
    }
    CHECK_STR(s, want);
    free(s);
}

/* Names that could be taken for a header or another row are quoted as JSON
 * strings; the rest are written as they are. */
static void test_text_names(void)
{
    check_text_row("#hash", "\"#hash\", 7\n");
    check_text_row("\"quoted\"", "\"\\\"quoted\\\"\", 7\n");
    check_text_row("comma, space", "\"comma, space\", 7\n");
    check_text_row("ends, ", "\"ends, \", 7\n");
    check_text_row("cr\rlf\n", "\"cr\\rlf\\n\", 7\n");
    check_text_row("bell\adel\x7f", "\"bell\\u0007del\\u007f\", 7\n");
    check_text_row("nel\xc2\x85", "\"nel\\u0085\", 7\n");
    check_text_row("c1\xc2\x80\xc2\x9f", "\"c1\\u0080\\u009f\", 7\n");
    check_text_row("ls\xe2\x80\xa8ps\xe2\x80\xa9", "\"ls\\u2028ps\\u2029\", 7\n");
    /* in quotes, a backslash is escaped and UTF-8 kept */
    check_text_row("#zo\xc3\xab\\", "\"#zo\xc3\xab\\\\\", 7\n");
    /* raw: no reason to quote */
    check_text_row("a,b\"c", "a,b\"c, 7\n");
    check_text_row("back\\slash", "back\\slash, 7\n");
    check_text_row("mid#hash", "mid#hash, 7\n");
    check_text_row("nbsp\xc2\xa0", "nbsp\xc2\xa0, 7\n");
    check_text_row("u2027\xe2\x80\xa7", "u2027\xe2\x80\xa7, 7\n");
    check_text_row("emoji \xf0\x9f\x98\x80", "emoji \xf0\x9f\x98\x80, 7\n");
    check_text_row("trailing,", "trailing,, 7\n");
}

static void test_csv(void)
{
    char *s = render(TC_FORMAT_CSV, rows, 3, true);
    CHECK_STR(
        s, "window,start,end,username,count,final\n"
           "10m/30s,2024-05-01T12:00:00Z,2024-05-01T12:10:00Z,alice,3,true\n"
           "10m/30s,2024-05-01T12:00:00Z,2024-05-01T12:10:00Z,\"a,b\"\"c\",2,true\n"
           "10m/30s,2024-05-01T12:00:00Z,2024-05-01T12:10:00Z,\"new\nline\t\\\",1,true\n"
           "1m,2024-05-01T12:00:01.500Z,2024-05-01T12:01:01.500Z,alice,3,false\n"
           "1m,2024-05-01T12:00:01.500Z,2024-05-01T12:01:01.500Z,\"new\nline\t\\\",1,"
           "false\n");
    free(s);
    /* The header appears once, even with no window at all. */
    s = render(TC_FORMAT_CSV, rows, 0, false);
    CHECK_STR(s, "window,start,end,username,count,final\n");
    free(s);
}

static void test_json(void)
{
    char *s = render(TC_FORMAT_JSON, rows, 3, true);
    CHECK_STR(s,
              "{\"window\":\"10m/30s\",\"start\":\"2024-05-01T12:00:00Z\","
              "\"end\":\"2024-05-01T12:10:00Z\",\"username\":\"alice\",\"count\":3,"
              "\"final\":true}\n"
              "{\"window\":\"10m/30s\",\"start\":\"2024-05-01T12:00:00Z\","
              "\"end\":\"2024-05-01T12:10:00Z\",\"username\":\"a,b\\\"c\",\"count\":2,"
              "\"final\":true}\n"
              "{\"window\":\"10m/30s\",\"start\":\"2024-05-01T12:00:00Z\","
              "\"end\":\"2024-05-01T12:10:00Z\",\"username\":\"new\\nline\\t\\\\\","
              "\"count\":1,\"final\":true}\n"
              "{\"window\":\"1m\",\"start\":\"2024-05-01T12:00:01.500Z\","
              "\"end\":\"2024-05-01T12:01:01.500Z\",\"username\":\"alice\",\"count\":3,"
              "\"final\":false}\n"
              "{\"window\":\"1m\",\"start\":\"2024-05-01T12:00:01.500Z\","
              "\"end\":\"2024-05-01T12:01:01.500Z\",\"username\":\"new\\nline\\t\\\\\","
              "\"count\":1,\"final\":false}\n");
    free(s);
}

/* -f json keeps its own escapes (lowercase hex, \u0008 and \u000c, C1
 * and U+2028 raw) now that the escaper is shared with the results topic,
 * which writes jansson's (tc_jsonstr.h). */
static void test_json_controls(void)
{
    const struct tc_row ctl[] = {{"b\bf\f\x1f\x7f\xc2\x85\xe2\x80\xa8\"", 12, 1}};
    char *s = render(TC_FORMAT_JSON, ctl, 1, false);
    CHECK_STR(s, "{\"window\":\"10m/30s\",\"start\":\"2024-05-01T12:00:00Z\","
                 "\"end\":\"2024-05-01T12:10:00Z\","
                 "\"username\":\"b\\u0008f\\u000c\\u001f\x7f\xc2\x85\xe2\x80\xa8\\\"\","
                 "\"count\":1,\"final\":true}\n");
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
    RUN(test_text_names);
    RUN(test_csv);
    RUN(test_json);
    RUN(test_json_controls);
    RUN(test_write_error);
    return tg_test_finish();
}
