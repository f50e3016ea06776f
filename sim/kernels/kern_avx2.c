/* kern_avx2: AVX2 + FMA back end.  One output at a time; lanes/8 vector
 * accumulators hold the profile's lanes in order, so lane j of accumulator a
 * is profile lane 8a + j. */
#include <immintrin.h>

#include "kernels/kern_impl.h"

static inline __m256 load_w8(kern_type t, const void *row, size_t k)
{
    if (t == KERN_F16)
        return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)((const uint16_t *)row + k)));
    if (t == KERN_BF16)
        return _mm256_castsi256_ps(_mm256_slli_epi32(
            _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)((const uint16_t *)row + k))),
            16));
    return _mm256_loadu_ps((const float *)row + k);
}

static void gemm_fp(const kern_mat *w, const float *x, const kern_qact *xq, size_t m, size_t n0,
                    size_t n1, float *y, const kern_profile *p)
{
    (void)xq;
    const int L = p->lanes, A = L / 8;
    const size_t K = w->cols, K0 = K - K % (size_t)L;
    float l[KERN_MAX_LANES];
    for (size_t i = 0; i < m; i++)
        for (size_t n = n0; n < n1; n++) {
            const void *row = (const char *)w->data + n * w->row_bytes;
            const float *xr = x + i * K;
            __m256 acc[KERN_MAX_LANES / 8];
            for (int a = 0; a < A; a++)
                acc[a] = _mm256_setzero_ps();
            for (size_t k = 0; k < K0; k += (size_t)L)
                for (int a = 0; a < A; a++)
                    acc[a] = _mm256_fmadd_ps(load_w8(w->type, row, k + 8 * (size_t)a),
                                             _mm256_loadu_ps(xr + k + 8 * a), acc[a]);
            for (int a = 0; a < A; a++)
                _mm256_storeu_ps(l + 8 * a, acc[a]);
            kern_fp_lanes(w->type, row, xr, K0, K, l, L);
            y[i * w->rows + n] = kern_lanes_finish(l, L, p->tree);
        }
}

/* The 32 weights of block b as signed bytes in value order. */
static inline __m256i load_wq(kern_type t, const void *row, size_t b)
{
    if (t == KERN_Q8_0)
        return _mm256_loadu_si256((const __m256i *)((const kern_block_q8 *)row)[b].qs);
    __m128i v = _mm_loadu_si128((const __m128i *)((const kern_block_q4 *)row)[b].qs);
    __m128i lo = _mm_and_si128(v, _mm_set1_epi8(15));
    __m128i hi = _mm_and_si128(_mm_srli_epi16(v, 4), _mm_set1_epi8(15));
    return _mm256_sub_epi8(_mm256_set_m128i(hi, lo), _mm256_set1_epi8(8));
}

static void gemm_q(const kern_mat *w, const float *x, const kern_qact *xq, size_t m, size_t n0,
                   size_t n1, float *y, const kern_profile *p)
{
    (void)x;
    const int L = p->lanes;
    const size_t G = (size_t)L / 8, nb = w->cols / KERN_QBLOCK, nb0 = nb - nb % G;
    const size_t bsz = w->type == KERN_Q8_0 ? sizeof(kern_block_q8) : sizeof(kern_block_q4);
    const __m256i ones = _mm256_set1_epi16(1);
    float l[KERN_MAX_LANES];
    void *buf = kern_alloc(w->row_bytes);
    for (size_t n = n0; n < n1; n++) {
        const char *row = kern_q_row(w, n, buf);
        for (size_t i = 0; i < m; i++) {
            const int8_t *xs = xq->qs + i * w->cols;
            const float *xd = xq->d + i * nb;
            __m256 acc[KERN_MAX_LANES / 8];
            for (size_t g = 0; g < G; g++)
                acc[g] = _mm256_setzero_ps();
            for (size_t b = 0; b < nb0; b += G)
                for (size_t g = 0; g < G; g++) {
                    __m256i wv = load_wq(w->type, row, b + g);
                    __m256i xv = _mm256_loadu_si256((const __m256i *)(xs + (b + g) * KERN_QBLOCK));
                    /* |x| * (w * sign x): exact, pairs stay below 2^15 */
                    __m256i p16 = _mm256_maddubs_epi16(_mm256_sign_epi8(xv, xv),
                                                       _mm256_sign_epi8(wv, xv));
                    __m256i p32 = _mm256_madd_epi16(p16, ones);
                    float d = kern_f16_to_f32(*(const uint16_t *)(row + (b + g) * bsz)) * xd[b + g];
                    acc[g] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p32), _mm256_set1_ps(d), acc[g]);
                }
            for (size_t g = 0; g < G; g++)
                _mm256_storeu_ps(l + 8 * g, acc[g]);
            kern_q_lanes(w->type, row, xs, xd, nb0, nb, l, L);
            y[i * w->rows + n] = kern_lanes_finish(l, L, p->tree);
        }
    }
    kern_free(buf);
}

const kern_backend kern_backend_avx2 = {"avx2", {gemm_fp, gemm_fp, gemm_fp, gemm_q, gemm_q}};
