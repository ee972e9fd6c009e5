/* tp_sink.c - Kafka and stdout sinks (see tp_sink.h). */
#include "tp_sink.h"

#include <stdlib.h>

struct tp_sink {
    FILE *out;
    struct tp_sink_stats stats;
};

struct tp_sink *tp_sink_new_kafka(const struct tp_options *opts,
                                  const struct tg_log *log, char *err,
                                  size_t errlen)
{
    (void)opts;
    (void)log;
    snprintf(err, errlen, "the Kafka sink is not written yet");
    return NULL;
}

struct tp_sink *tp_sink_new_stdout(FILE *out)
{
    struct tp_sink *s = calloc(1, sizeof *s);
    if (s != NULL)
        s->out = out;
    return s;
}

int tp_sink_write(struct tp_sink *s, const char *key, size_t key_len,
                  const char *value, size_t value_len, char *err, size_t errlen)
{
    (void)key;
    (void)key_len;
    if (fwrite(value, 1, value_len, s->out) != value_len || putc('\n', s->out) == EOF) {
        snprintf(err, errlen, "stdout: write error");
        return -1;
    }
    s->stats.written++;
    s->stats.delivered++;
    return 0;
}

int tp_sink_flush(struct tp_sink *s, int64_t timeout_ms, char *err, size_t errlen)
{
    (void)timeout_ms;
    if (fflush(s->out) != 0) {
        snprintf(err, errlen, "stdout: write error");
        return -1;
    }
    return 0;
}

void tp_sink_poll(struct tp_sink *s)
{
    (void)s;
}

uint64_t tp_sink_in_flight(const struct tp_sink *s)
{
    (void)s;
    return 0;
}

bool tp_sink_broken_pipe(const struct tp_sink *s)
{
    (void)s;
    return false;
}

void tp_sink_get_stats(const struct tp_sink *s, struct tp_sink_stats *out)
{
    *out = s->stats;
}

void tp_sink_free(struct tp_sink *s)
{
    free(s);
}
