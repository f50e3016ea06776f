/* tok_estimate: the character-class estimate of a prompt's tokens (see the
 * header for the features and how they are fitted). */
#include <math.h>
#include <string.h>

#include <gsl/gsl_multifit.h>

#include "tokenizer/tok_estimate.h"

const char *const tok_feature_names[TOK_NFEAT] = {
    "latin_words", "latin_letters", "digits", "digit_runs", "punctuation", "punctuation_runs",
    "newlines", "space_runs", "cjk", "cyrillic_words", "cyrillic_letters",
    "other_words", "other_letters", "symbol_bytes", "supplementary", "long_word_letters",
    "inner_capitals", "space_run_chars"};

enum { F_WORD, F_LATIN, F_DIGIT, F_DIGIT_RUN, F_PUNCT, F_PUNCT_RUN, F_NL, F_SPACES, F_CJK,
       F_CG_WORD, F_CG, F_OWORD, F_LETTER, F_SYMBOL, F_SUPP, F_LONG, F_CAPS, F_SPACE_CHARS };

/* Latin letters past this many in one word are also counted as
 * long_word_letters: rare and compound words split into several tokens. */
#define LONG_WORD 8

/* the feature counting runs of a class, -1 for none */
static int run_feature(int k)
{
    return k == F_LATIN ? F_WORD : k == F_DIGIT ? F_DIGIT_RUN : k == F_PUNCT ? F_PUNCT_RUN
         : k == F_CG ? F_CG_WORD : k == F_LETTER ? F_OWORD : -1;
}

/* next code point of s (n > 0 bytes), *l its length; an invalid byte is
 * U+FFFD, one byte long */
static unsigned next_cp(const unsigned char *s, size_t n, size_t *l)
{
    unsigned c = s[0];
    size_t k = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
    *l = 1;
    if (k == 1)
        return c;
    if (!k || k > n)
        return 0xfffd;
    unsigned cp = c & (0x7f >> k);
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0xfffd;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    *l = k;
    return cp;
}

static int is_space(unsigned c)
{
    return c == ' ' || (c >= 9 && c <= 13) || c == 0xa0 || (c >= 0x2000 && c <= 0x200a) ||
           c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

static int class_of(unsigned c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= 0xc0 && c <= 0x24f && c != 0xd7 && c != 0xf7) || (c >= 0x1e00 && c <= 0x1eff))
        return F_LATIN;
    if (c >= '0' && c <= '9')
        return F_DIGIT;
    if (c > ' ' && c < 0x7f)
        return F_PUNCT;
    if ((c >= 0x1100 && c <= 0x11ff) || (c >= 0x3000 && c <= 0x30ff) ||
        (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x4e00 && c <= 0x9fff) ||
        (c >= 0xac00 && c <= 0xd7af) || (c >= 0xf900 && c <= 0xfaff) ||
        (c >= 0xff00 && c <= 0xffef))
        return F_CJK;
    if (c >= 0x400 && c <= 0x52f)
        return F_CG;
    if (c >= 0x250 && c <= 0x1fff)
        return F_LETTER;
    return c >= 0x10000 ? F_SUPP : F_SYMBOL;
}

void tok_features_of(const char *text, char *const *special, int n_special, tok_features *x)
{
    memset(x, 0, sizeof *x);
    const unsigned char *s = (const unsigned char *)text;
    size_t n = strlen(text), ws_len = 0, word_len = 0;
    int prev = -1, ws_plain = 0;
    for (size_t i = 0; i <= n;) {
        size_t sl = 0;
        for (int k = 0; i < n && k < n_special; k++) {
            size_t l = strlen(special[k]);
            if (l > sl && l <= n - i && !memcmp(s + i, special[k], l))
                sl = l;
        }
        size_t l = 1;
        unsigned c = i < n && !sl ? next_cp(s + i, n - i, &l) : 0;
        int space = i < n && !sl && is_space(c) && c != '\n';
        if (!space && ws_len) { /* a run ends: a lone space goes with the next word */
            int run = !(ws_len == 1 && ws_plain);
            x->f[F_SPACES] += run;
            x->f[F_SPACE_CHARS] += run ? (double)ws_len : 0;
            ws_len = 0;
        }
        if (i == n)
            break;
        if (sl) {
            x->specials++;
            i += sl;
            prev = -1;
            continue;
        }
        if (space) {
            ws_plain = ws_len ? 0 : c == ' ';
            ws_len++;
            prev = -1;
        } else if (c == '\n') {
            x->f[F_NL]++;
            prev = -1;
        } else {
            int k = class_of(c);
            x->f[k] += k == F_SYMBOL ? (double)l : 1;
            word_len = k != F_LATIN ? 0 : prev == F_LATIN ? word_len + 1 : 1;
            x->f[F_LONG] += word_len > LONG_WORD;
            x->f[F_CAPS] += word_len > 1 && c >= 'A' && c <= 'Z';
            if (k != prev && run_feature(k) >= 0)
                x->f[run_feature(k)]++;
            prev = k;
        }
        i += l;
    }
}

