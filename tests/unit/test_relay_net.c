/* Unit tests of the Relay state machine (sim/protocol/relay/relay_net.c):
 * task lifecycles under each edition, money conserved to the wei, and the
 * rules of relay.h seen through whole transactions (test_relay.c checks
 * the rules themselves against the Relay's Go tests). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "protocol/relay/relay_net.h"

static const wei_t CNX = (wei_t)1000000000000000000ull;

static uint64_t lcg = 1;
static double uni(void *ctx)
{
    (void)ctx;
    lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(lcg >> 11) / 9007199254740992.0;
}

typedef struct fixture {
    relay_net *n;
    uint32_t app, node[4], user;
    wei_t total;
} fixture;

static void setup(fixture *f, relay_edition e)
{
    lcg = 1;
    f->n = relay_net_new(e, 64, 64);
    assert_non_null(f->n);
    relay_net_fund_relay(f->n, 1000);
    f->app = relay_net_add_account(f->n, 1000 * CNX);
    uint32_t model = 7;
    for (int i = 0; i < 4; i++) {
        f->node[i] = relay_net_add_account(f->n, 500 * CNX);
        assert_true(relay_net_join(f->n, 0, f->node[i], 24, 400 * CNX, 30, &model, 1));
    }
    f->user = relay_net_add_account(f->n, 1000 * CNX);
    f->total = relay_net_total(f->n);
}

/* only node[0] stays, so every task lands on it */
static void one_node(fixture *f)
{
    for (int i = 1; i < 4; i++)
        assert_true(relay_net_quit(f->n, 0, f->node[i]));
}

static relay_task_work sd = {.sd_units = 512 * 512 * 25, .vram_gb = 8};

static uint32_t node_of(const relay_net *n, uint32_t t)
{
    rn_task_view v;
    relay_net_task(n, t, &v);
    return v.node;
}

static void test_single_task_2026(void **st)
{
    (void)st;
    fixture f;
    setup(&f, RELAY_2026);
    uint32_t t = relay_net_create(f.n, 0, f.app, 3 * CNX, &sd, 7, 0, RN_NONE);
    assert_int_not_equal(t, RN_NONE);
    double next;
    assert_int_equal(relay_net_dispatch(f.n, 0, uni, NULL, &next), 1);
    assert_true(next == 0);
    rn_task_view v;
    relay_net_task(f.n, t, &v);
    assert_int_equal(v.status, RN_STARTED);
    /* docs/task_timeout.md: 30 + 6.55 M pixel-steps x 3.81e-5 = 280 s, x2 */
    assert_true(v.deadline_s == 560);
    uint32_t nd = v.node;
    wei_t before = relay_net_balance(f.n, nd);
    assert_true(relay_net_submit(f.n, 40, t, 99));
    assert_true(relay_net_upload(f.n, 45, t));
    assert_true(relay_net_balance(f.n, nd) == before + 3 * CNX);
    assert_true(relay_net_total(f.n) == f.total);
    rn_node_view nv;
    relay_net_node(f.n, nd, &nv);
    assert_false(nv.busy);
    assert_false(relay_net_upload(f.n, 46, t));
    assert_true(relay_net_dispatch(f.n, 50, uni, NULL, &next) == 0 && next == 2);
    relay_net_free(f.n);
}

