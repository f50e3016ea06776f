/* tim_fit: the published measurements of models/validation/ and what the
 * timing model learns from them (docs/timing.md).
 *
 * fit.json rows are fitted, check.json rows only checked.  Each fitted row
 * implies an efficiency of its card by closed form (a decode's bytes per
 * token times tokens/s over peak bandwidth; a prefill's or a UNet step's
 * FLOPs over peak FLOPS); a card's figure is the mean of its own rows, and a
 * card without rows takes its architecture family's mean, else its vendor's,
 * else that of every measured card of the runtime.  transformers' host costs
 * (per decoder layer, per quantized linear layer) are those of the median
 * benchmark machine, with a factor for each machine the rows name, fitted on
 * what its rows leave over once the GPU's streaming time is accounted for
 * (tim_tfhost.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timing/tim_calib.h"
#include "timing/tim_rows.h"
#include "timing/tim_tfhost.h"

/* ---- efficiencies implied by one row */

/* kind of efficiency a row speaks for: llama.cpp decode / prefill per
 * format, diffusers UNet; -1 for rows that fit host costs or only check */
enum { K_BW, K_C, K_SD, NK };

static int row_kind(const row *r)
{
    if (r->rt == TIM_RT_LLAMACPP) {
        /* a build before September 2023 ran other kernels than the ones
         * fitted: such a row only checks */
        if (r->early_metal)
            return -1;
        /* a quantized prompt of an older build ran the F16 path plus the
         * expansion: it says nothing of its format's own kernels */
        if (r->metric == M_PREFILL && r->dequant_gemm && tim_weights_of_bits(r->bits) != TIM_W_F16)
            return -1;
        /* a prompt timed by ./main carries the harness's cost besides the
         * kernels' */
        if (r->metric == M_PREFILL && r->main_prompt)
            return -1;
        return r->metric == M_DECODE ? K_BW : K_C;
    }
    if (r->rt == TIM_RT_DIFFUSERS && r->metric == M_SD_ITS)
        return K_SD;
    return -1;
}

/* llama.cpp decode: the step left for streaming once the backend's fixed
 * cost per token is taken off */
static double decode_eff(const row *r, const tim_card *c, double token_s)
{
    return r->gib * GIB / (c->bw_gbs * 1e9) / (1.0 / r->value - token_s);
}

static double row_eff(const row *r, const tim_card *c)
{
    switch (row_kind(r)) {
    case K_BW:
        return decode_eff(r, c, c->lc_token_s);
    case K_C: {
        /* the FLOPs the model counts for a prompt token (llamacpp_breakdown:
         * the matrix products and the attention over the row's prompt), so
         * that a fitted share gives back the row's rate whatever the model */
        const kern_model_cfg *k = &r->m.llm;
        double flops = 2.0 * kern_model_matmul_params(k) + 2.0 * k->layers * (double)k->hidden * r->prompt;
        return r->value * flops / (tim_card_lc_peak(c, tim_weights_of_bits(r->bits)) * 1e12);
    }
    case K_SD: {
        /* the UNet's forward of the batch (two forwards an image under
         * guidance) once the fixed cost is taken off: the compute
         * efficiency at which its kernels' rooflines take that long */
        double latent = (r->width / 8.0) * (r->height / 8.0);
        double gpu = fmax(1.0 / r->value - c->sd_step_s, 0.05 / r->value);
        return tim_unet_eff(&r->m.unet, latent, 2.0 * r->batch, tim_card_sdpa(c),
                            c->fp16_tflops * 1e12, tim_card_sd_bytes_s(c), gpu);
    }
    }
    return 0;
}

/* slot of an efficiency: llama.cpp (kind, format) or the diffusers one */
#define NSLOT (2 * TIM_NW + 1)
static int slot_of(const row *r)
{
    int k = row_kind(r);
    return k == K_SD ? 2 * TIM_NW : k < 0 ? -1 : k * TIM_NW + (int)tim_weights_of_bits(r->bits);
}

typedef struct {
    double sum;
    int n;
} acc;

static double acc_mean(const acc *a)
{
    return a->n ? a->sum / a->n : 0;
}

static void set_slot(tim_card *c, int s, double e, tim_src src)
{
    if (s == 2 * TIM_NW) {
        c->eff_sd = e;
        c->sd_src = src;
    } else if (s < TIM_NW) {
        c->eff_bw_w[s] = e;
        c->bw_src[s] = src;
    } else {
        c->eff_compute_w[s - TIM_NW] = e;
        c->compute_src[s - TIM_NW] = src;
    }
}

