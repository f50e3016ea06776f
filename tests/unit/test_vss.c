/* Unit tests of the VSS model (sim/protocol/vss/), one rule each, against the
 * deployed code it follows: crynux-ai/crynux-contracts @
 * bd7ee24d21d8e91bde139f68ffecff5ddfbfd872, contracts/VSSTask.sol,
 * contracts/QOS.sol, contracts/Node.sol, contracts/TaskQueue.sol,
 * contracts/libs/{VSS,Hamming,TaskArray}.sol.  Expected figures are worked by
 * hand from those statements. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "protocol/vss/vss.h"

#define CNX ((wei_t)1000000000000000000ULL)
#define STAKE (400 * CNX)

typedef struct net {
    vss *p;
    uint32_t app, nodes[8];
    uint32_t gpu, model;
    uint64_t now, block;
    uint8_t guid_seed;
} net;

static const uint64_t VERSION[3] = {2, 5, 0};

static net *net_new(uint32_t n_nodes, vss_params prm)
{
    static net N;
    memset(&N, 0, sizeof N);
    N.p = vss_new(&prm, 16, 1000);
    assert_non_null(N.p);
    N.gpu = vss_intern(N.p, "NVIDIA GeForce RTX 4090");
    N.model = vss_intern(N.p, "crynuxai/sdxl-turbo");
    N.app = vss_add_account(N.p, 1000 * CNX);
    N.now = 1000;
    N.block = 10;
    for (uint32_t i = 0; i < n_nodes; i++) {
        N.nodes[i] = vss_add_account(N.p, 500 * CNX);
        vss_key key = {64, N.nodes[i]};
        assert_true(vss_join(N.p, N.now, N.block++, N.nodes[i], N.gpu, 24, VERSION, key, STAKE,
                             &N.model, 1));
    }
    return &N;
}

static net *net_default(uint32_t n) { return net_new(n, vss_params_default()); }

/* A task spec with commitment keccak256(guid ‖ nonce). */
static void spec_make(net *N, vss_task_spec *s, const uint8_t guid[32], vss_task_type type)
{
    memset(s, 0, sizeof *s);
    s->type = type;
    memset(s->nonce, 0, 32);
    s->nonce[0] = ++N->guid_seed;
    s->nonce[1] = 0x5a;
    vss_commitment(guid, s->nonce, s->commitment);
    s->models = &N->model;
    s->n_models = 1;
    s->min_vram = 8;
    s->gpu = type == VSS_SD ? 0 : N->gpu;
    s->gpu_vram = type == VSS_SD ? 0 : 24;
    memcpy(s->version, VERSION, sizeof s->version);
    s->size = 1;
}

static bool create_on(net *N, const vss_task_spec *s, wei_t fee, uint32_t node)
{
    if (node != VSS_NOBODY)
        vss_force_node(N->p, node);
    return vss_create_task(N->p, N->now, N->block++, N->app, s, fee);
}

static void run_to_score(net *N, const uint8_t c[32], uint32_t node, const uint8_t *score,
                         size_t len)
{
    assert_true(vss_report_parameters_uploaded(N->p, N->now, N->block++, VSS_ACC_RELAY, c));
    assert_true(vss_submit_score(N->p, N->now, N->block++, node, c, score, len));
}

static bool has_event(vss *p, vss_event_kind k, uint32_t node)
{
    size_t n;
    const vss_event *ev = vss_events(p, &n);
    for (size_t i = 0; i < n; i++)
        if (ev[i].kind == k && (node == VSS_NOBODY || ev[i].node == node))
            return true;
    return false;
}

static vss_status status_of(net *N, const uint8_t c[32])
{
    vss_task_view v;
    vss_task_get(N->p, vss_task_find(N->p, c), &v);
    return v.status;
}

static const uint8_t HASH_A[8] = {0, 0, 0, 0, 0, 0, 0, 0};

/* VSSTask.validateSingleTask + reportTaskResultUploaded: the one node gets
 * the full fee (changeTaskState(EndSuccess)) and TASK_SCORE_REWARDS[0]. */
