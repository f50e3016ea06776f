/* The dispatch step's view of the nodes (sim/protocol/relay/relay_net_view.c)
 * against the node records it summarizes: random transactions under every
 * Relay edition (joins, rejoins, delegations, pauses, quits, GPU changes,
 * tasks that succeed, fail, time out and are penalized), and after each
 * one every node's view must agree with its record, the step's free list
 * and largest stake must equal a scan of all records, and the 2026
 * candidates and weights must equal relay_weights over candidates built
 * from the records, as the scan before the view computed them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "protocol/relay/relay_net_internal.h"

static const wei_t CNX = (wei_t)1000000000000000000ull;

static uint64_t lcg = 3;
static double uni(void *ctx)
{
    (void)ctx;
    lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(lcg >> 11) / 9007199254740992.0;
}

static uint32_t below(uint32_t n)
{
    return (uint32_t)(uni(NULL) * n);
}

enum { NODES = 24, APPS = 2 };

/* the free nodes and the largest stake, from every record */
static void check_prepare(relay_net *n)
{
    uint32_t free_nodes[64], n_free = 0;
    wei_t max = 0;
    for (uint32_t a = RN_ACC_FIRST; a < n->n_acc; a++) {
        const rn_node *nd = &n->nodes[a];
        if (!nd->joined)
            continue;
        if (nd->stake + nd->delegated > max)
            max = nd->stake + nd->delegated;
        if (!nd->busy && !nd->paused)
            free_nodes[n_free++] = a;
    }
    rn_view_prepare(n);
    assert_int_equal(n->n_free, n_free);
    assert_true(n->max_stake == max);
    if (n->p->window_sum_kickout || n->p->window_timeout_kickout) { /* the 2025 editions' list */
        assert_int_equal(n->n_listed, n_free);
        assert_memory_equal(n->free_nodes, free_nodes, n_free * sizeof *free_nodes);
    }
}

/* the 2026 candidates of a task as relay_weights gives them, from the records */
static void check_candidates(relay_net *n, const relay_task_work *w, uint32_t model, double now)
{
    rn_task t = {.w = *w, .model = model};
    size_t k = rn_view_candidates_2026(n, &t, now);
    uint32_t cand[64];
    relay_cand c[64];
    double want[64];
    size_t m = 0;
    for (uint32_t a = RN_ACC_FIRST; a < n->n_acc; a++) {
        const rn_node *nd = &n->nodes[a];
        if (!nd->joined || nd->busy || nd->paused || nd->vram_gb < w->vram_gb || (w->gpu && nd->gpu != w->gpu))
            continue;
        wei_t stake = nd->stake + nd->delegated;
        c[m] = (relay_cand){.q = &nd->q, .stake = stake, .local_match = rn_has_model(nd, model),
                            .inuse_match = nd->inuse == model, .inuse_count = nd->inuse != RN_NONE};
        cand[m++] = a;
    }
    relay_weights(n->p, c, m, 1, n->max_stake, now, want);
    assert_int_equal(k, m);
    assert_memory_equal(n->cand, cand, m * sizeof *cand);
    for (size_t i = 0; i < m; i++) /* bit for bit (weights are never NaN here) */
        assert_memory_equal(&n->w[i], &want[i], sizeof want[i]);
}

static void check_all(relay_net *n, double now, size_t *weighed, size_t *timed)
{
    for (uint32_t a = 0; a < n->max_acc; a++) /* health below a full base: scores not kept */
        *timed += n->nodes[a].joined && relay_health_timed(&n->nodes[a].q);
    for (uint32_t a = 0; a < n->max_acc; a++)
        assert_true(rn_view_agrees(n, a, now));
    check_prepare(n);
    if (n->p->window_sum_kickout || n->p->window_timeout_kickout)
        return;
    static const uint32_t models[] = {7, 9, 70};
    for (int s = 0; s < 5; s++) { /* any node, more VRAM, a GPU (the GPU index), both */
        relay_task_work w = {.sd_units = 512 * 512 * 25, .vram_gb = s == 1 || s == 4 ? 16 : 8,
                             .gpu = s >= 2 && s != 3 ? 2 : 0};
        check_candidates(n, &w, models[s % 3], now);
        *weighed += n->n_free;
    }
    for (uint32_t a = 0; a < n->max_acc; a++) /* the scores just kept */
        assert_true(rn_view_agrees(n, a, now));
}

