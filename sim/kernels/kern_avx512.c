/* kern_avx512: AVX-512 (F/BW/VL + VNNI) back end.
 *
 * With the default 16 lanes one zmm register holds all lanes of one output.
 * FP prefill: a 3 x 8 register tile (3 activation rows x 8 weight rows, 24
 * zmm accumulators) on K chunks of both operands packed contiguously.  The K
 * dimension is cut in chunks so that the weight tile stays in L1 while the
 * activation rows of an m-chunk stream from L2; the lane sums are parked in a
 * small state buffer between chunks, which changes no arithmetic (a store and
 * reload is exact).  Other lane counts run the plain one-output loop.
 *
 * Quantized products use VNNI (vpdpbusd: unsigned x signed bytes summed in
 * quads into int32) on the packed 8-row groups of KERN_LAYOUT_PACK8 (see
 * "quantized, packed" below); rows outside them (a ragged tail, hand-made
 * row-major views) and other lane counts run one output at a time, x + 128
 * (unsigned) against signed Q8_0 weights or raw Q4_0 nibbles against signed
 * x, each quad sum started at minus its offset term.  Every path gives the
 * exact quad sums of the scalar definition. */
#include <immintrin.h>

#include "kernels/kern_impl.h"

#define AI static inline __attribute__((always_inline))

/* m-chunk rows and K-chunk length of the prefill tiles; 64 x 512 measured
 * best of 32..128 x 256..1024 for FP32 on the development host */
#ifndef KERN_MC
#define KERN_MC 64
#endif
#ifndef KERN_KC
#define KERN_KC 512
#endif
/* block pairs per K chunk of the quantized prefill tile: 32 beat 4..64 */
#ifndef KERN_KCP
#define KERN_KCP 32
#endif
enum { MC = KERN_MC, KC = KERN_KC, KCP = KERN_KCP };
#ifndef PF_LINES
#define PF_LINES 8
#endif

AI __m512 load_w16(kern_type t, const void *row, size_t k)
{
    if (t == KERN_F16)
        return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)((const uint16_t *)row + k)));
    if (t == KERN_BF16)
        return _mm512_castsi512_ps(_mm512_slli_epi32(
            _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)((const uint16_t *)row + k))),
            16));
    return _mm512_loadu_ps((const float *)row + k);
}

/* The pairwise tree of kern_lanes_finish on 16 lanes, in registers: each
 * halving adds lane i + lane i + h exactly as the scalar loop does.  perm
 * (may be NULL) first puts tile lanes back in profile order. */
