/* tim_calib: host measurements and the roofline fit behind `avrami calibrate`. */
#ifndef AVRAMI_TIMING_TIM_CALIB_H
#define AVRAMI_TIMING_TIM_CALIB_H

#include "timing/tim.h"

typedef struct {
    kern_type type;
    int threads;
    size_t m, n, k;  /* Y (m, n) = X (m, k) W^T */
    double seconds;  /* median */
} tim_point;

double tim_point_flops(const tim_point *p);
double tim_point_bytes(const tim_point *p); /* weights + activations */
/* Times p (median of reps); m == 1 rotates over weight copies totalling
 * rotate_bytes so the weights come from memory.  0 or -1 (out of memory). */
int tim_measure(tim_point *p, int reps, size_t rotate_bytes);
int tim_fit(const tim_point *p, int n, tim_roof *out);
double tim_mape(const tim_roof *r, const tim_point *p, int n); /* percent */
double tim_median(double *v, int n);
double tim_measure_read_gbs(size_t bytes, int threads, int reps);
/* Median seconds of forward(n tokens at pos0) on an initialized model. */
double tim_measure_forward(kern_model *m, int n, int pos0, int reps);

/* Single-threaded ns per element of activation quantization and of SiLU. */
void tim_measure_serial(double *quant_ns, double *act_ns);

#endif
