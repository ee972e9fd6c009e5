/* tc_emit.c - window candidates, per-user sums, row sorting, hand-over. */
#include "tc_emit.h"

#include <stdlib.h>
#include <string.h>

#include "tc_grow.h"
#include "tc_hash.h"

struct tc_emit {
    uint32_t *touched; /* users counted in the current window */
    size_t captouched;
    struct tc_row *rows;
    size_t caprows;
    uint64_t *keys; /* (inverted count, rank) per touched user */
    uint64_t *keytmp;
    size_t capkeys; /* of keys and keytmp alike */
    struct tc_window *cands;
    size_t ncands, capcands;
    uint64_t windows;
    /* Several sources: their users interned by name in one more table,
     * whose sums and name order the one-table sort then uses; mtouched
     * lists its users counted in the current window. */
    struct tc_users *merged;
    uint64_t merged_gen; /* the caches' gen of the current merged table */
    uint32_t *mtouched;
    size_t capmtouched;
    size_t largest_merge; /* most rows of a merged window so far */
};

struct tc_emit *tc_emit_new(void)
{
    return calloc(1, sizeof(struct tc_emit));
}

void tc_emit_free(struct tc_emit *x)
{
    if (x == NULL) {
        return;
    }
    free(x->touched);
    free(x->rows);
    free(x->keys);
    free(x->keytmp);
    free(x->cands);
    tc_users_free(x->merged);
    free(x->mtouched);
    free(x);
}

uint64_t tc_emit_windows(const struct tc_emit *x)
{
    return x->windows;
}

/* ---- sorting rows ----------------------------------------------------- */

