/* gpt_template: chat templates as data (models/chat-templates.json), matched
 * from the model id, rendered with each family's handling of system messages
 * (native, folded into the first user message, or refused). */
#ifndef AVRAMI_GPT_GPT_TEMPLATE_H
#define AVRAMI_GPT_GPT_TEMPLATE_H

#include <stddef.h>

#include "gpt/gpt.h"

typedef enum { GPT_SYS_NATIVE = 0, GPT_SYS_FOLD, GPT_SYS_REJECT } gpt_sys_mode;

typedef struct {
    char *name, *source;
    char **match;
    int n_match;
    char *bos, *generation, *eos;
    char *prefix[3], *suffix[3];    /* per gpt_role */
    gpt_sys_mode system;
    char *fold_prefix, *fold_suffix;
    char *default_system;           /* NULL: none */
    char *join;                     /* non-NULL: plain join with this separator */
    int alternate, trim;
    int generation_after_assistant; /* 0: no generation prompt after a final assistant turn */
    char **special;                 /* single tokens of the family's tokenizer */
    int n_special;
} gpt_template;

typedef struct {
    gpt_template *t;
    int n;
} gpt_templates;

/* 0, or 2 with err naming the file and JSON path. */
int gpt_templates_load(const char *path, gpt_templates *ts, char *err, size_t errlen);
void gpt_templates_free(gpt_templates *ts);
/* First template whose glob matches the id (case-insensitive); NULL if none. */
const gpt_template *gpt_template_match(const gpt_templates *ts, const char *model_id);
const gpt_template *gpt_template_find(const gpt_templates *ts, const char *name);
/* The prompt text (malloc'd), or NULL with err saying which message the
 * family refuses and why. */
char *gpt_template_render(const gpt_template *t, const gpt_message *m, int n, char *err,
                          size_t errlen);

#endif
