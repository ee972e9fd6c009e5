/* Unit tests for tc_view (the --live model) and tc_width (names cut to
 * display columns).
 *
 * View: of the open windows a snapshot hands over, the one ending first
 * after the reference time is shown (else the one ending last); a window's
 * rows are capped at max_rows across parts; a spec without an open window
 * in a snapshot shows none; final windows form a ring of the last K, and
 * a user's history reads their counts oldest first, 0 where absent.
 * Width: ASCII, Cyrillic (2 bytes, 1 column) and emoji (4 bytes, 2
 * columns) measured by columns; a long name cut with an ellipsis to
 * exactly the columns asked; invalid UTF-8 and controls shown as U+FFFD;
 * no column, or a tiny buffer, never overflows. */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "tc_view.h"
#include "tc_width.h"
#include "tg_test.h"

static void hand(const struct tc_emitter *em, size_t spec, int64_t start, int64_t end,
                 bool final, const char *const *names, const uint64_t *counts, size_t n)
{
    struct tc_window w = {spec, start, end, final};
    struct tc_row rows[16];
    for (size_t i = 0; i < n; i++) {
        rows[i] = (struct tc_row){names[i], strlen(names[i]), counts[i]};
    }
    em->window(em->ctx, &w, rows, n, true, true);
}

static void test_open_window_choice(void)
{
    struct tc_view *v = tc_view_new(2, 10, 4);
    CHECK(v != NULL);
    struct tc_emitter em = tc_view_snapshot_emitter(v);
    const char *a[] = {"alice", "bob"};
    const uint64_t c1[] = {5, 3}, c2[] = {2, 1}, c3[] = {9, 8};
    /* Spec 0 sliding: windows ending 60, 90, 120; the newest record at 70. */
    tc_view_snapshot_begin(v, 70);
    hand(&em, 0, 0, 60, false, a, c1, 2);
    hand(&em, 0, 30, 90, false, a, c2, 2);
    hand(&em, 0, 60, 120, false, a, c3, 1);
    tc_view_snapshot_end(v);
    const struct tc_view_window *w = tc_view_open(v, 0);
    CHECK(w->valid);
    CHECK_INT(w->end_ms, 90);
    CHECK_INT(w->n, 2);
    CHECK_STR(w->rows[0].name, "alice");
    CHECK_INT(w->rows[0].count, 2);
    CHECK(!tc_view_open(v, 1)->valid); /* spec 1 handed over nothing */
    /* Every window ends before the reference: the last one is shown. */
    tc_view_snapshot_begin(v, 500);
    hand(&em, 1, 0, 10, false, a, c1, 2);
    hand(&em, 1, 10, 20, false, a, c3, 2);
    tc_view_snapshot_end(v);
    CHECK(!tc_view_open(v, 0)->valid);
    CHECK_INT(tc_view_open(v, 1)->end_ms, 20);
    CHECK_INT(tc_view_open(v, 1)->rows[1].count, 8);
    tc_view_free(v);
}

static void test_rows_capped_across_parts(void)
{
    struct tc_view *v = tc_view_new(1, 3, 2);
    struct tc_emitter em = tc_view_snapshot_emitter(v);
    struct tc_window w = {0, 0, 100, false};
    struct tc_row p1[] = {{"a", 1, 9}, {"b", 1, 8}};
    struct tc_row p2[] = {{"c", 1, 7}, {"d", 1, 6}};
    tc_view_snapshot_begin(v, 50);
    em.window(em.ctx, &w, p1, 2, true, false);
    em.window(em.ctx, &w, p2, 2, false, true);
    tc_view_snapshot_end(v);
    const struct tc_view_window *o = tc_view_open(v, 0);
    CHECK_INT(o->n, 3);
    CHECK_STR(o->rows[2].name, "c");
    CHECK_INT(tc_view_count_of(o, "d", 1), 0);
    CHECK_INT(tc_view_count_of(o, "b", 1), 8);
    tc_view_free(v);
}

