/* Hydrogen's Task contract: crynux-ai/crynux-contracts efff09f,
 * contracts/Task.sol, statement by statement, faults included.
 *
 * What differs from Helium (helium/helium_task.c, d49ab0c):
 *   - the fee is the contract's: taskFeePerNode (10 CNX) per node, 30 CNX a
 *     task, whatever the application offers (createTask takes no fee);
 *   - no queue: createTask selects at once and reverts with Node.sol's
 *     reason when it cannot ("No kind of gpu id meets condition" for gpt,
 *     "No kind of gpu vram meets condition" for sd with a VRAM limit, "No
 *     available nodes" for sd without one);
 *   - every settled node gets taskFeePerNode, no QoS points, no kick-out;
 *   - tryDeleteTask keeps a task while any of its nodes is in *some* task
 *     (nodeTasks[node] != 0), so a task whose nodes moved on is never
 *     deleted, and its escrow, if any, stays with it;
 *   - no TaskNodeSuccess/Slashed/Cancelled, TaskResultUploaded or
 *     NodeSlashed events: the contract records those as ERC20 Transfer
 *     events and node status changes.  The model emits its usual events
 *     for them (the simulator books incomes and releases from them), and
 *     TaskCreated as TaskStarted, one per round.
 * Where a fault double-pays, frees a node of another task or strands
 * escrow, p->quirks counts it as for Helium.  Payments out of Task are
 * CrynuxToken transfers (ptoken_transfer): a double payment that finds
 * Task's token balance short reverts with the ERC20 reason, before the
 * task's own balance would underflow (settleNodeByRound transfers first). */
#include <string.h>

#include "protocol/hydrogen/hydrogen.h"

static wei_t fee_per_node(const proto *p) { return p->prm.task_fee_per_node; }

static ptask *existing(proto *p, uint64_t id)
{
    ptask *t = pt_get(p, id);
    REQUIRE(p, t != NULL, "Task not exist");
    return t;
}

/* ---- createTask ---- */

void hy_tx_create(proto *p, uint32_t from, proto_task_type type, uint64_t vram_limit, wei_t fee,
                  wei_t cap, uint64_t *task_id)
{
    (void)fee, (void)cap; /* createTask(taskType, taskHash, dataHash, vramLimit) */
    wei_t task_fee = pw_mul(p, fee_per_node(p), 3);
    REQUIRE(p, p->acct[from].bal >= task_fee, "Not enough tokens for task");
    uint64_t id = p->next_task_id;
    J(&p->j, p->next_task_id, id + 1);
    ptask *t = &p->task[pt_alloc_slot(p, id)];
    t->where = WHERE_RUNNING;
    t->type = (uint8_t)type;
    t->creator = from;
    t->vram_limit = vram_limit;
    t->timeout = p->now + p->prm.task_timeout_s;
    t->balance = t->total = task_fee;
    ptransfer(p, from, PROTO_ACC_TASK, task_fee);
    uint32_t nodes[3];
    bool forced = p->forced_on;
    p->forced_on = false;
    if (forced && !(p->forced_err = pg_forced_problem(p, type, vram_limit))) {
        memcpy(nodes, p->forced, sizeof nodes);
        for (int i = 0; i < 3; i++)
            hy_start_task(p, nodes[i]);
    } else {
        hy_select_nodes(p, type, vram_limit, nodes);
    }
    for (int i = 0; i < 3; i++) {
        J(&p->j, t->selected[i], nodes[i]);
        J(&p->j, p->node[nodes[i]].current_task, id);
        PROTO_EMIT(p, .kind = PROTO_EV_TASK_STARTED, .task_id = id,
                      .task_type = (uint8_t)type, .creator = from,
                      .node = nodes[i], .round = (uint8_t)i);
    }
    pt_stat_add(p, &p->stats.total_tasks, 1);
    pt_stat_add(p, &p->stats.running_tasks, 1);
    if (task_id)
        *task_id = id;
}

/* ---- settlement ---- */

static void settle(proto *p, ptask *t, int round) /* settleNodeByRound */
{
    uint32_t node = t->selected[round];
    ptoken_transfer(p, PROTO_ACC_TASK, node, fee_per_node(p));
    J(&p->j, t->balance, pw_sub(p, t->balance, fee_per_node(p)));
    J(&p->j, p->node[node].current_task, 0);
    hy_finish_task(p, node);
    PROTO_EMIT(p, .kind = PROTO_EV_TASK_NODE_SUCCESS, .task_id = t->id,
                  .node = node, .fee = fee_per_node(p));
}

static void punish(proto *p, ptask *t, int round) /* punishNodeByRound */
{
    uint32_t node = t->selected[round];
    ptoken_transfer(p, PROTO_ACC_TASK, t->creator, fee_per_node(p));
    J(&p->j, t->balance, pw_sub(p, t->balance, fee_per_node(p)));
    J(&p->j, p->node[node].current_task, 0);
    hy_slash(p, node);
    PROTO_EMIT(p, .kind = PROTO_EV_TASK_NODE_SLASHED, .task_id = t->id, .node = node);
}

static void delete_task(proto *p, ptask *t)
{
    if (t->balance) {
        J(&p->j, p->quirks.stranded_tasks, p->quirks.stranded_tasks + 1);
        J(&p->j, p->quirks.stranded_wei, p->quirks.stranded_wei + t->balance);
    }
    pt_stat_add(p, &p->stats.running_tasks, -1);
    pt_free_slot(p, pt_slot_index(p, t));
}

