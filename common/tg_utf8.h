/* tg_utf8.h - UTF-8 validation, code point counting and safe truncation.
 * All functions read exactly `len` bytes; NUL is an ordinary byte.
 */
#ifndef TG_UTF8_H
#define TG_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* True when the bytes are well-formed UTF-8 (no overlongs, no surrogates,
 * nothing above U+10FFFF). */
bool tg_utf8_valid(const char *s, size_t len);

/* Number of code points in valid UTF-8 (undefined count for invalid). */
size_t tg_utf8_codepoints(const char *s, size_t len);

/* The largest length <= max_bytes that ends on a code point boundary of the
 * valid UTF-8 string s of length len. */
size_t tg_utf8_truncate(const char *s, size_t len, size_t max_bytes);

#endif
