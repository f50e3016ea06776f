/* gpt_model: from a task's model id to a kern_model, and the kern_model as a
 * gpt_lm with several KV caches.
 *
 * kern_model keeps one key and one value cache per layer.  Beam search and
 * several sequences need more, so this file owns `slots` sets of cache
 * buffers and points the model's layers at a slot's buffers before each
 * forward pass; reordering beams moves buffers and copies only where a beam
 * has more than one child. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gpt/gpt.h"
#include "gpt/gpt_model.h"
#include "gpt/gpt_util.h"
#include "util/rfile.h"

static int id_matches(const cJSON *o, const char *id)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, "name"), *a;
    if (cJSON_IsString(n) && !strcasecmp(n->valuestring, id))
        return 1;
    cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(o, "ids"))
        if (cJSON_IsString(a) && !strcasecmp(a->valuestring, id))
            return 1;
    return 0;
}

/* the entry for an id: its name or one of its ids, else its last path
 * component; NULL with err saying how to add the model */
static const cJSON *find_entry(const cJSON *root, const char *llms_path, const char *id,
                               char *err, size_t errlen)
{
    const cJSON *ms = cJSON_GetObjectItemCaseSensitive(root, "models"), *o;
    const char *slash = strrchr(id, '/'), *base = slash ? slash + 1 : id;
    cJSON_ArrayForEach(o, ms)
        if (id_matches(o, id))
            return o;
    cJSON_ArrayForEach(o, ms)
        if (id_matches(o, base))
            return o;
    snprintf(err, errlen,
             "%s: no model with the id or name '%s'. To add it, download the model's "
             "config.json from https://huggingface.co/%s/blob/main/config.json and run "
             "'avrami gpt add-model config.json --id %s', then paste the printed entry into "
             "\"models\" (or add the id to the \"ids\" of an entry with the same config.json)",
             llms_path, id, id, id);
    return NULL;
}

static gpt_dtype dtype_of(const char *s)
{
    return !strcmp(s, "float16")    ? GPT_DTYPE_FLOAT16
           : !strcmp(s, "bfloat16") ? GPT_DTYPE_BFLOAT16
                                    : GPT_DTYPE_FLOAT32;
}

/* what dtype "auto" loads: the Helium-era framework passes torch_dtype None
 * for "auto" (crynux-ai/gpt-task src/gpt_task/inference/inference.py at
 * 04a1ac3), which transformers 4.35 loads as float32; "auto_dtype" in
 * llms.json records a model whose own code picks another precision */
static gpt_dtype auto_dtype(const cJSON *entry)
{
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(entry, "auto_dtype");
    return cJSON_IsString(d) ? dtype_of(d->valuestring) : GPT_DTYPE_FLOAT32;
}

static int load_entry(const char *llms_path, const cJSON *hit, const char *id,
                      kern_model_cfg *cfg, char *err, size_t errlen)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(hit, "name");
    if (!cJSON_IsString(name)) {
        snprintf(err, errlen, "%s: a model matching '%s' has no \"name\"", llms_path, id);
        return 2;
    }
    return kern_model_cfg_load(llms_path, name->valuestring, cfg, err, errlen);
}

int gpt_model_resolve(const char *llms_path, const char *id, kern_model_cfg *cfg,
                      gpt_dtype *native, char *err, size_t errlen)
{
    cJSON *root = rfile_json(llms_path, err, errlen);
    if (!root)
        return 2;
    const cJSON *hit = find_entry(root, llms_path, id, err, errlen);
    int rc = 1;
    if (hit) {
        *native = auto_dtype(hit);
        rc = load_entry(llms_path, hit, id, cfg, err, errlen);
    }
    cJSON_Delete(root);
    return rc;
}

kern_type gpt_weight_type(const gpt_task *t, gpt_dtype native)
{
    if (t->quantize_bits == 4)
        return KERN_Q4_0;
    if (t->quantize_bits == 8)
        return KERN_Q8_0;
    gpt_dtype d = t->dtype == GPT_DTYPE_AUTO ? native : t->dtype;
    return d == GPT_DTYPE_FLOAT16 ? KERN_F16 : d == GPT_DTYPE_BFLOAT16 ? KERN_BF16 : KERN_F32;
}

