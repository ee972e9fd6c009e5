/* tc_merge.c - see tc_merge.h. */
#include "tc_merge.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tc_grow.h"
#include "tc_hash.h"
#include "tc_users.h"

/* One input partition's count of one user in one window; entries of a
 * user are chained through next (index + 1; 0 ends the chain). */
struct entry {
    uint64_t count;
    int32_t partition;
    uint32_t next;
};

/* A window read and not yet emitted. */
struct mwin {
    uint32_t spec;
    int64_t start_ms, end_ms;
    struct tc_users *us;
    uint32_t *head; /* per user: its first entry (index + 1) */
    size_t caphead;
    struct entry *e;
    size_t n, cap;
};

struct tc_merge {
    char *specs[TC_MERGE_MAX_SPECS];
    size_t nspecs;
    struct mwin **w; /* in emission order */
    size_t nw, capw;
    int64_t *marks; /* per input partition: its watermark, INT64_MIN: none */
    size_t capmarks;
    int32_t partitions;
    int64_t final_upto; /* the greatest G so far: windows ending there are final */
    /* The last TC_MERGE_KEEP_PRINTED windows emitted final, oldest first:
     * a replayed row of one of them is recognised as the same. */
    struct mwin **kept;
    size_t nkept, capkept;
    uint32_t *list; /* emission scratch: the users of a window with a count */
    size_t caplist;
    struct tc_merge_stats stats;
};

struct tc_merge *tc_merge_new(void)
{
    struct tc_merge *m = calloc(1, sizeof *m);
    if (m != NULL) {
        m->final_upto = INT64_MIN;
    }
    return m;
}

static void mwin_free(struct mwin *w)
{
    if (w == NULL) {
        return;
    }
    tc_users_free(w->us);
    free(w->head);
    free(w->e);
    free(w);
}

void tc_merge_free(struct tc_merge *m)
{
    if (m == NULL) {
        return;
    }
    for (size_t i = 0; i < m->nspecs; i++) {
        free(m->specs[i]);
    }
    for (size_t i = 0; i < m->nw; i++) {
        mwin_free(m->w[i]);
    }
    free(m->w);
    for (size_t i = 0; i < m->nkept; i++) {
        mwin_free(m->kept[i]);
    }
    free(m->kept);
    free(m->marks);
    free(m->list);
    free(m);
}

int64_t tc_merge_watermark(const struct tc_merge *m)
{
    if (m->partitions == 0) {
        return INT64_MIN;
    }
    int64_t g = INT64_MAX;
    for (int32_t p = 0; p < m->partitions; p++) {
        if (m->marks[p] < g) {
            g = m->marks[p];
        }
    }
    return g;
}

int32_t tc_merge_partitions(const struct tc_merge *m)
{
    return m->partitions;
}

size_t tc_merge_open_windows(const struct tc_merge *m)
{
    return m->nw;
}

const char *tc_merge_spec_text(const struct tc_merge *m, size_t i)
{
    return i < m->nspecs ? m->specs[i] : "";
}

const struct tc_merge_stats *tc_merge_stats(const struct tc_merge *m)
{
    return &m->stats;
}

/* ---- windows ---------------------------------------------------------- */

/* The index of spec text s, or -1 when unknown. */
static int64_t spec_find(const struct tc_merge *m, const char *s, size_t len)
{
    for (size_t i = 0; i < m->nspecs; i++) {
        if (strlen(m->specs[i]) == len && memcmp(m->specs[i], s, len) == 0) {
            return (int64_t)i;
        }
    }
    return -1;
}

/* The entry of (user, partition) in w, or NULL. */
static struct entry *find_entry(const struct mwin *w, const struct tc_merge_row *r,
                                uint32_t hash)
{
    int64_t u = tc_users_find(w->us, r->user, r->user_len, hash);
    for (uint32_t i = u >= 0 ? w->head[u] : 0; i != 0; i = w->e[i - 1].next) {
        if (w->e[i - 1].partition == r->partition) {
            return &w->e[i - 1];
        }
    }
    return NULL;
}

/* A row for a window already final: the very row of a kept window (a
 * replay), or refused. */
static int row_after_final(struct tc_merge *m, const struct tc_merge_row *r)
{
    int64_t spec = spec_find(m, r->spec, r->spec_len);
    uint32_t hash = tc_hash_bytes(r->user, r->user_len);
    for (size_t i = 0; spec >= 0 && i < m->nkept; i++) {
        const struct mwin *w = m->kept[i];
        if (w->spec == (uint32_t)spec && w->start_ms == r->start_ms) {
            const struct entry *e = find_entry(w, r, hash);
            if (e != NULL && e->count == r->count) {
                m->stats.rows++;
                m->stats.same++;
                return TC_MERGE_SAME;
            }
            break;
        }
    }
    m->stats.after_final++;
    return TC_MERGE_AFTER_FINAL;
}

/* The index of spec text s, added when new; -1 when there are too many or
 * memory ran out (err says which). */
