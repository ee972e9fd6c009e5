/* tc_tui.h - tgcount --live: the full-screen view (ncursesw) of the model
 * in tc_view.h, and its keys.
 *
 * The screen is drawn on stdout, which must be a terminal; keys are read
 * from /dev/tty, so that stdin can be the data (`producer | tgcount
 * --live`).  Nothing runs on a thread of its own: the pipeline calls the
 * hook (tc_tui_hook) from every tc_pipeline_tick, on the counting thread,
 * and the hook reads the keys waiting, and at most every redraw_ms takes
 * a snapshot of the open windows and redraws.  Final windows reach the
 * model through the hook's finals emitter.
 *
 * Keys: q quits (tg_signal_request_stop: the input loops end as on
 * SIGTERM, and tgcount exits 0), p pauses the drawing (counting goes on),
 * n / N show fewer / more rows, Tab / Shift-Tab focus the next / previous
 * spec, the arrows and Page Up / Down scroll the focused spec's rows.
 * A resize redraws at once (ncurses' SIGWINCH handling).
 *
 * Memory: the tui owns the view, the /dev/tty stream and the ncurses
 * screen; the config's strings and specs are borrowed and must outlive
 * it.  tc_tui_free restores the terminal.
 */
#ifndef TC_TUI_H
#define TC_TUI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_pipeline.h"

struct tg_window_spec;

/* Redraws at most this often: the eye gets a steady picture, and the
 * snapshot (one window per spec, summed and sorted) stays a small cost. */
#define TC_TUI_REDRAW_MS 400
/* Final windows kept per spec for the sparklines. */
#define TC_TUI_HISTORY 12

struct tc_tui_config {
    const struct tg_window_spec *specs; /* in --window order */
    size_t nspecs;
    const char *input;  /* what is read, for the status line: "stdin", ... */
    const char *output; /* --live-output FILE, or NULL */
};

struct tc_tui;

/* Takes over the terminal.  Returns NULL with err ("--live: ...") when
 * /dev/tty cannot be opened, the terminal is unknown to terminfo, or
 * memory ran out; the terminal is then left as it was. */
struct tc_tui *tc_tui_new(const struct tc_tui_config *cfg, char *err, size_t errlen);

/* Restores the terminal and frees everything.  NULL-safe. */
void tc_tui_free(struct tc_tui *t);

/* The hook for struct tc_pipeline_config's live (borrowed from t). */
const struct tc_pipeline_live *tc_tui_hook(struct tc_tui *t);

/* The input ended by itself (EOF, -e) and the pipeline finished: keeps
 * the last windows on screen, the status line saying so, until q or a
 * stop signal, so that a short input does not flash by.  Returns at once
 * when q was pressed already.  p (borrowed) gives the status line. */
void tc_tui_hold(struct tc_tui *t, struct tc_pipeline *p);

/* True once q was pressed. */
bool tc_tui_quit(const struct tc_tui *t);

#endif
