/* tim_json: small JSON helpers shared by the timing data loaders
 * (tim_data.c, tim_cards.c) and the calibrate command that writes
 * host.json. */
#ifndef AVRAMI_TIMING_TIM_JSON_H
#define AVRAMI_TIMING_TIM_JSON_H

#include <cjson/cJSON.h>
#include <stddef.h>

/* o[k] as a positive finite number, or -1 with err "path: .arr[i].k: ...". */
int tim_json_num(cJSON *o, const char *k, double *out, const char *path, const char *arr, int i,
                 char *err, size_t errlen);
/* Sets o[k] = v (in its place, or added at the end), written with 17
 * significant digits so that it reads back as the same double: cJSON's own
 * writer settles for 15 when they come within an epsilon.  null when v is
 * not finite.  The item, or NULL. */
cJSON *tim_json_set_exact(cJSON *o, const char *k, double v);
/* 1 when o's "name" or one of its "aliases" equals name (ignoring case). */
int tim_json_name_matches(cJSON *o, const char *name);

#endif
