/* network.behaviours[], network.honest_rejoin and network.sd_hash_noise:
 * the attackers and faulty nodes of a scenario (docs/scenarios.md).
 *
 * Each behaviour entry is one actor.  Keys that mean nothing for an entry's
 * kind are rejected, so a "factor" given to a cheater is an error rather
 * than silently ignored. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/scn.h"
#include "scenario/scn_json.h"
#include "scenario/scn_timing.h"

static const char *const KIND_NAMES[] = {"cheater", "colluders", "slow", "flaky", "vanish", "card-liar"};
static const char *const MODE_NAMES[] = {"cheat-when-two", "timeout-attack", "always"};

/* Keys each kind accepts (beyond kind, name, nodes, card, rejoin). */
static const char *const KEYS[][12] = {
    [SCN_BEH_CHEATER] = {"kind", "name", "nodes", "card", "rejoin", "probability", NULL},
    [SCN_BEH_COLLUDERS] = {"kind", "name", "nodes", "card", "rejoin", "mode", NULL},
    [SCN_BEH_SLOW] = {"kind", "name", "nodes", "card", "rejoin", "factor", NULL},
    [SCN_BEH_FLAKY] = {"kind", "name", "nodes", "card", "rejoin", "miss_probability", NULL},
    [SCN_BEH_VANISH] = {"kind", "name", "nodes", "card", "rejoin", "at_s", NULL},
    [SCN_BEH_CARD_LIAR] = {"kind", "name", "nodes", "card", "rejoin", "claims", NULL},
};

static bool pick_name(pctx *c, const char *path, const char *key, const char *const *names, int n,
                      const char *got, int *out)
{
    char p[PATH_MAX_LEN], list[256] = "";
    for (int i = 0; i < n; i++) {
        if (!strcmp(names[i], got)) {
            *out = i;
            return true;
        }
        size_t l = strlen(list);
        snprintf(list + l, sizeof list - l, "%s\"%s\"", i ? ", " : "", names[i]);
    }
    scnj_sub(p, path, key);
    return scnj_fail(c, p, "expected one of %s, got \"%s\"", list, got);
}

static bool optional_card(pctx *c, scn *s, const cJSON *o, const char *path, const char *key,
                          int32_t *out)
{
    char name[SCN_NAME_MAX], p[PATH_MAX_LEN];
    *out = -1;
    if (!cJSON_GetObjectItemCaseSensitive(o, key))
        return true;
    uint32_t idx;
    scnj_sub(p, path, key);
    if (!scnj_str(c, o, path, key, NULL, name, sizeof name) || !scn_find_card(c, s, p, name, &idx))
        return false;
    *out = (int32_t)idx;
    return true;
}

static bool parse_one(pctx *c, const cJSON *o, const char *p, scn *s, uint32_t i)
{
    scn_behaviour *b = &s->behaviours[i];
    char kind[32], mode[32], def[48];
    int k = 0, md = 0;
    if (!scnj_want_object(c, o, p) || !scnj_str(c, o, p, "kind", NULL, kind, sizeof kind) ||
        !pick_name(c, p, "kind", KIND_NAMES, 6, kind, &k) || !scnj_keys_ok(c, o, p, KEYS[k]))
        return false;
    b->kind = (scn_beh_kind)k;
    snprintf(def, sizeof def, "%s-%u", kind, i);
    if (!scnj_str(c, o, p, "name", def, b->name, sizeof b->name) ||
        !scnj_u32(c, o, p, "nodes", 1, 10000000, 1, &b->nodes) ||
        !optional_card(c, s, o, p, "card", &b->card) ||
        !scnj_bool(c, o, p, "rejoin", false, &b->rejoin) ||
        !scnj_str(c, o, p, "mode", "cheat-when-two", mode, sizeof mode) ||
        !pick_name(c, p, "mode", MODE_NAMES, 3, mode, &md) ||
        !scnj_num(c, o, p, "probability", 0, 1, 1, &b->probability) ||
        !scnj_num(c, o, p, "factor", 1e-3, 1e6, 2, &b->factor) ||
        !scnj_num(c, o, p, "at_s", 0, 1e12, 0, &b->vanish_at_s) ||
        !optional_card(c, s, o, p, "claims", &b->claims))
        return false;
    b->mode = (scn_collude_mode)md;
    if (b->kind == SCN_BEH_FLAKY && !scnj_num(c, o, p, "miss_probability", 0, 1, 0.1, &b->probability))
        return false;
    char np[PATH_MAX_LEN];
    scnj_sub(np, p, "name");
    if (!strcmp(b->name, "honest"))
        return scnj_fail(c, np, "expected a name other than \"honest\" (the honest nodes' actor)");
    for (uint32_t j = 0; j < i; j++)
        if (!strcmp(s->behaviours[j].name, b->name))
            return scnj_fail(c, np, "expected a name no other behaviour has, got \"%s\" again", b->name);
    if (b->kind == SCN_BEH_CARD_LIAR) {
        char cp[PATH_MAX_LEN];
        scnj_sub(cp, p, "claims");
        if (b->claims < 0)
            return scnj_fail(c, cp, "expected the card name the node tells the chain, got nothing");
        if (b->card < 0)
            return scnj_fail(c, p, "expected \"card\" (the card it really has) beside \"claims\"");
        if (b->card == b->claims)
            return scnj_fail(c, cp, "expected a card other than its own \"card\"");
    }
    return true;
}

