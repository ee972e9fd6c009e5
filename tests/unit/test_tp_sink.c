/* Unit tests for producer/tp_sink.c: the stdout sink's bytes, counters and
 * EPIPE handling; the Kafka sink's use of the parsed configuration and its
 * delivery failure and timeout reports, with no broker (loopback port 1). */
#include "tg_cli.h"
#include "tg_log.h"
#include "tg_test.h"
#include "tp_options.h"
#include "tp_sink.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

static char err[512];

static char *read_all(FILE *f, size_t *len)
{
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    char *buf = calloc(1, (size_t)n + 1);
    rewind(f);
    *len = fread(buf, 1, (size_t)n, f);
    return buf;
}

static void test_stdout_lines(void)
{
    FILE *f = tmpfile();
    struct tp_sink *s = tp_sink_new_stdout(f);
    struct tp_sink_stats st;
    CHECK_INT(tp_sink_write(s, "k", 1, "{\"a\":1}", 7, 0, err, sizeof err), 0);
    CHECK_INT(tp_sink_write(s, NULL, 0, "{}", 2, 0, err, sizeof err), 0);
    CHECK_INT(tp_sink_write(s, "k", 1, "xyz", 0, 0, err, sizeof err), 0); /* empty */
    CHECK_INT(tp_sink_flush(s, 0, err, sizeof err), 0);
    CHECK_INT(tp_sink_in_flight(s), 0);
    tp_sink_get_stats(s, &st);
    CHECK_INT(st.written, 3);
    CHECK_INT(st.delivered, 3);
    CHECK_INT(st.failed, 0);
    size_t len;
    char *text = read_all(f, &len);
    CHECK_STR(text, "{\"a\":1}\n{}\n\n");
    free(text);
    tp_sink_free(s);
    fclose(f);
    tp_sink_free(NULL);
}

/* Many records cross the buffer boundary; one is larger than the buffer;
 * tp_sink_free writes what is still buffered. */
static void test_stdout_large_volume(void)
{
    enum { BIG = 3 << 20 };
    FILE *f = tmpfile();
    struct tp_sink *s = tp_sink_new_stdout(f);
    char line[100];
    char *big = malloc(BIG);
    memset(big, 'b', BIG);
    size_t expected = 0;
    for (int i = 0; i < 50000; i++) {
        int n = snprintf(line, sizeof line, "{\"n\":%d}", i);
        CHECK_INT(tp_sink_write(s, NULL, 0, line, (size_t)n, 0, err, sizeof err), 0);
        expected += (size_t)n + 1;
        if (i == 25000) {
            CHECK_INT(tp_sink_write(s, NULL, 0, big, BIG, 0, err, sizeof err), 0);
            expected += BIG + 1;
        }
    }
    tp_sink_free(s);
    size_t len;
    char *text = read_all(f, &len);
    CHECK_INT(len, expected);
    CHECK(strncmp(text, "{\"n\":0}\n{\"n\":1}\n", 16) == 0);
    CHECK(strstr(text, "{\"n\":25000}\nbbbb") != NULL);
    CHECK(strstr(text, "bbbb\n{\"n\":25001}\n") != NULL);
    CHECK(len > 12 && strcmp(text + len - 12, "{\"n\":49999}\n") == 0);
    free(text);
    free(big);
    fclose(f);
}

static void test_stdout_broken_pipe(void)
{
    int fds[2];
    CHECK_INT(pipe(fds), 0);
    close(fds[0]);
    signal(SIGPIPE, SIG_IGN);
    FILE *f = fdopen(fds[1], "w");
    struct tp_sink *s = tp_sink_new_stdout(f);
    CHECK(!tp_sink_broken_pipe(s));
    CHECK_INT(tp_sink_write(s, NULL, 0, "{}", 2, 0, err, sizeof err), 0); /* buffered */
    CHECK_INT(tp_sink_flush(s, 0, err, sizeof err), -1);
    CHECK(tp_sink_broken_pipe(s));
    CHECK(strstr(err, "stdout") != NULL);
    CHECK_INT(tp_sink_write(s, NULL, 0, "{}", 2, 0, err, sizeof err), -1);
    tp_sink_free(s);
    fclose(f);
    signal(SIGPIPE, SIG_DFL);
}

/* ---- Kafka, without a broker -------------------------------------------- */

static struct tg_log quiet_log;

/* Options as tp_options_parse leaves them for "-b 127.0.0.1:1 -t
 * tp-sink-test -X message.timeout.ms=300". */
