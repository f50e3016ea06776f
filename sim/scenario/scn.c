/* Scenario loading and strict validation (see scn.h, docs/scenarios.md). */
#include "scenario/scn.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "protocol/edition.h"
#include "scenario/scn_json.h"
#include "scenario/scn_timing.h"

/* ---- sections ---- */

/* Helium's QoS keys (its defaults already in pp). */
static bool parse_helium_keys(pctx *c, const cJSON *o, const char *p, proto_params *pp)
{
    bool kickout;
    if (!scnj_u32(c, o, p, "queue_size_limit", 1, 10000000, pp->queue_size_limit, &pp->queue_size_limit) ||
        !scnj_u32(c, o, p, "kickout_threshold", 0, 1000, pp->kickout_threshold, &pp->kickout_threshold) ||
        !scnj_bool(c, o, p, "kickout", true, &kickout) ||
        !scnj_u32(c, o, p, "task_score_pool_size", PROTO_MAX_WINDOW, PROTO_MAX_WINDOW, PROTO_MAX_WINDOW,
                      &pp->task_score_pool_size))
        return false;
    pp->kickout_disabled = !kickout;
    uint32_t def[3];
    memcpy(def, pp->task_score_rewards, sizeof def);
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(o, "task_score_rewards");
    char rp[PATH_MAX_LEN];
    scnj_sub(rp, p, "task_score_rewards");
    if (r) {
        if (!cJSON_IsArray(r) || cJSON_GetArraySize(r) != 3)
            return scnj_fail(c, rp, "expected an array of 3 integers, got %s", scnj_type_name(r));
        int i = 0;
        for (const cJSON *it = r->child; it; it = it->next, i++) {
            char ip[PATH_MAX_LEN];
            scnj_idx(ip, rp, i);
            if (!cJSON_IsNumber(it) || it->valuedouble != floor(it->valuedouble) ||
                it->valuedouble < 0 || it->valuedouble > 1000)
                return scnj_fail(c, ip, "expected an integer in [0, 1000], got %s", scnj_type_name(it));
            def[i] = (uint32_t)it->valuedouble;
        }
        /* a node's fee share is fee x points / (2 x their sum): the contract
         * reverts every settlement when the sum is 0 */
        if (def[0] + def[1] + def[2] == 0)
            return scnj_fail(c, rp, "expected at least one positive score (fee shares divide by their sum)");
    }
    memcpy(pp->task_score_rewards, def, sizeof def);
    return true;
}

static bool own_key(const proto_edition *ed, const char *key)
{
    for (const char *const *k = ed->keys; k && *k; k++)
        if (!strcmp(*k, key))
            return true;
    return false;
}

/* relay-2026 delegated staking (crynux-relay 24ffc26, docs/delegated_staking.md,
 * service/relay_account.go sendTaskIncome): one delegation per node, drawn
 * between delegated_stake and delegated_stake_max, and the share of the
 * node's income its delegator gets (a uint8 percentage in the Relay; 100
 * would leave the operator nothing and is refused). */
static bool parse_delegation(pctx *c, const cJSON *o, const char *p, proto_params *pp)
{
    char def[48], kp[PATH_MAX_LEN], b[WEI_STR_MAX];
    if (!scnj_wei(c, o, p, "delegated_stake", "0", &pp->delegated_stake) ||
        !scnj_wei(c, o, p, "delegated_stake_max", wei_format(pp->delegated_stake, def), &pp->delegated_stake_max) ||
        !scnj_u32(c, o, p, "delegator_share", 0, 99, 0, &pp->delegator_share))
        return false;
    if (pp->delegated_stake_max < pp->delegated_stake) {
        scnj_sub(kp, p, "delegated_stake_max");
        return scnj_fail(c, kp, "expected at least protocol.delegated_stake (%s wei), got less",
                         wei_format(pp->delegated_stake, b));
    }
    if (pp->delegated_stake_max && !pp->delegator_share) {
        scnj_sub(kp, p, "delegator_share");
        return scnj_fail(c, kp, "expected a share above 0 with delegated stakes (the Relay shares income and "
                                "counts delegations only for nodes with delegator_share > 0), got 0");
    }
    return true;
}

/* protocol.edition picks the rule set (protocol/edition.h) and its
 * defaults; a key that belongs to another edition is an error. */
