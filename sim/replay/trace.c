/* Reading a helium-trace/1 or hydrogen-trace/1 file into steps the replay
 * can apply.  Strict:
 * a field that is missing, has the wrong type or an impossible value is an
 * error naming the file and its JSON path; the replay never guesses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay/tjson.h"
#include "replay/trace.h"
#include "util/rfile.h"

static bool get_actor(tj *r, const trace *t, const cJSON *obj, const char *key, uint32_t *out)
{
    return tj_get_actor(r, t->h.actor, t->h.n_actors, obj, key, out);
}

int64_t trace_actor(const trace *t, const char *name)
{
    return tj_actor(t->h.actor, t->h.n_actors, name);
}

static const struct {
    const char *name;
    trace_op op;
} OPS[] = {
    {"join", TOP_JOIN},         {"quit", TOP_QUIT},
    {"pause", TOP_PAUSE},       {"resume", TOP_RESUME},
    {"create_task", TOP_CREATE_TASK}, {"commit", TOP_COMMIT},
    {"commit_raw", TOP_COMMIT_RAW},   {"disclose", TOP_DISCLOSE},
    {"report_error", TOP_REPORT_ERROR}, {"report_uploaded", TOP_REPORT_UPLOADED},
    {"cancel", TOP_CANCEL},
};

/* hydrogen-trace/1's params: the constants and owner-set values of
 * Task.sol and Node.sol at efff09f (docs/conformance-hydrogen.md). */
static bool read_hydrogen_params(tj *r, const cJSON *p, proto_params *prm)
{
    static const char *const known[] = {"stake_wei", "task_fee_per_node_wei", "task_timeout_s",
                                        "distance_threshold", "max_nodes", NULL};
    if (!tj_keys_known(r, p, known))
        return false;
    uint64_t v;
    *prm = proto_params_of(PROTO_HYDROGEN);
    if (!tj_get_wei(r, p, "stake_wei", &prm->stake) ||
        !tj_get_wei(r, p, "task_fee_per_node_wei", &prm->task_fee_per_node) ||
        !tj_get_uint(r, p, "task_timeout_s", UINT32_MAX, &prm->task_timeout_s))
        return false;
    if (!tj_get_uint(r, p, "distance_threshold", 65, &v))
        return false;
    prm->distance_threshold = (uint32_t)v;
    if (!tj_get_uint(r, p, "max_nodes", UINT32_MAX, &v))
        return false;
    prm->max_nodes = (uint32_t)v;
    return true;
}

static bool read_params(tj *r, const cJSON *root, bool hydrogen, proto_params *prm)
{
    size_t old;
    const cJSON *p = tj_field(r, root, "params", &old);
    if (!p)
        return false;
    if (!cJSON_IsObject(p))
        return tj_fail(r, "expected an object");
    if (hydrogen) {
        if (!read_hydrogen_params(r, p, prm))
            return false;
        tj_pop(r, old);
        return true;
    }
    static const char *const known[] = {"stake_wei", "task_timeout_s", "queue_size_limit", "kickout_threshold",
                                        "task_score_rewards", "task_score_pool_size", "distance_threshold",
                                        "max_nodes", NULL};
    if (!tj_keys_known(r, p, known))
        return false;
    uint64_t v;
    *prm = proto_params_helium();
    if (!tj_get_wei(r, p, "stake_wei", &prm->stake))
        return false;
#define U(key, dst, max)                     \
    if (!tj_get_uint(r, p, key, max, &v))       \
        return false;                        \
    dst = (uint32_t)v;
    if (!tj_get_uint(r, p, "task_timeout_s", UINT32_MAX, &prm->task_timeout_s))
        return false;
    U("queue_size_limit", prm->queue_size_limit, 10000000)
    U("kickout_threshold", prm->kickout_threshold, UINT32_MAX)
    U("task_score_pool_size", prm->task_score_pool_size, UINT32_MAX)
    U("distance_threshold", prm->distance_threshold, 65)
    U("max_nodes", prm->max_nodes, UINT32_MAX)
#undef U
    if (prm->task_score_pool_size == 0 || prm->task_score_pool_size > PROTO_MAX_WINDOW) {
        tj_push(r, ".task_score_pool_size");
        return tj_fail(r, "expected an integer from 1 to %u (QOS.sol's TASK_SCORE_POOL_SIZE), got %u",
                       PROTO_MAX_WINDOW, prm->task_score_pool_size);
    }
    uint64_t rw[3];
    if (!tj_get_uint3(r, p, "task_score_rewards", 1000000000, rw))
        return false;
    for (int i = 0; i < 3; i++)
        prm->task_score_rewards[i] = (uint32_t)rw[i];
    tj_pop(r, old);
    return true;
}

