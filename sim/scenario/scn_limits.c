/* What a scenario may ask for: money that fits in 128 bits and memory
 * within `limits.memory_gb`.
 *
 * Money.  Every token a run moves comes from the applications' balances and
 * the nodes' stakes; the simulator holds node ids in 32 bits, so no run can
 * hold more than Σ balances + 2^32 stakes.  Requiring that bound to stay
 * below 2^127 wei makes every sum of balances, escrows or supplies exact
 * (each is at most the supply) with a factor of two to spare.
 *
 * Memory.  A run keeps one record per task request (with resubmissions the
 * simulator reserves up to three per expected arrival) and one per node
 * that ever joined; measured on this code (`/usr/bin/time -v` on scenarios
 * with 3.7 M requests and with 2 M nodes) a request costs about 270 bytes
 * and a node about 200 bytes in all the simulator's and the contracts'
 * arrays.  The estimate below uses 300 and 200 bytes. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "scenario/scn.h"
#include "scenario/scn_json.h"

#define BYTES_PER_TASK 300.0
#define BYTES_PER_NODE 200.0
#define NODES_MAX ((double)(1u << 31)) /* node ids and capacities are 32-bit */

static bool scn_check_money(pctx *c, const scn *s)
{
    const wei_t half = (wei_t)1 << 127, node_ids = (wei_t)1 << 32;
    wei_t total, top = s->params.stake_max > s->params.stake ? s->params.stake_max : s->params.stake;
    if (!wei_mul(top, node_ids, &total) || total >= half) {
        char b[WEI_STR_MAX];
        return scnj_fail(c, top > s->params.stake ? "$.protocol.stake_max" : "$.protocol.stake", "expected at most %s wei (2^32 nodes' stakes must stay below "
                                                "2^127 wei), got a larger stake",
                         wei_format((half - 1) / node_ids, b));
    }
    /* relay-2026: each node's delegation opens an account of its own */
    if (!wei_add(top, s->params.delegated_stake_max, &total) || !wei_mul(total, node_ids, &total) || total >= half)
        return scnj_fail(c, "$.protocol.delegated_stake_max",
                         "expected 2^32 nodes' stakes and delegations to stay below 2^127 wei, got more");
    for (uint32_t i = 0; i < s->n_apps; i++)
        if (!wei_add(total, s->apps[i].balance, &total) || total >= half) {
            char p[PATH_MAX_LEN];
            scnj_idx(p, "$.applications", (int)i);
            strncat(p, ".balance", sizeof p - strlen(p) - 1);
            return scnj_fail(c, p, "expected the balances of all applications plus 2^32 stakes to stay below "
                                   "2^127 wei, got more with this application");
        }
    return true;
}

bool scn_check_resources(const scn *s, const char *file, uint64_t duration_s, char err[SCN_ERR_MAX])
{
    double hours = (double)duration_s / 3600.0, tasks = 0, worst_app = 0;
    int worst = -1;
    for (uint32_t a = 0; a < s->n_apps; a++) {
        const scn_app *x = &s->apps[a];
        double n = x->arrival == SCN_ARR_CSV ? x->n_csv : x->rate_per_h * (1 + x->amplitude) * hours;
        n = n * 3 + 1000; /* with resubmissions, as the simulator reserves */
        tasks += n;
        if (n > worst_app)
            worst_app = n, worst = (int)a;
    }
    double base = s->nodes, joins = s->join_rate_per_h * hours * 2 + 16;
    for (uint32_t b = 0; b < s->n_behaviours; b++)
        base += s->behaviours[b].nodes;
    double nodes = base + joins;
    double gb = (tasks * BYTES_PER_TASK + nodes * BYTES_PER_NODE) / 1e9;
    char path[PATH_MAX_LEN] = "$.network.nodes";
    double biggest = base * BYTES_PER_NODE;
    if (joins * BYTES_PER_NODE > biggest)
        snprintf(path, sizeof path, "$.network.churn.join_rate_per_h"), biggest = joins * BYTES_PER_NODE;
    if (worst >= 0 && worst_app * BYTES_PER_TASK > biggest) {
        scnj_idx(path, "$.applications", worst);
        strncat(path, s->apps[worst].arrival == SCN_ARR_CSV ? ".arrival.file" : ".arrival.rate_per_h",
                sizeof path - strlen(path) - 1);
    }
    if (nodes >= NODES_MAX) {
        snprintf(err, SCN_ERR_MAX, "%s: %s: expected fewer than 2^31 nodes over the run, got about %.3g in %llu s",
                 file, path, nodes, (unsigned long long)duration_s);
        return false;
    }
    if (!(gb <= s->memory_gb)) {
        snprintf(err, SCN_ERR_MAX,
                 "%s: %s: expected a run that fits in $.limits.memory_gb = %g GB, got an estimated %.3g GB over "
                 "%llu s (%.3g task records x %.0f B, %.3g nodes x %.0f B); raise $.limits.memory_gb to allow it",
                 file, path, s->memory_gb, gb, (unsigned long long)duration_s, tasks, BYTES_PER_TASK, nodes,
                 BYTES_PER_NODE);
        return false;
    }
    return true;
}

bool scn_parse_limits(pctx *c, const cJSON *root, scn *s)
{
    static const char *const keys[] = {"memory_gb", NULL};
    const cJSON *o;
    char p[PATH_MAX_LEN];
    if (!scnj_obj(c, root, "$", "limits", keys, &o, p))
        return false;
    if (!scnj_num(c, o ? o : &SCNJ_EMPTY, "$.limits", "memory_gb", 0.001, 1e6, 4, &s->memory_gb) ||
        !scn_check_money(c, s))
        return false;
    return scn_check_resources(s, c->file, s->duration_s, c->err);
}
