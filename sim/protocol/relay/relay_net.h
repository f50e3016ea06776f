/* The Relay as a state machine: nodes, relay accounts, tasks and their
 * lifecycle under one Relay edition, built on the rules of relay.h.
 *
 * The same shape as the contract models (protocol/proto.h, the VSS model):
 * transactions in, state out; no clock (the caller passes seconds), no
 * randomness of its own (draws come from the caller's uniform()), no I/O,
 * integer wei.  A transaction that is not allowed changes nothing and
 * returns false with a reason (relay_net_error).
 *
 * Money.  Applications and nodes hold relay-account balances.  Creating a
 * task moves its fee to escrow; an abort or a group refund returns it; a
 * finished task pays the node(s) through relay_income_split (dao share,
 * delegators, operator).  Stakes and delegations sit in the staking account;
 * a slash (2025 editions) moves the stake to the treasury; the Relay's own
 * account pays the rounding excess of group payments.  relay_net_total() is
 * constant across every transaction.
 *
 * What the application does is the caller's: it decides sampling (VRF) and
 * creates the two extra tasks of a validation group with relay_net_create
 * (group = the first task's handle); the Relay validates a single task when
 * its score arrives and a group when all three are done, as an honest
 * application's prompt validation call would. */
#ifndef AVRAMI_PROTOCOL_RELAY_NET_H
#define AVRAMI_PROTOCOL_RELAY_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol/relay/relay.h"
#include "util/wei.h"

typedef struct relay_net relay_net;

enum { RN_ACC_ESCROW = 0, RN_ACC_STAKING = 1, RN_ACC_TREASURY = 2, RN_ACC_RELAY = 3, RN_ACC_DAO = 4,
       RN_ACC_FIRST = 5 };
#define RN_NONE UINT32_MAX
#define RN_MAX_LOCAL_MODELS 8

typedef enum rn_task_status {
    RN_QUEUED,
    RN_STARTED,
    RN_SCORE_READY,
    RN_ERROR_REPORTED,
    RN_VALIDATED,        /* single task or the group's paid task: awaiting upload */
    RN_END_SUCCESS,
    RN_END_ABORTED,
    RN_END_INVALIDATED,
    RN_END_GROUP_REFUND,
} rn_task_status;

typedef enum rn_abort {
    RN_ABORT_NONE,
    RN_ABORT_QUEUE_TIMEOUT,
    RN_ABORT_TIMEOUT,          /* execution timeout: the node's fault */
    RN_ABORT_INCORRECT_RESULT, /* error reported, or no agreement in a group */
    RN_ABORT_VALIDATION_TIMEOUT, /* 2026: not validated in time (CreatorValidationTimeout):
                                    the node is paid */
    RN_ABORT_UPLOAD_TIMEOUT,     /* 2026: validated, not uploaded in time (ResultUploadTimeout) */
} rn_abort;

typedef struct rn_counters {
    uint64_t started, succeeded, aborted, invalidated, refunded;
    uint64_t kickouts, slashes, slash_reviews, health_exclusions;
    wei_t group_excess;        /* paid above the fee by group payments */
    wei_t kept_fees;           /* fees of invalidated tasks the Relay keeps (2025) */
    /* 2026 calibration: samples taken, and the timeouts set at start from
     * the initial coefficients, the node's own record, or another's */
    uint64_t calib_samples, timeouts_initial, timeouts_own, timeouts_other;
    /* 2026: tasks aborted for want of the application's validation (their
     * nodes paid) and for want of the node's upload */
    uint64_t validation_timeouts, upload_timeouts;
} rn_counters;

relay_net *relay_net_new(relay_edition e, uint32_t max_accounts, uint64_t max_tasks);
void relay_net_free(relay_net *n);
const relay_params *relay_net_params(const relay_net *n);
const char *relay_net_error(const relay_net *n);

uint32_t relay_net_add_account(relay_net *n, wei_t balance);
/* Hosting in a protocol model (protocol/relay/relay_edition.c): the Relay's
 * balances become the host's array bal (indexed by the same account ids:
 * escrow, staking, treasury, the Relay's own account and the dao at the
 * fixed ids above, nodes and applications after them), prm replaces the
 * edition's parameters (a scenario may change some), and the host says how
 * many accounts exist (relay_net_set_accounts) instead of adding them here.
 * A transaction that fails has written nothing, so the host needs no undo
 * log for them. */
