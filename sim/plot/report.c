/* Markdown reports of run and sweep databases (see report.h). */
#include "plot/report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "plot/plot.h"
#include "results/res.h"
#include "sweep/summary.h"
#include "util/afile.h"

/* A Markdown table cell: pipes escaped. */
static void cell(FILE *f, const char *s)
{
    fputs("| ", f);
    for (; *s; s++)
        fprintf(f, *s == '|' ? "\\|" : "%c", *s);
    fputc(' ', f);
}

static void sweep_tables(FILE *f, const sweep_summary *s)
{
    fprintf(f, "# Sweep report: %s\n\n", s->scenario_name);
    fprintf(f, "%u points", s->points);
    for (uint32_t a = 0; a < s->g.n_axes; a++) {
        fprintf(f, "%s `%s` ∈ {", a ? " ×" : ":", s->g.axes[a].path);
        for (uint32_t i = 0; i < s->g.axes[a].n; i++)
            fprintf(f, "%s%s", i ? ", " : "", s->g.axes[a].values[i]);
        fputc('}', f);
    }
    fprintf(f, ".  Each cell: mean ± half-width of the 95%% confidence interval (Student t) over the "
               "point's replications.\n\n");
    fputs("| point | settings | runs ", f);
    for (int m = 0; m < SWEEP_METRICS; m++)
        fprintf(f, "| %s ", SWEEP_METRIC[m].label);
    fputs("|\n|---|---|---", f);
    for (int m = 0; m < SWEEP_METRICS; m++)
        fputs("|---", f);
    fputs("|\n", f);
    for (uint32_t i = 0; i < s->points; i++) {
        const sweep_point_stat *ps = &s->pt[i];
        fprintf(f, "| %u ", i);
        cell(f, ps->label);
        fprintf(f, "| %u%s ", ps->n, ps->violated ? " (invariant violated!)" : "");
        for (int m = 0; m < SWEEP_METRICS; m++) {
            if (!ps->n)
                fputs("| – ", f);
            else if (isnan(ps->half[m]))
                fprintf(f, "| %.4g ", ps->mean[m]);
            else
                fprintf(f, "| %.4g ± %.2g ", ps->mean[m], ps->half[m]);
        }
        fputs("|\n", f);
    }
}

/* Rows of SQL as a Markdown table with the given header. */
static void sql_table(FILE *f, sqlite3 *db, const char *header, const char *sql)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return;
    int cols = sqlite3_column_count(st);
    fprintf(f, "%s\n", header);
    for (int c = 0; c < cols; c++)
        fputs("|---", f);
    fputs("|\n", f);
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int c = 0; c < cols; c++)
            cell(f, sqlite3_column_text(st, c) ? (const char *)sqlite3_column_text(st, c) : "");
        fputs("|\n", f);
    }
    fputc('\n', f);
    sqlite3_finalize(st);
}

static bool run_tables(FILE *f, const char *path)
{
    sqlite3 *db;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return false;
    }
    fprintf(f, "# Run report: %s\n\n", path);
    if (res_incomplete(path))
        fprintf(f, "**Incomplete run** (interrupted or failed): the figures cover only the simulated time "
                   "before it stopped.\n\n");
    sql_table(f, db, "| key | value |",
              "SELECT key, value FROM run WHERE key IN ('scenario_name', 'seed', 'replication', 'duration_s',"
              " 'events', 'complete', 'version') ORDER BY key");
    sql_table(f, db, "| outcome | tasks |", "SELECT outcome, COUNT(*) FROM tasks GROUP BY outcome ORDER BY outcome");
    sql_table(f, db, "| card | nodes | CNX per online hour | kicked out | slashed |",
              "SELECT card, COUNT(*), printf('%.4f', SUM(CAST(income_wei AS REAL)) / 1e18 / (SUM(COALESCE(left_s,"
              " (SELECT value FROM run WHERE key = 'simulated_until_us') / 1e6) - joined_s) / 3600.0)),"
              " SUM(left_why = 'kicked out'), SUM(left_why = 'slashed')"
              " FROM nodes WHERE joined_s IS NOT NULL GROUP BY card ORDER BY card");
    sqlite3_close(db);
    return true;
}

bool report_write(const char *path, const char *dir)
{
    plot_list l;
    if (!plot_db(path, dir, &l))
        return false;
    char out[1200], tmp[1210];
    snprintf(out, sizeof out, "%s/report.md", dir);
    FILE *f = afile_open(out, tmp, sizeof tmp);
    if (!f) {
        fprintf(stderr, "avrami report: %s: cannot write: %s\n", out, afile_strerror(errno));
        return false;
    }
    bool ok = true;
    if (sweep_is_sweep_db(path)) {
        sweep_summary s;
        char err[512];
        ok = sweep_summary_read(path, &s, err, sizeof err);
        if (ok) {
            sweep_tables(f, &s);
            sweep_summary_free(&s);
        }
    } else {
        ok = run_tables(f, path);
    }
    fputs("\n## Plots\n\n", f);
    for (int i = 0; i < l.n; i++)
        fprintf(f, "### %s\n\n![%s](%s.png)\n\n([SVG](%s.svg), data: [%s.tsv](%s.tsv))\n\n", l.title[i],
                l.title[i], l.name[i], l.name[i], l.name[i], l.name[i]);
    if (!afile_commit(f, tmp, out, ok)) {
        fprintf(stderr, "avrami report: %s: could not be written%s%s\n", out, errno ? ": " : "",
                errno ? afile_strerror(errno) : "");
        return false;
    }
    printf("report: %s\n", out);
    return true;
}
