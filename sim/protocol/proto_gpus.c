/* Shared node-index mechanics: the GPU model (name, VRAM) and VRAM size
 * registries every edition's Node contract indexes available nodes by, the
 * prefix sums over a group's set positions (score-weighted draws), and the
 * uniform draw through the caller's chooser. */
#include <string.h>

#include "protocol/proto_internal.h"
#include "util/stable.h"

/* ---- prefix sums over a group's set positions (scores) ---- */

static bool sum_init(psumtree *t, uint32_t cap)
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
    return t->v != NULL && len <= 8;
}

/* Adds delta (modulo 2^64: deltas may "wrap") at 0-based position pos. */
void psum_add(proto *p, psumtree *t, uint32_t pos, uint64_t delta)
{
    uint64_t i = pos;
    for (uint32_t l = 0; l < t->n_levels; l++, i /= 8)
        J(&p->j, t->v[t->off[l] + i], t->v[t->off[l] + i] + delta);
}

/* Smallest 0-based position whose prefix sum exceeds r; UINT32_MAX when
 * none does (r >= the total). */
uint32_t psum_find(const psumtree *t, uint64_t r)
{
    uint64_t i = 0; /* entry of the current level whose children are searched */
    for (uint32_t l = t->n_levels; l-- > 0;) {
        const uint64_t *v = t->v + t->off[l];
        uint64_t first = l + 1 == t->n_levels ? 0 : i * 8, end = first + 8;
        if (end > t->len[l])
            end = t->len[l];
        for (i = first; i < end && r >= v[i]; i++)
            r -= v[i];
        if (i == end)
            return UINT32_MAX;
    }
    return (uint32_t)i;
}

/* ---- GPU model and VRAM registries (interning; not journaled) ---- */

uint32_t pg_gpu_intern(proto *p, const char *name, uint64_t vram)
{
    for (uint32_t i = 0; i < p->n_gpu; i++)
        if (p->gpu[i].vram == vram && !strcmp(p->names + p->gpu[i].name, name))
            return i;
    size_t len = strlen(name) + 1;
    REQUIRE(p, p->n_gpu < PROTO_MAX_GPUS && p->names_len + len <= p->names_cap,
            "avrami: too many GPU models");
    pgpu *g = &p->gpu[p->n_gpu];
    memcpy(p->names + p->names_len, name, len);
    g->name = (uint32_t)p->names_len;
    p->names_len += len;
    g->vram = vram;
    if (!sum_init(&g->scores, p->max_acc) || !oset_init(&g->nodes, p->max_acc, p->pos_grp))
        proto_revert(p, "avrami: out of memory");
    return p->n_gpu++;
}

pvram *pg_vram_rec(proto *p, uint64_t vram)
{
    for (uint32_t i = 0; i < p->n_vram; i++)
        if (p->vram[i].vram == vram)
            return &p->vram[i];
    REQUIRE(p, p->n_vram < PROTO_MAX_GPUS, "avrami: too many VRAM sizes");
    pvram *v = &p->vram[p->n_vram];
    v->vram = vram;
    if (!vset_init(&v->gpus, PROTO_MAX_GPUS) ||
        (p->pos_vram && !oset_init(&v->nodes, p->max_acc, p->pos_vram)))
        proto_revert(p, "avrami: out of memory");
    p->n_vram++;
    return v;
}

uint64_t pg_draw(proto *p, uint64_t bound)
{
    if (!p->chooser.draw || bound <= 1)
        return 0;
    uint64_t r = p->chooser.draw(p->chooser.ctx, bound);
    return r < bound ? r : bound - 1;
}


/* Why the replay's forced nodes (p->forced) cannot be selected for a new
 * task, or NULL: each available, with the VRAM, distinct, and one GPU
 * model for gpt. */
const char *pg_forced_problem(const proto *p, proto_task_type type, uint64_t vram_limit)
{
    const uint32_t *f = p->forced;
    for (int i = 0; i < 3; i++) {
        if (f[i] >= p->n_acc || p->node[f[i]].status != PROTO_NODE_AVAILABLE)
            return "selected node is not available";
        if (p->node[f[i]].vram < vram_limit)
            return "selected node has less VRAM than the task needs";
        for (int k = 0; k < i; k++)
            if (f[k] == f[i])
                return "a node is selected twice";
    }
    if (type == PROTO_GPT &&
        (p->node[f[0]].gpu != p->node[f[1]].gpu || p->node[f[0]].gpu != p->node[f[2]].gpu))
        return "gpt task selected nodes of different GPU models";
    return NULL;
}

