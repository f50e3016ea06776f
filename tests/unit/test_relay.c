/* Unit tests of the Relay editions' rules (sim/protocol/relay/).
 *
 * Vectors come from the Relay's own Go tests (crynux-network/crynux-relay,
 * file and commit named at each test), from its docs' worked examples, and
 * from the Relay's arithmetic run under Go's math/big (relay_go_vectors.h). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "protocol/relay/relay.h"
#include "relay_go_vectors.h"

static const relay_params *ed(relay_edition e)
{
    return relay_params_of(e);
}

static const wei_t CNX = (wei_t)1000000000000000000ull;

/* ---- parameters ---------------------------------------------------------- */

static void test_editions_pinned(void **st)
{
    (void)st;
    relay_edition e;
    assert_non_null(relay_params_by_name("relay-2025-03", &e));
    assert_int_equal(e, RELAY_2025_03);
    assert_non_null(relay_params_by_name("relay-2026", &e));
    assert_int_equal(e, RELAY_2026);
    assert_null(relay_params_by_name("relay-2024", &e));
    assert_string_equal(ed(RELAY_2025_03)->commit, "f2bb1b1");
    assert_string_equal(ed(RELAY_2025_07)->commit, "0601431");
    assert_string_equal(ed(RELAY_2026)->commit, "24ffc26");
}

/* ---- sampling ------------------------------------------------------------ */

static void test_need_validation(void **st)
{
    (void)st;
    /* big.Int(beta) mod 10 (2025-03) and mod 100 (utils/vrf.go @ 0601431) */
    uint8_t b300[2] = {0x01, 0x2c}; /* 300 */
    uint8_t b310[2] = {0x01, 0x36}; /* 310 */
    uint8_t b2_256[33] = {1};       /* 2^256 = ...936 mod 1000 */
    assert_true(relay_need_validation(ed(RELAY_2025_03), b300, 2));
    assert_true(relay_need_validation(ed(RELAY_2025_07), b300, 2));
    assert_true(relay_need_validation(ed(RELAY_2025_03), b310, 2));
    assert_false(relay_need_validation(ed(RELAY_2026), b310, 2));
    assert_false(relay_need_validation(ed(RELAY_2025_03), b2_256, 33));
    uint8_t zero[32] = {0};
    assert_true(relay_need_validation(ed(RELAY_2026), zero, 32));
    /* over all 2-byte values: exactly 1 in 100 (mod 100: 656 of 65536) */
    int hits = 0;
    for (unsigned v = 0; v < 65536; v++) {
        uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
        hits += relay_need_validation(ed(RELAY_2026), b, 2);
    }
    assert_int_equal(hits, 656);
}

/* ---- QoS: service/qos_test.go @ 24ffc26 ---------------------------------- */

/* a node whose health was last set to h at time at_s */
static relay_qos with_health(double h, double at_s)
{
    relay_qos q;
    relay_qos_init(&q);
    q.health_base = h;
    q.health_set = true;
    q.health_at_s = at_s;
    return q;
}

static void test_health_penalty_excludes_below_enter(void **st)
{
    (void)st;
    /* TestApplyHealthPenaltySetsExclusionBelowEnterThreshold: H 0.5 -> 0.15 */
    const relay_params *p = ed(RELAY_2026);
    relay_qos q = with_health(0.5, 1000);
    relay_health_penalty(p, &q, 1000);
    assert_true(q.health_excluded);
    assert_true(fabs(q.health_base - 0.15) < 1e-15);
}

static void test_health_penalty_at_enter_threshold(void **st)
{
    (void)st;
    /* TestApplyHealthPenaltyDoesNotExcludeAtEnterThreshold: factor 0.4,
     * HealthUpdatedAt an hour ahead (elapsed clamps to 0): H = 0.2, kept */
    relay_params p = *ed(RELAY_2026);
    p.penalty_factor = 0.4;
    relay_qos q = with_health(0.5, 1000 + 3600);
    relay_health_penalty(&p, &q, 1000);
    assert_true(q.health_base == p.exclude_enter);
    assert_false(q.health_excluded);
}

static void test_health_excluded_flag_and_exit(void **st)
{
    (void)st;
    /* TestIsHealthExcludedUsesPersistedFlagAndExitThreshold */
    const relay_params *p = ed(RELAY_2026);
    relay_qos q = with_health(0.5, 0);
    assert_false(relay_health_excluded(p, &q, 0));
    q.health_excluded = true;
    assert_true(relay_health_excluded(p, &q, 0));
    q.health_base = p->exclude_exit;
    assert_false(relay_health_excluded(p, &q, 0));
    q.health_base = 0.9;
    assert_false(relay_health_excluded(p, &q, 0));
}

