#include "tg_fileio.h"
#include "tg_test.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char top[256];

static char *in_top(const char *name)
{
    static char path[4][512];
    static int next;
    char *p = path[next++ % 4];
    snprintf(p, sizeof path[0], "%s/%s", top, name);
    return p;
}

/* Writes a file the ordinary way, for setting up old content. */
static void put_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        perror(path);
        return;
    }
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
}

static bool has_content(const char *path, const char *want)
{
    char *data = NULL;
    size_t len = 0;
    char err[600];
    if (tg_file_read_all(path, 1 << 20, &data, &len, err, sizeof err) != 0) {
        fprintf(stderr, "  %s\n", err);
        return false;
    }
    bool ok = len == strlen(want) && strcmp(data, want) == 0;
    if (!ok)
        fprintf(stderr, "  %s holds \"%s\", expected \"%s\"\n", path, data, want);
    free(data);
    return ok;
}

/* Entries of a directory whose name contains ".tmp.". */
static int temp_files_in(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return -1;
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strstr(e->d_name, ".tmp.") != NULL)
            count++;
    closedir(d);
    return count;
}

static int mode_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

static void test_write_new_file(void)
{
    char err[600] = "";
    const char *path = in_top("state.json");
    CHECK_INT(tg_file_write_atomic(path, "{\"offset\":42}\n", 14, err, sizeof err), 0);
    CHECK_STR(err, "");
    CHECK(has_content(path, "{\"offset\":42}\n"));
    CHECK_INT(mode_of(path), 0600);
    CHECK_INT(temp_files_in(top), 0);
}

static void test_overwrite(void)
{
    char err[600];
    const char *path = in_top("over.json");
    put_file(path, "old content that is longer than the new one", 0644);
    CHECK_INT(mode_of(path), 0644);
    CHECK_INT(tg_file_write_atomic(path, "new", 3, err, sizeof err), 0);
    CHECK(has_content(path, "new"));
    CHECK_INT(mode_of(path), 0600);
    CHECK_INT(tg_file_write_atomic(path, "", 0, err, sizeof err), 0);
    CHECK(has_content(path, ""));
    CHECK_INT(temp_files_in(top), 0);
}

/* Exactly 0600 whatever the umask: one that strips the owner's write bit
 * would otherwise leave a read-only state file. */
static void test_mode_ignores_umask(void)
{
    char err[600];
    mode_t old = umask(0277);
    const char *path = in_top("umask0.json");
    CHECK_INT(tg_file_write_atomic(path, "x", 1, err, sizeof err), 0);
    CHECK_INT(mode_of(path), 0600);
    umask(old);
}

/* A metrics file is read by another user's exporter: the mode asked for,
 * whatever the umask. */
static void test_write_with_mode(void)
{
    char err[600];
    mode_t old = umask(0077);
    const char *path = in_top("tgcount.prom");
    CHECK_INT(tg_file_write_atomic_mode(path, "a 1\n", 4, 0644, err, sizeof err), 0);
    CHECK(has_content(path, "a 1\n"));
    CHECK_INT(mode_of(path), 0644);
    CHECK_INT(temp_files_in(top), 0);
    umask(old);
}

static void test_binary_round_trip(void)
{
    char err[600];
    const char *path = in_top("binary");
    static const char bytes[] = {'a', '\0', 'b', '\n', (char)0xff, '\0'};
    CHECK_INT(tg_file_write_atomic(path, bytes, sizeof bytes, err, sizeof err), 0);
    char *data = NULL;
    size_t len = 0;
    CHECK_INT(tg_file_read_all(path, 100, &data, &len, err, sizeof err), 0);
    CHECK_INT(len, sizeof bytes);
    CHECK(data != NULL && memcmp(data, bytes, sizeof bytes) == 0);
    CHECK(data != NULL && data[len] == '\0');
    free(data);
}

static void test_write_relative_path(void)
{
    char err[600];
    char cwd[512];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    CHECK_INT(chdir(top), 0);
    CHECK_INT(tg_file_write_atomic("relative.txt", "rel", 3, err, sizeof err), 0);
    CHECK(has_content("relative.txt", "rel"));
    CHECK_INT(chdir(cwd), 0);
}

static void test_write_fails_in_missing_dir(void)
{
    char err[600] = "";
    char *path = in_top("no-such-dir/state.json");
    CHECK_INT(tg_file_write_atomic(path, "x", 1, err, sizeof err), -1);
    CHECK_INT(errno, ENOENT);
    CHECK(strncmp(err, path, strlen(path)) == 0);
    CHECK(strstr(err, "No such file or directory") != NULL);
    CHECK_INT(temp_files_in(top), 0);
}

