/* `avrami report`: a Markdown report of a run or sweep database with its
 * plots.  Prefix `report_`. */
#ifndef AVRAMI_PLOT_REPORT_H
#define AVRAMI_PLOT_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>

/* Draws the plots into DIR and writes DIR/report.md (via a temp file, so a
 * failure leaves no half report).  A sweep's report compares every point
 * with point `baseline` by paired differences.  False with a message on
 * stderr. */
bool report_write(const char *db, const char *dir, uint32_t baseline);
/* The report's tables of a run database (report_write's text without the
 * plots) written to f; false when DB cannot be opened. */
bool report_run_tables(FILE *f, const char *db);

#endif
