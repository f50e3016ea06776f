/* A sweep database read back into per-point statistics (see summary.h). */
#include "sweep/summary.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "sweep/sweep_db.h"
#include "util/rfile.h"

static sqlite3 *open_ro(const char *path)
{
    sqlite3 *db = NULL;
    char why[128];
    if (access(path, R_OK) != 0 || !rfile_is_regular(path, why, sizeof why) ||
        sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

bool sweep_is_sweep_db(const char *path)
{
    sqlite3 *db = open_ro(path);
    char *f = db ? sdb_meta(db, "format") : NULL;
    bool yes = f && !strncmp(f, "avrami-sweep/", 13);
    free(f);
    sqlite3_close(db);
    return yes;
}

/* The axes as stored: each a path and a JSON array of at least one string;
 * the grid at most 10^8 points.  False with the reason in err. */
static bool read_axes(sqlite3 *db, grid *g, char *err, size_t err_size)
{
    sqlite3_stmt *st;
    g->points = 1;
    if (sqlite3_prepare_v2(db, "SELECT path, vals, axis FROM axes ORDER BY axis", -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, err_size, "no axes table (%s)", sqlite3_errmsg(db));
        return false;
    }
    bool ok = true;
    while (ok && sqlite3_step(st) == SQLITE_ROW) {
        const char *path = (const char *)sqlite3_column_text(st, 0);
        cJSON *vals = sqlite3_column_text(st, 1) ? cJSON_Parse((const char *)sqlite3_column_text(st, 1)) : NULL;
        int n = cJSON_IsArray(vals) ? cJSON_GetArraySize(vals) : 0;
        bool strings = n > 0;
        for (cJSON *v = vals ? vals->child : NULL; v; v = v->next)
            strings &= cJSON_IsString(v);
        if (!path || !strings || sqlite3_column_int64(st, 2) != g->n_axes || g->n_axes >= 64 ||
            (uint64_t)g->points * (uint64_t)n > 100000000u) {
            snprintf(err, err_size, "axes row %u: expected axis %u with a path and a JSON array of 1 or more "
                     "strings (at most 10^8 points in all)", g->n_axes, g->n_axes);
            cJSON_Delete(vals);
            ok = false;
            break;
        }
        grid_axis a = {.path = strdup(path), .n = (uint32_t)n};
        a.values = calloc((size_t)n, sizeof *a.values);
        int i = 0;
        for (cJSON *v = vals->child; v; v = v->next)
            a.values[i++] = strdup(v->valuestring);
        cJSON_Delete(vals);
        g->axes = realloc(g->axes, (g->n_axes + 1) * sizeof *g->axes);
        g->axes[g->n_axes++] = a;
        g->points *= a.n;
    }
    sqlite3_finalize(st);
    return ok;
}

static void point_stats(sqlite3 *db, uint32_t point, sweep_point_stat *ps)
{
    char sql[512];
    int len = snprintf(sql, sizeof sql, "SELECT status");
    for (int m = 0; m < SWEEP_METRICS; m++)
        len += snprintf(sql + len, sizeof sql - (size_t)len, ", %s", SWEEP_METRIC[m].column);
    snprintf(sql + len, sizeof sql - (size_t)len, " FROM runs WHERE point = ? ORDER BY rep");
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_int64(st, 1, point);
    size_t cap = 16, n = 0;
    double *v = malloc(cap * SWEEP_METRICS * sizeof *v);
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (n == cap)
            v = realloc(v, (cap *= 2) * SWEEP_METRICS * sizeof *v);
        ps->violated += sqlite3_column_int(st, 0) != 0;
        for (int m = 0; m < SWEEP_METRICS; m++)
            v[n * SWEEP_METRICS + (size_t)m] = sqlite3_column_double(st, m + 1);
        n++;
    }
    sqlite3_finalize(st);
    ps->n = (uint32_t)n;
    double *col = malloc((n + 1) * sizeof *col);
    for (int m = 0; m < SWEEP_METRICS; m++) {
        for (size_t i = 0; i < n; i++)
            col[i] = v[i * SWEEP_METRICS + (size_t)m];
        sweep_ci(col, n, &ps->mean[m], &ps->half[m]);
    }
    free(col);
    free(v);
}

bool sweep_summary_read(const char *path, sweep_summary *s, char *err, size_t err_size)
{
    memset(s, 0, sizeof *s);
    sqlite3 *db = open_ro(path);
    char *format = db ? sdb_meta(db, "format") : NULL;
    if (!format || strncmp(format, "avrami-sweep/", 13)) {
        snprintf(err, err_size, "%s: %s", path, db ? "not a sweep database" : "cannot open");
        free(format);
        sqlite3_close(db);
        return false;
    }
    free(format);
    char why[256] = "";
    if (!read_axes(db, &s->g, why, sizeof why))
        goto damaged;
    char *text = sdb_meta(db, "scenario");
    cJSON *scn = text ? cJSON_Parse(text) : NULL;
    cJSON *name = cJSON_GetObjectItemCaseSensitive(scn, "name");
    s->scenario_name = strdup(cJSON_IsString(name) ? name->valuestring : "unnamed");
    cJSON_Delete(scn);
    free(text);
    char *reps = sdb_meta(db, "reps");
    unsigned long r = reps ? strtoul(reps, NULL, 10) : 0;
    s->reps = r <= UINT32_MAX ? (uint32_t)r : 0;
    free(reps);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT point, label FROM points ORDER BY point", -1, &st, NULL) != SQLITE_OK) {
        snprintf(why, sizeof why, "no points table (%s)", sqlite3_errmsg(db));
        goto damaged;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (sqlite3_column_type(st, 0) != SQLITE_INTEGER || sqlite3_column_int64(st, 0) != s->points ||
            s->points >= s->g.points) {
            snprintf(why, sizeof why, "points row %u: expected point %u of the grid's %u", s->points, s->points,
                     s->g.points);
            sqlite3_finalize(st);
            goto damaged;
        }
        s->pt = realloc(s->pt, (s->points + 1) * sizeof *s->pt);
        sweep_point_stat *ps = &s->pt[s->points++];
        memset(ps, 0, sizeof *ps);
        const char *label = (const char *)sqlite3_column_text(st, 1);
        ps->label = strdup(label && *label ? label : "(the scenario as is)");
    }
    sqlite3_finalize(st);
    if (s->points != s->g.points) {
        snprintf(why, sizeof why, "%u points for a grid of %u", s->points, s->g.points);
        goto damaged;
    }
    /* every run row belongs to a point and holds numbers */
    char sql[1024];
    int len = snprintf(sql, sizeof sql, "SELECT point, rep FROM runs WHERE typeof(point) != 'integer'"
                                        " OR point < 0 OR point >= ? OR typeof(status) != 'integer'");
    for (int m = 0; m < SWEEP_METRICS; m++)
        len += snprintf(sql + len, sizeof sql - (size_t)len, " OR typeof(%s) NOT IN ('real', 'integer')",
                        SWEEP_METRIC[m].column);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(why, sizeof why, "the runs table lacks a column (%s)", sqlite3_errmsg(db));
        goto damaged;
    }
    sqlite3_bind_int64(st, 1, s->points);
    if (sqlite3_step(st) == SQLITE_ROW) {
        snprintf(why, sizeof why, "runs row (point %s, rep %s) is outside the grid or holds a NULL or text",
                 sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "NULL",
                 sqlite3_column_text(st, 1) ? (const char *)sqlite3_column_text(st, 1) : "NULL");
        sqlite3_finalize(st);
        goto damaged;
    }
    sqlite3_finalize(st);
    for (uint32_t i = 0; i < s->points; i++)
        point_stats(db, i, &s->pt[i]);
    sqlite3_close(db);
    return true;