int tok_estimate_count(const double coef[TOK_NFEAT], const tok_features *x)
{
    double v = 0, any = 0;
    for (int k = 0; k < TOK_NFEAT; k++) {
        v += coef[k] * x->f[k];
        any += x->f[k];
    }
    long r = v > 0 ? lround(v) : 0;
    if (any > 0 && r < 1)
        r = 1;
    return x->specials + (int)r;
}

/* Weighted least squares over the features in use[]; 0 or -1. */
static int wls(const tok_features *x, const int *y, int n, const int *use, double *coef)
{
    int m = 0, map[TOK_NFEAT];
    for (int k = 0; k < TOK_NFEAT; k++)
        if (use[k])
            map[m++] = k;
    if (!m)
        return -1;
    gsl_matrix *X = gsl_matrix_alloc((size_t)n, (size_t)m), *cov = gsl_matrix_alloc((size_t)m, (size_t)m);
    gsl_vector *Y = gsl_vector_alloc((size_t)n), *W = gsl_vector_alloc((size_t)n),
               *c = gsl_vector_alloc((size_t)m);
    gsl_multifit_linear_workspace *ws = gsl_multifit_linear_alloc((size_t)n, (size_t)m);
    int rc = -1;
    if (X && cov && Y && W && c && ws) {
        for (int i = 0; i < n; i++) {
            double t = y[i] - x[i].specials;
            for (int j = 0; j < m; j++)
                gsl_matrix_set(X, (size_t)i, (size_t)j, x[i].f[map[j]]);
            gsl_vector_set(Y, (size_t)i, t);
            gsl_vector_set(W, (size_t)i, t > 0 ? 1.0 / ((double)y[i] * y[i]) : 0);
        }
        double chisq;
        if (!gsl_multifit_wlinear(X, W, Y, c, cov, &chisq, ws)) {
            for (int k = 0; k < TOK_NFEAT; k++)
                coef[k] = 0;
            for (int j = 0; j < m; j++)
                coef[map[j]] = gsl_vector_get(c, (size_t)j);
            rc = 0;
        }
    }
    gsl_multifit_linear_free(ws);
    gsl_matrix_free(X);
    gsl_matrix_free(cov);
    gsl_vector_free(Y);
    gsl_vector_free(W);
    gsl_vector_free(c);
    return rc;
}

/* Least squares with no negative coefficient (a feature never lowers a
 * count): fit, drop the most negative feature, fit again, until none is
 * negative.  Unconstrained, features seen in few prompts take large values
 * of either sign that cancel on the fitting prompts and not elsewhere. */
int tok_fit(const tok_features *x, const int *y, int n, double coef[TOK_NFEAT])
{
    int use[TOK_NFEAT];
    if (n < TOK_NFEAT)
        return -1;
    for (int k = 0; k < TOK_NFEAT; k++)
        use[k] = 1;
    for (;;) {
        if (wls(x, y, n, use, coef))
            return -1;
        int worst = -1;
        for (int k = 0; k < TOK_NFEAT; k++)
            if (coef[k] < 0 && (worst < 0 || coef[k] < coef[worst]))
                worst = k;
        if (worst < 0)
            return 0;
        use[worst] = 0;
    }
}
