/* tc_batch.h - a batch of input items on its way from the thread that reads
 * to the thread that counts (see tc_batchq.h): parsed records, malformed
 * records with their reason, file errors, raw bytes still to be parsed,
 * and events the input passes through to itself.
 *
 * Every item carries where it came from as the input knows it (struct
 * tc_where): the batch only carries it, and only the input formats it
 * ("FILE:LINE", "topic[partition]@offset").
 *
 * The batch owns its item array and its text buffer (the items' keys and
 * reasons); an item's text stays valid until the batch is reset.  Raw
 * bytes (TC_ITEM_RAW) and handles are borrowed from the input.
 */
#ifndef TC_BATCH_H
#define TC_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tg_record_view;
struct tg_record_reader;

enum tc_item_kind {
    TC_ITEM_RECORD,     /* a parsed record; text = its counting key */
    TC_ITEM_MALFORMED,  /* not a record; text = the reason */
    TC_ITEM_FILE_ERROR, /* a file could not be opened or read; error = errno */
    TC_ITEM_NO_MEMORY,  /* memory ran out making this item: stop */
    TC_ITEM_PASS,       /* not a record (a Kafka event): for the input to handle */
    TC_ITEM_RAW,        /* bytes still to parse (tc_batch_parse_raw) */
};

/* Where an item came from, in the input's own terms. */
struct tc_where {
    int64_t unit; /* files: index of the file; Kafka: partition */
    int64_t pos;  /* files: line number; Kafka: offset */
    void *handle; /* the input's object behind the item (a Kafka message), or NULL */
};

struct tc_item {
    enum tc_item_kind kind;
    int error; /* FILE_ERROR: the errno */
    struct tc_where where;
    const char *raw; /* RAW: the bytes (borrowed), NULL for an event to pass */
    size_t raw_len;
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

/* Allocates room for capacity items.  Returns 0, or -1 when out of memory.
 * The batch starts empty. */
int tc_batch_init(struct tc_batch *b, size_t capacity);

/* Frees what tc_batch_init and the adds allocated.  Safe on a zeroed batch. */
void tc_batch_clear(struct tc_batch *b);

/* Forgets every item, keeping the memory. */
void tc_batch_reset(struct tc_batch *b);

/* Appends an item of this kind with a copy of text (len bytes) and
 * where = {0}, and returns it for the caller to fill in, or NULL when b is
 * full.  When copying the text runs out of memory, the item becomes
 * TC_ITEM_NO_MEMORY (without text) and is returned all the same. */
struct tc_item *tc_batch_add(struct tc_batch *b, enum tc_item_kind kind, const char *text,
                             size_t len);

/* Appends a TC_ITEM_RECORD holding rec (its key copied), as tc_batch_add. */
struct tc_item *tc_batch_add_record(struct tc_batch *b, const struct tg_record_view *rec);

/* Appends a TC_ITEM_RAW of len bytes at data (borrowed until the batch is
 * parsed; NULL: an event to pass through) from where.  Returns the item,
 * or NULL when b is full. */
struct tc_item *tc_batch_add_raw(struct tc_batch *b, const char *data, size_t len,
                                 struct tc_where where);

/* Turns every TC_ITEM_RAW of b into its outcome, in place: a record longer
 * than max_record is TC_ITEM_MALFORMED without being parsed, else parser
 * decides (TC_ITEM_RECORD, or TC_ITEM_MALFORMED with its reason); raw NULL
 * becomes TC_ITEM_PASS.  Once a record's bytes are parsed, release (when
 * not NULL) is called on its where.handle, which becomes NULL; a
 * pass-through keeps its handle.  When memory runs out, that item and
 * every raw one after it become TC_ITEM_NO_MEMORY, and those after it keep
 * their handles. */
void tc_batch_parse_raw(struct tc_batch *b, struct tg_record_reader *parser,
                        size_t max_record, void (*release)(void *handle));

/* The record a TC_ITEM_RECORD of b holds; its key is borrowed from b. */
struct tg_record_view tc_item_record(const struct tc_batch *b, const struct tc_item *it);

/* The text of an item of b (NUL-terminated, borrowed from b). */
static inline const char *tc_item_text(const struct tc_batch *b, const struct tc_item *it)
{
    return b->text + it->text_at;
}

#endif
