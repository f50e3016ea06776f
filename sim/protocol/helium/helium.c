/* The Helium edition: its defaults (PROTOCOL.md; crynux-ai/crynux-contracts
 * d49ab0c), its transaction bodies and its scenario keys. */
#include "protocol/helium/helium.h"

proto_params proto_params_helium(void)
{
    proto_params prm = {
        .edition = PROTO_HELIUM,
        .stake = (wei_t)400 * (wei_t)1000000000000000000ULL,
        .task_timeout_s = 900,
        .queue_size_limit = 50,
        .kickout_threshold = 20,
        .task_score_rewards = {10, 9, 6},
        .task_score_pool_size = PROTO_MAX_WINDOW,
        .distance_threshold = 5,
        .max_nodes = 100000,
    };
    return prm;
}

static void helium_node_view(const proto *p, uint32_t a, proto_node_view *v)
{
    const pnode *n = &p->node[a];
    v->task_count = n->task_count;
    v->task_score = pq_task_score(p, a);
    v->recent_score = pq_recent_score(p, a);
    v->recent_count = n->pool_size;
    v->current_score = n->pool[0];
}

const proto_rules helium_rules = {
    .init = pqueue_init,
    .fini = pqueue_free,
    .join = pn_tx_join,
    .quit = pn_tx_quit,
    .pause = pn_tx_pause,
    .resume = pn_tx_resume,
    .create = pt_tx_create,
    .commit = pt_tx_commit,
    .disclose = pt_tx_disclose,
    .report_error = pt_tx_report_error,
    .report_uploaded = pt_tx_report_uploaded,
    .cancel = pt_tx_cancel,
    .node_view = helium_node_view,
};

static const char *const HELIUM_KEYS[] = {"queue_size_limit", "kickout_threshold", "kickout",
                                          "task_score_rewards", "task_score_pool_size", NULL};

const proto_edition helium_edition = {
    .id = PROTO_HELIUM,
    .name = "helium",
    .source = "crynux-ai/crynux-contracts@d49ab0c78dd6c8db6db0e986ee08f16974e0550d",
    .summary = "Helium (March 2024): fee set by the application, queue of 50, QoS-weighted selection, kick-out",
    .defaults = proto_params_helium,
    .rules = &helium_rules,
    .keys = HELIUM_KEYS,
    .seats = 3,
    .queues = true,
    .fixed_fee = false,
    .qos = true,
    .keeps_tasks = false,
};
