/* The Relay state machine: accounts, nodes and task creation (the task
 * lifecycle is in relay_net_flow.c).  Sources: crynux-network/crynux-relay
 * service/node.go (join, nodeFinishTask, setNodeStatusQuit),
 * service/task_status.go CreateTask, service/relay_account.go, at the
 * edition's commit (relay.h). */
#include <stdlib.h>
#include <string.h>

#include "protocol/relay/relay_net_internal.h"

relay_net *relay_net_new(relay_edition e, uint32_t max_accounts, uint64_t max_tasks)
{
    const relay_params *p = relay_params_of(e);
    if (!p || max_accounts < RN_ACC_FIRST || max_tasks > UINT32_MAX - 2)
        return NULL;
    relay_net *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->e = e;
    n->p = p;
    n->max_acc = max_accounts;
    n->n_acc = RN_ACC_FIRST;
    n->max_tasks = max_tasks;
    n->max_delegs = max_accounts * 4;
    n->bal = (wei_view){calloc(max_accounts, sizeof(wei_t)), 1};
    n->nodes = calloc(max_accounts, sizeof *n->nodes);
    n->view = calloc(max_accounts, sizeof *n->view);
    n->epoch = 1;
    n->tasks = calloc(max_tasks ? max_tasks : 1, sizeof *n->tasks);
    n->delegs = calloc(n->max_delegs, sizeof *n->delegs);
    n->order = calloc(max_tasks ? max_tasks : 1, sizeof *n->order);
    n->cand = calloc(max_accounts, sizeof *n->cand);
    n->free_nodes = calloc(max_accounts, sizeof *n->free_nodes);
    n->w = calloc(max_accounts, sizeof *n->w);
    n->reserved = calloc(max_accounts, 1);
    n->cands = calloc(max_accounts, sizeof *n->cands);
    n->pairs = calloc(max_tasks ? max_tasks : 1, sizeof *n->pairs);
    if (!n->bal.base || !n->nodes || !n->view || !n->tasks || !n->delegs || !n->order || !n->cand || !n->free_nodes || !n->w ||
        !n->reserved || !n->cands || !n->pairs) {
        relay_net_free(n);
        return NULL;
    }
    for (uint32_t i = 0; i < max_accounts; i++) {
        n->nodes[i].task = RN_NONE;
        n->nodes[i].inuse = RN_NONE;
        rn_view_sync(n, i);
    }
    return n;
}

void relay_net_free(relay_net *n)
{
    if (!n)
        return;
    if (!n->hosted)
        free(n->bal.base);
    free(n->nodes);
    free(n->view);
    free(n->tasks);
    free(n->delegs);
    free(n->order);
    free(n->cand);
    free(n->free_nodes);
    for (uint32_t g = 0; g < RN_GPU_INDEX; g++)
        free(n->gpu_free[g]);
    free(n->w);
    free(n->reserved);
    free(n->cands);
    free(n->pairs);
    relay_calib_free(&n->cal);
    free(n);
}

const relay_params *relay_net_params(const relay_net *n)
{
    return n->p;
}

const char *relay_net_error(const relay_net *n)
{
    return n->err ? n->err : "";
}

bool rn_fail(relay_net *n, const char *why)
{
    n->err = why;
    return false;
}

uint32_t relay_net_add_account(relay_net *n, wei_t balance)
{
    if (n->n_acc >= n->max_acc)
        return RN_NONE;
    *wei_at(n->bal, n->n_acc) = balance;
    return n->n_acc++;
}

void relay_net_host(relay_net *n, wei_view bal, const relay_params *prm)
{
    if (!n->hosted)
        free(n->bal.base);
    n->bal = bal;
    n->hosted = true;
    n->own = *prm;
    n->p = &n->own;
    for (uint32_t a = 0; a < n->max_acc; a++)
        n->view[a].epoch = 0; /* scores kept under the former parameters */
}

void relay_net_set_accounts(relay_net *n, uint32_t n_acc)
{
    n->n_acc = n_acc < n->max_acc ? n_acc : n->max_acc;
}

void relay_net_set_compare(relay_net *n, bool (*same)(void *ctx, uint32_t a, uint32_t b), void *ctx)
{
    n->same = same;
    n->same_ctx = ctx;
}

void relay_net_set_node_gpu(relay_net *n, uint32_t acc, uint32_t gpu)
{
    if (acc < n->max_acc) {
        n->nodes[acc].gpu = gpu;
        rn_view_sync(n, acc);
    }
}

void relay_net_fund_relay(relay_net *n, wei_t amount)
{
    *wei_at(n->bal, RN_ACC_RELAY) += amount;
}

wei_t relay_net_balance(const relay_net *n, uint32_t account)
{
    return account < n->n_acc ? *wei_at(n->bal, account) : 0;
}

wei_t relay_net_total(const relay_net *n)
{
    wei_t t = 0;
    for (uint32_t i = 0; i < n->n_acc; i++)
        wei_accumulate(&t, *wei_at(n->bal, i), "the total supply");
    return t;
}

