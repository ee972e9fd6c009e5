/* tc_changelog_kafka.c - see tc_changelog_kafka.h. */
#include "tc_changelog_kafka.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_time.h"

/* Kafka's longest topic name. */
#define TOPIC_MAX 249
/* The group.id the reader's consumer is given: librdkafka's consumer
 * wants one, but the reader assigns its partition, never joins it nor
 * commits to it. */
#define READER_GROUP "tgcount-changelog-reader"
/* How long one poll waits, so that the deadline is looked at. */
#define POLL_MS 100

/* ---- the topic -------------------------------------------------------- */

int tc_changelog_topic_name(const char *group, char *out, size_t outlen, char *err,
                            size_t errlen)
{
    if (group == NULL || group[0] == '\0') {
        snprintf(err, errlen, "the changelog topic is named after the group (-G)");
        return -1;
    }
    /* Kafka's legal topic characters: a group name may hold others. */
    for (const char *c = group; *c != '\0'; c++) {
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
              (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '-')) {
            snprintf(err, errlen,
                     "group %s cannot name a topic (only letters, digits, '.', '_' "
                     "and '-')",
                     group);
            return -1;
        }
    }
    int n = snprintf(out, outlen, "%s%s", group, TC_CHANGELOG_TOPIC_SUFFIX);
    if (n < 0 || (size_t)n >= outlen || n > TOPIC_MAX) {
        snprintf(err, errlen, "group %s is too long to name the changelog topic", group);
        return -1;
    }
    return 0;
}

/* The topic's partition count from a listing of every topic (asking for
 * one topic by name could create it, with the brokers' defaults, where
 * auto.create.topics.enable is on).  Returns the count, 0 when the topic
 * is missing, -1 with err. */
static int partition_count(rd_kafka_t *rk, const char *topic, int timeout_ms, char *err,
                           size_t errlen)
{
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 1, NULL, &md, timeout_ms);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        snprintf(err, errlen, "cannot list the topics: %s", rd_kafka_err2str(e));
        return -1;
    }
    int n = 0;
    for (int i = 0; i < md->topic_cnt; i++) {
        if (strcmp(md->topics[i].topic, topic) == 0 &&
            md->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            n = md->topics[i].partition_cnt;
        }
    }
    rd_kafka_metadata_destroy(md);
    return n;
}

/* Creates the topic.  Returns 0, 1 when another client created it first,
 * -1 with err. */
static int create_topic(rd_kafka_t *rk, const char *topic, int partitions, int timeout_ms,
                        char *err, size_t errlen)
{
    char why[512] = "";
    int rc = -1;
    rd_kafka_NewTopic_t *nt =
        rd_kafka_NewTopic_new(topic, partitions, -1, why, sizeof why);
    rd_kafka_AdminOptions_t *opts =
        rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_event_t *ev = NULL;
    if (nt == NULL || opts == NULL || q == NULL ||
        rd_kafka_NewTopic_set_config(nt, "cleanup.policy", "compact") != 0 ||
        rd_kafka_AdminOptions_set_request_timeout(opts, timeout_ms, why, sizeof why) !=
            0 ||
        rd_kafka_AdminOptions_set_operation_timeout(opts, timeout_ms, why, sizeof why) !=
            0) {
        goto out;
    }
    rd_kafka_CreateTopics(rk, &nt, 1, opts, q);
    /* The request times out by itself; the margin only guards the wait. */
    ev = rd_kafka_queue_poll(q, timeout_ms * 2 + 1000);
    if (ev == NULL) {
        snprintf(why, sizeof why, "no answer");
    } else if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        snprintf(why, sizeof why, "%s", rd_kafka_event_error_string(ev));
    } else {
        size_t n = 0;
        const rd_kafka_topic_result_t **res = rd_kafka_CreateTopics_result_topics(
            rd_kafka_event_CreateTopics_result(ev), &n);
        rd_kafka_resp_err_t e =
            n == 1 ? rd_kafka_topic_result_error(res[0]) : RD_KAFKA_RESP_ERR__BAD_MSG;
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
            rc = 0;
        } else if (e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
            rc = 1;
        } else {
            const char *s = n == 1 ? rd_kafka_topic_result_error_string(res[0]) : NULL;
            snprintf(why, sizeof why, "%s", s != NULL ? s : rd_kafka_err2str(e));
        }
    }
