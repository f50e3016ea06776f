/* tim_cards: models/cards.json, the cards' published peak figures, each with
 * its source.  Efficiencies are not in this file: tim_fit.c derives them from
 * the published measurements in models/validation/fit.json, per runtime and
 * architecture family, so every number the timing model uses can be traced
 * to a page. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timing/tim.h"
#include "timing/tim_json.h"
#include "util/rfile.h"

static const char *const WEIGHT_NAMES[TIM_NW] = {"Q4_0", "Q8_0", "F16"};
static const char *const FAMILY_NAMES[TIM_NFAMILIES] = {
    "Volta", "Turing", "Ampere", "Ada", "Hopper", "Blackwell",
    "Apple M1", "Apple M2", "Apple M3", "Apple M4"};
static const char *const SOURCED[] = {"mem_gb", "bw_gbs", "fp16_tflops", "fp32_tflops"};
static const char *const RUNTIMES[TIM_NRT] = {"llama.cpp", "transformers", "diffusers"};
static const char *const SRC_NAMES[] = {"none", "the card's own measurements",
                                        "its family's measurements", "its vendor's measurements",
                                        "all measured cards of the runtime"};

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

const char *tim_runtime_name(tim_runtime r)
{
    return r >= 0 && r < TIM_NRT ? RUNTIMES[r] : "?";
}

int tim_runtime_parse(const char *s, tim_runtime *out)
{
    for (int r = 0; r < TIM_NRT; r++)
        if (!strcmp(s, RUNTIMES[r])) {
            *out = (tim_runtime)r;
            return 0;
        }
    return -1;
}

const char *tim_src_name(tim_src s)
{
    return s >= 0 && s <= TIM_SRC_RUNTIME ? SRC_NAMES[s] : "?";
}

void tim_card_eff(const tim_card *c, double bits, double *eff_bw, double *eff_compute,
                  int *measured)
{
    tim_weights w = tim_weights_of_bits(bits);
    *eff_bw = c->eff_bw_w[w];
    *eff_compute = c->eff_compute_w[w];
    if (measured)
        *measured = c->bw_src[w] == TIM_SRC_CARD && c->compute_src[w] == TIM_SRC_CARD;
}

static int nonempty_string(cJSON *v)
{
    return cJSON_IsString(v) && v->valuestring[0];
}

/* An optional figure k of card i: def when absent; when present, a positive
 * number with its own entry in sources. */
static int optional_sourced(cJSON *o, cJSON *src, const char *k, double def, double *out, int i,
                            const char *path, char *err, size_t errlen)
{
    *out = def;
    if (!cJSON_GetObjectItemCaseSensitive(o, k))
        return 0;
    if (tim_json_num(o, k, out, path, "cards", i, err, errlen))
        return -1;
    if (!nonempty_string(cJSON_GetObjectItemCaseSensitive(src, k))) {
        snprintf(err, errlen, "%s: .cards[%d].sources.%s: expected the source of %s (a non-empty "
                 "string)", path, i, k, k);
        return -1;
    }
    return 0;
}

