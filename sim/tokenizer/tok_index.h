/* tok_index: which tokenizer a model uses (models/tokenizers/index.json).
 *
 * "tokenizers" lists the shipped tokenizer.json files and the model ids
 * (globs, case-insensitive) that use them; "estimates" lists the families
 * priced by the character-class estimate, with their fitted coefficients and
 * special tokens: "special", those of the reference tokenizers the estimate
 * is fitted to and checked against, and "extra_special", tokens the
 * family's own tokenizer adds (chat markers) that the references read as
 * text.  The first entry that matches wins, tokenizers before
 * estimates; an id that matches nothing is an error naming the file. */
#ifndef AVRAMI_TOKENIZER_TOK_INDEX_H
#define AVRAMI_TOKENIZER_TOK_INDEX_H

#include <stddef.h>

#include "tokenizer/hf_tok.h"
#include "tokenizer/tok_estimate.h"

#define TOK_MAX_SPECIAL 32

typedef struct {
    char name[64];
    char file[1024];                /* tokenizer.json path; "" for an estimate */
    double coef[TOK_NFEAT];         /* estimate */
    char special[TOK_MAX_SPECIAL][48];
    char *sp[TOK_MAX_SPECIAL];      /* pointers into special, for the C APIs */
    int n_special;                  /* "special" then "extra_special": counting a model's text */
    int n_special_ref;              /* "special" only: the reference tokenizers' (fit, check) */
    char fit[8][32];                /* estimate: the real tokenizers it is fitted to */
    int n_fit;
    char unseen[8][32];             /* estimate: real tokenizers it is only checked against */
    int n_unseen;
    int bounded;                    /* 0: "bounded": false, its error is only reported */
} tok_entry;

/* The entry of a model id (by_name: of a family name instead).  0; 1 no
 * entry matches; 2 a malformed index.  err names the file and JSON path. */
int tok_index_find(const char *index_path, const char *model_id, int by_name, tok_entry *e,
                   char *err, size_t errlen);
/* All estimate entries of the index (at most max).  Count, or -1 with err. */
int tok_index_estimates(const char *index_path, tok_entry *e, int max, char *err, size_t errlen);

/* A tokenizer.json loaded once per process and kept (thread-safe); NULL with
 * err. */
const hf_tok *tok_cache_get(const char *path, char *err, size_t errlen);

#endif
