/* kern_dispatch: CPU feature dispatch, the persistent thread pool, and the
 * product drivers that split output rows over it.
 *
 * Every output element is computed by one thread from start to finish, in the
 * profile's fixed order, so the split (and the thread count) cannot change a
 * bit of the result: the partition only has to be fixed for speed, not for
 * correctness. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/kern_impl.h"

const kern_profile kern_profiles[] = {
    {"l16-pairwise", 16, KERN_TREE_PAIRWISE},
    {"l32-pairwise", 32, KERN_TREE_PAIRWISE},
    {"l16-serial", 16, KERN_TREE_SERIAL},
    {"l64-serial", 64, KERN_TREE_SERIAL},
};
const int kern_nprofiles = (int)(sizeof kern_profiles / sizeof kern_profiles[0]);

const kern_profile *kern_profile_find(const char *name)
{
    for (int i = 0; i < kern_nprofiles; i++)
        if (!strcmp(kern_profiles[i].name, name))
            return &kern_profiles[i];
    return NULL;
}

/* ---- ISA */

static int isa_sel = -1;

kern_isa kern_isa_detect(void)
{
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni") &&
        __builtin_cpu_supports("fma"))
        return KERN_ISA_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return KERN_ISA_AVX2;
    return KERN_ISA_SCALAR;
}

void kern_isa_set(kern_isa isa)
{
    kern_isa best = kern_isa_detect();
    isa_sel = (int)(isa > best ? best : isa);
}

kern_isa kern_isa_get(void)
{
    if (isa_sel < 0) {
        const char *e = getenv("AVRAMI_ISA"); /* scalar | avx2 | avx512 */
        kern_isa want = KERN_ISA_AVX512;
        if (e && !strcmp(e, "scalar"))
            want = KERN_ISA_SCALAR;
        else if (e && !strcmp(e, "avx2"))
            want = KERN_ISA_AVX2;
        kern_isa_set(want);
    }
    return (kern_isa)isa_sel;
}

const char *kern_isa_name(kern_isa isa)
{
    static const char *const n[] = {"scalar", "avx2", "avx512"};
    return n[isa];
}

static kern_gemm_fn pick(kern_type t)
{
    const kern_backend *b[] = {&kern_backend_scalar, &kern_backend_avx2, &kern_backend_avx512};
    for (int i = (int)kern_isa_get(); i >= 0; i--)
        if (b[i]->gemm[t])
            return b[i]->gemm[t];
    return NULL;
}

/* ---- thread pool */

#define MAX_THREADS 64

static struct {
    int n;
    pthread_t th[MAX_THREADS];
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    unsigned long gen;
    int pending, quit;
    void (*fn)(void *, int, int);
    void *arg;
} pool = {.n = 1, .mu = PTHREAD_MUTEX_INITIALIZER, .go = PTHREAD_COND_INITIALIZER,
          .done = PTHREAD_COND_INITIALIZER};

static _Thread_local int in_pool_task;

static void *worker(void *p)
{
    int id = (int)(intptr_t)p;
    unsigned long seen = 0;
    in_pool_task = 1;
    for (;;) {
        pthread_mutex_lock(&pool.mu);
        while (pool.gen == seen && !pool.quit)
            pthread_cond_wait(&pool.go, &pool.mu);
        if (pool.quit) {
            pthread_mutex_unlock(&pool.mu);
            return NULL;
        }
        seen = pool.gen;
        void (*fn)(void *, int, int) = pool.fn;
        void *arg = pool.arg;
        int n = pool.n;
        pthread_mutex_unlock(&pool.mu);
        fn(arg, id, n);
        pthread_mutex_lock(&pool.mu);
        if (--pool.pending == 0)
            pthread_cond_signal(&pool.done);
        pthread_mutex_unlock(&pool.mu);
    }
}

static void pool_stop(void)
{
    pthread_mutex_lock(&pool.mu);
    pool.quit = 1;
    pthread_cond_broadcast(&pool.go);
    pthread_mutex_unlock(&pool.mu);
    for (int i = 1; i < pool.n; i++)
        pthread_join(pool.th[i], NULL);
    pool.quit = 0;
    pool.n = 1;
    pool.gen = 0; /* new workers start from generation 0 */
}

void kern_threads_set(int n)
{
    static int registered;
    if (n < 1)
        n = 1;
    if (n > MAX_THREADS)
        n = MAX_THREADS;
    if (n == pool.n)
        return;
    pool_stop();
    pool.n = n;
    for (int i = 1; i < n; i++)
        if (pthread_create(&pool.th[i], NULL, worker, (void *)(intptr_t)i)) {
            fprintf(stderr, "kern: cannot start thread %d\n", i);
            abort();
        }
    if (!registered) {
        registered = 1;
        atexit(pool_stop);
    }
}

