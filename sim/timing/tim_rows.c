/* tim_rows: one row of models/validation/ read and checked, and a file of
 * them loaded (tim_rows.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timing/tim_json.h"
#include "timing/tim_rows.h"
#include "util/rfile.h"

const char *const TIM_ROW_METRICS[NMETRIC] = {"decode_tps", "prefill_tps", "sd_its", "sd_s",
                                              "vram_gb"};

static int weights_bits(tim_runtime rt, const char *w, double *bits)
{
    static const struct { tim_runtime rt; const char *name; double bits; } T[] = {
        {TIM_RT_LLAMACPP, "Q4_0", 4.5}, {TIM_RT_LLAMACPP, "Q8_0", 8.5},
        {TIM_RT_LLAMACPP, "F16", 16}, {TIM_RT_TRANSFORMERS, "fp32", 32},
        {TIM_RT_TRANSFORMERS, "fp16", 16}, {TIM_RT_TRANSFORMERS, "int8", 8},
        {TIM_RT_TRANSFORMERS, "4bit", 4}, {TIM_RT_DIFFUSERS, "fp16", 16}};
    for (size_t i = 0; i < sizeof T / sizeof *T; i++)
        if (T[i].rt == rt && !strcmp(T[i].name, w)) {
            *bits = T[i].bits;
            return 0;
        }
    return -1;
}

static int opt_int(cJSON *o, const char *k, int def, int *out)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!v) {
        *out = def;
        return 0;
    }
    if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > 1e6 ||
        v->valuedouble != (int)v->valuedouble)
        return -1;
    *out = (int)v->valuedouble;
    return 0;
}

static int str_of(cJSON *o, const char *k, const char **out)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    *out = cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : NULL;
    return *out ? 0 : -1;
}

/* The row's "host": the machine the source names for the run, with the
 * evidence in "host_source"; its index in hs (added when new), -1 without. */
static int parse_host(cJSON *o, hosts *hs, int *host)
{
    const char *name, *why;
    *host = -1;
    if (!cJSON_GetObjectItemCaseSensitive(o, "host"))
        return 0;
    if (str_of(o, "host", &name) || strlen(name) >= HOST_LEN || str_of(o, "host_source", &why))
        return -1;
    for (int h = 0; h < hs->n; h++)
        if (!strcmp(hs->name[h], name))
            return *host = h, 0;
    if (hs->n == MAX_HOSTS)
        return -1;
    snprintf(hs->name[hs->n], HOST_LEN, "%s", name);
    hs->factor[hs->n] = 1;
    *host = hs->n++;
    return 0;
}

/* The models the rows name, each read from llms.json and sd.json once: a
 * file holds a few hundred rows over a few dozen models, and reading the
 * files again for every row was most of a simulation's start-up.  Only
 * models that loaded are kept: a row naming a bad one ends the file. */
typedef struct model_memo {
    struct memo_entry {
        char name[96];
        tim_model m;
    } *e;
    int n, cap;
} model_memo;

static int memo_model_load(model_memo *mm, const char *llms, const char *sd, const char *name,
                           tim_model *out, char *err, size_t errlen)
{
    for (int i = 0; i < mm->n; i++)
        if (!strcmp(mm->e[i].name, name)) {
            *out = mm->e[i].m;
            return 0;
        }
    int rc = tim_model_load(llms, sd, name, out, err, errlen);
    if (rc || strlen(name) >= sizeof mm->e->name)
        return rc; /* a name that long is read each time */
    if (mm->n == mm->cap) {
        int cap = mm->cap ? 2 * mm->cap : 16;
        struct memo_entry *e = realloc(mm->e, (size_t)cap * sizeof *e);
        if (!e)
            return 0; /* not kept */
        mm->e = e, mm->cap = cap;
    }
    snprintf(mm->e[mm->n].name, sizeof mm->e->name, "%s", name);
    mm->e[mm->n++].m = *out;
    return 0;
}

