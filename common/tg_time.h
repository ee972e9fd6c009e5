/* tg_time.h - ISO-8601 timestamps <-> epoch milliseconds, and clocks.
 *
 * Every conversion is done with integer calendar arithmetic: nothing here
 * reads the process time zone, so results never change with TZ.
 */
#ifndef TG_TIME_H
#define TG_TIME_H

#include <stddef.h>
#include <stdint.h>

/* Enough for "YYYY-MM-DDTHH:MM:SS.mmmZ" and its NUL, with room to spare. */
#define TG_TIME_TEXT_MAX 32

/* Parses an ISO-8601 date-time of the form YYYY-MM-DDTHH:MM:SS (a space
 * may stand for the T), with an optional fraction of 0 to 9 digits after a
 * '.', and an optional zone: 'Z', '+HH:MM', '-HH:MM' (also +HHMM and +HH).
 * No zone means UTC.  Fractions finer than a millisecond are truncated
 * toward the past.  Impossible dates (month 13, Feb 30, 25:00, a leap
 * second) are rejected.  `text` need not be NUL-terminated: exactly `len`
 * bytes are read.
 * Returns 0 and sets *epoch_ms, or -1 with a message in err. */
int tg_time_parse(const char *text, size_t len, int64_t *epoch_ms, char *err,
                  size_t errlen);

/* Formats epoch milliseconds as YYYY-MM-DDTHH:MM:SSZ, with .mmm before the
 * Z only when the milliseconds are not zero.  buf receives the text and a
 * NUL; buflen should be at least TG_TIME_TEXT_MAX.
 * Returns the length written (without the NUL), or -1 when the time is
 * outside years 0000-9999 or buf is too small. */
int tg_time_format(int64_t epoch_ms, char *buf, size_t buflen);

/* tg_time_format, or outside years 0000-9999 the epoch milliseconds in
 * decimal, so that a message always says when (buflen at least
 * TG_TIME_TEXT_MAX). */
void tg_time_format_any(int64_t epoch_ms, char *buf, size_t buflen);

/* Wall-clock time (CLOCK_REALTIME) in epoch milliseconds. */
int64_t tg_time_now_ms(void);

/* A monotonic clock in milliseconds, for timeouts and rates. */
int64_t tg_time_monotonic_ms(void);

/* floor(a / b) for b > 0, correct for negative a (times before 1970). */
int64_t tg_floor_div(int64_t a, int64_t b);

#endif
