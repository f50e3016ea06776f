#!/usr/bin/env python3
"""Writes tokenizer.json for tiiuae/falcon-7b from the GGUF vocabulary file
that llama.cpp converted from the model's own tokenizer.json
(ggml-org/llama.cpp, models/ggml-vocab-falcon.gguf; see README.md here).

The GGUF holds the vocabulary (65,024 byte-level strings in id order, the
12 special tokens typed CONTROL) and the 64,784 merges in rank order; this
script puts them into the Hugging Face serialization with falcon-7b's
pre-tokenizer sequence (Punctuation, ByteLevel, Digits, Split on three
digits: the sequence llama.cpp's "falcon" pre-tokenizer reproduces in
src/llama-vocab.cpp).  That the result is falcon-7b's tokenizer is checked,
not assumed: check-falcon.js encodes llama.cpp's test strings with it and
compares with the ids the Hugging Face library gave for the real model.

    python3 from-gguf.py ggml-vocab-falcon.gguf > tokenizer.json
"""
import json
import struct
import sys

SCALAR = {0: 'B', 1: 'b', 2: 'H', 3: 'h', 4: 'I', 5: 'i', 6: 'f', 7: '?',
          10: 'Q', 11: 'q', 12: 'd'}
CONTROL = 3


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def scalar(self, fmt):
        v = struct.unpack_from('<' + fmt, self.data, self.pos)[0]
        self.pos += struct.calcsize('<' + fmt)
        return v

    def string(self):
        n = self.scalar('Q')
        s = self.data[self.pos:self.pos + n].decode('utf-8')
        self.pos += n
        return s

    def value(self, kind):
        if kind == 8:
            return self.string()
        if kind == 9:
            item, n = self.scalar('I'), self.scalar('Q')
            return [self.value(item) for _ in range(n)]
        return self.scalar(SCALAR[kind])


def read_gguf(path):
    with open(path, 'rb') as f:
        r = Reader(f.read())
    if r.data[:4] != b'GGUF':
        sys.exit(f'{path}: not a GGUF file')
    r.pos = 4
    version, _tensors, n_kv = r.scalar('I'), r.scalar('Q'), r.scalar('Q')
    if version not in (2, 3):
        sys.exit(f'{path}: GGUF version {version}, expected 2 or 3')
    kv = {}
    for _ in range(n_kv):
        key = r.string()
        kv[key] = r.value(r.scalar('I'))
    return kv


def main():
    if len(sys.argv) != 2:
        sys.exit('usage: from-gguf.py ggml-vocab-falcon.gguf > tokenizer.json')
    kv = read_gguf(sys.argv[1])
    if kv.get('tokenizer.ggml.model') != 'gpt2' or kv.get('tokenizer.ggml.pre') != 'falcon':
        sys.exit(f'{sys.argv[1]}: expected a byte-level BPE vocabulary with the falcon pre-tokenizer')
    tokens, types = kv['tokenizer.ggml.tokens'], kv['tokenizer.ggml.token_type']
    added = [{'id': i, 'content': t, 'single_word': False, 'lstrip': False,
              'rstrip': False, 'normalized': False, 'special': True}
             for i, (t, k) in enumerate(zip(tokens, types)) if k == CONTROL]
    doc = {
        'version': '1.0', 'truncation': None, 'padding': None,
        'added_tokens': added,
        'normalizer': None,
        'pre_tokenizer': {'type': 'Sequence', 'pretokenizers': [
            {'type': 'Punctuation', 'behavior': 'Contiguous'},
            {'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': True,
             'use_regex': True},
            {'type': 'Digits', 'individual_digits': False},
            {'type': 'Split', 'pattern': {'Regex': '[0-9][0-9][0-9]'},
             'behavior': 'Isolated', 'invert': False}]},
        'post_processor': None,
        'decoder': {'type': 'ByteLevel', 'add_prefix_space': True, 'trim_offsets': True,
                    'use_regex': True},
        'model': {'type': 'BPE', 'dropout': None, 'unk_token': None,
                  'continuing_subword_prefix': None, 'end_of_word_suffix': None,
                  'fuse_unk': False, 'byte_fallback': False,
                  'vocab': {t: i for i, t in enumerate(tokens)},
                  'merges': kv['tokenizer.ggml.merges']},
    }
    json.dump(doc, sys.stdout, ensure_ascii=False, separators=(',', ':'))


main()
