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
    /* RECORD, when the rules keep it: the bytes it was read from, in the
     * text buffer too (tc_item_line) */
    bool has_line;
    size_t line_at;
    size_t line_len;
    /* RECORD: the parsed fields (see tg_record.h) */
    bool key_truncated;
    bool has_ids;
    int64_t event_time_ms;
    int64_t channel_id;
    int64_t message_id;
};

/* What the reading side applies to the bytes of each record it turns into
 * an item (tc_batch_read, tc_batch_parse_raw). */
struct tc_read_rules {
    size_t max_record; /* longer records are malformed, unparsed (raw items) */
    /* A record stamped later than the wall clock plus this is malformed, so
     * that one bad clock cannot move the watermark far ahead and make every
     * later record late.  The clock is read once per batch, at its first
     * record.  TC_MAX_FUTURE_OFF: no bound. */
    int64_t max_future_ms;
    /* Keep each record's bytes in its item (tc_item_line), for --late-file;
     * off, nothing is copied. */
    bool keep_line;
};

#define TC_MAX_FUTURE_OFF (-1)

struct tc_batch {
    struct tc_item *items;
    size_t count, capacity;
    char *text; /* the items' texts, each NUL-terminated */
    size_t text_len, text_capacity;
    /* Event times above this are too far ahead (see struct tc_read_rules);
     * valid once clock_read. */
    int64_t latest_ok_ms;
    bool clock_read;
};

/* A batch whose texts reach this many bytes is full whatever its count, so
 * that kept lines of large records cannot pile up (see tc_batch_full). */
#define TC_BATCH_TEXT_MAX (4u << 20)

/* Allocates room for capacity items.  Returns 0, or -1 when out of memory.
 * The batch starts empty. */
int tc_batch_init(struct tc_batch *b, size_t capacity);

/* Frees what tc_batch_init and the adds allocated.  Safe on a zeroed batch. */
void tc_batch_clear(struct tc_batch *b);

/* Forgets every item, keeping the memory. */
void tc_batch_reset(struct tc_batch *b);

/* True when b has no room for another item: its count is its capacity, or
 * its texts reached TC_BATCH_TEXT_MAX. */
static inline bool tc_batch_full(const struct tc_batch *b)
{
    return b->count == b->capacity || b->text_len >= TC_BATCH_TEXT_MAX;
}

/* Appends an item of this kind with a copy of text (len bytes) and
 * where = {0}, and returns it for the caller to fill in, or NULL when b is
 * full.  When copying the text runs out of memory, the item becomes
 * TC_ITEM_NO_MEMORY (without text) and is returned all the same. */
struct tc_item *tc_batch_add(struct tc_batch *b, enum tc_item_kind kind, const char *text,
                             size_t len);

/* Appends the item the len bytes at data (one record, not NUL-terminated)
 * make under rules: a TC_ITEM_RECORD (with a copy of the bytes when
 * rules->keep_line), or TC_ITEM_MALFORMED with the reason (parser's, or an
 * event time too far ahead of the clock).  Returns the item, or NULL when
 * its capacity is reached; TC_ITEM_NO_MEMORY as tc_batch_add. */
struct tc_item *tc_batch_read(struct tc_batch *b, struct tg_record_reader *parser,
                              const char *data, size_t len,
                              const struct tc_read_rules *rules);

/* Appends a TC_ITEM_RAW of len bytes at data (borrowed until the batch is
 * parsed; NULL: an event to pass through) from where.  Returns the item,
 * or NULL when b is full. */
struct tc_item *tc_batch_add_raw(struct tc_batch *b, const char *data, size_t len,
                                 struct tc_where where);

/* Turns every TC_ITEM_RAW of b into its outcome, in place: a record longer
 * than rules->max_record is TC_ITEM_MALFORMED without being parsed, else
 * it is read as by tc_batch_read; raw NULL becomes TC_ITEM_PASS.  Once a record's bytes
 * are parsed, release (when not NULL) is called on its where.handle, which becomes NULL;
 * a pass-through keeps its handle.  When memory runs out, that item and every raw one
 * after it become TC_ITEM_NO_MEMORY, and those after it keep their handles. */
void tc_batch_parse_raw(struct tc_batch *b, struct tg_record_reader *parser,
                        const struct tc_read_rules *rules, void (*release)(void *handle));

/* The record a TC_ITEM_RECORD of b holds; its key is borrowed from b. */
struct tg_record_view tc_item_record(const struct tc_batch *b, const struct tc_item *it);

/* The text of an item of b (NUL-terminated, borrowed from b). */
static inline const char *tc_item_text(const struct tc_batch *b, const struct tc_item *it)
{
    return b->text + it->text_at;
}

/* The bytes a TC_ITEM_RECORD of b was read from, when the rules kept them:
 * NUL-terminated, borrowed from b, with *len set; else NULL. */
static inline const char *tc_item_line(const struct tc_batch *b, const struct tc_item *it,
                                       size_t *len)
{
    *len = it->line_len;
    return it->has_line ? b->text + it->line_at : NULL;
}

#endif