static void test_health_two_stage_and_recovery(void **st)
{
    (void)st;
    /* docs/qos.md @ 24ffc26: a healthy node's first timeout costs x0.95,
     * the next x0.3; recovery H(t) = Hb + (1-Hb)(1-exp(-t/30 min)); exit
     * after tau*ln((1-H)/(1-0.8)); +0.15 per success, capped at 1 */
    const relay_params *p = ed(RELAY_2026);
    relay_qos q;
    relay_qos_init(&q);
    assert_true(relay_health_at(p, &q, 0) == 1.0);
    relay_health_penalty(p, &q, 0);
    assert_true(q.health_base == 0.95);
    assert_false(q.health_excluded);
    relay_health_penalty(p, &q, 0);
    assert_true(fabs(q.health_base - 0.285) < 1e-15);
    assert_false(q.health_excluded);
    relay_health_penalty(p, &q, 0);
    assert_true(fabs(q.health_base - 0.0855) < 1e-15);
    assert_true(q.health_excluded);
    double exit_s = relay_health_exit_delay_s(p, q.health_base);
    /* 1800 * ln(0.9145/0.2) = 2735.9 s */
    assert_true(fabs(exit_s - 1800 * log(0.9145 / 0.2)) < 1e-9);
    assert_true(relay_health_excluded(p, &q, exit_s - 1));
    assert_false(relay_health_excluded(p, &q, exit_s + 1));
    /* one tau later: 0.0855 + 0.9145 (1 - 1/e) */
    assert_true(fabs(relay_health_at(p, &q, 1800) - (0.0855 + 0.9145 * (1 - exp(-1)))) < 1e-12);
    relay_health_boost(p, &q, 0);
    assert_true(fabs(q.health_base - 0.2355) < 1e-15);
    q.health_base = 0.9;
    relay_health_boost(p, &q, 0);
    assert_true(q.health_base == 1.0);
}

static void seed_pool(relay_qos *q, uint8_t score, uint32_t n)
{
    q->pool_exists = true;
    q->pool_len = n;
    memset(q->pool, score, n);
}

static void test_permanent_kickout_ignores_health(void **st)
{
    (void)st;
    /* TestShouldPermanentKickoutIgnoresShortTermHealth */
    const relay_params *p = ed(RELAY_2026);
    relay_qos q;
    relay_qos_init(&q);
    q.qos_score = 5;
    q.health_base = 0;
    q.health_set = true;
    q.health_excluded = true;
    assert_false(relay_should_kickout(p, &q));
    seed_pool(&q, 1, 50);
    q.qos_score = 1;
    assert_true(relay_should_kickout(p, &q));
    /* a pool one short of full never kicks (docs/qos.md) */
    q.pool_len = 49;
    assert_false(relay_should_kickout(p, &q));
}

static void test_rejoin_floor(void **st)
{
    (void)st;
    const relay_params *p = ed(RELAY_2026);
    /* TestAdjustNodeQosForJoinResetsStaleScorePool */
    relay_qos q;
    relay_qos_init(&q);
    seed_pool(&q, 1, 50);
    q.qos_score = 1.0;
    relay_qos_rejoin(p, &q);
    assert_true(q.qos_score == 0.3 * 10);
    assert_false(q.pool_exists);
    relay_qos_pool_push(p, &q, 10);
    assert_true(q.qos_score >= p->kickout_qos_long);
    assert_true(fabs(q.qos_score - (49 * 3 + 10) / 50.0) < 1e-12); /* seeded with uint64(3.0) */
    /* TestAdjustNodeQosForJoinKeepsPoolAboveFloor */
    relay_qos_init(&q);
    seed_pool(&q, 5, 50);
    q.qos_score = 5.0;
    relay_qos_rejoin(p, &q);
    assert_true(q.qos_score == 5.0);
    assert_int_equal(q.pool_len, 50);
}

static void test_pool_rolls_over_50(void **st)
{
    (void)st;
    const relay_params *p = ed(RELAY_2025_07);
    relay_qos q;
    relay_qos_init(&q);
    relay_qos_pool_push(p, &q, 5); /* new node: no seed, mean of one */
    assert_true(q.qos_score == 5.0);
    for (int i = 0; i < 60; i++)
        relay_qos_pool_push(p, &q, i < 10 ? 2 : 10);
    assert_int_equal(q.pool_len, 50);
    assert_true(q.qos_score == 10.0);
}

