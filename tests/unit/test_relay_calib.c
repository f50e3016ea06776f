/* Unit tests of the Relay's per-GPU execution-time calibration
 * (sim/protocol/relay/relay_calib.c), ported from the Relay's own Go tests:
 * crynux-network/crynux-relay @ 24ffc26, service/task_pricing_test.go
 * (configuration: service/testconfig_test.go, the same task_pricing numbers
 * as config/config.example.yml).  Each test names the Go test it ports;
 * bounds and expected values are the Go test's own.  A GPU name is a
 * number here (1 "A100", 2 "A", ...), a model name too. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "protocol/relay/relay_calib.h"
#include "protocol/relay/relay_net.h"

static const relay_params *P(void) { return relay_params_of(RELAY_2026); }

enum { A100 = 1, GPU_A = 2, GPU_B = 3, TARGET = 4, SLOW = 5 };
static const double PX512 = 512.0 * 512.0;

static relay_task_work sd_units(uint64_t units, uint64_t min_vram)
{
    return (relay_task_work){.sd_units = units, .vram_gb = min_vram};
}

/* calibrateTestSDSample: a validated SD task on gpu/vram */
static void sd_sample(relay_calib *c, uint64_t units, double seconds, uint32_t gpu, uint64_t vram)
{
    relay_task_work w = sd_units(units, 0);
    relay_calib_key k = {.gpu = gpu, .gpu_vram = vram};
    assert_true(relay_calib_sample(P(), c, &k, &w, 0, false, seconds, 0));
}

/* a record set by hand, as the Go tests write globalTaskPricing.records */
static relay_calib_rec *put(relay_calib *c, uint32_t gpu, uint64_t vram, uint32_t model, double overhead,
                            double rate512, uint64_t samples)
{
    relay_calib_key k = {.gpu = gpu, .gpu_vram = vram, .model = model};
    relay_calib_rec *r = relay_calib_record(P(), c, &k);
    assert_non_null(r);
    r->coef[0] = overhead;
    r->coef[1] = rate512 / PX512;
    r->samples = samples;
    return r;
}

static void test_sd_two_workloads(void **st) /* TestCalibrateValidatedSDTaskFitsOverheadAndRateFromTwoWorkloads */
{
    (void)st;
    relay_calib c = {0};
    for (int i = 0; i < 40; i++) {
        sd_sample(&c, 512 * 512, 60, A100, 40);
        sd_sample(&c, 25 * 512 * 512, 540, A100, 40);
    }
    assert_int_equal(c.n, 1);
    assert_true(fabs(c.rec[0].coef[0] - 40) <= 5);
    assert_true(fabs(c.rec[0].coef[1] * PX512 - 20) <= 5);
    assert_int_equal(c.rec[0].samples, 80);
    relay_calib_free(&c);
}

static void test_sd_single_workload(void **st) /* TestCalibrateValidatedSDTaskTracksDurationWithSingleWorkload */
{
    (void)st;
    relay_calib c = {0};
    sd_sample(&c, 6 * 512 * 512, 10, A100, 40);
    /* the initial prediction is 30 + 6 x 10 = 90 s */
    assert_true(c.rec[0].coef[0] + 6 * c.rec[0].coef[1] * PX512 <= 80);
    relay_calib_free(&c);
}

static void test_sd_truncates_residual(void **st) /* TestCalibrateValidatedSDTaskTruncatesPositiveResidual */
{
    (void)st;
    relay_calib c = {0};
    sd_sample(&c, 512 * 512, 10000, A100, 40);
    assert_true(c.rec[0].coef[0] + c.rec[0].coef[1] * PX512 <= 200);
    relay_calib_free(&c);
}

