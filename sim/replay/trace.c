/* Reading a helium-trace/1 file into steps the replay can apply.  Strict:
 * a field that is missing, has the wrong type or an impossible value is an
 * error naming the file and its JSON path; the replay never guesses. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay/trace.h"
#include "util/rfile.h"

typedef struct rd {
    const char *file;
    char *err;
    size_t errlen;
    char path[256];
} rd;

static bool fail(rd *r, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(r->err, r->errlen, "%s: %s: %s", r->file, r->path, msg);
    return false;
}

/* path helpers: push returns the old length to pop back to */
static size_t push(rd *r, const char *fmt, ...)
{
    size_t old = strlen(r->path);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->path + old, sizeof r->path - old, fmt, ap);
    va_end(ap);
    return old;
}
static void pop(rd *r, size_t old) { r->path[old] = '\0'; }

static const cJSON *field(rd *r, const cJSON *obj, const char *key, size_t *old)
{
    *old = push(r, ".%s", key);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v)
        fail(r, "missing field");
    return v;
}

/* Every key of obj must be one of known (NULL-terminated). */
static bool keys_known(rd *r, const cJSON *obj, const char *const *known)
{
    for (const cJSON *k = obj->child; k; k = k->next) {
        size_t i = 0;
        while (known[i] && strcmp(known[i], k->string))
            i++;
        if (!known[i]) {
            size_t old = push(r, ".%s", k->string);
            bool ok = fail(r, "unknown key");
            pop(r, old);
            return ok;
        }
    }
    return true;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* No object anywhere in the trace may repeat a key (cJSON would silently
 * keep the first).  O(n log n) per object. */
static bool no_duplicates(rd *r, const cJSON *j)
{
    if (cJSON_IsObject(j)) {
        size_t n = 0;
        for (const cJSON *k = j->child; k; k = k->next)
            n++;
        const char **names = malloc((n + 1) * sizeof *names);
        if (!names)
            return fail(r, "out of memory");
        n = 0;
        for (const cJSON *k = j->child; k; k = k->next)
            names[n++] = k->string;
        qsort(names, n, sizeof *names, by_name);
        for (size_t i = 1; i < n; i++)
            if (!strcmp(names[i - 1], names[i])) {
                size_t old = push(r, ".%s", names[i]);
                free(names);
                bool ok = fail(r, "duplicate key");
                pop(r, old);
                return ok;
            }
        free(names);
    }
    int i = 0;
    for (const cJSON *k = j->child; k; k = k->next, i++) {
        size_t old = cJSON_IsObject(j) ? push(r, ".%s", k->string) : push(r, "[%d]", i);
        if (!no_duplicates(r, k))
            return false;
        pop(r, old);
    }
    return true;
}

static bool get_uint(rd *r, const cJSON *obj, const char *key, uint64_t max, uint64_t *out)
{
    size_t old;
    const cJSON *v = field(r, obj, key, &old);
    if (!v)
        return false;
    if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 9007199254740992.0 ||
        v->valuedouble != (double)(uint64_t)v->valuedouble)
        return fail(r, "expected a non-negative integer");
    if ((uint64_t)v->valuedouble > max)
        return fail(r, "expected an integer at most %llu", (unsigned long long)max);
    *out = (uint64_t)v->valuedouble;
    pop(r, old);
    return true;
}

static bool get_string(rd *r, const cJSON *obj, const char *key, const char **out)
{
    size_t old;
    const cJSON *v = field(r, obj, key, &old);
    if (!v)
        return false;
    if (!cJSON_IsString(v))
        return fail(r, "expected a string");
    *out = v->valuestring;
    pop(r, old);
    return true;
}

