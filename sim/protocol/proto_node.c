/* The Node contract: joining and leaving, the available-node indexes, node
 * selection (random for new tasks, deterministic for queued ones), and the
 * start/finish/slash hooks the Task contract calls.
 *
 * Indexes, as in the contract: available nodes by GPU model (name, VRAM)
 * with a score sum per model; the GPU models by VRAM size; the VRAM sizes.
 * All are ordered sets (protocol/oset.h) because queued-task node choice
 * follows their iteration order. */
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
static void sum_add(proto *p, psumtree *t, uint32_t pos, uint64_t delta)
{
    uint64_t i = pos;
    for (uint32_t l = 0; l < t->n_levels; l++, i /= 8)
        J(&p->j, t->v[t->off[l] + i], t->v[t->off[l] + i] + delta);
}

/* Smallest 0-based position whose prefix sum exceeds r; UINT32_MAX when
 * none does (r >= the total). */
static uint32_t sum_find(const psumtree *t, uint64_t r)
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

static uint32_t gpu_intern(proto *p, const char *name, uint64_t vram)
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

static pvram *vram_rec(proto *p, uint64_t vram)
{
    for (uint32_t i = 0; i < p->n_vram; i++)
        if (p->vram[i].vram == vram)
            return &p->vram[i];
    REQUIRE(p, p->n_vram < PROTO_MAX_GPUS, "avrami: too many VRAM sizes");
    pvram *v = &p->vram[p->n_vram];
    v->vram = vram;
    if (!vset_init(&v->gpus, PROTO_MAX_GPUS))
        proto_revert(p, "avrami: out of memory");
    p->n_vram++;
    return v;
}

/* ---- available-node indexes ---- */

static void mark_available(proto *p, uint32_t a)
{
    pnode *n = &p->node[a];
    pgpu *g = &p->gpu[n->gpu];
    vset_add(&p->j, &p->vram_set, n->vram);
    vset_add(&p->j, &vram_rec(p, n->vram)->gpus, n->gpu);
    vset_add(&p->j, &p->gpu_set, n->gpu);
    oset_add(&p->j, &g->nodes, a);
    sum_add(p, &g->scores, g->nodes.len - 1, n->score);
    J(&p->j, g->score_sum, g->score_sum + n->score);
    oset_add(&p->j, &p->avail_nodes, a);
    J(&p->j, p->stats.available_nodes, p->stats.available_nodes + 1);
    pt_node_available_callback(p, a);
}

static void mark_unavailable(proto *p, uint32_t a)
{
    pnode *n = &p->node[a];
    pgpu *g = &p->gpu[n->gpu];
    uint32_t last = g->nodes.len, moved;
    int64_t idx = oset_remove(&p->j, &g->nodes, a, &moved);
    if (idx >= 0) {
        if (moved != UINT32_MAX) {
            uint64_t ms = p->node[moved].score;
            sum_add(p, &g->scores, (uint32_t)idx, ms - n->score);
            sum_add(p, &g->scores, last - 1, (uint64_t)0 - ms);
        } else {
            sum_add(p, &g->scores, last - 1, (uint64_t)0 - n->score);
        }
    }
    J(&p->j, g->score_sum, g->score_sum - n->score);
    if (g->nodes.len == 0) {
        pvram *v = vram_rec(p, n->vram);
        vset_remove(&p->j, &p->gpu_set, n->gpu);
        vset_remove(&p->j, &v->gpus, n->gpu);
        if (v->gpus.len == 0)
            vset_remove(&p->j, &p->vram_set, n->vram);
    }
    oset_remove(&p->j, &p->avail_nodes, a, &moved);
    J(&p->j, p->stats.available_nodes, p->stats.available_nodes - 1);
}

