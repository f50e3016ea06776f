/* The Relay era (2025-2026): the rules by which crynux-network/crynux-relay
 * dispatches, validates, scores and pays tasks, as pure functions.
 *
 * From March 2025 the network's dispatch, validation, QoS and settlement
 * run off-chain in the Relay (Go).  Each edition follows one commit of
 * that repository; the rules below name the file they come from.  Where
 * the Relay's docs and its code differ, the code at the pinned commit is
 * followed (docs/editions-relay.md lists the differences).
 *
 *   relay-2025-03  f2bb1b1 (2025-04-02): the first Relay dispatcher
 *                  (513c911, b24f076) with its early fixes
 *   relay-2025-07  0601431 (2025-07-25): stake-weighted selection, sqrt stake
 *   relay-2026     24ffc26 (2026-08-20): health factor, pricing priority,
 *                  matching rounds, delegated staking
 *
 * No clock, no randomness, no I/O: the caller passes times in seconds and
 * uniform draws.  Money is integer wei; doubles appear only where the Relay
 * itself uses float64 (selection weights, QoS, health, time estimates), and
 * they only choose nodes and order tasks, never move tokens. */
#ifndef AVRAMI_PROTOCOL_RELAY_H
#define AVRAMI_PROTOCOL_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/wei.h"

typedef enum relay_edition {
    RELAY_2025_03 = 0,
    RELAY_2025_07 = 1,
    RELAY_2026 = 2,
    RELAY_N_EDITIONS
} relay_edition;

typedef struct relay_params {
    const char *name;       /* "relay-2025-03", ... */
    const char *commit;     /* crynux-relay commit the edition follows */
    const char *date;       /* the commit's date */
    uint32_t sample_mod;    /* validated iff VRF beta mod this == 0 (10 or 100) */
    uint64_t rewards[3];    /* task QoS score by finishing rank */
    uint32_t pool_size;     /* long-term score window (0: all tasks, 2025-03) */
    /* kick-out over the node's last 3 tasks */
    uint64_t window_sum_kickout;   /* 2025-03: kicked when the sum <= this */
    uint32_t window_timeout_kickout; /* 2025-07: kicked at this many timeouts */
    /* relay-2026: permanent kick-out and the health factor H */
    double kickout_qos_long;       /* QOSScore (0-10) below this, pool full */
    double rejoin_qos_long_floor;  /* Q_long raised to this on rejoin */
    double penalty_factor;         /* H *= this on a timeout ... */
    double first_penalty_factor;   /* ... or this while H >= first_threshold */
    double first_threshold;
    double success_boost;          /* H += this on a successful upload */
    double tau_minutes;            /* passive recovery time constant */
    double exclude_enter;          /* excluded when a penalty leaves H < this */
    double exclude_exit;           /* eligible again at H >= this */
    double inuse_boost;            /* weight x (1 + this x in-use/base models) */
    /* relay-2026 pricing and timeouts (task_pricing in config.example.yml) */
    double sd_overhead_s, sd_s_per_pixel_step;
    double llm_const_s, llm_s_per_input_byte, llm_s_per_output_token;
    double llm_switch_s, llm_s_per_image, llm_s_per_megapixel;
    uint64_t llm_default_max_new_tokens;
    uint64_t base_vram_gb;
    double timeout_multiplier;
    uint64_t min_exec_timeout_s, max_exec_timeout_s;
    uint64_t queue_timeout_s, app_validation_timeout_s, upload_timeout_s;
    /* relay-2026 per-GPU calibration (relay_calib.h); alpha 0: none */
    double calib_alpha, calib_regularization, calib_max_residual_multiple;
    uint64_t calib_warmup;
    double tick_s;                 /* matching round (2026) or queue read every this many s */
    uint32_t batch;                /* queued tasks read per page */
    double retry_min_s, retry_max_s; /* a task no node took draws again after U(min, max) */
    double offer_hold_s;           /* 2025-07: a node holds offers this long, then starts */
    uint64_t queue_grace_s;        /* 2025-07: queued tasks expire create + this + timeout */
    bool passive_slash;            /* invalidation records a review, no slash */
    bool delegation;               /* delegated staking and the delegator share */
    uint32_t dao_percent;          /* dao.task_fee_share_percent */
} relay_params;

/* The edition's parameters; NULL for an unknown name. */
const relay_params *relay_params_of(relay_edition e);
const relay_params *relay_params_by_name(const char *name, relay_edition *e);

/* ---- validation sampling (utils/vrf.go; validate_task.go) --------------- */

/* Whether a task whose VRF output is beta (big-endian bytes) is validated:
 * big.Int(beta) mod sample_mod == 0. */
bool relay_need_validation(const relay_params *p, const uint8_t *beta, size_t n);

