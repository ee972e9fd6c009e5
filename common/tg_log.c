#include "tg_log.h"

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* A token's secret part: at least this many of [A-Za-z0-9_-]. */
#define TOKEN_SECRET_MIN 30
/* The configured token's secret is redacted alone when at least this long:
 * shorter ones would match ordinary words, and a redaction must not grow
 * the text. */
#define CONFIGURED_SECRET_MIN 10
#define REDACTED "<redacted>"

void tg_log_init(struct tg_log *log, const char *program, FILE *stream)
{
    log->program = program;
    log->level = TG_LOG_WARN;
    log->stream = stream;
    log->token = NULL;
}

void tg_log_quieter(struct tg_log *log)
{
    log->level = TG_LOG_ERROR;
}

void tg_log_louder(struct tg_log *log)
{
    if (log->level < TG_LOG_DEBUG)
        log->level++;
}

void tg_log_set_token(struct tg_log *log, const char *token)
{
    log->token = token;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_secret_char(char c)
{
    return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
           c == '-';
}

static int hex_value(char c)
{
    if (is_digit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The character that text[i] starts: a %XX escape (hex digits of either
 * case) decoded, else the byte itself.  Returns how many bytes it takes.
 * Reads nothing past a NUL. */
static size_t unit_at(const char *text, size_t i, char *c)
{
    if (text[i] == '%' && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
        *c = (char)(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
        return 3;
    }
    *c = text[i];
    return 1;
}

/* The configured token's secret part, when it is long enough to be told
 * apart from ordinary words (and from "<redacted>", so a redaction never
 * grows the text) and made only of secret characters; else NULL. */
static const char *configured_secret(const char *token, size_t *len)
{
    const char *colon = token != NULL ? strchr(token, ':') : NULL;
    if (colon == NULL)
        return NULL;
    const char *secret = colon + 1;
    size_t n = 0;
    while (is_secret_char(secret[n]))
        n++;
    if (secret[n] != '\0' || n < CONFIGURED_SECRET_MIN)
        return NULL;
    *len = n;
    return secret;
}

/* Where the configured secret ends when it starts at text[i] (its
 * characters literal or escaped), else 0. */
static size_t secret_end(const char *text, size_t i, const char *secret, size_t len)
{
    for (size_t k = 0; k < len; k++) {
        char c;
        if (text[i] == '\0')
            return 0;
        size_t n = unit_at(text, i, &c);
        if (c != secret[k])
            return 0;
        i += n;
    }
    return i;
}

/* Where a run of secret characters starting at text[i] ends, and how many
 * characters it has. */
static size_t secret_run_end(const char *text, size_t i, size_t *count)
{
    char c;
    size_t n;
    *count = 0;
    while ((n = unit_at(text, i, &c)), is_secret_char(c)) {
        i += n;
        (*count)++;
    }
    return i;
}

/* Where a token starting at the digit run at text[i] ends, else 0: the
 * digits, ':', then a secret of TOKEN_SECRET_MIN or more characters or the
 * configured secret, then any ":<secret chars>" runs right behind it (such
 * a run can hide a second token's bot id). */
static size_t token_end(const char *text, size_t i, const char *secret, size_t secret_len)
{
    char c;
    size_t n, digits = 0, count;
    while ((n = unit_at(text, i, &c)), is_digit(c)) {
        i += n;
        digits++;
    }
    if (digits == 0 || (n = unit_at(text, i, &c), c != ':'))
        return 0;
    i += n;
    size_t end = secret_run_end(text, i, &count);
    if (count < TOKEN_SECRET_MIN) {
        end = secret != NULL ? secret_end(text, i, secret, secret_len) : 0;
        if (end == 0)
            return 0;
    }
    for (;;) {
        size_t colon = unit_at(text, end, &c);
        char next;
        if (c != ':' || text[end + colon] == '\0')
            break;
        unit_at(text, end + colon, &next);
        if (!is_secret_char(next))
            break;
        end = secret_run_end(text, end + colon, &count);
    }
    return end;
}

/* Reads and writes through the same buffer.  Every span to redact (a
 * token, the configured secret) is found where it starts; overlapping or
 * adjacent spans merge into one region, written as "<redacted>" once the
 * region ends: it is at least CONFIGURED_SECRET_MIN bytes long, so the
 * write position stays behind the read position and the bytes still to be
 * read are intact.  A token starts only at the first digit of a run. */
size_t tg_redact_secrets(char *text, const char *token)
{
    size_t secret_len = 0;
    const char *secret = configured_secret(token, &secret_len);
    size_t count = 0, r = 0, w = 0, region_end = 0;
    bool in_region = false, prev_digit = false;
    while (text[r] != '\0') {
        char c;
        size_t n = unit_at(text, r, &c);
        size_t end = 0;
        if (is_digit(c) && !prev_digit)
            end = token_end(text, r, secret, secret_len);
        if (secret != NULL) {
            size_t e = secret_end(text, r, secret, secret_len);
            if (e > end)
                end = e;
        }
        if (in_region && r >= region_end && end == 0) {
            memcpy(text + w, REDACTED, strlen(REDACTED));
            w += strlen(REDACTED);
            count++;
            in_region = false;
        }
        if (end > 0) {
            region_end = in_region && region_end > end ? region_end : end;
            in_region = true;
        }
        if (!in_region) {
            memmove(text + w, text + r, n);
            w += n;
        }
        prev_digit = is_digit(c);
        r += n;
    }
    if (in_region) {
        memcpy(text + w, REDACTED, strlen(REDACTED));
        w += strlen(REDACTED);
        count++;
    }
    text[w] = '\0';
    return count;
}

size_t tg_redact_tokens(char *text)
{
    return tg_redact_secrets(text, NULL);
}

/* Tail units for drop_partial_token: a character (0-255), an escape cut
 * short, or a "<redacted>" already written. */
enum { UNIT_CUT_ESCAPE = 256, UNIT_REDACTED = 257 };

static bool unit_is_secret(int u)
{
    return u == UNIT_REDACTED || (u < 256 && is_secret_char((char)u));
}

static bool unit_is_digit(int u)
{
    return u < 256 && is_digit((char)u);
}

/* True when line[0..end) ends with "<redacted>". */
static bool ends_redacted(const char *line, size_t end)
{
    size_t mark = strlen(REDACTED);
    return end >= mark && memcmp(line + end - mark, REDACTED, mark) == 0;
}

/* When a line is cut, a token or the configured secret straddling the cut
 * keeps its first characters, too few to be recognised: drop such a tail
 * from the redacted line.  The tail examined is the run of characters that
 * can belong to one (escapes and earlier redactions included); an escape
 * cut short ("%" or "%4") may stand for any character.  Dropped:
 *  - from the digits of "<digits>:<secret characters>" running to the end
 *    when the secret part is under TOKEN_SECRET_MIN characters, holds a
 *    redaction (the configured secret, inside a run too short to be a
 *    token), or ends in a cut escape;
 *  - a proper prefix of the configured secret ending the line;
 *  - a cut escape right behind "<redacted>" (or behind its ':'), which
 *    may continue the secret redacted there. */
static void drop_partial_token(char *line, size_t *len, const char *secret,
                               size_t secret_len)
{
    size_t start = *len;
    for (;;) {
        if (start > 0 && (is_secret_char(line[start - 1]) || line[start - 1] == '%' ||
                          line[start - 1] == ':'))
            start--;
        else if (ends_redacted(line, start))
            start -= strlen(REDACTED);
        else
            break;
    }
    static_assert(TG_LOG_LINE_MAX <= 65535, "offsets fit in 16 bits");
    uint16_t at[TG_LOG_LINE_MAX];
    int unit[TG_LOG_LINE_MAX];
    size_t units = 0;
    for (size_t i = start; i < *len;) {
        char c;
        size_t n = unit_at(line, i, &c);
        at[units] = (uint16_t)i;
        if (line[i] == '<') {
            unit[units++] = UNIT_REDACTED;
            n = strlen(REDACTED);
        } else if (line[i] == '%' && n == 1 && *len - i < 3 &&
                   (*len - i == 1 || hex_value(line[i + 1]) >= 0)) {
            unit[units++] = UNIT_CUT_ESCAPE;
            break;
        } else {
            unit[units++] = (unsigned char)c;
        }
        i += n;
    }
    size_t cut = *len;
    bool cut_escape = units > 0 && unit[units - 1] == UNIT_CUT_ESCAPE;
    size_t body = units - (cut_escape ? 1 : 0); /* units before a cut escape */

    if (cut_escape && body > 0 && unit[body - 1] == UNIT_REDACTED)
        cut = at[body];
    if (cut_escape && body > 1 && unit[body - 1] == ':' &&
        unit[body - 2] == UNIT_REDACTED)
        cut = at[body - 1];

    /* "<digits>:<secret part>" to the end; a cut escape right behind the
     * digits may be the colon. */
    size_t s = body, count = 0;
    bool redaction = false;
    while (s > 0 && unit_is_secret(unit[s - 1])) {
        s--;
        count++;
        redaction |= unit[s] == UNIT_REDACTED;
    }
    size_t colon = s;
    if (s > 0 && unit[s - 1] == ':')
        colon = s - 1;
    else if (cut_escape)
        colon = body, s = body; /* the cut escape as the colon */
    if (colon < s || colon == body) {
        size_t d = colon;
        while (d > 0 && unit_is_digit(unit[d - 1]))
            d--;
        bool exposed = count < TOKEN_SECRET_MIN || redaction || cut_escape;
        if (d < colon && exposed && at[d] < cut)
            cut = at[d];
    }

    /* A proper prefix of the configured secret. */
    for (size_t k = 0; secret != NULL && k < units; k++) {
        size_t m = units - k;
        bool prefix = m < secret_len;
        for (size_t q = 0; prefix && q < m; q++)
            prefix =
                unit[k + q] == UNIT_CUT_ESCAPE || unit[k + q] == (unsigned char)secret[q];
        if (prefix) {
            if (at[k] < cut)
                cut = at[k];
            break;
        }
    }
    line[cut] = '\0';
    *len = cut;
}

void tg_log_vmsg(const struct tg_log *log, enum tg_log_level level, const char *fmt,
                 va_list ap)
{
    if (level > log->level || log->stream == NULL)
        return;
    /* One buffer, one fwrite: lines from concurrent writers never mix. */
    char line[TG_LOG_LINE_MAX];
    const size_t room = sizeof line - 1; /* keep a byte for the '\n' */
    int n = snprintf(line, room, "%s: %s", log->program ? log->program : "",
                     level == TG_LOG_WARN ? "warning: " : "");
    if (n < 0)
        return;
    size_t len = (size_t)n < room ? (size_t)n : room - 1;
    bool cut = (size_t)n >= room;
    if (!cut) {
        n = vsnprintf(line + len, room - len, fmt, ap);
        if (n < 0)
            return;
        cut = (size_t)n >= room - len;
    }
    tg_redact_secrets(line, log->token);
    len = strlen(line);
    if (cut) {
        size_t secret_len = 0;
        const char *secret = configured_secret(log->token, &secret_len);
        drop_partial_token(line, &len, secret, secret_len);
    }
    line[len++] = '\n';
    fwrite(line, 1, len, log->stream);
    fflush(log->stream);
}

void tg_log_msg(const struct tg_log *log, enum tg_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tg_log_vmsg(log, level, fmt, ap);
    va_end(ap);
}
