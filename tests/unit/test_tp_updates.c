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
    expect("[{\"update_id\":1,\"message\":{\"message_id\":1,\"date\":1700000000,\"chat\":"
           "{\"id\":"
           "-1,\"title\":\"T\\u0000\"},\"from\":{\"id\":1,\"username\":\"u\"},\"text\":"
           "\"a\\u0000b\"}}]",
           "{\"event_time\":\"2023-11-14T22:13:20Z\",\"channel_id\":-1,"
           "\"channel_name\":\"T\",\"message_id\":1,\"user_id\":1,\"username\":\"u\","
           "\"first_name\":null,\"last_name\":null,\"text\":\"ab\",\"text_length\":2}\n");
}

/* A name made only of NUL characters is empty once they are dropped, so
 * it takes the fallback of an empty one (found by fuzz_updates). */
static void test_nul_only_names_fall_back(void)
{
    expect("[{\"update_id\":1,\"message\":{\"message_id\":1,\"date\":1700000000,\"chat\":"
           "{\"id\":"
           "-1,\"title\":\"\\u0000\",\"first_name\":\"F\"},\"from\":{\"id\":7,"
           "\"username\":\"\\u0000\\u0000\"},\"text\":\"a\"}},"
           "{\"update_id\":2,\"channel_post\":{\"message_id\":2,\"date\":1700000000,"
           "\"chat\":{"
           "\"id\":-1009,\"title\":\"C\",\"username\":\"\\u0000\"},"
           "\"author_signature\":\"\\u0000\",\"text\":\"b\"}}]",
           "{\"event_time\":\"2023-11-14T22:13:20Z\",\"channel_id\":-1,"
           "\"channel_name\":\"F\",\"message_id\":1,\"user_id\":7,\"username\":"
           "\"user_7\",\"first_name\":null,\"last_name\":null,\"text\":\"a\","
           "\"text_length\":1}\n"
           "{\"event_time\":\"2023-11-14T22:13:20Z\",\"channel_id\":-1009,"
           "\"channel_name\":\"C\",\"message_id\":2,\"user_id\":null,\"username\":"
           "\"chat_-1009\",\"first_name\":null,\"last_name\":null,\"text\":\"b\","
           "\"text_length\":1}\n");
}

/* ---- relays: null, "", 0 and false stand for absent ------------------------ */

static const char user_base[] =
    "{\"update_id\":1,\"message\":{\"message_id\":5,\"date\":1700000000,\"chat\":{"
    "\"id\":-100,\"title\":\"G\",\"username\":\"grp\",\"first_name\":\"CF\","
    "\"last_name\":\"CL\"},\"from\":{\"id\":42,\"username\":\"ann\",\"first_name\":"
    "\"Ann\",\"last_name\":\"Lee\"},\"text\":\"hi\",\"caption\":\"cap\"}}";
static const char caption_base[] =
    "{\"update_id\":1,\"message\":{\"message_id\":5,\"date\":1700000000,\"chat\":{"
    "\"id\":-100,\"title\":\"G\"},\"from\":{\"id\":42,\"username\":\"ann\"},"
    "\"caption\":\"cap\"}}";
static const char signed_base[] =
    "{\"update_id\":2,\"channel_post\":{\"message_id\":6,\"date\":1700000000,\"chat\":{"
    "\"id\":-1009,\"title\":\"News\",\"username\":\"newsch\"},\"sender_chat\":{\"id\":"
    "-1007,\"title\":\"Other\",\"username\":\"other\"},\"author_signature\":\"Jane\","
    "\"text\":\"x\"}}";
static const char sender_base[] =
    "{\"update_id\":2,\"channel_post\":{\"message_id\":6,\"date\":1700000000,\"chat\":{"
    "\"id\":-1009,\"title\":\"News\",\"username\":\"newsch\"},\"sender_chat\":{\"id\":"
    "-1007,\"title\":\"Other\",\"username\":\"other\"},\"text\":\"x\"}}";
static const char sender_no_name_base[] =
    "{\"update_id\":2,\"channel_post\":{\"message_id\":6,\"date\":1700000000,\"chat\":{"
    "\"id\":-1009,\"title\":\"News\"},\"sender_chat\":{\"id\":-1007,\"title\":"
    "\"Other\"},\"text\":\"x\"}}";
static const char chat_only_base[] =
    "{\"update_id\":2,\"channel_post\":{\"message_id\":6,\"date\":1700000000,\"chat\":{"
    "\"id\":-1009,\"title\":\"News\",\"username\":\"newsch\"},\"text\":\"x\"}}";

