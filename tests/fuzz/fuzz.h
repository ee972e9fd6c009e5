/* fuzz.h - what every libFuzzer target here shares: the entry point's
 * prototype, exact-size copies of the input (so AddressSanitizer sees any
 * read past the end) and property checks that stop the run.
 */
#ifndef TG_FUZZ_H
#define TG_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A violated property is a finding like a crash: say which one, then trap
 * so libFuzzer saves the input as a crash artifact. */
#define FUZZ_CHECK(cond)                                                         \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                      \
            __builtin_trap();                                                    \
        }                                                                        \
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

#endif
