/* Transformer forward pass: against a double-precision reference written
 * out longhand here, KV-cache decode equal bit for bit to a full prefill,
 * identical bits across threads and CPU paths, and the real shapes of
 * models/llms.json. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernels/kern_model.h"

static kern_model_cfg tiny(kern_arch arch)
{
    kern_model_cfg c;
    memset(&c, 0, sizeof c);
    strcpy(c.name, "tiny");
    c.arch = arch;
    c.layers = 2;
    c.hidden = 64;
    c.heads = 4;
    c.kv_heads = arch == KERN_ARCH_LLAMA ? 2 : 4;
    c.ffn = 96;
    c.vocab = 50;
    c.context = 32;
    c.norm_eps = 1e-5f;
    c.rope_theta = 10000;
    c.rotary_fraction = arch == KERN_ARCH_GPT2 ? 0 : arch == KERN_ARCH_PHI ? 0.5f : 1;
    c.qkv_bias = arch != KERN_ARCH_LLAMA;
    return c;
}

/* y (rows) = W x in double, W dequantized. */
static void dmv(const kern_mat *w, const double *x, double *y, const float *bias)
{
    float *row = malloc(w->cols * sizeof *row);
    for (size_t r = 0; r < w->rows; r++) {
        kern_mat_get_row(w, r, row);
        double s = bias ? bias[r] : 0;
        for (size_t k = 0; k < w->cols; k++)
            s += row[k] * x[k];
        y[r] = s;
    }
    free(row);
}

static void dnorm(const kern_model *m, double *o, const double *x)
{
    int h = m->cfg.hidden;
    double mean = 0, var = 0;
    if (m->cfg.arch != KERN_ARCH_LLAMA) {
        for (int i = 0; i < h; i++)
            mean += x[i] / h;
    }
    for (int i = 0; i < h; i++)
        var += (x[i] - mean) * (x[i] - mean) / h;
    for (int i = 0; i < h; i++) /* norm weights are 1, biases 0 */
        o[i] = (x[i] - mean) / sqrt(var + m->cfg.norm_eps);
}

static void drope(const kern_model *m, double *v, int nh, int pos)
{
    int hd = m->head_dim, half = m->rot_dim / 2;
    for (int hh = 0; hh < nh; hh++)
        for (int i = 0; i < half; i++) {
            double a = pos * pow(m->cfg.rope_theta, -2.0 * i / m->rot_dim);
            double *p = v + hh * hd, x0 = p[i], x1 = p[i + half];
            p[i] = x0 * cos(a) - x1 * sin(a);
            p[i + half] = x0 * sin(a) + x1 * cos(a);
        }
}

/* Logits of the last of n tokens, everything in double. */
static void reference(const kern_model *m, const int *tok, int n, double *logits)
{
    const kern_model_cfg *c = &m->cfg;
    int h = c->hidden, hd = m->head_dim, kvd = c->kv_heads * hd, f = c->ffn;
    double *x = calloc((size_t)(n * h), sizeof *x), *xn = calloc((size_t)h, sizeof *x);
    double *q = calloc((size_t)(n * h), sizeof *x), *k = calloc((size_t)(n * kvd), sizeof *x);
    double *v = calloc((size_t)(n * kvd), sizeof *x), *att = calloc((size_t)h, sizeof *x);
    double *o = calloc((size_t)h, sizeof *x), *a1 = calloc((size_t)f, sizeof *x);
    double *a3 = calloc((size_t)f, sizeof *x), *mo = calloc((size_t)h, sizeof *x);
    double *xin = calloc((size_t)(n * h), sizeof *x);
    float *row = malloc((size_t)h * sizeof *row);
    for (int i = 0; i < n; i++) {
        kern_mat_get_row(&m->tok_emb, (size_t)tok[i], row);
        for (int d = 0; d < h; d++)
            x[i * h + d] = row[d] + (m->pos_emb ? m->pos_emb[i * h + d] : 0);
    }
    for (int l = 0; l < c->layers; l++) {
        const kern_layer *L = &m->L[l];
        for (int i = 0; i < n; i++) {
            dnorm(m, xin + i * h, x + i * h);
            dmv(&L->wq, xin + i * h, q + i * h, L->bq);
            dmv(&L->wk, xin + i * h, k + i * kvd, L->bk);
            dmv(&L->wv, xin + i * h, v + i * kvd, L->bv);
            drope(m, q + i * h, c->heads, i);
            drope(m, k + i * kvd, c->kv_heads, i);
        }
        for (int i = 0; i < n; i++) {
            for (int hh = 0; hh < c->heads; hh++) {
                int kh = hh / (c->heads / c->kv_heads);
                double s[64], mx = -1e300, sum = 0;
                for (int t = 0; t <= i; t++) {
                    s[t] = 0;
                    for (int d = 0; d < hd; d++)
                        s[t] += q[i * h + hh * hd + d] * k[t * kvd + kh * hd + d];
                    s[t] /= sqrt(hd);
                    mx = fmax(mx, s[t]);
                }
                for (int t = 0; t <= i; t++)
                    sum += (s[t] = exp(s[t] - mx));
                for (int d = 0; d < hd; d++) {
                    att[hh * hd + d] = 0;
                    for (int t = 0; t <= i; t++)
                        att[hh * hd + d] += s[t] / sum * v[t * kvd + kh * hd + d];
                }
            }
            dmv(&L->wo, att, o, L->bo);
            double *xi = x + i * h;
            if (c->arch != KERN_ARCH_PHI) {
                for (int d = 0; d < h; d++)
                    xi[d] += o[d];
                dnorm(m, xn, xi);
            } else {
                memcpy(xn, xin + i * h, (size_t)h * sizeof *xn);
            }
            dmv(&L->w1, xn, a1, L->b1);
            if (c->arch == KERN_ARCH_LLAMA) {
                dmv(&L->w3, xn, a3, NULL);
                for (int d = 0; d < f; d++)
                    a1[d] = a1[d] / (1 + exp(-a1[d])) * a3[d];
            } else {
                for (int d = 0; d < f; d++)
                    a1[d] = 0.5 * a1[d] * (1 + tanh(0.7978845608 * (a1[d] + 0.044715 * pow(a1[d], 3))));
            }
            dmv(&L->w2, a1, mo, L->b2);
            for (int d = 0; d < h; d++)
                xi[d] += mo[d] + (c->arch == KERN_ARCH_PHI ? o[d] : 0);
        }
    }
    dnorm(m, xn, x + (n - 1) * h);
    dmv(&m->head, xn, logits, m->bhead);
    free(x), free(xn), free(q), free(k), free(v), free(att), free(o), free(a1), free(a3);
    free(mo), free(xin), free(row);
}

