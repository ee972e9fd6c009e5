/* tc_batchq.c - see tc_batchq.h.
 *
 * The batches form a ring and move round it in order, so five counters
 * under one mutex say where each one is: [released, taken) are held by the
 * taker, [taken, ready) wait to be taken, [ready, published) wait for the
 * stage, [published, handed) are held by the filler, and the rest are
 * free.  Batch number i is batches[i % nbatches]. */
#include "tc_batchq.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tg_signal.h"

struct tc_batchq {
    pthread_mutex_t lock;
    pthread_cond_t changed; /* a counter moved, or the queue ended */
    struct tc_batch *batches;
    size_t nbatches;
    size_t handed, published, ready, taken, released; /* counts since the start */
    bool closed, cancelled, stopping;
    int cancel_pipe[2];
    struct tc_batchq_stage stage;
    bool has_stage, stage_started;
    pthread_t stage_thread;
};

static struct tc_batch *batch_at(struct tc_batchq *q, size_t i)
{
    return &q->batches[i % q->nbatches];
}

static void *stage_main(void *arg)
{
    struct tc_batchq *q = arg;
    pthread_mutex_lock(&q->lock);
    for (;;) {
        while (!q->stopping && q->ready == q->published)
            pthread_cond_wait(&q->changed, &q->lock);
        if (q->stopping)
            break;
        struct tc_batch *b = batch_at(q, q->ready);
        pthread_mutex_unlock(&q->lock);
        q->stage.run(q->stage.ctx, b);
        pthread_mutex_lock(&q->lock);
        q->ready++;
        pthread_cond_broadcast(&q->changed);
    }
    pthread_mutex_unlock(&q->lock);
    return NULL;
}

/* Starts the stage's thread with the stop signals blocked.  Returns 0 or
 * an errno. */
static int start_stage(struct tc_batchq *q)
{
    sigset_t stop_signals, saved;
    tg_signal_stop_set(&stop_signals);
    pthread_sigmask(SIG_BLOCK, &stop_signals, &saved);
    int err = pthread_create(&q->stage_thread, NULL, stage_main, q);
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    q->stage_started = err == 0;
    return err;
}

/* The wait condition's clock is the monotonic one, so that a timed take
 * does not move with the wall clock. */
static int init_sync(struct tc_batchq *q)
{
    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0)
        return ENOMEM;
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    int err = pthread_cond_init(&q->changed, &attr);
    pthread_condattr_destroy(&attr);
    if (err == 0)
        pthread_mutex_init(&q->lock, NULL);
    return err;
}

struct tc_batchq *tc_batchq_new(size_t nbatches, size_t batch_items,
                                const struct tc_batchq_stage *stage)
{
    if (nbatches < 2 || batch_items == 0 || (stage != NULL && stage->run == NULL)) {
        errno = EINVAL;
        return NULL;
    }
    struct tc_batchq *q = calloc(1, sizeof *q);
    if (q == NULL)
        return NULL;
    q->cancel_pipe[0] = q->cancel_pipe[1] = -1;
    int err = init_sync(q);
    if (err != 0) {
        free(q);
        errno = err;
        return NULL;
    }
    q->nbatches = nbatches;
    q->batches = calloc(nbatches, sizeof *q->batches);
    err = q->batches == NULL ? ENOMEM : 0;
    for (size_t i = 0; err == 0 && i < nbatches; i++)
        err = tc_batch_init(&q->batches[i], batch_items) == 0 ? 0 : ENOMEM;
    if (err == 0 && pipe2(q->cancel_pipe, O_CLOEXEC) != 0)
        err = errno;
    if (err == 0 && stage != NULL) {
        q->stage = *stage;
        q->has_stage = true;
        err = start_stage(q);
    }
    if (err != 0) {
        tc_batchq_free(q);
        errno = err;
        return NULL;
    }
    return q;
}

