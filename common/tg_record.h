/* tg_record.h - the message record both tools exchange through Kafka: its
 * schema, the contract of reading one, the key it is counted under, and
 * the one writer and the readers that apply them.
 *
 * ---- Writing ----------------------------------------------------------------
 * One record is one compact JSON object on one line, every field present,
 * in this order:
 *   event_time   ISO-8601 UTC string, YYYY-MM-DDTHH:MM:SSZ (.mmm before
 *                the Z only when the milliseconds are not zero)
 *   channel_id   int64, the Bot API chat id (negative for groups/channels)
 *   channel_name string or null
 *   message_id   int64
 *   user_id      int64 or null (null for anonymous senders)
 *   username     string or null
 *   first_name   string or null
 *   last_name    string or null
 *   text         string
 *   text_length  Unicode code points of text
 * Strings are raw UTF-8; only '"', '\\' and the C0 controls are escaped,
 * byte for byte as jansson's json_dumps writes them without
 * JSON_ENSURE_ASCII (\b \f \n \r \t, else \u00XX), so a record is always
 * one line.  tgproducer always has both ids; a record read without them
 * is written with null there.
 *
 * ---- Reading ----------------------------------------------------------------
 * A record is accepted when it is exactly one JSON object as jansson's
 * json_loadb with JSON_REJECT_DUPLICATES accepts it (valid UTF-8, no
 * duplicate keys, no trailing garbage; whitespace around it, such as the
 * line's "\r\n", is fine), holds no NUL byte anywhere (jansson would let
 * one pass right after a number, true, false or null), and:
 *   - event_time, the only required field, is a string tg_time_parse
 *     accepts (a zone offset or a fraction may be given; no zone means
 *     UTC), from 1970-01-01T00:00:00Z (inclusive) to 2100-01-01T00:00:00Z
 *     (exclusive), else "event_time out of range (1970..2099)".  Why a
 *     range: one record dated 9999 would move tgcount's watermark there and
 *     make every later record late, so one hostile record could drop all
 *     the good ones.  The bounds are fixed, not taken from the wall clock,
 *     so what a file yields depends on the file alone (tgcount adds its own
 *     bound on the future from the clock, --max-future, which a file of
 *     past records never meets);
 *   - message_id and user_id, when integers, are not negative
 *     ("message_id is negative", "user_id is negative"): Telegram gives
 *     none below 1, while the chat ids of groups and channels are negative
 *     and stay valid.  0 is accepted, as test generators count from 0;
 *   - every other field may be absent or null.  A record whose channel_id
 *     and message_id are not both integers is still counted, but it cannot
 *     be deduplicated;
 *   - unknown fields are ignored.
 * It is counted under its counting key: username when a non-empty string,
 * else "user_<user_id>" when user_id is an integer, else "anonymous"; a
 * username longer than TG_RECORD_USERNAME_MAX bytes is cut on a UTF-8
 * character boundary (tg_record_key_make).  tgproducer keys its Kafka
 * messages by the same key.
 *
 * Two readers apply this contract.  The view (tg_record_read) gives what
 * tgcount needs, the event time, the key and the ids, and takes a field of
 * another type for an absent one (a string user_id leaves the record
 * "anonymous").  The decoder (tg_record_decode) gives every field, so it
 * also rejects a field of another type and a negative text_length.
 */
#ifndef TG_RECORD_H
#define TG_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tg_time.h"

/* Accepted event times, epoch milliseconds: [MIN, END), years 1970..2099. */
#define TG_RECORD_EVENT_TIME_MIN_MS INT64_C(0)
#define TG_RECORD_EVENT_TIME_END_MS INT64_C(4102444800000) /* 2100-01-01T00:00:00Z */

/* Usernames longer than this many bytes are counted under their first
 * bytes, cut on a UTF-8 character boundary. */
#define TG_RECORD_USERNAME_MAX 256

/* ---- the record ------------------------------------------------------------- */

/* All strings are owned by the record (malloc'd) and released by
 * tg_record_clear.  A NULL string stands for JSON null.  They hold UTF-8
 * (the decoder and tp_updates take them from jansson, which checks). */
struct tg_record {
    int64_t event_time_ms;
    bool has_channel_id;
    int64_t channel_id;
    char *channel_name;
    bool has_message_id;
    int64_t message_id;
    bool has_user_id;
    int64_t user_id;
    char *username;
    char *first_name;
    char *last_name;
    char *text;          /* never NULL in a decoded record: "" when absent */
    int64_t text_length; /* code points of text */
};

/* Sets every field to zero / NULL / false. */
void tg_record_init(struct tg_record *rec);

/* Frees the strings the record owns and re-initialises it.  NULL-safe. */
void tg_record_clear(struct tg_record *rec);

/* ---- the counting key ------------------------------------------------------- */

/* A counting key, held by value. */
struct tg_record_key {
    char text[TG_RECORD_USERNAME_MAX + 1]; /* NUL-terminated */
    size_t len;
    bool truncated; /* the username was longer than TG_RECORD_USERNAME_MAX */
};

