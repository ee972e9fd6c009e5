/* tc_batch.c - see tc_batch.h. */
#include "tc_batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tc_pipeline.h"
#include "tg_duration.h"
#include "tg_record.h"
#include "tg_time.h"

int tc_batch_init(struct tc_batch *b, size_t capacity)
{
    memset(b, 0, sizeof *b);
    b->items = malloc(capacity * sizeof *b->items);
    if (b->items == NULL)
        return -1;
    b->capacity = capacity;
    return 0;
}

void tc_batch_clear(struct tc_batch *b)
{
    free(b->items);
    free(b->text);
    memset(b, 0, sizeof *b);
}

void tc_batch_reset(struct tc_batch *b)
{
    b->count = 0;
    b->text_len = 0;
    b->clock_read = false;
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

/* Copies len bytes at text, and a NUL, to the end of the text buffer, and
 * sets *at to where they start.  False when out of memory. */
static bool copy_text(struct tc_batch *b, const char *text, size_t len, size_t *at)
{
    if (len == SIZE_MAX || !reserve_text(b, len + 1))
        return false;
    *at = b->text_len;
    if (len > 0)
        memcpy(b->text + b->text_len, text, len);
    b->text[b->text_len + len] = '\0';
    b->text_len += len + 1;
    return true;
}

/* Gives it kind and a copy of text, or makes it TC_ITEM_NO_MEMORY. */
static void set_text(struct tc_batch *b, struct tc_item *it, enum tc_item_kind kind,
                     const char *text, size_t len)
{
    if (!copy_text(b, text, len, &it->text_at)) {
        it->kind = TC_ITEM_NO_MEMORY;
        return;
    }
    it->kind = kind;
    it->text_len = len;
}

static void set_record(struct tc_batch *b, struct tc_item *it,
                       const struct tg_record_view *rec)
{
    set_text(b, it, TC_ITEM_RECORD, rec->key, rec->key_len);
    if (it->kind == TC_ITEM_RECORD) {
        it->key_truncated = rec->key_truncated;
        it->has_ids = rec->has_ids;
        it->event_time_ms = rec->event_time_ms;
        it->channel_id = rec->channel_id;
        it->message_id = rec->message_id;
    }
}

static struct tc_item *append(struct tc_batch *b)
{
    if (b->count == b->capacity)
        return NULL;
    struct tc_item *it = &b->items[b->count++];
    memset(it, 0, sizeof *it);
    return it;
}

struct tc_item *tc_batch_add(struct tc_batch *b, enum tc_item_kind kind, const char *text,
                             size_t len)
{
    struct tc_item *it = append(b);
    if (it != NULL)
        set_text(b, it, kind, text, len);
    return it;
}

struct tc_item *tc_batch_add_raw(struct tc_batch *b, const char *data, size_t len,
                                 struct tc_where where)
{
    struct tc_item *it = append(b);
    if (it != NULL) {
        it->kind = TC_ITEM_RAW;
        it->raw = data;
        it->raw_len = len;
        it->where = where;
    }
    return it;
}

/* Fills *why and returns true when t is later than the batch's clock plus
 * rules->max_future_ms (the clock read at the batch's first record). */
static bool too_far_ahead(struct tc_batch *b, const struct tc_read_rules *rules,
                          int64_t t, char *why, size_t whylen)
{
    if (rules->max_future_ms < 0) {
        return false;
    }
    if (!b->clock_read) {
        b->latest_ok_ms = tg_time_now_ms() + rules->max_future_ms;
        b->clock_read = true;
    }
    if (t <= b->latest_ok_ms) {
        return false;
    }
    char when[TG_TIME_TEXT_MAX], margin[32];
    tg_time_format_any(t, when, sizeof when);
    if (tg_duration_format(rules->max_future_ms, margin, sizeof margin) < 0) {
        snprintf(margin, sizeof margin, "0s");
    }
    snprintf(why, whylen,
             "event_time %s is more than %s ahead of the clock (--max-future)", when,
             margin);
    return true;
}

/* Keeps a copy of a record item's bytes, or makes it TC_ITEM_NO_MEMORY. */
static void keep_line(struct tc_batch *b, struct tc_item *it, const char *data,
                      size_t len)
{
    if (!copy_text(b, data, len, &it->line_at)) {
        it->kind = TC_ITEM_NO_MEMORY;
        return;
    }
    it->has_line = true;
    it->line_len = len;
}

/* Reads one record's bytes into it: a record, or malformed with why. */
static void read_into(struct tc_batch *b, struct tc_item *it,
                      struct tg_record_reader *parser, const char *data, size_t len,
                      const struct tc_read_rules *rules)
{
    char why[TC_REASON_MAX];
    struct tg_record_view rec;
    if (tg_record_read(parser, data, len, &rec, why, sizeof why) != 0 ||
        too_far_ahead(b, rules, rec.event_time_ms, why, sizeof why)) {
        set_text(b, it, TC_ITEM_MALFORMED, why, strlen(why));
        return;
    }
    set_record(b, it, &rec);
    if (rules->keep_line && it->kind == TC_ITEM_RECORD)
        keep_line(b, it, data, len);
}

struct tc_item *tc_batch_read(struct tc_batch *b, struct tg_record_reader *parser,
                              const char *data, size_t len,
                              const struct tc_read_rules *rules)
{
    struct tc_item *it = append(b);
    if (it != NULL)
        read_into(b, it, parser, data, len, rules);
    return it;
}

/* Parses one raw item in place.  Returns false when memory ran out (the
 * item says so). */
static bool parse_one(struct tc_batch *b, struct tc_item *it,
                      struct tg_record_reader *parser, const struct tc_read_rules *rules,
                      void (*release)(void *handle))
{
    if (it->raw == NULL) {
        set_text(b, it, TC_ITEM_PASS, "", 0);
        return it->kind != TC_ITEM_NO_MEMORY;
    }
    if (it->raw_len > rules->max_record) {
        char why[TC_REASON_MAX];
        snprintf(why, sizeof why, "record of %zu bytes is larger than --max-record (%zu)",
                 it->raw_len, rules->max_record);
        set_text(b, it, TC_ITEM_MALFORMED, why, strlen(why));
    } else {
        read_into(b, it, parser, it->raw, it->raw_len, rules);
    }
    it->raw = NULL;
    if (release != NULL) {
        release(it->where.handle);
        it->where.handle = NULL;
    }
    return it->kind != TC_ITEM_NO_MEMORY;
}

void tc_batch_parse_raw(struct tc_batch *b, struct tg_record_reader *parser,
                        const struct tc_read_rules *rules, void (*release)(void *handle))
{
    /* Items stay one to one with what the input added: after running out
     * of memory the rest are marked as such too. */
    bool ok = true;
    for (size_t i = 0; i < b->count; i++) {
        struct tc_item *it = &b->items[i];
        if (it->kind != TC_ITEM_RAW)
            continue;
        if (ok)
            ok = parse_one(b, it, parser, rules, release);
        else
            it->kind = TC_ITEM_NO_MEMORY;
    }
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
