/* tim_tfhost: transformers' host costs and the benchmark machines' factors
 * on them, fitted on the transformers decode rows (tim_tfhost.c). */
#ifndef AVRAMI_TIMING_TIM_TFHOST_H
#define AVRAMI_TIMING_TIM_TFHOST_H

enum { TIM_TF_FP16, TIM_TF_INT8, TIM_TF_4BIT };

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