#define USER_RECORD(name, first, last, text, len)                                        \
    "{\"event_time\":\"2023-11-14T22:13:20Z\",\"channel_id\":-100,\"channel_"            \
    "name\":" name                                                                       \
    ",\"message_id\":5,\"user_id\":42,\"username\":\"ann\",\"first_name\":" first        \
    ",\"last_name\":" last ",\"text\":" text ",\"text_length\":" len "}\n"
#define POST_RECORD(username, text, len)                                                 \
    "{\"event_time\":\"2023-11-14T22:13:20Z\",\"channel_id\":-1009,\"channel_name\":"    \
    "\"News\",\"message_id\":6,\"user_id\":null,\"username\":" username                  \
    ",\"first_name\":null,\"last_name\":null,\"text\":" text ",\"text_length\":" len     \
    "}\n"

/* One field of one update: what the record is when the field is missing,
 * or why the update is malformed ("" when it is skipped quietly). */
struct absent_case {
    const char *base;
    const char *path; /* dot-separated, from the update object */
    const char *record;
    const char *problem;
};

static const struct absent_case absent_cases[] = {
    {user_base, "message.chat.title",
     USER_RECORD("\"CF CL\"", "\"Ann\"", "\"Lee\"", "\"hi\"", "2"), NULL},
    {user_base, "message.from.username",
     "{\"event_time\":\"2023-11-14T22:13:20Z\",\"channel_id\":-100,\"channel_name\":"
     "\"G\",\"message_id\":5,\"user_id\":42,\"username\":\"user_42\",\"first_name\":"
     "\"Ann\",\"last_name\":\"Lee\",\"text\":\"hi\",\"text_length\":2}\n",
     NULL},
    {user_base, "message.from.first_name",
     USER_RECORD("\"G\"", "null", "\"Lee\"", "\"hi\"", "2"), NULL},
    {user_base, "message.from.last_name",
     USER_RECORD("\"G\"", "\"Ann\"", "null", "\"hi\"", "2"), NULL},
    {user_base, "message.text",
     USER_RECORD("\"G\"", "\"Ann\"", "\"Lee\"", "\"cap\"", "3"), NULL},
    {caption_base, "message.caption",
     "{\"event_time\":\"2023-11-14T22:13:20Z\",\"channel_id\":-100,\"channel_name\":"
     "\"G\",\"message_id\":5,\"user_id\":42,\"username\":\"ann\",\"first_name\":null,"
     "\"last_name\":null,\"text\":\"\",\"text_length\":0}\n",
     NULL},
    {user_base, "message.sender_chat",
     USER_RECORD("\"G\"", "\"Ann\"", "\"Lee\"", "\"hi\"", "2"), NULL},
    {user_base, "message.from",
     "{\"event_time\":\"2023-11-14T22:13:20Z\",\"channel_id\":-100,\"channel_name\":"
     "\"G\",\"message_id\":5,\"user_id\":null,\"username\":\"grp\",\"first_name\":null,"
     "\"last_name\":null,\"text\":\"hi\",\"text_length\":2}\n",
     NULL},
    {user_base, "message.from.id", NULL, "update 1: message 5 with from but no from.id"},
    {user_base, "message.chat.id", NULL, "update 1: message without chat.id"},
    {user_base, "message.chat", NULL, "update 1: message without chat.id"},
    {user_base, "message.message_id", NULL, "update 1: message without message_id"},
    {user_base, "message.date", NULL, "update 1: message 5 without a usable date"},
    {user_base, "message", "", ""},
    {signed_base, "channel_post.author_signature", POST_RECORD("\"other\"", "\"x\"", "1"),
     NULL},
    {signed_base, "channel_post.edit_date", POST_RECORD("\"Jane\"", "\"x\"", "1"), NULL},
    {sender_base, "channel_post.sender_chat", POST_RECORD("\"newsch\"", "\"x\"", "1"),
     NULL},
    {sender_base, "channel_post.sender_chat.username",
     POST_RECORD("\"chat_-1007\"", "\"x\"", "1"), NULL},
    {sender_no_name_base, "channel_post.sender_chat.id",
     POST_RECORD("\"chat_-1009\"", "\"x\"", "1"), NULL},
    {chat_only_base, "channel_post.chat.username",
     POST_RECORD("\"chat_-1009\"", "\"x\"", "1"), NULL},
    {chat_only_base, "channel_post.text", POST_RECORD("\"newsch\"", "\"\"", "0"), NULL},
    {chat_only_base, "channel_post", "", ""},
};

/* The forms a relay writes for an absent value; the last, a zero-valued
 * struct, is also tried where the field is an object. */
static const char *const absent_forms[] = {
    "null",
    "\"\"",
    "0",
    "false",
    "{\"id\":0,\"is_bot\":false,\"first_name\":\"\",\"x\":null}",
};

