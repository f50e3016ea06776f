/* What the rules of the application and node profiles (docs/profiles.md)
 * cause: creates the bridge refused or gave up, aborted tasks nobody
 * resubmitted, results that came after the user had given up, node time
 * spent on tasks that were cancelled, model downloads inside tasks, and
 * how the queue's order (fee / cap) compares with the work a task really
 * is.  Counting during the run is O(1) per event; the rest is read from
 * the requests at the end. */
#include "run/sim_internal.h"
#include "results/res.h"

#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

void effects_init(sim *m)
{
    const scn *s = m->s;
    sim_effects *fx = &m->fx;
    uint32_t kinds = 0;
    for (uint32_t a = 0; a < s->n_apps; a++)
        kinds += s->apps[a].n_kinds;
    fx->client_base = calloc(s->n_apps + 1, sizeof *fx->client_base);
    for (uint32_t a = 0; a < s->n_apps; a++)
        fx->client_base[a + 1] = fx->client_base[a] + (s->apps[a].rate_interval_s ? s->apps[a].clients : 0);
    fx->client_tat = calloc(fx->client_base[s->n_apps] + 1, sizeof *fx->client_tat);
    fx->rate_refused = calloc(s->n_apps, sizeof *fx->rate_refused);
    fx->abandoned = calloc(s->n_apps, sizeof *fx->abandoned);
    fx->kind_work_s = calloc(kinds + 1, sizeof *fx->kind_work_s);
    fx->kind_works = calloc(kinds + 1, sizeof *fx->kind_works);
}

void effects_free(sim *m)
{
    sim_effects *fx = &m->fx;
    free(fx->client_tat);
    free(fx->client_base);
    free(fx->rate_refused);
    free(fx->abandoned);
    free(fx->kind_work_s);
    free(fx->kind_works);
    memset(fx, 0, sizeof *fx);
}

bool effects_rate_allows(sim *m, uint32_t app)
{
    const scn_app *a = &m->s->apps[app];
    if (!a->rate_interval_s || !a->clients)
        return true; /* no limit, or a fresh client id per task */
    uint32_t client = a->clients > 1 ? (uint32_t)gsl_rng_uniform_int(m->r_beh, a->clients) : 0;
    if (agt_rate_allow(&m->fx.client_tat[m->fx.client_base[app] + client], eng_now(m->e),
                       (eng_time)a->rate_interval_s * ENG_US_PER_S, a->rate_burst))
        return true;
    m->fx.rate_refused[app]++;
    return false;
}

static double cnx(wei_t w) { return (double)(w / 1000000000000ull) / 1e6; }

/* Node seconds a started request held its nodes on chain. */
static double held_s(const sim_req *r)
{
    double t = 0;
    for (int j = 0; j < 3; j++) {
        eng_time end = r->freed[j] >= 0 ? r->freed[j] : r->finished;
        if (r->nodes[j] != UINT32_MAX && r->started >= 0 && end > r->started)
            t += (double)(end - r->started) / 1e6;
    }
    return t;
}

static bool in_time(const scn_app *a, const sim_req *r)
{
    return r->outcome == OUT_SUCCESS && r->uploaded >= 0 && !(r->flags & RF_ABANDONED) &&
           (!a->give_up_s || r->uploaded - r->created <= (eng_time)a->give_up_s * ENG_US_PER_S);
}

/* What one application got. */
typedef struct app_tally {
    uint64_t created, in_time, aborted, rejected, late, late_ok;
} app_tally;

static app_tally tally_app(const sim *m, uint32_t a)
{
    const scn_app *app = &m->s->apps[a];
    app_tally t = {0};
    for (uint64_t i = 0; i < m->n_req; i++) {
        const sim_req *r = &m->req[i];
        if (r->app != a)
            continue;
        t.created++;
        if (in_time(app, r)) {
            t.in_time++;
        } else if (r->outcome == OUT_ABORTED && !(r->flags & RF_ABANDONED)) {
            t.aborted++;
        } else if (r->outcome == OUT_REJECTED && !(r->flags & RF_ABANDONED)) {
            t.rejected++; /* the create reverted: the bridge marks the task aborted */
        } else if (r->outcome != OUT_OPEN && !(r->flags & RF_ABANDONED)) {
            t.late++;
            t.late_ok += r->outcome == OUT_SUCCESS;
        }
    }
    return t;
}