AI float finish16(const float *st, const int32_t *perm)
{
    __m512 v = _mm512_load_ps(st);
    if (perm)
        v = _mm512_permutexvar_ps(_mm512_loadu_si512(perm), v);
    __m256 a = _mm256_add_ps(_mm512_castps512_ps256(v),
                             _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
    __m128 b = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    __m128 c = _mm_add_ps(b, _mm_movehl_ps(b, b));
    return _mm_cvtss_f32(_mm_add_ss(c, _mm_shuffle_ps(c, c, 1)));
}

/* MR activation rows x NR weight rows over k in [k0, k1), lanes in st
 * (st[(i * NR + j) * 16 ...]).  3 x 8 keeps 24 accumulators, the 8 weight
 * rows' chunk in L1, and loads one activation vector per 8 FMAs from L2. */
AI void tile_fp(const int MR, const int NR, kern_type t, const float *const *xr,
                const void *const *wr, size_t k0, size_t k1, float *st, int first)
{
    __m512 acc[4][8];
#pragma GCC unroll 4
    for (int i = 0; i < MR; i++)
#pragma GCC unroll 8
        for (int j = 0; j < NR; j++)
            acc[i][j] = first ? _mm512_setzero_ps() : _mm512_load_ps(st + (i * NR + j) * 16);
    for (size_t k = k0; k < k1; k += 16) {
        __m512 xv[4];
#pragma GCC unroll 4
        for (int i = 0; i < MR; i++)
            xv[i] = _mm512_loadu_ps(xr[i] + k);
#pragma GCC unroll 8
        for (int j = 0; j < NR; j++) {
            __m512 wv = load_w16(t, wr[j], k);
            /* keep wv in a register: folded into each FMA as a memory
             * operand it would be loaded MR times and the loads would bind */
            __asm__("" : "+v"(wv));
#pragma GCC unroll 4
            for (int i = 0; i < MR; i++)
                acc[i][j] = _mm512_fmadd_ps(wv, xv[i], acc[i][j]);
        }
    }
#pragma GCC unroll 4
    for (int i = 0; i < MR; i++)
#pragma GCC unroll 8
        for (int j = 0; j < NR; j++)
            _mm512_store_ps(st + (i * NR + j) * 16, acc[i][j]);
}

/* The products of elements K0..K-1 (K - K0 < 16) added to 16 lanes l, lane
 * k - K0 taking element k, as kern_fp_lanes adds them; F32 weights in one
 * masked FMA (the lanes past the tail keep their sums), the others through
 * kern_fp_lanes.  An attention's P V product has the prompt's length as K,
 * rarely a multiple of 16. */
static inline void tail16(kern_type t, const void *row, const float *xr, size_t K0, size_t K,
                          float *l)
{
    if (t != KERN_F32) {
        kern_fp_lanes(t, row, xr, K0, K, l, 16);
        return;
    }
    const __mmask16 tail = (__mmask16)((1u << (K - K0)) - 1);
    _mm512_storeu_ps(l, _mm512_mask3_fmadd_ps(_mm512_maskz_loadu_ps(tail, (const float *)row + K0),
                                              _mm512_maskz_loadu_ps(tail, xr + K0),
                                              _mm512_loadu_ps(l), tail));
}

/* Any lane count: one output, lanes/16 accumulators. */
static void dot_fp_any(kern_type t, const void *row, const float *xr, size_t K, float *out,
                       const kern_profile *p)
{
    const int L = p->lanes, A = L / 16;
    const size_t K0 = K - K % (size_t)L;
    __m512 acc[KERN_MAX_LANES / 16];
    float l[KERN_MAX_LANES];
    for (int a = 0; a < A; a++)
        acc[a] = _mm512_setzero_ps();
    for (size_t k = 0; k < K0; k += (size_t)L)
        for (int a = 0; a < A; a++)
            acc[a] = _mm512_fmadd_ps(load_w16(t, row, k + 16 * (size_t)a),
                                     _mm512_loadu_ps(xr + k + 16 * a), acc[a]);
    for (int a = 0; a < A; a++)
        _mm512_storeu_ps(l + 16 * a, acc[a]);
    if (L == 16)
        tail16(t, row, xr, K0, K, l);
    else
        kern_fp_lanes(t, row, xr, K0, K, l, L);
    *out = kern_lanes_finish(l, L, p->tree);
}

AI void gemm_fp_impl(kern_type t, const kern_mat *w, const float *x, size_t m, size_t n0,
                     size_t n1, float *y, const kern_profile *p)
{
    const size_t K = w->cols, N = w->rows;
    if (p->lanes != 16) {
        for (size_t i = 0; i < m; i++)
            for (size_t n = n0; n < n1; n++)
                dot_fp_any(t, (const char *)w->data + n * w->row_bytes, x + i * K, K,
                           y + i * N + n, p);
        return;
    }
    const size_t K0 = K - K % 16;
    _Alignas(64) float st[MC * 8 * 16];
    /* Several activation rows: pack each K chunk of the m-chunk's rows (xp)
     * and of the 8 weight rows (wp, widened to FP32) contiguously.  Rows
     * 4 KiB-multiples apart would otherwise share L1 sets and evict each
     * other; widening once also spares every m-tile the conversion. */
    float *xp = m > 1 ? kern_alloc(MC * (K0 + KC) * sizeof(float)) : NULL;
    _Alignas(64) float wp[8 * KC];
    for (size_t mc = 0; mc < m; mc += MC) {
        size_t ml = m - mc < MC ? m - mc : MC;
        if (xp) /* chunk-major: [kc chunk][row][KC] */
            for (size_t kc = 0; kc < K0; kc += KC) {
                size_t kl = (kc + KC < K0 ? kc + KC : K0) - kc;
                for (size_t i = 0; i < ml; i++)
                    memcpy(xp + kc * ml + i * kl, x + (mc + i) * K + kc, kl * sizeof(float));
            }
        for (size_t nt = n0; nt < n1;) {
            const int NR = n1 - nt >= 8 ? 8 : n1 - nt >= 4 ? 4 : 0;
            if (!NR) { /* ragged edge */
                for (size_t n = nt; n < n1; n++)
                    for (size_t i = mc; i < mc + ml; i++)
                        dot_fp_any(t, (const char *)w->data + n * w->row_bytes, x + i * K, K,
                                   y + i * N + n, p);
                break;
            }
            const void *wr[8];
            for (int j = 0; j < NR; j++)
                wr[j] = (const char *)w->data + (nt + (size_t)j) * w->row_bytes;
            const size_t kcs = ml > 1 ? KC : K0 + 16; /* see gemm_q_impl */
            for (size_t kc = 0; kc < K0; kc += kcs) {
                size_t ke = kc + kcs < K0 ? kc + kcs : K0;
                size_t i = 0;
                if (NR == 8 && xp && ml > 1) {
                    const size_t kl = ke - kc;
                    const float *xc = xp + kc * ml; /* chunk kc: ml rows of kl */
                    const void *wq[8];
                    for (int j = 0; j < 8; j++) {
                        for (size_t k = 0; k < kl; k += 16)
                            _mm512_store_ps(wp + (size_t)j * KC + k, load_w16(t, wr[j], kc + k));
                        wq[j] = wp + (size_t)j * KC;
                    }
                    /* the weights of the next chunk come from memory: ask
                     * for them a few lines per tile while this one computes */
                    const size_t esz = t == KERN_F32 ? 4 : 2, lines = kl * esz / 64;
                    const char *nx[8];
                    for (int j = 0; j < 8; j++)
                        nx[j] = ke < K0 ? (const char *)wr[j] + ke * esz
                                        : (const char *)wr[j] + 8 * w->row_bytes;
                    size_t pl = 0, per = (8 * lines + ml / 3) / (ml / 3 + 1) + 1;
                    for (; i + 3 <= ml; i += 3) {
                        for (size_t e = pl + per; pl < e && pl < 8 * lines; pl++)
                            _mm_prefetch(nx[pl % 8] + pl / 8 * 64, _MM_HINT_T1);
                        const float *xr[4] = {xc + i * kl, xc + (i + 1) * kl, xc + (i + 2) * kl};
                        tile_fp(3, 8, KERN_F32, xr, wq, 0, kl, st + i * 128, kc == 0);
                    }
                    for (; i < ml; i++) {
                        const float *xr[4] = {xc + i * kl};
                        tile_fp(1, 8, KERN_F32, xr, wq, 0, kl, st + i * 128, kc == 0);
                    }
                } else if (NR == 8) {
                    for (; i < ml; i++) {
                        const float *xr[4] = {x + (mc + i) * K};
                        tile_fp(1, 8, t, xr, wr, kc, ke, st + i * 128, kc == 0);
                    }
                } else {
                    for (; i + 4 <= ml; i += 4) {
                        const float *xr[4] = {x + (mc + i) * K, x + (mc + i + 1) * K,
                                              x + (mc + i + 2) * K, x + (mc + i + 3) * K};
                        tile_fp(4, 4, t, xr, wr, kc, ke, st + i * 64, kc == 0);
                    }
                    for (; i < ml; i++) {
                        const float *xr[4] = {x + (mc + i) * K};
                        tile_fp(1, 4, t, xr, wr, kc, ke, st + i * 64, kc == 0);
                    }
                }
            }
            for (size_t i = 0; i < ml; i++)
                for (int j = 0; j < NR; j++) {
                    const float *sl = st + i * (size_t)(NR * 16) + (size_t)j * 16;
                    _Alignas(64) float l[16];
                    if (K0 && K0 == K && p->tree == KERN_TREE_PAIRWISE) {
                        y[(mc + i) * N + nt + (size_t)j] = finish16(sl, NULL);
                        continue;
                    }
                    if (K0)
                        memcpy(l, sl, sizeof l);
                    else
                        memset(l, 0, sizeof l);
                    tail16(t, wr[j], x + (mc + i) * K, K0, K, l);
                    y[(mc + i) * N + nt + (size_t)j] = p->tree == KERN_TREE_PAIRWISE
                                                           ? finish16(l, NULL)
                                                           : kern_lanes_finish(l, 16, p->tree);
                }
            nt += (size_t)NR;
        }
    }
    kern_free(xp);
}

static void gemm_f32(const kern_mat *w, const float *x, const kern_qact *xq, size_t m, size_t n0,
                     size_t n1, float *y, const kern_profile *p)
{
    (void)xq;
    gemm_fp_impl(KERN_F32, w, x, m, n0, n1, y, p);
}
static void gemm_f16(const kern_mat *w, const float *x, const kern_qact *xq, size_t m, size_t n0,
                     size_t n1, float *y, const kern_profile *p)
{
    (void)xq;
    gemm_fp_impl(KERN_F16, w, x, m, n0, n1, y, p);
}
static void gemm_bf16(const kern_mat *w, const float *x, const kern_qact *xq, size_t m,
                      size_t n0, size_t n1, float *y, const kern_profile *p)
{
    (void)xq;
    gemm_fp_impl(KERN_BF16, w, x, m, n0, n1, y, p);
}

/* ---- quantized */

AI size_t qbsz(kern_type t)
{
    return t == KERN_Q8_0 ? sizeof(kern_block_q8) : sizeof(kern_block_q4);
}

/* Blocks b, b+1 of a row: Q8_0 signed values, Q4_0 unsigned nibbles. */
AI __m512i load_wq2(kern_type t, const char *row, size_t b)
{
    if (t == KERN_Q8_0) {
        const kern_block_q8 *q = (const kern_block_q8 *)row + b;
        return _mm512_inserti64x4(
            _mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)q[0].qs)),
            _mm256_loadu_si256((const __m256i *)q[1].qs), 1);
    }
    const kern_block_q4 *q = (const kern_block_q4 *)row + b;
    __m256i v = _mm256_set_m128i(_mm_loadu_si128((const __m128i *)q[1].qs),
                                 _mm_loadu_si128((const __m128i *)q[0].qs));
    __m256i m4 = _mm256_set1_epi8(15);
    __m256i lo = _mm256_and_si256(v, m4), hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), m4);
    __m512i z = _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
    return _mm512_shuffle_i64x2(z, z, _MM_SHUFFLE(3, 1, 2, 0));
}

