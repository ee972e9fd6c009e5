/* tc_partitions.c - see tc_partitions.h.
 *
 * Partition numbers are small and dense (0 .. partition count - 1), so the
 * state is an array indexed by number that grows on demand; lookups on the
 * per-record path are a bounds check and an index.
 *
 * The driving time is asked for after every record, and computing it visits
 * every partition, so it is cached: the cache stands until a partition
 * joins or leaves the holding set, the slowest one moves, or the wall clock
 * reaches the moment the next holding partition would turn idle (never,
 * held to the end).
 */
#include "tc_partitions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tc_partition_state {
    bool assigned;
    bool ever_assigned;
    bool has_event;
    bool at_end;
    int64_t max_event_ms;
    int64_t last_wall_ms; /* last record with an event time, or assignment */
    int64_t next_offset;
    int64_t start_offset;
};

struct tc_partitions {
    int64_t idle_ms;
    bool to_the_end; /* -e: every partition holds W back (tc_partitions_hold_to_end) */
    struct tc_partition_state *slots;
    size_t nslots;
    size_t assigned;
    size_t at_end; /* assigned partitions at their end */

    /* The last driving time computed, valid while cache_valid and the wall
     * clock is before cache_until.  cache_slowest: the holding partition
     * the value came from, -1 when it is the maximum over all or none. */
    bool cache_valid;
    bool cache_has;
    int64_t cache_value;
    int64_t cache_until;
    int32_t cache_slowest;
};

struct tc_partitions *tc_partitions_new(int64_t idle_ms)
{
    struct tc_partitions *parts = calloc(1, sizeof(*parts));
    if (parts != NULL)
        parts->idle_ms = idle_ms;
    return parts;
}

void tc_partitions_hold_to_end(struct tc_partitions *parts)
{
    parts->to_the_end = true;
    parts->cache_valid = false;
}

void tc_partitions_free(struct tc_partitions *parts)
{
    if (parts == NULL)
        return;
    free(parts->slots);
    free(parts);
}

static bool is_idle(const struct tc_partitions *parts, const struct tc_partition_state *s,
                    int64_t now_ms)
{
    return now_ms - s->last_wall_ms >= parts->idle_ms;
}

/* Whether an assigned partition holds W back (a silent one too). */
static bool holds(const struct tc_partitions *parts, const struct tc_partition_state *s,
                  int64_t now_ms)
{
    return parts->to_the_end || (!s->at_end && !is_idle(parts, s, now_ms));
}

static void set_at_end(struct tc_partitions *parts, struct tc_partition_state *s,
                       bool at_end)
{
    if (s->at_end == at_end)
        return;
    s->at_end = at_end;
    if (at_end)
        parts->at_end++;
    else
        parts->at_end--;
    parts->cache_valid = false;
}

static struct tc_partition_state *slot_of(const struct tc_partitions *parts,
                                          int32_t partition)
{
    if (partition < 0 || (size_t)partition >= parts->nslots)
        return NULL;
    struct tc_partition_state *s = &parts->slots[partition];
    return s->assigned ? s : NULL;
}

int tc_partitions_assign(struct tc_partitions *parts, int32_t partition, int64_t now_ms,
                         char *err, size_t errlen)
{
    if (partition < 0) {
        snprintf(err, errlen, "invalid partition number %d", (int)partition);
        return -1;
    }
    if ((size_t)partition >= parts->nslots) {
        size_t n = parts->nslots ? parts->nslots : 8;
        while (n <= (size_t)partition)
            n *= 2;
        struct tc_partition_state *grown = realloc(parts->slots, n * sizeof(*grown));
        if (grown == NULL) {
            snprintf(err, errlen, "out of memory tracking partition %d", (int)partition);
            return -1;
        }
        memset(grown + parts->nslots, 0, (n - parts->nslots) * sizeof(*grown));
        parts->slots = grown;
        parts->nslots = n;
    }
    struct tc_partition_state *s = &parts->slots[partition];
    if (s->assigned)
        return 0;
    *s = (struct tc_partition_state){
        .assigned = true,
        .ever_assigned = true,
        .last_wall_ms = now_ms,
        .next_offset = TC_PARTITIONS_NO_OFFSET,
        .start_offset = TC_PARTITIONS_NO_OFFSET,
    };
    parts->assigned++;
    parts->cache_valid = false;
    return 0;
}

void tc_partitions_revoke(struct tc_partitions *parts, int32_t partition)
{
    struct tc_partition_state *s = slot_of(parts, partition);
    if (s == NULL)
        return;
    set_at_end(parts, s, false);
    s->assigned = false;
    parts->assigned--;
    parts->cache_valid = false;
}

void tc_partitions_revoke_all(struct tc_partitions *parts)
{
    for (size_t i = 0; i < parts->nslots; i++) {
        parts->slots[i].assigned = false;
        parts->slots[i].at_end = false;
    }
    parts->assigned = 0;
    parts->at_end = 0;
    parts->cache_valid = false;
}

