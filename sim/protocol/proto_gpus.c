/* Shared node-index mechanics: the GPU model (name, VRAM) and VRAM size
 * registries every edition's Node contract indexes available nodes by
 * (a group's set with its scores: protocol/wset.h), and the uniform draw
 * through the caller's chooser. */
#include <string.h>

#include "protocol/proto_internal.h"

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
    if (!wset_init(&g->nodes, p->max_acc, p->acct[0].pos + PROTO_POS_GRP, PROTO_POS_STRIDE))
        proto_revert(p, "avrami: out of memory");
    return p->n_gpu++;
}

pvram *pg_vram_new(proto *p, uint64_t vram)
{
    REQUIRE(p, p->n_vram < PROTO_MAX_GPUS, "avrami: too many VRAM sizes");
    pvram *v = &p->vram[p->n_vram];
    v->vram = vram;
    if (!vset_init(&v->gpus, PROTO_MAX_GPUS) ||
        (p->pos_vram && !oset_init(&v->nodes, p->max_acc, p->pos_vram, PROTO_POS_STRIDE)))
        proto_revert(p, "avrami: out of memory");
    p->n_vram++;
    return v;
}

uint32_t pg_join_stake(proto *p, uint32_t a, const char *gpu_name, uint64_t vram)
{
    REQUIRE(p, p->all_nodes.len < p->prm.max_nodes, "Network is full");
    REQUIRE(p, p->node[a].status == PROTO_NODE_QUIT, "Node already joined");
    /* the allowance check comes first on-chain; the simulator's nodes
     * always approve the stake */
    REQUIRE(p, p->acct[a].bal >= p->prm.stake, "Not enough token to stake");
    ptransfer(p, a, PROTO_ACC_NODE, p->prm.stake);
    return pg_gpu_intern(p, gpu_name, vram);
}

/* Node.removeNode: the record deleted, the node out of allNodes */
void pg_remove_node(proto *p, uint32_t a)
{
    pnode *n = &p->node[a];
    uint32_t moved;
    J(&p->j, n->status, PROTO_NODE_QUIT);
    J(&p->j, n->gpu, 0);
    J(&p->j, n->score, 0);
    oset_remove(&p->j, &p->all_nodes, a, &moved);
    J(&p->j, p->stats.active_nodes, p->stats.active_nodes - 1);
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
        if (pg_node_vram(p, f[i]) < vram_limit)
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