/* The parent is a regular file: fails even as root. */
static void test_write_fails_under_file(void)
{
    char err[600] = "";
    const char *file = in_top("plain");
    put_file(file, "keep me", 0644);
    char *path = in_top("plain/state.json");
    CHECK_INT(tg_file_write_atomic(path, "x", 1, err, sizeof err), -1);
    CHECK_INT(errno, ENOTDIR);
    CHECK(strncmp(err, path, strlen(path)) == 0);
    CHECK(has_content(file, "keep me"));
    CHECK_INT(temp_files_in(top), 0);
}

/* The temporary is created and written, then the rename fails: the
 * temporary must not stay behind and the target is untouched. */
static void test_rename_failure_removes_temp(void)
{
    char err[600] = "";
    const char *dir = in_top("occupied");
    CHECK_INT(mkdir(dir, 0700), 0);
    put_file(in_top("occupied/inner"), "inside", 0644);
    CHECK_INT(tg_file_write_atomic(dir, "x", 1, err, sizeof err), -1);
    CHECK(strstr(err, "cannot rename temporary file") != NULL);
    CHECK(has_content(in_top("occupied/inner"), "inside"));
    CHECK_INT(temp_files_in(top), 0);
}

/* A write error half-way (the file size limit, which binds root too):
 * the old content survives and no temporary is left. */
static void test_write_failure_keeps_old_file(void)
{
    const char *path = in_top("limited.json");
    put_file(path, "old state", 0600);
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit lim = {100, 100};
        if (setrlimit(RLIMIT_FSIZE, &lim) != 0)
            _exit(2);
        char big[1000];
        memset(big, 'n', sizeof big);
        char err[600] = "";
        int rc = tg_file_write_atomic(path, big, sizeof big, err, sizeof err);
        _exit(rc == -1 && errno == EFBIG && strstr(err, "cannot write") != NULL ? 0 : 1);
    }
    int status = -1;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(has_content(path, "old state"));
    CHECK_INT(temp_files_in(top), 0);
}

static void test_write_rejects_empty_path(void)
{
    char err[64] = "";
    CHECK_INT(tg_file_write_atomic("", "x", 1, err, sizeof err), -1);
    CHECK_STR(err, "empty path");
}

static void test_read_missing(void)
{
    char err[600] = "";
    char untouched[] = "untouched";
    char *data = untouched;
    size_t len = 99;
    char *path = in_top("missing.json");
    CHECK_INT(tg_file_read_all(path, 100, &data, &len, err, sizeof err), -1);
    CHECK_INT(errno, ENOENT);
    char want[600];
    snprintf(want, sizeof want, "%s: cannot open: No such file or directory", path);
    CHECK_STR(err, want);
    CHECK_STR(data, "untouched");
    CHECK_INT(len, 99);
}

static void test_read_limits(void)
{
    char err[600] = "";
    const char *path = in_top("ten");
    put_file(path, "0123456789", 0600);
    char *data = NULL;
    size_t len = 0;
    CHECK_INT(tg_file_read_all(path, 10, &data, &len, err, sizeof err), 0);
    CHECK_INT(len, 10);
    CHECK_STR(data, "0123456789");
    free(data);
    data = NULL;
    CHECK_INT(tg_file_read_all(path, 9, &data, &len, err, sizeof err), -1);
    CHECK_INT(errno, EFBIG);
    CHECK(strstr(err, "file too large") != NULL);
    CHECK(data == NULL);

    const char *empty = in_top("empty");
    put_file(empty, "", 0600);
    CHECK_INT(tg_file_read_all(empty, 0, &data, &len, err, sizeof err), 0);
    CHECK_INT(len, 0);
    CHECK_STR(data, "");
    free(data);
}

/* Larger than the first read buffer, so the buffer has to grow. */
static void test_read_large(void)
{
    char err[600];
    size_t size = 300000;
    char *big = malloc(size);
    for (size_t i = 0; i < size; i++)
        big[i] = (char)('a' + i % 26);
    const char *path = in_top("large");
    CHECK_INT(tg_file_write_atomic(path, big, size, err, sizeof err), 0);
    char *data = NULL;
    size_t len = 0;
    CHECK_INT(tg_file_read_all(path, size, &data, &len, err, sizeof err), 0);
    CHECK_INT(len, size);
    CHECK(data != NULL && memcmp(data, big, size) == 0);
    free(data);
    data = NULL;
    CHECK_INT(tg_file_read_all(path, size - 1, &data, &len, err, sizeof err), -1);
    CHECK_INT(errno, EFBIG);
    free(big);
}

static void test_read_directory_fails(void)
{
    char err[600] = "";
    char *data = NULL;
    size_t len;
    CHECK_INT(tg_file_read_all(top, 100, &data, &len, err, sizeof err), -1);
    CHECK_INT(errno, EISDIR);
    CHECK(strstr(err, "cannot read") != NULL);
}

