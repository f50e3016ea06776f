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

#include "timing/tim.h"
#include "timing/tim_calib.h"
#include "timing/tim_json.h"
#include "timing/tim_tfhost.h"
#include "util/rfile.h"

#define GIB 1073741824.0
#define CONTEXT_GB 0.5 /* tim_vram_needed_gb's CUDA context; allocator peaks exclude it */

enum { M_DECODE, M_PREFILL, M_SD_ITS, M_SD_S, M_VRAM, NMETRIC };
static const char *const METRICS[NMETRIC] = {"decode_tps", "prefill_tps", "sd_its", "sd_s",
                                             "vram_gb"};

typedef struct {
    tim_runtime rt;
    int metric, card, excluded;
    double bits; /* llama.cpp 16/8.5/4.5, transformers 16/8/4 */
    double value, gib, params_b;
    int batch, width, height, steps, prompt;
    int ctx;          /* decode: mean number of cached tokens a decoded token attends to */
    int dequant_gemm; /* llama.cpp built before June 2024: quantized prompts via cuBLAS */
    int dequant_twice; /* llama.cpp built before January 2024: the expansion's kernel did
                          every value twice (PR 4809) */
    int no_graphs;    /* llama.cpp built before May 2024: no CUDA graphs in decode */
    int early_metal;  /* llama.cpp built before September 2023: August 2023 Metal kernels */
    int main_prompt;  /* llama.cpp: the prompt timed by ./main, not by llama-bench */
    int fp16_compute; /* transformers 4-bit: bnb_4bit_compute_dtype float16 */
    int host;         /* the benchmark machine the source names (hosts), else -1 */
    tim_model m;
} row;

/* The benchmark machines the rows of both files name, and each one's factor
 * on transformers' host costs from the last fit (tim_tfhost.c). */
#define MAX_HOSTS 32 /* tim_validation's hosts */
#define HOST_LEN 48
typedef struct {
    int n;
    char name[MAX_HOSTS][HOST_LEN];
    double factor[MAX_HOSTS];
} hosts;

typedef struct {
    row *r;
    int n;
    int skipped; /* rows naming a card not in cards.json */
} rowset;

static int weights_bits(tim_runtime rt, const char *w, double *bits)
{
    static const struct { tim_runtime rt; const char *name; double bits; } T[] = {
        {TIM_RT_LLAMACPP, "Q4_0", 4.5}, {TIM_RT_LLAMACPP, "Q8_0", 8.5},
        {TIM_RT_LLAMACPP, "F16", 16}, {TIM_RT_TRANSFORMERS, "fp32", 32},
        {TIM_RT_TRANSFORMERS, "fp16", 16}, {TIM_RT_TRANSFORMERS, "int8", 8},
        {TIM_RT_TRANSFORMERS, "4bit", 4}, {TIM_RT_DIFFUSERS, "fp16", 16}};
    for (size_t i = 0; i < sizeof T / sizeof *T; i++)
        if (T[i].rt == rt && !strcmp(T[i].name, w)) {
            *bits = T[i].bits;
            return 0;
        }
    return -1;
}

static int opt_int(cJSON *o, const char *k, int def, int *out)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!v) {
        *out = def;
        return 0;
    }
    if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > 1e6 ||
        v->valuedouble != (int)v->valuedouble)
        return -1;
    *out = (int)v->valuedouble;
    return 0;
}

static int str_of(cJSON *o, const char *k, const char **out)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    *out = cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : NULL;
    return *out ? 0 : -1;
}

/* The row's "host": the machine the source names for the run, with the
 * evidence in "host_source"; its index in hs (added when new), -1 without. */
static int parse_host(cJSON *o, hosts *hs, int *host)
{
    const char *name, *why;
    *host = -1;
    if (!cJSON_GetObjectItemCaseSensitive(o, "host"))
        return 0;
    if (str_of(o, "host", &name) || strlen(name) >= HOST_LEN || str_of(o, "host_source", &why))
        return -1;
    for (int h = 0; h < hs->n; h++)
        if (!strcmp(hs->name[h], name))
            return *host = h, 0;
    if (hs->n == MAX_HOSTS)
        return -1;
    snprintf(hs->name[hs->n], HOST_LEN, "%s", name);
    hs->factor[hs->n] = 1;
    *host = hs->n++;
    return 0;
}

