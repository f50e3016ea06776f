/* Replaying a vss-trace/1 file against the VSS model (protocol/vss/) and
 * observing the model in the trace's vocabulary, so that the generic JSON
 * diff (jdiff.h) compares outcome, events and state.
 *
 * The recorder lists in a step's state only the nodes and tasks that changed
 * in it; the replay renders every node and task after each step, keeps the
 * previous rendering, and compares exactly the changed ones, so an entry the
 * model changed that the trace says did not change is a mismatch too.
 *
 * Not modelled, taken from the trace: a task's sampling seed,
 * keccak256(blockhash(parent block) ‖ task id) (libs/VSS.sol), needs block
 * hashes the model has none of; the replay takes each task's seed from the
 * first state that lists the task and checks it never changes.  The block
 * number (it matters for nonce reuse) is VSS_REPLAY_BLOCK0 + the step index:
 * each transaction is mined in a block of its own, on a chain past block
 * 100,000 as the recorder's is (docs/conformance-vss.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay/replay.h"
#include "replay/rjson.h"
#include "replay/vss_replay.h"

#define VSS_REPLAY_BLOCK0 200000

static const char *const STATUS[] = {
    "queued",      "started",         "parameters_uploaded", "error_reported",
    "score_ready", "validated",       "group_validated",     "end_invalidated",
    "end_success", "end_aborted",     "end_group_refund",    "end_group_success"};
static const char *const REASON[] = {"none", "timeout", "model_download_failed", "incorrect_result",
                                     "task_fee_too_low"};
static const char *const ERROR[] = {"none", "parameters_validation_failed"};
static const char *const TYPE[] = {"sd", "llm", "sd_ft"};

typedef struct vrp {
    const vtrace *t;
    vss *p;
    uint32_t *acc;      /* actor -> account */
    const char **name;  /* account -> name */
    uint32_t n_acc;
    char **prev_node;   /* actor -> last rendering (printed), NULL before it exists */
    char **prev_bal;    /* actor, then @task, @node, @owner -> last balance */
    char **prev_task;   /* task handle -> last rendering */
    char **seed;        /* task handle -> sampling seed taken from the trace */
    uint32_t n_tasks;
} vrp;

static const char *name_of(const vrp *r, uint32_t a)
{
    return a < r->n_acc && r->name[a] ? r->name[a] : "?";
}

static cJSON *task_id_json(const vrp *r, uint32_t h) { return rj_hex(vss_task_commitment(r->p, h), 32); }

