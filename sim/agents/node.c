/* Node agents: the honest node software of a card type, plus churn.
 *
 * Lifecycle of one task: see TaskStarted -> fetch the arguments from the
 * relay -> load the model (download it unless cached) -> execute -> commit;
 * on TaskResultCommitmentsReady disclose; if TaskSuccess names this node,
 * upload the result to the relay and report it.  A node that waits too long
 * on others cancels the task itself.
 *
 * The node profile (agents/profile.h) says which models are on disk at
 * join, how many stay there, whether a model stays in VRAM between tasks,
 * and when a node cancels a stuck task.
 *
 * Churn: nodes join over time, pause and resume, quit, or vanish without
 * telling the chain (they stay "available" there and stall the tasks they
 * are given until someone cancels them). */
#include "run/sim_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "agents/agt_behaviour.h"
#include "agents/profile.h"

static eng_time us(double s) { return eng_round(s * 1e6); }

uint32_t node_pick_card(sim *m)
{
    double x = gsl_rng_uniform(m->r_setup);
    for (uint32_t i = 0; i < m->s->n_mix; i++) {
        if (x < m->s->mix[i].share)
            return m->s->mix[i].card;
        x -= m->s->mix[i].share;
    }
    return m->s->mix[m->s->n_mix - 1].card;
}

uint32_t node_pick_card_vram(sim *m, gsl_rng *r, uint32_t vram)
{
    double total = 0;
    for (uint32_t c = 0; c < m->s->n_mix; c++)
        if (m->s->cards[m->s->mix[c].card].vram_gb >= vram)
            total += m->s->mix[c].share;
    double x = gsl_rng_uniform(r) * total;
    for (uint32_t c = 0; c < m->s->n_mix; c++)
        if (m->s->cards[m->s->mix[c].card].vram_gb >= vram) {
            if (x < m->s->mix[c].share)
                return m->s->mix[c].card;
            x -= m->s->mix[c].share;
        }
    return m->s->mix[0].card;
}

/* network.card_allocation "exact": the time-0 nodes split across the mix by
 * largest remainders (Hamilton), so 300 nodes at 15% give exactly 45; they
 * join interleaved (each next node of the card furthest behind its count),
 * so no card joins as a block ahead of the others.  No random draw. */
void node_new_exact_mix(sim *m)
{
    const scn *s = m->s;
    uint32_t n = s->n_mix, *count = calloc(n, sizeof *count), *done = calloc(n, sizeof *done);
    double *rest = calloc(n, sizeof *rest);
    uint64_t given = 0;
    for (uint32_t k = 0; k < n; k++) {
        double q = s->mix[k].share * s->nodes;
        count[k] = (uint32_t)floor(q);
        rest[k] = q - count[k];
        given += count[k];
    }
    for (; given < s->nodes; given++) { /* the largest remainders, ties by order */
        uint32_t best = 0;
        for (uint32_t k = 1; k < n; k++)
            if (rest[k] > rest[best])
                best = k;
        count[best]++;
        rest[best] = -1;
    }
    for (uint32_t i = 0; i < s->nodes; i++) {
        uint32_t pick = n;
        for (uint32_t k = 0; k < n; k++)
            if (done[k] < count[k] &&
                (pick == n || (uint64_t)done[k] * count[pick] < (uint64_t)done[pick] * count[k]))
                pick = k;
        done[pick]++;
        node_new(m, s->mix[pick].card, 0);
    }
    free(count);
    free(done);
    free(rest);
}

void node_new(sim *m, uint32_t card, eng_time now)
{
    (void)now;
    node_new_actor(m, card, 0);
}

const scn_behaviour *node_behaviour(const sim *m, const sim_node *n)
{
    return n->actor ? &m->s->behaviours[n->actor - 1] : NULL;
}

uint32_t node_chain_card(const sim *m, const sim_node *n)
{
    const scn_behaviour *b = node_behaviour(m, n);
    return b && b->kind == SCN_BEH_CARD_LIAR ? (uint32_t)b->claims : n->card;
}

