/* Event list and random streams; see eng.h for the structure. */
#include "engine/eng.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

typedef unsigned __int128 key_t128;

#define SLOT_BITS 26
#define SLOT_MASK ((1u << SLOT_BITS) - 1)
#define MAX_SLOTS (1u << SLOT_BITS) /* 67 M pending events */
#define NBUCKETS 129

typedef struct payload {
    uint32_t kind;
    uint32_t a;
    uint64_t b; /* reused as the free-list link while free */
} payload;

struct eng {
    eng_time now;
    eng_time horizon; /* events later than this are never stored */
    uint64_t seq;   /* next sequence number (38 bits: 2.7e11 events) */
    uint64_t fired;

    /* Radix heap over the 128-bit keys: bucket i > 0 holds the keys whose
     * highest bit differing from `last` is bit i - 1; bucket 0 holds at
     * most `last` itself.  `last` is the smallest key when it was last
     * looked for, and its time is the clock's: no key scheduled since
     * (later than the clock) is below it, which is what a radix heap
     * needs.  So buckets 0-64, whose keys differ from `last` in the low
     * 64 bits only, hold exactly the pending events at the current time. */
    key_t128 last;
    struct bucket { key_t128 *v; uint32_t n, cap; } b[NBUCKETS];
    uint64_t used[3]; /* bit i: bucket i non-empty */
    size_t nheap;

    eng_ev *ring;   /* events at the current time, in scheduling order */
    size_t rhead, rlen, rcap; /* rcap is a power of two */

    payload *pool;
    size_t cappool;
    uint32_t freelist; /* UINT32_MAX when empty */
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
    e->cappool = hint < 16 ? 16 : hint;
    if (e->cappool > MAX_SLOTS)
        e->cappool = MAX_SLOTS;
    e->rcap = pow2_at_least(hint / 8 + 16);
    e->pool = malloc(e->cappool * sizeof *e->pool);
    e->ring = malloc(e->rcap * sizeof *e->ring);
    if (!e->pool || !e->ring)
        goto err;
    /* Thread the free list through the whole pool once, up front. */
    for (size_t i = 0; i < e->cappool; i++)
        e->pool[i].b = i + 1 < e->cappool ? i + 1 : UINT32_MAX;
    e->freelist = 0;
    return e;
err:
    eng_free(e);
    return NULL;
}

void eng_free(eng *e)
{
    if (!e)
        return;
    for (int i = 0; i < NBUCKETS; i++)
        free(e->b[i].v);
    free(e->pool);
    free(e->ring);
    free(e);
}

eng_time eng_now(const eng *e) { return e->now; }
size_t eng_pending(const eng *e) { return e->nheap + e->rlen; }
uint64_t eng_fired(const eng *e) { return e->fired; }

static bool grow_pool(eng *e)
{
    if (e->cappool >= MAX_SLOTS)
        return false;
    size_t nc = e->cappool * 2 > MAX_SLOTS ? MAX_SLOTS : e->cappool * 2;
    payload *np = realloc(e->pool, nc * sizeof *np);
    if (!np)
        return false;
    for (size_t i = e->cappool; i < nc; i++)
        np[i].b = i + 1 < nc ? i + 1 : UINT32_MAX;
    e->pool = np;
    e->freelist = (uint32_t)e->cappool;
    e->cappool = nc;
    return true;
}

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
    eng_ev *ev = &e->ring[(e->rhead + e->rlen++) & (e->rcap - 1)];
    ev->t = e->now;
    ev->kind = kind;
    ev->a = a;
    ev->b = b;
    e->seq++; /* keeps the numbering dense even though the ring needs none */
    return true;
}

/* The bucket of key k when the last key taken out is `last` (k >= last). */
static inline unsigned bucket_of(key_t128 last, key_t128 k)
{
    key_t128 x = k ^ last;
    uint64_t hi = (uint64_t)(x >> 64), lo = (uint64_t)x;
    if (hi)
        return 128u - (unsigned)__builtin_clzll(hi);
    return lo ? 64u - (unsigned)__builtin_clzll(lo) : 0u;
}

static __attribute__((noinline, cold)) bool bucket_grow(struct bucket *b)
{
    uint32_t nc = b->cap ? b->cap * 2 : 64;
    key_t128 *nv = realloc(b->v, nc * sizeof *nv);
    if (!nv)
        return false;
    b->v = nv;
    b->cap = nc;
    return true;
}

static inline bool bucket_push(eng *e, unsigned i, key_t128 k)
{
    struct bucket *b = &e->b[i];
    if (b->n == b->cap && !bucket_grow(b))
        return false;
    b->v[b->n++] = k;
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

static key_t128 bucket_min(const struct bucket *b)
{
    key_t128 m = b->v[0];
    for (uint32_t j = 1; j < b->n; j++)
        if (b->v[j] < m)
            m = b->v[j];
    return m;
}

/* Makes bucket 0 hold the smallest key: takes the lowest non-empty bucket's
 * smallest key as the new `last` and spreads that bucket's keys over the
 * buckets below it (each key moves down at least one bucket, so at most 128
 * times in all). */
static void settle(eng *e)
{
    unsigned i = lowest_used(e);
    if (i == 0)
        return;
    struct bucket *b = &e->b[i];
    key_t128 m = bucket_min(b);
    e->last = m;
    uint32_t n = b->n;
    b->n = 0;
    e->used[i >> 6] &= ~(1ull << (i & 63));
    for (uint32_t j = 0; j < n; j++)
        if (!bucket_push(e, bucket_of(m, b->v[j]), b->v[j])) {
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
    if (e->freelist == UINT32_MAX && !grow_pool(e))
        return false;
    uint32_t slot = e->freelist;
    e->freelist = (uint32_t)e->pool[slot].b;
    e->pool[slot] = (payload){kind, a, b};
    key_t128 k = ((key_t128)(uint64_t)t << 64) | ((key_t128)e->seq++ << SLOT_BITS) | slot;
    if (!bucket_push(e, bucket_of(e->last, k), k)) {
        e->pool[slot].b = e->freelist;
        e->freelist = slot;
        return false;
    }
    e->nheap++;
    return true;
}

eng_time eng_peek_time(const eng *e)
{
    if (e->rlen)
        return e->now;
    if (!e->nheap)
        return ENG_TIME_MAX;
    return (eng_time)(uint64_t)(bucket_min(&e->b[lowest_used(e)]) >> 64);
}

static void pop_heap(eng *e, eng_ev *out)
{
    /* settle() has run: bucket 0 holds the smallest key */
    key_t128 top = e->b[0].v[--e->b[0].n];
    e->used[0] &= ~1ull;
    e->nheap--;
    uint32_t slot = (uint32_t)top & SLOT_MASK;
    payload *p = &e->pool[slot];
    out->t = (eng_time)(uint64_t)(top >> 64);
    out->kind = p->kind;
    out->a = p->a;
    out->b = p->b;
    p->b = e->freelist;
    e->freelist = slot;
}

bool eng_next(eng *e, eng_ev *out)
{
    /* Heap events at the current time were scheduled before the clock got
     * here, hence before anything in the ring: they go first. */
    if (e->used[0] || (e->used[1] & 1)) { /* buckets 0-64: events at now */
        settle(e);
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

/* A 32-bit draw below bound whose first number x is taken: rejection
 * sampling, x accepted below the largest multiple of bound <= 2^32. */
static uint64_t below32_from(gsl_rng *r, uint64_t bound, uint64_t x)
{
    uint64_t lim = 0x100000000ULL - (0x100000000ULL % bound);
    while (x >= lim)
        x = gsl_rng_get(r);
    return x % bound;
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
