/* The Hydrogen edition, rule by rule, against its deployed code:
 * crynux-ai/crynux-contracts efff09f962b316fb0fb602b4096b478879d8e42b,
 * contracts/Task.sol and contracts/Node.sol (cited per test as Task.sol:FUNC,
 * Node.sol:FUNC).  Each test states the statement it checks and works the
 * expected figures out by hand from it; the recorded traces of these
 * contracts (tests/conformance/hydrogen/, docs/conformance-hydrogen.md)
 * check the same rules against the contracts themselves. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "protocol/edition.h"
#include "protocol/proto.h"
#include "scn_expect.h"

static const wei_t CNX = (wei_t)1000000000000000000ULL;

/* A chooser that answers from a script and records the bounds asked. */
typedef struct script {
    uint64_t answer[32], bound[32];
    int n, next;
} script;

static uint64_t scripted(void *ctx, uint64_t bound)
{
    script *s = ctx;
    uint64_t a = s->next < s->n ? s->answer[s->next] : 0;
    if (s->next < 32)
        s->bound[s->next] = bound;
    s->next++;
    return a < bound ? a : 0;
}

typedef struct net {
    proto *p;
    uint32_t n[12], app;
    int nodes;
    script sc;
} net;

static void net_new(net *w)
{
    memset(w, 0, sizeof *w);
    proto_params prm = proto_params_of(PROTO_HYDROGEN);
    w->p = proto_new(&prm, 32, 4096);
    assert_non_null(w->p);
    proto_set_chooser(w->p, (proto_chooser){scripted, &w->sc});
    w->app = proto_add_account(w->p, 1000 * CNX);
}

static uint32_t net_join(net *w, const char *gpu, uint64_t vram)
{
    uint32_t a = proto_add_account(w->p, 400 * CNX);
    assert_true(proto_join(w->p, 0, a, gpu, vram));
    w->n[w->nodes++] = a;
    return a;
}

static uint64_t create(net *w, proto_task_type type, uint64_t vram, uint64_t now)
{
    uint64_t id = 0;
    if (!proto_create_task(w->p, now, w->app, type, vram, 1 /* offered fee: unused */, 1, &id)) {
        fprintf(stderr, "create reverted: %s\n", proto_revert_reason(w->p));
        fail();
    }
    return id;
}

/* A network of three "A" nodes with 8 GB and one task of `type` created at
 * t = 100 s; *v is its view. */
static uint64_t one_task(net *w, proto_task_type type, proto_task_view *v)
{
    net_new(w);
    for (int i = 0; i < 3; i++)
        net_join(w, "A", 8);
    uint64_t id = create(w, type, 0, 100);
    assert_true(proto_task_get(w->p, id, v));
    return id;
}

static const proto_event *find_event(proto *p, proto_event_kind k, int nth)
{
    size_t n;
    const proto_event *ev = proto_events(p, &n);
    for (size_t i = 0; i < n; i++)
        if (ev[i].kind == k && nth-- == 0)
            return &ev[i];
    return NULL;
}

static void commit(net *w, uint64_t id, int round, uint32_t node, const uint8_t *res, size_t len)
{
    uint8_t nonce[32] = {(uint8_t)(round + 1), 7}, c[32];
    proto_commitment(res, len, nonce, c);
    assert_true(proto_commit(w->p, 10, node, id, (uint64_t)round, c, nonce));
}

/* ---- Task.sol:createTask, getSelectedNodes; Node.sol:filterGPU*, select* ---- */

/* taskFee = taskFeePerNode * 3 = 30 CNX, whatever the creator offers
 * (createTask has no fee argument); TaskCreated once per round. */
