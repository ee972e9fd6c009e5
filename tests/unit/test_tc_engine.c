/* Window engine against hand-computed cases.  Times are small (seconds
 * after the epoch) so that windows are easy to compute by hand; every
 * emitted window is rendered as "spec[start,end) name=count ...;" with
 * bounds in seconds, and "~" after the bounds when it is provisional. */
#include <stdlib.h>
#include <string.h>

#include "tc_checkpoint.h"
#include "tc_engine.h"
#include "tg_test.h"

#define S 1000LL

struct capture {
    const struct tg_window_spec *specs;
    char text[8192];
    /* For big windows: only count rows and keep the last one. */
    bool names_only;
    size_t parts;
    size_t rows;
    const char *last_name;
    uint64_t last_count;
};

static int capture_window(void *ctx, const struct tc_window *w, const struct tc_row *rows,
                          size_t n, bool first, bool last)
{
    struct capture *c = ctx;
    size_t len = strlen(c->text);
    c->parts++;
    if (first) {
        len += (size_t)snprintf(c->text + len, sizeof c->text - len, "%s[%lld,%lld)%s",
                                c->specs[w->spec].text, (long long)(w->start_ms / S),
                                (long long)(w->end_ms / S), w->final ? "" : "~");
    }
    if (c->names_only) {
        c->rows += n;
        c->last_name = n > 0 ? rows[n - 1].name : c->last_name;
        c->last_count = n > 0 ? rows[n - 1].count : c->last_count;
        n = 0;
    }
    for (size_t i = 0; i < n; i++) {
        len += (size_t)snprintf(c->text + len, sizeof c->text - len, " %s=%llu",
                                rows[i].name, (unsigned long long)rows[i].count);
    }
    if (last) {
        snprintf(c->text + len, sizeof c->text - len, ";");
    }
    return 0;
}

struct fixture {
    struct tg_window_spec specs[4];
    struct tc_engine_config cfg;
    struct tc_engine *e;
    struct capture cap;
    struct tc_emitter em;
};

/* specs: comma-separated window specs. */
static void setup(struct fixture *f, const char *specs, int64_t lateness_ms)
{
    memset(f, 0, sizeof *f);
    char buf[128], err[128];
    snprintf(buf, sizeof buf, "%s", specs);
    size_t n = 0;
    for (char *tok = strtok(buf, ","); tok != NULL; tok = strtok(NULL, ",")) {
        CHECK(tg_window_spec_parse(tok, &f->specs[n++], err, sizeof err) == 0);
    }
    f->cfg.specs = f->specs;
    f->cfg.nspecs = n;
    f->cfg.lateness_ms = lateness_ms;
    f->cfg.dedup = true;
    f->cap.specs = f->specs;
    f->em.window = capture_window;
    f->em.ctx = &f->cap;
}

static void start(struct fixture *f)
{
    char err[128];
    f->e = tc_engine_new(&f->cfg, err, sizeof err);
    CHECK(f->e != NULL);
}

/* Counts a record and advances with its own time (file mode). */
static int feed(struct fixture *f, int64_t t_ms, const char *key)
{
    int r = tc_engine_count(f->e, t_ms, key, strlen(key), false, 0, 0);
    CHECK(tc_engine_advance(f->e, t_ms, &f->em) == 0);
    return r;
}

static int feed_ids(struct fixture *f, int64_t t_ms, const char *key, int64_t ch,
                    int64_t msg)
{
    int r = tc_engine_count(f->e, t_ms, key, strlen(key), true, ch, msg);
    CHECK(tc_engine_advance(f->e, t_ms, &f->em) == 0);
    return r;
}

static const char *drain(struct fixture *f)
{
    CHECK(tc_engine_emit_open(f->e, true, &f->em) == 0);
    return f->cap.text;
}

static void test_pane_size(void)
{
    struct fixture f;
    setup(&f, "1m,10m/30s", 30 * S);
    start(&f);
    CHECK_INT(tc_engine_pane_ms(f.e), 30 * S);
    tc_engine_free(f.e);
    setup(&f, "45s/20s", 0);
    start(&f);
    CHECK_INT(tc_engine_pane_ms(f.e), 5 * S);
    tc_engine_free(f.e);
}

