/* Crynux's contracts as a pure state machine: Helium's (Node, Task,
 * TaskQueue, QoS, NetworkStats) by default, or another edition's rules
 * (protocol/edition.h) chosen by proto_params.edition.
 *
 * Transactions in, events and state out.  No clock (the caller passes the
 * block time), no I/O, no global state, no randomness of its own: node
 * selection draws through a chooser the caller provides, or follows a choice
 * forced by the caller (conformance replay).  Money is integer wei.
 *
 * Every transaction is atomic: it either succeeds, leaving its events in
 * proto_events(), or reverts with the contract's reason string and leaves the
 * state exactly as it was (see protocol/journal.h).
 *
 * Accounts are small integers handed out by proto_add_account(); the three
 * contract balances have fixed ids (PROTO_ACC_TASK, _NODE, _OWNER).
 *
 * Costs: join/quit/pause/resume, selection, queue push/pop, settlement are
 * O(log n) in nodes and queued tasks, plus O(G) in the number of distinct GPU
 * models and VRAM sizes (a few dozen), which the contracts scan too. */
#ifndef AVRAMI_PROTOCOL_PROTO_H
#define AVRAMI_PROTOCOL_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/wei.h"

typedef struct proto proto;

/* The rule set (protocol/edition.h): which deployed contracts the model
 * follows.  New editions append. */
typedef enum proto_edition_id {
    PROTO_HELIUM = 0,   /* crynux-contracts d49ab0c (March 2024), the default */
    PROTO_HYDROGEN = 1, /* crynux-contracts efff09f (February 2024) */
    PROTO_VSS = 2,      /* crynux-contracts bd7ee24 (November 2024 - February 2025) */
    /* the Relay (crynux-network/crynux-relay; protocol/relay/) */
    PROTO_RELAY_2025_03 = 3, /* f2bb1b1 */
    PROTO_RELAY_2025_07 = 4, /* 0601431 */
    PROTO_RELAY_2026 = 5,    /* 24ffc26 */
    PROTO_EDITIONS
} proto_edition_id;

/* The QoS window (task_score_pool_size) at most: QOS.sol's
 * TASK_SCORE_POOL_SIZE, a constant 3 in the deployed contract
 * (../shared/oracle/contracts/QOS.sol); a node record holds that many. */
#define PROTO_MAX_WINDOW 3

typedef struct proto_params {
    proto_edition_id edition;
    wei_t task_fee_per_node;     /* editions with a fixed fee (Hydrogen: 10 CNX) */
    wei_t stake;                 /* wei locked by a node at join (the minimum, where stakes vary) */
    wei_t stake_max;             /* the Relay editions: each node's stake is drawn between stake
                                    and this, in whole CNX (0 or stake: every node stakes stake) */
    /* relay-2026 delegated staking: each node gets one delegation drawn
     * between delegated_stake and delegated_stake_max in whole CNX (0:
     * none), and shares delegator_share % of its income with it */
    wei_t delegated_stake, delegated_stake_max;
    uint32_t delegator_share;
    uint64_t task_timeout_s;     /* a running task may be cancelled after this */
    uint32_t queue_size_limit;   /* queued tasks at most (0: no limit, the Relay's) */
    uint32_t kickout_threshold;  /* kicked out when the window sum is <= this */
    bool kickout_disabled;       /* not Helium: no kick-out at all (scenario protocol.kickout
                                    false), to test closed forms that assume none; a zero
                                    threshold cannot say this, since a window of three zero
                                    scores still sums to <= 0 */
    uint32_t task_score_rewards[3];
    uint32_t task_score_pool_size; /* the QoS window, 1 .. PROTO_MAX_WINDOW; Helium: 3 */
    uint32_t distance_threshold; /* sd pHash bits that make two hashes differ */
    uint32_t max_nodes;
    /* the Relay editions: a task is validated iff its VRF number mod this
     * is 0 (10: 10 %, 100: 1 %); an invalidated node is only reviewed, not
     * slashed (relay-2026's task.passive_slash_mode) */
    uint32_t sample_mod;
    bool passive_slash;
} proto_params;

/* Helium defaults (PROTOCOL.md). */
proto_params proto_params_helium(void);
/* An edition's defaults (its edition's `defaults`). */
proto_params proto_params_of(proto_edition_id edition);

enum { PROTO_ACC_TASK = 0, PROTO_ACC_NODE = 1, PROTO_ACC_OWNER = 2, PROTO_ACC_FIRST = 3 };

typedef enum proto_task_type { PROTO_SD = 0, PROTO_GPT = 1 } proto_task_type;

typedef enum proto_node_status {
    PROTO_NODE_QUIT = 0,
    PROTO_NODE_AVAILABLE = 1,
    PROTO_NODE_BUSY = 2,
    PROTO_NODE_PENDING_PAUSE = 3,
    PROTO_NODE_PENDING_QUIT = 4,
    PROTO_NODE_PAUSED = 5,
} proto_node_status;

