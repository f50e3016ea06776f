/* tim_cards: models/cards.json.  A card's peak figures each carry a source;
 * its efficiencies are not free numbers but derived here from the published
 * llama.cpp measurements the card lists (tokens/s, the weight file size and
 * parameter count that llama-bench prints), so every number the timing model
 * uses can be traced to a page.  A card without measurements must say that
 * it takes the host calibration's efficiency. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timing/tim.h"
#include "timing/tim_json.h"

#define DEFAULT_EFF_BW 0.6       /* used only when host.json is absent too */
#define DEFAULT_EFF_COMPUTE 0.4
#define GIB 1073741824.0

static const char *const WEIGHT_NAMES[TIM_NW] = {"Q4_0", "Q8_0", "F16"};
static const char *const FAMILY_NAMES[TIM_NFAMILIES] = {
    "Volta", "Turing", "Ampere", "Ada", "Hopper", "Blackwell",
    "Apple M1", "Apple M2", "Apple M3", "Apple M4"};
static const char *const SOURCED[] = {"mem_gb", "bw_gbs", "fp16_tflops", "fp32_tflops"};

const char *tim_family_name(tim_family f)
{
    return f >= 0 && f < TIM_NFAMILIES ? FAMILY_NAMES[f] : "?";
}

int tim_family_of_name(const char *s)
{
    for (int f = 0; s && f < TIM_NFAMILIES; f++)
        if (!strcmp(s, FAMILY_NAMES[f]))
            return f;
    return -1;
}

tim_weights tim_weights_of_bits(double bits)
{
    return bits < 6 ? TIM_W_Q4_0 : bits < 12 ? TIM_W_Q8_0 : TIM_W_F16;
}

const char *tim_weights_name(tim_weights w)
{
    return w >= 0 && w < TIM_NW ? WEIGHT_NAMES[w] : "?";
}

void tim_card_eff(const tim_card *c, double bits, double *eff_bw, double *eff_compute,
                  int *measured)
{
    tim_weights w = tim_weights_of_bits(bits);
    *eff_bw = c->eff_bw_w[w] > 0 ? c->eff_bw_w[w] : c->eff_bw;
    *eff_compute = c->eff_compute_w[w] > 0 ? c->eff_compute_w[w] : c->eff_compute;
    if (measured)
        *measured = c->eff_bw_w[w] > 0 && c->eff_compute_w[w] > 0;
}

/* host.json next to cards.json supplies default efficiencies */
static void host_defaults(const char *cards_path, double *bw, double *cp)
{
    char p[1024], err[256];
    const char *slash = strrchr(cards_path, '/');
    int dl = slash ? (int)(slash - cards_path) : 1;
    snprintf(p, sizeof p, "%.*s/calibration/host.json", dl, slash ? cards_path : ".");
    *bw = DEFAULT_EFF_BW;
    *cp = DEFAULT_EFF_COMPUTE;
    cJSON *j = tim_json_parse_file(p, err, sizeof err);
    if (!j)
        return;
    cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "efficiency");
    cJSON *b = cJSON_GetObjectItemCaseSensitive(e, "bandwidth"),
          *c = cJSON_GetObjectItemCaseSensitive(e, "compute");
    if (cJSON_IsNumber(b) && b->valuedouble > 0)
        *bw = b->valuedouble;
    if (cJSON_IsNumber(c) && c->valuedouble > 0)
        *cp = c->valuedouble;
    cJSON_Delete(j);
}

static int nonempty_string(cJSON *v)
{
    return cJSON_IsString(v) && v->valuestring[0];
}

