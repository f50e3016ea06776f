/* Plots of a run or sweep database (see plot.h). */
#include "plot/plot.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "sweep/summary.h"
#include "util/datadir.h"
#include "util/afile.h"
#include "util/rfile.h"

extern char **environ;

static bool find_scripts(char dir[PATH_MAX])
{
    const char *env = getenv("AVRAMI_PLOTS");
    if (env) {
        snprintf(dir, PATH_MAX, "%s", env);
        return access(dir, R_OK) == 0;
    }
    char found[DATADIR_PATH_MAX];
    return datadir_find("plots", "/common.gp", found, NULL, 0) && realpath(found, dir);
}

/* gnuplot exits 0 even when it could not write its whole output (a full
 * disk): a picture counts only when it ends as its format ends, a PNG with
 * its IEND chunk, an SVG with </svg>. */
static bool picture_complete(const char *path, bool svg)
{
    static const unsigned char iend[8] = {'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82};
    unsigned char tail[16];
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    bool ok = fseek(f, -(long)sizeof tail, SEEK_END) == 0 && fread(tail, 1, sizeof tail, f) == sizeof tail;
    fclose(f);
    if (!ok)
        return false;
    if (!svg)
        return !memcmp(tail + 8, iend, 8);
    return memmem(tail, sizeof tail, "</svg>", 6) != NULL;
}

/* gnuplot -e VARS SCRIPT, run in DIR, once per format.  gnuplot draws
 * into NAME.part.FMT, renamed to NAME.FMT only when it succeeded: a full
 * disk or a failed gnuplot leaves no truncated picture behind. */
static bool gnuplot(const char *dir, const char *scripts, const char *script, const char *name, const char *vars)
{
    for (int f = 0; f < 2; f++) {
        const char *fmt = f ? "svg" : "png";
        char e[1024], path[PATH_MAX + 64], part[PATH_MAX + 80], final[PATH_MAX + 80];
        snprintf(part, sizeof part, "%s/%s.part.%s", dir, name, fmt);
        snprintf(final, sizeof final, "%s/%s.%s", dir, name, fmt);
        snprintf(e, sizeof e, "dir='%s'; out='%s.part'; fmt='%s'; %s", scripts, name, fmt, vars ? vars : "");
        snprintf(path, sizeof path, "%s/%s.gp", scripts, script);
        char *argv[] = {"gnuplot", "-e", e, path, NULL};
        /* gnuplot's own chatter ("empty x range ...") goes to a temporary
         * file and is shown only when gnuplot fails */
        FILE *chatter = tmpfile();
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addchdir_np(&fa, dir);
        if (chatter)
            posix_spawn_file_actions_adddup2(&fa, fileno(chatter), 2);
        pid_t pid;
        int rc = posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        if (rc != 0) {
            fprintf(stderr, "avrami plot: cannot run gnuplot: %s (install gnuplot-nox)\n", strerror(rc));
            if (chatter)
                fclose(chatter);
            return false;
        }
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
        bool failed = !WIFEXITED(status) || WEXITSTATUS(status) != 0;
        if (failed && chatter) {
            char line[512];
            rewind(chatter);
            while (fgets(line, sizeof line, chatter))
                fprintf(stderr, "gnuplot: %s", line);
        }
        if (chatter)
            fclose(chatter);
        if (failed) {
            fprintf(stderr, "avrami plot: gnuplot failed on %s for %s (see its message above)\n", path, final);
            unlink(part);
            return false;
        }
        if (!picture_complete(part, f == 1)) {
            fprintf(stderr, "avrami plot: %s: cannot write: gnuplot's output is incomplete (disk full?)\n", final);
            unlink(part);
            return false;
        }
        if (rename(part, final) != 0) {
            fprintf(stderr, "avrami plot: %s: cannot write: %s\n", final, strerror(errno));
            unlink(part);
            return false;
        }
    }
    return true;
}

/* The rows of SQL as tab-separated lines in DIR/NAME.tsv; false on error. */
static bool tsv(sqlite3 *db, const char *dir, const char *name, const char *sql)
{
    char path[PATH_MAX + 80];
    snprintf(path, sizeof path, "%s/%s.tsv", dir, name);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "avrami plot: %s: %s\n", name, sqlite3_errmsg(db));
        return false;
    }
    char tmp[PATH_MAX + 96];
    FILE *f = afile_open(path, tmp, sizeof tmp);
    if (!f) {
        fprintf(stderr, "avrami plot: %s: cannot write: %s\n", path, afile_strerror(errno));
        sqlite3_finalize(st);
        return false;
    }
    int cols = sqlite3_column_count(st), rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        for (int c = 0; c < cols; c++)
            fprintf(f, "%s%c", sqlite3_column_text(st, c) ? (const char *)sqlite3_column_text(st, c) : "NaN",
                    c + 1 < cols ? '\t' : '\n');
    if (rc != SQLITE_DONE)
        fprintf(stderr, "avrami plot: %s: %s\n", name, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    if (!afile_commit(f, tmp, path, rc == SQLITE_DONE)) {
        if (errno)
            fprintf(stderr, "avrami plot: %s: cannot write: %s\n", path, afile_strerror(errno));
        return false;
    }
    return true;
}