static const int TOK[8] = {3, 17, 42, 5, 9, 33, 1, 48};

static void check_arch(kern_arch arch, kern_type t)
{
    kern_model_cfg c = tiny(arch);
    kern_model m;
    assert_int_equal(kern_model_init(&m, &c, t, 16, 7, NULL), 0);
    float *a = malloc(50 * sizeof *a), *b = malloc(50 * sizeof *b);
    double ref[50], mx = 0;
    assert_int_equal(kern_model_forward(&m, TOK, 8, 0, a), 0);
    reference(&m, TOK, 8, ref);
    for (int i = 0; i < 50; i++)
        mx = fmax(mx, fabs(ref[i]));
    /* quantized activations cost ~1% per product */
    double tol = (t == KERN_Q8_0 || t == KERN_Q4_0 ? 3e-2 : 1e-4) * mx + 1e-6;
    for (int i = 0; i < 50; i++)
        assert_true(fabs(a[i] - ref[i]) <= tol);
    /* prefill 4 + 4 decode steps == prefill 8, bit for bit */
    assert_int_equal(kern_model_forward(&m, TOK, 4, 0, NULL), 0);
    for (int i = 4; i < 8; i++)
        assert_int_equal(kern_model_forward(&m, TOK + i, 1, i, b), 0);
    assert_memory_equal(a, b, 50 * sizeof *a);
    /* other thread counts and CPU paths: same bits */
    for (int isa = 0; isa <= (int)kern_isa_detect(); isa++) {
        kern_isa_set((kern_isa)isa);
        kern_threads_set(2 + isa % 2);
        assert_int_equal(kern_model_forward(&m, TOK, 8, 0, b), 0);
        assert_memory_equal(a, b, 50 * sizeof *a);
    }
    kern_threads_set(1);
    kern_isa_set(KERN_ISA_AVX512);
    assert_int_equal(kern_model_forward(&m, TOK, 16, 1, a), -1); /* past max_seq */
    kern_model_free(&m);
    free(a);
    free(b);
}

static void test_llama_f32(void **s) { (void)s; check_arch(KERN_ARCH_LLAMA, KERN_F32); }
static void test_llama_q4(void **s) { (void)s; check_arch(KERN_ARCH_LLAMA, KERN_Q4_0); }
static void test_gpt2_q8(void **s) { (void)s; check_arch(KERN_ARCH_GPT2, KERN_Q8_0); }
static void test_phi_f16(void **s) { (void)s; check_arch(KERN_ARCH_PHI, KERN_F16); }

