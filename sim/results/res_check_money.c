/* `avrami check`: the money tables.  Node income against the task rows'
 * payments, every account against the supply, the Task contract against
 * the escrow, each application against its fees, each actor against its
 * nodes (see res_check.c for the whole list). */
#include "results/res_check.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- tasks and nodes ---- */



bool rc_node_count(chk *c, sums *s)
{
    sqlite3_stmt *st = rc_query(c, "SELECT count(*), min(id), max(id) FROM nodes");
    if (!st)
        return false;
    bool ok = sqlite3_step(st) == SQLITE_ROW;
    long long n = sqlite3_column_int64(st, 0);
    if (ok && n > 0 && (sqlite3_column_int64(st, 1) != 0 || sqlite3_column_int64(st, 2) != n - 1)) {
        rc_viol(c, "nodes: ids are not 0..%lld (rows missing or added)", n - 1);
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
    /* every column read (and reported) before any is trusted */
    int bad = !rc_col_wei(c, st, 2, &fee, "tasks", seq);
    bad += !rc_col_u64(c, st, 3, &cap, "tasks", seq);
    bad += !rc_col_wei(c, st, 4, &value, "tasks", seq);
    bad += !rc_col_wei(c, st, 12, &escrow, "tasks", seq);
    bool ok = !bad;
    const char *outcome = rc_col_str(st, 5);
    bool created = sqlite3_column_type(st, 1) != SQLITE_NULL, sum_ok = true;
    for (int k = 0; k < 3; k++) {
        bool has_node = sqlite3_column_type(st, 6 + k) != SQLITE_NULL;
        if (has_node != (sqlite3_column_type(st, 9 + k) != SQLITE_NULL)) {
            rc_viol(c, "tasks (seq %lld): round %d has %s", seq, k, has_node ? "a node but no payment column"
                                                                           : "a payment but no node");
            continue;
        }
        uint64_t node;
        if (!has_node)
            continue;
        bad = !rc_col_u64(c, st, 6 + k, &node, "tasks", seq);
        bad += !rc_col_wei(c, st, 9 + k, &paid[k], "tasks", seq);
        if (bad)
            continue;
        if (node >= s->n_nodes) {
            rc_viol(c, "tasks (seq %lld): node%d = %llu is not in the nodes table", seq, k, (unsigned long long)node);
            continue;
        }
        rc_add(c, &s->income[node], &s->income_ok[node], paid[k], "node income from the task rows");
        rc_add(c, &out, &sum_ok, paid[k], "tasks: payments of one task");
    }
    if (!ok)
        return;
    if (cap == 0 || value != fee / cap)
        rc_viol(c, "tasks (seq %lld): value_wei_per_s is not fee_wei / cap_s", seq);
    rc_add(c, &out, &sum_ok, escrow, "tasks: payments and escrow of one task");
    /* vss: a sampled request escrows the fees of its three tasks until the
     * two extra ones are refunded */
    wei_t bound = c->seat_per_task ? fee * 3 : fee;
    if (c->seat_per_task && bound / 3 != fee)
        rc_viol(c, "tasks (seq %lld): three fees leave 128 bits", seq);
    else if (sum_ok && out > bound)
        rc_viol(c, "tasks (seq %lld): paid to nodes and held in escrow exceed the %s", seq,
                c->seat_per_task ? "fees of its three tasks" : "fee");
    if (!created && out)
        rc_viol(c, "tasks (seq %lld): never created on chain, yet paid or in escrow", seq);
    /* a task the contract still stores: running, or succeeded and not yet
     * fully settled */
    if (escrow && strcmp(outcome, "open") && strcmp(outcome, "success"))
        rc_viol(c, "tasks (seq %lld): %s, yet the Task contract still holds %s", seq, outcome, "its fee");
    rc_add(c, &s->escrow, &s->escrow_ok, escrow, "tasks: escrow");
    if (sqlite3_column_type(st, 14) != SQLITE_NULL &&
        fabs(sqlite3_column_double(st, 15) - (sqlite3_column_double(st, 14) - sqlite3_column_double(st, 13))) > 1e-3)
        rc_viol(c, "tasks (seq %lld): queue_wait_s is not started_s - created_s", seq);
}

void rc_tasks(chk *c, sums *s)
{
    sqlite3_stmt *st = rc_query(c, "SELECT seq, id, fee_wei, cap_s, value_wei_per_s, outcome, node0, node1, node2,"
                                " paid0_wei, paid1_wei, paid2_wei, escrow_wei, created_s, started_s, queue_wait_s"
                                " FROM tasks ORDER BY seq");
    if (!st)
        return;
    long long want = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        long long seq = sqlite3_column_int64(st, 0);
        if (seq != want) {
            rc_viol(c, "tasks: seq %lld follows %lld (rows missing or added)", seq, want - 1);
            break;
        }
        want++;
        check_task_row(c, st, s, seq);
    }
    sqlite3_finalize(st);

    /* every task in exactly one known terminal state, with consistent times */
    st = rc_query(c, "SELECT seq, outcome FROM tasks WHERE outcome IS NULL"
                  " OR outcome NOT IN ('success','aborted','rejected','open')"
                  " OR (outcome = 'success' AND success_s IS NULL)"
                  " OR (outcome = 'aborted' AND reason IS NULL)"
                  " OR (outcome = 'rejected' AND id IS NOT NULL)"
                  " OR (id IS NULL AND outcome NOT IN ('rejected', 'open'))"
                  " OR (outcome IN ('success','aborted','rejected') AND finished_s IS NULL)"
                  " OR (outcome = 'open' AND finished_s IS NOT NULL)"
                  " OR created_s IS NULL OR typeof(created_s) != 'real'"
                  " OR started_s < created_s OR finished_s < created_s OR success_s < started_s"
                  " OR commit0_s < started_s OR commit1_s < started_s OR commit2_s < started_s"
                  " OR disclose0_s < commit0_s OR disclose1_s < commit1_s OR disclose2_s < commit2_s"
                  " OR commits_ready_s < MAX(commit0_s, commit1_s, commit2_s)");
    while (st && sqlite3_step(st) == SQLITE_ROW)
        rc_viol(c, "tasks (seq %lld): inconsistent terminal state '%s' or times", sqlite3_column_int64(st, 0),
             rc_col_str(st, 1));
    sqlite3_finalize(st);
}

