#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tg_prom.h"
#include "tg_promfile.h"
#include "tg_test.h"

/* The text, or "(error)" after one. */
static const char *text_of(const struct tg_prom *pr)
{
    size_t len;
    const char *t = tg_prom_text(pr, &len);
    return t != NULL ? t : "(error)";
}

static void test_empty(void)
{
    struct tg_prom *pr = tg_prom_new();
    size_t len = 99;
    CHECK_STR(tg_prom_text(pr, &len), "");
    CHECK_INT(len, 0);
    tg_prom_free(pr);
    tg_prom_free(NULL);
}

/* HELP, TYPE, then the samples, in the order given. */
static void test_layout(void)
{
    struct tg_prom *pr = tg_prom_new();
    tg_prom_metric(pr, "tgcount_records_read_total", TG_PROM_COUNTER, "Records read.",
                   100);
    tg_prom_family(pr, "tgcount_partition_next_offset", TG_PROM_GAUGE, "Next offset.");
    struct tg_prom_label l0[] = {{"topic", "t"}, {"partition", "0"}};
    struct tg_prom_label l1[] = {{"topic", "t"}, {"partition", "1"}};
    tg_prom_sample(pr, "tgcount_partition_next_offset", l0, 2, 42);
    tg_prom_sample(pr, "tgcount_partition_next_offset", l1, 2, 0);
    tg_prom_metric(pr, "tgcount_watermark_seconds", TG_PROM_GAUGE, "W.", 1733389200.5);
    CHECK_STR(text_of(pr),
              "# HELP tgcount_records_read_total Records read.\n"
              "# TYPE tgcount_records_read_total counter\n"
              "tgcount_records_read_total 100\n"
              "# HELP tgcount_partition_next_offset Next offset.\n"
              "# TYPE tgcount_partition_next_offset gauge\n"
              "tgcount_partition_next_offset{topic=\"t\",partition=\"0\"} 42\n"
              "tgcount_partition_next_offset{topic=\"t\",partition=\"1\"} 0\n"
              "# HELP tgcount_watermark_seconds W.\n"
              "# TYPE tgcount_watermark_seconds gauge\n"
              "tgcount_watermark_seconds 1733389200.5\n");
    tg_prom_reset(pr);
    CHECK_STR(text_of(pr), "");
    tg_prom_free(pr);
}

/* Label values escape backslash, double quote and newline; help text
 * backslash and newline only (a quote stays). */
static void test_escaping(void)
{
    struct tg_prom *pr = tg_prom_new();
    tg_prom_family(pr, "x", TG_PROM_GAUGE, "a \\ b\n\"c\"");
    struct tg_prom_label l[] = {{"topic", "q\"b\\s\nn"}};
    tg_prom_sample(pr, "x", l, 1, 1);
    CHECK_STR(text_of(pr), "# HELP x a \\\\ b\\n\"c\"\n"
                           "# TYPE x gauge\n"
                           "x{topic=\"q\\\"b\\\\s\\nn\"} 1\n");
    tg_prom_free(pr);
}

static void test_values(void)
{
    char b[40];
    tg_prom_format_value(0, b, sizeof b);
    CHECK_STR(b, "0");
    tg_prom_format_value(18446744073709551615.0, b, sizeof b);
    CHECK_STR(b, "1.8446744073709552e+19");
    tg_prom_format_value(123456789012345.0, b, sizeof b);
    CHECK_STR(b, "123456789012345");
    tg_prom_format_value(0.1, b, sizeof b);
    CHECK_STR(b, "0.1");
    tg_prom_format_value(-2.25, b, sizeof b);
    CHECK_STR(b, "-2.25");
    tg_prom_format_value(NAN, b, sizeof b);
    CHECK_STR(b, "NaN");
    tg_prom_format_value(INFINITY, b, sizeof b);
    CHECK_STR(b, "+Inf");
    tg_prom_format_value(-INFINITY, b, sizeof b);
    CHECK_STR(b, "-Inf");
}

/* A bad name makes the whole text an error (sticky until reset): a
 * half-valid file must never be written. */