static double get_slot(const tim_card *c, int s)
{
    return s == 2 * TIM_NW ? c->eff_sd : s < TIM_NW ? c->eff_bw_w[s] : c->eff_compute_w[s - TIM_NW];
}

/* A diffusers row with a larger batch of the same card, model and size
 * beside it.  At batch 1 a fast card's step can be bound by the benchmark
 * machine's host (the A100 of diffusers' Torch 2.0 table: 46 ms a step,
 * where its batch-4 row leaves 27 ms for one image's GPU work and the fixed
 * cost); the host's speed belongs to that machine, not to the card, so a
 * card's UNet efficiency comes from its largest batch, where the host's
 * share is smallest.  Such rows still count in the error. */
static int sd_has_larger_batch(const rowset *rs, const row *x)
{
    for (int k = 0; k < rs->n; k++) {
        const row *y = &rs->r[k];
        if (row_kind(y) == K_SD && !y->excluded && y->card == x->card && y->batch > x->batch &&
            y->width == x->width && y->height == x->height && !strcmp(x->m.name, y->m.name))
            return 1;
    }
    return 0;
}

/* The peak a compute slot's efficiency is a share of: llama.cpp's prompt
 * peak for the slot's format (tim_card_lc_peak), the FP16 rate for
 * diffusers' UNet. */
static double slot_peak(const tim_card *c, int s)
{
    return s == 2 * TIM_NW ? c->fp16_tflops : tim_card_lc_peak(c, (tim_weights)(s - TIM_NW));
}

/* llama.cpp's F16 prompt on NVIDIA: cuBLAS on the tensor cores
 * (tim_card_lc_peak) */
static int lc_tensor_slot(const tim_card *c, int s)
{
    return s == TIM_NW + TIM_W_F16 && strcmp(c->vendor, "Apple");
}

/* a compute slot whose peak is the tensor cores' FP16 rate: that one and
 * diffusers' UNet */
static int tensor_slot(const tim_card *c, int s)
{
    return s == 2 * TIM_NW || lc_tensor_slot(c, s);
}

/* watts per unit of the slot's peak, 0 when cards.json gives no board
 * power or process */
static double w_per_peak(const tim_card *c, int s)
{
    return c->tdp_w > 0 && c->process[0] ? c->tdp_w / slot_peak(c, s) : 0;
}

/* A compute efficiency borrowed from the family's measured cards, for a
 * card given less board power per unit of peak than they have: the clock
 * it sustains under a compute-bound kernel is limited by its power
 * (tim_power_share_k).  The reference is the measured cards of the same
 * family and process (GA100 on TSMC N7 against GA10x on Samsung 8N, where
 * a watt buys different throughput), for a tensor-core rate else the
 * vendor's on the same process, by the geometric mean of their watts per
 * unit of peak; 0 (no scaling) when either side has no board power in
 * cards.json. */
static double power_ref(const tim_card *cards, int n, const acc *own, int i, int s)
{
    if (s < TIM_NW || !(w_per_peak(&cards[i], s) > 0))
        return 0;
    for (int any_family = 0; any_family < (tensor_slot(&cards[i], s) ? 2 : 1); any_family++) {
        double lsum = 0;
        int m = 0;
        for (int j = 0; j < n; j++) {
            if (!own[j].n || !(w_per_peak(&cards[j], s) > 0) || strcmp(cards[i].process, cards[j].process) ||
                strcmp(cards[i].vendor, cards[j].vendor) ||
                (!any_family && cards[i].family != cards[j].family))
                continue;
            lsum += log(w_per_peak(&cards[j], s));
            m++;
        }
        if (m)
            return exp(lsum / m);
    }
    return 0;
}

/* The share of its compute-bound rate a card keeps under its board power
 * against the reference ref: the games' exponent, or the tensor cores'
 * for llama.cpp's F16 prompts on NVIDIA; 1 without a reference or a board
 * power. */
static double power_share_at(const tim_card *c, int s, double ref)
{
    double x = w_per_peak(c, s);
    double k = lc_tensor_slot(c, s) ? tim_power_exponent_tensor() : tim_power_exponent_games();
    return ref > 0 && x > 0 ? tim_power_share_k(x, ref, k) : 1;
}

