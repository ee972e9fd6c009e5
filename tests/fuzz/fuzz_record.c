/* fuzz_record - tg_record_decode on arbitrary bytes, and the round trip
 * through tg_record_encode.
 *
 * Properties: decoding never crashes or leaks, and a failure says why; a
 * decoded record keeps the reading contract (tg_record.h: event time in
 * 1970..2099, no negative message or user id), has a text and a
 * non-negative text_length, and a counting key that is valid UTF-8 of at
 * most TG_RECORD_USERNAME_MAX bytes; it encodes, to one line that decodes
 * to an equal record and encodes again to the same bytes, also through
 * tg_record_write into a buffer of exactly its size; decoding into a record
 * that still holds strings frees them.
 *
 * fuzz-max-len: 4096
 */
#include "fuzz.h"

#include "tg_record.h"
#include "tg_utf8.h"

static void check_round_trip(const struct tg_record *rec)
{
    char err[512] = "";
    char *line = NULL;
    size_t len = 0;

    FUZZ_CHECK(tg_record_encode(rec, &line, &len, err, sizeof err) == 0);
    fuzz_check_encoding(rec, line, len);
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
        FUZZ_CHECK(rec.event_time_ms >= TG_RECORD_EVENT_TIME_MIN_MS &&
                   rec.event_time_ms < TG_RECORD_EVENT_TIME_END_MS);
        FUZZ_CHECK(!rec.has_message_id || rec.message_id >= 0);
        FUZZ_CHECK(!rec.has_user_id || rec.user_id >= 0);
        struct tg_record_key key;
        tg_record_counting_key(&rec, &key);
        FUZZ_CHECK(key.len > 0 && key.len <= TG_RECORD_USERNAME_MAX);
        FUZZ_CHECK(strlen(key.text) == key.len && tg_utf8_valid(key.text, key.len));
        check_round_trip(&rec);
    } else {
        FUZZ_CHECK(fuzz_has_message(err, sizeof err));
        FUZZ_CHECK(rec.text == NULL && rec.username == NULL);
    }
    tg_record_clear(&rec);
    free(buf);
    return 0;
}
