/* tc_task_codec.h - a task's state in a checkpoint: written by
 * tc_task_save, read back into a fresh task by tc_task_load.
 *
 * Layout (tc_checkpoint.h encoders, little-endian; this is one task of
 * the engine section of checkpoint version TC_CHECKPOINT_VERSION, so it
 * must not change without a new version):
 *   i64 W, i64 greatest event time
 *   u64 users, then each user's name (u32 length, bytes), by index
 *   u64 panes, then for each pane a window open under final_w contains,
 *       in order: i64 number, i64 dirty_w, u32 entries, then (u32 user,
 *       u32 count)
 *   u64 dedup keys, then each key of those panes (i64 channel, i64
 *       message, i64 pane), in the order of the set's segments and slots
 *   u64 fixes, then each fix of a window ending after final_w (u32 spec,
 *       i64 start, u32 user, u64 count)
 * Idle users are saved too, so that indices need no translation.
 *
 * Loading trusts nothing: a checkpoint that passes its checksum can still
 * come from a buggy or edited writer, so every count, time, pane and index
 * is checked before use.
 */
#ifndef TC_TASK_CODEC_H
#define TC_TASK_CODEC_H

#include <stddef.h>

#include "tc_checkpoint.h"
#include "tc_task.h"

/* Appends t's state to buf, as a restart whose engine emitted every
 * window ending at or before final_w needs it; a W below final_w is
 * saved as final_w (the engine raises its tasks lazily).  Returns 0, or
 * -1 when out of memory. */
int tc_task_save(const struct tc_task *t, int64_t final_w, struct tc_ckbuf *buf);

/* Restores state written by tc_task_save with the same final_w into t,
 * which must be fresh (tc_task_is_fresh) and have the same config.
 * Returns 0, or -1 with err when the data is inconsistent (t must then be
 * freed). */
int tc_task_load(struct tc_task *t, int64_t final_w, struct tc_ckreader *rd, char *err,
                 size_t errlen);

#endif
