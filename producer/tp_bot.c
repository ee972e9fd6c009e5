/* tp_bot.c - the Bot API client (see tp_bot.h). */
#include "tp_bot.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "tg_signal.h"

/* A server asking for a longer pause than this is capped: the caller can
 * always be stopped, but a wait of days is a server bug, not a policy. */
#define MAX_RETRY_AFTER_S 3600

struct tp_bot {
    CURL *curl;
    char *base_url; /* api_url + "/bot" + token + "/": secret */
    size_t base_len;
    char *token; /* for scrubbing server text: secret */
    char *url;   /* base_url + method for the current call: secret */
    size_t url_cap;
    char *body; /* the response being received */
    size_t body_len;
    size_t body_cap;
    bool body_too_large;
    char retry_after[32]; /* Retry-After header of the current response */
    struct curl_slist *headers;
    char curl_err[CURL_ERROR_SIZE];
    void (*tick)(void *ctx); /* tp_bot_set_tick */
    void *tick_ctx;
};

/* ---- messages ----------------------------------------------------------- */

static void set_message(struct tp_bot_reply *reply, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void set_message(struct tp_bot_reply *reply, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reply->message, sizeof reply->message, fmt, ap);
    va_end(ap);
}

/* Replaces every occurrence of secret in text (a buffer of cap bytes) with
 * "<redacted>", cutting the text at the buffer's end if it must grow. */
static void scrub(char *text, size_t cap, const char *secret)
{
    static const char mark[] = "<redacted>";
    size_t slen = strlen(secret);
    if (slen == 0 || strstr(text, secret) == NULL)
        return;
    char out[sizeof((struct tp_bot_reply *)0)->message];
    size_t o = 0, outcap = cap < sizeof out ? cap : sizeof out;
    for (const char *p = text; *p != '\0' && o + 1 < outcap;) {
        if (strncmp(p, secret, slen) == 0) {
            for (size_t i = 0; mark[i] != '\0' && o + 1 < outcap; i++)
                out[o++] = mark[i];
            p += slen;
        } else {
            out[o++] = *p++;
        }
    }
    out[o] = '\0';
    memcpy(text, out, o + 1);
}

/* ---- classification ----------------------------------------------------- */

static enum tp_bot_status status_for_code(long code)
{
    if (code >= 200 && code < 300)
        return TP_BOT_OK;
    switch (code) {
    case 401:
        return TP_BOT_UNAUTHORIZED;
    case 404:
        return TP_BOT_NOT_FOUND;
    case 409:
        return TP_BOT_CONFLICT;
    case 429:
        return TP_BOT_RATE_LIMITED;
    /* A proxy's "request timeout" and "too early" are worth another try. */
    case 408:
    case 425:
        return TP_BOT_RETRY;
    default:
        break;
    }
    if (code >= 500 && code < 600)
        return TP_BOT_RETRY;
    return TP_BOT_FATAL;
}

static int64_t clamp_retry_after_s(json_int_t seconds)
{
    if (seconds < 0)
        return 0;
    if (seconds > MAX_RETRY_AFTER_S)
        seconds = MAX_RETRY_AFTER_S;
    return (int64_t)seconds * 1000;
}

/* Retry-After in its delay-seconds form; the HTTP-date form is rare for
 * APIs and falls back to the caller's backoff. */
static int64_t parse_retry_after_header(const char *value)
{
    if (value == NULL)
        return 0;
    while (*value == ' ' || *value == '\t')
        value++;
    if (!isdigit((unsigned char)*value))
        return 0;
    char *end;
    errno = 0;
    long long s = strtoll(value, &end, 10);
    while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
        end++;
    if (*end != '\0' || errno != 0)
        return 0;
    return clamp_retry_after_s((json_int_t)s);
}

static bool looks_like_html(const char *body, size_t len)
{
    size_t i = 0;
    while (i < len && isspace((unsigned char)body[i]))
        i++;
    return i < len && body[i] == '<';
}

