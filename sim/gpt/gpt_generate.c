/* gpt_generate: greedy decoding, sampling and beam search over a gpt_lm.
 *
 * Sampling: the prompt is prefilled once; with several sequences its cache
 * is kept in slot 1 and copied back into slot 0 before each sequence, and
 * sequence i draws from its own GSL stream (mt19937 seeded from the task
 * seed and i), so sequences do not depend on each other's lengths.
 *
 * Beam search (length penalty 1, early stopping off, as the library's
 * defaults): each step scores every (beam, token) by the beam's summed
 * log-probability plus the token's processed log-probability, keeps the
 * 2 x beams best (beam sampling: draws them without replacement instead),
 * moves end-of-sequence candidates ranked within the first `beams` to the
 * finished list, scored by sum / generated length (EOS counted), and
 * continues the best `beams` others.  It stops when the worst of `beams`
 * finished hypotheses beats the best running beam's attainable score, or at
 * max_new_tokens, where the running beams join the finished list.
 *
 * Beam search returns the best num_return_sequences hypotheses of its one
 * search; beam sampling runs one search per returned sequence and returns
 * each search's best (transformers 4.35.2, generation/utils.py, generate():
 * BEAM_SAMPLE builds BeamSearchScorer(batch_size=batch_size *
 * num_return_sequences), which keeps one hypothesis per search, and expands
 * the input num_beams * num_return_sequences times).  Here the searches run
 * one after another, search i drawing from stream i of the task seed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gpt/gpt_sample.h"

int gpt_gen_slots(const gpt_gen *g)
{
    return g->num_beams > 1 ? g->num_beams : g->num_sequences > 1 ? 2 : 1;
}

void gpt_seqs_free(gpt_seq *s, int n)
{
    for (int i = 0; i < n; i++) {
        free(s[i].tok);
        s[i].tok = NULL;
    }
}

/* scratch shared by both searches */
typedef struct {
    float *logits;        /* lm->vocab */
    float *first;         /* logits after the prompt */
    double *p, *x;        /* n_vocab */
    int *idx, *hist;      /* n_vocab; prompt + generated */
    unsigned char *seen;
} scratch;

static int scratch_init(scratch *s, const gpt_lm *lm, const gpt_gen *g, int n_hist)
{
    size_t V = (size_t)lm->vocab, n = (size_t)g->n_vocab;
    s->logits = malloc(V * sizeof(float));
    s->first = malloc(V * sizeof(float));
    s->p = malloc(n * sizeof(double));
    s->x = malloc(n * sizeof(double));
    s->idx = malloc(n * sizeof(int));
    s->hist = malloc((size_t)n_hist * sizeof(int));
    s->seen = calloc(n, 1);
    return s->logits && s->first && s->p && s->x && s->idx && s->hist && s->seen ? 0 : -1;
}

static void scratch_free(scratch *s)
{
    free(s->logits);
    free(s->first);
    free(s->p);
    free(s->x);
    free(s->idx);
    free(s->hist);
    free(s->seen);
}

static int sample_all(const gpt_lm *lm, const gpt_gen *g, const int *prompt, int np,
                      gpt_seq *out, scratch *s)
{
    int V = lm->vocab, n = g->n_vocab, rc = 0;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!r || lm->prefill(lm->ctx, 0, prompt, np, s->first))
        rc = -1;
    if (!rc && g->num_sequences > 1)
        rc = lm->reorder(lm->ctx, (const int[]){0, 0}, np); /* slot 1 keeps the prompt */
    memcpy(s->hist, prompt, (size_t)np * sizeof(int));
    for (int q = 0; !rc && q < g->num_sequences; q++) {
        gpt_seq *o = &out[q];
        if (!(o->tok = malloc((size_t)g->max_new_tokens * sizeof(int)))) {
            rc = -1;
            break;
        }
        if (q > 0)
            rc = lm->reorder(lm->ctx, (const int[]){1, 1}, np);
        gsl_rng_set(r, gpt_stream_seed(g->seed, q));
        memcpy(s->logits, s->first, (size_t)V * sizeof(float));
        for (int t = 0; !rc && t < g->max_new_tokens; t++) {
            gpt_repetition_penalty(s->logits, n, s->hist, np + t, g->repetition_penalty,
                                   s->seen);
            int tok;
            if (g->greedy) {
                tok = gpt_argmax(s->logits, n);
            } else {
                gpt_distribution(s->logits, n, &g->warp, s->p, s->idx, s->x);
                tok = gpt_draw(s->p, n, r);
            }
            o->tok[o->n++] = s->hist[np + t] = tok;
            if (tok == g->eos) {
                o->stopped = 1;
                break;
            }
            if (t + 1 < g->max_new_tokens)
                rc = lm->decode(lm->ctx, 0, tok, np + t, s->logits);
        }
    }
    gsl_rng_free(r);
    return rc;
}

