/* avrami tokens: count a text's tokens for a model, check the tokenizers
 * against the reference vectors, fit the estimate.
 *
 *   avrami tokens count MODEL_ID [FILE]    tokens of the text (stdin: -)
 *   avrami tokens check                    exact families: ids vs the
 *                                          reference; estimates: error on the
 *                                          prompts kept apart from the fit
 *   avrami tokens fit NAME                 coefficients for index.json
 *
 * Prompts with an even index (0, 2, ...) of tests/tokenizers/prompts.json fit
 * the estimate, those with an odd index check it. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli/commands.h"
#include "util/rfile.h"
#include "tokenizer/tok_index.h"
#include "util/datadir.h"

#define CHECK_MAPE_MAX 15.0 /* percent, on the prompts kept apart */

typedef struct {
    const char *models, *tests;
    int each;           /* --each: every prompt's estimate and reference */
    char index[1024];
    cJSON *prompts, *vectors;
    int n;
} ctx;

static const char *prompt_text(const ctx *c, int i)
{
    const cJSON *p = cJSON_GetArrayItem(cJSON_GetObjectItem(c->prompts, "prompts"), i);
    const cJSON *t = cJSON_GetObjectItem(p, "text");
    return cJSON_IsString(t) ? t->valuestring : "";
}

/* reference token counts of a tokenizer over all prompts; NULL if none */
static int *ref_counts(const ctx *c, const char *name)
{
    const cJSON *ex = cJSON_GetObjectItem(cJSON_GetObjectItem(c->vectors, "exact"), name),
                *ct = cJSON_GetObjectItem(cJSON_GetObjectItem(c->vectors, "counts"), name);
    const cJSON *a = ex ? cJSON_GetObjectItem(ex, "ids") : cJSON_GetObjectItem(ct, "counts");
    if (cJSON_GetArraySize(a) != c->n)
        return NULL;
    int *y = malloc((size_t)c->n * sizeof *y);
    for (int i = 0; y && i < c->n; i++) {
        const cJSON *v = cJSON_GetArrayItem(a, i);
        y[i] = ex ? cJSON_GetArraySize(v) : v->valueint;
    }
    return y;
}

/* ids of the shipped tokenizer vs the reference: mismatching prompts, -1 error */
static int check_exact(const ctx *c, const tok_entry *e)
{
    const cJSON *ids = cJSON_GetObjectItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(c->vectors, "exact"), e->name), "ids");
    char err[1024];
    const hf_tok *t = tok_cache_get(e->file, err, sizeof err);
    if (!t || cJSON_GetArraySize(ids) != c->n) {
        fprintf(stderr, "avrami tokens: %s\n", t ? "no reference vectors" : err);
        return -1;
    }
    int bad = 0;
    for (int i = 0; i < c->n; i++) {
        const char *s = prompt_text(c, i);
        int *got, n = hf_tok_encode(t, s, strlen(s), &got, err, sizeof err);
        const cJSON *want = cJSON_GetArrayItem(ids, i);
        int same = n == cJSON_GetArraySize(want);
        for (int k = 0; same && k < n; k++)
            same = got[k] == cJSON_GetArrayItem(want, k)->valueint;
        bad += !same;
        free(got);
    }
    printf("%-10s exact     %d mismatches in %d prompts (ids compared)  %s\n", e->name, bad, c->n,
           e->file);
    return bad;
}

static void features(const ctx *c, const tok_entry *e, tok_features *x)
{
    for (int i = 0; i < c->n; i++)
        tok_features_of(prompt_text(c, i), e->sp, e->n_special_ref, &x[i]);
}

/* the estimate against one real tokenizer: MAPE of one half (parity), max */
static double mape(const ctx *c, const tok_entry *e, const tok_features *x, const int *y,
                   int parity, double *worst)
{
    double s = 0;
    int m = 0;
    *worst = 0;
    for (int i = parity; i < c->n; i += 2) {
        int est = tok_estimate_count(e->coef, &x[i]);
        double r = fabs((double)est - y[i]) / y[i] * 100;
        if (c->each)
            printf("  %s %-8s prompt %2d (%s): estimate %5d, reference %5d, %+6.1f%%\n",
                   parity ? "check" : "fit  ", e->name, i,
                   cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(c->prompts, "prompts"),
                                                          i), "kind")->valuestring,
                   est, y[i], (est - y[i]) * 100.0 / y[i]);
        s += r;
        m++;
        if (r > *worst)
            *worst = r;
    }
    return m ? s / m : 0;
}

/* The fitting prompts (even positions) of every reference of e but the one
 * at index skip (-1: none), as rows x, y (room for half * n_fit).  Count,
 * -1 when a reference has no counts. */
static int fitting_rows(const ctx *c, const tok_entry *e, const tok_features *all, int skip,
                        tok_features *x, int *y)
{
    int m = 0;
    for (int f = 0; f < e->n_fit; f++) {
        if (f == skip)
            continue;
        int *r = ref_counts(c, e->fit[f]);
        if (!r) {
            fprintf(stderr, "avrami tokens: no reference counts for '%s'\n", e->fit[f]);
            return -1;
        }
        for (int i = 0; i < c->n; i += 2) {
            x[m] = all[i];
            y[m++] = r[i];
        }
        free(r);
    }
    return m;
}

