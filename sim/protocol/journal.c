#include <stdlib.h>
#include <string.h>

#include "protocol/journal.h"
#include "protocol/oset.h" /* oset_undo */
#include "protocol/wset.h" /* the logical entries' psum_add, wset_undo_swap_pop */
#include "util/grow.h"

void jrn_init(jrn *j)
{
    memset(j, 0, sizeof *j);
}

void jrn_free(jrn *j)
{
    free(j->e);
    free(j->bytes);
    memset(j, 0, sizeof *j);
}

void jrn_grow(jrn *j)
{
    if (j->cur < j->end)
        return;
    size_t n = jrn_len(j), cap = (size_t)(j->end - j->e);
    j->e = grow_doubled(j->e, &cap, sizeof *j->e, 1024);
    j->cur = j->e + n;
    j->end = j->e + cap;
}

void jrn_save_slow(jrn *j, void *addr, size_t size)
{
    jrn_grow(j);
    if (size <= 8) {
        jrn_save(j, addr, size);
        return;
    }
    j->bytes = grow_to(j->bytes, &j->capbytes, j->nbytes + size, 1, 16384);
    jrn_entry *e = j->cur++;
    e->addr = addr;
    e->old = j->nbytes;
    e->size = (uint32_t)size;
    memcpy(j->bytes + j->nbytes, addr, size);
    j->nbytes += size;
}

void jrn_rollback(jrn *j)
{
    while (j->cur > j->e) {
        jrn_entry *e = --j->cur;
        if (e->size & JRN_PSUM_ADD)
            psum_add(NULL, e->addr, e->size & ~JRN_PSUM_ADD, (uint64_t)0 - e->old);
        else if (e->size == JRN_WSET_SWAP_POP)
            wset_undo_swap_pop(e->addr, e->aux, e->old);
        else if (e->size >= JRN_OSET_ADD)
            oset_undo(e->addr, e->size, e->old, e->aux);
        else if (e->size <= 8)
            memcpy(e->addr, &e->old, e->size);
        else
            memcpy(e->addr, j->bytes + e->old, e->size);
    }
    j->nbytes = 0;
}
