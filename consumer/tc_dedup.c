/* tc_dedup.c - the segmented set of counted message identities. */
#include "tc_dedup.h"

#include <stdlib.h>

#include "tc_hash.h"

/* Rebuilds a segment with only the keys of live panes, sized for twice as
 * many plus the one about to be added.  Returns 0, or -1 when out of
 * memory (the segment unchanged). */
static int rebuild_segment(struct tc_dedup *d, struct tc_dedup_segment *seg,
                           int64_t oldest_live)
{
    size_t live = 1;
    for (size_t i = 0; i < seg->cap; i++) {
        live += tc_dedup_is_live(&seg->slots[i], oldest_live);
    }
    size_t cap = TC_DEDUP_SEGMENT_MIN_CAP;
    while (cap < live * 2) {
        cap *= 2;
    }
    struct tc_dedup_key *t = malloc(cap * sizeof *t);
    if (t == NULL) {
        return -1;
    }
    for (size_t i = 0; i < cap; i++) {
        t[i].pane = TC_DEDUP_EMPTY;
    }
    struct tc_dedup_segment old = *seg;
    *seg = (struct tc_dedup_segment){.slots = t, .cap = cap};
    for (size_t i = 0; i < old.cap; i++) {
        const struct tc_dedup_key *k = &old.slots[i];
        if (!tc_dedup_is_live(k, oldest_live)) {
            continue;
        }
        *tc_dedup_find(d, tc_hash_ids(k->ch, k->msg), k->ch, k->msg) = *k;
        seg->used++;
    }
    d->used = d->used - old.used + seg->used;
    free(old.slots);
    return 0;
}

static int rebuild(struct tc_dedup *d, int64_t oldest_live)
{
    for (size_t i = 0; i < TC_DEDUP_SEGMENTS; i++) {
        if (rebuild_segment(d, &d->seg[i], oldest_live) != 0) {
            return -1;
        }
    }
    return 0;
}

struct tc_dedup *tc_dedup_new(void)
{
    struct tc_dedup *d = calloc(1, sizeof *d);
    if (d != NULL && rebuild(d, INT64_MIN) != 0) {
        tc_dedup_free(d);
        return NULL;
    }
    return d;
}

void tc_dedup_free(struct tc_dedup *d)
{
    if (d == NULL) {
        return;
    }
    for (size_t i = 0; i < TC_DEDUP_SEGMENTS; i++) {
        free(d->seg[i].slots);
    }
    free(d);
}

int tc_dedup_add(struct tc_dedup *d, struct tc_dedup_key *slot, uint64_t hash, int64_t ch,
                 int64_t msg, int64_t pane, int64_t oldest_live)
{
    if (slot->pane == TC_DEDUP_EMPTY) {
        struct tc_dedup_segment *seg = &d->seg[hash >> (64 - TC_DEDUP_SEGMENT_BITS)];
        if ((seg->used + 1) * 10 > seg->cap * 7 &&
            rebuild_segment(d, seg, oldest_live) != 0) {
            return -1;
        }
        seg->used++;
        d->used++;
        slot = tc_dedup_find(d, hash, ch, msg);
    }
    slot->ch = ch;
    slot->msg = msg;
    slot->pane = pane;
    d->live++;
    return 0;
}

int tc_dedup_forget(struct tc_dedup *d, uint64_t died, int64_t oldest_live)
{
    d->live -= died;
    if (died > 0 && d->used - d->live > d->live && d->used > TC_DEDUP_REBUILD_MIN) {
        return rebuild(d, oldest_live);
    }
    return 0;
}
