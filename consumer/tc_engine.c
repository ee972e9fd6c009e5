/* tc_engine.c - the coordinator: config, the tasks, emission, counters. */
#include "tc_engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tc_checkpoint.h"
#include "tc_grow.h"
#include "tc_task_codec.h"

/* Most tasks (input partitions) an engine holds: task ids index an array,
 * and Kafka partition numbers are dense and far below this. */
#define TC_ENGINE_MAX_TASKS 1000000

struct tc_engine {
    struct tc_task_config cfg; /* borrowed by the tasks */
    size_t top_n;
    /* One task per input (a file or stdin: id 0; Kafka: the partition
     * number), created at its first record: tasks[id], NULL when none. */
    struct tc_task **tasks;
    size_t captasks;
    size_t ntasks;
    /* The only task while there is one (files, stdin, one partition):
     * the per-record and per-release paths then do what a one-task engine
     * does and nothing more.  NULL with none or several. */
    struct tc_task *single;
    struct tc_emit_source *src; /* emission scratch: one per task */
    size_t capsrc;
    struct tc_emit *emit;
    struct tc_engine_counters ctr;
    /* W: every window ending at or before it is final; a task's own W is
     * never below it in effect (tasks are raised to it before use).  With
     * a task sink W comes down to a task that joins below it (join_task),
     * and emitted_w is then above W until W passes it again. */
    int64_t w;
    /* With hold, windows that become final wait for tc_engine_release;
     * every window ending at or before emitted_w was handed over final. */
    bool hold;
    int64_t emitted_w;
    /* Windows handed to the live view's snapshots and to the task sink:
     * not output, so not in windows_emitted. */
    uint64_t snapshot_windows;
    struct tc_engine_task_sink sink; /* window NULL: none */
};

/* Brings the counters up to date after a call that may have changed any
 * task: each count lives where it is kept up (users, panes, dedup set,
 * task, emission), so the public struct is a sum over the tasks.  The
 * per-record path keeps it up with differences instead (count_in). */
