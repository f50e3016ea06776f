/* The MPI transport of a sweep (see sweep_mpi.h).  Built with the flags of
 * `mpicc --showme` and -DAVRAMI_MPI when mpicc exists; stubs otherwise. */
#include "sweep/sweep_mpi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Launchers announce themselves in the environment: Open MPI's mpirun
 * (OMPI_*), and PMI/PMIx for srun and other MPI implementations.  Returns
 * the world size, 0 when not launched. */
static int launcher_size(void)
{
    if (!getenv("OMPI_COMM_WORLD_SIZE") && !getenv("PMI_SIZE") && !getenv("PMI_RANK") && !getenv("PMIX_RANK"))
        return 0;
    static const char *const SIZE[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_NTASKS"};
    for (size_t i = 0; i < sizeof SIZE / sizeof SIZE[0]; i++)
        if (getenv(SIZE[i]) && atoi(getenv(SIZE[i])) > 0)
            return atoi(getenv(SIZE[i]));
    return 1;
}

#ifdef AVRAMI_MPI
#include <mpi.h>

enum { TAG_JOB = 1, TAG_RESULT = 2 };

static bool launched_;
static int rank_, size_ = 1;
static MPI_Request *pending_; /* per rank: the posted result receive */

/* Blocking waits in Open MPI spin a core; sweeps share cores with their own
 * workers, so waiting polls with a short sleep instead. */
static void wait_polite(MPI_Request *rq)
{
    int done = 0;
    struct timespec ms = {0, 1000000};
    for (;;) {
        MPI_Test(rq, &done, MPI_STATUS_IGNORE);
        if (done)
            return;
        nanosleep(&ms, NULL);
    }
}

bool smpi_start(int *argc, char ***argv, bool *launched, char *err, size_t err_size)
{
    (void)err;
    (void)err_size;
    *launched = false;
    if (!launcher_size())
        return true;
    MPI_Init(argc, argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    pending_ = calloc((size_t)size_, sizeof *pending_);
    for (int i = 0; i < size_; i++)
        pending_[i] = MPI_REQUEST_NULL;
    launched_ = *launched = true;
    return true;
}

int smpi_rank(void) { return rank_; }
int smpi_size(void) { return size_; }

bool smpi_all(bool ok)
{
    if (!launched_)
        return ok;
    int in = ok, out = 0;
    MPI_Allreduce(&in, &out, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
    return out;
}

void smpi_send_job(int rank, sweep_job j, sweep_result *buf)
{
    uint32_t msg[2] = {j.point, j.rep};
    if (j.point != SWEEP_JOB_QUIT)
        MPI_Irecv(buf, sizeof *buf, MPI_BYTE, rank, TAG_RESULT, MPI_COMM_WORLD, &pending_[rank]);
    MPI_Send(msg, 2, MPI_UINT32_T, rank, TAG_JOB, MPI_COMM_WORLD);
}

bool smpi_result_ready(int rank)
{
    int done = 0;
    MPI_Test(&pending_[rank], &done, MPI_STATUS_IGNORE);
    return done;
}

void smpi_worker(const sweep_plan *p, volatile sig_atomic_t *stop)
{
    for (;;) {
        uint32_t msg[2];
        MPI_Request rq;
        MPI_Irecv(msg, 2, MPI_UINT32_T, 0, TAG_JOB, MPI_COMM_WORLD, &rq);
        wait_polite(&rq);
        if (msg[0] == SWEEP_JOB_QUIT)
            return;
        sweep_result r;
        sweep_run_one(p, (sweep_job){msg[0], msg[1]}, stop, &r);
        MPI_Send(&r, sizeof r, MPI_BYTE, 0, TAG_RESULT, MPI_COMM_WORLD);
    }
}

void smpi_finish(void)
{
    if (launched_)
        MPI_Finalize();
    free(pending_);
    pending_ = NULL;
    launched_ = false;
}

const char *smpi_build_info(void)
{
    static char b[MPI_MAX_LIBRARY_VERSION_STRING + 8];
    int len;
    MPI_Get_library_version(b + 5, &len);
    memcpy(b, "MPI: ", 5);
    b[strcspn(b, ",\n")] = 0;
    return b;
}

#else /* no MPI in this build */

bool smpi_start(int *argc, char ***argv, bool *launched, char *err, size_t err_size)
{
    (void)argc;
    (void)argv;
    *launched = false;
    if (launcher_size() > 1) {
        snprintf(err, err_size, "started by an MPI launcher with %d ranks, but this avrami was built "
                 "without MPI (install libopenmpi-dev and rebuild)", launcher_size());
        return false;
    }
    return true;
}

int smpi_rank(void) { return 0; }
int smpi_size(void) { return 1; }
bool smpi_all(bool ok) { return ok; }
void smpi_send_job(int rank, sweep_job j, sweep_result *buf) { (void)rank; (void)j; (void)buf; }
bool smpi_result_ready(int rank) { (void)rank; return false; }
void smpi_worker(const sweep_plan *p, volatile sig_atomic_t *stop) { (void)p; (void)stop; }
void smpi_finish(void) {}
const char *smpi_build_info(void) { return "no MPI"; }

#endif
