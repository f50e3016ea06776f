/* gpt_template: loading, matching and rendering chat templates.
 *
 * A template is prefix/suffix strings per role plus a few switches (see the
 * "about" of models/chat-templates.json); that is enough to reproduce the
 * Jinja templates of the families avrami knows without a template engine. */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpt/gpt_template.h"
#include "gpt/gpt_util.h"
#include "util/rfile.h"

typedef struct {
    const char *file;
    char *err;
    size_t errlen;
} lctx;

static int lfail(lctx *c, int i, const char *key, const char *what)
{
    snprintf(c->err, c->errlen, "%s: $.templates[%d]%s%s: %s", c->file, i, key[0] ? "." : "",
             key, what);
    return 2;
}

/* optional string (NULL when absent) */
static int str(lctx *c, const cJSON *o, int i, const char *key, char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = NULL;
    if (!v)
        return 0;
    if (!cJSON_IsString(v))
        return lfail(c, i, key, "expected a string");
    return (*out = strdup(v->valuestring)) ? 0 : lfail(c, i, key, "out of memory");
}

static int str_list(lctx *c, const cJSON *o, int i, const char *key, char ***out, int *n)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, key), *v;
    *out = NULL;
    *n = 0;
    if (!a)
        return 0;
    if (!cJSON_IsArray(a))
        return lfail(c, i, key, "expected an array of strings");
    *out = calloc((size_t)cJSON_GetArraySize(a) + 1, sizeof **out);
    if (!*out)
        return lfail(c, i, key, "out of memory");
    cJSON_ArrayForEach(v, a) {
        if (!cJSON_IsString(v) || !((*out)[*n] = strdup(v->valuestring)))
            return lfail(c, i, key, "expected an array of strings");
        ++*n;
    }
    return 0;
}

/* a [prefix, suffix] pair */
static int pair(lctx *c, const cJSON *v, int i, const char *key, char **a, char **b)
{
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != 2 ||
        !cJSON_IsString(cJSON_GetArrayItem(v, 0)) || !cJSON_IsString(cJSON_GetArrayItem(v, 1)))
        return lfail(c, i, key, "expected [prefix, suffix] strings");
    *a = strdup(cJSON_GetArrayItem(v, 0)->valuestring);
    *b = strdup(cJSON_GetArrayItem(v, 1)->valuestring);
    return *a && *b ? 0 : lfail(c, i, key, "out of memory");
}

static int load_one(lctx *c, const cJSON *o, int i, gpt_template *t)
{
    char *mode = NULL;
    int rc = str(c, o, i, "name", &t->name) || str(c, o, i, "source", &t->source) ||
             str(c, o, i, "bos", &t->bos) || str(c, o, i, "generation", &t->generation) ||
             str(c, o, i, "eos", &t->eos) || str(c, o, i, "default_system", &t->default_system) ||
             str(c, o, i, "join", &t->join) || str(c, o, i, "system", &mode) ||
             str_list(c, o, i, "match", &t->match, &t->n_match) ||
             str_list(c, o, i, "special", &t->special, &t->n_special);
    if (rc) {
        free(mode);
        return 2;
    }
    t->system = !mode || !strcmp(mode, "native") ? GPT_SYS_NATIVE
                : !strcmp(mode, "fold")          ? GPT_SYS_FOLD
                : !strcmp(mode, "reject")        ? GPT_SYS_REJECT
                                                 : (gpt_sys_mode)-1;
    free(mode);
    if ((int)t->system < 0)
        return lfail(c, i, "system", "expected \"native\", \"fold\" or \"reject\"");
    if (!t->name || !t->eos || t->n_match < 1)
        return lfail(c, i, "", "expected name, eos and match");
    const cJSON *roles = cJSON_GetObjectItemCaseSensitive(o, "roles");
    for (int r = 0; r < 3; r++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(roles, gpt_role_name((gpt_role)r));
        char key[32];
        snprintf(key, sizeof key, "roles.%s", gpt_role_name((gpt_role)r));
        if (v && pair(c, v, i, key, &t->prefix[r], &t->suffix[r]))
            return 2;
        int needed = !t->join && (r != GPT_ROLE_SYSTEM || t->system == GPT_SYS_NATIVE);
        if (needed && !v)
            return lfail(c, i, key, "missing field");
    }
    const cJSON *fold = cJSON_GetObjectItemCaseSensitive(o, "fold");
    if (t->system == GPT_SYS_FOLD && pair(c, fold, i, "fold", &t->fold_prefix, &t->fold_suffix))
        return 2;
    t->alternate = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "alternate"));
    t->trim = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "trim"));
    t->generation_after_assistant =
        !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(o, "generation_after_assistant"));
    return 0;
}

