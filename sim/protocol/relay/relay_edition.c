/* The Relay editions behind protocol/edition.h (relay_edition.h): the state
 * machine of relay_net.c, on the proto's balances, inside its framing.
 *
 * relay_net changes nothing when a transaction fails, so a body calls it
 * last and reverts only on its failure: the proto's undo log has nothing of
 * the Relay's to play back.  Events are derived after each call from what
 * the call changed (the tasks it touched and their nodes), in task order:
 * per task its start, its score (or error), its validation and its end,
 * each once. */
#include <stdlib.h>
#include <string.h>

#include "protocol/edition.h"
#include "protocol/proto_internal.h"
#include "protocol/relay/relay_edition.h"
#include "protocol/relay/relay_net_internal.h"

/* what has been emitted of a task (bits) */
enum { EM_STARTED = 1, EM_SCORED = 2, EM_VALIDATED = 4, EM_ENDED = 8 };
/* a node account's last known state */
enum { NA_NEVER = 0, NA_JOINED = 1, NA_LEFT = 2 };

#define RELAY_GPUS 256 /* distinct (GPU name, VRAM) pairs */

typedef struct rel {
    relay_net *n;
    uint8_t *scores;   /* submitted scores, back to back */
    uint64_t n_scores, cap_scores;
    uint64_t *score_at;  /* per task: offset into scores */
    uint32_t *score_len; /* per task */
    char gpu_name[RELAY_GPUS][64];
    uint64_t gpu_vram[RELAY_GPUS];
    uint32_t n_gpus;
    uint8_t *em;       /* per task: EM_* */
    uint8_t *acc;      /* per account: NA_* */
    wei_t *stake;      /* per account: the stake it locks at join (0: the edition's) */
    uint32_t *deleg_user; /* per node account: its delegator's account (relay-2026) ... */
    wei_t *deleg_amount;  /* ... and what it delegates at the node's first join (0: none) */
    uint32_t *open;    /* tasks not ended, by id */
    uint64_t n_open;
    uint32_t n_models;
    uint32_t queued;
} rel;

static rel *R(const proto *p) { return p->ed; }

bool proto_edition_is_relay(proto_edition_id id)
{
    return id == PROTO_RELAY_2025_03 || id == PROTO_RELAY_2025_07 || id == PROTO_RELAY_2026;
}

const relay_net *proto_relay(const proto *p)
{
    return proto_edition_is_relay(p->prm.edition) ? R(p)->n : NULL;
}

/* compareTaskScore (service/validate_task.go): sd scores are pHashes that
 * agree within the distance threshold (checkHammingDistance, the same rule
 * as the contracts'), llm scores agree when equal. */
static bool same_score(void *ctx, uint32_t a, uint32_t b)
{
    const proto *p = ctx;
    const rel *r = R(p);
    const uint8_t *x = r->scores + r->score_at[a], *y = r->scores + r->score_at[b];
    uint32_t lx = r->score_len[a], ly = r->score_len[b];
    if (!r->n->tasks[a].w.llm)
        return pt_sd_match(p, x, lx, y, ly);
    return lx == ly && !memcmp(x, y, lx);
}

static relay_edition relay_of(proto_edition_id id) { return (relay_edition)(id - PROTO_RELAY_2025_03); }

static bool re_init(proto *p)
{
    rel *r = calloc(1, sizeof *r);
    if (!r)
        return false;
    p->ed = r;
    r->n = relay_net_new(relay_of(p->prm.edition), p->max_acc, p->max_tasks);
    r->em = calloc(p->max_tasks + 1, 1);
    r->acc = calloc(p->max_acc, 1);
    r->stake = calloc(p->max_acc, sizeof *r->stake);
    r->deleg_user = calloc(p->max_acc, sizeof *r->deleg_user);
    r->deleg_amount = calloc(p->max_acc, sizeof *r->deleg_amount);
    r->open = calloc(p->max_tasks + 1, sizeof *r->open);
    r->score_at = calloc(p->max_tasks + 1, sizeof *r->score_at);
    r->score_len = calloc(p->max_tasks + 1, sizeof *r->score_len);
    if (!r->n || !r->em || !r->acc || !r->stake || !r->deleg_user || !r->deleg_amount || !r->open || !r->score_at ||
        !r->score_len)
        return false;
    relay_net_set_compare(r->n, same_score, p);
    relay_params prm = *relay_params_of(relay_of(p->prm.edition));
    prm.sample_mod = p->prm.sample_mod;
    prm.passive_slash = p->prm.passive_slash;
    relay_net_host(r->n, proto_bal_view(p), &prm);
    /* the Relay's own account and the dao's, at the ids relay_net fixes */
    if (proto_add_account(p, RELAY_EDITION_FUNDING) != RN_ACC_RELAY || proto_add_account(p, 0) != RN_ACC_DAO)
        return false;
    return true;
}

