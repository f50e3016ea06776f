/* `avrami security`: the Helium security argument, closed form beside
 * Monte Carlo (the full simulator), first where the closed forms'
 * assumptions hold, then where Helium departs from them.  docs/security.md
 * explains the tables. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "protocol/edition.h"
#include "security/sec.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: avrami security [--reps R] [--seed S] [--days D] [--edition NAME]\n"
            "       avrami security --docs-table [--reps R] [--deployed-reps R] [--seed S] [--tasks N]\n"
            "                                    [--minutes M] [--warmup-minutes W] [--json]\n"
            "       (the Helium docs' timeout-attack table: avrami security --docs-table --help)\n\n"
            "Prints, closed form beside simulation (mean ± 95%% confidence half-width over R\n"
            "replications of D simulated days each):\n"
            "  1. p(h, d), the attacker's chance to win a task, and the break-even stake\n"
            "     s = p·k/(1-p) for a task price k of 1 CNX, under the closed form's assumptions;\n"
            "  2. the timeout attack: cheats per day and daily return on the break-even stake;\n"
            "  3. where Helium departs from the assumptions: QoS-weighted selection, queueing,\n"
            "     churn, several attackers, the same-card rule for gpt, kick-out;\n"
            "  4. the on-chain VSS edition: an always-cheating attacker against the 10%% sampling\n"
            "     (--edition relay-*: the same against the Relay edition's sampling, table 4 alone).\n"
            "A row marked '*' lies outside its confidence interval.\n\n"
            "  --reps R   replications per row (default 10)\n"
            "  --seed S   random seed (default 1)\n"
            "  --days D   simulated days per replication (default 1; may be fractional)\n"
            "  --edition NAME  the protocol edition the experiments run under (default helium);\n"
            "             tables 1-2 for any edition, table 3 (Helium's departures) for helium only\n");
}

static bool number(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= lo && v <= hi))
        return false;
    *out = v;
    return true;
}

static bool run(const sec_setup *x, uint64_t seed, unsigned reps, sec_result *r)
{
    char err[256];
    if (sec_run(x, seed, reps, r, err))
        return true;
    fprintf(stderr, "avrami security: %s\n", err);
    return false;
}

static const char *mark(sec_estimate e, double x) { return sec_within(e, x) ? " " : "*"; }

static bool table_p(proto_edition_id ed, uint64_t seed, unsigned reps, double days, unsigned *outside)
{
    static const unsigned HD[][2] = {{20, 2}, {20, 5}, {10, 5}, {30, 10}, {8, 8}};
    /* k: what a node earns per task; an edition with a fixed fee pays its
     * own (Hydrogen: 10 CNX), the others the experiment's 1 CNX fee split */
    const proto_edition *e = proto_edition_get(ed);
    double k = e->fixed_fee ? (double)e->defaults().task_fee_per_node / 1e18 : 1;
    printf("1. p(h, d) and the break-even stake (uniform selection, idle network, sd; k = %g CNX)\n", k);
    printf("   %3s %3s  %8s  %-19s  %9s  %-21s %7s\n", "h", "d", "p closed", "p simulated", "s closed",
           "s simulated (CNX)", "tasks");
    for (size_t i = 0; i < sizeof HD / sizeof HD[0]; i++) {
        sec_setup x = sec_setup_closed_form(HD[i][0], HD[i][1]);
        x.edition = ed;
        x.duration_s = (uint64_t)(days * 86400);
        sec_result r;
        if (!run(&x, seed, reps, &r))
            return false;
        double p = sec_p_win(x.h, x.d);
        double lo = fmax(r.p_task.mean - r.p_task.half, 0), hi = fmin(r.p_task.mean + r.p_task.half, 0.999999);
        *outside += !sec_within(r.p_task, p);
        printf("   %3u %3u  %8.4f  %.4f ± %.4f%s     %9.4f  %.4f [%.4f, %.4f]  %7llu%s\n", x.h, x.d, p,
               r.p_task.mean, r.p_task.half, mark(r.p_task, p), sec_breakeven_stake(p, k),
               sec_breakeven_stake(r.p_task.mean, k), sec_breakeven_stake(lo, k), sec_breakeven_stake(hi, k),
               (unsigned long long)r.tasks, r.bad_runs ? "  INVARIANT VIOLATED" : "");
    }
    return true;
}

