/* gpt_task: the task JSON, validated field by field.
 *
 * The schema is the Helium-era framework's: crynux-ai/gpt-task
 * src/gpt_task/models/args.py at 04a1ac3ee64fe17b0bab99eacfe0daa2e3f3ceb7
 * (2024-04-16), validated by the node with pydantic 2.5.2
 * (GPTTaskArgs.model_validate_json, crynux-node src/crynux_worker_process.py
 * at 48ffa626).  pydantic's "lax" mode decides what is accepted: unknown keys
 * are ignored, a repeated key takes its last value, integers may be written
 * as 4.0 or "4", numbers as strings, booleans as 0/1 or "true"/"yes"/...  All
 * of these are accepted here too, each with a warning (likely a mistake in a
 * hand-written task), or refused when strict.  A generation field set to null
 * is refused, as pydantic refuses it (GPTGenerationConfig's fields are not
 * Optional); messages may not be empty (the schema lets [] through, the run
 * then fails).  Combinations of fields are checked by gpt_gen_check, after
 * the model's own defaults are known (gpt_model_prepare). */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gpt/gpt.h"
#include "gpt/gpt_util.h"
#include "util/rfile.h"

typedef struct {
    const char *name;
    char *err;
    size_t errlen;
    int strict;
    gpt_task *t;
} ctx;

static int fail(ctx *c, const char *path, const char *fmt, ...)
{
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (c->name)
        snprintf(c->err, c->errlen, "%s: %s: %s", c->name, path, what);
    else
        snprintf(c->err, c->errlen, "%s: %s", path, what);
    return 2;
}

/* accepted by the framework, likely a mistake: a warning, or an error when
 * strict */
static int lax(ctx *c, const char *path, const char *what)
{
    if (c->strict)
        return fail(c, path, "%s (refused with --strict)", what);
    gpt_task *t = c->t;
    if (t->n_warnings < GPT_TASK_MAX_WARNINGS) {
        char *w = t->warning[t->n_warnings];
        if (snprintf(w, sizeof t->warning[0], "%s: %s", path, what) >= (int)sizeof t->warning[0])
            memcpy(w + sizeof t->warning[0] - 4, "...", 4); /* cut short, and says so */
    }
    t->n_warnings++;
    return 0;
}

/* pydantic ignores unknown keys and keeps the last of repeated ones */
static int check_keys(ctx *c, const cJSON *o, const char *path, const char *const *keys)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, o) {
        int known = 0;
        for (const char *const *k = keys; *k && !known; k++)
            known = it->string && !strcmp(it->string, *k);
        char p[160];
        snprintf(p, sizeof p, "%s.%.60s", path, it->string ? it->string : "?");
        if (!known && lax(c, p, "unknown field, ignored as the Helium-era framework ignores it"))
            return 2;
        for (const cJSON *o2 = o->child; known && o2 != it; o2 = o2->next)
            if (!strcmp(o2->string, it->string)) {
                if (lax(c, p, "repeated field, the last value is used"))
                    return 2;
                break;
            }
    }
    return 0;
}

/* the last member named key, as pydantic's JSON parser keeps */
static const cJSON *member(const cJSON *o, const char *key)
{
    const cJSON *it, *hit = NULL;
    cJSON_ArrayForEach(it, o)
        if (it->string && !strcmp(it->string, key))
            hit = it;
    return hit;
}

/* a number as pydantic's lax mode reads one: a JSON number, a numeric
 * string (warned), true/false as 1/0 (warned) */
static int lax_number(ctx *c, const cJSON *v, const char *path, double *out)
{
    if (cJSON_IsNumber(v)) {
        *out = v->valuedouble;
        return 0;
    }
    if (cJSON_IsBool(v)) {
        *out = cJSON_IsTrue(v);
        return lax(c, path, "a boolean used as a number (pydantic reads it as 1 or 0)") ? 2 : 0;
    }
    if (cJSON_IsString(v)) {
        char *e;
        const char *s = v->valuestring;
        double d = strtod(s, &e);
        while (*e == ' ' || *e == '\t' || *e == '\n' || *e == '\r')
            e++;
        if (*s && s != e && !*e && isfinite(d) && !strpbrk(s, "xXpP")) { /* no C hex floats */
            *out = d;
            return lax(c, path, "a number written as a string (pydantic converts it)") ? 2 : 0;
        }
    }
    return 1;
}

/* an integer in [lo, hi]: 4, 4.0, "4" */
static int get_int(ctx *c, const cJSON *v, const char *path, double lo, double hi, double *out)
{
    double d;
    int rc = lax_number(c, v, path, &d);
    if (rc == 2)
        return 2;
    if (rc || d != floor(d) || d < lo || d > hi) {
        if (hi >= 1e15)
            return fail(c, path, "expected an integer >= %.0f", lo);
        return fail(c, path, "expected an integer from %.0f to %.0f", lo, hi);
    }
    *out = d;
    return 0;
}

