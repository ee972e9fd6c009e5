/* tc_task.c - one input's counting state: counting records, moving W,
 * forgetting what no open window needs. */
#include "tc_task.h"

#include <stdlib.h>
#include <string.h>

#include "tc_grow.h"
#include "tc_hash.h"

/* ---- lifecycle -------------------------------------------------------- */

struct tc_task *tc_task_new(const struct tc_task_config *cfg)
{
    struct tc_task *t = calloc(1, sizeof *t);
    if (t == NULL) {
        return NULL;
    }
    t->cfg = cfg;
    t->w = INT64_MIN;
    t->max_t = INT64_MIN;
    t->oldest_live = INT64_MIN;
    t->produced_end = INT64_MIN;
    t->users = tc_users_new(cfg->max_users);
    t->panes = tc_panes_new();
    t->dedup = tc_dedup_new();
    if (t->users == NULL || t->panes == NULL || t->dedup == NULL) {
        tc_task_free(t);
        return NULL;
    }
    return t;
}

void tc_task_free(struct tc_task *t)
{
    if (t == NULL) {
        return;
    }
    tc_users_free(t->users);
    tc_panes_free(t->panes);
    tc_dedup_free(t->dedup);
    free(t->fixes);
    tc_emit_cache_clear(&t->cache);
    free(t);
}

bool tc_task_is_fresh(const struct tc_task *t)
{
    return t->users->n == 0 && t->panes->n == 0 && t->w == INT64_MIN;
}

/* ---- users ------------------------------------------------------------ */

/* Forgets the users without live counters and renumbers the panes'
 * entries.  Returns 0, or -1 when out of memory (nothing changed). */
static int compact_users(struct tc_task *t)
{
    uint32_t *map;
    if (tc_users_compact(t->users, &map) != 0) {
        return -1;
    }
    tc_panes_renumber_users(t->panes, map);
    /* A fix's user has a counter in a live pane of the fix's window, so
     * it survives the compaction. */
    for (size_t i = 0; i < t->nfixes; i++) {
        t->fixes[i].user = map[t->fixes[i].user];
    }
    tc_emit_cache_forget(&t->cache);
    free(map);
    return 0;
}

/* The user called key, added when new; at the --max-users limit, after
 * forgetting idle users when that makes room, else TC_OTHER_KEY's user.
 * Returns the index, or -1 when out of memory. */
static int64_t user_of(struct tc_task *t, const char *key, size_t len)
{
    uint32_t hash = tc_hash_bytes(key, len);
    int64_t idx = tc_users_find(t->users, key, len, hash);
    if (idx >= 0) {
        return idx;
    }
    if (tc_users_full(t->users) && (!tc_users_compaction_makes_room(t->users) ||
                                    compact_users(t) != 0 || tc_users_full(t->users))) {
        t->overflowed++;
        return tc_users_intern(t->users, TC_OTHER_KEY, strlen(TC_OTHER_KEY));
    }
    return tc_users_add(t->users, key, len, hash);
}

/* ---- counting --------------------------------------------------------- */

int tc_task_add_fix(struct tc_task *t, uint32_t spec, int64_t start_ms, uint32_t user,
                    uint64_t count)
{
    if (t->nfixes > 0) {
        struct tc_fix *last = &t->fixes[t->nfixes - 1];
        if (last->spec == spec && last->start_ms == start_ms && last->user == user) {
            last->count += count;
            return 0;
        }
    }
    if (tc_grow((void **)&t->fixes, &t->capfixes, t->nfixes + 1, sizeof *t->fixes) != 0) {
        return -1;
    }
    t->fixes[t->nfixes++] = (struct tc_fix){start_ms, spec, user, count};
    return 0;
}

/* A record of user was counted into pane p while some windows containing
 * p, ending in (final_w, W], were final for this task but not emitted:
 * leaves it out of them.  Returns 0, or -1 when out of memory. */
static int add_fixes(struct tc_task *t, int64_t final_w, int64_t p, uint32_t user)
{
    const struct tc_window_set *ws = &t->cfg->windows;
    int64_t pt = p * ws->pane_ms;
    for (size_t si = 0; si < ws->nspecs; si++) {
        const struct tg_window_spec *s = &ws->specs[si];
        for (int64_t k = tg_floor_div(pt - s->size_ms, s->slide_ms) + 1;
             k <= tg_floor_div(pt, s->slide_ms); k++) {
            int64_t end = k * s->slide_ms + s->size_ms;
            if (end > final_w && end <= t->w &&
                tc_task_add_fix(t, (uint32_t)si, k * s->slide_ms, user, 1) != 0) {
                return -1;
            }
        }
    }
    return 0;
}

