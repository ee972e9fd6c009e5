/* Unit tests for producer/tp_metrics.c: the families each mode writes, in
 * order, with HELP and TYPE; the offset gauge only once it is known; the
 * file written with mode 0644 and an unwritable path refused. */
#include "tg_prom.h"
#include "tg_test.h"
#include "tp_metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* The sample lines of v's rendering, HELP and TYPE lines left out. */
static char *samples_of(const struct tp_metrics_values *v, int *families)
{
    struct tg_prom *pr = tg_prom_new();
    tp_metrics_render(pr, v);
    size_t len;
    const char *text = tg_prom_text(pr, &len);
    CHECK(text != NULL);
    char *out = calloc(1, len + 1);
    size_t n = 0;
    *families = 0;
    for (const char *line = text; line != NULL && *line != '\0';) {
        const char *end = strchr(line, '\n');
        size_t l = end != NULL ? (size_t)(end - line) + 1 : strlen(line);
        if (strncmp(line, "# TYPE ", 7) == 0)
            (*families)++;
        if (line[0] != '#') {
            memcpy(out + n, line, l);
            n += l;
        }
        line += l;
    }
    tg_prom_free(pr);
    return out;
}

static void test_fake_mode(void)
{
    struct tp_metrics_values v = {.produced = 1000,
                                  .delivery_failures = 2,
                                  .too_large = 1,
                                  .queue_full_waits = 3,
                                  .in_flight = 4,
                                  .next_offset = -1};
    int families;
    char *s = samples_of(&v, &families);
    CHECK_STR(s, "tgproducer_records_produced_total 1000\n"
                 "tgproducer_delivery_failures_total 2\n"
                 "tgproducer_records_too_large_total 1\n"
                 "tgproducer_queue_full_waits_total 3\n"
                 "tgproducer_records_in_flight 4\n");
    CHECK_INT(families, 5);
    free(s);
}

static void test_telegram_mode(void)
{
    struct tp_metrics_values v = {.produced = 3,
                                  .telegram = true,
                                  .updates = 5,
                                  .skipped = 2,
                                  .malformed = 1,
                                  .poll_errors = 6,
                                  .retries = 7,
                                  .next_offset = -1};
    int families;
    char *s = samples_of(&v, &families);
    /* Before the state file is read: no offset sample, no family. */
    CHECK(strstr(s, "next_update_offset") == NULL);
    CHECK_INT(families, 10);
    free(s);
    v.next_offset = 815;
    s = samples_of(&v, &families);
    CHECK_STR(strstr(s, "tgproducer_updates_total"),
              "tgproducer_updates_total 5\n"
              "tgproducer_updates_skipped_total 2\n"
              "tgproducer_updates_malformed_total 1\n"
              "tgproducer_poll_errors_total 6\n"
              "tgproducer_retries_total 7\n"
              "tgproducer_next_update_offset 815\n");
    CHECK_INT(families, 11);
    free(s);
}

static void test_write(void)
{
    char dir[] = "/tmp/tp-metrics.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[128], bad[128], err[256];
    snprintf(path, sizeof path, "%s/m.prom", dir);
    snprintf(bad, sizeof bad, "%s/missing/m.prom", dir);
    mode_t old = umask(077); /* the file is 0644 whatever the umask */
    struct tp_metrics *m = tp_metrics_new(path, 1000, NULL);
    struct tp_metrics_values v = {.produced = 9, .next_offset = -1};
    CHECK_INT(tp_metrics_write(m, &v, err, sizeof err), 0);
    struct stat st;
    CHECK_INT(stat(path, &st), 0);
    CHECK_INT(st.st_mode & 0777, 0644);
    CHECK(!tp_metrics_due(m, 0));
    CHECK(!tp_metrics_due(NULL, INT64_MAX));
    tp_metrics_free(m);
    m = tp_metrics_new(bad, 1000, NULL);
    CHECK_INT(tp_metrics_write(m, &v, err, sizeof err), -1);
    CHECK(strncmp(err, bad, strlen(bad)) == 0);
    tp_metrics_free(m);
    tp_metrics_free(NULL);
    umask(old);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    RUN(test_fake_mode);
    RUN(test_telegram_mode);
    RUN(test_write);
    return tg_test_finish();
}
