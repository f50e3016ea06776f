/* Sampling: each logits processor against distributions computed by hand on
 * small logit vectors, draws against their probabilities, and greedy, beam
 * search and stopping against hand-worked runs of a fake model whose next
 * token depends only on the last one. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gpt/gpt_sample.h"

#define TOL 1e-12

static void dist(const float *s, int n, gpt_warp w, double *p)
{
    int idx[16];
    double x[16];
    gpt_distribution(s, n, &w, p, idx, x);
}

static const gpt_warp OFF = {1.0, 0, 1.0, 1.0, 1};

static void test_temperature(void **state)
{
    (void)state;
    float s[4] = {1, 2, 3, 4};
    double p[4], want[4], z = 0;
    gpt_warp w = OFF;
    w.temperature = 2.0; /* softmax(0.5, 1, 1.5, 2) */
    for (int i = 0; i < 4; i++)
        z += want[i] = exp(0.5 * (i + 1));
    dist(s, 4, w, p);
    for (int i = 0; i < 4; i++)
        assert_true(fabs(p[i] - want[i] / z) < TOL);
    w.temperature = 0.5; /* sharper: softmax(2, 4, 6, 8) */
    dist(s, 4, w, p);
    assert_true(fabs(p[3] - exp(8) / (exp(2) + exp(4) + exp(6) + exp(8))) < TOL);
}

static void test_top_k(void **state)
{
    (void)state;
    float s[5] = {1, 4, 3, 4, 2};
    double p[5];
    gpt_warp w = OFF;
    w.top_k = 2; /* the two 4s */
    dist(s, 5, w, p);
    assert_true(fabs(p[1] - 0.5) < TOL && fabs(p[3] - 0.5) < TOL);
    assert_true(p[0] == 0 && p[2] == 0 && p[4] == 0);
    w.top_k = 3; /* ties at the cut are kept: 4, 4, 3 */
    dist(s, 5, w, p);
    double z = 2 * exp(4) + exp(3);
    assert_true(fabs(p[2] - exp(3) / z) < TOL && p[4] == 0);
}

static void test_top_p(void **state)
{
    (void)state;
    /* probabilities 0.1 0.2 0.3 0.4: top_p 0.6 keeps {0.4, 0.3} -> 3/7, 4/7 */
    float s[4] = {logf(0.1f), logf(0.2f), logf(0.3f), logf(0.4f)};
    double p[4];
    gpt_warp w = OFF;
    w.top_p = 0.6;
    dist(s, 4, w, p);
    assert_true(p[0] == 0 && p[1] == 0);
    assert_true(fabs(p[2] - 3.0 / 7) < 1e-6 && fabs(p[3] - 4.0 / 7) < 1e-6);
    w.top_p = 0.35; /* {0.4} alone covers it */
    dist(s, 4, w, p);
    assert_true(fabs(p[3] - 1) < TOL && p[2] == 0);
    w.min_keep = 2; /* beams keep two */
    dist(s, 4, w, p);
    assert_true(fabs(p[2] - 3.0 / 7) < 1e-6);
}

/* top_k and top_p against their definitions written the plain way (a full
 * sort of every token, as the warpers were first written), on random
 * vocabularies with many ties and tokens already at -inf: the same
 * probabilities, bit for bit. */
static const double *plain_key;
static int plain_cmp(const void *a, const void *b)
{
    int i = *(const int *)a, j = *(const int *)b;
    if (plain_key[i] != plain_key[j])
        return plain_key[i] < plain_key[j] ? -1 : 1;
    return (i > j) - (i < j);
}

static void plain_softmax(const double *x, int n, double *p)
{
    double mx = -INFINITY, z = 0;
    for (int i = 0; i < n; i++)
        mx = x[i] > mx ? x[i] : mx;
    for (int i = 0; i < n; i++)
        z += p[i] = isfinite(x[i]) ? exp(x[i] - mx) : 0;
    for (int i = 0; i < n; i++)
        p[i] /= z;
}

