/* tc_kafka_client.h - the librdkafka client of tgcount's Kafka input: its
 * configuration (the user's -X/-F and brokers, what the loop relies on,
 * throughput tuning), its creation, and its subscription to the topic
 * (or, with -p, the topic handle whose metadata lists the partitions).
 */
#ifndef TC_KAFKA_CLIENT_H
#define TC_KAFKA_CLIENT_H

struct tc_kafka;

/* Creates k->rk (and with -p k->rkt) and subscribes to the topic unless
 * -p.  Returns a tg_exit code, after reporting a failure; k->rk may be set
 * even then, for the caller to close. */
int tc_kafka_client_start(struct tc_kafka *k);

#endif