static void kafka_options(struct tp_options *opts)
{
    tp_options_init(opts);
    opts->brokers = "127.0.0.1:1"; /* nothing listens: connections are refused */
    opts->topic = "tp-sink-test";
    CHECK_INT(tg_cli_kafka_option(&opts->kafka_conf, 'X', "message.timeout.ms=300",
                                  tp_kafka_defaults, err, sizeof err),
              0);
}

/* -X and -F are checked while parsing (test_tp_options); the sink takes the
 * configuration they built, once. */
static void test_kafka_configuration_taken_once(void)
{
    struct tp_options opts;
    kafka_options(&opts);
    struct tp_sink *s = tp_sink_new_kafka(&opts, &quiet_log, err, sizeof err);
    CHECK(s != NULL);
    CHECK(tp_sink_new_kafka(&opts, &quiet_log, err, sizeof err) == NULL);
    CHECK(strstr(err, "configuration already handed over") != NULL);
    tp_sink_free(s);
    tp_options_clear(&opts);

    /* Without -X or -F the sink makes its own, from the defaults. */
    tp_options_init(&opts);
    opts.brokers = "127.0.0.1:1";
    s = tp_sink_new_kafka(&opts, &quiet_log, err, sizeof err);
    CHECK(s != NULL);
    tp_sink_free(s);
    tp_options_clear(&opts);
}

/* With no broker, a record is first "not delivered yet" (flush times out,
 * 1), then fails when message.timeout.ms passes (flush -1, once). */
static void test_kafka_timeout_then_failure(void)
{
    struct tp_options opts;
    struct tp_sink_stats st;
    kafka_options(&opts);
    struct tp_sink *s = tp_sink_new_kafka(&opts, &quiet_log, err, sizeof err);
    CHECK(s != NULL);
    if (s == NULL) {
        fprintf(stderr, "  %s\n", err);
        return;
    }
    CHECK_INT(tp_sink_write(s, "alice", 5, "{\"x\":1}", 7, 0, err, sizeof err), 0);
    CHECK_INT(tp_sink_in_flight(s), 1);
    CHECK_INT(tp_sink_flush(s, 0, err, sizeof err), 1);
    CHECK(strstr(err, "1 records not delivered") != NULL);
    CHECK_INT(tp_sink_flush(s, 10000, err, sizeof err), -1);
    CHECK(strstr(err, "delivery failed") != NULL);
    CHECK_INT(tp_sink_in_flight(s), 0);
    tp_sink_get_stats(s, &st);
    CHECK_INT(st.written, 1);
    CHECK_INT(st.failed, 1);
    CHECK_INT(st.delivered, 0);
    /* The failure is reported once; nothing is pending afterwards. */
    CHECK_INT(tp_sink_flush(s, 0, err, sizeof err), 0);
    tp_sink_poll(s);
    tp_sink_free(s);
    tp_options_clear(&opts);
}

/* A record above message.max.bytes is refused at once: 1, counted as
 * too_large, nothing written or in flight. */
static void test_kafka_record_too_large(void)
{
    struct tp_options opts;
    struct tp_sink_stats st;
    kafka_options(&opts);
    CHECK_INT(tg_cli_kafka_option(&opts.kafka_conf, 'X', "message.max.bytes=1000",
                                  tp_kafka_defaults, err, sizeof err),
              0);
    struct tp_sink *s = tp_sink_new_kafka(&opts, &quiet_log, err, sizeof err);
    CHECK(s != NULL);
    if (s == NULL)
        return;
    char *big = malloc(2000);
    memset(big, 'b', 2000);
    CHECK_INT(tp_sink_write(s, "alice", 5, big, 2000, 0, err, sizeof err), 1);
    CHECK(strstr(err, "a record of 2005 bytes") != NULL);
    CHECK(strstr(err, "message.max.bytes") != NULL);
    CHECK_INT(tp_sink_write(s, "alice", 5, big, 500, 0, err, sizeof err), 0);
    tp_sink_get_stats(s, &st);
    CHECK_INT(st.too_large, 1);
    CHECK_INT(st.written, 1);
    CHECK_INT(tp_sink_in_flight(s), 1);
    free(big);
    tp_sink_free(s);
    tp_options_clear(&opts);
}

int main(void)
{
    tg_log_init(&quiet_log, "test_tp_sink", stderr);
    tg_log_quieter(&quiet_log);
    RUN(test_stdout_lines);
    RUN(test_stdout_large_volume);
    RUN(test_stdout_broken_pipe);
    RUN(test_kafka_configuration_taken_once);
    RUN(test_kafka_timeout_then_failure);
    RUN(test_kafka_record_too_large);
    return tg_test_finish();
}
