/* Timing model: closed forms of the roofline formulas, the data files'
 * sources, the CLI's exit codes, and a quick calibration round trip. */
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

static tim_card test_card(void)
{
    tim_card c = {"test", 24, 1000, 100, 50, 0.5, 0.5, 0};
    return c;
}

static void load_model(const char *name, tim_model *m)
{
    char err[512];
    assert_int_equal(tim_model_load("models/llms.json", "models/sd.json", name, m, err, sizeof err), 0);
}

static void test_gpt_closed_form(void **state)
{
    (void)state;
    tim_model m;
    load_model("Llama-2-7B", &m);
    tim_card c = test_card();
    tim_workload w;
    tim_workload_default(&w, TIM_GPT);
    w.prompt_tokens = 100;
    w.max_new_tokens = 200;
    tim_breakdown b;
    tim_task_breakdown(&m, &c, &w, &b);
    double mp = kern_model_matmul_params(&m.llm), W = mp * 2;
    double kv = 2.0 * 32 * 4096 * 2; /* FP16 K and V per token */
    double step = (W + kv * 200) / (1000e9 * 0.5); /* mean context 100 + 200/2 */
    assert_true(fabs(b.decode_tps - 1 / step) < 1e-9 / step);
    assert_true(fabs(b.decode_s - 200 * step) < 1e-9);
    double pf = 2 * mp * 100 + 2.0 * 32 * 4096 * 100 * 100;
    assert_true(fabs(b.prefill_s - fmax(pf / 50e12, W / 500e9)) < 1e-12);
    assert_true(fabs(b.total_s - (b.load_s + b.prefill_s + b.decode_s + 1.0)) < 1e-9);
    assert_true(fabs(b.load_s - kern_model_params(&m.llm) * 2 / 1e9) < 1e-6); /* 1 GB/s disk */
    double t1 = tim_task_seconds(&m, &c, &w);
    w.num_beams = 4;
    assert_true(tim_task_seconds(&m, &c, &w) > t1);
    w.num_beams = 1;
    w.cached = 0;
    assert_true(fabs(tim_task_seconds(&m, &c, &w) - t1 - kern_model_params(&m.llm) * 2 / 1e9 / 0.1) < 1e-6);
    /* VRAM: FP16 7B does not fit 12 GB, Q4_0 does */
    w.bits = 16;
    assert_true(tim_vram_needed_gb(&m, &w) > 13.4);
    w.bits = 4.5;
    assert_true(tim_vram_needed_gb(&m, &w) < 6);
}

static void test_sd_linear_in_steps(void **state)
{
    (void)state;
    tim_model m;
    load_model("stable-diffusion-v1-5", &m);
    assert_int_equal(m.kind, TIM_SD);
    tim_card c = test_card();
    tim_workload w;
    tim_workload_default(&w, TIM_SD);
    tim_breakdown a, b;
    tim_task_breakdown(&m, &c, &w, &a);
    w.steps = 50;
    tim_task_breakdown(&m, &c, &w, &b);
    assert_true(fabs(b.total_s - a.total_s - 25 * a.step_s) < 1e-9);
    assert_true(fabs(a.step_s - 2 * 678e9 / 50e12) < 1e-12);
    w.width = w.height = 1024;
    assert_true(tim_vram_needed_gb(&m, &w) > tim_vram_needed_gb(&m, &(tim_workload){.width = 512, .height = 512, .images = 1}));
}

