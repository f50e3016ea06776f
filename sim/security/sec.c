/* Closed forms of the security argument and the Monte Carlo experiments
 * that check them with the full simulator (see sec.h). */
#include "protocol/edition.h"
#include "security/sec.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>

#include "run/sim.h"

static double choose(unsigned n, unsigned k)
{
    if (k > n)
        return 0;
    double c = 1;
    for (unsigned i = 1; i <= k; i++)
        c = c * (n - k + i) / i;
    return c;
}

double sec_p_win(unsigned h, unsigned d)
{
    return (choose(d, 2) * h + choose(d, 3)) / choose(h + d, 3);
}

double sec_p_win_split(unsigned n, const unsigned *d, unsigned attackers)
{
    double p = 0;
    for (unsigned i = 0; i < attackers; i++)
        p += choose(d[i], 2) * (n - d[i]) + choose(d[i], 3);
    return p / choose(n, 3);
}

double sec_q_node(unsigned h, unsigned d)
{
    return d ? 1 - choose(h, 2) / choose(h + d - 1, 2) : 0;
}

double sec_breakeven_stake(double p, double k) { return p * k / (1 - p); }

double sec_cheats_per_day(double p, double t_hat, double t)
{
    return 86400 * p / (t_hat * p + t * (1 - p));
}

double sec_return_per_day(double p, double t_hat, double t)
{
    return 86400 * (1 - p) / (t_hat * p + t * (1 - p));
}

double sec_vss_gain(double r, double w, double k, double s)
{
    return (1 - r) * k + r * (w * k - (1 - w) * s);
}

double sec_vss_breakeven_stake(double r, double w, double k)
{
    return ((1 - r) * k + r * w * k) / (r * (1 - w));
}

double sec_vss_group_share(double r) { return 3 * r / (1 + 2 * r); }

double sec_vss_win_slot(double r, unsigned h, unsigned d)
{
    return 1 - sec_vss_group_share(r) * (1 - sec_q_node(h, d));
}

const sec_docs_row sec_docs_rows[SEC_DOCS_ROWS] = {
    {7, 3, 15000.67, 451.67},      {70, 3, 15000.01, 7.15},     {700, 30, 150000.14, 10.09},
    {7000, 30, 150000.00, 0.11},   {9970, 30, 150000.00, 0.05}, {9900, 100, 500000.03, 0.62},
    {9700, 300, 1500000.80, 5.56}, {9500, 500, 2500003.65, 15.30},
};

double sec_docs_apr(double w, double p)
{
    return 100 * 365 * sec_cheats_per_day(w, SEC_DOCS_T_HAT, SEC_DOCS_T) * SEC_DOCS_K /
           (sec_breakeven_stake(p, SEC_DOCS_K) + SEC_DOCS_S_T);
}

sec_estimate sec_estimate_of(const double *v, unsigned n)
{
    sec_estimate e = {n ? gsl_stats_mean(v, 1, n) : 0, INFINITY};
    if (n > 1)
        e.half = gsl_cdf_tdist_Pinv(0.975, n - 1) * gsl_stats_sd(v, 1, n) / sqrt((double)n);
    return e;
}

bool sec_within(sec_estimate e, double x) { return fabs(x - e.mean) <= e.half; }

sec_setup sec_setup_closed_form(unsigned h, unsigned d)
{
    /* one task a minute: an sd task is done in well under that, so every
     * selection sees all nodes idle and with equal scores */
    return (sec_setup){.h = h, .d = d, .attackers = 1, .cards = SEC_ONE_CARD, .rate_per_h = 60,
                       .task_timeout_s = 900, .duration_s = 86400};
}

/* ---- the experiment as a scenario ---- */

#define C4090 "NVIDIA GeForce RTX 4090"
#define C3090 "NVIDIA GeForce RTX 3090"
#define C4080 "NVIDIA GeForce RTX 4080"

