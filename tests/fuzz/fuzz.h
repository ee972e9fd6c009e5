/* fuzz.h - what every libFuzzer target here shares: the entry point's
 * prototype, exact-size copies of the input (so AddressSanitizer sees any
 * read past the end) and property checks that stop the run.
 */
#ifndef TG_FUZZ_H
#define TG_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A violated property is a finding like a crash: say which one, then trap
 * so libFuzzer saves the input as a crash artifact. */
#define FUZZ_CHECK(cond)                                                                 \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond);  \
            __builtin_trap();                                                            \
        }                                                                                \
    } while (0)

/* A malloc'd copy of exactly size bytes, not NUL-terminated (1 byte is
 * allocated for an empty input so the result is never ambiguous).  The
 * caller frees it; NULL when out of memory. */
static inline char *fuzz_copy(const uint8_t *data, size_t size)
{
    char *copy = malloc(size == 0 ? 1 : size);
    if (copy != NULL && size > 0)
        memcpy(copy, data, size);
    return copy;
}

/* A malloc'd NUL-terminated copy; a NUL inside the input ends the string
 * early, as it would for any C caller.  The caller frees it. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *copy = malloc(size + 1);
    if (copy != NULL) {
        if (size > 0)
            memcpy(copy, data, size);
        copy[size] = '\0';
    }
    return copy;
}

/* True when err holds a non-empty NUL-terminated message: every failure
 * must say why. */
static inline int fuzz_has_message(const char *err, size_t errlen)
{
    return err[0] != '\0' && memchr(err, '\0', errlen) != NULL;
}

static inline bool fuzz_same_string(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

/* True when two records hold the same values (an id only counts when its
 * has_ flag says it is there). */
static inline bool fuzz_same_record(const struct tg_record *a, const struct tg_record *b)
{
    return a->event_time_ms == b->event_time_ms &&
           a->has_channel_id == b->has_channel_id &&
           (!a->has_channel_id || a->channel_id == b->channel_id) &&
           fuzz_same_string(a->channel_name, b->channel_name) &&
           a->has_message_id == b->has_message_id &&
           (!a->has_message_id || a->message_id == b->message_id) &&
           a->has_user_id == b->has_user_id &&
           (!a->has_user_id || a->user_id == b->user_id) &&
           fuzz_same_string(a->username, b->username) &&
           fuzz_same_string(a->first_name, b->first_name) &&
           fuzz_same_string(a->last_name, b->last_name) &&
           fuzz_same_string(a->text, b->text) && a->text_length == b->text_length;
}

/* Checks what tg_record_encode made of rec (line, len bytes), a record
 * within the reading contract: one line that decodes to an equal record,
 * encodes again to the same bytes, also with tg_record_write into a buffer
 * of exactly its size (and not into one byte less), and decodes over a
 * filled record without leaking. */
static inline void fuzz_check_encoding(const struct tg_record *rec, const char *line,
                                       size_t len)
{
    char err[512] = "";

    FUZZ_CHECK(line != NULL && len == strlen(line));
    FUZZ_CHECK(memchr(line, '\n', len) == NULL);
    char *exact = fuzz_copy((const uint8_t *)line, len);
    if (exact == NULL)
        return;
    struct tg_record again;
    tg_record_init(&again);
    FUZZ_CHECK(tg_record_decode(exact, len, &again, err, sizeof err) == 0);
    FUZZ_CHECK(fuzz_same_record(rec, &again));

    char *line2 = NULL;
    size_t len2 = 0;
    FUZZ_CHECK(tg_record_encode(&again, &line2, &len2, err, sizeof err) == 0);
    FUZZ_CHECK(len2 == len && memcmp(line, line2, len) == 0);
    free(line2);

    char *tight = malloc(len + 1);
    if (tight != NULL) {
        struct tg_record_writer w;
        tg_record_writer_init(&w);
        FUZZ_CHECK(tg_record_write(&w, &again, tight, len, &len2, err, sizeof err) == -1);
        FUZZ_CHECK(tg_record_write(&w, &again, tight, len + 1, &len2, err, sizeof err) ==
                   0);
        FUZZ_CHECK(len2 == len && memcmp(line, tight, len + 1) == 0);
        free(tight);
    }

    FUZZ_CHECK(tg_record_decode(exact, len, &again, err, sizeof err) == 0);
    tg_record_clear(&again);
    free(exact);
}

#endif
