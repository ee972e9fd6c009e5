/* tp_updates.c - getUpdates result -> records (see tp_updates.h). */
#include "tp_updates.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_utf8.h"
#include "tp_options.h"

/* Dates the record schema can carry: years 0000-9999. */
#define MIN_DATE_S (-62167219200LL)
#define MAX_DATE_S 253402300799LL

void tp_update_batch_init(struct tp_update_batch *b)
{
    memset(b, 0, sizeof *b);
}

void tp_update_batch_clear(struct tp_update_batch *b)
{
    if (b == NULL)
        return;
    for (size_t i = 0; i < b->count; i++)
        tg_record_clear(&b->records[i]);
    free(b->records);
    free(b->update_ids);
    tp_update_batch_init(b);
}

/* ---- small JSON helpers ------------------------------------------------- */

/* A malloc'd copy of a JSON string without its NUL characters, or NULL
 * when s is not a string; *oom is set when memory ran out. */
static char *dup_string(const json_t *s, bool *oom)
{
    if (!json_is_string(s))
        return NULL;
    const char *v = json_string_value(s);
    size_t len = json_string_length(s);
    char *out = malloc(len + 1);
    if (out == NULL) {
        *oom = true;
        return NULL;
    }
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (v[i] != '\0')
            out[o++] = v[i];
    }
    out[o] = '\0';
    return out;
}

/* True when s is a string with at least one character besides NUL: one
 * made only of "\u0000" is empty once dup_string drops them, and must
 * take the same fallback as "" or a record would get an empty username. */
static bool nonempty_string(const json_t *s)
{
    if (!json_is_string(s))
        return false;
    const char *v = json_string_value(s);
    size_t len = json_string_length(s);
    for (size_t i = 0; i < len; i++) {
        if (v[i] != '\0')
            return true;
    }
    return false;
}

/* ---- absent values (tp_updates.h) --------------------------------------- */

/* True when v stands for "not there": missing, null, false, an empty
 * string, 0, an empty array, or an object whose members are all absent (a
 * relay's zero-valued struct).  An object's members are at most as deep as
 * jansson's parser allows, which bounds the recursion. */
static bool is_absent(const json_t *v)
{
    if (v == NULL)
        return true;
    switch (json_typeof(v)) {
    case JSON_NULL:
    case JSON_FALSE:
        return true;
    case JSON_TRUE:
        return false;
    case JSON_STRING:
        return !nonempty_string(v);
    case JSON_INTEGER:
        return json_integer_value(v) == 0;
    case JSON_REAL:
        return json_real_value(v) == 0.0;
    case JSON_ARRAY:
        return json_array_size(v) == 0;
    case JSON_OBJECT: {
        const char *name;
        json_t *member;
        /* jansson's iteration takes a non-const object; it is only read. */
        json_t *object = (json_t *)(uintptr_t)v;
        json_object_foreach(object, name, member)
        {
            if (!is_absent(member))
                return false;
        }
        return true;
    }
    }
    return true;
}

/* obj[name] when it is a present string, else NULL. */
static const json_t *string_field(const json_t *obj, const char *name)
{
    const json_t *v = json_object_get(obj, name);
    return nonempty_string(v) ? v : NULL;
}

/* obj[name] when it is a present object, else NULL. */
static const json_t *object_field(const json_t *obj, const char *name)
{
    const json_t *v = json_object_get(obj, name);
    return json_is_object(v) && !is_absent(v) ? v : NULL;
}

/* True with *out set when obj[name] is an integer other than 0. */
static bool id_field(const json_t *obj, const char *name, int64_t *out)
{
    const json_t *v = json_object_get(obj, name);
    if (!json_is_integer(v) || json_integer_value(v) == 0)
        return false;
    *out = (int64_t)json_integer_value(v);
    return true;
}