size_t node_result(sim *m, uint32_t node, const sim_req *r, uint8_t round, uint8_t *out, size_t cap)
{
    const sim_node *n = &m->nodes[node];
    const scn_task_kind *k = &m->s->apps[r->app].kinds[r->kind];
    if (round < 3 && (r->fake >> round & 1))
        return agt_fake_result(r->id, k->type, r->size, agt_forger(node_behaviour(m, n), n->actor, node),
                               out, cap);
    /* the task's other cards matter only where sd results diverge by card
     * pair (agt_card_result): read their nodes' records only then, as
     * they are seldom in cache */
    uint32_t cards[3] = {UINT32_MAX, UINT32_MAX, UINT32_MAX};
    if (k->type == PROTO_SD && m->s->sd_pair)
        for (int j = 0; j < 3; j++)
            cards[j] = r->nodes[j] != UINT32_MAX ? m->nodes[r->nodes[j]].card : UINT32_MAX;
    return agt_card_result(r->id, k->type, r->size, n->card, cards, m->s->sd_pair, m->s->n_cards, out, cap);
}

/* The models on disk at join: the node profile's list (those of them the
 * scenario's tasks use, in the list's order), or else the scenario's first
 * model_cache models.  O(models × kinds), once per join. */
static void preload(sim *m, sim_node *n)
{
    const scn *s = m->s;
    uint32_t cap = s->model_cache < CACHE_MAX ? s->model_cache : CACHE_MAX;
    if (!s->preloaded) {
        while (n->ncache < cap && n->ncache < m->n_models) {
            n->cache[n->ncache] = n->ncache;
            n->ncache++;
        }
        return;
    }
    for (uint32_t p = 0; p < s->n_preloaded && n->ncache < cap; p++) {
        int32_t id = -1;
        for (uint32_t a = 0; a < s->n_apps && id < 0; a++)
            for (uint32_t k = 0; k < s->apps[a].n_kinds && id < 0; k++)
                if (!strcmp(s->apps[a].kinds[k].model, s->preloaded[p]))
                    id = m->model_of[m->kind_base[a] + k];
        bool dup = false;
        for (uint32_t j = 0; j < n->ncache; j++)
            dup = dup || n->cache[j] == id;
        if (id >= 0 && !dup)
            n->cache[n->ncache++] = (uint16_t)id;
    }
}

void node_new_actor(sim *m, uint32_t card, uint32_t actor)
{
    if (m->n_nodes == m->cap_nodes) {
        m->joins_refused++;
        return;
    }
    uint32_t i = m->n_nodes++;
    sim_node *n = &m->nodes[i];
    n->stake = agt_node_stake(m->o.seed, m->o.replication, i, m->s->params.stake, m->s->params.stake_max);
    n->acc = proto_add_account(m->p, n->stake);
    wei_accumulate(&m->supply0, n->stake, "the nodes' stakes"); /* scn_limits bounds it */
    m->acc2node[n->acc] = i;
    if (i == 0)
        m->acc0 = n->acc;
    m->acc_sparse = m->acc_sparse || n->acc != m->acc0 + i;
    if (m->ag.node_added)
        m->ag.node_added(m, i);
    n->card = (uint16_t)card;
    n->actor = (uint8_t)actor;
    n->st = NS_JOINING;
    n->joined = n->left = -1;
    const scn_behaviour *b = node_behaviour(m, n);
    if (b && b->kind == SCN_BEH_VANISH) {
        eng_time at = eng_round(b->vanish_at_s * 1e6);
        eng_at(m->e, at > eng_now(m->e) ? at : eng_now(m->e), EV_NODE_VANISH, i, 0);
    }
    /* node software fetches its base models before it joins */
    if (m->s->preload_models)
        preload(m, n);
    sim_submit(m, TX_JOIN, i, 0, 0);
}