/* One row of a validation file into r.  0; -1 bad (err set); 1 card unknown. */
static int parse_row(cJSON *o, int i, const char *path, const char *dir, const tim_card *cards,
                     int ncards, cJSON *cardjson, hosts *hs, row *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    const char *rt, *card, *model, *w, *metric, *src;
#define BAD(field, what)                                                                        \
    do {                                                                                        \
        snprintf(err, errlen, "%s: .rows[%d].%s: expected %s", path, i, field, what);          \
        return -1;                                                                              \
    } while (0)
    if (str_of(o, "runtime", &rt) || tim_runtime_parse(rt, &r->rt))
        BAD("runtime", "\"llama.cpp\", \"transformers\" or \"diffusers\"");
    if (str_of(o, "source", &src))
        BAD("source", "where the figure was published (a non-empty string)");
    if (str_of(o, "metric", &metric))
        BAD("metric", "decode_tps, prefill_tps, sd_its, sd_s or vram_gb");
    r->metric = -1;
    for (int k = 0; k < NMETRIC; k++)
        if (!strcmp(metric, METRICS[k]))
            r->metric = k;
    int sd_metric = r->metric >= M_SD_ITS;
    if (r->metric < 0 || sd_metric != (r->rt == TIM_RT_DIFFUSERS))
        BAD("metric", r->rt == TIM_RT_DIFFUSERS ? "sd_its, sd_s or vram_gb for diffusers"
                                                : "decode_tps or prefill_tps for a language model runtime");
    if (str_of(o, "weights", &w) || weights_bits(r->rt, w, &r->bits))
        BAD("weights", r->rt == TIM_RT_LLAMACPP ? "Q4_0, Q8_0 or F16"
                       : r->rt == TIM_RT_TRANSFORMERS ? "fp32, fp16, int8 or 4bit" : "fp16");
    if (tim_json_num(o, "value", &r->value, path, "rows", i, err, errlen))
        return -1;
    if (r->rt == TIM_RT_LLAMACPP &&
        (tim_json_num(o, "weights_gib", &r->gib, path, "rows", i, err, errlen) ||
         tim_json_num(o, "params_b", &r->params_b, path, "rows", i, err, errlen)))
        return -1;
    if (opt_int(o, "batch", 1, &r->batch))
        BAD("batch", "a positive integer");
    if (opt_int(o, "width", 512, &r->width) || opt_int(o, "height", 512, &r->height))
        BAD("width", "a positive integer (and so height)");
    if (opt_int(o, "steps", 25, &r->steps))
        BAD("steps", "a positive integer");
    if (opt_int(o, "prompt", 512, &r->prompt))
        BAD("prompt", "a positive integer");
    /* llama-bench's tg128 from an empty cache attends to 64 tokens on average */
    if (opt_int(o, "ctx", 64, &r->ctx))
        BAD("ctx", "a positive integer (the mean context of the decoded tokens)");
    /* the month the figures were measured, which says how llama.cpp's CUDA
     * backend multiplied a quantized prompt: dequantize + cuBLAS until PR
     * 8075 made MMQ the default (merged 2024-06-24) */
    cJSON *date = cJSON_GetObjectItemCaseSensitive(o, "date");
    int yy = 0, mm = 0, used = 0;
    if (date && !(cJSON_IsString(date) && sscanf(date->valuestring, "%4d-%2d%n", &yy, &mm, &used) == 2 &&
                  used == 7 && !date->valuestring[used] && yy >= 2022 && mm >= 1 && mm <= 12))
        BAD("date", "the month the figure was measured, \"YYYY-MM\"");
    r->dequant_gemm = r->rt == TIM_RT_LLAMACPP && date && yy * 12 + mm < 2024 * 12 + 6;
    /* the expansion computing every value twice until PR 4809, merged
     * 2024-01-07: a month before January is before it; a January row is
     * taken as after it (the rows of that month: PR 4766's of 2024-01-10
     * and later) */
    r->dequant_twice = r->rt == TIM_RT_LLAMACPP && date && yy * 12 + mm < 2024 * 12 + 1;
    /* CUDA graphs for decoding: PR 6766, merged May 2024 */
    r->no_graphs = r->rt == TIM_RT_LLAMACPP && date && yy * 12 + mm < 2024 * 12 + 5;
    /* Metal's prompt and mat-vec tuning: September to November 2023 */
    r->early_metal = r->rt == TIM_RT_LLAMACPP && date && yy * 12 + mm < 2023 * 12 + 9;
    /* the program that timed it: llama-bench (the default) or ./main, whose
     * one timed prompt carries a fresh process's first-prompt cost */
    cJSON *hn = cJSON_GetObjectItemCaseSensitive(o, "harness");
    if (hn && !(r->rt == TIM_RT_LLAMACPP && cJSON_IsString(hn) &&
                (!strcmp(hn->valuestring, "main") || !strcmp(hn->valuestring, "llama-bench"))))
        BAD("harness", "\"main\" or \"llama-bench\" (llama.cpp rows only)");
    r->main_prompt = hn && !strcmp(hn->valuestring, "main");
    /* bitsandbytes 4-bit's compute dtype: float32 unless the benchmark set
     * bnb_4bit_compute_dtype (gpt-task sets none) */
    cJSON *cd = cJSON_GetObjectItemCaseSensitive(o, "compute");
    if (cd && !(r->rt == TIM_RT_TRANSFORMERS && r->bits == 4 && cJSON_IsString(cd) &&
                (!strcmp(cd->valuestring, "float16") || !strcmp(cd->valuestring, "float32"))))
        BAD("compute", "\"float16\" or \"float32\" (transformers 4bit rows only)");
    r->fp16_compute = cd && !strcmp(cd->valuestring, "float16");
    cJSON *ex = cJSON_GetObjectItemCaseSensitive(o, "excluded");
    if (ex && !(cJSON_IsString(ex) && ex->valuestring[0]))
        BAD("excluded", "the reason the row is left out (a non-empty string)");
    r->excluded = ex != NULL;
    if (parse_host(o, hs, &r->host))
        BAD("host", "the benchmark machine's name (under 48 characters, at most 32 machines), "
                    "with the evidence for it in host_source");
    if (str_of(o, "model", &model))
        BAD("model", "a model of llms.json or sd.json");
    char llms[1100], sd[1100], e2[512];
    snprintf(llms, sizeof llms, "%s/llms.json", dir);
    snprintf(sd, sizeof sd, "%s/sd.json", dir);
    int rc = tim_model_load(llms, sd, model, &r->m, e2, sizeof e2);
    if (rc || (r->m.kind == TIM_SD) != (r->rt == TIM_RT_DIFFUSERS)) {
        snprintf(err, errlen, "%s: .rows[%d].model: expected a %s model: %s", path, i,
                 r->rt == TIM_RT_DIFFUSERS ? "sd.json" : "llms.json",
                 rc ? e2 : "wrong kind for the runtime");
        return -1;
    }
    if (str_of(o, "card", &card))
        BAD("card", "a card name");
    r->card = -1;
    cJSON *c;
    int k = 0;
    cJSON_ArrayForEach(c, cardjson) {
        if (k < ncards && tim_json_name_matches(c, card)) {
            r->card = k;
            break;
        }
        k++;
    }
    (void)cards;
    return r->card < 0 ? 1 : 0;
#undef BAD
}