AI __m512 pair_scale(float a, float b)
{
    return _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castps_pd(_mm512_set1_ps(a)),
                                               _mm256_castps_pd(_mm256_set1_ps(b)), 1));
}

AI float f16s(const char *row, size_t bsz, size_t b)
{
    return _cvtsh_ss(*(const uint16_t *)(row + b * bsz));
}

/* Any lane count, one output: zmm a holds blocks b with b % G in {2a, 2a+1}. */
AI void dot_q_any(kern_type t, const kern_qact *xq, size_t i, const char *row, float *out,
                  const kern_profile *p)
{
    const int L = p->lanes, A = L / 16;
    const size_t G = (size_t)L / 8, nb = xq->cols / KERN_QBLOCK, nb0 = nb - nb % G;
    float l[KERN_MAX_LANES];
    const size_t bsz = qbsz(t), K = xq->cols;
    const __m512i c80 = _mm512_set1_epi8((char)0x80), zero = _mm512_setzero_si512();
    __m512 acc[KERN_MAX_LANES / 16];
    for (int a = 0; a < A; a++)
        acc[a] = _mm512_setzero_ps();
    for (size_t b = 0; b < nb0; b += G)
        for (int a = 0; a < A; a++) {
            size_t bb = b + 2 * (size_t)a, xo = i * K + bb * KERN_QBLOCK;
            __m512i wv = load_wq2(t, row, bb), r;
            if (t == KERN_Q8_0)
                r = _mm512_dpbusd_epi32(_mm512_sub_epi32(zero, _mm512_dpbusd_epi32(zero, c80, wv)),
                                        _mm512_loadu_si512(xq->qu + xo), wv);
            else
                r = _mm512_dpbusd_epi32(_mm512_sub_epi32(zero, _mm512_loadu_si512(xq->s8 + xo / 4)),
                                        wv, _mm512_loadu_si512(xq->qs + xo));
            __m512 s = _mm512_mul_ps(pair_scale(f16s(row, bsz, bb), f16s(row, bsz, bb + 1)),
                                     pair_scale(xq->d[i * nb + bb], xq->d[i * nb + bb + 1]));
            acc[a] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(r), s, acc[a]);
        }
    for (int a = 0; a < A; a++)
        _mm512_storeu_ps(l + 16 * a, acc[a]);
    kern_q_lanes(t, row, xq->qs + i * K, xq->d + i * nb, nb0, nb, l, L);
    *out = kern_lanes_finish(l, L, p->tree);
}

