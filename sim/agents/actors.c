/* Results per actor (the honest nodes, each attacker or faulty group) and
 * per application under attack: bookkeeping of the chain's events, the
 * account checks, the summary section and the database rows.
 *
 * Account identity, per node and to the wei:
 *     balance + locked stake = stake + income − stake lost
 * (a node's account opens with exactly its own stake; joining locks it; a quit
 * or kick-out returns it; a slash sends it to the owner), and the owner's
 * balance grows by exactly the stakes lost. */
#include "run/sim_internal.h"

#include <stdlib.h>
#include <string.h>

#include "agents/agt_behaviour.h"
#include "protocol/relay/relay_edition.h"
#include "results/res.h"

/* ---- bookkeeping (called for every event of a successful transaction) ---- */

void actors_book(sim *m, const proto_event *ev, sim_req *r, uint32_t node)
{
    if (node == UINT32_MAX)
        return;
    sim_node *n = &m->nodes[node];
    switch (ev->kind) {
    case PROTO_EV_TASK_SUCCESS: { /* node: the result node */
        if (!r || !r->fake)
            break;
        int k = 0;
        while (k < 3 && r->nodes[k] != node)
            k++;
        if (k == 3 || !(r->fake >> k & 1))
            break;
        r->flags |= RF_WRONG_RESULT;
        /* every node that forged these very bytes won with it */
        uint64_t forger = agt_forger(node_behaviour(m, n), n->actor, node);
        for (int j = 0; j < 3; j++) {
            sim_node *x = r->nodes[j] != UINT32_MAX ? &m->nodes[r->nodes[j]] : NULL;
            if (x && (r->fake >> j & 1) && agt_forger(node_behaviour(m, x), x->actor, r->nodes[j]) == forger)
                x->cheats_won++;
        }
        break;
    }
    case PROTO_EV_NODE_SLASHED:
        n->nflags |= NF_STAKE_LOST;
        break;
    case PROTO_EV_NODE_KICKED_OUT:
        n->nflags |= NF_KICKED;
        break;
    default:
        break;
    }
}

/* ---- accounts ---- */

static wei_t locked(const sim *m, const sim_node *n)
{
    proto_node_view v;
    proto_node_get(m->p, n->acc, &v);
    return v.ever_joined && v.status != PROTO_NODE_QUIT ? n->stake : 0;
}

bool actors_accounts_ok(const sim *m, char *detail, size_t cap)
{
    wei_t lost = 0;
    for (uint32_t i = 0; i < m->n_nodes; i++) {
        const sim_node *n = &m->nodes[i];
        wei_t stake = n->stake, l = n->nflags & NF_STAKE_LOST ? stake : 0;
        wei_accumulate(&lost, l, "the stakes lost");
        wei_t holds = proto_balance(m->p, n->acc), owed = stake;
        wei_accumulate(&holds, locked(m, n), "a node's holdings");
        wei_accumulate(&holds, l, "a node's holdings");
        wei_accumulate(&owed, n->income, "a node's stake and income");
        if (holds != owed) {
            char a[WEI_STR_MAX];
            snprintf(detail, cap, "accounts: node %u holds %s wei + locked stake, not stake + income - stake lost",
                     i, wei_format(proto_balance(m->p, n->acc), a));
            return false;
        }
    }
    wei_t owner_owed = m->owner0;
    wei_accumulate(&owner_owed, lost, "the owner's opening balance and the stakes lost");
    if (proto_balance(m->p, PROTO_ACC_OWNER) != owner_owed) {
        snprintf(detail, cap, "accounts: the owner's gain differs from the stakes lost by slashing");
        return false;
    }
    return !m->ag.accounts_ok || m->ag.accounts_ok(m, detail, cap);
}

/* ---- per actor and per application ---- */