static void re_fini(proto *p)
{
    rel *r = R(p);
    if (!r)
        return;
    relay_net_free(r->n);
    free(r->em);
    free(r->acc);
    free(r->stake);
    free(r->deleg_user);
    free(r->deleg_amount);
    free(r->open);
    free(r->scores);
    free(r->score_at);
    free(r->score_len);
    free(r);
    p->ed = NULL;
}

static relay_net *net(proto *p)
{
    relay_net *n = R(p)->n;
    relay_net_set_accounts(n, p->n_acc);
    return n;
}

static void fail(proto *p, const relay_net *n) { proto_revert(p, relay_net_error(n)); }

/* ---- events ---- */

static void emit(proto *p, proto_event_kind kind, uint32_t t, uint32_t node, uint8_t reason)
{
    const rn_task *x = &R(p)->n->tasks[t];
    proto_event e = {.kind = kind, .task_id = (uint64_t)t + 1, .task_type = x->w.llm,
                     .node = node, .creator = x->creator, .reason = reason, .fee = x->paid};
    proto_emit(p, &e);
}

static uint8_t abort_reason(const rn_task *x)
{
    if (x->abort == RN_ABORT_INCORRECT_RESULT)
        return x->error ? PROTO_ABORT_ERROR_REPORTED : PROTO_ABORT_RESULT_ILLEGAL;
    return PROTO_ABORT_CANCELLED;
}

/* The events of what happened to task t since the last call. */
static void sync_task(proto *p, uint32_t t)
{
    rel *r = R(p);
    const rn_task *x = &r->n->tasks[t];
    uint8_t em = r->em[t];
    uint32_t node = x->node == RN_NONE ? UINT32_MAX : x->node;
    if (node != UINT32_MAX && !(em & EM_STARTED)) {
        emit(p, PROTO_EV_VSS_STARTED, t, node, 0);
        em |= EM_STARTED;
        r->queued--;
    }
    bool scored = x->status != RN_QUEUED && x->status != RN_STARTED && node != UINT32_MAX &&
                  !(x->status == RN_END_ABORTED && x->abort != RN_ABORT_INCORRECT_RESULT);
    if (scored && !(em & EM_SCORED)) {
        emit(p, x->error ? PROTO_EV_VSS_ERROR_REPORTED : PROTO_EV_VSS_SCORE_READY, t, node, 0);
        em |= EM_SCORED;
    }
    if ((x->status == RN_VALIDATED || x->status == RN_END_SUCCESS) && !(em & EM_VALIDATED)) {
        emit(p, PROTO_EV_VSS_VALIDATED, t, node, 0);
        em |= EM_VALIDATED;
    }
    if (x->status >= RN_END_SUCCESS && !(em & EM_ENDED)) {
        if (node == UINT32_MAX) /* expired in the queue */
            r->queued--;
        proto_event_kind k = x->status == RN_END_SUCCESS
                                 ? (x->group == RN_NONE ? PROTO_EV_VSS_END_SUCCESS : PROTO_EV_VSS_END_GROUP_SUCCESS)
                             : x->status == RN_END_INVALIDATED  ? PROTO_EV_VSS_END_INVALIDATED
                             : x->status == RN_END_GROUP_REFUND ? PROTO_EV_VSS_END_GROUP_REFUND
                                                                : PROTO_EV_VSS_END_ABORTED;
        emit(p, k, t, node, k == PROTO_EV_VSS_END_ABORTED ? abort_reason(x) : 0);
        em |= EM_ENDED;
    }
    r->em[t] = em;
}

