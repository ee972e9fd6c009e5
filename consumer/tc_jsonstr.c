/* tc_jsonstr.c - see tc_jsonstr.h. */
#include "tc_jsonstr.h"

#include <stdio.h>
#include <string.h>

void tc_jsonstr_write(const char *s, size_t len, unsigned flags,
                      void (*put)(void *ctx, const char *p, size_t n), void *ctx)
{
    const unsigned char *u = (const unsigned char *)s;
    const bool all_breaks = (flags & TC_JSONSTR_ALL_BREAKS) != 0;
    const bool jansson = (flags & TC_JSONSTR_JANSSON) != 0;
    size_t run = 0; /* start of the bytes kept as they are, not yet put */
    put(ctx, "\"", 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = u[i];
        /* Printable ASCII other than '"' and '\\' (nearly every byte),
         * and UTF-8 that needs no escape, is kept. */
        if (c >= 0x20 && c != '"' && c != '\\' && (c < 0x7f || !all_breaks)) {
            continue;
        }
        const char *esc = NULL;
        size_t n = 1;
        char seq[8];
        switch (c) {
        case '"':
            esc = "\\\"";
            break;
        case '\\':
            esc = "\\\\";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\r':
            esc = "\\r";
            break;
        case '\t':
            esc = "\\t";
            break;
        case '\b':
            esc = jansson ? "\\b" : NULL;
            break;
        case '\f':
            esc = jansson ? "\\f" : NULL;
            break;
        default:
            break;
        }
        if (esc == NULL) {
            unsigned cp;
            if (c < 0x20) {
                cp = c;
            } else if (tc_jsonstr_is_break_or_control(u, len, i, &n)) {
                /* (all_breaks) DEL is itself; C1 is U+00XX from its
                 * second byte; U+2028/9 from their third. */
                cp = n == 1 ? c : n == 2 ? u[i + 1] : 0x2000u | (u[i + 2] - 0x80u);
            } else {
                continue; /* other UTF-8 is kept */
            }
            snprintf(seq, sizeof seq, jansson ? "\\u%04X" : "\\u%04x", cp);
            esc = seq;
        }
        if (i > run) {
            put(ctx, s + run, i - run);
        }
        put(ctx, esc, strlen(esc));
        i += n - 1;
        run = i + 1;
    }
    if (len > run) {
        put(ctx, s + run, len - run);
    }
    put(ctx, "\"", 1);
}