static void plain_distribution(const float *s, int n, gpt_warp w, double *p)
{
    double x[300];
    int idx[300];
    int keep = w.min_keep > 1 ? w.min_keep : 1;
    for (int i = 0; i < n; i++)
        x[i] = (double)s[i] / w.temperature;
    plain_key = x;
    if (w.top_k > 0 && w.top_k < n) {
        int k = w.top_k > keep ? w.top_k : keep;
        k = k < n ? k : n;
        for (int i = 0; i < n; i++)
            idx[i] = i;
        qsort(idx, (size_t)n, sizeof *idx, plain_cmp);
        double kth = x[idx[n - k]];
        for (int i = 0; i < n; i++)
            if (x[i] < kth)
                x[i] = -INFINITY;
    }
    if (w.top_p < 1.0) {
        plain_softmax(x, n, p);
        for (int i = 0; i < n; i++)
            idx[i] = i;
        qsort(idx, (size_t)n, sizeof *idx, plain_cmp);
        double cum = 0;
        for (int r = 0; r < n - keep; r++) {
            cum += p[idx[r]];
            if (cum <= 1.0 - w.top_p)
                x[idx[r]] = -INFINITY;
        }
    }
    plain_softmax(x, n, p);
}

static void test_filters_against_full_sort(void **state)
{
    (void)state;
    uint64_t r = 7;
    for (int trial = 0; trial < 3000; trial++) {
        float s[300];
        double got[300], want[300], x[300];
        int idx[300];
        r = r * 6364136223846793005ULL + 1442695040888963407ULL;
        int n = 2 + (int)((r >> 33) % 299);
        int levels = 1 + (int)((r >> 20) % 40); /* few distinct values: ties */
        for (int i = 0; i < n; i++) {
            r = r * 6364136223846793005ULL + 1442695040888963407ULL;
            s[i] = (r >> 59) == 0 ? -INFINITY : (float)((r >> 33) % (uint64_t)levels) * 0.25f - 3.0f;
        }
        s[(r >> 40) % (uint64_t)n] = 1.0f; /* at least one token survives */
        r = r * 6364136223846793005ULL + 1442695040888963407ULL;
        gpt_warp w = OFF;
        w.temperature = 0.5 + (double)((r >> 40) % 8) / 4;
        w.top_k = (r >> 50) % 3 == 0 ? 0 : 1 + (int)((r >> 30) % (uint64_t)n);
        w.top_p = (r >> 53) % 3 == 0 ? 1.0 : 0.05 + (double)((r >> 10) % 90) / 100;
        w.min_keep = 1 + (int)((r >> 5) % 3);
        gpt_distribution(s, n, &w, got, idx, x);
        plain_distribution(s, n, w, want);
        for (int i = 0; i < n; i++)
            if (!(got[i] == want[i] || (got[i] != got[i] && want[i] != want[i]))) {
                print_message("trial %d n %d top_k %d top_p %g keep %d i %d got %g want %g\n", trial, n, w.top_k, w.top_p, w.min_keep, i, got[i], want[i]);
                fail();
            }
    }
}

static void test_typical_p(void **state)
{
    (void)state;
    /* p = 0.1 0.2 0.3 0.4, entropy H = 1.2799; |-ln p - H| = 1.023, 0.330,
     * 0.076, 0.364: order 2, 1, 3, 0 with cumulative 0.3, 0.5, 0.9, 1.0.
     * typical_p 0.6: two below 0.6, so the first three stay -> .2/.9 .3/.9 .4/.9 */
    float s[4] = {logf(0.1f), logf(0.2f), logf(0.3f), logf(0.4f)};
    double p[4];
    gpt_warp w = OFF;
    w.typical_p = 0.6;
    dist(s, 4, w, p);
    assert_true(p[0] == 0);
    assert_true(fabs(p[1] - 0.2 / 0.9) < 1e-6 && fabs(p[2] - 0.3 / 0.9) < 1e-6 &&
                fabs(p[3] - 0.4 / 0.9) < 1e-6);
    w.typical_p = 0.2; /* none below 0.2: only the most typical (p = 0.3) */
    dist(s, 4, w, p);
    assert_true(fabs(p[2] - 1) < TOL);
}