static void add(plot_list *l, const char *name, const char *title)
{
    snprintf(l->name[l->n], sizeof l->name[0], "%s", name);
    snprintf(l->title[l->n], sizeof l->title[0], "%s", title);
    l->n++;
}

/* The run's pictures and the rows each is drawn from.  Amounts become CNX
 * doubles here, for display only. */
static const struct {
    const char *name, *title, *sql;
} RUN_PLOTS[] = {
    {"wait_vs_value", "Queue wait against task value",
     /* at most ~20,000 points: a denser scatter shows nothing more */
     "SELECT CAST(value_wei_per_s AS REAL) / 1e18, queue_wait_s FROM tasks"
     " WHERE queue_wait_s IS NOT NULL AND created_s >= COALESCE((SELECT CAST(json_extract(value,"
     " '$.warmup_s') AS REAL) FROM run WHERE key = 'scenario'), 0)"
     " AND seq % (1 + (SELECT COUNT(*) FROM tasks) / 20000) = 0"},
    {"income_by_card", "Node income by card type",
     "SELECT card, SUM(CAST(income_wei AS REAL)) / 1e18 / (SUM(COALESCE(left_s, (SELECT value FROM run"
     " WHERE key = 'simulated_until_us') / 1e6) - joined_s) / 3600.0), COUNT(*) FROM nodes"
     " WHERE joined_s IS NOT NULL GROUP BY card ORDER BY card"},
    {"qos", "QoS score distribution", "SELECT final_qos, COUNT(*) FROM nodes GROUP BY final_qos"},
    {"kickouts_slashes", "Kick-outs and slashes over time",
     "SELECT minute / 60, SUM(kickouts), SUM(slashes) FROM series GROUP BY minute / 60 ORDER BY 1"},
    {"utilization", "Utilization over time",
     "SELECT minute / 60.0, CASE WHEN online > 0 THEN 1.0 * busy / online END, queue FROM series"},
};
#define N_RUN_PLOTS (sizeof RUN_PLOTS / sizeof RUN_PLOTS[0])

static bool run_data(sqlite3 *db, const char *dir)
{
    for (size_t i = 0; i < N_RUN_PLOTS; i++)
        if (!tsv(db, dir, RUN_PLOTS[i].name, RUN_PLOTS[i].sql))
            return false;
    return true;
}

static bool plot_run(sqlite3 *db, const char *dir, const char *scripts, plot_list *l)
{
    if (!run_data(db, dir))
        return false;
    for (size_t i = 0; i < N_RUN_PLOTS; i++) {
        if (!gnuplot(dir, scripts, RUN_PLOTS[i].name, RUN_PLOTS[i].name, NULL))
            return false;
        add(l, RUN_PLOTS[i].name, RUN_PLOTS[i].title);
    }
    return true;
}

/* Per metric: x = the first axis, one block per combination of the others. */
/* One metric of a sweep against the first axis, one block per combination
 * of the other axes: the points' means and 95% intervals (clipped to the
 * metric's bounds), or with `paired` the paired differences against the
 * baseline point (sweep/paired.c). */
