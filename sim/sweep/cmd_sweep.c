/* `avrami sweep SCENARIO --set PATH=VALUES ... --reps R [-j N]`: a grid of
 * scenario edits × replications into one database, resumable, on worker
 * processes and MPI ranks (see sweep.h). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "util/cli_util.h"
#include "sweep/pool.h"
#include "sweep/summary.h"
#include "sweep/sweep.h"
#include "sweep/sweep_db.h"
#include "sweep/sweep_mpi.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: avrami sweep [OPTIONS] SCENARIO.json\n\n"
            "Runs every point of a grid of scenario edits, each for R replications, and stores\n"
            "all runs in one database; prints per point the mean and 95%% confidence interval\n"
            "(Student t) of the headline metrics.  Running the same command again continues an\n"
            "interrupted sweep (finished runs are kept, never repeated).\n\n"
            "  --set PATH=V1,V2,...  a scenario key and its values (JSON, or text); repeat for a grid\n"
            "  --set PATH=LO:HI:STEP a numeric range, both ends included\n"
            "                        PATH: dotted keys and [INDEX], e.g. network.cards[0].share\n"
            "  --reps R              replications per point (default: the scenario's replications);\n"
            "                        replication r of every point uses the streams of (seed, r)\n"
            "  -j N                  worker processes on this machine (default 1)\n"
            "  --out PATH            sweep database (default results/SCENARIO-sweep.db)\n"
            "  --duration S          simulated seconds per run, overriding duration_s\n"
            "  --seed N              random seed (default: the scenario's)\n"
            "  --keep-runs DIR       also keep each run's full results database as\n"
            "                        DIR/point-P-rep-R.db (what `avrami run --replication R` of\n"
            "                        that point's scenario writes; under MPI on each rank's machine)\n"
            "  --baseline N          the point the closing table compares every point with, by\n"
            "                        paired differences over the same replications (default 0)\n"
            "  --quiet               no table at the end and no progress line\n"
            "  --help                this text\n\n"
            "Across machines: mpirun -n K avrami sweep ... (rank 0 writes the database, the\n"
            "other ranks run simulations; results are the same for any -j and K).  This build: %s.\n\n"
            "Exit status: 0 all runs finished with their invariants held; 1 interrupted (run the\n"
            "same command to continue) or an invariant failed; 2 bad input or a database error.\n",
            smpi_build_info());
}

typedef struct progress {
    sdb *db;
    bool tty, db_ok;
    uint32_t reps, points, points_done;
    uint32_t *per_point;   /* finished runs per point */
    size_t todo, done;
    unsigned violated;
    struct timespec t0;
} progress;

static double since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) * 1e-9;
}

static void show(const progress *pr)
{
    double dt = since(&pr->t0), rate = dt > 0 ? (double)pr->done / dt : 0;
    double eta = rate > 0 ? (double)(pr->todo - pr->done) / rate : 0;
    fprintf(stderr, "\rsweep: %zu/%zu runs, %u/%u points done, %.2f runs/s, ETA %dh%02dm%02ds   ", pr->done,
            pr->todo, pr->points_done, pr->points, rate, (int)(eta / 3600), (int)(eta / 60) % 60,
            (int)eta % 60);
}

static void record(void *ctx, const sweep_result *r)
{
    progress *pr = ctx;
    pr->db_ok &= sdb_add(pr->db, r);
    pr->done++;
    pr->violated += r->status == 1;
    if (++pr->per_point[r->point] == pr->reps)
        pr->points_done++;
    if (pr->tty)
        show(pr);
}

/* --keep-runs DIR: made when absent; it must be a writable directory (on
 * every rank, each checking its own machine). */
static bool keep_dir_ready(const char *dir, char *err, size_t err_size)
{
    struct stat st;
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        snprintf(err, err_size, "%s: cannot create the directory: %s", dir, strerror(errno));
        return false;
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, err_size, "%s: expected a directory", dir);
        return false;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        snprintf(err, err_size, "%s: cannot write in the directory: %s", dir, strerror(errno));
        return false;
    }
    return true;
}

static char *command_line(int argc, char **argv)
{
    size_t n = 16;
    for (int i = 0; i < argc; i++)
        n += strlen(argv[i]) + 1;
    char *s = malloc(n);
    strcpy(s, "avrami");
    for (int i = 0; i < argc; i++)
        strcat(strcat(s, " "), argv[i]);
    return s;
}

