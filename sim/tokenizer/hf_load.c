/* hf_load: reading a tokenizer.json (cJSON) into an hf_tok.
 *
 * The file format is the Hugging Face tokenizers library's serialization
 * (tokenizers/src/tokenizer/serialization.rs): "added_tokens", "normalizer",
 * "pre_tokenizer", "model" (here BPE only); "post_processor" and "decoder"
 * are not needed for counting.  Every part this file does not implement is
 * refused with its JSON path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "tokenizer/hf_internal.h"
#include "util/rfile.h"

/* GPT-2's pre-tokenizing expression, used by ByteLevel with use_regex
 * (tokenizers/src/pre_tokenizers/byte_level.rs). */
static const char GPT2_RE[] =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

typedef struct {
    hf_tok *t;
    const char *file;
    char *err;
    size_t errlen;
    int cp2byte[324];   /* GPT-2's bytes_to_unicode, inverted: code point -> byte */
} loader;

static int fail(loader *L, const char *path, const char *what)
{
    snprintf(L->err, L->errlen, "%s: %s: %s", L->file, path, what);
    return -1;
}

/* GPT-2's printable stand-ins for bytes: 33..126, 161..172 and 174..255
 * stand for themselves, the other 68 bytes for 256, 257, ... in order. */
static void byte_map(loader *L)
{
    int extra = 0;
    for (int c = 0; c < 324; c++)
        L->cp2byte[c] = -1;
    for (int b = 0; b < 256; b++) {
        int self = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174;
        int cp = self ? b : 256 + extra++;
        L->cp2byte[cp] = b;
        L->t->byte_cp[b] = cp;
    }
}

/* A byte-level vocabulary string as the bytes it stands for, in place
 * (never longer).  -1 if a character is not one of the stand-ins. */
static int unmap_bytes(const loader *L, char *s, int *len)
{
    const unsigned char *p = (const unsigned char *)s;
    int o = 0, n = (int)strlen(s);
    for (int i = 0; i < n;) {
        int cp, l;
        if (p[i] < 0x80) {
            cp = p[i];
            l = 1;
        } else if ((p[i] & 0xe0) == 0xc0 && i + 1 < n) {
            cp = (p[i] & 0x1f) << 6 | (p[i + 1] & 0x3f);
            l = 2;
        } else {
            return -1;
        }
        if (cp >= 324 || L->cp2byte[cp] < 0)
            return -1;
        s[o++] = (char)L->cp2byte[cp];
        i += l;
    }
    s[o] = 0;
    *len = o;
    return 0;
}

static int flag(const cJSON *o, const char *k)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static const char *str_of(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* ---- normalizer */

static int add_norm(loader *L, hf_norm_kind k, const char *a, const char *b)
{
    hf_tok *t = L->t;
    hf_norm *n = realloc(t->norm, (size_t)(t->n_norm + 1) * sizeof *n);
    if (!n)
        return fail(L, "$", "out of memory");
    t->norm = n;
    n[t->n_norm] = (hf_norm){k, a ? strdup(a) : NULL, b ? strdup(b) : NULL};
    if ((a && !n[t->n_norm].a) || (b && !n[t->n_norm].b))
        return fail(L, "$", "out of memory");
    t->n_norm++;
    return 0;
}

typedef int (*leaf_fn)(loader *L, const cJSON *o, const char *type, const char *path);

/* A normalizer or pre-tokenizer: null, a Sequence of them (under list), or
 * one that leaf reads. */
static int parse_tree(loader *L, const cJSON *o, const char *path, const char *list, leaf_fn leaf)
{
    char p[256];
    if (!o || cJSON_IsNull(o))
        return 0;
    const char *type = str_of(o, "type");
    if (!type)
        return fail(L, path, "expected an object with a \"type\"");
    if (strcmp(type, "Sequence"))
        return leaf(L, o, type, path);
    const cJSON *e;
    int i = 0;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(o, list)) {
        if (snprintf(p, sizeof p, "%s.%s[%d]", path, list, i++) >= (int)sizeof p)
            return fail(L, path, "expected Sequences nested less deeply");
        if (parse_tree(L, e, p, list, leaf))
            return -1;
    }
    return 0;
}