static void remove_node(proto *p, uint32_t a)
{
    pnode *n = &p->node[a];
    uint32_t moved;
    J(&p->j, n->status, PROTO_NODE_QUIT);
    J(&p->j, n->gpu, 0);
    J(&p->j, n->vram, 0);
    J(&p->j, n->score, 0);
    oset_remove(&p->j, &p->all_nodes, a, &moved);
    J(&p->j, p->stats.active_nodes, p->stats.active_nodes - 1);
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
    REQUIRE(p, p->all_nodes.len < p->prm.max_nodes, "Network is full");
    REQUIRE(p, n->status == PROTO_NODE_QUIT, "Node already joined");
    REQUIRE(p, p->bal[a] >= p->prm.stake, "Not enough token to stake");
    ptransfer(p, a, PROTO_ACC_NODE, p->prm.stake);
    uint32_t gpu = gpu_intern(p, gpu_name, vram);
    bool first = !n->ever_joined;
    J(&p->j, n->status, PROTO_NODE_AVAILABLE);
    J(&p->j, n->gpu, gpu);
    J(&p->j, n->vram, vram);
    J(&p->j, n->score, node_score(p, a));
    J(&p->j, n->ever_joined, 1);
    oset_add(&p->j, &p->all_nodes, a);
    mark_available(p, a);
    if (first)
        J(&p->j, p->stats.total_nodes, p->stats.total_nodes + 1);
    J(&p->j, p->stats.active_nodes, p->stats.active_nodes + 1);
}

void pn_tx_quit(proto *p, uint32_t a)
{
    uint8_t st = p->node[a].status;
    if (st == PROTO_NODE_AVAILABLE || st == PROTO_NODE_PAUSED) {
        if (st == PROTO_NODE_AVAILABLE)
            mark_unavailable(p, a);
        remove_node(p, a);
        ptransfer(p, PROTO_ACC_NODE, a, p->prm.stake);
    } else if (st == PROTO_NODE_BUSY) {
        J(&p->j, p->node[a].status, PROTO_NODE_PENDING_QUIT);
    } else {
        proto_revert(p, "Illegal node status");
    }
}

void pn_tx_pause(proto *p, uint32_t a)
{
    uint8_t st = p->node[a].status;
    if (st == PROTO_NODE_AVAILABLE) {
        J(&p->j, p->node[a].status, PROTO_NODE_PAUSED);
        mark_unavailable(p, a);
    } else if (st == PROTO_NODE_BUSY) {
        J(&p->j, p->node[a].status, PROTO_NODE_PENDING_PAUSE);
    } else {
        proto_revert(p, "Illegal node status");
    }
}

void pn_tx_resume(proto *p, uint32_t a)
{
    REQUIRE(p, p->node[a].status == PROTO_NODE_PAUSED, "Illegal node status");
    J(&p->j, p->node[a].status, PROTO_NODE_AVAILABLE);
    mark_available(p, a);
}

/* ---- hooks called by the Task contract ---- */

void pn_start_task(proto *p, uint32_t a)
{
    REQUIRE(p, p->node[a].status == PROTO_NODE_AVAILABLE, "Node is not available");
    mark_unavailable(p, a);
    J(&p->j, p->node[a].status, PROTO_NODE_BUSY);
    pq_start_task(p, a);
    J(&p->j, p->stats.busy_nodes, p->stats.busy_nodes + 1);
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
        remove_node(p, a);
        ptransfer(p, PROTO_ACC_NODE, a, p->prm.stake);
        proto_emit(p, &(proto_event){.kind = PROTO_EV_NODE_KICKED_OUT, .node = a});
        return;
    }
    J(&p->j, n->score, node_score(p, a));
    if (st == PROTO_NODE_BUSY) {
        J(&p->j, n->status, PROTO_NODE_AVAILABLE);
        mark_available(p, a);
    } else if (st == PROTO_NODE_PENDING_QUIT) {
        remove_node(p, a);
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
    remove_node(p, a);
    proto_emit(p, &(proto_event){.kind = PROTO_EV_NODE_SLASHED, .node = a});
}

/* ---- selection for a new task (Node.randomSelectNodes) ---- */

static uint64_t draw(proto *p, uint64_t bound)
{
    if (!p->chooser.draw || bound <= 1)
        return 0;
    uint64_t r = p->chooser.draw(p->chooser.ctx, bound);
    return r < bound ? r : bound - 1;
}

