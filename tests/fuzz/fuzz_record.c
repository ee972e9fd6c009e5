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

#include "tg_record.h"
#include "tg_time.h"

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
