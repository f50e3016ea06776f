/* A sweep database read back: per point and metric, the number of runs,
 * the mean and the 95% Student-t half-width.  Used by `avrami sweep` (its
 * closing table), `avrami plot` and `avrami report`. */
#ifndef AVRAMI_SWEEP_SUMMARY_H
#define AVRAMI_SWEEP_SUMMARY_H

#include <stdbool.h>
#include <stdio.h>

#include "sweep/grid.h"
#include "sweep/sweep.h"

typedef struct sweep_point_stat {
    char *label;               /* "path=value ..." */
    uint32_t n;                /* finished runs */
    uint32_t violated;         /* runs whose invariants failed */
    double mean[SWEEP_METRICS], half[SWEEP_METRICS];
} sweep_point_stat;

typedef struct sweep_summary {
    grid g;                    /* the axes as stored */
    char *scenario_name;
    uint32_t points;
    sweep_point_stat *pt;
} sweep_summary;

/* False with a message in err when PATH is not a readable sweep database. */
bool sweep_summary_read(const char *path, sweep_summary *out, char *err, size_t err_size);
void sweep_summary_free(sweep_summary *s);
/* The table `avrami sweep` prints: per point, "metric  mean ± half (n)". */
void sweep_summary_print(const sweep_summary *s, FILE *out);
/* `avrami check` of a sweep database: its tables read back whole (axes,
 * points, runs within the grid), every meta key present, every run stored
 * for each point and rep, each with status 0 (1: an invariant failed), counts
 * that add up and metrics in range.  Prints one line per violation; returns
 * their number. */
int sweep_check(const char *path, FILE *out);
/* True when the file has the sweep database's meta.format. */
bool sweep_is_sweep_db(const char *path);

#endif