static bool parse_protocol(pctx *c, const cJSON *root, scn *s)
{
    static const char *const keys[] = {"edition", "stake", "task_timeout_s", "queue_size_limit",
        "kickout_threshold", "kickout", "task_score_rewards", "task_score_pool_size", "distance_threshold",
        "max_nodes", "task_fee_per_node", "sample_mod", "passive_slash", "stake_max", "delegated_stake",
        "delegated_stake_max", "delegator_share", NULL};
    char p[PATH_MAX_LEN], name[32], def[48];
    const cJSON *o;
    if (!scnj_obj(c, root, "$", "protocol", keys, &o, p))
        return false;
    if (!o)
        o = &SCNJ_EMPTY;
    if (!scnj_str(c, o, p, "edition", "helium", name, sizeof name))
        return false;
    const proto_edition *ed = proto_edition_find(name);
    if (!ed) {
        char ep[PATH_MAX_LEN], list[128];
        scnj_sub(ep, p, "edition");
        proto_edition_list(list, sizeof list);
        return scnj_fail(c, ep, "expected one of %s, got \"%s\"", list, name);
    }
    for (const cJSON *k = o->child; k; k = k->next) {
        const proto_edition *owner = proto_edition_owner_of(k->string);
        if (owner && !proto_edition_accepts(ed, k->string)) {
            char kp[PATH_MAX_LEN];
            scnj_sub(kp, p, k->string);
            return scnj_fail(c, kp, "a %s key, but protocol.edition is \"%s\"", owner->name, ed->name);
        }
    }
    proto_params *pp = &s->params;
    *pp = ed->defaults();
    /* the edition's defaults (PROTOCOL.md for Helium, its folder for the others) */
    if (!scnj_wei(c, o, p, "stake", wei_format(pp->stake, def), &pp->stake) ||
        !scnj_u64(c, o, p, "task_timeout_s", 1, 86400 * 30, pp->task_timeout_s, &pp->task_timeout_s) ||
        !scnj_u32(c, o, p, "distance_threshold", 0, 64, pp->distance_threshold, &pp->distance_threshold) ||
        !scnj_u32(c, o, p, "max_nodes", 3, 100000000, pp->max_nodes, &pp->max_nodes))
        return false;
    if (ed->qos && !parse_helium_keys(c, o, p, pp))
        return false;
    /* the Relay editions' sampling and slashing (protocol/relay/relay_edition.c) */
    if (own_key(ed, "sample_mod") &&
        !scnj_u32(c, o, p, "sample_mod", 1, 1000000, pp->sample_mod, &pp->sample_mod))
        return false;
    if (own_key(ed, "passive_slash") && !scnj_bool(c, o, p, "passive_slash", pp->passive_slash, &pp->passive_slash))
        return false;
    /* the Relay editions' stakes that differ between nodes (run/node_stake.c) */
    if (own_key(ed, "stake_max")) {
        if (!scnj_wei(c, o, p, "stake_max", wei_format(pp->stake, def), &pp->stake_max))
            return false;
        if (pp->stake_max < pp->stake) {
            char kp[PATH_MAX_LEN], b[WEI_STR_MAX];
            scnj_sub(kp, p, "stake_max");
            return scnj_fail(c, kp, "expected at least protocol.stake (%s wei), got less", wei_format(pp->stake, b));
        }
    }
    if (own_key(ed, "delegated_stake") && !parse_delegation(c, o, p, pp))
        return false;
    if (ed->fixed_fee && !scnj_wei(c, o, p, "task_fee_per_node", wei_format(pp->task_fee_per_node, def),
                                   &pp->task_fee_per_node))
        return false;
    return true;
}

static bool parse_chain_relay(pctx *c, const cJSON *root, scn *s)
{
    static const char *const ck[] = {"block_time_s", "submission_latency_s", "observation_delay_s", NULL};
    static const char *const rk[] = {"bandwidth_mbps", "latency_s", "fetch_failure_prob", NULL};
    char p[PATH_MAX_LEN];
    const cJSON *o;
    if (!scnj_obj(c, root, "$", "chain", ck, &o, p))
        return false;
    if (!o)
        o = &SCNJ_EMPTY;
    if (!scnj_num(c, o, p, "block_time_s", 0.001, 3600, 2, &s->block_time_s) ||
        !scnj_num(c, o, p, "submission_latency_s", 0, 3600, 0.5, &s->submit_latency_s) ||
        !scnj_num(c, o, p, "observation_delay_s", 0, 3600, 1, &s->observe_delay_s))
        return false;
    if (!scnj_obj(c, root, "$", "relay", rk, &o, p))
        return false;
    if (!o)
        o = &SCNJ_EMPTY;
    if (!scnj_num(c, o, p, "bandwidth_mbps", 0.001, 1e6, 50, &s->relay_mbps) ||
        !scnj_num(c, o, p, "latency_s", 0, 60, 0.1, &s->relay_latency_s) ||
        !scnj_num(c, o, p, "fetch_failure_prob", 0, 1, 0, &s->fetch_failure_prob))
        return false;
    return scn_timing_parse(c, root, s);
}

/* A profile named by `key` from table `which` (AGT_PROFILE_*), or an error
 * that lists the names. */