static int norm_leaf(loader *L, const cJSON *o, const char *type, const char *path)
{
    char p[256];
    static const char *forms[] = {"NFC", "NFKC", "NFD", "NFKD"};
    for (int k = 0; k < 4; k++)
        if (!strcmp(type, forms[k]))
            return add_norm(L, (hf_norm_kind)k, NULL, NULL);
    if (!strcmp(type, "Prepend") && str_of(o, "prepend"))
        return add_norm(L, HF_PREPEND, str_of(o, "prepend"), NULL);
    const cJSON *pat = cJSON_GetObjectItemCaseSensitive(o, "pattern");
    if (!strcmp(type, "Replace") && str_of(pat, "String") && str_of(o, "content"))
        return add_norm(L, HF_REPLACE, str_of(pat, "String"), str_of(o, "content"));
    snprintf(p, sizeof p, "normalizer \"%s\" with these fields is not implemented", type);
    return fail(L, path, p);
}

/* ---- pre-tokenizer */

static int add_pre(loader *L, const char *re, int literal, hf_split_kind behavior,
                   const char *path)
{
    hf_tok *t = L->t;
    hf_pre *n = realloc(t->pre, (size_t)(t->n_pre + 1) * sizeof *n);
    if (!n)
        return fail(L, path, "out of memory");
    t->pre = n;
    n[t->n_pre] = (hf_pre){NULL, behavior, t->byte_level};
    if (re) {
        int ec;
        PCRE2_SIZE eo;
        uint32_t opt = PCRE2_UTF | PCRE2_UCP | (literal ? PCRE2_LITERAL : 0);
        n[t->n_pre].re = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, opt, &ec, &eo, NULL);
        if (!n[t->n_pre].re) {
            char msg[256], m[120];
            pcre2_get_error_message(ec, (PCRE2_UCHAR *)m, sizeof m);
            snprintf(msg, sizeof msg, "the expression does not compile at offset %zu: %s",
                     (size_t)eo, m);
            return fail(L, path, msg);
        }
    }
    t->n_pre++;
    return 0;
}

