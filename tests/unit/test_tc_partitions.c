/* Unit tests for consumer/tc_partitions.c: the multi-partition driving
 * event time, against hand-computed cases. */
#include "tg_test.h"
#include "tc_partitions.h"

#include <stdlib.h>

/* Idle after one 30 s slide, as with the default windows. */
#define IDLE 30000
#define T0 1700000000000LL /* a wall-clock origin */

static struct tc_partitions *with_partitions(int n, int64_t now)
{
    char err[128];
    struct tc_partitions *p = tc_partitions_new(IDLE);
    CHECK(p != NULL);
    for (int i = 0; i < n; i++)
        CHECK_INT(tc_partitions_assign(p, i, now, err, sizeof(err)), 0);
    return p;
}

/* Returns the driving time, or -1 when there is none. */
static int64_t driving(struct tc_partitions *p, int64_t now)
{
    int64_t t = 0;
    return tc_partitions_driving_time(p, now, &t) ? t : -1;
}

static void test_empty_has_no_driving_time(void)
{
    struct tc_partitions *p = tc_partitions_new(IDLE);
    CHECK_INT(driving(p, T0), -1);
    CHECK_INT(tc_partitions_count(p), 0);
    CHECK(!tc_partitions_all_at_end(p));
    tc_partitions_free(p);
    tc_partitions_free(NULL);
}

static void test_single_partition_is_its_maximum(void)
{
    struct tc_partitions *p = with_partitions(1, T0);
    CHECK_INT(driving(p, T0), -1);
    tc_partitions_record(p, 0, 5000, T0);
    CHECK_INT(driving(p, T0), 5000);
    tc_partitions_record(p, 0, 9000, T0 + 1);
    tc_partitions_record(p, 0, 7000, T0 + 2); /* out of order: max stays */
    CHECK_INT(driving(p, T0 + 2), 9000);
    tc_partitions_free(p);
}

/* Partition 1 runs far ahead of partition 0: the slow one drives, so its
 * records are not made late by the fast one. */
static void test_skewed_partitions_take_the_minimum(void)
{
    struct tc_partitions *p = with_partitions(3, T0);
    tc_partitions_record(p, 0, 1000, T0);
    tc_partitions_record(p, 1, 600000, T0);
    CHECK_INT(driving(p, T0), -1); /* partition 2 has not spoken yet */
    tc_partitions_record(p, 2, 2000, T0 + 10);
    CHECK_INT(driving(p, T0 + 10), 1000);
    tc_partitions_record(p, 0, 3000, T0 + 20);
    CHECK_INT(driving(p, T0 + 20), 2000);
    tc_partitions_record(p, 2, 700000, T0 + 30);
    CHECK_INT(driving(p, T0 + 30), 3000);
    tc_partitions_free(p);
}

/* A partition with nothing new for one slide stops holding W back; exactly
 * one slide of quiet is enough, one millisecond less is not. */
static void test_idle_partition_is_skipped(void)
{
    struct tc_partitions *p = with_partitions(2, T0);
    tc_partitions_record(p, 0, 1000, T0);
    tc_partitions_record(p, 1, 50000, T0);
    tc_partitions_record(p, 1, 80000, T0 + 20000);
    CHECK_INT(driving(p, T0 + IDLE - 1), 1000);
    CHECK_INT(driving(p, T0 + IDLE), 80000);
    /* it speaks again: it holds W back again from its own maximum */
    tc_partitions_record(p, 0, 2000, T0 + IDLE + 5);
    CHECK_INT(driving(p, T0 + IDLE + 5), 2000);
    tc_partitions_free(p);
}

/* A partition that never brings a record holds W back only for one slide
 * after its assignment. */
static void test_silent_new_partition_holds_one_slide(void)
{
    struct tc_partitions *p = with_partitions(2, T0);
    tc_partitions_record(p, 0, 4000, T0 + 100);
    CHECK_INT(driving(p, T0 + IDLE - 1), -1);
    CHECK_INT(driving(p, T0 + IDLE), 4000);
    tc_partitions_free(p);
}

/* All partitions idle: the maximum drives, so W can still move on. */
static void test_all_idle_takes_the_maximum(void)
{
    struct tc_partitions *p = with_partitions(3, T0);
    tc_partitions_record(p, 0, 1000, T0);
    tc_partitions_record(p, 1, 9000, T0);
    tc_partitions_record(p, 2, 5000, T0);
    CHECK_INT(driving(p, T0 + 1), 1000);
    CHECK_INT(driving(p, T0 + IDLE), 9000);
    tc_partitions_free(p);
}

