/* The Task contract: creating tasks (start at once or queue), commitments,
 * disclosures and error reports, result comparison, fee settlement and
 * slashing, upload reports, cancellation, and starting a queued task when a
 * node becomes available.
 *
 * This follows the deployed contract statement by statement, including its
 * known faults (../shared/conformance/QUIRKS.md); where a fault strands or
 * double-pays tokens, a counter in p->quirks records it. */
#include <string.h>

#include "protocol/helium/helium.h"
#include "util/keccak.h"

/* ---- settlement ---- */

/* fee = total × current points / (2 × reward sum); the last one takes the
 * remainder when fewer than 3 wei would be left.  `balance - fee` underflows
 * (Panic) when fee > balance, as on-chain. */
static wei_t node_fee(proto *p, ptask *t, uint32_t node)
{
    wei_t fee = pw_mul(p, t->total, p->node[node].pool[0]) / pq_score_limit(p);
    if (pw_sub(p, t->balance, fee) < 3)
        fee = t->balance;
    J(&p->j, t->balance, t->balance - fee);
    return fee;
}

static wei_t settle(proto *p, ptask *t, int round)
{
    uint32_t node = t->selected[round];
    wei_t fee = node_fee(p, t, node);
    ptransfer(p, PROTO_ACC_TASK, node, fee);
    J(&p->j, p->node[node].current_task, 0);
    pn_finish_task(p, node);
    PROTO_EMIT(p, .kind = PROTO_EV_TASK_NODE_SUCCESS, .task_id = t->id,
                  .node = node, .fee = fee);
    return fee;
}

static void punish(proto *p, ptask *t, int round)
{
    uint32_t node = t->selected[round];
    wei_t fee = node_fee(p, t, node);
    ptransfer(p, PROTO_ACC_TASK, t->creator, fee);
    pq_punish(p, node);
    J(&p->j, p->node[node].current_task, 0);
    pn_slash(p, node);
    PROTO_EMIT(p, .kind = PROTO_EV_TASK_NODE_SLASHED, .task_id = t->id, .node = node);
}

static void try_delete(proto *p, ptask *t)
{
    for (int i = 0; i < 3; i++)
        if (p->node[t->selected[i]].current_task == t->id)
            return;
    if (t->balance) {
        J(&p->j, p->quirks.stranded_tasks, p->quirks.stranded_tasks + 1);
        J(&p->j, p->quirks.stranded_wei, p->quirks.stranded_wei + t->balance);
    }
    pt_stat_add(p, &p->stats.running_tasks, -1);
    pt_free_slot(p, pt_slot_index(p, t));
}

static void abort_illegal(proto *p, ptask *t)
{
    wei_t token = t->balance;
    J(&p->j, t->balance, 0);
    ptransfer(p, PROTO_ACC_TASK, t->creator, token);
    for (int i = 0; i < 3; i++) {
        uint32_t node = t->selected[t->disclosed_rounds[i]];
        J(&p->j, p->node[node].current_task, 0);
        pn_finish_task(p, node);
        PROTO_EMIT(p, .kind = PROTO_EV_TASK_NODE_CANCELLED, .task_id = t->id,
                      .node = node);
    }
    PROTO_EMIT(p, .kind = PROTO_EV_TASK_ABORTED, .task_id = t->id,
                  .reason = PROTO_ABORT_RESULT_ILLEGAL);
    J(&p->j, t->aborted, 1);
}

#include "protocol/task_result.inc"

/* ---- transactions ---- */

static ptask *running(proto *p, uint64_t id)
{
    ptask *t = pt_get(p, id);
    REQUIRE(p, t && t->where == WHERE_RUNNING, "Task not exist");
    return t;
}

static void start_running(proto *p, ptask *t, const uint32_t nodes[3], bool start_nodes)
{
    J(&p->j, t->where, WHERE_RUNNING);
    J(&p->j, t->timeout, p->now + p->prm.task_timeout_s);
    for (int i = 0; i < 3; i++) {
        J(&p->j, t->selected[i], nodes[i]);
        J(&p->j, p->node[nodes[i]].current_task, t->id);
        if (start_nodes)
            pn_start_task(p, nodes[i]);
        PROTO_EMIT(p, .kind = PROTO_EV_TASK_STARTED, .task_id = t->id,
                      .task_type = t->type, .creator = t->creator,
                      .node = nodes[i], .round = (uint8_t)i);
    }
    pt_stat_add(p, &p->stats.queued_tasks, -1);
    pt_stat_add(p, &p->stats.running_tasks, 1);
}

static void emit_pending(proto *p, uint64_t id, proto_task_type type, uint32_t from)
{
    PROTO_EMIT(p, .kind = PROTO_EV_TASK_PENDING, .task_id = id, .task_type = (uint8_t)type, .creator = from);
}

