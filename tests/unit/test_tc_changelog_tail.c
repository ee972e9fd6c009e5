/* Reading a changelog partition's tail (tc_changelog_reader_restore reads
 * its last offsets, then further back): on logs written as tgcount writes
 * them (generations growing in offset order, each snapshot's chunks
 * consecutive, torn and aborted ones among them), every suffix of the log
 * either yields no complete snapshot or the one the whole log yields, with
 * the same highest generation; and a suffix that cuts a snapshot says how
 * many chunks its generation has (tc_changelog_decoder_pending_chunks), so
 * that the next read reaches its first chunk. */
#include <stdlib.h>
#include <string.h>

#include "tc_changelog.h"
#include "tg_test.h"

#define PART 2
#define MAXMSG 4096

struct log {
    char key[MAXMSG][TC_CHANGELOG_KEY_MAX];
    size_t key_len[MAXMSG];
    unsigned char *value[MAXMSG];
    size_t value_len[MAXMSG];
    size_t n;
};

static void log_clear(struct log *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->value[i]);
    }
    l->n = 0;
}

/* Appends generation gen (len state bytes, chunks of at most max bytes),
 * only its first `only` chunks when only > 0.  Returns its chunk count. */
static size_t write_gen(struct log *l, uint64_t gen, size_t len, size_t max, size_t only)
{
    unsigned char *st = malloc(len + 1);
    for (size_t i = 0; i < len; i++) {
        st[i] = (unsigned char)(gen * 31 + i);
    }
    struct tc_changelog_meta meta = {"in", PART, (int64_t)gen * 10, gen};
    struct tc_changelog_chunks c = {0};
    char err[128];
    CHECK_INT(tc_changelog_encode(&meta, st, len, max, &c, err, sizeof err), 0);
    size_t n = only > 0 && only < c.n ? only : c.n;
    for (size_t i = 0; i < n; i++) {
        CHECK(l->n < MAXMSG);
        memcpy(l->key[l->n], c.msgs[i].key, c.msgs[i].key_len);
        l->key_len[l->n] = c.msgs[i].key_len;
        l->value[l->n] = malloc(c.msgs[i].value_len);
        memcpy(l->value[l->n], c.msgs[i].value, c.msgs[i].value_len);
        l->value_len[l->n] = c.msgs[i].value_len;
        l->n++;
    }
    size_t count = c.n;
    tc_changelog_chunks_clear(&c);
    free(st);
    return count;
}

/* Decodes l from message `from` on: the generation kept (0: none), the
 * highest seen, and the pending chunk count before the take. */
static uint64_t decode_from(const struct log *l, size_t from, uint64_t *max_gen,
                            uint32_t *pending)
{
    struct tc_changelog_decoder *d = tc_changelog_decoder_new(PART);
    char err[256];
    for (size_t i = from; i < l->n; i++) {
        CHECK(tc_changelog_decoder_feed(d, l->key[i], l->key_len[i], l->value[i],
                                        l->value_len[i], err, sizeof err) >= 0);
    }
    *pending = tc_changelog_decoder_pending_chunks(d);
    struct tc_changelog_snapshot *s = tc_changelog_decoder_take(d);
    *max_gen = tc_changelog_decoder_stats(d)->max_generation;
    CHECK_INT(tc_changelog_decoder_pending_chunks(d), 0);
    tc_changelog_decoder_free(d);
    uint64_t gen = s != NULL ? s->generation : 0;
    tc_changelog_snapshot_free(s);
    return gen;
}

/* Every suffix of l: nothing, or the whole log's snapshot and highest
 * generation; the suffixes holding all of the newest complete snapshot
 * (from `newest_start` on) find it. */
static void check_suffixes(const struct log *l, size_t newest_start)
{
    uint64_t whole_max;
    uint32_t pending;
    uint64_t whole = decode_from(l, 0, &whole_max, &pending);
    for (size_t from = 0; from <= l->n; from++) {
        uint64_t max_gen;
        uint64_t got = decode_from(l, from, &max_gen, &pending);
        if (got != 0) {
            CHECK_INT(got, whole);
            CHECK_INT(max_gen, whole_max);
        }
        if (from <= newest_start) {
            CHECK_INT(got, whole);
        }
    }
}

/* 40 small one-chunk snapshots, then one of 14 chunks: the whole log keeps
 * the last; a suffix that holds its last chunks only says 14. */
static void test_many_then_large(void)
{
    static struct log l;
    for (uint64_t g = 1; g <= 40; g++) {
        write_gen(&l, g, 100, 0, 0);
    }
    size_t start = l.n;
    size_t n = write_gen(&l, 41, 1000, 128, 0);
    CHECK_INT(n, 14); /* (4 + 2 + 1000) / (128 - 52), rounded up */
    check_suffixes(&l, start);
    uint64_t max_gen;
    uint32_t pending;
    CHECK_INT(decode_from(&l, l.n - 2, &max_gen, &pending), 0);
    CHECK_INT(pending, 14);
    CHECK_INT(max_gen, 41);
    /* The next read, 2 + 14 back, holds it; 13 back does not. */
    CHECK_INT(decode_from(&l, l.n - 16, &max_gen, &pending), 41);
    CHECK_INT(decode_from(&l, l.n - 13, &max_gen, &pending), 0);
    log_clear(&l);
}

/* Large and small snapshots, a torn one after the newest complete one and
 * one between: the torn generation is the highest seen from every suffix
 * that finds the snapshot. */
static void test_torn_newest(void)
{
    static struct log l;
    write_gen(&l, 1, 3000, 200, 0);
    write_gen(&l, 2, 3000, 200, 5);
    write_gen(&l, 3, 50, 0, 0);
    write_gen(&l, 4, 2000, 300, 0);
    write_gen(&l, 5, 100, 0, 0);
    size_t start = l.n;
    write_gen(&l, 6, 900, 100, 0);
    write_gen(&l, 7, 4000, 200, 3);
    check_suffixes(&l, start);
    uint64_t max_gen;
    uint32_t pending;
    CHECK_INT(decode_from(&l, 0, &max_gen, &pending), 6);
    CHECK_INT(max_gen, 7);
    log_clear(&l);
}

/* No complete snapshot at all: every suffix finds none. */
static void test_only_torn(void)
{
    static struct log l;
    write_gen(&l, 1, 3000, 200, 4);
    write_gen(&l, 2, 3000, 200, 2);
    check_suffixes(&l, 0);
    log_clear(&l);
}

int main(void)
{
    RUN(test_many_then_large);
    RUN(test_torn_newest);
    RUN(test_only_torn);
    return tg_test_finish();
}
