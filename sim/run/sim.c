/* The simulation loop: setup, dispatch of engine events, delay lines, the
 * per-minute time series, invariants, and teardown.  The chain is in
 * chain.c, the agents in ../agents/node.c and app.c, the outputs in report.c. */
#include "run/sim_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/stable.h"

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static eng_time us(double s) { return eng_round(s * 1e6); }

void sim_line_push(sim *m, uint32_t id, eng_time t, uint32_t kind, uint32_t a, uint64_t b)
{
    sim_line *l = &m->lines[id];
    if (l->len == l->cap)
        l->ring = sim_grow_ring(l->ring, &l->head, l->len, &l->cap, sizeof *l->ring);
    l->ring[(l->head + l->len++) & (l->cap - 1)] = (eng_ev){t, kind, a, b};
    if (!l->armed) {
        l->armed = true;
        eng_at(m->e, t, EV_LINE, id, 0);
    }
}

static void dispatch(sim *m, const eng_ev *ev);

/* An application's cancel timers fire in the order of their requests, long
 * after each was created: the next one's request record is requested when
 * this one fires, a task or so before it is read (a hint only). */
static void line_prefetch_next(const sim *m, uint32_t id, const sim_line *l)
{
    if (id == 0 || !l->len)
        return;
    uint64_t i = l->ring[l->head].b;
    if (m->req_over[i / 64] >> (i % 64) & 1)
        return; /* its timer will not read the record */
    const char *r = (const char *)&m->req[i];
    __builtin_prefetch(r + offsetof(sim_req, uploaded));
    __builtin_prefetch(r + offsetof(sim_req, outcome));
}

static void line_fire(sim *m, uint32_t id)
{
    sim_line *l = &m->lines[id];
    eng_time now = eng_now(m->e);
    while (l->len && l->ring[l->head].t <= now) {
        eng_ev ev = l->ring[l->head];
        l->head = (l->head + 1) & (l->cap - 1);
        l->len--;
        /* most nodes' deadlines: their task ended in time */
        if (ev.kind == EV_NODE_TIMEOUT && !sim_node_timer_live(m, &ev))
            continue;
        line_prefetch_next(m, id, l);
        dispatch(m, &ev);
    }
    SIM_PHASE(m, SIM_PH_ENGINE);
    l->armed = l->len > 0;
    if (l->armed)
        eng_at(m->e, l->ring[l->head].t, EV_LINE, id, 0);
}

/* One row of the per-minute series.  The node counts partition the online
 * nodes (status other than quit: NetworkStats' active count, +1 at join, -1
 * at every removal): available, in a task (busy, pending pause, pending quit)
 * and paused.  NetworkStats' busy count is not decremented when a node in a
 * task is slashed (a deployed quirk, ../shared/conformance/QUIRKS.md "Stats",
 * which the model keeps for conformance), so the nodes in tasks are that
 * count less the slashes so far: every NodeSlashed comes from a node in a
 * task.  Paused is what is left; it would be negative only if the counts
 * disagreed, which is counted as a violated invariant ("series") and never
 * wraps.  So busy <= online in every row, and the utilization (busy node-minutes
 * over online node-minutes) is at most 1. */
static void sample(sim *m)
{
    proto_stats st;
    proto_stats_get(m->p, &st);
    if (m->n_series == m->cap_series) {
        m->cap_series = m->cap_series ? m->cap_series * 2 : 1024;
        m->series = realloc(m->series, m->cap_series * sizeof *m->series);
    }
    uint64_t online = st.active_nodes, avail = st.available_nodes;
    uint64_t stale = m->ed->slash_frees_busy ? 0 : m->node_slashed; /* slashed, still counted busy */
    uint64_t busy = st.busy_nodes >= stale ? st.busy_nodes - stale : UINT64_MAX;
    uint64_t paused = 0;
    if (busy <= online && avail <= online - busy)
        paused = online - busy - avail;
    else {
        m->inv_series++;
        snprintf(m->inv_detail, sizeof m->inv_detail,
                 "series at t=%.0f s: %llu online, %llu available, %llu in tasks (%llu slashed)",
                 eng_now(m->e) / 1e6, (unsigned long long)online, (unsigned long long)avail,
                 (unsigned long long)st.busy_nodes, (unsigned long long)m->node_slashed);
        busy = busy <= online ? busy : online;
        avail = avail <= online - busy ? avail : online - busy;
    }
    m->series[m->n_series++] = (struct sample){
        (uint32_t)st.queued_tasks, (uint32_t)avail, (uint32_t)busy, (uint32_t)paused, (uint32_t)online,
        m->minute_created, m->minute_started, m->minute_finished, m->minute_kickouts, m->minute_slashes};
    m->minute_created = m->minute_started = m->minute_finished = 0;
    m->minute_kickouts = m->minute_slashes = 0;
    if (eng_now(m->e) + m->sample_us <= m->end)
        eng_after(m->e, m->sample_us, EV_SAMPLE, 0, 0);
}