static int rows_load(const char *path, const char *dir, const tim_card *cards, int ncards,
                     hosts *hs, rowset *rs, char *err, size_t errlen)
{
    memset(rs, 0, sizeof *rs);
    char cpath[1100];
    snprintf(cpath, sizeof cpath, "%s/cards.json", dir);
    cJSON *cj = rfile_json(cpath, err, errlen);
    if (!cj)
        return 2;
    cJSON *j = rfile_json(path, err, errlen), *o;
    cJSON *rows = j ? cJSON_GetObjectItemCaseSensitive(j, "rows") : NULL;
    if (j && !cJSON_IsArray(rows))
        snprintf(err, errlen, "%s: .rows: expected an array of measurements", path);
    int n = cJSON_GetArraySize(rows), rc = j && cJSON_IsArray(rows) ? 0 : 2, i = 0;
    rs->r = n > 0 ? calloc((size_t)n, sizeof *rs->r) : NULL;
    cJSON *cards_arr = cJSON_GetObjectItemCaseSensitive(cj, "cards");
    cJSON_ArrayForEach(o, rows) {
        if (!rs->r) {
            snprintf(err, errlen, "%s: out of memory", path);
            rc = 2;
            break;
        }
        int pr = parse_row(o, i++, path, dir, cards, ncards, cards_arr, hs, &rs->r[rs->n], err, errlen);
        if (pr < 0) {
            rc = 2;
            break;
        }
        if (pr == 1)
            rs->skipped++;
        else
            rs->n++;
    }
    cJSON_Delete(j);
    cJSON_Delete(cj);
    if (rc) {
        free(rs->r);
        rs->r = NULL;
    }
    return rc;
}

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