/* Per task kind, tasks created after warm-up that started: the queue's
 * value (fee / cap), the fee, the node seconds of work, the waits. */
typedef struct kind_tally {
    double value_cnx, fee_cnx, work_s, wait_median_s, wait_p95_s;
} kind_tally;

static kind_tally tally_kind(const sim *m, uint32_t a, uint32_t k, double *w)
{
    eng_time warm = (eng_time)m->s->warmup_s * ENG_US_PER_S;
    kind_tally t = {0};
    size_t n = 0;
    for (uint64_t i = 0; i < m->n_req; i++) {
        const sim_req *r = &m->req[i];
        if (r->app != a || r->kind != k || r->created < warm || r->started < 0)
            continue;
        w[n++] = (double)(r->started - r->created) / 1e6;
        t.value_cnx += cnx(r->fee / (r->cap ? r->cap : 1));
        t.fee_cnx += cnx(r->fee);
    }
    uint32_t ki = m->kind_base[a] + k;
    t.work_s = m->fx.kind_works[ki] ? m->fx.kind_work_s[ki] / (double)m->fx.kind_works[ki] : 0;
    if (n) {
        t.value_cnx /= (double)n;
        t.fee_cnx /= (double)n;
        gsl_sort(w, 1, n);
        t.wait_median_s = gsl_stats_quantile_from_sorted_data(w, 1, n, 0.5);
        t.wait_p95_s = gsl_stats_quantile_from_sorted_data(w, 1, n, 0.95);
    }
    return t;
}

/* Node seconds held on chain: in all, by tasks that ended aborted, by
 * results nobody took. */
typedef struct node_tally {
    double held_s, aborted_s, unwanted_s;
} node_tally;

static node_tally tally_nodes(const sim *m)
{
    node_tally t = {0};
    for (uint64_t i = 0; i < m->n_req; i++) {
        const sim_req *r = &m->req[i];
        double h = held_s(r);
        t.held_s += h;
        if (r->outcome == OUT_ABORTED)
            t.aborted_s += h;
        else if (r->outcome == OUT_SUCCESS && !in_time(&m->s->apps[r->app], r))
            t.unwanted_s += h;
    }
    return t;
}

/* Whether only avrami's own generic agents ran (nothing to show). */
static bool all_generic(const scn *s)
{
    bool generic = s->node_profile->keep_model_loaded && !s->node_profile->preloaded && !s->args_retry;
    for (uint32_t a = 0; a < s->n_apps; a++)
        generic = generic && s->apps[a].profile->generic && !s->apps[a].front_end->give_up_s;
    return generic;
}

static double pct(double part, double whole) { return whole > 0 ? 100 * part / whole : 0.0; }

void effects_summary(const sim *m, FILE *out)
{
    const scn *s = m->s;
    if (all_generic(s))
        return;
    fprintf(out, "what the applications got (the bridge's and front end's rules):\n");
    for (uint32_t a = 0; a < s->n_apps; a++) {
        app_tally t = tally_app(m, a);
        char rej[64] = "";
        if (t.rejected) /* only where creates revert (no queue), so other summaries read as before */
            snprintf(rej, sizeof rej, ", %llu rejected by the chain", (unsigned long long)t.rejected);
        fprintf(out, "  %-10s %llu asked, %llu refused by the rate limit, %llu created; results in time %llu; "
                     "lost: %llu creates given up unconfirmed, %llu aborted%s%s, %llu given up by the user "
                     "(%llu of them succeeded on chain later)\n",
                s->apps[a].name, (unsigned long long)(t.created + m->fx.rate_refused[a]),
                (unsigned long long)m->fx.rate_refused[a], (unsigned long long)t.created,
                (unsigned long long)t.in_time, (unsigned long long)m->fx.abandoned[a],
                (unsigned long long)t.aborted, s->apps[a].resubmit ? " (resubmitted)" : " (not resubmitted)",
                rej, (unsigned long long)t.late, (unsigned long long)t.late_ok);
    }
    fprintf(out, m->ed->queues ? "queue order (the contracts order by fee / cap; tasks created after warm-up):\n"
                               : "tasks by kind (this edition has no queue; tasks created after warm-up):\n");
    fprintf(out, "  %-10s %-28s %12s %12s %14s %10s %10s\n", "app", "model", "CNX per cap", "work s/task",
            "CNX per work s", "wait med", "wait p95");
    double *w = malloc((m->n_req + 1) * sizeof *w);
    for (uint32_t a = 0; a < s->n_apps; a++)
        for (uint32_t k = 0; k < s->apps[a].n_kinds; k++) {
            kind_tally t = tally_kind(m, a, k, w);
            fprintf(out, "  %-10s %-28s %12.4f %12.1f %14.4f %9.1fs %9.1fs\n", s->apps[a].name,
                    s->apps[a].kinds[k].model, t.value_cnx, t.work_s, t.work_s > 0 ? t.fee_cnx / t.work_s : 0.0,
                    t.wait_median_s, t.wait_p95_s);
        }
    free(w);
    node_tally n = tally_nodes(m);
    fprintf(out, "node time held by tasks: %.1f node-h; %.1f node-h (%.1f%%) on tasks that ended aborted, "
                 "%.1f node-h (%.1f%%) on results nobody took (given up or late)\n",
            n.held_s / 3600, n.aborted_s / 3600, pct(n.aborted_s, n.held_s), n.unwanted_s / 3600,
            pct(n.unwanted_s, n.held_s));
    fprintf(out, "model downloads inside tasks: %llu, %.1f node-h\n", (unsigned long long)m->fx.downloads,
            m->fx.download_s / 3600);
    fprintf(out, "task arguments not yet on the relay: %llu node-tasks waited, %.1f node-h; %llu nodes gave up "
                 "asking\n",
            (unsigned long long)m->fx.args_waits, m->fx.args_wait_s / 3600, (unsigned long long)m->fx.args_given_up);
}

