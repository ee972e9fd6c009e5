/* tg_number.h - whole numbers from command-line text, strictly: the whole
 * string, base 10, no leading white space, within a range.  (strtoll alone
 * accepts " 5", "5x" as 5 with a check forgotten, and "-1" as a huge
 * unsigned value.)
 */
#ifndef TG_NUMBER_H
#define TG_NUMBER_H

#include <stdint.h>

/* Parses an optionally signed decimal integer in [min, max].
 * Returns 0 and sets *out, or -1 (nothing set). */
int tg_parse_int64(const char *text, int64_t min, int64_t max, int64_t *out);

/* Parses an unsigned decimal integer (digits only, no sign).
 * Returns 0 and sets *out, or -1 (nothing set). */
int tg_parse_uint64(const char *text, uint64_t *out);

#endif
