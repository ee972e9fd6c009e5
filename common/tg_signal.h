/* tg_signal.h - the one piece of global mutable state: the stop flag.
 *
 * SIGINT, SIGTERM, SIGHUP and SIGPIPE only record which signal arrived and
 * count them; the tools' loops look at the flag and wind down (drain,
 * flush, emit).
 * Handlers are installed with sigaction and without SA_RESTART, so blocking
 * reads return EINTR and the loop sees the flag promptly.
 */
#ifndef TG_SIGNAL_H
#define TG_SIGNAL_H

#include <signal.h>
#include <stdbool.h>

/* Installs the handlers.  Returns 0, or -1 (errno set). */
int tg_signal_install(void);

/* True once a stop signal has arrived. */
bool tg_signal_stop_requested(void);

/* The signal that asked to stop, or 0. */
int tg_signal_received(void);

/* How many stop signals have arrived (tg_signal_request_stop included): a
 * tool that goes on working after the first, to print what it holds, can
 * tell that another one asks it to stop that too. */
unsigned tg_signal_count(void);

/* Fills set with the stop signals sent to the process from outside
 * (SIGINT, SIGTERM, SIGHUP): a tool with helper threads blocks them there,
 * so they reach the thread whose blocking call they are meant to
 * interrupt. */
void tg_signal_stop_set(sigset_t *set);

/* For tests and for tools that stop for their own reasons. */
void tg_signal_request_stop(int signo);

#endif
