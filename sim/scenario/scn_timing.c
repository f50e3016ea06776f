/* The scenario's "timing" section and the parts of task kinds that only the
 * calibrated timing model reads (see docs/scenarios.md).
 *
 * With "model": "calibrated" every task kind's model must have an entry in
 * llms.json (gpt) or sd.json (sd), so that task times, model file sizes and VRAM needs come from
 * the timing model instead of the scenario's guesses.  Keys of one model are
 * refused under the other: a key that would be silently ignored is a typo
 * waiting to happen. */
#include "scenario/scn_timing.h"

#include "gpt/gpt.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const CALIBRATED_KEYS[] = {"prompt_tokens", "num_beams", "num_sequences", "bits",
                                              "steps", "width", "height", "task_file", NULL};
/* what a GPT task file decides for itself */
static const char *const TASK_FILE_KEYS[] = {"model", "prompt_tokens", "num_beams", "num_sequences", "bits",
                                             "size_min", "size_max", NULL};
static const char *const PARAMETRIC_KEYS[] = {"exec_base_s", "exec_per_unit_s", NULL};

/* models_dir as given, else relative to the scenario's directory or its
 * parent (where scenarios/ sits beside models/). */
static bool resolve_models_dir(pctx *c, const char *path, scn *s)
{
    char dir[sizeof s->models_dir];
    if (!scnj_find_relative(c, s->models_dir, "/cards.json", dir, sizeof dir))
        return scnj_fail(c, path, "expected a directory holding cards.json, llms.json and sd.json, got \"%s\" "
                         "(tried %s)", s->models_dir, scnj_tried());
    memcpy(s->models_dir, dir, sizeof dir);
    return true;
}

bool scn_timing_parse(pctx *c, const cJSON *root, scn *s)
{
    static const char *const tk[] = {"model", "noise_sigma", "overhead_s", "disk_gbs", "models_dir", "runtime",
                                     "h2d_gbs", NULL};
    char p[PATH_MAX_LEN], mp[PATH_MAX_LEN], model[SCN_NAME_MAX];
    const cJSON *o;
    if (!scnj_obj(c, root, "$", "timing", tk, &o, p))
        return false;
    if (!o)
        o = &SCNJ_EMPTY;
    scnj_sub(mp, p, "model");
    if (!scnj_str(c, o, p, "model", "parametric", model, sizeof model))
        return false;
    if (!strcmp(model, "parametric"))
        s->timing_model = SCN_TIMING_PARAMETRIC;
    else if (!strcmp(model, "calibrated"))
        s->timing_model = SCN_TIMING_CALIBRATED;
    else
        return scnj_fail(c, mp, "expected \"parametric\" or \"calibrated\", got \"%s\"", model);
    if (!scnj_num(c, o, p, "noise_sigma", 0, 3, 0.1, &s->noise_sigma))
        return false;
    if (s->timing_model == SCN_TIMING_PARAMETRIC) {
        for (const char *const *k = tk + 2; *k; k++)
            if (cJSON_GetObjectItemCaseSensitive(o, *k)) {
                char kp[PATH_MAX_LEN];
                scnj_sub(kp, p, *k);
                return scnj_fail(c, kp, "expected only with \"model\": \"calibrated\"");
            }
        return true;
    }
    char dp[PATH_MAX_LEN], rp[PATH_MAX_LEN], rt[32];
    scnj_sub(dp, p, "models_dir");
    scnj_sub(rp, p, "runtime");
    /* Helium nodes ran gpt tasks through gpt-task on transformers, on NVIDIA
     * (CUDA) and Mac (MPS) alike: crynux-ai/crynux-node @ a0da144 (2024-03-20)
     * pins the gpt-task submodule at 0d0794e, whose requirements_cuda.txt and
     * requirements_macos.txt install torch 2.1.0, transformers 4.35.2 and
     * bitsandbytes 0.41.3, and build/macos/build.sh installs the same package
     * on Macs; sd tasks run stable-diffusion-task (diffusers 0.21.2) */
    tim_runtime r;
    if (!scnj_str(c, o, p, "runtime", "transformers", rt, sizeof rt))
        return false;
    if (tim_runtime_parse(rt, &r) || r == TIM_RT_DIFFUSERS)
        return scnj_fail(c, rp, "expected \"transformers\" or \"llama.cpp\", got \"%s\"", rt);
    s->timing_runtime = (int)r;
    return scnj_num(c, o, p, "overhead_s", 0, 3600, 1.0, &s->timing_overhead_s) &&
           scnj_num(c, o, p, "disk_gbs", 0.001, 1000, 1.0, &s->disk_gbs) &&
           scnj_num(c, o, p, "h2d_gbs", 0.001, 1000, TIM_H2D_GBS_PCIE4_X16, &s->h2d_gbs) &&
           scnj_str(c, o, p, "models_dir", "models", s->models_dir, sizeof s->models_dir) &&
           resolve_models_dir(c, dp, s);
}

