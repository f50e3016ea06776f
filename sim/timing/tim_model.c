/* tim_model: the task-time formulas, per runtime (docs/timing.md).  Kept to
 * rooflines on purpose: a step costs max(FLOPs / sustained FLOPS, bytes /
 * sustained bandwidth), sustained meaning peak times the card's efficiency;
 * what makes a runtime slow is modelled as the mechanism it is (host work per
 * layer, per quantized linear layer, dequantization traffic), never as a
 * factor per card. */
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "timing/tim.h"
#include "timing/tim_tfhost.h"

#define KV_BYTES 2.0          /* GPU runtimes keep the KV cache in FP16 */
/* A card's memory as its maker states it ("12 GB") is binary: 12 GiB
 * (e.g. the RTX 3060's 12,288 MiB); what the card holds, in the bytes the
 * model counts in, for the placement and out-of-memory rules. */
#define CARD_BYTES_PER_GB 1073741824.0
#define CUDA_CONTEXT_GB 0.5   /* runtime context and allocator slack */

/* bitsandbytes 0.41.3 as transformers 4.35.2 loads it for gpt-task
 * (crynux-ai/gpt-task src/gpt_task/inference/inference.py @ 0d0794e:
 * load_in_8bit / load_in_4bit with no BitsAndBytesConfig):
 * - LLM.int8: one int8 byte per weight (plus a float row scale per output);
 * - 4-bit: two weights a byte plus an fp32 absmax per block of 64 (blocksize
 *   64, no double quantization, quant type FP4 by default);
 * - the output head and the embeddings stay unquantized, in FP16 (transformers
 *   overrides torch_dtype None with float16 for bitsandbytes loads);
 * - compute dtype float32 (BitsAndBytesConfig's default): a single sequence's
 *   decode runs the 4-bit GEMV kernel; several rows (a prompt, beams,
 *   sequences) take the dequantize path, which per weight reads the packed
 *   4-bit block, writes and reads it as FP16, writes and reads it as FP32. */
#define INT8_BYTES 1.0
#define Q4_BYTES (0.5 + 4.0 / 64.0)
/* bitsandbytes 0.41.3 MatMul4Bit.forward for several rows:
 * dequantize_4bit (read the blocks, write FP16), .to(A.dtype) (read FP16,
 * write FP32 when the compute dtype is float32), then the product reads the
 * expanded weights (tf_gemm_bytes) */
#define Q4_EXPAND_BYTES_FP16 (Q4_BYTES + 2.0)
#define Q4_EXPAND_BYTES_FP32 (Q4_BYTES + 2.0 + 2.0 + 4.0)

/* llama.cpp's CUDA backend before CUDA graphs (ggml-org/llama.cpp PR 6766,
 * merged May 2024) launched every kernel of a decoded token on its own: a
 * host cost per decoder layer (its dozen-odd launches) on top of the
 * graph-era fixed cost per token that the fitted rows carry.  Its size is
 * what the graphs saved, measured on Llama 2 7B (32 layers) with the same
 * build with and without them: RTX 3090 116.31 -> 128.27 tokens/s and RTX
 * 4090 138.31 -> 146.81 (./main, Q4_0; PR 6766, JohannesGaessler's comment
 * of 2024-04-19); H100 PCIe 143.35 -> 163.83 (Q4_K_M; issue 6763).  The
 * mean of the three per-layer differences, 21.8 us; no check row enters it. */
static double lc_graphless_layer_s(void)
{
    static const double tg[][2] = {{116.31, 128.27}, {138.31, 146.81}, {143.35, 163.83}};
    const int n = (int)(sizeof tg / sizeof *tg);
    double s = 0;
    for (int i = 0; i < n; i++)
        s += (1.0 / tg[i][0] - 1.0 / tg[i][1]) / 32.0;
    return s / n;
}

/* A card that runs a compute-bound kernel into its board power limit
 * lowers its clock, and with it the voltage: dynamic power goes roughly as
 * f V^2 ~ f^3 in the boost range, so throughput rises as a small power of
 * the power available.  The exponent is measured, on a card capped below
 * the draw its load wants: an MSI RTX 3090 Ti Suprim X at 465.7 W average
 * draw ran Igor's Lab's 4K game suite at 107.4 fps, capped to 300 W (313.8
 * W measured) at 96.3 fps (PC Gamer, 'An RTX 3090 Ti set to a 300W limit
 * still beats AMD's best', https://www.pcgamer.com/uk/an-rtx-3090-ti-set-to-
 * a-300w-limit-still-beats-amds-best/): throughput ~ power^0.276 (the
 * cube law's 1/3 for comparison).  No row of models/validation/ enters it. */
