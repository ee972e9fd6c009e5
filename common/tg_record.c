/* tg_record.c - the record's lifetime, the reading contract's range checks,
 * the counting key, and the writer (see tg_record.h).  The decoders are in
 * tg_record_decode.c (jansson) and tg_record_view.c (the fast path).
 *
 * The writer builds the line itself instead of asking jansson for it:
 * jansson builds a tree per record, several times slower than writing the
 * bytes.  It escapes exactly what json_dumps escapes without
 * JSON_ENSURE_ASCII (test_record checks it against json_dumps), so the
 * bytes are the same.
 */
#include "tg_record.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_record_internal.h"
#include "tg_utf8.h"

void tg_record_init(struct tg_record *rec)
{
    memset(rec, 0, sizeof *rec);
}

void tg_record_clear(struct tg_record *rec)
{
    if (rec == NULL)
        return;
    free(rec->channel_name);
    free(rec->username);
    free(rec->first_name);
    free(rec->last_name);
    free(rec->text);
    tg_record_init(rec);
}

/* ---- the reading contract ---------------------------------------------------- */

const char *tg_record_range_problem(int64_t event_time_ms, bool has_message_id,
                                    int64_t message_id, bool has_user_id, int64_t user_id)
{
    if (event_time_ms < TG_RECORD_EVENT_TIME_MIN_MS ||
        event_time_ms >= TG_RECORD_EVENT_TIME_END_MS)
        return "event_time out of range (1970..2099)";
    if (has_message_id && message_id < 0)
        return "message_id is negative";
    if (has_user_id && user_id < 0)
        return "user_id is negative";
    return NULL;
}

/* ---- numbers ------------------------------------------------------------------ */

/* Longest int64 in decimal: "-9223372036854775808". */
#define I64_TEXT_MAX 20

/* Writes v in decimal at p (room for I64_TEXT_MAX bytes); returns the end.
 * By hand, two digits a step and in place: snprintf costs more than the
 * rest of a key, and a record holds four numbers. */
static char *format_i64(char *p, int64_t v)
{
    static const char pairs[] = "00010203040506070809101112131415161718192021222324"
                                "25262728293031323334353637383940414243444546474849"
                                "50515253545556575859606162636465666768697071727374"
                                "75767778798081828384858687888990919293949596979899";
    static const uint64_t powers[20] = {UINT64_C(1),
                                        UINT64_C(10),
                                        UINT64_C(100),
                                        UINT64_C(1000),
                                        UINT64_C(10000),
                                        UINT64_C(100000),
                                        UINT64_C(1000000),
                                        UINT64_C(10000000),
                                        UINT64_C(100000000),
                                        UINT64_C(1000000000),
                                        UINT64_C(10000000000),
                                        UINT64_C(100000000000),
                                        UINT64_C(1000000000000),
                                        UINT64_C(10000000000000),
                                        UINT64_C(100000000000000),
                                        UINT64_C(1000000000000000),
                                        UINT64_C(10000000000000000),
                                        UINT64_C(100000000000000000),
                                        UINT64_C(1000000000000000000),
                                        UINT64_C(10000000000000000000)};
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    if (v < 0)
        *p++ = '-';
    /* Digits: log10 from the bit length (1233 / 4096 ~ log10(2)), then one
     * comparison to settle it. */
    size_t n = 1;
    if (u != 0) {
        unsigned t = (unsigned)(64 - __builtin_clzll(u)) * 1233 >> 12;
        n = t + 1 - (u < powers[t]);
    }
    char *d = p + n;
    while (u >= 100) {
        unsigned pair = (unsigned)(u % 100) * 2;
        u /= 100;
        *--d = pairs[pair + 1];
        *--d = pairs[pair];
    }
    if (u >= 10) {
        *--d = pairs[u * 2 + 1];
        *--d = pairs[u * 2];
    } else {
        *--d = (char)('0' + u);
    }
    return p + n;
}

/* ---- the counting key ---------------------------------------------------------- */