static int pre_leaf(loader *L, const cJSON *o, const char *type, const char *path)
{
    char p[256];
    if (L->t->meta.rep)
        return fail(L, path, "pre-tokenizers after Metaspace are not implemented");
    if (!strcmp(type, "ByteLevel")) {
        if (flag(o, "add_prefix_space"))
            return fail(L, path, "ByteLevel with add_prefix_space true is not implemented");
        /* its own expression runs on the text; later ones on the stand-ins */
        int rc = flag(o, "use_regex") ? add_pre(L, GPT2_RE, 0, HF_SPLIT_ISOLATED, path) : 0;
        L->t->byte_level = 1;
        return rc;
    }
    /* Punctuation (pre_tokenizers/punctuation.rs): Rust's ASCII punctuation
     * and Unicode's P* categories; Contiguous keeps a run as one piece. */
    if (!strcmp(type, "Punctuation")) {
        const char *b = str_of(o, "behavior");
        if (b && strcmp(b, "Isolated") && strcmp(b, "Contiguous"))
            return fail(L, path, "only Punctuation with behavior Isolated or Contiguous is "
                                 "implemented");
        int run = b && !strcmp(b, "Contiguous");
        return add_pre(L, run ? "[\\p{P}!-/:-@\\[-`{-~]+" : "[\\p{P}!-/:-@\\[-`{-~]", 0,
                       HF_SPLIT_ISOLATED, path);
    }
    /* Digits (pre_tokenizers/digits.rs): Rust's char::is_numeric, Unicode's
     * N* categories, one piece per run or per digit. */
    if (!strcmp(type, "Digits")) {
        const cJSON *ind = cJSON_GetObjectItemCaseSensitive(o, "individual_digits");
        if (ind && !cJSON_IsBool(ind))
            return fail(L, path, "expected a boolean \"individual_digits\"");
        return add_pre(L, cJSON_IsTrue(ind) ? "\\p{N}" : "\\p{N}+", 0, HF_SPLIT_ISOLATED, path);
    }
    if (!strcmp(type, "Split")) {
        const cJSON *pat = cJSON_GetObjectItemCaseSensitive(o, "pattern");
        const char *b = str_of(o, "behavior"), *re = str_of(pat, "Regex"), *lit = str_of(pat, "String");
        int iso = b && !strcmp(b, "Isolated"), rem = b && !strcmp(b, "Removed");
        if ((re || lit) && (iso || rem) && !flag(o, "invert"))
            return add_pre(L, re ? re : lit, !re, iso ? HF_SPLIT_ISOLATED : HF_SPLIT_REMOVED, path);
        return fail(L, path, "only Split with a pattern, behavior Isolated or Removed and no "
                             "invert is implemented");
    }
    if (!strcmp(type, "Metaspace")) {
        const char *rep = str_of(o, "replacement"), *sch = str_of(o, "prepend_scheme");
        const cJSON *aps = cJSON_GetObjectItemCaseSensitive(o, "add_prefix_space"),
                    *split = cJSON_GetObjectItemCaseSensitive(o, "split");
        hf_meta *m = &L->t->meta;
        if (m->rep || L->t->n_pre)
            return fail(L, path, "Metaspace beside other pre-tokenizers is not implemented");
        if (!rep || !*rep || (split && !cJSON_IsBool(split)))
            return fail(L, path, "expected a non-empty \"replacement\" and a boolean \"split\"");
        /* older files: add_prefix_space true means "always"; no split means true */
        if (sch && !strcmp(sch, "first"))
            m->prepend = HF_META_FIRST;
        else if (sch && !strcmp(sch, "never"))
            m->prepend = HF_META_NEVER;
        else if ((sch && !strcmp(sch, "always")) || (!sch && (!aps || cJSON_IsTrue(aps))))
            m->prepend = HF_META_ALWAYS;
        else if (!sch)
            m->prepend = HF_META_NEVER;
        else
            return fail(L, path, "expected \"prepend_scheme\" \"always\", \"first\" or \"never\"");
        m->split = !split || cJSON_IsTrue(split);
        if (!(m->rep = strdup(rep)))
            return fail(L, path, "out of memory");
        return 0;
    }
    snprintf(p, sizeof p, "pre-tokenizer \"%s\" is not implemented", type);
    return fail(L, path, p);
}

/* ---- model and added tokens */

static int set_str(loader *L, int id, const char *s, int byte_level, const char *path)
{
    hf_tok *t = L->t;
    if (t->str[id])
        return 0; /* an added token that is also a vocabulary entry */
    if (!(t->str[id] = strdup(s)))
        return fail(L, path, "out of memory");
    t->len[id] = (int)strlen(s);
    if (byte_level && unmap_bytes(L, t->str[id], &t->len[id]))
        return fail(L, path, "a byte-level token with a character that stands for no byte");
    return 0;
}

/* Token ids index arrays sized by the largest one, so a hostile file must
 * not ask for 2^31 entries: the largest real vocabularies hold 256,000
 * tokens (Gemma), and ids are dense. */
#define HF_MAX_ID (1 << 22)

/* e's id: an integer in [0, HF_MAX_ID), else -1 */
static int token_id(const cJSON *e)
{
    if (!cJSON_IsNumber(e) || !(e->valuedouble >= 0 && e->valuedouble < HF_MAX_ID) ||
        e->valuedouble != (double)e->valueint)
        return -1;
    return e->valueint;
}

