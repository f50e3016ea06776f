/* Where avrami finds its data (models/, plots/) wherever it is run from.
 *
 * A name such as "models" is tried, in order:
 *   1. $AVRAMI_DATA/NAME       (AVRAMI_DATA set: a data directory of your own)
 *   2. ./NAME                  (run from the source tree)
 *   3. EXE/../NAME             (build/avrami in a source tree)
 *   4. EXE/../share/avrami/NAME (`make install PREFIX=...`: PREFIX/bin/avrami)
 * where EXE is the directory of the running executable.  A candidate counts
 * when NAME + probe is readable (probe: a file that must be inside, e.g.
 * "/llms.json", or "" for NAME itself).  Prefix `datadir_`. */
#ifndef AVRAMI_UTIL_DATADIR_H
#define AVRAMI_UTIL_DATADIR_H

#include <stdbool.h>
#include <stddef.h>

#define DATADIR_PATH_MAX 4096

/* True with the first candidate in out; false with out = NAME as given and,
 * in tried (when not NULL), the candidates in order, separated by ", ",
 * for an error message that lists where avrami looked. */
bool datadir_find(const char *name, const char *probe, char out[DATADIR_PATH_MAX], char *tried,
                  size_t tried_cap);

/* The models directory the commands default to: the first candidate that
 * holds llms.json, else "models" after a message on stderr listing the
 * places tried.  The string lives for the process. */
const char *datadir_models(void);

#endif
