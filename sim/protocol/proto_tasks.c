/* Shared mechanics of the editions whose tasks run on three nodes that
 * commit and then disclose (Helium, Hydrogen): task slots reused after
 * deletion, result bytes (inline or in the spill arena), commitments given
 * as hashes or by their preimage, the commitment checks, and the result
 * comparison (compareRoundResult).  Both editions' Task.sol have these
 * statements word for word (crynux-ai/crynux-contracts efff09f and d49ab0c,
 * contracts/Task.sol); the editions differ in what they do with them. */
#include <string.h>

#include "protocol/proto_internal.h"
#include "util/keccak.h"

static const uint8_t ERR32[32] = {[31] = 1}; /* bytes32(uint256(1)): error marker */

/* ---- task slots ---- */

uint32_t pt_alloc_slot(proto *p, uint64_t id)
{
    uint32_t slot;
    REQUIRE(p, id <= p->max_tasks, "avrami: task id beyond the configured maximum");
    if (p->n_free) {
        slot = p->free_slots[p->n_free - 1];
        J(&p->j, p->n_free, p->n_free - 1);
    } else {
        REQUIRE(p, p->n_slots < p->max_slots, "avrami: too many live tasks");
        slot = p->n_slots;
        J(&p->j, p->n_slots, p->n_slots + 1);
    }
    ptask *t = &p->task[slot];
    /* The slot's old bytes are not journaled (~700 bytes a task): a
     * revert frees the slot again by restoring slot_of, the free list and
     * the slot count, and a free slot is never read (tasks are reached only
     * through slot_of and the queue heaps, all journaled); what the
     * reverted transaction left in it is cleared here when it is reused. */
    memset(t, 0, sizeof *t);
    t->id = id;
    J(&p->j, p->slot_of[id], slot + 1);
    return slot;
}

void pt_free_slot(proto *p, uint32_t slot)
{
    ptask *t = &p->task[slot];
    J(&p->j, p->slot_of[t->id], 0);
    J(&p->j, t->where, WHERE_NONE);
    J(&p->j, p->free_slots[p->n_free], slot);
    J(&p->j, p->n_free, p->n_free + 1);
}


void pt_store_bytes(proto *p, pbytes *b, const uint8_t *r, size_t len)
{
    REQUIRE(p, len < UINT32_MAX, "avrami: result too long");
    if (len <= PROTO_RESULT_INLINE) {
        /* Bytes past the journaled length are never read, as in the spill
         * below: only live ones (a second store) need their old value back. */
        if (b->len && b->len <= PROTO_RESULT_INLINE)
            jrn_save(&p->j, b->inl, b->len);
        memcpy(b->inl, r, len);
    } else {
        REQUIRE(p, p->spill_len + len <= p->spill_cap, "avrami: result storage full");
        memcpy(p->spill + p->spill_len, r, len); /* beyond the journaled length */
        J(&p->j, b->off, p->spill_len);
        J(&p->j, p->spill_len, p->spill_len + len);
    }
    J(&p->j, b->len, (uint32_t)len);
}

/* ---- result comparison ---- */

/* sd: equal length, a multiple of 8 bytes, and every 8-byte pHash pair
 * differing in fewer than distance_threshold bits.  Empty results (error
 * reports) therefore match each other. */
static unsigned popcount64(uint64_t x) /* SWAR: no library call without -mpopcnt */
{
    x -= (x >> 1) & 0x5555555555555555ULL;
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
    return (unsigned)((x * 0x0101010101010101ULL) >> 56);
}

bool pt_sd_match(const proto *p, const uint8_t *a, size_t la, const uint8_t *b, size_t lb)
{
    if (la != lb || la % 8)
        return false;
    for (size_t i = 0; i < la; i += 8) {
        uint64_t x, y; /* the bit distance of the pair does not depend on byte order */
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        if (popcount64(x ^ y) >= p->prm.distance_threshold)
            return false;
    }
    return true;
}

