/* gpt_model: a kern_model with several KV-cache slots as a gpt_lm (beam
 * search and multiple sequences), timing each forward pass and, when host
 * roofs are given, summing the timing model's prediction for the same
 * passes. */
#ifndef AVRAMI_GPT_GPT_MODEL_H
#define AVRAMI_GPT_GPT_MODEL_H

#include "gpt/gpt_sample.h"
#include "kernels/kern_model.h"
#include "timing/tim.h"

typedef struct {
    kern_model *m;
    int nslots;
    float **kc, **vt;             /* (slot, layer) cache buffers */
    const tim_host *host;         /* NULL: no prediction */
    const int *banned;            /* ids whose logits are set to -inf after each pass */
    int n_banned;
    double prefill_s, decode_s;   /* measured, inside kern_model_forward */
    double pred_prefill_s, pred_decode_s;
    int decode_steps;
} gpt_kern_lm;

/* 0, or -1 out of memory (nothing left allocated). */
int gpt_kern_lm_init(gpt_kern_lm *k, kern_model *m, int slots, const tim_host *host, gpt_lm *lm);
/* Frees the extra slots; call before kern_model_free. */
void gpt_kern_lm_free(gpt_kern_lm *k);

#endif
