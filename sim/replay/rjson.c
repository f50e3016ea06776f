/* Rendering and comparing in the traces' vocabulary (rjson.h). */
#include <stdio.h>
#include <stdlib.h>

#include "replay/rjson.h"

cJSON *rj_wei(wei_t v)
{
    char buf[WEI_STR_MAX];
    return cJSON_CreateString(wei_format(v, buf));
}

cJSON *rj_hex(const uint8_t *b, size_t n)
{
    char *s = malloc(2 * n + 3);
    if (!s)
        abort();
    s[0] = '0';
    s[1] = 'x';
    for (size_t i = 0; i < n; i++)
        sprintf(s + 2 + 2 * i, "%02x", b[i]);
    s[2 + 2 * n] = '\0';
    cJSON *j = cJSON_CreateString(s);
    free(s);
    return j;
}

void rj_add_stats(cJSON *st, const proto_stats *s)
{
    cJSON *so = cJSON_AddObjectToObject(st, "stats");
    cJSON_AddNumberToObject(so, "total_nodes", (double)s->total_nodes);
    cJSON_AddNumberToObject(so, "active_nodes", (double)s->active_nodes);
    cJSON_AddNumberToObject(so, "available_nodes", (double)s->available_nodes);
    cJSON_AddNumberToObject(so, "busy_nodes", (double)s->busy_nodes);
    cJSON_AddNumberToObject(so, "total_tasks", (double)s->total_tasks);
    cJSON_AddNumberToObject(so, "queued_tasks", (double)s->queued_tasks);
    cJSON_AddNumberToObject(so, "running_tasks", (double)s->running_tasks);
}

cJSON *rj_changed(const cJSON *now, const cJSON *before, bool deleted)
{
    cJSON *out = cJSON_CreateObject();
    for (const cJSON *e = now ? now->child : NULL; e; e = e->next) {
        const cJSON *b = before ? cJSON_GetObjectItemCaseSensitive(before, e->string) : NULL;
        if (!b || !cJSON_Compare(e, b, true))
            cJSON_AddItemToObject(out, e->string, cJSON_Duplicate(e, true));
    }
    for (const cJSON *b = deleted && before ? before->child : NULL; b; b = b->next)
        if (!cJSON_GetObjectItemCaseSensitive(now, b->string))
            cJSON_AddNullToObject(out, b->string);
    return out;
}

bool rj_same(cJSON *expected, cJSON *got, const char *path, jdiff *d)
{
    bool same = jdiff_equal(expected, got, path, d);
    cJSON_Delete(expected);
    cJSON_Delete(got);
    return same;
}

bool rj_outcome(bool want_ok, const char *want_revert, bool ok, const char *reason, size_t i,
                jdiff *d)
{
    char path[64];
    snprintf(path, sizeof path, "$.steps[%zu].ok", i);
    if (!rj_same(cJSON_CreateBool(want_ok), cJSON_CreateBool(ok), path, d))
        return false;
    if (ok)
        return true;
    snprintf(path, sizeof path, "$.steps[%zu].revert", i);
    return rj_same(cJSON_CreateString(want_revert ? want_revert : ""), cJSON_CreateString(reason), path, d);
}
