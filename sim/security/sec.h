/* The security analysis: the closed forms of the Helium security argument
 * (../shared/PROTOCOL.md, last section) and Monte Carlo experiments that
 * run the full simulator to estimate the same figures.
 *
 * Closed forms, for h honest and d attacker nodes, task price k, normal
 * task time t̂ and timeout t:
 *   p(h, d) = (C(d,2)·C(h,1) + C(d,3)) / C(h+d, 3)    attacker wins a task
 *   s = p·k / (1 − p)                                 break-even stake
 *   n_m = 86400·p / (t̂·p + t·(1 − p))                 timeout attack: cheats/day
 *   r = 86400·(1 − p) / (t̂·p + t·(1 − p))             its daily return on the
 *                                                     break-even stake (n_m·k/s)
 * The timeout-attack forms describe one malicious node that is always in
 * a task; a task that holds a given attacker node is won with the
 * conditional probability q(h, d) = 1 − C(h,2)/C(h+d−1,2), not p (see
 * docs/security.md). */
#ifndef AVRAMI_SECURITY_SEC_H
#define AVRAMI_SECURITY_SEC_H

#include <stdbool.h>
#include <stdint.h>

#include "protocol/proto.h"

double sec_p_win(unsigned h, unsigned d);
/* Several independent attackers with d[i] nodes each among n nodes in
 * all: a task is won by one of them with Σ_i (C(d_i,2)(n−d_i) + C(d_i,3)) / C(n,3)
 * (two attackers cannot both hold two of three seats). */
double sec_p_win_split(unsigned n, const unsigned *d, unsigned attackers);
double sec_q_node(unsigned h, unsigned d);
double sec_breakeven_stake(double p, double k);
double sec_cheats_per_day(double p, double t_hat, double t);
double sec_return_per_day(double p, double t_hat, double t);

/* VSS (crynux-network/documentation, system-design/consensus-protocol
 * README, "Verifiable Secret Sampling"): a task is validated with
 * probability r (on chain at bd7ee24: samplingNumber % 10 == 0, r = 0.1);
 * an attacker node that cheats gains k when its task is not sampled, and in
 * a sampled group wins k with probability w (holding two of three tasks) or
 * loses its stake s:
 *   E = (1 − r)·k + r·(w·k − (1 − w)·s)
 *   break-even stake s = ((1 − r)·k + r·w·k) / (r·(1 − w))
 * The docs take w = p(h, d).  The task the cheating node holds is one of the
 * group's three; the two extra tasks go to two of the other h + d − 1 nodes,
 * so the node's own chance is q(h, d) (sec_q_node), as in the timeout
 * attack. */
double sec_vss_gain(double r, double w, double k, double s);
double sec_vss_breakeven_stake(double r, double w, double k);
/* The share of tasks that belong to validation groups when a share r of
 * requests is validated with two extra tasks: 3r / (1 + 2r) (0.25 for
 * r = 0.1).  A node sees tasks, not requests: the sampling rate its own
 * task faces is this, not r. */
double sec_vss_group_share(double r);
/* The chance an always-cheating attacker node wins a task it holds:
 * 1 − g·(1 − q(h, d)) with g = sec_vss_group_share(r). */
double sec_vss_win_slot(double r, unsigned h, unsigned d);

/* Mean of per-replication values and the 95% confidence half-width
 * (Student t with n − 1 degrees of freedom). */
typedef struct sec_estimate { double mean, half; } sec_estimate;
sec_estimate sec_estimate_of(const double *v, unsigned n);
/* Whether x lies in the estimate's interval. */
bool sec_within(sec_estimate e, double x);

/* One experiment: a network built for the question asked. */
typedef enum sec_cards {
    SEC_ONE_CARD,     /* every node on an RTX 4090 */
    SEC_MIX_POPULAR,  /* honest mix 60/30/10 % over 4090/3090/4080; attacker on the 4090 */
    SEC_MIX_RARE,     /* same mix; attacker on the 4080 */
} sec_cards;

