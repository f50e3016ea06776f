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

#include "protocol/proto.h"
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
    /* VSS: r = 0.1 and w = 0 give s = 0.9k / 0.1 = 9k, where E = 0; with
     * w = 1/2 and k = 1: s = (0.9 + 0.05) / 0.05 = 19 */
    assert_true(fabs(sec_vss_breakeven_stake(0.1, 0, 2) - 18) < 1e-12);
    assert_true(fabs(sec_vss_gain(0.1, 0, 2, 18)) < 1e-12);
    assert_true(fabs(sec_vss_breakeven_stake(0.1, 0.5, 1) - 19) < 1e-12);
    assert_true(fabs(sec_vss_gain(0.1, 0.5, 1, 19)) < 1e-12);
    /* below the break-even stake cheating pays: r = 0.1, w = 0.3, k = 1, s = 5:
     * 0.9 + 0.1·(0.3 − 0.7·5) = 0.58 */
    assert_true(fabs(sec_vss_gain(0.1, 0.3, 1, 5) - 0.58) < 1e-12);
    /* r = 0.1: 3 tasks for each of 1 request in 10, 1 for the other 9:
     * 0.3 / 1.2 of all tasks are in groups */
    assert_true(fabs(sec_vss_group_share(0.1) - 0.25) < 1e-12);
    /* h = 3, d = 2: q = 1/2, so 1 − 0.25·0.5 */
    assert_true(fabs(sec_vss_win_slot(0.1, 3, 2) - 0.875) < 1e-12);
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

/* An attacker forging every task under a one-seat edition that validates
 * 1 task in 10 as a group of three: the share of the tasks it holds that it
 * wins is 1 − g·(1 − q) with g = 3r/(1 + 2r), measurably below the
 * consensus docs' (1 − r) + r·p. */
static void win_matches_closed_form(proto_edition_id ed, const char *name)
{
    sec_setup x = sec_setup_closed_form(10, 5);
    x.edition = ed;
    x.always = x.attacker_rejoin = true;
    x.task_timeout_s = 180;
    x.duration_s = 86400 / 2;
    sec_result r;
    char err[256];
    assert_true(sec_run(&x, 1, 8, &r, err));
    double w = sec_vss_win_slot(0.1, x.h, x.d), docs = 0.9 + 0.1 * sec_p_win(x.h, x.d);
    printf("%s: w = %.4f (docs %.4f), simulated %.4f ± %.4f over %llu tasks\n", name, w, docs, r.q_node.mean,
           r.q_node.half, (unsigned long long)r.tasks);
    assert_int_equal(r.bad_runs, 0);
    assert_true(r.q_node.half < 0.05 * w);
    assert_true(agrees(r.q_node, w));
    assert_true(docs > r.q_node.mean + r.q_node.half);
}

/* the on-chain VSS contracts */
static void test_vss_win_matches_closed_form(void **state)
{
    (void)state;
    win_matches_closed_form(PROTO_VSS, "vss");
}

/* The Relay's first edition samples and validates the same way (r = 0.1,
 * slashing); its selection, nearly uniform here, leaves no QoS bias. */