bool pt_compare(const proto *p, const ptask *t, int ia, int ib)
{
    int ra = t->disclosed_rounds[ia], rb = t->disclosed_rounds[ib];
    const uint8_t *a = pt_bytes(p, &t->result[ra]), *b = pt_bytes(p, &t->result[rb]);
    size_t la = t->result[ra].len, lb = t->result[rb].len;
    if (t->type == PROTO_SD)
        return pt_sd_match(p, a, la, b, lb);
    return la == lb && !memcmp(a, b, la); /* keccak256(a) == keccak256(b) */
}


/* keccak256(result ‖ nonce) == commitments[round].  For a commitment given by
 * its preimage, equal preimages have equal hashes, so only a different
 * disclosure needs hashing (both sides, exactly as the contract would). */
bool pt_matches_commitment(const proto *p, const ptask *t, uint64_t round, const uint8_t *result,
                               size_t len)
{
    uint8_t h[32], c[32];
    if (t->by_preimage >> round & 1) {
        const pbytes *b = &t->preimage[round];
        const uint8_t *pre = pt_bytes(p, b);
        if (b->len == len && !memcmp(pre, result, len))
            return true;
        keccak256_2(pre, b->len, t->nonces[round], 32, c);
    } else {
        memcpy(c, t->commitments[round], 32);
    }
    keccak256_2(result, len, t->nonces[round], 32, h);
    return !memcmp(h, c, 32);
}


void pt_mark_error(proto *p, ptask *t, uint64_t round)
{
    jrn_save(&p->j, t->commitments[round], 32);
    memcpy(t->commitments[round], ERR32, 32);
}

void pt_store_commitment(proto *p, ptask *t, uint64_t round, const uint8_t c[32],
                         const uint8_t *pre, size_t len, const uint8_t nonce[32])
{
    if (c) {
        jrn_save(&p->j, t->commitments[round], 32);
        memcpy(t->commitments[round], c, 32);
    } else {
        pt_store_bytes(p, &t->preimage[round], pre, len);
        J(&p->j, t->by_preimage, (uint8_t)(t->by_preimage | 1u << round));
    }
    jrn_save(&p->j, t->nonces[round], 32);
    memcpy(t->nonces[round], nonce, 32);
}

void proto_commitment(const uint8_t *result, size_t len, const uint8_t nonce[32], uint8_t out[32])
{
    keccak256_2(result, len, nonce, 32, out);
}

/* ---- the checks both editions' Task.sol make, in their order ---- */

void pt_require_selected(proto *p, const ptask *t, uint32_t from, uint64_t round)
{
    REQUIRE(p, round < 3, "Round not exist");
    REQUIRE(p, t->selected[round] == from, "Not selected node");
}

void pt_check_commit(proto *p, const ptask *t, uint32_t from, uint64_t round, const uint8_t nonce[32])
{
    pt_require_selected(p, t, from, round);
    REQUIRE(p, !pt_committed(t, (int)round), "Already submitted");
    REQUIRE(p, !t->aborted, "Task is aborted");
    for (int i = 0; i < 3; i++)
        REQUIRE(p, memcmp(nonce, t->nonces[i], 32), "Nonce already used");
}

void pt_check_disclose(proto *p, const ptask *t, uint32_t from, uint64_t round, const uint8_t *result,
                       size_t len)
{
    pt_require_selected(p, t, from, round);
    REQUIRE(p, t->result[round].len == 0, "Already submitted");
    REQUIRE(p, pt_all_committed(t), "Commitments not ready");
    REQUIRE(p, !t->aborted, "Task is aborted");
    REQUIRE(p, pt_matches_commitment(p, t, round, result, len), "Mismatch result and commitment");
}

bool pt_check_upload(proto *p, ptask *t, uint32_t from, uint64_t round)
{
    pt_require_selected(p, t, from, round);
    REQUIRE(p, t->result_node == from + 1, "Not result round");
    REQUIRE(p, !t->aborted, "Task is aborted");
    bool again = t->uploaded;
    J(&p->j, t->uploaded, 1);
    return again;
}

void pt_count_double_upload(proto *p, wei_t fee)
{
    J(&p->j, p->quirks.double_uploads, p->quirks.double_uploads + 1);
    J(&p->j, p->quirks.double_upload_wei, p->quirks.double_upload_wei + fee);
}