static void fit(const rowset *rs, tim_card *cards, int n, int exclude, hosts *hs)
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
    if (rows_load(fit_path, models_dir, cards, n, &hs, &rs, err, errlen))
        return 2;
    int ex = -1;
    for (int i = 0; exclude && i < n; i++)
        if (!strcmp(cards[i].name, exclude))
            ex = i;
    /* the cards keep the reference host's costs: a node's CPU is not known */
    fit(&rs, cards, n, ex, &hs);
    free(rs.r);
    return unfitted(cards, n, fit_path, err, errlen) ? 2 : 0;
}

/* ---- prediction of one row */

static double predict(const row *r, const tim_card *card, const hosts *hs)
{
    /* a named benchmark machine's host costs are its factor on the
     * reference host's */
    tim_card hc = *card, *c = &hc;
    double f = r->host >= 0 ? hs->factor[r->host] : 1.0;
    hc.tf_layer_s *= f;
    hc.tf_int8_s *= f;
    hc.tf_4bit_s *= f;
    tim_workload w;
    tim_workload_default(&w, r->m.kind == TIM_SD ? TIM_SD : TIM_GPT);
    w.runtime = r->rt == TIM_RT_DIFFUSERS ? TIM_RT_DIFFUSERS : r->rt;
    w.bits = r->bits;
    w.resident = 1;
    w.overhead_s = 0;
    /* published benchmarks run without CUDA_LAUNCH_BLOCKING */
    w.launch_blocking = 0;
    w.tf_4bit_fp16 = r->fp16_compute;
    w.lc_dequant_gemm = r->dequant_gemm;
    w.lc_dequant_twice = r->dequant_twice;
    w.lc_no_graphs = r->no_graphs;
    w.lc_early_metal = r->early_metal;
    w.lc_main_prompt = r->main_prompt;
    /* a decode step attends to prompt + half the new tokens on average */
    w.prompt_tokens = r->metric == M_PREFILL ? r->prompt : 0;
    w.max_new_tokens = r->metric == M_DECODE ? 2 * r->ctx : 0;
    w.width = r->width;
    w.height = r->height;
    w.steps = r->steps;
    w.sd_batch = r->batch;
    /* a language model row's batch: that many sequences in each forward */
    if (r->m.kind != TIM_SD)
        w.num_sequences = r->batch;
    tim_breakdown b;
    tim_task_breakdown(&r->m, c, &w, &b);
    switch (r->metric) {
    case M_DECODE:
        return b.decode_tps;
    case M_PREFILL:
        return b.prefill_tps;
    case M_SD_ITS:
        /* a batch of b images per step, the fixed cost once */
        return 1.0 / b.step_s;
    case M_SD_S:
        return b.decode_s;
    default:
        return b.vram_gb - CONTEXT_GB;
    }
}