/* A node that left: by its pending quit when its task ended (no event, as
 * on chain), or kicked out or slashed. */
static void sync_node(proto *p, uint32_t a)
{
    rel *r = R(p);
    if (a == RN_NONE || r->acc[a] != NA_JOINED)
        return;
    const rn_node *nd = &r->n->nodes[a];
    if (nd->joined)
        return;
    r->acc[a] = NA_LEFT;
    if (nd->quit)
        return;
    proto_event e = {.kind = nd->slashed ? PROTO_EV_NODE_SLASHED : PROTO_EV_NODE_KICKED_OUT, .node = a};
    proto_emit(p, &e);
}

/* The events of task t and of the tasks of its validation group. */
static void sync_group(proto *p, uint32_t t)
{
    const relay_net *n = R(p)->n;
    const rn_task *x = &n->tasks[t];
    uint32_t ids[3] = {t}, k = 1;
    if (x->group != RN_NONE) {
        const rn_task *g = &n->tasks[x->group];
        k = g->n_members;
        memcpy(ids, g->members, k * sizeof *ids);
    }
    for (uint32_t i = 0; i < k; i++)
        sync_task(p, ids[i]);
    for (uint32_t i = 0; i < k; i++)
        sync_node(p, n->tasks[ids[i]].node);
}

/* Every open task (a tick), then the open list without the ended ones. */
static void sync_open(proto *p)
{
    rel *r = R(p);
    for (uint64_t i = 0; i < r->n_open; i++)
        sync_task(p, r->open[i]);
    uint64_t keep = 0;
    for (uint64_t i = 0; i < r->n_open; i++) {
        sync_node(p, r->n->tasks[r->open[i]].node);
        if (!(r->em[r->open[i]] & EM_ENDED))
            r->open[keep++] = r->open[i];
    }
    r->n_open = keep;
}

/* ---- transactions ---- */

static uint32_t task_of(proto *p, uint64_t id)
{
    REQUIRE(p, id >= 1 && id <= relay_net_tasks(R(p)->n), "Task not found");
    return (uint32_t)(id - 1);
}

/* The id (> 0) of a GPU by name and VRAM, added when new. */
static uint32_t gpu_id(proto *p, const char *name, uint64_t vram)
{
    rel *r = R(p);
    for (uint32_t i = 0; i < r->n_gpus; i++)
        if (r->gpu_vram[i] == vram && !strcmp(r->gpu_name[i], name))
            return i + 1;
    REQUIRE(p, r->n_gpus < RELAY_GPUS && strlen(name) < sizeof r->gpu_name[0], "avrami: too many GPU models");
    strcpy(r->gpu_name[r->n_gpus], name);
    r->gpu_vram[r->n_gpus] = vram;
    return ++r->n_gpus;
}

static void re_join(proto *p, uint32_t from, const char *gpu_name, uint64_t vram)
{
    rel *r = R(p);
    uint32_t gpu = gpu_id(p, gpu_name, vram);
    relay_net *n = net(p);
    uint32_t models[RN_MAX_LOCAL_MODELS];
    for (uint32_t i = 0; i < r->n_models; i++)
        models[i] = i;
    wei_t stake = r->stake[from] ? r->stake[from] : p->prm.stake;
    if (!relay_net_join(n, (double)p->now, from, vram, stake, p->prm.delegator_share, models, r->n_models))
        fail(p, n);
    relay_net_set_node_gpu(n, from, gpu);
    /* its delegation is staked once, after its first join, and stays
     * through quits and rejoins (docs/delegated_staking.md @ 24ffc26: a
     * local quit neither deletes nor slashes delegations) */
    if (r->acc[from] == NA_NEVER && r->deleg_amount[from] &&
        !relay_net_delegate(n, r->deleg_user[from], from, r->deleg_amount[from]))
        fail(p, n);
    r->acc[from] = NA_JOINED;
}