/* ---- invariants ---- */

/* Drops from the live list the requests whose tasks the contracts no
 * longer store (deleted there, a task never comes back) and returns what
 * the Task contract holds for the rest: each running task's balance, each
 * queued one's fee. */
static wei_t live_prune(sim *m)
{
    wei_t held = 0;
    size_t keep = 0;
    proto_task_view v;
    for (size_t k = 0; k < m->n_live; k++) {
        const sim_req *r = &m->req[m->live[k]];
        if (proto_task_get(m->p, r->id, &v))
            wei_accumulate(&held, v.balance, "the escrow held");
        else if (proto_task_is_queued(m->p, r->id))
            wei_accumulate(&held, r->fee, "the escrow held");
        else
            continue;
        m->live[keep++] = m->live[k];
    }
    m->n_live = keep;
    return held;
}

/* The live list keeps the requests whose tasks the contracts may still
 * store, for the escrow invariant (sim_check_invariants).  When it is
 * full, the tasks deleted since are dropped first, so it holds about the
 * tasks in flight, not every task of the run; it doubles only when more
 * than half remain. */
void sim_live_add(sim *m, uint64_t i)
{
    if (m->ag.escrow_held) /* the edition sums its escrow itself */
        return;
    if (m->n_live == m->cap_live) {
        live_prune(m);
        if (!m->cap_live || m->n_live * 2 > m->cap_live) {
            size_t cap = m->cap_live ? m->cap_live * 2 : 1024;
            uint64_t *grown = realloc(m->live, cap * sizeof *grown);
            if (!grown) {
                fprintf(stderr, "avrami: out of memory (%zu requests in flight)\n", cap);
                exit(2);
            }
            m->live = grown;
            m->cap_live = cap;
        }
    }
    m->live[m->n_live++] = i;
}

bool sim_check_invariants(sim *m)
{
    bool ok = true;
    if (proto_total_supply(m->p) != m->supply0) {
        m->inv_supply++;
        snprintf(m->inv_detail, sizeof m->inv_detail, "total supply changed at t=%.6f s",
                 eng_now(m->e) / 1e6);
        ok = false;
    }
    /* escrow: the Task contract holds exactly the balances of running tasks,
     * the fees of queued ones, and what its quirks left behind.  O(tasks the
     * contracts still store): the live list drops tasks once deleted there,
     * which never come back. */
    wei_t held = m->ag.escrow_held ? m->ag.escrow_held(m) : live_prune(m);
    proto_quirk_counters q;
    proto_quirks_get(m->p, &q);
    wei_t expect = held;
    wei_accumulate(&expect, q.stranded_wei, "the escrow held");
    wei_accumulate(&expect, q.fee_too_low_wei, "the escrow held");
    wei_t have = proto_balance(m->p, PROTO_ACC_TASK);
    /* (a double upload pays out of the task's own balance, so it needs no
     * term here) */
    if (have != expect) {
        m->inv_escrow++;
        char a[WEI_STR_MAX], b[WEI_STR_MAX];
        snprintf(m->inv_detail, sizeof m->inv_detail,
                 "escrow at t=%.6f s: Task contract holds %s wei, expected %s", eng_now(m->e) / 1e6,
                 wei_format(have, a), wei_format(expect, b));
        ok = false;
    }
    if (!actors_accounts_ok(m, m->inv_detail, sizeof m->inv_detail)) {
        m->inv_accounts++;
        ok = false;
    }
    uint32_t limit = proto_get_params(m->p)->queue_size_limit; /* 0: none (the Relay's) */
    if (limit && proto_queue_size(m->p) > limit) {
        m->inv_queue++;
        ok = false;
    }
    return ok && !m->inv_two_tasks && !m->inv_terminal;
}

