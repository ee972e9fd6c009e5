/* tp_state.c - the offset file and the run lock (see tp_state.h). */
#include "tp_state.h"

#include <errno.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tg_fileio.h"
#include "tg_lockfile.h"

/* An offset is at most 19 digits; anything much longer is not ours. */
#define STATE_MAX_BYTES 64

struct tp_state {
    char *path;
    struct tg_lockfile *lock;
};

int tp_state_default_path(int64_t bot_id, char *buf, size_t buflen, char *err,
                          size_t errlen)
{
    const char *xdg = getenv("XDG_STATE_HOME");
    int n;
    /* The XDG spec says relative values are invalid and must be ignored. */
    if (xdg != NULL && xdg[0] == '/') {
        n = snprintf(buf, buflen, "%s/tgproducer/%" PRId64 ".offset", xdg, bot_id);
    } else {
        const char *home = getenv("HOME");
        if (home == NULL || home[0] == '\0') {
            struct passwd *pw = getpwuid(getuid());
            home = pw != NULL ? pw->pw_dir : NULL;
        }
        if (home == NULL || home[0] == '\0') {
            snprintf(err, errlen,
                     "no HOME or XDG_STATE_HOME for the state file; "
                     "use --state FILE");
            return -1;
        }
        n = snprintf(buf, buflen, "%s/.local/state/tgproducer/%" PRId64 ".offset", home,
                     bot_id);
    }
    if (n < 0 || (size_t)n >= buflen) {
        snprintf(err, errlen, "state file path too long; use --state FILE");
        return -1;
    }
    return 0;
}

static int make_parent_dir(const char *path, char *err, size_t errlen)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL || slash == path)
        return 0;
    char *dir = strndup(path, (size_t)(slash - path));
    if (dir == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = tg_mkdir_p(dir, err, errlen);
    free(dir);
    return rc;
}

struct tp_state *tp_state_open(const char *path, char *err, size_t errlen)
{
    if (make_parent_dir(path, err, errlen) != 0)
        return NULL;
    struct tp_state *st = calloc(1, sizeof *st);
    size_t plen = strlen(path);
    char *lock_path = malloc(plen + sizeof ".lock");
    if (st == NULL || lock_path == NULL || (st->path = strdup(path)) == NULL) {
        free(st);
        free(lock_path);
        snprintf(err, errlen, "out of memory");
        errno = ENOMEM;
        return NULL;
    }
    memcpy(lock_path, path, plen);
    memcpy(lock_path + plen, ".lock", sizeof ".lock");

    long holder = 0;
    st->lock = tg_lockfile_take(lock_path, &holder, err, errlen);
    if (st->lock == NULL) {
        int e = errno;
        if (e == EWOULDBLOCK && holder > 0)
            snprintf(err, errlen,
                     "%s is locked: another tgproducer (pid %ld) is running for "
                     "this bot and state file",
                     lock_path, holder);
        else if (e == EWOULDBLOCK)
            snprintf(err, errlen,
                     "%s is locked: another tgproducer is running for "
                     "this bot and state file",
                     lock_path);
        free(lock_path);
        tp_state_free(st);
        errno = e;
        return NULL;
    }
    free(lock_path);
    return st;
}

void tp_state_free(struct tp_state *st)
{
    if (st == NULL)
        return;
    tg_lockfile_free(st->lock);
    free(st->path);
    free(st);
}

const char *tp_state_path(const struct tp_state *st)
{
    return st->path;
}

int tp_state_load(struct tp_state *st, int64_t *offset, char *err, size_t errlen)
{
    char *data = NULL;
    size_t len = 0;
    if (tg_file_read_all(st->path, STATE_MAX_BYTES, &data, &len, err, errlen) != 0) {
        if (errno == ENOENT) {
            *offset = 0;
            return 0;
        }
        return -1;
    }
    const char *p = data;
    char *end = NULL;
    errno = 0;
    long long v = -1;
    if (len > 0 && p[0] >= '0' && p[0] <= '9')
        v = strtoll(p, &end, 10);
    if (end != NULL)
        while (*end == '\n' || *end == '\r' || *end == ' ')
            end++;
    bool ok = v >= 0 && errno == 0 && end != NULL && (size_t)(end - p) == len;
    free(data);
    if (!ok) {
        snprintf(err, errlen,
                 "%s: not an offset (one non-negative integer); fix or "
                 "remove it",
                 st->path);
        return -1;
    }
    *offset = (int64_t)v;
    return 0;
}

int tp_state_save(struct tp_state *st, int64_t offset, char *err, size_t errlen)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%" PRId64 "\n", offset);
    return tg_file_write_atomic(st->path, buf, (size_t)n, err, errlen);
}
