/* gpt_tok: byte-level BPE, trained at load time on the shipped corpus.
 *
 * Pre-tokens: an optional single space followed by a run of one class
 * (letters and non-ASCII bytes, digits, other visible bytes), or a run of
 * whitespace; at most GPT_TOK_CHUNK bytes each.  Merges never cross
 * pre-tokens, so encoding is O(chunk^2) per chunk and linear in the text. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpt/gpt_tok.h"
#include "gpt/gpt_util.h"
#include "util/rfile.h"
#include "tokenizer/tok_estimate.h"
#include "tokenizer/tok_index.h"

static int cls(unsigned char c)
{
    if (isspace(c))
        return 0;
    if (isalpha(c) || c >= 0x80)
        return 1;
    return isdigit(c) ? 2 : 3;
}

/* Length of the pre-token starting at s (n bytes left, n > 0). */
static size_t chunk_len(const unsigned char *s, size_t n)
{
    size_t i = s[0] == ' ' && n > 1 && cls(s[1]) ? 1 : 0;
    int c = cls(s[i]);
    size_t j = i + 1;
    while (j < n && j < GPT_TOK_CHUNK && cls(s[j]) == c) {
        if (c == 0 && s[j] == ' ' && j + 1 < n && cls(s[j + 1]))
            break; /* the last space goes with the word after it */
        j++;
    }
    return j;
}

/* ---- pair -> rank table */

static uint64_t key(int a, int b)
{
    return (uint64_t)(uint32_t)a << 32 | (uint32_t)b;
}

static size_t slot(uint64_t k, size_t cap)
{
    k ^= k >> 29;
    k *= 0xbf58476d1ce4e5b9ull;
    k ^= k >> 32;
    return (size_t)k & (cap - 1);
}

static int rank_of(const gpt_tok *t, int a, int b)
{
    uint64_t k = key(a, b);
    for (size_t s = slot(k, t->hcap);; s = (s + 1) & (t->hcap - 1)) {
        if (t->hval[s] < 0)
            return -1;
        if (t->hkey[s] == k)
            return t->hval[s];
    }
}

/* ---- training */

typedef struct {
    int *sym;
    int n;
    long count;
} word;

typedef struct {
    const unsigned char *p;
    size_t l;
} chunk;

static int cmp_chunk(const void *a, const void *b)
{
    const chunk *x = a, *y = b;
    int c = memcmp(x->p, y->p, x->l < y->l ? x->l : y->l);
    return c ? c : (x->l > y->l) - (x->l < y->l);
}

/* Unique pre-tokens of the corpus with their counts (sorted: deterministic). */
static word *collect(const char *corpus, size_t len, int *nw)
{
    size_t n = 0;
    chunk *ch = malloc((len + 1) * sizeof *ch);
    const unsigned char *s = (const unsigned char *)corpus;
    for (size_t i = 0; ch && i < len; n++) {
        ch[n].p = s + i;
        i += ch[n].l = chunk_len(s + i, len - i);
    }
    word *w = ch ? calloc(n + 1, sizeof *w) : NULL;
    if (!w) {
        free(ch);
        return NULL;
    }
    qsort(ch, n, sizeof *ch, cmp_chunk);
    int k = 0;
    for (size_t i = 0; i < n; i++) {
        if (i && !cmp_chunk(&ch[i], &ch[i - 1])) {
            w[k - 1].count++;
            continue;
        }
        w[k].sym = malloc(ch[i].l * sizeof(int));
        if (!w[k].sym)
            break;
        for (size_t j = 0; j < ch[i].l; j++)
            w[k].sym[j] = ch[i].p[j];
        w[k].n = (int)ch[i].l;
        w[k++].count = 1;
    }
    free(ch);
    *nw = k;
    return w;
}

/* The most frequent adjacent pair over all words (ties: smallest pair).
 * O(total symbols) with a scratch table of pair counts. */
