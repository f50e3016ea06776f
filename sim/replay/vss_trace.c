/* Reading a vss-trace/1 file (docs/conformance-vss.md) into steps the VSS
 * replay can apply.  Strict like the helium-trace/1 reader (replay/tjson.h):
 * a missing, mistyped or impossible field is an error naming the file and
 * its JSON path.
 *
 * Two inputs of the contracts are not bytes the model can check, and the
 * trace says what they are:
 * - a VRF proof: its `key_of`, `vrf_valid` and `sampling_number` fields;
 * - a join's public key, checked on chain against the sender's address.  The
 *   trace has no addresses; the key belongs to the actor `key_of` names for
 *   it in any validation, else to the one actor that joins with it, else,
 *   when several do, to the one of them that never joins with another key.
 *   (Only the steps' arguments are used, never their outcomes.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay/vss_trace.h"

static const struct {
    const char *name;
    vtrace_op op;
    const char *const args[14];
} OPS[] = {
    {"join", VOP_JOIN, {"gpu_name", "gpu_vram", "version", "public_key", "model_ids", "stake", NULL}},
    {"quit", VOP_QUIT, {NULL}},
    {"pause", VOP_PAUSE, {NULL}},
    {"resume", VOP_RESUME, {NULL}},
    {"update_version", VOP_UPDATE_VERSION, {"version", NULL}},
    {"report_model_downloaded", VOP_MODEL_DOWNLOADED, {"model_id", NULL}},
    {"create_task", VOP_CREATE_TASK,
     {"task_type", "task_id", "nonce", "guid", "model_ids", "minimum_vram", "required_gpu",
      "required_gpu_vram", "task_version", "task_size", "task_fee", NULL}},
    {"report_parameters_uploaded", VOP_PARAMETERS_UPLOADED, {"task_id", NULL}},
    {"submit_score", VOP_SUBMIT_SCORE, {"task_id", "score", NULL}},
    {"report_error", VOP_REPORT_ERROR, {"task_id", "error", NULL}},
    {"validate_single", VOP_VALIDATE_SINGLE,
     {"task_id", "vrf_proof", "public_key", "key_of", "sampling_number", "vrf_valid", NULL}},
    {"validate_group", VOP_VALIDATE_GROUP,
     {"task_ids", "guid", "vrf_proof", "public_key", "key_of", "sampling_number", "vrf_valid", NULL}},
    {"report_result_uploaded", VOP_RESULT_UPLOADED, {"task_id", NULL}},
    {"abort", VOP_ABORT, {"task_id", "reason", NULL}},
};
#define N_OPS (sizeof OPS / sizeof OPS[0])

static const char *const TASK_TYPES[] = {"sd", "llm", "sd_ft", NULL};
static const char *const ERRORS[] = {"none", "parameters_validation_failed", NULL};
static const char *const REASONS[] = {"none", "timeout", "model_download_failed", "incorrect_result",
                                      "task_fee_too_low", NULL};

/* obj.key is one of words: its index in *out. */
static bool get_word(tj *r, const cJSON *obj, const char *key, const char *const *words,
                     uint8_t *out)
{
    const char *s;
    if (!tj_get_string(r, obj, key, &s))
        return false;
    for (uint8_t i = 0; words[i]; i++)
        if (!strcmp(words[i], s)) {
            *out = i;
            return true;
        }
    char list[160] = "";
    for (int i = 0; words[i]; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s\"%s\"", i ? ", " : "", words[i]);
    size_t old = tj_push(r, ".%s", key);
    bool ok = tj_fail(r, "expected one of %s", list);
    tj_pop(r, old);
    return ok;
}

static bool get_strings(tj *r, const cJSON *obj, const char *key, const char **out, uint32_t *n)
{
    size_t old;
    const cJSON *a = tj_field(r, obj, key, &old);
    if (!a)
        return false;
    if (!cJSON_IsArray(a))
        return tj_fail(r, "expected an array of strings");
    if (cJSON_GetArraySize(a) > VTRACE_MAX_MODELS)
        return tj_fail(r, "expected at most %d model ids", VTRACE_MAX_MODELS);
    *n = 0;
    for (const cJSON *e = a->child; e; e = e->next) {
        if (!cJSON_IsString(e)) {
            tj_push(r, "[%u]", *n);
            return tj_fail(r, "expected a string");
        }
        out[(*n)++] = e->valuestring;
    }
    tj_pop(r, old);
    return true;
}

