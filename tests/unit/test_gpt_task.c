/* GPT tasks: strict parsing (defaults, every error names its JSON path), whole
 * runs on a tiny model (byte-identical twice, different under another
 * numerics profile, refused when memory is short), the KV-cache slots of
 * beam search against recomputing every sequence from scratch, and the
 * simulator's view of a task file. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "gpt/gpt.h"
#include "gpt/gpt_model.h"
#include "gpt/gpt_sample.h"

#define TINY "tests/gpt/tiny-llms.json"

static int parse(const char *json, gpt_task *t, char *err, size_t n)
{
    return gpt_task_parse("t.json", json, strlen(json), t, err, n);
}

static void test_parse_full_and_defaults(void **state)
{
    (void)state;
    gpt_task t;
    char err[512];
    assert_int_equal(gpt_task_read("examples/gpt/qwen-chat.json", &t, err, sizeof err), 0);
    assert_string_equal(t.model, "Qwen/Qwen1.5-0.5B-Chat");
    assert_int_equal(t.n_messages, 2);
    assert_int_equal(t.messages[0].role, GPT_ROLE_SYSTEM);
    assert_int_equal(t.gen.max_new_tokens, 30);
    assert_true(t.gen.do_sample && t.gen.top_k == 20 && t.gen.num_return_sequences == 2);
    assert_true(t.gen.temperature == 0.8 && t.gen.top_p == 0.95 && t.gen.repetition_penalty == 1.1);
    assert_true(t.seed == 42 && t.dtype == GPT_DTYPE_AUTO && t.quantize_bits == 4);
    gpt_task_free(&t);
    /* absent generation_config: 256 new tokens, one sequence, library defaults */
    assert_int_equal(parse("{\"model\":\"gpt2\",\"messages\":[{\"role\":\"user\",\"content\":\"\"}]}",
                           &t, err, sizeof err), 0);
    assert_true(t.gen.max_new_tokens == 256 && t.gen.num_return_sequences == 1);
    assert_true(!t.gen.do_sample && t.gen.num_beams == 1 && t.gen.top_k == 50);
    assert_true(t.gen.temperature == 1 && t.gen.top_p == 1 && t.gen.typical_p == 1);
    assert_true(t.seed == 0 && t.dtype == GPT_DTYPE_AUTO && t.quantize_bits == 0);
    gpt_task_free(&t);
    /* present but partial */
    assert_int_equal(parse("{\"model\":\"gpt2\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                           "\"generation_config\":{\"num_beams\":4},"
                           "\"quantize_bits\":null,\"dtype\":\"bfloat16\"}",
                           &t, err, sizeof err), 0);
    assert_true(t.gen.max_new_tokens == 256 && t.gen.top_k == 50 && t.gen.num_beams == 4);
    assert_int_equal(t.gen_set, GPT_GEN_NUM_BEAMS);
    assert_true(t.dtype == GPT_DTYPE_BFLOAT16 && t.quantize_bits == 0);
    gpt_task_free(&t);
}

