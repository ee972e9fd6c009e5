/* tc_checkpoint.c - the checkpoint container and its byte encoders. */
#include "tc_checkpoint.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_fileio.h"
#include "tg_lockfile.h"

static const char magic[8] = {'T', 'G', 'C', 'K', 'P', 'T', '\r', '\n'};
#define HEADER_LEN (8 + 4 + 8)
#define TRAILER_LEN 8

/* ---- encoders --------------------------------------------------------- */

void tc_ckbuf_clear(struct tc_ckbuf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

static void put(struct tc_ckbuf *b, const void *p, size_t len)
{
    if (b->failed) {
        return;
    }
    if (b->cap - b->len < len) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap - b->len < len) {
            cap *= 2;
        }
        unsigned char *d = realloc(b->data, cap);
        if (d == NULL) {
            b->failed = true;
            return;
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, len);
    b->len += len;
}

static void le_bytes(unsigned char *out, uint64_t v, int n)
{
    for (int i = 0; i < n; i++) {
        out[i] = (unsigned char)(v >> (8 * i));
    }
}

void tc_ckbuf_u32(struct tc_ckbuf *b, uint32_t v)
{
    unsigned char x[4];
    le_bytes(x, v, 4);
    put(b, x, 4);
}

void tc_ckbuf_u64(struct tc_ckbuf *b, uint64_t v)
{
    unsigned char x[8];
    le_bytes(x, v, 8);
    put(b, x, 8);
}

void tc_ckbuf_i64(struct tc_ckbuf *b, int64_t v)
{
    tc_ckbuf_u64(b, (uint64_t)v);
}

void tc_ckbuf_bytes(struct tc_ckbuf *b, const void *p, size_t len)
{
    if (len > UINT32_MAX) {
        b->failed = true;
        return;
    }
    tc_ckbuf_u32(b, (uint32_t)len);
    put(b, p, len);
}

/* ---- decoders --------------------------------------------------------- */

void tc_ckreader_init(struct tc_ckreader *r, const void *data, size_t len)
{
    r->p = data;
    r->len = len;
    r->pos = 0;
    r->failed = false;
    r->version = TC_CHECKPOINT_VERSION;
}

static uint64_t get_le(struct tc_ckreader *r, int n)
{
    if (r->failed || r->len - r->pos < (size_t)n) {
        r->failed = true;
        return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < n; i++) {
        v |= (uint64_t)r->p[r->pos + (size_t)i] << (8 * i);
    }
    r->pos += (size_t)n;
    return v;
}

uint32_t tc_ckreader_u32(struct tc_ckreader *r)
{
    return (uint32_t)get_le(r, 4);
}

uint64_t tc_ckreader_u64(struct tc_ckreader *r)
{
    return get_le(r, 8);
}

int64_t tc_ckreader_i64(struct tc_ckreader *r)
{
    return (int64_t)get_le(r, 8);
}

const char *tc_ckreader_bytes(struct tc_ckreader *r, size_t *len)
{
    size_t n = tc_ckreader_u32(r);
    if (r->failed || r->len - r->pos < n) {
        r->failed = true;
        *len = 0;
        return "";
    }
    const char *s = (const char *)r->p + r->pos;
    r->pos += n;
    *len = n;
    return s;
}

bool tc_ckreader_ok(const struct tc_ckreader *r)
{
    return !r->failed;
}

bool tc_ckreader_done(const struct tc_ckreader *r)
{
    return !r->failed && r->pos == r->len;
}

/* ---- the container ---------------------------------------------------- */

static uint64_t fnv1a64(const unsigned char *p, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++) {
        h = (h ^ p[i]) * 0x100000001b3ULL;
    }
    return h;
}

