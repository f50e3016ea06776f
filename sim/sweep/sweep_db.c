/* The sweep database (see sweep_db.h). */
#include "sweep/sweep_db.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "util/rfile.h"
#include "util/version.h"

/* 2: runs carries the swept parameters as columns; run_actors added */
#define FORMAT "avrami-sweep/2"
#define FORMAT_1 "avrami-sweep/1"

/* The SQL type of an axis's column: the widest JSON type of its values
 * over all points (true/false count as integers 0/1). */
typedef enum { COL_INTEGER, COL_REAL, COL_TEXT } col_type;
static const char *const COL_SQL[] = {"INTEGER", "REAL", "TEXT"};

struct sdb {
    sqlite3 *db;
    sqlite3_stmt *add, *add_actor, *add_income, *add_card;
    const sweep_plan *p;
    col_type *types;    /* per axis */
    bool bad;
};

/* Everything but runs, whose parameter columns depend on the grid. */
static const char SCHEMA[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;"
    "CREATE TABLE axes(axis INTEGER PRIMARY KEY, path TEXT, vals TEXT);"
    "CREATE TABLE points(point INTEGER PRIMARY KEY, label TEXT, settings TEXT);"
    "CREATE TABLE run_actors(point INTEGER, rep INTEGER, actor INTEGER, name TEXT, kind TEXT, mode TEXT,"
    " nodes INTEGER, start_wei TEXT, end_wei TEXT, income_wei TEXT, stake_lost_wei TEXT, profit_wei TEXT,"
    " slashes INTEGER, stakes_lost INTEGER, kickouts INTEGER, tasks_paid INTEGER, fakes INTEGER,"
    " cheats_won INTEGER, timeouts INTEGER, busy_s REAL, aborted INTEGER, PRIMARY KEY(point, rep, actor))"
    " WITHOUT ROWID;"
    "CREATE TABLE invocations(n INTEGER PRIMARY KEY, command TEXT, version TEXT);";
/* Per run, the concentration of node income over identities (sim_metrics):
 * a table of its own, so databases begun before it still resume and read. */
static const char RUN_INCOME[] =
    "CREATE TABLE IF NOT EXISTS run_income(point INTEGER, rep INTEGER, gini REAL, top10_share REAL,"
    " PRIMARY KEY(point, rep)) WITHOUT ROWID";
/* Per run and card, the node income of the card's identities (the
 * summary's "node income by card"); a table of its own for the same reason. */
static const char RUN_CARDS[] =
    "CREATE TABLE IF NOT EXISTS run_cards(point INTEGER, rep INTEGER, card TEXT, nodes INTEGER, online_h REAL,"
    " income_wei TEXT, PRIMARY KEY(point, rep, card)) WITHOUT ROWID";
/* runs: point, rep, then one column per axis, then these */
static const char RUNS_COLS[] =
    "status INTEGER, events INTEGER,"
    " success_share REAL, wait_median_s REAL, wait_p95_s REAL, utilization REAL,"
    " income_cnx_per_node_h REAL, kickouts INTEGER, slashes INTEGER, aborted INTEGER,"
    " submitted INTEGER, succeeded INTEGER, rejected INTEGER, open INTEGER, resubmits INTEGER,"
    " nodes INTEGER";
#define RUNS_FIXED 18 /* point, rep and the columns of RUNS_COLS */

static col_type value_type(const cJSON *v)
{
    if (cJSON_IsBool(v))
        return COL_INTEGER;
    if (!cJSON_IsNumber(v))
        return COL_TEXT;
    /* integral and exact in a double: INTEGER */
    double x = v->valuedouble;
    return x == floor(x) && fabs(x) <= 9007199254740992.0 ? COL_INTEGER : COL_REAL;
}

/* Each axis's column type, from every point's settings. */
static col_type *axis_types(const sweep_plan *p)
{
    col_type *t = calloc(p->g.n_axes ? p->g.n_axes : 1, sizeof *t);
    for (uint32_t i = 0; i < p->points && p->g.n_axes; i++) {
        char *json = grid_settings_json(&p->g, i);
        cJSON *o = cJSON_Parse(json);
        free(json);
        for (uint32_t a = 0; a < p->g.n_axes; a++) {
            col_type v = value_type(cJSON_GetObjectItemCaseSensitive(o, p->g.axes[a].path));
            t[a] = v > t[a] ? v : t[a];
        }
        cJSON_Delete(o);
    }
    return t;
}

/* "CREATE TABLE runs(...)" or the INSERT into it, with the axes' columns
 * (sqlite3_mprintf'd). */
static char *runs_sql(const sdb *d, bool create)
{
    char *sql = sqlite3_mprintf(create ? "CREATE TABLE runs(point INTEGER, rep INTEGER"
                                       : "INSERT OR IGNORE INTO runs(point, rep");
    for (uint32_t a = 0; a < d->p->g.n_axes && sql; a++) {
        char *more = create ? sqlite3_mprintf("%s, \"%w\" %s", sql, d->p->g.axes[a].path, COL_SQL[d->types[a]])
                            : sqlite3_mprintf("%s, \"%w\"", sql, d->p->g.axes[a].path);
        sqlite3_free(sql);
        sql = more;
    }
    if (!sql)
        return NULL;
    char *out;
    if (create) {
        out = sqlite3_mprintf("%s, %s, PRIMARY KEY(point, rep)) WITHOUT ROWID", sql, RUNS_COLS);
    } else {
        out = sqlite3_mprintf("%s, status, events, success_share, wait_median_s, wait_p95_s, utilization,"
                              " income_cnx_per_node_h, kickouts, slashes, aborted, submitted, succeeded,"
                              " rejected, open, resubmits, nodes) VALUES(?", sql);
        for (uint32_t k = 1; k < RUNS_FIXED + d->p->g.n_axes && out; k++) {
            char *more = sqlite3_mprintf("%s,?", out);
            sqlite3_free(out);
            out = more;
        }
        if (out) {
            char *more = sqlite3_mprintf("%s)", out);
            sqlite3_free(out);
            out = more;
        }
    }
    sqlite3_free(sql);
    return out;
}

static bool exec(sdb *d, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(d->db, sql, 0, 0, &msg) == SQLITE_OK)
        return true;
    if (!d->bad)
        fprintf(stderr, "avrami sweep: %s: %s\n", sqlite3_db_filename(d->db, "main"), msg);
    sqlite3_free(msg);
    d->bad = true;
    return false;
}

