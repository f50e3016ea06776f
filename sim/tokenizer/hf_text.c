/* hf_text: normalizers and pre-tokenizers of a tokenizer.json.
 *
 * Unicode normalization is utf8proc's; the regular expressions (GPT-2's,
 * Qwen's, Llama-3's: letters \p{L}, numbers \p{N}, Unicode whitespace \s,
 * a negative lookahead, a case-insensitive group) run on PCRE2 in UTF mode
 * with Unicode properties (PCRE2_UTF | PCRE2_UCP), as the library runs them
 * on Oniguruma. */
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "tokenizer/hf_internal.h"

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

/* every occurrence of a replaced by b */
static char *replace_all(const char *s, size_t n, const char *a, const char *b, size_t *outlen)
{
    size_t la = strlen(a), lb = strlen(b), hits = 0;
    if (!la)
        return *outlen = n, dup_n(s, n);
    for (size_t i = 0; i + la <= n;)
        if (!memcmp(s + i, a, la)) {
            hits++;
            i += la;
        } else {
            i++;
        }
    char *d = malloc(n - hits * la + hits * lb + 1);
    if (!d)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n;)
        if (i + la <= n && !memcmp(s + i, a, la)) {
            memcpy(d + o, b, lb);
            o += lb;
            i += la;
        } else {
            d[o++] = s[i++];
        }
    d[o] = 0;
    *outlen = o;
    return d;
}

static char *unicode_form(const char *s, size_t n, hf_norm_kind k, size_t *outlen)
{
    int opt = UTF8PROC_STABLE | (k == HF_NFC || k == HF_NFKC ? UTF8PROC_COMPOSE : UTF8PROC_DECOMPOSE) |
              (k == HF_NFKC || k == HF_NFKD ? UTF8PROC_COMPAT : 0);
    utf8proc_uint8_t *d = NULL;
    utf8proc_ssize_t r = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &d,
                                      (utf8proc_option_t)opt);
    if (r < 0) {
        free(d);
        return NULL;
    }
    *outlen = (size_t)r;
    return (char *)d;
}

char *hf_normalize(const hf_tok *t, const char *s, size_t n, size_t *outlen)
{
    char *cur = dup_n(s, n);
    size_t len = n;
    for (int i = 0; cur && i < t->n_norm; i++) {
        const hf_norm *z = &t->norm[i];
        char *next;
        size_t nl = len;
        if (z->kind == HF_PREPEND) {
            if (!len)
                continue;
            size_t pl = strlen(z->a);
            if ((next = malloc(pl + len + 1))) {
                memcpy(next, z->a, pl);
                memcpy(next + pl, cur, len + 1);
                nl = pl + len;
            }
        } else if (z->kind == HF_REPLACE) {
            next = replace_all(cur, len, z->a, z->b, &nl);
        } else {
            next = unicode_form(cur, len, z->kind, &nl);
        }
        free(cur);
        cur = next;
        len = nl;
    }
    *outlen = len;
    return cur;
}

/* ---- pre-tokenizers */

static int span_add(hf_spans *sp, size_t off, size_t len)
{
    if (!len)
        return 0;
    if (sp->n == sp->cap) {
        size_t c = sp->cap ? 2 * sp->cap : 64;
        size_t *o = realloc(sp->off, c * sizeof *o);
        if (o)
            sp->off = o;
        size_t *l = o ? realloc(sp->len, c * sizeof *l) : NULL;
        if (!l)
            return -1;
        sp->len = l;
        sp->cap = c;
    }
    sp->off[sp->n] = off;
    sp->len[sp->n++] = len;
    return 0;
}

void hf_spans_free(hf_spans *sp)
{
    free(sp->off);
    free(sp->len);
    memset(sp, 0, sizeof *sp);
}

/* Splits s[off, off+n) by the expression: the text between matches, and
 * (Isolated) the matches themselves, each its own span; Removed drops the
 * matches. */
