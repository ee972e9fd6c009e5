/* tgcount's Kafka input against librdkafka's mock cluster in this process,
 * for what the local broker cannot show: a missing topic.  (The mock
 * behind scripts/kafka-local creates every topic a client asks metadata
 * for; here the topic answers "unknown topic" until the test lifts it.)
 * And a group run seen from the inside: the rebalances the loop carries
 * out after the callback has recorded them, and librdkafka's debug lines
 * printed by the loop. */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "tc_kafka.h"
#include "tc_options.h"
#include "tc_pipeline.h"
#include "tg_exit.h"
#include "tg_log.h"
#include "tg_signal.h"
#include "tg_test.h"

static rd_kafka_mock_cluster_t *mock;
static const char *bootstraps;
static char log_path[] = "/tmp/test_tc_kafka.XXXXXX";

/* One tgcount run: its command line (after -b), output and log. */
struct run {
    struct tc_options opts;
    struct tc_pipeline *p;
    struct tg_log log;
    FILE *logf;
    FILE *out;
    int status;
};

static int run_start(struct run *r, const char *args, enum tg_log_level level)
{
    static char buf[512];
    static char *argv[32];
    snprintf(buf, sizeof buf, "tgcount -b %s %s", bootstraps, args);
    int argc = 0;
    for (char *tok = strtok(buf, " "); tok != NULL && argc < 31; tok = strtok(NULL, " "))
        argv[argc++] = tok;
    argv[argc] = NULL;
    char err[256];
    tc_options_init(&r->opts);
    if (tc_options_parse(&r->opts, argc, argv, err, sizeof err) != TC_OPTIONS_RUN) {
        printf("  %s\n", err);
        return -1;
    }
    r->logf = fopen(log_path, "w");
    r->out = fopen("/dev/null", "w");
    if (r->logf == NULL || r->out == NULL)
        return -1;
    setvbuf(r->logf, NULL, _IOLBF, 0);
    tg_log_init(&r->log, "tgcount", r->logf);
    r->log.level = level;
    struct tc_pipeline_config cfg;
    tc_options_pipeline_config(&r->opts, &cfg);
    r->p = tc_pipeline_new(&cfg, r->out, &r->log, err, sizeof err);
    return r->p != NULL ? 0 : -1;
}

static void run_end(struct run *r)
{
    tc_pipeline_free(r->p);
    tc_options_clear(&r->opts);
    fclose(r->logf);
    fclose(r->out);
}

/* The log so far (static buffer). */
static const char *log_text(void)
{
    static char buf[1 << 20];
    FILE *f = fopen(log_path, "r");
    size_t n = f != NULL ? fread(buf, 1, sizeof buf - 1, f) : 0;
    buf[n] = '\0';
    if (f != NULL)
        fclose(f);
    return buf;
}

/* Waits up to 20 s for the log to contain text. */
static bool await_log(const char *text)
{
    for (int i = 0; i < 400; i++) {
        if (strstr(log_text(), text) != NULL)
            return true;
        nanosleep(&(struct timespec){.tv_nsec = 50 * 1000 * 1000}, NULL);
    }
    return false;
}

