/* `avrami check`: re-derives what a results database claims from its own
 * rows, so that a damaged or edited file cannot pass.
 *
 *   shape      every table of RES_SCHEMA, with exactly its columns
 *   run        every key the writer sets, non-NULL and of its type; complete = 1
 *   invariants one row per recorded invariant, each held
 *   tasks      seq 0..n-1; one known terminal state with consistent times;
 *              value = fee / cap; payments only to the round's node; paid +
 *              escrow <= fee; escrow only in open tasks
 *   nodes      id 0..n-1; income = the payments the task rows record;
 *              balance + locked + stake lost = opening balance + income
 *   accounts   Σ opening = total_supply_start, Σ closing = total_supply_end,
 *              equal; Node contract = Σ locked; owner gains Σ stake lost;
 *              Task contract = Σ escrow + stranded + too-cheap fees; each
 *              application paid its fees and got back no more than was left
 *   actors     each row = the sums over its nodes; profit = income − lost
 *   series     minute 0..n-1; tasks created/started/finished per minute
 *              counted again from the task rows
 *   overlap    no node in two tasks at once
 * Every sum of wei is overflow-checked: a sum that leaves 128 bits is a
 * violation, never a wrapped value. */
#include "results/res.h"
#include "results/res_check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "protocol/edition.h"
#include "util/rfile.h"

#define SHOW_MAX 40

void rc_viol(chk *c, const char *fmt, ...)
{
    if (c->bad++ >= SHOW_MAX)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(c->out, "%s: ", c->path);
    vfprintf(c->out, fmt, ap);
    fputc('\n', c->out);
    va_end(ap);
}

sqlite3_stmt *rc_query(chk *c, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK) {
        rc_viol(c, "cannot query (%s)", sqlite3_errmsg(c->db));
        sqlite3_finalize(st);
        return NULL;
    }
    return st;
}

/* A column that must hold a decimal wei string. */
bool rc_col_wei(chk *c, sqlite3_stmt *st, int i, wei_t *v, const char *what, long long row)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    *v = 0;
    if (sqlite3_column_type(st, i) == SQLITE_TEXT && t && wei_parse((const char *)t, v))
        return true;
    rc_viol(c, "%s (row %lld): %s is not a decimal wei amount", what, row, sqlite3_column_name(st, i));
    return false;
}

/* A column that must hold a non-negative integer. */
bool rc_col_u64(chk *c, sqlite3_stmt *st, int i, uint64_t *v, const char *what, long long row)
{
    *v = 0;
    if (sqlite3_column_type(st, i) == SQLITE_INTEGER && sqlite3_column_int64(st, i) >= 0) {
        *v = (uint64_t)sqlite3_column_int64(st, i);
        return true;
    }
    rc_viol(c, "%s (row %lld): %s is not a non-negative integer", what, row, sqlite3_column_name(st, i));
    return false;
}

const char *rc_col_str(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? (const char *)t : "";
}

/* acc += v; a sum past 128 bits is a violation and poisons acc. */
void rc_add(chk *c, wei_t *acc, bool *ok, wei_t v, const char *what)
{
    if (*ok && !wei_add(*acc, v, acc)) {
        rc_viol(c, "%s: the sum overflows 128 bits", what);
        *ok = false;
    }
}

void rc_expect_eq(chk *c, wei_t have, wei_t want, const char *fmt, const char *a)
{
    if (have == want)
        return;
    char h[WEI_STR_MAX], w[WEI_STR_MAX], msg[512];
    snprintf(msg, sizeof msg, fmt, a);
    rc_viol(c, "%s: recorded %s, derived %s", msg, wei_format(have, h), wei_format(want, w));
}

/* ---- shape ---- */

static bool columns(sqlite3 *db, const char *table, char *buf, size_t cap)
{
    sqlite3_stmt *st;
    buf[0] = 0;
    if (sqlite3_prepare_v2(db, "SELECT name, type, pk FROM pragma_table_info(?)", -1, &st, NULL) != SQLITE_OK)
        return false;
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    size_t n = 0;
    while (sqlite3_step(st) == SQLITE_ROW && n < cap)
        n += (size_t)snprintf(buf + n, cap - n, "%s%s %s%s", n ? ", " : "", rc_col_str(st, 0), rc_col_str(st, 1),
                              sqlite3_column_int(st, 2) ? " key" : "");
    sqlite3_finalize(st);
    return n > 0;
}

