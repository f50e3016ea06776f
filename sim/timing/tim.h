/* tim: how long a Helium task takes on a given card — the timing model the
 * simulator calls for every gpt and sd task.
 *
 * gpt task = model load (download when not cached, then disk to VRAM)
 *          + prefill of the prompt (compute-bound: 2 * params FLOPs / token)
 *          + max_new_tokens decode steps (memory-bound: every weight and the
 *            KV cache read once per step, for all beams x sequences at once)
 *          + fixed overheads.
 * sd task  = model load + steps x UNet forward (x2 for classifier-free
 *            guidance) scaled by pixels + VAE decode + overheads.
 * A card contributes peak bandwidth and FLOPS times an efficiency: the share
 * of peak that LLM inference actually reaches on it, from published
 * measurements or, lacking them, from this host's calibration. */
#ifndef AVRAMI_TIMING_TIM_H
#define AVRAMI_TIMING_TIM_H

#include <stddef.h>

#include "kernels/kern_model.h"

/* Weight formats with published per-card measurements (llama.cpp names). */
typedef enum { TIM_W_Q4_0 = 0, TIM_W_Q8_0 = 1, TIM_W_F16 = 2, TIM_NW = 3 } tim_weights;

/* Architecture families: cards of one family share how close to peak
 * inference runs, so a card without its own measurement can borrow its
 * family's.  Order and names are those of models/cards.json "family". */
typedef enum {
    TIM_F_VOLTA, TIM_F_TURING, TIM_F_AMPERE, TIM_F_ADA, TIM_F_HOPPER, TIM_F_BLACKWELL,
    TIM_F_APPLE_M1, TIM_F_APPLE_M2, TIM_F_APPLE_M3, TIM_F_APPLE_M4, TIM_NFAMILIES
} tim_family;

/* "Volta" ... "Apple M4"; "?" out of range. */
const char *tim_family_name(tim_family f);
/* The family named s (exact spelling), or -1. */
int tim_family_of_name(const char *s);

typedef struct {
    char name[64];
    tim_family family;
    double mem_gb;         /* VRAM or unified memory */
    double bw_gbs;         /* peak memory bandwidth, GB/s */
    double fp16_tflops;    /* dense FP16 (tensor cores where the card has them) */
    double fp32_tflops;
    double eff_bw;         /* share of bw_gbs reached by decode (any weights) */
    double eff_compute;    /* share of fp16_tflops reached by prefill */
    int eff_from_host;     /* 1 when either efficiency is the host's default */
    /* Derived from the card's published measurements, per weight format;
     * 0 where the format was not measured (eff_bw / eff_compute apply). */
    double eff_bw_w[TIM_NW], eff_compute_w[TIM_NW];
    int bw_from_host, compute_from_host;
} tim_card;

/* 16 -> F16, 8 or 8.5 -> Q8_0, 4 or 4.5 -> Q4_0. */
tim_weights tim_weights_of_bits(double bits);
const char *tim_weights_name(tim_weights w);
/* The efficiencies the timing model uses for weights of `bits`: the card's
 * measurement for that format where there is one, else its default.
 * *measured (may be NULL): 1 when both came from that format's measurement. */
void tim_card_eff(const tim_card *c, double bits, double *eff_bw, double *eff_compute,
                  int *measured);

typedef enum { TIM_GPT = 0, TIM_SD = 1 } tim_kind;

typedef struct {
    char name[64];
    tim_kind kind;
    kern_model_cfg llm;    /* gpt: shapes */
    /* sd: per-forward costs at 512 x 512 (see models/sd.json) */
    double sd_params, unet_gflops_512, vae_gflops_512, sd_act_gb_512;
    int sd_native;         /* native resolution (512, 768, 1024) */
} tim_model;

typedef struct {
    /* gpt */
    int prompt_tokens, max_new_tokens, num_beams, num_sequences;
    double bits;           /* bits per weight: 16, 8 (Q8_0 = 8.5), 4 (Q4_0 = 4.5) */
    /* sd */
    int steps, width, height, images;
    /* both */
    int cached;            /* model files already on the node's disk */
    int resident;          /* model already loaded in VRAM (no load at all) */
    double net_gbs;        /* download speed when not cached, GB/s */
    double disk_gbs;       /* disk to VRAM, GB/s */
    double overhead_s;     /* fixed per task: process start, tokenizer, upload */
} tim_workload;

