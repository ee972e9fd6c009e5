/* fuzz_bot - tp_bot_classify: a Bot API response (HTTP status, Retry-After
 * header, body) to what the caller should do.
 *
 * Input: a first line "STATUS[ RETRY-AFTER]\n" (up to 4 digits, optionally
 * negative; the header is whatever follows the space, absent without one),
 * then the body as exact-size bytes.  Properties: never a crash or a leak;
 * the status is one classify can return; OK only for a 2xx with an object
 * body and its result; any other outcome carries a "getUpdates: " message
 * and no result; a wait is between 0 and an hour in whole seconds.
 *
 * fuzz-max-len: 4096
 */
#include "fuzz.h"

#include <stdbool.h>

#include "tp_bot.h"

#define METHOD "getUpdates"
#define MAX_WAIT_MS (3600 * INT64_C(1000))

/* Splits the input into its parts; *header is malloc'd (or NULL). */
static size_t read_first_line(const uint8_t *data, size_t size, long *status,
                              char **header)
{
    size_t i = 0;
    bool negative = i < size && data[i] == '-';

    i += negative;
    *status = 0;
    for (int digits = 0; digits < 4 && i < size && data[i] >= '0' && data[i] <= '9';
         digits++)
        *status = *status * 10 + (data[i++] - '0');
    if (negative)
        *status = -*status;

    *header = NULL;
    if (i < size && data[i] == ' ') {
        i++;
        const uint8_t *nl = memchr(data + i, '\n', size - i);
        size_t len = nl != NULL ? (size_t)(nl - (data + i)) : size - i;
        *header = fuzz_cstr(data + i, len);
        i += len;
    }
    if (i < size && data[i] == '\n')
        i++;
    return i;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    long http_status;
    char *header;
    size_t start = read_first_line(data, size, &http_status, &header);
    char *body = fuzz_copy(data + start, size - start);
    if (body == NULL) {
        free(header);
        return 0;
    }

    struct tp_bot_reply reply;
    enum tp_bot_status st =
        tp_bot_classify(METHOD, http_status, body, size - start, header, &reply);
    FUZZ_CHECK(st == reply.status);
    FUZZ_CHECK(st >= TP_BOT_OK && st <= TP_BOT_FATAL);
    FUZZ_CHECK(reply.http_status == http_status);
    FUZZ_CHECK(reply.retry_after_ms >= 0 && reply.retry_after_ms <= MAX_WAIT_MS &&
               reply.retry_after_ms % 1000 == 0);
    if (st == TP_BOT_OK) {
        FUZZ_CHECK(http_status >= 200 && http_status < 300);
        FUZZ_CHECK(json_is_object(reply.root));
        FUZZ_CHECK(json_is_true(json_object_get(reply.root, "ok")));
        FUZZ_CHECK(reply.result != NULL &&
                   reply.result == json_object_get(reply.root, "result"));
    } else {
        FUZZ_CHECK(reply.result == NULL);
        FUZZ_CHECK(memchr(reply.message, '\0', sizeof reply.message) != NULL);
        FUZZ_CHECK(strncmp(reply.message, METHOD ": ", strlen(METHOD ": ")) == 0);
    }
    tp_bot_reply_clear(&reply);
    FUZZ_CHECK(reply.root == NULL && reply.result == NULL);
    tp_bot_reply_clear(&reply);

    free(body);
    free(header);
    return 0;
}
