/* tok_index: models/tokenizers/index.json, and the loaded tokenizers kept
 * for the life of the process (a scenario with many task files, or a sweep,
 * reads each tokenizer.json once). */
#include <fnmatch.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "tokenizer/tok_index.h"
#include "util/rfile.h"

static int bad(char *err, size_t errlen, const char *file, const char *path, const char *what)
{
    snprintf(err, errlen, "%s: %s: %s", file, path, what);
    return 2;
}

static int matches(const cJSON *o, const char *id, int by_name)
{
    const cJSON *g, *name = cJSON_GetObjectItemCaseSensitive(o, "name");
    if (by_name)
        return cJSON_IsString(name) && !strcmp(name->valuestring, id);
    cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(o, "models"))
        if (cJSON_IsString(g) && !fnmatch(g->valuestring, id, FNM_CASEFOLD))
            return 1;
    return 0;
}

/* A list of at most 8 tokenizer names under key.  0, or 2 with err. */
static int names(const cJSON *o, const char *key, char (*out)[32], int *n, const char *index_path,
                 const char *path, char *err, size_t errlen)
{
    char p[160];
    const cJSON *v;
    cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(o, key)) {
        snprintf(p, sizeof p, "%s.%s[%d]", path, key, *n);
        if (!cJSON_IsString(v) || strlen(v->valuestring) >= 32 || *n == 8)
            return bad(err, errlen, index_path, p, "expected a tokenizer name (at most 8)");
        snprintf(out[(*n)++], 32, "%s", v->valuestring);
    }
    return 0;
}

/* one entry of "tokenizers" (estimate 0) or "estimates" (1) into e */
static int read_entry(const cJSON *o, int estimate, const char *index_path, const char *path,
                      tok_entry *e, char *err, size_t errlen)
{
    char p[160];
    memset(e, 0, sizeof *e);
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(o, "name"),
                *file = cJSON_GetObjectItemCaseSensitive(o, "file"),
                *coef = cJSON_GetObjectItemCaseSensitive(o, "coefficients"),
                *sp = cJSON_GetObjectItemCaseSensitive(o, "special"), *v;
    if (!cJSON_IsString(name) || strlen(name->valuestring) >= sizeof e->name)
        return bad(err, errlen, index_path, path, "expected a \"name\" (a short string)");
    snprintf(e->name, sizeof e->name, "%s", name->valuestring);
    if (!estimate) {
        if (!cJSON_IsString(file))
            return bad(err, errlen, index_path, path, "expected a \"file\" (a path beside the index)");
        const char *slash = strrchr(index_path, '/');
        snprintf(e->file, sizeof e->file, "%.*s%s", slash ? (int)(slash - index_path + 1) : 0,
                 index_path, file->valuestring);
        return 0;
    }
    e->bounded = !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(o, "bounded"));
    for (int k = 0; k < TOK_NFEAT; k++) {
        v = cJSON_GetObjectItemCaseSensitive(coef, tok_feature_names[k]);
        snprintf(p, sizeof p, "%s.coefficients.%s", path, tok_feature_names[k]);
        if (!cJSON_IsNumber(v))
            return bad(err, errlen, index_path, p, "expected a number");
        e->coef[k] = v->valuedouble;
    }
    int rc = names(o, "fit", e->fit, &e->n_fit, index_path, path, err, errlen);
    if (rc || (rc = names(o, "unseen", e->unseen, &e->n_unseen, index_path, path, err, errlen)))
        return rc;
    static const char *const keys[2] = {"special", "extra_special"};
    for (int l = 0; l < 2; l++) {
        int i = 0;
        const cJSON *list = l ? cJSON_GetObjectItemCaseSensitive(o, keys[1]) : sp;
        cJSON_ArrayForEach(v, list) {
            snprintf(p, sizeof p, "%s.%s[%d]", path, keys[l], i++);
            if (!cJSON_IsString(v) || !*v->valuestring ||
                strlen(v->valuestring) >= sizeof e->special[0] || e->n_special == TOK_MAX_SPECIAL)
                return bad(err, errlen, index_path, p,
                           "expected a short non-empty string (at most 32 in all)");
            snprintf(e->special[e->n_special], sizeof e->special[0], "%s", v->valuestring);
            e->sp[e->n_special] = e->special[e->n_special];
            e->n_special++;
        }
        if (!l)
            e->n_special_ref = e->n_special;
    }
    return 0;
}

int tok_index_find(const char *index_path, const char *model_id, int by_name, tok_entry *e,
                   char *err, size_t errlen)
{
    cJSON *root = rfile_json(index_path, err, errlen);
    if (!root)
        return 2;
    static const char *lists[2] = {"tokenizers", "estimates"};
    int rc = 1;
    for (int l = 0; l < 2 && rc == 1; l++) {
        const cJSON *o;
        int i = 0;
        cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(root, lists[l])) {
            if (matches(o, model_id, by_name)) {
                char p[64];
                snprintf(p, sizeof p, "$.%s[%d]", lists[l], i);
                rc = read_entry(o, l, index_path, p, e, err, errlen);
                break;
            }
            i++;
        }
    }
    if (rc == 1)
        snprintf(err, errlen, "%s: no tokenizer or estimate for '%s' (add its id to an entry's "
                              "\"models\")", index_path, model_id);
    cJSON_Delete(root);
    return rc;
}

int tok_index_estimates(const char *index_path, tok_entry *e, int max, char *err, size_t errlen)
{
    cJSON *root = rfile_json(index_path, err, errlen);
    if (!root)
        return -1;
    const cJSON *o;
    int n = 0;
    cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(root, "estimates")) {
        char p[64];
        snprintf(p, sizeof p, "$.estimates[%d]", n);
        if (n == max || read_entry(o, 1, index_path, p, &e[n], err, errlen)) {
            if (n == max)
                snprintf(err, errlen, "%s: more than %d estimates", index_path, max);
            n = -1;
            break;
        }
        n++;
    }
    cJSON_Delete(root);
    return n;
}

/* ---- the cache */

typedef struct cached {
    char *path;
    hf_tok *t;
    struct cached *next;
} cached;

static pthread_mutex_t LOCK = PTHREAD_MUTEX_INITIALIZER;
static cached *CACHE;

const hf_tok *tok_cache_get(const char *path, char *err, size_t errlen)
{
    pthread_mutex_lock(&LOCK);
    cached *c = CACHE;
    while (c && strcmp(c->path, path))
        c = c->next;
    if (!c) {
        hf_tok *t = hf_tok_load(path, err, errlen);
        c = t ? malloc(sizeof *c) : NULL;
        if (c && (c->path = strdup(path))) {
            c->t = t;
            c->next = CACHE;
            CACHE = c;
        } else {
            if (t)
                snprintf(err, errlen, "%s: out of memory", path);
            free(c);
            hf_tok_free(t);
            c = NULL;
        }
    }
    pthread_mutex_unlock(&LOCK);
    return c ? c->t : NULL;
}
