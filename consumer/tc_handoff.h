/* tc_handoff.h - parsed lines handed from tgcount's reader thread to its
 * counting thread, in input order, through a few reusable batches.
 *
 * One thread (the reader) takes an empty batch, fills it with items and
 * publishes it; another (the counter) takes the published batches in the
 * order they were published and gives each back once it is done with it.
 * A bounded number of batches keeps the reader at most that far ahead, so
 * memory stays small however large the input.
 *
 * Either side can end the handoff: the reader closes it (nothing more will
 * be published; the counter still takes what was), the counter cancels it
 * (the reader's next tc_handoff_empty fails, and the cancel descriptor
 * becomes readable, so a reader blocked waiting for input can poll() it).
 *
 * The handoff owns every batch and everything in them; an item's text
 * stays valid until its batch is given back.
 */
#ifndef TC_HANDOFF_H
#define TC_HANDOFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tg_record.h"

enum tc_item_kind {
    TC_ITEM_RECORD,     /* a parsed record; text = its counting key */
    TC_ITEM_MALFORMED,  /* a line that is not a record; text = the reason */
    TC_ITEM_FILE_ERROR, /* a file could not be opened or read; error = errno */
    TC_ITEM_NO_MEMORY,  /* the reader ran out of memory and stopped */
    TC_ITEM_PASS,       /* not a record (a Kafka event): for the counter to handle */
};

struct tc_item {
    enum tc_item_kind kind;
    int error;      /* FILE_ERROR: the errno */
    size_t file;    /* index of the input file */
    size_t lineno;  /* RECORD, MALFORMED: line number in that file */
    size_t text_at; /* the item's text: offset in the batch's text buffer */
    size_t text_len;
    /* RECORD: the parsed fields (see tg_record.h) */
    bool key_truncated;
    bool has_ids;
    int64_t event_time_ms;
    int64_t channel_id;
    int64_t message_id;
};

struct tc_batch {
    struct tc_item *items;
    size_t count, capacity;
    char *text; /* the items' texts, each NUL-terminated */
    size_t text_len, text_capacity;
};

struct tc_handoff;

/* A handoff of nbatches batches (at least 2) of up to batch_items items
 * each.  Returns NULL when out of memory or a pipe cannot be made (errno
 * set). */
struct tc_handoff *tc_handoff_new(size_t nbatches, size_t batch_items);

/* Frees the handoff and all its batches.  Neither thread may use it any
 * more.  NULL-safe. */
void tc_handoff_free(struct tc_handoff *h);

/* ---- the reader's side --------------------------------------------------- */

/* An empty batch to fill (owned by the handoff), waiting while the counter
 * holds all of them; NULL once the handoff is cancelled. */
struct tc_batch *tc_handoff_empty(struct tc_handoff *h);

/* Hands a batch filled since tc_handoff_empty to the counter. */
void tc_handoff_publish(struct tc_handoff *h, struct tc_batch *b);

/* No batch will be published any more. */
void tc_handoff_close(struct tc_handoff *h);

/* A descriptor that becomes readable once the handoff is cancelled (owned
 * by the handoff). */
int tc_handoff_cancel_fd(const struct tc_handoff *h);

/* Appends an item of this kind with a copy of text (len bytes) to b and
 * returns it for the caller to fill in, or NULL when b is full.  When
 * copying the text runs out of memory, the item becomes TC_ITEM_NO_MEMORY
 * (without text) and is returned all the same. */
struct tc_item *tc_batch_add(struct tc_batch *b, enum tc_item_kind kind, const char *text,
                             size_t len);

/* Appends a TC_ITEM_RECORD holding rec (its key copied), as tc_batch_add. */
struct tc_item *tc_batch_add_record(struct tc_batch *b, const struct tg_record_view *rec);

/* The record a TC_ITEM_RECORD of b holds; its key is borrowed from b. */
struct tg_record_view tc_item_record(const struct tc_batch *b, const struct tc_item *it);

/* ---- the counter's side -------------------------------------------------- */

/* The next published batch (owned by the handoff), waiting for one; NULL
 * once the handoff is closed and every batch published has been taken, or
 * once it is cancelled. */
struct tc_batch *tc_handoff_take(struct tc_handoff *h);

/* Gives a taken batch back to be filled again. */
void tc_handoff_give_back(struct tc_handoff *h, struct tc_batch *b);

/* Ends the handoff from the counter's side; see the file comment. */
void tc_handoff_cancel(struct tc_handoff *h);

/* The text of an item of b (NUL-terminated, borrowed from b). */
static inline const char *tc_item_text(const struct tc_batch *b, const struct tc_item *it)
{
    return b->text + it->text_at;
}

#endif
