/* SQLite results writer and the stand-alone checker (see res.h). */
#include "results/res.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <sqlite3.h>

#include "util/afile.h"
#include "util/version.h"

struct res {
    sqlite3 *db;
    char *path, *tmp;
    int lock;  /* the locked temp file (util/afile.h): one writer per PATH */
    bool bad;
    sqlite3_stmt *meta, *task, *node, *series, *inv, *rev, *actor, *node_actor, *harm, *acc;
};

const char RES_SCHEMA[] =
    "CREATE TABLE run(key TEXT PRIMARY KEY, value TEXT);"
    "CREATE TABLE tasks(seq INTEGER PRIMARY KEY, id INTEGER, app TEXT, type TEXT, model TEXT,"
    " size INTEGER, fee_wei TEXT, cap_s INTEGER, value_wei_per_s TEXT,"
    " created_s REAL, queued_s REAL, started_s REAL, commits_ready_s REAL, success_s REAL,"
    " uploaded_s REAL, finished_s REAL, queue_wait_s REAL, outcome TEXT, reason TEXT,"
    " node0 INTEGER, node1 INTEGER, node2 INTEGER, freed0_s REAL, freed1_s REAL, freed2_s REAL,"
    " commit0_s REAL, commit1_s REAL, commit2_s REAL, disclose0_s REAL, disclose1_s REAL,"
    " disclose2_s REAL,"
    " resubmit_of INTEGER, paid0_wei TEXT, paid1_wei TEXT, paid2_wei TEXT, escrow_wei TEXT);"
    "CREATE TABLE nodes(id INTEGER PRIMARY KEY, account INTEGER, card TEXT, joined_s REAL,"
    " left_s REAL, left_why TEXT, income_wei TEXT, tasks INTEGER, slashed INTEGER,"
    " final_qos INTEGER, final_status TEXT);"
    "CREATE TABLE series(minute INTEGER PRIMARY KEY, queue INTEGER, available INTEGER,"
    " busy INTEGER, paused INTEGER, online INTEGER, created INTEGER, started INTEGER,"
    " finished INTEGER, kickouts INTEGER, slashes INTEGER);"
    "CREATE TABLE invariants(name TEXT PRIMARY KEY, ok INTEGER, detail TEXT);"
    "CREATE TABLE reverts(tx TEXT, reason TEXT, count INTEGER, PRIMARY KEY(tx, reason));"
    "CREATE TABLE actors(actor INTEGER PRIMARY KEY, name TEXT, kind TEXT, mode TEXT, nodes INTEGER,"
    " start_wei TEXT, end_wei TEXT, income_wei TEXT, stake_lost_wei TEXT, profit_wei TEXT,"
    " slashes INTEGER, stakes_lost INTEGER, kickouts INTEGER, tasks_paid INTEGER, fakes INTEGER,"
    " cheats_won INTEGER, timeouts INTEGER, busy_s REAL);"
    "CREATE TABLE node_actors(node INTEGER PRIMARY KEY, actor INTEGER);"
    "CREATE TABLE app_harm(app TEXT PRIMARY KEY, tasks INTEGER, wrong_accepted INTEGER,"
    " aborted_by_faults INTEGER, resubmitted_after_faults INTEGER, time_lost_s REAL);"
    "CREATE TABLE accounts(account INTEGER PRIMARY KEY, kind TEXT, name TEXT, start_wei TEXT,"
    " end_wei TEXT, locked_wei TEXT, stake_lost_wei TEXT, fees_wei TEXT);";

const char *const RES_INVARIANTS[RES_N_INVARIANTS] = {
    [RES_INV_SUPPLY] = "conservation: total supply constant",
    [RES_INV_ESCROW] = "escrow: Task contract = running balances + queued fees + stranded",
    [RES_INV_TWO_TASKS] = "no node in two tasks",
    [RES_INV_QUEUE] = "queue within its limit",
    [RES_INV_ACCOUNTS] = "accounts: balance + locked stake = stake + income - stake lost; owner gains the stakes lost",
    [RES_INV_TERMINAL] = "every task ends in one terminal state",
    [RES_INV_SERIES] = "series: available + in tasks + paused = online nodes in every minute",
};