static void test_kickout_windows_2025(void **st)
{
    (void)st;
    /* 2025-03 (qos.go @ f2bb1b1): sum of the last 3 task scores, missing
     * tasks as 10, kicked at <= 10 */
    const relay_params *a = ed(RELAY_2025_03);
    relay_qos q;
    relay_qos_init(&q);
    relay_qos_window_push(&q, 0, true);
    assert_false(relay_should_kickout(a, &q)); /* 0 + 10 + 10 */
    relay_qos_window_push(&q, 0, true);
    assert_true(relay_should_kickout(a, &q)); /* 0 + 0 + 10 */
    relay_qos_init(&q);
    relay_qos_window_push(&q, 6, false);
    relay_qos_window_push(&q, 0, true);
    relay_qos_window_push(&q, 6, false);
    assert_false(relay_should_kickout(a, &q)); /* 12 */
    relay_qos_window_push(&q, 0, true);
    assert_true(relay_should_kickout(a, &q)); /* 0 + 6 + 0 */
    /* all-time integer mean, 0 -> 1 */
    relay_qos_init(&q);
    relay_qos_all_time_push(a, &q, 0);
    assert_int_equal(q.score, 1);
    relay_qos_all_time_push(a, &q, 10);
    relay_qos_all_time_push(a, &q, 9);
    assert_int_equal(q.score, 6); /* 19/3 */
    /* 2025-07 (qos.go @ 0601431): 2 timeouts among the last 3 */
    const relay_params *b = ed(RELAY_2025_07);
    relay_qos_init(&q);
    relay_qos_window_push(&q, 0, true);
    relay_qos_window_push(&q, 10, false);
    assert_false(relay_should_kickout(b, &q));
    relay_qos_window_push(&q, 0, true);
    assert_true(relay_should_kickout(b, &q));
    relay_qos_window_push(&q, 10, false);
    relay_qos_window_push(&q, 10, false);
    assert_false(relay_should_kickout(b, &q));
    relay_qos_rejoin(b, &q); /* the window restarts at join */
    assert_int_equal(q.recent_n, 0);
}

/* ---- selection ----------------------------------------------------------- */

static void test_staking_score(void **st)
{
    (void)st;
    assert_true(relay_staking_score(100, 100) == 1.0);
    assert_true(relay_staking_score(1, 100) == 0.1); /* correctly rounded sqrt(0.01) */
    assert_true(relay_staking_score(400 * CNX, 1600 * CNX) == 0.5);
    assert_true(relay_staking_score(0, 100) == 0);
    assert_true(relay_staking_score(5, 0) == 0);
    /* within one ulp of libm's sqrt of the double ratio */
    wei_t a = 400 * CNX + 123456789, b = 2567 * CNX + 987654321;
    double got = relay_staking_score(a, b), ref = sqrt((double)a / (double)b);
    assert_true(fabs(got - ref) <= ref * 2.3e-16);
}

static void test_weights_2026_matching_tests(void **st)
{
    (void)st;
    /* task_matching_test.go @ 24ffc26: stake 100 of max 100, QOSScore 10,
     * H 1 -> S = 1, QoS = 1, weight 1*1/(1+1) = 0.5; with the base model in
     * use x1.3 (TestBuildMatchingCandidateSetInMemoryBoostExceedsOnDisk);
     * a node without every base model is dropped, no fallback
     * (...LocalityRestriction, ...HasNoFallbackWithoutAllBaseModels) */
    const relay_params *p = ed(RELAY_2026);
    relay_qos q;
    relay_qos_init(&q);
    q.qos_score = 10;
    relay_cand c[3] = {
        {.q = &q, .stake = 100, .local_match = 1},
        {.q = &q, .stake = 100, .local_match = 1, .inuse_match = 1, .inuse_count = 1},
        {.q = &q, .stake = 100, .local_match = 0},
    };
    double w[3];
    assert_int_equal(relay_weights(p, c, 3, 1, 100, 0, w), 2);
    assert_true(w[0] == 0.5);
    assert_true(w[1] == 0.5 * 1.3);
    assert_true(w[2] < 0);
    /* two base models, one on disk: dropped */
    c[0].local_match = 1;
    assert_int_equal(relay_weights(p, c, 1, 2, 100, 0, w), 0);
    /* TestCalculateNodeSelectingProbZerosActiveExclusion (qos_test.go) */
    relay_qos ex = with_health(0.5, 0);
    ex.health_excluded = true;
    relay_cand e = {.q = &ex, .stake = 1, .local_match = 1};
    assert_int_equal(relay_weights(p, &e, 1, 1, 100, 0, w), 0);
    assert_true(w[0] < 0);
    /* a new node (QOSScore 0) counts Q_long 0.5; H 0.5 halves QoS */
    relay_qos nq = with_health(0.5, 0);
    relay_cand n1 = {.q = &nq, .stake = 100, .local_match = 1};
    relay_weights(p, &n1, 1, 1, 100, 0, w);
    assert_true(w[0] == 1 * 0.25 / (1 + 0.25));
}

