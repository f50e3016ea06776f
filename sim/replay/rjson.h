/* The models' outcomes in the traces' vocabulary (decimal wei, 0x hex, the
 * NetworkStats counters) and the comparisons both replays make. */
#ifndef AVRAMI_REPLAY_RJSON_H
#define AVRAMI_REPLAY_RJSON_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol/proto.h"
#include "replay/jdiff.h"
#include "util/wei.h"

cJSON *rj_wei(wei_t v);
cJSON *rj_hex(const uint8_t *b, size_t n);
/* "stats": the seven counters */
void rj_add_stats(cJSON *state, const proto_stats *s);
/* The entries of object `now` that differ from those of `before` (NULL:
 * none before), as a new object; with `deleted`, a key of `before` that
 * `now` lacks is listed as null.  The recorders' "only what changed"
 * states (docs/conformance-hydrogen.md) are compared through it. */
cJSON *rj_changed(const cJSON *now, const cJSON *before, bool deleted);
/* Compares and frees both values. */
bool rj_same(cJSON *expected, cJSON *got, const char *path, jdiff *d);
/* Step i's "ok" and, when it reverted, its "revert". */
bool rj_outcome(bool want_ok, const char *want_revert, bool ok, const char *reason, size_t i,
                jdiff *d);

#endif
