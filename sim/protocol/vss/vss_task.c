/* The VSSTask contract (crynux-ai/crynux-contracts @ bd7ee24,
 * contracts/VSSTask.sol, with libs/VSS.sol and libs/Hamming.sol), statement
 * by statement.
 *
 * Quirks kept (each checked against the code at bd7ee24):
 * - updateTaskGroupQOS computes the finishing order (qosOrders) and then
 *   awards qos.addTaskScore(node, i) by the array index i: the node of the
 *   first commitment always gets 10 points, the second 9, the third 6,
 *   whoever finished first.  The fee split of the group, by current task
 *   score, inherits this.
 * - abortTask's state check `status != EndSuccess || status != ...` is always
 *   true; ended tasks are protected only by "Wrong task" (nodeTasks was
 *   deleted).  A queued task (no node, no start time) can be aborted by its
 *   creator at once, and its fee is not refunded (selectedNode is 0): it
 *   stays in the contract (vss_quirk_counters.stranded_*).
 * - A group member aborted after it started cannot be validated any more
 *   ("Wrong task"), so such a group cannot be settled by validateTaskGroup.
 * - An aborted task whose node had submitted (status ScoreReady or
 *   ErrorReported) earns the node another TASK_SCORE_REWARDS[0] (the
 *   "avoid kicking it out" branch), also in a group where all three differ.
 * - createTask with a taskIDCommitment already used overwrites the old task.
 * - A nonce reused before block 100000 is Panic(0x11) (block.number - 100000
 *   underflows), not "Nonce is used". */
#include <string.h>

#include "protocol/vss/vss_internal.h"
#include "util/keccak.h"

enum transition {
    TR_PARAMETERS_UPLOADED,
    TR_SUBMIT_SCORE,
    TR_REPORT_ERROR,
    TR_VALIDATE_SINGLE,
    TR_VALIDATE_GROUP,
    TR_RESULT_UPLOADED,
    TR_ABORT,
};

static bool zero32(const uint8_t *c)
{
    for (int i = 0; i < 32; i++)
        if (c[i])
            return false;
    return true;
}

static void set_status(vss *p, vtask *t, vss_status s) { J(p->j, t->status, (uint8_t)s); }

static void emit(vss *p, vss_event_kind k, uint32_t h, uint32_t node)
{
    vss_event e = {.kind = k, .task = h, .node = node};
    vss_emit(p, &e, NULL, 0);
}

/* checkStateTransitionAllowance; returns the task handle. */
static uint32_t check(vss *p, const uint8_t c[32], enum transition tr)
{
    uint32_t h = vss_task_find(p, c);
    VREQUIRE(p, h != VSS_NOBODY && !zero32(p->hd[h].commitment), "Task not found");
    /* a recycled task ended with a node: its node's nodeTasks names another */
    VREQUIRE(p, p->hd[h].slot, "Wrong task");
    vtask *t = vt_rec(p, h);
    VREQUIRE(p, t->node == 0 || p->node[t->node - 1].task == h + 1, "Wrong task");
    uint32_t from = p->sender, st = t->status;
    switch (tr) {
    case TR_PARAMETERS_UPLOADED:
        VREQUIRE(p, from == p->relay, "Invalid caller");
        VREQUIRE(p, st == VSS_STARTED, "Illegal previous task state");
        break;
    case TR_SUBMIT_SCORE:
    case TR_REPORT_ERROR:
        VREQUIRE(p, t->node && from == t->node - 1, "Invalid caller");
        VREQUIRE(p, st == VSS_PARAMETERS_UPLOADED, "Illegal previous task state");
        break;
    case TR_VALIDATE_SINGLE:
        VREQUIRE(p, from == t->creator, "Invalid caller");
        VREQUIRE(p, st == VSS_SCORE_READY || st == VSS_ERROR_REPORTED,
                 "Illegal previous task state");
        break;
    case TR_VALIDATE_GROUP:
        VREQUIRE(p, from == t->creator, "Invalid caller");
        VREQUIRE(p, st == VSS_SCORE_READY || st == VSS_ERROR_REPORTED || st == VSS_END_ABORTED,
                 "Illegal previous task state");
        break;
    case TR_RESULT_UPLOADED:
        VREQUIRE(p, from == p->relay, "Invalid caller");
        VREQUIRE(p, st == VSS_VALIDATED || st == VSS_GROUP_VALIDATED,
                 "Illegal previous task state");
        break;
    case TR_ABORT:
        VREQUIRE(p, from == t->creator || (t->node && from == t->node - 1), "Invalid caller");
        /* the status condition is a disjunction of != tests: always true */
        if (t->start_time > 0)
            VREQUIRE(p, p->now > t->timeout + t->start_time, "Timeout not reached");
        break;
    }
    return h;
}