void tg_record_key_make(const char *username, size_t username_len, bool has_user_id,
                        int64_t user_id, struct tg_record_key *key)
{
    key->truncated = false;
    if (username != NULL && username_len > 0) {
        size_t len = username_len;
        if (len > TG_RECORD_USERNAME_MAX) {
            len = tg_utf8_truncate(username, len, TG_RECORD_USERNAME_MAX);
            key->truncated = true;
        }
        memcpy(key->text, username, len);
        key->len = len;
    } else if (has_user_id) {
        static const char prefix[] = "user_";
        memcpy(key->text, prefix, sizeof prefix - 1);
        key->len =
            (size_t)(format_i64(key->text + sizeof prefix - 1, user_id) - key->text);
    } else {
        static const char anonymous[] = "anonymous";
        memcpy(key->text, anonymous, sizeof anonymous - 1);
        key->len = sizeof anonymous - 1;
    }
    key->text[key->len] = '\0';
}

void tg_record_counting_key(const struct tg_record *rec, struct tg_record_key *key)
{
    const char *name = rec->username;
    tg_record_key_make(name, name != NULL ? strlen(name) : 0, rec->has_user_id,
                       rec->user_id, key);
}

/* ---- the writer ---------------------------------------------------------------- */

void tg_record_writer_init(struct tg_record_writer *w)
{
    memset(w, 0, sizeof *w);
}

/* Where the line goes.  Every put_ checks the room left; once something
 * did not fit, nothing more is written. */
struct out {
    char *p, *end; /* end: the last byte, kept for the NUL */
    bool full;
};

static void put_mem(struct out *o, const char *s, size_t n)
{
    if (n > (size_t)(o->end - o->p)) {
        o->full = true;
        o->p = o->end;
        return;
    }
    memcpy(o->p, s, n);
    o->p += n;
}

#define PUT_LIT(o, lit) put_mem((o), (lit), sizeof(lit) - 1)

static void put_i64(struct out *o, int64_t v)
{
    if (o->end - o->p >= I64_TEXT_MAX) {
        o->p = format_i64(o->p, v);
        return;
    }
    char text[I64_TEXT_MAX];
    put_mem(o, text, (size_t)(format_i64(text, v) - text));
}

/* The escape json_dumps writes for c ('"', '\\' or a control), into buf;
 * returns its length. */
static size_t escape(unsigned char c, char buf[6])
{
    static const char hex[] = "0123456789ABCDEF";
    const char *two = NULL;
    switch (c) {
    case '"':
        two = "\\\"";
        break;
    case '\\':
        two = "\\\\";
        break;
    case '\b':
        two = "\\b";
        break;
    case '\f':
        two = "\\f";
        break;
    case '\n':
        two = "\\n";
        break;
    case '\r':
        two = "\\r";
        break;
    case '\t':
        two = "\\t";
        break;
    default:
        memcpy(buf, "\\u00", 4);
        buf[4] = hex[c >> 4];
        buf[5] = hex[c & 0xF];
        return 6;
    }
    memcpy(buf, two, 2);
    return 2;
}

/* A JSON string: quotes, escapes, the rest copied raw. */
static void put_string(struct out *o, const char *s)
{
    const char *q = s, *end = s + strlen(s);
    PUT_LIT(o, "\"");
    for (;;) {
        bool high = false; /* unused: the caller vouches for the UTF-8 */
        const char *stop = tg_record_skip_plain(q, end, &high);
        put_mem(o, q, (size_t)(stop - q));
        if (stop == end)
            break;
        char buf[6];
        put_mem(o, buf, escape((unsigned char)*stop, buf));
        q = stop + 1;
    }
    PUT_LIT(o, "\"");
}

static void put_string_or_null(struct out *o, const char *s)
{
    if (s == NULL)
        PUT_LIT(o, "null");
    else
        put_string(o, s);
}

static void put_i64_or_null(struct out *o, bool has, int64_t v)
{
    if (has)
        put_i64(o, v);
    else
        PUT_LIT(o, "null");
}

/* Two digits of v (0-99) at p. */
static void put_two_digits(char *p, int64_t v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
}

/* The event time as tg_time_format writes it.  Its date comes from
 * tg_time_format once per day of event time (snprintf and the calendar cost
 * more than the rest of a record); the clock is written here.  Returns
 * false when the time lies outside years 0000-9999. */
