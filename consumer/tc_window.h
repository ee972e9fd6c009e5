/* tc_window.h - window arithmetic shared by the task (which panes are
 * live) and emission (which windows to emit).
 *
 * Windows of a spec (size S, slide D) are [k*D, k*D + S) for every integer
 * k, aligned to the Unix epoch; k is the window's number.  Panes are
 * [p*P, (p+1)*P) for the pane size P, the gcd of every size and slide, so
 * every window is a whole number of panes.
 */
#ifndef TC_WINDOW_H
#define TC_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tg_duration.h"
#include "tg_time.h"

/* One window: index into the specs, and its bounds; final when this
 * emission of it is its final one (the watermark passed its end, or the
 * input is complete), false when it is provisional (an open window printed
 * at a trigger or at a stop). */
struct tc_window {
    size_t spec;
    int64_t start_ms;
    int64_t end_ms;
    bool final;
};

/* The windows being counted: validated by the engine (tc_engine_new),
 * then only read. */
struct tc_window_set {
    const struct tg_window_spec *specs; /* borrowed from the engine's caller */
    size_t nspecs;
    int64_t pane_ms; /* gcd of every size and slide */
};

/* The number of the first window of spec s still open under watermark w
 * (a window is final once end <= w). */
static inline int64_t tc_window_first_open(const struct tg_window_spec *s, int64_t w)
{
    return tg_floor_div(w - s->size_ms, s->slide_ms) + 1;
}

/* The most windows of spec s that contain one instant: ceil(size / slide).
 * Emission enumerates, for each live pane, every window containing it, so
 * this (summed over the specs) is what one record can cost. */
static inline int64_t tc_window_overlap(const struct tg_window_spec *s)
{
    return (s->size_ms + s->slide_ms - 1) / s->slide_ms;
}

/* The pane holding event time t. */
static inline int64_t tc_window_pane(const struct tc_window_set *ws, int64_t t)
{
    return tg_floor_div(t, ws->pane_ms);
}

/* The oldest live pane under watermark w: the first pane that a window
 * still open under w (end > w) contains, over every spec; INT64_MIN while
 * w is minus infinity.  The live panes are the suffix from it. */
static inline int64_t tc_window_oldest_live(const struct tc_window_set *ws, int64_t w)
{
    if (w == INT64_MIN) {
        return INT64_MIN;
    }
    int64_t best = INT64_MAX;
    for (size_t i = 0; i < ws->nspecs; i++) {
        const struct tg_window_spec *s = &ws->specs[i];
        int64_t p = tc_window_pane(ws, tc_window_first_open(s, w) * s->slide_ms);
        if (p < best) {
            best = p;
        }
    }
    return best;
}

#endif
