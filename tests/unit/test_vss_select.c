/* Node selection of the VSS model through the groups' weight trees against
 * the scan of the candidates that follows Node.sol (crynux-ai/crynux-contracts
 * @ bd7ee24, randomSelectAvailableNode / randomSelectNodesWithoutModelID):
 * for the same random draws both must pick the same nodes.
 *
 * 1. protocol/wset.h alone (the structure Helium's draws use too): random adds, removes (swap-and-pop), weight
 *    changes and finds against a plain array kept in EnumerableSet order.
 * 2. Two VSS models run the same random transactions (joins over several
 *    GPU ids, VRAM sizes and versions, pauses, quits, version updates, model
 *    downloads, task creations, lifecycles that move the QoS scores, aborts)
 *    with the same chooser, one of them made to scan (vss_set_linear_selection):
 *    every transaction must succeed or revert alike and emit the same events
 *    (the started task's node, the download notices and their order).
 * 3. Two VSS models with the download notices muted, drawing from the
 *    simulator's stream (eng_rng_below): one finds the node of every notice
 *    draw, the other only takes the draws' numbers where every bound accepts
 *    them (vss_set_unread_draws): same outcomes, same events, and the stream
 *    at the same place after every transaction, with node scores large
 *    enough that many numbers are refused and the draws walked after all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "engine/eng.h"
#include "protocol/vss/vss.h"
#include "protocol/wset.h"
#include "util/stable.h"

static uint64_t xs(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* ---- 1. the sum tree against a plain array ---- */

static uint32_t naive_find(const uint64_t *w, uint32_t len, uint64_t u)
{
    for (uint32_t i = 0; i < len; i++) {
        if (u < w[i])
            return i;
        u -= w[i];
    }
    return UINT32_MAX;
}

static void test_wset_against_array(void **st)
{
    (void)st;
    enum { IDS = 300 };
    uint64_t seed = 0x1234567;
    for (int run = 0; run < 1000; run++) {
        uint32_t *pos = stable_alloc(IDS * sizeof *pos);
        assert_non_null(pos);
        jrn j;
        jrn_init(&j);
        wset s;
        /* capacities at and past the tree's level boundaries (8, 64) */
        uint32_t cap = run % 4 == 0 ? 8 : run % 4 == 1 ? 65 : run % 4 == 2 ? 64 : IDS;
        assert_true(wset_init(&s, cap, pos, 1));
        uint32_t ids[IDS], len = 0;
        uint64_t w[IDS];
        for (int step = 0; step < 400; step++) {
            uint32_t id = (uint32_t)(xs(&seed) % cap);
            int op = (int)(xs(&seed) % 10);
            bool member = oset_contains(&s.s, id);
            if (op < 4 && !member) {
                uint64_t weight = 1 + xs(&seed) % (run % 2 ? 5 : 1000000);
                assert_true(wset_add(&j, &s, id, weight));
                ids[len] = id;
                w[len++] = weight;
            } else if (op < 7 && member) {
                uint32_t k = 0;
                while (ids[k] != id)
                    k++;
                assert_int_equal(wset_remove(&j, &s, id), k);
                ids[k] = ids[len - 1]; /* swap and pop */
                w[k] = w[len - 1];
                len--;
            } else if (op < 8 && member) {
                uint32_t k = 0;
                while (ids[k] != id)
                    k++;
                w[k] = 1 + xs(&seed) % 77;
                wset_set_weight(&j, &s, id, w[k]);
            }
            jrn_commit(&j);
            uint64_t total = 0;
            for (uint32_t k = 0; k < len; k++)
                total += w[k];
            assert_int_equal(psum_total(&s.w), total);
            assert_int_equal(s.s.len, len);
            for (int d = 0; d < 4 && total; d++) {
                uint64_t u = d == 0 ? 0 : d == 1 ? total - 1 : xs(&seed) % total;
                uint32_t k = naive_find(w, len, u);
                assert_int_equal(s.s.items[psum_find(&s.w, u)], ids[k]);
            }
        }
        /* a rolled-back transaction leaves the tree as it was, every level
         * of it (the journal undoes an addition to it as one entry) */
        uint64_t before = psum_total(&s.w);
        uint8_t *tree = malloc(s.w.bytes);
        assert_non_null(tree);
        memcpy(tree, s.w.v, s.w.bytes);
        if (s.s.len)
            wset_set_weight(&j, &s, s.s.items[len / 2], 1 + xs(&seed) % 1000);
        for (uint32_t id = 0; id < cap; id++)
            if (!oset_contains(&s.s, id))
                wset_add(&j, &s, id, 3);
        if (s.s.len)
            wset_remove(&j, &s, s.s.items[0]);
        jrn_rollback(&j);
        assert_int_equal(psum_total(&s.w), before);
        assert_memory_equal(tree, s.w.v, s.w.bytes);
        free(tree);
        for (uint32_t k = 0; k < len && before; k++)
            assert_int_equal(s.s.items[k], ids[k]);
        wset_free(&s);
        jrn_free(&j);
        stable_free(pos, IDS * sizeof *pos);
    }
}

