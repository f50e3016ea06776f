/* kern_impl: what the scalar, AVX2 and AVX-512 back ends share.  Everything
 * here is the definition of a profile's arithmetic; the SIMD files only do the
 * same operations several lanes at a time.  No expression here has the shape
 * a*b+c, so no compiler may fuse it differently in different files: every
 * multiply-add is an explicit fmaf(). */
#ifndef AVRAMI_KERNELS_KERN_IMPL_H
#define AVRAMI_KERNELS_KERN_IMPL_H

#include <math.h>
#include <string.h>

#include "kernels/kern.h"

/* One back end: rows [n0, n1) of Y (M, N = w->rows), all M rows.  x is the
 * float input (FP weights), xq the quantized one (Q8_0/Q4_0 weights). */
typedef void (*kern_gemm_fn)(const kern_mat *w, const float *x, const kern_qact *xq,
                             size_t m, size_t n0, size_t n1, float *y,
                             const kern_profile *p);

typedef struct {
    const char *name;
    kern_gemm_fn gemm[KERN_NTYPES];
} kern_backend;

extern const kern_backend kern_backend_scalar;
extern const kern_backend kern_backend_avx2;
extern const kern_backend kern_backend_avx512;
uint64_t kern_read_avx512(const void *p, size_t bytes); /* p 64-byte aligned */

/* Row r of a Q8_0 / Q4_0 matrix as checkpoint blocks: in place when the row
 * is row-major, else unpacked into buf (row_bytes long). */
const void *kern_q_row(const kern_mat *m, size_t r, void *buf);

/* Combines the lanes of one dot product in the profile's fixed tree. */
static inline float kern_lanes_finish(float *l, int lanes, kern_tree tree)
{
    if (tree == KERN_TREE_SERIAL) {
        float s = l[0];
        for (int i = 1; i < lanes; i++)
            s += l[i];
        return s;
    }
    for (int h = lanes / 2; h > 0; h /= 2)
        for (int i = 0; i < h; i++)
            l[i] += l[i + h];
    return l[0];
}

static inline float kern_w_elem(kern_type t, const void *row, size_t k)
{
    switch (t) {
    case KERN_F16: return kern_f16_to_f32(((const uint16_t *)row)[k]);
    case KERN_BF16: return kern_bf16_to_f32(((const uint16_t *)row)[k]);
    default: return ((const float *)row)[k];
    }
}

/* FP lanes: element k feeds lane k % lanes.  Continues from k0. */
static inline void kern_fp_lanes(kern_type t, const void *row, const float *x, size_t k0,
                                 size_t k1, float *l, int lanes)
{
    for (size_t k = k0; k < k1; k++)
        l[k % (size_t)lanes] = fmaf(kern_w_elem(t, row, k), x[k], l[k % (size_t)lanes]);
}

/* Integer value i of a quantized weight block. */
static inline int kern_q_elem(kern_type t, const void *blk, int i)
{
    if (t == KERN_Q8_0)
        return ((const kern_block_q8 *)blk)->qs[i];
    const kern_block_q4 *b = blk;
    return i < 16 ? (b->qs[i] & 15) - 8 : (b->qs[i - 16] >> 4) - 8;
}

static inline float kern_q_scale(kern_type t, const void *blk)
{
    (void)t;
    return kern_f16_to_f32(*(const uint16_t *)blk); /* d is the first field of both */
}

/* Quantized lanes: quad q (values 4q..4q+3) of block b feeds lane
 * (b % (lanes/8)) * 8 + q with the exact integer quad sum times the product
 * of the two block scales.  Continues from block b0. */
static inline void kern_q_lanes(kern_type t, const void *row, const int8_t *xs, const float *xd,
                                size_t b0, size_t b1, float *l, int lanes)
{
    size_t bsz = t == KERN_Q8_0 ? sizeof(kern_block_q8) : sizeof(kern_block_q4);
    size_t groups = (size_t)lanes / 8;
    for (size_t b = b0; b < b1; b++) {
        const void *blk = (const char *)row + b * bsz;
        const int8_t *xb = xs + b * KERN_QBLOCK;
        float d = kern_q_scale(t, blk) * xd[b];
        float *lb = l + (b % groups) * 8;
        for (int q = 0; q < 8; q++) {
            int s = 0;
            for (int i = 4 * q; i < 4 * q + 4; i++)
                s += kern_q_elem(t, blk, i) * xb[i];
            lb[q] = fmaf((float)s, d, lb[q]);
        }
    }
}

#endif
