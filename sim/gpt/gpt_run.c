/* gpt_run: one task on the host — template, tokens, kernels, sampling — and
 * the ChatGPT-style response.
 *
 * Weights are synthesized from the model's name (the same model, the same
 * weights, whatever the task), so the text is not language; what is real is
 * the shape, the arithmetic and its order, the sampling, and the response.
 * The prompt's ids are the model's own tokenizer's when avrami ships it
 * (models/tokenizers/), else the corpus-trained tokenizer's; usage
 * prompt_tokens is always gpt_tok_count, the count `gpt estimate` and the
 * simulator use (exact, or the family's estimate).  The tokenizer's
 * vocabulary is the first ids of the model's; the remaining logits are
 * computed (the output head keeps its real size) but never chosen, since no
 * text belongs to them.  Nor are the tokens that are not text on their own
 * (control bytes, pieces of a UTF-8 character): a trained model does not
 * emit them alone, and without the ban a synthetic one writes mostly
 * replacement characters. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpt/gpt.h"
#include "gpt/gpt_model.h"
#include "gpt/gpt_sample.h"
#include "gpt/gpt_template.h"
#include "gpt/gpt_tok.h"
#include "gpt/gpt_util.h"

static double mem_available_gb(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];
    double kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %lf kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb / 1e6 * 1.024;
}

static uint64_t name_seed(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

int gpt_completion_tokens(const gpt_seq *s, int n)
{
    int longest = 0;
    for (int i = 0; i < n; i++)
        longest = s[i].n > longest ? s[i].n : longest;
    return n * longest;
}

static char *response_json(const gpt_task *t, const gpt_tok *tok, const hf_tok *real,
                           const gpt_seq *seq, int n, int prompt_tokens)
{
    cJSON *root = cJSON_CreateObject(), *choices = cJSON_CreateArray();
    int completion;
    cJSON_AddStringToObject(root, "model", t->model);
    cJSON_AddItemToObject(root, "choices", choices);
    for (int i = 0; i < n; i++) {
        cJSON *c = cJSON_CreateObject(), *msg = cJSON_CreateObject();
        char *text = real ? gpt_tok_decode_real(real, seq[i].tok, seq[i].n)
                          : gpt_tok_decode(tok, seq[i].tok, seq[i].n);
        cJSON_AddNumberToObject(c, "index", i);
        cJSON_AddStringToObject(c, "finish_reason", seq[i].stopped ? "stop" : "length");
        cJSON_AddStringToObject(msg, "role", "assistant");
        cJSON_AddStringToObject(msg, "content", text ? text : "");
        cJSON_AddItemToObject(c, "message", msg);
        cJSON_AddItemToArray(choices, c);
        free(text);
    }
    completion = gpt_completion_tokens(seq, n);
    cJSON *u = cJSON_AddObjectToObject(root, "usage");
    cJSON_AddNumberToObject(u, "prompt_tokens", prompt_tokens);
    cJSON_AddNumberToObject(u, "completion_tokens", completion);
    cJSON_AddNumberToObject(u, "total_tokens", prompt_tokens + completion);
    char *s = cJSON_Print(root);
    cJSON_Delete(root);
    return s;
}

/* refuses a run that does not fit, with what it needs and a hint */
static int check_memory(const gpt_task *t, const kern_model_cfg *c, kern_type wt, int max_seq,
                        int slots, int np, double limit_gb, char *err, size_t errlen)
{
    double avail = limit_gb > 0 ? limit_gb : mem_available_gb();
    double need = gpt_host_bytes(c, wt, max_seq, slots, np) / 1e9;
    if (avail <= 0 || need <= avail)
        return 0;
    double kv = (double)slots * kern_model_kv_bytes_per_token(c) * max_seq / 1e9;
    char hint[160];
    if (wt != KERN_Q4_0)
        snprintf(hint, sizeof hint, "\"quantize_bits\": 4 would need %.2f GB; or a smaller model",
                 gpt_host_bytes(c, KERN_Q4_0, max_seq, slots, np) / 1e9);
    else
        snprintf(hint, sizeof hint, "a smaller model, or fewer max_new_tokens, beams or sequences");
    snprintf(err, errlen,
             "$.model: %s (%s) with %s weights needs %.2f GB of memory (KV cache %.2f GB for "
             "%d positions x %d caches), %.2f GB available; hint: %s",
             t->model, c->name, kern_type_name(wt), need, kv, max_seq, slots, avail, hint);
    return 2;
}