static void test_parse_errors(void **state)
{
    (void)state;
    static const char *const M = "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]";
    struct {
        const char *body, *want;
    } cases[] = {
        {"[1]", "t.json: $: expected a JSON object"},
        {"{\"model\":\"gpt2\",", "t.json: invalid JSON near byte"},
        {"{%s}", "$.model: missing field"},
        {"{\"model\":\"\",%s}", "$.model: expected a non-empty string"},
        {"{\"model\":\"gpt2\"}", "$.messages: missing field"},
        {"{\"model\":\"gpt2\",\"messages\":[]}", "$.messages: expected at least one message"},
        {"{\"model\":\"gpt2\",\"messages\":[{\"role\":\"bot\",\"content\":\"x\"}]}",
         "$.messages[0].role: expected \"system\", \"user\" or \"assistant\""},
        {"{\"model\":\"gpt2\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"},{\"role\":\"user\"}]}",
         "$.messages[1].content: missing field"},
        {"{\"model\":\"gpt2\",\"messages\":[{\"role\":\"user\",\"content\":3}]}",
         "$.messages[0].content: expected a string"},
        {"{\"model\":\"gpt2\",%s,\"generation_config\":{\"max_new_tokens\":2.5}}",
         "$.generation_config.max_new_tokens: expected an integer"},
        {"{\"model\":\"gpt2\",%s,\"generation_config\":{\"do_sample\":2}}",
         "$.generation_config.do_sample: expected true or false"},
        {"{\"model\":\"gpt2\",%s,\"generation_config\":{\"top_k\":null}}",
         "$.generation_config.top_k: expected a value, not null"},
        {"{\"model\":\"gpt2\",%s,\"generation_config\":{\"top_p\":\"high\"}}",
         "$.generation_config.top_p: expected a number"},
        {"{\"model\":\"gpt2\",%s,\"generation_config\":{\"top_k\":\"0x10\"}}",
         "$.generation_config.top_k: expected an integer"},
        {"{\"model\":\"gpt2\",%s,\"generation_config\":[]}",
         "$.generation_config: expected an object or null"},
        {"{\"model\":\"gpt2\",%s,\"seed\":-1}", "$.seed: expected an integer from 0 to 4294967295"},
        {"{\"model\":\"gpt2\",%s,\"seed\":4294967296}", "$.seed: expected an integer from 0"},
        {"{\"model\":\"gpt2\",%s,\"seed\":null}", "$.seed: expected an integer"},
        {"{\"model\":\"gpt2\",%s,\"dtype\":\"fp16\"}", "$.dtype: expected \"float16\""},
        {"{\"model\":\"gpt2\",%s,\"quantize_bits\":2}", "$.quantize_bits: expected 4, 8 or null"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char json[512], err[512] = "";
        snprintf(json, sizeof json, cases[i].body, M);
        gpt_task t;
        assert_int_equal(parse(json, &t, err, sizeof err), 2);
        if (!strstr(err, cases[i].want))
            fail_msg("case %zu: got '%s', want '%s'", i, err, cases[i].want);
        gpt_task_free(&t);
    }
}

/* what pydantic accepts silently: a warning, or an error under --strict */
static void test_parse_lax(void **state)
{
    (void)state;
    static const char *const M = "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]";
    struct {
        const char *body, *warn;
    } cases[] = {
        {"{\"model\":\"gpt2\",%s,\"tools\":null}", "$.tools: unknown field"},
        {"{\"model\":\"gpt2\",%s,\"seed\":1,\"seed\":2}", "$.seed: repeated field"},
        {"{\"model\":\"gpt2\",%s,\"generation_config\":{\"max_new_token\":5}}",
         "$.generation_config.max_new_token: unknown field"},
        {"{\"model\":\"gpt2\",%s,\"generation_config\":{\"do_sample\":\"yes\"}}",
         "$.generation_config.do_sample: a boolean written"},
        {"{\"model\":\"gpt2\",%s,\"generation_config\":{\"max_new_tokens\":\"7\"}}",
         "$.generation_config.max_new_tokens: a number written as a string"},
        {"{\"model\":\"gpt2\",\"messages\":[{\"role\":\"user\",\"content\":\"x\",\"name\":\"a\"}]}",
         "$.messages[0].name: unknown field"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char json[512], err[512] = "";
        snprintf(json, sizeof json, cases[i].body, M);
        gpt_task t;
        assert_int_equal(parse(json, &t, err, sizeof err), 0);
        assert_int_equal(t.n_warnings, 1);
        if (!strstr(t.warning[0], cases[i].warn))
            fail_msg("case %zu: got '%s', want '%s'", i, t.warning[0], cases[i].warn);
        gpt_task_free(&t);
        assert_int_equal(gpt_task_parse_opts("t.json", json, strlen(json), 1, &t, err, sizeof err),
                         2);
        if (!strstr(err, cases[i].warn) || !strstr(err, "--strict"))
            fail_msg("strict case %zu: got '%s'", i, err);
    }
    gpt_task t;
    char err[512];
    assert_int_equal(parse("{\"model\":\"gpt2\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                           "\"seed\":1,\"seed\":2,\"generation_config\":{\"max_new_tokens\":\"7\","
                           "\"do_sample\":1,\"top_k\":4.0}}", &t, err, sizeof err), 0);
    assert_true(t.seed == 2 && t.gen.max_new_tokens == 7 && t.gen.do_sample && t.gen.top_k == 4);
    gpt_task_free(&t);
}

/* completion tokens: every choice as long as the longest (one padded batch) */
static void test_completion_tokens(void **state)
{
    (void)state;
    gpt_seq s[3] = {{.n = 5, .stopped = 1}, {.n = 24}, {.n = 10, .stopped = 1}};
    assert_int_equal(gpt_completion_tokens(s, 3), 72);
    assert_int_equal(gpt_completion_tokens(s, 1), 5);
    assert_int_equal(gpt_completion_tokens(s + 2, 1), 10);
}

/* the rows transformers 4.35.2 decodes, by generation mode */
static void test_gen_rows(void **state)
{
    (void)state;
    gpt_gen_config g;
    gpt_gen_config_default(&g);
    assert_int_equal(gpt_gen_rows(&g), 1); /* greedy */
    g.do_sample = 1;
    g.num_return_sequences = 3;
    assert_int_equal(gpt_gen_rows(&g), 3); /* sampling */
    g.num_beams = 4;
    assert_int_equal(gpt_gen_rows(&g), 12); /* beam sampling: a search per sequence */
    g.do_sample = 0;
    assert_int_equal(gpt_gen_rows(&g), 4); /* beam search keeps 3 of its 4 beams */
}

/* transformers 4.35.2's checks, by generation mode */
static void test_gen_check(void **state)
{
    (void)state;
    struct {
        int do_sample, beams, seqs;
        double temperature, top_p, typical_p, penalty;
        int top_k;
        const char *want; /* NULL: accepted */
    } cases[] = {
        {0, 1, 1, 0, 1, 1, 1, 50, NULL},   /* temperature 0 is unused by greedy */
        {0, 1, 1, -3, -1, 0, 1, -5, NULL}, /* so are the other warpers */
        {1, 1, 1, 0, 1, 1, 1, 50, "temperature: expected a number > 0 when do_sample"},
        {1, 1, 1, -0.5, 1, 1, 1, 50, "temperature"},
        {1, 1, 1, 1, 0, 1, 1, 50, NULL},   /* top_p 0 keeps one token */
        {1, 1, 1, 1, 1.5, 1, 1, 50, NULL}, /* top_p >= 1 builds no warper */
        {1, 1, 1, 1, -0.1, 1, 1, 50, "top_p"},
        {1, 1, 1, 1, 1, 0, 1, 50, "typical_p"},
        {1, 1, 1, 1, 1, 1, 1, -1, "top_k"},
        {0, 1, 1, 1, 1, 1, 0, 50, "repetition_penalty"},
        {0, 1, 2, 1, 1, 1, 1, 50, "num_return_sequences: expected 1: greedy"},
        {1, 1, 4, 1, 1, 1, 1, 50, NULL},
        {0, 2, 3, 1, 1, 1, 1, 50, "num_return_sequences: expected at most num_beams (2)"},
        {0, 3, 3, 0, 1, 1, 1, 50, NULL},   /* beam search: no warpers either */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gpt_gen_config g;
        gpt_gen_config_default(&g);
        g.do_sample = cases[i].do_sample;
        g.num_beams = cases[i].beams;
        g.num_return_sequences = cases[i].seqs;
        g.temperature = cases[i].temperature;
        g.top_p = cases[i].top_p;
        g.typical_p = cases[i].typical_p;
        g.repetition_penalty = cases[i].penalty;
        g.top_k = cases[i].top_k;
        char err[512] = "";
        int rc = gpt_gen_check(&g, "t.json", err, sizeof err);
        if (cases[i].want ? rc != 2 || !strstr(err, cases[i].want) : rc != 0)
            fail_msg("case %zu: rc %d '%s'", i, rc, err);
    }
}

/* the generation settings a task naming only the model runs with */
static gpt_gen_config gen_defaults_of(const char *model)
{
    char json[256], err[512];
    gpt_task t;
    gpt_model_info mi;
    snprintf(json, sizeof json,
             "{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", model);
    assert_int_equal(parse(json, &t, err, sizeof err), 0);
    assert_int_equal(gpt_model_prepare("models/llms.json", &t, &mi, err, sizeof err), 0);
    gpt_task_free(&t);
    return mi.gen;
}

/* the model's generation_config.json fills what the task leaves unset */
static void test_model_defaults(void **state)
{
    (void)state;
    gpt_task t;
    gpt_model_info mi;
    char err[512];
    const char *llama = "{\"model\":\"meta-llama/Llama-2-7b-chat-hf\",\"messages\":"
                        "[{\"role\":\"user\",\"content\":\"x\"}],\"generation_config\":"
                        "{\"temperature\":0.9}}";
    assert_int_equal(parse(llama, &t, err, sizeof err), 0);
    assert_int_equal(gpt_model_prepare("models/llms.json", &t, &mi, err, sizeof err), 0);
    assert_true(mi.gen.do_sample && mi.gen.temperature == 0.9 && mi.gen.top_p == 0.9);
    assert_true(mi.runnable && mi.wtype == KERN_F32); /* dtype auto loads float32 */
    gpt_task_free(&t);
    /* gpt2 samples by default (config.json task_specific_params), so
     * temperature 0 fails as on a node */
    const char *gpt2 = "{\"model\":\"gpt2\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                       "\"generation_config\":{\"temperature\":0}}";
    assert_int_equal(parse(gpt2, &t, err, sizeof err), 0);
    assert_int_equal(gpt_model_prepare("models/llms.json", &t, &mi, err, sizeof err), 2);
    assert_non_null(strstr(err, "$.generation_config.temperature"));
    gpt_task_free(&t);
    const char *gemma = "{\"model\":\"google/gemma-7b-it\",\"messages\":[{\"role\":\"user\","
                        "\"content\":\"x\"}],\"quantize_bits\":8}";
    assert_int_equal(parse(gemma, &t, err, sizeof err), 0);
    assert_int_equal(gpt_model_prepare("models/llms.json", &t, &mi, err, sizeof err), 0);
    assert_true(!mi.runnable && strstr(mi.why, "head_dim") && mi.wtype == KERN_Q8_0);
    assert_non_null(strstr(mi.note, "transformers >= 4.38"));
    gpt_task_free(&t);
    /* generation_config.json of Qwen2.5-1.5B-Instruct (repetition_penalty
     * 1.1, not the 7B's 1.05) and of Yi-6B-Chat, as read in the copies
     * llms.json cites */
    gpt_gen_config g = gen_defaults_of("Qwen/Qwen2.5-1.5B-Instruct");
    assert_true(g.do_sample && g.temperature == 0.7 && g.top_p == 0.8 && g.top_k == 20 &&
                g.repetition_penalty == 1.1);
    g = gen_defaults_of("01-ai/Yi-6B-Chat");
    assert_true(g.do_sample && g.temperature == 0.6 && g.top_p == 0.8);
    /* Hermes-2-Pro's generation config sets do_sample and nothing else:
     * transformers' temperature 1.0 and top_k 50 apply */
    g = gen_defaults_of("NousResearch/Hermes-2-Pro-Llama-3-8B");
    assert_true(g.do_sample && g.temperature == 1.0 && g.top_k == 50);
    const char *mixtral = "{\"model\":\"mistralai/Mixtral-8x7B-Instruct-v0.1\",\"messages\":"
                          "[{\"role\":\"user\",\"content\":\"x\"}]}";
    assert_int_equal(parse(mixtral, &t, err, sizeof err), 0);
    assert_int_equal(gpt_model_prepare("models/llms.json", &t, &mi, err, sizeof err), 2);
    assert_non_null(strstr(err, "mixture of experts"));
    gpt_task_free(&t);
}

static char *run(const char *json, const char *profile, double mem_gb, int *rc, char *err)
{
    gpt_task t;
    char *resp = NULL;
    assert_int_equal(parse(json, &t, err, 512), 0);
    gpt_run_opts o = {.models_dir = "models", .llms_path = TINY,
                      .profile = kern_profile_find(profile), .mem_limit_gb = mem_gb};
    gpt_run_stats st;
    *rc = gpt_run(&t, &o, &resp, &st, err, 512);
    gpt_task_free(&t);
    return resp;
}

static const char *const SAMPLED =
    "{\"model\":\"test/tiny-chat\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}],"
    "\"generation_config\":{\"max_new_tokens\":24,\"do_sample\":true,\"top_k\":0,"
    "\"num_return_sequences\":2},\"seed\":5}";

static const char *const GREEDY =
    "{\"model\":\"test/small-chat\",\"messages\":[{\"role\":\"user\",\"content\":"
    "\"What is two plus two?\"}],\"generation_config\":{\"max_new_tokens\":64},"
    "\"quantize_bits\":8}";

static void test_run_determinism(void **state)
{
    (void)state;
    int rc;
    char err[512];
    char *a = run(SAMPLED, "l16-pairwise", 0, &rc, err);
    assert_int_equal(rc, 0);
    char *b = run(SAMPLED, "l16-pairwise", 0, &rc, err);
    assert_string_equal(a, b);
    assert_non_null(strstr(a, "\"total_tokens\":"));
    /* usage as the framework counts it: the two choices come back as one batch
     * padded to the longest, so each counts as long as the longest; a choice
     * cut by max_new_tokens (24) makes that 2 x 24 */
    cJSON *r = cJSON_Parse(a);
    const cJSON *ch, *u = cJSON_GetObjectItemCaseSensitive(r, "usage");
    int cut = 0;
    cJSON_ArrayForEach(ch, cJSON_GetObjectItemCaseSensitive(r, "choices"))
        cut |= !strcmp(cJSON_GetObjectItemCaseSensitive(ch, "finish_reason")->valuestring, "length");
    int comp = cJSON_GetObjectItemCaseSensitive(u, "completion_tokens")->valueint;
    assert_true(cut);
    assert_int_equal(comp, 2 * 24);
    cJSON_Delete(r);
    free(a);
    free(b);
    /* another card model, another answer: greedy decoding on a 512-wide model
     * with INT8 weights, where the profiles part within 64 tokens */
    a = run(GREEDY, "l16-pairwise", 0, &rc, err);
    b = run(GREEDY, "l32-pairwise", 0, &rc, err);
    char *c = run(GREEDY, "l64-serial", 0, &rc, err);
    assert_int_equal(rc, 0);
    assert_string_not_equal(a, b);
    assert_string_not_equal(a, c);
    free(a);
    free(b);
    free(c);
    a = run(SAMPLED, "l16-pairwise", 1e-4, &rc, err);
    assert_null(a);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(err, "needs"));
    assert_non_null(strstr(err, "\"quantize_bits\": 4 would need"));
}

/* ---- beam search through the cache slots vs recomputing from scratch */

typedef struct {
    kern_model *m;
    int hist[4][64], n[4];
} recompute;

static int r_prefill(void *c, int slot, const int *tok, int n, float *lg)
{
    recompute *r = c;
    memcpy(r->hist[slot], tok, (size_t)n * sizeof(int));
    r->n[slot] = n;
    return kern_model_forward(r->m, tok, n, 0, lg);
}

static int r_decode(void *c, int slot, int tok, int pos, float *lg)
{
    recompute *r = c;
    assert_int_equal(pos, r->n[slot]);
    r->hist[slot][r->n[slot]++] = tok;
    return kern_model_forward(r->m, r->hist[slot], r->n[slot], 0, lg);
}

static int r_reorder(void *c, const int *parent, int npos)
{
    recompute *r = c, old = *r;
    for (int j = 0; j < 4; j++) {
        memcpy(r->hist[j], old.hist[parent[j]], (size_t)npos * sizeof(int));
        r->n[j] = npos;
    }
    return 0;
}

static void test_beam_slots(void **state)
{
    (void)state;
    kern_model_cfg cfg;
    gpt_dtype native;
    char err[512];
    assert_int_equal(gpt_model_resolve(TINY, "test/tiny-chat", &cfg, &native, err, sizeof err), 0);
    assert_int_equal(native, GPT_DTYPE_FLOAT32); /* what dtype "auto" loads */
    kern_model m;
    assert_int_equal(kern_model_init(&m, &cfg, KERN_Q8_0, 64, 3, NULL), 0);
    int prompt[] = {72, 101, 108, 108, 111};
    gpt_gen g = {.greedy = 1, .warp = {1, 0, 1, 1, 2}, .repetition_penalty = 1.3,
                 .max_new_tokens = 12, .num_beams = 4, .num_sequences = 3, .n_vocab = 300,
                 .eos = 299, .seed = 1};
    gpt_seq a[3], b[3];
    gpt_kern_lm k;
    gpt_lm lm;
    assert_int_equal(gpt_kern_lm_init(&k, &m, 4, NULL, &lm), 0);
    assert_int_equal(gpt_generate(&lm, &g, prompt, 5, a), 0);
    gpt_kern_lm_free(&k);
    recompute r = {.m = &m};
    gpt_lm rl = {&r, cfg.vocab, 4, r_prefill, r_decode, r_reorder};
    assert_int_equal(gpt_generate(&rl, &g, prompt, 5, b), 0);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(a[i].n, b[i].n);
        assert_memory_equal(a[i].tok, b[i].tok, (size_t)a[i].n * sizeof(int));
        assert_true(a[i].score == b[i].score);
    }
    assert_memory_not_equal(a[0].tok, a[1].tok, (size_t)a[1].n * sizeof(int));
    gpt_seqs_free(a, 3);
    gpt_seqs_free(b, 3);
    kern_model_free(&m);
}

