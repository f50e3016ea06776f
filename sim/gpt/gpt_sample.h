/* gpt_sample: next-token choice and the generation loops.
 *
 * The logits pass through the same steps, in the same order, as in the
 * transformers library: repetition_penalty on every token already in the
 * sequence, then (when sampling) temperature, top_k, top_p, typical_p; then
 * greedy argmax, a draw from a GSL stream seeded from the task seed, or beam
 * search.  Every sum runs in a fixed order, so the choice depends only on
 * the logits and the seed. */
#ifndef AVRAMI_GPT_GPT_SAMPLE_H
#define AVRAMI_GPT_GPT_SAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

typedef struct {
    double temperature;   /* 1: unchanged */
    int top_k;            /* 0: off */
    double top_p;         /* 1: off */
    double typical_p;     /* 1: off */
    int min_keep;         /* tokens every filter keeps: 1, 2 with beams */
} gpt_warp;

/* score / penalty where positive, score * penalty where negative, once per
 * distinct token of prev (seen: n bytes of scratch). */
void gpt_repetition_penalty(float *scores, int n, const int *prev, int n_prev, double penalty,
                            unsigned char *seen);
/* Probabilities p (n) after temperature, top_k, top_p and typical_p, zero for
 * the tokens filtered out.  idx (n ints) and tmp (n doubles) are scratch.
 * Returns the number of tokens kept.  top_k is one pass, O(n log k) at
 * worst; after it top_p and the softmax walk the m tokens it kept (a sort,
 * O(m log m)); typical_p sorts all, O(n log n). */
int gpt_distribution(const float *scores, int n, const gpt_warp *w, double *p, int *idx,
                     double *tmp);
int gpt_argmax(const float *v, int n);      /* first maximum */
int gpt_draw(const double *p, int n, gsl_rng *r);
/* log_softmax in double */
void gpt_log_softmax(const float *v, int n, double *out);

/* ---- generation over any language model */

/* A model with `nslots` independent KV caches.  prefill and decode write
 * `vocab` logits; reorder makes slot j a copy of slot parent[j] (for all j
 * at once) over the first npos positions. */
typedef struct {
    void *ctx;
    int vocab, nslots;
    int (*prefill)(void *ctx, int slot, const int *tok, int n, float *logits);
    int (*decode)(void *ctx, int slot, int tok, int pos, float *logits);
    int (*reorder)(void *ctx, const int *parent, int npos);
} gpt_lm;

typedef struct {
    int greedy;           /* argmax (do_sample false or temperature 0) */
    gpt_warp warp;
    double repetition_penalty;
    int max_new_tokens, num_beams, num_sequences;
    int n_vocab;          /* tokens that may be chosen: ids [0, n_vocab) */
    int eos;
    uint64_t seed;
} gpt_gen;

typedef struct {
    int *tok;             /* generated tokens, EOS included when stopped */
    int n;
    int stopped;          /* ended with EOS */
    double score;         /* beam search: length-normalized log-probability */
} gpt_seq;

/* Slots needed: num_beams for beam search, 2 for several sampled sequences
 * (one keeps the prompt's cache), else 1. */
int gpt_gen_slots(const gpt_gen *g);
/* Fills out[0 .. num_sequences).  0, or -1 (model error, out of memory). */
int gpt_generate(const gpt_lm *lm, const gpt_gen *g, const int *prompt, int n_prompt,
                 gpt_seq *out);
void gpt_seqs_free(gpt_seq *s, int n);
/* usage.completion_tokens as the Helium-era framework counts it
 * (crynux-ai/gpt-task inference.py @ 04a1ac3: len(ids) - prompt per choice):
 * the choices come back as one batch padded to the longest, so each counts
 * as long as the longest, n x max(len). */
int gpt_completion_tokens(const gpt_seq *s, int n);
/* The GSL seed of sequence i of a task seed. */
unsigned long gpt_stream_seed(uint64_t seed, int i);

#endif
