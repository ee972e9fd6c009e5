/* tc_engine.c - the coordinator: config, the task, emission, counters. */
#include "tc_engine.h"

#include <stdio.h>
#include <stdlib.h>

#include "tc_checkpoint.h"
#include "tc_task_codec.h"

struct tc_engine {
    struct tc_task_config cfg; /* borrowed by the task */
    size_t top_n;
    /* The only task: every record goes to it.  Holding several (one per
     * input partition) would make this an array and emission a merge of
     * their panes; nothing else here depends on there being one. */
    struct tc_task *task;
    struct tc_emit *emit;
    struct tc_engine_counters ctr;
    /* With hold, windows that become final wait for tc_engine_release;
     * every window ending at or before emitted_w was handed over final. */
    bool hold;
    int64_t emitted_w;
    /* Windows handed to the live view's snapshots: not output, so not in
     * windows_emitted. */
    uint64_t snapshot_windows;
};

/* Brings the counters up to date after a call that may have changed them:
 * each count lives where it is kept up (users, panes, dedup set, task,
 * emission), so the public struct is a copy. */
static void sync_counters(struct tc_engine *e)
{
    const struct tc_task *t = e->task;
    e->ctr.users = t->users->n;
    e->ctr.entries = t->panes->entries;
    e->ctr.peak_entries = t->panes->peak_entries;
    e->ctr.dedup_keys = t->dedup->live;
    e->ctr.overflowed = t->overflowed;
    e->ctr.windows_emitted = tc_emit_windows(e->emit) - e->snapshot_windows;
}

/* ---- lifecycle -------------------------------------------------------- */

/* Checks cfg and computes the pane size into ws.  Returns 0, or -1 with
 * err. */
static int validate(const struct tc_engine_config *cfg, struct tc_window_set *ws,
                    char *err, size_t errlen)
{
    if (cfg->nspecs == 0) {
        snprintf(err, errlen, "no window");
        return -1;
    }
    if (cfg->lateness_ms < 0 || cfg->lateness_ms > TC_ENGINE_MAX_SPAN_MS) {
        snprintf(err, errlen, "lateness out of range");
        return -1;
    }
    int64_t pane = 0, overlap = 0;
    for (size_t i = 0; i < cfg->nspecs; i++) {
        const struct tg_window_spec *s = &cfg->specs[i];
        if (s->size_ms <= 0 || s->slide_ms <= 0 || s->slide_ms > s->size_ms ||
            s->size_ms > TC_ENGINE_MAX_SPAN_MS) {
            snprintf(err, errlen, "window %s out of range", s->text);
            return -1;
        }
        overlap += tc_window_overlap(s);
        if (overlap > TC_ENGINE_MAX_OVERLAP) {
            snprintf(err, errlen, "windows overlap too much (at most %d per instant)",
                     TC_ENGINE_MAX_OVERLAP);
            return -1;
        }
        pane = pane == 0 ? s->size_ms : tg_gcd(pane, s->size_ms);
        pane = tg_gcd(pane, s->slide_ms);
    }
    *ws = (struct tc_window_set){
        .specs = cfg->specs, .nspecs = cfg->nspecs, .pane_ms = pane};
    return 0;
}

