/* Validation sampling, validation groups and the money of a finished task
 * in the Relay.  Sources (crynux-network/crynux-relay):
 *   sampling     service/validate_task.go @ f2bb1b1 (mod 10);
 *                utils/vrf.go @ 0601431 and 24ffc26 (mod 100)
 *   groups       service/validate_task.go ValidateTaskGroup @ f2bb1b1,
 *                @ 0601431; assignValidationGroupQosScores @ 24ffc26
 *   payments     service/task_status.go SetTaskStatusEndSuccess (all three)
 *   income split service/relay_account.go sendTaskIncome @ 24ffc26
 * Integer wei throughout. */
#include <string.h>

#include <gmp.h>

#include "protocol/relay/relay.h"

bool relay_need_validation(const relay_params *p, const uint8_t *beta, size_t n)
{
    uint32_t r = 0;
    for (size_t i = 0; i < n; i++)
        r = (uint32_t)((r * 256u + beta[i]) % p->sample_mod);
    return r == 0;
}

void relay_validate_group(const relay_params *p, const relay_member m[3], const bool same[3][3],
                          relay_group_outcome out[3], uint64_t score[3], bool score_valid[3])
{
    /* sort by execution time, ties by id (creation order) */
    int ord[3] = {0, 1, 2};
    for (int i = 1; i < 3; i++)
        for (int j = i; j > 0; j--) {
            const relay_member *a = &m[ord[j - 1]], *b = &m[ord[j]];
            bool swap = b->exec_s < a->exec_s || (b->exec_s == a->exec_s && b->id < a->id);
            if (!swap)
                break;
            int t = ord[j];
            ord[j] = ord[j - 1];
            ord[j - 1] = t;
        }
    /* QoS: 2025-03 scores by index in the sorted group (aborted members
     * keep their 0 but use up a rank); later editions count only finished
     * members, and an all-aborted group gets NULL scores */
    int rank = 0, finished = 0;
    for (int k = 0; k < 3; k++) {
        int i = ord[k];
        score_valid[i] = true;
        score[i] = 0;
        if (!m[i].aborted)
            score[i] = p->rewards[p->window_sum_kickout ? k : rank++];
        finished += !m[i].aborted;
    }
    if (finished == 0 && !p->window_sum_kickout)
        for (int i = 0; i < 3; i++)
            score_valid[i] = false;
    /* the decision table over the finished members, in sorted order */
    int f[3], nf = 0;
    for (int k = 0; k < 3; k++) {
        out[ord[k]] = RELAY_ABORTED;
        if (!m[ord[k]].aborted)
            f[nf++] = ord[k];
    }
#define SAME(a, b) (same[f[a]][f[b]] && m[f[a]].error == m[f[b]].error)
    if (nf == 2) {
        if (SAME(0, 1) && !m[f[0]].error) {
            out[f[0]] = RELAY_VALIDATED;
            out[f[1]] = RELAY_REFUND;
        }
    } else if (nf == 3) {
        bool s1 = SAME(0, 1), s2 = SAME(0, 2), s3 = SAME(1, 2);
        if (s1) {
            if (!m[f[0]].error) {
                out[f[0]] = RELAY_VALIDATED;
                out[f[1]] = RELAY_REFUND;
            }
            out[f[2]] = s2 ? RELAY_REFUND : RELAY_INVALIDATED;
        } else if (s2) {
            if (!m[f[0]].error) {
                out[f[0]] = RELAY_VALIDATED;
                out[f[2]] = RELAY_REFUND;
            }
            out[f[1]] = RELAY_INVALIDATED;
        } else if (s3) {
            if (!m[f[1]].error) {
                out[f[1]] = RELAY_VALIDATED;
                out[f[2]] = RELAY_REFUND;
            }
            out[f[0]] = RELAY_INVALIDATED;
        }
    }
#undef SAME
}

bool relay_group_payments(wei_t fee, const uint64_t *scores, size_t n, wei_t *pay, wei_t *extra)
{
    wei_t total = 0, rem_sum = 0, paid = 0;
    for (size_t i = 0; i < n; i++)
        total += scores[i]; /* n uint64 scores: far below 2^128 */
    if (total == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        wei_t prod;
        if (!wei_mul(fee, scores[i], &prod))
            return false;
        pay[i] = prod / total;
        rem_sum += prod % total; /* n remainders below total: far below 2^128 */
        /* the last member also gets the sum of the remainders, which are in
         * units of 1/total wei: the Relay pays more than the fee */
        if (i == n - 1 && !wei_add(pay[i], rem_sum, &pay[i]))
            return false;
        if (!wei_add(paid, pay[i], &paid))
            return false;
    }
    wei_t whole;
    if (!wei_mul(fee, 1, &whole))
        return false;
    *extra = paid > whole ? paid - whole : 0;
    return true;
}

static void to_mpz(mpz_t z, wei_t w)
{
    uint64_t limbs[2] = {(uint64_t)w, (uint64_t)(w >> 64)}; /* least significant first */
    mpz_import(z, 2, -1, sizeof limbs[0], 0, 0, limbs);
}

/* floor(a * b / c) for c > 0, exact: the Relay's big.Int arithmetic (the
 * product of a fee and a stake needs up to 256 bits); false when the
 * quotient does not fit 128 bits. */
static bool mul_div(wei_t a, wei_t b, wei_t c, wei_t *out)
{
    mpz_t x, y;
    mpz_inits(x, y, NULL);
    to_mpz(x, a);
    to_mpz(y, b);
    mpz_mul(x, x, y);
    to_mpz(y, c);
    mpz_fdiv_q(x, x, y);
    bool ok = mpz_sizeinbase(x, 2) <= 128;
    uint64_t limbs[2] = {0, 0};
    if (ok)
        mpz_export(limbs, NULL, -1, sizeof limbs[0], 0, 0, x);
    *out = (wei_t)limbs[1] << 64 | limbs[0];
    mpz_clears(x, y, NULL);
    return ok;
}

bool relay_income_split(wei_t amount, uint32_t dao_percent, uint32_t delegator_share,
                        const wei_t *delegations, size_t nd, wei_t *dao, wei_t *operator_income,
                        wei_t *delegator_income)
{
    wei_t t;
    if (!wei_mul(amount, dao_percent, &t))
        return false;
    *dao = t / 100;
    wei_t before = amount - *dao; /* dao <= amount for percent <= 100 */
    *operator_income = before;
    if (delegator_share == 0 || nd == 0) {
        for (size_t i = 0; i < nd; i++)
            delegator_income[i] = 0;
        return dao_percent <= 100;
    }
    wei_t total_fee, total_stake = 0, dispatched = 0;
    if (!wei_mul(before, delegator_share, &total_fee))
        return false;
    total_fee /= 100;
    *operator_income = before - total_fee;
    for (size_t i = 0; i < nd; i++)
        if (!wei_add(total_stake, delegations[i], &total_stake))
            return false;
    for (size_t i = 0; i < nd; i++) {
        if (!total_stake)
            delegator_income[i] = 0;
        else if (!mul_div(total_fee, delegations[i], total_stake, &delegator_income[i]))
            return false;
        dispatched += delegator_income[i]; /* floors of shares of total_fee: <= total_fee */
    }
    delegator_income[0] += total_fee - dispatched; /* the sum stays total_fee */
    return dao_percent <= 100 && delegator_share < 100;
}
