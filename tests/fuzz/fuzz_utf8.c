/* fuzz_utf8 - tg_utf8_valid, tg_utf8_codepoints and tg_utf8_truncate
 * against a plain reference decoder.
 *
 * Properties: validity agrees with the reference at every alignment of the
 * word-at-a-time ASCII path; for valid text the code point count agrees,
 * and truncation to every limit returns the largest code point boundary
 * not above the limit; for any bytes, truncation stays within the limit
 * and never reads past the end.
 *
 * fuzz-max-len: 1024
 */
#include "fuzz.h"

#include <stdbool.h>

#include "tg_utf8.h"

/* Decodes one code point the slow, obvious way: read the lead byte's
 * length, collect the payload bits, then reject what Unicode forbids.
 * Returns its length in bytes, or 0 when s does not start one. */
static size_t reference_decode(const unsigned char *s, size_t avail)
{
    size_t n;
    uint32_t cp, min;

    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xE0) == 0xC0) {
        n = 2;
        cp = s[0] & 0x1F;
        min = 0x80;
    } else if ((s[0] & 0xF0) == 0xE0) {
        n = 3;
        cp = s[0] & 0x0F;
        min = 0x800;
    } else if ((s[0] & 0xF8) == 0xF0) {
        n = 4;
        cp = s[0] & 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (avail < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

/* Marks the code point boundaries of s (boundary[len] included) and counts
 * the code points.  Returns false when s is not valid UTF-8. */
static bool reference_scan(const unsigned char *s, size_t len, bool *boundary,
                           size_t *count)
{
    size_t i = 0;

    *count = 0;
    if (boundary != NULL)
        memset(boundary, 0, len + 1);
    while (i < len) {
        size_t n = reference_decode(s + i, len - i);
        if (n == 0)
            return false;
        if (boundary != NULL)
            boundary[i] = true;
        i += n;
        ++*count;
    }
    if (boundary != NULL)
        boundary[len] = true;
    return true;
}

static void check_truncate_valid(const char *s, size_t len, const bool *boundary)
{
    /* Walking max upward, the expected answer is the last boundary seen. */
    size_t last = 0;
    for (size_t max = 0; max <= len + 1; max++) {
        if (max <= len && boundary[max])
            last = max;
        FUZZ_CHECK(tg_utf8_truncate(s, len, max) == last);
    }
}

static void check_truncate_any(const char *s, size_t len)
{
    for (size_t max = 0; max <= len + 1; max++) {
        size_t t = tg_utf8_truncate(s, len, max);
        FUZZ_CHECK(t <= max && t <= len);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_copy(data, size);
    bool *boundary = malloc(size + 1);
    if (s == NULL || boundary == NULL)
        goto out;

    size_t count;
    bool valid = reference_scan(data, size, boundary, &count);
    FUZZ_CHECK(tg_utf8_valid(s, size) == valid);
    for (size_t skip = 1; skip < 8 && skip <= size; skip++) {
        size_t ignored;
        FUZZ_CHECK(tg_utf8_valid(s + skip, size - skip) ==
                   reference_scan(data + skip, size - skip, NULL, &ignored));
    }
    if (valid) {
        FUZZ_CHECK(tg_utf8_codepoints(s, size) == count);
        check_truncate_valid(s, size, boundary);
    } else {
        check_truncate_any(s, size);
    }
out:
    free(boundary);
    free(s);
    return 0;
}
