/* changelog.c - tg-changelog: tgcount's state changelog (consumer/
 * tc_changelog*.h) driven by hand, for the integration test and the bench,
 * until tgcount writes it itself.  Not installed.
 *
 *   tg-changelog topic -b BROKERS -G GROUP -t TOPIC [--timeout MS]
 *       Makes sure GROUP's changelog topic exists (as many partitions as
 *       TOPIC, compacted), creating it when missing; prints its name.
 *   tg-changelog write -b BROKERS -T CHANGELOG -t TOPIC -p P --users N
 *                      [--generation G] [--next-offset O] [--chunk BYTES]
 *                      [--only K] [--abort] [--repeat R]
 *       Counts a task for partition P of TOPIC: user-0000000 .. user-N-1,
 *       user i with (i mod 3) + 1 records in the hour from 2023-11-14T22:00Z
 *       (window 1h, lateness 0, dedup), and writes its snapshot in one
 *       transaction (only the first K chunks with --only; aborted with
 *       --abort).  With --repeat R, R snapshots of that task, each in its
 *       own transaction, generations G .. G+R-1 with next offsets O ..
 *       O+R-1.  Prints "generation=G chunks=C bytes=B ms=T" (the last
 *       snapshot's generation and size, the time for all).
 *   tg-changelog restore -b BROKERS -T CHANGELOG -t TOPIC -p P [--rows]
 *                        [--timeout MS] [-v]
 *       Restores partition P and prints "generation=G next_offset=O
 *       chunks=C state_bytes=S users=U load_ms=L messages=M bytes=B
 *       skipped=K torn=T max_generation=X ms=E", or "none messages=M ...
 *       ms=E" (ms: reading and decoding; load_ms: loading the state into
 *       an engine; messages to max_generation: the decoder's figures for
 *       the read that found the snapshot); with -v, then " attempts=A
 *       offsets_read=R bytes_read=Y high_watermark=H" (reads of the tail,
 *       offsets and bytes over all of them); with --rows, then each row of
 *       the restored task, "USER COUNT".
 *
 * Exit status: 0; 64 usage; 69 brokers or topic unusable; 70 internal.
 * Diagnostics on stderr, one line, "tg-changelog: ...".
 */
#include "tc_changelog.h"
#include "tc_changelog_kafka.h"
#include "tc_checkpoint.h"
#include "tc_engine.h"
#include "tg_exit.h"
#include "tg_number.h"
#include "tg_time.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROGRAM "tg-changelog"
#define BASE_MS INT64_C(1699999200000) /* 2023-11-14T22:00:00Z, an hour */

struct args {
    const char *cmd, *brokers, *group, *topic, *changelog;
    int64_t partition, users, generation, next_offset, chunk, only, timeout, repeat;
    bool abort, rows, verbose;
};

static int usage(void)
{
    fprintf(stderr, "usage: " PROGRAM " topic|write|restore -b BROKERS ... (see "
                    "scripts/changelog.c)\n");
    return TG_EXIT_USAGE;
}

static int fail(int code, const char *msg)
{
    fprintf(stderr, PROGRAM ": %s\n", msg);
    return code;
}

static bool parse(int argc, char **argv, struct args *a)
{
    *a = (struct args){
        .partition = -1, .users = -1, .generation = 1, .timeout = 30000, .repeat = 1};
    if (argc < 2) {
        return false;
    }
    a->cmd = argv[1];
    for (int i = 2; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int64_t *num = NULL;
        const char **str = NULL;
        if (strcmp(o, "--abort") == 0) {
            a->abort = true;
            continue;
        }
        if (strcmp(o, "--rows") == 0) {
            a->rows = true;
            continue;
        }
        if (strcmp(o, "-v") == 0) {
            a->verbose = true;
            continue;
        }
        if (strcmp(o, "-b") == 0) {
            str = &a->brokers;
        } else if (strcmp(o, "-G") == 0) {
            str = &a->group;
        } else if (strcmp(o, "-t") == 0) {
            str = &a->topic;
        } else if (strcmp(o, "-T") == 0) {
            str = &a->changelog;
        } else if (strcmp(o, "-p") == 0) {
            num = &a->partition;
        } else if (strcmp(o, "--users") == 0) {
            num = &a->users;
        } else if (strcmp(o, "--generation") == 0) {
            num = &a->generation;
        } else if (strcmp(o, "--next-offset") == 0) {
            num = &a->next_offset;
        } else if (strcmp(o, "--chunk") == 0) {
            num = &a->chunk;
        } else if (strcmp(o, "--only") == 0) {
            num = &a->only;
        } else if (strcmp(o, "--timeout") == 0) {
            num = &a->timeout;
        } else if (strcmp(o, "--repeat") == 0) {
            num = &a->repeat;
        }
        if (v == NULL || (str == NULL && num == NULL)) {
            return false;
        }
        if (str != NULL) {
            *str = v;
        } else if (tg_parse_int64(v, 0, INT64_MAX, num) != 0) {
            return false;
        }
        i++;
    }
    return a->brokers != NULL && a->topic != NULL && a->timeout > 0 &&
           a->timeout <= 600000;
}