/* tryDeleteTask (its existence check is the caller's): kept while any
 * selected node is in some task, this one or another. */
static void try_delete(proto *p, ptask *t)
{
    for (int i = 0; i < 3; i++)
        if (p->node[t->selected[i]].current_task != 0)
            return;
    delete_task(p, t);
}

static void abort_illegal(proto *p, ptask *t) /* abortTask */
{
    wei_t all = pw_mul(p, fee_per_node(p), 3);
    ptoken_transfer(p, PROTO_ACC_TASK, t->creator, all);
    J(&p->j, t->balance, pw_sub(p, t->balance, all));
    for (int i = 0; i < 3; i++) {
        uint32_t node = t->selected[t->disclosed_rounds[i]];
        J(&p->j, p->node[node].current_task, 0);
        hy_finish_task(p, node);
        PROTO_EMIT(p, .kind = PROTO_EV_TASK_NODE_CANCELLED, .task_id = t->id,
                      .node = node);
    }
    PROTO_EMIT(p, .kind = PROTO_EV_TASK_ABORTED, .task_id = t->id,
                  .reason = PROTO_ABORT_RESULT_ILLEGAL);
    J(&p->j, t->aborted, 1);
}

#include "protocol/task_result.inc"

static void push_disclosed(proto *p, ptask *t, uint64_t round)
{
    J(&p->j, t->disclosed_rounds[t->n_disclosed], (uint8_t)round);
    J(&p->j, t->n_disclosed, t->n_disclosed + 1);
}

/* ---- transactions ---- */

void hy_tx_commit(proto *p, uint32_t from, uint64_t id, uint64_t round, const uint8_t c[32],
                  const uint8_t *pre, size_t len, const uint8_t nonce[32])
{
    ptask *t = existing(p, id);
    pt_check_commit(p, t, from, round, nonce);
    pt_store_commitment(p, t, round, c, pre, len, nonce);
    if (pt_commitments_ready(t))
        PROTO_EMIT(p, .kind = PROTO_EV_COMMITMENTS_READY, .task_id = id);
}

void hy_tx_disclose(proto *p, uint32_t from, uint64_t id, uint64_t round, const uint8_t *result,
                    size_t len)
{
    REQUIRE(p, len > 0, "Invalid result");
    ptask *t = existing(p, id);
    pt_check_disclose(p, t, from, round, result, len);
    pt_store_bytes(p, &t->result[round], result, len);
    push_disclosed(p, t, round);
    check_result(p, t);
}

/* No "Task is aborted" check here, unlike commit and disclose. */
void hy_tx_report_error(proto *p, uint32_t from, uint64_t id, uint64_t round)
{
    ptask *t = existing(p, id);
    pt_require_selected(p, t, from, round);
    REQUIRE(p, !pt_committed(t, (int)round), "Already submitted");
    pt_mark_error(p, t, round);
    push_disclosed(p, t, round);
    if (pt_commitments_ready(t))
        PROTO_EMIT(p, .kind = PROTO_EV_COMMITMENTS_READY, .task_id = id);
    check_result(p, t);
}

/* A second report pays the node again out of the task's balance (Panic
 * when it is spent) and frees it from whatever task it is in now. */
void hy_tx_report_uploaded(proto *p, uint32_t from, uint64_t id, uint64_t round)
{
    ptask *t = existing(p, id);
    bool again = pt_check_upload(p, t, from, round);
    uint64_t other = p->node[from].current_task;
    if (other != 0 && other != id)
        J(&p->j, p->quirks.foreign_frees, p->quirks.foreign_frees + 1);
    settle(p, t, (int)round);
    if (again)
        pt_count_double_upload(p, fee_per_node(p));
    try_delete(p, t);
    PROTO_EMIT(p, .kind = PROTO_EV_TASK_RESULT_UPLOADED, .task_id = id);
}

/* Frees every selected node that is in *some* task (a node of this task
 * that moved on is freed from its new one), and deletes the task even when
 * a node of it is still in another. */
void hy_tx_cancel(proto *p, uint32_t from, uint64_t id)
{
    ptask *t = existing(p, id);
    bool ok = from == t->creator;
    for (int i = 0; i < 3 && !ok; i++)
        ok = t->selected[i] == from;
    REQUIRE(p, ok, "Unauthorized to cancel task");
    REQUIRE(p, p->now > t->timeout, "Task has not exceeded the deadline yet");
    if (t->balance) {
        wei_t token = t->balance;
        ptoken_transfer(p, PROTO_ACC_TASK, t->creator, token);
        J(&p->j, t->balance, 0);
    }
    if (!t->aborted)
        PROTO_EMIT(p, .kind = PROTO_EV_TASK_ABORTED, .task_id = id,
                      .reason = PROTO_ABORT_CANCELLED);
    for (int i = 0; i < 3; i++) {
        uint32_t node = t->selected[i];
        uint64_t cur = p->node[node].current_task;
        if (cur == 0)
            continue;
        if (cur != id)
            J(&p->j, p->quirks.foreign_frees, p->quirks.foreign_frees + 1);
        J(&p->j, p->node[node].current_task, 0);
        hy_finish_task(p, node);
        PROTO_EMIT(p, .kind = PROTO_EV_TASK_NODE_CANCELLED, .task_id = id, .node = node);
    }
    delete_task(p, t);
}
