/* Sweep grids: parsing `--set` specs and applying a point to a scenario. */
#include "sweep/grid.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

static bool is_number(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(v))
        return false;
    *out = v;
    return true;
}

/* Capacity doubles at each power of two: a range of 10^5 values costs
 * O(n) copying, not O(n^2) (a fuzzer's 1:99993:1 took over 20 s). */
static void push(grid_axis *a, const char *text, size_t len)
{
    if ((a->n & (a->n - 1)) == 0)
        a->values = realloc(a->values, (a->n ? 2 * (size_t)a->n : 1) * sizeof *a->values);
    a->values[a->n++] = strndup(text, len);
}

/* lo:hi:step -> values; integers print as integers.  The count is computed
 * once (not by repeated addition) so that 0:1:0.1 gives 11 values. */
static bool expand_range(grid_axis *a, const char *item, char *err)
{
    char *copy = strdup(item), *p2 = strchr(copy, ':'), *p3 = p2 ? strchr(p2 + 1, ':') : NULL;
    double lo, hi, step;
    bool ok = false;
    if (!p3 || strchr(p3 + 1, ':'))
        goto out;
    *p2 = *p3 = 0;
    if (!is_number(copy, &lo) || !is_number(p2 + 1, &hi) || !is_number(p3 + 1, &step))
        goto out;
    if (step <= 0 || hi < lo) {
        snprintf(err, GRID_ERR_MAX, "--set %s: range %s: expected lo:hi:step with lo <= hi and step > 0",
                 a->path, item);
        goto out;
    }
    double steps = floor((hi - lo) / step + 1e-9);
    if (steps >= GRID_MAX_POINTS) {
        snprintf(err, GRID_ERR_MAX, "--set %s: range %s has more than %u values", a->path, item,
                 GRID_MAX_POINTS);
        goto out;
    }
    bool integral = lo == floor(lo) && step == floor(step);
    for (uint32_t i = 0; i <= (uint32_t)steps; i++) {
        char b[64];
        double v = lo + i * step;
        if (integral)
            snprintf(b, sizeof b, "%.0f", v);
        else
            snprintf(b, sizeof b, "%.12g", v);
        push(a, b, strlen(b));
    }
    ok = true;
out:
    free(copy);
    return ok;
}

bool grid_add(grid *g, const char *spec, char err[GRID_ERR_MAX])
{
    const char *eq = strchr(spec, '=');
    if (!eq || eq == spec || !eq[1]) {
        snprintf(err, GRID_ERR_MAX, "--set %s: expected PATH=VALUE[,VALUE...] or PATH=LO:HI:STEP", spec);
        return false;
    }
    for (uint32_t i = 0; i < g->n_axes; i++)
        if (strlen(g->axes[i].path) == (size_t)(eq - spec) && !strncmp(g->axes[i].path, spec, (size_t)(eq - spec))) {
            snprintf(err, GRID_ERR_MAX, "--set %.*s: path given twice", (int)(eq - spec), spec);
            return false;
        }
    grid_axis a = {.path = strndup(spec, (size_t)(eq - spec))};
    /* split at top-level commas */
    const char *s = eq + 1, *start = s;
    int depth = 0;
    bool quoted = false;
    for (;; s++) {
        if (quoted) {
            if (*s == '\\' && s[1])
                s++;
            else if (*s == '"')
                quoted = false;
            else if (!*s)
                break;
            continue;
        }
        if (*s == '"')
            quoted = true;
        else if (*s == '[' || *s == '{')
            depth++;
        else if ((*s == ']' || *s == '}') && depth)
            depth--;
        else if ((*s == ',' && !depth) || !*s) {
            size_t len = (size_t)(s - start);
            char *item = strndup(start, len);
            err[0] = 0;
            bool range = !len ? false : expand_range(&a, item, err);
            free(item);
            if (err[0])
                goto fail;
            if (!len) {
                snprintf(err, GRID_ERR_MAX, "--set %s: empty value", a.path);
                goto fail;
            }
            if (!range)
                push(&a, start, len);
            start = s + 1;
            if (!*s)
                break;
        }
    }
    if (quoted) {
        snprintf(err, GRID_ERR_MAX, "--set %s: unterminated string", a.path);
        goto fail;
    }
    uint64_t points = (uint64_t)(g->n_axes ? g->points : 1) * a.n;
    if (points > GRID_MAX_POINTS) {
        snprintf(err, GRID_ERR_MAX, "--set %s: the grid would have %llu points (at most %u)", a.path,
                 (unsigned long long)points, GRID_MAX_POINTS);
        goto fail;
    }
    g->axes = realloc(g->axes, (g->n_axes + 1) * sizeof *g->axes);
    g->axes[g->n_axes++] = a;
    g->points = (uint32_t)points;
    return true;
fail:
    for (uint32_t i = 0; i < a.n; i++)
        free(a.values[i]);
    free(a.values);
    free(a.path);
    return false;
}

