/* The sweep plan (one validated scenario text per point) and one run. */
#include "sweep/sweep.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>

#include "scenario/scn_json.h"

const sweep_metric SWEEP_METRIC[SWEEP_METRICS] = {
    {"success_share", "success share", 0, 1},
    {"wait_median_s", "queue wait median (s)", 0, INFINITY},
    {"wait_p95_s", "queue wait p95 (s)", 0, INFINITY},
    {"utilization", "utilization", 0, 1},
    {"income_cnx_per_node_h", "node income (CNX/node-h)", 0, INFINITY},
    {"kickouts", "kick-outs", 0, INFINITY},
    {"slashes", "slashes", 0, INFINITY},
    {"aborted", "aborted tasks", 0, INFINITY},
};

void sweep_metric_values(const sweep_result *r, double out[SWEEP_METRICS])
{
    const double v[SWEEP_METRICS] = {r->mx.success_share, r->mx.wait_median_s, r->mx.wait_p95_s,
                                     r->mx.utilization, r->mx.income_cnx_per_node_h,
                                     (double)r->c.kickouts, (double)r->c.slashes, (double)r->c.aborted};
    memcpy(out, v, sizeof v);
}

void sweep_ci(const double *v, size_t n, double *mean, double *half)
{
    *mean = n ? gsl_stats_mean(v, 1, n) : NAN;
    *half = n >= 2 ? gsl_cdf_tdist_Pinv(0.975, (double)(n - 1)) * gsl_stats_sd(v, 1, n) / sqrt((double)n)
                   : NAN;
}

/* The names run_actors rows carry: those sim_get_actor gives. */
static void actor_names(const scn *s, sweep_actor_names *a)
{
    a->n = scn_actors(s);
    a->name = calloc(a->n, sizeof *a->name);
    a->kind = calloc(a->n, sizeof *a->kind);
    a->mode = calloc(a->n, sizeof *a->mode);
    for (uint32_t k = 0; k < a->n; k++) {
        const scn_behaviour *b = k ? &s->behaviours[k - 1] : NULL;
        a->name[k] = strdup(b ? b->name : "honest");
        a->kind[k] = b ? scn_behaviour_kind_name(b->kind) : "honest";
        a->mode[k] = b && b->kind == SCN_BEH_COLLUDERS ? scn_collude_mode_name(b->mode) : "";
    }
}

bool sweep_plan_build(sweep_plan *p, char *err, size_t err_size)
{
    size_t len;
    p->scenario_text = scnj_read_file(p->scenario_path, &len);
    if (!p->scenario_text) {
        snprintf(err, err_size, "%s: $: expected a readable file, got %s", p->scenario_path, scnj_read_error());
        return false;
    }
    p->base_dir = scn_base_dir(p->scenario_path);
    p->points = p->g.n_axes ? p->g.points : 1;
    p->texts = calloc(p->points, sizeof *p->texts);
    p->actors = calloc(p->points, sizeof *p->actors);
    for (uint32_t i = 0; i < p->points; i++) {
        char gerr[GRID_ERR_MAX];
        p->texts[i] = p->g.n_axes ? grid_apply(&p->g, p->scenario_text, i, gerr) : strdup(p->scenario_text);
        if (!p->texts[i]) {
            snprintf(err, err_size, "%s: %s", p->scenario_path, gerr);
            return false;
        }
        scn s;
        char serr[SCN_ERR_MAX];
        if (!scn_parse(p->texts[i], p->scenario_path, p->base_dir, &s, serr)) {
            char *label = grid_label(&p->g, i);
            snprintf(err, err_size, "%s%s%s", serr, p->g.n_axes ? "\n  at sweep point " : "", label);
            free(label);
            return false;
        }
        if (p->duration_s && !scn_check_resources(&s, p->scenario_path, p->duration_s, serr)) {
            char *label = grid_label(&p->g, i);
            snprintf(err, err_size, "%s (--duration %llu)%s%s", serr, (unsigned long long)p->duration_s,
                     p->g.n_axes ? "\n  at sweep point " : "", label);
            free(label);
            scn_free(&s);
            return false;
        }
        char *label = p->g.n_axes ? grid_label(&p->g, i) : NULL;
        char where[600];
        snprintf(where, sizeof where, "avrami sweep%s%.500s", label ? ": point " : "", label ? label : "");
        free(label);
        scn_warn(&s, p->duration_s, where, stderr);
        actor_names(&s, &p->actors[i]);
        if (i == 0 && !p->reps)
            p->reps = s.replications;
        if (i == 0 && !p->seed_given)
            p->seed = s.seed;
        scn_free(&s);
    }
    return true;
}

void sweep_plan_free(sweep_plan *p)
{
    for (uint32_t i = 0; p->texts && i < p->points; i++)
        free(p->texts[i]);
    free(p->texts);
    for (uint32_t i = 0; p->actors && i < p->points; i++) {
        for (uint32_t k = 0; k < p->actors[i].n; k++)
            free(p->actors[i].name[k]);
        free(p->actors[i].name);
        free(p->actors[i].kind);
        free(p->actors[i].mode);
    }
    free(p->actors);
    p->actors = NULL;
    free(p->scenario_text);
    free(p->base_dir);
    grid_free(&p->g);
    p->texts = NULL;
    p->scenario_text = p->base_dir = NULL;
}

void sweep_run_one(const sweep_plan *p, sweep_job j, volatile sig_atomic_t *stop, sweep_result *out)
{
    memset(out, 0, sizeof *out);
    out->point = j.point;
    out->rep = j.rep;
    out->status = -1;
    scn s;
    char err[SCN_ERR_MAX];
    if (!scn_parse(p->texts[j.point], p->scenario_path, p->base_dir, &s, err)) {
        fprintf(stderr, "avrami sweep: %s\n", err);
        return;
    }
    /* --keep-runs: the database `avrami run --replication R` of this
     * point's scenario writes (under NAME.tmp until complete, see res.h) */
    char keep[4096];
    if (p->keep_dir)
        snprintf(keep, sizeof keep, "%s/point-%u-rep-%u.db", p->keep_dir, j.point, j.rep);
    sim_opts o = {.seed = p->seed, .replication = j.rep, .duration_s = p->duration_s, .stop = stop,
                  .out_path = p->keep_dir ? keep : NULL};
    sim *m = sim_run(&s, &o);
    if (m) {
        out->status = sim_status(m);
        sim_get_metrics(m, &out->mx);
        sim_get_counts(m, &out->c);
        out->events = sim_events(m);
        out->n_actors = scn_actors(&s);
        for (uint32_t a = 0; a < out->n_actors && a < SWEEP_ACTORS_MAX; a++) {
            sim_actor_stats x;
            sim_get_actor(m, a, &x);
            out->actors[a] = (sweep_actor){x.start, x.end, x.income, x.stake_lost, x.slashes, x.stakes_lost,
                                           x.kickouts, x.tasks_paid, x.fakes, x.cheats_won, x.silences,
                                           x.aborted, x.busy_s, x.nodes, 0};
        }
        for (uint32_t c = 0; c < s.n_cards && out->n_cards < SWEEP_CARDS_MAX; c++) {
            sim_card_income ci;
            sim_get_card_income(m, c, &ci);
            if (!ci.nodes)
                continue;
            sweep_card *k = &out->cards[out->n_cards++];
            snprintf(k->name, sizeof k->name, "%s", s.cards[c].name);
            k->nodes = ci.nodes;
            k->online_h = ci.online_h;
            k->income = ci.income;
        }
        sim_free(m);
    }
    scn_free(&s);
}
