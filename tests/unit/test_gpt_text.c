/* Chat templates and the tokenizer.  Expected prompts are written out by
 * hand from each family's published format (the sources are cited in
 * models/chat-templates.json), not produced by the renderer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gpt/gpt_template.h"
#include "gpt/gpt_tok.h"

static gpt_templates TS;

static int setup(void **state)
{
    (void)state;
    char err[512];
    int rc = gpt_templates_load("models/chat-templates.json", &TS, err, sizeof err);
    if (rc)
        print_error("%s\n", err);
    return rc;
}

static int teardown(void **state)
{
    (void)state;
    gpt_templates_free(&TS);
    return 0;
}

#define MSG(r, c) {GPT_ROLE_##r, (char *)(c)}
static const gpt_message CONV[] = {MSG(SYSTEM, "Be brief."), MSG(USER, "Hi!"),
                                   MSG(ASSISTANT, "Hello."), MSG(USER, "Tell me a joke.")};
static const gpt_message ONE[] = {MSG(USER, "Hi!")};

/* renders with the template matched from model_id; NULL expected = refused */
static void expect(const char *model_id, const char *tname, const gpt_message *m, int n,
                   const char *want)
{
    const gpt_template *t = gpt_template_match(&TS, model_id);
    assert_non_null(t);
    assert_string_equal(t->name, tname);
    char err[256] = "";
    char *got = gpt_template_render(t, m, n, err, sizeof err);
    if (!want) {
        assert_null(got);
        assert_true(strstr(err, "$.messages[") != NULL);
        return;
    }
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_llama2(void **state)
{
    (void)state;
    expect("meta-llama/Llama-2-7b-chat-hf", "llama-2", CONV, 4,
           "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi! [/INST] Hello. </s>"
           "<s>[INST] Tell me a joke. [/INST]");
    expect("meta-llama/Llama-2-13b-chat-hf", "llama-2", ONE, 1, "<s>[INST] Hi! [/INST]");
    /* a system message anywhere but first cannot be folded */
    gpt_message late[] = {MSG(USER, "a"), MSG(ASSISTANT, "b"), MSG(SYSTEM, "c")};
    expect("meta-llama/Llama-2-7b-chat-hf", "llama-2", late, 3, NULL);
    gpt_message twice[] = {MSG(USER, "a"), MSG(USER, "b")};
    expect("meta-llama/Llama-2-7b-chat-hf", "llama-2", twice, 2, NULL);
}

static void test_llama3(void **state)
{
    (void)state;
    gpt_message padded[] = {MSG(SYSTEM, "Be brief. "), MSG(USER, "\nHi!")};
    expect("meta-llama/Meta-Llama-3-8B-Instruct", "llama-3", padded, 2,
           "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
           "<|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>"
           "<|start_header_id|>assistant<|end_header_id|>\n\n");
    expect("meta-llama/Meta-Llama-3-8B", "plain", ONE, 1, "Hi!");
}

static void test_mistral(void **state)
{
    (void)state;
    /* v0.1's template writes eos_token + ' ' after an assistant turn, v0.2's eos_token */
    expect("mistralai/Mistral-7B-Instruct-v0.1", "mistral-instruct-v0.1", CONV + 1, 3,
           "<s>[INST] Hi! [/INST]Hello.</s> [INST] Tell me a joke. [/INST]");
    expect("mistralai/Mistral-7B-Instruct-v0.2", "mistral-instruct", CONV + 1, 3,
           "<s>[INST] Hi! [/INST]Hello.</s>[INST] Tell me a joke. [/INST]");
    expect("mistralai/Mixtral-8x7B-Instruct-v0.1", "mistral-instruct", CONV, 4, NULL);
    expect("mistralai/Mistral-7B-Instruct-v0.2", "mistral-instruct", CONV + 2, 2, NULL);
}

static void test_chatml(void **state)
{
    (void)state;
    expect("Qwen/Qwen1.5-0.5B-Chat", "chatml-qwen", ONE, 1,
           "<|im_start|>system\nYou are a helpful assistant<|im_end|>\n"
           "<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\n");
    expect("Qwen/Qwen1.5-7B-Chat", "chatml-qwen", CONV, 4,
           "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi!<|im_end|>\n"
           "<|im_start|>assistant\nHello.<|im_end|>\n<|im_start|>user\nTell me a joke.<|im_end|>\n"
           "<|im_start|>assistant\n");
    expect("01-ai/Yi-6B-Chat", "chatml", ONE, 1,
           "<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\n");
    expect("teknium/OpenHermes-2.5-Mistral-7B", "chatml", CONV, 2,
           "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi!<|im_end|>\n"
           "<|im_start|>assistant\n");
}

static void test_zephyr_gemma_phi_vicuna(void **state)
{
    (void)state;
    expect("HuggingFaceH4/zephyr-7b-beta", "zephyr", CONV, 4,
           "<|system|>\nBe brief.</s>\n<|user|>\nHi!</s>\n<|assistant|>\nHello.</s>\n"
           "<|user|>\nTell me a joke.</s>\n<|assistant|>\n");
    expect("TinyLlama/TinyLlama-1.1B-Chat-v1.0", "zephyr", ONE, 1,
           "<|user|>\nHi!</s>\n<|assistant|>\n");
    gpt_message padded[] = {MSG(USER, "  Hi!\n"), MSG(ASSISTANT, "Hello."),
                            MSG(USER, "Tell me a joke.")};
    expect("google/gemma-7b-it", "gemma", padded, 3,
           "<bos><start_of_turn>user\nHi!<end_of_turn>\n<start_of_turn>model\nHello.<end_of_turn>\n"
           "<start_of_turn>user\nTell me a joke.<end_of_turn>\n<start_of_turn>model\n");
    expect("google/gemma-2b-it", "gemma", CONV, 4, NULL);
    expect("microsoft/Phi-3-mini-4k-instruct", "phi-3", CONV, 4,
           "<|system|>\nBe brief.<|end|>\n<|user|>\nHi!<|end|>\n<|assistant|>\nHello.<|end|>\n"
           "<|user|>\nTell me a joke.<|end|>\n<|assistant|>\n");
    expect("microsoft/Phi-3.5-mini-instruct", "phi-3.5", CONV, 4,
           "<|system|>\nBe brief.<|end|>\n<|user|>\nHi!<|end|>\n<|assistant|>\nHello.<|end|>\n"
           "<|user|>\nTell me a joke.<|end|>\n<|assistant|>\n");
    /* vicuna ships no chat template: the framework joins the contents */
    expect("lmsys/vicuna-13b-v1.5", "plain", CONV, 4, "Be brief.\nHi!\nHello.\nTell me a joke.");
    /* Python's str.strip / Jinja's trim remove Unicode whitespace too */
    gpt_message wide[] = {MSG(USER, "\xe3\x80\x80\xc2\xa0Hi!\xe2\x80\x83\n\xe2\x80\xaf")};
    expect("google/gemma-2b-it", "gemma", wide, 1,
           "<bos><start_of_turn>user\nHi!<end_of_turn>\n<start_of_turn>model\n");
    /* Qwen1.5 adds no generation prompt after a final assistant message */
    expect("Qwen/Qwen1.5-0.5B-Chat", "chatml-qwen", CONV + 1, 2,
           "<|im_start|>system\nYou are a helpful assistant<|im_end|>\n<|im_start|>user\nHi!"
           "<|im_end|>\n<|im_start|>assistant\nHello.<|im_end|>\n");
}

static void test_plain(void **state)
{
    (void)state;
    expect("gpt2", "plain", CONV, 4, "Be brief.\nHi!\nHello.\nTell me a joke.");
    expect("meta-llama/Llama-2-7b-hf", "plain", ONE, 1, "Hi!");
    expect("Qwen/Qwen1.5-0.5B", "plain", ONE, 1, "Hi!");
    expect("google/gemma-7b", "plain", ONE, 1, "Hi!");
}

/* ---- tokenizer */

static void test_bpe_by_hand(void **state)
{
    (void)state;
    /* pre-tokens "ab", " ab", " ab": (a,b) occurs 3 times -> 256; then
     * (' ', 256) twice -> 257; nothing else occurs twice */
    gpt_tok t;
    char *sp[] = {"<e>"};
    const char *corpus = "ab ab ab";
    assert_int_equal(gpt_tok_train(&t, corpus, strlen(corpus), 100, sp, 1), 0);
    assert_int_equal(t.n_merges, 2);
    assert_int_equal(t.vocab, 259);
    assert_true(t.merge[0][0] == 'a' && t.merge[0][1] == 'b');
    assert_true(t.merge[1][0] == ' ' && t.merge[1][1] == 256);
    int *ids, n = gpt_tok_encode(&t, "ab ab<e>ba", sp, 1, &ids);
    int want[] = {256, 257, 258, 'b', 'a'};
    assert_int_equal(n, 5);
    assert_memory_equal(ids, want, sizeof want);
    char *s = gpt_tok_decode(&t, ids, n);
    assert_string_equal(s, "ab abba"); /* the special token is skipped */
    free(s);
    free(ids);
    gpt_tok_free(&t);
}

static void test_tokenizer(void **state)
{
    (void)state;
    gpt_tok t, u;
    char err[256];
    assert_int_equal(gpt_tok_load(&t, "models/tokenizer-corpus.txt", &TS, err, sizeof err), 0);
    assert_int_equal(gpt_tok_load(&u, "models/tokenizer-corpus.txt", &TS, err, sizeof err), 0);
    assert_true(t.n_merges > 300 && t.n_merges <= GPT_TOK_MERGES); /* pairs seen twice or more */
    assert_memory_equal(t.merge, u.merge, sizeof(int[2]) * (size_t)t.n_merges);
    gpt_tok_free(&u);
    const char *texts[] = {"The network answers questions.", "naïve café ☕ 2024-03-01\n\ttabs",
                           "<|im_start|> is text here", ""};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        int *ids, n = gpt_tok_encode(&t, texts[i], NULL, 0, &ids);
        char *back = gpt_tok_decode(&t, ids, n);
        assert_string_equal(back, texts[i]);
        if (i == 0)
            assert_true(n < (int)strlen(texts[0]) / 2); /* merges learnt from the corpus */
        free(back);
        free(ids);
    }
    const gpt_template *q = gpt_template_find(&TS, "chatml-qwen");
    int *ids, n = gpt_tok_encode(&t, "<|im_start|>user\nHi<|im_end|>", q->special,
                                 q->n_special, &ids);
    assert_int_equal(ids[0], gpt_tok_special_id(&t, "<|im_start|>"));
    assert_int_equal(ids[n - 1], gpt_tok_special_id(&t, "<|im_end|>"));
    char *s = gpt_tok_decode(&t, ids, n);
    assert_string_equal(s, "user\nHi");
    free(s);
    free(ids);
    int bad[] = {0xe2, 0x98, 'a', 0xff};
    s = gpt_tok_decode(&t, bad, 4);
    assert_string_equal(s, "\xef\xbf\xbd\xef\xbf\xbd" "a" "\xef\xbf\xbd");
    free(s);
    gpt_tok_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_llama2),    cmocka_unit_test(test_llama3),
        cmocka_unit_test(test_mistral),
        cmocka_unit_test(test_chatml),    cmocka_unit_test(test_zephyr_gemma_phi_vicuna),
        cmocka_unit_test(test_plain),     cmocka_unit_test(test_bpe_by_hand),
        cmocka_unit_test(test_tokenizer),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