/* The model's own generation defaults for the fields the task left unset:
 * "generation_defaults" maps a model id to the sampling fields of its
 * generation_config.json (transformers starts generate() from the model's
 * generation config and overrides it with the task's fields). */
static int apply_defaults(const char *llms_path, const cJSON *hit, const gpt_task *t,
                          gpt_gen_config *g, char *err, size_t errlen)
{
    const cJSON *all = cJSON_GetObjectItemCaseSensitive(hit, "generation_defaults"), *e, *d = NULL;
    cJSON_ArrayForEach(e, all)
        if (e->string && !strcasecmp(e->string, t->model))
            d = e;
    if (!d)
        return 0;
    static const struct {
        const char *key;
        unsigned bit;
        char kind;
        size_t off;
    } F[] = {
        {"do_sample", GPT_GEN_DO_SAMPLE, 'b', offsetof(gpt_gen_config, do_sample)},
        {"num_beams", GPT_GEN_NUM_BEAMS, 'i', offsetof(gpt_gen_config, num_beams)},
        {"temperature", GPT_GEN_TEMPERATURE, 'n', offsetof(gpt_gen_config, temperature)},
        {"typical_p", GPT_GEN_TYPICAL_P, 'n', offsetof(gpt_gen_config, typical_p)},
        {"top_k", GPT_GEN_TOP_K, 'i', offsetof(gpt_gen_config, top_k)},
        {"top_p", GPT_GEN_TOP_P, 'n', offsetof(gpt_gen_config, top_p)},
        {"repetition_penalty", GPT_GEN_REPETITION_PENALTY, 'n',
         offsetof(gpt_gen_config, repetition_penalty)},
    };
    for (size_t i = 0; i < sizeof F / sizeof F[0]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(d, F[i].key);
        if (!v || (t->gen_set & F[i].bit))
            continue;
        char *dst = (char *)g + F[i].off;
        int ok = F[i].kind == 'b' ? cJSON_IsBool(v) : cJSON_IsNumber(v);
        if (!ok || (F[i].kind == 'i' && (v->valuedouble != floor(v->valuedouble) ||
                                         fabs(v->valuedouble) > 1e6))) {
            snprintf(err, errlen, "%s: generation_defaults.\"%s\".%s: expected a %s", llms_path,
                     d->string, F[i].key, F[i].kind == 'b' ? "boolean" : "number");
            return 2;
        }
        if (F[i].kind == 'b')
            *(int *)dst = cJSON_IsTrue(v);
        else if (F[i].kind == 'i')
            *(int *)dst = (int)v->valuedouble;
        else
            *(double *)dst = v->valuedouble;
    }
    return 0;
}

int gpt_model_prepare(const char *llms_path, const gpt_task *t, gpt_model_info *mi, char *err,
                      size_t errlen)
{
    memset(mi, 0, sizeof *mi);
    cJSON *root = rfile_json(llms_path, err, errlen);
    if (!root)
        return 2;
    const cJSON *hit = find_entry(root, llms_path, t->model, err, errlen);
    int rc = 1;
    if (hit && !(rc = load_entry(llms_path, hit, t->model, &mi->cfg, err, errlen))) {
        mi->auto_dtype = auto_dtype(hit);
        mi->wtype = gpt_weight_type(t, mi->auto_dtype);
        mi->gen = t->gen;
        const cJSON *run = cJSON_GetObjectItemCaseSensitive(hit, "runnable"),
                    *why = cJSON_GetObjectItemCaseSensitive(hit, "why"),
                    *tf = cJSON_GetObjectItemCaseSensitive(hit, "transformers");
        mi->runnable = !cJSON_IsFalse(run);
        if (cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(hit, "priced"))) {
            snprintf(err, errlen, "$.model: %s is recorded in %s but not modelled: %s",
                     mi->cfg.name, llms_path, cJSON_IsString(why) ? why->valuestring : "");
            cJSON_Delete(root);
            return 2;
        }
        if (!mi->runnable)
            snprintf(mi->why, sizeof mi->why, "%s",
                     cJSON_IsString(why) ? why->valuestring : "its architecture");
        /* the Helium-era framework pins transformers 4.35.2
         * (crynux-ai/gpt-task requirements_cuda.txt, until 2024-12-02) */
        int maj = 0, min = 0;
        if (cJSON_IsString(tf) && sscanf(tf->valuestring, "%d.%d", &maj, &min) == 2 &&
            (maj > 4 || (maj == 4 && min > 35)))
            snprintf(mi->note, sizeof mi->note,
                     "%s needs transformers >= %s; the Helium-era framework pins 4.35.2 "
                     "(until 2024-12), where loading it fails",
                     mi->cfg.name, tf->valuestring);
        rc = apply_defaults(llms_path, hit, t, &mi->gen, err, errlen);
        if (!rc && gpt_gen_check(&mi->gen, NULL, err, errlen)) {
            rc = 2;
            size_t k = strlen(err);
            if (!(t->gen_set & GPT_GEN_DO_SAMPLE) && mi->gen.do_sample && k < errlen)
                snprintf(err + k, errlen - k, " (do_sample true is %s's own default)", t->model);
        }
    }
    cJSON_Delete(root);
    return rc;
}

