/* fuzz_checkpoint - what tgcount reads back from a checkpoint: the
 * container (tc_checkpoint_unwrap) and the window engine's state
 * (tc_engine_load), on arbitrary bytes.
 *
 * The container's checksum keeps random corruption out, so the engine
 * state is fed directly: it is what a checksum-valid but inconsistent file
 * (another version's bug, a hand edit) would carry.  Properties: neither
 * crashes, leaks or reads out of bounds, and failures say why; an unwrapped
 * payload lies inside the input; a loaded state saves, loads again and
 * saves to the same state (the same bytes, except that dedup keys come in
 * hash-table order); and the restored engine keeps working: it
 * counts records, moves its watermark and emits its windows with rows
 * sorted by count descending, then name.
 *
 * fuzz-max-len: 4096
 */
#include "fuzz.h"

#include "tc_checkpoint.h"
#include "tc_engine.h"

#define EARLIEST_MS INT64_C(-62167219200000) /* 0000-01-01T00:00:00Z */
#define LATEST_MS INT64_C(253402300800000)   /* 10000-01-01T00:00:00Z */

static const char *const window_texts[] = {"1m", "10m/30s"};
#define NSPECS (sizeof window_texts / sizeof window_texts[0])

/* Checks each part of a window: first and last bracket every window, and
 * rows come sorted by count descending, then name. */
static int check_window(void *ctx, const struct tc_window *w, const struct tc_row *rows,
                        size_t n, bool first, bool last)
{
    bool *open = ctx;
    FUZZ_CHECK(first != *open);
    *open = !last;
    FUZZ_CHECK(w->spec < NSPECS && w->start_ms < w->end_ms);
    FUZZ_CHECK(n <= TC_ENGINE_ROWS_PER_CALL);
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(rows[i].count > 0 && rows[i].name != NULL);
        if (i > 0) {
            const struct tc_row *a = &rows[i - 1], *b = &rows[i];
            size_t common = a->len < b->len ? a->len : b->len;
            int cmp = memcmp(a->name, b->name, common);
            FUZZ_CHECK(
                a->count > b->count ||
                (a->count == b->count && (cmp < 0 || (cmp == 0 && a->len < b->len))));
        }
    }
    return 0;
}

static struct tc_engine *new_engine(const struct tg_window_spec *specs)
{
    struct tc_engine_config cfg = {
        .specs = specs,
        .nspecs = NSPECS,
        .lateness_ms = 30000,
        .dedup = true,
    };
    char err[256];
    struct tc_engine *e = tc_engine_new(&cfg, err, sizeof err);
    FUZZ_CHECK(e != NULL);
    return e;
}

/* Saves e; NULL when out of memory. */
static struct tc_ckbuf *save(const struct tc_engine *e)
{
    struct tc_ckbuf *buf = calloc(1, sizeof *buf);
    if (buf != NULL && (tc_engine_save(e, buf) != 0 || buf->failed)) {
        tc_ckbuf_clear(buf);
        free(buf);
        return NULL;
    }
    return buf;
}

static int compare_keys(const void *a, const void *b)
{
    return memcmp(a, b, 3 * sizeof(int64_t));
}

/* Sorts, in place, each task's dedup keys in a saved state (see
 * tc_engine_save and tc_task_codec.h), whose order follows the set's
 * hashing.  Checks that the state is well formed. */
static void sort_keys(struct tc_ckbuf *b)
{
    struct tc_ckreader rd;
    size_t len;
    tc_ckreader_init(&rd, b->data, b->len);
    tc_ckreader_i64(&rd);
    for (uint64_t t = 0, ntasks = tc_ckreader_u64(&rd); t < ntasks; t++) {
        tc_ckreader_u32(&rd);
        tc_ckreader_i64(&rd); /* W_p */
        tc_ckreader_i64(&rd); /* greatest event time */
        tc_ckreader_i64(&rd); /* produced_end (version 3) */
        for (uint64_t i = 0, n = tc_ckreader_u64(&rd); i < n; i++)
            tc_ckreader_bytes(&rd, &len);
        for (uint64_t i = 0, n = tc_ckreader_u64(&rd); i < n; i++) {
            tc_ckreader_i64(&rd);
            tc_ckreader_i64(&rd);
            for (uint32_t j = 0, entries = tc_ckreader_u32(&rd); j < entries; j++)
                tc_ckreader_u64(&rd);
        }
        uint64_t nkeys = tc_ckreader_u64(&rd);
        FUZZ_CHECK(tc_ckreader_ok(&rd) && b->len - rd.pos >= nkeys * 3 * sizeof(int64_t));
        /* Sorting the raw triples is enough: equal keys have equal bytes. */
        qsort(b->data + rd.pos, nkeys, 3 * sizeof(int64_t), compare_keys);
        rd.pos += nkeys * 3 * sizeof(int64_t);
        for (uint64_t i = 0, n = tc_ckreader_u64(&rd); i < n; i++) {
            tc_ckreader_u32(&rd);
            tc_ckreader_i64(&rd);
            tc_ckreader_u32(&rd);
            tc_ckreader_u64(&rd);
        }
    }
    FUZZ_CHECK(tc_ckreader_done(&rd));
}