static bool table_timeout(proto_edition_id ed, uint64_t seed, unsigned reps, double days, unsigned *outside)
{
    static const unsigned HD[][2] = {{20, 5}, {10, 5}};
    printf("\n2. timeout attack (task timeout 60 s, uniform selection, idle network; the attacker\n"
           "   registers a fresh node after each timeout, so it is never kicked out)\n");
    printf("   %3s %3s  %-22s %7s %7s  %-26s %-26s %9s\n", "h", "d", "q closed / simulated", "t̂ s",
           "t s", "cheats/day closed | sim", "return/day closed | sim", "n_m(p)");
    for (size_t i = 0; i < sizeof HD / sizeof HD[0]; i++) {
        sec_setup x = sec_setup_closed_form(HD[i][0], HD[i][1]);
        x.edition = ed;
        x.duration_s = (uint64_t)(days * 86400);
        x.timeout_attack = x.attacker_rejoin = true;
        x.task_timeout_s = 60;
        x.rate_per_h = 36; /* every 100 s: a timed-out task is over before the next */
        sec_result r;
        if (!run(&x, seed, reps, &r))
            return false;
        double q = sec_q_node(x.h, x.d), p = sec_p_win(x.h, x.d);
        double n = sec_cheats_per_day(q, r.t_hat, r.t_out), ret = sec_return_per_day(q, r.t_hat, r.t_out);
        /* simulated return on the break-even stake: income per day / (q k / (1 - q)) */
        double qs = r.q_node.mean, rs = qs > 0 && qs < 1 ? r.cheats_day.mean * (1 - qs) / qs : 0;
        double rh = qs > 0 && qs < 1 ? r.cheats_day.half * (1 - qs) / qs : 0;
        *outside += !sec_within(r.cheats_day, n) + !sec_within(r.q_node, q);
        printf("   %3u %3u  %.4f / %.4f±%.4f%s %7.1f %7.1f  %7.1f | %7.1f ± %5.1f%s  %7.1f | %7.1f ± %5.1f  %9.1f%s\n",
               x.h, x.d, q, r.q_node.mean, r.q_node.half, mark(r.q_node, q), r.t_hat, r.t_out, n,
               r.cheats_day.mean, r.cheats_day.half, mark(r.cheats_day, n), ret, rs, rh,
               sec_cheats_per_day(p, r.t_hat, r.t_out), r.bad_runs ? "  INVARIANT VIOLATED" : "");
    }
    return true;
}

