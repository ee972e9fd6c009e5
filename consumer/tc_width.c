/* tc_width.c - display width of UTF-8 names, and cutting them to fit. */
#include "tc_width.h"

#include <stdbool.h>
#include <string.h>
#include <wchar.h>

/* One character of s at *pos: its bytes (n of them at s + *pos, or the
 * replacement character) and its width.  Advances *pos. */
struct ch {
    const char *bytes;
    size_t n;
    int width;
};

static struct ch next_char(const char *s, size_t len, size_t *pos)
{
    mbstate_t st;
    memset(&st, 0, sizeof st);
    wchar_t wc;
    size_t r = mbrtowc(&wc, s + *pos, len - *pos, &st);
    if (r == 0) { /* an embedded NUL: a control */
        r = 1;
    }
    int w = r <= len - *pos ? wcwidth(wc) : -1;
    if (r > len - *pos || w < 0 || wc == 0) {
        /* invalid, truncated, or no width: one byte shown as U+FFFD */
        size_t step = r <= len - *pos ? r : 1;
        *pos += step;
        return (struct ch){TC_WIDTH_REPLACEMENT, sizeof TC_WIDTH_REPLACEMENT - 1, 1};
    }
    struct ch c = {s + *pos, r, w};
    *pos += r;
    return c;
}

int tc_width_of(const char *s, size_t len)
{
    int width = 0;
    for (size_t pos = 0; pos < len;) {
        width += next_char(s, len, &pos).width;
    }
    return width;
}

/* Appends the n bytes at b to out if they fit with the NUL. */
static bool put(char *out, size_t outsz, size_t *used, const char *b, size_t n)
{
    if (*used + n + 1 > outsz) {
        return false;
    }
    memcpy(out + *used, b, n);
    *used += n;
    out[*used] = '\0';
    return true;
}

int tc_width_fit(const char *s, size_t len, int cols, char *out, size_t outsz)
{
    if (outsz == 0) {
        return 0;
    }
    out[0] = '\0';
    if (cols <= 0) {
        return 0;
    }
    bool fits = tc_width_of(s, len) <= cols;
    int room = fits ? cols : cols - 1; /* one column kept for the ellipsis */
    size_t used = 0;
    int width = 0;
    for (size_t pos = 0; pos < len;) {
        struct ch c = next_char(s, len, &pos);
        if (width + c.width > room || !put(out, outsz, &used, c.bytes, c.n)) {
            break;
        }
        width += c.width;
    }
    if (!fits &&
        put(out, outsz, &used, TC_WIDTH_ELLIPSIS, sizeof TC_WIDTH_ELLIPSIS - 1)) {
        width++;
    }
    return width;
}
