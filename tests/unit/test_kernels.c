/* Kernels: conversions, quantization, and the central promise — one numerics
 * profile gives the same bits on the scalar, AVX2 and AVX-512 paths and for
 * any thread count, close to the exact product, and different profiles differ. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "kernels/kern.h"

static void test_f16_roundtrip(void **state)
{
    (void)state;
    for (uint32_t h = 0; h < 65536; h++) {
        if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff))
            continue; /* NaN payloads need not survive */
        assert_int_equal(kern_f32_to_f16(kern_f16_to_f32((uint16_t)h)), h);
        assert_int_equal(kern_f32_to_bf16(kern_bf16_to_f32((uint16_t)h)), h);
    }
    assert_int_equal(kern_f32_to_f16(1.0f), 0x3c00);
    assert_int_equal(kern_f32_to_f16(65520.0f), 0x7c00);     /* rounds to infinity */
    assert_int_equal(kern_f32_to_f16(1.0f + 0x1p-11f), 0x3c00); /* tie to even */
    assert_int_equal(kern_f32_to_f16(1.0f + 0x1p-11f + 0x1p-20f), 0x3c01);
    assert_int_equal(kern_f32_to_f16(0x1p-24f), 0x0001);
    assert_int_equal(kern_f32_to_bf16(1.0f + 0x1p-8f), 0x3f80); /* tie to even */
}

static void fill(float *x, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        x[i] = (float)((double)(seed >> 8) / 16777216.0 - 0.5);
    }
}

static void test_quant_error(void **state)
{
    (void)state;
    enum { K = 256 };
    float x[K], back[K];
    fill(x, K, 7);
    const kern_type types[] = {KERN_Q8_0, KERN_Q4_0, KERN_F16, KERN_BF16};
    const double tol[] = {0.5 / 127 * 1.01, 1.0 / 8 * 1.01, 1e-3, 4e-3};
    for (int t = 0; t < 4; t++) {
        kern_mat m;
        assert_int_equal(kern_mat_alloc(&m, types[t], 1, K), 0);
        kern_mat_set_row(&m, 0, x);
        kern_mat_get_row(&m, 0, back);
        for (int b = 0; b < K / 32; b++) {
            float amax = 0;
            for (int i = 0; i < 32; i++)
                amax = fmaxf(amax, fabsf(x[b * 32 + i]));
            for (int i = 0; i < 32; i++)
                assert_true(fabs(back[b * 32 + i] - x[b * 32 + i]) <= tol[t] * amax + 1e-7);
        }
        kern_mat_free(&m);
    }
}

/* Activation quantization against a second, plain implementation of its
 * definition: scale amax / 127, values nearbyintf(x / scale) (ties to even),
 * the quad sums, and the pair order of the packed products (K = 96: a block
 * pair, then a single block in value order). */
static void test_quantize_act(void **state)
{
    (void)state;
    enum { M = 3, K = 96, NB = K / 32 };
    float x[M * K];
    fill(x, M * K, 41);
    for (int i = 0; i < 32; i++) /* block 0 of row 1: scale 1, exact halves */
        x[K + i] = i == 0 ? 127.0f : (float)i - 10.5f;
    kern_qact a;
    assert_int_equal(kern_qact_alloc(&a, M, K), 0);
    kern_quantize_act(&a, x);
    for (int r = 0; r < M; r++)
        for (int b = 0; b < NB; b++) {
            const float *xb = x + r * K + b * 32;
            float amax = 0;
            for (int i = 0; i < 32; i++)
                amax = fmaxf(amax, fabsf(xb[i]));
            float d = amax / 127.0f;
            assert_true(a.d[r * NB + b] == d);
            for (int q = 0; q < 8; q++) {
                int sum = 0;
                for (int e = 0; e < 4; e++) {
                    int v = (int)nearbyintf(xb[4 * q + e] * (1.0f / d));
                    sum += v;
                    assert_int_equal(a.qs[r * K + b * 32 + 4 * q + e], v);
                    assert_int_equal(a.qu[r * K + b * 32 + 4 * q + e], v + 128);
                    int pos = b < 2 ? 8 * q + 4 * b + e : 32 * b + 4 * q + e;
                    assert_int_equal(a.qi[r * K + pos], v);
                }
                assert_int_equal(a.s8[(r * NB + b) * 8 + q], 8 * sum);
                int qpos = b < 2 ? 2 * q + b : 8 * b + q;
                assert_int_equal(a.off4[r * K / 4 + qpos], -8 * sum);
                assert_int_equal(a.off8[r * K / 4 + qpos], -128 * sum);
            }
        }
    /* ties go to even: 0.5 -> 0, 1.5 -> 2, 2.5 -> 2, -9.5 -> -10 */
    assert_int_equal(a.qs[K + 11], 0);
    assert_int_equal(a.qs[K + 12], 2);
    assert_int_equal(a.qs[K + 13], 2);
    assert_int_equal(a.qs[K + 1], -10);
    kern_qact_free(&a);
}

