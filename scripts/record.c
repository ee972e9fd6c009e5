/* record.c - tg-record: records made and keyed by the project's own code
 * (common/tg_record), for scripts that need records tgproducer did not
 * write, such as the bench's latency records, or tgproducer's Kafka keys.
 *
 *   tg-record write   stdin: one record a line, its fields separated by tabs:
 *                     event_time_ms, channel_id, channel_name, message_id,
 *                     user_id, username, first_name, last_name, text
 *                     (\N for null; text_length is computed).
 *                     stdout: the records, one JSON line each, as
 *                     tgproducer writes them (tg_record_encode).
 *   tg-record key     stdin: JSON records, one a line.  stdout: each line
 *                     behind its counting key and a tab ("KEY\tLINE", the
 *                     input of kcat -P -K '\t'), the key tgproducer gives
 *                     the record in Kafka.  JSON escapes tabs, so a record
 *                     never holds one.
 *
 * Exit status: 0; 65 on a line that is not a record, 69 when stdout cannot
 * be written (the line number and why on stderr); 64 on a usage error.
 */
#include "tg_exit.h"
#include "tg_number.h"
#include "tg_record.h"
#include "tg_utf8.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#define PROGRAM "tg-record"
#define FIELDS 9

/* Splits line (no newline) at its tabs into exactly FIELDS fields, each
 * NUL-terminated in place; \N becomes NULL.  False on another count. */
static bool split_fields(char *line, char *fields[FIELDS])
{
    size_t n = 0;
    for (char *p = line;; p++) {
        if (*p != '\t' && *p != '\0')
            continue;
        bool last = *p == '\0';
        if (n == FIELDS)
            return false;
        *p = '\0';
        fields[n++] = line;
        line = p + 1;
        if (last)
            break;
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(fields[i], "\\N") == 0)
            fields[i] = NULL;
    }
    return n == FIELDS;
}

/* An integer field: false when it is neither \N (has = false) nor an
 * int64. */
static bool int_field(const char *text, bool *has, int64_t *out)
{
    *has = text != NULL;
    return text == NULL || tg_parse_int64(text, INT64_MIN, INT64_MAX, out) == 0;
}

/* A copy of a string field into *out (NULL for \N); false when out of
 * memory. */
static bool string_field(const char *text, char **out)
{
    *out = text != NULL ? strdup(text) : NULL;
    return text == NULL || *out != NULL;
}

/* One line of fields -> rec (initialised).  Returns false with why. */
static bool fill(char *line, struct tg_record *rec, const char **why)
{
    char *f[FIELDS];
    bool has_time;
    if (!split_fields(line, f)) {
        *why = "expected 9 fields separated by tabs";
        return false;
    }
    if (!int_field(f[0], &has_time, &rec->event_time_ms) || !has_time ||
        !int_field(f[1], &rec->has_channel_id, &rec->channel_id) ||
        !int_field(f[3], &rec->has_message_id, &rec->message_id) ||
        !int_field(f[4], &rec->has_user_id, &rec->user_id)) {
        *why = "event_time_ms (required), channel_id, message_id and user_id are "
               "integers";
        return false;
    }
    if (!string_field(f[2], &rec->channel_name) || !string_field(f[5], &rec->username) ||
        !string_field(f[6], &rec->first_name) || !string_field(f[7], &rec->last_name) ||
        !string_field(f[8] != NULL ? f[8] : "", &rec->text)) {
        *why = "out of memory";
        return false;
    }
    rec->text_length = (int64_t)tg_utf8_codepoints(rec->text, strlen(rec->text));
    return true;
}

/* Writes one record from a line of fields (without its newline).  Returns
 * 0, or an exit code with why. */
static int write_one(char *line, char *why, size_t whylen)
{
    struct tg_record rec;
    const char *problem;
    char *out = NULL;
    size_t len = 0;
    int rc = TG_EXIT_DATAERR;
    tg_record_init(&rec);
    if (!fill(line, &rec, &problem)) {
        snprintf(why, whylen, "%s", problem);
    } else if (tg_record_encode(&rec, &out, &len, why, whylen) == 0) {
        rc = TG_EXIT_OK;
        if (fwrite(out, 1, len, stdout) != len || putchar('\n') == EOF) {
            snprintf(why, whylen, "stdout: write error");
            rc = TG_EXIT_UNAVAILABLE;
        }
    }
    free(out);
    tg_record_clear(&rec);
    return rc;
}

/* Writes a record line (len bytes) behind its key.  Returns 0, or an exit
 * code with why. */
static int key_one(struct tg_record_reader *reader, const char *line, size_t len,
                   char *why, size_t whylen)
{
    struct tg_record_view view;
    if (tg_record_read(reader, line, len, &view, why, whylen) != 0)
        return TG_EXIT_DATAERR;
    if (fwrite(view.key, 1, view.key_len, stdout) != view.key_len ||
        putchar('\t') == EOF || fwrite(line, 1, len, stdout) != len ||
        putchar('\n') == EOF) {
        snprintf(why, whylen, "stdout: write error");
        return TG_EXIT_UNAVAILABLE;
    }
    return TG_EXIT_OK;
}

int main(int argc, char **argv)
{
    if (argc != 2 || (strcmp(argv[1], "write") != 0 && strcmp(argv[1], "key") != 0)) {
        fprintf(stderr, "usage: " PROGRAM " write|key < lines\n");
        return TG_EXIT_USAGE;
    }
    bool writing = strcmp(argv[1], "write") == 0;
    struct tg_record_reader *reader = writing ? NULL : tg_record_reader_new();
    if (!writing && reader == NULL) {
        fprintf(stderr, PROGRAM ": out of memory\n");
        return TG_EXIT_SOFTWARE;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = TG_EXIT_OK;
    for (size_t lineno = 1; rc == TG_EXIT_OK && (n = getline(&line, &cap, stdin)) >= 0;
         lineno++) {
        char why[512] = "";
        size_t len = (size_t)n;
        if (len > 0 && line[len - 1] == '\n')
            line[--len] = '\0';
        rc = writing ? write_one(line, why, sizeof why)
                     : key_one(reader, line, len, why, sizeof why);
        if (rc != TG_EXIT_OK)
            fprintf(stderr, PROGRAM ": line %zu: %s\n", lineno, why);
    }
    free(line);
    tg_record_reader_free(reader);
    if (rc == TG_EXIT_OK && fflush(stdout) != 0) {
        fprintf(stderr, PROGRAM ": stdout: write error\n");
        rc = TG_EXIT_UNAVAILABLE;
    }
    return rc;
}
