/* tc_results_msg.h - the results topic's message values ("windows" and
 * "progress", README "Results topic"), formatted straight into reusable
 * buffers: the same bytes jansson's json_dumps(JSON_COMPACT |
 * JSON_PRESERVE_ORDER) writes for them, at a fraction of its cost.
 * Strings (and usernames as object keys) are escaped by tc_jsonstr.h
 * (TC_JSONSTR_JANSSON).
 *
 *   {"type":"windows","final":true,"topic":T,"partition":P,
 *    "windows":[{"window":W,"start":S,"end":E,"counts":{U1:N1,...}},...]}
 *   {"type":"progress","topic":T,"partition":P,"partitions":N,
 *    "watermark":WM}
 *
 * The rows of one partition's windows go into one "windows" message, as
 * many windows as fit: the caller sets a window, adds its rows, sets the
 * next, and takes the message once it holds TC_RESULTS_MSG_ROWS_BYTES or
 * more, or before rows of another partition (one Kafka message per about
 * 100 KB, not one per window or row: librdkafka's cost is per message).  A
 * window cut by a take goes on in the next message, with its element
 * again.
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

/* A "windows" message is taken once it is this long (bytes of value), so
 * a message stays below this plus one row and one window's element, far below Kafka's
 * default message.max.bytes (1,000,000). */
#define TC_RESULTS_MSG_ROWS_BYTES 100000

/* NULL when out of memory. */
struct tc_results_msg *tc_results_msg_new(void);

/* NULL-safe. */
void tc_results_msg_free(struct tc_results_msg *m);

/* Sets the window the next rows are of: its spec as the user wrote it,
 * its start and end as text (tg_time_format), the input topic and
 * partition.  The strings are copied.  Returns 0, or -1 when out of memory
 * or when the open message is another partition's or topic's (take it
 * first). */
int tc_results_msg_window(struct tc_results_msg *m, const char *spec, const char *start,
                          const char *end, const char *topic, int64_t partition);

/* Adds a row (username, count) of the window last set to the open message,
 * opening one when none is.  The name must be valid UTF-8 (JSON text is):
 * a task's names are, checked by the record decoder and by tc_task_load.
 * The caller never adds a name twice to one window.  Returns 0, or -1 when
 * out of memory (nothing added then). */
int tc_results_msg_add(struct tc_results_msg *m, const char *name, size_t name_len,
                       uint64_t count);

/* Bytes of the open message so far; 0 when none is open. */
size_t tc_results_msg_pending(const struct tc_results_msg *m);

/* Closes the open message and gives it: *text (not NUL-terminated) and
 * *len, and the number of rows it holds in *rows; the next add opens a new
 * one, starting with the element of the window last set.  Returns 0, or
 * -1 when out of memory or no message is open. */
int tc_results_msg_take(struct tc_results_msg *m, const char **text, size_t *len,
                        uint64_t *rows);

/* One "progress" message; changes neither the window last set nor the
 * open message. */
int tc_results_msg_progress(struct tc_results_msg *m, const char *topic,
                            int64_t partition, int64_t partitions, const char *watermark,
                            const char **text, size_t *len);

#endif
