/* tc_tui.c - drawing the --live view with ncursesw, and its keys.
 *
 * Layout, top to bottom: one status line, then one panel per window spec,
 * the lines left shared between them.  A panel is a header line (the
 * spec, the open window's bounds, the last final window's) and rows:
 *
 *   name            count  bar                 last  sparkline
 *
 * Every line is built as UTF-8 text at its full width, then cut to the
 * screen's width by display columns (tc_width.h), so that nothing wraps
 * and a 20x5 terminal gets the beginning of each line.
 */
#include "tc_tui.h"

#include <curses.h>
#include <inttypes.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tc_view.h"
#include "tc_width.h"
#include "tg_duration.h"
#include "tg_signal.h"
#include "tg_time.h"

/* Rows kept per window: more than any screen shows. */
#define MAX_ROWS 200
#define DEFAULT_ROWS 10
#define NAME_MAX_COLS 24
#define NAME_MIN_COLS 6
#define COUNT_COLS 7
#define LINE_BYTES 4096

struct tc_tui {
    struct tc_tui_config cfg;
    struct tc_pipeline_live hook;
    struct tc_view *view;
    FILE *tty;
    SCREEN *screen;
    bool quit, paused, dirty;
    bool ended;   /* the input ended: the view waits for q */
    size_t rows;  /* rows per panel asked for (n / N) */
    size_t focus; /* spec index */
    size_t *scroll;
    int64_t next_redraw_ms; /* monotonic */
    int64_t rate_since_ms;  /* monotonic */
    uint64_t rate_since_read;
    uint64_t rate; /* records/s, last measured */
};

/* ---- lines: UTF-8 text with its display width --------------------------- */

struct line {
    char buf[LINE_BYTES];
    size_t len;
    int width;
};

static void line_add(struct line *l, const char *s, int cols)
{
    char cell[TC_WIDTH_BYTES(NAME_MAX_COLS * 8)];
    int w = tc_width_fit(s, strlen(s), cols, cell, sizeof cell);
    size_t n = strlen(cell);
    if (l->len + n + (size_t)(cols - w) + 1 > sizeof l->buf) {
        return;
    }
    memcpy(l->buf + l->len, cell, n);
    l->len += n;
    for (; w < cols; w++) { /* pad to the column */
        l->buf[l->len++] = ' ';
    }
    l->buf[l->len] = '\0';
    l->width += cols;
}

/* Right-aligned number in cols columns. */
static void line_num(struct line *l, uint64_t v, int cols, bool blank)
{
    char s[32];
    snprintf(s, sizeof s, "%*" PRIu64, cols, v);
    line_add(l, blank ? "" : s, cols);
}

static void line_text(struct line *l, const char *s)
{
    line_add(l, s, tc_width_of(s, strlen(s)));
}

/* Writes l at screen line y, cut to the screen's width. */
static void line_put(int y, const struct line *l, attr_t attr)
{
    if (y < 0 || y >= LINES || COLS <= 0) {
        return;
    }
    char out[TC_WIDTH_BYTES(LINE_BYTES)];
    tc_width_fit(l->buf, l->len, COLS, out, sizeof out);
    move(y, 0);
    clrtoeol();
    attron(attr);
    addstr(out);
    attroff(attr);
}

/* ---- pieces of a line --------------------------------------------------- */

static void hhmmss(int64_t ms, char *buf, size_t len)
{
    time_t s = (time_t)(ms / 1000 - (ms % 1000 < 0));
    struct tm tm;
    if (ms == TC_WATERMARK_NONE || gmtime_r(&s, &tm) == NULL) {
        snprintf(buf, len, "-");
        return;
    }
    strftime(buf, len, "%H:%M:%S", &tm);
}

/* A bar of count / max over cols columns, in eighths of a block. */
static void line_bar(struct line *l, uint64_t count, uint64_t max, int cols)
{
    static const char *const eighths[] = {"",       "\u258f", "\u258e", "\u258d",
                                          "\u258c", "\u258b", "\u258a", "\u2589"};
    char bar[LINE_BYTES / 2] = "";
    size_t used = 0;
    uint64_t total = max > 0 ? count * (uint64_t)cols * 8 / max : 0;
    for (uint64_t i = 0; i < total / 8 && used + 4 < sizeof bar; i++) {
        used += (size_t)snprintf(bar + used, sizeof bar - used, "\u2588");
    }
    if (used + 4 < sizeof bar) {
        snprintf(bar + used, sizeof bar - used, "%s", eighths[total % 8]);
    }
    line_add(l, bar, cols);
}

