/* tim_calib: measure kernels on this host and fit a roofline to them.
 *
 * Per (weight type, thread count) the model is
 *     t = max(flops / F, bytes / B) + c + rows * r     (one activation row)
 *     t = flops / F + bytes / B + c + rows * r         (several: tim_roof_time)
 * fitted to every measured point by minimizing the squared log error (so a
 * 10 us point weighs as much as a 100 ms one) with GSL's simplex.  Matrix-
 * vector points rotate over enough weight copies that they stream from
 * memory, as a decoding model's weights do. */
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernels/kern_model.h"
#include "timing/tim_calib.h"
#include "timing/tim_json.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double tim_median(double *v, int n)
{
    if (n <= 0)
        return 0;
    gsl_sort(v, 1, (size_t)n);
    return gsl_stats_median_from_sorted_data(v, 1, (size_t)n);
}

double tim_lower_quartile(double *v, int n)
{
    gsl_sort(v, 1, (size_t)n);
    double q = 0.25 * (double)(n - 1);
    int i = (int)q;
    return i + 1 < n ? v[i] + (q - i) * (v[i + 1] - v[i]) : v[i];
}

double tim_point_flops(const tim_point *p)
{
    return 2.0 * (double)p->m * (double)p->n * (double)p->k;
}

double tim_point_bytes(const tim_point *p)
{
    return (double)p->n * (double)kern_row_bytes(p->type, p->k) + 4.0 * (double)p->m * (double)p->k;
}

int tim_measure(tim_point *p, int reps, size_t rotate_bytes)
{
    size_t one = p->n * kern_row_bytes(p->type, p->k);
    /* small matrices need many copies to leave the caches (a model's small
     * projections stream from memory with the rest of its weights); so do
     * the few-row products of a short prompt, which a forward pass also
     * reads from memory: measured on one cache-resident copy, a 4-row
     * product of TinyLlama's shapes looked as fast as a 1-row one streamed,
     * while in the model's forward it took 1.5 times as long */
    int copies = p->m <= TIM_STREAMED_ROWS ? (int)(rotate_bytes / (one ? one : 1)) + 1 : 1;
    if (copies > 4096)
        copies = 4096;
    kern_mat *w = calloc((size_t)copies, sizeof *w);
    float *x = malloc(p->m * p->k * sizeof *x), *y = malloc(p->m * p->n * sizeof *y);
    double *t = malloc((size_t)reps * sizeof *t);
    kern_qact qa;
    int rc = -1;
    if (!w || !x || !y || !t || kern_qact_alloc(&qa, p->m, p->k))
        goto out;
    for (size_t i = 0; i < p->m * p->k; i++)
        x[i] = (float)((i * 2654435761u) % 1000) / 1000.0f - 0.5f;
    for (int c = 0; c < copies; c++) {
        if (kern_mat_alloc(&w[c], p->type, p->n, p->k))
            goto out;
        kern_mat_synth(&w[c], 1000 + (uint64_t)c, 0.02f);
    }
    kern_threads_set(p->threads);
    kern_gemm(&w[0], x, p->m, y, NULL, &qa); /* warm: threads, pages, caches */
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        kern_gemm(&w[(r + 1) % copies], x, p->m, y, NULL, &qa);
        t[r] = now() - t0;
    }
    p->seconds = tim_lower_quartile(t, reps);
    rc = 0;
out:
    if (w)
        for (int c = 0; c < copies; c++)
            kern_mat_free(&w[c]);
    kern_qact_free(&qa);
    free(w), free(x), free(y), free(t);
    return rc;
}

struct fit_data {
    const tim_point *p;
    int n;
};

static double objective(const gsl_vector *v, void *arg)
{
    const struct fit_data *d = arg;
    tim_roof r = {exp(gsl_vector_get(v, 0)), exp(gsl_vector_get(v, 1)), exp(gsl_vector_get(v, 2)),
                  exp(gsl_vector_get(v, 3))};
    double s = 0;
    for (int i = 0; i < d->n; i++) {
        double e = log(tim_roof_time(&r, tim_point_flops(&d->p[i]), tim_point_bytes(&d->p[i]),
                                     (double)d->p[i].n, (double)d->p[i].m) /
                       d->p[i].seconds);
        s += e * e;
    }
    return s;
}

double tim_mape(const tim_roof *r, const tim_point *p, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++)
        s += fabs(tim_roof_time(r, tim_point_flops(&p[i]), tim_point_bytes(&p[i]), (double)p[i].n,
                                (double)p[i].m) -
                  p[i].seconds) /
             p[i].seconds;
    return n ? 100.0 * s / n : 0;
}