static bool refuse_keys(pctx *c, const cJSON *o, const char *p, const char *const *keys, const char *why)
{
    for (const char *const *k = keys; *k; k++)
        if (cJSON_GetObjectItemCaseSensitive(o, *k)) {
            char kp[PATH_MAX_LEN];
            scnj_sub(kp, p, *k);
            return scnj_fail(c, kp, "expected only %s", why);
        }
    return true;
}

void scn_timing_workload(const scn *s, const scn_task_kind *k, uint32_t size, bool resident,
                         tim_workload *w)
{
    bool sd = k->type == PROTO_SD;
    tim_workload_default(w, sd ? TIM_SD : TIM_GPT);
    w->prompt_tokens = (int)k->prompt_tokens;
    w->max_new_tokens = sd ? 0 : (int)size;
    w->num_beams = (int)k->num_beams;
    w->num_sequences = (int)k->num_sequences;
    w->runtime = sd ? TIM_RT_DIFFUSERS : (tim_runtime)s->timing_runtime;
    /* gpt-task sets CUDA_LAUNCH_BLOCKING=1 (src/gpt_task/inference/utils.py
     * @ 0d0794e, use_deterministic_mode) */
    w->launch_blocking = w->runtime == TIM_RT_TRANSFORMERS;
    /* nodes ran gpt-task and stable-diffusion-task: device_map="auto" and
     * their out-of-memory failures (llama.cpp is a what-if runtime) */
    w->as_frameworks = w->runtime != TIM_RT_LLAMACPP;
    if (w->runtime == TIM_RT_LLAMACPP) /* GGUF block scales ride along */
        w->bits = k->bits == 4 ? 4.5 : k->bits == 8 ? 8.5 : k->bits;
    else
        w->bits = k->bits;
    w->steps = (int)k->steps;
    w->width = (int)k->width;
    w->height = (int)k->height;
    w->images = sd ? (int)size : 1;
    w->cached = 1; /* the simulator downloads into its own model cache */
    w->resident = resident;
    w->disk_gbs = s->disk_gbs;
    w->h2d_gbs = s->h2d_gbs;
    w->overhead_s = s->timing_overhead_s;
}

static bool derive_sizes(const cJSON *o, const scn *s, scn_task_kind *k);

/* A task kind given by a GPT task file (GPT_TASK.md): the model, prompt
 * (rendered with its chat template, tokens estimated), generation length,
 * beams, sequences and weight type come from the task. */
static bool from_task_file(pctx *c, const cJSON *o, const char *p, const scn *s, scn_task_kind *k)
{
    char fp[PATH_MAX_LEN], name[512], resolved[1100], err[1024];
    scnj_sub(fp, p, "task_file");
    if (!scnj_str(c, o, p, "task_file", NULL, name, sizeof name))
        return false;
    if (k->type != PROTO_GPT)
        return scnj_fail(c, fp, "expected only in a gpt task kind");
    if (!refuse_keys(c, o, p, TASK_FILE_KEYS, "without task_file (the task file sets it)"))
        return false;
    if (!scnj_find_relative(c, name, "", resolved, sizeof resolved))
        return scnj_fail(c, fp, "expected a readable GPT task file, got \"%s\" (tried %s)", name, scnj_tried());
    gpt_workload w;
    if (gpt_workload_load(resolved, s->models_dir, &w, err, sizeof err))
        return scnj_fail(c, fp, "expected a valid GPT task: %s", err);
    snprintf(k->model, sizeof k->model, "%s", w.llms_name);
    k->timing = w.tm;
    k->prompt_tokens = (uint32_t)w.prompt_tokens;
    k->num_beams = (uint32_t)w.rows; /* the rows transformers decodes (gpt_gen_rows) */
    k->num_sequences = 1;
    k->bits = w.quantize_bits ? (uint32_t)w.quantize_bits : (uint32_t)kern_type_bits(w.wtype);
    k->size_min = k->size_max = (uint32_t)w.max_new_tokens;
    return true;
}

