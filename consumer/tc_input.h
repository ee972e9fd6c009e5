/* tc_input.h - tgcount's file and stdin input: JSON lines read with large
 * read() calls and split in place, each fed to the pipeline with its own
 * event time driving the watermark.
 *
 * Lines: '\n' ends a line; a '\r' before it is dropped; a missing final
 * newline is fine; NUL bytes are ordinary bytes (the parser rejects them).
 * Blank lines (nothing but spaces, tabs or '\r') are ignored, neither
 * counted nor malformed.  A line longer than --max-record is skipped as
 * malformed without being held in memory whole.  Malformed and late lines
 * are told as "tgcount: FILE:LINE: reason" (the first few, tc_skips.h).
 */
#ifndef TC_INPUT_H
#define TC_INPUT_H

#include <stddef.h>
#include <stdint.h>

struct tc_pipeline;
struct tc_read_rules;
struct tg_log;

/* Reads every file in order ("-" = standard input; no files = standard
 * input) into the pipeline, stopping early on a stop signal.  A file that
 * cannot be opened or read is reported and skipped; the others are still
 * read.  Does not finish the pipeline.  rules (copied; tc_batch.h) bound
 * a line and its event time.  While a file that is not a regular file (a
 * pipe, FIFO, terminal) is read and has brought no batch of lines for
 * idle_ms, after a first record, the wall clock moves the watermark
 * (tc_pipeline_advance with the time now); idle_ms negative: never.
 * tc_pipeline_tick runs after every batch and every 200 ms without one.
 * Returns a tg_exit code: TG_EXIT_OK; TG_EXIT_DATAERR when a file could not
 * be read; TG_EXIT_SOFTWARE when memory ran out; TG_EXIT_TEMPFAIL when the
 * late file could not be written (said); -1 when writing the output
 * failed (errno says why; EPIPE: the reader went away). */
int tc_input_run(struct tc_pipeline *p, char **files, size_t nfiles,
                 const struct tc_read_rules *rules, int64_t idle_ms,
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
