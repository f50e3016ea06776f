/* The vss edition's agents (sim_edition_agents, run/sim_internal.h): what an
 * application, a node and the Relay do under the on-chain VSS contracts
 * (crynux-ai/crynux-contracts @ bd7ee24; protocol/vss/).
 *
 * Application, per request:
 *   create the task (VSSTask.createTask: taskIDCommitment = keccak256(guid ‖
 *   nonce)); once it is on chain, draw the VRF sampling decision: validated
 *   with probability 1/10 (the contract's rule is uint(samplingNumber) % 10
 *   == 0; the simulator draws it from the run's sampling stream instead of
 *   proving a VRF); if validated, create two more tasks with the same guid
 *   and parameters; when every task has a score (or an error), reveal:
 *   validateSingleTask, or validateTaskGroup with the guid.  Fees of the
 *   extra tasks come back to it (EndGroupRefund).  Its cancel timer aborts
 *   the request's open tasks (allowed 3 minutes after their start).
 * Relay: reports the parameters uploaded once a task has started, and the
 *   result uploaded once the node uploaded it.
 * Node: the Helium node agent (agents/node.c) runs the task once its
 *   parameters are on the relay, submits its score (its result bytes: pHashes
 *   or the response hash) where Helium would commit, uploads the result
 *   when its task is validated, and aborts a task held up past its timeout.
 *   Attackers are the existing behaviours: a fake result is a fake score; an
 *   attacker wins when its task is not sampled, or holds two of a group with
 *   the same fake (agents/actors.c counts it as a task won by cheating).
 *
 * Simulator choices, not the deployed software's (the bridge and node code of
 * that period are not modelled): an llm (gpt) request names as required GPU a
 * card of the network's mix with enough VRAM, drawn by its share (the
 * contract requires a GPU name for llm tasks; the three tasks of a group
 * name the same); taskSize is the application's
 * execution-time estimate (cap), so the queue orders by fee per estimated
 * second as Helium's; every node and task runs version 2.5.0; nodes do not
 * report downloaded models, so selection has no model locality. */
#include "run/sim_internal.h"

#include <stdlib.h>
#include <string.h>

#include "protocol/vss/vss_edition.h"

typedef seat_req vreq; /* run/seat_agents.c */

typedef struct vsim {
    uint32_t relay;
    seat_state seat;          /* sampling stream, per-request records */
    uint32_t *model;          /* per (app, kind): interned model id */
} vsim;

static vsim *V(sim *m) { return m->eds; }

/* The applications' taskIDCommitment: a mix of the guid and nonce words in
 * place of keccak256(guid ‖ nonce), set as the contract's validateGUID
 * function too (vss_set_commitment_fn).  The contract uses a commitment only
 * as the task's key and in that check, so outcomes are those of keccak256
 * while no two of the run's (guid, nonce) pairs share a commitment; a
 * keccak-f permutation per task was a third of the vss edition's
 * instructions per task.  The last word is the nonce's, which names the
 * request and the task's place in it (guid_nonce), so no two tasks of a run
 * share a commitment, as vss_set_fresh_keys asks. */
static void sim_commitment(const uint8_t guid[32], const uint8_t nonce[32], uint8_t out[32])
{
    memcpy(out + 24, nonce + 24, 8);
    for (int i = 0; i < 3; i++) {
        uint64_t g, n;
        memcpy(&g, guid + 8 * i, 8);
        memcpy(&n, nonce + 8 * i, 8);
        uint64_t c = agt_mix64(g ^ agt_mix64(n + 0x9E3779B97F4A7C15ULL * (uint64_t)(i + 1)));
        memcpy(out + 8 * i, &c, 8);
    }
}

static bool take_unread(void *r, uint64_t max_bound, uint64_t *x)
{
    return eng_rng_take(r, max_bound, x);
}

static uint64_t finish_unread(void *r, uint64_t bound, uint64_t x)
{
    return eng_rng_below_from(r, bound, x);
}