static void test_single_task_full_fee(void **st)
{
    (void)st;
    net *N = net_default(3);
    wei_t supply = vss_total_supply(N->p);
    uint8_t guid[32] = {1};
    vss_task_spec s;
    spec_make(N, &s, guid, VSS_SD);
    assert_true(create_on(N, &s, 1001, N->nodes[1]));
    assert_true(has_event(N->p, VSS_EV_TASK_STARTED, N->nodes[1]));
    wei_t node_before = vss_balance(N->p, N->nodes[1]);
    run_to_score(N, s.commitment, N->nodes[1], HASH_A, 8);
    vss_proof sampled = vss_proof_honest(N->app, true);
    assert_false(vss_validate_single(N->p, N->now, N->block, N->app, s.commitment, &sampled));
    assert_string_equal(vss_revert_reason(N->p), "Task is selected for validation");
    vss_proof f = vss_proof_honest(N->app, false);
    assert_false(vss_validate_single(N->p, N->now, N->block, N->nodes[1], s.commitment, &f));
    assert_string_equal(vss_revert_reason(N->p), "Invalid caller");
    f.key_owner = N->nodes[0];
    assert_false(vss_validate_single(N->p, N->now, N->block, N->app, s.commitment, &f));
    assert_string_equal(vss_revert_reason(N->p), "Not task creator");
    f = vss_proof_honest(N->app, false);
    assert_true(vss_validate_single(N->p, N->now, N->block++, N->app, s.commitment, &f));
    assert_int_equal(status_of(N, s.commitment), VSS_VALIDATED);
    assert_true(vss_report_result_uploaded(N->p, N->now, N->block++, VSS_ACC_RELAY, s.commitment));
    assert_int_equal(status_of(N, s.commitment), VSS_END_SUCCESS);
    assert_true(vss_balance(N->p, N->nodes[1]) - node_before == 1001);
    vss_node_view v;
    vss_node_get(N->p, N->nodes[1], &v);
    assert_int_equal(v.current_score, 10);
    assert_int_equal(v.status, PROTO_NODE_AVAILABLE);
    assert_int_equal(v.score, 10); /* getTaskScore: 10 / 1 task */
    assert_true(vss_total_supply(N->p) == supply);
    vss_free(N->p);
}

typedef struct group {
    uint8_t guid[32];
    vss_task_spec s[3];
} group;

/* Three tasks of one GUID on nodes 0, 1, 2; scores given per task. */
static void group_run(net *N, group *g, wei_t fees[3], const uint8_t scores[3][8],
                      const int finish_order[3], vss_task_type type)
{
    memset(g->guid, 0, 32);
    g->guid[0] = 0x77;
    g->guid[1] = ++N->guid_seed;
    for (int i = 0; i < 3; i++) {
        spec_make(N, &g->s[i], g->guid, type);
        assert_true(create_on(N, &g->s[i], fees[i], N->nodes[i]));
    }
    for (int k = 0; k < 3; k++) {
        int i = finish_order[k];
        N->now += 10;
        run_to_score(N, g->s[i].commitment, N->nodes[i], scores[i], 8);
    }
}

static bool group_validate(net *N, group *g)
{
    vss_proof f = vss_proof_honest(N->app, true);
    return vss_validate_group(N->p, N->now, N->block++, N->app, g->s[0].commitment,
                              g->s[1].commitment, g->s[2].commitment, g->guid, &f);
}

/* All three agree: the first task GroupValidated, the two extra tasks
 * EndGroupRefund (their fees back to the creator); the first task's fee split
 * by current task score 10:9:6 with the < 3 wei remainder to the payee that
 * would leave it: 1002·10/25 = 400, 1002·9/25 = 360, then 1002·6/25 = 240
 * would leave 2 wei, so the third takes 242.  Points go by array
 * index even though task 3 finished first and task 1 last
 * (updateTaskGroupQOS). */