double tim_power_exponent_games(void)
{
    return log(96.3 / 107.4) / log(313.8 / 465.7);
}

double tim_power_clock_share(double w_per_peak, double ref_w_per_peak)
{
    return tim_power_share_k(w_per_peak, ref_w_per_peak, tim_power_exponent_games());
}

double tim_power_share_k(double w_per_peak, double ref_w_per_peak, double k)
{
    /* a card with more power per unit of peak than the reference runs at
     * the reference's share: the reference is taken to reach its boost
     * clock, which more power does not raise */
    return w_per_peak >= ref_w_per_peak ? 1.0 : pow(w_per_peak / ref_w_per_peak, k);
}

/* The same for the tensor cores' FP16 product, llama.cpp's F16 prompt on
 * NVIDIA: per card its measured share of fp16_tflops falls with its board
 * watts per unit of that peak (May 2024 llama-bench F16 pp512, fit.json:
 * the RTX 6000 Ada at 0.82 W per TFLOPS reaches about 0.27, the RTX 4090 at
 * 1.36 about 0.43, the H100 PCIe at 0.46 about 0.21), far more than the
 * games' exponent says.  The exponent is the value of 0.3, 0.4, ..., 1.5
 * whose leave-one-card-out error over fit.json's prompts is smallest
 * (docs/timing.md); check.json took no part in the choice. */
double tim_power_exponent_tensor(void)
{
    return 0.8;
}

/* llama.cpp's Metal backend of August 2023 (after PR 2615's matrix-matrix
 * kernels, merged 2023-08-16, before the prompt and mat-vec tuning of
 * September to November 2023: PRs 2951, 2959, 3084 and later) against the
 * November 2023 builds of discussion 4167 that fit.json's Apple rows come
 * from, on the same chips, Llama 2 7B:
 *   prompts: M1 Max 32-core, PR 2615's table (2023-08-14, ./main, a
 *   256-token prompt): F16 316, Q4_0 297 tokens/s against 599.53 and
 *   530.06 (pp512, November); M2 Ultra 76-core, the master column of PR
 *   2891 (2023-08-30, llama-bench pp512): F16 666.13, Q8_0 631.59, Q4_0
 *   632.20 against 1401.85, 1248.59 and 1238.48;
 *   decode: M2 Ultra, PR 2891's master tg64 F16 29.59 and PR 2917's master
 *   tg128 (2023-08-30) Q8_0 62.05, Q4_0 88.54 against 41.02, 66.64 and
 *   94.27 (tg128, November).
 * The share is the mean over the chips measured.  No check row enters it. */
double tim_lc_early_metal_share(tim_weights w, int prefill)
{
    static const struct {
        double old_rate, new_rate;
        int prefill;
        tim_weights w;
    } T[] = {
        {316, 599.53, 1, TIM_W_F16},     {666.13, 1401.85, 1, TIM_W_F16},
        {297, 530.06, 1, TIM_W_Q4_0},    {632.20, 1238.48, 1, TIM_W_Q4_0},
        {631.59, 1248.59, 1, TIM_W_Q8_0}, {29.59, 41.02, 0, TIM_W_F16},
        {62.05, 66.64, 0, TIM_W_Q8_0},   {88.54, 94.27, 0, TIM_W_Q4_0},
    };
    double s = 0;
    int n = 0;
    for (size_t i = 0; i < sizeof T / sizeof *T; i++)
        if (T[i].w == w && T[i].prefill == prefill) {
            s += T[i].old_rate / T[i].new_rate;
            n++;
        }
    return n ? s / n : 1.0;
}