static void test_weights_2025(void **st)
{
    (void)st;
    /* 2025-03 select_nodes.go @ f2bb1b1: weight QOSScore (0 -> 10) x local
     * matches x2 when in-use models equal the task's; only nodes with a
     * task model when any has one */
    const relay_params *a = ed(RELAY_2025_03);
    relay_qos q9, q0;
    relay_qos_init(&q9);
    relay_qos_init(&q0);
    q9.score = 9;
    relay_cand c[3] = {
        {.q = &q9, .local_match = 2, .inuse_match = 2, .inuse_count = 2},
        {.q = &q0, .local_match = 1},
        {.q = &q9},
    };
    double w[3];
    assert_int_equal(relay_weights(a, c, 3, 2, 0, 0, w), 2);
    assert_true(w[0] == 9 * 2 * 2);
    assert_true(w[1] == 10); /* 0 x 1 is still 0 before the 0 -> 10 rule */
    assert_true(w[2] < 0);
    assert_int_equal(relay_weights(a, c + 2, 1, 2, 0, 0, w), 1);
    assert_true(w[0] == 9);
    /* 2025-07 @ 0601431: S*Q/(S+Q), Q 0 -> 0.5, x2 same models, else
     * x(1 + matches/models) */
    const relay_params *b = ed(RELAY_2025_07);
    relay_qos r;
    relay_qos_init(&r);
    r.qos_score = 10;
    relay_cand d[3] = {
        {.q = &r, .stake = 100, .local_match = 1, .inuse_match = 1, .inuse_count = 1},
        {.q = &r, .stake = 25, .local_match = 1},
        {.q = &q0, .stake = 100},
    };
    assert_int_equal(relay_weights(b, d, 3, 1, 100, 0, w), 2);
    assert_true(w[0] == 0.5 * 2);
    assert_true(w[1] == (0.5 * 1.0 / 1.5) * 2);
    assert_true(w[2] < 0);
    assert_int_equal(relay_weights(b, d + 2, 1, 1, 100, 0, w), 1);
    assert_true(w[0] == 0.5 / 1.5);
}

static void test_pick(void **st)
{
    (void)st;
    double w[4] = {-1, 1, 0, 3};
    assert_int_equal(relay_pick(w, 4, 0.0), 1);
    assert_int_equal(relay_pick(w, 4, 0.2499), 1);
    assert_int_equal(relay_pick(w, 4, 0.25), 3);
    assert_int_equal(relay_pick(w, 4, 0.9999999), 3);
    double z[3] = {-1, 0, 0};
    assert_int_equal(relay_pick(z, 3, 0.5), 1); /* all zero: the first kept */
    double none[2] = {-1, -1};
    assert_int_equal(relay_pick(none, 2, 0.5), -1);
}

/* A round's reservations read in place give the draw of the weights with the
 * reserved nodes' set to -1 (what runMatchingRound filters out). */
static void test_pick_unreserved(void **st)
{
    (void)st;
    uint64_t x = 99;
    for (int trial = 0; trial < 2000; trial++) {
        enum { N = 24 };
        double w[N], masked[N];
        uint32_t nodes[N];
        uint8_t reserved[3 * N] = {0};
        for (int i = 0; i < N; i++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            nodes[i] = (uint32_t)(x >> 40) % (3 * N);
            w[i] = (x >> 20 & 7) == 0 ? -1 : (x >> 20 & 7) == 1 ? 0 : (double)(x >> 44) / 1024.0;
        }
        for (int i = 0; i < 3 * N; i++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            reserved[i] = (x >> 61) == 0;
        }
        for (int i = 0; i < N; i++)
            masked[i] = reserved[nodes[i]] ? -1 : w[i];
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        double u = (double)(x >> 11) / 9007199254740992.0;
        assert_int_equal(relay_pick_unreserved(w, nodes, reserved, N, u), relay_pick(masked, N, u));
    }
}

/* relay_pick_prefix against relay_pick_unreserved over whole rounds: two
 * candidate sets (one in ascending node order, one not) share nodes, each
 * draw reserves its node, and every draw must equal the reference's; the
 * weights are mostly small integers so that totals and targets often tie */
