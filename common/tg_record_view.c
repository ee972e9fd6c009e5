/* tg_record_view.c - the view tgcount counts by: two readers with one
 * result (see tg_record.h).
 *
 * The strict reader lets jansson build the whole object, then picks out
 * the fields the view needs.  It defines the results, and it costs about
 * 10 us a record, mostly allocations.
 *
 * The fast reader reads the line once, without allocating, and only
 * accepts what it can prove jansson would accept with the same values: a
 * flat object (no nested object or array) whose keys have no escapes,
 * whose strings hold valid UTF-8 and simple escapes only (no \uXXXX),
 * whose numbers are integers of at most 18 digits, with at most 16 keys
 * (for the duplicate-key check), a parseable event_time within the
 * accepted range and no negative message_id or user_id.  Anything else,
 * valid or not, is "unsure" and goes to the strict reader, which then
 * decides and words the error.  So the fast path can only make tgcount
 * faster, never different; test_record_view checks this on generated and
 * mutated lines, and the parse_fast fuzz target on whatever it finds.
 */
#include "tg_record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tg_record_internal.h"
#include "tg_time.h"
#include "tg_utf8.h"

struct tg_record_reader {
    /* The key outlives the jansson tree, so it is copied here. */
    struct tg_record_key key;
};

struct tg_record_reader *tg_record_reader_new(void)
{
    return calloc(1, sizeof(struct tg_record_reader));
}

void tg_record_reader_free(struct tg_record_reader *r)
{
    free(r);
}

/* Makes the counting key (tg_record_key_make) and points out at it. */
static void set_key(struct tg_record_reader *r, struct tg_record_view *out,
                    const char *username, size_t username_len, bool has_user_id,
                    int64_t user_id)
{
    tg_record_key_make(username, username_len, has_user_id, user_id, &r->key);
    out->key = r->key.text;
    out->key_len = r->key.len;
    out->key_truncated = r->key.truncated;
}

int tg_record_read_strict(struct tg_record_reader *r, const char *data, size_t len,
                          struct tg_record_view *out, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        snprintf(err, errlen, "not JSON: %s", jerr.text);
        return -1;
    }
    int rc = -1;
    /* jansson refuses a NUL inside a string or between tokens, but its
     * lexer lets one pass right after a number, true, false or null; the
     * contract allows none anywhere.  (The decoder needs no such check: its
     * trailing-garbage check refuses the bytes jansson's position then
     * leaves inside the object.) */
    const char *nul = len > 0 ? memchr(data, '\0', len) : NULL;
    if (nul != NULL) {
        snprintf(err, errlen, "not JSON: NUL byte at byte %zu", (size_t)(nul - data));
        goto out;
    }
    if (!json_is_object(root)) {
        snprintf(err, errlen, "not a JSON object");
        goto out;
    }
    json_t *et = json_object_get(root, "event_time");
    if (et == NULL || !json_is_string(et)) {
        snprintf(err, errlen,
                 et == NULL ? "no event_time" : "event_time is not a string");
        goto out;
    }
    char terr[128];
    if (tg_time_parse(json_string_value(et), json_string_length(et), &out->event_time_ms,
                      terr, sizeof terr) != 0) {
        snprintf(err, errlen, "event_time: %s", terr);
        goto out;
    }

    json_t *user = json_object_get(root, "username");
    json_t *uid = json_object_get(root, "user_id");
    json_t *ch = json_object_get(root, "channel_id");
    json_t *msg = json_object_get(root, "message_id");
    const char *problem = tg_record_range_problem(
        out->event_time_ms, json_is_integer(msg), (int64_t)json_integer_value(msg),
        json_is_integer(uid), (int64_t)json_integer_value(uid));
    if (problem != NULL) {
        snprintf(err, errlen, "%s", problem);
        goto out;
    }
    bool has_name = json_is_string(user);
    set_key(r, out, has_name ? json_string_value(user) : NULL,
            has_name ? json_string_length(user) : 0, json_is_integer(uid),
            (int64_t)json_integer_value(uid));

    out->has_ids = json_is_integer(ch) && json_is_integer(msg);
    out->channel_id = out->has_ids ? (int64_t)json_integer_value(ch) : 0;
    out->message_id = out->has_ids ? (int64_t)json_integer_value(msg) : 0;
    rc = 0;
out:
    json_decref(root);
    return rc;
}

/* ---- the fast path ---------------------------------------------------- */

#define FAST_MAX_KEYS 16

enum fast_kind {
    FAST_ABSENT = 0,
    FAST_STRING,  /* no escapes: the raw bytes are the value */
    FAST_ESCAPED, /* a string with escapes (value not decoded) */
    FAST_INTEGER,
    FAST_OTHER, /* null, true, false */
};

struct fast_value {
    enum fast_kind kind;
    const char *s;
    size_t len;
    int64_t i;
};

static bool is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && is_ws((unsigned char)*p)) {
        p++;
    }
    return p;
}

/* p is just past the opening quote.  Returns the closing quote, or NULL
 * when unsure (control byte, \u escape, unknown escape, invalid UTF-8,
 * unterminated).  *escaped tells whether an escape was seen. */
