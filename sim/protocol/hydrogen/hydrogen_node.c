/* Hydrogen's Node contract: crynux-ai/crynux-contracts efff09f,
 * contracts/Node.sol, statement by statement.
 *
 * Indexes, as in the contract: all nodes; available nodes; available nodes
 * by VRAM size (_gpuVramNodesIndex) with the set of sizes
 * (_availableGPUVramSet); available nodes by GPU model gpuID =
 * keccak256(name, vram) (_gpuIDNodesIndex) with the map of models
 * (_availableGPUIDVramMap, an EnumerableMap: same order rules as a set).
 * No scores: selection is by node counts, then uniform (Task.getSelectedNodes).
 *
 * The contract draws with keccak256(seed, nonce) (contracts/Random.sol);
 * the model draws the same distributions through the caller's chooser:
 * Random.multinomial(counts) picks index i with probability
 * counts[i]/Σcounts, and set.at(randint() % length) a uniform member (the
 * modulo bias of a 256-bit draw is below 2^-200). */
#include "protocol/hydrogen/hydrogen.h"

bool hy_init(proto *p)
{
    p->pos_vram = p->acct[0].pos + PROTO_POS_VRAM;
    /* _availableNodes, drawn from by index (Helium keeps no such set) */
    return oset_init_own(&p->avail_nodes, p->max_acc, p->acct[0].pos + PROTO_POS_AVAIL, PROTO_POS_STRIDE);
}

/* ---- available-node indexes (markNodeAvailable / markNodeUnavailable) ---- */

static void mark_available(proto *p, uint32_t a)
{
    pnode *n = &p->node[a];
    uint64_t vram = pg_node_vram(p, a);
    vset_add(&p->j, &p->vram_set, vram);
    oset_add(&p->j, &pg_vram_rec(p, vram)->nodes, a);
    vset_add(&p->j, &p->gpu_set, n->gpu); /* EnumerableMap.set keeps an existing key's place */
    oset_add(&p->j, &p->gpu[n->gpu].nodes.s, a); /* no scores: weights stay 0 */
    if (oset_add(&p->j, &p->avail_nodes, a))
        pt_stat_add(p, &p->stats.available_nodes, 1);
}

/* Removing a node that is in none of the sets (Node.slash calls this for a
 * busy node) changes nothing: EnumerableSet.remove of an absent member is a
 * no-op, and a size or model leaves its set only when its node set is empty. */
static void mark_unavailable(proto *p, uint32_t a)
{
    pnode *n = &p->node[a];
    uint32_t moved;
    uint64_t vram = pg_node_vram(p, a);
    pvram *v = pg_vram_rec(p, vram);
    oset_remove(&p->j, &v->nodes, a, &moved);
    if (v->nodes.len == 0)
        vset_remove(&p->j, &p->vram_set, vram);
    oset_remove(&p->j, &p->gpu[n->gpu].nodes.s, a, &moved);
    if (p->gpu[n->gpu].nodes.s.len == 0)
        vset_remove(&p->j, &p->gpu_set, n->gpu);
    if (oset_remove(&p->j, &p->avail_nodes, a, &moved) >= 0)
        pt_stat_add(p, &p->stats.available_nodes, -1);
}

/* ---- transactions ---- */

void hy_tx_join(proto *p, uint32_t a, const char *gpu_name, uint64_t vram)
{
    pnode *n = &p->node[a];
    uint32_t gpu = pg_join_stake(p, a, gpu_name, vram);
    if (!n->ever_joined)
        pt_stat_add(p, &p->stats.total_nodes, 1);
    J(&p->j, n->status, PROTO_NODE_AVAILABLE);
    J(&p->j, n->gpu, gpu);
    J(&p->j, n->ever_joined, 1);
    oset_add(&p->j, &p->all_nodes, a);
    pt_stat_add(p, &p->stats.active_nodes, 1);
    mark_available(p, a);
}

#define NODE_TX(name) hy_tx_##name
#include "protocol/node_status.inc"

/* ---- called by the Task contract ---- */

static bool in_task(uint8_t st)
{
    return st == PROTO_NODE_BUSY || st == PROTO_NODE_PENDING_PAUSE || st == PROTO_NODE_PENDING_QUIT;
}