/* own, family and vendor means of one slot; *all: the runtime-wide mean */
static void fit_slot(const rowset *rs, tim_card *cards, int n, int exclude, int s, acc *own,
                     double *all_mean)
{
    for (int i = 0; i < n; i++)
        own[i] = (acc){0, 0};
    for (int k = 0; k < rs->n; k++) {
        const row *r = &rs->r[k];
        if (r->excluded || r->card == exclude || slot_of(r) != s ||
            (row_kind(r) == K_SD && sd_has_larger_batch(rs, r)))
            continue;
        own[r->card].sum += row_eff(r, &cards[r->card]);
        own[r->card].n++;
    }
    acc all = {0, 0};
    for (int i = 0; i < n; i++)
        if (own[i].n) {
            all.sum += acc_mean(&own[i]);
            all.n++;
        }
    for (int i = 0; i < n; i++) {
        if (own[i].n) {
            set_slot(&cards[i], s, acc_mean(&own[i]), TIM_SRC_CARD);
            continue;
        }
        /* a decode's streaming share belongs to the memory system: the
         * family's cards with the same memory technology (HBM or not) speak
         * for it first, then the vendor's with it, then the family's and the
         * vendor's of any memory */
        acc fam[2] = {{0, 0}, {0, 0}}, ven[2] = {{0, 0}, {0, 0}};
        int by_mem = s < TIM_NW;
        double ref = by_mem ? 0 : power_ref(cards, n, own, i, s);
        for (int j = 0; j < n; j++) {
            if (!own[j].n)
                continue;
            /* llama.cpp on the tensor cores: each measured card's share is
             * taken back to what it would reach with the reference's power,
             * so that power-limited members do not pull the mean down for
             * a card with more power */
            double e = acc_mean(&own[j]);
            if (lc_tensor_slot(&cards[j], s))
                e /= power_share_at(&cards[j], s, ref);
            for (int any = 0; any < 2; any++) {
                if (!any && cards[i].hbm != cards[j].hbm)
                    continue;
                if (cards[i].family == cards[j].family) {
                    fam[any].sum += e;
                    fam[any].n++;
                }
                if (!strcmp(cards[i].vendor, cards[j].vendor)) {
                    ven[any].sum += e;
                    ven[any].n++;
                }
            }
        }
        double pw = power_share_at(&cards[i], s, ref);
        if (s >= TIM_NW)
            cards[i].power_share[s - TIM_NW] = pw;
        if (by_mem && fam[0].n)
            set_slot(&cards[i], s, acc_mean(&fam[0]), TIM_SRC_FAMILY);
        else if (by_mem && ven[0].n)
            set_slot(&cards[i], s, acc_mean(&ven[0]), TIM_SRC_VENDOR);
        else if (fam[1].n)
            set_slot(&cards[i], s, acc_mean(&fam[1]) * pw, TIM_SRC_FAMILY);
        else if (ven[1].n)
            set_slot(&cards[i], s, acc_mean(&ven[1]) * pw, TIM_SRC_VENDOR);
    }
    *all_mean = acc_mean(&all);
}

/* transformers' host costs on the reference host and each named host's
 * factor on them (tim_tfhost.c), from what each row leaves once the GPU's
 * streaming time is accounted for */
static void fit_transformers(const rowset *rs, tim_card *cards, int n, int exclude, hosts *hs)
{
    tim_tf_sample *s = malloc(sizeof *s * (size_t)(rs->n + 1));
    int m = 0;
    for (int k = 0; s && k < rs->n; k++) {
        const row *r = &rs->r[k];
        if (r->excluded || r->card == exclude || r->rt != TIM_RT_TRANSFORMERS ||
            r->metric != M_DECODE || r->bits > 16)
            continue;
        tim_card c = cards[r->card];
        c.tf_layer_s = c.tf_int8_s = c.tf_4bit_s = 0;
        tim_workload w;
        tim_workload_default(&w, TIM_GPT);
        w.runtime = TIM_RT_TRANSFORMERS;
        w.bits = r->bits;
        w.prompt_tokens = 0;
        w.max_new_tokens = 128;
        tim_breakdown b;
        tim_task_breakdown(&r->m, &c, &w, &b); /* the GPU's time alone */
        s[m++] = (tim_tf_sample){.host = r->host,
                                 .mode = r->bits >= 16 ? TIM_TF_FP16 : r->bits >= 8 ? TIM_TF_INT8 : TIM_TF_4BIT,
                                 .layers = r->m.llm.layers,
                                 .linears = tim_linears_per_layer(&r->m.llm),
                                 .t = 1.0 / r->value,
                                 .gpu_s = 1.0 / b.decode_tps};
    }
    tim_tf_host_costs hc = {0, 0, 0};
    double factor[MAX_HOSTS];
    if (s && !tim_tf_fit_hosts(s, m, hs->n, &hc, factor))
        memcpy(hs->factor, factor, sizeof *factor * (size_t)hs->n);
    free(s);
    for (int i = 0; i < n; i++) {
        cards[i].tf_layer_s = hc.layer_s;
        cards[i].tf_int8_s = hc.int8_s;
        cards[i].tf_4bit_s = hc.q4_s;
    }
}

