/* tc_handoff.c - see tc_handoff.h.  Two rings of batch pointers (empty and
 * published) under one mutex; a batch is in exactly one ring or held by
 * exactly one thread. */
#include "tc_handoff.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct ring {
    struct tc_batch **slots;
    size_t head, count;
};

struct tc_handoff {
    pthread_mutex_t lock;
    pthread_cond_t changed; /* a batch was published or given back, or the end */
    struct tc_batch *batches;
    size_t nbatches;
    struct ring empty, published;
    bool closed, cancelled;
    int cancel_pipe[2];
};

static void ring_push(struct ring *r, size_t size, struct tc_batch *b)
{
    r->slots[(r->head + r->count) % size] = b;
    r->count++;
}

static struct tc_batch *ring_pop(struct ring *r, size_t size)
{
    struct tc_batch *b = r->slots[r->head];
    r->head = (r->head + 1) % size;
    r->count--;
    return b;
}

struct tc_handoff *tc_handoff_new(size_t nbatches, size_t batch_items)
{
    if (nbatches < 2 || batch_items == 0) {
        errno = EINVAL;
        return NULL;
    }
    struct tc_handoff *h = calloc(1, sizeof *h);
    if (h == NULL)
        return NULL;
    pthread_mutex_init(&h->lock, NULL);
    pthread_cond_init(&h->changed, NULL);
    h->cancel_pipe[0] = h->cancel_pipe[1] = -1;
    h->nbatches = nbatches;
    h->batches = calloc(nbatches, sizeof *h->batches);
    h->empty.slots = calloc(nbatches, sizeof *h->empty.slots);
    h->published.slots = calloc(nbatches, sizeof *h->published.slots);
    if (h->batches == NULL || h->empty.slots == NULL || h->published.slots == NULL ||
        pipe2(h->cancel_pipe, O_CLOEXEC) != 0) {
        tc_handoff_free(h);
        return NULL;
    }
    for (size_t i = 0; i < nbatches; i++) {
        struct tc_batch *b = &h->batches[i];
        b->items = malloc(batch_items * sizeof *b->items);
        if (b->items == NULL) {
            tc_handoff_free(h);
            return NULL;
        }
        b->capacity = batch_items;
        ring_push(&h->empty, nbatches, b);
    }
    return h;
}

void tc_handoff_free(struct tc_handoff *h)
{
    if (h == NULL)
        return;
    pthread_mutex_destroy(&h->lock);
    pthread_cond_destroy(&h->changed);
    for (size_t i = 0; h->batches != NULL && i < h->nbatches; i++) {
        free(h->batches[i].items);
        free(h->batches[i].text);
    }
    free(h->batches);
    free(h->empty.slots);
    free(h->published.slots);
    for (int i = 0; i < 2; i++) {
        if (h->cancel_pipe[i] >= 0)
            close(h->cancel_pipe[i]);
    }
    free(h);
}

struct tc_batch *tc_handoff_empty(struct tc_handoff *h)
{
    pthread_mutex_lock(&h->lock);
    while (!h->cancelled && h->empty.count == 0)
        pthread_cond_wait(&h->changed, &h->lock);
    struct tc_batch *b = h->cancelled ? NULL : ring_pop(&h->empty, h->nbatches);
    pthread_mutex_unlock(&h->lock);
    if (b != NULL) {
        b->count = 0;
        b->text_len = 0;
    }
    return b;
}

void tc_handoff_publish(struct tc_handoff *h, struct tc_batch *b)
{
    pthread_mutex_lock(&h->lock);
    ring_push(&h->published, h->nbatches, b);
    pthread_cond_broadcast(&h->changed);
    pthread_mutex_unlock(&h->lock);
}

void tc_handoff_close(struct tc_handoff *h)
{
    pthread_mutex_lock(&h->lock);
    h->closed = true;
    pthread_cond_broadcast(&h->changed);
    pthread_mutex_unlock(&h->lock);
}

int tc_handoff_cancel_fd(const struct tc_handoff *h)
{
    return h->cancel_pipe[0];
}

struct tc_batch *tc_handoff_take(struct tc_handoff *h)
{
    pthread_mutex_lock(&h->lock);
    while (!h->cancelled && !h->closed && h->published.count == 0)
        pthread_cond_wait(&h->changed, &h->lock);
    struct tc_batch *b = NULL;
    if (!h->cancelled && h->published.count > 0)
        b = ring_pop(&h->published, h->nbatches);
    pthread_mutex_unlock(&h->lock);
    return b;
}

void tc_handoff_give_back(struct tc_handoff *h, struct tc_batch *b)
{
    pthread_mutex_lock(&h->lock);
    ring_push(&h->empty, h->nbatches, b);
    pthread_cond_broadcast(&h->changed);
    pthread_mutex_unlock(&h->lock);
}

void tc_handoff_cancel(struct tc_handoff *h)
{
    pthread_mutex_lock(&h->lock);
    bool first = !h->cancelled;
    h->cancelled = true;
    pthread_cond_broadcast(&h->changed);
    pthread_mutex_unlock(&h->lock);
    if (first) {
        ssize_t n;
        do {
            n = write(h->cancel_pipe[1], "x", 1);
        } while (n < 0 && errno == EINTR);
    }
}

/* Room for need more bytes of text; false when out of memory. */
static bool reserve_text(struct tc_batch *b, size_t need)
{
    if (b->text_capacity - b->text_len >= need)
        return true;
    size_t cap = b->text_capacity ? b->text_capacity : 4096;
    while (cap - b->text_len < need) {
        if (cap > SIZE_MAX / 2)
            return false;
        cap *= 2;
    }
    char *text = realloc(b->text, cap);
    if (text == NULL)
        return false;
    b->text = text;
    b->text_capacity = cap;
    return true;
}

struct tc_item *tc_batch_add(struct tc_batch *b, enum tc_item_kind kind, const char *text,
                             size_t len)
{
    if (b->count == b->capacity)
        return NULL;
    struct tc_item *it = &b->items[b->count++];
    memset(it, 0, sizeof *it);
    it->kind = kind;
    if (len == SIZE_MAX || !reserve_text(b, len + 1)) {
        it->kind = TC_ITEM_NO_MEMORY;
        return it;
    }
    it->text_at = b->text_len;
    it->text_len = len;
    if (len > 0)
        memcpy(b->text + b->text_len, text, len);
    b->text[b->text_len + len] = '\0';
    b->text_len += len + 1;
    return it;
}

struct tc_item *tc_batch_add_record(struct tc_batch *b, const struct tg_record_view *rec)
{
    struct tc_item *it = tc_batch_add(b, TC_ITEM_RECORD, rec->key, rec->key_len);
    if (it != NULL && it->kind == TC_ITEM_RECORD) {
        it->key_truncated = rec->key_truncated;
        it->has_ids = rec->has_ids;
        it->event_time_ms = rec->event_time_ms;
        it->channel_id = rec->channel_id;
        it->message_id = rec->message_id;
    }
    return it;
}

struct tg_record_view tc_item_record(const struct tc_batch *b, const struct tc_item *it)
{
    return (struct tg_record_view){
        .event_time_ms = it->event_time_ms,
        .key = tc_item_text(b, it),
        .key_len = it->text_len,
        .key_truncated = it->key_truncated,
        .has_ids = it->has_ids,
        .channel_id = it->channel_id,
        .message_id = it->message_id,
    };
}
