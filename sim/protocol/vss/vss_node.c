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
 * - Random.choice draws an index with probability proportional to its weight
 *   (exponential keys -log2(r)/w); the model draws the same distribution
 *   through the caller's chooser. */
#include <string.h>

#include "protocol/vss/vss_internal.h"
#include "util/stable.h"

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
    return oset_init(&g->all, p->max_acc, pos_all) && oset_init(&g->avail, p->max_acc, pos_av);
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

static uint32_t vram_get(vss *p, uint64_t vram)
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
    oset_add(p->j, &p->vrams[n->vram_idx].avail, a);
    vset_add(p->j, &p->avail_gpu_set, n->gpu);
    oset_add(p->j, &p->gpus[n->gpu].avail, a);
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
    set_remove(p, &p->gpus[n->gpu].avail, a);
    set_remove(p, &p->vrams[n->vram_idx].avail, a);
    if (p->gpus[n->gpu].avail.len == 0)
        vset_remove(p->j, &p->avail_gpu_set, n->gpu);
    if (p->vrams[n->vram_idx].avail.len == 0)
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
    set_remove(p, &p->gpus[n->gpu].all, a);
    set_remove(p, &p->vrams[n->vram_idx].all, a);
    if (p->gpus[n->gpu].all.len == 0)
        vset_remove(p->j, &p->all_gpu_set, n->gpu);
    if (p->vrams[n->vram_idx].all.len == 0)
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
    J(p->j, n->vram_idx, vram_get(p, vram));
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
    oset_add(p->j, &p->vrams[n->vram_idx].all, a);
    vset_add(p->j, &p->all_gpu_set, n->gpu);
    oset_add(p->j, &p->gpus[n->gpu].all, a);
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
    for (int i = 0; i < 3; i++)
        J(p->j, n->version[i], version[i]);
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

/* ---- selection ---- */

/* Candidates of filterAvailableNodesBy{GPUID,Vram} (avail) or
 * filterNodesBy{GPUID,Vram} (all) in the contract's iteration order, with
 * nodesMap.score as weight.  Returns the count; UINT32_MAX when a required
 * GPU id is not in the set at all. */
static uint32_t candidates(vss *p, const vtask *t, bool avail)
{
    uint32_t n = 0;
    if (t->gpu) {
        uint32_t g = vn_gpu_find(p, t->gpu, t->gpu_vram);
        const vset *gs = avail ? &p->avail_gpu_set : &p->all_gpu_set;
        if (g == VSS_NOBODY || vset_find(gs, g) < 0)
            return UINT32_MAX;
        const oset *s = avail ? &p->gpus[g].avail : &p->gpus[g].all;
        for (uint32_t i = 0; i < s->len; i++) {
            uint32_t a = s->items[i];
            if (vn_version_match(p->node[a].version, t->version)) {
                p->cand[n] = a;
                p->cw[n++] = p->node[a].score;
            }
        }
        return n;
    }
    const vset *vs = avail ? &p->avail_vram_set : &p->all_vram_set;
    for (uint32_t k = 0; k < vs->len; k++) {
        const vgroup *v = &p->vrams[vs->items[k]];
        if (v->vram < t->min_vram)
            continue;
        const oset *s = avail ? &v->avail : &v->all;
        for (uint32_t i = 0; i < s->len; i++) {
            uint32_t a = s->items[i];
            if (vn_version_match(p->node[a].version, t->version)) {
                p->cand[n] = a;
                p->cw[n++] = p->node[a].score;
            }
        }
    }
    return n;
}

/* An index drawn with probability weight / total (Random.choice). */
static uint32_t draw_weighted(vss *p, const uint64_t *w, const uint8_t *skip, uint32_t n)
{
    uint64_t total = 0;
    for (uint32_t i = 0; i < n; i++)
        if (!skip || !skip[i])
            total += w[i];
    uint64_t u = p->chooser.draw && total ? p->chooser.draw(p->chooser.ctx, total) : 0;
    uint32_t last = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (skip && skip[i])
            continue;
        last = i;
        if (u < w[i])
            return i;
        u -= w[i];
    }
    return last;
}

/* Node.randomSelectAvailableNode; VSS_NOBODY where it reverts "No available
 * node" (the only revert VSSTask.createTask catches). */
