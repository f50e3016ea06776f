/* tim_validate: `avrami timing --validate`.  Every fitted card is left out
 * in turn and its own rows predicted from a fit without them; check.json's
 * rows are predicted from the fit of every row of fit.json; pairs of rows
 * that tell the model the same thing show how far two machines measure
 * apart (docs/timing.md). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timing/tim_calib.h"
#include "timing/tim_rows.h"

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
               TIM_ROW_METRICS[r->metric], r->value, p, (p - r->value) / r->value * 100.0);
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
    if (tim_rows_load(fpath, models_dir, cards, n, &hs, &fr, err, errlen) ||
        tim_rows_load(kpath, models_dir, cards, n, &hs, &cr, err, errlen))
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
        tim_fit_rowset(&fr, loo, n, i, &hs);
        for (int k = 0; k < fr.n; k++) {
            const row *r = &fr.r[k];
            if (r->card != i || r->excluded)
                continue;
            score(r, &loo[i], &hs, "loo", verbose,
                  &v->loo[r->rt][vendor_of(&loo[i])][metric_group(r->metric)]);
        }
    }
    tim_fit_rowset(&fr, cards, n, -1, &hs);
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

