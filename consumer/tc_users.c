/* tc_users.c - the user table: interning, slots, compaction, name order. */
#include "tc_users.h"

#include <stdlib.h>

#include "tc_grow.h"
#include "tc_hash.h"

/* ---- the name arena --------------------------------------------------- */

/* Names are copied into chunks that are only ever freed together: a user
 * costs its name's bytes and nothing for allocator headers. */
struct tc_users_chunk {
    struct tc_users_chunk *next;
    size_t used;
    size_t cap;
    char data[];
};

#define CHUNK_BYTES (256 * 1024)

static const char *arena_copy(struct tc_users_chunk **arena, const char *s, size_t len)
{
    struct tc_users_chunk *c = *arena;
    if (c == NULL || c->cap - c->used < len + 1) {
        size_t cap = len + 1 > CHUNK_BYTES ? len + 1 : CHUNK_BYTES;
        c = malloc(sizeof *c + cap);
        if (c == NULL) {
            return NULL;
        }
        c->next = *arena;
        c->used = 0;
        c->cap = cap;
        *arena = c;
    }
    char *d = c->data + c->used;
    memcpy(d, s, len);
    d[len] = '\0';
    c->used += len + 1;
    return d;
}

static void arena_free(struct tc_users_chunk *c)
{
    while (c != NULL) {
        struct tc_users_chunk *next = c->next;
        free(c);
        c = next;
    }
}

/* ---- the hash table --------------------------------------------------- */

#define HASH_MIN_CAP 1024

/* Places (hash, index) in a table known to have a free slot for it. */
static void hash_place(struct tc_users_hash *t, size_t cap, uint32_t hash, size_t idx)
{
    size_t j = hash & (cap - 1);
    while (t[j].idx1 != 0) {
        j = (j + 1) & (cap - 1);
    }
    t[j].hash = hash;
    t[j].idx1 = (uint32_t)(idx + 1);
}

static int hash_rehash(struct tc_users *us, size_t newcap)
{
    struct tc_users_hash *t = calloc(newcap, sizeof *t);
    if (t == NULL) {
        return -1;
    }
    for (size_t i = 0; i < us->hashcap; i++) {
        if (us->hash[i].idx1 != 0) {
            hash_place(t, newcap, us->hash[i].hash, us->hash[i].idx1 - 1);
        }
    }
    free(us->hash);
    us->hash = t;
    us->hashcap = newcap;
    return 0;
}

/* ---- lifecycle and interning ------------------------------------------ */

struct tc_users *tc_users_new(size_t max_users)
{
    struct tc_users *us = calloc(1, sizeof *us);
    if (us == NULL) {
        return NULL;
    }
    us->max = max_users;
    us->hashcap = HASH_MIN_CAP;
    us->hash = calloc(us->hashcap, sizeof *us->hash);
    if (us->hash == NULL) {
        free(us);
        return NULL;
    }
    return us;
}

void tc_users_free(struct tc_users *us)
{
    if (us == NULL) {
        return;
    }
    for (size_t i = 0; i < us->n; i++) {
        if (us->users[i].capslots > 1) {
            free(us->users[i].s.many);
        }
    }
    arena_free(us->arena);
    free(us->users);
    free(us->hash);
    free(us->byname);
    free(us->rank);
    free(us);
}

int64_t tc_users_add(struct tc_users *us, const char *key, size_t len, uint32_t hash)
{
    if (us->n >= UINT32_MAX - 1 ||
        tc_grow((void **)&us->users, &us->cap, us->n + 1, sizeof *us->users) != 0) {
        return -1;
    }
    const char *name = arena_copy(&us->arena, key, len);
    if (name == NULL) {
        return -1;
    }
    struct tc_user *u = &us->users[us->n];
    memset(u, 0, sizeof *u);
    u->name = name;
    u->len = (uint32_t)len;
    hash_place(us->hash, us->hashcap, hash, us->n);
    int64_t idx = (int64_t)us->n++;
    /* Load at most 0.7: with 8-byte slots that is under 12 bytes a user. */
    if (us->n * 10 > us->hashcap * 7 && hash_rehash(us, us->hashcap * 2) != 0) {
        return -1;
    }
    return idx;
}

int64_t tc_users_intern(struct tc_users *us, const char *key, size_t len)
{
    uint32_t hash = tc_hash_bytes(key, len);
    int64_t idx = tc_users_find(us, key, len, hash);
    return idx >= 0 ? idx : tc_users_add(us, key, len, hash);
}

/* ---- compaction ------------------------------------------------------- */

