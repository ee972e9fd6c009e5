/* tc_input.c - read()-based line splitting for files and stdin, on a
 * reader thread that also parses, while the calling thread counts.
 *
 * Parsing is about half of the work per line, so a second core nearly
 * doubles the rate.  The reader hands its lines over in input order
 * (tc_batchq.h), and the counting thread makes for each exactly the calls
 * a single thread would make, so the output, the stats and the
 * diagnostics are the same, byte for byte, as with one thread.
 *
 * Signals: the counting thread blocks the stop signals while the reader
 * runs, so they interrupt the reader's read(), as they interrupted the one
 * thread's before; when the counter must stop (output closed, memory), it
 * cancels the queue, which wakes a reader waiting for input.
 *
 * Live inputs: a pipe, FIFO, terminal or socket (anything but a regular
 * file) delivers records as they happen, so its silence means a quiet
 * chat, not a slow disk.  While one is read the counting thread wakes up
 * every WAKE_MS even when no line arrives, for the wall-clock duties: the
 * --emit changes trigger, and, once the input has been quiet for --idle
 * and a record has been counted, W = max(W, now - lateness), as Kafka
 * follow mode does for a quiet topic.  A regular file never moves W by
 * the clock, so its result depends on its content alone.
 */
#include "tc_input.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tc_batchq.h"
#include "tc_pipeline.h"
#include "tg_exit.h"
#include "tg_log.h"
#include "tg_record.h"
#include "tg_signal.h"
#include "tg_time.h"

#define READ_CHUNK (256 * 1024)
/* How long the counting thread waits for a batch before it does its
 * wall-clock duties anyway (an --emit changes trigger, a quiet live
 * input's watermark, the --live view's redraws and keys), so that they go
 * on while a pipe is quiet. */
#define WAKE_MS 200
/* How far the reader may run ahead: batches of lines, and lines per batch.
 * A batch is also handed over before every read(), so a slow stream's
 * lines are counted as soon as they arrive. */
#define QUEUE_BATCHES 4
#define BATCH_LINES 1024

enum {
    STOP_OUTPUT = 1,
    STOP_NOMEM = 2,
    STOP_READER = 3,
    STOP_LATE_FILE = 4,
    STOP_ASKED =
        5, /* tg_signal_request_stop (--live's q): the reader is not interrupted */
};

/* Hooks of split() beyond tc_input_split's: called before each read(),
 * and a descriptor whose readability ends the split (-1: none). */
struct split_hooks {
    int (*before_read)(void *ctx);
    int cancel_fd;
};

/* Waits until fd has input or the split is cancelled.  Returns 1 to read,
 * 0 to stop quietly (cancelled, or a stop signal), -1 on error. */
static int await_input(int fd, int cancel_fd)
{
    for (;;) {
        struct pollfd pfd[2] = {{.fd = fd, .events = POLLIN},
                                {.fd = cancel_fd, .events = POLLIN}};
        if (poll(pfd, 2, -1) < 0) {
            if (errno == EINTR && !tg_signal_stop_requested()) {
                continue;
            }
            return errno == EINTR ? 0 : -1;
        }
        /* Anything but readable (an error, a hang-up) is for read() to tell. */
        return pfd[1].revents != 0 ? 0 : 1;
    }
}

static int split(int fd, size_t max_record,
                 int (*fn)(void *ctx, const char *line, size_t len, size_t lineno),
                 int (*fn_long)(void *ctx, size_t lineno), void *ctx,
                 const struct split_hooks *hooks)
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
        if (hooks != NULL) {
            rc = hooks->before_read(ctx);
            int ready = rc == 0 ? await_input(fd, hooks->cancel_fd) : 0;
            if (ready <= 0) {
                rc = rc != 0 ? rc : ready;
                break;
            }
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

int tc_input_split(int fd, size_t max_record,
                   int (*fn)(void *ctx, const char *line, size_t len, size_t lineno),
                   int (*fn_long)(void *ctx, size_t lineno), void *ctx)
{
    return split(fd, max_record, fn, fn_long, ctx, NULL);
}

/* ---- the reader thread: split, parse, hand over ------------------------ */

struct reader {
    struct tc_batchq *queue;
    struct tg_record_reader *parser;
    char **files;
    size_t nfiles;
    struct tc_read_rules rules;
    size_t file;            /* index of the file being read */
    struct tc_batch *batch; /* being filled, NULL when none */
    sigset_t stop_signals;
    /* Whether the file being read is live (not a regular file): written by
     * the reader, read by the counting thread between batches. */
    atomic_bool live;
};

static void hand_over(struct reader *r)
{
    if (r->batch != NULL && r->batch->count > 0) {
        tc_batchq_publish(r->queue, r->batch);
        r->batch = NULL;
    }
}

static int before_read(void *ctx)
{
    hand_over(ctx);
    return 0;
}

/* A batch with room for one more item, handing the full one over.  False
 * when the queue is cancelled. */
static bool room_for_one(struct reader *r)
{
    if (r->batch != NULL && tc_batch_full(r->batch)) {
        hand_over(r);
    }
    if (r->batch == NULL) {
        r->batch = tc_batchq_empty(r->queue, true);
    }
    return r->batch != NULL;
}

/* The item just added for the current file, or NULL when memory ran out
 * (then the item says so, and the reader must stop). */
static struct tc_item *added(struct reader *r, struct tc_item *it)
{
    it->where.unit = (int64_t)r->file;
    return it->kind == TC_ITEM_NO_MEMORY ? NULL : it;
}

/* Appends an item (tc_batch_add) for the current file.  Returns it, or NULL
 * when the reader must stop (cancelled, or out of memory). */
static struct tc_item *add_item(struct reader *r, enum tc_item_kind kind,
                                const char *text, size_t len)
{
    return room_for_one(r) ? added(r, tc_batch_add(r->batch, kind, text, len)) : NULL;
}

static bool blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') {
            return false;
        }
    }
    return true;
}