static bool is_blank(const char *body, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (!isspace((unsigned char)body[i]))
            return false;
    }
    return true;
}

/* "HTTP 502" plus, for a Bot API error object, its description. */
static void describe_error(struct tp_bot_reply *reply, const char *method, long code,
                           const char *description)
{
    if (description != NULL && description[0] != '\0')
        set_message(reply, "%s: HTTP %ld: %s", method, code, description);
    else
        set_message(reply, "%s: HTTP %ld", method, code);
}

enum tp_bot_status tp_bot_classify(const char *method, long http_status, const char *body,
                                   size_t len, const char *retry_after_header,
                                   struct tp_bot_reply *reply)
{
    memset(reply, 0, sizeof *reply);
    reply->http_status = http_status;
    reply->retry_after_ms = parse_retry_after_header(retry_after_header);
    enum tp_bot_status by_http = status_for_code(http_status);

    const char *problem = NULL;
    char parse_err[200];
    if (len == 0 || is_blank(body, len)) {
        problem = "empty response";
    } else if (looks_like_html(body, len)) {
        problem = "an HTML page instead of JSON (a proxy or server error page?)";
    } else {
        json_error_t jerr;
        /* No JSON_DISABLE_EOF_CHECK: anything after the document, such as a
         * second one, makes the whole body invalid.  NUL is allowed inside
         * strings so that one odd message cannot block the queue forever. */
        reply->root = json_loadb(body, len, JSON_ALLOW_NUL, &jerr);
        if (reply->root == NULL) {
            snprintf(parse_err, sizeof parse_err, "invalid JSON: %s (byte %d)", jerr.text,
                     jerr.position);
            problem = parse_err;
        } else if (!json_is_object(reply->root)) {
            problem = "JSON that is not an object";
        } else if (!json_is_boolean(json_object_get(reply->root, "ok"))) {
            problem = "JSON without a boolean \"ok\"";
        }
    }

    if (problem != NULL) {
        json_decref(reply->root);
        reply->root = NULL;
        /* The HTTP status still says what kind of failure this is (a 429 or
         * 409 from a proxy); a 2xx with a bad body is a transient fault. */
        reply->status = by_http == TP_BOT_OK ? TP_BOT_RETRY : by_http;
        set_message(reply, "%s: HTTP %ld: %s", method, http_status, problem);
        return reply->status;
    }

    json_t *root = reply->root;
    if (json_is_true(json_object_get(root, "ok"))) {
        reply->result = json_object_get(root, "result");
        if (by_http != TP_BOT_OK) {
            reply->status = by_http;
            describe_error(reply, method, http_status,
                           "\"ok\": true with an error status");
        } else if (reply->result == NULL) {
            reply->status = TP_BOT_RETRY;
            set_message(reply, "%s: HTTP %ld: \"ok\": true without a result", method,
                        http_status);
        } else {
            reply->status = TP_BOT_OK;
        }
        if (reply->status != TP_BOT_OK)
            reply->result = NULL;
        return reply->status;
    }

    /* "ok": false: the Bot API's error_code is the authority, the HTTP
     * status the fallback (they agree on api.telegram.org). */
    json_int_t error_code = 0;
    const char *description = NULL;
    json_int_t retry_after = -1;
    json_unpack(root, "{s?I s?s s?{s?I}}", "error_code", &error_code, "description",
                &description, "parameters", "retry_after", &retry_after);
    long code = error_code >= 100 && error_code < 600 ? (long)error_code : http_status;
    reply->status = status_for_code(code);
    if (reply->status == TP_BOT_OK)
        reply->status = TP_BOT_RETRY; /* "ok": false with a 2xx code */
    if (retry_after >= 0)
        reply->retry_after_ms = clamp_retry_after_s(retry_after);
    describe_error(reply, method, code, description);
    return reply->status;
}

void tp_bot_reply_clear(struct tp_bot_reply *reply)
{
    if (reply == NULL)
        return;
    json_decref(reply->root);
    memset(reply, 0, sizeof *reply);
}