static bool profile_key(pctx *c, const cJSON *o, const char *path, const char *key, const char *def, int which,
                        const void **out)
{
    char name[SCN_NAME_MAX], kp[PATH_MAX_LEN], names[256];
    if (!scnj_str(c, o, path, key, def, name, sizeof name))
        return false;
    if ((*out = agt_profile_find(which, name)))
        return true;
    scnj_sub(kp, path, key);
    agt_profile_names(which, names, sizeof names);
    return scnj_fail(c, kp, "expected one of %s, got \"%s\"", names, name);
}

/* network.node_profile and the preloaded model list it implies
 * (network.preloaded_models overrides the list). */
static bool parse_node_profile(pctx *c, const cJSON *o, scn *s)
{
    const void *np;
    if (!profile_key(c, o, "$.network", "node_profile", "generic", AGT_PROFILE_NODE, &np))
        return false;
    s->node_profile = np;
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(o, "preloaded_models");
    const char *const *def = s->node_profile->preloaded;
    uint32_t n = 0;
    if (list) {
        if (!cJSON_IsArray(list))
            return scnj_fail(c, "$.network.preloaded_models", "expected an array of model names, got %s",
                             scnj_type_name(list));
        n = (uint32_t)cJSON_GetArraySize(list);
    } else if (def) {
        while (def[n])
            n++;
    } else {
        return true; /* the scenario's first model_cache models */
    }
    s->preloaded = calloc(n ? n : 1, sizeof *s->preloaded);
    s->n_preloaded = n;
    if (!list) {
        for (uint32_t i = 0; i < n; i++)
            snprintf(s->preloaded[i], SCN_NAME_MAX, "%s", def[i]);
        return true;
    }
    int i = 0;
    for (const cJSON *it = list->child; it; it = it->next, i++) {
        char p[PATH_MAX_LEN];
        scnj_idx(p, "$.network.preloaded_models", i);
        if (!cJSON_IsString(it) || !it->valuestring[0] || strlen(it->valuestring) >= SCN_NAME_MAX)
            return scnj_fail(c, p, "expected a model name (a non-empty string under %d characters), got %s",
                             SCN_NAME_MAX, scnj_type_name(it));
        snprintf(s->preloaded[i], SCN_NAME_MAX, "%s", it->valuestring);
    }
    return true;
}

static bool parse_network(pctx *c, const cJSON *root, scn *s)
{
    static const char *const nk[] = {"nodes", "cards", "download_mbps", "model_cache", "churn",
                                     "node_cancel_after_s", "preload_models", "behaviours",
                                     "honest_rejoin", "sd_hash_noise", "node_profile",
                                     "preloaded_models", "keep_model_loaded", "args_retry",
                                     "card_allocation", "download_failure_prob", NULL};
    static const char *const ck[] = {"join_rate_per_h", "pause_rate_per_h", "pause_mean_s",
                                     "quit_rate_per_h", "vanish_probability", NULL};
    static const char *const mk[] = {"card", "share", NULL};
    char p[PATH_MAX_LEN];
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(root, "network");
    if (!o)
        return scnj_fail(c, "$.network", "expected an object, got nothing (the key is required)");
    if (!scnj_want_object(c, o, "$.network") || !scnj_keys_ok(c, o, "$.network", nk))
        return false;
    uint64_t mc;
    if (!parse_node_profile(c, o, s))
        return false;
    const agt_node_profile *np = s->node_profile;
    double timeout = (double)s->params.task_timeout_s;
    if (!scnj_u32(c, o, "$.network", "nodes", 0, 50000000, 0, &s->nodes) ||
        !scnj_num(c, o, "$.network", "download_mbps", 0.001, 1e6, 100, &s->download_mbps) ||
        !scnj_num(c, o, "$.network", "download_failure_prob", 0, 1, 0, &s->download_failure_prob) ||
        !scnj_u64(c, o, "$.network", "model_cache", 1, 8, np->model_cache, &mc) ||
        !scnj_bool(c, o, "$.network", "preload_models", true, &s->preload_models) ||
        !scnj_bool(c, o, "$.network", "keep_model_loaded", np->keep_model_loaded, &s->keep_model_loaded) ||
        !scnj_bool(c, o, "$.network", "args_retry", np->args_retry, &s->args_retry) ||
        !scnj_num(c, o, "$.network", "node_cancel_after_s", 0, 1e7,
                  np->cancel_at_timeout ? timeout : timeout + 60, &s->node_cancel_after_s))
        return false;
    s->model_cache = (uint32_t)mc;
    const cJSON *cards = cJSON_GetObjectItemCaseSensitive(o, "cards");
    if (!cJSON_IsArray(cards) || cJSON_GetArraySize(cards) == 0)
        return scnj_fail(c, "$.network.cards", "expected a non-empty array of {\"card\", \"share\"}, got %s",
                    cards ? scnj_type_name(cards) : "nothing");
    s->n_mix = (uint32_t)cJSON_GetArraySize(cards);
    s->mix = calloc(s->n_mix, sizeof *s->mix);
    double total = 0;
    int i = 0;
    for (const cJSON *it = cards->child; it; it = it->next, i++) {
        scnj_idx(p, "$.network.cards", i);
        char name[SCN_NAME_MAX], cp[PATH_MAX_LEN];
        scnj_sub(cp, p, "card");
        if (!scnj_want_object(c, it, p) || !scnj_keys_ok(c, it, p, mk) ||
            !scnj_str(c, it, p, "card", NULL, name, sizeof name) ||
            !scn_find_card(c, s, cp, name, &s->mix[i].card) ||
            !scnj_num(c, it, p, "share", 0, 1e9, 1, &s->mix[i].share))
            return false;
        total += s->mix[i].share;
    }
    if (!(total > 0))
        return scnj_fail(c, "$.network.cards", "expected shares with a positive sum");
    char alloc[16];
    if (!scnj_str(c, o, "$.network", "card_allocation", "random", alloc, sizeof alloc))
        return false;
    if (strcmp(alloc, "random") && strcmp(alloc, "exact"))
        return scnj_fail(c, "$.network.card_allocation", "expected \"random\" or \"exact\", got \"%s\"", alloc);
    s->exact_cards = !strcmp(alloc, "exact");
    for (uint32_t k = 0; k < s->n_mix; k++)
        s->mix[k].share /= total;
    if (!scn_parse_behaviours(c, o, s))
        return false;
    if (!scnj_obj(c, o, "$.network", "churn", ck, &o, p))
        return false;
    if (!o)
        o = &SCNJ_EMPTY;
    return scnj_num(c, o, p, "join_rate_per_h", 0, 1e9, 0, &s->join_rate_per_h) &&
           scnj_num(c, o, p, "pause_rate_per_h", 0, 1e6, 0, &s->pause_rate_per_h) &&
           scnj_num(c, o, p, "pause_mean_s", 0, 1e9, 600, &s->pause_mean_s) &&
           scnj_num(c, o, p, "quit_rate_per_h", 0, 1e6, 0, &s->quit_rate_per_h) &&
           scnj_num(c, o, p, "vanish_probability", 0, 1, 0, &s->vanish_prob);
}