static bool get_wei(rd *r, const cJSON *obj, const char *key, wei_t *out)
{
    const char *s;
    if (!get_string(r, obj, key, &s))
        return false;
    if (!wei_parse(s, out)) {
        size_t old = push(r, ".%s", key);
        bool ok = fail(r, "expected a decimal wei amount below 2^128, got \"%.40s\"", s);
        pop(r, old);
        return ok;
    }
    return true;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* "0x" + an even number of hex digits; exact32 demands 32 bytes. */
static bool get_hex(rd *r, const cJSON *obj, const char *key, bool exact32, uint8_t *fixed,
                    uint8_t **dyn, size_t *len)
{
    const char *s;
    if (!get_string(r, obj, key, &s))
        return false;
    size_t old = push(r, ".%s", key);
    size_t n = strlen(s);
    if (n < 2 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || n % 2)
        return fail(r, "expected 0x followed by an even number of hex digits");
    size_t bytes = (n - 2) / 2;
    if (exact32 && bytes != 32)
        return fail(r, "expected 32 bytes (64 hex digits), got %zu bytes", bytes);
    uint8_t *dst = fixed;
    if (!exact32) {
        dst = malloc(bytes ? bytes : 1);
        if (!dst)
            return fail(r, "out of memory");
        *dyn = dst;
        *len = bytes;
    }
    for (size_t i = 0; i < bytes; i++) {
        int hi = hexval(s[2 + 2 * i]), lo = hexval(s[3 + 2 * i]);
        if (hi < 0 || lo < 0)
            return fail(r, "expected hex digits, found '%c'", hi < 0 ? s[2 + 2 * i] : s[3 + 2 * i]);
        dst[i] = (uint8_t)(hi << 4 | lo);
    }
    pop(r, old);
    return true;
}

static bool get_actor(rd *r, const trace *t, const cJSON *obj, const char *key, uint32_t *out)
{
    const char *s;
    if (!get_string(r, obj, key, &s))
        return false;
    int64_t a = trace_actor(t, s);
    if (a < 0) {
        size_t old = push(r, ".%s", key);
        bool ok = fail(r, "expected an actor listed in $.accounts, got \"%.40s\"", s);
        pop(r, old);
        return ok;
    }
    *out = (uint32_t)a;
    return true;
}

int64_t trace_actor(const trace *t, const char *name)
{
    for (uint32_t i = 0; i < t->n_actors; i++)
        if (!strcmp(t->actor[i], name))
            return i;
    return -1;
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

static bool read_params(rd *r, const cJSON *root, proto_params *prm)
{
    size_t old;
    const cJSON *p = field(r, root, "params", &old);
    if (!p)
        return false;
    if (!cJSON_IsObject(p))
        return fail(r, "expected an object");
    static const char *const known[] = {"stake_wei", "task_timeout_s", "queue_size_limit", "kickout_threshold",
                                        "task_score_rewards", "task_score_pool_size", "distance_threshold",
                                        "max_nodes", NULL};
    if (!keys_known(r, p, known))
        return false;
    uint64_t v;
    *prm = proto_params_helium();
    if (!get_wei(r, p, "stake_wei", &prm->stake))
        return false;
#define U(key, dst, max)                     \
    if (!get_uint(r, p, key, max, &v))       \
        return false;                        \
    dst = (uint32_t)v;
    if (!get_uint(r, p, "task_timeout_s", UINT32_MAX, &prm->task_timeout_s))
        return false;
    U("queue_size_limit", prm->queue_size_limit, 10000000)
    U("kickout_threshold", prm->kickout_threshold, UINT32_MAX)
    U("task_score_pool_size", prm->task_score_pool_size, 16)
    U("distance_threshold", prm->distance_threshold, 65)
    U("max_nodes", prm->max_nodes, UINT32_MAX)
#undef U
    size_t o2;
    if (prm->task_score_pool_size == 0) {
        push(r, ".task_score_pool_size");
        return fail(r, "expected an integer from 1 to 16");
    }
    const cJSON *rw = field(r, p, "task_score_rewards", &o2);
    if (!rw)
        return false;
    if (!cJSON_IsArray(rw) || cJSON_GetArraySize(rw) != 3)
        return fail(r, "expected an array of 3 integers");
    for (int i = 0; i < 3; i++) {
        const cJSON *e = cJSON_GetArrayItem(rw, i);
        if (!cJSON_IsNumber(e) || e->valuedouble < 0 || e->valuedouble > 1e9 ||
            e->valuedouble != (double)(uint32_t)e->valuedouble) {
            push(r, "[%d]", i);
            return fail(r, "expected a non-negative integer");
        }
        prm->task_score_rewards[i] = (uint32_t)e->valuedouble;
    }
    pop(r, o2);
    pop(r, old);
    return true;
}

/* The arguments each op may carry (create_task's hashes are recorded but
 * not needed by the model). */
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

static bool read_args(rd *r, trace *t, trace_step *s, const cJSON *args)
{
    const char *str;
    if (!keys_known(r, args, ARGS[s->op]))
        return false;
    switch (s->op) {
    case TOP_JOIN:
        return get_string(r, args, "gpu_name", &s->gpu_name) &&
               get_uint(r, args, "gpu_vram", UINT32_MAX, &s->gpu_vram);
    case TOP_QUIT: case TOP_PAUSE: case TOP_RESUME:
        return true;
    case TOP_CREATE_TASK:
        if (!get_string(r, args, "task_type", &str))
            return false;
        if (strcmp(str, "sd") && strcmp(str, "gpt")) {
            size_t old = push(r, ".task_type");
            bool ok = fail(r, "expected \"sd\" or \"gpt\"");
            pop(r, old);
            return ok;
        }
        s->task_type = strcmp(str, "sd") ? PROTO_GPT : PROTO_SD;
        {
            uint64_t cap;
            if (!get_uint(r, args, "vram_limit", UINT32_MAX, &s->vram_limit) ||
                !get_wei(r, args, "task_fee", &s->task_fee) ||
                !get_uint(r, args, "cap", UINT64_MAX, &cap))
                return false;
            s->cap = cap;
            return true;
        }
    case TOP_COMMIT:
        return get_uint(r, args, "task_id", UINT64_MAX, &s->task_id) &&
               get_uint(r, args, "round", UINT64_MAX, &s->round) &&
               get_hex(r, args, "result", false, NULL, &s->result, &s->result_len) &&
               get_hex(r, args, "nonce", true, s->nonce, NULL, NULL);
    case TOP_COMMIT_RAW:
        return get_uint(r, args, "task_id", UINT64_MAX, &s->task_id) &&
               get_uint(r, args, "round", UINT64_MAX, &s->round) &&
               get_hex(r, args, "commitment", true, s->commitment, NULL, NULL) &&
               get_hex(r, args, "nonce", true, s->nonce, NULL, NULL);
    case TOP_DISCLOSE:
        return get_uint(r, args, "task_id", UINT64_MAX, &s->task_id) &&
               get_uint(r, args, "round", UINT64_MAX, &s->round) &&
               get_hex(r, args, "result", false, NULL, &s->result, &s->result_len);
    case TOP_REPORT_ERROR: case TOP_REPORT_UPLOADED:
        return get_uint(r, args, "task_id", UINT64_MAX, &s->task_id) &&
               get_uint(r, args, "round", UINT64_MAX, &s->round);
    case TOP_CANCEL:
        return get_uint(r, args, "task_id", UINT64_MAX, &s->task_id);
    }
    (void)t;
    return true;
}

/* The nodes a create_task step started its task on, from its TaskStarted
 * events; these are forced on the model instead of redrawn. */
static bool read_forced(rd *r, trace *t, trace_step *s)
{
    int seen = 0;
    for (int i = 0; i < cJSON_GetArraySize(s->events); i++) {
        const cJSON *e = cJSON_GetArrayItem(s->events, i);
        size_t old = push(r, ".events[%d]", i);
        const char *name;
        if (!cJSON_IsObject(e))
            return fail(r, "expected an event object");
        if (!get_string(r, e, "name", &name))
            return false;
        if (!strcmp(name, "TaskStarted")) {
            uint64_t round;
            uint32_t node;
            if (!get_uint(r, e, "round", 2, &round) || !get_actor(r, t, e, "node", &node))
                return false;
            if (seen & (1 << round))
                return fail(r, "round %llu started twice", (unsigned long long)round);
            seen |= 1 << round;
            s->forced[round] = node;
        }
        pop(r, old);
    }
    if (seen && seen != 7)
        return fail(r, "TaskStarted events must cover rounds 0, 1 and 2");
    s->has_forced = seen == 7;
    return true;
}

static bool read_step(rd *r, trace *t, const cJSON *js, size_t idx, uint64_t *last_time)
{
    trace_step *s = &t->steps[idx];
    size_t old = push(r, ".steps[%zu]", idx);
    const char *op;
    uint64_t i;
    if (!cJSON_IsObject(js))
        return fail(r, "expected a step object");
    static const char *const known[] = {"i", "time", "op", "from", "args", "ok", "revert", "events", "state", NULL};
    if (!keys_known(r, js, known))
        return false;
    if (!get_uint(r, js, "i", UINT64_MAX, &i))
        return false;
    if (i != idx) {
        push(r, ".i");
        return fail(r, "expected %zu (steps are numbered from 0 in order)", idx);
    }
    if (!get_uint(r, js, "time", UINT64_MAX / 2, &s->time))
        return false;
    if (s->time < *last_time) {
        push(r, ".time");
        return fail(r, "time went backwards (%llu after %llu)", (unsigned long long)s->time,
                    (unsigned long long)*last_time);
    }
    *last_time = s->time;
    if (!get_string(r, js, "op", &op))
        return false;
    size_t k;
    for (k = 0; k < sizeof OPS / sizeof OPS[0] && strcmp(OPS[k].name, op); k++)
        ;
    if (k == sizeof OPS / sizeof OPS[0]) {
        push(r, ".op");
        return fail(r, "unknown op \"%.40s\" (expected join, quit, pause, resume, create_task, "
                       "commit, commit_raw, disclose, report_error, report_uploaded or cancel)", op);
    }
    s->op = OPS[k].op;
    if (!get_actor(r, t, js, "from", &s->from))
        return false;
    size_t o2;
    const cJSON *args = field(r, js, "args", &o2);
    if (!args)
        return false;
    if (!cJSON_IsObject(args))
        return fail(r, "expected an object");
    if (!read_args(r, t, s, args))
        return false;
    pop(r, o2);
    const cJSON *ok = field(r, js, "ok", &o2);
    if (!ok)
        return false;
    if (!cJSON_IsBool(ok))
        return fail(r, "expected true or false");
    s->ok = cJSON_IsTrue(ok);
    pop(r, o2);
    const cJSON *rev = field(r, js, "revert", &o2);
    if (!rev)
        return false;
    if (s->ok ? !cJSON_IsNull(rev) : !cJSON_IsString(rev))
        return fail(r, s->ok ? "expected null (the step succeeded)" : "expected the revert reason");
    s->revert = s->ok ? NULL : rev->valuestring;
    pop(r, o2);
    s->events = field(r, js, "events", &o2);
    if (!s->events)
        return false;
    if (!cJSON_IsArray(s->events))
        return fail(r, "expected an array");
    pop(r, o2);
    s->state = field(r, js, "state", &o2);
    if (!s->state)
        return false;
    if (!cJSON_IsObject(s->state))
        return fail(r, "expected an object");
    pop(r, o2);
    if (s->op == TOP_CREATE_TASK && !read_forced(r, t, s))
        return false;
    pop(r, old);
    return true;
}

bool trace_parse(const char *path, const char *text, size_t len, trace *t, char *err, size_t errlen)
{
    rd r = {.file = path, .err = err, .errlen = errlen, .path = "$"};
    memset(t, 0, sizeof *t);
    t->path = strdup(path);
    const char *end = NULL;
    t->root = cJSON_ParseWithLengthOpts(text, len, &end, false);
    if (!t->root) {
        const char *at = end ? end : cJSON_GetErrorPtr();
        size_t off = at && at >= text && at <= text + len ? (size_t)(at - text) : 0;
        snprintf(err, errlen, "%s: invalid JSON near byte %zu", path, off);
        return false;
    }
    while (end && end < text + len && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
        end++;
    if (end && end < text + len) {
        snprintf(err, errlen, "%s: trailing data after the JSON at byte %zu", path, (size_t)(end - text));
        return false;
    }
    if (!cJSON_IsObject(t->root))
        return fail(&r, "expected a JSON object");
    static const char *const known[] = {"format", "name", "description", "params", "accounts", "steps", NULL};
    if (!no_duplicates(&r, t->root) || !keys_known(&r, t->root, known))
        return false;
    const char *fmt, *name;
    if (!get_string(&r, t->root, "format", &fmt))
        return false;
    if (strcmp(fmt, "helium-trace/1")) {
        push(&r, ".format");
        return fail(&r, "expected \"helium-trace/1\"");
    }
    if (!get_string(&r, t->root, "name", &name))
        return false;
    t->name = strdup(name);
    if (!read_params(&r, t->root, &t->params))
        return false;
    size_t old;
    const cJSON *acc = field(&r, t->root, "accounts", &old);
    if (!acc)
        return false;
    if (!cJSON_IsObject(acc))
        return fail(&r, "expected an object of actor -> initial balance");
    t->n_actors = (uint32_t)cJSON_GetArraySize(acc);
    t->actor = calloc(t->n_actors + 1, sizeof *t->actor);
    t->initial = calloc(t->n_actors + 1, sizeof *t->initial);
    if (!t->actor || !t->initial)
        return fail(&r, "out of memory");
    uint32_t n = 0;
    for (const cJSON *a = acc->child; a; a = a->next, n++) {
        t->actor[n] = a->string;
        if (a->string[0] == '@' || trace_actor(t, a->string) < n) {
            push(&r, ".%s", a->string);
            return fail(&r, "expected a unique actor name not starting with '@'");
        }
        if (!get_wei(&r, acc, a->string, &t->initial[n]))
            return false;
    }
    pop(&r, old);
    const cJSON *steps = field(&r, t->root, "steps", &old);
    if (!steps)
        return false;
    if (!cJSON_IsArray(steps))
        return fail(&r, "expected an array");
    pop(&r, old);
    t->n_steps = (size_t)cJSON_GetArraySize(steps);
    t->steps = calloc(t->n_steps + 1, sizeof *t->steps);
    if (!t->steps)
        return fail(&r, "out of memory");
    uint64_t last_time = 0;
    size_t idx = 0;
    for (const cJSON *js = steps->child; js; js = js->next, idx++)
        if (!read_step(&r, t, js, idx, &last_time))
            return false;
    /* The owner's opening balance is not listed; conservation gives it. */
    if (t->n_steps) {
        const cJSON *bal = cJSON_GetObjectItemCaseSensitive(t->steps[0].state, "balances");
        wei_t sum = 0, listed = 0, v;
        strcpy(r.path, "$.steps[0].state.balances");
        if (!cJSON_IsObject(bal))
            return fail(&r, "expected an object");
        for (const cJSON *b = bal->child; b; b = b->next)
            if (!get_wei(&r, bal, b->string, &v) || !wei_add(sum, v, &sum))
                return sum ? fail(&r, "balances overflow 128 bits") : false;
        for (uint32_t i = 0; i < t->n_actors; i++)
            listed += t->initial[i];
        if (sum < listed)
            return fail(&r, "balances sum to less than the accounts' opening balances");
        t->owner_initial = sum - listed;
    }
    return true;
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
    free(t->actor);
    free(t->initial);
    free(t->name);
    free(t->path);
    cJSON_Delete(t->root);
    memset(t, 0, sizeof *t);
}
