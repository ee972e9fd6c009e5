#include "tg_exit.h"

const char *tg_exit_describe(int code)
{
    switch (code) {
    case TG_EXIT_OK:
        return "success";
    case TG_EXIT_USAGE:
        return "usage error";
    case TG_EXIT_DATAERR:
        return "bad input data";
    case TG_EXIT_UNAVAILABLE:
        return "service unavailable";
    case TG_EXIT_SOFTWARE:
        return "internal error";
    case TG_EXIT_TEMPFAIL:
        return "temporary failure, try again later";
    case TG_EXIT_NOPERM:
        return "permission denied";
    case TG_EXIT_CONFIG:
        return "configuration error";
    default:
        return "unknown exit code";
    }
}