static void test_repetition_penalty(void **state)
{
    (void)state;
    float s[4] = {2, -1, 0.5f, 3};
    unsigned char seen[4];
    int prev[] = {0, 1, 0, 7}; /* 0 twice: penalised once; 7 outside the vocabulary */
    gpt_repetition_penalty(s, 4, prev, 4, 2.0, seen);
    assert_true(s[0] == 1.0f && s[1] == -2.0f && s[2] == 0.5f && s[3] == 3.0f);
}

static void test_draw_frequencies(void **state)
{
    (void)state;
    double p[4] = {0.1, 0.2, 0.3, 0.4};
    int count[4] = {0};
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, gpt_stream_seed(42, 0));
    for (int i = 0; i < 40000; i++)
        count[gpt_draw(p, 4, r)]++;
    for (int i = 0; i < 4; i++) /* 5 standard deviations at most */
        assert_true(fabs(count[i] / 40000.0 - p[i]) < 5 * sqrt(p[i] * (1 - p[i]) / 40000));
    double q[3] = {0, 1, 0};
    assert_int_equal(gpt_draw(q, 3, r), 1);
    gsl_rng_free(r);
    assert_true(gpt_stream_seed(42, 0) != gpt_stream_seed(42, 1));
    assert_true(gpt_stream_seed(42, 0) == gpt_stream_seed(42, 0));
}

/* ---- a Markov model: logits = log P(next | last token) */

#define V 4
#define EOS 3
typedef struct {
    double row[V][V];
    int last[8];
    int nslots;
} fake;

static int f_prefill(void *c, int slot, const int *tok, int n, float *lg)
{
    fake *f = c;
    f->last[slot] = tok[n - 1];
    for (int i = 0; i < V; i++)
        lg[i] = (float)log(f->row[f->last[slot]][i]);
    return 0;
}

static int f_decode(void *c, int slot, int tok, int pos, float *lg)
{
    (void)pos;
    return f_prefill(c, slot, &tok, 1, lg);
}

static int f_reorder(void *c, const int *parent, int npos)
{
    fake *f = c;
    int old[8];
    (void)npos;
    memcpy(old, f->last, sizeof old);
    for (int j = 0; j < f->nslots; j++) {
        assert_true(parent[j] >= 0 && parent[j] < f->nslots);
        f->last[j] = old[parent[j]];
    }
    return 0;
}

static gpt_gen gen(int beams, int new_tokens)
{
    gpt_gen g = {.greedy = 1, .warp = OFF, .repetition_penalty = 1.0, .max_new_tokens = new_tokens,
                 .num_beams = beams, .num_sequences = 1, .n_vocab = V, .eos = EOS, .seed = 7};
    return g;
}

static fake markov(const double r0[V])
{
    fake f = {.row = {{0}, {0.4, 0.3, 0.2, 0.1}, {0.9, 0.04, 0.03, 0.03}, {0.25, 0.25, 0.25, 0.25}},
              .nslots = 2};
    memcpy(f.row[0], r0, sizeof f.row[0]);
    return f;
}

static void test_greedy_vs_beam(void **state)
{
    (void)state;
    /* greedy: 1 (0.5) then 0 (0.4) = 0.20; beams find 2 (0.3) then 0 (0.9) = 0.27 */
    fake f = markov((double[V]){0.1, 0.5, 0.3, 0.1});
    gpt_lm lm = {&f, V, 2, f_prefill, f_decode, f_reorder};
    int prompt[] = {0};
    gpt_seq s[2];
    gpt_gen g = gen(1, 2);
    assert_int_equal(gpt_generate(&lm, &g, prompt, 1, s), 0);
    assert_int_equal(s[0].n, 2);
    assert_true(s[0].tok[0] == 1 && s[0].tok[1] == 0 && !s[0].stopped);
    gpt_seqs_free(s, 1);
    g = gen(2, 2);
    g.num_sequences = 2;
    assert_int_equal(gpt_generate(&lm, &g, prompt, 1, s), 0);
    assert_true(s[0].n == 2 && s[0].tok[0] == 2 && s[0].tok[1] == 0);
    assert_true(fabs(s[0].score - log(0.27) / 2) < 1e-6);
    assert_true(s[1].n == 2 && s[1].tok[0] == 1 && s[1].tok[1] == 0);
    assert_true(fabs(s[1].score - log(0.2) / 2) < 1e-6);
    gpt_seqs_free(s, 2);
}

