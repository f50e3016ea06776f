/* Scenario loading and strict validation (see scn.h, docs/scenarios.md). */
#include "scenario/scn.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

/* Parse context: the file named in messages and where the first error goes. */
typedef struct pctx {
    const char *file;
    const char *base_dir;
    char *err;
} pctx;

#define PATH_MAX_LEN 256

static bool fail(pctx *c, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool fail(pctx *c, const char *path, const char *fmt, ...)
{
    int n = snprintf(c->err, SCN_ERR_MAX, "%s: %s: ", c->file, path);
    if (n < 0 || n >= SCN_ERR_MAX)
        return false;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err + n, SCN_ERR_MAX - (size_t)n, fmt, ap);
    va_end(ap);
    return false;
}

static const char *type_name(const cJSON *j)
{
    if (cJSON_IsString(j)) return "a string";
    if (cJSON_IsNumber(j)) return "a number";
    if (cJSON_IsObject(j)) return "an object";
    if (cJSON_IsArray(j)) return "an array";
    if (cJSON_IsBool(j)) return "a boolean";
    if (cJSON_IsNull(j)) return "null";
    return "something else";
}

unsigned scn_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return 64;
    unsigned row[64];
    for (size_t j = 0; j <= lb; j++)
        row[j] = (unsigned)j;
    for (size_t i = 1; i <= la; i++) {
        unsigned diag = row[0];
        row[0] = (unsigned)i;
        for (size_t j = 1; j <= lb; j++) {
            unsigned up = row[j];
            unsigned best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

static void sub(char *out, const char *path, const char *key)
{
    /* paths longer than PATH_MAX_LEN are cut; messages stay readable */
    if (snprintf(out, PATH_MAX_LEN, "%s.%s", path, key) >= PATH_MAX_LEN)
        out[PATH_MAX_LEN - 1] = 0;
}

static void idx(char *out, const char *path, int i)
{
    if (snprintf(out, PATH_MAX_LEN, "%s[%d]", path, i) >= PATH_MAX_LEN)
        out[PATH_MAX_LEN - 1] = 0;
}

static bool want_object(pctx *c, const cJSON *j, const char *path)
{
    if (!cJSON_IsObject(j))
        return fail(c, path, "expected an object, got %s", type_name(j));
    return true;
}

/* Every key of obj must be in keys (NULL-terminated). */
static bool keys_ok(pctx *c, const cJSON *obj, const char *path, const char *const *keys)
{
    for (const cJSON *it = obj->child; it; it = it->next) {
        bool known = false;
        const char *best = NULL;
        unsigned bestd = ~0u;
        for (const char *const *k = keys; *k; k++) {
            if (!strcmp(*k, it->string)) {
                known = true;
                break;
            }
            unsigned d = scn_edit_distance(*k, it->string);
            if (d < bestd) {
                bestd = d;
                best = *k;
            }
        }
        if (!known) {
            char p[PATH_MAX_LEN];
            sub(p, path, it->string);
            if (best && bestd <= 3)
                return fail(c, p, "expected a known key, got unknown key \"%s\" (did you mean \"%s\"?)",
                            it->string, best);
            return fail(c, p, "expected a known key, got unknown key \"%s\"", it->string);
        }
    }
    return true;
}

static bool get_num(pctx *c, const cJSON *obj, const char *path, const char *key, double lo,
                    double hi, double def, double *out)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
    char p[PATH_MAX_LEN];
    sub(p, path, key);
    if (!j) {
        *out = def;
        return true;
    }
    if (!cJSON_IsNumber(j))
        return fail(c, p, "expected a number in [%g, %g], got %s", lo, hi, type_name(j));
    if (!(j->valuedouble >= lo && j->valuedouble <= hi))
        return fail(c, p, "expected a number in [%g, %g], got %g", lo, hi, j->valuedouble);
    *out = j->valuedouble;
    return true;
}

static bool get_u64(pctx *c, const cJSON *obj, const char *path, const char *key, uint64_t lo,
                    uint64_t hi, uint64_t def, uint64_t *out)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
    char p[PATH_MAX_LEN];
    sub(p, path, key);
    if (!j) {
        *out = def;
        return true;
    }
    double v = j->valuedouble;
    if (!cJSON_IsNumber(j))
        return fail(c, p, "expected an integer in [%llu, %llu], got %s", (unsigned long long)lo,
                    (unsigned long long)hi, type_name(j));
    if (v != floor(v) || v < (double)lo || v > (double)hi || v > 9e15)
        return fail(c, p, "expected an integer in [%llu, %llu], got %.17g", (unsigned long long)lo,
                    (unsigned long long)hi, v);
    *out = (uint64_t)v;
    return true;
}