static bool put_time(struct out *o, struct tg_record_writer *w, int64_t ms)
{
    static const int64_t ms_per_day = INT64_C(86400000);
    struct tg_record_writer scratch;
    if (w == NULL) {
        tg_record_writer_init(&scratch);
        w = &scratch;
    }
    int64_t day = tg_floor_div(ms, ms_per_day);
    int64_t in_day = ms - day * ms_per_day;
    if (!w->has_day || day != w->day) {
        /* ms and the start of its day lie in the same year. */
        if (tg_time_format(day * ms_per_day, w->day_text, sizeof w->day_text) < 0)
            return false;
        w->day = day;
        w->has_day = true;
    }
    char clock[16] = {0}; /* "HH:MM:SS.mmmZ" */
    size_t n = 8;
    put_two_digits(clock, in_day / 3600000);
    clock[2] = ':';
    put_two_digits(clock + 3, in_day / 60000 % 60);
    clock[5] = ':';
    put_two_digits(clock + 6, in_day / 1000 % 60);
    int64_t milli = in_day % 1000;
    if (milli != 0) {
        clock[8] = '.';
        clock[9] = (char)('0' + milli / 100);
        put_two_digits(clock + 10, milli % 100);
        n = 12;
    }
    clock[n++] = 'Z';
    put_mem(o, w->day_text, 11); /* "YYYY-MM-DDT" */
    if (o->end - o->p >= (ptrdiff_t)sizeof clock) {
        /* All of it, a constant size the compiler copies inline. */
        memcpy(o->p, clock, sizeof clock);
        o->p += n;
    } else {
        put_mem(o, clock, n);
    }
    return true;
}

int tg_record_write(struct tg_record_writer *w, const struct tg_record *rec, char *buf,
                    size_t cap, size_t *len, char *err, size_t errlen)
{
    *len = 0;
    if (cap == 0) {
        snprintf(err, errlen, "the record does not fit in 0 bytes");
        return -1;
    }
    struct out o = {.p = buf, .end = buf + cap - 1};
    PUT_LIT(&o, "{\"event_time\":\"");
    if (!put_time(&o, w, rec->event_time_ms)) {
        snprintf(err, errlen, "event_time: %" PRId64 " ms is outside years 0000-9999",
                 rec->event_time_ms);
        buf[0] = '\0';
        return -1;
    }
    PUT_LIT(&o, "\",\"channel_id\":");
    put_i64_or_null(&o, rec->has_channel_id, rec->channel_id);
    PUT_LIT(&o, ",\"channel_name\":");
    put_string_or_null(&o, rec->channel_name);
    PUT_LIT(&o, ",\"message_id\":");
    put_i64_or_null(&o, rec->has_message_id, rec->message_id);
    PUT_LIT(&o, ",\"user_id\":");
    put_i64_or_null(&o, rec->has_user_id, rec->user_id);
    PUT_LIT(&o, ",\"username\":");
    put_string_or_null(&o, rec->username);
    PUT_LIT(&o, ",\"first_name\":");
    put_string_or_null(&o, rec->first_name);
    PUT_LIT(&o, ",\"last_name\":");
    put_string_or_null(&o, rec->last_name);
    PUT_LIT(&o, ",\"text\":");
    put_string(&o, rec->text != NULL ? rec->text : "");
    PUT_LIT(&o, ",\"text_length\":");
    put_i64(&o, rec->text_length);
    PUT_LIT(&o, "}");
    if (o.full) {
        snprintf(err, errlen, "the record does not fit in %zu bytes", cap);
        buf[0] = '\0';
        return -1;
    }
    *o.p = '\0';
    *len = (size_t)(o.p - buf);
    return 0;
}

/* ---- the checked encoder -------------------------------------------------------- */

int tg_record_encode(const struct tg_record *rec, char **out, size_t *out_len, char *err,
                     size_t errlen)
{
    const char *const names[] = {"channel_name", "username", "first_name", "last_name",
                                 "text"};
    const char *const values[] = {rec->channel_name, rec->username, rec->first_name,
                                  rec->last_name, rec->text};
    /* Each string byte becomes at most 6 ("\u001F"); the rest (names,
     * numbers, the time, nulls) is well under 512 bytes. */
    size_t cap = 512;

    *out = NULL;
    *out_len = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (values[i] == NULL)
            continue;
        size_t len = strlen(values[i]);
        if (!tg_utf8_valid(values[i], len)) {
            snprintf(err, errlen, "%s: invalid UTF-8", names[i]);
            return -1;
        }
        cap += 6 * len;
    }
    *out = malloc(cap);
    if (*out == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (tg_record_write(NULL, rec, *out, cap, out_len, err, errlen) != 0) {
        free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}
