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

/* The software a node runs a task with (docs/timing.md).  Helium's nodes ran
 * gpt tasks on transformers and sd tasks on diffusers; llama.cpp is the
 * runtime the host kernels mirror. */
typedef enum { TIM_RT_LLAMACPP = 0, TIM_RT_TRANSFORMERS = 1, TIM_RT_DIFFUSERS = 2, TIM_NRT = 3 } tim_runtime;
const char *tim_runtime_name(tim_runtime r);
/* "llama.cpp", "transformers" or "diffusers": 0, else -1. */
int tim_runtime_parse(const char *s, tim_runtime *out);

/* Where a card's efficiency comes from: its own published measurements, the
 * mean of its architecture family's, of its vendor's, or of every measured
 * card of the runtime. */
typedef enum { TIM_SRC_NONE = 0, TIM_SRC_CARD, TIM_SRC_FAMILY, TIM_SRC_VENDOR, TIM_SRC_RUNTIME } tim_src;
const char *tim_src_name(tim_src s);

typedef struct {
    char name[64];
    tim_family family;
    char vendor[16];       /* "NVIDIA", "Apple" */
    int hbm;               /* HBM memory (cards.json "memory"), not GDDR or LPDDR */
    double mem_gb;         /* VRAM or unified memory */
    double bw_gbs;         /* peak memory bandwidth, GB/s */
    double fp16_tflops;    /* dense FP16 (tensor cores where the card has them) */
    double fp16_acc32_tflops; /* the same with FP32 accumulate (half rate on GeForce
                                 cards); TF32 runs at half of it */
    double fp32_tflops;
    double int32_tops;     /* INT32 multiply-add rate where cards.json gives it (GA100),
                              else 0: tim_card_int32 derives it from the family */
    double tdp_w;          /* board power (TDP), W, where cards.json gives it; else 0: no
                              power limit is modelled for the card */
    char process[24];      /* the die's foundry process ("TSMC 4N"), where cards.json
                              gives it; else "" */
    /* Fitted from models/validation/fit.json (tim_fit.c), per llama.cpp
     * weight format: decode's share of bw_gbs, prefill's share of
     * fp16_tflops; *_src says whose measurements gave it. */
    double eff_bw_w[TIM_NW], eff_compute_w[TIM_NW];
    tim_src bw_src[TIM_NW], compute_src[TIM_NW];
    /* diffusers: the UNet's share of fp16_tflops, and the fixed seconds
     * per denoising step (the eager pipeline's launches and scheduler work),
     * runtime-wide */
    double eff_sd;
    tim_src sd_src;
    /* the power limit's share in each compute figure (llama.cpp prompt per
     * format, then the UNet's): 1 where the card was not scaled */
    double power_share[TIM_NW + 1];
    double sd_step_s;
    /* transformers: host seconds per decoder layer of one eager forward, and
     * the extra per quantized linear layer (bitsandbytes LLM.int8 / 4-bit);
     * runtime-wide figures of the median benchmark machine, fitted on the
     * transformers rows (tim_tfhost.c) */
    double tf_layer_s, tf_int8_s, tf_4bit_s;
    /* llama.cpp: fixed seconds per forward on the vendor's backend (CUDA,
     * Metal), fitted with the efficiencies */
    double lc_token_s;
} tim_card;

/* The FP16 tensor rate with FP32 accumulate, TFLOPS; fp16_tflops where the
 * card does not say otherwise.  PyTorch's FP16 products run at it (cuBLAS
 * with compute type CUDA_R_32F: transformers' FP16 matmuls, docs/timing.md). */
static inline double tim_card_acc32(const tim_card *c)
{
    return c->fp16_acc32_tflops > 0 ? c->fp16_acc32_tflops : c->fp16_tflops;
}

/* The rate of FP32 convolutions under PyTorch, TFLOPS: cuDNN runs them on
 * the tensor cores as TF32 (torch.backends.cudnn.allow_tf32 is on by
 * default) from Ampere on, at half the FP32-accumulate FP16 rate (on
 * GeForce cards no faster than the FP32 ALUs); earlier NVIDIA parts and
 * Apple GPUs use the FP32 ALUs. */
double tim_card_conv32(const tim_card *c);

/* The SMs' INT32 multiply-add rate (2 ops per lane per clock): the card's
 * int32_tops, else fp32_tflops where every FP32 lane also does INT32
 * (Volta, Turing, Blackwell), half of it where half do (GA10x Ampere, Ada,
 * Hopper). */
double tim_card_int32(const tim_card *c);

