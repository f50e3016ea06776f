/* First difference between two JSON values, as a JSON path ($.a.b[3]) with
 * both sides printed compactly. */
#ifndef AVRAMI_REPLAY_JDIFF_H
#define AVRAMI_REPLAY_JDIFF_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct jdiff {
    char path[256];
    char expected[160];
    char got[160];
} jdiff;

/* Returns true when equal.  Object key order does not matter; numbers are
 * compared by value. */
bool jdiff_equal(const cJSON *expected, const cJSON *got, const char *path, jdiff *out);

#endif
