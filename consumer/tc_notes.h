/* tc_notes.h - diagnostic lines recorded on any thread and printed later
 * by one: what a library callback has to say, kept until the caller's own
 * loop can say it.
 *
 * The buffer is bounded.  Debug lines may fill three quarters of it, so
 * that warnings and errors still fit behind a flood of them; a line that
 * does not fit is dropped and counted, and the count is printed with the
 * next flush.  Lines longer than TG_LOG_LINE_MAX are cut, as tg_log cuts
 * them.  Adding takes a lock but never waits for the output: the flush
 * swaps buffers under the lock and prints outside it.
 */
#ifndef TC_NOTES_H
#define TC_NOTES_H

#include <stddef.h>

#include "tg_log.h"

struct tc_notes;

/* A buffer of capacity bytes (each line costs its length plus 2), or NULL
 * when out of memory. */
struct tc_notes *tc_notes_new(size_t capacity);

/* NULL-safe.  No thread may add any more. */
void tc_notes_free(struct tc_notes *notes);

/* Records a line at level, unless log (borrowed; its level must not
 * change meanwhile) would not show it.  Any thread. */
void tc_notes_add(struct tc_notes *notes, const struct tg_log *log,
                  enum tg_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Prints the lines recorded so far to log, in the order they were added,
 * then a warning with the number dropped since the last flush, if any.
 * One thread at a time. */
void tc_notes_flush(struct tc_notes *notes, const struct tg_log *log);

#endif