/* --live's snapshot: per spec the window ending first after the greatest
 * event time, provisional, cut to top_n; no window counted as emitted, and
 * the --emit changes marks left for the next trigger. */
static void test_snapshot(void)
{
    struct fixture f;
    setup(&f, "10s,1m/20s", 30 * S);
    start(&f);
    CHECK(tc_engine_emit_snapshot(f.e, 0, &f.em) == 0);
    CHECK_STR(f.cap.text, ""); /* nothing counted yet */
    feed(&f, 5 * S, "alice");
    feed(&f, 12 * S, "bob");
    feed(&f, 15 * S, "alice");
    feed(&f, 31 * S, "alice"); /* W = 1 s: nothing final */
    CHECK(tc_engine_emit_snapshot(f.e, 0, &f.em) == 0);
    /* 10s: [30,40) holds 31; 1m/20s: [-20,40) is the first to end after 31. */
    CHECK_STR(f.cap.text, "10s[30,40)~ alice=1;1m/20s[-20,40)~ alice=3 bob=1;");
    f.cap.text[0] = '\0';
    CHECK(tc_engine_emit_snapshot(f.e, 1, &f.em) == 0);
    CHECK_STR(f.cap.text, "10s[30,40)~ alice=1;1m/20s[-20,40)~ alice=3;");
    CHECK_INT(tc_engine_counters(f.e)->windows_emitted, 0);
    f.cap.text[0] = '\0';
    CHECK(tc_engine_emit_changes(f.e, &f.em) == 0);
    CHECK(strstr(f.cap.text, "10s[0,10)~ alice=1;") != NULL);
    tc_engine_free(f.e);
}

static void test_tumbling(void)
{
    struct fixture f;
    setup(&f, "1m", 0);
    start(&f);
    CHECK_INT(feed(&f, 5 * S, "alice"), TC_COUNT_COUNTED);
    CHECK_INT(feed(&f, 10 * S, "bob"), TC_COUNT_COUNTED);
    CHECK_INT(feed(&f, 20 * S, "alice"), TC_COUNT_COUNTED);
    CHECK_STR(f.cap.text, "");
    CHECK_INT(feed(&f, 65 * S, "alice"), TC_COUNT_COUNTED);
    CHECK_STR(f.cap.text, "1m[0,60) alice=2 bob=1;");
    CHECK_STR(drain(&f), "1m[0,60) alice=2 bob=1;1m[60,120) alice=1;");
    tc_engine_free(f.e);
}

static void test_sliding(void)
{
    struct fixture f;
    setup(&f, "1m/30s", 0);
    start(&f);
    feed(&f, 10 * S, "a");
    CHECK_STR(f.cap.text, "");
    feed(&f, 40 * S, "b"); /* W = 40: [-30,30) is final */
    CHECK_STR(f.cap.text, "1m/30s[-30,30) a=1;");
    CHECK_STR(drain(&f), "1m/30s[-30,30) a=1;1m/30s[0,60) a=1 b=1;1m/30s[30,90) b=1;");
    tc_engine_free(f.e);
}

static void test_boundary_and_w_equal_end(void)
{
    struct fixture f;
    setup(&f, "1m", 0);
    start(&f);
    feed(&f, 59999, "a");
    CHECK_STR(f.cap.text, "");
    /* t = 60 s belongs to [60,120); W = 60 s = end of [0,60): final. */
    CHECK_INT(feed(&f, 60 * S, "b"), TC_COUNT_COUNTED);
    CHECK_STR(f.cap.text, "1m[0,60) a=1;");
    CHECK_INT(feed(&f, 59999, "c"), TC_COUNT_LATE);
    CHECK_INT(tc_engine_watermark(f.e), 60 * S);
    CHECK_STR(drain(&f), "1m[0,60) a=1;1m[60,120) b=1;");
    tc_engine_free(f.e);
}

