#include <sys/mman.h>

#include "util/stable.h"

#define STABLE_HUGE_MIN ((size_t)64 << 20)

void *stable_alloc(size_t bytes)
{
    if (bytes == 0)
        bytes = 1;
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    /* The largest reserves (the requests of a long run) are filled front to
     * back and touched all run: 2 MB pages cost one fault where 4 kB pages
     * cost 512, and fewer TLB misses.  Only a hint: where transparent huge
     * pages are off it does nothing; the reserve's unused tail still costs
     * nothing, its touched part at most one page more. */
    if (bytes >= STABLE_HUGE_MIN)
        (void)madvise(p, bytes, MADV_HUGEPAGE);
    return p;
}

void stable_free(void *p, size_t bytes)
{
    if (p)
        munmap(p, bytes ? bytes : 1);
}