/* ---- node QoS state ------------------------------------------------------ */

#define RELAY_POOL_MAX 50

typedef struct relay_qos {
    /* what node selection reads first (2026 health: HealthBase,
     * HealthUpdatedAt, HealthExcluded) */
    double qos_score;              /* 2025-07, 2026: node.QOSScore as float64 */
    double health_base;
    double health_at_s;
    uint64_t score;                /* 2025-03: node.QOSScore, uint64; 0 until the first finish */
    bool health_set;
    bool health_excluded;
    /* 2025-03 (service/qos.go @ f2bb1b1): all-time mean of task scores */
    uint64_t all_sum, all_count;
    /* 2025-07, 2026: the in-memory pool */
    bool pool_exists;              /* the Relay's map holds an entry */
    uint8_t pool[RELAY_POOL_MAX];  /* oldest first */
    uint32_t pool_len;
    /* the node's last 3 tasks since it joined, newest first */
    uint64_t recent_score[3];      /* 2025-03: each task's qos_score */
    bool recent_timeout[3];        /* 2025-07: each task ended TaskAbortTimeout */
    uint32_t recent_n;
} relay_qos;

/* A node that joins for the first time. */
void relay_qos_init(relay_qos *q);
/* relay-2026 AdjustNodeQosForJoin: a node rejoining with Q_long below the
 * floor gets the floor and loses its stale pool. The kick-out window only
 * counts tasks started since the join: it is emptied here for every edition. */
void relay_qos_rejoin(const relay_params *p, relay_qos *q);

/* A finished task of the node enters its kick-out window (nodeFinishTask):
 * score is the task's qos_score, timeout whether it ended TaskAbortTimeout
 * without a score. */
void relay_qos_window_push(relay_qos *q, uint64_t score, bool timeout);
/* 2025-03: the task score enters the all-time mean and node.QOSScore is
 * recomputed (getNodeTaskQosScore: sum/count, 0 -> 1, none -> rewards[0]). */
void relay_qos_all_time_push(const relay_params *p, relay_qos *q, uint64_t score);
/* 2025-07, 2026: updateNodeQosScore: the score enters the rolling pool
 * (seeded with pool_size-1 copies of uint64(QOSScore) when the node has no
 * entry and a non-zero score) and QOSScore becomes the pool mean. */
void relay_qos_pool_push(const relay_params *p, relay_qos *q, uint64_t score);

/* The kick-out rule of the edition, checked when a node finishes a task:
 * 2025-03 window sum (missing tasks count rewards[0]) <= threshold;
 * 2025-07 >= 2 timeouts among the last 3; 2026 QOSScore < 2.0 with a full pool. */
bool relay_should_kickout(const relay_params *p, const relay_qos *q);

/* 2026 health (service/qos.go @ 24ffc26). */
double relay_health_at(const relay_params *p, const relay_qos *q, double now_s);
void relay_health_penalty(const relay_params *p, relay_qos *q, double now_s);
void relay_health_boost(const relay_params *p, relay_qos *q, double now_s);
bool relay_health_excluded(const relay_params *p, const relay_qos *q, double now_s);
/* Seconds after a penalty leaving H = h until H reaches the exit threshold:
 * tau*ln((1-h)/(1-exit)) (docs/qos.md); 0 when h is already there. */
double relay_health_exit_delay_s(const relay_params *p, double h);

/* ---- selection weights -------------------------------------------------- */

/* sqrt(stake/max) as selecting_prob.go CalculateStakingScore computes it:
 * in 53-bit big.Floats, i.e. IEEE doubles. */
double relay_staking_score(wei_t stake, wei_t max_stake);

typedef struct relay_cand {
    const relay_qos *q;
    wei_t stake;            /* staking that scores (stake + delegations) */
    /* relay_staking_score(stake, max_stake) when the caller already has it
     * (has_staking); relay_weights computes it otherwise */
    double staking;
    bool has_staking;
    uint32_t local_match;   /* task models on the node's disk */
    uint32_t inuse_match;   /* task models the node has in use */
    uint32_t inuse_count;   /* models the node has in use */
} relay_cand;

/* The weight of each candidate for a task with task_models models (2026:
 * base models) into w[]; max_stake is the largest staking among live nodes.
 * Candidates the edition drops get weight < 0: 2025 editions keep only nodes
 * with a local task model when any exists; 2026 keeps only nodes holding
 * every base model, and drops health-excluded nodes.  Returns the number of
 * candidates left. */
size_t relay_weights(const relay_params *p, const relay_cand *c, size_t n,
                     uint32_t task_models, wei_t max_stake, double now_s, double *w);
