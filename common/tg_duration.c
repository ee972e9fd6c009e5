#include "tg_duration.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Units from the largest down: a compound duration must use them in this
 * order, each at most once. */
static const struct {
    const char *name;
    int64_t ms;
} units[] = {
    {"d", INT64_C(86400000)}, {"h", INT64_C(3600000)}, {"m", INT64_C(60000)},
    {"s", INT64_C(1000)},     {"ms", INT64_C(1)},
};
#define UNIT_COUNT (sizeof units / sizeof units[0])

/* The unit at text, longest name first ("ms" before "m"), or -1. */
static int match_unit(const char *text, size_t *name_len)
{
    int found = -1;
    size_t best = 0;
    for (size_t i = 0; i < UNIT_COUNT; i++) {
        size_t n = strlen(units[i].name);
        if (n > best && strncmp(text, units[i].name, n) == 0) {
            found = (int)i;
            best = n;
        }
    }
    *name_len = best;
    return found;
}

/* Digits alone, read as seconds.  Returns 0, or -1 with err set. */
static int parse_bare_seconds(const char *text, int64_t *total, char *err, size_t errlen)
{
    int64_t seconds = 0;
    for (const char *p = text; *p != '\0'; p++) {
        if (seconds > (INT64_MAX / 1000 - (*p - '0')) / 10) {
            snprintf(err, errlen, "duration \"%s\" is too large", text);
            return -1;
        }
        seconds = seconds * 10 + (*p - '0');
    }
    *total = seconds * 1000;
    return 0;
}

/* Number-and-unit parts ("1m30s").  Returns 0, or -1 with err set. */
static int parse_units(const char *text, int64_t *out, char *err, size_t errlen)
{
    const char *p = text;
    int64_t total = 0;
    int next_unit = 0; /* units before this index are used up */
    while (*p != '\0') {
        if (*p < '0' || *p > '9') {
            snprintf(err, errlen, "invalid duration \"%s\": expected a number", text);
            return -1;
        }
        int64_t value = 0;
        bool too_big = false;
        for (; *p >= '0' && *p <= '9'; p++) {
            if (value > (INT64_MAX - (*p - '0')) / 10)
                too_big = true;
            else
                value = value * 10 + (*p - '0');
        }
        size_t name_len;
        int unit = match_unit(p, &name_len);
        if (unit < 0) {
            snprintf(err, errlen,
                     "invalid duration \"%s\": expected a unit (ms, s, m, h or d)", text);
            return -1;
        }
        if (unit < next_unit) {
            snprintf(err, errlen,
                     "invalid duration \"%s\": units must go from largest to smallest, "
                     "each once",
                     text);
            return -1;
        }
        if (too_big || value > (INT64_MAX - total) / units[unit].ms) {
            snprintf(err, errlen, "duration \"%s\" is too large", text);
            return -1;
        }
        total += value * units[unit].ms;
        next_unit = unit + 1;
        p += name_len;
    }
    *out = total;
    return 0;
}

int tg_duration_parse_flags(const char *text, unsigned flags, int64_t *ms, char *err,
                            size_t errlen)
{
    if (text == NULL || *text == '\0') {
        snprintf(err, errlen, "empty duration");
        return -1;
    }
    if (*text == '-') {
        snprintf(err, errlen, "negative duration \"%s\"", text);
        return -1;
    }
    int64_t total;
    bool bare =
        (flags & TG_DURATION_BARE_SECONDS) && text[strspn(text, "0123456789")] == '\0';
    int rc = bare ? parse_bare_seconds(text, &total, err, errlen)
                  : parse_units(text, &total, err, errlen);
    if (rc != 0) {
        return -1;
    }
    if (total == 0 && !(flags & TG_DURATION_ZERO_OK)) {
        snprintf(err, errlen, "duration \"%s\" must be positive", text);
        return -1;
    }
    *ms = total;
    return 0;
}

int tg_duration_parse(const char *text, int64_t *ms, char *err, size_t errlen)
{
    return tg_duration_parse_flags(text, 0, ms, err, errlen);
}

int tg_duration_format(int64_t ms, char *buf, size_t buflen)
{
    if (ms <= 0 || buf == NULL || buflen == 0)
        return -1;
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < UNIT_COUNT; i++) {
        int64_t count = ms / units[i].ms;
        ms %= units[i].ms;
        if (count == 0)
            continue;
        int n =
            snprintf(buf + len, buflen - len, "%lld%s", (long long)count, units[i].name);
        if (n < 0 || (size_t)n >= buflen - len)
            return -1;
        len += (size_t)n;
    }
    return (int)len;
}

int tg_window_spec_parse(const char *text, struct tg_window_spec *spec, char *err,
                         size_t errlen)
{
    return tg_window_spec_parse_flags(text, 0, spec, err, errlen);
}

int tg_window_spec_parse_flags(const char *text, unsigned flags,
                               struct tg_window_spec *spec, char *err, size_t errlen)
{
    flags &= ~(unsigned)TG_DURATION_ZERO_OK;
    if (text == NULL || *text == '\0') {
        snprintf(err, errlen, "empty window specification");
        return -1;
    }
    size_t len = strlen(text);
    if (len >= sizeof spec->text) {
        snprintf(err, errlen, "window specification longer than %zu characters",
                 sizeof spec->text - 1);
        return -1;
    }
    char size_text[TG_WINDOW_SPEC_TEXT_MAX];
    memcpy(size_text, text, len + 1);
    char *slide_text = strchr(size_text, '/');
    if (slide_text != NULL)
        *slide_text++ = '\0';

    char why[128];
    int64_t size_ms, slide_ms;
    if (tg_duration_parse_flags(size_text, flags, &size_ms, why, sizeof why) != 0) {
        snprintf(err, errlen, "window \"%s\": size: %s", text, why);
        return -1;
    }
    if (slide_text == NULL) {
        slide_ms = size_ms;
    } else if (tg_duration_parse_flags(slide_text, flags, &slide_ms, why, sizeof why) !=
               0) {
        snprintf(err, errlen, "window \"%s\": slide: %s", text, why);
        return -1;
    }
    if (slide_ms > size_ms) {
        snprintf(err, errlen, "window \"%s\": slide larger than the size", text);
        return -1;
    }
    spec->size_ms = size_ms;
    spec->slide_ms = slide_ms;
    memcpy(spec->text, text, len + 1);
    return 0;
}

int64_t tg_gcd(int64_t a, int64_t b)
{
    while (b != 0) {
        int64_t r = a % b;
        a = b;
        b = r;
    }
    return a;
}
