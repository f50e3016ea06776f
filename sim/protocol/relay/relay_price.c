/* Task pricing, queue order and execution timeouts in the Relay.  Sources
 * (crynux-network/crynux-relay):
 *   2025-03  service/task_queue.go @ f2bb1b1 (Less: fee, type, id)
 *   2025-07  service/start_task.go @ 0601431 (queued tasks read by id; the
 *            fee heap of task_queue.go is not used by the dispatcher)
 *   2026     service/task_pricing.go (ApplyTaskPricing), service/task_matching.go
 *            (fetchQueuedTaskPage), service/task_execution_calibration.go
 *            (DescribeExecutionTimeout), config/config.example.yml @ 24ffc26
 * The functions here use the initial coefficients (a cold start); the
 * Relay's per-GPU calibration of them is relay_calib.c. */
#include <math.h>

#include "protocol/relay/relay.h"
#include "protocol/relay/relay_calib.h"

uint64_t relay_sd_units(uint64_t images, uint64_t width, uint64_t height, uint64_t steps)
{
    /* computeSDPricingUnits' defaults for keys the task leaves out */
    if (!images)
        images = 6;
    if (!width)
        width = 512;
    if (!height)
        height = 512;
    if (!steps)
        steps = 1;
    uint64_t u;
    if (__builtin_mul_overflow(images, width, &u) || __builtin_mul_overflow(u, height, &u) ||
        __builtin_mul_overflow(u, steps, &u))
        return UINT64_MAX; /* the Relay rejects the task: "overflow uint64" */
    return u;
}

double relay_estimated_seconds(const relay_params *p, const relay_task_work *t, bool model_switch)
{
    double coef[RELAY_CALIB_DIM];
    relay_calib_initial(p, t->llm, coef);
    return relay_estimate_with(t, coef, model_switch);
}

double relay_vram_weight(const relay_params *p, uint64_t vram_gb)
{
    uint64_t v = vram_gb < p->base_vram_gb ? p->base_vram_gb : vram_gb;
    return (double)v / (double)p->base_vram_gb;
}

static int bitlen(unsigned __int128 x)
{
    uint64_t hi = (uint64_t)(x >> 64), lo = (uint64_t)x;
    if (hi)
        return 128 - __builtin_clzll(hi);
    return lo ? 64 - __builtin_clzll(lo) : 0;
}

wei_t relay_bigfloat_quo_int(wei_t fee, double d)
{
    if (fee == 0 || !(d >= 1) || !isfinite(d))
        return 0;
    /* d = m * 2^e exactly, m < 2^53 */
    int ex;
    double fr = frexp(d, &ex);
    uint64_t m = (uint64_t)ldexp(fr, 53);
    int e = ex - 53;
    /* big.Float: SetInt(fee) takes precision max(64, bitlen); Quo rounds
     * to it, to nearest even.  Collect p+1 leading bits of fee/m and the
     * sticky remainder. */
    int prec = bitlen(fee) > 64 ? bitlen(fee) : 64;
    unsigned __int128 mant = fee / m;
    uint64_t r = (uint64_t)(fee % m);
    int frac = 0;
    while (bitlen(mant) < prec + 1) {
        r <<= 1;
        mant <<= 1;
        if (r >= m) {
            r -= m;
            mant |= 1;
        }
        frac++;
    }
    bool round = mant & 1, sticky = r != 0;
    mant >>= 1;
    if (round && (sticky || (mant & 1)))
        mant++;
    /* value = mant * 2^(1 - frac - e); Int() truncates toward zero */
    int x = 1 - frac - e;
    if (x >= 0)
        return x >= 128 || (x > 0 && (mant >> (128 - x)) != 0) ? WEI_MAX : mant << x;
    return -x >= 128 ? 0 : mant >> -x;
}

double relay_task_vram_weight(const relay_params *p, const relay_task_work *t)
{
    return relay_vram_weight(p, t->gpu ? t->gpu_vram_gb : t->vram_gb);
}

wei_t relay_priority_est(const relay_params *p, wei_t fee, const relay_task_work *t, double est)
{
    if (est < 1.0)
        est = 1.0; /* minEstimatedNodeSeconds */
    return relay_bigfloat_quo_int(fee, est * relay_task_vram_weight(p, t));
}

wei_t relay_priority(const relay_params *p, wei_t fee, const relay_task_work *t)
{
    return relay_priority_est(p, fee, t, relay_estimated_seconds(p, t, false));
}

uint64_t relay_timeout_of(const relay_params *p, double est)
{
    double timeout = est * p->timeout_multiplier;
    timeout = fmax(timeout, (double)p->min_exec_timeout_s);
    timeout = fmin(timeout, (double)p->max_exec_timeout_s);
    return (uint64_t)ceil(timeout);
}

uint64_t relay_exec_timeout_s(const relay_params *p, const relay_task_work *t, bool model_switch)
{
    return relay_timeout_of(p, relay_estimated_seconds(p, t, model_switch));
}

static int cmp_wei_desc(wei_t a, wei_t b)
{
    return a > b ? -1 : a < b ? 1 : 0;
}

int relay_queue_cmp(const relay_params *p, const relay_queued *a, const relay_queued *b)
{
    int c;
    if (p->max_exec_timeout_s) { /* 2026: ORDER BY priority DESC, id ASC */
        if ((c = cmp_wei_desc(a->priority, b->priority)))
            return c;
    } else {
        if (p->window_timeout_kickout) /* by id: fees meet at the node */
            return a->id < b->id ? -1 : a->id > b->id ? 1 : 0;
        if ((c = cmp_wei_desc(a->fee, b->fee)))
            return c;
        if (a->type != b->type)
            return a->type > b->type ? -1 : 1; /* LLM (1) before SD (0) */
    }
    return a->id < b->id ? -1 : a->id > b->id ? 1 : 0;
}
