/* kern: the LLM inference kernels behind the task-timing model.
 *
 * Products of a weight matrix W (N rows x K columns, one row per output) with
 * activations X (M rows x K): Y[m][n] = sum_k X[m][k] * W[n][k].  M = 1 is the
 * decode-time matrix-vector product, M > 1 the prefill matrix product.
 *
 * Weights come in five storages: FP32, FP16, BF16 (both widened to FP32 before
 * the multiply-add) and the block-quantized Q8_0 / Q4_0 of common quantized
 * checkpoints (blocks of 32 values sharing one FP16 scale).  Quantized weights
 * multiply activations that are themselves quantized to int8 per block of 32,
 * so the inner products are exact integer sums.
 *
 * Numerics profile.  Floating-point sums depend on their order, and two GPUs
 * that run the "same" model disagree in the last bits because their kernels
 * reduce in different orders.  A kern_profile fixes the order completely:
 *   - every dot product keeps `lanes` partial sums; element k (FP) or the
 *     4-element quad q of block b (quantized) always feeds the same lane,
 *   - each lane is updated with a fused multiply-add in increasing k,
 *   - the lanes are combined by a fixed tree (pairwise halving or serial).
 * The scalar, AVX2 and AVX-512 paths all implement exactly this, so one
 * profile gives the same bits on every path and for any thread count, while
 * two different profiles give (slightly) different results — the simulator's
 * stand-in for two card models. */
#ifndef AVRAMI_KERNELS_KERN_H
#define AVRAMI_KERNELS_KERN_H

#include <stddef.h>
#include <stdint.h>

#define KERN_QBLOCK 32 /* values per quantization block */
#define KERN_MAX_LANES 64

typedef enum {
    KERN_F32 = 0,
    KERN_F16,
    KERN_BF16,
    KERN_Q8_0,
    KERN_Q4_0,
    KERN_NTYPES
} kern_type;

typedef enum { KERN_TREE_PAIRWISE = 0, KERN_TREE_SERIAL = 1 } kern_tree;

typedef struct {
    const char *name;
    int lanes;     /* partial sums per dot product: 16, 32 or 64 */
    kern_tree tree;/* how the lanes are combined at the end */
} kern_profile;

/* The built-in profiles; kern_profile_default is profiles[0]. */
extern const kern_profile kern_profiles[];
extern const int kern_nprofiles;
#define kern_profile_default (&kern_profiles[0])
const kern_profile *kern_profile_find(const char *name);

/* Quantized weight blocks, the on-disk layout of Q8_0 / Q4_0 checkpoints. */
typedef struct {
    uint16_t d;                 /* FP16 scale */
    int8_t qs[KERN_QBLOCK];     /* value = d * qs[i] */
} kern_block_q8;
typedef struct {
    uint16_t d;                 /* FP16 scale */
    uint8_t qs[KERN_QBLOCK / 2];/* value i<16: d*((qs[i]&15)-8); i>=16: d*((qs[i-16]>>4)-8) */
} kern_block_q4;

/* How a matrix's bytes are arranged.
 *
 * KERN_LAYOUT_ROWS: row-major, each row `row_bytes` long (checkpoint order).
 *
 * KERN_LAYOUT_PACK8 (Q8_0 / Q4_0 from kern_mat_alloc): rows in groups of 8,
 * each group 8 * row_bytes long, cut into runs that a SIMD product reads as
 * parallel sequential streams (several streams keep more memory requests in
 * flight than one).  With nb blocks per row, a run is 32 * nb bytes:
 *   Q8_0: run j (0..7) holds row j's values;
 *   Q4_0: run c (0..3) holds rows 2c (low nibbles) and 2c+1 (high nibbles),
 *         as the checkpoint's w + 8;
 * then the scales, FP16.  Runs go block pair by block pair, 64 bytes a pair,
 * the values interleaved by quads: byte 8q + 4h + e is value 4q + e of block
 * 2p + h.  Scales take 32 bytes a pair: [row 0 b, row 0 b+1, row 1 b, ...].
 * A last unpaired block follows the pairs in the same way with one block
 * (32 bytes of values in order, 8 scales).  Rows past the last full group
 * stay row-major.  The bytes are the checkpoint's, reordered.  Use
 * kern_mat_get_row / kern_mat_set_row / kern_mat_get_block rather than data.
 */
typedef enum { KERN_LAYOUT_ROWS = 0, KERN_LAYOUT_PACK8 = 1 } kern_layout;

/* A weight matrix: rows x cols.  A struct written by hand (a view of other
 * memory) gets layout 0, row-major. */
typedef struct {
    kern_type type;
    size_t rows;      /* N: outputs */
    size_t cols;      /* K: inputs (multiple of 32 for Q8_0/Q4_0) */
    size_t row_bytes;
    void *data;       /* rows * row_bytes, 64-byte aligned */
    kern_layout layout;
} kern_mat;

