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

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "util/rfile.h"

#define SHOW_MAX 40

typedef struct chk {
    sqlite3 *db;
    FILE *out;
    const char *path;
    int bad;
} chk;

typedef struct meta {
    wei_t supply0, supply1, owner0, owner1, stranded, too_cheap;
    uint64_t until_us, double_uploads;
} meta;

static void viol(chk *c, const char *fmt, ...)
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

static sqlite3_stmt *query(chk *c, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK) {
        viol(c, "cannot query (%s)", sqlite3_errmsg(c->db));
        sqlite3_finalize(st);
        return NULL;
    }
    return st;
}

/* A column that must hold a decimal wei string. */
static bool col_wei(chk *c, sqlite3_stmt *st, int i, wei_t *v, const char *what, long long row)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    *v = 0;
    if (sqlite3_column_type(st, i) == SQLITE_TEXT && t && wei_parse((const char *)t, v))
        return true;
    viol(c, "%s (row %lld): %s is not a decimal wei amount", what, row, sqlite3_column_name(st, i));
    return false;
}

/* A column that must hold a non-negative integer. */
static bool col_u64(chk *c, sqlite3_stmt *st, int i, uint64_t *v, const char *what, long long row)
{
    *v = 0;
    if (sqlite3_column_type(st, i) == SQLITE_INTEGER && sqlite3_column_int64(st, i) >= 0) {
        *v = (uint64_t)sqlite3_column_int64(st, i);
        return true;
    }
    viol(c, "%s (row %lld): %s is not a non-negative integer", what, row, sqlite3_column_name(st, i));
    return false;
}

static const char *col_str(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? (const char *)t : "";
}

/* acc += v; a sum past 128 bits is a violation and poisons acc. */
static void add(chk *c, wei_t *acc, bool *ok, wei_t v, const char *what)
{
    if (*ok && !wei_add(*acc, v, acc)) {
        viol(c, "%s: the sum overflows 128 bits", what);
        *ok = false;
    }
}

static void expect_eq(chk *c, wei_t have, wei_t want, const char *fmt, const char *a)
{
    if (have == want)
        return;
    char h[WEI_STR_MAX], w[WEI_STR_MAX], msg[512];
    snprintf(msg, sizeof msg, fmt, a);
    viol(c, "%s: recorded %s, derived %s", msg, wei_format(have, h), wei_format(want, w));
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
        n += (size_t)snprintf(buf + n, cap - n, "%s%s %s%s", n ? ", " : "", col_str(st, 0), col_str(st, 1),
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
        viol(c, "internal: the reference schema does not build");
        sqlite3_close(ref);
        return false;
    }
    bool ok = true;
    static char want[4096], have[4096];
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *t = col_str(st, 0);
        columns(ref, t, want, sizeof want);
        if (!columns(c->db, t, have, sizeof have)) {
            viol(c, "table %s is missing", t);
            ok = false;
        } else if (strcmp(want, have)) {
            viol(c, "table %s: columns (%s), expected (%s)", t, have, want);
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
        viol(c, "run: key %s is missing", key);
        return false;
    }
    const unsigned char *v = sqlite3_column_text(st, 0);
    *w = 0;
    if (!v || sqlite3_column_type(st, 0) != SQLITE_TEXT) {
        viol(c, "run: %s is NULL or not text", key);
        return false;
    }
    if (kind == K_ONE && strcmp((const char *)v, "1")) {
        viol(c, "run is not complete (interrupted or failed): complete = '%s'", v);
        return false;
    }
    if ((kind == K_WEI || kind == K_U64) &&
        (!wei_parse((const char *)v, w) || (kind == K_U64 && *w > UINT64_MAX))) {
        viol(c, "run: %s = '%.40s' is not a %s", key, v, kind == K_WEI ? "decimal wei amount" : "64-bit count");
        return false;
    }
    return true;
}

static bool check_meta(chk *c, meta *m)
{
    sqlite3_stmt *st = query(c, "SELECT value FROM run WHERE key = ?");
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
    sqlite3_finalize(st);
    if (ok)
        expect_eq(c, m->supply1, m->supply0, "%stotal supply changed during the run (end vs start)", "");
    return ok;
}

