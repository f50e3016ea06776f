/* tim_tfhost: transformers' host costs and the benchmark machines' factors
 * on them, fitted on the transformers decode rows (tim_tfhost.c). */
#ifndef AVRAMI_TIMING_TIM_TFHOST_H
#define AVRAMI_TIMING_TIM_TFHOST_H

enum { TIM_TF_FP16, TIM_TF_INT8, TIM_TF_4BIT };

/* The share of the shorter of a pass's GPU and host times that does not
 * overlap the longer when launches are asynchronous (published benchmarks):
 * the per-token synchronisation of the generate loop serialises part of it.
 * 0.3, the value of 0, 0.1, ..., 1 whose leave-one-card-out error over
 * fit.json is smallest (docs/timing.md). */
#define TIM_TF_UNOVERLAPPED 0.3

/* One pass of eager PyTorch: with CUDA_LAUNCH_BLOCKING=1 (gpt-task) every
 * launch waits for its kernel, so host and GPU times add up; otherwise the
 * longer of the two plus TIM_TF_UNOVERLAPPED of the shorter. */
double tim_tf_combine(double gpu_s, double host_s, int blocking);

/* The host seconds that make an asynchronous pass of gpu_s take step_s
 * (tim_tf_combine's inverse); 0 when the GPU alone explains the step. */
double tim_tf_host_of_step(double step_s, double gpu_s);

/* One transformers decode row: its host (an index into the hosts named by
 * the rows, -1 when the source names none), the weights' mode, the model's
 * decoder layers and linear layers per decoder layer, the measured seconds
 * per token and the seconds the card's streaming alone takes. */
typedef struct {
    int host, mode, layers, linears;
    double t, gpu_s;
} tim_tf_sample;

/* Host seconds on the reference host: per decoder layer of a forward, and the
 * extra per quantized linear layer under LLM.int8 and 4-bit. */
typedef struct {
    double layer_s, int8_s, q4_s;
} tim_tf_host_costs;

/* Fits the reference costs and factor[h] (host h's time over the reference
 * host's; 1 for a host without a usable row) for nhosts hosts.  0, or -1 when
 * out of memory. */
int tim_tf_fit_hosts(const tim_tf_sample *s, int n, int nhosts, tim_tf_host_costs *c, double *factor);

#endif
