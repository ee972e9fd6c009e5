/* tc_results_msg.h - the results topic's message values ("rows" and
 * "progress", README "Results topic"), formatted straight into reusable
 * buffers: the same bytes jansson's json_dumps(JSON_COMPACT |
 * JSON_PRESERVE_ORDER) writes for them, at a fraction of its cost.
 * Strings (and usernames as object keys) are escaped by tc_jsonstr.h
 * (TC_JSONSTR_JANSSON).
 *
 *   {"type":"rows","window":W,"start":S,"end":E,"final":true,"topic":T,
 *    "partition":P,"counts":{U1:N1,U2:N2,...}}
 *   {"type":"progress","topic":T,"partition":P,"partitions":N,
 *    "watermark":WM}
 *
 * A window's rows of one partition go into one "rows" message, or several
 * when they are many: the caller adds rows and takes the message once it
 * holds TC_RESULTS_MSG_ROWS_BYTES or more (one message per Kafka record,
 * not one per row: librdkafka's cost is per message).
 *
 * One struct per producer, used by one thread; the text a take or a
 * progress gives is owned by the struct and valid until its next call of
 * the same kind.
 */
#ifndef TC_RESULTS_MSG_H
#define TC_RESULTS_MSG_H

#include <stddef.h>
#include <stdint.h>

struct tc_results_msg;

/* Returns 0, or -1 when out of memory, or this when a username is not
 * valid UTF-8 (which jansson refused too). */
#define TC_RESULTS_MSG_BAD_NAME (-2)

/* A "rows" message is taken once it is this long (bytes of value), so a
 * message stays below this plus one row, far below Kafka's default
 * message.max.bytes (1,000,000). */
#define TC_RESULTS_MSG_ROWS_BYTES 100000

/* NULL when out of memory. */
struct tc_results_msg *tc_results_msg_new(void);

/* NULL-safe. */
void tc_results_msg_free(struct tc_results_msg *m);

/* Sets the fields the next rows share: the window spec as the user wrote
 * it, its start and end as text (tg_time_format), the input topic and
 * partition; drops any rows added and not taken.  The strings are copied.
 * Returns 0 or -1. */
int tc_results_msg_window(struct tc_results_msg *m, const char *spec, const char *start,
                          const char *end, const char *topic, int64_t partition);

/* Adds a row (username, count) to the open "rows" message of the window
 * last set, opening one when none is.  The caller never adds a name twice
 * to one message.  Returns 0, -1 or TC_RESULTS_MSG_BAD_NAME (nothing
 * added then). */
int tc_results_msg_add(struct tc_results_msg *m, const char *name, size_t name_len,
                       uint64_t count);

/* Bytes of the open "rows" message so far; 0 when none is open. */
size_t tc_results_msg_pending(const struct tc_results_msg *m);

/* Closes the open "rows" message and gives it: *text (not NUL-terminated)
 * and *len, and the number of rows it holds in *rows; the next add opens a
 * new one of the same window.  Returns 0, or -1 when out of memory or no
 * message is open. */
int tc_results_msg_take(struct tc_results_msg *m, const char **text, size_t *len,
                        uint64_t *rows);

/* One "progress" message; changes neither the window's fields nor the
 * open "rows" message. */
int tc_results_msg_progress(struct tc_results_msg *m, const char *topic,
                            int64_t partition, int64_t partitions, const char *watermark,
                            const char **text, size_t *len);

#endif