static void test_pick_prefix(void **st)
{
    (void)st;
    uint64_t x = 7;
#define NEXT() (x = x * 6364136223846793005ULL + 1442695040888963407ULL)
    size_t draws = 0, late = 0;
    for (int trial = 0; trial < 300; trial++) {
        enum { N = 40, NODES = 64 };
        uint32_t nodes[2][N];
        double w[2][N], acc[2][N];
        uint8_t reserved[NODES] = {0};
        uint32_t made[2 * N];
        size_t n_made = 0, k[2];
        relay_prefix pf[2] = {{.acc = acc[0], .sorted = -1}, {.acc = acc[1], .sorted = -1}};
        for (int s = 0; s < 2; s++) {
            k[s] = 0;
            for (uint32_t a = 0; a < NODES && k[s] < N; a++)
                if (NEXT() >> 62) /* about 3 nodes in 4 */
                    nodes[s][k[s]++] = a;
            for (size_t i = 0; i < k[s]; i++) {
                uint64_t r = NEXT() >> 58;
                w[s][i] = r < 6 ? -1 : r < 12 ? 0 : r < 50 ? (double)(r % 5 + 1) : (double)(NEXT() >> 44) / 1024.0;
            }
        }
        for (size_t i = k[1]; i-- > 1;) { /* the second set shuffled */
            size_t j = (size_t)(NEXT() >> 33) % (i + 1);
            uint32_t t = nodes[1][i];
            nodes[1][i] = nodes[1][j];
            nodes[1][j] = t;
        }
        for (int d = 0; d < 60; d++) {
            int s = (int)(NEXT() >> 63);
            /* the largest u below 1, 0, and eighths (targets equal to a running total) */
            double u = d % 7 == 3   ? 0.99999999999999989
                       : d % 7 == 5 ? 0
                       : d % 7 == 6 ? (double)(NEXT() >> 61) / 8.0
                                    : (double)(NEXT() >> 11) / 9007199254740992.0;
            long want = relay_pick_unreserved(w[s], nodes[s], reserved, k[s], u);
            long got = relay_pick_prefix(&pf[s], w[s], nodes[s], reserved, k[s], made, n_made, u);
            assert_int_equal(got, want);
            draws++;
            if (want < 0)
                continue;
            late += want > (long)k[s] / 2;
            reserved[nodes[s][want]] = 1;
            made[n_made++] = nodes[s][want];
        }
    }
    assert_true(draws == 300 * 60 && late > 1000); /* draws reached the sets' later halves */
#undef NEXT
}

/* ---- pricing: service/task_pricing_test.go @ 24ffc26 --------------------- */

static void test_sd_units(void **st)
{
    (void)st;
    assert_int_equal(relay_sd_units(0, 0, 0, 0), 6 * 512 * 512);              /* ...Defaults */
    assert_int_equal(relay_sd_units(2, 1024, 1024, 20), 2ull * 1024 * 1024 * 20); /* ...Explicit */
    assert_int_equal(relay_sd_units(1, 0, 0, 0), 512 * 512);                  /* ...Partial */
}

static void test_vram_weight(void **st)
{
    (void)st;
    const relay_params *p = ed(RELAY_2026);
    assert_true(relay_vram_weight(p, 24) == 3); /* TestComputeTaskVRAMWeight */
    assert_true(relay_vram_weight(p, 4) == 1);
    assert_true(relay_vram_weight(p, 40) == 5); /* required A100 40 GB */
}

static void test_priority_sd(void **st)
{
    (void)st;
    /* TestApplyTaskPricingComputesPriority: 1e18 wei, 6 images 512x512,
     * 16 GB -> 90 s, weight 2, priority fee/180 */
    const relay_params *p = ed(RELAY_2026);
    relay_task_work t = {.sd_units = relay_sd_units(6, 512, 512, 0), .vram_gb = 16};
    assert_true(relay_estimated_seconds(p, &t, false) == 90);
    assert_true(relay_priority(p, CNX, &t) == CNX / 180);
}

static void test_estimate_llm(void **st)
{
    (void)st;
    /* TestApplyLLMTaskPricingUsesInputAndOutputWork and
     * TestComputeEstimatedNodeSecondsUsesStoredLLMMaxNewTokens */
    const relay_params *p = ed(RELAY_2026);
    relay_task_work t = {.llm = true, .llm_input_bytes = 100, .llm_max_new_tokens = 512};
    assert_true(fabs(relay_estimated_seconds(p, &t, false) - (30 + 100 * 0.0001 + 512 * 0.1)) < 1e-9);
    /* TestComputeExecutionTimeoutIncludesModelSwitch: the switch adds
     * ceil(120 x 2) = 240 s to the timeout */
    relay_task_work u = {.llm = true, .llm_input_bytes = 100, .llm_max_new_tokens = 10};
    assert_int_equal(relay_exec_timeout_s(p, &u, true) - relay_exec_timeout_s(p, &u, false), 240);
    /* docs/task_timeout.md: ceil(clamp(60, 7200, est x 2)) */
    assert_int_equal(relay_exec_timeout_s(p, &u, false), 63); /* 31.01 x 2 = 62.02 */
    relay_task_work tiny = {.sd_units = 1};
    assert_int_equal(relay_exec_timeout_s(p, &tiny, false), 61); /* 60.00008 */
    relay_params low = *p;
    low.sd_overhead_s = 10; /* a calibrated card: the 60 s floor applies */
    assert_int_equal(relay_exec_timeout_s(&low, &tiny, false), 60);
    relay_task_work huge = {.llm = true, .llm_max_new_tokens = 100000};
    assert_int_equal(relay_exec_timeout_s(p, &huge, false), 7200);
}

static void test_bigfloat_rounding(void **st)
{
    (void)st;
    assert_true(relay_bigfloat_quo_int(1000, 1.0) == 1000);
    assert_true(relay_bigfloat_quo_int(CNX, 180.0) == CNX / 180);
    assert_true(relay_bigfloat_quo_int(0, 3.0) == 0);
    /* (2^64 - 1) / 1024 = 2^54 - 2^-10 is exact in 64 bits: truncates */
    wei_t f = ((wei_t)1 << 64) - 1;
    assert_true(relay_bigfloat_quo_int(f, 1024.0) == ((wei_t)1 << 54) - 1);
}

