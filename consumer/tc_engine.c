/* tc_engine.c - users, panes, dedup keys and window emission.
 *
 * Data layout, chosen so that a record costs one hash lookup:
 *   users    an array of struct tc_user, found through an open-addressing
 *            table of (hash, index); names live in an arena, interned once;
 *            users without live counters are dropped in bulk now and then
 *            (compact_users).
 *   panes    a sorted array (a deque: old panes leave at the front, new ones
 *            usually arrive at the back) of the live panes, each holding
 *            (user, count) entries.
 *   slots    each user keeps the (pane, entry index) of its live counters,
 *            sorted by pane, so a record finds its counter by looking at the
 *            user's newest slot, almost always the right one.
 *   dedup    an open-addressing set of (channel_id, message_id, pane); keys
 *            of dead panes are dropped when the set is rebuilt, which
 *            happens when it fills up or when most of it is dead.
 */
#include "tc_engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tc_checkpoint.h"
#include "tg_time.h"

/* ---- types ------------------------------------------------------------ */

struct tc_uslot {
    int64_t pane;
    uint32_t entry;
};

/* 48 bytes.  Most users have one live counter at a time, so the first slot
 * lives inside the struct and only busier users allocate a slot array. */
struct tc_user {
    const char *name;
    uint32_t len;
    uint32_t stamp; /* emission in which acc is valid */
    uint64_t acc;
    uint32_t nslots;
    uint32_t capslots; /* <= 1: slots in `one`; more: in `many` */
    union {
        struct tc_uslot one;
        struct tc_uslot *many;
    } s;
};

struct tc_uhash {
    uint32_t hash;
    uint32_t idx1; /* user index + 1; 0 = empty */
};

struct tc_pentry {
    uint32_t user;
    uint32_t count;
};

struct tc_pane {
    int64_t no;
    struct tc_pentry *e;
    uint32_t n;
    uint32_t cap;
    uint64_t ndedup;
    /* Smallest W at which a record was counted here since the last
     * trigger (INT64_MAX: none).  A window was changed iff one of its
     * panes has dirty_w < its end: it was open when that record came. */
    int64_t dirty_w;
};

#define DKEY_EMPTY INT64_MIN
struct tc_dkey {
    int64_t ch;
    int64_t msg;
    int64_t pane; /* DKEY_EMPTY = free slot */
};

/* The dedup set is split by hash into segments that grow one at a time:
 * growing copies one segment, so the peak memory of a growth is 1/64th of
 * the set more, not the old and the new set side by side (with a million
 * live keys, 24 MB less at the peak). */
#define DKEY_SEGMENT_BITS 6
#define DKEY_SEGMENTS (1u << DKEY_SEGMENT_BITS)
#define DKEY_SEGMENT_MIN_CAP 16
struct tc_dseg {
    struct tc_dkey *slots;
    size_t cap;  /* power of two */
    size_t used; /* live and dead keys */
};

struct tc_arena_chunk {
    struct tc_arena_chunk *next;
    size_t used;
    size_t cap;
    char data[];
};

#define ARENA_CHUNK (256 * 1024)

struct tc_engine {
    const struct tg_window_spec *specs;
    size_t nspecs;
    int64_t lateness;
    bool dedup;
    bool changes;
    size_t top_n;
    size_t max_users;
    int64_t pane_ms;

    int64_t w;
    int64_t max_t;
    int64_t oldest_live; /* first live pane; INT64_MIN while W is -inf */

    struct tc_user *users;
    size_t nusers, capusers;
    size_t live_users; /* users with at least one live counter */
    struct tc_uhash *uh;
    size_t uhcap; /* power of two */
    struct tc_arena_chunk *arena;

    struct tc_pane *panes;
    size_t pfirst, npanes, pcap;
    size_t pcache; /* absolute index of the last pane used */

    struct tc_dseg dk[DKEY_SEGMENTS];
    size_t dkused; /* live and dead keys, all segments */

    uint32_t stamp;
    uint32_t *touched;
    size_t captouched;
    struct tc_row *rows;
    size_t caprows;
    /* Row order without comparing names: users sorted by name (byname) and
     * each user's position in that order (rank), brought up to date before
     * an emission when users were added; rows are then sorted as 64-bit
     * keys (inverted count, rank). */
    uint32_t *byname;
    uint32_t *rank;
    size_t nranked, capbyname, caprank;
    uint64_t *keys;
    uint64_t *keytmp;
    size_t capkeys;
    struct tc_window *cands;
    size_t ncands, capcands;

    struct tc_engine_counters ctr;
};

/* ---- small helpers ---------------------------------------------------- */

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) {
        return 0;
    }
    /* 1.5x: large arrays are moved by mremap, not copied, so a smaller
     * factor costs little time and saves up to a third of the memory. */
    size_t n = *cap ? *cap : 16;
    while (n < need) {
        n += n / 2;
    }
    void *q = realloc(*p, n * elem);
    if (q == NULL) {
        return -1;
    }
    *p = q;
    *cap = n;
    return 0;
}

/* Grows two arrays of the same element size that share one capacity. */
static int grow_pair(void **a, void **b, size_t *cap, size_t need, size_t elem)
{
    size_t ca = *cap;
    if (grow(a, &ca, need, elem) != 0) {
        return -1;
    }
    if (ca > *cap) {
        void *q = realloc(*b, ca * elem);
        if (q == NULL) {
            return -1;
        }
        *b = q;
        *cap = ca;
    }
    return 0;
}

static uint64_t mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

