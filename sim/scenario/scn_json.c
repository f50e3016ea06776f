/* JSON reading helpers for scenario files (see scn_json.h). */
#include "scenario/scn_json.h"
#include "util/datadir.h"
#include "util/rfile.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenario/scn.h"

bool scnj_fail(pctx *c, const char *path, const char *fmt, ...)
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

const char *scnj_type_name(const cJSON *j)
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

void scnj_sub(char *out, const char *path, const char *key)
{
    /* paths longer than PATH_MAX_LEN are cut; messages stay readable */
    if (snprintf(out, PATH_MAX_LEN, "%s.%s", path, key) >= PATH_MAX_LEN)
        out[PATH_MAX_LEN - 1] = 0;
}

void scnj_idx(char *out, const char *path, int i)
{
    if (snprintf(out, PATH_MAX_LEN, "%s[%d]", path, i) >= PATH_MAX_LEN)
        out[PATH_MAX_LEN - 1] = 0;
}

bool scnj_want_object(pctx *c, const cJSON *j, const char *path)
{
    if (!cJSON_IsObject(j))
        return scnj_fail(c, path, "expected an object, got %s", scnj_type_name(j));
    return true;
}

/* Every key of obj must be in keys (NULL-terminated). */
bool scnj_keys_ok(pctx *c, const cJSON *obj, const char *path, const char *const *keys)
{
    for (const cJSON *it = obj->child; it; it = it->next) {
        for (const cJSON *prev = obj->child; prev != it; prev = prev->next)
            if (!strcmp(prev->string, it->string)) {
                char p[PATH_MAX_LEN];
                scnj_sub(p, path, it->string);
                return scnj_fail(c, p, "expected each key once, got \"%s\" twice", it->string);
            }
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
            scnj_sub(p, path, it->string);
            if (best && bestd <= 3)
                return scnj_fail(c, p, "expected a known key, got unknown key \"%s\" (did you mean \"%s\"?)",
                            it->string, best);
            return scnj_fail(c, p, "expected a known key, got unknown key \"%s\"", it->string);
        }
    }
    return true;
}

bool scnj_num(pctx *c, const cJSON *obj, const char *path, const char *key, double lo,
                    double hi, double def, double *out)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
    char p[PATH_MAX_LEN];
    scnj_sub(p, path, key);
    if (!j) {
        *out = def;
        return true;
    }
    if (!cJSON_IsNumber(j))
        return scnj_fail(c, p, "expected a number in [%g, %g], got %s", lo, hi, scnj_type_name(j));
    if (!(j->valuedouble >= lo && j->valuedouble <= hi))
        return scnj_fail(c, p, "expected a number in [%g, %g], got %g", lo, hi, j->valuedouble);
    *out = j->valuedouble;
    return true;
}

bool scnj_u64(pctx *c, const cJSON *obj, const char *path, const char *key, uint64_t lo,
                    uint64_t hi, uint64_t def, uint64_t *out)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
    char p[PATH_MAX_LEN];
    scnj_sub(p, path, key);
    if (!j) {
        *out = def;
        return true;
    }
    double v = j->valuedouble;
    if (!cJSON_IsNumber(j))
        return scnj_fail(c, p, "expected an integer in [%llu, %llu], got %s", (unsigned long long)lo,
                    (unsigned long long)hi, scnj_type_name(j));
    if (v != floor(v) || v < (double)lo || v > (double)hi || v > 9e15)
        return scnj_fail(c, p, "expected an integer in [%llu, %llu], got %.17g", (unsigned long long)lo,
                    (unsigned long long)hi, v);
    *out = (uint64_t)v;
    return true;
}

bool scnj_u32(pctx *c, const cJSON *obj, const char *path, const char *key, uint32_t lo,
                    uint32_t hi, uint32_t def, uint32_t *out)
{
    uint64_t v;
    if (!scnj_u64(c, obj, path, key, lo, hi, def, &v))
        return false;
    *out = (uint32_t)v;
    return true;
}

