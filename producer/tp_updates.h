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
