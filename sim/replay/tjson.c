/* Strict trace reading shared by both trace formats (tjson.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay/tjson.h"


bool tj_fail(tj *r, const char *fmt, ...)
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
size_t tj_push(tj *r, const char *fmt, ...)
{
    size_t old = strlen(r->path);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->path + old, sizeof r->path - old, fmt, ap);
    va_end(ap);
    return old;
}
void tj_pop(tj *r, size_t old) { r->path[old] = '\0'; }

const cJSON *tj_field(tj *r, const cJSON *obj, const char *key, size_t *old)
{
    *old = tj_push(r, ".%s", key);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v)
        tj_fail(r, "missing field");
    return v;
}

/* Every key of obj must be one of known (NULL-terminated). */
bool tj_keys_known(tj *r, const cJSON *obj, const char *const *known)
{
    for (const cJSON *k = obj->child; k; k = k->next) {
        size_t i = 0;
        while (known[i] && strcmp(known[i], k->string))
            i++;
        if (!known[i]) {
            size_t old = tj_push(r, ".%s", k->string);
            bool ok = tj_fail(r, "unknown key");
            tj_pop(r, old);
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
bool tj_no_duplicates(tj *r, const cJSON *j)
{
    if (cJSON_IsObject(j)) {
        size_t n = 0;
        for (const cJSON *k = j->child; k; k = k->next)
            n++;
        const char **names = malloc((n + 1) * sizeof *names);
        if (!names)
            return tj_fail(r, "out of memory");
        n = 0;
        for (const cJSON *k = j->child; k; k = k->next)
            names[n++] = k->string;
        qsort(names, n, sizeof *names, by_name);
        for (size_t i = 1; i < n; i++)
            if (!strcmp(names[i - 1], names[i])) {
                size_t old = tj_push(r, ".%s", names[i]);
                free(names);
                bool ok = tj_fail(r, "duplicate key");
                tj_pop(r, old);
                return ok;
            }
        free(names);
    }
    int i = 0;
    for (const cJSON *k = j->child; k; k = k->next, i++) {
        size_t old = cJSON_IsObject(j) ? tj_push(r, ".%s", k->string) : tj_push(r, "[%d]", i);
        if (!tj_no_duplicates(r, k))
            return false;
        tj_pop(r, old);
    }
    return true;
}

bool tj_get_uint(tj *r, const cJSON *obj, const char *key, uint64_t max, uint64_t *out)
{
    size_t old;
    const cJSON *v = tj_field(r, obj, key, &old);
    if (!v)
        return false;
    if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 9007199254740992.0 ||
        v->valuedouble != (double)(uint64_t)v->valuedouble)
        return tj_fail(r, "expected a non-negative integer");
    if ((uint64_t)v->valuedouble > max)
        return tj_fail(r, "expected an integer at most %llu", (unsigned long long)max);
    *out = (uint64_t)v->valuedouble;
    tj_pop(r, old);
    return true;
}

bool tj_get_string(tj *r, const cJSON *obj, const char *key, const char **out)
{
    size_t old;
    const cJSON *v = tj_field(r, obj, key, &old);
    if (!v)
        return false;
    if (!cJSON_IsString(v))
        return tj_fail(r, "expected a string");
    *out = v->valuestring;
    tj_pop(r, old);
    return true;
}

bool tj_get_wei(tj *r, const cJSON *obj, const char *key, wei_t *out)
{
    const char *s = NULL;
    if (!tj_get_string(r, obj, key, &s))
        return false;
    if (!wei_parse(s, out)) {
        size_t old = tj_push(r, ".%s", key);
        bool ok = tj_fail(r, "expected a decimal wei amount below 2^128, got \"%.40s\"", s);
        tj_pop(r, old);
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
bool tj_hex(tj *r, const cJSON *v, bool exact32, uint8_t *fixed, uint8_t **dyn, size_t *len)
{
    if (!cJSON_IsString(v))
        return tj_fail(r, "expected a string");
    const char *s = v->valuestring;
    size_t n = strlen(s);
    if (n < 2 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || n % 2)
        return tj_fail(r, "expected 0x followed by an even number of hex digits");
    size_t bytes = (n - 2) / 2;
    if (exact32 && bytes != 32)
        return tj_fail(r, "expected 32 bytes (64 hex digits), got %zu bytes", bytes);
    uint8_t *dst = fixed;
    if (!exact32) {
        dst = malloc(bytes ? bytes : 1);
        if (!dst)
            return tj_fail(r, "out of memory");
        *dyn = dst;
        *len = bytes;
    }
    for (size_t i = 0; i < bytes; i++) {
        int hi = hexval(s[2 + 2 * i]), lo = hexval(s[3 + 2 * i]);
        if (hi < 0 || lo < 0)
            return tj_fail(r, "expected hex digits, found '%c'", hi < 0 ? s[2 + 2 * i] : s[3 + 2 * i]);
        dst[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

bool tj_get_hex(tj *r, const cJSON *obj, const char *key, bool exact32, uint8_t *fixed,
                uint8_t **dyn, size_t *len)
{
    size_t old;
    const cJSON *v = tj_field(r, obj, key, &old);
    if (!v || !tj_hex(r, v, exact32, fixed, dyn, len))
        return false;
    tj_pop(r, old);
    return true;
}

bool tj_get_actor(tj *r, const char *const *names, uint32_t n, const cJSON *obj, const char *key,
                  uint32_t *out)
{
    const char *s = NULL;
    if (!tj_get_string(r, obj, key, &s))
        return false;
    int64_t a = tj_actor(names, n, s);
    if (a < 0) {
        size_t old = tj_push(r, ".%s", key);
        bool ok = tj_fail(r, "expected an actor listed in $.accounts, got \"%.40s\"", s);
        tj_pop(r, old);
        return ok;
    }
    *out = (uint32_t)a;
    return true;
}

int64_t tj_actor(const char *const *names, uint32_t n, const char *name)
{
    for (uint32_t i = 0; i < n; i++)
        if (!strcmp(names[i], name))
            return i;
    return -1;
}

cJSON *tj_parse(tj *r, const char *text, size_t len)
{
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, false);
    if (!root) {
        const char *at = end ? end : cJSON_GetErrorPtr();
        size_t off = at && at >= text && at <= text + len ? (size_t)(at - text) : 0;
        snprintf(r->err, r->errlen, "%s: invalid JSON near byte %zu", r->file, off);
        return NULL;
    }
    while (end && end < text + len && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
        end++;
    if (end && end < text + len) {
        snprintf(r->err, r->errlen, "%s: trailing data after the JSON at byte %zu", r->file,
                 (size_t)(end - text));
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

bool tj_accounts(tj *r, const cJSON *root, const char ***actor, wei_t **initial, uint32_t *n_out)
{
    size_t old;
    const cJSON *acc = tj_field(r, root, "accounts", &old);
    if (!acc)
        return false;
    if (!cJSON_IsObject(acc))
        return tj_fail(r, "expected an object of actor -> initial balance");
    uint32_t total = (uint32_t)cJSON_GetArraySize(acc);
    *actor = calloc(total + 1, sizeof **actor);
    *initial = calloc(total + 1, sizeof **initial);
    if (!*actor || !*initial)
        return tj_fail(r, "out of memory");
    uint32_t n = 0;
    for (const cJSON *a = acc->child; a; a = a->next, n++) {
        (*actor)[n] = a->string;
        *n_out = n + 1;
        if (a->string[0] == '@' || tj_actor(*actor, n, a->string) >= 0) {
            tj_push(r, ".%s", a->string);
            return tj_fail(r, "expected a unique actor name not starting with '@'");
        }
        if (!tj_get_wei(r, acc, a->string, &(*initial)[n]))
            return false;
    }
    *n_out = n;
    tj_pop(r, old);
    return true;
}

bool tj_unlisted_opening(tj *r, const cJSON *first_state, const wei_t *initial, uint32_t n,
                         wei_t *out)
{
    const cJSON *bal = cJSON_GetObjectItemCaseSensitive(first_state, "balances");
    wei_t sum = 0, listed = 0, v;
    strcpy(r->path, "$.steps[0].state.balances");
    if (!cJSON_IsObject(bal))
        return tj_fail(r, "expected an object");
    for (const cJSON *b = bal->child; b; b = b->next)
        if (!tj_get_wei(r, bal, b->string, &v) || !wei_add(sum, v, &sum))
            return sum ? tj_fail(r, "balances overflow 128 bits") : false;
    for (uint32_t i = 0; i < n; i++)
        if (!wei_add(listed, initial[i], &listed)) {
            strcpy(r->path, "$.accounts");
            return tj_fail(r, "opening balances overflow 128 bits");
        }
    if (sum < listed)
        return tj_fail(r, "balances sum to less than the accounts' opening balances");
    *out = sum - listed;
    return true;
}

bool tj_step_index_time(tj *r, const cJSON *js, size_t idx, uint64_t *last_time, uint64_t *time)
{
    uint64_t i = 0;
    if (!tj_get_uint(r, js, "i", UINT64_MAX, &i))
        return false;
    if (i != idx) {
        tj_push(r, ".i");
        return tj_fail(r, "expected %zu (steps are numbered from 0 in order)", idx);
    }
    if (!tj_get_uint(r, js, "time", UINT64_MAX / 2, time))
        return false;
    if (*time < *last_time) {
        tj_push(r, ".time");
        return tj_fail(r, "time went backwards (%llu after %llu)", (unsigned long long)*time,
                       (unsigned long long)*last_time);
    }
    *last_time = *time;
    return true;
}

bool tj_outcome_read(tj *r, const cJSON *js, tj_outcome *s)
{
    size_t o2;
    const cJSON *ok = tj_field(r, js, "ok", &o2);
    if (!ok)
        return false;
    if (!cJSON_IsBool(ok))
        return tj_fail(r, "expected true or false");
    s->ok = cJSON_IsTrue(ok);
    tj_pop(r, o2);
    const cJSON *rev = tj_field(r, js, "revert", &o2);
    if (!rev)
        return false;
    if (s->ok ? !cJSON_IsNull(rev) : !cJSON_IsString(rev))
        return tj_fail(r, s->ok ? "expected null (the step succeeded)" : "expected the revert reason");
    s->revert = s->ok ? NULL : rev->valuestring;
    tj_pop(r, o2);
    s->events = tj_field(r, js, "events", &o2);
    if (!s->events)
        return false;
    if (!cJSON_IsArray(s->events))
        return tj_fail(r, "expected an array");
    tj_pop(r, o2);
    s->state = tj_field(r, js, "state", &o2);
    if (!s->state)
        return false;
    if (!cJSON_IsObject(s->state))
        return tj_fail(r, "expected an object");
    tj_pop(r, o2);
    return true;
}

const cJSON *tj_steps(tj *r, const cJSON *root, size_t size, void **out, size_t *n)
{
    size_t old;
    const cJSON *steps = tj_field(r, root, "steps", &old);
    if (!steps)
        return NULL;
    if (!cJSON_IsArray(steps)) {
        tj_fail(r, "expected an array");
        return NULL;
    }
    tj_pop(r, old);
    *n = (size_t)cJSON_GetArraySize(steps);
    if (!(*out = calloc(*n + 1, size))) {
        tj_fail(r, "out of memory");
        return NULL;
    }
    return steps;
}

bool tj_header(tj *r, const cJSON *root, const char *format, const char **name)
{
    if (!cJSON_IsObject(root))
        return tj_fail(r, "expected a JSON object");
    static const char *const known[] = {"format", "name", "description", "params", "accounts", "steps", NULL};
    if (!tj_no_duplicates(r, root) || !tj_keys_known(r, root, known))
        return false;
    const char *fmt = NULL;
    if (!tj_get_string(r, root, "format", &fmt))
        return false;
    if (strcmp(fmt, format)) {
        tj_push(r, ".format");
        return tj_fail(r, "expected \"%s\"", format);
    }
    return tj_get_string(r, root, "name", name);
}

bool tj_trace_open(tj *r, tj_trace *h, const char *path, const char *text, size_t len)
{
    memset(h, 0, sizeof *h);
    h->path = strdup(path);
    h->root = tj_parse(r, text, len);
    return h->path && h->root;
}

bool tj_trace_head(tj *r, tj_trace *h, const char *format)
{
    const char *name = NULL;
    if (!tj_header(r, h->root, format, &name) || !(h->name = strdup(name)))
        return false;
    return tj_accounts(r, h->root, &h->actor, &h->initial, &h->n_actors);
}

void tj_trace_free(tj_trace *h)
{
    free(h->actor);
    free(h->initial);
    free(h->name);
    free(h->path);
    cJSON_Delete(h->root);
    memset(h, 0, sizeof *h);
}

bool tj_get_uint3(tj *r, const cJSON *obj, const char *key, uint64_t max, uint64_t out[3])
{
    size_t old;
    const cJSON *a = tj_field(r, obj, key, &old);
    if (!a)
        return false;
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != 3)
        return tj_fail(r, "expected an array of 3 non-negative integers");
    for (int i = 0; i < 3; i++) {
        const cJSON *e = cJSON_GetArrayItem(a, i);
        if (!cJSON_IsNumber(e) || e->valuedouble < 0 || e->valuedouble > (double)max ||
            e->valuedouble != (double)(uint64_t)e->valuedouble) {
            tj_push(r, "[%d]", i);
            if (max < TJ_MAX_JSON_INT)
                return tj_fail(r, "expected an integer from 0 to %llu", (unsigned long long)max);
            return tj_fail(r, "expected a non-negative integer");
        }
        out[i] = (uint64_t)e->valuedouble;
    }
    tj_pop(r, old);
    return true;
}
