/* tg_promfile.c - a metrics file rewritten atomically (see tg_promfile.h). */
#include "tg_promfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_fileio.h"
#include "tg_prom.h"

#define TG_PROMFILE_MODE 0644

struct tg_promfile {
    const char *path;
    int64_t interval_ms;
    struct tg_prom *prom;
};

struct tg_promfile *tg_promfile_new(const char *path, int64_t interval_ms)
{
    struct tg_promfile *f = calloc(1, sizeof *f);
    if (f == NULL)
        return NULL;
    f->prom = tg_prom_new();
    if (f->prom == NULL) {
        free(f);
        return NULL;
    }
    f->path = path;
    f->interval_ms = interval_ms;
    return f;
}

void tg_promfile_free(struct tg_promfile *f)
{
    if (f == NULL)
        return;
    tg_prom_free(f->prom);
    free(f);
}

int64_t tg_promfile_interval_ms(const struct tg_promfile *f)
{
    return f->interval_ms;
}

struct tg_prom *tg_promfile_begin(struct tg_promfile *f)
{
    tg_prom_reset(f->prom);
    return f->prom;
}

int tg_promfile_write(struct tg_promfile *f, char *err, size_t errlen)
{
    size_t len;
    const char *text = tg_prom_text(f->prom, &len);
    if (text == NULL) {
        snprintf(err, errlen, "%s: %s", f->path, strerror(errno));
        return -1;
    }
    return tg_file_write_atomic_mode(f->path, text, len, TG_PROMFILE_MODE, err, errlen);
}
