/* The on-chain VSS contracts (VSSTask, Node, QOS, TaskQueue, NetworkStats of
 * crynux-ai/crynux-contracts at bd7ee24d21d8e91bde139f68ffecff5ddfbfd872,
 * deployed November 2024 to February 2025) as a pure state machine.
 *
 * The same contract as the Helium model (protocol/proto.h): transactions in,
 * events and state out, no clock (the caller passes block time and number),
 * no I/O, no randomness of its own (node selection draws through the caller's
 * proto_chooser, or follows a choice the caller forces), integer wei, and
 * every transaction atomic through the shared undo journal
 * (protocol/journal.h): it succeeds, leaving its events in vss_events(), or
 * reverts with the contract's reason string and leaves no trace.
 *
 * Tasks are named as on chain by their 32-byte taskIDCommitment
 * (keccak256(taskGUID ‖ nonce), libs/VSS.sol validateGUID).  Model ids and GPU
 * names are strings interned by vss_intern(); the contracts compare their
 * keccak256 hashes, the model compares the interned ids, which is the same
 * relation.
 *
 * What the model takes on trust: the ECVRF proof and the public keys.  The
 * caller states what the contract would find (vss_proof, vss_key); the model
 * applies the contract's checks to those findings in the contract's order. */
#ifndef AVRAMI_PROTOCOL_VSS_VSS_H
#define AVRAMI_PROTOCOL_VSS_VSS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol/proto.h"
#include "util/wei.h"

typedef struct vss vss;

typedef struct vss_params {
    wei_t stake;                    /* Node.requiredStakeAmount: 400 CNX */
    uint64_t timeout_s;             /* VSSTask.timeout: 3 minutes */
    uint32_t distance_threshold;    /* VSSTask.distanceThreshold: 24 bits */
    uint32_t queue_size_limit;      /* TaskQueue.sizeLimit: 50 */
    uint32_t kickout_threshold;     /* QOS.kickoutThreshold: 10 */
    bool kickout_disabled;          /* not the contract: no kick-out at all (scenario protocol.kickout
                                       false), for closed forms that assume none */
    uint32_t task_score_rewards[3]; /* QOS.TASK_SCORE_REWARDS: [10, 9, 6] */
    uint32_t max_nodes;             /* Node.maxNodesAllowed: 100000 */
    uint64_t nonce_blocks;          /* VSSTask.createTask: a nonce is reusable after 100000 blocks */
} vss_params;

/* The constructors' values at bd7ee24. */
vss_params vss_params_default(void);

/* Fixed accounts: the three contract balances and the Relay's address. */
enum {
    VSS_ACC_TASK = 0,  /* VSSTask: the fees it holds */
    VSS_ACC_NODE = 1,  /* Node: the stakes */
    VSS_ACC_OWNER = 2, /* receives slashed stakes (Node.slash pays owner()) */
    VSS_ACC_RELAY = 3, /* VSSTask.relayAddress: reports uploads */
    VSS_ACC_FIRST = 4,
};
#define VSS_NOBODY UINT32_MAX

typedef enum vss_task_type { VSS_SD = 0, VSS_LLM = 1, VSS_SD_FT = 2 } vss_task_type;

/* VSSTask.TaskStatus, in the contract's order. */
typedef enum vss_status {
    VSS_QUEUED,
    VSS_STARTED,
    VSS_PARAMETERS_UPLOADED,
    VSS_ERROR_REPORTED,
    VSS_SCORE_READY,
    VSS_VALIDATED,
    VSS_GROUP_VALIDATED,
    VSS_END_INVALIDATED,
    VSS_END_SUCCESS,
    VSS_END_ABORTED,
    VSS_END_GROUP_REFUND,
    VSS_END_GROUP_SUCCESS,
} vss_status;

/* VSSTask.TaskAbortReason */
typedef enum vss_abort_reason {
    VSS_ABORT_NONE,
    VSS_ABORT_TIMEOUT,
    VSS_ABORT_MODEL_DOWNLOAD_FAILED,
    VSS_ABORT_INCORRECT_RESULT,
    VSS_ABORT_TASK_FEE_TOO_LOW,
} vss_abort_reason;

/* VSSTask.TaskError */
typedef enum vss_task_error { VSS_ERROR_NONE, VSS_ERROR_PARAMETERS_VALIDATION_FAILED } vss_task_error;

