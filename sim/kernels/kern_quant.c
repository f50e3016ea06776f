/* kern_quant: element conversions, weight storage, quantization and the
 * deterministic weight synthesizer. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "kernels/kern.h"

float kern_f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, e = (h >> 10) & 31, m = h & 0x3ff, bits;
    if (e == 0) { /* zero or subnormal: m * 2^-24, exact in float */
        float v = (float)m * 0x1p-24f;
        return sign ? -v : v;
    }
    if (e == 31)
        bits = sign | 0x7f800000u | (m << 13);
    else
        bits = sign | ((e + 112) << 23) | (m << 13);
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

uint16_t kern_f32_to_f16(float f)
{
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000, a = x & 0x7fffffffu;
    if (a >= 0x7f800000u)
        return (uint16_t)(sign | (a > 0x7f800000u ? 0x7e00 : 0x7c00));
    if (a >= 0x477ff000u) /* >= 65520 rounds to infinity */
        return (uint16_t)(sign | 0x7c00);
    if (a < 0x38800000u) { /* below 2^-14: a half subnormal, unit 2^-24 */
        float af;
        memcpy(&af, &a, 4);
        return (uint16_t)(sign | (uint32_t)nearbyintf(af * 0x1p24f));
    }
    uint32_t h = (((a >> 23) - 112) << 10) | ((a & 0x7fffff) >> 13), rem = a & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (h & 1)))
        h++; /* a carry into the exponent is the correct rounding */
    return (uint16_t)(sign | h);
}

