/* Agent rules: arrival processes, integer fee draws, caps, timing, honest
 * results. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <math.h>

#include "agents/agt.h"

static void test_poisson_rate(void **state)
{
    (void)state;
    scn_app a = {.arrival = SCN_ARR_POISSON, .rate_per_h = 3600};
    gsl_rng *r = eng_rng_new(1, 0, ENG_RNG_ARRIVALS);
    eng_time t = 0;
    uint32_t csv = 0, n = 0;
    while ((t = agt_next_arrival(&a, r, t, &csv)) < 1000 * ENG_US_PER_S)
        n++;
    /* 1000 expected; 5 sigma is ~160 */
    assert_true(n > 840 && n < 1160);
    a.rate_per_h = 0;
    assert_true(agt_next_arrival(&a, r, 0, &csv) == ENG_TIME_MAX);
    gsl_rng_free(r);
}

static void test_daily_peaks(void **state)
{
    (void)state;
    scn_app a = {.arrival = SCN_ARR_DAILY, .rate_per_h = 3600, .amplitude = 0.9, .peak_hour = 12};
    gsl_rng *r = eng_rng_new(2, 0, ENG_RNG_ARRIVALS);
    eng_time t = 0;
    uint32_t csv = 0, by_hour[24] = {0};
    while ((t = agt_next_arrival(&a, r, t, &csv)) < 86400 * ENG_US_PER_S)
        by_hour[t / ENG_US_PER_S / 3600]++;
    assert_true(by_hour[12] > 5 * by_hour[0]);
    gsl_rng_free(r);
}

static void test_csv(void **state)
{
    (void)state;
    double times[] = {1.5, 2.0, 2.0, 10};
    scn_app a = {.arrival = SCN_ARR_CSV, .csv_times_s = times, .n_csv = 4};
    uint32_t csv = 0;
    eng_time t = agt_next_arrival(&a, NULL, 0, &csv);
    assert_int_equal(t, 1500000);
    assert_int_equal(agt_next_arrival(&a, NULL, t, &csv), 2000000);
    assert_int_equal(agt_next_arrival(&a, NULL, 2000000, &csv), 2000000);
    assert_int_equal(agt_next_arrival(&a, NULL, 2000000, &csv), 10000000);
    assert_true(agt_next_arrival(&a, NULL, 10000000, &csv) == ENG_TIME_MAX);
}

static void test_fees_are_exact_integers_in_range(void **state)
{
    (void)state;
    gsl_rng *r = eng_rng_new(3, 0, ENG_RNG_FEES);
    scn_task_kind k = {.fee_dist = SCN_FEE_UNIFORM, .fee_min = 5, .fee_max = 7};
    int seen[3] = {0};
    for (int i = 0; i < 300; i++) {
        wei_t f = agt_draw_fee(&k, r);
        assert_true(f >= 5 && f <= 7);
        seen[(int)(f - 5)]++;
    }
    assert_true(seen[0] && seen[1] && seen[2]);
    /* a range wider than 64 bits */
    wei_t cnx = (wei_t)1000000000000000000ULL;
    k.fee_min = 100 * cnx;
    k.fee_max = 1000 * cnx;
    wei_t lo = k.fee_max, hi = 0;
    for (int i = 0; i < 1000; i++) {
        wei_t f = agt_draw_fee(&k, r);
        assert_true(f >= k.fee_min && f <= k.fee_max);
        lo = f < lo ? f : lo;
        hi = f > hi ? f : hi;
    }
    assert_true(lo < 200 * cnx && hi > 900 * cnx);
    k.fee_dist = SCN_FEE_FIXED;
    k.fee_min = k.fee_max = 42;
    assert_true(agt_draw_fee(&k, r) == 42);
    assert_true(agt_rng_wei_upto(r, (wei_t)UINT64_MAX) <= (wei_t)UINT64_MAX);
    gsl_rng_free(r);
}

