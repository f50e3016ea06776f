/* What a run leaves behind: the results database and the summary. */
#include "run/sim_internal.h"

#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "protocol/relay/relay_edition.h"
#include "results/res.h"

static const char *const OUTCOME[] = {"open", "success", "aborted", "rejected"};
static const char *const LEFT_WHY[] = {NULL, "quit", "vanished", "kicked out", "slashed", "join reverted"};

static const char *req_reason(const sim *m, const sim_req *r)
{
    if (r->outcome == OUT_ABORTED)
        return proto_abort_reason_str((proto_abort_reason)r->reason);
    if (r->outcome == OUT_REJECTED)
        return m->reasons[r->reason].text;
    return NULL;
}

static void invariant_rows(sim *m, res *db)
{
    char d[64];
    snprintf(d, sizeof d, "%llu violations", (unsigned long long)m->inv_supply);
    res_invariant(db, RES_INVARIANTS[RES_INV_SUPPLY], !m->inv_supply, m->inv_supply ? m->inv_detail : NULL);
    res_invariant(db, RES_INVARIANTS[RES_INV_ESCROW], !m->inv_escrow, m->inv_escrow ? m->inv_detail : NULL);
    res_invariant(db, RES_INVARIANTS[RES_INV_TWO_TASKS], !m->inv_two_tasks, m->inv_two_tasks ? m->inv_detail : NULL);
    res_invariant(db, RES_INVARIANTS[RES_INV_QUEUE], !m->inv_queue, NULL);
    res_invariant(db, RES_INVARIANTS[RES_INV_ACCOUNTS], !m->inv_accounts, m->inv_accounts ? m->inv_detail : NULL);
    snprintf(d, sizeof d, "%llu tasks with two terminal events", (unsigned long long)m->inv_terminal);
    res_invariant(db, RES_INVARIANTS[RES_INV_TERMINAL], !m->inv_terminal, m->inv_terminal ? d : NULL);
    res_invariant(db, RES_INVARIANTS[RES_INV_SERIES], !m->inv_series, m->inv_series ? m->inv_detail : NULL);
}

/* The summary as `avrami run` prints it, for `avrami report`: everything but
 * the wall-clock line, so that the database stays the same bytes for the
 * same scenario and seed. */
static void summary_row(const sim *m, res *db)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return;
    sim_summary(m, f);
    if (fclose(f) != 0 || !text) {
        free(text);
        return;
    }
    char *wall = strstr(text, "\n  wall ");
    if (wall) {
        char *eol = strchr(wall + 1, '\n');
        memmove(wall, eol ? eol : wall + strlen(wall), strlen(eol ? eol : wall + strlen(wall)) + 1);
    }
    res_meta(db, "summary", text);
    free(text);
}