/* llama.cpp's ./main prints the "prompt eval time" of the one prompt a
 * fresh process evaluates, after a warm-up of two tokens (common/common.cpp,
 * llama_init_from_gpt_params, "warming up the model with an empty run": a
 * BOS and an EOS token, at 8fe03ff of December 2023 as at 4426e29 of May
 * 2024), so whatever a process's first large batch costs beyond the warm
 * pass lands in it; llama-bench's figure is the mean of five repetitions
 * (since PR 6017, March 2024, after a warm-up on a whole prompt).  Measured
 * where one machine ran both: XiongjieDai's Llama 3 runs
 * (GPU-Benchmarks-on-LLM-Inference at aa72e0e, `LLaMA 3/<Gaming or
 * Professional> GPUs/<card>_v3.ipynb`, builds 2824-2836, May 2024) time
 * ./main on a 258-token prompt of Llama 3 8B Q4_K_M and llama-bench's pp512
 * in Q4_K_M and F16 on the same card in the same session.  Those builds multiply a quantized prompt as the F16
 * weights' product after expanding them (lc_dequant_gemm): the expansion
 * takes the same time whatever the prompt (pp512's Q4_K_M time less its F16
 * time) and the product a time in proportion to the tokens, so a warm
 * 258-token pass takes 512/pp_q - 254/pp_f seconds and ./main's excess
 * over it is the harness's cost.  Per card it is 9.8-24.0 ms however fast
 * the card (its excess as a share of the pass varies more, 11-42%), so it
 * is a time, not a rate.  Every single-card run with both formats measured
 * is in the table; left out because the split does not apply: the A100 SXM
 * and L40S runs, whose F16 pp512 the source gives below their Q4_K_M one.
 * The mean over the nine cards, 16.6 ms; no check row enters it. */
double tim_lc_main_prompt_s(void)
{
    static const struct {
        double main_ms;      /* ./main prompt eval time, 258 tokens */
        double pp_q, pp_f;   /* llama-bench pp512, Q4_K_M and F16, tokens/s */
    } T[] = {
        {63.28, 7138.99, 9382.00},  /* RTX 4090 */
        {79.79, 5389.74, 7159.54},  /* RTX 4080 */
        {87.66, 4030.40, 4444.65},  /* RTX 3090 */
        {146.68, 2451.93, 3121.67}, /* RTX 4000 Ada */
        {90.32, 4761.12, 6160.57},  /* RTX 5000 Ada */
        {66.53, 5791.74, 6663.13},  /* RTX 6000 Ada */
        {62.57, 5981.04, 7741.34},  /* A100 PCIe */
        {103.55, 3324.98, 4203.75}, /* A40 */
        {92.19, 3780.55, 4511.02},  /* RTX A6000 */
    };
    const int n = (int)(sizeof T / sizeof *T);
    double s = 0;
    for (int i = 0; i < n; i++)
        s += T[i].main_ms / 1e3 - (512.0 / T[i].pp_q - (512.0 - 258.0) / T[i].pp_f);
    return s / n;
}

/* Builds before ggml-org/llama.cpp PR 4809 ('CUDA: fixed redundant value
 * dequantization', d5a410e, merged 2024-01-07) expanded Q4_0, Q4_1, Q5_0,
 * Q5_1 and Q8_0 matrices with dequantize_block launched on one thread per
 * value while each thread handles two (ggml-cuda.cu at 8fe03ff,
 * dequantize_block_cuda: i = blockDim.x*blockIdx.x + 2*threadIdx.x), so
 * every value was computed, read and written twice.  The PR measured the
 * kernel 1.5-1.7 times faster once fixed (NVIDIA Nsight Systems, RTX 3090):
 * the midpoint, 1.6.  Its pp512 figures on the same card (Llama 2 7B Q4_0
 * 3351.16 -> 3663.45 tokens/s) are what test_lc_dequant_twice checks the
 * rule against; no row of models/validation/ enters it. */
double tim_lc_dequant_twice_factor(void)
{
    return 1.6;
}

typedef enum { TF_FP32, TF_FP16, TF_INT8, TF_4BIT } tf_mode;

static tf_mode tf_mode_of(double bits)
{
    return bits >= 24 ? TF_FP32 : bits >= 12 ? TF_FP16 : bits >= 6 ? TF_INT8 : TF_4BIT;
}

void tim_workload_default(tim_workload *w, tim_kind kind)
{
    memset(w, 0, sizeof *w);
    w->prompt_tokens = 128;
    w->max_new_tokens = 256;
    w->num_beams = 1;
    w->num_sequences = 1;
    w->bits = 16;
    w->runtime = kind == TIM_SD ? TIM_RT_DIFFUSERS : TIM_RT_LLAMACPP;
    w->steps = kind == TIM_SD ? 25 : 0;
    w->width = w->height = 512;
    w->images = 1;
    w->sd_batch = 1;
    w->cached = 1;
    w->net_gbs = 0.1;
    w->disk_gbs = 1.0;
    w->overhead_s = 1.0;
    w->h2d_gbs = TIM_H2D_GBS_PCIE4_X16;
}