/* Runs one statement with text parameters; false on error. */
static bool put(sdb *d, const char *sql, int n, const char *const *args)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(d->db, sql, -1, &st, NULL) != SQLITE_OK)
        return false;
    for (int i = 0; i < n; i++)
        sqlite3_bind_text(st, i + 1, args[i], -1, SQLITE_TRANSIENT);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    return ok;
}

char *sdb_meta(sqlite3 *db, const char *key)
{
    sqlite3_stmt *st;
    char *v = NULL;
    if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        v = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return v;
}

/* The identity of a sweep, as stored in meta. */
static void identity(const sweep_plan *p, char *keys[4], char *vals[4])
{
    static const char *const K[4] = {"scenario", "grid", "seed", "duration_s"};
    char b[32];
    for (int i = 0; i < 4; i++)
        keys[i] = (char *)K[i];
    vals[0] = strdup(p->scenario_text);
    vals[1] = grid_spec_json(&p->g);
    snprintf(b, sizeof b, "%llu", (unsigned long long)p->seed);
    vals[2] = strdup(b);
    snprintf(b, sizeof b, "%llu", (unsigned long long)p->duration_s);
    vals[3] = strdup(b);
}

/* Whether one row of SQL with the given text parameters exists. */
static bool row_is(sdb *d, const char *sql, int n, const char *const *args)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(d->db, sql, -1, &st, NULL) != SQLITE_OK)
        return false;
    for (int i = 0; i < n; i++)
        sqlite3_bind_text(st, i + 1, args[i], -1, SQLITE_TRANSIENT);
    bool ok = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return ok;
}

/* The axes and points rows of the plan: inserted (check false) or
 * compared with the stored ones (check true: every row present as the plan
 * has it, and no other). */