/* psum_find walks trees of up to PSUM_CACHED_LEVELS levels without a
 * branch on the sums and taller ones with a scan: trees of one to six
 * levels, zero weights among the others, against the scan of the array,
 * at every boundary of a prefix sum and past the total. */
static void test_find_at_every_height(void **st)
{
    (void)st;
    enum { MAXN = 40000 };
    uint64_t seed = 0x9e3779b9, *w = malloc(MAXN * sizeof *w);
    assert_non_null(w);
    const uint32_t sizes[] = {1, 7, 8, 9, 64, 65, 512, 513, 4096, 4097, 32768, MAXN};
    for (size_t c = 0; c < sizeof sizes / sizeof sizes[0]; c++) {
        uint32_t n = sizes[c];
        psumtree t;
        assert_true(psum_init(&t, MAXN));
        uint64_t total = 0;
        for (uint32_t i = 0; i < n; i++) {
            w[i] = xs(&seed) % 3 == 0 ? 0 : 1 + xs(&seed) % 1000;
            psum_add(NULL, &t, i, w[i]);
            total += w[i];
        }
        assert_true(t.h == 1 || (uint64_t)(n - 1) >> (3 * (t.h - 1)));
        assert_int_equal(psum_total(&t), total);
        uint64_t prefix = 0;
        for (uint32_t i = 0; i < n; i++) {
            if (w[i]) { /* its first and last number */
                assert_int_equal(psum_find(&t, prefix), naive_find(w, n, prefix));
                assert_int_equal(psum_find(&t, prefix + w[i] - 1), i);
            }
            prefix += w[i];
        }
        for (int d = 0; d < 200 && total; d++) {
            uint64_t u = xs(&seed) % total;
            assert_int_equal(psum_find(&t, u), naive_find(w, n, u));
        }
        assert_int_equal(psum_find(&t, total), UINT32_MAX);
        assert_int_equal(psum_find(&t, total + 12345), UINT32_MAX);
        psum_free(&t);
    }
    free(w);
}

/* ---- 2. two VSS models, one scanning ---- */

#define CNX ((wei_t)1000000000000000000ULL)
#define NODES 64
#define TASKS 1200

static uint64_t draw(void *ctx, uint64_t bound) { return xs(ctx) % bound; }

/* One transaction, drawn once and applied to both models. */
typedef struct op {
    int kind;
    uint32_t who;            /* account index: 0..NODES-1 nodes, NODES the app */
    uint32_t gpu, task;      /* name index (3 = none), task index */
    uint64_t vram, version[3];
    uint32_t models[2], n_models;
    uint64_t now;
} op;

typedef struct world {
    vss *p;
    uint64_t rng;            /* the chooser's state */
    uint32_t acc[NODES + 1], gpu[3], model[3];
    uint8_t commit[TASKS][32];
} world;

static const uint64_t VERSIONS[4][3] = {{2, 5, 0}, {2, 5, 1}, {2, 4, 9}, {3, 0, 0}};
static const uint64_t VRAMS[4] = {8, 12, 16, 24};
static const uint64_t CARD_VRAM[3] = {24, 12, 16};