static void vss_setup(sim *m)
{
    vsim *v = calloc(1, sizeof *v);
    vss *model = proto_vss(m->p);
    vss_set_commitment_fn(model, sim_commitment);
    /* guid_nonce names every task's nonce and commitment apart, and the
     * agents name tasks by id (the handles' commitments) */
    vss_set_fresh_keys(model, true);
    /* the notices the agents pass over (pass_over below) are not recorded */
    vss_set_muted_events(model, 1u << VSS_EV_DOWNLOAD_MODEL);
    /* so their draws take the selection stream's numbers without finding
     * their nodes (sim.c's chooser: eng_rng_below on r_sel, bounds >= 2) */
    vss_set_unread_draws(model, (vss_unread_draws){take_unread, finish_unread, m->r_sel});
    m->eds = v;
    seat_state_init(m, &v->seat);
    uint32_t kinds = 0;
    for (uint32_t a = 0; a < m->s->n_apps; a++)
        kinds += m->s->apps[a].n_kinds;
    v->model = calloc(kinds + 1, sizeof *v->model);
    if (!v->model) {
        fprintf(stderr, "avrami: out of memory\n");
        exit(2);
    }
    for (uint32_t a = 0; a < m->s->n_apps; a++)
        for (uint32_t k = 0; k < m->s->apps[a].n_kinds; k++)
            v->model[m->kind_base[a] + k] = vss_intern(model, m->s->apps[a].kinds[k].model);
    /* the deployment: VSSTask.setRelayAddress by the owner */
    v->relay = proto_add_account(m->p, 0);
    vss_ext set = {.relay = v->relay};
    if (!sim_proto_ext(m, 0, PROTO_ACC_OWNER, VSS_OP_SET_RELAY, &set)) {
        fprintf(stderr, "avrami: vss: %s\n", proto_revert_reason(m->p));
        exit(2);
    }
}

static void vss_fini(sim *m)
{
    vsim *v = V(m);
    if (!v)
        return;
    seat_state_free(&v->seat);
    free(v->model);
    free(v);
    m->eds = NULL;
}

static int round_of(sim *m, const sim_req *r, uint64_t id)
{
    return seat_round_of(&V(m)->seat.req[r - m->req], id);
}

/* A request's guid, and the nonce of its task k (0, or 1 and 2 for a
 * validation group's extra tasks): mixed words, but for the nonce's last,
 * which is the request and k themselves, so that no two tasks of a run
 * share a nonce (vss_set_fresh_keys). */
static void guid_nonce(const sim *m, uint64_t req, int k, uint8_t guid[32], uint8_t nonce[32])
{
    for (int i = 0; i < 4; i++) {
        uint64_t g = agt_mix64(m->o.seed * 0x9E3779B97F4A7C15ULL + req * 4 + (uint64_t)i);
        uint64_t n = i < 3 ? agt_mix64(g ^ (0x5bd1e995ULL * (uint64_t)(k + 1))) : req << 2 | (uint64_t)k;
        memcpy(guid + 8 * i, &g, 8);
        memcpy(nonce + 8 * i, &n, 8);
    }
}

/* What the block's next transaction will read first, one transaction
 * ahead: the named task's handle and record and the sending node's record.
 * (A createTask reads no map slot: the keys are fresh, vss_set_fresh_keys.) */
static void vss_prefetch(const sim *m, const sim_tx *tx)
{
    switch (tx->kind) {
    case TX_COMMIT:
    case TX_CANCEL_NODE:
    case TX_REPORT_ERROR: /* a node's */
        vss_prefetch_task(proto_vss(m->p), (uint32_t)(tx->arg - 1), m->nodes[tx->who].acc);
        break;
    case TX_PARAMS_UPLOADED:
    case TX_UPLOADED: /* the relay's: no node */
        vss_prefetch_task(proto_vss(m->p), (uint32_t)(tx->arg - 1), VSS_NOBODY);
        break;
    default:
        break;
    }
}

