/* Scenario validation: defaults, and that every kind of bad input names the
 * file and the JSON path.  Runs from the repository root (models/). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <math.h>

#include "scenario/scn.h"
#include "scn_expect.h"

#define CARD "\"NVIDIA GeForce RTX 4090\""
#define NET "\"network\": {\"nodes\": 10, \"cards\": [{\"card\": " CARD "}]}"
#define APP "\"applications\": [{\"arrival\": {\"process\": \"poisson\", \"rate_per_h\": 10}, " \
            "\"tasks\": [{\"type\": \"sd\", \"fee\": {\"wei\": \"1000\"}}]}]"


static void test_minimal_defaults(void **state)
{
    (void)state;
    scn s;
    char err[SCN_ERR_MAX];
    bool ok = scn_parse("{" NET ", " APP "}", "t.json", ".", &s, err);
    if (!ok)
        fprintf(stderr, "%s\n", err);
    assert_true(ok);
    assert_int_equal(s.params.task_timeout_s, 900);
    assert_int_equal(s.params.queue_size_limit, 50);
    assert_true(s.params.stake == (wei_t)400 * 1000000000000000000ULL);
    assert_int_equal(s.params.task_score_rewards[2], 6);
    assert_false(s.params.kickout_disabled); /* Helium kicks out */
    assert_int_equal(s.duration_s, 86400);
    assert_int_equal(s.nodes, 10);
    assert_int_equal(s.n_apps, 1);
    assert_int_equal(s.apps[0].kinds[0].type, PROTO_SD);
    assert_true(s.apps[0].kinds[0].fee_min == 1000);
    assert_string_equal(s.cards[s.mix[0].card].name, "NVIDIA GeForce RTX 4090");
    scn_free(&s);
}

static void test_errors_name_path(void **state)
{
    (void)state;
    expect_error("{" NET ", " APP ", \"duraton_s\": 5}", "$.duraton_s: expected a known key, got unknown key \"duraton_s\" (did you mean \"duration_s\"?)");
    expect_error("{" NET ", " APP ", \"duration_s\": \"5\"}", "$.duration_s: expected an integer");
    expect_error("{" NET ", " APP ", \"duration_s\": 0}", "$.duration_s: expected an integer in [1,");
    expect_error("{" NET ", " APP ", \"protocol\": {\"stake\": 400}}", "$.protocol.stake: expected a decimal wei string");
    expect_error("{" NET ", " APP ", \"protocol\": {\"kickout\": 0}}", "$.protocol.kickout: expected");
    expect_error("{" NET ", " APP ", \"protocol\": {\"task_score_rewards\": [0, 0, 0]}}",
                 "$.protocol.task_score_rewards: expected at least one positive score");
    expect_error("{" NET ", " APP ", \"protocol\": {\"task_score_rewards\": [1, 2]}}", "$.protocol.task_score_rewards: expected an array of 3");
    expect_error("{\"network\": {\"nodes\": 10, \"cards\": [{\"card\": \"NVIDIA GeForce RTX 4099\"}]}, " APP "}",
                 "$.network.cards[0].card: expected a card of models/cards.json (its name or an alias, optionally "
                 "after \"NVIDIA GeForce \", \"NVIDIA \", \"GeForce \" or \"Apple \"), got \"NVIDIA GeForce RTX 4099\" "
                 "(did you mean \"NVIDIA GeForce RTX 4090\"?)");
    expect_error("{" NET ", \"applications\": [{\"arrival\": {\"process\": \"poison\"}, \"tasks\": []}]}",
                 "$.applications[0].arrival.process: expected \"poisson\", \"daily\", \"periodic\" or \"csv\"");
    expect_error("{" NET ", \"applications\": [{\"arrival\": {\"process\": \"poisson\"}, \"tasks\": [{\"type\": \"sd\", \"fee\": {\"wei\": \"1\"}, \"vram\": 3}]}]}",
                 "$.applications[0].tasks[0].vram: expected a known key, got unknown key \"vram\" (did you mean \"vram_gb\"?)");
    expect_error("{" NET ", \"applications\": [{\"arrival\": {\"process\": \"poisson\"}, \"tasks\": [{\"type\": \"gpt\"}]}]}",
                 "$.applications[0].tasks[0].fee: expected an object");
    expect_error("{" NET ", " APP ", \"chain\": {\"block_time_s\": -1}}", "$.chain.block_time_s: expected a number in [0.001, 3600], got -1");
    expect_error("{" APP "}", "$.network: expected an object");
    expect_error("{" NET ", " APP ", \"warmup_s\": 100, \"duration_s\": 50}", "$.warmup_s: expected less than duration_s");
    expect_error("{" NET ", " APP ", ", "$: expected valid JSON");
    expect_error("[]", "$: expected an object");
}

