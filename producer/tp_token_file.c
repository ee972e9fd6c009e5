/* tp_token_file.c - the token file and who else could read it (see
 * tp_token_file.h).  The ACL is parsed here from its documented xattr
 * format, so no libacl is needed. */
#include "tp_token_file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#define ACL_XATTR "system.posix_acl_access"
#define ACL_XATTR_VERSION 2
#define ACL_HEADER_SIZE 4
#define ACL_ENTRY_SIZE 8
/* A few hundred entries: more than any file needs, and a bound on memory. */
#define ACL_MAX_SIZE 65536

/* Entry tags and permission bits of the Linux xattr format
 * (include/uapi/linux/posix_acl.h, posix_acl_xattr.h). */
#define ACL_USER_OBJ 0x01
#define ACL_USER 0x02
#define ACL_GROUP_OBJ 0x04
#define ACL_GROUP 0x08
#define ACL_MASK 0x10
#define ACL_OTHER 0x20
#define ACL_READ 0x04
#define ACL_WRITE 0x02

#define CREDENTIALS_ENV "CREDENTIALS_DIRECTORY"

/* ---- the ACL ------------------------------------------------------------ */

static unsigned read_le16(const unsigned char *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t read_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

int tp_token_file_acl_check(const void *xattr, size_t len, uid_t owner, uid_t self,
                            bool trust_self, char *who, size_t wholen)
{
    const unsigned char *p = xattr;
    if (len < ACL_HEADER_SIZE || (len - ACL_HEADER_SIZE) % ACL_ENTRY_SIZE != 0) {
        snprintf(who, wholen, "an ACL of %zu bytes", len);
        return -1;
    }
    if (read_le32(p) != ACL_XATTR_VERSION) {
        snprintf(who, wholen, "ACL version %u", (unsigned)read_le32(p));
        return -1;
    }
    size_t count = (len - ACL_HEADER_SIZE) / ACL_ENTRY_SIZE;
    const unsigned char *entries = p + ACL_HEADER_SIZE;

    /* Without a mask entry nothing is masked. */
    unsigned mask = ACL_READ | ACL_WRITE;
    for (size_t i = 0; i < count; i++) {
        const unsigned char *e = entries + i * ACL_ENTRY_SIZE;
        if (read_le16(e) == ACL_MASK)
            mask = read_le16(e + 2);
    }
    for (size_t i = 0; i < count; i++) {
        const unsigned char *e = entries + i * ACL_ENTRY_SIZE;
        unsigned tag = read_le16(e), granted = read_le16(e + 2) & (ACL_READ | ACL_WRITE);
        uint32_t id = read_le32(e + 4);
        switch (tag) {
        case ACL_USER_OBJ:
        case ACL_MASK:
            break;
        case ACL_USER:
            if (id == (uint32_t)owner || (trust_self && id == (uint32_t)self))
                break;
            if ((granted & mask) != 0) {
                snprintf(who, wholen, "user %u", (unsigned)id);
                return 1;
            }
            break;
        case ACL_GROUP_OBJ:
            if ((granted & mask) != 0) {
                snprintf(who, wholen, "the file's group");
                return 1;
            }
            break;
        case ACL_GROUP:
            if ((granted & mask) != 0) {
                snprintf(who, wholen, "group %u", (unsigned)id);
                return 1;
            }
            break;
        case ACL_OTHER:
            if (granted != 0) {
                snprintf(who, wholen, "others");
                return 1;
            }
            break;
        default:
            snprintf(who, wholen, "an ACL entry of unknown type %#x", tag);
            return -1;
        }
    }
    return 0;
}

/* ---- the file ----------------------------------------------------------- */

/* True when the file open as st (path as given) lies directly inside
 * $CREDENTIALS_DIRECTORY, symbolic links resolved. */
static bool in_credentials_directory(const char *path, const struct stat *st)
{
    const char *dir = getenv(CREDENTIALS_ENV);
    if (dir == NULL || dir[0] == '\0')
        return false;
    char real_dir[PATH_MAX], real_file[PATH_MAX], parent[PATH_MAX];
    if (realpath(dir, real_dir) == NULL || realpath(path, real_file) == NULL)
        return false;
    snprintf(parent, sizeof parent, "%s", real_file);
    struct stat again;
    /* The path resolved now must still be the file that was opened. */
    if (strcmp(dirname(parent), real_dir) != 0 || stat(real_file, &again) != 0)
        return false;
    return again.st_dev == st->st_dev && again.st_ino == st->st_ino;
}

/* The file's ACL into a new buffer (*acl, *len); 0 when it has one, 1 when
 * it has none (or its file system has no ACLs), -1 with errno. */
static int load_acl(int fd, unsigned char **acl, size_t *len)
{
    ssize_t size = fgetxattr(fd, ACL_XATTR, NULL, 0);
    if (size < 0)
        return errno == ENODATA || errno == ENOTSUP ? 1 : -1;
    if (size > ACL_MAX_SIZE) {
        errno = E2BIG;
        return -1;
    }
    *acl = malloc((size_t)size + 1);
    if (*acl == NULL)
        return -1;
    size = fgetxattr(fd, ACL_XATTR, *acl, (size_t)size);
    if (size < 0) {
        /* ERANGE: it grew meanwhile; ENODATA: it was removed.  Rare enough
         * to refuse rather than chase. */
        free(*acl);
        *acl = NULL;
        return -1;
    }
    *len = (size_t)size;
    return 0;
}

/* Whether anyone but the owner (and, in $CREDENTIALS_DIRECTORY, this
 * process's user) could read or write the file open as fd.  Returns 0, or
 * -1 with err set. */
static int check_private(int fd, const char *path, const struct stat *st, char *err,
                         size_t errlen)
{
    unsigned char *acl = NULL;
    size_t len = 0;
    int loaded = load_acl(fd, &acl, &len);
    if (loaded < 0) {
        snprintf(err, errlen, "--token-file %s: cannot read its ACL: %s; refusing it",
                 path, strerror(errno));
        return -1;
    }
    if (loaded == 1) {
        if ((st->st_mode & 077) == 0)
            return 0;
        snprintf(err, errlen,
                 "--token-file %s: mode %04o lets group or others at the "
                 "token; refusing it (chmod 600 %s)",
                 path, (unsigned)(st->st_mode & 07777), path);
        return -1;
    }
    char who[64];
    bool trust_self = in_credentials_directory(path, st);
    int verdict = tp_token_file_acl_check(acl, len, st->st_uid, geteuid(), trust_self,
                                          who, sizeof who);
    free(acl);
    if (verdict == 0)
        return 0;
    if (verdict < 0)
        snprintf(err, errlen, "--token-file %s: cannot read its ACL (%s); refusing it",
                 path, who);
    else
        snprintf(err, errlen,
                 "--token-file %s: its ACL lets %s at the token; refusing it "
                 "(setfacl -b %s; chmod 600 %s)",
                 path, who, path, path);
    return -1;
}

int tp_token_file_read(const char *path, char *buf, size_t buflen, char *err,
                       size_t errlen)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        snprintf(err, errlen, "--token-file %s: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "--token-file %s: not a regular file", path);
        close(fd);
        return -1;
    }
    if (check_private(fd, path, &st, err, errlen) != 0) {
        close(fd);
        return -1;
    }
    size_t len = 0;
    for (;;) {
        ssize_t n = read(fd, buf + len, buflen - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(err, errlen, "--token-file %s: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len == buflen - 1) {
            snprintf(err, errlen, "--token-file %s: too long for a bot token", path);
            close(fd);
            return -1;
        }
    }
    close(fd);
    buf[len] = '\0';
    return 0;
}
