/* tg_record_decode.c - a record's every field, through jansson (see
 * tg_record.h).  Used where all of a record is wanted (tests, the fuzz
 * targets, tools); tgcount reads the view (tg_record_view.c).
 */
#include "tg_record.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tg_record_internal.h"
#include "tg_time.h"
#include "tg_utf8.h"

_Static_assert(sizeof(json_int_t) == sizeof(int64_t), "jansson integers must be 64-bit");

static bool is_json_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static const char *type_name(const json_t *value)
{
    switch (json_typeof(value)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a real number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "an unknown type";
}

/* An optional field: NULL when missing or JSON null. */
static json_t *optional(json_t *obj, const char *name)
{
    json_t *value = json_object_get(obj, name);
    return json_is_null(value) ? NULL : value;
}

static int get_int(json_t *obj, const char *name, bool *present, int64_t *out, char *err,
                   size_t errlen)
{
    json_t *value = optional(obj, name);

    *present = false;
    if (value == NULL)
        return 0;
    if (!json_is_integer(value)) {
        snprintf(err, errlen, "%s: expected an integer, got %s", name, type_name(value));
        return -1;
    }
    /* The parser rejects integers wider than json_int_t (= int64_t, see
     * the assertion above) with "too big integer". */
    *out = json_integer_value(value);
    *present = true;
    return 0;
}

/* Copies an optional string field into *out (left NULL when absent/null). */
static int get_string(json_t *obj, const char *name, char **out, char *err, size_t errlen)
{
    json_t *value = optional(obj, name);

    if (value == NULL)
        return 0;
    if (!json_is_string(value)) {
        snprintf(err, errlen, "%s: expected a string or null, got %s", name,
                 type_name(value));
        return -1;
    }
    /* The parser rejects \u0000, so the value has no embedded NUL. */
    size_t len = json_string_length(value);
    char *copy = malloc(len + 1);
    if (copy == NULL) {
        snprintf(err, errlen, "%s: out of memory", name);
        return -1;
    }
    memcpy(copy, json_string_value(value), len + 1);
    *out = copy;
    return 0;
}

static int get_event_time(json_t *obj, int64_t *out, char *err, size_t errlen)
{
    json_t *value = json_object_get(obj, "event_time");
    char why[200];

    if (value == NULL) {
        snprintf(err, errlen, "missing required field event_time");
        return -1;
    }
    if (!json_is_string(value)) {
        snprintf(err, errlen, "event_time: expected a string, got %s", type_name(value));
        return -1;
    }
    if (tg_time_parse(json_string_value(value), json_string_length(value), out, why,
                      sizeof why) != 0) {
        snprintf(err, errlen, "event_time: %s", why);
        return -1;
    }
    return 0;
}

static int extract(json_t *obj, struct tg_record *rec, char *err, size_t errlen)
{
    bool has_length;

    if (get_event_time(obj, &rec->event_time_ms, err, errlen) != 0 ||
        get_int(obj, "channel_id", &rec->has_channel_id, &rec->channel_id, err, errlen) !=
            0 ||
        get_string(obj, "channel_name", &rec->channel_name, err, errlen) != 0 ||
        get_int(obj, "message_id", &rec->has_message_id, &rec->message_id, err, errlen) !=
            0 ||
        get_int(obj, "user_id", &rec->has_user_id, &rec->user_id, err, errlen) != 0 ||
        get_string(obj, "username", &rec->username, err, errlen) != 0 ||
        get_string(obj, "first_name", &rec->first_name, err, errlen) != 0 ||
        get_string(obj, "last_name", &rec->last_name, err, errlen) != 0 ||
        get_string(obj, "text", &rec->text, err, errlen) != 0 ||
        get_int(obj, "text_length", &has_length, &rec->text_length, err, errlen) != 0)
        return -1;
    const char *problem =
        tg_record_range_problem(rec->event_time_ms, rec->has_message_id, rec->message_id,
                                rec->has_user_id, rec->user_id);
    if (problem != NULL) {
        snprintf(err, errlen, "%s", problem);
        return -1;
    }
    if (rec->text == NULL && (rec->text = calloc(1, 1)) == NULL) {
        snprintf(err, errlen, "text: out of memory");
        return -1;
    }
    if (!has_length) {
        rec->text_length = (int64_t)tg_utf8_codepoints(rec->text, strlen(rec->text));
    } else if (rec->text_length < 0) {
        snprintf(err, errlen,
                 "text_length: expected a non-negative integer, got %" PRId64,
                 rec->text_length);
        return -1;
    }
    return 0;
}

int tg_record_decode(const char *buf, size_t len, struct tg_record *rec, char *err,
                     size_t errlen)
{
    json_error_t jerr;

    tg_record_clear(rec);
    size_t start = 0;
    while (start < len && is_json_space(buf[start]))
        start++;
    if (start == len) {
        snprintf(err, errlen, "empty record");
        return -1;
    }
    /* JSON_DISABLE_EOF_CHECK makes jansson stop after the value and report
     * where, so trailing garbage gets its own message; JSON_DECODE_ANY lets
     * a bare number or string parse so its type can be named. */
    json_t *root = json_loadb(
        buf, len, JSON_REJECT_DUPLICATES | JSON_DISABLE_EOF_CHECK | JSON_DECODE_ANY,
        &jerr);
    if (root == NULL) {
        snprintf(err, errlen, "invalid JSON at line %d column %d: %s", jerr.line,
                 jerr.column, jerr.text);
        return -1;
    }
    int rc = -1;
    if (!json_is_object(root)) {
        snprintf(err, errlen, "expected a JSON object, got %s", type_name(root));
        goto out;
    }
    /* Whitespace after the object, such as the line's "\n" or "\r\n", is
     * allowed; anything else is not. */
    for (size_t i = (size_t)jerr.position; i < len; i++) {
        if (!is_json_space(buf[i])) {
            snprintf(err, errlen, "trailing garbage after JSON object at byte %zu", i);
            goto out;
        }
    }
    rc = extract(root, rec, err, errlen);
out:
    json_decref(root);
    if (rc != 0)
        tg_record_clear(rec);
    return rc;
}
