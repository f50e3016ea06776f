/* gpt_workload: a task file as the simulator sees it — model shape, prompt
 * size, generation length and width, weight bits — and what the timing
 * model makes of it.  No kernels run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpt/gpt.h"
#include "gpt/gpt_template.h"
#include "gpt/gpt_tok.h"

int gpt_workload_load(const char *task_path, const char *models_dir, gpt_workload *w,
                      char *err, size_t errlen)
{
    memset(w, 0, sizeof *w);
    gpt_task t;
    gpt_templates ts = {0};
    char path[1024], e[512];
    char *prompt = NULL;
    int rc = gpt_task_read(task_path, &t, err, errlen);
    if (rc)
        return rc;
    gpt_model_info mi;
    snprintf(path, sizeof path, "%s/llms.json", models_dir);
    if ((rc = gpt_model_prepare(path, &t, &mi, e, sizeof e))) {
        snprintf(err, errlen, rc == 1 ? "%s: $.model: %s" : "%s: %s", task_path, e);
        rc = 2;
        goto out;
    }
    w->cfg = mi.cfg;
    w->runnable = mi.runnable;
    snprintf(w->note, sizeof w->note, "%s", mi.note);
    snprintf(path, sizeof path, "%s/chat-templates.json", models_dir);
    rc = 2;
    if (gpt_templates_load(path, &ts, err, errlen))
        goto out;
    const gpt_template *tp = gpt_template_match(&ts, t.model);
    if (!tp) {
        snprintf(err, errlen, "%s: $.model: %s: no template matches", task_path, path);
        goto out;
    }
    if (!(prompt = gpt_template_render(tp, t.messages, t.n_messages, e, sizeof e))) {
        snprintf(err, errlen, "%s: %s", task_path, e);
        goto out;
    }
    snprintf(w->model_id, sizeof w->model_id, "%s", t.model);
    snprintf(w->llms_name, sizeof w->llms_name, "%s", w->cfg.name);
    gpt_tok_source src;
    if ((w->prompt_tokens = gpt_tok_count(models_dir, t.model, tp, prompt, &src, e, sizeof e)) < 0 ||
        /* a prompt longer than the context cannot even be read; a prompt
         * plus max_new_tokens beyond it is accepted by the framework's
         * schema, and only generation reaches the limit (the caller warns) */
        gpt_tok_check_context(w->prompt_tokens, 0, w->cfg.name, w->cfg.context,
                              e, sizeof e)) {
        snprintf(err, errlen, "%s: %s", task_path, e);
        goto out;
    }
    w->prompt_exact = src.exact;
    snprintf(w->tokenizer, sizeof w->tokenizer, "%s", src.name);
    w->max_new_tokens = mi.gen.max_new_tokens;
    w->num_beams = mi.gen.num_beams;
    w->num_sequences = mi.gen.num_return_sequences;
    w->rows = gpt_gen_rows(&mi.gen);
    w->quantize_bits = t.quantize_bits;
    w->wtype = mi.wtype;
    memset(&w->tm, 0, sizeof w->tm);
    snprintf(w->tm.name, sizeof w->tm.name, "%s", w->cfg.name);
    w->tm.kind = TIM_GPT;
    w->tm.llm = w->cfg;
    rc = 0;
out:
    free(prompt);
    gpt_templates_free(&ts);
    gpt_task_free(&t);
    return rc;
}

void gpt_workload_tim(const gpt_workload *w, tim_workload *tw)
{
    tim_workload_default(tw, TIM_GPT);
    tw->prompt_tokens = w->prompt_tokens;
    tw->max_new_tokens = w->max_new_tokens;
    /* the timing model's batch is num_beams x num_sequences rows: give it
     * the rows transformers really decodes */
    tw->num_beams = w->rows;
    tw->num_sequences = 1;
    /* priced as Helium's nodes ran it and as a scenario's task_file kind is
     * (scn_timing.c): transformers with gpt-task's CUDA_LAUNCH_BLOCKING=1,
     * the weights the task loads (bitsandbytes bits, or the dtype's) */
    tw->runtime = TIM_RT_TRANSFORMERS;
    tw->launch_blocking = 1;
    tw->bits = w->quantize_bits ? w->quantize_bits : kern_type_bits(w->wtype);
}

double gpt_workload_vram_gb(const gpt_workload *w)
{
    tim_workload tw;
    gpt_workload_tim(w, &tw);
    return tim_vram_needed_gb(&w->tm, &tw);
}

double gpt_workload_seconds(const gpt_workload *w, const tim_card *card)
{
    tim_workload tw;
    gpt_workload_tim(w, &tw);
    return tim_task_seconds(&w->tm, card, &tw);
}
