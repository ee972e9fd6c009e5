#include "tg_exit.h"
#include "tg_signal.h"
#include "tg_test.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

/* Runs fn in a child process (the stop flag is process-wide and cannot be
 * cleared) and returns its exit status, or -1 when it did not exit. */
static int in_child(int (*fn)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        _exit(fn());
    int status;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

/* Exit status: the signal number seen by tg_signal_received(), or 100
 * when tg_signal_stop_requested() disagrees. */
static int raise_and_report(int signo)
{
    if (tg_signal_install() != 0)
        return 101;
    raise(signo);
    int got = tg_signal_received();
    return tg_signal_stop_requested() == (got != 0) ? got : 100;
}

static int child_sigint(void)
{
    return raise_and_report(SIGINT);
}

static int child_sighup(void)
{
    return raise_and_report(SIGHUP);
}

static int child_sigpipe(void)
{
    return raise_and_report(SIGPIPE);
}

static int child_request_stop(void)
{
    if (tg_signal_stop_requested())
        return 1;
    tg_signal_request_stop(SIGUSR1);
    return tg_signal_stop_requested() && tg_signal_received() == SIGUSR1 ? 0 : 2;
}

static void test_sigterm_sets_flag(void)
{
    CHECK(!tg_signal_stop_requested());
    CHECK_INT(tg_signal_received(), 0);
    CHECK_INT(tg_signal_install(), 0);
    CHECK(!tg_signal_stop_requested());
    CHECK_INT(tg_signal_count(), 0);
    CHECK_INT(raise(SIGTERM), 0); /* the process survives: the handler ran */
    CHECK(tg_signal_stop_requested());
    CHECK_INT(tg_signal_received(), SIGTERM);
    CHECK_INT(tg_signal_count(), 1);
    /* A second one is counted: a tool still printing can tell it apart. */
    CHECK_INT(raise(SIGINT), 0);
    CHECK_INT(tg_signal_count(), 2);
    CHECK_INT(tg_signal_received(), SIGINT);
}

static void test_other_stop_signals(void)
{
    CHECK_INT(in_child(child_sigint), SIGINT);
    CHECK_INT(in_child(child_sighup), SIGHUP);
    CHECK_INT(in_child(child_sigpipe), SIGPIPE);
    CHECK_INT(in_child(child_request_stop), 0);
}

static void test_handlers_do_not_restart(void)
{
    static const int signals[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
    CHECK_INT(tg_signal_install(), 0);
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        struct sigaction current;
        CHECK_INT(sigaction(signals[i], NULL, &current), 0);
        CHECK(current.sa_handler != SIG_DFL && current.sa_handler != SIG_IGN);
        CHECK((current.sa_flags & SA_RESTART) == 0);
    }
}

static int pipe_fds[2], ready_fds[2];

/* Blocks in read() on a pipe nobody writes; SIGTERM must end the read
 * with EINTR rather than restart it. */
static int child_blocked_read(void)
{
    close(pipe_fds[1]);
    if (tg_signal_install() != 0)
        return 101;
    char byte = 'r';
    if (write(ready_fds[1], &byte, 1) != 1)
        return 102;
    ssize_t n = read(pipe_fds[0], &byte, 1);
    if (n == -1 && errno == EINTR && tg_signal_received() == SIGTERM)
        return 0;
    return 1;
}

static void test_blocking_read_interrupted(void)
{
    CHECK_INT(pipe(pipe_fds), 0);
    CHECK_INT(pipe(ready_fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        _exit(child_blocked_read());
    CHECK(pid > 0);
    char byte;
    CHECK_INT(read(ready_fds[0], &byte, 1), 1); /* handlers are installed */
    close(ready_fds[0]);
    close(ready_fds[1]);
    /* The signal may still arrive before the child reaches read(); keep
     * sending until it has exited, for at most 5 s. */
    int status = -1;
    pid_t done = 0;
    for (int i = 0; i < 500 && done == 0; i++) {
        kill(pid, SIGTERM);
        struct timespec pause = {0, 10 * 1000000};
        nanosleep(&pause, NULL);
        done = waitpid(pid, &status, WNOHANG);
    }
    if (done == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    CHECK(done == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_exit_codes_match_sysexits(void)
{
    CHECK_INT(TG_EXIT_OK, 0);
    CHECK_INT(TG_EXIT_USAGE, EX_USAGE);
    CHECK_INT(TG_EXIT_DATAERR, EX_DATAERR);
    CHECK_INT(TG_EXIT_UNAVAILABLE, EX_UNAVAILABLE);
    CHECK_INT(TG_EXIT_SOFTWARE, EX_SOFTWARE);
    CHECK_INT(TG_EXIT_TEMPFAIL, EX_TEMPFAIL);
    CHECK_INT(TG_EXIT_NOPERM, EX_NOPERM);
    CHECK_INT(TG_EXIT_CONFIG, EX_CONFIG);
    CHECK_INT(TG_EXIT_USAGE, 64);
    CHECK_INT(TG_EXIT_CONFIG, 78);
}

static void test_exit_describe(void)
{
    CHECK_STR(tg_exit_describe(0), "success");
    CHECK_STR(tg_exit_describe(64), "usage error");
    CHECK_STR(tg_exit_describe(65), "bad input data");
    CHECK_STR(tg_exit_describe(69), "service unavailable");
    CHECK_STR(tg_exit_describe(70), "internal error");
    CHECK_STR(tg_exit_describe(75), "temporary failure, try again later");
    CHECK_STR(tg_exit_describe(77), "permission denied");
    CHECK_STR(tg_exit_describe(78), "configuration error");
    CHECK_STR(tg_exit_describe(1), "unknown exit code");
    CHECK_STR(tg_exit_describe(66), "unknown exit code");
    CHECK_STR(tg_exit_describe(-1), "unknown exit code");
    CHECK_STR(tg_exit_describe(255), "unknown exit code");
}

int main(void)
{
    /* Children first: they inherit the flag, which the parent sets last. */
    RUN(test_other_stop_signals);
    RUN(test_blocking_read_interrupted);
    RUN(test_sigterm_sets_flag);
    RUN(test_handlers_do_not_restart);
    RUN(test_exit_codes_match_sysexits);
    RUN(test_exit_describe);
    return tg_test_finish();
}