static bool get_u32(pctx *c, const cJSON *obj, const char *path, const char *key, uint32_t lo,
                    uint32_t hi, uint32_t def, uint32_t *out)
{
    uint64_t v;
    if (!get_u64(c, obj, path, key, lo, hi, def, &v))
        return false;
    *out = (uint32_t)v;
    return true;
}

static bool get_wei(pctx *c, const cJSON *obj, const char *path, const char *key, const char *def,
                    wei_t *out)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
    char p[PATH_MAX_LEN];
    sub(p, path, key);
    if (!j) {
        if (!def)
            return fail(c, p, "expected a decimal wei string, got nothing (the key is required)");
        return wei_parse(def, out);
    }
    if (!cJSON_IsString(j) || !wei_parse(j->valuestring, out))
        return fail(c, p, "expected a decimal wei string such as \"400000000000000000000\", got %s",
                    cJSON_IsString(j) ? "a string that is not a 128-bit decimal integer"
                                      : type_name(j));
    return true;
}

static bool get_str(pctx *c, const cJSON *obj, const char *path, const char *key, const char *def,
                    char *out, size_t cap)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
    char p[PATH_MAX_LEN];
    sub(p, path, key);
    if (!j) {
        if (!def)
            return fail(c, p, "expected a string, got nothing (the key is required)");
        snprintf(out, cap, "%s", def);
        return true;
    }
    if (!cJSON_IsString(j))
        return fail(c, p, "expected a string, got %s", type_name(j));
    if (strlen(j->valuestring) >= cap)
        return fail(c, p, "expected a string of at most %zu characters", cap - 1);
    snprintf(out, cap, "%s", j->valuestring);
    return true;
}

static bool get_bool(pctx *c, const cJSON *obj, const char *path, const char *key, bool def,
                     bool *out)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
    char p[PATH_MAX_LEN];
    sub(p, path, key);
    if (!j) {
        *out = def;
        return true;
    }
    if (!cJSON_IsBool(j))
        return fail(c, p, "expected true or false, got %s", type_name(j));
    *out = cJSON_IsTrue(j);
    return true;
}

/* Optional sub-object: NULL when absent (defaults apply), false on error. */
static bool get_obj(pctx *c, const cJSON *obj, const char *path, const char *key,
                    const char *const *keys, const cJSON **out, char *subpath)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
    sub(subpath, path, key);
    *out = NULL;
    if (!j)
        return true;
    if (!want_object(c, j, subpath) || !keys_ok(c, j, subpath, keys))
        return false;
    *out = j;
    return true;
}

static const cJSON EMPTY_OBJ = {.type = cJSON_Object};

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t r = fread(buf + n, 1, cap - n - 1, f);
        n += r;
        if (n + 1 < cap)
            break;
        char *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    fclose(f);
    if (buf) {
        buf[n] = 0;
        if (len)
            *len = n;
    }
    return buf;
}

/* Relative paths are tried from the working directory, then from the
 * scenario's directory and its parent (scenarios/ sits beside models/). */
