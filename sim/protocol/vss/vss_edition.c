/* The vss edition (protocol/edition.h): crynux-ai/crynux-contracts @
 * bd7ee24 (VSSTask, Node, QOS, TaskQueue, NetworkStats), the model of
 * vss_*.c hosted in a proto.  The proto frames each transaction (its
 * journal and revert); the bodies are the model's; the model's events are
 * re-emitted as proto events; the views read the model.
 *
 * Defaults are the constructors' values at bd7ee24 (vss_params_default):
 * stake 400 CNX, timeout 3 minutes, queue limit 50, kick-out threshold 10,
 * points [10, 9, 6], pHash threshold 24 bits. */
#include <string.h>

#include "protocol/edition.h"
#include "protocol/proto_internal.h"
#include "protocol/vss/vss_edition.h"
#include "protocol/vss/vss_internal.h"

const uint64_t VSS_SIM_VERSION[3] = {2, 5, 0};

vss *proto_vss(const proto *p) { return p->prm.edition == PROTO_VSS ? (vss *)p->ed : NULL; }

static proto_params vss_defaults(void)
{
    vss_params v = vss_params_default();
    proto_params prm = {
        .edition = PROTO_VSS,
        .stake = v.stake,
        .task_timeout_s = v.timeout_s,
        .queue_size_limit = v.queue_size_limit,
        .kickout_threshold = v.kickout_threshold,
        .task_score_rewards = {v.task_score_rewards[0], v.task_score_rewards[1],
                               v.task_score_rewards[2]},
        .task_score_pool_size = 3,
        .distance_threshold = v.distance_threshold,
        .max_nodes = v.max_nodes,
    };
    return prm;
}

static void host_revert(void *host, const char *reason) { proto_revert(host, reason); }

static bool ve_init(proto *p)
{
    vss_params v = vss_params_default();
    v.stake = p->prm.stake;
    v.timeout_s = p->prm.task_timeout_s;
    v.queue_size_limit = p->prm.queue_size_limit;
    v.kickout_threshold = p->prm.kickout_threshold;
    v.kickout_disabled = p->prm.kickout_disabled;
    v.distance_threshold = p->prm.distance_threshold;
    v.max_nodes = p->prm.max_nodes;
    wei_view bal = proto_bal_view(p);
    vss *m = vss_new_hosted(&v, p->max_acc, p->max_tasks, &p->j, &bal, host_revert, p);
    if (m) /* its hosts read an ended task's record only right after it ends */
        vss_set_recycling(m, true);
    p->ed = m;
    return m != NULL;
}

static void ve_fini(proto *p)
{
    vss_free(p->ed);
    p->ed = NULL;
}

static const proto_event_kind KIND[] = {
    [VSS_EV_TASK_QUEUED] = PROTO_EV_VSS_QUEUED,
    [VSS_EV_TASK_STARTED] = PROTO_EV_VSS_STARTED,
    [VSS_EV_TASK_PARAMETERS_UPLOADED] = PROTO_EV_VSS_PARAMETERS_UPLOADED,
    [VSS_EV_TASK_ERROR_REPORTED] = PROTO_EV_VSS_ERROR_REPORTED,
    [VSS_EV_TASK_SCORE_READY] = PROTO_EV_VSS_SCORE_READY,
    [VSS_EV_TASK_VALIDATED] = PROTO_EV_VSS_VALIDATED,
    [VSS_EV_TASK_END_SUCCESS] = PROTO_EV_VSS_END_SUCCESS,
    [VSS_EV_TASK_END_INVALIDATED] = PROTO_EV_VSS_END_INVALIDATED,
    [VSS_EV_TASK_END_GROUP_SUCCESS] = PROTO_EV_VSS_END_GROUP_SUCCESS,
    [VSS_EV_TASK_END_GROUP_REFUND] = PROTO_EV_VSS_END_GROUP_REFUND,
    [VSS_EV_TASK_END_ABORTED] = PROTO_EV_VSS_END_ABORTED,
    [VSS_EV_DOWNLOAD_MODEL] = PROTO_EV_VSS_DOWNLOAD_MODEL,
    [VSS_EV_NODE_SLASHED] = PROTO_EV_NODE_SLASHED,
    [VSS_EV_NODE_KICKED_OUT] = PROTO_EV_NODE_KICKED_OUT,
};

/* Runs one body of the model inside the proto's framing. */
#define BODY(p, call)                       \
    do {                                    \
        vss *m_ = (p)->ed;                  \
        m_->now = (p)->now;                 \
        m_->block = (p)->now;               \
        m_->sender = from;                  \
        m_->chooser = (p)->chooser;         \
        m_->starts = 0;                     \
        m_->n_ev = 0;                       \
        m_->n_evbytes = 0;                  \
        call;                               \
        reemit(p, m_);                      \
    } while (0)