/* Grows two arrays of the same element size that share one capacity. */
static int grow_pair(void **a, void **b, size_t *cap, size_t need, size_t elem)
{
    size_t ca = *cap;
    if (tc_grow(a, &ca, need, elem) != 0) {
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

static int compare_rows(const void *a, const void *b)
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

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
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

/* Puts the n touched users in row order (count descending, then name) in
 * x->keys, or, when a count does not fit 32 bits, in x->rows.  Returns 1
 * when the order is in x->rows, 0 when in x->keys, -1 when out of memory. */
static int sort_rows(struct tc_emit *x, struct tc_users *us, size_t n)
{
    bool huge = false;
    for (size_t i = 0; i < n && !huge; i++) {
        huge = us->users[x->touched[i]].acc >= UINT32_MAX;
    }
    if (huge) {
        if (tc_grow((void **)&x->rows, &x->caprows, n, sizeof *x->rows) != 0) {
            return -1;
        }
        for (size_t i = 0; i < n; i++) {
            const struct tc_user *u = &us->users[x->touched[i]];
            x->rows[i] = (struct tc_row){u->name, u->len, u->acc};
        }
        qsort(x->rows, n, sizeof *x->rows, compare_rows);
        return 1;
    }
    if (tc_users_rank(us) != 0 || grow_pair((void **)&x->keys, (void **)&x->keytmp,
                                            &x->capkeys, n, sizeof *x->keys) != 0) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t u = x->touched[i];
        x->keys[i] =
            (uint64_t)(UINT32_MAX - (uint32_t)us->users[u].acc) << 32 | us->rank[u];
    }
    if (n < 64) {
        qsort(x->keys, n, sizeof *x->keys, compare_u64);
    } else {
        radix_sort(x->keys, x->keytmp, n);
    }
    return 0;
}

/* Where hand_over finds the rows: already in x->rows (sort_rows' huge
 * case), in row order in x->keys (their low halves: the users' ranks), or
 * unsorted as x->touched lists the users. */
enum row_source { ROWS_READY, ROWS_BY_KEY, ROWS_TOUCHED };

/* Hands the first n rows to the emitter, in parts. */
static int hand_over(struct tc_emit *x, const struct tc_users *us,
                     const struct tc_window *w, size_t n, enum row_source from,
                     const struct tc_emitter *em)
{
    if (from != ROWS_READY &&
        tc_grow((void **)&x->rows, &x->caprows,
                n < TC_EMIT_ROWS_PER_CALL ? n : TC_EMIT_ROWS_PER_CALL,
                sizeof *x->rows) != 0) {
        return -1;
    }
    for (size_t done = 0; done < n;) {
        size_t part = n - done < TC_EMIT_ROWS_PER_CALL ? n - done : TC_EMIT_ROWS_PER_CALL;
        const struct tc_row *rows = x->rows + done;
        if (from != ROWS_READY) {
            for (size_t i = 0; i < part; i++) {
                uint32_t idx = from == ROWS_BY_KEY
                                   ? us->byname[(uint32_t)x->keys[done + i]]
                                   : x->touched[done + i];
                const struct tc_user *u = &us->users[idx];
                x->rows[i] = (struct tc_row){u->name, u->len, u->acc};
            }
            rows = x->rows;
        }
        if (em->window(em->ctx, w, rows, part, done == 0, done + part == n) != 0) {
            return -1;
        }
        done += part;
    }
    return 0;
}

/* ---- one window ------------------------------------------------------- */

/* Sums window w over src's panes into its users' acc, less src's fixes
 * for w, and lists in x->touched[base ...] the users left with a count.
 * Returns how many, or -1 when out of memory. */
static int64_t sum_source(struct tc_emit *x, const struct tc_window_set *ws,
                          const struct tc_emit_source *src, const struct tc_window *w,
                          size_t base)
{
    struct tc_users *us = src->us;
    const struct tc_panes *ps = src->ps;
    int64_t a = tc_window_pane(ws, w->start_ms);
    int64_t b = tc_window_pane(ws, w->end_ms);
    size_t first = tc_panes_lower_bound(ps, a);
    if (first == tc_panes_end(ps) || ps->a[first].no >= b) {
        return 0; /* no pane of this source in the window */
    }
    uint32_t stamp = tc_users_next_stamp(us);
    size_t n = base;
    for (size_t i = first; i < tc_panes_end(ps) && ps->a[i].no < b; i++) {
        const struct tc_pane *pane = &ps->a[i];
        if (tc_grow((void **)&x->touched, &x->captouched, n + pane->n,
                    sizeof *x->touched) != 0) {
            return -1;
        }
        for (uint32_t j = 0; j < pane->n; j++) {
            struct tc_user *u = &us->users[pane->e[j].user];
            if (u->stamp != stamp) {
                u->stamp = stamp;
                u->acc = 0;
                x->touched[n++] = pane->e[j].user;
            }
            u->acc += pane->e[j].count;
        }
    }
    bool fixed = false;
    for (size_t i = 0; i < src->nfixes; i++) {
        const struct tc_fix *f = &src->fixes[i];
        if (f->spec == w->spec && f->start_ms == w->start_ms && f->user < us->n &&
            us->users[f->user].stamp == stamp && us->users[f->user].acc >= f->count) {
            us->users[f->user].acc -= f->count;
            fixed = true;
        }
    }
    if (fixed) {
        size_t kept = base;
        for (size_t i = base; i < n; i++) {
            if (us->users[x->touched[i]].acc > 0) {
                x->touched[kept++] = x->touched[i];
            }
        }
        n = kept;
    }
    return (int64_t)(n - base);
}

/* Several sources: a fresh merged table once it holds far more names
 * than a window needs (users come and go), then a new stamp.  Returns
 * the stamp, or 0 when out of memory. */
static uint32_t merge_begin(struct tc_emit *x)
{
    size_t keep = x->largest_merge * 4;
    if (x->merged != NULL && x->merged->n > TC_USERS_COMPACT_MIN && x->merged->n > keep) {
        tc_users_free(x->merged);
        x->merged = NULL;
    }
    if (x->merged == NULL) {
        if ((x->merged = tc_users_new(0)) == NULL) {
            return 0;
        }
        x->merged_gen++; /* every cache's ids are now stale */
    }
    return tc_users_next_stamp(x->merged);
}

/* Adds the n users of us listed in x->touched from position from to the
 * merged table's sums, listing the new ones in x->mtouched from *m on.
 * Returns 0, or -1 when out of memory. */
void tc_emit_cache_forget(struct tc_emit_cache *c)
{
    c->gen = 0;
}

void tc_emit_cache_clear(struct tc_emit_cache *c)
{
    free(c->ids);
    *c = (struct tc_emit_cache){0};
}

/* The merged table's index of user idx of source src, added when new.
 * Returns -1 when out of memory. */
static int64_t merged_index(struct tc_emit *x, const struct tc_emit_source *src,
                            uint32_t idx)
{
    struct tc_emit_cache *c = src->cache;
    if (c != NULL && c->gen == x->merged_gen && idx < c->cap && c->ids[idx] != 0) {
        return c->ids[idx] - 1;
    }
    const struct tc_user *u = &src->us->users[idx];
    uint32_t hash = tc_hash_bytes(u->name, u->len);
    int64_t j = tc_users_find(x->merged, u->name, u->len, hash);
    if (j < 0 && (j = tc_users_add(x->merged, u->name, u->len, hash)) < 0) {
        return -1;
    }
    if (c != NULL) {
        if (c->gen != x->merged_gen) {
            if (c->cap > 0) {
                memset(c->ids, 0, c->cap * sizeof *c->ids);
            }
            c->gen = x->merged_gen;
        }
        size_t cap = c->cap;
        if (idx >= cap) {
            if (tc_grow((void **)&c->ids, &cap, (size_t)src->us->n, sizeof *c->ids) !=
                0) {
                return j; /* only the cache is missed */
            }
            memset(c->ids + c->cap, 0, (cap - c->cap) * sizeof *c->ids);
            c->cap = cap;
        }
        c->ids[idx] = (uint32_t)j + 1;
    }
    return j;
}

static int merge_in(struct tc_emit *x, const struct tc_emit_source *src, size_t from,
                    size_t n, uint32_t stamp, size_t *m)
{
    struct tc_users *mg = x->merged;
    const struct tc_users *us = src->us;
    if (tc_grow((void **)&x->mtouched, &x->capmtouched, *m + n, sizeof *x->mtouched) !=
        0) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const struct tc_user *u = &us->users[x->touched[from + i]];
        int64_t j = merged_index(x, src, x->touched[from + i]);
        if (j < 0) {
            return -1;
        }
        struct tc_user *mu = &mg->users[j];
        if (mu->stamp != stamp) {
            mu->stamp = stamp;
            mu->acc = 0;
            x->mtouched[(*m)++] = (uint32_t)j;
        }
        mu->acc += u->acc;
    }
    return 0;
}

