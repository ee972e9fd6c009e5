/* tc_worker.c - see tc_worker.h.  The batches form a ring; three counters
 * under one mutex say where each is: [released, parsed) are parsed and
 * wait to be taken, [parsed, submitted) wait for the worker, and the rest
 * are free to fill. */
#include "tc_worker.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tc_pipeline.h"
#include "tg_record.h"
#include "tg_signal.h"


struct tc_worker {
    pthread_mutex_t lock;
    pthread_cond_t submitted_cv; /* for the worker: a batch was submitted, or stop */
    pthread_cond_t parsed_cv;    /* for the caller: a batch was parsed */
    struct tc_work *batches;
    size_t nbatches;
    size_t submitted, parsed, released; /* counts since the start */
    bool stopping;
    bool started;
    pthread_t thread;
    struct tg_record_reader *parser;
    size_t max_record;
    void (*release)(void *tag);
};

/* Parses record i of b into b->parsed.  Returns false when memory ran out
 * (the item says so). */
static bool parse_one(struct tc_worker *w, struct tc_work *b, size_t i)
{
    struct tc_item *it;
    if (b->data[i] == NULL) {
        it = tc_batch_add(&b->parsed, TC_ITEM_PASS, "", 0);
        return it->kind != TC_ITEM_NO_MEMORY;
    }
    char why[TC_REASON_MAX];
    struct tg_record_view rec;
    if (b->len[i] > w->max_record) {
        snprintf(why, sizeof why, "record of %zu bytes is larger than --max-record (%zu)",
                 b->len[i], w->max_record);
        it = tc_batch_add(&b->parsed, TC_ITEM_MALFORMED, why, strlen(why));
    } else if (tg_record_read(w->parser, b->data[i], b->len[i], &rec, why, sizeof why) != 0) {
        it = tc_batch_add(&b->parsed, TC_ITEM_MALFORMED, why, strlen(why));
    } else {
        it = tc_batch_add_record(&b->parsed, &rec);
    }
    if (w->release != NULL) {
        w->release(b->tags[i]);
        b->tags[i] = NULL;
    }
    return it->kind != TC_ITEM_NO_MEMORY;
}

static void *worker_main(void *arg)
{
    struct tc_worker *w = arg;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->stopping && w->parsed == w->submitted)
            pthread_cond_wait(&w->submitted_cv, &w->lock);
        if (w->stopping)
            break;
        struct tc_work *b = &w->batches[w->parsed % w->nbatches];
        pthread_mutex_unlock(&w->lock);
        /* A batch's items match its records one to one: after running out
         * of memory the rest are marked as such too. */
        bool ok = true;
        for (size_t i = 0; i < b->count; i++) {
            if (ok)
                ok = parse_one(w, b, i);
            else
                tc_batch_add(&b->parsed, TC_ITEM_NO_MEMORY, "", 0);
        }
        pthread_mutex_lock(&w->lock);
        w->parsed++;
        pthread_cond_broadcast(&w->parsed_cv);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

static void free_batches(struct tc_worker *w)
{
    for (size_t i = 0; w->batches != NULL && i < w->nbatches; i++) {
        free(w->batches[i].data);
        free(w->batches[i].len);
        free(w->batches[i].tags);
        free(w->batches[i].partition);
        free(w->batches[i].offset);
        free(w->batches[i].parsed.items);
        free(w->batches[i].parsed.text);
    }
    free(w->batches);
}

static int alloc_batches(struct tc_worker *w, size_t n)
{
    w->batches = calloc(w->nbatches, sizeof *w->batches);
    if (w->batches == NULL)
        return -1;
    for (size_t i = 0; i < w->nbatches; i++) {
        struct tc_work *b = &w->batches[i];
        b->capacity = n;
        b->data = malloc(n * sizeof *b->data);
        b->len = malloc(n * sizeof *b->len);
        b->tags = malloc(n * sizeof *b->tags);
        b->partition = malloc(n * sizeof *b->partition);
        b->offset = malloc(n * sizeof *b->offset);
        b->parsed.items = malloc(n * sizeof *b->parsed.items);
        b->parsed.capacity = n;
        if (b->data == NULL || b->len == NULL || b->tags == NULL || b->partition == NULL ||
            b->offset == NULL || b->parsed.items == NULL)
            return -1;
    }
    return 0;
}

