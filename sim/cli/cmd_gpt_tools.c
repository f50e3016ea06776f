/* avrami gpt prompt / add-model: the prompt a task renders to, and an
 * llms.json entry from a Hugging Face config.json. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "gpt/gpt.h"
#include "gpt/gpt_hfconfig.h"
#include "gpt/gpt_template.h"
#include "gpt/gpt_tok.h"
#include "util/datadir.h"

int cmd_gpt_prompt(int argc, char **argv)
{
    const char *task = NULL, *models = datadir_models();
    int json = 0, strict = 0;
    for (int i = 2; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--json"))
            json = 1;
        else if (!strcmp(argv[i], "--strict"))
            strict = 1;
        else if (!strcmp(argv[i], "--models") && v)
            models = argv[++i];
        else if (argv[i][0] != '-' && !task)
            task = argv[i];
        else {
            fprintf(stderr, "avrami gpt prompt: bad or incomplete option '%s'\n", argv[i]);
            return 2;
        }
    }
    if (!task) {
        fprintf(stderr, "usage: avrami gpt prompt TASK.json [--json] [--models DIR] [--strict]\n");
        return 2;
    }
    gpt_task t;
    gpt_templates ts = {0};
    char err[1024], path[1024];
    if (cmd_gpt_read_task(task, strict, &t))
        return 2;
    int rc = 2;
    char *prompt = NULL;
    snprintf(path, sizeof path, "%s/chat-templates.json", models);
    const gpt_template *tp = NULL;
    if (gpt_templates_load(path, &ts, err, sizeof err))
        fprintf(stderr, "avrami gpt: %s\n", err);
    else if (!(tp = gpt_template_match(&ts, t.model)))
        fprintf(stderr, "avrami gpt: %s: $.model: %s: no template matches\n", task, path);
    else if (!(prompt = gpt_template_render(tp, t.messages, t.n_messages, err, sizeof err)))
        fprintf(stderr, "avrami gpt: %s: %s\n", task, err);
    else
        rc = 0;
    /* the one count gpt run, gpt estimate and scenarios use */
    gpt_tok_source src;
    int n = rc ? -1 : gpt_tok_count(models, t.model, tp, prompt, &src, err, sizeof err);
    if (!rc && n < 0) {
        fprintf(stderr, "avrami gpt: %s: %s\n", task, err);
        rc = 2;
    }
    if (!rc) {
        if (json) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "prompt", prompt);
            cJSON_AddNumberToObject(o, "prompt_tokens", n);
            char *s = cJSON_PrintUnformatted(o);
            if (s)
                printf("%s\n", s);
            rc = s ? 0 : 2;
            free(s);
            cJSON_Delete(o);
        } else {
            printf("%s\n-- %d prompt tokens (%s %s; template %s)\n", prompt, n,
                   src.exact ? "exact," : "estimate,", src.name, tp->name);
        }
    }
    free(prompt);
    gpt_templates_free(&ts);
    gpt_task_free(&t);
    return rc;
}

int cmd_gpt_add_model(int argc, char **argv)
{
    const char *config = NULL, *id = NULL, *name = NULL;
    for (int i = 2; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--id") && v)
            id = argv[++i];
        else if (!strcmp(argv[i], "--name") && v)
            name = argv[++i];
        else if (argv[i][0] != '-' && !config)
            config = argv[i];
        else {
            fprintf(stderr, "avrami gpt add-model: bad or incomplete option '%s'\n", argv[i]);
            return 2;
        }
    }
    if (!config || !id) {
        fprintf(stderr, "usage: avrami gpt add-model CONFIG.json --id ORG/NAME [--name NAME]\n");
        return 2;
    }
    char err[1024];
    cJSON *e = gpt_hfconfig_entry(config, id, name, err, sizeof err);
    if (!e) {
        fprintf(stderr, "avrami gpt add-model: %s\n", err);
        return 2;
    }
    char *s = cJSON_PrintUnformatted(e);
    cJSON_Delete(e);
    if (!s) {
        fprintf(stderr, "avrami gpt add-model: out of memory\n");
        return 2;
    }
    printf("%s\n", s);
    free(s);
    return 0;
}
