/* gpt_tok: a prompt's token count for a real model (gpt_tok_count: the one
 * count that `gpt run`, `gpt estimate`, `gpt prompt` and the simulator's
 * task-file workloads use), the model's real tokenizer when avrami ships it
 * (gpt_tok_real, sim/tokenizer/), and the corpus-trained tokenizer of
 * synthetic-weight runs of models without one.
 *
 * gpt_tok_count: models/tokenizers/index.json maps the model id to a shipped
 * tokenizer.json (exact: the ids of Hugging Face's library) or to a family's
 * calibrated character-class estimate (sim/tokenizer/tok_estimate.h).
 *
 * The corpus-trained tokenizer: byte-level BPE, ids 0..255 the bytes, 256..
 * the merges learnt from models/tokenizer-corpus.txt, then the special tokens
 * of every chat template.  Training is deterministic (the most frequent pair
 * wins, ties to the smaller pair) and takes milliseconds, so it runs at load
 * time and the merges are never stale. */
#ifndef AVRAMI_GPT_GPT_TOK_H
#define AVRAMI_GPT_GPT_TOK_H

#include <stddef.h>
#include <stdint.h>

#include "gpt/gpt_template.h"
#include "tokenizer/hf_tok.h"

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

typedef struct {
    int exact;          /* 1: the model's own tokenizer; 0: the family's estimate */
    char name[64];      /* the tokenizer or estimate family in the index */
} gpt_tok_source;

/* Prompt tokens of a rendered prompt for a model, as Crynux's gpt-task
 * counts them (encode without added special tokens): exact with the model's
 * tokenizer.json when models_dir/tokenizers/index.json names one, else the
 * family's estimate (its special tokens, or the template tp's when the
 * family lists none, one token each).  src may be NULL.  -1 with err naming
 * the index or tokenizer file. */
int gpt_tok_count(const char *models_dir, const char *model_id, const gpt_template *tp,
                  const char *prompt, gpt_tok_source *src, char *err, size_t errlen);
/* The model's own tokenizer, loaded once per process and shared; NULL with
 * err "" when the model has only an estimate, NULL with err set on error. */
const hf_tok *gpt_tok_real(const char *models_dir, const char *model_id, char *err,
                           size_t errlen);
/* Text of ids under a real tokenizer, special tokens skipped, invalid UTF-8
 * as U+FFFD.  malloc'd, NULL out of memory. */
char *gpt_tok_decode_real(const hf_tok *t, const int *ids, int n);
/* The context rule wherever a task is priced or run: prompt plus new tokens
 * within the model's positions.  0, or 2 with err naming the JSON path. */
int gpt_tok_check_context(int prompt_tokens, int max_new_tokens, const char *model_name,
                          int context, char *err, size_t errlen);

#endif
