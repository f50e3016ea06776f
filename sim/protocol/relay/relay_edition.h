/* The Relay editions hosted in a proto (protocol/edition.h): relay-2025-03,
 * relay-2025-07 and relay-2026 run the state machine of relay_net.h on the
 * proto's accounts, framing and events.
 *
 * Accounts: the proto's Task contract account is the Relay's escrow, its
 * Node contract account the staking account, the owner the treasury that
 * receives slashed stakes; the edition adds the Relay's own account (it
 * keeps the fees of invalidated tasks and pays the rounding excess of
 * group payments; it opens with RELAY_EDITION_FUNDING wei) and the dao's.
 *
 * Transactions: join, quit, report_error, report_uploaded and cancel (a
 * timed-out task aborted at the request of its node or application) are the
 * proto's; creating a task, submitting a score and the Relay's periodic
 * step are ops of proto_ext (below).  Events are the vss edition's kinds
 * (PROTO_EV_VSS_*: the Relay keeps VSSTask's task statuses), with task_id =
 * the Relay's task handle + 1, node = the task's node, reason = a
 * proto_abort_reason, and NodeSlashed / NodeKickedOut. */
#ifndef AVRAMI_PROTOCOL_RELAY_EDITION_H
#define AVRAMI_PROTOCOL_RELAY_EDITION_H

#include "protocol/proto.h"
#include "protocol/relay/relay_net.h"

/* 1 CNX: enough for the at most 2 x (17 - 1) wei of excess per group */
#define RELAY_EDITION_FUNDING ((wei_t)1000000000000000000ULL)

typedef enum relay_ext_op {
    RELAY_OP_MODELS, /* owner: models a node has on disk at join: ids 0 .. n_models-1 (8 at most) */
    RELAY_OP_CREATE, /* an application creates a task (fee, work, model, group) */
    RELAY_OP_SUBMIT, /* the task's node submits its score (its result, as a 64-bit digest) */
    RELAY_OP_TICK,   /* the Relay's step: timed-out tasks aborted, then dispatch rounds */
    RELAY_OP_STAKE,  /* a node before its first join: the stake it will lock (>= the minimum) */
    RELAY_OP_DELEGATE, /* relay-2026, a node before its first join: its delegator's account
                          delegates `stake` wei to it at that join */
} relay_ext_op;

typedef struct relay_ext {
    uint32_t n_models;          /* MODELS */
    wei_t stake;                /* STAKE; DELEGATE: the delegation */
    uint32_t delegator;         /* DELEGATE: the delegator's account */
    wei_t fee;                  /* CREATE */
    relay_task_work work;
    uint32_t model;
    uint64_t timeout_s;         /* the task's own timeout (2025 editions) */
    uint64_t group;             /* 0: not validated; RELAY_EXT_GROUP_FIRST; else the first task's id */
    uint64_t created;           /* out: the new task's id */
    const char *gpu_name;       /* CREATE: the GPU required (NULL: any) and its VRAM */
    uint64_t gpu_vram;
    uint64_t task_id;           /* SUBMIT: the task and its score (sd: pHashes; llm: the result's hash) */
    const uint8_t *score;
    size_t score_len;
    double (*uniform)(void *);  /* TICK: the caller's uniform draws in [0, 1) */
    void *uniform_ctx;
} relay_ext;
#define RELAY_EXT_GROUP_FIRST UINT64_MAX

/* The hosted state machine, or NULL when p runs another edition. */
const relay_net *proto_relay(const proto *p);
/* Whether the edition is one of the Relay's. */
bool proto_edition_is_relay(proto_edition_id id);
/* What the escrow holds: the fees of the tasks not ended. */
wei_t relay_edition_escrow(const proto *p);

#endif
