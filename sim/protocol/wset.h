/* Score-weighted draws over EnumerableSet order, shared by the editions'
 * Node contracts (Helium's GPU groups, helium_node.c; VSS's GPU and VRAM
 * groups, vss/vss_index.c).
 *
 * psumtree: prefix sums over positions 0..cap-1: an 8-ary tree stored level
 *   by level (level 0: the values; level k + 1: sums of 8 consecutive
 *   entries of level k; the top level has at most 8).  An update writes one
 *   entry per level and a search reads one cache line per level, so with a
 *   million positions a draw misses the cache a few times where a Fenwick
 *   tree's twenty scattered entries missed it often.  "The first position
 *   whose prefix sum exceeds r" is the index a walk over the weights in
 *   position order returns for the same r.
 * wset: an ordered set (oset.h: insertion order, swap-and-pop removal) whose
 *   members carry a weight, with a psumtree over the set's positions that
 *   follows the members as they move.
 *
 * Writes go through the journal (an addition to a psumtree as one logical
 * entry, jrn_note_psum_add); with j == NULL straight to memory, for a
 * change the caller undoes itself before its transaction ends (the draws
 * without replacement). */
#ifndef AVRAMI_PROTOCOL_WSET_H
#define AVRAMI_PROTOCOL_WSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol/journal.h"
#include "protocol/oset.h"

#define PSUM_MAX_LEVELS 12
/* The tree is sized for cap positions (a set's members can be every
 * account), but only the levels below `h` are kept: while every position
 * written is below 8^h, each level from h up would hold its total in entry
 * 0 and nothing else, so it is left unwritten and a walk starts at level
 * h - 1.  h grows when a position reaches 8^h (psum_reach; journalled, so
 * a rollback lowers it again).  With 10,000 nodes over four GPU models (a
 * tree for 2 M positions) a draw walks four levels of a group instead of
 * seven, and an update writes four. */
typedef struct psumtree {
    uint64_t *v;          /* all levels, each starting on a 64-byte line */
    uint32_t cap;
    uint32_t n_levels;
    uint32_t h;           /* levels kept: 0 .. h - 1 (1 <= h <= n_levels) */
    uint64_t off[PSUM_MAX_LEVELS], len[PSUM_MAX_LEVELS];
    size_t bytes;         /* of v, for stable_free */
} psumtree;

bool psum_init(psumtree *t, uint32_t cap);
void psum_free(psumtree *t);
uint64_t psum_total(const psumtree *t);
/* Raises h until position pos is below 8^h, each new level's entry 0 the
 * total of the level below; through the journal unless j is NULL. */
void psum_reach(jrn *j, psumtree *t, uint32_t pos);

static inline uint64_t psum_get(const psumtree *t, uint32_t pos) { return t->v[pos]; }

/* Adds delta (modulo 2^64: deltas may "wrap") at 0-based position pos. */
static inline void psum_add(jrn *j, psumtree *t, uint32_t pos, uint64_t delta)
{
    /* a new level first, so that a rollback takes the addition back
     * from every level before it drops the level */
    if ((uint64_t)pos >> (3 * t->h))
        psum_reach(j, t, pos);
    if (j) /* one logical entry: the rollback adds -delta */
        jrn_note_psum_add(j, t, pos, delta);
    uint64_t i = pos;
    for (uint32_t l = 0; l < t->h; l++, i /= 8)
        t->v[t->off[l] + i] += delta;
}

/* Trees of at most this many levels (8^4 = 4,096 positions, 32 KB of
 * leaves) stay in the caches between draws. */
#define PSUM_CACHED_LEVELS 4

/* Smallest 0-based position whose prefix sum exceeds r; UINT32_MAX when
 * none does (r >= the total). */
static inline uint32_t psum_find(const psumtree *t, uint64_t r)
{
    uint64_t i = 0; /* entry of the current level whose children are searched */
    for (uint32_t l = t->h; l-- > 0;) {
        const uint64_t *v = t->v + t->off[l];
        uint64_t first = l + 1 == t->h ? 0 : i * 8, end = first + 8;
        if (end > t->len[l])
            end = t->len[l];
        if (t->h <= PSUM_CACHED_LEVELS) {
            /* the children whose prefix sums stay <= r, counted without a
             * branch on them: a draw lands at a random child, so a scan's
             * exit is mispredicted about once a level */
            uint64_t acc = 0, below = 0, n = 0;
            for (uint64_t k = first; k < end; k++) {
                acc += v[k];
                bool le = acc <= r;
                n += le;
                below = le ? acc : below;
            }
            r -= below;
            i = first + n;
        } else {
            /* a tall tree's levels miss the cache: the predicted scan
             * starts the next level's load before this one's compares */
            for (i = first; i < end && r >= v[i]; i++)
                r -= v[i];
        }
        if (i == end)
            return UINT32_MAX;
    }
    return (uint32_t)i;
}

typedef struct wset {
    oset s;
    psumtree w;
} wset;

bool wset_init(wset *s, uint32_t cap, uint32_t *pos, uint32_t stride);
void wset_free(wset *s);
/* EnumerableSet.add / remove, the weights following their members. */
bool wset_add(jrn *j, wset *s, uint32_t id, uint64_t w);
int64_t wset_remove(jrn *j, wset *s, uint32_t id);
/* The removal of member id known to be at position idx (a draw's walk
 * found it there): reads nothing of id's own position.  Returns the
 * weight it had. */
uint64_t wset_remove_at(jrn *j, wset *s, uint32_t id, uint32_t idx);
/* Undoes wset_remove's change of the weights (journal.c's rollback). */
void wset_undo_swap_pop(wset *s, uint32_t idx, uint64_t gone);
/* A member's new weight; nothing when id is not a member. */
void wset_set_weight(jrn *j, wset *s, uint32_t id, uint64_t w);

#endif
