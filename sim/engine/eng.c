/* Event list and random streams; see eng.h for the structure. */
#include "engine/eng.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

/* A time's digits of DIGIT_BITS bits: an event sits in the bucket of the
 * highest digit in which its time differs from `last` (the level) and of
 * its own value of that digit, so that a settle moves an event down at
 * least a whole digit.  Four bits: bench_sim case 1 moved 2.8 M events
 * for 601 k fired with one-bit digits, 1.3 M with eight (whose 33-word
 * bitmap of buckets costs more to scan); four gave the fewest instructions
 * per task among 1, 2, 3, 4, 6 and 8 bits but for six (0.3% fewer, with a
 * bitmap of 12 words to scan where four has 5). */
#define DIGIT_BITS 4
#define DIGITS (1u << DIGIT_BITS)
#define LEVELS (64 / DIGIT_BITS)
#define NBUCKETS (1 + LEVELS * DIGITS) /* bucket 0: the events at `last` */
#define USED_WORDS ((NBUCKETS + 63) / 64)

struct eng {
    eng_time now;
    eng_time horizon; /* events later than this are never stored */
    uint64_t fired;

    /* Radix heap over the events' times (keys of 64 bits: the time alone).
     * `last` is the smallest time when it was last looked for, and the
     * clock's: no time scheduled since (later than the clock) is below it,
     * which is what a radix heap needs.  An event's bucket depends on its
     * time and `last` alone, so events of equal time always share a bucket;
     * each bucket keeps its events in the order they reached it (appends,
     * and a settle moves a bucket's events in order), so equal times stay in
     * scheduling order without a sequence number, and bucket 0 is a FIFO of
     * the events at the current time.  The events themselves sit in the
     * buckets: no payload pool to look up. */
    uint64_t last;
    struct bucket { eng_ev *v; uint32_t head, n, cap; } b[NBUCKETS];
    uint64_t used[USED_WORDS]; /* bit i: bucket i non-empty */
    size_t nheap;

    eng_ev *ring;   /* events scheduled at the current time, in scheduling order */
    size_t rhead, rlen, rcap; /* rcap is a power of two */
};

static size_t pow2_at_least(size_t n)
{
    size_t c = 16;
    while (c < n)
        c <<= 1;
    return c;
}

eng *eng_new(size_t hint)
{
    eng *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->horizon = ENG_TIME_MAX;
    e->rcap = pow2_at_least(hint / 8 + 16);
    e->ring = malloc(e->rcap * sizeof *e->ring);
    if (!e->ring) {
        eng_free(e);
        return NULL;
    }
    return e;
}

void eng_free(eng *e)
{
    if (!e)
        return;
    for (unsigned i = 0; i < NBUCKETS; i++)
        free(e->b[i].v);
    free(e->ring);
    free(e);
}

eng_time eng_now(const eng *e) { return e->now; }
size_t eng_pending(const eng *e) { return e->nheap + e->rlen; }
uint64_t eng_fired(const eng *e) { return e->fired; }

static bool push_ring(eng *e, uint32_t kind, uint32_t a, uint64_t b)
{
    if (e->rlen == e->rcap) {
        size_t nc = e->rcap * 2;
        eng_ev *nr = malloc(nc * sizeof *nr);
        if (!nr)
            return false;
        for (size_t i = 0; i < e->rlen; i++)
            nr[i] = e->ring[(e->rhead + i) & (e->rcap - 1)];
        free(e->ring);
        e->ring = nr;
        e->rhead = 0;
        e->rcap = nc;
    }
    e->ring[(e->rhead + e->rlen++) & (e->rcap - 1)] = (eng_ev){e->now, kind, a, b};
    return true;
}

/* The bucket of time t when the last time taken out is `last` (t >= last):
 * ordered as the times are, since a time in a higher level, or in the same
 * level with a higher digit, is the larger. */
static inline unsigned bucket_of(uint64_t last, uint64_t t)
{
    uint64_t x = t ^ last;
    if (!x)
        return 0;
    unsigned level = (63u - (unsigned)__builtin_clzll(x)) / DIGIT_BITS;
    return 1u + level * DIGITS + (unsigned)(t >> (level * DIGIT_BITS) & (DIGITS - 1));
}

static __attribute__((noinline, cold)) bool bucket_grow(struct bucket *b)
{
    uint32_t nc = b->cap ? b->cap * 2 : 64;
    if (nc <= b->cap)
        return false;
    eng_ev *nv = realloc(b->v, nc * sizeof *nv);
    if (!nv)
        return false;
    b->v = nv;
    b->cap = nc;
    return true;
}

static inline bool bucket_push(eng *e, unsigned i, const eng_ev *ev)
{
    struct bucket *b = &e->b[i];
    if (b->n == b->cap && !bucket_grow(b))
        return false;
    b->v[b->n++] = *ev;
    e->used[i >> 6] |= 1ull << (i & 63);
    return true;
}

/* The lowest non-empty bucket; the heap must not be empty. */
static unsigned lowest_used(const eng *e)
{
    for (unsigned w = 0;; w++)
        if (e->used[w])
            return w * 64 + (unsigned)__builtin_ctzll(e->used[w]);
}

static uint64_t bucket_min(const struct bucket *b)
{
    uint64_t m = (uint64_t)b->v[b->head].t;
    for (uint32_t j = b->head + 1; j < b->n; j++)
        if ((uint64_t)b->v[j].t < m)
            m = (uint64_t)b->v[j].t;
    return m;
}