static void test_missing_topic_exit(void)
{
    rd_kafka_mock_topic_set_error(mock, "gone", RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
    const char *modes[] = {"-p all", "-p 0", "-G g0", ""};
    for (size_t i = 0; i < sizeof modes / sizeof *modes; i++) {
        struct run r;
        char args[64];
        snprintf(args, sizeof args, "-t gone -e %s", modes[i]);
        CHECK(run_start(&r, args, TG_LOG_WARN) == 0);
        CHECK_INT(tc_kafka_run(&r.opts, r.p, &r.log), TG_EXIT_UNAVAILABLE);
        run_end(&r);
        if (strcmp(log_text(), "tgcount: topic gone not found\n") != 0) {
            printf("  with '%s' the log is: %s", modes[i], log_text());
            CHECK(0);
        }
    }
}

static void *consume(void *arg)
{
    struct run *r = arg;
    r->status = tc_kafka_run(&r->opts, r->p, &r->log);
    return NULL;
}

/* Follow mode: a warning, then the partitions are assigned once the topic
 * appears.  Ends with the stop flag, so it runs last. */
static void test_missing_topic_follow(void)
{
    rd_kafka_mock_topic_set_error(mock, "later", RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
    struct run r;
    CHECK(run_start(&r, "-t later -p all -o beginning", TG_LOG_INFO) == 0);
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, consume, &r) == 0);
    CHECK(await_log("tgcount: warning: topic later not found; waiting for it\n"));
    rd_kafka_mock_topic_set_error(mock, "later", RD_KAFKA_RESP_ERR_NO_ERROR);
    CHECK(await_log("tgcount: assigned later["));
    tg_signal_request_stop(SIGTERM);
    pthread_join(thread, NULL);
    CHECK_INT(r.status, TG_EXIT_OK);
    CHECK_INT(tg_test_count(log_text(), "not found"), 1);
    run_end(&r);
}