static int best_pair(word *w, int nw, uint64_t *ck, long *cv, size_t cap, int *a, int *b)
{
    memset(cv, 0, cap * sizeof *cv);
    long best = 1;
    uint64_t bk = 0;
    for (int i = 0; i < nw; i++)
        for (int j = 0; j + 1 < w[i].n; j++) {
            uint64_t k = key(w[i].sym[j], w[i].sym[j + 1]);
            size_t s = slot(k, cap);
            while (cv[s] && ck[s] != k)
                s = (s + 1) & (cap - 1);
            ck[s] = k;
            cv[s] += w[i].count;
            if (cv[s] > best || (cv[s] == best && best > 1 && k < bk)) {
                best = cv[s];
                bk = k;
            }
        }
    if (best < 2)
        return 0;
    *a = (int)(bk >> 32);
    *b = (int)(uint32_t)bk;
    return 1;
}

static void apply_merge(int *sym, int *n, int a, int b, int id)
{
    int o = 0;
    for (int j = 0; j < *n; j++) {
        if (j + 1 < *n && sym[j] == a && sym[j + 1] == b) {
            sym[o++] = id;
            j++;
        } else {
            sym[o++] = sym[j];
        }
    }
    *n = o;
}

int gpt_tok_train(gpt_tok *t, const char *corpus, size_t len, int n_merges,
                  char *const *special, int n_special)
{
    memset(t, 0, sizeof *t);
    int nw = 0, rc = -1;
    word *w = collect(corpus, len, &nw);
    size_t cap = 1;
    while (cap < 2 * len + 16)
        cap *= 2;
    uint64_t *ck = malloc(cap * sizeof *ck);
    long *cv = malloc(cap * sizeof *cv);
    t->hcap = 16;
    while (t->hcap < 2 * (size_t)n_merges + 16)
        t->hcap *= 2;
    t->merge = malloc(((size_t)n_merges + 1) * sizeof *t->merge);
    t->hkey = malloc(t->hcap * sizeof *t->hkey);
    t->hval = malloc(t->hcap * sizeof *t->hval);
    t->special = calloc((size_t)n_special + 1, sizeof *t->special);
    if (!w || !ck || !cv || !t->merge || !t->hkey || !t->hval || !t->special)
        goto out;
    for (size_t i = 0; i < t->hcap; i++)
        t->hval[i] = -1;
    int a, b;
    while (t->n_merges < n_merges && best_pair(w, nw, ck, cv, cap, &a, &b)) {
        int id = 256 + t->n_merges;
        t->merge[t->n_merges][0] = a;
        t->merge[t->n_merges][1] = b;
        size_t s = slot(key(a, b), t->hcap);
        while (t->hval[s] >= 0)
            s = (s + 1) & (t->hcap - 1);
        t->hkey[s] = key(a, b);
        t->hval[s] = t->n_merges++;
        for (int i = 0; i < nw; i++)
            apply_merge(w[i].sym, &w[i].n, a, b, id);
    }
    for (int k = 0; k < n_special; k++) {
        if (!(t->special[k] = strdup(special[k])))
            goto out;
        t->n_special++;
    }
    t->vocab = 256 + t->n_merges + t->n_special;
    rc = 0;
out:
    for (int i = 0; w && i < nw; i++)
        free(w[i].sym);
    free(w);
    free(ck);
    free(cv);
    if (rc)
        gpt_tok_free(t);
    return rc;
}

int gpt_tok_load(gpt_tok *t, const char *corpus_path, const gpt_templates *ts, char *err,
                 size_t errlen)
{
    size_t len;
    char why[128];
    char *corpus = rfile_read(corpus_path, RFILE_MAX, &len, why, sizeof why);
    int n = 0, rc = -1;
    for (int i = 0; i < ts->n; i++)
        n += ts->t[i].n_special;
    char **sp = calloc((size_t)n + 1, sizeof *sp);
    if (corpus && sp) {
        n = 0; /* union, in file order */
        for (int i = 0; i < ts->n; i++)
            for (int k = 0; k < ts->t[i].n_special; k++) {
                int dup = 0;
                for (int j = 0; j < n && !dup; j++)
                    dup = !strcmp(sp[j], ts->t[i].special[k]);
                if (!dup)
                    sp[n++] = ts->t[i].special[k];
            }
        rc = gpt_tok_train(t, corpus, len, GPT_TOK_MERGES, sp, n);
    }
    if (rc)
        snprintf(err, errlen, "%s: %s", corpus_path,
                 corpus ? "out of memory training the tokenizer" : why);
    free(sp);
    free(corpus);
    return rc ? 2 : 0;
}

