/* tim_rows: the rows of models/validation/ (fit.json, check.json) as the
 * fit (tim_fit.c) and the validation (tim_validate.c) read them.  Internal to
 * sim/timing. */
#ifndef AVRAMI_TIMING_TIM_ROWS_H
#define AVRAMI_TIMING_TIM_ROWS_H

#include "timing/tim.h"

#define GIB 1073741824.0
#define CONTEXT_GB 0.5 /* tim_vram_needed_gb's CUDA context; allocator peaks exclude it */

enum { M_DECODE, M_PREFILL, M_SD_ITS, M_SD_S, M_VRAM, NMETRIC };
extern const char *const TIM_ROW_METRICS[NMETRIC];

typedef struct {
    tim_runtime rt;
    int metric, card, excluded;
    double bits; /* llama.cpp 16/8.5/4.5, transformers 16/8/4 */
    double value, gib, params_b;
    int batch, width, height, steps, prompt;
    int ctx;          /* decode: mean number of cached tokens a decoded token attends to */
    int dequant_gemm; /* llama.cpp built before June 2024: quantized prompts via cuBLAS */
    int dequant_twice; /* llama.cpp built before January 2024: the expansion's kernel did
                          every value twice (PR 4809) */
    int no_graphs;    /* llama.cpp built before May 2024: no CUDA graphs in decode */
    int early_metal;  /* llama.cpp built before September 2023: August 2023 Metal kernels */
    int main_prompt;  /* llama.cpp: the prompt timed by ./main, not by llama-bench */
    int fp16_compute; /* transformers 4-bit: bnb_4bit_compute_dtype float16 */
    int host;         /* the benchmark machine the source names (hosts), else -1 */
    tim_model m;
} row;

/* The benchmark machines the rows of both files name, and each one's factor
 * on transformers' host costs from the last fit (tim_tfhost.c). */
#define MAX_HOSTS 32 /* tim_validation's hosts */
#define HOST_LEN 48
typedef struct {
    int n;
    char name[MAX_HOSTS][HOST_LEN];
    double factor[MAX_HOSTS];
} hosts;

typedef struct {
    row *r;
    int n;
    int skipped; /* rows naming a card not in cards.json */
} rowset;

/* Reads a validation file's rows against the card catalogue in dir
 * (hosts named by rows are added to hs).  0, or 2 with err. */
int tim_rows_load(const char *path, const char *dir, const tim_card *cards, int ncards, hosts *hs,
                  rowset *rs, char *err, size_t errlen);
/* Fits every card's efficiencies from rs's rows, leaving card `exclude`'s
 * own rows out (-1: none), and the benchmark machines' host factors (tim_fit.c). */
void tim_fit_rowset(const rowset *rs, tim_card *cards, int n, int exclude, hosts *hs);

#endif
