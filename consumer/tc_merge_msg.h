/* tc_merge_msg.h - one message of a results topic (README, "Merged
 * view"), decoded: a row, a batch of rows, a progress, or something else to
 * ignore.
 *
 * The value must be one JSON object (jansson, duplicate keys refused) with
 * a string "type".  "row" needs window, start, end, username (strings;
 * start and end ISO-8601 times), count and partition (non-negative
 * integers); "rows" needs the same but username and count, and counts: a
 * non-empty object, username -> count (a non-negative integer), each entry
 * one row with the message's window, start, end and partition; "progress"
 * needs partition, partitions and watermark (an ISO-8601 time).  "topic"
 * (the input topic) is kept when it is a string.  Unknown fields, and
 * messages of another type, are ignored (forward compatibility); anything
 * else is malformed, with a reason.  A "rows" message is checked whole,
 * every entry, before the parse returns: it is valid or malformed as one.
 *
 * The rows of a message (one for "row", one per entry of counts for
 * "rows") are handed out by tc_merge_msg_next_row, into msg->row.
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
    TC_MERGE_MSG_PROGRESS,
    TC_MERGE_MSG_OTHER, /* another type: ignored */
};

struct tc_merge_msg {
    enum tc_merge_msg_kind kind;
    /* Kind ROW: the row.  Kind ROWS: the shared fields, and the username
     * and count of the entry tc_merge_msg_next_row gave last. */
    struct tc_merge_row row;
    size_t nrows;                      /* ROW: 1; ROWS: entries of counts; else 0 */
    size_t given;                      /* rows tc_merge_msg_next_row gave */
    struct tc_merge_progress progress; /* kind PROGRESS */
    const char *topic;                 /* NULL when absent */
    json_t *root;                      /* owned */
    json_t *counts;                    /* ROWS: the counts object, in root */
    void *next;                        /* ROWS: its next entry (jansson iterator) */
};

/* Decodes value[0..len).  Returns 0, or -1 with err set (malformed); msg
 * must be cleared either way. */
int tc_merge_msg_parse(struct tc_merge_msg *msg, const char *value, size_t len, char *err,
                       size_t errlen);

/* The next row of a ROW or ROWS message, into msg->row: true, or false
 * when every row was given (at once for the other kinds).  Each row of the
 * message is given once, in no particular order. */
bool tc_merge_msg_next_row(struct tc_merge_msg *msg);

/* Releases the JSON tree.  NULL-safe. */
void tc_merge_msg_clear(struct tc_merge_msg *msg);

#endif