const char *tim_fail_name(tim_fail f)
{
    return f == TIM_FAIL_OOM                ? "out of memory"
           : f == TIM_FAIL_QUANT_OFFLOAD  ? "quantized model offloaded (execution error)"
           : f == TIM_FAIL_QUANT_NO_CUDA  ? "quantized model without CUDA (execution error)"
                                          : "runs";
}

static int batch(const tim_workload *w)
{
    int b = (w->num_beams > 1 ? w->num_beams : 1) * (w->num_sequences > 1 ? w->num_sequences : 1);
    return b;
}

static double head_params(const kern_model_cfg *c)
{
    return (double)c->vocab * c->hidden;
}

/* Linear layers per decoder layer: q, k, v, o and the MLP's (three for
 * gated SiLU, two otherwise). */
int tim_linears_per_layer(const kern_model_cfg *c)
{
    return c->arch == KERN_ARCH_LLAMA ? 7 : c->arch == KERN_ARCH_PHI ? 6 : 4;
}

/* Bytes of one weight of the decoder layers' linear layers under transformers. */
static double tf_block_bytes(tf_mode m)
{
    return m == TF_FP32 ? 4.0 : m == TF_FP16 ? 2.0 : m == TF_INT8 ? INT8_BYTES : Q4_BYTES;
}

/* Bytes of the unquantized tensors (head, embeddings, norms). */
static double tf_plain_bytes(tf_mode m)
{
    return m == TF_FP32 ? 4.0 : 2.0;
}

double tim_weight_bytes(const tim_model *m, double bits)
{
    if (m->kind == TIM_SD)
        return m->sd_params * 2.0;
    return kern_model_matmul_params(&m->llm) * bits / 8.0;
}

/* Weight bytes one transformers decode step reads. */
static double tf_weight_bytes(const kern_model_cfg *c, tf_mode m)
{
    double head = head_params(c), block = kern_model_matmul_params(c) - head;
    return block * tf_block_bytes(m) + head * tf_plain_bytes(m);
}

static double kv_per_token(const kern_model_cfg *c, double bytes)
{
    return kern_model_kv_bytes_per_token(c) / sizeof(float) * bytes;
}

static double pixels(const tim_workload *w)
{
    return (double)w->width * w->height / (512.0 * 512.0);
}

double tim_vram_needed_gb(const tim_model *m, const tim_workload *w)
{
    if (m->kind == TIM_SD) {
        /* diffusers' pipeline makes one image per call (crynux-ai/
         * stable-diffusion-task inference_task.py @ 2b64898 loops over
         * num_images), so images do not add memory */
        return (m->sd_params * 2.0 + m->sd_act_gb_512 * 1e9 * pixels(w)) / 1e9 + CUDA_CONTEXT_GB;
    }
    const kern_model_cfg *c = &m->llm;
    double B = batch(w), T = w->prompt_tokens + w->max_new_tokens, weights, kvb = KV_BYTES,
           ab = 2.0;
    if (w->runtime == TIM_RT_TRANSFORMERS) {
        tf_mode md = tf_mode_of(w->bits);
        double block = kern_model_matmul_params(c) - head_params(c);
        weights = block * tf_block_bytes(md) + (kern_model_params(c) - block) * tf_plain_bytes(md);
        kvb = ab = tf_plain_bytes(md);
    } else {
        weights = kern_model_params(c) * w->bits / 8.0;
    }
    double kv = kv_per_token(c, kvb) * T * B;
    /* live activations of the prompt pass: residual, norm, q/k/v, attention
     * output and two FFN-wide buffers, plus FP32 logits */
    double act = B * w->prompt_tokens * (6.0 * c->hidden + 2.0 * c->ffn) * ab +
                 B * (double)c->vocab * 4.0;
    return (weights + kv + act) / 1e9 + CUDA_CONTEXT_GB;
}

static double download_seconds(const tim_workload *w, double file_bytes)
{
    return w->resident || w->cached ? 0 : file_bytes / 1e9 / (w->net_gbs > 0 ? w->net_gbs : 0.1);
}

static double load_seconds(const tim_workload *w, double file_bytes)
{
    if (w->resident)
        return 0;
    return download_seconds(w, file_bytes) + file_bytes / 1e9 / (w->disk_gbs > 0 ? w->disk_gbs : 1.0);
}

