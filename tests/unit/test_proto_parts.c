/* Unit tests of the protocol model's parts, each against an independent
 * source: published keccak vectors, the fee formula worked by hand, a second
 * (naive) implementation of the contract heaps, the QoS rule as stated. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "protocol/proto_internal.h"
#include "protocol/helium/helium.h"
#include "util/keccak.h"
#include "util/wei.h"

static void hex(const uint8_t *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", b[i]);
}

static void test_keccak_vectors(void **st)
{
    (void)st;
    uint8_t h[32];
    char s[65];
    keccak256((const uint8_t *)"", 0, h);
    hex(h, 32, s);
    assert_string_equal(s, "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    keccak256((const uint8_t *)"abc", 3, h);
    hex(h, 32, s);
    assert_string_equal(s, "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
    /* longer than one 136-byte block, split across the two inputs */
    uint8_t buf[300], h2[32];
    for (int i = 0; i < 300; i++)
        buf[i] = (uint8_t)(i * 7);
    keccak256(buf, 300, h);
    keccak256_2(buf, 137, buf + 137, 163, h2);
    assert_memory_equal(h, h2, 32);
}

static void test_wei_parse_format(void **st)
{
    (void)st;
    wei_t v;
    char buf[WEI_STR_MAX];
    assert_true(wei_parse("340282366920938463463374607431768211455", &v));
    assert_true(v == WEI_MAX);
    assert_string_equal(wei_format(v, buf), "340282366920938463463374607431768211455");
    assert_false(wei_parse("340282366920938463463374607431768211456", &v));
    assert_false(wei_parse("12a", &v));
    assert_false(wei_parse("", &v));
    assert_false(wei_parse("-1", &v));
    assert_true(wei_parse("0", &v) && v == 0);
    assert_string_equal(wei_format(0, buf), "0");
}

/* EnumerableSet: insertion order, swap-and-pop removal, journal rollback. */
static void test_oset_swap_and_pop(void **st)
{
    (void)st;
    jrn j;
    jrn_init(&j);
    uint32_t pos[16] = {0};
    oset s;
    assert_true(oset_init(&s, 16, pos, 1));
    for (uint32_t id = 1; id <= 4; id++)
        assert_true(oset_add(&j, &s, id));
    assert_false(oset_add(&j, &s, 2));
    jrn_commit(&j);
    uint32_t moved;
    assert_int_equal(oset_remove(&j, &s, 2, &moved), 1);
    assert_int_equal(moved, 4);
    uint32_t want[] = {1, 4, 3};
    assert_int_equal(s.len, 3);
    assert_memory_equal(s.items, want, sizeof want);
    assert_true(oset_add(&j, &s, 2)); /* appended at the end */
    assert_int_equal(s.items[3], 2);
    assert_int_equal(oset_remove(&j, &s, 9, &moved), -1);
    jrn_rollback(&j); /* back to 1,2,3,4 */
    uint32_t orig[] = {1, 2, 3, 4};
    assert_int_equal(s.len, 4);
    assert_memory_equal(s.items, orig, sizeof orig);
    for (uint32_t id = 1; id <= 4; id++)
        assert_true(oset_contains(&s, id));
    oset_free(&s);
    jrn_free(&j);
}

/* Positions interleaved (stride 2): a set that owns column 0, and two
 * disjoint sets sharing column 1; removals that move members, contains on
 * the set an id is not in, and a rollback, each column left as it was. */
