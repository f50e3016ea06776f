/* Sweep grids: --set parsing, ranges, the point order, applying a point to
 * a scenario, and the Student-t interval against tabulated values. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sweep/grid.h"
#include "sweep/sweep.h"

static void values_are(const grid_axis *a, const char *const *want, uint32_t n)
{
    assert_int_equal(a->n, n);
    for (uint32_t i = 0; i < n; i++)
        assert_string_equal(a->values[i], want[i]);
}

static void test_lists_and_ranges(void **state)
{
    (void)state;
    grid g = {0};
    char err[GRID_ERR_MAX];
    assert_true(grid_add(&g, "protocol.kickout_threshold=10,20,30", err));
    assert_true(grid_add(&g, "network.nodes=100:1000:300", err));
    assert_true(grid_add(&g, "x=0:1:0.25", err));
    assert_true(grid_add(&g, "protocol.task_score_rewards=[10,9,6],[3,2,1],\"a,b\"", err));
    values_are(&g.axes[0], (const char *const[]){"10", "20", "30"}, 3);
    values_are(&g.axes[1], (const char *const[]){"100", "400", "700", "1000"}, 4);
    /* computed as lo + i*step, so the end is hit despite rounding */
    values_are(&g.axes[2], (const char *const[]){"0", "0.25", "0.5", "0.75", "1"}, 5);
    values_are(&g.axes[3], (const char *const[]){"[10,9,6]", "[3,2,1]", "\"a,b\""}, 3);
    assert_int_equal(g.points, 3 * 4 * 5 * 3);
    /* the first axis varies slowest */
    assert_int_equal(grid_index(&g, 0, 0), 0);
    assert_int_equal(grid_index(&g, 59, 0), 0);
    assert_int_equal(grid_index(&g, 60, 0), 1);
    assert_int_equal(grid_index(&g, 15, 1), 1);
    assert_int_equal(grid_index(&g, 4, 3), 1);
    assert_int_equal(grid_index(&g, 179, 3), 2);
    char *label = grid_label(&g, 61);
    assert_string_equal(label, "protocol.kickout_threshold=20 network.nodes=100 x=0 protocol.task_score_rewards=[3,2,1]");
    free(label);
    char *set = grid_settings_json(&g, 61);
    assert_string_equal(set, "{\"protocol.kickout_threshold\":20,\"network.nodes\":100,\"x\":0,"
                             "\"protocol.task_score_rewards\":[3,2,1]}");
    free(set);
    grid_free(&g);
    /* a long range (the fuzzer's 1:99993:1, once quadratic to build) */
    grid big = {0};
    assert_true(grid_add(&big, "applications[0].arrival.rate_per_h=1:99993:1", err));
    assert_int_equal(big.axes[0].n, 99993);
    assert_string_equal(big.axes[0].values[0], "1");
    assert_string_equal(big.axes[0].values[65536], "65537");
    assert_string_equal(big.axes[0].values[99992], "99993");
    grid_free(&big);
}

static void test_bad_specs(void **state)
{
    (void)state;
    grid g = {0};
    char err[GRID_ERR_MAX];
    assert_false(grid_add(&g, "novalue", err));
    assert_non_null(strstr(err, "novalue"));
    assert_false(grid_add(&g, "a=1,,2", err));
    assert_non_null(strstr(err, "empty value"));
    assert_false(grid_add(&g, "a=5:1:1", err));
    assert_non_null(strstr(err, "lo <= hi"));
    assert_false(grid_add(&g, "a=1:5:0", err));
    assert_true(grid_add(&g, "a=1", err));
    assert_false(grid_add(&g, "a=2", err));
    assert_non_null(strstr(err, "given twice"));
    assert_false(grid_add(&g, "b=0:2000000:1", err));
    assert_int_equal(g.n_axes, 1);
    grid_free(&g);
}

static void test_apply(void **state)
{
    (void)state;
    const char *text = "{\"seed\": 3, \"protocol\": {\"stake\": \"400\"},"
                       " \"network\": {\"nodes\": 5, \"cards\": [{\"card\": \"A\"}, {\"card\": \"B\", \"share\": 2}]}}";
    grid g = {0};
    char err[GRID_ERR_MAX];
    assert_true(grid_add(&g, "network.cards[1].share=0.5", err));
    assert_true(grid_add(&g, "protocol.stake=123456789012345678901234", err));
    assert_true(grid_add(&g, "protocol.kickout_threshold=7", err));
    assert_true(grid_add(&g, "chain.block_time_s=4", err));
    char *out = grid_apply(&g, text, 0, err);
    assert_non_null(out);
    /* exact wei kept as a string; a new key and a new object created */
    assert_non_null(strstr(out, "\"stake\":\t\"123456789012345678901234\""));
    assert_non_null(strstr(out, "\"share\":\t0.5"));
    assert_non_null(strstr(out, "\"kickout_threshold\":\t7"));
    assert_non_null(strstr(out, "\"chain\":\t{\n\t\t\"block_time_s\":\t4"));
    assert_non_null(strstr(out, "\"card\":\t\"B\""));
    assert_non_null(strstr(out, "\"nodes\":\t5"));
    free(out);
    grid_free(&g);

    assert_true(grid_add(&g, "network.cards[2].share=1", err));
    assert_null(grid_apply(&g, text, 0, err));
    assert_non_null(strstr(err, "--set network.cards[2].share: $.network.cards has no element [2]"));
    grid_free(&g);
    assert_true(grid_add(&g, "network.nodes.x=1", err));
    assert_null(grid_apply(&g, text, 0, err));
    assert_non_null(strstr(err, "$.network.nodes is not an object"));
    grid_free(&g);
    assert_true(grid_add(&g, "network..nodes=1", err));
    assert_null(grid_apply(&g, text, 0, err));
    assert_non_null(strstr(err, "expected a path"));
    grid_free(&g);
}

/* Half-widths against t quantiles from a printed table (t_{0.975}: n-1 = 1:
 * 12.706, 2: 4.303, 29: 2.045). */
static void test_ci(void **state)
{
    (void)state;
    double mean, half;
    const double two[] = {1, 3};
    sweep_ci(two, 2, &mean, &half);
    assert_float_equal(mean, 2, 1e-12);
    assert_float_equal(half, 12.706 * sqrt(2) / sqrt(2), 1e-3);
    const double three[] = {1, 2, 3};
    sweep_ci(three, 3, &mean, &half);
    assert_float_equal(half, 4.303 * 1 / sqrt(3), 1e-3);
    double thirty[30];
    for (int i = 0; i < 30; i++)
        thirty[i] = i % 2;
    sweep_ci(thirty, 30, &mean, &half);
    assert_float_equal(half, 2.045 * sqrt(30.0 / 4 / 29) / sqrt(30), 1e-3);
    sweep_ci(two, 1, &mean, &half);
    assert_true(isnan(half));
    assert_float_equal(mean, 1, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lists_and_ranges),
        cmocka_unit_test(test_bad_specs),
        cmocka_unit_test(test_apply),
        cmocka_unit_test(test_ci),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