int tim_fit(const tim_point *p, int n, tim_roof *out)
{
    if (n < 1)
        return -1;
    /* start from the best rates seen: the roofs are at least that high */
    double F = 1, B = 1, cmin = 1;
    for (int i = 0; i < n; i++) {
        F = fmax(F, tim_point_flops(&p[i]) / p[i].seconds);
        B = fmax(B, tim_point_bytes(&p[i]) / p[i].seconds);
        cmin = fmin(cmin, p[i].seconds);
    }
    struct fit_data d = {p, n};
    gsl_multimin_function fn = {objective, 4, &d};
    gsl_vector *x = gsl_vector_alloc(4), *step = gsl_vector_alloc(4);
    gsl_vector_set(x, 0, log(F));
    gsl_vector_set(x, 1, log(B));
    gsl_vector_set(x, 2, log(cmin * 0.1));
    gsl_vector_set(x, 3, log(1e-8)); /* 10 ns a row */
    gsl_vector_set_all(step, 0.5);
    gsl_multimin_fminimizer *s = gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, 4);
    gsl_multimin_fminimizer_set(s, &fn, x, step);
    for (int it = 0; it < 2000; it++) {
        if (gsl_multimin_fminimizer_iterate(s))
            break;
        if (gsl_multimin_test_size(gsl_multimin_fminimizer_size(s), 1e-6) == GSL_SUCCESS)
            break;
    }
    out->F = exp(gsl_vector_get(s->x, 0));
    out->B = exp(gsl_vector_get(s->x, 1));
    out->c = exp(gsl_vector_get(s->x, 2));
    out->r = exp(gsl_vector_get(s->x, 3));
    gsl_multimin_fminimizer_free(s);
    gsl_vector_free(x);
    gsl_vector_free(step);
    return 0;
}

int tim_points_from_json(const cJSON *points, const char *path, tim_point **out, int *n, char *err,
                         size_t errlen)
{
    *out = NULL;
    *n = 0;
    int len = cJSON_GetArraySize(points);
    if (!cJSON_IsArray(points) || len < 1) {
        snprintf(err, errlen, "%s: .points: expected an array of measured points", path);
        return -1;
    }
    tim_point *p = calloc((size_t)len, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "%s: out of memory for %d points", path, len);
        return -1;
    }
    int i = 0;
    for (cJSON *o = points->child; o; o = o->next, i++) {
        cJSON *ty = cJSON_GetObjectItemCaseSensitive(o, "type");
        double th, m, nn, k, sec;
        if (!cJSON_IsString(ty) || kern_type_parse(ty->valuestring, &p[i].type) ||
            (p[i].type != KERN_F32 && p[i].type != KERN_Q8_0 && p[i].type != KERN_Q4_0)) {
            snprintf(err, errlen, "%s: .points[%d].type: expected f32, q8_0 or q4_0", path, i);
            free(p);
            return -1;
        }
        if (tim_json_num(o, "threads", &th, path, "points", i, err, errlen) ||
            tim_json_num(o, "m", &m, path, "points", i, err, errlen) ||
            tim_json_num(o, "n", &nn, path, "points", i, err, errlen) ||
            tim_json_num(o, "k", &k, path, "points", i, err, errlen) ||
            tim_json_num(o, "seconds", &sec, path, "points", i, err, errlen)) {
            free(p);
            return -1;
        }
        const char *bad = th > 64 || th != floor(th)       ? "threads"
                          : m >= 1 << 20 || m != floor(m)  ? "m"
                          : nn >= 1 << 20 || nn != floor(nn) ? "n"
                          : k >= 1 << 20 || k != floor(k)  ? "k"
                                                           : NULL;
        if (bad) {
            snprintf(err, errlen, "%s: .points[%d].%s: expected a whole number (threads up to 64, "
                     "sizes below 2^20)", path, i, bad);
            free(p);
            return -1;
        }
        p[i].threads = (int)th;
        p[i].m = (size_t)m, p[i].n = (size_t)nn, p[i].k = (size_t)k;
        p[i].seconds = sec;
    }
    *out = p;
    *n = len;
    return 0;
}

static void empty_part(void *arg, int i, int n)
{
    (void)arg, (void)i, (void)n;
}

double tim_measure_parallel_call(int threads)
{
    enum { R = 200, WARM = 20 };
    double t[R];
    int before = kern_threads_get();
    kern_threads_set(threads);
    for (int r = 0; r < WARM + R; r++) {
        double t0 = now();
        while (now() - t0 < 20e-6) /* the serial pass before the call */
            ;
        t0 = now();
        kern_parallel(empty_part, NULL);
        if (r >= WARM)
            t[r - WARM] = now() - t0;
    }
    kern_threads_set(before);
    return tim_lower_quartile(t, R);
}

/* Checksums land here so that no read can be optimized away. */
static volatile uint64_t sink;