bool scn_timing_kind(pctx *c, const cJSON *o, const char *p, const scn *s, scn_task_kind *k)
{
    if (s->timing_model != SCN_TIMING_CALIBRATED)
        return refuse_keys(c, o, p, CALIBRATED_KEYS, "with timing.model \"calibrated\"");
    if (!refuse_keys(c, o, p, PARAMETRIC_KEYS, "with timing.model \"parametric\""))
        return false;
    if (cJSON_GetObjectItemCaseSensitive(o, "task_file")) {
        if (!from_task_file(c, o, p, s, k))
            return false;
        return derive_sizes(o, s, k);
    }
    char llms[1100], sdf[1100], err[512], mp[PATH_MAX_LEN];
    snprintf(llms, sizeof llms, "%s/llms.json", s->models_dir);
    snprintf(sdf, sizeof sdf, "%s/sd.json", s->models_dir);
    scnj_sub(mp, p, "model");
    int rc = tim_model_load(llms, sdf, k->model, &k->timing, err, sizeof err);
    if (rc == 2)
        return scnj_fail(c, mp, "expected readable model data: %s", err);
    bool sd = k->type == PROTO_SD;
    if (rc == 1 || (k->timing.kind == TIM_SD) != sd)
        return scnj_fail(c, mp, "expected a%s model from %s (timing.model is \"calibrated\"), got \"%s\"",
                         sd ? "n sd" : " gpt", sd ? sdf : llms, k->model);
    uint32_t native = sd ? (uint32_t)k->timing.sd_native : 512;
    if (!scnj_u32(c, o, p, "prompt_tokens", 0, 1u << 20, 128, &k->prompt_tokens) ||
        !scnj_u32(c, o, p, "num_beams", 1, 64, 1, &k->num_beams) ||
        !scnj_u32(c, o, p, "num_sequences", 1, 64, 1, &k->num_sequences) ||
        !scnj_u32(c, o, p, "bits", 4, 32, 16, &k->bits) ||
        !scnj_u32(c, o, p, "steps", 1, 1000, 25, &k->steps) ||
        !scnj_u32(c, o, p, "width", 64, 8192, native, &k->width) ||
        !scnj_u32(c, o, p, "height", 64, 8192, native, &k->height))
        return false;
    bool tf = s->timing_runtime == TIM_RT_TRANSFORMERS;
    if (k->bits != 4 && k->bits != 8 && k->bits != 16 && !(tf && k->bits == 32)) {
        char bp[PATH_MAX_LEN];
        scnj_sub(bp, p, "bits");
        return scnj_fail(c, bp, tf ? "expected 4 (bitsandbytes 4-bit), 8 (LLM.int8), 16 or 32, got %u"
                                   : "expected 4 (Q4_0), 8 (Q8_0) or 16, got %u", k->bits);
    }
    if (sd && (cJSON_GetObjectItemCaseSensitive(o, "prompt_tokens") ||
               cJSON_GetObjectItemCaseSensitive(o, "num_beams") ||
               cJSON_GetObjectItemCaseSensitive(o, "num_sequences") ||
               cJSON_GetObjectItemCaseSensitive(o, "bits")))
        return scnj_fail(c, p, "expected no gpt workload keys (prompt_tokens, num_beams, num_sequences, bits) in an sd task");
    if (!sd && (cJSON_GetObjectItemCaseSensitive(o, "steps") || cJSON_GetObjectItemCaseSensitive(o, "width") ||
                cJSON_GetObjectItemCaseSensitive(o, "height")))
        return scnj_fail(c, p, "expected no sd workload keys (steps, width, height) in a gpt task");
    return derive_sizes(o, s, k);
}

/* What the model itself decides, unless the scenario says otherwise: the
 * file a node downloads, and the VRAM of the largest task. */
static bool derive_sizes(const cJSON *o, const scn *s, scn_task_kind *k)
{
    bool sd = k->type == PROTO_SD;
    tim_workload w;
    scn_timing_workload(s, k, k->size_max, false, &w);
    if (!cJSON_GetObjectItemCaseSensitive(o, "model_size_mb"))
        k->model_size_mb = (sd ? k->timing.sd_params * 2.0 : tim_file_bytes(&k->timing, &w)) / 1e6;
    if (!cJSON_GetObjectItemCaseSensitive(o, "vram_gb"))
        k->vram_gb = (uint32_t)ceil(tim_vram_needed_gb(&k->timing, &w));
    return true;
}