bool report_write_db(sim *m, const char *path)
{
    char err[256];
    res *db = res_open(path, err);
    if (!db) {
        fprintf(stderr, "avrami: %s\n", err);
        return false;
    }
    const scn *s = m->s;
    res_meta(db, "scenario", s->text);
    summary_row(m, db);
    res_meta(db, "scenario_name", s->name);
    res_meta_u64(db, "seed", m->o.seed);
    res_meta_u64(db, "replication", m->o.replication);
    res_meta_u64(db, "duration_s", (uint64_t)(m->end / ENG_US_PER_S));
    res_meta_u64(db, "simulated_until_us", (uint64_t)eng_now(m->e));
    res_meta_u64(db, "events", m->events);
    res_meta_wei(db, "total_supply_start", m->supply0);
    res_meta_wei(db, "total_supply_end", proto_total_supply(m->p));
    proto_quirk_counters q;
    proto_quirks_get(m->p, &q);
    res_meta_u64(db, "quirk_fee_too_low_tasks", q.fee_too_low_tasks);
    res_meta_wei(db, "quirk_fee_too_low_wei", q.fee_too_low_wei);
    res_meta_u64(db, "quirk_stranded_tasks", q.stranded_tasks);
    res_meta_wei(db, "quirk_stranded_wei", q.stranded_wei);
    res_meta_u64(db, "quirk_double_uploads", q.double_uploads);
    res_meta_wei(db, "quirk_double_upload_wei", q.double_upload_wei);
    res_meta_u64(db, "quirk_foreign_frees", q.foreign_frees);
    res_meta_u64(db, "quirk_panics", q.panics);
    if (proto_edition_is_relay(m->ed->id)) {
        res_meta_wei(db, "relay_kept_wei", q.relay_kept_wei);
        res_meta_wei(db, "relay_excess_wei", q.relay_excess_wei);
    }
    res_meta_u64(db, "success_then_cancelled", m->success_then_abort);
    res_meta_u64(db, "released_elsewhere", m->released_elsewhere);

    for (uint64_t i = 0; i < m->n_req; i++) {
        const sim_req *r = &m->req[i];
        const scn_task_kind *k = &s->apps[r->app].kinds[r->kind];
        res_task_row row = {
            .id = r->id, .seq = i, .app = s->apps[r->app].name,
            .type = k->type == PROTO_GPT ? "gpt" : "sd", .model = k->model, .size = r->size,
            .fee = r->fee, .cap_s = r->cap, .value = r->fee / (wei_t)r->cap,
            .created_us = r->created, .queued_us = r->queued, .started_us = r->started,
            .commits_us = r->commits, .success_us = r->success, .uploaded_us = r->uploaded,
            .finished_us = r->finished, .outcome = OUTCOME[r->outcome], .reason = req_reason(m, r),
            .resubmit_of = r->parent};
        memcpy(row.nodes, r->nodes, sizeof row.nodes);
        memcpy(row.freed_us, r->freed, sizeof row.freed_us);
        memcpy(row.commit_us, r->committed, sizeof row.commit_us);
        memcpy(row.disclose_us, r->disclosed, sizeof row.disclose_us);
        memcpy(row.paid, r->paid, sizeof row.paid);
        proto_task_view v;
        if (m->ag.req_escrow)
            row.escrow = m->ag.req_escrow(m, r);
        else if (r->id && proto_task_get(m->p, r->id, &v))
            row.escrow = v.balance;
        else if (r->id && proto_task_is_queued(m->p, r->id))
            row.escrow = r->fee;
        res_task(db, &row);
    }
    for (uint32_t i = 0; i < m->n_nodes; i++) {
        const sim_node *n = &m->nodes[i];
        proto_node_view v;
        proto_node_get(m->p, n->acc, &v);
        res_node_row row = {.id = i, .account = n->acc, .card = s->cards[n->card].name,
                            .joined_us = n->joined, .left_us = n->left, .left_why = LEFT_WHY[n->why],
                            .income = n->income, .tasks = n->tasks, .slashed = n->slashed,
                            .final_qos = v.task_score,
                            .final_status = n->st == NS_VANISHED ? "vanished" : proto_node_status_str(v.status)};
        res_node(db, &row);
    }
    for (uint32_t i = 0; i < m->n_series; i++) {
        const struct sample *x = &m->series[i];
        res_series_row row = {i, x->queue, x->available, x->busy, x->paused, x->online,
                              x->created, x->started, x->finished, x->kickouts, x->slashes};
        res_series(db, &row);
    }
    actors_write_db(m, db);
    effects_write_db(m, db);
    invariant_rows(m, db);
    for (uint32_t i = 0; i < m->n_reasons; i++)
        res_revert(db, m->reasons[i].tx, m->reasons[i].text, m->reasons[i].count);
    return res_close(db, !m->interrupted);
}

/* ---- summary ---- */

static double cnx(wei_t w)
{
    /* display only: whole gwei first so the double keeps its precision */
    return (double)(w / 1000000000u) / 1e9;
}

static const sim *sort_ctx;
static int by_value(const void *a, const void *b)
{
    const sim_req *x = &sort_ctx->req[*(const uint64_t *)a], *y = &sort_ctx->req[*(const uint64_t *)b];
    wei_t vx = x->fee / x->cap, vy = y->fee / y->cap;
    if (vx != vy)
        return vx < vy ? -1 : 1;
    return *(const uint64_t *)a < *(const uint64_t *)b ? -1 : 1;
}

static void wait_line(FILE *out, const char *label, double *w, size_t n)
{
    if (!n) {
        fprintf(out, "  %-28s n=0\n", label);
        return;
    }
    gsl_sort(w, 1, n);
    fprintf(out, "  %-28s median %8.1f s   p95 %8.1f s   n=%zu\n", label,
            gsl_stats_quantile_from_sorted_data(w, 1, n, 0.5),
            gsl_stats_quantile_from_sorted_data(w, 1, n, 0.95), n);
}

void sim_get_card_income(const sim *m, uint32_t card, sim_card_income *out)
{
    *out = (sim_card_income){0};
    for (uint32_t i = 0; i < m->n_nodes; i++) {
        const sim_node *x = &m->nodes[i];
        if (x->card != card || x->joined < 0)
            continue;
        out->nodes++;
        eng_time end = x->left >= 0 ? x->left : eng_now(m->e);
        out->online_h += (double)(end - x->joined) / 3.6e9;
        wei_accumulate(&out->income, x->income, "a card's income");
    }
}