/* The node leaves the task (delete nodeTasks[node]) and finishes it: from
 * now on the task can only revert "Wrong task", so its record can be given
 * back (vt_recycle). */
static void release_node(vss *p, uint32_t h, bool slash)
{
    vtask *t = vt_rec(p, h);
    uint32_t n = t->node - 1;
    J(p->j, p->node[n].task, 0);
    /* (a group naming one task twice releases it twice: the list is bounded,
     * and a task left off it only keeps its record) */
    if (p->recycle && !p->hd[h].rewritten && !zero32(p->hd[h].commitment) &&
        p->n_retired < p->max_tasks) {
        J(p->j, p->retired[p->n_retired], h);
        J(p->j, p->n_retired, p->n_retired + 1);
    }
    if (slash)
        vn_slash(p, n);
    else
        vn_finish_task(p, n);
    vstat_dec(p, &p->stats.running_tasks); /* networkStats.taskFinished */
}

static void change_state(vss *p, uint32_t h, vss_status status);

static void start(vss *p, uint32_t h)
{
    vtask *t = vt_rec(p, h);
    uint32_t node = t->node - 1;
    emit(p, VSS_EV_TASK_STARTED, h, node);
    p->starts++; /* not state: which start of the transaction this is (replay) */
    J(p->j, t->start_time, p->now);
    J(p->j, p->node[node].task, h + 1);
    vn_start_task(p, node);
    vstat_inc(p, &p->stats.running_tasks);
    /* model pre-download notices */
    for (uint32_t i = 0; i < t->n_models; i++) {
        uint32_t m = t->models[i];
        bool downloaded = false;
        if (!vn_contains_model(p, node, m)) {
            vss_event e = {.kind = VSS_EV_DOWNLOAD_MODEL, .task = h, .node = node, .model = m,
                           .task_type = t->type};
            vss_emit(p, &e, NULL, 0);
            downloaded = true;
        }
        uint32_t count = p->model_avail[m];
        if (count < 3) {
            uint32_t list[10];
            uint32_t k = vn_select_without_model(p, t, m, 10 - count, node, downloaded, list);
            for (uint32_t j = 0; j < k; j++)
                if (!downloaded || node != list[j]) {
                    vss_event e = {.kind = VSS_EV_DOWNLOAD_MODEL, .task = h, .node = list[j],
                                   .model = m, .task_type = t->type};
                    vss_emit(p, &e, NULL, 0);
                }
        }
    }
}

static void end_aborted(vss *p, uint32_t h, vss_status last)
{
    vtask *t = vt_rec(p, h);
    if (last == VSS_END_ABORTED)
        return;
    vss_event e = {.kind = VSS_EV_TASK_END_ABORTED, .task = h, .issuer = p->sender,
                   .last_status = (uint8_t)last, .reason = t->abort_reason};
    vss_emit(p, &e, NULL, 0);
    if (last == VSS_QUEUED) {
        vqueue_remove(p, h);
        vstat_dec(p, &p->stats.queued_tasks);
    }
    if (t->score_time == 0)
        J(p->j, t->score_time, p->now);
    if (t->node) {
        vtransfer(p, VSS_ACC_TASK, t->creator, t->fee);
        /* "add task score to selected node when it completes task execution
         * to avoid kick it out" */
        if (last != VSS_PARAMETERS_UPLOADED)
            vq_add_task_score(p, t->node - 1, 0);
        release_node(p, h, false);
    } else {
        J(p->j, p->quirks.stranded_tasks, p->quirks.stranded_tasks + 1);
        J(p->j, p->quirks.stranded_wei, vw_add(p, p->quirks.stranded_wei, t->fee));
    }
}

