/* The pipeline end to end (without Kafka): feed, stats, finish, and a
 * checkpoint that restores exactly the same output. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tc_checkpoint.h"
#include "tc_options.h"
#include "tc_pipeline.h"
#include "tg_log.h"
#include "tg_record.h"
#include "tg_test.h"

static struct tg_log quiet;

struct run {
    struct tc_options opts;
    struct tc_pipeline_config cfg;
    char *buf;
    size_t len;
    FILE *out;
    struct tc_pipeline *p;
    struct tg_record_reader *parser;
};

static void run_start(struct run *r, const char *dir)
{
    memset(r, 0, sizeof *r);
    tc_options_init(&r->opts);
    tc_options_pipeline_config(&r->opts, &r->cfg);
    r->cfg.checkpoint_dir = dir;
    r->out = open_memstream(&r->buf, &r->len);
    char err[256];
    r->p = tc_pipeline_new(&r->cfg, r->out, &quiet, err, sizeof err);
    r->parser = tg_record_reader_new();
    CHECK(r->p != NULL && r->parser != NULL);
}

static void run_end(struct run *r)
{
    tc_pipeline_free(r->p);
    tg_record_reader_free(r->parser);
    fclose(r->out);
    free(r->buf);
    tc_options_clear(&r->opts);
}

/* What the file reader does with one line: parse (on its thread), then
 * count or reject, then let the record's time drive the watermark. */
static int feed_line(struct run *r, const char *line)
{
    struct tg_record_view rec;
    char why[256];
    if (tg_record_read(r->parser, line, strlen(line), &rec, why, sizeof why) != 0) {
        tc_pipeline_reject(r->p, why);
        return TC_FEED_MALFORMED;
    }
    int res = tc_pipeline_count(r->p, 0, &rec);
    CHECK_INT(tc_pipeline_advance(r->p, rec.event_time_ms), 0);
    return res;
}

static int feed(struct run *r, int sec, const char *user, int msg)
{
    char line[256];
    snprintf(line, sizeof line,
             "{\"event_time\":\"2024-05-01T12:%02d:%02dZ\",\"channel_id\":-1,"
             "\"message_id\":%d,\"user_id\":%d,\"username\":\"%s\"}",
             sec / 60, sec % 60, msg, msg, user);
    return feed_line(r, line);
}

static void test_feed_and_stats(void)
{
    struct run r;
    run_start(&r, NULL);
    CHECK_INT(feed(&r, 5, "alice", 1), TC_FEED_COUNTED);
    CHECK_INT(feed(&r, 6, "alice", 1), TC_FEED_DUPLICATE);
    CHECK_INT(feed_line(&r, "garbage"), TC_FEED_MALFORMED);
    CHECK(strstr(tc_pipeline_last_error(r.p), "not JSON") != NULL);
    tc_pipeline_reject(r.p, "line too long");
    CHECK_STR(tc_pipeline_last_error(r.p), "line too long");
    CHECK_INT(feed(&r, 200, "bob", 2), TC_FEED_COUNTED);
    /* Still in open 10m/30s windows, though 1m [12:00,12:01) is final. */
    CHECK_INT(feed(&r, 10, "carol", 3), TC_FEED_COUNTED);
    const char *late = "{\"event_time\":\"2024-05-01T11:50:00Z\",\"username\":\"x\"}";
    CHECK_INT(feed_line(&r, late), TC_FEED_LATE);
    CHECK_INT(tc_pipeline_watermark(r.p), 1714564800000LL + 170000);
    CHECK_INT(tc_pipeline_max_event_time(r.p), 1714564800000LL + 200000);
    CHECK_INT(tc_pipeline_min_slide_ms(r.p), 30000);
    CHECK_INT(tc_pipeline_finish(r.p, true), 0);
    const struct tc_stats *s = tc_pipeline_stats(r.p);
    CHECK_INT(s->read, 7);
    CHECK_INT(s->counted, 3);
    CHECK_INT(s->duplicates, 1);
    CHECK_INT(s->malformed, 2);
    CHECK_INT(s->late, 1);
    CHECK_INT(s->users, 3);
    CHECK(s->windows_emitted > 0);
    CHECK_INT(s->provisional, 0); /* the input is complete */
    fflush(r.out);
    const char *first = "# 10m/30s 2024-05-01T11:50:30Z 2024-05-01T12:00:30Z\nalice, 1\n";
    CHECK(strncmp(r.buf, first, strlen(first)) == 0);
    run_end(&r);
}

