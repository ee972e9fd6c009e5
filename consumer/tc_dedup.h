/* tc_dedup.h - the dedup set of one task: which (channel_id, message_id)
 * were counted, and in which pane.
 *
 * A key is live while its pane is live (pane >= the task's oldest live
 * pane); a message seen again while its key is live is a duplicate.  Keys
 * are not removed when their pane dies: they become dead in place, are
 * reused when the same message comes again, and are dropped when their
 * segment is rebuilt.  A segment is rebuilt (sized for twice its live keys)
 * when it is 70% full, and the whole set when tc_dedup_forget finds that
 * most of it is dead.
 *
 * The set is split by hash into TC_DEDUP_SEGMENTS open-addressing tables
 * that grow one at a time: growing copies one segment, so the peak memory
 * of a growth is 1/64th of the set more, not the old and the new set side
 * by side (with a million live keys, 24 MB less at the peak).
 *
 * Invariants: `used` is the sum of the segments' used (live and dead
 * keys); `live` is the number of keys whose pane is live; every segment's
 * cap is a power of two >= TC_DEDUP_SEGMENT_MIN_CAP and used <= 0.7 cap.
 *
 * Memory: 24 bytes per key at load <= 0.7 (dead keys until a rebuild).
 */
#ifndef TC_DEDUP_H
#define TC_DEDUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The pane number of a free slot. */
#define TC_DEDUP_EMPTY INT64_MIN

#define TC_DEDUP_SEGMENT_BITS 6
#define TC_DEDUP_SEGMENTS (1u << TC_DEDUP_SEGMENT_BITS)
#define TC_DEDUP_SEGMENT_MIN_CAP 16

/* The set is rebuilt by tc_dedup_forget only above this many keys. */
#define TC_DEDUP_REBUILD_MIN 4096

struct tc_dedup_key {
    int64_t ch;
    int64_t msg;
    int64_t pane; /* TC_DEDUP_EMPTY = free slot */
};

_Static_assert(sizeof(struct tc_dedup_key) == 24, "a dedup key is 24 bytes");

struct tc_dedup_segment {
    struct tc_dedup_key *slots;
    size_t cap;  /* power of two */
    size_t used; /* live and dead keys */
};

/* Fields are visible for the inlined lookup and for the checkpoint, which
 * walks the segments in order; only this module writes them. */
struct tc_dedup {
    struct tc_dedup_segment seg[TC_DEDUP_SEGMENTS];
    size_t used;
    uint64_t live;
};

/* An empty set (every segment at its minimum size).  NULL when out of
 * memory. */
struct tc_dedup *tc_dedup_new(void);

/* NULL-safe. */
void tc_dedup_free(struct tc_dedup *d);

/* The slot holding (ch, msg), live or dead, or the free slot where it
 * belongs; hash is tc_hash_ids(ch, msg).  Borrowed until the set changes. */
static inline struct tc_dedup_key *tc_dedup_find(struct tc_dedup *d, uint64_t hash,
                                                 int64_t ch, int64_t msg)
{
    /* The segment from the hash's top bits, the slot from its low ones. */
    struct tc_dedup_segment *seg = &d->seg[hash >> (64 - TC_DEDUP_SEGMENT_BITS)];
    size_t mask = seg->cap - 1;
    size_t j = (size_t)hash & mask;
    while (seg->slots[j].pane != TC_DEDUP_EMPTY) {
        if (seg->slots[j].ch == ch && seg->slots[j].msg == msg) {
            return &seg->slots[j];
        }
        j = (j + 1) & mask;
    }
    return &seg->slots[j];
}

/* True when slot holds a key of a live pane. */
static inline bool tc_dedup_is_live(const struct tc_dedup_key *slot, int64_t oldest_live)
{
    return slot->pane != TC_DEDUP_EMPTY && slot->pane >= oldest_live;
}

/* Records (ch, msg) as counted in pane (>= oldest_live).  slot is what
 * tc_dedup_find returned for it, with no change to the set since, and not
 * live: a dead key is taken over in place; a free slot is replaced by a
 * fresh one, after the segment is rebuilt without its dead keys when it is
 * 70% used.  Returns 0, or -1 when out of memory (nothing recorded). */
int tc_dedup_add(struct tc_dedup *d, struct tc_dedup_key *slot, uint64_t hash, int64_t ch,
                 int64_t msg, int64_t pane, int64_t oldest_live);

/* Says that died keys stopped being live (their pane died; oldest_live is
 * the new first live pane).  When some did and most of a large set is now
 * dead, rebuilds every segment with the live keys only.  Returns 0, or -1
 * when out of memory (the set stays usable; a later call retries). */
int tc_dedup_forget(struct tc_dedup *d, uint64_t died, int64_t oldest_live);

#endif
