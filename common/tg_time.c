#include "tg_time.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#define MS_PER_SECOND INT64_C(1000)
#define MS_PER_MINUTE (60 * MS_PER_SECOND)
#define MS_PER_HOUR (60 * MS_PER_MINUTE)
#define MS_PER_DAY (24 * MS_PER_HOUR)

/* ---- calendar arithmetic ------------------------------------------------
 * Howard Hinnant's days_from_civil / civil_from_days: the proleptic
 * Gregorian calendar counted in eras of 400 years (146097 days), with the
 * year starting on March 1 so that the leap day is the last day of a year.
 * Exact for every year, no table, no time zone. */

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = tg_floor_div(y, 400);
    int64_t yoe = y - era * 400;                                   /* [0, 399] */
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *year, int *month, int *day)
{
    z += 719468;
    int64_t era = tg_floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *day = (int)(doy - (153 * mp + 2) / 5 + 1);
    *month = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = yoe + era * 400 + (*month <= 2);
}

static bool is_leap_year(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap_year(y) ? 29 : days[m - 1];
}

int64_t tg_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if (a % b != 0 && a < 0)
        q--;
    return q;
}

/* ---- parsing ------------------------------------------------------------
 * A cursor over exactly len bytes: every read checks pos < len first, so a
 * buffer without a NUL terminator is never read past its end. */

struct cursor {
    const char *text;
    size_t len;
    size_t pos;
};

static bool at_end(const struct cursor *c)
{
    return c->pos >= c->len;
}

static bool peek_is(const struct cursor *c, char ch)
{
    return !at_end(c) && c->text[c->pos] == ch;
}

static bool peek_digit(const struct cursor *c)
{
    return !at_end(c) && c->text[c->pos] >= '0' && c->text[c->pos] <= '9';
}

/* Reads exactly n digits into *value; fails without moving otherwise. */
static bool read_digits(struct cursor *c, int n, int *value)
{
    if (c->len - c->pos < (size_t)n)
        return false;
    int v = 0;
    for (int i = 0; i < n; i++) {
        char ch = c->text[c->pos + (size_t)i];
        if (ch < '0' || ch > '9')
            return false;
        v = v * 10 + (ch - '0');
    }
    c->pos += (size_t)n;
    *value = v;
    return true;
}

static bool expect_char(struct cursor *c, char ch)
{
    if (!peek_is(c, ch))
        return false;
    c->pos++;
    return true;
}

/* Reads an optional ".fffffffff" and returns its whole milliseconds
 * (digits past the third are dropped: truncation toward the past). */
static int parse_fraction(struct cursor *c, int *ms, char *err, size_t errlen)
{
    *ms = 0;
    if (!expect_char(c, '.'))
        return 0;
    int digits = 0;
    while (peek_digit(c)) {
        if (digits == 9) {
            snprintf(err, errlen, "fraction of a second longer than 9 digits");
            return -1;
        }
        if (digits < 3)
            *ms = *ms * 10 + (c->text[c->pos] - '0');
        digits++;
        c->pos++;
    }
    if (digits == 0) {
        snprintf(err, errlen, "expected digits after '.'");
        return -1;
    }
    for (int i = digits; i < 3; i++)
        *ms *= 10;
    return 0;
}

/* Reads the zone: nothing (UTC), 'Z', or +HH:MM, +HHMM, +HH (or '-'). */
static int parse_zone(struct cursor *c, int64_t *offset_ms, char *err, size_t errlen)
{
    *offset_ms = 0;
    if (at_end(c) || expect_char(c, 'Z'))
        return 0;
    int sign;
    if (expect_char(c, '+')) {
        sign = 1;
    } else if (expect_char(c, '-')) {
        sign = -1;
    } else {
        snprintf(err, errlen, "expected 'Z', '+' or '-' after seconds");
        return -1;
    }
    int hours, minutes = 0;
    if (!read_digits(c, 2, &hours)) {
        snprintf(err, errlen, "expected 2-digit hours in time zone offset");
        return -1;
    }
    bool colon = expect_char(c, ':');
    if ((colon || peek_digit(c)) && !read_digits(c, 2, &minutes)) {
        snprintf(err, errlen, "expected 2-digit minutes in time zone offset");
        return -1;
    }
    if (hours > 23) {
        snprintf(err, errlen, "invalid time zone offset hour %02d", hours);
        return -1;
    }
    if (minutes > 59) {
        snprintf(err, errlen, "invalid time zone offset minute %02d", minutes);
        return -1;
    }
    *offset_ms = sign * (hours * MS_PER_HOUR + minutes * MS_PER_MINUTE);
    return 0;
}

/* Reads a 2-digit field, preceded by sep unless sep is 0, and checks it
 * against [min, max]. */
