/* Sweeps: a grid of scenario edits × replications, run by worker processes
 * (and MPI ranks), gathered in one SQLite database.
 *
 *   cmd_sweep.c   the command: arguments, plan, resume, progress, table
 *   grid.c        --set specs and their product (grid.h)
 *   sweep_run.c   the plan (one scenario text per point) and one run
 *   sweep_db.c    the sweep database: identity check, rows, resume
 *   pool.c        forked local workers + remote MPI ranks, one dispatcher
 *   sweep_mpi.c   the MPI transport (compiled with MPI when mpicc exists)
 *   summary.c     mean and Student-t 95% interval per point and metric
 *
 * Replication r of every point draws from the streams of (seed, r), so the
 * points of one replication share their random numbers (common random
 * numbers sharpen comparisons between points) and a run's result depends on
 * (point, r) alone: the same for any number of workers or ranks.
 * Prefix `sweep_`, `sdb_`, `smpi_`. */
#ifndef AVRAMI_SWEEP_SWEEP_H
#define AVRAMI_SWEEP_SWEEP_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "run/sim.h"
#include "sweep/grid.h"
#include "util/wei.h"

/* The actors of one point (actor 0 the honest nodes, 1 + i behaviours[i]):
 * names from the point's scenario, so only figures travel with a result. */
typedef struct sweep_actor_names {
    uint32_t n;
    char **name;
    const char **kind, **mode;  /* static strings of the scenario module */
} sweep_actor_names;

typedef struct sweep_plan {
    const char *scenario_path;
    char *scenario_text;    /* the file as read */
    char *base_dir;         /* for the scenario's relative file names */
    grid g;
    char **texts;           /* per point: the scenario with its edits */
    uint32_t points, reps;
    uint64_t seed;          /* --seed, else the scenario's */
    bool seed_given;
    uint64_t duration_s;    /* 0: the scenario's */
    sweep_actor_names *actors; /* per point */
    const char *keep_dir;   /* --keep-runs: each run's database in DIR/point-P-rep-R.db */
} sweep_plan;

/* Builds every point's scenario text and validates it with scn_parse (so a
 * bad value fails before any run).  False with a message in err. */
bool sweep_plan_build(sweep_plan *p, char *err, size_t err_size);
void sweep_plan_free(sweep_plan *p);

typedef struct sweep_job {
    uint32_t point, rep;
} sweep_job;
#define SWEEP_JOB_QUIT UINT32_MAX

/* One actor's whole-run figures in one run (sim_actor_stats). */
#define SWEEP_ACTORS_MAX 251    /* 1 + the scenario's limit of 250 behaviours */
typedef struct sweep_actor {
    wei_t start, end, income, stake_lost;
    uint64_t slashes, stakes_lost, kickouts, tasks_paid, fakes, cheats_won, timeouts, aborted;
    double busy_s;
    uint32_t nodes, pad;
} sweep_actor;

/* Node income of one card in one run (sim_card_income). */
#define SWEEP_CARDS_MAX 64
typedef struct sweep_card {
    char name[64];
    uint32_t nodes, pad;
    double online_h;
    wei_t income;
} sweep_card;

/* One run's outcome; plain data, sent through pipes and MPI as bytes (the
 * ranks of one sweep run the same binary). */
typedef struct sweep_result {
    uint32_t point, rep;
    int32_t status;         /* sim_status(); -1: the run could not start */
    uint32_t pad;
    sim_metrics mx;
    sim_counts c;
    uint64_t events;
    uint32_t n_actors, pad2;
    sweep_actor actors[SWEEP_ACTORS_MAX];
    uint32_t n_cards, pad3;   /* the cards with nodes, in the scenario's order */
    sweep_card cards[SWEEP_CARDS_MAX];
} sweep_result;

void sweep_run_one(const sweep_plan *p, sweep_job j, volatile sig_atomic_t *stop, sweep_result *out);

/* The per-run figures a sweep stores and summarises, in table order. */
typedef struct sweep_metric {
    const char *column;     /* column of the runs table */
    const char *label;      /* for people */
    double lo, hi;          /* the values it can take (intervals are clipped to them) */
} sweep_metric;
#define SWEEP_METRICS 8
extern const sweep_metric SWEEP_METRIC[SWEEP_METRICS];
void sweep_metric_values(const sweep_result *r, double out[SWEEP_METRICS]);

/* Mean and half-width of the 95% Student-t interval; half is NAN for n < 2. */
void sweep_ci(const double *v, size_t n, double *mean, double *half);

#endif
