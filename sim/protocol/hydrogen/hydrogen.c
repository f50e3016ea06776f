/* The Hydrogen edition: defaults, transaction bodies and scenario keys.
 * Defaults from crynux-ai/crynux-contracts efff09f: Task.sol's constructor
 * (taskFeePerNode = 10 * 10 ** 18, distanceThreshold = 5, timeout =
 * 15 minutes) and Node.sol (requiredStakeAmount = 400 * 10 ** 18,
 * maxNodesAllowed = 100000). */
#include "protocol/hydrogen/hydrogen.h"

static proto_params hydrogen_defaults(void)
{
    proto_params prm = {
        .edition = PROTO_HYDROGEN,
        .task_fee_per_node = (wei_t)10 * (wei_t)1000000000000000000ULL,
        .stake = (wei_t)400 * (wei_t)1000000000000000000ULL,
        .task_timeout_s = 900,
        .distance_threshold = 5,
        .max_nodes = 100000,
        .kickout_disabled = true, /* no QoS contract */
    };
    return prm;
}

const proto_rules hydrogen_rules = {
    .init = hy_init,
    .join = hy_tx_join,
    .quit = hy_tx_quit,
    .pause = hy_tx_pause,
    .resume = hy_tx_resume,
    .create = hy_tx_create,
    .commit = hy_tx_commit,
    .disclose = hy_tx_disclose,
    .report_error = hy_tx_report_error,
    .report_uploaded = hy_tx_report_uploaded,
    .cancel = hy_tx_cancel,
};

static const char *const HYDROGEN_KEYS[] = {"task_fee_per_node", NULL};

const proto_edition hydrogen_edition = {
    .id = PROTO_HYDROGEN,
    .name = "hydrogen",
    .source = "crynux-ai/crynux-contracts@efff09f962b316fb0fb602b4096b478879d8e42b",
    .summary = "Hydrogen (to February 2024): 10 CNX per node, no queue, selection by node counts, no QoS",
    .defaults = hydrogen_defaults,
    .rules = &hydrogen_rules,
    .keys = HYDROGEN_KEYS,
    .seats = 3,
    .queues = false,
    .fixed_fee = true,
    .qos = false,
    .keeps_tasks = true,
};
