/* `avrami security --docs-table`: the Helium docs' timeout-attack table
 * (sec.h, sec_docs_rows) row by row: the printed figures, the closed form
 * with the docs' p (which reproduces them), the closed form with the
 * conditional q, and the full simulator under (a) the docs' assumptions,
 * (b) the deployed rules with kick-out, (c) the deployed rules with an
 * attacker that re-registers.  docs/security.md explains the figures. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "security/sec.h"
#include "util/cli_util.h"

/* The honest node's execution, so that a task with an honest node in it
 * takes about the docs' t̂ = 60 s from start to release (execution, then
 * the commit, disclosure and settlement blocks). */
#define EXEC_S 54.0
#define WINS_WANTED 1000.0    /* (a): tasks enough for about this many wins per row */
#define IDLE_PERIOD_S 320.0   /* (a): longer than a timed-out task: every selection sees all nodes idle */
#define BUSY_SHARE 0.01       /* (a): at most this share of a node's time in tasks */
#define SATURATION_S 150.0    /* (b), (c): one task per this many seconds per node (above capacity) */
#define FEE_WEI "3000000000000000000"
/* (c): the first 90 minutes are left out.  Every node joins at 0 and the
 * first tasks start together, so the attacker's timeouts, and with them its
 * re-registrations, come in step at first; in step, two of its fresh
 * identities often land in one queue pop.  The in-step wins die out within
 * about two hours for 30 attacker nodes among 10,000 (docs/security.md). */
#define WARMUP_C_S 5400

typedef struct dt_opts { unsigned reps, deployed_reps; uint64_t seed, tasks, minutes, warmup_min; bool json; } dt_opts;

typedef struct dt_row {
    const sec_docs_row *doc;
    double p, q, closed_p, closed_q;
    sec_setup a, b, c;
    sec_result ra, rb, rc;
    sec_estimate apr_a, apr_b, apr_c; /* percent */
} dt_row;

static sec_setup attack(unsigned h, unsigned d)
{
    return (sec_setup){.h = h, .d = d, .attackers = 1, .cards = SEC_ONE_CARD, .timeout_attack = true,
                       .task_timeout_s = (unsigned)SEC_DOCS_T, .cancel_after_s = (unsigned)SEC_DOCS_T + 1,
                       .exec_s = EXEC_S, .fee_wei = FEE_WEI};
}

static uint64_t clamp_s(double s, double lo, double hi) { return (uint64_t)ceil(fmin(fmax(s, lo), hi)); }

/* (a): uniform selection, no kick-out: equal QoS points (10/10/10), and
 * since a silent node scores 0 in a timed-out task and would be drawn less
 * often, the attacker's node takes a fresh identity (the initial score, 20,
 * every honest node's) after each timeout; kick-out is off as well.  An
 * idle network at
 * every selection (periodic tasks) where that costs few tasks, else a
 * Poisson load so light that a node is in a task at most 1 % of the time;
 * "always busy" is then the per busy day normalisation. */
static sec_setup setup_docs(unsigned h, unsigned d, unsigned reps, uint64_t max_tasks)
{
    sec_setup x = attack(h, d);
    x.no_kickout = x.attacker_rejoin = true;
    double n = h + d, idle = 1 / IDLE_PERIOD_S, light = n * BUSY_SHARE / (3 * SEC_DOCS_T);
    double rate = fmax(idle, light);
    x.poisson = light > idle;
    x.rate_per_h = rate * 3600;
    double q = sec_q_node(h, d), tasks = fmin(WINS_WANTED / q * n / (3.0 * d), (double)max_tasks);
    x.duration_s = clamp_s(tasks / reps / rate, 3600, 3650.0 * 86400);
    return x;
}

/* (b), (c): Helium's QoS (points 10/9/6, kick-out at 20) in a saturated
 * network: tasks arrive faster than the nodes finish them, so every node
 * is always busy, and most tasks start from the queue. */
static sec_setup setup_deployed(unsigned h, unsigned d, bool rejoin, unsigned reps, uint64_t max_tasks)
{
    sec_setup x = attack(h, d);
    x.qos_weighted = true;
    x.attacker_rejoin = rejoin;
    x.poisson = true;
    double rate = (h + d) / SATURATION_S;
    x.rate_per_h = rate * 3600;
    x.duration_s = clamp_s((double)max_tasks / reps / rate, 1800, 86400);
    if (rejoin) {
        x.warmup_s = WARMUP_C_S;
        x.duration_s += WARMUP_C_S;
    }
    return x;
}

