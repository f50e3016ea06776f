/* The Node contract of the VSS era (crynux-ai/crynux-contracts @ bd7ee24,
 * contracts/Node.sol) and its NetworkStats calls, statement by statement.
 *
 * Quirks kept:
 * - lastModelIDs is never written at bd7ee24, so addScoreByModelIDs doubles
 *   the weights only of tasks without model ids (abi.encode of two empty
 *   arrays match), which leaves the draw unchanged; TaskQueue.popTask's
 *   "same last models" branch likewise only ever matches a task without
 *   model ids (vss_queue.c).
 * - reportModelDownloaded adds the model to _modelIDNodesIndex but not to
 *   _modelIDAvailableNodesIndex, so modelAvailableNodesCount misses the node
 *   until it next becomes available.
 * Node selection (randomSelect*) is in vss_select.c, the group sets in
 * vss_index.c. */
#include <string.h>

#include "protocol/vss/vss_internal.h"

static void set_remove(vss *p, oset *s, uint32_t id)
{
    uint32_t moved;
    oset_remove(p->j, s, id, &moved);
}

bool vn_contains_model(const vss *p, uint32_t a, uint32_t model)
{
    const vnode *n = &p->node[a];
    for (uint32_t i = 0; i < n->n_models; i++)
        if (n->models[i] == model)
            return true;
    return false;
}

bool vn_version_match(const uint64_t node[3], const uint64_t task[3])
{
    /* libs/Version.sol matchVersion */
    if (node[0] != task[0])
        return false;
    if (node[1] == task[1])
        return node[2] >= task[2];
    return node[1] > task[1];
}

/* ---- markNodeAvailable / markNodeUnavailable / addNode / removeNode ---- */

static void mark_available(vss *p, uint32_t a)
{
    vnode *n = &p->node[a];
    vset_add(p->j, &p->avail_vram_set, n->vram_idx);
    vx_add(p, &p->vrams[n->vram_idx].avail, a);
    vset_add(p->j, &p->avail_gpu_set, n->gpu);
    vx_add(p, &p->gpus[n->gpu].avail, a);
    for (uint32_t i = 0; i < n->n_models; i++)
        if (!n->avail_idx[i]) {
            J(p->j, n->avail_idx[i], 1);
            J(p->j, p->model_avail[n->models[i]], p->model_avail[n->models[i]] + 1);
        }
    oset_add(p->j, &p->avail_nodes, a);
    vstat_inc(p, &p->stats.available_nodes);
    vt_node_available_callback(p, a);
}

static void mark_unavailable(vss *p, uint32_t a)
{
    vnode *n = &p->node[a];
    vx_remove(p, &p->gpus[n->gpu].avail, a);
    vx_remove(p, &p->vrams[n->vram_idx].avail, a);
    if (p->gpus[n->gpu].avail.set.s.len == 0)
        vset_remove(p->j, &p->avail_gpu_set, n->gpu);
    if (p->vrams[n->vram_idx].avail.set.s.len == 0)
        vset_remove(p->j, &p->avail_vram_set, n->vram_idx);
    for (uint32_t i = 0; i < n->n_models; i++)
        if (n->avail_idx[i]) {
            J(p->j, n->avail_idx[i], 0);
            J(p->j, p->model_avail[n->models[i]], p->model_avail[n->models[i]] - 1);
        }
    set_remove(p, &p->avail_nodes, a);
    vstat_dec(p, &p->stats.available_nodes);
}

static void remove_node(vss *p, uint32_t a)
{
    vnode *n = &p->node[a];
    vx_remove(p, &p->gpus[n->gpu].all, a);
    vx_remove(p, &p->vrams[n->vram_idx].all, a);
    if (p->gpus[n->gpu].all.set.s.len == 0)
        vset_remove(p->j, &p->all_gpu_set, n->gpu);
    if (p->vrams[n->vram_idx].all.set.s.len == 0)
        vset_remove(p->j, &p->all_vram_set, n->vram_idx);
    for (uint32_t i = 0; i < n->n_models; i++) { /* removeLocalModelIndex */
        uint32_t m = n->models[i];
        if (n->avail_idx[i])
            J(p->j, p->model_avail[m], p->model_avail[m] - 1);
        J(p->j, p->model_all[m], p->model_all[m] - 1);
    }
    set_remove(p, &p->all_nodes, a);
    /* delete nodesMap[nodeAddress] */
    jrn_save(p->j, n, offsetof(vnode, staked));
    memset(n, 0, offsetof(vnode, staked));
    vstat_dec(p, &p->stats.active_nodes);
}