static bool apply_create(sim *m, const sim_tx *tx, uint64_t now_s)
{
    vsim *v = V(m);
    sim_req *r = &m->req[tx->arg];
    vreq *q = &v->seat.req[tx->arg];
    const scn_task_kind *k = &m->s->apps[r->app].kinds[r->kind];
    uint32_t ki = m->kind_base[r->app] + r->kind;
    if (vss_num_tasks(proto_vss(m->p)) + 2 >= m->cap_ids) {
        m->capacity_drops++;
        return false;
    }
    uint8_t guid[32];
    vss_task_spec spec = {.type = k->type == PROTO_GPT ? VSS_LLM : VSS_SD,
                          .models = &v->model[ki],
                          .n_models = 1,
                          .min_vram = k->vram_gb,
                          .size = r->cap};
    memcpy(spec.version, VSS_SIM_VERSION, sizeof spec.version);
    if (spec.type == VSS_LLM) {
        if (tx->round == 0)
            q->gpu = node_pick_card_vram(m, V(m)->seat.r_sample, k->vram_gb);
        const scn_card *c = &m->s->cards[q->gpu];
        spec.gpu = vss_intern(proto_vss(m->p), c->name);
        spec.gpu_vram = c->vram_gb;
    }
    guid_nonce(m, tx->arg, tx->round, guid, spec.nonce);
    sim_commitment(guid, spec.nonce, spec.commitment);
    vss_ext a = {.spec = &spec, .fee = r->fee};
    if (!sim_proto_ext(m, now_s, m->app_acc[r->app], VSS_OP_CREATE, &a))
        return false;
    return seat_created(m, q, tx, a.created);
}

/* The application's reveal: every task of the request has a score or an
 * error, or ended. */
static bool apply_validate(sim *m, const sim_tx *tx, uint64_t now_s)
{
    sim_req *r = &m->req[tx->arg];
    vreq *q = &V(m)->seat.req[tx->arg];
    vss_ext a = {.task_id = q->id[0], .proof = vss_proof_honest(m->app_acc[r->app], q->sampled)};
    if (!q->sampled)
        return sim_proto_ext(m, now_s, m->app_acc[r->app], VSS_OP_VALIDATE_SINGLE, &a);
    uint8_t guid[32], nonce[32];
    guid_nonce(m, tx->arg, 0, guid, nonce);
    memcpy(a.group, q->id, sizeof a.group);
    a.guid = guid;
    return sim_proto_ext(m, now_s, m->app_acc[r->app], VSS_OP_VALIDATE_GROUP, &a);
}

/* The application aborts the request's open tasks, one per transaction. */
static bool apply_abort_app(sim *m, const sim_tx *tx, uint64_t now_s)
{
    sim_req *r = &m->req[tx->arg];
    vreq *q = &V(m)->seat.req[tx->arg];
    int k = seat_cancel_next(m, q, tx);
    if (k < 0)
        return false;
    vss_ext a = {.task_id = q->id[k], .reason = VSS_ABORT_TIMEOUT};
    bool ok = sim_proto_ext(m, now_s, m->app_acc[r->app], VSS_OP_ABORT, &a);
    if (!ok && !strcmp(proto_revert_reason(m->p), "Timeout not reached")) {
        vss_task_view tv;
        vss_task_get(proto_vss(m->p), (uint32_t)(q->id[k] - 1), &tv);
        eng_time at = (eng_time)(tv.start_time + m->s->params.task_timeout_s + 1) * ENG_US_PER_S;
        eng_at(m->e, at > eng_now(m->e) ? at : eng_now(m->e) + m->block_us, EV_APP_CANCEL, 0, tx->arg);
    }
    return ok;
}