static void test_pricing_simple_average(void **st) /* TestTaskPricingAggregationUsesSimpleGPUAverage */
{
    (void)st;
    relay_calib c = {0};
    put(&c, GPU_A, 40, 0, 30, 10, 100);
    put(&c, GPU_B, 80, 0, 30, 30, 1);
    relay_task_work t = sd_units(512 * 512, 32);
    assert_true(fabs(relay_calib_price_seconds(P(), &c, &t, 0) - 50) <= 1e-9);
    relay_calib_free(&c);
}

static void test_pricing_averages_overhead(void **st) /* TestTaskPricingAggregationAveragesSDOverhead */
{
    (void)st;
    relay_calib c = {0};
    put(&c, GPU_A, 40, 0, 10, 10, 10);
    put(&c, GPU_B, 80, 0, 50, 10, 10);
    relay_task_work t = sd_units(512 * 512, 32);
    assert_true(fabs(relay_calib_price_seconds(P(), &c, &t, 0) - 40) <= 1e-9);
    relay_calib_free(&c);
}

static void test_pricing_required_gpu(void **st) /* TestRequiredGPUUsesExactParametersWithoutAggregateKey */
{
    (void)st;
    relay_calib c = {0};
    put(&c, GPU_B, 40, 0, 30, 20, 1);
    relay_task_work t = sd_units(512 * 512, 0);
    t.gpu = GPU_A; /* RequiredGPU "A", 40 GB: B's record of the same VRAM */
    t.gpu_vram_gb = 40;
    assert_true(fabs(relay_calib_price_seconds(P(), &c, &t, 0) - 50) <= 1e-9);
    relay_calib_free(&c);
}

static void test_timeout_cold_start(void **st) /* TestComputeExecutionTimeoutColdStartUsesSlowestReadySameVRAM */
{
    (void)st;
    relay_calib c = {0};
    put(&c, TARGET, 40, 0, 30, 1, 2);
    put(&c, SLOW, 40, 0, 30, 100, 10);
    relay_task_work t = sd_units(512 * 512, 0);
    relay_est_source src;
    assert_int_equal(relay_calib_timeout_s(P(), &c, &t, 0, TARGET, 40, false, &src), 260);
    assert_int_equal(src, RELAY_EST_OTHER);
    relay_calib_free(&c);
}

static void test_timeout_ready_below_initial(void **st) /* TestComputeExecutionTimeoutUsesReadyCalibrationBelowInitialPrediction */
{
    (void)st;
    relay_calib c = {0};
    put(&c, TARGET, 40, 0, 30, 1, 10);
    relay_task_work t = sd_units(512 * 512, 0);
    relay_est_source src;
    /* initial 30 + 10 s; the ready record's 30 + 1 s is used */
    assert_true(fabs(relay_calib_exec_seconds(P(), &c, &t, 0, TARGET, 40, false, &src) - 31) <= 1e-9);
    assert_int_equal(src, RELAY_EST_OWN);
    relay_calib_free(&c);
}

static void test_timeout_model_switch(void **st) /* TestComputeExecutionTimeoutIncludesModelSwitch */
{
    (void)st;
    relay_calib c = {0};
    relay_task_work t = {.llm = true, .llm_input_bytes = 100, .llm_max_new_tokens = 10};
    uint64_t off = relay_calib_timeout_s(P(), &c, &t, 0, A100, 40, false, NULL);
    uint64_t on = relay_calib_timeout_s(P(), &c, &t, 0, A100, 40, true, NULL);
    assert_int_equal(on - off, 240); /* ceil(120 x 2) */
    relay_calib_free(&c);
}

/* calibrateTestLLMSample: an uploaded LLM task on A100 40 GB */
static const relay_calib_rec *llm_sample(relay_calib *c, uint64_t input, uint64_t tokens, double seconds)
{
    relay_task_work w = {.llm = true, .llm_input_bytes = input};
    relay_calib_key k = {.llm = true, .gpu = A100, .gpu_vram = 40};
    assert_true(relay_calib_sample(P(), c, &k, &w, tokens, false, seconds, 0));
    return relay_calib_record(P(), c, &k);
}