static void test_model_ids_and_workload(void **state)
{
    (void)state;
    kern_model_cfg cfg;
    gpt_dtype d;
    char err[512];
    assert_int_equal(gpt_model_resolve("models/llms.json", "Qwen/Qwen1.5-0.5B-Chat", &cfg, &d, err,
                                       sizeof err), 0);
    assert_string_equal(cfg.name, "Qwen1.5-0.5B");
    assert_int_equal(d, GPT_DTYPE_FLOAT32);
    assert_int_equal(gpt_model_resolve("models/llms.json", "Qwen/Qwen-1_8B", &cfg, &d, err,
                                       sizeof err), 0);
    assert_int_equal(d, GPT_DTYPE_BFLOAT16); /* its own code converts */
    assert_int_equal(gpt_model_resolve("models/llms.json", "openai-community/gpt2", &cfg, &d, err,
                                       sizeof err), 0);
    assert_true(!strcmp(cfg.name, "gpt2") && d == GPT_DTYPE_FLOAT32);
    /* Yi-1.5 has Yi's shape but RMSNorm epsilon 1e-06 (its config.json) */
    assert_int_equal(gpt_model_resolve("models/llms.json", "01-ai/Yi-1.5-6B-Chat", &cfg, &d, err,
                                       sizeof err), 0);
    assert_true(!strcmp(cfg.name, "Yi-1.5-6B") && cfg.norm_eps == 1e-6f && cfg.kv_heads == 4);
    assert_int_equal(gpt_model_resolve("models/llms.json", "01-ai/Yi-6B-Chat", &cfg, &d, err,
                                       sizeof err), 0);
    assert_true(!strcmp(cfg.name, "Yi-6B") && cfg.norm_eps == 1e-5f);
    assert_int_equal(gpt_model_resolve("models/llms.json", "someone/Llama-2-7B", &cfg, &d, err,
                                       sizeof err), 0); /* last path component */
    assert_int_equal(gpt_model_resolve("models/llms.json", "acme/unknown-9B", &cfg, &d, err,
                                       sizeof err), 1);
    assert_non_null(strstr(err, "avrami gpt add-model config.json --id acme/unknown-9B"));
    gpt_workload w;
    assert_int_equal(gpt_workload_load("examples/gpt/qwen-chat.json", "models", &w, err, sizeof err),
                     0);
    assert_string_equal(w.llms_name, "Qwen1.5-0.5B");
    /* 5 ChatML special tokens + ceil(97 characters / 4) */
    assert_int_equal(w.prompt_tokens, 30);
    assert_true(w.max_new_tokens == 30 && w.num_beams == 1 && w.num_sequences == 2);
    assert_true(w.quantize_bits == 4 && w.wtype == KERN_Q4_0);
    tim_workload tw;
    gpt_workload_tim(&w, &tw);
    /* sampling two sequences: two rows */
    /* priced as Helium's nodes ran it: bitsandbytes 4-bit under transformers
     * with gpt-task's launch blocking, as a scenario's task_file kind is */
    assert_true(tw.bits == 4 && tw.prompt_tokens == 30 && tw.num_beams * tw.num_sequences == 2);
    assert_true(tw.runtime == TIM_RT_TRANSFORMERS && tw.launch_blocking);
    assert_int_equal(w.rows, 2);
    assert_true(gpt_workload_vram_gb(&w) == tim_vram_needed_gb(&w.tm, &tw));
    /* beam search: num_beams rows, whatever num_return_sequences */
    assert_int_equal(gpt_workload_load("examples/gpt/tinyllama-beams.json", "models", &w, err,
                                       sizeof err), 0);
    assert_true(w.num_beams == 4 && w.num_sequences == 2 && w.rows == 4);
    assert_int_equal(gpt_workload_load("examples/gpt/none.json", "models", &w, err, sizeof err), 2);
    assert_non_null(strstr(err, "none.json: cannot read"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_full_and_defaults), cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_run_determinism),         cmocka_unit_test(test_beam_slots),
        cmocka_unit_test(test_model_ids_and_workload), cmocka_unit_test(test_parse_lax),
        cmocka_unit_test(test_gen_check), cmocka_unit_test(test_gen_rows),
        cmocka_unit_test(test_completion_tokens),              cmocka_unit_test(test_model_defaults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
