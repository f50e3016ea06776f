/* `avrami run SCENARIO.json`: one simulation run -> results database +
 * summary on stdout. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <math.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>

#include "cli/commands.h"
#include "util/cli_util.h"
#include "run/sim.h"
#include "sweep/grid.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: avrami run [OPTIONS] SCENARIO.json\n\n"
            "Simulates the scenario, writes a results database and prints a summary.\n\n"
            "  --seed N          random seed (default: the scenario's \"seed\")\n"
            "  --replication N   run only replication N; streams are seeded from (seed, N)\n"
            "                    (default: the scenario's replications 0..R-1, one database each\n"
            "                    named ...-repN.db, and a confidence-interval table at the end)\n"
            "  --duration S      simulated seconds, overriding the scenario's duration_s\n"
            "  --set PATH=VALUE  edit one scenario key before the run, as `avrami sweep --set`\n"
            "                    does (dotted keys, [i] for array elements; repeatable); the\n"
            "                    edited scenario is validated and stored in the database\n"
            "  --out PATH        results database (default results/NAME-seedSEED[-repN].db)\n"
            "  --no-db           write no database\n"
            "  --paranoid        check the invariants after every event (slow)\n"
            "  --quiet           no summary and no progress\n"
            "  --help            this text\n\n"
            "Exit status: 0 run complete and all invariants held; 1 an invariant failed or the run\n"
            "was interrupted (SIGINT/SIGTERM; the database is then marked incomplete); 2 bad input.\n");
}

/* Mean and 95% confidence half-width (Student t) of each headline figure. */
static void print_replications(const sim_metrics *mx, uint32_t n)
{
    static const char *const NAMES[] = {"success share", "queue wait median (s)", "queue wait p95 (s)",
                                        "utilization", "node income (CNX/h)"};
    printf("replications: %u; mean ± 95%% confidence half-width\n", n);
    double *v = malloc(n * sizeof *v);
    for (int f = 0; f < 5; f++) {
        for (uint32_t i = 0; i < n; i++) {
            const double all[] = {mx[i].success_share, mx[i].wait_median_s, mx[i].wait_p95_s,
                                  mx[i].utilization, mx[i].income_cnx_per_node_h};
            v[i] = all[f];
        }
        double mean = gsl_stats_mean(v, 1, n), sd = gsl_stats_sd(v, 1, n);
        double half = gsl_cdf_tdist_Pinv(0.975, n - 1) * sd / sqrt((double)n);
        printf("  %-24s %12.4f ± %.4f\n", NAMES[f], mean, half);
    }
    free(v);
}

/* The --set edits, applied to the scenario text before validation. */
static char *apply_sets(const char *text, void *ctx, char err[SCN_ERR_MAX])
{
    char gerr[GRID_ERR_MAX];
    char *edited = grid_apply(ctx, text, 0, gerr);
    if (!edited)
        snprintf(err, SCN_ERR_MAX, "%.1000s", gerr);
    return edited;
}

