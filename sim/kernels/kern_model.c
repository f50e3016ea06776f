/* kern_model: shapes from llms.json, synthetic weights, and the forward pass.
 *
 * Every product — projections, MLP, the output head, and attention itself
 * (scores = Q K^T against the key cache, output = P V against the transposed
 * value cache) — goes through kern_gemm, so the numerics profile governs all
 * of them.  Attention heads run in parallel, one head per thread task, each
 * computed whole by one thread: results do not depend on the thread count. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kernels/kern_model.h"
#include "util/rfile.h"

/* ---- llms.json */

static cJSON *load_models(const char *path, char *err, size_t errlen, cJSON **root)
{
    if (!(*root = rfile_json(path, err, errlen)))
        return NULL;
    cJSON *ms = cJSON_GetObjectItemCaseSensitive(*root, "models");
    if (!cJSON_IsArray(ms)) {
        snprintf(err, errlen, "%s: .models: expected an array of models", path);
        cJSON_Delete(*root);
        *root = NULL;
        return NULL;
    }
    return ms;
}

static int get_int(cJSON *o, const char *k, int *out, int def, const char *path, int idx,
                   char *err, size_t errlen)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!v && def >= 0) {
        *out = def;
        return 0;
    }
    if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble != floor(v->valuedouble) ||
        v->valuedouble > 1e9) {
        snprintf(err, errlen, "%s: .models[%d].%s: expected a positive integer", path, idx, k);
        return -1;
    }
    *out = (int)v->valuedouble;
    return 0;
}

/* "unverified": the figures of an entry that no copy of the model's
 * config.json or generation_config.json could confirm; each must name a
 * figure the entry records */
static int check_unverified(cJSON *o, const char *path, int idx, char *err, size_t errlen)
{
    static const char *const fields[] = {
        "dtype",     "layers",     "hidden",          "heads",           "kv_heads",
        "ffn",       "vocab",      "context",         "norm_eps",        "rope_theta",
        "rotary_fraction", "qkv_bias", "tied_embeddings", "head_dim",    "experts",
        "experts_per_token", "auto_dtype", "generation_defaults", NULL};
    cJSON *u = cJSON_GetObjectItemCaseSensitive(o, "unverified"), *f;
    if (!u)
        return 0;
    if (!cJSON_IsArray(u)) {
        snprintf(err, errlen, "%s: .models[%d].unverified: expected an array of field names",
                 path, idx);
        return -1;
    }
    int i = 0;
    cJSON_ArrayForEach(f, u) {
        int known = 0;
        for (const char *const *k = fields; cJSON_IsString(f) && *k && !known; k++)
            known = !strcmp(f->valuestring, *k);
        if (!known) {
            snprintf(err, errlen,
                     "%s: .models[%d].unverified[%d]: expected the name of a recorded figure "
                     "(layers, hidden, heads, kv_heads, ffn, vocab, context, norm_eps, "
                     "rope_theta, dtype, ...)",
                     path, idx, i);
            return -1;
        }
        i++;
    }
    return 0;
}

static float get_num(cJSON *o, const char *k, float def)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? (float)v->valuedouble : def;
}

