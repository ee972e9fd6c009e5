/* tc_jsonstr.h - tgcount's one JSON string escaper: the -f json rows and
 * the quoted text names (tc_output.h) and the results topic's messages
 * (tc_results_msg.h) all write their strings with it.
 *
 * The string is written as a JSON string literal, quotes included: '"'
 * and '\\' escaped, \n \r \t written so, the other C0 controls (U+0000
 * included: NUL is an ordinary byte) as \u and 4 hex digits; all other
 * bytes are kept (UTF-8 stays UTF-8; invalid UTF-8 is passed through, the
 * caller validates when it must).  Flags choose the variants:
 *
 *   TC_JSONSTR_ALL_BREAKS  also DEL, the C1 controls U+0080-U+009F and
 *                          U+2028/U+2029 as \u escapes (JSON allows them
 *                          raw; the text format must not hold them raw).
 *   TC_JSONSTR_JANSSON     the bytes jansson's json_dumps writes: \b and \f
 *                          for U+0008 and U+000C, and uppercase hex digits
 *                          (the results topic's messages were built with
 *                          jansson, and keep its exact bytes).
 *
 * Without TC_JSONSTR_JANSSON the hex digits are lowercase and U+0008,
 * U+000C are \u0008, \u000c (the -f json and text output).
 */
#ifndef TC_JSONSTR_H
#define TC_JSONSTR_H

#include <stdbool.h>
#include <stddef.h>

enum {
    TC_JSONSTR_ALL_BREAKS = 1,
    TC_JSONSTR_JANSSON = 2,
};

/* Writes s (len bytes) as a JSON string literal through put, called with
 * ctx and consecutive pieces of the literal (runs of kept bytes in one
 * piece).  put cannot fail here: it records its own failure. */
void tc_jsonstr_write(const char *s, size_t len, unsigned flags,
                      void (*put)(void *ctx, const char *p, size_t n), void *ctx);

/* True for the bytes at s[i] (of len) that start a character
 * TC_JSONSTR_ALL_BREAKS escapes: C0 controls, DEL, the C1 controls
 * U+0080-U+009F (U+0085, NEXT LINE, among them) and the separators U+2028
 * and U+2029, which some readers take for line ends.  *n is set to its
 * length in bytes. */
static inline bool tc_jsonstr_is_break_or_control(const unsigned char *s, size_t len,
                                                  size_t i, size_t *n)
{
    unsigned char c = s[i];
    *n = 1;
    if (c < 0x20 || c == 0x7f) {
        return true;
    }
    if (c == 0xc2 && i + 1 < len && s[i + 1] >= 0x80 && s[i + 1] <= 0x9f) {
        *n = 2;
        return true;
    }
    if (c == 0xe2 && i + 2 < len && s[i + 1] == 0x80 &&
        (s[i + 2] == 0xa8 || s[i + 2] == 0xa9)) {
        *n = 3;
        return true;
    }
    return false;
}

#endif