static void test_oset_interleaved(void **st)
{
    (void)st;
    jrn j;
    jrn_init(&j);
    uint32_t pos[2 * 16] = {0};
    oset own, a, b;
    assert_true(oset_init_own(&own, 16, pos, 2));
    assert_true(oset_init(&a, 16, pos + 1, 2));
    assert_true(oset_init(&b, 16, pos + 1, 2));
    for (uint32_t id = 1; id <= 6; id++) {
        assert_true(oset_add(&j, &own, id));
        assert_true(oset_add(&j, id % 2 ? &a : &b, id)); /* a: 1 3 5, b: 2 4 6 */
    }
    jrn_commit(&j);
    uint32_t saved[2 * 16];
    memcpy(saved, pos, sizeof pos);
    assert_false(oset_contains(&a, 2));
    assert_false(oset_contains(&b, 1));
    assert_false(oset_add(&j, &own, 3));
    uint32_t moved;
    assert_int_equal(oset_remove(&j, &own, 2, &moved), 1);
    assert_int_equal(moved, 6);
    assert_int_equal(oset_remove(&j, &b, 2, &moved), 0);
    assert_int_equal(moved, 6);
    assert_int_equal(oset_remove(&j, &a, 2, &moved), -1);
    assert_false(oset_contains(&own, 2));
    assert_true(oset_contains(&own, 6) && oset_contains(&b, 6) && oset_contains(&a, 5));
    assert_int_equal(pos[2 * 6], 2);     /* 6 took 2's place in own */
    assert_int_equal(pos[2 * 6 + 1], 1); /* and in b */
    assert_int_equal(pos[2 * 5 + 1], 3); /* a untouched */
    jrn_rollback(&j);
    assert_memory_equal(pos, saved, sizeof pos);
    assert_int_equal(own.len, 6);
    assert_int_equal(b.len, 3);
    oset_free(&own);
    oset_free(&a);
    oset_free(&b);
    jrn_free(&j);
}

/* Saves of every size the journal handles apart (8, 16, 32 bytes inline in
 * entries, longer ones in the byte log), repeated and overlapping, each
 * followed by a write, come back byte for byte on rollback, including when
 * the entry array grows in the middle of a save. */
static void test_journal_sizes_roll_back(void **st)
{
    (void)st;
    uint8_t mem[256], orig[256];
    for (int i = 0; i < 256; i++)
        mem[i] = orig[i] = (uint8_t)(i * 37 + 11);
    static const size_t sizes[] = {1, 4, 8, 12, 16, 32, 33, 48, 100};
    jrn j;
    jrn_init(&j);
    for (int round = 0; round < 600; round++) { /* past the first growth of the entries */
        size_t size = sizes[round % 9], at = (size_t)(round * 29) % (256 - size);
        jrn_save(&j, mem + at, size);
        memset(mem + at, round, size);
    }
    jrn_rollback(&j);
    assert_memory_equal(mem, orig, sizeof mem);
    jrn_free(&j);
}

/* Random transactions of additions and removals on a set that owns its
 * positions and two that share a column, rolled back: the journal keeps a
 * change as one logical entry (oset_undo), and every byte of the items
 * (past the end too) and positions comes back. */
static void test_oset_random_rollback(void **st)
{
    (void)st;
    enum { IDS = 40 };
    uint64_t x = 88172645463325252ull;
    jrn j;
    jrn_init(&j);
    uint32_t pos[2 * IDS] = {0};
    oset sets[3];
    assert_true(oset_init_own(&sets[0], IDS, pos, 2));
    assert_true(oset_init(&sets[1], IDS, pos + 1, 2));
    assert_true(oset_init(&sets[2], IDS, pos + 1, 2));
    for (int round = 0; round < 400; round++) {
        uint32_t saved_pos[2 * IDS], saved_items[3][IDS], saved_len[3];
        memcpy(saved_pos, pos, sizeof pos);
        for (int k = 0; k < 3; k++) {
            memcpy(saved_items[k], sets[k].items, sizeof saved_items[k]);
            saved_len[k] = sets[k].len;
        }
        for (int step = 0; step < 1 + round % 23; step++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            uint32_t id = (uint32_t)(x % IDS), moved;
            int k = (int)((x >> 20) % 3);
            if (k && oset_contains(&sets[3 - k], id))
                k = 3 - k; /* the shared column: one set at a time */
            if (x >> 40 & 1)
                oset_add(&j, &sets[k], id);
            else
                oset_remove(&j, &sets[k], id, &moved);
        }
        if (round % 3 == 0) { /* kept: the next round starts from here */
            jrn_commit(&j);
            continue;
        }
        jrn_rollback(&j);
        assert_memory_equal(pos, saved_pos, sizeof pos);
        for (int k = 0; k < 3; k++) {
            assert_int_equal(sets[k].len, saved_len[k]);
            assert_memory_equal(sets[k].items, saved_items[k], sizeof saved_items[k]);
        }
    }
    for (int k = 0; k < 3; k++)
        oset_free(&sets[k]);
    jrn_free(&j);
}