static void assert_unobserved_initial(const relay_calib_rec *r)
{
    for (int i = 0; i < RELAY_CALIB_DIM; i++)
        assert_true(r->coef[i] >= 0 && isfinite(r->coef[i]));
    assert_true(fabs(r->coef[3] - 120) <= 1e-9); /* model switch */
    assert_true(fabs(r->coef[4] - 10) <= 1e-9);  /* per image */
    assert_true(fabs(r->coef[5] - 5) <= 1e-9);   /* per megapixel */
}

static void test_llm_single_large_input(void **st) /* TestLLMEWLSSingleLargeInputSampleFits */
{
    (void)st;
    const uint64_t inputs[] = {12221, 18271};
    for (int i = 0; i < 2; i++) {
        relay_calib c = {0};
        const relay_calib_rec *r = llm_sample(&c, inputs[i], 128, 60);
        assert_int_equal(r->samples, 1);
        assert_unobserved_initial(r);
        relay_calib_free(&c);
    }
}

static void test_llm_byte_units(void **st) /* TestLLMEWLSStoresSmallInputInOriginalByteUnits */
{
    (void)st;
    relay_calib c = {0};
    const relay_calib_rec *r = llm_sample(&c, 10, 20, 20);
    double alpha = P()->calib_alpha;
    assert_true(r->xtx[0][1] == alpha * 10 && r->xtx[1][1] == alpha * 10 * 10);
    assert_true(r->xty[1] == alpha * 10 * 20);
    relay_calib_free(&c);
}

static void test_llm_nonnegative(void **st) /* TestLLMEWLSFitsIndependentNonnegativeCoefficients */
{
    (void)st;
    relay_calib c = {0};
    llm_sample(&c, 100, 10, 20);
    llm_sample(&c, 200, 40, 40);
    const relay_calib_rec *r = llm_sample(&c, 400, 20, 40);
    assert_int_equal(r->samples, 3);
    assert_unobserved_initial(r);
    relay_calib_free(&c);
}

static void test_separate_configs(void **st) /* TestCalibrationSeparatesModelConfigAndUpdatesVRAMRange */
{
    (void)st;
    relay_calib c = {0};
    /* model-a fp16 = model 1, model-b = 2, model-a bf16 = 3; float16 = config 0,
     * bfloat16 = 1, 4-bit = 2 */
    struct { uint32_t model, config; uint64_t min_vram; } s[] = {
        {1, 0, 8}, {1, 0, 16}, {2, 1, 12}, {3, 0, 12}, {1, 2, 12}};
    for (int i = 0; i < 5; i++) {
        relay_task_work w = sd_units(512 * 512, s[i].min_vram);
        relay_calib_key k = {.gpu = A100, .gpu_vram = 40, .model = s[i].model, .config = s[i].config};
        assert_true(relay_calib_sample(P(), &c, &k, &w, 0, false, 60, s[i].min_vram));
    }
    assert_int_equal(c.n, 4);
    relay_calib_key k = {.gpu = A100, .gpu_vram = 40, .model = 1};
    const relay_calib_rec *r = relay_calib_record(P(), &c, &k);
    assert_int_equal(r->min_vram, 8);
    assert_int_equal(r->max_vram, 16);
    assert_int_equal(r->samples, 2);
    relay_calib_free(&c);
}

static void test_unknown_model_nearest(void **st) /* TestUnknownModelUsesNearestVRAMInterval */
{
    (void)st;
    relay_calib c = {0};
    relay_calib_rec *small = put(&c, A100, 40, 1, 30, 100, 10);
    small->min_vram = 8, small->max_vram = 12;
    relay_calib_rec *large = put(&c, A100, 40, 2, 30, 20, 10);
    large->min_vram = 20, large->max_vram = 24;
    relay_task_work t = sd_units(512 * 512, 18);
    assert_true(fabs(relay_calib_price_seconds(P(), &c, &t, 9) - 50) <= 1e-9);
    relay_calib_free(&c);
}