static int get_bool(ctx *c, const cJSON *v, const char *path, int *out)
{
    static const char *const yes[] = {"1", "on", "t", "true", "y", "yes"},
                             *const no[] = {"0", "off", "f", "false", "n", "no"};
    if (cJSON_IsBool(v)) {
        *out = cJSON_IsTrue(v);
        return 0;
    }
    int k = -1;
    if (cJSON_IsNumber(v) && (v->valuedouble == 0 || v->valuedouble == 1))
        k = v->valuedouble == 1;
    for (int i = 0; i < 6 && cJSON_IsString(v) && k < 0; i++)
        k = !strcasecmp(v->valuestring, yes[i]) ? 1 : !strcasecmp(v->valuestring, no[i]) ? 0 : -1;
    if (k < 0)
        return fail(c, path, "expected true or false");
    *out = k;
    return lax(c, path, "a boolean written as a number or string (pydantic converts it)");
}

/* the generation_config fields: name, kind (i integer, b boolean, n number),
 * the bounds avrami can run (format limits are in gpt_gen_check), where the
 * value goes and its GPT_GEN_* bit */
struct gfield {
    const char *key;
    char kind;
    double lo, hi;
    size_t off;
    unsigned bit;
};
#define GF(k, K, kind, lo, hi) {#k, kind, lo, hi, offsetof(gpt_gen_config, k), GPT_GEN_##K}
static const struct gfield GFIELDS[] = {
    GF(max_new_tokens, MAX_NEW_TOKENS, 'i', 1, GPT_MAX_NEW_TOKENS),
    GF(do_sample, DO_SAMPLE, 'b', 0, 1),
    GF(num_beams, NUM_BEAMS, 'i', 1, GPT_MAX_BEAMS),
    GF(temperature, TEMPERATURE, 'n', -1e300, 1e300),
    GF(typical_p, TYPICAL_P, 'n', -1e300, 1e300),
    GF(top_k, TOP_K, 'i', -2147483647, 2147483647),
    GF(top_p, TOP_P, 'n', -1e300, 1e300),
    GF(repetition_penalty, REPETITION_PENALTY, 'n', -1e300, 1e300),
    GF(num_return_sequences, NUM_RETURN_SEQUENCES, 'i', 1, GPT_MAX_SEQUENCES),
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
    return !g->do_sample;
}

static int parse_gen(ctx *c, const cJSON *o, gpt_task *t)
{
    gpt_gen_config *g = &t->gen;
    if (cJSON_IsNull(o))
        return 0;
    if (!cJSON_IsObject(o))
        return fail(c, "$.generation_config", "expected an object or null");
    const char *keys[NGFIELDS + 1];
    for (size_t i = 0; i < NGFIELDS; i++)
        keys[i] = GFIELDS[i].key;
    keys[NGFIELDS] = NULL;
    if (check_keys(c, o, "$.generation_config", keys))
        return 2;
    for (size_t i = 0; i < NGFIELDS; i++) {
        const struct gfield *f = &GFIELDS[i];
        const cJSON *v = member(o, f->key);
        char path[96];
        snprintf(path, sizeof path, "$.generation_config.%s", f->key);
        if (!v)
            continue;
        if (cJSON_IsNull(v))
            return fail(c, path, "expected a value, not null (the Helium-era schema refuses "
                                 "null here; leave the field out for the default)");
        char *dst = (char *)g + f->off;
        double d;
        if (f->kind == 'b') {
            if (get_bool(c, v, path, (int *)dst))
                return 2;
        } else if (f->kind == 'i') {
            if (get_int(c, v, path, f->lo, f->hi, &d))
                return 2;
            *(int *)dst = (int)d;
        } else {
            int rc = lax_number(c, v, path, &d);
            if (rc == 2)
                return 2;
            if (rc)
                return fail(c, path, "expected a number");
            *(double *)dst = d;
        }
        t->gen_set |= f->bit;
    }
    return 0;
}

/* transformers 4.35.2: generate() picks the mode from num_beams and
 * do_sample (generation/utils.py); the processors check their arguments
 * when built (generation/logits_process.py): repetition_penalty whenever it
 * is not 1, the warpers only when sampling */
int gpt_gen_check(const gpt_gen_config *g, const char *name, char *err, size_t errlen)
{
    ctx c = {name, err, errlen, 1, NULL};
    const char *nrs = "$.generation_config.num_return_sequences";
    if (g->num_beams > 1 && g->num_return_sequences > g->num_beams)
        return fail(&c, nrs, "expected at most num_beams (%d): beam search returns at most "
                             "num_beams sequences", g->num_beams);
    if (g->num_beams == 1 && !g->do_sample && g->num_return_sequences > 1)
        return fail(&c, nrs, "expected 1: greedy decoding (do_sample false, num_beams 1) "
                             "gives one sequence");
    if (g->repetition_penalty != 1.0 && !(g->repetition_penalty > 0))
        return fail(&c, "$.generation_config.repetition_penalty",
                    "expected a number > 0 (transformers raises otherwise)");
    if (!g->do_sample)
        return 0; /* greedy and beam search build no warpers: the rest is unused */
    if (g->temperature != 1.0 && !(g->temperature > 0))
        return fail(&c, "$.generation_config.temperature",
                    "expected a number > 0 when do_sample is true (transformers raises "
                    "\"temperature has to be a strictly positive float\"; for greedy decoding "
                    "set do_sample to false)");
    if (g->top_k < 0)
        return fail(&c, "$.generation_config.top_k", "expected an integer >= 0 when sampling "
                                                     "(0 turns top-k off)");
    if (g->top_p < 1.0 && !(g->top_p >= 0))
        return fail(&c, "$.generation_config.top_p", "expected a number >= 0 when sampling");
    if (g->typical_p < 1.0 && !(g->typical_p > 0))
        return fail(&c, "$.generation_config.typical_p",
                    "expected a number > 0 when sampling (1 or more turns it off)");
    return 0;
}

