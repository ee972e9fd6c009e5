/* tp_options.c - tgproducer's command line (see tp_options.h). */
#include "tp_options.h"

#include <stdlib.h>
#include <string.h>

#include "tg_kafka_conf.h"

void tp_options_init(struct tp_options *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->count = -1;
    opts->seed = TP_DEFAULT_FAKE_SEED;
    opts->users = TP_DEFAULT_FAKE_USERS;
    opts->rate = TP_DEFAULT_FAKE_RATE;
    opts->speed = 1.0;
    opts->api_url = TP_DEFAULT_API_URL;
    opts->poll_timeout_s = TP_DEFAULT_POLL_TIMEOUT_S;
    opts->conflict_timeout_ms = TP_DEFAULT_CONFLICT_TIMEOUT_MS;
    opts->delivery_timeout_ms = TP_DEFAULT_DELIVERY_TIMEOUT_MS;
    opts->topic = TG_KAFKA_DEFAULT_TOPIC;
}

int tp_options_parse(struct tp_options *opts, int argc, char *const argv[],
                     char *err, size_t errlen)
{
    (void)opts;
    (void)argc;
    (void)argv;
    snprintf(err, errlen, "option parsing is not written yet");
    return -1;
}

void tp_options_usage(FILE *out, const char *program)
{
    fprintf(out, "usage: %s [options]\n", program);
}

int tp_options_load_token(struct tp_options *opts, char *err, size_t errlen)
{
    (void)opts;
    snprintf(err, errlen, "token loading is not written yet");
    return -1;
}

bool tp_options_chat_allowed(const struct tp_options *opts, int64_t chat_id)
{
    for (size_t i = 0; i < opts->chat_count; i++) {
        if (opts->chats[i] == chat_id)
            return true;
    }
    return opts->chat_count == 0;
}

void tp_options_clear(struct tp_options *opts)
{
    if (opts == NULL)
        return;
    free(opts->token);
    free(opts->chats);
    free(opts->conf_args);
    tp_options_init(opts);
}