/* A revoked partition no longer counts; reassigned, it starts afresh. */
static void test_revoked_partition_is_forgotten(void)
{
    char err[128];
    struct tc_partitions *p = with_partitions(3, T0);
    tc_partitions_record(p, 0, 1000, T0);
    tc_partitions_record(p, 1, 7000, T0);
    tc_partitions_record(p, 2, 4000, T0);
    tc_partitions_set_offset(p, 0, 42);
    CHECK_INT(driving(p, T0), 1000);
    CHECK(!tc_partitions_was_assigned(p, 5));
    CHECK(tc_partitions_was_assigned(p, 0));
    tc_partitions_revoke(p, 0);
    CHECK(!tc_partitions_is_assigned(p, 0));
    CHECK(tc_partitions_was_assigned(p, 0));
    CHECK_INT(tc_partitions_count(p), 2);
    CHECK_INT(driving(p, T0), 4000);
    tc_partitions_record(p, 0, 100, T0); /* a straggler from before the revoke */
    CHECK_INT(driving(p, T0), 4000);
    tc_partitions_revoke(p, 0); /* twice, and an unknown one: no effect */
    tc_partitions_revoke(p, 99);
    CHECK_INT(tc_partitions_count(p), 2);

    CHECK_INT(tc_partitions_assign(p, 0, T0 + 5, err, sizeof(err)), 0);
    CHECK_INT(tc_partitions_offset(p, 0), TC_PARTITIONS_NO_OFFSET);
    CHECK_INT(driving(p, T0 + 5), -1);
    tc_partitions_revoke_all(p);
    CHECK_INT(tc_partitions_count(p), 0);
    CHECK(tc_partitions_was_assigned(p, 2));
    CHECK(!tc_partitions_was_assigned(p, -1));
    CHECK_INT(driving(p, T0 + 5), -1);
    tc_partitions_free(p);
}

/* A partition at its end does not hold W back; a new record brings it back. */
static void test_partition_at_end(void)
{
    struct tc_partitions *p = with_partitions(2, T0);
    tc_partitions_record(p, 0, 1000, T0);
    tc_partitions_record(p, 1, 8000, T0);
    CHECK(!tc_partitions_all_at_end(p));
    CHECK(!tc_partitions_any_at_end(p));
    tc_partitions_eof(p, 0);
    CHECK(!tc_partitions_all_at_end(p));
    CHECK(tc_partitions_any_at_end(p));
    CHECK(tc_partitions_is_at_end(p, 0));
    CHECK(!tc_partitions_is_at_end(p, 1));
    CHECK(!tc_partitions_is_at_end(p, 7));
    CHECK_INT(driving(p, T0 + 1), 8000);
    tc_partitions_eof(p, 1);
    CHECK(tc_partitions_all_at_end(p));
    CHECK_INT(driving(p, T0 + 1), 8000); /* all at end: the maximum */
    tc_partitions_record(p, 0, 2000, T0 + 2);
    CHECK(!tc_partitions_all_at_end(p));
    CHECK_INT(driving(p, T0 + 2), 2000);
    tc_partitions_free(p);
}

/* An empty partition at its end neither holds W back nor counts as a
 * maximum; only an offset or record clears the end flag. */
static void test_empty_partition_at_end(void)
{
    struct tc_partitions *p = with_partitions(2, T0);
    tc_partitions_eof(p, 1);
    CHECK_INT(driving(p, T0), -1);
    tc_partitions_record(p, 0, 3000, T0);
    CHECK_INT(driving(p, T0), 3000);
    tc_partitions_eof(p, 0);
    CHECK(tc_partitions_all_at_end(p));
    tc_partitions_set_offset(p, 1, 7);
    CHECK(!tc_partitions_all_at_end(p));
    tc_partitions_free(p);
}

/* The driving time is cached between records; every way it can change must
 * show through: the slowest partition moving, a tie, a partition arriving
 * at or leaving its end, the clock making one idle, a revocation. */
