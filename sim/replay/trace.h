/* Helium and Hydrogen conformance traces (tests/conformance/, format
 * helium-trace/1; tests/conformance/hydrogen/, hydrogen-trace/1, the same
 * ops against the Hydrogen contracts, docs/conformance-hydrogen.md):
 * reading and validating them.  Every problem is reported as
 * "FILE: $.json.path: expected ..." so that a bad trace is easy to fix. */
#ifndef AVRAMI_REPLAY_TRACE_H
#define AVRAMI_REPLAY_TRACE_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol/proto.h"
#include "replay/tjson.h"

typedef enum trace_op {
    TOP_JOIN, TOP_QUIT, TOP_PAUSE, TOP_RESUME, TOP_CREATE_TASK, TOP_COMMIT, TOP_COMMIT_RAW,
    TOP_DISCLOSE, TOP_REPORT_ERROR, TOP_REPORT_UPLOADED, TOP_CANCEL,
} trace_op;

typedef struct trace_step {
    uint64_t time;
    trace_op op;
    uint32_t from;            /* actor index */
    /* args (those of the op) */
    const char *gpu_name;
    uint64_t gpu_vram;
    proto_task_type task_type;
    uint64_t vram_limit;
    wei_t task_fee, cap;
    uint64_t task_id, round;
    uint8_t commitment[32], nonce[32];
    uint8_t *result;          /* commit, disclose */
    size_t result_len;
    /* what the contracts answered */
    bool ok;
    const char *revert;       /* NULL when ok */
    const cJSON *events, *state;
    bool has_forced;          /* create_task that started at once (TaskStarted, or
                                 Hydrogen's TaskCreated, events) */
    uint32_t forced[3];       /* actor indexes by round */
} trace_step;

typedef struct trace {
    tj_trace h;               /* path, JSON, name, actors, opening balances */
    bool hydrogen;            /* hydrogen-trace/1: params.edition is PROTO_HYDROGEN */
    proto_params params;
    size_t n_steps;
    trace_step *steps;
} trace;

/* Loads and validates a trace.  On failure returns false with a message in
 * err naming the file and JSON path. */
bool trace_load(const char *path, trace *t, char *err, size_t errlen);
bool trace_parse(const char *path, const char *text, size_t len, trace *t, char *err,
                 size_t errlen);
void trace_free(trace *t);

/* Actor index by name, or -1. */
int64_t trace_actor(const trace *t, const char *name);

#endif
