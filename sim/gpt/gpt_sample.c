/* gpt_sample: the logits processors and warpers, one token at a time.
 *
 * Definitions follow the transformers library's processors:
 *   repetition penalty  s < 0 ? s * r : s / r, each distinct earlier token once
 *   temperature         s / T
 *   top_k               drop scores below the k-th largest (ties kept)
 *   top_p               sort ascending, drop tokens whose cumulative
 *                       probability is <= 1 - top_p (the largest min_keep stay)
 *   typical_p           sort by |-log p - entropy| ascending, keep the first
 *                       tokens up to and including the one where the
 *                       cumulative probability reaches typical_p
 * computed here in double. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gpt/gpt_sample.h"

void gpt_repetition_penalty(float *scores, int n, const int *prev, int n_prev, double penalty,
                            unsigned char *seen)
{
    if (penalty == 1.0)
        return;
    for (int i = 0; i < n_prev; i++)
        if (prev[i] >= 0 && prev[i] < n)
            seen[prev[i]] = 0;
    for (int i = 0; i < n_prev; i++) {
        int t = prev[i];
        if (t < 0 || t >= n || seen[t])
            continue;
        seen[t] = 1;
        scores[t] = scores[t] < 0 ? (float)(scores[t] * penalty) : (float)(scores[t] / penalty);
    }
}

int gpt_argmax(const float *v, int n)
{
    int b = 0;
    for (int i = 1; i < n; i++)
        if (v[i] > v[b])
            b = i;
    return b;
}

void gpt_log_softmax(const float *v, int n, double *out)
{
    double mx = -INFINITY, s = 0;
    for (int i = 0; i < n; i++)
        mx = v[i] > mx ? v[i] : mx;
    for (int i = 0; i < n; i++)
        s += exp((double)v[i] - mx);
    double lse = mx + log(s);
    for (int i = 0; i < n; i++)
        out[i] = (double)v[i] - lse;
}


/* ascending key, ties by index: a total order, so the sort is deterministic */
static int by_key(const void *a, const void *b, void *arg)
{
    const double *key = arg;
    int i = *(const int *)a, j = *(const int *)b;
    if (key[i] != key[j])
        return key[i] < key[j] ? -1 : 1;
    return (i > j) - (i < j);
}

static void sort_by(int *idx, int n, const double *key)
{
    for (int i = 0; i < n; i++)
        idx[i] = i;
    qsort_r(idx, (size_t)n, sizeof *idx, by_key, (void *)key);
}

/* The tokens of list[0, m) (ascending indices; NULL: every token 0..m-1)
 * whose key is above -inf, sorted as sort_by sorts them; returns their
 * number.  They are the last ones of sort_by's order over all tokens (every
 * other key is -inf, the smallest), so after top_k a vocabulary of 152 k
 * sorts k entries, not all. */
static int sort_kept_by(int *idx, const int *list, int m, const double *key)
{
    int k = 0;
    for (int j = 0; j < m; j++) {
        int i = list ? list[j] : j;
        if (key[i] > -INFINITY)
            idx[k++] = i;
    }
    qsort_r(idx, (size_t)k, sizeof *idx, by_key, (void *)key);
    return k;
}

/* The k-th largest of v[0, n) (1 <= k <= n, counting equal values apart):
 * one pass keeping the k largest so far in a min-heap (heap, k floats), most
 * values compared with its root only. */
static float kth_largest(const float *v, int n, int k, float *heap)
{
    for (int i = 0; i < n; i++) {
        float x = v[i];
        int at;
        if (i < k) { /* fill: sift up */
            at = i;
            while (at > 0 && heap[(at - 1) / 2] > x) {
                heap[at] = heap[(at - 1) / 2];
                at = (at - 1) / 2;
            }
            heap[at] = x;
            continue;
        }
        if (!(x > heap[0]))
            continue;
        at = 0; /* replace the root: sift down */
        for (;;) {
            int c = 2 * at + 1;
            if (c >= k)
                break;
            if (c + 1 < k && heap[c + 1] < heap[c])
                c++;
            if (!(heap[c] < x))
                break;
            heap[at] = heap[c];
            at = c;
        }
        heap[at] = x;
    }
    return heap[0];
}

/* softmax of x into p (n) over the finite entries of list[0, m) (ascending
 * indices; NULL: every token 0..m-1, m = n).  With a list, every other
 * token's x must be -inf: it adds exactly 0 to the sums, which are therefore
 * those over all n, and its p is set to 0. */