/* The key a record is counted (and keyed in Kafka) under, from its
 * username (username_len bytes of valid UTF-8; NULL or empty when the
 * record has none) and user_id: the rule stated at the top of this file.
 * Fills *key; borrows nothing. */
void tg_record_key_make(const char *username, size_t username_len, bool has_user_id,
                        int64_t user_id, struct tg_record_key *key);

/* tg_record_key_make on rec's username and user_id. */
void tg_record_counting_key(const struct tg_record *rec, struct tg_record_key *key);

/* ---- writing ---------------------------------------------------------------- */

/* Remembers the date of the last event time written, so that a stream of
 * records costs one calendar conversion per day of event time.  A plain
 * value with nothing to release. */
struct tg_record_writer {
    bool has_day;
    int64_t day;                     /* days since 1970-01-01 */
    char day_text[TG_TIME_TEXT_MAX]; /* tg_time_format of its first ms */
};

/* Starts a writer with nothing remembered. */
void tg_record_writer_init(struct tg_record_writer *w);

/* Writes rec as one compact JSON line (the schema above), without a
 * newline, into buf (cap bytes), followed by a NUL; allocates nothing.  w
 * may be NULL (nothing remembered).  text NULL is written as "";
 * text_length is written as given (see tg_utf8_codepoints); has_channel_id
 * and has_message_id false write null.  The strings must be valid UTF-8:
 * they are not checked here, on the path of every --fake record, whose
 * strings come from fixed tables; tg_record_encode checks them.  Fails on
 * an event time outside years 0000-9999 or a line that does not fit in cap
 * bytes.  Returns 0 with the length (without the NUL) in *len, or -1 with
 * err saying why (buf then holds no record). */
int tg_record_write(struct tg_record_writer *w, const struct tg_record *rec, char *buf,
                    size_t cap, size_t *len, char *err, size_t errlen);

/* Checks that every string of rec is valid UTF-8 ("username: invalid
 * UTF-8"), then tg_record_write into a buffer of the right size.  On
 * success returns 0, *out is a NUL-terminated malloc'd buffer the caller
 * frees, and *out_len its length.  On failure returns -1 (*out NULL), err
 * says why. */
int tg_record_encode(const struct tg_record *rec, char **out, size_t *out_len, char *err,
                     size_t errlen);

/* ---- reading: every field --------------------------------------------------- */

/* Decodes exactly len bytes (not NUL-terminated) into rec, which must be
 * initialised; previous contents are cleared.  Applies the reading contract
 * above and, since every field is given back, rejects a field of another
 * type than the schema's (ids: integer or null; names and text: string or
 * null; text_length: non-negative integer or null).  Absent fields read as
 * null: text as "" and text_length, when absent, as computed from text.
 * Every failure has a precise message (an integer out of int64 range:
 * jansson's "too big integer").  Never crashes on any input.
 * Returns 0, or -1 with a message in err (rec is left cleared). */
int tg_record_decode(const char *buf, size_t len, struct tg_record *rec, char *err,
                     size_t errlen);

/* ---- reading: the view tgcount counts by -------------------------------- */

/* What tgcount needs of one record.  key is NUL-terminated and borrowed
 * from the reader: valid until the next read on the same reader. */
struct tg_record_view {
    int64_t event_time_ms;
    const char *key;
    size_t key_len;
    bool key_truncated; /* the username was longer than TG_RECORD_USERNAME_MAX */
    bool has_ids;       /* channel_id and message_id are both integers */
    int64_t channel_id; /* 0 unless has_ids */
    int64_t message_id; /* 0 unless has_ids */
};

/* Holds the key of the last record read.  One reader per thread. */
struct tg_record_reader;

/* Returns a new reader, or NULL when out of memory. */
struct tg_record_reader *tg_record_reader_new(void);

/* NULL-safe. */
void tg_record_reader_free(struct tg_record_reader *r);

/* Reads exactly len bytes: the fast path when it is sure, else the strict
 * one.  Returns 0 and fills *out, or -1 with the reason in err (the record
 * breaks the reading contract). */
int tg_record_read(struct tg_record_reader *r, const char *data, size_t len,
                   struct tg_record_view *out, char *err, size_t errlen);

/* The strict path alone: jansson builds the whole object, then the fields
 * are picked out.  It defines the view's results and words its errors
 * ("not JSON: ...", "not a JSON object", "no event_time", "event_time is
 * not a string", "event_time: ...", and the range messages above). */
int tg_record_read_strict(struct tg_record_reader *r, const char *data, size_t len,
                          struct tg_record_view *out, char *err, size_t errlen);

/* The fast path alone: one pass, no allocation.  Returns 1 with *out filled
 * when it is sure the strict path accepts the record with these values, 0
 * when unsure (then *out is unspecified).  It never rejects. */
int tg_record_read_fast(struct tg_record_reader *r, const char *data, size_t len,
                        struct tg_record_view *out);

#endif