static cJSON *observe_events(const vrp *r)
{
    size_t n;
    const vss_event *ev = vss_events(r->p, &n);
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        const vss_event *e = &ev[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", vss_event_name(e->kind));
        switch (e->kind) {
        case VSS_EV_DOWNLOAD_MODEL:
            cJSON_AddStringToObject(o, "node", name_of(r, e->node));
            cJSON_AddStringToObject(o, "model_id", vss_string(r->p, e->model));
            cJSON_AddStringToObject(o, "task_type", TYPE[e->task_type]);
            break;
        case VSS_EV_NODE_SLASHED:
        case VSS_EV_NODE_KICKED_OUT:
            cJSON_AddStringToObject(o, "node", name_of(r, e->node));
            break;
        default:
            cJSON_AddItemToObject(o, "task_id", task_id_json(r, e->task));
            break;
        }
        switch (e->kind) {
        case VSS_EV_TASK_STARTED:
        case VSS_EV_TASK_PARAMETERS_UPLOADED:
            cJSON_AddStringToObject(o, "node", name_of(r, e->node));
            break;
        case VSS_EV_TASK_ERROR_REPORTED:
            cJSON_AddStringToObject(o, "node", name_of(r, e->node));
            cJSON_AddStringToObject(o, "error", ERROR[e->reason]);
            break;
        case VSS_EV_TASK_SCORE_READY:
            cJSON_AddStringToObject(o, "node", name_of(r, e->node));
            cJSON_AddItemToObject(o, "score", rj_hex(e->score, e->score_len));
            break;
        case VSS_EV_TASK_END_ABORTED:
            cJSON_AddStringToObject(o, "issuer", name_of(r, e->issuer));
            cJSON_AddStringToObject(o, "last_status", STATUS[e->last_status]);
            cJSON_AddStringToObject(o, "reason", REASON[e->reason]);
            break;
        default:
            break;
        }
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

static cJSON *render_node(const vrp *r, uint32_t actor)
{
    vss_node_view v;
    vss_node_get(r->p, r->acc[actor], &v);
    cJSON *n = cJSON_CreateObject();
    cJSON_AddStringToObject(n, "status", proto_node_status_str(v.status));
    cJSON_AddStringToObject(n, "gpu_name", vss_string(r->p, v.gpu_name));
    cJSON_AddNumberToObject(n, "gpu_vram", (double)v.gpu_vram);
    cJSON *ver = cJSON_AddArrayToObject(n, "version");
    for (int i = 0; i < 3; i++)
        cJSON_AddItemToArray(ver, cJSON_CreateNumber((double)v.version[i]));
    cJSON *models = cJSON_AddArrayToObject(n, "model_ids");
    for (uint32_t i = 0; i < v.n_models; i++)
        cJSON_AddItemToArray(models, cJSON_CreateString(vss_string(r->p, v.models[i])));
    cJSON_AddNumberToObject(n, "score", (double)v.score);
    cJSON_AddItemToObject(n, "stake", rj_wei(v.staked));
    cJSON *q = cJSON_AddObjectToObject(n, "qos");
    cJSON_AddNumberToObject(q, "task_count", (double)v.task_count);
    cJSON_AddNumberToObject(q, "task_score", (double)v.task_score);
    cJSON_AddNumberToObject(q, "recent_score", (double)v.recent_score);
    cJSON_AddNumberToObject(q, "recent_count", (double)v.recent_count);
    cJSON_AddNumberToObject(q, "current_score", (double)v.current_score);
    if (v.current_task == VSS_NOBODY)
        cJSON_AddNullToObject(n, "current_task");
    else
        cJSON_AddItemToObject(n, "current_task", task_id_json(r, v.current_task));
    return n;
}

static cJSON *render_task(const vrp *r, uint32_t h)
{
    vss_task_view v;
    vss_task_get(r->p, h, &v);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", TYPE[v.type]);
    cJSON_AddStringToObject(o, "creator", name_of(r, v.creator));
    cJSON_AddNumberToObject(o, "sequence", (double)v.sequence);
    cJSON_AddStringToObject(o, "status", STATUS[v.status]);
    if (v.node == VSS_NOBODY)
        cJSON_AddNullToObject(o, "node");
    else
        cJSON_AddStringToObject(o, "node", name_of(r, v.node));
    cJSON_AddItemToObject(o, "fee", rj_wei(v.fee));
    cJSON_AddStringToObject(o, "sampling_seed", r->seed[h] ? r->seed[h] : "(not in the trace)");
    cJSON_AddItemToObject(o, "score", rj_hex(v.score, v.score_len));
    cJSON_AddStringToObject(o, "error", ERROR[v.error]);
    cJSON_AddStringToObject(o, "abort_reason", REASON[v.abort_reason]);
    cJSON *pay = cJSON_AddArrayToObject(o, "payments");
    for (uint32_t i = 0; i < v.n_payments; i++) {
        cJSON *pair = cJSON_CreateArray();
        cJSON_AddItemToArray(pair, cJSON_CreateString(name_of(r, v.pay_to[i])));
        cJSON_AddItemToArray(pair, rj_wei(v.pay[i]));
        cJSON_AddItemToArray(pay, pair);
    }
    cJSON_AddNumberToObject(o, "create_time", (double)v.create_time);
    cJSON_AddNumberToObject(o, "start_time", (double)v.start_time);
    cJSON_AddNumberToObject(o, "score_ready_time", (double)v.score_time);
    return o;
}

/* Seeds of tasks the expected state lists for the first time. */
static void take_seeds(vrp *r, const cJSON *state)
{
    const cJSON *tasks = cJSON_GetObjectItemCaseSensitive(state, "tasks");
    for (const cJSON *e = tasks ? tasks->child : NULL; e; e = e->next) {
        uint8_t id[32];
        const char *s = e->string;
        if (strlen(s) != 66)
            continue;
        for (int i = 0; i < 32; i++) {
            unsigned b;
            if (sscanf(s + 2 + 2 * i, "%2x", &b) != 1)
                return;
            id[i] = (uint8_t)b;
        }
        uint32_t h = vss_task_find(r->p, id);
        const cJSON *seed = cJSON_GetObjectItemCaseSensitive(e, "sampling_seed");
        if (h != VSS_NOBODY && h < r->n_tasks && !r->seed[h] && cJSON_IsString(seed))
            r->seed[h] = strdup(seed->valuestring);
    }
}

static cJSON *observe_state(vrp *r)
{
    vss *p = r->p;
    cJSON *st = cJSON_CreateObject();
    /* balances, nodes and tasks: only what changed since the last step */
    cJSON *bal = cJSON_AddObjectToObject(st, "balances");
    static const char *const CONTRACTS[] = {"@task", "@node", "@owner"};
    static const uint32_t CONTRACT_ACC[] = {VSS_ACC_TASK, VSS_ACC_NODE, VSS_ACC_OWNER};
    for (uint32_t i = 0; i < r->t->h.n_actors + 3; i++) {
        bool actor = i < r->t->h.n_actors;
        const char *key = actor ? r->t->h.actor[i] : CONTRACTS[i - r->t->h.n_actors];
        cJSON *v = rj_wei(vss_balance(p, actor ? r->acc[i] : CONTRACT_ACC[i - r->t->h.n_actors]));
        if (r->prev_bal[i] && !strcmp(r->prev_bal[i], v->valuestring)) {
            cJSON_Delete(v);
            continue;
        }
        free(r->prev_bal[i]);
        r->prev_bal[i] = strdup(v->valuestring);
        cJSON_AddItemToObject(bal, key, v);
    }

    cJSON *nodes = cJSON_AddObjectToObject(st, "nodes");
    for (uint32_t i = 0; i < r->t->h.n_actors; i++) {
        vss_node_view v;
        vss_node_get(p, r->acc[i], &v);
        if (!v.ever_joined)
            continue;
        cJSON *n = render_node(r, i);
        char *txt = cJSON_PrintUnformatted(n);
        if (r->prev_node[i] && !strcmp(r->prev_node[i], txt)) {
            cJSON_Delete(n);
            free(txt);
            continue;
        }
        free(r->prev_node[i]);
        r->prev_node[i] = txt;
        cJSON_AddItemToObject(nodes, r->t->h.actor[i], n);
    }

    cJSON_AddNumberToObject(st, "queue_size", vss_queue_size(p));
    cJSON *tasks = cJSON_AddObjectToObject(st, "tasks");
    for (uint32_t h = 0; h < r->n_tasks; h++) {
        cJSON *o = render_task(r, h);
        cJSON *key = task_id_json(r, h);
        char *txt = cJSON_PrintUnformatted(o);
        if (r->prev_task[h] && !strcmp(r->prev_task[h], txt)) {
            cJSON_Delete(o);
            free(txt);
        } else {
            free(r->prev_task[h]);
            r->prev_task[h] = txt;
            cJSON_AddItemToObject(tasks, key->valuestring, o);
        }
        cJSON_Delete(key);
    }

    vss_stats s;
    vss_stats_get(p, &s);
    rj_add_stats(st, &s);
    return st;
}

/* The random choices the step's events show, forced on the model: the node
 * of a created task, and the nodes told to download each model. */
static void force_choices(vrp *r, const vtrace_step *s)
{
    const cJSON *evs = s->out.events;
    vss_force_downloads_begin(r->p);
    int32_t start = -1;
    uint32_t sel = VSS_NOBODY;
    struct { uint32_t model, n, nodes[16]; bool self_seen; } lists[8];
    uint32_t n_lists = 0;
    for (const cJSON *e = evs->child; e; e = e->next) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(e, "name");
        const cJSON *node = cJSON_GetObjectItemCaseSensitive(e, "node");
        if (!cJSON_IsString(name) || !cJSON_IsString(node))
            continue;
        int64_t a = tj_actor(r->t->h.actor, r->t->h.n_actors, node->valuestring);
        uint32_t acc = a >= 0 ? r->acc[a] : VSS_NOBODY;
        if (!strcmp(name->valuestring, "TaskStarted")) {
            for (uint32_t k = 0; k < n_lists; k++)
                vss_force_downloads(r->p, (uint32_t)start, lists[k].model, lists[k].nodes, lists[k].n);
            n_lists = 0;
            start++;
            sel = acc;
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(e, "task_id");
            if (start == 0 && s->op == VOP_CREATE_TASK && cJSON_IsString(id)) {
                cJSON *want = rj_hex(s->task_id[0], 32);
                if (!strcmp(want->valuestring, id->valuestring))
                    vss_force_node(r->p, acc);
                cJSON_Delete(want);
            }
        } else if (!strcmp(name->valuestring, "DownloadModel") && start >= 0) {
            const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "model_id");
            if (!cJSON_IsString(m))
                continue;
            uint32_t model = vss_intern(r->p, m->valuestring), k = 0;
            while (k < n_lists && lists[k].model != model)
                k++;
            if (k == n_lists) {
                if (n_lists == 8)
                    continue;
                lists[n_lists].model = model;
                lists[n_lists].n = 0;
                lists[n_lists++].self_seen = false;
            }
            /* the selected node's own notice comes first, before the draw */
            if (acc == sel && lists[k].n == 0 && !lists[k].self_seen) {
                lists[k].self_seen = true;
                continue;
            }
            if (lists[k].n < 16)
                lists[k].nodes[lists[k].n++] = acc;
        }
    }
    for (uint32_t k = 0; k < n_lists; k++)
        vss_force_downloads(r->p, (uint32_t)start, lists[k].model, lists[k].nodes, lists[k].n);
}