void pt_tx_create(proto *p, uint32_t from, proto_task_type type, uint64_t vram_limit,
                  wei_t fee, wei_t cap, uint64_t *task_id)
{
    REQUIRE(p, p->acct[from].bal >= fee, "Not enough tokens for task");
    uint64_t id = p->next_task_id;
    J(&p->j, p->next_task_id, id + 1);
    ptransfer(p, from, PROTO_ACC_TASK, fee);
    if (task_id)
        *task_id = id;

    uint32_t nodes[3];
    if (pn_select_random(p, type, vram_limit, nodes)) {
        emit_pending(p, id, type, from);
        pt_stat_add(p, &p->stats.total_tasks, 1);
        pt_stat_add(p, &p->stats.queued_tasks, 1);
        ptask *t = &p->task[pt_alloc_slot(p, id)];
        t->type = (uint8_t)type;
        t->creator = from;
        t->vram_limit = vram_limit;
        t->balance = t->total = fee;
        start_running(p, t, nodes, false);
        return;
    }
    if (p->queue_size >= p->prm.queue_size_limit && p->queue_size > 0) {
        uint32_t cheap = pqueue_remove_cheapest(p);
        ptask *c = &p->task[cheap];
        pt_stat_add(p, &p->stats.queued_tasks, -1);
        J(&p->j, p->quirks.fee_too_low_tasks, p->quirks.fee_too_low_tasks + 1);
        J(&p->j, p->quirks.fee_too_low_wei, p->quirks.fee_too_low_wei + c->fee);
        PROTO_EMIT(p, .kind = PROTO_EV_TASK_ABORTED, .task_id = c->id,
                      .reason = PROTO_ABORT_FEE_TOO_LOW);
        pt_free_slot(p, cheap);
    }
    emit_pending(p, id, type, from);
    pt_stat_add(p, &p->stats.total_tasks, 1);
    pt_stat_add(p, &p->stats.queued_tasks, 1);
    REQUIRE(p, cap != 0, "Panic(0x12)");
    uint32_t slot = pt_alloc_slot(p, id);
    ptask *t = &p->task[slot];
    t->where = WHERE_QUEUED;
    t->type = (uint8_t)type;
    t->creator = from;
    t->vram_limit = vram_limit;
    t->fee = fee;
    t->price = fee / cap;
    pqueue_push(p, slot);
}

void pt_node_available_callback(proto *p, uint32_t root)
{
    uint32_t nodes[3], slot;
    if (p->queue_size == 0 || !pn_select_with_root(p, root, nodes))
        return;
    bool same_gpu = true;
    uint64_t min_vram = pg_node_vram(p, nodes[0]);
    for (int i = 1; i < 3; i++) {
        uint64_t vram = pg_node_vram(p, nodes[i]);
        if (vram < min_vram)
            min_vram = vram;
        if (p->node[nodes[i]].gpu != p->node[nodes[0]].gpu)
            same_gpu = false;
    }
    if (!pqueue_pop(p, same_gpu, min_vram, &slot))
        return;
    ptask *t = &p->task[slot];
    J(&p->j, t->balance, t->fee);
    J(&p->j, t->total, t->fee);
    start_running(p, t, nodes, true);
}

static void push_submit(proto *p, ptask *t, uint64_t round)
{
    REQUIRE(p, t->n_submit < PROTO_MAX_SUBMITS, "avrami: too many commitments for one task");
    J(&p->j, t->submit_rounds[t->n_submit], (uint8_t)round);
    J(&p->j, t->n_submit, t->n_submit + 1);
}

/* submitTaskResultCommitment: `c` is the commitment, or NULL when the caller
 * gave the preimage (pre, len) instead. */
void pt_tx_commit(proto *p, uint32_t from, uint64_t id, uint64_t round, const uint8_t c[32],
                  const uint8_t *pre, size_t len, const uint8_t nonce[32])
{
    ptask *t = running(p, id);
    pt_check_commit(p, t, from, round, nonce);
    pt_store_commitment(p, t, round, c, pre, len, nonce);
    push_submit(p, t, round);
    if (pt_commitments_ready(t))
        PROTO_EMIT(p, .kind = PROTO_EV_COMMITMENTS_READY, .task_id = id);
}

