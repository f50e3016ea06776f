/* Protocol model, shared by every edition: construction, accounts, transaction framing (revert via
 * longjmp + journal rollback), events, token transfers and state views. */
#include <stdlib.h>
#include <string.h>

#include "protocol/proto_internal.h"
#include "util/grow.h"
#include "util/stable.h"

static const char *const EVENT_NAMES[] = {
    "TaskPending",        "TaskStarted",      "TaskResultCommitmentsReady",
    "TaskSuccess",        "TaskAborted",      "TaskResultUploaded",
    "TaskNodeSuccess",    "TaskNodeSlashed",  "TaskNodeCancelled",
    "NodeSlashed",        "NodeKickedOut",
    "TaskQueued",         "TaskStarted",      "TaskParametersUploaded",
    "TaskErrorReported",  "TaskScoreReady",   "TaskValidated",
    "TaskEndSuccess",     "TaskEndInvalidated", "TaskEndGroupSuccess",
    "TaskEndGroupRefund", "TaskEndAborted",   "DownloadModel",
};

const char *proto_event_name(proto_event_kind k) { return EVENT_NAMES[k]; }

const char *proto_abort_reason_str(proto_abort_reason r)
{
    static const char *const R[] = {"Task Cancelled", "Task result illegal", "Task error reported",
                                    "Task fee is too low"};
    return R[r];
}

const char *proto_node_status_str(proto_node_status s)
{
    static const char *const S[] = {"quit", "available", "busy", "pending_pause", "pending_quit",
                                    "paused"};
    return S[s];
}

#define ALLOC(ptr, count) ((ptr) = stable_alloc((size_t)(count) * sizeof *(ptr)))
#define FREE(ptr, count) stable_free((ptr), (size_t)(count) * sizeof *(ptr))

proto *proto_new(const proto_params *params, uint32_t max_accounts, uint64_t max_tasks)
{
    if (params->edition >= PROTO_EDITIONS)
        return NULL;
    proto *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->prm = *params;
    p->rules = *proto_edition_get(params->edition)->rules;
    jrn_init(&p->j);
    p->max_acc = max_accounts + PROTO_ACC_FIRST;
    p->max_tasks = max_tasks;
    p->next_task_id = 1;
    p->n_acc = PROTO_ACC_FIRST; /* an edition's init may add accounts of its own */
    /* Concurrently live tasks are bounded by nodes/3 running plus the queue;
     * reserve generously (virtual memory only). */
    p->max_slots = proto_edition_get(params->edition)->keeps_tasks
                       ? (max_tasks < UINT32_MAX - 16 ? (uint32_t)max_tasks + 16 : UINT32_MAX)
                       : p->max_acc + params->queue_size_limit + 16;
    if (!ALLOC(p->acct, p->max_acc) || !ALLOC(p->node, p->max_acc) ||
        !ALLOC(p->gpu, PROTO_MAX_GPUS) ||
        !ALLOC(p->vram, PROTO_MAX_GPUS) || !ALLOC(p->pick_list, PROTO_MAX_GPUS) ||
        !ALLOC(p->slot_of, max_tasks + 1) ||
        !ALLOC(p->task, p->max_slots) || !ALLOC(p->free_slots, p->max_slots) ||
        !oset_init_own(&p->all_nodes, p->max_acc, p->acct[0].pos + PROTO_POS_ALL, PROTO_POS_STRIDE) ||
        !vset_init(&p->vram_set, PROTO_MAX_GPUS) || !vset_init(&p->gpu_set, PROTO_MAX_GPUS) ||
        !p->rules.init(p)) {
        proto_free(p);
        return NULL;
    }
    p->spill_cap = (uint64_t)1 << 32;
    p->spill = stable_alloc(p->spill_cap);
    p->names_cap = 1 << 20;
    p->names = stable_alloc(p->names_cap);
    if (!p->spill || !p->names) {
        proto_free(p);
        return NULL;
    }
    return p;
}