static void test_late_and_out_of_order(void)
{
    struct fixture f;
    setup(&f, "1m", 30 * S);
    start(&f);
    feed(&f, 50 * S, "a");
    feed(&f, 70 * S, "b");                              /* W = 40 */
    CHECK_INT(feed(&f, 45 * S, "c"), TC_COUNT_COUNTED); /* out of order, in time */
    CHECK_STR(f.cap.text, "");
    feed(&f, 95 * S, "d"); /* W = 65: [0,60) final */
    CHECK_STR(f.cap.text, "1m[0,60) a=1 c=1;");
    CHECK_INT(feed(&f, 30 * S, "late"), TC_COUNT_LATE);
    CHECK_STR(drain(&f), "1m[0,60) a=1 c=1;1m[60,120) b=1 d=1;");
    tc_engine_free(f.e);
}

/* A pane shared by a final and an open window: the record goes to the open
 * one only, and the final one is never printed again. */
static void test_shared_pane(void)
{
    struct fixture f;
    setup(&f, "1m,2m/1m", 0);
    start(&f);
    feed(&f, 30 * S, "a");
    feed(&f, 61 * S, "b");
    CHECK_STR(f.cap.text, "2m/1m[-60,60) a=1;1m[0,60) a=1;");
    /* W = 61 s; pane [0,60) is still live through 2m/1m [0,120). */
    CHECK_INT(tc_engine_count(f.e, 59 * S, "c", 1, false, 0, 0), TC_COUNT_COUNTED);
    CHECK_INT(tc_engine_advance(f.e, 59 * S, &f.em), 0);
    CHECK_STR(drain(&f), "2m/1m[-60,60) a=1;1m[0,60) a=1;"
                         "2m/1m[0,120) a=1 b=1 c=1;1m[60,120) b=1;2m/1m[60,180) b=1;");
    tc_engine_free(f.e);
}

static void test_45s_20s(void)
{
    struct fixture f;
    setup(&f, "45s/20s", 0);
    start(&f);
    feed(&f, 44999, "x");  /* in [0,45) [20,65) [40,85) */
    feed(&f, 50 * S, "y"); /* in [20,65) [40,85); W = 50: [0,45) final */
    CHECK_STR(f.cap.text, "45s/20s[0,45) x=1;");
    CHECK_STR(drain(&f),
              "45s/20s[0,45) x=1;45s/20s[20,65) x=1 y=1;45s/20s[40,85) x=1 y=1;");
    tc_engine_free(f.e);
}

/* Windows with equal ends come out by start, then in --window order. */
static void test_emission_order(void)
{
    struct fixture f;
    setup(&f, "2m,1m", 0);
    start(&f);
    feed(&f, 90 * S, "a");
    CHECK_STR(drain(&f), "2m[0,120) a=1;1m[60,120) a=1;");
    tc_engine_free(f.e);
    setup(&f, "1m,1m/30s", 0);
    start(&f);
    feed(&f, 45 * S, "a");
    CHECK_STR(drain(&f), "1m[0,60) a=1;1m/30s[0,60) a=1;1m/30s[30,90) a=1;");
    tc_engine_free(f.e);
}

static void test_sort_and_top(void)
{
    struct fixture f;
    setup(&f, "1m", 0);
    f.cfg.top_n = 3;
    start(&f);
    const char *keys[] = {"b", "a", "ab", "B", "a", "b", "zz"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        feed(&f, (int64_t)i * S, keys[i]);
    }
    /* a=2 b=2 then B ab zz with 1: "B" < "ab" < "zz" in byte order. */
    CHECK_STR(drain(&f), "1m[0,60) a=2 b=2 B=1;");
    tc_engine_free(f.e);
}

static void test_duplicates(void)
{
    struct fixture f;
    setup(&f, "1m", 0);
    start(&f);
    CHECK_INT(feed_ids(&f, 1 * S, "a", -100, 1), TC_COUNT_COUNTED);
    CHECK_INT(feed_ids(&f, 2 * S, "a", -100, 1), TC_COUNT_DUPLICATE);
    CHECK_INT(feed_ids(&f, 2 * S, "a", -100, 2), TC_COUNT_COUNTED);
    CHECK_INT(feed_ids(&f, 2 * S, "a", -101, 1), TC_COUNT_COUNTED);
    /* Without ids a record cannot be deduplicated. */
    CHECK_INT(feed(&f, 3 * S, "b"), TC_COUNT_COUNTED);
    CHECK_INT(feed(&f, 3 * S, "b"), TC_COUNT_COUNTED);
    CHECK_INT(tc_engine_counters(f.e)->dedup_keys, 3);
    /* Once every window of the key is final, it is forgotten. */
    feed(&f, 200 * S, "c");
    CHECK_INT(tc_engine_counters(f.e)->dedup_keys, 0);
    CHECK_INT(feed_ids(&f, 200 * S, "a", -100, 1), TC_COUNT_COUNTED);
    CHECK_STR(drain(&f), "1m[0,60) a=3 b=2;1m[180,240) a=1 c=1;");
    tc_engine_free(f.e);

    setup(&f, "1m", 0);
    f.cfg.dedup = false;
    start(&f);
    CHECK_INT(feed_ids(&f, 1 * S, "a", -100, 1), TC_COUNT_COUNTED);
    CHECK_INT(feed_ids(&f, 1 * S, "a", -100, 1), TC_COUNT_COUNTED);
    CHECK_STR(drain(&f), "1m[0,60) a=2;");
    tc_engine_free(f.e);
}