double tim_card_conv32(const tim_card *c)
{
    int tf32 = c->family == TIM_F_AMPERE || c->family == TIM_F_ADA || c->family == TIM_F_HOPPER ||
               c->family == TIM_F_BLACKWELL;
    return tf32 ? fmax(tim_card_acc32(c) / 2.0, c->fp32_tflops) : c->fp32_tflops;
}

double tim_card_int32(const tim_card *c)
{
    if (c->int32_tops > 0)
        return c->int32_tops;
    int half = c->family == TIM_F_AMPERE || c->family == TIM_F_ADA || c->family == TIM_F_HOPPER;
    return half ? c->fp32_tflops / 2.0 : c->fp32_tflops;
}

double tim_card_lc_peak(const tim_card *c, tim_weights w)
{
    if (!strcmp(c->vendor, "Apple") || w == TIM_W_F16)
        return c->fp16_tflops;
    /* DP4A: a 4-way INT8 dot product per INT32 lane per clock, 4x the INT32
     * multiply-add rate */
    return 4.0 * tim_card_int32(c);
}

/* The streaming rate of the UNet's and VAE's memory-bound kernels: the
 * card's FP16 weight-streaming share (the same memory system, fitted on
 * llama.cpp's decode) of its peak bandwidth. */
double tim_card_sd_bytes_s(const tim_card *c)
{
    return c->bw_gbs * 1e9 * c->eff_bw_w[TIM_W_F16];
}

tim_sdpa tim_card_sdpa(const tim_card *c)
{
    if (!strcmp(c->vendor, "Apple"))
        return TIM_SDPA_MATH;
    return c->family == TIM_F_TURING || c->family == TIM_F_AMPERE || c->family == TIM_F_ADA
               ? TIM_SDPA_FLASH
               : TIM_SDPA_FUSED;
}

/* diffusers: per image, steps x (the UNet's two forwards, one batch of two
 * under classifier-free guidance, each kernel a roofline of the card's
 * FP16 tensor rate and its streaming rate (tim_unet.c) + the pipeline's
 * fixed cost per step) + the VAE decode. */
static void sd_breakdown(const tim_model *m, const tim_card *c, const tim_workload *w,
                         tim_breakdown *o)
{
    double px = pixels(w), e = c->eff_sd, F = c->fp16_tflops * 1e12 * e;
    double latent = (w->width / 8.0) * (w->height / 8.0), b = w->sd_batch > 1 ? w->sd_batch : 1;
    int im = w->images > 1 ? w->images : 1;
    o->load_s = load_seconds(w, tim_file_bytes(m, w));
    o->step_fixed_s = c->sd_step_s;
    o->step_s = tim_unet_seconds(&m->unet, latent, 2.0 * b, tim_card_sdpa(c), F,
                                 tim_card_sd_bytes_s(c)) +
                o->step_fixed_s;
    /* a VAE that diffusers upcasts (force_upcast in its config) decodes in
     * FP32, which cuDNN runs as TF32 where the card has it */
    double vf = m->sd_vae_fp32 ? tim_card_conv32(c) * 1e12 * e : F;
    o->vae_s = m->vae_gflops_512 * 1e9 * px / vf;
    o->decode_s = im * (o->step_s * w->steps + o->vae_s);
    o->total_s = o->load_s + o->decode_s + o->overhead_s;
}