void hy_start_task(proto *p, uint32_t a)
{
    REQUIRE(p, p->node[a].status == PROTO_NODE_AVAILABLE, "Node is not available");
    mark_unavailable(p, a);
    J(&p->j, p->node[a].status, PROTO_NODE_BUSY);
    pt_stat_add(p, &p->stats.busy_nodes, 1);
}

void hy_finish_task(proto *p, uint32_t a)
{
    uint8_t st = p->node[a].status;
    REQUIRE(p, in_task(st), "Illegal node status");
    pt_stat_add(p, &p->stats.busy_nodes, -1);
    if (st == PROTO_NODE_BUSY) {
        mark_available(p, a);
        J(&p->j, p->node[a].status, PROTO_NODE_AVAILABLE);
    } else if (st == PROTO_NODE_PENDING_QUIT) {
        pg_remove_node(p, a);
        ptoken_transfer(p, PROTO_ACC_NODE, a, p->prm.stake);
    } else {
        J(&p->j, p->node[a].status, PROTO_NODE_PAUSED);
    }
}

/* The stake goes to the owner.  busy_nodes is not lowered, as Helium's
 * NetworkStats does not lower it on a slash (the simulator's series
 * subtracts slashed nodes for both). */
void hy_slash(proto *p, uint32_t a)
{
    REQUIRE(p, in_task(p->node[a].status), "Illegal node status");
    ptoken_transfer(p, PROTO_ACC_NODE, PROTO_ACC_OWNER, p->prm.stake);
    mark_unavailable(p, a);
    pg_remove_node(p, a);
    PROTO_EMIT(p, .kind = PROTO_EV_NODE_SLASHED, .node = a);
}

/* ---- selection (Task.getSelectedNodes and Node.filterGPU*, selectNode*) ---- */

/* Random.multinomial over the counts that pass a filter: index i with
 * probability counts[i] / Σcounts, in the set's order.  Returns the chosen
 * member of `set`; reverts with `none` when no member passes. */
static uint64_t multinomial(proto *p, const vset *set, uint64_t vram_limit, uint32_t min_count,
                            bool by_gpu, const char *none)
{
    uint64_t total = 0;
    for (int pass = 0; pass < 2; pass++) {
        uint64_t r = pass ? pg_draw(p, total) : 0;
        for (uint32_t i = 0; i < set->len; i++) {
            uint64_t key = set->items[i], vram, count;
            if (by_gpu) {
                vram = p->gpu[key].vram;
                count = p->gpu[key].nodes.s.len;
            } else {
                vram = key;
                count = pg_vram_rec(p, key)->nodes.len;
            }
            if (vram < vram_limit || count < min_count)
                continue;
            if (!pass)
                total += count;
            else if (r < count)
                return key;
            else
                r -= count;
        }
        REQUIRE(p, total > 0, none);
    }
    proto_revert(p, "avrami: multinomial draw out of range");
}

static uint32_t uniform(proto *p, const oset *s, const char *none)
{
    REQUIRE(p, s->len > 0, none);
    return s->items[pg_draw(p, s->len)];
}

void hy_select_nodes(proto *p, proto_task_type type, uint64_t vram_limit, uint32_t out[3])
{
    if (type == PROTO_GPT) { /* useSameGPU: one model with >= 3 available nodes */
        uint64_t gpu = multinomial(p, &p->gpu_set, vram_limit, 3, true,
                                   "No kind of gpu id meets condition");
        for (int i = 0; i < 3; i++) {
            out[i] = uniform(p, &p->gpu[gpu].nodes.s, "No available nodes of such gpu id");
            hy_start_task(p, out[i]);
        }
    } else if (vram_limit > 0) { /* per seat: a VRAM size by node count, then a node */
        for (int i = 0; i < 3; i++) {
            uint64_t vram = multinomial(p, &p->vram_set, vram_limit, 1, false,
                                        "No kind of gpu vram meets condition");
            out[i] = uniform(p, &pg_vram_rec(p, vram)->nodes, "No available nodes of such vram");
            hy_start_task(p, out[i]);
        }
    } else {
        for (int i = 0; i < 3; i++) {
            out[i] = uniform(p, &p->avail_nodes, "No available nodes");
            hy_start_task(p, out[i]);
        }
    }
}