static void test_create_charges_the_fixed_fee(void **st)
{
    (void)st;
    net w;
    net_new(&w);
    for (int i = 0; i < 3; i++)
        net_join(&w, "A", 8);
    uint64_t id = create(&w, PROTO_SD, 8, 100);
    assert_true(proto_balance(w.p, w.app) == 970 * CNX);
    assert_true(proto_balance(w.p, PROTO_ACC_TASK) == 30 * CNX);
    for (int r = 0; r < 3; r++) {
        const proto_event *e = find_event(w.p, PROTO_EV_TASK_STARTED, r);
        assert_non_null(e);
        assert_int_equal(e->round, r);
        assert_int_equal(e->task_id, id);
    }
    assert_null(find_event(w.p, PROTO_EV_TASK_PENDING, 0)); /* no queue, no TaskPending */
    proto_task_view v;
    assert_true(proto_task_get(w.p, id, &v));
    assert_true(v.balance == 30 * CNX);
    proto_node_view nv;
    proto_node_get(w.p, w.n[0], &nv);
    assert_int_equal(nv.status, PROTO_NODE_BUSY);
    proto_free(w.p);
}

/* No queue: the reasons are Node.sol's filterGPUID / filterGPUVram /
 * selectNode requires, and the revert leaves everything as it was. */
static void test_create_reverts_without_nodes(void **st)
{
    (void)st;
    net w;
    net_new(&w);
    net_join(&w, "A", 8);
    net_join(&w, "A", 8);
    net_join(&w, "B", 16);
    uint64_t id;
    assert_false(proto_create_task(w.p, 1, w.app, PROTO_GPT, 8, CNX, 1, &id));
    assert_string_equal(proto_revert_reason(w.p), "No kind of gpu id meets condition");
    /* sd asks one VRAM size per seat: only 16 GB has a node (>= 10 GB) */
    w.sc = (script){0};
    assert_false(proto_create_task(w.p, 1, w.app, PROTO_SD, 10, CNX, 1, &id));
    assert_string_equal(proto_revert_reason(w.p), "No kind of gpu vram meets condition");
    assert_true(proto_balance(w.p, w.app) == 1000 * CNX);
    assert_int_equal(proto_next_task_id(w.p), 1);
    /* all three busy: sd without a VRAM limit uses Node.selectNode */
    uint64_t t1 = create(&w, PROTO_SD, 0, 1);
    assert_int_equal(t1, 1);
    assert_false(proto_create_task(w.p, 1, w.app, PROTO_SD, 0, CNX, 1, &id));
    assert_string_equal(proto_revert_reason(w.p), "No available nodes");
    assert_int_equal(proto_next_task_id(w.p), 2);
    proto_free(w.p);
}

/* gpt: a GPU model among those with >= 3 available nodes, drawn by node
 * count (Random.multinomial over counts), then three uniform draws from
 * the model's set (selectNodeByGPUID(gpuID, randint) = at(randint % len)). */
static void test_gpt_group_by_count_then_uniform(void **st)
{
    (void)st;
    net w;
    net_new(&w);
    for (int i = 0; i < 3; i++)
        net_join(&w, "A", 24);   /* n[0..2] */
    for (int i = 0; i < 5; i++)
        net_join(&w, "B", 24);   /* n[3..7] */
    net_join(&w, "C", 24);       /* one node: not eligible */
    net_join(&w, "D", 8);        /* too little VRAM */
    net_join(&w, "D", 8);
    net_join(&w, "D", 8);
    /* 3 picks the first B (A holds 0..2 of the 8); then positions 4, 0, 0:
     * B's set is n3..n7, n7 is swapped into a taken node's place */
    w.sc = (script){.answer = {3, 4, 0, 0}, .n = 4};
    uint64_t id = create(&w, PROTO_GPT, 16, 1);
    assert_int_equal(w.sc.bound[0], 8); /* 3 + 5 nodes in the eligible groups */
    assert_int_equal(w.sc.bound[1], 5);
    assert_int_equal(w.sc.bound[2], 4);
    assert_int_equal(w.sc.bound[3], 3);
    proto_task_view v;
    assert_true(proto_task_get(w.p, id, &v));
    /* B = n3 n4 n5 n6 n7: at(4) = n7; remove n7 (last): n3..n6; at(0) = n3;
     * swap-and-pop puts n6 first: n6 n4 n5; at(0) = n6 */
    assert_int_equal(v.selected[0], w.n[7]);
    assert_int_equal(v.selected[1], w.n[3]);
    assert_int_equal(v.selected[2], w.n[6]);
    /* answer 2 < 3 picks A */
    w.sc = (script){.answer = {2, 0, 0, 0}, .n = 4};
    id = create(&w, PROTO_GPT, 16, 1);
    assert_int_equal(w.sc.bound[0], 3); /* B has 2 left: A alone is eligible */
    assert_true(proto_task_get(w.p, id, &v));
    for (int r = 0; r < 3; r++)
        assert_true(v.selected[r] == w.n[0] || v.selected[r] == w.n[1] || v.selected[r] == w.n[2]);
    proto_free(w.p);
}