/* Node.join */
void vn_tx_join(vss *p, uint32_t gpu_name, uint64_t vram, const uint64_t version[3], vss_key key,
                wei_t value, const uint32_t *models, uint32_t n_models)
{
    uint32_t a = p->sender;
    vtransfer(p, a, VSS_ACC_NODE, value); /* msg.value moves before the body runs */
    VREQUIRE(p, p->all_nodes.len < p->prm.max_nodes, "Network is full");
    vnode *n = &p->node[a];
    VREQUIRE(p, n->status == PROTO_NODE_QUIT, "Node already joined");
    VREQUIRE(p, key.len == 64, "Invalid public key length");
    VREQUIRE(p, key.owner == a, "Public key mismatch");
    VREQUIRE(p, value >= p->prm.stake, "Staked amount is not enough");
    J(p->j, n->staked, value);
    uint64_t score = vq_task_score(p, a);
    if (score == 0)
        score = 1; /* "set score 0 to 1 to avoid error ... in multinomial" */
    J(p->j, n->status, PROTO_NODE_AVAILABLE);
    J(p->j, n->gpu, vn_gpu_id(p, gpu_name, vram));
    J(p->j, n->vram_idx, vn_vram_id(p, vram));
    J(p->j, n->score, score);
    for (int i = 0; i < 3; i++)
        J(p->j, n->version[i], version[i]);
    /* localModelIDs = modelIDs; every index over them is a set, so a repeated
     * id changes nothing and is kept once */
    for (uint32_t i = 0; i < n_models; i++) {
        if (vn_contains_model(p, a, models[i]))
            continue;
        VREQUIRE(p, n->n_models < VSS_MAX_LOCAL_MODELS, "avrami: too many local models");
        J(p->j, n->models[n->n_models], models[i]);
        J(p->j, n->avail_idx[n->n_models], 0);
        J(p->j, n->n_models, n->n_models + 1);
    }
    /* addNode */
    oset_add(p->j, &p->all_nodes, a);
    vset_add(p->j, &p->all_vram_set, n->vram_idx);
    vx_add(p, &p->vrams[n->vram_idx].all, a);
    vset_add(p->j, &p->all_gpu_set, n->gpu);
    vx_add(p, &p->gpus[n->gpu].all, a);
    for (uint32_t i = 0; i < n->n_models; i++) { /* addLocalModelIndex: status is Available */
        uint32_t m = n->models[i];
        J(p->j, p->model_all[m], p->model_all[m] + 1);
        J(p->j, n->avail_idx[i], 1);
        J(p->j, p->model_avail[m], p->model_avail[m] + 1);
    }
    vstat_inc(p, &p->stats.active_nodes); /* NetworkStats.nodeJoined */
    if (!n->ever_joined) {
        J(p->j, n->ever_joined, 1);
        vstat_inc(p, &p->stats.total_nodes);
    }
    mark_available(p, a);
}

static void pay_stake_back(vss *p, uint32_t a, uint32_t to)
{
    wei_t token = p->node[a].staked;
    J(p->j, p->node[a].staked, 0);
    vtransfer(p, VSS_ACC_NODE, to, token);
}

void vn_tx_quit(vss *p)
{
    uint32_t a = p->sender;
    uint8_t st = p->node[a].status;
    if (st == PROTO_NODE_AVAILABLE || st == PROTO_NODE_PAUSED) {
        if (st == PROTO_NODE_AVAILABLE)
            mark_unavailable(p, a);
        remove_node(p, a);
        pay_stake_back(p, a, a);
    } else if (st == PROTO_NODE_BUSY) {
        J(p->j, p->node[a].status, PROTO_NODE_PENDING_QUIT);
    } else {
        vss_revert(p, "Illegal node status");
    }
}