/* Many keys: forces dedup-set rebuilds and expiry. */
static void test_dedup_many(void)
{
    struct fixture f;
    setup(&f, "1m", 0);
    start(&f);
    int counted = 0, dups = 0;
    for (int64_t i = 0; i < 20000; i++) {
        int64_t t = i * 10; /* 200 s in total */
        counted += feed_ids(&f, t, "u", 1, i) == TC_COUNT_COUNTED;
        if (i % 3 == 0) {
            dups += feed_ids(&f, t, "u", 1, i) == TC_COUNT_DUPLICATE;
        }
    }
    CHECK_INT(counted, 20000);
    CHECK_INT(dups, 6667);
    CHECK(tc_engine_counters(f.e)->dedup_keys <= 6000);
    CHECK_STR(drain(&f), "1m[0,60) u=6000;1m[60,120) u=6000;1m[120,180) u=6000;"
                         "1m[180,240) u=2000;");
    tc_engine_free(f.e);
}

/* Many live keys at once: every segment of the set grows several times
 * and must still know every key afterwards. */
static void test_dedup_growth_keeps_keys(void)
{
    struct fixture f;
    setup(&f, "1h", 0);
    start(&f);
    int counted = 0, dups = 0;
    for (int64_t i = 0; i < 50000; i++) {
        counted += feed_ids(&f, 1000, "u", -100 - i % 7, i) == TC_COUNT_COUNTED;
    }
    for (int64_t i = 49999; i >= 0; i--) {
        dups += feed_ids(&f, 2000, "u", -100 - i % 7, i) == TC_COUNT_DUPLICATE;
    }
    CHECK_INT(counted, 50000);
    CHECK_INT(dups, 50000);
    CHECK_INT(tc_engine_counters(f.e)->dedup_keys, 50000);
    CHECK_STR(drain(&f), "1h[0,3600) u=50000;");
    tc_engine_free(f.e);
}

/* More rows than one emitter call takes: parts in order, sorted across
 * part boundaries. */
static void test_big_window(void)
{
    struct fixture f;
    setup(&f, "1m", 0);
    start(&f);
    f.cap.names_only = true;
    char name[32];
    int users = 3 * TC_ENGINE_ROWS_PER_CALL + 5;
    for (int i = users - 1; i >= 0; i--) {
        snprintf(name, sizeof name, "u%06d", i);
        for (int k = 0; k < (i == 7 ? 3 : 1); k++) {
            feed(&f, 1 * S, name);
        }
    }
    CHECK_INT(tc_engine_emit_open(f.e, true, &f.em), 0);
    CHECK_INT(f.cap.parts, 4);
    CHECK_INT(f.cap.rows, users);
    CHECK_STR(f.cap.last_name, "u012292");
    CHECK_INT(f.cap.last_count, 1);
    CHECK_STR(f.cap.text, "1m[0,60);");
    tc_engine_free(f.e);
}

static void test_negative_times(void)
{
    struct fixture f;
    setup(&f, "1m", 60 * S);
    start(&f);
    feed(&f, -5 * S, "old");
    feed(&f, -61 * S, "older"); /* W = -65 s: [-120,-60) still open */
    CHECK_STR(drain(&f), "1m[-120,-60) older=1;1m[-60,0) old=1;");
    tc_engine_free(f.e);
}

