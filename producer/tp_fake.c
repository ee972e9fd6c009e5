/* tp_fake.c - the synthetic message generator (see tp_fake.h).
 *
 * Per record: one Zipf draw (binary search in a CDF table of `users`
 * doubles), a handful of PRNG draws, memcpy of the chosen words and names
 * into buffers of the generator, and the shared writer (tg_record_write).
 * A sender's attributes (script, names, username, id, home chat) are a hash
 * of the seed and the sender's rank, computed when drawn, so memory does
 * not grow with anything but the CDF table.
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

#include "tg_record.h"
#include "tg_utf8.h"

/* Room for one text: at most TEXT_MAX_WORDS words of at most ~20 bytes,
 * and the slot of one more (see struct word). */
#define TEXT_MAX_WORDS 32
#define TEXT_MAX_BYTES 2048
/* Room for a handle with its "_<rank>": handles are under 20 bytes. */
#define USERNAME_MAX_BYTES 64
/* Room for one line: a text and names of a few dozen bytes, escaped, and a
 * dozen fields, even if every text byte needed an escape (tg_record_write
 * would fail, not overflow, if one did not fit). */
#define LINE_MAX_BYTES 8192

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

/* A word in a slot of fixed size, so that it is copied into a text with
 * a copy of constant size, which the compiler makes inline. */
#define WORD_SLOT 32

struct word {
    char text[WORD_SLOT]; /* the word, then zeros */
    size_t len;
    size_t codepoints;
};

struct word_list {
    struct word *words;
    size_t count;
};

struct chat {
    int64_t id;
    char *name; /* a copy, as struct tg_record holds char * */
    int64_t next_message_id;
};

/* Copies of the name tables: struct tg_record holds char * and the tables
 * are const, and copying them once spares copies per record. */
struct names {
    char *first[SCRIPTS][COUNT_OF(first_names[0])];
    char *last[SCRIPTS][COUNT_OF(last_names[0])];
    char *signatures[COUNT_OF(signatures)];
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
    struct names names;

    struct tg_record_writer writer;
    char username[USERNAME_MAX_BYTES];
    char text[TEXT_MAX_BYTES];
    struct tg_record_key key;
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

static int build_words(struct word_list *list, const char *const *raw, size_t count)
{
    list->words = calloc(count, sizeof *list->words);
    if (list->words == NULL)
        return -1;
    list->count = count;
    for (size_t i = 0; i < count; i++) {
        size_t len = strlen(raw[i]);
        if (len >= WORD_SLOT)
            return -1; /* the tables above have no such word */
        memcpy(list->words[i].text, raw[i], len);
        list->words[i].len = len;
        list->words[i].codepoints = tg_utf8_codepoints(raw[i], len);
    }
    return 0;
}

/* strdup of each of count strings into out; false when out of memory (the
 * copies made so far stay for free_strings). */
static bool copy_strings(char **out, const char *const *in, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if ((out[i] = strdup(in[i])) == NULL)
            return false;
    }
    return true;
}

static void free_strings(char **s, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(s[i]);
}

static bool copy_names(struct names *n)
{
    for (int s = 0; s < SCRIPTS; s++) {
        if (!copy_strings(n->first[s], first_names[s], COUNT_OF(n->first[s])) ||
            !copy_strings(n->last[s], last_names[s], COUNT_OF(n->last[s])))
            return false;
    }
    return copy_strings(n->signatures, signatures, COUNT_OF(signatures));
}