/* llama.cpp's fixed cost per decoded token on one vendor's backend (CUDA,
 * Metal): kernel launches and the synchronisation that ends each token.  The
 * value that makes the cards of one family and weight format agree best on
 * their streaming efficiency: the smallest sum of squared deviations of log
 * efficiency from each (family, format) group's mean, searched on a 0.05 ms
 * grid up to where some row would stream faster than its card's peak. */
static double fit_token_s(const rowset *rs, const tim_card *cards, int exclude, const char *vendor)
{
    double tmin = INFINITY, best = 0, best_ss = INFINITY;
    for (int k = 0; k < rs->n; k++) {
        const row *r = &rs->r[k];
        if (!r->excluded && r->card != exclude && row_kind(r) == K_BW &&
            !strcmp(cards[r->card].vendor, vendor))
            tmin = fmin(tmin, 1.0 / r->value - r->gib * GIB / (cards[r->card].bw_gbs * 1e9));
    }
    for (double t0 = 0; t0 <= tmin; t0 += 5e-5) {
        double ss = 0;
        for (int f = 0; f < TIM_NFAMILIES; f++)
            for (int w = 0; w < TIM_NW; w++) {
                double sum = 0, sq = 0;
                int m = 0;
                for (int k = 0; k < rs->n; k++) {
                    const row *r = &rs->r[k];
                    if (r->excluded || r->card == exclude || row_kind(r) != K_BW ||
                        strcmp(cards[r->card].vendor, vendor) || (int)cards[r->card].family != f ||
                        (int)tim_weights_of_bits(r->bits) != w)
                        continue;
                    double e = log(decode_eff(r, &cards[r->card], t0));
                    sum += e;
                    sq += e * e;
                    m++;
                }
                if (m > 1)
                    ss += sq - sum * sum / m;
            }
        if (ss < best_ss - 1e-12) {
            best_ss = ss;
            best = t0;
        }
    }
    return best;
}

/* diffusers' fixed seconds per denoising step: a card measured at two batch
 * sizes b1 < b2 gives it directly, since a step of batch b takes b x (one
 * image's GPU time) + the fixed cost: t = (b2 / v1 - b1 / v2) / (b2 - b1)
 * for rates v (steps/s).  The median over such cards. */
static double fit_sd_step_s(const rowset *rs, int exclude)
{
    double *v = malloc(sizeof *v * (size_t)(rs->n + 1));
    int m = 0;
    for (int a = 0; v && a < rs->n; a++)
        for (int b = 0; b < rs->n; b++) {
            const row *x = &rs->r[a], *y = &rs->r[b];
            if (row_kind(x) != K_SD || row_kind(y) != K_SD || x->excluded || y->excluded ||
                x->card == exclude || x->card != y->card || x->batch >= y->batch ||
                x->width != y->width || x->height != y->height || strcmp(x->m.name, y->m.name))
                continue;
            double t = (y->batch / x->value - x->batch / y->value) / (y->batch - x->batch);
            v[m++] = fmax(t, 0);
        }
    double t = tim_median(v, m);
    free(v);
    return t;
}

