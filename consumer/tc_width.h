/* tc_width.h - usernames cut to a number of terminal columns, for the
 * --live view: names are Cyrillic, CJK and emoji, so a column is as wide
 * as its characters are on screen (wcwidth), not as long as their bytes.
 *
 * Characters are decoded with mbrtowc, so the locale's LC_CTYPE must be
 * UTF-8 (tc_tui.h sees to it).  A byte that does not start a valid
 * character, and a character without a width (a control), is shown as
 * U+FFFD, one column wide.  Nothing here allocates.
 */
#ifndef TC_WIDTH_H
#define TC_WIDTH_H

#include <stddef.h>

/* The replacement character and the ellipsis, in UTF-8, one column each. */
#define TC_WIDTH_REPLACEMENT "\xef\xbf\xbd"
#define TC_WIDTH_ELLIPSIS "\xe2\x80\xa6"

/* Bytes out needs for any name fitted into cols columns: a column is at
 * most 4 bytes, and a zero-width character may follow each. */
#define TC_WIDTH_BYTES(cols) ((size_t)(cols)*8 + 8)

/* Display width of s[0..len) (borrowed) as tc_width_fit would show it. */
int tc_width_of(const char *s, size_t len);

/* Writes to out (outsz bytes, NUL-terminated; out is the caller's) what of
 * s[0..len) fits in cols columns: all of it when it fits, else its longest
 * start that fits in cols - 1 columns followed by an ellipsis.  Stops
 * early, at a character boundary, when out is full.  Returns the number
 * of columns written (0 when cols <= 0). */
int tc_width_fit(const char *s, size_t len, int cols, char *out, size_t outsz);

#endif
