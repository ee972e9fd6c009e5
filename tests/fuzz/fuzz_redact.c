/* fuzz_redact - bot token redaction: tg_redact_secrets (and
 * tg_redact_tokens), and the log lines of tg_log_msg, which also cut long
 * messages; each input is tried without a configured token and with
 * CONFIGURED_TOKEN.
 *
 * The reference below works on the input decoded into characters, each
 * one byte or a %XX escape (hex of either case).  A token is
 * "<digits>:<secret>", the secret being 30 or more of [A-Za-z0-9_-] (or the
 * configured secret), extended through any ":<[A-Za-z0-9_-]...>" runs right
 * behind it; the configured secret is also a span wherever it appears.
 * The reference marks every secret character of the input (after a ':'
 * that follows a digit, when at least 30 follow; every occurrence of the
 * configured secret), computes the spans to redact, and merges spans that
 * overlap or touch into regions.  It then walks the output against the
 * input: each "<redacted>" must stand for a whole region, and every other
 * byte must be copied from the input in order and must not belong to a
 * secret character.  (Inputs containing '<' are skipped, so that
 * "<redacted>" in the output is never the input's own text.)
 *
 * Properties: no byte of a secret survives, in the text or in a log line,
 * even when the line is cut through a token, an escape or the configured
 * secret; nothing else is lost (a log line only loses a cut tail); the
 * number of redactions is the number of regions; a second pass finds
 * nothing; a log line is at most TG_LOG_LINE_MAX bytes and ends in '\n'.
 *
 * fuzz-max-len: 4096
 */
#include "fuzz.h"

#include "tg_log.h"

#define SECRET_MIN 30
#define REDACTED "<redacted>"
#define PROGRAM "tgfuzz"
#define CONFIGURED_TOKEN "4242:Zq7-Xv_9KpLm"
#define CONFIGURED_SECRET "Zq7-Xv_9KpLm"

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static bool is_secret_char(int c)
{
    return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
           c == '-';
}