/* single bytes that are not text alone: control bytes, UTF-8 lead and
 * continuation bytes (the corpus-trained tokenizer's ids 0..255) */
static int banned_bytes(int **out)
{
    int nb = 0, *b = malloc(256 * sizeof *b);
    for (int c = 0; b && c < 256; c++)
        if ((c < 0x20 && c != '\n' && c != '\t') || c >= 0x7f)
            b[nb++] = c;
    *out = b;
    return b ? nb : -1;
}

/* tokens of a real tokenizer that are not text alone: unused ids, pieces of
 * a UTF-8 character, control bytes other than newline and tab */
static int banned_real(const hf_tok *t, int **out)
{
    int n = hf_tok_vocab(t), nb = 0, *b = malloc((size_t)n * sizeof *b);
    for (int id = 0; b && id < n; id++) {
        size_t l;
        const unsigned char *s = (const unsigned char *)hf_tok_bytes(t, id, &l);
        int ok = s && (l > 0 || hf_tok_is_special(t, id));
        for (size_t i = 0; ok && i < l;) {
            size_t k = s[i] < 0x80 ? 1 : s[i] >= 0xf0 ? 4 : s[i] >= 0xe0 ? 3 : s[i] >= 0xc2 ? 2 : 0;
            ok = k && k <= l - i && (s[i] >= 0x20 || s[i] == '\n' || s[i] == '\t') && s[i] != 0x7f;
            for (size_t j = 1; ok && j < k; j++)
                ok = (s[i + j] & 0xc0) == 0x80;
            i += k ? k : 1;
        }
        if (!ok)
            b[nb++] = id;
    }
    *out = b;
    return b ? nb : -1;
}

typedef struct {
    gpt_templates ts;
    gpt_tok tok;
    char *prompt;
    int *ids;
    kern_model m;
    int m_ok;
    gpt_kern_lm k;
    int *banned;
    gpt_seq *seq;
    int nseq;
} run_state;

static void run_free(run_state *r)
{
    gpt_seqs_free(r->seq, r->seq ? r->nseq : 0);
    free(r->seq);
    gpt_kern_lm_free(&r->k);
    if (r->m_ok)
        kern_model_free(&r->m);
    free(r->ids);
    free(r->banned);
    free(r->prompt);
    gpt_tok_free(&r->tok);
    gpt_templates_free(&r->ts);
}

