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
/* Asks for the pages of [p, p + bytes), inside a block of stable_alloc, in
 * one call instead of a fault each as they are first written: a million
 * nodes' records cost 130,000 faults, a fifth of that run's CPU time.  A
 * hint, without effect where the kernel cannot (Linux before 5.14). */
void stable_populate(void *p, size_t bytes);

#endif
