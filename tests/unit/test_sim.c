/* The simulation as a library: a small network completes its tasks with all
 * invariants holding, runs are reproducible, the timing interface is the
 * only source of execution times, and vanished nodes get tasks cancelled. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "protocol/relay/relay_edition.h"
#include "run/sim.h"
#include "run/sim_internal.h"

static const char *SCN_TEXT =
    "{\"name\": \"t\", \"duration_s\": 3600,"
    " \"network\": {\"nodes\": 12, \"cards\": [{\"card\": \"NVIDIA GeForce RTX 4090\"},"
    "   {\"card\": \"NVIDIA GeForce RTX 3060\"}],"
    "   \"churn\": {\"quit_rate_per_h\": %s, \"vanish_probability\": %s}},"
    " \"applications\": [{\"arrival\": {\"process\": \"poisson\", \"rate_per_h\": 200},"
    "   \"tasks\": [{\"type\": \"sd\", \"size_min\": 1, \"size_max\": 3,"
    "     \"fee\": {\"dist\": \"uniform\", \"min\": \"1000000000000000000\", \"max\": \"2000000000000000000\"}},"
    "    {\"type\": \"gpt\", \"vram_gb\": 12,"
    "     \"fee\": {\"dist\": \"fixed\", \"wei\": \"500000000000000000\"}}]}]}";

static void load(scn *s, const char *quit, const char *vanish)
{
    char text[2048], err[SCN_ERR_MAX];
    snprintf(text, sizeof text, SCN_TEXT, quit, vanish);
    bool ok = scn_parse(text, "t.json", ".", s, err);
    if (!ok)
        fprintf(stderr, "%s\n", err);
    assert_true(ok);
}

static void run(const scn *s, const sim_opts *o, sim_counts *c, uint64_t *events)
{
    sim *m = sim_run(s, o);
    assert_non_null(m);
    assert_int_equal(sim_status(m), 0);
    sim_get_counts(m, c);
    *events = sim_events(m);
    sim_free(m);
}

static void test_small_network_completes(void **state)
{
    (void)state;
    scn s;
    load(&s, "0", "0");
    sim_opts o = {.seed = 5, .paranoid = true};
    sim_counts a, b;
    uint64_t ea, eb;
    run(&s, &o, &a, &ea);
    assert_true(a.submitted > 150 && a.submitted < 260);
    /* every task succeeds but those still queued or running at the end */
    assert_int_equal(a.succeeded + a.open, a.submitted);
    assert_int_equal(a.aborted, 0);
    assert_true(a.open <= 10);
    assert_int_equal(a.rejected, 0);
    assert_int_equal(a.nodes, 12);
    run(&s, &o, &b, &eb);
    assert_memory_equal(&a, &b, sizeof a);
    assert_int_equal(ea, eb);
    o.seed = 6;
    run(&s, &o, &b, &eb);
    assert_true(ea != eb || a.submitted != b.submitted);
    scn_free(&s);
}

static double too_slow(void *ctx, const agt_work *w, gsl_rng *r)
{
    (void)w;
    (void)r;
    ++*(int *)ctx;
    return 5000.0; /* longer than the timeout: every task is cancelled */
}

static void test_timing_interface_is_used(void **state)
{
    (void)state;
    scn s;
    load(&s, "0", "0");
    int calls = 0;
    sim_opts o = {.seed = 5, .timing = {too_slow, &calls}};
    sim_counts c;
    uint64_t ev;
    run(&s, &o, &c, &ev);
    assert_true(calls > 0);
    assert_int_equal(c.succeeded, 0);
    assert_true(c.aborted > 0);
    assert_true(c.resubmits > 0);
    scn_free(&s);
}

static void test_vanishing_nodes_stall_tasks(void **state)
{
    (void)state;
    scn s;
    load(&s, "2", "1"); /* every node leaves silently, about twice an hour */
    sim_opts o = {.seed = 9, .paranoid = true};
    sim_counts c;
    uint64_t ev;
    run(&s, &o, &c, &ev);
    assert_true(c.aborted > 0);   /* stalled tasks cancelled after the timeout */
    assert_true(c.succeeded > 0); /* before the nodes were gone */
    scn_free(&s);
}