static void test_group_all_agree_split_and_refunds(void **st)
{
    (void)st;
    net *N = net_default(3);
    wei_t supply = vss_total_supply(N->p), app0 = vss_balance(N->p, N->app);
    wei_t b0[3];
    for (int i = 0; i < 3; i++)
        b0[i] = vss_balance(N->p, N->nodes[i]);
    group g;
    wei_t fees[3] = {1002, 1002, 1002};
    uint8_t sc[3][8] = {{0}, {0}, {0}};
    int order[3] = {2, 1, 0};
    group_run(N, &g, fees, (const uint8_t(*)[8])sc, order, VSS_SD);
    vss_proof wrong = vss_proof_honest(N->app, false);
    assert_false(vss_validate_group(N->p, N->now, N->block, N->app, g.s[0].commitment,
                                    g.s[1].commitment, g.s[2].commitment, g.guid, &wrong));
    assert_string_equal(vss_revert_reason(N->p), "Task is not selected for validation");
    assert_false(vss_validate_group(N->p, N->now, N->block, N->app, g.s[1].commitment,
                                    g.s[0].commitment, g.s[2].commitment, g.guid, &wrong));
    assert_string_equal(vss_revert_reason(N->p), "Invalid task sequence");
    assert_true(group_validate(N, &g));
    assert_int_equal(status_of(N, g.s[0].commitment), VSS_GROUP_VALIDATED);
    assert_int_equal(status_of(N, g.s[1].commitment), VSS_END_GROUP_REFUND);
    assert_int_equal(status_of(N, g.s[2].commitment), VSS_END_GROUP_REFUND);
    vss_node_view v[3];
    for (int i = 0; i < 3; i++)
        vss_node_get(N->p, N->nodes[i], &v[i]);
    assert_int_equal(v[0].current_score, 10); /* finished last, still 10 */
    assert_int_equal(v[1].current_score, 9);
    assert_int_equal(v[2].current_score, 6);  /* finished first, still 6 */
    vss_task_view t;
    vss_task_get(N->p, vss_task_find(N->p, g.s[0].commitment), &t);
    assert_int_equal(t.n_payments, 3);
    assert_true(t.pay[0] == 400 && t.pay[1] == 360 && t.pay[2] == 242);
    assert_true(vss_balance(N->p, N->app) == app0 - 1002); /* two fees refunded */
    assert_true(vss_report_result_uploaded(N->p, N->now, N->block++, VSS_ACC_RELAY,
                                           g.s[0].commitment));
    assert_int_equal(status_of(N, g.s[0].commitment), VSS_END_GROUP_SUCCESS);
    assert_true(vss_balance(N->p, N->nodes[0]) - b0[0] == 400);
    assert_true(vss_balance(N->p, N->nodes[1]) - b0[1] == 360);
    assert_true(vss_balance(N->p, N->nodes[2]) - b0[2] == 242);
    assert_true(vss_balance(N->p, VSS_ACC_TASK) == 0);
    assert_true(vss_total_supply(N->p) == supply);

    /* 3 wei: the first payee takes all (3 - 3·10/25 = 2 < 3), then the
     * second's `totalFee - fee` is 0 - 1: the validation reverts */
    wei_t tiny[3] = {3, 3, 3};
    group_run(N, &g, tiny, (const uint8_t(*)[8])sc, order, VSS_SD);
    assert_false(group_validate(N, &g));
    assert_string_equal(vss_revert_reason(N->p), "Panic(0x11)");
    vss_free(N->p);
}

/* Two agree, one differs: the odd one EndInvalidated (its node slashed, the
 * stake to the owner, its fee back to the creator); the fee split 10:9 over
 * the agreeing pair: 1000·10/19 = 526, then 1000·9/19 = 473 leaves 1 wei, so
 * 474.  The pHash rule: 23 differing bits in an 8-byte hash still match,
 * 24 do not (Hamming.compareHamming: distance >= threshold differs). */
static void test_group_two_one_slash_and_hamming(void **st)
{
    (void)st;
    net *N = net_default(3);
    wei_t supply = vss_total_supply(N->p), owner0 = vss_balance(N->p, VSS_ACC_OWNER);
    group g;
    wei_t fees[3] = {1000, 1000, 1000};
    uint8_t sc[3][8] = {{0}, {0xff, 0xff, 0x7f, 0, 0, 0, 0, 0}, {0xff, 0xff, 0xff, 0, 0, 0, 0, 0}};
    int order[3] = {0, 1, 2};
    group_run(N, &g, fees, (const uint8_t(*)[8])sc, order, VSS_SD);
    /* 0 vs 1: 23 bits (same); 0 vs 2: 24 bits (differs); 1 vs 2: 1 bit (same):
     * the table's first branch (same1, !same2): task 3 is invalidated */
    assert_true(group_validate(N, &g));
    assert_true(has_event(N->p, VSS_EV_NODE_SLASHED, N->nodes[2]));
    assert_int_equal(status_of(N, g.s[0].commitment), VSS_GROUP_VALIDATED);
    assert_int_equal(status_of(N, g.s[1].commitment), VSS_END_GROUP_REFUND);
    assert_int_equal(status_of(N, g.s[2].commitment), VSS_END_INVALIDATED);
    assert_true(vss_balance(N->p, VSS_ACC_OWNER) - owner0 == STAKE);
    vss_node_view v;
    vss_node_get(N->p, N->nodes[2], &v);
    assert_int_equal(v.status, PROTO_NODE_QUIT);
    vss_task_view t;
    vss_task_get(N->p, vss_task_find(N->p, g.s[0].commitment), &t);
    assert_int_equal(t.n_payments, 2);
    assert_true(t.pay[0] == 526 && t.pay[1] == 474);
    assert_true(vss_total_supply(N->p) == supply);
    vss_free(N->p);
}

/* f1 = f2, f0 differs (LLM: byte equality): task 2 is validated, task 1
 * invalidated; with every result different all three end aborted
 * (IncorrectResult), the fees go back, and each node gets its index points
 * plus TASK_SCORE_REWARDS[0] from the abort branch. */
