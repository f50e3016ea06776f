/* Internal to `avrami check` (res_check.c, res_check_money.c): the
 * checker's state, its reporting and column helpers, and the checks of the
 * money tables. */
#ifndef AVRAMI_RESULTS_RES_CHECK_H
#define AVRAMI_RESULTS_RES_CHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <sqlite3.h>

#include "util/wei.h"

typedef struct chk {
    sqlite3 *db;
    FILE *out;
    const char *path;
    int bad;
    /* The edition's tasks hold one node each, and a row is a request of up
     * to three tasks that start apart (vss: the sampled request and the
     * application's two extra tasks, each with its own fee). */
    bool seat_per_task;
} chk;

typedef struct meta {
    wei_t supply0, supply1, owner0, owner1, stranded, too_cheap;
    /* the Relay editions (optional keys, 0 when absent): fees of
     * invalidated tasks its own account kept, and what group payments paid
     * above the fee out of that account */
    wei_t relay_kept, relay_excess;
    uint64_t until_us, double_uploads;
} meta;

typedef struct sums {
    uint64_t n_nodes;
    wei_t *income; /* per node, from the task rows */
    bool *income_ok;
    wei_t escrow;  /* Σ over tasks */
    bool escrow_ok;
} sums;

/* One violation, "PATH: message" (the first 40 printed, all counted). */
void rc_viol(chk *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A prepared statement, or NULL after reporting why. */
sqlite3_stmt *rc_query(chk *c, const char *sql);
/* Column i as decimal wei / a non-negative integer; a violation otherwise. */
bool rc_col_wei(chk *c, sqlite3_stmt *st, int i, wei_t *v, const char *what, long long row);
bool rc_col_u64(chk *c, sqlite3_stmt *st, int i, uint64_t *v, const char *what, long long row);
/* Column i as text, "" for NULL. */
const char *rc_col_str(sqlite3_stmt *st, int i);
/* acc += v, overflow-checked: a sum past 128 bits is a violation and clears *ok. */
void rc_add(chk *c, wei_t *acc, bool *ok, wei_t v, const char *what);
/* A violation "fmt(a): recorded have, derived want" unless equal. */
void rc_expect_eq(chk *c, wei_t have, wei_t want, const char *fmt, const char *a);

/* res_check_money.c */
bool rc_node_count(chk *c, sums *s);
void rc_tasks(chk *c, sums *s);
void rc_nodes(chk *c, const sums *s, wei_t *lost_all, wei_t *locked_all);
void rc_accounts(chk *c, const meta *m, const sums *s, wei_t lost_all, wei_t locked_all);
void rc_apps(chk *c, const meta *m);
void rc_actors(chk *c);

#endif