/* Under the vss edition a node whose task fails with a reported error (a
 * quantized model on a card without CUDA) calls VSSTask.reportTaskError
 * (crynux-contracts bd7ee24): the task goes to ErrorReported and the
 * application's reveal ends it, EndAborted with IncorrectResult ("Task
 * result illegal" in Helium's words), instead of the report reverting and
 * the task running into its timeout. */
static void test_vss_error_reports(void **state)
{
    (void)state;
    const char *text =
        "{\"name\": \"vss-fail\", \"duration_s\": 3600, \"timing\": {\"model\": \"calibrated\"},"
        " \"protocol\": {\"edition\": \"vss\"},"
        " \"network\": {\"nodes\": 20, \"cards\": [{\"card\": \"Apple M2 Max\", \"share\": 0.5},"
        "   {\"card\": \"NVIDIA GeForce RTX 4090\", \"share\": 0.5}]},"
        " \"applications\": [{\"arrival\": {\"process\": \"poisson\", \"rate_per_h\": 200},"
        "   \"tasks\": [{\"type\": \"gpt\", \"model\": \"Llama-3-8B\", \"bits\": 8, \"vram_gb\": 12,"
        "     \"fee\": {\"dist\": \"fixed\", \"wei\": \"500000000000000000\"}}]}]}";
    scn s;
    char err[SCN_ERR_MAX];
    assert_true(scn_parse(text, "vss-fail.json", ".", &s, err));
    sim_opts o = {.seed = 3, .paranoid = true};
    sim *m = sim_run(&s, &o);
    assert_non_null(m);
    assert_int_equal(sim_status(m), 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    sim_summary(m, f);
    fclose(f);
    sim_counts c;
    sim_get_counts(m, &c);
    assert_true(c.aborted > 50);
    /* every abort is a revealed error report, none a timeout */
    if (!strstr(buf, "aborted: Task result illegal") || strstr(buf, "Task Cancelled") ||
        strstr(buf, "reverted report_error"))
        fail_msg("summary:\n%s", buf);
    free(buf);
    sim_free(m);
    scn_free(&s);
}

/* protocol.stake_max: each node's stake is drawn from its own stream, so
 * the same seed gives node i the same stake under every Relay edition; the
 * stakes differ between nodes, lie in [stake, stake_max] in whole CNX, and
 * are what the Relay locks at join. */
static void test_relay_stakes_common(void **state)
{
    (void)state;
    static const char *const ed[] = {"relay-2025-03", "relay-2025-07", "relay-2026"};
    const wei_t cnx = (wei_t)1000000000000000000ULL, lo = 400 * cnx, hi = 4000 * cnx;
    wei_t first[40] = {0};
    for (int e = 0; e < 3; e++) {
        char text[2048], err[SCN_ERR_MAX];
        snprintf(text, sizeof text,
                 "{\"name\": \"st\", \"duration_s\": 1800, \"timing\": {\"model\": \"calibrated\"},"
                 " \"protocol\": {\"edition\": \"%s\", \"stake\": \"400000000000000000000\","
                 "   \"stake_max\": \"4000000000000000000000\"},"
                 " \"network\": {\"nodes\": 40, \"cards\": [{\"card\": \"NVIDIA GeForce RTX 4090\"}]},"
                 " \"applications\": [{\"arrival\": {\"process\": \"poisson\", \"rate_per_h\": 300},"
                 "   \"tasks\": [{\"type\": \"sd\", \"model\": \"stable-diffusion-v1-5\", \"fee\": {\"dist\": \"fixed\", \"wei\": \"500000000000000000\"}}]}]}",
                 ed[e]);
        scn s;
        if (!scn_parse(text, "st.json", ".", &s, err))
            fail_msg("%s", err);
        sim_opts o = {.seed = 11, .paranoid = true};
        sim *m = sim_run(&s, &o);
        assert_non_null(m);
        assert_int_equal(sim_status(m), 0);
        assert_int_equal(m->n_nodes, 40);
        uint32_t distinct = 0, joined = 0;
        for (uint32_t i = 0; i < 40; i++) {
            wei_t st = m->nodes[i].stake;
            assert_true(st >= lo && st <= hi && st % cnx == 0);
            distinct += i > 0 && st != m->nodes[i - 1].stake;
            if (e == 0)
                first[i] = st;
            assert_true(st == first[i]);
            rn_node_view v;
            relay_net_node(proto_relay(m->p), m->nodes[i].acc, &v);
            if (v.joined) {
                assert_true(v.stake == st);
                joined++;
            }
        }
        assert_true(distinct > 30 && joined > 30);
        sim_free(m);
        scn_free(&s);
    }
}

/* relay-2026 delegations: node i's delegation is drawn from a stream of its
 * own (setting delegations leaves the stakes as they were), lies in the
 * range in whole CNX, is staked with the Relay at the node's first join and
 * counts in the stake that scores; the delegator gets 30 % of each payment,
 * and the run's accounts invariant (checked after every event) holds. */
static void test_relay_delegations(void **state)
{
    (void)state;
    const wei_t cnx = (wei_t)1000000000000000000ULL, hi = 2000 * cnx;
    wei_t stakes[2][40];
    for (int with = 0; with < 2; with++) {
        char text[2048], err[SCN_ERR_MAX];
        snprintf(text, sizeof text,
                 "{\"name\": \"dl\", \"duration_s\": 1800, \"timing\": {\"model\": \"calibrated\"},"
                 " \"protocol\": {\"edition\": \"relay-2026\", \"stake\": \"400000000000000000000\","
                 "   \"stake_max\": \"4000000000000000000000\"%s},"
                 " \"network\": {\"nodes\": 40, \"cards\": [{\"card\": \"NVIDIA GeForce RTX 4090\"}]},"
                 " \"applications\": [{\"arrival\": {\"process\": \"poisson\", \"rate_per_h\": 300},"
                 "   \"tasks\": [{\"type\": \"sd\", \"model\": \"stable-diffusion-v1-5\", \"fee\": {\"dist\": \"fixed\", \"wei\": \"500000000000000000\"}}]}]}",
                 with ? ", \"delegated_stake\": \"0\", \"delegated_stake_max\": \"2000000000000000000000\","
                        " \"delegator_share\": 30"
                      : "");
        scn s;
        if (!scn_parse(text, "dl.json", ".", &s, err))
            fail_msg("%s", err);
        sim_opts o = {.seed = 11, .paranoid = true};
        sim *m = sim_run(&s, &o);
        assert_non_null(m);
        assert_int_equal(sim_status(m), 0);
        uint32_t distinct = 0, staked = 0;
        wei_t income = 0, deleg_income = 0;
        for (uint32_t i = 0; i < m->n_nodes && i < 40; i++) {
            stakes[with][i] = m->nodes[i].stake;
            wei_t d = relay_node_delegation(m, i);
            assert_true(with ? d <= hi && d % cnx == 0 : d == 0);
            distinct += i > 0 && d != relay_node_delegation(m, i - 1);
            rn_node_view v;
            relay_net_node(proto_relay(m->p), m->nodes[i].acc, &v);
            assert_true(v.delegated == d); /* staked at the first join, kept */
            staked += d && v.joined;
            /* 30 % of each payment, floored, to the delegator: with e < 1 wei
             * per payment, delegator 0.3 p - e, operator 0.7 p + e, so
             * 3 x operator - 7 x delegator = 10 e, between 0 and 10 wei per payment */
            wei_t op = m->nodes[i].income, dg = relay_delegator_income(m, i);
            if (!d)
                assert_true(dg == 0);
            else
                assert_true(op * 3 >= dg * 7 && op * 3 - dg * 7 <= (wei_t)10 * m->nodes[i].tasks);
            income += op;
            deleg_income += dg;
        }
        if (with) {
            assert_true(distinct > 30 && staked > 30);
            assert_true(deleg_income > income / 4);
            for (uint32_t i = 0; i < 40; i++)
                assert_true(stakes[0][i] == stakes[1][i]);
        }
        sim_free(m);
        scn_free(&s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_network_completes),
        cmocka_unit_test(test_timing_interface_is_used),
        cmocka_unit_test(test_vanishing_nodes_stall_tasks),
        cmocka_unit_test(test_vss_error_reports),
        cmocka_unit_test(test_relay_stakes_common),
        cmocka_unit_test(test_relay_delegations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
