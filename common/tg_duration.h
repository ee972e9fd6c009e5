/* tg_duration.h - durations ("250ms", "30s", "1m", "10m", "1h") and window
 * specifications ("1m" tumbling, "10m/30s" sliding).
 */
#ifndef TG_DURATION_H
#define TG_DURATION_H

#include <stddef.h>
#include <stdint.h>

/* Longest window spec text kept verbatim, NUL included. */
#define TG_WINDOW_SPEC_TEXT_MAX 48

/* Parses a positive whole number followed by a unit: ms, s, m, h or d.
 * Compound forms such as "1m30s" are accepted (each unit at most once, in
 * decreasing order).  Zero, negative, unit-less, overflowing (more than
 * INT64_MAX ms) and malformed values are rejected.
 * Returns 0 and sets *ms, or -1 with a message in err. */
int tg_duration_parse(const char *text, int64_t *ms, char *err, size_t errlen);

/* What tg_duration_parse_flags accepts beyond tg_duration_parse's forms. */
enum tg_duration_flags {
    /* Digits alone are a number of seconds: "60" is 60 s, as "60s". */
    TG_DURATION_BARE_SECONDS = 1 << 0,
    /* A total of zero ("0s", "0ms", and "0" with BARE_SECONDS) is valid. */
    TG_DURATION_ZERO_OK = 1 << 1,
};

/* tg_duration_parse with the forms flags (enum tg_duration_flags) allow;
 * every other rule and message is the same.
 * Returns 0 and sets *ms, or -1 with a message in err. */
int tg_duration_parse_flags(const char *text, unsigned flags, int64_t *ms, char *err,
                            size_t errlen);

/* Formats ms exactly, in the canonical form the parser reads back: each
 * non-zero unit once, largest first (90000 -> "1m30s", 1500 -> "1s500ms",
 * 86400000 -> "1d").  Returns the length, or -1 when ms <= 0 or buf is too
 * small. */
int tg_duration_format(int64_t ms, char *buf, size_t buflen);

/* A window: tumbling when slide_ms == size_ms.  `text` keeps the spec as
 * the user wrote it, for output headers. */
struct tg_window_spec {
    int64_t size_ms;
    int64_t slide_ms;
    char text[TG_WINDOW_SPEC_TEXT_MAX];
};

/* Parses "SIZE" or "SIZE/SLIDE" (e.g. "45s/20s": windows of 45 s starting
 * every 20 s; the size need not be a multiple of the slide).  Rejects a
 * slide larger than the size and anything tg_duration_parse rejects.
 * Returns 0 and fills *spec, or -1 with a message in err. */
int tg_window_spec_parse(const char *text, struct tg_window_spec *spec, char *err,
                         size_t errlen);

/* tg_window_spec_parse with the size and slide read by
 * tg_duration_parse_flags (TG_DURATION_BARE_SECONDS: "60/30" is "60s/30s").
 * TG_DURATION_ZERO_OK is ignored: a window is never empty. */
int tg_window_spec_parse_flags(const char *text, unsigned flags,
                               struct tg_window_spec *spec, char *err, size_t errlen);

/* Greatest common divisor of two positive values (the pane size of a set
 * of windows is the gcd of all sizes and slides). */
int64_t tg_gcd(int64_t a, int64_t b);

#endif
