/* The closing table of `avrami compare`, read back from its sweep database
 * (compare.h).  The sweep's own metrics and their paired differences come
 * from summary.c/paired.c; the attack figures are summed here from
 * run_actors and paired the same way: per replication, edition minus the
 * first edition, Student-t over the replications both have. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "compare/compare.h"
#include "sweep/summary.h"
#include "sweep/sweep.h"
#include "util/wei.h"

static const char *const EXTRA_LABEL[COMPARE_EXTRAS] = {
    "cost per task succeeded (CNX)", "node income Gini", "node income, top-10% share", "attacker profit (CNX)", "wrong results accepted",
    "honest nodes slashed", "honest nodes kicked out"};

/* a signed decimal wei string as CNX (for statistics only) */
static double cnx_of(const char *s)
{
    bool neg = s && s[0] == '-';
    wei_t w;
    if (!s || !wei_parse(s + neg, &w))
        return NAN;
    double v = (double)w / 1e18;
    return neg ? -v : v;
}

/* a row of the run_income part of the query (actor -1), or of runs (-2:
 * the tasks succeeded, kept in `succeeded` until the costs are divided) */
static bool read_run_row(sqlite3_stmt *st, uint32_t points, uint32_t reps, double *x, bool *have,
                         double *succeeded)
{
    sqlite3_int64 kind = sqlite3_column_int64(st, 2);
    if (kind != -1 && kind != -2)
        return false;
    sqlite3_int64 p = sqlite3_column_int64(st, 0), r = sqlite3_column_int64(st, 1);
    if (p < 0 || p >= points || r < 0 || r >= reps)
        return true;
    size_t c = (size_t)p * reps + (size_t)r;
    if (kind == -2) {
        succeeded[c] = sqlite3_column_double(st, 4);
        return true;
    }
    x[c * COMPARE_EXTRAS + COMPARE_INCOME_GINI] = sqlite3_column_double(st, 3);
    x[c * COMPARE_EXTRAS + COMPARE_INCOME_TOP10] = sqlite3_column_double(st, 4);
    have[c] = true;
    return true;
}

/* x[(point * reps + rep) * COMPARE_EXTRAS + k], have[point * reps + rep] */
static bool read_extras(const char *path, uint32_t points, uint32_t reps, double *x, bool *have,
                        char *err, size_t err_size)
{
    double *succeeded = calloc((size_t)points * reps + 1, sizeof *succeeded);
    if (!succeeded) {
        snprintf(err, err_size, "out of memory");
        return false;
    }
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(err, err_size, "%s: cannot open", path);
        sqlite3_close(db);
        free(succeeded);
        return false;
    }
    sqlite3_stmt *st;
    /* run_income rows (actor -1) where the table exists */
    bool income = sqlite3_prepare_v2(db, "SELECT 1 FROM run_income", -1, &st, NULL) == SQLITE_OK;
    sqlite3_finalize(st);
    const char *sql = income ? "SELECT point, rep, actor, profit_wei, cheats_won, slashes, kickouts, income_wei"
                               " FROM run_actors UNION ALL SELECT point, rep, -1, gini, top10_share, 0, 0, 0"
                               " FROM run_income UNION ALL SELECT point, rep, -2, 0, succeeded, 0, 0, 0 FROM runs"
                             : "SELECT point, rep, actor, profit_wei, cheats_won, slashes, kickouts, income_wei"
                               " FROM run_actors UNION ALL SELECT point, rep, -2, 0, succeeded, 0, 0, 0 FROM runs";
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, err_size, "%s: run_actors: %s", path, sqlite3_errmsg(db));
        sqlite3_close(db);
        free(succeeded);
        return false;
    }
    bool ok = true;
    while (ok && sqlite3_step(st) == SQLITE_ROW) {
        if (read_run_row(st, points, reps, x, have, succeeded))
            continue;
        sqlite3_int64 p = sqlite3_column_int64(st, 0), r = sqlite3_column_int64(st, 1);
        sqlite3_int64 a = sqlite3_column_int64(st, 2);
        if (p < 0 || p >= points || r < 0 || r >= reps)
            continue; /* not a point of the comparison */
        size_t c = (size_t)p * reps + (size_t)r;
        double *v = &x[c * COMPARE_EXTRAS];
        have[c] = true;
        double earned = cnx_of((const char *)sqlite3_column_text(st, 7));
        if (isnan(earned)) {
            snprintf(err, err_size, "%s: run_actors (point %lld, rep %lld, actor %lld): income_wei: expected "
                     "a decimal integer", path, (long long)p, (long long)r, (long long)a);
            ok = false;
        }
        v[COMPARE_COST_PER_TASK] += earned;
        if (a > 0) {
            double profit = cnx_of((const char *)sqlite3_column_text(st, 3));
            if (isnan(profit)) {
                snprintf(err, err_size, "%s: run_actors (point %lld, rep %lld, actor %lld): profit_wei: "
                         "expected a signed decimal integer", path, (long long)p, (long long)r, (long long)a);
                ok = false;
            }
            v[COMPARE_ATTACKER_PROFIT] += profit;
            v[COMPARE_WRONG_ACCEPTED] += (double)sqlite3_column_int64(st, 4);
        } else {
            v[COMPARE_HONEST_SLASHED] += (double)sqlite3_column_int64(st, 5);
            v[COMPARE_HONEST_KICKED] += (double)sqlite3_column_int64(st, 6);
        }
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    /* the fees nodes earned per task that succeeded */
    for (size_t c = 0; c < (size_t)points * reps; c++)
        x[c * COMPARE_EXTRAS + COMPARE_COST_PER_TASK] =
            succeeded[c] > 0 ? x[c * COMPARE_EXTRAS + COMPARE_COST_PER_TASK] / succeeded[c] : 0;
    free(succeeded);
    return ok;
}

