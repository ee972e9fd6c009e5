/* Unit tests for tp_updates: getUpdates results -> records, one test per
 * message shape, with the expected records computed by hand.  Date
 * 1700000000 is 2023-11-14T22:13:20Z. */
#include <stdlib.h>
#include <string.h>

#include "tg_test.h"
#include "tp_options.h"
#include "tp_updates.h"

/* Parses a result array given as JSON text and encodes every record; the
 * records come back as one string, a line each. */
static char *records_of(const char *result_json, const struct tp_options *opts,
                        struct tp_update_batch *b)
{
    json_error_t jerr;
    json_t *result = json_loads(result_json, JSON_ALLOW_NUL, &jerr);
    if (result == NULL) {
        fprintf(stderr, "  fixture is not JSON: %s\n", jerr.text);
        return NULL;
    }
    tp_update_batch_init(b);
    char err[200];
    int rc = tp_updates_parse(result, opts, b, err, sizeof err);
    json_decref(result);
    if (rc != 0) {
        fprintf(stderr, "  parse failed: %s\n", err);
        return NULL;
    }
    size_t cap = 1, len = 0;
    char *all = calloc(1, 1);
    for (size_t i = 0; all != NULL && i < b->count; i++) {
        char *line;
        size_t n;
        if (tg_record_encode(&b->records[i], &line, &n, err, sizeof err) != 0) {
            fprintf(stderr, "  encode failed: %s\n", err);
            free(all);
            return NULL;
        }
        cap = len + n + 2;
        char *p = realloc(all, cap);
        if (p != NULL) {
            memcpy(p + len, line, n);
            len += n;
            p[len++] = '\n';
            p[len] = '\0';
        }
        all = p;
        free(line);
    }
    return all;
}

static void expect(const char *result_json, const char *expected)
{
    struct tp_options opts;
    tp_options_init(&opts);
    struct tp_update_batch b;
    char *got = records_of(result_json, &opts, &b);
    CHECK_STR(got, expected);
    free(got);
    tp_update_batch_clear(&b);
    tp_options_clear(&opts);
}

static void test_user_with_username(void)
{
    expect("[{\"update_id\":10,\"message\":{\"message_id\":5,\"date\":1700000000,"
           "\"chat\":{\"id\":-1001050820672,\"title\":\"Rust Chat\",\"type\":"
           "\"supergroup\"},\"from\":{\"id\":42,\"is_bot\":false,\"first_name\":\"Ann\","
           "\"last_name\":\"Lee\",\"username\":\"ann\"},\"text\":\"hello\"}}]",
           "{\"event_time\":\"2023-11-14T22:13:20Z\",\"channel_id\":-1001050820672,"
           "\"channel_name\":\"Rust Chat\",\"message_id\":5,\"user_id\":42,\"username\":"
           "\"ann\",\"first_name\":\"Ann\",\"last_name\":\"Lee\",\"text\":\"hello\","
           "\"text_length\":5}\n");
}

static void test_user_without_username(void)
{
    expect(
        "[{\"update_id\":11,\"message\":{\"message_id\":6,\"date\":1700000000,"
        "\"chat\":{\"id\":-100123,\"title\":\"G\",\"type\":\"group\"},\"from\":{\"id\":"
        "77,\"is_bot\":false,\"first_name\":\"Пётр\"},\"text\":\"привет 👋\"}}]",
        "{\"event_time\":\"2023-11-14T22:13:20Z\",\"channel_id\":-100123,"
        "\"channel_name\":\"G\",\"message_id\":6,\"user_id\":77,\"username\":"
        "\"user_77\",\"first_name\":\"Пётр\",\"last_name\":null,\"text\":\"привет "
        "👋\",\"text_length\":8}\n");
}