static rd_kafka_conf_t *base_conf(const struct args *a, char *err, size_t errlen)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", a->brokers, err, errlen) !=
        RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    return conf;
}

static int nop_window(void *ctx, const struct tc_window *w, const struct tc_row *rows,
                      size_t n, bool first, bool last)
{
    (void)ctx, (void)w, (void)rows, (void)n, (void)first, (void)last;
    return 0;
}

static int print_window(void *ctx, const struct tc_window *w, const struct tc_row *rows,
                        size_t n, bool first, bool last)
{
    (void)ctx, (void)w, (void)first, (void)last;
    for (size_t i = 0; i < n; i++) {
        printf("%.*s %" PRIu64 "\n", (int)rows[i].len, rows[i].name, rows[i].count);
    }
    return 0;
}

static struct tg_window_spec hour;

static struct tc_engine *new_engine(char *err, size_t errlen)
{
    if (tg_window_spec_parse("1h", &hour, err, errlen) != 0) {
        return NULL;
    }
    struct tc_engine_config cfg = {.specs = &hour, .nspecs = 1, .dedup = true};
    return tc_engine_new(&cfg, err, errlen);
}

static int cmd_topic(const struct args *a)
{
    char err[1024], name[256];
    if (a->group == NULL) {
        return usage();
    }
    if (tc_changelog_topic_name(a->group, name, sizeof name, err, sizeof err) != 0) {
        return fail(TG_EXIT_USAGE, err);
    }
    rd_kafka_conf_t *conf = base_conf(a, err, sizeof err);
    rd_kafka_t *rk = conf ? rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err) : NULL;
    if (rk == NULL) {
        if (conf != NULL) {
            rd_kafka_conf_destroy(conf);
        }
        return fail(TG_EXIT_UNAVAILABLE, err);
    }
    /* The input topic's partition count, from the same listing. */
    const struct rd_kafka_metadata *md = NULL;
    int partitions = 0;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 1, NULL, &md, (int)a->timeout);
    for (int i = 0; e == RD_KAFKA_RESP_ERR_NO_ERROR && i < md->topic_cnt; i++) {
        if (strcmp(md->topics[i].topic, a->topic) == 0) {
            partitions = md->topics[i].partition_cnt;
        }
    }
    if (md != NULL) {
        rd_kafka_metadata_destroy(md);
    }
    int rc = TG_EXIT_OK;
    bool created = false;
    if (partitions == 0) {
        snprintf(err, sizeof err, "topic %s: %s", a->topic,
                 e ? rd_kafka_err2str(e) : "not found");
        rc = fail(TG_EXIT_UNAVAILABLE, err);
    } else if (tc_changelog_ensure_topic(rk, name, partitions, (int)a->timeout, &created,
                                         err, sizeof err) != 0) {
        rc = fail(TG_EXIT_UNAVAILABLE, err);
    } else {
        printf("%s%s\n", name, created ? " (created)" : "");
    }
    rd_kafka_destroy(rk);
    return rc;
}

