/* The Relay editions' agents (sim_edition_agents, run/sim_internal.h): what
 * an application, a node and the Relay do under relay-2025-03, relay-2025-07
 * and relay-2026 (crynux-network/crynux-relay; protocol/relay/).
 *
 * Application, per request: decides sampling when it creates the task (the
 * VRF of the Relay's applications; the simulator draws it from the run's
 * sampling stream, the vss edition's, as 1 in the edition's sample_mod:
 * 10 % in 2025-03, 1 % later); a sampled task is the first of a validation
 * group and the application creates its two extra tasks at once.  The Relay
 * validates a single task when its score arrives and a group when its three
 * tasks are done (what an honest application's prompt validation call
 * does).  Its cancel timer asks the Relay to abort the request's tasks past
 * their deadline.
 * Relay: every tick_s (2 s in each edition) aborts started tasks past their
 * deadline, then dispatches (relay_net_dispatch: the 2026 matching rounds,
 * the 2025-03 fee-ordered pass, the 2025-07 offers).  The draws are the
 * selection stream's.
 * Node: the Helium node agent (agents/node.c) runs the task when it is
 * started (the Relay holds the parameters), submits its score where Helium
 * would commit (its result bytes: sd pHashes that agree within the distance
 * threshold, llm hashes that agree when equal), uploads when its
 * task is validated, reports errors, and asks for an abort at its timeout.
 * Attackers are the existing behaviours, as under vss: a fake result is a
 * fake score; it wins when its task is not sampled, or when its forgers hold
 * two of the group (agents/actors.c).
 *
 * Simulator choices, not the Relay's: an llm request requires a card of the
 * network's mix with enough VRAM, drawn by its share, as under vss (llm
 * results agree only on equal GPUs; the three tasks of a group require the
 * same); a node joins with every model of the
 * scenario on disk (crynux-node downloads its base models before it joins;
 * 8 at most), so the 2026 base-model gate keeps every node; the work the
 * estimate prices is the request's (sd: images x width x height x steps,
 * 512 x 512 when the kind has no size; gpt: prompt tokens x 4 bytes of
 * input, the request's tokens as max_new_tokens and, for the 2026
 * calibration, as the tokens generated; the kind's bits as its execution
 * configuration); the 2025 editions' task timeout is the scenario's
 * task_timeout_s; the 2026 calibration table starts empty.  Pause, resume
 * and quit are the proto's transactions (relay_net_pause, _resume, _quit). */
#include "run/sim_internal.h"

#include <stdlib.h>
#include <string.h>

#include "protocol/relay/relay_edition.h"

typedef seat_req rreq; /* run/seat_agents.c */

typedef struct rsim {
    uint32_t sample_mod;
    seat_state seat;          /* sampling stream, per-request records */
    /* relay-2026 delegations, per node index: its delegator's account
     * (UINT32_MAX: none), the delegation, and the delegator's income as
     * booked from each payment; per account: the node it delegates to */
    uint32_t *deleg_acc;
    wei_t *deleg_amount, *deleg_income;
    uint32_t *acc_deleg, n_acc_deleg;
} rsim;

static rsim *S(sim *m) { return m->eds; }

static void relay_setup(sim *m)
{
    rsim *v = calloc(1, sizeof *v);
    m->eds = v;
    seat_state_init(m, &v->seat);
    v->sample_mod = m->s->params.sample_mod ? m->s->params.sample_mod : 1;
    if (m->s->params.delegated_stake_max) {
        v->deleg_acc = malloc((size_t)m->cap_nodes * sizeof *v->deleg_acc);
        v->deleg_amount = calloc(m->cap_nodes, sizeof *v->deleg_amount);
        v->deleg_income = calloc(m->cap_nodes, sizeof *v->deleg_income);
        if (!v->deleg_acc || !v->deleg_amount || !v->deleg_income) {
            fprintf(stderr, "avrami: out of memory\n");
            exit(2);
        }
        memset(v->deleg_acc, 0xff, (size_t)m->cap_nodes * sizeof *v->deleg_acc);
    }
    relay_ext a = {.n_models = m->n_models};
    if (!sim_proto_ext(m, 0, PROTO_ACC_OWNER, RELAY_OP_MODELS, &a)) {
        fprintf(stderr, "avrami: relay: %s\n", proto_revert_reason(m->p));
        exit(2);
    }
}

static void relay_fini(sim *m)
{
    rsim *v = S(m);
    if (!v)
        return;
    seat_state_free(&v->seat);
    free(v->deleg_acc);
    free(v->deleg_amount);
    free(v->deleg_income);
    free(v->acc_deleg);
    free(v);
    m->eds = NULL;
}