/* One entry of .cards[i].measured: derive its efficiencies into c. */
static int load_measurement(cJSON *m, int i, int j, const char *path, tim_card *c, char *err,
                            size_t errlen)
{
    char arr[48];
    snprintf(arr, sizeof arr, "cards[%d].measured", i);
    cJSON *w = cJSON_GetObjectItemCaseSensitive(m, "weights");
    int wi = -1;
    for (int k = 0; k < TIM_NW && cJSON_IsString(w); k++)
        if (!strcmp(w->valuestring, WEIGHT_NAMES[k]))
            wi = k;
    if (wi < 0) {
        snprintf(err, errlen, "%s: .%s[%d].weights: expected \"Q4_0\", \"Q8_0\" or \"F16\"", path,
                 arr, j);
        return -1;
    }
    if (c->eff_bw_w[wi] > 0) {
        snprintf(err, errlen, "%s: .%s[%d].weights: %s is measured twice", path, arr, j,
                 WEIGHT_NAMES[wi]);
        return -1;
    }
    if (!nonempty_string(cJSON_GetObjectItemCaseSensitive(m, "source"))) {
        snprintf(err, errlen, "%s: .%s[%d].source: expected where the figures were published",
                 path, arr, j);
        return -1;
    }
    double gib, params_b, tg, pp = 0;
    if (tim_json_num(m, "weights_gib", &gib, path, arr, j, err, errlen) ||
        tim_json_num(m, "params_b", &params_b, path, arr, j, err, errlen) ||
        tim_json_num(m, "tg128_tps", &tg, path, arr, j, err, errlen))
        return -1;
    if (cJSON_GetObjectItemCaseSensitive(m, "pp512_tps") &&
        tim_json_num(m, "pp512_tps", &pp, path, arr, j, err, errlen))
        return -1;
    /* decode reads every weight once per token; prefill does 2 FLOPs per
     * parameter per prompt token */
    double eb = tg * gib * GIB / (c->bw_gbs * 1e9);
    double ec = pp > 0 ? pp * 2.0 * params_b * 1e9 / (c->fp16_tflops * 1e12) : 0;
    if (!(eb > 0 && eb <= 1) || (pp > 0 && !(ec > 0 && ec <= 1))) {
        snprintf(err, errlen,
                 "%s: .%s[%d]: derived %s efficiency %.3f is outside (0, 1]: check the "
                 "figures against the card's peaks",
                 path, arr, j, eb > 1 || !(eb > 0) ? "bandwidth" : "compute", eb > 1 ? eb : ec);
        return -1;
    }
    c->eff_bw_w[wi] = eb;
    c->eff_compute_w[wi] = ec;
    return 0;
}

/* Checks card i and fills c from it. */
static int load_card(cJSON *o, int i, const char *path, double host_bw, double host_cp,
                     tim_card *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    cJSON *n = cJSON_GetObjectItemCaseSensitive(o, "name");
    if (!nonempty_string(n)) {
        snprintf(err, errlen, "%s: .cards[%d].name: expected a non-empty string", path, i);
        return -1;
    }
    snprintf(c->name, sizeof c->name, "%s", n->valuestring);
    cJSON *fam = cJSON_GetObjectItemCaseSensitive(o, "family");
    int f = tim_family_of_name(cJSON_IsString(fam) ? fam->valuestring : NULL);
    if (f < 0) {
        char names[160] = "";
        for (int k = 0; k < TIM_NFAMILIES; k++)
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s\"%s\"",
                     k ? ", " : "", FAMILY_NAMES[k]);
        snprintf(err, errlen, "%s: .cards[%d].family: expected one of %s", path, i, names);
        return -1;
    }
    c->family = (tim_family)f;
    if (tim_json_num(o, "mem_gb", &c->mem_gb, path, "cards", i, err, errlen) ||
        tim_json_num(o, "bw_gbs", &c->bw_gbs, path, "cards", i, err, errlen) ||
        tim_json_num(o, "fp16_tflops", &c->fp16_tflops, path, "cards", i, err, errlen) ||
        tim_json_num(o, "fp32_tflops", &c->fp32_tflops, path, "cards", i, err, errlen))
        return -1;
    cJSON *src = cJSON_GetObjectItemCaseSensitive(o, "sources");
    for (size_t k = 0; k < sizeof SOURCED / sizeof *SOURCED; k++)
        if (!nonempty_string(cJSON_GetObjectItemCaseSensitive(src, SOURCED[k]))) {
            snprintf(err, errlen, "%s: .cards[%d].sources.%s: expected the source of %s (a "
                     "non-empty string)", path, i, SOURCED[k], SOURCED[k]);
            return -1;
        }
    cJSON *ms = cJSON_GetObjectItemCaseSensitive(o, "measured"), *m;
    int j = 0;
    if (cJSON_GetArraySize(ms) == 0) {
        cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "efficiency");
        if (!cJSON_IsString(e) || strncmp(e->valuestring, "default: host", 13)) {
            snprintf(err, errlen, "%s: .cards[%d]: expected published measurements in "
                     "\"measured\", or \"efficiency\": \"default: host ...\"", path, i);
            return -1;
        }
    }
    cJSON_ArrayForEach(m, ms) {
        if (load_measurement(m, i, j++, path, c, err, errlen))
            return -1;
    }
    /* the default for formats without a measurement: Q4_0's, else the first measured */
    for (int k = 0; k < TIM_NW; k++) {
        if (c->eff_bw > 0 && c->eff_compute > 0)
            break;
        if (c->eff_bw == 0 && c->eff_bw_w[k] > 0)
            c->eff_bw = c->eff_bw_w[k];
        if (c->eff_compute == 0 && c->eff_compute_w[k] > 0)
            c->eff_compute = c->eff_compute_w[k];
    }
    c->bw_from_host = c->eff_bw == 0;
    c->compute_from_host = c->eff_compute == 0;
    if (c->bw_from_host)
        c->eff_bw = host_bw;
    if (c->compute_from_host)
        c->eff_compute = host_cp;
    c->eff_from_host = c->bw_from_host || c->compute_from_host;
    return 0;
}

