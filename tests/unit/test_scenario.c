/* Scenario validation: defaults, and that every kind of bad input names the
 * file and the JSON path.  Runs from the repository root (models/). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "scenario/scn.h"

#define CARD "\"NVIDIA GeForce RTX 4090\""
#define NET "\"network\": {\"nodes\": 10, \"cards\": [{\"card\": " CARD "}]}"
#define APP "\"applications\": [{\"arrival\": {\"process\": \"poisson\", \"rate_per_h\": 10}, " \
            "\"tasks\": [{\"type\": \"sd\", \"fee\": {\"wei\": \"1000\"}}]}]"

static void expect_error(const char *json, const char *needle)
{
    scn s;
    char err[SCN_ERR_MAX];
    assert_false(scn_parse(json, "t.json", ".", &s, err));
    if (!strstr(err, needle)) {
        fprintf(stderr, "message: %s\nwanted: %s\n", err, needle);
        fail();
    }
    assert_true(strncmp(err, "t.json: $", 9) == 0);
}

static void test_minimal_defaults(void **state)
{
    (void)state;
    scn s;
    char err[SCN_ERR_MAX];
    bool ok = scn_parse("{" NET ", " APP "}", "t.json", ".", &s, err);
    if (!ok)
        fprintf(stderr, "%s\n", err);
    assert_true(ok);
    assert_int_equal(s.params.task_timeout_s, 900);
    assert_int_equal(s.params.queue_size_limit, 50);
    assert_true(s.params.stake == (wei_t)400 * 1000000000000000000ULL);
    assert_int_equal(s.params.task_score_rewards[2], 6);
    assert_int_equal(s.duration_s, 86400);
    assert_int_equal(s.nodes, 10);
    assert_int_equal(s.n_apps, 1);
    assert_int_equal(s.apps[0].kinds[0].type, PROTO_SD);
    assert_true(s.apps[0].kinds[0].fee_min == 1000);
    assert_string_equal(s.cards[s.mix[0].card].name, "NVIDIA GeForce RTX 4090");
    scn_free(&s);
}

static void test_errors_name_path(void **state)
{
    (void)state;
    expect_error("{" NET ", " APP ", \"duraton_s\": 5}", "$.duraton_s: expected a known key, got unknown key \"duraton_s\" (did you mean \"duration_s\"?)");
    expect_error("{" NET ", " APP ", \"duration_s\": \"5\"}", "$.duration_s: expected an integer");
    expect_error("{" NET ", " APP ", \"duration_s\": 0}", "$.duration_s: expected an integer in [1,");
    expect_error("{" NET ", " APP ", \"protocol\": {\"stake\": 400}}", "$.protocol.stake: expected a decimal wei string");
    expect_error("{" NET ", " APP ", \"protocol\": {\"task_score_rewards\": [1, 2]}}", "$.protocol.task_score_rewards: expected an array of 3");
    expect_error("{\"network\": {\"nodes\": 10, \"cards\": [{\"card\": \"NVIDIA GeForce RTX 4099\"}]}, " APP "}",
                 "$.network.cards[0].card: expected a card name from the card file, got \"NVIDIA GeForce RTX 4099\" (did you mean \"NVIDIA GeForce RTX 4090\"?)");
    expect_error("{" NET ", \"applications\": [{\"arrival\": {\"process\": \"poison\"}, \"tasks\": []}]}",
                 "$.applications[0].arrival.process: expected \"poisson\", \"daily\", \"periodic\" or \"csv\"");
    expect_error("{" NET ", \"applications\": [{\"arrival\": {\"process\": \"poisson\"}, \"tasks\": [{\"type\": \"sd\", \"fee\": {\"wei\": \"1\"}, \"vram\": 3}]}]}",
                 "$.applications[0].tasks[0].vram: expected a known key, got unknown key \"vram\" (did you mean \"vram_gb\"?)");
    expect_error("{" NET ", \"applications\": [{\"arrival\": {\"process\": \"poisson\"}, \"tasks\": [{\"type\": \"gpt\"}]}]}",
                 "$.applications[0].tasks[0].fee: expected an object");
    expect_error("{" NET ", " APP ", \"chain\": {\"block_time_s\": -1}}", "$.chain.block_time_s: expected a number in [0.001, 3600], got -1");
    expect_error("{" APP "}", "$.network: expected an object");
    expect_error("{" NET ", " APP ", \"warmup_s\": 100, \"duration_s\": 50}", "$.warmup_s: expected less than duration_s");
    expect_error("{" NET ", " APP ", ", "$: expected valid JSON");
    expect_error("[]", "$: expected an object");
}

static void test_edit_distance(void **state)
{
    (void)state;
    assert_int_equal(scn_edit_distance("kitten", "sitting"), 3);
    assert_int_equal(scn_edit_distance("", "abc"), 3);
    assert_int_equal(scn_edit_distance("same", "same"), 0);
}

static void test_baseline_loads(void **state)
{
    (void)state;
    scn s;
    char err[SCN_ERR_MAX];
    bool ok = scn_load("scenarios/helium-baseline.json", &s, err);
    if (!ok)
        fprintf(stderr, "%s\n", err);
    assert_true(ok);
    assert_true(s.nodes >= 100);
    assert_int_equal(s.n_apps, 2);
    scn_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minimal_defaults),
        cmocka_unit_test(test_errors_name_path),
        cmocka_unit_test(test_edit_distance),
        cmocka_unit_test(test_baseline_loads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
