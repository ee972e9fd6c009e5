/* Unit tests for producer/tp_fake.c: determinism, the record schema (every
 * line decodes, with jansson checking its UTF-8, and re-encodes to the same
 * bytes with tg_record_encode, which checks the UTF-8 of every string),
 * unique (channel_id, message_id), Zipf skew, event times, variety. */
#include "tg_record.h"
#include "tg_test.h"
#include "tg_utf8.h"
#include "tp_fake.h"

#include <stdbool.h>
#include <stdlib.h>

/* 2026-01-01T00:00:00Z: 20454 days since 1970 * 86400 s, by hand. */
#define T_2026 INT64_C(1767225600000)

static char err[256];

static struct tp_fake *make_zipf(uint64_t seed, int64_t users, double zipf, double rate)
{
    struct tp_fake_config cfg = {
        .seed = seed, .users = users, .zipf = zipf, .rate = rate, .start_ms = T_2026};
    struct tp_fake *f = tp_fake_new(&cfg, err, sizeof err);
    if (f == NULL)
        fprintf(stderr, "  tp_fake_new: %s\n", err);
    return f;
}

static struct tp_fake *make(uint64_t seed, int64_t users, double rate)
{
    return make_zipf(seed, users, 1, rate);
}

/* A hash of n records' lines, keys and times (FNV-1a). */
static uint64_t digest(uint64_t seed, int64_t users, double rate, int n)
{
    uint64_t h = 1469598103934665603u;
    struct tp_fake *f = make(seed, users, rate);
    struct tp_fake_record r;
    for (int i = 0; i < n && f != NULL; i++) {
        if (tp_fake_next(f, &r, err, sizeof err) != 0)
            return 0;
        for (size_t j = 0; j < r.line_len; j++)
            h = (h ^ (unsigned char)r.line[j]) * 1099511628211u;
        for (size_t j = 0; j < r.key_len; j++)
            h = (h ^ (unsigned char)r.key[j]) * 1099511628211u;
        h = (h ^ (uint64_t)r.event_time_ms) * 1099511628211u;
    }
    tp_fake_free(f);
    return h;
}

static void test_same_seed_same_records(void)
{
    CHECK(digest(7, 50, 5, 20000) == digest(7, 50, 5, 20000));
    CHECK(digest(7, 50, 5, 20000) != 0);
}

static void test_other_seed_or_options_other_records(void)
{
    uint64_t base = digest(7, 50, 5, 2000);
    CHECK(digest(8, 50, 5, 2000) != base);
    CHECK(digest(7, 51, 5, 2000) != base);
    CHECK(digest(7, 50, 6, 2000) != base);
}

static void test_lines_decode_and_reencode_identically(void)
{
    struct tp_fake *f = make(3, 200, 5);
    struct tp_fake_record r;
    struct tg_record rec;
    int bad = 0;
    tg_record_init(&rec);
    for (int i = 0; i < 50000 && f != NULL && bad < 5; i++) {
        CHECK_INT(tp_fake_next(f, &r, err, sizeof err), 0);
        CHECK_INT(strlen(r.line), r.line_len);
        if (tg_record_decode(r.line, r.line_len, &rec, err, sizeof err) != 0) {
            fprintf(stderr, "  decode: %s: %s\n", err, r.line);
            bad++;
            continue;
        }
        char *again = NULL;
        size_t again_len = 0;
        CHECK_INT(tg_record_encode(&rec, &again, &again_len, err, sizeof err), 0);
        if (again == NULL || again_len != r.line_len ||
            memcmp(again, r.line, again_len)) {
            fprintf(stderr, "  ours:      %s\n  tg_record: %s\n", r.line,
                    again ? again : "(null)");
            bad++;
        }
        free(again);
        CHECK_INT(rec.event_time_ms, r.event_time_ms);
        CHECK_INT(rec.text_length, tg_utf8_codepoints(rec.text, strlen(rec.text)));
        struct tg_record_key key;
        tg_record_counting_key(&rec, &key);
        if (key.len != r.key_len || memcmp(key.text, r.key, r.key_len) != 0) {
            fprintf(stderr, "  key %s, counting key %s\n", r.key, key.text);
            bad++;
        }
    }
    CHECK_INT(bad, 0);
    tg_record_clear(&rec);
    tp_fake_free(f);
}

struct pair {
    int64_t channel_id, message_id;
};

static int compare_pairs(const void *a, const void *b)
{
    const struct pair *x = a, *y = b;
    if (x->channel_id != y->channel_id)
        return x->channel_id < y->channel_id ? -1 : 1;
    return (x->message_id > y->message_id) - (x->message_id < y->message_id);
}

