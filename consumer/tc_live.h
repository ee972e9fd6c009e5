/* tc_live.h - what tgcount --live sets up around a run: the full-screen
 * view (tc_tui.h), the --live-output file the windows go to instead of
 * stdout, and the diagnostics held back while the screen is drawn.
 *
 * While the view is up, a diagnostic written to stderr would land in the
 * middle of the screen when stderr is the same terminal: the log then
 * writes to a temporary file, copied to stderr once the terminal is
 * restored (tc_live_stop), so every line is still seen, in order, after
 * the view.  A stderr redirected elsewhere is written at once.
 */
#ifndef TC_LIVE_H
#define TC_LIVE_H

#include <stdio.h>

struct tc_options;
struct tc_pipeline_config;
struct tg_log;
struct tc_live;
struct tc_pipeline;

/* Opens --live-output, holds the log back (log->stream changes; log is
 * borrowed and must outlive the live run), takes over the terminal and
 * sets cfg->live, with the stats line at the end.  *out: the stream the
 * pipeline writes windows to (the --live-output file, or NULL).  Returns
 * the live run, or NULL with *status set after telling why on the log
 * (--live-output unopenable: 78; no terminal: 64; memory: 70). */
struct tc_live *tc_live_start(const struct tc_options *opts,
                              struct tc_pipeline_config *cfg, struct tg_log *log,
                              FILE **out, int *status);

/* The input ended by itself: the view stays, with the last final windows,
 * until q or a stop signal (tc_tui_hold).  p is borrowed. */
void tc_live_hold(struct tc_live *l, struct tc_pipeline *p);

/* Restores the terminal, then the log (copying what it held to stderr),
 * and closes --live-output.  Returns status, or 75 when closing the
 * output file failed (told on the log) and status was 0.  NULL-safe
 * (returns status). */
int tc_live_stop(struct tc_live *l, int status);

#endif
