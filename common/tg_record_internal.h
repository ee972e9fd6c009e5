/* tg_record_internal.h - what the files of the tg_record module share and
 * nothing else may use: the reading contract's range checks, and the scan
 * for the bytes a JSON string cannot hold raw.  The API is tg_record.h.
 */
#ifndef TG_RECORD_INTERNAL_H
#define TG_RECORD_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* The reading contract's checks on the values a reader found (tg_record.h):
 * NULL when they pass, else the message saying why not (a static string). */
const char *tg_record_range_problem(int64_t event_time_ms, bool has_message_id,
                                    int64_t message_id, bool has_user_id,
                                    int64_t user_id);

#define TG_RECORD_ONES UINT64_C(0x0101010101010101)
#define TG_RECORD_HIGHS UINT64_C(0x8080808080808080)

/* True when one of the 8 bytes of w is '"', '\\' or below 0x20 (the
 * classic has-zero-byte test; it may flag bytes after a true hit, never
 * miss one, and the byte loop then decides). */
static inline bool tg_record_word_has_special(uint64_t w)
{
    uint64_t q = w ^ (TG_RECORD_ONES * '"');
    uint64_t b = w ^ (TG_RECORD_ONES * '\\');
    return (((q - TG_RECORD_ONES) & ~q) | ((b - TG_RECORD_ONES) & ~b) |
            ((w - TG_RECORD_ONES * 0x20) & ~w)) &
           TG_RECORD_HIGHS;
}

/* The first byte in [p, end) that is '"', '\\' or below 0x20, or end;
 * *high is set when a byte before it is 0x80 or above (and left alone
 * otherwise), so that only strings that have such bytes are checked for
 * valid UTF-8.  The texts of records are most of their bytes: SSE2 (which
 * x86-64 always has) looks at 16 bytes at a time, about twice as fast as
 * the 8-byte word test, which still handles the rest.  The last bytes are
 * looked at as the last 16 (or 8) before end, overlapping bytes already
 * known to be plain, rather than one by one. */
static inline const char *tg_record_skip_plain(const char *p, const char *end, bool *high)
{
    const char *from = p;
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i space = _mm_set1_epi8(0x20);
    for (;;) {
        const char *at;
        if (end - p >= 16)
            at = p;
        else if (p < end && end - from >= 16)
            at = end - 16;
        else
            break;
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)at);
        unsigned highs = (unsigned)_mm_movemask_epi8(v);
        /* A signed compare: below 0x20 are the controls and 0x80 and up. */
        __m128i hits = _mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
            _mm_cmplt_epi8(v, space));
        unsigned special = (unsigned)_mm_movemask_epi8(hits) & ~highs;
        if (special != 0) {
            unsigned n = (unsigned)__builtin_ctz(special);
            *high |= (highs & ((1u << n) - 1)) != 0;
            return at + n;
        }
        *high |= highs != 0;
        p = at + 16;
    }
#endif
    while (end - p >= 8) {
        uint64_t w;
        memcpy(&w, p, sizeof w);
        if (tg_record_word_has_special(w))
            break;
        *high |= (w & TG_RECORD_HIGHS) != 0;
        p += 8;
    }
    if (end - p < 8 && p < end && end - from >= 8) {
        uint64_t w;
        memcpy(&w, end - 8, sizeof w);
        if (!tg_record_word_has_special(w)) {
            *high |= (w & TG_RECORD_HIGHS) != 0;
            return end;
        }
    }
    for (; p < end; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"' || c == '\\' || c < 0x20)
            return p;
        *high |= c >= 0x80;
    }
    return p;
}

#endif