/* One row of a validation file into r.  0; -1 bad (err set); 1 card unknown. */
static int parse_row(cJSON *o, int i, const char *path, const char *dir, const tim_card *cards,
                     int ncards, cJSON *cardjson, hosts *hs, model_memo *memo, row *r, char *err,
                     size_t errlen)
{
    memset(r, 0, sizeof *r);
    const char *rt, *card, *model, *w, *metric, *src;
#define BAD(field, what)                                                                        \
    do {                                                                                        \
        snprintf(err, errlen, "%s: .rows[%d].%s: expected %s", path, i, field, what);          \
        return -1;                                                                              \
    } while (0)
    if (str_of(o, "runtime", &rt) || tim_runtime_parse(rt, &r->rt))
        BAD("runtime", "\"llama.cpp\", \"transformers\" or \"diffusers\"");
    if (str_of(o, "source", &src))
        BAD("source", "where the figure was published (a non-empty string)");
    if (str_of(o, "metric", &metric))
        BAD("metric", "decode_tps, prefill_tps, sd_its, sd_s or vram_gb");
    r->metric = -1;
    for (int k = 0; k < NMETRIC; k++)
        if (!strcmp(metric, TIM_ROW_METRICS[k]))
            r->metric = k;
    int sd_metric = r->metric >= M_SD_ITS;
    if (r->metric < 0 || sd_metric != (r->rt == TIM_RT_DIFFUSERS))
        BAD("metric", r->rt == TIM_RT_DIFFUSERS ? "sd_its, sd_s or vram_gb for diffusers"
                                                : "decode_tps or prefill_tps for a language model runtime");
    if (str_of(o, "weights", &w) || weights_bits(r->rt, w, &r->bits))
        BAD("weights", r->rt == TIM_RT_LLAMACPP ? "Q4_0, Q8_0 or F16"
                       : r->rt == TIM_RT_TRANSFORMERS ? "fp32, fp16, int8 or 4bit" : "fp16");
    if (tim_json_num(o, "value", &r->value, path, "rows", i, err, errlen))
        return -1;
    if (r->rt == TIM_RT_LLAMACPP &&
        (tim_json_num(o, "weights_gib", &r->gib, path, "rows", i, err, errlen) ||
         tim_json_num(o, "params_b", &r->params_b, path, "rows", i, err, errlen)))
        return -1;
    if (opt_int(o, "batch", 1, &r->batch))
        BAD("batch", "a positive integer");
    if (opt_int(o, "width", 512, &r->width) || opt_int(o, "height", 512, &r->height))
        BAD("width", "a positive integer (and so height)");
    if (opt_int(o, "steps", 25, &r->steps))
        BAD("steps", "a positive integer");
    if (opt_int(o, "prompt", 512, &r->prompt))
        BAD("prompt", "a positive integer");
    /* llama-bench's tg128 from an empty cache attends to 64 tokens on average */
    if (opt_int(o, "ctx", 64, &r->ctx))
        BAD("ctx", "a positive integer (the mean context of the decoded tokens)");
    /* the month the figures were measured, which says how llama.cpp's CUDA
     * backend multiplied a quantized prompt: dequantize + cuBLAS until PR
     * 8075 made MMQ the default (merged 2024-06-24) */
    cJSON *date = cJSON_GetObjectItemCaseSensitive(o, "date");
    int yy = 0, mm = 0, used = 0;
    if (date && !(cJSON_IsString(date) && sscanf(date->valuestring, "%4d-%2d%n", &yy, &mm, &used) == 2 &&
                  used == 7 && !date->valuestring[used] && yy >= 2022 && mm >= 1 && mm <= 12))
        BAD("date", "the month the figure was measured, \"YYYY-MM\"");
    r->dequant_gemm = r->rt == TIM_RT_LLAMACPP && date && yy * 12 + mm < 2024 * 12 + 6;
    /* the expansion computing every value twice until PR 4809, merged
     * 2024-01-07: a month before January is before it; a January row is
     * taken as after it (the rows of that month: PR 4766's of 2024-01-10
     * and later) */
    r->dequant_twice = r->rt == TIM_RT_LLAMACPP && date && yy * 12 + mm < 2024 * 12 + 1;
    /* CUDA graphs for decoding: PR 6766, merged May 2024 */
    r->no_graphs = r->rt == TIM_RT_LLAMACPP && date && yy * 12 + mm < 2024 * 12 + 5;
    /* Metal's prompt and mat-vec tuning: September to November 2023 */
    r->early_metal = r->rt == TIM_RT_LLAMACPP && date && yy * 12 + mm < 2023 * 12 + 9;
    /* the program that timed it: llama-bench (the default) or ./main, whose
     * one timed prompt carries a fresh process's first-prompt cost */
    cJSON *hn = cJSON_GetObjectItemCaseSensitive(o, "harness");
    if (hn && !(r->rt == TIM_RT_LLAMACPP && cJSON_IsString(hn) &&
                (!strcmp(hn->valuestring, "main") || !strcmp(hn->valuestring, "llama-bench"))))
        BAD("harness", "\"main\" or \"llama-bench\" (llama.cpp rows only)");
    r->main_prompt = hn && !strcmp(hn->valuestring, "main");
    /* bitsandbytes 4-bit's compute dtype: float32 unless the benchmark set
     * bnb_4bit_compute_dtype (gpt-task sets none) */
    cJSON *cd = cJSON_GetObjectItemCaseSensitive(o, "compute");
    if (cd && !(r->rt == TIM_RT_TRANSFORMERS && r->bits == 4 && cJSON_IsString(cd) &&
                (!strcmp(cd->valuestring, "float16") || !strcmp(cd->valuestring, "float32"))))
        BAD("compute", "\"float16\" or \"float32\" (transformers 4bit rows only)");
    r->fp16_compute = cd && !strcmp(cd->valuestring, "float16");
    cJSON *ex = cJSON_GetObjectItemCaseSensitive(o, "excluded");
    if (ex && !(cJSON_IsString(ex) && ex->valuestring[0]))
        BAD("excluded", "the reason the row is left out (a non-empty string)");
    r->excluded = ex != NULL;
    if (parse_host(o, hs, &r->host))
        BAD("host", "the benchmark machine's name (under 48 characters, at most 32 machines), "
                    "with the evidence for it in host_source");
    if (str_of(o, "model", &model))
        BAD("model", "a model of llms.json or sd.json");
    char llms[1100], sd[1100], e2[512];
    snprintf(llms, sizeof llms, "%s/llms.json", dir);
    snprintf(sd, sizeof sd, "%s/sd.json", dir);
    int rc = memo_model_load(memo, llms, sd, model, &r->m, e2, sizeof e2);
    if (rc || (r->m.kind == TIM_SD) != (r->rt == TIM_RT_DIFFUSERS)) {
        snprintf(err, errlen, "%s: .rows[%d].model: expected a %s model: %s", path, i,
                 r->rt == TIM_RT_DIFFUSERS ? "sd.json" : "llms.json",
                 rc ? e2 : "wrong kind for the runtime");
        return -1;
    }
    if (str_of(o, "card", &card))
        BAD("card", "a card name");
    r->card = -1;
    cJSON *c;
    int k = 0;
    cJSON_ArrayForEach(c, cardjson) {
        if (k < ncards && tim_json_name_matches(c, card)) {
            r->card = k;
            break;
        }
        k++;
    }
    (void)cards;
    return r->card < 0 ? 1 : 0;
#undef BAD
}