/* VSSTask.changeTaskState */
static void change_state(vss *p, uint32_t h, vss_status status)
{
    vtask *t = vt_rec(p, h);
    vss_status last = (vss_status)t->status;
    set_status(p, t, status);
    switch (status) {
    case VSS_QUEUED:
        emit(p, VSS_EV_TASK_QUEUED, h, VSS_NOBODY);
        vqueue_push(p, h);
        vstat_inc(p, &p->stats.queued_tasks);
        /* `taskQueue.size() > getSizeLimit()` cannot hold here: pushTask
         * reverted "Task queue is full" first (vss_queue.c) */
        break;
    case VSS_STARTED:
        start(p, h);
        break;
    case VSS_PARAMETERS_UPLOADED:
        emit(p, VSS_EV_TASK_PARAMETERS_UPLOADED, h, t->node - 1);
        break;
    case VSS_SCORE_READY: {
        vss_event e = {.kind = VSS_EV_TASK_SCORE_READY, .task = h, .node = t->node - 1};
        vss_emit(p, &e, vbytes_ptr(p, &t->score), t->score.len);
        J(p->j, t->score_time, p->now);
        break;
    }
    case VSS_ERROR_REPORTED: {
        vss_event e = {.kind = VSS_EV_TASK_ERROR_REPORTED, .task = h, .node = t->node - 1,
                       .reason = t->error};
        vss_emit(p, &e, NULL, 0);
        J(p->j, t->score_time, p->now);
        break;
    }
    case VSS_VALIDATED:
    case VSS_GROUP_VALIDATED:
        emit(p, VSS_EV_TASK_VALIDATED, h, VSS_NOBODY);
        break;
    case VSS_END_SUCCESS:
        emit(p, VSS_EV_TASK_END_SUCCESS, h, VSS_NOBODY);
        vtransfer(p, VSS_ACC_TASK, t->node - 1, t->fee);
        release_node(p, h, false);
        break;
    case VSS_END_ABORTED:
        end_aborted(p, h, last);
        break;
    case VSS_END_INVALIDATED:
        emit(p, VSS_EV_TASK_END_INVALIDATED, h, VSS_NOBODY);
        vtransfer(p, VSS_ACC_TASK, t->creator, t->fee);
        release_node(p, h, true);
        break;
    case VSS_END_GROUP_REFUND:
        emit(p, VSS_EV_TASK_END_GROUP_REFUND, h, VSS_NOBODY);
        vtransfer(p, VSS_ACC_TASK, t->creator, t->fee);
        release_node(p, h, false);
        break;
    case VSS_END_GROUP_SUCCESS:
        emit(p, VSS_EV_TASK_END_GROUP_SUCCESS, h, VSS_NOBODY);
        for (uint32_t i = 0; i < t->n_pay; i++)
            vtransfer(p, VSS_ACC_TASK, t->pay_to[i], t->pay[i]);
        release_node(p, h, false);
        break;
    }
}

/* VSSTask.nodeAvailableCallback: a queued task for the node, if any. */
void vt_node_available_callback(vss *p, uint32_t root)
{
    uint32_t h;
    if (!vqueue_pop(p, root, &h))
        return; /* "No available task" is caught */
    vstat_dec(p, &p->stats.queued_tasks); /* networkStats.taskDequeue */
    J(p->j, vt_rec(p, h)->node, root + 1);
    change_state(p, h, VSS_STARTED);
}

/* A fresh record for h: the one given back last, or a new one.  Its
 * TaskQueue bookkeeping is zero (a task leaves the queue before it can end
 * with a node); the caller writes every TaskInfo field. */
void vt_alloc_record(vss *p, uint32_t h)
{
    uint32_t slot;
    if (p->n_free) {
        slot = p->free_slot[p->n_free - 1];
        J(p->j, p->n_free, p->n_free - 1);
    } else {
        slot = p->n_slots;
        J(p->j, p->n_slots, p->n_slots + 1);
    }
    J(p->j, p->hd[h].slot, slot + 1);
}

void vt_recycle(vss *p)
{
    if (jrn_len(p->j))
        return; /* not between transactions */
    for (uint32_t i = 0; i < p->n_retired; i++) {
        uint32_t h = p->retired[i];
        if (!p->hd[h].slot)
            continue;
        const vtask *t = vt_rec(p, h);
        /* still ended and left by its node */
        if (t->status < VSS_END_INVALIDATED || !t->node || p->node[t->node - 1].task == h + 1)
            continue;
        p->hd[h].status = t->status;
        p->free_slot[p->n_free++] = p->hd[h].slot - 1;
        p->hd[h].slot = 0;
        p->recycled++;
    }
    p->n_retired = 0;
}

void vss_prefetch_task(const vss *p, uint32_t h, uint32_t account)
{
    if (account < p->n_acc)
        for (size_t off = 0; off < sizeof(vnode); off += 64)
            __builtin_prefetch((const char *)&p->node[account] + off, 1);
    if (h >= p->n_tasks)
        return;
    const vhandle *d = &p->hd[h];
    __builtin_prefetch(d);
    if (d->slot)
        for (size_t off = 0; off < sizeof(vtask); off += 64)
            __builtin_prefetch((const char *)&p->task[d->slot - 1] + off, 1);
}

