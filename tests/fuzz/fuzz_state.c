/* fuzz_state - tgproducer's offset file: tp_state_load on arbitrary file
 * contents, and the save/load round trip.
 *
 * Each input is written as the state file in a fresh temporary directory
 * (the run lock lives there too).  Properties: a file of at most
 * STATE_FILE_MAX bytes is accepted exactly when it holds one non-negative
 * integer that fits int64, followed by nothing but newlines, carriage
 * returns and spaces, and then yields that integer (a larger file may be
 * refused whatever it holds); a rejection names the file; what
 * tp_state_save writes loads back as the same offset (checked for
 * accepted files only: every save pays an fsync).
 *
 * fuzz-max-len: 128
 */
#include "fuzz.h"

#include <stdio.h>
#include <unistd.h>

#include "tp_state.h"

/* tp_state.c reads at most this much: an offset file is one number. */
#define STATE_FILE_MAX 64

/* The reference reading: returns whether the bytes hold an offset. */
static bool reference_offset(const uint8_t *data, size_t size, int64_t *value)
{
    size_t i = 0;
    *value = 0;
    while (i < size && data[i] >= '0' && data[i] <= '9') {
        int digit = data[i++] - '0';
        if (*value > (INT64_MAX - digit) / 10)
            return false;
        *value = *value * 10 + digit;
    }
    if (i == 0)
        return false;
    while (i < size && (data[i] == '\n' || data[i] == '\r' || data[i] == ' '))
        i++;
    return i == size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char dir[] = "/tmp/tgstream-fuzz-state.XXXXXX";
    if (mkdtemp(dir) == NULL)
        return 0;
    char path[sizeof dir + 16], lock[sizeof dir + 32];
    snprintf(path, sizeof path, "%s/bot.offset", dir);
    snprintf(lock, sizeof lock, "%s.lock", path);

    char err[512] = "";
    struct tp_state *st = tp_state_open(path, err, sizeof err);
    FILE *fp = st != NULL ? fopen(path, "wb") : NULL;
    if (fp == NULL)
        goto out;
    bool written = fwrite(data, 1, size, fp) == size;
    if (fclose(fp) != 0 || !written)
        goto out;

    int64_t want, got = -1;
    bool valid = reference_offset(data, size, &want);
    int rc = tp_state_load(st, &got, err, sizeof err);
    FUZZ_CHECK(rc == 0 ? valid : !valid || size > STATE_FILE_MAX);
    if (rc == 0) {
        FUZZ_CHECK(got == want);
        FUZZ_CHECK(tp_state_save(st, want, err, sizeof err) == 0);
        FUZZ_CHECK(tp_state_load(st, &got, err, sizeof err) == 0 && got == want);
    } else {
        FUZZ_CHECK(fuzz_has_message(err, sizeof err));
        FUZZ_CHECK(strstr(err, path) != NULL);
    }
out:
    tp_state_free(st);
    unlink(path);
    unlink(lock);
    rmdir(dir);
    return 0;
}