int tc_task_count(struct tc_task *t, int64_t final_w, int64_t time_ms, const char *key,
                  size_t key_len, bool has_ids, int64_t channel_id, int64_t message_id)
{
    if (time_ms > t->max_t) {
        t->max_t = time_ms;
    }
    int64_t p = tc_window_pane(&t->cfg->windows, time_ms);
    struct tc_dedup_key *seen = NULL;
    uint64_t id_hash = 0;
    if (t->cfg->dedup && has_ids) {
        id_hash = tc_hash_ids(channel_id, message_id);
        seen = tc_dedup_find(t->dedup, id_hash, channel_id, message_id);
        if (tc_dedup_is_live(seen, t->oldest_live)) {
            return TC_COUNT_DUPLICATE;
        }
    }
    if (p < t->oldest_live) {
        return TC_COUNT_LATE;
    }
    int64_t user = user_of(t, key, key_len);
    if (user < 0) {
        return -1;
    }
    struct tc_pane *pane = tc_panes_get(t->panes, p);
    if (pane == NULL) {
        return -1;
    }
    int64_t entry = tc_panes_entry(t->panes, pane, t->users, (uint32_t)user);
    if (entry < 0) {
        return -1;
    }
    pane->e[entry].count++;
    if (t->w < pane->dirty_w) {
        pane->dirty_w = t->w;
    }
    /* Every window of the pane ends after (p + 1) * P: only a record far
     * behind this task's W, while the engine lags it, needs a fix. */
    if (t->w > final_w && (p + 1) * t->cfg->windows.pane_ms <= t->w &&
        add_fixes(t, final_w, p, (uint32_t)user) != 0) {
        return -1;
    }
    if (seen != NULL) {
        if (tc_dedup_add(t->dedup, seen, id_hash, channel_id, message_id, p,
                         t->oldest_live) != 0) {
            return -1;
        }
        pane->ndedup++;
    }
    return TC_COUNT_COUNTED;
}

/* ---- event time ------------------------------------------------------- */

static void recompute_oldest_live(struct tc_task *t)
{
    t->oldest_live = tc_window_oldest_live(&t->cfg->windows, t->w);
}

bool tc_task_advance(struct tc_task *t, int64_t driving_ms)
{
    int64_t lateness = t->cfg->lateness_ms;
    if (driving_ms < INT64_MIN + lateness || driving_ms - lateness <= t->w) {
        return false;
    }
    t->w = driving_ms - lateness;
    recompute_oldest_live(t);
    return true;
}

bool tc_task_raise(struct tc_task *t, int64_t w)
{
    if (w <= t->w) {
        return false;
    }
    t->w = w;
    recompute_oldest_live(t);
    return true;
}

int tc_task_forget(struct tc_task *t, int64_t final_w)
{
    const struct tc_window_set *ws = &t->cfg->windows;
    int64_t keep = final_w == t->w ? t->oldest_live : tc_window_oldest_live(ws, final_w);
    uint64_t died = 0;
    while (t->panes->n > 0 && t->panes->a[t->panes->first].no < keep) {
        died += tc_panes_drop_front(t->panes, t->users);
    }
    if (t->nfixes > 0) {
        size_t kept = 0;
        for (size_t i = 0; i < t->nfixes; i++) {
            const struct tc_fix *f = &t->fixes[i];
            if (f->start_ms + ws->specs[f->spec].size_ms > final_w) {
                t->fixes[kept++] = *f;
            }
        }
        t->nfixes = kept;
    }
    /* Users come and go: once most of the table is users without live
     * counts, forget them, so memory follows the active users.  Failing
     * to compact (out of memory) only postpones it. */
    if (tc_users_mostly_idle(t->users)) {
        compact_users(t);
    }
    return tc_dedup_forget(t->dedup, died, keep);
}

void tc_task_new_trigger(struct tc_task *t)
{
    tc_panes_clear_dirty(t->panes);
}

void tc_task_restore_times(struct tc_task *t, int64_t w, int64_t max_t)
{
    t->w = w;
    t->max_t = max_t;
    recompute_oldest_live(t);
}