static bool vss_apply(sim *m, const sim_tx *tx, uint64_t now_s, bool *ok)
{
    vsim *v = V(m);
    uint8_t buf[8 * 4096];
    vss_ext a = {.task_id = tx->arg};
    switch (tx->kind) {
    case TX_CREATE:
        *ok = apply_create(m, tx, now_s);
        return true;
    case TX_PARAMS_UPLOADED:
        *ok = sim_proto_ext(m, now_s, v->relay, VSS_OP_PARAMETERS_UPLOADED, &a);
        return true;
    case TX_COMMIT: { /* the node's score: its result bytes */
        sim_req *r = sim_req_by_id(m, tx->arg);
        a.score = buf;
        a.score_len = node_result(m, tx->who, r, tx->round, buf, sizeof buf);
        *ok = sim_proto_ext(m, now_s, m->nodes[tx->who].acc, VSS_OP_SUBMIT_SCORE, &a);
        return true;
    }
    case TX_VALIDATE:
        *ok = apply_validate(m, tx, now_s);
        return true;
    case TX_UPLOADED: /* the node uploaded its result; the relay reports it */
        *ok = sim_proto_ext(m, now_s, v->relay, VSS_OP_RESULT_UPLOADED, &a);
        return true;
    case TX_CANCEL_APP:
        *ok = apply_abort_app(m, tx, now_s);
        return true;
    case TX_CANCEL_NODE:
        a.reason = VSS_ABORT_TIMEOUT;
        *ok = sim_proto_ext(m, now_s, m->nodes[tx->who].acc, VSS_OP_ABORT, &a);
        return true;
    case TX_REPORT_ERROR:
        /* VSSTask.reportTaskError (bd7ee24): the task goes to ErrorReported and
         * the application's reveal settles it.  The only error the node of
         * that period reports is ParametersValidationFailed
         * (crynux-ai/crynux-node 4b49a04, src/crynux_server/task/task_runner.py,
         * _report_error) */
        a.reason = VSS_ERROR_PARAMETERS_VALIDATION_FAILED;
        *ok = sim_proto_ext(m, now_s, m->nodes[tx->who].acc, VSS_OP_REPORT_ERROR, &a);
        return true;
    case TX_DISCLOSE:
        *ok = false;
        return true;
    default:
        return false; /* join, quit, pause, resume: proto's */
    }
}

/* After the create of task `round`: the sampling decision and the extras. */
static bool vss_app_created(sim *m, const sim_tx *tx, bool ok)
{
    vreq *q = &V(m)->seat.req[tx->arg];
    if (tx->round > 0)
        return true; /* an extra task: the request is the first task's */
    if (ok && eng_rng_below(V(m)->seat.r_sample, 10) == 0) {
        q->sampled = 1;
        q->n_tasks = 3;
        sim_submit(m, TX_CREATE, m->req[tx->arg].app, tx->arg, 1);
        sim_submit(m, TX_CREATE, m->req[tx->arg].app, tx->arg, 2);
    }
    return false; /* the Helium application records the create */
}

static uint8_t helium_reason(uint8_t vss_reason)
{
    return vss_reason == VSS_ABORT_INCORRECT_RESULT ? PROTO_ABORT_RESULT_ILLEGAL
           : vss_reason == VSS_ABORT_TASK_FEE_TOO_LOW ? PROTO_ABORT_FEE_TOO_LOW
                                                       : PROTO_ABORT_CANCELLED;
}

static void pay(sim *m, sim_req *r, uint32_t acc, wei_t fee)
{
    seat_pay(m, r, acc < proto_num_accounts(m->p) ? sim_node_of(m, acc) : UINT32_MAX, fee);
}

