/* Node selection weights in the Relay.  Sources (crynux-network/crynux-relay):
 *   2025-03  service/select_nodes.go @ f2bb1b1 (rules of 513c911)
 *   2025-07  service/select_nodes.go, service/selecting_prob.go @ 0601431
 *   2026     service/task_matching.go, service/selecting_prob.go,
 *            service/qos.go @ 24ffc26
 * The Relay computes weights in float64 and draws with gonum's
 * sampleuv.Weighted; the arithmetic below keeps its order of operations. */
#include <math.h>

#include "protocol/relay/relay.h"

double relay_staking_score(wei_t stake, wei_t max_stake)
{
    if (max_stake == 0)
        return 0;
    /* CalculateStakingScore: big.NewFloat(0) has precision 53, so SetInt
     * rounds both amounts to doubles, Quo and Sqrt round to 53 bits: the
     * IEEE operations on the converted amounts (u128 -> double rounds to
     * nearest even), as the Go vectors in tests/unit/relay_go_vectors.h
     * confirm bit for bit. */
    return sqrt((double)stake / (double)max_stake);
}

static double staking_of(const relay_cand *c, wei_t max_stake)
{
    return c->has_staking ? c->staking : relay_staking_score(c->stake, max_stake);
}

/* S*Q/(S+Q), 0 when either is 0 (CalculateSelectingProb) */
static double harmonic(double s, double q)
{
    if (s == 0 || q == 0)
        return 0;
    return s * q / (s + q);
}

static bool same_models(const relay_cand *c, uint32_t task_models)
{
    /* isSameModels(inUse, task): equal lengths and every in-use model is a
     * task model */
    return c->inuse_count == task_models && c->inuse_match == c->inuse_count;
}

static size_t weights_2025_03(const relay_params *p, const relay_cand *c, size_t n,
                              uint32_t task_models, double *w)
{
    size_t changed = 0;
    for (size_t i = 0; i < n; i++)
        changed += c[i].local_match > 0 || same_models(&c[i], task_models);
    for (size_t i = 0; i < n; i++) {
        bool ch = c[i].local_match > 0 || same_models(&c[i], task_models);
        if (changed && !ch) {
            w[i] = -1; /* nodes with task models take precedence */
            continue;
        }
        /* node.QOSScore *= cnt and *= 2 act on the uint64 before the 0 -> 10
         * rule of selectNodesByScore: a node never scored keeps weight 10 */
        uint64_t score = c[i].q->score;
        if (c[i].local_match > 0)
            score *= c[i].local_match;
        if (same_models(&c[i], task_models))
            score *= 2;
        w[i] = (double)(score > 0 ? score : p->rewards[0]);
    }
    return changed ? changed : n;
}

static size_t weights_2025_07(const relay_params *p, const relay_cand *c, size_t n,
                              uint32_t task_models, wei_t max_stake, double *w)
{
    size_t local = 0;
    for (size_t i = 0; i < n; i++)
        local += c[i].local_match > 0;
    for (size_t i = 0; i < n; i++) {
        double q = c[i].q->qos_score / (double)p->rewards[0];
        if (q == 0)
            q = 0.5; /* a node never scored */
        double prob = harmonic(staking_of(&c[i], max_stake), q);
        if (local == 0) {
            w[i] = prob;
        } else if (c[i].local_match == 0) {
            w[i] = -1;
        } else if (same_models(&c[i], task_models)) {
            w[i] = prob * 2;
        } else {
            w[i] = prob * (1 + (double)c[i].local_match / (double)task_models);
        }
    }
    return local ? local : n;
}

double relay_node_score_2026(const relay_params *p, const relay_qos *q, double staking, double now_s)
{
    if (relay_health_excluded(p, q, now_s)) /* the hard filter */
        return -1;
    double qos_long = q->qos_score / (double)p->rewards[0];
    if (qos_long == 0)
        qos_long = 0.5;
    double qos = qos_long * relay_health_at(p, q, now_s);
    return harmonic(staking, qos);
}

double relay_inuse_factor_2026(const relay_params *p, uint32_t inuse_match, uint32_t base_models)
{
    return base_models > 0 ? 1 + p->inuse_boost * (double)inuse_match / (double)base_models : 1;
}

