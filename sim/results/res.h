/* Results: one SQLite database per run.
 *
 * The database is written under PATH.tmp and renamed to PATH only by
 * res_close(), so a crash leaves no file that looks like a finished run; an
 * interrupted run is closed with complete = 0 in its run table.  All rows go
 * through prepared statements inside one transaction (journal off: the temp
 * file is disposable until the rename).
 *
 * Tables:
 *   run(key, value)          scenario text, seed, version, complete, totals
 *   tasks(...)               one row per task the applications created
 *   nodes(...)               one row per node that ever existed
 *   series(minute, ...)      per simulated minute: queue, nodes, throughput,
 *                            kick-outs and slashes
 *   invariants(name, ok, detail)
 *   reverts(tx, reason, count)
 *   actors(...)              per actor (honest nodes, each behaviour group):
 *                            money in wei, slashes, kick-outs, cheats won
 *   node_actors(node, actor) nodes that are not honest
 *   app_harm(...)            per application: wrong results accepted, aborts
 *                            and resubmissions caused by non-honest nodes
 *   accounts(...)            every token account: opening and closing balance,
 *                            locked stake and stake lost (what `check` needs to
 *                            re-derive the supply, the escrow and each account)
 * Times are simulated seconds (REAL, microsecond resolution); NULL = never.
 * Amounts are decimal wei as TEXT. */
#ifndef AVRAMI_RESULTS_RES_H
#define AVRAMI_RESULTS_RES_H

#include <stdbool.h>
#include <stdint.h>

#include "util/wei.h"

typedef struct res res;

typedef struct res_task_row {
    uint64_t id;           /* the contract's task id (0 when never created) */
    uint64_t seq;          /* the simulator's request number */
    const char *app, *type, *model;
    uint32_t size;
    wei_t fee;
    uint64_t cap_s;
    wei_t value;           /* fee / cap, wei per second */
    int64_t created_us, queued_us, started_us, commits_us, success_us, uploaded_us, finished_us;
    const char *outcome;   /* success, aborted, rejected, open */
    const char *reason;    /* abort or revert reason, or NULL */
    uint32_t nodes[3];     /* node ids by round (UINT32_MAX = none) */
    int64_t freed_us[3];   /* when each node was released from the task */
    int64_t commit_us[3], disclose_us[3]; /* each round's commitment / disclosure */
    int64_t resubmit_of;   /* request number, or -1 */
    wei_t paid[3];         /* fees paid to each round's node (by TaskNodeSuccess) */
    wei_t escrow;          /* what the Task contract still holds for it at the end */
} res_task_row;

typedef struct res_node_row {
    uint32_t id;
    uint32_t account;
    const char *card;
    int64_t joined_us, left_us; /* -1 = never */
    const char *left_why;
    wei_t income;
    uint32_t tasks, slashed;
    uint64_t final_qos;
    const char *final_status;
} res_node_row;

typedef struct res_series_row {
    uint32_t minute;
    uint32_t queue, available, busy, paused, online;
    uint32_t created, started, finished;
    uint32_t kickouts, slashes; /* nodes kicked out, task slashes in the minute */
} res_series_row;

typedef struct res_actor_row {
    uint32_t actor;        /* 0 honest, 1 + behaviour index */
    const char *name, *kind, *mode;
    uint32_t nodes;
    wei_t start, end;      /* Σ opening balances; Σ balance + locked stake at the end */
    wei_t income, stake_lost;
    const char *profit;    /* signed decimal wei: income − stake lost */
    uint64_t slashes, stakes_lost, kickouts, tasks_paid, fakes, cheats_won, timeouts;
    double busy_s;
} res_actor_row;

/* One token account at the start and the end of the run.  kind: "task
 * contract", "node contract", "owner", "application" (name = its name) or
 * "node" (name = the node id).  locked: the stake the Node contract holds for
 * a node at the end; stake_lost: the stake a slash took from it; fees: what an
 * application paid into the Task contract for the tasks it created. */
typedef struct res_account_row {
    uint32_t account;
    const char *kind, *name;
    wei_t start, end, locked, stake_lost, fees;
} res_account_row;

/* The schema every results database has (the checker compares against it). */
extern const char RES_SCHEMA[];

/* The invariants every run records, in this order (one row each). */
enum { RES_INV_SUPPLY, RES_INV_ESCROW, RES_INV_TWO_TASKS, RES_INV_QUEUE, RES_INV_ACCOUNTS, RES_INV_TERMINAL,
       RES_INV_SERIES, RES_N_INVARIANTS };
extern const char *const RES_INVARIANTS[RES_N_INVARIANTS];

/* Creates PATH.tmp (replacing any old one) and the schema.  NULL on error
 * (message in err, 256 bytes). */
res *res_open(const char *path, char *err);
bool res_meta(res *r, const char *key, const char *value);
bool res_meta_u64(res *r, const char *key, uint64_t value);
bool res_meta_wei(res *r, const char *key, wei_t value);
bool res_task(res *r, const res_task_row *row);
bool res_node(res *r, const res_node_row *row);
bool res_series(res *r, const res_series_row *row);
bool res_invariant(res *r, const char *name, bool ok, const char *detail);
bool res_revert(res *r, const char *tx, const char *reason, uint64_t count);
bool res_actor(res *r, const res_actor_row *row);
bool res_node_actor(res *r, uint32_t node, uint32_t actor);
bool res_account(res *r, const res_account_row *row);
bool res_app_harm(res *r, const char *app, uint64_t tasks, uint64_t wrong, uint64_t aborted,
                  uint64_t resubmitted, double lost_s);
/* Writes complete = 0/1, commits, closes and renames PATH.tmp to PATH.
 * Returns false (and removes the temp file) on any earlier write error. */
bool res_close(res *r, bool complete);
/* Drops the temp file without renaming. */
void res_abandon(res *r);

/* `avrami check` (res_check.c): re-derives what a finished database claims
 * from its own rows.  Prints one line per violation to out; returns the
 * number of violations, or -1 when the file cannot be opened as an SQLite
 * database at all. */
int res_check(const char *path, void *out_file);
/* True when PATH is a run database whose run did not complete (interrupted
 * or failed): readers that use it anyway (plot, report, export) say so. */
bool res_incomplete(const char *path);

#endif
