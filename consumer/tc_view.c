/* tc_view.c - the --live view's model: open-window snapshots and a ring
 * of final windows per spec. */
#include "tc_view.h"

#include <stdlib.h>
#include <string.h>

struct spec_state {
    struct tc_view_window open;    /* shown */
    struct tc_view_window staging; /* being filled by a snapshot */
    bool decided;                  /* staging holds the window to show */
    bool skipping;                 /* the parts of a window not taken */
    struct tc_view_window *ring;   /* history slots */
    size_t head;                   /* the newest slot */
    size_t count;                  /* slots in use */
};

struct tc_view {
    size_t nspecs, max_rows, history;
    int64_t ref_ms;
    struct spec_state *specs;
};

/* ---- windows ------------------------------------------------------------ */

static void window_clear(struct tc_view_window *w)
{
    for (size_t i = 0; i < w->n; i++) {
        free(w->rows[i].name);
    }
    w->n = 0;
    w->valid = false;
}

static void window_free(struct tc_view_window *w)
{
    window_clear(w);
    free(w->rows);
    w->rows = NULL;
    w->cap = 0;
}

static void window_start(struct tc_view_window *w, const struct tc_window *win)
{
    window_clear(w);
    w->valid = true;
    w->start_ms = win->start_ms;
    w->end_ms = win->end_ms;
}

/* Appends rows until the window holds max rows or memory runs out. */
static void window_add(struct tc_view_window *w, const struct tc_row *rows, size_t n,
                       size_t max)
{
    for (size_t i = 0; i < n && w->n < max; i++) {
        if (w->n == w->cap) {
            size_t cap = w->cap ? w->cap * 2 : 16;
            cap = cap < max ? cap : max;
            struct tc_view_row *r = realloc(w->rows, cap * sizeof *r);
            if (r == NULL) {
                return;
            }
            w->rows = r;
            w->cap = cap;
        }
        char *name = malloc(rows[i].len + 1);
        if (name == NULL) {
            return;
        }
        memcpy(name, rows[i].name, rows[i].len);
        name[rows[i].len] = '\0';
        w->rows[w->n++] = (struct tc_view_row){name, rows[i].len, rows[i].count};
    }
}

/* ---- lifecycle ---------------------------------------------------------- */

struct tc_view *tc_view_new(size_t nspecs, size_t max_rows, size_t history)
{
    if (nspecs == 0 || max_rows == 0 || history == 0) {
        return NULL;
    }
    struct tc_view *v = calloc(1, sizeof *v);
    if (v == NULL) {
        return NULL;
    }
    v->nspecs = nspecs;
    v->max_rows = max_rows;
    v->history = history;
    v->ref_ms = INT64_MIN;
    v->specs = calloc(nspecs, sizeof *v->specs);
    if (v->specs == NULL) {
        tc_view_free(v);
        return NULL;
    }
    for (size_t i = 0; i < nspecs; i++) {
        v->specs[i].ring = calloc(history, sizeof *v->specs[i].ring);
        if (v->specs[i].ring == NULL) {
            tc_view_free(v);
            return NULL;
        }
    }
    return v;
}

void tc_view_free(struct tc_view *v)
{
    if (v == NULL) {
        return;
    }
    for (size_t i = 0; v->specs != NULL && i < v->nspecs; i++) {
        struct spec_state *s = &v->specs[i];
        window_free(&s->open);
        window_free(&s->staging);
        for (size_t k = 0; s->ring != NULL && k < v->history; k++) {
            window_free(&s->ring[k]);
        }
        free(s->ring);
    }
    free(v->specs);
    free(v);
}

/* ---- snapshots ---------------------------------------------------------- */

void tc_view_snapshot_begin(struct tc_view *v, int64_t ref_ms)
{
    v->ref_ms = ref_ms;
    for (size_t i = 0; i < v->nspecs; i++) {
        window_clear(&v->specs[i].staging);
        v->specs[i].decided = false;
        v->specs[i].skipping = false;
    }
}

void tc_view_snapshot_end(struct tc_view *v)
{
    for (size_t i = 0; i < v->nspecs; i++) {
        struct spec_state *s = &v->specs[i];
        struct tc_view_window t = s->open;
        s->open = s->staging;
        s->staging = t;
        window_clear(&s->staging);
    }
}

/* Windows come in order of end: the first one ending after ref_ms is the
 * one to show, and until it comes, the latest so far. */
static int on_open(void *ctx, const struct tc_window *w, const struct tc_row *rows,
                   size_t n, bool first, bool last)
{
    (void)last;
    struct tc_view *v = ctx;
    if (w->spec >= v->nspecs) {
        return 0;
    }
    struct spec_state *s = &v->specs[w->spec];
    if (first) {
        s->skipping = s->decided;
        if (s->skipping) {
            return 0;
        }
        window_start(&s->staging, w);
        s->decided = w->end_ms > v->ref_ms;
    } else if (s->skipping) {
        return 0;
    }
    window_add(&s->staging, rows, n, v->max_rows);
    return 0;
}

static int on_final(void *ctx, const struct tc_window *w, const struct tc_row *rows,
                    size_t n, bool first, bool last)
{
    (void)last;
    struct tc_view *v = ctx;
    if (w->spec >= v->nspecs) {
        return 0;
    }
    struct spec_state *s = &v->specs[w->spec];
    if (first) {
        s->head = s->count == 0 ? 0 : (s->head + 1) % v->history;
        if (s->count < v->history) {
            s->count++;
        }
        window_start(&s->ring[s->head], w);
    }
    window_add(&s->ring[s->head], rows, n, v->max_rows);
    return 0;
}

struct tc_emitter tc_view_snapshot_emitter(struct tc_view *v)
{
    return (struct tc_emitter){.window = on_open, .ctx = v};
}

struct tc_emitter tc_view_finals_emitter(struct tc_view *v)
{
    return (struct tc_emitter){.window = on_final, .ctx = v};
}

/* ---- reading ------------------------------------------------------------ */

size_t tc_view_specs(const struct tc_view *v)
{
    return v->nspecs;
}

const struct tc_view_window *tc_view_open(const struct tc_view *v, size_t spec)
{
    return &v->specs[spec].open;
}

const struct tc_view_window *tc_view_last(const struct tc_view *v, size_t spec)
{
    const struct spec_state *s = &v->specs[spec];
    return &s->ring[s->head]; /* invalid (zeroed) before the first final */
}

uint64_t tc_view_count_of(const struct tc_view_window *w, const char *name, size_t len)
{
    for (size_t i = 0; w->valid && i < w->n; i++) {
        if (w->rows[i].len == len && memcmp(w->rows[i].name, name, len) == 0) {
            return w->rows[i].count;
        }
    }
    return 0;
}

size_t tc_view_history(const struct tc_view *v, size_t spec, const char *name, size_t len,
                       uint64_t *counts, size_t max)
{
    const struct spec_state *s = &v->specs[spec];
    size_t k = s->count < max ? s->count : max;
    for (size_t i = 0; i < k; i++) {
        /* oldest of the k newest first */
        size_t slot = (s->head + v->history - (k - 1 - i)) % v->history;
        counts[i] = tc_view_count_of(&s->ring[slot], name, len);
    }
    return k;
}