/* transformers 4.35.2 generation/utils.py: _expand_inputs_for_generation by
 * num_return_sequences (sample), num_beams (beam search), num_beams x
 * num_return_sequences (beam sample) */
int gpt_gen_rows(const gpt_gen_config *g)
{
    if (g->num_beams > 1)
        return g->num_beams * (g->do_sample ? g->num_return_sequences : 1);
    return g->do_sample ? g->num_return_sequences : 1;
}

static int parse_messages(ctx *c, const cJSON *a, gpt_task *t)
{
    if (!cJSON_IsArray(a))
        return fail(c, "$.messages", "expected an array of messages");
    int n = cJSON_GetArraySize(a);
    if (n < 1)
        return fail(c, "$.messages", "expected at least one message (the Helium-era schema "
                                     "takes [], but the run fails: the prompt is empty)");
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
        if (check_keys(c, m, path, keys))
            return 2;
        const cJSON *r = member(m, "role"), *s = member(m, "content");
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
    if (check_keys(c, root, "$", keys))
        return 2;
    const cJSON *v = member(root, "model");
    if (!v)
        return fail(c, "$.model", "missing field");
    if (!cJSON_IsString(v) || !v->valuestring[0])
        return fail(c, "$.model", "expected a non-empty string (a Hugging Face model id)");
    if (!(t->model = strdup(v->valuestring)))
        return fail(c, "$.model", "out of memory");
    v = member(root, "messages");
    if (!v)
        return fail(c, "$.messages", "missing field");
    if (parse_messages(c, v, t))
        return 2;
    v = member(root, "generation_config");
    if (v && parse_gen(c, v, t))
        return 2;
    double d = 0;
    v = member(root, "seed");
    /* any integer passes the schema; transformers.set_seed then seeds numpy,
     * which raises outside 0..2^32-1 */
    if (v) {
        if (get_int(c, v, "$.seed", 0, 4294967295.0, &d))
            return 2;
        t->seed = (uint64_t)d;
    }
    v = member(root, "dtype");
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
    v = member(root, "quantize_bits");
    if (v && !cJSON_IsNull(v)) {
        if (!cJSON_IsNumber(v) || (v->valuedouble != 4 && v->valuedouble != 8))
            return fail(c, "$.quantize_bits", "expected 4, 8 or null");
        t->quantize_bits = (int)v->valuedouble;
    }
    return 0;
}

int gpt_task_parse_opts(const char *name, const char *json, size_t len, int strict, gpt_task *t,
                        char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    gpt_gen_config_default(&t->gen);
    ctx c = {name, err, errlen, strict, t};
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(json, len, &end, 0);
    if (!root) {
        const char *at = cJSON_GetErrorPtr();
        size_t off = at && at >= json && at <= json + len ? (size_t)(at - json) : 0;
        snprintf(err, errlen, "%s: invalid JSON near byte %zu", name, off);
        return 2;
    }
    /* a JSON reader in Python (json.loads: "Extra data"; pydantic:
     * "trailing characters") refuses anything but white space after the
     * value, so the node would refuse such a task */
    while (end && end < json + len && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
        end++;
    if (end && end < json + len && *end) {
        snprintf(err, errlen, "%s: invalid JSON: data after the task's object at byte %zu", name,
                 (size_t)(end - json));
        cJSON_Delete(root);
        return 2;
    }
    int rc = parse_root(&c, root, t);
    cJSON_Delete(root);
    if (rc)
        gpt_task_free(t);
    return rc;
}

int gpt_task_parse(const char *name, const char *json, size_t len, gpt_task *t, char *err,
                   size_t errlen)
{
    return gpt_task_parse_opts(name, json, len, 0, t, err, errlen);
}

int gpt_task_read(const char *path, gpt_task *t, char *err, size_t errlen)
{
    return gpt_task_read_opts(path, 0, t, err, errlen);
}

int gpt_task_read_opts(const char *path, int strict, gpt_task *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    size_t n;
    char why[128];
    char *s = rfile_read(path, RFILE_MAX, &n, why, sizeof why);
    if (!s) {
        snprintf(err, errlen, "%s: cannot read the file (%s)", path, why);
        return 2;
    }
    int rc = gpt_task_parse_opts(path, s, n, strict, t, err, errlen);
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