static void test_group_first_differs_and_all_differ(void **st)
{
    (void)st;
    net *N = net_default(3);
    group g;
    wei_t fees[3] = {900, 900, 900};
    uint8_t sc[3][8] = {{9}, {1}, {1}};
    int order[3] = {0, 1, 2};
    group_run(N, &g, fees, (const uint8_t(*)[8])sc, order, VSS_LLM);
    assert_true(group_validate(N, &g));
    assert_int_equal(status_of(N, g.s[0].commitment), VSS_END_INVALIDATED);
    assert_int_equal(status_of(N, g.s[1].commitment), VSS_GROUP_VALIDATED);
    assert_int_equal(status_of(N, g.s[2].commitment), VSS_END_GROUP_REFUND);
    vss_free(N->p);

    N = net_default(3);
    wei_t app0 = vss_balance(N->p, N->app);
    uint8_t sd[3][8] = {{1}, {2}, {3}};
    group_run(N, &g, fees, (const uint8_t(*)[8])sd, order, VSS_LLM);
    assert_true(group_validate(N, &g));
    for (int i = 0; i < 3; i++) {
        vss_task_view t;
        vss_task_get(N->p, vss_task_find(N->p, g.s[i].commitment), &t);
        assert_int_equal(t.status, VSS_END_ABORTED);
        assert_int_equal(t.abort_reason, VSS_ABORT_INCORRECT_RESULT);
        vss_node_view v;
        vss_node_get(N->p, N->nodes[i], &v);
        assert_int_equal(v.current_score, (uint64_t)(i == 0 ? 10 : i == 1 ? 9 : 6) + 10);
    }
    assert_true(vss_balance(N->p, N->app) == app0);
    vss_free(N->p);
}

/* abortTask: block.timestamp > startTimestamp + 3 minutes; the creator gets
 * the fee back; a node aborted while executing (ParametersUploaded) gets no
 * points. */
static void test_timeout_three_minutes(void **st)
{
    (void)st;
    net *N = net_default(1);
    uint8_t guid[32] = {3};
    vss_task_spec s;
    spec_make(N, &s, guid, VSS_SD);
    wei_t app0 = vss_balance(N->p, N->app);
    uint64_t t0 = N->now;
    assert_true(create_on(N, &s, 500, VSS_NOBODY));
    assert_true(vss_report_parameters_uploaded(N->p, t0, N->block++, VSS_ACC_RELAY, s.commitment));
    assert_false(vss_abort(N->p, t0 + 180, N->block, N->app, s.commitment, VSS_ABORT_TIMEOUT));
    assert_string_equal(vss_revert_reason(N->p), "Timeout not reached");
    assert_false(vss_abort(N->p, t0 + 181, N->block, N->nodes[0] + 1, s.commitment,
                           VSS_ABORT_TIMEOUT));
    assert_string_equal(vss_revert_reason(N->p), "Invalid caller");
    assert_true(vss_abort(N->p, t0 + 181, N->block++, N->nodes[0], s.commitment,
                          VSS_ABORT_TIMEOUT));
    size_t n;
    const vss_event *ev = vss_events(N->p, &n);
    assert_int_equal(ev[0].kind, VSS_EV_TASK_END_ABORTED);
    assert_int_equal(ev[0].issuer, N->nodes[0]);
    assert_int_equal(ev[0].last_status, VSS_PARAMETERS_UPLOADED);
    assert_int_equal(ev[0].reason, VSS_ABORT_TIMEOUT);
    assert_true(vss_balance(N->p, N->app) == app0);
    vss_node_view v;
    vss_node_get(N->p, N->nodes[0], &v);
    assert_int_equal(v.current_score, 0);
    /* ended: "Wrong task" guards it (nodeTasks was deleted) */
    assert_false(vss_abort(N->p, t0 + 999, N->block, N->app, s.commitment, VSS_ABORT_TIMEOUT));
    assert_string_equal(vss_revert_reason(N->p), "Wrong task");
    vss_free(N->p);
}

/* QOS.shouldKickOut: kickoutThreshold 10, missing pool entries count as
 * TASK_SCORE_REWARDS[0] = 10.  One 0-point task: 0 + 2·10 = 20 > 10, stays;
 * two: 0 + 0 + 10 = 10 <= 10, kicked out with the stake returned. */