/* One arrival time per line and nothing else: digits with an optional
 * fraction and exponent (no sign, hex, inf or nan), finite as a double. */
static bool csv_number(const char *l, double *v)
{
    const char *q = l;
    if (*q < '0' || *q > '9')
        return false;
    while (*q >= '0' && *q <= '9')
        q++;
    if (*q == '.')
        for (q++; *q >= '0' && *q <= '9'; q++)
            ;
    if (*q == 'e' || *q == 'E') {
        q += q[1] == '+' || q[1] == '-';
        if (q[1] < '0' || q[1] > '9')
            return false;
        for (q++; *q >= '0' && *q <= '9'; q++)
            ;
    }
    if (*q)
        return false;
    errno = 0;
    *v = strtod(l, NULL);
    return errno != ERANGE && isfinite(*v);
}

static bool csv_header(const char *l)
{
    if (!strncasecmp(l, "inf", 3) || !strncasecmp(l, "nan", 3)) /* numbers to strtod, never a header */
        return false;
    if (!((*l >= 'a' && *l <= 'z') || (*l >= 'A' && *l <= 'Z') || *l == '_'))
        return false;
    for (; *l; l++)
        if (!((*l >= 'a' && *l <= 'z') || (*l >= 'A' && *l <= 'Z') || (*l >= '0' && *l <= '9') || *l == '_'))
            return false;
    return true;
}

/* CSV arrival files: an optional header word on line 1, blank lines and
 * `#` comments, otherwise one non-decreasing time in seconds per line. */