static size_t weights_2026(const relay_params *p, const relay_cand *c, size_t n,
                           uint32_t base_models, wei_t max_stake, double now_s, double *w)
{
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        /* the base-model gate with no fallback, and the hard filter */
        double s = c[i].local_match != base_models
                       ? -1
                       : relay_node_score_2026(p, c[i].q, staking_of(&c[i], max_stake), now_s);
        if (s < 0) {
            w[i] = -1;
            continue;
        }
        /* score *= 1 + boost * inuse / base: the factor rounded first, as a
         * compound assignment evaluates it (a factor of 1 leaves s as it is) */
        w[i] = s * relay_inuse_factor_2026(p, c[i].inuse_match, base_models);
        kept++;
    }
    return kept;
}

size_t relay_weights(const relay_params *p, const relay_cand *c, size_t n,
                     uint32_t task_models, wei_t max_stake, double now_s, double *w)
{
    if (p->window_sum_kickout)
        return weights_2025_03(p, c, n, task_models, w);
    if (p->window_timeout_kickout)
        return weights_2025_07(p, c, n, task_models, max_stake, w);
    return weights_2026(p, c, n, task_models, max_stake, now_s, w);
}

/* candidate i's weight, < 0 when its node is reserved */
static inline double weight_at(const double *w, const uint32_t *nodes, const uint8_t *reserved, size_t i)
{
    return reserved && reserved[nodes[i]] ? -1 : w[i];
}

long relay_pick_unreserved(const double *w, const uint32_t *nodes, const uint8_t *reserved, size_t n,
                           double u)
{
    double total = 0;
    long first = -1, last = -1;
    for (size_t i = 0; i < n; i++) {
        double wi = weight_at(w, nodes, reserved, i);
        if (wi < 0)
            continue;
        if (first < 0)
            first = (long)i;
        if (wi > 0)
            last = (long)i;
        total += wi;
    }
    if (first < 0 || total <= 0)
        return first;
    double target = u * total, acc = 0;
    for (size_t i = 0; i < n; i++) {
        double wi = weight_at(w, nodes, reserved, i);
        if (wi <= 0)
            continue;
        acc += wi;
        if (target < acc)
            return (long)i;
    }
    return last; /* u*total rounded up to the sum */
}

/* the lowest index of node in the ascending nodes[0, n), n when absent */
static size_t position_of(const uint32_t *nodes, size_t n, uint32_t node)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (nodes[mid] < node)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && nodes[lo] == node ? lo : n;
}

long relay_pick_prefix(relay_prefix *pf, const double *w, const uint32_t *nodes, const uint8_t *reserved,
                       size_t n, const uint32_t *made, size_t n_made, double u)
{
    if (pf->sorted < 0) {
        pf->sorted = 1;
        for (size_t i = 1; i < n && pf->sorted; i++)
            pf->sorted = nodes[i - 1] < nodes[i];
    }
    /* the running totals from the first candidate reserved since */
    for (; pf->seen < n_made; pf->seen++) {
        size_t at = pf->sorted ? position_of(nodes, n, made[pf->seen]) : 0;
        if (at < pf->valid)
            pf->valid = at;
    }
    double total = pf->valid ? pf->acc[pf->valid - 1] : 0;
    for (size_t i = pf->valid; i < n; i++) {
        double wi = weight_at(w, nodes, reserved, i);
        if (!(wi < 0)) /* the first pass's test: a NaN is summed too */
            total += wi;
        pf->acc[i] = total;
    }
    pf->valid = n;
    /* a total that is not finite makes the search below meaningless: the
     * reference draw decides */
    if (!isfinite(total))
        return relay_pick_unreserved(w, nodes, reserved, n, u);
    if (total <= 0) {
        for (size_t i = 0; i < n; i++)
            if (!(weight_at(w, nodes, reserved, i) < 0))
                return (long)i;
        return -1;
    }
    /* the first running total above the target: the second pass's pick,
     * since the totals only rise at kept weights > 0 */
    double target = u * total;
    if (!(target >= 0)) /* u outside [0, 1): the reference decides */
        return relay_pick_unreserved(w, nodes, reserved, n, u);
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (target < pf->acc[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    if (lo < n)
        return (long)lo;
    for (size_t i = n; i-- > 0;) /* u*total rounded up to the sum: the last weight > 0 */
        if (weight_at(w, nodes, reserved, i) > 0)
            return (long)i;
    return -1;
}

long relay_pick(const double *w, size_t n, double u)
{
    return relay_pick_unreserved(w, NULL, NULL, n, u);
}