static bool apply(vrp *r, const vtrace_step *s, uint64_t block)
{
    vss *p = r->p;
    uint32_t from = r->acc[s->from];
    uint64_t now = s->time;
    uint32_t models[VTRACE_MAX_MODELS];
    for (uint32_t i = 0; i < s->n_models; i++)
        models[i] = vss_intern(p, s->model_ids[i]);
    vss_proof f = s->proof;
    f.key_owner = r->acc[f.key_owner];
    force_choices(r, s);
    switch (s->op) {
    case VOP_JOIN: {
        vss_key key = {(uint32_t)s->key_len, r->acc[s->key_owner]};
        return vss_join(p, now, block, from, vss_intern(p, s->gpu_name), s->gpu_vram, s->version, key,
                        s->value, models, s->n_models);
    }
    case VOP_QUIT: return vss_quit(p, now, block, from);
    case VOP_PAUSE: return vss_pause(p, now, block, from);
    case VOP_RESUME: return vss_resume(p, now, block, from);
    case VOP_UPDATE_VERSION: return vss_update_version(p, now, block, from, s->version);
    case VOP_MODEL_DOWNLOADED: return vss_report_model_downloaded(p, now, block, from, models[0]);
    case VOP_CREATE_TASK: {
        vss_task_spec spec = {.type = s->task_type, .models = models, .n_models = s->n_models,
                              .min_vram = s->min_vram, .gpu = vss_intern(p, s->required_gpu),
                              .gpu_vram = s->required_gpu_vram, .size = s->task_size};
        memcpy(spec.commitment, s->task_id[0], 32);
        memcpy(spec.nonce, s->nonce, 32);
        memcpy(spec.version, s->task_version, sizeof spec.version);
        return vss_create_task(p, now, block, from, &spec, s->value);
    }
    case VOP_PARAMETERS_UPLOADED: return vss_report_parameters_uploaded(p, now, block, from, s->task_id[0]);
    case VOP_SUBMIT_SCORE: return vss_submit_score(p, now, block, from, s->task_id[0], s->score, s->score_len);
    case VOP_REPORT_ERROR: return vss_report_error(p, now, block, from, s->task_id[0], (vss_task_error)s->error);
    case VOP_VALIDATE_SINGLE: return vss_validate_single(p, now, block, from, s->task_id[0], &f);
    case VOP_VALIDATE_GROUP:
        return vss_validate_group(p, now, block, from, s->task_id[0], s->task_id[1], s->task_id[2], s->guid,
                                  &f);
    case VOP_RESULT_UPLOADED: return vss_report_result_uploaded(p, now, block, from, s->task_id[0]);
    case VOP_ABORT: return vss_abort(p, now, block, from, s->task_id[0], (vss_abort_reason)s->reason);
    }
    return false;
}

