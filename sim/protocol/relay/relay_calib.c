/* relay-2026: per-GPU calibration of execution-time estimates.  Source:
 * crynux-network/crynux-relay @ 24ffc26, service/task_execution_calibration.go
 * (candidateCalibrationsLocked, meanParameters, CalibrateValidatedSDTask,
 * CalibrateUploadedLLMTask, calibrationReady, DescribeExecutionTimeout) and
 * service/weighted_least_squares.go (accumulateWeightedSample,
 * fitRidgeLeastSquares).  The floating-point expressions keep the Go code's
 * order of operations.  gonum solves the scaled system by LU with partial
 * pivoting; GSL's LU does the same (the last bits may differ).  gonum also
 * refuses a solution whose condition estimate exceeds 1e16: after the ridge
 * term and the unit-diagonal scaling the condition stays near 1e9-1e10 even
 * for collinear samples, so that check is not reproduced. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>

#include "protocol/relay/relay_calib.h"

void relay_calib_free(relay_calib *c)
{
    free(c->rec);
    free(c->scr);
    free(c->hw);
    memset(c, 0, sizeof *c);
}

void relay_calib_initial(const relay_params *p, bool llm, double coef[RELAY_CALIB_DIM])
{
    memset(coef, 0, RELAY_CALIB_DIM * sizeof *coef);
    if (!llm) {
        coef[0] = p->sd_overhead_s;
        coef[1] = p->sd_s_per_pixel_step;
        return;
    }
    coef[0] = p->llm_const_s;
    coef[1] = p->llm_s_per_input_byte;
    coef[2] = p->llm_s_per_output_token;
    coef[3] = p->llm_switch_s;
    coef[4] = p->llm_s_per_image;
    coef[5] = p->llm_s_per_megapixel;
}

static int dim(bool llm) { return llm ? 6 : 2; }

double relay_estimate_with(const relay_task_work *t, const double coef[RELAY_CALIB_DIM], bool model_switch)
{
    if (!t->llm)
        return coef[0] + (double)t->sd_units * coef[1];
    double sw = model_switch ? 1 : 0;
    return coef[0] + (double)t->llm_input_bytes * coef[1] + (double)t->llm_max_new_tokens * coef[2] +
           sw * coef[3] + (double)t->llm_images * coef[4] + ((double)t->llm_image_pixels / 1000000) * coef[5];
}

static bool ready(const relay_params *p, const relay_calib_rec *r) { return r->samples >= p->calib_warmup; }

static bool same_key(const relay_calib_key *a, const relay_calib_key *b)
{
    return a->llm == b->llm && a->gpu == b->gpu && a->gpu_vram == b->gpu_vram && a->model == b->model &&
           a->config == b->config;
}

relay_calib_rec *relay_calib_record(const relay_params *p, relay_calib *c, const relay_calib_key *k)
{
    for (size_t i = 0; i < c->n; i++)
        if (same_key(&c->rec[i].k, k))
            return &c->rec[i];
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 16;
        relay_calib_rec *rec = realloc(c->rec, cap * sizeof *rec);
        if (!rec)
            return NULL;
        c->rec = rec;
        size_t *scr = realloc(c->scr, cap * sizeof *scr);
        if (!scr)
            return NULL;
        c->scr = scr;
        bool *hw = realloc(c->hw, cap * sizeof *hw);
        if (!hw)
            return NULL;
        c->hw = hw;
        c->cap = cap;
    }
    relay_calib_rec *r = &c->rec[c->n++];
    memset(r, 0, sizeof *r);
    r->k = *k;
    relay_calib_initial(p, k->llm, r->coef);
    return r;
}

/* fitRidgeLeastSquares on an n x n system: false when a scale or a
 * coefficient is not finite, or the matrix is singular. */
