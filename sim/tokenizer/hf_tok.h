/* hf_tok: a Hugging Face tokenizer.json file, loaded and run in C.
 *
 * What a prompt's count needs, as the Hugging Face tokenizers library does
 * it (huggingface/tokenizers, tokenizers/src/tokenizer/added_vocabulary.rs,
 * normalizers/, pre_tokenizers/, models/bpe/word.rs):
 *   1. added tokens (special or not) are cut out of the raw text first,
 *      leftmost-longest, each one id;
 *   2. each piece between them is normalized (NFC/NFKC/NFD/NFKD, Prepend,
 *      Replace with a string pattern, Sequence);
 *   3. pre-tokenized (Split by a regular expression with Unicode properties,
 *      through PCRE2; ByteLevel with or without GPT-2's expression;
 *      Sequence);
 *   4. each pre-token goes through BPE: the lowest-ranked merge first,
 *      leftmost among equals, with byte fallback (<0xXX> tokens), unknown-
 *      token fusion, and ignore_merges (a pre-token that is a whole vocabulary
 *      entry is one token).
 * No post-processor runs: Crynux's gpt-task counts
 * tokenizer.encode(prompt, add_special_tokens=False) (crynux-ai/gpt-task,
 * src/gpt_task/inference/inference.py at 4db29c8), and the chat template
 * already writes BOS where the model wants it.
 *
 * Byte-level vocabularies (GPT-2, Qwen, Llama-3) are stored as the bytes they
 * stand for, so BPE works on bytes and decoding is a concatenation.
 * SentencePiece-style vocabularies (Llama-2, Mistral) stay UTF-8 with U+2581
 * for a space.  A configuration this file does not implement is refused at
 * load time with its JSON path, never approximated. */
#ifndef AVRAMI_TOKENIZER_HF_TOK_H
#define AVRAMI_TOKENIZER_HF_TOK_H

#include <stddef.h>
#include <stdint.h>

typedef struct hf_tok hf_tok;

/* NULL with err "PATH: $.json.path: what is wrong" (or out of memory). */
hf_tok *hf_tok_load(const char *path, char *err, size_t errlen);
void hf_tok_free(hf_tok *t);

/* Ids of text (len bytes, valid UTF-8), no special tokens added around it.
 * *ids malloc'd.  Count, or -1 with err (invalid UTF-8, out of memory). */
int hf_tok_encode(const hf_tok *t, const char *text, size_t len, int **ids, char *err,
                  size_t errlen);

/* One more than the largest id. */
int hf_tok_vocab(const hf_tok *t);
/* id of a vocabulary entry or added token given as text; -1 if none */
int hf_tok_id(const hf_tok *t, const char *s);
/* 1 for an added token marked special */
int hf_tok_is_special(const hf_tok *t, int id);
/* The bytes a token stands for when decoded (U+2581 as a space, <0xXX> as
 * its byte); NULL and 0 for an unused id. */
const char *hf_tok_bytes(const hf_tok *t, int id, size_t *len);
/* 1 if the tokenizer is SentencePiece-style (its decoder strips the space
 * that the normalizer put before the text). */
int hf_tok_spm(const hf_tok *t);

#endif
