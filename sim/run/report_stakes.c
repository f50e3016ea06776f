/* The summary's lines on stakes that differ (protocol.stake_max, the Relay
 * editions): how the drawn stakes spread, and the income of each stake
 * quartile, so whether stake-weighted selection (relay-2025-07, relay-2026:
 * S = sqrt(stake / max stake)) concentrates income shows beside the same
 * nodes under relay-2025-03, which ignores stake.  Sums in wei, exact;
 * CNX only on display. */
#include "run/sim_internal.h"

#include <stdlib.h>

#include <gsl/gsl_statistics_double.h>

static double cnx(wei_t w) { return (double)(w / 1000000000u) / 1e9; } /* display only */

static const sim *stake_ctx;
static int by_stake(const void *a, const void *b)
{
    uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
    wei_t x = stake_ctx->nodes[i].stake, y = stake_ctx->nodes[j].stake;
    return x < y ? -1 : x > y ? 1 : (i > j) - (i < j);
}

void sim_stake_summary(const sim *m, FILE *out)
{
    const proto_params *pp = &m->s->params;
    uint32_t n = m->n_nodes;
    if (pp->stake_max <= pp->stake || n < 4)
        return;
    uint32_t *ix = malloc(n * sizeof *ix);
    double *xs = malloc(n * sizeof *xs), *ys = malloc(n * sizeof *ys);
    if (!ix || !xs || !ys) {
        fprintf(stderr, "avrami: out of memory\n");
        exit(2);
    }
    wei_t total = 0;
    for (uint32_t i = 0; i < n; i++) {
        ix[i] = i;
        xs[i] = cnx(m->nodes[i].stake);
        ys[i] = cnx(m->nodes[i].income);
        if (!wei_add(total, m->nodes[i].income, &total)) {
            fprintf(stderr, "avrami: node income overflows 128 bits\n");
            exit(2);
        }
    }
    stake_ctx = m;
    qsort(ix, n, sizeof *ix, by_stake);
    fprintf(out, "stakes (drawn between protocol.stake and stake_max): %u nodes, min %.0f, median %.0f, max %.0f CNX; "
                 "income-stake correlation (Pearson) %.3f\n",
            n, cnx(m->nodes[ix[0]].stake), cnx(m->nodes[ix[n / 2]].stake), cnx(m->nodes[ix[n - 1]].stake),
            gsl_stats_correlation(xs, 1, ys, 1, n));
    fprintf(out, "node income by stake quartile:\n");
    for (uint32_t q = 0; q < 4; q++) {
        uint32_t lo = q * n / 4, hi = (q + 1) * n / 4;
        wei_t sum = 0;
        for (uint32_t k = lo; k < hi; k++)
            sum += m->nodes[ix[k]].income; /* <= total: no overflow */
        fprintf(out, "  Q%u  stake %6.0f-%6.0f CNX  %5u nodes  income %12.4f CNX (%5.1f%%)  %10.4f CNX per node\n",
                q + 1, cnx(m->nodes[ix[lo]].stake), cnx(m->nodes[ix[hi - 1]].stake), hi - lo, cnx(sum),
                total ? 100.0 * cnx(sum) / cnx(total) : 0.0, cnx(sum) / (hi - lo));
    }
    free(ix);
    free(xs);
    free(ys);
}
