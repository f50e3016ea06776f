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

/* [lo, hi): the share of bits flipped on `card` alone, given the distinct
 * cards of the task in increasing order. */
static void flip_band(uint32_t card, const uint32_t *d, int nd, const double *pair, uint32_t n, double *lo,
                      double *hi)
{
    *lo = *hi = 0;
    if (nd == 2) {
        if (card == d[1]) /* the first card keeps the ideal hash */
            *hi = pair[d[0] * n + d[1]];
        return;
    }
    double ab = pair[d[0] * n + d[1]], ac = pair[d[0] * n + d[2]], bc = pair[d[1] * n + d[2]];
    double x[3] = {(ab + ac - bc) / 2, (ab + bc - ac) / 2, (ac + bc - ab) / 2};
    for (int i = 0; i < 3; i++) {
        *hi = *lo + (x[i] > 0 ? x[i] : 0);
        if (card == d[i])
            return;
        *lo = *hi;
    }
    *lo = *hi = 0;
}

size_t agt_card_result(uint64_t task_id, int type, uint32_t size, uint32_t card, const uint32_t task_cards[3],
                       const double *sd_pair, uint32_t n_cards, uint8_t *out, size_t cap)
{
    size_t n = agt_result(task_id, type, size, out, cap);
    if (type != PROTO_SD) {
        /* bit-identical only on the same card */
        uint64_t v;
        memcpy(&v, out, 8);
        v ^= agt_mix64(task_id ^ ((uint64_t)(card + 1) << 44));
        memcpy(out, &v, 8);
        return n;
    }
    if (!sd_pair)
        return n;
    uint32_t d[3];
    int nd = 0;
    for (int i = 0; i < 3; i++) { /* distinct cards, increasing */
        uint32_t x = task_cards[i];
        int at = 0;
        while (at < nd && d[at] < x)
            at++;
        if (x == UINT32_MAX || (at < nd && d[at] == x))
            continue;
        memmove(d + at + 1, d + at, (size_t)(nd - at) * sizeof *d);
        d[at] = x;
        nd++;
    }
    double lo, hi;
    if (nd < 2)
        return n;
    flip_band(card, d, nd, sd_pair, n_cards, &lo, &hi);
    if (!(hi > lo))
        return n;
    /* one uniform draw per bit, shared by the task's cards: the bands are
     * disjoint, so at most one card flips a given bit */
    uint64_t salt = agt_mix64(task_id ^ 0x5d5d5d5dULL << 40);
    for (size_t i = 0; i < n; i += 8) {
        uint64_t v, mask = 0;
        memcpy(&v, out + i, 8);
        for (int bit = 0; bit < 64; bit++) {
            double u = (double)(agt_mix64(salt + i * 64 + (uint64_t)bit) >> 11) * 0x1.0p-53;
            if (u >= lo && u < hi)
                mask |= 1ULL << bit;
        }
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
