/* Applying a trace to the protocol model and observing the model in the
 * trace's own vocabulary (actor names, decimal wei strings, hex results), so
 * that one generic JSON diff compares outcome, events and state. */
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
} rp;

static const char *acc_name(const rp *r, uint32_t a) { return r->name[a]; }

static cJSON *observe_events(const rp *r)
{
    size_t n;
    const proto_event *ev = proto_events(r->p, &n);
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        const proto_event *e = &ev[i];
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

static cJSON *observe_state(const rp *r)
{
    proto *p = r->p;
    cJSON *st = cJSON_CreateObject();
    cJSON *bal = cJSON_AddObjectToObject(st, "balances");
    for (uint32_t i = 0; i < r->t->n_actors; i++)
        cJSON_AddItemToObject(bal, r->t->actor[i], rj_wei(proto_balance(p, r->acc[i])));
    cJSON_AddItemToObject(bal, "@task", rj_wei(proto_balance(p, PROTO_ACC_TASK)));
    cJSON_AddItemToObject(bal, "@node", rj_wei(proto_balance(p, PROTO_ACC_NODE)));
    cJSON_AddItemToObject(bal, "@owner", rj_wei(proto_balance(p, PROTO_ACC_OWNER)));

    cJSON *nodes = cJSON_AddObjectToObject(st, "nodes");
    for (uint32_t i = 0; i < r->t->n_actors; i++) {
        proto_node_view v;
        proto_node_get(p, r->acc[i], &v);
        if (!v.ever_joined)
            continue;
        cJSON *n = cJSON_AddObjectToObject(nodes, r->t->actor[i]);
        cJSON_AddStringToObject(n, "status", proto_node_status_str(v.status));
        cJSON_AddStringToObject(n, "gpu_name", v.gpu_name);
        cJSON_AddNumberToObject(n, "gpu_vram", (double)v.gpu_vram);
        cJSON_AddNumberToObject(n, "score", (double)v.score);
        cJSON *q = cJSON_AddObjectToObject(n, "qos");
        cJSON_AddNumberToObject(q, "task_count", (double)v.task_count);
        cJSON_AddNumberToObject(q, "task_score", (double)v.task_score);
        cJSON_AddNumberToObject(q, "recent_score", (double)v.recent_score);
        cJSON_AddNumberToObject(q, "recent_count", (double)v.recent_count);
        cJSON_AddNumberToObject(q, "current_score", (double)v.current_score);
        cJSON_AddNumberToObject(n, "current_task", (double)v.current_task);
    }

    cJSON *queue = cJSON_AddObjectToObject(st, "queue");
    cJSON_AddNumberToObject(queue, "size", proto_queue_size(p));
    cJSON *ids = cJSON_AddArrayToObject(queue, "task_ids");
    cJSON *tasks = cJSON_AddObjectToObject(st, "tasks");
    for (uint64_t id = 1; id < proto_next_task_id(p); id++) {
        proto_task_view tv;
        if (proto_task_is_queued(p, id))
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
    rj_add_stats(st, &s);
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

/* Compares an expected and an observed value, freeing both. */
/* Compares one step; fills d and returns false at the first difference. */
static bool check_step(rp *r, const trace_step *s, size_t i, bool ok, jdiff *d)
{
    char path[64];
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
        cJSON *st = observe_state(r);
        same = jdiff_equal(s->state, st, path, d);
        cJSON_Delete(st);
    }
    return same;
}

void replay_trace(const trace *t, replay_result *res)
{
    memset(res, 0, sizeof *res);
    res->first_step = -1;
    rp r = {.t = t};
    r.p = proto_new(&t->params, t->n_actors, 1u << 20);
    r.acc = calloc(t->n_actors + 1, sizeof *r.acc);
    r.name = calloc(t->n_actors + PROTO_ACC_FIRST + 1, sizeof *r.name);
    if (!r.p || !r.acc || !r.name)
        abort();
    r.name[PROTO_ACC_TASK] = "@task";
    r.name[PROTO_ACC_NODE] = "@node";
    r.name[PROTO_ACC_OWNER] = "@owner";
    for (uint32_t i = 0; i < t->n_actors; i++) {
        r.acc[i] = proto_add_account(r.p, t->initial[i]);
        r.name[r.acc[i]] = (char *)t->actor[i];
    }
    proto_set_opening_balance(r.p, PROTO_ACC_OWNER, t->owner_initial);

    for (size_t i = 0; i < t->n_steps; i++) {
        const trace_step *s = &t->steps[i];
        bool ok = apply(&r, s);
        jdiff d;
        if (!check_step(&r, s, i, ok, &d)) {
            if (res->first_step < 0) {
                res->first_step = (long)i;
                res->first = d;
            }
            res->mismatched_steps++;
        }
        res->steps++;
    }
    proto_free(r.p);
    free(r.acc);
    free(r.name);
}