static void test_channel_post_with_signature(void)
{
    expect("[{\"update_id\":12,\"channel_post\":{\"message_id\":7,\"date\":1700000000,"
           "\"chat\":{\"id\":-1009,\"title\":\"News\",\"type\":\"channel\",\"username\":"
           "\"newsch\"},\"sender_chat\":{\"id\":-1009,\"title\":\"News\",\"type\":"
           "\"channel\",\"username\":\"newsch\"},\"author_signature\":\"Jane Doe\","
           "\"text\":\"x\"}}]",
           "{\"event_time\":\"2023-11-14T22:13:20Z\",\"channel_id\":-1009,"
           "\"channel_name\":\"News\",\"message_id\":7,\"user_id\":null,\"username\":"
           "\"Jane Doe\",\"first_name\":null,\"last_name\":null,\"text\":\"x\","
           "\"text_length\":1}\n");
}

static void test_channel_post_without_signature(void)
{
    /* Public channel: its username; private channel: chat_<id>; and an old
     * post without sender_chat falls back to chat. */
    expect("[{\"update_id\":13,\"channel_post\":{\"message_id\":8,\"date\":1700000000,"
           "\"chat\":{\"id\":-1009,\"title\":\"News\",\"type\":\"channel\",\"username\":"
           "\"newsch\"},\"sender_chat\":{\"id\":-1009,\"title\":\"News\",\"type\":"
           "\"channel\",\"username\":\"newsch\"},\"text\":\"a\"}},"
           "{\"update_id\":14,\"channel_post\":{\"message_id\":9,\"date\":1700000000,"
           "\"chat\":{\"id\":-1008,\"title\":\"Priv\",\"type\":\"channel\"},"
           "\"sender_chat\":{\"id\":-1008,\"title\":\"Priv\",\"type\":\"channel\"},"
           "\"text\":\"b\"}},"
           "{\"update_id\":15,\"channel_post\":{\"message_id\":10,\"date\":1700000000,"
           "\"chat\":{\"id\":-1007,\"title\":\"Old\",\"type\":\"channel\"},\"text\":"
           "\"c\"}}]",
           "{\"event_time\":\"2023-11-14T22:13:20Z\",\"channel_id\":-1009,"
           "\"channel_name\":\"News\",\"message_id\":8,\"user_id\":null,\"username\":"
           "\"newsch\",\"first_name\":null,\"last_name\":null,\"text\":\"a\","
           "\"text_length\":1}\n"
           "{\"event_time\":\"2023-11-14T22:13:20Z\",\"channel_id\":-1008,"
           "\"channel_name\":\"Priv\",\"message_id\":9,\"user_id\":null,\"username\":"
           "\"chat_-1008\",\"first_name\":null,\"last_name\":null,\"text\":\"b\","
           "\"text_length\":1}\n"
           "{\"event_time\":\"2023-11-14T22:13:20Z\",\"channel_id\":-1007,"
           "\"channel_name\":\"Old\",\"message_id\":10,\"user_id\":null,\"username\":"
           "\"chat_-1007\",\"first_name\":null,\"last_name\":null,\"text\":\"c\","
           "\"text_length\":1}\n");
}

static void test_anonymous_admin(void)
{
    /* from is GroupAnonymousBot, sender_chat the group itself. */
    expect("[{\"update_id\":16,\"message\":{\"message_id\":11,\"date\":1700000000,"
           "\"chat\":{\"id\":-100555,\"title\":\"Club\",\"type\":\"supergroup\","
           "\"username\":\"clubchat\"},\"from\":{\"id\":1087968824,\"is_bot\":true,"
           "\"first_name\":\"Group\",\"username\":\"GroupAnonymousBot\"},"
           "\"sender_chat\":{\"id\":-100555,\"title\":\"Club\",\"type\":\"supergroup\","
           "\"username\":\"clubchat\"},\"text\":\"rules\"}}]",
           "{\"event_time\":\"2023-11-14T22:13:20Z\",\"channel_id\":-100555,"
           "\"channel_name\":\"Club\",\"message_id\":11,\"user_id\":null,\"username\":"
           "\"clubchat\",\"first_name\":null,\"last_name\":null,\"text\":\"rules\","
           "\"text_length\":5}\n");
}