struct tc_worker *tc_worker_new(size_t nbatches, size_t batch_records, size_t max_record,
                                void (*release)(void *tag))
{
    if (nbatches < 2 || batch_records == 0) {
        errno = EINVAL;
        return NULL;
    }
    struct tc_worker *w = calloc(1, sizeof *w);
    if (w == NULL)
        return NULL;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->submitted_cv, NULL);
    pthread_cond_init(&w->parsed_cv, NULL);
    w->nbatches = nbatches;
    w->max_record = max_record;
    w->release = release;
    w->parser = tg_record_reader_new();
    if (w->parser == NULL || alloc_batches(w, batch_records) != 0) {
        tc_worker_free(w);
        errno = ENOMEM;
        return NULL;
    }
    sigset_t stop_signals, saved;
    tg_signal_stop_set(&stop_signals);
    pthread_sigmask(SIG_BLOCK, &stop_signals, &saved);
    int err = pthread_create(&w->thread, NULL, worker_main, w);
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    if (err != 0) {
        tc_worker_free(w);
        errno = err;
        return NULL;
    }
    w->started = true;
    return w;
}

void tc_worker_free(struct tc_worker *w)
{
    if (w == NULL)
        return;
    if (w->started) {
        pthread_mutex_lock(&w->lock);
        w->stopping = true;
        pthread_cond_broadcast(&w->submitted_cv);
        pthread_mutex_unlock(&w->lock);
        pthread_join(w->thread, NULL);
    }
    free_batches(w);
    tg_record_reader_free(w->parser);
    pthread_cond_destroy(&w->parsed_cv);
    pthread_cond_destroy(&w->submitted_cv);
    pthread_mutex_destroy(&w->lock);
    free(w);
}

struct tc_work *tc_worker_next(struct tc_worker *w)
{
    pthread_mutex_lock(&w->lock);
    struct tc_work *b = NULL;
    if (w->submitted - w->released < w->nbatches)
        b = &w->batches[w->submitted % w->nbatches];
    pthread_mutex_unlock(&w->lock);
    if (b != NULL) {
        b->count = 0;
        b->parsed.count = 0;
        b->parsed.text_len = 0;
    }
    return b;
}

void tc_worker_submit(struct tc_worker *w)
{
    pthread_mutex_lock(&w->lock);
    w->submitted++;
    pthread_cond_signal(&w->submitted_cv);
    pthread_mutex_unlock(&w->lock);
}

size_t tc_worker_in_flight(const struct tc_worker *w)
{
    /* Only the caller's thread moves submitted and released. */
    return w->submitted - w->released;
}

/* The absolute CLOCK_REALTIME time timeout_ms from now, for condition
 * waits (pthread_cond_timedwait's clock by default). */
static struct timespec deadline_in(int timeout_ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

struct tc_work *tc_worker_take(struct tc_worker *w, int timeout_ms)
{
    pthread_mutex_lock(&w->lock);
    if (w->submitted > w->released && w->parsed == w->released && timeout_ms != 0) {
        struct timespec until = deadline_in(timeout_ms > 0 ? timeout_ms : 0);
        while (w->parsed == w->released) {
            int rc = timeout_ms < 0 ? pthread_cond_wait(&w->parsed_cv, &w->lock)
                                    : pthread_cond_timedwait(&w->parsed_cv, &w->lock, &until);
            if (rc == ETIMEDOUT)
                break;
        }
    }
    struct tc_work *b = NULL;
    if (w->parsed > w->released)
        b = &w->batches[w->released % w->nbatches];
    pthread_mutex_unlock(&w->lock);
    return b;
}

void tc_worker_release(struct tc_worker *w)
{
    pthread_mutex_lock(&w->lock);
    w->released++;
    pthread_mutex_unlock(&w->lock);
}