static void test_kickout_missing_entries_count_ten(void **st)
{
    (void)st;
    net *N = net_default(1);
    wei_t node0 = vss_balance(N->p, N->nodes[0]);
    for (int k = 0; k < 2; k++) {
        uint8_t guid[32] = {4, (uint8_t)k};
        vss_task_spec s;
        spec_make(N, &s, guid, VSS_SD);
        uint64_t t0 = N->now;
        assert_true(create_on(N, &s, 500, VSS_NOBODY));
        assert_true(vss_report_parameters_uploaded(N->p, t0, N->block++, VSS_ACC_RELAY,
                                                   s.commitment));
        N->now = t0 + 200;
        assert_true(vss_abort(N->p, N->now, N->block++, N->app, s.commitment, VSS_ABORT_TIMEOUT));
        vss_node_view v;
        vss_node_get(N->p, N->nodes[0], &v);
        if (k == 0) {
            assert_int_equal(v.status, PROTO_NODE_AVAILABLE);
            assert_false(has_event(N->p, VSS_EV_NODE_KICKED_OUT, VSS_NOBODY));
        } else {
            assert_int_equal(v.status, PROTO_NODE_QUIT);
            assert_true(has_event(N->p, VSS_EV_NODE_KICKED_OUT, N->nodes[0]));
        }
    }
    assert_true(vss_balance(N->p, N->nodes[0]) == node0 + STAKE);
    vss_free(N->p);
}

/* changeTaskState(Started): the selected node is told to download a model it
 * lacks; when fewer than 3 available nodes hold the model, up to 10 - count
 * nodes lacking it are told too (all of them when fewer), the selected node
 * not twice. */
static void test_model_predownload_notices(void **st)
{
    (void)st;
    net *N = net_default(0);
    uint32_t other = vss_intern(N->p, "other/model");
    for (int i = 0; i < 4; i++) {
        N->nodes[i] = vss_add_account(N->p, 500 * CNX);
        vss_key key = {64, N->nodes[i]};
        assert_true(vss_join(N->p, N->now, N->block++, N->nodes[i], N->gpu, 24, VERSION, key,
                             STAKE, &other, 1));
    }
    uint8_t guid[32] = {5};
    vss_task_spec s;
    spec_make(N, &s, guid, VSS_SD);
    assert_true(create_on(N, &s, 100, N->nodes[2]));
    size_t n;
    const vss_event *ev = vss_events(N->p, &n);
    uint32_t told = 0, self = 0;
    for (size_t i = 0; i < n; i++)
        if (ev[i].kind == VSS_EV_DOWNLOAD_MODEL) {
            assert_int_equal(ev[i].model, N->model);
            told |= 1u << (ev[i].node - N->nodes[0]);
            self += ev[i].node == N->nodes[2];
        }
    assert_int_equal(told, 0xf);
    assert_int_equal(self, 1);
    /* nodes that report the download hold the model; with 3 available holders
     * the next task sends no notice */
    for (int i = 0; i < 4; i++)
        assert_true(vss_report_model_downloaded(N->p, N->now, N->block++, N->nodes[i], N->model));
    /* reportModelDownloaded does not enter the available index (quirk) */
    assert_int_equal(vss_model_available_count(N->p, N->model), 0);
    vss_free(N->p);

    N = net_default(4); /* all four joined holding the model */
    spec_make(N, &s, guid, VSS_SD);
    assert_true(create_on(N, &s, 100, N->nodes[0]));
    assert_false(has_event(N->p, VSS_EV_DOWNLOAD_MODEL, VSS_NOBODY));
    assert_int_equal(vss_model_available_count(N->p, N->model), 3);
    vss_free(N->p);
}

/* TaskQueue: no available node queues the task; price = taskFee / taskSize
 * picks the next one (100/1 before 150/2); a full queue makes createTask
 * revert; an aborted queued task keeps its fee in the contract. */
static void test_queue_price_and_limits(void **st)
{
    (void)st;
    vss_params prm = vss_params_default();
    prm.queue_size_limit = 2;
    net *N = net_new(1, prm);
    uint8_t guid[32] = {6};
    vss_task_spec busy, a, b, c;
    spec_make(N, &busy, guid, VSS_SD);
    assert_true(create_on(N, &busy, 10, VSS_NOBODY));
    spec_make(N, &a, guid, VSS_SD);
    b = a;
    spec_make(N, &b, guid, VSS_SD);
    b.size = 2;
    assert_true(create_on(N, &b, 150, VSS_NOBODY));
    assert_true(has_event(N->p, VSS_EV_TASK_QUEUED, VSS_NOBODY));
    assert_true(create_on(N, &a, 100, VSS_NOBODY));
    spec_make(N, &c, guid, VSS_SD);
    wei_t app0 = vss_balance(N->p, N->app);
    assert_false(create_on(N, &c, 999, VSS_NOBODY));
    assert_string_equal(vss_revert_reason(N->p), "Task queue is full");
    assert_true(vss_balance(N->p, N->app) == app0);
    assert_int_equal(vss_queue_size(N->p), 2);
    /* the running task ends: the node takes `a` (price 100) before `b` (75) */
    N->now += 200;
    assert_true(vss_abort(N->p, N->now, N->block++, N->app, busy.commitment, VSS_ABORT_TIMEOUT));
    assert_int_equal(status_of(N, a.commitment), VSS_STARTED);
    assert_int_equal(status_of(N, b.commitment), VSS_QUEUED);
    assert_true(vss_balance(N->p, N->app) == app0 + 10); /* the running task's fee */
    /* the creator aborts the queued task at once: no refund */
    assert_true(vss_abort(N->p, N->now, N->block++, N->app, b.commitment, VSS_ABORT_NONE));
    assert_true(vss_balance(N->p, N->app) == app0 + 10);
    vss_quirk_counters q;
    vss_quirks_get(N->p, &q);
    assert_int_equal(q.stranded_tasks, 1);
    assert_true(q.stranded_wei == 150);
    vss_free(N->p);
}