float kern_bf16_to_f32(uint16_t h)
{
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

uint16_t kern_f32_to_bf16(float f)
{
    uint32_t x;
    memcpy(&x, &f, 4);
    if ((x & 0x7fffffffu) > 0x7f800000u)
        return (uint16_t)((x >> 16) | 0x40);
    return (uint16_t)((x + 0x7fff + ((x >> 16) & 1)) >> 16);
}

static const char *const TYPE_NAMES[KERN_NTYPES] = {"f32", "f16", "bf16", "q8_0", "q4_0"};

const char *kern_type_name(kern_type t)
{
    return (unsigned)t < KERN_NTYPES ? TYPE_NAMES[t] : "?";
}

int kern_type_parse(const char *s, kern_type *out)
{
    for (int i = 0; i < KERN_NTYPES; i++)
        if (!strcmp(s, TYPE_NAMES[i])) {
            *out = (kern_type)i;
            return 0;
        }
    return -1;
}

size_t kern_row_bytes(kern_type t, size_t cols)
{
    switch (t) {
    case KERN_F32: return cols * 4;
    case KERN_F16:
    case KERN_BF16: return cols * 2;
    case KERN_Q8_0: return cols / KERN_QBLOCK * sizeof(kern_block_q8);
    case KERN_Q4_0: return cols / KERN_QBLOCK * sizeof(kern_block_q4);
    default: return 0;
    }
}

double kern_type_bits(kern_type t)
{
    return 8.0 * (double)kern_row_bytes(t, KERN_QBLOCK) / KERN_QBLOCK;
}

void *kern_alloc(size_t bytes)
{
    void *p = NULL;
    size_t n = (bytes + 63) / 64 * 64;
    /* Large arrays (weights, the bandwidth probe) on 2 MiB pages where the
     * kernel allows it: a streaming product then walks the page tables once
     * per 2 MiB, not once per 4 KiB, and its prefetches run ahead without
     * stalling on TLB misses. */
    const size_t huge = (size_t)2 << 20;
    if (n >= 4 * huge) {
        n = (n + huge - 1) / huge * huge;
        if (posix_memalign(&p, huge, n))
            return NULL;
#ifdef MADV_HUGEPAGE
        madvise(p, n, MADV_HUGEPAGE);
#endif
    } else if (posix_memalign(&p, 64, n ? n : 64)) {
        return NULL;
    }
    memset(p, 0, n ? n : 64);
    return p;
}

void kern_free(void *p) { free(p); }

int kern_mat_alloc(kern_mat *m, kern_type t, size_t rows, size_t cols)
{
    memset(m, 0, sizeof *m);
    if ((t == KERN_Q8_0 || t == KERN_Q4_0) && cols % KERN_QBLOCK)
        return -1;
    m->type = t;
    m->rows = rows;
    m->cols = cols;
    m->row_bytes = kern_row_bytes(t, cols);
    m->layout = (t == KERN_Q8_0 || t == KERN_Q4_0) && rows >= 8 ? KERN_LAYOUT_PACK8
                                                                 : KERN_LAYOUT_ROWS;
    m->data = kern_alloc(rows * m->row_bytes);
    return m->data ? 0 : -1;
}

/* ---- block access in either layout (see KERN_LAYOUT_PACK8 in kern.h) */

static size_t qblock_bytes(kern_type t)
{
    return t == KERN_Q8_0 ? sizeof(kern_block_q8) : sizeof(kern_block_q4);
}

/* Where block b of packed row r keeps its values and its scale. */
typedef struct {
    uint8_t *run;    /* the block's values (Q4_0: shared with the row pair) */
    int shift;       /* Q4_0: 0 low nibbles, 4 high */
    int paired;      /* quad-interleaved with block b ^ 1 */
    int half;        /* paired: 0 for the even block, 1 for the odd */
    uint16_t *scale;
} pk_loc;

static pk_loc pk_locate(const kern_mat *m, size_t r, size_t b)
{
    const size_t nb = m->cols / KERN_QBLOCK, np = nb / 2, j = r % 8, rl = 32 * nb;
    const int q4 = m->type == KERN_Q4_0;
    char *grp = (char *)m->data + r / 8 * 8 * m->row_bytes;
    pk_loc l;
    l.paired = b < 2 * np;
    l.half = l.paired ? (int)(b % 2) : 0;
    l.run = (uint8_t *)grp + (q4 ? j / 2 : j) * rl + b / 2 * 64;
    l.shift = q4 ? 4 * (int)(j % 2) : 0;
    char *sc = grp + (q4 ? 4 : 8) * rl;
    l.scale = l.paired ? (uint16_t *)(sc + b / 2 * 32) + 2 * j + (size_t)l.half
                       : (uint16_t *)(sc + np * 32) + j;
    return l;
}

/* Byte of the run holding value v of the block. */
static inline size_t pk_pos(const pk_loc *l, int v)
{
    return l->paired ? (size_t)(8 * (v / 4) + 4 * l->half + v % 4) : (size_t)v;
}

static int packed_row(const kern_mat *m, size_t r)
{
    return m->layout == KERN_LAYOUT_PACK8 && r < m->rows / 8 * 8;
}

void kern_mat_get_block(const kern_mat *m, size_t r, size_t b, void *blk)
{
    const size_t bsz = qblock_bytes(m->type);
    if (!packed_row(m, r)) {
        memcpy(blk, (const char *)m->data + r * m->row_bytes + b * bsz, bsz);
        return;
    }
    pk_loc l = pk_locate(m, r, b);
    uint8_t v[KERN_QBLOCK]; /* the run's bytes in value order */
    for (int q = 0; q < 8; q++)
        memcpy(v + 4 * q, l.run + pk_pos(&l, 4 * q), 4);
    if (m->type == KERN_Q8_0) {
        kern_block_q8 *q = blk;
        q->d = *l.scale;
        memcpy(q->qs, v, sizeof v);
        return;
    }
    kern_block_q4 *q = blk;
    q->d = *l.scale;
    for (int i = 0; i < 16; i++)
        q->qs[i] = (uint8_t)((v[i] >> l.shift & 15) | (v[i + 16] >> l.shift & 15) << 4);
}

void kern_mat_set_block(kern_mat *m, size_t r, size_t b, const void *blk)
{
    const size_t bsz = qblock_bytes(m->type);
    if (!packed_row(m, r)) {
        memcpy((char *)m->data + r * m->row_bytes + b * bsz, blk, bsz);
        return;
    }
    pk_loc l = pk_locate(m, r, b);
    uint8_t v[KERN_QBLOCK];
    if (m->type == KERN_Q8_0) {
        const kern_block_q8 *q = blk;
        *l.scale = q->d;
        memcpy(v, q->qs, sizeof v);
    } else { /* merge with the other row's nibbles */
        const kern_block_q4 *q = blk;
        *l.scale = q->d;
        const uint8_t keep = (uint8_t)(0xf0 >> l.shift);
        for (int qd = 0; qd < 8; qd++)
            memcpy(v + 4 * qd, l.run + pk_pos(&l, 4 * qd), 4);
        for (int i = 0; i < 16; i++) {
            v[i] = (uint8_t)((v[i] & keep) | (q->qs[i] & 15) << l.shift);
            v[i + 16] = (uint8_t)((v[i + 16] & keep) | (q->qs[i] >> 4) << l.shift);
        }
    }
    for (int qd = 0; qd < 8; qd++)
        memcpy(l.run + pk_pos(&l, 4 * qd), v + 4 * qd, 4);
}

const void *kern_q_row(const kern_mat *m, size_t r, void *buf)
{
    if (!packed_row(m, r))
        return (const char *)m->data + r * m->row_bytes;
    const size_t bsz = qblock_bytes(m->type);
    for (size_t b = 0; b < m->cols / KERN_QBLOCK; b++)
        kern_mat_get_block(m, r, b, (char *)buf + b * bsz);
    return buf;
}

void kern_mat_free(kern_mat *m)
{
    kern_free(m->data);
    m->data = NULL;
}

static void quantize_q8(kern_block_q8 *b, const float *x)
{
    float amax = 0;
    for (int i = 0; i < KERN_QBLOCK; i++)
        amax = fmaxf(amax, fabsf(x[i]));
    b->d = kern_f32_to_f16(amax / 127.0f);
    float d = kern_f16_to_f32(b->d), id = d > 0 ? 1.0f / d : 0.0f;
    for (int i = 0; i < KERN_QBLOCK; i++) {
        float q = nearbyintf(x[i] * id);
        b->qs[i] = (int8_t)(q > 127 ? 127 : q < -127 ? -127 : q);
    }
}

/* Q4_0: the largest-magnitude value maps to -8, so the full range is used. */
static void quantize_q4(kern_block_q4 *b, const float *x)
{
    float amax = 0, max = 0;
    for (int i = 0; i < KERN_QBLOCK; i++)
        if (fabsf(x[i]) > amax) {
            amax = fabsf(x[i]);
            max = x[i];
        }
    b->d = kern_f32_to_f16(max / -8.0f);
    float d = kern_f16_to_f32(b->d), id = d != 0 ? 1.0f / d : 0.0f;
    for (int i = 0; i < 16; i++) {
        float lo = nearbyintf(x[i] * id) + 8, hi = nearbyintf(x[i + 16] * id) + 8;
        int l = lo < 0 ? 0 : lo > 15 ? 15 : (int)lo, h = hi < 0 ? 0 : hi > 15 ? 15 : (int)hi;
        b->qs[i] = (uint8_t)(l | h << 4);
    }
}

void kern_mat_set_row(kern_mat *m, size_t r, const float *src)
{
    char *row = (char *)m->data + r * m->row_bytes;
    switch (m->type) {
    case KERN_F32: memcpy(row, src, m->cols * 4); break;
    case KERN_F16:
        for (size_t k = 0; k < m->cols; k++)
            ((uint16_t *)row)[k] = kern_f32_to_f16(src[k]);
        break;
    case KERN_BF16:
        for (size_t k = 0; k < m->cols; k++)
            ((uint16_t *)row)[k] = kern_f32_to_bf16(src[k]);
        break;
    case KERN_Q8_0:
        for (size_t b = 0; b < m->cols / KERN_QBLOCK; b++) {
            kern_block_q8 q;
            quantize_q8(&q, src + b * KERN_QBLOCK);
            kern_mat_set_block(m, r, b, &q);
        }
        break;
    case KERN_Q4_0:
        for (size_t b = 0; b < m->cols / KERN_QBLOCK; b++) {
            kern_block_q4 q;
            quantize_q4(&q, src + b * KERN_QBLOCK);
            kern_mat_set_block(m, r, b, &q);
        }
        break;
    default: break;
    }
}

void kern_mat_get_row(const kern_mat *m, size_t r, float *dst)
{
    const char *row = (const char *)m->data + r * m->row_bytes;
    if (m->type == KERN_Q8_0 || m->type == KERN_Q4_0) {
        for (size_t b = 0; b < m->cols / KERN_QBLOCK; b++) {
            kern_block_q8 q8;
            kern_block_q4 q4;
            kern_mat_get_block(m, r, b, m->type == KERN_Q8_0 ? (void *)&q8 : (void *)&q4);
            float d = kern_f16_to_f32(m->type == KERN_Q8_0 ? q8.d : q4.d);
            for (int i = 0; i < KERN_QBLOCK; i++) {
                int v = m->type == KERN_Q8_0 ? q8.qs[i]
                        : i < 16             ? (q4.qs[i] & 15) - 8
                                             : (q4.qs[i - 16] >> 4) - 8;
                dst[b * KERN_QBLOCK + (size_t)i] = d * (float)v;
            }
        }
        return;
    }
    for (size_t k = 0; k < m->cols; k++) {
        switch (m->type) {
        case KERN_F32: dst[k] = ((const float *)row)[k]; break;
        case KERN_F16: dst[k] = kern_f16_to_f32(((const uint16_t *)row)[k]); break;
        case KERN_BF16: dst[k] = kern_bf16_to_f32(((const uint16_t *)row)[k]); break;
        default: break;
        }
    }
}

static inline uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

struct synth_job {
    kern_mat *m;
    uint64_t seed;
    float stddev;
};

/* Quantized matrices are drawn directly as uniform integer codes with a scale
 * that gives the requested standard deviation: drawing floats and quantizing
 * them would cost minutes for a 7B model and change nothing measured. */
static void synth_rows(void *arg, int t, int nt)
{
    struct synth_job *j = arg;
    kern_mat *m = j->m;
    /* whole 8-row groups per thread: packed Q4_0 rows share bytes */
    size_t r0 = m->rows / 8 * (size_t)t / (size_t)nt * 8;
    size_t r1 = t + 1 == nt ? m->rows : m->rows / 8 * (size_t)(t + 1) / (size_t)nt * 8;
    float *tmp = NULL;
    if (m->type == KERN_F32 || m->type == KERN_F16 || m->type == KERN_BF16)
        tmp = malloc(m->cols * sizeof *tmp);
    for (size_t r = r0; r < r1; r++) {
        uint64_t s = j->seed ^ (0xd1b54a32d192ed03ull * (r + 1));
        size_t nb = m->cols / KERN_QBLOCK;
        if (m->type == KERN_Q8_0) {
            uint16_t d = kern_f32_to_f16(j->stddev * 1.7320508f / 127.0f);
            for (size_t b = 0; b < nb; b++) {
                kern_block_q8 q;
                q.d = d;
                for (int i = 0; i < KERN_QBLOCK; i += 8) {
                    uint64_t v = splitmix64(&s);
                    for (int k = 0; k < 8; k++) {
                        int8_t c = (int8_t)(v >> (8 * k));
                        q.qs[i + k] = c == -128 ? -127 : c;
                    }
                }
                kern_mat_set_block(m, r, b, &q);
            }
        } else if (m->type == KERN_Q4_0) {
            uint16_t d = kern_f32_to_f16(j->stddev / 4.6098f); /* sd of uniform -8..7 */
            for (size_t b = 0; b < nb; b++) {
                kern_block_q4 q;
                q.d = d;
                uint64_t v0 = splitmix64(&s), v1 = splitmix64(&s);
                memcpy(q.qs, &v0, 8);
                memcpy(q.qs + 8, &v1, 8);
                kern_mat_set_block(m, r, b, &q);
            }
        } else if (tmp) {
            for (size_t k = 0; k < m->cols; k++) {
                uint64_t v = splitmix64(&s);
                /* Irwin-Hall(4): close enough to normal for synthetic weights */
                double u = (double)(v & 0xffff) + (double)((v >> 16) & 0xffff) +
                           (double)((v >> 32) & 0xffff) + (double)(v >> 48);
                tmp[k] = (float)((u / 65536.0 - 2.0) * 1.7320508 * j->stddev);
            }
            kern_mat_set_row(m, r, tmp);
        }
    }
    free(tmp);
}

void kern_mat_synth(kern_mat *m, uint64_t seed, float stddev)
{
    struct synth_job j = {m, seed, stddev};
    kern_parallel(synth_rows, &j);
}

int kern_qact_alloc(kern_qact *a, size_t rows, size_t cols)
{
    memset(a, 0, sizeof *a);
    if (cols % KERN_QBLOCK)
        return -1;
    a->rows = rows;
    a->cols = cols;
    a->qs = kern_alloc(rows * cols);
    a->qu = kern_alloc(rows * cols);
    a->d = kern_alloc(rows * cols / KERN_QBLOCK * sizeof(float));
    a->s8 = kern_alloc(rows * cols / 4 * sizeof(int32_t));
    a->qi = kern_alloc(rows * cols);
    a->off4 = kern_alloc(rows * cols / 4 * sizeof(int32_t));
    a->off8 = kern_alloc(rows * cols / 4 * sizeof(int32_t));
    if (!a->qs || !a->qu || !a->d || !a->s8 || !a->qi || !a->off4 || !a->off8) {
        kern_qact_free(a);
        return -1;
    }
    return 0;
}

void kern_qact_free(kern_qact *a)
{
    kern_free(a->qs);
    kern_free(a->qu);
    kern_free(a->d);
    kern_free(a->s8);
    kern_free(a->qi);
    kern_free(a->off4);
    kern_free(a->off8);
    memset(a, 0, sizeof *a);
}

/* Round to nearest, ties to even, for |v| < 2^22: what nearbyintf gives in
 * the default rounding mode, without a libm call (this file is built for
 * baseline x86-64, which has no rounding instruction).  Adding 1.5 * 2^23
 * leaves no fraction bits, so the sum itself is the rounding; C forbids the
 * compiler to fold (v + m) - m back to v. */
static inline float round_even(float v)
{
    const float magic = 0x1.8p23f;
    return (v + magic) - magic;
}

/* Activations are quantized once per product by this one scalar routine,
 * whichever back end then runs: O(K) work against the product's O(N K).
 * Block by block it writes the value-order arrays and, for the packed
 * products, the same values in pair order (a last unpaired block keeps value
 * order, as the packed weights do).  Rows are independent, so a prefill's
 * rows are split over the pool: the same bits for any split. */
struct quant_job {
    kern_qact *a;
    const float *x;
};

static void quantize_rows(void *arg, int t, int nt)
{
    const struct quant_job *j = arg;
    kern_qact *a = j->a;
    const float *x = j->x;
    const size_t nbr = a->cols / KERN_QBLOCK, nb2 = nbr / 2 * 2;
    const size_t r0 = a->rows * (size_t)t / (size_t)nt, r1 = a->rows * (size_t)(t + 1) / (size_t)nt;
    for (size_t r = r0; r < r1; r++)
        for (size_t b = 0; b < nbr; b++) {
            const size_t o = r * a->cols + b * KERN_QBLOCK, bi = r * nbr + b;
            const float *xb = x + o;
            /* fmaxf without its libm call, in 8 independent chains: a max
             * is exact in any order */
            float m8[8] = {0};
            for (int i = 0; i < KERN_QBLOCK; i++) {
                float v = fabsf(xb[i]);
                m8[i % 8] = v > m8[i % 8] ? v : m8[i % 8];
            }
            float amax = 0;
            for (int i = 0; i < 8; i++)
                amax = m8[i] > amax ? m8[i] : amax;
            float d = amax / 127.0f, id = d > 0 ? 1.0f / d : 0.0f;
            a->d[bi] = d;
            for (int i = 0; i < KERN_QBLOCK; i++) {
                float q = round_even(xb[i] * id);
                int8_t v = (int8_t)(q > 127 ? 127 : q < -127 ? -127 : q);
                a->qs[o + (size_t)i] = v;
                a->qu[o + (size_t)i] = (uint8_t)(v + 128);
            }
            const int pair = b < nb2;
            const size_t h = pair ? b % 2 : 0, base = o - h * KERN_QBLOCK;
            for (int q = 0; q < 8; q++) {
                const int8_t *v = a->qs + o + 4 * q;
                const int32_t sum = v[0] + v[1] + v[2] + v[3];
                a->s8[bi * 8 + (size_t)q] = 8 * sum;
                const size_t dst = base + (pair ? 8 * (size_t)q + 4 * h : 4 * (size_t)q);
                memcpy(a->qi + dst, v, 4);
                a->off4[dst / 4] = -8 * sum;
                a->off8[dst / 4] = -128 * sum;
            }
        }
}

void kern_quantize_act(kern_qact *a, const float *x)
{
    struct quant_job j = {a, x};
    if (a->rows < 2)
        quantize_rows(&j, 0, 1);
    else
        kern_parallel(quantize_rows, &j);
}
