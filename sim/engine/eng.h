/* The discrete-event core: a simulated clock in integer microseconds, an
 * event list, and reproducible random-number streams.  Nothing here knows
 * about Crynux.
 *
 * Ordering: events fire in (time, sequence number) order, the sequence number
 * being the order in which they were scheduled, so ties are deterministic.
 *
 * Structure: a radix heap over the events' times (Ahuja, Mehlhorn, Orlin
 * and Tarjan, "Faster algorithms for the shortest path problem", J. ACM
 * 37(2), 1990), which holds because no time is scheduled before the clock,
 * with buckets per 4-bit digit (engine/eng.c), plus a FIFO ring for events
 * scheduled at the current time, which are common (a transaction's
 * consequences).  An event's bucket depends on its time alone, so equal
 * times share a bucket, and buckets keep the order events reach them: equal
 * times fire in scheduling order without a sequence number.  The events
 * sit in the buckets themselves; buckets and ring grow by doubling, so
 * after warm-up no event allocates.
 *
 * Costs: schedule O(1) (an append to a bucket); next amortized O(1) plus a
 * scan of the bucket it empties, each event moving down at most 16 buckets
 * in its life.  On the hold model (bench_engine), against the 128-bit-key
 * radix heap with a payload pool that it replaced: 1.25x the events per
 * second with 1,000 pending, 1.45x with 100,000, 2.7x with 1,000,000; that
 * heap had given 1.4x / 2.5x / 4.3x over a 4-ary heap. */
#ifndef AVRAMI_ENGINE_ENG_H
#define AVRAMI_ENGINE_ENG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <math.h>

#include <gsl/gsl_rng.h>

typedef int64_t eng_time; /* microseconds since the start of the run */

#define ENG_US_PER_S 1000000LL
#define ENG_TIME_MAX INT64_MAX

/* llround(x): the nearest integer, halves away from zero, without the
 * library call (a few instructions where libm's takes about fifty; times in
 * microseconds are rounded several times per task).  Exact: for |x| < 2^62
 * the truncation i is a double's integer part, so x - i is the fractional
 * part without rounding error; NaN and larger values go to llround. */
static inline int64_t eng_round(double x)
{
    if (!(x > -0x1p62 && x < 0x1p62))
        return (int64_t)llround(x);
    int64_t i = (int64_t)x;
    double f = x - (double)i;
    return i + (f >= 0.5) - (f <= -0.5);
}

/* What an event carries: a kind for the dispatcher and two operands. */
typedef struct eng_ev {
    eng_time t;
    uint32_t kind;
    uint32_t a;
    uint64_t b;
} eng_ev;

typedef struct eng eng;

/* capacity_hint: the pending events expected (grows beyond it if needed). */
eng *eng_new(size_t capacity_hint);
void eng_free(eng *e);

eng_time eng_now(const eng *e);
/* Schedules at absolute time t >= now (an earlier t is clamped to now).
 * Returns false only when memory runs out. */
bool eng_at(eng *e, eng_time t, uint32_t kind, uint32_t a, uint64_t b);
static inline bool eng_after(eng *e, eng_time delay, uint32_t kind, uint32_t a, uint64_t b)
{
    return eng_at(e, eng_now(e) + (delay > 0 ? delay : 0), kind, a, b);
}
/* Events scheduled later than t are dropped at once: a run that ends at t
 * never fires them, and most far-off timers (a home node's next pause or
 * quit) would otherwise fill the heap.  Default: none dropped. */
void eng_set_horizon(eng *e, eng_time t);
/* Pops the earliest event and advances the clock to it; false when empty. */
bool eng_next(eng *e, eng_ev *out);
/* Time of the earliest pending event, or ENG_TIME_MAX. */
eng_time eng_peek_time(const eng *e);
size_t eng_pending(const eng *e);
uint64_t eng_fired(const eng *e);

/* ---- random streams ----
 * One generator per purpose, seeded from (scenario seed, replication, stream)
 * by a fixed hash (splitmix64), so adding draws to one purpose never shifts
 * another purpose's sequence. */
typedef enum eng_stream {
    ENG_RNG_ARRIVALS = 1,
    ENG_RNG_SELECTION = 2,
    ENG_RNG_EXEC = 3,
    ENG_RNG_CHURN = 4,
    ENG_RNG_BEHAVIOUR = 5,
    ENG_RNG_FEES = 6,
    ENG_RNG_NETWORK = 7,
    ENG_RNG_SETUP = 8,
    ENG_RNG_ATTACK = 9, /* behaviours' per-task choices (cheat, miss a task) */
    ENG_RNG_SAMPLING = 10, /* the applications' VRF sampling draws (edition vss) */
    ENG_RNG_JOINS = 11,    /* the join process's arrival times: apart from the nodes' own
                              churn draws, so the same replication joins the same nodes at
                              the same times under every protocol edition */
    ENG_RNG_STAKES = 12,   /* the nodes' stakes (protocol.stake_max): one draw per node, from
                              (seed, replication, node index) alone */
} eng_stream;

uint64_t eng_seed_hash(uint64_t seed, uint64_t replication, uint64_t stream);
gsl_rng *eng_rng_new(uint64_t seed, uint64_t replication, eng_stream stream);
/* Uniform integer in [0, bound), bound >= 1, over the full 64-bit range
 * (gsl_rng_uniform_int is limited to the generator's 32-bit range).
 * Unbiased: rejection sampling. */
uint64_t eng_rng_below(gsl_rng *r, uint64_t bound);
/* A draw eng_rng_below(r, b) whose bound is not known yet, only that
 * 1 <= b <= max_bound <= 0xffffffff: takes its first number into *x and
 * answers whether every such bound accepts it (the draw is then done: the
 * stream stands where eng_rng_below(r, b) leaves it, and the draw's value is
 * *x % b).  Otherwise eng_rng_below_from(r, b, *x) ends the draw once b is
 * known.  For draws whose values matter only through the bounds of later
 * draws: with a bound well below 2^32 nearly every number is accepted by all
 * bounds, so the bound need not be worked out. */
bool eng_rng_take(gsl_rng *r, uint64_t max_bound, uint64_t *x);
/* eng_rng_below(r, bound), 1 <= bound <= 0xffffffff, whose first number x
 * was taken already (eng_rng_take). */
uint64_t eng_rng_below_from(gsl_rng *r, uint64_t bound, uint64_t x);
/* Exponential delay in microseconds with the given mean (seconds), >= 0. */
eng_time eng_rng_exp_us(gsl_rng *r, double mean_s);

#endif
