/* libFuzzer target: the scenario reader (every section: protocol, chain,
 * relay, timing with calibrated cards and models, network with behaviours,
 * applications, limits) and, for small scenarios it accepts, five simulated
 * minutes of the run.  A malformed scenario must only ever be an error
 * message naming the file and the JSON path. */
#include "fuzz_util.h"
#include "run/sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size), err[SCN_ERR_MAX];
    scn s;
    if (scn_parse(text, "fuzz.json", "scenarios", &s, err)) {
        double rate = 0, nodes = s.nodes;
        for (uint32_t a = 0; a < s.n_apps; a++)
            rate += s.apps[a].rate_per_h + s.apps[a].n_csv;
        for (uint32_t b = 0; b < s.n_behaviours; b++)
            nodes += s.behaviours[b].nodes;
        if (nodes <= 200 && rate <= 20000 && s.join_rate_per_h <= 1000) {
            sim_opts o = {.seed = s.seed, .duration_s = 300};
            sim *m = sim_run(&s, &o);
            if (m) {
                FILE *null = fopen("/dev/null", "w");
                sim_summary(m, null);
                fclose(null);
                sim_free(m);
            }
        }
        scn_free(&s);
    }
    free(text);
    return 0;
}