/* The arguments each op may carry (create_task's hashes are recorded but
 * not needed by the model; Hydrogen's createTask takes no fee and no cap:
 * the contract charges task_fee_per_node per node). */
static const char *const ARGS[][7] = {
    [TOP_JOIN] = {"gpu_name", "gpu_vram", NULL},
    [TOP_QUIT] = {NULL}, [TOP_PAUSE] = {NULL}, [TOP_RESUME] = {NULL},
    [TOP_CREATE_TASK] = {"task_type", "vram_limit", "task_fee", "cap", "task_hash", "data_hash", NULL},
    [TOP_COMMIT] = {"task_id", "round", "result", "nonce", NULL},
    [TOP_COMMIT_RAW] = {"task_id", "round", "commitment", "nonce", NULL},
    [TOP_DISCLOSE] = {"task_id", "round", "result", NULL},
    [TOP_REPORT_ERROR] = {"task_id", "round", NULL},
    [TOP_REPORT_UPLOADED] = {"task_id", "round", NULL},
    [TOP_CANCEL] = {"task_id", NULL},
};

static const char *const HYDROGEN_CREATE_ARGS[] = {"task_type", "vram_limit", "task_hash",
                                                   "data_hash", NULL};

static bool read_args(tj *r, trace *t, trace_step *s, const cJSON *args)
{
    const char *str;
    bool hy_create = t->hydrogen && s->op == TOP_CREATE_TASK;
    if (!tj_keys_known(r, args, hy_create ? HYDROGEN_CREATE_ARGS : ARGS[s->op]))
        return false;
    switch (s->op) {
    case TOP_JOIN:
        return tj_get_string(r, args, "gpu_name", &s->gpu_name) &&
               tj_get_uint(r, args, "gpu_vram", UINT32_MAX, &s->gpu_vram);
    case TOP_QUIT: case TOP_PAUSE: case TOP_RESUME:
        return true;
    case TOP_CREATE_TASK:
        if (!tj_get_string(r, args, "task_type", &str))
            return false;
        if (strcmp(str, "sd") && strcmp(str, "gpt")) {
            size_t old = tj_push(r, ".task_type");
            bool ok = tj_fail(r, "expected \"sd\" or \"gpt\"");
            tj_pop(r, old);
            return ok;
        }
        s->task_type = strcmp(str, "sd") ? PROTO_GPT : PROTO_SD;
        if (hy_create)
            return tj_get_uint(r, args, "vram_limit", UINT32_MAX, &s->vram_limit);
        {
            uint64_t cap;
            if (!tj_get_uint(r, args, "vram_limit", UINT32_MAX, &s->vram_limit) ||
                !tj_get_wei(r, args, "task_fee", &s->task_fee) ||
                !tj_get_uint(r, args, "cap", UINT64_MAX, &cap))
                return false;
            s->cap = cap;
            return true;
        }
    case TOP_COMMIT:
        return tj_get_uint(r, args, "task_id", UINT64_MAX, &s->task_id) &&
               tj_get_uint(r, args, "round", UINT64_MAX, &s->round) &&
               tj_get_hex(r, args, "result", false, NULL, &s->result, &s->result_len) &&
               tj_get_hex(r, args, "nonce", true, s->nonce, NULL, NULL);
    case TOP_COMMIT_RAW:
        return tj_get_uint(r, args, "task_id", UINT64_MAX, &s->task_id) &&
               tj_get_uint(r, args, "round", UINT64_MAX, &s->round) &&
               tj_get_hex(r, args, "commitment", true, s->commitment, NULL, NULL) &&
               tj_get_hex(r, args, "nonce", true, s->nonce, NULL, NULL);
    case TOP_DISCLOSE:
        return tj_get_uint(r, args, "task_id", UINT64_MAX, &s->task_id) &&
               tj_get_uint(r, args, "round", UINT64_MAX, &s->round) &&
               tj_get_hex(r, args, "result", false, NULL, &s->result, &s->result_len);
    case TOP_REPORT_ERROR: case TOP_REPORT_UPLOADED:
        return tj_get_uint(r, args, "task_id", UINT64_MAX, &s->task_id) &&
               tj_get_uint(r, args, "round", UINT64_MAX, &s->round);
    case TOP_CANCEL:
        return tj_get_uint(r, args, "task_id", UINT64_MAX, &s->task_id);
    }
    return true;
}

/* The nodes a create_task step started its task on, from its TaskStarted
 * (Hydrogen: TaskCreated) events; these are forced on the model instead of
 * redrawn. */