/* ---- a network of three identical cards and one app ---- */
typedef struct net {
    proto *p;
    uint32_t n[6], app;
} net;

static const wei_t CNX = (wei_t)1000000000000000000ULL;

static void net_up(net *w, int nodes, const char *gpu, uint64_t vram)
{
    proto_params prm = proto_params_helium();
    w->p = proto_new(&prm, 16, 1024);
    assert_non_null(w->p);
    for (int i = 0; i < nodes; i++) {
        w->n[i] = proto_add_account(w->p, 1000 * CNX);
        assert_true(proto_join(w->p, 0, w->n[i], gpu, vram));
    }
    w->app = proto_add_account(w->p, 100000 * CNX);
}

static uint64_t fixed_draw(void *ctx, uint64_t bound)
{
    (void)bound;
    return *(uint64_t *)ctx;
}

/* Runs one gpt task through commit order 0,1,2 and disclosure order 0,1,2
 * (result node = round 0) and returns the fees paid per round. */
static bool run_task(net *w, wei_t fee, wei_t paid[3])
{
    uint64_t id;
    uint64_t zero = 0;
    proto_set_chooser(w->p, (proto_chooser){fixed_draw, &zero});
    assert_true(proto_create_task(w->p, 1, w->app, PROTO_GPT, 0, fee, 1, &id));
    proto_task_view tv;
    assert_true(proto_task_get(w->p, id, &tv));
    uint8_t res[4] = {1, 2, 3, 4}, nonce[3][32] = {{1}, {2}, {3}}, c[32];
    for (int r = 0; r < 3; r++) {
        proto_commitment(res, 4, nonce[r], c);
        assert_true(proto_commit(w->p, 2, tv.selected[r], id, (uint64_t)r, c, nonce[r]));
    }
    size_t n;
    const proto_event *ev;
    for (int r = 0; r < 3; r++) {
        wei_t before = proto_balance(w->p, tv.selected[r]);
        assert_true(proto_disclose(w->p, 3, tv.selected[r], id, (uint64_t)r, res, 4));
        paid[r] = proto_balance(w->p, tv.selected[r]) - before;
    }
    wei_t before = proto_balance(w->p, tv.selected[0]);
    if (!proto_report_uploaded(w->p, 4, tv.selected[0], id, 0))
        return false;
    paid[0] += proto_balance(w->p, tv.selected[0]) - before;
    ev = proto_events(w->p, &n);
    assert_int_equal(ev[n - 1].kind, PROTO_EV_TASK_RESULT_UPLOADED);
    return true;
}

/* fee share = total × points / 50; the last payee takes the remainder when
 * fewer than 3 wei would be left.  Worked by hand for each amount. */