/* sd with a VRAM limit: per seat, filterGPUVram(vramLimit, 1) again (the
 * sizes by their available-node counts), then a uniform node of that size. */
static void test_sd_vram_by_count_per_seat(void **st)
{
    (void)st;
    net w;
    net_new(&w);
    net_join(&w, "A", 8);   /* 8 GB: 1 node, below the limit */
    net_join(&w, "B", 12);  /* 12 GB: 2 nodes */
    net_join(&w, "C", 12);
    net_join(&w, "D", 24);  /* 24 GB: 1 node */
    w.sc = (script){.answer = {2, 0, 0}, .n = 3};
    uint64_t id = create(&w, PROTO_SD, 10, 1);
    /* seat 0: sizes 12 (2 nodes) and 24 (1) -> bound 3; r = 2 -> 24 GB and
     * its one node (a bound of 1 asks the chooser nothing) */
    assert_int_equal(w.sc.bound[0], 3);
    /* seat 1: only 12 GB is left (2 nodes) -> bound 2, then a node of 2 */
    assert_int_equal(w.sc.bound[1], 2);
    assert_int_equal(w.sc.bound[2], 2);
    /* seat 2: one 12 GB node left: no draw */
    assert_int_equal(w.sc.next, 3);
    proto_task_view v;
    assert_true(proto_task_get(w.p, id, &v));
    assert_int_equal(v.selected[0], w.n[3]);
    assert_int_equal(v.selected[1], w.n[1]);
    assert_int_equal(v.selected[2], w.n[2]);
    proto_free(w.p);
}

/* ---- settlement: settleNodeByRound pays taskFeePerNode ---- */