/* What relay-2026's delegators earned, per node (a delegator's row is
 * named by its node): closing balance + delegation still staked - opening
 * balance; NULL when there are none or memory runs out. */
static wei_t *delegator_income(chk *c, uint64_t n_nodes)
{
    sqlite3_stmt *st = rc_query(c, "SELECT account, name, start_wei, end_wei, locked_wei FROM accounts"
                                   " WHERE kind = 'delegator'");
    wei_t *got = NULL;
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        long long acc = sqlite3_column_int64(st, 0);
        char *end;
        unsigned long long node = strtoull(rc_col_str(st, 1), &end, 10);
        wei_t a, b, l, g;
        if (*end || node >= n_nodes) {
            rc_viol(c, "accounts (row %lld): a delegator of no node '%.40s'", acc, rc_col_str(st, 1));
            continue;
        }
        if (!rc_col_wei(c, st, 2, &a, "accounts", acc) || !rc_col_wei(c, st, 3, &b, "accounts", acc) ||
            !rc_col_wei(c, st, 4, &l, "accounts", acc))
            continue;
        if (!wei_add(b, l, &g) || !wei_sub(g, a, &g)) {
            rc_viol(c, "accounts (row %lld): a delegator holds less than it delegated", acc);
            continue;
        }
        if (!got && !(got = calloc(n_nodes + 1, sizeof *got)))
            break;
        got[node] = g;
    }
    sqlite3_finalize(st);
    return got;
}