/* Writes n records to topic through a producer of its own. */
static int produce(const char *topic, int n)
{
    char err[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps, err, sizeof err);
    rd_kafka_t *p = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (p == NULL)
        return -1;
    for (int i = 0; i < n; i++) {
        char value[160], key[16];
        int key_len = snprintf(key, sizeof key, "u%d", i % 7);
        int len =
            snprintf(value, sizeof value,
                     "{\"event_time\":\"2024-05-01T12:00:%02dZ\",\"username\":\"u%d\","
                     "\"channel_id\":-1,\"message_id\":%d}",
                     i % 60, i % 7, i);
        rd_kafka_producev(p, RD_KAFKA_V_TOPIC(topic),
                          RD_KAFKA_V_VALUE(value, (size_t)len),
                          RD_KAFKA_V_KEY(key, (size_t)key_len),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        rd_kafka_poll(p, 0);
    }
    int left = rd_kafka_flush(p, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR ? 0 : -1;
    rd_kafka_destroy(p);
    return left;
}

/* In a group: the assignment is carried out by the loop once the callback
 * has recorded it, every record is read, and the revocation on the way out
 * is carried out too (or the close would never end).  librdkafka's own
 * debug lines reach the log through the loop. */
static void test_group_run(void)
{
    CHECK_INT(rd_kafka_mock_topic_create(mock, "grouped", 3, 1), 0);
    CHECK_INT(produce("grouped", 300), 0);
    struct run r;
    CHECK(run_start(&r, "-t grouped -G g1 -o beginning -e --stats -X debug=cgrp",
                    TG_LOG_DEBUG) == 0);
    CHECK_INT(tc_kafka_run(&r.opts, r.p, &r.log), TG_EXIT_OK);
    CHECK_INT(tc_pipeline_stats(r.p)->read, 300);
    run_end(&r);
    const char *text = log_text();
    const char *assigned = strstr(text, "tgcount: assigned grouped[0,1,2]\n");
    const char *revoked = strstr(text, "tgcount: revoked grouped[0,1,2]\n");
    CHECK(assigned != NULL && revoked != NULL && assigned < revoked);
    CHECK(strstr(text, "tgcount: librdkafka 7 CGRP") != NULL);
    CHECK(strstr(text, "tgcount: stats: read=300 ") != NULL);
}

/* Writes n records of about size bytes to one partition of topic. */
static int produce_to(const char *topic, int32_t partition, int n, int size)
{
    char err[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps, err, sizeof err);
    rd_kafka_conf_set(conf, "linger.ms", "5", err, sizeof err);
    rd_kafka_t *p = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (p == NULL)
        return -1;
    char *value = malloc((size_t)size + 200);
    for (int i = 0; value != NULL && i < n; i++) {
        int len =
            snprintf(value, (size_t)size + 200,
                     "{\"event_time\":\"2024-05-01T12:%02d:%02dZ\",\"username\":\"u%d\","
                     "\"text\":\"%0*d\"}",
                     i / 60 % 60, i % 60, i % 7, size, i);
        while (rd_kafka_producev(p, RD_KAFKA_V_TOPIC(topic),
                                 RD_KAFKA_V_PARTITION(partition),
                                 RD_KAFKA_V_VALUE(value, (size_t)len),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                 RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
            rd_kafka_poll(p, 10);
        rd_kafka_poll(p, 0);
    }
    free(value);
    int left = rd_kafka_flush(p, 30000) == RD_KAFKA_RESP_ERR_NO_ERROR ? 0 : -1;
    rd_kafka_destroy(p);
    return left;
}

/* A partition whose log start is past offset 0 (the mock keeps about 5 MiB
 * per partition) loses its first offsets to -o beginning: reported,
 * counted, read on from the log start, exit 65 with -e.  However the
 * partition is restarted (reassigning all, in an eager group and without
 * one; incrementally, in a cooperative group), the other partition is read
 * exactly once. */
static void test_lost_offsets(void)
{
    char err[256];
    CHECK_INT(rd_kafka_mock_topic_create(mock, "lossy", 2, 1), 0);
    CHECK_INT(produce_to("lossy", 0, 8000, 1000), 0);
    CHECK_INT(produce_to("lossy", 1, 3000, 10), 0);
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps, err, sizeof err);
    rd_kafka_t *probe = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    int64_t low = -1, high = -1;
    CHECK_INT(rd_kafka_query_watermark_offsets(probe, "lossy", 0, &low, &high, 10000), 0);
    rd_kafka_destroy(probe);
    CHECK(low > 0 && high == 8000);
    const char *modes[] = {"", "-p 1,0", "-G gl1 -X session.timeout.ms=6000",
                           "-G gl2 -X session.timeout.ms=6000 "
                           "-X partition.assignment.strategy=cooperative-sticky"};
    for (size_t i = 0; i < sizeof modes / sizeof *modes; i++) {
        struct run r;
        char args[200];
        snprintf(args, sizeof args, "-t lossy -o beginning -e --stats %s", modes[i]);
        CHECK(run_start(&r, args, TG_LOG_WARN) == 0);
        int status = tc_kafka_run(&r.opts, r.p, &r.log);
        const struct tc_stats *st = tc_pipeline_stats(r.p);
        if (status != TG_EXIT_DATAERR || st->lost != (uint64_t)low ||
            st->read != (uint64_t)(8000 - low + 3000)) {
            printf("  '%s': exit %d, lost %llu (want %lld), read %llu\n", modes[i],
                   status, (unsigned long long)st->lost, (long long)low,
                   (unsigned long long)st->read);
            CHECK(0);
        }
        run_end(&r);
        char want[160];
        snprintf(want, sizeof want,
                 "tgcount: warning: lossy[0]: offsets 0..%lld were deleted before they "
                 "were read (%lld lost)\n",
                 (long long)low - 1, (long long)low);
        CHECK(strstr(log_text(), want) != NULL);
        CHECK_INT(tg_test_count(log_text(), "deleted before they were read"), 2);
    }
}

int main(void)
{
    char err[256];
    int fd = mkstemp(log_path);
    if (fd < 0)
        return 1;
    close(fd);
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
    rd_kafka_t *host = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (host == NULL) {
        printf("cannot host the mock cluster: %s\n", err);
        return 1;
    }
    mock = rd_kafka_mock_cluster_new(host, 1);
    bootstraps = rd_kafka_mock_cluster_bootstraps(mock);
    RUN(test_missing_topic_exit);
    RUN(test_group_run);
    RUN(test_lost_offsets);
    RUN(test_missing_topic_follow);
    rd_kafka_mock_cluster_destroy(mock);
    rd_kafka_destroy(host);
    unlink(log_path);
    return tg_test_finish();
}
