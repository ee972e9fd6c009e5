/* tg_exit.h - the exit codes of both tools, in one place.
 *
 * Values come from sysexits.h so that cron, systemd and shell scripts can
 * tell a usage error from a broker outage from a rejected token.  The README
 * lists them; keep the two in step.
 */
#ifndef TG_EXIT_H
#define TG_EXIT_H

enum tg_exit_code {
    TG_EXIT_OK = 0,           /* normal end, skipped records included */
    TG_EXIT_USAGE = 64,       /* EX_USAGE: bad command line */
    TG_EXIT_DATAERR = 65,     /* EX_DATAERR: bad input data, when fatal */
    TG_EXIT_UNAVAILABLE = 69, /* EX_UNAVAILABLE: brokers or Bot API unreachable */
    TG_EXIT_SOFTWARE = 70,    /* EX_SOFTWARE: internal error (a bug) */
    TG_EXIT_TEMPFAIL =
        75,              /* EX_TEMPFAIL: try again later (lock held, delivery timeout) */
    TG_EXIT_NOPERM = 77, /* EX_NOPERM: bot token rejected */
    TG_EXIT_CONFIG = 78, /* EX_CONFIG: bad configuration */
};

/* A short fixed description of an exit code ("usage error", ...), or
 * "unknown exit code".  The returned string is static. */
const char *tg_exit_describe(int code);

#endif