static int round_of(sim *m, const sim_req *r, uint64_t id)
{
    return seat_round_of(&S(m)->seat.req[r - m->req], id);
}

static relay_task_work work_of(const sim_req *r, const scn_task_kind *k)
{
    relay_task_work w = {.llm = k->type == PROTO_GPT, .vram_gb = k->vram_gb};
    if (w.llm) {
        w.config = k->bits; /* the dtype or quantization it runs in: a calibration key field */
        w.llm_input_bytes = (uint64_t)k->prompt_tokens * 4;
        w.llm_max_new_tokens = r->size;
    } else {
        w.sd_units = relay_sd_units(r->size, k->width ? k->width : 512, k->height ? k->height : 512,
                                    k->steps ? k->steps : 1);
    }
    return w;
}

static bool apply_create(sim *m, const sim_tx *tx, uint64_t now_s)
{
    rsim *v = S(m);
    sim_req *r = &m->req[tx->arg];
    rreq *q = &v->seat.req[tx->arg];
    const scn_task_kind *k = &m->s->apps[r->app].kinds[r->kind];
    if (relay_net_tasks(proto_relay(m->p)) + 3 >= m->cap_ids) {
        m->capacity_drops++;
        return false;
    }
    if (tx->round == 0) { /* the application's VRF: 1 in sample_mod */
        q->sampled = eng_rng_below(v->seat.r_sample, v->sample_mod) == 0;
        if (k->type == PROTO_GPT)
            q->gpu = node_pick_card_vram(m, v->seat.r_sample, k->vram_gb);
    }
    relay_ext a = {.fee = r->fee, .work = work_of(r, k), .model = m->model_of[m->kind_base[r->app] + r->kind],
                   .timeout_s = m->s->params.task_timeout_s,
                   .group = !q->sampled ? 0 : tx->round == 0 ? RELAY_EXT_GROUP_FIRST : q->id[0]};
    if (k->type == PROTO_GPT) {
        a.gpu_name = m->s->cards[q->gpu].name;
        a.gpu_vram = m->s->cards[q->gpu].vram_gb;
    }
    if (tx->round > 0 && !q->id[0])
        return false;
    if (!sim_proto_ext(m, now_s, m->app_acc[r->app], RELAY_OP_CREATE, &a))
        return false;
    return seat_created(m, q, tx, a.created);
}

/* The application asks for the abort of its open tasks, one per transaction. */
static bool apply_cancel_app(sim *m, const sim_tx *tx, uint64_t now_s)
{
    sim_req *r = &m->req[tx->arg];
    rreq *q = &S(m)->seat.req[tx->arg];
    int k = seat_cancel_next(m, q, tx);
    return k >= 0 && proto_cancel(m->p, now_s, m->app_acc[r->app], q->id[k]);
}

static bool relay_apply(sim *m, const sim_tx *tx, uint64_t now_s, bool *ok)
{
    uint8_t buf[8 * 4096];
    switch (tx->kind) {
    case TX_CREATE:
        *ok = apply_create(m, tx, now_s);
        return true;
    case TX_COMMIT: { /* the node's score: its result bytes */
        sim_req *r = sim_req_by_id(m, tx->arg);
        relay_ext a = {.task_id = tx->arg, .score = buf};
        a.score_len = node_result(m, tx->who, r, tx->round, buf, sizeof buf);
        *ok = sim_proto_ext(m, now_s, m->nodes[tx->who].acc, RELAY_OP_SUBMIT, &a);
        return true;
    }
    case TX_CANCEL_APP:
        *ok = apply_cancel_app(m, tx, now_s);
        return true;
    case TX_DISCLOSE:
        *ok = false;
        return true;
    default:
        return false; /* join, quit, pause, resume, upload, error, the node's cancel: the proto's */
    }
}

static double uniform(void *ctx) { return gsl_rng_uniform(ctx); }

static void relay_tick(sim *m)
{
    relay_ext a = {.uniform = uniform, .uniform_ctx = m->r_sel};
    uint64_t now_s = (uint64_t)(eng_now(m->e) / ENG_US_PER_S);
    bool ok = sim_proto_ext(m, now_s, PROTO_ACC_OWNER, RELAY_OP_TICK, &a);
    chain_offchain(m, ok);
}