static bool prep(res *r, const char *sql, sqlite3_stmt **st)
{
    return sqlite3_prepare_v2(r->db, sql, -1, st, NULL) == SQLITE_OK;
}

res *res_open(const char *path, char *err)
{
    res *r = calloc(1, sizeof *r);
    r->path = strdup(path);
    size_t n = strlen(path) + 5;
    r->tmp = malloc(n);
    snprintf(r->tmp, n, "%s.tmp", path);
    r->lock = afile_open_locked(r->tmp, O_RDWR);
    if (r->lock < 0 || ftruncate(r->lock, 0) != 0) {
        snprintf(err, 256, "%s: cannot create: %s", r->tmp, afile_strerror(errno));
        if (r->lock < 0) { /* not ours: leave it */
            free(r->tmp);
            free(r->path);
            free(r);
            return NULL;
        }
        goto fail;
    }
    if (sqlite3_open(r->tmp, &r->db) != SQLITE_OK) {
        snprintf(err, 256, "%s: cannot create: %s", r->tmp, sqlite3_errmsg(r->db));
        goto fail;
    }
    /* The temp file is thrown away on any failure, so durability inside it
     * buys nothing; one big transaction keeps inserts fast. */
    if (sqlite3_exec(r->db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;", 0, 0, 0) ||
        sqlite3_exec(r->db, RES_SCHEMA, 0, 0, 0) || sqlite3_exec(r->db, "BEGIN", 0, 0, 0) ||
        !prep(r, "INSERT OR REPLACE INTO run VALUES(?,?)", &r->meta) ||
        !prep(r, "INSERT INTO tasks VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", &r->task) ||
        !prep(r, "INSERT INTO nodes VALUES(?,?,?,?,?,?,?,?,?,?,?)", &r->node) ||
        !prep(r, "INSERT INTO series VALUES(?,?,?,?,?,?,?,?,?,?,?)", &r->series) ||
        !prep(r, "INSERT OR REPLACE INTO invariants VALUES(?,?,?)", &r->inv) ||
        !prep(r, "INSERT OR REPLACE INTO reverts VALUES(?,?,?)", &r->rev) ||
        !prep(r, "INSERT INTO actors VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", &r->actor) ||
        !prep(r, "INSERT INTO node_actors VALUES(?,?)", &r->node_actor) ||
        !prep(r, "INSERT OR REPLACE INTO app_harm VALUES(?,?,?,?,?,?)", &r->harm) ||
        !prep(r, "INSERT INTO accounts VALUES(?,?,?,?,?,?,?,?)", &r->acc)) {
        snprintf(err, 256, "%s: %s", r->tmp, sqlite3_errmsg(r->db));
        goto fail;
    }
    res_meta(r, "version", AVRAMI_VERSION);
    res_meta(r, "complete", "0");
    return r;
fail:
    res_abandon(r);
    return NULL;
}

static bool step(res *r, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE) {
        if (!r->bad)
            fprintf(stderr, "avrami: %s: %s\n", r->tmp, sqlite3_errmsg(r->db));
        r->bad = true;
        return false;
    }
    return true;
}

