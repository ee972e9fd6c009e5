#include "tg_prom.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tg_prom {
    char *buf; /* NUL-terminated when len > 0 */
    size_t len, cap;
    int error; /* sticky: 0, EINVAL or ENOMEM */
};

struct tg_prom *tg_prom_new(void)
{
    return calloc(1, sizeof(struct tg_prom));
}

void tg_prom_free(struct tg_prom *pr)
{
    if (pr == NULL)
        return;
    free(pr->buf);
    free(pr);
}

void tg_prom_reset(struct tg_prom *pr)
{
    pr->len = 0;
    pr->error = 0;
    if (pr->buf != NULL)
        pr->buf[0] = '\0';
}

/* ---- the buffer ---------------------------------------------------------- */

static bool reserve(struct tg_prom *pr, size_t more)
{
    if (pr->error != 0)
        return false;
    size_t need = pr->len + more + 1;
    if (need <= pr->cap)
        return true;
    size_t n = pr->cap ? pr->cap : 1024;
    while (n < need)
        n *= 2;
    char *b = realloc(pr->buf, n);
    if (b == NULL) {
        pr->error = ENOMEM;
        return false;
    }
    pr->buf = b;
    pr->cap = n;
    return true;
}

static void put(struct tg_prom *pr, const char *s, size_t n)
{
    if (!reserve(pr, n))
        return;
    memcpy(pr->buf + pr->len, s, n);
    pr->len += n;
    pr->buf[pr->len] = '\0';
}

static void puts_(struct tg_prom *pr, const char *s)
{
    put(pr, s, strlen(s));
}

/* s with backslash and newline escaped, and with quote too when quote. */
static void put_escaped(struct tg_prom *pr, const char *s, bool quote)
{
    for (; *s != '\0'; s++) {
        if (*s == '\\')
            put(pr, "\\\\", 2);
        else if (*s == '\n')
            put(pr, "\\n", 2);
        else if (*s == '"' && quote)
            put(pr, "\\\"", 2);
        else
            put(pr, s, 1);
    }
}

/* ---- names and values ---------------------------------------------------- */

/* [a-zA-Z_:][a-zA-Z0-9_:]* for metrics; without ':' for labels. */
static bool valid_name(const char *s, bool colon)
{
    if (s == NULL || *s == '\0' || (*s >= '0' && *s <= '9'))
        return false;
    for (; *s != '\0'; s++) {
        char c = *s;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c >= '0' && c <= '9') || c == '_' || (colon && c == ':');
        if (!ok)
            return false;
    }
    return true;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

void tg_prom_format_value(double v, char *buf, size_t buflen)
{
    if (isnan(v)) {
        snprintf(buf, buflen, "NaN");
    } else if (isinf(v)) {
        snprintf(buf, buflen, v > 0 ? "+Inf" : "-Inf");
    } else {
        /* %.15g is exact for counters below 10^15 and for timestamps in
         * milliseconds; a value it rounds gets every digit. */
        snprintf(buf, buflen, "%.15g", v);
        if (strtod(buf, NULL) != v)
            snprintf(buf, buflen, "%.17g", v);
    }
}

/* ---- families and samples ------------------------------------------------ */

void tg_prom_family(struct tg_prom *pr, const char *name, enum tg_prom_type type,
                    const char *help)
{
    if (pr->error != 0)
        return;
    if (!valid_name(name, true) ||
        (type == TG_PROM_COUNTER && !ends_with(name, "_total"))) {
        pr->error = EINVAL;
        return;
    }
    puts_(pr, "# HELP ");
    puts_(pr, name);
    puts_(pr, " ");
    put_escaped(pr, help != NULL ? help : "", false);
    puts_(pr, "\n# TYPE ");
    puts_(pr, name);
    puts_(pr, type == TG_PROM_COUNTER ? " counter\n" : " gauge\n");
}

void tg_prom_sample(struct tg_prom *pr, const char *name,
                    const struct tg_prom_label *labels, size_t nlabels, double value)
{
    if (pr->error != 0)
        return;
    if (!valid_name(name, true)) {
        pr->error = EINVAL;
        return;
    }
    for (size_t i = 0; i < nlabels; i++) {
        if (!valid_name(labels[i].name, false) || strncmp(labels[i].name, "__", 2) == 0 ||
            labels[i].value == NULL) {
            pr->error = EINVAL;
            return;
        }
    }
    puts_(pr, name);
    for (size_t i = 0; i < nlabels; i++) {
        puts_(pr, i == 0 ? "{" : ",");
        puts_(pr, labels[i].name);
        puts_(pr, "=\"");
        put_escaped(pr, labels[i].value, true);
        puts_(pr, "\"");
    }
    if (nlabels > 0)
        puts_(pr, "}");
    char v[40];
    tg_prom_format_value(value, v, sizeof v);
    puts_(pr, " ");
    puts_(pr, v);
    puts_(pr, "\n");
}

void tg_prom_metric(struct tg_prom *pr, const char *name, enum tg_prom_type type,
                    const char *help, double value)
{
    tg_prom_family(pr, name, type, help);
    tg_prom_sample(pr, name, NULL, 0, value);
}

const char *tg_prom_text(const struct tg_prom *pr, size_t *len)
{
    if (pr->error != 0) {
        errno = pr->error;
        return NULL;
    }
    *len = pr->len;
    return pr->buf != NULL ? pr->buf : "";
}