static void test_beam_eos(void **state)
{
    (void)state;
    /* step 0: EOS (0.4) ranks first -> finished [3] at ln 0.4; beams [1], [2].
     * step 1: [2,0] 0.18, [1,0] 0.12.  step 2: [2,0,EOS] 0.072 finishes at
     * ln(0.072)/3 = -0.877; [1,0,EOS] ranks third of the candidates (>= 2
     * beams) and is skipped; the running beams score below both finished. */
    fake f = markov((double[V]){0.1, 0.3, 0.2, 0.4});
    gpt_lm lm = {&f, V, 2, f_prefill, f_decode, f_reorder};
    int prompt[] = {0};
    gpt_seq s[2];
    gpt_gen g = gen(2, 3);
    g.num_sequences = 2;
    assert_int_equal(gpt_generate(&lm, &g, prompt, 1, s), 0);
    assert_true(s[0].n == 3 && s[0].tok[0] == 2 && s[0].tok[1] == 0 && s[0].tok[2] == EOS);
    assert_true(s[0].stopped && fabs(s[0].score - log(0.072) / 3) < 1e-6);
    assert_true(s[1].n == 1 && s[1].tok[0] == EOS && s[1].stopped);
    assert_true(fabs(s[1].score - log(0.4)) < 1e-6);
    gpt_seqs_free(s, 2);
}

static void test_beam_sample(void **state)
{
    (void)state;
    /* beam sampling with top_k 1: each beam has one candidate of probability
     * 1 (log 0), so the search follows the argmax: [1, 0], score 0 */
    fake f = markov((double[V]){0.1, 0.5, 0.3, 0.1});
    gpt_lm lm = {&f, V, 2, f_prefill, f_decode, f_reorder};
    int prompt[] = {0};
    gpt_seq s[2], t[2];
    gpt_gen g = gen(2, 2);
    g.greedy = 0;
    g.warp.top_k = 1;
    assert_int_equal(gpt_generate(&lm, &g, prompt, 1, s), 0);
    assert_true(s[0].n == 2 && s[0].tok[0] == 1 && s[0].tok[1] == 0 && s[0].score == 0);
    gpt_seqs_free(s, 1);
    /* two sequences are two searches, each returning its best (transformers
     * 4.35.2 generate(): BeamSearchScorer(batch_size * num_return_sequences)
     * keeps one hypothesis per search): both follow the argmax.  One search
     * keeping its best two would have had only the one beam top_k leaves. */
    g.num_sequences = 2;
    assert_int_equal(gpt_generate(&lm, &g, prompt, 1, s), 0);
    for (int i = 0; i < 2; i++)
        assert_true(s[i].n == 2 && s[i].tok[0] == 1 && s[i].tok[1] == 0 && s[i].score == 0);
    gpt_seqs_free(s, 2);
    /* unfiltered: the same seed draws the same beams; the first sequence is
     * the one-sequence search (stream 0) */
    g.warp.top_k = 0;
    g.max_new_tokens = 8;
    g.num_sequences = 2;
    assert_int_equal(gpt_generate(&lm, &g, prompt, 1, s), 0);
    assert_int_equal(gpt_generate(&lm, &g, prompt, 1, t), 0);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(s[i].n, t[i].n);
        assert_memory_equal(s[i].tok, t[i].tok, (size_t)s[i].n * sizeof(int));
    }
    gpt_seqs_free(t, 2);
    g.num_sequences = 1;
    assert_int_equal(gpt_generate(&lm, &g, prompt, 1, t), 0);
    assert_int_equal(s[0].n, t[0].n);
    assert_memory_equal(s[0].tok, t[0].tok, (size_t)s[0].n * sizeof(int));
    gpt_seqs_free(s, 2);
    gpt_seqs_free(t, 1);
}

