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

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "timing/tim.h"
#include "timing/tim_calib.h"
#include "timing/tim_json.h"

static tim_host host(int threads)
{
    tim_host h = {0};
    h.threads = threads;
    for (int t = 0; t < KERN_NTYPES; t++)
        h.roof[t] = (tim_roof){1e11, 1e10, 1e-5, 2e-8};
    h.quant_s = 3e-9;
    h.act_s = 2e-9;
    h.gelu_s = 6e-9;
    return h;
}

static kern_model_cfg model(const char *name)
{
    char err[256];
    kern_model_cfg c;
    assert_int_equal(kern_model_cfg_load("models/llms.json", name, &c, err, sizeof err), 0);
    return c;
}

/* What b's costs add to a's prediction of one forward. */
static double added(const tim_host *b, const tim_host *a, const kern_model_cfg *c, kern_type t, int n,
                    int pos0)
{
    return tim_host_forward_seconds(b, c, t, n, pos0) - tim_host_forward_seconds(a, c, t, n, pos0);
}

/* One model of each architecture: LLaMA, GPT-2, Phi. */
static const char *const ARCH_MODELS[] = {"TinyLlama-1.1B", "gpt2", "Phi-2"};

static void test_quantization_split(void **state)
{
    (void)state;
    kern_model_cfg c = model("TinyLlama-1.1B");
    tim_host h1 = host(1), h2 = host(2);
    const int ns[] = {1, 7, 64};
    for (int i = 0; i < 3; i++) {
        int n = ns[i];
        double q = (double)c.layers * (double)(n - (n + 1) / 2) *
                   (3.0 * c.hidden + (double)c.ffn) * h1.quant_s;
        double d4 = added(&h1, &h2, &c, KERN_Q4_0, n, 5);
        assert_true(fabs(d4 - q) <= 1e-9 * (1 + q));
        if (n == 1)
            assert_true(q == 0); /* decode: one row, nothing to split */
        else
            assert_true(q > 0);
        /* FP32 weights quantize nothing */
        double d32 = added(&h1, &h2, &c, KERN_F32, n, 5);
        assert_true(fabs(d32) <= 1e-12);
    }
}

/* Every token pays the serial row passes in every layer, whatever the
 * weights: layers x n x elements x elem_s, the elements counted here by
 * hand from kern_model_forward's loops (H hidden, kvd kv width):
 *   LLaMA: RMSNorm H, rotary of q and k H + kvd, the K and V cache writes
 *          2 kvd, residual add H, RMSNorm H, residual add H: 5 H + 3 kvd;
 *   GPT-2: LayerNorm (mean, then variance) 2 H, no rotary, cache 2 kvd,
 *          residual add H, LayerNorm 2 H, residual add H: 6 H + 2 kvd;
 *   Phi:   one LayerNorm 2 H, rotary of 0.4 of each head 0.4 (H + kvd),
 *          cache 2 kvd, one residual add of attention and MLP H. */
static void test_row_passes(void **state)
{
    (void)state;
    /* and the biases added after the products (add_bias): q, k and v where
     * the checkpoint has them (GPT-2, Phi, Qwen: 1 H + 2 kvd), the
     * attention output's and the MLP's two in the LayerNorm architectures
     * (2 H + 1 ffn) */
    static const struct { const char *name; double h, kvd, rotary, ffn; } archs[] = {
        {"TinyLlama-1.1B", 5, 3, 0, 0}, {"gpt2", 6 + 3, 2 + 2, 0, 1}, {"Phi-2", 3 + 3, 2 + 2, 0.4, 1},
        {"Qwen1.5-0.5B", 5 + 1, 3 + 2, 0, 0}};
    for (int m = 0; m < 4; m++) {
        kern_model_cfg c = model(archs[m].name);
        tim_host a = host(2), b = host(2);
        b.elem_s = 1.5e-9;
        double H = c.hidden, kvd = (double)c.kv_heads * (double)(c.hidden / c.heads);
        double row = archs[m].h * H + archs[m].kvd * kvd + archs[m].rotary * (H + kvd) +
                     archs[m].ffn * c.ffn;
        const int ns[] = {1, 4, 16, 64};
        const kern_type ts[] = {KERN_F32, KERN_Q8_0, KERN_Q4_0};
        for (int i = 0; i < 4; i++)
            for (int t = 0; t < 3; t++) {
                double want = (double)c.layers * ns[i] * row * b.elem_s +
                              (c.arch == KERN_ARCH_PHI ? c.vocab * b.elem_s : 0); /* the head's bias */
                assert_true(fabs(added(&b, &a, &c, ts[t], ns[i], 0) - want) <= 1e-9 * want);
            }
    }
}

