/* The security analysis: closed forms against hand-worked values, and the
 * Monte Carlo (the full simulator) against the closed forms where their
 * assumptions hold.  Fixed seed; enough replications that the interval is
 * narrow (a wrong selection rule or a miscounted win would fall outside).
 * Runs from the repository root (models/). */
#include <math.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "security/sec.h"

static void test_closed_forms_by_hand(void **state)
{
    (void)state;
    /* h = 3, d = 2: C(5,3) = 10 triples, 3 hold both attacker nodes */
    assert_true(fabs(sec_p_win(3, 2) - 0.3) < 1e-12);
    /* h = 2, d = 3: 3·2 + 1 = 7 of 10 */
    assert_true(fabs(sec_p_win(2, 3) - 0.7) < 1e-12);
    assert_true(sec_p_win(10, 0) == 0 && sec_p_win(0, 5) == 1);
    /* given one attacker node in the task, h = 3, d = 2: the other attacker
     * node is among the 2 other seats with 1 - C(3,2)/C(4,2) = 1/2 */
    assert_true(fabs(sec_q_node(3, 2) - 0.5) < 1e-12);
    assert_true(fabs(sec_breakeven_stake(0.2, 1) - 0.25) < 1e-12);
    /* p = 1/2, t̂ = 10 s, t = 90 s: 86400 · 0.5 / 50 */
    assert_true(fabs(sec_cheats_per_day(0.5, 10, 90) - 864) < 1e-9);
    assert_true(fabs(sec_return_per_day(0.5, 10, 90) - 864) < 1e-9);
    /* two attackers of 2 among 6: each holds both its nodes in 4 of 20 triples */
    unsigned d[2] = {2, 2};
    assert_true(fabs(sec_p_win_split(6, d, 2) - 0.4) < 1e-12);
    double v[4] = {1, 2, 3, 4};
    sec_estimate e = sec_estimate_of(v, 4);
    /* sd = 1.2910, t(0.975, 3) = 3.1824 */
    assert_true(fabs(e.mean - 2.5) < 1e-12 && fabs(e.half - 2.0543) < 1e-3);
}

/* The printed intervals are 95 % ones, which miss the truth 1 time in 20;
 * the tests accept 1.5 half-widths (about 99.7 %) so that a harmless
 * change in how the random streams are consumed does not fail them by
 * chance, and require the interval to be narrow. */
static bool agrees(sec_estimate e, double x)
{
    return sec_within((sec_estimate){e.mean, 1.5 * e.half}, x);
}

static void test_p_matches_closed_form(void **state)
{
    (void)state;
    static const unsigned HD[][2] = {{20, 5}, {8, 8}};
    for (int i = 0; i < 2; i++) {
        sec_setup x = sec_setup_closed_form(HD[i][0], HD[i][1]);
        sec_result r;
        char err[256];
        assert_true(sec_run(&x, 1, 8, &r, err));
        double p = sec_p_win(x.h, x.d);
        printf("p(%u, %u) = %.4f, simulated %.4f ± %.4f over %llu tasks\n", x.h, x.d, p, r.p_task.mean,
               r.p_task.half, (unsigned long long)r.tasks);
        assert_int_equal(r.bad_runs, 0);
        assert_true(r.tasks > 10000);
        assert_true(r.p_task.half < 0.15 * p); /* meaningful: a 15 % error would show */
        assert_true(agrees(r.p_task, p));
    }
}

static void test_timeout_attack_matches_closed_form(void **state)
{
    (void)state;
    sec_setup x = sec_setup_closed_form(10, 5);
    x.timeout_attack = x.attacker_rejoin = true;
    x.task_timeout_s = 60;
    x.rate_per_h = 36;
    sec_result r;
    char err[256];
    assert_true(sec_run(&x, 1, 8, &r, err));
    double q = sec_q_node(x.h, x.d), n = sec_cheats_per_day(q, r.t_hat, r.t_out);
    printf("q = %.4f, simulated %.4f ± %.4f; cheats/day %.1f, simulated %.1f ± %.1f (t̂ %.1f s, t %.1f s)\n", q,
           r.q_node.mean, r.q_node.half, n, r.cheats_day.mean, r.cheats_day.half, r.t_hat, r.t_out);
    assert_int_equal(r.bad_runs, 0);
    assert_true(agrees(r.q_node, q) && r.q_node.half < 0.1 * q);
    assert_true(agrees(r.cheats_day, n) && r.cheats_day.half < 0.15 * n);
    /* a timed-out task lasts the chain's timeout and the cancel, a won one
     * a few seconds */
    assert_true(r.t_out > 60 && r.t_out < 75 && r.t_hat > 2 && r.t_hat < 20);
    /* and the task-level p of PROTOCOL.md's formula undercounts a node's
     * cheats: q > p */
    assert_true(sec_cheats_per_day(sec_p_win(x.h, x.d), r.t_hat, r.t_out) < r.cheats_day.mean - r.cheats_day.half);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_closed_forms_by_hand),
        cmocka_unit_test(test_p_matches_closed_form),
        cmocka_unit_test(test_timeout_attack_matches_closed_form),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