/* One more than the largest valid id (invalid ones are refused later, with
 * their JSON path). */
static int max_id(const cJSON *vocab, const cJSON *added)
{
    int n = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, vocab)
        if (token_id(e) >= n)
            n = token_id(e) + 1;
    cJSON_ArrayForEach(e, added) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(e, "id");
        if (token_id(id) >= n)
            n = token_id(id) + 1;
    }
    return n;
}

static int parse_vocab(loader *L, const cJSON *model)
{
    hf_tok *t = L->t;
    const cJSON *e;
    char p[160];
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(model, "vocab")) {
        snprintf(p, sizeof p, "$.model.vocab[\"%.60s\"]", e->string);
        int id = token_id(e);
        if (id < 0)
            return fail(L, p, "expected an id: an integer from 0 to 4194303");
        if (set_str(L, id, e->string, t->byte_level, p))
            return -1;
        if (hf_map_get(t, &t->vocab, t->str[id], (size_t)t->len[id]) < 0 &&
            hf_map_put(t, &t->vocab, id))
            return fail(L, p, "out of memory");
    }
    for (int b = 0; b < 256; b++) {
        char s[8];
        snprintf(s, sizeof s, "<0x%02X>", b);
        t->byte_id[b] = t->byte_level ? hf_map_get(t, &t->vocab, (char[]){(char)b}, 1)
                        : t->byte_fallback ? hf_map_get(t, &t->vocab, s, strlen(s))
                                           : -1;
    }
    return 0;
}

static int put_merge(hf_tok *t, int a, int b, int rank, int id)
{
    uint64_t k = hf_pair_key(a, b);
    size_t i = hf_pair_slot(k, t->mcap);
    while (t->mrank[i] >= 0 && t->mkey[i] != k)
        i = (i + 1) & (t->mcap - 1);
    t->mkey[i] = k; /* a pair given twice keeps its last rank, as a hash map collects it */
    t->mrank[i] = rank;
    t->mnew[i] = id;
    return 0;
}

static int parse_merges(loader *L, const cJSON *model)
{
    hf_tok *t = L->t;
    const cJSON *ms = cJSON_GetObjectItemCaseSensitive(model, "merges"), *e;
    int n = cJSON_GetArraySize(ms), rank = 0;
    t->mcap = 1024;
    while (t->mcap < 2 * (size_t)n + 16)
        t->mcap *= 2;
    t->mkey = malloc(t->mcap * sizeof *t->mkey);
    t->mrank = malloc(t->mcap * sizeof *t->mrank);
    t->mnew = malloc(t->mcap * sizeof *t->mnew);
    if (!t->mkey || !t->mrank || !t->mnew)
        return fail(L, "$.model.merges", "out of memory");
    for (size_t i = 0; i < t->mcap; i++)
        t->mrank[i] = -1;
    char a[512], b[512], p[64];
    cJSON_ArrayForEach(e, ms) {
        snprintf(p, sizeof p, "$.model.merges[%d]", rank);
        const char *sp = cJSON_IsString(e) ? strchr(e->valuestring, ' ') : NULL;
        if (sp && sp - e->valuestring < (long)sizeof a && strlen(sp + 1) < sizeof b) {
            snprintf(a, sizeof a, "%.*s", (int)(sp - e->valuestring), e->valuestring);
            snprintf(b, sizeof b, "%s", sp + 1);
        } else if (cJSON_GetArraySize(e) == 2 && cJSON_IsString(cJSON_GetArrayItem(e, 0)) &&
                   cJSON_IsString(cJSON_GetArrayItem(e, 1)) &&
                   strlen(cJSON_GetArrayItem(e, 0)->valuestring) < sizeof a &&
                   strlen(cJSON_GetArrayItem(e, 1)->valuestring) < sizeof b) {
            snprintf(a, sizeof a, "%s", cJSON_GetArrayItem(e, 0)->valuestring);
            snprintf(b, sizeof b, "%s", cJSON_GetArrayItem(e, 1)->valuestring);
        } else {
            return fail(L, p, "expected \"LEFT RIGHT\" or [\"LEFT\", \"RIGHT\"]");
        }
        char ab[1024];
        int la = (int)strlen(a), lb = (int)strlen(b);
        if (t->byte_level && (unmap_bytes(L, a, &la) || unmap_bytes(L, b, &lb)))
            return fail(L, p, "a character that stands for no byte");
        memcpy(ab, a, (size_t)la);
        memcpy(ab + la, b, (size_t)lb);
        int ia = hf_map_get(t, &t->vocab, a, (size_t)la), ib = hf_map_get(t, &t->vocab, b, (size_t)lb),
            iab = hf_map_get(t, &t->vocab, ab, (size_t)(la + lb));
        if (ia < 0 || ib < 0 || iab < 0)
            return fail(L, p, "a merge of tokens that are not in the vocabulary");
        put_merge(t, ia, ib, rank++, iab);
    }
    return 0;
}