static void test_profiles_diverge(void **state)
{
    (void)state;
    kern_model_cfg c = tiny(KERN_ARCH_LLAMA);
    kern_model a, b;
    assert_int_equal(kern_model_init(&a, &c, KERN_Q8_0, 16, 1, &kern_profiles[0]), 0);
    assert_int_equal(kern_model_init(&b, &c, KERN_Q8_0, 16, 1, &kern_profiles[3]), 0);
    float la[50], lb[50];
    assert_int_equal(kern_model_forward(&a, TOK, 8, 0, la), 0);
    assert_int_equal(kern_model_forward(&b, TOK, 8, 0, lb), 0);
    assert_true(memcmp(la, lb, sizeof la) != 0);
    int ga[6], gb[6];
    assert_int_equal(kern_model_generate(&a, TOK, 4, 6, ga), 0);
    assert_int_equal(kern_model_generate(&a, TOK, 4, 6, gb), 0); /* same profile: same tokens */
    assert_memory_equal(ga, gb, sizeof ga);
    kern_model_free(&a);
    kern_model_free(&b);
}

static void test_llms_json(void **state)
{
    (void)state;
    const char *need[] = {"gpt2", "Qwen1.5-0.5B", "TinyLlama-1.1B", "Phi-2",
                          "Llama-2-7B", "Mistral-7B", "Llama-2-13B"};
    char err[512];
    kern_model_cfg c;
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
        assert_int_equal(kern_model_cfg_load("models/llms.json", need[i], &c, err, sizeof err), 0);
        assert_true(strlen(c.source) > 10);
    }
    assert_int_equal(kern_model_cfg_load("models/llms.json", "gpt2", &c, err, sizeof err), 0);
    assert_true(fabs(kern_model_params(&c) / 124.4e6 - 1) < 0.01); /* GPT-2 small: 124M */
    assert_int_equal(kern_model_cfg_load("models/llms.json", "Llama-2-7B", &c, err, sizeof err), 0);
    assert_true(fabs(kern_model_params(&c) / 6.74e9 - 1) < 0.01);
    assert_int_equal(kern_model_cfg_load("models/llms.json", "Mistral-7B", &c, err, sizeof err), 0);
    assert_true(fabs(kern_model_params(&c) / 7.24e9 - 1) < 0.01);
    assert_int_equal(kern_model_cfg_load("models/llms.json", "nope", &c, err, sizeof err), 1);
    assert_int_equal(kern_model_cfg_load("/nonexistent.json", "gpt2", &c, err, sizeof err), 2);
    assert_non_null(strstr(err, "/nonexistent.json"));
}

/* "unverified" lists figures no copy of config.json confirmed: a known
 * figure loads, anything else is refused with the JSON path. */
static void load_entry_with(const char *unverified, int want, const char *want_err)
{
    char path[] = "/tmp/avrami-llms-XXXXXX", err[512];
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fprintf(f, "{\"models\": [{\"name\": \"m\", \"arch\": \"llama\", \"layers\": 2, "
               "\"hidden\": 64, \"heads\": 4, \"ffn\": 96, \"vocab\": 50, "
               "\"context\": 32, \"unverified\": %s}]}",
            unverified);
    fclose(f);
    kern_model_cfg c;
    assert_int_equal(kern_model_cfg_load(path, "m", &c, err, sizeof err), want);
    if (want_err)
        assert_non_null(strstr(err, want_err));
    remove(path);
}

static void test_llms_unverified(void **state)
{
    (void)state;
    load_entry_with("[\"rope_theta\", \"dtype\", \"generation_defaults\"]", 0, NULL);
    load_entry_with("[]", 0, NULL);
    load_entry_with("[\"rope_thetta\"]", 2, ".models[0].unverified[0]: expected the name");
    load_entry_with("[\"layers\", 3]", 2, ".models[0].unverified[1]: expected the name");
    load_entry_with("\"rope_theta\"", 2, ".models[0].unverified: expected an array");
}

/* gpt2 at its real size, one short prefill and a decode step: no NaN. */
static void test_gpt2_real_shape(void **state)
{
    (void)state;
    char err[512];
    kern_model_cfg c;
    kern_model m;
    assert_int_equal(kern_model_cfg_load("models/llms.json", "gpt2", &c, err, sizeof err), 0);
    assert_int_equal(kern_model_init(&m, &c, KERN_Q4_0, 8, 3, NULL), 0);
    float *lg = malloc((size_t)c.vocab * sizeof *lg);
    assert_int_equal(kern_model_forward(&m, TOK, 4, 0, lg), 0);
    assert_int_equal(kern_model_forward(&m, TOK + 4, 1, 4, lg), 0);
    for (int i = 0; i < c.vocab; i++)
        assert_true(isfinite(lg[i]));
    free(lg);
    kern_model_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_llama_f32),        cmocka_unit_test(test_llama_q4),
        cmocka_unit_test(test_gpt2_q8),          cmocka_unit_test(test_phi_f16),
        cmocka_unit_test(test_profiles_diverge), cmocka_unit_test(test_llms_json),
        cmocka_unit_test(test_llms_unverified),
        cmocka_unit_test(test_gpt2_real_shape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