static void re_quit(proto *p, uint32_t from)
{
    relay_net *n = net(p);
    if (!relay_net_quit(n, (double)p->now, from))
        fail(p, n);
    if (!n->nodes[from].joined) /* else PendingQuit: it leaves when its task ends */
        R(p)->acc[from] = NA_LEFT;
}

static void re_pause(proto *p, uint32_t from)
{
    relay_net *n = net(p);
    if (!relay_net_pause(n, (double)p->now, from))
        fail(p, n);
}

static void re_resume(proto *p, uint32_t from)
{
    relay_net *n = net(p);
    if (!relay_net_resume(n, (double)p->now, from))
        fail(p, n);
}

static void not_relay(proto *p) { proto_revert(p, "avrami: not a transaction of the Relay editions"); }
static void re_create(proto *p, uint32_t from, proto_task_type type, uint64_t vram_limit, wei_t fee, wei_t cap,
                      uint64_t *task_id)
{
    (void)from, (void)type, (void)vram_limit, (void)fee, (void)cap, (void)task_id;
    not_relay(p);
}
static void re_commit(proto *p, uint32_t from, uint64_t task_id, uint64_t round, const uint8_t c[32],
                      const uint8_t *result, size_t len, const uint8_t nonce[32])
{
    (void)from, (void)task_id, (void)round, (void)c, (void)result, (void)len, (void)nonce;
    not_relay(p);
}
static void re_disclose(proto *p, uint32_t from, uint64_t task_id, uint64_t round, const uint8_t *result,
                        size_t len)
{
    (void)from, (void)task_id, (void)round, (void)result, (void)len;
    not_relay(p);
}

/* the task's own node (reports), or also its creator (cancel) */
static uint32_t own_task(proto *p, uint32_t from, uint64_t task_id, bool creator_too)
{
    uint32_t t = task_of(p, task_id);
    const rn_task *x = &R(p)->n->tasks[t];
    REQUIRE(p, x->node == from || (creator_too && x->creator == from), "Invalid caller");
    return t;
}

/* A transaction of relay_net on one task, by its node (or creator), and
 * the events of the task's group. */
static void on_task(proto *p, uint32_t from, uint64_t task_id, bool creator_too,
                    bool (*call)(relay_net *, double, uint32_t))
{
    uint32_t t = own_task(p, from, task_id, creator_too);
    relay_net *n = net(p);
    if (!call(n, (double)p->now, t))
        fail(p, n);
    sync_group(p, t);
}

static void re_report_error(proto *p, uint32_t from, uint64_t task_id, uint64_t round)
{
    (void)round;
    on_task(p, from, task_id, false, relay_net_report_error);
}

static void re_uploaded(proto *p, uint32_t from, uint64_t task_id, uint64_t round)
{
    (void)round;
    on_task(p, from, task_id, false, relay_net_upload);
}

/* A node or an application asks the Relay to abort a task past its
 * deadline (the Relay's own step does the same, re_tick). */
static void re_cancel(proto *p, uint32_t from, uint64_t task_id)
{
    on_task(p, from, task_id, true, relay_net_timeout);
}

static void re_tick(proto *p, const relay_ext *a)
{
    rel *r = R(p);
    relay_net *n = net(p);
    double now = (double)p->now;
    for (uint64_t i = 0; i < r->n_open; i++) {
        const rn_task *x = &n->tasks[r->open[i]];
        if (x->status == RN_STARTED && now >= x->deadline_s)
            relay_net_timeout(n, now, r->open[i]);
        double due = relay_net_phase_deadline(n, r->open[i]); /* 2026: validation, upload */
        if (due && now >= due)
            relay_net_phase_timeout(n, now, r->open[i]);
    }
    /* 2026: the next round at once after one that matched */
    double next = 0;
    for (int round = 0; round < 64; round++)
        if (!relay_net_dispatch(n, now, a->uniform, a->uniform_ctx, &next) || next > 0)
            break;
    sync_open(p);
}

