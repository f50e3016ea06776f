/* tim_unet: a diffusers UNet2DConditionModel forward as its kernels, each
 * timed as a roofline (max of its FLOPs at the compute rate and its bytes
 * at the streaming rate), in the order diffusers runs them.
 *
 * The architecture is the model's unet/config.json (models/sd.json
 * "unet"): block_out_channels, transformer layers per level (0: a level
 * without attention, DownBlock2D/UpBlock2D), layers_per_block 2 (3 on the
 * way up), cross-attention to 77 text tokens.  What a kernel moves, in FP16
 * (2 bytes an element), counted from diffusers' ResnetBlock2D,
 * Transformer2DModel and BasicTransformerBlock forwards:
 *   convolutions and linears: input + weights + output;
 *   attention (PyTorch 2 scaled_dot_product_attention, diffusers'
 *     AttnProcessor2_0): on CUDA the flash or memory-efficient kernels,
 *     which never write the score matrix: Q, K, V and the output; on MPS
 *     the composite math path (below), which does;
 *   a ResNet block's GroupNorm + SiLU (twice), time-embedding add,
 *     residual add and output scaling: 4 c_in + 11 c_out elements a pixel;
 *   a transformer block's three LayerNorms, the two attention outputs'
 *     head reshapes, three residual adds and GEGLU's gelu and product
 *     (on 4 c + 4 c): 39 c a token; a Transformer2D's GroupNorm, the two
 *     NCHW <-> NLC copies and its residual: 9 c;
 *   the skip concatenations, nearest upsampling, conv_out's GroupNorm+SiLU.
 * Attention's FLOPs are those the kernel executes.  torch 2.0 and 2.1 (the
 * rows' and Helium's releases; FlashAttention-2 came with 2.2) pick the
 * flash kernel (FlashAttention 1, vendored in aten/src/ATen/native/
 * transformers/cuda/flash_attn/) on sm75 and sm8x cards (sdp_utils.h
 * check_gpu_sm75_or_greater: "Flash attention only supports sm75 and sm8x
 * gpu architectures") for heads up to 128 wide; fmha_api.cpp (pytorch/
 * pytorch f5e47575de23) runs a head as 64 wide when it is at most 64, else
 * as 128 (head_size_rounded), and pads the keys to 128, to 256, or to a
 * multiple of its key block (256 for 64-wide heads, 128 otherwise, taken
 * so).  SD 1.5's 8 heads are 40, 80 and 160 wide: the first two run as 64
 * and 128, the 77 text tokens as 128, the 160-wide ones on the
 * memory-efficient kernel, counted as they are.  SDXL's heads are 64 wide.
 * Other NVIDIA cards (Volta, Hopper) are counted as the architecture says.
 * On MPS torch 2.0 and 2.1 (Helium's Macs: torch 2.1.0, diffusers 0.21.2,
 * fp16, no attention slicing: crynux-ai/stable-diffusion-task
 * requirements_macos.txt and inference_task.py @ 2b64898) have no fused
 * kernel: scaled_dot_product_attention falls back to the composite
 * _scaled_dot_product_attention_math (pytorch/pytorch aten/src/ATen/
 * native/transformers/attention.cpp @ 12da0c70378b), which scales Q and K
 * by the square root of the scale, multiplies Q K^T into the score matrix
 * (batch x heads x queries x keys), takes its softmax into a second one
 * and multiplies that by V, each an ATen kernel of its own (the first MPS
 * kernel for it, pytorch/pytorch PR 119200, came in February 2024, with
 * torch 2.3).  Its FLOPs are the architecture's; its bytes are those five
 * kernels' inputs and outputs.
 * The FLOPs counted from the architecture give 803 GFLOPs per forward for SD 1.5 at 64 x 64 latent and
 * 6761 for SDXL at 128 x 128 (models/sd.json's unet_gflops_512, counted
 * independently; tests/unit/test_timing.c checks the two agree). */
#include <math.h>

#include "timing/tim.h"

#define TEXT_TOKENS 77.0

typedef struct {
    double flops_s, bytes_s; /* rates; 0 flops_s: count only */
    tim_sdpa sdpa;           /* the attention kernel */
    double t, counted;       /* seconds; FLOPs as the architecture counts them */
} unet_acc;

/* a kernel's roofline; its FLOPs count as they are unless attention()
 * counted them */
static void kern(unet_acc *a, double flops, double elems)
{
    if (a->flops_s > 0)
        a->t += fmax(flops / a->flops_s, 2.0 * elems / a->bytes_s);
}

/* a GEMM of m x k by k x n */
static void gemm(unet_acc *a, double m, double n, double k)
{
    a->counted += 2 * m * n * k;
    kern(a, 2 * m * n * k, m * k + k * n + m * n);
}

static void conv(unet_acc *a, double ci, double co, double px, double b, int ks)
{
    double f = 2.0 * ks * ks * ci * co * px * b;
    a->counted += f;
    kern(a, f, b * px * ci + ks * ks * ci * co + b * px * co);
}

static void resnet(unet_acc *a, double ci, double co, double px, double b)
{
    conv(a, ci, co, px, b, 3);
    conv(a, co, co, px, b, 3);
    if (ci != co)
        conv(a, ci, co, px, b, 1);
    kern(a, 0, (4 * ci + 11 * co) * px * b);
}

static double round_up(double x, double m)
{
    return ceil(x / m) * m;
}

