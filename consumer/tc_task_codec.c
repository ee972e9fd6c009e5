/* tc_task_codec.c - saving and loading a task's state. */
#include "tc_task_codec.h"

#include <stdio.h>

#include "tc_hash.h"
#include "tg_utf8.h"

int tc_task_save(const struct tc_task *t, int64_t final_w, struct tc_ckbuf *buf)
{
    const struct tc_window_set *ws = &t->cfg->windows;
    int64_t keep = tc_window_oldest_live(ws, final_w);
    const struct tc_users *us = t->users;
    const struct tc_panes *ps = t->panes;
    const struct tc_dedup *d = t->dedup;
    /* A task not used since W last moved is raised when next used. */
    tc_ckbuf_i64(buf, t->w > final_w ? t->w : final_w);
    tc_ckbuf_i64(buf, t->max_t);
    /* Windows at or before final_w are gone from the panes saved: their
     * rows cannot be produced from this state any more. */
    tc_ckbuf_i64(buf, t->produced_end > final_w ? t->produced_end : final_w);
    tc_ckbuf_u64(buf, us->n);
    for (size_t i = 0; i < us->n; i++) {
        tc_ckbuf_bytes(buf, us->users[i].name, us->users[i].len);
    }
    /* Panes no window open under final_w needs may still be held for
     * their final windows (tc_engine_release): they are not state a
     * restart needs. */
    size_t first = tc_panes_lower_bound(ps, keep);
    tc_ckbuf_u64(buf, tc_panes_end(ps) - first);
    for (size_t i = first; i < tc_panes_end(ps); i++) {
        const struct tc_pane *pane = &ps->a[i];
        tc_ckbuf_i64(buf, pane->no);
        tc_ckbuf_i64(buf, pane->dirty_w);
        tc_ckbuf_u32(buf, pane->n);
        for (uint32_t j = 0; j < pane->n; j++) {
            tc_ckbuf_u32(buf, pane->e[j].user);
            tc_ckbuf_u32(buf, pane->e[j].count);
        }
    }
    /* d->live also counts the keys of held panes, which are not saved. */
    uint64_t nkeys = 0;
    for (size_t s = 0; s < TC_DEDUP_SEGMENTS; s++) {
        for (size_t i = 0; i < d->seg[s].cap; i++) {
            nkeys += tc_dedup_is_live(&d->seg[s].slots[i], keep);
        }
    }
    tc_ckbuf_u64(buf, nkeys);
    for (size_t s = 0; s < TC_DEDUP_SEGMENTS; s++) {
        for (size_t i = 0; i < d->seg[s].cap; i++) {
            const struct tc_dedup_key *k = &d->seg[s].slots[i];
            if (tc_dedup_is_live(k, keep)) {
                tc_ckbuf_i64(buf, k->ch);
                tc_ckbuf_i64(buf, k->msg);
                tc_ckbuf_i64(buf, k->pane);
            }
        }
    }
    uint64_t nfixes = 0;
    for (size_t i = 0; i < t->nfixes; i++) {
        const struct tc_fix *f = &t->fixes[i];
        nfixes += f->start_ms + ws->specs[f->spec].size_ms > final_w;
    }
    tc_ckbuf_u64(buf, nfixes);
    for (size_t i = 0; i < t->nfixes; i++) {
        const struct tc_fix *f = &t->fixes[i];
        if (f->start_ms + ws->specs[f->spec].size_ms > final_w) {
            tc_ckbuf_u32(buf, f->spec);
            tc_ckbuf_i64(buf, f->start_ms);
            tc_ckbuf_u32(buf, f->user);
            tc_ckbuf_u64(buf, f->count);
        }
    }
    return buf->failed ? -1 : 0;
}

/* Times a checkpoint may hold: "none" or within about 35,000 years of
 * 1970, far inside the range where window arithmetic cannot overflow
 * (parsed event times stay within years 0000-9999). */
static bool time_ok(int64_t time_ms)
{
    return time_ms == INT64_MIN ||
           (time_ms > -(INT64_C(1) << 50) && time_ms < (INT64_C(1) << 50));
}

static bool pane_ok(const struct tc_task *t, int64_t no)
{
    int64_t limit = (INT64_C(1) << 50) / t->cfg->windows.pane_ms;
    return no > -limit && no < limit;
}

#define LOAD_FAIL(...)                                                                   \
    do {                                                                                 \
        snprintf(err, errlen, __VA_ARGS__);                                              \
        return -1;                                                                       \
    } while (0)

static int load_users(struct tc_task *t, struct tc_ckreader *rd, char *err, size_t errlen)
{
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
        /* Names are written as JSON text (the results topic) unchecked. */
        if (!tg_utf8_valid(name, len)) {
            LOAD_FAIL("user name not valid UTF-8");
        }
        int64_t idx = tc_users_intern(t->users, name, len);
        if (idx < 0) {
            LOAD_FAIL("out of memory");
        }
        if ((uint64_t)idx != i) {
            LOAD_FAIL("duplicate user in user table");
        }
    }
    return 0;
}

