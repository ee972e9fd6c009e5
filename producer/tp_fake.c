/* tp_fake.c - the synthetic message generator (see tp_fake.h).
 *
 * Per record: one Zipf draw (binary search in a CDF table of `users`
 * doubles), a handful of PRNG draws, and memcpy of pre-escaped words into
 * a line buffer.  A sender's attributes (script, names, username, id, home
 * chat) are a hash of the seed and the sender's rank, computed when drawn,
 * so memory does not grow with anything but the CDF table.
 *
 * Floating point is limited to +, -, *, / and comparisons (IEEE-exact
 * everywhere) with a hand-written logarithm: libm's log may differ in the
 * last bit between C libraries, and that would change the bytes.
 */
#include "tp_fake.h"

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_time.h"
#include "tg_utf8.h"

/* Room for one line: at most TEXT_MAX_WORDS words of at most ~20 escaped
 * bytes, names of a few dozen bytes, a dozen fields: under 1 KB. */
#define LINE_MAX_BYTES 4096
#define TEXT_MAX_WORDS 32

/* ---- word tables ---------------------------------------------------------- */

enum script { LATIN, CYRILLIC, EMOJI, SCRIPTS };

/* Handles (usernames get "_<rank>" appended, which keeps them unique). */
static const char *const handles[SCRIPTS][12] = {
    {"alex", "maria", "jdoe", "coder", "kate", "tom", "nina", "sam", "leo", "mila", "zoe",
     "max"},
    {"иван", "мария", "олег", "анна", "дима", "катя", "серёжа", "лена", "паша", "юля",
     "миша", "оля"},
    {"🦊fox", "🐱cat", "🚀rocket", "🌸sakura", "🔥fire", "🎧dj", "🐼panda", "⚡bolt", "🍕pizza",
     "🌙luna", "🎮gamer", "☕coffee"},
};

static const char *const first_names[SCRIPTS][10] = {
    {"Alex", "Maria", "John", "Kate", "Tom", "Nina", "Sam", "Leo", "Mila", "Zoe"},
    {"Иван", "Мария", "Олег", "Анна", "Дмитрий", "Екатерина", "Сергей", "Елена", "Павел",
     "Юлия"},
    {"🦊", "Kitty 🐱", "Rocket 🚀", "Сакура 🌸", "🔥 Fire", "DJ 🎧", "Панда 🐼", "⚡",
     "Pizza 🍕", "Луна 🌙"},
};

static const char *const last_names[SCRIPTS][8] = {
    {"Smith", "Garcia", "Müller", "O'Brien", "Novak", "Rossi", "Kim", "Dubois"},
    {"Иванов", "Петрова", "Смирнов", "Кузнецова", "Попов", "Соколова", "Лебедев",
     "Козлова"},
    {"✨", "🌍", "🎶", "💫", "🌈", "🍀", "👾", "🐾"},
};

/* Words of texts.  A few carry a quote or a backslash so that escaping is
 * exercised downstream. */
static const char *const latin_words[] = {
    "hello", "thanks", "anyone", "knows",    "how",    "to",           "fix",
    "this",  "build",  "error",  "the",      "a",      "is",           "it",
    "works", "on",     "my",     "machine",  "deploy", "today",        "meeting",
    "at",    "noon",   "see",    "you",      "later",  "great",        "idea",
    "lol",   "ok",     "please", "review",   "PR",     "merged",       "release",
    "v2.1",  "coffee", "break",  "who",      "wants",  "pizza",        "weekend",
    "plans", "done",   "nice",   "question", "answer", "\"quoted\"",   "¯\\_(ツ)_/¯",
    "café",  "naïve",  "100%",   "#rust",    "@here",  "https://t.me",
};
static const char *const cyrillic_words[] = {
    "привет",  "спасибо", "кто",     "знает",      "как",        "починить",   "эту",
    "ошибку",  "сборки",  "всё",     "работает",   "у",          "меня",       "на",
    "машине",  "сегодня", "встреча", "в",          "полдень",    "до",         "встречи",
    "отлично", "идея",    "ок",      "пожалуйста", "посмотрите", "пулреквест", "релиз",
    "кофе",    "перерыв", "кто",     "хочет",      "пиццу",      "выходные",   "планы",
    "готово",  "классно", "вопрос",  "ответ",      "ёлка",       "щука",       "«цитата»",
    "Москва",  "Київ",    "ну",
};
static const char *const emoji_words[] = {
    "😀", "😂",    "👍", "🔥",      "🎉", "❤️",  "🙏", "🤔",        "😭",  "🚀",
    "✅", "👀",    "💯", "🍕",      "☕", "🌧️", "🐱", "👨‍💻", "🇺🇦", "🤷‍♀️",
    "😅", "🥳", "💡", "⚠️",
};