/* ---- beam search */

typedef struct {
    int *tok;
    int n;
    double sum;       /* summed log-probability */
} beam;

typedef struct {
    double lp;        /* beam sum + token log-probability */
    int b, tok;
} cand;

static int cand_cmp(const void *x, const void *y)
{
    const cand *a = x, *c = y;
    if (a->lp != c->lp)
        return a->lp > c->lp ? -1 : 1;
    if (a->b != c->b)
        return a->b - c->b;
    return a->tok - c->tok;
}

/* finished list: at most `cap` best hypotheses */
static void finish(gpt_seq *fin, int *nfin, int cap, const beam *bm, int tok, double sum,
                   int stopped)
{
    int len = bm->n + (tok >= 0);
    double score = sum / (len > 0 ? len : 1);
    int at = *nfin;
    if (at == cap) {
        int worst = 0;
        for (int i = 1; i < cap; i++)
            if (fin[i].score < fin[worst].score)
                worst = i;
        if (fin[worst].score >= score)
            return;
        at = worst;
        free(fin[at].tok);
    } else {
        ++*nfin;
    }
    gpt_seq *f = &fin[at];
    f->tok = malloc(((size_t)len + 1) * sizeof(int));
    f->n = 0;
    if (f->tok) {
        memcpy(f->tok, bm->tok, (size_t)bm->n * sizeof(int));
        f->n = bm->n;
        if (tok >= 0)
            f->tok[f->n++] = tok;
    }
    f->stopped = stopped;
    f->score = score;
}

static double worst_score(const gpt_seq *fin, int n)
{
    double w = fin[0].score;
    for (int i = 1; i < n; i++)
        w = fin[i].score < w ? fin[i].score : w;
    return w;
}

static int seq_cmp(const void *x, const void *y)
{
    const gpt_seq *a = x, *b = y;
    return a->score > b->score ? -1 : a->score < b->score ? 1 : 0;
}

/* One search; its best `keep` hypotheses into out; sampling draws from
 * stream `stream` of the seed. */