uint32_t vn_select_available(vss *p, const vtask *t)
{
    uint32_t n = candidates(p, t, true);
    if (n == UINT32_MAX || n == 0)
        return VSS_NOBODY;
    /* selectNodesWithModelID: nodes holding any of the task's models (any
     * node, not only available ones, defines _modelIDSet), weight summed
     * once per matching model; all candidates if none holds one */
    uint32_t count = 0;
    memset(p->csel, 0, n);
    uint64_t *changed = p->cw + n; /* scratch after the weights */
    for (uint32_t k = 0; k < t->n_models; k++) {
        uint32_t m = t->models[k];
        if (!p->model_all[m])
            continue;
        for (uint32_t j = 0; j < n; j++)
            if (vn_contains_model(p, p->cand[j], m)) {
                if (p->csel[j]) {
                    changed[j] += p->cw[j];
                } else {
                    p->csel[j] = 1;
                    changed[j] = p->cw[j];
                    count++;
                }
            }
    }
    if (count) {
        uint32_t k = 0;
        for (uint32_t j = 0; j < n; j++)
            if (p->csel[j]) {
                p->cand[k] = p->cand[j];
                p->cw[k++] = changed[j];
            }
        n = k;
    }
    /* addScoreByModelIDs: lastModelIDs is always empty at bd7ee24 */
    if (t->n_models == 0)
        for (uint32_t j = 0; j < n; j++)
            p->cw[j] *= 2;
    if (p->forced_node_on) {
        p->forced_node_on = false;
        for (uint32_t j = 0; j < n; j++)
            if (p->cand[j] == p->forced_node)
                return p->forced_node;
        p->forced_err = "the forced node is not among the nodes the contract could select";
    }
    return p->cand[draw_weighted(p, p->cw, NULL, n)];
}

/* Whether the forced notice list for `model` (replay) is a draw the contract
 * could make from the n candidates; *k receives the draw's size. */
static bool forced_ok(vss *p, const struct vforced_dl *f, uint32_t n, uint32_t count,
                      uint32_t selected, bool told, uint32_t *out, uint32_t *k)
{
    uint32_t want = n < count ? n : count;
    bool self_drawn = false; /* the selected node drawn, its notice not sent twice */
    for (uint32_t j = 0; j < n && told; j++)
        self_drawn |= p->cand[j] == selected;
    for (uint32_t i = 0; i < f->n; i++) {
        bool found = false;
        for (uint32_t j = 0; j < n; j++)
            found |= p->cand[j] == f->nodes[i];
        for (uint32_t k2 = 0; k2 < i; k2++)
            found &= f->nodes[k2] != f->nodes[i];
        if (!found || (told && f->nodes[i] == selected))
            return false;
    }
    if (f->n != want && !(self_drawn && f->n + 1 == want))
        return false;
    memcpy(out, f->nodes, f->n * sizeof *out);
    *k = f->n;
    if (f->n + 1 == want)
        out[(*k)++] = selected;
    return true;
}

/* Node.randomSelectNodesWithoutModelID: up to `count` nodes (all GPU/VRAM
 * matching nodes, available or not) lacking `model`, weighted by score,
 * without replacement, in the order Random.choices returns them (smallest key
 * first, which is the order of successive weighted draws).  `selected` and
 * `told` (it lacked the model) only serve a forced choice. */
uint32_t vn_select_without_model(vss *p, const vtask *t, uint32_t model, uint32_t count,
                                 uint32_t selected, bool told, uint32_t *out)
{
    uint32_t n = candidates(p, t, false);
    if (n == UINT32_MAX)
        return 0;
    if (p->model_all[model]) {
        uint32_t k = 0;
        for (uint32_t j = 0; j < n; j++)
            if (!vn_contains_model(p, p->cand[j], model)) {
                p->cand[k] = p->cand[j];
                p->cw[k++] = p->cw[j];
            }
        n = k;
    }
    if (p->dl_forcing) {
        static const struct vforced_dl none = {0};
        const struct vforced_dl *f = &none;
        for (uint32_t i = 0; i < p->n_forced_dl; i++)
            if (p->forced_dl[i].start + 1 == p->starts && p->forced_dl[i].model == model)
                f = &p->forced_dl[i];
        uint32_t k;
        if (forced_ok(p, f, n, count, selected, told, out, &k))
            return k;
        p->forced_err = "the download notices are not a choice the contract could make";
    }
    if (n < count) {
        memcpy(out, p->cand, n * sizeof *out);
        return n;
    }
    memset(p->csel, 0, n);
    for (uint32_t i = 0; i < count; i++) {
        uint32_t j = draw_weighted(p, p->cw, p->csel, n);
        p->csel[j] = 1;
        out[i] = p->cand[j];
    }
    return count;
}