/* llama.cpp: one roofline per pass, efficiencies per weight format. */
static void llamacpp_breakdown(const tim_model *m, const tim_card *c, const tim_workload *w,
                               tim_breakdown *o)
{
    double eb, ec;
    tim_card_eff(c, w->bits, &eb, &ec, NULL);
    const double BW = c->bw_gbs * 1e9 * eb,
                 F = tim_card_lc_peak(c, tim_weights_of_bits(w->bits)) * 1e12 * ec;
    const kern_model_cfg *k = &m->llm;
    double B = batch(w), P = w->prompt_tokens, G = w->max_new_tokens;
    double W = tim_weight_bytes(m, w->bits), mp = kern_model_matmul_params(k);
    double attn = 2.0 * k->layers * (double)k->hidden; /* FLOPs per (query, key) pair x2 */
    o->load_s = load_seconds(w, tim_file_bytes(m, w));
    /* prefill: all B x P prompt tokens in one pass */
    double pf = B * (2.0 * mp * P + attn * P * P);
    double pass = fmax(pf / F, W / BW);
    if (w->lc_dequant_gemm && strcmp(c->vendor, "Apple") && tim_weights_of_bits(w->bits) != TIM_W_F16) {
        /* older builds: each quantized matrix is expanded to FP16 (read the
         * blocks, write FP16) and multiplied as F16 weights are */
        const double BW16 = c->bw_gbs * 1e9 * c->eff_bw_w[TIM_W_F16],
                     F16 = tim_card_lc_peak(c, TIM_W_F16) * 1e12 * c->eff_compute_w[TIM_W_F16];
        double expand = (W + 2.0 * mp) / BW16 * (w->lc_dequant_twice ? tim_lc_dequant_twice_factor() : 1.0);
        pass = expand + fmax(pf / F16, 2.0 * mp / BW16);
    }
    int early_metal = w->lc_early_metal && !strcmp(c->vendor, "Apple");
    o->prefill_s = P > 0 ? (pass + c->lc_token_s) /
                               (early_metal ? tim_lc_early_metal_share(tim_weights_of_bits(w->bits), 1) : 1.0)
                         : 0;
    if (P > 0 && w->lc_main_prompt && strcmp(c->vendor, "Apple"))
        o->prefill_s += tim_lc_main_prompt_s();
    o->prefill_tps = P > 0 ? B * P / o->prefill_s : 0;
    /* decode: each step reads the weights once and every sequence's cache;
     * the cost is linear in the context, so the mean context gives the sum;
     * the backend adds its fixed cost per forward */
    double ctx = P + G / 2.0;
    double bytes = W + B * kv_per_token(k, KV_BYTES) * ctx, flops = B * (2.0 * mp + 2.0 * attn * ctx);
    double step = fmax(bytes / BW, flops / F) + c->lc_token_s;
    if (w->lc_no_graphs && strcmp(c->vendor, "Apple"))
        step += k->layers * lc_graphless_layer_s();
    if (early_metal)
        step /= tim_lc_early_metal_share(tim_weights_of_bits(w->bits), 0);
    o->decode_s = G * step;
    o->decode_tps = G > 0 ? 1.0 / step : 0;
}

double tim_file_bytes(const tim_model *m, const tim_workload *w)
{
    if (m->kind == TIM_SD)
        return m->sd_params * 2.0;
    double p = kern_model_params(&m->llm);
    if (w->runtime != TIM_RT_TRANSFORMERS)
        return p * w->bits / 8.0; /* the GGUF file of that format */
    /* a quantized task downloads the FP16 checkpoint and quantizes it on load */
    return p * (tf_mode_of(w->bits) == TF_FP32 ? 4.0 : 2.0);
}

/* Where device_map="auto" puts a transformers model (gpt-task 0d0794e
 * src/gpt_task/inference/inference.py builds its pipeline with
 * device_map="auto", offload_folder="offload", offload_state_dict=True; its
 * requirements pin transformers 4.35.2 and accelerate 0.25.0).  accelerate
 * 0.25.0 src/accelerate/utils/modeling.py: get_balanced_memory keeps 90% of
 * a single GPU's free memory ("10% for the buffer to avoid OOM"), and
 * infer_auto_device_map takes the largest unsplittable layer off that
 * budget, then fills the card in module order (embeddings, decoder layers,
 * final norm and head) with whole decoder layers; from the first module
 * that does not fit, everything goes to the CPU.  Returns the weight bytes
 * left in host memory (0: all on the card); *gpu_bytes the bytes on the
 * card, *largest the largest layer.  Host memory is taken to be large
 * enough (the disk tier of offload_folder is not modelled). */
static double tf_offload_bytes(const kern_model_cfg *k, tf_mode md, double card_gb, bool *layers_off,
                               double *largest)
{
    double head = head_params(k), block = kern_model_matmul_params(k) - head;
    double layer = block / k->layers * tf_block_bytes(md), embed = head * tf_plain_bytes(md);
    double total = block * tf_block_bytes(md) + (kern_model_params(k) - block) * tf_plain_bytes(md);
    *largest = fmax(layer, embed);
    /* transformers 4.35 modeling_utils.py from_pretrained takes another 10%
     * off for a bitsandbytes model ("buffers that are created during
     * quantization") */
    double keep = md == TF_INT8 || md == TF_4BIT ? 0.9 * 0.9 : 0.9;
    double budget = keep * (card_gb * CARD_BYTES_PER_GB - CUDA_CONTEXT_GB * 1e9) - *largest;
    *layers_off = false;
    if (total <= budget)
        return 0;
    double n = embed <= budget ? fmin(floor((budget - embed) / layer), (double)k->layers) : -1;
    /* n == layers: only what follows the decoder layers (final norm, head) */
    *layers_off = n < k->layers;
    return total - (n < 0 ? 0 : embed + n * layer);
}