double gpt_host_bytes(const kern_model_cfg *c, kern_type wt, int max_seq, int slots,
                      int prompt_tokens)
{
    double h = c->hidden, hd = h / c->heads, kvd = c->kv_heads * hd, f = c->ffn, S = max_seq,
           N = prompt_tokens > 1 ? prompt_tokens : 1;
    double rb = (double)kern_row_bytes(wt, (size_t)c->hidden),
           rbf = (double)kern_row_bytes(wt, (size_t)c->ffn);
    double layer = (2 * h + 2 * kvd) * rb + f * rb * (c->arch == KERN_ARCH_LLAMA ? 2 : 1) + h * rbf;
    double w = c->layers * layer + c->vocab * rb + c->vocab * h * 2; /* head + FP16 embedding */
    if (c->arch == KERN_ARCH_GPT2)
        w += c->context * h * 4;
    double kv = (double)slots * c->layers * 2 * S * kvd * 4;
    double scratch = N * (6 * h + 2 * kvd + 2 * f) * 4 + c->heads * N * S * 4 + S * hd * 4 +
                     (wt == KERN_Q8_0 || wt == KERN_Q4_0 ? N * (h + f) * 4 : 0);
    return w + kv + scratch + (double)c->vocab * 4 * (slots + 2);
}

/* ---- the kern_model behind a gpt_lm */

static void use_slot(gpt_kern_lm *k, int s)
{
    for (int l = 0; l < k->m->cfg.layers; l++) {
        k->m->L[l].kc = k->kc[(size_t)s * (size_t)k->m->cfg.layers + (size_t)l];
        k->m->L[l].vt = k->vt[(size_t)s * (size_t)k->m->cfg.layers + (size_t)l];
    }
}

static void ban(const gpt_kern_lm *k, float *logits)
{
    for (int i = 0; i < k->n_banned; i++)
        logits[k->banned[i]] = -INFINITY;
}

static int lm_prefill(void *ctx, int slot, const int *tok, int n, float *logits)
{
    gpt_kern_lm *k = ctx;
    use_slot(k, slot);
    double t0 = gpt_now();
    int rc = kern_model_forward(k->m, tok, n, 0, logits);
    k->prefill_s += gpt_now() - t0;
    ban(k, logits);
    if (k->host)
        k->pred_prefill_s += tim_host_forward_seconds(k->host, &k->m->cfg, k->m->wtype, n, 0);
    return rc;
}

static int lm_decode(void *ctx, int slot, int tok, int pos, float *logits)
{
    gpt_kern_lm *k = ctx;
    use_slot(k, slot);
    double t0 = gpt_now();
    int rc = kern_model_forward(k->m, &tok, 1, pos, logits);
    k->decode_s += gpt_now() - t0;
    ban(k, logits);
    k->decode_steps++;
    if (k->host)
        k->pred_decode_s += tim_host_forward_seconds(k->host, &k->m->cfg, k->m->wtype, 1, pos);
    return rc;
}