/* Rank 0 (or the only process): the database, the jobs, the table. */
static int coordinate(sweep_plan *p, const char *out, unsigned workers, bool quiet, uint32_t baseline, char *cmd,
                      volatile sig_atomic_t *stop)
{
    char err[2048];
    sdb *db = sdb_open(out, p, cmd, err, sizeof err);
    size_t total = (size_t)p->points * p->reps;
    uint8_t *done = calloc(total ? total : 1, 1);
    /* the stored runs are read before any worker starts: a damaged row
     * stops the sweep here, on every rank */
    bool ok = db && sdb_done(db, done, p->points, p->reps, err, sizeof err);
    if (!smpi_all(ok)) {
        if (db)
            sdb_close(db);
        if (!ok)
            fprintf(stderr, "avrami sweep: %s\n", err);
        free(done);
        return 2;
    }
    progress pr = {.db = db, .tty = !quiet && isatty(2), .db_ok = true, .reps = p->reps, .points = p->points};
    pr.per_point = calloc(p->points, sizeof *pr.per_point);
    sweep_job *jobs = malloc((total ? total : 1) * sizeof *jobs);
    for (uint32_t pt = 0; pt < p->points; pt++) {
        for (uint32_t r = 0; r < p->reps; r++) {
            if (done[(size_t)pt * p->reps + r])
                pr.per_point[pt]++;
            else
                jobs[pr.todo++] = (sweep_job){pt, r};
        }
        pr.points_done += pr.per_point[pt] == p->reps;
    }
    if (!quiet && total - pr.todo)
        fprintf(stderr, "avrami sweep: %s: %zu of %zu runs already done, %zu to go\n", out, total - pr.todo,
                total, pr.todo);
    /* more local workers than runs to do, or than a few per CPU, only costs
     * forks and memory (results do not depend on -j) */
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned cap = (unsigned)(cpus > 0 && cpus < 256 ? cpus * 4 : 1024);
    if (cap > pr.todo)
        cap = pr.todo ? (unsigned)pr.todo : 1;
    if (workers > cap) {
        if (!quiet)
            fprintf(stderr, "avrami sweep: -j %u capped to %u (runs to do: %zu; CPUs: %ld)\n", workers, cap,
                    pr.todo, cpus);
        workers = cap;
    }
    clock_gettime(CLOCK_MONOTONIC, &pr.t0);
    unsigned *by_rank = calloc((size_t)smpi_size(), sizeof *by_rank);
    int rc = sweep_pool_run(p, jobs, pr.todo, workers, (unsigned)smpi_size() - 1, stop, record, &pr,
                            by_rank);
    if (pr.tty)
        fputc('\n', stderr);
    bool closed = sdb_close(db);
    if (!quiet) {
        fprintf(stderr, "avrami sweep: %zu runs in %.1f s (%.2f runs/s) with %u local worker%s", pr.done,
                since(&pr.t0), pr.done / (since(&pr.t0) + 1e-9), workers, workers == 1 ? "" : "s");
        if (smpi_size() > 1) {
            fprintf(stderr, "; runs by MPI rank:");
            for (int k = 0; k < smpi_size(); k++)
                fprintf(stderr, " %d:%u", k, by_rank[k]);
        }
        fputc('\n', stderr);
    }
    free(by_rank);
    free(jobs);
    free(done);
    free(pr.per_point);
    if (!closed || !pr.db_ok) {
        fprintf(stderr, "avrami sweep: %s: the database could not be written completely\n", out);
        return 2;
    }
    if (!quiet) {
        sweep_summary s;
        if (sweep_summary_read(out, &s, err, sizeof err)) {
            if (s.points > 1 && !sweep_summary_pair(out, &s, baseline, err, sizeof err))
                fprintf(stderr, "avrami sweep: %s\n", err);
            sweep_summary_print(&s, stdout);
            sweep_summary_free(&s);
        } else {
            fprintf(stderr, "avrami sweep: %s\n", err);
            return 2;
        }
        printf("results: %s\n", out);
    }
    if (rc == 1) {
        fprintf(stderr, "avrami sweep: interrupted after %zu of %zu runs; run the same command again to "
                "continue\n", pr.done, pr.todo);
        return 1;
    }
    if (pr.violated) {
        fprintf(stderr, "avrami sweep: %u runs violated an invariant (status 1 in the runs table)\n", pr.violated);
        return 1;
    }
    return rc;
}