/* Nodes against their accounts and the task rows; returns Σ stake lost and
 * Σ locked through the pointers. */
void rc_nodes(chk *c, const sums *s, wei_t *lost_all, wei_t *locked_all)
{
    wei_t *deleg = delegator_income(c, s->n_nodes);
    sqlite3_stmt *st = rc_query(c, "SELECT n.id, n.income_wei, a.kind, a.name, a.start_wei, a.end_wei, a.locked_wei,"
                                " a.stake_lost_wei FROM nodes n LEFT JOIN accounts a ON a.account = n.account"
                                " ORDER BY n.id");
    if (!st)
        return;
    bool lost_ok = true, locked_ok = true;
    while (sqlite3_step(st) == SQLITE_ROW) {
        long long id = sqlite3_column_int64(st, 0);
        wei_t income, start, end, locked, lost, have, want;
        if (!rc_col_wei(c, st, 1, &income, "nodes", id))
            continue;
        /* what its tasks paid: its operator's income and its delegator's */
        wei_t paid_out = income;
        if (deleg && (uint64_t)id < s->n_nodes && !wei_add(income, deleg[id], &paid_out))
            rc_viol(c, "node %lld: income and its delegator's overflow 128 bits", id);
        if ((uint64_t)id < s->n_nodes && s->income_ok[id])
            rc_expect_eq(c, paid_out, s->income[id], "node %s: income_wei differs from the task rows' payments (less its delegator's income)",
                      rc_col_str(st, 0));
        char idtext[24];
        snprintf(idtext, sizeof idtext, "%lld", id);
        if (strcmp(rc_col_str(st, 2), "node") || strcmp(rc_col_str(st, 3), idtext)) {
            rc_viol(c, "node %lld: its account is not in the accounts table as that node", id);
            continue;
        }
        int bad = !rc_col_wei(c, st, 4, &start, "accounts of nodes", id);
        bad += !rc_col_wei(c, st, 5, &end, "accounts of nodes", id);
        bad += !rc_col_wei(c, st, 6, &locked, "accounts of nodes", id);
        bad += !rc_col_wei(c, st, 7, &lost, "accounts of nodes", id);
        if (bad)
            continue;
        rc_add(c, lost_all, &lost_ok, lost, "accounts: stakes lost");
        rc_add(c, locked_all, &locked_ok, locked, "accounts: locked stakes");
        bool a = wei_add(end, locked, &have) && wei_add(have, lost, &have);
        bool b = wei_add(start, income, &want);
        if (!a || !b || have != want)
            rc_viol(c, "node %lld: balance + locked stake + stake lost != opening balance + income", id);
    }
    sqlite3_finalize(st);
    free(deleg);
    st = rc_query(c, "SELECT count(*) FROM accounts WHERE kind = 'node'");
    if (st && sqlite3_step(st) == SQLITE_ROW && (uint64_t)sqlite3_column_int64(st, 0) != s->n_nodes)
        rc_viol(c, "accounts: %lld node accounts for %llu nodes", sqlite3_column_int64(st, 0),
             (unsigned long long)s->n_nodes);
    sqlite3_finalize(st);
}

/* ---- accounts and applications ---- */

