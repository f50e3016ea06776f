/* The scenario's card catalogue: models/cards.json, the one file both timing
 * models read (docs/scenarios.md, docs/kernels.md).
 *
 * Every card of the file becomes a scenario card: its VRAM is the card's
 * memory, its calibrated timing the card's peaks and efficiencies, and its
 * relative speed for the parametric model follows from the same peaks (see
 * relative_speed).  Scenarios name cards as nodes report them ("NVIDIA
 * GeForce RTX 4090", "Apple M2 Max"); the vendor words are dropped before
 * the name or an alias of the file is looked up. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/scn.h"
#include "scenario/scn_json.h"

/* The card the parametric model's exec_base_s and exec_per_unit_s are
 * stated for. */
#define REFERENCE_CARD "RTX 4090"

static const char *const PREFIXES[] = {"NVIDIA GeForce ", "NVIDIA ", "GeForce ", "Apple ", ""};
#define NPREFIXES (sizeof PREFIXES / sizeof *PREFIXES)

/* Throughput relative to the reference card, for the parametric model:
 * the geometric mean of the bandwidth ratio (what LLM decoding is bound
 * by) and the FP16 ratio (what diffusion and prefill are bound by), from
 * the peak figures of cards.json.  Peaks, not efficiencies: the parametric
 * model stays a coarse placeholder, but one whose every number has a
 * source. */
static double relative_speed(const tim_card *c, const tim_card *ref)
{
    return sqrt(c->bw_gbs / ref->bw_gbs * c->fp16_tflops / ref->fp16_tflops);
}

bool scn_load_cards(pctx *c, const char *given, scn *s)
{
    char err[512];
    const char *path = "$.cards_file";
    if (given[0]) {
        if (!scnj_find_relative(c, given, "", s->cards_path, sizeof s->cards_path))
            return scnj_fail(c, path, "expected a readable card file, got \"%s\" (tried %s)", given, scnj_tried());
    } else if (s->timing_model == SCN_TIMING_CALIBRATED) {
        snprintf(s->cards_path, sizeof s->cards_path, "%s/cards.json", s->models_dir);
    } else if (!scnj_find_relative(c, "models/cards.json", "", s->cards_path, sizeof s->cards_path)) {
        return scnj_fail(c, path, "expected models/cards.json to be readable (or a cards_file; tried %s)",
                         scnj_tried());
    }
    tim_card *all = NULL;
    int n = 0;
    if (tim_card_load_all(s->cards_path, &all, &n, err, sizeof err))
        return scnj_fail(c, path, "expected a valid card catalogue: %s", err);
    if (s->timing_model == SCN_TIMING_CALIBRATED && !(all[0].eff_bw_w[TIM_W_F16] > 0)) {
        free(all);
        return scnj_fail(c, path, "expected validation/fit.json beside %s (the measurements the "
                         "calibrated model fits card efficiencies on)", s->cards_path);
    }
    const tim_card *ref = NULL;
    for (int i = 0; i < n; i++)
        if (!strcmp(all[i].name, REFERENCE_CARD))
            ref = &all[i];
    if (!ref) {
        free(all);
        return scnj_fail(c, path, "expected the card \"%s\" in %s (the parametric model's "
                         "task times are stated for it)", REFERENCE_CARD, s->cards_path);
    }
    s->cards = calloc((size_t)n, sizeof *s->cards);
    if (!s->cards) {
        free(all);
        return scnj_fail(c, path, "expected a catalogue that fits in memory");
    }
    for (int i = 0; i < n; i++) {
        scn_card *k = &s->cards[i];
        snprintf(k->name, sizeof k->name, "%s", all[i].name);
        k->vram_gb = all[i].mem_gb < 1 ? 1 : (uint32_t)all[i].mem_gb;
        k->relative_speed = relative_speed(&all[i], ref);
        k->timing = all[i];
    }
    s->n_cards = (uint32_t)n;
    free(all);
    return true;
}

/* The catalogue name or alias nearest to `name` (edit distance, ignoring
 * the vendor words), or NULL when none is close. */
static const char *nearest(const scn *s, const char *name)
{
    const char *best = NULL;
    unsigned bestd = 7;
    for (uint32_t i = 0; i < s->n_cards; i++) {
        unsigned d = scn_edit_distance(s->cards[i].timing.name, name);
        if (d < bestd) {
            bestd = d;
            best = s->cards[i].timing.name;
        }
    }
    return best;
}

bool scn_find_card(pctx *c, scn *s, const char *path, const char *name, uint32_t *out)
{
    char err[512];
    for (size_t p = 0; p < NPREFIXES; p++) {
        size_t n = strlen(PREFIXES[p]);
        if (strncmp(name, PREFIXES[p], n) || !name[n])
            continue;
        int idx;
        int rc = tim_card_index(s->cards_path, name + n, &idx, err, sizeof err);
        if (rc == 2)
            return scnj_fail(c, path, "expected a readable card catalogue: %s", err);
        if (rc == 0 && (uint32_t)idx < s->n_cards) {
            scn_card *k = &s->cards[idx];
            /* results show the card under the name the scenario first used */
            if (!k->named) {
                snprintf(k->name, sizeof k->name, "%s", name);
                k->named = true;
            }
            *out = (uint32_t)idx;
            return true;
        }
    }
    /* suggest with the vendor words the scenario used */
    size_t pre = 0;
    for (size_t p = 0; p < NPREFIXES && !pre; p++)
        if (!strncmp(name, PREFIXES[p], strlen(PREFIXES[p])))
            pre = strlen(PREFIXES[p]);
    const char *best = nearest(s, name + pre);
    if (best)
        return scnj_fail(c, path, "expected a card of %s (its name or an alias, optionally after "
                         "\"NVIDIA GeForce \", \"NVIDIA \", \"GeForce \" or \"Apple \"), got \"%s\" "
                         "(did you mean \"%.*s%s\"?)", s->cards_path, name, (int)pre, name, best);
    return scnj_fail(c, path, "expected a card of %s (its name or an alias, optionally after "
                     "\"NVIDIA GeForce \", \"NVIDIA \", \"GeForce \" or \"Apple \"), got \"%s\"",
                     s->cards_path, name);
}