/* Runs Y = X W^T on one ISA / thread count / profile. */
static void product(kern_type t, kern_isa isa, int threads, const kern_profile *p,
                    const float *wf, const float *x, size_t m, size_t n, size_t k, float *y)
{
    kern_isa_set(isa);
    kern_threads_set(threads);
    kern_mat w;
    assert_int_equal(kern_mat_alloc(&w, t, n, k), 0);
    for (size_t r = 0; r < n; r++)
        kern_mat_set_row(&w, r, wf + r * k);
    kern_gemm(&w, x, m, y, p, NULL);
    kern_mat_free(&w);
}

static void check_type(kern_type t, size_t m, size_t n, size_t k)
{
    float *wf = malloc(n * k * sizeof *wf), *x = malloc(m * k * sizeof *x);
    float *ref = malloc(m * n * sizeof *ref), *y = malloc(m * n * sizeof *y);
    float *deq = malloc(k * sizeof *deq);
    fill(wf, n * k, 11);
    fill(x, m * k, 23);
    kern_isa best = kern_isa_detect();
    for (int pi = 0; pi < kern_nprofiles; pi++) {
        const kern_profile *p = &kern_profiles[pi];
        product(t, KERN_ISA_SCALAR, 1, p, wf, x, m, n, k, ref);
        for (int isa = 0; isa <= (int)best; isa++)
            for (int th = 1; th <= 3; th++) {
                if (isa == 0 && th == 1)
                    continue;
                product(t, (kern_isa)isa, th, p, wf, x, m, n, k, y);
                if (memcmp(ref, y, m * n * sizeof *y)) {
                    for (size_t i = 0; i < m * n; i++)
                        if (memcmp(&ref[i], &y[i], 4))
                            print_error("%s %s isa=%s threads=%d: y[%zu] %.9g != %.9g\n",
                                        kern_type_name(t), p->name, kern_isa_name((kern_isa)isa),
                                        th, i, (double)y[i], (double)ref[i]);
                    fail();
                }
            }
    }
    /* close to the exact product of the stored weights */
    kern_mat w;
    assert_int_equal(kern_mat_alloc(&w, t, n, k), 0);
    for (size_t r = 0; r < n; r++)
        kern_mat_set_row(&w, r, wf + r * k);
    double xtol = (t == KERN_Q8_0 || t == KERN_Q4_0) ? 0.5 / 127 * 0.5 : 1e-6;
    for (size_t j = 0; j < n; j++) {
        kern_mat_get_row(&w, j, deq);
        for (size_t i = 0; i < m; i++) {
            double s = 0, mag = 0;
            for (size_t c = 0; c < k; c++) {
                s += (double)deq[c] * x[i * k + c];
                mag += fabs((double)deq[c]);
            }
            assert_true(fabs(s - ref[i * n + j]) <= xtol * mag + 1e-4);
        }
    }
    kern_mat_free(&w);
    free(wf), free(x), free(ref), free(y), free(deq);
    kern_threads_set(1);
    kern_isa_set(KERN_ISA_AVX512);
}

/* Shapes cross every edge: m > the 64-row chunk, n not a multiple of the
 * 4-row tile or the 16-row thread split, k past the 512 chunk with a tail. */
static void test_f32(void **s) { (void)s; check_type(KERN_F32, 67, 37, 1061); }
/* An attention's P V product: K is the prompt's length, all tail (13) or
 * a tail past one 16-lane step (47), against the scalar lanes. */