/* ---- invariants ---- */

static void check_invariants(chk *c)
{
    sqlite3_stmt *st = query(c, "SELECT name, ok, detail FROM invariants");
    if (!st)
        return;
    int seen[RES_N_INVARIANTS] = {0};
    long long row = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        row++;
        const char *name = col_str(st, 0);
        int i = 0;
        while (i < RES_N_INVARIANTS && strcmp(name, RES_INVARIANTS[i]))
            i++;
        if (i == RES_N_INVARIANTS) {
            viol(c, "invariants (row %lld): unknown invariant '%.80s'", row, name);
            continue;
        }
        seen[i]++;
        if (sqlite3_column_type(st, 1) != SQLITE_INTEGER || sqlite3_column_int64(st, 1) != 1)
            viol(c, "invariant %s failed%s%s", name, sqlite3_column_text(st, 2) ? ": " : "", col_str(st, 2));
    }
    sqlite3_finalize(st);
    for (int i = 0; i < RES_N_INVARIANTS; i++)
        if (seen[i] != 1)
            viol(c, "invariants: '%s' has no row", RES_INVARIANTS[i]);
}

/* ---- tasks and nodes ---- */

typedef struct sums {
    uint64_t n_nodes;
    wei_t *income; /* per node, from the task rows */
    bool *income_ok;
    wei_t escrow;  /* Σ over tasks */
    bool escrow_ok;
} sums;

static bool node_count(chk *c, sums *s)
{
    sqlite3_stmt *st = query(c, "SELECT count(*), min(id), max(id) FROM nodes");
    if (!st)
        return false;
    bool ok = sqlite3_step(st) == SQLITE_ROW;
    long long n = sqlite3_column_int64(st, 0);
    if (ok && n > 0 && (sqlite3_column_int64(st, 1) != 0 || sqlite3_column_int64(st, 2) != n - 1)) {
        viol(c, "nodes: ids are not 0..%lld (rows missing or added)", n - 1);
        ok = false;
    }
    sqlite3_finalize(st);
    s->n_nodes = ok ? (uint64_t)n : 0;
    s->income = calloc(s->n_nodes + 1, sizeof *s->income);
    s->income_ok = malloc(s->n_nodes + 1);
    memset(s->income_ok, 1, s->n_nodes + 1);
    return ok;
}

static void check_task_row(chk *c, sqlite3_stmt *st, sums *s, long long seq)
{
    /* columns: seq id fee cap value outcome node0..2 paid0..2 escrow created started wait */
    wei_t fee, value, paid[3] = {0}, escrow, out = 0;
    uint64_t cap;
    bool ok = col_wei(c, st, 2, &fee, "tasks", seq) & col_u64(c, st, 3, &cap, "tasks", seq) &
              col_wei(c, st, 4, &value, "tasks", seq) & col_wei(c, st, 12, &escrow, "tasks", seq);
    const char *outcome = col_str(st, 5);
    bool created = sqlite3_column_type(st, 1) != SQLITE_NULL, sum_ok = true;
    for (int k = 0; k < 3; k++) {
        bool has_node = sqlite3_column_type(st, 6 + k) != SQLITE_NULL;
        if (has_node != (sqlite3_column_type(st, 9 + k) != SQLITE_NULL)) {
            viol(c, "tasks (seq %lld): round %d has %s", seq, k, has_node ? "a node but no payment column"
                                                                           : "a payment but no node");
            continue;
        }
        uint64_t node;
        if (!has_node || !col_u64(c, st, 6 + k, &node, "tasks", seq) | !col_wei(c, st, 9 + k, &paid[k], "tasks", seq))
            continue;
        if (node >= s->n_nodes) {
            viol(c, "tasks (seq %lld): node%d = %llu is not in the nodes table", seq, k, (unsigned long long)node);
            continue;
        }
        add(c, &s->income[node], &s->income_ok[node], paid[k], "node income from the task rows");
        add(c, &out, &sum_ok, paid[k], "tasks: payments of one task");
    }
    if (!ok)
        return;
    if (cap == 0 || value != fee / cap)
        viol(c, "tasks (seq %lld): value_wei_per_s is not fee_wei / cap_s", seq);
    add(c, &out, &sum_ok, escrow, "tasks: payments and escrow of one task");
    if (sum_ok && out > fee)
        viol(c, "tasks (seq %lld): paid to nodes and held in escrow exceed the fee", seq);
    if (!created && out)
        viol(c, "tasks (seq %lld): never created on chain, yet paid or in escrow", seq);
    /* a task the contract still stores: running, or succeeded and not yet
     * fully settled */
    if (escrow && strcmp(outcome, "open") && strcmp(outcome, "success"))
        viol(c, "tasks (seq %lld): %s, yet the Task contract still holds %s", seq, outcome, "its fee");
    add(c, &s->escrow, &s->escrow_ok, escrow, "tasks: escrow");
    if (sqlite3_column_type(st, 14) != SQLITE_NULL &&
        fabs(sqlite3_column_double(st, 15) - (sqlite3_column_double(st, 14) - sqlite3_column_double(st, 13))) > 1e-3)
        viol(c, "tasks (seq %lld): queue_wait_s is not started_s - created_s", seq);
}

