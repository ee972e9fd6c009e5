/* tc_notes.c - see tc_notes.h.  Lines wait as <level byte><text>NUL
 * entries in one of two buffers of the same size. */
#include "tc_notes.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lines {
    char *data;
    size_t len;
};

struct tc_notes {
    pthread_mutex_t lock; /* adding, dropped, and the swap */
    struct lines adding;
    size_t dropped;
    struct lines printing; /* the flushing thread's */
    size_t capacity;
};

struct tc_notes *tc_notes_new(size_t capacity)
{
    struct tc_notes *notes = calloc(1, sizeof *notes);
    if (notes == NULL)
        return NULL;
    notes->adding.data = malloc(capacity);
    notes->printing.data = malloc(capacity);
    if (notes->adding.data == NULL || notes->printing.data == NULL) {
        free(notes->adding.data);
        free(notes->printing.data);
        free(notes);
        return NULL;
    }
    notes->capacity = capacity;
    pthread_mutex_init(&notes->lock, NULL);
    return notes;
}

void tc_notes_free(struct tc_notes *notes)
{
    if (notes == NULL)
        return;
    pthread_mutex_destroy(&notes->lock);
    free(notes->adding.data);
    free(notes->printing.data);
    free(notes);
}

void tc_notes_add(struct tc_notes *notes, const struct tg_log *log,
                  enum tg_log_level level, const char *fmt, ...)
{
    if (level > log->level)
        return;
    char text[TG_LOG_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof text ? (size_t)n : sizeof text - 1;
    size_t limit = level == TG_LOG_DEBUG ? notes->capacity / 4 * 3 : notes->capacity;

    pthread_mutex_lock(&notes->lock);
    if (notes->adding.len + len + 2 <= limit) {
        char *at = notes->adding.data + notes->adding.len;
        at[0] = (char)level;
        memcpy(at + 1, text, len);
        at[1 + len] = '\0';
        notes->adding.len += len + 2;
    } else {
        notes->dropped++;
    }
    pthread_mutex_unlock(&notes->lock);
}

void tc_notes_flush(struct tc_notes *notes, const struct tg_log *log)
{
    pthread_mutex_lock(&notes->lock);
    struct lines full = notes->adding;
    notes->adding = notes->printing;
    size_t dropped = notes->dropped;
    notes->dropped = 0;
    pthread_mutex_unlock(&notes->lock);

    for (size_t at = 0; at < full.len;) {
        const char *text = full.data + at + 1;
        tg_log_msg(log, (enum tg_log_level)full.data[at], "%s", text);
        at += strlen(text) + 2;
    }
    full.len = 0;
    notes->printing = full;
    if (dropped > 0)
        tg_log_warn(log, "%zu diagnostic line%s dropped: they came faster than printed",
                    dropped, dropped == 1 ? "" : "s");
}
