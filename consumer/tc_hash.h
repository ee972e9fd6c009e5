/* tc_hash.h - the hash functions of the engine's tables: usernames for the
 * user table, (channel_id, message_id) pairs for the dedup set.
 *
 * Header-only: both run once per record.  Neither is seeded; the input is
 * trusted not to be crafted against the tables (a flood of colliding
 * names costs time, never correctness).
 */
#ifndef TC_HASH_H
#define TC_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The murmur3 finaliser: every input bit reaches every output bit. */
static inline uint64_t tc_hash_mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

/* A username's hash, eight bytes at a time. */
static inline uint32_t tc_hash_bytes(const char *s, size_t len)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ len;
    while (len >= 8) {
        uint64_t v;
        memcpy(&v, s, 8);
        h = (h ^ v) * 0x100000001b3ULL;
        h ^= h >> 29;
        s += 8;
        len -= 8;
    }
    uint64_t v = 0;
    memcpy(&v, s, len);
    h = tc_hash_mix64(h ^ v);
    return (uint32_t)h;
}

/* A message's identity's hash.  The dedup set takes its segment from the
 * top bits and the slot from the low ones, so all 64 bits must be mixed. */
static inline uint64_t tc_hash_ids(int64_t channel_id, int64_t message_id)
{
    return tc_hash_mix64((uint64_t)channel_id * 0x9e3779b97f4a7c15ULL ^
                         (uint64_t)message_id);
}

#endif