/* After the create of task `round`: a sampled request's two extra tasks. */
static bool relay_app_created(sim *m, const sim_tx *tx, bool ok)
{
    rreq *q = &S(m)->seat.req[tx->arg];
    if (tx->round > 0)
        return true; /* an extra task: the request is the first task's */
    if (ok && q->sampled) {
        q->n_tasks = 3;
        sim_submit(m, TX_CREATE, m->req[tx->arg].app, tx->arg, 1);
        sim_submit(m, TX_CREATE, m->req[tx->arg].app, tx->arg, 2);
    }
    return false; /* the Helium application records the create */
}

/* What task k of a request paid (relay_net records each task's payment):
 * the operator's part is the node's income, the rest its delegator's
 * (relay_income_split; the dao's share is 0 in every edition). */
static void pay_task(sim *m, sim_req *r, const rreq *q, int k, bool group)
{
    rn_task_view tv;
    relay_net_task(proto_relay(m->p), (uint32_t)(q->id[k] - 1), &tv);
    /* a group's upload pays its valid members; a member aborted before (in
     * 2026 for want of validation) was paid, and booked, then */
    if (!tv.paid || (group && tv.status == RN_END_ABORTED))
        return;
    uint32_t node = r->nodes[k];
    seat_pay_split(m, r, node, tv.paid, tv.paid_operator);
    rsim *v = S(m);
    if (node != UINT32_MAX && v->deleg_income && tv.paid > tv.paid_operator &&
        !wei_add(v->deleg_income[node], tv.paid - tv.paid_operator, &v->deleg_income[node])) {
        fprintf(stderr, "avrami: a delegator's income overflows 128 bits\n");
        exit(2);
    }
}

/* Group payments: the paid task's upload pays every valid member its share. */
static void pay_group(sim *m, sim_req *r, const rreq *q)
{
    for (int k = 0; k < q->n_tasks; k++)
        pay_task(m, r, q, k, true);
}

static void relay_book(sim *m, const proto_event *ev, sim_req *r, uint32_t node, eng_time now)
{
    if (!r || ev->kind < PROTO_EV_VSS_QUEUED)
        return;
    rreq *q = &S(m)->seat.req[r - m->req];
    int k = round_of(m, r, ev->task_id);
    if (k < 0)
        return;
    /* a single task's upload pays its node; so does, in 2026, an abort for
     * want of the application's validation (the event's fee: what it paid) */
    if ((ev->kind == PROTO_EV_VSS_END_SUCCESS || ev->kind == PROTO_EV_VSS_END_ABORTED) && ev->fee)
        pay_task(m, r, q, k, false);
    else if (ev->kind == PROTO_EV_VSS_END_GROUP_SUCCESS)
        pay_group(m, r, q);
    /* under passive slashing an invalidation is a review: no slash */
    rn_node_view v;
    relay_net_node(proto_relay(m->p), r->nodes[k] != UINT32_MAX ? m->nodes[r->nodes[k]].acc : RN_NONE, &v);
    seat_book(m, q, ev, r, k, node, ev->reason, v.slashed, now);
}

static bool relay_observe(sim *m, const sim_obs *o)
{
    if (o->kind < PROTO_EV_VSS_QUEUED)
        return false; /* NodeSlashed, NodeKickedOut: the Helium agents' */
    sim_req *r = sim_req_by_id(m, o->task);
    if (!r)
        return true;
    rreq *q = &S(m)->seat.req[r - m->req];
    int k = round_of(m, r, o->task);
    if (k < 0)
        return true;
    uint32_t node = r->nodes[k];
    rn_node_view v;
    relay_net_node(proto_relay(m->p), node != UINT32_MAX ? m->nodes[node].acc : RN_NONE, &v);
    if (seat_observe(m, q, o, r, k, v.slashed))
        return true;
    if (o->kind == PROTO_EV_VSS_STARTED) /* the node fetches the parameters from the Relay and starts */
        seat_tell(m, o, PROTO_EV_TASK_STARTED, node, (uint8_t)k);
    return true;
}

/* relay-2026: node i's delegation (protocol.delegated_stake ..
 * delegated_stake_max), from an account of its own delegator that opens
 * with exactly it and stakes it at the node's first join. */