static bool alive(const sim_node *n) { return n->st != NS_LEFT && n->st != NS_VANISHED; }

static void schedule_pause(sim *m, uint32_t i)
{
    if (m->s->pause_rate_per_h > 0)
        eng_after(m->e, 1 + eng_rng_exp_us(m->r_churn, 3600.0 / m->s->pause_rate_per_h),
                  EV_NODE_PAUSE, i, 0);
}

static void schedule_quit(sim *m, uint32_t i, eng_time delay)
{
    if (m->s->quit_rate_per_h > 0)
        eng_after(m->e, delay ? delay : 1 + eng_rng_exp_us(m->r_churn, 3600.0 / m->s->quit_rate_per_h),
                  EV_NODE_QUIT, i, 0);
}

/* The node's timers' generation (sim.node_gen): a timer set under an older
 * one is stale (sim_node_timer_live). */
static uint32_t *gen_of(sim *m, const sim_node *n) { return &m->node_gen[n - m->nodes]; }

static void clear_task(sim *m, sim_node *n)
{
    n->nflags &= (uint8_t)~NF_DEADLINE;
    n->task = 0;
    n->phase = PH_IDLE;
    (*gen_of(m, n))++; /* pending execution/upload/timeout timers are now stale */
}

static void check_left(sim *m, sim_node *n)
{
    if (n->st != NS_QUITTING)
        return;
    proto_node_view v;
    proto_node_get(m->p, n->acc, &v);
    if (v.status == PROTO_NODE_QUIT) {
        n->st = NS_LEFT;
        n->left = eng_now(m->e);
        n->why = LW_QUIT;
    }
}

/* Model cache: most recent first, O(CACHE_MAX).  Returns whether the model
 * had to be downloaded. */
static bool touch_model(sim *m, sim_node *n, uint16_t model)
{
    uint32_t cap = m->s->model_cache < CACHE_MAX ? m->s->model_cache : CACHE_MAX;
    uint32_t at = n->ncache;
    for (uint32_t i = 0; i < n->ncache; i++)
        if (n->cache[i] == model)
            at = i;
    bool miss = at == n->ncache;
    if (miss) {
        if (n->ncache < cap)
            n->ncache++;
        at = n->ncache - 1;
    }
    for (uint32_t i = at; i > 0; i--)
        n->cache[i] = n->cache[i - 1];
    n->cache[0] = model;
    return miss;
}

/* Seconds until a node that first asks now has the task's arguments, or
 * -1 when it gives up first.  The bridge's two loops put them on the relay
 * at the create's block + U1 + U2, Uk uniform in [0, args_upload_s), drawn
 * from the task id (the same for the task's three nodes, no stream moved). */
static double args_wait(sim *m, const sim_req *r)
{
    double period = m->s->apps[r->app].args_upload_s;
    if (period <= 0)
        return 0;
    uint64_t h = agt_mix64(r->id);
    double u = (double)(h >> 32) / 4294967296.0 + (double)(h & 0xffffffffu) / 4294967296.0;
    double late = (double)(r->created - eng_now(m->e)) / 1e6 + u * period;
    double w = agt_args_wait_s(late, m->s->args_retry);
    if (w > 0) {
        m->fx.args_wait_s += w;
        m->fx.args_waits++;
    }
    return w;
}

/* A uniform in [0, 1) from (task, node, what): the same for every run of
 * the scenario, and no random stream moves, so scenarios without failures
 * run exactly as before. */
static double fate_u(const sim *m, const sim_req *r, uint32_t node, uint64_t what)
{
    uint64_t h = agt_mix64(r->id * 0x9e3779b97f4a7c15ull ^ agt_mix64(sim_node_acc(m, node) + (what << 40)));
    return (double)(h >> 11) * 0x1.0p-53;
}

