/* The Relay's task lifecycle: dispatch, score, error, timeout, validation,
 * upload and settlement.  Sources (crynux-network/crynux-relay, at the
 * edition's commit): service/start_task.go and task_matching.go (dispatch),
 * service/task_status.go (SetTaskStatus*), service/validate_task.go
 * (ValidateSingleTask, ValidateTaskGroup), service/qos.go, service/node.go,
 * service/relay_account.go (sendTaskIncome). */
#include <stdlib.h>
#include <string.h>

#include "protocol/relay/relay_net_internal.h"

/* ---- QoS records of a finished task ---- */

void rn_node_task_score(relay_net *n, uint32_t node, uint64_t score, bool valid, bool timeout)
{
    rn_node *nd = &n->nodes[node];
    const relay_params *p = n->p;
    if (p->window_sum_kickout) {
        /* 2025-03: every task's qos_score (0 when it timed out) counts */
        relay_qos_all_time_push(p, &nd->q, score);
    } else if (valid) {
        relay_qos_pool_push(p, &nd->q, score);
    }
    relay_qos_window_push(&nd->q, score, timeout);
    rn_view_sync(n, node);
}

/* ---- dispatch ---- */

static void validate_group(relay_net *n, uint32_t g, double now);

/* The free nodes that can take task t, into n->cand, and their weights
 * (relay_weights) into n->w; returns their number. */
static size_t candidates_of(relay_net *n, const rn_task *t, double now)
{
    if (!n->p->window_sum_kickout && !n->p->window_timeout_kickout)
        return rn_view_candidates_2026(n, t, now); /* the weights relay_weights gives them */
    size_t k = 0;
    for (uint32_t i = 0; i < n->n_listed; i++) {
        uint32_t a = n->free_nodes[i];
        rn_node *nd = &n->nodes[a];
        if (!nd->joined || nd->busy || nd->paused || nd->vram_gb < t->w.vram_gb || (t->w.gpu && nd->gpu != t->w.gpu))
            continue;
        wei_t stake = nd->stake + nd->delegated;
        n->cands[k] = (relay_cand){.q = &nd->q, .stake = stake, .staking = rn_staking_score(n, nd),
                                   .has_staking = true,
                                   .local_match = rn_has_model(nd, t->model),
                                   .inuse_match = nd->inuse == t->model,
                                   .inuse_count = nd->inuse != RN_NONE};
        n->cand[k++] = a;
    }
    relay_weights(n->p, n->cands, k, 1, n->max_stake, now, n->w);
    return k;
}

void rn_start(relay_net *n, uint32_t ti, uint32_t a, double now)
{
    rn_task *t = &n->tasks[ti];
    rn_node *nd = &n->nodes[a];
    bool sw = nd->inuse != t->model;
    t->status = RN_STARTED;
    t->node = a;
    t->started_s = now;
    t->switched = sw;
    t->exec_gpu = nd->gpu; /* CaptureTaskExecutionGPUSnapshot */
    t->exec_vram = nd->vram_gb;
    /* 2026: SetTaskStatusStarted -> ComputeExecutionTimeout on the node's GPU */
    uint64_t timeout = t->timeout_s;
    if (n->p->max_exec_timeout_s) {
        relay_est_source src;
        timeout = relay_calib_timeout_s(n->p, &n->cal, &t->w, t->model, nd->gpu, nd->vram_gb, sw, &src);
        n->c.timeouts_initial += src == RELAY_EST_INITIAL;
        n->c.timeouts_own += src == RELAY_EST_OWN;
        n->c.timeouts_other += src == RELAY_EST_OTHER;
    }
    t->deadline_s = now + (double)timeout;
    nd->busy = true;
    nd->task = ti;
    nd->inuse = t->model;
    nd->q.health_excluded = false; /* nodeStartTask clears the flag */
    if (!rn_has_model(nd, t->model) && nd->n_models < RN_MAX_LOCAL_MODELS)
        nd->models[nd->n_models++] = t->model; /* downloaded for the task */
    rn_view_sync(n, a);
    n->c.started++;
}

/* A calibration sample of task t (2026): SD when its validation confirms
 * it (CalibrateValidatedSDTask from SetTaskStatusValidated and
 * ValidateTaskGroup), LLM after its verified upload
 * (CalibrateUploadedLLMTask; the tokens it really generated are the
 * request's).  The sample is the execution GPU snapshot's and
 * ScoreReadyTime - StartTime. */