int gpt_templates_load(const char *path, gpt_templates *ts, char *err, size_t errlen)
{
    memset(ts, 0, sizeof *ts);
    cJSON *root = rfile_json(path, err, errlen);
    if (!root)
        return 2;
    lctx c = {path, err, errlen};
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(root, "templates"), *o;
    int rc = 0;
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) < 1) {
        snprintf(err, errlen, "%s: $.templates: expected a non-empty array", path);
        rc = 2;
    } else if (!(ts->t = calloc((size_t)cJSON_GetArraySize(a), sizeof *ts->t))) {
        snprintf(err, errlen, "%s: out of memory", path);
        rc = 2;
    }
    if (!rc)
        cJSON_ArrayForEach(o, a) {
            ts->n++;
            if ((rc = load_one(&c, o, ts->n - 1, &ts->t[ts->n - 1])))
                break;
        }
    cJSON_Delete(root);
    if (rc)
        gpt_templates_free(ts);
    return rc;
}

static void free_list(char **l, int n)
{
    for (int i = 0; i < n; i++)
        free(l[i]);
    free(l);
}

void gpt_templates_free(gpt_templates *ts)
{
    for (int i = 0; i < ts->n; i++) {
        gpt_template *t = &ts->t[i];
        char *s[] = {t->name, t->source, t->bos, t->generation, t->eos, t->fold_prefix,
                     t->fold_suffix, t->default_system, t->join};
        for (size_t k = 0; k < sizeof s / sizeof s[0]; k++)
            free(s[k]);
        for (int r = 0; r < 3; r++) {
            free(t->prefix[r]);
            free(t->suffix[r]);
        }
        free_list(t->match, t->n_match);
        free_list(t->special, t->n_special);
    }
    free(ts->t);
    memset(ts, 0, sizeof *ts);
}

const gpt_template *gpt_template_match(const gpt_templates *ts, const char *model_id)
{
    for (int i = 0; i < ts->n; i++)
        for (int k = 0; k < ts->t[i].n_match; k++)
            if (!fnmatch(ts->t[i].match[k], model_id, FNM_CASEFOLD))
                return &ts->t[i];
    return NULL;
}

const gpt_template *gpt_template_find(const gpt_templates *ts, const char *name)
{
    for (int i = 0; i < ts->n; i++)
        if (!strcmp(ts->t[i].name, name))
            return &ts->t[i];
    return NULL;
}

/* Length of the whitespace character at s (n bytes left), 0 if none: the
 * characters Python's str.strip() and Jinja's trim filter remove
 * (str.isspace: ASCII \t-\r, \x1c-\x1f and space, U+0085, U+00A0, U+1680,
 * U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000). */
static size_t space_at(const unsigned char *s, size_t n)
{
    if (n >= 1 && ((s[0] >= 0x09 && s[0] <= 0x0d) || (s[0] >= 0x1c && s[0] <= 0x20)))
        return 1;
    if (n >= 2 && s[0] == 0xc2 && (s[1] == 0x85 || s[1] == 0xa0))
        return 2;
    if (n >= 3 && s[0] == 0xe1 && s[1] == 0x9a && s[2] == 0x80)
        return 3;
    if (n >= 3 && s[0] == 0xe2 && s[1] == 0x80 &&
        (s[2] <= 0x8a || s[2] == 0xa8 || s[2] == 0xa9 || s[2] == 0xaf) && s[2] >= 0x80)
        return 3;
    if (n >= 3 && s[0] == 0xe2 && s[1] == 0x81 && s[2] == 0x9f)
        return 3;
    if (n >= 3 && s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80)
        return 3;
    return 0;
}