/* Transient failures before the try that runs: the arguments' fetch fails
 * with relay.fetch_failure_prob, a download (when the model is not on
 * disk) with network.download_failure_prob; either fails the whole try,
 * which the node's task system reruns later (agt_runner_retry_s). */
static uint32_t transient_failures(const sim *m, const sim_req *r, uint32_t node, bool download)
{
    double ok = 1 - m->s->fetch_failure_prob;
    if (download)
        ok *= 1 - m->s->download_failure_prob;
    return agt_failed_tries(1 - ok, fate_u(m, r, node, 1));
}

/* The node's own deadline: cancel the task if it is still held up then. */
static void arm_timeout(sim *m, uint32_t i)
{
    sim_line_push(m, 0, eng_now(m->e) + us(m->s->node_cancel_after_s), EV_NODE_TIMEOUT, i, m->node_gen[i]);
}

/* The node stops short of a commitment: it reports the error at `after`
 * seconds from now, or (report false) waits for its timeout. */
static void fail_task(sim *m, uint32_t i, int cause, bool report, double after)
{
    sim_node *n = &m->nodes[i];
    m->fx.failed[cause]++;
    n->phase = report ? PH_FAILING : PH_STUCK;
    if (report)
        eng_after(m->e, us(after), EV_NODE_DONE, i, *gen_of(m, n));
    arm_timeout(m, i);
}

static void start_work(sim *m, uint32_t i, const sim_obs *o)
{
    sim_node *n = &m->nodes[i];
    sim_req *r = sim_req_by_id(m, o->task);
    const scn_task_kind *k = &m->s->apps[r->app].kinds[r->kind];
    (*gen_of(m, n))++;
    n->task = o->task;
    n->round = o->round;
    n->phase = PH_WORKING;
    n->nflags &= (uint8_t)~NF_DEADLINE;
    const scn_behaviour *b = node_behaviour(m, n);
    uint32_t own = 0; /* the task's nodes of its actor: only a behaviour asks */
    for (int j = 0; b && j < 3; j++)
        own += r->nodes[j] != UINT32_MAX && m->nodes[r->nodes[j]].actor == n->actor;
    n->action = (uint8_t)agt_behaviour_action(b, own, m->r_att);
    if (n->action == AGT_SILENT) { /* goes dark for this task: no commit, no cancel */
        n->silences++;
        return;
    }
    double t = agt_transfer_s(k->args_kb, m->s->relay_mbps, m->s->relay_latency_s);
    double wait = args_wait(m, r);
    if (wait < 0) { /* stopped asking the relay: no commit; cancels at its timeout */
        m->fx.args_given_up++;
        n->phase = PH_STUCK;
        arm_timeout(m, i);
        return;
    }
    t += wait;
    uint16_t model = m->model_of[m->kind_base[r->app] + r->kind];
    if (n->action == AGT_FAKE) { /* the work is skipped */
        r->fake |= (uint8_t)(1u << n->round);
        n->fakes++;
        eng_after(m->e, us(t), EV_NODE_DONE, i, *gen_of(m, n));
        arm_timeout(m, i);
        return;
    }
    /* The real software's failures (docs/profiles.md "When a task fails"):
     * a model the hub does not have fails every try ("Task model invalid",
     * which the node's match_error does not report), so the node retries
     * until its timeout; a transient failure costs the retry's wait. */
    if (k->model_missing) {
        fail_task(m, i, FAIL_MODEL_MISSING, false, 0);
        return;
    }
    uint32_t tries = 0;
    if (m->s->fetch_failure_prob > 0 || m->s->download_failure_prob > 0) {
        bool cached = false;
        for (uint32_t j = 0; j < n->ncache && !cached; j++)
            cached = n->cache[j] == model;
        tries = transient_failures(m, r, i, !cached);
    }
    if (tries) {
        double lost = agt_runner_retry_s(tries);
        if (lost >= m->s->node_cancel_after_s) {
            fail_task(m, i, FAIL_RETRIES_PAST_DEADLINE, false, 0);
            return;
        }
        m->fx.retried++;
        m->fx.retry_s += lost;
        t += lost;
    }
    /* a node that runs each task in a fresh process loads the model
     * from disk every time */
    bool resident = m->s->keep_model_loaded && n->ncache > 0 && n->cache[0] == model;
    agt_fate fate = {0};
    agt_work w = {k, r->size, &m->s->cards[n->card], resident, &fate};
    double exec = m->timing.exec_s(m->timing.ctx, &w, m->r_exec) * agt_behaviour_exec_factor(b);
    if (fate.fail == TIM_FAIL_QUANT_NO_CUDA) { /* refused before the download: reported */
        fail_task(m, i, FAIL_QUANT_NO_CUDA, true, t + exec);
        return;
    }
    double work = 0;
    if (touch_model(m, n, model)) {
        double dl = k->model_size_mb * 8.0 / m->s->download_mbps;
        m->fx.download_s += dl;
        m->fx.downloads++;
        work += dl;
    }
    work += exec;
    if (fate.fail == TIM_FAIL_QUANT_OFFLOAD) { /* "Task execution error": reported */
        fail_task(m, i, FAIL_QUANT_OFFLOAD, true, t + work);
        return;
    }
    if (fate.fail == TIM_FAIL_OOM) { /* re-raised as it is: not reported, every retry the same */
        fail_task(m, i, FAIL_OOM, false, 0);
        return;
    }
    if (fate.offload_gb > 0) {
        m->fx.offloaded++;
        m->fx.offload_work_s += exec;
        m->fx.offload_copy_s += fate.offload_s;
    }
    m->fx.kind_work_s[m->kind_base[r->app] + r->kind] += work;
    m->fx.kind_works[m->kind_base[r->app] + r->kind]++;
    t += work;
    eng_after(m->e, us(t), EV_NODE_DONE, i, *gen_of(m, n));
    arm_timeout(m, i);
}