static bool read_forced(tj *r, trace *t, trace_step *s)
{
    const char *started = t->hydrogen ? "TaskCreated" : "TaskStarted";
    int seen = 0;
    for (int i = 0; i < cJSON_GetArraySize(s->events); i++) {
        const cJSON *e = cJSON_GetArrayItem(s->events, i);
        size_t old = tj_push(r, ".events[%d]", i);
        const char *name;
        if (!cJSON_IsObject(e))
            return tj_fail(r, "expected an event object");
        if (!tj_get_string(r, e, "name", &name))
            return false;
        if (!strcmp(name, started)) {
            uint64_t round;
            uint32_t node;
            if (!tj_get_uint(r, e, "round", 2, &round) || !get_actor(r, t, e, "node", &node))
                return false;
            if (seen & (1 << round))
                return tj_fail(r, "round %llu started twice", (unsigned long long)round);
            seen |= 1 << round;
            s->forced[round] = node;
        }
        tj_pop(r, old);
    }
    if (seen && seen != 7)
        return tj_fail(r, "%s events must cover rounds 0, 1 and 2", started);
    s->has_forced = seen == 7;
    return true;
}

static bool read_step(tj *r, trace *t, const cJSON *js, size_t idx, uint64_t *last_time)
{
    trace_step *s = &t->steps[idx];
    size_t old = tj_push(r, ".steps[%zu]", idx);
    const char *op;
    if (!cJSON_IsObject(js))
        return tj_fail(r, "expected a step object");
    static const char *const known[] = {"i", "time", "op", "from", "args", "ok", "revert", "events", "state", NULL};
    if (!tj_keys_known(r, js, known))
        return false;
    if (!tj_step_index_time(r, js, idx, last_time, &s->time))
        return false;
    if (!tj_get_string(r, js, "op", &op))
        return false;
    size_t k;
    for (k = 0; k < sizeof OPS / sizeof OPS[0] && strcmp(OPS[k].name, op); k++)
        ;
    if (k == sizeof OPS / sizeof OPS[0]) {
        tj_push(r, ".op");
        return tj_fail(r, "unknown op \"%.40s\" (expected join, quit, pause, resume, create_task, "
                       "commit, commit_raw, disclose, report_error, report_uploaded or cancel)", op);
    }
    s->op = OPS[k].op;
    if (!get_actor(r, t, js, "from", &s->from))
        return false;
    size_t o2;
    const cJSON *args = tj_field(r, js, "args", &o2);
    if (!args)
        return false;
    if (!cJSON_IsObject(args))
        return tj_fail(r, "expected an object");
    if (!read_args(r, t, s, args))
        return false;
    tj_pop(r, o2);
    tj_outcome oc;
    if (!tj_outcome_read(r, js, &oc))
        return false;
    s->ok = oc.ok;
    s->revert = oc.revert;
    s->events = oc.events;
    s->state = oc.state;
    if (s->op == TOP_CREATE_TASK && !read_forced(r, t, s))
        return false;
    tj_pop(r, old);
    return true;
}

bool trace_parse(const char *path, const char *text, size_t len, trace *t, char *err, size_t errlen)
{
    tj r = {.file = path, .err = err, .errlen = errlen, .path = "$"};
    memset(t, 0, sizeof *t);
    if (!tj_trace_open(&r, &t->h, path, text, len))
        return false;
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(t->h.root, "format");
    t->hydrogen = cJSON_IsString(fmt) && !strcmp(fmt->valuestring, "hydrogen-trace/1");
    if (!tj_trace_head(&r, &t->h, t->hydrogen ? "hydrogen-trace/1" : "helium-trace/1") ||
        !read_params(&r, t->h.root, t->hydrogen, &t->params))
        return false;
    void *room = NULL;
    const cJSON *steps = tj_steps(&r, t->h.root, sizeof *t->steps, &room, &t->n_steps);
    t->steps = room;
    if (!steps)
        return false;
    uint64_t last_time = 0;
    size_t idx = 0;
    for (const cJSON *js = steps->child; js; js = js->next, idx++)
        if (!read_step(&r, t, js, idx, &last_time))
            return false;
    /* The owner's opening balance is not listed; conservation gives it. */
    return !t->n_steps ||
           tj_unlisted_opening(&r, t->steps[0].state, t->h.initial, t->h.n_actors, &t->h.owner_initial);
}

bool trace_load(const char *path, trace *t, char *err, size_t errlen)
{
    char why[128];
    size_t len;
    char *buf = rfile_read(path, RFILE_MAX, &len, why, sizeof why);
    if (!buf) {
        memset(t, 0, sizeof *t);
        snprintf(err, errlen, "%s: cannot open (%s)", path, why);
        return false;
    }
    bool ok = trace_parse(path, buf, len, t, err, errlen);
    free(buf);
    return ok;
}

void trace_free(trace *t)
{
    for (size_t i = 0; i < t->n_steps && t->steps; i++)
        free(t->steps[i].result);
    free(t->steps);
    tj_trace_free(&t->h);
    memset(t, 0, sizeof *t);
}
