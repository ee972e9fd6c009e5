/* tp_telegram.c - the getUpdates loop (see tp_telegram.h). */
#include "tp_telegram.h"

#include "tg_exit.h"

int tp_telegram_run(const struct tp_options *opts, struct tp_sink *sink,
                    const struct tg_log *log)
{
    (void)opts;
    (void)sink;
    (void)log;
    return TG_EXIT_CONFIG;
}
