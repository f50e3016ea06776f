#!/usr/bin/env python3
"""Writes tests/tokenizers/spm-test.json: a small SentencePiece-style BPE
tokenizer in the Hugging Face tokenizer.json format, laid out as Llama-2's
and Mistral's are (normalizer: prepend U+2581, spaces to U+2581; no
pre-tokenizer; byte fallback <0x00>..<0xFF>; <unk> fused), with merges
learnt here from models/tokenizer-corpus.txt.  avrami ships no SentencePiece
tokenizer of a real model, so this file lets the tests check that path of
the C tokenizer against the Hugging Face library (make-vectors.js).

    python3 tests/tokenizers/make-spm-test.py
"""
import collections
import json
import os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
SP = "\u2581"
N_MERGES = 300

text = open(os.path.join(ROOT, "models", "tokenizer-corpus.txt"), encoding="utf-8").read()
words = collections.Counter(SP + w for w in text.replace("\n", " ").split(" ") if w)
seqs = {w: list(w) for w in words}
vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
for b in range(256):
    vocab["<0x%02X>" % b] = len(vocab)
for ch in sorted({c for w in words for c in w}):
    vocab.setdefault(ch, len(vocab))
merges = []
for _ in range(N_MERGES):
    pairs = collections.Counter()
    for w, n in words.items():
        s = seqs[w]
        for a, b in zip(s, s[1:]):
            pairs[(a, b)] += n
    if not pairs:
        break
    (a, b), n = min(pairs.items(), key=lambda kv: (-kv[1], kv[0]))
    if n < 2:
        break
    merges.append(a + " " + b)
    vocab.setdefault(a + b, len(vocab))
    for w in seqs:
        s, out, i = seqs[w], [], 0
        while i < len(s):
            if i + 1 < len(s) and s[i] == a and s[i + 1] == b:
                out.append(a + b)
                i += 2
            else:
                out.append(s[i])
                i += 1
        seqs[w] = out

special = lambda i, c: {"id": i, "content": c, "single_word": False, "lstrip": False,
                        "rstrip": False, "normalized": False, "special": True}
tok = {
    "version": "1.0", "truncation": None, "padding": None,
    "added_tokens": [special(0, "<unk>"), special(1, "<s>"), special(2, "</s>")],
    "normalizer": {"type": "Sequence", "normalizers": [
        {"type": "Prepend", "prepend": SP},
        {"type": "Replace", "pattern": {"String": " "}, "content": SP}]},
    "pre_tokenizer": None, "post_processor": None,
    "decoder": {"type": "Sequence", "decoders": [
        {"type": "Replace", "pattern": {"String": SP}, "content": " "},
        {"type": "ByteFallback"}, {"type": "Fuse"},
        {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
    "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>",
              "continuing_subword_prefix": None, "end_of_word_suffix": None,
              "fuse_unk": True, "byte_fallback": True, "vocab": vocab, "merges": merges},
}
with open(os.path.join(ROOT, "tests", "tokenizers", "spm-test.json"), "w", encoding="utf-8") as f:
    json.dump(tok, f, ensure_ascii=False, separators=(",", ":"))
print(len(vocab), "tokens,", len(merges), "merges")
