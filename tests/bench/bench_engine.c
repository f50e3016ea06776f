/* The classic hold model: keep n events pending; repeatedly pop the earliest
 * and push one at its time + Exp(1 s).  Reports events per second for
 * n = 1e3, 1e5, 1e6 on one core.  The exponential draws are precomputed so
 * the figure is the event list's, not the RNG's. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "engine/eng.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(void)
{
    enum { NDRAW = 1 << 20 };
    gsl_rng *r = eng_rng_new(1, 0, ENG_RNG_SETUP);
    eng_time *d = malloc(NDRAW * sizeof *d);
    for (int i = 0; i < NDRAW; i++)
        d[i] = 1 + eng_rng_exp_us(r, 1.0);
    const size_t sizes[] = {1000, 100000, 1000000};
    for (int s = 0; s < 3; s++) {
        size_t n = sizes[s];
        eng *e = eng_new(n);
        for (size_t i = 0; i < n; i++)
            eng_at(e, d[i & (NDRAW - 1)] * 1000, 0, 0, 0); /* spread the start */
        long ops = 20000000;
        eng_ev ev;
        double t0 = now_s();
        for (long i = 0; i < ops; i++) {
            eng_next(e, &ev);
            eng_after(e, d[i & (NDRAW - 1)], 0, 0, 0);
        }
        double dt = now_s() - t0;
        printf("bench_engine: hold model, %7zu pending: %6.2f M events/s (%ld events, %.2f s)\n",
               n, ops / dt / 1e6, ops, dt);
        eng_free(e);
    }
    free(d);
    gsl_rng_free(r);
    return 0;
}