double tim_measure_read_gbs(size_t bytes, int threads, int reps)
{
    void *buf = kern_alloc(bytes);
    double *t = malloc((size_t)reps * sizeof *t), gbs = 0;
    if (buf && t) {
        memset(buf, 1, bytes);
        kern_threads_set(threads);
        sink ^= kern_read_all(buf, bytes);
        for (int r = 0; r < reps; r++) {
            double t0 = now();
            sink ^= kern_read_all(buf, bytes);
            t[r] = now() - t0;
        }
        gbs = (double)bytes / tim_lower_quartile(t, reps) / 1e9;
    }
    kern_free(buf);
    free(t);
    return gbs;
}

double tim_measure_forward(kern_model *m, int n, int pos0, int reps)
{
    /* the last token's logits too: a task's every forward ends with the
     * output head, and tim_host_forward_seconds counts it */
    int *tok = malloc((size_t)n * sizeof *tok);
    float *logits = malloc((size_t)m->cfg.vocab * sizeof *logits);
    double *t = malloc((size_t)reps * sizeof *t), s = -1;
    if (tok && logits && t) {
        for (int i = 0; i < n; i++)
            tok[i] = (i * 7919) % m->cfg.vocab;
        if (pos0 > 0) /* fill the cache up to pos0 first */
            kern_model_forward(m, tok, 1, 0, logits);
        kern_model_forward(m, tok, n, pos0, logits);
        for (int r = 0; r < reps; r++) {
            double t0 = now();
            kern_model_forward(m, tok, n, pos0, logits);
            t[r] = now() - t0;
        }
        s = tim_lower_quartile(t, reps);
    }
    free(tok);
    free(logits);
    free(t);
    return s;
}

void tim_measure_serial(double *quant_ns, double *act_ns, double *gelu_ns, double *elem_ns)
{
    enum { M = 64, K = 4096, R = 5 };
    float *x = malloc((size_t)M * K * sizeof *x), *y = malloc((size_t)M * K * sizeof *y),
          *w = malloc((size_t)K * sizeof *w);
    kern_qact q;
    double t[R];
    *quant_ns = *act_ns = *gelu_ns = *elem_ns = 0;
    if (!x || !y || !w || kern_qact_alloc(&q, M, K)) {
        free(x), free(y), free(w);
        return;
    }
    for (int i = 0; i < K; i++)
        w[i] = 1.0f + (float)(i % 7) / 64.0f;
    for (size_t i = 0; i < (size_t)M * K; i++)
        x[i] = (float)((i * 2654435761u) % 2000) / 500.0f - 2.0f;
    int threads = kern_threads_get(); /* one thread's cost per element */
    kern_threads_set(1);
    for (int r = 0; r < R; r++) {
        double t0 = now();
        kern_quantize_act(&q, x);
        t[r] = now() - t0;
    }
    kern_threads_set(threads);
    *quant_ns = tim_lower_quartile(t, R) / (M * K) * 1e9;
    volatile float sink = 0;
    for (int r = 0; r < R; r++) {
        double t0 = now();
        float acc = 0;
        for (size_t i = 0; i < (size_t)M * K; i++)
            acc += kern_silu(x[i]) * x[i];
        sink += acc;
        t[r] = now() - t0;
    }
    *act_ns = tim_lower_quartile(t, R) / (M * K) * 1e9;
    /* as the forward applies it: in place over the MLP's rows, on inputs
     * whose signs and sizes follow no pattern, as an MLP's do (N(0, 1), the
     * size of a LayerNorm'd row).  tanhf branches on the size of its
     * argument: over the repeating ramp above, which the branch predictor
     * learns, GELU took 13 ns an element here; over random values 17-19 ns,
     * and 20 ns inside a 13-token gpt2 forward.  SiLU does not care (4.1 ns
     * either way). */
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    if (g) {
        gsl_rng_set(g, 1);
        for (size_t i = 0; i < (size_t)M * K; i++)
            x[i] = (float)gsl_ran_gaussian(g, 1.0);
        gsl_rng_free(g);
    }
    for (int r = 0; r < R; r++) {
        for (size_t i = 0; i < (size_t)M * K; i++) /* in place, as the forward does */
            y[i] = x[i];
        double t0 = now();
        for (size_t i = 0; i < (size_t)M * K; i++)
            y[i] = kern_gelu(y[i]);
        t[r] = now() - t0;
    }
    sink += y[K / 3];
    (void)sink;
    *gelu_ns = tim_lower_quartile(t, R) / (M * K) * 1e9;
    /* a normalization pass over each token's row: the per-element cost of
     * the forward's other serial passes (norms, residual adds, rotary
     * embedding, cache writes), each a stream over an L1/L2-resident row */
    for (int r = 0; r < R; r++) {
        double t0 = now();
        for (int i = 0; i < M; i++)
            kern_rmsnorm(y + (size_t)i * K, x + (size_t)i * K, w, K, 1e-5f);
        t[r] = now() - t0;
    }
    sink += y[K / 2];
    *elem_ns = tim_lower_quartile(t, R) / (M * K) * 1e9;
    kern_qact_free(&q);
    free(x), free(y), free(w);
}