/* Each layer's attention is one parallel region (kern_forward.c,
 * kern_parallel(attn_part)) that no product's fitted constant covers: it
 * pays the measured cost of a parallel call once a layer, prompt or
 * decode, whatever the weights. */
static void test_attention_region(void **state)
{
    (void)state;
    for (int m = 0; m < 3; m++) {
        kern_model_cfg c = model(ARCH_MODELS[m]);
        tim_host a = host(2), b = a;
        b.call_s += 4e-5;
        const double want = c.layers * 4e-5;
        for (int n = 1; n <= 13; n += 12)
            assert_true(fabs(added(&b, &a, &c, KERN_F32, n, 3) - want) <= 1e-12 &&
                        fabs(added(&b, &a, &c, KERN_Q4_0, n, 3) - want) <= 1e-12);
    }
}

/* The MLP's activation: SwiGLU's SiLU (act_s) for LLaMA, the tanh GELU
 * (gelu_s) for GPT-2 and Phi, once per MLP element of every token. */
static void test_mlp_activation(void **state)
{
    (void)state;
    for (int m = 0; m < 3; m++) {
        kern_model_cfg c = model(ARCH_MODELS[m]);
        tim_host a = host(2), b = host(2);
        b.gelu_s = a.gelu_s + 1e-8;
        double d = added(&b, &a, &c, KERN_F32, 13, 0);
        double want = c.arch == KERN_ARCH_LLAMA ? 0 : (double)c.layers * 13 * c.ffn * 1e-8;
        assert_true(fabs(d - want) <= 1e-9 * (want + 1e-9));
    }
}

/* A product of one activation row runs the streaming kernel (the larger of
 * memory and arithmetic time), a product of several runs the tile kernels
 * (the two add): the prediction and the fit use the same form, so points
 * made by a known roof over calibrate's grid give that roof back. */
static void test_fit_recovers_roof(void **state)
{
    (void)state;
    static const size_t grid[][3] = {{1, 512, 2048},   {1, 2048, 2048},  {1, 8192, 2048},
                                     {1, 2048, 8192},  {1, 4096, 4096},  {1, 11008, 4096},
                                     {1, 4096, 11008}, {1, 14336, 4096}, {4, 4096, 4096},
                                     {8, 2048, 2048},  {16, 4096, 4096}, {32, 2048, 2048},
                                     {64, 4096, 4096}, {256, 4096, 4096}, {64, 11008, 4096}};
    const tim_roof truth = {2.8e11, 3.5e10, 5e-5, 1.5e-8};
    tim_point p[15];
    for (int i = 0; i < 15; i++) {
        p[i] = (tim_point){KERN_Q4_0, 2, grid[i][0], grid[i][1], grid[i][2], 0};
        p[i].seconds = tim_roof_time(&truth, tim_point_flops(&p[i]), tim_point_bytes(&p[i]),
                                     (double)p[i].n, (double)p[i].m);
    }
    /* the two forms differ where it matters: 4 rows pay both times */
    double a = tim_point_flops(&p[8]) / truth.F, b = tim_point_bytes(&p[8]) / truth.B;
    assert_true(fabs(p[8].seconds - (a + b + truth.c + 4096 * truth.r)) <= 1e-12);
    a = tim_point_flops(&p[4]) / truth.F, b = tim_point_bytes(&p[4]) / truth.B;
    assert_true(fabs(p[4].seconds - (fmax(a, b) + truth.c + 4096 * truth.r)) <= 1e-12);
    tim_roof r;
    assert_int_equal(tim_fit(p, 15, &r), 0);
    assert_true(fabs(r.F / truth.F - 1) < 0.01 && fabs(r.B / truth.B - 1) < 0.01);
    assert_true(fabs(r.c / truth.c - 1) < 0.05 && fabs(r.r / truth.r - 1) < 0.05);
    assert_true(tim_mape(&r, p, 15) < 0.5);
    tim_host h = host(2);
    h.roof[KERN_Q4_0] = truth;
    assert_true(fabs(tim_host_gemm_seconds(&h, KERN_Q4_0, 4, 4096, 4096) / p[8].seconds - 1) < 1e-12);
}