struct tc_engine *tc_engine_new(const struct tc_engine_config *cfg, char *err,
                                size_t errlen)
{
    struct tc_window_set ws;
    if (validate(cfg, &ws, err, errlen) != 0) {
        return NULL;
    }
    struct tc_engine *e = calloc(1, sizeof *e);
    if (e == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    e->cfg = (struct tc_task_config){
        .windows = ws,
        .lateness_ms = cfg->lateness_ms,
        .dedup = cfg->dedup,
        .max_users = cfg->max_users,
    };
    e->top_n = cfg->top_n;
    e->hold = cfg->hold_finals;
    e->emitted_w = INT64_MIN;
    e->task = tc_task_new(&e->cfg);
    e->emit = tc_emit_new();
    if (e->task == NULL || e->emit == NULL) {
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
    tc_task_free(e->task);
    tc_emit_free(e->emit);
    free(e);
}

int64_t tc_engine_pane_ms(const struct tc_engine *e)
{
    return e->cfg.windows.pane_ms;
}

int64_t tc_engine_watermark(const struct tc_engine *e)
{
    return e->task->w;
}

int64_t tc_engine_max_time(const struct tc_engine *e)
{
    return e->task->max_t;
}

const struct tc_engine_counters *tc_engine_counters(const struct tc_engine *e)
{
    return &e->ctr;
}

/* ---- counting and emission -------------------------------------------- */

int tc_engine_count(struct tc_engine *e, int64_t t, const char *key, size_t key_len,
                    bool has_ids, int64_t channel_id, int64_t message_id)
{
    int rc = tc_task_count(e->task, t, key, key_len, has_ids, channel_id, message_id);
    sync_counters(e);
    return rc;
}

/* Emits the task's windows that end in (lo, hi], in emission order. */
static int emit_ending(struct tc_engine *e, int64_t lo, int64_t hi, bool only_changed,
                       bool final, const struct tc_emitter *em)
{
    struct tc_task *t = e->task;
    return tc_emit_ending(e->emit, &e->cfg.windows, t->users, t->panes, lo, hi,
                          only_changed, final, e->top_n, em);
}

int tc_engine_release(struct tc_engine *e, const struct tc_emitter *em)
{
    if (e->emitted_w >= e->task->w) {
        return 0;
    }
    int rc = emit_ending(e, e->emitted_w, e->task->w, false, true, em);
    if (rc == 0) {
        e->emitted_w = e->task->w;
        rc = tc_task_forget(e->task);
    }
    sync_counters(e);
    return rc;
}

bool tc_engine_holding(const struct tc_engine *e)
{
    return e->emitted_w < e->task->w;
}

int tc_engine_advance(struct tc_engine *e, int64_t driving_t, const struct tc_emitter *em)
{
    if (!tc_task_advance(e->task, driving_t) || e->hold) {
        return 0;
    }
    return tc_engine_release(e, em);
}

int tc_engine_emit_changes(struct tc_engine *e, const struct tc_emitter *em)
{
    int rc = emit_ending(e, e->task->w, INT64_MAX, true, false, em);
    if (rc == 0) {
        tc_task_new_trigger(e->task);
    }
    sync_counters(e);
    return rc;
}

int tc_engine_emit_snapshot(struct tc_engine *e, size_t top_n,
                            const struct tc_emitter *em)
{
    struct tc_task *t = e->task;
    if (t->max_t == INT64_MIN) {
        return 0;
    }
    uint64_t before = tc_emit_windows(e->emit);
    int rc = 0;
    for (size_t i = 0; i < e->cfg.windows.nspecs && rc == 0; i++) {
        const struct tg_window_spec *s = &e->cfg.windows.specs[i];
        int64_t start = tc_window_first_open(s, t->max_t) * s->slide_ms;
        struct tc_window w = {i, start, start + s->size_ms, false};
        if (w.end_ms > t->w) {
            rc = tc_emit_window(e->emit, &e->cfg.windows, t->users, t->panes, &w, top_n,
                                em);
        }
    }
    e->snapshot_windows += tc_emit_windows(e->emit) - before;
    sync_counters(e);
    return rc;
}

int tc_engine_emit_open(struct tc_engine *e, bool complete, const struct tc_emitter *em)
{
    int rc = emit_ending(e, e->emitted_w, INT64_MAX, false, complete, em);
    if (rc == 0 && complete) {
        e->emitted_w = INT64_MAX;
    }
    sync_counters(e);
    return rc;
}

/* ---- checkpoint state ------------------------------------------------- */

int tc_engine_save(const struct tc_engine *e, struct tc_ckbuf *buf)
{
    return tc_task_save(e->task, buf);
}

int tc_engine_load(struct tc_engine *e, struct tc_ckreader *rd, char *err, size_t errlen)
{
    if (!tc_task_is_fresh(e->task)) {
        snprintf(err, errlen, "engine already in use");
        return -1;
    }
    int rc = tc_task_load(e->task, rd, err, errlen);
    /* What the checkpoint covers was handed over final before it was
     * written (or is held back for ever, see tc_engine_release). */
    e->emitted_w = e->task->w;
    sync_counters(e);
    return rc;
}