static void test_group_2026(void **st)
{
    (void)st;
    fixture f;
    setup(&f, RELAY_2026);
    wei_t fee = 101;
    uint32_t g = relay_net_create(f.n, 0, f.app, fee, &sd, 7, 0, RN_GROUP_FIRST);
    uint32_t g2 = relay_net_create(f.n, 0, f.app, fee, &sd, 7, 0, g);
    uint32_t g3 = relay_net_create(f.n, 0, f.app, fee, &sd, 7, 0, g);
    assert_int_equal(relay_net_create(f.n, 0, f.app, fee, &sd, 7, 0, g), RN_NONE);
    double next;
    assert_int_equal(relay_net_dispatch(f.n, 0, uni, NULL, &next), 3);
    wei_t app0 = relay_net_balance(f.n, f.app);
    uint32_t n1 = node_of(f.n, g), n2 = node_of(f.n, g2), n3 = node_of(f.n, g3);
    wei_t b1 = relay_net_balance(f.n, n1), b2 = relay_net_balance(f.n, n2), b3 = relay_net_balance(f.n, n3);
    /* finishing order g2, g3, g: ranks 10, 5, 2 */
    assert_true(relay_net_submit(f.n, 10, g2, 5));
    assert_true(relay_net_submit(f.n, 20, g3, 5));
    assert_true(relay_net_submit(f.n, 30, g, 5));
    rn_task_view v;
    relay_net_task(f.n, g2, &v);
    assert_int_equal(v.status, RN_VALIDATED);
    assert_int_equal(v.qos_score, 10);
    relay_net_task(f.n, g, &v);
    assert_int_equal(v.status, RN_END_GROUP_REFUND);
    assert_true(relay_net_balance(f.n, f.app) == app0 + 2 * fee);
    assert_true(relay_net_upload(f.n, 40, g2));
    /* in id order (GetTaskGroupByTaskID has no ORDER BY: primary key):
     * g 101 x 2/17 = 11 r15, g2 x 10/17 = 59 r7, g3 x 5/17 = 29 r12, and
     * the last, g3, also gets the 34 of remainders; no delegators, so the
     * 30 % delegator share goes to the operator too */
    assert_true(relay_net_balance(f.n, n1) == b1 + 11);
    assert_true(relay_net_balance(f.n, n2) == b2 + 59);
    assert_true(relay_net_balance(f.n, n3) == b3 + 63);
    rn_counters c;
    relay_net_counters(f.n, &c);
    assert_true(c.group_excess == 32);
    assert_true(relay_net_total(f.n) == f.total);
    assert_true(relay_net_balance(f.n, RN_ACC_ESCROW) == 0);
    relay_net_free(f.n);
}

static void test_two_against_one_2025_03(void **st)
{
    (void)st;
    fixture f;
    setup(&f, RELAY_2025_03);
    uint32_t g = relay_net_create(f.n, 0, f.app, 30, &sd, 7, 180, RN_GROUP_FIRST);
    uint32_t g2 = relay_net_create(f.n, 0, f.app, 30, &sd, 7, 180, g);
    uint32_t g3 = relay_net_create(f.n, 0, f.app, 30, &sd, 7, 180, g);
    double next;
    assert_int_equal(relay_net_dispatch(f.n, 0, uni, NULL, &next), 3);
    uint32_t cheat = node_of(f.n, g3);
    assert_true(relay_net_submit(f.n, 10, g, 1));
    assert_true(relay_net_submit(f.n, 11, g2, 1));
    assert_true(relay_net_submit(f.n, 12, g3, 2));
    rn_node_view nv;
    relay_net_node(f.n, cheat, &nv);
    assert_true(nv.slashed);
    assert_false(nv.joined);
    assert_true(relay_net_balance(f.n, RN_ACC_TREASURY) == 400 * CNX);
    rn_counters c;
    relay_net_counters(f.n, &c);
    assert_int_equal(c.slashes, 1);
    assert_true(c.kept_fees == 30); /* the invalidated task's fee stays */
    assert_true(relay_net_upload(f.n, 20, g));
    /* 2025-03 ranks 10, 9 among the valid members: 30 x 10/19, 30 x 9/19 */
    assert_true(relay_net_total(f.n) == f.total);
    relay_net_free(f.n);
}