int tc_users_compact(struct tc_users *us, uint32_t **map_out)
{
    size_t live = us->live;
    size_t cap = live + live / 2 + 16;
    size_t hashcap = HASH_MIN_CAP;
    while (live * 10 > hashcap * 7) {
        hashcap *= 2;
    }
    uint32_t *map = malloc(us->n * sizeof *map);
    struct tc_user *users = malloc(cap * sizeof *users);
    struct tc_users_hash *hash = calloc(hashcap, sizeof *hash);
    struct tc_users_chunk *arena = NULL;
    size_t n = 0;
    for (size_t i = 0; map != NULL && users != NULL && hash != NULL && i < us->n; i++) {
        const struct tc_user *u = &us->users[i];
        map[i] = UINT32_MAX;
        if (u->nslots == 0) {
            continue;
        }
        const char *name = arena_copy(&arena, u->name, u->len);
        if (name == NULL) {
            break;
        }
        users[n] = *u;
        users[n].name = name;
        users[n].stamp = 0;
        hash_place(hash, hashcap, tc_hash_bytes(name, u->len), n);
        map[i] = (uint32_t)n++;
    }
    if (map == NULL || users == NULL || hash == NULL || n != live) {
        arena_free(arena);
        free(map);
        free(users);
        free(hash);
        return -1;
    }
    arena_free(us->arena);
    free(us->users);
    free(us->hash);
    us->arena = arena;
    us->users = users;
    us->cap = cap;
    us->n = n;
    us->hash = hash;
    us->hashcap = hashcap;
    us->nranked = 0;
    *map_out = map;
    return 0;
}

/* ---- slots ------------------------------------------------------------ */

/* Room for one more slot.  Returns 0, or -1 when out of memory. */
static int reserve_slot(struct tc_user *u)
{
    if (u->nslots < u->capslots || (u->nslots == 0 && u->capslots <= 1)) {
        u->capslots = u->capslots == 0 ? 1 : u->capslots;
        return 0;
    }
    if (u->capslots == UINT32_MAX / 2) {
        return -1;
    }
    uint32_t cap = u->capslots <= 1 ? 4 : u->capslots * 2;
    struct tc_user_slot *m;
    if (u->capslots <= 1) {
        m = malloc(cap * sizeof *m);
        if (m != NULL && u->nslots == 1) {
            m[0] = u->s.one;
        }
    } else {
        m = realloc(u->s.many, cap * sizeof *m);
    }
    if (m == NULL) {
        return -1;
    }
    u->s.many = m;
    u->capslots = cap;
    return 0;
}

int tc_users_insert_slot(struct tc_users *us, uint32_t user, uint32_t at, int64_t pane,
                         uint32_t entry)
{
    struct tc_user *u = &us->users[user];
    if (reserve_slot(u) != 0) {
        return -1;
    }
    struct tc_user_slot *sl = tc_user_slots(u);
    memmove(&sl[at + 1], &sl[at], (u->nslots - at) * sizeof *sl);
    sl[at].pane = pane;
    sl[at].entry = entry;
    if (u->nslots++ == 0) {
        us->live++;
    }
    return 0;
}

void tc_users_drop_slot(struct tc_users *us, uint32_t user, int64_t pane)
{
    struct tc_user *u = &us->users[user];
    struct tc_user_slot *sl = tc_user_slots(u);
    uint32_t k = 0;
    while (k < u->nslots && sl[k].pane != pane) {
        k++;
    }
    if (k == u->nslots) {
        return;
    }
    memmove(&sl[k], &sl[k + 1], (u->nslots - k - 1) * sizeof *sl);
    if (--u->nslots == 0) {
        us->live--;
    }
    if (u->capslots > 1 && u->nslots <= 1) {
        struct tc_user_slot keep = sl[0];
        free(u->s.many);
        u->capslots = 1;
        if (u->nslots == 1) {
            u->s.one = keep;
        }
    }
}

/* ---- emission support ------------------------------------------------- */

uint32_t tc_users_next_stamp(struct tc_users *us)
{
    if (++us->stamp == 0) {
        for (size_t i = 0; i < us->n; i++) {
            us->users[i].stamp = 0;
        }
        us->stamp = 1;
    }
    return us->stamp;
}

static int compare_names(const void *a, const void *b, void *arg)
{
    const struct tc_user *users = arg;
    const struct tc_user *x = &users[*(const uint32_t *)a];
    const struct tc_user *y = &users[*(const uint32_t *)b];
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->name, y->name, n);
    if (c != 0) {
        return c;
    }
    return x->len < y->len ? -1 : x->len > y->len;
}

int tc_users_rank(struct tc_users *us)
{
    size_t old = us->nranked, n = us->n;
    if (old == n) {
        return 0;
    }
    /* byname also holds the sorted newcomers while merging. */
    if (tc_grow((void **)&us->byname, &us->capbyname, 2 * n, sizeof *us->byname) != 0 ||
        tc_grow((void **)&us->rank, &us->caprank, n, sizeof *us->rank) != 0) {
        return -1;
    }
    /* The new users, sorted, go after the merge area; then merge from the
     * back so nothing is overwritten before it is read. */
    uint32_t *fresh = us->byname + n;
    for (size_t i = old; i < n; i++) {
        fresh[i - old] = (uint32_t)i;
    }
    qsort_r(fresh, n - old, sizeof *fresh, compare_names, us->users);
    size_t i = old, j = n - old, k = n;
    while (j > 0) {
        if (i > 0 && compare_names(&us->byname[i - 1], &fresh[j - 1], us->users) > 0) {
            us->byname[--k] = us->byname[--i];
        } else {
            us->byname[--k] = fresh[--j];
        }
    }
    for (size_t r = 0; r < n; r++) {
        us->rank[us->byname[r]] = (uint32_t)r;
    }
    us->nranked = n;
    return 0;
}