static void test_cached_value_follows_every_change(void)
{
    struct tc_partitions *p = with_partitions(3, T0);
    tc_partitions_record(p, 0, 1000, T0);
    tc_partitions_record(p, 1, 2000, T0);
    tc_partitions_record(p, 2, 1000, T0 + 10);
    CHECK_INT(driving(p, T0 + 10), 1000);
    tc_partitions_record(p, 1, 9000, T0 + 20); /* not the slowest */
    CHECK_INT(driving(p, T0 + 20), 1000);
    tc_partitions_record(p, 0, 5000, T0 + 30); /* one of two tied slowest */
    CHECK_INT(driving(p, T0 + 30), 1000);
    tc_partitions_record(p, 2, 6000, T0 + 40); /* the other one */
    CHECK_INT(driving(p, T0 + 40), 5000);
    tc_partitions_eof(p, 0);
    CHECK_INT(driving(p, T0 + 50), 6000);
    tc_partitions_set_offset(p, 0, 17); /* back from its end */
    CHECK_INT(driving(p, T0 + 60), 5000);
    tc_partitions_record(p, 1, 9500, T0 + IDLE);
    tc_partitions_record(p, 2, 6500, T0 + IDLE);
    CHECK_INT(driving(p, T0 + IDLE + 29), 5000); /* 0 last spoke at T0 + 30 */
    CHECK_INT(driving(p, T0 + IDLE + 30), 6500);
    tc_partitions_revoke(p, 2);
    CHECK_INT(driving(p, T0 + IDLE + 31), 9500);
    CHECK(!tc_partitions_all_at_end(p));
    tc_partitions_eof(p, 1);
    CHECK(!tc_partitions_all_at_end(p)); /* 0 is idle, not at its end */
    tc_partitions_eof(p, 0);
    CHECK(tc_partitions_all_at_end(p));
    tc_partitions_revoke(p, 0); /* an end-of-partition leaves with it */
    CHECK(tc_partitions_all_at_end(p));
    tc_partitions_revoke_all(p);
    CHECK(!tc_partitions_all_at_end(p));
    tc_partitions_free(p);
}

struct visit {
    int n;
    int32_t partition[4];
    int64_t offset[4];
};

static void visit_one(void *arg, int32_t partition, int64_t next_offset)
{
    struct visit *v = arg;
    if (v->n < 4) {
        v->partition[v->n] = partition;
        v->offset[v->n] = next_offset;
    }
    v->n++;
}

static void test_offsets_and_visit_order(void)
{
    char err[128];
    struct tc_partitions *p = tc_partitions_new(IDLE);
    /* assigned out of order, and a number past the initial capacity */
    CHECK_INT(tc_partitions_assign(p, 40, T0, err, sizeof(err)), 0);
    CHECK_INT(tc_partitions_assign(p, 3, T0, err, sizeof(err)), 0);
    CHECK_INT(tc_partitions_assign(p, 3, T0, err, sizeof(err)), 0);
    CHECK_INT(tc_partitions_assign(p, 0, T0, err, sizeof(err)), 0);
    CHECK_INT(tc_partitions_assign(p, -1, T0, err, sizeof(err)), -1);
    CHECK_STR(err, "invalid partition number -1");
    CHECK_INT(tc_partitions_count(p), 3);
    tc_partitions_set_offset(p, 3, 10);
    tc_partitions_set_offset(p, 40, 0);
    tc_partitions_set_offset(p, 3, 11);
    tc_partitions_set_offset(p, 7, 99); /* not assigned: ignored */
    CHECK_INT(tc_partitions_offset(p, 3), 11);
    CHECK_INT(tc_partitions_offset(p, 7), TC_PARTITIONS_NO_OFFSET);

    struct visit v = {0};
    tc_partitions_each(p, visit_one, &v);
    CHECK_INT(v.n, 3);
    CHECK_INT(v.partition[0], 0);
    CHECK_INT(v.offset[0], TC_PARTITIONS_NO_OFFSET);
    CHECK_INT(v.partition[1], 3);
    CHECK_INT(v.offset[1], 11);
    CHECK_INT(v.partition[2], 40);
    CHECK_INT(v.offset[2], 0);
    tc_partitions_free(p);
}

/* Reassigning an assigned partition (an incremental assign that repeats
 * it) keeps what is known. */
static void test_reassign_keeps_state(void)
{
    char err[128];
    struct tc_partitions *p = with_partitions(1, T0);
    tc_partitions_record(p, 0, 6000, T0);
    tc_partitions_set_offset(p, 0, 5);
    CHECK_INT(tc_partitions_assign(p, 0, T0 + 1, err, sizeof(err)), 0);
    CHECK_INT(tc_partitions_offset(p, 0), 5);
    CHECK_INT(driving(p, T0 + 1), 6000);
    CHECK_INT(tc_partitions_count(p), 1);
    tc_partitions_free(p);
}