int kern_model_cfg_load(const char *path, const char *name, kern_model_cfg *c, char *err,
                        size_t errlen)
{
    cJSON *root = NULL, *ms = load_models(path, err, errlen, &root);
    if (!ms)
        return 2;
    int idx = 0, rc = 1;
    cJSON *o;
    snprintf(err, errlen, "%s: no model named '%s'", path, name);
    cJSON_ArrayForEach(o, ms) {
        cJSON *n = cJSON_GetObjectItemCaseSensitive(o, "name");
        if (!cJSON_IsString(n)) {
            snprintf(err, errlen, "%s: .models[%d].name: expected a string", path, idx);
            rc = 2;
            break;
        }
        if (strcasecmp(n->valuestring, name)) {
            idx++;
            continue;
        }
        memset(c, 0, sizeof *c);
        snprintf(c->name, sizeof c->name, "%s", n->valuestring);
        cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "arch");
        const char *arch = cJSON_IsString(a) ? a->valuestring : "";
        if (!strcmp(arch, "llama"))
            c->arch = KERN_ARCH_LLAMA;
        else if (!strcmp(arch, "gpt2"))
            c->arch = KERN_ARCH_GPT2;
        else if (!strcmp(arch, "phi"))
            c->arch = KERN_ARCH_PHI;
        else {
            snprintf(err, errlen, "%s: .models[%d].arch: expected \"llama\", \"gpt2\" or \"phi\"",
                     path, idx);
            rc = 2;
            break;
        }
        cJSON *f = cJSON_GetObjectItemCaseSensitive(o, "family"),
              *s = cJSON_GetObjectItemCaseSensitive(o, "source");
        snprintf(c->family, sizeof c->family, "%s", cJSON_IsString(f) ? f->valuestring : arch);
        snprintf(c->source, sizeof c->source, "%s", cJSON_IsString(s) ? s->valuestring : "");
        if (get_int(o, "layers", &c->layers, -1, path, idx, err, errlen) ||
            get_int(o, "hidden", &c->hidden, -1, path, idx, err, errlen) ||
            get_int(o, "heads", &c->heads, -1, path, idx, err, errlen) ||
            get_int(o, "kv_heads", &c->kv_heads, c->heads, path, idx, err, errlen) ||
            get_int(o, "ffn", &c->ffn, -1, path, idx, err, errlen) ||
            get_int(o, "vocab", &c->vocab, -1, path, idx, err, errlen) ||
            get_int(o, "context", &c->context, -1, path, idx, err, errlen) ||
            check_unverified(o, path, idx, err, errlen)) {
            rc = 2;
            break;
        }
        if (c->hidden % c->heads || c->heads % c->kv_heads || c->hidden % KERN_QBLOCK ||
            c->ffn % KERN_QBLOCK) {
            snprintf(err, errlen,
                     "%s: .models[%d]: expected hidden divisible by heads, heads by kv_heads, "
                     "hidden and ffn by 32",
                     path, idx);
            rc = 2;
            break;
        }
        c->norm_eps = get_num(o, "norm_eps", 1e-5f);
        c->rope_theta = get_num(o, "rope_theta", 10000.0f);
        c->rotary_fraction = get_num(o, "rotary_fraction", c->arch == KERN_ARCH_GPT2 ? 0 : 1);
        c->qkv_bias = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "qkv_bias")) ||
                      c->arch != KERN_ARCH_LLAMA;
        c->tied_embeddings =
            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "tied_embeddings"));
        rc = 0;
        break;
    }
    cJSON_Delete(root);
    return rc;
}

int kern_model_list(const char *path, char *buf, size_t len)
{
    char err[256];
    cJSON *root = NULL, *ms = load_models(path, err, sizeof err, &root), *o;
    if (!ms)
        return -1;
    buf[0] = 0;
    cJSON_ArrayForEach(o, ms) {
        cJSON *n = cJSON_GetObjectItemCaseSensitive(o, "name");
        if (cJSON_IsString(n) && strlen(buf) + strlen(n->valuestring) + 3 < len) {
            if (buf[0])
                strcat(buf, ", ");
            strcat(buf, n->valuestring);
        }
    }
    cJSON_Delete(root);
    return 0;
}

/* ---- sizes */

double kern_model_matmul_params(const kern_model_cfg *c)
{
    double h = c->hidden, kvd = (double)c->kv_heads * (c->hidden / c->heads), f = c->ffn;
    double mlp = c->arch == KERN_ARCH_LLAMA ? 3 * h * f : 2 * h * f;
    return c->layers * (2 * h * h + 2 * h * kvd + mlp) + (double)c->vocab * h;
}

double kern_model_params(const kern_model_cfg *c)
{
    double p = kern_model_matmul_params(c);
    if (!c->tied_embeddings)
        p += (double)c->vocab * c->hidden;
    if (c->arch == KERN_ARCH_GPT2)
        p += (double)c->context * c->hidden;
    return p;
}

double kern_model_kv_bytes_per_token(const kern_model_cfg *c)
{
    return 2.0 * c->layers * c->kv_heads * (c->hidden / c->heads) * sizeof(float);
}

/* ---- weights */

static float *vec(size_t n, float v)
{
    float *p = kern_alloc(n * sizeof *p);
    for (size_t i = 0; p && i < n; i++)
        p[i] = v;
    return p;
}

static int mat(kern_model *m, kern_mat *w, kern_type t, size_t rows, size_t cols, uint64_t seed)
{
    if (kern_mat_alloc(w, t, rows, cols))
        return -1;
    kern_mat_synth(w, seed, 0.02f);
    m->weight_bytes += (double)(rows * w->row_bytes);
    return 0;
}

int kern_model_rot_dim(const kern_model_cfg *c)
{
    return (int)((float)(c->hidden / c->heads) * c->rotary_fraction) / 2 * 2;
}