/* relay_weights of 2026 in two factors, so that a caller may keep the
 * node's own between draws: the node's score at now_s (harmonic mean of
 * its staking score and QoS times health), -1 when health excludes it;
 * then the factor of the in-use boost for a node holding all base_models
 * of the task: its weight is the score times the factor, as relay_weights
 * computes it. */
double relay_node_score_2026(const relay_params *p, const relay_qos *q, double staking, double now_s);
double relay_inuse_factor_2026(const relay_params *p, uint32_t inuse_match, uint32_t base_models);
/* Whether relay_node_score_2026 of q depends on the time (health below a
 * full base decays back to 1). */
bool relay_health_timed(const relay_qos *q);

/* The index drawn by sampleuv.Weighted with uniform u in [0,1) over the
 * weights >= 0; when every kept weight is 0 the first kept candidate
 * (task_matching.go sampleCandidateIndex returns 0 when Take fails).
 * -1 when none is kept. */
long relay_pick(const double *w, size_t n, double u);
/* The same draw with the weights of candidates whose node is marked in
 * reserved[] (nodes[i] the node of candidate i) taken as < 0, without
 * copying them. */
long relay_pick_unreserved(const double *w, const uint32_t *nodes, const uint8_t *reserved, size_t n,
                           double u);

/* Repeated draws from one candidate set within a matching round.  The
 * draw's first pass sums the unreserved weights in candidate order; that
 * running total at candidate i only changes when a candidate at or before
 * i is reserved, so it is kept (acc) and summed again only from the first
 * candidate reserved since the set's last draw, with the same additions in
 * the same order: the same total, bit for bit.  The second pass (the first
 * running total above u * total) becomes a binary search of acc, whose
 * entries never decrease (adding a weight >= 0 to a sum >= 0 cannot lower
 * it in round-to-nearest). */
typedef struct relay_prefix {
    double *acc;  /* acc[i]: the first pass's running total through candidate i */
    size_t valid; /* acc[0, valid) agree with the reservations applied */
    size_t seen;  /* the round's reservations applied so far */
    int sorted;   /* nodes[] ascending (found by binary search): -1 not yet checked */
} relay_prefix;
/* relay_pick_unreserved(w, nodes, reserved, n, u) through pf (all zero,
 * sorted -1, and acc room for n, before the set's first draw); made[0,
 * n_made) are the nodes reserved in the round so far, in the order
 * reserved, each marked in reserved[] (the list only grows during the
 * round). */
long relay_pick_prefix(relay_prefix *pf, const double *w, const uint32_t *nodes, const uint8_t *reserved,
                       size_t n, const uint32_t *made, size_t n_made, double u);

/* ---- pricing, queue order and timeouts ---------------------------------- */

typedef struct relay_task_work {
    bool llm;
    uint64_t sd_units;        /* images x width x height x steps */
    uint64_t llm_input_bytes, llm_max_new_tokens, llm_images, llm_image_pixels;
    uint64_t vram_gb;         /* MinVRAM, or the required GPU's VRAM */
    uint32_t gpu;             /* RequiredGPU (name and VRAM) as the caller's id; 0: any node
                                 (select_nodes.go filterNodesByGPU, task_matching.go) */
    uint64_t gpu_vram_gb;     /* RequiredGPUVRAM, with gpu */
    uint32_t config;          /* the model's execution configuration (RequestedDType,
                                 QuantizeBits) as the caller's id: a calibration key field */
} relay_task_work;

/* computeSDPricingUnits: defaults 6 images, 512x512, 1 step for absent keys. */
uint64_t relay_sd_units(uint64_t images, uint64_t width, uint64_t height, uint64_t steps);
/* computeEstimatedNodeSeconds with the initial coefficients (a cold start;
 * relay_calib.h has the calibrated estimates). */
double relay_estimated_seconds(const relay_params *p, const relay_task_work *t, bool model_switch);
double relay_vram_weight(const relay_params *p, uint64_t vram_gb);
/* computeTaskVRAMWeight: the required GPU's VRAM when the task names one,
 * else MinVRAM, at least base_vram, over base_vram. */
double relay_task_vram_weight(const relay_params *p, const relay_task_work *t);
/* ApplyTaskPricing: Int(Quo(fee, max(est,1)*vram_weight)) with big.Float's
 * rounding (precision max(64, bitlen(fee)), to nearest even) then truncation. */
wei_t relay_priority(const relay_params *p, wei_t fee, const relay_task_work *t);
/* The same with the estimate est (calibrated: relay_calib_price_seconds). */
wei_t relay_priority_est(const relay_params *p, wei_t fee, const relay_task_work *t, double est);
/* DescribeExecutionTimeout: ceil(clamp(est x multiplier, min, max)). */
uint64_t relay_exec_timeout_s(const relay_params *p, const relay_task_work *t, bool model_switch);
/* The timeout of a prediction est: ceil(clamp(est x multiplier, min, max)). */
uint64_t relay_timeout_of(const relay_params *p, double est);
/* Exposed for tests: Int(Quo(fee, d)) as big.Float computes it, d >= 1. */
wei_t relay_bigfloat_quo_int(wei_t fee, double d);

