/* tc_live.c - setting up and tearing down a tgcount --live run. */
#include "tc_live.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tc_options.h"
#include "tc_pipeline.h"
#include "tc_tui.h"
#include "tg_exit.h"
#include "tg_log.h"

struct tc_live {
    struct tc_tui *tui;
    struct tg_log *log;
    FILE *stderr_stream; /* the log's stream before */
    FILE *held;          /* the log's stream while the view is up, or NULL */
    FILE *output;        /* --live-output, or NULL */
    const char *output_name;
    char input[256]; /* the status line's input */
};

/* What the status line says is read: the topic (and -p's partitions), or
 * stdin, or the files. */
static void describe_input(const struct tc_options *o, char *buf, size_t len)
{
    if (!o->use_kafka) {
        if (o->nfiles == 0 || (o->nfiles == 1 && strcmp(o->files[0], "-") == 0)) {
            snprintf(buf, len, "stdin");
        } else {
            snprintf(buf, len, "%s%s", o->files[0], o->nfiles > 1 ? " ..." : "");
        }
        return;
    }
    int n = snprintf(buf, len, "Kafka %s", o->topic);
    if (o->assign && !o->assign_all) {
        for (size_t i = 0; i < o->npartitions && n > 0 && (size_t)n < len; i++) {
            n += snprintf(buf + n, len - (size_t)n, "%s%d", i == 0 ? " [" : ",",
                          (int)o->partitions[i]);
        }
        if (n > 0 && (size_t)n < len) {
            snprintf(buf + n, len - (size_t)n, "]");
        }
    } else if (n > 0 && (size_t)n < len && o->in_group && o->group != NULL) {
        snprintf(buf + n, len - (size_t)n, " group %s", o->group);
    }
}

struct tc_live *tc_live_start(const struct tc_options *opts,
                              struct tc_pipeline_config *cfg, struct tg_log *log,
                              FILE **out, int *status)
{
    struct tc_live *l = calloc(1, sizeof *l);
    if (l == NULL) {
        tg_log_error(log, "out of memory");
        *status = TG_EXIT_SOFTWARE;
        return NULL;
    }
    l->log = log;
    l->stderr_stream = log->stream;
    l->output_name = opts->live_output;
    if (opts->live_output != NULL) {
        l->output = fopen(opts->live_output, "we");
        if (l->output == NULL) {
            tg_log_error(log, "--live-output: %s: %s", opts->live_output,
                         strerror(errno));
            *status = TG_EXIT_CONFIG;
            free(l);
            return NULL;
        }
    }
    describe_input(opts, l->input, sizeof l->input);
    struct tc_tui_config tc = {
        .specs = cfg->windows,
        .nspecs = cfg->nwindows,
        .input = l->input,
        .output = opts->live_output,
    };
    char err[256];
    l->tui = tc_tui_new(&tc, err, sizeof err);
    if (l->tui == NULL) {
        tg_log_error(log, "%s", err);
        *status = strstr(err, "memory") != NULL ? TG_EXIT_SOFTWARE : TG_EXIT_USAGE;
        tc_live_stop(l, 0);
        return NULL;
    }
    if (isatty(fileno(log->stream)) == 1) {
        l->held = tmpfile();
        if (l->held != NULL) {
            log->stream = l->held;
        }
    }
    cfg->live = tc_tui_hook(l->tui);
    cfg->stats = true;
    cfg->stats_periodic = false; /* it would be held back until the end */
    *out = l->output;
    return l;
}

void tc_live_hold(struct tc_live *l, struct tc_pipeline *p)
{
    tc_tui_hold(l->tui, p);
}

int tc_live_stop(struct tc_live *l, int status)
{
    if (l == NULL) {
        return status;
    }
    tc_tui_free(l->tui);
    l->log->stream = l->stderr_stream;
    if (l->held != NULL) {
        rewind(l->held);
        char buf[4096];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, l->held)) > 0) {
            fwrite(buf, 1, n, l->stderr_stream);
        }
        fflush(l->stderr_stream);
        fclose(l->held);
    }
    if (l->output != NULL && fclose(l->output) != 0 && status == TG_EXIT_OK) {
        tg_log_error(l->log, "--live-output: %s: %s", l->output_name, strerror(errno));
        status = TG_EXIT_TEMPFAIL;
    }
    free(l);
    return status;
}