static void test_post_on_behalf_of_channel(void)
{
    /* In a group, sender_chat is another chat (a channel); its username
     * names the sender, not the group's. */
    expect("[{\"update_id\":17,\"message\":{\"message_id\":12,\"date\":1700000000,"
           "\"chat\":{\"id\":-100555,\"title\":\"Club\",\"type\":\"supergroup\","
           "\"username\":\"clubchat\"},\"from\":{\"id\":136817688,\"is_bot\":true,"
           "\"first_name\":\"Channel\",\"username\":\"Channel_Bot\"},\"sender_chat\":"
           "{\"id\":-100777,\"title\":\"Blog\",\"type\":\"channel\"},\"text\":\"hi\"}}]",
           "{\"event_time\":\"2023-11-14T22:13:20Z\",\"channel_id\":-100555,"
           "\"channel_name\":\"Club\",\"message_id\":12,\"user_id\":null,\"username\":"
           "\"chat_-100777\",\"first_name\":null,\"last_name\":null,\"text\":\"hi\","
           "\"text_length\":2}\n");
}

static void test_automatic_forward(void)
{
    expect("[{\"update_id\":18,\"message\":{\"message_id\":13,\"date\":1700000000,"
           "\"chat\":{\"id\":-100556,\"title\":\"Discussion\",\"type\":\"supergroup\"},"
           "\"from\":{\"id\":777000,\"is_bot\":false,\"first_name\":\"Telegram\"},"
           "\"sender_chat\":{\"id\":-1009,\"title\":\"News\",\"type\":\"channel\","
           "\"username\":\"newsch\"},\"is_automatic_forward\":true,\"forward_date\":"
           "1699999000,\"text\":\"post\"}}]",
           "{\"event_time\":\"2023-11-14T22:13:20Z\",\"channel_id\":-100556,"
           "\"channel_name\":\"Discussion\",\"message_id\":13,\"user_id\":null,"
           "\"username\":\"newsch\",\"first_name\":null,\"last_name\":null,\"text\":"
           "\"post\",\"text_length\":4}\n");
}

static void test_private_chat(void)
{
    expect(
        "[{\"update_id\":19,\"message\":{\"message_id\":14,\"date\":1700000000,"
        "\"chat\":{\"id\":42,\"type\":\"private\",\"first_name\":\"Ann\",\"last_name\":"
        "\"Lee\",\"username\":\"ann\"},\"from\":{\"id\":42,\"is_bot\":false,"
        "\"first_name\":\"Ann\",\"last_name\":\"Lee\",\"username\":\"ann\"},\"text\":"
        "\"/start\"}},"
        "{\"update_id\":20,\"message\":{\"message_id\":15,\"date\":1700000000,"
        "\"chat\":{\"id\":43,\"type\":\"private\",\"first_name\":\"Bo\"},\"from\":"
        "{\"id\":43,\"is_bot\":false,\"first_name\":\"Bo\"},\"text\":\"yo\"}}]",
        "{\"event_time\":\"2023-11-14T22:13:20Z\",\"channel_id\":42,"
        "\"channel_name\":\"Ann Lee\",\"message_id\":14,\"user_id\":42,\"username\":"
        "\"ann\",\"first_name\":\"Ann\",\"last_name\":\"Lee\",\"text\":\"/start\","
        "\"text_length\":6}\n"
        "{\"event_time\":\"2023-11-14T22:13:20Z\",\"channel_id\":43,"
        "\"channel_name\":\"Bo\",\"message_id\":15,\"user_id\":43,\"username\":"
        "\"user_43\",\"first_name\":\"Bo\",\"last_name\":null,\"text\":\"yo\","
        "\"text_length\":2}\n");
}

