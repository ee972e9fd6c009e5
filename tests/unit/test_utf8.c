/* Unit tests for common/tg_utf8.c. */
#include "tg_test.h"
#include "tg_utf8.h"

#include <stdlib.h>

/* String literal with its length, embedded NULs included. */
#define LIT(s) (s), (sizeof(s) - 1)

static void test_valid_ascii_and_empty(void)
{
    CHECK(tg_utf8_valid("", 0));
    CHECK(tg_utf8_valid(NULL, 0));
    CHECK(tg_utf8_valid(LIT("hello")));
    CHECK(tg_utf8_valid(LIT("exactly8")));
    CHECK(tg_utf8_valid(LIT("a longer ASCII line of more than sixteen bytes")));
    CHECK(tg_utf8_valid(LIT("nul\0inside"))); /* NUL is an ordinary byte */
    CHECK(tg_utf8_valid(LIT("\x7f")));
}

static void test_valid_multibyte(void)
{
    CHECK(tg_utf8_valid(
        LIT("\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"))); /* Привет */
    CHECK(tg_utf8_valid(LIT("\xc2\x80")));         /* U+0080, smallest 2-byte */
    CHECK(tg_utf8_valid(LIT("\xdf\xbf")));         /* U+07FF */
    CHECK(tg_utf8_valid(LIT("\xe0\xa0\x80")));     /* U+0800, smallest 3-byte */
    CHECK(tg_utf8_valid(LIT("\xed\x9f\xbf")));     /* U+D7FF, just below surrogates */
    CHECK(tg_utf8_valid(LIT("\xee\x80\x80")));     /* U+E000, just above */
    CHECK(tg_utf8_valid(LIT("\xef\xbf\xbf")));     /* U+FFFF */
    CHECK(tg_utf8_valid(LIT("\xf0\x90\x80\x80"))); /* U+10000 */
    CHECK(tg_utf8_valid(LIT("\xf0\x9f\x98\x80"))); /* U+1F600 grinning face */
    CHECK(tg_utf8_valid(LIT("\xf4\x8f\xbf\xbf"))); /* U+10FFFF, the last */
    /* multibyte sequences straddling the 8-byte fast path */
    CHECK(tg_utf8_valid(LIT("1234567\xd0\x96-bcdefgh\xf0\x9f\x98\x80xyz")));
}

static void test_invalid(void)
{
    CHECK(!tg_utf8_valid(LIT("\x80"))); /* stray continuation */
    CHECK(!tg_utf8_valid(LIT("abc\xbf")));
    CHECK(!tg_utf8_valid(LIT("\xc0\x80")));         /* overlong NUL */
    CHECK(!tg_utf8_valid(LIT("\xc1\xbf")));         /* overlong 2-byte */
    CHECK(!tg_utf8_valid(LIT("\xe0\x80\x80")));     /* overlong 3-byte */
    CHECK(!tg_utf8_valid(LIT("\xe0\x9f\xbf")));     /* overlong U+07FF */
    CHECK(!tg_utf8_valid(LIT("\xf0\x80\x80\x80"))); /* overlong 4-byte */
    CHECK(!tg_utf8_valid(LIT("\xf0\x8f\xbf\xbf"))); /* overlong U+FFFF */
    CHECK(!tg_utf8_valid(LIT("\xed\xa0\x80")));     /* U+D800 surrogate */
    CHECK(!tg_utf8_valid(LIT("\xed\xbf\xbf")));     /* U+DFFF surrogate */
    CHECK(!tg_utf8_valid(LIT("\xf4\x90\x80\x80"))); /* U+110000 */
    CHECK(!tg_utf8_valid(LIT("\xf5\x80\x80\x80")));
    CHECK(!tg_utf8_valid(LIT("\xff")));
    CHECK(!tg_utf8_valid(LIT("\xfe")));
    CHECK(!tg_utf8_valid(LIT("\xd0")));         /* truncated 2-byte */
    CHECK(!tg_utf8_valid(LIT("\xe2\x82")));     /* truncated 3-byte */
    CHECK(!tg_utf8_valid(LIT("\xf0\x9f\x98"))); /* truncated 4-byte */
    CHECK(!tg_utf8_valid(LIT("\xd0!")));        /* lead then ASCII */
    CHECK(!tg_utf8_valid(LIT("\xe2\x82!")));
    CHECK(!tg_utf8_valid(LIT("\xf0\x9f\x98!")));
    CHECK(!tg_utf8_valid(LIT("12345678abcdefg\x80"))); /* after a fast-path run */
    /* only the given length counts: the 2nd byte of the sequence is cut off */
    CHECK(!tg_utf8_valid("\xd0\x96", 1));
}