static const char *const signatures[] = {
    "Редакция", "News Desk", "Ivan Petrov", "Мария К.", "📰 Editor", "Admin",
};

struct chat_def {
    const char *name;
    bool channel;
};

/* Group chats first, then channels. */
static const struct chat_def chat_defs[] = {
    {"Rust Beginners", false},
    {"Кофейня на углу", false},
    {"Crypto 🚀 Signals", false},
    {"Тестовая группа", false},
    {"Weekend Hikers ⛰️", false},
    {"Daily News 📰", true},
    {"Новости дня", true},
};
#define CHAT_COUNT (sizeof chat_defs / sizeof chat_defs[0])
#define GROUP_COUNT 5

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the generator -------------------------------------------------------- */

struct word {
    char *json; /* escaped for a JSON string */
    size_t len;
    size_t codepoints;
};

struct word_list {
    struct word *words;
    size_t count;
};

struct chat {
    int64_t id;
    const char *name;
    size_t name_len;
    int64_t next_message_id;
};

struct tp_fake {
    uint64_t rng[4]; /* xoshiro256** state */
    uint64_t salt;   /* per-seed salt of sender attributes */
    int64_t users;
    double *cdf; /* cdf[r] = sum of the weights of ranks 0..r */
    double mean_gap_ms;
    int64_t start_ms;
    double elapsed_ms; /* event time since start_ms, unrounded */
    struct chat chats[CHAT_COUNT];
    struct word_list words[SCRIPTS];

    int64_t cached_second; /* the second whose text is in second_text */
    bool have_cached_second;
    char second_text[TG_TIME_TEXT_MAX]; /* "YYYY-MM-DDTHH:MM:SS" */

    char key[64];
    char line[LINE_MAX_BYTES];
};

