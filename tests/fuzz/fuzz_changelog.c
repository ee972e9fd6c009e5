/* fuzz_changelog - what tgcount reads back from a changelog topic: chunk
 * messages (tc_changelog_decoder_feed) and a task's state
 * (tc_engine_load_task), on arbitrary bytes.
 *
 * Input: byte 0 chooses.  Even: byte 1 is the partition (0..3), then
 * messages, each a u8 key length, the key, a u16 little-endian value
 * length (0xffff: a tombstone, no bytes) and the value, to the end.  Odd:
 * the rest is a task state for tc_engine_load_task.
 *
 * Properties besides "no crash, no leak, no read out of bounds": feed
 * says 0 or 1 (skipped with a reason); a kept snapshot is of the
 * partition, its generation at most the highest seen, and encoded again
 * (in chunks of 100 bytes) it decodes to the same snapshot; a task state
 * that loads saves, and that loads again into another engine.
 *
 * fuzz-max-len: 8192
 */
#include "fuzz.h"

#include "tc_changelog.h"
#include "tc_checkpoint.h"
#include "tc_engine.h"

static struct tc_changelog_snapshot *decode_all(const struct tc_changelog_chunks *c,
                                                int32_t partition)
{
    struct tc_changelog_decoder *d = tc_changelog_decoder_new(partition);
    FUZZ_CHECK(d != NULL);
    char err[256];
    for (size_t i = 0; i < c->n; i++) {
        FUZZ_CHECK(tc_changelog_decoder_feed(d, c->msgs[i].key, c->msgs[i].key_len,
                                             c->msgs[i].value, c->msgs[i].value_len, err,
                                             sizeof err) == 0);
    }
    struct tc_changelog_snapshot *s = tc_changelog_decoder_take(d);
    tc_changelog_decoder_free(d);
    return s;
}

static void check_snapshot(const struct tc_changelog_snapshot *s, int32_t partition,
                           uint64_t max_generation)
{
    FUZZ_CHECK(s->partition == partition && s->generation <= max_generation);
    struct tc_changelog_meta meta = {s->topic, s->partition, s->next_offset,
                                     s->generation};
    struct tc_changelog_chunks c = {0};
    char err[256];
    FUZZ_CHECK(tc_changelog_encode(&meta, s->state, s->state_len, 100, &c, err,
                                   sizeof err) == 0);
    struct tc_changelog_snapshot *again = decode_all(&c, partition);
    FUZZ_CHECK(again != NULL && strcmp(again->topic, s->topic) == 0 &&
               again->next_offset == s->next_offset &&
               again->generation == s->generation && again->state_len == s->state_len &&
               memcmp(again->state, s->state, s->state_len) == 0);
    tc_changelog_snapshot_free(again);
    tc_changelog_chunks_clear(&c);
}

static void fuzz_messages(const uint8_t *data, size_t size)
{
    if (size < 1)
        return;
    int32_t partition = data[0] % 4;
    size_t pos = 1;
    struct tc_changelog_decoder *d = tc_changelog_decoder_new(partition);
    FUZZ_CHECK(d != NULL);
    char err[256];
    while (pos < size) {
        size_t klen = data[pos++];
        if (size - pos < klen + 2)
            break;
        char *key = fuzz_copy(data + pos, klen);
        pos += klen;
        size_t vlen = data[pos] | (size_t)data[pos + 1] << 8;
        pos += 2;
        char *value = NULL;
        if (vlen != 0xffff) {
            if (size - pos < vlen)
                vlen = size - pos;
            value = fuzz_copy(data + pos, vlen);
            pos += vlen;
        }
        err[0] = '\0';
        int rc = tc_changelog_decoder_feed(d, key, klen, value, vlen, err, sizeof err);
        FUZZ_CHECK(rc == 0 || rc == 1);
        FUZZ_CHECK(rc == 0 || err[0] != '\0');
        free(key);
        free(value);
    }
    struct tc_changelog_snapshot *s = tc_changelog_decoder_take(d);
    if (s != NULL)
        check_snapshot(s, partition, tc_changelog_decoder_stats(d)->max_generation);
    tc_changelog_snapshot_free(s);
    tc_changelog_decoder_free(d);
}

static struct tc_engine *new_engine(const struct tg_window_spec *specs)
{
    struct tc_engine_config cfg = {
        .specs = specs,
        .nspecs = 2,
        .lateness_ms = 30000,
        .dedup = true,
    };
    char err[256];
    struct tc_engine *e = tc_engine_new(&cfg, err, sizeof err);
    FUZZ_CHECK(e != NULL);
    return e;
}

static void fuzz_task(const uint8_t *data, size_t size)
{
    struct tg_window_spec specs[2];
    char err[256];
    FUZZ_CHECK(tg_window_spec_parse("1m", &specs[0], err, sizeof err) == 0);
    FUZZ_CHECK(tg_window_spec_parse("10m/30s", &specs[1], err, sizeof err) == 0);
    struct tc_engine *e = new_engine(specs);
    char *copy = fuzz_copy(data, size);
    err[0] = '\0';
    if (tc_engine_load_task(e, 2, copy, size, err, sizeof err) != 0) {
        FUZZ_CHECK(err[0] != '\0' && tc_engine_tasks(e) == 0);
    } else {
        struct tc_ckbuf buf = {0};
        if (tc_engine_save_task(e, 2, &buf) == 0) {
            struct tc_engine *again = new_engine(specs);
            FUZZ_CHECK(
                tc_engine_load_task(again, 2, buf.data, buf.len, err, sizeof err) == 0);
            tc_engine_free(again);
        }
        tc_ckbuf_clear(&buf);
        /* The loaded task keeps counting. */
        tc_engine_count_in(e, 2, 600000, "k", 1, true, 1, 2);
    }
    free(copy);
    tc_engine_free(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] % 2 == 0)
        fuzz_messages(data + 1, size - 1);
    else
        fuzz_task(data + 1, size - 1);
    return 0;
}
