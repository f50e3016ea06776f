/* The QOS contract of the VSS era (crynux-contracts @ bd7ee24,
 * contracts/QOS.sol).  Differs from Helium's (protocol/proto_qos.c) in the
 * kick-out rule: kickoutThreshold = 10, and while fewer than
 * TASK_SCORE_POOL_SIZE = 3 tasks are in the pool each missing entry counts as
 * TASK_SCORE_REWARDS[0] = 10 (shouldKickOut, introduced by 617a277c,
 * 2024-12-17).  The pool is fixed at 3 entries. */
#include "protocol/vss/vss_internal.h"

#define POOL 3 /* QOS.sol: TASK_SCORE_POOL_SIZE */

/* startTask: count the task and shift the pool right, pool[0] = 0 */
void vq_start_task(vss *p, uint32_t a)
{
    vnode *n = &p->node[a];
    J(p->j, n->task_count, n->task_count + 1);
    J(p->j, n->pool_size, n->pool_size + 1);
    for (uint32_t i = POOL - 1; i > 0; i--)
        J(p->j, n->pool[i], n->pool[i - 1]);
    J(p->j, n->pool[0], 0);
}

/* finishTask: nodeTaskScore += pool[0] */
void vq_finish_task(vss *p, uint32_t a)
{
    vnode *n = &p->node[a];
    J(p->j, n->task_score_sum, n->task_score_sum + n->pool[0]);
}

/* addTaskScore(node, i): pool[0] += TASK_SCORE_REWARDS[i] */
void vq_add_task_score(vss *p, uint32_t a, uint64_t i)
{
    VREQUIRE(p, i < 3, "Invalid index");
    vnode *n = &p->node[a];
    J(p->j, n->pool[0], n->pool[0] + p->prm.task_score_rewards[i]);
}

/* kickout: the pool size goes back to 0 (the entries stay) */
void vq_kickout(vss *p, uint32_t a) { J(p->j, p->node[a].pool_size, 0); }

/* getTaskScore: 2 × TASK_SCORE_REWARDS[0] before the first task */
uint64_t vq_task_score(const vss *p, uint32_t a)
{
    const vnode *n = &p->node[a];
    if (n->task_count == 0)
        return (uint64_t)p->prm.task_score_rewards[0] * 2;
    return n->task_score_sum / n->task_count;
}

uint64_t vq_recent_score(const vss *p, uint32_t a)
{
    const vnode *n = &p->node[a];
    uint64_t k = n->pool_size < POOL ? n->pool_size : POOL, s = 0;
    for (uint64_t i = 0; i < k; i++)
        s += n->pool[i];
    return s;
}

bool vq_should_kick_out(const vss *p, uint32_t a)
{
    if (p->prm.kickout_disabled)
        return false;
    const vnode *n = &p->node[a];
    uint64_t total = vq_recent_score(p, a);
    if (n->pool_size < POOL)
        total += (POOL - n->pool_size) * (uint64_t)p->prm.task_score_rewards[0];
    return total <= p->prm.kickout_threshold;
}