static void test_go_vectors(void **st)
{
    (void)st;
    /* the Relay's own arithmetic under Go (relay_go_vectors.h) */
    for (size_t i = 0; i < sizeof go_staking / sizeof go_staking[0]; i++) {
        wei_t s, m;
        assert_true(wei_parse(go_staking[i].stake, &s));
        assert_true(wei_parse(go_staking[i].max, &m));
        double got = relay_staking_score(s, m);
        uint64_t bits;
        memcpy(&bits, &got, sizeof bits);
        assert_int_equal(bits, go_staking[i].bits);
    }
    for (size_t i = 0; i < sizeof go_priority / sizeof go_priority[0]; i++) {
        wei_t fee, want;
        assert_true(wei_parse(go_priority[i].fee, &fee));
        assert_true(wei_parse(go_priority[i].priority, &want));
        wei_t got = relay_bigfloat_quo_int(fee, go_priority[i].est * go_priority[i].vram_weight);
        char a[WEI_STR_MAX], b[WEI_STR_MAX];
        assert_string_equal(wei_format(got, a), wei_format(want, b));
    }
}

/* ---- queue order --------------------------------------------------------- */

static int sort_ids(const relay_params *p, relay_queued *q, size_t n, uint64_t *ids)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && relay_queue_cmp(p, &q[j], &q[j - 1]) < 0; j--) {
            relay_queued t = q[j];
            q[j] = q[j - 1];
            q[j - 1] = t;
        }
    for (size_t i = 0; i < n; i++)
        ids[i] = q[i].id;
    return 0;
}

static void test_queue_order(void **st)
{
    (void)st;
    /* service/task_queue_test.go TestTaskQueue (added b87601b, 2025-04-01,
     * unchanged at 24ffc26): four tasks of equal fee, ids 1-2 SD and 3-4
     * LLM, pop in the order 3, 4, 1, 2 */
    relay_queued q[4] = {
        {.fee = 4100000000, .type = 0, .id = 1},
        {.fee = 4100000000, .type = 0, .id = 2},
        {.fee = 4100000000, .type = 1, .id = 3},
        {.fee = 4100000000, .type = 1, .id = 4},
    };
    uint64_t ids[4];
    sort_ids(ed(RELAY_2025_03), q, 4, ids);
    assert_int_equal(ids[0], 3);
    assert_int_equal(ids[1], 4);
    assert_int_equal(ids[2], 1);
    assert_int_equal(ids[3], 2);
    /* a higher fee first, whatever the type */
    relay_queued r[3] = {
        {.fee = 5, .type = 1, .id = 1},
        {.fee = 5, .type = 0, .id = 2},
        {.fee = 6, .type = 0, .id = 3},
    };
    sort_ids(ed(RELAY_2025_03), r, 3, ids);
    assert_int_equal(ids[0], 3);
    assert_int_equal(ids[1], 1);
    assert_int_equal(ids[2], 2);
    /* 2025-07 dispatches by id; the fee decides at the node */
    sort_ids(ed(RELAY_2025_07), r, 3, ids);
    assert_int_equal(ids[0], 1);
    assert_int_equal(ids[2], 3);
    assert_true(relay_offer_replaces(5, 6));
    assert_false(relay_offer_replaces(6, 6));
    assert_false(relay_offer_replaces(6, 5));
    /* 2026 TestFetchQueuedTaskPageOrdersByPriorityThenID: priority desc, id */
    relay_queued s[3] = {
        {.priority = 10, .fee = 1, .id = 3},
        {.priority = 20, .fee = 1, .id = 2},
        {.priority = 10, .fee = 9, .id = 1},
    };
    sort_ids(ed(RELAY_2026), s, 3, ids);
    assert_int_equal(ids[0], 2);
    assert_int_equal(ids[1], 1);
    assert_int_equal(ids[2], 3);
}

/* ---- matching rounds: task_matching.go @ 24ffc26 ----------------------- */

typedef struct match_fixture {
    uint32_t nodes[2][3];
    double w[2][3];
    size_t k[2];
    double u[16];
    int next_u;
} match_fixture;

static size_t fx_candidates(void *ctx, uint32_t sig, const uint32_t **nodes, const double **w,
                            relay_prefix **pre)
{
    match_fixture *f = ctx;
    *pre = NULL;
    *nodes = f->nodes[sig];
    *w = f->w[sig];
    return f->k[sig];
}

static double fx_uniform(void *ctx)
{
    match_fixture *f = ctx;
    return f->u[f->next_u++];
}

