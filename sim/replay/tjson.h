/* Strict reading of conformance traces (helium-trace/1, vss-trace/1): every
 * problem is reported as "FILE: $.json.path: expected ..." and the reader
 * never guesses.  Shared by replay/trace.c and replay/vss_trace.c. */
#ifndef AVRAMI_REPLAY_TJSON_H
#define AVRAMI_REPLAY_TJSON_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/wei.h"

typedef struct tj {
    const char *file;
    char *err;
    size_t errlen;
    char path[256];
} tj;

/* Sets the error (file, current path, message); returns false. */
bool tj_fail(tj *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* path helpers: push returns the old length to pop back to */
size_t tj_push(tj *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tj_pop(tj *r, size_t old);
/* obj.key, with the path pushed (pop with *old); NULL and an error when missing */
const cJSON *tj_field(tj *r, const cJSON *obj, const char *key, size_t *old);
/* Every key of obj must be one of known (NULL-terminated). */
bool tj_keys_known(tj *r, const cJSON *obj, const char *const *known);
/* No object anywhere under j may repeat a key (cJSON keeps the first). */
bool tj_no_duplicates(tj *r, const cJSON *j);
bool tj_get_uint(tj *r, const cJSON *obj, const char *key, uint64_t max, uint64_t *out);
bool tj_get_string(tj *r, const cJSON *obj, const char *key, const char **out);
bool tj_get_wei(tj *r, const cJSON *obj, const char *key, wei_t *out);
/* obj.key: an array of exactly 3 integers from 0 to max (at most
 * TJ_MAX_JSON_INT, the largest a JSON number holds exactly). */
#define TJ_MAX_JSON_INT 9007199254740992ull
bool tj_get_uint3(tj *r, const cJSON *obj, const char *key, uint64_t max, uint64_t out[3]);
/* "0x" + an even number of hex digits; exact32 demands 32 bytes into fixed,
 * else a malloc'd copy in *dyn of *len bytes. */
bool tj_get_hex(tj *r, const cJSON *obj, const char *key, bool exact32, uint8_t *fixed,
                uint8_t **dyn, size_t *len);
/* The same for a value already at the current path. */
bool tj_hex(tj *r, const cJSON *v, bool exact32, uint8_t *fixed, uint8_t **dyn, size_t *len);
/* obj.key names one of the n actors. */
bool tj_get_actor(tj *r, const char *const *names, uint32_t n, const cJSON *obj, const char *key,
                  uint32_t *out);
/* Index of name among the n actors, or -1. */
int64_t tj_actor(const char *const *names, uint32_t n, const char *name);

/* The whole text as one JSON object (no trailing data), or NULL with the
 * error set. */
cJSON *tj_parse(tj *r, const char *text, size_t len);
/* $.accounts: actor names (pointing into root) and opening balances,
 * calloc'd with one spare entry. */
bool tj_accounts(tj *r, const cJSON *root, const char ***actor, wei_t **initial, uint32_t *n);
/* The opening balance of the one account the trace does not list (the
 * contracts' owner): the first state's balances minus the listed ones. */
bool tj_unlisted_opening(tj *r, const cJSON *first_state, const wei_t *initial, uint32_t n,
                         wei_t *out);

/* $.steps: an array, and room for its steps (n + 1 zeroed elements of
 * `size` bytes in *out); NULL with the error set. */
const cJSON *tj_steps(tj *r, const cJSON *root, size_t size, void **out, size_t *n);

/* The top level of a trace: an object of known keys, none repeated, whose
 * "format" is `format`; *name receives its "name". */
bool tj_header(tj *r, const cJSON *root, const char *format, const char **name);

/* What every trace format holds besides its params and steps. */
typedef struct tj_trace {
    char *path;
    cJSON *root;
    char *name;
    uint32_t n_actors;
    const char **actor;       /* names, in the order of "accounts" */
    wei_t *initial;
    wei_t owner_initial;      /* derived: conservation from the first state */
} tj_trace;

/* Zeroes *h, keeps a copy of path and parses text into h->root; false with
 * the error set. */
bool tj_trace_open(tj *r, tj_trace *h, const char *path, const char *text, size_t len);
/* The header (tj_header with `format`) into h->name, then $.accounts. */
bool tj_trace_head(tj *r, tj_trace *h, const char *format);
void tj_trace_free(tj_trace *h);

/* What a step says the contracts answered. */
typedef struct tj_outcome {
    bool ok;
    const char *revert; /* NULL when ok */
    const cJSON *events, *state;
} tj_outcome;
/* A step's "i" (must be idx) and "time" (never decreasing). */
bool tj_step_index_time(tj *r, const cJSON *js, size_t idx, uint64_t *last_time, uint64_t *time);
bool tj_outcome_read(tj *r, const cJSON *js, tj_outcome *out);

#endif