/* ---- setup ---- */

/* The agent record of a node the selection just drew: booking the
 * transaction's events reads it (a hint; proto_drawn_hint). */
static void prefetch_drawn(const void *ctx, uint32_t acc)
{
    const sim *m = ctx;
    uint32_t i = acc - m->acc0;
    if (i < m->n_nodes) {
        __builtin_prefetch(&m->nodes[i], 1);
        __builtin_prefetch((const char *)&m->nodes[i] + 64, 1);
    }
}

static uint64_t draw(void *ctx, uint64_t bound)
{
    return bound <= 1 ? 0 : eng_rng_below(ctx, bound);
}

static void *alloc_or_die(size_t bytes)
{
    void *p = stable_alloc(bytes);
    if (!p) {
        fprintf(stderr, "avrami: cannot reserve %zu bytes\n", bytes);
        exit(2);
    }
    return p;
}

static void setup_models(sim *m)
{
    const scn *s = m->s;
    uint32_t total = 0;
    m->kind_base = calloc(s->n_apps, sizeof *m->kind_base);
    for (uint32_t a = 0; a < s->n_apps; a++) {
        m->kind_base[a] = total;
        total += s->apps[a].n_kinds;
    }
    m->model_of = calloc(total, sizeof *m->model_of);
    for (uint32_t a = 0; a < s->n_apps; a++)
        for (uint32_t k = 0; k < s->apps[a].n_kinds; k++) {
            uint16_t id = m->n_models;
            for (uint32_t b = 0; b <= a; b++)
                for (uint32_t j = 0; j < s->apps[b].n_kinds && (b < a || j < k); j++)
                    if (!strcmp(s->apps[b].kinds[j].model, s->apps[a].kinds[k].model))
                        id = m->model_of[m->kind_base[b] + j];
            if (id == m->n_models)
                m->n_models++;
            m->model_of[m->kind_base[a] + k] = id;
        }
}

/* The contracts', the applications' and the nodes' accounts, an edition's
 * own (the Relay's and the dao's), and in relay-2026 with delegations one
 * delegator per node. */
static uint32_t max_accounts(const sim *m)
{
    uint32_t delegators = m->s->params.delegated_stake_max ? m->cap_nodes : 0;
    return m->cap_nodes + delegators + m->s->n_apps + PROTO_ACC_FIRST + 2;
}

