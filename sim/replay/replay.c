/* Applying a trace to the protocol model and observing the model in the
 * trace's own vocabulary (actor names, decimal wei strings, hex results), so
 * that one generic JSON diff compares outcome, events and state.
 *
 * A hydrogen-trace/1 runs the Hydrogen edition's rules (proto_params.edition
 * from the trace) and is observed as the Hydrogen contracts show themselves
 * (docs/conformance-hydrogen.md): Task.sol's four events only, nodes without
 * scores, the Node and Task counters, and of the balances, nodes and tasks
 * only what changed in the step, so the replay keeps its previous full
 * rendering and compares the difference. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay/replay.h"
#include "replay/rjson.h"

typedef struct rp {
    const trace *t;
    proto *p;
    uint32_t *acc;    /* actor index -> account id */
    char **name;      /* account id -> name */
    cJSON *prev;      /* hydrogen: the last full state rendered */
} rp;

static const char *acc_name(const rp *r, uint32_t a) { return r->name[a]; }

/* The events Hydrogen's Task.sol emits (efff09f: TaskCreated,
 * TaskResultCommitmentsReady, TaskSuccess, TaskAborted; Node.sol emits
 * none).  The model's other events (node settled, slashed, freed, result
 * uploaded) are what the contract shows only as token transfers and
 * status changes, which the state compares. */
static cJSON *hydrogen_event(const rp *r, const proto_event *e)
{
    cJSON *o = cJSON_CreateObject();
    switch (e->kind) {
    case PROTO_EV_TASK_STARTED:
        cJSON_AddStringToObject(o, "name", "TaskCreated");
        cJSON_AddNumberToObject(o, "task_id", (double)e->task_id);
        cJSON_AddStringToObject(o, "task_type", e->task_type == PROTO_GPT ? "gpt" : "sd");
        cJSON_AddStringToObject(o, "creator", acc_name(r, e->creator));
        cJSON_AddStringToObject(o, "node", acc_name(r, e->node));
        cJSON_AddNumberToObject(o, "round", e->round);
        return o;
    case PROTO_EV_COMMITMENTS_READY:
    case PROTO_EV_TASK_SUCCESS:
    case PROTO_EV_TASK_ABORTED:
        cJSON_AddStringToObject(o, "name", proto_event_name(e->kind));
        cJSON_AddNumberToObject(o, "task_id", (double)e->task_id);
        if (e->kind == PROTO_EV_TASK_SUCCESS) {
            cJSON_AddItemToObject(o, "result", rj_hex(e->result, e->result_len));
            cJSON_AddStringToObject(o, "result_node", acc_name(r, e->node));
        } else if (e->kind == PROTO_EV_TASK_ABORTED) {
            cJSON_AddStringToObject(o, "reason", proto_abort_reason_str(e->reason));
        }
        return o;
    default:
        cJSON_Delete(o);
        return NULL;
    }
}

