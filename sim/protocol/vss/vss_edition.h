/* The vss edition behind proto.h (protocol/edition.h): the VSS contracts
 * model (vss.h) hosted in a proto, sharing its accounts, journal and
 * transaction framing.  Node transactions are proto_join/quit/pause/resume;
 * everything else VSS has is a proto_ext op with a vss_ext argument.  Task
 * ids in proto terms are the model's task handles + 1. */
#ifndef AVRAMI_PROTOCOL_VSS_VSS_EDITION_H
#define AVRAMI_PROTOCOL_VSS_VSS_EDITION_H

#include "protocol/proto.h"
#include "protocol/vss/vss.h"

typedef enum vss_ext_op {
    VSS_OP_SET_RELAY,          /* VSSTask.setRelayAddress (owner): relay */
    VSS_OP_CREATE,             /* VSSTask.createTask: spec, fee; task_id out */
    VSS_OP_PARAMETERS_UPLOADED, /* relay: task_id */
    VSS_OP_SUBMIT_SCORE,       /* node: task_id, score */
    VSS_OP_REPORT_ERROR,       /* node: task_id, error */
    VSS_OP_VALIDATE_SINGLE,    /* creator: task_id, proof */
    VSS_OP_VALIDATE_GROUP,     /* creator: group[3], guid, proof */
    VSS_OP_RESULT_UPLOADED,    /* relay: task_id */
    VSS_OP_ABORT,              /* creator or node: task_id, reason */
    VSS_OP_MODEL_DOWNLOADED,   /* node: model */
} vss_ext_op;

typedef struct vss_ext {
    uint64_t task_id;
    uint64_t group[3];
    const vss_task_spec *spec;
    wei_t fee;
    const uint8_t *score;
    size_t score_len;
    const uint8_t *guid;
    vss_proof proof;
    uint32_t model, relay;
    uint8_t reason;            /* vss_abort_reason or vss_task_error */
    uint64_t created;          /* VSS_OP_CREATE: the new task's id */
} vss_ext;

/* The hosted model, for read-only views and interning (NULL when p is not
 * of the vss edition). */
vss *proto_vss(const proto *p);

/* The version every simulated node runs and every task asks for
 * ([major, minor, patch], libs/Version.sol matchVersion). */
extern const uint64_t VSS_SIM_VERSION[3];

#endif