static bool grid_rows(sdb *d, const sweep_plan *p, bool check)
{
    bool ok = true;
    for (uint32_t a = 0; a < p->g.n_axes && ok; a++) {
        cJSON *arr = cJSON_CreateArray();
        for (uint32_t i = 0; i < p->g.axes[a].n; i++)
            cJSON_AddItemToArray(arr, cJSON_CreateString(p->g.axes[a].values[i]));
        char *vals_json = cJSON_PrintUnformatted(arr), idx[16];
        cJSON_Delete(arr);
        snprintf(idx, sizeof idx, "%u", a);
        const char *row[] = {idx, p->g.axes[a].path, vals_json};
        ok = check ? row_is(d, "SELECT 1 FROM axes WHERE axis = ? AND path IS ? AND vals IS ?", 3, row)
                   : put(d, "INSERT INTO axes VALUES(?,?,?)", 3, row);
        free(vals_json);
    }
    for (uint32_t i = 0; i < p->points && ok; i++) {
        char *label = grid_label(&p->g, i), *settings = grid_settings_json(&p->g, i), idx[16];
        snprintf(idx, sizeof idx, "%u", i);
        const char *row[] = {idx, label, settings};
        ok = check ? row_is(d, "SELECT 1 FROM points WHERE point = ? AND label IS ? AND settings IS ?", 3, row)
                   : put(d, "INSERT INTO points VALUES(?,?,?)", 3, row);
        free(label);
        free(settings);
    }
    if (ok && check) {
        char n[2][16];
        snprintf(n[0], sizeof n[0], "%u", p->g.n_axes);
        snprintf(n[1], sizeof n[1], "%u", p->points);
        const char *args[] = {n[0], n[1]};
        ok = row_is(d, "SELECT 1 WHERE (SELECT count(*) FROM axes) = CAST(? AS INTEGER)"
                       " AND (SELECT count(*) FROM points) = CAST(? AS INTEGER)", 2, args);
    }
    return ok;
}

static bool create(sdb *d, const sweep_plan *p, char *const keys[4], char *const vals[4])
{
    char *runs = runs_sql(d, true);
    bool made = runs && exec(d, SCHEMA) && exec(d, runs);
    sqlite3_free(runs);
    if (!made)
        return false;
    const char *fmt[] = {"format", FORMAT};
    bool ok = put(d, "INSERT INTO meta VALUES(?,?)", 2, fmt);
    for (int i = 0; i < 4 && ok; i++) {
        const char *kv[] = {keys[i], vals[i]};
        ok = put(d, "INSERT INTO meta VALUES(?,?)", 2, kv);
    }
    return ok && grid_rows(d, p, false);
}

/* An existing file must be a sweep database of the same identity. */
static bool same_sweep(sdb *d, const sweep_plan *p, const char *path, char *const keys[4], char *const vals[4],
                       char *err, size_t err_size)
{
    char *format = sdb_meta(d->db, "format");
    bool ok = format && !strcmp(format, FORMAT), old = format && !strcmp(format, FORMAT_1);
    free(format);
    if (old) {
        snprintf(err, err_size, "%s: a sweep database of the older format " FORMAT_1 " (no parameter columns "
                 "in runs, no run_actors); this avrami writes " FORMAT " and does not add runs to it: "
                 "finish it with the avrami that started it, or choose another --out", path);
        return false;
    }
    if (!ok) {
        snprintf(err, err_size, "%s: not a sweep database (no meta.format = \"" FORMAT "\"); "
                 "choose another --out", path);
        return false;
    }
    for (int i = 0; i < 4; i++) {
        char *v = sdb_meta(d->db, keys[i]);
        ok = v && !strcmp(v, vals[i]);
        free(v);
        if (!ok) {
            snprintf(err, err_size, "%s: made by a different sweep (its %s differs from this command's); "
                     "resume only with the same scenario, --set, --seed and --duration, or choose another --out",
                     path, keys[i]);
            return false;
        }
    }
    if (!grid_rows(d, p, true)) {
        snprintf(err, err_size, "%s: its axes or points table differs from the grid its meta describes; "
                 "the file is damaged", path);
        return false;
    }
    return true;
}