/* one random transaction on node a or a task */
static void step(relay_net *n, uint32_t app, uint32_t user, double now)
{
    static const uint32_t pool[] = {7, 9, 70};
    uint32_t a = RN_ACC_FIRST + APPS + below(NODES);
    double r = uni(NULL);
    if (r < 0.12) {
        uint32_t models[3], k = 1 + below(3);
        for (uint32_t i = 0; i < k; i++)
            models[i] = pool[(i + below(3)) % 3];
        relay_net_join(n, now, a, below(2) ? 24 : 12, (400 + below(400)) * CNX, 10, models, k);
    } else if (r < 0.16) {
        relay_net_quit(n, now, a);
    } else if (r < 0.21) {
        relay_net_pause(n, now, a);
    } else if (r < 0.27) {
        relay_net_resume(n, now, a);
    } else if (r < 0.30) {
        relay_net_set_node_gpu(n, a, 1 + below(2));
    } else if (r < 0.34) {
        relay_net_delegate(n, user, a, (1 + below(50)) * CNX);
    } else if (r < 0.55 && relay_net_tasks(n) + 3 < 200) {
        relay_task_work w = {.sd_units = 512 * 512 * 25, .vram_gb = below(2) ? 16 : 8, .gpu = below(4) == 0};
        uint32_t g = below(5) == 0 ? RN_GROUP_FIRST : RN_NONE;
        uint32_t t = relay_net_create(n, now, app, 1 + below(1000), &w, pool[below(3)], 600, g);
        if (g == RN_GROUP_FIRST && t != RN_NONE)
            for (int i = 0; i < 2; i++)
                relay_net_create(n, now, app, 1 + below(1000), &w, pool[below(3)], 600, t);
    } else {
        double next;
        relay_net_dispatch(n, now, uni, NULL, &next);
        for (uint32_t t = 0; t < relay_net_tasks(n); t++) {
            rn_task_view v;
            relay_net_task(n, t, &v);
            double q = uni(NULL);
            if (v.status == RN_STARTED) {
                if (q < 0.3)
                    relay_net_submit(n, now, t, q < 0.25 ? 1 : 2);
                else if (q < 0.35)
                    relay_net_report_error(n, now, t);
                else if (now >= v.deadline_s)
                    relay_net_timeout(n, now, t); /* 2026: the health penalty */
            } else if (v.status == RN_VALIDATED && q < 0.5 && (t % 4 || !n->p->app_validation_timeout_s)) {
                relay_net_upload(n, now, t); /* 2026: every fourth too late */
            } else if (relay_net_phase_deadline(n, t) && now >= relay_net_phase_deadline(n, t)) {
                relay_net_phase_timeout(n, now, t);
            }
        }
    }
}

static void test_view_follows_records(void **st)
{
    (void)st;
    for (int e = 0; e < RELAY_N_EDITIONS; e++) {
        lcg = 3 + (uint64_t)e;
        relay_net *n = relay_net_new((relay_edition)e, 64, 200);
        assert_non_null(n);
        relay_net_fund_relay(n, 1000 * CNX);
        uint32_t app = relay_net_add_account(n, 100000 * CNX);
        uint32_t user = relay_net_add_account(n, 100000 * CNX);
        for (int i = 0; i < NODES; i++)
            relay_net_add_account(n, 2000 * CNX);
        size_t weighed = 0, timed = 0;
        rn_counters c0;
        relay_net_counters(n, &c0);
        double now = 0;
        for (int s = 0; s < 1500; s++) {
            now += 20 + 40 * uni(NULL);
            step(n, app, user, now);
            check_all(n, now, &weighed, &timed);
        }
        rn_counters c;
        relay_net_counters(n, &c);
        /* the transactions did reach the states the view must follow */
        assert_true(c.started > 100 && c.succeeded > 20 && c.aborted > 10);
        if (e == RELAY_2026)
            assert_true(weighed > 20000 && timed > 100 && c.upload_timeouts > 0);
        relay_net_free(n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_view_follows_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
