/* The simulation of a Helium network: agents (nodes, applications) send
 * transactions that reach the protocol model in blocks; the contracts'
 * events reach the agents after an observation delay.
 *
 *   agents --tx--> mempool --(next block)--> proto --events--> observation
 *     ^                                                       queue
 *     +----------------(observation delay)--------------------+
 *
 * Each run writes one results database and can print a summary. */
#ifndef AVRAMI_RUN_SIM_H
#define AVRAMI_RUN_SIM_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "agents/agt.h"
#include "scenario/scn.h"

/* Where a run spends its time, for a sampling profiler (bench_sim): with
 * sim_opts.phase set, the simulator stores the current phase there as it
 * moves between them; a SIGPROF handler reads it.  engine: taking the next
 * event (scheduling is counted with its caller); protocol: the contracts
 * applying a transaction; agents: nodes and applications deciding (result
 * bytes included); chain: blocks, booking events, the series, invariants. */
typedef enum sim_phase {
    SIM_PH_SETUP, SIM_PH_ENGINE, SIM_PH_PROTOCOL, SIM_PH_AGENTS, SIM_PH_CHAIN, SIM_PH_COUNT
} sim_phase;
#define SIM_HAVE_PHASES 1

typedef struct sim_opts {
    uint64_t seed;
    uint32_t replication;
    uint64_t duration_s;          /* 0: the scenario's */
    const char *out_path;         /* NULL: no database */
    bool paranoid;                /* invariants after every event */
    bool progress;                /* progress line on stderr */
    volatile sig_atomic_t *stop;  /* set asynchronously to end early */
    agt_timing timing;            /* .exec_s NULL: the scenario's timing.model */
    volatile sig_atomic_t *phase; /* non-NULL: the current sim_phase, kept up to date */
} sim_opts;

typedef struct sim sim;

/* Runs to the end (or until *stop) and keeps the state for the summary.
 * Returns NULL on setup failure (message on stderr). */
sim *sim_run(const scn *s, const sim_opts *o);
/* 0: complete and all invariants held; 1: an invariant failed;
 * 3: interrupted; 4: results database could not be written. */
int sim_status(const sim *m);
void sim_summary(const sim *m, FILE *out);
typedef struct sim_counts {
    uint64_t submitted, succeeded, aborted, rejected, open, resubmits;
    uint64_t kickouts, slashes, nodes;
} sim_counts;
void sim_get_counts(const sim *m, sim_counts *out);
/* Headline figures of one run, for comparing replications (tasks created
 * after warm-up; node income over all online time). */
typedef struct sim_metrics {
    double success_share;     /* succeeded / finished */
    double wait_median_s, wait_p95_s;
    double utilization;       /* busy / online node-minutes after warm-up */
    double income_cnx_per_node_h;
    /* concentration of income over the node identities that joined: the
     * Gini coefficient and the share of the top 10 % (ceil) of identities */
    double income_gini, income_top10_share;
} sim_metrics;
void sim_get_metrics(const sim *m, sim_metrics *out);
/* Node income by card (an index into the scenario's cards): the identities
 * that joined with it, their online hours (to the end or their leaving)
 * and the fees they earned (the summary's "node income by card"). */
typedef struct sim_card_income {
    uint32_t nodes;
    double online_h;
    wei_t income;
} sim_card_income;
void sim_get_card_income(const sim *m, uint32_t card, sim_card_income *out);
/* Results of one actor: actor 0 is the honest nodes, 1 + i the scenario's
 * behaviours[i].  Amounts are exact wei; times are node-task seconds. */
typedef struct sim_actor_stats {
    const char *name, *kind, *mode; /* mode: colluders only, else "" */
    uint32_t nodes;            /* identities (a rejoin is a new one) */
    wei_t start, end;          /* Σ opening balances; Σ balance + locked stake at the end */
    wei_t income, stake_lost;  /* fees earned; stakes taken by slashing */
    uint64_t slashes;          /* TaskNodeSlashed: times slashed in a task */
    uint64_t stakes_lost;      /* NodeSlashed: identities whose stake went to the owner */
    uint64_t kickouts, tasks_paid;
    uint64_t fakes;            /* fake results submitted (per node) */
    uint64_t cheats_won;       /* tasks whose accepted result was this actor's fake */
    uint64_t node_cheats;      /* node-task slots whose fake was accepted */
    uint64_t node_tasks;       /* node-task slots */
    uint64_t silences;         /* node-task slots it let time out */
    uint64_t aborted;          /* aborted tasks one of its nodes was selected for */
    double busy_s;             /* Σ over slots: start -> release (or the end) */
    double won_busy_s;         /* of it, in slots whose fake was accepted */
} sim_actor_stats;
void sim_get_actor(const sim *m, uint32_t actor, sim_actor_stats *out);
/* Per application: the harm done by non-honest nodes. */
typedef struct sim_app_harm {
    uint64_t tasks;            /* requests */
    uint64_t started;          /* requests that started on three nodes */
    uint64_t wrong;            /* succeeded with a fake result */
    uint64_t aborted_faulty;   /* aborted with a non-honest node selected */
    uint64_t delayed;          /* resubmissions of those */
    double lost_s;             /* Σ creation -> abort of those */
} sim_app_harm;
void sim_get_app_harm(const sim *m, uint32_t app, sim_app_harm *out);

/* One node identity (index < sim_counts.nodes) and one task request
 * (index < sim_tasks), for analyses that need more than the totals. */
typedef struct sim_node_info {
    double joined_s, left_s;   /* -1: never joined / still online */
    uint8_t actor;
    bool kicked_out;
} sim_node_info;
void sim_get_node(const sim *m, uint32_t i, sim_node_info *out);
typedef struct sim_task_info {
    double started_s;          /* -1: never started */
    uint32_t nodes[3];         /* node indices by round (UINT32_MAX: none) */
    bool wrong;                /* succeeded with a fake result */
} sim_task_info;
void sim_get_task(const sim *m, uint64_t i, sim_task_info *out);

/* Figures for benchmarks. */
uint64_t sim_events(const sim *m);
uint64_t sim_tasks(const sim *m);
void sim_free(sim *m);

#endif