int tim_rows_load(const char *path, const char *dir, const tim_card *cards, int ncards,
                     hosts *hs, rowset *rs, char *err, size_t errlen)
{
    memset(rs, 0, sizeof *rs);
    char cpath[1100];
    snprintf(cpath, sizeof cpath, "%s/cards.json", dir);
    cJSON *cj = rfile_json(cpath, err, errlen);
    if (!cj)
        return 2;
    cJSON *j = rfile_json(path, err, errlen), *o;
    cJSON *rows = j ? cJSON_GetObjectItemCaseSensitive(j, "rows") : NULL;
    if (j && !cJSON_IsArray(rows))
        snprintf(err, errlen, "%s: .rows: expected an array of measurements", path);
    int n = cJSON_GetArraySize(rows), rc = j && cJSON_IsArray(rows) ? 0 : 2, i = 0;
    rs->r = n > 0 ? calloc((size_t)n, sizeof *rs->r) : NULL;
    cJSON *cards_arr = cJSON_GetObjectItemCaseSensitive(cj, "cards");
    model_memo mm = {0};
    cJSON_ArrayForEach(o, rows) {
        if (!rs->r) {
            snprintf(err, errlen, "%s: out of memory", path);
            rc = 2;
            break;
        }
        int pr = parse_row(o, i++, path, dir, cards, ncards, cards_arr, hs, &mm, &rs->r[rs->n], err,
                           errlen);
        if (pr < 0) {
            rc = 2;
            break;
        }
        if (pr == 1)
            rs->skipped++;
        else
            rs->n++;
    }
    free(mm.e);
    cJSON_Delete(j);
    cJSON_Delete(cj);
    if (rc) {
        free(rs->r);
        rs->r = NULL;
    }
    return rc;
}