static bool table_helium(uint64_t seed, unsigned reps, double days)
{
    printf("\n3. where Helium departs from the assumptions (share of started tasks won with a fake result)\n");
    printf("   %-52s %3s %3s  %8s  %-19s %7s\n", "setting", "h", "d", "closed", "simulated", "tasks");
    struct row { const char *what; sec_setup x; double closed; } rows[10];
    unsigned n = 0;
    sec_setup base = sec_setup_closed_form(20, 6);
    base.duration_s = (uint64_t)(days * 86400);
    rows[n++] = (struct row){"closed-form assumptions (reference)", base, -1};
    sec_setup x = base;
    x.qos_weighted = true;
    rows[n++] = (struct row){"QoS-weighted selection (points 10/9/6)", x, -1};
    x = base;
    x.poisson = true;
    x.rate_per_h = 2400;
    x.duration_s = base.duration_s / 8 ? base.duration_s / 8 : 1;
    rows[n++] = (struct row){"saturated: Poisson load above capacity, queue pops", x, -1};
    x = base;
    x.quit_rate_per_h = 1;
    rows[n++] = (struct row){"honest churn: each node quits ~1/h, as many join", x, -1};
    x = base;
    x.attackers = 2;
    unsigned split[2] = {3, 3};
    rows[n++] = (struct row){"two independent attackers, 3 nodes each", x, sec_p_win_split(26, split, 2)};
    x.attacker_rejoin = true;
    rows[n++] = (struct row){"  the same, slashed attacker nodes re-registered", x, sec_p_win_split(26, split, 2)};
    x = base;
    x.h = 40;
    x.gpt = true;
    x.cards = SEC_MIX_POPULAR;
    /* expected group sizes: 60 % of the honest nodes share the attacker's card */
    rows[n++] = (struct row){"gpt, same-card rule, attacker on the popular card", x,
                             (24.0 + 6) / 46 * sec_p_win(24, 6)};
    x.cards = SEC_MIX_RARE;
    rows[n++] = (struct row){"gpt, same-card rule, attacker on the rare card", x, (4.0 + 6) / 46 * sec_p_win(4, 6)};
    x = base;
    x.qos_weighted = true;
    x.timeout_attack = true;
    x.task_timeout_s = 60;
    x.rate_per_h = 36;
    rows[n++] = (struct row){"timeout attack, Helium QoS: silent nodes kicked out", x, -1};
    for (unsigned i = 0; i < n; i++) {
        sec_result r;
        if (!run(&rows[i].x, seed, reps, &r))
            return false;
        double naive = sec_p_win(rows[i].x.h, rows[i].x.d);
        double closed = rows[i].closed >= 0 ? rows[i].closed : naive;
        printf("   %-52s %3u %3u  %8.4f  %.4f ± %.4f%s  %7llu%s\n", rows[i].what, rows[i].x.h, rows[i].x.d, closed,
               r.p_task.mean, r.p_task.half, mark(r.p_task, closed), (unsigned long long)r.tasks,
               r.bad_runs ? "  INVARIANT VIOLATED" : "");
    }
    printf("   (closed: p(h, d), except the split and same-card rows, which use their own forms;\n"
           "    same-card rows use the expected card shares 60/30/10 %%)\n");
    return true;
}

/* The VSS rows: an always-cheating attacker under the on-chain VSS
 * contracts (protocol.edition vss), or under a Relay edition, which samples
 * and validates groups the same way (relay_agents.c), closed forms beside
 * the simulated share of the attacker's node-task slots won with its fake. */
static bool table_vss(proto_edition_id ed, uint64_t seed, unsigned reps, double days, unsigned *outside)
{
    static const unsigned HD[][2] = {{20, 2}, {20, 5}, {10, 5}};
    /* libs/VSS.sol: uint(samplingNumber) % 10 == 0; the Relay: beta mod sample_mod */
    const double r = ed == PROTO_VSS ? 0.1 : 1.0 / proto_params_of(ed).sample_mod;
    if (ed == PROTO_VSS)
        printf("\n4. VSS (edition vss, sampling rate r = 0.1): ");
    else
        printf("\n4. One node per task (edition %s, sampling rate r = %g): ", proto_edition_get(ed)->name, r);
    printf("an attacker that forges every task wins it unless it\n"
           "   is in a validation group without a second attacker node; w = its chance per task it holds,\n"
           "   break-even stake s = w·k/(1 − w) (k = 1 CNX), i.e. E = (1 − r)·k + r·(p·k − (1 − p)·s) = 0\n"
           "   docs: w = (1 − r) + r·p(h, d); per task held: w = 1 − g·(1 − q(h, d)), g = 3r/(1 + 2r) = %.4f\n", sec_vss_group_share(r));
    printf("   %3s %3s  %8s %8s  %-19s  %9s %9s  %-25s %7s\n", "h", "d", "w docs", "w task", "w simulated",
           "s docs", "s task", "s simulated (CNX)", "tasks");
    for (size_t i = 0; i < sizeof HD / sizeof HD[0]; i++) {
        sec_setup x = sec_setup_closed_form(HD[i][0], HD[i][1]);
        x.duration_s = (uint64_t)(days * 86400);
        x.edition = ed;
        x.always = x.attacker_rejoin = true;
        x.task_timeout_s = 180;
        sec_result res;
        if (!run(&x, seed, reps, &res))
            return false;
        double wd = (1 - r) + r * sec_p_win(x.h, x.d), ws = sec_vss_win_slot(r, x.h, x.d);
        double lo = fmax(res.q_node.mean - res.q_node.half, 0), hi = fmin(res.q_node.mean + res.q_node.half, 0.999999);
        *outside += !sec_within(res.q_node, ws);
        printf("   %3u %3u  %8.4f %8.4f  %.4f ± %.4f%s     %9.3f %9.3f  %.3f [%.3f, %.3f]  %7llu%s\n", x.h, x.d, wd, ws,
               res.q_node.mean, res.q_node.half, mark(res.q_node, ws), sec_breakeven_stake(wd, 1),
               sec_breakeven_stake(ws, 1), sec_breakeven_stake(res.q_node.mean, 1), sec_breakeven_stake(lo, 1),
               sec_breakeven_stake(hi, 1), (unsigned long long)res.tasks, res.bad_runs ? "  INVARIANT VIOLATED" : "");
    }
    return true;
}

