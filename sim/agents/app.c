/* Application agents: submit tasks on their arrival process, cancel a task
 * that has not finished after cancel_after_s, and resubmit a task the
 * network aborted (up to max_resubmits times).  An application's profile
 * (agents/profile.h) can turn cancelling and resubmitting off, limit the
 * creates per client id, set the fee per unit of cap, and give a create
 * up when its transaction is not confirmed in time. */
#include "run/sim_internal.h"

#include <stdlib.h>
#include <string.h>

#include "util/stable.h"

/* requests whose pages are asked for together (1.9 MB; a million
 * requests fill 240 MB, 58,600 faults of a page each) */
#define REQ_CHUNK 8192u

uint64_t app_new_request(sim *m, uint32_t app, uint32_t kind, uint32_t size, wei_t fee, int32_t parent)
{
    if (m->n_req == m->cap_req) {
        m->capacity_drops++;
        return UINT64_MAX;
    }
    uint64_t i = m->n_req++;
    sim_req *r = &m->req[i];
    if (i % REQ_CHUNK == 0) /* the next chunk's pages in one call, not a fault each */
        stable_populate(r, (m->cap_req - i < REQ_CHUNK ? m->cap_req - i : REQ_CHUNK) * sizeof *r);
    const scn_task_kind *k = &m->s->apps[app].kinds[kind];
    memset(r, 0, sizeof *r);
    r->app = (uint16_t)app;
    r->kind = (uint16_t)kind;
    r->size = size;
    r->fee = fee;
    /* an edition whose contract sets the fee (Hydrogen: taskFeePerNode per
     * seat) charges that, whatever the application would offer; on
     * overflow the contract's own multiplication reverts the create */
    wei_t fixed;
    if (m->ed->fixed_fee && wei_mul(m->s->params.task_fee_per_node, m->ed->seats, &fixed))
        r->fee = fixed;
    r->cap = agt_cap_s(k, size);
    r->created = eng_now(m->e);
    r->queued = r->started = r->commits = r->success = r->uploaded = r->finished = -1;
    for (int j = 0; j < 3; j++) {
        r->nodes[j] = UINT32_MAX;
        r->freed[j] = r->committed[j] = r->disclosed[j] = -1;
    }
    r->parent = parent;
    sim_submit(m, TX_CREATE, app, i, 0);
    if (m->s->apps[app].cancel_after_s)
        sim_line_push(m, 1 + app, eng_now(m->e) + (eng_time)m->s->apps[app].cancel_after_s * ENG_US_PER_S,
                      EV_APP_CANCEL, 0, i);
    return i;
}

void app_arrival(sim *m, uint32_t a)
{
    const scn_app *app = &m->s->apps[a];
    uint32_t kind = agt_pick_kind(app, m->r_beh);
    const scn_task_kind *k = &app->kinds[kind];
    uint32_t size = agt_pick_size(k, m->r_beh);
    wei_t fee = agt_draw_fee(k, m->r_fee);
    /* a fee per unit of cap (the bridge from 2024-05-24: per image); the
     * scenario check made sure that fee × the largest cap fits */
    if (k->fee_per_cap && !wei_mul(fee, agt_cap_s(k, size), &fee))
        abort();
    if (effects_rate_allows(m, a))
        app_new_request(m, a, kind, size, fee, -1);
    eng_time t = agt_next_arrival(app, m->r_arr, eng_now(m->e), &m->csv_next[a]);
    if (t <= m->end)
        eng_at(m->e, t, EV_ARRIVAL, a, 0);
}

/* Nothing for the application to cancel: the task is over (rejected,
 * aborted, or succeeded with its result uploaded: a success whose result
 * never reached the relay is cancelled like a stuck task), or the bridge
 * gave it up and forgot it.  Once true, true for good. */
static bool over_for_app(const sim_req *r)
{
    return r->outcome == OUT_REJECTED || r->outcome == OUT_ABORTED || (r->flags & RF_ABANDONED) ||
           (r->outcome == OUT_SUCCESS && r->uploaded >= 0);
}

void app_req_changed(sim *m, const sim_req *r)
{
    if (over_for_app(r)) {
        uint64_t i = (uint64_t)(r - m->req);
        m->req_over[i / 64] |= 1ull << (i % 64);
    }
}

void app_cancel_timer(sim *m, uint64_t i)
{
    if (m->req_over[i / 64] >> (i % 64) & 1)
        return;
    sim_req *r = &m->req[i];
    if (over_for_app(r))
        return;
    if (!r->id) { /* creation still on its way */
        eng_after(m->e, 10 * ENG_US_PER_S, EV_APP_CANCEL, 0, i);
        return;
    }
    sim_submit(m, TX_CANCEL_APP, r->app, i, 0);
}

void app_tx_result(sim *m, const sim_tx *tx, bool ok)
{
    sim_req *r = &m->req[tx->arg];
    eng_time now = eng_now(m->e);
    if (tx->kind == TX_CREATE) {
        const scn_app *app = &m->s->apps[r->app];
        /* r->created still holds when the create was sent */
        if (app->create_confirm_s > 0 && now - r->created > (eng_time)(app->create_confirm_s * 1e6)) {
            r->flags |= RF_ABANDONED;
            m->fx.abandoned[r->app]++;
            app_req_changed(m, r);
        }
        /* a reverted create is created and finished by the same block, as
         * the time series counts it (`check` recounts both from the rows) */
        r->created = now;
        m->minute_created++;
        if (!ok) {
            r->outcome = OUT_REJECTED;
            r->reason = m->last_reason;
            r->finished = now;
            m->minute_finished++;
            app_req_changed(m, r);
        }
        return;
    }
    /* a cancel that came too early: try again once the chain's deadline
     * has certainly passed */
    if (!ok && r->outcome != OUT_ABORTED && r->started >= 0 &&
        !strcmp(proto_revert_reason(m->p), "Task has not exceeded the deadline yet")) {
        eng_time at = r->started + (eng_time)(m->s->params.task_timeout_s + 1) * ENG_US_PER_S +
                      2 * m->block_us;
        eng_at(m->e, at > now ? at : now + m->block_us, EV_APP_CANCEL, 0, tx->arg);
    }
}

void app_observe(sim *m, const sim_obs *o)
{
    if (o->kind != PROTO_EV_TASK_ABORTED)
        return;
    sim_req *r = sim_req_by_id(m, o->task);
    uint64_t i = (uint64_t)(r - m->req);
    const scn_app *app = &m->s->apps[r->app];
    if (r->outcome != OUT_ABORTED || !app->resubmit || r->resubmits >= app->max_resubmits ||
        (r->flags & RF_ABANDONED))
        return;
    uint64_t j = app_new_request(m, r->app, r->kind, r->size, r->fee, (int32_t)i);
    if (j != UINT64_MAX) {
        m->req[j].resubmits = (uint8_t)(r->resubmits + 1);
        m->resubmits++;
    }
}