/* A fresh identity for a node that was slashed, kicked out or (with its
 * behaviour's "rejoin") timed a task out: its operator registers again at
 * once, same card, same behaviour. */
static bool wants_rejoin(const sim *m, const sim_node *n)
{
    const scn_behaviour *b = node_behaviour(m, n);
    return b ? b->rejoin : m->s->honest_rejoin;
}

static void rejoin(sim *m, sim_node *n)
{
    if (n->nflags & NF_REJOINED)
        return;
    n->nflags |= NF_REJOINED;
    node_new_actor(m, n->card, n->actor);
}

/* A node that let its task time out leaves under this identity and comes
 * back as a fresh one (score reset, never kicked out), when its behaviour
 * says "rejoin". */
static void leave_after_timeout(sim *m, uint32_t i)
{
    sim_node *n = &m->nodes[i];
    if (n->action != AGT_SILENT || !n->actor || !wants_rejoin(m, n) || n->st != NS_ON)
        return;
    n->st = NS_QUITTING;
    sim_submit(m, TX_QUIT, i, 0, 0);
    rejoin(m, n);
}

/* TaskAborted before the node's commitment (crynux-node 0d48999
 * src/crynux_server/task/task_runner.py task_aborted: status Pending or
 * Executing): it reports an error "to avoid being slashed".  A node whose
 * deadline has passed has cancelled and ended its task runner (TaskRunner.run:
 * TimeoutError, cancel_task, cleanup unwatches TaskAborted): it sends
 * nothing more.  node-2024-03
 * sends it whatever the chain holds (a task aborted by a cancel has let
 * its nodes go, and the report reverts); the generic node only while the
 * chain still holds it in the task (an abort by error reports keeps the
 * nodes that had not yet submitted).  After its commitment the real node
 * sleeps to the deadline and then cancels, which only reverts (a
 * committed node of an error-reported abort is slashed at once): not sent
 * here. */