/* The snapshot's bytes: the task counted as the header says. */
static int build_state(const struct args *a, struct tc_ckbuf *buf, char *err,
                       size_t errlen)
{
    struct tc_engine *e = new_engine(err, errlen);
    if (e == NULL) {
        return -1;
    }
    struct tc_emitter em = {.window = nop_window};
    char name[32];
    int rc = 0;
    for (int64_t i = 0; i < a->users && rc == 0; i++) {
        int len = snprintf(name, sizeof name, "user-%07" PRId64, i);
        for (int64_t j = 0; j <= i % 3 && rc == 0; j++) {
            int64_t t = BASE_MS + (i % 3000) * 1000 + j;
            rc = tc_engine_count_in(e, (uint32_t)a->partition, t, name, (size_t)len, true,
                                    1, i * 4 + j) < 0;
            tc_engine_advance_task(e, (uint32_t)a->partition, t);
        }
    }
    rc = rc || tc_engine_advance(e, BASE_MS, &em) != 0 ||
         tc_engine_save_task(e, (uint32_t)a->partition, buf) != 0;
    if (rc) {
        snprintf(err, errlen, "out of memory");
    }
    tc_engine_free(e);
    return rc ? -1 : 0;
}

/* Writes one snapshot of state, generation g and next offset o, in a
 * transaction of rk (initialised).  *chunks and *total: its size.
 * Returns 0, or an exit status with err. */
static int write_one(const struct args *a, rd_kafka_t *rk, const struct tc_ckbuf *state,
                     int64_t g, int64_t o, size_t *chunks, size_t *total, char *err,
                     size_t errlen)
{
    struct tc_changelog_meta meta = {a->topic, (int32_t)a->partition, o, (uint64_t)g};
    struct tc_changelog_chunks c = {0};
    if (tc_changelog_encode(&meta, state->data, state->len, (size_t)a->chunk, &c, err,
                            errlen) != 0) {
        return TG_EXIT_USAGE;
    }
    *total = 0;
    for (size_t i = 0; i < c.n; i++) {
        *total += c.msgs[i].value_len;
    }
    if (a->only > 0 && (size_t)a->only < c.n) {
        c.n = (size_t)a->only; /* the rest stay in the buffer, unsent */
    }
    *chunks = c.n;
    int rc = TG_EXIT_OK;
    rd_kafka_error_t *ke = rd_kafka_begin_transaction(rk);
    if (ke == NULL && tc_changelog_produce(rk, a->changelog, (int32_t)a->partition, &c,
                                           (int)a->timeout, err, errlen) != 0) {
        rc = TG_EXIT_UNAVAILABLE;
    } else if (ke == NULL) {
        /* Sent before an abort, so that the brokers hold the aborted
         * chunks (an abort would otherwise purge them unsent). */
        rd_kafka_flush(rk, (int)a->timeout);
        ke = a->abort ? rd_kafka_abort_transaction(rk, (int)a->timeout)
                      : rd_kafka_commit_transaction(rk, (int)a->timeout);
    }
    if (ke != NULL) {
        snprintf(err, errlen, "%s", rd_kafka_error_string(ke));
        rd_kafka_error_destroy(ke);
        rc = TG_EXIT_UNAVAILABLE;
    }
    tc_changelog_chunks_clear(&c);
    return rc;
}

static int cmd_write(const struct args *a)
{
    char err[1024];
    if (a->changelog == NULL || a->partition < 0 || a->partition > INT32_MAX ||
        a->users < 0 || a->generation < 1 || a->repeat < 1 ||
        a->repeat > INT64_MAX - a->generation || a->repeat > INT64_MAX - a->next_offset) {
        return usage();
    }
    struct tc_ckbuf state = {0};
    if (build_state(a, &state, err, sizeof err) != 0) {
        return fail(TG_EXIT_SOFTWARE, err);
    }
    rd_kafka_conf_t *conf = base_conf(a, err, sizeof err);
    char tid[64];
    snprintf(tid, sizeof tid, PROGRAM "-%" PRId64, a->partition);
    rd_kafka_t *rk = NULL;
    if (conf != NULL && rd_kafka_conf_set(conf, "transactional.id", tid, err,
                                          sizeof err) == RD_KAFKA_CONF_OK) {
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    }
    if (rk == NULL && conf != NULL) {
        rd_kafka_conf_destroy(conf);
    }
    int rc = rk == NULL ? TG_EXIT_UNAVAILABLE : TG_EXIT_OK;
    int64_t start = tg_time_monotonic_ms();
    rd_kafka_error_t *ke = NULL;
    if (rk != NULL && (ke = rd_kafka_init_transactions(rk, (int)a->timeout)) != NULL) {
        snprintf(err, sizeof err, "%s", rd_kafka_error_string(ke));
        rd_kafka_error_destroy(ke);
        rc = TG_EXIT_UNAVAILABLE;
    }
    size_t chunks = 0, total = 0;
    for (int64_t i = 0; rc == TG_EXIT_OK && i < a->repeat; i++) {
        rc = write_one(a, rk, &state, a->generation + i, a->next_offset + i, &chunks,
                       &total, err, sizeof err);
    }
    if (rc == TG_EXIT_OK) {
        printf("generation=%" PRId64 " chunks=%zu bytes=%zu ms=%" PRId64 "\n",
               a->generation + a->repeat - 1, chunks, total,
               tg_time_monotonic_ms() - start);
    } else {
        fail(rc, err);
    }
    if (rk != NULL) {
        rd_kafka_destroy(rk);
    }
    tc_ckbuf_clear(&state);
    return rc;
}

