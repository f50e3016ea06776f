/* Running a sweep's jobs on local worker processes and MPI ranks. */
#ifndef AVRAMI_SWEEP_POOL_H
#define AVRAMI_SWEEP_POOL_H

#include <signal.h>
#include <stddef.h>

#include "sweep/sweep.h"

/* Called in the dispatching process for every run that finished. */
typedef void (*sweep_sink)(void *ctx, const sweep_result *r);

/* Runs jobs[0..n) on `local` forked workers plus MPI ranks 1..remote, in
 * any order.  Returns 0 when every job finished, 1 when *stop ended it
 * early (runs in progress are interrupted and not delivered), 2 when a
 * worker failed or could not start.  by_rank[0] counts the runs done on
 * this machine, by_rank[k] those of MPI rank k (remote + 1 entries). */
int sweep_pool_run(const sweep_plan *p, const sweep_job *jobs, size_t n, unsigned local, unsigned remote,
                   volatile sig_atomic_t *stop, sweep_sink sink, void *ctx, unsigned *by_rank);

#endif