void vt_tx_create(vss *p, const vss_task_spec *s, wei_t value)
{
    uint32_t from = p->sender;
    bool fresh = p->fresh_keys; /* vss_set_fresh_keys: both lookups find nothing */
    if (!fresh) {
        vmap_reclaim(p, &p->nonces);
        vmap_reclaim(p, &p->by_commitment);
        /* both lookups below miss the cache for a new key: overlap them */
        vmap_prefetch(&p->nonces, s->nonce);
        vmap_prefetch(&p->by_commitment, s->commitment);
    }
    vt_recycle(p);
    vtransfer(p, from, VSS_ACC_TASK, value); /* msg.value moves before the body runs */
    if (s->type == VSS_LLM || s->type == VSS_SD_FT)
        VREQUIRE(p, s->gpu != 0, "GPU name is empty");
    VREQUIRE(p, value > 0, "Task fee cannot be 0");
    uint32_t nref = fresh ? 0 : vmap_find(p, &p->nonces, s->nonce);
    uint64_t used = nref ? p->nonce_log[nref - 1].block : 0;
    if (used) { /* usedNonces[nonce] != 0 */
        if (p->block < p->prm.nonce_blocks)
            vss_revert(p, "Panic(0x11)");
        VREQUIRE(p, used <= p->block - p->prm.nonce_blocks, "Nonce is used");
    }
    if (nref) {
        J(p->j, p->nonce_log[nref - 1].block, p->block);
    } else if (!fresh) { /* past the log's end: no state until n_nonces moves */
        VREQUIRE(p, p->n_nonces < p->max_tasks, "avrami: too many nonces");
        vnonce *e = &p->nonce_log[p->n_nonces];
        memcpy(e->key, s->nonce, 32);
        e->block = p->block;
        J(p->j, p->n_nonces, p->n_nonces + 1);
        vmap_insert(p, &p->nonces, s->nonce, p->n_nonces);
    }
    VREQUIRE(p, s->n_models <= VSS_MAX_MODELS, "avrami: too many model ids");

    uint32_t h = fresh ? VSS_NOBODY : vss_task_find(p, s->commitment);
    if (h == VSS_NOBODY) {
        VREQUIRE(p, p->n_tasks < p->max_tasks, "avrami: too many tasks");
        h = p->n_tasks;
        J(p->j, p->n_tasks, p->n_tasks + 1);
        jrn_save(p->j, p->hd[h].commitment, 32);
        memcpy(p->hd[h].commitment, s->commitment, 32);
        if (!fresh)
            vmap_insert(p, &p->by_commitment, s->commitment, h + 1);
        J(p->j, p->hd[h].slot, 0);
        J(p->j, p->hd[h].rewritten, 0);
    } else {
        J(p->j, p->hd[h].rewritten, 1);
    }
    if (!p->hd[h].slot)
        vt_alloc_record(p, h);
    /* tasks[taskIDCommitment] = taskInfo: every TaskInfo field is rewritten
     * (the queue's bookkeeping after `bucket` belongs to TaskQueue) */
    vtask *t = vt_rec(p, h);
    jrn_save(p->j, t, offsetof(vtask, bucket));
    memset(t, 0, offsetof(vtask, bucket));
    t->type = (uint8_t)s->type;
    t->creator = from;
    memcpy(t->nonce, s->nonce, 32);
    t->timeout = p->prm.timeout_s;
    t->fee = value;
    t->n_models = (uint8_t)s->n_models;
    memcpy(t->models, s->models, s->n_models * sizeof *s->models);
    t->min_vram = s->min_vram;
    t->gpu = s->gpu;
    t->gpu_vram = s->gpu_vram;
    memcpy(t->version, s->version, sizeof t->version);
    t->size = s->size;
    t->create_time = p->now;
    t->sequence = p->next_sequence;
    J(p->j, p->next_sequence, p->next_sequence + 1);
    vstat_inc(p, &p->stats.total_tasks);

    p->find_hint = h; /* its host looks it up next (vss_edition.c) */
    uint32_t node = vn_select_available(p, t);
    if (node == VSS_NOBODY) {
        change_state(p, h, VSS_QUEUED);
    } else {
        J(p->j, t->node, node + 1);
        change_state(p, h, VSS_STARTED);
    }
}

void vt_tx_parameters_uploaded(vss *p, const uint8_t c[32])
{
    change_state(p, check(p, c, TR_PARAMETERS_UPLOADED), VSS_PARAMETERS_UPLOADED);
}

