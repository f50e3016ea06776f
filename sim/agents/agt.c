/* Application and node decisions (see agt.h). */
#include "agents/agt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "protocol/proto.h"

eng_time agt_next_arrival(const scn_app *a, gsl_rng *r, eng_time now, uint32_t *csv_next)
{
    switch (a->arrival) {
    case SCN_ARR_CSV:
        while (*csv_next < a->n_csv) {
            eng_time t = eng_round(a->csv_times_s[(*csv_next)++] * 1e6);
            if (t >= now)
                return t;
        }
        return ENG_TIME_MAX;
    case SCN_ARR_PERIODIC:
        /* evenly spaced: the first at one interval */
        if (a->rate_per_h <= 0)
            return ENG_TIME_MAX;
        return now + eng_round(3600e6 / a->rate_per_h);
    case SCN_ARR_POISSON:
        if (a->rate_per_h <= 0)
            return ENG_TIME_MAX;
        return now + 1 + eng_rng_exp_us(r, 3600.0 / a->rate_per_h);
    case SCN_ARR_DAILY: {
        if (a->rate_per_h <= 0)
            return ENG_TIME_MAX;
        /* thinning (Lewis-Shedler): candidates at the peak rate, each kept
         * with probability rate(t) / peak */
        double peak = a->rate_per_h * (1 + a->amplitude);
        eng_time t = now;
        for (;;) {
            t += 1 + eng_rng_exp_us(r, 3600.0 / peak);
            double day = (double)t / 1e6 / 86400.0 - a->peak_hour / 24.0;
            double rate = a->rate_per_h * (1 + a->amplitude * cos(2 * M_PI * day));
            if (gsl_rng_uniform(r) * peak < rate)
                return t;
        }
    }
    }
    return ENG_TIME_MAX;
}

uint32_t agt_pick_kind(const scn_app *a, gsl_rng *r)
{
    if (a->n_kinds == 1)
        return 0;
    double total = 0;
    for (uint32_t i = 0; i < a->n_kinds; i++)
        total += a->kinds[i].weight;
    double x = gsl_rng_uniform(r) * total;
    for (uint32_t i = 0; i < a->n_kinds; i++) {
        if (x < a->kinds[i].weight)
            return i;
        x -= a->kinds[i].weight;
    }
    return a->n_kinds - 1;
}

uint32_t agt_pick_size(const scn_task_kind *k, gsl_rng *r)
{
    return k->size_min + (uint32_t)eng_rng_below(r, (uint64_t)(k->size_max - k->size_min) + 1);
}

wei_t agt_rng_wei_upto(gsl_rng *r, wei_t bound)
{
    if (bound < UINT64_MAX)
        return eng_rng_below(r, (uint64_t)bound + 1);
    if ((bound >> 64) == 0) /* exactly 2^64 - 1: every 64-bit value */
        return ((wei_t)gsl_rng_get(r) << 32) | (wei_t)gsl_rng_get(r);
    /* 128-bit rejection: draw the bits of the bound's width */
    int bits = 128 - __builtin_clzll((uint64_t)(bound >> 64));
    wei_t mask = bits >= 128 ? WEI_MAX : (((wei_t)1 << bits) - 1);
    for (;;) {
        wei_t x = ((wei_t)gsl_rng_get(r) << 96) ^ ((wei_t)gsl_rng_get(r) << 64) ^
                  ((wei_t)gsl_rng_get(r) << 32) ^ (wei_t)gsl_rng_get(r);
        x &= mask;
        if (x <= bound)
            return x;
    }
}

wei_t agt_draw_fee(const scn_task_kind *k, gsl_rng *r)
{
    if (k->fee_dist == SCN_FEE_FIXED || k->fee_max == k->fee_min)
        return k->fee_min;
    return k->fee_min + agt_rng_wei_upto(r, k->fee_max - k->fee_min);
}

uint64_t agt_cap_s(const scn_task_kind *k, uint32_t size)
{
    uint64_t c = k->cap_base_s + (k->type == PROTO_SD ? k->cap_per_unit_s * size : 0);
    return c ? c : 1;
}

/* Both models share the noise: LogNormal(−σ²/2, σ) has mean 1.  Its
 * Gaussian is GSL's ziggurat, which takes about one draw of the generator
 * and no logarithm; gsl_ran_lognormal's polar method takes 2.5 draws, a
 * rejection loop, a log and a sqrt, and was 4% of a task's instructions
 * (three draws a task).  The same distribution, other numbers. */
