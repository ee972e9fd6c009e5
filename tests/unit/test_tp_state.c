/* Unit tests for tp_state: the offset file, its default path and the run
 * lock (held against a second descriptor and a second process). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tg_test.h"
#include "tp_state.h"

static char tmpdir[] = "/tmp/tp_state_test.XXXXXX";

static char *path_in_tmp(const char *name)
{
    static char buf[4][256];
    static int next;
    char *p = buf[next++ % 4];
    snprintf(p, sizeof buf[0], "%s/%s", tmpdir, name);
    return p;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f != NULL) {
        fputs(text, f);
        fclose(f);
    }
}

static void test_default_path(void)
{
    char buf[256], err[200];
    setenv("XDG_STATE_HOME", "/x/state", 1);
    CHECK_INT(tp_state_default_path(123456, buf, sizeof buf, err, sizeof err), 0);
    CHECK_STR(buf, "/x/state/tgproducer/123456.offset");

    /* A relative XDG_STATE_HOME is invalid by the spec: ignored. */
    setenv("XDG_STATE_HOME", "rel", 1);
    setenv("HOME", "/home/ann", 1);
    CHECK_INT(tp_state_default_path(7, buf, sizeof buf, err, sizeof err), 0);
    CHECK_STR(buf, "/home/ann/.local/state/tgproducer/7.offset");
    unsetenv("XDG_STATE_HOME");
    CHECK_INT(tp_state_default_path(7, buf, sizeof buf, err, sizeof err), 0);
    CHECK_STR(buf, "/home/ann/.local/state/tgproducer/7.offset");

    char small[10];
    CHECK_INT(tp_state_default_path(7, small, sizeof small, err, sizeof err), -1);
    CHECK(strstr(err, "--state") != NULL);
}

static void test_missing_file_is_offset_zero(void)
{
    char err[300];
    /* The directory is created (mode 0700) on open. */
    const char *path = path_in_tmp("new/dir/1.offset");
    struct tp_state *st = tp_state_open(path, err, sizeof err);
    CHECK(st != NULL);
    if (st == NULL)
        return;
    CHECK_STR(tp_state_path(st), path);
    struct stat sb;
    CHECK_INT(stat(path_in_tmp("new/dir"), &sb), 0);
    CHECK_INT(sb.st_mode & 0777, 0700);
    int64_t off = -1;
    CHECK_INT(tp_state_load(st, &off, err, sizeof err), 0);
    CHECK_INT(off, 0);
    tp_state_free(st);
}

static void test_save_load_mode(void)
{
    char err[300];
    const char *path = path_in_tmp("2.offset");
    struct tp_state *st = tp_state_open(path, err, sizeof err);
    CHECK(st != NULL);
    if (st == NULL)
        return;
    CHECK_INT(tp_state_save(st, 123457, err, sizeof err), 0);
    int64_t off = 0;
    CHECK_INT(tp_state_load(st, &off, err, sizeof err), 0);
    CHECK_INT(off, 123457);
    struct stat sb;
    CHECK_INT(stat(path, &sb), 0);
    CHECK_INT(sb.st_mode & 0777, 0600);
    FILE *f = fopen(path, "r");
    char line[64] = "";
    if (f != NULL) {
        CHECK(fgets(line, sizeof line, f) != NULL);
        fclose(f);
    }
    CHECK_STR(line, "123457\n");
    /* The lock file sits next to it, also 0600. */
    CHECK_INT(stat(path_in_tmp("2.offset.lock"), &sb), 0);
    CHECK_INT(sb.st_mode & 0777, 0600);
    tp_state_free(st);
}

static void test_corrupt_file_rejected(void)
{
    static const char *const bad[] = {
        "", "abc\n", "12x\n", "-5\n", "1 2\n", "99999999999999999999\n", "\n"};
    char err[300];
    const char *path = path_in_tmp("3.offset");
    struct tp_state *st = tp_state_open(path, err, sizeof err);
    CHECK(st != NULL);
    if (st == NULL)
        return;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_file(path, bad[i]);
        int64_t off = 77;
        int rc = tp_state_load(st, &off, err, sizeof err);
        if (rc != -1)
            fprintf(stderr, "  accepted %zu\n", i);
        CHECK_INT(rc, -1);
        CHECK_INT(off, 77);
    }
    CHECK(strstr(err, "3.offset: not an offset") != NULL);
    write_file(path, "42");
    int64_t off = 0;
    CHECK_INT(tp_state_load(st, &off, err, sizeof err), 0);
    CHECK_INT(off, 42);
    tp_state_free(st);
}