static void test_history_ring(void)
{
    struct tc_view *v = tc_view_new(1, 10, 3);
    struct tc_emitter fin = tc_view_finals_emitter(v);
    CHECK(!tc_view_last(v, 0)->valid);
    uint64_t h[8];
    CHECK_INT(tc_view_history(v, 0, "x", 1, h, 8), 0);
    const char *xy[] = {"x", "y"}, *y[] = {"y"};
    const uint64_t c[] = {4, 1}, one[] = {2};
    hand(&fin, 0, 0, 10, true, xy, c, 2);   /* x 4 */
    hand(&fin, 0, 10, 20, true, y, one, 1); /* x absent */
    hand(&fin, 0, 20, 30, true, xy, c, 2);  /* x 4 */
    CHECK_INT(tc_view_history(v, 0, "x", 1, h, 8), 3);
    CHECK_INT(h[0], 4);
    CHECK_INT(h[1], 0);
    CHECK_INT(h[2], 4);
    const uint64_t c7[] = {7, 1};
    hand(&fin, 0, 30, 40, true, xy, c7, 2); /* the oldest leaves */
    CHECK_INT(tc_view_history(v, 0, "x", 1, h, 8), 3);
    CHECK_INT(h[0], 0);
    CHECK_INT(h[1], 4);
    CHECK_INT(h[2], 7);
    CHECK_INT(tc_view_history(v, 0, "x", 1, h, 2), 2); /* the newest two */
    CHECK_INT(h[0], 4);
    CHECK_INT(h[1], 7);
    CHECK_INT(tc_view_last(v, 0)->start_ms, 30);
    tc_view_free(v);
    tc_view_free(NULL);
}

static void test_width(void)
{
    if (setlocale(LC_CTYPE, "C.UTF-8") == NULL) {
        SKIP("no C.UTF-8 locale");
    }
    char out[TC_WIDTH_BYTES(20)];
    CHECK_INT(tc_width_of("alice", 5), 5);
    const char *ivan = "\xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd"; /* Иван */
    CHECK_INT(tc_width_of(ivan, strlen(ivan)), 4);
    const char *party = "\xf0\x9f\x8e\x89x"; /* 🎉x */
    CHECK_INT(tc_width_of(party, strlen(party)), 3);
    /* Fits: unchanged. */
    CHECK_INT(tc_width_fit(ivan, strlen(ivan), 4, out, sizeof out), 4);
    CHECK_STR(out, ivan);
    /* Too long: cut to 3 columns, the last one an ellipsis. */
    CHECK_INT(tc_width_fit(ivan, strlen(ivan), 3, out, sizeof out), 3);
    CHECK_STR(out, "\xd0\x98\xd0\xb2" TC_WIDTH_ELLIPSIS);
    /* A wide character that does not fit before the ellipsis is left out. */
    const char *pp = "\xf0\x9f\x8e\x89\xf0\x9f\x8e\x89"; /* 🎉🎉 */
    CHECK_INT(tc_width_fit(pp, strlen(pp), 3, out, sizeof out), 3);
    CHECK_STR(out, "\xf0\x9f\x8e\x89" TC_WIDTH_ELLIPSIS);
    CHECK_INT(tc_width_fit(pp, strlen(pp), 2, out, sizeof out), 1);
    CHECK_STR(out, TC_WIDTH_ELLIPSIS);
    /* Invalid UTF-8 and a control: U+FFFD each. */
    CHECK_INT(tc_width_fit("a\xff\x01", 3, 10, out, sizeof out), 3);
    CHECK_STR(out, "a" TC_WIDTH_REPLACEMENT TC_WIDTH_REPLACEMENT);
    CHECK_INT(tc_width_of("\xd0", 1), 1); /* a cut character */
    /* No room. */
    CHECK_INT(tc_width_fit("abc", 3, 0, out, sizeof out), 0);
    CHECK_STR(out, "");
    char tiny[3];
    CHECK(tc_width_fit(ivan, strlen(ivan), 10, tiny, sizeof tiny) <= 1);
    CHECK(strlen(tiny) <= 2);
}

int main(void)
{
    RUN(test_open_window_choice);
    RUN(test_rows_capped_across_parts);
    RUN(test_history_ring);
    RUN(test_width);
    return tg_test_finish();
}