sec_setup sec_docs_setup(unsigned h, unsigned d, char which, unsigned reps, uint64_t tasks)
{
    return which == 'a' ? setup_docs(h, d, reps, tasks) : setup_deployed(h, d, which == 'c', reps, tasks);
}

static sec_estimate scaled(sec_estimate e, double f) { return (sec_estimate){e.mean * f, e.half * f}; }

static bool run_row(const sec_docs_row *doc, const dt_opts *o, dt_row *r)
{
    memset(r, 0, sizeof *r);
    r->doc = doc;
    r->p = sec_p_win(doc->h, doc->d);
    r->q = sec_q_node(doc->h, doc->d);
    r->closed_p = sec_docs_apr(r->p, r->p);
    r->closed_q = sec_docs_apr(r->q, r->p);
    r->a = setup_docs(doc->h, doc->d, o->reps, o->tasks);
    r->b = setup_deployed(doc->h, doc->d, false, o->deployed_reps, o->tasks);
    r->c = setup_deployed(doc->h, doc->d, true, o->deployed_reps, o->tasks);
    if (o->minutes) {
        r->b.duration_s = o->minutes * 60;
        r->c.duration_s = r->c.warmup_s + o->minutes * 60;
    }
    r->c.duration_s = r->c.duration_s - r->c.warmup_s + o->warmup_min * 60;
    r->c.warmup_s = o->warmup_min * 60;
    char err[256];
    if (!sec_run(&r->a, o->seed, o->reps, &r->ra, err) || !sec_run(&r->b, o->seed, o->deployed_reps, &r->rb, err) ||
        !sec_run(&r->c, o->seed, o->deployed_reps, &r->rc, err)) {
        fprintf(stderr, "avrami security: %s\n", err);
        return false;
    }
    /* the docs' stake per node, s + s_t, for every column */
    double stake = sec_breakeven_stake(r->p, SEC_DOCS_K) + SEC_DOCS_S_T;
    r->apr_a = scaled(r->ra.cheats_day, 100 * 365 * SEC_DOCS_K / stake);
    r->apr_b = scaled(r->rb.income_node_day, 100 * 365 / stake);
    r->apr_c = scaled(r->rc.income_node_day, 100 * 365 / stake);
    return true;
}

/* simulated days over all replications */
static double days(const sec_setup *x, unsigned reps) { return (double)x->duration_s * reps / 86400; }

static double lo(sec_estimate e) { return fmax(e.mean - e.half, 0); }
static double hi(sec_estimate e) { return e.mean + e.half; }
static double share(uint64_t a, uint64_t b) { return b ? 100.0 * (double)a / (double)b : 0; }

static void print_head(const dt_opts *o)
{
    printf("avrami security --docs-table: the Helium docs' timeout-attack table (price 3 CNX, k = 1 CNX\n"
           "per node, t̂ = 60 s, t = 300 s, timeout stake s_t = 5,000 CNX); %u replications per row in (a),\n"
           "%u in (b) and (c), seed %llu, at most %llu tasks per row and setting\n\n",
           o->reps, o->deployed_reps, (unsigned long long)o->seed, (unsigned long long)o->tasks);
    printf("1. closed forms: APR = 365 · n_m(w) · k / (s + s_t), n_m(w) = 86400·w / (t̂·w + t·(1 − w)),\n"
           "   s = p·k/(1 − p); w = p (the docs) or w = q = 1 − C(h,2)/C(h+d−1,2) (a task that holds a\n"
           "   given attacker node)\n");
    printf("   %5s %4s  %12s %12s  %10s %10s %10s  %7s\n", "h", "d", "docs T CNX", "T = (s+s_t)d", "docs APR",
           "APR(p) %", "APR(q) %", "q / p");
}

static void print_closed(const dt_row *r)
{
    double t = (sec_breakeven_stake(r->p, SEC_DOCS_K) + SEC_DOCS_S_T) * r->doc->d;
    printf("   %5u %4u  %12.2f %12.2f  %10.2f %10.2f %10.2f  %7.1f\n", r->doc->h, r->doc->d, r->doc->stake_total, t,
           r->doc->apr, r->closed_p, r->closed_q, r->closed_q / r->closed_p);
}

