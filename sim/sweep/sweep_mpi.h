/* The MPI side of a sweep.  Under `mpirun -n K avrami sweep ...` rank 0
 * owns the database and hands out runs one at a time (dynamic assignment,
 * so slow points do not hold up a whole rank); ranks 1..K-1 run them and
 * send each result back.  Every rank builds the same plan from the same
 * arguments, so only (point, rep) travels.
 *
 * MPI is initialised only when the process was started by an MPI launcher
 * (mpirun, or srun with PMI/PMIx): a plain `avrami sweep` never touches MPI.
 * Without MPI compiled in (no mpicc at build time) these are stubs and a
 * launch with several ranks is refused. */
#ifndef AVRAMI_SWEEP_SWEEP_MPI_H
#define AVRAMI_SWEEP_SWEEP_MPI_H

#include <signal.h>
#include <stdbool.h>

#include "sweep/sweep.h"

/* True when started by an MPI launcher; initialises MPI then.  False with a
 * message in err when launched with several ranks but built without MPI. */
bool smpi_start(int *argc, char ***argv, bool *launched, char *err, size_t err_size);
int smpi_rank(void);
int smpi_size(void);
/* Logical AND of ok over all ranks (ok when not launched). */
bool smpi_all(bool ok);
/* Rank 0: a job to `rank` and the receive of its result into *buf. */
void smpi_send_job(int rank, sweep_job j, sweep_result *buf);
/* Rank 0: true once the result posted for `rank` has arrived. */
bool smpi_result_ready(int rank);
/* Ranks > 0: runs jobs until told to quit. */
void smpi_worker(const sweep_plan *p, volatile sig_atomic_t *stop);
void smpi_finish(void);
/* "MPI (Open MPI x.y)" or "no MPI": what this build can do. */
const char *smpi_build_info(void);

#endif
