/* Private state of relay_net (relay_net.c, relay_net_flow.c). */
#ifndef AVRAMI_PROTOCOL_RELAY_NET_INTERNAL_H
#define AVRAMI_PROTOCOL_RELAY_NET_INTERNAL_H

#include "protocol/relay/relay_calib.h"
#include "protocol/relay/relay_net.h"

typedef struct rn_deleg {
    uint32_t user, node;
    wei_t amount;
} rn_deleg;

/* Ordered so that what a dispatch step reads of a free node (state, VRAM,
 * GPU, model in use, staking and its score, local models, then the QoS and
 * health at the head of q) lies in its first three cache lines. */
typedef struct rn_node {
    bool joined, busy, kicked_out, slashed;
    bool paused, pending_pause, pending_quit; /* NodeStatusPaused, PendingPause, PendingQuit */
    bool quit;                   /* left by its own (pending) quit, not kicked out */
    uint64_t vram_gb;
    uint32_t gpu;                /* the caller's id of its GPU (name and VRAM); 0: not told */
    uint32_t inuse;              /* model of its last task, RN_NONE */
    uint32_t n_models;
    uint32_t delegator_share;
    wei_t stake, delegated;
    /* relay_staking_score(ss_stake, ss_max), kept between dispatch steps
     * (both rarely change); all zero is a valid entry (a score of 0) */
    double ss;
    uint32_t models[RN_MAX_LOCAL_MODELS];
    uint32_t task;
    bool ever_joined;
    wei_t ss_stake, ss_max;
    relay_qos q;
} rn_node;

/* What a dispatch step reads of every node, one cache line each, kept by
 * rn_view_sync wherever a node's state changes (relay_net_view.c), so
 * that a step reads the node records of candidates only: the 10,000-node
 * network's records do not fit in a core's cache, these do. */
#define RN_GPU_INDEX 256 /* GPU ids with a free-node index (relay_net_view.c) */

typedef struct rn_view {
    wei_t stake;          /* stake + delegated while joined, else 0 */
    uint64_t vram_gb;
    uint64_t models;      /* bit (m % 64) set for each local model m */
    double score;         /* 2026: relay_node_score_2026 at stake epoch `epoch` */
    uint32_t gpu, inuse;
    uint32_t epoch;       /* n->epoch when score was computed, 0: not computed */
    bool free;            /* joined, not busy, not paused */
    bool exact;           /* every local model < 64: models tells them exactly */
} rn_view;

typedef struct rn_task {
    rn_task_status status;
    rn_abort abort;
    uint32_t creator, node, group;
    uint32_t model;
    relay_task_work w;
    wei_t fee, priority, paid, paid_operator;
    double created_s, started_s, score_s, deadline_s, not_before_s, validated_s;
    uint64_t timeout_s, result, qos_score;
    bool qos_valid, error;
    bool switched;                  /* ModelSwtiched: the node's in-use model was another */
    uint32_t exec_gpu;              /* the execution GPU snapshot: the node's GPU id ... */
    uint64_t exec_vram;             /* ... and VRAM at the start */
    uint32_t members[3], n_members; /* the group's tasks, on its first task */
} rn_task;

struct relay_net {
    relay_edition e;
    const relay_params *p;
    relay_params own;            /* hosted: the host's copy of the parameters */
    uint32_t n_acc, max_acc;
    wei_view bal;                /* own (stride 1) or the host's */
    bool hosted;                 /* bal is the host's (relay_net_host) */
    rn_node *nodes;              /* indexed by account */
    rn_view *view;               /* indexed by account */
    uint32_t epoch;              /* counts changes of max_stake (from 1): a view score's validity */
    rn_task *tasks;
    uint64_t n_tasks, max_tasks;
    uint64_t first_queued;       /* no task below it is queued (tasks never go back to the queue) */
    rn_deleg *delegs;
    uint32_t n_delegs, max_delegs;
    rn_counters c;
    relay_calib cal;             /* 2026: per-GPU execution-time records */
    const char *err;
    /* dispatch scratch */
    uint32_t *free_nodes, n_listed; /* 2025 editions: the nodes free at the dispatch step's start */
    uint32_t n_free;             /* the free nodes, kept by rn_view_sync */
    /* the free nodes of each GPU id below RN_GPU_INDEX (bit a of word a / 64),
     * kept by rn_view_sync: a task that requires a GPU reads those nodes'
     * views only (allocated at the id's first free node; gpu_index_off when
     * an allocation failed: every task scans) */
    uint64_t *gpu_free[RN_GPU_INDEX];
    bool gpu_index_off;
    wei_t view_max;              /* the largest stake in the views, kept by rn_view_sync ... */
    bool view_max_low;           /* ... unless it may have dropped (then found by a scan) */
    wei_t max_stake;             /* the largest stake that scores among joined nodes at the step's start */
    uint32_t *order, *cand;
    double *w;
    relay_cand *cands;
    uint8_t *reserved;
    relay_pair *pairs;
    /* compareTaskScore of two scored tasks (relay_net_set_compare); NULL: equal results */
    bool (*same)(void *ctx, uint32_t a, uint32_t b);
    void *same_ctx;
};

bool rn_move(relay_net *n, uint32_t from, uint32_t to, wei_t amount);
bool rn_fail(relay_net *n, const char *why);
bool rn_has_model(const rn_node *nd, uint32_t model);
/* nodeFinishTask: kick-out check, then the node is free (relay_net.c) */
void rn_node_finish(relay_net *n, uint32_t node, double now);
/* nodeSlash: the node leaves, its stake goes to the treasury */
void rn_node_slash(relay_net *n, uint32_t node);
/* the node's task enters the edition's QoS records (relay_net_flow.c) */
void rn_node_task_score(relay_net *n, uint32_t node, uint64_t score, bool valid, bool timeout);
/* the node's view from its record (relay_net_view.c): after every change */
void rn_view_sync(relay_net *n, uint32_t node);
/* whether the node's view agrees with its record (and a kept score with a
 * fresh relay_node_score_2026 at now): what rn_view_sync must ensure */
bool rn_view_agrees(const relay_net *n, uint32_t node, double now);
/* relay_staking_score of the node's stake + delegations against
 * n->max_stake, memoized in its record (both rarely change) */
double rn_staking_score(relay_net *n, rn_node *nd);
/* at a dispatch step's start: the largest stake that scores, from the
 * views, and under the 2025 editions the free nodes in account order */
void rn_view_prepare(relay_net *n);
/* 2026: the free nodes (in account order) with the VRAM and GPU of task t into n->cand
 * and their weights into n->w; the node scores kept in the views */
size_t rn_view_candidates_2026(relay_net *n, const rn_task *t, double now);
/* starts task t on node nd at now */
void rn_start(relay_net *n, uint32_t t, uint32_t nd, double now);

#endif