static int on_line(void *ctx, const char *line, size_t len, size_t lineno)
{
    struct reader *r = ctx;
    if (blank(line, len)) {
        return 0;
    }
    struct tc_item *it =
        room_for_one(r)
            ? added(r, tc_batch_read(r->batch, r->parser, line, len, &r->rules))
            : NULL;
    if (it == NULL) {
        return STOP_READER;
    }
    it->where.pos = (int64_t)lineno;
    return 0;
}

static int on_long_line(void *ctx, size_t lineno)
{
    struct reader *r = ctx;
    char why[TC_REASON_MAX];
    snprintf(why, sizeof why, "line longer than --max-record (%zu bytes)",
             r->rules.max_record);
    struct tc_item *it = add_item(r, TC_ITEM_MALFORMED, why, strlen(why));
    if (it == NULL) {
        return STOP_READER;
    }
    it->where.pos = (int64_t)lineno;
    return 0;
}

/* Reports a file that could not be opened or read; false when the reader
 * must stop. */
static bool add_file_error(struct reader *r, int error)
{
    struct tc_item *it = add_item(r, TC_ITEM_FILE_ERROR, "", 0);
    if (it != NULL) {
        it->error = error;
    }
    return it != NULL;
}

static void *reader_main(void *arg)
{
    struct reader *r = arg;
    pthread_sigmask(SIG_UNBLOCK, &r->stop_signals, NULL);
    const struct split_hooks hooks = {
        .before_read = before_read,
        .cancel_fd = tc_batchq_cancel_fd(r->queue),
    };
    for (r->file = 0; r->file < r->nfiles && !tg_signal_stop_requested(); r->file++) {
        const char *name = r->files[r->file];
        bool is_stdin = strcmp(name, "-") == 0;
        int fd = is_stdin ? STDIN_FILENO : open(name, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            if (!add_file_error(r, errno)) {
                break;
            }
            continue;
        }
        struct stat st;
        atomic_store(&r->live, fstat(fd, &st) == 0 && !S_ISREG(st.st_mode));
        int rc = split(fd, r->rules.max_record, on_line, on_long_line, r, &hooks);
        int saved = errno;
        atomic_store(&r->live, false);
        if (!is_stdin) {
            close(fd);
        }
        if (rc < 0 && saved == ENOMEM) {
            /* split's buffer: not the file's fault, and the end of the run */
            add_item(r, TC_ITEM_NO_MEMORY, "", 0);
            break;
        }
        if (rc == STOP_READER || (rc < 0 && !add_file_error(r, saved))) {
            break;
        }
    }
    hand_over(r);
    tc_batchq_close(r->queue);
    return NULL;
}

/* ---- the counting thread ------------------------------------------------ */

struct counter {
    struct tc_pipeline *p;
    const struct tg_log *log;
    char **files;
    int status;
    int64_t idle_ms;         /* negative: the clock never moves W */
    int64_t last_arrival_ms; /* monotonic: the last batch taken */
    const atomic_bool *live; /* the reader's */
};

static const char *display_name(const struct counter *c, size_t file)
{
    return strcmp(c->files[file], "-") == 0 ? "(stdin)" : c->files[file];
}

/* Tells a skipped record (malformed or late) when it is one to tell. */
static void tell(struct counter *c, int result, const struct tc_where *at)
{
    if (!tc_pipeline_tells(c->p, result)) {
        return;
    }
    char where[512];
    snprintf(where, sizeof where, "%s:%" PRId64, display_name(c, (size_t)at->unit),
             at->pos);
    tc_pipeline_tell(c->p, result, where);
}

/* Why emitting windows failed (errno, see tc_pipeline_advance). */
static int emit_failed(void)
{
    return errno == ENOMEM ? STOP_NOMEM : STOP_OUTPUT;
}

/* What one line of the input makes of the pipeline.  Returns 0 or a STOP_
 * code. */
