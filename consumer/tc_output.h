/* tc_output.h - writes tgcount's windows in the three output formats, each
 * window marked final (its counts will not change) or provisional.
 *
 *   text  "# <spec> <start> <end>" then one "username, count" line per row;
 *         a provisional window's header ends in " provisional".
 *         A username that could be taken for a header or another row is
 *         written quoted, as a JSON string literal: one that starts with
 *         '#' or '"', or holds ", ", a control character (U+0000-U+001F,
 *         U+007F-U+009F) or U+2028/U+2029.  In quotes, '"' and '\\' are
 *         escaped, \n \r \t are written so, the other controls and
 *         U+2028/U+2029 as \u and 4 lowercase hex digits; UTF-8 is kept.
 *         Other names are written as they are.
 *   csv   a "window,start,end,username,count,final" header once, then one
 *         line per row, final being true or false; fields quoted as RFC 4180 requires
 * (comma, quote, CR or LF inside), lines end in LF. json  one object per row:
 *         {"window":..,"start":..,"end":..,"username":..,"count":N,
 *          "final":true|false}
 * Times are ISO-8601 UTC ("2024-05-01T12:00:00Z"); a bound outside years
 * 0000-9999 is written as its epoch milliseconds.  The stream is flushed
 * after each window.
 */
#ifndef TC_OUTPUT_H
#define TC_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tc_engine.h"

/* -f, --format. */
enum tc_format {
    TC_FORMAT_TEXT,
    TC_FORMAT_CSV,
    TC_FORMAT_JSON,
};

struct tc_output;

/* out is borrowed.  NULL when out of memory. */
struct tc_output *tc_output_new(FILE *out, enum tc_format format);

/* NULL-safe; does not close the stream. */
void tc_output_free(struct tc_output *o);

/* Writes one final window (spec = the window spec as the user wrote it)
 * and flushes.  Returns 0, or -1 when writing failed (errno set). */
int tc_output_window(struct tc_output *o, const char *spec, int64_t start_ms,
                     int64_t end_ms, const struct tc_row *rows, size_t n);

/* The same for a window, final or provisional, given in consecutive
 * parts: the header goes out with the first part, the flush after the
 * last. */
int tc_output_part(struct tc_output *o, const char *spec, int64_t start_ms,
                   int64_t end_ms, bool final, const struct tc_row *rows, size_t n,
                   bool first, bool last);

/* End of output: writes the csv header if no window was written, so csv
 * output always has one, and flushes.  Returns 0, or -1 on error. */
int tc_output_finish(struct tc_output *o);

#endif
