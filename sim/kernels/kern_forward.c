/* kern_forward: one pass of n tokens through a kern_model.
 *
 * Shapes (n tokens, h hidden, hd head dim, kvd = kv_heads*hd, f ffn, S max_seq):
 *   x, xn, att, tmp (n, h)   q (n, h)   k, v (n, kvd)   h1, h3 (n, f)
 *   per head: qh, oh (n, hd), scores (n, S) */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/kern_model.h"

static int ensure_scratch(kern_model *m, int n)
{
    const kern_model_cfg *c = &m->cfg;
    size_t h = (size_t)c->hidden, kvd = (size_t)c->kv_heads * (size_t)m->head_dim,
           f = (size_t)c->ffn, N = (size_t)n, H = (size_t)c->heads;
    if (m->cap < n) {
        float **b[] = {&m->x, &m->xn, &m->q, &m->k, &m->v, &m->att, &m->h1, &m->h3,
                       &m->scores, &m->qh, &m->oh, &m->tmp};
        size_t sz[] = {N * h, N * h, N * h, N * kvd, N * kvd, N * h, N * f, N * f,
                       H * N * (size_t)m->max_seq, N * h, N * h, N * h};
        for (size_t i = 0; i < sizeof b / sizeof b[0]; i++) {
            kern_free(*b[i]);
            if (!(*b[i] = kern_alloc(sz[i] * sizeof(float))))
                return -1;
        }
        m->cap = n;
    }
    if (m->wtype == KERN_Q8_0 || m->wtype == KERN_Q4_0) {
        if (m->qa_h.rows != N) {
            kern_qact_free(&m->qa_h);
            kern_qact_free(&m->qa_f);
            if (kern_qact_alloc(&m->qa_h, N, h) || kern_qact_alloc(&m->qa_f, N, f))
                return -1;
        }
    }
    return 0;
}

static void add_bias(float *y, const float *b, int n, int d)
{
    if (b)
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++)
                y[i * d + j] += b[j];
}

static void norm(const kern_model *m, float *o, const float *x, const float *w, const float *b,
                 int n)
{
    int h = m->cfg.hidden;
    for (int i = 0; i < n; i++) {
        if (m->cfg.arch == KERN_ARCH_LLAMA)
            kern_rmsnorm(o + i * h, x + i * h, w, h, m->cfg.norm_eps);
        else
            kern_layernorm(o + i * h, x + i * h, w, b, h, m->cfg.norm_eps);
    }
}

/* Products that share their input xn: quantized weights quantize it once. */
static void proj3(kern_model *m, const kern_mat *a, const kern_mat *b, const kern_mat *c,
                  float *ya, float *yb, float *yc, kern_qact *q)
{
    const kern_mat *w[3] = {a, b, c};
    float *y[3] = {ya, yb, yc};
    if (q)
        kern_quantize_act(q, m->xn);
    for (int i = 0; i < 3; i++) {
        if (!w[i])
            continue;
        if (q)
            kern_gemm_q(w[i], q, y[i], m->profile);
        else
            kern_gemm(w[i], m->xn, (size_t)m->cap_n, y[i], m->profile, NULL);
    }
}

struct attn_job {
    kern_model *m;
    kern_layer *L;
    int n, pos0;
};

/* One head: scores = qh K^T over the cached positions, causal softmax,
 * oh = P V.  The caches are viewed as FP32 weight matrices in place. */
static void attn_head(struct attn_job *j, int hh)
{
    kern_model *m = j->m;
    const kern_model_cfg *c = &m->cfg;
    int hd = m->head_dim, n = j->n, N = j->pos0 + n, S = m->max_seq;
    int kvh = hh / (c->heads / c->kv_heads), kvd = c->kv_heads * hd;
    float *qh = m->qh + (size_t)hh * (size_t)n * (size_t)hd;
    float *oh = m->oh + (size_t)hh * (size_t)n * (size_t)hd;
    float *sc = m->scores + (size_t)hh * (size_t)n * (size_t)S;
    for (int i = 0; i < n; i++)
        memcpy(qh + i * hd, m->q + (size_t)i * (size_t)c->hidden + (size_t)(hh * hd),
               (size_t)hd * sizeof(float));
    kern_mat K = {KERN_F32, (size_t)N, (size_t)hd, (size_t)kvd * sizeof(float),
                  j->L->kc + (size_t)kvh * (size_t)hd, KERN_LAYOUT_ROWS};
    kern_gemm(&K, qh, (size_t)n, sc, m->profile, NULL); /* (n, N) */
    float scale = 1.0f / sqrtf((float)hd);
    for (int i = 0; i < n; i++) {
        float *r = sc + (size_t)i * (size_t)N;
        int len = j->pos0 + i + 1;
        for (int t = 0; t < len; t++)
            r[t] *= scale;
        kern_softmax(r, len);
        for (int t = len; t < N; t++)
            r[t] = 0;
    }
    kern_mat V = {KERN_F32, (size_t)hd, (size_t)N, (size_t)S * sizeof(float),
                  j->L->vt + (size_t)kvh * (size_t)hd * (size_t)S, KERN_LAYOUT_ROWS};
    kern_gemm(&V, sc, (size_t)n, oh, m->profile, NULL); /* (n, hd) */
    for (int i = 0; i < n; i++)
        memcpy(m->att + (size_t)i * (size_t)c->hidden + (size_t)(hh * hd), oh + i * hd,
               (size_t)hd * sizeof(float));
}