int cmd_security(int argc, char **argv)
{
    double reps = 10, seed = 1, days = 1;
    const proto_edition *ed = proto_edition_get(PROTO_HELIUM);
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--docs-table"))
            return sec_docs_table(argc, argv);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool more = i + 1 < argc;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--reps") && more) {
            if (!number(argv[++i], 2, 100000, &reps) || reps != floor(reps))
                goto bad;
        } else if (!strcmp(a, "--seed") && more) {
            if (!number(argv[++i], 0, 9e15, &seed) || seed != floor(seed))
                goto bad;
        } else if (!strcmp(a, "--days") && more) {
            if (!number(argv[++i], 0.01, 3650, &days))
                goto bad;
        } else if (!strcmp(a, "--edition") && more) {
            if (!(ed = proto_edition_find(argv[++i]))) {
                char list[128];
                proto_edition_list(list, sizeof list);
                fprintf(stderr, "avrami security: --edition: expected one of %s, got %s\n", list, argv[i]);
                return 2;
            }
        } else {
            fprintf(stderr, "avrami security: unknown option or missing value: %s\n", a);
            usage(stderr);
            return 2;
        }
        continue;
    bad:
        fprintf(stderr, "avrami security: %s: expected %s, got %s\n", a,
                !strcmp(a, "--days") ? "a number of days in [0.01, 3650]"
                : !strcmp(a, "--reps") ? "an integer in [2, 100000]"
                                       : "a non-negative integer",
                argv[i]);
        return 2;
    }
    printf("avrami security: %u replications per row, seed %llu, %g simulated days each\n", (unsigned)reps,
           (unsigned long long)seed, days);
    /* the default edition is not named, so Helium's output reads as before */
    if (ed->id != PROTO_HELIUM)
        printf("protocol edition: %s (%s)\n", ed->name, ed->source);
    putchar('\n');
    unsigned outside = 0;
    /* an edition of one seat per task (vss, the Relay's) has its own table
     * (4); Helium prints all four */
    bool ok = ed->seats == 1
                  ? table_vss(ed->id, (uint64_t)seed, (unsigned)reps, days, &outside)
                  : table_p(ed->id, (uint64_t)seed, (unsigned)reps, days, &outside) &&
                        table_timeout(ed->id, (uint64_t)seed, (unsigned)reps, days, &outside) &&
                        (ed->id != PROTO_HELIUM || (table_helium((uint64_t)seed, (unsigned)reps, days) &&
                                                    table_vss(PROTO_VSS, (uint64_t)seed, (unsigned)reps, days,
                                                              &outside)));
    if (!ok)
        return 2;
    printf("\nrows of tables %s outside their 95%% interval: %u (about 1 in 20 is expected by chance)\n",
           ed->id == PROTO_HELIUM ? "1, 2 and 4" : ed->seats == 1 ? "4" : "1-2", outside);
    return 0;
}