static void test_changes_mode(void)
{
    struct fixture f;
    setup(&f, "1m", 0);
    start(&f);
    feed(&f, 1 * S, "a");
    CHECK_INT(tc_engine_emit_changes(f.e, &f.em), 0);
    CHECK_STR(f.cap.text, "1m[0,60)~ a=1;");
    f.cap.text[0] = '\0';
    CHECK_INT(tc_engine_emit_changes(f.e, &f.em), 0);
    CHECK_STR(f.cap.text, ""); /* nothing changed */
    feed(&f, 2 * S, "b");
    feed(&f, 61 * S, "c"); /* [0,60) final */
    CHECK_STR(f.cap.text, "1m[0,60) a=1 b=1;");
    CHECK_INT(tc_engine_emit_changes(f.e, &f.em), 0);
    CHECK_STR(f.cap.text, "1m[0,60) a=1 b=1;1m[60,120)~ c=1;");
    f.cap.text[0] = '\0';
    feed(&f, 121 * S, "d"); /* [60,120) final, unchanged since printed: once
                             * more, marked final */
    CHECK_STR(f.cap.text, "1m[60,120) c=1;");
    f.cap.text[0] = '\0';
    CHECK_STR(drain(&f), "1m[120,180) d=1;");
    tc_engine_free(f.e);
}

static void test_max_users(void)
{
    struct fixture f;
    setup(&f, "1m", 0);
    f.cfg.max_users = 2;
    start(&f);
    feed(&f, 1 * S, "a");
    feed(&f, 1 * S, "b");
    feed(&f, 1 * S, "c");
    feed(&f, 1 * S, "d");
    feed(&f, 1 * S, "a");
    CHECK_INT(tc_engine_counters(f.e)->overflowed, 2);
    CHECK_STR(drain(&f), "1m[0,60) (other)=2 a=2 b=1;");
    tc_engine_free(f.e);
}

/* Users whose counts are all final are forgotten to make room before
 * anyone is counted as (other). */
static void test_max_users_forgets_idle(void)
{
    struct fixture f;
    setup(&f, "1m", 0);
    f.cfg.max_users = 4;
    start(&f);
    const char *names[] = {"a", "b", "c", "d", "e", "f", "g"};
    for (int i = 0; i < 7; i++) {
        feed(&f, i * 61 * S, names[i]);
    }
    CHECK_INT(tc_engine_counters(f.e)->overflowed, 0);
    CHECK(tc_engine_counters(f.e)->users <= 4);
    CHECK_STR(f.cap.text, "1m[0,60) a=1;1m[60,120) b=1;1m[120,180) c=1;1m[180,240) d=1;"
                          "1m[240,300) e=1;1m[300,360) f=1;");
    /* Four live users at once: the fifth is (other). */
    f.cap.text[0] = '\0';
    feed(&f, 400 * S, "p");
    feed(&f, 400 * S, "q");
    feed(&f, 400 * S, "r");
    feed(&f, 400 * S, "s");
    CHECK_INT(tc_engine_counters(f.e)->overflowed, 1);
    CHECK_STR(drain(&f), "1m[360,420) (other)=1 g=1 p=1 q=1 r=1;");
    tc_engine_free(f.e);
}

/* Many users that each come once: the table follows the active ones. */
static void test_compaction(void)
{
    struct fixture f;
    setup(&f, "1m", 0);
    start(&f);
    f.cap.names_only = true;
    char name[32];
    int n = 3 * TC_ENGINE_COMPACT_MIN;
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof name, "user%07d", i);
        feed(&f, (int64_t)i * 10, name); /* 6000 users a minute */
    }
    CHECK(tc_engine_counters(f.e)->users < (uint64_t)TC_ENGINE_COMPACT_MIN + 6000);
    CHECK_INT(f.cap.rows + 0, (size_t)(n / 6000) * 6000);
    CHECK_STR(f.cap.last_name, "user0191999");
    CHECK_INT(tc_engine_emit_open(f.e, true, &f.em), 0);
    CHECK_INT(f.cap.rows, n);
    CHECK_STR(f.cap.last_name, "user0196607");
    tc_engine_free(f.e);
}

