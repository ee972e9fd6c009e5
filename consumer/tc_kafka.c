/* tc_kafka.c - see tc_kafka.h.  Not written yet: Kafka input is refused. */
#include "tc_kafka.h"

#include "tg_exit.h"
#include "tg_log.h"

int tc_kafka_run(const struct tc_options *opts, struct tc_pipeline *pipeline,
                 const struct tg_log *log)
{
    (void)opts;
    (void)pipeline;
    tg_log_error(log, "Kafka input is not available in this build yet");
    return TG_EXIT_CONFIG;
}