static void test_f32_attention_shapes(void **s)
{
    (void)s;
    check_type(KERN_F32, 13, 64, 13);
    check_type(KERN_F32, 47, 64, 47);
}
static void test_f16(void **s) { (void)s; check_type(KERN_F16, 6, 37, 547); }
static void test_bf16(void **s) { (void)s; check_type(KERN_BF16, 6, 37, 547); }
static void test_q8(void **s) { (void)s; check_type(KERN_Q8_0, 67, 37, 1120); }
static void test_q4(void **s) { (void)s; check_type(KERN_Q4_0, 5, 37, 1056); }
static void test_matvec(void **s) { (void)s; check_type(KERN_Q4_0, 1, 50, 4096); }
/* An even block count takes the packed 8-row kernels (the odd ones above the
 * one-output path): m past the 64-row chunk and not a multiple of the 4-row
 * tile, 33 block pairs = a 32-pair K chunk and a remainder, rows with a
 * row-major tail. */
static void test_q8_packed(void **s) { (void)s; check_type(KERN_Q8_0, 67, 37, 2112); }
static void test_q4_packed(void **s) { (void)s; check_type(KERN_Q4_0, 67, 37, 2112); }
static void test_matvec_q8(void **s) { (void)s; check_type(KERN_Q8_0, 1, 50, 4096); }

/* The packed layout byte for byte, as kern.h documents it, worked by hand
 * for one value: Q4_0, 16 rows x 96 columns (3 blocks: a pair and a single;
 * runs of 32 * 3 = 96 bytes, scales after the 4 runs at 384).  Row 11 is row
 * 3 of group 1: high nibbles of run 1.  Block 1 value 6 is quad 1, element 2
 * of the odd half: byte 8 * 1 + 4 + 2 = 14 of the pair. */
static void test_pack_layout(void **state)
{
    (void)state;
    kern_mat m;
    assert_int_equal(kern_mat_alloc(&m, KERN_Q4_0, 16, 96), 0);
    assert_int_equal(m.layout, KERN_LAYOUT_PACK8);
    kern_block_q4 b = {0x3c00, {0}}, back;
    b.qs[6] = 0x0d; /* value 6 = 13 - 8 (low nibble), value 22 = 0 - 8 */
    kern_mat_set_block(&m, 11, 1, &b);
    const uint8_t *g1 = (const uint8_t *)m.data + 8 * m.row_bytes;
    assert_int_equal(g1[96 * 1 + 14] >> 4, 0xd);
    assert_int_equal(g1[96 * 1 + 14] & 15, 0); /* row 10's nibble untouched */
    uint16_t sc;
    memcpy(&sc, g1 + 384 + 2 * (2 * 3 + 1), 2); /* scale [row 3, odd block] */
    assert_int_equal(sc, 0x3c00);
    kern_mat_get_block(&m, 11, 1, &back);
    assert_memory_equal(&b, &back, sizeof b);
    /* the single block 2 of row 11: after the pair in run 1, scale after the
     * pair's 32 bytes of scales */
    b.qs[0] = 0x70;
    kern_mat_set_block(&m, 11, 2, &b);
    assert_int_equal(g1[96 * 1 + 64 + 16] >> 4, 7); /* value 16 = high nibble of qs[0] */
    memcpy(&sc, g1 + 384 + 32 + 2 * 3, 2);
    assert_int_equal(sc, 0x3c00);
    kern_mat_free(&m);

    /* every block of every row (packed and a row-major tail) round-trips, in
     * both types, and rows do not disturb each other */
    for (int t = KERN_Q8_0; t <= KERN_Q4_0; t++) {
        enum { R = 19, C = 160 };
        assert_int_equal(kern_mat_alloc(&m, (kern_type)t, R, C), 0);
        float *src = malloc(R * C * sizeof *src), row[C], exp[C];
        fill(src, R * C, 77);
        for (int r = 0; r < R; r++)
            kern_mat_set_row(&m, (size_t)r, src + r * C);
        kern_mat one;
        assert_int_equal(kern_mat_alloc(&one, (kern_type)t, 1, C), 0);
        assert_int_equal(one.layout, KERN_LAYOUT_ROWS);
        for (int r = 0; r < R; r++) {
            kern_mat_set_row(&one, 0, src + r * C);
            kern_mat_get_row(&one, 0, exp);
            kern_mat_get_row(&m, (size_t)r, row);
            assert_memory_equal(row, exp, sizeof row);
        }
        kern_mat_free(&one);
        kern_mat_free(&m);
        free(src);
    }
}