static char *read_relative(pctx *c, const char *name, char *resolved, size_t cap)
{
    snprintf(resolved, cap, "%s", name);
    char *t = read_file(resolved, NULL);
    if (t || name[0] == '/' || !c->base_dir)
        return t;
    snprintf(resolved, cap, "%s/%s", c->base_dir, name);
    if ((t = read_file(resolved, NULL)))
        return t;
    snprintf(resolved, cap, "%s/../%s", c->base_dir, name);
    return read_file(resolved, NULL);
}

/* ---- cards ---- */

static bool load_cards(pctx *c, const char *name, scn *s)
{
    char resolved[1024];
    char *text = read_relative(c, name, resolved, sizeof resolved);
    if (!text)
        return fail(c, "$.cards_file", "expected a readable card file, got \"%s\" (%s)", name,
                    strerror(errno));
    cJSON *root = cJSON_Parse(text);
    free(text);
    pctx cc = {resolved, c->base_dir, c->err};
    const cJSON *arr = root ? cJSON_GetObjectItemCaseSensitive(root, "cards") : NULL;
    if (!cJSON_IsArray(arr)) {
        cJSON_Delete(root);
        return fail(&cc, "$.cards", "expected an array of cards");
    }
    int n = cJSON_GetArraySize(arr);
    s->cards = calloc(n ? (size_t)n : 1, sizeof *s->cards);
    int i = 0;
    for (const cJSON *it = arr->child; it; it = it->next, i++) {
        char p[PATH_MAX_LEN];
        idx(p, "$.cards", i);
        scn_card *k = &s->cards[i];
        uint64_t vram;
        if (!want_object(&cc, it, p) ||
            !get_str(&cc, it, p, "name", NULL, k->name, sizeof k->name) ||
            !get_u64(&cc, it, p, "vram_gb", 1, 1024, 0, &vram) ||
            !get_num(&cc, it, p, "relative_speed", 1e-6, 1e6, 0, &k->relative_speed)) {
            cJSON_Delete(root);
            return false;
        }
        if (!vram || k->relative_speed <= 0) {
            cJSON_Delete(root);
            return fail(&cc, p, "expected vram_gb and relative_speed for every card");
        }
        k->vram_gb = (uint32_t)vram;
    }
    s->n_cards = (uint32_t)n;
    cJSON_Delete(root);
    return true;
}

static bool find_card(pctx *c, const scn *s, const char *path, const char *name, uint32_t *out)
{
    const char *best = NULL;
    unsigned bestd = ~0u;
    for (uint32_t i = 0; i < s->n_cards; i++) {
        if (!strcmp(s->cards[i].name, name)) {
            *out = i;
            return true;
        }
        unsigned d = scn_edit_distance(s->cards[i].name, name);
        if (d < bestd) {
            bestd = d;
            best = s->cards[i].name;
        }
    }
    if (best && bestd <= 6)
        return fail(c, path, "expected a card name from the card file, got \"%s\" (did you mean \"%s\"?)",
                    name, best);
    return fail(c, path, "expected a card name from the card file, got \"%s\"", name);
}

/* ---- sections ---- */