static void print_sim_a(const dt_row *r, unsigned reps)
{
    const sec_result *x = &r->ra;
    double n = sec_cheats_per_day(r->q, SEC_DOCS_T_HAT, SEC_DOCS_T);
    printf("   %5u %4u  %.4f %.4f±%.4f%s %5.1f %5.1f  %7.2f %8.2f±%7.2f%s %8.2f %9.2f [%.2f, %.2f]%s  %8llu %7.1f\n",
           r->doc->h, r->doc->d, r->q, x->q_node.mean, x->q_node.half, sec_within(x->q_node, r->q) ? " " : "*",
           x->t_hat, x->t_out, n, x->cheats_day.mean, x->cheats_day.half, sec_within(x->cheats_day, n) ? " " : "*",
           r->closed_q, r->apr_a.mean, lo(r->apr_a), hi(r->apr_a), sec_within(r->apr_a, r->closed_q) ? " " : "*",
           (unsigned long long)x->tasks, days(&r->a, reps));
}

static void print_sim_bc(const dt_row *r, unsigned reps)
{
    const sec_result *b = &r->rb, *c = &r->rc;
    printf("   %5u %4u  %8.2f [%.2f, %.2f] %6.1f %5llu/%-5llu %5.1f [%4.1f, %4.1f]  %8.1f [%.1f, %.1f] %6.1f %5.1f %5.1f"
           "  %6.2f\n",
           r->doc->h, r->doc->d, r->apr_b.mean, lo(r->apr_b), hi(r->apr_b), b->cheats_node_day.mean,
           (unsigned long long)b->kickouts, (unsigned long long)b->identities, b->kick_mean_s / 60,
           b->kick_min_s / 60, b->kick_max_s / 60, r->apr_c.mean, lo(r->apr_c), hi(r->apr_c),
           c->cheats_node_day.mean, 100 * c->q_node.mean, share(c->won_slots_fresh, c->won_slots), days(&r->c, reps));
}

static void print_text(const dt_row *rows, unsigned n, const dt_opts *o)
{
    for (unsigned i = 0; i < n; i++)
        print_closed(&rows[i]);
    printf("\n2. simulated under the docs' assumptions (a): uniform selection (QoS points 10/10/10; an\n"
           "   attacker node takes a fresh identity, score 20 like every honest node, after each timeout),\n"
           "   no kick-out (protocol.kickout false), an idle or lightly loaded network; per attacker node and\n"
           "   busy day (the docs' \"always busy\"); k = 1 CNX per won task; t̂, t: simulated mean busy\n"
           "   seconds of a won and of a timed-out slot.  '*': the closed form lies outside the 95%% interval\n");
    printf("   %5s %4s  %-6s %-15s %5s %5s  %-7s %-18s %8s %-26s %8s %7s\n", "h", "d", "q", "q simulated", "t̂",
           "t", "n_m(q)", "cheats/busy day", "APR(q)", "APR simulated [95% CI]", "tasks", "days");
    for (unsigned i = 0; i < n; i++)
        print_sim_a(&rows[i], o->reps);
    printf("\n3. simulated under the deployed rules: QoS points 10/9/6, kick-out at 20, a saturated network\n"
           "   (tasks arrive faster than they finish; most start from the queue); APR from the attacker's\n"
           "   real fee income per node and day on the docs' stake s + s_t per node\n"
           "   (b) the attacker keeps its identities: APR, cheats per node-day, identities kicked out, and\n"
           "       minutes from join to kick-out, mean [min, max] (a day's APR once all are gone)\n"
           "   (c) it registers a fresh identity after every timeout: APR, cheats per node-day, share of\n"
           "       its slots won (%%), and of the won slots those of identities that joined <= %.0f s before (%%)\n",
           SEC_FRESH_S);
    printf("   (c) counts the tasks started after a %llu-minute warm-up (an in-step start inflates it)\n",
           (unsigned long long)o->warmup_min);
    printf("   %5s %4s  %-24s %6s %11s %-17s  %-26s %6s %5s %5s  %6s\n", "h", "d", "(b) APR [95% CI]", "ch/day",
           "kicked", "join->kick min", "(c) APR [95% CI]", "ch/day", "won", "fresh", "days");
    for (unsigned i = 0; i < n; i++)
        print_sim_bc(&rows[i], o->deployed_reps);
    printf("\n   days: simulated days per row over all replications, (c) with its warm-ups; --tasks raises\n"
           "   the limit for the large rows of (a), --minutes lengthens (b) and (c)\n");
}