out:
    if (rc < 0) {
        snprintf(err, errlen,
                 "changelog topic %s is missing and could not be created (%s): create it "
                 "with %d partitions and cleanup.policy=compact",
                 topic, why[0] != '\0' ? why : "out of memory", partitions);
    }
    if (ev != NULL) {
        rd_kafka_event_destroy(ev);
    }
    if (q != NULL) {
        rd_kafka_queue_destroy(q);
    }
    if (opts != NULL) {
        rd_kafka_AdminOptions_destroy(opts);
    }
    if (nt != NULL) {
        rd_kafka_NewTopic_destroy(nt);
    }
    return rc;
}

int tc_changelog_ensure_topic(rd_kafka_t *rk, const char *topic, int partitions,
                              int timeout_ms, bool *created, char *err, size_t errlen)
{
    *created = false;
    int n = partition_count(rk, topic, timeout_ms, err, errlen);
    if (n == 0) {
        int rc = create_topic(rk, topic, partitions, timeout_ms, err, errlen);
        if (rc < 0) {
            return -1;
        }
        *created = rc == 0;
        if (*created) {
            return 0;
        }
        n = partition_count(rk, topic, timeout_ms, err, errlen);
    }
    if (n < 0) {
        return -1;
    }
    if (n < partitions) {
        snprintf(err, errlen,
                 "changelog topic %s has %d partition%s, fewer than the input topic's %d",
                 topic, n, n == 1 ? "" : "s", partitions);
        return -1;
    }
    return 0;
}

/* ---- writing ---------------------------------------------------------- */

int tc_changelog_produce(rd_kafka_t *producer, const char *topic, int32_t partition,
                         const struct tc_changelog_chunks *c, int timeout_ms, char *err,
                         size_t errlen)
{
    int64_t deadline = tg_time_monotonic_ms() + timeout_ms;
    for (size_t i = 0; i < c->n; i++) {
        const struct tc_changelog_msg *m = &c->msgs[i];
        rd_kafka_resp_err_t e;
        /* RD_KAFKA_MSG_F_COPY: librdkafka copies and never writes them. */
        while ((e = rd_kafka_producev(
                    producer, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition),
                    RD_KAFKA_V_KEY((void *)(uintptr_t)m->key, m->key_len),
                    RD_KAFKA_V_VALUE((void *)(uintptr_t)m->value, m->value_len),
                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END)) ==
                   RD_KAFKA_RESP_ERR__QUEUE_FULL &&
               tg_time_monotonic_ms() < deadline) {
            rd_kafka_poll(producer, POLL_MS);
        }
        if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
            snprintf(err, errlen, "changelog %s [%" PRId32 "] chunk %zu of %zu: %s",
                     topic, partition, i, c->n, rd_kafka_err2str(e));
            return -1;
        }
        rd_kafka_poll(producer, 0);
    }
    return 0;
}

/* ---- reading ---------------------------------------------------------- */

struct tc_changelog_reader {
    rd_kafka_t *rk; /* reads the partitions */
    /* Asks for the watermarks, with the same settings.  Not rk: after a
     * partition is read, rk has a fetch waiting at the broker (up to
     * fetch.wait.max.ms, the partition being at its end), and the next
     * partition's ListOffsets queued behind it on the same connection
     * took about 50 ms per partition on the local broker (1-2 ms so). */
    rd_kafka_t *wm;
    char *topic;
};

/* librdkafka's lines are dropped: the reader reports what went wrong
 * itself, in one line, and the caller's log callback must not be called
 * with the caller's opaque from this client. */
static void quiet_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk;
    (void)level;
    (void)fac;
    (void)buf;
}

