/* gpt_tok: the tokenizer of the synthetic-weight runs, and the prompt-size
 * estimate for real models.
 *
 * Byte-level BPE: ids 0..255 are the bytes, 256.. the merges learnt from a
 * corpus the project ships (models/tokenizer-corpus.txt), then the special
 * tokens of every chat template.  Training is deterministic (the most
 * frequent pair wins, ties to the smaller pair) and takes milliseconds, so
 * it runs at load time and the merges are never stale.  A real model's own
 * tokenizer is not available to avrami; for pricing prompts of real models
 * gpt_tok_estimate counts special tokens exactly and the rest of the text by
 * the family's characters-per-token estimate. */
#ifndef AVRAMI_GPT_GPT_TOK_H
#define AVRAMI_GPT_GPT_TOK_H

#include <stddef.h>
#include <stdint.h>

#include "gpt/gpt_template.h"

#define GPT_TOK_MERGES 512  /* merges learnt from the corpus */
#define GPT_TOK_CHUNK 32    /* longest pre-token, bytes: bounds encoding cost */

typedef struct {
    int n_merges;
    int (*merge)[2];            /* token 256 + i = merge[i][0] . merge[i][1] */
    uint64_t *hkey;             /* pair -> rank, open addressing */
    int *hval;                  /* -1: empty slot */
    size_t hcap;
    char **special;             /* token 256 + n_merges + k */
    int n_special;
    int vocab;
} gpt_tok;

/* Learns up to n_merges merges from corpus; specials (copied) follow them.
 * 0 or -1 (out of memory). */
int gpt_tok_train(gpt_tok *t, const char *corpus, size_t len, int n_merges,
                  char *const *special, int n_special);
/* The corpus file and the union of the templates' special tokens. */
int gpt_tok_load(gpt_tok *t, const char *corpus_path, const gpt_templates *ts, char *err,
                 size_t errlen);
void gpt_tok_free(gpt_tok *t);
/* id of a special token, -1 if it is none */
int gpt_tok_special_id(const gpt_tok *t, const char *s);
/* Encodes text; the strings in active (a template's specials) become their
 * single tokens.  *ids malloc'd.  Returns the count, -1 out of memory. */
int gpt_tok_encode(const gpt_tok *t, const char *text, char *const *active, int n_active,
                   int **ids);
/* Text of the ids with special tokens skipped; invalid UTF-8 becomes U+FFFD.
 * malloc'd, NULL out of memory. */
char *gpt_tok_decode(const gpt_tok *t, const int *ids, int n);
/* Estimated prompt tokens of a real model of the template's family. */
int gpt_tok_estimate(const gpt_template *tp, const char *text);

#endif