/* Makes bucket 0 hold the events of the smallest time: takes the lowest
 * non-empty bucket's smallest time as the new `last` and spreads that
 * bucket's events, in order, over the buckets below it (they share every
 * digit from the bucket's level up with the new `last`, so each moves down
 * at least one level: at most 16 moves in an event's life).  The buckets
 * above keep their events where they are: their level's digit is still the
 * highest in which they differ. */
static void settle(eng *e)
{
    unsigned i = lowest_used(e);
    if (i == 0)
        return;
    struct bucket *b = &e->b[i];
    uint64_t m = bucket_min(b);
    e->last = m;
    uint32_t n = b->n;
    b->n = 0;
    e->used[i >> 6] &= ~(1ull << (i & 63));
    for (uint32_t j = 0; j < n; j++)
        if (!bucket_push(e, bucket_of(m, (uint64_t)b->v[j].t), &b->v[j])) {
            /* half moved: the order could not be kept */
            fprintf(stderr, "avrami: out of memory in the event list\n");
            exit(2);
        }
}

void eng_set_horizon(eng *e, eng_time t) { e->horizon = t; }

bool eng_at(eng *e, eng_time t, uint32_t kind, uint32_t a, uint64_t b)
{
    if (t <= e->now)
        return push_ring(e, kind, a, b);
    if (t > e->horizon) /* would never fire; the others keep their relative order */
        return true;
    eng_ev ev = {t, kind, a, b};
    if (!bucket_push(e, bucket_of(e->last, (uint64_t)t), &ev))
        return false;
    e->nheap++;
    return true;
}

eng_time eng_peek_time(const eng *e)
{
    if (e->rlen)
        return e->now;
    if (!e->nheap)
        return ENG_TIME_MAX;
    return (eng_time)bucket_min(&e->b[lowest_used(e)]);
}

/* Takes bucket 0's first event; settle() has run. */
static void pop_heap(eng *e, eng_ev *out)
{
    struct bucket *b = &e->b[0];
    *out = b->v[b->head++];
    if (b->head == b->n) {
        b->head = b->n = 0;
        e->used[0] &= ~1ull;
    }
    e->nheap--;
}

bool eng_next(eng *e, eng_ev *out)
{
    /* Heap events at the current time were scheduled before the clock got
     * here, hence before anything in the ring: they go first. */
    if (e->used[0] & 1) { /* bucket 0: events at now */
        pop_heap(e, out);
    } else if (e->rlen) {
        *out = e->ring[e->rhead];
        e->rhead = (e->rhead + 1) & (e->rcap - 1);
        e->rlen--;
    } else if (e->nheap) {
        settle(e); /* only now may `last` move past the clock: the clock follows */
        pop_heap(e, out);
        assert(out->t >= e->now);
        e->now = out->t;
    } else {
        return false;
    }
    e->fired++;
    return true;
}

/* ---- random streams ---- */

static uint64_t splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

uint64_t eng_seed_hash(uint64_t seed, uint64_t rep, uint64_t stream)
{
    return splitmix64(splitmix64(splitmix64(seed) ^ rep) ^ (stream * 0xd1b54a32d192ed03ULL));
}

gsl_rng *eng_rng_new(uint64_t seed, uint64_t rep, eng_stream stream)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!r)
        return NULL;
    /* mt19937 keeps 32 bits of its seed; fold the hash so all 64 count */
    uint64_t h = eng_seed_hash(seed, rep, (uint64_t)stream);
    unsigned long s = (unsigned long)((h ^ (h >> 32)) & 0xffffffffUL);
    gsl_rng_set(r, s ? s : 4357);
    return r;
}

static uint64_t draw64(gsl_rng *r)
{
    /* mt19937 yields 32 bits a call */
    return ((uint64_t)gsl_rng_get(r) << 32) | (uint64_t)gsl_rng_get(r);
}

/* A 32-bit draw below bound (< 2^32) whose first number x is taken:
 * rejection sampling, x accepted below lim, the largest multiple of bound
 * <= 2^32.  lim > 2^32 - bound, so a number below that is accepted without
 * the division lim takes (nearly every draw: the bounds here are small). */
static uint64_t below32_from(gsl_rng *r, uint64_t bound, uint64_t x)
{
    if (x >= 0x100000000ULL - bound) {
        uint64_t lim = 0x100000000ULL - (0x100000000ULL % bound);
        while (x >= lim)
            x = gsl_rng_get(r);
    }
    return (uint32_t)x % (uint32_t)bound; /* both below 2^32: the narrower division */
}

uint64_t eng_rng_below(gsl_rng *r, uint64_t bound)
{
    assert(bound >= 1);
    if (bound <= 0xffffffffULL)
        return below32_from(r, bound, gsl_rng_get(r));
    uint64_t lim = UINT64_MAX - (UINT64_MAX % bound);
    for (;;) {
        uint64_t x = draw64(r);
        if (x < lim)
            return x % bound;
    }
}

bool eng_rng_take(gsl_rng *r, uint64_t max_bound, uint64_t *x)
{
    assert(max_bound >= 1 && max_bound <= 0xffffffffULL);
    *x = gsl_rng_get(r);
    /* eng_rng_below accepts x < 2^32 - 2^32 % b, and 2^32 % b < b <= max_bound */
    return *x < 0x100000000ULL - max_bound;
}

uint64_t eng_rng_below_from(gsl_rng *r, uint64_t bound, uint64_t x)
{
    assert(bound >= 1 && bound <= 0xffffffffULL);
    return below32_from(r, bound, x);
}

eng_time eng_rng_exp_us(gsl_rng *r, double mean_s)
{
    if (mean_s <= 0)
        return 0;
    double us = gsl_ran_exponential(r, mean_s * 1e6);
    if (!(us < 9e18))
        return (eng_time)9e18;
    return eng_round(us);
}
