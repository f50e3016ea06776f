/* `avrami compare SCENARIO --editions E1,E2,... [--reps R] [-j N] [--set K=V ...]`:
 * the same workload under several protocol editions (compare.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/commands.h"
#include "compare/compare.h"
#include "sweep/grid.h"
#include "sweep/sweep_mpi.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: avrami compare [OPTIONS] SCENARIO.json --editions E1,E2,...\n\n"
            "Runs the scenario's workload under each protocol edition (protocol.edition) with\n"
            "the same random streams per replication, and prints per metric each edition's\n"
            "mean and its difference from the first edition, paired by replication, with\n"
            "95%% intervals.  The runs go into one sweep database (resumable; `avrami report`,\n"
            "`plot`, `export` and `check` read it).\n\n"
            "  --editions LIST   comma-separated edition names; the first is the baseline\n"
            "  --set PATH=VALUE  one scenario edit applied under every edition (repeatable;\n"
            "                    one value: a list would make a grid, see `avrami sweep`)\n"
            "  --reps R          replications per edition (default: the scenario's)\n"
            "  -j N              local worker processes (default 1)\n"
            "  --out PATH        database (default results/SCENARIO-compare.db)\n"
            "  --duration S      simulated seconds per run\n"
            "  --seed N          random seed (default: the scenario's)\n"
            "  --quiet           no table and no progress\n"
            "  --table DB        print the table of a comparison database already run\n"
            "  --help            this text\n");
}

/* a --set spec with exactly one value */
static bool one_value(const char *spec, char *err, size_t err_size)
{
    grid g = {0};
    char gerr[GRID_ERR_MAX];
    bool ok = grid_add(&g, spec, gerr);
    if (!ok)
        snprintf(err, err_size, "%s", gerr);
    else if (g.axes[0].n != 1) {
        snprintf(err, err_size, "--set %s: compare takes one value per key (%u given); use `avrami sweep` "
                 "for a grid", spec, g.axes[0].n);
        ok = false;
    }
    grid_free(&g);
    return ok;
}

int cmd_compare(int argc, char **argv)
{
    const char *editions = NULL, *scenario = NULL, *out = NULL;
    bool quiet = false;
    char err[2048], defpath[512];
    /* the sweep's arguments: at most every argument, plus 8 of compare's own */
    char **sv = calloc((size_t)argc + 12, sizeof *sv);
    char *axis = NULL;
    int sc = 0, rc = 2;
    if (!sv)
        return 2;
    sv[sc++] = "sweep";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool more = i + 1 < argc;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            rc = 0;
            goto done;
        } else if (!strcmp(a, "--table") && more) {
            if (i + 2 != argc || i != 1) {
                fprintf(stderr, "avrami compare: --table DB takes no other argument\n");
                goto done;
            }
            rc = compare_print(argv[i + 1], stdout, err, sizeof err) ? 0 : 2;
            if (rc)
                fprintf(stderr, "avrami compare: %s\n", err);
            goto done;
        } else if (!strcmp(a, "--editions") && more) {
            editions = argv[++i];
        } else if (!strcmp(a, "--set") && more) {
            if (!one_value(argv[i + 1], err, sizeof err)) {
                fprintf(stderr, "avrami compare: %s\n", err);
                goto done;
            }
            sv[sc++] = argv[i++];
            sv[sc++] = argv[i];
        } else if (!strcmp(a, "--out") && more) {
            out = argv[++i];
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            quiet = true;
        } else if (more && (!strcmp(a, "--reps") || !strcmp(a, "-j") || !strcmp(a, "--duration") ||
                            !strcmp(a, "--seed"))) {
            sv[sc++] = argv[i++]; /* the sweep checks the number */
            sv[sc++] = argv[i];
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "avrami compare: unknown option or missing value: %s\n", a);
            usage(stderr);
            goto done;
        } else if (scenario) {
            fprintf(stderr, "avrami compare: one scenario at a time (got %s and %s)\n", scenario, a);
            goto done;
        } else {
            scenario = a;
        }
    }
    if (!scenario || !editions) {
        fprintf(stderr, "avrami compare: %s\n", !scenario ? "no scenario given" : "--editions is required");
        usage(stderr);
        goto done;
    }
    if (!*editions || strchr(editions, ':') || strstr(editions, ",,") || editions[strlen(editions) - 1] == ',') {
        fprintf(stderr, "avrami compare: --editions %s: expected edition names separated by commas\n", editions);
        goto done;
    }
    /* each edition once: a repeat would be compared with itself as if it
     * were another rule set */
    for (const char *e = editions; *e; e += strcspn(e, ",") + (e[strcspn(e, ",")] == ',')) {
        size_t n = strcspn(e, ",");
        for (const char *f = e + n + (e[n] == ','); *f; f += strcspn(f, ",") + (f[strcspn(f, ",")] == ','))
            if (strcspn(f, ",") == n && !strncmp(e, f, n)) {
                fprintf(stderr, "avrami compare: --editions %s: %.*s is listed twice\n", editions, (int)n, e);
                goto done;
            }
    }
    size_t len = strlen(editions) + 32;
    axis = malloc(len);
    snprintf(axis, len, "protocol.edition=%s", editions);
    if (!out) {
        const char *base = strrchr(scenario, '/');
        base = base ? base + 1 : scenario;
        mkdir("results", 0777);
        snprintf(defpath, sizeof defpath, "results/%.*s-compare.db", (int)strcspn(base, "."), base);
        out = defpath;
    }
    /* the editions' axis first: it varies slowest and point 0 is the baseline */
    memmove(sv + 3, sv + 1, (size_t)(sc - 1) * sizeof *sv);
    sv[1] = "--set";
    sv[2] = axis;
    sc += 2;
    sv[sc++] = "--out";
    sv[sc++] = (char *)out;
    sv[sc++] = "--baseline";
    sv[sc++] = "0";
    sv[sc++] = "--quiet";
    sv[sc++] = (char *)scenario;
    rc = cmd_sweep(sc, sv);
    if (rc != 2 && !quiet && smpi_rank() == 0) {
        if (!compare_print(out, stdout, err, sizeof err)) {
            fprintf(stderr, "avrami compare: %s\n", err);
            rc = 2;
        } else {
            printf("results: %s\n", out);
        }
    }
done:
    free(axis);
    free(sv);
    return rc;
}