/* Slot j takes slot parent[j]'s cache: the first child of a parent takes its
 * buffers as they are, further children get the buffers of parents without
 * children, filled by copying.  O(layers x npos x kv width) per copy. */
static int lm_reorder(void *ctx, const int *parent, int npos)
{
    gpt_kern_lm *k = ctx;
    int S = k->nslots, L = k->m->cfg.layers;
    size_t kvd = (size_t)k->m->cfg.kv_heads * (size_t)k->m->head_dim,
           ms = (size_t)k->m->max_seq, n = (size_t)S * (size_t)L;
    float **okc = malloc(n * sizeof *okc), **ovt = malloc(n * sizeof *ovt);
    int *uses = calloc((size_t)S, sizeof *uses), *taken = calloc((size_t)S, sizeof *taken);
    int rc = okc && ovt && uses && taken ? 0 : -1;
    if (!rc) {
        memcpy(okc, k->kc, n * sizeof *okc);
        memcpy(ovt, k->vt, n * sizeof *ovt);
        for (int j = 0; j < S; j++)
            uses[parent[j]]++;
        int spare = 0;
        for (int j = 0; j < S; j++) {
            int p = parent[j], src = p;
            if (!taken[p]) {
                taken[p] = 1;
            } else { /* a buffer nobody inherits, then a copy */
                while (uses[spare])
                    spare++;
                src = spare++;
                for (int l = 0; l < L; l++) {
                    size_t a = (size_t)p * (size_t)L + (size_t)l,
                           b = (size_t)src * (size_t)L + (size_t)l;
                    memcpy(okc[b], okc[a], (size_t)npos * kvd * sizeof(float));
                    for (size_t d = 0; d < kvd; d++)
                        memcpy(ovt[b] + d * ms, ovt[a] + d * ms, (size_t)npos * sizeof(float));
                }
            }
            for (int l = 0; l < L; l++) {
                k->kc[(size_t)j * (size_t)L + (size_t)l] = okc[(size_t)src * (size_t)L + (size_t)l];
                k->vt[(size_t)j * (size_t)L + (size_t)l] = ovt[(size_t)src * (size_t)L + (size_t)l];
            }
        }
    }
    free(okc);
    free(ovt);
    free(uses);
    free(taken);
    return rc;
}

int gpt_kern_lm_init(gpt_kern_lm *k, kern_model *m, int slots, const tim_host *host, gpt_lm *lm)
{
    memset(k, 0, sizeof *k);
    k->m = m;
    k->nslots = slots;
    k->host = host;
    size_t L = (size_t)m->cfg.layers, n = (size_t)slots * L;
    size_t bytes =
        (size_t)m->max_seq * (size_t)m->cfg.kv_heads * (size_t)m->head_dim * sizeof(float);
    k->kc = calloc(n, sizeof *k->kc);
    k->vt = calloc(n, sizeof *k->vt);
    if (!k->kc || !k->vt)
        goto oom;
    for (size_t l = 0; l < L; l++) { /* slot 0: the model's own buffers */
        k->kc[l] = m->L[l].kc;
        k->vt[l] = m->L[l].vt;
    }
    for (size_t i = L; i < n; i++)
        if (!(k->kc[i] = kern_alloc(bytes)) || !(k->vt[i] = kern_alloc(bytes)))
            goto oom;
    *lm = (gpt_lm){k, m->cfg.vocab, slots, lm_prefill, lm_decode, lm_reorder};
    return 0;
oom:
    gpt_kern_lm_free(k);
    return -1;
}

void gpt_kern_lm_free(gpt_kern_lm *k)
{
    if (!k->m)
        return;
    size_t L = (size_t)k->m->cfg.layers, n = (size_t)k->nslots * L;
    /* hand the model back one set of buffers to free as its own */
    for (size_t l = 0; k->kc && k->vt && l < L; l++) {
        k->m->L[l].kc = k->kc[l];
        k->m->L[l].vt = k->vt[l];
    }
    for (size_t i = L; k->kc && k->vt && i < n; i++) {
        kern_free(k->kc[i]);
        kern_free(k->vt[i]);
    }
    free(k->kc);
    free(k->vt);
    memset(k, 0, sizeof *k);
}