void gpt_tok_free(gpt_tok *t)
{
    for (int k = 0; k < t->n_special; k++)
        free(t->special[k]);
    free(t->special);
    free(t->merge);
    free(t->hkey);
    free(t->hval);
    memset(t, 0, sizeof *t);
}

int gpt_tok_special_id(const gpt_tok *t, const char *s)
{
    for (int k = 0; k < t->n_special; k++)
        if (!strcmp(t->special[k], s))
            return 256 + t->n_merges + k;
    return -1;
}

/* ---- encoding and decoding */

static int encode_chunk(const gpt_tok *t, const unsigned char *s, size_t n, int *out)
{
    int sym[GPT_TOK_CHUNK], m = (int)n;
    for (int j = 0; j < m; j++)
        sym[j] = s[j];
    for (;;) {
        int best = -1, at = -1;
        for (int j = 0; j + 1 < m; j++) {
            int r = rank_of(t, sym[j], sym[j + 1]);
            if (r >= 0 && (best < 0 || r < best)) {
                best = r;
                at = j;
            }
        }
        if (best < 0)
            break;
        sym[at] = 256 + best;
        memmove(sym + at + 1, sym + at + 2, (size_t)(m - at - 2) * sizeof *sym);
        m--;
    }
    memcpy(out, sym, (size_t)m * sizeof *sym);
    return m;
}

int gpt_tok_encode(const gpt_tok *t, const char *text, char *const *active, int n_active,
                   int **ids)
{
    size_t len = strlen(text), n = 0;
    int *out = malloc((len + 1) * sizeof *out);
    *ids = out;
    if (!out)
        return -1;
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    while (i < len) {
        int sp = -1;
        size_t sl = 0;
        for (int k = 0; k < n_active; k++) {
            size_t l = strlen(active[k]);
            if (l > sl && !strncmp(text + i, active[k], l)) {
                int id = gpt_tok_special_id(t, active[k]);
                if (id >= 0) {
                    sp = id;
                    sl = l;
                }
            }
        }
        if (sp >= 0) {
            out[n++] = sp;
            i += sl;
            continue;
        }
        /* plain text runs up to the next special token */
        size_t end = i + 1;
        while (end < len) {
            int hit = 0;
            for (int k = 0; k < n_active && !hit; k++)
                hit = !strncmp(text + end, active[k], strlen(active[k])) && active[k][0];
            if (hit)
                break;
            end++;
        }
        while (i < end) {
            size_t l = chunk_len(s + i, end - i);
            n += (size_t)encode_chunk(t, s + i, l, out + n);
            i += l;
        }
    }
    return (int)n;
}

/* bytes of a non-special token */
static void token_bytes(const gpt_tok *t, int id, gpt_buf *b)
{
    if (id < 256) {
        char c = (char)id;
        gpt_buf_add(b, &c, 1);
        return;
    }
    token_bytes(t, t->merge[id - 256][0], b);
    token_bytes(t, t->merge[id - 256][1], b);
}

/* length of a valid UTF-8 sequence at s (n bytes left), 0 if invalid */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    size_t l = s[0] < 0x80 ? 1 : s[0] >= 0xc2 && s[0] < 0xe0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3
                             : s[0] >= 0xf0 && s[0] < 0xf5 ? 4 : 0;
    if (!l || l > n)
        return 0;
    for (size_t i = 1; i < l; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if (l == 3 && ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0)))
        return 0; /* overlong, surrogate */
    if (l == 4 && ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90)))
        return 0;
    return l;
}