static void re_create_task(proto *p, uint32_t from, relay_ext *a)
{
    rel *r = R(p);
    relay_net *n = net(p);
    uint32_t group = a->group == 0                       ? RN_NONE
                     : a->group == RELAY_EXT_GROUP_FIRST ? RN_GROUP_FIRST
                                                         : task_of(p, a->group);
    REQUIRE(p, a->model < r->n_models || r->n_models == 0, "avrami: unknown model");
    if (a->gpu_name) {
        a->work.gpu = gpu_id(p, a->gpu_name, a->gpu_vram);
        a->work.gpu_vram_gb = a->gpu_vram;
    }
    uint32_t t = relay_net_create(n, (double)p->now, from, a->fee, &a->work, a->model, a->timeout_s, group);
    if (t == RN_NONE)
        fail(p, n);
    r->open[r->n_open++] = t;
    r->queued++;
    a->created = (uint64_t)t + 1;
    emit(p, PROTO_EV_VSS_QUEUED, t, UINT32_MAX, 0);
}

static void re_ext(proto *p, uint32_t from, uint32_t op, const void *args)
{
    relay_ext *a = (relay_ext *)args;
    switch ((relay_ext_op)op) {
    case RELAY_OP_MODELS:
        REQUIRE(p, from == PROTO_ACC_OWNER, "OwnableUnauthorizedAccount");
        R(p)->n_models = a->n_models < RN_MAX_LOCAL_MODELS ? a->n_models : RN_MAX_LOCAL_MODELS;
        return;
    case RELAY_OP_STAKE: /* the node's own choice, at least the minimum stake */
        REQUIRE(p, from >= PROTO_ACC_FIRST && from < p->n_acc && R(p)->acc[from] == NA_NEVER, "Invalid caller");
        REQUIRE(p, a->stake >= p->prm.stake, "Stake amount is less than the minimum");
        R(p)->stake[from] = a->stake;
        return;
    case RELAY_OP_DELEGATE: /* a node before its first join: its delegator and the delegation */
        REQUIRE(p, from >= PROTO_ACC_FIRST && from < p->n_acc && R(p)->acc[from] == NA_NEVER, "Invalid caller");
        REQUIRE(p, relay_params_of(relay_of(p->prm.edition))->delegation, "avrami: no delegated staking in this edition");
        REQUIRE(p, a->delegator >= PROTO_ACC_FIRST && a->delegator < p->n_acc && a->delegator != from &&
                       R(p)->acc[a->delegator] == NA_NEVER && proto_balance(p, a->delegator) >= a->stake,
                "avrami: invalid delegator");
        R(p)->deleg_user[from] = a->delegator;
        R(p)->deleg_amount[from] = a->stake;
        return;
    case RELAY_OP_CREATE:
        re_create_task(p, from, a);
        return;
    case RELAY_OP_SUBMIT: {
        uint32_t t = own_task(p, from, a->task_id, false);
        relay_net *n = net(p);
        rel *r = R(p);
        REQUIRE(p, a->score_len < UINT32_MAX && r->n_scores + a->score_len >= r->n_scores, "avrami: score too long");
        if (r->n_scores + a->score_len > r->cap_scores) {
            uint64_t cap = r->cap_scores ? r->cap_scores : 1 << 16;
            while (cap < r->n_scores + a->score_len)
                cap *= 2;
            uint8_t *b = realloc(r->scores, cap);
            REQUIRE(p, b != NULL, "avrami: out of memory");
            r->scores = b;
            r->cap_scores = cap;
        }
        /* the score is kept before the Relay compares it (a group may be
         * validated by this very submission) */
        REQUIRE(p, n->tasks[t].status == RN_STARTED, "task is not running");
        if (a->score_len)
            memcpy(r->scores + r->n_scores, a->score, a->score_len);
        r->score_at[t] = r->n_scores;
        r->score_len[t] = (uint32_t)a->score_len;
        r->n_scores += a->score_len;
        if (!relay_net_submit(n, (double)p->now, t, 0))
            fail(p, n);
        sync_group(p, t);
        return;
    }
    case RELAY_OP_TICK:
        REQUIRE(p, from == PROTO_ACC_OWNER, "OwnableUnauthorizedAccount");
        re_tick(p, a);
        return;
    }
    proto_revert(p, "avrami: unknown Relay transaction");
}

