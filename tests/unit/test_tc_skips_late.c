/* Telling skipped records (tc_skips: the first five, then a total) and the
 * late file (tc_latefile: one record per line, appended, failures sticky). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tc_latefile.h"
#include "tc_skips.h"
#include "tg_log.h"
#include "tg_test.h"

/* What a log writes, in a memory stream. */
struct captured {
    char *buf;
    size_t len;
    FILE *f;
    struct tg_log log;
};

static void capture(struct captured *c)
{
    c->buf = NULL;
    c->len = 0;
    c->f = open_memstream(&c->buf, &c->len);
    tg_log_init(&c->log, "tgcount", c->f);
}

static void release(struct captured *c)
{
    fclose(c->f);
    free(c->buf);
}

static void test_first_five_then_a_total(void)
{
    struct captured c;
    capture(&c);
    for (uint64_t nth = 1; nth <= 8; nth++) {
        CHECK(tc_skips_told(nth) == (nth <= 5));
        char where[32];
        snprintf(where, sizeof where, "f:%d", (int)nth);
        tc_skips_tell(&c.log, nth, where, "why");
    }
    tc_skips_total(&c.log, 8, "late", " (--lateness 30s); see --late-file");
    tc_skips_total(&c.log, 1, "malformed", "%s", "");
    tc_skips_total(&c.log, 0, "malformed", "%s", "");
    fflush(c.f);
    CHECK_STR(c.buf, "tgcount: warning: f:1: why\n"
                     "tgcount: warning: f:2: why\n"
                     "tgcount: warning: f:3: why\n"
                     "tgcount: warning: f:4: why\n"
                     "tgcount: warning: f:5: why\n"
                     "tgcount: warning: 8 late records skipped (--lateness 30s); see "
                     "--late-file\n"
                     "tgcount: warning: 1 malformed record skipped\n");
    CHECK(!tc_skips_told(0));
    release(&c);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return NULL;
    }
    char *buf = calloc(1, 4096);
    size_t n = fread(buf, 1, 4095, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void test_late_file(void)
{
    char dir[] = "/tmp/tc_latefile.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[64];
    snprintf(path, sizeof path, "%s/late.jsonl", dir);
    struct tc_latefile *f = tc_latefile_open(path);
    CHECK(f != NULL);
    if (f == NULL) {
        return;
    }
    static const char multi[] = "{\"a\":\r\n1,\n\"b\":2}";
    CHECK_INT(tc_latefile_write(f, "{\"x\":1}", 7), 0);
    CHECK_INT(tc_latefile_write(f, multi, sizeof multi - 1), 0);
    /* Written as it comes: readable before the close. */
    char *s = slurp(path);
    CHECK_STR(s, "{\"x\":1}\n{\"a\":  1, \"b\":2}\n");
    free(s);
    CHECK_INT(tc_latefile_close(f), 0);
    struct stat st;
    CHECK_INT(stat(path, &st), 0);
    CHECK_INT(st.st_mode & 0777, 0600);
    /* Opened again: appended to. */
    f = tc_latefile_open(path);
    CHECK(f != NULL);
    CHECK_INT(tc_latefile_write(f, "{}", 2), 0);
    CHECK_INT(tc_latefile_close(f), 0);
    s = slurp(path);
    CHECK_STR(s, "{\"x\":1}\n{\"a\":  1, \"b\":2}\n{}\n");
    free(s);
    unlink(path);
    /* A path that cannot be created. */
    snprintf(path, sizeof path, "%s/no/such", dir);
    errno = 0;
    CHECK(tc_latefile_open(path) == NULL);
    CHECK_INT(errno, ENOENT);
    rmdir(dir);
    CHECK_INT(tc_latefile_close(NULL), 0);
}

static void test_late_file_full(void)
{
    if (access("/dev/full", W_OK) != 0) {
        SKIP("/dev/full does not exist");
    }
    struct tc_latefile *f = tc_latefile_open("/dev/full");
    CHECK(f != NULL);
    if (f == NULL) {
        return;
    }
    CHECK_INT(tc_latefile_write(f, "{}", 2), -1);
    CHECK_INT(errno, ENOSPC);
    /* The failure sticks, with its errno. */
    errno = 0;
    CHECK_INT(tc_latefile_write(f, "{}", 2), -1);
    CHECK_INT(errno, ENOSPC);
    errno = 0;
    CHECK_INT(tc_latefile_close(f), -1);
    CHECK_INT(errno, ENOSPC);
}

int main(void)
{
    RUN(test_first_five_then_a_total);
    RUN(test_late_file);
    RUN(test_late_file_full);
    return tg_test_finish();
}
