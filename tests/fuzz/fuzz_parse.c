/* fuzz_parse - the record view tgcount counts by (tg_record_read) on
 * arbitrary bytes, checked against the record decoder.
 *
 * Properties: reading never crashes, leaks or reads past len, and a
 * failure says why; a key is non-empty, NUL-terminated at key_len, valid
 * UTF-8, at most TG_RECORD_USERNAME_MAX bytes and flagged when cut; and
 * every line tg_record_decode accepts (everything the producer writes and
 * tgcount takes) is read with the same event time, ids and counting key:
 * both apply the one reading contract of tg_record.h.
 *
 * fuzz-max-len: 4096
 */
#include "fuzz.h"

#include "tg_record.h"
#include "tg_utf8.h"

static void check_parsed(const struct tg_record_view *p)
{
    FUZZ_CHECK(p->key != NULL && p->key_len > 0);
    FUZZ_CHECK(p->key_len <= TG_RECORD_USERNAME_MAX && strlen(p->key) == p->key_len);
    FUZZ_CHECK(tg_utf8_valid(p->key, p->key_len));
    FUZZ_CHECK(p->has_ids || (p->channel_id == 0 && p->message_id == 0));
}

/* What tgcount must make of a record the decoder accepts. */
static void check_against_record(const struct tg_record_view *p,
                                 const struct tg_record *rec)
{
    const char *name = rec->username != NULL ? rec->username : "";
    size_t len = strlen(name);
    size_t cut = tg_utf8_truncate(name, len, TG_RECORD_USERNAME_MAX);
    struct tg_record_key key;
    tg_record_counting_key(rec, &key);

    FUZZ_CHECK(p->event_time_ms == rec->event_time_ms);
    FUZZ_CHECK(p->has_ids == (rec->has_channel_id && rec->has_message_id));
    FUZZ_CHECK(!p->has_ids ||
               (p->channel_id == rec->channel_id && p->message_id == rec->message_id));
    FUZZ_CHECK(p->key_len == key.len && memcmp(p->key, key.text, key.len + 1) == 0);
    FUZZ_CHECK(p->key_truncated == key.truncated);
    /* The rule itself, spelt out once more. */
    if (len > 0)
        FUZZ_CHECK(key.len == cut && memcmp(key.text, name, cut) == 0 &&
                   key.truncated == (cut < len));
    else if (!rec->has_user_id)
        FUZZ_CHECK(strcmp(key.text, "anonymous") == 0);
    else
        FUZZ_CHECK(strncmp(key.text, "user_", 5) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = fuzz_copy(data, size);
    struct tg_record_reader *ps = tg_record_reader_new();
    if (buf == NULL || ps == NULL)
        goto out;

    struct tg_record_view parsed;
    char err[512] = "";
    int rc = tg_record_read(ps, buf, size, &parsed, err, sizeof err);
    if (rc == 0)
        check_parsed(&parsed);
    else
        FUZZ_CHECK(fuzz_has_message(err, sizeof err));

    struct tg_record rec;
    tg_record_init(&rec);
    if (tg_record_decode(buf, size, &rec, err, sizeof err) == 0) {
        FUZZ_CHECK(rc == 0);
        check_against_record(&parsed, &rec);
    }
    tg_record_clear(&rec);
out:
    tg_record_reader_free(ps);
    free(buf);
    return 0;
}
