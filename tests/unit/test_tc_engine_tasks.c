/* The engine with several tasks (one per Kafka partition), against
 * hand-computed cases: each task's own watermark decides what is late for
 * it, a window is final only once every task passed its end, counts are
 * summed over the tasks by name, and a record counted behind its own
 * task's watermark stays out of the windows that were already final for
 * that task.  Times are seconds after the epoch; windows are rendered as
 * "spec[start,end) name=count ...;" with "~" when provisional. */
#include <stdlib.h>
#include <string.h>

#include "tc_checkpoint.h"
#include "tc_engine.h"
#include "tg_test.h"

#define S 1000LL

struct capture {
    const struct tg_window_spec *specs;
    char text[4096];
};

static int capture_window(void *ctx, const struct tc_window *w, const struct tc_row *rows,
                          size_t n, bool first, bool last)
{
    struct capture *c = ctx;
    size_t len = strlen(c->text);
    if (first) {
        len += (size_t)snprintf(c->text + len, sizeof c->text - len, "%s[%lld,%lld)%s",
                                c->specs[w->spec].text, (long long)(w->start_ms / S),
                                (long long)(w->end_ms / S), w->final ? "" : "~");
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
    struct tg_window_spec specs[2];
    struct tc_engine_config cfg;
    struct tc_engine *e;
    struct capture cap;
    struct tc_emitter em;
    int64_t max[2]; /* each partition's greatest event time */
};

static void setup(struct fixture *f, const char *spec, int64_t lateness_ms)
{
    memset(f, 0, sizeof *f);
    char err[128];
    CHECK(tg_window_spec_parse(spec, &f->specs[0], err, sizeof err) == 0);
    f->cfg.specs = f->specs;
    f->cfg.nspecs = 1;
    f->cfg.lateness_ms = lateness_ms;
    f->cfg.dedup = true;
    f->cap.specs = f->specs;
    f->em.window = capture_window;
    f->em.ctx = &f->cap;
    f->max[0] = f->max[1] = INT64_MIN;
    f->e = tc_engine_new(&f->cfg, err, sizeof err);
    CHECK(f->e != NULL);
}

/* A record of partition p, fed as the Kafka input does: counted in its
 * task, its task's watermark moved, then W driven by the slowest of the
 * two partitions once both have spoken. */
static int feed(struct fixture *f, uint32_t p, int64_t t_ms, const char *key)
{
    int r = tc_engine_count_in(f->e, p, t_ms, key, strlen(key), false, 0, 0);
    tc_engine_advance_task(f->e, p, t_ms);
    if (t_ms > f->max[p]) {
        f->max[p] = t_ms;
    }
    if (f->max[0] != INT64_MIN && f->max[1] != INT64_MIN) {
        int64_t slowest = f->max[0] < f->max[1] ? f->max[0] : f->max[1];
        CHECK(tc_engine_advance(f->e, slowest, &f->em) == 0);
    }
    return r;
}

static const char *take(struct fixture *f)
{
    static char out[4096];
    snprintf(out, sizeof out, "%s", f->cap.text);
    f->cap.text[0] = '\0';
    return out;
}

/* A record late in one partition but not in the other; a window final only
 * when both passed its end; counts summed over the partitions. */
static void test_own_watermarks(void)
{
    struct fixture f;
    setup(&f, "1m", 0);
    CHECK_INT(feed(&f, 0, 10 * S, "a"), TC_COUNT_COUNTED);
    CHECK_INT(feed(&f, 1, 70 * S, "b"), TC_COUNT_COUNTED); /* W_1 = 70, W = 10 */
    CHECK_INT(tc_engine_watermark(f.e), 10 * S);
    CHECK_INT(tc_engine_task_watermark(f.e, 1), 70 * S);
    CHECK_INT(tc_engine_tasks(f.e), 2);
    /* [0,60) is final for partition 1, not for partition 0. */
    CHECK_INT(feed(&f, 1, 20 * S, "c"), TC_COUNT_LATE);
    CHECK_INT(feed(&f, 0, 20 * S, "c"), TC_COUNT_COUNTED);
    CHECK_STR(take(&f), ""); /* partition 0 has not passed 60 */
    CHECK_INT(feed(&f, 0, 62 * S, "b"), TC_COUNT_COUNTED); /* W = 62 */
    CHECK_STR(take(&f), "1m[0,60) a=1 c=1;");
    CHECK(tc_engine_emit_open(f.e, true, &f.em) == 0);
    /* b from both partitions: one row. */
    CHECK_STR(take(&f), "1m[60,120) b=2;");
    CHECK_INT(tc_engine_counters(f.e)->users, 4); /* a, c, b | b */
    tc_engine_free(f.e);
}

/* The reverse order of arrival gives the same windows: a partition's
 * share depends on its own records only. */
static void test_order_does_not_matter(void)
{
    struct fixture f;
    setup(&f, "1m", 0);
    CHECK_INT(feed(&f, 1, 70 * S, "b"), TC_COUNT_COUNTED);
    CHECK_INT(feed(&f, 1, 20 * S, "c"), TC_COUNT_LATE);
    CHECK_INT(feed(&f, 0, 10 * S, "a"), TC_COUNT_COUNTED);
    CHECK_INT(feed(&f, 0, 20 * S, "c"), TC_COUNT_COUNTED);
    CHECK_INT(feed(&f, 0, 62 * S, "b"), TC_COUNT_COUNTED);
    CHECK(tc_engine_emit_open(f.e, true, &f.em) == 0);
    CHECK_STR(take(&f), "1m[0,60) a=1 c=1;1m[60,120) b=2;");
    tc_engine_free(f.e);
}

/* Sliding windows share panes: a record counted behind its partition's
 * watermark reaches its windows still open for that partition, not those
 * already final for it but not yet emitted. */
static void fixes_scenario(struct fixture *f)
{
    CHECK_INT(feed(f, 0, 10 * S, "a"), TC_COUNT_COUNTED);
    CHECK_INT(feed(f, 1, 130 * S, "x"), TC_COUNT_COUNTED); /* W_1 = 130, W = 10 */
    /* Pane [60,120): [0,120) is final for partition 1, [60,180) open. */
    CHECK_INT(feed(f, 1, 70 * S, "y"), TC_COUNT_COUNTED);
    CHECK_STR(take(f), "");
}

static void fixes_rest(struct fixture *f)
{
    CHECK_INT(feed(f, 0, 200 * S, "a"), TC_COUNT_COUNTED); /* W = 130 */
    CHECK_STR(take(f), "2m/1m[-60,60) a=1;2m/1m[0,120) a=1;");
    CHECK(tc_engine_emit_open(f->e, true, &f->em) == 0);
    CHECK_STR(take(f),
              "2m/1m[60,180) x=1 y=1;2m/1m[120,240) a=1 x=1;2m/1m[180,300) a=1;");
}

static void test_fixes(void)
{
    struct fixture f;
    setup(&f, "2m/1m", 0);
    fixes_scenario(&f);
    fixes_rest(&f);
    tc_engine_free(f.e);
}

/* Every task's state, fixes included, survives a checkpoint: the restored
 * engine goes on as the uninterrupted one did. */
static void test_save_load(void)
{
    struct fixture f;
    setup(&f, "2m/1m", 0);
    fixes_scenario(&f);
    struct tc_ckbuf buf = {0};
    CHECK_INT(tc_engine_save(f.e, &buf), 0);
    struct fixture g;
    setup(&g, "2m/1m", 0);
    struct tc_ckreader rd;
    char err[128] = "";
    tc_ckreader_init(&rd, buf.data, buf.len);
    CHECK_INT(tc_engine_load(g.e, &rd, err, sizeof err), 0);
    CHECK(tc_ckreader_done(&rd));
    CHECK_INT(tc_engine_tasks(g.e), 2);
    CHECK_INT(tc_engine_watermark(g.e), 10 * S);
    CHECK_INT(tc_engine_task_watermark(g.e, 1), 130 * S);
    g.max[0] = f.max[0];
    g.max[1] = f.max[1];
    fixes_rest(&g);
    tc_engine_free(g.e);
    tc_engine_free(f.e);

    /* A task listed twice is refused. */
    struct tc_ckbuf bad = {0};
    tc_ckbuf_i64(&bad, INT64_MIN);
    tc_ckbuf_u64(&bad, 2);
    for (int i = 0; i < 2; i++) {
        tc_ckbuf_u32(&bad, 3);
        tc_ckbuf_i64(&bad, INT64_MIN);
        tc_ckbuf_i64(&bad, INT64_MIN);
        tc_ckbuf_i64(&bad, INT64_MIN); /* nothing produced */
        tc_ckbuf_u64(&bad, 0);
        tc_ckbuf_u64(&bad, 0);
        tc_ckbuf_u64(&bad, 0);
        tc_ckbuf_u64(&bad, 0);
    }
    setup(&g, "2m/1m", 0);
    tc_ckreader_init(&rd, bad.data, bad.len);
    CHECK_INT(tc_engine_load(g.e, &rd, err, sizeof err), -1);
    CHECK_STR(err, "bad task number");
    tc_engine_free(g.e);
    tc_ckbuf_clear(&bad);
    tc_ckbuf_clear(&buf);
}

/* --top cuts the merged rows; a new task starts at W, so it cannot reach a
 * window already printed final. */
static void test_top_and_new_task(void)
{
    struct fixture f;
    setup(&f, "1m", 0);
    f.cfg.top_n = 1;
    tc_engine_free(f.e);
    char err[128];
    f.e = tc_engine_new(&f.cfg, err, sizeof err);
    CHECK(f.e != NULL);
    feed(&f, 0, 10 * S, "a");
    feed(&f, 0, 11 * S, "b");
    feed(&f, 1, 12 * S, "b");
    feed(&f, 0, 70 * S, "a");
    feed(&f, 1, 71 * S, "a"); /* W = 70 */
    CHECK_STR(take(&f), "1m[0,60) b=2;");
    CHECK_INT(tc_engine_count_in(f.e, 5, 30 * S, "z", 1, false, 0, 0), TC_COUNT_LATE);
    CHECK_INT(tc_engine_task_watermark(f.e, 5), 70 * S);
    tc_engine_free(f.e);
}

/* --emit changes and --live's snapshot see every task's counts. */
static void test_changes_and_snapshot(void)
{
    struct fixture f;
    setup(&f, "1m", 0);
    feed(&f, 0, 10 * S, "a");
    feed(&f, 1, 20 * S, "b");
    CHECK(tc_engine_emit_changes(f.e, &f.em) == 0);
    CHECK_STR(take(&f), "1m[0,60)~ a=1 b=1;");
    CHECK(tc_engine_emit_changes(f.e, &f.em) == 0);
    CHECK_STR(take(&f), ""); /* nothing changed since */
    feed(&f, 1, 30 * S, "b");
    CHECK(tc_engine_emit_changes(f.e, &f.em) == 0);
    CHECK_STR(take(&f), "1m[0,60)~ b=2 a=1;");
    feed(&f, 0, 70 * S, "a");
    feed(&f, 1, 75 * S, "b");
    CHECK_STR(take(&f), "1m[0,60) b=2 a=1;");
    CHECK(tc_engine_emit_snapshot(f.e, 0, &f.em) == 0);
    CHECK_STR(take(&f), "1m[60,120)~ a=1 b=1;");
    CHECK_INT(tc_engine_max_time(f.e), 75 * S);
    CHECK_INT(tc_engine_counters(f.e)->windows_emitted, 3);
    tc_engine_free(f.e);
}

/* --output-topic's sink: each task's rows of a window go out once its own
 * W_p passed the window's end, before W does, once, and before the panes
 * they come from are forgotten; produced_end survives a checkpoint; a
 * dropped task is gone. */
struct sink_capture {
    char text[1024];
};

static int compare_rows(const void *a, const void *b)
{
    const struct tc_row *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int capture_task(void *ctx, uint32_t task, const struct tc_window *w,
                        const struct tc_row *rows, size_t n, bool first, bool last)
{
    struct sink_capture *c = ctx;
    size_t len = strlen(c->text);
    if (first) {
        len += (size_t)snprintf(c->text + len, sizeof c->text - len, "p%u[%lld,%lld)%s",
                                (unsigned)task, (long long)(w->start_ms / S),
                                (long long)(w->end_ms / S), w->final ? "" : "~");
    }
    /* The sink's rows come in any order: sorted here as stdout's are, so
     * that the texts compare (the tests' windows fit one part). */
    struct tc_row sorted[64];
    CHECK(n <= 64);
    n = n < 64 ? n : 64;
    memcpy(sorted, rows, n * sizeof *rows);
    qsort(sorted, n, sizeof *sorted, compare_rows);
    for (size_t i = 0; i < n; i++) {
        len += (size_t)snprintf(c->text + len, sizeof c->text - len, " %s=%llu",
                                sorted[i].name, (unsigned long long)sorted[i].count);
    }
    if (last) {
        snprintf(c->text + len, sizeof c->text - len, ";");
    }
    return 0;
}

static void test_task_sink(void)
{
    struct fixture f;
    setup(&f, "1m", 0);
    struct sink_capture sc = {""};
    const struct tc_engine_task_sink sink = {capture_task, &sc};
    tc_engine_set_task_sink(f.e, &sink);
    feed(&f, 0, 10 * S, "a");
    feed(&f, 1, 20 * S, "b");
    feed(&f, 0, 70 * S, "a"); /* W_0 = 70: [0,60) final for partition 0 only */
    CHECK_INT(tc_engine_watermark(f.e), 20 * S);
    CHECK_INT(tc_engine_task_finals(f.e), 0);
    CHECK_STR(sc.text, "p0[0,60) a=1;");
    CHECK_STR(f.cap.text, "");
    CHECK_INT(tc_engine_task_produced(f.e, 0), 70 * S);
    CHECK_INT(tc_engine_task_produced(f.e, 1), 20 * S);
    sc.text[0] = '\0';
    CHECK_INT(tc_engine_task_finals(f.e), 0);
    CHECK_STR(sc.text, ""); /* once */
    feed(&f, 1, 30 * S, "b");
    feed(&f, 1, 65 * S, "c"); /* W = 65: the release hands partition 1's rows first */
    CHECK_STR(sc.text, "p1[0,60) b=2;");
    CHECK_STR(f.cap.text, "1m[0,60) b=2 a=1;");
    CHECK_INT(tc_engine_counters(f.e)->windows_emitted, 1);

    struct tc_ckbuf buf = {0};
    CHECK_INT(tc_engine_save(f.e, &buf), 0);
    struct fixture g;
    setup(&g, "1m", 0);
    struct tc_ckreader rd;
    char err[128] = "";
    tc_ckreader_init(&rd, buf.data, buf.len);
    CHECK_INT(tc_engine_load(g.e, &rd, err, sizeof err), 0);
    CHECK_INT(tc_engine_task_produced(g.e, 0), 70 * S);
    CHECK_INT(tc_engine_task_produced(g.e, 1), 65 * S);
    tc_ckbuf_clear(&buf);
    tc_engine_free(g.e);

    tc_engine_drop_task(f.e, 1);
    CHECK(!tc_engine_has_task(f.e, 1));
    CHECK(tc_engine_has_task(f.e, 0));
    CHECK_INT(tc_engine_tasks(f.e), 1);
    CHECK_INT(tc_engine_task_produced(f.e, 1), INT64_MIN);
    tc_engine_drop_task(f.e, TC_ENGINE_ALL_TASKS);
    CHECK_INT(tc_engine_tasks(f.e), 0);
    tc_engine_free(f.e);
}

/* A task moves between engines (a partition between members): saved from
 * one, loaded into another that has only the other partition, it gives
 * the output the original gives, fixes included. */
static void test_move_task(void)
{
    struct fixture f, g;
    setup(&f, "2m/1m", 0);
    fixes_scenario(&f);
    struct tc_ckbuf buf = {0};
    CHECK_INT(tc_engine_save_task(f.e, 1, &buf), 0);
    setup(&g, "2m/1m", 0);
    CHECK_INT(feed(&g, 0, 10 * S, "a"), TC_COUNT_COUNTED);
    char err[128] = "";
    CHECK_INT(tc_engine_load_task(g.e, 1, buf.data, buf.len, err, sizeof err), 0);
    CHECK_STR(err, "");
    CHECK_INT(tc_engine_tasks(g.e), 2);
    CHECK_INT(tc_engine_task_watermark(g.e, 1), 130 * S);
    CHECK_INT(tc_engine_counters(g.e)->users, tc_engine_counters(f.e)->users);
    g.max[1] = f.max[1];
    fixes_rest(&f);
    fixes_rest(&g);
    /* Loading over a task that is there is refused and changes nothing. */
    CHECK_INT(tc_engine_load_task(g.e, 1, buf.data, buf.len, err, sizeof err), -1);
    CHECK_STR(err, "task 1 is already there");
    tc_engine_free(g.e);

    /* Other settings, a cut or a longer state: refused, nothing loaded. */
    setup(&g, "1m", 0);
    CHECK_INT(tc_engine_load_task(g.e, 1, buf.data, buf.len, err, sizeof err), -1);
    CHECK_STR(err, "state saved with other --window, --lateness or --no-dedup settings");
    tc_engine_free(g.e);
    setup(&g, "2m/1m", 0);
    for (size_t cut = 0; cut < buf.len; cut += 7) {
        CHECK_INT(tc_engine_load_task(g.e, 1, buf.data, cut, err, sizeof err), -1);
    }
    tc_ckbuf_u32(&buf, 0);
    CHECK_INT(tc_engine_load_task(g.e, 1, buf.data, buf.len, err, sizeof err), -1);
    CHECK_STR(err, "trailing data");
    CHECK_INT(tc_engine_tasks(g.e), 0);
    tc_engine_free(g.e);
    tc_engine_free(f.e);
    tc_ckbuf_clear(&buf);
}

/* A restored task whose W_p is behind the loading engine's W is raised to
 * it: nothing it counts reaches a window already final there.  A task
 * that does not exist loads as nothing; a dropped task leaves the
 * windows not yet emitted. */
static void test_load_raise_drop(void)
{
    struct fixture f, g;
    setup(&f, "1m", 0);
    feed(&f, 0, 10 * S, "a");
    struct tc_ckbuf buf = {0}, none = {0};
    CHECK_INT(tc_engine_save_task(f.e, 0, &buf), 0);
    CHECK_INT(tc_engine_save_task(f.e, 7, &none), 0);
    setup(&g, "1m", 0);
    feed(&g, 1, 70 * S, "b");
    CHECK_INT(tc_engine_count_in(g.e, 2, 75 * S, "c", 1, false, 0, 0), TC_COUNT_COUNTED);
    tc_engine_advance_task(g.e, 2, 75 * S);
    CHECK(tc_engine_advance(g.e, 70 * S, &g.em) == 0);
    CHECK_INT(tc_engine_watermark(g.e), 70 * S);
    char err[128] = "";
    CHECK_INT(tc_engine_load_task(g.e, 7, none.data, none.len, err, sizeof err), 0);
    CHECK_INT(tc_engine_tasks(g.e), 2);
    CHECK_INT(tc_engine_load_task(g.e, 0, buf.data, buf.len, err, sizeof err), 0);
    CHECK_INT(tc_engine_task_watermark(g.e, 0), 70 * S);
    CHECK_INT(tc_engine_count_in(g.e, 0, 30 * S, "z", 1, false, 0, 0), TC_COUNT_LATE);
    CHECK_INT(tc_engine_count_in(g.e, 0, 90 * S, "z", 1, false, 0, 0), TC_COUNT_COUNTED);
    tc_engine_drop_task(g.e, 2);
    tc_engine_drop_task(g.e, 2);
    tc_engine_drop_task(g.e, 99);
    CHECK_INT(tc_engine_tasks(g.e), 2);
    tc_engine_drop_task(g.e, 1);
    CHECK_INT(tc_engine_tasks(g.e), 1);
    /* The one task left was raised with W: still late at 30 s. */
    CHECK_INT(tc_engine_count_in(g.e, 0, 30 * S, "z", 1, false, 0, 0), TC_COUNT_LATE);
    CHECK(tc_engine_emit_open(g.e, true, &g.em) == 0);
    CHECK_STR(take(&g), "1m[60,120) z=1;");
    tc_engine_free(g.e);
    tc_engine_free(f.e);
    tc_ckbuf_clear(&buf);
    tc_ckbuf_clear(&none);
}

/* With a task sink (the results topic), a task that joins the engine,
 * new or restored, keeps its own W_p whatever the member held before (a
 * rebalance): its rows are those of its partition alone.  The engine's W
 * comes down to it, and the output prints no window twice. */
static void test_join_with_sink(void)
{
    struct fixture f, g;
    setup(&f, "1m", 0);
    feed(&f, 0, 10 * S, "a"); /* W_0 = 10 */
    struct tc_ckbuf buf = {0};
    CHECK_INT(tc_engine_save_task(f.e, 0, &buf), 0);
    setup(&g, "1m", 0);
    struct sink_capture sc = {""};
    const struct tc_engine_task_sink sink = {capture_task, &sc};
    tc_engine_set_task_sink(g.e, &sink);
    /* The member held partition 1 alone, far ahead: W = 130. */
    CHECK_INT(tc_engine_count_in(g.e, 1, 50 * S, "b", 1, false, 0, 0), TC_COUNT_COUNTED);
    CHECK_INT(tc_engine_count_in(g.e, 1, 130 * S, "c", 1, false, 0, 0), TC_COUNT_COUNTED);
    tc_engine_advance_task(g.e, 1, 130 * S);
    CHECK(tc_engine_advance(g.e, 130 * S, &g.em) == 0);
    CHECK_STR(take(&g), "1m[0,60) b=1;");
    CHECK_INT(tc_engine_task_finals(g.e), 0);
    CHECK_STR(sc.text, "p1[0,60) b=1;");
    sc.text[0] = '\0';
    /* A rebalance: partition 1 goes, 2 (new) and 0 (restored) come. */
    tc_engine_drop_task(g.e, 1);
    CHECK_INT(tc_engine_count_in(g.e, 2, 20 * S, "y", 1, false, 0, 0), TC_COUNT_COUNTED);
    tc_engine_advance_task(g.e, 2, 20 * S);
    char err[128] = "";
    CHECK_INT(tc_engine_load_task(g.e, 0, buf.data, buf.len, err, sizeof err), 0);
    CHECK_INT(tc_engine_task_watermark(g.e, 0), 10 * S);
    CHECK_INT(tc_engine_task_watermark(g.e, 2), 20 * S);
    CHECK(tc_engine_watermark(g.e) <= 10 * S);
    /* Late for neither partition, though the member's W was 130. */
    CHECK_INT(tc_engine_count_in(g.e, 0, 30 * S, "z", 1, false, 0, 0), TC_COUNT_COUNTED);
    CHECK_INT(tc_engine_count_in(g.e, 0, 150 * S, "w", 1, false, 0, 0), TC_COUNT_COUNTED);
    CHECK_INT(tc_engine_count_in(g.e, 2, 160 * S, "w", 1, false, 0, 0), TC_COUNT_COUNTED);
    tc_engine_advance_task(g.e, 0, 150 * S);
    tc_engine_advance_task(g.e, 2, 160 * S);
    CHECK(tc_engine_advance(g.e, 70 * S, &g.em) == 0);
    CHECK_INT(tc_engine_task_finals(g.e), 0);
    CHECK_STR(sc.text, "p0[0,60) a=1 z=1;p2[0,60) y=1;");
    CHECK_STR(take(&g), ""); /* [0,60) was printed */
    CHECK(tc_engine_advance(g.e, 200 * S, &g.em) == 0);
    CHECK_STR(take(&g), "1m[120,180) w=2;");
    tc_engine_free(g.e);
    tc_engine_free(f.e);
    tc_ckbuf_clear(&buf);
}

/* A task that joined below the output's printed end: a record behind its
 * own W_p still in a live pane reaches the task's open windows only, not
 * the ones its W_p closed, though the output printed past them before. */
static void test_join_fixes_with_sink(void)
{
    struct fixture f, g;
    setup(&f, "2m/1m", 0);
    feed(&f, 0, 10 * S, "a"); /* W_0 = 10 */
    struct tc_ckbuf buf = {0};
    CHECK_INT(tc_engine_save_task(f.e, 0, &buf), 0);
    setup(&g, "2m/1m", 0);
    struct sink_capture sc = {""};
    const struct tc_engine_task_sink sink = {capture_task, &sc};
    tc_engine_set_task_sink(g.e, &sink);
    CHECK_INT(tc_engine_count_in(g.e, 1, 300 * S, "b", 1, false, 0, 0), TC_COUNT_COUNTED);
    tc_engine_advance_task(g.e, 1, 300 * S);
    CHECK(tc_engine_advance(g.e, 300 * S, &g.em) == 0);
    tc_engine_drop_task(g.e, 1);
    sc.text[0] = '\0';
    char err[128] = "";
    CHECK_INT(tc_engine_load_task(g.e, 0, buf.data, buf.len, err, sizeof err), 0);
    CHECK_INT(tc_engine_count_in(g.e, 0, 130 * S, "c", 1, false, 0, 0), TC_COUNT_COUNTED);
    tc_engine_advance_task(g.e, 0, 130 * S); /* W_0 = 130: [0,120) closed */
    /* 90 s: in [0,120), closed, and [60,180), open: counted in the latter. */
    CHECK_INT(tc_engine_count_in(g.e, 0, 90 * S, "d", 1, false, 0, 0), TC_COUNT_COUNTED);
    CHECK_INT(tc_engine_task_finals(g.e), 0);
    CHECK_STR(sc.text, "p0[-60,60) a=1;p0[0,120) a=1;");
    sc.text[0] = '\0';
    tc_engine_advance_task(g.e, 0, 200 * S);
    CHECK_INT(tc_engine_task_finals(g.e), 0);
    CHECK_STR(sc.text, "p0[60,180) c=1 d=1;");
    tc_engine_free(g.e);
    tc_engine_free(f.e);
    tc_ckbuf_clear(&buf);
}

int main(void)
{
    RUN(test_own_watermarks);
    RUN(test_order_does_not_matter);
    RUN(test_fixes);
    RUN(test_save_load);
    RUN(test_top_and_new_task);
    RUN(test_changes_and_snapshot);
    RUN(test_task_sink);
    RUN(test_move_task);
    RUN(test_load_raise_drop);
    RUN(test_join_with_sink);
    RUN(test_join_fixes_with_sink);
    return tg_test_finish();
}