static int split_re(const hf_pre *p, const char *s, size_t off, size_t n, hf_spans *out,
                    pcre2_match_data *md)
{
    size_t at = off, end = off + n;
    while (at < end) {
        int rc = pcre2_match(p->re, (PCRE2_SPTR)s, end, at, PCRE2_NO_UTF_CHECK, md, NULL);
        if (rc == PCRE2_ERROR_NOMATCH)
            break;
        if (rc < 0)
            return -1;
        PCRE2_SIZE *v = pcre2_get_ovector_pointer(md);
        size_t ms = v[0], me = v[1];
        if (me == ms) { /* an empty match splits nothing: step one character on */
            size_t step = 1;
            while (ms + step < end && ((unsigned char)s[ms + step] & 0xc0) == 0x80)
                step++;
            if (span_add(out, at, ms + step - at))
                return -1;
            at = ms + step;
            continue;
        }
        if (span_add(out, at, ms - at))
            return -1;
        if (p->behavior == HF_SPLIT_ISOLATED && span_add(out, ms, me - ms))
            return -1;
        at = me;
    }
    return span_add(out, at, end - at);
}

/* split_re for an expression after ByteLevel: it matches on the span's
 * byte-level stand-ins (each byte one character of one or two bytes), and
 * the pieces map back to the bytes they stand for. */
static int split_mapped(const hf_tok *t, const hf_pre *p, const char *s, size_t off, size_t n,
                        hf_spans *out, pcre2_match_data *md)
{
    char *m = malloc(2 * n + 1);
    size_t *at = malloc((2 * n + 1) * sizeof *at);
    hf_spans pieces = {0};
    int rc = -1;
    if (!m || !at)
        goto done;
    size_t mn = 0;
    for (size_t i = 0; i < n; i++) {
        int cp = t->byte_cp[(unsigned char)s[off + i]];
        at[mn] = i;
        if (cp < 0x80) {
            m[mn++] = (char)cp;
        } else {
            at[mn + 1] = i;
            m[mn++] = (char)(0xc0 | (cp >> 6));
            m[mn++] = (char)(0x80 | (cp & 0x3f));
        }
    }
    at[mn] = n;
    m[mn] = 0;
    if (split_re(p, m, 0, mn, &pieces, md))
        goto done;
    rc = 0;
    for (size_t k = 0; !rc && k < pieces.n; k++) {
        size_t a = at[pieces.off[k]], b = at[pieces.off[k] + pieces.len[k]];
        rc = span_add(out, off + a, b - a);
    }
done:
    free(m);
    free(at);
    hf_spans_free(&pieces);
    return rc;
}

int hf_pretokenize(const hf_tok *t, const char *s, size_t n, hf_spans *sp)
{
    hf_spans a = {0}, b = {0};
    int rc = span_add(&a, 0, n);
    pcre2_match_data *md = NULL;
    for (int i = 0; !rc && i < t->n_pre; i++) {
        const hf_pre *p = &t->pre[i];
        if (!p->re)
            continue;
        if (!md && !(md = pcre2_match_data_create(4, NULL))) {
            rc = -1;
            break;
        }
        b.n = 0;
        for (size_t k = 0; !rc && k < a.n; k++)
            rc = p->on_byte_level ? split_mapped(t, p, s, a.off[k], a.len[k], &b, md)
                                  : split_re(p, s, a.off[k], a.len[k], &b, md);
        hf_spans tmp = a;
        a = b;
        b = tmp;
    }
    for (size_t k = 0; !rc && k < a.n; k++)
        rc = span_add(sp, a.off[k], a.len[k]);
    pcre2_match_data_free(md);
    hf_spans_free(&a);
    hf_spans_free(&b);
    return rc;
}

/* ---- Metaspace */

char *hf_meta_rewrite(const hf_tok *t, const char *s, size_t n, int first, size_t *outlen)
{
    const hf_meta *m = &t->meta;
    size_t len, rl = strlen(m->rep);
    char *r = replace_all(s, n, " ", m->rep, &len);
    int pre = m->prepend == HF_META_ALWAYS || (m->prepend == HF_META_FIRST && first);
    if (!r || !pre || (len >= rl && !memcmp(r, m->rep, rl))) {
        *outlen = len;
        return r;
    }
    char *p = malloc(rl + len + 1);
    if (p) {
        memcpy(p, m->rep, rl);
        memcpy(p + rl, r, len + 1);
    }
    free(r);
    *outlen = rl + len;
    return p;
}

/* split: each piece ends before the next rep (MergedWithNext) */
int hf_meta_spans(const hf_tok *t, const char *s, size_t n, hf_spans *sp)
{
    size_t rl = strlen(t->meta.rep), at = 0;
    if (!t->meta.split)
        return span_add(sp, 0, n);
    for (size_t i = 1; i + rl <= n; i++)
        if (!memcmp(s + i, t->meta.rep, rl)) {
            if (span_add(sp, at, i - at))
                return -1;
            at = i;
        }
    return span_add(sp, at, n - at);
}
