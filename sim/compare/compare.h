/* `avrami compare`: one workload under several protocol editions.
 *
 *   cmd_compare.c  the command: its arguments become a sweep whose only
 *                  varying axis is protocol.edition (first axis, the first
 *                  edition the baseline), run by the sweep machinery into
 *                  one sweep database (resumable, identical for any -j and
 *                  MPI rank count, read by report, plot, export, check)
 *   compare.c      the closing table, read back from that database: per
 *                  metric and edition the mean with its 95% interval and the
 *                  paired difference from the first edition with its own
 *                  interval (replication r of every edition shares the
 *                  random streams of (seed, r): common random numbers)
 * Prefix `compare_`. */
#ifndef AVRAMI_COMPARE_COMPARE_H
#define AVRAMI_COMPARE_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* The figures compare adds to the sweep's own metrics: income concentration
 * from run_income, and from run_actors, per run, sums over the actors named. */
typedef enum compare_extra {
    COMPARE_COST_PER_TASK,   /* CNX: fees nodes earned (all actors) / tasks succeeded */
    COMPARE_INCOME_GINI,     /* run_income: Gini of node income over identities */
    COMPARE_INCOME_TOP10,    /* run_income: the top 10 % identities' share */
    COMPARE_ATTACKER_PROFIT, /* CNX: end - start of every non-honest actor */
    COMPARE_WRONG_ACCEPTED,  /* tasks whose accepted result was a fake */
    COMPARE_HONEST_SLASHED,  /* slashes of honest nodes */
    COMPARE_HONEST_KICKED,   /* kick-outs of honest nodes */
    COMPARE_EXTRAS
} compare_extra;

/* Prints the comparison table of the sweep database at path (its first axis
 * the editions, point 0 the baseline).  False with a message in err when the
 * database cannot be read. */
bool compare_print(const char *path, FILE *out, char *err, size_t err_size);

#endif