static void report_on_abort(sim *m, uint32_t i)
{
    sim_node *n = &m->nodes[i];
    if (!alive(n) || n->action == AGT_SILENT || (n->nflags & NF_DEADLINE) ||
        (n->phase != PH_WORKING && n->phase != PH_FAILING && n->phase != PH_STUCK))
        return;
    if (!m->s->node_profile->report_error_on_abort) {
        proto_node_view v;
        proto_node_get(m->p, n->acc, &v);
        if (v.current_task != n->task)
            return;
    }
    m->fx.abort_reports++;
    sim_submit(m, TX_REPORT_ERROR, i, n->task, n->round);
}

void node_observe(sim *m, const sim_obs *o)
{
    sim_node *n = o->node != UINT32_MAX ? &m->nodes[o->node] : NULL;
    switch (o->kind) {
    case PROTO_EV_TASK_STARTED:
        if (n && alive(n))
            start_work(m, o->node, o);
        break;
    case PROTO_EV_COMMITMENTS_READY: {
        sim_req *r = sim_req_by_id(m, o->task);
        for (int k = 0; k < 3; k++) {
            if (r->nodes[k] == UINT32_MAX)
                continue;
            sim_node *x = &m->nodes[r->nodes[k]];
            if (alive(x) && x->task == o->task && x->phase == PH_COMMITTED) {
                x->phase = PH_DISCLOSED;
                sim_submit(m, TX_DISCLOSE, r->nodes[k], o->task, x->round);
            }
        }
        break;
    }
    case PROTO_EV_TASK_SUCCESS:
        if (n && alive(n) && n->task == o->task) {
            sim_req *r = sim_req_by_id(m, o->task);
            const scn_task_kind *k = &m->s->apps[r->app].kinds[r->kind];
            n->phase = PH_UPLOADING;
            double t = agt_transfer_s(k->result_kb_per_unit * r->size, m->s->relay_mbps,
                                      m->s->relay_latency_s);
            eng_after(m->e, us(t), EV_NODE_UPLOAD, o->node, *gen_of(m, n));
        }
        break;
    case PROTO_EV_TASK_NODE_SUCCESS:
    case PROTO_EV_TASK_NODE_SLASHED:
    case PROTO_EV_TASK_NODE_CANCELLED:
        if (n && n->task == o->task) {
            leave_after_timeout(m, o->node);
            clear_task(m, n);
        }
        if (n)
            check_left(m, n);
        break;
    case PROTO_EV_TASK_ABORTED: {
        sim_req *r = sim_req_by_id(m, o->task);
        for (int k = 0; k < 3; k++)
            if (r->nodes[k] != UINT32_MAX && m->nodes[r->nodes[k]].task == o->task) {
                report_on_abort(m, r->nodes[k]);
                leave_after_timeout(m, r->nodes[k]);
                clear_task(m, &m->nodes[r->nodes[k]]);
            }
        break;
    }
    case PROTO_EV_NODE_KICKED_OUT:
    case PROTO_EV_NODE_SLASHED:
        if (n && alive(n)) {
            clear_task(m, n);
            n->st = NS_LEFT;
            if (wants_rejoin(m, n))
                rejoin(m, n);
        }
        break;
    case PROTO_EV_TASK_PENDING:
    case PROTO_EV_TASK_RESULT_UPLOADED:
        /* nothing: SIM_OBS_IGNORED, so the chain does not queue them */
        break;
    }
}