/* raw bytes as text: invalid UTF-8 and NUL become U+FFFD; frees raw */
static char *as_text(gpt_buf *raw)
{
    gpt_buf out = {0};
    const unsigned char *s = (const unsigned char *)(raw->s ? raw->s : "");
    for (size_t i = 0; i < raw->n;) {
        size_t l = utf8_len(s + i, raw->n - i);
        if (l && s[i]) {
            gpt_buf_add(&out, (const char *)s + i, l);
            i += l;
        } else {
            gpt_buf_puts(&out, s[i] ? "\xef\xbf\xbd" : "");
            i++;
        }
    }
    out.oom |= raw->oom;
    gpt_buf_free(raw);
    return gpt_buf_take(&out);
}

char *gpt_tok_decode(const gpt_tok *t, const int *ids, int n)
{
    gpt_buf raw = {0};
    int first_special = 256 + t->n_merges;
    for (int i = 0; i < n; i++)
        if (ids[i] >= 0 && ids[i] < first_special)
            token_bytes(t, ids[i], &raw);
    return as_text(&raw);
}

char *gpt_tok_decode_real(const hf_tok *t, const int *ids, int n)
{
    gpt_buf raw = {0};
    for (int i = 0; i < n; i++) {
        size_t l;
        const char *b = hf_tok_is_special(t, ids[i]) ? NULL : hf_tok_bytes(t, ids[i], &l);
        if (b)
            gpt_buf_add(&raw, b, l);
    }
    if (hf_tok_spm(t) && raw.n && raw.s[0] == ' ') { /* the decoder's Strip of one space */
        memmove(raw.s, raw.s + 1, raw.n);
        raw.n--;
    }
    return as_text(&raw);
}

/* ---- the one prompt count */

static int index_entry(const char *models_dir, const char *model_id, tok_entry *e, char *err,
                       size_t errlen)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tokenizers/index.json", models_dir);
    return tok_index_find(path, model_id, 0, e, err, errlen);
}

const hf_tok *gpt_tok_real(const char *models_dir, const char *model_id, char *err,
                           size_t errlen)
{
    tok_entry e;
    err[0] = 0;
    if (index_entry(models_dir, model_id, &e, err, errlen) || !e.file[0])
        return NULL;
    return tok_cache_get(e.file, err, errlen);
}

int gpt_tok_count(const char *models_dir, const char *model_id, const gpt_template *tp,
                  const char *prompt, gpt_tok_source *src, char *err, size_t errlen)
{
    tok_entry e;
    if (index_entry(models_dir, model_id, &e, err, errlen))
        return -1;
    if (src) {
        src->exact = e.file[0] != 0;
        snprintf(src->name, sizeof src->name, "%s", e.name);
    }
    if (!e.file[0]) {
        tok_features x;
        if (e.n_special || !tp)
            tok_features_of(prompt, e.sp, e.n_special, &x);
        else
            tok_features_of(prompt, tp->special, tp->n_special, &x);
        return tok_estimate_count(e.coef, &x);
    }
    const hf_tok *t = tok_cache_get(e.file, err, errlen);
    int *ids = NULL, n = -1;
    char e2[256];
    if (t && (n = hf_tok_encode(t, prompt, strlen(prompt), &ids, e2, sizeof e2)) < 0)
        snprintf(err, errlen, "%s: %s", e.file, e2);
    free(ids);
    return n;
}

int gpt_tok_check_context(int prompt_tokens, int max_new_tokens, const char *model_name,
                          int context, char *err, size_t errlen)
{
    if (prompt_tokens > context) {
        snprintf(err, errlen, "$.messages: the prompt (%d tokens) exceeds %s's context of %d "
                              "positions", prompt_tokens, model_name, context);
        return 2;
    }
    if (prompt_tokens + max_new_tokens > context) {
        snprintf(err, errlen, "$.generation_config.max_new_tokens: the prompt (%d tokens) plus %d "
                              "new tokens exceed %s's context of %d positions",
                 prompt_tokens, max_new_tokens, model_name, context);
        return 2;
    }
    return 0;
}