/* The n touched users of us, rows of window w: sorted (sort_rows), cut to
 * top_n, handed to em. */
static int sort_and_hand_over(struct tc_emit *x, struct tc_users *us, size_t n,
                              const struct tc_window *w, size_t top_n,
                              const struct tc_emitter *em)
{
    int in_rows = em->any_order ? 0 : sort_rows(x, us, n);
    if (in_rows < 0) {
        return -1;
    }
    if (top_n != 0 && n > top_n) {
        n = top_n;
    }
    x->windows++;
    if (em->any_order) {
        return hand_over(x, us, w, n, ROWS_TOUCHED, em);
    }
    return hand_over(x, us, w, n, in_rows ? ROWS_READY : ROWS_BY_KEY, em);
}

int tc_emit_window(struct tc_emit *x, const struct tc_window_set *ws,
                   const struct tc_emit_source *src, size_t nsrc,
                   const struct tc_window *w, size_t top_n, const struct tc_emitter *em)
{
    /* The touched list of the only source with rows so far is kept as it
     * is, for the one-table path; a second source merges both by name. */
    const struct tc_emit_source *only = NULL;
    size_t n = 0, m = 0;
    uint32_t stamp = 0; /* non-zero once merging */
    for (size_t s = 0; s < nsrc; s++) {
        /* Each source has its own users, so the only one's acc stay
         * intact; its touched list is kept in front of this one's. */
        size_t base = only != NULL ? n : 0;
        int64_t got = sum_source(x, ws, &src[s], w, base);
        if (got < 0) {
            return -1;
        }
        if (got == 0) {
            continue;
        }
        if (only == NULL && stamp == 0) {
            only = &src[s];
            n = (size_t)got;
            continue;
        }
        if (only != NULL) {
            if ((stamp = merge_begin(x)) == 0 ||
                merge_in(x, only, 0, n, stamp, &m) != 0) {
                return -1;
            }
            only = NULL;
        }
        if (merge_in(x, &src[s], base, (size_t)got, stamp, &m) != 0) {
            return -1;
        }
    }
    struct tc_users *us;
    if (only != NULL) {
        us = only->us;
    } else if (stamp != 0) {
        /* The merged sums are the window's: sort them as one table's. */
        uint32_t *t = x->touched;
        x->touched = x->mtouched;
        x->mtouched = t;
        size_t c = x->captouched;
        x->captouched = x->capmtouched;
        x->capmtouched = c;
        n = m;
        us = x->merged;
        if (m > x->largest_merge) {
            x->largest_merge = m;
        }
    } else {
        return 0;
    }
    return sort_and_hand_over(x, us, n, w, top_n, em);
}