static void test_fee_split_and_remainder(void **st)
{
    (void)st;
    struct {
        const char *fee, *r0, *r1, *r2;
        bool upload_ok;
    } cases[] = {
        /* points: round0 10+10=20, round1 9+9=18, round2 6+6=12 */
        {"100000000000000000007", "40000000000000000004", "36000000000000000002",
         "24000000000000000001", true},
        {"7", "4", "2", "1", true}, /* 126/50=2, 84/50=1, left 4: 140/50=2 leaves 2<3 -> 4 */
        {"50", "20", "18", "12", true},
        {"0", "0", "0", "0", true},
        /* 54/50=1 would leave 2<3: the second discloser takes all 3; the
         * result node's 60/50=1 then underflows the empty escrow (Panic) and
         * its upload can never succeed */
        {"3", "0", "3", "0", false},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        net w;
        net_up(&w, 3, "NVIDIA GeForce RTX 4090", 24);
        wei_t fee, want[3], paid[3];
        assert_true(wei_parse(cases[k].fee, &fee));
        assert_true(wei_parse(cases[k].r0, &want[0]) && wei_parse(cases[k].r1, &want[1]) &&
                    wei_parse(cases[k].r2, &want[2]));
        wei_t supply = proto_total_supply(w.p);
        bool up = run_task(&w, fee, paid);
        assert_int_equal(up, cases[k].upload_ok);
        if (!up) {
            assert_string_equal(proto_revert_reason(w.p), "Panic(0x11)");
            paid[0] = 0;
        }
        for (int r = 0; r < 3; r++)
            assert_true(paid[r] == want[r]);
        assert_true(proto_total_supply(w.p) == supply);
        assert_true(proto_balance(w.p, PROTO_ACC_TASK) == 0);
        proto_quirk_counters q;
        proto_quirks_get(w.p, &q);
        assert_int_equal(q.panics, up ? 0 : 1);
        proto_free(w.p);
    }
}

/* QoS window: sum of the last 3 task scores, 20 assumed per missing task,
 * kicked out when <= 20. */
static void test_qos_window_and_kickout(void **st)
{
    (void)st;
    net w;
    net_up(&w, 0, "x", 1);
    proto *p = w.p;
    uint32_t a = proto_add_account(p, 0);
    uint64_t seq[][4] = {
        /* scores of consecutive tasks, expected kick after the last */
        {12, 12, 12, 0}, {12, 0, 0, 1}, {0, 0, 40, 0}, {20, 0, 0, 1}, {21, 0, 0, 0},
    };
    for (size_t k = 0; k < sizeof seq / sizeof seq[0]; k++) {
        memset(&p->node[a], 0, sizeof p->node[a]);
        for (int t = 0; t < 3; t++) {
            pq_start_task(p, a);
            p->node[a].pool[0] = seq[k][t];
            pq_finish_task(p, a);
            /* independent reading of the rule */
            uint64_t sum = 0;
            for (int u = 0; u <= t; u++)
                sum += seq[k][u];
            sum += (uint64_t)(2 - t) * 20;
            assert_int_equal(pq_should_kick_out(p, a), sum <= 20);
        }
        assert_int_equal(pq_should_kick_out(p, a), (int)seq[k][3]);
        assert_int_equal(pq_task_score(p, a),
                         (seq[k][0] + seq[k][1] + seq[k][2]) / 3);
    }
    /* the window's count saturates (it is 32 bits here, uint256 on chain):
     * a node past 2^32 tasks still counts a full window */
    memset(&p->node[a], 0, sizeof p->node[a]);
    p->node[a].pool_size = UINT32_MAX - 1;
    for (int t = 0; t < 2; t++) {
        pq_start_task(p, a);
        p->node[a].pool[0] = 12;
        pq_finish_task(p, a);
    }
    assert_int_equal(p->node[a].pool_size, UINT32_MAX);
    assert_false(pq_should_kick_out(p, a)); /* 12 + 12 + 0 > 20 */
    p->node[a].pool[1] = 0;
    assert_true(pq_should_kick_out(p, a)); /* 12 + 0 + 0; a wrapped count would assume 20 for the rest */
    jrn_commit(&p->j);
    proto_free(p);
}

/* What a task reads and writes of a node (its status, GPU model, score,
 * counters and the window of three) is the record, one cache line. */
static void test_node_record_first_line(void **st)
{
    (void)st;
    assert_true(_Alignof(pnode) == 64 && sizeof(pnode) == 64);
    assert_true(offsetof(pnode, status) < 64 && offsetof(pnode, gpu) < 64 && offsetof(pnode, score) < 64);
    assert_true(offsetof(pnode, current_task) < 64 && offsetof(pnode, task_count) < 64);
    assert_true(offsetof(pnode, task_score_sum) < 64 && offsetof(pnode, pool_size) < 64);
    assert_true(offsetof(pnode, pool) + 3 * sizeof(uint64_t) <= 64);
    assert_true((uint64_t)(uint16_t)(PROTO_MAX_GPUS - 1) == PROTO_MAX_GPUS - 1); /* gpu is 16 bits */
}

