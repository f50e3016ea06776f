/* A sweep database read back into per-point statistics (see summary.h). */
#include "sweep/summary.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "sweep/sweep_db.h"

static sqlite3 *open_ro(const char *path)
{
    sqlite3 *db = NULL;
    if (access(path, R_OK) != 0 || sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
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

static void read_axes(sqlite3 *db, grid *g)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT path, vals FROM axes ORDER BY axis", -1, &st, NULL) != SQLITE_OK)
        return;
    g->points = 1;
    while (sqlite3_step(st) == SQLITE_ROW) {
        cJSON *vals = cJSON_Parse((const char *)sqlite3_column_text(st, 1));
        grid_axis a = {.path = strdup((const char *)sqlite3_column_text(st, 0))};
        cJSON *v;
        cJSON_ArrayForEach(v, vals)
        {
            a.values = realloc(a.values, (a.n + 1) * sizeof *a.values);
            a.values[a.n++] = strdup(cJSON_IsString(v) ? v->valuestring : "?");
        }
        cJSON_Delete(vals);
        g->axes = realloc(g->axes, (g->n_axes + 1) * sizeof *g->axes);
        g->axes[g->n_axes++] = a;
        g->points *= a.n ? a.n : 1;
    }
    sqlite3_finalize(st);
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
    read_axes(db, &s->g);
    char *text = sdb_meta(db, "scenario");
    cJSON *scn = text ? cJSON_Parse(text) : NULL;
    cJSON *name = cJSON_GetObjectItemCaseSensitive(scn, "name");
    s->scenario_name = strdup(cJSON_IsString(name) ? name->valuestring : "unnamed");
    cJSON_Delete(scn);
    free(text);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "SELECT point, label FROM points ORDER BY point", -1, &st, NULL);
    while (sqlite3_step(st) == SQLITE_ROW) {
        s->pt = realloc(s->pt, (s->points + 1) * sizeof *s->pt);
        sweep_point_stat *ps = &s->pt[s->points++];
        memset(ps, 0, sizeof *ps);
        const char *label = (const char *)sqlite3_column_text(st, 1);
        ps->label = strdup(label && *label ? label : "(the scenario as is)");
    }
    sqlite3_finalize(st);
    for (uint32_t i = 0; i < s->points; i++)
        point_stats(db, i, &s->pt[i]);
    sqlite3_close(db);
    return true;
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

void sweep_summary_print(const sweep_summary *s, FILE *out)
{
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
