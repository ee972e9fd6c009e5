/* tg_log.h - diagnostics for the tools: "<program>: message" lines on a
 * stream the tool chooses (stderr), filtered by level, with anything that
 * looks like a Telegram bot token redacted before it is written.
 *
 * The library modules of common/ never log; only the tools call this.
 */
#ifndef TG_LOG_H
#define TG_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

enum tg_log_level {
    TG_LOG_ERROR = 0, /* always shown */
    TG_LOG_WARN = 1,  /* shown by default; hidden by -q */
    TG_LOG_INFO = 2,  /* -v */
    TG_LOG_DEBUG = 3, /* -vv */
};

/* Longest line written; longer messages are cut. */
#define TG_LOG_LINE_MAX 2048

/* The stream is borrowed and must outlive the struct. */
struct tg_log {
    const char *program;
    enum tg_log_level level;
    FILE *stream;
    const char *token; /* the configured bot token, for redaction only; borrowed */
};

/* Level WARN, program name as given (borrowed), stream as given, no
 * configured token. */
void tg_log_init(struct tg_log *log, const char *program, FILE *stream);

/* Tells the log the bot token the tool was configured with, so that its
 * secret part is redacted even where it appears alone (tg_redact_secrets).
 * token is borrowed, never copied or written anywhere: call again with NULL
 * before it is wiped or freed. */
void tg_log_set_token(struct tg_log *log, const char *token);

/* -q lowers to ERROR; each -v raises one level (capped at DEBUG). */
void tg_log_quieter(struct tg_log *log);
void tg_log_louder(struct tg_log *log);

/* Writes "<program>: <message>\n" when level <= log->level, after
 * redacting tokens.  Warnings read "<program>: warning: ...". */
void tg_log_msg(const struct tg_log *log, enum tg_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void tg_log_vmsg(const struct tg_log *log, enum tg_log_level level, const char *fmt,
                 va_list ap) __attribute__((format(printf, 3, 0)));

#define tg_log_error(log, ...) tg_log_msg((log), TG_LOG_ERROR, __VA_ARGS__)
#define tg_log_warn(log, ...) tg_log_msg((log), TG_LOG_WARN, __VA_ARGS__)
#define tg_log_info(log, ...) tg_log_msg((log), TG_LOG_INFO, __VA_ARGS__)
#define tg_log_debug(log, ...) tg_log_msg((log), TG_LOG_DEBUG, __VA_ARGS__)

/* Replaces in place, with "<redacted>" (the text only shrinks):
 *  - every run matching <digits>:<30 or more of [A-Za-z0-9_-]>.  The digits
 *    are a whole run of digits, whatever comes before it: a letter does not
 *    protect a token, so the "bot<id>:<secret>" of a Bot API URL is
 *    redacted too ("https://api.telegram.org/bot<redacted>/getUpdates").
 *    The secret part takes every [A-Za-z0-9_-] that follows, and the
 *    redaction runs on through any further ":<[A-Za-z0-9_-]...>" right
 *    behind it, since such a secret can hide the bot id of a second token;
 *  - the secret part of token (the configured one, may be NULL) wherever
 *    it appears, alone or behind "<digits>:", when it is at least 10 of
 *    [A-Za-z0-9_-] (a real one has 35);
 *  - both of these percent-encoded, fully or partly: any character may be
 *    written %XX, hex digits of either case ("123456%3AAAH%64q...").
 * Spans that overlap or touch become one "<redacted>".  tg_log_msg also
 * drops the start of a token or of the configured secret that a cut at
 * TG_LOG_LINE_MAX left too short to match.  Returns the number of
 * "<redacted>" written. */
size_t tg_redact_secrets(char *text, const char *token);

/* tg_redact_secrets without a configured token. */
size_t tg_redact_tokens(char *text);

#endif
