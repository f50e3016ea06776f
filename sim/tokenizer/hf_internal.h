/* hf_internal: the loaded tokenizer's layout, shared by the files of
 * sim/tokenizer/ (hf_load.c reads it, hf_text.c normalizes and
 * pre-tokenizes, hf_bpe.c runs the model).  Not for use outside. */
#ifndef AVRAMI_TOKENIZER_HF_INTERNAL_H
#define AVRAMI_TOKENIZER_HF_INTERNAL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "tokenizer/hf_tok.h"

/* byte strings -> ids, open addressing; keys are the tokens' own strings */
typedef struct {
    int *slot;      /* id, -1 empty */
    size_t cap, used;
} hf_map;

typedef struct {
    char *s;
    int len, id;
    int special, normalized, lstrip, rstrip;
} hf_added;

typedef enum { HF_NFC, HF_NFKC, HF_NFD, HF_NFKD, HF_PREPEND, HF_REPLACE } hf_norm_kind;

typedef struct {
    hf_norm_kind kind;
    char *a, *b;    /* Prepend: a; Replace: a -> b */
} hf_norm;

typedef enum { HF_SPLIT_ISOLATED, HF_SPLIT_REMOVED } hf_split_kind;

typedef struct {
    pcre2_code *re;     /* NULL: ByteLevel without its expression (bytes only) */
    hf_split_kind behavior;
    /* after ByteLevel: the library matches the expression on the text's
     * byte-level stand-ins (one character per byte), not on the text */
    int on_byte_level;
} hf_pre;

/* The Metaspace pre-tokenizer (tokenizers/src/pre_tokenizers/metaspace.rs):
 * spaces become rep, rep is put before a piece that does not start with it
 * (always, or only before the piece at the start of the text), and with split
 * the piece is cut before each rep. */
typedef enum { HF_META_NEVER, HF_META_ALWAYS, HF_META_FIRST } hf_meta_prepend;

typedef struct {
    char *rep;          /* NULL: no Metaspace */
    hf_meta_prepend prepend;
    int split;
} hf_meta;

struct hf_tok {
    int n;                  /* ids 0..n-1 */
    char **str;             /* per id: the token's string as matched (NULL unused) */
    int *len;
    char **dec;             /* per id: decoded bytes when they differ from str */
    int *dlen;
    hf_map vocab;
    /* merges: (left id, right id) -> rank and result */
    uint64_t *mkey;
    int *mrank, *mnew;
    size_t mcap;
    int byte_level, spm;
    int byte_fallback, fuse_unk, ignore_merges, unk;
    int byte_id[256];       /* byte-level: the byte's token; fallback: <0xXX>; -1 none */
    int byte_cp[256];       /* GPT-2's bytes_to_unicode: byte -> its stand-in code point */
    hf_added *added;
    int n_added;
    uint8_t *special;       /* per id */
    hf_norm *norm;
    int n_norm;
    hf_pre *pre;
    int n_pre;
    hf_meta meta;
};

uint64_t hf_hash(const char *s, size_t n);
/* id of the string, -1 if none */
int hf_map_get(const hf_tok *t, const hf_map *m, const char *s, size_t n);
/* the merge table: key of a pair of ids, its first slot */
uint64_t hf_pair_key(int a, int b);
size_t hf_pair_slot(uint64_t k, size_t cap);
/* 0, or -1 out of memory; the map grows as needed */
int hf_map_put(const hf_tok *t, hf_map *m, int id);

/* Normalized text (malloc'd, *outlen), NULL out of memory or bad UTF-8. */
char *hf_normalize(const hf_tok *t, const char *s, size_t n, size_t *outlen);

/* pre-token spans of a normalized text */
typedef struct {
    size_t *off, *len;
    size_t n, cap;
} hf_spans;

/* Appends the pre-tokens of s[0..n) to sp.  0, or -1 out of memory. */
int hf_pretokenize(const hf_tok *t, const char *s, size_t n, hf_spans *sp);

/* The Metaspace pre-tokenizer's rewriting of a piece of normalized text
 * (malloc'd, *outlen; NULL out of memory); first: the piece starts the text.
 * Its pre-tokens: hf_meta_spans. */
char *hf_meta_rewrite(const hf_tok *t, const char *s, size_t n, int first, size_t *outlen);
int hf_meta_spans(const hf_tok *t, const char *s, size_t n, hf_spans *sp);
void hf_spans_free(hf_spans *sp);

/* Appends the ids of one pre-token to out (room for n ids).  Count. */
int hf_bpe(const hf_tok *t, const char *s, size_t n, int *out);

#endif
