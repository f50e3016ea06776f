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
                      .resubmit_of = -1};
    return t;
}

static void write_db(const char *path, bool overlap, bool complete)
{
    char err[256];
    res *r = res_open(path, err);
    assert_non_null(r);
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    assert_int_equal(access(tmp, F_OK), 0);
    assert_true(res_meta_wei(r, "total_supply_start", (wei_t)1 << 100));
    assert_true(res_meta_wei(r, "total_supply_end", (wei_t)1 << 100));
    res_task_row a = task(0, 10, 1, 5), b = task(1, 12, overlap ? 4 : 5, 9);
    assert_true(res_task(r, &a));
    assert_true(res_task(r, &b));
    res_node_row n = {.id = 10, .account = 13, .card = "c", .joined_us = 0, .left_us = -1,
                      .income = 12345, .final_status = "available"};
    assert_true(res_node(r, &n));
    res_series_row s = {.minute = 0, .queue = 1};
    assert_true(res_series(r, &s));
    assert_true(res_invariant(r, "conservation", true, NULL));
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
    assert_int_equal(res_check(path, devnull), 0);
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
