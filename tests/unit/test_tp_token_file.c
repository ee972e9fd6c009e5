/* Unit tests for producer/tp_token_file.c: the ACL verdict on hand-built
 * xattr values (every entry type, the mask, the owner, the process's own
 * user in $CREDENTIALS_DIRECTORY, malformed values), and real files: mode
 * bits, ACLs written with fsetxattr, and a credential laid out as systemd's
 * LoadCredential= does (needs root to give the file another owner). */
#include "tg_test.h"
#include "tp_token_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#define TOKEN "123456:AAE_secret-part-of-the-token-0123456789"

enum { USER_OBJ = 1, USER = 2, GROUP_OBJ = 4, GROUP = 8, MASK = 0x10, OTHER = 0x20 };
enum { R = 4, W = 2, X = 1 };
#define NO_ID 0xffffffffu

struct entry {
    unsigned tag, perm;
    uint32_t id;
};

/* The xattr value of entries, as the kernel stores it (little-endian). */
static size_t build_acl(unsigned char *out, const struct entry *e, size_t n)
{
    out[0] = 2, out[1] = out[2] = out[3] = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char *p = out + 4 + 8 * i;
        p[0] = (unsigned char)e[i].tag, p[1] = (unsigned char)(e[i].tag >> 8);
        p[2] = (unsigned char)e[i].perm, p[3] = (unsigned char)(e[i].perm >> 8);
        for (int b = 0; b < 4; b++)
            p[4 + b] = (unsigned char)(e[i].id >> (8 * b));
    }
    return 4 + 8 * n;
}

static int verdict(const struct entry *e, size_t n, bool trust_self, char *who)
{
    unsigned char acl[256];
    size_t len = build_acl(acl, e, n);
    /* The file's owner is 1000, the process runs as 2000. */
    return tp_token_file_acl_check(acl, len, 1000, 2000, trust_self, who, 64);
}

#define ACL(...) ((const struct entry[]){__VA_ARGS__})
#define N(...) (sizeof((const struct entry[]){__VA_ARGS__}) / sizeof(struct entry))
#define CHECK_ACL(expected, trust, expected_who, ...)                                    \
    do {                                                                                 \
        char who_[64] = "";                                                              \
        CHECK_INT(verdict(ACL(__VA_ARGS__), N(__VA_ARGS__), trust, who_), expected);     \
        CHECK_STR(who_, expected_who);                                                   \
    } while (0)

static void test_acl_verdicts(void)
{
    /* Only the owner (a minimal ACL, as 0600). */
    CHECK_ACL(0, false, "", {USER_OBJ, R | W, NO_ID}, {GROUP_OBJ, 0, NO_ID},
              {OTHER, 0, NO_ID});
    /* A named entry for the owner itself, execute bits for others: fine. */
    CHECK_ACL(0, false, "", {USER_OBJ, R | W, NO_ID}, {USER, R, 1000},
              {GROUP_OBJ, 0, NO_ID}, {MASK, R, NO_ID}, {OTHER, X, NO_ID});
    /* Another user may read. */
    CHECK_ACL(1, false, "user 1001", {USER_OBJ, R, NO_ID}, {USER, R, 1001},
              {GROUP_OBJ, 0, NO_ID}, {MASK, R, NO_ID}, {OTHER, 0, NO_ID});
    /* ... or write. */
    CHECK_ACL(1, false, "user 1001", {USER_OBJ, R, NO_ID}, {USER, W, 1001},
              {GROUP_OBJ, 0, NO_ID}, {MASK, R | W, NO_ID}, {OTHER, 0, NO_ID});
    /* The mask takes it away again. */
    CHECK_ACL(0, false, "", {USER_OBJ, R, NO_ID}, {USER, R | W, 1001},
              {GROUP_OBJ, R, NO_ID}, {GROUP, R, 50}, {MASK, X, NO_ID}, {OTHER, 0, NO_ID});
    CHECK_ACL(1, false, "group 50", {USER_OBJ, R, NO_ID}, {GROUP_OBJ, 0, NO_ID},
              {GROUP, R, 50}, {MASK, R, NO_ID}, {OTHER, 0, NO_ID});
    CHECK_ACL(1, false, "the file's group", {USER_OBJ, R, NO_ID}, {GROUP_OBJ, R, NO_ID},
              {MASK, R, NO_ID}, {OTHER, 0, NO_ID});
    /* Without a mask entry nothing is masked. */
    CHECK_ACL(1, false, "the file's group", {USER_OBJ, R, NO_ID}, {GROUP_OBJ, R, NO_ID},
              {OTHER, 0, NO_ID});
    /* Others are never masked. */
    CHECK_ACL(1, false, "others", {USER_OBJ, R, NO_ID}, {GROUP_OBJ, 0, NO_ID},
              {MASK, 0, NO_ID}, {OTHER, R, NO_ID});

    /* systemd's credential: owned by root (here 1000), the process's user
     * (2000) granted read; accepted only where trusted. */
    CHECK_ACL(1, false, "user 2000", {USER_OBJ, R, NO_ID}, {USER, R, 2000},
              {GROUP_OBJ, 0, NO_ID}, {MASK, R, NO_ID}, {OTHER, 0, NO_ID});
    CHECK_ACL(0, true, "", {USER_OBJ, R, NO_ID}, {USER, R, 2000}, {GROUP_OBJ, 0, NO_ID},
              {MASK, R, NO_ID}, {OTHER, 0, NO_ID});
    /* Trusting this process's user trusts nobody else. */
    CHECK_ACL(1, true, "user 2001", {USER_OBJ, R, NO_ID}, {USER, R, 2000},
              {USER, R, 2001}, {GROUP_OBJ, 0, NO_ID}, {MASK, R, NO_ID},
              {OTHER, 0, NO_ID});
    CHECK_ACL(1, true, "the file's group", {USER_OBJ, R, NO_ID}, {USER, R, 2000},
              {GROUP_OBJ, R, NO_ID}, {MASK, R, NO_ID}, {OTHER, 0, NO_ID});
}