/* The peak llama.cpp's prompt processing of weights w is measured against:
 * on Apple the FP16 ALUs; on NVIDIA, for quantized weights, the SMs' INT8
 * dot-product (DP4A) rate, 4 x tim_card_int32 (its quantized kernels, MMQ,
 * scale with the SMs' integer issue rate, not with the tensor peak:
 * docs/timing.md), and for F16 weights (and a quantized prompt expanded to
 * FP16, lc_dequant_gemm) the FP16 tensor rate with FP16 accumulation,
 * fp16_tflops: cuBLAS GemmEx with CUBLAS_COMPUTE_16F, full rate on GeForce
 * cards too (ggml-cuda.cu ggml_cuda_op_mul_mat_cublas, ggml-org/llama.cpp
 * 8fe03ff of December 2023 and c392e50 of February 2025). */
double tim_card_lc_peak(const tim_card *c, tim_weights w);

/* The share of a compute-bound rate a card keeps when it has w_per_peak
 * watts of board power per unit of peak against a reference card's
 * ref_w_per_peak (same die line): 1 at or above it, else (w / ref)^k with k
 * measured on a power-capped card (tim_model.c). */
double tim_power_clock_share(double w_per_peak, double ref_w_per_peak);
/* tim_power_clock_share with the exponent k */
double tim_power_share_k(double w_per_peak, double ref_w_per_peak, double k);
/* The exponents: the one measured on games (0.276), which
 * tim_power_clock_share uses, and the one of the tensor cores' FP16
 * product (llama.cpp's F16 prompts on NVIDIA), chosen on fit.json */
double tim_power_exponent_games(void);
double tim_power_exponent_tensor(void);

/* The share of the November 2023 Metal rate (the Apple rows fitted on) that
 * llama.cpp's Metal backend of August 2023 reached on the same chip, for a
 * prompt (prefill 1) or a decoded token (0) with weights `w`; published
 * figures, tim_model.c. */
double tim_lc_early_metal_share(tim_weights w, int prefill);

/* Seconds that llama.cpp's ./main adds to the one prompt it times on a CUDA
 * card, against llama-bench's warm repetitions of the same pass; published
 * figures, tim_model.c. */
double tim_lc_main_prompt_s(void);

/* How much longer the expansion of a quantized matrix to FP16 took in
 * llama.cpp's CUDA builds before PR 4809 (2024-01-07), whose kernel
 * computed, read and wrote every value twice; published figure,
 * tim_model.c. */
double tim_lc_dequant_twice_factor(void);

/* The streaming rate (bytes/s) of diffusers' memory-bound kernels: the
 * card's FP16 streaming share of its peak bandwidth. */
double tim_card_sd_bytes_s(const tim_card *c);
/* The kernel torch 2.0/2.1's scaled_dot_product_attention runs on a card
 * (tim_unet.c): the flash kernel on sm75 and sm8x (Turing, Ampere, Ada);
 * the memory-efficient kernel, counted as the architecture says, on other
 * NVIDIA cards; the composite math path, which writes the score matrix,
 * on MPS (Apple). */
typedef enum { TIM_SDPA_FUSED = 0, TIM_SDPA_FLASH = 1, TIM_SDPA_MATH = 2 } tim_sdpa;
tim_sdpa tim_card_sdpa(const tim_card *c);

/* 16 -> F16, 8 or 8.5 -> Q8_0, 4 or 4.5 -> Q4_0. */
tim_weights tim_weights_of_bits(double bits);
const char *tim_weights_name(tim_weights w);
/* The llama.cpp efficiencies for weights of `bits`.  *measured (may be
 * NULL): 1 when both came from the card's own measurement of that format. */
void tim_card_eff(const tim_card *c, double bits, double *eff_bw, double *eff_compute,
                  int *measured);

typedef enum { TIM_GPT = 0, TIM_SD = 1 } tim_kind;

/* A diffusers UNet2DConditionModel as its config.json gives it (models/
 * sd.json "unet"): channels and transformer layers per level (0: no
 * attention there), the middle block's layers, the text encoder's width. */
#define TIM_UNET_MAX_LEVELS 4
typedef struct {
    int levels;
    double ch[TIM_UNET_MAX_LEVELS], cross_dim;
    int layers[TIM_UNET_MAX_LEVELS], mid_layers;
    int heads[TIM_UNET_MAX_LEVELS]; /* attention heads per level (the middle block: the last) */
} tim_unet;