typedef enum vss_event_kind {
    VSS_EV_TASK_QUEUED,
    VSS_EV_TASK_STARTED,
    VSS_EV_TASK_PARAMETERS_UPLOADED,
    VSS_EV_TASK_ERROR_REPORTED,
    VSS_EV_TASK_SCORE_READY,
    VSS_EV_TASK_VALIDATED,
    VSS_EV_TASK_END_SUCCESS,
    VSS_EV_TASK_END_INVALIDATED,
    VSS_EV_TASK_END_GROUP_SUCCESS,
    VSS_EV_TASK_END_GROUP_REFUND,
    VSS_EV_TASK_END_ABORTED,
    VSS_EV_DOWNLOAD_MODEL,
    VSS_EV_NODE_SLASHED,
    VSS_EV_NODE_KICKED_OUT,
} vss_event_kind;

typedef struct vss_event {
    vss_event_kind kind;
    uint32_t task;        /* task handle (vss_task_find), all TASK_* events */
    uint32_t node;        /* STARTED, PARAMETERS_UPLOADED, ERROR_REPORTED, SCORE_READY,
                             DOWNLOAD_MODEL, NODE_* */
    uint32_t issuer;      /* END_ABORTED: msg.sender */
    uint8_t last_status;  /* END_ABORTED */
    uint8_t reason;       /* END_ABORTED: vss_abort_reason; ERROR_REPORTED: vss_task_error */
    uint8_t task_type;    /* DOWNLOAD_MODEL */
    uint32_t model;       /* DOWNLOAD_MODEL: interned model id */
    const uint8_t *score; /* SCORE_READY: valid until the next transaction */
    size_t score_len;
} vss_event;

const char *vss_event_name(vss_event_kind k);
const char *vss_status_str(vss_status s);
const char *vss_abort_reason_str(vss_abort_reason r);

/* What VSS.validateSamplingNumber would find in a (publicKey, vrfProof) pair:
 * the key's length and the account its keccak256 derives to, the proof's
 * length and whether it verifies against the task's sampling seed, and the
 * VRF output (the sampling number) modulo 10. */
typedef struct vss_proof {
    uint32_t key_len;   /* 64 */
    uint32_t key_owner; /* account the key derives to */
    uint32_t proof_len; /* 81 */
    bool valid;
    uint8_t number_mod10;
} vss_proof;
/* An honest application's proof: its own key, a valid proof, a sampling
 * number ending in 0 when `sampled`, in 1 otherwise. */
vss_proof vss_proof_honest(uint32_t creator, bool sampled);

/* What Node.join finds in the node's publicKey. */
typedef struct vss_key {
    uint32_t len;   /* 64 */
    uint32_t owner; /* account it derives to */
} vss_key;

typedef struct vss_task_spec {
    vss_task_type type;
    uint8_t commitment[32]; /* taskIDCommitment */
    uint8_t nonce[32];
    const uint32_t *models; /* interned model ids */
    uint32_t n_models;
    uint64_t min_vram;
    uint32_t gpu;           /* interned requiredGPU; 0 = "" */
    uint64_t gpu_vram;
    uint64_t version[3];
    uint64_t size;          /* taskSize: queue price = fee / size */
} vss_task_spec;

#define VSS_MAX_MODELS 8       /* model ids per task */
#define VSS_MAX_LOCAL_MODELS 32 /* model ids a node holds */

vss *vss_new(const vss_params *params, uint32_t max_accounts, uint64_t max_tasks);
void vss_free(vss *p);
const vss_params *vss_get_params(const vss *p);
void vss_set_chooser(vss *p, proto_chooser chooser);

uint32_t vss_add_account(vss *p, wei_t balance);
uint32_t vss_num_accounts(const vss *p);
void vss_set_opening_balance(vss *p, uint32_t account, wei_t balance);

/* Interns a string (model id or GPU name); "" is 0.  Not a transaction. */
uint32_t vss_intern(vss *p, const char *s);
const char *vss_string(const vss *p, uint32_t id);

/* ---- transactions: true on success; false = reverted (vss_revert_reason).
 * now: block.timestamp; block: block.number; from: msg.sender. */
bool vss_join(vss *p, uint64_t now, uint64_t block, uint32_t from, uint32_t gpu_name,
              uint64_t gpu_vram, const uint64_t version[3], vss_key key, wei_t value,
              const uint32_t *models, uint32_t n_models);
bool vss_quit(vss *p, uint64_t now, uint64_t block, uint32_t from);
bool vss_pause(vss *p, uint64_t now, uint64_t block, uint32_t from);
bool vss_resume(vss *p, uint64_t now, uint64_t block, uint32_t from);
bool vss_report_model_downloaded(vss *p, uint64_t now, uint64_t block, uint32_t from,
                                 uint32_t model);
bool vss_update_version(vss *p, uint64_t now, uint64_t block, uint32_t from,
                        const uint64_t version[3]);
bool vss_create_task(vss *p, uint64_t now, uint64_t block, uint32_t from,
                     const vss_task_spec *spec, wei_t value);