static int count_item(struct counter *c, const struct tc_batch *b,
                      const struct tc_item *it)
{
    switch (it->kind) {
    case TC_ITEM_FILE_ERROR:
        tg_log_error(c->log, "%s: %s", display_name(c, (size_t)it->where.unit),
                     strerror(it->error));
        c->status = TG_EXIT_DATAERR;
        return 0;
    case TC_ITEM_PASS: /* the reader makes none */
        return 0;
    default:
        break;
    }
    int64_t t;
    int res = tc_pipeline_feed_parsed(c->p, 0, b, it, &t);
    if (res == TC_FEED_ERROR) {
        return STOP_NOMEM;
    }
    if (res == TC_FEED_FAILED) {
        c->status = TG_EXIT_TEMPFAIL;
        return STOP_LATE_FILE;
    }
    if (res == TC_FEED_MALFORMED || res == TC_FEED_LATE) {
        tell(c, res, &it->where);
    }
    if (res != TC_FEED_MALFORMED && tc_pipeline_advance(c->p, t) != 0) {
        return emit_failed();
    }
    return 0;
}

/* Wall-clock duties, after each batch and every WAKE_MS without one: a
 * live input quiet for --idle moves W with the clock (only after a first
 * record, so that a replay slow to start loses nothing to lateness), then
 * the --emit changes trigger.  Returns 0 or a STOP_ code. */
static int wall_duties(struct counter *c)
{
    int64_t wall = tg_time_now_ms();
    if (c->idle_ms >= 0 && atomic_load(c->live) &&
        tc_pipeline_watermark(c->p) != TC_WATERMARK_NONE &&
        tg_time_monotonic_ms() - c->last_arrival_ms >= c->idle_ms &&
        tc_pipeline_advance(c->p, wall) != 0) {
        return emit_failed();
    }
    return tc_pipeline_tick(c->p, wall) != 0 ? emit_failed() : 0;
}

/* Counts every batch the reader hands over, in order.  Returns 0 or the
 * STOP_ code that made it cancel the queue. */
static int count_batches(struct counter *c, struct tc_batchq *q)
{
    c->last_arrival_ms = tg_time_monotonic_ms();
    for (;;) {
        struct tc_batch *b = tc_batchq_take(q, WAKE_MS);
        if (b == NULL && tc_batchq_over(q)) {
            break;
        }
        int rc = 0;
        if (b != NULL) {
            c->last_arrival_ms = tg_time_monotonic_ms();
            for (size_t i = 0; i < b->count && rc == 0; i++) {
                rc = count_item(c, b, &b->items[i]);
            }
            tc_batchq_give_back(q, b);
        }
        if (rc == 0) {
            rc = wall_duties(c);
        }
        /* A stop asked from inside (not a signal): the reader, perhaps
         * waiting for input, learns it from the cancelled queue. */
        if (rc == 0 && b == NULL && tg_signal_stop_requested()) {
            rc = STOP_ASKED;
        }
        if (rc != 0) {
            int saved = errno;
            tc_batchq_cancel(q);
            errno = saved;
            return rc;
        }
    }
    return 0;
}

int tc_input_run(struct tc_pipeline *p, char **files, size_t nfiles,
                 const struct tc_read_rules *rules, int64_t idle_ms,
                 const struct tg_log *log)
{
    char dash[] = "-";
    char *stdin_only[] = {dash};
    if (nfiles == 0) {
        files = stdin_only;
        nfiles = 1;
    }
    struct reader r = {
        .queue = tc_batchq_new(QUEUE_BATCHES, BATCH_LINES, NULL),
        .parser = tg_record_reader_new(),
        .files = files,
        .nfiles = nfiles,
        .rules = *rules,
    };
    atomic_init(&r.live, false);
    struct counter c = {.p = p,
                        .log = log,
                        .files = files,
                        .status = TG_EXIT_OK,
                        .idle_ms = idle_ms,
                        .live = &r.live};
    if (r.queue == NULL || r.parser == NULL) {
        tg_log_error(log, "out of memory");
        tc_batchq_free(r.queue);
        tg_record_reader_free(r.parser);
        return TG_EXIT_SOFTWARE;
    }
    tg_signal_stop_set(&r.stop_signals);
    sigset_t saved_mask;
    pthread_sigmask(SIG_BLOCK, &r.stop_signals, &saved_mask);
    pthread_t reader;
    int err = pthread_create(&reader, NULL, reader_main, &r);
    int rc = 0;
    if (err == 0) {
        rc = count_batches(&c, r.queue);
        int saved = errno;
        pthread_join(reader, NULL);
        errno = saved;
    }
    pthread_sigmask(SIG_SETMASK, &saved_mask, NULL);
    int saved = errno;
    tc_batchq_free(r.queue);
    tg_record_reader_free(r.parser);
    errno = saved;
    if (err != 0) {
        tg_log_error(log, "cannot start the reader thread: %s", strerror(err));
        return TG_EXIT_SOFTWARE;
    }
    if (rc == STOP_OUTPUT) {
        return -1; /* errno: the output's error, for the caller's message */
    }
    if (rc == STOP_NOMEM) {
        tg_log_error(log, "out of memory");
        return TG_EXIT_SOFTWARE;
    }
    return c.status;
}
