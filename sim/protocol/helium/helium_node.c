/* The Node contract: joining and leaving, the available-node indexes, node
 * selection (random for new tasks, deterministic for queued ones), and the
 * start/finish/slash hooks the Task contract calls.
 *
 * Indexes, as in the contract: available nodes by GPU model (name, VRAM)
 * with a score sum per model; the GPU models by VRAM size; the VRAM sizes.
 * All are ordered sets (protocol/oset.h) because queued-task node choice
 * follows their iteration order. */
#include <assert.h>
#include <string.h>

#include "protocol/helium/helium.h"

/* ---- available-node indexes ---- */

/* The contract's available-node set (_availableNodes) is not kept.
 * Helium's transactions read only its size and whether a queued task's
 * root is in it (selectNodesWithRoot, crynux-ai/crynux-contracts Node.sol
 * @ dc5fd9a), never its order, which only the getAvailableNodes() view
 * returns and nothing here calls.  And Node.sol adds a node exactly when
 * it sets its status to Available and removes it exactly when the status
 * leaves Available, so membership is that status and the size is
 * NetworkStats' count (stats.available_nodes), which moves with every add
 * and remove.  Keeping the set would cost, at every start, a swap that
 * rewrites the position of another node: a line of a random node, of a
 * million in bench_sim case 3.  (Hydrogen draws from its set by index and
 * keeps it.) */
static void count_available(proto *p, int delta)
{
    J(&p->j, p->stats.available_nodes, p->stats.available_nodes + (uint64_t)(int64_t)delta);
}

static void mark_available(proto *p, uint32_t a)
{
    pnode *n = &p->node[a];
    pgpu *g = &p->gpu[n->gpu];
    /* A model with available nodes is in both GPU sets and its VRAM size in
     * the VRAM set (mark_unavailable removes them when its last node goes),
     * so the three adds change something only for its first node. */
    if (g->nodes.s.len == 0) {
        vset_add(&p->j, &p->vram_set, g->vram);
        vset_add(&p->j, &pg_vram_rec(p, g->vram)->gpus, n->gpu);
        vset_add(&p->j, &p->gpu_set, n->gpu);
    }
    wset_add(&p->j, &g->nodes, a, n->score);
    J(&p->j, g->score_sum, g->score_sum + n->score);
    count_available(p, 1);
    pt_node_available_callback(p, a);
}

/* Node a, at index idx of its GPU model's group, leaves the group, its
 * score sum and, when it was the group's last, the GPU and VRAM sets:
 * from the group's records alone (its weight is its score), so a node
 * just drawn leaves without waiting for its own records.  Returns the
 * weight it had. */
static uint64_t leave_group(proto *p, uint32_t gpu, uint32_t a, uint32_t idx)
{
    pgpu *g = &p->gpu[gpu];
    uint64_t w = wset_remove_at(&p->j, &g->nodes, a, idx);
    J(&p->j, g->score_sum, g->score_sum - w);
    if (g->nodes.s.len == 0) {
        pvram *v = pg_vram_rec(p, g->vram);
        vset_remove(&p->j, &p->gpu_set, gpu);
        vset_remove(&p->j, &v->gpus, gpu);
        if (v->gpus.len == 0)
            vset_remove(&p->j, &p->vram_set, g->vram);
    }
    return w;
}

/* leave_group for a node found by its id, not by a draw */
static void leave_own_group(proto *p, uint32_t a)
{
    uint32_t gpu = p->node[a].gpu;
    leave_group(p, gpu, a, *oset_pos(&p->gpu[gpu].nodes.s, a) - 1);
}

static void mark_unavailable(proto *p, uint32_t a)
{
    leave_own_group(p, a);
    count_available(p, -1);
}

static uint64_t node_score(proto *p, uint32_t a)
{
    uint64_t s = pq_task_score(p, a);
    return s ? s : 1; /* the contract avoids zero weights */
}

/* ---- transactions ---- */

void pn_tx_join(proto *p, uint32_t a, const char *gpu_name, uint64_t vram)
{
    pnode *n = &p->node[a];
    uint32_t gpu = pg_join_stake(p, a, gpu_name, vram);
    bool first = !n->ever_joined;
    J(&p->j, n->status, PROTO_NODE_AVAILABLE);
    J(&p->j, n->gpu, gpu);
    J(&p->j, n->score, node_score(p, a));
    J(&p->j, n->ever_joined, 1);
    oset_add(&p->j, &p->all_nodes, a);
    mark_available(p, a);
    if (first)
        J(&p->j, p->stats.total_nodes, p->stats.total_nodes + 1);
    J(&p->j, p->stats.active_nodes, p->stats.active_nodes + 1);
}