static void test_acl_malformed(void)
{
    char who[64];
    unsigned char acl[64];
    size_t len = build_acl(acl, ACL({USER_OBJ, R, NO_ID}), 1);
    CHECK_INT(tp_token_file_acl_check(acl, 3, 1, 1, false, who, sizeof who), -1);
    CHECK_INT(tp_token_file_acl_check(acl, len - 1, 1, 1, false, who, sizeof who), -1);
    acl[0] = 1; /* version 1 */
    CHECK_INT(tp_token_file_acl_check(acl, len, 1, 1, false, who, sizeof who), -1);
    CHECK_STR(who, "ACL version 1");
    len = build_acl(acl, ACL({0x40, R, NO_ID}), 1);
    CHECK_INT(tp_token_file_acl_check(acl, len, 1, 1, false, who, sizeof who), -1);
    CHECK(strstr(who, "unknown type") != NULL);
    /* No entries at all grants nothing. */
    CHECK_INT(tp_token_file_acl_check(acl, 4, 1, 1, false, who, sizeof who), 0);
}

/* ---- real files ---------------------------------------------------------- */

static char dir[] = "/tmp/tp-token-file.XXXXXX";
static char path[256];
static char err[512];
static char buf[300];

static void write_token(const char *name, mode_t mode)
{
    snprintf(path, sizeof path, "%s/%s", dir, name);
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    CHECK(fd >= 0);
    CHECK(write(fd, TOKEN "\n", strlen(TOKEN) + 1) == (ssize_t)strlen(TOKEN) + 1);
    close(fd);
    CHECK_INT(chmod(path, mode), 0);
}

/* Sets the file's ACL; false when the file system has none. */
static bool set_acl(const struct entry *e, size_t n)
{
    unsigned char acl[256];
    size_t len = build_acl(acl, e, n);
    if (setxattr(path, "system.posix_acl_access", acl, len, 0) == 0)
        return true;
    CHECK(errno == ENOTSUP);
    return false;
}

static void test_mode_bits(void)
{
    write_token("t600", 0600);
    CHECK_INT(tp_token_file_read(path, buf, sizeof buf, err, sizeof err), 0);
    CHECK_STR(buf, TOKEN "\n");
    write_token("t400", 0400);
    CHECK_INT(tp_token_file_read(path, buf, sizeof buf, err, sizeof err), 0);
    write_token("t440", 0440);
    CHECK_INT(tp_token_file_read(path, buf, sizeof buf, err, sizeof err), -1);
    CHECK(strstr(err, "mode 0440 lets group or others at the token") != NULL);
    write_token("t604", 0604);
    CHECK_INT(tp_token_file_read(path, buf, sizeof buf, err, sizeof err), -1);
    CHECK(strstr(err, TOKEN) == NULL && strstr(err, "secret") == NULL);
}