static bool parse_protocol(pctx *c, const cJSON *root, scn *s)
{
    static const char *const keys[] = {"stake", "task_timeout_s", "queue_size_limit",
        "kickout_threshold", "task_score_rewards", "task_score_pool_size", "distance_threshold",
        "max_nodes", NULL};
    char p[PATH_MAX_LEN];
    const cJSON *o;
    if (!get_obj(c, root, "$", "protocol", keys, &o, p))
        return false;
    if (!o)
        o = &EMPTY_OBJ;
    proto_params *pp = &s->params;
    /* Helium defaults (PROTOCOL.md) */
    if (!get_wei(c, o, p, "stake", "400000000000000000000", &pp->stake) ||
        !get_u64(c, o, p, "task_timeout_s", 1, 86400 * 30, 900, &pp->task_timeout_s) ||
        !get_u32(c, o, p, "queue_size_limit", 1, 10000000, 50, &pp->queue_size_limit) ||
        !get_u32(c, o, p, "kickout_threshold", 0, 1000, 20, &pp->kickout_threshold) ||
        !get_u32(c, o, p, "task_score_pool_size", 3, 3, 3, &pp->task_score_pool_size) ||
        !get_u32(c, o, p, "distance_threshold", 0, 64, 5, &pp->distance_threshold) ||
        !get_u32(c, o, p, "max_nodes", 3, 100000000, 100000, &pp->max_nodes))
        return false;
    uint32_t def[3] = {10, 9, 6};
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(o, "task_score_rewards");
    char rp[PATH_MAX_LEN];
    sub(rp, p, "task_score_rewards");
    if (r) {
        if (!cJSON_IsArray(r) || cJSON_GetArraySize(r) != 3)
            return fail(c, rp, "expected an array of 3 integers, got %s", type_name(r));
        int i = 0;
        for (const cJSON *it = r->child; it; it = it->next, i++) {
            char ip[PATH_MAX_LEN];
            idx(ip, rp, i);
            if (!cJSON_IsNumber(it) || it->valuedouble != floor(it->valuedouble) ||
                it->valuedouble < 0 || it->valuedouble > 1000)
                return fail(c, ip, "expected an integer in [0, 1000], got %s", type_name(it));
            def[i] = (uint32_t)it->valuedouble;
        }
    }
    memcpy(pp->task_score_rewards, def, sizeof def);
    return true;
}

static bool parse_chain_relay(pctx *c, const cJSON *root, scn *s)
{
    static const char *const ck[] = {"block_time_s", "submission_latency_s", "observation_delay_s", NULL};
    static const char *const rk[] = {"bandwidth_mbps", "latency_s", NULL};
    static const char *const tk[] = {"model", "noise_sigma", NULL};
    char p[PATH_MAX_LEN];
    const cJSON *o;
    if (!get_obj(c, root, "$", "chain", ck, &o, p))
        return false;
    if (!o)
        o = &EMPTY_OBJ;
    if (!get_num(c, o, p, "block_time_s", 0.001, 3600, 2, &s->block_time_s) ||
        !get_num(c, o, p, "submission_latency_s", 0, 3600, 0.5, &s->submit_latency_s) ||
        !get_num(c, o, p, "observation_delay_s", 0, 3600, 1, &s->observe_delay_s))
        return false;
    if (!get_obj(c, root, "$", "relay", rk, &o, p))
        return false;
    if (!o)
        o = &EMPTY_OBJ;
    if (!get_num(c, o, p, "bandwidth_mbps", 0.001, 1e6, 50, &s->relay_mbps) ||
        !get_num(c, o, p, "latency_s", 0, 60, 0.1, &s->relay_latency_s))
        return false;
    if (!get_obj(c, root, "$", "timing", tk, &o, p))
        return false;
    if (!o)
        o = &EMPTY_OBJ;
    char model[SCN_NAME_MAX];
    if (!get_str(c, o, p, "model", "parametric", model, sizeof model))
        return false;
    if (strcmp(model, "parametric")) {
        char mp[PATH_MAX_LEN];
        sub(mp, p, "model");
        return fail(c, mp, "expected \"parametric\", got \"%s\"", model);
    }
    return get_num(c, o, p, "noise_sigma", 0, 3, 0.1, &s->noise_sigma);
}