typedef enum proto_event_kind {
    PROTO_EV_TASK_PENDING,
    PROTO_EV_TASK_STARTED,
    PROTO_EV_COMMITMENTS_READY,
    PROTO_EV_TASK_SUCCESS,
    PROTO_EV_TASK_ABORTED,
    PROTO_EV_TASK_RESULT_UPLOADED,
    PROTO_EV_TASK_NODE_SUCCESS,
    PROTO_EV_TASK_NODE_SLASHED,
    PROTO_EV_TASK_NODE_CANCELLED,
    PROTO_EV_NODE_SLASHED,
    PROTO_EV_NODE_KICKED_OUT,
    /* the vss edition's (VSSTask.sol events; task_id = the task's handle + 1,
     * node, reason = abort reason or error, round = the aborted task's last
     * status, result = a submitted score) */
    PROTO_EV_VSS_QUEUED,
    PROTO_EV_VSS_STARTED,
    PROTO_EV_VSS_PARAMETERS_UPLOADED,
    PROTO_EV_VSS_ERROR_REPORTED,
    PROTO_EV_VSS_SCORE_READY,
    PROTO_EV_VSS_VALIDATED,
    PROTO_EV_VSS_END_SUCCESS,
    PROTO_EV_VSS_END_INVALIDATED,
    PROTO_EV_VSS_END_GROUP_SUCCESS,
    PROTO_EV_VSS_END_GROUP_REFUND,
    PROTO_EV_VSS_END_ABORTED,
    PROTO_EV_VSS_DOWNLOAD_MODEL,
} proto_event_kind;

typedef enum proto_abort_reason {
    PROTO_ABORT_CANCELLED,      /* "Task Cancelled" */
    PROTO_ABORT_RESULT_ILLEGAL, /* "Task result illegal" */
    PROTO_ABORT_ERROR_REPORTED, /* "Task error reported" */
    PROTO_ABORT_FEE_TOO_LOW,    /* "Task fee is too low" */
} proto_abort_reason;

typedef struct proto_event {
    proto_event_kind kind;
    uint64_t task_id;
    uint8_t task_type;  /* PENDING, STARTED */
    uint8_t round;      /* STARTED */
    uint8_t reason;     /* ABORTED: proto_abort_reason */
    uint32_t creator;   /* PENDING, STARTED */
    uint32_t node;      /* STARTED, SUCCESS (result node), NODE_* */
    wei_t fee;          /* TASK_NODE_SUCCESS */
    const uint8_t *result; /* SUCCESS: valid until the next transaction */
    size_t result_len;
} proto_event;

const char *proto_event_name(proto_event_kind k);
const char *proto_abort_reason_str(proto_abort_reason r);
const char *proto_node_status_str(proto_node_status s);

/* Node selection randomness: draw() returns a uniform integer in [0, bound).
 * A NULL draw always answers 0 (the first eligible choice). */
typedef struct proto_chooser {
    uint64_t (*draw)(void *ctx, uint64_t bound);
    void *ctx;
} proto_chooser;

/* A hint called with the account of each node a random selection draws,
 * while the transaction goes on: the host may request the records it will
 * read for that node when it books the transaction's events.  It must
 * change nothing. */
typedef struct proto_drawn_hint {
    void (*drawn)(const void *ctx, uint32_t account);
    const void *ctx;
} proto_drawn_hint;

/* Creates a network able to hold max_accounts accounts (nodes, applications
 * and the three contract accounts) and task ids up to max_tasks. */
proto *proto_new(const proto_params *params, uint32_t max_accounts, uint64_t max_tasks);
void proto_free(proto *p);
const proto_params *proto_get_params(const proto *p);
void proto_set_chooser(proto *p, proto_chooser chooser);
void proto_set_drawn_hint(proto *p, proto_drawn_hint hint);

/* Adds an account with an initial balance (outside any transaction).  The
 * balance adds to proto_total_supply(), which transactions then conserve. */
uint32_t proto_add_account(proto *p, wei_t balance);
uint32_t proto_num_accounts(const proto *p);
/* A hint that accounts up to n (exclusive) will be opened and joined in a
 * row: their records' pages are asked for at once (util/stable.h). */
void proto_populate_accounts(proto *p, uint32_t n);
/* Sets an account's balance outside any transaction (set-up only, e.g. the
 * owner's opening balance). */
void proto_set_opening_balance(proto *p, uint32_t account, wei_t balance);

/* ---- transactions: true on success; false = reverted (proto_revert_reason) */
bool proto_join(proto *p, uint64_t now, uint32_t from, const char *gpu_name, uint64_t gpu_vram);
bool proto_quit(proto *p, uint64_t now, uint32_t from);
bool proto_pause(proto *p, uint64_t now, uint32_t from);
bool proto_resume(proto *p, uint64_t now, uint32_t from);
bool proto_create_task(proto *p, uint64_t now, uint32_t from, proto_task_type type,
                       uint64_t vram_limit, wei_t fee, wei_t cap, uint64_t *task_id);
/* commitment = keccak256(result ‖ nonce) for an honest commit */
bool proto_commit(proto *p, uint64_t now, uint32_t from, uint64_t task_id, uint64_t round,
                  const uint8_t commitment[32], const uint8_t nonce[32]);