void tc_batchq_free(struct tc_batchq *q)
{
    if (q == NULL)
        return;
    if (q->stage_started) {
        pthread_mutex_lock(&q->lock);
        q->stopping = true;
        pthread_cond_broadcast(&q->changed);
        pthread_mutex_unlock(&q->lock);
        pthread_join(q->stage_thread, NULL);
    }
    for (size_t i = 0; q->batches != NULL && i < q->nbatches; i++)
        tc_batch_clear(&q->batches[i]);
    free(q->batches);
    for (int i = 0; i < 2; i++) {
        if (q->cancel_pipe[i] >= 0)
            close(q->cancel_pipe[i]);
    }
    pthread_cond_destroy(&q->changed);
    pthread_mutex_destroy(&q->lock);
    free(q);
}

/* ---- the filler's side -------------------------------------------------- */

struct tc_batch *tc_batchq_empty(struct tc_batchq *q, bool wait)
{
    pthread_mutex_lock(&q->lock);
    while (wait && !q->cancelled && q->handed - q->released == q->nbatches)
        pthread_cond_wait(&q->changed, &q->lock);
    struct tc_batch *b = NULL;
    if (!q->cancelled && q->handed - q->released < q->nbatches)
        b = batch_at(q, q->handed++);
    pthread_mutex_unlock(&q->lock);
    if (b != NULL)
        tc_batch_reset(b);
    return b;
}

void tc_batchq_publish(struct tc_batchq *q, struct tc_batch *b)
{
    (void)b; /* it is batch number published: they go round in order */
    pthread_mutex_lock(&q->lock);
    q->published++;
    if (!q->has_stage)
        q->ready = q->published;
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->lock);
}

void tc_batchq_close(struct tc_batchq *q)
{
    pthread_mutex_lock(&q->lock);
    q->closed = true;
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->lock);
}

int tc_batchq_cancel_fd(const struct tc_batchq *q)
{
    return q->cancel_pipe[0];
}

/* ---- the taker's side --------------------------------------------------- */

/* The monotonic time timeout_ms from now. */
static struct timespec deadline_in(int timeout_ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

struct tc_batch *tc_batchq_take(struct tc_batchq *q, int timeout_ms)
{
    struct timespec until = deadline_in(timeout_ms > 0 ? timeout_ms : 0);
    struct tc_batch *b = NULL;
    pthread_mutex_lock(&q->lock);
    for (;;) {
        if (q->cancelled)
            break;
        if (q->taken < q->ready) {
            b = batch_at(q, q->taken++);
            break;
        }
        bool none_coming = q->taken == q->published && (q->closed || q->has_stage);
        if (none_coming || timeout_ms == 0)
            break;
        int rc = timeout_ms < 0 ? pthread_cond_wait(&q->changed, &q->lock)
                                : pthread_cond_timedwait(&q->changed, &q->lock, &until);
        if (rc == ETIMEDOUT)
            timeout_ms = 0; /* one last look, then give up */
    }
    pthread_mutex_unlock(&q->lock);
    return b;
}

bool tc_batchq_over(struct tc_batchq *q)
{
    pthread_mutex_lock(&q->lock);
    bool over = q->cancelled || (q->closed && q->taken == q->published);
    pthread_mutex_unlock(&q->lock);
    return over;
}

void tc_batchq_give_back(struct tc_batchq *q, struct tc_batch *b)
{
    (void)b; /* it is batch number released: they go round in order */
    pthread_mutex_lock(&q->lock);
    q->released++;
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->lock);
}

void tc_batchq_cancel(struct tc_batchq *q)
{
    pthread_mutex_lock(&q->lock);
    bool first = !q->cancelled;
    q->cancelled = true;
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->lock);
    if (first) {
        ssize_t n;
        do {
            n = write(q->cancel_pipe[1], "x", 1);
        } while (n < 0 && errno == EINTR);
    }
}

size_t tc_batchq_in_flight(struct tc_batchq *q)
{
    pthread_mutex_lock(&q->lock);
    size_t n = q->published - q->released;
    pthread_mutex_unlock(&q->lock);
    return n;
}
