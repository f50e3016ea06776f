/* Undo journal: what makes a protocol transaction atomic.
 *
 * A Solidity transaction that reverts leaves no trace, even when it reverts
 * deep inside a call chain after many writes (a settle that underflows, a
 * finishTask on a node in the wrong status).  Every write to protocol state
 * goes through jrn_save() first, which copies the old bytes; a revert plays
 * the log backwards, a success just empties it.  Cost: one small memcpy per
 * write.  Sound only for memory that never moves (util/stable.h). */
#ifndef AVRAMI_PROTOCOL_JOURNAL_H
#define AVRAMI_PROTOCOL_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

typedef struct jrn_entry {
    void *addr;
    uint32_t off;  /* into the byte log */
    uint32_t size;
} jrn_entry;

typedef struct jrn {
    jrn_entry *e;
    size_t n, cap;
    uint8_t *bytes;
    size_t nbytes, capbytes;
} jrn;

void jrn_init(jrn *j);
void jrn_free(jrn *j);
void jrn_save_slow(jrn *j, void *addr, size_t size);

static inline void jrn_save(jrn *j, void *addr, size_t size)
{
    if (j->n < j->cap && j->nbytes + size <= j->capbytes) {
        jrn_entry *e = &j->e[j->n++];
        e->addr = addr;
        e->off = (uint32_t)j->nbytes;
        e->size = (uint32_t)size;
        __builtin_memcpy(j->bytes + j->nbytes, addr, size);
        j->nbytes += size;
        return;
    }
    jrn_save_slow(j, addr, size);
}

/* Restores every saved location, newest first, and empties the log. */
void jrn_rollback(jrn *j);

static inline void jrn_commit(jrn *j)
{
    j->n = 0;
    j->nbytes = 0;
}

/* Assign through the journal: J(jp, lvalue, value). */
#define J(jp, lv, val)                                   \
    do {                                                 \
        jrn_save((jp), (void *)&(lv), sizeof(lv));       \
        (lv) = (val);                                    \
    } while (0)

#endif
