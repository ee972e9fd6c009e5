/* tc_output.c - text, csv and json window writers. */
#include "tc_output.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tc_jsonstr.h"
#include "tg_time.h"

struct tc_output {
    FILE *out;
    enum tc_format format;
    bool header_done;
};

struct tc_output *tc_output_new(FILE *out, enum tc_format format)
{
    struct tc_output *o = calloc(1, sizeof *o);
    if (o != NULL) {
        o->out = out;
        o->format = format;
    }
    return o;
}

void tc_output_free(struct tc_output *o)
{
    free(o);
}

static void format_time(int64_t ms, char *buf, size_t len)
{
    if (tg_time_format(ms, buf, len) < 0) {
        snprintf(buf, len, "%" PRId64, ms);
    }
}

/* The stream is only ever used by this thread, so the unlocked stdio
 * calls are safe; windows of a million rows make the difference visible. */
static void put_count(FILE *f, const char *prefix, uint64_t v, char end)
{
    char buf[32];
    char *p = buf + sizeof buf;
    *--p = end;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    fputs_unlocked(prefix, f);
    fwrite_unlocked(p, 1, (size_t)(buf + sizeof buf - p), f);
}

/* A text row is "name, count": a name written raw must not read as a
 * header ('#' first), hold the row's separator or a line end, or start
 * like a quoted name ('"' first), so that quoting stays reversible. */
static bool text_name_needs_quotes(const char *name, size_t len)
{
    const unsigned char *s = (const unsigned char *)name;
    if (len > 0 && (s[0] == '#' || s[0] == '"')) {
        return true;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = s[i];
        size_t n;
        /* Printable ASCII other than ',' (nearly every byte) goes by at once. */
        if (c >= 0x20 && c < 0x7f && c != ',') {
            continue;
        }
        if (c == ',' ? i + 1 < len && s[i + 1] == ' '
                     : tc_jsonstr_is_break_or_control(s, len, i, &n)) {
            return true;
        }
    }
    return false;
}

static void put_file(void *ctx, const char *p, size_t n)
{
    fwrite_unlocked(p, 1, n, ctx);
}

/* A JSON string literal (tc_jsonstr.h); with all_breaks also DEL, the C1
 * controls and U+2028/U+2029 escaped. */
static void put_json_string(FILE *f, const char *s, size_t len, bool all_breaks)
{
    tc_jsonstr_write(s, len, all_breaks ? TC_JSONSTR_ALL_BREAKS : 0, put_file, f);
}

static void put_text_name(FILE *f, const char *s, size_t len)
{
    if (text_name_needs_quotes(s, len)) {
        put_json_string(f, s, len, true);
    } else {
        fwrite_unlocked(s, 1, len, f);
    }
}

static void put_csv_field(FILE *f, const char *s, size_t len)
{
    if (strcspn(s, ",\"\r\n") >= len) {
        fwrite_unlocked(s, 1, len, f);
        return;
    }
    putc('"', f);
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"') {
            putc('"', f);
        }
        putc(s[i], f);
    }
    putc('"', f);
}

static void csv_header(struct tc_output *o)
{
    if (o->format == TC_FORMAT_CSV && !o->header_done) {
        fputs("window,start,end,username,count,final\n", o->out);
    }
    o->header_done = true;
}

int tc_output_window(struct tc_output *o, const char *spec, int64_t start_ms,
                     int64_t end_ms, const struct tc_row *rows, size_t n)
{
    return tc_output_part(o, spec, start_ms, end_ms, true, rows, n, true, true);
}

int tc_output_part(struct tc_output *o, const char *spec, int64_t start_ms,
                   int64_t end_ms, bool final, const struct tc_row *rows, size_t n,
                   bool first, bool last)
{
    const char *csv_final = final ? "true\n" : "false\n";
    const char *json_final = final ? "\"final\":true}\n" : "\"final\":false}\n";
    char start[TG_TIME_TEXT_MAX], end[TG_TIME_TEXT_MAX];
    format_time(start_ms, start, sizeof start);
    format_time(end_ms, end, sizeof end);
    FILE *f = o->out;
    csv_header(o);
    if (first && o->format == TC_FORMAT_TEXT) {
        fprintf(f, "# %s %s %s%s\n", spec, start, end, final ? "" : " provisional");
    }
    for (size_t i = 0; i < n; i++) {
        switch (o->format) {
        case TC_FORMAT_TEXT:
            put_text_name(f, rows[i].name, rows[i].len);
            put_count(f, ", ", rows[i].count, '\n');
            break;
        case TC_FORMAT_CSV:
            put_csv_field(f, spec, strlen(spec));
            fprintf(f, ",%s,%s,", start, end);
            put_csv_field(f, rows[i].name, rows[i].len);
            put_count(f, ",", rows[i].count, ',');
            fputs_unlocked(csv_final, f);
            break;
        case TC_FORMAT_JSON:
            fputs("{\"window\":", f);
            put_json_string(f, spec, strlen(spec), false);
            fprintf(f, ",\"start\":\"%s\",\"end\":\"%s\",\"username\":", start, end);
            put_json_string(f, rows[i].name, rows[i].len, false);
            put_count(f, ",\"count\":", rows[i].count, ',');
            fputs_unlocked(json_final, f);
            break;
        }
    }
    if (ferror(f) || (last && fflush(f) != 0)) {
        return -1;
    }
    return 0;
}

int tc_output_finish(struct tc_output *o)
{
    csv_header(o);
    if (fflush(o->out) != 0 || ferror(o->out)) {
        return -1;
    }
    return 0;
}
