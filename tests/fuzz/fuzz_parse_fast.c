/* fuzz_parse_fast - the record view's fast reader against the strict one
 * (a differential target: the fast path may be faster, never different).
 *
 * Properties: whenever tg_record_read_fast is sure, tg_record_read_strict
 * accepts the same bytes with exactly the same event time, key bytes, key
 * length, truncation flag and ids; and tg_record_read (fast, else strict)
 * always agrees with the strict path, accepting or rejecting alike; and
 * neither accepts a record holding a NUL byte, wherever it is (jansson
 * alone lets one pass right after a number, true, false or null).
 *
 * fuzz-max-len: 2048
 */
#include "fuzz.h"

#include "tg_record.h"

static bool same_parsed(const struct tg_record_view *a, const struct tg_record_view *b)
{
    return a->event_time_ms == b->event_time_ms && a->key_len == b->key_len &&
           memcmp(a->key, b->key, a->key_len + 1) == 0 &&
           a->key_truncated == b->key_truncated && a->has_ids == b->has_ids &&
           a->channel_id == b->channel_id && a->message_id == b->message_id;
}

/* Copies the result out of the parser, whose key buffer the next parse
 * reuses. */
static void keep(const struct tg_record_view *p, struct tg_record_view *copy, char *key,
                 size_t keylen)
{
    *copy = *p;
    FUZZ_CHECK(p->key_len < keylen);
    memcpy(key, p->key, p->key_len + 1);
    copy->key = key;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = fuzz_copy(data, size);
    struct tg_record_reader *ps = tg_record_reader_new();
    if (buf == NULL || ps == NULL)
        goto out;

    char err[512] = "";
    char strict_key[TG_RECORD_USERNAME_MAX + 1], fast_key[TG_RECORD_USERNAME_MAX + 1];
    struct tg_record_view parsed, strict, fast;
    int strict_rc = tg_record_read_strict(ps, buf, size, &parsed, err, sizeof err);
    if (strict_rc == 0)
        keep(&parsed, &strict, strict_key, sizeof strict_key);
    else
        FUZZ_CHECK(strict_rc == -1 && fuzz_has_message(err, sizeof err));
    FUZZ_CHECK(strict_rc == -1 || size == 0 || memchr(data, '\0', size) == NULL);

    int fast_rc = tg_record_read_fast(ps, buf, size, &parsed);
    FUZZ_CHECK(fast_rc == 0 || fast_rc == 1);
    if (fast_rc == 1) {
        keep(&parsed, &fast, fast_key, sizeof fast_key);
        FUZZ_CHECK(strict_rc == 0);
        FUZZ_CHECK(same_parsed(&fast, &strict));
    }

    int rc = tg_record_read(ps, buf, size, &parsed, err, sizeof err);
    FUZZ_CHECK(rc == strict_rc);
    if (rc == 0)
        FUZZ_CHECK(same_parsed(&parsed, &strict));
out:
    tg_record_reader_free(ps);
    free(buf);
    return 0;
}