static bool load_csv(pctx *c, const char *path, const char *name, scn_app *a)
{
    char resolved[1024];
    size_t len;
    char *text = scnj_read_relative(c, name, resolved, sizeof resolved, &len);
    if (!text)
        return scnj_fail(c, path, "expected a readable CSV file of arrival times, got \"%s\" (%s)", name,
                         scnj_read_error());
    const char *nul = memchr(text, 0, len);
    if (nul) {
        unsigned at = 1;
        for (const char *q = text; q < nul; q++)
            at += *q == '\n';
        free(text);
        return scnj_fail(c, path, "expected a text file of arrival times, got a NUL byte on %s line %u", resolved,
                         at);
    }
    size_t cap = 1024;
    a->csv_times_s = malloc(cap * sizeof(double));
    unsigned line = 0;
    double last = 0;
    bool ok = true;
    for (char *l = text, *next; l && ok; l = next) {
        line++;
        next = strchr(l, '\n');
        if (next)
            *next++ = 0;
        else if (!*l)
            break;
        while (*l == ' ' || *l == '\t')
            l++;
        size_t n = strlen(l);
        while (n && (l[n - 1] == '\r' || l[n - 1] == ' ' || l[n - 1] == '\t'))
            l[--n] = 0;
        if (!*l || *l == '#' || (line == 1 && csv_header(l)))
            continue;
        double v = 0;
        if (!csv_number(l, &v))
            ok = scnj_fail(c, path, "expected one arrival time in seconds (digits, optional fraction and "
                                    "exponent) on %s line %u, got \"%.40s\"", resolved, line, l);
        else if (!(v >= last))
            ok = scnj_fail(c, path, "expected non-decreasing times >= 0 s in %s, line %u goes back", resolved,
                           line);
        else if (a->n_csv == UINT32_MAX)
            ok = scnj_fail(c, path, "expected at most %u arrival times in %s", UINT32_MAX, resolved);
        if (!ok)
            break;
        last = v;
        if (a->n_csv == cap) {
            cap *= 2;
            a->csv_times_s = realloc(a->csv_times_s, cap * sizeof(double));
        }
        a->csv_times_s[a->n_csv++] = v;
    }
    free(text);
    if (ok && !a->n_csv)
        ok = scnj_fail(c, path, "expected at least one arrival time in %s, got none", resolved);
    return ok;
}

/* The fee object, or the fee the application's bridge sets when it is
 * absent. */
static bool parse_fee(pctx *c, const cJSON *o, const char *p, const scn_app *a, scn_task_kind *k)
{
    static const char *const fk[] = {"dist", "wei", "min", "max", "per", NULL};
    char fp[PATH_MAX_LEN];
    const cJSON *f;
    if (!scnj_obj(c, o, p, "fee", fk, &f, fp))
        return false;
    if (!f && !a->profile->generic) {
        k->fee_dist = SCN_FEE_FIXED;
        k->fee_min = k->fee_max = a->profile->fee_wei;
        k->fee_per_cap = a->profile->fee_per_cap;
        return true;
    }
    if (!f)
        return scnj_fail(c, fp, "expected an object {\"dist\": \"fixed\", \"wei\": \"...\"}, got nothing");
    char dist[16], dp[PATH_MAX_LEN], per[8];
    scnj_sub(dp, fp, "dist");
    if (!scnj_str(c, f, fp, "dist", "fixed", dist, sizeof dist) ||
        !scnj_str(c, f, fp, "per", a->profile->fee_per_cap ? "cap" : "task", per, sizeof per))
        return false;
    if (strcmp(per, "task") && strcmp(per, "cap")) {
        scnj_sub(dp, fp, "per");
        return scnj_fail(c, dp, "expected \"task\" or \"cap\", got \"%s\"", per);
    }
    k->fee_per_cap = per[0] == 'c';
    if (!strcmp(dist, "fixed")) {
        k->fee_dist = SCN_FEE_FIXED;
        if (!scnj_wei(c, f, fp, "wei", NULL, &k->fee_min))
            return false;
        k->fee_max = k->fee_min;
    } else if (!strcmp(dist, "uniform")) {
        k->fee_dist = SCN_FEE_UNIFORM;
        if (!scnj_wei(c, f, fp, "min", NULL, &k->fee_min) || !scnj_wei(c, f, fp, "max", NULL, &k->fee_max))
            return false;
        if (k->fee_max < k->fee_min) {
            scnj_sub(dp, fp, "max");
            return scnj_fail(c, dp, "expected max >= min");
        }
    } else {
        return scnj_fail(c, dp, "expected \"fixed\" or \"uniform\", got \"%s\"", dist);
    }
    return true;
}

