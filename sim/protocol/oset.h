/* Ordered sets with the semantics of OpenZeppelin's EnumerableSet, which the
 * Helium contracts iterate to break ties: iteration in insertion order, except
 * that removing an element moves the last element into its slot ("swap and
 * pop").  Every change goes to the journal as one logical entry.
 *
 * oset:  members are small integer ids (accounts); membership and position
 *        live in an external array pos[id * stride] = index + 1 (0 = absent),
 *        which several disjoint sets may share (a stride above 1 interleaves
 *        the positions of several sets, so that one line holds an id's
 *        place in each).  add/remove/contains are O(1).
 *        A set that owns its pos array (oset_init_own) knows membership
 *        from pos[id] alone (nonzero exactly for its members); one that
 *        shares it also checks items[pos - 1], a second load that waits on
 *        the first.
 * vset:  members are arbitrary 64-bit values (VRAM sizes, GPU model ids) of
 *        which there are few; membership is a linear scan, O(#members). */
#ifndef AVRAMI_PROTOCOL_OSET_H
#define AVRAMI_PROTOCOL_OSET_H

#include <stdbool.h>
#include <stdint.h>

#include "protocol/journal.h"

typedef struct oset {
    uint32_t *items; /* stable, capacity cap */
    uint32_t len, cap;
    uint32_t *pos;   /* pos[id * stride]; shared unless own */
    uint32_t stride;
    bool own;        /* no other set writes these positions */
} oset;

bool oset_init(oset *s, uint32_t cap, uint32_t *pos, uint32_t stride);
/* A set alone on its positions (the proto's all-node and available-node sets). */
bool oset_init_own(oset *s, uint32_t cap, uint32_t *pos, uint32_t stride);
static inline uint32_t *oset_pos(const oset *s, uint32_t id) { return s->pos + (size_t)id * s->stride; }
void oset_free(oset *s);
/* Returns false when id was already present (EnumerableSet.add). */
bool oset_add(jrn *j, oset *s, uint32_t id);
/* Returns the index the element had, or -1 when absent.  *moved receives the
 * id that was swapped into that index (UINT32_MAX if none). */
int64_t oset_remove(jrn *j, oset *s, uint32_t id, uint32_t *moved);
/* oset_remove of the member id that the caller knows to be at index idx:
 * reads nothing of id's own position (a line far from the cache when the
 * caller found the member by walking the set). */
void oset_remove_at(jrn *j, oset *s, uint32_t id, uint32_t idx, uint32_t *moved);
/* Undoes one journalled change (journal.h, jrn_note): the rollback's. */
void oset_undo(oset *s, uint32_t kind, uint64_t old, uint32_t aux);
static inline bool oset_contains(const oset *s, uint32_t id)
{
    uint32_t p = *oset_pos(s, id);
    return p && (s->own || (p <= s->len && s->items[p - 1] == id));
}

typedef struct vset {
    uint64_t *items; /* stable */
    uint32_t len, cap;
} vset;

bool vset_init(vset *s, uint32_t cap);
void vset_free(vset *s);
int64_t vset_find(const vset *s, uint64_t v);
bool vset_add(jrn *j, vset *s, uint64_t v);
bool vset_remove(jrn *j, vset *s, uint64_t v);

#endif