static void calibrate(relay_net *n, const rn_task *t, bool llm)
{
    if (!(n->p->calib_alpha > 0) || t->w.llm != llm)
        return;
    relay_calib_key k = {.llm = llm, .gpu = t->exec_gpu, .gpu_vram = t->exec_vram, .model = t->model,
                         .config = t->w.config};
    /* a failed fit leaves the record as it was, as in the Relay (logged there) */
    n->c.calib_samples += relay_calib_sample(n->p, &n->cal, &k, &t->w, t->w.llm_max_new_tokens, t->switched,
                                             t->score_s - t->started_s, t->w.vram_gb);
}

static void refund(relay_net *n, rn_task *t)
{
    rn_move(n, RN_ACC_ESCROW, t->creator, t->fee);
}

static void abort_task(relay_net *n, rn_task *t, rn_abort why)
{
    refund(n, t);
    t->status = RN_END_ABORTED;
    t->abort = why;
    n->c.aborted++;
}

static int cmp_queue(const void *a, const void *b, void *ctx)
{
    const relay_net *n = ctx;
    uint32_t ia = *(const uint32_t *)a, ib = *(const uint32_t *)b;
    const rn_task *x = &n->tasks[ia], *y = &n->tasks[ib];
    relay_queued qa = {.fee = x->fee, .priority = x->priority, .type = x->w.llm, .id = ia};
    relay_queued qb = {.fee = y->fee, .priority = y->priority, .type = y->w.llm, .id = ib};
    return relay_queue_cmp(n->p, &qa, &qb);
}

/* A round's candidate sets by requirement signature (VRAM, required GPU,
 * model): within a round no node changes state, so tasks of equal
 * requirements have the same candidates and weights, as the Relay's
 * buildMatchingCandidateSet computes them once per signature
 * (task_matching.go @ 24ffc26).  The first ROUND_SIGS signatures are kept. */
#define ROUND_SIGS 32
typedef struct round_sig {
    uint64_t vram;
    uint32_t gpu, model;
    uint32_t *nodes;
    double *w;
    size_t k;
    relay_prefix pre; /* its draws' running totals (relay_pick_prefix) */
} round_sig;

typedef struct round_ctx {
    relay_net *n;
    double now;
    double (*uniform)(void *);
    void *draw_ctx;
    round_sig sigs[ROUND_SIGS];
    size_t n_sigs;
} round_ctx;

static size_t round_candidates(void *ctx, uint32_t sig, const uint32_t **nodes, const double **w,
                               relay_prefix **pre)
{
    round_ctx *r = ctx;
    const rn_task *t = &r->n->tasks[sig];
    for (size_t i = 0; i < r->n_sigs; i++) {
        const round_sig *e = &r->sigs[i];
        if (e->vram == t->w.vram_gb && e->gpu == t->w.gpu && e->model == t->model) {
            *nodes = e->nodes;
            *w = e->w;
            *pre = &r->sigs[i].pre;
            return e->k;
        }
    }
    size_t k = candidates_of(r->n, t, r->now);
    *nodes = r->n->cand; /* valid until the next call, which is all the round needs */
    *w = r->n->w;
    *pre = NULL;
    if (r->n_sigs < ROUND_SIGS) {
        round_sig *e = &r->sigs[r->n_sigs];
        e->nodes = malloc((k ? k : 1) * sizeof *e->nodes);
        e->w = malloc((k ? k : 1) * sizeof *e->w);
        double *acc = malloc((k ? k : 1) * sizeof *acc);
        if (e->nodes && e->w && acc) {
            memcpy(e->nodes, r->n->cand, k * sizeof *e->nodes);
            memcpy(e->w, r->n->w, k * sizeof *e->w);
            *e = (round_sig){t->w.vram_gb, t->w.gpu, t->model, e->nodes, e->w, k,
                             (relay_prefix){.acc = acc, .sorted = -1}};
            *nodes = e->nodes;
            *w = e->w;
            *pre = &e->pre;
            r->n_sigs++;
        } else {
            free(e->nodes);
            free(e->w);
            free(acc);
        }
    }
    return k;
}

static double round_uniform(void *ctx)
{
    round_ctx *r = ctx;
    return r->uniform(r->draw_ctx);
}

/* 2026: runMatchingRound; the task's signature is its own index (the
 * candidate set is the same for equal requirements) */