/* A name or alias that two cards share would make a lookup silently pick
 * the first: refuse the file.  s (at JSON path .cards[i]<sub>) is checked
 * against the names and aliases of cards 0..i-1. */
static int unique_name(cJSON *cards, int i, const char *sub, const char *s, const char *path,
                       char *err, size_t errlen)
{
    cJSON *a;
    int k = 0;
    cJSON_ArrayForEach(a, cards) {
        if (k >= i)
            break;
        if (tim_json_name_matches(a, s)) {
            snprintf(err, errlen, "%s: .cards[%d]%s: \"%s\" is already a name or alias of .cards[%d]",
                     path, i, sub, s, k);
            return -1;
        }
        k++;
    }
    return 0;
}

static int check_unique(cJSON *cards, cJSON *o, int i, const char *path, char *err, size_t errlen)
{
    cJSON *n = cJSON_GetObjectItemCaseSensitive(o, "name"), *a;
    if (unique_name(cards, i, ".name", n->valuestring, path, err, errlen))
        return -1;
    int j = 0;
    cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(o, "aliases")) {
        char sub[32];
        snprintf(sub, sizeof sub, ".aliases[%d]", j++);
        if (!cJSON_IsString(a)) {
            snprintf(err, errlen, "%s: .cards[%d]%s: expected a string", path, i, sub);
            return -1;
        }
        if (unique_name(cards, i, sub, a->valuestring, path, err, errlen))
            return -1;
    }
    return 0;
}

/* One pass over the file: checks every card; the card answering to `name`
 * (NULL: none) goes to *one and its position to *index; with all != NULL
 * every card goes to a new array *all of *n.  0; 1 no card named `name`;
 * 2 bad file (err). */
static int read_cards(const char *path, const char *name, tim_card *one, int *index,
                      tim_card **all, int *n, char *err, size_t errlen)
{
    cJSON *j = tim_json_parse_file(path, err, errlen), *o;
    if (!j)
        return 2;
    cJSON *cards = cJSON_GetObjectItemCaseSensitive(j, "cards");
    int count = cJSON_GetArraySize(cards);
    if (!cJSON_IsArray(cards) || count == 0) {
        snprintf(err, errlen, "%s: .cards: expected a non-empty array of cards", path);
        cJSON_Delete(j);
        return 2;
    }
    tim_card *arr = all ? calloc((size_t)count, sizeof *arr) : NULL;
    double hb, hc;
    host_defaults(path, &hb, &hc);
    int rc = name ? 1 : 0, i = 0;
    cJSON_ArrayForEach(o, cards) {
        tim_card t;
        if ((all && !arr) || load_card(o, i, path, hb, hc, &t, err, errlen) ||
            check_unique(cards, o, i, path, err, errlen)) {
            if (all && !arr)
                snprintf(err, errlen, "%s: out of memory", path);
            rc = 2;
            break;
        }
        if (arr)
            arr[i] = t;
        if (rc == 1 && tim_json_name_matches(o, name)) {
            if (one)
                *one = t;
            if (index)
                *index = i;
            rc = 0;
        }
        i++;
    }
    if (rc == 1)
        snprintf(err, errlen, "%s: no card named '%s'", path, name);
    cJSON_Delete(j);
    if (all && rc != 2) {
        *all = arr;
        *n = count;
    } else {
        free(arr);
    }
    return rc;
}

int tim_card_load(const char *path, const char *name, tim_card *c, char *err, size_t errlen)
{
    return read_cards(path, name, c, NULL, NULL, NULL, err, errlen);
}

int tim_card_load_all(const char *path, tim_card **cards, int *n, char *err, size_t errlen)
{
    return read_cards(path, NULL, NULL, NULL, cards, n, err, errlen);
}

int tim_card_index(const char *path, const char *name, int *index, char *err, size_t errlen)
{
    return read_cards(path, name, NULL, index, NULL, NULL, err, errlen);
}

int tim_card_list(const char *path, char *buf, size_t len)
{
    char err[256];
    cJSON *j = tim_json_parse_file(path, err, sizeof err), *o;
    if (!j)
        return -1;
    buf[0] = 0;
    cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(j, "cards")) {
        cJSON *n = cJSON_GetObjectItemCaseSensitive(o, "name");
        if (cJSON_IsString(n) && strlen(buf) + strlen(n->valuestring) + 3 < len) {
            if (buf[0])
                strcat(buf, ", ");
            strcat(buf, n->valuestring);
        }
    }
    cJSON_Delete(j);
    return 0;
}
