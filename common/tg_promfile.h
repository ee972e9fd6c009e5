/* tg_promfile.h - a metrics file for node_exporter's textfile collector:
 * the path, the interval it is rewritten at and the exposition buffer
 * (tg_prom.h) both tools' --metrics-file share.  Each tool renders its own
 * families into the buffer and decides when a write is due (tgcount from
 * its wall-clock duties, tgproducer since its last write); this module
 * owns the write: atomically (temporary file and rename), mode 0644,
 * since node_exporter runs as its own user and the file holds nothing
 * but counts.
 */
#ifndef TG_PROMFILE_H
#define TG_PROMFILE_H

#include <stddef.h>
#include <stdint.h>

struct tg_prom;
struct tg_promfile;

/* A file at path (borrowed; must outlive it) rewritten every interval_ms.
 * NULL when out of memory. */
struct tg_promfile *tg_promfile_new(const char *path, int64_t interval_ms);

/* NULL-safe. */
void tg_promfile_free(struct tg_promfile *f);

/* The interval given to tg_promfile_new. */
int64_t tg_promfile_interval_ms(const struct tg_promfile *f);

/* The buffer, emptied, for the caller to render the next write into
 * (owned by f). */
struct tg_prom *tg_promfile_begin(struct tg_promfile *f);

/* Writes what was rendered since tg_promfile_begin.  Returns 0, or -1
 * with "PATH: why" in err. */
int tg_promfile_write(struct tg_promfile *f, char *err, size_t errlen);

#endif