/* Two saved states are the same state: equal bytes once each task's dedup
 * keys are in the same order. */
static bool same_state(struct tc_ckbuf *a, struct tc_ckbuf *b)
{
    if (a->len != b->len)
        return false;
    sort_keys(a);
    sort_keys(b);
    return memcmp(a->data, b->data, a->len) == 0;
}

static void check_round_trip(const struct tc_engine *e,
                             const struct tg_window_spec *specs)
{
    struct tc_ckbuf *first = save(e);
    if (first == NULL)
        return;
    struct tc_engine *again = new_engine(specs);
    struct tc_ckreader rd;
    char err[256] = "";
    tc_ckreader_init(&rd, first->data, first->len);
    FUZZ_CHECK(tc_engine_load(again, &rd, err, sizeof err) == 0);
    FUZZ_CHECK(tc_ckreader_done(&rd));
    struct tc_ckbuf *second = save(again);
    if (second != NULL) {
        FUZZ_CHECK(same_state(first, second));
        tc_ckbuf_clear(second);
        free(second);
    }
    tc_engine_free(again);
    tc_ckbuf_clear(first);
    free(first);
}

/* The restored engine must go on: a few records around its own times,
 * then the end of input. */
static void check_keeps_working(struct tc_engine *e)
{
    bool open = false;
    const struct tc_emitter em = {check_window, &open, false};
    /* Record times come from tg_time_parse: years 0000-9999, give or take
     * a zone offset. */
    int64_t t = tc_engine_max_time(e);
    if (t < EARLIEST_MS || t > LATEST_MS)
        t = INT64_C(1767225600000); /* 2026-01-01T00:00:00Z */
    static const int64_t offsets[] = {0, -40000, 1, 600000, -1};
    for (size_t i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
        int64_t at = t + offsets[i];
        int rc = tc_engine_count(e, at, "fuzz", 4, true, -100, (int64_t)i % 3);
        FUZZ_CHECK(rc >= TC_COUNT_COUNTED && rc <= TC_COUNT_DUPLICATE);
        FUZZ_CHECK(tc_engine_advance(e, at, &em) == 0);
    }
    int64_t w = tc_engine_watermark(e);
    FUZZ_CHECK(tc_engine_emit_open(e, true, &em) == 0);
    FUZZ_CHECK(tc_engine_watermark(e) == w);
    FUZZ_CHECK(!open);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = fuzz_copy(data, size);
    if (copy == NULL)
        return 0;
    char err[256] = "";
    const char *payload;
    size_t payload_len;
    if (tc_checkpoint_unwrap(copy, size, &payload, &payload_len, err, sizeof err) == 0)
        FUZZ_CHECK(payload >= copy && payload_len <= size &&
                   (size_t)(payload - copy) <= size - payload_len);
    else
        FUZZ_CHECK(fuzz_has_message(err, sizeof err));

    struct tg_window_spec specs[NSPECS];
    for (size_t i = 0; i < NSPECS; i++)
        FUZZ_CHECK(tg_window_spec_parse(window_texts[i], &specs[i], err, sizeof err) ==
                   0);
    struct tc_engine *e = new_engine(specs);
    struct tc_ckreader rd;
    tc_ckreader_init(&rd, copy, size);
    err[0] = '\0';
    if (tc_engine_load(e, &rd, err, sizeof err) == 0) {
        check_round_trip(e, specs);
        check_keeps_working(e);
    } else {
        FUZZ_CHECK(fuzz_has_message(err, sizeof err));
    }
    tc_engine_free(e);
    free(copy);
    return 0;
}
