/* tc_parse.c - two record parsers with one result.
 *
 * The strict parser lets jansson build the whole object, then picks out
 * the fields tgcount needs.  It defines the semantics, and it costs about
 * 10 us a record, mostly allocations.
 *
 * The fast parser reads the line once, without allocating, and only
 * accepts what it can prove jansson would accept with the same values: a
 * flat object (no nested object or array) whose keys have no escapes,
 * whose strings hold valid UTF-8 and simple escapes only (no \uXXXX),
 * whose numbers are integers of at most 18 digits, with at most 16 keys
 * (for the duplicate-key check), a parseable event_time within the
 * accepted range and no negative message_id or user_id.  Anything else,
 * valid or not, is "unsure" and goes to the strict parser, which then
 * decides and words the error.  So the fast path can only make
 * tgcount faster, never different; test_tc_parse checks this on generated
 * and mutated lines. */
#include "tc_parse.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "tg_time.h"
#include "tg_utf8.h"

struct tc_parser {
    /* The key outlives the jansson tree, so it is copied here. */
    char key[TC_USERNAME_MAX + 1];
};

struct tc_parser *tc_parser_new(void)
{
    return calloc(1, sizeof(struct tc_parser));
}

void tc_parser_free(struct tc_parser *ps)
{
    free(ps);
}

static void set_key(struct tc_parser *ps, struct tc_parsed *out, const char *s,
                    size_t len)
{
    out->key_truncated = false;
    if (len > TC_USERNAME_MAX) {
        len = tg_utf8_truncate(s, len, TC_USERNAME_MAX);
        out->key_truncated = true;
    }
    memcpy(ps->key, s, len);
    ps->key[len] = '\0';
    out->key = ps->key;
    out->key_len = len;
}

int tc_parser_parse_strict(struct tc_parser *ps, const char *data, size_t len,
                           struct tc_parsed *out, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        snprintf(err, errlen, "not JSON: %s", jerr.text);
        return -1;
    }
    int rc = -1;
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

    if (out->event_time_ms < TC_EVENT_TIME_MIN_MS ||
        out->event_time_ms >= TC_EVENT_TIME_END_MS) {
        snprintf(err, errlen, "event_time out of range (1970..2099)");
        goto out;
    }

    json_t *user = json_object_get(root, "username");
    json_t *uid = json_object_get(root, "user_id");
    json_t *ch = json_object_get(root, "channel_id");
    json_t *msg = json_object_get(root, "message_id");
    if (json_is_integer(msg) && json_integer_value(msg) < 0) {
        snprintf(err, errlen, "message_id is negative");
        goto out;
    }
    if (json_is_integer(uid) && json_integer_value(uid) < 0) {
        snprintf(err, errlen, "user_id is negative");
        goto out;
    }
    if (json_is_string(user) && json_string_length(user) > 0) {
        set_key(ps, out, json_string_value(user), json_string_length(user));
    } else if (json_is_integer(uid)) {
        int n = snprintf(ps->key, sizeof ps->key, "user_%" PRId64,
                         (int64_t)json_integer_value(uid));
        out->key = ps->key;
        out->key_len = (size_t)n;
        out->key_truncated = false;
    } else {
        set_key(ps, out, "anonymous", 9);
    }

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

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/* True when one of the 8 bytes of w is '"', '\\' or below 0x20 (the
 * classic has-zero-byte test; it may flag bytes after a true hit, never
 * miss one, and the byte loop then decides). */
static bool word_has_special(uint64_t w)
{
    uint64_t q = w ^ (ONES * '"');
    uint64_t b = w ^ (ONES * '\\');
    return (((q - ONES) & ~q) | ((b - ONES) & ~b) | ((w - ONES * 0x20) & ~w)) & HIGHS;
}

#if defined(__SSE2__)
/* Skips 16 bytes at a time up to the first '"', '\\' or control byte (or
 * the last 15 bytes before end), noting in *high whether a skipped byte is
 * 0x80 or above.  The texts of records are most of their bytes, and this
 * is about twice as fast as the word-at-a-time test below, which still
 * handles the rest (x86-64 always has SSE2). */
static const char *skip_plain(const char *p, const char *end, bool *high)
{
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i space = _mm_set1_epi8(0x20);
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        unsigned highs = (unsigned)_mm_movemask_epi8(v);
        /* A signed compare: below 0x20 are the controls and 0x80 and up. */
        __m128i hits = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote),
                                                 _mm_cmpeq_epi8(v, backslash)),
                                    _mm_cmplt_epi8(v, space));
        unsigned special = (unsigned)_mm_movemask_epi8(hits) & ~highs;
        if (special != 0) {
            unsigned at = (unsigned)__builtin_ctz(special);
            *high |= (highs & ((1u << at) - 1)) != 0;
            return p + at;
        }
        *high |= highs != 0;
        p += 16;
    }
    return p;
}
#endif

/* p is just past the opening quote.  Returns the closing quote, or NULL
 * when unsure (control byte, \u escape, unknown escape, invalid UTF-8,
 * unterminated).  *escaped tells whether an escape was seen. */
static const char *scan_string(const char *p, const char *end, bool *escaped)
{
    const char *start = p;
    bool high = false;
    *escaped = false;
    while (p < end) {
#if defined(__SSE2__)
        p = skip_plain(p, end, &high);
        if (p == end) {
            break;
        }
#endif
        if (end - p >= 8) {
            uint64_t w;
            memcpy(&w, p, sizeof w);
            if (!word_has_special(w)) {
                high |= (w & HIGHS) != 0;
                p += 8;
                continue;
            }
        }
        unsigned char c = (unsigned char)*p;
        if (c == '"') {
            if (high && !tg_utf8_valid(start, (size_t)(p - start))) {
                return NULL;
            }
            return p;
        }
        if (c < 0x20) {
            return NULL;
        }
        if (c == '\\') {
            if (p + 1 >= end || p[1] == '\0' || strchr("\"\\/bfnrt", p[1]) == NULL) {
                return NULL;
            }
            *escaped = true;
            p += 2;
            continue;
        }
        high |= c >= 0x80;
        p++;
    }
    return NULL;
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

int tc_parser_parse_fast(struct tc_parser *ps, const char *data, size_t len,
                         struct tc_parsed *out)
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
    if (out->event_time_ms < TC_EVENT_TIME_MIN_MS ||
        out->event_time_ms >= TC_EVENT_TIME_END_MS ||
        (msg.kind == FAST_INTEGER && msg.i < 0) ||
        (uid.kind == FAST_INTEGER && uid.i < 0)) {
        return 0;
    }
    if (user.kind == FAST_STRING && user.len > 0) {
        set_key(ps, out, user.s, user.len);
    } else if (uid.kind == FAST_INTEGER) {
        int n = snprintf(ps->key, sizeof ps->key, "user_%" PRId64, uid.i);
        out->key = ps->key;
        out->key_len = (size_t)n;
        out->key_truncated = false;
    } else {
        set_key(ps, out, "anonymous", 9);
    }
    out->has_ids = ch.kind == FAST_INTEGER && msg.kind == FAST_INTEGER;
    out->channel_id = out->has_ids ? ch.i : 0;
    out->message_id = out->has_ids ? msg.i : 0;
    return 1;
}

int tc_parser_parse(struct tc_parser *ps, const char *data, size_t len,
                    struct tc_parsed *out, char *err, size_t errlen)
{
    if (tc_parser_parse_fast(ps, data, len, out)) {
        return 0;
    }
    return tc_parser_parse_strict(ps, data, len, out, err, errlen);
}
