/* tim_host: predicts this machine's own forward-pass time from the fitted
 * per-kernel roofs — the model the calibration check holds to measurement
 * before the same roofline form is trusted for cards. */
#include "timing/tim.h"

static const tim_roof *roof(const tim_host *h, kern_type t)
{
    if (h->roof[t].F > 0)
        return &h->roof[t];
    return &h->roof[KERN_F32];
}

double tim_host_gemm_seconds(const tim_host *h, kern_type t, size_t m, size_t n, size_t k)
{
    double flops = 2.0 * (double)m * (double)n * (double)k;
    double bytes = (double)n * (double)kern_row_bytes(t, k) + 4.0 * (double)m * (double)k;
    return tim_roof_time(roof(h, t), flops, bytes, (double)n, (double)m);
}

double tim_host_forward_seconds(const tim_host *h, const kern_model_cfg *c, kern_type t, int n,
                                int pos0)
{
    size_t H = (size_t)c->hidden, hd = H / (size_t)c->heads, kvd = (size_t)c->kv_heads * hd,
           F = (size_t)c->ffn, M = (size_t)n, N = (size_t)(pos0 + n);
    double s = 0;
    s += 2 * tim_host_gemm_seconds(h, t, M, H, H);      /* q, o */
    s += 2 * tim_host_gemm_seconds(h, t, M, kvd, H);    /* k, v */
    s += (c->arch == KERN_ARCH_LLAMA ? 2 : 1) * tim_host_gemm_seconds(h, t, M, F, H);
    s += tim_host_gemm_seconds(h, t, M, H, F);
    /* attention: per head Q K^T (n x N x hd) and P V (n x hd x N) in FP32,
     * heads spread over the threads inside one parallel region */
    const tim_roof *r = roof(h, KERN_F32);
    double af = 4.0 * (double)M * (double)N * (double)hd * (double)c->heads;
    double ab = 2.0 * (double)N * (double)kvd * 4.0 * (double)c->heads / (double)c->kv_heads;
    s += af / r->F > ab / r->B ? af / r->F : ab / r->B;
    /* the parallel region itself: its threads' wake-up, which no product's
     * fitted constant covers */
    s += h->call_s;
    /* elementwise work: quantizing the inputs of the products (q/k/v and
     * gate/up share one; the rows are split over the threads), the MLP
     * activation (SwiGLU's SiLU, or GPT-2's and Phi's tanh GELU) and the
     * softmax exps (serial) */
    int quant = t == KERN_Q8_0 || t == KERN_Q4_0, T = h->threads > 0 ? h->threads : 1;
    int llama = c->arch == KERN_ARCH_LLAMA;
    double ctx = pos0 + (n + 1) / 2.0, qrows = n > 1 ? (double)((n + T - 1) / T) : 1.0;
    s += (quant ? qrows * (double)(2 * H + H + F) * h->quant_s : 0) +
         (double)n * ((double)F * (llama ? h->act_s : h->gelu_s) + (double)c->heads * ctx * h->act_s);
    /* serial passes over each token's row (kern_forward.c): the norms (an
     * RMSNorm is one sum over the row, a LayerNorm two: the mean, then the
     * variance; Phi has one norm a layer, the others two), the residual
     * adds (Phi's attention and MLP share one), the rotary embedding of q
     * and k (the share of each head it turns: all of it in LLaMA, 0.4 in
     * Phi-2, none in GPT-2) and the K and V cache writes */
    double norms = c->arch == KERN_ARCH_PHI ? 1 : 2, passes = llama ? 1 : 2;
    double rotary = (double)kern_model_rot_dim(c) / (double)hd;
    double row = norms * passes * (double)H + (c->arch == KERN_ARCH_PHI ? 1 : 2) * (double)H +
                 rotary * (double)(H + kvd) + 2.0 * (double)kvd;
    /* the biases added after the products (add_bias): q, k and v where the
     * checkpoint has them (GPT-2, Phi, Qwen), the attention output's and
     * the MLP's two in the LayerNorm architectures; Phi's output head has
     * one too, added once a forward */
    row += (c->qkv_bias ? (double)(H + 2 * kvd) : 0) + (llama ? 0 : (double)(2 * H + F));
    s += (double)n * row * h->elem_s;
    s *= c->layers;
    s += tim_host_gemm_seconds(h, t, 1, (size_t)c->vocab, H) +
         (c->arch == KERN_ARCH_PHI ? (double)c->vocab * h->elem_s : 0);
    return s;
}
