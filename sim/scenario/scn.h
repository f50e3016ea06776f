/* Scenario files: JSON in, a validated plain struct out.
 *
 * Validation is strict so that a typo never silently becomes a default:
 * unknown keys (with the nearest known key suggested), wrong types,
 * out-of-range values and unknown card names are all errors, reported as
 *     FILE: $.path.to.key: expected ..., got ...
 * Every key, its unit and its default are listed in docs/scenarios.md. */
#ifndef AVRAMI_SCENARIO_SCN_H
#define AVRAMI_SCENARIO_SCN_H

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>

#include "agents/profile.h"
#include "protocol/proto.h"
#include "timing/tim.h"
#include "util/wei.h"

#define SCN_NAME_MAX 64
#define SCN_ERR_MAX 1024

typedef struct scn_card {
    char name[SCN_NAME_MAX];
    uint32_t vram_gb;
    double relative_speed; /* throughput vs RTX 4090 (parametric timing) */
    tim_card timing;       /* the card's entry in cards.json */
    bool named;            /* name is the scenario's spelling (scn_find_card) */
} scn_card;

typedef struct scn_card_share {
    uint32_t card;  /* index into scn.cards */
    double share;   /* normalised to sum to 1 */
} scn_card_share;

typedef enum scn_fee_dist { SCN_FEE_FIXED, SCN_FEE_UNIFORM } scn_fee_dist;

/* One kind of task an application submits. */
typedef struct scn_task_kind {
    proto_task_type type;
    char model[SCN_NAME_MAX];
    double weight;            /* share of the application's tasks */
    uint32_t vram_gb;         /* the task's VRAM requirement */
    double model_size_mb;     /* downloaded once per node (model cache) */
    uint32_t size_min, size_max; /* gpt: generated tokens; sd: images */
    double args_kb;           /* task arguments fetched from the relay */
    double result_kb_per_unit;/* result uploaded to the relay, per token/image */
    double exec_base_s;       /* execution time on an RTX 4090 ... */
    double exec_per_unit_s;   /* ... = base + per_unit × size */
    scn_fee_dist fee_dist;
    wei_t fee_min, fee_max;   /* wei; equal for "fixed" */
    bool fee_per_cap;         /* the drawn fee is per unit of cap (fee.per "cap") */
    uint64_t cap_base_s;      /* the app's estimate: base + per_image × images */
    uint64_t cap_per_unit_s;  /* (sd only; 0 for gpt) */
    /* calibrated timing only: the model's shapes and the workload around
     * `size` (gpt: max_new_tokens; sd: images) */
    tim_model timing;
    uint32_t prompt_tokens, num_beams, num_sequences, bits;
    uint32_t steps, width, height;
    /* the model hub has no such model (a mistyped, removed or gated
     * repository): every node's download fails as "Task model invalid" */
    bool model_missing;
} scn_task_kind;

typedef enum scn_timing_model { SCN_TIMING_PARAMETRIC, SCN_TIMING_CALIBRATED } scn_timing_model;

typedef enum scn_arrival { SCN_ARR_POISSON, SCN_ARR_DAILY, SCN_ARR_CSV, SCN_ARR_PERIODIC } scn_arrival;

/* Node behaviours other than honest (network.behaviours[], parsed in
 * scn_behaviour.c).  Each entry is one actor: its nodes join at time 0 in
 * addition to network.nodes, and its results are reported apart. */
typedef enum scn_beh_kind {
    SCN_BEH_CHEATER,   /* skips the work, submits a fake result of its own */
    SCN_BEH_COLLUDERS, /* one attacker's nodes: the same fake result */
    SCN_BEH_SLOW,      /* honest, execution × factor */
    SCN_BEH_FLAKY,     /* honest, but silently misses a share of its tasks */
    SCN_BEH_VANISH,    /* honest until vanish_at_s, then silent for good */
    SCN_BEH_CARD_LIAR, /* tells the chain another card than it has */
} scn_beh_kind;