static int cmd_restore(const struct args *a)
{
    char err[1024];
    if (a->changelog == NULL || a->partition < 0 || a->partition > INT32_MAX) {
        return usage();
    }
    rd_kafka_conf_t *conf = base_conf(a, err, sizeof err);
    struct tc_changelog_reader *r =
        conf ? tc_changelog_reader_new(conf, a->changelog, err, sizeof err) : NULL;
    if (conf != NULL) {
        rd_kafka_conf_destroy(conf); /* the reader copied it */
    }
    if (r == NULL) {
        return fail(TG_EXIT_UNAVAILABLE, err);
    }
    struct tc_changelog_restored out;
    int rc = tc_changelog_reader_restore(r, a->topic, (int32_t)a->partition,
                                         (int)a->timeout, &out, err, sizeof err);
    tc_changelog_reader_free(r);
    if (rc != 0) {
        return fail(TG_EXIT_UNAVAILABLE, err);
    }
    const struct tc_changelog_stats *st = &out.stats;
    struct tc_changelog_snapshot *s = out.snapshot;
    struct tc_engine *e = s != NULL ? new_engine(err, sizeof err) : NULL;
    int64_t load_start = tg_time_monotonic_ms();
    if (s != NULL &&
        (e == NULL || tc_engine_load_task(e, (uint32_t)a->partition, s->state,
                                          s->state_len, err, sizeof err) != 0)) {
        tc_engine_free(e);
        tc_changelog_snapshot_free(s);
        return fail(TG_EXIT_DATAERR, err);
    }
    if (s != NULL) {
        printf("generation=%" PRIu64 " next_offset=%" PRId64
               " chunks=%zu state_bytes=%zu users=%" PRIu64 " load_ms=%" PRId64 " ",
               s->generation, s->next_offset, s->chunks, s->state_len,
               tc_engine_counters(e)->users, tg_time_monotonic_ms() - load_start);
    } else {
        printf("none ");
    }
    printf("messages=%" PRIu64 " bytes=%" PRIu64 " skipped=%" PRIu64 " torn=%" PRIu64
           " max_generation=%" PRIu64 " ms=%" PRId64,
           st->messages, st->bytes, st->skipped, st->torn, st->max_generation,
           out.elapsed_ms);
    if (a->verbose) {
        printf(" attempts=%d offsets_read=%" PRIu64 " bytes_read=%" PRIu64
               " high_watermark=%" PRId64,
               out.attempts, out.offsets_read, out.bytes_read, out.high_watermark);
    }
    printf("\n");
    struct tc_emitter em = {.window = print_window};
    if (a->rows && e != NULL && tc_engine_emit_open(e, false, &em) != 0) {
        rc = fail(TG_EXIT_SOFTWARE, "out of memory");
    }
    tc_engine_free(e);
    tc_changelog_snapshot_free(s);
    return rc == 0 ? TG_EXIT_OK : rc;
}

int main(int argc, char **argv)
{
    struct args a;
    if (!parse(argc, argv, &a)) {
        return usage();
    }
    if (strcmp(a.cmd, "topic") == 0) {
        return cmd_topic(&a);
    }
    if (strcmp(a.cmd, "write") == 0) {
        return cmd_write(&a);
    }
    if (strcmp(a.cmd, "restore") == 0) {
        return cmd_restore(&a);
    }
    return usage();
}