static size_t dispatch_round(relay_net *n, double now, size_t q, double (*uniform)(void *), void *ctx)
{
    uint32_t free_nodes = n->n_free;
    bool *expired = calloc(q ? q : 1, sizeof *expired);
    if (!expired)
        return 0;
    round_ctx r = {.n = n, .now = now, .uniform = uniform, .draw_ctx = ctx};
    relay_match_io io = {.ctx = &r, .candidates = round_candidates, .uniform = round_uniform};
    size_t m = relay_match_round(n->p, n->order, expired, q, free_nodes, &io, n->reserved, n->pairs);
    free(expired);
    for (size_t i = 0; i < r.n_sigs; i++) {
        free(r.sigs[i].nodes);
        free(r.sigs[i].w);
        free(r.sigs[i].pre.acc);
    }
    for (size_t i = 0; i < m; i++)
        rn_start(n, n->order[n->pairs[i].task], n->pairs[i].node, now);
    return m;
}

/* 2025-03: the best task draws among the free nodes; none: back in 2 s */
static size_t dispatch_heap(relay_net *n, double now, size_t q, double (*uniform)(void *), void *ctx)
{
    size_t started = 0;
    for (size_t i = 0; i < q; i++) {
        rn_task *t = &n->tasks[n->order[i]];
        size_t k = candidates_of(n, t, now);
        long pick = k ? relay_pick(n->w, k, uniform(ctx)) : -1;
        if (pick < 0) {
            t->not_before_s = now + n->p->retry_min_s;
            continue;
        }
        rn_start(n, n->order[i], n->cand[pick], now);
        started++;
    }
    return started;
}

/* 2025-07: up to 100 tasks (by id) draw a node each; a node takes the
 * highest fee offered (the first on a tie); losers draw again after
 * U(0.5, 1) s.  The node's 1 s hold is not waited out: it starts at once. */
static size_t dispatch_offers(relay_net *n, double now, size_t q, double (*uniform)(void *), void *ctx)
{
    const relay_params *p = n->p;
    if (q > p->batch)
        q = p->batch;
    uint32_t *best = calloc(n->n_acc, sizeof *best);
    uint32_t *chosen = calloc(q ? q : 1, sizeof *chosen);
    if (!best || !chosen) {
        free(best);
        free(chosen);
        return 0;
    }
    for (uint32_t a = 0; a < n->n_acc; a++)
        best[a] = RN_NONE;
    for (size_t i = 0; i < q; i++) {
        uint32_t ti = n->order[i];
        size_t k = candidates_of(n, &n->tasks[ti], now);
        long pick = k ? relay_pick(n->w, k, uniform(ctx)) : -1;
        chosen[i] = pick < 0 ? RN_NONE : n->cand[pick];
        if (pick < 0)
            continue;
        uint32_t a = chosen[i];
        if (best[a] == RN_NONE || relay_offer_replaces(n->tasks[best[a]].fee, n->tasks[ti].fee))
            best[a] = ti;
    }
    size_t started = 0;
    for (size_t i = 0; i < q; i++) {
        uint32_t ti = n->order[i], a = chosen[i];
        if (a != RN_NONE && best[a] == ti) {
            rn_start(n, ti, a, now);
            started++;
        } else {
            double u = uniform(ctx);
            n->tasks[ti].not_before_s = now + p->retry_min_s + u * (p->retry_max_s - p->retry_min_s);
        }
    }
    free(best);
    free(chosen);
    return started;
}

size_t relay_net_dispatch(relay_net *n, double now, double (*uniform)(void *), void *ctx, double *next)
{
    const relay_params *p = n->p;
    size_t q = 0;
    while (n->first_queued < n->n_tasks && n->tasks[n->first_queued].status != RN_QUEUED)
        n->first_queued++;
    for (uint64_t i = n->first_queued; i < n->n_tasks; i++) {
        rn_task *t = &n->tasks[i];
        if (t->status != RN_QUEUED)
            continue;
        double expiry = p->queue_timeout_s ? t->created_s + (double)p->queue_timeout_s
                        : p->queue_grace_s ? t->created_s + (double)(p->queue_grace_s + t->timeout_s)
                                           : -1;
        if (expiry >= 0 && now >= expiry) {
            abort_task(n, t, RN_ABORT_QUEUE_TIMEOUT);
            if (t->group != RN_NONE) /* the last member to finish may be this one */
                validate_group(n, t->group, now);
            continue;
        }
        if (t->not_before_s <= now)
            n->order[q++] = (uint32_t)i;
    }
    qsort_r(n->order, q, sizeof *n->order, cmp_queue, n);
    /* the nodes free at the step's start, in account order, and the
     * largest stake that scores among joined nodes: neither grows during
     * the step (nodes only become busy; none joins, leaves or stakes), so
     * each task's candidates come from this list instead of every account,
     * in the same order: the same draws, at the cost of the free nodes */
    rn_view_prepare(n);
    size_t started = p->max_exec_timeout_s ? dispatch_round(n, now, q, uniform, ctx)
                     : p->offer_hold_s   ? dispatch_offers(n, now, q, uniform, ctx)
                                         : dispatch_heap(n, now, q, uniform, ctx);
    *next = p->max_exec_timeout_s ? relay_next_round_s(p, started) : p->tick_s;
    return started;
}

