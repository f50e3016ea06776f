/* Settings that validate but cannot mean what the user most likely thinks:
 * warned about on stderr, never refused (a study may want them on purpose). */
#include <inttypes.h>
#include <stdio.h>

#include "protocol/edition.h"
#include "scenario/scn.h"

unsigned scn_warn(const scn *s, uint64_t duration_override_s, const char *where, FILE *out)
{
    unsigned n = 0;
    uint64_t duration = duration_override_s ? duration_override_s : s->duration_s;
    if (s->warmup_s && duration <= s->warmup_s) {
        fprintf(out, "%s: warning: the run lasts %" PRIu64 " s, not longer than warmup_s %" PRIu64
                     " s: every figure counted after the warm-up will be empty (n = 0)\n",
                where, duration, s->warmup_s);
        n++;
    }
    /* The kick-out rule (helium/helium_qos.c, pq_should_kick_out) compares the sum
     * of the last task_score_pool_size task scores, each at most two rounds'
     * first-place reward, with the threshold; a node with fewer tasks counts
     * the missing ones at that maximum. */
    const proto_params *p = &s->params;
    uint64_t most = (uint64_t)p->task_score_pool_size * 2 * p->task_score_rewards[0];
    if (proto_edition_get(p->edition)->qos && p->kickout_threshold >= most) {
        fprintf(out, "%s: warning: protocol.kickout_threshold %u is not below the largest QoS window "
                     "sum, %" PRIu64 " (%u tasks x 2 rounds x %u points): every node is kicked out "
                     "after every task\n",
                where, p->kickout_threshold, most, p->task_score_pool_size, p->task_score_rewards[0]);
        n++;
    }
    return n;
}