static void test_passive_slash_2026(void **st)
{
    (void)st;
    fixture f;
    setup(&f, RELAY_2026);
    uint32_t g = relay_net_create(f.n, 0, f.app, 30, &sd, 7, 0, RN_GROUP_FIRST);
    uint32_t g2 = relay_net_create(f.n, 0, f.app, 30, &sd, 7, 0, g);
    uint32_t g3 = relay_net_create(f.n, 0, f.app, 30, &sd, 7, 0, g);
    double next;
    relay_net_dispatch(f.n, 0, uni, NULL, &next);
    uint32_t cheat = node_of(f.n, g2);
    assert_true(relay_net_submit(f.n, 10, g, 1));
    assert_true(relay_net_submit(f.n, 11, g2, 2));
    assert_true(relay_net_submit(f.n, 12, g3, 1));
    rn_node_view nv;
    relay_net_node(f.n, cheat, &nv);
    assert_true(nv.joined); /* a review, not a slash */
    assert_false(nv.busy);
    rn_counters c;
    relay_net_counters(f.n, &c);
    assert_int_equal(c.slash_reviews, 1);
    assert_int_equal(c.slashes, 0);
    assert_true(relay_net_total(f.n) == f.total);
    relay_net_free(f.n);
}

static void test_timeouts_health_2026(void **st)
{
    (void)st;
    fixture f;
    setup(&f, RELAY_2026);
    one_node(&f);
    double now = 0, next;
    for (int k = 0; k < 3; k++) {
        uint32_t t = relay_net_create(f.n, now, f.app, 10, &sd, 7, 0, RN_NONE);
        assert_int_equal(relay_net_dispatch(f.n, now, uni, NULL, &next), 1);
        assert_false(relay_net_timeout(f.n, now + 1, t));
        now += 560;
        assert_true(relay_net_timeout(f.n, now, t));
    }
    rn_node_view nv;
    relay_net_node(f.n, f.node[0], &nv);
    assert_true(nv.qos->health_excluded); /* 1 -> 0.95 -> ~0.33 -> ~0.11 */
    rn_counters c;
    relay_net_counters(f.n, &c);
    assert_int_equal(c.health_exclusions, 1);
    uint32_t t = relay_net_create(f.n, now, f.app, 10, &sd, 7, 0, RN_NONE);
    assert_int_equal(relay_net_dispatch(f.n, now, uni, NULL, &next), 0);
    /* recovered past 0.8 after about 50 min */
    assert_int_equal(relay_net_dispatch(f.n, now + 3600, uni, NULL, &next), 1);
    (void)t;
    assert_true(relay_net_total(f.n) == f.total);
    relay_net_free(f.n);
}

static void test_kickout_2025_07(void **st)
{
    (void)st;
    fixture f;
    setup(&f, RELAY_2025_07);
    one_node(&f);
    double now = 0, next;
    for (int k = 0; k < 2; k++) {
        uint32_t t = relay_net_create(f.n, now, f.app, 10, &sd, 7, 180, RN_NONE);
        assert_int_equal(relay_net_dispatch(f.n, now, uni, NULL, &next), 1);
        now += 180;
        assert_true(relay_net_timeout(f.n, now, t));
    }
    rn_node_view nv;
    relay_net_node(f.n, f.node[0], &nv);
    assert_true(nv.kicked_out);
    assert_false(nv.slashed);
    assert_true(relay_net_balance(f.n, f.node[0]) == 500 * CNX); /* stake back */
    assert_true(relay_net_total(f.n) == f.total);
    /* it may join again: the window restarts, its score was set to 0 */
    uint32_t model = 7;
    assert_true(relay_net_join(f.n, 400, f.node[0], 24, 400 * CNX, 0, &model, 1));
    relay_net_node(f.n, f.node[0], &nv);
    assert_int_equal(nv.qos->recent_n, 0);
    assert_true(nv.qos->qos_score == 0);
    relay_net_free(f.n);
}