static bool parse_task_kind(pctx *c, const cJSON *o, const char *p, const scn *s, const scn_app *a,
                            scn_task_kind *k)
{
    static const char *const keys[] = {"type", "model", "weight", "vram_gb", "model_size_mb",
        "size_min", "size_max", "args_kb", "result_kb_per_unit", "exec_base_s", "exec_per_unit_s",
        "fee", "cap_base_s", "cap_per_image_s", "prompt_tokens", "num_beams", "num_sequences", "bits",
        "steps", "width", "height", "task_file", "model_missing", NULL};
    char type[16], tp[PATH_MAX_LEN];
    scnj_sub(tp, p, "type");
    if (!scnj_want_object(c, o, p) || !scnj_keys_ok(c, o, p, keys) ||
        !scnj_str(c, o, p, "type", NULL, type, sizeof type))
        return false;
    if (!strcmp(type, "gpt"))
        k->type = PROTO_GPT;
    else if (!strcmp(type, "sd"))
        k->type = PROTO_SD;
    else
        return scnj_fail(c, tp, "expected \"gpt\" or \"sd\", got \"%s\"", type);
    bool sd = k->type == PROTO_SD;
    bool bridge = a->profile->bridge_cap_vram;
    uint32_t gen = !sd && a->front_end->gpt_max_new_tokens ? a->front_end->gpt_max_new_tokens : 256;
    uint64_t cb, cpi;
    if (!scnj_str(c, o, p, "model", sd ? "stable-diffusion-1.5" : "qwen2.5-7b", k->model, sizeof k->model) ||
        !scnj_num(c, o, p, "weight", 0, 1e9, 1, &k->weight) ||
        !scnj_bool(c, o, p, "model_missing", false, &k->model_missing) ||
        !scnj_u32(c, o, p, "vram_gb", 0, 1024, sd ? 8 : 16, &k->vram_gb) ||
        !scnj_num(c, o, p, "model_size_mb", 0, 1e7, sd ? 4000 : 15000, &k->model_size_mb) ||
        !scnj_u32(c, o, p, "size_min", 1, 1000000, sd ? 1 : gen, &k->size_min) ||
        !scnj_u32(c, o, p, "size_max", 1, 1000000, k->size_min, &k->size_max) ||
        !scnj_num(c, o, p, "args_kb", 0, 1e7, 2, &k->args_kb) ||
        !scnj_num(c, o, p, "result_kb_per_unit", 0, 1e7, sd ? 1500 : 0.004, &k->result_kb_per_unit) ||
        !scnj_num(c, o, p, "exec_base_s", 0, 1e6, sd ? 1.0 : 0.5, &k->exec_base_s) ||
        !scnj_num(c, o, p, "exec_per_unit_s", 0, 1e6, sd ? 3.0 : 0.015, &k->exec_per_unit_s) ||
        !scnj_u64(c, o, p, "cap_base_s", 0, 1000000, bridge ? !sd : sd ? 10 : 60, &cb) ||
        !scnj_u64(c, o, p, "cap_per_image_s", 0, 1000000, sd ? (bridge ? 1 : 5) : 0, &cpi))
        return false;
    if (cb + cpi * k->size_min == 0) {
        char sp[PATH_MAX_LEN];
        scnj_sub(sp, p, "cap_base_s");
        return scnj_fail(c, sp, "expected cap_base_s + cap_per_image_s x size_min >= 1, got 0");
    }
    if (k->size_max < k->size_min) {
        char sp[PATH_MAX_LEN];
        scnj_sub(sp, p, "size_max");
        return scnj_fail(c, sp, "expected size_max >= size_min (%u), got %u", k->size_min, k->size_max);
    }
    if (!sd && cpi) {
        char sp[PATH_MAX_LEN];
        scnj_sub(sp, p, "cap_per_image_s");
        return scnj_fail(c, sp, "expected 0 for a gpt task (its cap is fixed), got %llu",
                    (unsigned long long)cpi);
    }
    if (!scn_timing_kind(c, o, p, s, k))
        return false;
    k->cap_base_s = cb;
    k->cap_per_unit_s = cpi;
    /* the bridge's VRAM rule wins over the timing model's need: it is what
     * went on chain */
    if (bridge && !cJSON_GetObjectItemCaseSensitive(o, "vram_gb"))
        k->vram_gb = agt_bridge_vram_gb(sd, k->model);
    if (!parse_fee(c, o, p, a, k))
        return false;
    wei_t most;
    if (k->fee_per_cap && !wei_mul(k->fee_max, cb + cpi * k->size_max, &most)) {
        char fp[PATH_MAX_LEN];
        scnj_sub(fp, p, "fee");
        return scnj_fail(c, fp, "expected a fee per cap whose product with the largest cap (%llu) fits in 128 bits",
                         (unsigned long long)(cb + cpi * k->size_max));
    }
    return true;
}

/* applications[].profile and .front_end, and the keys whose defaults they
 * set (docs/profiles.md). */
static bool parse_app_profile(pctx *c, const cJSON *it, const char *p, const scn *s, scn_app *a)
{
    const void *ap_, *fe_;
    if (!profile_key(c, it, p, "profile", "generic", AGT_PROFILE_APP, &ap_) ||
        !profile_key(c, it, p, "front_end", "none", AGT_PROFILE_FRONT_END, &fe_))
        return false;
    const agt_app_profile *ap = a->profile = ap_;
    const agt_front_end *fe = a->front_end = fe_;
    return scnj_u64(c, it, p, "cancel_after_s", 0, 86400 * 365, ap->cancel ? s->params.task_timeout_s + 30 : 0,
                    &a->cancel_after_s) &&
           scnj_bool(c, it, p, "resubmit_after_abort", ap->resubmit, &a->resubmit) &&
           scnj_u32(c, it, p, "max_resubmits", 0, 1000, 3, &a->max_resubmits) &&
           scnj_u64(c, it, p, "give_up_after_s", 0, 86400 * 365, fe->give_up_s, &a->give_up_s) &&
           scnj_u64(c, it, p, "rate_limit_interval_s", 0, 86400, ap->rate_interval_s, &a->rate_interval_s) &&
           scnj_u32(c, it, p, "rate_limit_burst", 1, 1000000, ap->rate_burst ? ap->rate_burst : 1,
                    &a->rate_burst) &&
           scnj_u32(c, it, p, "clients", 0, 10000000, fe->client_per_task ? 0 : 1, &a->clients) &&
           scnj_num(c, it, p, "create_confirm_s", 0, 86400, ap->create_confirm_s, &a->create_confirm_s) &&
           scnj_num(c, it, p, "args_upload_s", 0, 86400, ap->args_upload_s, &a->args_upload_s);
}

