/* tc_panes.c - the deque of live panes and their entries. */
#include "tc_panes.h"

#include <stdlib.h>
#include <string.h>

#include "tc_grow.h"

struct tc_panes *tc_panes_new(void)
{
    return calloc(1, sizeof(struct tc_panes));
}

void tc_panes_free(struct tc_panes *ps)
{
    if (ps == NULL) {
        return;
    }
    for (size_t i = ps->first; i < tc_panes_end(ps); i++) {
        free(ps->a[i].e);
    }
    free(ps->a);
    free(ps);
}

struct tc_pane *tc_panes_get_uncached(struct tc_panes *ps, int64_t p)
{
    size_t i = tc_panes_lower_bound(ps, p);
    size_t end = tc_panes_end(ps);
    if (i < end && ps->a[i].no == p) {
        ps->cache = i;
        return &ps->a[i];
    }
    if (end == ps->cap) {
        /* Room at the back comes first from the space old panes left at
         * the front, so a steady stream of panes needs no allocation. */
        if (ps->first > 0) {
            memmove(ps->a, ps->a + ps->first, ps->n * sizeof *ps->a);
            i -= ps->first;
            ps->first = 0;
        } else if (tc_grow((void **)&ps->a, &ps->cap, ps->cap + 1, sizeof *ps->a) != 0) {
            return NULL;
        }
        end = tc_panes_end(ps);
    }
    memmove(&ps->a[i + 1], &ps->a[i], (end - i) * sizeof *ps->a);
    struct tc_pane *pane = &ps->a[i];
    memset(pane, 0, sizeof *pane);
    pane->no = p;
    pane->dirty_w = INT64_MAX;
    ps->n++;
    ps->cache = i;
    return pane;
}

int64_t tc_panes_add_entry(struct tc_panes *ps, struct tc_pane *pane, struct tc_users *us,
                           uint32_t user, uint32_t at)
{
    size_t cap = pane->cap;
    if (pane->n == UINT32_MAX ||
        tc_grow((void **)&pane->e, &cap, (size_t)pane->n + 1, sizeof *pane->e) != 0) {
        return -1;
    }
    pane->cap = (uint32_t)cap;
    if (tc_users_insert_slot(us, user, at, pane->no, pane->n) != 0) {
        return -1;
    }
    pane->e[pane->n].user = user;
    pane->e[pane->n].count = 0;
    ps->entries++;
    if (ps->entries > ps->peak_entries) {
        ps->peak_entries = ps->entries;
    }
    return pane->n++;
}

uint64_t tc_panes_drop_front(struct tc_panes *ps, struct tc_users *us)
{
    struct tc_pane *pane = &ps->a[ps->first];
    for (uint32_t i = 0; i < pane->n; i++) {
        tc_users_drop_slot(us, pane->e[i].user, pane->no);
    }
    uint64_t ndedup = pane->ndedup;
    ps->entries -= pane->n;
    free(pane->e);
    ps->first++;
    ps->n--;
    if (ps->n == 0) {
        ps->first = 0;
    }
    return ndedup;
}

void tc_panes_renumber_users(struct tc_panes *ps, const uint32_t *map)
{
    for (size_t i = ps->first; i < tc_panes_end(ps); i++) {
        struct tc_pane *pane = &ps->a[i];
        for (uint32_t j = 0; j < pane->n; j++) {
            pane->e[j].user = map[pane->e[j].user];
        }
    }
}

void tc_panes_clear_dirty(struct tc_panes *ps)
{
    for (size_t i = ps->first; i < tc_panes_end(ps); i++) {
        ps->a[i].dirty_w = INT64_MAX;
    }
}
