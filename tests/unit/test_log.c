#include "tg_log.h"
#include "tg_test.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* 35 characters, like a real token's secret part. */
#define SECRET35 "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw-"
#define SECRET30 "AAHdqTcvCH1vGWJxfSeofSAs0K5PAL"
#define SECRET29 "AAHdqTcvCH1vGWJxfSeofSAs0K5PA"

/* A log writing to memory; finish() closes it and returns the text. */
struct capture {
    struct tg_log log;
    char *text;
    size_t len;
};

static void capture_start(struct capture *c)
{
    c->text = NULL;
    c->len = 0;
    tg_log_init(&c->log, "prog", open_memstream(&c->text, &c->len));
}

static char *capture_finish(struct capture *c)
{
    fclose(c->log.stream);
    return c->text;
}

static void test_init_and_prefix(void)
{
    struct capture c;
    capture_start(&c);
    CHECK_INT(c.log.level, TG_LOG_WARN);
    CHECK_STR(c.log.program, "prog");
    tg_log_error(&c.log, "cannot open %s: %s", "x.json", "No such file");
    tg_log_warn(&c.log, "skipped %d records", 3);
    char *out = capture_finish(&c);
    CHECK_STR(out, "prog: cannot open x.json: No such file\n"
                   "prog: warning: skipped 3 records\n");
    free(out);
}

static void test_levels(void)
{
    struct capture c;
    capture_start(&c);
    tg_log_info(&c.log, "info hidden by default");
    tg_log_debug(&c.log, "debug hidden by default");
    tg_log_louder(&c.log);
    CHECK_INT(c.log.level, TG_LOG_INFO);
    tg_log_info(&c.log, "info 1");
    tg_log_debug(&c.log, "debug hidden at -v");
    tg_log_louder(&c.log);
    tg_log_louder(&c.log); /* capped */
    CHECK_INT(c.log.level, TG_LOG_DEBUG);
    tg_log_debug(&c.log, "debug 2");
    tg_log_quieter(&c.log);
    CHECK_INT(c.log.level, TG_LOG_ERROR);
    tg_log_warn(&c.log, "warning hidden by -q");
    tg_log_info(&c.log, "info hidden by -q");
    tg_log_error(&c.log, "error 3");
    tg_log_msg(&c.log, TG_LOG_ERROR, "error %s", "4");
    char *out = capture_finish(&c);
    CHECK_STR(out, "prog: info 1\nprog: debug 2\nprog: error 3\nprog: error 4\n");
    free(out);
}

static void test_log_redacts(void)
{
    struct capture c;
    capture_start(&c);
    tg_log_error(&c.log, "GET https://api.telegram.org/bot%s/getUpdates: %s",
                 "123456789:" SECRET35, "HTTP 401");
    tg_log_warn(&c.log, "token %s rejected", "987654:" SECRET30);
    char *out = capture_finish(&c);
    CHECK_STR(out,
              "prog: GET https://api.telegram.org/bot<redacted>/getUpdates: HTTP 401\n"
              "prog: warning: token <redacted> rejected\n");
    CHECK(strstr(out, "AAHdq") == NULL);
    free(out);
}

static void test_log_null_stream(void)
{
    struct tg_log log;
    tg_log_init(&log, "prog", NULL);
    tg_log_error(&log, "goes nowhere"); /* must not crash */
    CHECK(log.stream == NULL);
}

static void test_long_line_is_cut(void)
{
    struct capture c;
    capture_start(&c);
    char *msg = malloc(5000);
    memset(msg, 'y', 4999);
    msg[4999] = '\0';
    tg_log_error(&c.log, "%s", msg);
    char *out = capture_finish(&c);
    /* TG_LOG_LINE_MAX - 1 bytes with the newline. */
    CHECK_INT(strlen(out), TG_LOG_LINE_MAX - 1);
    CHECK(strncmp(out, "prog: yyy", 9) == 0);
    CHECK(out[strlen(out) - 1] == '\n');
    CHECK(out[strlen(out) - 2] == 'y');
    free(out);
    free(msg);
}

/* A token cut by the line limit keeps fewer than 30 secret characters
 * and is no longer recognisable: its start is dropped, not shown. */
