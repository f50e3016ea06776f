/* The Node contract's per-group node sets (crynux-ai/crynux-contracts @
 * bd7ee24, contracts/Node.sol: _allGPUIDNodesIndex, _availableGPUIDNodesIndex,
 * _allGPUVramNodesIndex, _availableGPUVramNodesIndex), each an EnumerableSet
 * in the model too (oset order: insertion, swap-and-pop on removal), and what
 * the model keeps beside each so that a selection need not scan it
 * (vss_select.c): the members' nodesMap.score as weights in the set's order
 * (a sum tree, protocol/wset.h), and a count of the members' versions.  Both
 * are written through the journal like the sets. */
#include "protocol/vss/vss_internal.h"

/* ---- groups (GPU ids and VRAM sizes) ---- */

uint32_t vn_gpu_find(const vss *p, uint32_t name, uint64_t vram)
{
    for (uint32_t i = 0; i < p->n_gpus; i++)
        if (p->gpus[i].name == name && p->gpus[i].vram == vram)
            return i;
    return VSS_NOBODY;
}

static bool group_init(vss *p, vgroup *g, uint32_t *pos_all, uint32_t *pos_av)
{
    return wset_init(&g->all.set, p->max_acc, pos_all, 1) &&
           wset_init(&g->avail.set, p->max_acc, pos_av, 1);
}

/* Groups are created outside the journal (an empty group is no state). */
uint32_t vn_gpu_id(vss *p, uint32_t name, uint64_t vram)
{
    uint32_t i = vn_gpu_find(p, name, vram);
    if (i != VSS_NOBODY)
        return i;
    if (p->n_gpus == VSS_MAX_GPUS || !group_init(p, &p->gpus[p->n_gpus], p->pos_gall, p->pos_gav))
        vss_revert(p, "avrami: too many GPU models");
    p->gpus[p->n_gpus].name = name;
    p->gpus[p->n_gpus].vram = vram;
    return p->n_gpus++;
}

uint32_t vn_vram_id(vss *p, uint64_t vram)
{
    for (uint32_t i = 0; i < p->n_vrams; i++)
        if (p->vrams[i].vram == vram)
            return i;
    if (p->n_vrams == VSS_MAX_VRAMS ||
        !group_init(p, &p->vrams[p->n_vrams], p->pos_vall, p->pos_vav))
        vss_revert(p, "avrami: too many VRAM sizes");
    p->vrams[p->n_vrams].vram = vram;
    return p->n_vrams++;
}

/* ---- version counts ---- */

static bool same_version(const uint64_t a[3], const uint64_t b[3])
{
    return a[0] == b[0] && a[1] == b[1] && a[2] == b[2];
}

static void version_count(vss *p, vmembers *m, const uint64_t v[3])
{
    uint32_t free_k = VSS_GROUP_VERSIONS;
    for (uint32_t k = 0; k < VSS_GROUP_VERSIONS; k++) {
        if (m->ver_n[k] && same_version(m->ver[k], v)) {
            J(p->j, m->ver_n[k], m->ver_n[k] + 1);
            return;
        }
        if (!m->ver_n[k] && free_k == VSS_GROUP_VERSIONS)
            free_k = k;
    }
    if (free_k == VSS_GROUP_VERSIONS) {
        J(p->j, m->others, m->others + 1);
        return;
    }
    for (int i = 0; i < 3; i++)
        J(p->j, m->ver[free_k][i], v[i]);
    J(p->j, m->ver_n[free_k], 1);
}

/* A member of version v leaves: its table entry when v has a live one, else
 * `others` (then v's members are all counted there: others >= 1). */
static void version_uncount(vss *p, vmembers *m, const uint64_t v[3])
{
    for (uint32_t k = 0; k < VSS_GROUP_VERSIONS; k++)
        if (m->ver_n[k] && same_version(m->ver[k], v)) {
            J(p->j, m->ver_n[k], m->ver_n[k] - 1);
            return;
        }
    VREQUIRE(p, m->others > 0, "avrami: group version count out of step");
    J(p->j, m->others, m->others - 1);
}

vx_fit vx_version_fit(const vmembers *m, const uint64_t task_version[3])
{
    if (m->others)
        return VX_SOME; /* not known: the scan decides */
    bool any = false, all = true;
    for (uint32_t k = 0; k < VSS_GROUP_VERSIONS; k++)
        if (m->ver_n[k]) {
            bool match = vn_version_match(m->ver[k], task_version);
            any |= match;
            all &= match;
        }
    return !any ? VX_NONE : all ? VX_ALL : VX_SOME;
}

/* ---- membership ---- */

void vx_add(vss *p, vmembers *m, uint32_t a)
{
    const vnode *n = &p->node[a];
    /* every draw's weight is at least 1 (Node.join and finishTask raise a
     * score of 0 to 1), so the draws through the tree and by the scan agree
     * on the candidates too */
    VREQUIRE(p, n->score > 0, "avrami: node score 0 in a node set");
    if (wset_add(p->j, &m->set, a, n->score))
        version_count(p, m, n->version);
}

void vx_remove(vss *p, vmembers *m, uint32_t a)
{
    if (wset_remove(p->j, &m->set, a) >= 0)
        version_uncount(p, m, p->node[a].version);
}

void vx_rescore(vss *p, uint32_t a)
{
    const vnode *n = &p->node[a];
    VREQUIRE(p, n->score > 0, "avrami: node score 0 in a node set");
    vgroup *g = &p->gpus[n->gpu], *v = &p->vrams[n->vram_idx];
    wset_set_weight(p->j, &g->all.set, a, n->score);
    wset_set_weight(p->j, &g->avail.set, a, n->score);
    wset_set_weight(p->j, &v->all.set, a, n->score);
    wset_set_weight(p->j, &v->avail.set, a, n->score);
}

void vx_set_version(vss *p, uint32_t a, const uint64_t ver[3])
{
    vnode *n = &p->node[a];
    vgroup *g = &p->gpus[n->gpu], *v = &p->vrams[n->vram_idx];
    vmembers *sets[4] = {&g->all, &g->avail, &v->all, &v->avail};
    bool in[4];
    for (int i = 0; i < 4; i++) {
        in[i] = n->status != PROTO_NODE_QUIT && oset_contains(&sets[i]->set.s, a);
        if (in[i])
            version_uncount(p, sets[i], n->version);
    }
    for (int i = 0; i < 3; i++)
        J(p->j, n->version[i], ver[i]);
    for (int i = 0; i < 4; i++)
        if (in[i])
            version_count(p, sets[i], n->version);
}
