/* Plots of a run or sweep database with gnuplot (scripts in plots/).
 *
 * The data each plot needs is written as TSV beside the pictures
 * (DIR/NAME.tsv), then gnuplot draws DIR/NAME.png and DIR/NAME.svg from
 * plots/NAME.gp, run inside DIR.  plots/ is found from $AVRAMI_PLOTS, else
 * ./plots, else next to the executable (../plots).  Prefix `plot_`. */
#ifndef AVRAMI_PLOT_PLOT_H
#define AVRAMI_PLOT_PLOT_H

#include <stdbool.h>
#include <stdint.h>

#define PLOT_MAX 32

typedef struct plot_list {
    int n;
    char name[PLOT_MAX][64];   /* file stems: NAME.png, NAME.svg */
    char title[PLOT_MAX][256];
} plot_list;

/* Writes every plot of DB into DIR (created if missing).  False with a
 * message on stderr when DB cannot be read or gnuplot fails. */
bool plot_db(const char *db, const char *dir, uint32_t baseline, plot_list *out);
/* What plot_db reads from a run database, without drawing: the TSV of
 * every run plot in DIR (which must exist).  False with a message on
 * stderr when DB cannot be read. */
bool plot_run_data(const char *db, const char *dir);

#endif