int tc_emit_users(struct tc_emit *x, struct tc_users *us, const uint32_t *users, size_t n,
                  const struct tc_window *w, size_t top_n, const struct tc_emitter *em)
{
    if (n == 0) {
        return 0;
    }
    if (tc_grow((void **)&x->touched, &x->captouched, n, sizeof *x->touched) != 0) {
        return -1;
    }
    memcpy(x->touched, users, n * sizeof *users);
    return sort_and_hand_over(x, us, n, w, top_n, em);
}

/* ---- which windows ---------------------------------------------------- */

static int compare_windows(const void *a, const void *b)
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

static int add_candidate(struct tc_emit *x, const struct tc_window_set *ws, size_t spec,
                         int64_t k)
{
    if (tc_grow((void **)&x->cands, &x->capcands, x->ncands + 1, sizeof *x->cands) != 0) {
        return -1;
    }
    const struct tg_window_spec *s = &ws->specs[spec];
    struct tc_window *w = &x->cands[x->ncands++];
    w->spec = spec;
    w->start_ms = k * s->slide_ms;
    w->end_ms = w->start_ms + s->size_ms;
    w->final = false;
    return 0;
}

/* Appends to x->cands the windows that contain a live pane of ps and end
 * in (lo, hi].  Each spec's windows are walked once: a pane adds only the
 * windows the panes before it did not. */