typedef struct sec_setup {
    proto_edition_id edition; /* the rule set the experiment runs under (0: Helium) */
    unsigned h, d;
    unsigned attackers;     /* independent attackers sharing d (1 = one) */
    bool timeout_attack;    /* mode timeout-attack, else cheat-when-two */
    bool always;            /* mode always (every task forged; the VSS rows) */
    bool qos_weighted;      /* Helium's 10/9/6 points (else 10/10/10: equal scores) */
    bool attacker_rejoin;   /* fresh identity after a timeout or kick-out */
    bool gpt;               /* gpt tasks (same-card rule), else sd */
    sec_cards cards;
    double rate_per_h;      /* task arrivals */
    bool poisson;           /* Poisson arrivals, else periodic (no overlap) */
    unsigned task_timeout_s;
    double quit_rate_per_h; /* honest churn: quits (replaced by joins at the same total rate) */
    uint64_t duration_s;
    bool no_kickout;        /* protocol.kickout false */
    double exec_s;          /* sd execution time of one image (s); 0: the scenario default */
    const char *fee_wei;    /* task fee; NULL: 1 CNX */
    unsigned cancel_after_s;/* a held-up node cancels after this; 0: task_timeout_s + 5 */
    uint64_t warmup_s;      /* > 0: q_node, cheats_node_day, income_node_day and the won slots
                               count only tasks started from then on (< duration_s) */
} sec_setup;

/* The closed-form assumptions: uniform selection (equal scores), an idle
 * network at every selection (tasks never overlap), sd tasks, one card. */
sec_setup sec_setup_closed_form(unsigned h, unsigned d);

typedef struct sec_result {
    sec_estimate p_task;     /* share of started tasks won with a fake result */
    sec_estimate q_node;     /* share of attacker node-task slots won */
    sec_estimate cheats_day; /* per attacker node per busy day: 86400·wins / busy s */
    double t_hat, t_out;     /* mean busy s of an attacker slot, won / not won */
    double k_wei;            /* mean attacker income per won slot (wei, display) */
    uint64_t tasks;          /* started tasks over all replications */
    unsigned bad_runs;       /* replications with a failed invariant */
    /* per attacker node (d of them) per day of the run, or per day when
     * every attacker identity was gone before the run ended (no income
     * can follow), over the replications */
    sec_estimate cheats_node_day, income_node_day; /* income in CNX */
    uint64_t identities;     /* attacker identities (re-registrations are new ones) */
    uint64_t kickouts;       /* of them kicked out */
    double kick_mean_s, kick_min_s, kick_max_s; /* join -> kick-out */
    uint64_t won_slots;      /* attacker slots in tasks won with a fake result */
    uint64_t won_slots_fresh;/* of them, identities that joined <= SEC_FRESH_S before the start */
} sec_result;
#define SEC_FRESH_S 10.0

/* Runs `reps` replications (seed, 0..reps−1).  false with a message in err
 * (256 bytes) when the experiment cannot be set up. */
bool sec_run(const sec_setup *x, uint64_t seed, unsigned reps, sec_result *out, char *err);

/* The Helium docs' worked timeout-attack example (crynux-network/documentation,
 * system-design/consensus-protocol.md at 12e66d7, "Expectation of the Income
 * by Timeout Attack"): task price 3 CNX, so k = 1 CNX per node; t̂ = 60 s,
 * t = 300 s, an extra timeout stake s_t = 5000 CNX per node.  The docs'
 * printed rows: honest h, malicious d, "No. staking total (T)" in CNX and
 * the APR in percent. */
typedef struct sec_docs_row { unsigned h, d; double stake_total, apr; } sec_docs_row;
#define SEC_DOCS_ROWS 8
extern const sec_docs_row sec_docs_rows[SEC_DOCS_ROWS];
#define SEC_DOCS_K 1.0
#define SEC_DOCS_T_HAT 60.0
#define SEC_DOCS_T 300.0
#define SEC_DOCS_S_T 5000.0
/* The docs' APR in percent: 365 · n_m(w) · k / (s + s_t), with n_m the
 * cheats per day at win probability w and s = p·k/(1 − p) the break-even
 * stake at the task win probability p (the docs' w is p). */
double sec_docs_apr(double w, double p);
/* The settings of the docs table (sec_docs.c) for row (h, d): 'a' the docs'
 * assumptions, 'b' the deployed rules with kick-out, 'c' the deployed rules
 * with an attacker that re-registers; sized for at most `tasks` tasks over
 * `reps` replications where the row allows. */
sec_setup sec_docs_setup(unsigned h, unsigned d, char which, unsigned reps, uint64_t tasks);
/* `avrami security --docs-table ...` (sec_docs.c). */
int sec_docs_table(int argc, char **argv);

#endif
