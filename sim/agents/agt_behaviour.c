/* Attacking and faulty node rules (see agt_behaviour.h). */
#include "agents/agt_behaviour.h"

#include <string.h>

#include "agents/agt.h"
#include "protocol/proto.h"

agt_action agt_behaviour_action(const scn_behaviour *b, uint32_t own_in_task, gsl_rng *r)
{
    if (!b)
        return AGT_WORK;
    switch (b->kind) {
    case SCN_BEH_CHEATER:
        if (b->probability >= 1)
            return AGT_FAKE;
        return gsl_rng_uniform(r) < b->probability ? AGT_FAKE : AGT_WORK;
    case SCN_BEH_COLLUDERS:
        if (b->mode == SCN_COLLUDE_ALWAYS || own_in_task >= 2)
            return AGT_FAKE;
        return b->mode == SCN_COLLUDE_TIMEOUT ? AGT_SILENT : AGT_WORK;
    case SCN_BEH_FLAKY:
        return gsl_rng_uniform(r) < b->probability ? AGT_SILENT : AGT_WORK;
    case SCN_BEH_SLOW:
    case SCN_BEH_VANISH:
    case SCN_BEH_CARD_LIAR:
        break;
    }
    return AGT_WORK;
}

double agt_behaviour_exec_factor(const scn_behaviour *b)
{
    return b && b->kind == SCN_BEH_SLOW ? b->factor : 1.0;
}

uint64_t agt_forger(const scn_behaviour *b, uint32_t actor, uint32_t node)
{
    if (b && b->kind == SCN_BEH_COLLUDERS)
        return actor;
    return (1ULL << 40) | node; /* never an actor number */
}

size_t agt_card_result(uint64_t task_id, int type, uint32_t size, uint32_t card, double flip,
                       uint8_t *out, size_t cap)
{
    size_t n = agt_result(task_id, type, size, out, cap);
    uint64_t salt = agt_mix64(task_id ^ ((uint64_t)(card + 1) << 44));
    if (type != PROTO_SD) {
        /* bit-identical only on the same card */
        uint64_t v;
        memcpy(&v, out, 8);
        v ^= salt;
        memcpy(out, &v, 8);
        return n;
    }
    if (!(flip > 0))
        return n;
    /* each bit flips with probability `flip`, decided by a hash of
     * (task, card, image, bit) so that every node on the card agrees */
    uint64_t threshold = flip >= 1 ? UINT64_MAX : (uint64_t)(flip * 18446744073709551616.0);
    for (size_t i = 0; i < n; i += 8) {
        uint64_t v, mask = 0;
        memcpy(&v, out + i, 8);
        for (int bit = 0; bit < 64; bit++)
            if (agt_mix64(salt + i * 64 + (uint64_t)bit) < threshold)
                mask |= 1ULL << bit;
        v ^= mask;
        memcpy(out + i, &v, 8);
    }
    return n;
}

size_t agt_fake_result(uint64_t task_id, int type, uint32_t size, uint64_t forger, uint8_t *out,
                       size_t cap)
{
    size_t n = agt_result(task_id, type, size, out, cap);
    uint64_t salt = agt_mix64(agt_mix64(forger) ^ task_id);
    for (size_t i = 0; i < n; i += 8) {
        uint64_t v, m = agt_mix64(salt + i) | 1; /* never zero: gpt bytes always differ */
        if (type == PROTO_SD && __builtin_popcountll(m) < 16)
            m = ~m; /* at least 16 bits from the ideal hash: >= 48 after inverting */
        memcpy(&v, out + i, 8);
        v ^= m;
        memcpy(out + i, &v, 8);
    }
    return n;
}