static void test_cut_token_is_dropped(void)
{
    /* The line holds TG_LOG_LINE_MAX - 2 characters before the newline:
     * "prog: " (6), 2020 'x', " ", "123456789:" (ends at 2037) and the
     * first 9 secret characters. */
    char *msg = malloc(TG_LOG_LINE_MAX * 2);
    memset(msg, 'x', 2020);
    strcpy(msg + 2020, " 123456789:" SECRET35 " end");
    struct capture c;
    capture_start(&c);
    tg_log_error(&c.log, "%s", msg);
    char *out = capture_finish(&c);
    char *want = malloc(TG_LOG_LINE_MAX * 2);
    strcpy(want, "prog: ");
    memset(want + 6, 'x', 2020);
    strcpy(want + 6 + 2020, " \n");
    CHECK_STR(out, want);
    CHECK(strstr(out, "AAHdq") == NULL);
    CHECK(strstr(out, "123456789") == NULL);
    free(out);

    /* A token wholly inside a cut line is redacted; the tail is kept. */
    memset(msg, 'x', 1000);
    strcpy(msg + 1000, " 123456789:" SECRET35 " ");
    memset(msg + strlen(msg), 'z', 1500);
    msg[1000 + 11 + 35 + 1 + 1500] = '\0';
    capture_start(&c);
    tg_log_error(&c.log, "%s", msg);
    out = capture_finish(&c);
    CHECK(strstr(out, " <redacted> zzz") != NULL);
    CHECK(strstr(out, "AAHdq") == NULL);
    CHECK_INT(strlen(out), TG_LOG_LINE_MAX - 1 - 35); /* 45 bytes became 10 */
    free(out);

    /* Cut right after the colon. */
    memset(msg, 'x', 2034);
    strcpy(msg + 2034, " 4242:" SECRET35);
    capture_start(&c);
    tg_log_error(&c.log, "%s", msg);
    out = capture_finish(&c);
    CHECK(strstr(out, "4242") == NULL);
    CHECK(strstr(out, ":A") == NULL);
    free(out);
    free(want);
    free(msg);
}

static bool redacts_to(const char *in, const char *want, size_t want_count)
{
    char *buf = strdup(in);
    size_t count = tg_redact_tokens(buf);
    bool ok = strcmp(buf, want) == 0 && count == want_count;
    if (!ok)
        fprintf(stderr, "  \"%s\" -> \"%s\" (%zu), expected \"%s\" (%zu)\n", in, buf,
                count, want, want_count);
    free(buf);
    return ok;
}

static void test_redact_positions(void)
{
    CHECK(redacts_to("123456789:" SECRET35, "<redacted>", 1));
    CHECK(redacts_to("token 123456789:" SECRET35 " here", "token <redacted> here", 1));
    CHECK(redacts_to("at the end 1:" SECRET35, "at the end <redacted>", 1));
    CHECK(redacts_to("two 1:" SECRET30 " and 22:" SECRET35 ".",
                     "two <redacted> and <redacted>.", 2));
    /* Joined by ':', the second token's digits read as part of the first
     * secret: one redaction covers both. */
    CHECK(redacts_to("1:" SECRET30 ":2:" SECRET30, "<redacted>", 1));
    /* Found by fuzz_redact: a secret running straight into the next bot id
     * once left ":<secret>" of the second token in clear. */
    CHECK(redacts_to("id 5:" SECRET30 "123456789:" SECRET35 " end", "id <redacted> end",
                     1));
    CHECK(redacts_to("1:2222222222222222222222222222222222222222:" SECRET30 "x",
                     "<redacted>", 1));
    CHECK(redacts_to("(1:" SECRET30 ")", "(<redacted>)", 1));
    CHECK(redacts_to("", "", 0));
    CHECK(redacts_to("no token here", "no token here", 0));
}

static void test_redact_boundaries(void)
{
    /* 29 secret characters are not a token, 30 are. */
    CHECK(redacts_to("1:" SECRET29, "1:" SECRET29, 0));
    CHECK(redacts_to("1:" SECRET29 " x", "1:" SECRET29 " x", 0));
    CHECK(redacts_to("1:" SECRET30, "<redacted>", 1));
    /* No digits, or something between the digits and the colon. */
    CHECK(redacts_to(":" SECRET35, ":" SECRET35, 0));
    CHECK(redacts_to("abc:" SECRET35, "abc:" SECRET35, 0));
    CHECK(redacts_to("12 :" SECRET35, "12 :" SECRET35, 0));
    CHECK(redacts_to("12: " SECRET35, "12: " SECRET35, 0));
    /* The secret stops at a character outside [A-Za-z0-9_-]. */
    CHECK(redacts_to("1:" SECRET29 ".x", "1:" SECRET29 ".x", 0));
    CHECK(redacts_to("1:" SECRET30 "_-9zZ/rest", "<redacted>/rest", 1));
    /* A letter before the digits does not protect the token. */
    CHECK(redacts_to("bot123:" SECRET35, "bot<redacted>", 1));
    CHECK(redacts_to("x9:" SECRET30, "x<redacted>", 1));
    /* The whole digit run is taken. */
    CHECK(redacts_to("id 0123456789012345:" SECRET30 " ok", "id <redacted> ok", 1));
    /* A short secret, then a real token inside the same word. */
    CHECK(redacts_to("1:abc9:" SECRET30, "1:abc<redacted>", 1));
    /* Times and ratios stay. */
    CHECK(redacts_to("at 12:30:45, 16:9", "at 12:30:45, 16:9", 0));
}

