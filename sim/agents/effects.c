/* What the rules of the application and node profiles (docs/profiles.md)
 * cause: creates the bridge refused or gave up, aborted tasks nobody
 * resubmitted, results that came after the user had given up, node time
 * spent on tasks that were cancelled, model downloads inside tasks, and
 * how the queue's order (fee / cap) compares with the work a task really
 * is.  Counting during the run is O(1) per event; the rest is read from
 * the requests at the end. */
#include "run/sim_internal.h"

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

static void app_lines(const sim *m, FILE *out)
{
    const scn *s = m->s;
    fprintf(out, "what the applications got (the bridge's and front end's rules):\n");
    for (uint32_t a = 0; a < s->n_apps; a++) {
        const scn_app *app = &s->apps[a];
        uint64_t sub = 0, ok = 0, aborted = 0, late = 0, late_ok = 0;
        for (uint64_t i = 0; i < m->n_req; i++) {
            const sim_req *r = &m->req[i];
            if (r->app != a)
                continue;
            sub++;
            if (in_time(app, r)) {
                ok++;
            } else if (r->outcome == OUT_ABORTED && !(r->flags & RF_ABANDONED)) {
                aborted++;
            } else if (r->outcome != OUT_OPEN && !(r->flags & RF_ABANDONED)) {
                late++;
                late_ok += r->outcome == OUT_SUCCESS;
            }
        }
        fprintf(out, "  %-10s %llu asked, %llu refused by the rate limit, %llu created; results in time %llu; "
                     "lost: %llu creates given up unconfirmed, %llu aborted%s, %llu given up by the user "
                     "(%llu of them succeeded on chain later)\n",
                app->name, (unsigned long long)(sub + m->fx.rate_refused[a]),
                (unsigned long long)m->fx.rate_refused[a], (unsigned long long)sub, (unsigned long long)ok,
                (unsigned long long)m->fx.abandoned[a], (unsigned long long)aborted,
                app->resubmit ? " (resubmitted)" : " (not resubmitted)", (unsigned long long)late,
                (unsigned long long)late_ok);
    }
}

/* Per task kind: what the queue orders by (fee / cap) against the work the
 * task is (node seconds per task) and what it waited. */
static void queue_lines(const sim *m, FILE *out)
{
    const scn *s = m->s;
    eng_time warm = (eng_time)s->warmup_s * ENG_US_PER_S;
    double *w = malloc((m->n_req + 1) * sizeof *w);
    fprintf(out, "queue order (the contracts order by fee / cap; tasks created after warm-up):\n");
    fprintf(out, "  %-10s %-28s %12s %12s %14s %10s %10s\n", "app", "model", "CNX per cap", "work s/task",
            "CNX per work s", "wait med", "wait p95");
    for (uint32_t a = 0; a < s->n_apps; a++)
        for (uint32_t k = 0; k < s->apps[a].n_kinds; k++) {
            size_t n = 0;
            double value = 0, fee = 0;
            for (uint64_t i = 0; i < m->n_req; i++) {
                const sim_req *r = &m->req[i];
                if (r->app != a || r->kind != k || r->created < warm || r->started < 0)
                    continue;
                w[n++] = (double)(r->started - r->created) / 1e6;
                value += cnx(r->fee / (r->cap ? r->cap : 1));
                fee += cnx(r->fee);
            }
            uint32_t ki = m->kind_base[a] + k;
            double work = m->fx.kind_works[ki] ? m->fx.kind_work_s[ki] / (double)m->fx.kind_works[ki] : 0;
            gsl_sort(w, 1, n);
            fprintf(out, "  %-10s %-28s %12.4f %12.1f %14.4f %9.1fs %9.1fs\n", s->apps[a].name,
                    s->apps[a].kinds[k].model, n ? value / (double)n : 0.0, work,
                    n && work > 0 ? fee / (double)n / work : 0.0,
                    n ? gsl_stats_quantile_from_sorted_data(w, 1, n, 0.5) : 0.0,
                    n ? gsl_stats_quantile_from_sorted_data(w, 1, n, 0.95) : 0.0);
        }
    free(w);
}

void effects_summary(const sim *m, FILE *out)
{
    const scn *s = m->s;
    bool generic = s->node_profile->keep_model_loaded && !s->node_profile->preloaded;
    for (uint32_t a = 0; a < s->n_apps; a++)
        generic = generic && s->apps[a].profile->generic && !s->apps[a].front_end->give_up_s;
    if (generic)
        return;
    app_lines(m, out);
    queue_lines(m, out);
    double cancelled = 0, unwanted = 0, held = 0;
    for (uint64_t i = 0; i < m->n_req; i++) {
        const sim_req *r = &m->req[i];
        double h = held_s(r);
        held += h;
        if (r->outcome == OUT_ABORTED)
            cancelled += h;
        else if (r->outcome == OUT_SUCCESS && !in_time(&s->apps[r->app], r))
            unwanted += h;
    }
    fprintf(out, "node time held by tasks: %.1f node-h; %.1f node-h (%.1f%%) on tasks that ended aborted, "
                 "%.1f node-h (%.1f%%) on results nobody took (given up or late)\n",
            held / 3600, cancelled / 3600, held > 0 ? 100 * cancelled / held : 0.0, unwanted / 3600,
            held > 0 ? 100 * unwanted / held : 0.0);
    fprintf(out, "model downloads inside tasks: %llu, %.1f node-h\n", (unsigned long long)m->fx.downloads,
            m->fx.download_s / 3600);
    fprintf(out, "task arguments not yet on the relay: %llu node-tasks waited, %.1f node-h; %llu nodes gave up "
                 "asking\n",
            (unsigned long long)m->fx.args_waits, m->fx.args_wait_s / 3600, (unsigned long long)m->fx.args_given_up);
}