void relay_net_host(relay_net *n, wei_view bal, const relay_params *prm);
void relay_net_set_accounts(relay_net *n, uint32_t n_acc);
/* compareTaskScore for two scored tasks a and b (handles), for a caller
 * that keeps the scores themselves (sd pHashes within the distance
 * threshold); without it two scores agree when their results are equal. */
void relay_net_set_compare(relay_net *n, bool (*same)(void *ctx, uint32_t a, uint32_t b), void *ctx);
/* Funds the Relay's own account (it pays group payments' excess). */
void relay_net_fund_relay(relay_net *n, wei_t amount);
wei_t relay_net_balance(const relay_net *n, uint32_t account);
wei_t relay_net_total(const relay_net *n);
void relay_net_counters(const relay_net *n, rn_counters *out);

/* ---- nodes ---- */
bool relay_net_join(relay_net *n, double now, uint32_t acc, uint64_t vram_gb, wei_t stake,
                    uint32_t delegator_share, const uint32_t *models, uint32_t n_models);
/* The node's GPU (name and VRAM) as the caller's id (> 0), which a task's
 * work.gpu may require. */
void relay_net_set_node_gpu(relay_net *n, uint32_t acc, uint32_t gpu);
bool relay_net_delegate(relay_net *n, uint32_t user, uint32_t node_acc, wei_t amount);
/* An available or paused node leaves with its stake; a busy one leaves
 * when its task ends (PendingQuit). */
bool relay_net_quit(relay_net *n, double now, uint32_t acc);
/* Pause (a busy node: when its task ends) and resume a paused node. */
bool relay_net_pause(relay_net *n, double now, uint32_t acc);
bool relay_net_resume(relay_net *n, double now, uint32_t acc);

typedef struct rn_node_view {
    bool joined, busy, kicked_out, slashed;
    bool paused, pending_pause, pending_quit;
    wei_t stake, delegated;
    uint32_t task;               /* current task, RN_NONE */
    const relay_qos *qos;
} rn_node_view;
void relay_net_node(const relay_net *n, uint32_t acc, rn_node_view *out);

/* ---- tasks ---- */
/* Charges fee to creator and queues the task.  group: RN_NONE for a task
 * not validated, RN_GROUP_FIRST for the first task of a validation group,
 * then that task's handle for the group's two extra tasks.  timeout_s: the
 * task's own timeout (2025 editions; 2026 computes it at start).  Returns
 * the handle or RN_NONE. */
#define RN_GROUP_FIRST (UINT32_MAX - 1)
uint32_t relay_net_create(relay_net *n, double now, uint32_t creator, wei_t fee,
                          const relay_task_work *w, uint32_t model, uint64_t timeout_s, uint32_t group);

/* One dispatch step of the edition at now: 2026 a matching round, 2025-03 a
 * pass over the fee-ordered queue, 2025-07 one round of node offers.
 * Expired queued tasks are aborted first.  Returns the tasks started; *next
 * gets the seconds until the next step is due. */
size_t relay_net_dispatch(relay_net *n, double now, double (*uniform)(void *), void *ctx, double *next);

bool relay_net_submit(relay_net *n, double now, uint32_t task, uint64_t result);
bool relay_net_report_error(relay_net *n, double now, uint32_t task);
bool relay_net_timeout(relay_net *n, double now, uint32_t task);
/* relay-2026's later deadlines (service/start_task.go GetTaskDeadline @
 * 24ffc26): a task scored or in error and not validated within
 * app_validation_timeout_s of its score, or validated and not uploaded
 * within upload_timeout_s of its validation, is aborted.  The deadline is
 * when the task's current phase ends (0: no such phase). */
bool relay_net_phase_timeout(relay_net *n, double now, uint32_t task);
double relay_net_phase_deadline(const relay_net *n, uint32_t task);
bool relay_net_upload(relay_net *n, double now, uint32_t task);

typedef struct rn_task_view {
    rn_task_status status;
    rn_abort abort;
    uint32_t creator, node, group;
    wei_t fee, priority, paid;   /* paid: what the task's node was paid for it ... */
    wei_t paid_operator;         /* ... of which its operator kept this (the rest: the dao
                                    and its delegators, relay_income_split) */
    double created_s, started_s, deadline_s;
    uint64_t qos_score;
    bool qos_valid;
} rn_task_view;
void relay_net_task(const relay_net *n, uint32_t task, rn_task_view *out);
uint64_t relay_net_tasks(const relay_net *n);

#endif