static void test_save_load(void)
{
    struct fixture f, g;
    setup(&f, "1m,10m/30s", 30 * S);
    start(&f);
    feed_ids(&f, 10 * S, "alice", 1, 1);
    feed_ids(&f, 40 * S, "bob", 1, 2);
    feed_ids(&f, 70 * S, "alice", 1, 3);
    feed_ids(&f, 100 * S, "carol", 1, 4);
    struct tc_ckbuf buf = {0};
    CHECK_INT(tc_engine_save(f.e, &buf), 0);

    setup(&g, "1m,10m/30s", 30 * S);
    start(&g);
    struct tc_ckreader rd;
    tc_ckreader_init(&rd, buf.data, buf.len);
    char err[128] = "";
    CHECK_INT(tc_engine_load(g.e, &rd, err, sizeof err), 0);
    CHECK(tc_ckreader_done(&rd));
    CHECK_INT(tc_engine_watermark(g.e), tc_engine_watermark(f.e));
    /* The restored engine knows the dedup keys and the state. */
    CHECK_INT(feed_ids(&g, 100 * S, "carol", 1, 4), TC_COUNT_DUPLICATE);
    CHECK_INT(feed_ids(&f, 100 * S, "carol", 1, 4), TC_COUNT_DUPLICATE);
    feed_ids(&f, 110 * S, "dave", 1, 5);
    feed_ids(&g, 110 * S, "dave", 1, 5);
    f.cap.text[0] = '\0';
    CHECK_STR(drain(&g), drain(&f));
    CHECK(strlen(g.cap.text) > 0);

    /* Every truncation of the state is rejected. */
    for (size_t cut = 0; cut < buf.len; cut += 7) {
        struct fixture h;
        setup(&h, "1m,10m/30s", 30 * S);
        start(&h);
        tc_ckreader_init(&rd, buf.data, cut);
        int rc = tc_engine_load(h.e, &rd, err, sizeof err);
        CHECK(rc != 0 || !tc_ckreader_done(&rd) || cut == buf.len);
        tc_engine_free(h.e);
    }
    tc_ckbuf_clear(&buf);
    tc_engine_free(f.e);
    tc_engine_free(g.e);
}

/* Held finals: nothing is emitted until release; a checkpoint taken
 * before the release, once loaded, never emits those windows again; at a
 * stop the open windows (and any held ones) come out provisional. */
static void test_hold_finals(void)
{
    struct fixture f, g;
    setup(&f, "1m", 0);
    f.cfg.hold_finals = true;
    start(&f);
    feed_ids(&f, 10 * S, "a", 1, 1);
    feed_ids(&f, 70 * S, "b", 1, 2); /* [0,60) final, held */
    CHECK_STR(f.cap.text, "");
    CHECK(tc_engine_holding(f.e));
    struct tc_ckbuf buf = {0};
    CHECK_INT(tc_engine_save(f.e, &buf), 0);
    CHECK_INT(tc_engine_release(f.e, &f.em), 0);
    CHECK_STR(f.cap.text, "1m[0,60) a=1;");
    CHECK(!tc_engine_holding(f.e));
    f.cap.text[0] = '\0';
    CHECK_INT(tc_engine_release(f.e, &f.em), 0);
    CHECK_STR(f.cap.text, "");
    feed(&f, 130 * S, "c"); /* [60,120) final, held */
    CHECK_INT(tc_engine_emit_open(f.e, false, &f.em), 0);
    CHECK_STR(f.cap.text, "1m[60,120)~ b=1;1m[120,180)~ c=1;");

    /* Restarted from the checkpoint: [0,60) is not printed again. */
    setup(&g, "1m", 0);
    g.cfg.hold_finals = true;
    start(&g);
    struct tc_ckreader rd;
    tc_ckreader_init(&rd, buf.data, buf.len);
    char err[128] = "";
    CHECK_INT(tc_engine_load(g.e, &rd, err, sizeof err), 0);
    CHECK(!tc_engine_holding(g.e));
    CHECK_INT(feed_ids(&g, 70 * S, "b", 1, 2), TC_COUNT_DUPLICATE);
    CHECK_INT(feed_ids(&g, 75 * S, "b", 1, 3), TC_COUNT_COUNTED);
    feed(&g, 130 * S, "c");
    CHECK_INT(tc_engine_release(g.e, &g.em), 0);
    CHECK_STR(g.cap.text, "1m[60,120) b=2;");
    tc_ckbuf_clear(&buf);
    tc_engine_free(f.e);
    tc_engine_free(g.e);
}

