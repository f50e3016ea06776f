/* Agent decisions that need no protocol state: when applications submit,
 * what they submit and at which fee, how long a node takes, and what an
 * honest node's result and nonce look like.  Kept apart from the event loop
 * so each rule is testable on its own. */
#ifndef AVRAMI_AGENTS_AGT_H
#define AVRAMI_AGENTS_AGT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "engine/eng.h"
#include "scenario/scn.h"

/* Next arrival strictly after `now` for a poisson or daily app, or
 * ENG_TIME_MAX when the rate is zero.  Daily rates use thinning against the
 * peak rate: O(1 + amplitude) draws per arrival.  csv_next is the index of
 * the next CSV time (updated). */
eng_time agt_next_arrival(const scn_app *a, gsl_rng *r, eng_time now, uint32_t *csv_next);

/* Index of a task kind drawn by weight: O(kinds). */
uint32_t agt_pick_kind(const scn_app *a, gsl_rng *r);
uint32_t agt_pick_size(const scn_task_kind *k, gsl_rng *r);
/* An integer fee: exact integer draw, no floating point. */
wei_t agt_draw_fee(const scn_task_kind *k, gsl_rng *r);
/* The application's execution-time estimate in seconds (>= 1). */
uint64_t agt_cap_s(const scn_task_kind *k, uint32_t size);
/* Uniform integer in [0, bound] over 128 bits (rejection sampling). */
wei_t agt_rng_wei_upto(gsl_rng *r, wei_t bound);
/* Node `node`'s stake, uniform in whole CNX between lo and hi (lo when
 * hi <= lo), from a stream of its own: (seed, replication, node) and
 * nothing else, so the same node stakes the same under every edition
 * (common random numbers).  Exact: lo + k CNX <= hi. */
wei_t agt_node_stake(uint64_t seed, uint64_t replication, uint32_t node, wei_t lo, wei_t hi);
/* Node `node`'s delegation (relay-2026 protocol.delegated_stake ..
 * delegated_stake_max), drawn the same way from a stream of its own, apart
 * from the stake's, so setting one range leaves the other's draws alone. */
wei_t agt_node_delegation(uint64_t seed, uint64_t replication, uint32_t node, wei_t lo, wei_t hi);

/* ---- timing ----
 * How long a node of a card takes to execute a task.  The simulation only
 * sees this interface; the parametric model below is the stand-in for the
 * calibrated one. */
/* What the calibrated model says beyond the time (sim/timing/): whether the
 * task runs on the card at all, and the weights it runs with in host
 * memory.  The parametric model leaves it zero. */
typedef struct agt_fate {
    int fail;          /* tim_fail: TIM_RUNS, or why it fails (the time is until then) */
    double offload_gb; /* weights device_map="auto" left in host memory */
    double offload_s;  /* seconds of the task spent copying them to the card */
} agt_fate;

typedef struct agt_work {
    const scn_task_kind *kind;
    uint32_t size;
    const scn_card *card;
    bool resident;   /* the node's last task used the same model: no load */
    agt_fate *fate;  /* filled when not NULL */
} agt_work;

typedef struct agt_timing {
    /* seconds of execution, > 0; r is the execution-noise stream */
    double (*exec_s)(void *ctx, const agt_work *w, gsl_rng *r);
    void *ctx;
} agt_timing;

/* (base + per_unit × size) / relative_speed × LogNormal(−σ²/2, σ), whose
 * mean is 1 so σ changes the spread only.  ctx: a const scn *. */
agt_timing agt_timing_parametric(const scn *s);
/* The calibrated model (sim/timing/): load from disk unless resident,
 * prefill, decode or diffusion steps, overheads, from the card's bandwidth
 * and FLOPS times its efficiencies; times the same noise.  ctx: its own,
 * with the scenario and the answers so far (agt_timing_free frees it);
 * exits on out of memory. */
agt_timing agt_timing_calibrated(const scn *s);
/* The model the scenario's timing.model names. */
agt_timing agt_timing_for(const scn *s);
/* Frees what agt_timing_calibrated or agt_timing_for made (nothing for the
 * parametric model) and clears *t. */
void agt_timing_free(agt_timing *t);

/* Relay transfer time: latency + size / bandwidth. */
double agt_transfer_s(double kb, double mbps, double latency_s);

/* The honest result of a task: every honest node computes the same bytes.
 * Returns the length.  The sizes are what the Helium-era node put on chain
 * (crynux-ai/crynux-node at 0d48999, March 2024): task/utils.py
 * make_result_commitments joins one hash per result file, commits
 * keccak256(abi.encodePacked(bytes, bytes32 nonce)) and later discloses the
 * same bytes (task/task_runner.py result_ready, commitment_ready); the
 * hashes come from crynux_worker/task/utils.py: a gpt task's one file,
 * response.json (crynux_worker_proc_main.py), gives its SHA-256, 32 bytes,
 * never the text; an sd task's N images give N 64-bit pHashes
 * (imhash/imhash_lib.go: goimagehash PerceptionHash, big-endian), 8 bytes
 * each.  A commitment thus hashes 64 bytes (gpt) or 8N + 32 (sd). */
size_t agt_result(uint64_t task_id, int type, uint32_t size, uint8_t *out, size_t cap);
/* splitmix64's finaliser: a bijective 64-bit mix. */
uint64_t agt_mix64(uint64_t x);
/* A nonce unique per (task, node, round): 32 bytes, as the node's
 * secrets.token_bytes(32) (the chain only requires it unique in the task). */
void agt_nonce(uint64_t task_id, uint32_t account, uint32_t round, uint8_t out[32]);

#endif