static void free_names(struct names *n)
{
    for (int s = 0; s < SCRIPTS; s++) {
        free_strings(n->first[s], COUNT_OF(n->first[s]));
        free_strings(n->last[s], COUNT_OF(n->last[s]));
    }
    free_strings(n->signatures, COUNT_OF(n->signatures));
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
    tg_record_writer_init(&f->writer);

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
        if ((f->chats[c].name = strdup(chat_defs[c].name)) == NULL)
            goto oom;
        f->chats[c].next_message_id = 1 + (int64_t)((h >> 40) % 100000);
    }

    if (!copy_names(&f->names) ||
        build_words(&f->words[LATIN], latin_words, COUNT_OF(latin_words)) != 0 ||
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
    for (int s = 0; s < SCRIPTS; s++)
        free(f->words[s].words);
    for (size_t c = 0; c < CHAT_COUNT; c++)
        free(f->chats[c].name);
    free_names(&f->names);
    free(f->cdf);
    free(f);
}

/* ---- the record's strings ----------------------------------------------------- */

/* "handle_<rank>" into buf (USERNAME_MAX_BYTES); returns buf. */
static char *make_username(char *buf, const char *handle, int64_t rank)
{
    char digits[24];
    int n = 0;
    size_t len = strlen(handle);
    memcpy(buf, handle, len);
    buf[len++] = '_';
    do {
        digits[n++] = (char)('0' + rank % 10);
        rank /= 10;
    } while (rank != 0);
    while (n > 0)
        buf[len++] = digits[--n];
    buf[len] = '\0';
    return buf;
}

/* ---- one record ----------------------------------------------------------- */

struct sender {
    bool anonymous; /* a channel post signed by its author */
    int64_t user_id;
    const char *handle; /* NULL: no username */
    int64_t rank;
    char *first_name;
    char *last_name; /* may be NULL */
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
    s->first_name = f->names.first[s->script][(h >> 24) % 10];
    s->last_name = (h >> 32) % 100 < 40 ? NULL : f->names.last[s->script][(h >> 40) % 8];
    /* Disjoint ranges of 7 per rank: unique ids that do not look sequential. */
    s->user_id = INT64_C(100000000) + r * 7 + (int64_t)((h >> 48) % 7);
    s->home_chat = (size_t)((h >> 56) % GROUP_COUNT);
}

/* Draws a text into buf (TEXT_MAX_BYTES) and returns its code points. */
static int64_t make_text(struct tp_fake *f, char *buf, enum script script)
{
    char *p = buf;
    int64_t codepoints = 0;
    *p = '\0';
    if (next_below(f, 50) == 0)
        return 0; /* a photo or sticker without caption: text "" */
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
            codepoints++;
        }
        memcpy(p, w->text, WORD_SLOT); /* buf has room for a slot more */
        p += w->len;
        codepoints += (int64_t)w->codepoints;
    }
    *p = '\0';
    return codepoints;
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

    struct tg_record rec = {
        .event_time_ms = event_ms,
        .has_channel_id = true,
        .channel_id = chat->id,
        .channel_name = chat->name,
        .has_message_id = true,
        .message_id = message_id,
    };
    if (s.anonymous) {
        /* A channel post: the author's signature stands for the sender. */
        rec.username = f->names.signatures[next_below(f, COUNT_OF(signatures))];
    } else {
        rec.has_user_id = true;
        rec.user_id = s.user_id;
        if (s.handle != NULL)
            rec.username = make_username(f->username, s.handle, s.rank + 1);
        rec.first_name = s.first_name;
        rec.last_name = s.last_name;
    }
    rec.text_length = make_text(f, f->text, s.script);
    rec.text = f->text;
    tg_record_counting_key(&rec, &f->key);

    size_t len;
    char why[128];
    if (tg_record_write(&f->writer, &rec, f->line, sizeof f->line, &len, why,
                        sizeof why) != 0) {
        /* The strings come from the tables (valid UTF-8, and they fit), and
         * event time only grows from --start, which cannot be before year
         * 0000: only its end can be passed. */
        snprintf(err, errlen, "fake: event time beyond year 9999");
        return -1;
    }
    out->line = f->line;
    out->line_len = len;
    out->key = f->key.text;
    out->key_len = f->key.len;
    out->event_time_ms = event_ms;
    return 0;
}