static bool parse_apps(pctx *c, const cJSON *root, scn *s)
{
    static const char *const ak[] = {"name", "arrival", "balance", "cancel_after_s",
                                     "resubmit_after_abort", "max_resubmits", "tasks", "profile",
                                     "front_end", "give_up_after_s", "rate_limit_interval_s",
                                     "rate_limit_burst", "clients", "create_confirm_s", "args_upload_s", NULL};
    static const char *const rk[] = {"process", "rate_per_h", "amplitude", "peak_hour", "file", NULL};
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "applications");
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) == 0)
        return scnj_fail(c, "$.applications", "expected a non-empty array of applications, got %s",
                    arr ? scnj_type_name(arr) : "nothing");
    s->n_apps = (uint32_t)cJSON_GetArraySize(arr);
    s->apps = calloc(s->n_apps, sizeof *s->apps);
    int i = 0;
    for (const cJSON *it = arr->child; it; it = it->next, i++) {
        char p[PATH_MAX_LEN], rp[PATH_MAX_LEN];
        scnj_idx(p, "$.applications", i);
        scn_app *a = &s->apps[i];
        char defname[32];
        snprintf(defname, sizeof defname, "app%d", i);
        if (!scnj_want_object(c, it, p) || !scnj_keys_ok(c, it, p, ak) ||
            !scnj_str(c, it, p, "name", defname, a->name, sizeof a->name) ||
            !scnj_wei(c, it, p, "balance", "1000000000000000000000000000", &a->balance) ||
            !parse_app_profile(c, it, p, s, a))
            return false;
        const cJSON *r;
        if (!scnj_obj(c, it, p, "arrival", rk, &r, rp))
            return false;
        if (!r)
            return scnj_fail(c, rp, "expected an object {\"process\": \"poisson\", ...}, got nothing");
        char proc[16], pp[PATH_MAX_LEN];
        scnj_sub(pp, rp, "process");
        if (!scnj_str(c, r, rp, "process", NULL, proc, sizeof proc))
            return false;
        if (!strcmp(proc, "poisson") || !strcmp(proc, "daily") || !strcmp(proc, "periodic")) {
            a->arrival = !strcmp(proc, "poisson") ? SCN_ARR_POISSON
                         : proc[0] == 'd'         ? SCN_ARR_DAILY
                                                  : SCN_ARR_PERIODIC;
            if (!scnj_num(c, r, rp, "rate_per_h", 0, 1e9, 0, &a->rate_per_h) ||
                !scnj_num(c, r, rp, "amplitude", 0, 1, 0.5, &a->amplitude) ||
                !scnj_num(c, r, rp, "peak_hour", 0, 24, 20, &a->peak_hour))
                return false;
        } else if (!strcmp(proc, "csv")) {
            a->arrival = SCN_ARR_CSV;
            char file[512], fp[PATH_MAX_LEN];
            scnj_sub(fp, rp, "file");
            if (!scnj_str(c, r, rp, "file", NULL, file, sizeof file) || !load_csv(c, fp, file, a))
                return false;
        } else {
            return scnj_fail(c, pp, "expected \"poisson\", \"daily\", \"periodic\" or \"csv\", got \"%s\"", proc);
        }
        const cJSON *tasks = cJSON_GetObjectItemCaseSensitive(it, "tasks");
        char tp[PATH_MAX_LEN];
        scnj_sub(tp, p, "tasks");
        if (!cJSON_IsArray(tasks) || cJSON_GetArraySize(tasks) == 0)
            return scnj_fail(c, tp, "expected a non-empty array of task kinds, got %s",
                        tasks ? scnj_type_name(tasks) : "nothing");
        a->n_kinds = (uint32_t)cJSON_GetArraySize(tasks);
        a->kinds = calloc(a->n_kinds, sizeof *a->kinds);
        int j = 0;
        double wsum = 0;
        for (const cJSON *t = tasks->child; t; t = t->next, j++) {
            char kp[PATH_MAX_LEN];
            scnj_idx(kp, tp, j);
            if (!parse_task_kind(c, t, kp, s, a, &a->kinds[j]))
                return false;
            wsum += a->kinds[j].weight;
        }
        if (!(wsum > 0))
            return scnj_fail(c, tp, "expected weights with a positive sum");
    }
    return true;
}

