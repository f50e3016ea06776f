/* The QoS contract: per-node submission points, the long-run average task
 * score (the node's selection weight) and the kick-out window.
 *
 * pool[0] accumulates the points of the task in flight; startTask shifts the
 * window right, finishTask adds pool[0] to the long-run sum.  The window size
 * counts every started task and is reset only by a kick-out (or a slash). */
#include "protocol/helium/helium.h"

static uint32_t window(const proto *p)
{
    uint32_t w = p->prm.task_score_pool_size;
    return w > PROTO_MAX_WINDOW ? PROTO_MAX_WINDOW : w;
}

void pq_start_task(proto *p, uint32_t a)
{
    pnode *n = &p->node[a];
    J(&p->j, n->task_count, n->task_count + 1);
    J(&p->j, n->pool_size, n->pool_size + (n->pool_size < UINT32_MAX));
    for (uint32_t i = window(p) - 1; i > 0; i--)
        J(&p->j, n->pool[i], n->pool[i - 1]);
    J(&p->j, n->pool[0], 0);
}

void pq_finish_task(proto *p, uint32_t a)
{
    pnode *n = &p->node[a];
    J(&p->j, n->task_score_sum, n->task_score_sum + n->pool[0]);
}

void pq_add_task_score(proto *p, uint32_t a, uint64_t index)
{
    REQUIRE(p, index < 3, "Invalid index");
    pnode *n = &p->node[a];
    J(&p->j, n->pool[0], n->pool[0] + p->prm.task_score_rewards[index]);
}

void pq_punish(proto *p, uint32_t a)
{
    J(&p->j, p->node[a].pool[0], 0);
}

void pq_kickout(proto *p, uint32_t a)
{
    J(&p->j, p->node[a].pool_size, 0);
}

uint64_t pq_task_score(const proto *p, uint32_t a)
{
    const pnode *n = &p->node[a];
    if (n->task_count == 0)
        return (uint64_t)p->prm.task_score_rewards[0] * 2;
    return n->task_score_sum / n->task_count;
}

uint64_t pq_recent_score(const proto *p, uint32_t a)
{
    const pnode *n = &p->node[a];
    uint64_t k = n->pool_size < window(p) ? n->pool_size : window(p), s = 0;
    for (uint64_t i = 0; i < k; i++)
        s += n->pool[i];
    return s;
}

bool pq_should_kick_out(const proto *p, uint32_t a)
{
    if (p->prm.kickout_disabled)
        return false;
    const pnode *n = &p->node[a];
    uint64_t total = pq_recent_score(p, a);
    if (n->pool_size < window(p))
        total += (window(p) - n->pool_size) * (uint64_t)p->prm.task_score_rewards[0] * 2;
    return total <= p->prm.kickout_threshold;
}

uint64_t pq_score_limit(const proto *p)
{
    const uint32_t *r = p->prm.task_score_rewards;
    return ((uint64_t)r[0] + r[1] + r[2]) * 2;
}