/* tim_unet.c: FLOPs of one forward of one image at latent_px latent
 * pixels (64 x 64 for 512 x 512), as counted from the architecture; the
 * seconds of a forward of `batch` images as the sum over its kernels of
 * max(FLOPs / flops_s, bytes / bytes_s), with attention as the `sdpa`
 * kernel runs it (tim_card_sdpa); the compute efficiency (share of
 * peak_flops_s) at which a forward takes `seconds`, 1 when even the peak
 * does not reach it. */
double tim_unet_gflops(const tim_unet *u, double latent_px);
double tim_unet_seconds(const tim_unet *u, double latent_px, double batch, tim_sdpa sdpa,
                        double flops_s, double bytes_s);
double tim_unet_eff(const tim_unet *u, double latent_px, double batch, tim_sdpa sdpa,
                    double peak_flops_s, double bytes_s, double seconds);

typedef struct {
    char name[64];
    tim_kind kind;
    kern_model_cfg llm;    /* gpt: shapes */
    /* sd: per-forward costs at 512 x 512 (see models/sd.json) */
    double sd_params, unet_gflops_512, vae_gflops_512, sd_act_gb_512;
    int sd_native;         /* native resolution (512, 768, 1024) */
    int sd_vae_fp32;       /* diffusers upcasts the VAE to FP32 (force_upcast) */
    tim_unet unet;         /* sd: the UNet's architecture */
} tim_model;

typedef struct {
    /* gpt */
    int prompt_tokens, max_new_tokens, num_beams, num_sequences;
    double bits;           /* bits per weight: llama.cpp 16, 8.5 (Q8_0), 4.5 (Q4_0);
                              transformers 32, 16, 8 (LLM.int8), 4 (bitsandbytes 4-bit) */
    tim_runtime runtime;   /* gpt: llama.cpp or transformers (sd: always diffusers) */
    int launch_blocking;   /* transformers: CUDA_LAUNCH_BLOCKING=1, as gpt-task sets */
    int tf_4bit_fp16;      /* transformers 4-bit: bnb_4bit_compute_dtype float16 (an FP16
                              product, as benchmarks set it); gpt-task's load_in_4bit
                              computes in float32 */
    int lc_dequant_gemm;   /* llama.cpp built before June 2024 (ggml-org/llama.cpp PR 8075):
                              on NVIDIA a quantized prompt is dequantized to FP16 and
                              multiplied by cuBLAS instead of by the MMQ kernels */
    int lc_dequant_twice;  /* llama.cpp built before 2024-01-07 (PR 4809): the expansion
                              of lc_dequant_gemm computes every value twice
                              (tim_lc_dequant_twice_factor) */
    int lc_early_metal;    /* llama.cpp built before September 2023: on Apple the Metal
                              kernels of August 2023 (tim_lc_early_metal_share) */
    int lc_no_graphs;      /* llama.cpp built before May 2024 (PR 6766): no CUDA graph,
                              every kernel of a decoded token launched on its own */
    int lc_main_prompt;    /* llama.cpp's ./main timing the one prompt of a fresh process
                              (after its two-token warm-up), not llama-bench's warm
                              repetitions: on NVIDIA the prompt carries the process's
                              first-prompt cost (tim_lc_main_prompt_s) */
    /* sd */
    int steps, width, height, images;
    int sd_batch;          /* images per pipeline call (stable-diffusion-task: 1; the
                              validation rows: the benchmark's batch) */
    /* both */
    int cached;            /* model files already on the node's disk */
    int resident;          /* model already loaded in VRAM (no load at all) */
    double net_gbs;        /* download speed when not cached, GB/s */
    double disk_gbs;       /* disk to VRAM, GB/s */
    double overhead_s;     /* fixed per task: process start, tokenizer, upload */
    /* the task runs as Crynux's task frameworks run it (gpt-task 0d0794e,
     * stable-diffusion-task 2b64898): gpt weights that do not fit on the card
     * are placed by device_map="auto", the rest staying in host memory and
     * copied to the card on every forward; a task that needs more memory
     * than the card has fails (tim_model.c, docs/timing.md "Cards too
     * small").  0: the card is taken to be large enough. */
    int as_frameworks;
    double h2d_gbs;        /* host-to-card copy bandwidth for those weights, GB/s */
} tim_workload;

/* Why a task cannot run on the card (tim_breakdown.fail). */
typedef enum {
    TIM_RUNS = 0,
    /* CUDA out of memory: gpt-task and stable-diffusion-task re-raise it
     * as it is, so the node's log matches none of the errors it reports */
    TIM_FAIL_OOM = 1,
    /* a bitsandbytes model that device_map="auto" would put partly in host
     * memory: transformers refuses it with a ValueError, which gpt-task
     * wraps as "Task execution error" */
    TIM_FAIL_QUANT_OFFLOAD = 2,
    /* a bitsandbytes model on a card without CUDA (Apple): transformers
     * raises "No GPU found" before downloading the weights, which gpt-task
     * wraps as "Task execution error" */
    TIM_FAIL_QUANT_NO_CUDA = 3,
} tim_fail;
const char *tim_fail_name(tim_fail f);