bool vss_report_parameters_uploaded(vss *p, uint64_t now, uint64_t block, uint32_t from,
                                    const uint8_t task[32]);
bool vss_submit_score(vss *p, uint64_t now, uint64_t block, uint32_t from, const uint8_t task[32],
                      const uint8_t *score, size_t len);
bool vss_report_error(vss *p, uint64_t now, uint64_t block, uint32_t from, const uint8_t task[32],
                      vss_task_error error);
bool vss_validate_single(vss *p, uint64_t now, uint64_t block, uint32_t from,
                         const uint8_t task[32], const vss_proof *proof);
bool vss_validate_group(vss *p, uint64_t now, uint64_t block, uint32_t from,
                        const uint8_t t1[32], const uint8_t t2[32], const uint8_t t3[32],
                        const uint8_t guid[32], const vss_proof *proof);
bool vss_report_result_uploaded(vss *p, uint64_t now, uint64_t block, uint32_t from,
                                const uint8_t task[32]);
bool vss_abort(vss *p, uint64_t now, uint64_t block, uint32_t from, const uint8_t task[32],
               vss_abort_reason reason);

const char *vss_revert_reason(const vss *p);
const vss_event *vss_events(const vss *p, size_t *n);

/* Replay support, for the next transaction only: its random node selection
 * (createTask) must pick `node`; the pre-download notices it sends for
 * `model` to nodes other than the task's own must go to exactly `nodes`, in
 * this order (the selected node, told once already when it lacks the model,
 * may have been drawn too: its place in the draw is not observable).  A
 * forced choice the contract could not have made falls back to the model's
 * own and vss_forced_error() says why. */
void vss_force_node(vss *p, uint32_t node);
/* Starts forcing the notices of the next transaction: every pre-download
 * draw must then have been given with vss_force_downloads, for the k-th task
 * the transaction starts (0 = first) and the model; a draw without one must
 * have been empty. */
void vss_force_downloads_begin(vss *p);
void vss_force_downloads(vss *p, uint32_t start, uint32_t model, const uint32_t *nodes, uint32_t n);
const char *vss_forced_error(const vss *p);

/* Node selection walks the node groups' weight trees where that gives the
 * contract's candidate for every random draw, and scans the candidates as
 * the contract does otherwise; `on` makes every selection scan (the
 * reference the tests compare the trees with).  vss_indexed_draws counts the
 * selections made through the trees. */
void vss_set_linear_selection(vss *p, bool on);

/* Recycling of task records (off by default).  The contract keeps every
 * task for good, but once a task has ended with a node, whatever names it
 * later reverts "Wrong task" (createTask with its commitment aside, which
 * writes a new record): with recycling on, the model gives such a record
 * back at the next createTask and keeps only the task's commitment and
 * final status, so that its memory follows the tasks in flight, not all
 * tasks ever created.  Transactions, events and balances are the same
 * either way (tests/unit/test_vss_recycle.c); only vss_task_get of a
 * recycled task tells less.  The record of a task that ended stays readable
 * until the next createTask. */
void vss_set_recycling(vss *p, bool on);

/* For a host that vouches that no createTask of the run names a nonce or a
 * commitment an earlier one that did not revert named (the simulator's
 * applications build both from the request and the task's place in it,
 * sim/run/vss_agents.c), and that names tasks afterwards by their handles'
 * commitments (vss_task_commitment, the proto edition's task ids): a
 * createTask then finds usedNonces[nonce] and tasks[commitment] empty
 * without looking, and writes neither where no later transaction could
 * read it, so the nonce log and both maps stay empty and cost neither a
 * cache miss a task nor their memory.  Transactions, events and balances
 * are those of the full model under that promise
 * (tests/unit/test_vss_recycle.c); a commitment named otherwise is then
 * "Task not found". */
void vss_set_fresh_keys(vss *p, bool on);

/* Events of these kinds (bit k: vss_event_kind k) are not recorded, for a
 * host that acts on none of them; what the contract draws or decides for
 * them is unchanged (the draws of the pre-download notices still take
 * their random numbers; vss_set_unread_draws below spares them finding
 * their nodes). */
void vss_set_muted_events(vss *p, uint32_t kinds);

/* The draws whose nodes nobody reads: those of the pre-download notices
 * while DownloadModel is muted.  Each still takes the random numbers
 * chooser.draw(ctx, b) would take, but b, the previous bound less the node
 * the previous draw picked, is known only to lie in [2, max_bound]
 * (max_bound < 2^32).  take() takes the draw's first number into *x and
 * answers whether every such bound accepts it: the draw is then done (its
 * value x % b).  Otherwise finish(ctx, b, x) ends the draw as draw(ctx, b)
 * would, once b is known.  With both (ctx: the chooser's stream) a start
 * walks the node trees for its notices only from a draw whose number some
 * bound refused (a fraction bound / 2^32: in bench_sim case 1, bounds of
 * ~57,000, one draw in ~80,000); without them every draw walks.  The stream, and so every later
 * selection, is the same either way (tests/unit/test_vss_select.c). */
