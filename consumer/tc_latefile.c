/* tc_latefile.c - see tc_latefile.h. */
#include "tc_latefile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct tc_latefile {
    FILE *stream;
    int error; /* the first failure's errno, 0 while none */
};

struct tc_latefile *tc_latefile_open(const char *path)
{
    struct tc_latefile *f = calloc(1, sizeof *f);
    if (f == NULL) {
        return NULL;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) {
        f->stream = fdopen(fd, "a");
        if (f->stream == NULL) {
            int saved = errno;
            close(fd);
            errno = saved;
        }
    }
    if (f->stream == NULL) {
        int saved = errno;
        free(f);
        errno = saved;
        return NULL;
    }
    setvbuf(f->stream, NULL, _IOLBF, 0);
    return f;
}

/* Remembers the first failure; returns -1 with errno as it was then. */
static int failed(struct tc_latefile *f)
{
    if (f->error == 0) {
        f->error = errno != 0 ? errno : EIO;
    }
    errno = f->error;
    return -1;
}

int tc_latefile_write(struct tc_latefile *f, const char *bytes, size_t len)
{
    if (f->error != 0) {
        return failed(f);
    }
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || bytes[i] == '\n' || bytes[i] == '\r') {
            fwrite(bytes + start, 1, i - start, f->stream);
            if (i < len) {
                putc(' ', f->stream);
            }
            start = i + 1;
        }
    }
    putc('\n', f->stream);
    if (ferror(f->stream)) {
        return failed(f);
    }
    return 0;
}

static int flush(struct tc_latefile *f)
{
    if (f->error != 0 || fflush(f->stream) != 0) {
        return failed(f);
    }
    return 0;
}

int tc_latefile_close(struct tc_latefile *f)
{
    if (f == NULL) {
        return 0;
    }
    int rc = flush(f);
    if (fclose(f->stream) != 0 && rc == 0) {
        rc = failed(f);
    }
    int saved = errno;
    free(f);
    errno = saved;
    return rc;
}
