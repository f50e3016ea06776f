/* grow: the arrays that only ever double (event lists, journals). */
#ifndef AVRAMI_UTIL_GROW_H
#define AVRAMI_UTIL_GROW_H

#include <stddef.h>

/* p (of *cap elements of elem bytes) reallocated to twice *cap, or to
 * first when it is empty; *cap is updated.  Out of memory aborts: these
 * arrays grow inside a protocol transaction, which has no way to fail. */
void *grow_doubled(void *p, size_t *cap, size_t elem, size_t first);
/* The same, doubled as often as it takes to hold need elements (p is
 * returned as it is when it holds them already). */
void *grow_to(void *p, size_t *cap, size_t need, size_t elem, size_t first);

#endif