static void check_tasks(chk *c, sums *s)
{
    sqlite3_stmt *st = query(c, "SELECT seq, id, fee_wei, cap_s, value_wei_per_s, outcome, node0, node1, node2,"
                                " paid0_wei, paid1_wei, paid2_wei, escrow_wei, created_s, started_s, queue_wait_s"
                                " FROM tasks ORDER BY seq");
    if (!st)
        return;
    long long want = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        long long seq = sqlite3_column_int64(st, 0);
        if (seq != want) {
            viol(c, "tasks: seq %lld follows %lld (rows missing or added)", seq, want - 1);
            break;
        }
        want++;
        check_task_row(c, st, s, seq);
    }
    sqlite3_finalize(st);

    /* every task in exactly one known terminal state, with consistent times */
    st = query(c, "SELECT seq, outcome FROM tasks WHERE outcome IS NULL"
                  " OR outcome NOT IN ('success','aborted','rejected','open')"
                  " OR (outcome = 'success' AND success_s IS NULL)"
                  " OR (outcome = 'aborted' AND reason IS NULL)"
                  " OR (outcome = 'rejected' AND id IS NOT NULL)"
                  " OR (id IS NULL AND outcome NOT IN ('rejected', 'open'))"
                  " OR (outcome IN ('success','aborted') AND finished_s IS NULL)"
                  " OR (outcome IN ('open','rejected') AND finished_s IS NOT NULL)"
                  " OR created_s IS NULL OR typeof(created_s) != 'real'"
                  " OR started_s < created_s OR finished_s < created_s OR success_s < started_s"
                  " OR commit0_s < started_s OR commit1_s < started_s OR commit2_s < started_s"
                  " OR disclose0_s < commit0_s OR disclose1_s < commit1_s OR disclose2_s < commit2_s"
                  " OR commits_ready_s < MAX(commit0_s, commit1_s, commit2_s)");
    while (st && sqlite3_step(st) == SQLITE_ROW)
        viol(c, "tasks (seq %lld): inconsistent terminal state '%s' or times", sqlite3_column_int64(st, 0),
             col_str(st, 1));
    sqlite3_finalize(st);
}

/* Nodes against their accounts and the task rows; returns Σ stake lost and
 * Σ locked through the pointers. */