static sim *setup(const scn *s, const sim_opts *o)
{
    sim *m = calloc(1, sizeof *m);
    m->s = s;
    m->o = *o;
    SIM_PHASE(m, SIM_PH_SETUP);
    m->timing = o->timing.exec_s ? o->timing : agt_timing_for(s);
    uint64_t dur = o->duration_s ? o->duration_s : s->duration_s;
    m->end = (eng_time)dur * ENG_US_PER_S;
    m->block_us = us(s->block_time_s);
    m->latency_us = us(s->submit_latency_s);
    m->observe_us = us(s->observe_delay_s);
    m->sample_us = 60 * ENG_US_PER_S;

    m->r_arr = eng_rng_new(o->seed, o->replication, ENG_RNG_ARRIVALS);
    m->r_sel = eng_rng_new(o->seed, o->replication, ENG_RNG_SELECTION);
    m->r_exec = eng_rng_new(o->seed, o->replication, ENG_RNG_EXEC);
    m->r_churn = eng_rng_new(o->seed, o->replication, ENG_RNG_CHURN);
    m->r_join = eng_rng_new(o->seed, o->replication, ENG_RNG_JOINS);
    m->r_beh = eng_rng_new(o->seed, o->replication, ENG_RNG_BEHAVIOUR);
    m->r_fee = eng_rng_new(o->seed, o->replication, ENG_RNG_FEES);
    m->r_setup = eng_rng_new(o->seed, o->replication, ENG_RNG_SETUP);
    m->r_att = eng_rng_new(o->seed, o->replication, ENG_RNG_ATTACK);

    /* Capacities: expected counts with generous margins.  The big arrays
     * are reserved with stable_alloc, so unused reserve costs no memory. */
    double hours = (double)dur / 3600.0, expect = 0;
    for (uint32_t a = 0; a < s->n_apps; a++)
        expect += s->apps[a].arrival == SCN_ARR_CSV ? s->apps[a].n_csv
                                                    : s->apps[a].rate_per_h * (1 + s->apps[a].amplitude) * hours;
    m->cap_req = (uint64_t)(expect * 3 + 10 * sqrt(expect) + 1000);
    if (m->cap_req > INT32_MAX) /* a resubmission names its parent in 31 bits; more are capacity drops */
        m->cap_req = INT32_MAX;
    m->cap_ids = m->cap_req + 1;
    m->req = alloc_or_die(m->cap_req * sizeof *m->req);
    m->id2req = alloc_or_die(m->cap_ids * sizeof *m->id2req);
    m->req_over = alloc_or_die((m->cap_req + 63) / 64 * sizeof *m->req_over);
    double joins = s->join_rate_per_h * hours;
    m->cap_nodes = s->nodes + (uint32_t)(joins * 2 + 10 * sqrt(joins) + 16);
    bool rejoins = s->honest_rejoin;
    for (uint32_t b = 0; b < s->n_behaviours; b++) {
        m->cap_nodes += s->behaviours[b].nodes;
        rejoins |= s->behaviours[b].rejoin;
    }
    if (rejoins) /* every task can replace its three nodes at most */
        m->cap_nodes += (uint32_t)(m->cap_req * 3 < UINT32_MAX / 4 ? m->cap_req * 3 : UINT32_MAX / 4);
    m->nodes = alloc_or_die((size_t)m->cap_nodes * sizeof *m->nodes);
    m->node_gen = alloc_or_die((size_t)m->cap_nodes * sizeof *m->node_gen);
    uint32_t max_acc = max_accounts(m);
    m->acc2node = alloc_or_die((size_t)max_acc * sizeof *m->acc2node);
    memset(m->acc2node, 0xff, (size_t)max_acc * sizeof *m->acc2node);

    m->ed = proto_edition_get(s->params.edition);
    m->ag = *sim_edition_agents_of(s->params.edition);
    m->p = proto_new(&s->params, max_acc, m->cap_ids);
    if (!m->p) {
        fprintf(stderr, "avrami: cannot create the protocol model\n");
        return m;
    }
    proto_set_chooser(m->p, (proto_chooser){draw, m->r_sel});
    proto_set_drawn_hint(m->p, (proto_drawn_hint){prefetch_drawn, m});
    m->supply0 = proto_total_supply(m->p); /* node_new adds each stake */
    m->owner0 = proto_balance(m->p, PROTO_ACC_OWNER);
    m->app_acc = calloc(s->n_apps, sizeof *m->app_acc);
    m->csv_next = calloc(s->n_apps, sizeof *m->csv_next);
    for (uint32_t a = 0; a < s->n_apps; a++)
    {
        m->app_acc[a] = proto_add_account(m->p, s->apps[a].balance);
        wei_accumulate(&m->supply0, s->apps[a].balance, "the applications' balances");
    }
    setup_models(m);
    effects_init(m);
    if (m->ag.setup)
        m->ag.setup(m);
    m->n_lines = 1 + s->n_apps;
    m->lines = calloc(m->n_lines, sizeof *m->lines);
    m->e = eng_new(1024);
    eng_set_horizon(m->e, m->end); /* the loop stops there */
    /* the records the initial nodes fill, one after another: their pages
     * at once rather than a fault each */
    uint32_t initial = s->nodes;
    for (uint32_t b = 0; b < s->n_behaviours; b++)
        initial += s->behaviours[b].nodes;
    initial = initial < m->cap_nodes ? initial : m->cap_nodes;
    stable_populate(m->nodes, (size_t)initial * sizeof *m->nodes);
    proto_populate_accounts(m->p, proto_num_accounts(m->p) + initial);
    /* their joins reach the mempool at once: its ring sized for them,
     * instead of doubling (and copying) twenty times for a million */
    while (m->tx_cap < (size_t)initial + 1024)
        m->tx = sim_grow_ring(m->tx, &m->tx_head, m->tx_len, &m->tx_cap, sizeof *m->tx);
    if (s->exact_cards)
        node_new_exact_mix(m);
    else
        for (uint32_t i = 0; i < s->nodes; i++)
            node_new(m, node_pick_card(m), 0);
    for (uint32_t b = 0; b < s->n_behaviours; b++)
        for (uint32_t i = 0; i < s->behaviours[b].nodes; i++)
            node_new_actor(m, s->behaviours[b].card >= 0 ? (uint32_t)s->behaviours[b].card : node_pick_card(m),
                           1 + b);

    eng_at(m->e, 0, EV_BLOCK, 0, 0);
    eng_at(m->e, m->sample_us, EV_SAMPLE, 0, 0);
    eng_at(m->e, m->end, EV_END, 0, 0);
    if (m->ag.tick)
        eng_at(m->e, 0, EV_EDITION_TICK, 0, 0);
    for (uint32_t a = 0; a < s->n_apps; a++) {
        eng_time t = agt_next_arrival(&s->apps[a], m->r_arr, 0, &m->csv_next[a]);
        if (t <= m->end)
            eng_at(m->e, t, EV_ARRIVAL, a, 0);
    }
    if (s->join_rate_per_h > 0)
        eng_at(m->e, eng_rng_exp_us(m->r_join, 3600.0 / s->join_rate_per_h), EV_JOIN_PROCESS, 0, 0);
    return m;
}

