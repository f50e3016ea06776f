/* bench_kernels: how close the kernels come to this machine's roofs.
 *
 *   read bandwidth  STREAM-style read of a 1 GiB array (far above the LLC)
 *   matvec          Q4_0 / Q8_0 16384 x 14336 weights, cycled over enough
 *                   copies that every call streams from memory: weight GB/s
 *                   and its share of the read bandwidth
 *   cache-resident  4096 x 4096: reported as GB/s but not held to the roof
 *   matmul          512-token prefill on 4096 x 4096: GFLOP/s, FP32 against
 *                   OpenBLAS sgemm on the same shapes
 *   model           synthetic Llama-2-7B decode / prefill tokens/s at Q4_0
 *                   and Q8_0 beside the timing model's prediction
 * Every figure is the median of repeated runs; 1 and 2 threads in one run. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernels/kern.h"
#include "kernels/kern_model.h"
#include "timing/tim.h"

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

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmpd);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static volatile uint64_t sink;

static double bench_read(const void *buf, size_t bytes, int reps)
{
    double t[16];
    sink ^= kern_read_all(buf, bytes); /* warm */
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        sink ^= kern_read_all(buf, bytes);
        t[r] = now() - t0;
    }
    return (double)bytes / median(t, reps) / 1e9;
}

/* Seconds per product, median, cycling over ncopy weight matrices. */
static double time_gemm(kern_mat *w, int ncopy, const float *x, size_t m, float *y, kern_qact *qa,
                        int reps)
{
    double t[32];
    kern_gemm(&w[0], x, m, y, NULL, qa);
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        kern_gemm(&w[r % ncopy], x, m, y, NULL, qa);
        t[r] = now() - t0;
    }
    return median(t, reps);
}

static void fill(float *x, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        x[i] = (float)((double)(seed >> 8) / 16777216.0 - 0.5);
    }
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
    enum { P = 32, D = 4 };
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
    printf("kernels on %s; 1 and 2 threads, medians\n\n", kern_isa_name(kern_isa_get()));
    double bw[3] = {0};

    /* --- read bandwidth */
    size_t rb = (size_t)1 << 30;
    void *buf = kern_alloc(rb);
    memset(buf, 1, rb);
    for (int th = 1; th <= 2; th++) {
        kern_threads_set(th);
        bw[th] = bench_read(buf, rb, 7);
        printf("read bandwidth, 1 GiB array, %d thread%s: %.2f GB/s\n", th, th > 1 ? "s" : "",
               bw[th]);
    }
    kern_free(buf);

    /* --- memory-bound matvec */
    const size_t N = 16384, K = 14336;
    float *x = malloc(K * sizeof *x), *y = malloc(N * 512 * sizeof *y);
    fill(x, K, 3);
    const kern_type qt[2] = {KERN_Q4_0, KERN_Q8_0};
    printf("\nmatvec %zu x %zu (weights streamed from memory)\n", N, K);
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
            double s = time_gemm(w, ncopy, x, 1, y, &qa, 3 * ncopy);
            double gbs = (double)bytes / s / 1e9;
            printf("  %-5s %d thr: %7.2f ms  %6.2f GB/s weights  %5.1f%% of read bandwidth\n",
                   kern_type_name(qt[q]), th, s * 1e3, gbs, 100 * gbs / bw[th]);
        }
        kern_qact_free(&qa);
        for (int c = 0; c < ncopy; c++)
            kern_mat_free(&w[c]);
    }

    /* --- cache-resident matvec and prefill matmul on 4096 x 4096 */
    const size_t S = 4096, M = 512;
    float *xm = malloc(M * S * sizeof *xm);
    fill(xm, M * S, 5);
    printf("\n4096 x 4096: cache-resident matvec (not a bandwidth figure) and %zu-token matmul\n", M);
    double gf_f32[3] = {0};
    const kern_type all[3] = {KERN_F32, KERN_Q8_0, KERN_Q4_0};
    for (int q = 0; q < 3; q++) {
        kern_mat w;
        kern_mat_alloc(&w, all[q], S, S);
        kern_mat_synth(&w, 7, 0.02f);
        kern_qact q1, qm;
        kern_qact_alloc(&q1, 1, S);
        kern_qact_alloc(&qm, M, S);
        for (int th = 1; th <= 2; th++) {
            kern_threads_set(th);
            double sv = time_gemm(&w, 1, xm, 1, y, &q1, 21);
            double sm = time_gemm(&w, 1, xm, M, y, &qm, 3);
            double gf = 2.0 * (double)M * (double)S * (double)S / sm / 1e9;
            if (all[q] == KERN_F32)
                gf_f32[th] = gf;
            printf("  %-5s %d thr: matvec %6.3f ms (%6.2f GB/s in cache)   matmul %7.1f ms  "
                   "%6.1f GFLOP/s  x%.2f of f32\n",
                   kern_type_name(all[q]), th, sv * 1e3,
                   (double)(w.row_bytes * S) / sv / 1e9, sm * 1e3, gf, gf / gf_f32[th]);
        }
        kern_qact_free(&q1);
        kern_qact_free(&qm);
        kern_mat_free(&w);
    }
    {
        float *wf = malloc(S * S * sizeof *wf);
        fill(wf, S * S, 9);
        for (int th = 1; th <= 2; th++) {
            openblas_set_num_threads(th);
            double t[3];
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)M, (int)S, (int)S, 1.0f, xm,
                        (int)S, wf, (int)S, 0.0f, y, (int)S);
            for (int r = 0; r < 3; r++) {
                double t0 = now();
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)M, (int)S, (int)S, 1.0f,
                            xm, (int)S, wf, (int)S, 0.0f, y, (int)S);
                t[r] = now() - t0;
            }
            double gf = 2.0 * (double)M * (double)S * (double)S / median(t, 3) / 1e9;
            printf("  OpenBLAS sgemm %d thr: %6.1f GFLOP/s; avrami f32 reaches %.0f%% of it\n", th,
                   gf, 100 * gf_f32[th] / gf);
        }
        free(wf);
    }
    free(xm);
    free(x);
    free(y);
    bench_model();
    return 0;
}