void sim_summary(const sim *m, FILE *out)
{
    const scn *s = m->s;
    eng_time warm = (eng_time)s->warmup_s * ENG_US_PER_S;
    double hours = (double)eng_now(m->e) / 3.6e9;
    fprintf(out, "avrami run: %s  seed %llu  replication %u  %.2f simulated h%s\n", s->name,
            (unsigned long long)m->o.seed, m->o.replication, hours,
            m->interrupted ? "  (INTERRUPTED: incomplete)" : "");
    fprintf(out, "  wall %.2f s, %llu events, %.2f M events/s\n", m->wall_s,
            (unsigned long long)m->events, m->wall_s > 0 ? m->events / m->wall_s / 1e6 : 0.0);
    fprintf(out, "software (docs/profiles.md): nodes %s", s->node_profile->name);
    for (uint32_t a = 0; a < s->n_apps; a++)
        fprintf(out, "; %s %s%s%s", s->apps[a].name, s->apps[a].profile->name,
                s->apps[a].front_end->give_up_s || s->apps[a].front_end->gpt_max_new_tokens ? " + " : "",
                s->apps[a].front_end->give_up_s || s->apps[a].front_end->gpt_max_new_tokens
                    ? s->apps[a].front_end->name : "");
    fputc('\n', out);
    /* the default edition is not named, so Helium summaries read as before */
    if (m->ed->id != PROTO_HELIUM)
        fprintf(out, "protocol edition: %s (%s): %s\n", m->ed->name, m->ed->source, m->ed->summary);

    uint64_t cnt[4] = {0}, by_reason[8] = {0}, after = 0;
    for (uint64_t i = 0; i < m->n_req; i++) {
        cnt[m->req[i].outcome]++;
        if (m->req[i].outcome == OUT_ABORTED && m->req[i].reason < 8)
            by_reason[m->req[i].reason]++;
        after += m->req[i].created >= warm;
    }
    fprintf(out, "tasks: %llu submitted (%llu after the %llu s warm-up), %llu succeeded, %llu aborted, "
                 "%llu rejected, %llu still open; %llu were resubmissions\n",
            (unsigned long long)m->n_req, (unsigned long long)after, (unsigned long long)s->warmup_s,
            (unsigned long long)cnt[OUT_SUCCESS], (unsigned long long)cnt[OUT_ABORTED],
            (unsigned long long)cnt[OUT_REJECTED], (unsigned long long)cnt[OUT_OPEN],
            (unsigned long long)m->resubmits);
    for (int k = 0; k < 4; k++)
        if (by_reason[k])
            fprintf(out, "  aborted: %-24s %llu\n", proto_abort_reason_str((proto_abort_reason)k),
                    (unsigned long long)by_reason[k]);
    if (m->success_then_abort)
        fprintf(out, "  succeeded, then cancelled before the upload: %llu\n",
                (unsigned long long)m->success_then_abort);

    /* queue wait: tasks created after warm-up that started */
    uint64_t *ix = malloc((m->n_req + 1) * sizeof *ix);
    double *w = malloc((m->n_req + 1) * sizeof *w);
    size_t n = 0;
    for (uint64_t i = 0; i < m->n_req; i++)
        if (m->req[i].created >= warm && m->req[i].started >= 0)
            ix[n++] = i;
    fprintf(out, "queue wait (chain creation to start, tasks created after warm-up):\n");
    for (size_t i = 0; i < n; i++)
        w[i] = (double)(m->req[ix[i]].started - m->req[ix[i]].created) / 1e6;
    wait_line(out, "all", w, n);
    sort_ctx = m;
    qsort(ix, n, sizeof *ix, by_value);
    static const char *const Q[] = {"value quartile 1 (cheapest)", "value quartile 2",
                                    "value quartile 3", "value quartile 4 (dearest)"};
    for (int q = 0; q < 4; q++) {
        size_t a = n * q / 4, b = n * (q + 1) / 4;
        for (size_t i = a; i < b; i++)
            w[i - a] = (double)(m->req[ix[i]].started - m->req[ix[i]].created) / 1e6;
        wait_line(out, Q[q], w, b - a);
    }
    free(ix);
    free(w);

    fprintf(out, "node income by card (CNX per online hour):\n");
    for (uint32_t c = 0; c < s->n_cards; c++) {
        sim_card_income ci;
        sim_get_card_income(m, c, &ci);
        if (ci.nodes)
            fprintf(out, "  %-28s %5u nodes %9.1f h  %10.4f CNX/h\n", s->cards[c].name, ci.nodes,
                    ci.online_h, ci.online_h > 0 ? cnx(ci.income) / ci.online_h : 0.0);
    }
    sim_stake_summary(m, out);
    uint32_t why[6] = {0};
    for (uint32_t i = 0; i < m->n_nodes; i++)
        why[m->nodes[i].why]++;
    fprintf(out, "nodes: %u in all; left: %u quit, %u vanished, %u kicked out, %u slashed, %u join reverted\n",
            m->n_nodes, why[LW_QUIT], why[LW_VANISHED], why[LW_KICKED], why[LW_SLASHED], why[LW_JOIN_FAILED]);
    fprintf(out, "slashes: %llu in tasks, %llu nodes lost their stake; kick-outs: %llu (%llu of them "
                 "nodes that had vanished)\n",
            (unsigned long long)m->slashes, (unsigned long long)m->node_slashed,
            (unsigned long long)m->kickouts, (unsigned long long)m->kicked_vanished);
    double busy = 0, online = 0, queue = 0;
    uint32_t from = (uint32_t)(s->warmup_s / 60);
    for (uint32_t i = from; i < m->n_series; i++) {
        busy += m->series[i].busy;
        online += m->series[i].online;
        queue += m->series[i].queue;
    }
    uint32_t ns = m->n_series > from ? m->n_series - from : 0;
    /* busy <= online in every series row (sim.c, sample), so this is at most 100 % */
    fprintf(out, "utilization after warm-up: %.1f%% of online nodes busy; mean queue %.2f tasks\n",
            online > 0 ? 100 * busy / online : 0.0, ns ? queue / ns : 0.0);
    actors_summary(m, out);
    effects_summary(m, out);
    proto_quirk_counters q;
    proto_quirks_get(m->p, &q);
    fprintf(out, "contract quirks: %llu tasks dropped as too cheap (%.4f CNX kept), %llu stranded (%.4f CNX), "
                 "%llu double pays (%.4f CNX), %llu foreign frees, %llu panics\n",
            (unsigned long long)q.fee_too_low_tasks, cnx(q.fee_too_low_wei),
            (unsigned long long)q.stranded_tasks, cnx(q.stranded_wei),
            (unsigned long long)q.double_uploads, cnx(q.double_upload_wei),
            (unsigned long long)q.foreign_frees, (unsigned long long)q.panics);
    if (proto_relay(m->p)) { /* the Relay's own figures (relay_net counters) */
        rn_counters c;
        relay_net_counters(proto_relay(m->p), &c);
        char ex[WEI_STR_MAX];
        fprintf(out, "the Relay: %llu tasks started, %llu ended invalidated (%llu slashes, %llu reviews under "
                     "passive slashing), %llu group refunds, %llu kick-outs, %llu health exclusions; "
                     "fees it kept %.4f CNX, group payments above the fee %s wei\n",
                (unsigned long long)c.started, (unsigned long long)c.invalidated, (unsigned long long)c.slashes,
                (unsigned long long)c.slash_reviews, (unsigned long long)c.refunded,
                (unsigned long long)c.kickouts, (unsigned long long)c.health_exclusions, cnx(c.kept_fees),
                wei_format(c.group_excess, ex));
        if (relay_net_params(proto_relay(m->p))->calib_alpha > 0)
            fprintf(out, "  execution-time calibration: %llu samples; timeouts at start from the initial "
                         "coefficients %llu, the node's own GPU record %llu, another GPU's or model's record %llu\n",
                    (unsigned long long)c.calib_samples, (unsigned long long)c.timeouts_initial,
                    (unsigned long long)c.timeouts_own, (unsigned long long)c.timeouts_other);
        if (relay_net_params(proto_relay(m->p))->app_validation_timeout_s)
            fprintf(out, "  aborted after their execution: %llu not validated in time (their nodes paid), "
                         "%llu not uploaded in time\n",
                    (unsigned long long)c.validation_timeouts, (unsigned long long)c.upload_timeouts);
    }
    if (m->released_elsewhere)
        fprintf(out, "  nodes released from a task they were still selected in (settling or cancelling "
                     "another task): %llu\n", (unsigned long long)m->released_elsewhere);
    uint64_t tx = 0, rev = 0;
    for (int k = 0; k < TX_KINDS; k++) {
        tx += m->tx_count[k];
        rev += m->tx_reverted[k];
    }
    fprintf(out, "transactions: %llu, %llu reverted\n", (unsigned long long)tx, (unsigned long long)rev);
    for (uint32_t i = 0; i < m->n_reasons; i++)
        fprintf(out, "  reverted %-16s %-44s %llu\n", m->reasons[i].tx, m->reasons[i].text,
                (unsigned long long)m->reasons[i].count);
    if (m->capacity_drops || m->joins_refused)
        fprintf(out, "capacity: %llu tasks and %llu joins dropped (simulator reserve exhausted)\n",
                (unsigned long long)m->capacity_drops, (unsigned long long)m->joins_refused);
    bool ok = !m->inv_supply && !m->inv_escrow && !m->inv_two_tasks && !m->inv_queue && !m->inv_terminal &&
              !m->inv_accounts && !m->inv_series;
    fprintf(out, "invariants: %s", ok ? "all held" : "VIOLATED");
    if (!ok)
        fprintf(out, " (supply %llu, escrow %llu, node in two tasks %llu, queue %llu, terminal %llu, "
                     "accounts %llu, series %llu): %s",
                (unsigned long long)m->inv_supply, (unsigned long long)m->inv_escrow,
                (unsigned long long)m->inv_two_tasks, (unsigned long long)m->inv_queue,
                (unsigned long long)m->inv_terminal, (unsigned long long)m->inv_accounts,
                (unsigned long long)m->inv_series, m->inv_detail);
    fputc('\n', out);
}