uint32_t grid_index(const grid *g, uint32_t point, uint32_t axis)
{
    for (uint32_t i = g->n_axes; i-- > axis + 1;)
        point /= g->axes[i].n;
    return point % g->axes[axis].n;
}

/* A value as JSON: parsed when it is JSON, otherwise a string.  Where the
 * scenario holds a string (wei amounts, names) an unquoted value stays a
 * string, and digit strings too long for a double stay exact. */
static cJSON *to_json(const char *v, const cJSON *old)
{
    if (old && cJSON_IsString(old) && v[0] != '"')
        return cJSON_CreateString(v);
    size_t digits = strspn(v, "0123456789");
    if (digits == strlen(v) && digits > 15)
        return cJSON_CreateString(v);
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithOpts(v, &end, 1);
    return j ? j : cJSON_CreateString(v);
}

/* One step of a path: an object key, or an array index when key is empty. */
typedef struct step {
    char key[128];
    long index;
} step;

/* "a.b[2].c" -> steps; false on a malformed path. */
static int split_path(const char *path, step *st, int max, char *err)
{
    int n = 0;
    for (const char *p = path; *p && n < max;) {
        if (*p == '[') {
            char *end;
            long i = strtol(p + 1, &end, 10);
            if (end == p + 1 || *end != ']' || i < 0)
                goto bad;
            st[n].key[0] = 0;
            st[n++].index = i;
            p = end + 1;
        } else {
            size_t len = strcspn(p, ".[");
            if (!len || len >= sizeof st[n].key)
                goto bad;
            snprintf(st[n].key, sizeof st[n].key, "%.*s", (int)len, p);
            st[n++].index = -1;
            p += len;
        }
        if (*p == '.' && p[1] && p[1] != '.' && p[1] != '[')
            p++;
        else if (*p && *p != '[')
            goto bad;
    }
    if (n && n < max)
        return n;
bad:
    snprintf(err, GRID_ERR_MAX, "--set %s: expected a path like key.key[INDEX].key", path);
    return 0;
}

/* Walks all but the last step, creating missing object keys (an unknown key
 * is then reported by scn_parse with its path); returns the last step's
 * container, or NULL with a message naming where the path broke off. */