/* ---- results, validation, settlement ---- */

static bool is_done(const rn_task *t)
{
    return t->status == RN_SCORE_READY || t->status == RN_ERROR_REPORTED || t->status == RN_END_ABORTED;
}

/* the group's members all scored, reported an error or were aborted:
 * ValidateTaskGroup, as the application calls it */
static void validate_group(relay_net *n, uint32_t g, double now)
{
    rn_task *first = &n->tasks[g];
    if (first->n_members != 3)
        return;
    rn_task *t[3];
    relay_member m[3];
    bool same[3][3];
    for (int i = 0; i < 3; i++) {
        t[i] = &n->tasks[first->members[i]];
        if (!is_done(t[i]))
            return;
        bool aborted = t[i]->status == RN_END_ABORTED;
        /* an aborted member has no score time: it sorts last */
        m[i] = (relay_member){.aborted = aborted,
                              .error = t[i]->status == RN_ERROR_REPORTED,
                              .exec_s = aborted ? 1e300 : t[i]->score_s - t[i]->started_s,
                              .id = first->members[i]};
    }
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            same[i][j] = t[i]->error || t[j]->error ? t[i]->error && t[j]->error
                         : n->same ? i == j || n->same(n->same_ctx, first->members[i], first->members[j])
                                                    : t[i]->result == t[j]->result;
    relay_group_outcome out[3];
    uint64_t score[3];
    bool valid[3];
    relay_validate_group(n->p, m, same, out, score, valid);
    for (int i = 0; i < 3; i++) {
        rn_task *x = t[i];
        x->qos_score = score[i];
        x->qos_valid = valid[i];
        if (m[i].aborted) {
            /* persistValidationGroupAbortedTaskQos (2026): the timed-out
             * member's 0 enters its node's pool */
            if (n->p->max_exec_timeout_s && valid[i] && x->abort == RN_ABORT_TIMEOUT &&
                n->nodes[x->node].joined) {
                relay_qos_pool_push(n->p, &n->nodes[x->node].q, 0);
                rn_view_sync(n, x->node);
            }
            continue;
        }
        uint32_t nd = x->node;
        switch (out[i]) {
        case RELAY_VALIDATED:
            x->status = RN_VALIDATED;
            x->validated_s = now;
            if (!n->p->window_sum_kickout)
                relay_qos_pool_push(n->p, &n->nodes[nd].q, score[i]);
            rn_view_sync(n, nd);
            calibrate(n, x, false);
            break;
        case RELAY_REFUND:
            refund(n, x);
            x->status = RN_END_GROUP_REFUND;
            calibrate(n, x, false);
            n->c.refunded++;
            rn_node_task_score(n, nd, score[i], true, false);
            rn_node_finish(n, nd, now);
            break;
        case RELAY_INVALIDATED:
            /* the fee stays with the Relay (no transfer in either era) */
            rn_move(n, RN_ACC_ESCROW, RN_ACC_RELAY, x->fee);
            wei_accumulate(&n->c.kept_fees, x->fee, "the Relay's kept fees");
            x->status = RN_END_INVALIDATED;
            n->c.invalidated++;
            if (n->p->passive_slash) {
                n->c.slash_reviews++;
                x->qos_score = 0;
                relay_qos_window_push(&n->nodes[nd].q, 0, false);
                rn_node_finish(n, nd, now);
            } else {
                relay_qos_window_push(&n->nodes[nd].q, score[i], false);
                rn_node_slash(n, nd);
            }
            break;
        case RELAY_ABORTED:
            abort_task(n, x, RN_ABORT_INCORRECT_RESULT);
            rn_node_task_score(n, nd, score[i], valid[i], false);
            rn_node_finish(n, nd, now);
            break;
        }
    }
}

