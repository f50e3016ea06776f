/* libFuzzer target: the GPT task parser and, for tasks it accepts, the chat
 * template rendering, the tokenizers and the prompt count.  A crash, a sanitizer report, a leak
 * or a hang is a bug: a malformed task must only ever be an error message. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "gpt/gpt.h"
#include "gpt/gpt_template.h"
#include "gpt/gpt_tok.h"

static gpt_templates TS;
static gpt_tok TOK;
static int ready;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    if (!ready) {
        if (gpt_templates_load("models/chat-templates.json", &TS, err, sizeof err) ||
            gpt_tok_load(&TOK, "models/tokenizer-corpus.txt", &TS, err, sizeof err))
            abort(); /* run from the repository root */
        ready = 1;
    }
    gpt_task t;
    if (gpt_task_parse("fuzz.json", (const char *)data, size, &t, err, sizeof err) == 0) {
        const gpt_template *tp = gpt_template_match(&TS, t.model);
        char *prompt = tp ? gpt_template_render(tp, t.messages, t.n_messages, err, sizeof err) : NULL;
        if (prompt) {
            int *ids = NULL, n = gpt_tok_encode(&TOK, prompt, tp->special, tp->n_special, &ids);
            char *back = n >= 0 ? gpt_tok_decode(&TOK, ids, n) : NULL;
            (void)gpt_tok_count("models", t.model, tp, prompt, NULL, err, sizeof err);
            /* the real tokenizers on the raw text too (any bytes, any model) */
            (void)gpt_tok_count("models", "gpt2", NULL, prompt, NULL, err, sizeof err);
            (void)gpt_tok_count("models", "Qwen/Qwen2.5-7B", NULL, prompt, NULL, err, sizeof err);
            free(back);
            free(ids);
            free(prompt);
        }
    }
    gpt_task_free(&t);
    return 0;
}