static bool parse_network(pctx *c, const cJSON *root, scn *s)
{
    static const char *const nk[] = {"nodes", "cards", "download_mbps", "model_cache", "churn",
                                     "node_cancel_after_s", NULL};
    static const char *const ck[] = {"join_rate_per_h", "pause_rate_per_h", "pause_mean_s",
                                     "quit_rate_per_h", "vanish_probability", NULL};
    static const char *const mk[] = {"card", "share", NULL};
    char p[PATH_MAX_LEN];
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(root, "network");
    if (!o)
        return fail(c, "$.network", "expected an object, got nothing (the key is required)");
    if (!want_object(c, o, "$.network") || !keys_ok(c, o, "$.network", nk))
        return false;
    uint64_t mc;
    if (!get_u32(c, o, "$.network", "nodes", 0, 50000000, 0, &s->nodes) ||
        !get_num(c, o, "$.network", "download_mbps", 0.001, 1e6, 100, &s->download_mbps) ||
        !get_u64(c, o, "$.network", "model_cache", 1, 1000, 2, &mc) ||
        !get_num(c, o, "$.network", "node_cancel_after_s", 0, 1e7,
                 (double)s->params.task_timeout_s + 60, &s->node_cancel_after_s))
        return false;
    s->model_cache = (uint32_t)mc;
    const cJSON *cards = cJSON_GetObjectItemCaseSensitive(o, "cards");
    if (!cJSON_IsArray(cards) || cJSON_GetArraySize(cards) == 0)
        return fail(c, "$.network.cards", "expected a non-empty array of {\"card\", \"share\"}, got %s",
                    cards ? type_name(cards) : "nothing");
    s->n_mix = (uint32_t)cJSON_GetArraySize(cards);
    s->mix = calloc(s->n_mix, sizeof *s->mix);
    double total = 0;
    int i = 0;
    for (const cJSON *it = cards->child; it; it = it->next, i++) {
        idx(p, "$.network.cards", i);
        char name[SCN_NAME_MAX], cp[PATH_MAX_LEN];
        sub(cp, p, "card");
        if (!want_object(c, it, p) || !keys_ok(c, it, p, mk) ||
            !get_str(c, it, p, "card", NULL, name, sizeof name) ||
            !find_card(c, s, cp, name, &s->mix[i].card) ||
            !get_num(c, it, p, "share", 0, 1e9, 1, &s->mix[i].share))
            return false;
        total += s->mix[i].share;
    }
    if (!(total > 0))
        return fail(c, "$.network.cards", "expected shares with a positive sum");
    for (uint32_t k = 0; k < s->n_mix; k++)
        s->mix[k].share /= total;
    if (!get_obj(c, o, "$.network", "churn", ck, &o, p))
        return false;
    if (!o)
        o = &EMPTY_OBJ;
    return get_num(c, o, p, "join_rate_per_h", 0, 1e9, 0, &s->join_rate_per_h) &&
           get_num(c, o, p, "pause_rate_per_h", 0, 1e6, 0, &s->pause_rate_per_h) &&
           get_num(c, o, p, "pause_mean_s", 0, 1e9, 600, &s->pause_mean_s) &&
           get_num(c, o, p, "quit_rate_per_h", 0, 1e6, 0, &s->quit_rate_per_h) &&
           get_num(c, o, p, "vanish_probability", 0, 1, 0, &s->vanish_prob);
}

static bool load_csv(pctx *c, const char *path, const char *name, scn_app *a)
{
    char resolved[1024];
    char *text = read_relative(c, name, resolved, sizeof resolved);
    if (!text)
        return fail(c, path, "expected a readable CSV file of arrival times, got \"%s\"", name);
    size_t cap = 1024;
    a->csv_times_s = malloc(cap * sizeof(double));
    unsigned line = 0;
    double last = 0;
    for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        line++;
        while (*l == ' ' || *l == '\t')
            l++;
        if (!*l || *l == '#' || *l == '\r')
            continue;
        char *end;
        double v = strtod(l, &end);
        if (end == l) {
            if (line == 1)
                continue; /* a header */
            free(text);
            return fail(c, path, "expected a number in the first column of %s line %u", resolved, line);
        }
        if (!(v >= last)) {
            free(text);
            return fail(c, path, "expected non-decreasing times >= 0 s in %s, line %u goes back", resolved,
                        line);
        }
        last = v;
        if (a->n_csv == cap) {
            cap *= 2;
            a->csv_times_s = realloc(a->csv_times_s, cap * sizeof(double));
        }
        a->csv_times_s[a->n_csv++] = v;
    }
    free(text);
    return true;
}