int cmd_sweep(int argc, char **argv)
{
    char err[2048];
    bool launched;
    if (!smpi_start(&argc, &argv, &launched, err, sizeof err)) {
        fprintf(stderr, "avrami sweep: %s\n", err);
        return 2;
    }
    sweep_plan p = {0};
    const char *out = NULL;
    uint64_t reps = 0, workers = 1, baseline = 0, v;
    bool quiet = false;
    int rc = 2;
    char defpath[512], *cmd = command_line(argc, argv);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool more = i + 1 < argc;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            if (smpi_rank() == 0)
                usage(stdout);
            rc = 0;
            goto done;
        } else if (!strcmp(a, "--set") && more) {
            if (!grid_add(&p.g, argv[++i], err)) {
                if (smpi_rank() == 0)
                    fprintf(stderr, "avrami sweep: %s\n", err);
                goto done;
            }
            continue;
        } else if (!strcmp(a, "--out") && more) {
            out = argv[++i];
            continue;
        } else if (!strcmp(a, "--keep-runs") && more) {
            p.keep_dir = argv[++i];
            continue;
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            quiet = true;
            continue;
        } else if (a[0] == '-' && a[1] && more &&
                   (!strcmp(a, "--reps") || !strcmp(a, "-j") || !strcmp(a, "--duration") || !strcmp(a, "--seed") ||
                    !strcmp(a, "--baseline"))) {
            bool zero_ok = !strcmp(a, "--seed") || !strcmp(a, "--baseline");
            if (!cli_parse_u64(argv[++i], &v) || (!zero_ok && v == 0) || (strcmp(a, "--seed") && v > UINT32_MAX) ||
                (!strcmp(a, "--duration") && v > SCN_DURATION_MAX)) {
                if (smpi_rank() == 0)
                    fprintf(stderr, "avrami sweep: %s: expected a %s integer, got %s\n", a,
                            zero_ok ? "non-negative" : "positive", argv[i]);
                goto done;
            }
            if (!strcmp(a, "--reps"))
                reps = v;
            else if (!strcmp(a, "-j"))
                workers = v;
            else if (!strcmp(a, "--duration"))
                p.duration_s = v;
            else if (!strcmp(a, "--baseline"))
                baseline = v;
            else
                p.seed = v, p.seed_given = true;
            continue;
        } else if (a[0] == '-' && a[1]) {
            if (smpi_rank() == 0) {
                fprintf(stderr, "avrami sweep: unknown option or missing value: %s\n", a);
                usage(stderr);
            }
            goto done;
        } else if (p.scenario_path) {
            if (smpi_rank() == 0)
                fprintf(stderr, "avrami sweep: one scenario at a time (got %s and %s)\n", p.scenario_path, a);
            goto done;
        }
        p.scenario_path = a;
    }
    if (!p.scenario_path) {
        if (smpi_rank() == 0)
            usage(stderr);
        goto done;
    }
    p.reps = (uint32_t)reps;
    if (!sweep_plan_build(&p, err, sizeof err)) {
        if (smpi_rank() == 0)
            fprintf(stderr, "avrami sweep: %s\n", err);
        goto done;
    }
    if (baseline >= p.points) {
        if (smpi_rank() == 0)
            fprintf(stderr, "avrami sweep: --baseline %llu: the grid has points 0 to %u\n",
                    (unsigned long long)baseline, p.points - 1);
        goto done;
    }
    if ((uint64_t)p.points * p.reps > 100000000u) {
        if (smpi_rank() == 0)
            fprintf(stderr, "avrami sweep: %u points × %u replications is more than 10^8 runs\n", p.points, p.reps);
        goto done;
    }
    if (!out) {
        const char *base = strrchr(p.scenario_path, '/');
        base = base ? base + 1 : p.scenario_path;
        size_t stem = strcspn(base, ".");
        mkdir("results", 0777);
        snprintf(defpath, sizeof defpath, "results/%.*s-sweep.db", (int)stem, base);
        out = defpath;
    }
    if (p.keep_dir && !keep_dir_ready(p.keep_dir, err, sizeof err)) {
        fprintf(stderr, "avrami sweep: --keep-runs %s\n", err);
        goto done;
    }
    volatile sig_atomic_t *stop = cli_trap_stop();
    if (smpi_rank() == 0) {
        rc = coordinate(&p, out, (unsigned)workers, quiet, (uint32_t)baseline, cmd, stop);
    } else {
        rc = 0;
        if (smpi_all(true))
            smpi_worker(&p, stop);
    }
done:
    /* under MPI every rank reaches this point, also after an argument error
     * (all ranks see the same arguments, so all stop together) */
    sweep_plan_free(&p);
    free(cmd);
    smpi_finish();
    return rc;
}