/* ---- PRNG: splitmix64 to seed xoshiro256** (public domain, Vigna) ------- */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t next_u64(struct tp_fake *f)
{
    uint64_t *s = f->rng;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Uniform in [0, n) for n < 2^32, by multiply-shift on the high 32 bits
 * (bias below n / 2^32: invisible for the small n used here). */
static uint32_t next_below(struct tp_fake *f, uint32_t n)
{
    return (uint32_t)(((next_u64(f) >> 32) * n) >> 32);
}

/* Uniform in (0, 1]: never 0, so its logarithm is finite. */
static double next_unit(struct tp_fake *f)
{
    return (double)((next_u64(f) >> 11) + 1) * 0x1.0p-53;
}

/* Natural logarithm of x in (0, 1] with +, *, / only: x = m * 2^e with m in
 * [sqrt(1/2), sqrt(2)), ln m = 2 atanh((m-1)/(m+1)) by its series.  Far
 * more precise than an exponential gap needs, and bit-identical anywhere. */
static double portable_log(double x)
{
    static const double ln2 = 0.6931471805599453;
    int e = 0;
    while (x < 0.7071067811865476) {
        x *= 2;
        e--;
    }
    double z = (x - 1) / (x + 1), z2 = z * z, term = z, sum = 0;
    for (int k = 1; k <= 25; k += 2) {
        sum += term / k;
        term *= z2;
    }
    return 2 * sum + e * ln2;
}

/* The relative activity of the sender of rank r (from 0): 1/(r+1)^s.  The
 * default s = 1 and s = 0 avoid pow(), whose last bit may differ between C
 * libraries; for other exponents such a difference moves a CDF boundary by
 * an ulp, which a draw hits with probability ~2^-52. */
static double sender_weight(int64_t r, double s)
{
    if (s == 1)
        return 1.0 / (double)(r + 1);
    if (s == 0)
        return 1.0;
    return pow((double)(r + 1), -s);
}

/* A sender rank in [0, users): rank r with probability proportional to its
 * weight, by binary search for the first cdf entry above the draw. */
static int64_t zipf_rank(struct tp_fake *f)
{
    double x = (double)(next_u64(f) >> 11) * 0x1.0p-53 * f->cdf[f->users - 1];
    int64_t lo = 0, hi = f->users - 1;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (f->cdf[mid] > x)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static uint64_t mix64(uint64_t x)
{
    return splitmix64(&x);
}

/* ---- setup ---------------------------------------------------------------- */

/* JSON string escaping as jansson's json_dumps does it without
 * JSON_ENSURE_ASCII: quote, backslash and the C0 controls only. */
static char *json_escape(const char *raw)
{
    size_t n = strlen(raw);
    char *out = malloc(n * 6 + 1), *p = out;
    if (out == NULL)
        return NULL;
    for (const unsigned char *s = (const unsigned char *)raw; *s != '\0'; s++) {
        switch (*s) {
        case '"':
            p += sprintf(p, "\\\"");
            break;
        case '\\':
            p += sprintf(p, "\\\\");
            break;
        case '\b':
            p += sprintf(p, "\\b");
            break;
        case '\f':
            p += sprintf(p, "\\f");
            break;
        case '\n':
            p += sprintf(p, "\\n");
            break;
        case '\r':
            p += sprintf(p, "\\r");
            break;
        case '\t':
            p += sprintf(p, "\\t");
            break;
        default:
            if (*s < 0x20)
                p += sprintf(p, "\\u%04X", *s);
            else
                *p++ = (char)*s;
        }
    }
    *p = '\0';
    return out;
}

static int build_words(struct word_list *list, const char *const *raw, size_t count)
{
    list->words = calloc(count, sizeof *list->words);
    if (list->words == NULL)
        return -1;
    list->count = count;
    for (size_t i = 0; i < count; i++) {
        list->words[i].json = json_escape(raw[i]);
        if (list->words[i].json == NULL)
            return -1;
        list->words[i].len = strlen(list->words[i].json);
        list->words[i].codepoints = tg_utf8_codepoints(raw[i], strlen(raw[i]));
    }
    return 0;
}

struct tp_fake *tp_fake_new(const struct tp_fake_config *cfg, char *err, size_t errlen)
{
    if (cfg->users < 1 || !(cfg->rate > 0) || !(cfg->zipf >= 0)) {
        snprintf(err, errlen, "fake: users must be >= 1, rate > 0 and zipf >= 0");
        return NULL;
    }
    struct tp_fake *f = calloc(1, sizeof *f);
    if (f == NULL || (f->cdf = malloc((size_t)cfg->users * sizeof *f->cdf)) == NULL)
        goto oom;

    uint64_t sm = cfg->seed;
    for (int i = 0; i < 4; i++)
        f->rng[i] = splitmix64(&sm);
    f->salt = splitmix64(&sm);
    f->users = cfg->users;
    f->mean_gap_ms = 1000.0 / cfg->rate;
    f->start_ms = cfg->start_ms;

    double sum = 0;
    for (int64_t r = 0; r < cfg->users; r++) {
        sum += sender_weight(r, cfg->zipf);
        f->cdf[r] = sum;
    }

    for (size_t c = 0; c < CHAT_COUNT; c++) {
        uint64_t h = splitmix64(&sm);
        /* -100 followed by ten digits, like every current supergroup and
         * channel id; message ids start where a chat with history would. */
        f->chats[c].id = -(INT64_C(1000000000000) + INT64_C(1000000000) +
                           (int64_t)(h % INT64_C(8999999999)));
        f->chats[c].name = chat_defs[c].name;
        f->chats[c].name_len = strlen(chat_defs[c].name);
        f->chats[c].next_message_id = 1 + (int64_t)((h >> 40) % 100000);
    }

    if (build_words(&f->words[LATIN], latin_words, COUNT_OF(latin_words)) != 0 ||
        build_words(&f->words[CYRILLIC], cyrillic_words, COUNT_OF(cyrillic_words)) != 0 ||
        build_words(&f->words[EMOJI], emoji_words, COUNT_OF(emoji_words)) != 0)
        goto oom;
    return f;

oom:
    snprintf(err, errlen, "fake: out of memory for %" PRId64 " users", cfg->users);
    tp_fake_free(f);
    return NULL;
}

void tp_fake_free(struct tp_fake *f)
{
    if (f == NULL)
        return;
    for (int s = 0; s < SCRIPTS; s++) {
        for (size_t i = 0; f->words[s].words != NULL && i < f->words[s].count; i++)
            free(f->words[s].words[i].json);
        free(f->words[s].words);
    }
    free(f->cdf);
    free(f);
}

/* ---- encoding ------------------------------------------------------------- */

static char *put_mem(char *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}

#define PUT_LIT(p, lit) put_mem((p), (lit), sizeof(lit) - 1)

static char *put_str(char *p, const char *s)
{
    return put_mem(p, s, strlen(s));
}

static char *put_i64(char *p, int64_t v)
{
    char tmp[24];
    int n = 0;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        *p++ = '-';
    while (n > 0)
        *p++ = tmp[--n];
    return p;
}

/* The event time as tg_time_format writes it; the date and clock part is
 * formatted once per second of event time. */
static char *put_time(struct tp_fake *f, char *p, int64_t ms, char *err, size_t errlen)
{
    int64_t second = tg_floor_div(ms, 1000);
    int64_t milli = ms - second * 1000;
    if (!f->have_cached_second || second != f->cached_second) {
        if (tg_time_format(second * 1000, f->second_text, sizeof f->second_text) < 0) {
            snprintf(err, errlen, "fake: event time beyond year 9999");
            return NULL;
        }
        f->cached_second = second;
        f->have_cached_second = true;
    }
    p = put_mem(p, f->second_text, 19); /* without its 'Z' */
    if (milli != 0) {
        *p++ = '.';
        *p++ = (char)('0' + milli / 100);
        *p++ = (char)('0' + milli / 10 % 10);
        *p++ = (char)('0' + milli % 10);
    }
    *p++ = 'Z';
    return p;
}

/* ---- one record ----------------------------------------------------------- */

struct sender {
    bool anonymous; /* a channel post signed by its author */
    int64_t user_id;
    const char *handle; /* NULL: no username */
    int64_t rank;
    const char *first_name;
    const char *last_name; /* may be NULL */
    enum script script;
    size_t home_chat;
};

/* The attributes of the sender of rank r: a pure function of seed and r. */
static void describe_sender(const struct tp_fake *f, int64_t r, struct sender *s)
{
    uint64_t h = mix64(f->salt ^ (uint64_t)r);
    unsigned pick = (unsigned)(h % 100);
    s->anonymous = false;
    s->rank = r;
    s->script = pick < 60 ? LATIN : pick < 85 ? CYRILLIC : EMOJI;
    s->handle = (h >> 8) % 100 < 12 ? NULL : handles[s->script][(h >> 16) % 12];
    s->first_name = first_names[s->script][(h >> 24) % 10];
    s->last_name = (h >> 32) % 100 < 40 ? NULL : last_names[s->script][(h >> 40) % 8];
    /* Disjoint ranges of 7 per rank: unique ids that do not look sequential. */
    s->user_id = INT64_C(100000000) + r * 7 + (int64_t)((h >> 48) % 7);
    s->home_chat = (size_t)((h >> 56) % GROUP_COUNT);
}

/* Appends the text's words; returns the end and sets *codepoints. */
static char *put_text(struct tp_fake *f, char *p, enum script script, int64_t *codepoints)
{
    *codepoints = 0;
    if (next_below(f, 50) == 0)
        return p; /* a photo or sticker without caption: text "" */
    size_t n = 1 + (size_t)next_below(f, 12);
    if (next_below(f, 4) == 0)
        n += (size_t)next_below(f, TEXT_MAX_WORDS - 12);
    for (size_t i = 0; i < n; i++) {
        /* Mostly the sender's own script, with emoji and the other script
         * mixed in the way people do. */
        unsigned pick = (unsigned)next_below(f, 100);
        enum script s = script;
        if (script == EMOJI)
            s = pick < 40 ? EMOJI : pick < 75 ? LATIN : CYRILLIC;
        else if (pick >= 85)
            s = pick < 95 ? EMOJI : (script == LATIN ? CYRILLIC : LATIN);
        const struct word *w = &f->words[s].words[next_below(f, f->words[s].count)];
        if (i > 0) {
            *p++ = ' ';
            (*codepoints)++;
        }
        p = put_mem(p, w->json, w->len);
        *codepoints += (int64_t)w->codepoints;
    }
    return p;
}

int tp_fake_next(struct tp_fake *f, struct tp_fake_record *out, char *err, size_t errlen)
{
    struct sender s;
    int64_t event_ms = f->start_ms + (int64_t)f->elapsed_ms;
    f->elapsed_ms += -portable_log(next_unit(f)) * f->mean_gap_ms;

    struct chat *chat;
    if (next_below(f, 100) < 5) {
        memset(&s, 0, sizeof s);
        s.anonymous = true;
        s.script = next_below(f, 2) == 0 ? LATIN : CYRILLIC;
        chat = &f->chats[GROUP_COUNT + next_below(f, CHAT_COUNT - GROUP_COUNT)];
    } else {
        describe_sender(f, zipf_rank(f), &s);
        chat = &f->chats[next_below(f, 5) < 4 ? s.home_chat : next_below(f, GROUP_COUNT)];
    }
    int64_t message_id = chat->next_message_id;
    /* Deleted and service messages leave gaps in real chats. */
    chat->next_message_id += 1 + (next_below(f, 20) == 0 ? (int64_t)next_below(f, 3) : 0);

    char *key_end;
    const char *signature = NULL;
    if (s.anonymous) {
        signature = signatures[next_below(f, COUNT_OF(signatures))];
        key_end = put_str(f->key, signature);
    } else if (s.handle != NULL) {
        key_end = put_i64(PUT_LIT(put_str(f->key, s.handle), "_"), s.rank + 1);
    } else {
        key_end = put_i64(PUT_LIT(f->key, "user_"), s.user_id);
    }
    *key_end = '\0';

    /* Names and handles need no escaping (tests check it), so the key is
     * also the JSON form of the username. */
    char *p = f->line;
    p = PUT_LIT(p, "{\"event_time\":\"");
    if ((p = put_time(f, p, event_ms, err, errlen)) == NULL)
        return -1;
    p = PUT_LIT(p, "\",\"channel_id\":");
    p = put_i64(p, chat->id);
    p = PUT_LIT(p, ",\"channel_name\":\"");
    p = put_mem(p, chat->name, chat->name_len);
    p = PUT_LIT(p, "\",\"message_id\":");
    p = put_i64(p, message_id);
    if (s.anonymous) {
        p = PUT_LIT(p, ",\"user_id\":null,\"username\":\"");
        p = put_mem(p, f->key, (size_t)(key_end - f->key));
        p = PUT_LIT(p, "\",\"first_name\":null,\"last_name\":null");
    } else {
        p = PUT_LIT(p, ",\"user_id\":");
        p = put_i64(p, s.user_id);
        if (s.handle != NULL) {
            p = PUT_LIT(p, ",\"username\":\"");
            p = put_mem(p, f->key, (size_t)(key_end - f->key));
            p = PUT_LIT(p, "\"");
        } else {
            p = PUT_LIT(p, ",\"username\":null");
        }
        p = PUT_LIT(p, ",\"first_name\":\"");
        p = put_str(p, s.first_name);
        if (s.last_name != NULL) {
            p = PUT_LIT(p, "\",\"last_name\":\"");
            p = put_str(p, s.last_name);
            p = PUT_LIT(p, "\"");
        } else {
            p = PUT_LIT(p, "\",\"last_name\":null");
        }
    }
    p = PUT_LIT(p, ",\"text\":\"");
    int64_t codepoints;
    p = put_text(f, p, s.script, &codepoints);
    p = PUT_LIT(p, "\",\"text_length\":");
    p = put_i64(p, codepoints);
    *p++ = '}';
    *p = '\0';

    out->line = f->line;
    out->line_len = (size_t)(p - f->line);
    out->key = f->key;
    out->key_len = (size_t)(key_end - f->key);
    out->event_time_ms = event_ms;
    return 0;
}
