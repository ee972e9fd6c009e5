/* Unit tests for tp_bot: classification of Bot API responses. */
#include <stdlib.h>
#include <string.h>

#include "tg_test.h"
#include "tp_bot.h"

static enum tp_bot_status classify(long http, const char *body, const char *retry_after,
                                   struct tp_bot_reply *reply)
{
    return tp_bot_classify("getUpdates", http, body, strlen(body), retry_after, reply);
}

static void test_ok_result(void)
{
    struct tp_bot_reply r;
    CHECK_INT(classify(200, "{\"ok\":true,\"result\":[{\"update_id\":5}]}", NULL, &r),
              TP_BOT_OK);
    CHECK(json_is_array(r.result));
    CHECK_INT(json_array_size(r.result), 1);
    CHECK_INT(r.http_status, 200);
    tp_bot_reply_clear(&r);
    CHECK(r.root == NULL);

    CHECK_INT(classify(200, " \n{\"ok\":true,\"result\":true}\n", NULL, &r), TP_BOT_OK);
    CHECK(json_is_true(r.result));
    tp_bot_reply_clear(&r);
}

static void test_ok_without_result(void)
{
    struct tp_bot_reply r;
    CHECK_INT(classify(200, "{\"ok\":true}", NULL, &r), TP_BOT_RETRY);
    CHECK(r.result == NULL);
    CHECK(strstr(r.message, "without a result") != NULL);
    tp_bot_reply_clear(&r);
}

static void test_rate_limited(void)
{
    struct tp_bot_reply r;
    CHECK_INT(classify(429,
                       "{\"ok\":false,\"error_code\":429,\"description\":\"Too Many "
                       "Requests: retry after 7\",\"parameters\":{\"retry_after\":7}}",
                       NULL, &r),
              TP_BOT_RATE_LIMITED);
    CHECK_INT(r.retry_after_ms, 7000);
    CHECK_STR(r.message, "getUpdates: HTTP 429: Too Many Requests: retry after 7");
    tp_bot_reply_clear(&r);

    /* The header when the body has no parameters, and when there is no
     * JSON body at all. */
    CHECK_INT(classify(429, "{\"ok\":false,\"error_code\":429}", " 3\r\n", &r),
              TP_BOT_RATE_LIMITED);
    CHECK_INT(r.retry_after_ms, 3000);
    tp_bot_reply_clear(&r);
    CHECK_INT(classify(429, "<html>slow down</html>", "12", &r), TP_BOT_RATE_LIMITED);
    CHECK_INT(r.retry_after_ms, 12000);
    tp_bot_reply_clear(&r);

    /* The body wins over the header; a date form or garbage is ignored;
     * an absurd value is capped at an hour. */
    CHECK_INT(classify(429, "{\"ok\":false,\"parameters\":{\"retry_after\":2}}", "9", &r),
              TP_BOT_RATE_LIMITED);
    CHECK_INT(r.retry_after_ms, 2000);
    tp_bot_reply_clear(&r);
    CHECK_INT(classify(429, "", "Wed, 21 Oct 2015 07:28:00 GMT", &r),
              TP_BOT_RATE_LIMITED);
    CHECK_INT(r.retry_after_ms, 0);
    tp_bot_reply_clear(&r);
    CHECK_INT(classify(429, "{\"ok\":false,\"parameters\":{\"retry_after\":99999999}}",
                       NULL, &r),
              TP_BOT_RATE_LIMITED);
    CHECK_INT(r.retry_after_ms, 3600 * 1000);
    tp_bot_reply_clear(&r);
}

static void test_server_errors_retry(void)
{
    struct tp_bot_reply r;
    CHECK_INT(classify(502,
                       "{\"ok\":false,\"error_code\":502,\"description\":\"Bad "
                       "Gateway\"}",
                       NULL, &r),
              TP_BOT_RETRY);
    CHECK_STR(r.message, "getUpdates: HTTP 502: Bad Gateway");
    tp_bot_reply_clear(&r);

    CHECK_INT(classify(502, "<html><body>502 Bad Gateway</body></html>", NULL, &r),
              TP_BOT_RETRY);
    CHECK(strstr(r.message, "getUpdates: HTTP 502: an HTML page") == r.message);
    tp_bot_reply_clear(&r);

    CHECK_INT(classify(500, "", NULL, &r), TP_BOT_RETRY);
    CHECK_STR(r.message, "getUpdates: HTTP 500: empty response");
    tp_bot_reply_clear(&r);
}

static void test_bad_bodies_with_200_retry(void)
{
    static const char *const bodies[] = {
        "",                                                       /* empty */
        "   \r\n",                                                /* blank */
        "<!DOCTYPE html><html></html>",                           /* proxy page */
        "{\"ok\":true,\"result\":[{\"update_id\":1,",             /* truncated */
        "{\"ok\":true,\"result\":[]}{\"ok\":true,\"result\":[]}", /* two documents */
        "{\"ok\":true,\"result\":[]} x",                          /* trailing garbage */
        "[1,2]",                                                  /* not an object */
        "{\"result\":[]}",                                        /* no ok */
        "{\"ok\":\"true\",\"result\":[]}",                        /* ok not boolean */
        "{\"ok\":true,\"result\":[\xff]}",                        /* invalid UTF-8 */
        "{\"ok\":true,\"result\":[18446744073709551616]}",        /* 2^64 */
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        struct tp_bot_reply r;
        enum tp_bot_status s = classify(200, bodies[i], NULL, &r);
        if (s != TP_BOT_RETRY)
            fprintf(stderr, "  body %zu: status %d\n", i, (int)s);
        CHECK_INT(s, TP_BOT_RETRY);
        CHECK(r.root == NULL);
        CHECK(r.result == NULL);
        CHECK(strncmp(r.message, "getUpdates: HTTP 200: ", 22) == 0);
        tp_bot_reply_clear(&r);
    }
}

