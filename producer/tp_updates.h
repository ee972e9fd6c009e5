/* tp_updates.h - one getUpdates result array -> the records it yields.
 *
 * Each `message` and `channel_post` (and, with --include-edits,
 * `edited_message` and `edited_channel_post`) in an allowed chat becomes
 * one record of the shared schema (tg_record.h):
 *   event_time   the message's `date` (for an edit too: the original date)
 *   channel_id   chat.id, unchanged
 *   channel_name chat.title; in a private chat the other party's name
 *   text         text, else caption, else ""; text_length in code points
 *   sender       when `from` is present and `sender_chat` absent, a real
 *                user: user_id = from.id, username = the counting key
 *                (tg_record_key_make: from.username, else "user_<from.id>"),
 *                first/last name from `from`.  Otherwise
 *                (channel posts, anonymous group admins, posts on behalf of
 *                a channel, automatic forwards): user_id = null, username =
 *                author_signature, else the sender chat's username
 *                (sender_chat, else chat), else "chat_<that chat's id>".
 * Every other update (other kinds, other chats, malformed messages) is
 * skipped but still counts toward the next offset, so it is confirmed.
 * NUL characters inside strings are dropped (the schema cannot carry them).
 *
 * Absent values.  A body re-encoded by a struct-based relay carries every
 * field its structs have: absent update kinds as null, absent fields as
 * null or as their type's zero.  So every field read here, and every update
 * kind, counts as absent when it is missing or:
 *   any value    null, or false
 *   a string     "" (or only "\u0000"), or a value of another type
 *                (title, username, first_name, last_name, author_signature,
 *                text, caption)
 *   an id        0, or not an integer (chat.id, message_id, from.id,
 *                sender_chat.id); a message without chat.id or message_id
 *                is malformed, as is a `from` with members but no id
 *   an object    not an object, or one whose members are all absent (a
 *                relay's zero-valued struct: {"id":0,"first_name":""})
 *                (chat, from, sender_chat, and the update kinds)
 *   date         0 is malformed, not absent: every message has a date, so
 *                0 is a relay's stand-in for a lost one
 *   edit_date    never read (an edit keeps the original date)
 *   update_id    0 is a usable id: it is required and no relay drops it
 * The update's kind is the first present one of message, edited_message,
 * channel_post and edited_channel_post, in the order of Telegram's Update
 * documentation; Telegram sends at most one, so an update with two present
 * is read by the first (an edit without --include-edits is then skipped
 * even if a counted kind follows).  A present kind that is not an object
 * (a string, a number, true) is malformed.
 */
#ifndef TP_UPDATES_H
#define TP_UPDATES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "tg_record.h"

struct tp_options;

struct tp_update_batch {
    struct tg_record *records; /* owned, in update order */
    int64_t *update_ids;       /* owned: the update each record came from */
    size_t count;
    size_t cap;
    bool has_updates;        /* at least one update carried an update_id */
    int64_t next_offset;     /* max update_id + 1 when has_updates */
    uint64_t updates;        /* elements of the result array */
    uint64_t skipped;        /* updates that yielded no record */
    uint64_t malformed;      /* of those, updates that were not well formed */
    char first_problem[160]; /* what was wrong with the first malformed one */
};

/* An empty batch. */
void tp_update_batch_init(struct tp_update_batch *b);

/* Frees the records and re-initialises the batch.  NULL-safe. */
void tp_update_batch_clear(struct tp_update_batch *b);

/* Appends the records of result (a getUpdates "result", borrowed) to b,
 * which should be empty.  opts supplies include_edits and the chat filter
 * (tp_options_chat_allowed); it is borrowed.  Returns 0, or -1 with err
 * when result is not an array, or is non-empty with no usable update_id
 * (no offset could move past it), or memory ran out. */
int tp_updates_parse(const json_t *result, const struct tp_options *opts,
                     struct tp_update_batch *b, char *err, size_t errlen);

#endif
