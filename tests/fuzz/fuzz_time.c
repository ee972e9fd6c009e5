/* fuzz_time - tg_time_parse on arbitrary bytes, and the round trip through
 * tg_time_format.
 *
 * Properties: parsing never reads past len; a failure always says why; a
 * parsed time formats exactly when it lies in years 0000-9999, never into
 * a buffer one byte too small, and the text parses back to the same
 * milliseconds and formats to the same text again.
 *
 * fuzz-max-len: 64
 */
#include "fuzz.h"

#include "tg_time.h"

/* 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z, from the calendar by
 * hand (719528 days before the epoch; 2932897 days after it). */
#define YEAR_0000_MS INT64_C(-62167219200000)
#define YEAR_10000_MS INT64_C(253402300800000)

static void check_format(int64_t ms)
{
    char text[TG_TIME_TEXT_MAX];
    int len = tg_time_format(ms, text, sizeof text);

    FUZZ_CHECK((len >= 0) == (ms >= YEAR_0000_MS && ms < YEAR_10000_MS));
    if (len < 0)
        return;
    FUZZ_CHECK((size_t)len == strlen(text));
    FUZZ_CHECK(len == 20 || len == 24); /* ...SSZ or ...SS.mmmZ */

    /* One byte short must fail without writing past the buffer. */
    char *tight = malloc((size_t)len);
    if (tight != NULL) {
        FUZZ_CHECK(tg_time_format(ms, tight, (size_t)len) == -1);
        free(tight);
    }

    char *copy = fuzz_copy((const uint8_t *)text, (size_t)len);
    if (copy == NULL)
        return;
    char err[128] = "";
    int64_t again = 0;
    FUZZ_CHECK(tg_time_parse(copy, (size_t)len, &again, err, sizeof err) == 0);
    FUZZ_CHECK(again == ms);
    free(copy);

    char text2[TG_TIME_TEXT_MAX];
    FUZZ_CHECK(tg_time_format(again, text2, sizeof text2) == len);
    FUZZ_CHECK(strcmp(text, text2) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_copy(data, size);
    if (text == NULL)
        return 0;
    char err[128] = "";
    int64_t ms = 0;
    if (tg_time_parse(text, size, &ms, err, sizeof err) == 0)
        check_format(ms);
    else
        FUZZ_CHECK(fuzz_has_message(err, sizeof err));
    free(text);
    return 0;
}
