/* Paired differences between sweep points (see summary.h).
 *
 * Replication r of every point runs on the random streams of (seed, r), so
 * two points' runs of one replication differ only by the points' settings:
 * the difference x[p, r] - x[b, r] removes the noise the runs share, and its
 * Student-t interval over r answers "did this setting move the metric?"
 * where the points' own intervals overlap. */
#include "sweep/summary.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

/* Every run's metrics, indexed [point][rep]; present[] marks finished runs. */
typedef struct table {
    uint32_t points, reps;
    double *v;       /* (point * reps + rep) * SWEEP_METRICS + m */
    bool *present;
} table;

static bool read_table(sqlite3 *db, uint32_t points, table *t, char *err, size_t err_size)
{
    sqlite3_stmt *st;
    uint32_t reps = 0;
    if (sqlite3_prepare_v2(db, "SELECT max(rep) FROM runs", -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, err_size, "runs: %s", sqlite3_errmsg(db));
        return false;
    }
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_INTEGER) {
        sqlite3_int64 r = sqlite3_column_int64(st, 0);
        if (r < 0 || r >= 1000000) {
            sqlite3_finalize(st);
            snprintf(err, err_size, "runs.rep: expected a replication number below 10^6, got %lld",
                     (long long)r);
            return false;
        }
        reps = (uint32_t)r + 1;
    }
    sqlite3_finalize(st);
    t->points = points;
    t->reps = reps;
    size_t cells = (size_t)points * reps;
    t->v = calloc(cells * SWEEP_METRICS + 1, sizeof *t->v);
    t->present = calloc(cells + 1, sizeof *t->present);
    char sql[512];
    int len = snprintf(sql, sizeof sql, "SELECT point, rep");
    for (int m = 0; m < SWEEP_METRICS; m++)
        len += snprintf(sql + len, sizeof sql - (size_t)len, ", %s", SWEEP_METRIC[m].column);
    snprintf(sql + len, sizeof sql - (size_t)len, " FROM runs");
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, err_size, "runs: %s", sqlite3_errmsg(db));
        return false;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        sqlite3_int64 p = sqlite3_column_int64(st, 0), r = sqlite3_column_int64(st, 1);
        if (p < 0 || p >= points || r < 0 || r >= reps)
            continue; /* a row of no listed point: not part of any comparison */
        size_t c = (size_t)p * reps + (size_t)r;
        t->present[c] = true;
        for (int m = 0; m < SWEEP_METRICS; m++)
            t->v[c * SWEEP_METRICS + (size_t)m] = sqlite3_column_double(st, m + 2);
    }
    sqlite3_finalize(st);
    return true;
}

bool sweep_summary_pair(const char *path, sweep_summary *s, uint32_t baseline, char *err, size_t err_size)
{
    if (baseline >= s->points) {
        snprintf(err, err_size, "%s: --baseline %u: the sweep has points 0 to %u", path, baseline,
                 s->points ? s->points - 1 : 0);
        return false;
    }
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(err, err_size, "%s: cannot open", path);
        sqlite3_close(db);
        return false;
    }
    table t = {0};
    char terr[256];
    bool ok = read_table(db, s->points, &t, terr, sizeof terr);
    sqlite3_close(db);
    if (!ok) {
        snprintf(err, err_size, "%s: %s", path, terr);
        free(t.v);
        free(t.present);
        return false;
    }
    free(s->pd);
    s->pd = calloc(s->points, sizeof *s->pd);
    s->baseline = baseline;
    double *d = malloc((t.reps + 1) * sizeof *d);
    for (uint32_t p = 0; p < s->points; p++) {
        sweep_paired_stat *ps = &s->pd[p];
        for (int m = 0; m < SWEEP_METRICS; m++) {
            size_t n = 0;
            for (uint32_t r = 0; r < t.reps; r++) {
                size_t a = (size_t)p * t.reps + r, b = (size_t)baseline * t.reps + r;
                if (t.present[a] && t.present[b])
                    d[n++] = t.v[a * SWEEP_METRICS + (size_t)m] - t.v[b * SWEEP_METRICS + (size_t)m];
            }
            ps->n = (uint32_t)n;
            sweep_ci(d, n, &ps->mean[m], &ps->half[m]);
        }
    }
    free(d);
    free(t.v);
    free(t.present);
    return true;
}

void sweep_interval(const sweep_metric *mt, double mean, double half, double *lo, double *hi)
{
    *lo = mean - half;
    *hi = mean + half;
    if (*lo < mt->lo)
        *lo = mt->lo;
    if (*hi > mt->hi)
        *hi = mt->hi;
}

int sweep_format_interval(char *buf, size_t cap, const sweep_metric *mt, double mean, double half,
                          const char *mean_fmt, const char *num_fmt)
{
    char m[64], a[64], b[64];
    snprintf(m, sizeof m, mean_fmt, mean);
    if (isnan(half))
        return snprintf(buf, cap, "%s", m);
    double lo, hi;
    sweep_interval(mt, mean, half, &lo, &hi);
    if (lo == mean - half && hi == mean + half) {
        snprintf(a, sizeof a, num_fmt, half);
        return snprintf(buf, cap, "%s ± %s", m, a);
    }
    /* the symmetric interval crosses the metric's bound: print it clipped */
    snprintf(a, sizeof a, num_fmt, lo);
    snprintf(b, sizeof b, num_fmt, hi);
    return snprintf(buf, cap, "%s [%s, %s]", m, a, b);
}