static void test_checkpoint_roundtrip(void)
{
    char dir[] = "/tmp/tc_ckpt_test.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char err[512];
    struct run a, b;
    run_start(&a, dir);
    for (int i = 0; i < 300; i++) {
        feed(&a, i, i % 3 == 0 ? "alice" : i % 3 == 1 ? "bob" : "carol", i);
    }
    int32_t parts[] = {0, 3};
    int64_t offs[] = {42, 7};
    /* With a checkpoint directory, final windows wait for a checkpoint. */
    fflush(a.out);
    CHECK_INT(a.len, 0);
    CHECK(tc_pipeline_holding(a.p));
    CHECK_INT(tc_pipeline_checkpoint_save(a.p, parts, offs, 2, err, sizeof err), 0);
    CHECK_INT(tc_pipeline_release(a.p), 0);
    fflush(a.out);
    CHECK(a.len > 0);
    CHECK(!tc_pipeline_holding(a.p));
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, TC_CHECKPOINT_FILE);
    struct stat st;
    CHECK_INT(stat(path, &st), 0);
    CHECK_INT(st.st_mode & 0777, 0600);

    run_start(&b, dir);
    int32_t *p2;
    int64_t *o2;
    size_t n;
    CHECK_INT(tc_pipeline_checkpoint_load(b.p, &p2, &o2, &n, err, sizeof err), 1);
    CHECK_INT(n, 2);
    CHECK_INT(p2[1], 3);
    CHECK_INT(o2[0], 42);
    free(p2);
    free(o2);
    CHECK_INT(tc_pipeline_watermark(b.p), tc_pipeline_watermark(a.p));
    /* The same continuation gives the same output, duplicates included. */
    fflush(a.out);
    size_t before = a.len;
    for (int i = 250; i < 400; i++) {
        feed(&a, i, "dave", i);
        feed(&b, i, "dave", i);
    }
    CHECK_INT(tc_pipeline_finish(a.p, false), 0);
    CHECK_INT(tc_pipeline_finish(b.p, false), 0);
    fflush(a.out);
    fflush(b.out);
    CHECK(b.len > 0);
    CHECK(a.len - before == b.len);
    CHECK(memcmp(a.buf + before, b.buf, b.len) == 0);
    CHECK(strstr(b.buf, " provisional\n") != NULL);
    CHECK_INT(tc_pipeline_stats(b.p)->duplicates, 50);
    CHECK(tc_pipeline_stats(b.p)->provisional > 0);
    run_end(&b);

    /* Other settings: refused. */
    run_start(&b, dir);
    b.cfg.lateness_ms = 1000;
    tc_pipeline_free(b.p);
    b.p = tc_pipeline_new(&b.cfg, b.out, &quiet, err, sizeof err);
    CHECK_INT(tc_pipeline_checkpoint_load(b.p, &p2, &o2, &n, err, sizeof err), -1);
    CHECK(strstr(err, "--lateness") != NULL);
    run_end(&b);

    /* Any flipped byte: refused as corrupt. */
    char *data;
    size_t len;
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    fseek(f, 0, SEEK_END);
    len = (size_t)ftell(f);
    rewind(f);
    data = malloc(len);
    CHECK_INT(fread(data, 1, len, f), len);
    fclose(f);
    for (size_t i = 0; i < len; i += len / 13 + 1) {
        data[i] ^= 0x20;
        f = fopen(path, "wb");
        fwrite(data, 1, len, f);
        fclose(f);
        run_start(&b, dir);
        CHECK_INT(tc_pipeline_checkpoint_load(b.p, &p2, &o2, &n, err, sizeof err), -1);
        CHECK(strstr(err, "checkpoint") != NULL);
        CHECK_INT(tc_pipeline_watermark(b.p), TC_WATERMARK_NONE);
        run_end(&b);
        data[i] ^= 0x20;
    }
    free(data);

    /* No file: nothing to restore. */
    unlink(path);
    run_start(&b, dir);
    CHECK_INT(tc_pipeline_checkpoint_load(b.p, &p2, &o2, &n, err, sizeof err), 0);
    CHECK_INT(n, 0);
    run_end(&b);
    run_end(&a);
    rmdir(dir);
}

