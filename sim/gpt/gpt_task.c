/* gpt_task: the task JSON, validated field by field.
 *
 * The schema is Helium's (../shared/GPT_TASK.md); a null generation_config
 * field means "unset".  avrami is stricter than the reference runner in two
 * ways, both to catch mistakes in hand-written tasks: unknown or repeated
 * keys are errors, and messages may not be empty.  Combinations that the generation
 * library itself refuses (several sequences from greedy decoding, more
 * sequences than beams) are refused here, naming the field. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpt/gpt.h"
#include "gpt/gpt_util.h"

typedef struct {
    const char *name;
    char *err;
    size_t errlen;
} ctx;

static int fail(ctx *c, const char *path, const char *fmt, ...)
{
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(c->err, c->errlen, "%s: %s: %s", c->name, path, what);
    return 2;
}

/* every key known and present once: O(keys^2), objects here have a handful */
static int only_keys(ctx *c, const cJSON *o, const char *path, const char *const *keys)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, o) {
        int known = 0;
        for (const char *const *k = keys; *k && !known; k++)
            known = it->string && !strcmp(it->string, *k);
        char p[160];
        snprintf(p, sizeof p, "%s.%.60s", path, it->string ? it->string : "?");
        if (!known)
            return fail(c, p, "unknown field");
        for (const cJSON *o2 = o->child; o2 != it; o2 = o2->next)
            if (!strcmp(o2->string, it->string))
                return fail(c, p, "duplicate field");
    }
    return 0;
}

/* an integral JSON number in [lo, hi] */
static int get_int(ctx *c, const cJSON *v, const char *path, double lo, double hi, double *out)
{
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || v->valuedouble < lo ||
        v->valuedouble > hi) {
        if (hi >= 1e15)
            return fail(c, path, "expected an integer >= %.0f", lo);
        return fail(c, path, "expected an integer from %.0f to %.0f", lo, hi);
    }
    *out = v->valuedouble;
    return 0;
}

/* the generation_config fields: name, kind (i integer, b boolean, n number),
 * bounds, and where the value goes */
struct gfield {
    const char *key;
    char kind;
    double lo, hi;
    int lo_open; /* number must be > lo */
    size_t off;
};
#define GF(k, kind, lo, hi, open) {#k, kind, lo, hi, open, offsetof(gpt_gen_config, k)}
static const struct gfield GFIELDS[] = {
    GF(max_new_tokens, 'i', 1, GPT_MAX_NEW_TOKENS, 0),
    GF(do_sample, 'b', 0, 1, 0),
    GF(num_beams, 'i', 1, GPT_MAX_BEAMS, 0),
    GF(temperature, 'n', 0, 1e6, 0),
    GF(typical_p, 'n', 0, 1, 1),
    GF(top_k, 'i', 0, 1e9, 0),
    GF(top_p, 'n', 0, 1, 1),
    GF(repetition_penalty, 'n', 0, 1e6, 1),
    GF(num_return_sequences, 'i', 1, GPT_MAX_SEQUENCES, 0),
};
#define NGFIELDS (sizeof GFIELDS / sizeof GFIELDS[0])

void gpt_gen_config_default(gpt_gen_config *g)
{
    g->max_new_tokens = 256;
    g->do_sample = 0;
    g->num_beams = 1;
    g->temperature = 1.0;
    g->typical_p = 1.0;
    g->top_k = 50;
    g->top_p = 1.0;
    g->repetition_penalty = 1.0;
    g->num_return_sequences = 1;
}

int gpt_task_greedy(const gpt_gen_config *g)
{
    return !g->do_sample || g->temperature == 0;
}

