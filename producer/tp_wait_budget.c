/* tp_wait_budget.c - the bounds of --once's waits (see tp_wait_budget.h). */
#include "tp_wait_budget.h"

void tp_wait_budget_init(struct tp_wait_budget *b, int64_t max_one_ms,
                         int64_t max_total_ms)
{
    b->max_one_ms = max_one_ms;
    b->max_total_ms = max_total_ms;
    b->spent_ms = 0;
}

enum tp_wait_verdict tp_wait_budget_take(struct tp_wait_budget *b, int64_t wait_ms)
{
    if (wait_ms > b->max_one_ms)
        return TP_WAIT_TOO_LONG;
    if (wait_ms > b->max_total_ms - b->spent_ms)
        return TP_WAIT_OVER_BUDGET;
    b->spent_ms += wait_ms > 0 ? wait_ms : 0;
    return TP_WAIT_OK;
}