/* attention of nq queries over nk keys, c channels in `heads` heads: the
 * FLOPs counted and, under the flash kernel, executed; under the math
 * path its five kernels (see the top) */
static void attention(unet_acc *a, double b, double nq, double nk, double c, int heads)
{
    double d = c / heads, dk = d, nkk = nk, q = b * nq * c, kv = b * nk * c,
           scores = b * heads * nq * nk;
    a->counted += b * 4 * nq * nk * c;
    if (a->sdpa == TIM_SDPA_MATH) {
        kern(a, 0, 2 * q);                                /* Q x sqrt(scale) */
        kern(a, 0, 2 * kv);                               /* K^T x sqrt(scale) */
        kern(a, 2 * b * nq * nk * c, q + kv + scores);    /* Q K^T */
        kern(a, 0, 2 * scores);                           /* softmax */
        kern(a, 2 * b * nq * nk * c, scores + kv + q);    /* P V */
        return;
    }
    if (a->sdpa == TIM_SDPA_FLASH && d <= 128 && fmod(d, 8) == 0) {
        dk = d <= 64 ? 64 : 128;
        nkk = nk <= 128 ? 128 : nk <= 256 ? 256 : round_up(nk, dk == 64 ? 256 : 128);
    }
    kern(a, b * 4 * nq * nkk * dk * heads, 2 * (q + kv));
}

static void transformer(unet_acc *a, const tim_unet *u, double c, double px, double b, int layers,
                        int heads)
{
    double m = b * px, s = b * TEXT_TOKENS;
    gemm(a, m, c, c); /* proj_in */
    for (int l = 0; l < layers; l++) {
        for (int q = 0; q < 3; q++)
            gemm(a, m, c, c);
        attention(a, b, px, px, c, heads); /* self-attention, SDPA */
        gemm(a, m, c, c);
        gemm(a, m, c, c); /* cross-attention: query */
        gemm(a, s, c, u->cross_dim);
        gemm(a, s, c, u->cross_dim);
        attention(a, b, px, TEXT_TOKENS, c, heads);
        gemm(a, m, c, c);
        gemm(a, m, 8 * c, c); /* GEGLU */
        gemm(a, m, c, 4 * c);
        kern(a, 0, 39 * c * m);
    }
    gemm(a, m, c, c); /* proj_out */
    kern(a, 0, 9 * c * m);
}

static void forward(unet_acc *a, const tim_unet *u, double px, double b)
{
    double skip[4 * 3 + 1], cin = u->ch[0];
    int ns = 0;
    conv(a, 4, cin, px, b, 3);
    skip[ns++] = cin;
    for (int i = 0; i < u->levels; i++) {
        for (int j = 0; j < 2; j++) {
            resnet(a, cin, u->ch[i], px, b);
            cin = u->ch[i];
            if (u->layers[i])
                transformer(a, u, cin, px, b, u->layers[i], u->heads[i]);
            skip[ns++] = cin;
        }
        if (i < u->levels - 1) {
            px /= 4;
            conv(a, cin, cin, px, b, 3); /* stride-2 downsampler */
            skip[ns++] = cin;
        }
    }
    resnet(a, cin, cin, px, b);
    transformer(a, u, cin, px, b, u->mid_layers, u->heads[u->levels - 1]);
    resnet(a, cin, cin, px, b);
    for (int i = u->levels - 1; i >= 0; i--) {
        for (int j = 0; j < 3; j++) {
            double sc = skip[--ns];
            kern(a, 0, 2 * (cin + sc) * px * b); /* torch.cat */
            resnet(a, cin + sc, u->ch[i], px, b);
            cin = u->ch[i];
            if (u->layers[i])
                transformer(a, u, cin, px, b, u->layers[i], u->heads[i]);
        }
        if (i > 0) {
            kern(a, 0, 1.25 * cin * 4 * px * b); /* nearest 2x upsampling */
            px *= 4;
            conv(a, cin, cin, px, b, 3);
        }
    }
    kern(a, 0, 4 * cin * px * b);
    conv(a, cin, 4, px, b, 3);
}

double tim_unet_gflops(const tim_unet *u, double latent_px)
{
    unet_acc a = {0, 0, TIM_SDPA_FUSED, 0, 0};
    forward(&a, u, latent_px, 1);
    return a.counted / 1e9;
}

double tim_unet_seconds(const tim_unet *u, double latent_px, double batch, tim_sdpa sdpa,
                        double flops_s, double bytes_s)
{
    unet_acc a = {flops_s, bytes_s, sdpa, 0, 0};
    forward(&a, u, latent_px, batch);
    return a.t;
}

double tim_unet_eff(const tim_unet *u, double latent_px, double batch, tim_sdpa sdpa,
                    double peak_flops_s, double bytes_s, double seconds)
{
    /* the time falls as the efficiency rises; bisect on its logarithm */
    double lo = 1e-4, hi = 1.0;
    if (tim_unet_seconds(u, latent_px, batch, sdpa, peak_flops_s * hi, bytes_s) >= seconds)
        return hi;
    for (int k = 0; k < 60; k++) {
        double mid = sqrt(lo * hi);
        if (tim_unet_seconds(u, latent_px, batch, sdpa, peak_flops_s * mid, bytes_s) > seconds)
            lo = mid;
        else
            hi = mid;
    }
    return sqrt(lo * hi);
}