void vn_tx_pause(vss *p)
{
    uint32_t a = p->sender;
    uint8_t st = p->node[a].status;
    if (st == PROTO_NODE_AVAILABLE) {
        J(p->j, p->node[a].status, PROTO_NODE_PAUSED);
        mark_unavailable(p, a);
    } else if (st == PROTO_NODE_BUSY) {
        J(p->j, p->node[a].status, PROTO_NODE_PENDING_PAUSE);
    } else {
        vss_revert(p, "Illegal node status");
    }
}

void vn_tx_resume(vss *p)
{
    uint32_t a = p->sender;
    VREQUIRE(p, p->node[a].status == PROTO_NODE_PAUSED, "Illegal node status");
    J(p->j, p->node[a].status, PROTO_NODE_AVAILABLE);
    mark_available(p, a);
}

void vn_tx_model_downloaded(vss *p, uint32_t model)
{
    uint32_t a = p->sender;
    VREQUIRE(p, oset_contains(&p->all_nodes, a), "Node has quitted");
    if (vn_contains_model(p, a, model))
        return;
    vnode *n = &p->node[a];
    VREQUIRE(p, n->n_models < VSS_MAX_LOCAL_MODELS, "avrami: too many local models");
    J(p->j, p->model_all[model], p->model_all[model] + 1);
    J(p->j, n->models[n->n_models], model);
    J(p->j, n->avail_idx[n->n_models], 0); /* not in _modelIDAvailableNodesIndex (quirk) */
    J(p->j, n->n_models, n->n_models + 1);
}

/* Node.updateVersion */
void vn_tx_update_version(vss *p, const uint64_t version[3])
{
    vnode *n = &p->node[p->sender];
    VREQUIRE(p, n->status != PROTO_NODE_QUIT, "Node has quitted");
    vx_set_version(p, p->sender, version);
}

static bool busyish(uint8_t st)
{
    return st == PROTO_NODE_BUSY || st == PROTO_NODE_PENDING_PAUSE ||
           st == PROTO_NODE_PENDING_QUIT;
}

void vn_slash(vss *p, uint32_t a)
{
    VREQUIRE(p, busyish(p->node[a].status), "Illegal node status");
    pay_stake_back(p, a, VSS_ACC_OWNER);
    vq_finish_task(p, a);
    vq_kickout(p, a);
    vstat_dec(p, &p->stats.busy_nodes);
    remove_node(p, a);
    vss_event e = {.kind = VSS_EV_NODE_SLASHED, .node = a};
    vss_emit(p, &e, NULL, 0);
}

void vn_start_task(vss *p, uint32_t a)
{
    VREQUIRE(p, p->node[a].status == PROTO_NODE_AVAILABLE, "Node is not available");
    mark_unavailable(p, a);
    J(p->j, p->node[a].status, PROTO_NODE_BUSY);
    vq_start_task(p, a);
    vstat_inc(p, &p->stats.busy_nodes);
}

void vn_finish_task(vss *p, uint32_t a)
{
    uint8_t st = p->node[a].status;
    VREQUIRE(p, busyish(st), "Illegal node status");
    vq_finish_task(p, a);
    vstat_dec(p, &p->stats.busy_nodes);
    if (vq_should_kick_out(p, a)) {
        vq_kickout(p, a);
        remove_node(p, a);
        pay_stake_back(p, a, a);
        vss_event e = {.kind = VSS_EV_NODE_KICKED_OUT, .node = a};
        vss_emit(p, &e, NULL, 0);
        return;
    }
    uint64_t score = vq_task_score(p, a);
    J(p->j, p->node[a].score, score ? score : 1);
    vx_rescore(p, a);
    if (st == PROTO_NODE_BUSY) {
        J(p->j, p->node[a].status, PROTO_NODE_AVAILABLE);
        mark_available(p, a);
    } else if (st == PROTO_NODE_PENDING_QUIT) {
        remove_node(p, a);
        pay_stake_back(p, a, a);
    } else {
        J(p->j, p->node[a].status, PROTO_NODE_PAUSED);
    }
}