void rc_accounts(chk *c, const meta *m, const sums *s, wei_t lost_all, wei_t locked_all)
{
    sqlite3_stmt *st = rc_query(c, "SELECT account, kind, start_wei, end_wei, locked_wei FROM accounts ORDER BY account");
    if (!st)
        return;
    wei_t start_all = 0, end_all = 0, task = 0, node = 0, owner0 = 0, owner1 = 0, relay0 = 0, relay1 = 0;
    wei_t staked = locked_all; /* the Node contract (the Relay's staking account): stakes and delegations */
    bool ok = true;
    int n_task = 0, n_node = 0, n_owner = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        long long acc = sqlite3_column_int64(st, 0);
        const char *kind = rc_col_str(st, 1);
        wei_t a, b;
        int bad = !rc_col_wei(c, st, 2, &a, "accounts", acc);
        bad += !rc_col_wei(c, st, 3, &b, "accounts", acc);
        if (bad) {
            ok = false;
            continue;
        }
        rc_add(c, &start_all, &ok, a, "accounts: opening balances");
        rc_add(c, &end_all, &ok, b, "accounts: closing balances");
        if (!strcmp(kind, "task contract"))
            n_task++, task = b;
        else if (!strcmp(kind, "node contract"))
            n_node++, node = b;
        else if (!strcmp(kind, "owner"))
            n_owner++, owner0 = a, owner1 = b;
        else if (!strcmp(kind, "relay")) /* an edition's own account (the Relay's) */
            rc_add(c, &relay0, &ok, a, "accounts: the Relay's"), rc_add(c, &relay1, &ok, b, "accounts: the Relay's");
        else if (!strcmp(kind, "delegator")) { /* relay-2026: a delegation, staked (rc_nodes checks its income) */
            wei_t l;
            if (!rc_col_wei(c, st, 4, &l, "accounts", acc)) {
                ok = false;
                continue;
            }
            rc_add(c, &staked, &ok, l, "accounts: stakes and delegations");
        }
        else if (strcmp(kind, "application") && strcmp(kind, "node"))
            rc_viol(c, "accounts (row %lld): unknown kind '%.40s'", acc, kind);
        if ((!strcmp(kind, "task contract") || !strcmp(kind, "node contract")) && a)
            rc_viol(c, "accounts: the %s does not open empty", kind);
    }
    sqlite3_finalize(st);
    if (n_task != 1 || n_node != 1 || n_owner != 1) {
        rc_viol(c, "accounts: expected one Task contract, one Node contract and one owner account");
        return;
    }
    if (!ok)
        return;
    rc_expect_eq(c, m->supply0, start_all, "%stotal_supply_start differs from the sum of opening balances", "");
    rc_expect_eq(c, m->supply1, end_all, "%stotal_supply_end differs from the sum of closing balances", "");
    rc_expect_eq(c, node, staked, "%sthe Node contract's balance differs from the stakes (and delegations) locked", "");
    rc_expect_eq(c, m->owner0, owner0, "%sowner_balance_start differs from the owner's account", "");
    rc_expect_eq(c, m->owner1, owner1, "%sowner_balance_end differs from the owner's account", "");
    wei_t want, have_relay;
    if (!wei_add(owner0, lost_all, &want))
        rc_viol(c, "accounts: the owner's balance plus the stakes lost overflows 128 bits");
    else
        rc_expect_eq(c, owner1, want, "%sthe owner's gain differs from the stakes lost", "");
    /* the Relay's account: kept the fees of invalidated tasks, paid the
     * excess of group payments */
    if (!wei_add(relay0, m->relay_kept, &want) || !wei_add(relay1, m->relay_excess, &have_relay))
        rc_viol(c, "accounts: the Relay's account plus its flows overflows 128 bits");
    else
        rc_expect_eq(c, have_relay, want, "%sthe Relay's account differs from its opening balance + fees kept "
                                          "- group payment excess", "");
    if (!s->escrow_ok || !wei_add(s->escrow, m->stranded, &want) || !wei_add(want, m->too_cheap, &want))
        rc_viol(c, "escrow: the sum overflows 128 bits");
    else
        rc_expect_eq(c, task, want, "%sescrow: the Task contract's balance differs from the running tasks' "
                                 "escrow + stranded + too-cheap fees", "");
}

/* Per application: it paid the fee of every task it created on chain and
 * got back at most what neither a node nor the escrow kept.  Merge of two
 * scans in name order. */