/* A sparkline of counts[0..n), scaled to their greatest, in width cols. */
static void line_spark(struct line *l, const uint64_t *counts, size_t n, int cols)
{
    static const char *const levels[] = {"\u2581", "\u2582", "\u2583", "\u2584",
                                         "\u2585", "\u2586", "\u2587", "\u2588"};
    uint64_t max = 0;
    for (size_t i = 0; i < n; i++) {
        max = counts[i] > max ? counts[i] : max;
    }
    char s[TC_TUI_HISTORY * 4 + 1] = "";
    size_t used = 0;
    for (size_t i = 0; i < n && i < TC_TUI_HISTORY; i++) {
        const char *c = counts[i] == 0 ? " " : levels[(counts[i] * 7) / max];
        used += (size_t)snprintf(s + used, sizeof s - used, "%s", c);
    }
    line_add(l, s, cols);
}

/* ---- drawing ------------------------------------------------------------ */

static void draw_status(struct tc_tui *t, struct tc_pipeline *p, int64_t now)
{
    const struct tc_stats *s = tc_pipeline_stats(p);
    int64_t w = tc_pipeline_watermark(p);
    char wtext[16], text[512];
    hhmmss(w, wtext, sizeof wtext);
    char lag[48] = "";
    if (w != TC_WATERMARK_NONE) {
        snprintf(lag, sizeof lag, " (%" PRId64 "s behind)", (now - w) / 1000);
    }
    snprintf(text, sizeof text,
             " %s | %" PRIu64 " rec/s | read %" PRIu64 " | late %" PRIu64
             " | malformed %" PRIu64 " | W %s%s%s%s | %s",
             t->cfg.input, t->rate, s->read, s->late, s->malformed, wtext, lag,
             t->paused ? " | PAUSED" : "", t->cfg.output != NULL ? " | to file" : "",
             t->ended ? "input ended: q quits" : "q quit, p pause");
    struct line l = {0};
    line_text(&l, text);
    line_put(0, &l, A_REVERSE);
    const char *note = tc_pipeline_note(p);
    if (note[0] != '\0') {
        struct line m = {0};
        line_text(&m, " ");
        line_text(&m, note);
        line_put(1, &m, A_REVERSE);
    }
}

/* Column widths of a panel's rows for a screen cols wide. */
struct layout {
    int name, bar, spark;
};

static struct layout layout_for(int cols)
{
    struct layout lo = {.spark = TC_TUI_HISTORY};
    int fixed = 1 + COUNT_COLS + 1 + 1 + COUNT_COLS + 1 + lo.spark;
    int room = cols - fixed;
    lo.name = room / 2 > NAME_MAX_COLS ? NAME_MAX_COLS : room / 2;
    lo.name = lo.name < NAME_MIN_COLS ? NAME_MIN_COLS : lo.name;
    lo.bar = room - lo.name > 0 ? room - lo.name : 0;
    return lo;
}

static void draw_header(struct tc_tui *t, size_t spec, int y,
                        const struct tc_view_window *o, const struct tc_view_window *last)
{
    char a[16], b[16], c[16], d[16], text[256];
    hhmmss(o->start_ms, a, sizeof a);
    hhmmss(o->end_ms, b, sizeof b);
    hhmmss(last->start_ms, c, sizeof c);
    hhmmss(last->end_ms, d, sizeof d);
    char open[64] = "no open window", fin[64] = "no final window yet";
    if (o->valid) {
        snprintf(open, sizeof open, "open %s-%s", a, b);
    }
    if (last->valid) {
        snprintf(fin, sizeof fin, "last final %s-%s", c, d);
    }
    snprintf(text, sizeof text, "%s %s  %s | %s", spec == t->focus ? ">" : " ",
             t->cfg.specs[spec].text, open, fin);
    struct line l = {0};
    line_text(&l, text);
    line_put(y, &l, spec == t->focus ? A_BOLD | A_UNDERLINE : A_BOLD);
}

/* One row of a panel: a user with their open and last final counts. */
static void draw_row(struct tc_tui *t, size_t spec, int y, const struct layout *lo,
                     const struct tc_view_row *row, uint64_t max)
{
    const struct tc_view_window *o = tc_view_open(t->view, spec);
    const struct tc_view_window *last = tc_view_last(t->view, spec);
    uint64_t open = tc_view_count_of(o, row->name, row->len);
    uint64_t hist[TC_TUI_HISTORY];
    size_t k = tc_view_history(t->view, spec, row->name, row->len, hist, TC_TUI_HISTORY);
    struct line l = {0};
    line_add(&l, row->name, lo->name);
    line_text(&l, " ");
    line_num(&l, open, COUNT_COLS, !o->valid);
    line_text(&l, " ");
    line_bar(&l, open, max, lo->bar);
    line_text(&l, " ");
    line_num(&l, tc_view_count_of(last, row->name, row->len), COUNT_COLS, !last->valid);
    line_text(&l, " ");
    line_spark(&l, hist, k, lo->spark);
    line_put(y, &l, A_NORMAL);
}

