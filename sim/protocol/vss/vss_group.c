/* VSSTask.validateTaskGroup after its checks (crynux-ai/crynux-contracts @
 * bd7ee24, contracts/VSSTask.sol lines 372-497 and 820-918): the group's QoS
 * points, the comparison of the results, the outcome table and the fee split.
 *
 * Outcome table over the tasks not already EndAborted, in argument order
 * (f0, f1, f2):
 *   three left:  f0=f1=f2          -> f0 GroupValidated, f1 f2 EndGroupRefund
 *                f0=f1, f2 differs -> f0 GroupValidated, f1 EndGroupRefund, f2 EndInvalidated
 *                f0=f2, f1 differs -> f0 GroupValidated, f2 EndGroupRefund, f1 EndInvalidated
 *                f1=f2, f0 differs -> f1 GroupValidated, f2 EndGroupRefund, f0 EndInvalidated
 *                all differ        -> all EndAborted (IncorrectResult)
 *   two left:    f0=f1             -> f0 GroupValidated, f1 EndGroupRefund
 *                otherwise         -> both EndAborted
 *   "GroupValidated" needs the first of the matching pair to be ScoreReady;
 *   two error reports "match" (compareTaskScore returns true for equal
 *   non-ScoreReady statuses) but validate nothing.
 * The validated task's fee is split among the GroupValidated and
 * EndGroupRefund nodes by their current task score (pool[0], just raised by
 * updateTaskGroupQOS): fee_i = taskFee * score_i / totalQOS, and a payee
 * whose payment would leave less than 3 wei takes the whole remainder.  The
 * other tasks' fees go back to the creator (EndGroupRefund, EndInvalidated,
 * EndAborted).  Quirk kept: once a payee has taken the whole remainder, the
 * next payee's `totalFee - fee` underflows unless its share rounds to 0, so
 * the validation of a group with a tiny fee (3, 5 or 6 wei with payees
 * scored 10, 9, 6; 3 or 4 wei with 10, 9) reverts with Panic(0x11). */
#include <string.h>

#include "protocol/vss/vss_internal.h"

void vt_change_state(vss *p, uint32_t h, vss_status status);
void vt_validate_group_body(vss *p, const uint32_t hs[3]);

/* libs/Hamming.sol compareHamming: equal lengths, a multiple of 8 bytes, and
 * every 8-byte hash closer than the threshold. */
static bool hamming_close(const uint8_t *a, const uint8_t *b, uint32_t len, uint32_t threshold)
{
    if (len % 8)
        return false;
    for (uint32_t off = 0; off < len; off += 8) {
        uint32_t d = 0;
        for (uint32_t i = 0; i < 8; i++)
            d += (uint32_t)__builtin_popcount(a[off + i] ^ b[off + i]);
        if (d >= threshold)
            return false;
    }
    return true;
}

/* VSSTask.compareTaskScore */
static bool same(vss *p, uint32_t h1, uint32_t h2)
{
    const vtask *a = vt_rec(p, h1), *b = vt_rec(p, h2);
    VREQUIRE(p, a->type == b->type, "different task type");
    if (a->status != b->status)
        return false;
    if (a->status != VSS_SCORE_READY)
        return true;
    if (a->score.len != b->score.len)
        return false;
    const uint8_t *x = vbytes_ptr(p, &a->score), *y = vbytes_ptr(p, &b->score);
    if (a->type == VSS_LLM) /* keccak256 equality */
        return !memcmp(x, y, a->score.len);
    return hamming_close(x, y, a->score.len, p->prm.distance_threshold);
}

/* VSSTask.updateTaskGroupQOS.  The contract derives the finishing order
 * (compareTaskOrder: scoreReadyTimestamp - startTimestamp, ties by
 * sequence) into qosOrders and never reads it: points go by array index. */
static void group_qos(vss *p, const uint32_t hs[3])
{
    for (uint32_t i = 0; i < 3; i++) {
        const vtask *t = vt_rec(p, hs[i]);
        /* the time costs are computed (checked subtraction) though unused */
        (void)vw_sub(p, t->score_time, t->start_time);
        if (t->node) /* address(0)'s QoS record is never read */
            vq_add_task_score(p, t->node - 1, i);
    }
}

