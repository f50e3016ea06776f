/* Node QoS in the Relay: the long-term score, the kick-out windows and the
 * 2026 health factor H.  Sources (crynux-network/crynux-relay):
 *   2025-03  service/qos.go, service/node.go @ f2bb1b1
 *   2025-07  service/qos.go, service/node.go @ 0601431
 *   2026     service/qos.go, service/node.go, config/config.example.yml @ 24ffc26
 * H and QOSScore are float64 in the Relay and only weight node selection. */
#include <math.h>
#include <string.h>

#include "protocol/relay/relay.h"

void relay_qos_init(relay_qos *q)
{
    memset(q, 0, sizeof *q);
    q->health_base = 1.0; /* models/node.go: HealthBase default 1.0 */
}

void relay_qos_rejoin(const relay_params *p, relay_qos *q)
{
    q->recent_n = 0; /* the windows count tasks started after JoinTime */
    if (p->pool_size == 0 || p->rejoin_qos_long_floor <= 0)
        return;
    /* node.go Join @ 24ffc26: H reset to 1 and the exclusion lifted;
     * AdjustNodeQosForJoin: Q_long floor, stale pool dropped */
    q->health_base = 1.0;
    q->health_set = false;
    q->health_excluded = false;
    double qos_long = q->qos_score / (double)p->rewards[0];
    if (qos_long == 0)
        qos_long = 0.5; /* CalculateLongTermQos: an unscored node counts 0.5 */
    if (qos_long >= p->rejoin_qos_long_floor)
        return;
    q->qos_score = p->rejoin_qos_long_floor * (double)p->rewards[0];
    q->pool_exists = false;
    q->pool_len = 0;
}

void relay_qos_window_push(relay_qos *q, uint64_t score, bool timeout)
{
    for (int i = 2; i > 0; i--) {
        q->recent_score[i] = q->recent_score[i - 1];
        q->recent_timeout[i] = q->recent_timeout[i - 1];
    }
    q->recent_score[0] = score;
    q->recent_timeout[0] = timeout;
    if (q->recent_n < 3)
        q->recent_n++;
}

void relay_qos_all_time_push(const relay_params *p, relay_qos *q, uint64_t score)
{
    q->all_sum += score;
    q->all_count++;
    /* getNodeTaskQosScore: integer mean, a mean of 0 becomes 1 */
    uint64_t s = q->all_sum / q->all_count;
    q->score = s == 0 ? 1 : s;
    (void)p;
}

void relay_qos_pool_push(const relay_params *p, relay_qos *q, uint64_t score)
{
    uint32_t size = p->pool_size ? p->pool_size : RELAY_POOL_MAX;
    if (size > RELAY_POOL_MAX)
        size = RELAY_POOL_MAX;
    if (!q->pool_exists) {
        /* a node with no pool entry (new, or the Relay restarted) seeds it
         * with size-1 copies of its persisted score, truncated to uint64 */
        q->pool_len = 0;
        if (q->qos_score > 0)
            for (uint32_t i = 0; i + 1 < size; i++)
                q->pool[q->pool_len++] = (uint8_t)(uint64_t)q->qos_score;
        q->pool_exists = true;
    }
    if (q->pool_len == size) {
        memmove(q->pool, q->pool + 1, size - 1);
        q->pool_len--;
    }
    q->pool[q->pool_len++] = (uint8_t)score;
    uint64_t sum = 0;
    for (uint32_t i = 0; i < q->pool_len; i++)
        sum += q->pool[i];
    q->qos_score = (double)sum / (double)q->pool_len;
}

bool relay_should_kickout(const relay_params *p, const relay_qos *q)
{
    if (p->window_sum_kickout) {
        /* shouldKickoutNode @ f2bb1b1: missing tasks count the top reward */
        uint64_t sum = 0;
        for (uint32_t i = 0; i < q->recent_n; i++)
            sum += q->recent_score[i];
        sum += (uint64_t)(3 - q->recent_n) * p->rewards[0];
        return sum <= p->window_sum_kickout;
    }
    if (p->window_timeout_kickout) {
        uint32_t timeouts = 0;
        for (uint32_t i = 0; i < q->recent_n; i++)
            timeouts += q->recent_timeout[i];
        return timeouts >= p->window_timeout_kickout;
    }
    /* ShouldPermanentKickout: only with a full pool; health never kicks */
    if (!q->pool_exists || q->pool_len < p->pool_size)
        return false;
    return q->qos_score < p->kickout_qos_long;
}

bool relay_health_timed(const relay_qos *q)
{
    /* a full base gives 1 + 0 * (1 - e^-x) = 1 exactly, whatever the time:
     * most nodes, once a success has boosted them back; and an exclusion
     * holds only while H is below the exit threshold (<= 1) */
    return q->health_set && q->health_base != 1.0;
}

double relay_health_at(const relay_params *p, const relay_qos *q, double now_s)
{
    if (!relay_health_timed(q)) /* no exp for a full base */
        return 1.0;
    double elapsed = (now_s - q->health_at_s) / 60.0; /* Duration.Minutes() */
    if (elapsed < 0)
        elapsed = 0;
    double h = q->health_base + (1.0 - q->health_base) * (1.0 - exp(-elapsed / p->tau_minutes));
    return h > 1.0 ? 1.0 : h;
}

void relay_health_penalty(const relay_params *p, relay_qos *q, double now_s)
{
    double h = relay_health_at(p, q, now_s);
    /* calculatePenalizedHealth: the first timeout of a healthy node costs
     * little (x0.95), any further one x0.3 */
    double f = h >= p->first_threshold ? p->first_penalty_factor : p->penalty_factor;
    q->health_base = h * f;
    q->health_at_s = now_s;
    q->health_set = true;
    if (q->health_base < p->exclude_enter)
        q->health_excluded = true;
}

void relay_health_boost(const relay_params *p, relay_qos *q, double now_s)
{
    double h = relay_health_at(p, q, now_s) + p->success_boost;
    q->health_base = h > 1.0 ? 1.0 : h;
    q->health_at_s = now_s;
    q->health_set = true;
}

bool relay_health_excluded(const relay_params *p, const relay_qos *q, double now_s)
{
    return q->health_excluded && relay_health_at(p, q, now_s) < p->exclude_exit;
}

double relay_health_exit_delay_s(const relay_params *p, double h)
{
    if (h >= p->exclude_exit)
        return 0;
    return p->tau_minutes * 60.0 * log((1.0 - h) / (1.0 - p->exclude_exit));
}