static uint32_t hash_bytes(const char *s, size_t len)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ len;
    while (len >= 8) {
        uint64_t v;
        memcpy(&v, s, 8);
        h = (h ^ v) * 0x100000001b3ULL;
        h ^= h >> 29;
        s += 8;
        len -= 8;
    }
    uint64_t v = 0;
    memcpy(&v, s, len);
    h = mix64(h ^ v);
    return (uint32_t)h;
}

/* ---- users ------------------------------------------------------------ */

static const char *arena_copy(struct tc_engine *e, const char *s, size_t len)
{
    struct tc_arena_chunk *c = e->arena;
    if (c == NULL || c->cap - c->used < len + 1) {
        size_t cap = len + 1 > ARENA_CHUNK ? len + 1 : ARENA_CHUNK;
        c = malloc(sizeof *c + cap);
        if (c == NULL) {
            return NULL;
        }
        c->next = e->arena;
        c->used = 0;
        c->cap = cap;
        e->arena = c;
    }
    char *d = c->data + c->used;
    memcpy(d, s, len);
    d[len] = '\0';
    c->used += len + 1;
    return d;
}

static int uh_rehash(struct tc_engine *e, size_t newcap)
{
    struct tc_uhash *t = calloc(newcap, sizeof *t);
    if (t == NULL) {
        return -1;
    }
    for (size_t i = 0; i < e->uhcap; i++) {
        if (e->uh[i].idx1 == 0) {
            continue;
        }
        size_t j = e->uh[i].hash & (newcap - 1);
        while (t[j].idx1 != 0) {
            j = (j + 1) & (newcap - 1);
        }
        t[j] = e->uh[i];
    }
    free(e->uh);
    e->uh = t;
    e->uhcap = newcap;
    return 0;
}

static void arena_free(struct tc_arena_chunk *c)
{
    while (c != NULL) {
        struct tc_arena_chunk *next = c->next;
        free(c);
        c = next;
    }
}

/* Forgets every user without a live counter: a new user table, hash and
 * name arena holding only the live users, pane entries renumbered, the
 * name order rebuilt at the next emission.  O(users + entries); all or
 * nothing (on failure nothing changed).  Returns 0, or -1 when out of
 * memory. */
static int compact_users(struct tc_engine *e)
{
    size_t live = e->live_users;
    size_t cap = live + live / 2 + 16;
    size_t uhcap = 1024;
    while (live * 10 > uhcap * 7) {
        uhcap *= 2;
    }
    uint32_t *map = malloc(e->nusers * sizeof *map);
    struct tc_user *users = malloc(cap * sizeof *users);
    struct tc_uhash *uh = calloc(uhcap, sizeof *uh);
    struct tc_arena_chunk *old_arena = e->arena;
    e->arena = NULL;
    size_t n = 0;
    for (size_t i = 0; map != NULL && users != NULL && uh != NULL && i < e->nusers; i++) {
        const struct tc_user *u = &e->users[i];
        if (u->nslots == 0) {
            continue;
        }
        const char *name = arena_copy(e, u->name, u->len);
        if (name == NULL) {
            break;
        }
        users[n] = *u;
        users[n].name = name;
        users[n].stamp = 0;
        uint32_t h = hash_bytes(name, u->len);
        size_t j = h & (uhcap - 1);
        while (uh[j].idx1 != 0) {
            j = (j + 1) & (uhcap - 1);
        }
        uh[j].hash = h;
        uh[j].idx1 = (uint32_t)(n + 1);
        map[i] = (uint32_t)n++;
    }
    if (map == NULL || users == NULL || uh == NULL || n != live) {
        arena_free(e->arena);
        e->arena = old_arena;
        free(map);
        free(users);
        free(uh);
        return -1;
    }
    for (size_t i = e->pfirst; i < e->pfirst + e->npanes; i++) {
        struct tc_pane *pane = &e->panes[i];
        for (uint32_t j = 0; j < pane->n; j++) {
            pane->e[j].user = map[pane->e[j].user];
        }
    }
    arena_free(old_arena);
    free(map);
    free(e->users);
    free(e->uh);
    e->users = users;
    e->capusers = cap;
    e->nusers = n;
    e->uh = uh;
    e->uhcap = uhcap;
    e->nranked = 0;
    e->ctr.users = n;
    return 0;
}

/* Finds the user called key; creates it unless the table is full (then
 * returns the TC_OTHER_KEY user, creating that one regardless of the
 * limit).  Returns the index, or -1 when out of memory. */
static int64_t user_get(struct tc_engine *e, const char *key, size_t len, bool limited)
{
    uint32_t h = hash_bytes(key, len);
    size_t mask = e->uhcap - 1;
    size_t j = h & mask;
    while (e->uh[j].idx1 != 0) {
        if (e->uh[j].hash == h) {
            const struct tc_user *u = &e->users[e->uh[j].idx1 - 1];
            if (u->len == len && memcmp(u->name, key, len) == 0) {
                return e->uh[j].idx1 - 1;
            }
        }
        j = (j + 1) & mask;
    }
    if (limited && e->max_users != 0 && e->nusers >= e->max_users) {
        /* Forget the users without live counts when that frees a quarter
         * of the table (less would make every new user pay a compaction). */
        if (e->nusers - e->live_users < e->max_users / 4 || compact_users(e) != 0 ||
            e->nusers >= e->max_users) {
            e->ctr.overflowed++;
            return user_get(e, TC_OTHER_KEY, strlen(TC_OTHER_KEY), false);
        }
        return user_get(e, key, len, true);
    }
    if (e->nusers >= UINT32_MAX - 1 ||
        grow((void **)&e->users, &e->capusers, e->nusers + 1, sizeof *e->users) != 0) {
        return -1;
    }
    const char *name = arena_copy(e, key, len);
    if (name == NULL) {
        return -1;
    }
    struct tc_user *u = &e->users[e->nusers];
    memset(u, 0, sizeof *u);
    u->name = name;
    u->len = (uint32_t)len;
    e->uh[j].hash = h;
    e->uh[j].idx1 = (uint32_t)(e->nusers + 1);
    int64_t idx = (int64_t)e->nusers++;
    e->ctr.users = e->nusers;
    /* Load at most 0.7: with 8-byte slots that is under 12 bytes a user. */
    if (e->nusers * 10 > e->uhcap * 7 && uh_rehash(e, e->uhcap * 2) != 0) {
        return -1;
    }
    return idx;
}

