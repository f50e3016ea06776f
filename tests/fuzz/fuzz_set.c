/* libFuzzer target: `--set PATH=VALUES` expressions, one per input line,
 * applied to a scenario and validated point by point as `avrami sweep`
 * does.  A bad expression must only ever be an error message. */
#include "fuzz_util.h"
#include "scenario/scn.h"
#include "scenario/scn_json.h"
#include "sweep/grid.h"

static char *base;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!base) { /* the scenario, with a card file that needs no fit (fuzz_util.h) */
        char *text = scnj_read_file("scenarios/vanishing-nodes.json", NULL);
        if (!text || !(base = malloc(strlen(text) + 256)))
            abort(); /* run from the repository root */
        const char *brace = strchr(text, '{');
        if (!brace)
            abort();
        sprintf(base, "{\"cards_file\": \"%s\", %s", fuzz_cards_copy(), brace + 1);
        free(text);
    }
    char *text = fuzz_text(data, size), err[GRID_ERR_MAX];
    grid g = {0};
    bool ok = true;
    for (char *save = NULL, *l = strtok_r(text, "\n", &save); l && ok; l = strtok_r(NULL, "\n", &save))
        ok = grid_add(&g, l, err);
    for (uint32_t p = 0; ok && p < g.points && p < 16; p++) {
        char *point = grid_apply(&g, base, p, err);
        if (!point)
            break;
        char *label = grid_label(&g, p), *settings = grid_settings_json(&g, p);
        scn s;
        char serr[SCN_ERR_MAX];
        if (scn_parse(point, "fuzz.json", "scenarios", &s, serr))
            scn_free(&s);
        free(label);
        free(settings);
        free(point);
    }
    char *spec = grid_spec_json(&g);
    free(spec);
    grid_free(&g);
    free(text);
    return 0;
}