/* A createTask that reuses the commitment of a task still in the queue:
 * VSSTask.createTask (bd7ee24) overwrites tasks[commitment] and pushTask
 * adds a second TaskArray entry under one taskIDCommitments member, a
 * state the model does not represent.  It refuses the transaction with an
 * avrami reason (a replay reports the step as a mismatch) instead of
 * queuing the task twice, and later pops and removes work. */
static void test_requeue_same_commitment_refused(void **st)
{
    (void)st;
    net *N = net_new(1, vss_params_default());
    uint8_t guid[32] = {8};
    vss_task_spec busy, a, again;
    spec_make(N, &busy, guid, VSS_SD);
    assert_true(create_on(N, &busy, 10, VSS_NOBODY));
    spec_make(N, &a, guid, VSS_SD);
    assert_true(create_on(N, &a, 100, VSS_NOBODY));
    assert_int_equal(status_of(N, a.commitment), VSS_QUEUED);
    again = a;
    again.nonce[2] = 0x77; /* a fresh nonce, the same commitment */
    wei_t supply = vss_total_supply(N->p), app0 = vss_balance(N->p, N->app);
    assert_false(create_on(N, &again, 100, VSS_NOBODY));
    assert_non_null(strstr(vss_revert_reason(N->p), "avrami:"));
    assert_true(vss_total_supply(N->p) == supply && vss_balance(N->p, N->app) == app0);
    assert_int_equal(vss_queue_size(N->p), 1);
    N->now += 200;
    assert_true(vss_abort(N->p, N->now, N->block++, N->app, busy.commitment, VSS_ABORT_TIMEOUT));
    assert_int_equal(status_of(N, a.commitment), VSS_STARTED);
    assert_int_equal(vss_queue_size(N->p), 0);
    vss_free(N->p);
}

/* A revert deep in validateTaskGroup (compareTaskScore's "different task
 * type", after updateTaskGroupQOS has added points) leaves no trace; a
 * wrong GUID is refused; a nonce reused before block 100000 is Panic(0x11). */
static void test_atomic_reverts_and_nonce(void **st)
{
    (void)st;
    net *N = net_default(3);
    group g;
    memset(g.guid, 0, 32);
    g.guid[0] = 0x99;
    for (int i = 0; i < 3; i++) {
        spec_make(N, &g.s[i], g.guid, i == 2 ? VSS_LLM : VSS_SD);
        assert_true(create_on(N, &g.s[i], 1000, N->nodes[i]));
        run_to_score(N, g.s[i].commitment, N->nodes[i], HASH_A, 8);
    }
    vss_node_view before, after;
    vss_node_get(N->p, N->nodes[0], &before);
    wei_t supply = vss_total_supply(N->p), app0 = vss_balance(N->p, N->app);
    g.guid[5] ^= 1;
    assert_false(group_validate(N, &g));
    assert_string_equal(vss_revert_reason(N->p), "Incorrect Task GUID");
    g.guid[5] ^= 1;
    assert_false(group_validate(N, &g));
    assert_string_equal(vss_revert_reason(N->p), "different task type");
    size_t n;
    vss_events(N->p, &n);
    assert_int_equal(n, 0);
    vss_node_get(N->p, N->nodes[0], &after);
    assert_int_equal(before.current_score, 0);
    assert_int_equal(after.current_score, 0);
    assert_int_equal(status_of(N, g.s[0].commitment), VSS_SCORE_READY);
    assert_true(vss_total_supply(N->p) == supply && vss_balance(N->p, N->app) == app0);

    vss_task_spec s = g.s[0];
    s.commitment[0] ^= 0xff;
    assert_false(create_on(N, &s, 10, VSS_NOBODY));
    assert_string_equal(vss_revert_reason(N->p), "Panic(0x11)");
    N->block = 200000;
    assert_true(create_on(N, &s, 10, VSS_NOBODY));
    vss_free(N->p);
}


