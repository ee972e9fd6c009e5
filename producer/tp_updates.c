/* tp_updates.c - getUpdates result -> records (see tp_updates.h). */
#include "tp_updates.h"

#include <inttypes.h>
#include <stdarg.h>
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
 * username without NUL characters, else "user_<user_id>", so that the
 * record names its sender whatever reads it. */
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
    const json_t *first = json_object_get(o, "first_name");
    const json_t *last = json_object_get(o, "last_name");
    bool has_first = nonempty_string(first), has_last = nonempty_string(last);
    if (!has_first && !has_last)
        return NULL;
    if (!has_last)
        return dup_string(first, oom);
    if (!has_first)
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
    const json_t *chat = json_object_get(msg, "chat");
    const json_t *chat_id = json_object_get(chat, "id");
    const json_t *message_id = json_object_get(msg, "message_id");
    const json_t *date = json_object_get(msg, "date");
    if (!json_is_integer(chat_id)) {
        snprintf(problem, problen, "message without chat.id");
        return 1;
    }
    if (!json_is_integer(message_id)) {
        snprintf(problem, problen, "message without message_id");
        return 1;
    }
    if (!json_is_integer(date) || json_integer_value(date) < MIN_DATE_S ||
        json_integer_value(date) > MAX_DATE_S) {
        snprintf(problem, problen, "message %" PRId64 " without a usable date",
                 (int64_t)json_integer_value(message_id));
        return 1;
    }

    bool oom = false;
    rec->event_time_ms = (int64_t)json_integer_value(date) * 1000;
    rec->has_channel_id = true;
    rec->channel_id = (int64_t)json_integer_value(chat_id);
    rec->has_message_id = true;
    rec->message_id = (int64_t)json_integer_value(message_id);
    if (nonempty_string(json_object_get(chat, "title")))
        rec->channel_name = dup_string(json_object_get(chat, "title"), &oom);
    else
        rec->channel_name = full_name(chat, &oom);

    const json_t *text = json_object_get(msg, "text");
    if (!json_is_string(text))
        text = json_object_get(msg, "caption");
    rec->text = json_is_string(text) ? dup_string(text, &oom) : strdup("");
    if (rec->text == NULL) {
        tg_record_clear(rec);
        return -1;
    }
    rec->text_length = (int64_t)tg_utf8_codepoints(rec->text, strlen(rec->text));

    const json_t *from = json_object_get(msg, "from");
    const json_t *sender_chat = json_object_get(msg, "sender_chat");
    if (json_is_object(from) && !json_is_object(sender_chat)) {
        const json_t *uid = json_object_get(from, "id");
        if (!json_is_integer(uid)) {
            tg_record_clear(rec);
            snprintf(problem, problen, "message %" PRId64 " with from but no from.id",
                     rec->message_id);
            return 1;
        }
        rec->has_user_id = true;
        rec->user_id = (int64_t)json_integer_value(uid);
        rec->username = key_of(json_object_get(from, "username"), rec->user_id, &oom);
        rec->first_name = dup_string(json_object_get(from, "first_name"), &oom);
        rec->last_name = dup_string(json_object_get(from, "last_name"), &oom);
    } else {
        /* No real user to name: `from`, when present, is a placeholder
         * (GroupAnonymousBot, Telegram's 777000) that would lump every
         * anonymous post of every chat under one account. */
        const json_t *who = json_is_object(sender_chat) ? sender_chat : chat;
        const json_t *who_id = json_object_get(who, "id");
        int64_t id = json_is_integer(who_id) ? (int64_t)json_integer_value(who_id)
                                             : rec->channel_id;
        if (nonempty_string(json_object_get(msg, "author_signature")))
            rec->username = dup_string(json_object_get(msg, "author_signature"), &oom);
        else if (nonempty_string(json_object_get(who, "username")))
            rec->username = dup_string(json_object_get(who, "username"), &oom);
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

static int push_record(struct tp_update_batch *b, struct tg_record *rec)
{
    if (b->count == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 16;
        struct tg_record *p = realloc(b->records, cap * sizeof *p);
        if (p == NULL)
            return -1;
        b->records = p;
        b->cap = cap;
    }
    b->records[b->count++] = *rec;
    return 0;
}

/* The message an update carries when its kind is one we count. */
static const json_t *counted_message(const json_t *update, bool include_edits)
{
    static const char *const kinds[] = {"message", "channel_post"};
    static const char *const edit_kinds[] = {"edited_message", "edited_channel_post"};
    for (size_t i = 0; i < 2; i++) {
        const json_t *m = json_object_get(update, kinds[i]);
        if (m != NULL)
            return m;
    }
    for (size_t i = 0; include_edits && i < 2; i++) {
        const json_t *m = json_object_get(update, edit_kinds[i]);
        if (m != NULL)
            return m;
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
        const json_t *chat_id = json_object_get(json_object_get(msg, "chat"), "id");
        if (json_is_integer(chat_id) &&
            !tp_options_chat_allowed(opts, (int64_t)json_integer_value(chat_id))) {
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
        if (rc < 0 || push_record(b, &rec) != 0) {
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