/* Whether transformers' products of w run in FP32: FP32 weights, and 4-bit
 * weights dequantized for gpt-task's float32 compute dtype (a benchmark's
 * bnb_4bit_compute_dtype float16 makes them FP16) */
static int tf_fp32_product(const tim_workload *w)
{
    tf_mode md = tf_mode_of(w->bits);
    return md == TF_FP32 || (md == TF_4BIT && !w->tf_4bit_fp16);
}

double tim_tf_peak(const tim_card *c, const tim_workload *w, const char **what)
{
    tf_mode md = tf_mode_of(w->bits);
    /* FP32 products: the FP32 units (PyTorch leaves TF32 off for matmuls) */
    if (tf_fp32_product(w)) {
        if (what)
            *what = "FP32 TFLOPS";
        return tim_card_lc_peak(c, TIM_W_F16) * c->fp32_tflops / c->fp16_tflops;
    }
    /* LLM.int8: bitsandbytes' INT8 product (igemmlt), not cuBLAS's FP16 */
    if (md == TF_INT8) {
        if (what)
            *what = "FP16 TFLOPS";
        return tim_card_lc_peak(c, TIM_W_F16);
    }
    /* FP16 products: cuBLAS with FP32 accumulation (at::cuda::blas::
     * gemm<at::Half>: cublasGemmEx with compute type CUDA_R_32F, pytorch/
     * pytorch aten/src/ATen/cuda/CUDABlas.cpp; docs/timing.md), half rate
     * on GeForce cards */
    if (what)
        *what = "FP16 TFLOPS with FP32 accumulate";
    return tim_card_acc32(c);
}

/* transformers (eager PyTorch): the GPU streams the weights at the card's
 * FP16 streaming efficiency; the host spends tf_layer_s per decoder layer on
 * each forward, plus bitsandbytes' per-linear work when quantized (LLM.int8:
 * activation quantization, outlier columns and their FP16 product, int32
 * dequantization; 4-bit: casts and the GEMV launch). */
