/* tp_fake.h - the synthetic message generator behind `tgproducer --fake`.
 *
 * Records look like what tgproducer reads from Telegram: a few group chats
 * and channels (Bot API ids -100...), message ids increasing per chat so
 * (channel_id, message_id) never repeats, senders with Zipf-skewed activity
 * (rank r sends in proportion to 1/r^s, s = 1 by default), names and texts in Latin,
 * Cyrillic and emoji, some users without a username and some anonymous channel posts
 * signed by an author.  Event times form a Poisson process of the given rate starting
 * exactly at start_ms.
 *
 * Everything comes from one xoshiro256** stream seeded with the seed, so the
 * same configuration yields the same bytes on every machine; N records are
 * always a prefix of N+1.  Lines are written by tg_record_write and keys
 * made by tg_record_counting_key, as for every record tgproducer produces.
 */
#ifndef TP_FAKE_H
#define TP_FAKE_H

#include <stddef.h>
#include <stdint.h>

struct tp_fake_config {
    uint64_t seed;
    int64_t users;    /* >= 1 */
    double zipf;      /* activity exponent >= 0: rank r ~ 1/r^zipf */
    double rate;      /* records per second of event time, > 0 */
    int64_t start_ms; /* event time of the first record */
};

/* One generated record.  The pointers are borrowed from the generator and
 * valid until the next tp_fake_next or tp_fake_free. */
struct tp_fake_record {
    const char *line; /* the JSON record, no newline, NUL-terminated */
    size_t line_len;
    const char *key; /* the counting key (tg_record_counting_key); a channel
                        post's username is its author's signature */
    size_t key_len;
    int64_t event_time_ms;
};

struct tp_fake;

/* Returns a new generator for tp_fake_free, or NULL with a message in err
 * (out of memory, or a configuration outside the documented ranges). */
struct tp_fake *tp_fake_new(const struct tp_fake_config *cfg, char *err, size_t errlen);

/* Generates the next record into *out.  Returns 0, or -1 with a message in
 * err when the event time has run past year 9999. */
int tp_fake_next(struct tp_fake *f, struct tp_fake_record *out, char *err, size_t errlen);

/* NULL-safe. */
void tp_fake_free(struct tp_fake *f);

#endif
