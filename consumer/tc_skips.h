/* tc_skips.h - how tgcount tells about the records it skips, whatever
 * the reason (malformed, late): the first TC_SKIPS_TOLD of a kind one by
 * one, each with where it came from and why, then one total at the end.
 * A few examples to look at and a number to weigh; never a flood, never
 * silence.  Both go to the log as warnings (hidden by -q).
 */
#ifndef TC_SKIPS_H
#define TC_SKIPS_H

#include <stdbool.h>
#include <stdint.h>

#include "tg_log.h"

/* Records of one kind told one by one. */
#define TC_SKIPS_TOLD 5

/* True when the nth (counting from 1) skipped record of a kind is told one
 * by one: the caller then formats where it came from. */
static inline bool tc_skips_told(uint64_t nth)
{
    return nth >= 1 && nth <= TC_SKIPS_TOLD;
}

/* Tells the nth skipped record of a kind, "<where>: <why>" (both
 * borrowed), when tc_skips_told(nth); else does nothing. */
void tc_skips_tell(const struct tg_log *log, uint64_t nth, const char *where,
                   const char *why);

/* The total of a kind at the end, "<n> <kind> record(s) skipped", then
 * what detail_fmt formats (may be ""); nothing when n is 0. */
void tc_skips_total(const struct tg_log *log, uint64_t n, const char *kind,
                    const char *detail_fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
