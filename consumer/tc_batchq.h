/* tc_batchq.h - an in-order queue of batches (tc_batch.h) between the
 * thread that reads tgcount's input and the thread that counts it, for
 * files and Kafka alike.
 *
 * A fixed ring of batches goes round: the filler takes an empty batch,
 * fills it and publishes it; the taker takes the published batches in the
 * order they were published and gives each back once done with it.  The
 * bounded number of batches keeps the filler at most that far ahead, so
 * memory stays small however large the input.  Two shapes:
 *   - files and stdin: a reader thread fills batches of parsed items, the
 *     counting thread takes them (no stage);
 *   - Kafka: the counting thread fills batches of raw messages and takes
 *     them back parsed: a stage, run on a thread the queue owns, turns
 *     each published batch into items before it can be taken, while the
 *     counting thread polls the next batch.
 * The stage's thread blocks the stop signals (tg_signal.h), so they reach
 * the threads whose blocking calls they are meant to interrupt.
 *
 * Either side can end the queue: the filler closes it (nothing more will
 * be published; the taker still takes what was), the taker cancels it
 * (the filler's next tc_batchq_empty fails, tc_batchq_take returns NULL,
 * and the cancel descriptor becomes readable, so a filler blocked waiting
 * for input can poll() it).
 *
 * The queue owns every batch; the side that holds a batch (between
 * tc_batchq_empty and tc_batchq_publish, or tc_batchq_take and
 * tc_batchq_give_back) is the only one to touch it.
 */
#ifndef TC_BATCHQ_H
#define TC_BATCHQ_H

#include <stdbool.h>
#include <stddef.h>

#include "tc_batch.h"

/* Work done on every published batch, on the queue's own thread, before
 * the taker gets it.  ctx is borrowed: it must outlive the queue. */
struct tc_batchq_stage {
    void (*run)(void *ctx, struct tc_batch *b);
    void *ctx;
};

struct tc_batchq;

/* A queue of nbatches batches (at least 2) of up to batch_items items
 * each, with a stage (copied; NULL: none).  Returns NULL (errno set) when
 * memory, the cancel pipe or the stage's thread could not be had, or the
 * sizes are wrong (EINVAL). */
struct tc_batchq *tc_batchq_new(size_t nbatches, size_t batch_items,
                                const struct tc_batchq_stage *stage);

/* Stops the stage's thread and frees the queue and every batch.  Neither
 * side may use it any more; batches still in the queue are dropped (take
 * them first when what they hold must be released).  NULL-safe. */
void tc_batchq_free(struct tc_batchq *q);

/* ---- the filler's side -------------------------------------------------- */

/* An empty batch to fill (reset, owned by the queue).  When every batch is
 * in use, waits for one to be given back if wait, else returns NULL at
 * once.  NULL once the queue is cancelled. */
struct tc_batch *tc_batchq_empty(struct tc_batchq *q, bool wait);

/* Publishes the batch tc_batchq_empty returned (batches are published in
 * the order they were obtained). */
void tc_batchq_publish(struct tc_batchq *q, struct tc_batch *b);

/* No batch will be published any more. */
void tc_batchq_close(struct tc_batchq *q);

/* A descriptor that becomes readable once the queue is cancelled (owned
 * by the queue). */
int tc_batchq_cancel_fd(const struct tc_batchq *q);

/* ---- the taker's side --------------------------------------------------- */

/* The oldest published batch not taken yet (owned by the queue), once the
 * stage is done with it, waiting up to timeout_ms (-1: as long as it
 * takes).  NULL when the time ran out, once the queue is cancelled, or
 * when every published batch has been taken and none can come: the queue
 * is closed, or it has a stage (then the taker is the filler, so nothing
 * is published while it waits). */
struct tc_batch *tc_batchq_take(struct tc_batchq *q, int timeout_ms);

/* True once tc_batchq_take can return no batch any more: the queue is
 * cancelled, or closed with every published batch taken.  Tells a
 * timed-out take from the end of the queue. */
bool tc_batchq_over(struct tc_batchq *q);

/* Gives back the oldest batch taken, to be filled again. */
void tc_batchq_give_back(struct tc_batchq *q, struct tc_batch *b);

/* Ends the queue from the taker's side; see the file comment.  Calling it
 * again does nothing. */
void tc_batchq_cancel(struct tc_batchq *q);

/* Batches published and not given back yet. */
size_t tc_batchq_in_flight(struct tc_batchq *q);

#endif
