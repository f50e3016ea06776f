/* The dispatch step's view of the nodes (rn_view): the fields its scan
 * reads, in one compact array, and each node's 2026 score kept between
 * steps.  A score is kept while nothing it depends on changed: the node's
 * record (rn_view_sync clears it), the largest stake (the epoch) and the
 * time (a node whose health is below a full base has its score computed at
 * each use).  rn_view_sync also keeps the count of free nodes and the
 * largest stake, found again by a scan only when it may have dropped.  The
 * draws see the same weights in the same order as the scan of the node
 * records did (tests/unit/test_relay_view.c compares both). */
#include <stdlib.h>

#include "protocol/relay/relay_net_internal.h"

static uint64_t model_bit(uint32_t model)
{
    return 1ULL << (model % 64);
}

static rn_view fresh_view(const rn_node *nd)
{
    rn_view v = {.vram_gb = nd->vram_gb, .gpu = nd->gpu, .inuse = nd->inuse,
                 .free = nd->joined && !nd->busy && !nd->paused};
    if (nd->joined)
        v.stake = nd->stake + nd->delegated;
    v.exact = true;
    for (uint32_t i = 0; i < nd->n_models; i++) {
        v.models |= model_bit(nd->models[i]);
        v.exact = v.exact && nd->models[i] < 64;
    }
    return v;
}

/* node's bit in its GPU's free set: on (a free node) or off */
static void gpu_index_set(relay_net *n, uint32_t node, uint32_t gpu, bool on)
{
    if (gpu >= RN_GPU_INDEX || n->gpu_index_off)
        return;
    if (!n->gpu_free[gpu]) {
        if (!on)
            return;
        n->gpu_free[gpu] = calloc(n->max_acc / 64 + 1, sizeof *n->gpu_free[gpu]);
        if (!n->gpu_free[gpu]) {
            n->gpu_index_off = true;
            return;
        }
    }
    if (on)
        n->gpu_free[gpu][node / 64] |= 1ULL << (node % 64);
    else
        n->gpu_free[gpu][node / 64] &= ~(1ULL << (node % 64));
}

void rn_view_sync(relay_net *n, uint32_t node)
{
    if (node >= n->max_acc)
        return;
    rn_view old = n->view[node], v = fresh_view(&n->nodes[node]); /* score not computed */
    if (old.free != v.free || old.gpu != v.gpu) {
        if (old.free)
            gpu_index_set(n, node, old.gpu, false);
        if (v.free)
            gpu_index_set(n, node, v.gpu, true);
    }
    n->n_free += v.free;
    n->n_free -= old.free;
    if (v.stake > n->view_max)
        n->view_max = v.stake;
    else if (v.stake < old.stake && old.stake == n->view_max)
        n->view_max_low = true;
    n->view[node] = v;
}

double rn_staking_score(relay_net *n, rn_node *nd)
{
    wei_t stake = nd->stake + nd->delegated;
    if (nd->ss_stake != stake || nd->ss_max != n->max_stake) {
        nd->ss = relay_staking_score(stake, n->max_stake);
        nd->ss_stake = stake;
        nd->ss_max = n->max_stake;
    }
    return nd->ss;
}

bool rn_view_agrees(const relay_net *n, uint32_t node, double now)
{
    const rn_view *v = &n->view[node];
    rn_view f = fresh_view(&n->nodes[node]);
    if (v->stake != f.stake || v->vram_gb != f.vram_gb || v->models != f.models || v->gpu != f.gpu ||
        v->inuse != f.inuse || v->free != f.free || v->exact != f.exact)
        return false;
    /* the GPU index holds the node exactly while it is free, under its GPU
     * only */
    for (uint32_t g = 0; g < RN_GPU_INDEX && !n->gpu_index_off; g++) {
        bool in = n->gpu_free[g] && (n->gpu_free[g][node / 64] >> (node % 64) & 1);
        if (in != (f.free && f.gpu == g))
            return false;
    }
    if (v->epoch != n->epoch || relay_health_timed(&n->nodes[node].q))
        return true; /* no score kept, or one not used */
    const rn_node *nd = &n->nodes[node];
    double s = relay_node_score_2026(n->p, &nd->q, relay_staking_score(nd->stake + nd->delegated, n->max_stake),
                                     now);
    return s == v->score || (s != s && v->score != v->score);
}

