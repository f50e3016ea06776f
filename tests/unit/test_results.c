/* Results database: temp file renamed only on close, incomplete runs marked,
 * and the checker catching what it must catch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "results/res.h"

#define STAKE ((wei_t)400 << 60)

/* Task seq on nodes (node, node+1, node+2), paid 30, 30 and 40 of a fee of 100. */
static res_task_row task(uint64_t seq, uint32_t node, double start, double freed)
{
    res_task_row t = {.id = seq + 1, .seq = seq, .app = "a", .type = "sd", .model = "m", .size = 1,
                      .fee = 100, .cap_s = 10, .value = 10, .created_us = 0, .queued_us = -1,
                      .started_us = (int64_t)(start * 1e6), .commits_us = -1,
                      .success_us = (int64_t)(freed * 1e6), .uploaded_us = -1,
                      .finished_us = (int64_t)(freed * 1e6), .outcome = "success",
                      .nodes = {node, node + 1, node + 2},
                      .freed_us = {(int64_t)(freed * 1e6), (int64_t)(freed * 1e6), (int64_t)(freed * 1e6)},
                      .commit_us = {-1, -1, -1}, .disclose_us = {-1, -1, -1},
                      .resubmit_of = -1, .paid = {30, 30, 40}};
    return t;
}

/* A small run that adds up: two tasks on nodes 0-2 and 2-4, one application
 * that paid 200 and got nothing back, five nodes each with one stake locked. */
static void write_db(const char *path, bool overlap, bool complete)
{
    char err[256];
    res *r = res_open(path, err);
    assert_non_null(r);
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    assert_int_equal(access(tmp, F_OK), 0);
    static const char *const text[] = {"scenario", "{}", "scenario_name", "t"};
    for (int i = 0; i < 4; i += 2)
        assert_true(res_meta(r, text[i], text[i + 1]));
    static const char *const zero[] = {"seed", "replication", "events", "quirk_fee_too_low_tasks",
                                       "quirk_fee_too_low_wei", "quirk_stranded_tasks", "quirk_stranded_wei",
                                       "quirk_double_uploads", "quirk_double_upload_wei", "quirk_foreign_frees",
                                       "quirk_panics", "success_then_cancelled", "released_elsewhere",
                                       "owner_balance_start", "owner_balance_end"};
    for (size_t i = 0; i < sizeof zero / sizeof zero[0]; i++)
        assert_true(res_meta_u64(r, zero[i], 0));
    assert_true(res_meta_u64(r, "duration_s", 60));
    assert_true(res_meta_u64(r, "simulated_until_us", 60000000));
    assert_true(res_meta_wei(r, "total_supply_start", 1000 + 5 * STAKE));
    assert_true(res_meta_wei(r, "total_supply_end", 1000 + 5 * STAKE));
    res_task_row a = task(0, 0, 1, 5), b = task(1, 2, overlap ? 4 : 5, 9);
    assert_true(res_task(r, &a));
    assert_true(res_task(r, &b));
    const wei_t income[5] = {30, 30, 70, 30, 40};
    for (uint32_t i = 0; i < 5; i++) {
        res_node_row n = {.id = i, .account = 4 + i, .card = "c", .joined_us = 0, .left_us = -1,
                          .income = income[i], .tasks = 1 + (i == 2), .final_status = "available"};
        assert_true(res_node(r, &n));
        char id[8];
        snprintf(id, sizeof id, "%u", i);
        res_account_row acc = {4 + i, "node", id, STAKE, income[i], STAKE, 0, 0};
        assert_true(res_account(r, &acc));
    }
    res_account_row acc[] = {{0, "task contract", "", 0, 0, 0, 0, 0},
                             {1, "node contract", "", 0, 5 * STAKE, 0, 0, 0},
                             {2, "owner", "", 0, 0, 0, 0, 0},
                             {3, "application", "a", 1000, 800, 0, 0, 200}};
    for (int i = 0; i < 4; i++)
        assert_true(res_account(r, &acc[i]));
    char profit[WEI_STR_MAX];
    res_actor_row honest = {.actor = 0, .name = "honest", .kind = "honest", .mode = "", .nodes = 5,
                            .start = 5 * STAKE, .end = 5 * STAKE + 200, .income = 200,
                            .profit = wei_format(200, profit), .tasks_paid = 6};
    assert_true(res_actor(r, &honest));
    res_series_row s = {.minute = 0, .queue = 1, .created = 2, .started = 2, .finished = 2};
    assert_true(res_series(r, &s));
    for (int i = 0; i < RES_N_INVARIANTS; i++)
        assert_true(res_invariant(r, RES_INVARIANTS[i], true, NULL));
    assert_true(res_revert(r, "cancel", "Task not found", 3));
    assert_true(res_close(r, complete));
    assert_int_equal(access(tmp, F_OK), -1);
    assert_int_equal(access(path, F_OK), 0);
}

static void test_roundtrip_and_check(void **state)
{
    (void)state;
    char path[] = "/tmp/avrami-test-res-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    FILE *devnull = fopen("/dev/null", "w");
    write_db(path, false, true);
    assert_int_equal(res_check(path, stderr), 0);
    write_db(path, true, true);
    assert_int_equal(res_check(path, devnull), 1); /* node 12 in two tasks */
    write_db(path, false, false);
    assert_int_equal(res_check(path, devnull), 1); /* incomplete */
    unlink(path);
    assert_int_equal(res_check(path, devnull), -1);
    fclose(devnull);
}

static void test_abandon_leaves_nothing(void **state)
{
    (void)state;
    char err[256];
    const char *path = "/tmp/avrami-test-res-abandon.db";
    unlink(path);
    res *r = res_open(path, err);
    assert_non_null(r);
    res_abandon(r);
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(access("/tmp/avrami-test-res-abandon.db.tmp", F_OK), -1);
    assert_null(res_open("/nonexistent-dir/x.db", err));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_and_check),
        cmocka_unit_test(test_abandon_leaves_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
