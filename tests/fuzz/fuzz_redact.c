/* fuzz_redact - bot token redaction: tg_redact_tokens, and the log lines of
 * tg_log_msg, which also cut long messages.
 *
 * A token is "<digits>:<secret>", the secret being 30 or more of
 * [A-Za-z0-9_-]; a redaction also covers any ":<[A-Za-z0-9_-]...>" runs
 * right behind it.  The reference below marks every secret byte of the
 * input, then walks the output against it: each "<redacted>" must stand
 * for a whole "<digits>:<secret>" span of the input, and every other byte
 * must be copied from the input in order and must not be a secret byte.
 * (Inputs containing '<' are skipped, so that "<redacted>" in the output
 * is never the input's own text.)
 *
 * Properties: no secret byte survives, in the text or in a log line, even
 * when the line is cut through a token; nothing else is lost (a log line
 * only loses a cut tail); a second pass finds nothing; a log line is at
 * most TG_LOG_LINE_MAX bytes and ends in '\n'.
 *
 * fuzz-max-len: 4096
 */
#include "fuzz.h"

#include "tg_log.h"

#define SECRET_MIN 30
#define REDACTED "<redacted>"
#define PROGRAM "tgfuzz"

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_secret_char(char c)
{
    return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
           c == '-';
}

static size_t secret_run(const char *text, size_t len, size_t from)
{
    size_t n = 0;
    while (from + n < len && is_secret_char(text[from + n]))
        n++;
    return n;
}

/* Marks the secret bytes: those after a ':' that follows a digit, when at
 * least SECRET_MIN of them follow.  Returns whether there was any. */
static bool mark_secrets(const char *text, size_t len, bool *secret)
{
    bool any = false;
    memset(secret, 0, len);
    for (size_t colon = 1; colon < len; colon++) {
        if (text[colon] != ':' || !is_digit(text[colon - 1]))
            continue;
        size_t n = secret_run(text, len, colon + 1);
        if (n >= SECRET_MIN) {
            memset(secret + colon + 1, 1, n);
            any = true;
        }
    }
    return any;
}

/* Length of the "<digits>:<secret>" span starting at in[i], extended
 * through every ":<secret chars>" right behind it (tg_log.h: such a run
 * can hide a second token's bot id), or 0. */
static size_t token_span(const char *in, size_t len, size_t i)
{
    size_t digits = 0;
    while (i + digits < len && is_digit(in[i + digits]))
        digits++;
    if (digits == 0 || i + digits >= len || in[i + digits] != ':')
        return 0;
    size_t n = secret_run(in, len, i + digits + 1);
    if (n < SECRET_MIN)
        return 0;
    size_t end = i + digits + 1 + n;
    while (end + 1 < len && in[end] == ':' && is_secret_char(in[end + 1]))
        end += 1 + secret_run(in, len, end + 1);
    return end - i;
}

/* Walks out against in (see the file comment).  Returns how many bytes of
 * in the output accounts for. */
static size_t check_aligned(const char *in, size_t in_len, const bool *secret,
                            const char *out, size_t out_len)
{
    const size_t mark = strlen(REDACTED);
    size_t i = 0;

    for (size_t j = 0; j < out_len;) {
        if (out[j] == '<') {
            FUZZ_CHECK(out_len - j >= mark && memcmp(out + j, REDACTED, mark) == 0);
            size_t span = token_span(in, in_len, i);
            FUZZ_CHECK(span > 0);
            i += span;
            j += mark;
        } else {
            FUZZ_CHECK(i < in_len && in[i] == out[j]);
            FUZZ_CHECK(!secret[i]);
            i++;
            j++;
        }
    }
    return i;
}

static void check_log_line(const char *message, size_t len, const bool *secret)
{
    char *out = NULL;
    size_t out_len = 0;
    FILE *stream = open_memstream(&out, &out_len);
    if (stream == NULL)
        return;
    struct tg_log log;
    tg_log_init(&log, PROGRAM, stream);
    tg_log_error(&log, "%s", message);
    fclose(stream);

    const size_t prefix = strlen(PROGRAM ": ");
    FUZZ_CHECK(out_len > prefix && out_len <= TG_LOG_LINE_MAX);
    FUZZ_CHECK(memcmp(out, PROGRAM ": ", prefix) == 0 && out[out_len - 1] == '\n');
    /* Redaction sees only what fits in the line (TG_LOG_LINE_MAX less the
     * newline and the NUL), so spans end at the cut too. */
    const size_t fits = TG_LOG_LINE_MAX - 2 - prefix;
    size_t kept = len < fits ? len : fits;
    size_t used = check_aligned(message, kept, secret, out + prefix, out_len - prefix - 1);
    if (prefix + len + 1 < TG_LOG_LINE_MAX)
        FUZZ_CHECK(used == len); /* it fitted, so nothing may be missing */
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (memchr(data, '<', size) != NULL)
        return 0;
    char *text = fuzz_cstr(data, size);
    char *original = fuzz_cstr(data, size);
    bool *secret = malloc(size + 1);
    if (text == NULL || original == NULL || secret == NULL)
        goto out;

    size_t len = strlen(text);
    bool any = mark_secrets(original, len, secret);
    check_log_line(original, len, secret);

    size_t count = tg_redact_tokens(text);
    size_t after = strlen(text);
    FUZZ_CHECK((count > 0) == any);
    FUZZ_CHECK(after <= len);
    FUZZ_CHECK(check_aligned(original, len, secret, text, after) == len);
    FUZZ_CHECK(tg_redact_tokens(text) == 0 && strlen(text) == after);
out:
    free(secret);
    free(original);
    free(text);
    return 0;
}