static int parse_gen(ctx *c, const cJSON *o, gpt_gen_config *g)
{
    if (cJSON_IsNull(o))
        return 0;
    if (!cJSON_IsObject(o))
        return fail(c, "$.generation_config", "expected an object or null");
    const char *keys[NGFIELDS + 1];
    for (size_t i = 0; i < NGFIELDS; i++)
        keys[i] = GFIELDS[i].key;
    keys[NGFIELDS] = NULL;
    if (only_keys(c, o, "$.generation_config", keys))
        return 2;
    for (size_t i = 0; i < NGFIELDS; i++) {
        const struct gfield *f = &GFIELDS[i];
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, f->key);
        char path[96];
        snprintf(path, sizeof path, "$.generation_config.%s", f->key);
        if (!v || cJSON_IsNull(v))
            continue;
        char *dst = (char *)g + f->off;
        double d;
        if (f->kind == 'b') {
            if (!cJSON_IsBool(v))
                return fail(c, path, "expected true or false");
            *(int *)dst = cJSON_IsTrue(v);
        } else if (f->kind == 'i') {
            if (get_int(c, v, path, f->lo, f->hi, &d))
                return 2;
            *(int *)dst = (int)d;
        } else {
            d = cJSON_IsNumber(v) ? v->valuedouble : NAN;
            if (!isfinite(d) || d < f->lo || (f->lo_open && d == f->lo) || d > f->hi)
                return fail(c, path, "expected a number %s %g%s", f->lo_open ? ">" : ">=", f->lo,
                            f->hi <= 1 ? " and <= 1" : "");
            *(double *)dst = d;
        }
    }
    const char *nrs = "$.generation_config.num_return_sequences";
    if (g->num_beams > 1 && g->num_return_sequences > g->num_beams)
        return fail(c, nrs, "expected at most num_beams (%d) sequences from beam search",
                    g->num_beams);
    if (g->num_beams == 1 && gpt_task_greedy(g) && g->num_return_sequences > 1)
        return fail(c, nrs, "expected 1: greedy decoding (do_sample false or temperature 0) "
                            "gives one sequence");
    return 0;
}

static int parse_messages(ctx *c, const cJSON *a, gpt_task *t)
{
    if (!cJSON_IsArray(a))
        return fail(c, "$.messages", "expected an array of messages");
    int n = cJSON_GetArraySize(a);
    if (n < 1)
        return fail(c, "$.messages", "expected at least one message");
    t->messages = calloc((size_t)n, sizeof *t->messages);
    if (!t->messages)
        return fail(c, "$.messages", "out of memory");
    static const char *const keys[] = {"role", "content", NULL};
    const cJSON *m;
    int i = 0;
    cJSON_ArrayForEach(m, a) {
        char path[64];
        snprintf(path, sizeof path, "$.messages[%d]", i);
        if (!cJSON_IsObject(m))
            return fail(c, path, "expected an object with role and content");
        if (only_keys(c, m, path, keys))
            return 2;
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(m, "role"),
                    *s = cJSON_GetObjectItemCaseSensitive(m, "content");
        snprintf(path, sizeof path, "$.messages[%d].role", i);
        gpt_role role;
        if (!r)
            return fail(c, path, "missing field");
        if (cJSON_IsString(r) && !strcmp(r->valuestring, "system"))
            role = GPT_ROLE_SYSTEM;
        else if (cJSON_IsString(r) && !strcmp(r->valuestring, "user"))
            role = GPT_ROLE_USER;
        else if (cJSON_IsString(r) && !strcmp(r->valuestring, "assistant"))
            role = GPT_ROLE_ASSISTANT;
        else
            return fail(c, path, "expected \"system\", \"user\" or \"assistant\"");
        snprintf(path, sizeof path, "$.messages[%d].content", i);
        if (!s)
            return fail(c, path, "missing field");
        if (!cJSON_IsString(s))
            return fail(c, path, "expected a string");
        t->messages[i].role = role;
        if (!(t->messages[i].content = strdup(s->valuestring)))
            return fail(c, path, "out of memory");
        t->n_messages = ++i;
    }
    return 0;
}

