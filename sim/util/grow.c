#include "util/grow.h"

#include <stdlib.h>

void *grow_doubled(void *p, size_t *cap, size_t elem, size_t first)
{
    size_t c = *cap ? 2 * *cap : first;
    void *n = realloc(p, c * elem);
    if (!n)
        abort();
    *cap = c;
    return n;
}

void *grow_to(void *p, size_t *cap, size_t need, size_t elem, size_t first)
{
    if (need <= *cap)
        return p;
    size_t c = *cap ? *cap : first;
    while (c < need)
        c *= 2;
    void *n = realloc(p, c * elem);
    if (!n)
        abort();
    *cap = c;
    return n;
}