static void test_offers_2025_07(void **st)
{
    (void)st;
    fixture f;
    setup(&f, RELAY_2025_07);
    one_node(&f);
    uint32_t lo = relay_net_create(f.n, 0, f.app, 10, &sd, 7, 180, RN_NONE);
    uint32_t hi = relay_net_create(f.n, 0, f.app, 20, &sd, 7, 180, RN_NONE);
    double next;
    assert_int_equal(relay_net_dispatch(f.n, 0, uni, NULL, &next), 1);
    rn_task_view v;
    relay_net_task(f.n, hi, &v);
    assert_int_equal(v.status, RN_STARTED);
    relay_net_task(f.n, lo, &v);
    assert_int_equal(v.status, RN_QUEUED);
    /* queued tasks expire 3 min + their timeout after creation */
    assert_int_equal(relay_net_dispatch(f.n, 360, uni, NULL, &next), 0);
    relay_net_task(f.n, lo, &v);
    assert_int_equal(v.status, RN_END_ABORTED);
    assert_int_equal(v.abort, RN_ABORT_QUEUE_TIMEOUT);
    assert_true(relay_net_total(f.n) == f.total);
    relay_net_free(f.n);
}

static void test_group_member_expires_2026(void **st)
{
    (void)st;
    /* two nodes for a group of three: the third task waits in the queue
     * until it expires (21600 s); the group is then validated with it
     * aborted, and the first two are not left waiting */
    fixture f;
    setup(&f, RELAY_2026);
    for (int i = 2; i < 4; i++)
        assert_true(relay_net_quit(f.n, 0, f.node[i]));
    uint32_t g = relay_net_create(f.n, 0, f.app, 30, &sd, 7, 0, RN_GROUP_FIRST);
    uint32_t g2 = relay_net_create(f.n, 0, f.app, 30, &sd, 7, 0, g);
    uint32_t g3 = relay_net_create(f.n, 0, f.app, 30, &sd, 7, 0, g);
    double next;
    assert_int_equal(relay_net_dispatch(f.n, 0, uni, NULL, &next), 2);
    assert_true(relay_net_submit(f.n, 10, g, 4));
    assert_true(relay_net_submit(f.n, 20, g2, 4));
    rn_task_view v;
    relay_net_task(f.n, g, &v);
    assert_int_equal(v.status, RN_SCORE_READY);
    assert_int_equal(relay_net_dispatch(f.n, 21600, uni, NULL, &next), 0);
    relay_net_task(f.n, g3, &v);
    assert_int_equal(v.abort, RN_ABORT_QUEUE_TIMEOUT);
    relay_net_task(f.n, g, &v);
    assert_int_equal(v.status, RN_VALIDATED);
    relay_net_task(f.n, g2, &v);
    assert_int_equal(v.status, RN_END_GROUP_REFUND);
    assert_true(relay_net_upload(f.n, 21601, g));
    assert_true(relay_net_total(f.n) == f.total);
    assert_true(relay_net_balance(f.n, RN_ACC_ESCROW) == 0);
    relay_net_free(f.n);
}

static void test_delegation_2026(void **st)
{
    (void)st;
    fixture f;
    setup(&f, RELAY_2026);
    one_node(&f);
    assert_true(relay_net_delegate(f.n, f.user, f.node[0], 400 * CNX));
    uint32_t t = relay_net_create(f.n, 0, f.app, 1000, &sd, 7, 0, RN_NONE);
    double next;
    relay_net_dispatch(f.n, 0, uni, NULL, &next);
    wei_t u0 = relay_net_balance(f.n, f.user), n0 = relay_net_balance(f.n, f.node[0]);
    assert_true(relay_net_submit(f.n, 10, t, 1));
    assert_true(relay_net_upload(f.n, 11, t));
    /* delegator share 30 %: 300 to the delegator, 700 to the operator */
    assert_true(relay_net_balance(f.n, f.user) == u0 + 300);
    assert_true(relay_net_balance(f.n, f.node[0]) == n0 + 700);
    assert_true(relay_net_total(f.n) == f.total);
    /* 2025 editions have no delegation */
    fixture g;
    setup(&g, RELAY_2025_07);
    assert_false(relay_net_delegate(g.n, g.user, g.node[0], CNX));
    relay_net_free(g.n);
    relay_net_free(f.n);
}