/* PCIe 4.0 x16 per direction: 16 GT/s x 16 lanes x 128b/130b = 31.5 GB/s
 * (PCI-SIG, https://pcisig.com/specifications/pciexpress/, PCIe 4.0 base
 * specification).  An upper bound for accelerate's copies, which come from
 * pageable host memory. */
#define TIM_H2D_GBS_PCIE4_X16 31.5

typedef struct {
    double load_s, prefill_s, decode_s, overhead_s, total_s;
    double prefill_tps, decode_tps; /* gpt: tokens/s (decode: per sequence) */
    double step_s, vae_s;           /* sd: one image's step (GPU + fixed), VAE decode */
    double step_fixed_s;            /* sd: the fixed part of step_s */
    double vram_gb;
    /* device_map="auto": weight GB left in host memory and copied to the
     * card on every forward, and the seconds those copies take in all */
    double offload_gb, offload_s;
    tim_fail fail;         /* TIM_RUNS, else total_s is the time until it fails */
} tim_breakdown;

/* A workload with the defaults: 128-token prompt, 256 new tokens, one beam
 * and sequence, 16-bit weights on llama.cpp, cached, 1 GB/s disk, 0.1 GB/s
 * network, 1 s; sd: 25 steps at 512 x 512; no device_map="auto" (the
 * model is taken to fit, as in the benchmarks the model is fitted on),
 * copies at TIM_H2D_GBS_PCIE4_X16 when as_frameworks is set. */
void tim_workload_default(tim_workload *w, tim_kind kind);

double tim_task_seconds(const tim_model *m, const tim_card *c, const tim_workload *w);
void tim_task_breakdown(const tim_model *m, const tim_card *c, const tim_workload *w,
                        tim_breakdown *out);
/* The peak, TFLOPS, that transformers' products of workload w run at on
 * card c (the card's llama.cpp F16 share is taken of it): FP16 products
 * (FP16 weights, 4-bit with an FP16 compute dtype) at tim_card_acc32,
 * PyTorch's cuBLAS calls accumulating in FP32; FP32 products (FP32
 * weights, gpt-task's 4-bit float32 compute) on the FP32 units; LLM.int8's
 * INT8 product at fp16_tflops.  *what (may be NULL): the peak's name. */
double tim_tf_peak(const tim_card *c, const tim_workload *w, const char **what);

double tim_vram_needed_gb(const tim_model *m, const tim_workload *w);
/* Bytes of the model file a node downloads and reads from disk. */
double tim_file_bytes(const tim_model *m, const tim_workload *w);
/* Linear layers per decoder layer (q, k, v, o and the MLP's). */
int tim_linears_per_layer(const kern_model_cfg *c);
/* Weight bytes read per decoded token / FLOPs per prompt token. */
double tim_weight_bytes(const tim_model *m, double bits);

/* ---- data files.  Return 0; 1 unknown name; 2 unreadable or malformed file
 * (err names the file, the JSON path and what was expected).  tim_card_load
 * checks every card of the file, not only the one asked for (each figure
 * needs a source), and fits the efficiencies from validation/fit.json beside
 * it (with llms.json and sd.json there). */
int tim_card_load(const char *path, const char *name, tim_card *c, char *err, size_t errlen);
/* Every card of cards.json, specs only (efficiencies zero); *out malloc'ed. */
int tim_cards_read(const char *path, tim_card **out, int *n, char *err, size_t errlen);
int tim_card_list(const char *path, char *buf, size_t len);
/* Every card of the file, in file order, into a new array (free() it), with
 * the efficiencies fitted from validation/fit.json beside it when that file
 * exists (a card file of specs alone serves the parametric model).  0, or 2
 * with err. */
int tim_card_load_all(const char *path, tim_card **cards, int *n, char *err, size_t errlen);
/* The position in the file of the card whose name or alias is `name`
 * (ignoring case).  0; 1 unknown name; 2 bad file (err). */
int tim_card_index(const char *path, const char *name, int *index, char *err, size_t errlen);
/* gpt models from llms.json, sd models from sd.json (same directory). */
int tim_model_load(const char *llms_path, const char *sd_path, const char *name, tim_model *m,
                   char *err, size_t errlen);

