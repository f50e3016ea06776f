/* The sweep database (see sweep_db.h). */
#include "sweep/sweep_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "util/rfile.h"
#include "util/version.h"

#define FORMAT "avrami-sweep/1"

struct sdb {
    sqlite3 *db;
    sqlite3_stmt *add;
    bool bad;
};

static const char SCHEMA[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;"
    "CREATE TABLE axes(axis INTEGER PRIMARY KEY, path TEXT, vals TEXT);"
    "CREATE TABLE points(point INTEGER PRIMARY KEY, label TEXT, settings TEXT);"
    "CREATE TABLE runs(point INTEGER, rep INTEGER, status INTEGER, events INTEGER,"
    " success_share REAL, wait_median_s REAL, wait_p95_s REAL, utilization REAL,"
    " income_cnx_per_node_h REAL, kickouts INTEGER, slashes INTEGER, aborted INTEGER,"
    " submitted INTEGER, succeeded INTEGER, rejected INTEGER, open INTEGER, resubmits INTEGER,"
    " nodes INTEGER, PRIMARY KEY(point, rep)) WITHOUT ROWID;"
    "CREATE TABLE invocations(n INTEGER PRIMARY KEY, command TEXT, version TEXT);";

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
    if (!exec(d, SCHEMA))
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
    bool ok = format && !strcmp(format, FORMAT);
    free(format);
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
    if (!put(d, "INSERT OR REPLACE INTO meta VALUES(?,?)", 2, kv) ||
        !put(d, "INSERT OR REPLACE INTO meta VALUES(?,?)", 2, vv) ||
        !put(d, "INSERT INTO invocations(command, version) VALUES(?,?)", 2, inv) || !exec(d, "COMMIT") ||
        sqlite3_prepare_v2(d->db,
                           "INSERT OR IGNORE INTO runs VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", -1,
                           &d->add, NULL) != SQLITE_OK) {
        snprintf(err, err_size, "%s: cannot write: %s", path, sqlite3_errmsg(d->db));
        goto out;
    }
    ok = true;
out:
    for (int i = 0; i < 4; i++)
        free(vals[i]);
    if (!ok) {
        if (d->db)
            sqlite3_exec(d->db, "ROLLBACK", 0, 0, 0);
        sqlite3_close(d->db);
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

bool sdb_add(sdb *d, const sweep_result *r)
{
    sqlite3_stmt *st = d->add;
    const int64_t ints[] = {r->point, r->rep, r->status, (int64_t)r->events};
    const double reals[] = {r->mx.success_share, r->mx.wait_median_s, r->mx.wait_p95_s, r->mx.utilization,
                            r->mx.income_cnx_per_node_h};
    const uint64_t counts[] = {r->c.kickouts, r->c.slashes, r->c.aborted, r->c.submitted, r->c.succeeded,
                               r->c.rejected, r->c.open, r->c.resubmits, r->c.nodes};
    int col = 1;
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
        sqlite3_bind_int64(st, col++, ints[i]);
    for (size_t i = 0; i < sizeof reals / sizeof reals[0]; i++)
        sqlite3_bind_double(st, col++, reals[i]);
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
        sqlite3_bind_int64(st, col++, (int64_t)counts[i]);
    /* autocommit: each run is durable as soon as it is stored */
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_reset(st);
    if (!ok) {
        if (!d->bad)
            fprintf(stderr, "avrami sweep: %s: %s\n", sqlite3_db_filename(d->db, "main"), sqlite3_errmsg(d->db));
        d->bad = true;
    }
    return ok;
}

bool sdb_close(sdb *d)
{
    sqlite3_finalize(d->add);
    bool ok = sqlite3_close(d->db) == SQLITE_OK && !d->bad;
    free(d);
    return ok;
}
