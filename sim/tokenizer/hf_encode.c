/* hf_encode: text to ids, as the Hugging Face library's encode without added
 * special tokens: added tokens cut out (tokenizers/src/tokenizer/
 * added_vocabulary.rs: leftmost-longest over all added tokens, those with
 * "normalized": false on the raw text, the others on the normalized text),
 * then normalizer, pre-tokenizer and BPE on each piece between them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer/hf_internal.h"

typedef struct {
    int *ids;
    size_t n, cap;
} idbuf;

static int reserve(idbuf *b, size_t more)
{
    if (b->n + more <= b->cap)
        return 0;
    size_t c = b->cap ? b->cap : 256;
    while (c < b->n + more)
        c *= 2;
    int *p = realloc(b->ids, c * sizeof *p);
    if (!p)
        return -1;
    b->ids = p;
    b->cap = c;
    return 0;
}

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* The added token (of the given kind) that starts leftmost in s[from, n),
 * longest there; its index, or -1.  *at its start. */
static int next_added(const hf_tok *t, const char *s, size_t from, size_t n, int normalized,
                      size_t *at)
{
    for (size_t p = from; p < n; p++) {
        int best = -1;
        for (int k = 0; k < t->n_added; k++) {
            const hf_added *a = &t->added[k];
            if (a->normalized == normalized && a->s[0] == s[p] && (size_t)a->len <= n - p &&
                (best < 0 || a->len > t->added[best].len) && !memcmp(s + p, a->s, (size_t)a->len))
                best = k;
        }
        if (best >= 0) {
            *at = p;
            return best;
        }
    }
    return -1;
}

/* BPE over the pre-tokens of normalized text; first: it starts the text */
static int model_ids(const hf_tok *t, const char *s, size_t n, int first, idbuf *out)
{
    hf_spans sp = {0};
    char *m = NULL;
    int rc;
    if (t->meta.rep) {
        if (!(m = hf_meta_rewrite(t, s, n, first, &n)))
            return -1;
        s = m;
        rc = hf_meta_spans(t, s, n, &sp);
    } else {
        rc = hf_pretokenize(t, s, n, &sp);
    }
    for (size_t k = 0; !rc && k < sp.n; k++) {
        if (reserve(out, sp.len[k] + 1)) {
            rc = -1;
            break;
        }
        int m = hf_bpe(t, s + sp.off[k], sp.len[k], out->ids + out->n);
        if (m < 0)
            rc = -1;
        else
            out->n += (size_t)m;
    }
    hf_spans_free(&sp);
    free(m);
    return rc;
}

/* Splits s[0, n) at added tokens of one kind; the pieces between go to the
 * next stage: normalization (raw text) or the model (normalized text).
 * first: s starts the text. */
static int split_added(const hf_tok *t, const char *s, size_t n, int normalized, int first,
                       idbuf *out)
{
    size_t i = 0;
    while (i < n) {
        size_t at = n, end;
        int k = next_added(t, s, i, n, normalized, &at);
        end = at;
        if (k >= 0 && t->added[k].lstrip)
            while (end > i && is_ws(s[end - 1]))
                end--;
        if (end > i) {
            int rc;
            if (normalized) {
                rc = model_ids(t, s + i, end - i, first && !i, out);
            } else {
                size_t nl;
                char *z = hf_normalize(t, s + i, end - i, &nl);
                rc = z ? split_added(t, z, nl, 1, first && !i, out) : -1;
                free(z);
            }
            if (rc)
                return -1;
        }
        if (k < 0)
            break;
        if (reserve(out, 1))
            return -1;
        out->ids[out->n++] = t->added[k].id;
        i = at + (size_t)t->added[k].len;
        if (t->added[k].rstrip)
            while (i < n && is_ws(s[i]))
                i++;
    }
    return 0;
}

static int valid_utf8(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t l = s[0 + i] < 0x80 ? 1 : s[i] >= 0xc2 && s[i] < 0xe0 ? 2
                 : (s[i] & 0xf0) == 0xe0 ? 3 : s[i] >= 0xf0 && s[i] < 0xf5 ? 4 : 0;
        if (!l || l > n - i)
            return 0;
        for (size_t k = 1; k < l; k++)
            if ((s[i + k] & 0xc0) != 0x80)
                return 0;
        if ((l == 3 && ((s[i] == 0xe0 && s[i + 1] < 0xa0) || (s[i] == 0xed && s[i + 1] >= 0xa0))) ||
            (l == 4 && ((s[i] == 0xf0 && s[i + 1] < 0x90) || (s[i] == 0xf4 && s[i + 1] >= 0x90))))
            return 0;
        i += l;
    }
    return 1;
}

int hf_tok_encode(const hf_tok *t, const char *text, size_t len, int **ids, char *err,
                  size_t errlen)
{
    idbuf b = {0};
    *ids = NULL;
    if (!valid_utf8((const unsigned char *)text, len)) {
        snprintf(err, errlen, "the text is not valid UTF-8");
        return -1;
    }
    if (split_added(t, text, len, 0, 1, &b) || reserve(&b, 1)) {
        free(b.ids);
        snprintf(err, errlen, "out of memory tokenizing %zu bytes", len);
        return -1;
    }
    *ids = b.ids;
    return (int)b.n;
}

int hf_tok_vocab(const hf_tok *t)
{
    return t->n;
}

int hf_tok_id(const hf_tok *t, const char *s)
{
    for (int k = 0; k < t->n_added; k++)
        if (!strcmp(t->added[k].s, s))
            return t->added[k].id;
    return hf_map_get(t, &t->vocab, s, strlen(s));
}

int hf_tok_is_special(const hf_tok *t, int id)
{
    return id >= 0 && id < t->n && t->special[id];
}

const char *hf_tok_bytes(const hf_tok *t, int id, size_t *len)
{
    *len = 0;
    if (id < 0 || id >= t->n || !t->str[id])
        return NULL;
    if (t->dec && t->dec[id]) {
        *len = (size_t)t->dlen[id];
        return t->dec[id];
    }
    *len = (size_t)t->len[id];
    return t->str[id];
}

int hf_tok_spm(const hf_tok *t)
{
    return t->spm;
}