static const char *scan_string(const char *p, const char *end, bool *escaped)
{
    const char *start = p;
    bool high = false;
    *escaped = false;
    for (;;) {
        p = tg_record_skip_plain(p, end, &high);
        if (p == end)
            return NULL;
        unsigned char c = (unsigned char)*p;
        if (c == '"') {
            if (high && !tg_utf8_valid(start, (size_t)(p - start)))
                return NULL;
            return p;
        }
        if (c < 0x20)
            return NULL;
        /* A backslash. */
        if (p + 1 >= end || p[1] == '\0' || strchr("\"\\/bfnrt", p[1]) == NULL)
            return NULL;
        *escaped = true;
        p += 2;
    }
}

/* An integer of at most 18 digits, as JSON writes it.  Returns the byte
 * after it, or NULL when unsure. */
static const char *scan_integer(const char *p, const char *end, int64_t *v)
{
    bool neg = false;
    if (*p == '-') {
        neg = true;
        p++;
    }
    const char *digits = p;
    int64_t x = 0;
    while (p < end && *p >= '0' && *p <= '9') {
        if (p - digits == 18) {
            return NULL;
        }
        x = x * 10 + (*p - '0');
        p++;
    }
    size_t n = (size_t)(p - digits);
    if (n == 0 || (n > 1 && digits[0] == '0')) {
        return NULL;
    }
    /* A fraction or exponent makes a real: let jansson decide. */
    if (p < end && (*p == '.' || *p == 'e' || *p == 'E')) {
        return NULL;
    }
    *v = neg ? -x : x;
    return p;
}

static const char *scan_literal(const char *p, const char *end)
{
    static const char *const words[] = {"null", "true", "false"};
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(words[i]);
        if ((size_t)(end - p) >= n && memcmp(p, words[i], n) == 0) {
            return p + n;
        }
    }
    return NULL;
}

static bool key_is(const char *k, size_t n, const char *name)
{
    return n == strlen(name) && memcmp(k, name, n) == 0;
}

int tg_record_read_fast(struct tg_record_reader *r, const char *data, size_t len,
                        struct tg_record_view *out)
{
    const char *p = data, *end = data + len;
    const char *keys[FAST_MAX_KEYS];
    size_t keylens[FAST_MAX_KEYS];
    size_t nkeys = 0;
    struct fast_value et = {0}, user = {0}, uid = {0}, ch = {0}, msg = {0};

    p = skip_ws(p, end);
    if (p == end || *p != '{') {
        return 0;
    }
    p = skip_ws(p + 1, end);
    for (;;) {
        if (p == end || *p != '"' || nkeys == FAST_MAX_KEYS) {
            return 0;
        }
        bool escaped;
        const char *k = p + 1;
        const char *q = scan_string(k, end, &escaped);
        if (q == NULL || escaped) {
            return 0;
        }
        size_t kn = (size_t)(q - k);
        for (size_t i = 0; i < nkeys; i++) {
            if (keylens[i] == kn && memcmp(keys[i], k, kn) == 0) {
                return 0;
            }
        }
        keys[nkeys] = k;
        keylens[nkeys++] = kn;
        p = skip_ws(q + 1, end);
        if (p == end || *p != ':') {
            return 0;
        }
        p = skip_ws(p + 1, end);
        if (p == end) {
            return 0;
        }
        struct fast_value v = {0};
        if (*p == '"') {
            v.s = p + 1;
            q = scan_string(v.s, end, &escaped);
            if (q == NULL) {
                return 0;
            }
            v.kind = escaped ? FAST_ESCAPED : FAST_STRING;
            v.len = (size_t)(q - v.s);
            p = q + 1;
        } else if (*p == '-' || (*p >= '0' && *p <= '9')) {
            p = scan_integer(p, end, &v.i);
            v.kind = FAST_INTEGER;
        } else {
            p = scan_literal(p, end);
            v.kind = FAST_OTHER;
        }
        if (p == NULL) {
            return 0;
        }
        if (key_is(k, kn, "event_time")) {
            et = v;
        } else if (key_is(k, kn, "username")) {
            user = v;
        } else if (key_is(k, kn, "user_id")) {
            uid = v;
        } else if (key_is(k, kn, "channel_id")) {
            ch = v;
        } else if (key_is(k, kn, "message_id")) {
            msg = v;
        }
        p = skip_ws(p, end);
        if (p == end) {
            return 0;
        }
        if (*p == '}') {
            break;
        }
        if (*p != ',') {
            return 0;
        }
        p = skip_ws(p + 1, end);
    }
    if (skip_ws(p + 1, end) != end || et.kind != FAST_STRING ||
        user.kind == FAST_ESCAPED) {
        return 0;
    }
    char terr[8];
    if (tg_time_parse(et.s, et.len, &out->event_time_ms, terr, sizeof terr) != 0) {
        return 0;
    }
    /* Out of range: the strict path rejects it and words why. */
    if (tg_record_range_problem(out->event_time_ms, msg.kind == FAST_INTEGER, msg.i,
                                uid.kind == FAST_INTEGER, uid.i) != NULL) {
        return 0;
    }
    set_key(r, out, user.kind == FAST_STRING ? user.s : NULL, user.len,
            uid.kind == FAST_INTEGER, uid.i);
    out->has_ids = ch.kind == FAST_INTEGER && msg.kind == FAST_INTEGER;
    out->channel_id = out->has_ids ? ch.i : 0;
    out->message_id = out->has_ids ? msg.i : 0;
    return 1;
}

int tg_record_read(struct tg_record_reader *r, const char *data, size_t len,
                   struct tg_record_view *out, char *err, size_t errlen)
{
    if (tg_record_read_fast(r, data, len, out)) {
        return 0;
    }
    return tg_record_read_strict(r, data, len, out, err, errlen);
}
