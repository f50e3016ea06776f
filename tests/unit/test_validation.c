/* The timing model against published measurements (models/validation/):
 * bad rows refused, the benchmark machines' host fit, and the bounds on
 * `avrami timing --validate`'s errors. */
#include <cjson/cJSON.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/commands.h"
#include "timing/tim.h"
#include "timing/tim_calib.h"
#include "timing/tim_tfhost.h"

/* MAPE bounds, %, of test_validation_bounds: what the model reaches today
 * (avrami timing --validate), rounded up, so that a change that makes any
 * of them worse fails.  The targets (15% decode, 20% prefill, 20%
 * leave-one-card-out, 20% sd) are met where the bound is at or below them;
 * docs/timing.md lists both. */
#define LOO_LC_NV_DEC 5
#define CHK_LC_NV_DEC 12
#define LOO_LC_NV_PF 10
#define CHK_LC_NV_PF 18
#define LOO_LC_AP_DEC 5
#define CHK_LC_AP_DEC 6
#define LOO_LC_AP_PF 7
#define CHK_LC_AP_PF 2
#define LOO_TF_NV_DEC 16
#define CHK_TF_NV_DEC 14
/* transformers' prompts are checked only: no transformers row is fitted for
 * them (they take the card's llama.cpp F16 share), so there is no
 * leave-one-card-out figure */
#define CHK_TF_NV_PF 3
#define LOO_SD_NV 20
#define CHK_SD_NV 17
#define VRAM_BOUND 5

/* The host fit recovers what made the rows: two machines whose host costs
 * are 0.5x and 2x a third's, three modes, two model sizes, and a row bound
 * by its card (which says nothing of the host and must be skipped). */
static void test_tf_host_fit(void **state)
{
    (void)state;
    const tim_tf_host_costs truth = {1e-3, 2e-4, 5e-5};
    const double f[3] = {0.5, 1.0, 2.0};
    tim_tf_sample s[20];
    int n = 0;
    for (int h = 0; h < 3; h++)
        for (int mode = TIM_TF_FP16; mode <= TIM_TF_4BIT; mode++)
            for (int layers = 32; layers <= 40; layers += 8) {
                double q = mode == TIM_TF_INT8 ? truth.int8_s : mode == TIM_TF_4BIT ? truth.q4_s : 0;
                s[n++] = (tim_tf_sample){h, mode, layers, 7, f[h] * layers * (truth.layer_s + 7 * q), 0};
            }
    /* the card's streaming took longer than this machine's host: skipped */
    s[n++] = (tim_tf_sample){0, TIM_TF_FP16, 32, 7, 0.2, 0.2};
    /* a row whose source names no machine: the median machine's */
    s[n++] = (tim_tf_sample){-1, TIM_TF_FP16, 32, 7, 32 * truth.layer_s, 0};
    tim_tf_host_costs c;
    double got[3];
    assert_int_equal(tim_tf_fit_hosts(s, n, 3, &c, got), 0);
    assert_float_equal(c.layer_s, truth.layer_s, 1e-12);
    assert_float_equal(c.int8_s, truth.int8_s, 1e-12);
    assert_float_equal(c.q4_s, truth.q4_s, 1e-12);
    for (int h = 0; h < 3; h++)
        assert_float_equal(got[h], f[h], 1e-9);
    /* the inverse of the asynchronous step, on both sides of the balance */
    for (double host = 0.01; host < 0.1; host += 0.01)
        assert_float_equal(tim_tf_host_of_step(tim_tf_combine(0.05, host, 0), 0.05), host, 1e-12);
    assert_float_equal(tim_tf_host_of_step(0.04, 0.05), 0, 0);
        /* a machine without a usable row takes the median machine's 1 */
    tim_tf_sample only[2] = {s[0], {1, TIM_TF_FP16, 32, 7, 0.5, 1.0}};
    assert_int_equal(tim_tf_fit_hosts(only, 2, 2, &c, got), 0);
    assert_float_equal(got[0], 1.0, 1e-12);
    assert_float_equal(got[1], 1.0, 1e-12);
}

/* Validation rows are checked like every other input: the file and the
 * JSON path of the first bad field. */
