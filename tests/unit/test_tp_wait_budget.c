/* Unit tests for producer/tp_wait_budget.c: single waits and their sum. */
#include "tg_test.h"
#include "tp_wait_budget.h"

static void test_single_wait_bound(void)
{
    struct tp_wait_budget b;
    tp_wait_budget_init(&b, TP_ONCE_MAX_WAIT_MS, TP_ONCE_MAX_WAITING_MS);
    CHECK_INT(tp_wait_budget_take(&b, 3600000), TP_WAIT_TOO_LONG);
    CHECK_INT(tp_wait_budget_take(&b, 60001), TP_WAIT_TOO_LONG);
    CHECK_INT(b.spent_ms, 0); /* refused waits cost nothing */
    CHECK_INT(tp_wait_budget_take(&b, 60000), TP_WAIT_OK);
    CHECK_INT(b.spent_ms, 60000);
}

static void test_total_bound(void)
{
    struct tp_wait_budget b;
    tp_wait_budget_init(&b, TP_ONCE_MAX_WAIT_MS, TP_ONCE_MAX_WAITING_MS);
    CHECK_INT(tp_wait_budget_take(&b, 50000), TP_WAIT_OK);
    CHECK_INT(tp_wait_budget_take(&b, 50000), TP_WAIT_OK);
    CHECK_INT(tp_wait_budget_take(&b, 20001), TP_WAIT_OVER_BUDGET);
    CHECK_INT(b.spent_ms, 100000);
    CHECK_INT(tp_wait_budget_take(&b, 20000), TP_WAIT_OK);
    CHECK_INT(tp_wait_budget_take(&b, 1), TP_WAIT_OVER_BUDGET);
    CHECK_INT(tp_wait_budget_take(&b, 0), TP_WAIT_OK);
    CHECK_INT(b.spent_ms, TP_ONCE_MAX_WAITING_MS);
}

int main(void)
{
    RUN(test_single_wait_bound);
    RUN(test_total_bound);
    return tg_test_finish();
}