static void test_cards_sourced(void **state)
{
    (void)state;
    const char *need[] = {"RTX 3060 12GB", "RTX 3080", "RTX 3090", "RTX 4060 Ti 16GB", "RTX 4070",
                          "RTX 4080", "RTX 4090", "RTX A4000", "RTX A5000", "RTX A6000", "L4",
                          "A100 40GB", "A100 80GB", "H100", "M1", "M1 Pro", "M1 Max", "M1 Ultra",
                          "M2", "M2 Pro", "M2 Max", "M2 Ultra", "M3", "M3 Pro", "M3 Max", "M3 Ultra"};
    char err[512];
    for (size_t i = 0; i < sizeof need / sizeof *need; i++) {
        tim_card c;
        assert_int_equal(tim_card_load("models/cards.json", need[i], &c, err, sizeof err), 0);
        assert_true(c.eff_bw > 0 && c.eff_bw <= 1 && c.eff_compute > 0);
    }
    FILE *f = fopen("models/cards.json", "rb");
    assert_non_null(f);
    static char buf[1 << 17];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    cJSON *j = cJSON_Parse(buf), *o;
    assert_non_null(j);
    cJSON_ArrayForEach(o, cJSON_GetObjectItem(j, "cards")) {
        cJSON *s = cJSON_GetObjectItem(o, "sources"), *e = cJSON_GetObjectItem(o, "efficiency");
        const char *k[] = {"mem_gb", "bw_gbs", "fp16_tflops", "fp32_tflops"};
        for (int i = 0; i < 4; i++)
            assert_true(cJSON_IsString(cJSON_GetObjectItem(s, k[i])));
        if (cJSON_IsString(e))
            assert_non_null(strstr(e->valuestring, "default: host calibrated efficiency"));
        else
            assert_true(cJSON_IsString(cJSON_GetObjectItem(e, "source")) &&
                        cJSON_IsString(cJSON_GetObjectItem(e, "measured")));
    }
    cJSON_Delete(j);
    tim_card c;
    assert_int_equal(tim_card_load("models/cards.json", "rtx 4090", &c, err, sizeof err), 0);
    assert_int_equal(tim_card_load("models/cards.json", "Voodoo 2", &c, err, sizeof err), 1);
    assert_int_equal(tim_card_load("/nonexistent", "RTX 4090", &c, err, sizeof err), 2);
}

static int run(const char *const *args, int n)
{
    char *argv[16];
    for (int i = 0; i < n; i++)
        argv[i] = (char *)args[i];
    return cmd_timing(n, argv);
}

static void test_cli_exit_codes(void **state)
{
    (void)state;
    const char *ok[] = {"timing", "--card", "RTX 4090", "--model", "Llama-2-7B", "--bits", "4"};
    assert_int_equal(run(ok, 7), 0);
    const char *sd[] = {"timing", "--card", "M2 Max", "--model", "sdxl", "--size", "1024x1024"};
    assert_int_equal(run(sd, 7), 0);
    const char *card[] = {"timing", "--card", "RTX 9999", "--model", "Llama-2-7B"};
    assert_int_equal(run(card, 5), 2);
    const char *model[] = {"timing", "--card", "RTX 4090", "--model", "GPT-5"};
    assert_int_equal(run(model, 5), 2);
    const char *bits[] = {"timing", "--card", "RTX 4090", "--model", "gpt2", "--bits", "3"};
    assert_int_equal(run(bits, 7), 2);
    const char *none[] = {"timing"};
    assert_int_equal(run(none, 1), 2);
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
    for (int t = 0; t < KERN_NTYPES; t++)
        if (t == KERN_F32 || t == KERN_Q8_0 || t == KERN_Q4_0)
            assert_true(h.roof[t].F > 1e8 && h.roof[t].B > 1e8 && h.roof[t].c >= 0);
    char *a2[] = {"calibrate", "--quick", "--check", "--threads", "2", "--out", path};
    assert_int_equal(cmd_calibrate(7, a2), 0);
    char *a3[] = {"calibrate", "--check", "--out", "/nonexistent/host.json"};
    assert_int_equal(cmd_calibrate(4, a3), 2);
    remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gpt_closed_form), cmocka_unit_test(test_sd_linear_in_steps),
        cmocka_unit_test(test_cards_sourced),   cmocka_unit_test(test_cli_exit_codes),
        cmocka_unit_test(test_calibrate_quick),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