typedef enum scn_collude_mode {
    SCN_COLLUDE_WHEN_TWO, /* cheat with >= 2 own nodes in the task, else honest */
    SCN_COLLUDE_TIMEOUT,  /* cheat with >= 2, else stay silent (the timeout attack) */
    SCN_COLLUDE_ALWAYS,   /* cheat in every task */
} scn_collude_mode;

typedef struct scn_behaviour {
    char name[SCN_NAME_MAX];  /* the actor's name in results */
    scn_beh_kind kind;
    scn_collude_mode mode;    /* colluders */
    uint32_t nodes;
    int32_t card;             /* index into scn.cards, -1: drawn from the mix */
    int32_t claims;           /* card-liar: the card it tells the chain */
    double probability;       /* cheater: share of tasks faked; flaky: share missed */
    double factor;            /* slow: execution-time factor */
    double vanish_at_s;       /* vanish: when */
    bool rejoin;              /* after a slash, kick-out or timed-out task: join
                                 again at once as a fresh node (new identity) */
} scn_behaviour;

typedef struct scn_app {
    char name[SCN_NAME_MAX];
    scn_arrival arrival;
    double rate_per_h;        /* poisson / daily mean rate */
    double amplitude;         /* daily: rate × (1 + a·cos(2π(t − peak)/1 d)) */
    double peak_hour;
    double *csv_times_s;      /* csv: sorted arrival times (owned) */
    uint32_t n_csv;
    wei_t balance;
    uint64_t cancel_after_s;  /* cancel a started/queued task after this (0: never) */
    const agt_app_profile *profile; /* the bridge's release (docs/profiles.md) */
    const agt_front_end *front_end;
    uint64_t give_up_s;       /* the user gives up on a result not in by then (0: never) */
    uint64_t rate_interval_s; /* the bridge's rate limit per client id (0: none) ... */
    uint32_t rate_burst;      /* ... with this burst */
    uint32_t clients;         /* client ids the app's tasks come from (0: a fresh one per task) */
    double create_confirm_s;  /* the bridge gives up a create not in a block by then (0: never) */
    double args_upload_s;     /* the bridge's loop period before the arguments reach the relay (0: at once) */
    bool resubmit;            /* resubmit a task the network aborted */
    uint32_t max_resubmits;
    scn_task_kind *kinds;
    uint32_t n_kinds;
} scn_app;

typedef struct scn {
    char name[SCN_NAME_MAX];
    proto_params params;
    uint64_t duration_s, warmup_s, seed;
    uint32_t replications;

    /* chain */
    double block_time_s, submit_latency_s, observe_delay_s;
    /* relay */
    double relay_mbps, relay_latency_s;
    /* a node's fetch of the task's arguments fails with an error other than
     * "not found"/"not ready" (which it retries): per attempt (0: never;
     * no rate was published) */
    double fetch_failure_prob;

    /* network */
    uint32_t nodes;
    scn_card_share *mix;
    uint32_t n_mix;
    double download_mbps;    /* home connection, for model downloads */
    double download_failure_prob; /* a model download fails, per attempt (0: never; no rate published) */
    uint32_t model_cache;    /* models a node keeps cached (at most 8) */
    bool preload_models;     /* nodes join with preloaded models (below) */
    const agt_node_profile *node_profile; /* the node software's release */
    char (*preloaded)[SCN_NAME_MAX]; /* the models preloaded, by name (NULL: the */
    uint32_t n_preloaded;            /* scenario's first model_cache models) */
    bool keep_model_loaded;  /* a model stays in VRAM for the next task of the same model */
    bool args_retry;         /* nodes fetch arguments on the node's retry schedule (else when ready) */
    double join_rate_per_h;  /* new nodes joining over time (network-wide) */
    double pause_rate_per_h; /* per node */
    double pause_mean_s;
    double quit_rate_per_h;  /* per node */
    double vanish_prob;      /* share of leavers that vanish silently */
    scn_timing_model timing_model;
    double noise_sigma;      /* lognormal sigma of execution time */
    double timing_overhead_s;/* calibrated: fixed seconds per task */
    double disk_gbs;         /* calibrated: disk to VRAM, GB/s */
    double h2d_gbs;          /* calibrated: host-to-card copies of offloaded weights, GB/s */
    char models_dir[512];    /* calibrated: cards.json, llms.json, sd.json */
    int timing_runtime;      /* calibrated: tim_runtime of gpt tasks (sd: diffusers) */
    char cards_path[1100];   /* the card catalogue (cards_file or <models_dir>/cards.json) */
    double node_cancel_after_s; /* a node cancels a stuck task after this */
    bool honest_rejoin;      /* a slashed or kicked-out honest node joins again (fresh stake) */
    bool exact_cards;        /* card_allocation "exact": the time-0 nodes split by share exactly */
    scn_behaviour *behaviours;
    uint32_t n_behaviours;
    /* sd hashes of honest nodes on two card models a != b differ in each
     * bit with probability sd_pair[a * n_cards + b] (symmetric; NULL: none) */
    double *sd_pair;

    scn_app *apps;
    uint32_t n_apps;

    scn_card *cards;
    uint32_t n_cards;

    double memory_gb;  /* limits.memory_gb: bound on the estimated memory of a run */

    char *text; /* the scenario file as read (for the results database) */
} scn;