static void test_caption_and_no_text(void)
{
    expect("[{\"update_id\":21,\"message\":{\"message_id\":16,\"date\":1700000000,"
           "\"chat\":{\"id\":-1,\"title\":\"T\"},\"from\":{\"id\":1,\"username\":\"u\"},"
           "\"photo\":[],\"caption\":\"nice \\\"pic\\\"\"}},"
           "{\"update_id\":22,\"message\":{\"message_id\":17,\"date\":1700000000,"
           "\"chat\":{\"id\":-1,\"title\":\"T\"},\"from\":{\"id\":1,\"username\":\"u\"},"
           "\"sticker\":{}}}]",
           "{\"event_time\":\"2023-11-14T22:13:20Z\",\"channel_id\":-1,"
           "\"channel_name\":\"T\",\"message_id\":16,\"user_id\":1,\"username\":\"u\","
           "\"first_name\":null,\"last_name\":null,\"text\":\"nice \\\"pic\\\"\","
           "\"text_length\":10}\n"
           "{\"event_time\":\"2023-11-14T22:13:20Z\",\"channel_id\":-1,"
           "\"channel_name\":\"T\",\"message_id\":17,\"user_id\":1,\"username\":\"u\","
           "\"first_name\":null,\"last_name\":null,\"text\":\"\",\"text_length\":0}\n");
}

static const char edits_json[] =
    "[{\"update_id\":30,\"edited_message\":{\"message_id\":5,\"date\":1700000000,"
    "\"edit_date\":1700000999,\"chat\":{\"id\":-1,\"title\":\"T\"},\"from\":{\"id\":1,"
    "\"username\":\"u\"},\"text\":\"fixed\"}},"
    "{\"update_id\":31,\"edited_channel_post\":{\"message_id\":6,\"date\":1700000060,"
    "\"edit_date\":1700000999,\"chat\":{\"id\":-2,\"title\":\"C\"},\"text\":\"e\"}}]";

static void test_edits_only_with_include_edits(void)
{
    struct tp_options opts;
    tp_options_init(&opts);
    struct tp_update_batch b;
    char *got = records_of(edits_json, &opts, &b);
    CHECK_STR(got, "");
    CHECK_INT(b.updates, 2);
    CHECK_INT(b.skipped, 2);
    CHECK_INT(b.malformed, 0);
    CHECK_INT(b.next_offset, 32);
    free(got);
    tp_update_batch_clear(&b);

    opts.include_edits = true;
    got = records_of(edits_json, &opts, &b);
    /* The original date, not edit_date. */
    CHECK_STR(got,
              "{\"event_time\":\"2023-11-14T22:13:20Z\",\"channel_id\":-1,"
              "\"channel_name\":\"T\",\"message_id\":5,\"user_id\":1,\"username\":\"u\","
              "\"first_name\":null,\"last_name\":null,\"text\":\"fixed\","
              "\"text_length\":5}\n"
              "{\"event_time\":\"2023-11-14T22:14:20Z\",\"channel_id\":-2,"
              "\"channel_name\":\"C\",\"message_id\":6,\"user_id\":null,\"username\":"
              "\"chat_-2\",\"first_name\":null,\"last_name\":null,\"text\":\"e\","
              "\"text_length\":1}\n");
    CHECK_INT(b.skipped, 0);
    free(got);
    tp_update_batch_clear(&b);
    tp_options_clear(&opts);
}

static void test_other_kinds_skipped_but_counted(void)
{
    struct tp_options opts;
    tp_options_init(&opts);
    struct tp_update_batch b;
    char *got = records_of(
        "[{\"update_id\":100,\"callback_query\":{\"id\":\"1\"}},"
        "{\"update_id\":103,\"my_chat_member\":{}},"
        "{\"update_id\":101,\"poll\":{\"id\":\"p\"}},"
        "{\"update_id\":102,\"message\":{\"message_id\":1,\"date\":1700000000,"
        "\"chat\":{\"id\":-1,\"title\":\"T\"},\"from\":{\"id\":1,\"username\":\"u\"},"
        "\"text\":\"ok\"}}]",
        &opts, &b);
    CHECK(got != NULL);
    CHECK_INT(b.count, 1);
    CHECK_INT(b.updates, 4);
    CHECK_INT(b.skipped, 3);
    CHECK_INT(b.malformed, 0);
    CHECK(b.has_updates);
    /* The maximum, not the last. */
    CHECK_INT(b.next_offset, 104);
    free(got);
    tp_update_batch_clear(&b);
    tp_options_clear(&opts);
}