/* ---- heaps: the model against a naive copy of TaskHeap.sol ---- */
typedef struct ref_heap {
    uint64_t id[128];
    wei_t price[128];
    uint32_t len; /* entries 1..len */
} ref_heap;

static bool rb(bool is_min, wei_t a, wei_t b) { return is_min ? a < b : a > b; }

static void ref_insert(ref_heap *h, bool is_min, uint64_t id, wei_t price)
{
    uint32_t i = ++h->len;
    for (; i > 1 && rb(is_min, price, h->price[i / 2]); i /= 2) {
        h->id[i] = h->id[i / 2];
        h->price[i] = h->price[i / 2];
    }
    h->id[i] = id;
    h->price[i] = price;
}

static uint32_t ref_find(const ref_heap *h, uint64_t id)
{
    for (uint32_t i = 1; i <= h->len; i++)
        if (h->id[i] == id)
            return i;
    return 0;
}

static uint64_t ref_remove_at(ref_heap *h, bool is_min, uint32_t i)
{
    uint64_t cur = h->id[i], lid = h->id[h->len];
    wei_t cp = h->price[i], lp = h->price[h->len];
    if (rb(is_min, cp, lp)) {
        while (2 * i <= h->len) {
            uint32_t nx = 2 * i;
            if (nx + 1 <= h->len && rb(is_min, h->price[nx + 1], h->price[nx]))
                nx++;
            if (!rb(is_min, h->price[nx], lp))
                break;
            h->id[i] = h->id[nx];
            h->price[i] = h->price[nx];
            i = nx;
        }
    } else if (rb(is_min, lp, cp)) {
        for (; i > 1 && rb(is_min, lp, h->price[i / 2]); i /= 2) {
            h->id[i] = h->id[i / 2];
            h->price[i] = h->price[i / 2];
        }
    }
    h->id[i] = lid;
    h->price[i] = lp;
    h->len--;
    return cur;
}

static void test_queue_heaps_match_reference(void **st)
{
    (void)st;
    /* One node of a different model: no task can ever start, so every
     * create_task queues; then drive pops through resume events. */
    proto_params prm = proto_params_helium();
    prm.queue_size_limit = 20;
    for (unsigned seed = 1; seed <= 40; seed++) {
        proto *p = proto_new(&prm, 8, 4096);
        uint32_t app = proto_add_account(p, (wei_t)1 << 100);
        ref_heap mx = {0}, mn = {0};
        uint64_t rng = seed * 0x9E3779B97F4A7C15ULL;
        for (int step = 0; step < 60; step++) {
            rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
            wei_t fee = (wei_t)(rng % 4) * 10; /* many equal values */
            uint64_t id;
            size_t n;
            assert_true(proto_create_task(p, 0, app, PROTO_SD, 8, fee, 10, &id));
            const proto_event *ev = proto_events(p, &n);
            if (ev[0].kind == PROTO_EV_TASK_ABORTED) {
                /* the model dropped its cheapest: so must the reference */
                uint64_t gone = ref_remove_at(&mn, true, 1);
                assert_int_equal(gone, ev[0].task_id);
                ref_remove_at(&mx, false, ref_find(&mx, gone));
            }
            ref_insert(&mx, false, id, fee / 10);
            ref_insert(&mn, true, id, fee / 10);
            if (rng % 5 == 0 && mx.len) { /* cancel a queued task */
                uint64_t victim = mx.id[1 + (rng >> 20) % mx.len];
                assert_true(proto_cancel(p, 0, app, victim));
                ref_remove_at(&mn, true, ref_find(&mn, victim));
                ref_remove_at(&mx, false, ref_find(&mx, victim));
            }
            /* the model's heap layout must equal the reference's */
            pheap *h = &p->heaps[0];
            assert_int_equal(h->len, mx.len);
            for (uint32_t i = 1; i <= mx.len; i++)
                assert_int_equal(p->task[h->slot[i]].id, mx.id[i]);
            assert_int_equal(p->minheap.len, mn.len);
            for (uint32_t i = 1; i <= mn.len; i++)
                assert_int_equal(p->task[p->minheap.slot[i]].id, mn.id[i]);
        }
        proto_free(p);
    }
}

