/* `avrami plot DB --out DIR` and `avrami report DB [--out DIR]`. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "plot/plot.h"
#include "plot/report.h"
#include "util/cli_util.h"
#include "results/res.h"

/* DB and --out DIR from the arguments; DIR defaults to DB's stem + suffix. */
static int args(const char *cmd, int argc, char **argv, const char **db, char *dir, size_t dir_size,
                const char *suffix, const char *help, uint64_t *baseline)
{
    const char *out = NULL;
    *db = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(help, stdout);
            return 0;
        } else if (!strcmp(argv[i], "--out") && i + 1 < argc) {
            out = argv[++i];
        } else if (baseline && !strcmp(argv[i], "--baseline") && i + 1 < argc) {
            if (!cli_parse_u64(argv[++i], baseline) || *baseline > UINT32_MAX) {
                fprintf(stderr, "avrami %s: --baseline: expected a point number, got %s\n", cmd, argv[i]);
                return 2;
            }
        } else if (argv[i][0] == '-' || *db) {
            fprintf(stderr, "avrami %s: unexpected argument: %s\n%s", cmd, argv[i], help);
            return 2;
        } else {
            *db = argv[i];
        }
    }
    if (!*db) {
        fputs(help, stderr);
        return 2;
    }
    if (out) {
        snprintf(dir, dir_size, "%s", out);
    } else {
        const char *dot = strrchr(*db, '.'), *slash = strrchr(*db, '/');
        int stem = dot && (!slash || dot > slash) ? (int)(dot - *db) : (int)strlen(*db);
        snprintf(dir, dir_size, "%.*s%s", stem, *db, suffix);
    }
    return -1;
}

/* An interrupted run is drawn all the same, but never silently. */
static bool incomplete_warning(const char *cmd, const char *db)
{
    if (!res_incomplete(db))
        return false;
    fprintf(stderr, "avrami %s: %s is an incomplete run (interrupted or failed): its figures cover only the "
            "simulated time before it stopped (exit 1)\n", cmd, db);
    return true;
}

int cmd_plot(int argc, char **argv)
{
    static const char HELP[] =
        "usage: avrami plot DB [--out DIR] [--baseline N]\n\n"
        "Draws a run or sweep database with gnuplot (scripts in plots/), PNG and SVG, with the\n"
        "data of each plot beside it as TSV.  A run: queue wait against task value, node income\n"
        "by card type, QoS score distribution, kick-outs and slashes over time, utilization over\n"
        "time.  A sweep: every metric against the first --set parameter with 95% confidence\n"
        "error bars, one line per combination of the others, and beside each the paired\n"
        "differences against point N (default 0) over the same replications.  DIR defaults to\n"
        "DB's name + -plots.\n";
    const char *db;
    char dir[1024];
    uint64_t baseline = 0;
    int rc = args("plot", argc, argv, &db, dir, sizeof dir, "-plots", HELP, &baseline);
    if (rc >= 0)
        return rc;
    plot_list l;
    if (!plot_db(db, dir, (uint32_t)baseline, &l))
        return 2;
    for (int i = 0; i < l.n; i++)
        printf("%s/%s.png  %s/%s.svg  %s\n", dir, l.name[i], dir, l.name[i], l.title[i]);
    return incomplete_warning("plot", db) ? 1 : 0;
}

int cmd_report(int argc, char **argv)
{
    static const char HELP[] =
        "usage: avrami report DB [--out DIR] [--baseline N]\n\n"
        "Writes DIR/report.md: a Markdown report of a sweep (per point: mean ± 95% confidence\n"
        "half-width of every metric, and the paired difference of every point against point N,\n"
        "default 0, over the same replications) or of a run (outcomes, node income by card),\n"
        "embedding the plots of `avrami plot`, drawn into DIR.  DIR defaults to DB's name +\n"
        "-report.\n";
    const char *db;
    char dir[1024];
    uint64_t baseline = 0;
    int rc = args("report", argc, argv, &db, dir, sizeof dir, "-report", HELP, &baseline);
    if (rc >= 0)
        return rc;
    if (!report_write(db, dir, (uint32_t)baseline))
        return 2;
    return incomplete_warning("report", db) ? 1 : 0;
}
