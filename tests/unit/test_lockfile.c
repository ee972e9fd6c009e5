/* test_lockfile.c - the run lock: exclusive across processes and
 * descriptors, names its holder, released on free and on exit, mode 0600,
 * refuses what is not a regular file. */
#include "tg_lockfile.h"
#include "tg_test.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char top[256];

static const char *in_top(const char *name)
{
    static char path[4][512];
    static int next;
    char *p = path[next++ % 4];
    snprintf(p, sizeof path[0], "%s/%s", top, name);
    return p;
}

static void read_text(const char *path, char *buf, size_t len)
{
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return;
    size_t n = fread(buf, 1, len - 1, f);
    buf[n] = '\0';
    fclose(f);
}

static void test_take_writes_pid_mode_0600(void)
{
    char err[600] = "";
    const char *path = in_top("a.lock");
    mode_t old = umask(0);
    struct tg_lockfile *l = tg_lockfile_take(path, NULL, err, sizeof err);
    umask(old);
    CHECK(l != NULL);
    struct stat st;
    CHECK_INT(stat(path, &st), 0);
    CHECK_INT(st.st_mode & 07777, 0600);
    char text[64], want[64];
    read_text(path, text, sizeof text);
    snprintf(want, sizeof want, "%ld\n", (long)getpid());
    CHECK_STR(text, want);
    tg_lockfile_free(l);
    tg_lockfile_free(NULL);
    /* The file stays for the next run. */
    CHECK_INT(stat(path, &st), 0);
}

/* A child holds the lock and waits on a pipe: the parent is refused with
 * EWOULDBLOCK and the child's pid, then gets the lock once the child is
 * gone (the kernel releases it at exit, as after kill -9). */
static void test_second_process_refused_and_told_the_pid(void)
{
    char err[600] = "";
    const char *path = in_top("b.lock");
    int ready[2], release[2];
    CHECK_INT(pipe(ready), 0);
    CHECK_INT(pipe(release), 0);
    pid_t child = fork();
    if (child == 0) {
        char e[600];
        struct tg_lockfile *l = tg_lockfile_take(path, NULL, e, sizeof e);
        char c = l != NULL ? 'y' : 'n';
        if (write(ready[1], &c, 1) != 1)
            _exit(2);
        if (read(release[0], &c, 1) < 0)
            _exit(3);
        _exit(0); /* without tg_lockfile_free: exit alone must release it */
    }
    char c = 0;
    CHECK_INT(read(ready[0], &c, 1), 1);
    CHECK_INT(c, 'y');
    long holder = -1;
    errno = 0;
    CHECK(tg_lockfile_take(path, &holder, err, sizeof err) == NULL);
    CHECK_INT(errno, EWOULDBLOCK);
    CHECK_INT(holder, child);
    CHECK(strstr(err, "b.lock is locked by another process") != NULL);
    /* The refused attempt did not overwrite the holder's pid. */
    char text[64], want[64];
    read_text(path, text, sizeof text);
    snprintf(want, sizeof want, "%ld\n", (long)child);
    CHECK_STR(text, want);

    CHECK_INT(write(release[1], "x", 1), 1);
    int status = -1;
    CHECK_INT(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    struct tg_lockfile *l = tg_lockfile_take(path, &holder, err, sizeof err);
    CHECK(l != NULL);
    CHECK_INT(holder, 0);
    tg_lockfile_free(l);
    close(ready[0]);
    close(ready[1]);
    close(release[0]);
    close(release[1]);
}

/* Two locks in one process are two open files: the second is refused,
 * and a holder that wrote no pid (an older tool, or one caught between
 * its lock and its write) leaves the pid unknown. */
static void test_same_process_and_unknown_pid(void)
{
    char err[600] = "";
    const char *path = in_top("c.lock");
    struct tg_lockfile *a = tg_lockfile_take(path, NULL, err, sizeof err);
    CHECK(a != NULL);
    long holder = -1;
    CHECK(tg_lockfile_take(path, &holder, err, sizeof err) == NULL);
    CHECK_INT(holder, (long)getpid());
    CHECK_INT(truncate(path, 0), 0);
    holder = -1;
    CHECK(tg_lockfile_take(path, &holder, err, sizeof err) == NULL);
    CHECK_INT(errno, EWOULDBLOCK);
    CHECK_INT(holder, 0);
    tg_lockfile_free(a);
}

static void test_refuses_links_and_non_files(void)
{
    char err[600] = "";
    CHECK_INT(symlink("target", in_top("link.lock")), 0);
    errno = 0;
    CHECK(tg_lockfile_take(in_top("link.lock"), NULL, err, sizeof err) == NULL);
    CHECK(errno != EWOULDBLOCK && errno != 0);
    CHECK(strstr(err, "link.lock: ") != NULL);
    CHECK_INT(access(in_top("target"), F_OK), -1); /* not created through it */

    CHECK_INT(mkfifo(in_top("fifo.lock"), 0600), 0);
    CHECK(tg_lockfile_take(in_top("fifo.lock"), NULL, err, sizeof err) == NULL);
    CHECK(strstr(err, "fifo.lock: not a regular file") != NULL);

    CHECK(tg_lockfile_take(in_top("nodir/x.lock"), NULL, err, sizeof err) == NULL);
    CHECK_INT(errno, ENOENT);
    CHECK(strstr(err, "x.lock: No such file or directory") != NULL);
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(top, sizeof top, "%s/tg_lockfile.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(top) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_take_writes_pid_mode_0600);
    RUN(test_second_process_refused_and_told_the_pid);
    RUN(test_same_process_and_unknown_pid);
    RUN(test_refuses_links_and_non_files);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", top);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", top);
    return tg_test_finish();
}