/* The update of text with the field at path set to form (JSON text), or
 * removed when form is NULL.  Returns it as a one-update result array. */
static json_t *with_field(const char *text, const char *path, const char *form)
{
    json_t *update = json_loads(text, 0, NULL);
    json_t *node = update;
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    char *name = buf, *dot;
    while (node != NULL && (dot = strchr(name, '.')) != NULL) {
        *dot = '\0';
        node = json_object_get(node, name);
        name = dot + 1;
    }
    CHECK(node != NULL);
    if (node != NULL && form != NULL)
        json_object_set_new(node, name, json_loads(form, JSON_DECODE_ANY, NULL));
    else if (node != NULL)
        json_object_del(node, name);
    json_t *result = json_array();
    json_array_append_new(result, update);
    return result;
}

/* The records of result, and its malformed count and first problem. */
static char *parse_result(json_t *result, struct tp_update_batch *b)
{
    char *text = json_dumps(result, JSON_COMPACT);
    json_decref(result);
    struct tp_options opts;
    tp_options_init(&opts);
    char *got = records_of(text, &opts, b);
    free(text);
    tp_options_clear(&opts);
    return got;
}

static void check_absent_case(const struct absent_case *c, const char *form)
{
    struct tp_update_batch b;
    char *got = parse_result(with_field(c->base, c->path, form), &b);
    const char *want_problem = c->problem != NULL ? c->problem : "";
    if (strcmp(got != NULL ? got : "(null)", c->record != NULL ? c->record : "") != 0 ||
        strcmp(b.first_problem, want_problem) != 0)
        fprintf(stderr, "  %s = %s:\n", c->path, form != NULL ? form : "(missing)");
    CHECK_STR(got, c->record != NULL ? c->record : "");
    CHECK_STR(b.first_problem, want_problem);
    CHECK_INT(b.malformed, want_problem[0] != '\0');
    CHECK_INT(b.next_offset, c->base == user_base || c->base == caption_base ? 2 : 3);
    free(got);
    tp_update_batch_clear(&b);
}

static void test_absent_forms(void)
{
    for (size_t i = 0; i < sizeof absent_cases / sizeof absent_cases[0]; i++) {
        const struct absent_case *c = &absent_cases[i];
        /* The field matters: the update as given reads otherwise (but
         * where the base lacks the field, and the forms must change
         * nothing: edit_date, never read, and sender_chat, whose absence
         * keeps a user a user). */
        struct tp_options opts;
        tp_options_init(&opts);
        struct tp_update_batch b;
        char wrapped[1024];
        snprintf(wrapped, sizeof wrapped, "[%s]", c->base);
        char *as_given = records_of(wrapped, &opts, &b);
        if (strstr(c->path, "edit_date") == NULL &&
            strcmp(c->path, "message.sender_chat") != 0)
            CHECK(as_given != NULL && b.malformed == 0 &&
                  strcmp(as_given, c->record != NULL ? c->record : "") != 0);
        free(as_given);
        tp_update_batch_clear(&b);
        tp_options_clear(&opts);

        check_absent_case(c, NULL);
        for (size_t f = 0; f < sizeof absent_forms / sizeof absent_forms[0]; f++) {
            bool object_form = absent_forms[f][0] == '{';
            bool object_field = strcmp(c->path, "message.from") == 0 ||
                                strcmp(c->path, "message.chat") == 0 ||
                                strcmp(c->path, "message.sender_chat") == 0 ||
                                strcmp(c->path, "channel_post.sender_chat") == 0 ||
                                strchr(c->path, '.') == NULL;
            if (!object_form || object_field)
                check_absent_case(c, absent_forms[f]);
        }
    }
}

/* Whole updates as a struct-based relay writes them: every kind present,
 * the absent ones null or zero-valued, every absent field null or zero. */