static void test_relay_win_matches_closed_form(void **state)
{
    (void)state;
    win_matches_closed_form(PROTO_RELAY_2025_03, "relay-2025-03");
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


/* The docs' formula reproduces its own table: the APR with w = p to the
 * printed digit in every row; the stake total T = (s + s_t)·d with
 * s = p·k/(1 − p), k = 1 CNX (the price 3 CNX split over three nodes), to
 * the printed digit in six rows and within 0.01 CNX in (9700, 300) and
 * (9500, 500), where the docs print .80 and .65 for 0.7934 and 3.6450. */
static void test_docs_table_reproduced_with_p(void **state)
{
    (void)state;
    for (int i = 0; i < SEC_DOCS_ROWS; i++) {
        const sec_docs_row *r = &sec_docs_rows[i];
        double p = sec_p_win(r->h, r->d);
        double t = (sec_breakeven_stake(p, SEC_DOCS_K) + SEC_DOCS_S_T) * r->d;
        char apr[32], docs_apr[32], stake[32], docs_stake[32];
        snprintf(apr, sizeof apr, "%.2f", sec_docs_apr(p, p));
        snprintf(docs_apr, sizeof docs_apr, "%.2f", r->apr);
        snprintf(stake, sizeof stake, "%.2f", t);
        snprintf(docs_stake, sizeof docs_stake, "%.2f", r->stake_total);
        printf("(%u, %u): APR %s (docs %s), T %s (docs %s)\n", r->h, r->d, apr, docs_apr, stake, docs_stake);
        assert_string_equal(apr, docs_apr);
        assert_true(fabs(t - r->stake_total) < 0.0101);
        if (!(r->h == 9700 && r->d == 300) && !(r->h == 9500 && r->d == 500))
            assert_string_equal(stake, docs_stake);
    }
    /* the first row by hand: p = (3·7 + 1)/120 = 11/60, n_m = 86400·(11/60)/(60·11/60 + 300·49/60)
     * = 15840/256 = 61.875 a day, s = 11/49 CNX, APR = 365·61.875/(5000 + 11/49) */
    assert_true(fabs(sec_docs_apr(11.0 / 60, 11.0 / 60) - 100 * 365 * 61.875 / (5000 + 11.0 / 49)) < 1e-9);
}

/* q(h, d), the chance that a task holding a given attacker node holds a
 * second one, counted over all pairs of other seats: the independent check
 * of the closed form 1 − C(h,2)/C(h+d−1,2). */
static void test_q_by_enumeration(void **state)
{
    (void)state;
    static const unsigned HD[][2] = {{7, 3}, {10, 5}, {3, 2}, {20, 1}, {40, 6}};
    for (int i = 0; i < 5; i++) {
        unsigned h = HD[i][0], d = HD[i][1], others = h + d - 1; /* nodes 0..d-2 are attacker's */
        unsigned long pairs = 0, won = 0;
        for (unsigned a = 0; a < others; a++)
            for (unsigned b = a + 1; b < others; b++) {
                pairs++;
                won += a < d - 1 || b < d - 1;
            }
        assert_true(fabs(sec_q_node(h, d) - (double)won / (double)pairs) < 1e-12);
    }
}

/* (a) the docs' assumptions, row (7, 3), simulated: the share of the
 * attacker's slots it wins is q, not p, and so is its APR. */
static void test_docs_row_simulated_matches_q(void **state)
{
    (void)state;
    sec_setup x = sec_docs_setup(7, 3, 'a', 8, 40000);
    assert_true(x.no_kickout);
    x.duration_s *= 4; /* narrower than the table's interval */
    sec_result r;
    char err[256];
    assert_true(sec_run(&x, 1, 8, &r, err));
    double q = sec_q_node(7, 3), p = sec_p_win(7, 3);
    printf("(7, 3): q %.4f, simulated %.4f ± %.4f (p %.4f); cheats/busy day %.1f ± %.1f, closed %.1f\n", q,
           r.q_node.mean, r.q_node.half, p, r.cheats_day.mean, r.cheats_day.half,
           sec_cheats_per_day(q, SEC_DOCS_T_HAT, SEC_DOCS_T));
    assert_int_equal(r.bad_runs, 0);
    assert_int_equal(r.kickouts, 0); /* protocol.kickout false */
    assert_true(r.q_node.half < 0.1 * q);
    assert_true(agrees(r.q_node, q) && !agrees(r.q_node, p));
    /* a won slot takes about the docs' t̂, a timed-out one the docs' t */
    assert_true(fabs(r.t_hat - SEC_DOCS_T_HAT) < 6 && fabs(r.t_out - SEC_DOCS_T) < 6);
}

/* (b) the deployed rules: the timeout attacker keeps its identities and
 * every one of them is kicked out within minutes of joining. */
static void test_deployed_kickout(void **state)
{
    (void)state;
    sec_setup x = sec_docs_setup(700, 30, 'b', 2, 20000);
    sec_result r;
    char err[256];
    assert_true(sec_run(&x, 1, 2, &r, err));
    printf("(700, 30) deployed: %llu of %llu identities kicked out after %.1f min [%.1f, %.1f]\n",
           (unsigned long long)r.kickouts, (unsigned long long)r.identities, r.kick_mean_s / 60, r.kick_min_s / 60,
           r.kick_max_s / 60);
    assert_int_equal(r.bad_runs, 0);
    assert_int_equal(r.identities, 60);
    assert_int_equal(r.kickouts, 60);
    assert_true(r.kick_min_s > 5 * 60 && r.kick_max_s < 30 * 60);
    /* and with protocol.kickout false, none is */
    x.no_kickout = true;
    assert_true(sec_run(&x, 1, 2, &r, err));
    assert_int_equal(r.kickouts, 0);
}

/* The queue pop (Task.nodeAvailableCallback -> Node.selectNodesWithRoot,
 * crynux-contracts dc5fd9a, Node.sol 445-500): a node that becomes
 * available while tasks wait starts the best one at once, as round 0, with
 * the first other available nodes of its GPU model in set order, whatever
 * their scores.  So an identity that joins while one of the attacker's
 * identities waits in a pool of two is paired with it. */
static void test_queue_pop_pairs_fresh_identities(void **state)
{
    (void)state;
    proto_params prm = proto_params_helium();
    proto *p = proto_new(&prm, 16, 64);
    const wei_t CNX = (wei_t)1000000000000000000ULL;
    uint32_t h[4], app = proto_add_account(p, 1000 * CNX), y, x;
    for (int i = 0; i < 4; i++) {
        h[i] = proto_add_account(p, 1000 * CNX);
        assert_true(proto_join(p, 0, h[i], "RTX 4090", 24));
    }
    y = proto_add_account(p, 1000 * CNX);
    x = proto_add_account(p, 1000 * CNX);
    uint64_t t1, t2;
    assert_true(proto_create_task(p, 0, app, PROTO_SD, 0, 3 * CNX, 1, &t1)); /* three of the four start */
    assert_true(proto_create_task(p, 0, app, PROTO_SD, 0, 3 * CNX, 1, &t2)); /* one node free: queued */
    assert_true(proto_task_is_queued(p, t2));
    proto_task_view v;
    assert_true(proto_task_get(p, t1, &v));
    uint32_t waiting = UINT32_MAX;
    for (int i = 0; i < 4; i++)
        if (h[i] != v.selected[0] && h[i] != v.selected[1] && h[i] != v.selected[2])
            waiting = h[i];
    assert_true(waiting != UINT32_MAX);
    /* the attacker's first identity joins: two available, the task waits */
    assert_true(proto_join(p, 1, y, "RTX 4090", 24));
    assert_true(proto_task_is_queued(p, t2));
    /* its second joins: it is the root, then the 4090s in set order */
    assert_true(proto_join(p, 2, x, "RTX 4090", 24));
    assert_false(proto_task_is_queued(p, t2));
    assert_true(proto_task_get(p, t2, &v));
    assert_int_equal(v.selected[0], x);
    assert_int_equal(v.selected[1], waiting);
    assert_int_equal(v.selected[2], y);
    proto_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_closed_forms_by_hand),
        cmocka_unit_test(test_p_matches_closed_form),
        cmocka_unit_test(test_timeout_attack_matches_closed_form),
        cmocka_unit_test(test_vss_win_matches_closed_form),
        cmocka_unit_test(test_relay_win_matches_closed_form),
        cmocka_unit_test(test_docs_table_reproduced_with_p),
        cmocka_unit_test(test_q_by_enumeration),
        cmocka_unit_test(test_docs_row_simulated_matches_q),
        cmocka_unit_test(test_deployed_kickout),
        cmocka_unit_test(test_queue_pop_pairs_fresh_identities),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