/* Picks one GPU model among those with VRAM >= limit and >= min_count
 * available nodes, weighted by their score sums, in the contract's order
 * (VRAM set, then models of that VRAM).  O(#models). */
static bool pick_group(proto *p, uint64_t vram_limit, uint32_t min_count, uint32_t *out)
{
    uint64_t total = 0;
    for (int pass = 0; pass < 2; pass++) {
        uint64_t r = pass ? draw(p, total) : 0;
        for (uint32_t i = 0; i < p->vram_set.len; i++) {
            uint64_t vram = p->vram_set.items[i];
            if (vram < vram_limit)
                continue;
            const pvram *v = vram_rec(p, vram);
            for (uint32_t k = 0; k < v->gpus.len; k++) {
                const pgpu *g = &p->gpu[v->gpus.items[k]];
                if (g->nodes.len < min_count)
                    continue;
                if (!pass) {
                    total += g->score_sum;
                } else if (r < g->score_sum) {
                    *out = (uint32_t)v->gpus.items[k];
                    return true;
                } else {
                    r -= g->score_sum;
                }
            }
        }
        if (!pass && total == 0)
            return false;
    }
    return false;
}

static uint32_t pick_node(proto *p, uint32_t gpu)
{
    pgpu *g = &p->gpu[gpu];
    uint32_t pos = sum_find(&g->scores, draw(p, g->score_sum));
    return g->nodes.items[pos < g->nodes.len ? pos : g->nodes.len - 1];
}

static uint64_t eligible_count(proto *p, uint64_t vram_limit)
{
    uint64_t c = 0;
    for (uint32_t i = 0; i < p->vram_set.len; i++)
        if (p->vram_set.items[i] >= vram_limit) {
            const pvram *v = vram_rec(p, p->vram_set.items[i]);
            for (uint32_t k = 0; k < v->gpus.len; k++)
                c += p->gpu[v->gpus.items[k]].nodes.len;
        }
    return c;
}

static const char *forced_problem(proto *p, proto_task_type type, uint64_t vram_limit)
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
        p->forced_err = forced_problem(p, type, vram_limit);
        if (!p->forced_err) {
            for (int i = 0; i < 3; i++) {
                out[i] = p->forced[i];
                pn_start_task(p, out[i]);
            }
            return true;
        }
    }
    for (int i = 0; i < 3; i++) {
        if (type == PROTO_SD && !pick_group(p, vram_limit, 1, &gpu))
            proto_revert(p, "avrami: selection lost its candidates");
        out[i] = pick_node(p, gpu);
        pn_start_task(p, out[i]);
    }
    return true;
}

/* ---- deterministic selection for a queued task (selectNodesWithRoot) ----
 * The freed node, then other nodes of its GPU model in set order when that
 * model has >= 3 available nodes; otherwise nodes by descending VRAM, each
 * VRAM's models and nodes in set order.  O(#VRAM sizes + #models). */
bool pn_select_with_root(proto *p, uint32_t root, uint32_t out[3])
{
    if (p->avail_nodes.len < 3)
        return false;
    REQUIRE(p, oset_contains(&p->avail_nodes, root), "root node should be available");
    out[0] = root;
    uint32_t idx = 1;
    const pgpu *rg = &p->gpu[p->node[root].gpu];
    if (rg->nodes.len >= 3) {
        for (uint32_t i = 0; i < rg->nodes.len && idx < 3; i++)
            if (rg->nodes.items[i] != root)
                out[idx++] = rg->nodes.items[i];
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
        const pvram *v = vram_rec(p, max);
        for (uint32_t k = 0; k < v->gpus.len && idx < 3; k++) {
            const pgpu *g = &p->gpu[v->gpus.items[k]];
            for (uint32_t i = 0; i < g->nodes.len && idx < 3; i++)
                if (g->nodes.items[i] != root)
                    out[idx++] = g->nodes.items[i];
        }
        last_max = max;
    }
    return true;
}
