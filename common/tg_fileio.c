#include "tg_fileio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* mkostemp replaces the Xs with letters and digits; tg_file_remove_temps
 * recognises its leftovers by this pattern. */
#define TEMP_MARK ".tmp."
#define TEMP_SUFFIX TEMP_MARK "XXXXXX"
#define TEMP_RANDOM_LEN 6

/* Fills err with "<path>: <what>: <strerror(errno)>" and keeps errno. */
static int fail(char *err, size_t errlen, const char *path, const char *what)
{
    int saved = errno;
    snprintf(err, errlen, "%s: %s: %s", path, what, strerror(saved));
    errno = saved;
    return -1;
}

static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Makes a rename in path's directory durable.  Filesystems that cannot
 * fsync a directory say EINVAL; there is nothing more to do on those. */
static int sync_parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir;
    if (slash == NULL)
        dir = strdup(".");
    else if (slash == path)
        dir = strdup("/");
    else
        dir = strndup(path, (size_t)(slash - path));
    if (dir == NULL)
        return -1;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    if (rc != 0 && errno == EINVAL)
        rc = 0;
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

int tg_file_write_atomic(const char *path, const void *data, size_t len, char *err,
                         size_t errlen)
{
    return tg_file_write_atomic_mode(path, data, len, 0600, err, errlen);
}

int tg_file_write_atomic_mode(const char *path, const void *data, size_t len,
                              unsigned mode, char *err, size_t errlen)
{
    if (path == NULL || *path == '\0') {
        errno = EINVAL;
        snprintf(err, errlen, "empty path");
        return -1;
    }
    size_t path_len = strlen(path);
    char *tmp = malloc(path_len + sizeof TEMP_SUFFIX);
    if (tmp == NULL)
        return fail(err, errlen, path, "cannot allocate");
    memcpy(tmp, path, path_len);
    memcpy(tmp + path_len, TEMP_SUFFIX, sizeof TEMP_SUFFIX);

    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        fail(err, errlen, path, "cannot create temporary file");
        free(tmp);
        return -1;
    }
    const char *what = NULL;
    if (fchmod(fd, (mode_t)mode) != 0)
        what = "cannot set its mode";
    else if (write_all(fd, data, len) != 0)
        what = "cannot write";
    else if (fsync(fd) != 0)
        what = "cannot sync";
    if (what != NULL) {
        int saved = errno;
        close(fd);
        errno = saved;
    } else if (close(fd) != 0) {
        what = "cannot write"; /* delayed write errors show up here (NFS) */
    } else if (rename(tmp, path) != 0) {
        what = "cannot rename temporary file";
    }
    if (what != NULL) {
        int saved = errno;
        unlink(tmp);
        errno = saved;
        fail(err, errlen, path, what);
        free(tmp);
        return -1;
    }
    free(tmp);
    if (sync_parent_dir(path) != 0)
        return fail(err, errlen, path, "written, but cannot sync its directory");
    return 0;
}

/* fail() for a file named in a directory. */
static int fail_in(char *err, size_t errlen, const char *dir, const char *name,
                   const char *what)
{
    int saved = errno;
    snprintf(err, errlen, "%s/%s: %s: %s", dir, name, what, strerror(saved));
    errno = saved;
    return -1;
}

/* True when name is base TEMP_MARK and TEMP_RANDOM_LEN letters or digits. */
static int is_temp_of(const char *name, const char *base, size_t base_len)
{
    if (strncmp(name, base, base_len) != 0)
        return 0;
    name += base_len;
    if (strncmp(name, TEMP_MARK, strlen(TEMP_MARK)) != 0)
        return 0;
    name += strlen(TEMP_MARK);
    size_t n = 0;
    for (; name[n] != '\0'; n++) {
        char c = name[n];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            return 0;
    }
    return n == TEMP_RANDOM_LEN;
}