static void test_cap_and_timing(void **state)
{
    (void)state;
    scn_task_kind sd = {.type = PROTO_SD, .cap_base_s = 10, .cap_per_unit_s = 5,
                        .exec_base_s = 1, .exec_per_unit_s = 3};
    scn_task_kind gpt = {.type = PROTO_GPT, .cap_base_s = 60};
    assert_int_equal(agt_cap_s(&sd, 4), 30);
    assert_int_equal(agt_cap_s(&gpt, 500), 60);
    scn s = {.noise_sigma = 0};
    scn_card fast = {.relative_speed = 1.0}, slow = {.relative_speed = 0.25};
    agt_timing tm = agt_timing_parametric(&s);
    agt_work w = {&sd, 4, &fast, false, NULL};
    assert_true(tm.exec_s(tm.ctx, &w, NULL) == 13.0);
    w.card = &slow;
    assert_true(tm.exec_s(tm.ctx, &w, NULL) == 52.0);
    /* with noise the mean stays near the noiseless figure */
    s.noise_sigma = 0.3;
    gsl_rng *r = eng_rng_new(4, 0, ENG_RNG_EXEC);
    double sum = 0;
    for (int i = 0; i < 20000; i++)
        sum += tm.exec_s(tm.ctx, &w, r);
    assert_true(sum / 20000 > 51 && sum / 20000 < 53);
    gsl_rng_free(r);
    assert_true(agt_transfer_s(1000, 8, 0.1) > 1.09 && agt_transfer_s(1000, 8, 0.1) < 1.11);
}

static const scn_card *card_named(const scn *s, const char *name)
{
    for (uint32_t i = 0; i < s->n_cards; i++)
        if (!strcmp(s->cards[i].name, name))
            return &s->cards[i];
    fail_msg("no card %s", name);
    return NULL;
}

/* The calibrated model on the baseline's chat task (Llama-3-8B, LLM.int8 on
 * transformers as gpt-task runs it): a model still in VRAM saves exactly the
 * disk load of the FP16 checkpoint the task quantizes, and each extra
 * generated token costs one read of the int8 weights and the FP16 head at
 * the card's streaming bandwidth plus the host's per-layer and per-linear
 * work, which CUDA_LAUNCH_BLOCKING=1 keeps from overlapping. */