#define NODE_TX(name) pn_tx_##name
#include "protocol/node_status.inc"

/* ---- hooks called by the Task contract ---- */

static void require_available(proto *p, uint32_t a)
{
    REQUIRE(p, p->node[a].status == PROTO_NODE_AVAILABLE, "Node is not available");
}

/* startTask once the node has left its group: the rest of what it does */
static void start_out_of_group(proto *p, uint32_t a)
{
    count_available(p, -1);
    J(&p->j, p->node[a].status, PROTO_NODE_BUSY);
    pq_start_task(p, a);
    J(&p->j, p->stats.busy_nodes, p->stats.busy_nodes + 1);
}

void pn_start_task(proto *p, uint32_t a)
{
    __builtin_prefetch(&p->acct[a], 1); /* the set positions, read after the status */
    require_available(p, a);
    leave_own_group(p, a);
    start_out_of_group(p, a);
}

static bool status_in_task(uint8_t st)
{
    return st == PROTO_NODE_BUSY || st == PROTO_NODE_PENDING_PAUSE || st == PROTO_NODE_PENDING_QUIT;
}

void pn_finish_task(proto *p, uint32_t a)
{
    pnode *n = &p->node[a];
    uint8_t st = n->status;
    REQUIRE(p, status_in_task(st), "Illegal node status");
    pq_finish_task(p, a);
    J(&p->j, p->stats.busy_nodes, p->stats.busy_nodes - 1);
    if (pq_should_kick_out(p, a)) {
        pq_kickout(p, a);
        pg_remove_node(p, a);
        ptransfer(p, PROTO_ACC_NODE, a, p->prm.stake);
        PROTO_EMIT(p, .kind = PROTO_EV_NODE_KICKED_OUT, .node = a);
        return;
    }
    J(&p->j, n->score, node_score(p, a));
    if (st == PROTO_NODE_BUSY) {
        J(&p->j, n->status, PROTO_NODE_AVAILABLE);
        mark_available(p, a);
    } else if (st == PROTO_NODE_PENDING_QUIT) {
        pg_remove_node(p, a);
        ptransfer(p, PROTO_ACC_NODE, a, p->prm.stake);
    } else {
        J(&p->j, n->status, PROTO_NODE_PAUSED);
    }
}

void pn_slash(proto *p, uint32_t a)
{
    REQUIRE(p, status_in_task(p->node[a].status), "Illegal node status");
    ptransfer(p, PROTO_ACC_NODE, PROTO_ACC_OWNER, p->prm.stake);
    pq_finish_task(p, a);
    pq_kickout(p, a);
    pg_remove_node(p, a);
    PROTO_EMIT(p, .kind = PROTO_EV_NODE_SLASHED, .node = a);
}

/* ---- selection for a new task (Node.randomSelectNodes) ---- */

/* Picks one GPU model among those with VRAM >= limit and >= min_count
 * available nodes, weighted by their score sums, in the contract's order
 * (VRAM set, then models of that VRAM).  O(#models): the first pass lists
 * the eligible models, the draw's pass reads only that list. */
static bool pick_group(proto *p, uint64_t vram_limit, uint32_t min_count, uint32_t *out)
{
    uint32_t *list = p->pick_list, n = 0;
    uint64_t total = 0;
    for (uint32_t i = 0; i < p->vram_set.len; i++) {
        uint64_t vram = p->vram_set.items[i];
        if (vram < vram_limit)
            continue;
        const pvram *v = pg_vram_rec(p, vram);
        for (uint32_t k = 0; k < v->gpus.len; k++) {
            const pgpu *g = &p->gpu[v->gpus.items[k]];
            if (g->nodes.s.len < min_count)
                continue;
            total += g->score_sum;
            list[n++] = (uint32_t)v->gpus.items[k];
        }
    }
    if (total == 0)
        return false;
    /* the first model whose running sum exceeds the draw: the models whose
     * sums stay <= it counted without a branch on them (a draw picks a
     * random model, so a loop's exit would be mispredicted) */
    uint64_t r = pg_draw(p, total), acc = 0;
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        acc += p->gpu[list[i]].score_sum;
        k += acc <= r;
    }
    if (k == n)
        return false;
    *out = list[k];
    return true;
}

/* Draws a node of the group by score and takes it out of the group at
 * once (leave_group), so the next draw sees the group without it; the
 * node's own records are only requested here, for start_out_of_group. */
