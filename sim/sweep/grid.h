/* Sweep grids: `--set a.b.c=v1,v2` and `--set a.b=lo:hi:step` edits of a
 * scenario, and their cartesian product.
 *
 * A path is dotted keys with array indexes (`network.cards[0].share`); the
 * values are JSON (a number, true, false, a quoted string, an array) or, when
 * they do not parse as JSON or the key already holds a string, plain text.
 * Applying a point edits the scenario's cJSON tree; the edited text is then
 * validated by scn_parse like any scenario, so an out-of-range value or an
 * unknown key is reported with its JSON path.  Prefix `grid_`. */
#ifndef AVRAMI_SWEEP_GRID_H
#define AVRAMI_SWEEP_GRID_H

#include <stdbool.h>
#include <stdint.h>

#define GRID_ERR_MAX 1024
#define GRID_MAX_POINTS 1000000u

typedef struct grid_axis {
    char *path;      /* as given: "protocol.kickout_threshold" */
    char **values;   /* each value as given (after range expansion) */
    uint32_t n;
} grid_axis;

typedef struct grid {
    grid_axis *axes; /* the first axis varies slowest */
    uint32_t n_axes;
    uint32_t points; /* product of the axes' sizes (1 with no axes) */
} grid;

/* Adds one `PATH=VALUES` spec.  VALUES is a comma-separated list (commas
 * inside brackets, braces or quotes do not split) whose items may be numeric
 * ranges lo:hi:step (inclusive of hi when hit within rounding).  False with
 * a message in err on a malformed spec, a repeated path or a grid larger
 * than GRID_MAX_POINTS. */
bool grid_add(grid *g, const char *spec, char err[GRID_ERR_MAX]);
/* Index of axis a's value at point p. */
uint32_t grid_index(const grid *g, uint32_t point, uint32_t axis);
/* The scenario text with point p's values applied (malloc'd), or NULL with
 * a message naming the --set path when the path does not lead anywhere in
 * the scenario (an index past an array's end, a key below a number). */
char *grid_apply(const grid *g, const char *scenario_text, uint32_t point, char err[GRID_ERR_MAX]);
/* {"path": value, ...} of point p (malloc'd JSON, values as JSON). */
char *grid_settings_json(const grid *g, uint32_t point);
/* "path=value path=value" of point p (malloc'd). */
char *grid_label(const grid *g, uint32_t point);
/* [{"path": ..., "values": [...]}, ...]: the whole grid, compared on resume. */
char *grid_spec_json(const grid *g);
void grid_free(grid *g);

#endif