void rc_apps(chk *c, const meta *m)
{
    sqlite3_stmt *a = rc_query(c, "SELECT name, start_wei, end_wei, fees_wei FROM accounts WHERE kind = 'application'"
                               " ORDER BY name");
    sqlite3_stmt *t = rc_query(c, "SELECT app, seq, fee_wei, COALESCE(paid0_wei, '0'), COALESCE(paid1_wei, '0'),"
                               " COALESCE(paid2_wei, '0'), escrow_wei FROM tasks WHERE id IS NOT NULL ORDER BY app");
    if (!a || !t) {
        sqlite3_finalize(a);
        sqlite3_finalize(t);
        return;
    }
    int tr = sqlite3_step(t);
    char prev[256] = "";
    wei_t start_all = 0, end_all = 0, kept_all = 0;
    bool all_ok = true;
    while (sqlite3_step(a) == SQLITE_ROW) {
        char name[256];
        snprintf(name, sizeof name, "%s", rc_col_str(a, 0));
        if (prev[0] && !strcmp(prev, name))
            rc_viol(c, "accounts: application '%s' has two accounts", name);
        snprintf(prev, sizeof prev, "%s", name);
        wei_t start, end, paid_in, fees = 0, kept = 0;
        int bad = !rc_col_wei(c, a, 1, &start, "accounts", 0);
        bad += !rc_col_wei(c, a, 2, &end, "accounts", 0);
        bad += !rc_col_wei(c, a, 3, &paid_in, "accounts", 0);
        bool ok = !bad;
        for (; tr == SQLITE_ROW && strcmp(rc_col_str(t, 0), name) < 0; tr = sqlite3_step(t))
            rc_viol(c, "tasks (seq %lld): application '%.80s' has no account", sqlite3_column_int64(t, 1), rc_col_str(t, 0));
        for (; tr == SQLITE_ROW && !strcmp(rc_col_str(t, 0), name); tr = sqlite3_step(t)) {
            long long seq = sqlite3_column_int64(t, 1);
            for (int i = 2; i < 7; i++) {
                wei_t v;
                if (!rc_col_wei(c, t, i, &v, "tasks", seq))
                    ok = false;
                else
                    rc_add(c, i == 2 ? &fees : &kept, &ok, v, "application fees");
            }
        }
        all_ok &= ok;
        if (!ok)
            continue;
        rc_expect_eq(c, paid_in, fees, "application %s: fees_wei differs from the fees of its tasks", name);
        /* what its tasks paid to nodes and hold in escrow left its account
         * (the Relay's group payments may pay above the fees: at most
         * relay_excess in all), and it lost at most its fees, or what its
         * tasks paid and hold when that is more (a validation group's
         * extra tasks in escrow), plus the extra fees the Relay kept from
         * invalidated tasks (at most relay_kept in all) */
        wei_t have, room, low;
        if (!wei_add(end, kept, &have) || !wei_add(start, m->relay_excess, &room) || have > room ||
            !wei_add(end, kept > fees ? kept : fees, &low) || !wei_add(low, m->relay_kept, &low) || low < start) {
            rc_viol(c, "application %s: closing balance is not its opening balance - the fees of its tasks + "
                    "at most what nodes and escrow did not keep", name);
            all_ok = false;
            continue;
        }
        rc_add(c, &start_all, &all_ok, start, "applications: opening balances");
        rc_add(c, &end_all, &all_ok, end, "applications: closing balances");
        rc_add(c, &kept_all, &all_ok, kept, "applications: paid and held");
    }
    /* what the applications lost is what nodes were paid (their operators
     * and delegators) and escrow holds, what the contracts' quirks left in
     * the Task contract and the fees the Relay kept, less what the Relay
     * paid above the fees */
    wei_t lost, lost_q;
    if (all_ok && tr != SQLITE_ROW && wei_add(start_all, m->relay_excess, &lost) && wei_sub(lost, end_all, &lost) &&
        wei_add(kept_all, m->stranded, &lost_q) && wei_add(lost_q, m->too_cheap, &lost_q) &&
        wei_add(lost_q, m->relay_kept, &lost_q))
        rc_expect_eq(c, lost, lost_q, "%sapplications: what they lost differs from what nodes were paid and escrow "
                                      "holds + stranded + too-cheap fees + fees the Relay kept - its excess", "");
    else if (all_ok && tr != SQLITE_ROW)
        rc_viol(c, "applications: their balances do not add up in 128 bits");
    for (; tr == SQLITE_ROW; tr = sqlite3_step(t))
        rc_viol(c, "tasks (seq %lld): application '%.80s' has no account", sqlite3_column_int64(t, 1), rc_col_str(t, 0));
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
    const char *name = rc_col_str(st, 1);
    wei_t w[4];
    uint64_t n[4];
    bool ok = true;
    for (int i = 0; i < 4; i++)
        ok &= rc_col_wei(c, st, 3 + i, &w[i], "actors", actor);
    static const int cols[4] = {2, 8, 9, 10};
    for (int i = 0; i < 4; i++)
        ok &= rc_col_u64(c, st, cols[i], &n[i], "actors", actor);
    if (!ok || !x->ok)
        return;
    if (n[0] != x->nodes || w[0] != x->start || w[1] != x->end || w[2] != x->income || w[3] != x->lost ||
        n[1] != x->slashed || n[2] != x->stakes_lost || n[3] != x->tasks)
        rc_viol(c, "actor %s: nodes, balances, income, stake lost, slashes or tasks paid differ from the sums over "
                "its nodes", name);
    char want[WEI_STR_MAX + 1];
    if (strcmp(rc_col_str(st, 7), wei_format_diff(w[2], w[3], want)))
        rc_viol(c, "actor %s: profit is not income - stake lost", name);
}