static void world_new_with(world *w, const vss_params *prm, bool linear, uint64_t seed)
{
    w->p = vss_new(prm, NODES + 2, TASKS);
    assert_non_null(w->p);
    w->rng = seed;
    vss_set_chooser(w->p, (proto_chooser){draw, &w->rng});
    vss_set_linear_selection(w->p, linear);
    const char *names[3] = {"NVIDIA GeForce RTX 4090", "NVIDIA GeForce RTX 3060", "Apple M2 Max"};
    for (int i = 0; i < 3; i++) {
        w->gpu[i] = vss_intern(w->p, names[i]);
        w->model[i] = vss_intern(w->p, i == 0 ? "crynuxai/sdxl-turbo" : i == 1 ? "m1" : "m2");
    }
    for (int i = 0; i <= NODES; i++)
        w->acc[i] = vss_add_account(w->p, (wei_t)(i < NODES ? 1000 : 100000) * CNX);
}

static void world_new(world *w, bool linear, uint64_t seed)
{
    vss_params prm = vss_params_default();
    prm.queue_size_limit = 6;
    world_new_with(w, &prm, linear, seed);
}

static void spec_of(world *w, const op *o, uint32_t n_tasks, vss_task_spec *s)
{
    memset(s, 0, sizeof *s);
    s->type = o->gpu < 3 ? VSS_LLM : VSS_SD;
    s->nonce[0] = (uint8_t)n_tasks;
    s->nonce[1] = (uint8_t)(n_tasks >> 8);
    uint8_t guid[32] = {0x77, (uint8_t)n_tasks, (uint8_t)(n_tasks >> 8)};
    vss_commitment(guid, s->nonce, s->commitment);
    uint32_t models[2] = {w->model[o->models[0]], w->model[o->models[1]]};
    static uint32_t buf[2];
    memcpy(buf, models, sizeof buf);
    s->models = buf;
    s->n_models = o->n_models;
    s->min_vram = o->gpu < 3 ? 0 : o->vram;
    s->gpu = o->gpu < 3 ? w->gpu[o->gpu] : 0;
    s->gpu_vram = o->gpu < 3 ? o->vram : 0;
    memcpy(s->version, o->version, sizeof s->version);
    s->size = 1;
}

/* Applies o; *created is set when a task was created. */
static bool apply(world *w, const op *o, uint32_t n_tasks, bool *created)
{
    vss *p = w->p;
    uint32_t a = w->acc[o->who];
    const uint8_t *c = w->commit[o->task];
    *created = false;
    switch (o->kind) {
    case 0: {
        vss_key key = {64, a};
        uint32_t models[2] = {w->model[o->models[0]], w->model[o->models[1]]};
        return vss_join(p, o->now, o->now, a, w->gpu[o->gpu % 3], o->vram, o->version, key,
                        400 * CNX, models, o->n_models);
    }
    case 1: return vss_quit(p, o->now, o->now, a);
    case 2: return vss_pause(p, o->now, o->now, a);
    case 3: return vss_resume(p, o->now, o->now, a);
    case 4: return vss_update_version(p, o->now, o->now, a, o->version);
    case 5: return vss_report_model_downloaded(p, o->now, o->now, a, w->model[o->models[0]]);
    case 6: case 7: case 8: {
        if (n_tasks >= TASKS)
            return false;
        vss_task_spec s;
        spec_of(w, o, n_tasks, &s);
        bool ok = vss_create_task(p, o->now, o->now, w->acc[NODES], &s, 1000 + o->vram);
        if (ok) {
            memcpy(w->commit[n_tasks], s.commitment, 32);
            *created = true;
        }
        return ok;
    }
    default: break;
    }
    if (o->task >= n_tasks)
        return false;
    vss_task_view v;
    vss_task_get(p, vss_task_find(p, c), &v);
    switch (o->kind) {
    case 9: { /* a whole single-task lifecycle: moves the node's QoS score */
        uint8_t score[8] = {1};
        vss_proof f = vss_proof_honest(v.creator, false);
        return v.node != VSS_NOBODY &&
               vss_report_parameters_uploaded(p, o->now, o->now, VSS_ACC_RELAY, c) &&
               vss_submit_score(p, o->now, o->now, v.node, c, score, 8) &&
               vss_validate_single(p, o->now, o->now, v.creator, c, &f) &&
               vss_report_result_uploaded(p, o->now, o->now, VSS_ACC_RELAY, c);
    }
    default:
        return vss_abort(p, o->now, o->now, v.creator, c, VSS_ABORT_TIMEOUT);
    }
}

