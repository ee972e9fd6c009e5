#include "tg_signal.h"

#include <signal.h>
#include <stddef.h>

/* The only mutable global state of the project: written by the handler,
 * read by the loops.  The signal number, 0 while running, and how many
 * have arrived. */
static volatile sig_atomic_t stop_signal;
static volatile sig_atomic_t stop_count;

static void on_stop_signal(int signo)
{
    stop_signal = signo;
    stop_count = stop_count + 1;
}

int tg_signal_install(void)
{
    static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
    struct sigaction action = {0};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0; /* no SA_RESTART: blocking calls return EINTR */
    for (size_t i = 0; i < sizeof stop_signals / sizeof stop_signals[0]; i++) {
        if (sigaction(stop_signals[i], &action, NULL) != 0)
            return -1;
    }
    return 0;
}

void tg_signal_stop_set(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGHUP);
}

bool tg_signal_stop_requested(void)
{
    return stop_signal != 0;
}

int tg_signal_received(void)
{
    return (int)stop_signal;
}

unsigned tg_signal_count(void)
{
    return (unsigned)stop_count;
}

void tg_signal_request_stop(int signo)
{
    stop_signal = signo;
    stop_count = stop_count + 1;
}
