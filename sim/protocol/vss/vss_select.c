/* Node.randomSelectAvailableNode and Node.randomSelectNodesWithoutModelID
 * (crynux-ai/crynux-contracts @ bd7ee24, contracts/Node.sol lines 490-865),
 * with the Random.choice / Random.choices draws of contracts/Random.sol.
 *
 * The contract lists the candidates (filter{Available,}NodesBy{GPUID,Vram}:
 * the group's set, or the sets of every VRAM size >= the task's in
 * _{available,all}GPUVramSet order, nodes of a matching version), keeps
 * those holding the task's models (selectNodesWithModelID) or lacking the
 * model (selectNodesWithoutModelID), and draws an index with probability
 * proportional to nodesMap.score (Random.choice: exponential keys
 * -log2(r)/w; Random.choices: the k smallest keys, which is the order of
 * successive draws without replacement).  The model draws the same
 * distribution through the caller's chooser: u uniform in [0, Σw), and the
 * candidate where the running sum of the weights, in the contract's order,
 * first exceeds u.
 *
 * Two ways to that candidate, equal for every u (tests/unit/test_vss_select.c
 * checks them against each other):
 * - the scan, the contract's statements: list, filter, sum, walk; O(nodes);
 * - through the groups' weight trees (vss_index.c), O(groups + log nodes),
 *   where the candidates are whole groups: every node of a drawn group is
 *   of a matching version or none is (vx_version_fit), no task model is
 *   held by any node (model_all[m] == 0; the simulator's nodes report no
 *   downloads), and no replay forcing.  Otherwise the scan runs.
 *
 * The pre-download notices' draws, where nobody reads the notices
 * (vss_set_muted_events, vss_set_unread_draws), only take their random
 * numbers: a node is found only from the first draw whose number depends
 * on its bound (take_unread; tests/unit/test_vss_select.c runs such a
 * model beside one that finds every node). */
#include <string.h>

#include "protocol/vss/vss_internal.h"

#define NO_GPU UINT32_MAX
#define MIXED (UINT32_MAX - 1)

/* The node sets filterAvailableNodesBy{GPUID,Vram} (avail) or
 * filterNodesBy{GPUID,Vram} (all) iterate, in the contract's order, into
 * p->cgroups: the GPU id's set, or the set of every VRAM size >= the
 * task's.  Returns their count; NO_GPU when a required GPU id is not in the
 * set of ids at all. */
static uint32_t filter_sets(vss *p, const vtask *t, bool avail)
{
    uint32_t n = 0;
    if (t->gpu) {
        uint32_t g = vn_gpu_find(p, t->gpu, t->gpu_vram);
        const vset *gs = avail ? &p->avail_gpu_set : &p->all_gpu_set;
        if (g == VSS_NOBODY || vset_find(gs, g) < 0)
            return NO_GPU;
        p->cgroups[n++] = avail ? &p->gpus[g].avail : &p->gpus[g].all;
        return n;
    }
    const vset *vs = avail ? &p->avail_vram_set : &p->all_vram_set;
    for (uint32_t k = 0; k < vs->len; k++) {
        vgroup *v = &p->vrams[vs->items[k]];
        if (v->vram >= t->min_vram)
            p->cgroups[n++] = avail ? &v->avail : &v->all;
    }
    return n;
}

/* ---- the scan ---- */

/* The candidates of those sets, nodes of a matching version, with
 * nodesMap.score as weight.  Returns the count; NO_GPU as filter_sets. */
static uint32_t candidates(vss *p, const vtask *t, bool avail)
{
    uint32_t n_sets = filter_sets(p, t, avail), n = 0;
    if (n_sets == NO_GPU)
        return NO_GPU;
    for (uint32_t k = 0; k < n_sets; k++) {
        const oset *s = &p->cgroups[k]->set.s;
        for (uint32_t i = 0; i < s->len; i++) {
            uint32_t a = s->items[i];
            if (vn_version_match(p->node[a].version, t->version)) {
                p->cand[n] = a;
                p->cw[n++] = p->node[a].score;
            }
        }
    }
    return n;
}

/* An index drawn with probability weight / total (Random.choice). */
static uint32_t draw_weighted(vss *p, const uint64_t *w, const uint8_t *skip, uint32_t n)
{
    uint64_t total = 0;
    for (uint32_t i = 0; i < n; i++)
        if (!skip || !skip[i])
            total += w[i];
    uint64_t u = p->chooser.draw && total ? p->chooser.draw(p->chooser.ctx, total) : 0;
    uint32_t last = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (skip && skip[i])
            continue;
        last = i;
        if (u < w[i])
            return i;
        u -= w[i];
    }
    return last;
}