/* ---- quantized, packed 8-row groups (KERN_LAYOUT_PACK8)
 *
 * The packed weights are the unsigned VNNI operand (Q8_0: w ^ 0x80 = w + 128,
 * Q4_0: the nibble w + 8) against the signed activations in the same
 * quad-interleaved order (qi), each quad sum started at minus the offset
 * times the activations' quad sum (off8 / off4): exact, as the profile asks.
 * A zmm of int32 then holds lane 2q + h = quad q of block b + h, so the scale
 * products a lane needs are [s_b, s_b+1] repeated: 8 bytes broadcast from a
 * small table, a load instead of a shuffle on the vector ports.  The lanes are
 * put back in profile order (PAIR_PERM) before the final tree. */

static const int32_t PAIR_PERM[16] = {0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15};

/* Row j (0..7) of block pair p as the unsigned operand; rl: run length. */
AI __m512i pk_row(kern_type t, const char *grp, size_t rl, size_t p, int j)
{
    if (t == KERN_Q8_0)
        return _mm512_xor_si512(_mm512_loadu_si512(grp + (size_t)j * rl + 64 * p),
                                _mm512_set1_epi8((char)0x80));
    __m512i v = _mm512_loadu_si512(grp + (size_t)(j / 2) * rl + 64 * p);
    if (j & 1)
        v = _mm512_srli_epi16(v, 4);
    return _mm512_and_si512(v, _mm512_set1_epi8(15));
}