void proto_free(proto *p)
{
    if (!p)
        return;
    for (uint32_t i = 0; i < p->n_gpu; i++) {
        wset_free(&p->gpu[i].nodes);
    }
    for (uint32_t i = 0; i < p->n_vram; i++) {
        vset_free(&p->vram[i].gpus);
        if (p->vram[i].nodes.items)
            oset_free(&p->vram[i].nodes);
    }
    if (p->rules.fini)
        p->rules.fini(p);
    oset_free(&p->all_nodes);
    oset_free(&p->avail_nodes);
    vset_free(&p->vram_set);
    vset_free(&p->gpu_set);
    FREE(p->acct, p->max_acc);
    FREE(p->node, p->max_acc);
    FREE(p->gpu, PROTO_MAX_GPUS);
    FREE(p->vram, PROTO_MAX_GPUS);
    FREE(p->pick_list, PROTO_MAX_GPUS);
    FREE(p->slot_of, p->max_tasks + 1);
    FREE(p->task, p->max_slots);
    FREE(p->free_slots, p->max_slots);
    stable_free(p->spill, p->spill_cap);
    stable_free(p->names, p->names_cap);
    jrn_free(&p->j);
    free(p->ev);
    free(p->evbytes);
    free(p);
}

const proto_params *proto_get_params(const proto *p) { return &p->prm; }
void proto_set_chooser(proto *p, proto_chooser c) { p->chooser = c; }
void proto_set_drawn_hint(proto *p, proto_drawn_hint h) { p->drawn_hint = h; }

uint32_t proto_add_account(proto *p, wei_t balance)
{
    if (p->n_acc >= p->max_acc)
        abort();
    p->acct[p->n_acc].bal = balance;
    return p->n_acc++;
}

uint32_t proto_num_accounts(const proto *p) { return p->n_acc; }

void proto_populate_accounts(proto *p, uint32_t n)
{
    n = n < p->max_acc ? n : p->max_acc;
    stable_populate(p->acct, (size_t)n * sizeof *p->acct);
    stable_populate(p->node, (size_t)n * sizeof *p->node);
    stable_populate(p->all_nodes.items, (size_t)n * sizeof *p->all_nodes.items);
    stable_populate(p->avail_nodes.items, (size_t)n * sizeof *p->avail_nodes.items); /* Hydrogen's; else NULL */
}

void proto_set_opening_balance(proto *p, uint32_t account, wei_t balance)
{
    p->acct[account].bal = balance;
}

/* ---- revert and transaction framing ---- */

/* Never inlined: __builtin_longjmp must not run in the function that
 * called __builtin_setjmp (TX_RUN's), which link-time inlining could
 * otherwise arrange. */
__attribute__((noinline)) _Noreturn void proto_revert(proto *p, const char *reason)
{
    p->revert_reason = reason;
    if (!strncmp(reason, "Panic(", 6))
        p->panics++;
    __builtin_longjmp(p->revert_jmp, 1);
}

wei_t pw_sub(proto *p, wei_t a, wei_t b)
{
    wei_t r;
    if (!wei_sub(a, b, &r))
        proto_revert(p, "Panic(0x11)");
    return r;
}

wei_t pw_add(proto *p, wei_t a, wei_t b)
{
    wei_t r;
    if (!wei_add(a, b, &r))
        proto_revert(p, "Panic(0x11)");
    return r;
}

wei_t pw_mul(proto *p, wei_t a, wei_t b)
{
    wei_t r;
    if (!wei_mul(a, b, &r))
        proto_revert(p, "Panic(0x11)");
    return r;
}

void ptransfer(proto *p, uint32_t from, uint32_t to, wei_t amount)
{
    if (from == to || amount == 0)
        return;
    J(&p->j, p->acct[from].bal, pw_sub(p, p->acct[from].bal, amount));
    J(&p->j, p->acct[to].bal, pw_add(p, p->acct[to].bal, amount));
}

void ptoken_transfer(proto *p, uint32_t from, uint32_t to, wei_t amount)
{
    REQUIRE(p, p->acct[from].bal >= amount, "ERC20: transfer amount exceeds balance");
    ptransfer(p, from, to, amount);
}

void proto_ev_grow(proto *p) { p->ev = grow_doubled(p->ev, &p->cap_ev, sizeof *p->ev, 64); }