void node_event(sim *m, const eng_ev *ev)
{
    sim_node *n = &m->nodes[ev->a];
    switch (ev->kind) {
    case EV_NODE_DONE:
        if (sim_node_timer_live(m, ev) && alive(n) && n->phase == PH_WORKING) {
            n->phase = PH_COMMITTED;
            sim_submit(m, TX_COMMIT, ev->a, n->task, n->round);
        } else if (sim_node_timer_live(m, ev) && alive(n) && n->phase == PH_FAILING) {
            n->phase = PH_REPORTED;
            m->fx.errors_reported++;
            sim_submit(m, TX_REPORT_ERROR, ev->a, n->task, n->round);
        }
        break;
    case EV_NODE_UPLOAD:
        if (sim_node_timer_live(m, ev) && alive(n) && n->phase == PH_UPLOADING)
            sim_submit(m, TX_UPLOADED, ev->a, n->task, n->round);
        break;
    case EV_NODE_TIMEOUT:
        /* still held up by the others: cancel (allowed once the chain's
         * timeout has passed; node_cancel_after_s leaves a margin) */
        if (sim_node_timer_live(m, ev) && alive(n) && n->task) {
            n->nflags |= NF_DEADLINE;
            sim_submit(m, TX_CANCEL_NODE, ev->a, n->task, 0);
        }
        break;
    case EV_NODE_PAUSE:
        if (n->st == NS_ON) {
            n->st = NS_PAUSING;
            sim_submit(m, TX_PAUSE, ev->a, 0, 0);
        }
        break;
    case EV_NODE_RESUME:
        if (n->st == NS_PAUSED) {
            proto_node_view v;
            proto_node_get(m->p, n->acc, &v);
            if (v.status == PROTO_NODE_PAUSED)
                sim_submit(m, TX_RESUME, ev->a, 0, 0);
            else if (v.status == PROTO_NODE_PENDING_PAUSE) /* still finishing a task */
                eng_after(m->e, 30 * ENG_US_PER_S, EV_NODE_RESUME, ev->a, 0);
        }
        break;
    case EV_NODE_VANISH:
        if (alive(n)) {
            n->st = NS_VANISHED;
            n->why = LW_VANISHED;
            n->left = eng_now(m->e);
            (*gen_of(m, n))++;
        }
        break;
    case EV_NODE_QUIT:
        if (n->st == NS_ON || n->st == NS_PAUSED) {
            if (gsl_rng_uniform(m->r_churn) < m->s->vanish_prob) {
                n->st = NS_VANISHED;
                n->why = LW_VANISHED;
                n->left = eng_now(m->e);
                (*gen_of(m, n))++;
            } else {
                n->st = NS_QUITTING;
                sim_submit(m, TX_QUIT, ev->a, 0, 0);
            }
        } else if (alive(n)) {
            schedule_quit(m, ev->a, 60 * ENG_US_PER_S); /* mid-transition: try again soon */
        }
        break;
    }
}

void node_tx_result(sim *m, const sim_tx *tx, bool ok)
{
    sim_node *n = &m->nodes[tx->who];
    eng_time now = eng_now(m->e);
    switch (tx->kind) {
    case TX_JOIN:
        if (ok) {
            n->st = NS_ON;
            n->joined = now;
            if (!n->actor) { /* churn is the honest home users'; behaviours keep their nodes on */
                schedule_pause(m, tx->who);
                schedule_quit(m, tx->who, 0);
            }
        } else {
            n->st = NS_LEFT;
            n->why = LW_JOIN_FAILED;
            n->left = now;
        }
        break;
    case TX_PAUSE:
        if (n->st != NS_PAUSING)
            break;
        if (ok) {
            n->st = NS_PAUSED;
            eng_after(m->e, 1 + eng_rng_exp_us(m->r_churn, m->s->pause_mean_s), EV_NODE_RESUME,
                      tx->who, 0);
        } else {
            n->st = NS_ON;
            schedule_pause(m, tx->who);
        }
        break;
    case TX_RESUME:
        if (n->st != NS_PAUSED)
            break;
        if (ok) {
            n->st = NS_ON;
            schedule_pause(m, tx->who);
        } else {
            eng_after(m->e, 30 * ENG_US_PER_S, EV_NODE_RESUME, tx->who, 0);
        }
        break;
    case TX_QUIT:
        if (ok)
            check_left(m, n);
        else if (n->st == NS_QUITTING)
            n->st = NS_ON;
        break;
    default:
        break;
    }
}
