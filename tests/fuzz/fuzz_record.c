/* fuzz_record - tg_record_decode on arbitrary bytes, and the round trip
 * through tg_record_encode.
 *
 * Properties: decoding never crashes or leaks, and a failure says why; a
 * decoded record has a text and a non-negative text_length; it encodes
 * unless its event time lies outside years 0000-9999 (a zone offset can
 * push a valid-looking date there); the encoding is one line, decodes to
 * an equal record, and encodes again to the same bytes; decoding into a
 * record that still holds strings frees them.
 *
 * fuzz-max-len: 4096
 */
#include "fuzz.h"

#include <stdbool.h>

#include "tg_record.h"
#include "tg_time.h"

static bool same_string(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

static bool same_record(const struct tg_record *a, const struct tg_record *b)
{
    return a->event_time_ms == b->event_time_ms && a->channel_id == b->channel_id &&
           same_string(a->channel_name, b->channel_name) &&
           a->message_id == b->message_id && a->has_user_id == b->has_user_id &&
           (!a->has_user_id || a->user_id == b->user_id) &&
           same_string(a->username, b->username) &&
           same_string(a->first_name, b->first_name) &&
           same_string(a->last_name, b->last_name) && same_string(a->text, b->text) &&
           a->text_length == b->text_length;
}

static void check_round_trip(const struct tg_record *rec)
{
    char err[512] = "";
    char *line = NULL;
    size_t len = 0;

    if (tg_record_encode(rec, &line, &len, err, sizeof err) != 0) {
        char time_text[TG_TIME_TEXT_MAX];
        FUZZ_CHECK(fuzz_has_message(err, sizeof err));
        FUZZ_CHECK(line == NULL);
        FUZZ_CHECK(tg_time_format(rec->event_time_ms, time_text, sizeof time_text) < 0);
        return;
    }
    FUZZ_CHECK(line != NULL && len == strlen(line));
    FUZZ_CHECK(memchr(line, '\n', len) == NULL);

    char *exact = fuzz_copy((const uint8_t *)line, len);
    if (exact != NULL) {
        struct tg_record again;
        tg_record_init(&again);
        FUZZ_CHECK(tg_record_decode(exact, len, &again, err, sizeof err) == 0);
        FUZZ_CHECK(same_record(rec, &again));

        char *line2 = NULL;
        size_t len2 = 0;
        FUZZ_CHECK(tg_record_encode(&again, &line2, &len2, err, sizeof err) == 0);
        FUZZ_CHECK(len2 == len && memcmp(line, line2, len) == 0);
        free(line2);

        /* Decoding over a filled record must release what it held. */
        FUZZ_CHECK(tg_record_decode(exact, len, &again, err, sizeof err) == 0);
        tg_record_clear(&again);
        free(exact);
    }
    free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = fuzz_copy(data, size);
    if (buf == NULL)
        return 0;

    struct tg_record rec;
    char err[512] = "";
    tg_record_init(&rec);
    if (tg_record_decode(buf, size, &rec, err, sizeof err) == 0) {
        FUZZ_CHECK(rec.text != NULL && rec.text_length >= 0);
        char key_buf[32];
        const char *key = tg_record_counting_key(&rec, key_buf, sizeof key_buf);
        FUZZ_CHECK(key != NULL && key[0] != '\0');
        check_round_trip(&rec);
    } else {
        FUZZ_CHECK(fuzz_has_message(err, sizeof err));
        FUZZ_CHECK(rec.text == NULL && rec.username == NULL);
    }
    tg_record_clear(&rec);
    free(buf);
    return 0;
}
