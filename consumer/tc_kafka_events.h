/* tc_kafka_events.h - librdkafka's callbacks for tgcount's Kafka input:
 * errors, log lines, commit results and group rebalances.
 */
#ifndef TC_KAFKA_EVENTS_H
#define TC_KAFKA_EVENTS_H

#include <librdkafka/rdkafka.h>

struct tc_kafka;

/* Makes k the opaque of conf and sets the callbacks on it (the rebalance
 * one only when the group assigns the partitions, not with -p). */
void tc_kafka_events_install(struct tc_kafka *k, rd_kafka_conf_t *conf);

#endif