/* Selection: gpt needs three available nodes of one GPU model with enough
 * VRAM; weighted draws walk groups then nodes in set order. */
static void test_selection_eligibility(void **st)
{
    (void)st;
    proto_params prm = proto_params_helium();
    proto *p = proto_new(&prm, 16, 64);
    uint32_t a[5], app;
    for (int i = 0; i < 5; i++)
        a[i] = proto_add_account(p, 1000 * CNX);
    app = proto_add_account(p, 1000 * CNX);
    /* two 4090s and three 16 GB cards */
    assert_true(proto_join(p, 0, a[0], "RTX 4090", 24));
    assert_true(proto_join(p, 0, a[1], "RTX 4090", 24));
    for (int i = 2; i < 5; i++)
        assert_true(proto_join(p, 0, a[i], "RTX 4080", 16));
    uint64_t id;
    size_t n;
    /* gpt needing 20 GB: only two cards qualify -> queued */
    assert_true(proto_create_task(p, 0, app, PROTO_GPT, 20, CNX, 1, &id));
    assert_int_equal(proto_events(p, &n)[0].kind, PROTO_EV_TASK_PENDING);
    assert_int_equal(n, 1);
    assert_true(proto_task_is_queued(p, id));
    /* forced selection of mixed models for gpt is refused and reported */
    uint32_t mixed[3] = {a[0], a[2], a[3]};
    proto_force_selection(p, mixed);
    assert_true(proto_create_task(p, 0, app, PROTO_GPT, 0, CNX, 1, &id));
    assert_non_null(proto_forced_error(p));
    proto_task_view tv;
    assert_true(proto_task_get(p, id, &tv));
    for (int i = 0; i < 3; i++) /* fell back to the only qualifying model */
        assert_true(tv.selected[i] == a[2] || tv.selected[i] == a[3] || tv.selected[i] == a[4]);
    proto_free(p);

    /* sd: weighted draw r lands on the node whose cumulative score covers r */
    p = proto_new(&prm, 16, 64);
    for (int i = 0; i < 5; i++) {
        a[i] = proto_add_account(p, 1000 * CNX);
        assert_true(proto_join(p, 0, a[i], "RTX 4090", 24));
    }
    app = proto_add_account(p, 1000 * CNX);
    uint64_t r = 45; /* scores are 20 each: 45 falls in the third node */
    proto_set_chooser(p, (proto_chooser){fixed_draw, &r});
    assert_true(proto_create_task(p, 0, app, PROTO_SD, 0, CNX, 1, &id));
    assert_true(proto_task_get(p, id, &tv));
    /* draw 1: [a0 a1 a2 a3 a4] -> a2; a4 moves into its slot: [a0 a1 a4 a3]
     * draw 2: 45 -> a4; a3 moves: [a0 a1 a3]; draw 3: 45 -> a3 */
    assert_int_equal(tv.selected[0], a[2]);
    assert_int_equal(tv.selected[1], a[4]);
    assert_int_equal(tv.selected[2], a[3]);
    proto_free(p);
}

/* Random transactions, many of which revert: no wei is ever created or
 * lost, and a reverted transaction leaves the balances untouched. */