static bool check_shape(chk *c)
{
    sqlite3 *ref;
    sqlite3_stmt *st;
    if (sqlite3_open(":memory:", &ref) != SQLITE_OK || sqlite3_exec(ref, RES_SCHEMA, 0, 0, 0) != SQLITE_OK ||
        sqlite3_prepare_v2(ref, "SELECT name FROM sqlite_master WHERE type = 'table'", -1, &st, NULL)) {
        rc_viol(c, "internal: the reference schema does not build");
        sqlite3_close(ref);
        return false;
    }
    bool ok = true;
    static char want[4096], have[4096];
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *t = rc_col_str(st, 0);
        columns(ref, t, want, sizeof want);
        if (!columns(c->db, t, have, sizeof have)) {
            rc_viol(c, "table %s is missing", t);
            ok = false;
        } else if (strcmp(want, have)) {
            rc_viol(c, "table %s: columns (%s), expected (%s)", t, have, want);
            ok = false;
        }
    }
    sqlite3_finalize(st);
    sqlite3_close(ref);
    return ok;
}

/* ---- run keys ---- */

enum { K_TEXT, K_U64, K_WEI, K_ONE };
static const struct { const char *key; int kind; } KEYS[] = {
    {"version", K_TEXT}, {"scenario", K_TEXT}, {"scenario_name", K_TEXT}, {"seed", K_U64},
    {"replication", K_U64}, {"duration_s", K_U64}, {"simulated_until_us", K_U64}, {"events", K_U64},
    {"total_supply_start", K_WEI}, {"total_supply_end", K_WEI}, {"quirk_fee_too_low_tasks", K_U64},
    {"quirk_fee_too_low_wei", K_WEI}, {"quirk_stranded_tasks", K_U64}, {"quirk_stranded_wei", K_WEI},
    {"quirk_double_uploads", K_U64}, {"quirk_double_upload_wei", K_WEI}, {"quirk_foreign_frees", K_U64},
    {"quirk_panics", K_U64}, {"success_then_cancelled", K_U64}, {"released_elsewhere", K_U64},
    {"owner_balance_start", K_WEI}, {"owner_balance_end", K_WEI}, {"complete", K_ONE},
};

static bool meta_value(chk *c, sqlite3_stmt *st, const char *key, int kind, wei_t *w)
{
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
        rc_viol(c, "run: key %s is missing", key);
        return false;
    }
    const unsigned char *v = sqlite3_column_text(st, 0);
    *w = 0;
    if (!v || sqlite3_column_type(st, 0) != SQLITE_TEXT) {
        rc_viol(c, "run: %s is NULL or not text", key);
        return false;
    }
    if (kind == K_ONE && strcmp((const char *)v, "1")) {
        rc_viol(c, "run is not complete (interrupted or failed): complete = '%s'", v);
        return false;
    }
    if ((kind == K_WEI || kind == K_U64) &&
        (!wei_parse((const char *)v, w) || (kind == K_U64 && *w > UINT64_MAX))) {
        rc_viol(c, "run: %s = '%.40s' is not a %s", key, v, kind == K_WEI ? "decimal wei amount" : "64-bit count");
        return false;
    }
    return true;
}

static bool check_meta(chk *c, meta *m)
{
    sqlite3_stmt *st = rc_query(c, "SELECT value FROM run WHERE key = ?");
    if (!st)
        return false;
    bool ok = true;
    wei_t w;
    for (size_t i = 0; i < sizeof KEYS / sizeof KEYS[0]; i++) {
        if (!meta_value(c, st, KEYS[i].key, KEYS[i].kind, &w)) {
            ok = ok && KEYS[i].kind == K_ONE; /* an incomplete run is still checked */
            continue;
        }
        const char *k = KEYS[i].key;
        wei_t *dst = !strcmp(k, "total_supply_start") ? &m->supply0 : !strcmp(k, "total_supply_end") ? &m->supply1
                   : !strcmp(k, "owner_balance_start") ? &m->owner0 : !strcmp(k, "owner_balance_end") ? &m->owner1
                   : !strcmp(k, "quirk_stranded_wei") ? &m->stranded : !strcmp(k, "quirk_fee_too_low_wei") ? &m->too_cheap
                   : NULL;
        if (dst)
            *dst = w;
        if (!strcmp(k, "simulated_until_us"))
            m->until_us = (uint64_t)w;
        if (!strcmp(k, "quirk_double_uploads"))
            m->double_uploads = (uint64_t)w;
    }
    /* keys only a Relay edition's run has */
    static const char *const OPTIONAL[] = {"relay_kept_wei", "relay_excess_wei"};
    wei_t *const odst[] = {&m->relay_kept, &m->relay_excess};
    for (size_t i = 0; i < 2; i++) {
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, OPTIONAL[i], -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW && !meta_value(c, st, OPTIONAL[i], K_WEI, odst[i]))
            ok = false;
    }
    sqlite3_finalize(st);
    if (ok)
        rc_expect_eq(c, m->supply1, m->supply0, "%stotal supply changed during the run (end vs start)", "");
    return ok;
}

