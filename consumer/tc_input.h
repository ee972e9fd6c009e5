/* tc_input.h - tgcount's file and stdin input: JSON lines read with large
 * read() calls and split in place, each fed to the pipeline with its own
 * event time driving the watermark.
 *
 * Lines: '\n' ends a line; a '\r' before it is dropped; a missing final
 * newline is fine; NUL bytes are ordinary bytes (the parser rejects them).
 * Blank lines (nothing but spaces, tabs or '\r') are ignored, neither
 * counted nor malformed.  A line longer than --max-record is skipped as
 * malformed without being held in memory whole.  Malformed lines are
 * reported as "tgcount: FILE:LINE: reason" (the first few).
 */
#ifndef TC_INPUT_H
#define TC_INPUT_H

#include <stddef.h>

struct tc_pipeline;
struct tg_log;

/* Reads every file in order ("-" = standard input; no files = standard
 * input) into the pipeline, stopping early on a stop signal.  A file that
 * cannot be opened or read is reported and skipped; the others are still
 * read.  Does not finish the pipeline.  max_record bounds a line.
 * Returns a tg_exit code: TG_EXIT_OK; TG_EXIT_DATAERR when a file could not
 * be read; TG_EXIT_SOFTWARE when memory ran out; -1 when writing the
 * output failed (stop quietly: the reader went away). */
int tc_input_run(struct tc_pipeline *p, char **files, size_t nfiles, size_t max_record,
                 const struct tg_log *log);

/* Splits the bytes of one descriptor into lines and calls fn for each
 * (blank lines included; line excludes the newline and a trailing '\r'),
 * or fn_long for a line longer than max_record (its number only).  Stops
 * when a callback returns non-zero (and returns that), on a read error (-1,
 * errno set), at EOF (0), or on a stop signal (0).  For tests. */
int tc_input_split(int fd, size_t max_record,
                   int (*fn)(void *ctx, const char *line, size_t len, size_t lineno),
                   int (*fn_long)(void *ctx, size_t lineno), void *ctx);

#endif