/* the length of the whitespace character ending at s + n, 0 if none */
static size_t space_before(const unsigned char *s, size_t n)
{
    size_t back = n < 3 ? n : 3;
    for (size_t k = 1; k <= back; k++) {
        const unsigned char *c = s + n - k;
        if ((k == 1 || (*c & 0xc0) == 0xc0) && space_at(c, k) == k)
            return k;
    }
    return 0;
}

/* content as the family sees it: stripped of surrounding whitespace if trim */
static void add_content(gpt_buf *b, const char *s, int trim)
{
    size_t n = strlen(s), k;
    if (trim) {
        while ((k = space_at((const unsigned char *)s, n)))
            s += k, n -= k;
        while ((k = space_before((const unsigned char *)s, n)))
            n -= k;
    }
    gpt_buf_add(b, s, n);
}

static char *refuse(const gpt_template *t, int i, const char *why, char *err, size_t errlen)
{
    snprintf(err, errlen, "$.messages[%d]: the %s chat template %s", i, t->name, why);
    return NULL;
}

char *gpt_template_render(const gpt_template *t, const gpt_message *m, int n, char *err,
                          size_t errlen)
{
    gpt_buf b = {0};
    if (t->join) {
        for (int i = 0; i < n; i++) {
            if (i)
                gpt_buf_puts(&b, t->join);
            gpt_buf_puts(&b, m[i].content);
        }
        return gpt_buf_take(&b);
    }
    int first = 0, turn = 0;
    const char *sys = NULL;
    if (t->system == GPT_SYS_FOLD && n > 0 && m[0].role == GPT_ROLE_SYSTEM) {
        sys = m[0].content;
        first = 1;
    }
    for (int i = first; i < n; i++) {
        if (m[i].role == GPT_ROLE_SYSTEM && t->system == GPT_SYS_REJECT)
            return refuse(t, i, "does not support system messages", err, errlen);
        if (m[i].role == GPT_ROLE_SYSTEM && t->system == GPT_SYS_FOLD)
            return refuse(t, i, "takes a system message only as the first message", err,
                          errlen);
        if (m[i].role == GPT_ROLE_SYSTEM || !t->alternate)
            continue;
        if ((m[i].role == GPT_ROLE_USER) != (turn % 2 == 0))
            return refuse(t, i, "needs roles alternating user/assistant/user/... (after an "
                                "optional system message)", err, errlen);
        turn++;
    }
    gpt_buf_puts(&b, t->bos ? t->bos : "");
    if (t->default_system && (n == 0 || m[0].role != GPT_ROLE_SYSTEM)) {
        gpt_buf_puts(&b, t->prefix[GPT_ROLE_SYSTEM]);
        gpt_buf_puts(&b, t->default_system);
        gpt_buf_puts(&b, t->suffix[GPT_ROLE_SYSTEM]);
    }
    for (int i = first; i < n; i++) {
        gpt_buf_puts(&b, t->prefix[m[i].role]);
        if (sys && i == first) {
            /* the fold is part of the content, so trim applies to the whole */
            gpt_buf c = {0};
            gpt_buf_puts(&c, t->fold_prefix);
            gpt_buf_puts(&c, sys);
            gpt_buf_puts(&c, t->fold_suffix);
            gpt_buf_puts(&c, m[i].content);
            add_content(&b, c.s ? c.s : "", t->trim);
            b.oom |= c.oom;
            gpt_buf_free(&c);
        } else {
            add_content(&b, m[i].content, t->trim);
        }
        gpt_buf_puts(&b, t->suffix[m[i].role]);
    }
    if (t->generation_after_assistant || n == 0 || m[n - 1].role != GPT_ROLE_ASSISTANT)
        gpt_buf_puts(&b, t->generation ? t->generation : "");
    return gpt_buf_take(&b);
}