static void test_stop_and_penalty(void **state)
{
    (void)state;
    /* greedy from 0 picks 1, then EOS is certain after 1: stops after 2 tokens */
    fake f = markov((double[V]){0.1, 0.5, 0.3, 0.1});
    f.row[1][0] = f.row[1][1] = f.row[1][2] = 1e-9;
    f.row[1][3] = 1.0;
    gpt_lm lm = {&f, V, 2, f_prefill, f_decode, f_reorder};
    int prompt[] = {0};
    gpt_seq s[1];
    gpt_gen g = gen(1, 10);
    assert_int_equal(gpt_generate(&lm, &g, prompt, 1, s), 0);
    assert_true(s[0].n == 2 && s[0].tok[1] == EOS && s[0].stopped);
    gpt_seqs_free(s, 1);
    /* repetition penalty 2 on logits ln p: token 0 (in the prompt) and, after
     * the first step, 1 are pushed down: ln .5 * 2 = ln .25 < ln .3 */
    f = markov((double[V]){0.1, 0.5, 0.3, 0.1});
    f.row[1][0] = 0.1, f.row[1][1] = 0.5, f.row[1][2] = 0.3, f.row[1][3] = 0.1;
    g = gen(1, 2);
    g.repetition_penalty = 2.0;
    assert_int_equal(gpt_generate(&lm, &g, prompt, 1, s), 0);
    assert_true(s[0].tok[0] == 1 && s[0].tok[1] == 2);
    gpt_seqs_free(s, 1);
}

static void test_sampled_sequences(void **state)
{
    (void)state;
    /* uniform rows: each sequence follows its own stream; top_k 1 is greedy */
    fake f = {.nslots = 2};
    for (int a = 0; a < V; a++)
        for (int b = 0; b < V; b++)
            f.row[a][b] = b == EOS ? 1e-12 : 1.0 / 3;
    gpt_lm lm = {&f, V, 2, f_prefill, f_decode, f_reorder};
    int prompt[] = {0, 1};
    gpt_seq s[3], t[3];
    gpt_gen g = gen(1, 40);
    g.greedy = 0;
    g.num_sequences = 3;
    assert_int_equal(gpt_generate(&lm, &g, prompt, 2, s), 0);
    assert_int_equal(gpt_generate(&lm, &g, prompt, 2, t), 0);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(s[i].n, 40);
        assert_memory_equal(s[i].tok, t[i].tok, 40 * sizeof(int));
    }
    assert_memory_not_equal(s[0].tok, s[1].tok, 40 * sizeof(int));
    gpt_seqs_free(t, 3);
    g.seed = 8;
    assert_int_equal(gpt_generate(&lm, &g, prompt, 2, t), 0);
    assert_memory_not_equal(s[0].tok, t[0].tok, 40 * sizeof(int));
    gpt_seqs_free(t, 3);
    gpt_seqs_free(s, 3);
    f.row[1][2] = 0.5; /* top_k 1 after token 1: always 2 */
    g.warp.top_k = 1;
    g.num_sequences = 1;
    assert_int_equal(gpt_generate(&lm, &g, prompt, 2, s), 0);
    assert_int_equal(s[0].tok[0], 2);
    gpt_seqs_free(s, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_temperature),      cmocka_unit_test(test_top_k),
        cmocka_unit_test(test_top_p),            cmocka_unit_test(test_typical_p),
        cmocka_unit_test(test_filters_against_full_sort),
        cmocka_unit_test(test_repetition_penalty), cmocka_unit_test(test_draw_frequencies),
        cmocka_unit_test(test_greedy_vs_beam),   cmocka_unit_test(test_beam_eos),
        cmocka_unit_test(test_beam_sample),
        cmocka_unit_test(test_stop_and_penalty), cmocka_unit_test(test_sampled_sequences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