/* One block of the table: label, then per edition its mean over the
 * replications it has (x[(point * reps + rep) * stride], have[...]) and,
 * after the first, the paired difference from the first edition. */
static void print_values(FILE *out, const sweep_summary *s, const char *const *names, const char *label,
                         const double *x, size_t stride, const bool *have, uint32_t reps)
{
    double *v = malloc((reps + 1) * sizeof *v), *d = malloc((reps + 1) * sizeof *d);
    fprintf(out, "%s\n", label);
    for (uint32_t p = 0; p < s->points; p++) {
        size_t n = 0, nd = 0;
        for (uint32_t r = 0; r < reps; r++) {
            size_t c = (size_t)p * reps + r, b = r;
            if (!have[c])
                continue;
            v[n++] = x[c * stride];
            if (p > 0 && have[b])
                d[nd++] = x[c * stride] - x[b * stride];
        }
        double mean, half;
        char cell[64];
        sweep_ci(v, n, &mean, &half);
        if (isnan(half))
            snprintf(cell, sizeof cell, "%.4g", mean);
        else
            snprintf(cell, sizeof cell, "%.4g ± %.2g", mean, half);
        fprintf(out, "  %-22s %-24s", names[p], cell);
        if (p > 0) {
            double dm, dh;
            sweep_ci(d, nd, &dm, &dh);
            fprintf(out, " diff %+.4g", dm);
            if (!isnan(dh))
                fprintf(out, " ± %.2g", dh);
        }
        fprintf(out, "  (n %zu)\n", n);
    }
    free(v);
    free(d);
}

/* Node income per card, CNX per online hour of its identities (run_cards,
 * where the database has it): one block per card, cards by name. */