/* Activations quantized per block of 32 for the integer products. */
typedef struct {
    size_t rows, cols;  /* M x K */
    int8_t *qs;         /* (M, K) values in [-127, 127] */
    uint8_t *qu;        /* (M, K) qs + 128: the unsigned operand of VNNI */
    float *d;           /* (M, K/32) scales */
    int32_t *s8;        /* (M, K/4) 8 * sum of each quad: Q4_0's offset term */
    /* The same in the quad-interleaved pair order of KERN_LAYOUT_PACK8 (byte
     * 8q + 4h + e = value 4q + e of block b + h; quad entry 2q + h), for the
     * products that feed the packed weights as the unsigned operand (Q4_0
     * nibbles = w + 8, Q8_0 w ^ 0x80 = w + 128) and start each quad sum at
     * minus the offset times the activations' quad sum. */
    int8_t *qi;         /* (M, K) */
    int32_t *off4;      /* (M, K/4) -8 * quad sum */
    int32_t *off8;      /* (M, K/4) -128 * quad sum */
} kern_qact;

/* --- element conversions (exact widening, round-to-nearest-even narrowing) */
float kern_f16_to_f32(uint16_t h);
uint16_t kern_f32_to_f16(float f);
float kern_bf16_to_f32(uint16_t h);
uint16_t kern_f32_to_bf16(float f);

/* --- weights */
const char *kern_type_name(kern_type t);
int kern_type_parse(const char *s, kern_type *out); /* "f32","f16","bf16","q8_0","q4_0" */
double kern_type_bits(kern_type t);                  /* storage bits per weight */
size_t kern_row_bytes(kern_type t, size_t cols);
int kern_mat_alloc(kern_mat *m, kern_type t, size_t rows, size_t cols);
void kern_mat_free(kern_mat *m);
/* Stores row r of a float matrix (quantizing as the type requires). */
void kern_mat_set_row(kern_mat *m, size_t r, const float *src);
void kern_mat_get_row(const kern_mat *m, size_t r, float *dst); /* dequantized */
/* Block b of row r of a Q8_0 / Q4_0 matrix in checkpoint form (a
 * kern_block_q8 / kern_block_q4), whatever the layout; and its inverse. */
void kern_mat_get_block(const kern_mat *m, size_t r, size_t b, void *blk);
void kern_mat_set_block(kern_mat *m, size_t r, size_t b, const void *blk);
/* Fills m with deterministic pseudo-random weights of the given standard
 * deviation, derived only from (seed, row): same seed, same matrix, at any
 * thread count. */
void kern_mat_synth(kern_mat *m, uint64_t seed, float stddev);

int kern_qact_alloc(kern_qact *a, size_t rows, size_t cols);
void kern_qact_free(kern_qact *a);
void kern_quantize_act(kern_qact *a, const float *x); /* x: (rows, cols) */

/* --- products.  Y (M, N) = X (M, K) . W^T.  x is float (M, K).  Quantized
 * weights quantize x into `scratch` (may be NULL: allocated internally). */
void kern_gemm(const kern_mat *w, const float *x, size_t m, float *y,
               const kern_profile *p, kern_qact *scratch);
/* Same with activations already quantized (quantized weights only). */
void kern_gemm_q(const kern_mat *w, const kern_qact *xq, float *y, const kern_profile *p);
static inline void kern_matvec(const kern_mat *w, const float *x, float *y,
                               const kern_profile *p, kern_qact *scratch)
{
    kern_gemm(w, x, 1, y, p, scratch);
}

/* --- dispatch and threads */
typedef enum { KERN_ISA_SCALAR = 0, KERN_ISA_AVX2 = 1, KERN_ISA_AVX512 = 2 } kern_isa;
kern_isa kern_isa_detect(void);       /* best the CPU supports */
kern_isa kern_isa_get(void);          /* in use */
void kern_isa_set(kern_isa isa);      /* clamped to what the CPU supports */
const char *kern_isa_name(kern_isa isa);
void kern_threads_set(int n);         /* persistent pool of n threads (>= 1) */
int kern_threads_get(void);

/* Runs fn(arg, i, n) for i in [0, n) over the pool (n = thread count); the
 * caller's thread runs i = 0.  Work split by i alone, so results never depend
 * on scheduling.  One pool per process: call the products (and
 * kern_threads_set) from one thread at a time; calls made from inside a pool
 * task run inline on that thread. */
void kern_parallel(void (*fn)(void *arg, int i, int n), void *arg);

/* Reads every 8-byte word of p over the pool (a STREAM-style read); returns a
 * checksum so that the reads cannot be optimized away. */
uint64_t kern_read_all(const void *p, size_t bytes);

void *kern_alloc(size_t bytes); /* 64-byte aligned, zeroed; NULL on failure */
void kern_free(void *p);

#endif