/* ---- views ---- */

static void re_node_view(const proto *p, uint32_t a, proto_node_view *out)
{
    const rel *r = R(p);
    rn_node_view v;
    relay_net_node(r->n, a, &v);
    out->ever_joined = r->acc[a] != NA_NEVER;
    out->status = !v.joined          ? PROTO_NODE_QUIT
                  : v.pending_quit   ? PROTO_NODE_PENDING_QUIT
                  : v.pending_pause  ? PROTO_NODE_PENDING_PAUSE
                  : v.busy           ? PROTO_NODE_BUSY
                  : v.paused         ? PROTO_NODE_PAUSED
                                     : PROTO_NODE_AVAILABLE;
    out->gpu_name = "";
    out->gpu_vram = r->n->nodes[a].vram_gb;
    /* the long-term QoS score: 2025-03's integer mean, later the pool mean */
    uint64_t q = v.qos ? (r->n->p->window_sum_kickout ? v.qos->score : (uint64_t)v.qos->qos_score) : 0;
    out->score = out->task_score = q;
    out->task_count = v.qos ? v.qos->all_count + v.qos->pool_len : 0;
    out->current_task = v.task == RN_NONE ? 0 : (uint64_t)v.task + 1;
}

/* A task whose fee the escrow holds and that has its node. */
static bool re_task_view(const proto *p, uint64_t id, proto_task_view *out)
{
    const relay_net *n = R(p)->n;
    if (id < 1 || id > relay_net_tasks(n))
        return false;
    const rn_task *x = &n->tasks[id - 1];
    if (x->status == RN_QUEUED || x->status >= RN_END_SUCCESS)
        return false;
    out->id = id;
    out->type = x->w.llm ? PROTO_GPT : PROTO_SD;
    out->selected[0] = x->node;
    out->selected[1] = out->selected[2] = UINT32_MAX;
    out->balance = x->fee;
    out->aborted = false;
    return true;
}

static bool re_task_queued(const proto *p, uint64_t id)
{
    const relay_net *n = R(p)->n;
    return id >= 1 && id <= relay_net_tasks(n) && n->tasks[id - 1].status == RN_QUEUED;
}

static uint32_t re_queue_size(const proto *p) { return R(p)->queued; }

wei_t relay_edition_escrow(const proto *p)
{
    const rel *r = R(p);
    wei_t held = 0;
    for (uint64_t i = 0; i < r->n_open; i++) {
        const rn_task *x = &r->n->tasks[r->open[i]];
        if (x->status < RN_END_SUCCESS)
            wei_accumulate(&held, x->fee, "the Relay's escrow");
    }
    return held;
}

static void re_stats(const proto *p, proto_stats *out)
{
    const rel *r = R(p);
    memset(out, 0, sizeof *out);
    for (uint32_t a = RN_ACC_FIRST; a < p->n_acc; a++) {
        const rn_node *nd = &r->n->nodes[a];
        out->total_nodes += r->acc[a] != NA_NEVER;
        out->active_nodes += nd->joined;
        out->available_nodes += nd->joined && !nd->busy && !nd->paused;
        out->busy_nodes += nd->joined && nd->busy;
    }
    out->total_tasks = relay_net_tasks(r->n);
    out->queued_tasks = r->queued;
    for (uint64_t i = 0; i < r->n_open; i++)
        out->running_tasks += r->n->tasks[r->open[i]].status == RN_STARTED;
}

static void re_quirks(const proto *p, proto_quirk_counters *out)
{
    rn_counters c;
    relay_net_counters(R(p)->n, &c);
    out->relay_kept_wei = c.kept_fees;
    out->relay_excess_wei = c.group_excess;
}

static const proto_rules relay_rules = {
    .init = re_init,
    .fini = re_fini,
    .join = re_join,
    .quit = re_quit,
    .pause = re_pause,
    .resume = re_resume,
    .create = re_create,
    .commit = re_commit,
    .disclose = re_disclose,
    .report_error = re_report_error,
    .report_uploaded = re_uploaded,
    .cancel = re_cancel,
    .node_view = re_node_view,
    .ext = re_ext,
    .task_view = re_task_view,
    .task_queued = re_task_queued,
    .queue_size = re_queue_size,
    .stats = re_stats,
    .quirks = re_quirks,
};