/* The commitment and nonce maps grow with their keys (at 49 keys from 64
 * slots): a create whose nonce entry made the map grow and that then reverts
 * leaves the map as it was, and every key stored before the growth is still
 * found after it. */
static void test_map_growth_and_revert(void **st)
{
    (void)st;
    net *N = net_default(0); /* no nodes: every task waits in the queue */
    uint8_t guid[32] = {0x42};
    vss_task_spec s[49];
    for (int i = 0; i < 48; i++) {
        spec_make(N, &s[i], guid, VSS_SD);
        assert_true(create_on(N, &s[i], 1000, VSS_NOBODY));
    }
    spec_make(N, &s[48], guid, VSS_SD);
    vss_task_spec bad = s[48];
    bad.n_models = VSS_MAX_MODELS + 1; /* reverts after the nonce is stored */
    assert_false(create_on(N, &bad, 1000, VSS_NOBODY));
    assert_string_equal(vss_revert_reason(N->p), "avrami: too many model ids");
    assert_int_equal(vss_num_tasks(N->p), 48);
    assert_true(vss_task_find(N->p, s[48].commitment) == VSS_NOBODY);
    for (uint32_t i = 0; i < 48; i++)
        assert_int_equal(vss_task_find(N->p, s[i].commitment), i);
    /* the reverted nonce is unused; the 49th task grows both maps */
    assert_true(create_on(N, &s[48], 1000, VSS_NOBODY));
    assert_int_equal(vss_task_find(N->p, s[48].commitment), 48);
    for (uint32_t i = 0; i < 48; i++)
        assert_int_equal(vss_task_find(N->p, s[i].commitment), i);
    /* a nonce stored before the growth is still used after it */
    vss_task_spec again = s[0];
    again.commitment[0] ^= 0xff;
    assert_false(create_on(N, &again, 1000, VSS_NOBODY));
    assert_string_equal(vss_revert_reason(N->p), "Panic(0x11)");
    vss_free(N->p);
}

/* Everything a transaction may change, for comparing before and after. */
typedef struct snap {
    wei_t bal[16];
    vss_node_view node[16];
    vss_task_view task[200];
    vss_stats stats;
    uint32_t queue;
} snap;

static void snap_take(vss *p, uint32_t n_tasks, snap *s)
{
    memset(s, 0, sizeof *s);
    for (uint32_t a = 0; a < vss_num_accounts(p); a++) {
        s->bal[a] = vss_balance(p, a);
        vss_node_get(p, a, &s->node[a]);
        s->node[a].models = NULL; /* a pointer into the state, compared by count */
    }
    for (uint32_t t = 0; t < n_tasks; t++)
        vss_task_get(p, t, &s->task[t]);
    vss_stats_get(p, &s->stats);
    s->queue = vss_queue_size(p);
}

/* Random transactions from every party, most of which revert: the supply
 * never changes, a reverted transaction leaves every balance, node, task and
 * counter exactly as it was, and the contract's balance always covers the
 * fees of the tasks it still holds. */