static int read_field(struct cursor *c, char sep, const char *name, const char *after,
                      int min, int max, int *value, char *err, size_t errlen)
{
    if ((sep != 0 && !expect_char(c, sep)) || !read_digits(c, 2, value)) {
        if (sep != 0)
            snprintf(err, errlen, "expected '%c' and 2-digit %s after %s", sep, name,
                     after);
        else
            snprintf(err, errlen, "expected 2-digit %s", name);
        return -1;
    }
    if (*value < min || *value > max) {
        snprintf(err, errlen, "invalid %s %02d", name, *value);
        return -1;
    }
    return 0;
}

int tg_time_parse(const char *text, size_t len, int64_t *epoch_ms, char *err,
                  size_t errlen)
{
    struct cursor c = {text, text == NULL ? 0 : len, 0};
    int year, month, day, hour, minute, second, ms;
    int64_t offset_ms;

    if (at_end(&c)) {
        snprintf(err, errlen, "empty time");
        return -1;
    }
    if (!read_digits(&c, 4, &year)) {
        snprintf(err, errlen, "expected 4-digit year");
        return -1;
    }
    if (read_field(&c, '-', "month", "year", 1, 12, &month, err, errlen) != 0)
        return -1;
    /* The day's range depends on the month: checked just below. */
    if (read_field(&c, '-', "day", "month", 0, 99, &day, err, errlen) != 0)
        return -1;
    if (day < 1 || day > days_in_month(year, month)) {
        snprintf(err, errlen, "invalid day %02d for %04d-%02d", day, year, month);
        return -1;
    }
    if (!expect_char(&c, 'T') && !expect_char(&c, ' ')) {
        snprintf(err, errlen, "expected 'T' after date");
        return -1;
    }
    if (read_field(&c, 0, "hour", NULL, 0, 23, &hour, err, errlen) != 0 ||
        read_field(&c, ':', "minute", "hour", 0, 59, &minute, err, errlen) != 0 ||
        read_field(&c, ':', "second", "minute", 0, 59, &second, err, errlen) != 0)
        return -1;
    if (parse_fraction(&c, &ms, err, errlen) != 0)
        return -1;
    if (parse_zone(&c, &offset_ms, err, errlen) != 0)
        return -1;
    if (!at_end(&c)) {
        snprintf(err, errlen, "trailing characters after time zone");
        return -1;
    }

    *epoch_ms = days_from_civil(year, month, day) * MS_PER_DAY + hour * MS_PER_HOUR +
                minute * MS_PER_MINUTE + second * MS_PER_SECOND + ms - offset_ms;
    return 0;
}

/* ---- formatting --------------------------------------------------------- */

/* The width lowest decimal digits of v (0 <= v), zero-padded. */
static void put_digits(char *p, int v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

int tg_time_format(int64_t epoch_ms, char *buf, size_t buflen)
{
    /* 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z as epoch ms. */
    static const int64_t min_ms = INT64_C(-62167219200000);
    static const int64_t end_ms = INT64_C(253402300800000);
    if (epoch_ms < min_ms || epoch_ms >= end_ms || buf == NULL)
        return -1;

    int64_t days = tg_floor_div(epoch_ms, MS_PER_DAY);
    int64_t in_day = epoch_ms - days * MS_PER_DAY;
    int64_t year;
    int month, day;
    civil_from_days(days, &year, &month, &day);
    int hour = (int)(in_day / MS_PER_HOUR);
    int minute = (int)(in_day / MS_PER_MINUTE % 60);
    int second = (int)(in_day / MS_PER_SECOND % 60);
    int ms = (int)(in_day % MS_PER_SECOND);

    /* Digits by hand: emission formats two times per window and task, and
     * snprintf took 8% of a results-topic run's main thread. */
    size_t n = ms != 0 ? 24 : 20; /* 0000-00-00T00:00:00[.000]Z */
    if (buflen <= n)
        return -1;
    put_digits(buf, (int)year, 4);
    buf[4] = '-';
    put_digits(buf + 5, month, 2);
    buf[7] = '-';
    put_digits(buf + 8, day, 2);
    buf[10] = 'T';
    put_digits(buf + 11, hour, 2);
    buf[13] = ':';
    put_digits(buf + 14, minute, 2);
    buf[16] = ':';
    put_digits(buf + 17, second, 2);
    if (ms != 0) {
        buf[19] = '.';
        put_digits(buf + 20, ms, 3);
    }
    buf[n - 1] = 'Z';
    buf[n] = '\0';
    return (int)n;
}

void tg_time_format_any(int64_t epoch_ms, char *buf, size_t buflen)
{
    if (tg_time_format(epoch_ms, buf, buflen) < 0)
        snprintf(buf, buflen, "%" PRId64, epoch_ms);
}

/* ---- clocks ------------------------------------------------------------- */

static int64_t clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * MS_PER_SECOND + ts.tv_nsec / 1000000;
}

int64_t tg_time_now_ms(void)
{
    return clock_ms(CLOCK_REALTIME);
}

int64_t tg_time_monotonic_ms(void)
{
    return clock_ms(CLOCK_MONOTONIC);
}