static int metric_group(int metric)
{
    return metric == M_DECODE ? TIM_M_DECODE : metric == M_PREFILL ? TIM_M_PREFILL : TIM_M_SD;
}

static void add_err(tim_err *e, double pct)
{
    e->mape = (e->mape * e->n + pct) / (e->n + 1);
    e->n++;
    if (pct > e->worst)
        e->worst = pct;
}

static void score(const row *r, const tim_card *c, const hosts *hs, const char *what, int verbose,
                  tim_err *e)
{
    double p = predict(r, c, hs), pct = fabs(p - r->value) / r->value * 100.0;
    add_err(e, pct);
    if (verbose)
        printf("%-5s %-12s %-14s %-28s %-5s %-11s %10.2f %10.2f %+7.1f%%\n", what,
               tim_runtime_name(r->rt), c->name, r->m.name,
               r->rt == TIM_RT_LLAMACPP ? tim_weights_name(tim_weights_of_bits(r->bits))
               : r->bits >= 32 ? "fp32" : r->bits >= 16 ? "fp16" : r->bits >= 8 ? "int8" : "4bit",
               METRICS[r->metric], r->value, p, (p - r->value) / r->value * 100.0);
}

static int vendor_of(const tim_card *c)
{
    return !strcmp(c->vendor, "Apple") ? TIM_V_APPLE : TIM_V_NVIDIA;
}

/* The same measurement: what the model is told about two rows is equal
 * (prompts within 10%: llama-bench's 512 against a 494-token prompt). */
static int same_conditions(const row *a, const row *b)
{
    int pa = a->prompt, pb = b->prompt;
    return a->rt == b->rt && a->card == b->card && a->metric == b->metric && a->bits == b->bits &&
           !strcmp(a->m.name, b->m.name) && a->batch == b->batch && a->width == b->width &&
           a->height == b->height && a->steps == b->steps && a->dequant_gemm == b->dequant_gemm &&
           a->no_graphs == b->no_graphs && a->early_metal == b->early_metal &&
           a->fp16_compute == b->fp16_compute &&
           (a->metric != M_PREFILL || a->main_prompt == b->main_prompt) &&
           a->metric != M_VRAM &&
           10 * (pa > pb ? pa - pb : pb - pa) <= (pa > pb ? pa : pb);
}

/* Pairs of same-condition rows across both files, per runtime, vendor and
 * metric group: how far apart two machines measure the same thing. */
static void source_spread(const rowset *fr, const rowset *cr, const tim_card *cards, tim_validation *v)
{
    int n = fr->n + cr->n;
    const row **all = malloc(sizeof *all * (size_t)(n + 1));
    double *ratio = malloc(sizeof *ratio * (size_t)(n * (n - 1) / 2 + 1));
    if (!all || !ratio)
        goto out;
    for (int k = 0; k < n; k++)
        all[k] = k < fr->n ? &fr->r[k] : &cr->r[k - fr->n];
    for (int rt = 0; rt < TIM_NRT; rt++)
        for (int vd = 0; vd < TIM_NV; vd++)
            for (int mg = 0; mg < TIM_NM; mg++) {
                int m = 0;
                double floor = 0;
                for (int i = 0; i < n; i++)
                    for (int j = i + 1; j < n; j++) {
                        const row *a = all[i], *b = all[j];
                        if (a->excluded || b->excluded || (int)a->rt != rt || !same_conditions(a, b) ||
                            vendor_of(&cards[a->card]) != vd || metric_group(a->metric) != mg)
                            continue;
                        double lo = fmin(a->value, b->value), hi = fmax(a->value, b->value);
                        ratio[m++] = hi / lo;
                        floor += (1 - lo / hi) / 2 * 100;
                    }
                if (!m)
                    continue;
                v->spread[rt][vd][mg].pairs = m;
                v->spread[rt][vd][mg].floor_pct = floor / m;
                double worst = 0;
                for (int k = 0; k < m; k++)
                    worst = fmax(worst, ratio[k]);
                v->spread[rt][vd][mg].worst_ratio = worst;
                v->spread[rt][vd][mg].median_ratio = tim_median(ratio, m);
            }
out:
    free(all);
    free(ratio);
}