int kern_threads_get(void) { return pool.n; }

void kern_parallel(void (*fn)(void *arg, int i, int n), void *arg)
{
    if (pool.n == 1 || in_pool_task) { /* nested: run every part here, in order */
        int n = in_pool_task ? 1 : pool.n;
        for (int i = 0; i < n; i++)
            fn(arg, i, n);
        return;
    }
    pthread_mutex_lock(&pool.mu);
    pool.fn = fn;
    pool.arg = arg;
    pool.pending = pool.n - 1;
    pool.gen++;
    pthread_cond_broadcast(&pool.go);
    pthread_mutex_unlock(&pool.mu);
    in_pool_task = 1;
    fn(arg, 0, pool.n);
    in_pool_task = 0;
    pthread_mutex_lock(&pool.mu);
    while (pool.pending)
        pthread_cond_wait(&pool.done, &pool.mu);
    pthread_mutex_unlock(&pool.mu);
}

/* ---- product drivers */

struct gemm_job {
    kern_gemm_fn fn;
    const kern_mat *w;
    const float *x;
    const kern_qact *xq;
    size_t m;
    float *y;
    const kern_profile *p;
};

/* Rows split in chunks of 16 so that SIMD tiles are never cut. */
static void gemm_part(void *arg, int i, int n)
{
    struct gemm_job *j = arg;
    size_t tiles = (j->w->rows + 15) / 16;
    size_t n0 = tiles * (size_t)i / (size_t)n * 16, n1 = tiles * (size_t)(i + 1) / (size_t)n * 16;
    if (n1 > j->w->rows)
        n1 = j->w->rows;
    if (n0 < n1)
        j->fn(j->w, j->x, j->xq, j->m, n0, n1, j->y, j->p);
}

static void run_gemm(const kern_mat *w, const float *x, const kern_qact *xq, size_t m, float *y,
                     const kern_profile *p)
{
    if (!p)
        p = kern_profile_default;
    struct gemm_job j = {pick(w->type), w, x, xq, m, y, p};
    kern_parallel(gemm_part, &j);
}

void kern_gemm_q(const kern_mat *w, const kern_qact *xq, float *y, const kern_profile *p)
{
    run_gemm(w, NULL, xq, xq->rows, y, p);
}

void kern_gemm(const kern_mat *w, const float *x, size_t m, float *y, const kern_profile *p,
               kern_qact *scratch)
{
    if (w->type != KERN_Q8_0 && w->type != KERN_Q4_0) {
        run_gemm(w, x, NULL, m, y, p);
        return;
    }
    kern_qact own;
    kern_qact *a = scratch;
    if (!a || a->rows != m || a->cols != w->cols) {
        a = &own;
        if (kern_qact_alloc(a, m, w->cols)) {
            fprintf(stderr, "kern: out of memory quantizing activations\n");
            abort();
        }
    }
    kern_quantize_act(a, x);
    run_gemm(w, NULL, a, m, y, p);
    if (a == &own)
        kern_qact_free(a);
}

/* ---- read bandwidth: the roof the matrix-vector products are held to */

struct read_job {
    const uint64_t *p;
    size_t words;
    uint64_t sums[MAX_THREADS];
};

static void read_part(void *arg, int i, int n)
{
    struct read_job *j = arg;
    size_t w0 = j->words * (size_t)i / (size_t)n / 8 * 8, w1 = j->words * (size_t)(i + 1) / (size_t)n / 8 * 8;
    if (kern_isa_get() == KERN_ISA_AVX512 && ((uintptr_t)j->p & 63) == 0) {
        j->sums[i] = kern_read_avx512(j->p + w0, (w1 - w0) * 8);
        return;
    }
    uint64_t s[8] = {0};
    for (size_t w = w0; w < w1; w += 8)
        for (int k = 0; k < 8; k++)
            s[k] += j->p[w + (size_t)k];
    j->sums[i] = s[0] ^ s[1] ^ s[2] ^ s[3] ^ s[4] ^ s[5] ^ s[6] ^ s[7];
}

uint64_t kern_read_all(const void *p, size_t bytes)
{
    struct read_job j = {p, bytes / 8, {0}};
    kern_parallel(read_part, &j);
    uint64_t s = 0;
    for (int i = 0; i < kern_threads_get(); i++)
        s ^= j.sums[i];
    return s;
}