AI int pk_runs(kern_type t) { return t == KERN_Q8_0 ? 8 : 4; }

/* The 16 FP16 scales of block pair p. */
AI const char *pk_scales(kern_type t, const char *grp, size_t rl, size_t p)
{
    return grp + (size_t)pk_runs(t) * rl + 32 * p;
}

/* The 8-byte pair [s_b, s_b+1] at p, in every 64-bit lane. */
AI __m512 bcast_pair(const float *p)
{
    double d;
    memcpy(&d, p, 8);
    return _mm512_castpd_ps(_mm512_set1_pd(d));
}

/* Lanes of one output in pair order -> y. */
AI float finish_pair(const float *st, const kern_profile *p)
{
    if (p->tree == KERN_TREE_PAIRWISE)
        return finish16(st, PAIR_PERM);
    float l[16];
    for (int c = 0; c < 16; c++)
        l[c] = st[PAIR_PERM[c]];
    return kern_lanes_finish(l, 16, p->tree);
}

#ifndef PF_PAIRS
#define PF_PAIRS 16 /* matvec prefetch distance in block pairs: 16 beat 8, 24, 32 */
#endif


/* Matrix-vector: one activation row against the 8 rows of a packed group,
 * np block pairs: 4 (Q4_0) or 8 (Q8_0) value streams and one of scales, the
 * activation side loaded once per 8 rows.  Lanes of row j to st + 16 j. */
AI void mv_pack8(kern_type t, const kern_qact *xq, const char *grp, size_t np, size_t gb,
                 float *st)
{
    const size_t rl = 64 * np;
    const int32_t *off = t == KERN_Q8_0 ? xq->off8 : xq->off4;
    _Alignas(64) float tab[16];
    __m512 acc[8];
#pragma GCC unroll 8
    for (int j = 0; j < 8; j++)
        acc[j] = _mm512_setzero_ps();
    for (size_t p = 0; p < np; p++) {
        /* near a group's end, ask for the start of the next group (the
         * bytes right after this one) in the same streams */
        const size_t pa = p + PF_PAIRS;
        const char *ga = pa < np ? grp : grp + gb;
        const size_t pp = pa < np ? pa : pa - np;
#pragma GCC unroll 8
        for (int c = 0; c < pk_runs(t); c++)
            _mm_prefetch(ga + (size_t)c * rl + 64 * pp, _MM_HINT_T0);
        if (p % 2 == 0)
            _mm_prefetch(pk_scales(t, ga, rl, pp), _MM_HINT_T0);
        const __m512i xv = _mm512_loadu_si512(xq->qi + 64 * p);
        const __m512i xo = _mm512_loadu_si512(off + 16 * p);
        const __m512 dw =
            _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)pk_scales(t, grp, rl, p)));
        _mm512_store_ps(tab, _mm512_mul_ps(dw, bcast_pair(xq->d + 2 * p)));
        /* read the pairs back from memory: broadcast loads use the load
         * ports, where shuffles of the register would take vector ports */
        __asm__("" : "+m"(tab));
