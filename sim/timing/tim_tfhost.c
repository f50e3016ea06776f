/* tim_tfhost: transformers' host costs per benchmark machine (docs/timing.md
 * "transformers").
 *
 * At batch 1 eager PyTorch is bound by the host: the Python forward and its
 * kernel launches per decoder layer, and bitsandbytes' work per quantized
 * linear layer.  How long that takes is a property of the machine's CPU, not
 * of the card: h2oGPT's benchmark (benchmarks/perf.json records the host
 * name of every run) ran an RTX 4090 and an RTX 6000 Ada in one machine at
 * the same speed within 3% in all three modes, and its RTX 3090 machine at
 * 0.45x of that.  So each named host gets one factor on all its host costs
 * (its time over the reference host's), fitted on its fit.json rows; the
 * reference is the median host (a host without rows, or not named, takes it).
 *
 * Each row's host seconds are what its step leaves once the card's streaming
 * time is accounted for (tim_tf_host_of_step); rows whose time the card's
 * streaming alone explains say nothing of the host and are skipped.
 * Alternating fit: the runtime-wide costs as medians over the rows' host
 * seconds divided by their host's factor (16-bit rows: per layer; 8-bit and
 * 4-bit: what is left per quantized linear layer), then each host's factor
 * as the geometric mean of its rows' host seconds over the costs, then the
 * factors divided by the median host's. */
#include <math.h>
#include <stdlib.h>

#include "timing/tim_calib.h"
#include "timing/tim_tfhost.h"

#define ITERATIONS 50

double tim_tf_combine(double gpu_s, double host_s, int blocking)
{
    return blocking ? gpu_s + host_s : fmax(gpu_s, host_s) + TIM_TF_UNOVERLAPPED * fmin(gpu_s, host_s);
}

double tim_tf_host_of_step(double step_s, double gpu_s)
{
    /* the host the longer side: step = host + u gpu */
    if (step_s - TIM_TF_UNOVERLAPPED * gpu_s >= gpu_s)
        return step_s - TIM_TF_UNOVERLAPPED * gpu_s;
    /* the GPU the longer side: step = gpu + u host */
    return TIM_TF_UNOVERLAPPED > 0 && step_s > gpu_s ? (step_s - gpu_s) / TIM_TF_UNOVERLAPPED : 0;
}

static double factor_of(const tim_tf_sample *s, const double *factor)
{
    return s->host >= 0 ? factor[s->host] : 1.0;
}

/* the host seconds of one token on the reference host */
static double reference_s(const tim_tf_sample *s, const tim_tf_host_costs *c)
{
    double per_linear = s->mode == TIM_TF_INT8 ? c->int8_s : s->mode == TIM_TF_4BIT ? c->q4_s : 0;
    return s->layers * (c->layer_s + s->linears * per_linear);
}

static void fit_costs(const tim_tf_sample *s, int n, const double *factor, double *v,
                      tim_tf_host_costs *c)
{
    for (int mode = TIM_TF_FP16; mode <= TIM_TF_4BIT; mode++) {
        int m = 0;
        for (int k = 0; k < n; k++) {
            double host = tim_tf_host_of_step(s[k].t, s[k].gpu_s);
            if (s[k].mode != mode || !(host > 0))
                continue;
            double t = host / factor_of(&s[k], factor);
            v[m++] = mode == TIM_TF_FP16
                         ? t / s[k].layers
                         : (t - s[k].layers * c->layer_s) / (s[k].layers * (double)s[k].linears);
        }
        double med = tim_median(v, m);
        if (mode == TIM_TF_FP16)
            c->layer_s = med;
        else if (mode == TIM_TF_INT8)
            c->int8_s = fmax(med, 0);
        else
            c->q4_s = fmax(med, 0);
    }
}

/* each host's factor from its rows, then all divided by the median host's;
 * hosts without a usable row keep 1 (the reference) */
static void fit_factors(const tim_tf_sample *s, int n, int nhosts, const tim_tf_host_costs *c,
                        double *factor, double *v)
{
    int fitted = 0;
    for (int h = 0; h < nhosts; h++) {
        double lsum = 0;
        int m = 0;
        for (int k = 0; k < n; k++) {
            double ref = reference_s(&s[k], c), host = tim_tf_host_of_step(s[k].t, s[k].gpu_s);
            if (s[k].host != h || !(host > 0) || !(ref > 0))
                continue;
            lsum += log(host / ref);
            m++;
        }
        factor[h] = m ? exp(lsum / m) : 0;
        if (m)
            v[fitted++] = log(factor[h]);
    }
    double mid = exp(tim_median(v, fitted));
    for (int h = 0; h < nhosts; h++)
        factor[h] = factor[h] > 0 ? factor[h] / mid : 1.0;
}

int tim_tf_fit_hosts(const tim_tf_sample *s, int n, int nhosts, tim_tf_host_costs *c, double *factor)
{
    double *v = malloc(sizeof *v * (size_t)(n + nhosts + 1));
    if (!v)
        return -1;
    for (int h = 0; h < nhosts; h++)
        factor[h] = 1.0;
    *c = (tim_tf_host_costs){0, 0, 0};
    for (int it = 0; it < ITERATIONS; it++) {
        fit_costs(s, n, factor, v, c);
        fit_factors(s, n, nhosts, c, factor, v);
    }
    fit_costs(s, n, factor, v, c);
    free(v);
    return 0;
}
