/* tg_lockfile.h - a run lock: an exclusive flock on a file of its own,
 * held for as long as the lock lives, so that two runs of a tool never
 * share the state it guards (tgproducer's offset file, tgcount's
 * checkpoint directory).
 *
 * The locked file holds the holder's pid ("1234\n"), written once the lock
 * is taken, so that a refused process can say who holds it.  The pid is a
 * courtesy: the flock alone decides, and the kernel releases it when the
 * holder exits, however it exits, so a crash never leaves a stale lock.
 * Keep the lock on a file that is never replaced by rename: a lock on an
 * inode that a rename unlinked guards nothing.
 */
#ifndef TG_LOCKFILE_H
#define TG_LOCKFILE_H

#include <stddef.h>

struct tg_lockfile;

/* Opens path (created mode 0600 when missing; a symbolic link or anything
 * but a regular file is refused), takes an exclusive flock without
 * waiting, and writes this process's pid into it.  Returns a new lock for
 * tg_lockfile_free, or NULL with err and errno: EWOULDBLOCK when another
 * process holds the lock, and then *holder is its pid, or 0 when it cannot
 * be known (holder may be NULL); any other errno means the file is
 * unusable ("path: reason" in err).  path is not kept. */
struct tg_lockfile *tg_lockfile_take(const char *path, long *holder, char *err,
                                     size_t errlen);

/* Releases the lock and frees it.  The file stays, so that the next run
 * locks the same inode.  NULL-safe. */
void tg_lockfile_free(struct tg_lockfile *lock);

#endif