static double with_noise(const scn *s, double t, gsl_rng *r)
{
    if (s->noise_sigma > 0)
        t *= exp(-0.5 * s->noise_sigma * s->noise_sigma + gsl_ran_gaussian_ziggurat(r, s->noise_sigma));
    return t > 1e-3 ? t : 1e-3;
}

static double parametric(void *ctx, const agt_work *w, gsl_rng *r)
{
    const scn *s = ctx;
    return with_noise(s, (w->kind->exec_base_s + w->kind->exec_per_unit_s * w->size) / w->card->relative_speed, r);
}

/* The calibrated model is a pure function of the scenario, the kind, the
 * card, the size and whether the model is resident, and costs thousands of
 * instructions a call (a roofline over the model's layers and kernels),
 * while a run asks it about the same few combinations millions of times.
 * Two direct-mapped tables keep the latest answers: a hit returns the
 * doubles the computation gave, a collision computes again and overwrites,
 * so the results never depend on the tables.  The noise is drawn after,
 * from the same stream, hit or not.
 *
 * The first table is what a run reads: one 64-byte line holds the answers
 * for four consecutive sizes of one kind, card and residency, and the
 * sizes' lines follow each other, so a kind's few thousand answers take a
 * few hundred lines and stay in the cache (one answer per line, at random
 * places in a megabyte, missed it about once a task).  It keeps only
 * answers without weights left in host memory; the second table, one full
 * answer per slot, keeps every answer and serves those. */
#define CALIB_SLOTS (1u << 14)
#define CALIB_LINES (1u << 13)
#define CALIB_PER_LINE 4u

typedef struct calib_entry {
    const scn_task_kind *kind; /* NULL: empty */
    const scn_card *card;
    uint32_t size;
    bool resident;
    double total_s;
    agt_fate fate;
} calib_entry;

typedef struct calib_line {
    const scn_task_kind *kind; /* NULL: empty */
    const scn_card *card;
    uint32_t size0;            /* sizes size0 .. size0 + 3 */
    uint8_t resident;
    uint8_t known;             /* bit i: the answer for size0 + i is here */
    int8_t fail[CALIB_PER_LINE];
    double total_s[CALIB_PER_LINE];
} calib_line;
_Static_assert(sizeof(calib_line) == 64, "a calibrated-time line is one cache line");

typedef struct calib_ctx {
    _Alignas(64) calib_line line[CALIB_LINES];
    calib_entry slot[CALIB_SLOTS];
    const scn *s;
    void *block; /* the allocation (calloc: its pages stay untouched until used) */
} calib_ctx;

static const calib_entry *calib_full(calib_ctx *c, const agt_work *w)
{
    uint64_t key = agt_mix64((uint64_t)(uintptr_t)w->kind ^ agt_mix64((uint64_t)(uintptr_t)w->card) ^
                             ((uint64_t)w->size << 1 | w->resident));
    calib_entry *e = &c->slot[key & (CALIB_SLOTS - 1)];
    if (e->kind != w->kind || e->card != w->card || e->size != w->size || e->resident != w->resident) {
        tim_workload wl;
        tim_breakdown b;
        scn_timing_workload(c->s, w->kind, w->size, w->resident, &wl);
        tim_task_breakdown(&w->kind->timing, &w->card->timing, &wl, &b);
        *e = (calib_entry){w->kind, w->card, w->size, w->resident, b.total_s,
                           {(int)b.fail, b.offload_gb, b.offload_s}};
    }
    return e;
}

/* Whether a line can hold the answer: no offload (both +0.0, so that the
 * zeros the line gives back are the same bits) and a failure code that
 * fits its byte. */
static bool calib_line_can_hold(const agt_fate *f)
{
    static const double zero = 0;
    return !memcmp(&f->offload_gb, &zero, sizeof zero) && !memcmp(&f->offload_s, &zero, sizeof zero) &&
           f->fail >= INT8_MIN && f->fail <= INT8_MAX;
}