static void test_match_round(void **st)
{
    (void)st;
    /* TestMatchTaskFromCandidateSetRespectsReservations: two nodes of equal
     * weight; once one is reserved the next task gets the other, and a
     * third task of the same signature gets none */
    const relay_params *p = ed(RELAY_2026);
    match_fixture f = {
        .nodes = {{4, 7}, {9}},
        .w = {{0.5, 0.5}, {0.2}},
        .k = {2, 1},
        .u = {0.9, 0.1, 0.5, 0.3},
    };
    relay_match_io io = {.ctx = &f, .candidates = fx_candidates, .uniform = fx_uniform};
    uint8_t reserved[16] = {0};
    uint32_t sig[4] = {0, 0, 0, 1};
    bool expired[4] = {false, false, false, false};
    relay_pair out[4];
    size_t m = relay_match_round(p, sig, expired, 4, 3, &io, reserved, out);
    assert_int_equal(m, 3);
    assert_int_equal(out[0].task, 0);
    assert_int_equal(out[0].node, 7); /* u 0.9 of 0.5 + 0.5 */
    assert_int_equal(out[1].task, 1);
    assert_int_equal(out[1].node, 4); /* 7 reserved */
    assert_int_equal(out[2].task, 3);
    assert_int_equal(out[2].node, 9);
    for (int i = 0; i < 16; i++)
        assert_int_equal(reserved[i], 0);
    assert_true(relay_next_round_s(p, m) == 0);
    assert_true(relay_next_round_s(p, 0) == 2);
    /* expired tasks are skipped */
    f.next_u = 0;
    expired[0] = true;
    m = relay_match_round(p, sig, expired, 4, 3, &io, reserved, out);
    assert_int_equal(m, 3);
    assert_int_equal(out[0].task, 1);
}

static void test_match_round_pages(void **st)
{
    (void)st;
    /* after a full page of 100, the round stops once every free node is
     * reserved; tasks beyond are left for the next round */
    relay_params p = *ed(RELAY_2026);
    p.batch = 2;
    match_fixture f = {.nodes = {{1, 2, 3}}, .w = {{1, 1, 1}}, .k = {3}, .u = {0, 0, 0, 0, 0, 0}};
    relay_match_io io = {.ctx = &f, .candidates = fx_candidates, .uniform = fx_uniform};
    uint8_t reserved[8] = {0};
    uint32_t sig[6] = {0};
    bool expired[6] = {0};
    relay_pair out[6];
    assert_int_equal(relay_match_round(&p, sig, expired, 6, 2, &io, reserved, out), 2);
    assert_int_equal(f.next_u, 2); /* the second page was not read */
    f.next_u = 0;
    assert_int_equal(relay_match_round(&p, sig, expired, 6, 3, &io, reserved, out), 3);
}

/* ---- validation groups and money ----------------------------------------- */