typedef struct relay_queued {
    wei_t fee;
    wei_t priority;      /* 2026 */
    uint32_t type;       /* 0 SD, 1 LLM, 2 SD LoRA fine-tune (models.TaskType) */
    uint64_t id;         /* creation order */
} relay_queued;

/* < 0 when a is dispatched before b.  2025-03: fee desc, type desc, id asc
 * (task_queue.go @ f2bb1b1); 2025-07: id asc (start_task.go @ 0601431 reads
 * the queue by id; fees compete at the node, relay_offer_replaces);
 * 2026: priority desc, id asc (task_matching.go fetchQueuedTaskPage). */
int relay_queue_cmp(const relay_params *p, const relay_queued *a, const relay_queued *b);

/* ---- dispatch (relay_match.c) -------------------------------------------- */

/* 2025-07: a node holding an offer of held_fee takes one of offered_fee. */
bool relay_offer_replaces(wei_t held_fee, wei_t offered_fee);

typedef struct relay_match_io {
    void *ctx;
    /* the candidate set of a requirement signature at the round's time:
     * node ids and their relay_weights (< 0: dropped); returns the count.
     * *pre: the set's relay_prefix, kept for the round, or NULL (each draw
     * then sums the weights anew) */
    size_t (*candidates)(void *ctx, uint32_t sig, const uint32_t **nodes, const double **w,
                         relay_prefix **pre);
    double (*uniform)(void *ctx); /* a uniform draw in [0, 1) */
} relay_match_io;

typedef struct relay_pair {
    uint32_t task, node; /* task: index into the round's queue */
} relay_pair;

/* 2026 runMatchingRound over the queued tasks in dispatch order: pages of
 * p->batch; each task not expired draws one node of its signature's
 * candidates not yet reserved this round; after a full page the round stops
 * when free_nodes are all reserved.  reserved[] (indexed by node id, all 0)
 * is scratch and comes back all 0.  Returns the pairs written to out (at
 * most n). */
size_t relay_match_round(const relay_params *p, const uint32_t *sig, const bool *expired, size_t n,
                         uint32_t free_nodes, const relay_match_io *io, uint8_t *reserved,
                         relay_pair *out);
/* Seconds to the next round: 0 after a round that matched, else the tick. */
double relay_next_round_s(const relay_params *p, size_t matched);

/* ---- validation groups and settlement ----------------------------------- */

typedef enum relay_group_outcome {
    RELAY_ABORTED = 0,        /* TaskEndAborted (fee refunded) */
    RELAY_VALIDATED,          /* TaskGroupValidated: the group's paid task */
    RELAY_REFUND,             /* TaskEndGroupRefund: fee back to the creator */
    RELAY_INVALIDATED,        /* TaskEndInvalidated: slashed (or a review) */
} relay_group_outcome;

typedef struct relay_member {
    bool aborted;            /* TaskEndAborted before validation (timeout) */
    bool error;              /* TaskErrorReported (else TaskScoreReady) */
    double exec_s;           /* ExecutionTime(): score ready - start */
    uint64_t id;
} relay_member;

/* ValidateTaskGroup: ranks by execution time (ties by id) give the QoS
 * scores (score_valid false: NULL, every member aborted), and the decision
 * table (same[i][j]: tasks i and j agree, compareTaskScore) the outcomes,
 * both indexed like m[]. */
void relay_validate_group(const relay_params *p, const relay_member m[3], const bool same[3][3],
                          relay_group_outcome out[3], uint64_t score[3], bool score_valid[3]);

/* SetTaskStatusEndSuccess for a group: each valid member i gets
 * fee*score_i/total, the last the sum of the remainders too (the Relay's
 * rounding: it pays up to 2*(total-1) wei more than fee; *extra says how
 * much).  false when total is 0 or a product overflows. */
bool relay_group_payments(wei_t fee, const uint64_t *scores, size_t n, wei_t *pay, wei_t *extra);

/* sendTaskIncome (relay_account.go @ 24ffc26): dao share, then delegators'
 * share of the rest pro rata to their stakes (the rounding remainder to
 * delegation 0; the Relay iterates a Go map, so its order is arbitrary),
 * the operator the rest.  Conserves amount exactly.  false on overflow. */
bool relay_income_split(wei_t amount, uint32_t dao_percent, uint32_t delegator_share,
                        const wei_t *delegations, size_t nd, wei_t *dao, wei_t *operator_income,
                        wei_t *delegator_income);

#endif
