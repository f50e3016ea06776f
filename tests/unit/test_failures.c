/* Tasks that fail on a node, and what the chain makes of them
 * (docs/profiles.md "When a task fails"): the timing model's placement of
 * a model too large for the card (device_map="auto", against the shapes of
 * Mistral-7B's config.json worked out here by hand), the node's error
 * report for an execution error and its silence for out-of-memory, a
 * missing model and failed fetches, and the TaskAborted rule.  Runs from
 * the repository root (models/). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agents/profile.h"
#include "run/sim.h"
#include "timing/tim.h"

static void load(const char *card, const char *model, tim_card *c, tim_model *m)
{
    char err[512];
    assert_int_equal(tim_card_load("models/cards.json", card, c, err, sizeof err), 0);
    assert_int_equal(tim_model_load("models/llms.json", "models/sd.json", model, m, err, sizeof err), 0);
}

/* Mistral-7B-v0.1 config.json: hidden 4096, 32 layers, 32 heads of which 8
 * for keys and values (head 128), MLP 14336 (gated: three matrices),
 * vocabulary 32000.  In float32 (dtype "auto") on a 24 GB (GiB) card,
 * accelerate 0.25.0 keeps 0.9 x (24 GiB - 0.5 GB, the simulator's CUDA
 * context) less the largest layer (a decoder layer here), fills it with the
 * embeddings and whole decoder layers, and leaves the rest in host memory;
 * every forward copies that rest at 31.5 GB/s. */
static void test_offload_placement(void **state)
{
    (void)state;
    tim_card c;
    tim_model m;
    load("RTX 4090", "Mistral-7B", &c, &m);
    assert_true(c.mem_gb == 24);
    tim_workload w;
    tim_workload_default(&w, TIM_GPT);
    w.runtime = TIM_RT_TRANSFORMERS;
    w.bits = 32;
    w.prompt_tokens = 256;
    w.max_new_tokens = 100;
    tim_breakdown fits, off;
    tim_task_breakdown(&m, &c, &w, &fits); /* as_frameworks 0: taken to fit */
    assert_true(fits.offload_gb == 0 && fits.fail == TIM_RUNS);
    w.as_frameworks = 1;
    tim_task_breakdown(&m, &c, &w, &off);
    double layer = 4.0 * (4096.0 * (4096 + 2 * 1024 + 4096) + 3.0 * 4096 * 14336);
    double embed = 4.0 * 32000 * 4096;
    double budget = 0.9 * (24 * 1073741824.0 - 0.5e9) - layer;
    double on_card = embed + floor((budget - embed) / layer) * layer;
    assert_true(floor((budget - embed) / layer) == 24);
    double total = 4.0 * kern_model_params(&m.llm);
    assert_true(fabs(off.offload_gb - (total - on_card) / 1e9) < 1e-9);
    assert_true(off.offload_gb > 7 && off.offload_gb < 8); /* eight layers, the norm and the head */
    double copy = (total - on_card) / 31.5e9;
    assert_true(fabs(off.offload_s - 101 * copy) < 1e-9);       /* the prompt's forward + 100 */
    assert_true(fabs(off.decode_s - fits.decode_s - 100 * copy) < 1e-9);
    assert_true(fabs(off.prefill_s - fits.prefill_s - copy) < 1e-9);
    assert_int_equal(off.fail, TIM_RUNS);
    /* half the bandwidth, twice the copies */
    w.h2d_gbs = 15.75;
    tim_breakdown slow;
    tim_task_breakdown(&m, &c, &w, &slow);
    assert_true(fabs(slow.offload_s - 2 * off.offload_s) < 1e-9);
    /* in FP16 it fits, and 96 GB of unified memory hold it in float32 */
    w.h2d_gbs = TIM_H2D_GBS_PCIE4_X16;
    w.bits = 16;
    tim_task_breakdown(&m, &c, &w, &off);
    assert_true(off.offload_gb == 0 && off.fail == TIM_RUNS);
    load("M2 Max", "Mistral-7B", &c, &m);
    w.bits = 32;
    tim_task_breakdown(&m, &c, &w, &off);
    assert_true(off.offload_gb == 0 && off.fail == TIM_RUNS);
    /* a 12 GB card keeps less than half of the float32 model */
    load("RTX 4070", "Mistral-7B", &c, &m);
    tim_task_breakdown(&m, &c, &w, &off);
    assert_true(off.offload_gb > total / 2e9 && off.fail == TIM_RUNS);
}

/* transformers refuses to offload a bitsandbytes model (a ValueError that
 * gpt-task reports as an execution error) before loading any weight; a
 * task that needs more than the card holds runs out of memory. */