/* ---- fitting and validation (tim_fit.c, docs/timing.md) */
/* Fits every card's efficiencies from the rows of fit_path, leaving out the
 * rows of card `exclude` (NULL: none).  models_dir holds llms.json and sd.json. */
int tim_fit_cards(const char *fit_path, const char *models_dir, tim_card *cards, int n,
                  const char *exclude, char *err, size_t errlen);

typedef struct {
    int n;          /* rows in the error */
    double mape;    /* mean absolute percentage error, % */
    double worst;   /* largest absolute percentage error, % */
} tim_err;

enum { TIM_M_DECODE = 0, TIM_M_PREFILL = 1, TIM_M_SD = 2, TIM_NM = 3 };
enum { TIM_V_NVIDIA = 0, TIM_V_APPLE = 1, TIM_NV = 2 };
typedef struct {
    tim_err loo[TIM_NRT][TIM_NV][TIM_NM];   /* leave one card out, fitted rows */
    tim_err check[TIM_NRT][TIM_NV][TIM_NM]; /* check.json rows */
    tim_err vram;                           /* check.json vram_gb rows */
    /* rows of fit.json and check.json that measured the same thing (runtime,
     * card, model, weights, metric, shape, build era) on different machines:
     * pairs, the median and largest ratio of their values, and the mean
     * floor (1 - low/high) / 2, the smallest MAPE that any one prediction
     * for both can have */
    struct {
        int pairs;
        double median_ratio, worst_ratio, floor_pct;
    } spread[TIM_NRT][TIM_NV][TIM_NM];
    int skipped;                            /* rows naming a card not in cards.json */
    int excluded;                           /* rows the data file excludes, with a reason */
    /* the benchmark machines the rows name ("host"), each with its factor on
     * transformers' host costs (its time over the median machine's) from the
     * full fit, and its fitted rows (0: it keeps the median machine's) */
    int nhosts;
    struct {
        char name[48];
        double factor;
        int fit_rows;
    } hosts[32];
} tim_validation;

/* Leave-one-card-out over fit.json and the error over check.json, both in
 * models_dir/validation/.  verbose: print every row's prediction to stdout.
 * 0, or 2 with err. */
int tim_validate(const char *models_dir, int verbose, tim_validation *v, char *err, size_t errlen);

/* ---- host roofline (calibration) */
typedef struct {
    double F;  /* FLOP/s */
    double B;  /* bytes/s */
    double c;  /* seconds per call */
    double r;  /* seconds per output row (a row of W): the kernels' work
                  per row outside the stream (the reduction of the row's
                  accumulators, the store, the loop's restart), which
                  makes a 5120 x 13824 product of the same bytes faster
                  than a 13824 x 5120 one */
} tim_roof;

/* Seconds of a product of act_rows activation rows (m), flops and bytes
 * read, with rows rows of W (n).  A matrix-vector product (m = 1) runs the
 * streaming kernel, whose loads overlap its arithmetic: the larger of the
 * two times.  A product of several rows runs the tile kernels, which load a
 * group of weight rows (unpacked or widened) and then compute on it: the
 * two times add.  Fitted both ways on the same grid, the sum for m > 1
 * describes the grid's own points 1.2-6x better (docs/kernels.md). */
static inline double tim_roof_time(const tim_roof *r, double flops, double bytes, double rows,
                                   double act_rows)
{
    double a = flops / r->F, b = bytes / r->B;
    double work = act_rows > 1 ? a + b : (a > b ? a : b);
    return work + r->c + rows * r->r;
}

typedef struct {
    int threads;
    tim_roof roof[KERN_NTYPES]; /* per weight type; F == 0: not calibrated */
    double read_gbs;            /* measured read bandwidth */
    /* single-threaded per-element costs outside the products, seconds:
     * activation quantization, one exp-based activation (SiLU, the softmax
     * exps) and GPT-2's and Phi's tanh GELU (kern_gelu, timed over random
     * inputs: its cost depends on them); they grow with the tokens of a prefill */
    double quant_s, act_s, gelu_s;
    /* single-threaded seconds per element of a pass over a token's row
     * (norms, residual adds, rotary embedding, cache writes): the fixed
     * cost every token pays outside the products */
    double elem_s;
    /* seconds of one parallel call with an empty body after a short serial
     * gap (the threads' wake-up; 0 on one thread): each layer's attention
     * region pays it, which no product's fitted constant covers */
    double call_s;
    double host_eff_bw;         /* Q4_0 matvec bandwidth / read bandwidth */
    int quick;                  /* fitted on calibrate --quick's grid and reads */
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