static void check_nodes(chk *c, const sums *s, wei_t *lost_all, wei_t *locked_all)
{
    sqlite3_stmt *st = query(c, "SELECT n.id, n.income_wei, a.kind, a.name, a.start_wei, a.end_wei, a.locked_wei,"
                                " a.stake_lost_wei FROM nodes n LEFT JOIN accounts a ON a.account = n.account"
                                " ORDER BY n.id");
    if (!st)
        return;
    bool lost_ok = true, locked_ok = true;
    while (sqlite3_step(st) == SQLITE_ROW) {
        long long id = sqlite3_column_int64(st, 0);
        wei_t income, start, end, locked, lost, have, want;
        if (!col_wei(c, st, 1, &income, "nodes", id))
            continue;
        if ((uint64_t)id < s->n_nodes && s->income_ok[id])
            expect_eq(c, income, s->income[id], "node %s: income_wei differs from the task rows' payments",
                      col_str(st, 0));
        char idtext[24];
        snprintf(idtext, sizeof idtext, "%lld", id);
        if (strcmp(col_str(st, 2), "node") || strcmp(col_str(st, 3), idtext)) {
            viol(c, "node %lld: its account is not in the accounts table as that node", id);
            continue;
        }
        if (!col_wei(c, st, 4, &start, "accounts of nodes", id) | !col_wei(c, st, 5, &end, "accounts of nodes", id) |
            !col_wei(c, st, 6, &locked, "accounts of nodes", id) | !col_wei(c, st, 7, &lost, "accounts of nodes", id))
            continue;
        add(c, lost_all, &lost_ok, lost, "accounts: stakes lost");
        add(c, locked_all, &locked_ok, locked, "accounts: locked stakes");
        bool a = wei_add(end, locked, &have) && wei_add(have, lost, &have);
        bool b = wei_add(start, income, &want);
        if (!a || !b || have != want)
            viol(c, "node %lld: balance + locked stake + stake lost != opening balance + income", id);
    }
    sqlite3_finalize(st);
    st = query(c, "SELECT count(*) FROM accounts WHERE kind = 'node'");
    if (st && sqlite3_step(st) == SQLITE_ROW && (uint64_t)sqlite3_column_int64(st, 0) != s->n_nodes)
        viol(c, "accounts: %lld node accounts for %llu nodes", sqlite3_column_int64(st, 0),
             (unsigned long long)s->n_nodes);
    sqlite3_finalize(st);
}

/* ---- accounts and applications ---- */

static void check_accounts(chk *c, const meta *m, const sums *s, wei_t lost_all, wei_t locked_all)
{
    sqlite3_stmt *st = query(c, "SELECT account, kind, start_wei, end_wei FROM accounts ORDER BY account");
    if (!st)
        return;
    wei_t start_all = 0, end_all = 0, task = 0, node = 0, owner0 = 0, owner1 = 0;
    bool ok = true;
    int n_task = 0, n_node = 0, n_owner = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        long long acc = sqlite3_column_int64(st, 0);
        const char *kind = col_str(st, 1);
        wei_t a, b;
        if (!col_wei(c, st, 2, &a, "accounts", acc) | !col_wei(c, st, 3, &b, "accounts", acc)) {
            ok = false;
            continue;
        }
        add(c, &start_all, &ok, a, "accounts: opening balances");
        add(c, &end_all, &ok, b, "accounts: closing balances");
        if (!strcmp(kind, "task contract"))
            n_task++, task = b;
        else if (!strcmp(kind, "node contract"))
            n_node++, node = b;
        else if (!strcmp(kind, "owner"))
            n_owner++, owner0 = a, owner1 = b;
        else if (strcmp(kind, "application") && strcmp(kind, "node"))
            viol(c, "accounts (row %lld): unknown kind '%.40s'", acc, kind);
        if ((!strcmp(kind, "task contract") || !strcmp(kind, "node contract")) && a)
            viol(c, "accounts: the %s does not open empty", kind);
    }
    sqlite3_finalize(st);
    if (n_task != 1 || n_node != 1 || n_owner != 1) {
        viol(c, "accounts: expected one Task contract, one Node contract and one owner account");
        return;
    }
    if (!ok)
        return;
    expect_eq(c, m->supply0, start_all, "%stotal_supply_start differs from the sum of opening balances", "");
    expect_eq(c, m->supply1, end_all, "%stotal_supply_end differs from the sum of closing balances", "");
    expect_eq(c, node, locked_all, "%sthe Node contract's balance differs from the stakes locked", "");
    expect_eq(c, m->owner0, owner0, "%sowner_balance_start differs from the owner's account", "");
    expect_eq(c, m->owner1, owner1, "%sowner_balance_end differs from the owner's account", "");
    wei_t want;
    if (!wei_add(owner0, lost_all, &want))
        viol(c, "accounts: the owner's balance plus the stakes lost overflows 128 bits");
    else
        expect_eq(c, owner1, want, "%sthe owner's gain differs from the stakes lost", "");
    if (!s->escrow_ok || !wei_add(s->escrow, m->stranded, &want) || !wei_add(want, m->too_cheap, &want))
        viol(c, "escrow: the sum overflows 128 bits");
    else
        expect_eq(c, task, want, "%sescrow: the Task contract's balance differs from the running tasks' "
                                 "escrow + stranded + too-cheap fees", "");
}