/* ---- transport ---------------------------------------------------------- */

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct tp_bot *bot = userdata;
    size_t n = size * nmemb;
    if (n > TP_BOT_MAX_RESPONSE - bot->body_len) {
        bot->body_too_large = true;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    if (bot->body_len + n + 1 > bot->body_cap) {
        size_t cap = bot->body_cap ? bot->body_cap : 16384;
        while (cap < bot->body_len + n + 1)
            cap *= 2;
        char *p = realloc(bot->body, cap);
        if (p == NULL)
            return 0;
        bot->body = p;
        bot->body_cap = cap;
    }
    memcpy(bot->body + bot->body_len, data, n);
    bot->body_len += n;
    bot->body[bot->body_len] = '\0';
    return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct tp_bot *bot = userdata;
    size_t n = size * nmemb;
    static const char name[] = "retry-after:";
    /* A new status line starts a new response (after a 100 Continue). */
    if (n >= 5 && strncmp(data, "HTTP/", 5) == 0)
        bot->retry_after[0] = '\0';
    if (n > sizeof name - 1 && strncasecmp(data, name, sizeof name - 1) == 0) {
        size_t vlen = n - (sizeof name - 1);
        if (vlen >= sizeof bot->retry_after)
            vlen = sizeof bot->retry_after - 1;
        memcpy(bot->retry_after, data + sizeof name - 1, vlen);
        bot->retry_after[vlen] = '\0';
    }
    return n;
}

static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow,
                       curl_off_t ultotal, curl_off_t ulnow)
{
    struct tp_bot *bot = userdata;
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    /* A long poll lasts up to 50 s: the caller's periodic duties (stats,
     * metrics file) must not wait for it. */
    if (bot->tick != NULL)
        bot->tick(bot->tick_ctx);
    return tg_signal_stop_requested() ? 1 : 0;
}

void tp_bot_set_tick(struct tp_bot *bot, void (*fn)(void *ctx), void *ctx)
{
    bot->tick = fn;
    bot->tick_ctx = ctx;
}

static void wipe_free(char *secret, size_t len)
{
    if (secret == NULL)
        return;
    explicit_bzero(secret, len);
    free(secret);
}

struct tp_bot *tp_bot_new(const char *api_url, const char *token, char *err,
                          size_t errlen)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, errlen, "libcurl could not be initialised");
        return NULL;
    }
    struct tp_bot *bot = calloc(1, sizeof *bot);
    if (bot == NULL) {
        curl_global_cleanup();
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    size_t alen = strlen(api_url);
    while (alen > 0 && api_url[alen - 1] == '/')
        alen--;
    size_t tlen = strlen(token);
    bot->base_len = alen + 4 + tlen + 1;
    bot->base_url = malloc(bot->base_len + 1);
    bot->token = strdup(token);
    bot->curl = curl_easy_init();
    bot->headers = curl_slist_append(NULL, "Content-Type: application/json");
    if (bot->headers != NULL) {
        /* Small bodies need no 100-continue round trip. */
        struct curl_slist *h = curl_slist_append(bot->headers, "Expect:");
        if (h != NULL)
            bot->headers = h;
    }
    if (bot->base_url == NULL || bot->token == NULL || bot->curl == NULL ||
        bot->headers == NULL) {
        tp_bot_free(bot);
        snprintf(err, errlen, "out of memory starting libcurl");
        return NULL;
    }
    memcpy(bot->base_url, api_url, alen);
    memcpy(bot->base_url + alen, "/bot", 4);
    memcpy(bot->base_url + alen + 4, token, tlen);
    bot->base_url[bot->base_len - 1] = '/';
    bot->base_url[bot->base_len] = '\0';

    CURL *c = bot->curl;
    /* Never CURLOPT_VERBOSE: its trace would print the URL, token included. */
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    /* A redirect would carry the token to another URL: never follow one. */
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)TP_BOT_CONNECT_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(c, CURLOPT_USERAGENT, "tgproducer");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, bot->headers);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, bot->curl_err);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, bot);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, bot);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, bot);
    return bot;
}

