/* tc_worker.h - a thread that parses records for the thread that counts
 * them.  The Kafka consumer polls a batch of messages, submits it, and
 * while the worker parses it, polls the next; it takes the batches back
 * parsed in the order it submitted them, so counting sees every record in
 * the order it was polled, exactly as if it had parsed it itself.
 *
 * Parsing: a record (Kafka message) longer than max_record is
 * malformed without being parsed, else tg_record_read decides.
 *
 * A batch has a fixed number of slots for records; the caller owns the
 * records (data) and its tags until it has taken the batch back, except
 * that a worker made with a release function calls it on the tag of each
 * record it has parsed (not on a pass-through's) and sets that tag to NULL:
 * freeing Kafka messages there takes the work off the counting thread.
 * The worker owns its thread: stop signals are blocked in it, so they
 * reach the caller's thread as before.
 */
#ifndef TC_WORKER_H
#define TC_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include "tc_handoff.h"

struct tc_work {
    size_t count;       /* records submitted, at most capacity */
    size_t capacity;
    const char **data;  /* record i's bytes; NULL: not a record, passed through */
    size_t *len;
    void **tags;        /* the caller's, one per record (its message) */
    int32_t *partition; /* the caller's, one per record: where it came from */
    int64_t *offset;
    struct tc_batch parsed; /* once taken: item i is record i's outcome:
                             * TC_ITEM_RECORD, _MALFORMED (text: the reason),
                             * _PASS (data was NULL) or _NO_MEMORY */
};

struct tc_worker;

/* Starts a worker with nbatches (at least 2) batches of batch_records
 * slots each; release (may be NULL) is called on the worker's thread, see
 * above.  Returns NULL (errno set) when memory or the thread could not be
 * had. */
struct tc_worker *tc_worker_new(size_t nbatches, size_t batch_records, size_t max_record,
                                void (*release)(void *tag));

/* Stops the thread and frees everything.  Batches still submitted are
 * dropped: take them back first when their records must be released.
 * NULL-safe. */
void tc_worker_free(struct tc_worker *w);

/* The next batch to fill (count 0), or NULL while every batch is submitted
 * or taken.  Fill it, then tc_worker_submit. */
struct tc_work *tc_worker_next(struct tc_worker *w);

/* Submits the batch tc_worker_next returned, with its count set. */
void tc_worker_submit(struct tc_worker *w);

/* Batches submitted and not yet released. */
size_t tc_worker_in_flight(const struct tc_worker *w);

/* The oldest submitted batch once it is parsed, waiting up to timeout_ms
 * (-1: as long as it takes); NULL when nothing is in flight or the time
 * ran out.  Release it when done with it. */
struct tc_work *tc_worker_take(struct tc_worker *w, int timeout_ms);

/* Gives back the batch tc_worker_take returned. */
void tc_worker_release(struct tc_worker *w);

#endif