static void test_channel_and_message_ids_unique(void)
{
    enum { N = 100000 };
    struct pair *pairs = malloc(N * sizeof *pairs);
    struct tp_fake *f = make(11, 1000, 50);
    struct tp_fake_record r;
    struct tg_record rec;
    tg_record_init(&rec);
    for (int i = 0; i < N && f != NULL; i++) {
        tp_fake_next(f, &r, err, sizeof err);
        CHECK_INT(tg_record_decode(r.line, r.line_len, &rec, err, sizeof err), 0);
        pairs[i].channel_id = rec.channel_id;
        pairs[i].message_id = rec.message_id;
    }
    qsort(pairs, N, sizeof *pairs, compare_pairs);
    int duplicates = 0, chats = 1;
    for (int i = 1; i < N; i++) {
        if (compare_pairs(&pairs[i - 1], &pairs[i]) == 0)
            duplicates++;
        if (pairs[i - 1].channel_id != pairs[i].channel_id)
            chats++;
    }
    CHECK_INT(duplicates, 0);
    CHECK(chats >= 5); /* several groups and channels */
    /* Bot API supergroup/channel ids: -100 followed by the channel's id. */
    CHECK(pairs[N - 1].channel_id < -INT64_C(1000000000000));
    tg_record_clear(&rec);
    tp_fake_free(f);
    free(pairs);
}

struct key_count {
    char key[64];
    int count;
};

static int by_count_desc(const void *a, const void *b)
{
    const struct key_count *x = a, *y = b;
    return y->count - x->count;
}

/* Senders' record counts, most active first; returns how many there are. */
static int sender_counts(double zipf, struct key_count *counts, int max)
{
    enum { N = 100000 };
    int distinct = 0;
    struct tp_fake *f = make_zipf(5, 50, zipf, 5);
    struct tp_fake_record r;
    struct tg_record rec;
    tg_record_init(&rec);
    for (int i = 0; i < N && f != NULL; i++) {
        tp_fake_next(f, &r, err, sizeof err);
        tg_record_decode(r.line, r.line_len, &rec, err, sizeof err);
        if (!rec.has_user_id)
            continue; /* channel posts are signed, not users */
        int k = 0;
        while (k < distinct && strcmp(counts[k].key, r.key) != 0)
            k++;
        if (k == distinct) {
            if (distinct == max)
                break;
            snprintf(counts[distinct].key, sizeof counts[0].key, "%s", r.key);
            counts[distinct++].count = 0;
        }
        counts[k].count++;
    }
    qsort(counts, (size_t)distinct, sizeof counts[0], by_count_desc);
    tg_record_clear(&rec);
    tp_fake_free(f);
    return distinct;
}

/* With weights 1/rank (the default), the top sender should be about n/2
 * times as frequent as the median one of n; uniform activity would give 1. */
static void test_activity_is_zipf_skewed(void)
{
    struct key_count counts[66];
    int distinct = sender_counts(1, counts, 66);
    CHECK(distinct <= 50);
    CHECK(distinct >= 45);
    int top = counts[0].count, median = counts[distinct / 2].count;
    /* Expected ratio is (rank of the median) = distinct/2; ask for a fifth. */
    CHECK(median > 0);
    CHECK(top > median * (distinct / 2) / 5);
    CHECK(counts[distinct - 1].count < top / 10);
}

/* --zipf 0: every sender equally likely, ~1900 records each of 95000:
 * the spread stays within a few standard deviations (~44). */
static void test_zipf_zero_is_uniform(void)
{
    struct key_count counts[66];
    int distinct = sender_counts(0, counts, 66);
    CHECK_INT(distinct, 50);
    CHECK(counts[0].count < counts[distinct - 1].count * 13 / 10);
}

/* --zipf 0.5 lies between: top/median ratio about sqrt(25) = 5. */
static void test_zipf_half_is_milder(void)
{
    struct key_count counts[66];
    int distinct = sender_counts(0.5, counts, 66);
    CHECK_INT(distinct, 50);
    int ratio10 = counts[0].count * 10 / counts[distinct / 2].count;
    CHECK(ratio10 > 25 && ratio10 < 100);
}

static void test_event_times_start_and_rate(void)
{
    enum { N = 20000 };
    const double rate = 40.0; /* mean gap 25 ms */
    struct tp_fake *f = make(9, 50, rate);
    struct tp_fake_record r;
    int64_t first = 0, prev = 0, last = 0;
    int decreasing = 0;
    for (int i = 0; i < N && f != NULL; i++) {
        tp_fake_next(f, &r, err, sizeof err);
        if (i == 0)
            first = r.event_time_ms;
        else if (r.event_time_ms < prev)
            decreasing++;
        prev = last = r.event_time_ms;
    }
    CHECK_INT(first, T_2026);
    CHECK_INT(decreasing, 0);
    /* N-1 exponential gaps of mean 1000/rate ms: the sum has a relative
     * standard deviation of 1/sqrt(N) = 0.7%, so 5% is far outside it. */
    double expected = (N - 1) * 1000.0 / rate;
    double actual = (double)(last - first);
    CHECK(actual > expected * 0.95 && actual < expected * 1.05);
    tp_fake_free(f);
}

