/* tc_kafka.h - tgcount's Kafka input: a high-level consumer, in a group
 * (-G) or on partitions it assigns itself (no group, or -p), that feeds
 * every message of the topic into the counting pipeline (parsed on the
 * batch queue's stage thread, counted on the caller's, see
 * tc_kafka_feed.h), drives the watermark from the slowest live partition
 * (tc_partitions.h), commits the offsets of what was counted (in a group),
 * and checkpoints.  tc_kafka_state.h lists the modules it is made of.
 */
#ifndef TC_KAFKA_H
#define TC_KAFKA_H

struct tc_options;
struct tc_pipeline;
struct tg_log;

/* Consumes the topic into the pipeline until end (-e), a stop signal, or a fatal error;
 * returns a tg_exit code.  opts, pipeline and log are borrowed; the pipeline is
 * finished (every open window emitted) before a normal return. */
int tc_kafka_run(const struct tc_options *opts, struct tc_pipeline *pipeline,
                 const struct tg_log *log);

#endif