damaged:
    snprintf(err, err_size, "%s: a damaged sweep database: %s", path, why);
    sqlite3_close(db);
    sweep_summary_free(s);
    return false;
}

void sweep_summary_free(sweep_summary *s)
{
    for (uint32_t i = 0; i < s->points; i++)
        free(s->pt[i].label);
    free(s->pt);
    free(s->pd);
    free(s->scenario_name);
    grid_free(&s->g);
    memset(s, 0, sizeof *s);
}

uint64_t sweep_summary_done(const sweep_summary *s)
{
    uint64_t n = 0;
    for (uint32_t i = 0; i < s->points; i++)
        n += s->pt[i].n;
    return n;
}

void sweep_summary_print(const sweep_summary *s, FILE *out)
{
    uint64_t done = sweep_summary_done(s), want = (uint64_t)s->points * s->reps;
    if (done < want)
        fprintf(out, "INCOMPLETE SWEEP: %llu of %llu runs finished (run the same command again to finish it)\n",
                (unsigned long long)done, (unsigned long long)want);
    fprintf(out, "sweep: %s, %u points; mean ± 95%% confidence half-width (Student t) over replications",
            s->scenario_name, s->points);
    if (s->pd)
        fprintf(out, ";\n  Δ: the paired difference against point %u over the same replications "
                     "(common random numbers), ± its 95%% half-width", s->baseline);
    fputc('\n', out);
    for (uint32_t i = 0; i < s->points; i++) {
        const sweep_point_stat *ps = &s->pt[i];
        fprintf(out, "point %u: %s  (%u runs%s)\n", i, ps->label, ps->n,
                ps->violated ? ", SOME WITH INVARIANTS VIOLATED" : "");
        for (int m = 0; m < SWEEP_METRICS && ps->n; m++) {
            char cell[160];
            sweep_format_interval(cell, sizeof cell, &SWEEP_METRIC[m], ps->mean[m], ps->half[m], "%.4f", "%.4f");
            fprintf(out, "  %-26s %s", SWEEP_METRIC[m].label, cell);
            if (s->pd && i != s->baseline && s->pd[i].n) {
                /* a difference has no bounds of its own */
                sweep_metric free_m = {.lo = -INFINITY, .hi = INFINITY};
                sweep_format_interval(cell, sizeof cell, &free_m, s->pd[i].mean[m], s->pd[i].half[m], "%+.4f",
                                      "%.4f");
                fprintf(out, "   Δ %s", cell);
            }
            fputc('\n', out);
        }
    }
}