static cJSON *interval(sec_estimate e)
{
    cJSON *a = cJSON_CreateArray();
    cJSON_AddItemToArray(a, cJSON_CreateNumber(lo(e)));
    cJSON_AddItemToArray(a, cJSON_CreateNumber(hi(e)));
    return a;
}

static void print_json(const dt_row *rows, unsigned n, const dt_opts *o)
{
    for (unsigned i = 0; i < n; i++) {
        const dt_row *r = &rows[i];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddNumberToObject(j, "h", r->doc->h);
        cJSON_AddNumberToObject(j, "d", r->doc->d);
        cJSON_AddNumberToObject(j, "docs_apr", r->doc->apr);
        cJSON_AddNumberToObject(j, "docs_stake_total", r->doc->stake_total);
        cJSON_AddNumberToObject(j, "p", r->p);
        cJSON_AddNumberToObject(j, "q", r->q);
        cJSON_AddNumberToObject(j, "closed_p_apr", r->closed_p);
        cJSON_AddNumberToObject(j, "closed_q_apr", r->closed_q);
        cJSON_AddNumberToObject(j, "sim_apr", r->apr_a.mean);
        cJSON_AddItemToObject(j, "sim_apr_ci", interval(r->apr_a));
        cJSON_AddNumberToObject(j, "sim_q", r->ra.q_node.mean);
        cJSON_AddNumberToObject(j, "sim_cheats_per_busy_day", r->ra.cheats_day.mean);
        cJSON_AddNumberToObject(j, "sim_days", days(&r->a, o->reps));
        cJSON_AddNumberToObject(j, "sim_tasks", (double)r->ra.tasks);
        cJSON_AddNumberToObject(j, "sim_apr_kickout", r->apr_b.mean);
        cJSON_AddItemToObject(j, "sim_apr_kickout_ci", interval(r->apr_b));
        cJSON_AddNumberToObject(j, "kickout_cheats_per_node_day", r->rb.cheats_node_day.mean);
        cJSON_AddNumberToObject(j, "kickouts", (double)r->rb.kickouts);
        cJSON_AddNumberToObject(j, "kickout_mean_s", r->rb.kick_mean_s);
        cJSON_AddNumberToObject(j, "kickout_min_s", r->rb.kick_min_s);
        cJSON_AddNumberToObject(j, "kickout_max_s", r->rb.kick_max_s);
        cJSON_AddNumberToObject(j, "sim_apr_rejoin", r->apr_c.mean);
        cJSON_AddItemToObject(j, "sim_apr_rejoin_ci", interval(r->apr_c));
        cJSON_AddNumberToObject(j, "rejoin_cheats_per_node_day", r->rc.cheats_node_day.mean);
        cJSON_AddNumberToObject(j, "rejoin_slots_won_share", r->rc.q_node.mean);
        cJSON_AddNumberToObject(j, "rejoin_won_by_fresh_share",
                                r->rc.won_slots ? (double)r->rc.won_slots_fresh / (double)r->rc.won_slots : 0);
        cJSON_AddNumberToObject(j, "kickout_days", days(&r->b, o->deployed_reps));
        cJSON_AddNumberToObject(j, "rejoin_days", days(&r->c, o->deployed_reps));
        cJSON_AddNumberToObject(j, "rejoin_warmup_s", (double)r->c.warmup_s);
        cJSON_AddNumberToObject(j, "invariant_failures", r->ra.bad_runs + r->rb.bad_runs + r->rc.bad_runs);
        char *t = cJSON_PrintUnformatted(j);
        printf("%s\n", t);
        free(t);
        cJSON_Delete(j);
    }
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: avrami security --docs-table [--reps R] [--deployed-reps R] [--seed S] [--tasks N]\n"
            "                                    [--minutes M] [--warmup-minutes W] [--json]\n\n"
            "The Helium docs' timeout-attack table row by row: the printed stake and APR, the closed\n"
            "form with p (the docs' own), with q (a task that holds a given attacker node), and the\n"
            "simulated APR (a) under the docs' assumptions, (b) under the deployed rules with kick-out,\n"
            "(c) under the deployed rules with an attacker that re-registers.  docs/security.md.\n\n"
            "  --reps R   replications per row in (a) (default 10, at least 2)\n"
            "  --deployed-reps R  replications per row in (b) and (c) (default 3, at least 2)\n"
            "  --seed S   random seed (default 1)\n"
            "  --tasks N  at most N tasks per row and setting (default 1000000): the large rows of (a)\n"
            "             run fewer simulated days than a tight interval needs; raise it to run them longer\n"
            "  --minutes M  every run of (b), and of (c) after its 90-minute warm-up, lasts M simulated\n"
            "             minutes (default: 30 in the large rows, longer in the small ones, up to a\n"
            "             day, within --tasks)\n"
            "  --warmup-minutes W  (c) counts tasks started after W simulated minutes (default 90)\n"
            "  --json     one JSON object per row (APR in percent)\n");
}

