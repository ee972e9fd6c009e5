/* tc_results_msg.h - the results topic's message values ("row" and
 * "progress", README "Results topic"), formatted straight into a reusable
 * buffer: the same bytes jansson's json_dumps(JSON_COMPACT |
 * JSON_PRESERVE_ORDER) wrote for them, at a fraction of its cost (a
 * window's rows share everything but the username and the count).
 * Strings are escaped by tc_jsonstr.h (TC_JSONSTR_JANSSON).
 *
 *   {"type":"row","window":W,"start":S,"end":E,"username":U,"count":N,
 *    "final":true,"topic":T,"partition":P}
 *   {"type":"progress","topic":T,"partition":P,"partitions":N,
 *    "watermark":WM}
 *
 * One struct per producer, used by one thread; the text a call gives is
 * owned by the struct and valid until its next call.
 */
#ifndef TC_RESULTS_MSG_H
#define TC_RESULTS_MSG_H

#include <stddef.h>
#include <stdint.h>

struct tc_results_msg;

/* Returns 0, or -1 when out of memory, or this when a username is not
 * valid UTF-8 (which jansson refused too). */
#define TC_RESULTS_MSG_BAD_NAME (-2)

/* NULL when out of memory. */
struct tc_results_msg *tc_results_msg_new(void);

/* NULL-safe. */
void tc_results_msg_free(struct tc_results_msg *m);

/* Sets the fields the next rows share: the window spec as the user wrote
 * it, its start and end as text (tg_time_format), the input topic and
 * partition.  The strings are copied.  Returns 0 or -1. */
int tc_results_msg_window(struct tc_results_msg *m, const char *spec, const char *start,
                          const char *end, const char *topic, int64_t partition);

/* One "row" message of the window last set: *text (not NUL-terminated)
 * and *len.  Returns 0, -1 or TC_RESULTS_MSG_BAD_NAME. */
int tc_results_msg_row(struct tc_results_msg *m, const char *name, size_t name_len,
                       uint64_t count, const char **text, size_t *len);

/* One "progress" message; does not change the window's fields. */
int tc_results_msg_progress(struct tc_results_msg *m, const char *topic,
                            int64_t partition, int64_t partitions, const char *watermark,
                            const char **text, size_t *len);

#endif