sdb *sdb_open(const char *path, const sweep_plan *p, const char *command, char *err, size_t err_size)
{
    sdb *d = calloc(1, sizeof *d);
    d->p = p;
    d->types = axis_types(p);
    err[0] = 0;
    bool existed = access(path, F_OK) == 0;
    char why[128];
    if (existed && !rfile_is_regular(path, why, sizeof why)) {
        snprintf(err, err_size, "%s: cannot open: %s", path, why);
        free(d);
        return NULL;
    }
    char *keys[4], *vals[4];
    identity(p, keys, vals);
    bool ok = false;
    if (sqlite3_open_v2(path, &d->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        snprintf(err, err_size, "%s: cannot open: %s", path, sqlite3_errmsg(d->db));
        goto out;
    }
    sqlite3_busy_timeout(d->db, 5000);
    if (!exec(d, "PRAGMA synchronous=NORMAL") || !exec(d, "BEGIN IMMEDIATE")) {
        snprintf(err, err_size, "%s: cannot write: %s", path, sqlite3_errmsg(d->db));
        goto out;
    }
    bool has_meta = false;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(d->db, "SELECT 1 FROM sqlite_master WHERE name = 'meta'", -1, &st, NULL) == SQLITE_OK) {
        has_meta = sqlite3_step(st) == SQLITE_ROW;
        sqlite3_finalize(st);
    } else {
        snprintf(err, err_size, "%s: not a sweep database (%s)", path, sqlite3_errmsg(d->db));
        goto out;
    }
    if (existed && !has_meta) {
        bool empty = sqlite3_prepare_v2(d->db, "SELECT 1 FROM sqlite_master", -1, &st, NULL) == SQLITE_OK &&
                     sqlite3_step(st) != SQLITE_ROW;
        sqlite3_finalize(st);
        if (!empty) {
            snprintf(err, err_size, "%s: not a sweep database; choose another --out", path);
            goto out;
        }
    }
    if (has_meta ? !same_sweep(d, p, path, keys, vals, err, err_size) : !create(d, p, keys, vals)) {
        if (!err[0])
            snprintf(err, err_size, "%s: cannot write: %s", path, sqlite3_errmsg(d->db));
        goto out;
    }
    char reps[16];
    snprintf(reps, sizeof reps, "%u", p->reps);
    const char *kv[] = {"reps", reps}, *vv[] = {"version", AVRAMI_VERSION}, *inv[] = {command, AVRAMI_VERSION};
    char *add = runs_sql(d, false);
    /* a runs or run_actors table without the columns this grid needs fails
     * here, before any run */
    /* run_income came later than the format it joins: made where missing */
    bool prepared = add && exec(d, RUN_INCOME) && exec(d, RUN_CARDS) &&
                    sqlite3_prepare_v2(d->db, add, -1, &d->add, NULL) == SQLITE_OK &&
                    sqlite3_prepare_v2(d->db, "INSERT OR IGNORE INTO run_cards VALUES(?,?,?,?,?,?)", -1,
                                       &d->add_card, NULL) == SQLITE_OK &&
                    sqlite3_prepare_v2(d->db, "INSERT OR IGNORE INTO run_income VALUES(?,?,?,?)", -1,
                                       &d->add_income, NULL) == SQLITE_OK &&
                    sqlite3_prepare_v2(d->db, "INSERT OR IGNORE INTO run_actors VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,"
                                              "?,?,?,?,?,?,?,?)", -1, &d->add_actor, NULL) == SQLITE_OK;
    sqlite3_free(add);
    if (!prepared || !put(d, "INSERT OR REPLACE INTO meta VALUES(?,?)", 2, kv) ||
        !put(d, "INSERT OR REPLACE INTO meta VALUES(?,?)", 2, vv) ||
        !put(d, "INSERT INTO invocations(command, version) VALUES(?,?)", 2, inv) || !exec(d, "COMMIT")) {
        snprintf(err, err_size, "%s: cannot write: %s", path, sqlite3_errmsg(d->db));
        goto out;
    }
    ok = true;
out:
    for (int i = 0; i < 4; i++)
        free(vals[i]);
    if (!ok) {
        sqlite3_finalize(d->add);
        sqlite3_finalize(d->add_actor);
        sqlite3_finalize(d->add_income);
        sqlite3_finalize(d->add_card);
        if (d->db)
            sqlite3_exec(d->db, "ROLLBACK", 0, 0, 0);
        sqlite3_close(d->db);
        free(d->types);
        free(d);
        /* a file this call created and could not fill is not left behind */
        if (!existed)
            unlink(path);
        return NULL;
    }
    return d;
}