static void attn_part(void *arg, int i, int nt)
{
    struct attn_job *j = arg;
    for (int hh = i; hh < j->m->cfg.heads; hh += nt)
        attn_head(j, hh);
}

int kern_model_forward(kern_model *m, const int *tokens, int n, int pos0, float *logits)
{
    const kern_model_cfg *c = &m->cfg;
    if (n < 1 || pos0 < 0 || pos0 + n > m->max_seq ||
        (c->arch == KERN_ARCH_GPT2 && pos0 + n > c->context) || ensure_scratch(m, n))
        return -1;
    const int h = c->hidden, hd = m->head_dim, kvd = c->kv_heads * hd, f = c->ffn;
    const size_t N = (size_t)n;
    m->cap_n = n;
    const kern_profile *p = m->profile;
    int llama = c->arch == KERN_ARCH_LLAMA;
    kern_qact *qh = m->qa_h.rows ? &m->qa_h : NULL, *qf = m->qa_f.rows ? &m->qa_f : NULL;
    for (int i = 0; i < n; i++) {
        int t = tokens[i] < 0 || tokens[i] >= c->vocab ? 0 : tokens[i];
        kern_mat_get_row(&m->tok_emb, (size_t)t, m->x + (size_t)i * (size_t)h);
        if (m->pos_emb)
            for (int d = 0; d < h; d++)
                m->x[(size_t)i * (size_t)h + (size_t)d] +=
                    m->pos_emb[(size_t)(pos0 + i) * (size_t)h + (size_t)d];
    }
    for (int l = 0; l < c->layers; l++) {
        kern_layer *L = &m->L[l];
        norm(m, m->xn, m->x, L->n1w, L->n1b, n);
        proj3(m, &L->wq, &L->wk, &L->wv, m->q, m->k, m->v, qh);
        add_bias(m->q, L->bq, n, h);
        add_bias(m->k, L->bk, n, kvd);
        add_bias(m->v, L->bv, n, kvd);
        for (int i = 0; i < n; i++) {
            size_t pos = (size_t)(pos0 + i), half = (size_t)m->rot_dim / 2;
            if (m->rot_dim) {
                kern_rope(m->q + (size_t)i * (size_t)h, c->heads, hd, m->rot_dim,
                          m->rope_cos + pos * half, m->rope_sin + pos * half);
                kern_rope(m->k + (size_t)i * (size_t)kvd, c->kv_heads, hd, m->rot_dim,
                          m->rope_cos + pos * half, m->rope_sin + pos * half);
            }
            memcpy(L->kc + pos * (size_t)kvd, m->k + (size_t)i * (size_t)kvd,
                   (size_t)kvd * sizeof(float));
            for (int d = 0; d < kvd; d++)
                L->vt[(size_t)d * (size_t)m->max_seq + pos] = m->v[(size_t)i * (size_t)kvd + (size_t)d];
        }
        struct attn_job aj = {m, L, n, pos0};
        kern_parallel(attn_part, &aj);
        kern_gemm(&L->wo, m->att, N, m->tmp, p, qh);
        add_bias(m->tmp, L->bo, n, h);
        if (c->arch != KERN_ARCH_PHI) { /* sequential: attention, then MLP on its sum */
            for (size_t i = 0; i < N * (size_t)h; i++)
                m->x[i] += m->tmp[i];
            norm(m, m->xn, m->x, L->n2w, L->n2b, n);
        }
        proj3(m, &L->w1, llama ? &L->w3 : NULL, NULL, m->h1, m->h3, NULL, qh);
        add_bias(m->h1, L->b1, n, f);
        if (llama) {
            for (size_t i = 0; i < N * (size_t)f; i++)
                m->h1[i] = kern_silu(m->h1[i]) * m->h3[i];
        } else {
            for (size_t i = 0; i < N * (size_t)f; i++)
                m->h1[i] = kern_gelu(m->h1[i]);
        }
        kern_gemm(&L->w2, m->h1, N, m->att, p, qf);
        add_bias(m->att, L->b2, n, h);
        for (size_t i = 0; i < N * (size_t)h; i++)
            m->x[i] += m->att[i] + (c->arch == KERN_ARCH_PHI ? m->tmp[i] : 0.0f);
    }
    if (logits) {
        float *last = m->x + (N - 1) * (size_t)h;
        norm(m, m->xn, last, m->nfw, m->nfb, 1);
        kern_gemm(&m->head, m->xn, 1, logits, p, NULL);
        add_bias(logits, m->bhead, 1, c->vocab);
    }
    return 0;
}

static int argmax(const float *v, int n)
{
    int b = 0;
    for (int i = 1; i < n; i++)
        if (v[i] > v[b])
            b = i;
    return b;
}

int kern_model_generate(kern_model *m, const int *prompt, int n_prompt, int n_new, int *out)
{
    float *logits = malloc((size_t)m->cfg.vocab * sizeof *logits);
    int rc = logits ? 0 : -1;
    if (!rc && n_new > 0)
        rc = kern_model_forward(m, prompt, n_prompt, 0, logits);
    for (int j = 0; !rc && j < n_new; j++) {
        out[j] = argmax(logits, m->cfg.vocab);
        if (j + 1 < n_new)
            rc = kern_model_forward(m, &out[j], 1, n_prompt + j, logits);
    }
    free(logits);
    return rc;
}
