/* tc_merge_msg.h - one message of a results topic (README, "Merged
 * view"), decoded: rows (a "windows", "rows" or "row" message), a
 * progress, or something else to ignore.
 *
 * The value must be one JSON object (jansson, duplicate keys refused) with
 * a string "type".
 *   - "windows" (what tgcount --output-topic writes) needs partition (a
 *     non-negative integer) and windows: a non-empty array of window
 *     elements, objects with window (a non-empty string), start, end
 *     (ISO-8601 times) and counts: a non-empty object, username -> count
 *     (a non-negative integer).  Each entry of each element's counts is one
 *     row with that element's window, start and end and the message's
 *     partition.
 *   - "rows" (older writers) is one window element and partition in one
 *     object: each entry of counts is one row.
 *   - "row" (older writers) needs window, start, end, username (strings),
 *     count and partition: one row.
 *   - "progress" needs partition, partitions and watermark (a time).
 * "topic" (the input topic) is kept when it is a string.  Unknown fields,
 * at the top or in a window element, and messages of another type are
 * ignored (forward compatibility); anything else is malformed, with a
 * reason that names the field and its position (element, entry), never a
 * username.  A message is checked whole, every element and entry, before
 * the parse returns: it is valid or malformed as one.
 *
 * The rows of a message are handed out by tc_merge_msg_next_row, into
 * msg->row; its windows (one for "row" and "rows") can be looked at first
 * with tc_merge_msg_window.
 *
 * The decoded strings are borrowed from the JSON tree the message owns:
 * valid until tc_merge_msg_clear.
 */
#ifndef TC_MERGE_MSG_H
#define TC_MERGE_MSG_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "tc_merge.h"

enum tc_merge_msg_kind {
    TC_MERGE_MSG_ROW,
    TC_MERGE_MSG_ROWS,
    TC_MERGE_MSG_WINDOWS,
    TC_MERGE_MSG_PROGRESS,
    TC_MERGE_MSG_OTHER, /* another type: ignored */
};

struct tc_merge_msg {
    enum tc_merge_msg_kind kind;
    /* Kind ROW: the row.  Kinds ROWS and WINDOWS: the row
     * tc_merge_msg_next_row gave last (its window's fields, the message's
     * partition, the entry's username and count). */
    struct tc_merge_row row;
    size_t nrows;    /* ROW: 1; ROWS, WINDOWS: entries of every counts; else 0 */
    size_t nwindows; /* ROW, ROWS: 1; WINDOWS: elements; else 0 */
    size_t given;    /* rows tc_merge_msg_next_row gave */
    struct tc_merge_progress progress; /* kind PROGRESS */
    const char *topic;                 /* NULL when absent */
    json_t *root;                      /* owned */
    json_t *windows;                   /* WINDOWS: the windows array, in root */
    struct tc_merge_row *heads;        /* WINDOWS: each element's window and the
                                        * partition, parsed once; owned */
    size_t window;                     /* ROWS, WINDOWS: windows whose rows were begun */
    json_t *counts;                    /* ROWS, WINDOWS: the current window's counts */
    void *next;                        /* its next entry (jansson iterator); NULL: none */
};

/* Decodes value[0..len).  Returns 0, or -1 with err set (malformed); msg
 * must be cleared either way. */
int tc_merge_msg_parse(struct tc_merge_msg *msg, const char *value, size_t len, char *err,
                       size_t errlen);

/* The next row of a ROW, ROWS or WINDOWS message, into msg->row: true,
 * or false when every row was given (at once for the other kinds).  Each
 * row of the message is given once: window after window, in the message's
 * order, the entries of one in no particular order. */
bool tc_merge_msg_next_row(struct tc_merge_msg *msg);

/* Window i (0..nwindows-1) of a ROW, ROWS or WINDOWS message into r:
 * spec, start, end and partition (user NULL, count 0), borrowed as the
 * rows are.  False when there is no window i. */
bool tc_merge_msg_window(const struct tc_merge_msg *msg, size_t i,
                         struct tc_merge_row *r);

/* Releases the JSON tree.  NULL-safe. */
void tc_merge_msg_clear(struct tc_merge_msg *msg);

#endif
