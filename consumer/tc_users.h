/* tc_users.h - the user table of one task: every key (username) counted,
 * interned once, numbered 0, 1, 2, ... in order of arrival.
 *
 * A user is found through an open-addressing table of (hash, index) pairs;
 * its record holds its name (copied once into an arena owned by the
 * table), the slots that say where its live counters are (tc_panes.h
 * fills them), and scratch space for emission.  Indices are what pane
 * entries store, so they only change in a compaction, which hands the
 * old -> new map to the owner of the panes.
 *
 * The table also keeps the name order of its users (byname: indices sorted
 * by name in byte order; rank: each user's position in byname), brought up
 * to date before an emission, so that rows sort as integers.
 *
 * Invariants:
 *   - no two users share a name; n <= UINT32_MAX - 1;
 *   - live is the number of users with nslots > 0;
 *   - a user's slots are sorted by pane; with capslots <= 1 the only slot
 *     lives inside the record (s.one), otherwise in s.many;
 *   - byname and rank describe users [0, nranked); nranked <= n.
 *
 * Memory (arrays grow by 1.5x, so add up to half again), per user: the
 * 48-byte record, the name in the arena (length + 1), under 12 bytes of
 * hash table (8-byte slots, load <= 0.7) and 12 bytes of name order (rank,
 * and byname with room to merge newcomers); a user with more than one live
 * counter adds a 16-byte slot per counter in its own array.  Users whose
 * counters all died stay known until tc_users_mostly_idle; then a
 * compaction keeps only the live ones, so memory follows the active users.
 */
#ifndef TC_USERS_H
#define TC_USERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A table is compacted once it holds at least this many users and more
 * than half of them are idle (see tc_users_mostly_idle). */
#define TC_USERS_COMPACT_MIN 65536

/* Where one of a user's live counters is: its pane's number and the index
 * of the entry inside that pane. */
struct tc_user_slot {
    int64_t pane;
    uint32_t entry;
};

/* 48 bytes.  Most users have one live counter at a time, so the first slot
 * lives inside the record and only busier users allocate a slot array. */
struct tc_user {
    const char *name; /* NUL-terminated, in the table's arena */
    uint32_t len;
    uint32_t stamp; /* emission scratch: acc is valid iff stamp == table's */
    uint64_t acc;   /* emission scratch: the user's count in one window */
    uint32_t nslots;
    uint32_t capslots; /* <= 1: slots in `one`; more: in `many` */
    union {
        struct tc_user_slot one;
        struct tc_user_slot *many;
    } s;
};

_Static_assert(sizeof(struct tc_user) == 48, "the user record is 48 bytes");

struct tc_users_hash {
    uint32_t hash;
    uint32_t idx1; /* user index + 1; 0 = empty */
};

struct tc_users_chunk;

/* Fields are visible so that the per-record lookup can be inlined; only
 * this module writes them. */
struct tc_users {
    struct tc_user *users; /* users[0 .. n) */
    size_t n, cap;
    size_t live;
    size_t max; /* --max-users; 0 = unlimited */
    struct tc_users_hash *hash;
    size_t hashcap; /* power of two */
    struct tc_users_chunk *arena;
    uint32_t stamp; /* the current emission's stamp */
    uint32_t *byname;
    uint32_t *rank;
    size_t nranked, capbyname, caprank;
};

/* An empty table that holds at most max_users users before
 * tc_users_full (0: unlimited).  NULL when out of memory. */
struct tc_users *tc_users_new(size_t max_users);

/* Frees the table, its names and every user's slot array.  NULL-safe. */
void tc_users_free(struct tc_users *us);

/* The index of the user called key (len bytes, hash tc_hash_bytes of it),
 * or -1 when unknown. */
static inline int64_t tc_users_find(const struct tc_users *us, const char *key,
                                    size_t len, uint32_t hash)
{
    size_t mask = us->hashcap - 1;
    for (size_t j = hash & mask; us->hash[j].idx1 != 0; j = (j + 1) & mask) {
        if (us->hash[j].hash == hash) {
            const struct tc_user *u = &us->users[us->hash[j].idx1 - 1];
            if (u->len == len && memcmp(u->name, key, len) == 0) {
                return us->hash[j].idx1 - 1;
            }
        }
    }
    return -1;
}

/* Adds the user called key, which must be unknown, without looking at the
 * limit; key is copied.  Returns its index, or -1 when out of memory. */
int64_t tc_users_add(struct tc_users *us, const char *key, size_t len, uint32_t hash);

/* The index of the user called key, added when unknown regardless of the
 * limit.  Returns -1 when out of memory. */
int64_t tc_users_intern(struct tc_users *us, const char *key, size_t len);

/* True when the limit is reached: a new user needs room first. */
static inline bool tc_users_full(const struct tc_users *us)
{
    return us->max != 0 && us->n >= us->max;
}

/* True when a full table would gain enough room from a compaction: a
 * quarter of the limit (less would make every new user pay for one). */
static inline bool tc_users_compaction_makes_room(const struct tc_users *us)
{
    return us->n - us->live >= us->max / 4;
}

/* True when more than half of a large table is idle users. */
static inline bool tc_users_mostly_idle(const struct tc_users *us)
{
    return us->n >= TC_USERS_COMPACT_MIN && us->n > 2 * us->live;
}

/* Forgets every user without a live counter: the survivors keep their
 * order and are renumbered 0, 1, ...; the name order is rebuilt at the
 * next tc_users_rank.  On success *map (malloc'd, the caller frees it)
 * has one element per old user: its new index, or UINT32_MAX when it was
 * forgotten; the caller must renumber whatever stores user indices.
 * O(users); all or nothing: returns 0, or -1 when out of memory with the
 * table unchanged. */
int tc_users_compact(struct tc_users *us, uint32_t **map);

/* The slots of a user (borrowed; valid until its slots change). */
static inline struct tc_user_slot *tc_user_slots(struct tc_user *u)
{
    return u->capslots > 1 ? u->s.many : &u->s.one;
}

/* Inserts the slot (pane, entry) at position `at` of user's slots, which
 * must keep them sorted.  Returns 0, or -1 when out of memory (nothing
 * changed). */
int tc_users_insert_slot(struct tc_users *us, uint32_t user, uint32_t at, int64_t pane,
                         uint32_t entry);

/* Removes user's slot of pane (if any); a user back to one slot or none
 * frees its slot array. */
void tc_users_drop_slot(struct tc_users *us, uint32_t user, int64_t pane);

/* Starts an emission: returns the stamp marking whose acc belongs to it
 * (never 0, so fresh users are never mistaken for touched ones). */
uint32_t tc_users_next_stamp(struct tc_users *us);

/* Brings byname and rank up to date: sorts the users added since the last
 * call and merges them in.  O(new log new + users).  Returns 0, or -1
 * when out of memory. */
int tc_users_rank(struct tc_users *us);

#endif