/* relay-2026's deadlines after execution (service/start_task.go
 * GetTaskDeadline, task_status.go SetTaskStatusEndAborted @ 24ffc26): a
 * validated task not uploaded within 600 s is aborted, its fee refunded and
 * its node's health penalized; a group member that scored but waits more
 * than 600 s for the application's validation (the third member still
 * runs) is aborted with its node paid the fee.  2025 editions have neither. */
static void test_phase_timeouts_2026(void **st)
{
    (void)st;
    fixture f;
    setup(&f, RELAY_2026);
    one_node(&f);
    double next;
    /* upload timeout */
    uint32_t t = relay_net_create(f.n, 0, f.app, 3 * CNX, &sd, 7, 0, RN_NONE);
    assert_int_equal(relay_net_dispatch(f.n, 0, uni, NULL, &next), 1);
    wei_t app0 = relay_net_balance(f.n, f.app), node0 = relay_net_balance(f.n, f.node[0]);
    assert_true(relay_net_submit(f.n, 40, t, 9));
    assert_true(relay_net_phase_deadline(f.n, t) == 640);
    assert_false(relay_net_phase_timeout(f.n, 639, t));
    assert_true(relay_net_phase_timeout(f.n, 640, t));
    rn_task_view v;
    relay_net_task(f.n, t, &v);
    assert_int_equal(v.status, RN_END_ABORTED);
    assert_int_equal(v.abort, RN_ABORT_UPLOAD_TIMEOUT);
    assert_true(relay_net_balance(f.n, f.app) == app0 + 3 * CNX);
    assert_true(relay_net_balance(f.n, f.node[0]) == node0);
    rn_node_view nv;
    relay_net_node(f.n, f.node[0], &nv);
    assert_false(nv.busy);
    assert_true(nv.qos->health_set); /* the first penalty: 1 -> 0.95 */
    assert_false(relay_net_upload(f.n, 641, t));
    /* validation timeout: a group's first two members wait for the third */
    for (int i = 1; i < 3; i++)
        assert_true(relay_net_join(f.n, 700, f.node[i], 24, 400 * CNX, 0, (uint32_t[]){7}, 1));
    uint32_t g = relay_net_create(f.n, 700, f.app, 3 * CNX, &sd, 7, 0, RN_GROUP_FIRST);
    uint32_t g2 = relay_net_create(f.n, 700, f.app, 3 * CNX, &sd, 7, 0, g);
    uint32_t g3 = relay_net_create(f.n, 700, f.app, 3 * CNX, &sd, 7, 0, g);
    assert_int_equal(relay_net_dispatch(f.n, 700, uni, NULL, &next), 3);
    uint32_t n1 = node_of(f.n, g);
    wei_t b1 = relay_net_balance(f.n, n1);
    assert_true(relay_net_submit(f.n, 710, g, 5));
    assert_true(relay_net_submit(f.n, 720, g2, 5));
    assert_true(relay_net_phase_deadline(f.n, g) == 1310);
    assert_true(relay_net_phase_timeout(f.n, 1310, g));
    relay_net_task(f.n, g, &v);
    assert_int_equal(v.status, RN_END_ABORTED);
    assert_int_equal(v.abort, RN_ABORT_VALIDATION_TIMEOUT);
    assert_true(relay_net_balance(f.n, n1) == b1 + 3 * CNX); /* paid, not refunded */
    /* the third scores: the group is validated without the aborted member */
    assert_true(relay_net_submit(f.n, 1315, g3, 5));
    relay_net_task(f.n, g2, &v);
    assert_int_equal(v.status, RN_VALIDATED);
    assert_true(relay_net_upload(f.n, 1320, g2));
    assert_true(relay_net_total(f.n) == f.total);
    rn_counters c;
    relay_net_counters(f.n, &c);
    assert_int_equal(c.upload_timeouts, 1);
    assert_int_equal(c.validation_timeouts, 1);
    relay_net_free(f.n);
    /* 2025-07: no such deadlines */
    setup(&f, RELAY_2025_07);
    t = relay_net_create(f.n, 0, f.app, 3 * CNX, &sd, 7, 900, RN_NONE);
    while (relay_net_dispatch(f.n, 0, uni, NULL, &next) == 0 && next < 5)
        ;
    relay_net_task(f.n, t, &v);
    if (v.status == RN_STARTED)
        assert_true(relay_net_submit(f.n, 40, t, 9));
    assert_true(relay_net_phase_deadline(f.n, t) == 0);
    assert_false(relay_net_phase_timeout(f.n, 10000, t));
    relay_net_free(f.n);
}