static int parse_added(loader *L, const cJSON *added)
{
    hf_tok *t = L->t;
    const cJSON *e;
    char p[64];
    t->added = calloc((size_t)cJSON_GetArraySize(added) + 1, sizeof *t->added);
    if (!t->added)
        return fail(L, "$.added_tokens", "out of memory");
    cJSON_ArrayForEach(e, added) {
        snprintf(p, sizeof p, "$.added_tokens[%d]", t->n_added);
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(e, "id");
        const char *c = str_of(e, "content");
        if (token_id(id) < 0 || !c || !*c)
            return fail(L, p, "expected an object with an \"id\" (an integer from 0 to 4194303) "
                              "and a non-empty \"content\"");
        if (flag(e, "single_word"))
            return fail(L, p, "single_word added tokens are not implemented");
        hf_added *a = &t->added[t->n_added++];
        *a = (hf_added){strdup(c), (int)strlen(c), id->valueint, flag(e, "special"),
                        flag(e, "normalized"), flag(e, "lstrip"), flag(e, "rstrip")};
        if (!a->s || set_str(L, a->id, c, 0, p))
            return fail(L, p, "out of memory");
        t->special[a->id] = (uint8_t)a->special;
    }
    return 0;
}

/* SentencePiece-style decoding: U+2581 is a space, <0xXX> its byte. */
static int spm_decoding(loader *L)
{
    hf_tok *t = L->t;
    t->dec = calloc((size_t)t->n, sizeof *t->dec);
    t->dlen = calloc((size_t)t->n, sizeof *t->dlen);
    if (!t->dec || !t->dlen)
        return fail(L, "$.model.vocab", "out of memory");
    for (int b = 0; b < 256; b++)
        if (t->byte_id[b] >= 0 && (t->dec[t->byte_id[b]] = malloc(1))) {
            t->dec[t->byte_id[b]][0] = (char)b;
            t->dlen[t->byte_id[b]] = 1;
        }
    for (int id = 0; id < t->n; id++) {
        if (!t->str[id] || t->dec[id])
            continue;
        size_t n;
        char *d = hf_map_get(t, &t->vocab, t->str[id], (size_t)t->len[id]) == id
                      ? NULL : strdup(t->str[id]);
        if (!d) {
            hf_norm sp = {HF_REPLACE, "\xe2\x96\x81", " "};
            hf_tok one = {.norm = &sp, .n_norm = 1};
            d = hf_normalize(&one, t->str[id], (size_t)t->len[id], &n);
        } else {
            n = strlen(d);
        }
        if (!d)
            return fail(L, "$.model.vocab", "out of memory");
        t->dec[id] = d;
        t->dlen[id] = (int)n;
    }
    return 0;
}