/* Loads and validates; on failure returns false with a message in err
 * ("FILE: $.path: expected ..."). */
bool scn_load(const char *path, scn *out, char err[SCN_ERR_MAX]);
/* scn_load with the file's text passed through edit first (e.g. the
 * `--set` edits of `avrami run`): edit returns the new text (malloc'd), or
 * NULL with a message in err.  The edited text is validated like a file. */
typedef char *(*scn_edit_fn)(const char *text, void *ctx, char err[SCN_ERR_MAX]);
bool scn_load_edited(const char *path, scn_edit_fn edit, void *ctx, scn *out, char err[SCN_ERR_MAX]);
/* The directory a scenario's relative file names start from: PATH's
 * directory, or "." (malloc'd). */
char *scn_base_dir(const char *path);
/* Same from a string; file names the source in messages, base_dir resolves
 * relative file names (cards file, CSV). */
bool scn_parse(const char *text, const char *file, const char *base_dir, scn *out,
               char err[SCN_ERR_MAX]);
void scn_free(scn *s);
/* Whether a run of duration_s (the scenario's, or a --duration override)
 * fits the scenario's limits (scn_limits.c): the estimated memory within
 * limits.memory_gb and fewer than 2^31 nodes.  Message in err naming the
 * file, the key that asks for most and the estimate. */
bool scn_check_resources(const scn *s, const char *file, uint64_t duration_s, char err[SCN_ERR_MAX]);
/* Longest simulated time a run may ask for (also the range of duration_s). */
#define SCN_DURATION_MAX (86400ULL * 3650)

/* Calibrated timing: the workload of one task of kind k with `size` units
 * (gpt: generated tokens; sd: images) as sim/timing/ describes it;
 * resident: the model is still loaded in the card's memory. */
void scn_timing_workload(const scn *s, const scn_task_kind *k, uint32_t size, bool resident,
                         tim_workload *w);

const char *scn_behaviour_kind_name(scn_beh_kind k);
const char *scn_collude_mode_name(scn_collude_mode m);

/* Actors: 0 is the honest nodes, 1 + i is behaviours[i]. */
static inline uint32_t scn_actors(const scn *s) { return 1 + s->n_behaviours; }

/* Warnings on stderr-like `out` for settings that validate but cannot mean
 * what they seem (a run not longer than its warm-up, a kick-out threshold
 * no QoS window can stay above); `where` prefixes each line.  Returns how
 * many were printed.  duration_override_s: a --duration, or 0. */
unsigned scn_warn(const scn *s, uint64_t duration_override_s, const char *where, FILE *out);

/* Levenshtein distance, for "did you mean". */
unsigned scn_edit_distance(const char *a, const char *b);

#endif