/* Pause, resume and quit as api/v1/nodes/pause.go, resume.go, quit.go and
 * service/node.go nodeFinishTask have them at every pin: a paused node gets
 * no task; a busy node pauses or quits when its task ends. */
static void test_pause_and_pending_quit(void **st)
{
    (void)st;
    for (int e = 0; e < RELAY_N_EDITIONS; e++) {
        fixture f;
        setup(&f, (relay_edition)e);
        one_node(&f);
        uint32_t nd = f.node[0];
        double next;
        rn_node_view v;
        assert_false(relay_net_resume(f.n, 0, nd)); /* not paused */
        assert_true(relay_net_pause(f.n, 0, nd));
        assert_false(relay_net_pause(f.n, 0, nd));
        uint32_t t = relay_net_create(f.n, 0, f.app, 3 * CNX, &sd, 7, 900, RN_NONE);
        for (double now = 0; now < 10; now += 2)
            assert_int_equal(relay_net_dispatch(f.n, now, uni, NULL, &next), 0);
        assert_true(relay_net_resume(f.n, 10, nd));
        size_t started = 0;
        for (double now = 10; now < 20 && !started; now += 2)
            started = relay_net_dispatch(f.n, now, uni, NULL, &next);
        assert_int_equal(started, 1);
        /* busy: pause waits for the end of the task */
        assert_true(relay_net_pause(f.n, 20, nd));
        relay_net_node(f.n, nd, &v);
        assert_true(v.busy && v.pending_pause && !v.paused);
        assert_false(relay_net_quit(f.n, 20, nd)); /* PendingPause: illegal */
        assert_true(relay_net_submit(f.n, 30, t, 1));
        assert_true(relay_net_upload(f.n, 31, t));
        relay_net_node(f.n, nd, &v);
        assert_true(v.joined && v.paused && !v.busy && !v.pending_pause);
        assert_true(relay_net_resume(f.n, 40, nd));
        /* busy: quit waits for the end of the task, then the stake comes back */
        t = relay_net_create(f.n, 40, f.app, 3 * CNX, &sd, 7, 900, RN_NONE);
        started = 0;
        for (double now = 40; now < 50 && !started; now += 2)
            started = relay_net_dispatch(f.n, now, uni, NULL, &next);
        assert_int_equal(started, 1);
        wei_t bal = relay_net_balance(f.n, nd);
        assert_true(relay_net_quit(f.n, 50, nd));
        relay_net_node(f.n, nd, &v);
        assert_true(v.joined && v.pending_quit);
        assert_true(relay_net_submit(f.n, 60, t, 1));
        assert_true(relay_net_upload(f.n, 61, t));
        relay_net_node(f.n, nd, &v);
        assert_false(v.joined);
        assert_true(relay_net_balance(f.n, nd) == bal + 3 * CNX + 400 * CNX);
        assert_true(relay_net_total(f.n) == f.total);
        /* a paused node quits at once */
        assert_true(relay_net_join(f.n, 70, nd, 24, 400 * CNX, 0, (uint32_t[]){7}, 1));
        assert_true(relay_net_pause(f.n, 70, nd));
        assert_true(relay_net_quit(f.n, 71, nd));
        relay_net_node(f.n, nd, &v);
        assert_false(v.joined);
        relay_net_free(f.n);
    }
}