static bool get_bool(tj *r, const cJSON *obj, const char *key, bool *out)
{
    size_t old;
    const cJSON *v = tj_field(r, obj, key, &old);
    if (!v)
        return false;
    if (!cJSON_IsBool(v))
        return tj_fail(r, "expected true or false");
    *out = cJSON_IsTrue(v);
    tj_pop(r, old);
    return true;
}

/* Bytes of any length: only the length is kept (keys and proofs are taken
 * on the trace's word, see above). */
static bool get_hex_len(tj *r, const cJSON *obj, const char *key, size_t *len)
{
    uint8_t *b = NULL;
    bool ok = tj_get_hex(r, obj, key, false, NULL, &b, len);
    free(b);
    return ok;
}

static bool read_proof(tj *r, const vtrace *t, const cJSON *args, vtrace_step *s)
{
    size_t len;
    uint8_t number[32];
    if (!get_hex_len(r, args, "vrf_proof", &len))
        return false;
    s->proof.proof_len = (uint32_t)(len < UINT32_MAX ? len : UINT32_MAX);
    if (!get_hex_len(r, args, "public_key", &len))
        return false;
    s->proof.key_len = (uint32_t)(len < UINT32_MAX ? len : UINT32_MAX);
    if (!tj_get_actor(r, t->h.actor, t->h.n_actors, args, "key_of", &s->proof.key_owner) ||
        !tj_get_hex(r, args, "sampling_number", true, number, NULL, NULL) ||
        !get_bool(r, args, "vrf_valid", &s->proof.valid))
        return false;
    unsigned mod = 0; /* uint256(sampling_number) % 10, big-endian */
    for (int i = 0; i < 32; i++)
        mod = (mod * 256 + number[i]) % 10;
    s->proof.number_mod10 = (uint8_t)mod;
    return true;
}

static bool read_args(tj *r, const vtrace *t, vtrace_step *s, const cJSON *args)
{
    switch (s->op) {
    case VOP_JOIN:
        return tj_get_string(r, args, "gpu_name", &s->gpu_name) &&
               tj_get_uint(r, args, "gpu_vram", UINT32_MAX, &s->gpu_vram) &&
               tj_get_uint3(r, args, "version", TJ_MAX_JSON_INT, s->version) &&
               get_hex_len(r, args, "public_key", &s->key_len) &&
               get_strings(r, args, "model_ids", s->model_ids, &s->n_models) &&
               tj_get_wei(r, args, "stake", &s->value);
    case VOP_QUIT:
    case VOP_PAUSE:
    case VOP_RESUME:
        return true;
    case VOP_UPDATE_VERSION:
        return tj_get_uint3(r, args, "version", TJ_MAX_JSON_INT, s->version);
    case VOP_MODEL_DOWNLOADED:
        s->n_models = 1;
        return tj_get_string(r, args, "model_id", &s->model_ids[0]);
    case VOP_CREATE_TASK: {
        uint8_t type;
        if (!get_word(r, args, "task_type", TASK_TYPES, &type))
            return false;
        s->task_type = (vss_task_type)type;
        return tj_get_hex(r, args, "task_id", true, s->task_id[0], NULL, NULL) &&
               tj_get_hex(r, args, "nonce", true, s->nonce, NULL, NULL) &&
               tj_get_hex(r, args, "guid", true, s->guid, NULL, NULL) &&
               get_strings(r, args, "model_ids", s->model_ids, &s->n_models) &&
               tj_get_uint(r, args, "minimum_vram", UINT64_MAX, &s->min_vram) &&
               tj_get_string(r, args, "required_gpu", &s->required_gpu) &&
               tj_get_uint(r, args, "required_gpu_vram", UINT64_MAX, &s->required_gpu_vram) &&
               tj_get_uint3(r, args, "task_version", TJ_MAX_JSON_INT, s->task_version) &&
               tj_get_uint(r, args, "task_size", UINT64_MAX, &s->task_size) &&
               tj_get_wei(r, args, "task_fee", &s->value);
    }
    case VOP_PARAMETERS_UPLOADED:
    case VOP_RESULT_UPLOADED:
        return tj_get_hex(r, args, "task_id", true, s->task_id[0], NULL, NULL);
    case VOP_SUBMIT_SCORE:
        return tj_get_hex(r, args, "task_id", true, s->task_id[0], NULL, NULL) &&
               tj_get_hex(r, args, "score", false, NULL, &s->score, &s->score_len);
    case VOP_REPORT_ERROR:
        return tj_get_hex(r, args, "task_id", true, s->task_id[0], NULL, NULL) &&
               get_word(r, args, "error", ERRORS, &s->error);
    case VOP_ABORT:
        return tj_get_hex(r, args, "task_id", true, s->task_id[0], NULL, NULL) &&
               get_word(r, args, "reason", REASONS, &s->reason);
    case VOP_VALIDATE_SINGLE:
        return tj_get_hex(r, args, "task_id", true, s->task_id[0], NULL, NULL) &&
               read_proof(r, t, args, s);
    case VOP_VALIDATE_GROUP: {
        size_t old;
        const cJSON *ids = tj_field(r, args, "task_ids", &old);
        if (!ids)
            return false;
        if (!cJSON_IsArray(ids) || cJSON_GetArraySize(ids) != 3)
            return tj_fail(r, "expected an array of three task ids");
        for (int i = 0; i < 3; i++) {
            size_t o2 = tj_push(r, "[%d]", i);
            if (!tj_hex(r, cJSON_GetArrayItem(ids, i), true, s->task_id[i], NULL, NULL))
                return false;
            tj_pop(r, o2);
        }
        tj_pop(r, old);
        return tj_get_hex(r, args, "guid", true, s->guid, NULL, NULL) && read_proof(r, t, args, s);
    }
    }
    return true;
}

