/* Stable arrays: zeroed memory reserved up front with mmap (MAP_NORESERVE),
 * so it never moves and only the pages touched cost memory.  The protocol's
 * undo journal records raw addresses, which is only sound because nothing it
 * points into is ever reallocated. */
#ifndef AVRAMI_UTIL_STABLE_H
#define AVRAMI_UTIL_STABLE_H

#include <stddef.h>

/* Returns zeroed memory of `bytes` (rounded up to pages), or NULL. */
void *stable_alloc(size_t bytes);
void stable_free(void *p, size_t bytes);

#endif