void relay_net_counters(const relay_net *n, rn_counters *out)
{
    *out = n->c;
}

bool rn_move(relay_net *n, uint32_t from, uint32_t to, wei_t amount)
{
    wei_t nb;
    if (amount > *wei_at(n->bal, from) || !wei_add(*wei_at(n->bal, to), amount, &nb))
        return rn_fail(n, "insufficient balance");
    *wei_at(n->bal, from) -= amount;
    *wei_at(n->bal, to) = nb;
    return true;
}

bool rn_has_model(const rn_node *nd, uint32_t model)
{
    for (uint32_t i = 0; i < nd->n_models; i++)
        if (nd->models[i] == model)
            return true;
    return false;
}

static bool is_node_acc(const relay_net *n, uint32_t acc)
{
    return acc >= RN_ACC_FIRST && acc < n->n_acc;
}

bool relay_net_join(relay_net *n, double now, uint32_t acc, uint64_t vram_gb, wei_t stake,
                    uint32_t delegator_share, const uint32_t *models, uint32_t n_models)
{
    (void)now;
    if (!is_node_acc(n, acc))
        return rn_fail(n, "unknown account");
    rn_node *nd = &n->nodes[acc];
    if (nd->joined)
        return rn_fail(n, "node already joined");
    if (n_models > RN_MAX_LOCAL_MODELS || delegator_share >= 100)
        return rn_fail(n, "invalid node");
    if (!rn_move(n, acc, RN_ACC_STAKING, stake))
        return false;
    nd->joined = true;
    nd->busy = false;
    nd->kicked_out = false;
    nd->quit = false;
    nd->vram_gb = vram_gb;
    nd->stake = stake;
    nd->delegator_share = delegator_share;
    nd->n_models = n_models;
    memcpy(nd->models, models, n_models * sizeof *models);
    if (!nd->ever_joined)
        relay_qos_init(&nd->q);
    else
        relay_qos_rejoin(n->p, &nd->q);
    nd->ever_joined = true;
    rn_view_sync(n, acc);
    return true;
}

bool relay_net_delegate(relay_net *n, uint32_t user, uint32_t node_acc, wei_t amount)
{
    if (!n->p->delegation)
        return rn_fail(n, "no delegated staking in this edition");
    if (!is_node_acc(n, user) || !is_node_acc(n, node_acc) || !n->nodes[node_acc].joined)
        return rn_fail(n, "unknown node");
    if (n->n_delegs >= n->max_delegs)
        return rn_fail(n, "too many delegations");
    if (!rn_move(n, user, RN_ACC_STAKING, amount))
        return false;
    n->delegs[n->n_delegs++] = (rn_deleg){.user = user, .node = node_acc, .amount = amount};
    wei_accumulate(&n->nodes[node_acc].delegated, amount, "a node's delegated stake");
    rn_view_sync(n, node_acc);
    return true;
}

static void node_leave(relay_net *n, uint32_t acc, bool slashed)
{
    rn_node *nd = &n->nodes[acc];
    /* setNodeStatusQuit: the stake goes back, or to the treasury on a slash */
    rn_move(n, RN_ACC_STAKING, slashed ? RN_ACC_TREASURY : acc, nd->stake);
    nd->stake = 0;
    nd->joined = false;
    nd->busy = false;
    nd->paused = nd->pending_pause = nd->pending_quit = false;
    nd->task = RN_NONE;
    nd->slashed = slashed;
    /* its local models are deleted; the 2025 editions also set qos_score to
     * 0 (SetNodeStatusQuit @ f2bb1b1, 0601431; 2026 keeps it for the rejoin
     * floor), while the in-memory pool of 2025-07 stays */
    nd->n_models = 0;
    nd->inuse = RN_NONE;
    if (!n->p->max_exec_timeout_s) {
        nd->q.score = 0;
        nd->q.qos_score = 0;
    }
    rn_view_sync(n, acc);
}

/* api/v1/nodes/quit.go (each pin): an available or paused node quits at
 * once with its stake; a busy one becomes PendingQuit and quits when its
 * task ends (nodeFinishTask); any other state is refused. */
bool relay_net_quit(relay_net *n, double now, uint32_t acc)
{
    (void)now;
    if (!is_node_acc(n, acc) || !n->nodes[acc].joined)
        return rn_fail(n, "node not joined");
    rn_node *nd = &n->nodes[acc];
    if (nd->pending_pause || nd->pending_quit)
        return rn_fail(n, "Illegal node status");
    if (nd->busy) {
        nd->pending_quit = true;
        return true;
    }
    node_leave(n, acc, false);
    nd->quit = true;
    return true;
}

/* api/v1/nodes/pause.go (each pin): an available node is Paused (no task is
 * dispatched to it), a busy one PendingPause (Paused when its task ends). */
