/* tim_model: the task-time formulas.  Kept to rooflines on purpose: a step
 * costs max(FLOPs / sustained FLOPS, bytes / sustained bandwidth), sustained
 * meaning peak times the card's efficiency.  The host calibration checks that
 * this form predicts measured CPU kernels and whole-model runs. */
#include <math.h>
#include <string.h>

#include "timing/tim.h"

#define KV_BYTES 2.0          /* GPU runtimes keep the KV cache in FP16 */
#define CUDA_CONTEXT_GB 0.5   /* runtime context and allocator slack */

void tim_workload_default(tim_workload *w, tim_kind kind)
{
    memset(w, 0, sizeof *w);
    w->prompt_tokens = 128;
    w->max_new_tokens = 256;
    w->num_beams = 1;
    w->num_sequences = 1;
    w->bits = 16;
    w->steps = kind == TIM_SD ? 25 : 0;
    w->width = w->height = 512;
    w->images = 1;
    w->cached = 1;
    w->net_gbs = 0.1;
    w->disk_gbs = 1.0;
    w->overhead_s = 1.0;
}

static int batch(const tim_workload *w)
{
    int b = (w->num_beams > 1 ? w->num_beams : 1) * (w->num_sequences > 1 ? w->num_sequences : 1);
    return b;
}

double tim_weight_bytes(const tim_model *m, double bits)
{
    if (m->kind == TIM_SD)
        return m->sd_params * 2.0;
    return kern_model_matmul_params(&m->llm) * bits / 8.0;
}

static double kv_per_token(const kern_model_cfg *c)
{
    return kern_model_kv_bytes_per_token(c) / sizeof(float) * KV_BYTES;
}

double tim_vram_needed_gb(const tim_model *m, const tim_workload *w)
{
    if (m->kind == TIM_SD) {
        double px = (double)w->width * w->height / (512.0 * 512.0);
        int im = w->images > 1 ? w->images : 1;
        return (m->sd_params * 2.0 + m->sd_act_gb_512 * 1e9 * px * im) / 1e9 + CUDA_CONTEXT_GB;
    }
    const kern_model_cfg *c = &m->llm;
    double B = batch(w), T = w->prompt_tokens + w->max_new_tokens;
    double weights = kern_model_params(c) * w->bits / 8.0;
    double kv = kv_per_token(c) * T * B;
    /* live activations of the prompt pass: residual, norm, q/k/v, attention
     * output and two FFN-wide buffers in FP16, plus FP32 logits */
    double act = B * w->prompt_tokens * (6.0 * c->hidden + 2.0 * c->ffn) * 2.0 +
                 B * (double)c->vocab * 4.0;
    return (weights + kv + act) / 1e9 + CUDA_CONTEXT_GB;
}

static double load_seconds(const tim_model *m, const tim_workload *w, double file_bytes)
{
    if (w->resident)
        return 0;
    (void)m;
    double gb = file_bytes / 1e9, s = 0;
    if (!w->cached)
        s += gb / (w->net_gbs > 0 ? w->net_gbs : 0.1);
    s += gb / (w->disk_gbs > 0 ? w->disk_gbs : 1.0);
    return s;
}

void tim_task_breakdown(const tim_model *m, const tim_card *c, const tim_workload *w,
                        tim_breakdown *o)
{
    memset(o, 0, sizeof *o);
    /* sd runs FP16 weights; gpt uses the efficiencies measured for its format */
    double eb, ec;
    tim_card_eff(c, m->kind == TIM_SD ? 16 : w->bits, &eb, &ec, NULL);
    const double BW = c->bw_gbs * 1e9 * eb, F = c->fp16_tflops * 1e12 * ec;
    o->overhead_s = w->overhead_s;
    o->vram_gb = tim_vram_needed_gb(m, w);
    if (m->kind == TIM_SD) {
        double px = (double)w->width * w->height / (512.0 * 512.0);
        int im = w->images > 1 ? w->images : 1;
        o->load_s = load_seconds(m, w, m->sd_params * 2.0);
        o->step_s = 2.0 * m->unet_gflops_512 * 1e9 * px * im / F; /* x2: guidance */
        o->step_s = fmax(o->step_s, m->sd_params * 2.0 / BW);
        o->vae_s = m->vae_gflops_512 * 1e9 * px * im / F;
        o->decode_s = o->step_s * w->steps + o->vae_s;
        o->total_s = o->load_s + o->decode_s + o->overhead_s;
        return;
    }
    const kern_model_cfg *k = &m->llm;
    double B = batch(w), P = w->prompt_tokens, G = w->max_new_tokens;
    double W = tim_weight_bytes(m, w->bits), mp = kern_model_matmul_params(k);
    double attn = 2.0 * k->layers * (double)k->hidden; /* FLOPs per (query, key) pair x2 */
    o->load_s = load_seconds(m, w, kern_model_params(k) * w->bits / 8.0);
    /* prefill: all B x P prompt tokens in one pass */
    double pf = B * (2.0 * mp * P + attn * P * P);
    o->prefill_s = P > 0 ? fmax(pf / F, W / BW) : 0;
    o->prefill_tps = P > 0 ? B * P / o->prefill_s : 0;
    /* decode: each step reads the weights once and every sequence's cache;
     * the cost is linear in the context, so the mean context gives the sum */
    double ctx = P + G / 2.0;
    double bytes = W + B * kv_per_token(k) * ctx, flops = B * (2.0 * mp + 2.0 * attn * ctx);
    double step = fmax(bytes / BW, flops / F);
    o->decode_s = G * step;
    o->decode_tps = G > 0 ? 1.0 / step : 0;
    o->total_s = o->load_s + o->prefill_s + o->decode_s + o->overhead_s;
}

double tim_task_seconds(const tim_model *m, const tim_card *c, const tim_workload *w)
{
    tim_breakdown b;
    tim_task_breakdown(m, c, w, &b);
    return b.total_s;
}
