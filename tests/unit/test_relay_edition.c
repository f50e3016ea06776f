/* Unit tests of the Relay editions behind protocol/edition.h
 * (sim/protocol/relay/relay_edition.c): relay_net on the proto's accounts,
 * the events each transaction gives, slashing and passive slashing, and the
 * total supply to the wei. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "protocol/edition.h"
#include "protocol/relay/relay_edition.h"

static const wei_t CNX = (wei_t)1000000000000000000ull;

static uint64_t lcg = 1;
static double uni(void *ctx)
{
    (void)ctx;
    lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(lcg >> 11) / 9007199254740992.0;
}

typedef struct fixture {
    proto *p;
    uint32_t app, node[3];
    wei_t supply;
} fixture;

static void setup(fixture *f, proto_edition_id ed, uint32_t nodes)
{
    lcg = 1;
    proto_params prm = proto_params_of(ed);
    f->p = proto_new(&prm, 16, 64);
    assert_non_null(f->p);
    /* the Relay's own account and the dao's come first */
    assert_int_equal(proto_num_accounts(f->p), PROTO_ACC_FIRST + 2);
    assert_true(proto_balance(f->p, PROTO_ACC_FIRST) == RELAY_EDITION_FUNDING);
    relay_ext m = {.n_models = 1};
    assert_true(proto_ext(f->p, 0, PROTO_ACC_OWNER, RELAY_OP_MODELS, &m));
    f->app = proto_add_account(f->p, 1000 * CNX);
    for (uint32_t i = 0; i < nodes; i++) {
        f->node[i] = proto_add_account(f->p, prm.stake);
        assert_true(proto_join(f->p, 0, f->node[i], "NVIDIA GeForce RTX 4090", 24));
    }
    f->supply = proto_total_supply(f->p);
}

static uint64_t create(fixture *f, uint64_t now, uint64_t group)
{
    relay_ext a = {.fee = 6 * CNX, .work = {.sd_units = 512 * 512 * 25, .vram_gb = 8}, .timeout_s = 900,
                   .group = group};
    assert_true(proto_ext(f->p, now, f->app, RELAY_OP_CREATE, &a));
    size_t n;
    const proto_event *ev = proto_events(f->p, &n);
    assert_int_equal(n, 1);
    assert_int_equal(ev[0].kind, PROTO_EV_VSS_QUEUED);
    assert_int_equal(ev[0].task_id, a.created);
    return a.created;
}

/* The number of events of kind k in the last transaction. */
static size_t count(const proto *p, proto_event_kind k)
{
    size_t n, c = 0;
    const proto_event *ev = proto_events(p, &n);
    for (size_t i = 0; i < n; i++)
        c += ev[i].kind == k;
    return c;
}

static void tick(fixture *f, uint64_t now)
{
    relay_ext a = {.uniform = uni};
    assert_true(proto_ext(f->p, now, PROTO_ACC_OWNER, RELAY_OP_TICK, &a));
}

/* Ticks every 2 s until the tasks all run (2025-07's offers may leave a
 * task that lost its node for the next round). */
static uint64_t start_all(fixture *f, uint64_t now, const uint64_t *id, int n)
{
    for (int round = 0; round < 20; round++, now += 2) {
        tick(f, now);
        int running = 0;
        for (int i = 0; i < n; i++)
            running += proto_task_get(f->p, id[i], &(proto_task_view){0});
        if (running == n)
            return now;
    }
    fail_msg("tasks not started");
    return now;
}

static uint32_t node_of(const proto *p, uint64_t id)
{
    proto_task_view v;
    assert_true(proto_task_get(p, id, &v));
    return v.selected[0];
}

static void submit(fixture *f, uint64_t now, uint64_t id, uint8_t byte)
{
    uint8_t hash[8];
    memset(hash, byte, sizeof hash);
    relay_ext a = {.task_id = id, .score = hash, .score_len = sizeof hash};
    assert_true(proto_ext(f->p, now, node_of(f->p, id), RELAY_OP_SUBMIT, &a));
}

/* One task: queued, started by the tick, validated on its score, paid on
 * the upload; the escrow holds the fee in between. */