/* Per application: it paid the fee of every task it created on chain and
 * got back at most what neither a node nor the escrow kept.  Merge of two
 * scans in name order. */
static void check_apps(chk *c, const meta *m)
{
    sqlite3_stmt *a = query(c, "SELECT name, start_wei, end_wei, fees_wei FROM accounts WHERE kind = 'application'"
                               " ORDER BY name");
    sqlite3_stmt *t = query(c, "SELECT app, seq, fee_wei, COALESCE(paid0_wei, '0'), COALESCE(paid1_wei, '0'),"
                               " COALESCE(paid2_wei, '0'), escrow_wei FROM tasks WHERE id IS NOT NULL ORDER BY app");
    if (!a || !t) {
        sqlite3_finalize(a);
        sqlite3_finalize(t);
        return;
    }
    int tr = sqlite3_step(t);
    char prev[256] = "";
    wei_t refund_all = 0, back_all = 0;
    bool all_ok = true;
    while (sqlite3_step(a) == SQLITE_ROW) {
        char name[256];
        snprintf(name, sizeof name, "%s", col_str(a, 0));
        if (prev[0] && !strcmp(prev, name))
            viol(c, "accounts: application '%s' has two accounts", name);
        snprintf(prev, sizeof prev, "%s", name);
        wei_t start, end, paid_in, fees = 0, kept = 0;
        bool ok = col_wei(c, a, 1, &start, "accounts", 0) & col_wei(c, a, 2, &end, "accounts", 0) &
                  col_wei(c, a, 3, &paid_in, "accounts", 0);
        for (; tr == SQLITE_ROW && strcmp(col_str(t, 0), name) < 0; tr = sqlite3_step(t))
            viol(c, "tasks (seq %lld): application '%.80s' has no account", sqlite3_column_int64(t, 1), col_str(t, 0));
        for (; tr == SQLITE_ROW && !strcmp(col_str(t, 0), name); tr = sqlite3_step(t)) {
            long long seq = sqlite3_column_int64(t, 1);
            for (int i = 2; i < 7; i++) {
                wei_t v;
                if (!col_wei(c, t, i, &v, "tasks", seq))
                    ok = false;
                else
                    add(c, i == 2 ? &fees : &kept, &ok, v, "application fees");
            }
        }
        wei_t refund, back;
        all_ok &= ok;
        if (!ok)
            continue;
        expect_eq(c, paid_in, fees, "application %s: fees_wei differs from the fees of its tasks", name);
        if (!wei_add(end, fees, &refund) || !wei_sub(refund, start, &refund) || !wei_sub(fees, kept, &back) ||
            refund > back) {
            viol(c, "application %s: closing balance is not its opening balance - the fees of its tasks + "
                    "at most what nodes and escrow did not keep", name);
            all_ok = false;
            continue;
        }
        add(c, &refund_all, &all_ok, refund, "applications: refunds");
        add(c, &back_all, &all_ok, back, "applications: fees not kept");
    }
    /* what nodes and escrow did not keep went back to the applications,
     * except what the contracts' quirks left in the Task contract */
    wei_t kept_q;
    if (all_ok && tr != SQLITE_ROW && wei_add(refund_all, m->stranded, &kept_q) && wei_add(kept_q, m->too_cheap, &kept_q))
        expect_eq(c, kept_q, back_all, "%sapplications: refunds + stranded + too-cheap fees differ from the fees "
                                       "neither paid nor held", "");
    for (; tr == SQLITE_ROW; tr = sqlite3_step(t))
        viol(c, "tasks (seq %lld): application '%.80s' has no account", sqlite3_column_int64(t, 1), col_str(t, 0));
    sqlite3_finalize(a);
    sqlite3_finalize(t);
}