static cJSON *observe_events(const rp *r)
{
    size_t n;
    const proto_event *ev = proto_events(r->p, &n);
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        const proto_event *e = &ev[i];
        if (r->t->hydrogen) {
            cJSON *o = hydrogen_event(r, e);
            if (o)
                cJSON_AddItemToArray(arr, o);
            continue;
        }
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", proto_event_name(e->kind));
        switch (e->kind) {
        case PROTO_EV_TASK_PENDING:
        case PROTO_EV_TASK_STARTED:
            cJSON_AddNumberToObject(o, "task_id", (double)e->task_id);
            cJSON_AddStringToObject(o, "task_type", e->task_type == PROTO_GPT ? "gpt" : "sd");
            cJSON_AddStringToObject(o, "creator", acc_name(r, e->creator));
            if (e->kind == PROTO_EV_TASK_STARTED) {
                cJSON_AddStringToObject(o, "node", acc_name(r, e->node));
                cJSON_AddNumberToObject(o, "round", e->round);
            }
            break;
        case PROTO_EV_TASK_SUCCESS:
            cJSON_AddNumberToObject(o, "task_id", (double)e->task_id);
            cJSON_AddItemToObject(o, "result", rj_hex(e->result, e->result_len));
            cJSON_AddStringToObject(o, "result_node", acc_name(r, e->node));
            break;
        case PROTO_EV_TASK_ABORTED:
            cJSON_AddNumberToObject(o, "task_id", (double)e->task_id);
            cJSON_AddStringToObject(o, "reason", proto_abort_reason_str(e->reason));
            break;
        case PROTO_EV_TASK_NODE_SUCCESS:
            cJSON_AddNumberToObject(o, "task_id", (double)e->task_id);
            cJSON_AddStringToObject(o, "node", acc_name(r, e->node));
            cJSON_AddItemToObject(o, "fee", rj_wei(e->fee));
            break;
        case PROTO_EV_TASK_NODE_SLASHED:
        case PROTO_EV_TASK_NODE_CANCELLED:
            cJSON_AddNumberToObject(o, "task_id", (double)e->task_id);
            cJSON_AddStringToObject(o, "node", acc_name(r, e->node));
            break;
        case PROTO_EV_COMMITMENTS_READY:
        case PROTO_EV_TASK_RESULT_UPLOADED:
            cJSON_AddNumberToObject(o, "task_id", (double)e->task_id);
            break;
        case PROTO_EV_NODE_SLASHED:
        case PROTO_EV_NODE_KICKED_OUT:
            cJSON_AddStringToObject(o, "node", acc_name(r, e->node));
            break;
        default: /* the vss edition's events: replayed by replay/vss_replay.c */
            break;
        }
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

/* The model's state in the trace's terms.  Helium: every field of
 * FORMAT.md.  Hydrogen (docs/conformance-hydrogen.md): no scores, QoS or
 * queue (the contracts had none); Node.totalNodes / availableNodes and
 * Task.totalTasks as "counters" (the model's active_nodes, available_nodes
 * and total_tasks) instead of the NetworkStats counters. */
static cJSON *observe_full(const rp *r)
{
    proto *p = r->p;
    bool hy = r->t->hydrogen;
    cJSON *st = cJSON_CreateObject();
    cJSON *bal = cJSON_AddObjectToObject(st, "balances");
    for (uint32_t i = 0; i < r->t->h.n_actors; i++)
        cJSON_AddItemToObject(bal, r->t->h.actor[i], rj_wei(proto_balance(p, r->acc[i])));
    cJSON_AddItemToObject(bal, "@task", rj_wei(proto_balance(p, PROTO_ACC_TASK)));
    cJSON_AddItemToObject(bal, "@node", rj_wei(proto_balance(p, PROTO_ACC_NODE)));
    cJSON_AddItemToObject(bal, "@owner", rj_wei(proto_balance(p, PROTO_ACC_OWNER)));

    cJSON *nodes = cJSON_AddObjectToObject(st, "nodes");
    for (uint32_t i = 0; i < r->t->h.n_actors; i++) {
        proto_node_view v;
        proto_node_get(p, r->acc[i], &v);
        if (!v.ever_joined)
            continue;
        cJSON *n = cJSON_AddObjectToObject(nodes, r->t->h.actor[i]);
        cJSON_AddStringToObject(n, "status", proto_node_status_str(v.status));
        cJSON_AddStringToObject(n, "gpu_name", v.gpu_name);
        cJSON_AddNumberToObject(n, "gpu_vram", (double)v.gpu_vram);
        cJSON_AddNumberToObject(n, "current_task", (double)v.current_task);
        if (hy)
            continue;
        cJSON_AddNumberToObject(n, "score", (double)v.score);
        cJSON *q = cJSON_AddObjectToObject(n, "qos");
        cJSON_AddNumberToObject(q, "task_count", (double)v.task_count);
        cJSON_AddNumberToObject(q, "task_score", (double)v.task_score);
        cJSON_AddNumberToObject(q, "recent_score", (double)v.recent_score);
        cJSON_AddNumberToObject(q, "recent_count", (double)v.recent_count);
        cJSON_AddNumberToObject(q, "current_score", (double)v.current_score);
    }

    cJSON *ids = NULL;
    if (!hy) {
        cJSON *queue = cJSON_AddObjectToObject(st, "queue");
        cJSON_AddNumberToObject(queue, "size", proto_queue_size(p));
        ids = cJSON_AddArrayToObject(queue, "task_ids");
    }
    cJSON *tasks = cJSON_AddObjectToObject(st, "tasks");
    for (uint64_t id = 1; id < proto_next_task_id(p); id++) {
        proto_task_view tv;
        if (ids && proto_task_is_queued(p, id))
            cJSON_AddItemToArray(ids, cJSON_CreateNumber((double)id));
        if (!proto_task_get(p, id, &tv))
            continue;
        char key[24];
        snprintf(key, sizeof key, "%llu", (unsigned long long)id);
        cJSON *o = cJSON_AddObjectToObject(tasks, key);
        cJSON_AddStringToObject(o, "type", tv.type == PROTO_GPT ? "gpt" : "sd");
        cJSON *sel = cJSON_AddArrayToObject(o, "selected");
        for (int k = 0; k < 3; k++)
            cJSON_AddItemToArray(sel, cJSON_CreateString(acc_name(r, tv.selected[k])));
        cJSON_AddItemToObject(o, "balance", rj_wei(tv.balance));
        cJSON_AddBoolToObject(o, "aborted", tv.aborted);
    }

    proto_stats s;
    proto_stats_get(p, &s);
    if (!hy) {
        rj_add_stats(st, &s);
        return st;
    }
    cJSON *c = cJSON_AddObjectToObject(st, "counters");
    cJSON_AddNumberToObject(c, "total_nodes", (double)s.active_nodes);
    cJSON_AddNumberToObject(c, "available_nodes", (double)s.available_nodes);
    cJSON_AddNumberToObject(c, "total_tasks", (double)s.total_tasks);
    return st;
}

/* A step's state as the trace lists it.  Hydrogen: the balances, nodes and
 * tasks that changed since the previous step (a deleted task as null), the
 * counters in full. */
static cJSON *observe_state(rp *r)
{
    cJSON *full = observe_full(r);
    if (!r->t->hydrogen)
        return full;
    cJSON *st = cJSON_CreateObject();
    static const char *const PART[] = {"balances", "nodes", "tasks"};
    for (int k = 0; k < 3; k++)
        cJSON_AddItemToObject(st, PART[k],
                              rj_changed(cJSON_GetObjectItemCaseSensitive(full, PART[k]),
                                         cJSON_GetObjectItemCaseSensitive(r->prev, PART[k]), k == 2));
    cJSON_AddItemToObject(st, "counters",
                          cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(full, "counters"), true));
    cJSON_Delete(r->prev);
    r->prev = full;
    return st;
}

