/* What the agents of the one-seat editions share (vss: run/vss_agents.c;
 * the Relay: run/relay_agents.c): a request is one task, or a validation
 * group of three, and their events (PROTO_EV_VSS_*: the Relay keeps
 * VSSTask's task statuses) mean the same to the chain's bookkeeping and to
 * the Helium agents under both. */
#include "run/sim_internal.h"

#include <stdio.h>
#include <stdlib.h>

void seat_state_init(sim *m, seat_state *s)
{
    s->r_sample = eng_rng_new(m->o.seed, m->o.replication, ENG_RNG_SAMPLING);
    s->req = calloc(m->cap_req + 1, sizeof *s->req);
    if (!s->req || !s->r_sample) {
        fprintf(stderr, "avrami: out of memory\n");
        exit(2);
    }
}

void seat_state_free(seat_state *s)
{
    gsl_rng_free(s->r_sample);
    free(s->req);
}

wei_t seat_req_escrow(sim *m, const seat_req *q, wei_t (*unsettled)(sim *m, uint64_t id))
{
    wei_t held = 0;
    for (int k = 0; k < 3; k++)
        if (q->id[k])
            wei_accumulate(&held, unsettled(m, q->id[k]), "a request's escrow");
    return held;
}

bool seat_created(sim *m, seat_req *q, const sim_tx *tx, uint64_t id)
{
    q->id[tx->round] = id;
    m->id2req[id] = (uint32_t)tx->arg + 1;
    if (tx->round == 0) {
        m->req[tx->arg].id = id;
        q->n_tasks = 1;
    }
    return true;
}

int seat_round_of(const seat_req *q, uint64_t id)
{
    for (int k = 0; k < 3; k++)
        if (q->id[k] == id)
            return k;
    return -1;
}

void seat_pay(sim *m, sim_req *r, uint32_t node, wei_t fee)
{
    seat_pay_split(m, r, node, fee, fee);
}

void seat_pay_split(sim *m, sim_req *r, uint32_t node, wei_t fee, wei_t income)
{
    if (node == UINT32_MAX)
        return;
    wei_accumulate(&m->nodes[node].income, income, "a node's income");
    m->nodes[node].tasks++;
    for (int k = 0; k < 3; k++)
        if (r->nodes[k] == node) {
            wei_accumulate(&r->paid[k], fee, "a request's payments");
            break;
        }
}

void seat_book(sim *m, seat_req *q, const proto_event *ev, sim_req *r, int k, uint32_t node, uint8_t abort_reason,
               bool slashed, eng_time now)
{
    uint32_t tnode = r->nodes[k];
    switch (ev->kind) {
    case PROTO_EV_VSS_QUEUED:
        if (k == 0 && r->queued < 0)
            r->queued = now;
        break;
    case PROTO_EV_VSS_STARTED:
        if (node == UINT32_MAX)
            break;
        m->nodes[node].chain_task = ev->task_id;
        r->nodes[k] = node;
        if (r->started < 0) { /* the request starts with its first task to start */
            r->started = now;
            m->minute_started++;
        }
        break;
    case PROTO_EV_VSS_SCORE_READY:
    case PROTO_EV_VSS_ERROR_REPORTED:
        r->committed[k] = now;
        break;
    case PROTO_EV_VSS_VALIDATED:
        q->validated = 1;
        r->success = now;
        chain_finish(m, r, OUT_SUCCESS, 0, now);
        if (tnode != UINT32_MAX) { /* a fake accepted counts as won by its forgers */
            proto_event won = {.kind = PROTO_EV_TASK_SUCCESS, .task_id = ev->task_id};
            actors_book(m, &won, r, tnode);
        }
        break;
    case PROTO_EV_VSS_END_SUCCESS:
    case PROTO_EV_VSS_END_GROUP_SUCCESS:
        r->uploaded = now;
        app_req_changed(m, r);
        break;
    case PROTO_EV_VSS_END_INVALIDATED: /* slashed; a review (the Relay's passive slashing) is not */
        if (tnode != UINT32_MAX && slashed) {
            m->nodes[tnode].slashed++;
            m->slashes++;
            m->minute_slashes++;
        }
        break;
    default:
        break;
    }
    bool ends = ev->kind == PROTO_EV_VSS_END_SUCCESS || ev->kind == PROTO_EV_VSS_END_GROUP_SUCCESS ||
                ev->kind == PROTO_EV_VSS_END_GROUP_REFUND || ev->kind == PROTO_EV_VSS_END_INVALIDATED ||
                ev->kind == PROTO_EV_VSS_END_ABORTED;
    if (!ends)
        return;
    q->ended |= (uint8_t)(1u << k);
    if (tnode != UINT32_MAX)
        chain_release(m, r, tnode, now);
    if (!q->validated && q->ended == (1u << q->n_tasks) - 1)
        chain_finish(m, r, OUT_ABORTED,
                     ev->kind == PROTO_EV_VSS_END_ABORTED ? abort_reason : PROTO_ABORT_RESULT_ILLEGAL, now);
}

void seat_tell(sim *m, const sim_obs *o, uint8_t kind, uint32_t node, uint8_t round)
{
    sim_obs h = *o;
    h.kind = kind;
    h.node = node;
    h.round = round;
    app_observe(m, &h);
    node_observe(m, &h);
}

bool seat_observe(sim *m, seat_req *q, const sim_obs *o, sim_req *r, int k, bool slashed)
{
    uint32_t node = r->nodes[k];
    switch (o->kind) {
    case PROTO_EV_VSS_VALIDATED: /* the node uploads its result */
        seat_tell(m, o, PROTO_EV_TASK_SUCCESS, node, (uint8_t)k);
        return true;
    case PROTO_EV_VSS_END_SUCCESS:
    case PROTO_EV_VSS_END_GROUP_SUCCESS:
    case PROTO_EV_VSS_END_GROUP_REFUND:
        seat_tell(m, o, PROTO_EV_TASK_NODE_SUCCESS, node, (uint8_t)k);
        return true;
    case PROTO_EV_VSS_END_INVALIDATED: /* slashed: the node is out; reviewed: it goes on */
        seat_tell(m, o, slashed ? PROTO_EV_TASK_NODE_SLASHED : PROTO_EV_TASK_NODE_CANCELLED, node, (uint8_t)k);
        return true;
    case PROTO_EV_VSS_END_ABORTED:
        if (node != UINT32_MAX)
            seat_tell(m, o, PROTO_EV_TASK_NODE_CANCELLED, node, (uint8_t)k);
        if (r->outcome == OUT_ABORTED && !q->told) { /* resubmission, if the app does */
            q->told = 1;
            sim_obs h = *o;
            h.kind = PROTO_EV_TASK_ABORTED;
            h.task = r->id;
            app_observe(m, &h);
        }
        return true;
    default:
        return false;
    }
}

int seat_cancel_next(sim *m, const seat_req *q, const sim_tx *tx)
{
    int k = tx->round;
    while (k < q->n_tasks && (q->ended >> k & 1))
        k++;
    if (k >= q->n_tasks || !q->id[k])
        return -1;
    if (k + 1 < q->n_tasks)
        sim_submit(m, TX_CANCEL_APP, m->req[tx->arg].app, tx->arg, (uint8_t)(k + 1));
    return k;
}