/* ---- actors: each row the sums over its nodes ---- */

typedef struct actor_sum {
    uint64_t nodes, tasks, slashed, stakes_lost;
    wei_t start, end, income, lost;
    bool ok;
} actor_sum;

static void actor_compare(chk *c, sqlite3_stmt *st, const actor_sum *x)
{
    long long actor = sqlite3_column_int64(st, 0);
    const char *name = col_str(st, 1);
    wei_t w[4];
    uint64_t n[4];
    bool ok = true;
    for (int i = 0; i < 4; i++)
        ok &= col_wei(c, st, 3 + i, &w[i], "actors", actor);
    ok &= col_u64(c, st, 2, &n[0], "actors", actor) & col_u64(c, st, 8, &n[1], "actors", actor) &
          col_u64(c, st, 9, &n[2], "actors", actor) & col_u64(c, st, 10, &n[3], "actors", actor);
    if (!ok || !x->ok)
        return;
    if (n[0] != x->nodes || w[0] != x->start || w[1] != x->end || w[2] != x->income || w[3] != x->lost ||
        n[1] != x->slashed || n[2] != x->stakes_lost || n[3] != x->tasks)
        viol(c, "actor %s: nodes, balances, income, stake lost, slashes or tasks paid differ from the sums over "
                "its nodes", name);
    char want[WEI_STR_MAX + 1];
    if (w[2] >= w[3])
        wei_format(w[2] - w[3], want);
    else {
        want[0] = '-';
        wei_format(w[3] - w[2], want + 1);
    }
    if (strcmp(col_str(st, 7), want))
        viol(c, "actor %s: profit is not income - stake lost", name);
}

static void check_actors(chk *c)
{
    sqlite3_stmt *st = query(c, "SELECT count(*) FROM node_actors WHERE node NOT IN (SELECT id FROM nodes)"
                                " OR actor NOT IN (SELECT actor FROM actors) OR actor = 0");
    if (st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0))
        viol(c, "node_actors: %lld rows name no node or no non-honest actor", sqlite3_column_int64(st, 0));
    sqlite3_finalize(st);
    sqlite3_stmt *n = query(c, "SELECT COALESCE(na.actor, 0) AS x, a.start_wei, a.end_wei, a.locked_wei,"
                               " nd.income_wei, a.stake_lost_wei, nd.tasks, nd.slashed, nd.id FROM nodes nd"
                               " JOIN accounts a ON a.account = nd.account LEFT JOIN node_actors na ON na.node = nd.id"
                               " ORDER BY x");
    st = query(c, "SELECT actor, name, nodes, start_wei, end_wei, income_wei, stake_lost_wei, profit_wei,"
                  " slashes, stakes_lost, tasks_paid FROM actors ORDER BY actor");
    if (!n || !st) {
        sqlite3_finalize(n);
        sqlite3_finalize(st);
        return;
    }
    int nr = sqlite3_step(n);
    while (sqlite3_step(st) == SQLITE_ROW) {
        long long actor = sqlite3_column_int64(st, 0);
        actor_sum x = {.ok = true};
        for (; nr == SQLITE_ROW && sqlite3_column_int64(n, 0) <= actor; nr = sqlite3_step(n)) {
            if (sqlite3_column_int64(n, 0) < actor)
                continue; /* reported above */
            long long id = sqlite3_column_int64(n, 8);
            wei_t w[5];
            uint64_t k[2];
            for (int i = 0; i < 5; i++)
                x.ok &= col_wei(c, n, 1 + i, &w[i], "nodes and accounts", id);
            x.ok &= col_u64(c, n, 6, &k[0], "nodes", id) & col_u64(c, n, 7, &k[1], "nodes", id);
            if (!x.ok)
                continue;
            x.nodes++;
            x.tasks += k[0];
            x.slashed += k[1];
            x.stakes_lost += w[4] != 0;
            add(c, &x.start, &x.ok, w[0], "actors: opening balances");
            add(c, &x.end, &x.ok, w[1], "actors: closing balances");
            add(c, &x.end, &x.ok, w[2], "actors: closing balances");
            add(c, &x.income, &x.ok, w[3], "actors: income");
            add(c, &x.lost, &x.ok, w[4], "actors: stake lost");
        }
        actor_compare(c, st, &x);
    }
    sqlite3_finalize(n);
    sqlite3_finalize(st);
}

