/* bench_kernels: how close the kernels come to this machine's roofs.
 *
 *   read bandwidth  STREAM-style read of a 1 GiB array (far above the LLC)
 *   matvec          Q4_0 / Q8_0 16384 x 14336 weights, cycled over enough
 *                   copies that every call streams from memory: weight GB/s
 *                   and its share of the read bandwidth
 *   cache-resident  4096 x 4096: reported as GB/s but not held to the roof
 *   matmul          512-token prefill on 4096 x 4096: GFLOP/s of FP32, Q8_0
 *                   and Q4_0, FP32 against OpenBLAS sgemm on the same shapes
 *   model           synthetic Llama-2-7B decode / prefill tokens/s at Q4_0
 *                   and Q8_0 beside the timing model's prediction
 *
 * The machine is shared, so a figure taken a minute apart from its yardstick
 * says little: each repetition measures the roof and the kernel (or FP32,
 * Q8_0, Q4_0 and OpenBLAS) back to back, the ratio is taken within the
 * repetition, and the report gives medians of figures and of ratios. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernels/kern.h"
#include "kernels/kern_model.h"
#include "timing/tim.h"

enum { MAXREP = 64 };

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
    double s[MAXREP];
    memcpy(s, v, (size_t)n * sizeof *v);
    qsort(s, (size_t)n, sizeof *s, cmpd);
    return n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

static volatile uint64_t sink;

static double time_read(const void *buf, size_t bytes)
{
    double t0 = now();
    sink ^= kern_read_all(buf, bytes);
    return now() - t0;
}

static double time_gemm(const kern_mat *w, const float *x, size_t m, float *y, kern_qact *qa)
{
    double t0 = now();
    kern_gemm(w, x, m, y, NULL, qa);
    return now() - t0;
}

static void fill(float *x, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        x[i] = (float)((double)(seed >> 8) / 16777216.0 - 0.5);
    }
}

/* Memory-bound matvec: roof and kernel back to back, reps times. */
static void bench_matvec(const void *rbuf, size_t rbytes)
{
    const size_t N = 16384, K = 14336;
    const kern_type qt[2] = {KERN_Q4_0, KERN_Q8_0};
    const int reps = 15;
    float *x = malloc(K * sizeof *x), *y = malloc(N * sizeof *y);
    fill(x, K, 3);
    printf("\nmatvec %zu x %zu, weights streamed from memory; each repetition reads the\n"
           "1 GiB roof array, then runs the product (medians of %d)\n",
           N, K, reps);
    for (int q = 0; q < 2; q++) {
        size_t bytes = kern_row_bytes(qt[q], K) * N;
        int ncopy = (int)(((size_t)1 << 30) / bytes + 1);
        kern_mat w[16];
        for (int c = 0; c < ncopy; c++) {
            kern_mat_alloc(&w[c], qt[q], N, K);
            kern_mat_synth(&w[c], 100 + (uint64_t)c, 0.02f);
        }
        kern_qact qa;
        kern_qact_alloc(&qa, 1, K);
        for (int th = 1; th <= 2; th++) {
            kern_threads_set(th);
            double roof[MAXREP], gbs[MAXREP], ratio[MAXREP];
            time_gemm(&w[0], x, 1, y, &qa);
            for (int r = 0; r < reps; r++) {
                roof[r] = (double)rbytes / time_read(rbuf, rbytes) / 1e9;
                gbs[r] = (double)bytes / time_gemm(&w[r % ncopy], x, 1, y, &qa) / 1e9;
                ratio[r] = gbs[r] / roof[r];
            }
            printf("  %-5s %d thr: read roof %6.2f GB/s   weights %6.2f GB/s   %5.1f%% of the roof"
                   "  (target >= %d%%)\n",
                   kern_type_name(qt[q]), th, median(roof, reps), median(gbs, reps),
                   100 * median(ratio, reps), qt[q] == KERN_Q4_0 ? 95 : 90);
        }
        kern_qact_free(&qa);
        for (int c = 0; c < ncopy; c++)
            kern_mat_free(&w[c]);
    }
    free(x);
    free(y);
}

/* 4096 x 4096: cache-resident matvec, then the 512-token matmul of FP32,
 * Q8_0, Q4_0 and OpenBLAS sgemm in turn within each repetition. */