static void test_failures_in_timing(void **state)
{
    (void)state;
    tim_card c;
    tim_model m;
    load("RTX 3080", "Llama-3-8B", &c, &m);
    tim_workload w;
    tim_workload_default(&w, TIM_GPT);
    w.runtime = TIM_RT_TRANSFORMERS;
    w.as_frameworks = 1;
    w.bits = 8;
    tim_breakdown b;
    tim_task_breakdown(&m, &c, &w, &b);
    assert_int_equal(b.fail, TIM_FAIL_QUANT_OFFLOAD);
    assert_true(b.total_s == w.overhead_s); /* cached: nothing read yet */
    w.cached = 0;
    tim_task_breakdown(&m, &c, &w, &b);
    assert_true(fabs(b.total_s - (tim_file_bytes(&m, &w) / 1e9 / w.net_gbs + w.overhead_s)) < 1e-9);
    /* on 12 GB only the head stays in host memory, which transformers
     * allows (modules_to_not_convert): the task runs, copying the FP16
     * head (128256 x 4096) every forward */
    load("RTX 3060", "Llama-3-8B", &c, &m);
    tim_task_breakdown(&m, &c, &w, &b);
    assert_int_equal(b.fail, TIM_RUNS);
    assert_true(fabs(b.offload_gb - 128256.0 * 4096 * 2 / 1e9) < 0.01);
    load("RTX 3080", "Llama-3-8B", &c, &m);
    /* 4-bit fits */
    w.bits = 4;
    w.cached = 1;
    tim_task_breakdown(&m, &c, &w, &b);
    assert_int_equal(b.fail, TIM_RUNS);
    assert_true(b.offload_gb == 0);
    /* no CUDA, no bitsandbytes: refused before the download */
    load("M2 Max", "Llama-3-8B", &c, &m);
    w.bits = 8;
    w.cached = 0;
    tim_task_breakdown(&m, &c, &w, &b);
    assert_int_equal(b.fail, TIM_FAIL_QUANT_NO_CUDA);
    assert_true(b.total_s == w.overhead_s);
    w.bits = 16;
    tim_task_breakdown(&m, &c, &w, &b);
    assert_int_equal(b.fail, TIM_RUNS);
    /* SDXL on an 8 GB card: stable-diffusion-task never offloads */
    load("RTX 4060", "stable-diffusion-xl-base-1.0", &c, &m);
    tim_workload_default(&w, TIM_SD);
    w.width = w.height = 1024;
    tim_task_breakdown(&m, &c, &w, &b);
    assert_true(b.vram_gb > c.mem_gb);
    assert_int_equal(b.fail, TIM_RUNS);
    w.as_frameworks = 1;
    tim_task_breakdown(&m, &c, &w, &b);
    assert_int_equal(b.fail, TIM_FAIL_OOM);
    assert_true(b.total_s < b.load_s + b.overhead_s + b.step_s + 1e-9);
}

/* The task system's reruns: tenacity wait_exponential(multiplier=10). */
static void test_runner_retries(void **state)
{
    (void)state;
    assert_true(agt_runner_retry_s(0) == 0);
    assert_true(agt_runner_retry_s(1) == 10);
    assert_true(agt_runner_retry_s(3) == 70);
    assert_int_equal(agt_failed_tries(0, 0.99), 0);
    assert_int_equal(agt_failed_tries(1, 0.0), 64);
    /* P(k >= j) = p^j: the share of draws with k >= 2 at p = 0.5 is 1/4 */
    int n = 100000, ge2 = 0;
    for (int i = 0; i < n; i++)
        ge2 += agt_failed_tries(0.5, (i + 0.5) / n) >= 2;
    assert_true(abs(ge2 - n / 4) <= 2);
}

/* ---- whole runs ---- */

static const char *SCN =
    "{\"name\": \"f\", \"duration_s\": 7200, \"seed\": 3,"
    " \"timing\": {\"model\": \"calibrated\"%s},"
    " %s"
    " \"network\": {\"nodes\": 9, \"node_profile\": \"%s\", \"cards\": [{\"card\": \"%s\"}],"
    "   \"churn\": {\"quit_rate_per_h\": 0, \"pause_rate_per_h\": 0}%s},"
    " \"applications\": [{\"profile\": \"bridge-2024-04\", \"clients\": 100,"
    "   \"arrival\": {\"process\": \"poisson\", \"rate_per_h\": 30}, \"tasks\": [%s]}]}";

typedef struct outcome {
    char text[16384];
    sim_counts c;
    sim_actor_stats honest;
} outcome;

