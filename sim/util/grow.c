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