/* Per card pair: the probability that a bit of an image's hash differs.
 * The three cards of one task must satisfy the triangle inequality
 * (d_ab <= d_ac + d_bc), or no three hashes could have those distances. */
static bool parse_noise(pctx *c, const cJSON *net, scn *s)
{
    static const char *const nk[] = {"bit_probability", "pairs", NULL};
    static const char *const pk[] = {"cards", "bit_probability", NULL};
    char p[PATH_MAX_LEN];
    const cJSON *o;
    if (!scnj_obj(c, net, "$.network", "sd_hash_noise", nk, &o, p))
        return false;
    if (!o)
        return true;
    double all;
    if (!scnj_num(c, o, p, "bit_probability", 0, 0.5, 0, &all))
        return false;
    uint32_t n = s->n_cards;
    s->sd_pair = malloc((size_t)n * n * sizeof *s->sd_pair);
    for (uint32_t a = 0; a < n; a++)
        for (uint32_t b = 0; b < n; b++)
            s->sd_pair[a * n + b] = a == b ? 0 : all;
    const cJSON *pairs = cJSON_GetObjectItemCaseSensitive(o, "pairs");
    char pp[PATH_MAX_LEN];
    scnj_sub(pp, p, "pairs");
    if (pairs && !cJSON_IsArray(pairs))
        return scnj_fail(c, pp, "expected an array of {\"cards\": [A, B], \"bit_probability\"}, got %s",
                         scnj_type_name(pairs));
    int i = 0;
    for (const cJSON *it = pairs ? pairs->child : NULL; it; it = it->next, i++) {
        char ip[PATH_MAX_LEN], cp[PATH_MAX_LEN];
        scnj_idx(ip, pp, i);
        scnj_sub(cp, ip, "cards");
        if (!scnj_want_object(c, it, ip) || !scnj_keys_ok(c, it, ip, pk))
            return false;
        const cJSON *cards = cJSON_GetObjectItemCaseSensitive(it, "cards");
        if (!cJSON_IsArray(cards) || cJSON_GetArraySize(cards) != 2 || !cJSON_IsString(cards->child) ||
            !cJSON_IsString(cards->child->next))
            return scnj_fail(c, cp, "expected two card names, got %s", cards ? scnj_type_name(cards) : "nothing");
        uint32_t x, y;
        char xp[PATH_MAX_LEN], yp[PATH_MAX_LEN];
        scnj_idx(xp, cp, 0);
        scnj_idx(yp, cp, 1);
        if (!scn_find_card(c, s, xp, cards->child->valuestring, &x) ||
            !scn_find_card(c, s, yp, cards->child->next->valuestring, &y))
            return false;
        if (x == y)
            return scnj_fail(c, yp, "expected a card other than the first (one card's nodes agree bit for bit)");
        double d;
        if (!scnj_num(c, it, ip, "bit_probability", 0, 0.5, all, &d))
            return false;
        s->sd_pair[x * n + y] = s->sd_pair[y * n + x] = d;
    }
    /* only cards that nodes of this scenario run can meet in a task */
    bool *used = calloc(n, sizeof *used);
    for (uint32_t i = 0; i < s->n_mix; i++)
        used[s->mix[i].card] = true;
    for (uint32_t i = 0; i < s->n_behaviours; i++)
        if (s->behaviours[i].card >= 0)
            used[s->behaviours[i].card] = true;
    for (uint32_t a = 0; a < n; a++)
        for (uint32_t b = 0; b < n; b++)
            for (uint32_t k = 0; k < n; k++) {
                const double *d = s->sd_pair;
                if (used[a] && used[b] && used[k] && a != b && b != k && a != k &&
                    d[a * n + b] > d[a * n + k] + d[k * n + b] + 1e-12) {
                    free(used);
                    return scnj_fail(c, p,
                                     "expected bit probabilities that satisfy the triangle inequality, got "
                                     "%g for \"%s\" - \"%s\" but only %g + %g through \"%s\"",
                                     d[a * n + b], s->cards[a].name, s->cards[b].name, d[a * n + k],
                                     d[k * n + b], s->cards[k].name);
                }
            }
    free(used);
    return true;
}

bool scn_parse_behaviours(pctx *c, const cJSON *net, scn *s)
{
    if (!scnj_bool(c, net, "$.network", "honest_rejoin", false, &s->honest_rejoin))
        return false;
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(net, "behaviours");
    if (!arr)
        return parse_noise(c, net, s);
    if (!cJSON_IsArray(arr))
        return scnj_fail(c, "$.network.behaviours", "expected an array of behaviour objects, got %s",
                         scnj_type_name(arr));
    s->n_behaviours = (uint32_t)cJSON_GetArraySize(arr);
    if (s->n_behaviours > 250)
        return scnj_fail(c, "$.network.behaviours", "expected at most 250 behaviours, got %u",
                         s->n_behaviours);
    s->behaviours = calloc(s->n_behaviours ? s->n_behaviours : 1, sizeof *s->behaviours);
    uint32_t i = 0;
    for (const cJSON *it = arr->child; it; it = it->next, i++) {
        char p[PATH_MAX_LEN];
        scnj_idx(p, "$.network.behaviours", (int)i);
        if (!parse_one(c, it, p, s, i))
            return false;
    }
    return parse_noise(c, net, s); /* after the behaviours: their cards are in use too */
}

const char *scn_behaviour_kind_name(scn_beh_kind k) { return KIND_NAMES[k]; }
const char *scn_collude_mode_name(scn_collude_mode m) { return MODE_NAMES[m]; }