int tg_file_remove_temps(const char *path, size_t *removed, char *err, size_t errlen)
{
    *removed = 0;
    if (path == NULL || *path == '\0') {
        errno = EINVAL;
        snprintf(err, errlen, "empty path");
        return -1;
    }
    const char *slash = strrchr(path, '/');
    const char *base = slash != NULL ? slash + 1 : path;
    char *dir = slash == NULL   ? strdup(".")
                : slash == path ? strdup("/")
                                : strndup(path, (size_t)(slash - path));
    if (dir == NULL)
        return fail(err, errlen, path, "cannot allocate");
    DIR *d = opendir(dir);
    if (d == NULL) {
        int rc = errno == ENOENT ? 0 : fail(err, errlen, dir, "cannot list directory");
        free(dir);
        return rc;
    }
    size_t base_len = strlen(base);
    int rc = 0;
    struct dirent *ent;
    /* readdir returns NULL at the end and on error; errno tells them apart. */
    for (errno = 0; (ent = readdir(d)) != NULL; errno = 0) {
        if (!is_temp_of(ent->d_name, base, base_len))
            continue;
        struct stat st;
        if (fstatat(dirfd(d), ent->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno == ENOENT)
                continue;
            rc = fail_in(err, errlen, dir, ent->d_name, "cannot inspect");
            break;
        }
        if (!S_ISREG(st.st_mode))
            continue;
        if (unlinkat(dirfd(d), ent->d_name, 0) != 0) {
            if (errno == ENOENT)
                continue;
            rc = fail_in(err, errlen, dir, ent->d_name, "cannot remove");
            break;
        }
        (*removed)++;
    }
    if (rc == 0 && ent == NULL && errno != 0)
        rc = fail(err, errlen, dir, "cannot list directory");
    int saved = errno;
    closedir(d);
    free(dir);
    errno = saved;
    return rc;
}

int tg_file_read_all(const char *path, size_t max_len, char **data, size_t *len,
                     char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail(err, errlen, path, "cannot open");
    /* One byte past max_len is read to tell "exactly max_len" from "more". */
    size_t limit = max_len < SIZE_MAX - 1 ? max_len + 1 : SIZE_MAX - 1;
    char *buf = NULL;
    size_t cap = 0, used = 0;
    const char *what = NULL;
    for (;;) {
        if (used == cap) {
            if (cap == limit) {
                errno = EFBIG;
                what = "file too large";
                break;
            }
            size_t want = cap == 0 ? 4096 : cap * 2;
            if (want > limit || want < cap)
                want = limit;
            char *grown = realloc(buf, want + 1);
            if (grown == NULL) {
                what = "cannot allocate";
                break;
            }
            buf = grown;
            cap = want;
        }
        ssize_t n = read(fd, buf + used, cap - used);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            what = "cannot read";
            break;
        }
        if (n == 0)
            break;
        used += (size_t)n;
    }
    int saved = errno;
    close(fd);
    errno = saved;
    if (what == NULL && used > max_len) {
        errno = EFBIG;
        what = "file too large";
    }
    if (what != NULL) {
        free(buf);
        return fail(err, errlen, path, what);
    }
    buf[used] = '\0';
    *data = buf;
    *len = used;
    return 0;
}

/* Creates one directory; an existing directory is fine, anything else in
 * its place is not. */
static int make_dir(const char *dir)
{
    if (mkdir(dir, 0700) == 0)
        return 0;
    if (errno != EEXIST)
        return -1;
    struct stat st;
    if (stat(dir, &st) != 0)
        return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

int tg_mkdir_p(const char *path, char *err, size_t errlen)
{
    if (path == NULL || *path == '\0') {
        errno = EINVAL;
        snprintf(err, errlen, "empty path");
        return -1;
    }
    char *dir = strdup(path);
    if (dir == NULL)
        return fail(err, errlen, path, "cannot allocate");
    for (char *p = dir + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (make_dir(dir) != 0) {
            fail(err, errlen, dir, "cannot create directory");
            free(dir);
            return -1;
        }
        *p = saved;
        if (saved == '\0')
            break;
    }
    free(dir);
    return 0;
}