static bool redacts_with(const char *token, const char *in, const char *want,
                         size_t want_count)
{
    char *buf = strdup(in);
    size_t count = tg_redact_secrets(buf, token);
    bool ok = strcmp(buf, want) == 0 && count == want_count;
    if (!ok)
        fprintf(stderr, "  [%s] \"%s\" -> \"%s\" (%zu), expected \"%s\" (%zu)\n",
                token ? token : "no token", in, buf, count, want, want_count);
    free(buf);
    return ok;
}

/* SECRET35 with its 'd' (the 4th character) and the rest partly escaped. */
#define SECRET35_PARTLY "AAH%64qTcvCH1vGWJxfSeof%53As0K5PALDsaw%2d"
#define SECRET35_FULLY                                                                   \
    "%41%41%48%64%71%54%63%76%43%48%31%76%47%57%4A%78%66%53%65%6F%66%53%41%73%30%4B"     \
    "%35%50%41%4c%44%73%61%77%2D"

static void test_redact_percent_encoded(void)
{
    CHECK(redacts_to("123456789%3A" SECRET35, "<redacted>", 1));
    CHECK(redacts_to("123456789%3a" SECRET35 " x", "<redacted> x", 1));
    CHECK(redacts_to("/bot123456789%3A" SECRET35 "/getMe", "/bot<redacted>/getMe", 1));
    CHECK(redacts_to("%31%32%33%3A" SECRET35, "<redacted>", 1));
    CHECK(redacts_to("123:" SECRET35_PARTLY " end", "<redacted> end", 1));
    CHECK(redacts_to("123%3A" SECRET35_FULLY, "<redacted>", 1));
    /* An escape cut short is just text; 29 characters are still no secret. */
    CHECK(redacts_to("123%3G" SECRET35, "123%3G" SECRET35, 0));
    CHECK(redacts_to("1%3A" SECRET29, "1%3A" SECRET29, 0));
    CHECK(redacts_to("%3A" SECRET35, "%3A" SECRET35, 0));
    /* A percent sign that escapes nothing stays. */
    CHECK(redacts_to("100% done, 50%zz", "100% done, 50%zz", 0));
}

static void test_redact_configured_secret(void)
{
    const char *token = "123456789:" SECRET35;
    CHECK(redacts_with(token, SECRET35, "<redacted>", 1));
    CHECK(redacts_with(token, "Unauthorized: " SECRET35 " is wrong",
                       "Unauthorized: <redacted> is wrong", 1));
    CHECK(redacts_with(token, "x" SECRET35 "y", "x<redacted>y", 1));
    CHECK(redacts_with(token, SECRET35_PARTLY, "<redacted>", 1));
    CHECK(redacts_with(token, "s=" SECRET35_FULLY "&", "s=<redacted>&", 1));
    /* Back to back, or overlapping a token: one redaction. */
    CHECK(redacts_with(token, SECRET35 SECRET35, "<redacted>", 1));
    CHECK(redacts_with(token, "9:" SECRET35 SECRET35, "<redacted>", 1));
    /* Not the configured one: only a prefix, or another case. */
    CHECK(redacts_with(token, SECRET29, SECRET29, 0));
    CHECK(redacts_with(token, "aahdqtcvch1vgwjxfseofsas0k5paldsaw-",
                       "aahdqtcvch1vgwjxfseofsas0k5paldsaw-", 0));
    /* A short configured secret (11 characters), alone or with its id. */
    CHECK(redacts_with("42:shortsecret", "no path /bot42:shortsecret/getMe",
                       "no path /bot<redacted>/getMe", 1));
    CHECK(redacts_with("42:shortsecret", "echo shortsecret.", "echo <redacted>.", 1));
    CHECK(redacts_with("42:shortsecret", "42%3Ashort%73ecret", "<redacted>", 1));
    /* Under 10 characters, or odd characters: not looked for alone. */
    CHECK(redacts_with("42:short", "short 42:short", "short 42:short", 0));
    CHECK(redacts_with("42:with space!", "with space!", "with space!", 0));
    CHECK(redacts_with("no colon at all", "no colon at all", "no colon at all", 0));
    /* A configured secret ending in digits, right before a token. */
    CHECK(redacts_with("1:abcdefghi12", "abcdefghi12:" SECRET30 " x", "<redacted> x", 1));
}

