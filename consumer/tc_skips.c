/* tc_skips.c - see tc_skips.h. */
#include "tc_skips.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

void tc_skips_tell(const struct tg_log *log, uint64_t nth, const char *where,
                   const char *why)
{
    if (tc_skips_told(nth)) {
        tg_log_warn(log, "%s: %s", where, why);
    }
}

void tc_skips_total(const struct tg_log *log, uint64_t n, const char *kind,
                    const char *detail_fmt, ...)
{
    if (n == 0) {
        return;
    }
    char detail[TG_LOG_LINE_MAX];
    va_list ap;
    va_start(ap, detail_fmt);
    vsnprintf(detail, sizeof detail, detail_fmt, ap);
    va_end(ap);
    tg_log_warn(log, "%" PRIu64 " %s record%s skipped%s", n, kind, n == 1 ? "" : "s",
                detail);
}
