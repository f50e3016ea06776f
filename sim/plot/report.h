/* `avrami report`: a Markdown report of a run or sweep database with its
 * plots.  Prefix `report_`. */
#ifndef AVRAMI_PLOT_REPORT_H
#define AVRAMI_PLOT_REPORT_H

#include <stdbool.h>

/* Draws the plots into DIR and writes DIR/report.md (via a temp file, so a
 * failure leaves no half report).  False with a message on stderr. */
bool report_write(const char *db, const char *dir);

#endif