static int beam_search(const gpt_lm *lm, const gpt_gen *g, const int *prompt, int np,
                       gpt_seq *out, int keep, int stream, scratch *s)
{
    int B = g->num_beams, n = g->n_vocab, V = lm->vocab, nb = 1, nfin = 0, rc = -1;
    size_t C = (size_t)B * (size_t)n;
    beam *bm = calloc((size_t)B, sizeof *bm), *nx = calloc((size_t)B, sizeof *nx);
    cand *cd = malloc(C * sizeof *cd);
    float *lg = malloc((size_t)B * (size_t)V * sizeof *lg);
    double *lp = malloc((size_t)n * sizeof *lp), *w = malloc(C * sizeof *w);
    gpt_seq *fin = calloc((size_t)B, sizeof *fin);
    int *parent = malloc((size_t)B * sizeof *parent);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!bm || !nx || !cd || !lg || !lp || !w || !fin || !parent || !r)
        goto out;
    gsl_rng_set(r, gpt_stream_seed(g->seed, stream));
    for (int b = 0; b < B; b++) {
        bm[b].tok = malloc(((size_t)g->max_new_tokens + 1) * sizeof(int));
        nx[b].tok = malloc(((size_t)g->max_new_tokens + 1) * sizeof(int));
        if (!bm[b].tok || !nx[b].tok)
            goto out;
    }
    if (lm->prefill(lm->ctx, 0, prompt, np, lg))
        goto out;
    memcpy(s->hist, prompt, (size_t)np * sizeof(int));
    for (int t = 0; t < g->max_new_tokens; t++) {
        size_t nc = 0;
        for (int b = 0; b < nb; b++) {
            float *row = lg + (size_t)b * (size_t)V;
            memcpy(s->hist + np, bm[b].tok, (size_t)t * sizeof(int));
            gpt_log_softmax(row, n, lp);
            for (int i = 0; i < n; i++)
                row[i] = (float)lp[i];
            gpt_repetition_penalty(row, n, s->hist, np + t, g->repetition_penalty, s->seen);
            if (!g->greedy) { /* beam sampling: the warped distribution */
                gpt_distribution(row, n, &g->warp, s->p, s->idx, s->x);
                for (int i = 0; i < n; i++)
                    row[i] = s->p[i] > 0 ? (float)log(s->p[i]) : -INFINITY;
            }
            for (int i = 0; i < n; i++)
                if (isfinite(row[i]))
                    cd[nc++] = (cand){bm[b].sum + row[i], b, i};
        }
        size_t want = (size_t)2 * (size_t)B < nc ? (size_t)2 * (size_t)B : nc;
        if (g->greedy) {
            qsort(cd, nc, sizeof *cd, cand_cmp);
        } else { /* draw `want` candidates without replacement, by exp(lp) */
            double mx = -INFINITY;
            for (size_t i = 0; i < nc; i++)
                mx = cd[i].lp > mx ? cd[i].lp : mx;
            for (size_t i = 0; i < nc; i++)
                w[i] = exp(cd[i].lp - mx);
            for (size_t k = 0; k < want; k++) {
                double tot = 0, u, acc = 0;
                for (size_t i = k; i < nc; i++)
                    tot += w[i];
                u = gsl_rng_uniform(r) * tot;
                size_t pick = nc - 1;
                for (size_t i = k; i < nc; i++)
                    if (u < (acc += w[i])) {
                        pick = i;
                        break;
                    }
                cand tc = cd[k];
                double tw = w[k];
                cd[k] = cd[pick], w[k] = w[pick];
                cd[pick] = tc, w[pick] = tw;
            }
            qsort(cd, want, sizeof *cd, cand_cmp);
        }
        int nn = 0;
        for (size_t k = 0; k < want && nn < B; k++) {
            const cand *c = &cd[k];
            if (c->tok == g->eos) {
                if (k < (size_t)B)
                    finish(fin, &nfin, B, &bm[c->b], c->tok, c->lp, 1);
                continue;
            }
            memcpy(nx[nn].tok, bm[c->b].tok, (size_t)t * sizeof(int));
            nx[nn].tok[t] = c->tok;
            nx[nn].n = t + 1;
            nx[nn].sum = c->lp;
            parent[nn++] = c->b;
        }
        beam *tmp = bm;
        bm = nx;
        nx = tmp;
        nb = nn;
        int done = nn == 0 || (nfin == B && worst_score(fin, B) >= bm[0].sum / (t + 1));
        if (done || t + 1 == g->max_new_tokens)
            break;
        for (int b = nn; b < B; b++)
            parent[b] = parent[0]; /* unused slots: any valid source */
        if (lm->reorder(lm->ctx, parent, np + t))
            goto out;
        for (int b = 0; b < nb; b++)
            if (lm->decode(lm->ctx, b, bm[b].tok[t], np + t, lg + (size_t)b * (size_t)V))
                goto out;
    }
    for (int b = 0; b < nb; b++)
        finish(fin, &nfin, B, &bm[b], -1, bm[b].sum, 0);
    qsort(fin, (size_t)nfin, sizeof *fin, seq_cmp);
    for (int i = 0; i < keep; i++) {
        if (i < nfin) {
            out[i] = fin[i];
            fin[i].tok = NULL;
        }
    }
    rc = 0;
out:
    for (int b = 0; b < B && bm && nx; b++) {
        free(bm[b].tok);
        free(nx[b].tok);
    }
    gpt_seqs_free(fin, fin ? B : 0);
    free(bm);
    free(nx);
    free(cd);
    free(lg);
    free(lp);
    free(w);
    free(fin);
    free(parent);
    gsl_rng_free(r);
    return rc;
}

int gpt_generate(const gpt_lm *lm, const gpt_gen *g, const int *prompt, int n_prompt,
                 gpt_seq *out)
{
    memset(out, 0, (size_t)g->num_sequences * sizeof *out);
    scratch s;
    memset(&s, 0, sizeof s);
    int rc = -1;
    if (g->n_vocab < 1 || g->n_vocab > lm->vocab || n_prompt < 1 ||
        lm->nslots < gpt_gen_slots(g) || scratch_init(&s, lm, g, n_prompt + g->max_new_tokens))
        goto out;
    if (g->num_beams > 1 && !g->greedy) {
        rc = 0;
        for (int i = 0; !rc && i < g->num_sequences; i++)
            rc = beam_search(lm, g, prompt, n_prompt, out + i, 1, i, &s);
    } else if (g->num_beams > 1) {
        rc = beam_search(lm, g, prompt, n_prompt, out, g->num_sequences, 0, &s);
    } else {
        rc = sample_all(lm, g, prompt, n_prompt, out, &s);
    }
out:
    scratch_free(&s);
    if (rc)
        gpt_seqs_free(out, g->num_sequences);
    return rc;
}