static bool parse_task_kind(pctx *c, const cJSON *o, const char *p, scn_task_kind *k)
{
    static const char *const keys[] = {"type", "model", "weight", "vram_gb", "model_size_mb",
        "size_min", "size_max", "args_kb", "result_kb_per_unit", "exec_base_s", "exec_per_unit_s",
        "fee", "cap_base_s", "cap_per_image_s", NULL};
    static const char *const fk[] = {"dist", "wei", "min", "max", NULL};
    char type[16], tp[PATH_MAX_LEN];
    sub(tp, p, "type");
    if (!want_object(c, o, p) || !keys_ok(c, o, p, keys) ||
        !get_str(c, o, p, "type", NULL, type, sizeof type))
        return false;
    if (!strcmp(type, "gpt"))
        k->type = PROTO_GPT;
    else if (!strcmp(type, "sd"))
        k->type = PROTO_SD;
    else
        return fail(c, tp, "expected \"gpt\" or \"sd\", got \"%s\"", type);
    bool sd = k->type == PROTO_SD;
    uint64_t cb, cpi;
    if (!get_str(c, o, p, "model", sd ? "stable-diffusion-1.5" : "qwen2.5-7b", k->model, sizeof k->model) ||
        !get_num(c, o, p, "weight", 0, 1e9, 1, &k->weight) ||
        !get_u32(c, o, p, "vram_gb", 0, 1024, sd ? 8 : 16, &k->vram_gb) ||
        !get_num(c, o, p, "model_size_mb", 0, 1e7, sd ? 4000 : 15000, &k->model_size_mb) ||
        !get_u32(c, o, p, "size_min", 1, 1000000, sd ? 1 : 256, &k->size_min) ||
        !get_u32(c, o, p, "size_max", 1, 1000000, k->size_min, &k->size_max) ||
        !get_num(c, o, p, "args_kb", 0, 1e7, 2, &k->args_kb) ||
        !get_num(c, o, p, "result_kb_per_unit", 0, 1e7, sd ? 1500 : 0.004, &k->result_kb_per_unit) ||
        !get_num(c, o, p, "exec_base_s", 0, 1e6, sd ? 1.0 : 0.5, &k->exec_base_s) ||
        !get_num(c, o, p, "exec_per_unit_s", 0, 1e6, sd ? 3.0 : 0.015, &k->exec_per_unit_s) ||
        !get_u64(c, o, p, "cap_base_s", 1, 1000000, sd ? 10 : 60, &cb) ||
        !get_u64(c, o, p, "cap_per_image_s", 0, 1000000, sd ? 5 : 0, &cpi))
        return false;
    if (k->size_max < k->size_min) {
        char sp[PATH_MAX_LEN];
        sub(sp, p, "size_max");
        return fail(c, sp, "expected size_max >= size_min (%u), got %u", k->size_min, k->size_max);
    }
    if (!sd && cpi) {
        char sp[PATH_MAX_LEN];
        sub(sp, p, "cap_per_image_s");
        return fail(c, sp, "expected 0 for a gpt task (its cap is fixed), got %llu",
                    (unsigned long long)cpi);
    }
    k->cap_base_s = cb;
    k->cap_per_unit_s = cpi;
    char fp[PATH_MAX_LEN];
    const cJSON *f;
    if (!get_obj(c, o, p, "fee", fk, &f, fp))
        return false;
    if (!f)
        return fail(c, fp, "expected an object {\"dist\": \"fixed\", \"wei\": \"...\"}, got nothing");
    char dist[16], dp[PATH_MAX_LEN];
    sub(dp, fp, "dist");
    if (!get_str(c, f, fp, "dist", "fixed", dist, sizeof dist))
        return false;
    if (!strcmp(dist, "fixed")) {
        k->fee_dist = SCN_FEE_FIXED;
        if (!get_wei(c, f, fp, "wei", NULL, &k->fee_min))
            return false;
        k->fee_max = k->fee_min;
    } else if (!strcmp(dist, "uniform")) {
        k->fee_dist = SCN_FEE_UNIFORM;
        if (!get_wei(c, f, fp, "min", NULL, &k->fee_min) || !get_wei(c, f, fp, "max", NULL, &k->fee_max))
            return false;
        if (k->fee_max < k->fee_min) {
            sub(dp, fp, "max");
            return fail(c, dp, "expected max >= min");
        }
    } else {
        return fail(c, dp, "expected \"fixed\" or \"uniform\", got \"%s\"", dist);
    }
    return true;
}