static uint32_t take_node(proto *p, uint32_t gpu, uint64_t *weight)
{
    pgpu *g = &p->gpu[gpu];
    uint32_t pos = psum_find(&g->nodes.w, pg_draw(p, g->score_sum));
    if (pos >= g->nodes.s.len)
        pos = g->nodes.s.len - 1;
    uint32_t a = g->nodes.s.items[pos];
    __builtin_prefetch(&p->node[a], 1);
    __builtin_prefetch(&p->acct[a], 1);
    if (p->drawn_hint.drawn)
        p->drawn_hint.drawn(p->drawn_hint.ctx, a);
    *weight = leave_group(p, gpu, a, pos);
    return a;
}

static uint64_t eligible_count(proto *p, uint64_t vram_limit)
{
    uint64_t c = 0;
    for (uint32_t i = 0; i < p->vram_set.len; i++)
        if (p->vram_set.items[i] >= vram_limit) {
            const pvram *v = pg_vram_rec(p, p->vram_set.items[i]);
            for (uint32_t k = 0; k < v->gpus.len; k++)
                c += p->gpu[v->gpus.items[k]].nodes.s.len;
        }
    return c;
}

bool pn_select_random(proto *p, proto_task_type type, uint64_t vram_limit, uint32_t out[3])
{
    uint32_t gpu;
    bool forced = p->forced_on;
    p->forced_on = false;
    if (type == PROTO_GPT) {
        if (!pick_group(p, vram_limit, 3, &gpu))
            return false;
    } else if (eligible_count(p, vram_limit) < 3) {
        return false;
    }
    if (forced) {
        p->forced_err = pg_forced_problem(p, type, vram_limit);
        if (!p->forced_err) {
            for (int i = 0; i < 3; i++) {
                out[i] = p->forced[i];
                pn_start_task(p, out[i]);
            }
            return true;
        }
    }
    /* The contract starts each node before it draws the next.  A node's
     * start reads its status, QoS window and available-set position, three
     * records far from the cache for a node just drawn; the next draw needs
     * only the group without it.  So the three leave their groups as they
     * are drawn, and their records, requested then, arrive together for
     * the rest of their starts: the same writes, in another order, within
     * the transaction.  A drawn node is in a group, hence available, so
     * the status check cannot fail between the draws. */
    uint64_t weight[3];
    for (int i = 0; i < 3; i++) {
        if (type == PROTO_SD && !pick_group(p, vram_limit, 1, &gpu))
            proto_revert(p, "avrami: selection lost its candidates");
        out[i] = take_node(p, gpu, &weight[i]);
    }
    for (int i = 0; i < 3; i++) {
        require_available(p, out[i]);
        assert(weight[i] == p->node[out[i]].score); /* a group member's weight is its score */
        start_out_of_group(p, out[i]);
    }
    return true;
}

/* ---- deterministic selection for a queued task (selectNodesWithRoot) ----
 * The freed node, then other nodes of its GPU model in set order when that
 * model has >= 3 available nodes; otherwise nodes by descending VRAM, each
 * VRAM's models and nodes in set order.  O(#VRAM sizes + #models). */
bool pn_select_with_root(proto *p, uint32_t root, uint32_t out[3])
{
    if (p->stats.available_nodes < 3)
        return false;
    REQUIRE(p, p->node[root].status == PROTO_NODE_AVAILABLE, "root node should be available");
    out[0] = root;
    uint32_t idx = 1;
    const pgpu *rg = &p->gpu[p->node[root].gpu];
    if (rg->nodes.s.len >= 3) {
        for (uint32_t i = 0; i < rg->nodes.s.len && idx < 3; i++)
            if (rg->nodes.s.items[i] != root)
                out[idx++] = rg->nodes.s.items[i];
        return true;
    }
    uint64_t last_max = 0;
    while (idx < 3) {
        uint64_t max = 0;
        for (uint32_t i = 0; i < p->vram_set.len; i++) {
            uint64_t v = p->vram_set.items[i];
            if (v > max && (last_max == 0 || v < last_max))
                max = v;
        }
        REQUIRE(p, max != 0, "avrami: no node with VRAM left to select");
        const pvram *v = pg_vram_rec(p, max);
        for (uint32_t k = 0; k < v->gpus.len && idx < 3; k++) {
            const pgpu *g = &p->gpu[v->gpus.items[k]];
            for (uint32_t i = 0; i < g->nodes.s.len && idx < 3; i++)
                if (g->nodes.s.items[i] != root)
                    out[idx++] = g->nodes.s.items[i];
        }
        last_max = max;
    }
    return true;
}