/* Checks card i and fills c's specs from it. */
static int load_card(cJSON *o, int i, const char *path, tim_card *c, char *err, size_t errlen)
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
    /* the memory technology, which bounds how much of the peak bandwidth a
     * token's weight stream reaches */
    cJSON *mem = cJSON_GetObjectItemCaseSensitive(o, "memory");
    c->hbm = cJSON_IsString(mem) && strstr(mem->valuestring, "HBM") != NULL;
    if (tim_json_num(o, "mem_gb", &c->mem_gb, path, "cards", i, err, errlen) ||
        tim_json_num(o, "bw_gbs", &c->bw_gbs, path, "cards", i, err, errlen) ||
        tim_json_num(o, "fp16_tflops", &c->fp16_tflops, path, "cards", i, err, errlen) ||
        tim_json_num(o, "fp32_tflops", &c->fp32_tflops, path, "cards", i, err, errlen))
        return -1;
    cJSON *src = cJSON_GetObjectItemCaseSensitive(o, "sources");
    /* figures given only where the family rule does not hold, with a source */
    if (optional_sourced(o, src, "fp16_acc32_tflops", c->fp16_tflops, &c->fp16_acc32_tflops, i,
                         path, err, errlen) ||
        optional_sourced(o, src, "int32_tops", 0, &c->int32_tops, i, path, err, errlen) ||
        optional_sourced(o, src, "tdp_w", 0, &c->tdp_w, i, path, err, errlen))
        return -1;
    if (c->fp16_acc32_tflops > c->fp16_tflops) {
        snprintf(err, errlen, "%s: .cards[%d].fp16_acc32_tflops: expected at most fp16_tflops "
                 "(%g)", path, i, c->fp16_tflops);
        return -1;
    }
    for (size_t k = 0; k < sizeof SOURCED / sizeof *SOURCED; k++)
        if (!nonempty_string(cJSON_GetObjectItemCaseSensitive(src, SOURCED[k]))) {
            snprintf(err, errlen, "%s: .cards[%d].sources.%s: expected the source of %s (a "
                     "non-empty string)", path, i, SOURCED[k], SOURCED[k]);
            return -1;
        }
    /* the foundry process: which cards' watts per unit of peak compare */
    cJSON *proc = cJSON_GetObjectItemCaseSensitive(o, "process");
    if (proc && !(nonempty_string(proc) && strlen(proc->valuestring) < sizeof c->process)) {
        snprintf(err, errlen, "%s: .cards[%d].process: expected the die's foundry process (a "
                 "string of at most %zu characters)", path, i, sizeof c->process - 1);
        return -1;
    }
    if (proc && !nonempty_string(cJSON_GetObjectItemCaseSensitive(src, "process"))) {
        snprintf(err, errlen, "%s: .cards[%d].sources.process: expected the source of process (a "
                 "non-empty string)", path, i);
        return -1;
    }
    if (proc)
        snprintf(c->process, sizeof c->process, "%s", proc->valuestring);
    cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "vendor");
    if (!nonempty_string(v)) {
        snprintf(err, errlen, "%s: .cards[%d].vendor: expected \"NVIDIA\" or \"Apple\"", path, i);
        return -1;
    }
    snprintf(c->vendor, sizeof c->vendor, "%s", v->valuestring);
    if (cJSON_GetObjectItemCaseSensitive(o, "measured")) {
        snprintf(err, errlen, "%s: .cards[%d].measured: measurements belong in "
                 "validation/fit.json or validation/check.json (with their sources)", path, i);
        return -1;
    }
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
 * every card goes to a new array *all of *n.  Specs only: the efficiencies
 * are tim_fit.c's.  0; 1 no card named `name`; 2 bad file (err). */
static int read_cards(const char *path, const char *name, tim_card *one, int *index,
                      tim_card **all, int *n, char *err, size_t errlen)
{
    cJSON *j = rfile_json(path, err, errlen), *o;
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
    int rc = name ? 1 : 0, i = 0;
    cJSON_ArrayForEach(o, cards) {
        tim_card t;
        if ((all && !arr) || load_card(o, i, path, &t, err, errlen) ||
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

int tim_cards_read(const char *path, tim_card **out, int *n, char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    return read_cards(path, NULL, NULL, NULL, out, n, err, errlen);
}

/* validation/fit.json beside the card file */
static void fit_path_of(const char *path, char *fit, size_t len, char *dir, size_t dlen)
{
    const char *slash = strrchr(path, '/');
    if (slash)
        snprintf(dir, dlen, "%.*s", (int)(slash - path), path);
    else
        snprintf(dir, dlen, ".");
    snprintf(fit, len, "%s/validation/fit.json", dir);
}

int tim_card_load_all(const char *path, tim_card **cards, int *n, char *err, size_t errlen)
{
    if (tim_cards_read(path, cards, n, err, errlen))
        return 2;
    char dir[1024], fit[1100];
    fit_path_of(path, fit, sizeof fit, dir, sizeof dir);
    FILE *f = fopen(fit, "rb");
    if (!f) /* a card file of specs alone (the parametric model's) */
        return 0;
    fclose(f);
    if (tim_fit_cards(fit, dir, *cards, *n, NULL, err, errlen)) {
        free(*cards);
        *cards = NULL;
        return 2;
    }
    return 0;
}

int tim_card_load(const char *path, const char *name, tim_card *c, char *err, size_t errlen)
{
    int idx, rc = tim_card_index(path, name, &idx, err, errlen), n;
    if (rc)
        return rc;
    tim_card *all;
    if (tim_card_load_all(path, &all, &n, err, errlen))
        return 2;
    *c = all[idx];
    free(all);
    if (!(c->eff_bw_w[TIM_W_F16] > 0)) {
        char dir[1024], fit[1100];
        fit_path_of(path, fit, sizeof fit, dir, sizeof dir);
        snprintf(err, errlen, "%s: cannot read the file (the measurements the card "
                 "efficiencies are fitted on)", fit);
        return 2;
    }
    return 0;
}

int tim_card_index(const char *path, const char *name, int *index, char *err, size_t errlen)
{
    return read_cards(path, name, NULL, index, NULL, NULL, err, errlen);
}

int tim_card_list(const char *path, char *buf, size_t len)
{
    char err[256];
    cJSON *j = rfile_json(path, err, sizeof err), *o;
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
