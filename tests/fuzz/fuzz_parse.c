/* fuzz_parse - tgcount's record parser (tc_parser_parse) on arbitrary
 * bytes, checked against the shared record decoder.
 *
 * Properties: parsing never crashes, leaks or reads past len, and a
 * failure says why; a parsed key is non-empty, NUL-terminated at key_len,
 * valid UTF-8, at most TC_USERNAME_MAX bytes and flagged when cut; and
 * every line tg_record_decode accepts (everything the producer writes) is
 * parsed with the same event time, ids and counting key, unless tgcount
 * refuses it on purpose (an event time outside 1970..2099, a negative
 * message or user id: see tc_parse.h).
 *
 * fuzz-max-len: 4096
 */
#include "fuzz.h"

#include "tc_options.h"
#include "tc_parse.h"
#include "tg_utf8.h"

static void check_parsed(const struct tc_parsed *p)
{
    FUZZ_CHECK(p->key != NULL && p->key_len > 0);
    FUZZ_CHECK(p->key_len <= TC_USERNAME_MAX && strlen(p->key) == p->key_len);
    FUZZ_CHECK(tg_utf8_valid(p->key, p->key_len));
    FUZZ_CHECK(p->has_ids || (p->channel_id == 0 && p->message_id == 0));
}

/* What tgcount must make of a record the shared decoder accepts. */
static void check_against_record(const struct tc_parsed *p, const struct tg_record *rec)
{
    char buf[32];
    const char *key = tg_record_counting_key(rec, buf, sizeof buf);
    size_t len = strlen(key);
    size_t cut = tg_utf8_truncate(key, len, TC_USERNAME_MAX);

    FUZZ_CHECK(p->event_time_ms == rec->event_time_ms);
    FUZZ_CHECK(p->has_ids && p->channel_id == rec->channel_id &&
               p->message_id == rec->message_id);
    FUZZ_CHECK(p->key_len == cut && memcmp(p->key, key, cut) == 0);
    FUZZ_CHECK(p->key_truncated == (cut < len));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = fuzz_copy(data, size);
    struct tc_parser *ps = tc_parser_new();
    if (buf == NULL || ps == NULL)
        goto out;

    struct tc_parsed parsed;
    char err[512] = "";
    int rc = tc_parser_parse(ps, buf, size, &parsed, err, sizeof err);
    if (rc == 0)
        check_parsed(&parsed);
    else
        FUZZ_CHECK(fuzz_has_message(err, sizeof err));

    struct tg_record rec;
    tg_record_init(&rec);
    if (tg_record_decode(buf, size, &rec, err, sizeof err) == 0) {
        bool refused = rec.event_time_ms < TC_EVENT_TIME_MIN_MS ||
                       rec.event_time_ms >= TC_EVENT_TIME_END_MS || rec.message_id < 0 ||
                       (rec.has_user_id && rec.user_id < 0);
        FUZZ_CHECK(rc == (refused ? -1 : 0));
        if (!refused)
            check_against_record(&parsed, &rec);
    }
    tg_record_clear(&rec);
out:
    tc_parser_free(ps);
    free(buf);
    return 0;
}