void tp_bot_free(struct tp_bot *bot)
{
    if (bot == NULL)
        return;
    if (bot->curl != NULL)
        curl_easy_cleanup(bot->curl);
    curl_slist_free_all(bot->headers);
    wipe_free(bot->base_url, bot->base_len);
    wipe_free(bot->url, bot->url_cap);
    wipe_free(bot->token, bot->token ? strlen(bot->token) : 0);
    free(bot->body);
    free(bot);
    curl_global_cleanup();
}

static int build_url(struct tp_bot *bot, const char *method)
{
    size_t need = bot->base_len + strlen(method) + 1;
    if (need > bot->url_cap) {
        char *p = malloc(need);
        if (p == NULL)
            return -1;
        wipe_free(bot->url, bot->url_cap);
        bot->url = p;
        bot->url_cap = need;
    }
    memcpy(bot->url, bot->base_url, bot->base_len);
    strcpy(bot->url + bot->base_len, method);
    return 0;
}

/* A transport failure, in words that name the method and never the URL. */
static enum tp_bot_status transport_failure(struct tp_bot *bot, const char *method,
                                            CURLcode rc, long total_s,
                                            struct tp_bot_reply *reply)
{
    reply->status = TP_BOT_RETRY;
    if (rc == CURLE_ABORTED_BY_CALLBACK) {
        reply->status = TP_BOT_STOPPED;
        set_message(reply, "%s: stopped", method);
    } else if (rc == CURLE_WRITE_ERROR && bot->body_too_large) {
        set_message(reply, "%s: response larger than %u bytes", method,
                    TP_BOT_MAX_RESPONSE);
    } else if (rc == CURLE_OPERATION_TIMEDOUT) {
        set_message(reply, "%s: timed out (limit %ld s): %s", method, total_s,
                    bot->curl_err[0] ? bot->curl_err : curl_easy_strerror(rc));
    } else {
        set_message(reply, "%s: %s", method,
                    bot->curl_err[0] ? bot->curl_err : curl_easy_strerror(rc));
    }
    return reply->status;
}

enum tp_bot_status tp_bot_call(struct tp_bot *bot, const char *method, json_t *params,
                               int poll_timeout_s, struct tp_bot_reply *reply)
{
    memset(reply, 0, sizeof *reply);
    char *payload = params ? json_dumps(params, JSON_COMPACT) : strdup("{}");
    if (payload == NULL || build_url(bot, method) != 0) {
        free(payload);
        reply->status = TP_BOT_RETRY;
        set_message(reply, "%s: out of memory", method);
        return reply->status;
    }
    bot->body_len = 0;
    bot->body_too_large = false;
    bot->retry_after[0] = '\0';
    bot->curl_err[0] = '\0';

    long total_s = (long)poll_timeout_s + TP_BOT_TIMEOUT_MARGIN_S;
    CURL *c = bot->curl;
    curl_easy_setopt(c, CURLOPT_URL, bot->url);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(payload));
    curl_easy_setopt(c, CURLOPT_TIMEOUT, total_s);
    /* A long poll is silent until the server answers, so the low-speed
     * window must outlast it; it then cuts a stalled or trickling transfer
     * a little before the total timeout, which bounds every call. */
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long)poll_timeout_s + 10);

    CURLcode rc = curl_easy_perform(c);
    free(payload);

    if (rc != CURLE_OK) {
        transport_failure(bot, method, rc, total_s, reply);
    } else {
        long http_status = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &http_status);
        tp_bot_classify(method, http_status, bot->body ? bot->body : "", bot->body_len,
                        bot->retry_after[0] ? bot->retry_after : NULL, reply);
    }
    scrub(reply->message, sizeof reply->message, bot->token);
    return reply->status;
}