void rn_view_prepare(relay_net *n)
{
    if (n->view_max_low) { /* the largest stake left, or one of several equal */
        n->view_max = 0;
        for (uint32_t a = RN_ACC_FIRST; a < n->max_acc; a++)
            if (n->view[a].stake > n->view_max)
                n->view_max = n->view[a].stake;
        n->view_max_low = false;
    }
    wei_t max = n->view_max;
    if (n->p->window_sum_kickout || n->p->window_timeout_kickout) {
        uint32_t k = 0; /* their steps start tasks between draws: a fixed list */
        for (uint32_t a = RN_ACC_FIRST; a < n->n_acc; a++)
            if (n->view[a].free)
                n->free_nodes[k++] = a;
        n->n_listed = k;
    }
    if (max != n->max_stake && ++n->epoch == 0) { /* every kept score is stale */
        for (uint32_t a = 0; a < n->max_acc; a++)
            n->view[a].epoch = 0; /* after 2^32 changes, lest an old epoch come back */
        n->epoch = 1;
    }
    n->max_stake = max;
}

/* Free node a, whose VRAM and GPU fit task t, as candidate k: its weight
 * into n->w[k]. */
static void add_candidate(relay_net *n, const rn_task *t, uint32_t a, size_t k, const double factor[2],
                          double now)
{
    rn_view *v = &n->view[a];
    /* a candidate dropped by its weight (< 0) stays in the list: a list of
     * such candidates only still takes a uniform draw */
    n->cand[k] = a;
    rn_node *nd = &n->nodes[a];
    /* the base-model gate (one base model per task here), without the
     * record when the bits tell */
    if (!(v->models & model_bit(t->model)) || (!(t->model < 64 && v->exact) && !rn_has_model(nd, t->model))) {
        n->w[k] = -1;
        return;
    }
    double s;
    if (v->epoch == n->epoch) {
        s = v->score;
    } else {
        s = relay_node_score_2026(n->p, &nd->q, rn_staking_score(n, nd), now);
        if (!relay_health_timed(&nd->q)) {
            v->score = s;
            v->epoch = n->epoch;
        }
    }
    /* < 0: excluded by its health */
    n->w[k] = s < 0 ? -1 : s * factor[v->inuse == t->model];
}

size_t rn_view_candidates_2026(relay_net *n, const rn_task *t, double now)
{
    size_t k = 0;
    /* the in-use boost's factors of this task, computed once */
    const double factor[2] = {relay_inuse_factor_2026(n->p, 0, 1), relay_inuse_factor_2026(n->p, 1, 1)};
    uint32_t g = t->w.gpu, end = n->n_acc;
    if (g && g < RN_GPU_INDEX && !n->gpu_index_off) {
        /* the required GPU's free nodes, in account order, as the scan
         * below meets them */
        const uint64_t *bits = n->gpu_free[g];
        for (uint32_t i = 0; bits && i <= (end - 1) / 64; i++)
            for (uint64_t w = bits[i]; w; w &= w - 1) {
                uint32_t a = i * 64 + (uint32_t)__builtin_ctzll(w);
                if (a >= RN_ACC_FIRST && a < end && n->view[a].vram_gb >= t->w.vram_gb)
                    add_candidate(n, t, a, k++, factor, now);
            }
        return k;
    }
    for (uint32_t a = RN_ACC_FIRST; a < end; a++) {
        const rn_view *v = &n->view[a];
        if (!v->free || v->vram_gb < t->w.vram_gb || (g && v->gpu != g))
            continue;
        add_candidate(n, t, a, k++, factor, now);
    }
    return k;
}
