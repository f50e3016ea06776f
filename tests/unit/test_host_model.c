/* The host forward-pass prediction (tim_host_forward_seconds): activation
 * quantization is split over the threads by rows, the rest of the
 * elementwise work is serial.  With the same roofs for 1 and 2 threads, the
 * two predictions must differ by exactly the quantization the second thread
 * takes over: layers x (n - ceil(n / 2)) x (3 hidden + ffn) x quant_s. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "timing/tim.h"

static tim_host host(int threads)
{
    tim_host h = {0};
    h.threads = threads;
    for (int t = 0; t < KERN_NTYPES; t++)
        h.roof[t] = (tim_roof){1e11, 1e10, 1e-5, 2e-8};
    h.quant_s = 3e-9;
    h.act_s = 2e-9;
    return h;
}

static kern_model_cfg tinyllama(void)
{
    char err[256];
    kern_model_cfg c;
    assert_int_equal(kern_model_cfg_load("models/llms.json", "TinyLlama-1.1B", &c, err, sizeof err),
                     0);
    return c;
}

static void test_quantization_split(void **state)
{
    (void)state;
    kern_model_cfg c = tinyllama();
    tim_host h1 = host(1), h2 = host(2);
    const int ns[] = {1, 7, 64};
    for (int i = 0; i < 3; i++) {
        int n = ns[i];
        double q = (double)c.layers * (double)(n - (n + 1) / 2) *
                   (3.0 * c.hidden + (double)c.ffn) * h1.quant_s;
        double d4 = tim_host_forward_seconds(&h1, &c, KERN_Q4_0, n, 5) -
                    tim_host_forward_seconds(&h2, &c, KERN_Q4_0, n, 5);
        assert_true(fabs(d4 - q) <= 1e-9 * (1 + q));
        if (n == 1)
            assert_true(q == 0); /* decode: one row, nothing to split */
        else
            assert_true(q > 0);
        /* FP32 weights quantize nothing */
        double d32 = tim_host_forward_seconds(&h1, &c, KERN_F32, n, 5) -
                     tim_host_forward_seconds(&h2, &c, KERN_F32, n, 5);
        assert_true(fabs(d32) <= 1e-12);
    }
}

/* Every token pays the serial row passes (two norms, two residual adds,
 * rotary embedding of q and k, the K and V cache writes) in every layer:
 * layers x n x (6 hidden + 3 kv width) x elem_s, whatever the weights. */
static void test_row_passes(void **state)
{
    (void)state;
    kern_model_cfg c = tinyllama();
    tim_host a = host(2), b = host(2);
    b.elem_s = 1.5e-9;
    double kvd = (double)c.kv_heads * (double)(c.hidden / c.heads);
    const int ns[] = {1, 4, 16, 64};
    const kern_type ts[] = {KERN_F32, KERN_Q8_0, KERN_Q4_0};
    for (int i = 0; i < 4; i++)
        for (int t = 0; t < 3; t++) {
            double want = (double)c.layers * ns[i] * (6.0 * c.hidden + 3.0 * kvd) * b.elem_s;
            double d = tim_host_forward_seconds(&b, &c, ts[t], ns[i], 0) -
                       tim_host_forward_seconds(&a, &c, ts[t], ns[i], 0);
            assert_true(fabs(d - want) <= 1e-9 * want);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_quantization_split),
                                       cmocka_unit_test(test_row_passes)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