static int collect(struct tc_emit *x, const struct tc_window_set *ws,
                   const struct tc_panes *ps, int64_t lo, int64_t hi)
{
    for (size_t si = 0; si < ws->nspecs; si++) {
        const struct tg_window_spec *s = &ws->specs[si];
        int64_t kmin = lo == INT64_MIN ? INT64_MIN : tc_window_first_open(s, lo);
        int64_t kmax = hi == INT64_MAX ? INT64_MAX : tc_window_first_open(s, hi) - 1;
        int64_t next = INT64_MIN; /* windows below next are collected */
        for (size_t i = ps->first; i < tc_panes_end(ps); i++) {
            int64_t pt = ps->a[i].no * ws->pane_ms;
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
                if (add_candidate(x, ws, si, k) != 0) {
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
    return 0;
}

/* Most windows per spec that collect_few tests one by one. */
#define TC_EMIT_FEW_WINDOWS 16

/* With several sources and a bounded range of few windows (a release: W
 * crossed a pane or two), tests each window of (lo, hi] against each
 * source's panes by binary search instead of walking every source's live
 * panes.  Returns 1 when done, 0 when the range is too wide, -1 when out
 * of memory. */
static int collect_few(struct tc_emit *x, const struct tc_window_set *ws,
                       const struct tc_emit_source *src, size_t nsrc, int64_t lo,
                       int64_t hi)
{
    if (nsrc < 2 || lo == INT64_MIN || hi == INT64_MAX) {
        return 0;
    }
    for (size_t si = 0; si < ws->nspecs; si++) {
        const struct tg_window_spec *s = &ws->specs[si];
        if (tc_window_first_open(s, hi) - tc_window_first_open(s, lo) >
            TC_EMIT_FEW_WINDOWS) {
            return 0;
        }
    }
    for (size_t si = 0; si < ws->nspecs; si++) {
        const struct tg_window_spec *s = &ws->specs[si];
        for (int64_t k = tc_window_first_open(s, lo); k < tc_window_first_open(s, hi);
             k++) {
            int64_t a = tc_window_pane(ws, k * s->slide_ms);
            int64_t b = tc_window_pane(ws, k * s->slide_ms + s->size_ms);
            for (size_t j = 0; j < nsrc; j++) {
                const struct tc_panes *ps = src[j].ps;
                size_t i = tc_panes_lower_bound(ps, a);
                if (i < tc_panes_end(ps) && ps->a[i].no < b) {
                    if (add_candidate(x, ws, si, k) != 0) {
                        return -1;
                    }
                    break;
                }
            }
        }
    }
    return 1;
}

/* Collects into x->cands the windows that contain a live pane of some
 * source and end in (lo, hi], sorted in emission order, each once. */
static int collect_all(struct tc_emit *x, const struct tc_window_set *ws,
                       const struct tc_emit_source *src, size_t nsrc, int64_t lo,
                       int64_t hi)
{
    x->ncands = 0;
    int few = collect_few(x, ws, src, nsrc, lo, hi);
    if (few < 0) {
        return -1;
    }
    if (few > 0) {
        if (x->ncands > 1) {
            qsort(x->cands, x->ncands, sizeof *x->cands, compare_windows);
        }
        return 0;
    }
    for (size_t s = 0; s < nsrc; s++) {
        if (collect(x, ws, src[s].ps, lo, hi) != 0) {
            return -1;
        }
    }
    if (x->ncands > 1) {
        qsort(x->cands, x->ncands, sizeof *x->cands, compare_windows);
    }
    if (nsrc > 1 && x->ncands > 1) {
        size_t m = 1;
        for (size_t i = 1; i < x->ncands; i++) {
            if (compare_windows(&x->cands[m - 1], &x->cands[i]) != 0) {
                x->cands[m++] = x->cands[i];
            }
        }
        x->ncands = m;
    }
    return 0;
}

/* True when a record was counted into one of w's panes since the last
 * trigger while w was open. */
static bool window_changed(const struct tc_window_set *ws, const struct tc_panes *ps,
                           const struct tc_window *w)
{
    int64_t b = w->end_ms / ws->pane_ms;
    for (size_t i = tc_panes_lower_bound(ps, tc_window_pane(ws, w->start_ms));
         i < tc_panes_end(ps) && ps->a[i].no < b; i++) {
        if (ps->a[i].dirty_w < w->end_ms) {
            return true;
        }
    }
    return false;
}

static bool any_changed(const struct tc_window_set *ws, const struct tc_emit_source *src,
                        size_t nsrc, const struct tc_window *w)
{
    for (size_t s = 0; s < nsrc; s++) {
        if (window_changed(ws, src[s].ps, w)) {
            return true;
        }
    }
    return false;
}

int tc_emit_ending(struct tc_emit *x, const struct tc_window_set *ws,
                   const struct tc_emit_source *src, size_t nsrc, int64_t lo, int64_t hi,
                   bool only_changed, bool final, size_t top_n,
                   const struct tc_emitter *em)
{
    if (collect_all(x, ws, src, nsrc, lo, hi) != 0) {
        return -1;
    }
    for (size_t i = 0; i < x->ncands; i++) {
        if (only_changed && !any_changed(ws, src, nsrc, &x->cands[i])) {
            continue;
        }
        x->cands[i].final = final;
        if (tc_emit_window(x, ws, src, nsrc, &x->cands[i], top_n, em) != 0) {
            return -1;
        }
    }
    return 0;
}
