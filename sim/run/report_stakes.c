/* The summary's lines on stakes that differ (protocol.stake_max, the Relay
 * editions; relay-2026's delegations): how the drawn stakes spread, and the
 * income of each quartile of the stake that scores (own stake plus
 * delegation), so whether stake-weighted selection (relay-2025-07,
 * relay-2026: S = sqrt(stake / max stake)) concentrates income shows beside
 * the same nodes under relay-2025-03, which ignores stake; and what the
 * delegators got.  Sums in wei, exact; CNX only on display. */
#include "run/sim_internal.h"

#include <stdlib.h>

#include <gsl/gsl_statistics_double.h>

static double cnx(wei_t w) { return (double)(w / 1000000000u) / 1e9; } /* display only */

static const sim *stake_ctx;
/* the stake that scores: own stake + delegation (< 2^127: scn_limits) */
static wei_t scoring(const sim *m, uint32_t i) { return m->nodes[i].stake + relay_node_delegation(m, i); }

static int by_stake(const void *a, const void *b)
{
    uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
    wei_t x = scoring(stake_ctx, i), y = scoring(stake_ctx, j);
    return x < y ? -1 : x > y ? 1 : (i > j) - (i < j);
}

void sim_stake_summary(const sim *m, FILE *out)
{
    const proto_params *pp = &m->s->params;
    uint32_t n = m->n_nodes;
    if ((pp->stake_max <= pp->stake && !pp->delegated_stake_max) || n < 4)
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
        xs[i] = cnx(scoring(m, i));
        ys[i] = cnx(m->nodes[i].income);
        if (!wei_add(total, m->nodes[i].income, &total)) {
            fprintf(stderr, "avrami: node income overflows 128 bits\n");
            exit(2);
        }
    }
    stake_ctx = m;
    qsort(ix, n, sizeof *ix, by_stake);
    const char *what = pp->delegated_stake_max ? "stakes + delegations" : "stakes (drawn between protocol.stake and stake_max)";
    fprintf(out, "%s: %u nodes, min %.0f, median %.0f, max %.0f CNX; income-stake correlation (Pearson) %.3f\n", what,
            n, cnx(scoring(m, ix[0])), cnx(scoring(m, ix[n / 2])), cnx(scoring(m, ix[n - 1])),
            gsl_stats_correlation(xs, 1, ys, 1, n));
    if (pp->delegated_stake_max) {
        wei_t delegated = 0, got = 0;
        uint32_t nd = 0;
        for (uint32_t i = 0; i < n; i++) {
            wei_t d = relay_node_delegation(m, i);
            nd += d != 0;
            if (!wei_add(delegated, d, &delegated) || !wei_add(got, relay_delegator_income(m, i), &got)) {
                fprintf(stderr, "avrami: delegations overflow 128 bits\n");
                exit(2);
            }
        }
        fprintf(out, "delegations: %u nodes delegated to, %.0f CNX in all; delegator share %u%%; delegators' income "
                     "%.4f CNX, operators' %.4f CNX\n",
                nd, cnx(delegated), pp->delegator_share, cnx(got), cnx(total));
    }
    fprintf(out, "node income by stake quartile:\n");
    for (uint32_t q = 0; q < 4; q++) {
        uint32_t lo = q * n / 4, hi = (q + 1) * n / 4;
        wei_t sum = 0;
        for (uint32_t k = lo; k < hi; k++)
            sum += m->nodes[ix[k]].income; /* <= total: no overflow */
        fprintf(out, "  Q%u  stake %6.0f-%6.0f CNX  %5u nodes  income %12.4f CNX (%5.1f%%)  %10.4f CNX per node\n",
                q + 1, cnx(scoring(m, ix[lo])), cnx(scoring(m, ix[hi - 1])), hi - lo, cnx(sum),
                total ? 100.0 * cnx(sum) / cnx(total) : 0.0, cnx(sum) / (hi - lo));
    }
    free(ix);
    free(xs);
    free(ys);
}
