/* tc_input.c - read()-based line splitting for files and stdin. */
#include "tc_input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tc_pipeline.h"
#include "tg_exit.h"
#include "tg_log.h"
#include "tg_signal.h"
#include "tg_time.h"

#define READ_CHUNK (256 * 1024)
/* Lines between two wall-clock ticks (--emit changes triggers). */
#define TICK_LINES 4096

enum { STOP_OUTPUT = 1, STOP_NOMEM = 2 };

int tc_input_split(int fd, size_t max_record,
                   int (*fn)(void *ctx, const char *line, size_t len, size_t lineno),
                   int (*fn_long)(void *ctx, size_t lineno), void *ctx)
{
    /* Room for a whole line of max_record bytes plus "\r\n", and a chunk. */
    size_t cap = max_record + 2 + READ_CHUNK;
    char *buf = malloc(cap);
    if (buf == NULL) {
        errno = ENOMEM;
        return -1;
    }
    size_t start = 0, end = 0, lineno = 0;
    bool skipping = false; /* inside a line already reported as too long */
    int rc = 0;
    for (;;) {
        if (start > 0) {
            memmove(buf, buf + start, end - start);
            end -= start;
            start = 0;
        }
        ssize_t n = read(fd, buf + end, cap - end);
        if (n < 0) {
            if (errno == EINTR && !tg_signal_stop_requested()) {
                continue;
            }
            rc = errno == EINTR ? 0 : -1;
            break;
        }
        if (n == 0) {
            if (end > start && !skipping) {
                size_t len = end - start;
                if (buf[start + len - 1] == '\r') {
                    len--;
                }
                ++lineno;
                rc = len > max_record ? fn_long(ctx, lineno)
                                      : fn(ctx, buf + start, len, lineno);
            }
            break;
        }
        end += (size_t)n;
        char *nl;
        while (rc == 0 && (nl = memchr(buf + start, '\n', end - start)) != NULL) {
            size_t len = (size_t)(nl - (buf + start));
            if (skipping) {
                skipping = false;
            } else {
                if (len > 0 && buf[start + len - 1] == '\r') {
                    len--;
                }
                ++lineno;
                rc = len > max_record ? fn_long(ctx, lineno)
                                      : fn(ctx, buf + start, len, lineno);
            }
            start = (size_t)(nl - buf) + 1;
        }
        if (rc != 0) {
            break;
        }
        if (!skipping && end - start > max_record + 1) {
            skipping = true;
            rc = fn_long(ctx, ++lineno);
            if (rc != 0) {
                break;
            }
        }
        if (skipping) {
            start = end = 0;
        }
        if (tg_signal_stop_requested()) {
            break;
        }
    }
    int saved = errno;
    free(buf);
    errno = saved;
    return rc;
}

struct reader {
    struct tc_pipeline *p;
    const char *name;
    size_t max_record;
    size_t since_tick;
};

static bool blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') {
            return false;
        }
    }
    return true;
}

static int report(struct reader *r, size_t lineno)
{
    char where[512];
    snprintf(where, sizeof where, "%s:%zu", r->name, lineno);
    tc_pipeline_report_malformed(r->p, where);
    return 0;
}

static int on_line(void *ctx, const char *line, size_t len, size_t lineno)
{
    struct reader *r = ctx;
    if (blank(line, len)) {
        return 0;
    }
    int res = tc_pipeline_feed_auto(r->p, line, len);
    if (res == TC_FEED_MALFORMED) {
        report(r, lineno);
    } else if (res == TC_FEED_ERROR) {
        return errno == ENOMEM ? STOP_NOMEM : STOP_OUTPUT;
    }
    if (++r->since_tick >= TICK_LINES) {
        r->since_tick = 0;
        if (tc_pipeline_tick(r->p, tg_time_now_ms()) != 0) {
            return STOP_OUTPUT;
        }
    }
    return 0;
}

static int on_long_line(void *ctx, size_t lineno)
{
    struct reader *r = ctx;
    char why[128];
    snprintf(why, sizeof why, "line longer than --max-record (%zu bytes)", r->max_record);
    tc_pipeline_reject(r->p, why);
    return report(r, lineno);
}

int tc_input_run(struct tc_pipeline *p, char **files, size_t nfiles, size_t max_record,
                 const struct tg_log *log)
{
    char dash[] = "-";
    char *stdin_only[] = {dash};
    if (nfiles == 0) {
        files = stdin_only;
        nfiles = 1;
    }
    int status = TG_EXIT_OK;
    for (size_t i = 0; i < nfiles && !tg_signal_stop_requested(); i++) {
        bool is_stdin = strcmp(files[i], "-") == 0;
        struct reader r = {
            .p = p,
            .name = is_stdin ? "(stdin)" : files[i],
            .max_record = max_record,
        };
        int fd = is_stdin ? STDIN_FILENO : open(files[i], O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            tg_log_error(log, "%s: %s", files[i], strerror(errno));
            status = TG_EXIT_DATAERR;
            continue;
        }
        int rc = tc_input_split(fd, max_record, on_line, on_long_line, &r);
        int saved = errno;
        if (!is_stdin) {
            close(fd);
        }
        if (rc == STOP_OUTPUT) {
            errno = saved; /* the output's error, for the caller's message */
            return -1;
        }
        if (rc == STOP_NOMEM) {
            tg_log_error(log, "out of memory");
            return TG_EXIT_SOFTWARE;
        }
        if (rc < 0) {
            tg_log_error(log, "%s: %s", r.name, strerror(saved));
            status = TG_EXIT_DATAERR;
        }
    }
    return status;
}