static int dir_path(const char *dir, const char *name, char *path, size_t pathlen,
                    char *err, size_t errlen)
{
    int n = snprintf(path, pathlen, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= pathlen) {
        snprintf(err, errlen, "%s: checkpoint directory name too long", dir);
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

static int ckpt_path(const char *dir, char *path, size_t pathlen, char *err,
                     size_t errlen)
{
    return dir_path(dir, TC_CHECKPOINT_FILE, path, pathlen, err, errlen);
}

struct tg_lockfile *tc_checkpoint_lock(const char *dir, long *holder, size_t *removed,
                                       char *err, size_t errlen)
{
    *holder = 0;
    *removed = 0;
    char lock_path[4096], path[4096];
    if (dir_path(dir, TC_CHECKPOINT_LOCK_FILE, lock_path, sizeof lock_path, err,
                 errlen) != 0 ||
        ckpt_path(dir, path, sizeof path, err, errlen) != 0 ||
        tg_mkdir_p(dir, err, errlen) != 0)
        return NULL;
    struct tg_lockfile *lock = tg_lockfile_take(lock_path, holder, err, errlen);
    if (lock == NULL)
        return NULL;
    /* Only now: without the lock, a temporary file may be another run's
     * write in progress. */
    if (tg_file_remove_temps(path, removed, err, errlen) != 0) {
        int e = errno;
        tg_lockfile_free(lock);
        errno = e;
        return NULL;
    }
    return lock;
}

int tc_checkpoint_write(const char *dir, const void *payload, size_t len, char *err,
                        size_t errlen)
{
    char path[4096];
    if (ckpt_path(dir, path, sizeof path, err, errlen) != 0 ||
        tg_mkdir_p(dir, err, errlen) != 0) {
        return -1;
    }
    struct tc_ckbuf b = {0};
    put(&b, magic, sizeof magic);
    tc_ckbuf_u32(&b, TC_CHECKPOINT_VERSION);
    tc_ckbuf_u64(&b, len);
    put(&b, payload, len);
    if (!b.failed) {
        tc_ckbuf_u64(&b, fnv1a64(b.data, b.len));
    }
    if (b.failed) {
        tc_ckbuf_clear(&b);
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    int rc = tg_file_write_atomic(path, b.data, b.len, err, errlen);
    tc_ckbuf_clear(&b);
    return rc;
}

int tc_checkpoint_unwrap(const char *data, size_t len, const char **payload,
                         size_t *payload_len, char *err, size_t errlen)
{
    if (len < HEADER_LEN + TRAILER_LEN || memcmp(data, magic, sizeof magic) != 0) {
        snprintf(err, errlen, "not a tgcount checkpoint");
        return -1;
    }
    struct tc_ckreader r;
    tc_ckreader_init(&r, data, len);
    r.pos = sizeof magic;
    uint32_t version = tc_ckreader_u32(&r);
    uint64_t plen = tc_ckreader_u64(&r);
    if (version == 1) {
        /* Version 1 kept one state, one watermark, for every partition:
         * which partition a count came from is not in it. */
        snprintf(err, errlen,
                 "version 1 checkpoint (one state for every partition), which this "
                 "tgcount (a state per partition) cannot split; remove it to resume "
                 "from the group's committed offsets");
        return -1;
    }
    if (version < TC_CHECKPOINT_VERSION_MIN || version > TC_CHECKPOINT_VERSION) {
        snprintf(err, errlen,
                 "checkpoint version %u, this tgcount reads versions %d to %d",
                 (unsigned)version, TC_CHECKPOINT_VERSION_MIN, TC_CHECKPOINT_VERSION);
        return -1;
    }
    if (plen != len - HEADER_LEN - TRAILER_LEN) {
        snprintf(err, errlen, "checkpoint truncated or padded (corrupt)");
        return -1;
    }
    r.pos = len - TRAILER_LEN;
    uint64_t check = tc_ckreader_u64(&r);
    if (check != fnv1a64((const unsigned char *)data, len - TRAILER_LEN)) {
        snprintf(err, errlen, "checkpoint checksum mismatch (corrupt)");
        return -1;
    }
    *payload = data + HEADER_LEN;
    *payload_len = (size_t)plen;
    return 0;
}

int tc_checkpoint_read(const char *dir, char **payload, size_t *len, uint32_t *version,
                       char *err, size_t errlen)
{
    char path[4096];
    if (ckpt_path(dir, path, sizeof path, err, errlen) != 0) {
        return -1;
    }
    char *data;
    size_t dlen;
    if (tg_file_read_all(path, TC_CHECKPOINT_MAX_BYTES, &data, &dlen, err, errlen) != 0) {
        return errno == ENOENT ? 0 : -1;
    }
    const char *p;
    size_t plen;
    char why[256];
    if (tc_checkpoint_unwrap(data, dlen, &p, &plen, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s: %s", path, why);
        free(data);
        return -1;
    }
    struct tc_ckreader head;
    tc_ckreader_init(&head, data, dlen);
    head.pos = sizeof magic;
    *version = tc_ckreader_u32(&head);
    memmove(data, p, plen);
    *payload = data;
    *len = plen;
    return 1;
}