static void dispatch(sim *m, const eng_ev *ev)
{
    SIM_PHASE(m, ev->kind == EV_BLOCK || ev->kind == EV_DELIVER || ev->kind == EV_SAMPLE ? SIM_PH_CHAIN
                 : ev->kind == EV_LINE                                                   ? SIM_PH_ENGINE
                                                                                         : SIM_PH_AGENTS);
    switch (ev->kind) {
    case EV_BLOCK: chain_block(m); break;
    case EV_DELIVER: chain_deliver(m); break;
    case EV_SAMPLE: sample(m); break;
    case EV_LINE: line_fire(m, ev->a); break;
    case EV_ARRIVAL: app_arrival(m, ev->a); break;
    case EV_APP_CANCEL: app_cancel_timer(m, ev->b); break;
    case EV_JOIN_PROCESS:
        node_new(m, node_pick_card(m), ev->t);
        eng_after(m->e, 1 + eng_rng_exp_us(m->r_join, 3600.0 / m->s->join_rate_per_h),
                  EV_JOIN_PROCESS, 0, 0);
        break;
    case EV_END:
        /* the last minute's row: its sample falls at the end or after it,
         * where this event (scheduled first) stops the run */
        if (m->n_series < (m->end + m->sample_us - 1) / m->sample_us)
            sample(m);
        break;
    case EV_EDITION_TICK:
        m->ag.tick(m);
        if (ev->t + (eng_time)(m->ag.tick_s * ENG_US_PER_S) <= m->end)
            eng_after(m->e, (eng_time)(m->ag.tick_s * ENG_US_PER_S), EV_EDITION_TICK, 0, 0);
        break;
    default: node_event(m, ev); break;
    }
}

static void progress(sim *m, double t0)
{
    double done = (double)eng_now(m->e) / (double)m->end;
    double el = wall_now() - t0;
    /* ETA from the simulated-time rate so far; the daily cycle makes it
     * wobble, it is a guide */
    double eta = done > 0 ? el * (1 - done) / done : 0;
    fprintf(stderr, "\ravrami: %5.1f%%  sim %7.2f h  %llu events  %.1f M ev/s  %llu tasks  ETA %.0f s   ",
            done * 100, eng_now(m->e) / 3.6e9, (unsigned long long)m->events,
            el > 0 ? m->events / el / 1e6 : 0.0, (unsigned long long)m->n_req, eta);
}

