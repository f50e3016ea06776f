/* tim_json: small JSON helpers shared by the timing data loaders
 * (tim_data.c, tim_cards.c).  Internal to sim/timing. */
#ifndef AVRAMI_TIMING_TIM_JSON_H
#define AVRAMI_TIMING_TIM_JSON_H

#include <cjson/cJSON.h>
#include <stddef.h>

/* o[k] as a positive finite number, or -1 with err "path: .arr[i].k: ...". */
int tim_json_num(cJSON *o, const char *k, double *out, const char *path, const char *arr, int i,
                 char *err, size_t errlen);
/* 1 when o's "name" or one of its "aliases" equals name (ignoring case). */
int tim_json_name_matches(cJSON *o, const char *name);

#endif
