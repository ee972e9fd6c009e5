#include "tg_log.h"

#include <stdbool.h>
#include <string.h>

/* A token's secret part: at least this many of [A-Za-z0-9_-]. */
#define TOKEN_SECRET_MIN 30
#define REDACTED "<redacted>"

void tg_log_init(struct tg_log *log, const char *program, FILE *stream)
{
    log->program = program;
    log->level = TG_LOG_WARN;
    log->stream = stream;
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

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_secret_char(char c)
{
    return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
           c == '-';
}

/* Reads and writes through the same buffer: a match of at least 32 bytes
 * becomes 10, so the write position never passes the read position and
 * memmove covers the overlap.  Digit runs are always consumed whole, so a
 * token starts at the first digit of a run, whatever precedes it. */
size_t tg_redact_tokens(char *text)
{
    size_t count = 0;
    size_t r = 0, w = 0;
    while (text[r] != '\0') {
        if (!is_digit(text[r])) {
            text[w++] = text[r++];
            continue;
        }
        size_t digits = 0;
        while (is_digit(text[r + digits]))
            digits++;
        size_t secret = 0;
        if (text[r + digits] == ':') {
            while (is_secret_char(text[r + digits + 1 + secret]))
                secret++;
        }
        if (secret >= TOKEN_SECRET_MIN) {
            size_t end = r + digits + 1 + secret;
            /* The secret run may have swallowed the bot id of a token right
             * behind it ("1:<secret>2:<secret>"): redact through every
             * ":<secret chars>" that follows, or that token's secret leaks. */
            while (text[end] == ':' && is_secret_char(text[end + 1])) {
                end++;
                while (is_secret_char(text[end]))
                    end++;
            }
            memcpy(text + w, REDACTED, strlen(REDACTED));
            w += strlen(REDACTED);
            r = end;
            count++;
        } else {
            memmove(text + w, text + r, digits);
            w += digits;
            r += digits;
        }
    }
    text[w] = '\0';
    return count;
}

/* When a line is cut, a token straddling the cut would keep its first
 * characters, too few to be recognised: drop such a tail. */
static void drop_partial_token(char *line, size_t *len)
{
    size_t end = *len, p = end;
    while (p > 0 && is_secret_char(line[p - 1]) && end - p < TOKEN_SECRET_MIN)
        p--;
    /* p now starts the secret part if the tail is "<digits>:<secret>". */
    if (p == 0 || line[p - 1] != ':')
        return;
    size_t colon = p - 1, start = colon;
    while (start > 0 && is_digit(line[start - 1]))
        start--;
    if (start == colon)
        return;
    line[start] = '\0';
    *len = start;
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
    tg_redact_tokens(line);
    len = strlen(line);
    if (cut)
        drop_partial_token(line, &len);
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