static void reemit(proto *p, vss *m)
{
    for (size_t i = 0; i < m->n_ev; i++) {
        const vss_event *e = &m->ev[i];
        proto_event pe = {.kind = KIND[e->kind],
                          .task_id = e->task + (uint64_t)1,
                          .task_type = e->task_type,
                          .round = e->last_status,
                          .reason = e->reason,
                          .node = e->node,
                          .creator = e->issuer};
        if (e->kind == VSS_EV_NODE_SLASHED || e->kind == VSS_EV_NODE_KICKED_OUT ||
            e->kind == VSS_EV_DOWNLOAD_MODEL)
            pe.task_id = e->kind == VSS_EV_DOWNLOAD_MODEL ? e->task + (uint64_t)1 : 0;
        if (e->score_len) {
            pe.result = m->evbytes + (uintptr_t)e->score;
            pe.result_len = e->score_len;
        }
        proto_emit(p, &pe);
    }
}

static void ve_join(proto *p, uint32_t from, const char *gpu_name, uint64_t vram)
{
    vss *m = p->ed;
    vss_key key = {64, from}; /* the node's own key */
    BODY(p, vn_tx_join(m, vss_intern(m, gpu_name), vram, VSS_SIM_VERSION, key, p->prm.stake, NULL, 0));
}
static void ve_quit(proto *p, uint32_t from) { BODY(p, vn_tx_quit(p->ed)); }
static void ve_pause(proto *p, uint32_t from) { BODY(p, vn_tx_pause(p->ed)); }
static void ve_resume(proto *p, uint32_t from) { BODY(p, vn_tx_resume(p->ed)); }

static void not_vss(proto *p) { proto_revert(p, "avrami: not a transaction of the vss edition"); }
static void ve_create(proto *p, uint32_t from, proto_task_type type, uint64_t vram_limit, wei_t fee,
                      wei_t cap, uint64_t *task_id)
{
    (void)from, (void)type, (void)vram_limit, (void)fee, (void)cap, (void)task_id;
    not_vss(p);
}
static void ve_commit(proto *p, uint32_t from, uint64_t task_id, uint64_t round, const uint8_t c[32],
                      const uint8_t *result, size_t len, const uint8_t nonce[32])
{
    (void)from, (void)task_id, (void)round, (void)c, (void)result, (void)len, (void)nonce;
    not_vss(p);
}
static void ve_disclose(proto *p, uint32_t from, uint64_t task_id, uint64_t round,
                        const uint8_t *result, size_t len)
{
    (void)from, (void)task_id, (void)round, (void)result, (void)len;
    not_vss(p);
}
static void ve_task_round(proto *p, uint32_t from, uint64_t task_id, uint64_t round)
{
    (void)from, (void)task_id, (void)round;
    not_vss(p);
}
static void ve_cancel(proto *p, uint32_t from, uint64_t task_id)
{
    (void)from, (void)task_id;
    not_vss(p);
}

/* The commitment of a proto task id; an unknown id names no task (the
 * contract's "Task not found"). */
static const uint8_t *commitment(proto *p, uint64_t id)
{
    static const uint8_t none[32];
    vss *m = p->ed;
    if (id < 1 || id > m->n_tasks)
        return none;
    return m->hd[id - 1].commitment; /* vss_task_find knows it by its address */
}

static void ve_ext(proto *p, uint32_t from, uint32_t op, const void *args)
{
    vss *m = p->ed;
    const vss_ext *a = args;
    switch ((vss_ext_op)op) {
    case VSS_OP_SET_RELAY:
        /* Ownable: only the deployer (the owner account) */
        REQUIRE(p, from == PROTO_ACC_OWNER, "OwnableUnauthorizedAccount");
        J(&p->j, m->relay, a->relay);
        return;
    case VSS_OP_CREATE: {
        BODY(p, vt_tx_create(m, a->spec, a->fee));
        ((vss_ext *)args)->created = vss_task_find(m, a->spec->commitment) + (uint64_t)1;
        return;
    }
    case VSS_OP_PARAMETERS_UPLOADED:
        BODY(p, vt_tx_parameters_uploaded(m, commitment(p, a->task_id)));
        return;
    case VSS_OP_SUBMIT_SCORE:
        BODY(p, vt_tx_submit_score(m, commitment(p, a->task_id), a->score, a->score_len));
        return;
    case VSS_OP_REPORT_ERROR:
        BODY(p, vt_tx_report_error(m, commitment(p, a->task_id), (vss_task_error)a->reason));
        return;
    case VSS_OP_VALIDATE_SINGLE:
        BODY(p, vt_tx_validate_single(m, commitment(p, a->task_id), &a->proof));
        return;
    case VSS_OP_VALIDATE_GROUP: {
        const uint8_t *const ids[3] = {commitment(p, a->group[0]), commitment(p, a->group[1]),
                                       commitment(p, a->group[2])};
        BODY(p, vt_tx_validate_group(m, ids, a->guid, &a->proof));
        return;
    }
    case VSS_OP_RESULT_UPLOADED:
        BODY(p, vt_tx_result_uploaded(m, commitment(p, a->task_id)));
        return;
    case VSS_OP_ABORT:
        BODY(p, vt_tx_abort(m, commitment(p, a->task_id), (vss_abort_reason)a->reason));
        return;
    case VSS_OP_MODEL_DOWNLOADED:
        BODY(p, vn_tx_model_downloaded(m, a->model));
        return;
    }
    proto_revert(p, "avrami: unknown vss transaction");
}