static double calibrated(void *ctx, const agt_work *w, gsl_rng *r)
{
    calib_ctx *c = ctx;
    uint32_t size0 = w->size - w->size % CALIB_PER_LINE, i = w->size % CALIB_PER_LINE;
    uint64_t base = agt_mix64((uint64_t)(uintptr_t)w->kind ^ agt_mix64((uint64_t)(uintptr_t)w->card) ^ w->resident);
    calib_line *l = &c->line[(base + w->size / CALIB_PER_LINE) & (CALIB_LINES - 1)];
    bool mine = l->kind == w->kind && l->card == w->card && l->size0 == size0 && l->resident == w->resident;
    if (mine && (l->known >> i & 1)) {
        if (w->fate)
            *w->fate = (agt_fate){l->fail[i], 0, 0};
        return with_noise(c->s, l->total_s[i], r);
    }
    const calib_entry *e = calib_full(c, w);
    if (calib_line_can_hold(&e->fate)) {
        if (!mine)
            *l = (calib_line){.kind = w->kind, .card = w->card, .size0 = size0, .resident = w->resident};
        l->known |= (uint8_t)(1u << i);
        l->fail[i] = (int8_t)e->fate.fail;
        l->total_s[i] = e->total_s;
    }
    if (w->fate)
        *w->fate = e->fate;
    return with_noise(c->s, e->total_s, r);
}

agt_timing agt_timing_parametric(const scn *s)
{
    return (agt_timing){parametric, (void *)s};
}

agt_timing agt_timing_calibrated(const scn *s)
{
    void *block = calloc(1, sizeof(calib_ctx) + _Alignof(calib_ctx));
    if (!block) {
        fprintf(stderr, "avrami: out of memory\n");
        exit(2);
    }
    calib_ctx *c = (calib_ctx *)(((uintptr_t)block + _Alignof(calib_ctx) - 1) & ~(uintptr_t)(_Alignof(calib_ctx) - 1));
    c->s = s;
    c->block = block;
    return (agt_timing){calibrated, c};
}

void agt_timing_free(agt_timing *t)
{
    if (t->exec_s == calibrated)
        free(((calib_ctx *)t->ctx)->block);
    *t = (agt_timing){0};
}

agt_timing agt_timing_for(const scn *s)
{
    return s->timing_model == SCN_TIMING_CALIBRATED ? agt_timing_calibrated(s) : agt_timing_parametric(s);
}

double agt_transfer_s(double kb, double mbps, double latency_s)
{
    return latency_s + kb * 8.0 / 1000.0 / mbps;
}

uint64_t agt_mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

size_t agt_result(uint64_t task_id, int type, uint32_t size, uint8_t *out, size_t cap)
{
    size_t n = type == PROTO_SD ? (size_t)size * 8 : 32;
    if (n > cap)
        n = cap - cap % 8;
    for (size_t i = 0; i < n; i += 8) {
        uint64_t v = agt_mix64(task_id * 1000003ULL + i);
        memcpy(out + i, &v, 8);
    }
    return n;
}

void agt_nonce(uint64_t task_id, uint32_t account, uint32_t round, uint8_t out[32])
{
    uint64_t v[4] = {agt_mix64(task_id), agt_mix64(((uint64_t)account << 8) | round), task_id, round};
    memcpy(out, v, 32);
}

/* lane 0: the stake, lane 1: the delegation (the stream's replication
 * argument, so each lane is a stream of its own) */
static wei_t node_draw_cnx(uint64_t seed, uint64_t replication, uint32_t node, uint64_t lane, wei_t lo, wei_t hi)
{
    const wei_t cnx = (wei_t)1000000000000000000ULL;
    if (hi <= lo || (hi - lo) < cnx)
        return lo;
    gsl_rng *r = eng_rng_new(eng_seed_hash(seed, replication, node), lane, ENG_RNG_STAKES);
    if (!r) {
        fprintf(stderr, "avrami: out of memory\n");
        exit(2);
    }
    wei_t k = agt_rng_wei_upto(r, (hi - lo) / cnx);
    gsl_rng_free(r);
    return lo + k * cnx; /* k * cnx <= hi - lo: no overflow */
}

wei_t agt_node_stake(uint64_t seed, uint64_t replication, uint32_t node, wei_t lo, wei_t hi)
{
    return node_draw_cnx(seed, replication, node, 0, lo, hi);
}

wei_t agt_node_delegation(uint64_t seed, uint64_t replication, uint32_t node, wei_t lo, wei_t hi)
{
    return node_draw_cnx(seed, replication, node, 1, lo, hi);
}