void proto_ev_copy_bytes(proto *p, proto_event *d)
{
    /* The pointer becomes an offset, fixed up when the transaction ends
     * (the byte buffer may move). */
    p->evbytes = grow_to(p->evbytes, &p->cap_evbytes, p->n_evbytes + d->result_len, 1, 4096);
    memcpy(p->evbytes + p->n_evbytes, d->result, d->result_len);
    d->result = (const uint8_t *)(uintptr_t)p->n_evbytes;
    p->n_evbytes += d->result_len;
}

static void tx_begin(proto *p)
{
    p->n_ev = 0;
    p->n_evbytes = 0;
    p->revert_reason = NULL;
}

static bool tx_end(proto *p, bool ok)
{
    p->revert_jmp = NULL;
    if (!ok) {
        jrn_rollback(&p->j);
        p->n_ev = 0;
        return false;
    }
    jrn_commit(&p->j);
    for (size_t i = 0; i < p->n_ev; i++)
        if (p->ev[i].result_len)
            p->ev[i].result = p->evbytes + (uintptr_t)p->ev[i].result;
    return true;
}

/* Every public transaction runs its body between TX_RUN's setjmp and tx_end.
 * The body is a function so that no local of the caller is live across the
 * longjmp.  GCC's __builtin_setjmp saves three words where setjmp is a call
 * that saves the registers and the signal mask's flag: about 20
 * instructions less per transaction, eight transactions a task. */
#define TX_RUN(p, body_call)                \
    do {                                    \
        void *jb[5];                        \
        tx_begin(p);                        \
        (p)->now = now;                     \
        if (__builtin_setjmp(jb))           \
            return tx_end((p), false);      \
        (p)->revert_jmp = jb;               \
        body_call;                          \
        return tx_end((p), true);           \
    } while (0)

/* The edition's bodies (protocol/edition.h), bound at proto_new. */
bool proto_join(proto *p, uint64_t now, uint32_t from, const char *gpu_name, uint64_t gpu_vram)
{
    TX_RUN(p, p->rules.join(p, from, gpu_name, gpu_vram));
}
bool proto_quit(proto *p, uint64_t now, uint32_t from)
{
    TX_RUN(p, p->rules.quit(p, from));
}
bool proto_pause(proto *p, uint64_t now, uint32_t from)
{
    TX_RUN(p, p->rules.pause(p, from));
}
bool proto_resume(proto *p, uint64_t now, uint32_t from)
{
    TX_RUN(p, p->rules.resume(p, from));
}
bool proto_create_task(proto *p, uint64_t now, uint32_t from, proto_task_type type,
                       uint64_t vram_limit, wei_t fee, wei_t cap, uint64_t *task_id)
{
    TX_RUN(p, p->rules.create(p, from, type, vram_limit, fee, cap, task_id));
}
bool proto_commit(proto *p, uint64_t now, uint32_t from, uint64_t task_id, uint64_t round,
                  const uint8_t commitment[32], const uint8_t nonce[32])
{
    TX_RUN(p, p->rules.commit(p, from, task_id, round, commitment, NULL, 0, nonce));
}
bool proto_commit_result(proto *p, uint64_t now, uint32_t from, uint64_t task_id, uint64_t round,
                         const uint8_t *result, size_t len, const uint8_t nonce[32])
{
    TX_RUN(p, p->rules.commit(p, from, task_id, round, NULL, result, len, nonce));
}
bool proto_disclose(proto *p, uint64_t now, uint32_t from, uint64_t task_id, uint64_t round,
                    const uint8_t *result, size_t len)
{
    TX_RUN(p, p->rules.disclose(p, from, task_id, round, result, len));
}
bool proto_report_error(proto *p, uint64_t now, uint32_t from, uint64_t task_id, uint64_t round)
{
    TX_RUN(p, p->rules.report_error(p, from, task_id, round));
}
bool proto_report_uploaded(proto *p, uint64_t now, uint32_t from, uint64_t task_id,
                           uint64_t round)
{
    TX_RUN(p, p->rules.report_uploaded(p, from, task_id, round));
}
bool proto_cancel(proto *p, uint64_t now, uint32_t from, uint64_t task_id)
{
    TX_RUN(p, p->rules.cancel(p, from, task_id));
}
static void no_ext(proto *p, uint32_t from, uint32_t op, const void *args)
{
    (void)from, (void)op, (void)args;
    proto_revert(p, "avrami: not a transaction of this edition");
}
bool proto_ext(proto *p, uint64_t now, uint32_t from, uint32_t op, const void *args)
{
    TX_RUN(p, (p->rules.ext ? p->rules.ext : no_ext)(p, from, op, args));
}