static uint64_t honest_task(net *w, proto_task_view *v)
{
    uint64_t id = create(w, PROTO_GPT, 0, 100);
    assert_true(proto_task_get(w->p, id, v));
    uint8_t res[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    for (int r = 0; r < 3; r++)
        commit(w, id, r, v->selected[r], res, 8);
    assert_non_null(find_event(w->p, PROTO_EV_COMMITMENTS_READY, 0));
    return id;
}

/* checkTaskResult with two equal disclosures: the second is settled, the
 * first becomes the result node (TaskSuccess); the third disclosure and
 * the upload report settle the others; each node gets exactly 10 CNX. */
static void test_honest_task_pays_ten_each(void **st)
{
    (void)st;
    net w;
    net_new(&w);
    for (int i = 0; i < 3; i++)
        net_join(&w, "A", 8);
    proto_task_view v;
    uint64_t id = honest_task(&w, &v);
    uint8_t res[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    assert_true(proto_disclose(w.p, 11, v.selected[0], id, 0, res, 8));
    assert_true(proto_disclose(w.p, 11, v.selected[1], id, 1, res, 8));
    const proto_event *ok = find_event(w.p, PROTO_EV_TASK_SUCCESS, 0);
    assert_non_null(ok);
    assert_int_equal(ok->node, v.selected[0]);
    assert_true(proto_balance(w.p, v.selected[1]) == 10 * CNX);
    assert_true(proto_disclose(w.p, 12, v.selected[2], id, 2, res, 8));
    assert_true(proto_balance(w.p, v.selected[2]) == 10 * CNX);
    /* only the result node may report the upload */
    assert_false(proto_report_uploaded(w.p, 13, v.selected[1], id, 1));
    assert_string_equal(proto_revert_reason(w.p), "Not result round");
    assert_true(proto_report_uploaded(w.p, 13, v.selected[0], id, 0));
    assert_true(proto_balance(w.p, v.selected[0]) == 10 * CNX);
    /* every node free: tryDeleteTask deleted it */
    assert_false(proto_task_get(w.p, id, &v));
    assert_true(proto_balance(w.p, PROTO_ACC_TASK) == 0);
    assert_true(proto_balance(w.p, w.app) == 970 * CNX);
    proto_free(w.p);
}

/* Four "A" nodes, an honest task on the first three whose rounds 0 and 1
 * have disclosed `res` (8 bytes): round 1 is settled, round 0 is the
 * result node. */
static uint64_t four_nodes_two_disclosed(net *w, proto_task_view *v, const uint8_t *res)
{
    net_new(w);
    for (int i = 0; i < 4; i++)
        net_join(w, "A", 8);
    w->sc = (script){.answer = {0, 0, 0, 0}, .n = 4};
    uint64_t id = honest_task(w, v);
    assert_true(proto_disclose(w->p, 11, v->selected[0], id, 0, res, 8));
    assert_true(proto_disclose(w->p, 11, v->selected[1], id, 1, res, 8));
    return id;
}

/* tryDeleteTask keeps the task while any of its nodes is in *some* task:
 * a node settled early and selected again keeps the old task stored. */
static void test_task_kept_while_a_node_is_elsewhere(void **st)
{
    (void)st;
    net w;
    proto_task_view v;
    uint8_t res[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    uint64_t id = four_nodes_two_disclosed(&w, &v, res);
    assert_true(proto_disclose(w.p, 12, v.selected[2], id, 2, res, 8));
    /* rounds 1 and 2 are free again and, with the fourth node, take a new task */
    uint64_t id2 = create(&w, PROTO_SD, 0, 14);
    assert_true(proto_report_uploaded(w.p, 15, v.selected[0], id, 0));
    assert_true(proto_task_get(w.p, id, &v)); /* not deleted */
    assert_true(v.balance == 0);
    assert_true(proto_task_get(w.p, id2, &v));
    proto_free(w.p);
}

/* reportResultsUploaded has no "already paid" check: a second report
 * settles the result node again (Task.sol:settleNodeByRound: the token
 * transfer first, then balance -= taskFeePerNode).  When Task holds no
 * tokens any more (the other task was cancelled and refunded), the
 * transfer itself reverts: CrynuxToken is OpenZeppelin 4.9's ERC20, whose
 * _transfer requires "ERC20: transfer amount exceeds balance", before the
 * task's balance could underflow.  Found by the recorded trace
 * tests/conformance/hydrogen/random-7.json (step 151), where the model
 * answered Panic(0x11). */
static void test_second_upload_with_task_drained(void **st)
{
    (void)st;
    net w;
    proto_task_view v;
    uint8_t res[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    uint64_t id = four_nodes_two_disclosed(&w, &v, res);
    assert_true(proto_report_uploaded(w.p, 12, v.selected[0], id, 0));
    /* the result node and the second one, with the fourth, take task 2 */
    uint64_t id2 = create(&w, PROTO_SD, 0, 13);
    proto_task_view v2;
    assert_true(proto_task_get(w.p, id2, &v2));
    assert_true(proto_disclose(w.p, 14, v.selected[2], id, 2, res, 8));
    assert_true(proto_task_get(w.p, id, &v)); /* kept: its nodes are in task 2 */
    assert_true(v.balance == 0);
    /* task 2 cancelled: its 30 CNX back, nothing left in Task */
    assert_true(proto_cancel(w.p, 13 + 900 + 1, w.app, id2));
    assert_true(proto_balance(w.p, PROTO_ACC_TASK) == 0);
    wei_t before = proto_balance(w.p, v.selected[0]);
    assert_false(proto_report_uploaded(w.p, 915, v.selected[0], id, 0));
    assert_string_equal(proto_revert_reason(w.p), "ERC20: transfer amount exceeds balance");
    assert_true(proto_balance(w.p, v.selected[0]) == before);
    proto_free(w.p);
}

/* Two equal disclosures and a different third (isSuccess): the third is
 * punished: its 10 CNX back to the creator, its 400 CNX stake to the owner
 * (Node.slash), and it leaves the network. */
static void test_cheater_slashed(void **st)
{
    (void)st;
    net w;
    proto_task_view v;
    uint64_t id = one_task(&w, PROTO_GPT, &v);
    uint8_t res[8] = {1, 2, 3, 4, 5, 6, 7, 8}, bad[8] = {9};
    commit(&w, id, 0, v.selected[0], res, 8);
    commit(&w, id, 1, v.selected[1], res, 8);
    commit(&w, id, 2, v.selected[2], bad, 8);
    wei_t owner = proto_balance(w.p, PROTO_ACC_OWNER);
    assert_true(proto_disclose(w.p, 11, v.selected[0], id, 0, res, 8));
    assert_true(proto_disclose(w.p, 11, v.selected[1], id, 1, res, 8));
    assert_true(proto_disclose(w.p, 11, v.selected[2], id, 2, bad, 8));
    assert_non_null(find_event(w.p, PROTO_EV_TASK_NODE_SLASHED, 0));
    assert_true(proto_balance(w.p, PROTO_ACC_OWNER) - owner == 400 * CNX);
    assert_true(proto_balance(w.p, w.app) == 980 * CNX);
    proto_node_view nv;
    proto_node_get(w.p, v.selected[2], &nv);
    assert_int_equal(nv.status, PROTO_NODE_QUIT);
    proto_free(w.p);
}

/* sd results compare by pHash: every 8-byte pair must differ in fewer than
 * distanceThreshold = 5 bits (Task.sol:compareHamming). */
static void test_sd_hamming_threshold(void **st)
{
    (void)st;
    for (int bits = 4; bits <= 5; bits++) {
        net w;
        proto_task_view v;
        uint64_t id = one_task(&w, PROTO_SD, &v);
        uint8_t a[8] = {0}, b[8] = {0};
        b[0] = (uint8_t)((1u << bits) - 1);
        commit(&w, id, 0, v.selected[0], a, 8);
        commit(&w, id, 1, v.selected[1], b, 8);
        commit(&w, id, 2, v.selected[2], a, 8);
        assert_true(proto_disclose(w.p, 11, v.selected[0], id, 0, a, 8));
        assert_true(proto_disclose(w.p, 11, v.selected[1], id, 1, b, 8));
        /* 4 bits apart: the same image, success at two disclosures */
        assert_int_equal(find_event(w.p, PROTO_EV_TASK_SUCCESS, 0) != NULL, bits == 4);
        proto_free(w.p);
    }
}

/* ---- errors and cancellation ---- */

/* Two error reports "agree" (empty results compare equal): the second
 * reporter is settled, then emitTaskFinishedEvent finds the honest result
 * empty, settles the first reporter too, aborts ("Task error reported")
 * and punishes every round that committed a real result. */
static void test_error_reports_paid_committer_slashed(void **st)
{
    (void)st;
    net w;
    proto_task_view v;
    uint64_t id = one_task(&w, PROTO_GPT, &v);
    uint8_t res[8] = {1};
    commit(&w, id, 2, v.selected[2], res, 8);
    assert_true(proto_report_error(w.p, 11, v.selected[0], id, 0));
    assert_true(proto_report_error(w.p, 11, v.selected[1], id, 1));
    const proto_event *ab = find_event(w.p, PROTO_EV_TASK_ABORTED, 0);
    assert_non_null(ab);
    assert_int_equal(ab->reason, PROTO_ABORT_ERROR_REPORTED);
    assert_true(proto_balance(w.p, v.selected[0]) == 10 * CNX);
    assert_true(proto_balance(w.p, v.selected[1]) == 10 * CNX);
    assert_non_null(find_event(w.p, PROTO_EV_NODE_SLASHED, 0));
    assert_true(proto_balance(w.p, w.app) == 980 * CNX);
    /* all three settled or slashed: deleted */
    assert_false(proto_task_get(w.p, id, &v));
    proto_free(w.p);
}

/* reportTaskError has no "Task is aborted" check: after two error reports
 * abort the task, the third node can still report and is paid 10 CNX (its
 * empty result matches), while a commit is refused. */
static void test_error_after_abort_is_paid(void **st)
{
    (void)st;
    net w;
    proto_task_view v;
    uint64_t id = one_task(&w, PROTO_GPT, &v);
    assert_true(proto_report_error(w.p, 11, v.selected[0], id, 0));
    assert_true(proto_report_error(w.p, 11, v.selected[1], id, 1));
    assert_true(proto_task_get(w.p, id, &v) && v.aborted);
    uint8_t res[8] = {1}, nonce[32] = {9}, c[32];
    proto_commitment(res, 8, nonce, c);
    assert_false(proto_commit(w.p, 12, v.selected[2], id, 2, c, nonce));
    assert_string_equal(proto_revert_reason(w.p), "Task is aborted");
    assert_true(proto_report_error(w.p, 12, v.selected[2], id, 2));
    assert_true(proto_balance(w.p, v.selected[2]) == 10 * CNX);
    assert_true(proto_balance(w.p, w.app) == 970 * CNX); /* all 30 CNX paid out for errors */
    assert_false(proto_task_get(w.p, id, &v));
    proto_free(w.p);
}

/* cancelTask: the creator or a selected node, only after the 15-minute
 * timeout (block.timestamp > timeout); the balance goes back. */
static void test_cancel_after_fifteen_minutes(void **st)
{
    (void)st;
    net w;
    net_new(&w);
    for (int i = 0; i < 3; i++)
        net_join(&w, "A", 8);
    uint64_t id = create(&w, PROTO_GPT, 0, 1000);
    proto_task_view v;
    assert_true(proto_task_get(w.p, id, &v));
    assert_false(proto_cancel(w.p, 1000 + 900, w.app, id));
    assert_string_equal(proto_revert_reason(w.p), "Task has not exceeded the deadline yet");
    uint32_t stranger = proto_add_account(w.p, 0);
    assert_false(proto_cancel(w.p, 1000 + 901, stranger, id));
    assert_string_equal(proto_revert_reason(w.p), "Unauthorized to cancel task");
    assert_true(proto_cancel(w.p, 1000 + 901, v.selected[1], id));
    const proto_event *ab = find_event(w.p, PROTO_EV_TASK_ABORTED, 0);
    assert_non_null(ab);
    assert_int_equal(ab->reason, PROTO_ABORT_CANCELLED);
    assert_true(proto_balance(w.p, w.app) == 1000 * CNX);
    proto_node_view nv;
    for (int r = 0; r < 3; r++) {
        proto_node_get(w.p, v.selected[r], &nv);
        assert_int_equal(nv.status, PROTO_NODE_AVAILABLE);
    }
    assert_false(proto_cancel(w.p, 2000, w.app, id));
    assert_string_equal(proto_revert_reason(w.p), "Task not exist");
    proto_free(w.p);
}

/* No QoS contract: a node that times out on every task is never kicked
 * out, and its view has no score. */
static void test_no_qos_no_kickout(void **st)
{
    (void)st;
    net w;
    net_new(&w);
    for (int i = 0; i < 3; i++)
        net_join(&w, "A", 8);
    uint64_t now = 0;
    for (int k = 0; k < 10; k++) {
        uint64_t id = create(&w, PROTO_GPT, 0, now);
        now += 901;
        assert_true(proto_cancel(w.p, now, w.app, id));
        assert_null(find_event(w.p, PROTO_EV_NODE_KICKED_OUT, 0));
    }
    proto_node_view nv;
    proto_node_get(w.p, w.n[0], &nv);
    assert_int_equal(nv.status, PROTO_NODE_AVAILABLE);
    assert_int_equal(nv.task_score, 0);
    proto_free(w.p);
}

/* Node.sol: 400 CNX stake, join/pause/resume/quit status rules. */
static void test_node_stake_and_status(void **st)
{
    (void)st;
    net w;
    net_new(&w);
    uint32_t poor = proto_add_account(w.p, 399 * CNX);
    assert_false(proto_join(w.p, 0, poor, "A", 8));
    assert_string_equal(proto_revert_reason(w.p), "Not enough token to stake");
    uint32_t a = net_join(&w, "A", 8);
    assert_false(proto_join(w.p, 0, a, "A", 8));
    assert_string_equal(proto_revert_reason(w.p), "Node already joined");
    assert_true(proto_balance(w.p, a) == 0);
    assert_true(proto_pause(w.p, 1, a));
    assert_false(proto_pause(w.p, 1, a));
    assert_string_equal(proto_revert_reason(w.p), "Illegal node status");
    assert_true(proto_resume(w.p, 2, a));
    assert_true(proto_quit(w.p, 3, a));
    assert_true(proto_balance(w.p, a) == 400 * CNX);
    proto_free(w.p);
}

/* ---- scenarios: protocol.edition and its keys ---- */

#define NET "\"network\": {\"nodes\": 10, \"cards\": [{\"card\": \"NVIDIA GeForce RTX 4090\"}]}"
#define APP "\"applications\": [{\"arrival\": {\"process\": \"poisson\", \"rate_per_h\": 10}, " \
            "\"tasks\": [{\"type\": \"sd\", \"fee\": {\"wei\": \"1000\"}}]}]"

static void test_scenario_edition_keys(void **st)
{
    (void)st;
    scn s;
    parse_ok("{" NET ", " APP ", \"protocol\": {\"edition\": \"hydrogen\", \"task_fee_per_node\": \"5\"}}", &s);
    assert_int_equal(s.params.edition, PROTO_HYDROGEN);
    assert_true(s.params.task_fee_per_node == 5);
    assert_true(s.params.stake == 400 * CNX);
    assert_int_equal(s.params.task_timeout_s, 900);
    scn_free(&s);
    parse_ok("{" NET ", " APP ", \"protocol\": {\"edition\": \"hydrogen\"}}", &s);
    assert_true(s.params.task_fee_per_node == 10 * CNX); /* Task.sol constructor */
    scn_free(&s);
    parse_ok("{" NET ", " APP "}", &s);
    assert_int_equal(s.params.edition, PROTO_HELIUM);
    scn_free(&s);
    expect_error("{" NET ", " APP ", \"protocol\": {\"edition\": \"hydrogen\", \"queue_size_limit\": 5}}",
                 "$.protocol.queue_size_limit: a helium key, but protocol.edition is \"hydrogen\"");
    expect_error("{" NET ", " APP ", \"protocol\": {\"task_fee_per_node\": \"5\"}}",
                 "$.protocol.task_fee_per_node: a hydrogen key, but protocol.edition is \"helium\"");
    expect_error("{" NET ", " APP ", \"protocol\": {\"edition\": \"lithium\"}}",
                 "$.protocol.edition: expected one of helium, hydrogen");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_charges_the_fixed_fee),
        cmocka_unit_test(test_create_reverts_without_nodes),
        cmocka_unit_test(test_gpt_group_by_count_then_uniform),
        cmocka_unit_test(test_sd_vram_by_count_per_seat),
        cmocka_unit_test(test_honest_task_pays_ten_each),
        cmocka_unit_test(test_task_kept_while_a_node_is_elsewhere),
        cmocka_unit_test(test_second_upload_with_task_drained),
        cmocka_unit_test(test_cheater_slashed),
        cmocka_unit_test(test_sd_hamming_threshold),
        cmocka_unit_test(test_error_reports_paid_committer_slashed),
        cmocka_unit_test(test_error_after_abort_is_paid),
        cmocka_unit_test(test_cancel_after_fifteen_minutes),
        cmocka_unit_test(test_no_qos_no_kickout),
        cmocka_unit_test(test_node_stake_and_status),
        cmocka_unit_test(test_scenario_edition_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