static void add_delegation(sim *m, uint32_t i)
{
    rsim *v = S(m);
    const proto_params *pp = &m->s->params;
    wei_t amount = agt_node_delegation(m->o.seed, m->o.replication, i, pp->delegated_stake, pp->delegated_stake_max);
    if (!amount)
        return;
    uint32_t acc = proto_add_account(m->p, amount);
    if (!wei_add(m->supply0, amount, &m->supply0)) { /* scn_limits bounds it: a bug if hit */
        fprintf(stderr, "avrami: the delegations overflow 128 bits of wei\n");
        exit(2);
    }
    if (acc >= v->n_acc_deleg) {
        uint32_t cap = 2 * acc + 16;
        uint32_t *a = realloc(v->acc_deleg, (size_t)cap * sizeof *a);
        if (!a) {
            fprintf(stderr, "avrami: out of memory\n");
            exit(2);
        }
        memset(a + v->n_acc_deleg, 0xff, (size_t)(cap - v->n_acc_deleg) * sizeof *a);
        v->acc_deleg = a;
        v->n_acc_deleg = cap;
    }
    v->acc_deleg[acc] = i;
    v->deleg_acc[i] = acc;
    v->deleg_amount[i] = amount;
    relay_ext a = {.stake = amount, .delegator = acc};
    if (!sim_proto_ext(m, 0, m->nodes[i].acc, RELAY_OP_DELEGATE, &a)) {
        fprintf(stderr, "avrami: relay: %s\n", proto_revert_reason(m->p));
        exit(2);
    }
}

/* A node's own stake (protocol.stake_max) and its delegation before its
 * first join. */
static void relay_node_added(sim *m, uint32_t i)
{
    const sim_node *n = &m->nodes[i];
    relay_ext a = {.stake = n->stake};
    if (n->stake != m->s->params.stake && !sim_proto_ext(m, 0, n->acc, RELAY_OP_STAKE, &a)) {
        fprintf(stderr, "avrami: relay: %s\n", proto_revert_reason(m->p));
        exit(2);
    }
    if (S(m)->deleg_acc)
        add_delegation(m, i);
}

wei_t relay_node_delegation(const sim *m, uint32_t i)
{
    const rsim *v = proto_relay(m->p) ? m->eds : NULL;
    return v && v->deleg_amount ? v->deleg_amount[i] : 0;
}

wei_t relay_delegator_income(const sim *m, uint32_t i)
{
    const rsim *v = proto_relay(m->p) ? m->eds : NULL;
    return v && v->deleg_income ? v->deleg_income[i] : 0;
}

/* What a delegator's delegation has locked: all of it from its node's first join. */
static wei_t deleg_locked(const sim *m, uint32_t i)
{
    proto_node_view nv;
    proto_node_get(m->p, m->nodes[i].acc, &nv);
    return nv.ever_joined ? S((sim *)m)->deleg_amount[i] : 0;
}

static const char *relay_account(const sim *m, uint32_t acc, wei_t *start, wei_t *locked, uint32_t *node)
{
    const rsim *v = m->eds;
    if (!v || acc >= v->n_acc_deleg || v->acc_deleg[acc] == UINT32_MAX)
        return NULL;
    uint32_t i = v->acc_deleg[acc];
    *node = i;
    *start = v->deleg_amount[i];
    *locked = deleg_locked(m, i);
    return "delegator";
}

/* Each delegator holds its delegation (staked or not yet) and what its
 * node's payments gave it. */
static bool relay_accounts_ok(const sim *m, char *detail, size_t cap)
{
    const rsim *v = m->eds;
    for (uint32_t i = 0; v && v->deleg_acc && i < m->n_nodes; i++) {
        if (v->deleg_acc[i] == UINT32_MAX)
            continue;
        wei_t have, want;
        if (!wei_add(proto_balance(m->p, v->deleg_acc[i]), deleg_locked(m, i), &have) ||
            !wei_add(v->deleg_amount[i], v->deleg_income[i], &want) || have != want) {
            snprintf(detail, cap, "accounts: the delegator of node %u holds other than its delegation + income", i);
            return false;
        }
    }
    return true;
}

static wei_t relay_escrow(sim *m) { return relay_edition_escrow(m->p); }

static wei_t relay_unsettled(sim *m, uint64_t id)
{
    rn_task_view tv;
    relay_net_task(proto_relay(m->p), (uint32_t)(id - 1), &tv);
    return tv.status < RN_END_SUCCESS ? tv.fee : 0;
}

static wei_t relay_req_escrow(sim *m, const sim_req *r)
{
    return seat_req_escrow(m, &S(m)->seat.req[r - m->req], relay_unsettled);
}

const sim_edition_agents relay_agents = {
    .app_created = relay_app_created,
    .observe = relay_observe,
    .tick = relay_tick,
    .tick_s = 2, /* relay_params.tick_s of each edition */
    .setup = relay_setup,
    .apply = relay_apply,
    .book = relay_book,
    .escrow_held = relay_escrow,
    .req_escrow = relay_req_escrow,
    .fini = relay_fini,
    .node_added = relay_node_added,
    .account = relay_account,
    .accounts_ok = relay_accounts_ok,
};
