/* tg_record.h - the message record both tools exchange through Kafka.
 *
 * One record is one compact JSON object on one line, fields in this order:
 *   event_time   ISO-8601 UTC string (the message's own date)
 *   channel_id   int64, the Bot API chat id (negative for groups/channels)
 *   channel_name string or null
 *   message_id   int64
 *   user_id      int64 or null (null for anonymous senders)
 *   username     string or null
 *   first_name   string or null
 *   last_name    string or null
 *   text         string
 *   text_length  Unicode code points of text
 * Strings are raw UTF-8 in the JSON, never \u-escaped.
 */
#ifndef TG_RECORD_H
#define TG_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* All strings are owned by the record (malloc'd) and released by
 * tg_record_clear.  A NULL string stands for JSON null. */
struct tg_record {
    int64_t event_time_ms;
    int64_t channel_id;
    char *channel_name;
    int64_t message_id;
    bool has_user_id;
    int64_t user_id;
    char *username;
    char *first_name;
    char *last_name;
    char *text;          /* never NULL in a decoded record: "" when absent */
    int64_t text_length; /* code points of text */
};

/* Sets every field to zero / NULL. */
void tg_record_init(struct tg_record *rec);

/* Frees the strings the record owns and re-initialises it.  NULL-safe. */
void tg_record_clear(struct tg_record *rec);

/* Encodes rec as one compact JSON line, without a trailing newline, fields
 * in schema order.  text NULL encodes as "".  text_length is written as
 * given; use tg_utf8_codepoints to compute it.  Fails on invalid UTF-8 in
 * any string or an event time outside years 0000-9999.
 * On success returns 0, *out is a NUL-terminated malloc'd buffer the caller
 * frees, and *out_len its length.  On failure returns -1, err says why. */
int tg_record_encode(const struct tg_record *rec, char **out, size_t *out_len,
                     char *err, size_t errlen);

/* Decodes exactly len bytes (not NUL-terminated; JSON whitespace around
 * the object, such as the line's "\n" or "\r\n", is allowed) into rec,
 * which must be initialised; previous contents are cleared.  Required: a
 * JSON object with event_time (string, tg_time_parse), channel_id and
 * message_id (integers).  Optional (absent = null): user_id (integer or
 * null), channel_name, username, first_name, last_name (string or null),
 * text (string or null, decoded as ""), text_length (non-negative integer
 * or null; computed from text when absent).  Unknown fields are ignored.
 * Rejected with a precise message: anything that is not one JSON object,
 * trailing garbage, duplicate keys, invalid UTF-8, wrong types, integers
 * out of int64 range.  Never crashes on any input.
 * Returns 0, or -1 with a message in err (rec is left cleared). */
int tg_record_decode(const char *buf, size_t len, struct tg_record *rec,
                     char *err, size_t errlen);

/* The key tgcount counts by: username when a non-empty string, else
 * "user_<user_id>" when there is a user_id, else "anonymous".  Returns
 * either rec->username or buf (filled, NUL-terminated; 32 bytes suffice). */
const char *tg_record_counting_key(const struct tg_record *rec, char *buf,
                                   size_t buflen);

#endif