/* randomSelectAvailableNode by the contract's statements */
static uint32_t select_available_scan(vss *p, const vtask *t)
{
    uint32_t n = candidates(p, t, true);
    if (n == NO_GPU || n == 0)
        return VSS_NOBODY;
    /* selectNodesWithModelID: nodes holding any of the task's models (any
     * node, not only available ones, defines _modelIDSet), weight summed
     * once per matching model; all candidates if none holds one */
    uint32_t count = 0;
    memset(p->csel, 0, n);
    uint64_t *changed = p->cw + n; /* scratch after the weights */
    for (uint32_t k = 0; k < t->n_models; k++) {
        uint32_t m = t->models[k];
        if (!p->model_all[m])
            continue;
        for (uint32_t j = 0; j < n; j++)
            if (vn_contains_model(p, p->cand[j], m)) {
                if (p->csel[j]) {
                    changed[j] += p->cw[j];
                } else {
                    p->csel[j] = 1;
                    changed[j] = p->cw[j];
                    count++;
                }
            }
    }
    if (count) {
        uint32_t k = 0;
        for (uint32_t j = 0; j < n; j++)
            if (p->csel[j]) {
                p->cand[k] = p->cand[j];
                p->cw[k++] = changed[j];
            }
        n = k;
    }
    /* addScoreByModelIDs: lastModelIDs is always empty at bd7ee24 */
    if (t->n_models == 0)
        for (uint32_t j = 0; j < n; j++)
            p->cw[j] *= 2;
    if (p->forced_node_on) {
        p->forced_node_on = false;
        for (uint32_t j = 0; j < n; j++)
            if (p->cand[j] == p->forced_node)
                return p->forced_node;
        p->forced_err = "the forced node is not among the nodes the contract could select";
    }
    return p->cand[draw_weighted(p, p->cw, NULL, n)];
}

/* Whether the forced notice list for `model` (replay) is a draw the contract
 * could make from the n candidates; *k receives the draw's size. */
static bool forced_ok(vss *p, const struct vforced_dl *f, uint32_t n, uint32_t count,
                      uint32_t selected, bool told, uint32_t *out, uint32_t *k)
{
    uint32_t want = n < count ? n : count;
    bool self_drawn = false; /* the selected node drawn, its notice not sent twice */
    for (uint32_t j = 0; j < n && told; j++)
        self_drawn |= p->cand[j] == selected;
    for (uint32_t i = 0; i < f->n; i++) {
        bool found = false;
        for (uint32_t j = 0; j < n; j++)
            found |= p->cand[j] == f->nodes[i];
        for (uint32_t k2 = 0; k2 < i; k2++)
            found &= f->nodes[k2] != f->nodes[i];
        if (!found || (told && f->nodes[i] == selected))
            return false;
    }
    if (f->n != want && !(self_drawn && f->n + 1 == want))
        return false;
    memcpy(out, f->nodes, f->n * sizeof *out);
    *k = f->n;
    if (f->n + 1 == want)
        out[(*k)++] = selected;
    return true;
}

/* randomSelectNodesWithoutModelID by the contract's statements */
static uint32_t select_without_model_scan(vss *p, const vtask *t, uint32_t model,
                                          uint32_t count, uint32_t selected, bool told,
                                          uint32_t *out)
{
    uint32_t n = candidates(p, t, false);
    if (n == NO_GPU)
        return 0;
    if (p->model_all[model]) {
        uint32_t k = 0;
        for (uint32_t j = 0; j < n; j++)
            if (!vn_contains_model(p, p->cand[j], model)) {
                p->cand[k] = p->cand[j];
                p->cw[k++] = p->cw[j];
            }
        n = k;
    }
    if (p->dl_forcing) {
        static const struct vforced_dl none = {0};
        const struct vforced_dl *f = &none;
        for (uint32_t i = 0; i < p->n_forced_dl; i++)
            if (p->forced_dl[i].start + 1 == p->starts && p->forced_dl[i].model == model)
                f = &p->forced_dl[i];
        uint32_t k;
        if (forced_ok(p, f, n, count, selected, told, out, &k))
            return k;
        p->forced_err = "the download notices are not a choice the contract could make";
    }
    if (n < count) {
        memcpy(out, p->cand, n * sizeof *out);
        return n;
    }
    memset(p->csel, 0, n);
    for (uint32_t i = 0; i < count; i++) {
        uint32_t j = draw_weighted(p, p->cw, p->csel, n);
        p->csel[j] = 1;
        out[i] = p->cand[j];
    }
    return count;
}