/* proto_commit(keccak256(result ‖ nonce), nonce) for a caller that holds the
 * result: the model keeps the preimage and hashes only if a different result
 * is disclosed against it, so the outcome is the same without the hashing
 * (the simulator's nodes commit this way; the replay hashes).  The one
 * assumption: keccak256 of it is neither 0 nor bytes32(1). */
bool proto_commit_result(proto *p, uint64_t now, uint32_t from, uint64_t task_id, uint64_t round,
                         const uint8_t *result, size_t len, const uint8_t nonce[32]);
/* The result that account `from`, selected for round, committed to a live
 * task through proto_commit_result (the bytes kept in place of the hash),
 * or NULL: what that node discloses, without making it again. */
const uint8_t *proto_committed_result(const proto *p, uint32_t from, uint64_t task_id, uint64_t round,
                                      size_t *len);
bool proto_disclose(proto *p, uint64_t now, uint32_t from, uint64_t task_id, uint64_t round,
                    const uint8_t *result, size_t len);
bool proto_report_error(proto *p, uint64_t now, uint32_t from, uint64_t task_id, uint64_t round);
bool proto_report_uploaded(proto *p, uint64_t now, uint32_t from, uint64_t task_id,
                           uint64_t round);
bool proto_cancel(proto *p, uint64_t now, uint32_t from, uint64_t task_id);
/* A transaction of the edition's own (the vss edition's ops and their
 * arguments: protocol/vss/vss_edition.h), in the same framing; reverts
 * "avrami: not a transaction of this edition" in the others. */
bool proto_ext(proto *p, uint64_t now, uint32_t from, uint32_t op, const void *args);

void proto_commitment(const uint8_t *result, size_t len, const uint8_t nonce[32],
                      uint8_t out[32]);

/* The revert reason of the last failed transaction, exactly as the contracts
 * word it ("Panic(0x11)" for an arithmetic underflow). */
const char *proto_revert_reason(const proto *p);
/* Events of the last successful transaction, in emission order. */
const proto_event *proto_events(const proto *p, size_t *n);

/* Replay support: the next create_task must select exactly these nodes for
 * rounds 0..2 when it can select at all.  If they are not eligible the model
 * falls back to its own choice and proto_forced_error() says why. */
void proto_force_selection(proto *p, const uint32_t nodes[3]);
const char *proto_forced_error(const proto *p);

/* ---- state (read-only views) ---- */
wei_t proto_balance(const proto *p, uint32_t account);
/* A hint, no effect on the state: starts loading what a transaction from
 * `account` on `task_id` (0: none) will read, so that a caller applying a
 * batch can overlap the next transaction's cache misses with this one. */
void proto_prefetch(const proto *p, uint32_t account, uint64_t task_id);

typedef struct proto_node_view {
    bool ever_joined;
    proto_node_status status;
    const char *gpu_name; /* "" when not joined */
    uint64_t gpu_vram;
    uint64_t score;
    uint64_t task_count;     /* QoS */
    uint64_t task_score;     /* long-run average, or the initial value */
    uint64_t recent_score;
    uint64_t recent_count;
    uint64_t current_score;
    uint64_t current_task;
} proto_node_view;
void proto_node_get(const proto *p, uint32_t account, proto_node_view *out);

typedef struct proto_task_view {
    uint64_t id;
    proto_task_type type;
    uint32_t selected[3];
    wei_t balance;
    bool aborted;
} proto_task_view;
/* A task the Task contract stores (running, or aborted and not yet deleted);
 * false for queued, finished or unknown ids (see proto_task_is_queued). */
bool proto_task_get(const proto *p, uint64_t task_id, proto_task_view *out);
uint64_t proto_next_task_id(const proto *p);
bool proto_task_is_queued(const proto *p, uint64_t task_id);
uint32_t proto_queue_size(const proto *p);

typedef struct proto_stats {
    uint64_t total_nodes, active_nodes, available_nodes, busy_nodes;
    uint64_t total_tasks, queued_tasks, running_tasks;
} proto_stats;
void proto_stats_get(const proto *p, proto_stats *out);

/* Consequences of the deployed contracts' quirks, so runs can report them. */
typedef struct proto_quirk_counters {
    uint64_t fee_too_low_tasks;   /* queued tasks dropped without refund */
    wei_t fee_too_low_wei;
    uint64_t stranded_tasks;      /* tasks deleted with escrow left over */
    wei_t stranded_wei;
    uint64_t double_uploads;      /* report_uploaded paying an already paid node */
    wei_t double_upload_wei;
    uint64_t foreign_frees;       /* cancel freeing a node from another task */
    uint64_t panics;              /* transactions reverted by Panic(0x11/0x12) */
    /* the Relay editions: fees of invalidated tasks its own account keeps,
     * and what its group payments paid above the fee out of that account
     * (docs/editions-relay.md, "Group payment remainder") */
    wei_t relay_kept_wei, relay_excess_wei;
} proto_quirk_counters;
void proto_quirks_get(const proto *p, proto_quirk_counters *out);

/* Sum of all balances: constant across every transaction (conservation). */
wei_t proto_total_supply(const proto *p);

#endif