/* host.json's points, as --refit reads them: bad ones are named. */
static void test_points_from_json(void **state)
{
    (void)state;
    static const struct {
        const char *json, *want;
    } cases[] = {
        {"[{\"type\":\"q4_0\",\"threads\":2,\"m\":1,\"n\":512,\"k\":2048,\"seconds\":1e-4}]", NULL},
        {"[]", "h.json: .points: expected an array"},
        {"[{\"type\":\"f16\",\"threads\":2,\"m\":1,\"n\":512,\"k\":2048,\"seconds\":1e-4}]",
         "h.json: .points[0].type: expected f32, q8_0 or q4_0"},
        {"[{\"type\":\"q4_0\",\"threads\":2,\"m\":1,\"n\":512,\"k\":2048,\"seconds\":1e-4},"
         "{\"type\":\"q8_0\",\"threads\":2,\"m\":1,\"n\":512,\"k\":2048,\"seconds\":\"x\"}]",
         "h.json: .points[1].seconds: expected a positive number"},
        {"[{\"type\":\"q4_0\",\"threads\":65,\"m\":1,\"n\":512,\"k\":2048,\"seconds\":1e-4}]",
         "h.json: .points[0].threads: expected a whole number"},
        {"[{\"type\":\"q4_0\",\"threads\":2,\"m\":1.5,\"n\":512,\"k\":2048,\"seconds\":1e-4}]",
         "h.json: .points[0].m: expected a whole number"},
        {"[{\"type\":\"q4_0\",\"threads\":2,\"m\":1,\"n\":1e300,\"k\":2048,\"seconds\":1e-4}]",
         "h.json: .points[0].n: expected a whole number"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        cJSON *j = cJSON_Parse(cases[i].json);
        assert_non_null(j);
        tim_point *p;
        int n;
        char err[256] = "";
        int rc = tim_points_from_json(j, "h.json", &p, &n, err, sizeof err);
        if (!cases[i].want) {
            assert_int_equal(rc, 0);
            assert_int_equal(n, 1);
            assert_true(p[0].type == KERN_Q4_0 && p[0].threads == 2 && p[0].n == 512 &&
                        p[0].seconds == 1e-4);
            free(p);
        } else {
            assert_int_equal(rc, -1);
            assert_non_null(strstr(err, cases[i].want));
        }
        cJSON_Delete(j);
    }
    /* a measured time goes out and comes back bit for bit, so --refit fits
     * exactly the points the calibration fitted: cJSON's own number writer
     * prints 1e-4 + 1 ulp as 0.0001 */
    const double t = nextafter(1e-4, 1);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "seconds", 1);
    cJSON_AddNumberToObject(o, "flops", 2);
    assert_non_null(tim_json_set_exact(o, "seconds", t)); /* replaced in its place */
    char *s = cJSON_PrintUnformatted(o);
    assert_string_equal(s, "{\"seconds\":0.00010000000000000002,\"flops\":2}");
    cJSON *back = cJSON_Parse(s);
    assert_true(cJSON_GetObjectItemCaseSensitive(back, "seconds")->valuedouble == t);
    cJSON *plain = cJSON_CreateNumber(t);
    char *ps = cJSON_PrintUnformatted(plain);
    assert_string_equal(ps, "0.0001"); /* what the helper is for */
    free(s), free(ps);
    cJSON_Delete(o), cJSON_Delete(back), cJSON_Delete(plain);
}