void sim_get_actor(const sim *m, uint32_t a, sim_actor_stats *x)
{
    const scn *s = m->s;
    const scn_behaviour *b = a ? &s->behaviours[a - 1] : NULL;
    memset(x, 0, sizeof *x);
    x->name = b ? b->name : "honest";
    x->kind = b ? scn_behaviour_kind_name(b->kind) : "honest";
    x->mode = b && b->kind == SCN_BEH_COLLUDERS ? scn_collude_mode_name(b->mode) : "";
    for (uint32_t i = 0; i < m->n_nodes; i++) {
        const sim_node *n = &m->nodes[i];
        wei_t stake = n->stake;
        if (n->actor != a)
            continue;
        x->nodes++;
        wei_accumulate(&x->start, stake, "an actor's stakes");
        wei_accumulate(&x->end, proto_balance(m->p, n->acc), "an actor's holdings");
        wei_accumulate(&x->end, locked(m, n), "an actor's holdings");
        wei_accumulate(&x->income, n->income, "an actor's income");
        if (n->nflags & NF_STAKE_LOST) {
            wei_accumulate(&x->stake_lost, stake, "an actor's lost stakes");
            x->stakes_lost++;
        }
        x->kickouts += (n->nflags & NF_KICKED) != 0;
        x->slashes += n->slashed;
        x->tasks_paid += n->tasks;
        x->fakes += n->fakes;
        x->node_cheats += n->cheats_won;
        x->silences += n->silences;
    }
    eng_time now = eng_now(m->e);
    for (uint64_t i = 0; i < m->n_req; i++) {
        const sim_req *r = &m->req[i];
        if (r->started < 0)
            continue;
        bool result_is_ours = false, in_it = false;
        for (int k = 0; k < 3; k++) {
            uint32_t nd = r->nodes[k];
            if (nd == UINT32_MAX || m->nodes[nd].actor != a)
                continue;
            in_it = true;
            double t = (double)((r->freed[k] >= 0 ? r->freed[k] : now) - r->started) / 1e6;
            x->node_tasks++;
            x->busy_s += t;
            if ((r->flags & RF_WRONG_RESULT) && (r->fake >> k & 1)) {
                x->won_busy_s += t;
                result_is_ours = true;
            }
        }
        x->cheats_won += result_is_ours;
        x->aborted += in_it && r->outcome == OUT_ABORTED;
    }
}

void sim_get_app_harm(const sim *m, uint32_t app, sim_app_harm *x)
{
    memset(x, 0, sizeof *x);
    for (uint64_t i = 0; i < m->n_req; i++) {
        const sim_req *r = &m->req[i];
        if (r->app != app)
            continue;
        x->tasks++;
        x->started += r->started >= 0;
        x->wrong += r->outcome == OUT_SUCCESS && (r->flags & RF_WRONG_RESULT);
        bool faulty = false;
        for (int k = 0; k < 3; k++)
            faulty |= r->nodes[k] != UINT32_MAX && m->nodes[r->nodes[k]].actor != 0;
        if (r->outcome == OUT_ABORTED && faulty) {
            x->aborted_faulty++;
            x->lost_s += (double)(r->finished - r->created) / 1e6;
        }
        if (r->parent >= 0) {
            const sim_req *p = &m->req[r->parent];
            bool pf = false;
            for (int k = 0; k < 3; k++)
                pf |= p->nodes[k] != UINT32_MAX && m->nodes[p->nodes[k]].actor != 0;
            x->delayed += p->outcome == OUT_ABORTED && pf;
        }
    }
}

/* ---- outputs ---- */

static bool has_attacks(const scn *s) { return s->n_behaviours || s->sd_pair || s->honest_rejoin; }

static double cnx(wei_t w) { return (double)(w / 1000000000u) / 1e9; /* display only */ }

void actors_summary(const sim *m, FILE *out)
{
    const scn *s = m->s;
    if (!has_attacks(s))
        return;
    /* one name column wide enough for the longest actor or app name */
    int w = 14;
    for (uint32_t a = 0; a < scn_actors(s); a++) {
        sim_actor_stats x;
        sim_get_actor(m, a, &x);
        w = (int)strlen(x.name) > w ? (int)strlen(x.name) : w;
    }
    for (uint32_t a = 0; a < s->n_apps; a++)
        w = (int)strlen(s->apps[a].name) > w ? (int)strlen(s->apps[a].name) : w;
    fprintf(out, "actors (CNX; profit = income - stake lost):\n");
    for (uint32_t a = 0; a < scn_actors(s); a++) {
        sim_actor_stats x;
        sim_get_actor(m, a, &x);
        double profit = cnx(x.income) - cnx(x.stake_lost);
        fprintf(out, "  %-*s %-10s %5u nodes  income %10.4f  stake lost %9.1f  profit %10.4f\n", w, x.name,
                x.kind, x.nodes, cnx(x.income), cnx(x.stake_lost), profit);
        fprintf(out, "  %-*s slashes %llu, stakes lost %llu, kick-outs %llu, fakes %llu, tasks won by "
                     "cheating %llu, timed out %llu\n", w, "",
                (unsigned long long)x.slashes, (unsigned long long)x.stakes_lost,
                (unsigned long long)x.kickouts, (unsigned long long)x.fakes, (unsigned long long)x.cheats_won,
                (unsigned long long)x.silences);
    }
    fprintf(out, "applications under attack:\n");
    for (uint32_t a = 0; a < s->n_apps; a++) {
        sim_app_harm h;
        sim_get_app_harm(m, a, &h);
        fprintf(out, "  %-*s %llu tasks: %llu wrong results accepted, %llu aborted with a faulty node "
                     "(%.1f h lost), %llu resubmitted after those\n",
                w, s->apps[a].name, (unsigned long long)h.tasks, (unsigned long long)h.wrong,
                (unsigned long long)h.aborted_faulty, h.lost_s / 3600, (unsigned long long)h.delayed);
    }
}