sim *sim_run(const scn *s, const sim_opts *o)
{
    sim *m = setup(s, o);
    if (!m->p || !m->e) {
        sim_free(m);
        return NULL;
    }
    double t0 = wall_now(), last = t0;
    eng_ev ev;
    for (;;) {
        SIM_PHASE(m, SIM_PH_ENGINE);
        if (!eng_next(m->e, &ev) || ev.t > m->end)
            break;
        m->events++;
        dispatch(m, &ev);
        if (m->o.paranoid && ev.kind != EV_BLOCK) {
            SIM_PHASE(m, SIM_PH_CHAIN);
            sim_check_invariants(m);
        }
        if ((m->events & 0xffff) == 0) {
            if (m->o.stop && *m->o.stop) {
                m->interrupted = true;
                break;
            }
            if (m->o.progress && wall_now() - last > 0.5) {
                last = wall_now();
                progress(m, t0);
            }
        }
        if (ev.kind == EV_END)
            break;
    }
    if (m->o.stop && *m->o.stop)
        m->interrupted = true;
    if (m->o.progress) {
        progress(m, t0);
        fputc('\n', stderr);
    }
    m->wall_s = wall_now() - t0;
    SIM_PHASE(m, SIM_PH_CHAIN);
    sim_check_invariants(m);
    if (o->out_path && !report_write_db(m, o->out_path))
        m->db_failed = true;
    return m;
}

int sim_status(const sim *m)
{
    if (m->db_failed)
        return 4;
    if (m->interrupted)
        return 3;
    if (m->inv_supply || m->inv_escrow || m->inv_two_tasks || m->inv_queue || m->inv_terminal ||
        m->inv_accounts || m->inv_series)
        return 1;
    return 0;
}

void sim_get_counts(const sim *m, sim_counts *c)
{
    uint64_t by[4] = {0};
    for (uint64_t i = 0; i < m->n_req; i++)
        by[m->req[i].outcome]++;
    *c = (sim_counts){m->n_req, by[OUT_SUCCESS], by[OUT_ABORTED], by[OUT_REJECTED], by[OUT_OPEN],
                      m->resubmits, m->kickouts, m->slashes, m->n_nodes};
}

void sim_get_node(const sim *m, uint32_t i, sim_node_info *x)
{
    const sim_node *n = &m->nodes[i];
    *x = (sim_node_info){n->joined >= 0 ? (double)n->joined / ENG_US_PER_S : -1,
                         n->left >= 0 ? (double)n->left / ENG_US_PER_S : -1, n->actor,
                         (n->nflags & NF_KICKED) != 0};
}

void sim_get_task(const sim *m, uint64_t i, sim_task_info *x)
{
    const sim_req *r = &m->req[i];
    *x = (sim_task_info){r->started >= 0 ? (double)r->started / ENG_US_PER_S : -1,
                         {r->nodes[0], r->nodes[1], r->nodes[2]}, (r->flags & RF_WRONG_RESULT) != 0};
}

uint64_t sim_events(const sim *m) { return m->events; }
uint64_t sim_tasks(const sim *m) { return m->n_req; }

void sim_free(sim *m)
{
    if (!m)
        return;
    if (m->ag.fini)
        m->ag.fini(m);
    if (!m->o.timing.exec_s) /* the run's own model, not the caller's */
        agt_timing_free(&m->timing);
    if (m->p)
        proto_free(m->p);
    eng_free(m->e);
    gsl_rng *rs[] = {m->r_arr, m->r_sel, m->r_exec, m->r_churn, m->r_beh, m->r_fee, m->r_setup, m->r_att,
                     m->r_join};
    for (size_t i = 0; i < sizeof rs / sizeof rs[0]; i++)
        if (rs[i])
            gsl_rng_free(rs[i]);
    uint32_t max_acc = max_accounts(m);
    stable_free(m->req, m->cap_req * sizeof *m->req);
    stable_free(m->id2req, m->cap_ids * sizeof *m->id2req);
    stable_free(m->req_over, (m->cap_req + 63) / 64 * sizeof *m->req_over);
    stable_free(m->nodes, (size_t)m->cap_nodes * sizeof *m->nodes);
    stable_free(m->node_gen, (size_t)m->cap_nodes * sizeof *m->node_gen);
    stable_free(m->acc2node, (size_t)max_acc * sizeof *m->acc2node);
    for (uint32_t i = 0; i < m->n_reasons; i++)
        free((char *)m->reasons[i].text);
    free(m->app_acc);
    free(m->csv_next);
    effects_free(m);
    free(m->kind_base);
    free(m->model_of);
    free(m->tx);
    free(m->obs);
    free(m->series);
    free(m->live);
    for (uint32_t i = 0; i < m->n_lines; i++)
        free(m->lines[i].ring);
    free(m->lines);
    free(m);
}