/* Draws spec's panel in lines [y, y + height): the open window's users,
 * then those of the last final window not in it (a young open window
 * holds few), so that the leaders stay on screen as a window turns. */
static void draw_panel(struct tc_tui *t, size_t spec, int y, int height)
{
    const struct tc_view_window *o = tc_view_open(t->view, spec);
    const struct tc_view_window *last = tc_view_last(t->view, spec);
    draw_header(t, spec, y, o, last);
    struct layout lo = layout_for(COLS);
    if (height >= 3) { /* room for the column labels too */
        struct line l = {0};
        line_add(&l, "user", lo.name);
        line_text(&l, " ");
        line_add(&l, "   open", COUNT_COLS);
        line_text(&l, " ");
        line_add(&l, "", lo.bar);
        line_text(&l, " ");
        line_add(&l, "  final", COUNT_COLS);
        line_text(&l, " ");
        line_add(&l, "finals", lo.spark);
        line_put(++y, &l, A_DIM);
        height--;
    }
    size_t on = o->valid ? o->n : 0;
    const struct tc_view_row *extra[MAX_ROWS];
    size_t nextra = 0;
    for (size_t i = 0; last->valid && i < last->n && nextra < MAX_ROWS; i++) {
        if (tc_view_count_of(o, last->rows[i].name, last->rows[i].len) == 0) {
            extra[nextra++] = &last->rows[i];
        }
    }
    size_t n = on + nextra;
    size_t shown = (size_t)(height - 1) < t->rows ? (size_t)(height - 1) : t->rows;
    if (t->scroll[spec] + shown > n) {
        t->scroll[spec] = n > shown ? n - shown : 0;
    }
    uint64_t max = on > 0 ? o->rows[0].count : 0;
    for (size_t i = 0; i < shown && t->scroll[spec] + i < n; i++) {
        size_t r = t->scroll[spec] + i;
        draw_row(t, spec, y + 1 + (int)i, &lo, r < on ? &o->rows[r] : extra[r - on], max);
    }
}

static void draw(struct tc_tui *t, struct tc_pipeline *p, int64_t now)
{
    erase();
    draw_status(t, p, now);
    int top = tc_pipeline_note(p)[0] != '\0' ? 2 : 1; /* status lines */
    size_t n = tc_view_specs(t->view);
    int avail = LINES - top;
    /* Panels from the focused one on, when not all fit one line each. */
    size_t first = avail >= (int)n ? 0 : t->focus;
    size_t panels = n - first;
    int y = top;
    for (size_t i = 0; i < panels && y < LINES; i++) {
        int h = avail / (int)panels + ((int)i < avail % (int)panels ? 1 : 0);
        if (h <= 0) {
            h = 1;
        }
        draw_panel(t, first + i, y, h);
        y += h;
    }
    refresh();
}

/* ---- keys and the hook -------------------------------------------------- */

static void on_key(struct tc_tui *t, int ch)
{
    size_t n = tc_view_specs(t->view);
    switch (ch) {
    case 'q':
    case 'Q':
        t->quit = true;
        tg_signal_request_stop(SIGTERM);
        break;
    case 'p':
    case 'P':
    case ' ':
        t->paused = !t->paused;
        break;
    case 'n':
        t->rows = t->rows > 1 ? t->rows - 1 : 1;
        break;
    case 'N':
        t->rows = t->rows < MAX_ROWS ? t->rows + 1 : MAX_ROWS;
        break;
    case '\t':
        t->focus = (t->focus + 1) % n;
        break;
    case KEY_BTAB:
        t->focus = (t->focus + n - 1) % n;
        break;
    case KEY_DOWN:
        t->scroll[t->focus]++; /* draw_panel keeps it in range */
        break;
    case KEY_UP:
        t->scroll[t->focus] -= t->scroll[t->focus] > 0;
        break;
    case KEY_NPAGE:
        t->scroll[t->focus] += t->rows;
        break;
    case KEY_PPAGE:
        t->scroll[t->focus] =
            t->scroll[t->focus] > t->rows ? t->scroll[t->focus] - t->rows : 0;
        break;
    case KEY_RESIZE:
        break;
    default:
        return;
    }
    t->dirty = true;
}

/* Measures records/s over at least two seconds. */
static void measure_rate(struct tc_tui *t, const struct tc_pipeline *p)
{
    int64_t mono = tg_time_monotonic_ms();
    uint64_t read = tc_pipeline_stats(p)->read;
    if (mono - t->rate_since_ms >= 2000) { /* Kafka hands records over in bursts */
        t->rate =
            (read - t->rate_since_read) * 1000 / (uint64_t)(mono - t->rate_since_ms);
        t->rate_since_ms = mono;
        t->rate_since_read = read;
    }
}