/* The load classification --check warns on. */
static void test_host_busy(void **state)
{
    (void)state;
    tim_load quiet = {0.1, 0.02, 0.0}, busy = {0.3, 0.5, 0.0}, stolen = {0.1, 0.02, 0.05},
             queued = {3.0, 0.05, 0.0};
    assert_false(tim_host_is_busy(&quiet, 2));
    assert_true(tim_host_is_busy(&busy, 2));
    assert_true(tim_host_is_busy(&stolen, 2));
    assert_true(tim_host_is_busy(&queued, 2));
    assert_false(tim_host_is_busy(&queued, 16));
    /* a read bandwidth that moved by more than 15% either way */
    assert_false(tim_bandwidth_moved(31.4, 32.4));
    assert_false(tim_bandwidth_moved(30.0, 34.4));
    assert_true(tim_bandwidth_moved(31.4, 24.7));
    assert_true(tim_bandwidth_moved(20.0, 23.5));
    assert_false(tim_bandwidth_moved(0, 24.7)); /* no earlier reading */
    tim_load l;
    tim_host_busy(&l, 0.05);
    assert_true(l.busy >= 0 && l.busy <= 1 && l.steal >= 0 && l.steal <= 1 && l.loadavg1 >= 0);
    /* the lower quartile: what interference cannot make faster */
    double v[] = {9, 1, 2, 100, 3};
    assert_true(tim_lower_quartile(v, 5) == 2);
    double w[] = {4, 1, 3, 2};
    assert_true(fabs(tim_lower_quartile(w, 4) - 1.75) < 1e-12);
}

static void test_calibrate_quick(void **state)
{
    (void)state;
    char path[] = "/tmp/avrami-host-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    char *a1[] = {"calibrate", "--quick", "--threads", "2", "--out", path};
    assert_int_equal(cmd_calibrate(6, a1), 0);
    char err[512];
    tim_host h;
    assert_int_equal(tim_host_load(path, 2, &h, err, sizeof err), 0);
    /* The quick grid's fits describe nothing (a bandwidth can come out
     * unidentified, 1e30 B/s, where its points are bound by arithmetic),
     * and under the sanitizers a host without AVX-512 runs the quantized
     * kernels at about 0.05 GB/s: so only that each constant is a finite
     * rate in bytes and flops per second (a unit slip, GB/s for B/s,
     * gives 1e-9 of it), not what this hardware reaches. */
    for (int t = 0; t < KERN_NTYPES; t++)
        if (t == KERN_F32 || t == KERN_Q8_0 || t == KERN_Q4_0) {
            const tim_roof *f = &h.roof[t];
            assert_true(isfinite(f->F) && f->F > 1e6 && isfinite(f->B) && f->B > 1e6);
            assert_true(isfinite(f->c) && f->c >= 0 && isfinite(f->r) && f->r >= 0);
        }
    assert_true(h.elem_s > 0 && h.quant_s > 0 && h.act_s > 0 && h.gelu_s > 0);
    assert_true(h.call_s > 0 && h.call_s < 0.01); /* two threads: a wake-up, not nothing */
    /* host.json says where it was fitted: this machine */
    tim_cpu here, fitted;
    tim_cpu_identity(&here);
    assert_int_equal(tim_cpu_fitted(path, &fitted), 0);
    assert_true(tim_cpu_same(&here, &fitted));
    assert_true(here.cpus >= 1 && here.model[0]);
    fitted.cpus++;
    assert_false(tim_cpu_same(&here, &fitted));
    char *a2[] = {"calibrate", "--quick", "--check", "--threads", "2", "--out", path};
    assert_int_equal(cmd_calibrate(7, a2), 0);
    char *a3[] = {"calibrate", "--check", "--out", "/nonexistent/host.json"};
    assert_int_equal(cmd_calibrate(4, a3), 2);
    remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_quantization_split),
                                       cmocka_unit_test(test_row_passes),
                                       cmocka_unit_test(test_mlp_activation),
                                       cmocka_unit_test(test_attention_region),
                                       cmocka_unit_test(test_fit_recovers_roof),
                                       cmocka_unit_test(test_points_from_json),
                                       cmocka_unit_test(test_host_busy),
                                       cmocka_unit_test(test_calibrate_quick)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