/* Gini = sum_i (2i - n - 1) x_(i) / (n sum x) over the sorted incomes
 * (i from 1), and the top ceil(n/10) identities' share; 0 without income.
 * Statistics only: the amounts are exact wei elsewhere. */
static void income_concentration(double *v, size_t n, double *gini, double *top10)
{
    *gini = *top10 = 0;
    if (!v || n == 0)
        return;
    gsl_sort(v, 1, n);
    double sum = 0, weighted = 0, top = 0;
    size_t ntop = (n + 9) / 10;
    for (size_t i = 0; i < n; i++) {
        sum += v[i];
        weighted += (2.0 * (double)(i + 1) - (double)n - 1.0) * v[i];
        if (i >= n - ntop)
            top += v[i];
    }
    if (sum <= 0)
        return;
    *gini = weighted / ((double)n * sum);
    *top10 = top / sum;
}

void sim_get_metrics(const sim *m, sim_metrics *x)
{
    eng_time warm = (eng_time)m->s->warmup_s * ENG_US_PER_S;
    uint64_t ok = 0, done = 0;
    double *w = malloc((m->n_req + 1) * sizeof *w);
    size_t n = 0;
    for (uint64_t i = 0; i < m->n_req; i++) {
        const sim_req *r = &m->req[i];
        if (r->created < warm)
            continue;
        done += r->outcome != OUT_OPEN;
        ok += r->outcome == OUT_SUCCESS;
        if (r->started >= 0)
            w[n++] = (double)(r->started - r->created) / 1e6;
    }
    gsl_sort(w, 1, n);
    x->success_share = done ? (double)ok / (double)done : 0;
    x->wait_median_s = n ? gsl_stats_quantile_from_sorted_data(w, 1, n, 0.5) : 0;
    x->wait_p95_s = n ? gsl_stats_quantile_from_sorted_data(w, 1, n, 0.95) : 0;
    free(w);
    double busy = 0, online = 0;
    for (uint32_t i = (uint32_t)(m->s->warmup_s / 60); i < m->n_series; i++) {
        busy += m->series[i].busy;
        online += m->series[i].online;
    }
    x->utilization = online > 0 ? busy / online : 0;
    double hours = 0;
    wei_t income = 0;
    double *inc = malloc((m->n_nodes + 1) * sizeof *inc);
    size_t k = 0;
    for (uint32_t i = 0; i < m->n_nodes; i++) {
        const sim_node *d = &m->nodes[i];
        if (d->joined < 0)
            continue;
        hours += (double)((d->left >= 0 ? d->left : eng_now(m->e)) - d->joined) / 3.6e9;
        wei_accumulate(&income, d->income, "the nodes' income");
        if (inc)
            inc[k++] = cnx(d->income);
    }
    x->income_cnx_per_node_h = hours > 0 ? cnx(income) / hours : 0;
    income_concentration(inc, k, &x->income_gini, &x->income_top10_share);
    free(inc);
}
