/* hf_bpe: the vocabulary table and the BPE model of a tokenizer.json.
 *
 * Merging follows the Hugging Face library (tokenizers/src/models/bpe/word.rs,
 * merge_all): a priority queue of candidate pairs ordered by merge rank, then
 * by position; a popped candidate is dropped when either side has changed
 * since it was queued.  So the lowest-ranked pair merges first and, among
 * equal pairs, the leftmost, in O(n log n) for an n-symbol pre-token
 * (SentencePiece-style tokenizers have no pre-tokenizer: a whole message is
 * one word). */
#include <stdlib.h>
#include <string.h>

#include "tokenizer/hf_internal.h"

uint64_t hf_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h ^ (h >> 29);
}

int hf_map_get(const hf_tok *t, const hf_map *m, const char *s, size_t n)
{
    if (!m->cap)
        return -1;
    for (size_t i = hf_hash(s, n) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        int id = m->slot[i];
        if (id < 0)
            return -1;
        if ((size_t)t->len[id] == n && !memcmp(t->str[id], s, n))
            return id;
    }
}

static void map_insert(const hf_tok *t, int *slot, size_t cap, int id)
{
    size_t i = hf_hash(t->str[id], (size_t)t->len[id]) & (cap - 1);
    while (slot[i] >= 0)
        i = (i + 1) & (cap - 1);
    slot[i] = id;
}

int hf_map_put(const hf_tok *t, hf_map *m, int id)
{
    if (2 * (m->used + 1) > m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 1024;
        int *s = malloc(cap * sizeof *s);
        if (!s)
            return -1;
        for (size_t i = 0; i < cap; i++)
            s[i] = -1;
        for (size_t i = 0; i < m->cap; i++)
            if (m->slot[i] >= 0)
                map_insert(t, s, cap, m->slot[i]);
        free(m->slot);
        m->slot = s;
        m->cap = cap;
    }
    map_insert(t, m->slot, m->cap, id);
    m->used++;
    return 0;
}

/* ---- merges */

uint64_t hf_pair_key(int a, int b)
{
    return (uint64_t)(uint32_t)a << 32 | (uint32_t)b;
}

size_t hf_pair_slot(uint64_t k, size_t cap)
{
    k ^= k >> 31;
    k *= 0xbf58476d1ce4e5b9ull;
    k ^= k >> 29;
    return (size_t)k & (cap - 1);
}

/* rank of the pair, -1 if it is no merge; *out its result */
static int merge_of(const hf_tok *t, int a, int b, int *out)
{
    uint64_t k = hf_pair_key(a, b);
    for (size_t i = hf_pair_slot(k, t->mcap);; i = (i + 1) & (t->mcap - 1)) {
        if (t->mrank[i] < 0)
            return -1;
        if (t->mkey[i] == k) {
            *out = t->mnew[i];
            return t->mrank[i];
        }
    }
}

/* ---- one word */

typedef struct {
    int id, prev, next, len;
} sym;

typedef struct {
    int rank, pos, id;
} cand;

static int cand_less(const cand *x, const cand *y)
{
    return x->rank != y->rank ? x->rank < y->rank : x->pos < y->pos;
}

static void heap_push(cand *h, int *n, cand c)
{
    int i = (*n)++;
    while (i > 0 && cand_less(&c, &h[(i - 1) / 2])) {
        h[i] = h[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h[i] = c;
}

static cand heap_pop(cand *h, int *n)
{
    cand top = h[0], last = h[--*n];
    int i = 0;
    for (;;) {
        int c = 2 * i + 1;
        if (c >= *n)
            break;
        if (c + 1 < *n && cand_less(&h[c + 1], &h[c]))
            c++;
        if (!cand_less(&h[c], &last))
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = last;
    return top;
}

static void queue_pair(const hf_tok *t, const sym *w, int pos, cand *h, int *nh)
{
    int id;
    if (pos < 0 || w[pos].next < 0)
        return;
    int r = merge_of(t, w[pos].id, w[w[pos].next].id, &id);
    if (r >= 0)
        heap_push(h, nh, (cand){r, pos, id});
}

static int utf8_unit(const hf_tok *t, const unsigned char *s, size_t n)
{
    if (t->byte_level)
        return 1;
    int l = s[0] < 0x80 ? 1 : s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 1;
    return (size_t)l <= n ? l : (int)n;
}

/* Initial symbols: characters (bytes for byte-level vocabularies), else
 * their <0xXX> bytes, else the unknown token (consecutive ones fused). */
static int initial(const hf_tok *t, const char *s, size_t n, sym *w)
{
    int m = 0, unk_len = 0;
    for (size_t i = 0; i < n;) {
        int l = utf8_unit(t, (const unsigned char *)s + i, n - i);
        int id = hf_map_get(t, &t->vocab, s + i, (size_t)l);
        int fb = id < 0 && t->byte_fallback;
        for (int k = 0; fb && k < l; k++)
            fb = t->byte_id[(unsigned char)s[i + k]] >= 0;
        if (id >= 0 || fb) {
            if (id >= 0 && unk_len) {
                w[m++] = (sym){t->unk, 0, 0, unk_len};
                unk_len = 0;
            }
            if (id >= 0)
                w[m++] = (sym){id, 0, 0, l};
            for (int k = 0; id < 0 && k < l; k++)
                w[m++] = (sym){t->byte_id[(unsigned char)s[i + k]], 0, 0, 1};
        } else if (t->unk >= 0) {
            if (unk_len && !t->fuse_unk) {
                w[m++] = (sym){t->unk, 0, 0, unk_len};
                unk_len = 0;
            }
            unk_len += l;
        }
        i += (size_t)l;
    }
    if (unk_len)
        w[m++] = (sym){t->unk, 0, 0, unk_len};
    for (int i = 0; i < m; i++) {
        w[i].prev = i - 1;
        w[i].next = i + 1 < m ? i + 1 : -1;
    }
    return m;
}

int hf_bpe(const hf_tok *t, const char *s, size_t n, int *out)
{
    if (t->ignore_merges) {
        int id = hf_map_get(t, &t->vocab, s, n);
        if (id >= 0) {
            out[0] = id;
            return 1;
        }
    }
    sym *w = malloc((n + 1) * sizeof *w);
    cand *h = malloc((3 * n + 3) * sizeof *h); /* m - 1 pairs, then two per merge */
    if (!w || !h) {
        free(w);
        free(h);
        return -1;
    }
    int m = initial(t, s, n, w), nh = 0;
    for (int i = 0; i + 1 < m; i++)
        queue_pair(t, w, i, h, &nh);
    while (nh) {
        cand c = heap_pop(h, &nh);
        int nx = w[c.pos].next, id;
        if (!w[c.pos].len || nx < 0 || merge_of(t, w[c.pos].id, w[nx].id, &id) < 0 || id != c.id)
            continue;
        w[c.pos].id = c.id;
        w[c.pos].len += w[nx].len;
        w[nx].len = 0;
        w[c.pos].next = w[nx].next;
        if (w[nx].next >= 0)
            w[w[nx].next].prev = c.pos;
        queue_pair(t, w, w[c.pos].prev, h, &nh);
        queue_pair(t, w, c.pos, h, &nh);
    }
    int k = 0;
    for (int i = m ? 0 : -1; i >= 0; i = w[i].next)
        out[k++] = w[i].id;
    free(w);
    free(h);
    return k;
}