/* One catalogue for both timing models: scenario spellings resolve to the
 * cards of models/cards.json, whose memory is the VRAM a node reports and
 * whose peaks give the parametric model's relative speed. */
static void test_card_catalogue(void **state)
{
    (void)state;
    scn s;
    char err[SCN_ERR_MAX];
    bool ok = scn_parse("{\"network\": {\"nodes\": 10, \"cards\": [{\"card\": \"NVIDIA GeForce RTX 4090\"}, "
                        "{\"card\": \"NVIDIA GeForce RTX 3090\"}, {\"card\": \"Apple M2 Max\"}, "
                        "{\"card\": \"NVIDIA L40S\"}, {\"card\": \"NVIDIA RTX A6000\"}, {\"card\": \"rtx 5090\"}]}, " APP "}",
                        "t.json", ".", &s, err);
    if (!ok)
        fprintf(stderr, "%s\n", err);
    assert_true(ok);
    const char *want[] = {"RTX 4090", "RTX 3090", "M2 Max", "L40S", "RTX A6000", "RTX 5090"};
    for (int i = 0; i < 6; i++)
        assert_string_equal(s.cards[s.mix[i].card].timing.name, want[i]);
    /* shown under the scenario's spelling */
    assert_string_equal(s.cards[s.mix[2].card].name, "Apple M2 Max");
    const scn_card *r = &s.cards[s.mix[0].card], *a = &s.cards[s.mix[1].card], *m = &s.cards[s.mix[2].card];
    assert_true(r->relative_speed == 1.0);
    assert_int_equal(r->vram_gb, 24);
    assert_int_equal(m->vram_gb, 96);
    /* RTX 3090: 936 GB/s and 142.3 FP16 TFLOPS against 1008 and 330.3 (cards.json) */
    double want3090 = sqrt(a->timing.bw_gbs / r->timing.bw_gbs * a->timing.fp16_tflops / r->timing.fp16_tflops);
    assert_true(fabs(a->relative_speed - want3090) < 1e-12);
    assert_true(a->relative_speed > 0.6 && a->relative_speed < 0.66);
    assert_true(m->relative_speed > 0.1 && m->relative_speed < 0.15);
    scn_free(&s);
    expect_error("{" NET ", " APP ", \"cards_file\": \"nowhere.json\"}",
                 "$.cards_file: expected a readable card file, got \"nowhere.json\"");
    expect_error("{" NET ", " APP ", \"cards_file\": \"models/llms.json\"}",
                 "$.cards_file: expected a valid card catalogue: models/llms.json: .cards: expected a non-empty array");
}

static void test_edit_distance(void **state)
{
    (void)state;
    assert_int_equal(scn_edit_distance("kitten", "sitting"), 3);
    assert_int_equal(scn_edit_distance("", "abc"), 3);
    assert_int_equal(scn_edit_distance("same", "same"), 0);
}

static void test_baseline_loads(void **state)
{
    (void)state;
    scn s;
    char err[SCN_ERR_MAX];
    bool ok = scn_load("scenarios/helium-baseline.json", &s, err);
    if (!ok)
        fprintf(stderr, "%s\n", err);
    assert_true(ok);
    assert_true(s.nodes >= 100);
    assert_int_equal(s.n_apps, 2);
    scn_free(&s);
}

