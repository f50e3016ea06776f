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

static void table_head(FILE *f)
{
    fputs("| point | settings | runs ", f);
    for (int m = 0; m < SWEEP_METRICS; m++)
        fprintf(f, "| %s ", SWEEP_METRIC[m].label);
    fputs("|\n|---|---|---", f);
    for (int m = 0; m < SWEEP_METRICS; m++)
        fputs("|---", f);
    fputs("|\n", f);
}

static void sweep_tables(FILE *f, const sweep_summary *s)
{
    fprintf(f, "# Sweep report: %s\n\n", s->scenario_name);
    uint64_t done = sweep_summary_done(s), want = (uint64_t)s->points * s->reps;
    if (done < want)
        fprintf(f, "**Incomplete sweep**: %llu of %llu runs finished; the figures cover those only.\n\n",
                (unsigned long long)done, (unsigned long long)want);
    fprintf(f, "%u points", s->points);
    for (uint32_t a = 0; a < s->g.n_axes; a++) {
        fprintf(f, "%s `%s` ∈ {", a ? " ×" : ":", s->g.axes[a].path);
        for (uint32_t i = 0; i < s->g.axes[a].n; i++)
            fprintf(f, "%s%s", i ? ", " : "", s->g.axes[a].values[i]);
        fputc('}', f);
    }
    fprintf(f, ".  Each cell: mean ± half-width of the 95%% confidence interval (Student t) over the "
               "point's replications; an interval that would leave the metric's range (a share "
               "outside [0, 1], a negative count) is printed clipped, as [low, high].\n\n");
    table_head(f);
    for (uint32_t i = 0; i < s->points; i++) {
        const sweep_point_stat *ps = &s->pt[i];
        fprintf(f, "| %u ", i);
        cell(f, ps->label);
        fprintf(f, "| %u%s ", ps->n, ps->violated ? " (invariant violated!)" : "");
        for (int m = 0; m < SWEEP_METRICS; m++) {
            char c[160];
            if (!ps->n)
                snprintf(c, sizeof c, "–");
            else
                sweep_format_interval(c, sizeof c, &SWEEP_METRIC[m], ps->mean[m], ps->half[m], "%.4g", "%.2g");
            fprintf(f, "| %s ", c);
        }
        fputs("|\n", f);
    }
    if (!s->pd)
        return;
    fprintf(f, "\n## Paired differences against point %u\n\n"
               "Replication r of every point runs on the same random streams, so x[point, r] − "
               "x[%u, r] removes the noise two runs share.  Each cell: the mean of these differences "
               "± the half-width of its 95%% Student-t interval, over the replications both points "
               "have (runs: how many).  An interval that excludes 0 says the setting moved the "
               "metric, even where the points' own intervals overlap.\n\n",
            s->baseline, s->baseline);
    table_head(f);
    sweep_metric unbounded = {.lo = -INFINITY, .hi = INFINITY};
    for (uint32_t i = 0; i < s->points; i++) {
        if (i == s->baseline)
            continue;
        const sweep_paired_stat *d = &s->pd[i];
        fprintf(f, "| %u ", i);
        cell(f, s->pt[i].label);
        fprintf(f, "| %u ", d->n);
        for (int m = 0; m < SWEEP_METRICS; m++) {
            char c[160];
            if (!d->n)
                snprintf(c, sizeof c, "–");
            else
                sweep_format_interval(c, sizeof c, &unbounded, d->mean[m], d->half[m], "%+.4g", "%.2g");
            fprintf(f, "| %s ", c);
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

bool report_run_tables(FILE *f, const char *path)
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
    sql_table(f, db, "| software (docs/profiles.md) and what its rules caused | value |",
              "SELECT key, value FROM run WHERE key LIKE 'software.%' OR key LIKE 'effect.%' ORDER BY key");
    sql_table(f, db, "| outcome | tasks |", "SELECT outcome, COUNT(*) FROM tasks GROUP BY outcome ORDER BY outcome");
    /* everything `avrami run` printed (queue waits, utilization, quirks,
     * actors, ...), then the scenario the run used: its parameters */
    sqlite3_stmt *st;
    static const char *const BLOCKS[][2] = {{"summary", "## Summary (as `avrami run` printed it)"},
                                            {"scenario", "## Scenario (every parameter of the run)"}};
    for (int b = 0; b < 2; b++)
        if (sqlite3_prepare_v2(db, "SELECT value FROM run WHERE key = ?", -1, &st, NULL) == SQLITE_OK) {
            sqlite3_bind_text(st, 1, BLOCKS[b][0], -1, SQLITE_STATIC);
            if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
                fprintf(f, "\n%s\n\n```\n%s%s```\n", BLOCKS[b][1], (const char *)sqlite3_column_text(st, 0),
                        b ? "\n" : "");
            sqlite3_finalize(st);
        }
    sql_table(f, db, "| card | nodes | CNX per online hour | kicked out | slashed |",
              "SELECT card, COUNT(*), printf('%.4f', SUM(CAST(income_wei AS REAL)) / 1e18 / (SUM(COALESCE(left_s,"
              " (SELECT value FROM run WHERE key = 'simulated_until_us') / 1e6) - joined_s) / 3600.0)),"
              " SUM(left_why = 'kicked out'), SUM(left_why = 'slashed')"
              " FROM nodes WHERE joined_s IS NOT NULL GROUP BY card ORDER BY card");
    sqlite3_close(db);
    return true;
}

bool report_write(const char *path, const char *dir, uint32_t baseline)
{
    plot_list l;
    if (!plot_db(path, dir, baseline, &l))
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
        ok = sweep_summary_read(path, &s, err, sizeof err) &&
             (s.points < 2 || sweep_summary_pair(path, &s, baseline, err, sizeof err));
        if (ok)
            sweep_tables(f, &s);
        else
            fprintf(stderr, "avrami report: %s\n", err);
        sweep_summary_free(&s); /* safe after a failed read: it starts zeroed */
    } else {
        ok = report_run_tables(f, path);
    }
    fputs("\n## Plots\n\n", f);
    for (int i = 0; i < l.n; i++)
        fprintf(f, "### %s\n\n![%s](%s.png)\n\n([SVG](%s.svg), data: [%s.tsv](%s.tsv))\n\n", l.title[i],
                l.title[i], l.name[i], l.name[i], l.name[i], l.name[i]);
    if (!afile_commit(f, tmp, out, ok)) {
        if (ok) /* otherwise the reason was printed already */
            fprintf(stderr, "avrami report: %s: could not be written%s%s\n", out, errno ? ": " : "",
                    errno ? afile_strerror(errno) : "");
        return false;
    }
    printf("report: %s\n", out);
    return true;
}