/* ---- invariants ---- */

static void check_invariants(chk *c)
{
    sqlite3_stmt *st = rc_query(c, "SELECT name, ok, detail FROM invariants");
    if (!st)
        return;
    int seen[RES_N_INVARIANTS] = {0};
    long long row = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        row++;
        const char *name = rc_col_str(st, 0);
        int i = 0;
        while (i < RES_N_INVARIANTS && strcmp(name, RES_INVARIANTS[i]))
            i++;
        if (i == RES_N_INVARIANTS) {
            rc_viol(c, "invariants (row %lld): unknown invariant '%.80s'", row, name);
            continue;
        }
        seen[i]++;
        if (sqlite3_column_type(st, 1) != SQLITE_INTEGER || sqlite3_column_int64(st, 1) != 1)
            rc_viol(c, "invariant %s failed%s%s", name, sqlite3_column_text(st, 2) ? ": " : "", rc_col_str(st, 2));
    }
    sqlite3_finalize(st);
    for (int i = 0; i < RES_N_INVARIANTS; i++)
        if (seen[i] != 1)
            rc_viol(c, "invariants: '%s' has no row", RES_INVARIANTS[i]);
}

/* ---- series, overlap ---- */

static void check_series(chk *c, const meta *m)
{
    sqlite3_stmt *st = rc_query(c,
        "SELECT count(*), COALESCE(min(minute), 0), COALESCE(max(minute), -1), COALESCE(sum(slashes), 0),"
        " (SELECT COALESCE(sum(slashed), 0) FROM nodes),"
        " (SELECT count(*) FROM series WHERE typeof(queue) || typeof(available) || typeof(busy) || typeof(paused)"
        "   || typeof(online) || typeof(created) || typeof(started) || typeof(finished) || typeof(kickouts)"
        "   || typeof(slashes) != 'integerintegerintegerintegerintegerintegerintegerintegerintegerinteger')"
        " FROM series");
    if (!st || sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return;
    }
    long long n = sqlite3_column_int64(st, 0);
    if (sqlite3_column_int64(st, 1) != 0 || sqlite3_column_int64(st, 2) != n - 1)
        rc_viol(c, "series: minutes are not 0..%lld (rows missing or added)", n - 1);
    if ((uint64_t)n > m->until_us / 60000000 + 1)
        rc_viol(c, "series: %lld minutes for a run of %llu us", n, (unsigned long long)m->until_us);
    if (sqlite3_column_int64(st, 3) > sqlite3_column_int64(st, 4))
        rc_viol(c, "series: more slashes per minute than the nodes were slashed");
    if (sqlite3_column_int64(st, 5))
        rc_viol(c, "series: %lld rows with a NULL or non-integer count", sqlite3_column_int64(st, 5));
    sqlite3_finalize(st);

    /* tasks created, started and finished per minute, counted again.  The
     * series counts a creation at the block that takes it; a request whose
     * create was still on its way at the end (no id, still open) keeps the
     * time it was sent, in the last minute, and was not created. */
    st = rc_query(c, "WITH t(m, k) AS (SELECT CAST(created_s / 60 AS INTEGER), 0 FROM tasks WHERE created_s IS NOT NULL"
                  " AND NOT (id IS NULL AND outcome = 'open')"
                  " UNION ALL SELECT CAST(started_s / 60 AS INTEGER), 1 FROM tasks WHERE started_s IS NOT NULL"
                  " UNION ALL SELECT CAST(finished_s / 60 AS INTEGER), 2 FROM tasks WHERE finished_s IS NOT NULL),"
                  " c(m, n0, n1, n2) AS (SELECT m, sum(k = 0), sum(k = 1), sum(k = 2) FROM t GROUP BY m)"
                  " SELECT s.minute FROM series s LEFT JOIN c ON c.m = s.minute"
                  " WHERE s.created != COALESCE(c.n0, 0) OR s.started != COALESCE(c.n1, 0)"
                  " OR s.finished != COALESCE(c.n2, 0)");
    while (st && sqlite3_step(st) == SQLITE_ROW)
        rc_viol(c, "series (minute %lld): tasks created, started or finished differ from the task rows",
             sqlite3_column_int64(st, 0));
    sqlite3_finalize(st);
}