static int hex(int c)
{
    if (is_digit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The input as characters: ch[k] starts at byte at[k]; at[n] = len. */
struct chars {
    int *ch;
    size_t *at;
    size_t n;
};

static bool decode(const char *text, size_t len, struct chars *c)
{
    c->ch = malloc((len + 1) * sizeof *c->ch);
    c->at = malloc((len + 1) * sizeof *c->at);
    c->n = 0;
    if (c->ch == NULL || c->at == NULL)
        return false;
    for (size_t i = 0; i < len;) {
        c->at[c->n] = i;
        if (text[i] == '%' && i + 2 < len && hex(text[i + 1]) >= 0 &&
            hex(text[i + 2]) >= 0) {
            c->ch[c->n++] = (unsigned char)(hex(text[i + 1]) * 16 + hex(text[i + 2]));
            i += 3;
        } else {
            c->ch[c->n++] = (unsigned char)text[i++];
        }
    }
    c->at[c->n] = len;
    return true;
}

static void release(struct chars *c)
{
    free(c->ch);
    free(c->at);
}

static size_t secret_run(const struct chars *c, size_t from)
{
    size_t n = 0;
    while (from + n < c->n && is_secret_char(c->ch[from + n]))
        n++;
    return n;
}

/* Whether the configured secret starts at character k. */
static bool configured_at(const struct chars *c, size_t k, const char *secret)
{
    size_t len = secret != NULL ? strlen(secret) : 0;
    if (len == 0 || c->n - k < len)
        return false;
    for (size_t q = 0; q < len; q++) {
        if (c->ch[k + q] != (unsigned char)secret[q])
            return false;
    }
    return true;
}

/* Marks the secret bytes of text.  Returns whether there was any. */
static bool mark_secrets(const struct chars *c, const char *secret, bool *marked)
{
    bool any = false;
    memset(marked, 0, c->at[c->n] + 1);
    for (size_t k = 1; k < c->n; k++) {
        if (c->ch[k] != ':' || !is_digit(c->ch[k - 1]))
            continue;
        size_t n = secret_run(c, k + 1);
        if (n >= SECRET_MIN) {
            memset(marked + c->at[k + 1], 1, c->at[k + 1 + n] - c->at[k + 1]);
            any = true;
        }
    }
    size_t len = secret != NULL ? strlen(secret) : 0;
    for (size_t k = 0; secret != NULL && k < c->n; k++) {
        if (configured_at(c, k, secret)) {
            memset(marked + c->at[k], 1, c->at[k + len] - c->at[k]);
            any = true;
        }
    }
    return any;
}

/* The end (a character index) of the span starting at character k, or k. */
static size_t span_end(const struct chars *c, size_t k, const char *secret)
{
    size_t end = k, len = secret != NULL ? strlen(secret) : 0;
    if (configured_at(c, k, secret))
        end = k + len;
    if (!is_digit(c->ch[k]) || (k > 0 && is_digit(c->ch[k - 1])))
        return end;
    size_t d = k;
    while (d < c->n && is_digit(c->ch[d]))
        d++;
    if (d >= c->n || c->ch[d] != ':')
        return end;
    size_t run = secret_run(c, d + 1), tok;
    if (run >= SECRET_MIN)
        tok = d + 1 + run;
    else if (configured_at(c, d + 1, secret))
        tok = d + 1 + len;
    else
        return end;
    while (tok + 1 < c->n && c->ch[tok] == ':' && is_secret_char(c->ch[tok + 1]))
        tok += 1 + secret_run(c, tok + 1);
    return tok > end ? tok : end;
}

/* region_end[k]: for the first character of a region, the character its
 * region ends at; 0 elsewhere.  Returns the number of regions. */
static size_t find_regions(const struct chars *c, const char *secret, size_t *region_end)
{
    size_t regions = 0;
    memset(region_end, 0, (c->n + 1) * sizeof *region_end);
    for (size_t k = 0; k < c->n;) {
        size_t end = span_end(c, k, secret);
        if (end == k) {
            k++;
            continue;
        }
        size_t start = k;
        /* Spans starting inside the region, or where it ends, extend it. */
        for (k++; k <= end && k < c->n; k++) {
            size_t e = span_end(c, k, secret);
            if (e > end)
                end = e;
        }
        region_end[start] = end;
        regions++;
        k = end;
    }
    return regions;
}

/* Walks out against in (the first in_len bytes, decoded as c) with its
 * regions.  Returns how many bytes of in the output accounts for. */
static size_t check_aligned(const char *in, const struct chars *c,
                            const size_t *region_end, const bool *marked, const char *out,
                            size_t out_len)
{
    const size_t mark = strlen(REDACTED);
    size_t k = 0;

    for (size_t j = 0; j < out_len;) {
        if (out[j] == '<') {
            FUZZ_CHECK(out_len - j >= mark && memcmp(out + j, REDACTED, mark) == 0);
            FUZZ_CHECK(k < c->n && region_end[k] > k);
            k = region_end[k];
            j += mark;
            continue;
        }
        /* Outside regions, characters are copied byte for byte. */
        FUZZ_CHECK(k < c->n && region_end[k] == 0);
        for (size_t b = c->at[k]; b < c->at[k + 1]; b++, j++) {
            FUZZ_CHECK(j < out_len && in[b] == out[j]);
            FUZZ_CHECK(!marked[b]);
        }
        k++;
    }
    return c->at[k];
}

static void check_log_line(const char *message, size_t len, const bool *marked,
                           const char *token, const char *secret)
{
    char *out = NULL;
    size_t out_len = 0;
    FILE *stream = open_memstream(&out, &out_len);
    if (stream == NULL)
        return;
    struct tg_log log;
    tg_log_init(&log, PROGRAM, stream);
    tg_log_set_token(&log, token);
    tg_log_error(&log, "%s", message);
    fclose(stream);

    const size_t prefix = strlen(PROGRAM ": ");
    FUZZ_CHECK(out_len > prefix && out_len <= TG_LOG_LINE_MAX);
    FUZZ_CHECK(memcmp(out, PROGRAM ": ", prefix) == 0 && out[out_len - 1] == '\n');
    /* Redaction sees only what fits in the line (TG_LOG_LINE_MAX less the
     * newline and the NUL), so spans end at the cut too; secrets are
     * marked on the whole message, so a cut one must be gone. */
    const size_t fits = TG_LOG_LINE_MAX - 2 - prefix;
    size_t kept = len < fits ? len : fits;
    struct chars c = {0};
    size_t *region_end = malloc((kept + 1) * sizeof *region_end);
    if (region_end != NULL && decode(message, kept, &c)) {
        find_regions(&c, secret, region_end);
        size_t used = check_aligned(message, &c, region_end, marked, out + prefix,
                                    out_len - prefix - 1);
        if (prefix + len + 1 < TG_LOG_LINE_MAX)
            FUZZ_CHECK(used == len); /* it fitted, so nothing may be missing */
    }
    release(&c);
    free(region_end);
    free(out);
}

static void check_with(const char *original, size_t len, const char *token,
                       const char *secret)
{
    char *text = fuzz_cstr((const uint8_t *)original, len);
    bool *marked = malloc(len + 1);
    size_t *region_end = malloc((len + 1) * sizeof *region_end);
    struct chars c = {0};
    if (text == NULL || marked == NULL || region_end == NULL ||
        !decode(original, len, &c))
        goto out;

    bool any = mark_secrets(&c, secret, marked);
    size_t regions = find_regions(&c, secret, region_end);
    check_log_line(original, len, marked, token, secret);

    size_t count =
        token != NULL ? tg_redact_secrets(text, token) : tg_redact_tokens(text);
    size_t after = strlen(text);
    FUZZ_CHECK((count > 0) == any);
    FUZZ_CHECK(count == regions);
    FUZZ_CHECK(after <= len);
    FUZZ_CHECK(check_aligned(original, &c, region_end, marked, text, after) == len);
    FUZZ_CHECK(tg_redact_secrets(text, token) == 0 && strlen(text) == after);
out:
    release(&c);
    free(region_end);
    free(marked);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (memchr(data, '<', size) != NULL)
        return 0;
    char *original = fuzz_cstr(data, size);
    if (original == NULL)
        return 0;
    size_t len = strlen(original);
    check_with(original, len, NULL, NULL);
    check_with(original, len, CONFIGURED_TOKEN, CONFIGURED_SECRET);
    free(original);
    return 0;
}