static bool check_step(vrp *r, const vtrace_step *s, size_t i, bool ok, jdiff *d)
{
    char path[64];
    bool same = rj_outcome(s->out.ok, s->out.revert, ok, vss_revert_reason(r->p), i, d);
    if (same && ok && vss_forced_error(r->p)) {
        snprintf(d->path, sizeof d->path, "$.steps[%zu].events", i);
        snprintf(d->expected, sizeof d->expected, "random choices the contract could make");
        snprintf(d->got, sizeof d->got, "%s", vss_forced_error(r->p));
        same = false;
    }
    if (same) {
        snprintf(path, sizeof path, "$.steps[%zu].events", i);
        same = rj_same(cJSON_Duplicate(s->out.events, true), ok ? observe_events(r) : cJSON_CreateArray(),
                          path, d);
    }
    /* the state is rendered in every step, so that "changed" is measured
     * from the previous step even after a mismatch */
    r->n_tasks = vss_num_tasks(r->p);
    take_seeds(r, s->out.state);
    snprintf(path, sizeof path, "$.steps[%zu].state", i);
    cJSON *st = observe_state(r);
    bool same_state = jdiff_equal(s->out.state, st, path, same ? d : &(jdiff){0});
    cJSON_Delete(st);
    return same && same_state;
}