bool scn_parse(const char *text, const char *file, const char *base_dir, scn *s, char err[SCN_ERR_MAX])
{
    static const char *const keys[] = {"name", "description", "seed", "duration_s", "warmup_s",
        "replications", "cards_file", "protocol", "chain", "relay", "timing", "network",
        "applications", "limits", NULL};
    memset(s, 0, sizeof *s);
    err[0] = 0;
    pctx c = {file, base_dir, err};
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(text, &end, true);
    if (!root) {
        size_t off = end ? (size_t)(end - text) : 0;
        unsigned line = 1;
        for (size_t i = 0; i < off && text[i]; i++)
            line += text[i] == '\n';
        snprintf(err, SCN_ERR_MAX, "%s: $: expected valid JSON, got a syntax error near line %u", file, line);
        return false;
    }
    bool ok = false;
    char cards_file[512], desc[2];
    (void)desc;
    uint64_t reps;
    if (!scnj_want_object(&c, root, "$") || !scnj_keys_ok(&c, root, "$", keys) ||
        !scnj_str(&c, root, "$", "name", "unnamed", s->name, sizeof s->name) ||
        !scnj_u64(&c, root, "$", "seed", 0, 1ULL << 53, 1, &s->seed) ||
        !scnj_u64(&c, root, "$", "duration_s", 1, SCN_DURATION_MAX, 86400, &s->duration_s) ||
        !scnj_u64(&c, root, "$", "warmup_s", 0, SCN_DURATION_MAX, 0, &s->warmup_s) ||
        !scnj_u64(&c, root, "$", "replications", 1, 100000, 1, &reps) ||
        !scnj_str(&c, root, "$", "cards_file", "", cards_file, sizeof cards_file))
        goto out;
    s->replications = (uint32_t)reps;
    /* the name becomes a file name under results/: nothing that could leave it */
    if (!s->name[0] || s->name[0] == '.' || strspn(s->name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                                             "0123456789._-") != strlen(s->name)) {
        scnj_fail(&c, "$.name", "expected letters, digits, '.', '_' and '-', not starting with '.' (it names "
                                "the results file), got \"%s\"", s->name);
        goto out;
    }
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(root, "description");
    if (d && !cJSON_IsString(d)) {
        scnj_fail(&c, "$.description", "expected a string, got %s", scnj_type_name(d));
        goto out;
    }
    if (s->warmup_s >= s->duration_s) {
        scnj_fail(&c, "$.warmup_s", "expected less than duration_s (%llu), got %llu",
             (unsigned long long)s->duration_s, (unsigned long long)s->warmup_s);
        goto out;
    }
    /* the catalogue after the timing section, which may name its directory */
    if (!parse_protocol(&c, root, s) || !parse_chain_relay(&c, root, s) ||
        !scn_load_cards(&c, cards_file, s) || !parse_network(&c, root, s) || !parse_apps(&c, root, s) ||
        !scn_parse_limits(&c, root, s))
        goto out;
    s->text = strdup(text);
    ok = true;
out:
    cJSON_Delete(root);
    if (!ok)
        scn_free(s);
    return ok;
}

bool scn_load_edited(const char *path, scn_edit_fn edit, void *ctx, scn *out, char err[SCN_ERR_MAX])
{
    memset(out, 0, sizeof *out);
    size_t len;
    char *text = scnj_read_file(path, &len);
    if (!text) {
        snprintf(err, SCN_ERR_MAX, "%s: $: expected a readable file, got %s", path, scnj_read_error());
        return false;
    }
    if (edit) {
        char *edited = edit(text, ctx, err);
        free(text);
        if (!edited)
            return false;
        text = edited;
    }
    char *dir = scn_base_dir(path);
    bool ok = scn_parse(text, path, dir, out, err);
    free(dir);
    free(text);
    return ok;
}

char *scn_base_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
}

bool scn_load(const char *path, scn *out, char err[SCN_ERR_MAX])
{
    return scn_load_edited(path, NULL, NULL, out, err);
}

void scn_free(scn *s)
{
    for (uint32_t i = 0; s->apps && i < s->n_apps; i++) {
        free(s->apps[i].kinds);
        free(s->apps[i].csv_times_s);
    }
    free(s->apps);
    free(s->mix);
    free(s->preloaded);
    free(s->behaviours);
    free(s->sd_pair);
    free(s->cards);
    free(s->text);
    memset(s, 0, sizeof *s);
}