bool res_meta(res *r, const char *key, const char *value)
{
    sqlite3_bind_text(r->meta, 1, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(r->meta, 2, value, -1, SQLITE_TRANSIENT);
    return step(r, r->meta);
}

bool res_meta_u64(res *r, const char *key, uint64_t value)
{
    char b[32];
    snprintf(b, sizeof b, "%llu", (unsigned long long)value);
    return res_meta(r, key, b);
}

bool res_meta_wei(res *r, const char *key, wei_t value)
{
    char b[WEI_STR_MAX];
    return res_meta(r, key, wei_format(value, b));
}

static void bind_time(sqlite3_stmt *st, int i, int64_t us)
{
    if (us < 0)
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_double(st, i, (double)us / 1e6);
}

static void bind_wei(sqlite3_stmt *st, int i, wei_t v)
{
    char b[WEI_STR_MAX];
    sqlite3_bind_text(st, i, wei_format(v, b), -1, SQLITE_TRANSIENT);
}

static void bind_str(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

bool res_task(res *r, const res_task_row *t)
{
    sqlite3_stmt *st = r->task;
    int i = 1;
    sqlite3_bind_int64(st, i++, (int64_t)t->seq);
    if (t->id)
        sqlite3_bind_int64(st, i++, (int64_t)t->id);
    else
        sqlite3_bind_null(st, i++);
    bind_str(st, i++, t->app);
    bind_str(st, i++, t->type);
    bind_str(st, i++, t->model);
    sqlite3_bind_int64(st, i++, t->size);
    bind_wei(st, i++, t->fee);
    sqlite3_bind_int64(st, i++, (int64_t)t->cap_s);
    bind_wei(st, i++, t->value);
    bind_time(st, i++, t->created_us);
    bind_time(st, i++, t->queued_us);
    bind_time(st, i++, t->started_us);
    bind_time(st, i++, t->commits_us);
    bind_time(st, i++, t->success_us);
    bind_time(st, i++, t->uploaded_us);
    bind_time(st, i++, t->finished_us);
    bind_time(st, i++, t->started_us >= 0 && t->created_us >= 0 ? t->started_us - t->created_us : -1);
    bind_str(st, i++, t->outcome);
    bind_str(st, i++, t->reason);
    for (int k = 0; k < 3; k++) {
        if (t->nodes[k] == UINT32_MAX)
            sqlite3_bind_null(st, i++);
        else
            sqlite3_bind_int64(st, i++, t->nodes[k]);
    }
    for (int k = 0; k < 3; k++)
        bind_time(st, i++, t->freed_us[k]);
    for (int k = 0; k < 3; k++)
        bind_time(st, i++, t->commit_us[k]);
    for (int k = 0; k < 3; k++)
        bind_time(st, i++, t->disclose_us[k]);
    if (t->resubmit_of >= 0)
        sqlite3_bind_int64(st, i++, t->resubmit_of);
    else
        sqlite3_bind_null(st, i++);
    for (int k = 0; k < 3; k++)
        if (t->nodes[k] == UINT32_MAX)
            sqlite3_bind_null(st, i++);
        else
            bind_wei(st, i++, t->paid[k]);
    bind_wei(st, i++, t->escrow);
    return step(r, st);
}

bool res_node(res *r, const res_node_row *n)
{
    sqlite3_stmt *st = r->node;
    sqlite3_bind_int64(st, 1, n->id);
    sqlite3_bind_int64(st, 2, n->account);
    bind_str(st, 3, n->card);
    bind_time(st, 4, n->joined_us);
    bind_time(st, 5, n->left_us);
    bind_str(st, 6, n->left_why);
    bind_wei(st, 7, n->income);
    sqlite3_bind_int64(st, 8, n->tasks);
    sqlite3_bind_int64(st, 9, n->slashed);
    sqlite3_bind_int64(st, 10, (int64_t)n->final_qos);
    bind_str(st, 11, n->final_status);
    return step(r, st);
}

bool res_series(res *r, const res_series_row *s)
{
    sqlite3_stmt *st = r->series;
    const uint32_t v[] = {s->minute, s->queue, s->available, s->busy, s->paused, s->online,
                          s->created, s->started, s->finished, s->kickouts, s->slashes};
    for (int i = 0; i < 11; i++)
        sqlite3_bind_int64(st, i + 1, v[i]);
    return step(r, st);
}

bool res_invariant(res *r, const char *name, bool ok, const char *detail)
{
    sqlite3_bind_text(r->inv, 1, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(r->inv, 2, ok);
    bind_str(r->inv, 3, detail);
    return step(r, r->inv);
}

bool res_revert(res *r, const char *tx, const char *reason, uint64_t count)
{
    sqlite3_bind_text(r->rev, 1, tx, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(r->rev, 2, reason, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(r->rev, 3, (int64_t)count);
    return step(r, r->rev);
}

bool res_actor(res *r, const res_actor_row *a)
{
    sqlite3_stmt *st = r->actor;
    int i = 1;
    sqlite3_bind_int64(st, i++, a->actor);
    bind_str(st, i++, a->name);
    bind_str(st, i++, a->kind);
    bind_str(st, i++, a->mode);
    sqlite3_bind_int64(st, i++, a->nodes);
    const wei_t w[] = {a->start, a->end, a->income, a->stake_lost};
    for (int k = 0; k < 4; k++)
        bind_wei(st, i++, w[k]);
    bind_str(st, i++, a->profit);
    const uint64_t c[] = {a->slashes, a->stakes_lost, a->kickouts, a->tasks_paid, a->fakes, a->cheats_won,
                          a->timeouts};
    for (int k = 0; k < 7; k++)
        sqlite3_bind_int64(st, i++, (int64_t)c[k]);
    sqlite3_bind_double(st, i++, a->busy_s);
    return step(r, st);
}

bool res_node_actor(res *r, uint32_t node, uint32_t actor)
{
    sqlite3_bind_int64(r->node_actor, 1, node);
    sqlite3_bind_int64(r->node_actor, 2, actor);
    return step(r, r->node_actor);
}

bool res_app_harm(res *r, const char *app, uint64_t tasks, uint64_t wrong, uint64_t aborted,
                  uint64_t resubmitted, double lost_s)
{
    sqlite3_stmt *st = r->harm;
    sqlite3_bind_text(st, 1, app, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, (int64_t)tasks);
    sqlite3_bind_int64(st, 3, (int64_t)wrong);
    sqlite3_bind_int64(st, 4, (int64_t)aborted);
    sqlite3_bind_int64(st, 5, (int64_t)resubmitted);
    sqlite3_bind_double(st, 6, lost_s);
    return step(r, st);
}

bool res_account(res *r, const res_account_row *a)
{
    sqlite3_stmt *st = r->acc;
    sqlite3_bind_int64(st, 1, a->account);
    bind_str(st, 2, a->kind);
    bind_str(st, 3, a->name);
    const wei_t w[] = {a->start, a->end, a->locked, a->stake_lost, a->fees};
    for (int k = 0; k < 5; k++)
        bind_wei(st, 4 + k, w[k]);
    return step(r, st);
}

static void finalize_all(res *r)
{
    sqlite3_stmt *all[] = {r->meta, r->task, r->node, r->series, r->inv, r->rev, r->actor, r->node_actor,
                           r->harm, r->acc};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        sqlite3_finalize(all[i]);
}

bool res_close(res *r, bool complete)
{
    res_meta(r, "complete", complete ? "1" : "0");
    bool ok = !r->bad;
    if (ok && sqlite3_exec(r->db, "COMMIT", 0, 0, 0) != SQLITE_OK) {
        fprintf(stderr, "avrami: %s: cannot write: %s\n", r->tmp, sqlite3_errmsg(r->db));
        ok = false;
    }
    finalize_all(r);
    if (sqlite3_close(r->db) != SQLITE_OK && ok) {
        fprintf(stderr, "avrami: %s: cannot close: %s\n", r->tmp, sqlite3_errmsg(r->db));
        ok = false;
    }
    r->db = NULL;
    /* synced and renamed while still locked */
    if (ok && (fsync(r->lock) != 0 || rename(r->tmp, r->path) != 0)) {
        fprintf(stderr, "avrami: %s: cannot write: %s\n", r->path, strerror(errno));
        ok = false;
    }
    if (!ok)
        unlink(r->tmp);
    close(r->lock);
    free(r->path);
    free(r->tmp);
    free(r);
    return ok;
}

void res_abandon(res *r)
{
    if (!r)
        return;
    if (r->db) {
        finalize_all(r);
        sqlite3_close(r->db);
    }
    unlink(r->tmp);
    if (r->lock >= 0)
        close(r->lock);
    free(r->path);
    free(r->tmp);
    free(r);
}