static void test_single_task(void **state)
{
    (void)state;
    fixture f;
    setup(&f, PROTO_RELAY_2026, 1);
    uint64_t id = create(&f, 10, 0);
    assert_true(proto_task_is_queued(f.p, id));
    assert_int_equal(proto_queue_size(f.p), 1);
    assert_true(proto_balance(f.p, PROTO_ACC_TASK) == 6 * CNX);
    tick(&f, 12);
    assert_int_equal(count(f.p, PROTO_EV_VSS_STARTED), 1);
    assert_int_equal(proto_queue_size(f.p), 0);
    assert_int_equal(node_of(f.p, id), f.node[0]);
    /* only its node submits */
    uint8_t h[8] = {0};
    relay_ext bad = {.task_id = id, .score = h, .score_len = 8};
    assert_false(proto_ext(f.p, 20, f.app, RELAY_OP_SUBMIT, &bad));
    submit(&f, 40, id, 1);
    assert_int_equal(count(f.p, PROTO_EV_VSS_SCORE_READY), 1);
    assert_int_equal(count(f.p, PROTO_EV_VSS_VALIDATED), 1);
    assert_true(proto_report_uploaded(f.p, 45, f.node[0], id, 0));
    size_t n;
    const proto_event *ev = proto_events(f.p, &n);
    assert_int_equal(n, 1);
    assert_int_equal(ev[0].kind, PROTO_EV_VSS_END_SUCCESS);
    assert_true(ev[0].fee == 6 * CNX);
    assert_true(proto_balance(f.p, f.node[0]) == 6 * CNX); /* its stake is locked */
    assert_true(proto_balance(f.p, PROTO_ACC_NODE) == proto_params_of(PROTO_RELAY_2026).stake);
    assert_true(proto_balance(f.p, PROTO_ACC_TASK) == 0);
    assert_true(proto_total_supply(f.p) == f.supply);
    assert_true(relay_edition_escrow(f.p) == 0);
    proto_free(f.p);
}

/* 2026 computes the timeout from the estimate: 30 s + 3.8147e-5 x 6.5536e6
 * = 280 s, x 2 = 560 s (test_relay_net.c); the tick aborts it then, not
 * before, and the fee goes back. */
static void test_timeout_from_estimate(void **state)
{
    (void)state;
    fixture f;
    setup(&f, PROTO_RELAY_2026, 1);
    wei_t app0 = proto_balance(f.p, f.app);
    uint64_t id = create(&f, 0, 0);
    tick(&f, 0);
    assert_false(proto_cancel(f.p, 559, f.app, id));
    tick(&f, 559);
    assert_int_equal(count(f.p, PROTO_EV_VSS_END_ABORTED), 0);
    tick(&f, 560);
    assert_int_equal(count(f.p, PROTO_EV_VSS_END_ABORTED), 1);
    assert_true(proto_balance(f.p, f.app) == app0);
    assert_true(proto_total_supply(f.p) == f.supply);
    proto_free(f.p);
}

/* A validation group of three with one fake: 2025-03 slashes its node (the
 * stake to the owner, NodeSlashed), relay-2026 only records a review. */
static void group_with_fake(proto_edition_id ed, bool slashed)
{
    fixture f;
    setup(&f, ed, 3);
    wei_t owner0 = proto_balance(f.p, PROTO_ACC_OWNER), relay0 = proto_balance(f.p, PROTO_ACC_FIRST);
    uint64_t a = create(&f, 0, RELAY_EXT_GROUP_FIRST);
    uint64_t b = create(&f, 0, a), c = create(&f, 0, a);
    uint64_t ids[3] = {a, b, c};
    uint64_t t = start_all(&f, 2, ids, 3);
    uint32_t cheat = node_of(f.p, c);
    submit(&f, t + 10, a, 1);
    submit(&f, t + 11, b, 1);
    submit(&f, t + 12, c, 0xf0); /* 32 bits from the others: over the threshold of 24 */
    assert_int_equal(count(f.p, PROTO_EV_VSS_END_INVALIDATED), 1);
    assert_int_equal(count(f.p, PROTO_EV_VSS_END_GROUP_REFUND), 1);
    assert_int_equal(count(f.p, PROTO_EV_VSS_VALIDATED), 1);
    assert_int_equal(count(f.p, PROTO_EV_NODE_SLASHED), slashed);
    proto_node_view v;
    proto_node_get(f.p, cheat, &v);
    assert_int_equal(v.status, slashed ? PROTO_NODE_QUIT : PROTO_NODE_AVAILABLE);
    wei_t stake = proto_params_of(ed).stake;
    assert_true(proto_balance(f.p, PROTO_ACC_OWNER) == owner0 + (slashed ? stake : 0));
    /* the invalidated task's fee stays with the Relay */
    assert_true(proto_balance(f.p, PROTO_ACC_FIRST) == relay0 + 6 * CNX);
    proto_quirk_counters q = {0};
    proto_quirks_get(f.p, &q);
    assert_true(q.relay_kept_wei == 6 * CNX);
    assert_true(proto_total_supply(f.p) == f.supply);
    proto_free(f.p);
}

static void test_group_slash_2025_03(void **state)
{
    (void)state;
    group_with_fake(PROTO_RELAY_2025_03, true);
}

static void test_group_passive_2026(void **state)
{
    (void)state;
    group_with_fake(PROTO_RELAY_2026, false);
}

/* A group that agrees: the paid task's upload pays its valid members their
 * shares of one fee (scores 10/5/2 of 2025-07 and 2026) with the rounding
 * excess from the Relay's account; the supply does not move. */