int tim_validate(const char *models_dir, int verbose, tim_validation *v, char *err, size_t errlen)
{
    memset(v, 0, sizeof *v);
    char cpath[1100], fpath[1100], kpath[1100];
    snprintf(cpath, sizeof cpath, "%s/cards.json", models_dir);
    snprintf(fpath, sizeof fpath, "%s/validation/fit.json", models_dir);
    snprintf(kpath, sizeof kpath, "%s/validation/check.json", models_dir);
    tim_card *cards, *loo = NULL;
    int n, rc = 2;
    if (tim_cards_read(cpath, &cards, &n, err, errlen))
        return 2;
    rowset fr = {0}, cr = {0};
    hosts hs = {0};
    if (rows_load(fpath, models_dir, cards, n, &hs, &fr, err, errlen) ||
        rows_load(kpath, models_dir, cards, n, &hs, &cr, err, errlen))
        goto out;
    v->skipped = fr.skipped + cr.skipped;
    loo = malloc(sizeof *loo * (size_t)n);
    if (!loo) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    if (verbose)
        printf("%-5s %-12s %-14s %-28s %-5s %-11s %10s %10s %8s\n", "set", "runtime", "card",
               "model", "wts", "metric", "measured", "predicted", "error");
    /* leave one card out: refit without the card, predict its fitted rows */
    for (int i = 0; i < n; i++) {
        int has = 0;
        for (int k = 0; k < fr.n && !has; k++)
            has = fr.r[k].card == i && !fr.r[k].excluded;
        if (!has)
            continue;
        memcpy(loo, cards, sizeof *loo * (size_t)n);
        fit(&fr, loo, n, i, &hs);
        for (int k = 0; k < fr.n; k++) {
            const row *r = &fr.r[k];
            if (r->card != i || r->excluded)
                continue;
            score(r, &loo[i], &hs, "loo", verbose,
                  &v->loo[r->rt][vendor_of(&loo[i])][metric_group(r->metric)]);
        }
    }
    fit(&fr, cards, n, -1, &hs);
    for (int k = 0; k < cr.n; k++) {
        const row *r = &cr.r[k];
        if (r->excluded) {
            /* printed, never scored */
            tim_err none = {0};
            if (verbose)
                score(r, &cards[r->card], &hs, "excl", verbose, &none);
            v->excluded++;
            continue;
        }
        tim_err *e = r->metric == M_VRAM ? &v->vram
                     : &v->check[r->rt][vendor_of(&cards[r->card])][metric_group(r->metric)];
        score(r, &cards[r->card], &hs, "check", verbose, e);
    }
    for (int k = 0; k < fr.n; k++) {
        tim_err none = {0};
        if (fr.r[k].excluded && verbose)
            score(&fr.r[k], &cards[fr.r[k].card], &hs, "excl", verbose, &none);
        v->excluded += fr.r[k].excluded;
    }
    source_spread(&fr, &cr, cards, v);
    v->nhosts = hs.n;
    for (int h = 0; h < hs.n; h++) {
        snprintf(v->hosts[h].name, sizeof v->hosts[h].name, "%s", hs.name[h]);
        v->hosts[h].factor = hs.factor[h];
        for (int k = 0; k < fr.n; k++)
            v->hosts[h].fit_rows += fr.r[k].host == h && !fr.r[k].excluded;
    }
    rc = 0;
out:
    free(loo);
    free(fr.r);
    free(cr.r);
    free(cards);
    return rc;
}
