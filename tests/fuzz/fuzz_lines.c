/* fuzz_lines - tgcount's line splitter (tc_input_split) against a plain
 * reference split, with the input arriving in chunks of every size.
 *
 * Input: byte 0 is max_record (0-255), byte 1 the chunk size (1-256), byte
 * 2 the line at which the callback asks to stop (0 = never); the rest is
 * the stream.  It is queued in a SOCK_SEQPACKET socket, one chunk per
 * packet (the last packet takes whatever is left after MAX_PACKETS - 1,
 * so everything fits the socket buffer before the first read), and each
 * read() returns exactly one packet: lines cross read boundaries in the
 * same places on every run.
 *
 * Properties: the lines, their numbers and the too-long verdicts are
 * exactly the reference's ('\n' ends a line, one '\r' before it is
 * dropped, a final line needs no newline, NUL is an ordinary byte, a line
 * longer than max_record is reported by number only); a non-zero callback
 * result stops the split at once and is returned.
 *
 * fuzz-max-len: 4096
 */
#include "fuzz.h"

#include <sys/socket.h>
#include <unistd.h>

#include "tc_input.h"

#define STOP_RESULT 7

/* Well under what a default Unix socket buffer holds (about 270). */
#define MAX_PACKETS 128

/* Queues the stream in fd, one packet per chunk.  Returns false when the
 * socket would not take it all without blocking. */
static bool queue_chunks(int fd, const uint8_t *data, size_t size, size_t chunk)
{
    size_t off = 0;
    for (int packet = 1; off < size; packet++) {
        size_t n = packet == MAX_PACKETS || size - off < chunk ? size - off : chunk;
        if (send(fd, data + off, n, MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t)n)
            return false;
        off += n;
    }
    return true;
}

/* What the splitter should report: the reference walks the same stream. */
struct expect {
    const uint8_t *data;
    size_t size;
    size_t pos;    /* start of the next line in data */
    size_t lineno; /* lines reported so far */
    size_t max_record;
    size_t stop_at;
    bool stopped;
};

/* The next line of the stream: its start and length ('\r' dropped), or
 * false at the end. */
static bool next_line(struct expect *e, size_t *start, size_t *len)
{
    if (e->pos >= e->size)
        return false;
    const uint8_t *nl = memchr(e->data + e->pos, '\n', e->size - e->pos);
    size_t end = nl != NULL ? (size_t)(nl - e->data) : e->size;
    *start = e->pos;
    *len = end - e->pos;
    if (*len > 0 && e->data[end - 1] == '\r')
        --*len;
    e->pos = nl != NULL ? end + 1 : e->size;
    return true;
}

static int after_line(struct expect *e)
{
    if (e->lineno == e->stop_at) {
        e->stopped = true;
        return STOP_RESULT;
    }
    return 0;
}

static int on_line(void *ctx, const char *line, size_t len, size_t lineno)
{
    struct expect *e = ctx;
    size_t start, want;
    FUZZ_CHECK(!e->stopped);
    FUZZ_CHECK(next_line(e, &start, &want));
    FUZZ_CHECK(lineno == ++e->lineno);
    FUZZ_CHECK(want <= e->max_record);
    FUZZ_CHECK(len == want && memcmp(line, e->data + start, len) == 0);
    return after_line(e);
}

static int on_long(void *ctx, size_t lineno)
{
    struct expect *e = ctx;
    size_t start, want;
    FUZZ_CHECK(!e->stopped);
    FUZZ_CHECK(next_line(e, &start, &want));
    FUZZ_CHECK(lineno == ++e->lineno);
    FUZZ_CHECK(want > e->max_record);
    return after_line(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    struct expect e = {
        .data = data + 3,
        .size = size - 3,
        .max_record = data[0],
        .stop_at = data[2],
    };
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds) != 0)
        return 0;
    bool queued = queue_chunks(fds[1], e.data, e.size, (size_t)data[1] + 1);
    close(fds[1]);
    if (!queued) {
        close(fds[0]);
        return 0;
    }
    int rc = tc_input_split(fds[0], e.max_record, on_line, on_long, &e);
    close(fds[0]);

    if (e.stopped) {
        FUZZ_CHECK(rc == STOP_RESULT);
    } else {
        size_t start, len;
        FUZZ_CHECK(rc == 0);
        FUZZ_CHECK(!next_line(&e, &start, &len)); /* every line was reported */
    }
    return 0;
}