/* ---- through the weight trees ---- */

/* The sets of filter_sets whose members all match the task's version, kept
 * in p->cgroups (a set none of whose members matches adds no candidate).
 * Returns their count; NO_GPU as filter_sets; MIXED when a set holds members
 * of matching and other versions. */
static uint32_t gather(vss *p, const vtask *t, bool avail)
{
    uint32_t n_sets = filter_sets(p, t, avail), n = 0;
    if (n_sets == NO_GPU)
        return NO_GPU;
    for (uint32_t k = 0; k < n_sets; k++) {
        vx_fit fit = vx_version_fit(p->cgroups[k], t->version);
        if (fit == VX_SOME)
            return MIXED;
        if (fit == VX_ALL)
            p->cgroups[n++] = p->cgroups[k];
    }
    return n;
}

static bool models_held(const vss *p, const uint32_t *models, uint32_t n)
{
    for (uint32_t k = 0; k < n; k++)
        if (p->model_all[models[k]])
            return true;
    return false;
}

/* The candidate at running sum u (u < Σ of the sets' totals, which are
 * tot[0..n)): its set and position there; the last candidate when u is
 * past them, as the scan's walk.  False when there is none. */
static bool find_in(const vss *p, uint32_t n, const uint64_t *tot, uint64_t u, uint32_t *set,
                    uint32_t *pos)
{
    for (uint32_t i = 0; i < n; i++) {
        if (u < tot[i]) {
            *set = i;
            *pos = psum_find(&p->cgroups[i]->set.w, u);
            return true;
        }
        u -= tot[i];
    }
    for (uint32_t i = n; i-- > 0;) /* the sets' last member with weight > 0 */
        if (tot[i]) {
            *set = i;
            *pos = psum_find(&p->cgroups[i]->set.w, tot[i] - 1);
            return true;
        }
    return false;
}

static uint32_t member(const vss *p, uint32_t set, uint32_t pos)
{
    return p->cgroups[set]->set.s.items[pos];
}

static uint64_t choose(vss *p, uint64_t total)
{
    return p->chooser.draw && total ? p->chooser.draw(p->chooser.ctx, total) : 0;
}

static uint32_t select_available_indexed(vss *p, const vtask *t, uint32_t n_sets)
{
    uint64_t tot[VSS_MAX_VRAMS], total = 0;
    for (uint32_t i = 0; i < n_sets; i++)
        total += tot[i] = psum_total(&p->cgroups[i]->set.w);
    if (total == 0) /* weights are >= 1: no candidate */
        return VSS_NOBODY;
    p->indexed_draws++;
    /* addScoreByModelIDs doubles every weight of a task without model ids:
     * u < 2·S  <=>  floor(u / 2) < S */
    uint64_t u = t->n_models == 0 ? choose(p, 2 * total) / 2 : choose(p, total);
    uint32_t set, pos;
    return find_in(p, n_sets, tot, u, &set, &pos) ? member(p, set, pos) : VSS_NOBODY;
}

#define MAX_MASKED 16 /* draws without replacement through the trees (VSSTask asks <= 10) */

/* The notices nobody reads (vss_set_unread_draws): takes the first numbers of
 * the count draws, whose bounds lie in [2, total] (each leaves n - k >= 2
 * nodes of weight >= 1 when n > count), while every such bound accepts them.
 * Returns how many draws that ended; below count, *refused tells whether
 * x[returned] holds a number some bound refused (the draw to end with its
 * bound), or none was taken (no host functions, or bounds out of range). */
static uint32_t take_unread(vss *p, uint64_t total, uint32_t n, uint32_t count, uint64_t *x,
                            bool *refused)
{
    *refused = false;
    if (!p->unread.take || total > 0xffffffffULL || n <= count)
        return 0;
    for (uint32_t k = 0; k < count; k++)
        if (!p->unread.take(p->unread.ctx, total, &x[k])) {
            *refused = true;
            return k;
        }
    return count;
}