/* Prints "PATH: WHAT: N rows ..." when the count query finds rows; 1 when
 * it did (or failed). */
static int count_bad(sqlite3 *db, const char *path, const char *sql, const char *what, FILE *out)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(out, "%s: %s: %s\n", path, what, sqlite3_errmsg(db));
        return 1;
    }
    long long n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    if (n)
        fprintf(out, "%s: %s: %lld rows\n", path, what, n);
    return n != 0;
}

/* avrami-sweep/2: the parameter columns of runs agree with points.settings
 * (arrays and objects, stored as JSON text, are not compared), and every
 * run has its run_actors rows (the honest row at least, none without a run,
 * wei as decimal text). */
static int check_v2(sqlite3 *db, const char *path, const grid *g, FILE *out)
{
    char *format = sdb_meta(db, "format");
    bool v2 = format && !strcmp(format, "avrami-sweep/2");
    free(format);
    if (!v2)
        return 0;
    int bad = 0;
    for (uint32_t a = 0; a < g->n_axes; a++) {
        char *sql = sqlite3_mprintf(
            "SELECT count(*) FROM runs r JOIN points p USING (point) WHERE json_type(p.settings, '$.\"' || %Q || '\"')"
            " NOT IN ('array', 'object') AND r.\"%w\" IS NOT json_extract(p.settings, '$.\"' || %Q || '\"')",
            g->axes[a].path, g->axes[a].path, g->axes[a].path);
        char what[600];
        snprintf(what, sizeof what, "runs.\"%.500s\" differs from the point's settings", g->axes[a].path);
        bad += count_bad(db, path, sql, what, out);
        sqlite3_free(sql);
    }
    bad += count_bad(db, path, "SELECT count(*) FROM runs r WHERE NOT EXISTS (SELECT 1 FROM run_actors a"
                                " WHERE a.point = r.point AND a.rep = r.rep AND a.actor = 0)",
                     "run_actors: runs without their honest row", out);
    bad += count_bad(db, path, "SELECT count(*) FROM run_actors a WHERE NOT EXISTS (SELECT 1 FROM runs r"
                                " WHERE a.point = r.point AND a.rep = r.rep)",
                     "run_actors: rows of no stored run", out);
    bad += count_bad(db, path, "SELECT count(*) FROM run_actors WHERE typeof(income_wei) != 'text'"
                                " OR income_wei = '' OR income_wei GLOB '*[^0-9]*'"
                                " OR typeof(profit_wei) != 'text' OR profit_wei = '' OR profit_wei = '-'"
                                " OR substr(profit_wei, 2) GLOB '*[^0-9]*'"
                                " OR substr(profit_wei, 1, 1) GLOB '[^-0-9]'",
                     "run_actors: income_wei or profit_wei is not decimal wei", out);
    return bad;
}

