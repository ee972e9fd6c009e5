/* tc_checkpoint.h - the checkpoint file: a versioned, checksummed binary
 * container written atomically, and the little-endian encoders the
 * pipeline and the engine use to fill it.
 *
 * File layout (all integers little-endian):
 *   magic   8 bytes  "TGCKPT\r\n" (the CR-LF catches text-mode mangling)
 *   version u32      TC_CHECKPOINT_VERSION
 *   length  u64      payload length
 *   payload          written by the caller
 *   check   u64      FNV-1a 64 of every byte before it
 * A file that is short, long, of another version or fails the checksum is
 * rejected as a whole: a checkpoint is either used entirely or not at all.
 */
#ifndef TC_CHECKPOINT_H
#define TC_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Version 3: one state per partition (tc_engine_save), each with the end up
 * to which its final rows went to the results topic (--output-topic).
 * Version 2, the same without that end, is still read (the end is then the
 * watermark W: nothing was produced from it).  Version 1, one state for
 * every partition, is refused with the remedy. */
#define TC_CHECKPOINT_VERSION 3
#define TC_CHECKPOINT_VERSION_MIN 2
#define TC_CHECKPOINT_FILE "tgcount.ckpt"
/* The run lock in the directory (tg_lockfile.h): one tgcount per
 * checkpoint, since two would overwrite each other's state. */
#define TC_CHECKPOINT_LOCK_FILE "tgcount.lock"
/* Larger files are refused rather than read into memory. */
#define TC_CHECKPOINT_MAX_BYTES ((size_t)4 << 30)

/* A growable byte buffer.  Zero-initialise it; release with
 * tc_ckbuf_clear.  Appends never fail individually: the first allocation
 * failure sets `failed` and later appends do nothing, so a writer checks
 * once at the end. */
struct tc_ckbuf {
    unsigned char *data;
    size_t len;
    size_t cap;
    bool failed;
};

void tc_ckbuf_clear(struct tc_ckbuf *b);
void tc_ckbuf_u32(struct tc_ckbuf *b, uint32_t v);
void tc_ckbuf_u64(struct tc_ckbuf *b, uint64_t v);
void tc_ckbuf_i64(struct tc_ckbuf *b, int64_t v);
/* A u32 length, then the bytes. */
void tc_ckbuf_bytes(struct tc_ckbuf *b, const void *p, size_t len);

/* Reads back what a tc_ckbuf wrote.  A read past the end sets `failed`
 * and yields zeros, so a reader checks once (tc_ckreader_ok) after a group
 * of reads. */
struct tc_ckreader {
    const unsigned char *p;
    size_t len;
    size_t pos;
    bool failed;
    /* The layout's version (TC_CHECKPOINT_VERSION unless the reader of an
     * older file says otherwise), for the decoders of fields added since. */
    uint32_t version;
};

void tc_ckreader_init(struct tc_ckreader *r, const void *data, size_t len);
uint32_t tc_ckreader_u32(struct tc_ckreader *r);
uint64_t tc_ckreader_u64(struct tc_ckreader *r);
int64_t tc_ckreader_i64(struct tc_ckreader *r);
/* Returns a pointer into the data (borrowed) and sets *len. */
const char *tc_ckreader_bytes(struct tc_ckreader *r, size_t *len);
/* True when nothing failed so far. */
bool tc_ckreader_ok(const struct tc_ckreader *r);
/* True when every byte was consumed and nothing failed. */
bool tc_ckreader_done(const struct tc_ckreader *r);

struct tg_lockfile;

/* Makes dir ready for one run: creates it when missing (mode 0700), takes
 * its lock without waiting, then removes the temporary files a killed
 * write left there, counting them in *removed.  Returns the lock (release
 * it with tg_lockfile_free at the end of the run), or NULL with err and
 * errno: EWOULDBLOCK when another process holds it, with its pid in
 * *holder (0 when unknown). */
struct tg_lockfile *tc_checkpoint_lock(const char *dir, long *holder, size_t *removed,
                                       char *err, size_t errlen);

/* Wraps payload in the container and writes dir/TC_CHECKPOINT_FILE
 * atomically, mode 0600 (tg_file_write_atomic); creates dir when missing.
 * Returns 0, or -1 with err. */
int tc_checkpoint_write(const char *dir, const void *payload, size_t len, char *err,
                        size_t errlen);

/* Reads and validates dir/TC_CHECKPOINT_FILE.  Returns 1 with *payload (a
 * malloc'd buffer the caller frees), *len and the layout's *version; 0 when
 * the file does not exist; -1 with err when it cannot be read or is not a
 * valid checkpoint. */
int tc_checkpoint_read(const char *dir, char **payload, size_t *len, uint32_t *version,
                       char *err, size_t errlen);

/* Validates a whole container in memory; on success *payload points into
 * data.  Returns 0, or -1 with err.  (For tests and fuzzing.) */
int tc_checkpoint_unwrap(const char *data, size_t len, const char **payload,
                         size_t *payload_len, char *err, size_t errlen);

#endif
