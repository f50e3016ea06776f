/* Application, front-end and node profiles (docs/profiles.md): the defaults
 * each sets, that scenario keys still win, that bad values name the JSON
 * path, and the bridge's rate limiter against golang.org/x/time/rate's
 * documented behaviour.  Runs from the repository root (models/). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "agents/profile.h"
#include "scenario/scn.h"
#include "scn_expect.h"

#define CNX ((wei_t)1000000000000000000ull)
#define NET "\"network\": {\"nodes\": 10, \"cards\": [{\"card\": \"NVIDIA GeForce RTX 4090\"}]"
#define ARR "\"arrival\": {\"process\": \"poisson\", \"rate_per_h\": 10}"
#define SD(model) "{\"type\": \"sd\", \"model\": \"" model "\", \"size_max\": 4}"
#define GPT "{\"type\": \"gpt\"}"

/* golang.org/x/time/rate: "A Limiter controls how frequently events are
 * allowed to happen. It implements a token bucket of size b, initially
 * full and refilled at rate r tokens per second." */
static void test_rate_limit_token_bucket(void **state)
{
    (void)state;
    int64_t tat = 0;
    /* Every(60 s), burst 1 (bridge d439ea5): one create a minute */
    assert_true(agt_rate_allow(&tat, 0, 60, 1));
    assert_false(agt_rate_allow(&tat, 59, 60, 1));
    assert_true(agt_rate_allow(&tat, 60, 60, 1));
    assert_false(agt_rate_allow(&tat, 119, 60, 1));
    assert_true(agt_rate_allow(&tat, 1000, 60, 1)); /* an idle client is not owed more than b */
    assert_false(agt_rate_allow(&tat, 1001, 60, 1));
    /* burst 20 (bridge ed77cb8): 20 at once from a full bucket, then one a minute */
    tat = 0;
    for (int i = 0; i < 20; i++)
        assert_true(agt_rate_allow(&tat, 5, 60, 20));
    assert_false(agt_rate_allow(&tat, 5, 60, 20));
    assert_false(agt_rate_allow(&tat, 64, 60, 20));
    assert_true(agt_rate_allow(&tat, 65, 60, 20));
    assert_false(agt_rate_allow(&tat, 66, 60, 20));
}

/* crynux-node 0d48999 task_runner.py task_started: tenacity retry with
 * wait_chain(30 × wait_fixed(1), wait_fixed(10)) and stop_after_delay(1800) */
static void test_args_retry_schedule(void **state)
{
    (void)state;
    assert_true(agt_args_wait_s(0.3, true) == 1);
    assert_true(agt_args_wait_s(1.0, true) == 1);
    assert_true(agt_args_wait_s(29.2, true) == 30);
    assert_true(agt_args_wait_s(30.5, true) == 40);
    assert_true(agt_args_wait_s(1795, true) == 1800);
    assert_true(agt_args_wait_s(1800.5, true) == -1);
    assert_true(agt_args_wait_s(-2, true) == 0);
    assert_true(agt_args_wait_s(0.3, false) == 0.3);
    assert_true(agt_args_wait_s(-2, false) == 0);
}

/* crynux-bridge 14f04fa create_task.go: TaskFee 30 (CNX), cap = images for
 * sd and 1 for gpt, VRAM 8 GB for runwayml/stable-diffusion-v1-5 and gpt,
 * 10 GB for other sd; no resubmission, no cancel; rate.Every(1 min), 1. */