#define CAL "\"timing\": {\"model\": \"calibrated\", \"models_dir\": \"models\"}"
#define GPT_KIND(extra) "\"applications\": [{\"arrival\": {\"process\": \"poisson\"}, \"tasks\": " \
    "[{\"type\": \"gpt\", \"model\": \"Llama-2-7B\", \"fee\": {\"wei\": \"1\"}" extra "}]}]"

/* The calibrated model resolves cards and models from models/ and lets the
 * model decide the VRAM a task needs and the file a node downloads. */
static void test_calibrated_timing(void **state)
{
    (void)state;
    scn s;
    char err[SCN_ERR_MAX];
    bool ok = scn_parse("{" NET ", " CAL ", " GPT_KIND(", \"bits\": 4, \"size_max\": 512") "}", "t.json", ".", &s, err);
    if (!ok)
        fprintf(stderr, "%s\n", err);
    assert_true(ok);
    assert_int_equal(s.timing_model, SCN_TIMING_CALIBRATED);
    const scn_task_kind *k = &s.apps[0].kinds[0];
    assert_string_equal(k->timing.name, "Llama-2-7B");
    assert_string_equal(s.cards[s.mix[0].card].timing.name, "RTX 4090");
    /* transformers (the default runtime) quantizes on load: the node
     * downloads Llama-2-7B's 6.74e9 parameters as the FP16 checkpoint */
    assert_int_equal(s.timing_runtime, TIM_RT_TRANSFORMERS);
    assert_true(k->model_size_mb > 13400 && k->model_size_mb < 13600);
    tim_workload w;
    scn_timing_workload(&s, k, 512, false, &w);
    assert_int_equal(w.launch_blocking, 1);
    assert_int_equal(k->vram_gb, (uint32_t)ceil(tim_vram_needed_gb(&k->timing, &w)));
    assert_true(k->vram_gb >= 4 && k->vram_gb <= 8);
    scn_free(&s);
    /* on llama.cpp: the Q4_0 file, 4.5 stored bits = 3.79 GB */
    ok = scn_parse("{" NET ", \"timing\": {\"model\": \"calibrated\", \"models_dir\": \"models\", "
                   "\"runtime\": \"llama.cpp\"}, " GPT_KIND(", \"bits\": 4, \"size_max\": 512") "}",
                   "t.json", ".", &s, err);
    assert_true(ok);
    assert_true(s.apps[0].kinds[0].model_size_mb > 3700 && s.apps[0].kinds[0].model_size_mb < 3900);
    scn_free(&s);
    expect_error("{" NET ", \"timing\": {\"model\": \"calibrated\", \"runtime\": \"vllm\"}, "
                 GPT_KIND("") "}", "$.timing.runtime: expected \"transformers\" or \"llama.cpp\", got \"vllm\"");
    expect_error("{" NET ", \"timing\": {\"model\": \"calibrated\", \"runtime\": \"llama.cpp\"}, "
                 GPT_KIND(", \"bits\": 32") "}", "bits: expected 4 (Q4_0), 8 (Q8_0) or 16, got 32");

    expect_error("{" NET ", " CAL ", " GPT_KIND(", \"exec_base_s\": 1") "}",
                 "$.applications[0].tasks[0].exec_base_s: expected only with timing.model \"parametric\"");
    expect_error("{" NET ", " GPT_KIND(", \"bits\": 4") "}",
                 "$.applications[0].tasks[0].bits: expected only with timing.model \"calibrated\"");
    expect_error("{" NET ", " CAL ", " GPT_KIND(", \"bits\": 5") "}",
                 "$.applications[0].tasks[0].bits: expected 4 (bitsandbytes 4-bit), 8 (LLM.int8), 16 or 32, got 5");
    expect_error("{" NET ", " CAL ", " GPT_KIND(", \"steps\": 5") "}", "expected no sd workload keys");
    expect_error("{" NET ", \"timing\": {\"model\": \"calibrated\"}, \"applications\": [{\"arrival\": "
                 "{\"process\": \"poisson\"}, \"tasks\": [{\"type\": \"gpt\", \"model\": \"GPT-5\", \"fee\": {\"wei\": \"1\"}}]}]}",
                 "$.applications[0].tasks[0].model: expected a gpt model from models/llms.json");
    expect_error("{\"network\": {\"nodes\": 1, \"cards\": [{\"card\": \"Voodoo 2\"}]}, " CAL ", " GPT_KIND("") "}",
                 "$.network.cards[0].card: expected a card of models/cards.json");
    expect_error("{" NET ", \"timing\": {\"model\": \"measured\"}, " GPT_KIND("") "}",
                 "$.timing.model: expected \"parametric\" or \"calibrated\", got \"measured\"");
    expect_error("{" NET ", \"timing\": {\"disk_gbs\": 2}, " GPT_KIND("") "}",
                 "$.timing.disk_gbs: expected only with \"model\": \"calibrated\"");
    expect_error("{" NET ", \"timing\": {\"model\": \"calibrated\", \"models_dir\": \"nowhere\"}, " GPT_KIND("") "}",
                 "$.timing.models_dir: expected a directory holding cards.json");
}