/* ---- panes ------------------------------------------------------------ */

/* Index (absolute) of the first pane with no >= p. */
static size_t pane_lower_bound(const struct tc_engine *e, int64_t p)
{
    size_t lo = e->pfirst, hi = e->pfirst + e->npanes;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (e->panes[mid].no < p) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* The pane numbered p, created when missing; NULL when out of memory. */
static struct tc_pane *pane_get(struct tc_engine *e, int64_t p)
{
    size_t end = e->pfirst + e->npanes;
    if (e->pcache < end && e->pcache >= e->pfirst && e->panes[e->pcache].no == p) {
        return &e->panes[e->pcache];
    }
    size_t i = pane_lower_bound(e, p);
    if (i < end && e->panes[i].no == p) {
        e->pcache = i;
        return &e->panes[i];
    }
    if (end == e->pcap) {
        if (e->pfirst > 0) {
            memmove(e->panes, e->panes + e->pfirst, e->npanes * sizeof *e->panes);
            i -= e->pfirst;
            e->pfirst = 0;
        } else if (grow((void **)&e->panes, &e->pcap, e->pcap + 1, sizeof *e->panes) !=
                   0) {
            return NULL;
        }
        end = e->pfirst + e->npanes;
    }
    memmove(&e->panes[i + 1], &e->panes[i], (end - i) * sizeof *e->panes);
    struct tc_pane *pane = &e->panes[i];
    memset(pane, 0, sizeof *pane);
    pane->no = p;
    pane->dirty_w = INT64_MAX;
    e->npanes++;
    e->pcache = i;
    return pane;
}

static struct tc_uslot *user_slots(struct tc_user *u)
{
    return u->capslots > 1 ? u->s.many : &u->s.one;
}

/* Room for one more slot.  Returns 0, or -1 when out of memory. */
static int user_reserve_slot(struct tc_user *u)
{
    if (u->nslots < u->capslots || (u->nslots == 0 && u->capslots <= 1)) {
        u->capslots = u->capslots == 0 ? 1 : u->capslots;
        return 0;
    }
    if (u->capslots == UINT32_MAX / 2) {
        return -1;
    }
    uint32_t cap = u->capslots <= 1 ? 4 : u->capslots * 2;
    struct tc_uslot *m;
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

/* The entry of user u in pane (numbered pane->no), created when missing.
 * Returns the entry index, or -1 when out of memory. */
static int64_t pane_entry(struct tc_engine *e, struct tc_pane *pane, uint32_t uidx)
{
    struct tc_user *u = &e->users[uidx];
    struct tc_uslot *sl = user_slots(u);
    uint32_t k = u->nslots;
    while (k > 0 && sl[k - 1].pane > pane->no) {
        k--;
    }
    if (k > 0 && sl[k - 1].pane == pane->no) {
        return sl[k - 1].entry;
    }
    size_t pcap = pane->cap;
    if (pane->n == UINT32_MAX ||
        grow((void **)&pane->e, &pcap, (size_t)pane->n + 1, sizeof *pane->e) != 0) {
        return -1;
    }
    pane->cap = (uint32_t)pcap;
    if (user_reserve_slot(u) != 0) {
        return -1;
    }
    sl = user_slots(u);
    memmove(&sl[k + 1], &sl[k], (u->nslots - k) * sizeof *sl);
    sl[k].pane = pane->no;
    sl[k].entry = pane->n;
    if (u->nslots++ == 0) {
        e->live_users++;
    }
    pane->e[pane->n].user = uidx;
    pane->e[pane->n].count = 0;
    e->ctr.entries++;
    if (e->ctr.entries > e->ctr.peak_entries) {
        e->ctr.peak_entries = e->ctr.entries;
    }
    return pane->n++;
}

/* Removes user u's slot for pane number p; a user back to one slot or none
 * returns its slot array. */
static void user_drop_slot(struct tc_engine *e, struct tc_user *u, int64_t p)
{
    struct tc_uslot *sl = user_slots(u);
    uint32_t k = 0;
    while (k < u->nslots && sl[k].pane != p) {
        k++;
    }
    if (k == u->nslots) {
        return;
    }
    memmove(&sl[k], &sl[k + 1], (u->nslots - k - 1) * sizeof *sl);
    if (--u->nslots == 0) {
        e->live_users--;
    }
    if (u->capslots > 1 && u->nslots <= 1) {
        struct tc_uslot keep = sl[0];
        free(u->s.many);
        u->capslots = 1;
        if (u->nslots == 1) {
            u->s.one = keep;
        }
    }
}

static void pane_drop_front(struct tc_engine *e)
{
    struct tc_pane *pane = &e->panes[e->pfirst];
    for (uint32_t i = 0; i < pane->n; i++) {
        user_drop_slot(e, &e->users[pane->e[i].user], pane->no);
    }
    e->ctr.entries -= pane->n;
    e->ctr.dedup_keys -= pane->ndedup;
    free(pane->e);
    e->pfirst++;
    e->npanes--;
    if (e->npanes == 0) {
        e->pfirst = 0;
    }
}

/* ---- dedup ------------------------------------------------------------ */

static uint64_t dkey_hash(int64_t ch, int64_t msg)
{
    return mix64((uint64_t)ch * 0x9e3779b97f4a7c15ULL ^ (uint64_t)msg);
}

/* The segment of a key: the hash's top bits (the slot uses the low ones). */
static struct tc_dseg *dkey_segment(struct tc_engine *e, uint64_t hash)
{
    return &e->dk[hash >> (64 - DKEY_SEGMENT_BITS)];
}

/* The slot holding (ch, msg) in its segment, or the free slot where it
 * belongs. */
static struct tc_dkey *dkey_find(struct tc_dseg *seg, uint64_t hash, int64_t ch,
                                 int64_t msg)
{
    size_t mask = seg->cap - 1;
    size_t j = (size_t)hash & mask;
    while (seg->slots[j].pane != DKEY_EMPTY) {
        if (seg->slots[j].ch == ch && seg->slots[j].msg == msg) {
            return &seg->slots[j];
        }
        j = (j + 1) & mask;
    }
    return &seg->slots[j];
}

/* Rebuilds a segment with only the keys of live panes, sized for twice as
 * many plus the one about to be added. */
static int dkey_rebuild_segment(struct tc_engine *e, struct tc_dseg *seg)
{
    size_t live = 1;
    for (size_t i = 0; i < seg->cap; i++) {
        live += seg->slots[i].pane != DKEY_EMPTY && seg->slots[i].pane >= e->oldest_live;
    }
    size_t cap = DKEY_SEGMENT_MIN_CAP;
    while (cap < live * 2) {
        cap *= 2;
    }
    struct tc_dkey *t = malloc(cap * sizeof *t);
    if (t == NULL) {
        return -1;
    }
    for (size_t i = 0; i < cap; i++) {
        t[i].pane = DKEY_EMPTY;
    }
    struct tc_dseg old = *seg;
    *seg = (struct tc_dseg){.slots = t, .cap = cap};
    for (size_t i = 0; i < old.cap; i++) {
        const struct tc_dkey *k = &old.slots[i];
        if (k->pane == DKEY_EMPTY || k->pane < e->oldest_live) {
            continue;
        }
        *dkey_find(seg, dkey_hash(k->ch, k->msg), k->ch, k->msg) = *k;
        seg->used++;
    }
    e->dkused = e->dkused - old.used + seg->used;
    free(old.slots);
    return 0;
}

static int dkey_rebuild(struct tc_engine *e)
{
    for (size_t i = 0; i < DKEY_SEGMENTS; i++) {
        if (dkey_rebuild_segment(e, &e->dk[i]) != 0) {
            return -1;
        }
    }
    return 0;
}

/* The free slot for a new key (ch, msg) of hash, growing its segment
 * first when it is 70% used.  NULL when out of memory. */
static struct tc_dkey *dkey_insert_slot(struct tc_engine *e, uint64_t hash, int64_t ch,
                                        int64_t msg)
{
    struct tc_dseg *seg = dkey_segment(e, hash);
    if ((seg->used + 1) * 10 > seg->cap * 7 && dkey_rebuild_segment(e, seg) != 0) {
        return NULL;
    }
    seg->used++;
    e->dkused++;
    return dkey_find(seg, hash, ch, msg);
}

/* ---- window arithmetic ------------------------------------------------ */

/* First window of spec s that is still open under watermark w. */
static int64_t first_open_k(const struct tg_window_spec *s, int64_t w)
{
    return tg_floor_div(w - s->size_ms, s->slide_ms) + 1;
}

static void recompute_oldest_live(struct tc_engine *e)
{
    if (e->w == INT64_MIN) {
        e->oldest_live = INT64_MIN;
        return;
    }
    int64_t best = INT64_MAX;
    for (size_t i = 0; i < e->nspecs; i++) {
        const struct tg_window_spec *s = &e->specs[i];
        int64_t start = first_open_k(s, e->w) * s->slide_ms;
        int64_t p = tg_floor_div(start, e->pane_ms);
        if (p < best) {
            best = p;
        }
    }
    e->oldest_live = best;
}

/* ---- lifecycle -------------------------------------------------------- */

struct tc_engine *tc_engine_new(const struct tc_engine_config *cfg, char *err,
                                size_t errlen)
{
    if (cfg->nspecs == 0) {
        snprintf(err, errlen, "no window");
        return NULL;
    }
    if (cfg->lateness_ms < 0 || cfg->lateness_ms > TC_ENGINE_MAX_SPAN_MS) {
        snprintf(err, errlen, "lateness out of range");
        return NULL;
    }
    int64_t pane = 0;
    for (size_t i = 0; i < cfg->nspecs; i++) {
        const struct tg_window_spec *s = &cfg->specs[i];
        if (s->size_ms <= 0 || s->slide_ms <= 0 || s->slide_ms > s->size_ms ||
            s->size_ms > TC_ENGINE_MAX_SPAN_MS) {
            snprintf(err, errlen, "window %s out of range", s->text);
            return NULL;
        }
        pane = pane == 0 ? s->size_ms : tg_gcd(pane, s->size_ms);
        pane = tg_gcd(pane, s->slide_ms);
    }
    struct tc_engine *e = calloc(1, sizeof *e);
    if (e == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    e->specs = cfg->specs;
    e->nspecs = cfg->nspecs;
    e->lateness = cfg->lateness_ms;
    e->dedup = cfg->dedup;
    e->changes = cfg->emit_changes;
    e->top_n = cfg->top_n;
    e->max_users = cfg->max_users;
    e->pane_ms = pane;
    e->w = INT64_MIN;
    e->max_t = INT64_MIN;
    e->oldest_live = INT64_MIN;
    e->uhcap = 1024;
    e->uh = calloc(e->uhcap, sizeof *e->uh);
    if (e->uh == NULL || dkey_rebuild(e) != 0) {
        tc_engine_free(e);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    return e;
}

void tc_engine_free(struct tc_engine *e)
{
    if (e == NULL) {
        return;
    }
    for (size_t i = 0; i < e->nusers; i++) {
        if (e->users[i].capslots > 1) {
            free(e->users[i].s.many);
        }
    }
    for (size_t i = e->pfirst; i < e->pfirst + e->npanes; i++) {
        free(e->panes[i].e);
    }
    arena_free(e->arena);
    free(e->users);
    free(e->uh);
    free(e->panes);
    for (size_t i = 0; i < DKEY_SEGMENTS; i++) {
        free(e->dk[i].slots);
    }
    free(e->touched);
    free(e->byname);
    free(e->rank);
    free(e->keys);
    free(e->keytmp);
    free(e->rows);
    free(e->cands);
    free(e);
}

int64_t tc_engine_pane_ms(const struct tc_engine *e)
{
    return e->pane_ms;
}

int64_t tc_engine_watermark(const struct tc_engine *e)
{
    return e->w;
}

int64_t tc_engine_max_time(const struct tc_engine *e)
{
    return e->max_t;
}

const struct tc_engine_counters *tc_engine_counters(const struct tc_engine *e)
{
    return &e->ctr;
}

/* ---- counting --------------------------------------------------------- */

int tc_engine_count(struct tc_engine *e, int64_t t, const char *key, size_t key_len,
                    bool has_ids, int64_t channel_id, int64_t message_id)
{
    if (t > e->max_t) {
        e->max_t = t;
    }
    int64_t p = tg_floor_div(t, e->pane_ms);
    struct tc_dkey *dk = NULL;
    uint64_t dhash = 0;
    if (e->dedup && has_ids) {
        dhash = dkey_hash(channel_id, message_id);
        dk = dkey_find(dkey_segment(e, dhash), dhash, channel_id, message_id);
        if (dk->pane != DKEY_EMPTY && dk->pane >= e->oldest_live) {
            return TC_COUNT_DUPLICATE;
        }
    }
    if (p < e->oldest_live) {
        return TC_COUNT_LATE;
    }
    int64_t uidx = user_get(e, key, key_len, true);
    if (uidx < 0) {
        return -1;
    }
    struct tc_pane *pane = pane_get(e, p);
    if (pane == NULL) {
        return -1;
    }
    int64_t ent = pane_entry(e, pane, (uint32_t)uidx);
    if (ent < 0) {
        return -1;
    }
    pane->e[ent].count++;
    if (e->w < pane->dirty_w) {
        pane->dirty_w = e->w;
    }
    if (dk != NULL) {
        if (dk->pane == DKEY_EMPTY) {
            dk = dkey_insert_slot(e, dhash, channel_id, message_id);
            if (dk == NULL) {
                return -1;
            }
        }
        dk->ch = channel_id;
        dk->msg = message_id;
        dk->pane = p;
        pane->ndedup++;
        e->ctr.dedup_keys++;
    }
    return TC_COUNT_COUNTED;
}

/* ---- emission --------------------------------------------------------- */

static int cmp_rows(const void *a, const void *b)
{
    const struct tc_row *x = a, *y = b;
    if (x->count != y->count) {
        return x->count > y->count ? -1 : 1;
    }
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->name, y->name, n);
    if (c != 0) {
        return c;
    }
    return x->len < y->len ? -1 : x->len > y->len;
}

static int cmp_windows(const void *a, const void *b)
{
    const struct tc_window *x = a, *y = b;
    if (x->end_ms != y->end_ms) {
        return x->end_ms < y->end_ms ? -1 : 1;
    }
    if (x->start_ms != y->start_ms) {
        return x->start_ms < y->start_ms ? -1 : 1;
    }
    return x->spec < y->spec ? -1 : x->spec > y->spec;
}

static bool window_dirty(const struct tc_engine *e, const struct tc_window *w)
{
    int64_t b = w->end_ms / e->pane_ms;
    for (size_t i = pane_lower_bound(e, tg_floor_div(w->start_ms, e->pane_ms));
         i < e->pfirst + e->npanes && e->panes[i].no < b; i++) {
        if (e->panes[i].dirty_w < w->end_ms) {
            return true;
        }
    }
    return false;
}

static int cmp_user_names(const void *a, const void *b, void *arg)
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

/* Sorts the users added since the last call by name and merges them into
 * byname, then renumbers every rank.  O(new log new + users). */
static int update_ranks(struct tc_engine *e)
{
    size_t old = e->nranked, n = e->nusers;
    if (old == n) {
        return 0;
    }
    /* byname also holds the sorted newcomers while merging. */
    if (grow((void **)&e->byname, &e->capbyname, 2 * n, sizeof *e->byname) != 0 ||
        grow((void **)&e->rank, &e->caprank, n, sizeof *e->rank) != 0) {
        return -1;
    }
    /* The new users, sorted, go after the merge area; then merge from the
     * back so nothing is overwritten before it is read. */
    uint32_t *fresh = e->byname + n;
    for (size_t i = old; i < n; i++) {
        fresh[i - old] = (uint32_t)i;
    }
    qsort_r(fresh, n - old, sizeof *fresh, cmp_user_names, e->users);
    size_t i = old, j = n - old, k = n;
    while (j > 0) {
        if (i > 0 && cmp_user_names(&e->byname[i - 1], &fresh[j - 1], e->users) > 0) {
            e->byname[--k] = e->byname[--i];
        } else {
            e->byname[--k] = fresh[--j];
        }
    }
    for (size_t r = 0; r < n; r++) {
        e->rank[e->byname[r]] = (uint32_t)r;
    }
    e->nranked = n;
    return 0;
}

/* LSD radix sort of n keys, 8 bits at a time, skipping the digits every key
 * shares. */
static void radix_sort(uint64_t *keys, uint64_t *tmp, size_t n)
{
    static const int digits = 8;
    size_t hist[8][256];
    memset(hist, 0, sizeof hist);
    for (size_t i = 0; i < n; i++) {
        for (int d = 0; d < digits; d++) {
            hist[d][(keys[i] >> (8 * d)) & 0xff]++;
        }
    }
    uint64_t *src = keys, *dst = tmp;
    for (int d = 0; d < digits; d++) {
        size_t *h = hist[d];
        if (h[(src[0] >> (8 * d)) & 0xff] == n) {
            continue;
        }
        size_t sum = 0;
        for (int b = 0; b < 256; b++) {
            size_t c = h[b];
            h[b] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) {
            dst[h[(src[i] >> (8 * d)) & 0xff]++] = src[i];
        }
        uint64_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != keys) {
        memcpy(keys, src, n * sizeof *keys);
    }
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Puts the n touched users in row order (count descending, then name) in
 * e->keys, or, when a count does not fit 32 bits, in e->rows.  Returns 1
 * when the order is in e->rows, 0 when in e->keys, -1 when out of memory. */
static int sort_rows(struct tc_engine *e, size_t n)
{
    bool huge = false;
    for (size_t i = 0; i < n && !huge; i++) {
        huge = e->users[e->touched[i]].acc >= UINT32_MAX;
    }
    if (huge) {
        /* Counts beyond 32 bits do not fit the key: compare names. */
        if (grow((void **)&e->rows, &e->caprows, n, sizeof *e->rows) != 0) {
            return -1;
        }
        for (size_t i = 0; i < n; i++) {
            const struct tc_user *u = &e->users[e->touched[i]];
            e->rows[i] = (struct tc_row){u->name, u->len, u->acc};
        }
        qsort(e->rows, n, sizeof *e->rows, cmp_rows);
        return 1;
    }
    if (update_ranks(e) != 0 || grow_pair((void **)&e->keys, (void **)&e->keytmp,
                                          &e->capkeys, n, sizeof *e->keys) != 0) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t u = e->touched[i];
        e->keys[i] =
            (uint64_t)(UINT32_MAX - (uint32_t)e->users[u].acc) << 32 | e->rank[u];
    }
    if (n < 64) {
        qsort(e->keys, n, sizeof *e->keys, cmp_u64);
    } else {
        radix_sort(e->keys, e->keytmp, n);
    }
    return 0;
}

/* Hands the first n sorted rows to the emitter, in parts. */
static int hand_over(struct tc_engine *e, const struct tc_window *w, size_t n,
                     bool in_rows, const struct tc_emitter *em)
{
    if (!in_rows && grow((void **)&e->rows, &e->caprows,
                         n < TC_ENGINE_ROWS_PER_CALL ? n : TC_ENGINE_ROWS_PER_CALL,
                         sizeof *e->rows) != 0) {
        return -1;
    }
    for (size_t done = 0; done < n;) {
        size_t part =
            n - done < TC_ENGINE_ROWS_PER_CALL ? n - done : TC_ENGINE_ROWS_PER_CALL;
        const struct tc_row *rows = e->rows + done;
        if (!in_rows) {
            for (size_t i = 0; i < part; i++) {
                const struct tc_user *u =
                    &e->users[e->byname[(uint32_t)e->keys[done + i]]];
                e->rows[i] = (struct tc_row){u->name, u->len, u->acc};
            }
            rows = e->rows;
        }
        if (em->window(em->ctx, w, rows, part, done == 0, done + part == n) != 0) {
            return -1;
        }
        done += part;
    }
    return 0;
}

/* Sums the window's panes per user, sorts, and hands the rows over. */
static int emit_window(struct tc_engine *e, const struct tc_window *w,
                       const struct tc_emitter *em)
{
    int64_t a = tg_floor_div(w->start_ms, e->pane_ms);
    int64_t b = tg_floor_div(w->end_ms, e->pane_ms);
    if (++e->stamp == 0) {
        for (size_t i = 0; i < e->nusers; i++) {
            e->users[i].stamp = 0;
        }
        e->stamp = 1;
    }
    size_t n = 0;
    for (size_t i = pane_lower_bound(e, a);
         i < e->pfirst + e->npanes && e->panes[i].no < b; i++) {
        const struct tc_pane *pane = &e->panes[i];
        if (grow((void **)&e->touched, &e->captouched, n + pane->n, sizeof *e->touched) !=
            0) {
            return -1;
        }
        for (uint32_t j = 0; j < pane->n; j++) {
            struct tc_user *u = &e->users[pane->e[j].user];
            if (u->stamp != e->stamp) {
                u->stamp = e->stamp;
                u->acc = 0;
                e->touched[n++] = pane->e[j].user;
            }
            u->acc += pane->e[j].count;
        }
    }
    if (n == 0) {
        return 0;
    }
    int in_rows = sort_rows(e, n);
    if (in_rows < 0) {
        return -1;
    }
    if (e->top_n != 0 && n > e->top_n) {
        n = e->top_n;
    }
    e->ctr.windows_emitted++;
    return hand_over(e, w, n, in_rows, em);
}

static int add_cand(struct tc_engine *e, size_t spec, int64_t k)
{
    if (grow((void **)&e->cands, &e->capcands, e->ncands + 1, sizeof *e->cands) != 0) {
        return -1;
    }
    const struct tg_window_spec *s = &e->specs[spec];
    struct tc_window *w = &e->cands[e->ncands++];
    w->spec = spec;
    w->start_ms = k * s->slide_ms;
    w->end_ms = w->start_ms + s->size_ms;
    return 0;
}

/* Collects the windows that contain a stored pane and whose end lies in
 * (lo, hi] (lo INT64_MIN: no lower bound; hi INT64_MAX: no upper bound),
 * sorted in emission order. */
static int collect(struct tc_engine *e, int64_t lo, int64_t hi)
{
    e->ncands = 0;
    for (size_t si = 0; si < e->nspecs; si++) {
        const struct tg_window_spec *s = &e->specs[si];
        int64_t kmin = lo == INT64_MIN ? INT64_MIN : first_open_k(s, lo);
        int64_t kmax = hi == INT64_MAX ? INT64_MAX : first_open_k(s, hi) - 1;
        int64_t next = INT64_MIN; /* windows below next are collected */
        for (size_t i = e->pfirst; i < e->pfirst + e->npanes; i++) {
            int64_t pt = e->panes[i].no * e->pane_ms;
            int64_t k0 = tg_floor_div(pt - s->size_ms, s->slide_ms) + 1;
            int64_t k1 = tg_floor_div(pt, s->slide_ms);
            if (k0 < next) {
                k0 = next;
            }
            if (k0 < kmin) {
                k0 = kmin;
            }
            if (k1 > kmax) {
                k1 = kmax;
            }
            for (int64_t k = k0; k <= k1; k++) {
                if (add_cand(e, si, k) != 0) {
                    return -1;
                }
            }
            if (k1 + 1 > next) {
                next = k1 + 1;
            }
            if (kmax != INT64_MAX && k0 > kmax) {
                break;
            }
        }
    }
    if (e->ncands > 1) {
        qsort(e->cands, e->ncands, sizeof *e->cands, cmp_windows);
    }
    return 0;
}

static int emit_cands(struct tc_engine *e, bool only_dirty, const struct tc_emitter *em)
{
    for (size_t i = 0; i < e->ncands; i++) {
        if (only_dirty && !window_dirty(e, &e->cands[i])) {
            continue;
        }
        if (emit_window(e, &e->cands[i], em) != 0) {
            return -1;
        }
    }
    return 0;
}

int tc_engine_advance(struct tc_engine *e, int64_t driving_t, const struct tc_emitter *em)
{
    int64_t nw = driving_t - e->lateness;
    if (driving_t < INT64_MIN + e->lateness || nw <= e->w) {
        return 0;
    }
    int64_t old = e->w;
    e->w = nw;
    recompute_oldest_live(e);
    if (collect(e, old, nw) != 0 || emit_cands(e, e->changes, em) != 0) {
        return -1;
    }
    uint64_t dead_before = e->dkused - e->ctr.dedup_keys;
    while (e->npanes > 0 && e->panes[e->pfirst].no < e->oldest_live) {
        pane_drop_front(e);
    }
    /* Users come and go: once most of the table is users without live
     * counts, forget them, so memory follows the active users.  Failing
     * to compact (out of memory) only postpones it. */
    if (e->nusers >= TC_ENGINE_COMPACT_MIN && e->nusers > 2 * e->live_users) {
        compact_users(e);
    }
    uint64_t dead = e->dkused - e->ctr.dedup_keys;
    if (dead > dead_before && dead > e->ctr.dedup_keys && e->dkused > 4096) {
        return dkey_rebuild(e);
    }
    return 0;
}

int tc_engine_emit_changes(struct tc_engine *e, const struct tc_emitter *em)
{
    if (collect(e, e->w, INT64_MAX) != 0 || emit_cands(e, true, em) != 0) {
        return -1;
    }
    for (size_t i = e->pfirst; i < e->pfirst + e->npanes; i++) {
        e->panes[i].dirty_w = INT64_MAX;
    }
    return 0;
}

int tc_engine_emit_open(struct tc_engine *e, const struct tc_emitter *em)
{
    if (collect(e, e->w, INT64_MAX) != 0) {
        return -1;
    }
    return emit_cands(e, false, em);
}

/* ---- checkpoint state ------------------------------------------------- */

int tc_engine_save(const struct tc_engine *e, struct tc_ckbuf *buf)
{
    tc_ckbuf_i64(buf, e->w);
    tc_ckbuf_i64(buf, e->max_t);
    tc_ckbuf_u64(buf, e->nusers);
    for (size_t i = 0; i < e->nusers; i++) {
        tc_ckbuf_bytes(buf, e->users[i].name, e->users[i].len);
    }
    tc_ckbuf_u64(buf, e->npanes);
    for (size_t i = e->pfirst; i < e->pfirst + e->npanes; i++) {
        const struct tc_pane *pane = &e->panes[i];
        tc_ckbuf_i64(buf, pane->no);
        tc_ckbuf_i64(buf, pane->dirty_w);
        tc_ckbuf_u32(buf, pane->n);
        for (uint32_t j = 0; j < pane->n; j++) {
            tc_ckbuf_u32(buf, pane->e[j].user);
            tc_ckbuf_u32(buf, pane->e[j].count);
        }
    }
    tc_ckbuf_u64(buf, e->ctr.dedup_keys);
    for (size_t s = 0; s < DKEY_SEGMENTS; s++) {
        for (size_t i = 0; i < e->dk[s].cap; i++) {
            const struct tc_dkey *k = &e->dk[s].slots[i];
            if (k->pane != DKEY_EMPTY && k->pane >= e->oldest_live) {
                tc_ckbuf_i64(buf, k->ch);
                tc_ckbuf_i64(buf, k->msg);
                tc_ckbuf_i64(buf, k->pane);
            }
        }
    }
    return buf->failed ? -1 : 0;
}

/* Times a checkpoint may hold: "none" or within about 35,000 years of
 * 1970, far inside the range where window arithmetic cannot overflow
 * (parsed event times stay within years 0000-9999). */
static bool time_ok(int64_t t)
{
    return t == INT64_MIN || (t > -(INT64_C(1) << 50) && t < (INT64_C(1) << 50));
}

static bool pane_ok(const struct tc_engine *e, int64_t no)
{
    int64_t limit = (INT64_C(1) << 50) / e->pane_ms;
    return no > -limit && no < limit;
}

#define LOAD_FAIL(...)                                                                   \
    do {                                                                                 \
        snprintf(err, errlen, __VA_ARGS__);                                              \
        return -1;                                                                       \
    } while (0)

int tc_engine_load(struct tc_engine *e, struct tc_ckreader *rd, char *err, size_t errlen)
{
    if (e->nusers != 0 || e->npanes != 0 || e->w != INT64_MIN) {
        LOAD_FAIL("engine already in use");
    }
    e->w = tc_ckreader_i64(rd);
    e->max_t = tc_ckreader_i64(rd);
    if (!time_ok(e->w) || !time_ok(e->max_t)) {
        e->w = INT64_MIN;
        LOAD_FAIL("watermark out of range");
    }
    recompute_oldest_live(e);
    uint64_t nusers = tc_ckreader_u64(rd);
    if (!tc_ckreader_ok(rd) || nusers > rd->len) {
        LOAD_FAIL("bad user count");
    }
    for (uint64_t i = 0; i < nusers; i++) {
        size_t len;
        const char *name = tc_ckreader_bytes(rd, &len);
        if (!tc_ckreader_ok(rd)) {
            LOAD_FAIL("truncated user table");
        }
        int64_t idx = user_get(e, name, len, false);
        if (idx < 0) {
            LOAD_FAIL("out of memory");
        }
        if ((uint64_t)idx != i) {
            LOAD_FAIL("duplicate user in user table");
        }
    }
    uint64_t npanes = tc_ckreader_u64(rd);
    if (!tc_ckreader_ok(rd) || npanes > rd->len) {
        LOAD_FAIL("bad pane count");
    }
    int64_t prev = INT64_MIN;
    for (uint64_t i = 0; i < npanes; i++) {
        int64_t no = tc_ckreader_i64(rd);
        int64_t dirty = tc_ckreader_i64(rd);
        uint32_t n = tc_ckreader_u32(rd);
        if (!tc_ckreader_ok(rd) || (i > 0 && no <= prev) || no < e->oldest_live ||
            n > rd->len || !pane_ok(e, no)) {
            LOAD_FAIL("bad pane header");
        }
        prev = no;
        struct tc_pane *pane = pane_get(e, no);
        if (pane == NULL) {
            LOAD_FAIL("out of memory");
        }
        pane->dirty_w = dirty;
        for (uint32_t j = 0; j < n; j++) {
            uint32_t user = tc_ckreader_u32(rd);
            uint32_t count = tc_ckreader_u32(rd);
            if (!tc_ckreader_ok(rd) || user >= e->nusers || count == 0) {
                LOAD_FAIL("bad pane entry");
            }
            pane = pane_get(e, no);
            int64_t ent = pane_entry(e, pane, user);
            if (ent < 0) {
                LOAD_FAIL("out of memory");
            }
            if (pane->e[ent].count != 0) {
                LOAD_FAIL("user twice in one pane");
            }
            pane->e[ent].count = count;
        }
    }
    uint64_t nkeys = tc_ckreader_u64(rd);
    if (!tc_ckreader_ok(rd) || nkeys > rd->len) {
        LOAD_FAIL("bad dedup key count");
    }
    for (uint64_t i = 0; i < nkeys; i++) {
        int64_t ch = tc_ckreader_i64(rd);
        int64_t msg = tc_ckreader_i64(rd);
        int64_t p = tc_ckreader_i64(rd);
        if (!tc_ckreader_ok(rd) || p < e->oldest_live || p == DKEY_EMPTY) {
            LOAD_FAIL("bad dedup key");
        }
        size_t pi = pane_lower_bound(e, p);
        if (pi >= e->pfirst + e->npanes || e->panes[pi].no != p) {
            LOAD_FAIL("dedup key of an unknown pane");
        }
        uint64_t hash = dkey_hash(ch, msg);
        if (dkey_find(dkey_segment(e, hash), hash, ch, msg)->pane != DKEY_EMPTY) {
            LOAD_FAIL("duplicate dedup key");
        }
        struct tc_dkey *k = dkey_insert_slot(e, hash, ch, msg);
        if (k == NULL) {
            LOAD_FAIL("out of memory");
        }
        k->ch = ch;
        k->msg = msg;
        k->pane = p;
        e->panes[pi].ndedup++;
        e->ctr.dedup_keys++;
    }
    return 0;
}