static void push_payee(vss *p, vtask *v, uint32_t node)
{
    VREQUIRE(p, v->n_payto < 3, "avrami: more than three payees");
    J(p->j, v->pay_to[v->n_payto], node);
    J(p->j, v->n_payto, v->n_payto + 1);
}

static void split_fee(vss *p, uint32_t vh, uint32_t n, const uint8_t *fs, const uint32_t *fnode)
{
    vtask *v = vt_rec(p, vh);
    wei_t total_fee = v->fee, total_qos = 0;
    for (uint32_t i = 0; i < n; i++)
        if (fs[i] == VSS_GROUP_VALIDATED || fs[i] == VSS_END_GROUP_REFUND) {
            push_payee(p, v, fnode[i]);
            total_qos = vw_add(p, total_qos, p->node[fnode[i]].pool[0]);
        }
    for (uint32_t i = 0; i < v->n_payto; i++) {
        wei_t score = p->node[v->pay_to[i]].pool[0], prod;
        if (!wei_mul(v->fee, score, &prod))
            vss_revert(p, "Panic(0x11)");
        if (total_qos == 0)
            vss_revert(p, "Panic(0x12)");
        wei_t fee = prod / total_qos;
        if (vw_sub(p, total_fee, fee) < 3)
            fee = total_fee;
        total_fee -= fee;
        VREQUIRE(p, v->n_pay < 3, "avrami: more than three payments");
        J(p->j, v->pay[v->n_pay], fee);
        J(p->j, v->n_pay, v->n_pay + 1);
    }
}

void vt_validate_group_body(vss *p, const uint32_t hs[3])
{
    group_qos(p, hs);

    /* finishedTasks: memory copies, so statuses and nodes as of now */
    uint32_t fin[3], fnode[3], n = 0;
    uint8_t fst[3];
    for (uint32_t i = 0; i < 3; i++) {
        const vtask *t = vt_rec(p, hs[i]);
        if (t->status != VSS_END_ABORTED) {
            fin[n] = hs[i];
            fst[n] = t->status;
            fnode[n] = t->node ? t->node - 1 : VSS_NOBODY;
            n++;
        }
    }
    uint8_t fs[3] = {VSS_END_ABORTED, VSS_END_ABORTED, VSS_END_ABORTED};
    uint32_t gv = 3;
    if (n == 2) {
        if (same(p, fin[0], fin[1]) && fst[0] == VSS_SCORE_READY) {
            fs[0] = VSS_GROUP_VALIDATED;
            fs[1] = VSS_END_GROUP_REFUND;
            gv = 0;
        }
    } else if (n == 3) {
        bool s1 = same(p, fin[0], fin[1]), s2 = same(p, fin[0], fin[2]),
             s3 = same(p, fin[1], fin[2]);
        if (s1) {
            if (fst[0] == VSS_SCORE_READY) {
                fs[0] = VSS_GROUP_VALIDATED;
                fs[1] = VSS_END_GROUP_REFUND;
                gv = 0;
            }
            fs[2] = s2 ? VSS_END_GROUP_REFUND : VSS_END_INVALIDATED;
        } else if (s2) {
            if (fst[0] == VSS_SCORE_READY) {
                fs[0] = VSS_GROUP_VALIDATED;
                fs[2] = VSS_END_GROUP_REFUND;
                gv = 0;
            }
            fs[1] = VSS_END_INVALIDATED;
        } else if (s3) {
            if (fst[1] == VSS_SCORE_READY) {
                fs[1] = VSS_GROUP_VALIDATED;
                fs[2] = VSS_END_GROUP_REFUND;
                gv = 1;
            }
            fs[0] = VSS_END_INVALIDATED;
        }
    }
    if (gv < 3)
        split_fee(p, fin[gv], n, fs, fnode);
    for (uint32_t i = 0; i < n; i++)
        if (fs[i] == VSS_END_ABORTED)
            J(p->j, vt_rec(p, fin[i])->abort_reason, VSS_ABORT_INCORRECT_RESULT);
    for (uint32_t i = 0; i < n; i++)
        vt_change_state(p, fin[i], (vss_status)fs[i]);
}