static bool fit_ridge(const double xtx[RELAY_CALIB_DIM][RELAY_CALIB_DIM], const double *xty, const double *initial,
                      double reg, int n, double *out)
{
    double a[RELAY_CALIB_DIM * RELAY_CALIB_DIM], y[RELAY_CALIB_DIM], scale[RELAY_CALIB_DIM], x[RELAY_CALIB_DIM];
    for (int i = 0; i < n; i++) {
        double d = xtx[i][i] + reg;
        scale[i] = sqrt(d);
        if (!(scale[i] > 0) || !isfinite(scale[i]))
            return false;
        y[i] = (xty[i] + reg * initial[i]) / scale[i];
    }
    for (int i = 0; i < n; i++)
        for (int j = i; j < n; j++) {
            double m = i == j ? xtx[i][i] + reg : xtx[i][j];
            a[i * n + j] = a[j * n + i] = m / (scale[i] * scale[j]);
        }
    gsl_matrix_view A = gsl_matrix_view_array(a, (size_t)n, (size_t)n);
    gsl_vector_view Y = gsl_vector_view_array(y, (size_t)n);
    gsl_vector_view X = gsl_vector_view_array(x, (size_t)n);
    size_t perm[RELAY_CALIB_DIM];
    gsl_permutation P = {.size = (size_t)n, .data = perm};
    int sign;
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    bool ok = gsl_linalg_LU_decomp(&A.matrix, &P, &sign) == GSL_SUCCESS &&
              gsl_linalg_LU_solve(&A.matrix, &P, &Y.vector, &X.vector) == GSL_SUCCESS;
    gsl_set_error_handler(old);
    if (!ok)
        return false;
    for (int i = 0; i < n; i++) {
        out[i] = x[i] / scale[i];
        if (!isfinite(out[i]))
            return false;
        if (out[i] < 0)
            out[i] = 0;
    }
    return true;
}

bool relay_calib_sample(const relay_params *p, relay_calib *c, const relay_calib_key *k,
                        const relay_task_work *t, uint64_t completion_tokens, bool model_switch,
                        double actual_s, uint64_t task_min_vram)
{
    relay_calib_rec *r = relay_calib_record(p, c, k);
    if (!r)
        return false;
    int n = dim(k->llm);
    double x[RELAY_CALIB_DIM] = {1, (double)t->sd_units};
    if (k->llm) {
        x[1] = (double)t->llm_input_bytes;
        x[2] = (double)completion_tokens;
        x[3] = model_switch ? 1 : 0;
        x[4] = (double)t->llm_images;
        x[5] = (double)t->llm_image_pixels / 1000000;
    }
    double prediction = 0;
    if (k->llm)
        for (int i = 0; i < n; i++)
            prediction += x[i] * r->coef[i];
    else
        prediction = r->coef[0] + x[1] * r->coef[1];
    if (prediction > 0) { /* a positive residual is truncated */
        double max_actual = prediction * (1 + p->calib_max_residual_multiple);
        if (actual_s > max_actual)
            actual_s = max_actual;
    }
    /* accumulateWeightedSample on a copy, committed only when the fit works */
    double xtx[RELAY_CALIB_DIM][RELAY_CALIB_DIM], xty[RELAY_CALIB_DIM], coef[RELAY_CALIB_DIM], initial[RELAY_CALIB_DIM];
    memcpy(xtx, r->xtx, sizeof xtx);
    memcpy(xty, r->xty, sizeof xty);
    double alpha = p->calib_alpha, decay = 1 - alpha;
    for (int i = 0; i < n; i++) {
        for (int j = i; j < n; j++)
            xtx[i][j] = decay * xtx[i][j] + alpha * x[i] * x[j];
        xty[i] = decay * xty[i] + alpha * x[i] * actual_s;
    }
    relay_calib_initial(p, k->llm, initial);
    memcpy(coef, r->coef, sizeof coef);
    if (!fit_ridge(xtx, xty, initial, p->calib_regularization, n, coef))
        return false;
    memcpy(r->xtx, xtx, sizeof xtx);
    memcpy(r->xty, xty, sizeof xty);
    memcpy(r->coef, coef, sizeof coef);
    r->samples++;
    /* updateVRAMRequirement */
    if (r->min_vram == 0 || task_min_vram < r->min_vram)
        r->min_vram = task_min_vram;
    if (task_min_vram > r->max_vram)
        r->max_vram = task_min_vram;
    return true;
}

static uint64_t vram_distance(const relay_calib_rec *r, uint64_t min_vram)
{
    if (min_vram < r->min_vram)
        return r->min_vram - min_vram;
    if (min_vram > r->max_vram)
        return min_vram - r->max_vram;
    return 0;
}

/* candidateCalibrationsLocked: the records whose coefficients estimate task
 * t (model, t->config) on GPU gpu (by_gpu; else any GPU with at least
 * t->vram_gb), into c->scr; returns their number. */
