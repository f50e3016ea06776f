#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay/jdiff.h"

static void show(const cJSON *v, char *buf, size_t cap)
{
    if (!v) {
        snprintf(buf, cap, "(absent)");
        return;
    }
    char *s = cJSON_PrintUnformatted(v);
    if (!s) {
        snprintf(buf, cap, "(unprintable)");
        return;
    }
    if (strlen(s) >= cap && cap > 4) {
        memcpy(buf, s, cap - 4);
        strcpy(buf + cap - 4, "...");
    } else {
        snprintf(buf, cap, "%s", s);
    }
    free(s);
}

static bool differ(const cJSON *e, const cJSON *g, const char *path, jdiff *out)
{
    snprintf(out->path, sizeof out->path, "%s", path);
    show(e, out->expected, sizeof out->expected);
    show(g, out->got, sizeof out->got);
    return false;
}

bool jdiff_equal(const cJSON *e, const cJSON *g, const char *path, jdiff *out)
{
    char sub[256];
    if (!e || !g || (e->type & 0xFF) != (g->type & 0xFF))
        return differ(e, g, path, out);
    if (cJSON_IsNumber(e))
        return e->valuedouble == g->valuedouble ? true : differ(e, g, path, out);
    if (cJSON_IsString(e))
        return !strcmp(e->valuestring, g->valuestring) ? true : differ(e, g, path, out);
    if (cJSON_IsArray(e)) {
        int ne = cJSON_GetArraySize(e), ng = cJSON_GetArraySize(g);
        const cJSON *a = e->child, *b = g->child;
        for (int i = 0; i < ne && i < ng; i++, a = a->next, b = b->next) {
            snprintf(sub, sizeof sub, "%s[%d]", path, i);
            if (!jdiff_equal(a, b, sub, out))
                return false;
        }
        if (ne != ng) {
            snprintf(sub, sizeof sub, "%s[%d]", path, ne < ng ? ne : ng);
            return differ(ne > ng ? a : NULL, ng > ne ? b : NULL, sub, out);
        }
        return true;
    }
    if (cJSON_IsObject(e)) {
        for (const cJSON *a = e->child; a; a = a->next) {
            snprintf(sub, sizeof sub, "%s.%s", path, a->string);
            if (!jdiff_equal(a, cJSON_GetObjectItemCaseSensitive(g, a->string), sub, out))
                return false;
        }
        for (const cJSON *b = g->child; b; b = b->next)
            if (!cJSON_GetObjectItemCaseSensitive(e, b->string)) {
                snprintf(sub, sizeof sub, "%s.%s", path, b->string);
                return differ(NULL, b, sub, out);
            }
        return true;
    }
    return true; /* null, true, false: same type is equal */
}