int gpt_run(const gpt_task *t, const gpt_run_opts *o, char **response, gpt_run_stats *st,
            char *err, size_t errlen)
{
    double t0 = gpt_now();
    char llms[1024], path[1024], e[768];
    run_state r;
    memset(&r, 0, sizeof r);
    memset(st, 0, sizeof *st);
    *response = NULL;
    snprintf(llms, sizeof llms, "%s", o->llms_path ? o->llms_path : "");
    if (!o->llms_path)
        snprintf(llms, sizeof llms, "%s/llms.json", o->models_dir);
    gpt_model_info mi;
    int rc = gpt_model_prepare(llms, t, &mi, e, sizeof e);
    if (rc) {
        snprintf(err, errlen, rc == 1 ? "$.model: %s" : "%s", e);
        return 2;
    }
    if (!mi.runnable) {
        snprintf(err, errlen, "$.model: %s is priced only (avrami gpt estimate), not run: %s",
                 mi.cfg.name, mi.why);
        return 2;
    }
    kern_model_cfg cfg = mi.cfg;
    kern_type wt = mi.wtype;
    snprintf(path, sizeof path, "%s/chat-templates.json", o->models_dir);
    rc = 2;
    if (gpt_templates_load(path, &r.ts, err, errlen))
        goto out;
    const gpt_template *tp = gpt_template_match(&r.ts, t->model);
    if (!tp) {
        snprintf(err, errlen, "$.model: %s: no template matches '%s'", path, t->model);
        goto out;
    }
    if (!(r.prompt = gpt_template_render(tp, t->messages, t->n_messages, err, errlen)))
        goto out;
    double tt = gpt_now(); /* reading tokenizer.json belongs to loading the model */
    const hf_tok *real = gpt_tok_real(o->models_dir, t->model, err, errlen);
    if (!real && err[0])
        goto out;
    double tok_load_s = gpt_now() - tt;
    gpt_tok_source src;
    int np_count = gpt_tok_count(o->models_dir, t->model, tp, r.prompt, &src, err, errlen);
    if (np_count < 0)
        goto out;
    int np, vocab;
    if (real) {
        np = hf_tok_encode(real, r.prompt, strlen(r.prompt), &r.ids, e, sizeof e);
        vocab = hf_tok_vocab(real);
    } else {
        snprintf(path, sizeof path, "%s/tokenizer-corpus.txt", o->models_dir);
        if (gpt_tok_load(&r.tok, path, &r.ts, err, errlen))
            goto out;
        np = gpt_tok_encode(&r.tok, r.prompt, tp->special, tp->n_special, &r.ids);
        vocab = r.tok.vocab;
    }
    const gpt_gen_config *gc = &mi.gen; /* with the model's own defaults */
    int max_seq = np + gc->max_new_tokens;
    if (np < 1) {
        snprintf(err, errlen, "$.messages: the rendered prompt is empty");
        goto out;
    }
    if (vocab > cfg.vocab) {
        snprintf(err, errlen, "$.model: %s has %d tokens, fewer than the tokenizer's %d", cfg.name,
                 cfg.vocab, vocab);
        goto out;
    }
    /* the count every command reports; the run's own ids when they differ */
    if (gpt_tok_check_context(np_count, gc->max_new_tokens, cfg.name, cfg.context, err, errlen) ||
        gpt_tok_check_context(np, gc->max_new_tokens, cfg.name, cfg.context, err, errlen))
        goto out;
    int nb = real ? banned_real(real, &r.banned) : banned_bytes(&r.banned);
    if (nb < 0) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    gpt_gen g = {
        .greedy = gpt_task_greedy(gc),
        .warp = {gc->temperature, gc->top_k, gc->top_p, gc->typical_p, gc->num_beams > 1 ? 2 : 1},
        .repetition_penalty = gc->repetition_penalty,
        .max_new_tokens = gc->max_new_tokens,
        .num_beams = gc->num_beams,
        .num_sequences = gc->num_return_sequences,
        .n_vocab = vocab,
        .eos = real ? hf_tok_id(real, tp->eos) : gpt_tok_special_id(&r.tok, tp->eos),
        .seed = o->seed_override ? o->seed : t->seed,
    };
    int slots = gpt_gen_slots(&g);
    if (check_memory(t, &cfg, wt, max_seq, slots, np, o->mem_limit_gb, err, errlen))
        goto out;
    double tl = gpt_now();
    if (kern_model_init(&r.m, &cfg, wt, max_seq, name_seed(cfg.name), o->profile)) {
        snprintf(err, errlen, "$.model: out of memory building %s", cfg.name);
        goto out;
    }
    r.m_ok = 1;
    st->load_s = gpt_now() - tl + tok_load_s;
    tim_host host;
    int have_host = 0;
    if (o->timing) {
        snprintf(path, sizeof path, "%s/calibration/host.json", o->models_dir);
        have_host = !tim_host_load(path, kern_threads_get(), &host, e, sizeof e);
    }
    gpt_lm lm;
    r.nseq = g.num_sequences;
    r.seq = calloc((size_t)r.nseq, sizeof *r.seq);
    if (!r.seq || gpt_kern_lm_init(&r.k, &r.m, slots, have_host ? &host : NULL, &lm)) {
        snprintf(err, errlen, "$.model: out of memory running %s", cfg.name);
        goto out;
    }
    r.k.banned = r.banned;
    r.k.n_banned = nb;
    if (gpt_generate(&lm, &g, r.ids, np, r.seq)) {
        snprintf(err, errlen, "$.model: out of memory running %s", cfg.name);
        goto out;
    }
    if (!(*response = response_json(t, &r.tok, real, r.seq, r.nseq, np_count))) {
        snprintf(err, errlen, "out of memory writing the response");
        goto out;
    }
    st->prompt_tokens = np;
    st->reported_prompt_tokens = np_count;
    st->prompt_exact = src.exact;
    snprintf(st->tokenizer, sizeof st->tokenizer, "%s", src.name);
    st->prefill_s = r.k.prefill_s;
    st->decode_s = r.k.decode_s;
    st->decode_steps = r.k.decode_steps;
    st->kernel_s = st->prefill_s + st->decode_s;
    st->predicted = have_host;
    st->pred_prefill_s = r.k.pred_prefill_s;
    st->pred_decode_s = r.k.pred_decode_s;
    rc = 0;
out:
    st->total_s = gpt_now() - t0; /* freeing the model is teardown, not the task */
    run_free(&r);
    return rc;
}