static void test_random_conservation(void **st)
{
    (void)st;
    /* random transactions under every edition: the total never moves and
     * escrow holds exactly the fees of live tasks */
    for (int e = 0; e < RELAY_N_EDITIONS; e++) {
        fixture f;
        setup(&f, (relay_edition)e);
        relay_net_fund_relay(f.n, 0);
        f.total = relay_net_total(f.n);
        double now = 0, next;
        uint32_t group = RN_NONE;
        int in_group = 0;
        for (int step = 0; step < 80; step++) {
            now += 30;
            double u = uni(NULL);
            if (u < 0.4 && relay_net_tasks(f.n) < 60) {
                uint32_t g = in_group == 0 ? (uni(NULL) < 0.3 ? RN_GROUP_FIRST : RN_NONE) : group;
                uint32_t t = relay_net_create(f.n, now, f.app, 1 + (wei_t)(uni(NULL) * 1000), &sd, 7, 600, g);
                if (g == RN_GROUP_FIRST) {
                    group = t;
                    in_group = 1;
                } else if (g != RN_NONE && ++in_group == 3) {
                    in_group = 0;
                }
            }
            relay_net_dispatch(f.n, now, uni, NULL, &next);
            for (uint32_t t = 0; t < relay_net_tasks(f.n); t++) {
                rn_task_view v;
                relay_net_task(f.n, t, &v);
                /* 2026: slower scores, so that some group members miss the
                 * validation deadline, and every fourth task is never uploaded */
                double r = uni(NULL) * (e == RELAY_2026 ? 4 : 1);
                if (v.status == RN_STARTED) {
                    if (r < 0.5)
                        relay_net_submit(f.n, now, t, r < 0.45 ? 1 : 2);
                    else if (r < 0.55)
                        relay_net_report_error(f.n, now, t);
                    else if (now >= v.deadline_s)
                        relay_net_timeout(f.n, now, t);
                } else if (v.status == RN_VALIDATED && r < 0.7 && !(e == RELAY_2026 && t % 4 == 0)) {
                    relay_net_upload(f.n, now, t);
                } else if (relay_net_phase_deadline(f.n, t) && now >= relay_net_phase_deadline(f.n, t)) {
                    relay_net_phase_timeout(f.n, now, t); /* 2026: validation or upload too late */
                }
            }
            assert_true(relay_net_total(f.n) == f.total);
            wei_t live = 0;
            for (uint32_t t = 0; t < relay_net_tasks(f.n); t++) {
                rn_task_view v;
                relay_net_task(f.n, t, &v);
                if (v.status <= RN_VALIDATED)
                    live += v.fee;
            }
            assert_true(relay_net_balance(f.n, RN_ACC_ESCROW) == live);
        }
        rn_counters c;
        relay_net_counters(f.n, &c);
        assert_true(c.started > 10 && c.succeeded > 3 && c.aborted > 0);
        if (e == RELAY_2026) /* both deadlines were reached, money still conserved */
            assert_true(c.upload_timeouts > 0 && c.validation_timeouts > 0);
        relay_net_free(f.n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_task_2026),
        cmocka_unit_test(test_group_2026),
        cmocka_unit_test(test_two_against_one_2025_03),
        cmocka_unit_test(test_passive_slash_2026),
        cmocka_unit_test(test_timeouts_health_2026),
        cmocka_unit_test(test_kickout_2025_07),
        cmocka_unit_test(test_offers_2025_07),
        cmocka_unit_test(test_group_member_expires_2026),
        cmocka_unit_test(test_delegation_2026),
        cmocka_unit_test(test_phase_timeouts_2026),
        cmocka_unit_test(test_pause_and_pending_quit),
        cmocka_unit_test(test_random_conservation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