static void test_unknown_model_timeout_max(void **st) /* TestUnknownModelTimeoutUsesMaximumAtEqualDistance */
{
    (void)st;
    relay_calib c = {0};
    relay_calib_rec *a = put(&c, A100, 40, 1, 30, 10, 10);
    a->min_vram = a->max_vram = 16;
    relay_calib_rec *b = put(&c, A100, 40, 2, 30, 100, 10);
    b->min_vram = b->max_vram = 16;
    relay_task_work t = sd_units(512 * 512, 16);
    relay_est_source src;
    assert_int_equal(relay_calib_timeout_s(P(), &c, &t, 9, A100, 40, false, &src), 260);
    assert_int_equal(src, RELAY_EST_OTHER);
    relay_calib_free(&c);
}

/* Worked through relay_net (the wiring, not a Go test): ten validated SD
 * tasks of 20 s, all of one size, on one node make its GPU's record ready,
 * and the next task's timeout comes from it instead of the cold start's
 * 560 s.  With one workload size the constant and the pixel-step columns
 * are collinear, and the ridge term (in the coefficients' own units) makes
 * moving the rate per pixel-step almost free and moving the overhead
 * costly: the fit keeps the overhead a hair above its initial 30 s and asks
 * for a negative rate, which is clipped to 0.  The timeout is
 * ceil(2 x 30.0...) = 61 s. */
static double uni(void *ctx)
{
    (void)ctx;
    return 0.5;
}

static void test_net_timeout_from_record(void **st)
{
    (void)st;
    relay_net *n = relay_net_new(RELAY_2026, 16, 64);
    relay_net_fund_relay(n, 1000);
    uint32_t app = relay_net_add_account(n, (wei_t)1000 * 1000000000000000000ull);
    uint32_t node = relay_net_add_account(n, (wei_t)500 * 1000000000000000000ull);
    uint32_t model = 7;
    assert_true(relay_net_join(n, 0, node, 24, (wei_t)400 * 1000000000000000000ull, 0, &model, 1));
    relay_net_set_node_gpu(n, node, 3);
    relay_task_work w = {.sd_units = 512 * 512 * 25, .vram_gb = 8};
    double now = 0, next;
    rn_counters cnt;
    for (int i = 0; i <= 10; i++) {
        uint32_t t = relay_net_create(n, now, app, 1000, &w, model, 0, RN_NONE);
        assert_int_equal(relay_net_dispatch(n, now, uni, NULL, &next), 1);
        rn_task_view v;
        relay_net_task(n, t, &v);
        assert_true(v.deadline_s - v.started_s == (i < 10 ? 560 : 61));
        assert_true(relay_net_submit(n, now + 20, t, 1));
        assert_true(relay_net_upload(n, now + 21, t));
        now += 30;
    }
    relay_net_counters(n, &cnt);
    assert_int_equal(cnt.calib_samples, 11);
    assert_int_equal(cnt.timeouts_initial, 10);
    assert_int_equal(cnt.timeouts_own, 1);
    relay_net_free(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sd_two_workloads),
        cmocka_unit_test(test_sd_single_workload),
        cmocka_unit_test(test_sd_truncates_residual),
        cmocka_unit_test(test_pricing_simple_average),
        cmocka_unit_test(test_pricing_averages_overhead),
        cmocka_unit_test(test_pricing_required_gpu),
        cmocka_unit_test(test_timeout_cold_start),
        cmocka_unit_test(test_timeout_ready_below_initial),
        cmocka_unit_test(test_timeout_model_switch),
        cmocka_unit_test(test_llm_single_large_input),
        cmocka_unit_test(test_llm_byte_units),
        cmocka_unit_test(test_llm_nonnegative),
        cmocka_unit_test(test_separate_configs),
        cmocka_unit_test(test_unknown_model_nearest),
        cmocka_unit_test(test_unknown_model_timeout_max),
        cmocka_unit_test(test_net_timeout_from_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