int sweep_check(const char *path, FILE *out)
{
    sweep_summary s;
    char err[512];
    if (!sweep_summary_read(path, &s, err, sizeof err)) {
        fprintf(out, "%s\n", err);
        return 1;
    }
    uint32_t points = s.points;
    sqlite3 *db = open_ro(path);
    int bad = check_v2(db, path, &s.g, out);
    sweep_summary_free(&s);
    static const char *const keys[] = {"scenario", "grid", "seed", "duration_s", "reps", "version"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        char *v = sdb_meta(db, keys[i]);
        if (!v && bad++ < 20)
            fprintf(out, "%s: meta: key %s is missing or NULL\n", path, keys[i]);
        free(v);
    }
    char *reps_text = sdb_meta(db, "reps");
    long long reps = reps_text ? atoll(reps_text) : 0;
    free(reps_text);
    /* each row: a known status, counts that add up, metrics in range */
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
            "SELECT point, rep, status, submitted = succeeded + aborted + rejected + open"
            " AND min(submitted, succeeded, aborted, rejected, open, resubmits, kickouts, slashes, nodes, events) >= 0,"
            " success_share BETWEEN 0 AND 1 AND utilization BETWEEN 0 AND 1 AND wait_median_s >= 0"
            " AND wait_p95_s >= wait_median_s AND income_cnx_per_node_h >= 0"
            " FROM runs ORDER BY point, rep", -1, &st, NULL) != SQLITE_OK) {
        fprintf(out, "%s: runs: %s\n", path, sqlite3_errmsg(db));
        sqlite3_close(db);
        return bad + 1;
    }
    long long rows = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        long long pt = sqlite3_column_int64(st, 0), rep = sqlite3_column_int64(st, 1);
        int status = sqlite3_column_type(st, 2) == SQLITE_INTEGER ? sqlite3_column_int(st, 2) : -1;
        rows += rep < reps;
        const char *why = status == 1 ? "an invariant was violated (status 1)"
                        : status != 0 ? "status is not 0 or 1"
                        : !sqlite3_column_int(st, 3) ? "submitted != succeeded + aborted + rejected + open, or a "
                                                       "negative count"
                        : !sqlite3_column_int(st, 4) ? "a metric out of range (shares in [0, 1], waits >= 0, "
                                                       "p95 >= median, income >= 0)"
                        : NULL;
        if (why && bad++ < 20)
            fprintf(out, "%s: run (point %lld, rep %lld): %s\n", path, pt, rep, why);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    if (reps <= 0 || rows != (long long)points * reps) {
        if (bad++ < 20)
            fprintf(out, "%s: %lld of %lld runs stored (%u points x %lld reps): the sweep is incomplete\n", path,
                    rows, (long long)points * (reps > 0 ? reps : 0), points, reps);
    }
    if (bad > 20)
        fprintf(out, "%s: ... %d violations in all\n", path, bad);
    return bad;
}