struct tc_changelog_reader *tc_changelog_reader_new(const rd_kafka_conf_t *base,
                                                    const char *topic, char *err,
                                                    size_t errlen)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_dup(base), *wconf = NULL;
    struct tc_changelog_reader *r = calloc(1, sizeof *r);
    if (conf == NULL || r == NULL || (r->topic = strdup(topic)) == NULL) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    rd_kafka_conf_set_opaque(conf, NULL);
    rd_kafka_conf_set_log_cb(conf, quiet_log);
    rd_kafka_conf_set_error_cb(conf, NULL);
    rd_kafka_conf_set_stats_cb(conf, NULL);
    rd_kafka_conf_set_rebalance_cb(conf, NULL);
    rd_kafka_conf_set_offset_commit_cb(conf, NULL);
    static const char *const settings[][2] = {
        {"group.id", READER_GROUP},
        {"enable.auto.commit", "false"},
        {"enable.auto.offset.store", "false"},
        {"enable.partition.eof", "true"},
        {"isolation.level", "read_committed"},
        {"auto.offset.reset", "earliest"},
        /* A fetch that finds the partition read waits this long, not the
         * default 500 ms: restoring is on the path of an assignment. */
        {"fetch.wait.max.ms", "10"},
    };
    for (size_t i = 0; i < sizeof settings / sizeof *settings; i++) {
        if (rd_kafka_conf_set(conf, settings[i][0], settings[i][1], err, errlen) !=
            RD_KAFKA_CONF_OK) {
            goto fail;
        }
    }
    wconf = rd_kafka_conf_dup(conf);
    if (wconf == NULL) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    r->wm = rd_kafka_new(RD_KAFKA_CONSUMER, wconf, err, errlen);
    if (r->wm == NULL) {
        goto fail; /* rd_kafka_new owns conf on success only */
    }
    wconf = NULL;
    r->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, errlen);
    if (r->rk == NULL) {
        goto fail;
    }
    rd_kafka_poll_set_consumer(r->rk);
    return r;
fail:
    if (conf != NULL) {
        rd_kafka_conf_destroy(conf);
    }
    if (wconf != NULL) {
        rd_kafka_conf_destroy(wconf);
    }
    tc_changelog_reader_free(r);
    return NULL;
}

void tc_changelog_reader_free(struct tc_changelog_reader *r)
{
    if (r == NULL) {
        return;
    }
    rd_kafka_t *handles[] = {r->rk, r->wm};
    for (size_t i = 0; i < sizeof handles / sizeof *handles; i++) {
        if (handles[i] != NULL) {
            rd_kafka_consumer_close(handles[i]);
            rd_kafka_destroy(handles[i]);
        }
    }
    free(r->topic);
    free(r);
}

/* Reads partition p from low to high - 1 into d.  Returns 0, or -1 with
 * err. */
static int read_range(struct tc_changelog_reader *r, int32_t p, int64_t low, int64_t high,
                      int64_t deadline, struct tc_changelog_decoder *d, char *err,
                      size_t errlen)
{
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(list, r->topic, p)->offset = low;
    rd_kafka_resp_err_t e = rd_kafka_assign(r->rk, list);
    rd_kafka_topic_partition_list_destroy(list);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        snprintf(err, errlen, "changelog %s [%" PRId32 "]: %s", r->topic, p,
                 rd_kafka_err2str(e));
        return -1;
    }
    int64_t at = low; /* the next offset to read */
    char last[256] = "";
    int rc = 1;
    while (rc > 0) {
        if (tg_time_monotonic_ms() >= deadline) {
            snprintf(err, errlen,
                     "changelog %s [%" PRId32 "]: read up to offset %" PRId64
                     " of %" PRId64 " before the timeout%s%s",
                     r->topic, p, at, high,
                     last[0] != '\0' ? ": " : " (an open transaction holds it back?)",
                     last);
            rc = -1;
            break;
        }
        rd_kafka_message_t *m = rd_kafka_consumer_poll(r->rk, POLL_MS);
        if (m == NULL) {
            continue;
        }
        bool ours = m->rkt != NULL && m->partition == p &&
                    strcmp(rd_kafka_topic_name(m->rkt), r->topic) == 0;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            if (ours) {
                at = m->offset;
                rc = at >= high ? 0 : 1;
            }
        } else if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            snprintf(last, sizeof last, "%s", rd_kafka_message_errstr(m));
        } else if (ours && m->offset < high) {
            char why[256];
            at = m->offset + 1;
            if (tc_changelog_decoder_feed(d, m->key, m->key_len, m->payload, m->len, why,
                                          sizeof why) < 0) {
                snprintf(err, errlen, "changelog: out of memory");
                rc = -1;
            } else if (at >= high) {
                rc = 0;
            }
        } else if (ours) {
            rc = 0; /* written after the start: not ours to read */
        }
        rd_kafka_message_destroy(m);
    }
    rd_kafka_assign(r->rk, NULL);
    return rc;
}