bool tc_partitions_is_assigned(const struct tc_partitions *parts, int32_t partition)
{
    return slot_of(parts, partition) != NULL;
}

bool tc_partitions_was_assigned(const struct tc_partitions *parts, int32_t partition)
{
    return partition >= 0 && (size_t)partition < parts->nslots &&
           parts->slots[partition].ever_assigned;
}

size_t tc_partitions_count(const struct tc_partitions *parts)
{
    return parts->assigned;
}

void tc_partitions_record(struct tc_partitions *parts, int32_t partition,
                          int64_t event_ms, int64_t now_ms)
{
    struct tc_partition_state *s = slot_of(parts, partition);
    if (s == NULL)
        return;
    /* The cache survives a record from a partition that was holding W back
     * already, unless it raises the slowest one. */
    bool was_holding = s->has_event && holds(parts, s, now_ms);
    bool raised = !s->has_event || event_ms > s->max_event_ms;
    if (!was_holding || (raised && partition == parts->cache_slowest))
        parts->cache_valid = false;
    if (raised)
        s->max_event_ms = event_ms;
    s->has_event = true;
    s->last_wall_ms = now_ms;
    set_at_end(parts, s, false);
}

void tc_partitions_set_offset(struct tc_partitions *parts, int32_t partition,
                              int64_t next_offset)
{
    struct tc_partition_state *s = slot_of(parts, partition);
    if (s == NULL)
        return;
    s->next_offset = next_offset;
    set_at_end(parts, s, false);
}

int64_t tc_partitions_offset(const struct tc_partitions *parts, int32_t partition)
{
    const struct tc_partition_state *s = slot_of(parts, partition);
    return s ? s->next_offset : TC_PARTITIONS_NO_OFFSET;
}

void tc_partitions_set_start(struct tc_partitions *parts, int32_t partition,
                             int64_t start_offset)
{
    struct tc_partition_state *s = slot_of(parts, partition);
    if (s != NULL)
        s->start_offset = start_offset;
}

int64_t tc_partitions_position(const struct tc_partitions *parts, int32_t partition)
{
    const struct tc_partition_state *s = slot_of(parts, partition);
    if (s == NULL)
        return TC_PARTITIONS_NO_OFFSET;
    return s->next_offset != TC_PARTITIONS_NO_OFFSET ? s->next_offset : s->start_offset;
}

void tc_partitions_eof(struct tc_partitions *parts, int32_t partition)
{
    struct tc_partition_state *s = slot_of(parts, partition);
    if (s != NULL)
        set_at_end(parts, s, true);
}

bool tc_partitions_is_at_end(const struct tc_partitions *parts, int32_t partition)
{
    const struct tc_partition_state *s = slot_of(parts, partition);
    return s != NULL && s->at_end;
}

bool tc_partitions_any_at_end(const struct tc_partitions *parts)
{
    return parts->at_end > 0;
}

bool tc_partitions_all_at_end(const struct tc_partitions *parts)
{
    return parts->assigned > 0 && parts->at_end == parts->assigned;
}

static void compute_driving_time(struct tc_partitions *parts, int64_t now_ms)
{
    bool any_holding = false, any_event = false, silent = false;
    int64_t min_holding = INT64_MAX, max_all = INT64_MIN, until = INT64_MAX;
    int32_t slowest = -1;
    for (size_t i = 0; i < parts->nslots; i++) {
        const struct tc_partition_state *s = &parts->slots[i];
        if (!s->assigned)
            continue;
        if (s->has_event && s->max_event_ms > max_all)
            max_all = s->max_event_ms;
        any_event |= s->has_event;
        if (!holds(parts, s, now_ms))
            continue;
        if (!parts->to_the_end && s->last_wall_ms + parts->idle_ms < until)
            until = s->last_wall_ms + parts->idle_ms;
        if (!s->has_event) {
            silent = true;
        } else if (!any_holding || s->max_event_ms < min_holding) {
            any_holding = true;
            min_holding = s->max_event_ms;
            slowest = (int32_t)i;
        }
    }
    parts->cache_valid = true;
    parts->cache_until = until;
    parts->cache_slowest = silent ? -1 : slowest;
    parts->cache_has = !silent && (any_holding || any_event);
    parts->cache_value = any_holding ? min_holding : max_all;
}

bool tc_partitions_driving_time(struct tc_partitions *parts, int64_t now_ms,
                                int64_t *event_ms)
{
    if (!parts->cache_valid || now_ms >= parts->cache_until)
        compute_driving_time(parts, now_ms);
    if (parts->cache_has)
        *event_ms = parts->cache_value;
    return parts->cache_has;
}

void tc_partitions_each(const struct tc_partitions *parts,
                        void (*fn)(void *arg, int32_t partition, int64_t next_offset),
                        void *arg)
{
    for (size_t i = 0; i < parts->nslots; i++) {
        if (parts->slots[i].assigned)
            fn(arg, (int32_t)i, parts->slots[i].next_offset);
    }
}