typedef struct {
    double load_s, prefill_s, decode_s, overhead_s, total_s;
    double prefill_tps, decode_tps; /* gpt: tokens/s (decode: per sequence) */
    double step_s, vae_s;           /* sd */
    double vram_gb;
} tim_breakdown;

/* A workload with the defaults: 128-token prompt, 256 new tokens, one beam
 * and sequence, 16-bit weights, cached, 1 GB/s disk, 0.1 GB/s network, 1 s. */
void tim_workload_default(tim_workload *w, tim_kind kind);

double tim_task_seconds(const tim_model *m, const tim_card *c, const tim_workload *w);
void tim_task_breakdown(const tim_model *m, const tim_card *c, const tim_workload *w,
                        tim_breakdown *out);
double tim_vram_needed_gb(const tim_model *m, const tim_workload *w);
/* Weight bytes read per decoded token / FLOPs per prompt token. */
double tim_weight_bytes(const tim_model *m, double bits);

/* ---- data files.  Return 0; 1 unknown name; 2 unreadable or malformed file
 * (err names the file, the JSON path and what was expected).  tim_card_load
 * checks every card of the file, not only the one asked for: each figure
 * needs a source, each card published measurements or a note that the host
 * default is used, and every derived efficiency must lie in (0, 1]. */
int tim_card_load(const char *path, const char *name, tim_card *c, char *err, size_t errlen);
int tim_card_list(const char *path, char *buf, size_t len);
/* Every card of the file, in file order, into a new array (free() it).
 * 0, or 2 with err. */
int tim_card_load_all(const char *path, tim_card **cards, int *n, char *err, size_t errlen);
/* The position in the file of the card whose name or alias is `name`
 * (ignoring case).  0; 1 unknown name; 2 bad file (err). */
int tim_card_index(const char *path, const char *name, int *index, char *err, size_t errlen);
/* gpt models from llms.json, sd models from sd.json (same directory). */
int tim_model_load(const char *llms_path, const char *sd_path, const char *name, tim_model *m,
                   char *err, size_t errlen);

/* ---- host roofline (calibration) */
typedef struct {
    double F;  /* FLOP/s */
    double B;  /* bytes/s */
    double c;  /* seconds per call */
} tim_roof;

static inline double tim_roof_time(const tim_roof *r, double flops, double bytes)
{
    double a = flops / r->F, b = bytes / r->B;
    return (a > b ? a : b) + r->c;
}

typedef struct {
    int threads;
    tim_roof roof[KERN_NTYPES]; /* per weight type; F == 0: not calibrated */
    double read_gbs;            /* measured read bandwidth */
    /* single-threaded per-element costs outside the products, seconds:
     * activation quantization and one exp-based activation (SiLU, GELU,
     * softmax); they grow with the tokens of a prefill */
    double quant_s, act_s;
    /* single-threaded seconds per element of a pass over a token's row
     * (norms, residual adds, rotary embedding, cache writes): the fixed
     * cost every token pays outside the products */
    double elem_s;
    double host_eff_bw;         /* Q4_0 matvec bandwidth / read bandwidth */
} tim_host;

/* Loads the roofs for `threads` from host.json.  0, or 2 with err. */
int tim_host_load(const char *path, int threads, tim_host *h, char *err, size_t errlen);

/* Predicted seconds for one forward of n tokens at positions pos0.. on the
 * host, from its per-kernel roofs: every product, attention, the head. */
double tim_host_forward_seconds(const tim_host *h, const kern_model_cfg *c, kern_type t, int n,
                                int pos0);
/* Time of one product (m, n, k) of weight type t under the host roofs. */
double tim_host_gemm_seconds(const tim_host *h, kern_type t, size_t m, size_t n, size_t k);

/* Cross-profile divergence experiment (tim_diverge.c): writes JSON to out
 * (NULL: print only).  0, or 2 for an unknown model / unwritable file. */
int tim_divergence(const char *llms, const char *model, kern_type t, int prompts, int tokens,
                   const char *out);

#endif