static bool read_step(tj *r, vtrace *t, const cJSON *js, size_t idx, uint64_t *last_time)
{
    vtrace_step *s = &t->steps[idx];
    size_t old = tj_push(r, ".steps[%zu]", idx);
    if (!cJSON_IsObject(js))
        return tj_fail(r, "expected a step object");
    static const char *const known[] = {"i", "time", "op", "from", "args", "ok", "revert", "events", "state", NULL};
    if (!tj_keys_known(r, js, known) || !tj_step_index_time(r, js, idx, last_time, &s->time))
        return false;
    const char *op;
    if (!tj_get_string(r, js, "op", &op))
        return false;
    size_t k = 0;
    while (k < N_OPS && strcmp(OPS[k].name, op))
        k++;
    if (k == N_OPS) {
        tj_push(r, ".op");
        return tj_fail(r, "unknown op \"%.40s\" (expected an op of vss-trace/1, docs/conformance-vss.md)", op);
    }
    s->op = OPS[k].op;
    if (!tj_get_actor(r, t->h.actor, t->h.n_actors, js, "from", &s->from))
        return false;
    size_t o2;
    const cJSON *args = tj_field(r, js, "args", &o2);
    if (!args)
        return false;
    if (!cJSON_IsObject(args))
        return tj_fail(r, "expected an object");
    if (!tj_keys_known(r, args, OPS[k].args) || !read_args(r, t, s, args))
        return false;
    tj_pop(r, o2);
    if (!tj_outcome_read(r, js, &s->out))
        return false;
    tj_pop(r, old);
    return true;
}

static bool read_params(tj *r, const cJSON *root, vss_params *prm)
{
    size_t old;
    const cJSON *p = tj_field(r, root, "params", &old);
    if (!p)
        return false;
    if (!cJSON_IsObject(p))
        return tj_fail(r, "expected an object");
    static const char *const known[] = {"stake_wei", "task_timeout_s", "queue_size_limit", "kickout_threshold",
                                        "task_score_rewards", "task_score_pool_size", "distance_threshold",
                                        "sampling_modulus", "max_nodes", NULL};
    if (!tj_keys_known(r, p, known))
        return false;
    *prm = vss_params_default();
    uint64_t v, rw[3];
    if (!tj_get_wei(r, p, "stake_wei", &prm->stake) ||
        !tj_get_uint(r, p, "task_timeout_s", UINT32_MAX, &prm->timeout_s))
        return false;
#define U(key, dst, hi)                                                       \
    if (!tj_get_uint(r, p, key, hi, &v))                                      \
        return false;                                                         \
    dst = (uint32_t)v;
    U("queue_size_limit", prm->queue_size_limit, 10000000)
    U("kickout_threshold", prm->kickout_threshold, UINT32_MAX)
    U("distance_threshold", prm->distance_threshold, 65)
    U("max_nodes", prm->max_nodes, UINT32_MAX)
#undef U
    /* constants of the code at bd7ee24, which the model does not vary */
    static const struct { const char *key; uint64_t value; } FIXED[] = {
        {"task_score_pool_size", 3}, {"sampling_modulus", 10}};
    for (int i = 0; i < 2; i++) {
        if (!tj_get_uint(r, p, FIXED[i].key, UINT64_MAX, &v))
            return false;
        if (v != FIXED[i].value) {
            tj_push(r, ".%s", FIXED[i].key);
            return tj_fail(r, "expected %llu (a constant of the contracts at bd7ee24)",
                           (unsigned long long)FIXED[i].value);
        }
    }
    if (!tj_get_uint3(r, p, "task_score_rewards", TJ_MAX_JSON_INT, rw))
        return false;
    if (rw[0] != 10 || rw[1] != 9 || rw[2] != 6) {
        tj_push(r, ".task_score_rewards");
        return tj_fail(r, "expected [10, 9, 6] (QOS.sol constants at bd7ee24)");
    }
    tj_pop(r, old);
    return true;
}

