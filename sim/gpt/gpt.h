/* gpt: Helium's GPT task framework (../shared/GPT_TASK.md, docs/gpt.md).
 *
 * A task is one JSON object: a Hugging Face model id, chat messages, an
 * optional generation_config, a seed, a dtype and optional INT4/INT8
 * quantization.  avrami reads it strictly (gpt_task_parse), renders the
 * prompt with the model family's chat template (gpt_template.h), tokenizes
 * it (gpt_tok.h), runs prefill and generation on the host kernels with
 * synthetic weights of the model's real shape (gpt_run), samples from the
 * seed through GSL (gpt_sample.h) and answers with the ChatGPT-style
 * response JSON.
 *
 * ---- API for the simulator -------------------------------------------------
 * Scenario workloads can point at task files without running them:
 *
 *   gpt_workload w;
 *   if (gpt_workload_load("tasks/chat.json", "models", &w, err, sizeof err))
 *       ...;                                   exit 2: err names file and path
 *   w.cfg                  the model's shape (llms.json), w.llms_name its name
 *   w.prompt_tokens        prompt tokens of the rendered template
 *                          (gpt_tok_count: exact with the model's own
 *                          tokenizer, w.prompt_exact 1, else the family's
 *                          calibrated estimate; w.tokenizer names which);
 *                          a prompt beyond the model's context is refused
 *   w.max_new_tokens, w.num_beams, w.num_sequences, w.quantize_bits
 *   w.rows                 sequences decoded side by side, as transformers
 *                          decodes them (gpt_gen_rows)
 *   gpt_workload_tim(&w, &tw)       fills a tim_workload (bits as stored:
 *                                   4.5 / 8.5 / 16 / 32; the rows as
 *                                   num_beams, num_sequences 1)
 *   gpt_workload_vram_gb(&w)        tim_vram_needed_gb for the task
 *   gpt_workload_seconds(&w, card)  tim_task_seconds on a card
 * Nothing here touches the kernels; loading a workload costs one JSON parse
 * of the task, llms.json and chat-templates.json. */
#ifndef AVRAMI_GPT_GPT_H
#define AVRAMI_GPT_GPT_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/kern_model.h"
#include "timing/tim.h"

/* sanity limits of avrami (not of the format): a task beyond them is refused */
#define GPT_MAX_BEAMS 32
#define GPT_MAX_SEQUENCES 64
#define GPT_MAX_NEW_TOKENS 1000000

typedef enum { GPT_ROLE_SYSTEM = 0, GPT_ROLE_USER, GPT_ROLE_ASSISTANT } gpt_role;

typedef struct {
    gpt_role role;
    char *content;
} gpt_message;

typedef enum {
    GPT_DTYPE_AUTO = 0,
    GPT_DTYPE_FLOAT16,
    GPT_DTYPE_BFLOAT16,
    GPT_DTYPE_FLOAT32
} gpt_dtype;

/* generation_config after defaults: max_new_tokens 256 and
 * num_return_sequences 1 (Helium's own), the rest transformers' defaults */
typedef struct {
    int max_new_tokens;
    int do_sample;
    int num_beams;
    double temperature;
    double typical_p;
    int top_k;
    double top_p;
    double repetition_penalty;
    int num_return_sequences;
} gpt_gen_config;

/* bits of gpt_task.gen_set: the generation fields the task itself set */
enum {
    GPT_GEN_MAX_NEW_TOKENS = 1 << 0,
    GPT_GEN_DO_SAMPLE = 1 << 1,
    GPT_GEN_NUM_BEAMS = 1 << 2,
    GPT_GEN_TEMPERATURE = 1 << 3,
    GPT_GEN_TYPICAL_P = 1 << 4,
    GPT_GEN_TOP_K = 1 << 5,
    GPT_GEN_TOP_P = 1 << 6,
    GPT_GEN_REPETITION_PENALTY = 1 << 7,
    GPT_GEN_NUM_RETURN_SEQUENCES = 1 << 8
};

#define GPT_TASK_MAX_WARNINGS 8

typedef struct gpt_task_s {
    char *model;
    gpt_message *messages;
    int n_messages;
    gpt_gen_config gen;
    unsigned gen_set;  /* GPT_GEN_* the task set; the rest are defaults */
    uint64_t seed;
    gpt_dtype dtype;
    int quantize_bits; /* 0 (null), 4 or 8 */
    /* what the Helium-era framework accepts silently but is likely a mistake
     * (unknown keys, repeated keys, values it coerces): "$.path: what" */
    char warning[GPT_TASK_MAX_WARNINGS][160];
    int n_warnings;    /* may exceed GPT_TASK_MAX_WARNINGS; the rest are dropped */
} gpt_task;

void gpt_gen_config_default(gpt_gen_config *g);
/* Validation with the Helium-era schema (crynux-ai/gpt-task
 * src/gpt_task/models/args.py, pydantic 2.5): required fields, types, enums,
 * per-field ranges.  What that schema accepts but is likely a mistake goes to
 * t->warning, or is an error when strict.  Combinations of generation fields
 * are checked by gpt_gen_check once the model's defaults are known.
 * 0, or 2 with err = "NAME: $.json.path: what was expected".  On error t is
 * left freed (gpt_task_free is still safe). */
int gpt_task_parse(const char *name, const char *json, size_t len, gpt_task *t, char *err,
                   size_t errlen);
int gpt_task_parse_opts(const char *name, const char *json, size_t len, int strict, gpt_task *t,
                        char *err, size_t errlen);