bool sdb_done(sdb *d, uint8_t *done, uint32_t points, uint32_t reps, char *err, size_t err_size)
{
    sqlite3_stmt *st;
    const char *path = sqlite3_db_filename(d->db, "main");
    if (sqlite3_prepare_v2(d->db, "SELECT point, rep, typeof(point) || typeof(rep) FROM runs", -1, &st, NULL) !=
        SQLITE_OK) {
        snprintf(err, err_size, "%s: cannot read the runs table: %s", path, sqlite3_errmsg(d->db));
        return false;
    }
    bool ok = true;
    while (ok && sqlite3_step(st) == SQLITE_ROW) {
        int64_t point = sqlite3_column_int64(st, 0), rep = sqlite3_column_int64(st, 1);
        const char *types = (const char *)sqlite3_column_text(st, 2);
        if (!types || strcmp(types, "integerinteger") || point < 0 || point >= points || rep < 0 ||
            rep > UINT32_MAX) {
            snprintf(err, err_size, "%s: runs holds a row (point %s, rep %s) that is not one of this sweep's %u "
                     "points; the file is damaged", path, sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "NULL",
                     sqlite3_column_text(st, 1) ? (const char *)sqlite3_column_text(st, 1) : "NULL", points);
            ok = false;
        } else if (rep < reps) { /* more reps than asked for now: kept, not redone */
            done[(uint64_t)point * reps + (uint64_t)rep] = 1;
        }
    }
    sqlite3_finalize(st);
    return ok;
}

/* Binds point's value of every axis to st from column `col` on. */
static int bind_params(const sdb *d, sqlite3_stmt *st, int col, uint32_t point)
{
    if (!d->p->g.n_axes)
        return col;
    char *json = grid_settings_json(&d->p->g, point);
    cJSON *o = cJSON_Parse(json);
    free(json);
    for (uint32_t a = 0; a < d->p->g.n_axes; a++, col++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, d->p->g.axes[a].path);
        if (!v) {
            sqlite3_bind_null(st, col);
        } else if (d->types[a] == COL_INTEGER) {
            sqlite3_bind_int64(st, col, cJSON_IsBool(v) ? cJSON_IsTrue(v) : (int64_t)v->valuedouble);
        } else if (d->types[a] == COL_REAL) {
            sqlite3_bind_double(st, col, v->valuedouble);
        } else if (cJSON_IsString(v)) {
            sqlite3_bind_text(st, col, v->valuestring, -1, SQLITE_TRANSIENT);
        } else {
            char *text = cJSON_PrintUnformatted(v);
            sqlite3_bind_text(st, col, text ? text : "", -1, SQLITE_TRANSIENT);
            free(text);
        }
    }
    cJSON_Delete(o);
    return col;
}

static bool add_actor(sdb *d, const sweep_result *r, uint32_t a)
{
    sqlite3_stmt *st = d->add_actor;
    const sweep_actor *x = &r->actors[a];
    const sweep_actor_names *n = &d->p->actors[r->point];
    char w[5][WEI_STR_MAX + 1];
    wei_format(x->start, w[0]);
    wei_format(x->end, w[1]);
    wei_format(x->income, w[2]);
    wei_format(x->stake_lost, w[3]);
    wei_format_diff(x->income, x->stake_lost, w[4]); /* as the run database's actors.profit_wei */
    const int64_t key[] = {r->point, r->rep, a};
    const char *names[] = {n->name[a], n->kind[a], n->mode[a]};
    const uint64_t counts[] = {x->slashes, x->stakes_lost, x->kickouts, x->tasks_paid, x->fakes, x->cheats_won,
                               x->timeouts};
    int col = 1;
    for (size_t i = 0; i < 3; i++)
        sqlite3_bind_int64(st, col++, key[i]);
    for (size_t i = 0; i < 3; i++)
        sqlite3_bind_text(st, col++, names[i], -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, col++, x->nodes);
    for (size_t i = 0; i < 5; i++)
        sqlite3_bind_text(st, col++, w[i], -1, SQLITE_TRANSIENT);
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
        sqlite3_bind_int64(st, col++, (int64_t)counts[i]);
    sqlite3_bind_double(st, col++, x->busy_s);
    sqlite3_bind_int64(st, col, (int64_t)x->aborted);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_reset(st);
    return ok;
}