/* Whose public key each join sends (see the head of this file). */
static bool join_keys(tj *r, vtrace *t, const cJSON *steps)
{
    size_t n = t->n_steps;
    const char **key = calloc(n + 1, sizeof *key);
    if (!key)
        return tj_fail(r, "out of memory");
    size_t i = 0;
    for (const cJSON *js = steps->child; js; js = js->next, i++) {
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(js, "args");
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(a, "public_key");
        key[i] = cJSON_IsString(k) ? k->valuestring : NULL;
    }
    bool ok = true;
    for (i = 0; i < n && ok; i++) {
        vtrace_step *s = &t->steps[i];
        if (s->op != VOP_JOIN)
            continue;
        int64_t owner = -1;
        for (size_t j = 0; j < n && owner < 0; j++)
            if ((t->steps[j].op == VOP_VALIDATE_SINGLE || t->steps[j].op == VOP_VALIDATE_GROUP) &&
                !strcmp(key[j], key[i]))
                owner = t->steps[j].proof.key_owner;
        for (int pass = 0; pass < 2 && owner < 0; pass++) {
            /* pass 0: every actor joining with it; pass 1: those of them with no other key */
            int64_t found = -1;
            int count = 0;
            for (size_t j = 0; j < n; j++) {
                if (t->steps[j].op != VOP_JOIN || strcmp(key[j], key[i]))
                    continue;
                uint32_t a = t->steps[j].from;
                bool other = false;
                for (size_t m = 0; m < n && pass; m++)
                    other |= t->steps[m].op == VOP_JOIN && t->steps[m].from == a && strcmp(key[m], key[i]);
                if (!other && found != a) {
                    count += found < 0 || found != (int64_t)a;
                    found = a;
                }
            }
            if (count == 1)
                owner = found;
        }
        if (owner < 0) {
            snprintf(r->path, sizeof r->path, "$.steps[%zu].args.public_key", i);
            ok = tj_fail(r, "cannot tell whose key this is (no key_of names it and several actors join with it)");
        }
        s->key_owner = (uint32_t)owner;
    }
    free(key);
    return ok;
}

bool vtrace_parse(const char *path, const char *text, size_t len, vtrace *t, char *err, size_t errlen)
{
    tj r = {.file = path, .err = err, .errlen = errlen, .path = "$"};
    memset(t, 0, sizeof *t);
    t->relay = -1;
    if (!tj_trace_open(&r, &t->h, path, text, len) || !tj_trace_head(&r, &t->h, "vss-trace/1") ||
        !read_params(&r, t->h.root, &t->params))
        return false;
    t->relay = tj_actor(t->h.actor, t->h.n_actors, "relay");
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
    if (!join_keys(&r, t, steps))
        return false;
    return !t->n_steps ||
           tj_unlisted_opening(&r, t->steps[0].out.state, t->h.initial, t->h.n_actors, &t->h.owner_initial);
}

void vtrace_free(vtrace *t)
{
    for (size_t i = 0; i < t->n_steps && t->steps; i++)
        free(t->steps[i].score);
    free(t->steps);
    tj_trace_free(&t->h);
    memset(t, 0, sizeof *t);
}