static void bench_square(void)
{
    const size_t S = 4096, M = 512;
    const int reps = 5;
    const kern_type all[3] = {KERN_F32, KERN_Q8_0, KERN_Q4_0};
    float *xm = malloc(M * S * sizeof *xm), *y = malloc(M * S * sizeof *y);
    float *wf = malloc(S * S * sizeof *wf);
    fill(xm, M * S, 5);
    kern_mat w[3];
    kern_qact q1[3], qm[3];
    for (int q = 0; q < 3; q++) {
        kern_mat_alloc(&w[q], all[q], S, S);
        kern_mat_synth(&w[q], 7, 0.02f);
        kern_qact_alloc(&q1[q], 1, S);
        kern_qact_alloc(&qm[q], M, S);
    }
    for (size_t r = 0; r < S; r++)
        kern_mat_get_row(&w[0], r, wf + r * S);
    printf("\n4096 x 4096 matvec, cache-resident (GB/s in cache, not a bandwidth figure)\n");
    for (int th = 1; th <= 2; th++) {
        kern_threads_set(th);
        printf("  %d thr:", th);
        for (int q = 0; q < 3; q++) {
            double t[21];
            time_gemm(&w[q], xm, 1, y, &q1[q]);
            for (int r = 0; r < 21; r++)
                t[r] = time_gemm(&w[q], xm, 1, y, &q1[q]);
            printf("  %s %6.2f", kern_type_name(all[q]),
                   (double)(w[q].row_bytes * S) / median(t, 21) / 1e9);
        }
        printf("\n");
    }
    printf("\n%zu-token matmul on 4096 x 4096: FP32, Q8_0, Q4_0 (VNNI) and OpenBLAS sgemm in\n"
           "turn each repetition (medians of %d; ratios within a repetition)\n",
           M, reps);
    const double flop = 2.0 * (double)M * (double)S * (double)S;
    for (int th = 1; th <= 2; th++) {
        kern_threads_set(th);
        openblas_set_num_threads(th);
        double gf[4][MAXREP], vs[4][MAXREP];
        for (int r = -1; r < reps; r++) {
            double t[4];
            for (int q = 0; q < 3; q++)
                t[q] = time_gemm(&w[q], xm, M, y, &qm[q]);
            double t0 = now();
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)M, (int)S, (int)S, 1.0f, xm,
                        (int)S, wf, (int)S, 0.0f, y, (int)S);
            t[3] = now() - t0;
            for (int k = 0; r >= 0 && k < 4; k++) {
                gf[k][r] = flop / t[k] / 1e9;
                vs[k][r] = t[0] / t[k]; /* speed against FP32 */
            }
        }
        double ob[MAXREP];
        for (int r = 0; r < reps; r++)
            ob[r] = 1 / vs[3][r];
        printf("  %d thr: f32 %6.1f GFLOP/s (%3.0f%% of OpenBLAS %6.1f; target >= 70%%)   "
               "q8_0 %6.1f (x%.2f f32)   q4_0 %6.1f (x%.2f f32)\n",
               th, median(gf[0], reps), 100 * median(ob, reps), median(gf[3], reps),
               median(gf[1], reps), median(vs[1], reps), median(gf[2], reps),
               median(vs[2], reps));
    }
    for (int q = 0; q < 3; q++) {
        kern_mat_free(&w[q]);
        kern_qact_free(&q1[q]);
        kern_qact_free(&qm[q]);
    }
    free(wf);
    free(xm);
    free(y);
}

/* Synthetic Llama-2-7B: a 32-token prefill and decode steps after it, beside
 * what the host roofline (models/calibration/host.json) predicts. */
static void bench_model(void)
{
    char err[512];
    kern_model_cfg c;
    if (kern_model_cfg_load("models/llms.json", "Llama-2-7B", &c, err, sizeof err)) {
        printf("\nmodel: %s\n", err);
        return;
    }
    tim_host h[3];
    int have = !tim_host_load("models/calibration/host.json", 1, &h[1], err, sizeof err) &&
               !tim_host_load("models/calibration/host.json", 2, &h[2], err, sizeof err);
    if (!have)
        printf("\n(no timing prediction: %s; run avrami calibrate)\n", err);
    enum { P = 32, D = 5 };
    int tok[P];
    for (int i = 0; i < P; i++)
        tok[i] = (i * 7919) % c.vocab;
    const kern_type qt[2] = {KERN_Q4_0, KERN_Q8_0};
    printf("\nsynthetic %s (%.2fB parameters), prefill %d tokens, decode at position %d\n",
           c.name, kern_model_params(&c) / 1e9, P, P);
    for (int q = 0; q < 2; q++) {
        kern_model m;
        kern_threads_set(2);
        double t0 = now();
        if (kern_model_init(&m, &c, qt[q], P + D + 1, 1, NULL)) {
            printf("  %s: out of memory\n", kern_type_name(qt[q]));
            continue;
        }
        printf("  %s: %.2f GB of weights, synthesized in %.1f s\n", kern_type_name(qt[q]),
               m.weight_bytes / 1e9, now() - t0);
        for (int th = 2; th >= 1; th--) {
            kern_threads_set(th);
            t0 = now();
            kern_model_forward(&m, tok, P, 0, NULL);
            double tp = now() - t0, td[D];
            for (int i = 0; i < D; i++) {
                t0 = now();
                kern_model_forward(&m, &tok[i], 1, P + i, NULL);
                td[i] = now() - t0;
            }
            double dm = median(td, D);
            printf("    %d thr: prefill %6.2f tok/s   decode %6.2f tok/s (%5.1f GB/s of weights)",
                   th, P / tp, 1 / dm, m.weight_bytes / dm / 1e9);
            if (have)
                printf("   predicted: prefill %6.2f, decode %6.2f tok/s",
                       P / tim_host_forward_seconds(&h[th], &c, qt[q], P, 0),
                       1 / tim_host_forward_seconds(&h[th], &c, qt[q], 1, P));
            printf("\n");
        }
        kern_model_free(&m);
    }
}

int main(void)
{
    printf("kernels on %s; 1 and 2 threads\n", kern_isa_name(kern_isa_get()));
    size_t rb = (size_t)1 << 30;
    void *buf = kern_alloc(rb);
    memset(buf, 1, rb);
    bench_matvec(buf, rb);
    kern_free(buf);
    bench_square();
    bench_model();
    return 0;
}