/* Exactly `len` bytes are read: a sequence cut by the length at the end of
 * a malloc'd buffer must be rejected without reading past it (ASan). */
static void test_exact_length_buffer(void)
{
    static const char text[] = "abcdefghij\xf0\x9f\x98\x80";
    for (size_t len = 0; len <= sizeof text - 1; len++) {
        char *buf = malloc(len ? len : 1);
        memcpy(buf, text, len);
        bool expected = len <= 10 || len == 14;
        CHECK_INT(tg_utf8_valid(buf, len), expected);
        free(buf);
    }
}

/* Every 2-byte and 3-byte pattern, checked against a plain decoder. */
static void test_exhaustive_small(void)
{
    int mismatches = 0;
    for (int a = 0x80; a <= 0xff; a++) {
        for (int b = 0; b <= 0xff; b++) {
            unsigned char s[2] = {(unsigned char)a, (unsigned char)b};
            bool ok = a >= 0xc2 && a <= 0xdf && (b & 0xc0) == 0x80;
            if (tg_utf8_valid((const char *)s, 2) != ok)
                mismatches++;
        }
    }
    for (int a = 0xe0; a <= 0xef; a++) {
        for (int b = 0x80; b <= 0xbf; b++) {
            unsigned char s[3] = {(unsigned char)a, (unsigned char)b, 0x80};
            long cp = ((long)(a & 0x0f) << 12) | ((long)(b & 0x3f) << 6);
            bool ok = cp >= 0x800 && (cp < 0xd800 || cp > 0xdfff);
            if (tg_utf8_valid((const char *)s, 3) != ok)
                mismatches++;
        }
    }
    for (int a = 0xf0; a <= 0xf7; a++) {
        for (int b = 0x80; b <= 0xbf; b++) {
            unsigned char s[4] = {(unsigned char)a, (unsigned char)b, 0x80, 0x80};
            long cp = ((long)(a & 0x07) << 18) | ((long)(b & 0x3f) << 12);
            bool ok = cp >= 0x10000 && cp <= 0x10ffff;
            if (tg_utf8_valid((const char *)s, 4) != ok)
                mismatches++;
        }
    }
    CHECK_INT(mismatches, 0);
}

static void test_codepoints(void)
{
    CHECK_INT(tg_utf8_codepoints("", 0), 0);
    CHECK_INT(tg_utf8_codepoints(LIT("hello")), 5);
    CHECK_INT(tg_utf8_codepoints(LIT("a\0b")), 3);
    CHECK_INT(tg_utf8_codepoints(LIT("\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82")),
              6);
    CHECK_INT(tg_utf8_codepoints(LIT("\xe2\x82\xac")), 1);         /* euro */
    CHECK_INT(tg_utf8_codepoints(LIT("hi \xf0\x9f\x98\x80!")), 5); /* emoji */
    /* a family emoji is 5 code points (man ZWJ woman ZWJ girl) */
    CHECK_INT(tg_utf8_codepoints(LIT("\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9"
                                     "\xe2\x80\x8d\xf0\x9f\x91\xa7")),
              5);
}

static void test_truncate(void)
{
    const char *s = "a\xd0\x96\xe2\x82\xac\xf0\x9f\x98\x80"; /* a Ж € 😀: 1+2+3+4 */
    size_t len = strlen(s);
    CHECK_INT(tg_utf8_truncate(s, len, 100), len);
    CHECK_INT(tg_utf8_truncate(s, len, len), len);
    CHECK_INT(tg_utf8_truncate(s, len, 0), 0);
    CHECK_INT(tg_utf8_truncate(s, len, 1), 1);
    CHECK_INT(tg_utf8_truncate(s, len, 2), 1);
    CHECK_INT(tg_utf8_truncate(s, len, 3), 3);
    CHECK_INT(tg_utf8_truncate(s, len, 4), 3);
    CHECK_INT(tg_utf8_truncate(s, len, 5), 3);
    CHECK_INT(tg_utf8_truncate(s, len, 6), 6);
    CHECK_INT(tg_utf8_truncate(s, len, 7), 6);
    CHECK_INT(tg_utf8_truncate(s, len, 9), 6);
    CHECK_INT(tg_utf8_truncate(s, 0, 0), 0);
    /* every cut is itself valid UTF-8 */
    for (size_t max = 0; max <= len; max++)
        CHECK(tg_utf8_valid(s, tg_utf8_truncate(s, len, max)));
}

int main(void)
{
    RUN(test_valid_ascii_and_empty);
    RUN(test_valid_multibyte);
    RUN(test_invalid);
    RUN(test_exact_length_buffer);
    RUN(test_exhaustive_small);
    RUN(test_codepoints);
    RUN(test_truncate);
    return tg_test_finish();
}