void actors_write_db(const sim *m, res *db)
{
    const scn *s = m->s;
    for (uint32_t a = 0; a < scn_actors(s); a++) {
        sim_actor_stats x;
        sim_get_actor(m, a, &x);
        char profit[WEI_STR_MAX + 1];
        wei_format_diff(x.income, x.stake_lost, profit);
        res_actor_row row = {a, x.name, x.kind, x.mode, x.nodes, x.start, x.end, x.income, x.stake_lost,
                             profit, x.slashes, x.stakes_lost, x.kickouts, x.tasks_paid, x.fakes,
                             x.cheats_won, x.silences, x.busy_s};
        res_actor(db, &row);
    }
    for (uint32_t i = 0; i < m->n_nodes; i++)
        if (m->nodes[i].actor)
            res_node_actor(db, i, m->nodes[i].actor);
    for (uint32_t a = 0; a < s->n_apps; a++) {
        sim_app_harm h;
        sim_get_app_harm(m, a, &h);
        res_app_harm(db, s->apps[a].name, h.tasks, h.wrong, h.aborted_faulty, h.delayed, h.lost_s);
    }
    /* every account, with its opening balance: contracts start empty, the
     * owner with owner0, applications with their balance, nodes with one stake */
    const proto *p = m->p;
    res_account_row acc[] = {{PROTO_ACC_TASK, "task contract", "", 0, proto_balance(p, PROTO_ACC_TASK), 0, 0, 0},
                             {PROTO_ACC_NODE, "node contract", "", 0, proto_balance(p, PROTO_ACC_NODE), 0, 0, 0},
                             {PROTO_ACC_OWNER, "owner", "", m->owner0, proto_balance(p, PROTO_ACC_OWNER), 0, 0, 0}};
    for (size_t i = 0; i < sizeof acc / sizeof acc[0]; i++)
        res_account(db, &acc[i]);
    /* the edition's own accounts (the Relay's and the dao's in the Relay
     * editions; vss's relay, which holds nothing): neither node nor app */
    bool *is_app = calloc(proto_num_accounts(p) + 1, sizeof *is_app);
    for (uint32_t a = 0; is_app && a < s->n_apps; a++)
        is_app[m->app_acc[a]] = true;
    for (uint32_t a = PROTO_ACC_FIRST; is_app && a < proto_num_accounts(p); a++)
        if (!is_app[a] && m->acc2node[a] == UINT32_MAX) {
            char id[16];
            snprintf(id, sizeof id, "%u", a);
            wei_t start, held;
            uint32_t node;
            const char *kind = m->ag.account ? m->ag.account(m, a, &start, &held, &node) : NULL;
            if (kind) { /* the edition agents' (a delegator, named by its node) */
                snprintf(id, sizeof id, "%u", node);
                res_account_row row = {a, kind, id, start, proto_balance(p, a), held, 0, 0};
                res_account(db, &row);
                continue;
            }
            res_account_row row = {a, "relay", id, proto_edition_is_relay(m->ed->id) && a == PROTO_ACC_FIRST
                                                       ? RELAY_EDITION_FUNDING : 0,
                                   proto_balance(p, a), 0, 0, 0};
            res_account(db, &row);
        }
    free(is_app);
    wei_t *fees = calloc(s->n_apps + 1, sizeof *fees);
    for (uint64_t i = 0; i < m->n_req; i++)
        if (m->req[i].id)
            fees[m->req[i].app] += m->req[i].fee;
    for (uint32_t a = 0; a < s->n_apps; a++) {
        res_account_row row = {m->app_acc[a], "application", s->apps[a].name, s->apps[a].balance,
                               proto_balance(p, m->app_acc[a]), 0, 0, fees[a]};
        res_account(db, &row);
    }
    for (uint32_t i = 0; i < m->n_nodes; i++) {
        const sim_node *n = &m->nodes[i];
        char id[16];
        snprintf(id, sizeof id, "%u", i);
        res_account_row row = {n->acc, "node", id, n->stake, proto_balance(p, n->acc), locked(m, n),
                               n->nflags & NF_STAKE_LOST ? n->stake : 0, 0};
        res_account(db, &row);
    }
    free(fees);
    res_meta_wei(db, "owner_balance_start", m->owner0);
    res_meta_wei(db, "owner_balance_end", proto_balance(m->p, PROTO_ACC_OWNER));
}