bool relay_net_pause(relay_net *n, double now, uint32_t acc)
{
    (void)now;
    rn_node *nd = is_node_acc(n, acc) ? &n->nodes[acc] : NULL;
    if (!nd || !nd->joined || nd->paused || nd->pending_pause || nd->pending_quit)
        return rn_fail(n, "Illegal node status");
    if (nd->busy)
        nd->pending_pause = true;
    else
        nd->paused = true;
    rn_view_sync(n, acc);
    return true;
}

/* api/v1/nodes/resume.go: only a Paused node becomes available again. */
bool relay_net_resume(relay_net *n, double now, uint32_t acc)
{
    (void)now;
    rn_node *nd = is_node_acc(n, acc) ? &n->nodes[acc] : NULL;
    if (!nd || !nd->joined || !nd->paused)
        return rn_fail(n, "Illegal node status");
    nd->paused = false;
    rn_view_sync(n, acc);
    return true;
}

/* nodeFinishTask: the kick-out check, then Busy -> Available, PendingQuit
 * -> quit (the stake back), PendingPause -> Paused. */
void rn_node_finish(relay_net *n, uint32_t node, double now)
{
    (void)now;
    rn_node *nd = &n->nodes[node];
    if (!nd->joined)
        return;
    if (relay_should_kickout(n->p, &nd->q)) {
        n->c.kickouts++;
        nd->kicked_out = true;
        node_leave(n, node, false);
        return;
    }
    if (nd->pending_quit) {
        node_leave(n, node, false);
        nd->quit = true;
        return;
    }
    nd->busy = false;
    nd->task = RN_NONE;
    if (nd->pending_pause) {
        nd->pending_pause = false;
        nd->paused = true;
    }
    rn_view_sync(n, node);
}

void rn_node_slash(relay_net *n, uint32_t node)
{
    n->c.slashes++;
    node_leave(n, node, true);
}

void relay_net_node(const relay_net *n, uint32_t acc, rn_node_view *out)
{
    memset(out, 0, sizeof *out);
    out->task = RN_NONE;
    if (acc >= n->n_acc)
        return;
    const rn_node *nd = &n->nodes[acc];
    out->joined = nd->joined;
    out->busy = nd->busy;
    out->paused = nd->paused;
    out->pending_pause = nd->pending_pause;
    out->pending_quit = nd->pending_quit;
    out->kicked_out = nd->kicked_out;
    out->slashed = nd->slashed;
    out->stake = nd->stake;
    out->delegated = nd->delegated;
    out->task = nd->task;
    out->qos = &nd->q;
}

uint32_t relay_net_create(relay_net *n, double now, uint32_t creator, wei_t fee,
                          const relay_task_work *w, uint32_t model, uint64_t timeout_s, uint32_t group)
{
    if (n->n_tasks >= n->max_tasks) {
        rn_fail(n, "too many tasks");
        return RN_NONE;
    }
    uint32_t id = (uint32_t)n->n_tasks;
    if (group != RN_NONE && group != RN_GROUP_FIRST && (group >= id || n->tasks[group].group != group)) {
        rn_fail(n, "unknown validation group");
        return RN_NONE;
    }
    if (creator >= n->n_acc || !rn_move(n, creator, RN_ACC_ESCROW, fee))
        return RN_NONE;
    rn_task *t = &n->tasks[id];
    memset(t, 0, sizeof *t);
    t->status = RN_QUEUED;
    t->creator = creator;
    t->node = RN_NONE;
    t->group = group == RN_GROUP_FIRST ? id : group;
    if (group == RN_NONE)
        t->group = RN_NONE;
    t->model = model;
    t->w = *w;
    t->fee = fee;
    t->created_s = now;
    t->timeout_s = timeout_s;
    if (n->p->max_exec_timeout_s) /* ApplyTaskPricing with the calibration as it stands */
        t->priority = relay_priority_est(n->p, fee, w, relay_calib_price_seconds(n->p, &n->cal, w, model));
    if (group != RN_NONE) {
        rn_task *first = &n->tasks[t->group];
        if (first->n_members == 3) {
            rn_move(n, RN_ACC_ESCROW, creator, fee);
            rn_fail(n, "validation group already has three tasks");
            return RN_NONE;
        }
        first->members[first->n_members++] = id;
    }
    n->n_tasks++;
    return id;
}

void relay_net_task(const relay_net *n, uint32_t task, rn_task_view *out)
{
    memset(out, 0, sizeof *out);
    if (task >= n->n_tasks)
        return;
    const rn_task *t = &n->tasks[task];
    *out = (rn_task_view){
        .status = t->status, .abort = t->abort, .creator = t->creator, .node = t->node,
        .group = t->group, .fee = t->fee, .priority = t->priority, .paid = t->paid,
        .paid_operator = t->paid_operator,
        .created_s = t->created_s, .started_s = t->started_s, .deadline_s = t->deadline_s,
        .qos_score = t->qos_score, .qos_valid = t->qos_valid,
    };
}

uint64_t relay_net_tasks(const relay_net *n)
{
    return n->n_tasks;
}
