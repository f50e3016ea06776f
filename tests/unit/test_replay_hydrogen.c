/* The replay of hydrogen-trace/1 (docs/conformance-hydrogen.md): the
 * "only what changed" comparison (rjson.c rj_changed) and a recorded trace
 * read and replayed through the Hydrogen edition's rules, which must match
 * it step for step and must notice a step that does not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "replay/replay.h"
#include "replay/rjson.h"
#include "replay/trace.h"

#define TRACE "tests/conformance/hydrogen/try-delete-keeps-task.json"

static void changed_lists_new_differing_and_deleted_entries(void **state)
{
    (void)state;
    cJSON *before = cJSON_Parse("{\"a\":{\"x\":1},\"b\":2,\"gone\":3}");
    cJSON *now = cJSON_Parse("{\"a\":{\"x\":1},\"b\":5,\"new\":{\"y\":[1]}}");
    cJSON *d = rj_changed(now, before, true);
    char *s = cJSON_PrintUnformatted(d);
    assert_string_equal(s, "{\"b\":5,\"new\":{\"y\":[1]},\"gone\":null}");
    cJSON_free(s);
    cJSON_Delete(d);
    d = rj_changed(now, before, false); /* balances and nodes never disappear */
    s = cJSON_PrintUnformatted(d);
    assert_string_equal(s, "{\"b\":5,\"new\":{\"y\":[1]}}");
    cJSON_free(s);
    cJSON_Delete(d);
    d = rj_changed(now, NULL, true); /* the first step lists everything */
    assert_int_equal(cJSON_GetArraySize(d), 3);
    cJSON_Delete(d);
    cJSON_Delete(before);
    cJSON_Delete(now);
}

static void recorded_trace_replays_under_hydrogen_rules(void **state)
{
    (void)state;
    trace t;
    char err[512];
    assert_true(trace_load(TRACE, &t, err, sizeof err));
    assert_true(t.hydrogen);
    assert_int_equal(t.params.edition, PROTO_HYDROGEN);
    assert_true(t.params.task_fee_per_node == (wei_t)10 * (wei_t)1000000000000000000ULL);
    assert_int_equal(t.params.task_timeout_s, 900);
    replay_result r;
    replay_trace(&t, &r);
    assert_int_equal(r.steps, t.n_steps);
    assert_int_equal(r.mismatched_steps, 0);

    /* The last step settles the last node of task 2, and tryDeleteTask
     * deletes task 2 (task 1 stays: it was kept while its nodes were in
     * task 2): a trace claiming no deletion is a mismatch at that step. */
    size_t last = t.n_steps - 1;
    cJSON *tasks = cJSON_GetObjectItemCaseSensitive((cJSON *)t.steps[last].state, "tasks");
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(tasks, "2")));
    cJSON_DeleteItemFromObjectCaseSensitive(tasks, "2");
    replay_trace(&t, &r);
    assert_int_equal(r.mismatched_steps, 1);
    assert_int_equal(r.first_step, (long)last);
    char want[64];
    snprintf(want, sizeof want, "$.steps[%zu].state.tasks.2", last);
    assert_string_equal(r.first.path, want);
    trace_free(&t);
}

static void create_task_takes_no_fee(void **state)
{
    (void)state;
    const char *text =
        "{\"format\":\"hydrogen-trace/1\",\"name\":\"x\",\"description\":\"\","
        "\"params\":{\"stake_wei\":\"400000000000000000000\",\"task_fee_per_node_wei\":\"1\","
        "\"task_timeout_s\":900,\"distance_threshold\":5,\"max_nodes\":100000},"
        "\"accounts\":{\"app0\":\"0\"},\"steps\":[{\"i\":0,\"time\":0,\"op\":\"create_task\","
        "\"from\":\"app0\",\"args\":{\"task_type\":\"sd\",\"vram_limit\":0,\"task_fee\":\"3\"},"
        "\"ok\":false,\"revert\":\"No available nodes\",\"events\":[],"
        "\"state\":{\"balances\":{},\"nodes\":{},\"tasks\":{},\"counters\":{}}}]}";
    trace t;
    char err[512];
    assert_false(trace_parse("fee.json", text, strlen(text), &t, err, sizeof err));
    assert_non_null(strstr(err, "fee.json: $.steps[0].args.task_fee: unknown key"));
    trace_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(changed_lists_new_differing_and_deleted_entries),
        cmocka_unit_test(recorded_trace_replays_under_hydrogen_rules),
        cmocka_unit_test(create_task_takes_no_fee),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