static void ve_node_view(const proto *p, uint32_t a, proto_node_view *out)
{
    vss_node_view v;
    vss_node_get(p->ed, a, &v);
    out->ever_joined = v.ever_joined;
    out->status = v.status;
    out->gpu_name = vss_string(p->ed, v.gpu_name);
    out->gpu_vram = v.gpu_vram;
    out->score = v.score;
    out->task_count = v.task_count;
    out->task_score = v.task_score;
    out->recent_score = v.recent_score;
    out->recent_count = v.recent_count;
    out->current_score = v.current_score;
    out->current_task = v.current_task == VSS_NOBODY ? 0 : (uint64_t)v.current_task + 1;
}

static bool task_of(const proto *p, uint64_t id, vss_task_view *v)
{
    const vss *m = p->ed;
    if (id < 1 || id > m->n_tasks)
        return false;
    vss_task_get(m, (uint32_t)(id - 1), v);
    return true;
}

/* A task the contract still holds the fee of: selected, not ended. */
static bool ve_task_view(const proto *p, uint64_t id, proto_task_view *out)
{
    vss_task_view v;
    if (!task_of(p, id, &v) || v.status == VSS_QUEUED || v.status >= VSS_END_INVALIDATED)
        return false;
    out->id = id;
    out->type = v.type == VSS_LLM ? PROTO_GPT : PROTO_SD;
    out->selected[0] = v.node;
    out->selected[1] = out->selected[2] = UINT32_MAX;
    out->balance = v.fee;
    out->aborted = false;
    return true;
}

static bool ve_task_queued(const proto *p, uint64_t id)
{
    vss_task_view v;
    return task_of(p, id, &v) && v.status == VSS_QUEUED;
}

static uint32_t ve_queue_size(const proto *p) { return vss_queue_size(p->ed); }

static void ve_stats(const proto *p, proto_stats *out)
{
    vss_stats_get(p->ed, out);
}

static void ve_quirks(const proto *p, proto_quirk_counters *out)
{
    vss_quirk_counters q;
    vss_quirks_get(p->ed, &q);
    out->stranded_tasks = q.stranded_tasks;
    out->stranded_wei = q.stranded_wei;
}

static const proto_rules vss_rules = {
    .init = ve_init,
    .fini = ve_fini,
    .join = ve_join,
    .quit = ve_quit,
    .pause = ve_pause,
    .resume = ve_resume,
    .create = ve_create,
    .commit = ve_commit,
    .disclose = ve_disclose,
    .report_error = ve_task_round,
    .report_uploaded = ve_task_round,
    .cancel = ve_cancel,
    .node_view = ve_node_view,
    .ext = ve_ext,
    .task_view = ve_task_view,
    .task_queued = ve_task_queued,
    .queue_size = ve_queue_size,
    .stats = ve_stats,
    .quirks = ve_quirks,
};

/* Parameters the owner could set at bd7ee24 (TaskQueue.updateSizeLimit,
 * QOS.updateKickoutThreshold); "kickout": false turns kick-out off for the
 * closed forms that assume none.  The points [10, 9, 6] and the pool of 3
 * are constants of QOS.sol. */
static const char *const VSS_KEYS[] = {"queue_size_limit", "kickout_threshold", "kickout", NULL};

const proto_edition vss_edition = {
    .id = PROTO_VSS,
    .name = "vss",
    .source = "crynux-ai/crynux-contracts@bd7ee24d21d8e91bde139f68ffecff5ddfbfd872",
    .summary = "VSS (November 2024 - February 2025): one node per task, 10% of tasks validated "
               "as groups of three, fee split by task score, 3-minute timeout",
    .defaults = vss_defaults,
    .rules = &vss_rules,
    .keys = VSS_KEYS,
    .seats = 1,
    .queues = true,
    .fixed_fee = false,
    .qos = true,
    .keeps_tasks = false,
    .slash_frees_busy = true, /* Node.slash calls netStats.nodeTaskFinished */
};
