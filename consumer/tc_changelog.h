/* tc_changelog.h - a task's state as messages of a compacted Kafka topic
 * (the changelog), and back.  Pure: no Kafka here (tc_changelog_kafka.h
 * creates the topic and reads it back).
 *
 * A snapshot is one task's state (the opaque bytes of
 * tc_engine_save_task) with the input topic, the partition, the next input
 * offset the state covers, and a generation that grows with every snapshot
 * of the partition.  It is cut into chunks of at most max_message bytes
 * each (header included), so that a large state stays below the brokers'
 * message.max.bytes:
 *   key    "<partition>/<chunk index>" (decimal), so that log compaction
 *          keeps only the newest message of each chunk slot
 *   value  header (TC_CHANGELOG_HEADER_BYTES, little-endian):
 *            magic "TGCL", u32 version, u32 partition, u64 generation,
 *            u32 chunk index, u32 chunk count, u64 total length,
 *            i64 next input offset, u64 checksum
 *          then this chunk's share of the body.
 * The body is u32 topic length, the topic, then the state.  The checksum is
 * FNV-1a 64 over the generation, partition, next offset, total length and
 * the whole body, so a chunk from another snapshot, a changed header or a
 * flipped byte all fail it.
 *
 * Reading back (struct tc_changelog_decoder): the messages of one changelog
 * partition, fed in offset order, keep the highest generation whose chunks
 * are all present, agree, and pass the checksum.  Stale higher chunk slots
 * of an older, larger snapshot are ignored (they belong to another
 * generation); a torn or aborted snapshot that is incomplete or mismatched
 * is skipped, and the one before it wins.  Writers take the next
 * generation above the highest one seen (tc_changelog_decoder_stats), so
 * that a torn generation is never reused.  Nothing read is trusted: a bad
 * message is skipped with a reason, never a crash.
 *
 * The bound: after compaction the topic holds, per partition, the chunks of
 * the largest snapshot written (slots above the newest snapshot's count stay
 * until a larger one overwrites them).
 */
#ifndef TC_CHANGELOG_H
#define TC_CHANGELOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TC_CHANGELOG_VERSION 1
#define TC_CHANGELOG_HEADER_BYTES 52
/* Below the brokers' default message.max.bytes (1,000,012) with room for
 * the key and the record overhead. */
#define TC_CHANGELOG_DEFAULT_MAX_MESSAGE 900000
/* Smallest max_message accepted: a header and a few bytes. */
#define TC_CHANGELOG_MIN_MAX_MESSAGE (TC_CHANGELOG_HEADER_BYTES + 8)
/* Largest snapshot accepted when decoding (a header claiming more is
 * refused before anything is allocated), and most chunks. */
#define TC_CHANGELOG_MAX_SNAPSHOT ((uint64_t)1 << 32)
#define TC_CHANGELOG_MAX_CHUNKS ((uint32_t)1 << 20)
/* Longest key: "<partition>/<chunk>", both decimal u32. */
#define TC_CHANGELOG_KEY_MAX 24

/* What a snapshot is about (all borrowed by tc_changelog_encode). */
struct tc_changelog_meta {
    const char *topic;   /* the input topic */
    int32_t partition;   /* >= 0 */
    int64_t next_offset; /* the next input offset the state covers, >= 0 */
    uint64_t generation; /* >= 1, above every generation already written */
};

/* One chunk message: key and value point into the chunks' buffer. */
struct tc_changelog_msg {
    const char *key;
    size_t key_len;
    const unsigned char *value;
    size_t value_len;
};

/* Encoded chunks.  Zero-initialise; release with tc_changelog_chunks_clear.
 * msgs[0 .. n) are to be produced in order, to the changelog partition
 * of the same number as the input partition. */
struct tc_changelog_chunks {
    struct tc_changelog_msg *msgs;
    size_t n;
    unsigned char *buf; /* owns every key and value */
};

void tc_changelog_chunks_clear(struct tc_changelog_chunks *c);

/* Encodes a snapshot of state (state_len bytes, borrowed) into *out
 * (cleared first), each message at most max_message bytes (0: the
 * default).  Returns 0, or -1 with err on a bad argument (max_message
 * below TC_CHANGELOG_MIN_MAX_MESSAGE, a topic longer than 249 bytes, a
 * negative partition or offset, generation 0, a snapshot beyond the
 * limits above) or out of memory. */
int tc_changelog_encode(const struct tc_changelog_meta *meta, const void *state,
                        size_t state_len, size_t max_message,
                        struct tc_changelog_chunks *out, char *err, size_t errlen);

/* A decoded snapshot; every pointer owned (tc_changelog_snapshot_free). */
struct tc_changelog_snapshot {
    char *topic; /* NUL-terminated */
    int32_t partition;
    int64_t next_offset;
    uint64_t generation;
    unsigned char *state;
    size_t state_len;
    size_t chunks;
};

/* NULL-safe. */
void tc_changelog_snapshot_free(struct tc_changelog_snapshot *s);

struct tc_changelog_decoder;

/* What the decoder saw. */
struct tc_changelog_stats {
    uint64_t messages;       /* fed */
    uint64_t bytes;          /* keys and values fed */
    uint64_t skipped;        /* messages not used: malformed, another
                              * partition, a tombstone, a stale generation */
    uint64_t torn;           /* generations dropped incomplete or mismatched */
    uint64_t max_generation; /* highest generation in any well-formed
                              * header of this partition, 0 if none */
};

/* A decoder for input partition `partition` (>= 0).  NULL when out of
 * memory. */
struct tc_changelog_decoder *tc_changelog_decoder_new(int32_t partition);

/* NULL-safe. */
void tc_changelog_decoder_free(struct tc_changelog_decoder *d);

/* Feeds one message (key and value borrowed for the call; value NULL for
 * a tombstone).  Returns 0 when the message was used, 1 when it was
 * skipped (err says why), -1 when out of memory. */
int tc_changelog_decoder_feed(struct tc_changelog_decoder *d, const void *key,
                              size_t key_len, const void *value, size_t value_len,
                              char *err, size_t errlen);

/* Ends the decoding: the best snapshot (complete, consistent, highest
 * generation), handed over to the caller (free it with
 * tc_changelog_snapshot_free), or NULL when there is none.  Generations
 * still incomplete are given up (counted in torn). */
struct tc_changelog_snapshot *tc_changelog_decoder_take(struct tc_changelog_decoder *d);

/* The most chunks of any generation still being assembled, 0 when none
 * is: a reader that fed the end of a partition and found no complete
 * snapshot knows that the first chunks of those generations lie at most
 * this many messages further back (chunks are written consecutively).
 * The take gives them up: ask before it. */
uint32_t tc_changelog_decoder_pending_chunks(const struct tc_changelog_decoder *d);

/* Borrowed; up to date after every feed and the take. */
const struct tc_changelog_stats *
tc_changelog_decoder_stats(const struct tc_changelog_decoder *d);

/* Formats the key of a chunk into key (at least TC_CHANGELOG_KEY_MAX
 * bytes).  Returns its length. */
size_t tc_changelog_key(char *key, int32_t partition, uint32_t chunk);

#endif
