/* Undo journal: what makes a protocol transaction atomic.
 *
 * A Solidity transaction that reverts leaves no trace, even when it reverts
 * deep inside a call chain after many writes (a settle that underflows, a
 * finishTask on a node in the wrong status).  Every write to protocol state
 * goes through jrn_save() first, which copies the old bytes; a revert plays
 * the log backwards, a success just empties it.  Cost: an entry per
 * write, or one for a whole change of a set (the logical entries below).
 * Sound only for memory that never moves (util/stable.h). */
#ifndef AVRAMI_PROTOCOL_JOURNAL_H
#define AVRAMI_PROTOCOL_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

/* A location of up to 8 bytes (nearly every write: counters, set positions
 * and sizes, prefix sums, statuses) keeps its old value in its own entry,
 * so saving it is a few stores (a 16-byte balance takes two entries, a
 * 32-byte nonce or commitment four); a longer one keeps it in the byte log
 * and the entry holds the offset.  One array of entries keeps the order
 * for the rollback. */
typedef struct jrn_entry {
    void *addr;
    uint64_t old;  /* the old bytes (size <= 8), else the offset into the byte log */
    uint32_t size; /* or a logical entry's kind (JRN_PSUM_ADD | position, JRN_OSET_*, JRN_WSET_SWAP_POP), below */
    uint32_t aux;  /* a logical entry's: JRN_OSET_ADD the item slot's old value, JRN_WSET_SWAP_POP the position */
} jrn_entry;

/* Entries e[0 .. cur), room up to end: a save compares and bumps one
 * pointer, without an index to scale. */
typedef struct jrn {
    jrn_entry *e, *cur, *end;
    uint8_t *bytes;
    size_t nbytes, capbytes;
} jrn;

static inline size_t jrn_len(const jrn *j) { return (size_t)(j->cur - j->e); }

void jrn_init(jrn *j);
void jrn_free(jrn *j);
void jrn_save_slow(jrn *j, void *addr, size_t size);
void jrn_grow(jrn *j); /* room for one more entry */

static inline void jrn_put(jrn_entry *e, void *addr, size_t size, uint64_t old)
{
    e->addr = addr;
    e->old = old;
    e->size = (uint32_t)size;
}

static inline void jrn_save_small(jrn_entry *e, void *addr, size_t size)
{
    uint64_t old = 0;
    __builtin_memcpy(&old, addr, size);
    jrn_put(e, addr, size, old);
}

static inline void jrn_save(jrn *j, void *addr, size_t size)
{
    /* size is a constant in J(), so only one of the branches is compiled there */
    if (size <= 8 && j->cur < j->end) {
        jrn_save_small(j->cur++, addr, size);
        return;
    }
    if (size > 8 && size <= 16 && j->end - j->cur >= 2) { /* a wei_t: two entries */
        jrn_save_small(j->cur, addr, 8);
        jrn_save_small(j->cur + 1, (uint8_t *)addr + 8, size - 8);
        j->cur += 2;
        return;
    }
    if (size == 32 && j->end - j->cur >= 4) { /* a nonce or commitment: four entries, no byte log */
        for (int k = 0; k < 4; k++)
            jrn_save_small(j->cur + k, (uint8_t *)addr + 8 * k, 8);
        j->cur += 4;
        return;
    }
    jrn_save_slow(j, addr, size);
}

/* One logical entry in place of one per level of a prefix-sum tree
 * (wset.h): delta was added at position pos of the tree, and the rollback
 * adds its negation.  A draw's bookkeeping adds to such trees about nine
 * times a task, five levels each with ten thousand nodes.  The entry's
 * size holds JRN_PSUM_ADD | pos (psum_init keeps positions below it). */
#define JRN_PSUM_ADD 0x80000000u
static inline void jrn_note_psum_add(jrn *j, void *tree, uint32_t pos, uint64_t delta)
{
    if (j->cur == j->end)
        jrn_grow(j);
    jrn_put(j->cur++, tree, JRN_PSUM_ADD | pos, delta);
}

/* One logical entry for a change of a set, in place of one per location
 * it writes: an ordered set's addition (three) or removal (up to four;
 * oset.c), a weighted set's swap and pop of its prefix sums (two walks of
 * the tree; wset.c).  The rollback (oset_undo, wset_undo_swap_pop)
 * recomputes the writes from the set, which is as the change left it,
 * since every later change has been undone first.  For an oset, old packs
 * the member and the position or index it had, and aux is an addition's
 * overwritten item slot; for a wset, old is the weight removed and aux its
 * position. */
#define JRN_OSET_ADD 0x40000000u
#define JRN_OSET_REMOVE 0x40000001u
#define JRN_WSET_SWAP_POP 0x40000002u
static inline void jrn_note(jrn *j, void *set, uint32_t kind, uint64_t old, uint32_t aux)
{
    if (j->cur == j->end)
        jrn_grow(j);
    jrn_entry *e = j->cur++;
    jrn_put(e, set, kind, old);
    e->aux = aux;
}

/* Restores every saved location, newest first, and empties the log. */
void jrn_rollback(jrn *j);

static inline void jrn_commit(jrn *j)
{
    j->cur = j->e;
    j->nbytes = 0;
}

/* Assign through the journal: J(jp, lvalue, value). */
#define J(jp, lv, val)                                   \
    do {                                                 \
        jrn_save((jp), (void *)&(lv), sizeof(lv));       \
        (lv) = (val);                                    \
    } while (0)

#endif