static op draw_op(uint64_t *r, uint64_t now, uint32_t n_tasks, bool with_models, bool mixed)
{
    op o = {.now = now};
    o.kind = (int)(xs(r) % 11);
    o.who = (uint32_t)(xs(r) % NODES);
    o.gpu = (uint32_t)(xs(r) % 5); /* 3, 4: a task without a GPU name */
    /* mostly the card's own VRAM size: GPU ids of many nodes */
    o.vram = xs(r) % 4 ? CARD_VRAM[o.gpu % 3] : VRAMS[xs(r) % 4];
    o.task = n_tasks ? (uint32_t)(xs(r) % n_tasks) : 0;
    memcpy(o.version, VERSIONS[xs(r) % 8 < 5 ? 0 : xs(r) % 4], sizeof o.version);
    o.models[0] = (uint32_t)(xs(r) % 3);
    o.models[1] = (uint32_t)(xs(r) % 3);
    o.n_models = (uint32_t)(xs(r) % 3);
    if (!mixed && (o.kind == 0 || o.kind == 4)) /* the nodes' version: one for all */
        memcpy(o.version, VERSIONS[0], sizeof o.version);
    if (!with_models && (o.kind == 0 || o.kind == 5))
        o.n_models = 0, o.kind = 0; /* no node ever holds a model */
    return o;
}

static void same_outcome(world *w, bool ok[2], int step)
{
    if (ok[0] != ok[1])
        fail_msg("step %d: the scan %s, the trees %s", step, ok[0] ? "succeeded" : "reverted",
                 ok[1] ? "succeeded" : "reverted");
    if (!ok[0]) {
        assert_string_equal(vss_revert_reason(w[0].p), vss_revert_reason(w[1].p));
        return;
    }
    size_t n0, n1;
    const vss_event *e0 = vss_events(w[0].p, &n0), *e1 = vss_events(w[1].p, &n1);
    assert_int_equal(n0, n1);
    for (size_t i = 0; i < n0; i++) {
        if (e0[i].kind != e1[i].kind || e0[i].node != e1[i].node || e0[i].task != e1[i].task ||
            e0[i].model != e1[i].model)
            fail_msg("step %d, event %zu: %s node %u (scan) vs %s node %u (trees)", step, i,
                     vss_event_name(e0[i].kind), e0[i].node, vss_event_name(e1[i].kind), e1[i].node);
    }
}

static void test_trees_draw_as_the_scan(void **st)
{
    (void)st;
    static world w[2];
    uint64_t indexed = 0, started = 0, notices = 0;
    for (int run = 0; run < 240; run++) {
        bool with_models = run % 4 == 3, mixed = run % 3 == 1;
        for (int k = 0; k < 2; k++)
            world_new(&w[k], k == 0, 0x9e3779b97f4a7c15ULL + (uint64_t)run);
        uint64_t r = 1000 + (uint64_t)run, now = 1000;
        uint32_t n_tasks = 0;
        for (int step = 0; step < 600; step++) {
            now += xs(&r) % 120;
            op o = draw_op(&r, now, n_tasks, with_models, mixed);
            bool ok[2], created[2];
            for (int k = 0; k < 2; k++)
                ok[k] = apply(&w[k], &o, n_tasks, &created[k]);
            same_outcome(w, ok, step);
            size_t n;
            const vss_event *e = vss_events(w[1].p, &n);
            for (size_t i = 0; ok[1] && i < n; i++) {
                started += e[i].kind == VSS_EV_TASK_STARTED;
                notices += e[i].kind == VSS_EV_DOWNLOAD_MODEL;
            }
            n_tasks += created[1];
        }
        assert_int_equal(vss_indexed_draws(w[0].p), 0);
        indexed += vss_indexed_draws(w[1].p);
        for (int k = 0; k < 2; k++)
            vss_free(w[k].p);
    }
    print_message("%llu tasks started, %llu download notices, %llu draws through the trees\n", (unsigned long long)started, (unsigned long long)notices, (unsigned long long)indexed);
    /* the comparison means something: many draws went through the trees */
    assert_true(started > 10000);
    assert_true(notices > 10000);
    assert_true(indexed > 10000);
}

