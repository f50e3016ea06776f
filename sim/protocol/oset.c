#include <stdlib.h>

#include "protocol/oset.h"
#include "util/stable.h"

bool oset_init(oset *s, uint32_t cap, uint32_t *pos, uint32_t stride)
{
    s->items = stable_alloc((size_t)cap * sizeof *s->items);
    s->len = 0;
    s->cap = cap;
    s->pos = pos;
    s->stride = stride;
    s->own = false;
    return s->items != NULL;
}

bool oset_init_own(oset *s, uint32_t cap, uint32_t *pos, uint32_t stride)
{
    bool ok = oset_init(s, cap, pos, stride);
    s->own = true;
    return ok;
}

void oset_free(oset *s)
{
    stable_free(s->items, (size_t)s->cap * sizeof *s->items);
    s->items = NULL;
}

bool oset_add(jrn *j, oset *s, uint32_t id)
{
    if (oset_contains(s, id))
        return false;
    if (s->len == s->cap)
        abort(); /* capacity is the account universe: cannot happen */
    uint32_t *pid = oset_pos(s, id);
    jrn_note(j, s, JRN_OSET_ADD, id | (uint64_t)*pid << 32, s->items[s->len]);
    s->items[s->len] = id;
    *pid = s->len + 1;
    s->len++;
    return true;
}

int64_t oset_remove(jrn *j, oset *s, uint32_t id, uint32_t *moved)
{
    *moved = UINT32_MAX;
    if (!oset_contains(s, id))
        return -1;
    uint32_t idx = *oset_pos(s, id) - 1;
    oset_remove_at(j, s, id, idx, moved);
    return idx;
}

void oset_remove_at(jrn *j, oset *s, uint32_t id, uint32_t idx, uint32_t *moved)
{
    *moved = UINT32_MAX;
    uint32_t *pid = oset_pos(s, id);
    uint32_t last = s->len - 1;
    /* The entry needs no old value of items[idx] or pos[m] (the undo knows
     * them), so those lines of a random member far from the cache are
     * written without being read. */
    jrn_note(j, s, JRN_OSET_REMOVE, id | (uint64_t)idx << 32, 0);
    if (idx != last) {
        uint32_t m = s->items[last];
        s->items[idx] = m;
        *oset_pos(s, m) = idx + 1;
        *moved = m;
    }
    *pid = 0;
    s->len = last;
}

void oset_undo(oset *s, uint32_t kind, uint64_t old, uint32_t aux)
{
    uint32_t id = (uint32_t)old, at = (uint32_t)(old >> 32);
    if (kind == JRN_OSET_ADD) { /* at: id's old position entry */
        s->len--;
        s->items[s->len] = aux;
        *oset_pos(s, id) = at;
        return;
    }
    /* a removal of id from index at: the member then last is still in the
     * slot past the end (swap and pop copies it, nothing else wrote it) */
    uint32_t last = s->len;
    s->len = last + 1;
    if (at != last) {
        uint32_t m = s->items[last];
        s->items[at] = id;
        *oset_pos(s, m) = last + 1;
    }
    *oset_pos(s, id) = at + 1;
}

bool vset_init(vset *s, uint32_t cap)
{
    s->items = stable_alloc((size_t)cap * sizeof *s->items);
    s->len = 0;
    s->cap = cap;
    return s->items != NULL;
}

void vset_free(vset *s)
{
    stable_free(s->items, (size_t)s->cap * sizeof *s->items);
    s->items = NULL;
}

int64_t vset_find(const vset *s, uint64_t v)
{
    for (uint32_t i = 0; i < s->len; i++)
        if (s->items[i] == v)
            return i;
    return -1;
}

bool vset_add(jrn *j, vset *s, uint64_t v)
{
    if (vset_find(s, v) >= 0)
        return false;
    if (s->len == s->cap)
        abort();
    J(j, s->items[s->len], v);
    J(j, s->len, s->len + 1);
    return true;
}

bool vset_remove(jrn *j, vset *s, uint64_t v)
{
    int64_t idx = vset_find(s, v);
    if (idx < 0)
        return false;
    uint32_t last = s->len - 1;
    if ((uint32_t)idx != last)
        J(j, s->items[idx], s->items[last]);
    J(j, s->len, last);
    return true;
}