static int put(char *b, size_t cap, size_t *at, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int put(char *b, size_t cap, size_t *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = *at < cap ? vsnprintf(b + *at, cap - *at, fmt, ap) : 0;
    va_end(ap);
    if (n > 0)
        *at += (size_t)n;
    return n;
}

static bool build_json(const sec_setup *x, char *b, size_t cap)
{
    size_t at = 0;
    const char *mix = x->cards == SEC_ONE_CARD
                          ? "[{\"card\": \"" C4090 "\"}]"
                          : "[{\"card\": \"" C4090 "\", \"share\": 6}, {\"card\": \"" C3090 "\", \"share\": 3}, "
                            "{\"card\": \"" C4080 "\", \"share\": 1}]";
    const char *acard = x->cards == SEC_MIX_RARE ? C4080 : C4090;
    /* the edition's parameters: Helium's QoS settings exist only in Helium;
     * the vss edition's points are constants of QOS.sol at bd7ee24 */
    const proto_edition *ed = proto_edition_get(x->edition);
    char protocol[160];
    if (ed->id == PROTO_HELIUM)
        snprintf(protocol, sizeof protocol,
                 "\"task_timeout_s\": %u, \"task_score_rewards\": %s, \"kickout\": %s", x->task_timeout_s,
                 x->qos_weighted ? "[10, 9, 6]" : "[10, 10, 10]", x->no_kickout ? "false" : "true");
    else if (ed->qos)
        snprintf(protocol, sizeof protocol, "\"edition\": \"%s\", \"task_timeout_s\": %u, \"kickout\": %s",
                 ed->name, x->task_timeout_s, x->no_kickout ? "false" : "true");
    else
        snprintf(protocol, sizeof protocol, "\"edition\": \"%s\", \"task_timeout_s\": %u", ed->name,
                 x->task_timeout_s);
    /* a node gives up on a stuck task just after the chain lets it */
    put(b, cap, &at,
        "{\"name\": \"security\", \"duration_s\": %llu, \"timing\": {\"noise_sigma\": 0},"
        " \"protocol\": {%s},"
        " \"network\": {\"nodes\": %u, \"cards\": %s, \"honest_rejoin\": true, \"node_cancel_after_s\": %u,"
        " \"churn\": {\"quit_rate_per_h\": %g, \"join_rate_per_h\": %g}, \"behaviours\": [",
        (unsigned long long)x->duration_s, protocol, x->h, mix,
        x->cancel_after_s ? x->cancel_after_s : x->task_timeout_s + 5, x->quit_rate_per_h,
        x->quit_rate_per_h * x->h);
    unsigned left = x->d, groups = x->attackers ? x->attackers : 1;
    for (unsigned i = 0; i < groups; i++) {
        unsigned n = left / (groups - i);
        left -= n;
        put(b, cap, &at,
            "%s{\"kind\": \"colluders\", \"name\": \"attacker-%u\", \"nodes\": %u, \"card\": \"%s\","
            " \"mode\": \"%s\", \"rejoin\": %s}",
            i ? ", " : "", i, n, acard,
            x->always ? "always" : x->timeout_attack ? "timeout-attack" : "cheat-when-two",
            x->attacker_rejoin ? "true" : "false");
    }
    put(b, cap, &at,
        "]}, \"applications\": [{\"name\": \"app\", \"arrival\": {\"process\": \"%s\", \"rate_per_h\": %.17g},"
        " \"resubmit_after_abort\": false, \"tasks\": [{\"type\": \"%s\",",
        x->poisson ? "poisson" : "periodic", x->rate_per_h, x->gpt ? "gpt" : "sd");
    if (x->exec_s > 0) /* the whole time in the execution: one image, small transfers */
        put(b, cap, &at, " \"exec_base_s\": %.17g, \"exec_per_unit_s\": 0, \"result_kb_per_unit\": 10,", x->exec_s);
    put(b, cap, &at, " \"fee\": {\"dist\": \"fixed\", \"wei\": \"%s\"}}]}]}",
        x->fee_wei ? x->fee_wei : "1000000000000000000");
    return at < cap;
}

/* Attacker identities of one run: kick-outs (join -> kick-out times); its
 * slots and won slots in tasks started from `from` s on, and of the won
 * ones those of freshly joined identities. */
static void lives(const sim *m, double from, sec_result *out, double *kick_s, uint64_t *slots, uint64_t *won)
{
    sim_counts cnt;
    sim_get_counts(m, &cnt);
    for (uint32_t i = 0; i < cnt.nodes; i++) {
        sim_node_info ni;
        sim_get_node(m, i, &ni);
        if (!ni.actor)
            continue;
        out->identities++;
        if (ni.kicked_out && ni.joined_s >= 0 && ni.left_s >= 0) {
            double t = ni.left_s - ni.joined_s;
            out->kickouts++;
            *kick_s += t;
            out->kick_min_s = fmin(out->kick_min_s, t);
            out->kick_max_s = fmax(out->kick_max_s, t);
        }
    }
    for (uint64_t i = 0; i < sim_tasks(m); i++) {
        sim_task_info ti;
        sim_get_task(m, i, &ti);
        if (ti.started_s < from)
            continue;
        for (int k = 0; k < 3; k++) {
            if (ti.nodes[k] == UINT32_MAX)
                continue;
            sim_node_info ni;
            sim_get_node(m, ti.nodes[k], &ni);
            if (!ni.actor)
                continue;
            ++*slots;
            if (!ti.wrong)
                continue;
            ++*won;
            out->won_slots++;
            out->won_slots_fresh += ti.started_s - ni.joined_s <= SEC_FRESH_S;
        }
    }
}

bool sec_run(const sec_setup *x, uint64_t seed, unsigned reps, sec_result *out, char *err)
{
    memset(out, 0, sizeof *out);
    char json[4096], serr[SCN_ERR_MAX];
    scn s;
    if (!reps || !x->d || !build_json(x, json, sizeof json) ||
        !scn_parse(json, "(security experiment)", ".", &s, serr)) {
        snprintf(err, 256, "%.255s", reps && x->d ? serr : "expected at least one replication and attacker node");
        return false;
    }
    double *p = calloc(reps, sizeof *p), *q = calloc(reps, sizeof *q), *c = calloc(reps, sizeof *c);
    double *cn = calloc(reps, sizeof *cn), *in = calloc(reps, sizeof *in);
    double won_s = 0, other_s = 0, wins = 0, others = 0, income = 0, kick_s = 0;
    out->kick_min_s = INFINITY;
    for (unsigned r = 0; r < reps; r++) {
        sim_opts o = {.seed = seed, .replication = r};
        sim *m = sim_run(&s, &o);
        if (!m) {
            snprintf(err, 256, "the simulation could not be set up");
            scn_free(&s);
            free(p), free(q), free(c), free(cn), free(in);
            return false;
        }
        out->bad_runs += sim_status(m) != 0;
        sim_app_harm hm;
        sim_get_app_harm(m, 0, &hm);
        uint64_t cheats = 0, slots = 0;
        double busy = 0, won = 0, rep_income = 0;
        for (uint32_t a = 1; a < scn_actors(&s); a++) {
            sim_actor_stats st;
            sim_get_actor(m, a, &st);
            cheats += st.node_cheats;
            slots += st.node_tasks;
            busy += st.busy_s;
            won += st.won_busy_s;
            income += (double)st.income;
            rep_income += (double)st.income;
        }
        uint64_t w_slots = 0, w_won = 0;
        lives(m, (double)x->warmup_s, out, &kick_s, &w_slots, &w_won);
        bool gone = true; /* every attacker identity left: nothing more to earn */
        sim_counts cnt;
        sim_get_counts(m, &cnt);
        for (uint32_t i = 0; i < cnt.nodes && gone; i++) {
            sim_node_info ni;
            sim_get_node(m, i, &ni);
            gone = !ni.actor || ni.left_s >= 0;
        }
        double days = (double)x->duration_s / 86400;
        days = gone && days < 1 ? 1 : days;
        cn[r] = (double)cheats / (x->d * days);
        in[r] = rep_income / 1e18 / (x->d * days);
        out->tasks += hm.started;
        p[r] = hm.started ? (double)hm.wrong / (double)hm.started : 0;
        q[r] = slots ? (double)cheats / (double)slots : 0;
        if (x->warmup_s) { /* the window after the warm-up; income at the run's mean per won slot */
            double k = cheats ? rep_income / 1e18 / (double)cheats : 0;
            days = (double)(x->duration_s - x->warmup_s) / 86400;
            cn[r] = (double)w_won / (x->d * days);
            in[r] = cn[r] * k;
            q[r] = w_slots ? (double)w_won / (double)w_slots : 0;
        }
        c[r] = busy > 0 ? 86400.0 * (double)cheats / busy : 0;
        won_s += won;
        other_s += busy - won;
        wins += (double)cheats;
        others += (double)(slots - cheats);
        sim_free(m);
    }
    out->p_task = sec_estimate_of(p, reps);
    out->q_node = sec_estimate_of(q, reps);
    out->cheats_day = sec_estimate_of(c, reps);
    out->t_hat = wins ? won_s / wins : 0;
    out->t_out = others ? other_s / others : 0;
    out->k_wei = wins ? income / wins : 0;
    out->cheats_node_day = sec_estimate_of(cn, reps);
    out->income_node_day = sec_estimate_of(in, reps);
    out->kick_mean_s = out->kickouts ? kick_s / (double)out->kickouts : 0;
    if (!out->kickouts)
        out->kick_min_s = 0;
    free(p), free(q), free(c), free(cn), free(in);
    scn_free(&s);
    return true;
}
