/* fuzz_duration - tg_duration_parse and tg_window_spec_parse on arbitrary
 * text, and the round trip through tg_duration_format; the same with the
 * command line's flags (bare seconds, zero).
 *
 * Properties: a parsed duration is positive, formats into its canonical
 * text (never into a buffer one byte too small), which parses back to the
 * same milliseconds and is a fixed point of format(parse(...)); a parsed
 * window has 0 < slide <= size, keeps the text verbatim, agrees with
 * parsing its halves as durations, and has a pane (gcd) dividing both.
 * With the flags, everything the strict parser reads is read the same, a
 * bare number N is exactly "Ns", and only those two kinds (or a zero) are
 * accepted.
 *
 * fuzz-max-len: 128
 */
#include "fuzz.h"

#include "tg_duration.h"

/* "106751991167d7h12m55s807ms" (INT64_MAX ms) is the longest canonical
 * text: 26 bytes. */
#define DURATION_TEXT_MAX 32

static void check_duration(int64_t ms)
{
    char text[DURATION_TEXT_MAX];
    int len = tg_duration_format(ms, text, sizeof text);

    FUZZ_CHECK(len > 0 && (size_t)len == strlen(text));
    char *tight = malloc((size_t)len);
    if (tight != NULL) {
        FUZZ_CHECK(tg_duration_format(ms, tight, (size_t)len) == -1);
        free(tight);
    }

    char err[256] = "";
    int64_t again = 0;
    FUZZ_CHECK(tg_duration_parse(text, &again, err, sizeof err) == 0);
    FUZZ_CHECK(again == ms);
    char text2[DURATION_TEXT_MAX];
    FUZZ_CHECK(tg_duration_format(again, text2, sizeof text2) == len);
    FUZZ_CHECK(strcmp(text, text2) == 0);
}

static void check_window(const char *text, const struct tg_window_spec *spec)
{
    FUZZ_CHECK(spec->slide_ms > 0 && spec->slide_ms <= spec->size_ms);
    FUZZ_CHECK(strcmp(spec->text, text) == 0);

    char halves[TG_WINDOW_SPEC_TEXT_MAX];
    snprintf(halves, sizeof halves, "%s", text);
    char *slash = strchr(halves, '/');
    if (slash != NULL)
        *slash = '\0';
    char err[256] = "";
    int64_t size_ms = 0, slide_ms = 0;
    FUZZ_CHECK(tg_duration_parse(halves, &size_ms, err, sizeof err) == 0);
    FUZZ_CHECK(size_ms == spec->size_ms);
    if (slash == NULL) {
        FUZZ_CHECK(spec->slide_ms == spec->size_ms);
    } else {
        FUZZ_CHECK(tg_duration_parse(slash + 1, &slide_ms, err, sizeof err) == 0);
        FUZZ_CHECK(slide_ms == spec->slide_ms);
    }

    int64_t pane = tg_gcd(spec->size_ms, spec->slide_ms);
    FUZZ_CHECK(pane > 0 && pane <= spec->slide_ms);
    FUZZ_CHECK(spec->size_ms % pane == 0 && spec->slide_ms % pane == 0);
}

/* strict_ms: what tg_duration_parse read, or -1 when it refused text. */
static void check_flags(const char *text, int64_t strict_ms)
{
    const unsigned flags = TG_DURATION_BARE_SECONDS | TG_DURATION_ZERO_OK;
    char err[256] = "";
    int64_t ms = -1;
    bool digits = text[0] != '\0' && text[strspn(text, "0123456789")] == '\0';
    if (tg_duration_parse_flags(text, flags, &ms, err, sizeof err) != 0) {
        FUZZ_CHECK(strict_ms < 0 && fuzz_has_message(err, sizeof err));
        return;
    }
    FUZZ_CHECK(ms >= 0);
    if (strict_ms >= 0) {
        FUZZ_CHECK(ms == strict_ms);
    } else if (digits) {
        /* N alone is N seconds: the same as "Ns" (zero allowed here). */
        char with_unit[160];
        snprintf(with_unit, sizeof with_unit, "%ss", text);
        int64_t seconds = -1;
        FUZZ_CHECK(tg_duration_parse_flags(with_unit, TG_DURATION_ZERO_OK, &seconds, err,
                                           sizeof err) == 0);
        FUZZ_CHECK(seconds == ms);
    } else {
        FUZZ_CHECK(ms == 0); /* only a zero is accepted beyond the two forms */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    if (text == NULL)
        return 0;

    char err[256] = "";
    int64_t ms = 0;
    bool ms_ok = tg_duration_parse(text, &ms, err, sizeof err) == 0;
    if (ms_ok) {
        FUZZ_CHECK(ms > 0);
        check_duration(ms);
    } else {
        FUZZ_CHECK(fuzz_has_message(err, sizeof err));
    }

    check_flags(text, ms_ok ? ms : -1);

    struct tg_window_spec spec;
    err[0] = '\0';
    bool window_ok = tg_window_spec_parse(text, &spec, err, sizeof err) == 0;
    if (window_ok)
        check_window(text, &spec);
    else
        FUZZ_CHECK(fuzz_has_message(err, sizeof err));
    struct tg_window_spec flex;
    err[0] = '\0';
    if (tg_window_spec_parse_flags(text, TG_DURATION_BARE_SECONDS | TG_DURATION_ZERO_OK,
                                   &flex, err, sizeof err) == 0) {
        FUZZ_CHECK(flex.slide_ms > 0 && flex.slide_ms <= flex.size_ms);
        FUZZ_CHECK(!window_ok ||
                   (flex.size_ms == spec.size_ms && flex.slide_ms == spec.slide_ms));
    } else {
        FUZZ_CHECK(!window_ok && fuzz_has_message(err, sizeof err));
    }

    free(text);
    return 0;
}
