/* The bytes32-keyed mappings of VSSTask that the model looks up by key
 * (tasks by taskIDCommitment, usedNonces): open addressing over 8-byte
 * slots, each a 32-bit tag of the key's hash and a reference to where the
 * key itself is kept (a task handle's commitment, an entry of the nonce
 * log), so a lookup reads one line of a table a fifth the size of one that
 * held the keys, and compares a key only when the tags agree.
 *
 * The home slot is the tag's low bits, so a growth rehashes from the tags
 * alone.  The table grows with its entries (kept at most three quarters
 * full) rather than being sized to the task capacity: a table sized for
 * every task the run may create spreads the few it holds over all its
 * pages.  A growth is journaled (the new table, its capacity) so that a
 * revert returns to the old table; the tables a revert could return to are
 * kept (`arrays`, outside the journal) until the journal is empty
 * (vmap_reclaim).  Entries are never removed (the contract never deletes a
 * task or a nonce). */
#include <string.h>

#include "protocol/vss/vss_internal.h"
#include "util/stable.h"

static vslot *vmap_alloc(vmap *m, uint64_t cap)
{
    if (m->n_arrays == VMAP_MAX_ARRAYS)
        return NULL;
    vslot *s = stable_alloc((size_t)cap * sizeof *s);
    if (s) {
        m->arrays[m->n_arrays].slot = s;
        m->arrays[m->n_arrays++].cap = cap;
    }
    return s;
}

bool vmap_init(vmap *m, vmap_key_fn key)
{
    m->key = key;
    m->cap = 64;
    m->n = 0;
    m->slot = vmap_alloc(m, m->cap);
    return m->slot != NULL;
}

void vmap_free(vmap *m)
{
    for (uint32_t i = 0; i < m->n_arrays; i++)
        stable_free(m->arrays[i].slot, (size_t)m->arrays[i].cap * sizeof *m->arrays[i].slot);
    m->n_arrays = 0;
    m->slot = NULL;
}

void vmap_reclaim(vss *p, vmap *m)
{
    if (m->n_arrays < 2 || jrn_len(p->j))
        return;
    uint32_t k = 0;
    for (uint32_t i = 0; i < m->n_arrays; i++) {
        if (m->arrays[i].slot == m->slot)
            m->arrays[k++] = m->arrays[i];
        else
            stable_free(m->arrays[i].slot, (size_t)m->arrays[i].cap * sizeof *m->arrays[i].slot);
    }
    m->n_arrays = k;
}

static uint32_t tag_of(const uint8_t key[32])
{
    uint64_t h;
    memcpy(&h, key, 8);
    h ^= h >> 29;
    h *= 0x9E3779B97F4A7C15ULL;
    return (uint32_t)(h >> 32);
}

void vmap_prefetch(const vmap *m, const uint8_t key[32])
{
    __builtin_prefetch(&m->slot[tag_of(key) & (m->cap - 1)]);
}

/* The key's slot, or the empty one where it would go. */
static uint64_t slot_of(const vss *p, const vmap *m, const uint8_t key[32])
{
    uint32_t tag = tag_of(key);
    uint64_t i = tag & (m->cap - 1);
    while (m->slot[i].ref &&
           (m->slot[i].tag != tag || memcmp(m->key(p, m->slot[i].ref), key, 32)))
        i = (i + 1) & (m->cap - 1);
    return i;
}

uint32_t vmap_find(const vss *p, const vmap *m, const uint8_t key[32])
{
    return m->slot[slot_of(p, m, key)].ref;
}

/* Doubles the table: a fresh one filled from the current, then swapped in
 * through the journal (the old table is left as it was). */
static void vmap_grow(vss *p, vmap *m)
{
    uint64_t cap = 2 * m->cap;
    if (cap > (uint64_t)UINT32_MAX + 1) /* homes are tag bits */
        vss_revert(p, "avrami: too many keys in a task map");
    vslot *s = vmap_alloc(m, cap);
    if (!s)
        vss_revert(p, "avrami: out of memory for the task maps");
    for (uint64_t i = 0; i < m->cap; i++)
        if (m->slot[i].ref) {
            uint64_t k = m->slot[i].tag & (cap - 1);
            while (s[k].ref)
                k = (k + 1) & (cap - 1);
            s[k] = m->slot[i];
        }
    J(p->j, m->slot, s);
    J(p->j, m->cap, cap);
}

void vmap_insert(vss *p, vmap *m, const uint8_t key[32], uint32_t ref)
{
    if (4 * (m->n + 1) > 3 * m->cap)
        vmap_grow(p, m);
    vslot *e = &m->slot[slot_of(p, m, key)];
    VREQUIRE(p, !e->ref, "avrami: a task map key inserted twice");
    J(p->j, e->tag, tag_of(key));
    J(p->j, e->ref, ref);
    J(p->j, m->n, m->n + 1);
}
