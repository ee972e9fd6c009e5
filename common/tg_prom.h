/* tg_prom.h - metrics in Prometheus' text exposition format (version
 * 0.0.4), as node_exporter's textfile collector reads them: for each
 * metric family a "# HELP" and a "# TYPE" line, then its samples,
 * "name{label="value",...} value".
 *
 * The text is built in a buffer the module owns; the tools decide where it
 * goes (tg_file_write_atomic_mode).  Errors are sticky, so a caller adds
 * every family and sample without checking each, then asks tg_prom_text
 * once: an invalid metric or label name (EINVAL) or running out of memory
 * (ENOMEM) makes it return NULL.
 *
 * Escaping, as the format says: in label values backslash, double quote
 * and newline become \\, \" and \n; in help text backslash and newline.
 * Values: integers print as integers; NaN, +Inf and -Inf as such.
 */
#ifndef TG_PROM_H
#define TG_PROM_H

#include <stddef.h>

enum tg_prom_type {
    TG_PROM_COUNTER, /* only goes up; its name must end in _total */
    TG_PROM_GAUGE,
};

/* One label of a sample: both strings borrowed for the call. */
struct tg_prom_label {
    const char *name;
    const char *value;
};

struct tg_prom;

/* An empty exposition, or NULL when out of memory.  Free with tg_prom_free. */
struct tg_prom *tg_prom_new(void);

/* NULL-safe. */
void tg_prom_free(struct tg_prom *pr);

/* Empties the text and clears a sticky error, keeping the buffer. */
void tg_prom_reset(struct tg_prom *pr);

/* Starts a family: its HELP and TYPE lines.  name must match
 * [a-zA-Z_:][a-zA-Z0-9_:]*, and end in "_total" for a counter; a family
 * must not be started twice (not checked: the caller's names are
 * constants). */
void tg_prom_family(struct tg_prom *pr, const char *name, enum tg_prom_type type,
                    const char *help);

/* One sample of the family started last, named as it is, with nlabels
 * labels (names [a-zA-Z_][a-zA-Z0-9_]*, not starting with "__"). */
void tg_prom_sample(struct tg_prom *pr, const char *name,
                    const struct tg_prom_label *labels, size_t nlabels, double value);

/* A family of one sample without labels: tg_prom_family, tg_prom_sample. */
void tg_prom_metric(struct tg_prom *pr, const char *name, enum tg_prom_type type,
                    const char *help, double value);

/* The text so far (borrowed, NUL-terminated, valid until the next call
 * that changes pr) and its length in *len; NULL with errno EINVAL or
 * ENOMEM after an error. */
const char *tg_prom_text(const struct tg_prom *pr, size_t *len);

/* Writes v as the format wants it into buf (at least 32 bytes):
 * shortest of %.15g / %.17g that reads back as v; "NaN", "+Inf", "-Inf".
 * For the tests. */
void tg_prom_format_value(double v, char *buf, size_t buflen);

#endif
