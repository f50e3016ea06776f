/* The three Relay editions' numbers, each from its pinned commit of
 * crynux-network/crynux-relay (docs/editions-relay.md has the table with
 * the file of every number). */
#include <string.h>

#include "protocol/relay/relay.h"

/* relay-2026 task_pricing, qos and task_matching: config/config.example.yml
 * @ 24ffc26 (the values the Go tests also configure). */
#define RELAY_2026_PRICING                                                     \
    .sd_overhead_s = 30, .sd_s_per_pixel_step = 0.00003814697265625,           \
    .llm_const_s = 30, .llm_s_per_input_byte = 0.0001,                         \
    .llm_s_per_output_token = 0.1, .llm_switch_s = 120, .llm_s_per_image = 10, \
    .llm_s_per_megapixel = 5, .llm_default_max_new_tokens = 256,              \
    .base_vram_gb = 8, .timeout_multiplier = 2, .min_exec_timeout_s = 60,     \
    .max_exec_timeout_s = 7200, .queue_timeout_s = 21600,                     \
    .app_validation_timeout_s = 600, .upload_timeout_s = 600,               \
    .calib_alpha = 0.1, .calib_regularization = 0.000000001,                 \
    .calib_max_residual_multiple = 3, .calib_warmup = 10

static const relay_params editions[RELAY_N_EDITIONS] = {
    [RELAY_2025_03] = {
        .name = "relay-2025-03",
        .commit = "f2bb1b1",
        .date = "2025-04-02",
        .sample_mod = 10,                  /* validate_task.go: Mod(number, 10) */
        .rewards = {10, 9, 6},             /* qos.go TASK_SCORE_REWARDS */
        .pool_size = 0,                    /* all tasks: count(qos_score) */
        .window_sum_kickout = 10,          /* qos.go KickoutThreshold, pool 3 */
        /* start_task.go: the queue is re-read every 2 s, 100 tasks a page;
         * a task no node can take goes back after 2 s */
        .tick_s = 2,
        .batch = 100,
        .retry_min_s = 2,
        .retry_max_s = 2,
    },
    [RELAY_2025_07] = {
        .name = "relay-2025-07",
        .commit = "0601431",
        .date = "2025-07-25",
        .sample_mod = 100,                 /* utils/vrf.go VrfNeedValidation */
        .rewards = {10, 5, 2},
        .pool_size = 50,                   /* NODE_QOS_SCORE_POOL_SIZE */
        .window_timeout_kickout = 2,       /* KickoutThreshold: 2 of the last 3 */
        /* start_task.go: queue read by id, 100 dispatching at once, re-read
         * after 2 s when empty; a loser draws again after 0.5-1 s; a node
         * starts its best offer after 1 s; expiry 3 min + timeout */
        .tick_s = 2,
        .batch = 100,
        .retry_min_s = 0.5,
        .retry_max_s = 1.0,
        .offer_hold_s = 1,
        .queue_grace_s = 180,
    },
    [RELAY_2026] = {
        .name = "relay-2026",
        .commit = "24ffc26",
        .date = "2026-08-20",
        .sample_mod = 100,
        .rewards = {10, 5, 2},
        .pool_size = 50,
        .kickout_qos_long = 2.0,
        .rejoin_qos_long_floor = 0.3,
        .penalty_factor = 0.3,
        .first_penalty_factor = 0.95,
        .first_threshold = 0.99,
        .success_boost = 0.15,
        .tau_minutes = 30,
        .exclude_enter = 0.2,
        .exclude_exit = 0.8,
        .inuse_boost = 0.3,                /* task_matching.go buildMatchingCandidateSet */
        RELAY_2026_PRICING,
        .tick_s = 2,
        .batch = 100,
        .passive_slash = true,             /* task.passive_slash_mode */
        .delegation = true,                /* service/delegator_share.go, relay_account.go */
        .dao_percent = 0,                  /* dao.task_fee_share_percent */
    },
};

const relay_params *relay_params_of(relay_edition e)
{
    return (unsigned)e < RELAY_N_EDITIONS ? &editions[e] : NULL;
}

const relay_params *relay_params_by_name(const char *name, relay_edition *e)
{
    for (int i = 0; i < RELAY_N_EDITIONS; i++)
        if (strcmp(editions[i].name, name) == 0) {
            if (e)
                *e = (relay_edition)i;
            return &editions[i];
        }
    return NULL;
}