static void test_malformed_skipped(void)
{
    struct tp_options opts;
    tp_options_init(&opts);
    struct tp_update_batch b;
    char *got = records_of(
        "[{\"update_id\":1,\"message\":{\"message_id\":1,\"date\":1700000000}},"
        "{\"update_id\":2,\"message\":{\"chat\":{\"id\":-1},\"date\":1700000000}},"
        "{\"update_id\":3,\"message\":{\"message_id\":3,\"chat\":{\"id\":-1}}},"
        "{\"update_id\":4,\"message\":{\"message_id\":4,\"chat\":{\"id\":-1},"
        "\"date\":99999999999999}},"
        "{\"update_id\":5,\"message\":\"text\"},"
        "{\"update_id\":6,\"message\":{\"message_id\":6,\"chat\":{\"id\":-1},"
        "\"date\":1700000000,\"from\":{\"username\":\"noid\"}}},"
        "{\"message\":{\"message_id\":7,\"chat\":{\"id\":-1},\"date\":1700000000}},"
        "{\"update_id\":\"8\"},"
        "17,"
        "{\"update_id\":9,\"message\":{\"message_id\":9,\"chat\":{\"id\":-1},"
        "\"date\":1700000000,\"from\":{\"id\":5},\"text\":\"good\"}}]",
        &opts, &b);
    CHECK(got != NULL);
    CHECK_INT(b.updates, 10);
    CHECK_INT(b.count, 1);
    CHECK_INT(b.skipped, 9);
    CHECK_INT(b.malformed, 9);
    CHECK_INT(b.next_offset, 10);
    CHECK_STR(b.first_problem, "update 1: message without chat.id");
    if (b.count == 1)
        CHECK_STR(b.records[0].text, "good");
    free(got);
    tp_update_batch_clear(&b);
    tp_options_clear(&opts);
}

static void test_chat_filter(void)
{
    struct tp_options opts;
    tp_options_init(&opts);
    opts.chats = malloc(2 * sizeof *opts.chats);
    CHECK(opts.chats != NULL);
    if (opts.chats == NULL)
        return;
    opts.chats[0] = -1001050820672;
    opts.chats[1] = 42;
    opts.chat_count = 2;
    struct tp_update_batch b;
    char *got =
        records_of("[{\"update_id\":1,\"message\":{\"message_id\":1,\"date\":1700000000,"
                   "\"chat\":{\"id\":-1001050820672,\"title\":\"A\"},\"text\":\"in\"}},"
                   "{\"update_id\":2,\"message\":{\"message_id\":2,\"date\":1700000000,"
                   "\"chat\":{\"id\":-1001050820673,\"title\":\"B\"},\"text\":\"out\"}},"
                   "{\"update_id\":3,\"message\":{\"message_id\":3,\"date\":1700000000,"
                   "\"chat\":{\"id\":42,\"type\":\"private\",\"first_name\":\"Ann\"},"
                   "\"from\":{\"id\":42},\"text\":\"dm\"}}]",
                   &opts, &b);
    CHECK(got != NULL);
    CHECK_INT(b.count, 2);
    CHECK_INT(b.skipped, 1);
    CHECK_INT(b.malformed, 0);
    CHECK_INT(b.next_offset, 4);
    if (b.count == 2) {
        CHECK_STR(b.records[0].text, "in");
        CHECK_STR(b.records[1].text, "dm");
    }
    free(got);
    tp_update_batch_clear(&b);
    tp_options_clear(&opts);
}

