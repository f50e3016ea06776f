/* The per-minute series under heavy re-registration: every row must equal
 * a recount from the tasks and nodes tables of the same database, and the
 * node counts must partition the online nodes (so utilization <= 1).  Each
 * row is sampled at (minute + 1) · 60 s, before the block of that second
 * (the sample was scheduled first), so a chain event at exactly t belongs
 * to the next row.  The last row is written by the run's end event, which
 * comes before everything else at that time: the recount leaves out the
 * requests whose create had not reached a block by then (no id, still
 * open), which keep the time they were sent.  Before the counts were
 * taken this way, slashed nodes stayed "busy" in NetworkStats' count and
 * `paused` wrapped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "run/sim.h"

/* 20 honest nodes; an attacker that fakes every result and registers a
 * fresh node after each slash (hundreds of slashed, re-registered nodes);
 * a timeout attacker that keeps its identities and is kicked out. */
static const char SCENARIO[] =
    "{\"name\": \"series-recount\", \"seed\": 5, \"duration_s\": 14400,"
    " \"network\": {\"nodes\": 20, \"cards\": [{\"card\": \"NVIDIA GeForce RTX 4090\"}], \"honest_rejoin\": true,"
    "  \"behaviours\": [{\"kind\": \"colluders\", \"name\": \"always\", \"nodes\": 6, \"mode\": \"always\","
    "                   \"rejoin\": true},"
    "                  {\"kind\": \"colluders\", \"name\": \"silent\", \"nodes\": 4, \"mode\": \"timeout-attack\"}]},"
    " \"applications\": [{\"name\": \"app\", \"arrival\": {\"process\": \"poisson\", \"rate_per_h\": 1200},"
    "  \"tasks\": [{\"type\": \"sd\", \"fee\": {\"dist\": \"fixed\", \"wei\": \"1000000000000000000\"}}]}]}";

#define SLOT(k)                                                                                   \
    "(SELECT count(*) FROM tasks k WHERE k.started_s < s.t AND k.node" #k " IS NOT NULL"         \
    " AND (k.freed" #k "_s IS NULL OR k.freed" #k "_s >= s.t))"
#define IN_MINUTE(col) " >= s.t - 60 AND " col " < s.t"

static const char RECOUNT[] =
    "WITH s AS (SELECT (minute + 1) * 60.0 AS t, * FROM series), r AS (SELECT s.minute,"
    " (SELECT count(*) FROM nodes n WHERE n.joined_s < s.t AND (n.left_s IS NULL OR n.left_s >= s.t)) AS online,"
    " " SLOT(0) " + " SLOT(1) " + " SLOT(2) " AS busy,"
    " (SELECT count(*) FROM tasks k WHERE k.queued_s < s.t AND (k.started_s IS NULL OR k.started_s >= s.t)"
    "  AND (k.finished_s IS NULL OR k.finished_s >= s.t)) AS queue,"
    " (SELECT count(*) FROM tasks k WHERE k.created_s" IN_MINUTE("k.created_s")
    "  AND NOT (k.id IS NULL AND k.outcome = 'open')) AS created,"
    " (SELECT count(*) FROM tasks k WHERE k.started_s" IN_MINUTE("k.started_s") ") AS started,"
    " (SELECT count(*) FROM tasks k WHERE k.finished_s" IN_MINUTE("k.finished_s") ") AS finished,"
    " (SELECT count(*) FROM nodes n WHERE n.left_why = 'kicked out' AND n.left_s" IN_MINUTE("n.left_s") ") AS kickouts,"
    " (SELECT count(*) FROM nodes n WHERE n.left_why = 'slashed' AND n.left_s" IN_MINUTE("n.left_s") ") AS slashes"
    " FROM s)"
    " SELECT count(*),"
    "  sum(s.online != r.online OR s.busy != r.busy OR s.queue != r.queue OR s.created != r.created"
    "      OR s.started != r.started OR s.finished != r.finished OR s.kickouts != r.kickouts"
    "      OR s.slashes != r.slashes),"
    "  sum(s.available + s.busy + s.paused != s.online), sum(s.slashes), sum(s.kickouts), max(s.busy)"
    " FROM s JOIN r USING (minute)";

static void test_series_rows_match_a_recount(void **state)
{
    (void)state;
    char path[] = "/tmp/avrami-series-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    scn s;
    char err[SCN_ERR_MAX];
    assert_true(scn_parse(SCENARIO, "(series test)", ".", &s, err));
    sim_opts o = {.seed = 5, .out_path = path};
    sim *m = sim_run(&s, &o);
    assert_non_null(m);
    sim_metrics x;
    sim_get_metrics(m, &x);
    assert_int_equal(sim_status(m), 0);
    assert_true(x.utilization > 0 && x.utilization <= 1);
    sim_free(m);
    scn_free(&s);

    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, RECOUNT, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long long rows = sqlite3_column_int64(st, 0), differ = sqlite3_column_int64(st, 1);
    long long unbalanced = sqlite3_column_int64(st, 2), slashes = sqlite3_column_int64(st, 3);
    long long kickouts = sqlite3_column_int64(st, 4), max_busy = sqlite3_column_int64(st, 5);
    printf("series: %lld rows, %lld differ from the recount, %lld unbalanced; %lld slashes, %lld kick-outs, "
           "at most %lld busy; utilization %.3f\n", rows, differ, unbalanced, slashes, kickouts, max_busy,
           x.utilization);
    sqlite3_finalize(st);
    sqlite3_close(db);
    unlink(path);
    assert_int_equal(rows, 240); /* samples at 60, 120, ..., 14400 s (the last by the end event) */
    assert_int_equal(differ, 0);
    assert_int_equal(unbalanced, 0);
    assert_true(slashes >= 500); /* hundreds of slashed nodes, each replaced by a new identity */
    assert_true(kickouts >= 4);
    assert_true(max_busy <= 30);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_series_rows_match_a_recount)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
