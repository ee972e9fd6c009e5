/* tc_view.h - the --live view's model: what the screen shows of each
 * window spec, kept apart from the drawing (tc_tui.h) so that it can be
 * tested without a terminal.
 *
 * Per spec it holds:
 *   - the current open window: of the open windows a snapshot hands over
 *     (tc_pipeline_snapshot, provisional), the one that ends first after
 *     the reference time given to tc_view_snapshot_begin (the greatest
 *     event time: for a tumbling spec the window holding the newest
 *     record, for a sliding one the fullest window still open), else the
 *     one that ends last;
 *   - the last final windows, up to `history` of them, newest last: the
 *     last one is shown beside the open one, and all of them give each
 *     user's sparkline.
 * Each window keeps its first max_rows rows (count descending, then name,
 * as the pipeline sorts them).  A user beyond max_rows of a final window
 * counts as 0 in its sparkline.
 *
 * Memory: the view owns every row and a copy of every name; a window's
 * rows stay valid until the next snapshot (open) or until the window
 * leaves the history (final).  The emitters never fail: out of memory,
 * a window keeps the rows it had room for.
 */
#ifndef TC_VIEW_H
#define TC_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_emit.h"

struct tc_view_row {
    char *name; /* owned by the view, NUL-terminated */
    size_t len;
    uint64_t count;
};

struct tc_view_window {
    bool valid; /* false: no such window (yet) */
    int64_t start_ms, end_ms;
    struct tc_view_row *rows;
    size_t n, cap;
};

struct tc_view;

/* A view of nspecs specs (at least 1), keeping max_rows rows (at least 1)
 * per window and history final windows (at least 1) per spec.  NULL when
 * out of memory. */
struct tc_view *tc_view_new(size_t nspecs, size_t max_rows, size_t history);

/* NULL-safe. */
void tc_view_free(struct tc_view *v);

/* Emitters (ctx = v, borrowed): snapshot takes the open windows between
 * tc_view_snapshot_begin and tc_view_snapshot_end; finals takes final
 * windows at any other time.  Windows must come as the pipeline hands
 * them over: in order of end, each in consecutive parts. */
struct tc_emitter tc_view_snapshot_emitter(struct tc_view *v);
struct tc_emitter tc_view_finals_emitter(struct tc_view *v);

/* Starts a snapshot; ref_ms: the greatest event time (INT64_MIN: none). */
void tc_view_snapshot_begin(struct tc_view *v, int64_t ref_ms);

/* Ends it: each spec's open window becomes the one chosen from this
 * snapshot (invalid when it handed over none for that spec). */
void tc_view_snapshot_end(struct tc_view *v);

size_t tc_view_specs(const struct tc_view *v);

/* The current open window and the last final window of spec (borrowed). */
const struct tc_view_window *tc_view_open(const struct tc_view *v, size_t spec);
const struct tc_view_window *tc_view_last(const struct tc_view *v, size_t spec);

/* A row's count for name (name[0..len), borrowed) in w: 0 when absent. */
uint64_t tc_view_count_of(const struct tc_view_window *w, const char *name, size_t len);

/* name's counts in spec's last final windows, oldest first, into counts
 * (up to max, the newest ones when there are more).  Returns how many. */
size_t tc_view_history(const struct tc_view *v, size_t spec, const char *name, size_t len,
                       uint64_t *counts, size_t max);

#endif
