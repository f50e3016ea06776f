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
#include "tokenizer/tok_estimate.h"
#include "tokenizer/tok_index.h"
#include "util/rfile.h"

static cJSON *VEC, *PROMPTS;

static int setup(void **state)
{
    (void)state;
    char err[512];
    VEC = rfile_json("tests/tokenizers/vectors.json", err, sizeof err);
    PROMPTS = rfile_json("tests/tokenizers/prompts.json", err, sizeof err);
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

/* Falcon: Punctuation, ByteLevel, Digits and a three-digit Split in sequence */
static void test_falcon(void **state)
{
    (void)state;
    check_family("falcon", 50);
}

/* SentencePiece-style: U+2581 normalizer, no pre-tokenizer, byte fallback */
static void test_spm(void **state)
{
    (void)state;
    check_family("spm-test", 50);
}

/* writes text to a file under /tmp and loads it as a tokenizer */
static hf_tok *load_text(const char *json, char *err, size_t errlen)
{
    char path[] = "/tmp/avrami-tok-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    assert_non_null(f);
    fputs(json, f);
    fclose(f);
    hf_tok *t = hf_tok_load(path, err, errlen);
    remove(path);
    return t;
}

/* The real falcon-7b, not only the library on the shipped file: llama.cpp's
 * 46 test strings and the ids the Hugging Face library gave for them with
 * tiiuae/falcon-7b (tests/tokenizers/falcon-7b.inp/.out, from ggml-org/
 * llama.cpp models/ggml-vocab-falcon.gguf.inp/.out at 807b0c4; each string
 * is followed by "\n__ggml_vocab_test__\n", each line of ids by "\n"). */
static void test_falcon_recorded(void **state)
{
    (void)state;
    char err[512];
    size_t ni, no;
    char *inp = rfile_read("tests/tokenizers/falcon-7b.inp", 1 << 20, &ni, err, sizeof err);
    char *out = rfile_read("tests/tokenizers/falcon-7b.out", 1 << 20, &no, err, sizeof err);
    hf_tok *t = hf_tok_load("models/tokenizers/falcon/tokenizer.json", err, sizeof err);
    assert_non_null(inp);
    assert_non_null(out);
    assert_non_null(t);
    static const char SEP[] = "\n__ggml_vocab_test__\n";
    int strings = 0, bad = 0;
    char *s = inp, *line = out;
    for (char *e; (e = strstr(s, SEP)); s = e + strlen(SEP), strings++) {
        char *nl = strchr(line, '\n');
        assert_non_null(nl);
        *nl = 0;
        int *ids, n = hf_tok_encode(t, s, (size_t)(e - s), &ids, err, sizeof err), k = 0;
        assert_true(n >= 0);
        char *p = line;
        for (long v; *p; k++) {
            char *q;
            v = strtol(p, &q, 10);
            if (q == p)
                break;
            bad += k >= n || ids[k] != v;
            p = q;
        }
        bad += k != n;
        free(ids);
        line = nl + 1;
    }
    assert_int_equal(strings, 46);
    assert_int_equal(bad, 0);
    hf_tok_free(t);
    free(inp);
    free(out);
}

/* Expressions after ByteLevel match the bytes' stand-ins, not the text: a
 * byte-level vocabulary (256 stand-ins, "Ã¼" for the bytes of "ü", "12")
 * under ByteLevel then Digits.  The stand-in of byte 0xBC is '¼', a number,
 * so Digits cuts "ü" (C3 BC) in two and the merge cannot apply.  The ids
 * are what the Hugging Face library (npm "tokenizers" 0.23.2) gives for
 * this file: 256 for "ü" without the Digits step, 195 188 with it. */
static void test_digits_on_stand_ins(void **state)
{
    (void)state;
    char json[8192], *w = json, err[512];
    int cp[256], extra = 0;
    for (int b = 0; b < 256; b++)
        cp[b] = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174 ? b : 256 + extra++;
    for (int digits = 0; digits < 2; digits++) {
        w = json + sprintf(json, "{\"pre_tokenizer\": {\"type\": \"Sequence\", \"pretokenizers\": "
                                 "[{\"type\": \"ByteLevel\", \"use_regex\": true}%s]}, "
                                 "\"model\": {\"type\": \"BPE\", \"vocab\": {",
                           digits ? ", {\"type\": \"Digits\", \"individual_digits\": false}" : "");
        for (int b = 0; b < 256; b++) {
            int c = cp[b];
            if (c == '"' || c == '\\')
                w += sprintf(w, "\"\\%c\": %d, ", c, b);
            else if (c < 0x80)
                w += sprintf(w, "\"%c\": %d, ", c, b);
            else
                w += sprintf(w, "\"%c%c\": %d, ", 0xc0 | (c >> 6), 0x80 | (c & 0x3f), b);
        }
        w += sprintf(w, "\"\u00c3\u00bc\": 256, \"12\": 257}, "
                        "\"merges\": [\"\u00c3 \u00bc\", \"1 2\"]}}");
        hf_tok *t = load_text(json, err, sizeof err);
        if (!t)
            print_error("%s\n", err);
        assert_non_null(t);
        int *ids, n = hf_tok_encode(t, "x12\xc3\xbc", 5, &ids, err, sizeof err);
        static const int want[2][4] = {{120, 257, 256, -1}, {120, 257, 195, 188}};
        assert_int_equal(n, digits ? 4 : 3);
        for (int i = 0; i < n; i++)
            assert_int_equal(ids[i], want[digits][i]);
        free(ids);
        hf_tok_free(t);
    }
}

/* what is not implemented is refused with its JSON path, not approximated */
static void test_refusals(void **state)
{
    (void)state;
    char err[512];
    static const char *const bad[][2] = {
        {"{\"model\": {\"type\": \"WordPiece\", \"vocab\": {}}}", "$.model.type"},
        {"{\"pre_tokenizer\": {\"type\": \"Metaspace\"}, \"model\": {\"type\": \"BPE\", "
         "\"vocab\": {\"a\": 0}, \"merges\": []}}", "$.pre_tokenizer: expected a non-empty \"replacement\""},
        {"{\"pre_tokenizer\": {\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"Metaspace\", "
         "\"replacement\": \"_\"}, {\"type\": \"ByteLevel\"}]}, \"model\": {\"type\": \"BPE\", "
         "\"vocab\": {\"a\": 0}, \"merges\": []}}", "$.pre_tokenizer.pretokenizers[1]: pre-tokenizers after Metaspace"},
        {"{\"normalizer\": {\"type\": \"Sequence\", \"normalizers\": [{\"type\": \"NFC\"}, "
         "{\"type\": \"Lowercase\"}]}, \"model\": {\"type\": \"BPE\", \"vocab\": {}, "
         "\"merges\": []}}", "$.normalizer.normalizers[1]"},
        {"{\"pre_tokenizer\": {\"type\": \"Split\", \"pattern\": {\"Regex\": \"(\"}, "
         "\"behavior\": \"Isolated\"}, \"model\": {\"type\": \"BPE\", \"vocab\": {}, "
         "\"merges\": []}}", "does not compile"},
        {"{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1}, "
         "\"merges\": [\"a b\"]}}", "$.model.merges[0]: a merge of tokens that are not"},
        {"{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [], "
         "\"dropout\": 0.1}}", "$.model.dropout"},
        {"{\"pre_tokenizer\": {\"type\": \"Punctuation\", \"behavior\": \"MergedWithNext\"}, "
         "\"model\": {\"type\": \"BPE\", \"vocab\": {}, \"merges\": []}}",
         "$.pre_tokenizer: only Punctuation with behavior Isolated or Contiguous"},
        {"{\"pre_tokenizer\": {\"type\": \"Digits\", \"individual_digits\": 1}, "
         "\"model\": {\"type\": \"BPE\", \"vocab\": {}, \"merges\": []}}",
         "$.pre_tokenizer: expected a boolean \"individual_digits\""},
        /* ids that would size the tables at 2^31 entries (found by fuzz_tokenizer: the
         * largest id + 1 overflowed an int) or that are not integers */
        {"{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 2147483647}, \"merges\": []}}",
         "$.model.vocab[\"a\"]: expected an id: an integer from 0 to 4194303"},
        {"{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 4194304}, \"merges\": []}}",
         "$.model.vocab[\"a\"]: expected an id"},
        {"{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0.5}, \"merges\": []}}",
         "$.model.vocab[\"a\"]: expected an id"},
        {"{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}, "
         "\"added_tokens\": [{\"id\": 3e9, \"content\": \"<x>\"}]}",
         "$.added_tokens[0]: expected an object with an \"id\""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hf_tok *t = load_text(bad[i][0], err, sizeof err);
        assert_null(t);
        if (!strstr(err, bad[i][1]))
            print_error("case %zu: %s\n", i, err);
        assert_non_null(strstr(err, bad[i][1]));
    }
    assert_null(hf_tok_load("tests/tokenizers/none.json", err, sizeof err));
    assert_non_null(strstr(err, "none.json: cannot read the file"));
}

/* a hand-made SentencePiece-style vocabulary, merged by hand:
 * "ab ab" -> normalized "\u2581ab\u2581ab"; merges by rank: (a,b) 0 then
 * (\u2581,ab) 1 -> [\u2581ab, \u2581ab]; "c" has no entry: its byte <0x63> */
static void test_spm_by_hand(void **state)
{
    (void)state;
    char err[512];
    hf_tok *t = load_text(
        "{\"added_tokens\": [{\"id\": 0, \"content\": \"<s>\", \"special\": true}],"
        " \"normalizer\": {\"type\": \"Sequence\", \"normalizers\": [{\"type\": \"Prepend\","
        " \"prepend\": \"\u2581\"}, {\"type\": \"Replace\", \"pattern\": {\"String\": \" \"},"
        " \"content\": \"\u2581\"}]}, \"model\": {\"type\": \"BPE\", \"byte_fallback\": true,"
        " \"unk_token\": \"<unk>\", \"vocab\": {\"<s>\": 0, \"<unk>\": 1, \"<0x63>\": 2,"
        " \"\u2581\": 3, \"a\": 4, \"b\": 5, \"ab\": 6, \"\u2581ab\": 7},"
        " \"merges\": [\"a b\", \"\u2581 ab\"]}}",
        err, sizeof err);
    if (!t)
        print_error("%s\n", err);
    assert_non_null(t);
    int *ids, n = hf_tok_encode(t, "ab abc<s>ab", 11, &ids, err, sizeof err);
    int want[] = {7, 7, 2, 0, 7}; /* the piece after <s> is normalized on its own */
    assert_int_equal(n, 5);
    for (int i = 0; i < 5; i++)
        assert_int_equal(ids[i], want[i]);
    free(ids);
    size_t l;
    const char *b = hf_tok_bytes(t, 7, &l);
    assert_int_equal(l, 3);
    assert_memory_equal(b, " ab", 3);
    b = hf_tok_bytes(t, 2, &l);
    assert_int_equal(l, 1);
    assert_int_equal(b[0], 'c');
    assert_true(hf_tok_is_special(t, 0));
    assert_int_equal(hf_tok_id(t, "<s>"), 0);
    assert_int_equal(hf_tok_encode(t, "a\xff", 2, &ids, err, sizeof err), -1);
    assert_non_null(strstr(err, "not valid UTF-8"));
    hf_tok_free(t);
}

/* Metaspace by hand (tokenizers/src/pre_tokenizers/metaspace.rs): spaces
 * become \u2581; "first" puts one before the piece that starts the text
 * unless it starts with one, "always" before every piece (after <s> too) */
static void test_metaspace_by_hand(void **state)
{
    (void)state;
    static const char *const scheme[2] = {"first", "always"};
    static const int want[2][3][3] = {{{3, 3}, {0, 2}, {3}}, {{3, 3}, {0, 3}, {3}}};
    static const char *const text[3] = {"a a", "<s>a", " a"};
    for (int s = 0; s < 2; s++) {
        char json[512], err[512];
        snprintf(json, sizeof json,
                 "{\"added_tokens\": [{\"id\": 0, \"content\": \"<s>\", \"special\": true}],"
                 " \"pre_tokenizer\": {\"type\": \"Metaspace\", \"replacement\": \"\u2581\","
                 " \"prepend_scheme\": \"%s\", \"split\": false},"
                 " \"model\": {\"type\": \"BPE\", \"vocab\": {\"<s>\": 0, \"\u2581\": 1, \"a\": 2,"
                 " \"\u2581a\": 3}, \"merges\": [\"\u2581 a\"]}}",
                 scheme[s]);
        hf_tok *t = load_text(json, err, sizeof err);
        if (!t)
            print_error("%s\n", err);
        assert_non_null(t);
        assert_true(hf_tok_spm(t));
        for (int k = 0; k < 3; k++) {
            int *ids, n = hf_tok_encode(t, text[k], strlen(text[k]), &ids, err, sizeof err);
            assert_int_equal(n, k == 2 ? 1 : 2);
            for (int i = 0; i < n; i++)
                assert_int_equal(ids[i], want[s][k][i]);
            free(ids);
        }
        hf_tok_free(t);
    }
}

/* features counted by hand */
static void test_features(void **state)
{
    (void)state;
    tok_features x;
    char *sp[] = {"<s>"};
    tok_features_of("<s>Hello, world 42!\n\n  x\t\u4f60\u597d \u041f\u0440\u0438 \xf0\x9f\x98\x80\u2192", sp,
                    1, &x);
    assert_int_equal(x.specials, 1);
    static const double want[TOK_NFEAT] = {
        3, 11, 2, 1, 2, 2, /* latin words, letters, digits, digit runs, punct, punct runs */
        2, 2, 2,           /* newlines; space runs ("  ", "\t"; single spaces go with words); cjk */
        1, 3, 0, 0,        /* cyrillic words, letters; other words, letters */
        3, 1,              /* symbol bytes (the arrow), supplementary (the emoji) */
        0, 0, 3};          /* long-word letters, inner capitals, whitespace-run characters */
    for (int k = 0; k < TOK_NFEAT; k++) {
        if (x.f[k] != want[k])
            print_error("%s: %g, want %g\n", tok_feature_names[k], x.f[k], want[k]);
        assert_true(x.f[k] == want[k]);
    }
    /* 19 letters: 11 past the eighth; capitals C, I inside it and B, C in ABC */
    tok_features_of("camelCaseIdentifier ABC", NULL, 0, &x);
    assert_true(x.f[0] == 2 && x.f[1] == 22);
    assert_true(x.f[TOK_NFEAT - 3] == 11 && x.f[TOK_NFEAT - 2] == 4 && x.f[TOK_NFEAT - 1] == 0);
}

/* every model of llms.json that uses a shipped tokenizer has room for its
 * ids (gpt run feeds them to a synthetic model of the real vocabulary size) */
static void test_llms_vocab_fits(void **state)
{
    (void)state;
    char err[1024];
    cJSON *llms = rfile_json("models/llms.json", err, sizeof err);
    assert_non_null(llms);
    const cJSON *m, *id;
    int checked = 0;
    cJSON_ArrayForEach(m, cJSON_GetObjectItem(llms, "models")) {
        int vocab = cJSON_GetObjectItem(m, "vocab")->valueint;
        cJSON_ArrayForEach(id, cJSON_GetObjectItem(m, "ids")) {
            tok_entry e;
            assert_int_equal(tok_index_find("models/tokenizers/index.json", id->valuestring, 0, &e,
                                            err, sizeof err), 0);
            if (!e.file[0])
                continue;
            const hf_tok *t = tok_cache_get(e.file, err, sizeof err);
            assert_non_null(t);
            if (hf_tok_vocab(t) > vocab)
                print_error("%s: %d ids, the model has %d\n", id->valuestring, hf_tok_vocab(t), vocab);
            assert_true(hf_tok_vocab(t) <= vocab);
            checked++;
        }
    }
    assert_true(checked >= 2);
    cJSON_Delete(llms);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gpt2),
        cmocka_unit_test(test_qwen),
        cmocka_unit_test(test_falcon),
        cmocka_unit_test(test_falcon_recorded),
        cmocka_unit_test(test_digits_on_stand_ins),
        cmocka_unit_test(test_spm),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_spm_by_hand),
        cmocka_unit_test(test_metaspace_by_hand),
        cmocka_unit_test(test_features),
        cmocka_unit_test(test_llms_vocab_fits),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