static void test_conservation_under_random_transactions(void **st)
{
    (void)st;
    proto_params prm = proto_params_helium();
    prm.queue_size_limit = 5;
    proto *p = proto_new(&prm, 16, 100000);
    uint32_t a[12];
    for (int i = 0; i < 12; i++)
        a[i] = proto_add_account(p, (wei_t)(i < 9 ? 500 : 5000) * CNX);
    wei_t supply = proto_total_supply(p);
    uint64_t rng = 12345, now = 0;
    const char *gpus[] = {"A", "B"};
    for (int step = 0; step < 20000; step++) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        uint32_t who = a[rng % 12];
        uint64_t task = 1 + (rng >> 8) % (proto_next_task_id(p) + 1), round = (rng >> 16) % 4;
        uint8_t res[8] = {(uint8_t)((rng >> 24) % 2)}, nonce[32] = {(uint8_t)(rng >> 30), 1}, c[32];
        wei_t before[12];
        for (int i = 0; i < 12; i++)
            before[i] = proto_balance(p, a[i]);
        bool ok = true;
        now += (rng >> 40) % 200;
        switch ((rng >> 4) % 9) {
        case 0: ok = proto_join(p, now, who, gpus[rng % 2], 8 + 8 * (rng % 2)); break;
        case 1: ok = proto_quit(p, now, who); break;
        case 2: ok = proto_pause(p, now, who); break;
        case 3: ok = proto_resume(p, now, who); break;
        case 4: ok = proto_create_task(p, now, who, (proto_task_type)(rng % 2), 8 * (rng % 3),
                                       (wei_t)(rng % 1000), 1 + rng % 3, NULL); break;
        case 5: proto_commitment(res, 8, nonce, c);
                ok = proto_commit(p, now, who, task, round, c, nonce); break;
        case 6: ok = proto_disclose(p, now, who, task, round, res, 8); break;
        case 7: ok = (rng % 4) ? proto_report_uploaded(p, now, who, task, round)
                               : proto_report_error(p, now, who, task, round); break;
        case 8: ok = proto_cancel(p, now, who, task); break;
        }
        assert_true(proto_total_supply(p) == supply);
        if (!ok)
            for (int i = 0; i < 12; i++)
                assert_true(proto_balance(p, a[i]) == before[i]);
    }
    proto_free(p);
}

/* Two networks fed the same transactions, one committing keccak256(result ‖
 * nonce) computed here, the other handing the model the result
 * (proto_commit_result): every outcome, revert reason, event and balance is
 * the same, through matching, mismatching and spilled (> inline) results,
 * reused nonces, error reports, uploads and cancels. */