static bool parse_apps(pctx *c, const cJSON *root, scn *s)
{
    static const char *const ak[] = {"name", "arrival", "balance", "cancel_after_s",
                                     "resubmit_after_abort", "max_resubmits", "tasks", NULL};
    static const char *const rk[] = {"process", "rate_per_h", "amplitude", "peak_hour", "file", NULL};
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "applications");
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) == 0)
        return fail(c, "$.applications", "expected a non-empty array of applications, got %s",
                    arr ? type_name(arr) : "nothing");
    s->n_apps = (uint32_t)cJSON_GetArraySize(arr);
    s->apps = calloc(s->n_apps, sizeof *s->apps);
    int i = 0;
    for (const cJSON *it = arr->child; it; it = it->next, i++) {
        char p[PATH_MAX_LEN], rp[PATH_MAX_LEN];
        idx(p, "$.applications", i);
        scn_app *a = &s->apps[i];
        char defname[32];
        snprintf(defname, sizeof defname, "app%d", i);
        uint64_t cancel;
        if (!want_object(c, it, p) || !keys_ok(c, it, p, ak) ||
            !get_str(c, it, p, "name", defname, a->name, sizeof a->name) ||
            !get_wei(c, it, p, "balance", "1000000000000000000000000000", &a->balance) ||
            !get_u64(c, it, p, "cancel_after_s", 1, 86400 * 365, s->params.task_timeout_s + 30, &cancel) ||
            !get_bool(c, it, p, "resubmit_after_abort", true, &a->resubmit) ||
            !get_u32(c, it, p, "max_resubmits", 0, 1000, 3, &a->max_resubmits))
            return false;
        a->cancel_after_s = cancel;
        const cJSON *r;
        if (!get_obj(c, it, p, "arrival", rk, &r, rp))
            return false;
        if (!r)
            return fail(c, rp, "expected an object {\"process\": \"poisson\", ...}, got nothing");
        char proc[16], pp[PATH_MAX_LEN];
        sub(pp, rp, "process");
        if (!get_str(c, r, rp, "process", NULL, proc, sizeof proc))
            return false;
        if (!strcmp(proc, "poisson") || !strcmp(proc, "daily")) {
            a->arrival = proc[0] == 'p' ? SCN_ARR_POISSON : SCN_ARR_DAILY;
            if (!get_num(c, r, rp, "rate_per_h", 0, 1e9, 0, &a->rate_per_h) ||
                !get_num(c, r, rp, "amplitude", 0, 1, 0.5, &a->amplitude) ||
                !get_num(c, r, rp, "peak_hour", 0, 24, 20, &a->peak_hour))
                return false;
        } else if (!strcmp(proc, "csv")) {
            a->arrival = SCN_ARR_CSV;
            char file[512], fp[PATH_MAX_LEN];
            sub(fp, rp, "file");
            if (!get_str(c, r, rp, "file", NULL, file, sizeof file) || !load_csv(c, fp, file, a))
                return false;
        } else {
            return fail(c, pp, "expected \"poisson\", \"daily\" or \"csv\", got \"%s\"", proc);
        }
        const cJSON *tasks = cJSON_GetObjectItemCaseSensitive(it, "tasks");
        char tp[PATH_MAX_LEN];
        sub(tp, p, "tasks");
        if (!cJSON_IsArray(tasks) || cJSON_GetArraySize(tasks) == 0)
            return fail(c, tp, "expected a non-empty array of task kinds, got %s",
                        tasks ? type_name(tasks) : "nothing");
        a->n_kinds = (uint32_t)cJSON_GetArraySize(tasks);
        a->kinds = calloc(a->n_kinds, sizeof *a->kinds);
        int j = 0;
        double wsum = 0;
        for (const cJSON *t = tasks->child; t; t = t->next, j++) {
            char kp[PATH_MAX_LEN];
            idx(kp, tp, j);
            if (!parse_task_kind(c, t, kp, &a->kinds[j]))
                return false;
            wsum += a->kinds[j].weight;
        }
        if (!(wsum > 0))
            return fail(c, tp, "expected weights with a positive sum");
    }
    return true;
}

