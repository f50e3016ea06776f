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

/* Per point: the paired differences x[point, r] − x[baseline, r] over the
 * replications both have (common random numbers; see paired.c). */
typedef struct sweep_paired_stat {
    uint32_t n;
    double mean[SWEEP_METRICS], half[SWEEP_METRICS];
} sweep_paired_stat;

typedef struct sweep_summary {
    grid g;                    /* the axes as stored */
    char *scenario_name;
    uint32_t points;
    sweep_point_stat *pt;
    sweep_paired_stat *pd;     /* NULL until sweep_summary_pair */
    uint32_t baseline;
    uint32_t reps;             /* replications per point asked for (meta.reps) */
} sweep_summary;

/* False with a message in err when PATH is not a readable sweep database. */
bool sweep_summary_read(const char *path, sweep_summary *out, char *err, size_t err_size);
void sweep_summary_free(sweep_summary *s);
/* Fills s->pd: every point against point `baseline` (paired.c). */
bool sweep_summary_pair(const char *path, sweep_summary *s, uint32_t baseline, char *err, size_t err_size);
/* The 95% interval mean ± half clipped to the metric's bounds. */
void sweep_interval(const sweep_metric *mt, double mean, double half, double *lo, double *hi);
/* "mean ± half", or "mean [lo, hi]" when the interval had to be clipped to
 * the metric's bounds, or "mean" when half is NAN; the mean in mean_fmt, the
 * other numbers in num_fmt. */
int sweep_format_interval(char *buf, size_t cap, const sweep_metric *mt, double mean, double half,
                          const char *mean_fmt, const char *num_fmt);
/* Finished runs, and runs the sweep asks for (points x reps). */
uint64_t sweep_summary_done(const sweep_summary *s);
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