void pt_tx_disclose(proto *p, uint32_t from, uint64_t id, uint64_t round, const uint8_t *result,
                    size_t len)
{
    REQUIRE(p, len > 0, "Invalid result");
    ptask *t = running(p, id);
    pt_check_disclose(p, t, from, round, result, len);
    /* commit-order points: the first of the first three submissions that
     * names this round, 0 if none does (a recommitted zero slot skews it) */
    uint64_t submit_index = 0;
    for (uint64_t i = 0; i < 3; i++)
        if (t->submit_rounds[i] == round) {
            submit_index = i;
            break;
        }
    pq_add_task_score(p, from, submit_index);
    pt_store_bytes(p, &t->result[round], result, len);
    pq_add_task_score(p, from, t->n_disclosed);
    J(&p->j, t->disclosed_rounds[t->n_disclosed], (uint8_t)round);
    J(&p->j, t->n_disclosed, t->n_disclosed + 1);
    check_result(p, t);
}

void pt_tx_report_error(proto *p, uint32_t from, uint64_t id, uint64_t round)
{
    ptask *t = running(p, id);
    pt_require_selected(p, t, from, round);
    REQUIRE(p, !pt_committed(t, round), "Already submitted");
    pq_add_task_score(p, from, t->n_submit);
    pt_mark_error(p, t, round);
    push_submit(p, t, round);
    pq_add_task_score(p, from, t->n_disclosed);
    REQUIRE(p, t->n_disclosed < 3, "Panic(0x32)");
    J(&p->j, t->disclosed_rounds[t->n_disclosed], (uint8_t)round);
    J(&p->j, t->n_disclosed, t->n_disclosed + 1);
    if (pt_commitments_ready(t))
        PROTO_EMIT(p, .kind = PROTO_EV_COMMITMENTS_READY, .task_id = id);
    check_result(p, t);
}

void pt_tx_report_uploaded(proto *p, uint32_t from, uint64_t id, uint64_t round)
{
    ptask *t = running(p, id);
    bool again = pt_check_upload(p, t, from, round);
    wei_t fee = settle(p, t, (int)round);
    if (again)
        pt_count_double_upload(p, fee);
    try_delete(p, t);
    PROTO_EMIT(p, .kind = PROTO_EV_TASK_RESULT_UPLOADED, .task_id = id);
}

static void cancel_running(proto *p, ptask *t, uint32_t from)
{
    bool ok = from == t->creator;
    for (int i = 0; i < 3 && !ok; i++)
        ok = t->selected[i] == from;
    REQUIRE(p, ok, "Unauthorized to cancel task");
    REQUIRE(p, p->now > t->timeout, "Task has not exceeded the deadline yet");
    if (t->balance) {
        wei_t token = t->balance;
        J(&p->j, t->balance, 0);
        ptransfer(p, PROTO_ACC_TASK, t->creator, token);
    }
    /* compensate nodes held up by others */
    if (t->n_submit == 0) {
        for (uint64_t i = 0; i < 3; i++) {
            pq_add_task_score(p, t->selected[i], i);
            pq_add_task_score(p, t->selected[i], i);
        }
    } else if (t->n_submit < 3) {
        for (uint64_t i = 0; i < t->n_submit; i++) {
            uint32_t node = t->selected[t->submit_rounds[i]];
            pq_add_task_score(p, node, i);
            pq_add_task_score(p, node, i);
        }
    }
    if (!t->aborted)
        PROTO_EMIT(p, .kind = PROTO_EV_TASK_ABORTED, .task_id = t->id,
                      .reason = PROTO_ABORT_CANCELLED);
    /* deployed fault: frees any selected node that is in *some* task */
    for (int i = 0; i < 3; i++) {
        uint32_t node = t->selected[i];
        uint64_t cur = p->node[node].current_task;
        if (cur == 0)
            continue;
        if (cur != t->id)
            J(&p->j, p->quirks.foreign_frees, p->quirks.foreign_frees + 1);
        J(&p->j, p->node[node].current_task, 0);
        pn_finish_task(p, node);
        PROTO_EMIT(p, .kind = PROTO_EV_TASK_NODE_CANCELLED, .task_id = t->id,
                      .node = node);
    }
    pt_stat_add(p, &p->stats.running_tasks, -1);
    pt_free_slot(p, pt_slot_index(p, t));
}

void pt_tx_cancel(proto *p, uint32_t from, uint64_t id)
{
    ptask *t = pt_get(p, id);
    if (t && t->where == WHERE_RUNNING) {
        cancel_running(p, t, from);
    } else if (t && t->where == WHERE_QUEUED) {
        uint32_t slot = pt_slot_index(p, t);
        pqueue_remove(p, slot);
        ptransfer(p, PROTO_ACC_TASK, t->creator, t->fee);
        pt_stat_add(p, &p->stats.queued_tasks, -1);
        PROTO_EMIT(p, .kind = PROTO_EV_TASK_ABORTED, .task_id = id,
                      .reason = PROTO_ABORT_CANCELLED);
        pt_free_slot(p, slot);
    } else {
        proto_revert(p, "Task not exist");
    }
}