static void transformers_breakdown(const tim_model *m, const tim_card *c, const tim_workload *w,
                                   tim_breakdown *o)
{
    const kern_model_cfg *k = &m->llm;
    tf_mode md = tf_mode_of(w->bits);
    const double eb = c->eff_bw_w[TIM_W_F16], ec = c->eff_compute_w[TIM_W_F16];
    const double BW = c->bw_gbs * 1e9 * eb;
    /* fitted on no transformers row: the card's llama.cpp F16 prompt share
     * (checked on optimum-benchmark's prompts of an A100, check.json) of
     * the peak PyTorch's products run at */
    const double F = tim_tf_peak(c, w, NULL) * 1e12 * ec;
    int fp32_product = tf_fp32_product(w);
    double B = batch(w), P = w->prompt_tokens, G = w->max_new_tokens;
    double mp = kern_model_matmul_params(k), block = mp - head_params(k);
    double attn = 2.0 * k->layers * (double)k->hidden;
    double W = tf_weight_bytes(k, md), plain = tf_plain_bytes(md);
    double host = k->layers * c->tf_layer_s +
                  (md == TF_INT8 ? c->tf_int8_s : md == TF_4BIT ? c->tf_4bit_s : 0) *
                      k->layers * tim_linears_per_layer(k);
    /* several rows per product (a prompt, beams, sequences): 4-bit weights
     * are expanded by one kernel, then multiplied by another (bitsandbytes
     * 0.41.3 MatMul4Bit.forward: F.dequantize_4bit(B, state).to(A.dtype),
     * then torch.nn.functional.linear), so the expansion's traffic adds to
     * the product's roofline; the product reads the expanded weights */
    double W_rows = md == TF_4BIT ? W + block * ((fp32_product ? 4.0 : 2.0) - Q4_BYTES) : W;
    double expand = md == TF_4BIT ? block * (fp32_product ? Q4_EXPAND_BYTES_FP32 : Q4_EXPAND_BYTES_FP16) / BW
                                  : 0;
    o->load_s = load_seconds(w, tim_file_bytes(m, w));
    /* weights in host memory: accelerate 0.25.0 src/accelerate/hooks.py
     * AlignDevicesHook.pre_forward copies each offloaded module's weights to
     * the card before its forward (set_module_tensor_to_device) and
     * post_forward drops them again, so every forward moves them over the
     * bus once, whatever the batch; the copy waits for the card and the
     * card for it */
    double copy = 0;
    if (w->as_frameworks && (md == TF_INT8 || md == TF_4BIT) && strcmp(c->vendor, "NVIDIA")) {
        /* transformers 4.35 modeling_utils.py from_pretrained: "No GPU
         * found. A GPU is needed for quantization." when CUDA is not
         * available, a RuntimeError without "out of memory", which gpt-task
         * wraps as "Task execution error"; bitsandbytes 0.41.3 has no Metal
         * backend */
        o->fail = TIM_FAIL_QUANT_NO_CUDA;
    } else if (w->as_frameworks) {
        double largest;
        bool layers_off;
        double off = tf_offload_bytes(k, md, c->mem_gb, &layers_off, &largest);
        o->offload_gb = off / 1e9;
        copy = off / ((w->h2d_gbs > 0 ? w->h2d_gbs : TIM_H2D_GBS_PCIE4_X16) * 1e9);
        if (layers_off && (md == TF_INT8 || md == TF_4BIT))
            /* transformers 4.35 modeling_utils.py from_pretrained refuses a
             * bitsandbytes model with modules other than the head
             * (modules_to_not_convert) dispatched on the CPU ("Some modules
             * are dispatched on the CPU or the disk ...", a ValueError),
             * before reading any weight */
            o->fail = TIM_FAIL_QUANT_OFFLOAD;
        /* on the card: its share of the weights, the one offloaded layer
         * being copied in, the cache, activations and the context */
        double need = o->vram_gb - off / 1e9 + (off > 0 ? largest / 1e9 : 0);
        if (!o->fail && need * 1e9 > c->mem_gb * CARD_BYTES_PER_GB)
            o->fail = TIM_FAIL_OOM;
    }
    double pf = B * (2.0 * mp * P + attn * P * P);
    o->prefill_s =
        P > 0 ? tim_tf_combine(fmax(pf / F, W_rows / BW) + expand, host, w->launch_blocking) + copy : 0;
    o->prefill_tps = P > 0 ? B * P / o->prefill_s : 0;
    double ctx = P + G / 2.0;
    double bytes = (B > 1 ? W_rows : W) + B * kv_per_token(k, plain) * ctx;
    double flops = B * (2.0 * mp + 2.0 * attn * ctx);
    double step = tim_tf_combine(fmax(bytes / BW, flops / F) + (B > 1 ? expand : 0), host,
                                 w->launch_blocking) + copy;
    o->offload_s = copy * ((P > 0 ? 1 : 0) + G);
    o->decode_s = G * step;
    o->decode_tps = G > 0 ? 1.0 / step : 0;
}

void tim_task_breakdown(const tim_model *m, const tim_card *c, const tim_workload *w,
                        tim_breakdown *o)
{
    memset(o, 0, sizeof *o);
    o->overhead_s = w->overhead_s;
    o->vram_gb = tim_vram_needed_gb(m, w);
    if (m->kind == TIM_SD) {
        sd_breakdown(m, c, w, o);
        /* stable-diffusion-task 2b64898 moves the whole pipeline to the card
         * (no offload anywhere in it) and re-raises CUDA out-of-memory */
        if (w->as_frameworks && o->vram_gb * 1e9 > c->mem_gb * CARD_BYTES_PER_GB) {
            o->fail = TIM_FAIL_OOM;
            o->total_s = o->load_s + o->overhead_s + (w->steps > 0 ? o->step_s : 0);
        }
        return;
    }
    if (w->runtime == TIM_RT_TRANSFORMERS)
        transformers_breakdown(m, c, w, o);
    else
        llamacpp_breakdown(m, c, w, o);
    o->total_s = o->load_s + o->prefill_s + o->decode_s + o->overhead_s;
    if (o->fail == TIM_FAIL_QUANT_OFFLOAD) /* refused before loading: the download only */
        o->total_s = download_seconds(w, tim_file_bytes(m, w)) + o->overhead_s;
    else if (o->fail == TIM_FAIL_QUANT_NO_CUDA) /* refused before the download */
        o->total_s = o->overhead_s;
    else if (o->fail == TIM_FAIL_OOM) /* the first forward that runs out */
        o->total_s = o->load_s + o->prefill_s + o->overhead_s;
}

double tim_task_seconds(const tim_model *m, const tim_card *c, const tim_workload *w)
{
    tim_breakdown b;
    tim_task_breakdown(m, c, w, &b);
    return b.total_s;
}