static bool apply(rp *r, const trace_step *s)
{
    proto *p = r->p;
    uint32_t from = r->acc[s->from];
    uint8_t c[32];
    switch (s->op) {
    case TOP_JOIN: return proto_join(p, s->time, from, s->gpu_name, s->gpu_vram);
    case TOP_QUIT: return proto_quit(p, s->time, from);
    case TOP_PAUSE: return proto_pause(p, s->time, from);
    case TOP_RESUME: return proto_resume(p, s->time, from);
    case TOP_CREATE_TASK:
        if (s->has_forced) {
            uint32_t f[3] = {r->acc[s->forced[0]], r->acc[s->forced[1]], r->acc[s->forced[2]]};
            proto_force_selection(p, f);
        }
        return proto_create_task(p, s->time, from, s->task_type, s->vram_limit, s->task_fee, s->cap,
                                 NULL);
    case TOP_COMMIT:
        proto_commitment(s->result, s->result_len, s->nonce, c);
        return proto_commit(p, s->time, from, s->task_id, s->round, c, s->nonce);
    case TOP_COMMIT_RAW:
        return proto_commit(p, s->time, from, s->task_id, s->round, s->commitment, s->nonce);
    case TOP_DISCLOSE:
        return proto_disclose(p, s->time, from, s->task_id, s->round, s->result, s->result_len);
    case TOP_REPORT_ERROR: return proto_report_error(p, s->time, from, s->task_id, s->round);
    case TOP_REPORT_UPLOADED: return proto_report_uploaded(p, s->time, from, s->task_id, s->round);
    case TOP_CANCEL: return proto_cancel(p, s->time, from, s->task_id);
    }
    return false;
}