/* Two profiles are two card models: they must not agree bit for bit. */
static void test_profiles_differ(void **state)
{
    (void)state;
    enum { N = 64, K = 4096 };
    float *wf = malloc(N * K * sizeof *wf), x[K], a[N], b[N];
    fill(wf, N * K, 5);
    fill(x, K, 9);
    for (int t = 0; t < KERN_NTYPES; t++) {
        product((kern_type)t, kern_isa_detect(), 1, &kern_profiles[0], wf, x, 1, N, K, a);
        product((kern_type)t, kern_isa_detect(), 1, &kern_profiles[3], wf, x, 1, N, K, b);
        int differ = 0;
        for (int i = 0; i < N; i++) {
            differ += memcmp(&a[i], &b[i], 4) != 0;
            assert_true(fabsf(a[i] - b[i]) <= 1e-4f * (1 + fabsf(a[i])));
        }
        assert_true(differ > 0);
    }
    free(wf);
    assert_non_null(kern_profile_find("l32-pairwise"));
    assert_null(kern_profile_find("nope"));
}

static void test_synth_deterministic(void **state)
{
    (void)state;
    kern_mat a, b;
    for (int t = 0; t < KERN_NTYPES; t++) {
        kern_threads_set(1);
        assert_int_equal(kern_mat_alloc(&a, (kern_type)t, 33, 64), 0);
        kern_mat_synth(&a, 42, 0.02f);
        kern_threads_set(2);
        assert_int_equal(kern_mat_alloc(&b, (kern_type)t, 33, 64), 0);
        kern_mat_synth(&b, 42, 0.02f);
        assert_memory_equal(a.data, b.data, 33 * a.row_bytes);
        float row[64];
        double ss = 0;
        for (int r = 0; r < 33; r++) {
            kern_mat_get_row(&a, (size_t)r, row);
            for (int i = 0; i < 64; i++)
                ss += (double)row[i] * row[i];
        }
        double sd = sqrt(ss / (33 * 64));
        assert_true(sd > 0.015 && sd < 0.025);
        kern_mat_free(&a);
        kern_mat_free(&b);
    }
    kern_threads_set(1);
}

/* The pool runs every part of every call exactly once, for calls in quick
 * succession and after gaps long enough for its threads to sleep, and
 * across changes of the thread count. */
struct pool_job {
    unsigned hits[8];
    unsigned parts;
};

static void count_part(void *arg, int i, int n)
{
    struct pool_job *j = arg;
    j->hits[i]++; /* each part has its own counter: no two threads share one */
    if (i == 0)
        j->parts = (unsigned)n;
}

static void test_pool_runs_every_part(void **state)
{
    (void)state;
    for (int threads = 1; threads <= 4; threads++) {
        kern_threads_set(threads);
        struct pool_job j = {{0}, 0};
        for (int c = 0; c < 20000; c++)
            kern_parallel(count_part, &j);
        for (int c = 0; c < 4; c++) { /* after a gap */
            struct timespec gap = {0, 3000000};
            nanosleep(&gap, NULL);
            kern_parallel(count_part, &j);
        }
        assert_int_equal(j.parts, (unsigned)threads);
        for (int i = 0; i < threads; i++)
            assert_int_equal(j.hits[i], 20004u);
        for (int i = threads; i < 8; i++)
            assert_int_equal(j.hits[i], 0u);
    }
    kern_threads_set(1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_f16_roundtrip),   cmocka_unit_test(test_quant_error),
        cmocka_unit_test(test_f32),             cmocka_unit_test(test_f32_attention_shapes),
        cmocka_unit_test(test_f16),
        cmocka_unit_test(test_bf16),            cmocka_unit_test(test_q8),
        cmocka_unit_test(test_q4),              cmocka_unit_test(test_matvec),
        cmocka_unit_test(test_q8_packed),       cmocka_unit_test(test_q4_packed),
        cmocka_unit_test(test_matvec_q8),       cmocka_unit_test(test_pack_layout),
        cmocka_unit_test(test_quantize_act),
        cmocka_unit_test(test_profiles_differ), cmocka_unit_test(test_synth_deterministic),
        cmocka_unit_test(test_pool_runs_every_part),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