static void test_log_configured_token(void)
{
    struct capture c;
    capture_start(&c);
    CHECK(c.log.token == NULL);
    tg_log_set_token(&c.log, "123456789:" SECRET35);
    tg_log_error(&c.log, "getMe: HTTP 401: %s rejected", SECRET35);
    tg_log_error(&c.log, "getMe: HTTP 400: /bot123456789%%3A%s", SECRET35_PARTLY);
    tg_log_set_token(&c.log, NULL);
    tg_log_error(&c.log, "forgotten: %s", SECRET35);
    char *out = capture_finish(&c);
    CHECK_STR(out, "prog: getMe: HTTP 401: <redacted> rejected\n"
                   "prog: getMe: HTTP 400: /bot<redacted>\n"
                   "prog: forgotten: " SECRET35 "\n");
    free(out);
}

/* The line limit cuts through an escaped token or the configured secret:
 * what is left of it is dropped. */
static void test_cut_encoded_and_configured(void)
{
    static const char *const tails[] = {
        " 123456789%3AAAHdqT", /* an escaped colon */
        " 123456789%3",        /* inside the colon's escape */
        " 123456789%",         /* right after its '%' */
        " 123%3AAAH%6",        /* inside an escape of the secret */
        " AAHdqTcvCH",         /* the configured secret alone */
        " AAH%64qTc",          /* the same, partly escaped */
        " AAH%6",              /* cut inside its escape */
    };
    for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++) {
        size_t room = TG_LOG_LINE_MAX - 2 - 6; /* less "prog: ", '\n' and NUL */
        char *msg = malloc(TG_LOG_LINE_MAX * 2);
        size_t fill = room - strlen(tails[i]);
        memset(msg, 'x', fill);
        strcpy(msg + fill, tails[i]);
        strcat(msg, "more after the cut");
        struct capture c;
        capture_start(&c);
        tg_log_set_token(&c.log, "123456789:" SECRET35);
        tg_log_error(&c.log, "%s", msg);
        char *out = capture_finish(&c);
        size_t len = strlen(out);
        if (!(len == 6 + fill + 2 && out[len - 2] == ' '))
            fprintf(stderr, "  tail %zu: kept \"%s\"\n", i, out + 6 + fill - 3);
        CHECK(len == 6 + fill + 2 && out[len - 2] == ' ');
        free(out);
        free(msg);
    }
}

/* Many tokens back to back, checked against a string built separately. */
static void test_redact_many(void)
{
    size_t n = 500;
    char *in = malloc(n * 64 + 1), *want = malloc(n * 16 + 1);
    in[0] = want[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        char piece[64];
        snprintf(piece, sizeof piece, "%zu:%s%s", i, i % 2 ? SECRET30 : SECRET35,
                 i + 1 < n ? ";" : "");
        strcat(in, piece);
        strcat(want, i + 1 < n ? "<redacted>;" : "<redacted>");
    }
    CHECK(redacts_to(in, want, n));
    free(in);
    free(want);
}

/* Several processes log to one pipe through unbuffered streams (like
 * stderr): each line arrives whole. */
static void test_lines_do_not_interleave(void)
{
    enum { writers = 4, lines = 200, width = 1500 };
    int fds[2];
    CHECK_INT(pipe(fds), 0);
    for (int w = 0; w < writers; w++) {
        pid_t pid = fork();
        if (pid == 0) {
            close(fds[0]);
            FILE *f = fdopen(fds[1], "w");
            setvbuf(f, NULL, _IONBF, 0);
            struct tg_log log;
            tg_log_init(&log, "prog", f);
            char body[width + 1];
            memset(body, 'a' + w, width);
            body[width] = '\0';
            for (int i = 0; i < lines; i++)
                tg_log_error(&log, "%d %s", w, body);
            _exit(0);
        }
        CHECK(pid > 0);
    }
    close(fds[1]);
    FILE *in = fdopen(fds[0], "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    int count = 0, bad = 0;
    while ((got = getline(&line, &cap, in)) > 0) {
        count++;
        int w = line[6] - '0';
        bool ok = got == 6 + 2 + width + 1 && strncmp(line, "prog: ", 6) == 0 && w >= 0 &&
                  w < writers && line[7] == ' ';
        for (int i = 0; ok && i < width; i++)
            ok = line[8 + i] == 'a' + w;
        if (!ok)
            bad++;
    }
    free(line);
    fclose(in);
    for (int w = 0; w < writers; w++)
        wait(NULL);
    CHECK_INT(count, writers * lines);
    CHECK_INT(bad, 0);
}

int main(void)
{
    RUN(test_init_and_prefix);
    RUN(test_levels);
    RUN(test_log_redacts);
    RUN(test_log_null_stream);
    RUN(test_long_line_is_cut);
    RUN(test_cut_token_is_dropped);
    RUN(test_redact_positions);
    RUN(test_redact_boundaries);
    RUN(test_redact_many);
    RUN(test_redact_percent_encoded);
    RUN(test_redact_configured_secret);
    RUN(test_log_configured_token);
    RUN(test_cut_encoded_and_configured);
    RUN(test_lines_do_not_interleave);
    return tg_test_finish();
}