static char *format_dup(bool *oom, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static char *format_dup(bool *oom, const char *fmt, ...)
{
    char buf[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char *out = strdup(buf);
    if (out == NULL)
        *oom = true;
    return out;
}

/* A real user's username field: its counting key (tg_record.h), from the
 * username without NUL characters (username may be NULL), else
 * "user_<user_id>", so that the record names its sender whatever reads
 * it. */
static char *key_of(const json_t *username, int64_t user_id, bool *oom)
{
    struct tg_record_key key;
    char *name = dup_string(username, oom);
    tg_record_key_make(name, name != NULL ? strlen(name) : 0, true, user_id, &key);
    free(name);
    char *out = strdup(key.text);
    if (out == NULL)
        *oom = true;
    return out;
}

/* "First Last", "First" or "Last" from an object with those fields; NULL
 * when it has neither. */
static char *full_name(const json_t *o, bool *oom)
{
    const json_t *first = string_field(o, "first_name");
    const json_t *last = string_field(o, "last_name");
    if (first == NULL && last == NULL)
        return NULL;
    if (last == NULL)
        return dup_string(first, oom);
    if (first == NULL)
        return dup_string(last, oom);
    char *a = dup_string(first, oom), *b = dup_string(last, oom);
    char *out = NULL;
    if (a != NULL && b != NULL) {
        size_t la = strlen(a), lb = strlen(b);
        out = malloc(la + 1 + lb + 1);
        if (out != NULL) {
            memcpy(out, a, la);
            out[la] = ' ';
            memcpy(out + la + 1, b, lb + 1);
        } else {
            *oom = true;
        }
    }
    free(a);
    free(b);
    return out;
}

/* ---- one message -------------------------------------------------------- */

/* Fills rec from a Message object.  Returns 0, 1 when the message is not
 * well formed (problem says why), or -1 when memory ran out. */
static int message_to_record(const json_t *msg, struct tg_record *rec, char *problem,
                             size_t problen)
{
    const json_t *chat = object_field(msg, "chat");
    const json_t *date = json_object_get(msg, "date");
    int64_t chat_id, message_id;
    if (!id_field(chat, "id", &chat_id)) {
        snprintf(problem, problen, "message without chat.id");
        return 1;
    }
    if (!id_field(msg, "message_id", &message_id)) {
        snprintf(problem, problen, "message without message_id");
        return 1;
    }
    /* Every message has a date: 0 is a relay's stand-in for a lost one. */
    if (!json_is_integer(date) || json_integer_value(date) == 0 ||
        json_integer_value(date) < MIN_DATE_S || json_integer_value(date) > MAX_DATE_S) {
        snprintf(problem, problen, "message %" PRId64 " without a usable date",
                 message_id);
        return 1;
    }

    bool oom = false;
    rec->event_time_ms = (int64_t)json_integer_value(date) * 1000;
    rec->has_channel_id = true;
    rec->channel_id = chat_id;
    rec->has_message_id = true;
    rec->message_id = message_id;
    if (string_field(chat, "title") != NULL)
        rec->channel_name = dup_string(string_field(chat, "title"), &oom);
    else
        rec->channel_name = full_name(chat, &oom);

    const json_t *text = string_field(msg, "text");
    if (text == NULL)
        text = string_field(msg, "caption");
    rec->text = text != NULL ? dup_string(text, &oom) : strdup("");
    if (rec->text == NULL) {
        tg_record_clear(rec);
        return -1;
    }
    rec->text_length = (int64_t)tg_utf8_codepoints(rec->text, strlen(rec->text));

    const json_t *from = object_field(msg, "from");
    const json_t *sender_chat = object_field(msg, "sender_chat");
    if (from != NULL && sender_chat == NULL) {
        if (!id_field(from, "id", &rec->user_id)) {
            tg_record_clear(rec);
            snprintf(problem, problen, "message %" PRId64 " with from but no from.id",
                     message_id);
            return 1;
        }
        rec->has_user_id = true;
        rec->username = key_of(string_field(from, "username"), rec->user_id, &oom);
        rec->first_name = dup_string(string_field(from, "first_name"), &oom);
        rec->last_name = dup_string(string_field(from, "last_name"), &oom);
    } else {
        /* No real user to name: `from`, when present, is a placeholder
         * (GroupAnonymousBot, Telegram's 777000) that would lump every
         * anonymous post of every chat under one account. */
        const json_t *who = sender_chat != NULL ? sender_chat : chat;
        int64_t id;
        if (!id_field(who, "id", &id))
            id = rec->channel_id;
        if (string_field(msg, "author_signature") != NULL)
            rec->username = dup_string(string_field(msg, "author_signature"), &oom);
        else if (string_field(who, "username") != NULL)
            rec->username = dup_string(string_field(who, "username"), &oom);
        else
            rec->username = format_dup(&oom, "chat_%" PRId64, id);
    }
    if (oom) {
        tg_record_clear(rec);
        return -1;
    }
    return 0;
}

/* ---- one update --------------------------------------------------------- */

static void note_malformed(struct tp_update_batch *b, int64_t update_id,
                           const char *problem)
{
    b->malformed++;
    if (b->malformed == 1)
        snprintf(b->first_problem, sizeof b->first_problem, "update %" PRId64 ": %s",
                 update_id, problem);
}

static int push_record(struct tp_update_batch *b, struct tg_record *rec,
                       int64_t update_id)
{
    if (b->count == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 16;
        struct tg_record *p = realloc(b->records, cap * sizeof *p);
        if (p == NULL)
            return -1;
        b->records = p;
        int64_t *ids = realloc(b->update_ids, cap * sizeof *ids);
        if (ids == NULL)
            return -1;
        b->update_ids = ids;
        b->cap = cap;
    }
    b->update_ids[b->count] = update_id;
    b->records[b->count++] = *rec;
    return 0;
}

/* The update kinds that carry a message, in the order of Telegram's Update
 * documentation; the edits are counted only with --include-edits. */
static const struct {
    const char *name;
    bool edit;
} message_kinds[] = {
    {"message", false},
    {"edited_message", true},
    {"channel_post", false},
    {"edited_channel_post", true},
};

/* The message an update carries when its kind is one we count: the first
 * present message kind (tp_updates.h), or NULL. */
static const json_t *counted_message(const json_t *update, bool include_edits)
{
    for (size_t i = 0; i < sizeof message_kinds / sizeof message_kinds[0]; i++) {
        const json_t *m = json_object_get(update, message_kinds[i].name);
        if (is_absent(m))
            continue;
        return !message_kinds[i].edit || include_edits ? m : NULL;
    }
    return NULL;
}

int tp_updates_parse(const json_t *result, const struct tp_options *opts,
                     struct tp_update_batch *b, char *err, size_t errlen)
{
    if (!json_is_array(result)) {
        snprintf(err, errlen, "getUpdates: result is not an array");
        return -1;
    }
    size_t n = json_array_size(result);
    for (size_t i = 0; i < n; i++) {
        const json_t *update = json_array_get(result, i);
        const json_t *uid = json_object_get(update, "update_id");
        b->updates++;
        if (!json_is_integer(uid) || json_integer_value(uid) < 0 ||
            json_integer_value(uid) == INT64_MAX) {
            b->skipped++;
            note_malformed(b, -1, "no usable update_id");
            continue;
        }
        int64_t id = (int64_t)json_integer_value(uid);
        if (!b->has_updates || id + 1 > b->next_offset)
            b->next_offset = id + 1;
        b->has_updates = true;

        const json_t *msg = counted_message(update, opts->include_edits);
        if (msg == NULL) {
            b->skipped++;
            continue;
        }
        if (!json_is_object(msg)) {
            b->skipped++;
            note_malformed(b, id, "message is not an object");
            continue;
        }
        int64_t chat_id;
        if (id_field(object_field(msg, "chat"), "id", &chat_id) &&
            !tp_options_chat_allowed(opts, chat_id)) {
            b->skipped++;
            continue;
        }
        struct tg_record rec;
        tg_record_init(&rec);
        char problem[120];
        int rc = message_to_record(msg, &rec, problem, sizeof problem);
        if (rc == 1) {
            b->skipped++;
            note_malformed(b, id, problem);
            continue;
        }
        if (rc < 0 || push_record(b, &rec, id) != 0) {
            tg_record_clear(&rec);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    if (n > 0 && !b->has_updates) {
        snprintf(err, errlen, "getUpdates: %zu updates, none with a usable update_id", n);
        return -1;
    }
    return 0;
}