/* The position: the next offset once something was consumed, else where
 * the partition was started; a restart after a revocation starts over. */
static void test_position(void)
{
    char err[128];
    struct tc_partitions *p = with_partitions(2, T0);
    CHECK_INT(tc_partitions_position(p, 0), TC_PARTITIONS_NO_OFFSET);
    tc_partitions_set_start(p, 0, 40);
    tc_partitions_set_start(p, 1, -1); /* a logical offset (the end) */
    tc_partitions_set_start(p, 5, 7);  /* not assigned: ignored */
    CHECK_INT(tc_partitions_position(p, 0), 40);
    CHECK_INT(tc_partitions_position(p, 1), -1);
    CHECK_INT(tc_partitions_position(p, 5), TC_PARTITIONS_NO_OFFSET);
    tc_partitions_set_offset(p, 0, 45);
    CHECK_INT(tc_partitions_position(p, 0), 45);
    CHECK_INT(tc_partitions_offset(p, 1), TC_PARTITIONS_NO_OFFSET);
    tc_partitions_revoke(p, 0);
    CHECK_INT(tc_partitions_position(p, 0), TC_PARTITIONS_NO_OFFSET);
    CHECK_INT(tc_partitions_assign(p, 0, T0, err, sizeof(err)), 0);
    CHECK_INT(tc_partitions_position(p, 0), TC_PARTITIONS_NO_OFFSET);
    tc_partitions_free(p);
}

/* -e (held to the end): a partition at its end or idle keeps holding W
 * back with its own greatest event time, whichever order the partitions
 * end in and however long they stay quiet; an empty one holds it for good;
 * a revoked one stops. */
static void test_held_to_the_end(void)
{
    for (int order = 0; order < 2; order++) {
        struct tc_partitions *p = with_partitions(3, T0);
        tc_partitions_hold_to_end(p);
        tc_partitions_record(p, 0, 1000, T0);
        tc_partitions_record(p, 1, 600000, T0);
        CHECK_INT(driving(p, T0), -1);             /* partition 2 has not spoken */
        CHECK_INT(driving(p, T0 + 10 * IDLE), -1); /* nor after ten slides */
        tc_partitions_record(p, 2, 5000, T0 + 10 * IDLE);
        CHECK_INT(driving(p, T0 + 10 * IDLE), 1000);
        tc_partitions_eof(p, order == 0 ? 0 : 1);
        CHECK_INT(driving(p, T0 + 10 * IDLE), 1000);
        tc_partitions_eof(p, order == 0 ? 1 : 0);
        tc_partitions_eof(p, 2);
        CHECK(tc_partitions_all_at_end(p));
        CHECK_INT(driving(p, T0 + 20 * IDLE), 1000); /* not the greatest */
        tc_partitions_record(p, 0, 3000, T0 + 20 * IDLE);
        CHECK_INT(driving(p, T0 + 20 * IDLE), 3000);
        tc_partitions_revoke(p, 0);
        CHECK_INT(driving(p, T0 + 20 * IDLE), 5000);
        tc_partitions_free(p);
    }
    struct tc_partitions *p = with_partitions(2, T0);
    tc_partitions_hold_to_end(p);
    tc_partitions_record(p, 0, 1000, T0);
    tc_partitions_eof(p, 0);
    tc_partitions_eof(p, 1); /* empty: no window is ever passed */
    CHECK_INT(driving(p, T0 + 100 * IDLE), -1);
    tc_partitions_free(p);
}

int main(void)
{
    RUN(test_empty_has_no_driving_time);
    RUN(test_single_partition_is_its_maximum);
    RUN(test_skewed_partitions_take_the_minimum);
    RUN(test_idle_partition_is_skipped);
    RUN(test_silent_new_partition_holds_one_slide);
    RUN(test_all_idle_takes_the_maximum);
    RUN(test_revoked_partition_is_forgotten);
    RUN(test_partition_at_end);
    RUN(test_empty_partition_at_end);
    RUN(test_cached_value_follows_every_change);
    RUN(test_offsets_and_visit_order);
    RUN(test_reassign_keeps_state);
    RUN(test_position);
    RUN(test_held_to_the_end);
    return tg_test_finish();
}