#pragma GCC unroll 8
        for (int j = 0; j < 8; j++) {
            __m512i r = _mm512_dpbusd_epi32(xo, pk_row(t, grp, rl, p, j), xv);
            acc[j] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(r), bcast_pair(tab + 2 * j), acc[j]);
        }
    }
#pragma GCC unroll 8
    for (int j = 0; j < 8; j++)
        _mm512_store_ps(st + j * 16, acc[j]);
}

/* Prefill: MR activation rows (xi) x the 8 rows of a packed group, block
 * pairs [p0, p1); lanes parked in st[(i * 8 + j) * 16] between calls.  Each
 * weight vector is unpacked once and used for the MR rows; the activations
 * (x and its offsets, the bulk of the bytes: 16 bits a value against the
 * weights' 4 or 8) are read once per 8 rows from L2, the quad-sum starts
 * and x straight from memory so that only the accumulators need registers. */
AI void tile_pack(const int MR, kern_type t, const kern_qact *xq, const size_t *xi,
                  const char *grp, size_t p0, size_t p1, float *st, int first)
{
    const size_t K = xq->cols, nb = K / KERN_QBLOCK, rl = 32 * nb;
    const int32_t *off = t == KERN_Q8_0 ? xq->off8 : xq->off4;
    /* the scale products of the whole chunk first: read back pair by pair
     * long after they were stored (a broadcast load right behind its 64-byte
     * store would wait for the store to retire) */
    _Alignas(64) float tab[KCP][3][16];
    for (size_t p = p0; p < p1; p++) {
        const __m512 dw =
            _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)pk_scales(t, grp, rl, p)));
#pragma GCC unroll 3
        for (int i = 0; i < MR; i++)
            _mm512_store_ps(tab[p - p0][i],
                            _mm512_mul_ps(dw, bcast_pair(xq->d + xi[i] * nb + 2 * p)));
    }
    __asm__("" : "+m"(tab)); /* as in mv_pack8 */
    __m512 acc[3][8];
#pragma GCC unroll 3
    for (int i = 0; i < MR; i++)
#pragma GCC unroll 8
        for (int j = 0; j < 8; j++)
            acc[i][j] = first ? _mm512_setzero_ps() : _mm512_load_ps(st + (i * 8 + j) * 16);
    for (size_t p = p0; p < p1; p++) {
        const int8_t *xv[3];
        const int32_t *xo[3];
#pragma GCC unroll 3
        for (int i = 0; i < MR; i++) {
            xv[i] = xq->qi + xi[i] * K + 64 * p;
            xo[i] = off + xi[i] * K / 4 + 16 * p;
        }
#pragma GCC unroll 8
        for (int j = 0; j < 8; j++) {
            const __m512i u = pk_row(t, grp, rl, p, j);
#pragma GCC unroll 3
            for (int i = 0; i < MR; i++) {
                __m512i r = _mm512_dpbusd_epi32(_mm512_loadu_si512(xo[i]), u,
                                                _mm512_loadu_si512(xv[i]));
                acc[i][j] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(r),
                                            bcast_pair(tab[p - p0][i] + 2 * j), acc[i][j]);
            }
        }
    }
#pragma GCC unroll 3
    for (int i = 0; i < MR; i++)
#pragma GCC unroll 8
        for (int j = 0; j < 8; j++)
            _mm512_store_ps(st + (i * 8 + j) * 16, acc[i][j]);
}

/* Rows [n0, n1) (whole groups) of a packed matrix, all m activation rows. */
AI void gemm_pack8(kern_type t, const kern_mat *w, const kern_qact *xq, size_t m, size_t n0,
                   size_t n1, float *y, const kern_profile *p)
{
    const size_t N = w->rows, np = w->cols / KERN_QBLOCK / 2;
    _Alignas(64) float st[MC * 8 * 16];
    if (m == 1) {
        for (size_t g = n0; g < n1; g += 8) {
            mv_pack8(t, xq, (const char *)w->data + g * w->row_bytes, np, 8 * w->row_bytes, st);
            for (int j = 0; j < 8; j++)
                y[g + (size_t)j] = finish_pair(st + j * 16, p);
        }
        return;
    }
    for (size_t mc = 0; mc < m; mc += MC) {
        const size_t ml = m - mc < MC ? m - mc : MC;
        for (size_t g = n0; g < n1; g += 8) {
            const char *grp = (const char *)w->data + g * w->row_bytes;
            /* K chunks keep the group's weights in L1 across the m-chunk's
             * activation rows */
            for (size_t pc = 0; pc < np; pc += KCP) {
                const size_t pe = pc + KCP < np ? pc + KCP : np;
                size_t i = 0;
                for (; i + 3 <= ml; i += 3) {
                    const size_t xi[3] = {mc + i, mc + i + 1, mc + i + 2};
                    tile_pack(3, t, xq, xi, grp, pc, pe, st + i * 128, pc == 0);
                }
                for (; i < ml; i++) {
                    const size_t xi[3] = {mc + i};
                    tile_pack(1, t, xq, xi, grp, pc, pe, st + i * 128, pc == 0);
                }
            }
            for (size_t i = 0; i < ml; i++)
                for (int j = 0; j < 8; j++)
                    y[(mc + i) * N + g + (size_t)j] = finish_pair(st + i * 128 + j * 16, p);
        }
    }
}