int gpt_task_read(const char *path, gpt_task *t, char *err, size_t errlen);
int gpt_task_read_opts(const char *path, int strict, gpt_task *t, char *err, size_t errlen);
void gpt_task_free(gpt_task *t);
const char *gpt_role_name(gpt_role r);
const char *gpt_dtype_name(gpt_dtype d);
/* greedy: no sampling and one beam */
int gpt_task_greedy(const gpt_gen_config *g);
/* The checks transformers 4.35.2 makes when it generates (GenerationMixin.
 * generate and the logits processors and warpers it builds): the generation
 * mode's sequence limits, and the sampling parameters that mode uses.
 * 0, or 2 with err = "NAME: $.generation_config.FIELD: what" (no "NAME: "
 * when name is NULL). */
int gpt_gen_check(const gpt_gen_config *g, const char *name, char *err, size_t errlen);
/* Sequences transformers 4.35.2 decodes side by side for one task: 1 greedy,
 * num_return_sequences when sampling, num_beams for beam search (it keeps
 * num_return_sequences of the beams), num_beams x num_return_sequences for
 * beam sampling (one beam search per returned sequence). */
int gpt_gen_rows(const gpt_gen_config *g);

/* Resolves a Hugging Face id (or an llms.json name) to a model shape: an
 * entry whose "name" or one of whose "ids" equals it (case-insensitive), else
 * one whose name equals the id's last path component.  Also the model's own
 * precision ("dtype" in llms.json; float32 when absent) for dtype "auto".
 * 0; 1 unknown model (err lists the file); 2 malformed file. */
int gpt_model_resolve(const char *llms_path, const char *id, kern_model_cfg *cfg,
                      gpt_dtype *native, char *err, size_t errlen);
/* Weight storage for a task: Q4_0 / Q8_0 when quantized, else by dtype;
 * "auto" is what the Helium-era framework really loads: torch_dtype None,
 * i.e. float32, unless the model's own code picks a precision (native). */
kern_type gpt_weight_type(const gpt_task *t, gpt_dtype native);

/* Everything a task needs from llms.json: the shape, the precision "auto"
 * loads, the generation config after the model's own defaults
 * (generation_config.json, and for gpt2 the text-generation task parameters
 * of config.json) fill the fields the task left unset, checked with
 * gpt_gen_check, and whether avrami's kernels can run the architecture.
 * 0; 1 unknown model (err says how to add it); 2 malformed file or a task
 * the framework refuses with this model. */
typedef struct {
    kern_model_cfg cfg;
    gpt_dtype auto_dtype;
    gpt_gen_config gen;
    kern_type wtype;
    int runnable;          /* 0: priced only (err-free; see why) */
    char why[256];         /* why not runnable, or "" */
    char note[256];        /* a warning for this model (framework version), or "" */
} gpt_model_info;
int gpt_model_prepare(const char *llms_path, const gpt_task *t, gpt_model_info *mi, char *err,
                      size_t errlen);

/* ---- running a task on the host */
typedef struct {
    const char *models_dir;     /* llms.json, chat-templates.json, tokenizer corpus */
    const char *llms_path;      /* NULL: models_dir/llms.json */
    const kern_profile *profile;
    int seed_override;          /* 1: use seed below instead of the task's */
    uint64_t seed;
    double mem_limit_gb;        /* 0: the host's available memory */
    int timing;                 /* fill the timing fields below */
} gpt_run_opts;

/* Seconds: load = weight synthesis (stands for loading a checkpoint) and
 * reading the model's tokenizer.json;
 * prefill and decode inside kern_model_forward; kernel = their sum; total
 * from the call to the response, teardown excluded.  The work outside the
 * kernels (template, tokenizer, sampling, JSON) is total - load - kernel. */
typedef struct {
    double load_s, prefill_s, decode_s, total_s, kernel_s;
    int prompt_tokens, decode_steps;    /* prompt_tokens: ids the kernels ran */
    int reported_prompt_tokens;         /* usage.prompt_tokens: gpt_tok_count */
    int prompt_exact;                   /* 1: the model's own tokenizer */
    char tokenizer[64];                 /* its name, or the estimate's family */
    double pred_prefill_s, pred_decode_s; /* from host.json; 0 when not calibrated */
    int predicted;
} gpt_run_stats;

/* Runs the task; *response gets the response JSON text (malloc'd, caller
 * frees).  0; 2 with err for a task this host or avrami refuses (unknown
 * model, template rejects the messages, too long for the context, does not
 * fit in memory: err says what it needs and a hint). */
int gpt_run(const gpt_task *t, const gpt_run_opts *o, char **response, gpt_run_stats *st,
            char *err, size_t errlen);

/* Host memory a run needs, bytes: weights as stored, KV caches for every
 * slot, scratch. */
double gpt_host_bytes(const kern_model_cfg *c, kern_type wt, int max_seq, int slots,
                      int prompt_tokens);

/* ---- the simulator's view of a task file (see the top of this file) */
typedef struct {
    char model_id[256];
    char llms_name[64];
    kern_model_cfg cfg;
    tim_model tm;
    int prompt_tokens;
    int prompt_exact;           /* 1: the model's own tokenizer; 0: estimate */
    char tokenizer[64];         /* its name in models/tokenizers/index.json */
    int max_new_tokens, num_beams, num_sequences, quantize_bits;
    int rows;       /* sequences decoded side by side (gpt_gen_rows) */
    kern_type wtype;
    int runnable;   /* 0: avrami prices the model but cannot run it */
    char note[256]; /* a warning about the model (framework version), or "" */
} gpt_workload;

int gpt_workload_load(const char *task_path, const char *models_dir, gpt_workload *w,
                      char *err, size_t errlen);
void gpt_workload_tim(const gpt_workload *w, tim_workload *tw);
double gpt_workload_vram_gb(const gpt_workload *w);
double gpt_workload_seconds(const gpt_workload *w, const tim_card *card);

#endif
