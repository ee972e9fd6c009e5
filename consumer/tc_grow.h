/* tc_grow.h - growing a heap array to a needed length, shared by the
 * engine's structures (users, panes, emission buffers).
 *
 * Arrays grow by 1.5x: large arrays are moved by mremap, not copied, so a
 * smaller factor than 2 costs little time and saves up to a third of the
 * memory.  Every memory figure in the engine's headers is therefore "add up
 * to half again".
 */
#ifndef TC_GROW_H
#define TC_GROW_H

#include <stddef.h>
#include <stdlib.h>

/* Makes *p (an array of *cap elements of elem bytes, owned by the caller)
 * hold at least need elements, updating *cap.  Returns 0, or -1 when out
 * of memory (then *p and *cap are unchanged).  Inline because the common
 * case, room enough, sits on the per-record path. */
static inline int tc_grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) {
        return 0;
    }
    size_t n = *cap ? *cap : 16;
    while (n < need) {
        n += n / 2;
    }
    void *q = realloc(*p, n * elem);
    if (q == NULL) {
        return -1;
    }
    *p = q;
    *cap = n;
    return 0;
}

#endif
