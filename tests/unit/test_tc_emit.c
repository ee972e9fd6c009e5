/* Emission's own contracts, on hand-built panes: the row order of the
 * integer-key sort (small and radix) and of the fallback for counts that
 * do not fit 32 bits, top_n, parts, and which windows end in a range. */
#include <stdlib.h>
#include <string.h>

#include "tc_emit.h"
#include "tg_test.h"

#define MIN_MS 60000

struct seen {
    char text[4096];
    size_t rows, parts;
    bool sorted;
    struct tc_row prev;
};

static bool before(const struct tc_row *a, const struct tc_row *b)
{
    if (a->count != b->count) {
        return a->count > b->count;
    }
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->name, b->name, n);
    return c < 0 || (c == 0 && a->len < b->len);
}

static int record(void *ctx, const struct tc_window *w, const struct tc_row *rows,
                  size_t n, bool first, bool last)
{
    struct seen *s = ctx;
    size_t len = strlen(s->text);
    s->parts++;
    if (first) {
        len += (size_t)snprintf(s->text + len, sizeof s->text - len, "[%lld,%lld)%s",
                                (long long)(w->start_ms / MIN_MS),
                                (long long)(w->end_ms / MIN_MS), w->final ? "" : "~");
        s->sorted = true;
    }
    for (size_t i = 0; i < n; i++, s->rows++) {
        if (!first || i > 0) {
            s->sorted = s->sorted && before(&s->prev, &rows[i]);
        }
        s->prev = rows[i];
        if (s->rows < 8) {
            len += (size_t)snprintf(s->text + len, sizeof s->text - len, " %s=%llu",
                                    rows[i].name, (unsigned long long)rows[i].count);
        }
    }
    if (last) {
        snprintf(s->text + len, sizeof s->text - len, ";");
    }
    return 0;
}

struct bench {
    struct tg_window_spec specs[2];
    struct tc_window_set ws;
    struct tc_users *us;
    struct tc_panes *ps;
    struct tc_emit *x;
    struct seen seen;
    struct tc_emitter em;
};

static void setup(struct bench *b, const char *spec)
{
    memset(b, 0, sizeof *b);
    char err[64];
    CHECK(tg_window_spec_parse(spec, &b->specs[0], err, sizeof err) == 0);
    b->ws = (struct tc_window_set){b->specs, 1, MIN_MS};
    b->us = tc_users_new(0);
    b->ps = tc_panes_new();
    b->x = tc_emit_new();
    b->em = (struct tc_emitter){record, &b->seen, false};
}

static void teardown(struct bench *b)
{
    tc_users_free(b->us);
    tc_panes_free(b->ps);
    tc_emit_free(b->x);
}

/* Sets name's count in pane p. */
static void put(struct bench *b, int64_t p, const char *name, uint32_t count)
{
    int64_t u = tc_users_intern(b->us, name, strlen(name));
    struct tc_pane *pane = tc_panes_get(b->ps, p);
    int64_t e = tc_panes_entry(b->ps, pane, b->us, (uint32_t)u);
    pane->e[e].count = count;
}

static void emit(struct bench *b, int64_t start_min, int64_t end_min, size_t top_n)
{
    struct tc_window w = {0, start_min * MIN_MS, end_min * MIN_MS, true};
    struct tc_emit_source src = {b->us, b->ps, NULL, 0, NULL};
    CHECK_INT(tc_emit_window(b->x, &b->ws, &src, 1, &w, top_n, &b->em), 0);
}

/* Counts beyond 32 bits take the name-comparing sort; ties come out by
 * name in byte order either way. */
static void test_huge_counts_fall_back(void)
{
    struct bench b;
    setup(&b, "2m/1m");
    put(&b, 0, "b", 1);
    put(&b, 0, "huge", UINT32_MAX);
    put(&b, 1, "huge", 5);
    put(&b, 1, "b", 1);
    put(&b, 0, "c", 2);
    put(&b, 1, "B", 2);
    emit(&b, 0, 2, 0);
    CHECK_STR(b.seen.text, "[0,2) huge=4294967300 B=2 b=2 c=2;");
    b.seen = (struct seen){0};
    emit(&b, 1, 3, 0); /* pane 1 alone: the integer keys */
    CHECK_STR(b.seen.text, "[1,3) huge=5 B=2 b=1;");
    b.seen = (struct seen){0};
    emit(&b, 0, 2, 2);
    CHECK_STR(b.seen.text, "[0,2) huge=4294967300 B=2;");
    CHECK_INT(tc_emit_windows(b.x), 3);
    teardown(&b);
}

/* Enough rows for the radix sort and several parts: sorted across part
 * boundaries, every row handed over once. */
static void test_radix_order_and_parts(void)
{
    struct bench b;
    setup(&b, "1m");
    char name[16];
    unsigned seed = 7;
    size_t n = 2 * TC_EMIT_ROWS_PER_CALL + 100;
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245 + 12345;
        snprintf(name, sizeof name, "u%u", seed % 100000);
        put(&b, 0, name, 1 + seed % 300);
    }
    emit(&b, 0, 1, 0);
    CHECK(b.seen.sorted);
    CHECK_INT(b.seen.rows, b.us->n);
    CHECK_INT(b.seen.parts,
              (b.us->n + TC_EMIT_ROWS_PER_CALL - 1) / TC_EMIT_ROWS_PER_CALL);
    /* An empty window is not handed over. */
    b.seen = (struct seen){0};
    emit(&b, 5, 6, 0);
    CHECK_INT(b.seen.parts, 0);
    CHECK_INT(tc_emit_windows(b.x), 1);
    teardown(&b);
}

/* Windows ending in (lo, hi] that contain a pane, and with only_changed
 * those with a pane counted into while they were open. */
static void test_ending_range_and_changes(void)
{
    struct bench b;
    setup(&b, "1m");
    put(&b, 0, "a", 1);
    put(&b, 1, "b", 1);
    put(&b, 3, "c", 1);
    struct tc_emit_source src = {b.us, b.ps, NULL, 0, NULL};
    CHECK_INT(
        tc_emit_ending(b.x, &b.ws, &src, 1, INT64_MIN, INT64_MAX, false, true, 0, &b.em),
        0);
    CHECK_STR(b.seen.text, "[0,1) a=1;[1,2) b=1;[3,4) c=1;");
    b.seen = (struct seen){0};
    CHECK_INT(tc_emit_ending(b.x, &b.ws, &src, 1, 1 * MIN_MS, 3 * MIN_MS, false, false, 0,
                             &b.em),
              0);
    CHECK_STR(b.seen.text, "[1,2)~ b=1;"); /* provisional, as asked */
    b.seen = (struct seen){0};
    tc_panes_find(b.ps, 1)->dirty_w = 2 * MIN_MS; /* counted after [1,2) closed */
    tc_panes_find(b.ps, 3)->dirty_w = 0;
    CHECK_INT(
        tc_emit_ending(b.x, &b.ws, &src, 1, INT64_MIN, INT64_MAX, true, true, 0, &b.em),
        0);
    CHECK_STR(b.seen.text, "[3,4) c=1;");
    teardown(&b);
}

int main(void)
{
    RUN(test_huge_counts_fall_back);
    RUN(test_radix_order_and_parts);
    RUN(test_ending_range_and_changes);
    return tg_test_finish();
}