/* Well-formed state with values no run can produce: refused, not used. */
static void test_load_out_of_range(void)
{
    const int64_t bad_w[] = {INT64_MIN + 1, INT64_MAX, INT64_C(1) << 55};
    for (size_t i = 0; i < 3; i++) {
        struct fixture f;
        setup(&f, "1m", 0);
        start(&f);
        struct tc_ckbuf buf = {0};
        tc_ckbuf_i64(&buf, bad_w[i]);
        tc_ckbuf_i64(&buf, 0);
        tc_ckbuf_u64(&buf, 0);
        tc_ckbuf_u64(&buf, 0);
        tc_ckbuf_u64(&buf, 0);
        struct tc_ckreader rd;
        tc_ckreader_init(&rd, buf.data, buf.len);
        char err[128];
        CHECK_INT(tc_engine_load(f.e, &rd, err, sizeof err), -1);
        tc_ckbuf_clear(&buf);
        tc_engine_free(f.e);
    }
    /* A pane number whose start time overflows. */
    struct fixture f;
    setup(&f, "1m", 0);
    start(&f);
    struct tc_ckbuf buf = {0};
    tc_ckbuf_i64(&buf, INT64_MIN);
    tc_ckbuf_i64(&buf, INT64_MIN);
    tc_ckbuf_u64(&buf, 1);
    tc_ckbuf_bytes(&buf, "a", 1);
    tc_ckbuf_u64(&buf, 1);
    tc_ckbuf_i64(&buf, INT64_MIN);
    tc_ckbuf_i64(&buf, INT64_MAX);
    tc_ckbuf_u32(&buf, 1);
    tc_ckbuf_u32(&buf, 0);
    tc_ckbuf_u32(&buf, 1);
    tc_ckbuf_u64(&buf, 0);
    struct tc_ckreader rd;
    tc_ckreader_init(&rd, buf.data, buf.len);
    char err[128];
    CHECK_INT(tc_engine_load(f.e, &rd, err, sizeof err), -1);
    tc_ckbuf_clear(&buf);
    tc_engine_free(f.e);
}

static void test_bad_config(void)
{
    struct fixture f;
    char err[128];
    setup(&f, "1m", -1);
    CHECK(tc_engine_new(&f.cfg, err, sizeof err) == NULL);
    setup(&f, "1m", 0);
    f.cfg.nspecs = 0;
    CHECK(tc_engine_new(&f.cfg, err, sizeof err) == NULL);
    /* Windows per instant: at most TC_ENGINE_MAX_OVERLAP over the specs. */
    setup(&f, "1d/1ms", 0);
    CHECK(tc_engine_new(&f.cfg, err, sizeof err) == NULL);
    CHECK(strstr(err, "overlap") != NULL);
    setup(&f, "5000s/1s,10001s/2s", 0); /* 5000 + 5001 */
    CHECK(tc_engine_new(&f.cfg, err, sizeof err) == NULL);
    setup(&f, "5000s/1s,10000s/2s", 0);
    struct tc_engine *e = tc_engine_new(&f.cfg, err, sizeof err);
    CHECK(e != NULL);
    tc_engine_free(e);
}

int main(void)
{
    RUN(test_pane_size);
    RUN(test_tumbling);
    RUN(test_sliding);
    RUN(test_boundary_and_w_equal_end);
    RUN(test_late_and_out_of_order);
    RUN(test_shared_pane);
    RUN(test_45s_20s);
    RUN(test_emission_order);
    RUN(test_sort_and_top);
    RUN(test_duplicates);
    RUN(test_dedup_many);
    RUN(test_dedup_growth_keeps_keys);
    RUN(test_big_window);
    RUN(test_negative_times);
    RUN(test_changes_mode);
    RUN(test_max_users);
    RUN(test_max_users_forgets_idle);
    RUN(test_compaction);
    RUN(test_save_load);
    RUN(test_hold_finals);
    RUN(test_load_out_of_range);
    RUN(test_bad_config);
    RUN(test_snapshot);
    return tg_test_finish();
}
