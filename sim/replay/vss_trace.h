/* VSS conformance traces (tests/conformance/vss/, format vss-trace/1,
 * docs/conformance-vss.md): reading and validating them.  Every problem is
 * reported as "FILE: $.json.path: expected ...". */
#ifndef AVRAMI_REPLAY_VSS_TRACE_H
#define AVRAMI_REPLAY_VSS_TRACE_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol/vss/vss.h"
#include "replay/tjson.h"

typedef enum vtrace_op {
    VOP_JOIN, VOP_QUIT, VOP_PAUSE, VOP_RESUME, VOP_UPDATE_VERSION, VOP_MODEL_DOWNLOADED,
    VOP_CREATE_TASK, VOP_PARAMETERS_UPLOADED, VOP_SUBMIT_SCORE, VOP_REPORT_ERROR,
    VOP_VALIDATE_SINGLE, VOP_VALIDATE_GROUP, VOP_RESULT_UPLOADED, VOP_ABORT,
} vtrace_op;

#define VTRACE_MAX_MODELS VSS_MAX_MODELS

typedef struct vtrace_step {
    uint64_t time;
    vtrace_op op;
    uint32_t from;                /* actor index */
    /* join, update_version, report_model_downloaded */
    const char *gpu_name;
    uint64_t gpu_vram, version[3];
    uint32_t key_owner;           /* join: actor whose public key it is */
    size_t key_len;
    const char *model_ids[VTRACE_MAX_MODELS];
    uint32_t n_models;
    wei_t value;                  /* join: stake; create_task: task_fee */
    /* create_task */
    vss_task_type task_type;
    uint8_t nonce[32];
    uint64_t min_vram, required_gpu_vram, task_version[3], task_size;
    const char *required_gpu;
    /* task ids: one, or three for validate_group */
    uint8_t task_id[3][32];
    /* submit_score */
    uint8_t *score;
    size_t score_len;
    /* report_error, abort */
    uint8_t error, reason;
    /* validate_single, validate_group */
    uint8_t guid[32];
    vss_proof proof;
    tj_outcome out;
} vtrace_step;

typedef struct vtrace {
    tj_trace h;                   /* path, JSON, name, actors, opening balances */
    vss_params params;
    int64_t relay;                /* actor index of "relay", -1 when none */
    size_t n_steps;
    vtrace_step *steps;
} vtrace;

/* Parses a vss-trace/1 text.  false with a message naming the file and the
 * JSON path. */
bool vtrace_parse(const char *path, const char *text, size_t len, vtrace *t, char *err,
                  size_t errlen);
void vtrace_free(vtrace *t);

#endif