/* The first tail read, in offsets: a one-chunk snapshot takes two (its
 * chunk and its transaction's commit marker; the local broker writes no
 * markers), so a partition whose newest snapshot is one chunk is restored
 * from the offsets that hold it.  Not more: each offset can be a chunk of
 * up to 900 kB of an older snapshot (with snapshots of 72 kB, 8 offsets
 * took 12-93 ms and 2 took 2-21 ms on a loaded local broker). */
#define TAIL_FIRST 2

/* Why the tail is enough.  A writer gives each snapshot a generation above
 * every one it has seen, and writes a snapshot's chunks consecutively, in
 * one transaction, so generations grow in offset order.  Let G be the
 * highest complete generation of the whole partition and G' that of a tail
 * [from, high).  G' <= G.  If G' < G, G was written after G' (offset
 * order), so every chunk of G lies after G''s chunks, all of them at or
 * past from: G is complete in the tail, and G' = G.  So the first tail
 * holding a complete generation holds the one a whole read keeps.  The
 * highest generation seen (max_generation, which the next writer goes
 * above) is that of the newest well-formed chunk: it is at or after the
 * newest complete snapshot, so in the tail, and every chunk before the
 * tail has a lower generation.  A tail without a complete snapshot is
 * read again, at least twice as long, until it is the whole partition:
 * then the result is the whole read's (none, or an error).  One
 * difference stays:
 * the same generation written complete twice (a fenced zombie writer)
 * yields the later copy here, the earlier one in a whole read; the later
 * copy is what compaction keeps. */
int tc_changelog_reader_restore(struct tc_changelog_reader *r, const char *input_topic,
                                int32_t partition, int timeout_ms,
                                struct tc_changelog_restored *out, char *err,
                                size_t errlen)
{
    *out = (struct tc_changelog_restored){0};
    int64_t start = tg_time_monotonic_ms();
    int64_t low = 0, high = 0;
    rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(r->wm, r->topic, partition,
                                                             &low, &high, timeout_ms);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        snprintf(err, errlen, "changelog %s [%" PRId32 "]: %s", r->topic, partition,
                 rd_kafka_err2str(e));
        return -1;
    }
    struct tc_changelog_decoder *d = NULL;
    struct tc_changelog_snapshot *s = NULL;
    int64_t from = high, window = TAIL_FIRST;
    do {
        tc_changelog_decoder_free(d);
        d = tc_changelog_decoder_new(partition);
        if (d == NULL) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        if (high <= low) {
            break; /* empty: nothing to read */
        }
        from = high - low > window ? high - window : low;
        /* The deadline covers every attempt. */
        if (read_range(r, partition, from, high, start + timeout_ms, d, err, errlen) !=
            0) {
            tc_changelog_decoder_free(d);
            return -1;
        }
        out->attempts++;
        out->offsets_read += (uint64_t)(high - from);
        out->bytes_read += tc_changelog_decoder_stats(d)->bytes;
        /* Twice as far back, and far enough for the first chunk of any
         * snapshot seen in part: it is at most its chunk count before the
         * chunks seen, which are in this window. */
        int64_t part = tc_changelog_decoder_pending_chunks(d);
        int64_t grow = window > part ? window : part;
        window = window > INT64_MAX - grow ? INT64_MAX : window + grow;
        s = tc_changelog_decoder_take(d);
    } while (s == NULL && from > low);
    out->stats = *tc_changelog_decoder_stats(d);
    tc_changelog_decoder_free(d);
    if (s != NULL && strcmp(s->topic, input_topic) != 0) {
        snprintf(err, errlen,
                 "changelog %s [%" PRId32 "] holds the state of topic %s, not %s: "
                 "another group's changelog?",
                 r->topic, partition, s->topic, input_topic);
        tc_changelog_snapshot_free(s);
        *out = (struct tc_changelog_restored){0};
        return -1;
    }
    out->snapshot = s;
    out->high_watermark = high;
    out->elapsed_ms = tg_time_monotonic_ms() - start;
    return 0;
}