static bool has_byte_at_least(const char *s, unsigned char lo, unsigned char hi)
{
    for (; s != NULL && *s != '\0'; s++) {
        if ((unsigned char)*s >= lo && (unsigned char)*s <= hi)
            return true;
    }
    return false;
}

static void test_variety(void)
{
    int no_username = 0, anonymous = 0, cyrillic_name = 0, emoji_name = 0, empty_text = 0,
        escaped_text = 0, long_text = 0, with_ms = 0;
    struct tp_fake *f = make(13, 500, 5);
    struct tp_fake_record r;
    struct tg_record rec;
    tg_record_init(&rec);
    for (int i = 0; i < 20000 && f != NULL; i++) {
        tp_fake_next(f, &r, err, sizeof err);
        tg_record_decode(r.line, r.line_len, &rec, err, sizeof err);
        if (rec.has_user_id && rec.username == NULL)
            no_username++;
        if (!rec.has_user_id) {
            anonymous++;
            CHECK(rec.username != NULL); /* the author signature */
            CHECK(rec.first_name == NULL);
        }
        /* Cyrillic lead bytes 0xD0-0xD1; 4-byte (emoji) lead bytes 0xF0-0xF4. */
        if (has_byte_at_least(rec.username, 0xD0, 0xD1))
            cyrillic_name++;
        if (has_byte_at_least(rec.username, 0xF0, 0xF4))
            emoji_name++;
        if (rec.text[0] == '\0')
            empty_text++;
        if (strchr(rec.text, '"') != NULL || strchr(rec.text, '\\') != NULL)
            escaped_text++;
        if (rec.text_length > 60)
            long_text++;
        if (strchr(r.line, '.') != NULL && strstr(r.line, ".") < strstr(r.line, "Z\""))
            with_ms++;
    }
    CHECK(no_username > 0);
    CHECK(anonymous > 0);
    CHECK(cyrillic_name > 0);
    CHECK(emoji_name > 0);
    CHECK(empty_text > 0);
    CHECK(escaped_text > 0);
    CHECK(long_text > 0);
    CHECK(with_ms > 0);
    tg_record_clear(&rec);
    tp_fake_free(f);
}

static void test_one_user(void)
{
    struct tp_fake *f = make(1, 1, 5);
    struct tp_fake_record r;
    char first[64] = "";
    int others = 0, users = 0;
    struct tg_record rec;
    tg_record_init(&rec);
    for (int i = 0; i < 1000 && f != NULL; i++) {
        tp_fake_next(f, &r, err, sizeof err);
        tg_record_decode(r.line, r.line_len, &rec, err, sizeof err);
        if (!rec.has_user_id)
            continue;
        users++;
        if (first[0] == '\0')
            snprintf(first, sizeof first, "%s", r.key);
        else if (strcmp(first, r.key) != 0)
            others++;
    }
    CHECK(users > 900);
    CHECK_INT(others, 0);
    tg_record_clear(&rec);
    tp_fake_free(f);
}

static void test_far_future_fails_cleanly(void)
{
    /* 9999-12-31T23:59:59Z, by hand: 2932896 days * 86400 s - 1 s. */
    struct tp_fake_config cfg = {.seed = 1,
                                 .users = 3,
                                 .zipf = 1,
                                 .rate = 1,
                                 .start_ms = INT64_C(253402300799000)};
    struct tp_fake *f = tp_fake_new(&cfg, err, sizeof err);
    struct tp_fake_record r;
    int rc = 0;
    for (int i = 0; i < 100 && rc == 0 && f != NULL; i++)
        rc = tp_fake_next(f, &r, err, sizeof err);
    CHECK_INT(rc, -1);
    CHECK(strstr(err, "9999") != NULL);
    tp_fake_free(f);
    tp_fake_free(NULL);
}

static void test_bad_config_rejected(void)
{
    struct tp_fake_config cfg = {.seed = 1, .users = 0, .rate = 1, .start_ms = 0};
    CHECK(tp_fake_new(&cfg, err, sizeof err) == NULL);
    cfg.users = 1;
    cfg.rate = 0;
    CHECK(tp_fake_new(&cfg, err, sizeof err) == NULL);
    cfg.rate = 1;
    cfg.zipf = -1;
    CHECK(tp_fake_new(&cfg, err, sizeof err) == NULL);
}

int main(void)
{
    RUN(test_same_seed_same_records);
    RUN(test_other_seed_or_options_other_records);
    RUN(test_lines_decode_and_reencode_identically);
    RUN(test_channel_and_message_ids_unique);
    RUN(test_activity_is_zipf_skewed);
    RUN(test_zipf_zero_is_uniform);
    RUN(test_zipf_half_is_milder);
    RUN(test_event_times_start_and_rate);
    RUN(test_variety);
    RUN(test_one_user);
    RUN(test_far_future_fails_cleanly);
    RUN(test_bad_config_rejected);
    return tg_test_finish();
}