static void tick(void *ctx, struct tc_pipeline *p, int64_t now)
{
    struct tc_tui *t = ctx;
    int ch;
    while (!t->quit && (ch = getch()) != ERR) {
        on_key(t, ch);
    }
    if (t->quit) {
        return;
    }
    measure_rate(t, p);
    /* Monotonic: a wall clock stepped back must not stop the redraws. */
    int64_t mono = tg_time_monotonic_ms();
    bool due = mono >= t->next_redraw_ms;
    if (!(due || t->dirty) || (t->paused && !t->dirty)) {
        return;
    }
    if (!t->paused && due) {
        struct tc_emitter em = tc_view_snapshot_emitter(t->view);
        tc_view_snapshot_begin(t->view, tc_pipeline_max_event_time(p));
        /* Out of memory, it hands over less: the view shows what came, and
         * the counting, which needs the memory more, will say so. */
        (void)tc_pipeline_snapshot(p, MAX_ROWS, &em);
        tc_view_snapshot_end(t->view);
        t->next_redraw_ms = mono + TC_TUI_REDRAW_MS;
    }
    t->dirty = false;
    draw(t, p, now);
}

void tc_tui_hold(struct tc_tui *t, struct tc_pipeline *p)
{
    if (t->quit) {
        return;
    }
    t->ended = true;
    t->paused = false;
    t->rate = 0;
    /* Every window is final now: the panels show the last ones. */
    tc_view_snapshot_begin(t->view, INT64_MIN);
    tc_view_snapshot_end(t->view);
    timeout(200); /* getch waits this long, so that a stop signal is seen */
    t->dirty = true;
    while (!t->quit && !tg_signal_stop_requested()) {
        if (t->dirty) {
            t->dirty = false;
            draw(t, p, tg_time_now_ms());
        }
        int ch = getch();
        if (ch != ERR) {
            on_key(t, ch);
        }
    }
}

/* ---- lifecycle ---------------------------------------------------------- */

/* ncursesw draws UTF-8 only in a UTF-8 LC_CTYPE: the user's, else
 * C.UTF-8.  Only LC_CTYPE: numbers in --live-output keep the C locale. */
static void utf8_locale(void)
{
    setlocale(LC_CTYPE, "");
    const char *cs = nl_langinfo(CODESET);
    if (cs == NULL || strcmp(cs, "UTF-8") != 0) {
        setlocale(LC_CTYPE, "C.UTF-8");
    }
}

struct tc_tui *tc_tui_new(const struct tc_tui_config *cfg, char *err, size_t errlen)
{
    struct tc_tui *t = calloc(1, sizeof *t);
    if (t == NULL ||
        (t->view = tc_view_new(cfg->nspecs, MAX_ROWS, TC_TUI_HISTORY)) == NULL ||
        (t->scroll = calloc(cfg->nspecs, sizeof *t->scroll)) == NULL) {
        snprintf(err, errlen, "out of memory");
        tc_tui_free(t);
        return NULL;
    }
    t->cfg = *cfg;
    t->rows = DEFAULT_ROWS;
    t->rate_since_ms = tg_time_monotonic_ms();
    t->hook = (struct tc_pipeline_live){
        .finals = tc_view_finals_emitter(t->view), .tick = tick, .ctx = t};
    t->tty = fopen("/dev/tty", "r+e");
    if (t->tty == NULL) {
        snprintf(err, errlen, "--live: /dev/tty: cannot open the terminal for keys");
        tc_tui_free(t);
        return NULL;
    }
    utf8_locale();
    t->screen = newterm(NULL, stdout, t->tty);
    if (t->screen == NULL) {
        snprintf(err, errlen, "--live: terminal type '%s' unknown to terminfo",
                 getenv("TERM") != NULL ? getenv("TERM") : "");
        tc_tui_free(t);
        return NULL;
    }
    cbreak();
    noecho();
    nodelay(stdscr, TRUE);
    keypad(stdscr, TRUE);
    curs_set(0);
    t->dirty = true;
    return t;
}

void tc_tui_free(struct tc_tui *t)
{
    if (t == NULL) {
        return;
    }
    if (t->screen != NULL) {
        endwin();
        delscreen(t->screen);
    }
    if (t->tty != NULL) {
        fclose(t->tty);
    }
    tc_view_free(t->view);
    free(t->scroll);
    free(t);
}

const struct tc_pipeline_live *tc_tui_hook(struct tc_tui *t)
{
    return &t->hook;
}

bool tc_tui_quit(const struct tc_tui *t)
{
    return t->quit;
}