static void test_acl_files(void)
{
    uid_t me = geteuid();
    write_token("acl-other", 0600);
    if (!set_acl(ACL({USER_OBJ, R | W, NO_ID}, {USER, R, me + 1}, {GROUP_OBJ, 0, NO_ID},
                     {MASK, R, NO_ID}, {OTHER, 0, NO_ID}),
                 5))
        SKIP("the file system of /tmp has no ACLs");
    CHECK_INT(tp_token_file_read(path, buf, sizeof buf, err, sizeof err), -1);
    char want[64];
    snprintf(want, sizeof want, "its ACL lets user %u at the token", (unsigned)(me + 1));
    CHECK(strstr(err, want) != NULL);

    /* The owner's own entries only: mode shows 0640 (the mask), accepted. */
    write_token("acl-owner", 0600);
    set_acl(ACL({USER_OBJ, R | W, NO_ID}, {USER, R, me}, {GROUP_OBJ, 0, NO_ID},
                {MASK, R, NO_ID}, {OTHER, 0, NO_ID}),
            5);
    struct stat st;
    CHECK_INT(stat(path, &st), 0);
    CHECK_INT(st.st_mode & 0777, 0640);
    CHECK_INT(tp_token_file_read(path, buf, sizeof buf, err, sizeof err), 0);
    CHECK_STR(buf, TOKEN "\n");

    /* A named group masked to nothing. */
    write_token("acl-masked", 0600);
    set_acl(ACL({USER_OBJ, R | W, NO_ID}, {GROUP_OBJ, 0, NO_ID}, {GROUP, R, 12345},
                {MASK, 0, NO_ID}, {OTHER, 0, NO_ID}),
            5);
    CHECK_INT(tp_token_file_read(path, buf, sizeof buf, err, sizeof err), 0);
}

/* As systemd writes a credential: owned by root (here: another user, so
 * that the process is not the owner), mode 0400, an ACL entry granting the
 * service's user (this process) read. */
static void test_credentials_directory(void)
{
    if (geteuid() != 0)
        SKIP("needs root, to give the credential another owner");
    char creds[160];
    snprintf(creds, sizeof creds, "%s/credentials", dir);
    CHECK(mkdir(creds, 0700) == 0 || errno == EEXIST);
    snprintf(path, sizeof path, "%s/telegram-token", creds);
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0400);
    CHECK(fd >= 0);
    CHECK(write(fd, TOKEN, strlen(TOKEN)) == (ssize_t)strlen(TOKEN));
    close(fd);
    CHECK_INT(chown(path, 65534, (gid_t)-1), 0);
    if (!set_acl(ACL({USER_OBJ, R, NO_ID}, {USER, R, 0}, {GROUP_OBJ, 0, NO_ID},
                     {MASK, R, NO_ID}, {OTHER, 0, NO_ID}),
                 5))
        SKIP("the file system of /tmp has no ACLs");

    unsetenv("CREDENTIALS_DIRECTORY");
    CHECK_INT(tp_token_file_read(path, buf, sizeof buf, err, sizeof err), -1);
    CHECK(strstr(err, "its ACL lets user 0 at the token") != NULL);
    setenv("CREDENTIALS_DIRECTORY", creds, 1);
    CHECK_INT(tp_token_file_read(path, buf, sizeof buf, err, sizeof err), 0);
    CHECK_STR(buf, TOKEN);
    /* Through a path with a detour, and a trailing slash on the variable. */
    char detour[256];
    snprintf(detour, sizeof detour, "%s/../credentials/./telegram-token", creds);
    snprintf(buf, sizeof buf, "%s/", creds);
    setenv("CREDENTIALS_DIRECTORY", buf, 1);
    CHECK_INT(tp_token_file_read(detour, buf, sizeof buf, err, sizeof err), 0);
    /* The same file elsewhere is not trusted. */
    setenv("CREDENTIALS_DIRECTORY", dir, 1);
    CHECK_INT(tp_token_file_read(path, buf, sizeof buf, err, sizeof err), -1);
    /* Anyone besides this process's user is still refused there. */
    setenv("CREDENTIALS_DIRECTORY", creds, 1);
    set_acl(ACL({USER_OBJ, R, NO_ID}, {USER, R, 0}, {USER, R, 1234},
                {GROUP_OBJ, 0, NO_ID}, {MASK, R, NO_ID}, {OTHER, 0, NO_ID}),
            6);
    CHECK_INT(tp_token_file_read(path, buf, sizeof buf, err, sizeof err), -1);
    CHECK(strstr(err, "user 1234") != NULL);
    unsetenv("CREDENTIALS_DIRECTORY");
    unlink(path);
    rmdir(creds);
}

static void test_not_a_file(void)
{
    CHECK_INT(tp_token_file_read(dir, buf, sizeof buf, err, sizeof err), -1);
    CHECK(strstr(err, "not a regular file") != NULL);
    snprintf(path, sizeof path, "%s/missing", dir);
    CHECK_INT(tp_token_file_read(path, buf, sizeof buf, err, sizeof err), -1);
    CHECK(strstr(err, "No such file") != NULL);
}

static void remove_files(void)
{
    static const char *const names[] = {"t600",      "t400",      "t440",      "t604",
                                        "acl-other", "acl-owner", "acl-masked"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

int main(void)
{
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_acl_verdicts);
    RUN(test_acl_malformed);
    RUN(test_mode_bits);
    RUN(test_acl_files);
    RUN(test_credentials_directory);
    RUN(test_not_a_file);
    remove_files();
    return tg_test_finish();
}