void rc_actors(chk *c)
{
    sqlite3_stmt *st = rc_query(c, "SELECT count(*) FROM node_actors WHERE node NOT IN (SELECT id FROM nodes)"
                                " OR actor NOT IN (SELECT actor FROM actors) OR actor = 0");
    if (st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0))
        rc_viol(c, "node_actors: %lld rows name no node or no non-honest actor", sqlite3_column_int64(st, 0));
    sqlite3_finalize(st);
    sqlite3_stmt *n = rc_query(c, "SELECT COALESCE(na.actor, 0) AS x, a.start_wei, a.end_wei, a.locked_wei,"
                               " nd.income_wei, a.stake_lost_wei, nd.tasks, nd.slashed, nd.id FROM nodes nd"
                               " JOIN accounts a ON a.account = nd.account LEFT JOIN node_actors na ON na.node = nd.id"
                               " ORDER BY x");
    st = rc_query(c, "SELECT actor, name, nodes, start_wei, end_wei, income_wei, stake_lost_wei, profit_wei,"
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
                x.ok &= rc_col_wei(c, n, 1 + i, &w[i], "nodes and accounts", id);
            for (int i = 0; i < 2; i++)
                x.ok &= rc_col_u64(c, n, 6 + i, &k[i], "nodes", id);
            if (!x.ok)
                continue;
            x.nodes++;
            x.tasks += k[0];
            x.slashed += k[1];
            x.stakes_lost += w[4] != 0;
            rc_add(c, &x.start, &x.ok, w[0], "actors: opening balances");
            rc_add(c, &x.end, &x.ok, w[1], "actors: closing balances");
            rc_add(c, &x.end, &x.ok, w[2], "actors: closing balances");
            rc_add(c, &x.income, &x.ok, w[3], "actors: income");
            rc_add(c, &x.lost, &x.ok, w[4], "actors: stake lost");
        }
        actor_compare(c, st, &x);
    }
    sqlite3_finalize(n);
    sqlite3_finalize(st);
}
