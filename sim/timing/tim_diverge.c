/* tim_diverge: how long two numerics profiles ("card models") agree.
 *
 * The same synthetic model and prompt are decoded greedily under profile A
 * and profile B; the count of tokens before the first differing token is
 * recorded for every prompt and profile pair.  This is the data behind how
 * often honest nodes with different GPUs disagree on a gpt task. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timing/tim.h"
#include "util/afile.h"

static int cmpi(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

int tim_divergence(const char *llms, const char *model, kern_type t, int prompts, int tokens,
                   const char *out)
{
    char err[512];
    kern_model_cfg c;
    kern_model m;
    if (kern_model_cfg_load(llms, model, &c, err, sizeof err)) {
        fprintf(stderr, "avrami timing --divergence: %s\n", err);
        return 2;
    }
    enum { PL = 8 };
    if (kern_model_init(&m, &c, t, PL + tokens + 1, 1, NULL)) {
        fprintf(stderr, "avrami timing --divergence: out of memory for %s\n", c.name);
        return 2;
    }
    int *ga = malloc((size_t)tokens * sizeof *ga), *gb = malloc((size_t)tokens * sizeof *gb);
    int *first = malloc((size_t)prompts * sizeof *first);
    cJSON *root = cJSON_CreateObject(), *pairs = NULL;
    cJSON_AddStringToObject(root, "about",
                            "Greedy decoding of one synthetic model under two numerics profiles: "
                            "tokens generated before the first token that differs, per prompt "
                            "(equal to 'tokens' when the runs never diverged). Written by avrami "
                            "timing --divergence.");
    cJSON_AddStringToObject(root, "model", c.name);
    cJSON_AddStringToObject(root, "weights", kern_type_name(t));
    cJSON_AddNumberToObject(root, "prompt_tokens", PL);
    cJSON_AddNumberToObject(root, "tokens", tokens);
    pairs = cJSON_AddArrayToObject(root, "pairs");
    printf("%-14s %-14s %8s %8s %10s\n", "profile A", "profile B", "median", "mean", "diverged");
    for (int pb = 1; pb < kern_nprofiles; pb++) {
        double sum = 0;
        int div = 0;
        for (int pr = 0; pr < prompts; pr++) {
            int prompt[PL];
            unsigned s = 2654435761u * (unsigned)(pr + 1);
            for (int i = 0; i < PL; i++) {
                s = s * 1664525u + 1013904223u;
                prompt[i] = (int)(s >> 8) % c.vocab;
            }
            m.profile = &kern_profiles[0];
            kern_model_generate(&m, prompt, PL, tokens, ga);
            m.profile = &kern_profiles[pb];
            kern_model_generate(&m, prompt, PL, tokens, gb);
            int f = 0;
            while (f < tokens && ga[f] == gb[f])
                f++;
            first[pr] = f;
            sum += f;
            div += f < tokens;
        }
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "a", kern_profiles[0].name);
        cJSON_AddStringToObject(o, "b", kern_profiles[pb].name);
        cJSON_AddItemToObject(o, "first_divergence", cJSON_CreateIntArray(first, prompts));
        qsort(first, (size_t)prompts, sizeof *first, cmpi);
        double med = prompts % 2 ? first[prompts / 2] : 0.5 * (first[prompts / 2 - 1] + first[prompts / 2]);
        cJSON_AddNumberToObject(o, "median", med);
        cJSON_AddNumberToObject(o, "mean", sum / prompts);
        cJSON_AddNumberToObject(o, "diverged_fraction", (double)div / prompts);
        cJSON_AddItemToArray(pairs, o);
        printf("%-14s %-14s %8.1f %8.1f %9.0f%%\n", kern_profiles[0].name, kern_profiles[pb].name,
               med, sum / prompts, 100.0 * div / prompts);
    }
    int rc = 0;
    if (out) {
        char *txt = cJSON_Print(root);
        if (!txt || !afile_write_text(out, txt)) {
            fprintf(stderr, "avrami timing --divergence: %s: cannot write the file\n", out);
            rc = 2;
        }
        free(txt);
    }
    cJSON_Delete(root);
    free(ga), free(gb), free(first);
    kern_model_free(&m);
    return rc;
}