static bool replay_one(void *ctx, size_t i, jdiff *d)
{
    vrp *r = ctx;
    const vtrace_step *s = &r->t->steps[i];
    bool ok = apply(r, s, VSS_REPLAY_BLOCK0 + i);
    return check_step(r, s, i, ok, d);
}

void vss_replay_trace(const vtrace *t, replay_result *res)
{
    vss_params prm = t->params;
    vrp r = {.t = t};
    uint64_t max_tasks = t->n_steps + 16;
    r.p = vss_new(&prm, t->h.n_actors, max_tasks);
    r.acc = calloc(t->h.n_actors + 1, sizeof *r.acc);
    r.n_acc = t->h.n_actors + VSS_ACC_FIRST;
    r.name = calloc(r.n_acc + 1, sizeof *r.name);
    r.prev_node = calloc(t->h.n_actors + 1, sizeof *r.prev_node);
    r.prev_bal = calloc(t->h.n_actors + 4, sizeof *r.prev_bal);
    r.prev_task = calloc(max_tasks + 1, sizeof *r.prev_task);
    r.seed = calloc(max_tasks + 1, sizeof *r.seed);
    if (!r.p || !r.acc || !r.name || !r.prev_node || !r.prev_bal || !r.prev_task || !r.seed)
        abort();
    r.name[VSS_ACC_TASK] = "@task";
    r.name[VSS_ACC_NODE] = "@node";
    r.name[VSS_ACC_OWNER] = "@owner";
    r.name[VSS_ACC_RELAY] = "relay";
    for (uint32_t i = 0; i < t->h.n_actors; i++) {
        if ((int64_t)i == t->relay) {
            r.acc[i] = VSS_ACC_RELAY;
            vss_set_opening_balance(r.p, VSS_ACC_RELAY, t->h.initial[i]);
        } else {
            r.acc[i] = vss_add_account(r.p, t->h.initial[i]);
        }
        r.name[r.acc[i]] = t->h.actor[i];
    }
    vss_set_opening_balance(r.p, VSS_ACC_OWNER, t->h.owner_initial);

    replay_steps(t->n_steps, replay_one, &r, res);
    for (uint32_t i = 0; i < t->h.n_actors; i++)
        free(r.prev_node[i]);
    for (uint32_t i = 0; i < t->h.n_actors + 3; i++)
        free(r.prev_bal[i]);
    free(r.prev_bal);
    for (uint64_t h = 0; h <= max_tasks; h++) {
        free(r.prev_task[h]);
        free(r.seed[h]);
    }
    vss_free(r.p);
    free(r.acc);
    free(r.name);
    free(r.prev_node);
    free(r.prev_task);
    free(r.seed);
}