static void test_nul_dropped(void)
{
    expect("[{\"update_id\":1,\"message\":{\"message_id\":1,\"date\":0,\"chat\":{\"id\":"
           "-1,\"title\":\"T\\u0000\"},\"from\":{\"id\":1,\"username\":\"u\"},\"text\":"
           "\"a\\u0000b\"}}]",
           "{\"event_time\":\"1970-01-01T00:00:00Z\",\"channel_id\":-1,"
           "\"channel_name\":\"T\",\"message_id\":1,\"user_id\":1,\"username\":\"u\","
           "\"first_name\":null,\"last_name\":null,\"text\":\"ab\",\"text_length\":2}\n");
}

/* A name made only of NUL characters is empty once they are dropped, so
 * it takes the fallback of an empty one (found by fuzz_updates). */
static void test_nul_only_names_fall_back(void)
{
    expect("[{\"update_id\":1,\"message\":{\"message_id\":1,\"date\":0,\"chat\":{\"id\":"
           "-1,\"title\":\"\\u0000\",\"first_name\":\"F\"},\"from\":{\"id\":7,"
           "\"username\":\"\\u0000\\u0000\"},\"text\":\"a\"}},"
           "{\"update_id\":2,\"channel_post\":{\"message_id\":2,\"date\":0,\"chat\":{"
           "\"id\":-1009,\"title\":\"C\",\"username\":\"\\u0000\"},"
           "\"author_signature\":\"\\u0000\",\"text\":\"b\"}}]",
           "{\"event_time\":\"1970-01-01T00:00:00Z\",\"channel_id\":-1,"
           "\"channel_name\":\"F\",\"message_id\":1,\"user_id\":7,\"username\":"
           "\"user_7\",\"first_name\":null,\"last_name\":null,\"text\":\"a\","
           "\"text_length\":1}\n"
           "{\"event_time\":\"1970-01-01T00:00:00Z\",\"channel_id\":-1009,"
           "\"channel_name\":\"C\",\"message_id\":2,\"user_id\":null,\"username\":"
           "\"chat_-1009\",\"first_name\":null,\"last_name\":null,\"text\":\"b\","
           "\"text_length\":1}\n");
}

static void test_empty_and_bad_results(void)
{
    struct tp_options opts;
    tp_options_init(&opts);
    struct tp_update_batch b;
    char *got = records_of("[]", &opts, &b);
    CHECK_STR(got, "");
    CHECK(!b.has_updates);
    CHECK_INT(b.updates, 0);
    free(got);
    tp_update_batch_clear(&b);

    char err[200];
    json_t *obj = json_object();
    tp_update_batch_init(&b);
    CHECK_INT(tp_updates_parse(obj, &opts, &b, err, sizeof err), -1);
    CHECK(strstr(err, "not an array") != NULL);
    json_decref(obj);

    /* Updates, but none that an offset could move past. */
    json_t *arr = json_loads("[{\"message\":{}},{\"update_id\":-5}]", 0, NULL);
    CHECK_INT(tp_updates_parse(arr, &opts, &b, err, sizeof err), -1);
    json_decref(arr);
    tp_update_batch_clear(&b);
    tp_update_batch_clear(NULL);
    tp_options_clear(&opts);
}

int main(void)
{
    RUN(test_user_with_username);
    RUN(test_user_without_username);
    RUN(test_channel_post_with_signature);
    RUN(test_channel_post_without_signature);
    RUN(test_anonymous_admin);
    RUN(test_post_on_behalf_of_channel);
    RUN(test_automatic_forward);
    RUN(test_private_chat);
    RUN(test_caption_and_no_text);
    RUN(test_edits_only_with_include_edits);
    RUN(test_other_kinds_skipped_but_counted);
    RUN(test_malformed_skipped);
    RUN(test_chat_filter);
    RUN(test_nul_dropped);
    RUN(test_nul_only_names_fall_back);
    RUN(test_empty_and_bad_results);
    return tg_test_finish();
}