bool scnj_wei(pctx *c, const cJSON *obj, const char *path, const char *key, const char *def,
                    wei_t *out)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
    char p[PATH_MAX_LEN];
    scnj_sub(p, path, key);
    if (!j) {
        if (!def)
            return scnj_fail(c, p, "expected a decimal wei string, got nothing (the key is required)");
        return wei_parse(def, out);
    }
    if (!cJSON_IsString(j) || !wei_parse(j->valuestring, out))
        return scnj_fail(c, p, "expected a decimal wei string such as \"400000000000000000000\", got %s",
                    cJSON_IsString(j) ? "a string that is not a 128-bit decimal integer"
                                      : scnj_type_name(j));
    return true;
}

bool scnj_str(pctx *c, const cJSON *obj, const char *path, const char *key, const char *def,
                    char *out, size_t cap)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
    char p[PATH_MAX_LEN];
    scnj_sub(p, path, key);
    if (!j) {
        if (!def)
            return scnj_fail(c, p, "expected a string, got nothing (the key is required)");
        snprintf(out, cap, "%s", def);
        return true;
    }
    if (!cJSON_IsString(j))
        return scnj_fail(c, p, "expected a string, got %s", scnj_type_name(j));
    if (strlen(j->valuestring) >= cap)
        return scnj_fail(c, p, "expected a string of at most %zu characters", cap - 1);
    snprintf(out, cap, "%s", j->valuestring);
    return true;
}

bool scnj_bool(pctx *c, const cJSON *obj, const char *path, const char *key, bool def,
                     bool *out)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
    char p[PATH_MAX_LEN];
    scnj_sub(p, path, key);
    if (!j) {
        *out = def;
        return true;
    }
    if (!cJSON_IsBool(j))
        return scnj_fail(c, p, "expected true or false, got %s", scnj_type_name(j));
    *out = cJSON_IsTrue(j);
    return true;
}

/* Optional sub-object: NULL when absent (defaults apply), false on error. */
bool scnj_obj(pctx *c, const cJSON *obj, const char *path, const char *key,
                    const char *const *keys, const cJSON **out, char *subpath)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
    scnj_sub(subpath, path, key);
    *out = NULL;
    if (!j)
        return true;
    if (!scnj_want_object(c, j, subpath) || !scnj_keys_ok(c, j, subpath, keys))
        return false;
    *out = j;
    return true;
}

const cJSON SCNJ_EMPTY = {.type = cJSON_Object};

static _Thread_local char read_why[128];

char *scnj_read_file(const char *path, size_t *len)
{
    return rfile_read(path, RFILE_MAX, len, read_why, sizeof read_why);
}

const char *scnj_read_error(void) { return read_why; }

/* Relative paths are tried from the working directory, then from the
 * scenario's directory and its parent (scenarios/ sits beside models/),
 * then in avrami's data directories (util/datadir.h: $AVRAMI_DATA, beside
 * the executable, an installed share/avrami), so that "models" resolves
 * wherever avrami runs. */
static char tried[2048]; /* the paths the last failed search tried, for messages */

const char *scnj_tried(void) { return tried; }

static void note_tried(const char *path)
{
    size_t len = strlen(tried);
    if (len + 1 < sizeof tried)
        snprintf(tried + len, sizeof tried - len, "%s%.1000s", len ? ", " : "", path);
}

bool scnj_find_relative(const pctx *c, const char *name, const char *probe, char *resolved, size_t cap)
{
    static const char *const fmt[] = {"%s%s", "%s/%s", "%s/../%s"};
    tried[0] = 0;
    for (int i = 0; i < 3; i++) {
        if (i > 0 && (name[0] == '/' || !c->base_dir))
            break;
        int n = i == 0 ? snprintf(resolved, cap, fmt[0], "", name)
                       : snprintf(resolved, cap, fmt[i], c->base_dir, name);
        if (n < 0 || (size_t)n >= cap)
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s%s", resolved, probe);
        if (access(path, R_OK) == 0)
            return true;
        note_tried(path);
    }
    char found[DATADIR_PATH_MAX], more[1024];
    if (name[0] != '/') {
        if (datadir_find(name, probe, found, more, sizeof more) && strlen(found) < cap) {
            snprintf(resolved, cap, "%s", found);
            return true;
        }
        note_tried(more);
    }
    snprintf(resolved, cap, "%s", name);
    return false;
}

char *scnj_read_relative(pctx *c, const char *name, char *resolved, size_t cap, size_t *len)
{
    scnj_find_relative(c, name, "", resolved, cap);
    return scnj_read_file(resolved, len);
}