static rn_task *started_task(relay_net *n, uint32_t ti)
{
    if (ti >= n->n_tasks || n->tasks[ti].status != RN_STARTED) {
        rn_fail(n, "task is not running");
        return NULL;
    }
    return &n->tasks[ti];
}

bool relay_net_submit(relay_net *n, double now, uint32_t ti, uint64_t result)
{
    rn_task *t = started_task(n, ti);
    if (!t)
        return false;
    t->status = RN_SCORE_READY;
    t->score_s = now;
    t->result = result;
    if (n->p->window_sum_kickout) { /* SetTaskStatusScoreReady @ f2bb1b1: 10 */
        t->qos_score = n->p->rewards[0];
        t->qos_valid = true;
    }
    if (t->group == RN_NONE) {
        t->status = RN_VALIDATED; /* ValidateSingleTask */
        t->validated_s = now;
        calibrate(n, t, false);
    } else
        validate_group(n, t->group, now);
    return true;
}

bool relay_net_report_error(relay_net *n, double now, uint32_t ti)
{
    rn_task *t = started_task(n, ti);
    if (!t)
        return false;
    t->status = RN_ERROR_REPORTED;
    t->score_s = now;
    t->error = true;
    if (n->p->window_sum_kickout) {
        t->qos_score = n->p->rewards[0];
        t->qos_valid = true;
    }
    if (t->group != RN_NONE) {
        validate_group(n, t->group, now);
        return true;
    }
    /* ValidateSingleTask of an error: aborted, fee back */
    uint32_t nd = t->node;
    abort_task(n, t, RN_ABORT_INCORRECT_RESULT);
    rn_node_task_score(n, nd, t->qos_score, t->qos_valid && n->p->window_sum_kickout, false);
    rn_node_finish(n, nd, now);
    return true;
}

bool relay_net_timeout(relay_net *n, double now, uint32_t ti)
{
    rn_task *t = started_task(n, ti);
    if (!t)
        return false;
    if (now < t->deadline_s)
        return rn_fail(n, "task has not timed out");
    uint32_t nd = t->node;
    abort_task(n, t, RN_ABORT_TIMEOUT);
    if (n->p->max_exec_timeout_s) {
        bool was = n->nodes[nd].q.health_excluded;
        relay_health_penalty(n->p, &n->nodes[nd].q, now);
        rn_view_sync(n, nd);
        n->c.health_exclusions += !was && n->nodes[nd].q.health_excluded;
    }
    t->qos_score = 0;
    t->qos_valid = n->p->window_sum_kickout; /* 2025-03: a 0 that counts */
    rn_node_task_score(n, nd, 0, false, true);
    rn_node_finish(n, nd, now);
    if (t->group != RN_NONE)
        validate_group(n, t->group, now);
    return true;
}

static bool pay_income(relay_net *n, uint32_t node, wei_t amount, uint32_t from, wei_t *operator_income);

double relay_net_phase_deadline(const relay_net *n, uint32_t ti)
{
    const relay_params *p = n->p;
    if (!p->app_validation_timeout_s || ti >= n->n_tasks)
        return 0;
    const rn_task *t = &n->tasks[ti];
    if (t->status == RN_SCORE_READY || t->status == RN_ERROR_REPORTED)
        return t->score_s + (double)p->app_validation_timeout_s;
    if (t->status == RN_VALIDATED)
        return t->validated_s + (double)p->upload_timeout_s;
    return 0;
}

bool relay_net_phase_timeout(relay_net *n, double now, uint32_t ti)
{
    double due = relay_net_phase_deadline(n, ti);
    if (!due)
        return rn_fail(n, "task is not awaiting validation or upload");
    if (now < due)
        return rn_fail(n, "task has not timed out");
    rn_task *t = &n->tasks[ti];
    uint32_t nd = t->node;
    if (t->status == RN_VALIDATED) {
        /* SetTaskStatusEndAborted(ResultUploadTimeout): the fee back to the
         * creator, the node's health penalized, no QoS score */
        abort_task(n, t, RN_ABORT_UPLOAD_TIMEOUT);
        n->c.upload_timeouts++;
        bool was = n->nodes[nd].q.health_excluded;
        relay_health_penalty(n->p, &n->nodes[nd].q, now);
        rn_view_sync(n, nd);
        n->c.health_exclusions += !was && n->nodes[nd].q.health_excluded;
        rn_node_finish(n, nd, now);
        return true;
    }
    /* SetTaskStatusEndAborted(CreatorValidationTimeout): the application
     * did not validate in time, so the node is paid its fee (sendTaskIncome) */
    if (!pay_income(n, nd, t->fee, RN_ACC_ESCROW, &t->paid_operator))
        return false;
    t->paid = t->fee;
    t->status = RN_END_ABORTED;
    t->abort = RN_ABORT_VALIDATION_TIMEOUT;
    n->c.aborted++;
    n->c.validation_timeouts++;
    rn_node_finish(n, nd, now);
    if (t->group != RN_NONE)
        validate_group(n, t->group, now);
    return true;
}

