/* tim_calib: host measurements and the roofline fit behind `avrami calibrate`. */
#ifndef AVRAMI_TIMING_TIM_CALIB_H
#define AVRAMI_TIMING_TIM_CALIB_H

#include "timing/tim.h"

typedef struct {
    kern_type type;
    int threads;
    size_t m, n, k;  /* Y (m, n) = X (m, k) W^T */
    double seconds;  /* the lower quartile of its repetitions */
} tim_point;

double tim_point_flops(const tim_point *p);
double tim_point_bytes(const tim_point *p); /* weights + activations */
/* Times p (lower quartile of reps); up to TIM_STREAMED_ROWS rows it rotates
 * over weight copies totalling rotate_bytes so the weights come from
 * memory, as in a forward pass.  0 or -1 (out of memory). */
#define TIM_STREAMED_ROWS 16
int tim_measure(tim_point *p, int reps, size_t rotate_bytes);
int tim_fit(const tim_point *p, int n, tim_roof *out);
/* The measured points a host.json keeps (its "points" array): *out (freed
 * by the caller) and *n, or -1 with err naming path, the point and the
 * field.  Every point needs a known type, threads 1-64, positive whole
 * m, n, k below 2^20 and positive seconds. */
struct cJSON;
int tim_points_from_json(const struct cJSON *points, const char *path, tim_point **out, int *n,
                         char *err, size_t errlen);
double tim_mape(const tim_roof *r, const tim_point *p, int n); /* percent */
/* the median of v's n values (0 when none); sorts v */
double tim_median(double *v, int n);
double tim_measure_read_gbs(size_t bytes, int threads, int reps);
/* Seconds of forward(n tokens at pos0, the last one's logits included) on an
 * initialized model: the lower quartile of reps. */
double tim_measure_forward(kern_model *m, int n, int pos0, int reps);

/* Single-threaded ns per element of activation quantization, of SiLU, of the
 * tanh GELU, and of an RMS normalization pass. */
void tim_measure_serial(double *quant_ns, double *act_ns, double *gelu_ns, double *elem_ns);
/* Seconds of one parallel call with an empty body on `threads` threads,
 * each after 20 µs of serial work as a forward's calls follow its serial
 * passes (lower quartile of 200); about 0 on one thread. */
double tim_measure_parallel_call(int threads);
/* The lower quartile of v (reorders v): other work on the machine only ever
 * adds time, so the fastest quarter of repetitions estimates what the
 * hardware does while still averaging over its own jitter. */
double tim_lower_quartile(double *v, int n);

/* ---- where a calibration runs (tim_hostenv.c) */
typedef struct {
    char model[128]; /* /proc/cpuinfo "model name" */
    char flags[160]; /* the vector-unit flags of FLAGS present, in that order */
    int cpus;        /* online */
} tim_cpu;
void tim_cpu_identity(tim_cpu *c);
int tim_cpu_same(const tim_cpu *a, const tim_cpu *b);
/* The CPU a host.json was fitted on: 0, or -1 when the file does not say. */
int tim_cpu_fitted(const char *host_json, tim_cpu *c);

typedef struct {
    double loadavg1; /* /proc/loadavg, 1 minute; -1 unknown */
    double busy;     /* share of all CPU time busy while this process slept; -1 unknown */
    double steal;    /* share stolen by the hypervisor over the same window; -1 unknown */
} tim_load;
/* Samples /proc/stat over window_s seconds while sleeping. */
void tim_host_busy(tim_load *l, double window_s);
/* 1 when other work holds more than a tenth of the CPUs, the hypervisor
 * steals more than 2%, or the 1-minute load average exceeds half the CPUs. */
int tim_host_is_busy(const tim_load *l, int cpus);
/* 1 when a read bandwidth measured now differs from one measured before
 * (at the start of the calibration, or by the calibration a check holds
 * to) by more than 15%: the memory-bound times describe another state of
 * the machine.  On the 2-vCPU hosts this was developed on, the two-thread
 * rate moved between 24.7 and 32.4 GB/s from one calibration to the next
 * while the one-thread rate stayed within 3%. */
int tim_bandwidth_moved(double before_gbs, double now_gbs);

#endif