static void test_bridge_2024_04_defaults(void **state)
{
    (void)state;
    scn s;
    parse_ok("{" NET "}, \"applications\": [{\"profile\": \"bridge-2024-04\", " ARR ", \"tasks\": [" SD(
                 "stable-diffusion-v1-5") ", " SD("chilloutmix") ", " GPT "]}]}",
             &s);
    const scn_app *a = &s.apps[0];
    assert_string_equal(a->profile->name, "bridge-2024-04");
    assert_false(a->resubmit);
    assert_int_equal(a->cancel_after_s, 0);
    assert_int_equal(a->rate_interval_s, 60);
    assert_int_equal(a->rate_burst, 1);
    assert_int_equal(a->clients, 1);
    assert_true(a->args_upload_s == 1);
    for (int k = 0; k < 3; k++) {
        assert_true(a->kinds[k].fee_min == 30 * CNX && a->kinds[k].fee_max == 30 * CNX);
        assert_false(a->kinds[k].fee_per_cap);
    }
    assert_int_equal(a->kinds[0].cap_base_s, 0);
    assert_int_equal(a->kinds[0].cap_per_unit_s, 1);
    assert_int_equal(a->kinds[2].cap_base_s, 1);
    assert_int_equal(a->kinds[0].vram_gb, 8);
    assert_int_equal(a->kinds[1].vram_gb, 10);
    assert_int_equal(a->kinds[2].vram_gb, 8);
    scn_free(&s);
}

static void test_profile_keys_still_win(void **state)
{
    (void)state;
    scn s;
    parse_ok("{" NET "}, \"applications\": [{\"profile\": \"bridge-2024-04\", \"resubmit_after_abort\": true, "
             "\"cancel_after_s\": 930, \"rate_limit_interval_s\": 0, " ARR ", \"tasks\": [{\"type\": \"sd\", "
             "\"vram_gb\": 12, \"cap_base_s\": 10, \"cap_per_image_s\": 5, \"fee\": {\"wei\": \"7\"}}]}]}",
             &s);
    const scn_app *a = &s.apps[0];
    assert_true(a->resubmit);
    assert_int_equal(a->cancel_after_s, 930);
    assert_int_equal(a->rate_interval_s, 0);
    assert_int_equal(a->kinds[0].vram_gb, 12);
    assert_int_equal(a->kinds[0].cap_base_s, 10);
    assert_true(a->kinds[0].fee_min == 7);
    scn_free(&s);
}

/* crynux-bridge 2325a7b: 6100000000 GWei × cap; d8d3ecc: abort a create
 * not confirmed when the bridge polls (at most 1 s later) */
static void test_bridge_2024_06_and_chat_web(void **state)
{
    (void)state;
    scn s;
    parse_ok("{" NET "}, \"applications\": [{\"profile\": \"bridge-2024-06\", \"front_end\": "
             "\"chat-web-2024-01\", " ARR ", \"tasks\": [" GPT "]}]}",
             &s);
    const scn_app *a = &s.apps[0];
    assert_true(a->kinds[0].fee_per_cap);
    assert_true(a->kinds[0].fee_min == 61 * CNX / 10);
    assert_true(a->create_confirm_s == 1.0);
    /* chat-web 9311389: max_new_tokens 2048, gives up after 600 s, uuid4 client id per task */
    assert_int_equal(a->kinds[0].size_min, 2048);
    assert_int_equal(a->kinds[0].size_max, 2048);
    assert_int_equal(a->give_up_s, 600);
    assert_int_equal(a->clients, 0);
    scn_free(&s);
}

/* crynux-node 0d48999: preloaded SD 1.5, chilloutmix, SDXL base; every
 * task a subprocess; the runner cancels at the task's deadline */
static void test_node_2024_03(void **state)
{
    (void)state;
    scn s;
    parse_ok("{" NET ", \"node_profile\": \"node-2024-03\"}, \"applications\": [{" ARR ", \"tasks\": [" GPT
             "], \"profile\": \"bridge-2024-03\"}]}",
             &s);
    assert_string_equal(s.node_profile->name, "node-2024-03");
    assert_int_equal(s.n_preloaded, 3);
    assert_string_equal(s.preloaded[1], "chilloutmix");
    assert_false(s.keep_model_loaded);
    assert_true(s.args_retry);
    assert_int_equal(s.model_cache, 8);
    assert_true(s.node_cancel_after_s == 900);
    scn_free(&s);
    parse_ok("{" NET ", \"node_profile\": \"node-2024-03\", \"preloaded_models\": [\"gpt2\"], "
             "\"keep_model_loaded\": true, \"model_cache\": 2}, \"applications\": [{" ARR ", \"tasks\": [" GPT
             "], \"profile\": \"bridge-2024-03\"}]}",
             &s);
    assert_int_equal(s.n_preloaded, 1);
    assert_true(s.keep_model_loaded);
    assert_int_equal(s.model_cache, 2);
    scn_free(&s);
    parse_ok("{" NET "}, \"applications\": [{" ARR ", \"tasks\": [" GPT "], \"profile\": \"bridge-2024-03\"}]}", &s);
    assert_string_equal(s.node_profile->name, "generic");
    assert_null(s.preloaded);
    assert_true(s.keep_model_loaded);
    assert_false(s.args_retry);
    assert_true(s.node_cancel_after_s == 960);
    scn_free(&s);
}

