/* How queued tasks meet nodes in the Relay.  Sources (crynux-network/crynux-relay):
 *   2025-03  service/start_task.go @ f2bb1b1: the queue is read by id in
 *            pages of 100 every 2 s into a heap ordered by fee; the best
 *            task draws a node; a task no node can take returns after 2 s
 *   2025-07  service/start_task.go @ 0601431: up to 100 queued tasks (by id)
 *            draw nodes at once; a node holds the best-paying offer for 1 s,
 *            a higher fee replaces the offer it holds; a losing task draws
 *            again after 0.5-1 s; queued tasks expire 3 min + timeout after
 *            creation.  (The fee heap of task_queue.go is not used there.)
 *   2026     service/task_matching.go @ 24ffc26: runMatchingRound */
#include <stdlib.h>

#include "protocol/relay/relay.h"

bool relay_offer_replaces(wei_t held_fee, wei_t offered_fee)
{
    /* TaskDispatcher.Process: "if current task fee is higher than original
     * task fee, replace the original task"; equal fees keep the first */
    return offered_fee > held_fee;
}

size_t relay_match_round(const relay_params *p, const uint32_t *sig, const bool *expired, size_t n,
                         uint32_t free_nodes, const relay_match_io *io, uint8_t *reserved,
                         relay_pair *out)
{
    size_t pairs = 0;
    uint32_t nreserved = 0;
    /* the nodes reserved so far, in order, for the sets' relay_prefix */
    uint32_t *made = malloc((n ? n : 1) * sizeof *made);
    for (size_t page = 0; page < n; page += p->batch) {
        size_t end = page + p->batch < n ? page + p->batch : n;
        for (size_t i = page; i < end; i++) {
            if (expired[i])
                continue; /* isQueuedTaskTimedOut: left for the timeout sweep */
            const uint32_t *nodes;
            const double *cw;
            relay_prefix *pre = NULL;
            size_t k = io->candidates(io->ctx, sig[i], &nodes, &cw, &pre);
            /* the signature's candidate set minus this round's reservations */
            long pick = -1;
            if (k && pre && made)
                pick = relay_pick_prefix(pre, cw, nodes, reserved, k, made, pairs, io->uniform(io->ctx));
            else if (k)
                pick = relay_pick_unreserved(cw, nodes, reserved, k, io->uniform(io->ctx));
            if (pick < 0)
                continue;
            reserved[nodes[pick]] = 1;
            if (made)
                made[pairs] = nodes[pick];
            nreserved++;
            out[pairs].task = (uint32_t)i;
            out[pairs].node = nodes[pick];
            pairs++;
        }
        /* a short page was the last; after a full one, stop when every
         * available node is reserved (hasUnreservedEligibleNode) */
        if (end - page < p->batch || nreserved >= free_nodes)
            break;
    }
    for (size_t i = 0; i < pairs; i++)
        reserved[out[i].node] = 0;
    free(made);
    return pairs;
}

double relay_next_round_s(const relay_params *p, size_t matched)
{
    /* runMatchingScheduler: at once after a round that matched, else after
     * the tick */
    return matched ? 0 : p->tick_s;
}