void vt_tx_submit_score(vss *p, const uint8_t c[32], const uint8_t *score, size_t len)
{
    uint32_t h = check(p, c, TR_SUBMIT_SCORE);
    VREQUIRE(p, len > 0, "Invalid task score");
    VREQUIRE(p, p->bytes_len + len <= p->bytes_cap, "avrami: score space exhausted");
    vtask *t = vt_rec(p, h);
    memcpy(p->bytes + p->bytes_len, score, len); /* past the end: no state until bytes_len moves */
    J(p->j, t->score.off, p->bytes_len);
    J(p->j, t->score.len, (uint32_t)len);
    J(p->j, p->bytes_len, p->bytes_len + len);
    change_state(p, h, VSS_SCORE_READY);
}

void vt_tx_report_error(vss *p, const uint8_t c[32], vss_task_error error)
{
    uint32_t h = check(p, c, TR_REPORT_ERROR);
    J(p->j, vt_rec(p, h)->error, (uint8_t)error);
    change_state(p, h, VSS_ERROR_REPORTED);
}

/* libs/VSS.sol validateSamplingNumber, on the caller's findings. */
static void validate_sampling(vss *p, const vss_proof *f, uint32_t creator, bool selected)
{
    VREQUIRE(p, f->key_len == 64, "Invalid public key length");
    VREQUIRE(p, f->key_owner == creator, "Not task creator");
    VREQUIRE(p, f->proof_len == 81, "Malformed VRF proof"); /* libs/VRF.sol decodeProof */
    VREQUIRE(p, f->valid, "Invalid VRF proof");
    if (selected)
        VREQUIRE(p, f->number_mod10 == 0, "Task is not selected for validation");
    else
        VREQUIRE(p, f->number_mod10 != 0, "Task is selected for validation");
}

void vt_tx_validate_single(vss *p, const uint8_t c[32], const vss_proof *proof)
{
    uint32_t h = check(p, c, TR_VALIDATE_SINGLE);
    vtask *t = vt_rec(p, h);
    validate_sampling(p, proof, t->creator, false);
    vq_add_task_score(p, t->node - 1, 0);
    if (t->status == VSS_ERROR_REPORTED) {
        J(p->j, t->abort_reason, VSS_ABORT_INCORRECT_RESULT);
        change_state(p, h, VSS_END_ABORTED);
    } else if (t->status == VSS_SCORE_READY) {
        change_state(p, h, VSS_VALIDATED);
    }
}

void vt_tx_result_uploaded(vss *p, const uint8_t c[32])
{
    uint32_t h = check(p, c, TR_RESULT_UPLOADED);
    change_state(p, h, vt_rec(p, h)->status == VSS_VALIDATED ? VSS_END_SUCCESS
                                                          : VSS_END_GROUP_SUCCESS);
}

void vt_tx_abort(vss *p, const uint8_t c[32], vss_abort_reason reason)
{
    uint32_t h = check(p, c, TR_ABORT);
    J(p->j, vt_rec(p, h)->abort_reason, (uint8_t)reason);
    change_state(p, h, VSS_END_ABORTED);
}

/* ---- validateTaskGroup (vss_group.c) ---- */
void vt_validate_group_body(vss *p, const uint32_t hs[3]);

void vt_tx_validate_group(vss *p, const uint8_t *const ids[3], const uint8_t guid[32],
                          const vss_proof *proof)
{
    uint32_t hs[3];
    for (int i = 0; i < 3; i++)
        hs[i] = check(p, ids[i], TR_VALIDATE_GROUP);
    const vtask *t[3] = {vt_rec(p, hs[0]), vt_rec(p, hs[1]), vt_rec(p, hs[2])};
    VREQUIRE(p, t[0]->sequence < t[1]->sequence, "Invalid task sequence");
    VREQUIRE(p, t[0]->sequence < t[2]->sequence, "Invalid task sequence");
    validate_sampling(p, proof, t[0]->creator, true);
    for (int i = 0; i < 3; i++) {
        uint8_t gen[32];
        p->commit(guid, t[i]->nonce, gen);
        VREQUIRE(p, !memcmp(gen, ids[i], 32), "Incorrect Task GUID");
    }
    vt_validate_group_body(p, hs);
}

/* exposed for vss_group.c */
void vt_change_state(vss *p, uint32_t h, vss_status status);
void vt_change_state(vss *p, uint32_t h, vss_status status) { change_state(p, h, status); }