hf_tok *hf_tok_load(const char *path, char *err, size_t errlen)
{
    loader L = {calloc(1, sizeof(hf_tok)), path, err, errlen, {0}};
    cJSON *root = rfile_json(path, err, errlen);
    hf_tok *t = L.t;
    int rc = -1;
    if (!t || !root) {
        if (!t)
            snprintf(err, errlen, "%s: out of memory", path);
        goto out;
    }
    byte_map(&L);
    t->unk = -1;
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(root, "model"),
                *added = cJSON_GetObjectItemCaseSensitive(root, "added_tokens");
    const char *type = str_of(model, "type");
    if (!type || strcmp(type, "BPE")) {
        fail(&L, "$.model.type", "only \"BPE\" models are implemented");
        goto out;
    }
    const char *pre = str_of(model, "continuing_subword_prefix"), *suf = str_of(model, "end_of_word_suffix");
    if ((pre && *pre) || (suf && *suf)) {
        fail(&L, "$.model", "subword prefixes and suffixes are not implemented");
        goto out;
    }
    const cJSON *dropout = cJSON_GetObjectItemCaseSensitive(model, "dropout");
    if (cJSON_IsNumber(dropout) && dropout->valuedouble > 0) {
        fail(&L, "$.model.dropout", "BPE dropout makes counts random: not implemented");
        goto out;
    }
    t->byte_fallback = flag(model, "byte_fallback");
    t->fuse_unk = flag(model, "fuse_unk");
    t->ignore_merges = flag(model, "ignore_merges");
    t->n = max_id(cJSON_GetObjectItemCaseSensitive(model, "vocab"), added);
    t->str = calloc((size_t)t->n + 1, sizeof *t->str);
    t->len = calloc((size_t)t->n + 1, sizeof *t->len);
    t->special = calloc((size_t)t->n + 1, 1);
    if (!t->str || !t->len || !t->special) {
        fail(&L, "$", "out of memory");
        goto out;
    }
    if (parse_tree(&L, cJSON_GetObjectItemCaseSensitive(root, "normalizer"), "$.normalizer",
                   "normalizers", norm_leaf) ||
        parse_tree(&L, cJSON_GetObjectItemCaseSensitive(root, "pre_tokenizer"), "$.pre_tokenizer",
                   "pretokenizers", pre_leaf) ||
        parse_vocab(&L, model) || parse_merges(&L, model) || parse_added(&L, added))
        goto out;
    for (int i = 0; i < t->n_norm; i++)
        t->spm |= t->norm[i].kind == HF_PREPEND && !strcmp(t->norm[i].a, "\xe2\x96\x81");
    t->spm |= t->meta.rep && !strcmp(t->meta.rep, "\xe2\x96\x81");
    const char *unk = str_of(model, "unk_token");
    t->unk = unk ? hf_map_get(t, &t->vocab, unk, strlen(unk)) : -1;
    if (t->spm && spm_decoding(&L))
        goto out;
    rc = 0;
out:
    cJSON_Delete(root);
    if (rc) {
        hf_tok_free(t);
        return NULL;
    }
    return t;
}

void hf_tok_free(hf_tok *t)
{
    if (!t)
        return;
    for (int i = 0; i < t->n; i++) {
        free(t->str[i]);
        if (t->dec)
            free(t->dec[i]);
    }
    free(t->str);
    free(t->len);
    free(t->dec);
    free(t->dlen);
    free(t->vocab.slot);
    free(t->mkey);
    free(t->mrank);
    free(t->mnew);
    for (int i = 0; i < t->n_added; i++)
        free(t->added[i].s);
    free(t->added);
    free(t->special);
    for (int i = 0; i < t->n_norm; i++) {
        free(t->norm[i].a);
        free(t->norm[i].b);
    }
    free(t->norm);
    for (int i = 0; i < t->n_pre; i++)
        pcre2_code_free(t->pre[i].re);
    free(t->pre);
    free(t->meta.rep);
    free(t);
}