static void run_scn(const char *timing, const char *relay, const char *profile, const char *card,
                    const char *net, const char *task, outcome *o)
{
    char text[4096], err[SCN_ERR_MAX];
    snprintf(text, sizeof text, SCN, timing, relay, profile, card, net, task);
    scn s;
    bool ok = scn_parse(text, "f.json", ".", &s, err);
    if (!ok)
        fprintf(stderr, "%s\n", err);
    assert_true(ok);
    sim_opts opts = {.seed = 3, .paranoid = true};
    sim *m = sim_run(&s, &opts);
    assert_non_null(m);
    assert_int_equal(sim_status(m), 0); /* every invariant held after every event */
    sim_get_counts(m, &o->c);
    sim_get_actor(m, 0, &o->honest);
    FILE *f = fmemopen(o->text, sizeof o->text - 1, "w");
    sim_summary(m, f);
    fclose(f);
    sim_free(m);
    scn_free(&s);
}

/* The number after `key` in the summary, or -1. */
static long long after(const outcome *o, const char *key)
{
    const char *p = strstr(o->text, key);
    return p ? atoll(p + strlen(key)) : -1;
}

#define LLAMA8 "{\"type\": \"gpt\", \"model\": \"Llama-3-8B\", \"bits\": 8, \"size_min\": 64, \"size_max\": 64}"

/* An execution error on all three nodes: each reports it.  The second
 * report aborts the task "Task error reported" (the contract's agreeing
 * results are error markers) and the third is accepted too: nothing
 * reverts, nobody is slashed, and the reporters are paid as agreeing
 * nodes.  With fetches that fail now and then, a node still waiting for
 * its retry gets TaskAborted first and reports then (task_runner.py
 * task_aborted), which the chain accepts as well. */
static void test_execution_error_reported(void **state)
{
    (void)state;
    const char *profiles[] = {"node-2024-03", "generic"};
    const char *relays[] = {"", "\"relay\": {\"fetch_failure_prob\": 0.3},"};
    for (int i = 0; i < 2; i++)
        for (int f = 0; f < 2; f++) {
            outcome o;
            run_scn("", relays[f], profiles[i], "RTX 3080", ", \"preloaded_models\": [\"Llama-3-8B\"]", LLAMA8,
                    &o);
            long long aborted = (long long)o.c.aborted;
            assert_true(aborted > 20);
            assert_int_equal(o.c.succeeded, 0);
            assert_int_equal(after(&o, "aborted: Task error reported"), aborted);
            assert_non_null(strstr(o.text, ", 0 reverted"));
            assert_int_equal(o.c.slashes, 0);
            assert_true(o.honest.income > 0);
            if (i == 1)
                continue; /* the generic profile shows no effects section */
            long long failed = after(&o, "out of memory, "); /* the execution errors */
            long long reported = after(&o, "errors reported: ");
            long long on_abort = after(&o, " on failing, ");
            assert_int_equal(after(&o, "quantized and offloaded (execution error), "), 0);
            assert_true(failed >= 3 * aborted && failed <= 3 * (aborted + (long long)o.c.open));
            assert_int_equal(reported + on_abort, 3 * aborted);
            if (f)
                assert_true(on_abort > 0);
            else
                assert_int_equal(on_abort, 0);
        }
}

/* A quantized model on a Mac: transformers wants CUDA ("No GPU found"),
 * before downloading anything; gpt-task calls it an execution error, which
 * all three nodes report. */
static void test_quantized_on_apple(void **state)
{
    (void)state;
    outcome o;
    run_scn("", "", "node-2024-03", "M2 Max", "", LLAMA8, &o);
    long long aborted = (long long)o.c.aborted;
    assert_true(aborted > 20);
    assert_int_equal(o.c.succeeded, 0);
    assert_int_equal(after(&o, "aborted: Task error reported"), aborted);
    assert_true(after(&o, "quantized and offloaded (execution error), ") >= 3 * aborted);
    assert_int_equal(after(&o, "model downloads inside tasks: "), 0);
    assert_non_null(strstr(o.text, ", 0 reverted"));
}

/* Out of memory, a missing model and fetches that keep failing are not
 * reported: the nodes wait for the deadline and cancel, and the task ends
 * "Task Cancelled". */
