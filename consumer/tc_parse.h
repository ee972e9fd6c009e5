/* tc_parse.h - from one raw record (a JSON line or a Kafka message) to what
 * tgcount needs: the event time, the counting key and the dedup ids.
 *
 * Semantics (strict; any faster implementation must give identical
 * results, see issue 6):
 *   - the bytes must be exactly one JSON object, as jansson's json_loadb
 *     with JSON_REJECT_DUPLICATES accepts it (valid UTF-8, no duplicate
 *     keys, no trailing garbage; whitespace around it is fine);
 *   - event_time: required, a string tg_time_parse accepts, from
 *     1970-01-01T00:00:00Z (inclusive) to 2100-01-01T00:00:00Z (exclusive),
 *     else "event_time out of range (1970..2099)".  Why a range: one record
 *     dated 9999 would move the watermark there and make every later record
 *     late, so one hostile record could drop all the good ones.  The bounds
 *     are fixed, not taken from the wall clock, so the output of a file run
 *     still depends on its input alone;
 *   - message_id and user_id, when integers, must not be negative
 *     ("message_id is negative", "user_id is negative"): Telegram gives
 *     none below 1, while the chat ids of groups and channels are negative
 *     and stay valid.  0 is accepted, as test generators count from 0 and
 *     it harms nothing.  null, absent or another type are not errors;
 *   - key: username when a non-empty string, else "user_<user_id>" when
 *     user_id is an integer, else "anonymous"; a username longer than
 *     TC_USERNAME_MAX bytes is cut on a UTF-8 boundary;
 *   - channel_id and message_id: when both are integers the record can be
 *     deduplicated (has_ids); otherwise it is still counted.
 * Other fields are not looked at (beyond being valid JSON).
 *
 * Two implementations give these results: a strict one (jansson) and a
 * single-pass one for the common shape of a record, which defers to the
 * strict one whenever it is unsure (see tc_parse.c).
 */
#ifndef TC_PARSE_H
#define TC_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_options.h"

/* Accepted event times, epoch milliseconds: [MIN, END), years 1970..2099. */
#define TC_EVENT_TIME_MIN_MS INT64_C(0)
#define TC_EVENT_TIME_END_MS INT64_C(4102444800000) /* 2100-01-01T00:00:00Z */

/* The parsed view of one record.  key is NUL-terminated and borrowed from
 * the parser: valid until the next tc_parser_parse on the same parser. */
struct tc_parsed {
    int64_t event_time_ms;
    const char *key;
    size_t key_len;
    bool key_truncated; /* username was longer than TC_USERNAME_MAX */
    bool has_ids;
    int64_t channel_id;
    int64_t message_id;
};

struct tc_parser;

/* Returns a new parser (it holds the key buffer), or NULL when out of
 * memory. */
struct tc_parser *tc_parser_new(void);

/* NULL-safe. */
void tc_parser_free(struct tc_parser *ps);

/* Parses exactly len bytes: the fast path when it is sure, else the
 * strict one.  Returns 0 and fills *out, or -1 with the reason in err (the
 * record is malformed). */
int tc_parser_parse(struct tc_parser *ps, const char *data, size_t len,
                    struct tc_parsed *out, char *err, size_t errlen);

/* The strict path alone (jansson): the definition of the semantics. */
int tc_parser_parse_strict(struct tc_parser *ps, const char *data, size_t len,
                           struct tc_parsed *out, char *err, size_t errlen);

/* The fast path alone: returns 1 with *out filled when it is sure the
 * strict path accepts the record with these values, 0 when unsure (then
 * *out is unspecified).  It never rejects. */
int tc_parser_parse_fast(struct tc_parser *ps, const char *data, size_t len,
                         struct tc_parsed *out);

#endif
