#include "tg_number.h"

#include <errno.h>
#include <stdlib.h>

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

int tg_parse_int64(const char *text, int64_t min, int64_t max, int64_t *out)
{
    const char *digits = text[0] == '-' || text[0] == '+' ? text + 1 : text;
    if (!is_digit(digits[0]))
        return -1;
    char *end;
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (errno != 0 || *end != '\0' || value < min || value > max)
        return -1;
    *out = value;
    return 0;
}

int tg_parse_uint64(const char *text, uint64_t *out)
{
    if (!is_digit(text[0]))
        return -1;
    char *end;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = value;
    return 0;
}