static void meta_num(res *db, const char *key, double v)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.3f", v);
    res_meta(db, key, buf);
}

void effects_write_db(const sim *m, res *db)
{
    const scn *s = m->s;
    char key[160], val[160], kkey[256];
    res_meta(db, "software.nodes", s->node_profile->name);
    for (uint32_t a = 0; a < s->n_apps; a++) {
        snprintf(key, sizeof key, "software.app.%s", s->apps[a].name);
        snprintf(val, sizeof val, "%s + %s", s->apps[a].profile->name, s->apps[a].front_end->name);
        res_meta(db, key, val);
    }
    if (all_generic(s))
        return;
    for (uint32_t a = 0; a < s->n_apps; a++) {
        app_tally t = tally_app(m, a);
        const char *name = s->apps[a].name;
        static const char *const what[] = {"rate_refused", "given_up_unconfirmed", "created", "results_in_time",
                                           "aborted", "given_up_by_user", "given_up_then_succeeded"};
        uint64_t v[] = {m->fx.rate_refused[a], m->fx.abandoned[a], t.created, t.in_time, t.aborted, t.late,
                        t.late_ok};
        for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
            snprintf(key, sizeof key, "effect.app.%s.%s", name, what[i]);
            res_meta_u64(db, key, v[i]);
        }
    }
    double *w = malloc((m->n_req + 1) * sizeof *w);
    for (uint32_t a = 0; a < s->n_apps; a++)
        for (uint32_t k = 0; k < s->apps[a].n_kinds; k++) {
            kind_tally t = tally_kind(m, a, k, w);
            static const char *const what[] = {"cnx_per_cap", "work_s_per_task", "wait_p95_s"};
            double v[] = {t.value_cnx, t.work_s, t.wait_p95_s};
            for (size_t i = 0; i < 3; i++) {
                snprintf(kkey, sizeof kkey, "effect.kind.%s.%u.%s.%s", s->apps[a].name, k,
                         s->apps[a].kinds[k].model, what[i]);
                meta_num(db, kkey, v[i]);
            }
        }
    free(w);
    node_tally n = tally_nodes(m);
    meta_num(db, "effect.node_h.held", n.held_s / 3600);
    meta_num(db, "effect.node_h.aborted_tasks", n.aborted_s / 3600);
    meta_num(db, "effect.node_h.results_nobody_took", n.unwanted_s / 3600);
    meta_num(db, "effect.node_h.downloads_in_tasks", m->fx.download_s / 3600);
    meta_num(db, "effect.node_h.waiting_for_arguments", m->fx.args_wait_s / 3600);
    res_meta_u64(db, "effect.downloads_in_tasks", m->fx.downloads);
    res_meta_u64(db, "effect.nodes_gave_up_arguments", m->fx.args_given_up);
}
