/* Hugging Face tokenizers in C (sim/tokenizer/) against the library itself:
 * tests/tokenizers/vectors.json holds the ids that the Rust implementation
 * (npm "tokenizers", see make-vectors.js) gives for every prompt of
 * tests/tokenizers/prompts.json; the C tokenizer must give the same ids. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "gpt/gpt_util.h"
#include "tokenizer/hf_tok.h"

static cJSON *VEC, *PROMPTS;

static int setup(void **state)
{
    (void)state;
    char err[512];
    VEC = gpt_json_file("tests/tokenizers/vectors.json", err, sizeof err);
    PROMPTS = gpt_json_file("tests/tokenizers/prompts.json", err, sizeof err);
    if (!VEC || !PROMPTS)
        print_error("%s\n", err);
    return VEC && PROMPTS ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    cJSON_Delete(VEC);
    cJSON_Delete(PROMPTS);
    return 0;
}

/* every prompt of one family: ids equal to the reference's */
static void check_family(const char *name, int min_prompts)
{
    const cJSON *fam = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItem(VEC, "exact"), name);
    assert_non_null(fam);
    const cJSON *ps = cJSON_GetObjectItem(PROMPTS, "prompts"),
                *ids = cJSON_GetObjectItem(fam, "ids");
    assert_int_equal(cJSON_GetArraySize(ps), cJSON_GetArraySize(ids));
    assert_true(cJSON_GetArraySize(ps) >= min_prompts);
    char err[512];
    hf_tok *t = hf_tok_load(cJSON_GetObjectItem(fam, "file")->valuestring, err, sizeof err);
    if (!t)
        print_error("%s\n", err);
    assert_non_null(t);
    int bad = 0, k = 0;
    const cJSON *p, *want;
    for (p = ps->child, want = ids->child; p && want; p = p->next, want = want->next, k++) {
        const char *text = cJSON_GetObjectItem(p, "text")->valuestring;
        int *got, n = hf_tok_encode(t, text, strlen(text), &got, err, sizeof err);
        int same = n == cJSON_GetArraySize(want);
        for (int i = 0; same && i < n; i++)
            same = got[i] == cJSON_GetArrayItem(want, i)->valueint;
        if (!same) {
            print_error("%s: prompt %d: %d ids, reference %d\n", name, k, n,
                        cJSON_GetArraySize(want));
            bad++;
        }
        free(got);
    }
    hf_tok_free(t);
    assert_int_equal(bad, 0);
}

static void test_gpt2(void **state)
{
    (void)state;
    check_family("gpt2", 50);
}

static void test_qwen(void **state)
{
    (void)state;
    check_family("qwen3", 50);
}

/* SentencePiece-style: U+2581 normalizer, no pre-tokenizer, byte fallback */
static void test_spm(void **state)
{
    (void)state;
    check_family("spm-test", 50);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gpt2),
        cmocka_unit_test(test_qwen),
        cmocka_unit_test(test_spm),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