static void test_random_transactions_atomic_and_conserving(void **st)
{
    (void)st;
    vss_params prm = vss_params_default();
    prm.queue_size_limit = 4;
    vss *p = vss_new(&prm, 12, 200);
    uint32_t gpu[2] = {vss_intern(p, "A"), vss_intern(p, "B")};
    uint32_t models[2] = {vss_intern(p, "m0"), vss_intern(p, "m1")};
    uint32_t acc[10];
    for (int i = 0; i < 10; i++)
        acc[i] = vss_add_account(p, (wei_t)(i < 7 ? 500 : 5000) * CNX);
    wei_t supply = vss_total_supply(p);
    uint8_t commit[200][32], guid[67][32];
    uint32_t n_created = 0;
    uint64_t rng = 777, now = 0, block = 1;
    int succeeded = 0, groups = 0;
    snap before, after;
    for (int step = 0; step < 40000 && n_created < 198; step++) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        uint32_t who = rng % 5 == 0 ? VSS_ACC_RELAY : acc[(rng >> 3) % 10];
        uint32_t ti = n_created ? (uint32_t)((rng >> 9) % n_created) : 0;
        now += (rng >> 40) % 90;
        block++;
        uint32_t n_tasks = n_created;
        snap_take(p, n_tasks, &before);
        /* mostly the party the transaction needs */
        vss_task_view tv = {0};
        if (n_created)
            vss_task_get(p, ti, &tv);
        bool right = (rng >> 56) % 4 != 0;
        uint32_t relay = right ? VSS_ACC_RELAY : who;
        uint32_t node = right && tv.node != VSS_NOBODY ? tv.node : who;
        uint8_t score[8] = {(uint8_t)((rng >> 20) % 2 ? 0xff : 0)};
        bool ok = false;
        switch ((rng >> 14) % 10) {
        case 0: {
            vss_key key = {64, rng % 9 ? who : acc[0]};
            uint64_t v[3] = {2, (rng >> 22) % 2 + 4, 0};
            ok = vss_join(p, now, block, who, gpu[rng % 2], 8 + 8 * (rng % 2), v, key,
                          (wei_t)(300 + 100 * ((rng >> 30) % 2)) * CNX, &models[(rng >> 26) % 2],
                          1);
            break;
        }
        case 1: ok = (rng >> 27) % 2 ? vss_quit(p, now, block, who) : vss_pause(p, now, block, who); break;
        case 2: ok = vss_resume(p, now, block, who); break;
        case 3: {
            vss_task_spec s;
            memset(&s, 0, sizeof s);
            uint32_t g = n_created / 3;
            s.type = (vss_task_type)((rng >> 31) % 8 ? g % 3 : (rng >> 32) % 3);
            memset(guid[g], 0, 32);
            guid[g][0] = (uint8_t)g;
            guid[g][1] = 0xee;
            s.nonce[0] = (uint8_t)n_created;
            s.nonce[2] = (uint8_t)((rng >> 33) % 4 ? 1 : 0); /* sometimes a reused nonce */
            vss_commitment(guid[g], s.nonce, s.commitment);
            s.models = &models[(rng >> 35) % 2];
            s.n_models = 1;
            s.min_vram = 8 * ((rng >> 36) % 3);
            s.gpu = s.type == VSS_SD && (rng >> 38) % 2 ? 0 : gpu[(rng >> 39) % 2];
            s.gpu_vram = 8 + 8 * ((rng >> 41) % 2);
            s.version[0] = 2;
            s.version[1] = 4 + (rng >> 42) % 2;
            s.size = (rng >> 43) % 3;
            uint32_t app = acc[7 + ((rng >> 45) % 8 ? g % 3 : (rng >> 46) % 3)];
            ok = vss_create_task(p, now, block, app, &s, (wei_t)((rng >> 47) % 1000));
            if (ok)
                memcpy(commit[n_created++], s.commitment, 32);
            break;
        }
        case 4: ok = n_created && vss_report_parameters_uploaded(p, now, block, relay, commit[ti]); break;
        case 5: ok = n_created && vss_submit_score(p, now, block, node, commit[ti], score, 8); break;
        case 6: ok = n_created && (rng >> 53) % 3 == 0 &&
                     vss_report_error(p, now, block, node, commit[ti], VSS_ERROR_NONE); break;
        case 7: {
            if (!n_created)
                break;
            vss_task_view v = tv;
            vss_proof f = vss_proof_honest(v.creator, (rng >> 50) % 2);
            if ((rng >> 51) % 2) {
                ok = vss_validate_single(p, now, block, who % 3 ? v.creator : who, commit[ti], &f);
            } else {
                uint32_t g0 = ti / 3 * 3;
                if (g0 + 2 < n_created)
                    ok = vss_validate_group(p, now, block, v.creator, commit[g0], commit[g0 + 1],
                                            commit[g0 + 2], guid[g0 / 3], &f);
                groups += ok;
            }
            break;
        }
        case 8: ok = n_created && vss_report_result_uploaded(p, now, block, relay, commit[ti]); break;
        case 9: ok = n_created && (rng >> 53) % 3 == 0 &&
                     vss_abort(p, now, block, right ? tv.creator : node, commit[ti], VSS_ABORT_TIMEOUT); break;
        }
        succeeded += ok;
        assert_true(vss_total_supply(p) == supply);
        if (!ok) {
            snap_take(p, n_tasks, &after);
            assert_memory_equal(&before, &after, sizeof before);
        }
    }
    assert_true(succeeded > 500);
    assert_true(groups > 10);
    vss_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_task_full_fee),
        cmocka_unit_test(test_group_all_agree_split_and_refunds),
        cmocka_unit_test(test_group_two_one_slash_and_hamming),
        cmocka_unit_test(test_group_first_differs_and_all_differ),
        cmocka_unit_test(test_timeout_three_minutes),
        cmocka_unit_test(test_kickout_missing_entries_count_ten),
        cmocka_unit_test(test_model_predownload_notices),
        cmocka_unit_test(test_queue_price_and_limits),
        cmocka_unit_test(test_requeue_same_commitment_refused),
        cmocka_unit_test(test_atomic_reverts_and_nonce),
        cmocka_unit_test(test_map_growth_and_revert),
        cmocka_unit_test(test_random_transactions_atomic_and_conserving),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