/* No node in two tasks at once: per node, the intervals from a task's start
 * to the node's release must not overlap (O(n log n) via ORDER BY).  Times
 * have block resolution: a node can join and leave a task within one block
 * and start another there, so equal starts sort the shorter interval first. */
static void check_overlap(chk *c)
{
    sqlite3_stmt *st = rc_query(c,
        "WITH a(node, s, e, seq) AS ("
        " SELECT node0, started_s, COALESCE(freed0_s, 1e300), seq FROM tasks WHERE node0 IS NOT NULL"
        " UNION ALL SELECT node1, started_s, COALESCE(freed1_s, 1e300), seq FROM tasks WHERE node1 IS NOT NULL"
        " UNION ALL SELECT node2, started_s, COALESCE(freed2_s, 1e300), seq FROM tasks WHERE node2 IS NOT NULL)"
        " SELECT node, s, e, seq FROM a ORDER BY node, s, e, seq");
    long long last_node = -1;
    double last_end = 0;
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        long long node = sqlite3_column_int64(st, 0);
        double s = sqlite3_column_double(st, 1), e = sqlite3_column_double(st, 2);
        if (sqlite3_column_type(st, 1) == SQLITE_NULL)
            rc_viol(c, "tasks (seq %lld): a node but no start time", sqlite3_column_int64(st, 3));
        else if (node == last_node && s < last_end)
            rc_viol(c, "node %lld in two tasks at once (task seq %lld)", node, sqlite3_column_int64(st, 3));
        if (node != last_node || e > last_end)
            last_end = e;
        last_node = node;
    }
    sqlite3_finalize(st);
}

/* The stored scenario's protocol.edition is one whose tasks hold one node
 * each (its description says so: proto_edition.seats), read from the run's
 * own scenario text, as the run validated it. */
static bool seat_per_task(chk *c)
{
    sqlite3_stmt *st = rc_query(c, "SELECT json_extract(value, '$.protocol.edition') FROM run"
                                   " WHERE key = 'scenario' AND json_valid(value)");
    const proto_edition *e = NULL;
    if (st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        e = proto_edition_find((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return e && e->seats == 1;
}

bool res_incomplete(const char *path)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    char why[128];
    bool incomplete = false;
    if (rfile_is_regular(path, why, sizeof why) &&
        sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "SELECT value FROM run WHERE key = 'complete'", -1, &st, NULL) == SQLITE_OK)
        incomplete = sqlite3_step(st) != SQLITE_ROW || !sqlite3_column_text(st, 0) ||
                     strcmp((const char *)sqlite3_column_text(st, 0), "1");
    sqlite3_finalize(st);
    sqlite3_close(db);
    return incomplete;
}

/* ---- the whole check ---- */

int res_check(const char *path, void *out_file)
{
    FILE *out = out_file;
    struct stat sb;
    sqlite3 *db = NULL;
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode) ||
        sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", 0, 0, 0) != SQLITE_OK) {
        fprintf(out, "%s: cannot open as an SQLite database%s\n", path,
                stat(path, &sb) == 0 && !S_ISREG(sb.st_mode) ? " (not a regular file)" : "");
        sqlite3_close(db);
        return -1;
    }
    chk c = {db, out, path, 0, false};
    meta m = {0};
    if (check_shape(&c) && check_meta(&c, &m)) {
        c.seat_per_task = seat_per_task(&c);
        check_invariants(&c);
        sums s = {.escrow_ok = true};
        rc_node_count(&c, &s);
        rc_tasks(&c, &s);
        wei_t lost = 0, locked = 0;
        rc_nodes(&c, &s, &lost, &locked);
        rc_accounts(&c, &m, &s, lost, locked);
        rc_apps(&c, &m);
        rc_actors(&c);
        check_series(&c, &m);
        if (c.seat_per_task) /* a row records only its first task's start */
            fprintf(out, "%s: note: one node per task (edition vss, relay-*): node overlaps not checked\n", path);
        else
            check_overlap(&c);
        free(s.income);
        free(s.income_ok);
    }
    sqlite3_close(db);
    if (c.bad > SHOW_MAX)
        fprintf(out, "%s: ... %d violations in all\n", path, c.bad);
    return c.bad;
}