const char *proto_revert_reason(const proto *p) { return p->revert_reason ? p->revert_reason : ""; }

const proto_event *proto_events(const proto *p, size_t *n)
{
    *n = p->n_ev;
    return p->ev;
}

void proto_force_selection(proto *p, const uint32_t nodes[3])
{
    memcpy(p->forced, nodes, sizeof p->forced);
    p->forced_on = true;
    p->forced_err = NULL;
}

const char *proto_forced_error(const proto *p) { return p->forced_err; }

/* ---- views ---- */

wei_t proto_balance(const proto *p, uint32_t account) { return p->acct[account].bal; }

void proto_prefetch(const proto *p, uint32_t a, uint64_t task_id)
{
    if (a < p->n_acc) {
        __builtin_prefetch(&p->node[a], 1); /* one line: pnode */
        __builtin_prefetch(&p->acct[a], 1);
    }
    if (task_id && task_id <= p->max_tasks)
        __builtin_prefetch(&p->slot_of[task_id]);
}

const uint8_t *proto_committed_result(const proto *p, uint32_t from, uint64_t task_id, uint64_t round,
                                      size_t *len)
{
    const ptask *t = pt_get(p, task_id);
    if (!t || round >= 3 || t->selected[round] != from || !(t->by_preimage >> round & 1))
        return NULL;
    *len = t->preimage[round].len;
    return pt_bytes(p, &t->preimage[round]);
}

void proto_node_get(const proto *p, uint32_t a, proto_node_view *v)
{
    const pnode *n = &p->node[a];
    v->ever_joined = n->ever_joined;
    v->status = (proto_node_status)n->status;
    v->gpu_name = n->status == PROTO_NODE_QUIT ? "" : p->names + p->gpu[n->gpu].name;
    v->gpu_vram = pn_vram(p, a);
    v->score = n->score;
    v->current_task = n->current_task;
    v->task_count = v->task_score = v->recent_score = v->recent_count = v->current_score = 0;
    if (p->rules.node_view)
        p->rules.node_view(p, a, v);
}

bool proto_task_get(const proto *p, uint64_t id, proto_task_view *out)
{
    if (p->rules.task_view)
        return p->rules.task_view(p, id, out);
    const ptask *t = pt_get(p, id);
    if (!t || t->where != WHERE_RUNNING)
        return false;
    out->id = t->id;
    out->type = (proto_task_type)t->type;
    memcpy(out->selected, t->selected, sizeof out->selected);
    out->balance = t->balance;
    out->aborted = t->aborted;
    return true;
}

uint64_t proto_next_task_id(const proto *p) { return p->next_task_id; }

bool proto_task_is_queued(const proto *p, uint64_t id)
{
    if (p->rules.task_queued)
        return p->rules.task_queued(p, id);
    const ptask *t = pt_get(p, id);
    return t && t->where == WHERE_QUEUED;
}

uint32_t proto_queue_size(const proto *p)
{
    return p->rules.queue_size ? p->rules.queue_size(p) : p->queue_size;
}

void proto_stats_get(const proto *p, proto_stats *out)
{
    if (p->rules.stats)
        p->rules.stats(p, out);
    else
        *out = p->stats;
}

void proto_quirks_get(const proto *p, proto_quirk_counters *out)
{
    *out = p->quirks;
    if (p->rules.quirks)
        p->rules.quirks(p, out);
    out->panics = p->panics;
}

wei_t proto_total_supply(const proto *p)
{
    wei_t s = 0;
    for (uint32_t i = 0; i < p->n_acc; i++)
        wei_accumulate(&s, p->acct[i].bal, "the total supply");
    return s;
}