static void test_group_decisions(void **st)
{
    (void)st;
    /* docs/task_validation_and_slashing.md and ValidateTaskGroup: ranks by
     * execution time give 10/5/2; agree-all -> first validated, others
     * refunded; two against one -> the one invalidated; all differ -> all
     * aborted */
    const relay_params *p = ed(RELAY_2026);
    relay_member m[3] = {{.exec_s = 30, .id = 1}, {.exec_s = 10, .id = 2}, {.exec_s = 20, .id = 3}};
    bool all[3][3] = {{1, 1, 1}, {1, 1, 1}, {1, 1, 1}};
    relay_group_outcome o[3];
    uint64_t s[3];
    bool v[3];
    relay_validate_group(p, m, all, o, s, v);
    assert_int_equal(s[1], 10);
    assert_int_equal(s[2], 5);
    assert_int_equal(s[0], 2);
    assert_int_equal(o[1], RELAY_VALIDATED);
    assert_int_equal(o[2], RELAY_REFUND);
    assert_int_equal(o[0], RELAY_REFUND);
    bool two[3][3] = {{1, 0, 1}, {0, 1, 0}, {1, 0, 1}}; /* 1 and 3 agree */
    relay_validate_group(p, m, two, o, s, v);
    assert_int_equal(o[1], RELAY_INVALIDATED);
    assert_int_equal(o[2], RELAY_VALIDATED);
    assert_int_equal(o[0], RELAY_REFUND);
    bool none[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    relay_validate_group(p, m, none, o, s, v);
    assert_int_equal(o[0], RELAY_ABORTED);
    assert_int_equal(o[1], RELAY_ABORTED);
    assert_int_equal(o[2], RELAY_ABORTED);
    /* a timed-out member: the others are ranked 10, 5 (0601431 on); in
     * 2025-03 the aborted member still uses up its rank */
    m[1].aborted = true;
    relay_validate_group(p, m, all, o, s, v);
    assert_int_equal(s[1], 0);
    assert_int_equal(s[2], 10);
    assert_int_equal(s[0], 5);
    assert_int_equal(o[2], RELAY_VALIDATED);
    assert_int_equal(o[0], RELAY_REFUND);
    assert_int_equal(o[1], RELAY_ABORTED);
    relay_validate_group(ed(RELAY_2025_03), m, all, o, s, v);
    assert_int_equal(s[2], 9);
    assert_int_equal(s[0], 6);
    /* every member aborted: NULL scores from 0601431 on */
    m[0].aborted = m[2].aborted = true;
    relay_validate_group(p, m, all, o, s, v);
    assert_false(v[0] || v[1] || v[2]);
}

static void test_group_payments_remainder(void **st)
{
    (void)st;
    /* SetTaskStatusEndSuccess: fee x score / total each, the last also the
     * sum of remainders.  fee 101, scores 10, 5, 2 (total 17): 59 r7, 29 r12,
     * 11 r15; remainders 34 -> last 11 + 34 = 45; paid 133 = 101 + 32 */
    uint64_t sc[3] = {10, 5, 2};
    wei_t pay[3], extra;
    assert_true(relay_group_payments(101, sc, 3, pay, &extra));
    assert_true(pay[0] == 59 && pay[1] == 29 && pay[2] == 45);
    assert_true(extra == 32);
    /* an exact split pays the fee */
    assert_true(relay_group_payments(170, sc, 3, pay, &extra));
    assert_true(pay[0] == 100 && pay[1] == 50 && pay[2] == 20 && extra == 0);
    uint64_t zero[2] = {0, 0};
    assert_false(relay_group_payments(1, zero, 2, pay, &extra));
}

static void test_income_split(void **st)
{
    (void)st;
    /* docs/task_fee_charge_and_settlement.md: dao floor(p x pct/100), then
     * delegators floor(rest x share/100) pro rata, operator the rest */
    wei_t dao, op, del[3];
    wei_t stakes[3] = {400, 400, 200};
    assert_true(relay_income_split(1001, 10, 30, stakes, 3, &dao, &op, del));
    assert_true(dao == 100);
    /* rest 901, delegators 270: 108, 108, 54 */
    assert_true(del[0] == 108 && del[1] == 108 && del[2] == 54);
    assert_true(op == 631);
    assert_true(dao + op + del[0] + del[1] + del[2] == 1001);
    /* remainder to the first delegation: 100 x 50% = 50 over 1:1:1 */
    wei_t eq[3] = {1, 1, 1};
    assert_true(relay_income_split(100, 0, 50, eq, 3, &dao, &op, del));
    assert_true(del[0] == 18 && del[1] == 16 && del[2] == 16 && op == 50 && dao == 0);
    /* no delegations: the operator takes it all */
    assert_true(relay_income_split(77, 0, 50, NULL, 0, &dao, &op, del));
    assert_true(op == 77);
    /* CNX-sized amounts: a 30 CNX fee times a 4,000 CNX delegation is
     * 1.2e41 wei^2, past 128 bits; the Relay's big.Int takes it, and so
     * must the split: pool 6 CNX over 4,000 : 1,000 */
    const wei_t C = (wei_t)1000000000000000000ull;
    wei_t big[2] = {4000 * C, 1000 * C};
    assert_true(relay_income_split(30 * C, 0, 20, big, 2, &dao, &op, del));
    assert_true(del[0] == 48 * C / 10 && del[1] == 12 * C / 10 && op == 24 * C && dao == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_editions_pinned),
        cmocka_unit_test(test_need_validation),
        cmocka_unit_test(test_health_penalty_excludes_below_enter),
        cmocka_unit_test(test_health_penalty_at_enter_threshold),
        cmocka_unit_test(test_health_excluded_flag_and_exit),
        cmocka_unit_test(test_health_two_stage_and_recovery),
        cmocka_unit_test(test_permanent_kickout_ignores_health),
        cmocka_unit_test(test_rejoin_floor),
        cmocka_unit_test(test_pool_rolls_over_50),
        cmocka_unit_test(test_kickout_windows_2025),
        cmocka_unit_test(test_staking_score),
        cmocka_unit_test(test_weights_2026_matching_tests),
        cmocka_unit_test(test_weights_2025),
        cmocka_unit_test(test_pick),
        cmocka_unit_test(test_pick_unreserved),
        cmocka_unit_test(test_pick_prefix),
        cmocka_unit_test(test_sd_units),
        cmocka_unit_test(test_vram_weight),
        cmocka_unit_test(test_priority_sd),
        cmocka_unit_test(test_estimate_llm),
        cmocka_unit_test(test_bigfloat_rounding),
        cmocka_unit_test(test_go_vectors),
        cmocka_unit_test(test_queue_order),
        cmocka_unit_test(test_match_round),
        cmocka_unit_test(test_match_round_pages),
        cmocka_unit_test(test_group_decisions),
        cmocka_unit_test(test_group_payments_remainder),
        cmocka_unit_test(test_income_split),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