static void vss_book(sim *m, const proto_event *ev, sim_req *r, uint32_t node, eng_time now)
{
    if (!r || ev->kind < PROTO_EV_VSS_QUEUED)
        return;
    vreq *q = &V(m)->seat.req[r - m->req];
    int k = round_of(m, r, ev->task_id);
    if (k < 0)
        return;
    if (ev->kind == PROTO_EV_VSS_END_SUCCESS || ev->kind == PROTO_EV_VSS_END_GROUP_SUCCESS) {
        vss_task_view tv; /* read where a payment needs it */
        vss_task_get(proto_vss(m->p), (uint32_t)(ev->task_id - 1), &tv);
        if (ev->kind == PROTO_EV_VSS_END_SUCCESS)
            pay(m, r, tv.node, tv.fee);
        else
            for (uint32_t i = 0; i < tv.n_payments; i++)
                pay(m, r, tv.pay_to[i], tv.pay[i]);
    }
    seat_book(m, q, ev, r, k, node, helium_reason(ev->reason), true, now);
}

static void vss_ready(sim *m, sim_req *r, vreq *q, int k)
{
    q->ready |= (uint8_t)(1u << k);
    /* every task scored (a group member aborted after its start can no
     * longer be validated, "Wrong task": the cancel timer ends the rest) */
    if (q->ready == (1u << q->n_tasks) - 1)
        sim_submit(m, TX_VALIDATE, r->app, (uint64_t)(r - m->req), 0);
}

static bool vss_observe(sim *m, const sim_obs *o)
{
    if (o->kind < PROTO_EV_VSS_QUEUED)
        return false; /* NodeSlashed, NodeKickedOut: the Helium agents' */
    sim_req *r = sim_req_by_id(m, o->task);
    if (!r)
        return true;
    vreq *q = &V(m)->seat.req[r - m->req];
    int k = round_of(m, r, o->task);
    if (k < 0)
        return true;
    uint32_t node = r->nodes[k];
    if (seat_observe(m, q, o, r, k, true))
        return true;
    switch (o->kind) {
    case PROTO_EV_VSS_STARTED: /* the relay has the parameters: it reports them */
        sim_submit(m, TX_PARAMS_UPLOADED, 0, o->task, (uint8_t)k);
        break;
    case PROTO_EV_VSS_PARAMETERS_UPLOADED: /* the node starts */
        seat_tell(m, o, PROTO_EV_TASK_STARTED, node, (uint8_t)k);
        break;
    case PROTO_EV_VSS_SCORE_READY:
    case PROTO_EV_VSS_ERROR_REPORTED:
        vss_ready(m, r, q, k);
        break;
    default:
        break;
    }
    return true;
}

/* What VSSTask holds: the fees of the tasks not ended (queued ones included). */
static wei_t vss_escrow(sim *m)
{
    vss *model = proto_vss(m->p);
    wei_t held = 0;
    for (uint32_t h = 0; h < vss_num_tasks(model); h++) {
        vss_task_view tv;
        vss_task_get(model, h, &tv);
        if (tv.status < VSS_END_INVALIDATED && !wei_add(held, tv.fee, &held)) {
            fprintf(stderr, "avrami: vss: the escrow overflows 128 bits of wei\n");
            exit(2);
        }
    }
    return held;
}

static wei_t vss_unsettled(sim *m, uint64_t id)
{
    vss_task_view tv;
    vss_task_get(proto_vss(m->p), (uint32_t)(id - 1), &tv);
    return tv.status < VSS_END_INVALIDATED ? tv.fee : 0;
}

/* What it holds for one request: its tasks not ended. */
static wei_t vss_req_escrow(sim *m, const sim_req *r)
{
    return seat_req_escrow(m, &V(m)->seat.req[r - m->req], vss_unsettled);
}

const sim_edition_agents vss_agents = {
    .req_escrow = vss_req_escrow,
    .app_created = vss_app_created,
    .observe = vss_observe,
    .prefetch = vss_prefetch,
    .setup = vss_setup,
    .apply = vss_apply,
    .book = vss_book,
    .escrow_held = vss_escrow,
    .fini = vss_fini,
    /* pre-download notices: the simulated nodes report no downloads and do
     * not act on them (the contract's draw of them is still made) */
    .pass_over = (uint64_t)1 << PROTO_EV_VSS_DOWNLOAD_MODEL,
};
