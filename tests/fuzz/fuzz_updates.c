/* fuzz_updates - a getUpdates response body through tp_bot_classify and
 * tp_updates_parse, and the records it yields through both readers.
 *
 * Input: a first line of option letters ("E" --include-edits, "C" a chat
 * filter -c -1001234567890,42; anything else is ignored), then the body as
 * exact-size bytes, classified as an HTTP 200.  Properties: never a crash
 * or a leak; a refused result says why; the batch's counters add up (every
 * update yields a record or is skipped); the offset moves past every
 * update it counted; and every record is one the tools can exchange: it
 * has both ids, a text and a non-empty username, passes the chat filter
 * and encodes; the decoder reads it back equal and tgcount's view reads
 * the same time, ids and key from it, or both refuse it alike when it
 * breaks the reading contract (tg_record.h: a date outside 1970..2099, a
 * negative message or user id, which Telegram never sends).
 *
 * fuzz-max-len: 8192
 */
#include "fuzz.h"

#include "tg_record.h"
#include "tg_utf8.h"
#include "tp_bot.h"
#include "tp_options.h"
#include "tp_updates.h"

static const int64_t filter_chats[] = {INT64_C(-1001234567890), 42}; /* sorted */

/* Reads the option line into opts; returns where the body starts, or
 * SIZE_MAX when out of memory. */
static size_t read_options(const uint8_t *data, size_t size, struct tp_options *opts)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t end = nl != NULL ? (size_t)(nl - data) : size;

    opts->include_edits = memchr(data, 'E', end) != NULL;
    if (memchr(data, 'C', end) != NULL) {
        opts->chats = malloc(sizeof filter_chats);
        if (opts->chats == NULL)
            return SIZE_MAX;
        memcpy(opts->chats, filter_chats, sizeof filter_chats);
        opts->chat_count = sizeof filter_chats / sizeof filter_chats[0];
    }
    return nl != NULL ? end + 1 : end;
}

static void check_record(const struct tg_record *rec, const struct tp_options *opts,
                         struct tg_record_reader *ps)
{
    FUZZ_CHECK(rec->has_channel_id && rec->has_message_id);
    FUZZ_CHECK(rec->text != NULL);
    FUZZ_CHECK(rec->text_length ==
               (int64_t)tg_utf8_codepoints(rec->text, strlen(rec->text)));
    FUZZ_CHECK(rec->username != NULL && rec->username[0] != '\0');
    FUZZ_CHECK(tp_options_chat_allowed(opts, rec->channel_id));

    char err[512] = "";
    char *line = NULL;
    size_t len = 0;
    FUZZ_CHECK(tg_record_encode(rec, &line, &len, err, sizeof err) == 0);

    struct tg_record_view p;
    size_t cut =
        tg_utf8_truncate(rec->username, strlen(rec->username), TG_RECORD_USERNAME_MAX);
    bool refused = rec->event_time_ms < TG_RECORD_EVENT_TIME_MIN_MS ||
                   rec->event_time_ms >= TG_RECORD_EVENT_TIME_END_MS ||
                   rec->message_id < 0 || (rec->has_user_id && rec->user_id < 0);
    int rc = tg_record_read(ps, line, len, &p, err, sizeof err);
    FUZZ_CHECK(rc == (refused ? -1 : 0));
    if (refused) {
        char why[512] = "";
        struct tg_record again;
        tg_record_init(&again);
        FUZZ_CHECK(tg_record_decode(line, len, &again, why, sizeof why) == -1);
        FUZZ_CHECK(strcmp(why, err) == 0);
        free(line);
        return;
    }
    fuzz_check_encoding(rec, line, len);
    FUZZ_CHECK(p.event_time_ms == rec->event_time_ms);
    FUZZ_CHECK(p.has_ids && p.channel_id == rec->channel_id &&
               p.message_id == rec->message_id);
    FUZZ_CHECK(p.key_len == cut && memcmp(p.key, rec->username, cut) == 0);
    free(line);
}

static void check_batch(const json_t *result, const struct tp_update_batch *b,
                        const struct tp_options *opts)
{
    FUZZ_CHECK(b->updates == json_array_size(result));
    FUZZ_CHECK(b->count + b->skipped == b->updates);
    FUZZ_CHECK(b->malformed <= b->skipped);
    FUZZ_CHECK((b->malformed > 0) == (b->first_problem[0] != '\0'));
    FUZZ_CHECK(b->has_updates || b->updates == 0);

    for (size_t i = 0; i < json_array_size(result); i++) {
        json_t *id = json_object_get(json_array_get(result, i), "update_id");
        if (json_is_integer(id) && json_integer_value(id) >= 0 &&
            json_integer_value(id) < INT64_MAX)
            FUZZ_CHECK(b->next_offset > json_integer_value(id));
    }

    struct tg_record_reader *ps = tg_record_reader_new();
    if (ps == NULL)
        return;
    for (size_t i = 0; i < b->count; i++)
        check_record(&b->records[i], opts, ps);
    tg_record_reader_free(ps);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tp_options opts;
    tp_options_init(&opts);
    size_t start = read_options(data, size, &opts);
    char *body = start == SIZE_MAX ? NULL : fuzz_copy(data + start, size - start);
    if (body == NULL)
        goto out;

    struct tp_bot_reply reply;
    if (tp_bot_classify("getUpdates", 200, body, size - start, NULL, &reply) ==
        TP_BOT_OK) {
        struct tp_update_batch b;
        char err[512] = "";
        tp_update_batch_init(&b);
        if (tp_updates_parse(reply.result, &opts, &b, err, sizeof err) == 0)
            check_batch(reply.result, &b, &opts);
        else
            FUZZ_CHECK(fuzz_has_message(err, sizeof err));
        tp_update_batch_clear(&b);
        tp_update_batch_clear(&b);
    }
    tp_bot_reply_clear(&reply);
out:
    free(body);
    tp_options_clear(&opts);
    return 0;
}