static uint32_t select_without_model_indexed(vss *p, uint32_t n_sets, uint32_t count,
                                             uint32_t *out)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < n_sets; i++)
        n += p->cgroups[i]->set.s.len;
    p->indexed_draws++;
    if (n < count) { /* "return nodes": every candidate, in order */
        uint32_t k = 0;
        for (uint32_t i = 0; i < n_sets; i++) {
            const oset *s = &p->cgroups[i]->set.s;
            memcpy(out + k, s->items, s->len * sizeof *out);
            k += s->len;
        }
        return k;
    }
    /* without replacement: a drawn member's weight is 0 until the last draw,
     * then restored (raw writes: they cancel out within the transaction) */
    uint64_t tot[VSS_MAX_VRAMS], w[MAX_MASKED], total = 0;
    uint32_t set[MAX_MASKED], pos[MAX_MASKED], k;
    for (uint32_t i = 0; i < n_sets; i++)
        total += tot[i] = psum_total(&p->cgroups[i]->set.w);
    /* the last draw's node serves only its notice: unrecorded, only its
     * random number is taken */
    bool last_told = !(p->muted >> VSS_EV_DOWNLOAD_MODEL & 1);
    uint64_t x[MAX_MASKED];
    bool refused = false;
    uint32_t taken = last_told ? 0 : take_unread(p, total, n, count, x, &refused);
    if (taken == count) { /* every draw ended: no node to find */
        for (k = 0; k < count; k++)
            out[k] = VSS_NOBODY;
        return count;
    }
    for (k = 0; k < count; k++) {
        /* the draws before `taken` were accepted whatever their bound (their
         * value: x % bound); the one at `taken`, refused by some bound, ends
         * now that its bound is known */
        uint64_t u = k < taken                ? x[k] % total
                     : k == taken && refused ? p->unread.finish(p->unread.ctx, total, x[k])
                                              : choose(p, total);
        if (k + 1 == count && !last_told) {
            out[k] = VSS_NOBODY;
            break;
        }
        if (!find_in(p, n_sets, tot, u, &set[k], &pos[k]))
            vss_revert(p, "avrami: no candidate left to draw"); /* n >= count: cannot happen */
        out[k] = member(p, set[k], pos[k]);
        if (k + 1 == count)
            break;
        w[k] = psum_get(&p->cgroups[set[k]]->set.w, pos[k]);
        psum_add(NULL, &p->cgroups[set[k]]->set.w, pos[k], (uint64_t)0 - w[k]);
        tot[set[k]] -= w[k];
        total -= w[k];
    }
    for (uint32_t i = k; i-- > 0;)
        psum_add(NULL, &p->cgroups[set[i]]->set.w, pos[i], w[i]);
    return count;
}

/* ---- the two selections ---- */

/* Node.randomSelectAvailableNode; VSS_NOBODY where it reverts "No available
 * node" (the only revert VSSTask.createTask catches). */
uint32_t vn_select_available(vss *p, const vtask *t)
{
    if (p->linear_only || p->forced_node_on || models_held(p, t->models, t->n_models))
        return select_available_scan(p, t);
    uint32_t n_sets = gather(p, t, true);
    if (n_sets == NO_GPU)
        return VSS_NOBODY;
    if (n_sets == MIXED)
        return select_available_scan(p, t);
    return select_available_indexed(p, t, n_sets);
}

/* Node.randomSelectNodesWithoutModelID: up to `count` nodes (all GPU/VRAM
 * matching nodes, available or not) lacking `model`, weighted by score,
 * without replacement, in the order Random.choices returns them (smallest key
 * first, which is the order of successive weighted draws).  `selected` and
 * `told` (it lacked the model) only serve a forced choice. */
uint32_t vn_select_without_model(vss *p, const vtask *t, uint32_t model, uint32_t count,
                                 uint32_t selected, bool told, uint32_t *out)
{
    if (p->linear_only || p->dl_forcing || count > MAX_MASKED || models_held(p, &model, 1))
        return select_without_model_scan(p, t, model, count, selected, told, out);
    uint32_t n_sets = gather(p, t, false);
    if (n_sets == NO_GPU)
        return 0;
    if (n_sets == MIXED)
        return select_without_model_scan(p, t, model, count, selected, told, out);
    return select_without_model_indexed(p, n_sets, count, out);
}

void vss_set_linear_selection(vss *p, bool on) { p->linear_only = on; }
uint64_t vss_indexed_draws(const vss *p) { return p->indexed_draws; }
