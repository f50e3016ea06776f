/* Scenario parts read by the calibrated timing model.  Internal to
 * scenario/ (scn_timing_workload is public, in scn.h). */
#ifndef AVRAMI_SCENARIO_SCN_TIMING_H
#define AVRAMI_SCENARIO_SCN_TIMING_H

#include <stdbool.h>

#include "scenario/scn.h"
#include "scenario/scn_json.h"

/* $.timing: model, noise, and for "calibrated" overheads and models_dir. */
bool scn_timing_parse(pctx *c, const cJSON *root, scn *s);
/* Calibrated: resolves the kind's model and reads its workload keys, then
 * fills model_size_mb and vram_gb from the model when the scenario left them
 * out.  Parametric: refuses the workload keys. */
bool scn_timing_kind(pctx *c, const cJSON *o, const char *p, const scn *s, scn_task_kind *k);
#endif
