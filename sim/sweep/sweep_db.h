/* The sweep database: one SQLite file for a whole sweep.
 *
 *   meta(key, value)            format, scenario text, grid, seed, duration_s,
 *                               version, reps (of the latest invocation)
 *   axes(axis, path, vals)      the --set axes; vals a JSON array of strings
 *   points(point, label, settings)  settings: {"path": value, ...} as JSON
 *   runs(point, rep, <one column per axis>, status, events, <metrics>,
 *        <counts>)              one row per finished run, PRIMARY KEY(point,
 *                               rep); an axis's column is named by its path
 *                               and typed INTEGER, REAL or TEXT by its values
 *   run_actors(point, rep, actor, name, kind, mode, ..., aborted)  per run
 *                               and actor: the run database's actors row
 *                               (wei as decimal text) and aborted tasks
 *   invocations(n, command, version)  every command line that added runs
 *
 * Format avrami-sweep/2; a /1 file (no parameter columns, no run_actors)
 * is refused on open, with a message saying so.
 * Identity: scenario text, grid, seed and duration.  Opening an existing
 * file with another identity is refused, so a resumed sweep never mixes
 * runs of different experiments; finished (point, rep) rows are skipped and
 * INSERTs use the primary key, so nothing is ever duplicated.  Only runs
 * that finished (status 0, or 1 for an invariant failure) are stored; an
 * interrupted run leaves no row and is redone next time.  Each row is
 * committed as it arrives (runs and run_actors rows in one transaction), so
 * a crash loses only the runs in progress.
 * Tables are WITHOUT ROWID or keyed by their index, so `sqlite3 .dump` lists
 * rows in key order whatever order the workers finished in. */
#ifndef AVRAMI_SWEEP_SWEEP_DB_H
#define AVRAMI_SWEEP_SWEEP_DB_H

#include <stdbool.h>
#include <stddef.h>

#include <sqlite3.h>

#include "sweep/sweep.h"

typedef struct sdb sdb;

/* Creates PATH or reopens it after checking its identity against the plan.
 * NULL with a message in err when it cannot be opened, is not a sweep
 * database, or belongs to another sweep. */
sdb *sdb_open(const char *path, const sweep_plan *p, const char *command, char *err, size_t err_size);
/* done[point * reps + rep] = 1 for each stored run with rep < reps.  False
 * (message in err) when a row is not a (point, rep) of this sweep. */
bool sdb_done(sdb *d, uint8_t *done, uint32_t points, uint32_t reps, char *err, size_t err_size);
bool sdb_add(sdb *d, const sweep_result *r);
/* meta.value of KEY (malloc'd), NULL when absent or not a sweep database. */
char *sdb_meta(sqlite3 *db, const char *key);
/* False when any write failed (message on stderr). */
bool sdb_close(sdb *d);

#endif