static void softmax(const double *x, const int *list, int m, double *p, int n)
{
    if (list)
        memset(p, 0, (size_t)n * sizeof *p);
    double mx = -INFINITY, s = 0;
    for (int j = 0; j < m; j++) {
        int i = list ? list[j] : j;
        mx = x[i] > mx ? x[i] : mx;
    }
    for (int j = 0; j < m; j++) {
        int i = list ? list[j] : j;
        s += p[i] = isfinite(x[i]) ? exp(x[i] - mx) : 0;
    }
    for (int j = 0; j < m; j++)
        p[list ? list[j] : j] /= s;
}

int gpt_distribution(const float *scores, int n, const gpt_warp *w, double *p, int *idx,
                     double *x)
{
    int keep = w->min_keep > 1 ? w->min_keep : 1;
    double T = w->temperature > 0 ? w->temperature : 1.0;
    for (int i = 0; i < n; i++)
        x[i] = (double)scores[i] / T;
    /* after top_k, the tokens left (ascending, x above -inf) in list: the
     * later passes walk them instead of the whole vocabulary */
    int *list = NULL, m = n;
    if (w->top_k > 0 && w->top_k < n) {
        /* TopKLogitsWarper: min(max(top_k, min_tokens_to_keep), vocabulary) */
        int k = w->top_k > keep ? w->top_k : keep;
        k = k < n ? k : n;
        /* x is scores / T, which keeps their order: its k-th largest is the
         * scores' k-th largest over T (p is scratch until the softmax) */
        double kth = (double)kth_largest(scores, n, k, (float *)p) / T;
        list = malloc((size_t)n * sizeof *list);
        m = 0;
        for (int i = 0; i < n; i++) {
            if (x[i] < kth)
                x[i] = -INFINITY;
            else if (list && x[i] > -INFINITY)
                list[m++] = i;
        }
        if (!list || m == 0) { /* no list: every pass over all tokens */
            free(list);
            list = NULL;
            m = n;
        }
    }
    if (w->top_p < 1.0) {
        softmax(x, list, m, p, n); /* m = n without a list */
        /* ascending; the tokens already dropped (-inf, probability 0) come
         * first and add 0 to the sum, so only the kept ones are walked:
         * rank r of the whole order is kept[r - (n - kept)] */
        int kept = sort_kept_by(idx, list, m, x); /* m = n without a list */
        double cum = 0;
        for (int r = 0; r < kept - keep; r++) {
            cum += p[idx[r]];
            if (cum <= 1.0 - w->top_p)
                x[idx[r]] = -INFINITY;
        }
    }
    if (w->typical_p < 1.0) {
        softmax(x, NULL, n, p, n);
        double ent = 0;
        for (int i = 0; i < n; i++)
            if (p[i] > 0)
                ent -= p[i] * log(p[i]);
        double *shift = malloc((size_t)n * sizeof *shift);
        if (shift) {
            for (int i = 0; i < n; i++)
                shift[i] = p[i] > 0 ? fabs(-log(p[i]) - ent) : INFINITY;
            sort_by(idx, n, shift);
            double cum = 0;
            int last = 0;
            for (int r = 0; r < n; r++) {
                cum += p[idx[r]];
                last += cum < w->typical_p;
            }
            if (last > n - 1)
                last = n - 1;
            double cut = shift[idx[last]];
            for (int r = keep; r < n; r++)
                if (shift[idx[r]] > cut)
                    x[idx[r]] = -INFINITY;
            free(shift);
        }
    }
    int kept = 0;
    softmax(x, list, m, p, n); /* the filters after top_k only drop tokens */
    for (int j = 0; j < m; j++)
        kept += p[list ? list[j] : j] > 0;
    free(list);
    return kept;
}

int gpt_draw(const double *p, int n, gsl_rng *r)
{
    double u = gsl_rng_uniform(r), cum = 0;
    int last = 0;
    for (int i = 0; i < n; i++) {
        if (p[i] <= 0)
            continue;
        last = i;
        cum += p[i];
        if (u < cum)
            return i;
    }
    return last; /* u beyond the rounded total */
}

unsigned long gpt_stream_seed(uint64_t seed, int i)
{
    uint64_t z = seed + 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return (unsigned long)((z ^ (z >> 31)) & 0xffffffffu);
}