/* An estimate fitted to several tokenizers stands for tokenizers it has
 * never seen: fitted to all references but one, checked against that one
 * on the checking prompts.  0, or 1 on an error. */
static int held_out(const ctx *c, const tok_entry *e, const tok_features *all)
{
    int half = (c->n + 1) / 2, rc = 0;
    tok_features *x = malloc((size_t)(half * e->n_fit + 1) * sizeof *x);
    int *y = malloc((size_t)(half * e->n_fit + 1) * sizeof *y);
    for (int f = 0; x && y && !rc && f < e->n_fit; f++) {
        tok_entry one = *e;
        int m = fitting_rows(c, e, all, f, x, y), *r = m < 0 ? NULL : ref_counts(c, e->fit[f]);
        if (!r || tok_fit(x, y, m, one.coef)) {
            rc = 1;
        } else {
            double worst, err = mape(c, &one, all, r, 1, &worst);
            printf("%-10s held out  vs %-8s MAPE %5.1f%% on the %d checking prompts (worst %5.1f%%), "
                   "fitted to the other %d\n",
                   e->name, e->fit[f], err, c->n / 2, worst, e->n_fit - 1);
        }
        free(r);
    }
    free(x);
    free(y);
    return x && y ? rc : 1;
}

static int check_estimate(const ctx *c, const tok_entry *e)
{
    tok_features *x = malloc((size_t)c->n * sizeof *x);
    int fails = 0;
    features(c, e, x);
    for (int f = 0; x && f < e->n_fit; f++) {
        int *y = ref_counts(c, e->fit[f]);
        if (!y) {
            fprintf(stderr, "avrami tokens: %s: no reference counts for '%s'\n", e->name, e->fit[f]);
            fails++;
            continue;
        }
        double w_fit, w_chk, m_fit = mape(c, e, x, y, 0, &w_fit), m_chk = mape(c, e, x, y, 1, &w_chk);
        printf("%-10s estimate  vs %-8s MAPE %5.1f%% on the %d fitting prompts, %5.1f%% on the %d "
               "checking prompts (worst %5.1f%%)%s\n",
               e->name, e->fit[f], m_fit, (c->n + 1) / 2, m_chk, c->n / 2, w_chk,
               !e->bounded ? "  (not bounded)" : m_chk > CHECK_MAPE_MAX ? "  OVER 15%" : "");
        fails += e->bounded && m_chk > CHECK_MAPE_MAX;
        free(y);
    }
    if (x && !e->bounded && e->n_fit >= 3)
        fails += held_out(c, e, x);
    /* tokenizers the estimate never saw: the error to expect on a new family */
    for (int f = 0; x && f < e->n_unseen; f++) {
        int *y = ref_counts(c, e->unseen[f]);
        if (!y) {
            fprintf(stderr, "avrami tokens: %s: no reference counts for '%s'\n", e->name,
                    e->unseen[f]);
            fails++;
            continue;
        }
        double w_fit, w_chk, m_fit = mape(c, e, x, y, 0, &w_fit), m_chk = mape(c, e, x, y, 1, &w_chk);
        printf("%-10s unseen    vs %-8s MAPE %5.1f%% on the %d fitting prompts, %5.1f%% on the %d "
               "checking prompts (worst %5.1f%%), never fitted to it\n",
               e->name, e->unseen[f], m_fit, (c->n + 1) / 2, m_chk, c->n / 2,
               w_chk);
        free(y);
    }
    free(x);
    return x ? fails : 1;
}

static int check(ctx *c)
{
    cJSON *idx = NULL;
    char err[1024];
    if (!(idx = rfile_json(c->index, err, sizeof err))) {
        fprintf(stderr, "avrami tokens: %s\n", err);
        return 2;
    }
    int fails = 0;
    const char *lists[2] = {"tokenizers", "estimates"};
    for (int l = 0; l < 2; l++) {
        const cJSON *o;
        cJSON_ArrayForEach(o, cJSON_GetObjectItem(idx, lists[l])) {
            tok_entry e;
            const cJSON *name = cJSON_GetObjectItem(o, "name");
            if (!cJSON_IsString(name) ||
                tok_index_find(c->index, name->valuestring, 1, &e, err, sizeof err)) {
                fprintf(stderr, "avrami tokens: %s\n", err);
                cJSON_Delete(idx);
                return 2;
            }
            int r = l ? check_estimate(c, &e) : check_exact(c, &e);
            fails += r != 0;
        }
    }
    cJSON_Delete(idx);
    printf("%s\n", fails ? "FAILED" : "ok");
    return fails ? 1 : 0;
}

