/* tc_parse.c - the strict record parser: jansson builds the whole object,
 * then the three things tgcount needs are picked out of it. */
#include "tc_parse.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tg_time.h"
#include "tg_utf8.h"

struct tc_parser {
    /* The key outlives the jansson tree, so it is copied here. */
    char key[TC_USERNAME_MAX + 1];
};

struct tc_parser *tc_parser_new(void)
{
    return calloc(1, sizeof(struct tc_parser));
}

void tc_parser_free(struct tc_parser *ps)
{
    free(ps);
}

static void set_key(struct tc_parser *ps, struct tc_parsed *out, const char *s,
                    size_t len)
{
    out->key_truncated = false;
    if (len > TC_USERNAME_MAX) {
        len = tg_utf8_truncate(s, len, TC_USERNAME_MAX);
        out->key_truncated = true;
    }
    memcpy(ps->key, s, len);
    ps->key[len] = '\0';
    out->key = ps->key;
    out->key_len = len;
}

int tc_parser_parse(struct tc_parser *ps, const char *data, size_t len,
                    struct tc_parsed *out, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        snprintf(err, errlen, "not JSON: %s", jerr.text);
        return -1;
    }
    int rc = -1;
    if (!json_is_object(root)) {
        snprintf(err, errlen, "not a JSON object");
        goto out;
    }
    json_t *et = json_object_get(root, "event_time");
    if (et == NULL || !json_is_string(et)) {
        snprintf(err, errlen, et == NULL ? "no event_time" : "event_time is not a string");
        goto out;
    }
    char terr[128];
    if (tg_time_parse(json_string_value(et), json_string_length(et), &out->event_time_ms,
                      terr, sizeof terr) != 0) {
        snprintf(err, errlen, "event_time: %s", terr);
        goto out;
    }

    json_t *user = json_object_get(root, "username");
    json_t *uid = json_object_get(root, "user_id");
    if (json_is_string(user) && json_string_length(user) > 0) {
        set_key(ps, out, json_string_value(user), json_string_length(user));
    } else if (json_is_integer(uid)) {
        int n = snprintf(ps->key, sizeof ps->key, "user_%" PRId64,
                         (int64_t)json_integer_value(uid));
        out->key = ps->key;
        out->key_len = (size_t)n;
        out->key_truncated = false;
    } else {
        set_key(ps, out, "anonymous", 9);
    }

    json_t *ch = json_object_get(root, "channel_id");
    json_t *msg = json_object_get(root, "message_id");
    out->has_ids = json_is_integer(ch) && json_is_integer(msg);
    out->channel_id = out->has_ids ? (int64_t)json_integer_value(ch) : 0;
    out->message_id = out->has_ids ? (int64_t)json_integer_value(msg) : 0;
    rc = 0;
out:
    json_decref(root);
    return rc;
}