/* A gpt task kind can be a GPT task file: the model, prompt, length, beams,
 * sequences and weight bits come from the task (examples/gpt/qwen-chat.json:
 * Qwen1.5-0.5B-Chat, 30 new tokens, 2 sequences, 4-bit). */
static void test_task_file_kind(void **state)
{
    (void)state;
    scn s;
    char err[SCN_ERR_MAX];
    const char *json = "{" NET ", " CAL ", \"applications\": [{\"arrival\": {\"process\": \"poisson\"}, "
                       "\"tasks\": [{\"type\": \"gpt\", \"task_file\": \"examples/gpt/qwen-chat.json\", "
                       "\"fee\": {\"wei\": \"1\"}}]}]}";
    bool ok = scn_parse(json, "t.json", ".", &s, err);
    if (!ok)
        fprintf(stderr, "%s\n", err);
    assert_true(ok);
    const scn_task_kind *k = &s.apps[0].kinds[0];
    assert_string_equal(k->model, "Qwen1.5-0.5B");
    assert_int_equal(k->size_min, 30);
    assert_int_equal(k->size_max, 30);
    /* two sampled sequences: two rows, as transformers decodes them */
    assert_int_equal(k->num_beams * k->num_sequences, 2);
    assert_int_equal(k->bits, 4);
    assert_true(k->prompt_tokens > 10 && k->prompt_tokens < 100);
    assert_int_equal(k->vram_gb, 1); /* 0.5B parameters at 4.5 bits: well under 1 GB */
    scn_free(&s);
    expect_error("{" NET ", " CAL ", " GPT_KIND(", \"task_file\": \"examples/gpt/qwen-chat.json\"") "}",
                 "$.applications[0].tasks[0].model: expected only without task_file");
    expect_error("{" NET ", " CAL ", \"applications\": [{\"arrival\": {\"process\": \"poisson\"}, \"tasks\": "
                 "[{\"type\": \"gpt\", \"task_file\": \"nowhere.json\", \"fee\": {\"wei\": \"1\"}}]}]}",
                 "$.applications[0].tasks[0].task_file: expected a readable GPT task file, got \"nowhere.json\"");
    expect_error("{" NET ", " CAL ", \"applications\": [{\"arrival\": {\"process\": \"poisson\"}, \"tasks\": "
                 "[{\"type\": \"gpt\", \"task_file\": \"models/llms.json\", \"fee\": {\"wei\": \"1\"}}]}]}",
                 "$.applications[0].tasks[0].task_file: expected a valid GPT task: models/llms.json");
    expect_error("{" NET ", " GPT_KIND(", \"task_file\": \"examples/gpt/qwen-chat.json\"") "}",
                 "$.applications[0].tasks[0].task_file: expected only with timing.model \"calibrated\"");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minimal_defaults),
        cmocka_unit_test(test_errors_name_path),
        cmocka_unit_test(test_edit_distance),
        cmocka_unit_test(test_card_catalogue),
        cmocka_unit_test(test_baseline_loads),
        cmocka_unit_test(test_calibrated_timing),
        cmocka_unit_test(test_task_file_kind),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