int kern_model_init(kern_model *m, const kern_model_cfg *c, kern_type wt, int max_seq,
                    uint64_t seed, const kern_profile *profile)
{
    memset(m, 0, sizeof *m);
    m->cfg = *c;
    m->wtype = wt;
    m->max_seq = max_seq;
    m->profile = profile ? profile : kern_profile_default;
    m->head_dim = c->hidden / c->heads;
    m->rot_dim = kern_model_rot_dim(c);
    size_t h = (size_t)c->hidden, kvd = (size_t)c->kv_heads * (size_t)m->head_dim,
           f = (size_t)c->ffn, S = (size_t)max_seq;
    uint64_t s = seed * 0x9e3779b97f4a7c15ull;
    int lb = c->arch != KERN_ARCH_LLAMA; /* LayerNorm archs carry biases */
    m->L = calloc((size_t)c->layers, sizeof *m->L);
    if (!m->L || max_seq < 1 || mat(m, &m->tok_emb, KERN_F16, (size_t)c->vocab, h, s + 1) ||
        mat(m, &m->head, wt, (size_t)c->vocab, h, s + 2))
        goto oom;
    m->weight_bytes -= (double)((size_t)c->vocab * m->tok_emb.row_bytes); /* not a product */
    if (c->arch == KERN_ARCH_GPT2) {
        kern_mat pe;
        if (kern_mat_alloc(&pe, KERN_F32, (size_t)c->context, h))
            goto oom;
        kern_mat_synth(&pe, s + 3, 0.01f);
        m->pos_emb = pe.data;
    }
    m->nfw = vec(h, 1);
    m->nfb = vec(h, 0);
    m->bhead = c->arch == KERN_ARCH_PHI ? vec((size_t)c->vocab, 0) : NULL;
    for (int l = 0; l < c->layers; l++) {
        kern_layer *L = &m->L[l];
        uint64_t ls = s + 16 * (uint64_t)(l + 1);
        if (mat(m, &L->wq, wt, h, h, ls + 4) || mat(m, &L->wk, wt, kvd, h, ls + 5) ||
            mat(m, &L->wv, wt, kvd, h, ls + 6) || mat(m, &L->wo, wt, h, h, ls + 7) ||
            mat(m, &L->w1, wt, f, h, ls + 8) || mat(m, &L->w2, wt, h, f, ls + 9) ||
            (c->arch == KERN_ARCH_LLAMA && mat(m, &L->w3, wt, f, h, ls + 10)))
            goto oom;
        L->n1w = vec(h, 1);
        L->n2w = vec(h, 1);
        L->n1b = lb ? vec(h, 0) : NULL;
        L->n2b = lb ? vec(h, 0) : NULL;
        if (c->qkv_bias) {
            L->bq = vec(h, 0.01f);
            L->bk = vec(kvd, 0.01f);
            L->bv = vec(kvd, 0.01f);
        }
        if (lb) {
            L->bo = vec(h, 0);
            L->b1 = vec(f, 0);
            L->b2 = vec(h, 0);
        }
        L->kc = kern_alloc(S * kvd * sizeof(float));
        L->vt = kern_alloc(S * kvd * sizeof(float));
        if (!L->n1w || !L->n2w || !L->kc || !L->vt)
            goto oom;
    }
    if (m->rot_dim) {
        int half = m->rot_dim / 2;
        m->rope_cos = kern_alloc(S * (size_t)half * sizeof(float));
        m->rope_sin = kern_alloc(S * (size_t)half * sizeof(float));
        if (!m->rope_cos || !m->rope_sin)
            goto oom;
        for (size_t p = 0; p < S; p++)
            for (int i = 0; i < half; i++) {
                double a = (double)p * pow((double)c->rope_theta, -2.0 * i / m->rot_dim);
                m->rope_cos[p * (size_t)half + (size_t)i] = (float)cos(a);
                m->rope_sin[p * (size_t)half + (size_t)i] = (float)sin(a);
            }
    }
    return 0;
oom:
    kern_model_free(m);
    return -1;
}

static void free_scratch(kern_model *m)
{
    float **b[] = {&m->x, &m->xn, &m->q, &m->k, &m->v, &m->att, &m->h1, &m->h3,
                   &m->scores, &m->qh, &m->oh, &m->tmp};
    for (size_t i = 0; i < sizeof b / sizeof b[0]; i++) {
        kern_free(*b[i]);
        *b[i] = NULL;
    }
    kern_qact_free(&m->qa_h);
    kern_qact_free(&m->qa_f);
    m->cap = 0;
}

void kern_model_free(kern_model *m)
{
    if (m->L)
        for (int l = 0; l < m->cfg.layers; l++) {
            kern_layer *L = &m->L[l];
            kern_mat *w[] = {&L->wq, &L->wk, &L->wv, &L->wo, &L->w1, &L->w2, &L->w3};
            for (size_t i = 0; i < 7; i++)
                kern_mat_free(w[i]);
            float *v[] = {L->n1w, L->n1b, L->n2w, L->n2b, L->bq, L->bk, L->bv,
                          L->bo,  L->b1,  L->b2,  L->kc,  L->vt};
            for (size_t i = 0; i < 12; i++)
                kern_free(v[i]);
        }
    free(m->L);
    kern_mat_free(&m->tok_emb);
    kern_mat_free(&m->head);
    kern_free(m->pos_emb);
    kern_free(m->nfw);
    kern_free(m->nfb);
    kern_free(m->bhead);
    kern_free(m->rope_cos);
    kern_free(m->rope_sin);
    free_scratch(m);
    memset(m, 0, sizeof *m);
}