static void test_mkdir_p(void)
{
    char err[600] = "";
    const char *deep = in_top("a/b/c");
    CHECK_INT(tg_mkdir_p(deep, err, sizeof err), 0);
    CHECK_INT(mode_of(in_top("a")), 0700);
    CHECK_INT(mode_of(in_top("a/b")), 0700);
    CHECK_INT(mode_of(deep), 0700);
    CHECK_INT(tg_mkdir_p(deep, err, sizeof err), 0); /* exists already */
    CHECK_INT(tg_mkdir_p(in_top("a//b/d/"), err, sizeof err), 0);
    CHECK_INT(mode_of(in_top("a/b/d")), 0700);
    CHECK_INT(tg_mkdir_p("/", err, sizeof err), 0);
    /* An existing directory keeps its mode. */
    CHECK_INT(chmod(in_top("a"), 0755), 0);
    CHECK_INT(tg_mkdir_p(in_top("a/e"), err, sizeof err), 0);
    CHECK_INT(mode_of(in_top("a")), 0755);
}

static void test_mkdir_p_fails(void)
{
    char err[600] = "";
    put_file(in_top("afile"), "x", 0600);
    CHECK_INT(tg_mkdir_p(in_top("afile"), err, sizeof err), -1);
    CHECK_INT(errno, ENOTDIR);
    char want[600];
    snprintf(want, sizeof want, "%s: cannot create directory: Not a directory",
             in_top("afile"));
    CHECK_STR(err, want);
    CHECK_INT(tg_mkdir_p(in_top("afile/sub/deeper"), err, sizeof err), -1);
    CHECK_INT(errno, ENOTDIR);
    CHECK_INT(tg_mkdir_p("", err, sizeof err), -1);
    CHECK_STR(err, "empty path");
}

static bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* Only what a killed tg_file_write_atomic leaves for this path goes: a
 * name mkstemp itself made from the writer's pattern, and planted ones of
 * the same shape; near misses, other files' temporaries, directories and
 * links stay. */
static void test_remove_temps(void)
{
    char err[600] = "";
    CHECK_INT(mkdir(in_top("stale"), 0700), 0);
    char path[600]; /* in_top's buffers are reused below */
    snprintf(path, sizeof path, "%s", in_top("stale/ck"));
    put_file(path, "kept", 0600);
    char made[700];
    snprintf(made, sizeof made, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(made);
    CHECK(fd >= 0);
    close(fd);
    static const char *const gone[] = {"stale/ck.tmp.123abc", "stale/ck.tmp.AbC9z0"};
    static const char *const kept[] = {"stale/ck.tmp.12345",     "stale/ck.tmp.1234567",
                                       "stale/ck.tmp.12-abc",    "stale/ck.tmp.",
                                       "stale/other.tmp.123abc", "stale/xck.tmp.123abc",
                                       "stale/ck.tmp123abc",     "stale/ck.lock"};
    for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++)
        put_file(in_top(gone[i]), "partial", 0600);
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
        put_file(in_top(kept[i]), "other", 0600);
    CHECK_INT(mkdir(in_top("stale/ck.tmp.dir123"), 0700), 0);
    CHECK_INT(symlink("ck", in_top("stale/ck.tmp.lnk456")), 0);

    size_t removed = 99;
    CHECK_INT(tg_file_remove_temps(path, &removed, err, sizeof err), 0);
    CHECK_STR(err, "");
    CHECK_INT(removed, 3);
    CHECK(!exists(made));
    for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++)
        CHECK(!exists(in_top(gone[i])));
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
        CHECK(exists(in_top(kept[i])));
    CHECK(exists(in_top("stale/ck.tmp.dir123")));
    CHECK(exists(in_top("stale/ck.tmp.lnk456")));
    CHECK(has_content(path, "kept"));

    /* Nothing left: none removed.  A missing directory holds none either. */
    CHECK_INT(tg_file_remove_temps(path, &removed, err, sizeof err), 0);
    CHECK_INT(removed, 0);
    CHECK_INT(tg_file_remove_temps(in_top("nodir/ck"), &removed, err, sizeof err), 0);
    CHECK_INT(removed, 0);
    CHECK_INT(tg_file_remove_temps("", &removed, err, sizeof err), -1);
    CHECK_STR(err, "empty path");
}

static void remove_tree(const char *dir)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(top, sizeof top, "%s/tg_fileio.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(top) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_write_new_file);
    RUN(test_overwrite);
    RUN(test_mode_ignores_umask);
    RUN(test_write_with_mode);
    RUN(test_binary_round_trip);
    RUN(test_write_relative_path);
    RUN(test_write_fails_in_missing_dir);
    RUN(test_write_fails_under_file);
    RUN(test_rename_failure_removes_temp);
    RUN(test_write_failure_keeps_old_file);
    RUN(test_write_rejects_empty_path);
    RUN(test_read_missing);
    RUN(test_read_limits);
    RUN(test_read_large);
    RUN(test_read_directory_fails);
    RUN(test_mkdir_p);
    RUN(test_mkdir_p_fails);
    RUN(test_remove_temps);
    remove_tree(top);
    return tg_test_finish();
}