/* ---- series, overlap ---- */

static void check_series(chk *c, const meta *m)
{
    sqlite3_stmt *st = query(c,
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
        viol(c, "series: minutes are not 0..%lld (rows missing or added)", n - 1);
    if ((uint64_t)n > m->until_us / 60000000 + 1)
        viol(c, "series: %lld minutes for a run of %llu us", n, (unsigned long long)m->until_us);
    if (sqlite3_column_int64(st, 3) > sqlite3_column_int64(st, 4))
        viol(c, "series: more slashes per minute than the nodes were slashed");
    if (sqlite3_column_int64(st, 5))
        viol(c, "series: %lld rows with a NULL or non-integer count", sqlite3_column_int64(st, 5));
    sqlite3_finalize(st);

    /* tasks created, started and finished per minute, counted again */
    st = query(c, "WITH t(m, k) AS (SELECT CAST(created_s / 60 AS INTEGER), 0 FROM tasks WHERE created_s IS NOT NULL"
                  " UNION ALL SELECT CAST(started_s / 60 AS INTEGER), 1 FROM tasks WHERE started_s IS NOT NULL"
                  " UNION ALL SELECT CAST(finished_s / 60 AS INTEGER), 2 FROM tasks WHERE finished_s IS NOT NULL),"
                  " c(m, n0, n1, n2) AS (SELECT m, sum(k = 0), sum(k = 1), sum(k = 2) FROM t GROUP BY m)"
                  " SELECT s.minute FROM series s LEFT JOIN c ON c.m = s.minute"
                  " WHERE s.created != COALESCE(c.n0, 0) OR s.started != COALESCE(c.n1, 0)"
                  " OR s.finished != COALESCE(c.n2, 0)");
    while (st && sqlite3_step(st) == SQLITE_ROW)
        viol(c, "series (minute %lld): tasks created, started or finished differ from the task rows",
             sqlite3_column_int64(st, 0));
    sqlite3_finalize(st);
}

/* No node in two tasks at once: per node, the intervals from a task's start
 * to the node's release must not overlap (O(n log n) via ORDER BY).  Times
 * have block resolution: a node can join and leave a task within one block
 * and start another there, so equal starts sort the shorter interval first. */
static void check_overlap(chk *c)
{
    sqlite3_stmt *st = query(c,
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
            viol(c, "tasks (seq %lld): a node but no start time", sqlite3_column_int64(st, 3));
        else if (node == last_node && s < last_end)
            viol(c, "node %lld in two tasks at once (task seq %lld)", node, sqlite3_column_int64(st, 3));
        if (node != last_node || e > last_end)
            last_end = e;
        last_node = node;
    }
    sqlite3_finalize(st);
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
    chk c = {db, out, path, 0};
    meta m = {0};
    if (check_shape(&c) && check_meta(&c, &m)) {
        check_invariants(&c);
        sums s = {.escrow_ok = true};
        node_count(&c, &s);
        check_tasks(&c, &s);
        wei_t lost = 0, locked = 0;
        check_nodes(&c, &s, &lost, &locked);
        check_accounts(&c, &m, &s, lost, locked);
        check_apps(&c, &m);
        check_actors(&c);
        check_series(&c, &m);
        check_overlap(&c);
        free(s.income);
        free(s.income_ok);
    }
    sqlite3_close(db);
    if (c.bad > SHOW_MAX)
        fprintf(out, "%s: ... %d violations in all\n", path, c.bad);
    return c.bad;
}
