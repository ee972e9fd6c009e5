/* tp_bot.h - a minimal Telegram Bot API client over libcurl: one method
 * call at a time (getMe, getUpdates, deleteWebhook), a JSON body POSTed,
 * and a strict classification of what came back.
 *
 * The token lives only inside the request URL this module builds in
 * memory.  Nothing here logs, curl's verbose output is never switched on,
 * and every message names the method ("getUpdates: HTTP 502 Bad Gateway"),
 * never the URL; any text a server sends back is scrubbed of the token
 * before it reaches a message.
 *
 * Time bounds of one call: connect 10 s; total = the long-poll timeout +
 * 15 s, so a server that accepts and never answers, or trickles bytes, is
 * cut within that bound; and a call aborts within about a second once the
 * stop flag (tg_signal.h) is set.
 */
#ifndef TP_BOT_H
#define TP_BOT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define TP_BOT_CONNECT_TIMEOUT_S 10
#define TP_BOT_TIMEOUT_MARGIN_S 15
/* Longest response accepted; 100 updates of the longest messages fit many
 * times over, and a hostile server cannot exhaust memory. */
#define TP_BOT_MAX_RESPONSE (32u * 1024 * 1024)

/* What a call's outcome asks the caller to do. */
enum tp_bot_status {
    TP_BOT_OK = 0,       /* "ok": true; reply->result is the result */
    TP_BOT_RETRY,        /* transient: 5xx, network, timeout, bad body: back off */
    TP_BOT_RATE_LIMITED, /* 429: wait reply->retry_after_ms (0 = unknown) */
    TP_BOT_CONFLICT,     /* 409: another getUpdates poller, or a webhook is set */
    TP_BOT_UNAUTHORIZED, /* 401: the token was rejected */
    TP_BOT_NOT_FOUND,    /* 404: malformed token, or --api-url is no Bot API */
    TP_BOT_FATAL,        /* any other 3xx/4xx: the request itself is refused */
    TP_BOT_STOPPED,      /* the stop flag aborted the transfer */
};

struct tp_bot_reply {
    enum tp_bot_status status;
    long http_status;       /* 0 when no HTTP response arrived */
    int64_t retry_after_ms; /* for TP_BOT_RATE_LIMITED; 0 = not given */
    json_t *root;           /* the parsed response when it was JSON, else NULL */
    json_t *result;         /* borrowed from root: "result" when TP_BOT_OK */
    char message[512];      /* "<method>: ..." for every status but TP_BOT_OK */
};

struct tp_bot;

/* A client for api_url ("https://api.telegram.org", a trailing '/' is
 * ignored) and token, both copied (the copy is wiped by tp_bot_free).
 * Returns NULL with a message in err when out of memory or libcurl cannot
 * start. */
struct tp_bot *tp_bot_new(const char *api_url, const char *token, char *err,
                          size_t errlen);

/* Sets (fn NULL: clears) a function called about once a second while a
 * call waits for its answer (libcurl's progress callback), for the
 * caller's periodic duties; it must not call tp_bot_call.  ctx borrowed. */
void tp_bot_set_tick(struct tp_bot *bot, void (*fn)(void *ctx), void *ctx);

/* Wipes the token and URL buffers and releases everything.  NULL-safe. */
void tp_bot_free(struct tp_bot *bot);

/* Calls method with params (a JSON object, borrowed; NULL = no body) and
 * a long-poll timeout of poll_timeout_s (0 for methods that do not wait).
 * Fills *reply, which tp_bot_reply_clear must release, and returns its
 * status. */
enum tp_bot_status tp_bot_call(struct tp_bot *bot, const char *method, json_t *params,
                               int poll_timeout_s, struct tp_bot_reply *reply);

/* Classifies a complete HTTP exchange: the status code, the body (len
 * bytes, not NUL-terminated) and the Retry-After header value (NULL when
 * absent).  The body must be exactly one JSON object (two documents back to
 * back are invalid) with a boolean "ok"; the Bot API's own error_code,
 * description and parameters.retry_after are used when present.  Used by
 * tp_bot_call and by tests.  Fills *reply (release with
 * tp_bot_reply_clear) and returns its status. */
enum tp_bot_status tp_bot_classify(const char *method, long http_status, const char *body,
                                   size_t len, const char *retry_after_header,
                                   struct tp_bot_reply *reply);

/* Releases reply->root and resets the reply.  NULL-safe. */
void tp_bot_reply_clear(struct tp_bot_reply *reply);

#endif