/* ---- the three editions ---- */

#define RELAY_DEFAULTS(ID, RE)                                                                     \
    static proto_params defaults_##RE(void)                                                        \
    {                                                                                              \
        const relay_params *rp = relay_params_of(RE);                                              \
        proto_params prm = {.edition = ID,                                                         \
                            .stake = (wei_t)400 * 1000000000000000000ULL,                          \
                            .task_timeout_s = 900,                                                 \
                            .queue_size_limit = 0,                                                 \
                            .task_score_rewards = {(uint32_t)rp->rewards[0], (uint32_t)rp->rewards[1], \
                                                   (uint32_t)rp->rewards[2]},                      \
                            .task_score_pool_size = 3,                                             \
                            .max_nodes = 100000000,                                                \
                            .distance_threshold = 24,                                              \
                            .sample_mod = rp->sample_mod,                                          \
                            .passive_slash = rp->passive_slash};                                   \
        return prm;                                                                                \
    }
RELAY_DEFAULTS(PROTO_RELAY_2025_03, RELAY_2025_03)
RELAY_DEFAULTS(PROTO_RELAY_2025_07, RELAY_2025_07)
RELAY_DEFAULTS(PROTO_RELAY_2026, RELAY_2026)

/* Keys every Relay edition accepts: its sampling (1 task in sample_mod is
 * validated), whether an invalidated node is slashed or only reviewed, and
 * the largest stake a node may lock (stakes drawn between stake and it:
 * the Relay's staking takes any amount at or above the minimum). */
static const char *const RELAY_KEYS[] = {"sample_mod", "passive_slash", "stake_max", NULL};
/* relay-2026 adds delegated staking (delegation reached the Relay's main
 * line in April 2026, docs/editions-relay.md): each node's delegation and
 * the share of its income that goes to its delegator. */
static const char *const RELAY_2026_KEYS[] = {"sample_mod",          "passive_slash",   "stake_max", "delegated_stake",
                                              "delegated_stake_max", "delegator_share", NULL};

#define RELAY_EDITION(VAR, ID, RE, NAME, COMMIT, KEYS, SUMMARY)                                    \
    const proto_edition VAR = {                                                                    \
        .id = ID,                                                                                  \
        .name = NAME,                                                                              \
        .source = "crynux-network/crynux-relay@" COMMIT,                                           \
        .summary = SUMMARY,                                                                        \
        .defaults = defaults_##RE,                                                                 \
        .rules = &relay_rules,                                                                     \
        .keys = KEYS,                                                                              \
        .seats = 1,                                                                                \
        .queues = true,                                                                            \
        .fixed_fee = false,                                                                        \
        .qos = false,                                                                              \
        .keeps_tasks = false,                                                                      \
        .slash_frees_busy = true,                                                                  \
    }

RELAY_EDITION(relay_2025_03_edition, PROTO_RELAY_2025_03, RELAY_2025_03, "relay-2025-03", "f2bb1b1", RELAY_KEYS,
              "the Relay (March 2025): queue by fee, QoS-weighted selection, 10% of tasks validated as "
              "groups of three, kick-out when the last 3 scores sum to <= 10");
RELAY_EDITION(relay_2025_07_edition, PROTO_RELAY_2025_07, RELAY_2025_07, "relay-2025-07", "0601431", RELAY_KEYS,
              "the Relay (July 2025): selection by sqrt stake and QoS, 1% of tasks validated, scores "
              "10/5/2, kick-out after 2 timeouts in the last 3 tasks");
RELAY_EDITION(relay_2026_edition, PROTO_RELAY_2026, RELAY_2026, "relay-2026", "24ffc26", RELAY_2026_KEYS,
              "the Relay (2026): health factor, pricing priority, matching rounds, timeouts from the "
              "estimate, 1% of tasks validated, passive slashing");
