/* Sweep throughput: runs per minute of `avrami sweep` on the baseline
 * scenario, shortened to 6 simulated hours per run, 2 points × 6
 * replications, with 1 and 2 local workers and under `mpirun -n 2`.
 * Each configuration runs 3 times; the median is reported, with the
 * speed-ups over 1 worker (target for 2 workers: >= 1.8x on 2 free cores).
 * Runs the avrami binary next to this one (build/avrami).  "cores used" is
 * the child processes' CPU time over wall time: below the worker count it
 * means the machine had fewer free cores than workers (other load), which
 * caps the speed-up whatever the sweep does. */
#include <limits.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RUNS 12
#define TRIES 3

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double children_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

static double cores_used;

/* Median wall seconds of TRIES sweeps run by `prefix avrami sweep ... suffix`;
 * cores_used: CPU seconds per wall second over all tries. */
static double timed(const char *bin, const char *dir, const char *prefix, const char *suffix)
{
    double t[TRIES], cpu0 = children_cpu_s(), wall = 0;
    for (int i = 0; i < TRIES; i++) {
        char cmd[4096];
        snprintf(cmd, sizeof cmd,
                 "rm -f %s/b.db; %s %s sweep scenarios/helium-baseline.json --duration 21600"
                 " --set network.nodes=250,300 --reps %d --quiet --out %s/b.db %s >/dev/null",
                 dir, prefix, bin, RUNS / 2, dir, suffix);
        double t0 = now_s();
        if (system(cmd) != 0)
            return -1;
        t[i] = now_s() - t0;
        wall += t[i];
    }
    cores_used = (children_cpu_s() - cpu0) / wall;
    qsort(t, TRIES, sizeof t[0], cmp);
    return t[TRIES / 2];
}

int main(void)
{
    char exe[PATH_MAX], bin[PATH_MAX + 16], dir[] = "/tmp/bench_sweep.XXXXXX";
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0 || !mkdtemp(dir))
        return 1;
    exe[n] = 0;
    *strrchr(exe, '/') = 0;
    snprintf(bin, sizeof bin, "%s/../avrami", exe);
    double j1 = timed(bin, dir, "", "-j 1"), c1 = cores_used;
    double j2 = timed(bin, dir, "", "-j 2"), c2 = cores_used;
    printf("bench_sweep: baseline scenario, 6 simulated h per run, %d runs; median of %d; %ld cores online\n",
           RUNS, TRIES, sysconf(_SC_NPROCESSORS_ONLN));
    if (j1 <= 0 || j2 <= 0) {
        fprintf(stderr, "bench_sweep: a sweep failed\n");
        return 1;
    }
    printf("bench_sweep: -j 1        %6.2f s  %7.1f runs/min  cores used %.2f\n", j1, RUNS * 60 / j1, c1);
    printf("bench_sweep: -j 2        %6.2f s  %7.1f runs/min  cores used %.2f  speed-up %.2fx (target >= 1.8x)\n",
           j2, RUNS * 60 / j2, c2, j1 / j2);
    if (system("command -v mpirun >/dev/null 2>&1") == 0) {
        double m2 = timed(bin, dir,
                          "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun --oversubscribe -n 2",
                          "");
        if (m2 > 0)
            printf("bench_sweep: mpirun -n 2 %6.2f s  %7.1f runs/min  cores used %.2f  speed-up %.2fx\n", m2,
                   RUNS * 60 / m2, cores_used, j1 / m2);
        else
            printf("bench_sweep: mpirun -n 2 failed\n");
    } else {
        printf("bench_sweep: mpirun -n 2 skipped (no mpirun)\n");
    }
    char rm[64];
    snprintf(rm, sizeof rm, "rm -rf %s", dir);
    return system(rm) == 0 ? 0 : 1;
}