static void test_calibrated_timing(void **state)
{
    (void)state;
    scn s;
    char err[SCN_ERR_MAX];
    if (!scn_load("scenarios/helium-generic.json", &s, err))
        fail_msg("%s", err);
    assert_int_equal(s.timing_model, SCN_TIMING_CALIBRATED);
    s.noise_sigma = 0;
    const scn_task_kind *chat = &s.apps[0].kinds[0];
    const scn_card *c4090 = card_named(&s, "NVIDIA GeForce RTX 4090");
    agt_timing tm = agt_timing_for(&s);
    agt_work cold = {chat, 256, c4090, false, NULL}, warm = {chat, 256, c4090, true, NULL};
    double file_gb = kern_model_params(&chat->timing.llm) * 2 / 1e9;
    double saved = tm.exec_s(tm.ctx, &cold, NULL) - tm.exec_s(tm.ctx, &warm, NULL);
    assert_true(fabs(saved - file_gb / s.disk_gbs) < 1e-9);

    agt_work longer = {chat, 512, c4090, true, NULL};
    double per_token = (tm.exec_s(tm.ctx, &longer, NULL) - tm.exec_s(tm.ctx, &warm, NULL)) / 256;
    const kern_model_cfg *L = &chat->timing.llm;
    double head = (double)L->vocab * L->hidden, block = kern_model_matmul_params(L) - head;
    double weights_gb = (block * 1 + head * 2) / 1e9;
    const tim_card *t = &c4090->timing;
    double host = L->layers * (t->tf_layer_s + 7 * t->tf_int8_s);
    double floor_s = weights_gb / (t->bw_gbs * t->eff_bw_w[TIM_W_F16]) + host;
    assert_true(per_token >= floor_s && per_token < 1.1 * floor_s);

    const scn_card *c3090 = card_named(&s, "NVIDIA GeForce RTX 3090");
    agt_work slow = {chat, 256, c3090, true, NULL};
    assert_true(tm.exec_s(tm.ctx, &slow, NULL) > tm.exec_s(tm.ctx, &warm, NULL));
    /* on 10 GB, LLM.int8 Llama-3-8B would need decoder layers offloaded,
     * which transformers refuses (docs/timing.md "Cards too small") */
    agt_fate fate = {0};
    agt_work small = {chat, 256, card_named(&s, "NVIDIA GeForce RTX 3080"), true, &fate};
    tm.exec_s(tm.ctx, &small, NULL);
    assert_int_equal(fate.fail, TIM_FAIL_QUANT_OFFLOAD);
    warm.fate = &fate;
    tm.exec_s(tm.ctx, &warm, NULL);
    assert_int_equal(fate.fail, TIM_RUNS);
    /* the model remembers its answers: each the same as a first call's
     * (a second model asked each question once, so it computes every one),
     * for every kind and card, consecutive sizes (which share a line of the
     * first table) and scattered ones, through more keys than either table
     * has places (a collision computes again), then all of them again,
     * hits and recomputed ones; answers with weights left in host memory
     * (kept in the second table only) among them */
    enum { N_SIZES = 24 + 207 };
    uint32_t n_keys = 0, n_offloaded = 0;
    for (uint32_t a = 0; a < s.n_apps; a++)
        n_keys += s.apps[a].n_kinds * s.n_cards * N_SIZES * 2;
    double *first_t = malloc(n_keys * sizeof *first_t);
    agt_fate *first_f = malloc(n_keys * sizeof *first_f);
    assert_non_null(first_t);
    assert_non_null(first_f);
    agt_timing fresh = agt_timing_for(&s);
    for (int pass = 0; pass < 2; pass++) {
        uint32_t i = 0;
        for (uint32_t a = 0; a < s.n_apps; a++)
            for (uint32_t k = 0; k < s.apps[a].n_kinds; k++)
                for (uint32_t c = 0; c < s.n_cards; c++)
                    for (uint32_t n = 0; n < N_SIZES; n++)
                        for (int res = 0; res < 2; res++, i++) {
                            uint32_t size = n < 24 ? n + 1 : 25 + 97 * (n - 24);
                            agt_work x = {&s.apps[a].kinds[k], size, &s.cards[c], res, &first_f[i]};
                            if (!pass) {
                                first_t[i] = fresh.exec_s(fresh.ctx, &x, NULL);
                                n_offloaded += first_f[i].offload_gb > 0;
                            }
                            for (int again = 0; again < 2; again++) { /* the second: a hit */
                                agt_fate f = {0};
                                x.fate = &f;
                                double t = tm.exec_s(tm.ctx, &x, NULL);
                                assert_memory_equal(&t, &first_t[i], sizeof t);
                                assert_int_equal(f.fail, first_f[i].fail);
                                assert_memory_equal(&f.offload_gb, &first_f[i].offload_gb, sizeof f.offload_gb);
                                assert_memory_equal(&f.offload_s, &first_f[i].offload_s, sizeof f.offload_s);
                            }
                        }
        assert_int_equal(i, n_keys);
    }
    assert_true(n_keys > 2 * (1u << 14));
    assert_true(n_offloaded > 0);
    agt_timing_free(&fresh);
    free(first_t);
    free(first_f);
    agt_timing_free(&tm);
    scn_free(&s);
}

static void test_results_and_nonces(void **state)
{
    (void)state;
    uint8_t a[64], b[64], n1[32], n2[32];
    assert_int_equal(agt_result(7, PROTO_SD, 3, a, sizeof a), 24);
    assert_int_equal(agt_result(7, PROTO_SD, 3, b, sizeof b), 24);
    assert_memory_equal(a, b, 24);
    assert_int_equal(agt_result(7, PROTO_GPT, 300, a, sizeof a), 32);
    agt_result(8, PROTO_GPT, 300, b, sizeof b);
    assert_memory_not_equal(a, b, 32);
    agt_nonce(7, 10, 0, n1);
    agt_nonce(7, 10, 1, n2);
    assert_memory_not_equal(n1, n2, 32);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_poisson_rate),
        cmocka_unit_test(test_daily_peaks),
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_fees_are_exact_integers_in_range),
        cmocka_unit_test(test_cap_and_timing),
        cmocka_unit_test(test_calibrated_timing),
        cmocka_unit_test(test_results_and_nonces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