static int parse_root(ctx *c, const cJSON *root, gpt_task *t)
{
    static const char *const keys[] = {"model", "messages", "generation_config", "seed",
                                       "dtype", "quantize_bits", NULL};
    if (!cJSON_IsObject(root))
        return fail(c, "$", "expected a JSON object");
    if (only_keys(c, root, "$", keys))
        return 2;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "model");
    if (!v)
        return fail(c, "$.model", "missing field");
    if (!cJSON_IsString(v) || !v->valuestring[0])
        return fail(c, "$.model", "expected a non-empty string (a Hugging Face model id)");
    if (!(t->model = strdup(v->valuestring)))
        return fail(c, "$.model", "out of memory");
    v = cJSON_GetObjectItemCaseSensitive(root, "messages");
    if (!v)
        return fail(c, "$.messages", "missing field");
    if (parse_messages(c, v, t))
        return 2;
    v = cJSON_GetObjectItemCaseSensitive(root, "generation_config");
    if (v && parse_gen(c, v, &t->gen))
        return 2;
    double d;
    v = cJSON_GetObjectItemCaseSensitive(root, "seed");
    if (v) {
        if (get_int(c, v, "$.seed", 0, 9007199254740992.0, &d))
            return 2;
        t->seed = (uint64_t)d;
    }
    v = cJSON_GetObjectItemCaseSensitive(root, "dtype");
    if (v) {
        static const char *const names[] = {"auto", "float16", "bfloat16", "float32"};
        int k = -1;
        for (int i = 0; i < 4 && cJSON_IsString(v); i++)
            if (!strcmp(v->valuestring, names[i]))
                k = i;
        if (k < 0)
            return fail(c, "$.dtype",
                        "expected \"float16\", \"bfloat16\", \"float32\" or \"auto\"");
        t->dtype = (gpt_dtype)k;
    }
    v = cJSON_GetObjectItemCaseSensitive(root, "quantize_bits");
    if (v && !cJSON_IsNull(v)) {
        if (!cJSON_IsNumber(v) || (v->valuedouble != 4 && v->valuedouble != 8))
            return fail(c, "$.quantize_bits", "expected 4, 8 or null");
        t->quantize_bits = (int)v->valuedouble;
    }
    return 0;
}

int gpt_task_parse(const char *name, const char *json, size_t len, gpt_task *t, char *err,
                   size_t errlen)
{
    memset(t, 0, sizeof *t);
    gpt_gen_config_default(&t->gen);
    ctx c = {name, err, errlen};
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (!root) {
        const char *at = cJSON_GetErrorPtr();
        size_t off = at && at >= json && at <= json + len ? (size_t)(at - json) : 0;
        snprintf(err, errlen, "%s: invalid JSON near byte %zu", name, off);
        return 2;
    }
    int rc = parse_root(&c, root, t);
    cJSON_Delete(root);
    if (rc)
        gpt_task_free(t);
    return rc;
}

int gpt_task_read(const char *path, gpt_task *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    size_t n;
    char *s = gpt_read_file(path, &n);
    if (!s) {
        snprintf(err, errlen, "%s: cannot read the file", path);
        return 2;
    }
    int rc = gpt_task_parse(path, s, n, t, err, errlen);
    free(s);
    return rc;
}

void gpt_task_free(gpt_task *t)
{
    for (int i = 0; i < t->n_messages; i++)
        free(t->messages[i].content);
    free(t->messages);
    free(t->model);
    t->messages = NULL;
    t->model = NULL;
    t->n_messages = 0;
}

const char *gpt_role_name(gpt_role r)
{
    return r == GPT_ROLE_SYSTEM ? "system" : r == GPT_ROLE_USER ? "user" : "assistant";
}

const char *gpt_dtype_name(gpt_dtype d)
{
    static const char *const names[] = {"auto", "float16", "bfloat16", "float32"};
    return names[d];
}