static bool plot_metric(const sweep_summary *s, int m, bool paired, bool numeric, const char *dir,
                        const char *scripts, plot_list *l)
{
    const grid *g = &s->g;
    uint32_t nx = g->n_axes ? g->axes[0].n : 1, blocks = s->points / nx;
    char name[64], fpath[PATH_MAX + 96], tmp[PATH_MAX + 112];
    snprintf(name, sizeof name, "sweep_%s%s", SWEEP_METRIC[m].column, paired ? "_paired" : "");
    snprintf(fpath, sizeof fpath, "%s/%s.tsv", dir, name);
    FILE *f = afile_open(fpath, tmp, sizeof tmp);
    if (!f) {
        fprintf(stderr, "avrami plot: %s: cannot write: %s\n", fpath, afile_strerror(errno));
        return false;
    }
    sweep_metric unbounded = {.lo = -INFINITY, .hi = INFINITY};
    for (uint32_t b = 0; b < blocks; b++) {
        /* the block's title: the values of the other axes */
        char title[512] = "";
        size_t tl = 0;
        for (uint32_t a = 1; a < g->n_axes; a++)
            tl += (size_t)snprintf(title + tl, sizeof title - (tl < sizeof title ? tl : sizeof title),
                                   "%s%s=%s", a > 1 ? " " : "", g->axes[a].path,
                                   g->axes[a].values[grid_index(g, b, a)]);
        fprintf(f, "%s\"%s\"\n", b ? "\n\n" : "", g->n_axes > 1 ? title : paired ? "paired difference ± 95% CI" : "mean ± 95% CI");
        for (uint32_t x = 0; x < nx; x++) {
            uint32_t pt = x * blocks + b;
            if (!(paired ? s->pd[pt].n : s->pt[pt].n))
                continue; /* no finished run (or none in common with the baseline) */
            double mean = paired ? s->pd[pt].mean[m] : s->pt[pt].mean[m];
            double half = paired ? s->pd[pt].half[m] : s->pt[pt].half[m], lo, hi;
            sweep_interval(paired ? &unbounded : &SWEEP_METRIC[m], mean, isnan(half) ? 0 : half, &lo, &hi);
            /* a non-numeric parameter is placed by its index, labelled by value */
            char xs[32];
            snprintf(xs, sizeof xs, "%u", x);
            fprintf(f, "%s\t%.10g\t%.10g\t%.10g\t%s\n", numeric ? g->axes[0].values[x] : xs, mean, lo, hi,
                    g->n_axes ? g->axes[0].values[x] : "scenario");
        }
    }
    if (!afile_commit(f, tmp, fpath, true)) {
        fprintf(stderr, "avrami plot: %s: cannot write: %s\n", fpath, afile_strerror(errno));
        return false;
    }
    char ylab[160], vars[640], title[200];
    if (paired)
        snprintf(ylab, sizeof ylab, "%s, minus point %u", SWEEP_METRIC[m].label, s->baseline);
    else
        snprintf(ylab, sizeof ylab, "%s", SWEEP_METRIC[m].label);
    snprintf(vars, sizeof vars, "metric='%s'; ylab='%s'; xlab='%s'; nblocks=%u; numeric=%d", name, ylab,
             g->n_axes ? g->axes[0].path : "scenario", blocks, numeric);
    if (!gnuplot(dir, scripts, "sweep_metric", name, vars))
        return false;
    snprintf(title, sizeof title, "%s against %s%s", ylab, g->n_axes ? g->axes[0].path : "-",
             paired ? " (paired, same replications)" : "");
    add(l, name, title);
    return true;
}

static bool plot_sweep(const char *path, const char *dir, const char *scripts, uint32_t baseline, plot_list *l)
{
    sweep_summary s;
    char err[512];
    if (!sweep_summary_read(path, &s, err, sizeof err) ||
        (s.points > 1 && !sweep_summary_pair(path, &s, baseline, err, sizeof err))) {
        fprintf(stderr, "avrami plot: %s\n", err);
        sweep_summary_free(&s);
        return false;
    }
    uint32_t finished = 0;
    for (uint32_t i = 0; i < s.points; i++)
        finished += s.pt[i].n;
    if (!finished) {
        fprintf(stderr, "avrami plot: %s: the sweep has no finished run yet; nothing to plot\n", path);
        sweep_summary_free(&s);
        return false;
    }
    if (finished < (uint64_t)s.points * s.reps)
        fprintf(stderr, "avrami plot: %s: warning: incomplete sweep, %u of %llu runs finished; the plots "
                        "show those only\n", path, finished, (unsigned long long)s.points * s.reps);
    const grid *g = &s.g;
    uint32_t nx = g->n_axes ? g->axes[0].n : 1;
    bool numeric = g->n_axes > 0;
    for (uint32_t i = 0; numeric && i < nx; i++) {
        char *end;
        strtod(g->axes[0].values[i], &end);
        numeric = end != g->axes[0].values[i] && !*end;
    }
    bool ok = true;
    for (int m = 0; m < SWEEP_METRICS && ok; m++)
        ok = plot_metric(&s, m, false, numeric, dir, scripts, l) &&
             (!s.pd || plot_metric(&s, m, true, numeric, dir, scripts, l));
    sweep_summary_free(&s);
    return ok;
}

/* A run database opened read-only, or NULL with a message. */
static sqlite3 *open_run(const char *path)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    char why[128];
    if (access(path, R_OK) != 0 || !rfile_is_regular(path, why, sizeof why) ||
        sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT kickouts FROM series LIMIT 1", -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "avrami plot: %s: not a run or sweep database (or one from an older avrami)\n", path);
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_finalize(st);
    return db;
}

bool plot_db(const char *path, const char *dir, uint32_t baseline, plot_list *l)
{
    memset(l, 0, sizeof *l);
    char scripts[PATH_MAX];
    if (!find_scripts(scripts)) {
        fprintf(stderr, "avrami plot: the gnuplot scripts (plots/*.gp) were not found; set AVRAMI_PLOTS\n");
        return false;
    }
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "avrami plot: %s: cannot create: %s\n", dir, strerror(errno));
        return false;
    }
    if (sweep_is_sweep_db(path))
        return plot_sweep(path, dir, scripts, baseline, l);
    sqlite3 *db = open_run(path);
    bool ok = db && plot_run(db, dir, scripts, l);
    sqlite3_close(db);
    return ok;
}

bool plot_run_data(const char *path, const char *dir)
{
    sqlite3 *db = open_run(path);
    bool ok = db && run_data(db, dir);
    sqlite3_close(db);
    return ok;
}