static void test_validation_rows_refused(void **state)
{
    (void)state;
    char err[512];
    tim_card *all;
    int n;
    assert_int_equal(tim_cards_read("models/cards.json", &all, &n, err, sizeof err), 0);
    const char *bad[][2] = {
        {"{\"rows\": [{\"runtime\": \"vllm\"}]}", ".rows[0].runtime: expected"},
        {"{\"rows\": [{\"runtime\": \"llama.cpp\", \"metric\": \"decode_tps\"}]}",
         ".rows[0].source: expected"},
        {"{\"rows\": [{\"runtime\": \"diffusers\", \"metric\": \"decode_tps\", \"source\": \"s\"}]}",
         ".rows[0].metric: expected sd_its"},
        {"{\"rows\": [{\"runtime\": \"transformers\", \"metric\": \"decode_tps\", \"source\": \"s\", "
         "\"weights\": \"Q4_0\"}]}", ".rows[0].weights: expected fp32"},
        {"{\"rows\": [{\"runtime\": \"transformers\", \"metric\": \"decode_tps\", \"source\": \"s\", "
         "\"weights\": \"fp16\", \"value\": -3}]}", ".rows[0].value: expected a positive number"},
        {"{\"rows\": 7}", ".rows: expected an array"},
        {"{\"rows\": [{\"runtime\": \"llama.cpp\", \"metric\": \"decode_tps\", \"source\": \"s\", "
         "\"weights\": \"F16\", \"value\": 3, \"weights_gib\": 1, \"params_b\": 1, \"date\": \"Jan 2024\"}]}",
         ".rows[0].date: expected the month"},
        {"{\"rows\": [{\"runtime\": \"llama.cpp\", \"metric\": \"decode_tps\", \"source\": \"s\", "
         "\"weights\": \"F16\", \"value\": 3, \"weights_gib\": 1, \"params_b\": 1, \"ctx\": 0}]}",
         ".rows[0].ctx: expected a positive integer"},
        {"{\"rows\": [{\"runtime\": \"llama.cpp\", \"metric\": \"prefill_tps\", \"source\": \"s\", "
         "\"weights\": \"F16\", \"value\": 3, \"weights_gib\": 1, \"params_b\": 1, \"harness\": \"server\"}]}",
         ".rows[0].harness: expected \"main\" or \"llama-bench\""},
        {"{\"rows\": [{\"runtime\": \"transformers\", \"metric\": \"decode_tps\", \"source\": \"s\", "
         "\"weights\": \"fp16\", \"value\": 3, \"harness\": \"main\"}]}",
         ".rows[0].harness: expected"},
        {"{\"rows\": [{\"runtime\": \"transformers\", \"metric\": \"decode_tps\", \"source\": \"s\", "
         "\"weights\": \"fp16\", \"value\": 3, \"host\": \"rippa\"}]}",
         ".rows[0].host: expected the benchmark machine's name"},
        {"{\"rows\": [{\"runtime\": \"transformers\", \"metric\": \"decode_tps\", \"source\": \"s\", "
         "\"weights\": \"fp16\", \"value\": 3, \"host\": 7, \"host_source\": \"s\"}]}",
         ".rows[0].host: expected the benchmark machine's name"},
        {"{\"rows\": [{\"runtime\": \"transformers\", \"metric\": \"prefill_tps\", \"source\": \"s\", "
         "\"weights\": \"fp16\", \"value\": 3, \"compute\": \"float16\"}]}",
         ".rows[0].compute: expected \"float16\" or \"float32\" (transformers 4bit rows only)"},
        {"{\"rows\": [{\"runtime\": \"transformers\", \"metric\": \"prefill_tps\", \"source\": \"s\", "
         "\"weights\": \"4bit\", \"value\": 3, \"compute\": \"bfloat16\"}]}",
         ".rows[0].compute: expected"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char path[] = "/tmp/avrami-fit-XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        FILE *f = fdopen(fd, "w");
        fputs(bad[i][0], f);
        fclose(f);
        assert_int_equal(tim_fit_cards(path, "models", all, n, NULL, err, sizeof err), 2);
        remove(path);
        if (!strstr(err, bad[i][1]) || !strstr(err, "/tmp/avrami-fit-"))
            fail_msg("row %zu: got '%s', expected '%s'", i, err, bad[i][1]);
    }
    free(all);
}

/* Validation on figures the fit never saw (models/validation/check.json) and
 * leave-one-card-out over the fitted ones, bounded as said at the top. */
static void test_validation_bounds(void **state)
{
    (void)state;
    static const struct {
        tim_runtime rt;
        int vendor, metric;
        double loo, check;   /* bounds on MAPE, %; loo 0: no fitted rows expected */
    } B[] = {
        {TIM_RT_LLAMACPP, TIM_V_NVIDIA, TIM_M_DECODE, LOO_LC_NV_DEC, CHK_LC_NV_DEC},
        {TIM_RT_LLAMACPP, TIM_V_NVIDIA, TIM_M_PREFILL, LOO_LC_NV_PF, CHK_LC_NV_PF},
        {TIM_RT_LLAMACPP, TIM_V_APPLE, TIM_M_DECODE, LOO_LC_AP_DEC, CHK_LC_AP_DEC},
        {TIM_RT_LLAMACPP, TIM_V_APPLE, TIM_M_PREFILL, LOO_LC_AP_PF, CHK_LC_AP_PF},
        {TIM_RT_TRANSFORMERS, TIM_V_NVIDIA, TIM_M_DECODE, LOO_TF_NV_DEC, CHK_TF_NV_DEC},
        {TIM_RT_TRANSFORMERS, TIM_V_NVIDIA, TIM_M_PREFILL, 0, CHK_TF_NV_PF},
        {TIM_RT_DIFFUSERS, TIM_V_NVIDIA, TIM_M_SD, LOO_SD_NV, CHK_SD_NV},
    };
    tim_validation v;
    char err[512];
    assert_int_equal(tim_validate("models", 0, &v, err, sizeof err), 0);
    for (size_t i = 0; i < sizeof B / sizeof *B; i++) {
        const tim_err *l = &v.loo[B[i].rt][B[i].vendor][B[i].metric],
                      *c = &v.check[B[i].rt][B[i].vendor][B[i].metric];
        assert_true(c->n > 0);
        assert_true(B[i].loo > 0 ? l->n > 0 : l->n == 0);
        if ((l->n && l->mape > B[i].loo) || c->mape > B[i].check)
            fail_msg("%s vendor %d metric %d: leave-one-card-out %.1f%% (bound %.0f%%), check "
                     "%.1f%% (bound %.0f%%)", tim_runtime_name(B[i].rt), B[i].vendor, B[i].metric,
                     l->mape, B[i].loo, c->mape, B[i].check);
    }
    assert_true(v.vram.n == 1 && v.vram.mape <= VRAM_BOUND);
    assert_int_equal(v.skipped, 0);
    /* the same RTX 3090 measurement on two machines: transformers Llama-2-7B
     * at fp16, 18.0571 (h2oGPT perf.md, fit.json) against 30.4 tokens/s
     * (bitsandbytes issue 347, check.json), and LLM.int8, 4.35807 against
     * 6.47: no prediction for both can do better than the mean of
     * (1 - low/high) / 2 */
    double floor = ((1 - 18.0571 / 30.4) / 2 + (1 - 4.35807 / 6.47) / 2) / 2 * 100;
    const double ratio[2] = {30.4 / 18.0571, 6.47 / 4.35807};
    assert_int_equal(v.spread[TIM_RT_TRANSFORMERS][TIM_V_NVIDIA][TIM_M_DECODE].pairs, 2);
    assert_float_equal(v.spread[TIM_RT_TRANSFORMERS][TIM_V_NVIDIA][TIM_M_DECODE].floor_pct, floor, 1e-9);
    assert_float_equal(v.spread[TIM_RT_TRANSFORMERS][TIM_V_NVIDIA][TIM_M_DECODE].worst_ratio, ratio[0], 1e-9);
    assert_float_equal(v.spread[TIM_RT_TRANSFORMERS][TIM_V_NVIDIA][TIM_M_DECODE].median_ratio,
                       (ratio[0] + ratio[1]) / 2, 1e-9);
    /* h2oGPT's machines (benchmarks/perf.json's hostname): the RTX 4090 of
     * "rippa" ran Llama-2-7B at 40.9252, 9.21246 and 32.571 tokens/s (fp16,
     * LLM.int8, 4-bit), the RTX 3090 of "timemachine" at 18.0571, 4.35807
     * and 14.9456; both host-bound, so the fitted factors stand in the ratio
     * of the per-token times (their geometric mean over the modes, 2.19);
     * the A100's "cloudvm" and the RTX A6000's machine lie between them,
     * so the median machine is the geometric mean of those two */
    double published = cbrt(40.9252 / 18.0571 * 9.21246 / 4.35807 * 32.571 / 14.9456);
    double fac[4] = {0, 0, 0, 0};
    const char *const names[4] = {"rippa", "timemachine", "cloudvm", "recypabaszmhhmuae"};
    assert_int_equal(v.nhosts, 4);
    for (int h = 0; h < v.nhosts; h++)
        for (int k = 0; k < 4; k++)
            if (!strcmp(v.hosts[h].name, names[k]))
                fac[k] = v.hosts[h].factor;
    assert_float_equal(fac[2] * fac[3], 1.0, 1e-9);
    assert_true(fac[0] < fmin(fac[2], fac[3]) && fac[1] > fmax(fac[2], fac[3]));
    if (fabs(fac[1] / fac[0] / published - 1) > 0.05)
        fail_msg("timemachine / rippa host factor %.3f, published per-token ratio %.3f",
                 fac[1] / fac[0], published);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tf_host_fit),
        cmocka_unit_test(test_validation_rows_refused),
        cmocka_unit_test(test_validation_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
