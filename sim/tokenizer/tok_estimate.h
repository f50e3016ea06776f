/* tok_estimate: prompt tokens of a model whose tokenizer avrami does not
 * ship, from the text's characters by class.
 *
 * The count is the special tokens found in the text (one each) plus a linear
 * function of fifteen features of the rest: Latin words and letters, digits
 * and their runs, ASCII punctuation and its runs, newlines, runs of other
 * whitespace than a single space, CJK characters (Han, kana, Hangul, CJK and
 * full-width punctuation), words and letters of Cyrillic, words and letters
 * of other scripts (Greek, Arabic, Hebrew, Indic, combining marks, ...), the
 * UTF-8 bytes of other symbols of the basic plane (arrows, dingbats,
 * joiners), characters beyond it (most emoji), the letters of long Latin
 * words past their eighth, capitals inside a word (camelCase, acronyms) and
 * the characters of whitespace runs.  The coefficients are fitted per family
 * (tok_fit: least squares of relative error, GSL) on one half of
 * tests/tokenizers/prompts.json against the family's real tokenizer and
 * checked on the other half (`avrami tokens check`). */
#ifndef AVRAMI_TOKENIZER_TOK_ESTIMATE_H
#define AVRAMI_TOKENIZER_TOK_ESTIMATE_H

#define TOK_NFEAT 18

extern const char *const tok_feature_names[TOK_NFEAT];

typedef struct {
    double f[TOK_NFEAT];
    int specials;
} tok_features;

/* Features of text; the strings in special count as one token each. */
void tok_features_of(const char *text, char *const *special, int n_special, tok_features *x);
/* specials + the rounded linear estimate, at least 1 for non-empty text */
int tok_estimate_count(const double coef[TOK_NFEAT], const tok_features *x);
/* Fits coef to tokens y[i] of n texts, minimizing the squared relative
 * error with no coefficient negative.  0, or -1 (fewer texts than
 * features). */
int tok_fit(const tok_features *x, const int *y, int n, double coef[TOK_NFEAT]);

#endif