AI void gemm_q_impl(kern_type t, const kern_mat *w, const kern_qact *xq, size_t m, size_t n0,
                    size_t n1, float *y, const kern_profile *p)
{
    const size_t N = w->rows, nb = w->cols / KERN_QBLOCK;
    size_t nv = n0; /* [n0, nv): whole packed groups; the rest one output at a time */
    if (p->lanes == 16 && w->layout == KERN_LAYOUT_PACK8 && nb % 2 == 0 && nb > 0 && n0 % 8 == 0) {
        size_t end = n1 < N / 8 * 8 ? n1 : N / 8 * 8;
        if (end > n0)
            nv = n0 + (end - n0) / 8 * 8;
        gemm_pack8(t, w, xq, m, n0, nv, y, p);
    }
    if (nv == n1)
        return;
    void *buf = kern_alloc(w->row_bytes);
    for (size_t n = nv; n < n1; n++) {
        const char *row = kern_q_row(w, n, buf);
        for (size_t i = 0; i < m; i++)
            dot_q_any(t, xq, i, row, y + i * N + n, p);
    }
    kern_free(buf);
}

static void gemm_q8(const kern_mat *w, const float *x, const kern_qact *xq, size_t m, size_t n0,
                    size_t n1, float *y, const kern_profile *p)
{
    (void)x;
    gemm_q_impl(KERN_Q8_0, w, xq, m, n0, n1, y, p);
}
static void gemm_q4(const kern_mat *w, const float *x, const kern_qact *xq, size_t m, size_t n0,
                    size_t n1, float *y, const kern_profile *p)
{
    (void)x;
    gemm_q_impl(KERN_Q4_0, w, xq, m, n0, n1, y, p);
}

const kern_backend kern_backend_avx512 = {
    "avx512", {gemm_f32, gemm_f16, gemm_bf16, gemm_q8, gemm_q4}};

/* Part of kern_read_all: four streams at once (a packed Q4_0 group reads
 * four value runs and its scales) with a prefetch ahead, so that the roof is
 * the best this machine's memory gives to a reader rather than to one
 * particular loop. */
uint64_t kern_read_avx512(const void *p, size_t bytes)
{
    const __m512i *v = p;
    size_t n = bytes / 64, q = n / 4;
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
    for (size_t i = 0; i < q; i++) {
        _mm_prefetch((const char *)(v + i + PF_LINES), _MM_HINT_T0);
        _mm_prefetch((const char *)(v + q + i + PF_LINES), _MM_HINT_T0);
        _mm_prefetch((const char *)(v + 2 * q + i + PF_LINES), _MM_HINT_T0);
        _mm_prefetch((const char *)(v + 3 * q + i + PF_LINES), _MM_HINT_T0);
        a0 = _mm512_add_epi64(a0, _mm512_load_si512(v + i));
        a1 = _mm512_add_epi64(a1, _mm512_load_si512(v + q + i));
        a2 = _mm512_add_epi64(a2, _mm512_load_si512(v + 2 * q + i));
        a3 = _mm512_add_epi64(a3, _mm512_load_si512(v + 3 * q + i));
    }
    for (size_t i = 4 * q; i < n; i++)
        a0 = _mm512_add_epi64(a0, _mm512_load_si512(v + i));
    return (uint64_t)_mm512_reduce_add_epi64(
        _mm512_add_epi64(_mm512_add_epi64(a0, a1), _mm512_add_epi64(a2, a3)));
}