int sec_docs_table(int argc, char **argv)
{
    dt_opts o = {.reps = 10, .deployed_reps = 3, .seed = 1, .tasks = 1000000, .warmup_min = WARMUP_C_S / 60};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        uint64_t v;
        if (!strcmp(a, "--docs-table"))
            continue;
        if (!strcmp(a, "--json")) {
            o.json = true;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if ((!strcmp(a, "--reps") || !strcmp(a, "--deployed-reps") || !strcmp(a, "--seed") ||
                    !strcmp(a, "--tasks") || !strcmp(a, "--minutes") || !strcmp(a, "--warmup-minutes")) &&
                   i + 1 < argc) {
            const char *s = argv[++i];
            bool ok = cli_parse_u64(s, &v);
            if (!strcmp(a, "--reps") && ok && v >= 2 && v <= 10000)
                o.reps = (unsigned)v;
            else if (!strcmp(a, "--deployed-reps") && ok && v >= 2 && v <= 10000)
                o.deployed_reps = (unsigned)v;
            else if (!strcmp(a, "--seed") && ok && v <= 9000000000000000ULL)
                o.seed = v;
            else if (!strcmp(a, "--tasks") && ok && v >= 1000 && v <= 1000000000ULL)
                o.tasks = v;
            else if (!strcmp(a, "--minutes") && ok && v >= 1 && v <= 14400)
                o.minutes = v;
            else if (!strcmp(a, "--warmup-minutes") && ok && v <= 14400)
                o.warmup_min = v;
            else {
                fprintf(stderr, "avrami security: %s: expected %s, got %s\n", a,
                        !strcmp(a, "--reps") || !strcmp(a, "--deployed-reps") ? "an integer in [2, 10000]"
                        : !strcmp(a, "--tasks") ? "an integer in [1000, 1000000000]"
                        : !strcmp(a, "--minutes") ? "an integer in [1, 14400]"
                        : !strcmp(a, "--warmup-minutes") ? "an integer in [0, 14400]"
                                                : "a non-negative integer",
                        s);
                return 2;
            }
        } else {
            fprintf(stderr, "avrami security: unknown option or missing value: %s\n", a);
            usage(stderr);
            return 2;
        }
    }
    dt_row *rows = calloc(SEC_DOCS_ROWS, sizeof *rows);
    if (!o.json)
        print_head(&o);
    unsigned bad = 0;
    for (unsigned i = 0; i < SEC_DOCS_ROWS; i++) {
        if (!run_row(&sec_docs_rows[i], &o, &rows[i])) {
            free(rows);
            return 2;
        }
        bad += rows[i].ra.bad_runs + rows[i].rb.bad_runs + rows[i].rc.bad_runs;
    }
    if (o.json)
        print_json(rows, SEC_DOCS_ROWS, &o);
    else
        print_text(rows, SEC_DOCS_ROWS, &o);
    free(rows);
    if (bad)
        fprintf(stderr, "avrami security: %u replications failed an invariant\n", bad);
    return bad ? 1 : 0;
}