static int64_t spec_index(struct tc_merge *m, const char *s, size_t len, char *err,
                          size_t errlen)
{
    int64_t known = spec_find(m, s, len);
    if (known >= 0) {
        return known;
    }
    if (m->nspecs == TC_MERGE_MAX_SPECS) {
        snprintf(err, errlen, "more than %d window specs", TC_MERGE_MAX_SPECS);
        return -1;
    }
    char *copy = malloc(len + 1);
    if (copy == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memcpy(copy, s, len);
    copy[len] = '\0';
    m->specs[m->nspecs] = copy;
    return (int64_t)m->nspecs++;
}

/* Emission order: end, start, then spec text (see tc_merge.h). */
static int compare(const struct tc_merge *m, int64_t end, int64_t start, uint32_t spec,
                   const struct mwin *w)
{
    if (end != w->end_ms) {
        return end < w->end_ms ? -1 : 1;
    }
    if (start != w->start_ms) {
        return start < w->start_ms ? -1 : 1;
    }
    return strcmp(m->specs[spec], m->specs[w->spec]);
}

/* Where the window (spec, start, end) is or would go in m->w; *found when
 * it is there. */
static size_t locate(const struct tc_merge *m, uint32_t spec, int64_t start, int64_t end,
                     bool *found)
{
    size_t lo = 0, hi = m->nw;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (compare(m, end, start, spec, m->w[mid]) > 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    *found = lo < m->nw && compare(m, end, start, spec, m->w[lo]) == 0;
    return lo;
}

/* The same (spec, start) as a window held, with another end, would be
 * another window under the same name: the writers disagree on what the
 * spec means.  -1 with err then. */
static int two_ends(const struct tc_merge *m, uint32_t spec, int64_t start, char *err,
                    size_t errlen)
{
    for (size_t i = 0; i < m->nw; i++) {
        if (m->w[i]->spec == spec && m->w[i]->start_ms == start) {
            snprintf(err, errlen, "window %s at %" PRId64 " has two ends", m->specs[spec],
                     start);
            return -1;
        }
    }
    return 0;
}

/* The window (spec, start) with its end, added when new.  NULL with err
 * when it contradicts a known one or memory ran out. */
static struct mwin *find_window(struct tc_merge *m, uint32_t spec, int64_t start,
                                int64_t end, char *err, size_t errlen)
{
    bool found;
    size_t lo = locate(m, spec, start, end, &found);
    if (found) {
        return m->w[lo];
    }
    if (two_ends(m, spec, start, err, errlen) != 0) {
        return NULL;
    }
    struct mwin *w = calloc(1, sizeof *w);
    if (w == NULL || (w->us = tc_users_new(0)) == NULL ||
        tc_grow((void **)&m->w, &m->capw, m->nw + 1, sizeof *m->w) != 0) {
        mwin_free(w);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    w->spec = spec;
    w->start_ms = start;
    w->end_ms = end;
    memmove(m->w + lo + 1, m->w + lo, (m->nw - lo) * sizeof *m->w);
    m->w[lo] = w;
    m->nw++;
    return w;
}

/* What tc_merge_add_row refuses in a row's own fields. */
static int check_fields(const struct tc_merge_row *r, char *err, size_t errlen)
{
    if (r->end_ms <= r->start_ms || r->partition < 0) {
        snprintf(err, errlen, "%s",
                 r->partition < 0 ? "negative partition"
                                  : "the window ends before it starts");
        return -1;
    }
    return 0;
}

int tc_merge_check_window(const struct tc_merge *m, const struct tc_merge_row *r,
                          char *err, size_t errlen)
{
    if (check_fields(r, err, errlen) != 0) {
        return -1;
    }
    if (r->end_ms <= m->final_upto) {
        return 0; /* told as a row after final, not refused */
    }
    int64_t spec = spec_find(m, r->spec, r->spec_len);
    if (spec < 0) {
        if (m->nspecs == TC_MERGE_MAX_SPECS) {
            snprintf(err, errlen, "more than %d window specs", TC_MERGE_MAX_SPECS);
            return -1;
        }
        return 0; /* a new spec: a new window */
    }
    bool found;
    (void)locate(m, (uint32_t)spec, r->start_ms, r->end_ms, &found);
    return found ? 0 : two_ends(m, (uint32_t)spec, r->start_ms, err, errlen);
}

int tc_merge_add_row(struct tc_merge *m, const struct tc_merge_row *r, char *err,
                     size_t errlen)
{
    if (check_fields(r, err, errlen) != 0) {
        return -1;
    }
    if (r->end_ms <= m->final_upto) {
        return row_after_final(m, r);
    }
    int64_t spec = spec_index(m, r->spec, r->spec_len, err, errlen);
    if (spec < 0) {
        return -1;
    }
    struct mwin *w = find_window(m, (uint32_t)spec, r->start_ms, r->end_ms, err, errlen);
    if (w == NULL) {
        return -1;
    }
    uint32_t hash = tc_hash_bytes(r->user, r->user_len);
    struct entry *e = find_entry(w, r, hash);
    if (e != NULL) {
        m->stats.rows++;
        if (e->count == r->count) {
            m->stats.same++;
            return TC_MERGE_SAME;
        }
        e->count = r->count;
        m->stats.rewritten++;
        return TC_MERGE_REWRITTEN;
    }
    int64_t u = tc_users_find(w->us, r->user, r->user_len, hash);
    if (tc_grow((void **)&w->e, &w->cap, w->n + 1, sizeof *w->e) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (u < 0) {
        if (tc_grow((void **)&w->head, &w->caphead, w->us->n + 1, sizeof *w->head) != 0 ||
            (u = tc_users_add(w->us, r->user, r->user_len, hash)) < 0) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        w->head[u] = 0; /* no entries yet */
    }
    w->e[w->n] = (struct entry){r->count, r->partition, w->head[u]};
    w->head[u] = (uint32_t)++w->n;
    m->stats.rows++;
    return TC_MERGE_NEW;
}

int tc_merge_add_progress(struct tc_merge *m, const struct tc_merge_progress *p,
                          char *err, size_t errlen)
{
    if (p->partitions < 1 || p->partitions > TC_MERGE_MAX_PARTITIONS) {
        snprintf(err, errlen, "partitions %" PRId32 " out of range 1..%d", p->partitions,
                 TC_MERGE_MAX_PARTITIONS);
        return -1;
    }
    if (p->partition < 0 || p->partition >= p->partitions) {
        snprintf(err, errlen, "partition %" PRId32 " out of range 0..%" PRId32,
                 p->partition, p->partitions - 1);
        return -1;
    }
    if (p->partitions > m->partitions) {
        size_t cap = m->capmarks;
        if (tc_grow((void **)&m->marks, &cap, (size_t)p->partitions, sizeof *m->marks) !=
            0) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        m->capmarks = cap;
        for (int32_t i = m->partitions; i < p->partitions; i++) {
            m->marks[i] = INT64_MIN;
        }
        m->partitions = p->partitions;
    }
    if (p->watermark_ms > m->marks[p->partition]) {
        m->marks[p->partition] = p->watermark_ms;
    }
    m->stats.progress++;
    return 0;
}

/* ---- emission --------------------------------------------------------- */

/* Hands window w over: each user's counts summed over the partitions. */
static int emit_window(struct tc_merge *m, struct tc_emit *x, const struct mwin *w,
                       bool final, size_t top_n, const struct tc_emitter *em)
{
    struct tc_users *us = w->us;
    if (tc_grow((void **)&m->list, &m->caplist, us->n, sizeof *m->list) != 0) {
        return -1;
    }
    size_t n = 0;
    for (size_t u = 0; u < us->n; u++) {
        uint64_t sum = 0;
        for (uint32_t i = w->head[u]; i != 0; i = w->e[i - 1].next) {
            sum += w->e[i - 1].count;
        }
        us->users[u].acc = sum;
        if (sum > 0) {
            m->list[n++] = (uint32_t)u;
        }
    }
    struct tc_window tw = {w->spec, w->start_ms, w->end_ms, final};
    if (n > 0) {
        if (final) {
            m->stats.windows_final++;
        } else {
            m->stats.windows_provisional++;
        }
    }
    return tc_emit_users(x, us, m->list, n, &tw, top_n, em);
}

/* Keeps final window w among the last ones printed (frees the oldest
 * beyond TC_MERGE_KEEP_PRINTED, and w when provisional or out of memory). */
static void keep(struct tc_merge *m, struct mwin *w, bool final)
{
    if (!final ||
        tc_grow((void **)&m->kept, &m->capkept, m->nkept + 1, sizeof *m->kept) != 0) {
        mwin_free(w);
        return;
    }
    if (m->nkept == TC_MERGE_KEEP_PRINTED) {
        mwin_free(m->kept[0]);
        memmove(m->kept, m->kept + 1, (m->nkept - 1) * sizeof *m->kept);
        m->nkept--;
    }
    m->kept[m->nkept++] = w;
}

int tc_merge_emit(struct tc_merge *m, struct tc_emit *x, bool rest, size_t top_n,
                  const struct tc_emitter *em)
{
    int64_t g = tc_merge_watermark(m);
    if (g > m->final_upto) {
        m->final_upto = g;
    }
    size_t done = 0;
    int rc = 0;
    for (; done < m->nw; done++) {
        struct mwin *w = m->w[done];
        bool final = w->end_ms <= m->final_upto;
        if (!final && !rest) {
            break;
        }
        if (emit_window(m, x, w, final, top_n, em) != 0) {
            rc = -1;
            break;
        }
        keep(m, w, final);
    }
    if (done > 0) { /* m->w is NULL until the first window arrives */
        memmove(m->w, m->w + done, (m->nw - done) * sizeof *m->w);
        m->nw -= done;
    }
    return rc;
}