static void test_relay_shaped_updates(void)
{
    static const char kinds_null[] =
        "\"edited_message\":null,\"edited_channel_post\":null,\"callback_query\":null,"
        "\"poll\":null,\"my_chat_member\":null";
    char json[4096];
    snprintf(
        json, sizeof json,
        "[{\"update_id\":7,\"message\":null,%s,\"channel_post\":{\"message_id\":3,"
        "\"message_thread_id\":0,\"from\":{\"id\":0,\"is_bot\":false,\"first_name\":"
        "\"\",\"last_name\":\"\",\"username\":\"\"},\"sender_chat\":{\"id\":-1009,"
        "\"type\":\"channel\",\"title\":\"News\",\"username\":\"\",\"first_name\":\"\"},"
        "\"date\":1700000000,\"chat\":{\"id\":-1009,\"type\":\"channel\",\"title\":"
        "\"News\",\"username\":\"newsch\",\"first_name\":\"\",\"last_name\":\"\"},"
        "\"edit_date\":0,\"author_signature\":\"\",\"text\":\"\",\"caption\":"
        "\"cap\",\"photo\":null,\"is_automatic_forward\":false}},"
        "{\"update_id\":8,\"message\":{\"message_id\":4,\"date\":1700000060,\"chat\":{"
        "\"id\":-100,\"type\":\"group\",\"title\":\"G\",\"username\":null},\"from\":{"
        "\"id\":9,\"is_bot\":false,\"first_name\":\"Ann\",\"last_name\":null,"
        "\"username\":null},\"sender_chat\":null,\"author_signature\":null,\"text\":"
        "\"hi\",\"caption\":null},%s,\"channel_post\":null},"
        "{\"update_id\":9,\"message\":{\"message_id\":0,\"date\":0,\"chat\":{\"id\":0,"
        "\"title\":\"\"},\"from\":null,\"text\":\"\"},%s,\"channel_post\":false,"
        "\"poll\":{\"id\":\"p\"}}]",
        kinds_null, kinds_null, kinds_null);
    struct tp_options opts;
    tp_options_init(&opts);
    struct tp_update_batch b;
    char *got = records_of(json, &opts, &b);
    CHECK_STR(got, "{\"event_time\":\"2023-11-14T22:13:20Z\",\"channel_id\":-1009,"
                   "\"channel_name\":\"News\",\"message_id\":3,\"user_id\":null,"
                   "\"username\":\"chat_-1009\",\"first_name\":null,\"last_name\":null,"
                   "\"text\":\"cap\",\"text_length\":3}\n"
                   "{\"event_time\":\"2023-11-14T22:14:20Z\",\"channel_id\":-100,"
                   "\"channel_name\":\"G\",\"message_id\":4,\"user_id\":9,\"username\":"
                   "\"user_9\",\"first_name\":\"Ann\",\"last_name\":null,\"text\":\"hi\","
                   "\"text_length\":2}\n");
    /* The third carries a zero-valued message and a poll: no message kind
     * is present, so it is skipped, not malformed. */
    CHECK_INT(b.updates, 3);
    CHECK_INT(b.skipped, 1);
    CHECK_INT(b.malformed, 0);
    CHECK_INT(b.next_offset, 10);
    free(got);
    tp_update_batch_clear(&b);

    /* Two present kinds: the first in Telegram's order wins; an edit first
     * is skipped without --include-edits. */
    got = records_of(
        "[{\"update_id\":1,\"channel_post\":{\"message_id\":2,\"date\":"
        "1700000000,\"chat\":{\"id\":-2,\"title\":\"C\"},\"text\":\"post\"},"
        "\"message\":{\"message_id\":1,\"date\":1700000000,\"chat\":{\"id\":-1,"
        "\"title\":\"M\"},\"text\":\"msg\"}},"
        "{\"update_id\":2,\"edited_message\":{\"message_id\":3,\"date\":"
        "1700000000,\"chat\":{\"id\":-1,\"title\":\"M\"},\"text\":\"edit\"},"
        "\"channel_post\":{\"message_id\":4,\"date\":1700000000,\"chat\":{"
        "\"id\":-2,\"title\":\"C\"},\"text\":\"later\"}},"
        "{\"update_id\":3,\"message\":\"text\",\"channel_post\":null}]",
        &opts, &b);
    CHECK_INT(b.count, 1);
    if (b.count == 1)
        CHECK_STR(b.records[0].text, "msg");
    CHECK_INT(b.skipped, 2);
    CHECK_INT(b.malformed, 1);
    CHECK_STR(b.first_problem, "update 3: message is not an object");
    free(got);
    tp_update_batch_clear(&b);
    opts.include_edits = true;
    got = records_of("[{\"update_id\":2,\"edited_message\":{\"message_id\":3,\"date\":"
                     "1700000000,\"chat\":{\"id\":-1,\"title\":\"M\"},\"text\":\"edit\"},"
                     "\"channel_post\":{\"message_id\":4,\"date\":1700000000,\"chat\":{"
                     "\"id\":-2,\"title\":\"C\"},\"text\":\"later\"}}]",
                     &opts, &b);
    CHECK_INT(b.count, 1);
    if (b.count == 1)
        CHECK_STR(b.records[0].text, "edit");
    free(got);
    tp_update_batch_clear(&b);
    tp_options_clear(&opts);
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
    RUN(test_absent_forms);
    RUN(test_relay_shaped_updates);
    RUN(test_empty_and_bad_results);
    return tg_test_finish();
}