static void test_lock_excludes_second_open(void)
{
    char err[300];
    const char *path = path_in_tmp("4.offset");
    struct tp_state *a = tp_state_open(path, err, sizeof err);
    CHECK(a != NULL);
    errno = 0;
    struct tp_state *b = tp_state_open(path, err, sizeof err);
    CHECK(b == NULL);
    CHECK_INT(errno, EWOULDBLOCK);
    /* The holder is this process, named by the pid it wrote. */
    char want[80];
    snprintf(want, sizeof want, "another tgproducer (pid %ld) is running",
             (long)getpid());
    CHECK(strstr(err, want) != NULL);
    tp_state_free(b);

    /* Another process sees the lock too. */
    pid_t pid = fork();
    if (pid == 0) {
        char e[300];
        struct tp_state *c = tp_state_open(path, e, sizeof e);
        _exit(c == NULL && errno == EWOULDBLOCK ? 0 : 1);
    }
    int status = -1;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* Released on free. */
    tp_state_free(a);
    b = tp_state_open(path, err, sizeof err);
    CHECK(b != NULL);
    tp_state_free(b);
}

static void test_lock_held_by_other_descriptor(void)
{
    char err[300];
    const char *path = path_in_tmp("5.offset");
    int fd = open(path_in_tmp("5.offset.lock"), O_RDWR | O_CREAT, 0600);
    CHECK(fd >= 0);
    CHECK_INT(flock(fd, LOCK_EX | LOCK_NB), 0);
    errno = 0;
    CHECK(tp_state_open(path, err, sizeof err) == NULL);
    CHECK_INT(errno, EWOULDBLOCK);
    close(fd);
    struct tp_state *st = tp_state_open(path, err, sizeof err);
    CHECK(st != NULL);
    tp_state_free(st);
}

/* Runs in a child: as root, permissions are not enforced, so the child
 * drops to nobody (the directory is handed over to it first). */
static int unwritable_dir_case(const char *dir)
{
    char err[300];
    int failures = 0;
    char path[300], path2[300];
    snprintf(path, sizeof path, "%s/6.offset", dir);
    snprintf(path2, sizeof path2, "%s/7.offset", dir);
    struct tp_state *st = tp_state_open(path, err, sizeof err);
    if (st == NULL || tp_state_save(st, 10, err, sizeof err) != 0)
        return 100;
    if (chmod(dir, 0500) != 0)
        return 101;
    if (tp_state_save(st, 20, err, sizeof err) != -1 ||
        strstr(err, "ermission denied") == NULL)
        failures |= 1;
    int64_t off = 0;
    if (tp_state_load(st, &off, err, sizeof err) != 0 || off != 10)
        failures |= 2;
    tp_state_free(st);
    /* A lock file that cannot be created: a clear error, not EWOULDBLOCK. */
    errno = 0;
    if (tp_state_open(path2, err, sizeof err) != NULL || errno == EWOULDBLOCK ||
        strstr(err, "7.offset.lock") == NULL)
        failures |= 4;
    chmod(dir, 0700);
    return failures;
}

static void test_unwritable_dir_keeps_old_state(void)
{
    const char *dir = path_in_tmp("ro");
    CHECK_INT(mkdir(dir, 0700), 0);
    bool root = geteuid() == 0;
    if (root) {
        CHECK_INT(chmod(tmpdir, 0755), 0);
        CHECK_INT(chown(dir, 65534, 65534), 0);
    }
    pid_t pid = fork();
    if (pid == 0) {
        if (root && (setgid(65534) != 0 || setuid(65534) != 0))
            _exit(102);
        _exit(unwritable_dir_case(dir));
    }
    int status = -1;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status));
    CHECK_INT(WEXITSTATUS(status), 0);
}

int main(void)
{
    if (mkdtemp(tmpdir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_default_path);
    RUN(test_missing_file_is_offset_zero);
    RUN(test_save_load_mode);
    RUN(test_corrupt_file_rejected);
    RUN(test_lock_excludes_second_open);
    RUN(test_lock_held_by_other_descriptor);
    RUN(test_unwritable_dir_keeps_old_state);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "chmod -R u+rwx %s; rm -rf %s", tmpdir, tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "cleanup of %s failed\n", tmpdir);
    return tg_test_finish();
}
