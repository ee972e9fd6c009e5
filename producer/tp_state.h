/* tp_state.h - tgproducer's persistent offset and its run lock.
 *
 * The state file holds the next getUpdates offset ("123457\n"): every
 * update below it was delivered.  It is replaced atomically, mode 0600, so
 * a crash leaves the old offset or the new one, never a torn file.
 *
 * Next to it, "<state>.lock" carries an flock held for the whole run
 * (tg_lockfile.h: it also holds the running pid), so
 * two overlapping runs (cron every minute, a slow drain) never poll the
 * same bot at once.  The lock lives on a separate file because the state
 * file is replaced by rename, which would leave a lock on the old inode.
 */
#ifndef TP_STATE_H
#define TP_STATE_H

#include <stddef.h>
#include <stdint.h>

struct tp_state;

/* The default state path for a bot: $XDG_STATE_HOME/tgproducer/<bot_id>.offset
 * when XDG_STATE_HOME is an absolute path, else
 * $HOME/.local/state/tgproducer/<bot_id>.offset (HOME from the password
 * database when unset).  Returns 0 with the path in buf, or -1 with err. */
int tp_state_default_path(int64_t bot_id, char *buf, size_t buflen, char *err,
                          size_t errlen);

/* Creates the state file's directory if needed (mode 0700) and takes the
 * lock without waiting.  Returns a new state for tp_state_free, or NULL
 * with err; errno is EWOULDBLOCK when another process holds the lock
 * (the caller exits TG_EXIT_TEMPFAIL), anything else means the directory
 * or lock file is unusable.  path is copied. */
struct tp_state *tp_state_open(const char *path, char *err, size_t errlen);

/* Releases the lock and frees st.  NULL-safe. */
void tp_state_free(struct tp_state *st);

/* The state file's path (owned by st). */
const char *tp_state_path(const struct tp_state *st);

/* Reads the stored offset: 0 with *offset set (0 when there is no file
 * yet), or -1 with err when the file cannot be read or does not hold one
 * non-negative integer. */
int tp_state_load(struct tp_state *st, int64_t *offset, char *err, size_t errlen);

/* Stores offset atomically.  On failure the previous file is intact.
 * Returns 0, or -1 with err ("path: reason"). */
int tp_state_save(struct tp_state *st, int64_t offset, char *err, size_t errlen);

#endif