int cmd_run(int argc, char **argv)
{
    const char *path = NULL, *out = NULL;
    grid sets = {0};
    uint64_t seed = 0, rep = 0, duration = 0;
    bool have_seed = false, have_rep = false, quiet = false, paranoid = false, no_db = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool more = i + 1 < argc;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--seed") && more) {
            if (!cli_parse_u64(argv[++i], &seed))
                goto bad_number;
            have_seed = true;
        } else if (!strcmp(a, "--replication") && more) {
            if (!cli_parse_u64(argv[++i], &rep) || rep > UINT32_MAX)
                goto bad_number;
            have_rep = true;
        } else if (!strcmp(a, "--duration") && more) {
            if (!cli_parse_u64(argv[++i], &duration) || duration == 0)
                goto bad_number;
        } else if (!strcmp(a, "--out") && more) {
            out = argv[++i];
        } else if (!strcmp(a, "--set") && more) {
            char gerr[GRID_ERR_MAX];
            const char *spec = argv[++i];
            if (!grid_add(&sets, spec, gerr)) {
                fprintf(stderr, "avrami run: --set %s: %s\n", spec, gerr);
                grid_free(&sets);
                return 2;
            }
            if (sets.axes[sets.n_axes - 1].n != 1) {
                fprintf(stderr, "avrami run: --set %s: expected one value (a grid of values is "
                                "`avrami sweep`)\n", spec);
                grid_free(&sets);
                return 2;
            }
        } else if (!strcmp(a, "--no-db")) {
            no_db = true;
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            quiet = true;
        } else if (!strcmp(a, "--paranoid")) {
            paranoid = true;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "avrami run: unknown option or missing value: %s\n", a);
            usage(stderr);
            return 2;
        } else if (!path) {
            path = a;
        } else {
            fprintf(stderr, "avrami run: one scenario at a time (got %s and %s)\n", path, a);
            return 2;
        }
        continue;
    bad_number:
        fprintf(stderr, "avrami run: %s: expected a non-negative integer, got %s\n", a, argv[i]);
        return 2;
    }
    if (!path) {
        usage(stderr);
        return 2;
    }
    scn s;
    char err[SCN_ERR_MAX];
    bool loaded = scn_load_edited(path, sets.n_axes ? apply_sets : NULL, &sets, &s, err);
    grid_free(&sets);
    if (!loaded) {
        fprintf(stderr, "avrami run: %s\n", err);
        return 2;
    }
    scn_warn(&s, duration, "avrami run", stderr);
    char defpath[512] = "";
    if (!out && !no_db) {
        mkdir("results", 0777);
        int n = snprintf(defpath, sizeof defpath, "results/%s-seed%llu", s.name,
                         (unsigned long long)(have_seed ? seed : s.seed));
        if (rep && n > 0 && (size_t)n < sizeof defpath)
            n += snprintf(defpath + n, sizeof defpath - (size_t)n, "-rep%llu", (unsigned long long)rep);
        if (n > 0 && (size_t)n < sizeof defpath)
            snprintf(defpath + n, sizeof defpath - (size_t)n, ".db");
        out = defpath;
    }
    if (!no_db) {
        /* fail now, not after the run, when the database cannot be written */
        char probe[600];
        snprintf(probe, sizeof probe, "%s.tmp", out);
        FILE *f = fopen(probe, "w");
        if (!f) {
            fprintf(stderr, "avrami run: %s: cannot write: %s\n", probe, strerror(errno));
            scn_free(&s);
            return 2;
        }
        fclose(f);
        unlink(probe);
    }
    volatile sig_atomic_t *stop = cli_trap_stop();
    /* the scenario's replications, unless one was asked for */
    uint32_t first = (uint32_t)rep, count = have_rep ? 1 : s.replications;
    sim_metrics *mx = calloc(count, sizeof *mx);
    int worst = 0;
    for (uint32_t k = 0; k < count && !*stop; k++) {
        uint32_t r = first + k;
        char path_k[600];
        const char *db = no_db ? NULL : out;
        if (count > 1 && !no_db) {
            /* one database per replication: NAME-repN.db beside the given name */
            const char *dot = strrchr(out, '.');
            int stem = dot && dot > strrchr(out, '/') ? (int)(dot - out) : (int)strlen(out);
            if (out == defpath)
                stem = (int)strlen(out) - 3; /* before ".db" */
            snprintf(path_k, sizeof path_k, "%.*s-rep%u.db", stem, out, r);
            db = path_k;
        }
        sim_opts o = {
            .seed = have_seed ? seed : s.seed,
            .replication = r,
            .duration_s = duration,
            .out_path = db,
            .paranoid = paranoid,
            .progress = !quiet && isatty(2),
            .stop = stop,
        };
        sim *m = sim_run(&s, &o);
        if (!m) {
            free(mx);
            scn_free(&s);
            return 2;
        }
        if (!quiet)
            sim_summary(m, stdout);
        sim_get_metrics(m, &mx[k]);
        int st = sim_status(m);
        if (db && st != 4 && !quiet)
            printf("results: %s\n", db);
        if (st == 3)
            fprintf(stderr, "avrami run: interrupted; %s is marked incomplete\n", db ? db : "(no database)");
        else if (st == 4)
            fprintf(stderr, "avrami run: the results database could not be written\n");
        else if (st == 1)
            fprintf(stderr, "avrami run: invariant violated (see the summary)\n");
        int code = st == 0 ? 0 : st == 4 ? 2 : 1;
        worst = code > worst ? code : worst;
        sim_free(m);
    }
    if (count > 1 && !quiet && !*stop)
        print_replications(mx, count);
    free(mx);
    scn_free(&s);
    return worst;
}