static void test_invalid_names(void)
{
    struct tg_prom *pr = tg_prom_new();
    size_t len;
    const char *bad_metric[] = {"", "1abc", "a-b", "a b", "é"};
    for (size_t i = 0; i < sizeof bad_metric / sizeof bad_metric[0]; i++) {
        tg_prom_reset(pr);
        tg_prom_metric(pr, bad_metric[i], TG_PROM_GAUGE, "h", 1);
        errno = 0;
        CHECK(tg_prom_text(pr, &len) == NULL);
        CHECK_INT(errno, EINVAL);
    }
    tg_prom_reset(pr);
    tg_prom_metric(pr, "records", TG_PROM_COUNTER, "no _total", 1);
    CHECK(tg_prom_text(pr, &len) == NULL);
    const char *bad_label[] = {"", "a:b", "__reserved", "9x"};
    for (size_t i = 0; i < sizeof bad_label / sizeof bad_label[0]; i++) {
        tg_prom_reset(pr);
        tg_prom_family(pr, "ok:name_total", TG_PROM_COUNTER, "h");
        struct tg_prom_label l[] = {{bad_label[i], "v"}};
        tg_prom_sample(pr, "ok:name_total", l, 1, 1);
        CHECK(tg_prom_text(pr, &len) == NULL);
    }
    tg_prom_reset(pr);
    tg_prom_metric(pr, "ok:name_total", TG_PROM_COUNTER, "h", 1);
    CHECK_STR(text_of(pr), "# HELP ok:name_total h\n# TYPE ok:name_total counter\n"
                           "ok:name_total 1\n");
    tg_prom_free(pr);
}

/* The buffer grows past its first size without losing text. */
static void test_grows(void)
{
    struct tg_prom *pr = tg_prom_new();
    tg_prom_family(pr, "g", TG_PROM_GAUGE, "h");
    char value[16];
    for (int i = 0; i < 1000; i++) {
        snprintf(value, sizeof value, "%d", i);
        struct tg_prom_label l[] = {{"partition", value}};
        tg_prom_sample(pr, "g", l, 1, i);
    }
    size_t len = 0;
    const char *t = tg_prom_text(pr, &len);
    CHECK(t != NULL && strlen(t) == len);
    CHECK(t != NULL && strstr(t, "g{partition=\"999\"} 999\n") != NULL);
    tg_prom_free(pr);
}

/* The file holds exactly what was rendered since begin, mode 0644 under
 * any umask; a render that failed (invalid name) leaves the last good
 * file in place and says which path. */
static void test_file(void)
{
    char dir[] = "/tmp/tg-promfile.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[128], err[256], buf[256] = "";
    snprintf(path, sizeof path, "%s/m.prom", dir);
    mode_t old = umask(077);
    struct tg_promfile *f = tg_promfile_new(path, 2500);
    CHECK_INT(tg_promfile_interval_ms(f), 2500);
    tg_prom_metric(tg_promfile_begin(f), "a_total", TG_PROM_COUNTER, "A.", 1);
    CHECK_INT(tg_promfile_write(f, err, sizeof err), 0);
    tg_prom_metric(tg_promfile_begin(f), "b", TG_PROM_GAUGE, "B.", 2);
    CHECK_INT(tg_promfile_write(f, err, sizeof err), 0);
    tg_prom_metric(tg_promfile_begin(f), "bad name", TG_PROM_GAUGE, "C.", 3);
    CHECK_INT(tg_promfile_write(f, err, sizeof err), -1);
    CHECK(strncmp(err, path, strlen(path)) == 0);
    FILE *in = fopen(path, "r");
    CHECK(in != NULL);
    size_t n = in != NULL ? fread(buf, 1, sizeof buf - 1, in) : 0;
    buf[n] = '\0';
    if (in != NULL)
        fclose(in);
    CHECK_STR(buf, "# HELP b B.\n# TYPE b gauge\nb 2\n");
    struct stat st;
    CHECK_INT(stat(path, &st), 0);
    CHECK_INT(st.st_mode & 0777, 0644);
    tg_promfile_free(f);
    tg_promfile_free(NULL);
    umask(old);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    RUN(test_empty);
    RUN(test_layout);
    RUN(test_escaping);
    RUN(test_values);
    RUN(test_invalid_names);
    RUN(test_grows);
    RUN(test_file);
    return tg_test_finish();
}