static cJSON *walk(cJSON *root, const char *path, const step *st, int n, char *err)
{
    cJSON *cur = root;
    char where[32 * 160] = "$"; /* 32 steps of a key or an index */
    for (int i = 0; i < n; i++) {
        size_t w = strlen(where);
        if (st[i].key[0] && !cJSON_IsObject(cur)) {
            snprintf(err, GRID_ERR_MAX, "--set %.300s: %.300s is not an object, so it has no key \"%s\"", path,
                     where, st[i].key);
            return NULL;
        }
        if (!st[i].key[0] && (!cJSON_IsArray(cur) || st[i].index >= cJSON_GetArraySize(cur))) {
            snprintf(err, GRID_ERR_MAX, "--set %.300s: %.300s has no element [%ld] (%s)", path, where, st[i].index,
                     cJSON_IsArray(cur) ? "index past the end" : "not an array");
            return NULL;
        }
        if (i == n - 1)
            return cur;
        if (st[i].key[0]) {
            cJSON *next = cJSON_GetObjectItemCaseSensitive(cur, st[i].key);
            cur = next ? next : cJSON_AddObjectToObject(cur, st[i].key);
            snprintf(where + w, sizeof where - w, ".%s", st[i].key);
        } else {
            cur = cJSON_GetArrayItem(cur, (int)st[i].index);
            snprintf(where + w, sizeof where - w, "[%ld]", st[i].index);
        }
    }
    return NULL;
}

char *grid_apply(const grid *g, const char *text, uint32_t point, char err[GRID_ERR_MAX])
{
    cJSON *root = cJSON_Parse(text);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        snprintf(err, GRID_ERR_MAX, "$: expected a JSON object");
        return NULL;
    }
    for (uint32_t a = 0; a < g->n_axes; a++) {
        step st[32];
        int n = split_path(g->axes[a].path, st, 32, err);
        cJSON *parent = n ? walk(root, g->axes[a].path, st, n, err) : NULL;
        if (!parent) {
            cJSON_Delete(root);
            return NULL;
        }
        const char *v = g->axes[a].values[grid_index(g, point, a)];
        const step *last = &st[n - 1];
        if (!last->key[0]) {
            cJSON_ReplaceItemInArray(parent, (int)last->index,
                                     to_json(v, cJSON_GetArrayItem(parent, (int)last->index)));
        } else {
            cJSON *old = cJSON_GetObjectItemCaseSensitive(parent, last->key);
            if (old)
                cJSON_ReplaceItemInObjectCaseSensitive(parent, last->key, to_json(v, old));
            else
                cJSON_AddItemToObject(parent, last->key, to_json(v, NULL));
        }
    }
    char *out = cJSON_Print(root);
    cJSON_Delete(root);
    return out;
}

char *grid_settings_json(const grid *g, uint32_t point)
{
    cJSON *o = cJSON_CreateObject();
    for (uint32_t a = 0; a < g->n_axes; a++)
        cJSON_AddItemToObject(o, g->axes[a].path, to_json(g->axes[a].values[grid_index(g, point, a)], NULL));
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

char *grid_label(const grid *g, uint32_t point)
{
    size_t cap = 1, len = 0;
    for (uint32_t a = 0; a < g->n_axes; a++)
        cap += strlen(g->axes[a].path) + strlen(g->axes[a].values[grid_index(g, point, a)]) + 2;
    char *s = malloc(cap);
    s[0] = 0;
    for (uint32_t a = 0; a < g->n_axes; a++)
        len += (size_t)snprintf(s + len, cap - len, "%s%s=%s", a ? " " : "", g->axes[a].path,
                                g->axes[a].values[grid_index(g, point, a)]);
    return s;
}

char *grid_spec_json(const grid *g)
{
    cJSON *arr = cJSON_CreateArray();
    for (uint32_t a = 0; a < g->n_axes; a++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "path", g->axes[a].path);
        cJSON *v = cJSON_AddArrayToObject(o, "values");
        for (uint32_t i = 0; i < g->axes[a].n; i++)
            cJSON_AddItemToArray(v, cJSON_CreateString(g->axes[a].values[i]));
        cJSON_AddItemToArray(arr, o);
    }
    char *s = cJSON_PrintUnformatted(arr);
    cJSON_Delete(arr);
    return s;
}

void grid_free(grid *g)
{
    for (uint32_t a = 0; a < g->n_axes; a++) {
        for (uint32_t i = 0; i < g->axes[a].n; i++)
            free(g->axes[a].values[i]);
        free(g->axes[a].values);
        free(g->axes[a].path);
    }
    free(g->axes);
    *g = (grid){0};
}
