/* relay-2026: the Relay's per-GPU calibration of task execution time.
 *
 * crynux-network/crynux-relay @ 24ffc26, service/task_execution_calibration.go
 * and service/weighted_least_squares.go, specified in
 * docs/task_execution_parameters.md; numbers from config/config.example.yml
 * (task_pricing).  The Relay keeps one record per (task type, GPU name, GPU
 * VRAM, model name, variant, execution dtype, quantize bits): the
 * coefficients of the execution-time formula (SD: overhead + seconds per
 * pixel-step; LLM: constant, per input byte, per output token, per model
 * switch, per image, per megapixel), fitted by exponentially weighted ridge
 * least squares (alpha 0.1, regularization 1e-9 towards the configured
 * initial coefficients) from the measured ScoreReadyTime - StartTime of
 * validated SD tasks and of uploaded LLM tasks.  A record is ready after 10
 * samples (calibration_warmup_success_samples).
 *
 * Timeouts (DescribeExecutionTimeout): the node's own GPU once its record is
 * ready, before that the largest prediction of the initial coefficients and
 * of the ready records of other GPUs with the same VRAM.  Pricing
 * (getTaskPricingParameters): the plain mean of every sampled record that
 * could run the task.
 *
 * Here a GPU is the caller's id for (name, VRAM), a model the caller's
 * model id and relay_task_work.config the caller's id of its execution
 * configuration (dtype and quantization): the key fields of the Relay's
 * record.  Calibration runs when relay_params.calib_alpha > 0 (relay-2026). */
#ifndef AVRAMI_PROTOCOL_RELAY_CALIB_H
#define AVRAMI_PROTOCOL_RELAY_CALIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol/relay/relay.h"

#define RELAY_CALIB_DIM 6 /* LLM; SD uses the first two */

typedef struct relay_calib_key {
    bool llm;             /* task type */
    uint32_t gpu;         /* GPUName (with its VRAM), the caller's id */
    uint64_t gpu_vram;    /* GPUVram */
    uint32_t model;       /* ModelName, ModelVariant */
    uint32_t config;      /* ExecutionDType, QuantizeBits */
} relay_calib_key;

typedef struct relay_calib_rec {
    relay_calib_key k;
    double coef[RELAY_CALIB_DIM];
    double xtx[RELAY_CALIB_DIM][RELAY_CALIB_DIM]; /* upper triangle */
    double xty[RELAY_CALIB_DIM];
    uint64_t samples;               /* SDSuccessSamples / LLMSuccessSamples */
    uint64_t min_vram, max_vram;    /* MinVRAMRequirement, MaxVRAMRequirement */
} relay_calib_rec;

typedef struct relay_calib {
    relay_calib_rec *rec;   /* in order of creation */
    size_t n, cap;
    size_t *scr;            /* candidate scratch, cap entries */
    bool *hw;               /* scratch: the records on the task's hardware */
} relay_calib;

void relay_calib_free(relay_calib *c);
/* The record of k (exactCalibrationLocked): created with the initial
 * coefficients, no samples and an empty VRAM range when new; NULL when
 * memory runs out.  Tests use it to set a record's state directly, as the
 * Relay's Go tests do. */
relay_calib_rec *relay_calib_record(const relay_params *p, relay_calib *c, const relay_calib_key *k);

/* The configured initial coefficients (initialExecutionParameters). */
void relay_calib_initial(const relay_params *p, bool llm, double coef[RELAY_CALIB_DIM]);
/* computeEstimatedNodeSeconds with the given coefficients. */
double relay_estimate_with(const relay_task_work *t, const double coef[RELAY_CALIB_DIM], bool model_switch);

/* One sample (CalibrateValidatedSDTask, CalibrateUploadedLLMTask): the task's
 * work, the tokens it really generated (LLM), whether its node switched
 * models, and its execution seconds.  The record is created (with the
 * initial coefficients) if new; false when the ridge solve fails, and then
 * nothing else changes, or when memory runs out. */
bool relay_calib_sample(const relay_params *p, relay_calib *c, const relay_calib_key *k,
                        const relay_task_work *t, uint64_t completion_tokens, bool model_switch,
                        double actual_s, uint64_t task_min_vram);

/* Where a timeout's prediction came from. */
typedef enum relay_est_source {
    RELAY_EST_INITIAL,  /* the configured initial coefficients */
    RELAY_EST_OWN,      /* the record of this GPU, model and configuration */
    RELAY_EST_OTHER,    /* a record of another GPU of the same VRAM, or of another model */
} relay_est_source;

/* The prediction the Relay's timeout is made from for task t (model; its
 * execution configuration is t->config) on a node with GPU gpu of gpu_vram
 * GB (DescribeExecutionTimeout); *src (may be NULL) says where it came from. */
double relay_calib_exec_seconds(const relay_params *p, relay_calib *c, const relay_task_work *t,
                                uint32_t model, uint32_t gpu, uint64_t gpu_vram, bool model_switch,
                                relay_est_source *src);
/* ceil(clamp(that x timeout_multiplier, min, max)) (ComputeExecutionTimeout). */
uint64_t relay_calib_timeout_s(const relay_params *p, relay_calib *c, const relay_task_work *t,
                               uint32_t model, uint32_t gpu, uint64_t gpu_vram, bool model_switch,
                               relay_est_source *src);
/* The estimate ApplyTaskPricing prices task t with (before the 1 s floor):
 * the mean coefficients of the sampled records for its required GPU
 * (t->gpu, t->gpu_vram_gb) or, without one, of every GPU with at least
 * t->vram_gb; the initial ones when there are none. */
double relay_calib_price_seconds(const relay_params *p, relay_calib *c, const relay_task_work *t,
                                 uint32_t model);

#endif