static void test_silent_failures_time_out(void **state)
{
    (void)state;
    outcome o;
    run_scn("", "", "node-2024-03", "RTX 4060",  "",
            "{\"type\": \"sd\", \"model\": \"stable-diffusion-xl-base-1.0\", \"size_max\": 1, \"vram_gb\": 8}", &o);
    assert_true(o.c.aborted > 20);
    assert_int_equal(o.c.succeeded, 0);
    assert_int_equal(after(&o, "aborted: Task Cancelled"), (long long)o.c.aborted);
    assert_true(after(&o, "failed node-tasks: ") >= 3 * (long long)o.c.aborted);
    assert_int_equal(after(&o, "errors reported: "), 0);
    /* the same task on a 24 GB card runs */
    run_scn("", "", "node-2024-03", "RTX 4090", "",
            "{\"type\": \"sd\", \"model\": \"stable-diffusion-xl-base-1.0\", \"size_max\": 1, \"vram_gb\": 8}", &o);
    assert_int_equal(o.c.aborted, 0);
    assert_true(o.c.succeeded > 20);

    run_scn("", "", "node-2024-03", "RTX 4090", "",
            "{\"type\": \"gpt\", \"model\": \"gpt2\", \"model_missing\": true}", &o);
    assert_true(o.c.aborted > 20);
    assert_int_equal(after(&o, "aborted: Task Cancelled"), (long long)o.c.aborted);
    assert_true(after(&o, "quantized without CUDA (execution error), ") >= 3 * (long long)o.c.aborted);

    run_scn("", "\"relay\": {\"fetch_failure_prob\": 1},", "node-2024-03", "RTX 4090", "",
            "{\"type\": \"gpt\", \"model\": \"gpt2\"}", &o);
    assert_int_equal(o.c.succeeded, 0);
    assert_int_equal(after(&o, "aborted: Task Cancelled"), (long long)o.c.aborted);
    assert_true(after(&o, "model missing, ") >= 3 * (long long)o.c.aborted);
}

/* Transient failures delay a task by the task system's retries: with a
 * fetch failing one try in two, most tasks still succeed, later. */
static void test_transient_failures_retry(void **state)
{
    (void)state;
    outcome ok, flaky;
    run_scn("", "", "node-2024-03", "RTX 4090", "", "{\"type\": \"gpt\", \"model\": \"gpt2\"}", &ok);
    run_scn("", "\"relay\": {\"fetch_failure_prob\": 0.5},", "node-2024-03", "RTX 4090", "",
            "{\"type\": \"gpt\", \"model\": \"gpt2\"}", &flaky);
    assert_int_equal(ok.c.aborted, 0);
    assert_true(flaky.c.succeeded > ok.c.succeeded / 2);
    long long retried = after(&flaky, "retried past the deadline; ");
    assert_true(retried > 0);
    assert_int_equal(after(&ok, "retried past the deadline; "), 0);
    /* downloads fail only when there is one: gpt2 is not preloaded */
    run_scn("", "", "node-2024-03", "RTX 4090", ", \"download_failure_prob\": 1",
            "{\"type\": \"gpt\", \"model\": \"gpt2\"}", &flaky);
    assert_int_equal(flaky.c.succeeded, 0);
    run_scn("", "", "node-2024-03", "RTX 4090", ", \"download_failure_prob\": 1",
            "{\"type\": \"sd\", \"model\": \"stable-diffusion-v1-5\", \"size_max\": 1}", &flaky);
    assert_int_equal(flaky.c.aborted, 0);
    assert_true(flaky.c.succeeded > 20);
}

/* timing.h2d_gbs reaches the workload; a bad value names its JSON path */
static void test_h2d_key(void **state)
{
    (void)state;
    char text[4096], err[SCN_ERR_MAX];
    scn s;
    snprintf(text, sizeof text, SCN, ", \"h2d_gbs\": 15.75", "", "node-2024-03", "RTX 4070", "",
             "{\"type\": \"gpt\", \"model\": \"Mistral-7B\", \"bits\": 32}");
    assert_true(scn_parse(text, "f.json", ".", &s, err));
    tim_workload w;
    scn_timing_workload(&s, &s.apps[0].kinds[0], 2048, false, &w);
    assert_true(w.h2d_gbs == 15.75 && w.as_frameworks == 1);
    scn_free(&s);
    snprintf(text, sizeof text, SCN, ", \"h2d_gbs\": 0", "", "node-2024-03", "RTX 4070", "",
             "{\"type\": \"gpt\", \"model\": \"Mistral-7B\", \"bits\": 32}");
    assert_false(scn_parse(text, "f.json", ".", &s, err));
    assert_non_null(strstr(err, "$.timing.h2d_gbs"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offload_placement),
        cmocka_unit_test(test_failures_in_timing),
        cmocka_unit_test(test_runner_retries),
        cmocka_unit_test(test_execution_error_reported),
        cmocka_unit_test(test_quantized_on_apple),
        cmocka_unit_test(test_silent_failures_time_out),
        cmocka_unit_test(test_transient_failures_retry),
        cmocka_unit_test(test_h2d_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
