#include "tg_record.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tg_time.h"
#include "tg_utf8.h"

_Static_assert(sizeof(json_int_t) == sizeof(int64_t), "jansson integers must be 64-bit");

void tg_record_init(struct tg_record *rec)
{
    memset(rec, 0, sizeof *rec);
}

void tg_record_clear(struct tg_record *rec)
{
    if (rec == NULL)
        return;
    free(rec->channel_name);
    free(rec->username);
    free(rec->first_name);
    free(rec->last_name);
    free(rec->text);
    tg_record_init(rec);
}

/* ---------------------------------------------------------------- encode */

int tg_record_encode(const struct tg_record *rec, char **out, size_t *out_len, char *err,
                     size_t errlen)
{
    const char *text = rec->text != NULL ? rec->text : "";
    const char *const names[] = {"channel_name", "username", "first_name", "last_name",
                                 "text"};
    const char *const values[] = {rec->channel_name, rec->username, rec->first_name,
                                  rec->last_name, text};
    char time_text[TG_TIME_TEXT_MAX];
    json_error_t jerr;

    *out = NULL;
    *out_len = 0;
    if (tg_time_format(rec->event_time_ms, time_text, sizeof time_text) < 0) {
        snprintf(err, errlen, "event_time: %" PRId64 " ms is outside years 0000-9999",
                 rec->event_time_ms);
        return -1;
    }
    /* Checked here, although jansson checks too, to name the field. */
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (values[i] != NULL && !tg_utf8_valid(values[i], strlen(values[i]))) {
            snprintf(err, errlen, "%s: invalid UTF-8", names[i]);
            return -1;
        }
    }
    /* Pack order is insertion order is output order: the schema order. */
    json_t *obj = json_pack_ex(
        &jerr, 0, "{s:s, s:I, s:s?, s:I, s:o, s:s?, s:s?, s:s?, s:s, s:I}", "event_time",
        time_text, "channel_id", (json_int_t)rec->channel_id, "channel_name",
        rec->channel_name, "message_id", (json_int_t)rec->message_id, "user_id",
        rec->has_user_id ? json_integer(rec->user_id) : json_null(), "username",
        rec->username, "first_name", rec->first_name, "last_name", rec->last_name, "text",
        text, "text_length", (json_int_t)rec->text_length);
    if (obj == NULL) {
        snprintf(err, errlen, "cannot build the record: %s", jerr.text);
        return -1;
    }
    /* No JSON_ENSURE_ASCII: non-ASCII stays raw UTF-8, while quotes,
     * backslashes and control characters are still escaped, so the result
     * is always one line. */
    char *json = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(obj);
    if (json == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    /* Allocated by jansson with malloc (the project never installs other
     * allocators), so the caller's free() matches. */
    *out = json;
    *out_len = strlen(json);
    return 0;
}

/* ---------------------------------------------------------------- decode */

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

/* Finds a field.  A missing required field is an error; an optional one
 * that is missing or JSON null comes back as NULL. */
static int lookup(json_t *obj, const char *name, bool required, json_t **value, char *err,
                  size_t errlen)
{
    *value = json_object_get(obj, name);
    if (*value == NULL && required) {
        snprintf(err, errlen, "missing required field %s", name);
        return -1;
    }
    if (!required && json_is_null(*value))
        *value = NULL;
    return 0;
}

static int get_int(json_t *obj, const char *name, bool required, bool *present,
                   int64_t *out, char *err, size_t errlen)
{
    json_t *value;

    *present = false;
    if (lookup(obj, name, required, &value, err, errlen) != 0)
        return -1;
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
    json_t *value;

    if (lookup(obj, name, false, &value, err, errlen) != 0)
        return -1;
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
    json_t *value;
    char why[200];

    if (lookup(obj, "event_time", true, &value, err, errlen) != 0)
        return -1;
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
    bool present;

    if (get_event_time(obj, &rec->event_time_ms, err, errlen) != 0 ||
        get_int(obj, "channel_id", true, &present, &rec->channel_id, err, errlen) != 0 ||
        get_string(obj, "channel_name", &rec->channel_name, err, errlen) != 0 ||
        get_int(obj, "message_id", true, &present, &rec->message_id, err, errlen) != 0 ||
        get_int(obj, "user_id", false, &rec->has_user_id, &rec->user_id, err, errlen) !=
            0 ||
        get_string(obj, "username", &rec->username, err, errlen) != 0 ||
        get_string(obj, "first_name", &rec->first_name, err, errlen) != 0 ||
        get_string(obj, "last_name", &rec->last_name, err, errlen) != 0 ||
        get_string(obj, "text", &rec->text, err, errlen) != 0 ||
        get_int(obj, "text_length", false, &present, &rec->text_length, err, errlen) != 0)
        return -1;
    if (rec->text == NULL && (rec->text = calloc(1, 1)) == NULL) {
        snprintf(err, errlen, "text: out of memory");
        return -1;
    }
    if (!present) {
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

/* ----------------------------------------------------------- counting key */

const char *tg_record_counting_key(const struct tg_record *rec, char *buf, size_t buflen)
{
    if (rec->username != NULL && rec->username[0] != '\0')
        return rec->username;
    if (rec->has_user_id)
        snprintf(buf, buflen, "user_%" PRId64, rec->user_id);
    else
        snprintf(buf, buflen, "anonymous");
    return buf;
}