static int load_panes(struct tc_task *t, int64_t keep, struct tc_ckreader *rd, char *err,
                      size_t errlen)
{
    uint64_t npanes = tc_ckreader_u64(rd);
    if (!tc_ckreader_ok(rd) || npanes > rd->len) {
        LOAD_FAIL("bad pane count");
    }
    int64_t prev = INT64_MIN;
    for (uint64_t i = 0; i < npanes; i++) {
        int64_t no = tc_ckreader_i64(rd);
        int64_t dirty = tc_ckreader_i64(rd);
        uint32_t n = tc_ckreader_u32(rd);
        if (!tc_ckreader_ok(rd) || (i > 0 && no <= prev) || no < keep || n > rd->len ||
            !pane_ok(t, no)) {
            LOAD_FAIL("bad pane header");
        }
        prev = no;
        struct tc_pane *pane = tc_panes_get(t->panes, no);
        if (pane == NULL) {
            LOAD_FAIL("out of memory");
        }
        pane->dirty_w = dirty;
        for (uint32_t j = 0; j < n; j++) {
            uint32_t user = tc_ckreader_u32(rd);
            uint32_t count = tc_ckreader_u32(rd);
            if (!tc_ckreader_ok(rd) || user >= t->users->n || count == 0) {
                LOAD_FAIL("bad pane entry");
            }
            int64_t entry = tc_panes_entry(t->panes, pane, t->users, user);
            if (entry < 0) {
                LOAD_FAIL("out of memory");
            }
            if (pane->e[entry].count != 0) {
                LOAD_FAIL("user twice in one pane");
            }
            pane->e[entry].count = count;
        }
    }
    return 0;
}

static int load_dedup(struct tc_task *t, int64_t keep, struct tc_ckreader *rd, char *err,
                      size_t errlen)
{
    uint64_t nkeys = tc_ckreader_u64(rd);
    if (!tc_ckreader_ok(rd) || nkeys > rd->len) {
        LOAD_FAIL("bad dedup key count");
    }
    for (uint64_t i = 0; i < nkeys; i++) {
        int64_t ch = tc_ckreader_i64(rd);
        int64_t msg = tc_ckreader_i64(rd);
        int64_t p = tc_ckreader_i64(rd);
        if (!tc_ckreader_ok(rd) || p < keep || p == TC_DEDUP_EMPTY) {
            LOAD_FAIL("bad dedup key");
        }
        struct tc_pane *pane = tc_panes_find(t->panes, p);
        if (pane == NULL) {
            LOAD_FAIL("dedup key of an unknown pane");
        }
        uint64_t hash = tc_hash_ids(ch, msg);
        struct tc_dedup_key *slot = tc_dedup_find(t->dedup, hash, ch, msg);
        if (slot->pane != TC_DEDUP_EMPTY) {
            LOAD_FAIL("duplicate dedup key");
        }
        if (tc_dedup_add(t->dedup, slot, hash, ch, msg, p, keep) != 0) {
            LOAD_FAIL("out of memory");
        }
        pane->ndedup++;
    }
    return 0;
}

/* A fix must name a window that ends in (final_w, W] and a known user;
 * whether the user has that many counts in it is checked by emission,
 * which ignores a fix that does not fit. */
static int load_fixes(struct tc_task *t, int64_t final_w, struct tc_ckreader *rd,
                      char *err, size_t errlen)
{
    const struct tc_window_set *ws = &t->cfg->windows;
    uint64_t nfixes = tc_ckreader_u64(rd);
    if (!tc_ckreader_ok(rd) || nfixes > rd->len) {
        LOAD_FAIL("bad fix count");
    }
    for (uint64_t i = 0; i < nfixes; i++) {
        uint32_t spec = tc_ckreader_u32(rd);
        int64_t start = tc_ckreader_i64(rd);
        uint32_t user = tc_ckreader_u32(rd);
        uint64_t count = tc_ckreader_u64(rd);
        if (!tc_ckreader_ok(rd) || spec >= ws->nspecs || !time_ok(start) ||
            start == INT64_MIN || user >= t->users->n || count == 0 ||
            tg_floor_div(start, ws->specs[spec].slide_ms) * ws->specs[spec].slide_ms !=
                start ||
            start + ws->specs[spec].size_ms <= final_w ||
            start + ws->specs[spec].size_ms > t->w) {
            LOAD_FAIL("bad fix");
        }
        if (tc_task_add_fix(t, spec, start, user, count) != 0) {
            LOAD_FAIL("out of memory");
        }
    }
    return 0;
}

int tc_task_load(struct tc_task *t, int64_t final_w, struct tc_ckreader *rd, char *err,
                 size_t errlen)
{
    if (!tc_task_is_fresh(t)) {
        LOAD_FAIL("task already in use");
    }
    int64_t w = tc_ckreader_i64(rd);
    int64_t max_t = tc_ckreader_i64(rd);
    /* Version 2 knew no results topic: nothing was produced, and windows
     * final under final_w can no longer be. */
    int64_t produced = rd->version >= 3 ? tc_ckreader_i64(rd) : final_w;
    if (!time_ok(w) || !time_ok(max_t) || w < final_w) {
        LOAD_FAIL("watermark out of range");
    }
    if (!time_ok(produced) || produced < final_w || produced > w) {
        LOAD_FAIL("results end out of range");
    }
    tc_task_restore_times(t, w, max_t);
    t->produced_end = produced;
    int64_t keep = tc_window_oldest_live(&t->cfg->windows, final_w);
    if (load_users(t, rd, err, errlen) != 0 ||
        load_panes(t, keep, rd, err, errlen) != 0 ||
        load_dedup(t, keep, rd, err, errlen) != 0 ||
        load_fixes(t, final_w, rd, err, errlen) != 0) {
        return -1;
    }
    return 0;
}