/* --emit changes: the trigger runs on the wall time given to tick. */
static void test_changes_trigger(void)
{
    struct run r;
    memset(&r, 0, sizeof r);
    tc_options_init(&r.opts);
    tc_options_pipeline_config(&r.opts, &r.cfg);
    r.cfg.emit = TC_EMIT_CHANGES;
    r.cfg.nwindows = 1; /* 1m */
    r.out = open_memstream(&r.buf, &r.len);
    char err[256];
    r.p = tc_pipeline_new(&r.cfg, r.out, &quiet, err, sizeof err);
    r.parser = tg_record_reader_new();
    CHECK(r.p != NULL && r.parser != NULL);
    feed(&r, 5, "alice", 1);
    CHECK_INT(tc_pipeline_tick(r.p, 1000), 0); /* starts the period */
    CHECK_INT(tc_pipeline_tick(r.p, 30999), 0);
    fflush(r.out);
    CHECK_INT(r.len, 0);
    CHECK_INT(tc_pipeline_tick(r.p, 31000), 0);
    fflush(r.out);
    CHECK_STR(r.buf,
              "# 1m 2024-05-01T12:00:00Z 2024-05-01T12:01:00Z provisional\nalice, 1\n");
    size_t before = r.len;
    CHECK_INT(tc_pipeline_tick(r.p, 61000), 0); /* nothing changed */
    fflush(r.out);
    CHECK_INT(r.len, before);
    feed(&r, 6, "bob", 2);
    CHECK_INT(tc_pipeline_tick(r.p, 91000), 0);
    CHECK_INT(tc_pipeline_finish(r.p, true), 0);
    fflush(r.out);
    CHECK_STR(r.buf + before,
              "# 1m 2024-05-01T12:00:00Z 2024-05-01T12:01:00Z provisional\nalice, 1\n"
              "bob, 1\n"
              "# 1m 2024-05-01T12:00:00Z 2024-05-01T12:01:00Z\nalice, 1\n"
              "bob, 1\n");
    run_end(&r);
}

/* --stats-interval applies to Kafka follow mode only: stats_periodic, which
 * tc_options_pipeline_config sets for Kafka input without -e. */
static void test_stats_interval(void)
{
    char *logbuf = NULL;
    size_t loglen = 0;
    FILE *logf = open_memstream(&logbuf, &loglen);
    struct tg_log log;
    tg_log_init(&log, "tgcount", logf);
    struct run r;
    memset(&r, 0, sizeof r);
    tc_options_init(&r.opts);
    r.opts.stats = true;
    r.opts.use_kafka = true;
    tc_options_pipeline_config(&r.opts, &r.cfg);
    CHECK(r.cfg.stats && r.cfg.stats_periodic);
    r.out = open_memstream(&r.buf, &r.len);
    char err[256];
    r.p = tc_pipeline_new(&r.cfg, r.out, &log, err, sizeof err);
    r.parser = tg_record_reader_new();
    CHECK(r.p != NULL && r.parser != NULL);
    feed(&r, 5, "alice", 1);
    tc_pipeline_tick(r.p, 1000);
    tc_pipeline_tick(r.p, 5000);
    fflush(logf);
    CHECK_INT(loglen, 0);
    tc_pipeline_tick(r.p, 11000);
    fflush(logf);
    CHECK(strstr(logbuf, "tgcount: stats: read=1 counted=1 ") != NULL);
    run_end(&r);
    fclose(logf);
    free(logbuf);
}

/* A partition's state saved from one pipeline and loaded into another
 * (a member that takes the partition over): the second prints what the
 * first prints after the save, and nothing the first printed before it;
 * a dropped task leaves the stats. */
static void test_task_moves(void)
{
    struct run a, b;
    run_start(&a, NULL);
    run_start(&b, NULL);
    for (int i = 0; i < 40; i++) {
        feed(&a, i * 7, i % 3 ? "alice" : "bob", i + 1);
    }
    struct tc_ckbuf buf = {0};
    CHECK_INT(tc_pipeline_save_task(a.p, 0, &buf), 0);
    fflush(a.out);
    size_t before = a.len;
    CHECK(before > 0);
    char err[256] = "";
    CHECK_INT(tc_pipeline_load_task(b.p, 0, buf.data, buf.len, err, sizeof err), 0);
    CHECK_STR(err, "");
    CHECK_INT(tc_pipeline_stats(b.p)->users, tc_pipeline_stats(a.p)->users);
    CHECK_INT(tc_pipeline_load_task(b.p, 0, buf.data, buf.len, err, sizeof err), -1);
    for (int i = 40; i < 60; i++) {
        feed(&a, i * 7, "carol", i + 1);
        feed(&b, i * 7, "carol", i + 1);
    }
    CHECK_INT(tc_pipeline_finish(a.p, true), 0);
    CHECK_INT(tc_pipeline_finish(b.p, true), 0);
    fflush(a.out);
    fflush(b.out);
    CHECK(b.len > 0 && a.len - before == b.len);
    CHECK(b.len > 0 && memcmp(a.buf + before, b.buf, b.len) == 0);
    tc_pipeline_drop_task(b.p, 0);
    CHECK_INT(tc_pipeline_stats(b.p)->users, 0);
    tc_ckbuf_clear(&buf);
    run_end(&a);
    run_end(&b);
}

int main(void)
{
    FILE *devnull = fopen("/dev/null", "w");
    tg_log_init(&quiet, "tgcount", devnull);
    RUN(test_feed_and_stats);
    RUN(test_checkpoint_roundtrip);
    RUN(test_changes_trigger);
    RUN(test_stats_interval);
    RUN(test_task_moves);
    fclose(devnull);
    return tg_test_finish();
}