/* ---- 3. notices nobody reads: their draws' numbers only ---- */

static uint64_t n_takes, n_refused;

static uint64_t sim_draw(void *r, uint64_t bound) { return bound <= 1 ? 0 : eng_rng_below(r, bound); }

static bool counted_take(void *r, uint64_t max_bound, uint64_t *x)
{
    n_takes++;
    bool ok = eng_rng_take(r, max_bound, x);
    n_refused += !ok;
    return ok;
}

static uint64_t finish(void *r, uint64_t bound, uint64_t x) { return eng_rng_below_from(r, bound, x); }

static void same_stream(gsl_rng *const r[2], int run, int step)
{
    if (memcmp(gsl_rng_state(r[0]), gsl_rng_state(r[1]), gsl_rng_size(r[0])) != 0)
        fail_msg("run %d, step %d: the selection streams parted", run, step);
}

static void test_unread_draws_take_the_same_numbers(void **st)
{
    (void)st;
    static world w[2];
    /* QOS.TASK_SCORE_REWARDS scaled up: a notice draw's total, the scores
     * of some 10-60 nodes, from ~10^3 to past 2^32 (no taking there) */
    static const uint32_t reward[4] = {10, 2000000, 20000000, 60000000};
    uint64_t starts = 0;
    for (int run = 0; run < 240; run++) {
        gsl_rng *r[2];
        for (int k = 0; k < 2; k++) {
            vss_params prm = vss_params_default();
            prm.queue_size_limit = 6;
            uint32_t s0 = reward[run % 4];
            prm.task_score_rewards[0] = s0;
            prm.task_score_rewards[1] = s0 - s0 / 10;
            prm.task_score_rewards[2] = s0 - s0 / 10 * 4;
            world_new_with(&w[k], &prm, false, 0);
            r[k] = eng_rng_new(1 + (uint64_t)run, 0, ENG_RNG_SELECTION);
            vss_set_chooser(w[k].p, (proto_chooser){sim_draw, r[k]});
            vss_set_muted_events(w[k].p, 1u << VSS_EV_DOWNLOAD_MODEL);
        }
        vss_set_unread_draws(w[1].p, (vss_unread_draws){counted_take, finish, r[1]});
        uint64_t rr = 5000 + (uint64_t)run, now = 1000;
        uint32_t n_tasks = 0, run_starts = 0;
        for (int step = 0; step < 600; step++) {
            now += xs(&rr) % 120;
            op o = draw_op(&rr, now, n_tasks, false, run % 3 == 1);
            bool ok[2], created[2];
            for (int k = 0; k < 2; k++)
                ok[k] = apply(&w[k], &o, n_tasks, &created[k]);
            same_outcome(w, ok, step);
            same_stream(r, run, step);
            size_t n;
            const vss_event *e = vss_events(w[1].p, &n);
            for (size_t i = 0; ok[1] && i < n; i++)
                run_starts += e[i].kind == VSS_EV_TASK_STARTED;
            n_tasks += created[1];
        }
        starts += run_starts;
        for (int k = 0; k < 2; k++) {
            vss_free(w[k].p);
            gsl_rng_free(r[k]);
        }
    }
    print_message("%llu tasks started, %llu notice draws taken, %llu of them refused\n",
                  (unsigned long long)starts, (unsigned long long)n_takes, (unsigned long long)n_refused);
    /* both ways were taken many times: draws ended without a walk, and
     * draws walked after a refusal */
    assert_true(starts > 10000);
    assert_true(n_takes - n_refused > 10000);
    assert_true(n_refused > 500);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wset_against_array),
        cmocka_unit_test(test_find_at_every_height),
        cmocka_unit_test(test_trees_draw_as_the_scan),
        cmocka_unit_test(test_unread_draws_take_the_same_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