/* Compares one step; fills d and returns false at the first difference.
 * The state is rendered at every step, so that a Hydrogen step's "what
 * changed" is measured from the step before even after a mismatch. */
static bool check_step(rp *r, const trace_step *s, size_t i, bool ok, jdiff *d)
{
    char path[64];
    cJSON *st = observe_state(r);
    bool same = rj_outcome(s->ok, s->revert, ok, proto_revert_reason(r->p), i, d);
    if (same && s->op == TOP_CREATE_TASK && proto_forced_error(r->p)) {
        snprintf(d->path, sizeof d->path, "$.steps[%zu].events", i);
        snprintf(d->expected, sizeof d->expected, "an eligible node selection");
        snprintf(d->got, sizeof d->got, "%s", proto_forced_error(r->p));
        same = false;
    }
    if (same) {
        snprintf(path, sizeof path, "$.steps[%zu].events", i);
        cJSON *ev = ok ? observe_events(r) : cJSON_CreateArray();
        same = jdiff_equal(s->events, ev, path, d);
        cJSON_Delete(ev);
    }
    if (same) {
        snprintf(path, sizeof path, "$.steps[%zu].state", i);
        same = jdiff_equal(s->state, st, path, d);
    }
    cJSON_Delete(st);
    return same;
}

void replay_steps(size_t n, bool (*step)(void *ctx, size_t i, jdiff *d), void *ctx, replay_result *res)
{
    memset(res, 0, sizeof *res);
    res->first_step = -1;
    for (size_t i = 0; i < n; i++) {
        jdiff d;
        if (!step(ctx, i, &d)) {
            if (res->first_step < 0) {
                res->first_step = (long)i;
                res->first = d;
            }
            res->mismatched_steps++;
        }
        res->steps++;
    }
}

static bool replay_one(void *ctx, size_t i, jdiff *d)
{
    rp *r = ctx;
    const trace_step *s = &r->t->steps[i];
    bool ok = apply(r, s);
    return check_step(r, s, i, ok, d);
}

void replay_trace(const trace *t, replay_result *res)
{
    rp r = {.t = t};
    r.p = proto_new(&t->params, t->h.n_actors, 1u << 20);
    r.acc = calloc(t->h.n_actors + 1, sizeof *r.acc);
    r.name = calloc(t->h.n_actors + PROTO_ACC_FIRST + 1, sizeof *r.name);
    if (!r.p || !r.acc || !r.name)
        abort();
    r.name[PROTO_ACC_TASK] = "@task";
    r.name[PROTO_ACC_NODE] = "@node";
    r.name[PROTO_ACC_OWNER] = "@owner";
    for (uint32_t i = 0; i < t->h.n_actors; i++) {
        r.acc[i] = proto_add_account(r.p, t->h.initial[i]);
        r.name[r.acc[i]] = (char *)t->h.actor[i];
    }
    proto_set_opening_balance(r.p, PROTO_ACC_OWNER, t->h.owner_initial);

    replay_steps(t->n_steps, replay_one, &r, res);
    proto_free(r.p);
    free(r.acc);
    free(r.name);
    cJSON_Delete(r.prev);
}
