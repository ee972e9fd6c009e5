#include "tg_utf8.h"

#include <stdint.h>
#include <string.h>

/* Every byte of a word with none of these bits set is ASCII. */
#define HIGH_BITS UINT64_C(0x8080808080808080)

static bool is_continuation(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

/* Length of the well-formed sequence starting at s[0] (a non-ASCII byte),
 * or 0 when it is not well-formed.  The ranges are those of Unicode's
 * table 3-7: the second byte's range excludes overlongs (E0, F0), the
 * surrogates (ED) and code points above U+10FFFF (F4). */
static size_t sequence_length(const unsigned char *s, size_t avail)
{
    unsigned char c = s[0];
    unsigned char lo = 0x80, hi = 0xBF;
    size_t n;

    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0; /* stray continuation byte, C0/C1 overlong lead, F5-FF */
    }
    if (avail < n || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++) {
        if (!is_continuation(s[i]))
            return 0;
    }
    return n;
}

bool tg_utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;

    while (i < len) {
        /* Text is mostly ASCII: skip it a word at a time. */
        while (len - i >= 8) {
            uint64_t word;
            memcpy(&word, s + i, sizeof word);
            if (word & HIGH_BITS)
                break;
            i += 8;
        }
        if (i >= len)
            break;
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        size_t n = sequence_length(s + i, len - i);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

size_t tg_utf8_codepoints(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t count = 0;

    /* Every code point has exactly one byte that is not a continuation. */
    for (size_t i = 0; i < len; i++)
        count += !is_continuation(s[i]);
    return count;
}

size_t tg_utf8_truncate(const char *str, size_t len, size_t max_bytes)
{
    const unsigned char *s = (const unsigned char *)str;

    if (len <= max_bytes)
        return len;
    /* s[max_bytes] exists; cutting before it is fine unless it continues
     * the code point that started earlier. */
    size_t n = max_bytes;
    while (n > 0 && is_continuation(s[n]))
        n--;
    return n;
}