bool scn_parse(const char *text, const char *file, const char *base_dir, scn *s, char err[SCN_ERR_MAX])
{
    static const char *const keys[] = {"name", "description", "seed", "duration_s", "warmup_s",
        "replications", "cards_file", "protocol", "chain", "relay", "timing", "network",
        "applications", NULL};
    memset(s, 0, sizeof *s);
    err[0] = 0;
    pctx c = {file, base_dir, err};
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(text, &end, true);
    if (!root) {
        size_t off = end ? (size_t)(end - text) : 0;
        unsigned line = 1;
        for (size_t i = 0; i < off && text[i]; i++)
            line += text[i] == '\n';
        snprintf(err, SCN_ERR_MAX, "%s: $: expected valid JSON, got a syntax error near line %u", file, line);
        return false;
    }
    bool ok = false;
    char cards_file[512], desc[2];
    (void)desc;
    uint64_t reps;
    if (!want_object(&c, root, "$") || !keys_ok(&c, root, "$", keys) ||
        !get_str(&c, root, "$", "name", "unnamed", s->name, sizeof s->name) ||
        !get_u64(&c, root, "$", "seed", 0, 1ULL << 53, 1, &s->seed) ||
        !get_u64(&c, root, "$", "duration_s", 1, 86400ULL * 3650, 86400, &s->duration_s) ||
        !get_u64(&c, root, "$", "warmup_s", 0, 86400ULL * 3650, 0, &s->warmup_s) ||
        !get_u64(&c, root, "$", "replications", 1, 100000, 1, &reps) ||
        !get_str(&c, root, "$", "cards_file", "models/sim-cards.json", cards_file, sizeof cards_file))
        goto out;
    s->replications = (uint32_t)reps;
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(root, "description");
    if (d && !cJSON_IsString(d)) {
        fail(&c, "$.description", "expected a string, got %s", type_name(d));
        goto out;
    }
    if (s->warmup_s >= s->duration_s) {
        fail(&c, "$.warmup_s", "expected less than duration_s (%llu), got %llu",
             (unsigned long long)s->duration_s, (unsigned long long)s->warmup_s);
        goto out;
    }
    if (!load_cards(&c, cards_file, s) || !parse_protocol(&c, root, s) ||
        !parse_chain_relay(&c, root, s) || !parse_network(&c, root, s) || !parse_apps(&c, root, s))
        goto out;
    s->text = strdup(text);
    ok = true;
out:
    cJSON_Delete(root);
    if (!ok)
        scn_free(s);
    return ok;
}

bool scn_load(const char *path, scn *out, char err[SCN_ERR_MAX])
{
    size_t len;
    char *text = read_file(path, &len);
    if (!text) {
        memset(out, 0, sizeof *out);
        snprintf(err, SCN_ERR_MAX, "%s: $: expected a readable file, got %s", path, strerror(errno));
        return false;
    }
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = 0;
    else
        snprintf(dir, sizeof dir, ".");
    bool ok = scn_parse(text, path, dir, out, err);
    free(text);
    return ok;
}

void scn_free(scn *s)
{
    for (uint32_t i = 0; s->apps && i < s->n_apps; i++) {
        free(s->apps[i].kinds);
        free(s->apps[i].csv_times_s);
    }
    free(s->apps);
    free(s->mix);
    free(s->cards);
    free(s->text);
    memset(s, 0, sizeof *s);
}