static void test_truncated_mentions_parse_error(void)
{
    struct tp_bot_reply r;
    classify(200, "{\"ok\":true,\"result\":[]}{\"ok\":true}", NULL, &r);
    CHECK(strstr(r.message, "invalid JSON") != NULL);
    tp_bot_reply_clear(&r);
}

static void test_conflict_and_auth(void)
{
    struct tp_bot_reply r;
    CHECK_INT(classify(409,
                       "{\"ok\":false,\"error_code\":409,\"description\":\"Conflict: "
                       "terminated by other getUpdates request\"}",
                       NULL, &r),
              TP_BOT_CONFLICT);
    CHECK(strstr(r.message, "409") != NULL);
    tp_bot_reply_clear(&r);

    CHECK_INT(classify(401,
                       "{\"ok\":false,\"error_code\":401,\"description\":"
                       "\"Unauthorized\"}",
                       NULL, &r),
              TP_BOT_UNAUTHORIZED);
    CHECK_STR(r.message, "getUpdates: HTTP 401: Unauthorized");
    tp_bot_reply_clear(&r);

    CHECK_INT(classify(404,
                       "{\"ok\":false,\"error_code\":404,\"description\":\"Not "
                       "Found\"}",
                       NULL, &r),
              TP_BOT_NOT_FOUND);
    tp_bot_reply_clear(&r);

    CHECK_INT(classify(400,
                       "{\"ok\":false,\"error_code\":400,\"description\":\"Bad "
                       "Request: wrong parameter\"}",
                       NULL, &r),
              TP_BOT_FATAL);
    tp_bot_reply_clear(&r);

    /* A redirect is never followed (it would carry the token elsewhere). */
    CHECK_INT(classify(302, "", NULL, &r), TP_BOT_FATAL);
    tp_bot_reply_clear(&r);
}

static void test_error_code_overrides_http(void)
{
    struct tp_bot_reply r;
    /* A Bot API error object is the authority even behind a 200. */
    CHECK_INT(classify(200, "{\"ok\":false,\"error_code\":409}", NULL, &r),
              TP_BOT_CONFLICT);
    CHECK_STR(r.message, "getUpdates: HTTP 409");
    tp_bot_reply_clear(&r);
    /* ok:false without a usable code falls back to the HTTP status. */
    CHECK_INT(classify(503, "{\"ok\":false,\"error_code\":\"x\"}", NULL, &r),
              TP_BOT_RETRY);
    tp_bot_reply_clear(&r);
    CHECK_INT(classify(200, "{\"ok\":false}", NULL, &r), TP_BOT_RETRY);
    tp_bot_reply_clear(&r);
    /* ok:true behind an error status is not trusted. */
    CHECK_INT(classify(500, "{\"ok\":true,\"result\":[]}", NULL, &r), TP_BOT_RETRY);
    CHECK(r.result == NULL);
    tp_bot_reply_clear(&r);
}

static void test_nul_in_strings_accepted(void)
{
    static const char body[] = "{\"ok\":true,\"result\":[{\"text\":\"a\\u0000b\"}]}";
    struct tp_bot_reply r;
    CHECK_INT(tp_bot_classify("getUpdates", 200, body, sizeof body - 1, NULL, &r),
              TP_BOT_OK);
    tp_bot_reply_clear(&r);
}

static void test_body_length_is_exact(void)
{
    /* Bytes past len are not part of the body. */
    static const char body[] = "{\"ok\":true,\"result\":[]}GARBAGE";
    struct tp_bot_reply r;
    CHECK_INT(tp_bot_classify("getMe", 200, body, strcspn(body, "G"), NULL, &r),
              TP_BOT_OK);
    tp_bot_reply_clear(&r);
    CHECK_INT(tp_bot_classify("getMe", 200, body, sizeof body - 1, NULL, &r),
              TP_BOT_RETRY);
    CHECK(strncmp(r.message, "getMe: ", 7) == 0);
    tp_bot_reply_clear(&r);
}

static void test_deep_nesting_does_not_crash(void)
{
    size_t depth = 100000;
    char *body = malloc(depth * 2 + 1);
    CHECK(body != NULL);
    if (body == NULL)
        return;
    memset(body, '[', depth);
    memset(body + depth, ']', depth);
    struct tp_bot_reply r;
    CHECK_INT(tp_bot_classify("getUpdates", 200, body, depth * 2, NULL, &r),
              TP_BOT_RETRY);
    tp_bot_reply_clear(&r);
    free(body);
}

static void test_new_free(void)
{
    char err[200];
    struct tp_bot *bot = tp_bot_new("http://127.0.0.1:1/", "123:abc", err, sizeof err);
    CHECK(bot != NULL);
    tp_bot_free(bot);
    tp_bot_free(NULL);
    tp_bot_reply_clear(NULL);
}

int main(void)
{
    RUN(test_ok_result);
    RUN(test_ok_without_result);
    RUN(test_rate_limited);
    RUN(test_server_errors_retry);
    RUN(test_bad_bodies_with_200_retry);
    RUN(test_truncated_mentions_parse_error);
    RUN(test_conflict_and_auth);
    RUN(test_error_code_overrides_http);
    RUN(test_nul_in_strings_accepted);
    RUN(test_body_length_is_exact);
    RUN(test_deep_nesting_does_not_crash);
    RUN(test_new_free);
    return tg_test_finish();
}
