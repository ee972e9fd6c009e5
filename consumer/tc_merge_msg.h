/* tc_merge_msg.h - one message of a results topic (README, "Merged
 * view"), decoded: a row, a progress, or something else to ignore.
 *
 * The value must be one JSON object (jansson, duplicate keys refused) with
 * a string "type".  "row" needs window, start, end, username (strings;
 * start and end ISO-8601 times), count and partition (non-negative
 * integers); "progress" needs partition, partitions and watermark (an
 * ISO-8601 time).  "topic" (the input topic) is kept when it is a string.
 * Unknown fields, and messages of another type, are ignored (forward
 * compatibility); anything else is malformed, with a reason.
 *
 * The decoded strings are borrowed from the JSON tree the message owns:
 * valid until tc_merge_msg_clear.
 */
#ifndef TC_MERGE_MSG_H
#define TC_MERGE_MSG_H

#include <stddef.h>

#include <jansson.h>

#include "tc_merge.h"

enum tc_merge_msg_kind {
    TC_MERGE_MSG_ROW,
    TC_MERGE_MSG_PROGRESS,
    TC_MERGE_MSG_OTHER, /* another type: ignored */
};

struct tc_merge_msg {
    enum tc_merge_msg_kind kind;
    struct tc_merge_row row;           /* kind ROW */
    struct tc_merge_progress progress; /* kind PROGRESS */
    const char *topic;                 /* NULL when absent */
    json_t *root;                      /* owned */
};

/* Decodes value[0..len).  Returns 0, or -1 with err set (malformed); msg
 * must be cleared either way. */
int tc_merge_msg_parse(struct tc_merge_msg *msg, const char *value, size_t len, char *err,
                       size_t errlen);

/* Releases the JSON tree.  NULL-safe. */
void tc_merge_msg_clear(struct tc_merge_msg *msg);

#endif
