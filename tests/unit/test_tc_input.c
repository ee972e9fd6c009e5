/* The read()-based line splitter: CRLF, missing final newline, NUL bytes,
 * lines longer than the limit, lines across read boundaries. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tc_input.h"
#include "tg_test.h"

struct seen {
    char text[1 << 16];
    size_t n;
};

static int on_line(void *ctx, const char *line, size_t len, size_t lineno)
{
    struct seen *s = ctx;
    size_t used = strlen(s->text);
    int k = snprintf(s->text + used, sizeof s->text - used, "%zu:", lineno);
    used += (size_t)k;
    /* Only the first 32 bytes of a line are kept. */
    for (size_t i = 0; i < len && i < 32; i++) {
        s->text[used++] = line[i] == '\0' ? '0' : line[i];
    }
    s->text[used++] = '|';
    s->text[used] = '\0';
    s->n++;
    return 0;
}

static int on_long(void *ctx, size_t lineno)
{
    struct seen *s = ctx;
    size_t used = strlen(s->text);
    snprintf(s->text + used, sizeof s->text - used, "%zu:LONG|", lineno);
    return 0;
}

static void split(const char *data, size_t len, size_t max_record, struct seen *s)
{
    char path[] = "/tmp/tc_input_test.XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    CHECK_INT(write(fd, data, len), len);
    lseek(fd, 0, SEEK_SET);
    memset(s, 0, sizeof *s);
    CHECK_INT(tc_input_split(fd, max_record, on_line, on_long, s), 0);
    close(fd);
    unlink(path);
}

static void test_basic(void)
{
    struct seen s;
    const char data[] = "a\nbb\r\n\ncc\0c\nlast";
    split(data, sizeof data - 1, 100, &s);
    CHECK_STR(s.text, "1:a|2:bb|3:|4:cc0c|5:last|");
    split("x\r", 2, 100, &s);
    CHECK_STR(s.text, "1:x|");
    split("", 0, 100, &s);
    CHECK_STR(s.text, "");
}

static void test_long_lines(void)
{
    struct seen s;
    /* max 4: "abcd" fits, "abcde" does not; "abcd\r" fits (CR dropped). */
    const char data[] = "abcd\nabcdefghij\nok\nabcd\r\nxxxxxxxxxxxxxxxxxxxx";
    split(data, sizeof data - 1, 4, &s);
    CHECK_STR(s.text, "1:abcd|2:LONG|3:ok|4:abcd|5:LONG|");
}

/* Lines much longer than the read chunk, and a huge skipped one. */
static void test_big(void)
{
    size_t big = 3 * 1024 * 1024;
    char *data = malloc(big + 100);
    size_t n = 0;
    n += (size_t)sprintf(data + n, "first\n");
    memset(data + n, 'x', big - 200);
    n += big - 200;
    n += (size_t)sprintf(data + n, "\nsecond\n");
    struct seen s;
    split(data, n, 1024 * 1024, &s);
    CHECK_STR(s.text, "1:first|2:LONG|3:second|");
    split(data, n, 4 * 1024 * 1024, &s);
    CHECK_INT(s.n, 3);
    CHECK(strncmp(s.text, "1:first|2:xxxx", 14) == 0);
    free(data);
}

int main(void)
{
    RUN(test_basic);
    RUN(test_long_lines);
    RUN(test_big);
    return tg_test_finish();
}
