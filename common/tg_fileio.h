/* tg_fileio.h - whole-file reads and crash-safe writes, for the producer's
 * offset state, the consumer's checkpoints and both tools' metrics files.
 */
#ifndef TG_FILEIO_H
#define TG_FILEIO_H

#include <stddef.h>

/* Replaces path with exactly these bytes, atomically: a temporary file in
 * the same directory, created mode 0600, written, fsync'd, renamed over
 * path, then the directory fsync'd.  A crash leaves either the old or the
 * new content, never a mix; on failure the old file is untouched and the
 * temporary removed.  Returns 0, or -1 with "path: reason" in err. */
int tg_file_write_atomic(const char *path, const void *data, size_t len, char *err,
                         size_t errlen);

/* The same with the file's mode given (e.g. 0644 for a file other users'
 * processes read, such as node_exporter's textfile collector). */
int tg_file_write_atomic_mode(const char *path, const void *data, size_t len,
                              unsigned mode, char *err, size_t errlen);

/* Removes the temporary files tg_file_write_atomic(path, ...) left behind
 * when it was killed mid-write: regular files in path's directory named
 * path's last component followed by ".tmp." and six letters or digits
 * (mkostemp's pattern), nothing else.  Call it only while holding the lock
 * that guards path, or it may remove another writer's file mid-write.
 * Returns 0 with *removed set (a missing directory removes none), or -1
 * with err; files removed before a failure stay removed. */
int tg_file_remove_temps(const char *path, size_t *removed, char *err, size_t errlen);

/* Reads a whole file of at most max_len bytes.  On success returns 0,
 * *data is a malloc'd, NUL-terminated buffer the caller frees and *len its
 * length.  Returns -1 with err (errno kept: ENOENT when missing). */
int tg_file_read_all(const char *path, size_t max_len, char **data, size_t *len,
                     char *err, size_t errlen);

/* Creates a directory and its parents, mode 0700 for the ones it creates.
 * Returns 0 (also when it exists), or -1 with err. */
int tg_mkdir_p(const char *path, char *err, size_t errlen);

#endif
