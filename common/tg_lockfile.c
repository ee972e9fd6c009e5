/* tg_lockfile.c - the run lock (see tg_lockfile.h). */
#include "tg_lockfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

struct tg_lockfile {
    int fd;
};

/* The pid the holder wrote, or 0 when the file does not hold one (yet: the
 * holder writes it just after taking the lock). */
static long read_holder(int fd)
{
    char buf[32];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    char *end = NULL;
    errno = 0;
    long pid = strtol(buf, &end, 10);
    if (errno != 0 || end == buf || pid <= 0 || (*end != '\n' && *end != '\0'))
        return 0;
    return pid;
}

/* Replaces the file's content with our pid.  A failure (a full disk) is
 * ignored: the flock is taken, and only the refused process's message
 * loses its pid. */
static void write_pid(int fd)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) == 0) {
        ssize_t written = pwrite(fd, buf, (size_t)n, 0);
        (void)written;
    }
}

struct tg_lockfile *tg_lockfile_take(const char *path, long *holder, char *err,
                                     size_t errlen)
{
    if (holder != NULL)
        *holder = 0;
    struct tg_lockfile *lock = malloc(sizeof *lock);
    if (lock == NULL) {
        snprintf(err, errlen, "%s: out of memory", path);
        errno = ENOMEM;
        return NULL;
    }
    /* O_NONBLOCK: a FIFO planted under the name must not hang the open. */
    lock->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
    struct stat st;
    int e = 0;
    if (lock->fd < 0) {
        e = errno;
        snprintf(err, errlen, "%s: %s", path, strerror(e));
    } else if (fstat(lock->fd, &st) != 0) {
        e = errno;
        snprintf(err, errlen, "%s: %s", path, strerror(e));
    } else if (!S_ISREG(st.st_mode)) {
        e = EINVAL;
        snprintf(err, errlen, "%s: not a regular file", path);
    } else if (flock(lock->fd, LOCK_EX | LOCK_NB) != 0) {
        e = errno;
        if (e == EWOULDBLOCK) {
            long pid = read_holder(lock->fd);
            if (holder != NULL)
                *holder = pid;
            snprintf(err, errlen, "%s is locked by another process", path);
        } else {
            snprintf(err, errlen, "%s: cannot lock: %s", path, strerror(e));
        }
    }
    if (e != 0) {
        if (lock->fd >= 0)
            close(lock->fd);
        free(lock);
        errno = e;
        return NULL;
    }
    write_pid(lock->fd);
    return lock;
}

void tg_lockfile_free(struct tg_lockfile *lock)
{
    if (lock == NULL)
        return;
    /* Closing the only descriptor releases the flock. */
    close(lock->fd);
    free(lock);
}
