/* kern_model: transformer forward passes on synthetic weights with the exact
 * shapes of real models (models/llms.json): LLaMA-style (RMSNorm, rotary,
 * SwiGLU, grouped-query attention), GPT-2-style (LayerNorm, learned
 * positions, GELU) and Phi-style (LayerNorm, partial rotary, attention and
 * MLP in parallel).  What is measured is speed and numerics, not language:
 * weights come from a seed, never from a checkpoint. */
#ifndef AVRAMI_KERNELS_KERN_MODEL_H
#define AVRAMI_KERNELS_KERN_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/kern.h"

typedef enum { KERN_ARCH_LLAMA = 0, KERN_ARCH_GPT2, KERN_ARCH_PHI } kern_arch;

typedef struct {
    char name[64];
    char family[32];
    kern_arch arch;
    int layers, hidden, heads, kv_heads, ffn, vocab, context;
    float norm_eps, rope_theta, rotary_fraction;
    int qkv_bias, tied_embeddings;
    char source[320];
} kern_model_cfg;

/* Loads one model's shape from llms.json.  Returns 0; 1 when the file has no
 * such model; 2 when the file is unreadable or malformed (err says the file,
 * the JSON path and what was expected). */
int kern_model_cfg_load(const char *path, const char *name, kern_model_cfg *cfg, char *err,
                        size_t errlen);
/* Names of all models in the file, comma-separated, into buf. */
int kern_model_list(const char *path, char *buf, size_t len);

/* Parameter counts: all weights, and those read once per decoded token by
 * the matrix products (everything but the embedding table). */
double kern_model_params(const kern_model_cfg *c);
double kern_model_matmul_params(const kern_model_cfg *c);
/* FP32 K+V cache bytes per token of context. */
double kern_model_kv_bytes_per_token(const kern_model_cfg *c);

typedef struct {
    kern_mat wq, wk, wv, wo;       /* (heads*hd | kv*hd, hidden), (hidden, hidden) */
    kern_mat w1, w2, w3;           /* up (ffn, hidden), down (hidden, ffn), gate (ffn, hidden) */
    float *n1w, *n1b, *n2w, *n2b;  /* (hidden) norm weights and biases */
    float *bq, *bk, *bv, *bo, *b1, *b2; /* biases, NULL where the arch has none */
    float *kc;                     /* (max_seq, kv*hd) key cache */
    float *vt;                     /* (kv*hd, max_seq) value cache, transposed */
} kern_layer;

typedef struct {
    kern_model_cfg cfg;
    kern_type wtype;
    int max_seq, head_dim, rot_dim;
    const kern_profile *profile;
    kern_mat tok_emb;              /* (vocab, hidden) FP16 */
    float *pos_emb;                /* (context, hidden) GPT-2 only */
    kern_layer *L;
    float *nfw, *nfb;              /* final norm */
    kern_mat head;                 /* (vocab, hidden) */
    float *bhead;
    float *rope_cos, *rope_sin;    /* (max_seq, rot_dim/2) */
    /* scratch, sized for `cap` tokens */
    int cap;
    int cap_n;                     /* tokens in the pass under way */
    float *x, *xn, *q, *k, *v, *att, *h1, *h3, *scores, *qh, *oh, *tmp;
    kern_qact qa_h, qa_f;
    double weight_bytes;
} kern_model;

/* The leading dimensions of each head the rotary embedding turns (even; 0
 * for GPT-2's learned positions). */
int kern_model_rot_dim(const kern_model_cfg *c);

/* Allocates and synthesizes every weight (deterministic in seed), with KV
 * room for max_seq tokens.  Returns 0 or -1 (out of memory, bad shape). */
int kern_model_init(kern_model *m, const kern_model_cfg *cfg, kern_type wtype, int max_seq,
                    uint64_t seed, const kern_profile *profile);
void kern_model_free(kern_model *m);

/* Runs n tokens at positions pos0..pos0+n-1 through the model (n > 1 is a
 * prefill, n == 1 a decode step); logits of the last one into `logits`
 * (vocab floats) when not NULL.  Returns 0, -1 past max_seq. */
int kern_model_forward(kern_model *m, const int *tokens, int n, int pos0, float *logits);

/* Greedy generation: prefill the prompt, then n_new decode steps; the new
 * tokens go to out.  Returns 0 or -1. */
int kern_model_generate(kern_model *m, const int *prompt, int n_prompt, int n_new, int *out);

/* --- elementwise pieces (kern_ops.c); all in fixed sequential order */
void kern_rmsnorm(float *o, const float *x, const float *w, int n, float eps);
void kern_layernorm(float *o, const float *x, const float *w, const float *b, int n, float eps);
void kern_softmax(float *x, int n);
float kern_silu(float x);
float kern_gelu(float x); /* tanh approximation, as GPT-2 and Phi use */
/* Rotates the first rot_dim dims of each head_dim-long head in place. */
void kern_rope(float *v, int nheads, int head_dim, int rot_dim, const float *cos_t,
               const float *sin_t);

#endif