static void test_group_payments(void **state)
{
    (void)state;
    fixture f;
    setup(&f, PROTO_RELAY_2025_07, 3);
    uint64_t id[3];
    id[0] = create(&f, 0, RELAY_EXT_GROUP_FIRST);
    id[1] = create(&f, 0, id[0]);
    id[2] = create(&f, 0, id[0]);
    uint64_t t = start_all(&f, 2, id, 3);
    for (int i = 0; i < 3; i++)
        submit(&f, t + 10 + (uint64_t)i, id[i], 7);
    /* one task is validated and paid (the fastest); its upload ends the group */
    uint64_t paid = 0;
    int validated = 0;
    for (int i = 0; i < 3; i++)
        if (proto_task_get(f.p, id[i], &(proto_task_view){0}))
            paid = id[i], validated++;
    assert_int_equal(validated, 1);
    assert_true(proto_report_uploaded(f.p, t + 20, node_of(f.p, paid), paid, 0));
    assert_int_equal(count(f.p, PROTO_EV_VSS_END_GROUP_SUCCESS), 1);
    wei_t got = 0;
    for (int i = 0; i < 3; i++)
        got += proto_balance(f.p, f.node[i]);
    proto_quirk_counters q = {0};
    proto_quirks_get(f.p, &q);
    /* floor(6e18 x s / 17) for s = 10, 5, 2, the last plus the sum of the
     * three remainders: 3529411764705882352 + 1764705882352941176 +
     * 705882352941176504 = 6e18 + 32 (exact integers, worked in Python) */
    assert_true(q.relay_excess_wei == 32);
    assert_true(got == 6 * CNX + 32);
    assert_true(proto_balance(f.p, PROTO_ACC_TASK) == 0);
    assert_true(proto_total_supply(f.p) == f.supply);
    proto_free(f.p);
}

/* RELAY_OP_STAKE: a node names its own stake, at least the minimum,
 * before its first join; the join locks exactly it and a quit returns it. */
static void test_own_stake(void **state)
{
    (void)state;
    fixture f;
    setup(&f, PROTO_RELAY_2026, 0);
    wei_t min = proto_params_of(PROTO_RELAY_2026).stake, mine = min + 1234 * CNX;
    uint32_t n = proto_add_account(f.p, mine);
    relay_ext a = {.stake = min - 1};
    assert_false(proto_ext(f.p, 0, n, RELAY_OP_STAKE, &a));
    assert_string_equal(proto_revert_reason(f.p), "Stake amount is less than the minimum");
    a.stake = mine;
    assert_false(proto_ext(f.p, 0, PROTO_ACC_OWNER, RELAY_OP_STAKE, &a));
    assert_true(proto_ext(f.p, 0, n, RELAY_OP_STAKE, &a));
    assert_true(proto_join(f.p, 0, n, "NVIDIA GeForce RTX 4090", 24));
    rn_node_view v;
    relay_net_node(proto_relay(f.p), n, &v);
    assert_true(v.stake == mine);
    assert_true(proto_balance(f.p, n) == 0);
    assert_false(proto_ext(f.p, 0, n, RELAY_OP_STAKE, &a)); /* joined once: too late */
    assert_true(proto_quit(f.p, 1, n));
    assert_true(proto_balance(f.p, n) == mine);
    assert_true(proto_total_supply(f.p) == f.supply + mine);
    proto_free(f.p);
}

/* The edition's description and its scenario keys. */
static void test_descriptions(void **state)
{
    (void)state;
    const char *names[] = {"relay-2025-03", "relay-2025-07", "relay-2026"};
    for (int i = 0; i < 3; i++) {
        const proto_edition *e = proto_edition_find(names[i]);
        assert_non_null(e);
        assert_int_equal(e->seats, 1);
        assert_true(proto_edition_is_relay(e->id));
        assert_true(proto_edition_accepts(e, "sample_mod"));
        assert_true(proto_edition_accepts(e, "stake_max"));
        assert_false(proto_edition_accepts(e, "kickout_threshold"));
    }
    assert_int_equal(proto_params_of(PROTO_RELAY_2025_03).sample_mod, 10);
    assert_int_equal(proto_params_of(PROTO_RELAY_2026).sample_mod, 100);
    assert_true(proto_params_of(PROTO_RELAY_2026).passive_slash);
    assert_false(proto_params_of(PROTO_RELAY_2025_07).passive_slash);
    assert_false(proto_edition_accepts(proto_edition_find("helium"), "sample_mod"));
    assert_false(proto_edition_accepts(proto_edition_find("helium"), "stake_max"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_own_stake),
        cmocka_unit_test(test_single_task),     cmocka_unit_test(test_timeout_from_estimate),
        cmocka_unit_test(test_group_slash_2025_03), cmocka_unit_test(test_group_passive_2026),
        cmocka_unit_test(test_group_payments),  cmocka_unit_test(test_descriptions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