static void sync_counters(struct tc_engine *e)
{
    if (e->single != NULL) {
        const struct tc_task *t = e->single;
        e->ctr.users = t->users->n;
        e->ctr.entries = t->panes->entries;
        e->ctr.peak_entries = t->panes->peak_entries;
        e->ctr.dedup_keys = t->dedup->live;
        e->ctr.overflowed = t->overflowed;
        e->ctr.windows_emitted = tc_emit_windows(e->emit) - e->snapshot_windows;
        return;
    }
    uint64_t users = 0, entries = 0, dedup = 0, overflowed = 0;
    for (size_t i = 0; i < e->captasks; i++) {
        const struct tc_task *t = e->tasks[i];
        if (t != NULL) {
            users += t->users->n;
            entries += t->panes->entries;
            dedup += t->dedup->live;
            overflowed += t->overflowed;
        }
    }
    e->ctr.users = users;
    e->ctr.entries = entries;
    if (entries > e->ctr.peak_entries) {
        e->ctr.peak_entries = entries;
    }
    e->ctr.dedup_keys = dedup;
    e->ctr.overflowed = overflowed;
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
    e->w = INT64_MIN;
    e->emitted_w = INT64_MIN;
    e->emit = tc_emit_new();
    if (e->emit == NULL) {
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
    for (size_t i = 0; i < e->captasks; i++) {
        tc_task_free(e->tasks[i]);
    }
    free(e->tasks);
    free(e->src);
    tc_emit_free(e->emit);
    free(e);
}

int64_t tc_engine_pane_ms(const struct tc_engine *e)
{
    return e->cfg.windows.pane_ms;
}

int64_t tc_engine_watermark(const struct tc_engine *e)
{
    return e->w;
}

int64_t tc_engine_task_watermark(const struct tc_engine *e, uint32_t task)
{
    const struct tc_task *t = task < e->captasks ? e->tasks[task] : NULL;
    return t != NULL && t->w > e->w ? t->w : e->w;
}

int64_t tc_engine_max_time(const struct tc_engine *e)
{
    int64_t m = INT64_MIN;
    for (size_t i = 0; i < e->captasks; i++) {
        if (e->tasks[i] != NULL && e->tasks[i]->max_t > m) {
            m = e->tasks[i]->max_t;
        }
    }
    return m;
}

size_t tc_engine_tasks(const struct tc_engine *e)
{
    return e->ntasks;
}

const struct tc_engine_counters *tc_engine_counters(const struct tc_engine *e)
{
    return &e->ctr;
}

/* ---- tasks ------------------------------------------------------------ */

/* Makes room for task id (a free slot, emission scratch).  Returns 0, or
 * -1 when out of memory or the id is too large. */
static int reserve_task(struct tc_engine *e, uint32_t id)
{
    if (id >= TC_ENGINE_MAX_TASKS) {
        return -1;
    }
    /* Exactly as many slots as ids at first: files and stdin have one
     * task, and every release walks the slots. */
    if (id >= e->captasks) {
        size_t cap = e->captasks + e->captasks / 2;
        if (cap < (size_t)id + 1) {
            cap = (size_t)id + 1;
        }
        struct tc_task **tasks = realloc(e->tasks, cap * sizeof *tasks);
        if (tasks == NULL) {
            return -1;
        }
        memset(tasks + e->captasks, 0, (cap - e->captasks) * sizeof *tasks);
        e->tasks = tasks;
        e->captasks = cap;
    }
    return tc_grow((void **)&e->src, &e->capsrc, e->ntasks + 1, sizeof *e->src);
}

/* Puts t in the free slot id (reserved). */
static void install_task(struct tc_engine *e, uint32_t id, struct tc_task *t)
{
    e->tasks[id] = t;
    e->ntasks++;
    e->single = e->ntasks == 1 ? t : NULL;
}

/* A task joins the engine with its own W (new, or restored): without a
 * task sink it is raised to the engine's W, so that nothing it counts
 * reaches a window already final on the output.  With one (the results
 * topic, whose rows must be a function of the partition's records alone,
 * whatever the member's other partitions did before a rebalance), the task
 * keeps its W and the engine's W comes down to it: W stays the least of
 * the tasks' W, and the windows the output already printed stay printed
 * (emitted_w does not move back; see printed_w). */
static void join_task(struct tc_engine *e, struct tc_task *t)
{
    if (e->sink.window == NULL) {
        tc_task_raise(t, e->w);
    } else if (t->w < e->w) {
        e->w = t->w;
    }
}

/* The end up to which the output has windows final: W, or further when W
 * came down after a task joined (join_task). */
static int64_t printed_w(const struct tc_engine *e)
{
    return e->emitted_w > e->w ? e->emitted_w : e->w;
}

/* Creates the task with this id (join_task).  NULL when out of memory or
 * the id is too large. */
static struct tc_task *new_task(struct tc_engine *e, uint32_t id)
{
    if (reserve_task(e, id) != 0) {
        return NULL;
    }
    struct tc_task *t = tc_task_new(&e->cfg);
    if (t == NULL) {
        return NULL;
    }
    join_task(e, t);
    install_task(e, id, t);
    return t;
}

/* The end up to which every window of task t was handed over final, to
 * the output and to the task sink: a record counted behind t's W needs a
 * fix for the windows after it (tc_task_count).  A task that joined below
 * the engine's W (join_task) has handed its rows to the sink only up to
 * its produced_end, whatever the output printed. */
static int64_t handed_w(const struct tc_engine *e, const struct tc_task *t)
{
    if (e->sink.window != NULL && t->produced_end < e->emitted_w) {
        return t->produced_end;
    }
    return e->emitted_w;
}

/* task_of's per-record path: an index. */
static inline struct tc_task *task_of(struct tc_engine *e, uint32_t id)
{
    struct tc_task *t = id < e->captasks ? e->tasks[id] : NULL;
    return t != NULL ? t : new_task(e, id);
}

/* The tasks as emission sources, in id order.  Returns how many. */
static size_t sources(struct tc_engine *e)
{
    if (e->single != NULL) {
        struct tc_task *t = e->single;
        e->src[0] =
            (struct tc_emit_source){t->users, t->panes, t->fixes, t->nfixes, &t->cache};
        return 1;
    }
    size_t n = 0;
    for (size_t i = 0; i < e->captasks; i++) {
        struct tc_task *t = e->tasks[i];
        if (t != NULL) {
            e->src[n++] = (struct tc_emit_source){t->users, t->panes, t->fixes, t->nfixes,
                                                  &t->cache};
        }
    }
    return n;
}

/* ---- counting and emission -------------------------------------------- */

int tc_engine_count_in(struct tc_engine *e, uint32_t task, int64_t t, const char *key,
                       size_t key_len, bool has_ids, int64_t channel_id,
                       int64_t message_id)
{
    struct tc_task *k = task_of(e, task);
    if (k == NULL) {
        return -1;
    }
    if (k == e->single) {
        int rc = tc_task_count(k, handed_w(e, k), t, key, key_len, has_ids, channel_id,
                               message_id);
        e->ctr.users = k->users->n;
        e->ctr.entries = k->panes->entries;
        e->ctr.peak_entries = k->panes->peak_entries;
        e->ctr.dedup_keys = k->dedup->live;
        e->ctr.overflowed = k->overflowed;
        return rc;
    }
    tc_task_raise(k, e->w);
    /* The counters move by this task's differences: summing every task
     * per record would cost what the record does. */
    uint64_t users = k->users->n, entries = k->panes->entries, dedup = k->dedup->live,
             overflowed = k->overflowed;
    int rc = tc_task_count(k, handed_w(e, k), t, key, key_len, has_ids, channel_id,
                           message_id);
    e->ctr.users += k->users->n - users;
    e->ctr.entries += k->panes->entries - entries;
    if (e->ctr.entries > e->ctr.peak_entries) {
        e->ctr.peak_entries = e->ctr.entries;
    }
    e->ctr.dedup_keys += k->dedup->live - dedup;
    e->ctr.overflowed += k->overflowed - overflowed;
    return rc;
}

int tc_engine_count(struct tc_engine *e, int64_t t, const char *key, size_t key_len,
                    bool has_ids, int64_t channel_id, int64_t message_id)
{
    return tc_engine_count_in(e, 0, t, key, key_len, has_ids, channel_id, message_id);
}

void tc_engine_advance_task(struct tc_engine *e, uint32_t task, int64_t t)
{
    if (task < e->captasks && e->tasks[task] != NULL) {
        tc_task_raise(e->tasks[task], e->w);
        tc_task_advance(e->tasks[task], t);
    }
}

/* Emits the tasks' windows that end in (lo, hi], in emission order. */
static int emit_ending(struct tc_engine *e, int64_t lo, int64_t hi, bool only_changed,
                       bool final, const struct tc_emitter *em)
{
    size_t n = sources(e);
    return tc_emit_ending(e->emit, &e->cfg.windows, e->src, n, lo, hi, only_changed,
                          final, e->top_n, em);
}

/* ---- the results topic's rows, per task -------------------------------- */

void tc_engine_set_task_sink(struct tc_engine *e, const struct tc_engine_task_sink *sink)
{
    e->sink = sink != NULL ? *sink : (struct tc_engine_task_sink){0};
}

struct task_emit {
    const struct tc_engine_task_sink *sink;
    uint32_t task;
};

static int task_window(void *ctx, const struct tc_window *w, const struct tc_row *rows,
                       size_t n, bool first, bool last)
{
    const struct task_emit *te = ctx;
    return te->sink->window(te->sink->ctx, te->task, w, rows, n, first, last);
}

/* One task's windows ending in (produced_end, W_p], from its panes alone. */
static int task_finals(struct tc_engine *e, uint32_t id, struct tc_task *t)
{
    tc_task_raise(t, e->w);
    if (t->w <= t->produced_end) {
        return 0;
    }
    struct tc_emit_source src = {t->users, t->panes, t->fixes, t->nfixes, &t->cache};
    struct task_emit te = {&e->sink, id};
    /* The results topic's readers take a window's rows in any order. */
    const struct tc_emitter em = {task_window, &te, true};
    uint64_t before = tc_emit_windows(e->emit);
    int rc = tc_emit_ending(e->emit, &e->cfg.windows, &src, 1, t->produced_end, t->w,
                            false, true, 0, &em);
    e->snapshot_windows += tc_emit_windows(e->emit) - before;
    if (rc == 0) {
        t->produced_end = t->w;
    }
    return rc;
}

int tc_engine_task_finals(struct tc_engine *e)
{
    if (e->sink.window == NULL) {
        return 0;
    }
    for (size_t i = 0; i < e->captasks; i++) {
        if (e->tasks[i] != NULL && task_finals(e, (uint32_t)i, e->tasks[i]) != 0) {
            return -1;
        }
    }
    return 0;
}

int64_t tc_engine_task_produced(const struct tc_engine *e, uint32_t task)
{
    const struct tc_task *t = task < e->captasks ? e->tasks[task] : NULL;
    return t != NULL ? t->produced_end : INT64_MIN;
}

bool tc_engine_has_task(const struct tc_engine *e, uint32_t task)
{
    return task < e->captasks && e->tasks[task] != NULL;
}

void tc_engine_drop_task(struct tc_engine *e, uint32_t task)
{
    if (task == TC_ENGINE_ALL_TASKS) {
        for (size_t i = 0; i < e->captasks; i++) {
            tc_engine_drop_task(e, (uint32_t)i);
        }
        return;
    }
    if (!tc_engine_has_task(e, task)) {
        return;
    }
    tc_task_free(e->tasks[task]);
    e->tasks[task] = NULL;
    e->ntasks--;
    e->single = NULL;
    for (size_t i = 0; i < e->captasks && e->ntasks == 1; i++) {
        if (e->tasks[i] != NULL) {
            /* The one-task paths assume the task was raised with W. */
            e->single = e->tasks[i];
            tc_task_raise(e->single, e->w);
        }
    }
    /* The merged table's cached ids of other tasks stay valid: only this
     * task's cache went. */
    sync_counters(e);
}

int tc_engine_release(struct tc_engine *e, const struct tc_emitter *em)
{
    if (e->emitted_w >= e->w) {
        return 0;
    }
    /* Windows end, and panes stop being live, only at multiples of the
     * pane: W moving within one (most records) has nothing to emit or
     * forget. */
    int64_t pane = e->cfg.windows.pane_ms;
    if (e->emitted_w != INT64_MIN &&
        tg_floor_div(e->w, pane) == tg_floor_div(e->emitted_w, pane)) {
        e->emitted_w = e->w;
        return 0;
    }
    /* The tasks' own rows first: the panes they come from are forgotten
     * below. */
    int rc = tc_engine_task_finals(e);
    if (rc == 0) {
        rc = emit_ending(e, e->emitted_w, e->w, false, true, em);
    }
    if (rc == 0) {
        e->emitted_w = e->w;
        if (e->single != NULL) {
            rc = tc_task_forget(e->single, e->emitted_w);
        }
        for (size_t i = 0; i < e->captasks && e->single == NULL; i++) {
            struct tc_task *t = e->tasks[i];
            if (t != NULL) {
                tc_task_raise(t, e->w);
                if (tc_task_forget(t, e->emitted_w) != 0) {
                    rc = -1;
                }
            }
        }
    }
    sync_counters(e);
    return rc;
}

bool tc_engine_holding(const struct tc_engine *e)
{
    return e->emitted_w < e->w;
}

int tc_engine_advance(struct tc_engine *e, int64_t driving_t, const struct tc_emitter *em)
{
    int64_t lateness = e->cfg.lateness_ms;
    if (driving_t < INT64_MIN + lateness || driving_t - lateness <= e->w) {
        return 0;
    }
    e->w = driving_t - lateness;
    /* Several tasks are raised when next used (lazily: W may move with
     * every record, and visiting a hundred partitions each time would
     * cost more than the record). */
    if (e->single != NULL) {
        tc_task_raise(e->single, e->w);
    }
    if (e->hold) {
        return 0;
    }
    return tc_engine_release(e, em);
}

int tc_engine_emit_changes(struct tc_engine *e, const struct tc_emitter *em)
{
    int rc = emit_ending(e, printed_w(e), INT64_MAX, true, false, em);
    if (rc == 0) {
        for (size_t i = 0; i < e->captasks; i++) {
            if (e->tasks[i] != NULL) {
                tc_task_new_trigger(e->tasks[i]);
            }
        }
    }
    sync_counters(e);
    return rc;
}

int tc_engine_emit_snapshot(struct tc_engine *e, size_t top_n,
                            const struct tc_emitter *em)
{
    int64_t max_t = tc_engine_max_time(e);
    if (max_t == INT64_MIN) {
        return 0;
    }
    size_t n = sources(e);
    uint64_t before = tc_emit_windows(e->emit);
    int rc = 0;
    for (size_t i = 0; i < e->cfg.windows.nspecs && rc == 0; i++) {
        const struct tg_window_spec *s = &e->cfg.windows.specs[i];
        int64_t start = tc_window_first_open(s, max_t) * s->slide_ms;
        struct tc_window w = {i, start, start + s->size_ms, false};
        if (w.end_ms > printed_w(e)) {
            rc = tc_emit_window(e->emit, &e->cfg.windows, e->src, n, &w, top_n, em);
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
    tc_ckbuf_i64(buf, e->w);
    tc_ckbuf_u64(buf, e->ntasks);
    for (size_t i = 0; i < e->captasks; i++) {
        if (e->tasks[i] != NULL) {
            tc_ckbuf_u32(buf, (uint32_t)i);
            if (tc_task_save(e->tasks[i], e->w, buf) != 0) {
                return -1;
            }
        }
    }
    return buf->failed ? -1 : 0;
}

int tc_engine_load(struct tc_engine *e, struct tc_ckreader *rd, char *err, size_t errlen)
{
    if (e->ntasks != 0 || e->w != INT64_MIN) {
        snprintf(err, errlen, "engine already in use");
        return -1;
    }
    int64_t w = tc_ckreader_i64(rd);
    uint64_t ntasks = tc_ckreader_u64(rd);
    if (!tc_ckreader_ok(rd) || ntasks > rd->len || ntasks > TC_ENGINE_MAX_TASKS ||
        (w != INT64_MIN && (w <= -(INT64_C(1) << 50) || w >= (INT64_C(1) << 50)))) {
        snprintf(err, errlen, "bad task table");
        return -1;
    }
    int rc = 0;
    for (uint64_t i = 0; i < ntasks && rc == 0; i++) {
        uint32_t id = tc_ckreader_u32(rd);
        struct tc_task *t = NULL;
        if (!tc_ckreader_ok(rd) || id >= TC_ENGINE_MAX_TASKS ||
            (id < e->captasks && e->tasks[id] != NULL)) {
            snprintf(err, errlen, "bad task number");
            rc = -1;
        } else if ((t = task_of(e, id)) == NULL) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
        } else {
            rc = tc_task_load(t, w, rd, err, errlen);
        }
    }
    /* What the checkpoint covers was handed over final before it was
     * written (or is held back for ever, see tc_engine_release). */
    e->w = w;
    e->emitted_w = w;
    sync_counters(e);
    return rc;
}

/* ---- one task: the changelog ----------------------------------------- */

/* What must match between the engine that saved a task and the one that
 * loads it: the windows, lateness and dedup (the topic is the changelog's
 * to check). */
static void put_task_fingerprint(const struct tc_engine *e, struct tc_ckbuf *buf)
{
    const struct tc_window_set *ws = &e->cfg.windows;
    tc_ckbuf_u32(buf, (uint32_t)ws->nspecs);
    for (size_t i = 0; i < ws->nspecs; i++) {
        tc_ckbuf_i64(buf, ws->specs[i].size_ms);
        tc_ckbuf_i64(buf, ws->specs[i].slide_ms);
    }
    tc_ckbuf_i64(buf, e->cfg.lateness_ms);
    tc_ckbuf_u32(buf, e->cfg.dedup);
}

int tc_engine_save_task(const struct tc_engine *e, uint32_t task, struct tc_ckbuf *buf)
{
    const struct tc_task *t = task < e->captasks ? e->tasks[task] : NULL;
    put_task_fingerprint(e, buf);
    tc_ckbuf_i64(buf, e->w);
    if (t != NULL) {
        tc_ckbuf_u32(buf, 1);
        if (tc_task_save(t, e->w, buf) != 0) {
            return -1;
        }
    } else {
        tc_ckbuf_u32(buf, 0);
    }
    return buf->failed ? -1 : 0;
}

/* Leaves a loaded task out of the windows ending in (lo, hi]: the engine
 * that saved it handed them over (hi is its W), this one has not (lo is
 * its emitted W), and the task keeps only the panes windows open under hi
 * need, so its share of them here would be partial.  A fix per (window,
 * user, pane) takes the task's counts out (tc_emit.h).  Returns 0, or -1
 * when out of memory. */
static int fence_task(struct tc_task *t, int64_t lo, int64_t hi)
{
    const struct tc_window_set *ws = &t->cfg->windows;
    const struct tc_panes *ps = t->panes;
    for (size_t i = ps->first; i < tc_panes_end(ps); i++) {
        const struct tc_pane *pane = &ps->a[i];
        int64_t start = pane->no * ws->pane_ms;
        if (start >= hi) {
            break; /* every window containing it ends after hi */
        }
        for (uint32_t s = 0; s < ws->nspecs; s++) {
            const struct tg_window_spec *sp = &ws->specs[s];
            int64_t k0 = tg_floor_div(start - sp->size_ms, sp->slide_ms) + 1;
            int64_t k1 = tg_floor_div(start, sp->slide_ms);
            for (int64_t k = k0; k <= k1; k++) {
                int64_t end = k * sp->slide_ms + sp->size_ms;
                for (uint32_t j = 0; end > lo && end <= hi && j < pane->n; j++) {
                    if (tc_task_add_fix(t, s, k * sp->slide_ms, pane->e[j].user,
                                        pane->e[j].count) != 0) {
                        return -1;
                    }
                }
            }
        }
    }
    return 0;
}

int tc_engine_load_task(struct tc_engine *e, uint32_t task, const void *data, size_t len,
                        char *err, size_t errlen)
{
    if (task >= TC_ENGINE_MAX_TASKS) {
        snprintf(err, errlen, "task number %lu out of range", (unsigned long)task);
        return -1;
    }
    if (task < e->captasks && e->tasks[task] != NULL) {
        snprintf(err, errlen, "task %lu is already there", (unsigned long)task);
        return -1;
    }
    struct tc_ckbuf want = {0};
    put_task_fingerprint(e, &want);
    if (want.failed) {
        tc_ckbuf_clear(&want);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    bool same = len >= want.len && memcmp(data, want.data, want.len) == 0;
    struct tc_ckreader rd;
    tc_ckreader_init(&rd, data, len);
    rd.pos = want.len;
    tc_ckbuf_clear(&want);
    if (!same) {
        snprintf(err, errlen,
                 "state saved with other --window, --lateness or --no-dedup settings");
        return -1;
    }
    int64_t final_w = tc_ckreader_i64(&rd);
    uint32_t present = tc_ckreader_u32(&rd);
    if (!tc_ckreader_ok(&rd) || present > 1 ||
        (final_w != INT64_MIN &&
         (final_w <= -(INT64_C(1) << 50) || final_w >= (INT64_C(1) << 50)))) {
        snprintf(err, errlen, "bad task header");
        return -1;
    }
    if (present == 0) {
        if (!tc_ckreader_done(&rd)) {
            snprintf(err, errlen, "trailing data");
            return -1;
        }
        return 0;
    }
    /* Loaded apart and installed only whole, so that a refused state
     * changes nothing. */
    struct tc_task *t = tc_task_new(&e->cfg);
    if (t == NULL || reserve_task(e, task) != 0) {
        tc_task_free(t);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (tc_task_load(t, final_w, &rd, err, errlen) != 0 || !tc_ckreader_done(&rd)) {
        if (tc_ckreader_ok(&rd) && rd.pos != rd.len) {
            snprintf(err, errlen, "trailing data");
        }
        tc_task_free(t);
        return -1;
    }
    if (final_w != INT64_MIN && e->emitted_w < final_w &&
        fence_task(t, e->emitted_w, final_w) != 0) {
        tc_task_free(t);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    join_task(e, t);
    install_task(e, task, t);
    sync_counters(e);
    return 0;
}