static void test_profile_errors_name_path(void **state)
{
    (void)state;
    expect_error("{" NET "}, \"applications\": [{\"profile\": \"bridge-2024\", " ARR ", \"tasks\": [" GPT "]}]}",
                 "t.json: $.applications[0].profile: expected one of \"generic\", \"bridge-2024-03\"");
    expect_error("{" NET "}, \"applications\": [{\"front_end\": \"chat\", " ARR ", \"tasks\": [" GPT "]}]}",
                 "t.json: $.applications[0].front_end: expected one of \"none\", \"chat-web-2024-01\", got \"chat\"");
    expect_error("{" NET ", \"node_profile\": 3}, \"applications\": [{" ARR ", \"tasks\": [" GPT "]}]}",
                 "t.json: $.network.node_profile: expected a string");
    expect_error("{" NET ", \"node_profile\": \"node\"}, \"applications\": [{" ARR ", \"tasks\": [" GPT "]}]}",
                 "t.json: $.network.node_profile: expected one of \"generic\", \"node-2024-03\", got \"node\"");
    expect_error("{" NET ", \"preloaded_models\": [\"gpt2\", 1]}, \"applications\": [{" ARR ", \"tasks\": [" GPT
                 "]}]}",
                 "t.json: $.network.preloaded_models[1]: expected a model name");
    expect_error("{" NET "}, \"applications\": [{\"profile\": \"bridge-2024-04\", " ARR ", \"tasks\": [{\"type\": "
                 "\"sd\", \"fee\": {\"wei\": \"1\", \"per\": \"image\"}}]}]}",
                 "t.json: $.applications[0].tasks[0].fee.per: expected \"task\" or \"cap\", got \"image\"");
    expect_error("{" NET "}, \"applications\": [{\"profile\": \"bridge-2024-04\", " ARR ", \"tasks\": [{\"type\": "
                 "\"gpt\", \"cap_base_s\": 0}]}]}",
                 "t.json: $.applications[0].tasks[0].cap_base_s: expected cap_base_s + cap_per_image_s x size_min >= 1");
    expect_error("{" NET "}, \"applications\": [{" ARR ", \"tasks\": [{\"type\": \"sd\", \"size_max\": 4, "
                 "\"fee\": {\"wei\": \"340282366920938463463374607431768211455\", \"per\": \"cap\"}}]}]}",
                 "t.json: $.applications[0].tasks[0].fee: expected a fee per cap whose product with the largest cap (30)");
    expect_error("{" NET "}, \"applications\": [{\"profile\": \"bridge-2024-04\", \"rate_limit_burst\": 0, " ARR
                 ", \"tasks\": [" GPT "]}]}",
                 "t.json: $.applications[0].rate_limit_burst: expected an integer in [1,");
    /* generic applications still need a fee */
    expect_error("{" NET "}, \"applications\": [{" ARR ", \"tasks\": [" GPT "]}]}",
                 "t.json: $.applications[0].tasks[0].fee: expected an object");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rate_limit_token_bucket),
        cmocka_unit_test(test_args_retry_schedule),
        cmocka_unit_test(test_bridge_2024_04_defaults),
        cmocka_unit_test(test_profile_keys_still_win),
        cmocka_unit_test(test_bridge_2024_06_and_chat_web),
        cmocka_unit_test(test_node_2024_03),
        cmocka_unit_test(test_profile_errors_name_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