void tim_fit_rowset(const rowset *rs, tim_card *cards, int n, int exclude, hosts *hs)
{
    if (n <= 0)
        return;
    double t_nv = fit_token_s(rs, cards, exclude, "NVIDIA"),
           t_ap = fit_token_s(rs, cards, exclude, "Apple");
    double t_sd = fit_sd_step_s(rs, exclude);
    for (int i = 0; i < n; i++) {
        cards[i].lc_token_s = !strcmp(cards[i].vendor, "Apple") ? t_ap : t_nv;
        cards[i].sd_step_s = t_sd;
    }
    acc *own = calloc((size_t)n, sizeof *own);
    if (!own)
        return;
    for (int i = 0; i < n; i++) {
        memset(cards[i].eff_bw_w, 0, sizeof cards[i].eff_bw_w);
        memset(cards[i].eff_compute_w, 0, sizeof cards[i].eff_compute_w);
        memset(cards[i].bw_src, 0, sizeof cards[i].bw_src);
        memset(cards[i].compute_src, 0, sizeof cards[i].compute_src);
        cards[i].eff_sd = 0;
        for (int k = 0; k <= TIM_NW; k++)
            cards[i].power_share[k] = 1;
        cards[i].sd_src = TIM_SRC_NONE;
    }
    double all[NSLOT];
    for (int s = 0; s < 2 * TIM_NW; s++)
        fit_slot(rs, cards, n, exclude, s, own, &all[s]);
    /* a llama.cpp format without a figure for the card takes another
     * format's from the same level (own, family, vendor) first, and only
     * then the runtime-wide mean */
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < 2; k++)
            for (int w = 0; w < TIM_NW; w++) {
                int s = k * TIM_NW + w;
                tim_src *src = k ? &cards[i].compute_src[w] : &cards[i].bw_src[w];
                for (int lvl = TIM_SRC_CARD; !*src && lvl <= TIM_SRC_VENDOR; lvl++)
                    for (int o = 0; o < TIM_NW && !*src; o++) {
                        tim_src os = k ? cards[i].compute_src[o] : cards[i].bw_src[o];
                        /* a compute share is only worth another format's
                         * when both are shares of the same peak (on NVIDIA
                         * F16 prompts run the tensor cores, quantized ones
                         * the DP4A units) */
                        int same_peak = !k || tim_card_lc_peak(&cards[i], (tim_weights)o) ==
                                                  tim_card_lc_peak(&cards[i], (tim_weights)w);
                        if (o != w && (int)os == lvl && same_peak) {
                            set_slot(&cards[i], s, get_slot(&cards[i], k * TIM_NW + o), os);
                            if (k)
                                cards[i].power_share[w] = cards[i].power_share[o];
                        }
                    }
                for (int o = w; !*src && o < w + TIM_NW; o++)
                    if (all[k * TIM_NW + o % TIM_NW] > 0)
                        set_slot(&cards[i], s, all[k * TIM_NW + o % TIM_NW], TIM_SRC_RUNTIME);
            }
    }
    /* the diffusers figure last: its rows' memory-bound kernels stream at
     * each card's FP16 streaming share, which the loop above completes */
    fit_slot(rs, cards, n, exclude, 2 * TIM_NW, own, &all[2 * TIM_NW]);
    free(own);
    for (int i = 0; i < n; i++)
        if (!cards[i].sd_src && all[2 * TIM_NW] > 0)
            set_slot(&cards[i], 2 * TIM_NW, all[2 * TIM_NW], TIM_SRC_RUNTIME);
    fit_transformers(rs, cards, n, exclude, hs);
}

static int unfitted(const tim_card *cards, int n, const char *fit_path, char *err, size_t errlen)
{
    for (int i = 0; i < n; i++)
        if (!(cards[i].eff_bw_w[TIM_W_F16] > 0 && cards[i].eff_compute_w[TIM_W_F16] > 0 &&
              cards[i].eff_sd > 0)) {
            snprintf(err, errlen, "%s: no measurement to fit card '%s' from (its own, its "
                     "family's, its vendor's or any card's, for every runtime)", fit_path,
                     cards[i].name);
            return 1;
        }
    return 0;
}

int tim_fit_cards(const char *fit_path, const char *models_dir, tim_card *cards, int n,
                  const char *exclude, char *err, size_t errlen)
{
    rowset rs;
    hosts hs = {0};
    if (tim_rows_load(fit_path, models_dir, cards, n, &hs, &rs, err, errlen))
        return 2;
    int ex = -1;
    for (int i = 0; exclude && i < n; i++)
        if (!strcmp(cards[i].name, exclude))
            ex = i;
    /* the cards keep the reference host's costs: a node's CPU is not known */
    tim_fit_rowset(&rs, cards, n, ex, &hs);
    free(rs.r);
    return unfitted(cards, n, fit_path, err, errlen) ? 2 : 0;
}
