#include "protocol/wset.h"

#include "util/stable.h"

bool psum_init(psumtree *t, uint32_t cap)
{
    t->cap = cap;
    t->n_levels = 0;
    uint64_t off = 0, len = cap ? cap : 1;
    for (;;) {
        t->off[t->n_levels] = off;
        t->len[t->n_levels] = len;
        t->n_levels++;
        off += (len + 7) / 8 * 8; /* the next level starts on a new line */
        if (len <= 8 || t->n_levels == PSUM_MAX_LEVELS)
            break;
        len = (len + 7) / 8;
    }
    t->bytes = off * sizeof *t->v;
    t->v = stable_alloc(t->bytes);
    t->h = 1;
    return t->v != NULL && len <= 8 && cap < JRN_PSUM_ADD; /* journal entries hold positions */
}

void psum_reach(jrn *j, psumtree *t, uint32_t pos)
{
    while (t->h < t->n_levels && (uint64_t)pos >> (3 * t->h)) {
        uint64_t s = psum_total(t);
        uint64_t *top = t->v + t->off[t->h]; /* the level's other entries are still 0 */
        if (j) {
            jrn_save(j, top, sizeof *top);
            jrn_save(j, &t->h, sizeof t->h);
        }
        *top = s;
        t->h++;
    }
}

void psum_free(psumtree *t)
{
    if (t->v)
        stable_free(t->v, t->bytes);
    t->v = NULL;
}

uint64_t psum_total(const psumtree *t)
{
    const uint64_t *top = t->v + t->off[t->h - 1]; /* the walk's first level: 8 entries at most */
    uint64_t n = t->len[t->h - 1] < 8 ? t->len[t->h - 1] : 8, s = 0;
    for (uint64_t i = 0; i < n; i++)
        s += top[i];
    return s;
}

bool wset_init(wset *s, uint32_t cap, uint32_t *pos, uint32_t stride)
{
    if (!oset_init(&s->s, cap, pos, stride))
        return false;
    if (psum_init(&s->w, cap))
        return true;
    psum_free(&s->w);
    oset_free(&s->s);
    return false;
}

void wset_free(wset *s)
{
    oset_free(&s->s);
    psum_free(&s->w);
}

bool wset_add(jrn *j, wset *s, uint32_t id, uint64_t w)
{
    if (!oset_add(j, &s->s, id))
        return false;
    psum_add(j, &s->w, s->s.len - 1, w);
    return true;
}

/* The prefix sums of a swap and pop: leaf idx takes the last leaf's weight
 * lw and the last leaf becomes 0.  One walk: where the two paths meet, the
 * entry above both changes by -gone alone. */
static inline void psum_swap_pop(psumtree *t, uint32_t idx, uint32_t last, uint64_t gone, uint64_t lw)
{
    uint64_t i = idx, k = last;
    for (uint32_t l = 0; l < t->h; l++, i /= 8, k /= 8) {
        uint64_t *v = t->v + t->off[l];
        if (i == k) {
            v[i] -= gone;
        } else {
            v[i] += lw - gone;
            v[k] -= lw;
        }
    }
}

int64_t wset_remove(jrn *j, wset *s, uint32_t id)
{
    if (!oset_contains(&s->s, id))
        return -1;
    uint32_t idx = *oset_pos(&s->s, id) - 1;
    wset_remove_at(j, s, id, idx);
    return idx;
}

uint64_t wset_remove_at(jrn *j, wset *s, uint32_t id, uint32_t idx)
{
    uint32_t moved;
    uint32_t last = s->s.len - 1;
    oset_remove_at(j, &s->s, id, idx, &moved);
    uint64_t gone = psum_get(&s->w, idx), lw = psum_get(&s->w, last);
    /* one logical entry: the set's removal was journalled just before, so
     * the undo finds the set as it was after it (last = its length) */
    jrn_note(j, s, JRN_WSET_SWAP_POP, gone, idx);
    psum_swap_pop(&s->w, idx, last, gone, moved != UINT32_MAX ? lw : gone);
    return gone;
}

/* The same walk with the weights negated puts gone back at idx and lw
 * back at the last position. */
void wset_undo_swap_pop(wset *s, uint32_t idx, uint64_t gone)
{
    uint32_t last = s->s.len; /* the oset's removal is not undone yet */
    uint64_t lw = psum_get(&s->w, idx); /* 0 when idx was the last */
    psum_swap_pop(&s->w, idx, last, (uint64_t)0 - gone, (uint64_t)0 - lw);
}

void wset_set_weight(jrn *j, wset *s, uint32_t id, uint64_t w)
{
    if (oset_contains(&s->s, id)) {
        uint32_t pos = *oset_pos(&s->s, id) - 1;
        uint64_t old = psum_get(&s->w, pos);
        if (w != old) /* a node whose score did not move: nothing to write or journal */
            psum_add(j, &s->w, pos, w - old);
    }
}