static void test_commit_by_result_same_as_by_hash(void **st)
{
    (void)st;
    proto_params prm = proto_params_helium();
    proto *p[2];
    uint32_t a[2][8];
    for (int k = 0; k < 2; k++) {
        p[k] = proto_new(&prm, 16, 100000);
        for (int i = 0; i < 8; i++)
            a[k][i] = proto_add_account(p[k], (wei_t)(i < 6 ? 50000 : 500000) * CNX);
        for (int i = 0; i < 6; i++)
            assert_true(proto_join(p[k], 0, a[k][i], "A", 8));
    }
    uint8_t results[3][64];
    size_t lens[3] = {8, 8, 64};
    for (int j = 0; j < 64; j++) {
        results[0][j] = (uint8_t)j;
        results[1][j] = (uint8_t)(j ^ 0xff); /* 64 bits from results[0] */
        results[2][j] = (uint8_t)(3 * j + 1);
    }
    uint64_t rng = 99, now = 0;
    int disclosed = 0, mismatched = 0;
    for (int step = 0; step < 30000; step++) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        now += (rng >> 40) % 30;
        /* mostly a task the contract stores (running or aborted) */
        uint64_t stored[64], n_stored = 0, task = 1 + (rng >> 50) % 4;
        for (uint64_t id = proto_next_task_id(p[0]); id-- > 1 && n_stored < 64;)
            if (proto_task_get(p[0], id, &(proto_task_view){0}))
                stored[n_stored++] = id;
        if (n_stored && (rng >> 8) % 16)
            task = stored[(rng >> 10) % n_stored];
        uint64_t round = (rng >> 16) % 3;
        proto_task_view v;
        bool known = proto_task_get(p[0], task, &v);
        uint32_t who = known && (rng >> 20) % 8 ? v.selected[round] - a[0][0] : (rng >> 24) % 8;
        int res = (rng >> 28) % 4 ? (int)(task % 3) : (int)((rng >> 30) % 3); /* mostly the task's own */
        uint8_t nonce[32] = {(uint8_t)((rng >> 32) % 4), (uint8_t)round}, c[32];
        bool ok[2];
        for (int k = 0; k < 2; k++) {
            uint32_t from = a[k][who];
            switch ((rng >> 4) % 16) {
            case 0:
            case 1:
                ok[k] = proto_create_task(p[k], now, a[k][6 + (rng >> 36) % 2], (proto_task_type)((rng >> 5) % 2),
                                          8, (wei_t)CNX, 1, NULL);
                break;
            case 2: case 3: case 4: case 5: case 6: case 7:
                if (k == 0) {
                    proto_commitment(results[res], lens[res], nonce, c);
                    ok[k] = proto_commit(p[k], now, from, task, round, c, nonce);
                } else {
                    ok[k] = proto_commit_result(p[k], now, from, task, round, results[res], lens[res], nonce);
                }
                break;
            case 8: case 9: case 10: case 11: case 12: case 13:
                ok[k] = proto_disclose(p[k], now, from, task, round, results[res], lens[res]);
                break;
            case 14: ok[k] = proto_report_error(p[k], now, from, task, round); break;
            default: /* kicked-out and slashed nodes come back */
                ok[k] = (rng >> 44) % 3 == 0   ? proto_report_uploaded(p[k], now, from, task, round)
                        : (rng >> 44) % 3 == 1 ? proto_cancel(p[k], now, from, task)
                                               : proto_join(p[k], now, from, "A", 8);
                break;
            }
        }
        assert_int_equal(ok[0], ok[1]);
        if (!ok[0]) {
            assert_string_equal(proto_revert_reason(p[0]), proto_revert_reason(p[1]));
            mismatched += !strcmp(proto_revert_reason(p[0]), "Mismatch result and commitment");
        } else {
            size_t n0, n1;
            const proto_event *e0 = proto_events(p[0], &n0), *e1 = proto_events(p[1], &n1);
            assert_int_equal(n0, n1);
            for (size_t i = 0; i < n0; i++) {
                assert_int_equal(e0[i].kind, e1[i].kind);
                assert_int_equal(e0[i].task_id, e1[i].task_id);
                assert_int_equal(e0[i].node, e1[i].node);
                assert_true(e0[i].fee == e1[i].fee);
                assert_int_equal(e0[i].result_len, e1[i].result_len);
                if (e0[i].result_len)
                    assert_memory_equal(e0[i].result, e1[i].result, e0[i].result_len);
            }
            disclosed += (rng >> 4) % 16 >= 8 && (rng >> 4) % 16 < 14;
        }
        for (int i = 0; i < 8; i++)
            assert_true(proto_balance(p[0], a[0][i]) == proto_balance(p[1], a[1][i]));
    }
    print_message("disclosed %d, mismatched %d\n", disclosed, mismatched);
    /* the walk reached both branches of the disclosure check */
    assert_true(disclosed > 100);
    assert_true(mismatched > 100);
    proto_free(p[0]);
    proto_free(p[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keccak_vectors),
        cmocka_unit_test(test_commit_by_result_same_as_by_hash),
        cmocka_unit_test(test_wei_parse_format),
        cmocka_unit_test(test_oset_swap_and_pop),
        cmocka_unit_test(test_oset_interleaved),
        cmocka_unit_test(test_oset_random_rollback),
        cmocka_unit_test(test_journal_sizes_roll_back),
        cmocka_unit_test(test_fee_split_and_remainder),
        cmocka_unit_test(test_qos_window_and_kickout),
        cmocka_unit_test(test_node_record_first_line),
        cmocka_unit_test(test_queue_heaps_match_reference),
        cmocka_unit_test(test_selection_eligibility),
        cmocka_unit_test(test_conservation_under_random_transactions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