static size_t candidates(const relay_params *p, relay_calib *c, const relay_task_work *t, uint32_t model,
                         bool by_gpu, uint32_t gpu, uint64_t gpu_vram, bool sampled_only)
{
    size_t *s = c->scr;
    size_t nh = 0, nm = 0, ne = 0, nx = 0;
    /* hardware, then matching (same model configuration), matchingExact
     * (also the same GPU name) and exactGPU (the same GPU name) */
    bool *hardware = c->hw;
    for (size_t i = 0; i < c->n; i++) {
        const relay_calib_rec *r = &c->rec[i];
        hardware[i] = r->k.llm == t->llm && (!sampled_only || r->samples > 0) &&
                      (by_gpu ? r->k.gpu_vram == gpu_vram : r->k.gpu_vram >= t->vram_gb);
        nh += hardware[i];
    }
    if (!nh)
        return 0;
    bool all_exact_ready = true;
    for (size_t i = 0; i < c->n; i++) {
        const relay_calib_rec *r = &c->rec[i];
        if (!hardware[i] || r->k.model != model || r->k.config != t->config)
            continue;
        nm++;
        if (by_gpu && r->k.gpu == gpu) {
            ne++;
            all_exact_ready = all_exact_ready && ready(p, r);
        }
    }
    if (ne && (sampled_only || all_exact_ready)) {
        for (size_t i = 0; i < c->n; i++)
            if (hardware[i] && c->rec[i].k.model == model && c->rec[i].k.config == t->config &&
                c->rec[i].k.gpu == gpu)
                s[nx++] = i;
        return nx;
    }
    if (nm) {
        for (size_t i = 0; i < c->n; i++)
            if (hardware[i] && c->rec[i].k.model == model && c->rec[i].k.config == t->config)
                s[nx++] = i;
        return nx;
    }
    /* no record of this model configuration: the nearest VRAM interval,
     * among the exact GPU's records when it has any */
    bool exact_gpu = false;
    for (size_t i = 0; by_gpu && i < c->n; i++)
        exact_gpu = exact_gpu || (hardware[i] && c->rec[i].k.gpu == gpu);
    uint64_t best = UINT64_MAX;
    for (size_t i = 0; i < c->n; i++) {
        if (!hardware[i] || (exact_gpu && c->rec[i].k.gpu != gpu))
            continue;
        uint64_t d = vram_distance(&c->rec[i], t->vram_gb);
        if (d < best) {
            best = d;
            nx = 0;
        }
        if (d == best)
            s[nx++] = i;
    }
    return nx;
}

double relay_calib_exec_seconds(const relay_params *p, relay_calib *c, const relay_task_work *t,
                                uint32_t model, uint32_t gpu, uint64_t gpu_vram, bool model_switch,
                                relay_est_source *src)
{
    double initial[RELAY_CALIB_DIM];
    relay_calib_initial(p, t->llm, initial);
    double prediction = relay_estimate_with(t, initial, model_switch);
    const relay_calib_rec *from = NULL;
    if (src)
        *src = RELAY_EST_INITIAL;
    if (!(p->calib_alpha > 0))
        return prediction;
    size_t n = candidates(p, c, t, model, true, gpu, gpu_vram, false);
    bool all_ready = n > 0, selected = false;
    for (size_t i = 0; i < n; i++)
        all_ready = all_ready && ready(p, &c->rec[c->scr[i]]);
    /* the Relay iterates a Go map; with this rule the order does not matter:
     * all ready, the largest prediction; else the largest of the initial one
     * and the ready ones */
    for (size_t i = 0; i < n; i++) {
        const relay_calib_rec *r = &c->rec[c->scr[i]];
        if (!ready(p, r))
            continue;
        double e = relay_estimate_with(t, r->coef, model_switch);
        if ((all_ready && !selected) || e >= prediction) {
            prediction = e;
            from = r;
        }
        selected = true;
    }
    if (src && from)
        *src = from->k.gpu == gpu && from->k.model == model && from->k.config == t->config ? RELAY_EST_OWN
                                                                                            : RELAY_EST_OTHER;
    return prediction;
}

uint64_t relay_calib_timeout_s(const relay_params *p, relay_calib *c, const relay_task_work *t,
                               uint32_t model, uint32_t gpu, uint64_t gpu_vram, bool model_switch,
                               relay_est_source *src)
{
    return relay_timeout_of(p, relay_calib_exec_seconds(p, c, t, model, gpu, gpu_vram, model_switch, src));
}

double relay_calib_price_seconds(const relay_params *p, relay_calib *c, const relay_task_work *t, uint32_t model)
{
    double mean[RELAY_CALIB_DIM] = {0};
    size_t n = p->calib_alpha > 0 ? candidates(p, c, t, model, t->gpu != 0, t->gpu, t->gpu_vram_gb, true) : 0;
    if (!n) {
        relay_calib_initial(p, t->llm, mean);
    } else {
        int d = dim(t->llm);
        for (size_t i = 0; i < n; i++)
            for (int j = 0; j < d; j++)
                mean[j] += c->rec[c->scr[i]].coef[j];
        for (int j = 0; j < d; j++)
            mean[j] /= (double)n;
    }
    return relay_estimate_with(t, mean, false);
}
