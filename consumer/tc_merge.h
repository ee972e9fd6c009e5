/* tc_merge.h - the state of tgcount --merge: the rows and progress read
 * from a results topic (written by tgcount --output-topic; the schema is
 * in the README, "Merged view"), applied idempotently, and the global
 * windows they make, handed to tc_emit as a single tgcount would.
 *
 *   - A row is the count of one user in one window (spec text, start, end)
 *     from one input partition.  The last value per (spec, start,
 *     partition, username) wins: a row written again (a replay) replaces
 *     the previous one, it is never added to it.
 *   - A progress says that every row of its input partition for windows
 *     ending at or before its watermark has been written.  Each partition's
 *     watermark is the greatest one read; the partition count is the
 *     greatest "partitions" read.
 *   - The merged watermark G is the least watermark of partitions
 *     0..partitions-1 (minus infinity while one has none).  A window with
 *     end <= G is final; its rows are each user's counts summed over the
 *     partitions.
 *
 * Windows are kept, in emission order (end, then start, then spec text in
 * byte order: the results topic does not say in which order tgcount was
 * given its -w, so windows of two specs with the same bounds, such as 1m
 * and 1m/30s, follow their texts), from their first row until they are
 * emitted.  A row that arrives for a window already emitted final (end <=
 * the greatest G emitted) cannot change what was printed: when one of the
 * last TC_MERGE_KEEP_PRINTED windows emitted final has that very row (a
 * writer's replay) it is TC_MERGE_SAME, else it is refused
 * (TC_MERGE_AFTER_FINAL) and counted.
 *
 * Memory: per open window and per kept window, a user table (tc_users.h: about 80 bytes
 * per user plus the name) and 24 bytes per (partition, user) row; per input partition 8
 * bytes.  Everything is owned by the merge state; strings passed in are copied.
 */
#ifndef TC_MERGE_H
#define TC_MERGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_emit.h"

/* At most this many different window specs (texts) in one results topic:
 * tgcount accepts 16 -w, a few writers with different -w could add up. */
#define TC_MERGE_MAX_SPECS 64
/* Windows emitted final kept to recognise replayed rows (a writer that
 * crashed and rewrote a transaction the broker did not hide). */
#define TC_MERGE_KEEP_PRINTED 256
/* Input partitions a progress may name (Kafka's own limits are lower). */
#define TC_MERGE_MAX_PARTITIONS 1000000

/* One row message (strings borrowed for the call, not NUL-terminated). */
struct tc_merge_row {
    const char *spec;
    size_t spec_len;
    int64_t start_ms, end_ms;
    const char *user;
    size_t user_len;
    uint64_t count;
    int32_t partition;
};

/* One progress message. */
struct tc_merge_progress {
    int32_t partition;
    int32_t partitions;
    int64_t watermark_ms;
};

/* What applying a row did (tc_merge_add_row's result). */
enum tc_merge_applied {
    TC_MERGE_NEW = 0,        /* a (window, partition, user) not seen before */
    TC_MERGE_SAME = 1,       /* written again with the same count: no change */
    TC_MERGE_REWRITTEN = 2,  /* written again with another count: replaced */
    TC_MERGE_AFTER_FINAL = 3 /* its window was already emitted final: refused */
};

/* Counters for --stats. */
struct tc_merge_stats {
    uint64_t rows, progress;
    uint64_t same, rewritten, after_final;
    uint64_t windows_final, windows_provisional;
};

struct tc_merge;

/* An empty state.  NULL when out of memory. */
struct tc_merge *tc_merge_new(void);

/* NULL-safe. */
void tc_merge_free(struct tc_merge *m);

/* Applies a row.  Returns an enum tc_merge_applied, or -1 with err set: the
 * row contradicts the state (another end for the same window, more than
 * TC_MERGE_MAX_SPECS specs, end <= start) or memory ran out (err "out of
 * memory"); the state is unchanged then. */
int tc_merge_add_row(struct tc_merge *m, const struct tc_merge_row *r, char *err,
                     size_t errlen);

/* Whether tc_merge_add_row would refuse a row of r's window (spec, start,
 * end, partition; user and count unused) for a reason other than memory:
 * 0, or -1 with err as tc_merge_add_row's.  The state is unchanged: a
 * message of several windows checks them all before applying any row.
 * (Two new specs in one message could still pass one by one and together
 * exceed TC_MERGE_MAX_SPECS.) */
int tc_merge_check_window(const struct tc_merge *m, const struct tc_merge_row *r,
                          char *err, size_t errlen);

/* Applies a progress.  Returns 0, or -1 with err set (partition outside
 * 0..partitions-1, too many partitions, out of memory). */
int tc_merge_add_progress(struct tc_merge *m, const struct tc_merge_progress *p,
                          char *err, size_t errlen);

/* The merged watermark G (INT64_MIN: not known yet). */
int64_t tc_merge_watermark(const struct tc_merge *m);

/* The partition count (0: no progress read yet). */
int32_t tc_merge_partitions(const struct tc_merge *m);

/* Windows held (read, not yet emitted). */
size_t tc_merge_open_windows(const struct tc_merge *m);

/* The text of spec i (tc_window.spec of an emitted window; borrowed,
 * NUL-terminated, valid as long as m). */
const char *tc_merge_spec_text(const struct tc_merge *m, size_t i);

/* Hands every window with end <= G to em, final, in emission order, and
 * forgets them; with rest, then every other window, provisional.  Users
 * whose summed count is 0 are left out, and a window left without rows is
 * not handed over (as tgcount prints no empty window).  Returns 0, or -1
 * when em failed or memory ran out (the window being emitted is kept). */
int tc_merge_emit(struct tc_merge *m, struct tc_emit *x, bool rest, size_t top_n,
                  const struct tc_emitter *em);

const struct tc_merge_stats *tc_merge_stats(const struct tc_merge *m);

#endif
