/* kern_scalar: the portable back end, and the definition the SIMD back ends
 * are tested against bit for bit. */
#include "kernels/kern_impl.h"

static void gemm_fp(const kern_mat *w, const float *x, const kern_qact *xq, size_t m, size_t n0,
                    size_t n1, float *y, const kern_profile *p)
{
    (void)xq;
    float l[KERN_MAX_LANES];
    for (size_t i = 0; i < m; i++)
        for (size_t n = n0; n < n1; n++) {
            memset(l, 0, sizeof l);
            const void *row = (const char *)w->data + n * w->row_bytes;
            kern_fp_lanes(w->type, row, x + i * w->cols, 0, w->cols, l, p->lanes);
            y[i * w->rows + n] = kern_lanes_finish(l, p->lanes, p->tree);
        }
}

static void gemm_q(const kern_mat *w, const float *x, const kern_qact *xq, size_t m, size_t n0,
                   size_t n1, float *y, const kern_profile *p)
{
    (void)x;
    float l[KERN_MAX_LANES];
    size_t nb = w->cols / KERN_QBLOCK;
    void *buf = kern_alloc(w->row_bytes);
    for (size_t n = n0; n < n1; n++) {
        const void *row = kern_q_row(w, n, buf);
        for (size_t i = 0; i < m; i++) {
            memset(l, 0, sizeof l);
            kern_q_lanes(w->type, row, xq->qs + i * w->cols, xq->d + i * nb, 0, nb, l, p->lanes);
            y[i * w->rows + n] = kern_lanes_finish(l, p->lanes, p->tree);
        }
    }
    kern_free(buf);
}

const kern_backend kern_backend_scalar = {
    "scalar", {gemm_fp, gemm_fp, gemm_fp, gemm_q, gemm_q}};