typedef struct vss_unread_draws {
    bool (*take)(void *ctx, uint64_t max_bound, uint64_t *x);
    uint64_t (*finish)(void *ctx, uint64_t bound, uint64_t x);
    void *ctx;
} vss_unread_draws;
void vss_set_unread_draws(vss *p, vss_unread_draws u);
uint64_t vss_recycled_records(const vss *p);
/* Keys held by the tasks[commitment] and usedNonces maps together. */
uint64_t vss_map_keys(const vss *p);
uint64_t vss_indexed_draws(const vss *p);

/* ---- state views ---- */
wei_t vss_balance(const vss *p, uint32_t account);
wei_t vss_total_supply(const vss *p);

typedef struct vss_node_view {
    bool ever_joined;        /* NetworkStats saw it join */
    proto_node_status status;
    uint32_t gpu_name;
    uint64_t gpu_vram;
    uint64_t score;          /* selection weight (nodesMap.score) */
    wei_t staked;
    uint64_t task_count;     /* QOS */
    uint64_t task_score;     /* QOS.getTaskScore */
    uint64_t recent_score;   /* QOS.getRecentTaskScore */
    uint64_t recent_count;   /* QOS.getRecentTaskCount */
    uint64_t current_score;  /* QOS.getCurrentTaskScore */
    uint32_t current_task;   /* VSSTask.nodeTasks: task handle, VSS_NOBODY when none */
    uint64_t version[3];
    uint32_t n_models;
    const uint32_t *models;  /* localModelIDs */
} vss_node_view;
void vss_node_get(const vss *p, uint32_t account, vss_node_view *out);

typedef struct vss_task_view {
    vss_task_type type;
    vss_status status;
    uint32_t creator;
    uint32_t node;           /* VSS_NOBODY before selection */
    uint64_t sequence;
    wei_t fee;
    vss_abort_reason abort_reason;
    vss_task_error error;
    uint64_t create_time, start_time, score_time;
    const uint8_t *score;    /* valid until the next transaction */
    size_t score_len;
    uint32_t n_payments;
    uint32_t pay_to[3];
    wei_t pay[3];
} vss_task_view;
/* Task handle of a commitment, VSS_NOBODY when unknown. */
uint32_t vss_task_find(const vss *p, const uint8_t commitment[32]);
/* A hint for a transaction about to come (the host's next) that names task
 * handle h (its handle and record start on their way now) sent by `account`
 * (its node record; VSS_NOBODY: none). */
void vss_prefetch_task(const vss *p, uint32_t h, uint32_t account);
/* The task's record; of a recycled one (vss_set_recycling) only the final
 * status, the rest zero and node VSS_NOBODY. */
void vss_task_get(const vss *p, uint32_t task, vss_task_view *out);
const uint8_t *vss_task_commitment(const vss *p, uint32_t task);
/* Task handles are 0 .. vss_num_tasks() - 1 (tasks are never deleted;
 * their records may be recycled). */
uint32_t vss_num_tasks(const vss *p);
uint32_t vss_model_available_count(const vss *p, uint32_t model);
uint32_t vss_queue_size(const vss *p);

/* NetworkStats: the same counters as Helium's */
typedef proto_stats vss_stats;
void vss_stats_get(const vss *p, vss_stats *out);

/* Consequences of the deployed code's quirks, so runs can report them. */
typedef struct vss_quirk_counters {
    uint64_t stranded_tasks;  /* queued tasks aborted: the fee stays in VSSTask */
    wei_t stranded_wei;
    uint64_t panics;          /* transactions reverted by Panic(0x11/0x12) */
} vss_quirk_counters;
void vss_quirks_get(const vss *p, vss_quirk_counters *out);

/* keccak256(guid ‖ nonce): the taskIDCommitment an application computes. */
void vss_commitment(const uint8_t guid[32], const uint8_t nonce[32], uint8_t out[32]);
/* The function validateTaskGroup checks a task's commitment against
 * (validateGUID); vss_commitment unless set.  A host whose applications
 * derive their commitments with another function, injective over the
 * (guid, nonce) pairs they use, sets it here: the contract uses the
 * commitment only as the task's key and in that check, so every outcome is
 * the same as with keccak256 (the simulator: sim/run/vss_agents.c). */
typedef void (*vss_commit_fn)(const uint8_t guid[32], const uint8_t nonce[32], uint8_t out[32]);
void vss_set_commitment_fn(vss *p, vss_commit_fn fn);

#endif