static bool print_cards(FILE *out, const char *path, const sweep_summary *s, const char *const *names,
                        uint32_t reps, char *err, size_t err_size)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *cards = NULL, *st = NULL;
    bool ok = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK;
    if (ok && sqlite3_prepare_v2(db, "SELECT DISTINCT card FROM run_cards ORDER BY card", -1, &cards, NULL) != SQLITE_OK) {
        sqlite3_close(db); /* a database from before run_cards */
        return true;
    }
    size_t cells = (size_t)s->points * reps;
    double *x = calloc(cells + 1, sizeof *x);
    bool *have = calloc(cells + 1, sizeof *have);
    ok = ok && x && have &&
         sqlite3_prepare_v2(db, "SELECT point, rep, online_h, income_wei FROM run_cards WHERE card = ?", -1, &st,
                            NULL) == SQLITE_OK;
    while (ok && sqlite3_step(cards) == SQLITE_ROW) {
        char card[96], label[160];
        snprintf(card, sizeof card, "%s", (const char *)sqlite3_column_text(cards, 0));
        memset(have, 0, (cells + 1) * sizeof *have);
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, card, -1, SQLITE_TRANSIENT);
        while (ok && sqlite3_step(st) == SQLITE_ROW) {
            sqlite3_int64 p = sqlite3_column_int64(st, 0), r = sqlite3_column_int64(st, 1);
            double h = sqlite3_column_double(st, 2), cnx = cnx_of((const char *)sqlite3_column_text(st, 3));
            if (isnan(cnx)) {
                snprintf(err, err_size, "%s: run_cards (point %lld, rep %lld): income_wei: expected a decimal integer",
                         path, (long long)p, (long long)r);
                ok = false;
            }
            if (p < 0 || p >= s->points || r < 0 || r >= reps || !(h > 0))
                continue;
            x[(size_t)p * reps + (size_t)r] = cnx / h;
            have[(size_t)p * reps + (size_t)r] = true;
        }
        snprintf(label, sizeof label, "node income per card (CNX/online h): %s", card);
        if (ok)
            print_values(out, s, names, label, x, 1, have, reps);
    }
    if (!ok && !err[0])
        snprintf(err, err_size, "%s: run_cards: %s", path, db ? sqlite3_errmsg(db) : "cannot open");
    sqlite3_finalize(st);
    sqlite3_finalize(cards);
    sqlite3_close(db);
    free(x);
    free(have);
    return ok;
}

bool compare_print(const char *path, FILE *out, char *err, size_t err_size)
{
    sweep_summary s;
    if (!sweep_summary_read(path, &s, err, err_size))
        return false;
    if (s.g.n_axes == 0 || s.points != s.g.axes[0].n) {
        snprintf(err, err_size, "%s: not a comparison (its first axis must be the only one that varies)", path);
        sweep_summary_free(&s);
        return false;
    }
    if (s.points > 1 && !sweep_summary_pair(path, &s, 0, err, err_size)) {
        sweep_summary_free(&s);
        return false;
    }
    char **names = s.g.axes[0].values;
    uint32_t reps = s.reps ? s.reps : 1;
    for (uint32_t p = 0; p < s.points; p++)
        if (s.pt[p].n > reps)
            reps = s.pt[p].n;
    fprintf(out, "compare: %s, %s = %s ..., %u replication%s each; diff: minus %s, paired by replication "
            "(95%% intervals)\n", s.scenario_name, s.g.axes[0].path, names[0], reps, reps == 1 ? "" : "s",
            names[0]);
    for (int m = 0; m < SWEEP_METRICS; m++) {
        fprintf(out, "%s\n", SWEEP_METRIC[m].label);
        for (uint32_t p = 0; p < s.points; p++) {
            char cell[96];
            sweep_format_interval(cell, sizeof cell, &SWEEP_METRIC[m], s.pt[p].mean[m], s.pt[p].half[m],
                                  "%.4g", "%.2g");
            fprintf(out, "  %-22s %-24s", names[p], cell);
            if (p > 0 && s.pd) {
                fprintf(out, " diff %+.4g", s.pd[p].mean[m]);
                if (!isnan(s.pd[p].half[m]))
                    fprintf(out, " ± %.2g", s.pd[p].half[m]);
            }
            fprintf(out, "  (n %u)\n", s.pt[p].n);
        }
    }
    size_t cells = (size_t)s.points * reps;
    double *x = calloc(cells * COMPARE_EXTRAS + 1, sizeof *x);
    bool *have = calloc(cells + 1, sizeof *have);
    bool ok = x && have && read_extras(path, s.points, reps, x, have, err, err_size);
    for (int k = 0; ok && k < COMPARE_EXTRAS; k++)
        print_values(out, &s, (const char *const *)names, EXTRA_LABEL[k], x + k, COMPARE_EXTRAS, have, reps);
    if (ok) {
        err[0] = 0;
        ok = print_cards(out, path, &s, (const char *const *)names, reps, err, err_size);
    }
    free(x);
    free(have);
    sweep_summary_free(&s);
    return ok;
}