static int fit(ctx *c, const char *name)
{
    tok_entry e;
    char err[1024];
    if (tok_index_find(c->index, name, 1, &e, err, sizeof err)) {
        fprintf(stderr, "avrami tokens: %s\n", err);
        return 2;
    }
    int half = (c->n + 1) / 2, m;
    tok_features *all = malloc((size_t)c->n * sizeof *all),
                 *x = malloc((size_t)(half * e.n_fit + 1) * sizeof *x);
    int *y = malloc((size_t)(half * e.n_fit + 1) * sizeof *y), rc = 2;
    if (!all || !x || !y)
        goto out;
    features(c, &e, all);
    if ((m = fitting_rows(c, &e, all, -1, x, y)) < 0)
        goto out;
    if (tok_fit(x, y, m, e.coef)) {
        fprintf(stderr, "avrami tokens: %s: cannot fit %d prompts\n", name, m);
        goto out;
    }
    printf("\"coefficients\": {");
    for (int k = 0; k < TOK_NFEAT; k++)
        printf("%s\"%s\": %.4f", k ? ", " : "", tok_feature_names[k], e.coef[k]);
    printf("}\n");
    rc = 0;
out:
    free(all);
    free(x);
    free(y);
    return rc;
}

static int count(const ctx *c, const char *model, const char *file)
{
    tok_entry e;
    char err[1024];
    size_t len = 0;
    if (tok_index_find(c->index, model, 0, &e, err, sizeof err)) {
        fprintf(stderr, "avrami tokens: %s\n", err);
        return 2;
    }
    char why[128] = "";
    bool from_stdin = !file || !strcmp(file, "-");
    char *text = from_stdin ? rfile_read_stdin(RFILE_MAX, &len, why, sizeof why)
                            : rfile_read(file, RFILE_MAX, &len, why, sizeof why);
    if (!text) {
        fprintf(stderr, "avrami tokens: %s: cannot read: %s\n", from_stdin ? "stdin" : file, why);
        return 2;
    }
    int n;
    if (e.file[0]) {
        const hf_tok *t = tok_cache_get(e.file, err, sizeof err);
        int *ids = NULL;
        n = t ? hf_tok_encode(t, text, len, &ids, err, sizeof err) : -1;
        free(ids);
    } else {
        tok_features x;
        tok_features_of(text, e.sp, e.n_special, &x);
        n = tok_estimate_count(e.coef, &x);
    }
    free(text);
    if (n < 0) {
        fprintf(stderr, "avrami tokens: %s: %s\n", file ? file : "stdin", err);
        return 2;
    }
    printf("%d tokens (%s, %s)\n", n, e.name, e.file[0] ? "exact" : "estimate");
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: avrami tokens count MODEL_ID [FILE|-] [--models DIR]\n"
               "       avrami tokens check [--each] [--models DIR] [--tests DIR]\n"
               "       avrami tokens fit NAME [--models DIR] [--tests DIR]\n"
               "Tokenizers and estimates: DIR/tokenizers/index.json (default models/); prompts and\n"
               "reference vectors: DIR/prompts.json, DIR/vectors.json (default tests/tokenizers).\n"
               "check exits 1 when a shipped tokenizer differs from the reference or an estimate\n"
               "is off by more than 15%% on average on the prompts kept apart from its fit.\n");
}

int cmd_tokens(int argc, char **argv)
{
    ctx c = {datadir_models(), "tests/tokenizers", 0, {0}, NULL, NULL, 0};
    const char *pos[3] = {0};
    int np = 0;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--each")) {
            c.each = 1;
        } else if (!strcmp(argv[i], "--models") && v) {
            c.models = argv[++i];
        } else if (!strcmp(argv[i], "--tests") && v) {
            c.tests = argv[++i];
        } else if ((argv[i][0] != '-' || !strcmp(argv[i], "-")) && np < 3) {
            pos[np++] = argv[i];
        } else {
            fprintf(stderr, "avrami tokens: bad or incomplete option '%s'\n", argv[i]);
            return 2;
        }
    }
    snprintf(c.index, sizeof c.index, "%s/tokenizers/index.json", c.models);
    if (np >= 2 && !strcmp(pos[0], "count"))
        return count(&c, pos[1], pos[2]);
    if (!np || (strcmp(pos[0], "check") && strcmp(pos[0], "fit")) ||
        (!strcmp(pos[0], "fit") && np != 2)) {
        usage(stderr);
        return 2;
    }
    char path[1024], err[1024];
    snprintf(path, sizeof path, "%s/prompts.json", c.tests);
    c.prompts = rfile_json(path, err, sizeof err);
    snprintf(path, sizeof path, "%s/vectors.json", c.tests);
    c.vectors = c.prompts ? rfile_json(path, err, sizeof err) : NULL;
    int rc = 2;
    if (!c.vectors)
        fprintf(stderr, "avrami tokens: %s\n", err);
    else if ((c.n = cJSON_GetArraySize(cJSON_GetObjectItem(c.prompts, "prompts"))) < 2 * TOK_NFEAT)
        fprintf(stderr, "avrami tokens: %s/prompts.json: expected at least %d prompts\n", c.tests,
                2 * TOK_NFEAT);
    else
        rc = !strcmp(pos[0], "fit") ? fit(&c, pos[1]) : check(&c);
    cJSON_Delete(c.prompts);
    cJSON_Delete(c.vectors);
    return rc;
}