static bool add_card(sdb *d, const sweep_result *r, const sweep_card *k)
{
    sqlite3_stmt *st = d->add_card;
    char w[WEI_STR_MAX + 1];
    wei_format(k->income, w);
    sqlite3_bind_int64(st, 1, r->point);
    sqlite3_bind_int64(st, 2, r->rep);
    sqlite3_bind_text(st, 3, k->name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, k->nodes);
    sqlite3_bind_double(st, 5, k->online_h);
    sqlite3_bind_text(st, 6, w, -1, SQLITE_TRANSIENT);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_reset(st);
    return ok;
}

bool sdb_add(sdb *d, const sweep_result *r)
{
    sqlite3_stmt *st = d->add;
    const int64_t ints[] = {r->status, (int64_t)r->events};
    const double reals[] = {r->mx.success_share, r->mx.wait_median_s, r->mx.wait_p95_s, r->mx.utilization,
                            r->mx.income_cnx_per_node_h};
    const uint64_t counts[] = {r->c.kickouts, r->c.slashes, r->c.aborted, r->c.submitted, r->c.succeeded,
                               r->c.rejected, r->c.open, r->c.resubmits, r->c.nodes};
    sqlite3_bind_int64(st, 1, r->point);
    sqlite3_bind_int64(st, 2, r->rep);
    int col = bind_params(d, st, 3, r->point);
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
        sqlite3_bind_int64(st, col++, ints[i]);
    for (size_t i = 0; i < sizeof reals / sizeof reals[0]; i++)
        sqlite3_bind_double(st, col++, reals[i]);
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
        sqlite3_bind_int64(st, col++, (int64_t)counts[i]);
    /* one transaction per run: its runs row and its run_actors rows are
     * durable together as soon as they are stored */
    bool ok = exec(d, "BEGIN") && sqlite3_step(st) == SQLITE_DONE;
    sqlite3_reset(st);
    bool fresh = ok && sqlite3_changes(d->db) > 0; /* a stored row is never rewritten */
    uint32_t n = r->n_actors <= d->p->actors[r->point].n ? r->n_actors : d->p->actors[r->point].n;
    for (uint32_t a = 0; fresh && a < n; a++)
        ok = add_actor(d, r, a);
    if (ok && fresh) {
        sqlite3_stmt *in = d->add_income;
        sqlite3_bind_int64(in, 1, r->point);
        sqlite3_bind_int64(in, 2, r->rep);
        sqlite3_bind_double(in, 3, r->mx.income_gini);
        sqlite3_bind_double(in, 4, r->mx.income_top10_share);
        ok = sqlite3_step(in) == SQLITE_DONE;
        sqlite3_reset(in);
    }
    for (uint32_t c = 0; ok && fresh && c < r->n_cards && c < SWEEP_CARDS_MAX; c++)
        ok = add_card(d, r, &r->cards[c]);
    if (ok)
        ok = exec(d, "COMMIT");
    if (!ok) {
        if (!d->bad)
            fprintf(stderr, "avrami sweep: %s: %s\n", sqlite3_db_filename(d->db, "main"), sqlite3_errmsg(d->db));
        sqlite3_exec(d->db, "ROLLBACK", 0, 0, 0);
        d->bad = true;
    }
    return ok;
}

bool sdb_close(sdb *d)
{
    sqlite3_finalize(d->add);
    sqlite3_finalize(d->add_actor);
    sqlite3_finalize(d->add_income);
    sqlite3_finalize(d->add_card);
    free(d->types);
    bool ok = sqlite3_close(d->db) == SQLITE_OK && !d->bad;
    free(d);
    return ok;
}