/* sendTaskIncome: the dao share, the delegators' share, the operator */
static bool pay_income(relay_net *n, uint32_t node, wei_t amount, uint32_t from, wei_t *operator_income)
{
    const rn_node *nd = &n->nodes[node];
    uint32_t k = 0;
    wei_t stakes[64];
    uint32_t users[64];
    for (uint32_t i = 0; i < n->n_delegs && k < 64; i++)
        if (n->delegs[i].node == node) {
            stakes[k] = n->delegs[i].amount;
            users[k++] = n->delegs[i].user;
        }
    wei_t dao, op, del[64];
    if (!relay_income_split(amount, n->p->dao_percent, n->p->delegation ? nd->delegator_share : 0,
                            stakes, k, &dao, &op, del))
        return rn_fail(n, "income split overflow");
    bool ok = rn_move(n, from, RN_ACC_DAO, dao) && rn_move(n, from, node, op);
    for (uint32_t i = 0; ok && i < k; i++)
        ok = rn_move(n, from, users[i], del[i]);
    *operator_income = op;
    return ok;
}

bool relay_net_upload(relay_net *n, double now, uint32_t ti)
{
    if (ti >= n->n_tasks || n->tasks[ti].status != RN_VALIDATED)
        return rn_fail(n, "task is not validated");
    rn_task *t = &n->tasks[ti];
    uint32_t nd = t->node;
    if (t->group == RN_NONE) {
        if (!pay_income(n, nd, t->fee, RN_ACC_ESCROW, &t->paid_operator))
            return false;
        t->paid = t->fee;
    } else {
        /* SetTaskStatusEndSuccess: the group's valid members share the fee */
        const rn_task *first = &n->tasks[t->group];
        uint64_t sc[3];
        uint32_t who[3], nv = 0;
        for (uint32_t i = 0; i < first->n_members; i++) {
            const rn_task *x = &n->tasks[first->members[i]];
            if (x->status == RN_VALIDATED || x->status == RN_END_GROUP_REFUND) {
                sc[nv] = x->qos_score;
                who[nv++] = first->members[i];
            }
        }
        wei_t pay[3], extra;
        if (!relay_group_payments(t->fee, sc, nv, pay, &extra))
            return rn_fail(n, "group payment");
        if (extra > *wei_at(n->bal, RN_ACC_RELAY))
            return rn_fail(n, "the Relay's account cannot pay the rounding excess");
        rn_move(n, RN_ACC_RELAY, RN_ACC_ESCROW, extra);
        n->c.group_excess += extra;
        for (uint32_t i = 0; i < nv; i++) {
            if (!pay_income(n, n->tasks[who[i]].node, pay[i], RN_ACC_ESCROW, &n->tasks[who[i]].paid_operator))
                return false;
            n->tasks[who[i]].paid = pay[i];
        }
    }
    t->status = RN_END_SUCCESS;
    n->c.succeeded++;
    calibrate(n, t, true);
    if (t->group != RN_NONE) { /* group refunds with the uploaded result's score */
        const rn_task *first = &n->tasks[t->group];
        for (uint32_t i = 0; i < first->n_members; i++) {
            uint32_t mi = first->members[i];
            const rn_task *x = &n->tasks[mi];
            if (x->status == RN_END_GROUP_REFUND &&
                (n->same ? n->same(n->same_ctx, ti, mi) : x->result == t->result))
                calibrate(n, x, true);
        }
    }
    if (n->p->max_exec_timeout_s) {
        relay_health_boost(n->p, &n->nodes[nd].q, now);
        rn_view_sync(n, nd);
    }
    rn_node_task_score(n, nd, t->qos_score, t->qos_valid && n->p->window_sum_kickout, false);
    rn_node_finish(n, nd, now);
    return true;
}
