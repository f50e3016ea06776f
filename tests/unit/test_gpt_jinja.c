/* Chat templates against Jinja: every conversation of
 * tests/gpt/templates/cases.json rendered by avrami (models/chat-templates.json,
 * matched from the model id) must equal, byte for byte, what Jinja2 renders
 * from the model's published template (tests/gpt/templates/expected.json,
 * written by scripts/render-chat-templates.py as transformers 4.35.2 renders),
 * and a conversation the template refuses (raise_exception) must be refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gpt/gpt.h"
#include "gpt/gpt_template.h"
#include "gpt/gpt_util.h"
#include "util/rfile.h"

#define DIR "tests/gpt/templates"

/* the messages of a case, NULL when the file has none of that name */
static gpt_message *case_messages(const cJSON *cases, const char *name, int *n)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, cases) {
        const cJSON *nm = cJSON_GetObjectItemCaseSensitive(c, "name"),
                    *ms = cJSON_GetObjectItemCaseSensitive(c, "messages"), *m;
        if (!cJSON_IsString(nm) || strcmp(nm->valuestring, name))
            continue;
        *n = cJSON_GetArraySize(ms);
        gpt_message *out = calloc((size_t)*n + 1, sizeof *out);
        int i = 0;
        cJSON_ArrayForEach(m, ms) {
            const char *r = cJSON_GetObjectItemCaseSensitive(m, "role")->valuestring;
            out[i].role = !strcmp(r, "system") ? GPT_ROLE_SYSTEM
                          : !strcmp(r, "user") ? GPT_ROLE_USER
                                               : GPT_ROLE_ASSISTANT;
            out[i].content = cJSON_GetObjectItemCaseSensitive(m, "content")->valuestring;
            i++;
        }
        return out;
    }
    return NULL;
}

static void test_templates_match_jinja(void **state)
{
    (void)state;
    char err[512];
    gpt_templates ts;
    assert_int_equal(gpt_templates_load("models/chat-templates.json", &ts, err, sizeof err), 0);
    cJSON *exp = rfile_json(DIR "/expected.json", err, sizeof err),
          *cases = rfile_json(DIR "/cases.json", err, sizeof err);
    assert_non_null(exp);
    assert_non_null(cases);
    const cJSON *r, *cs = cJSON_GetObjectItemCaseSensitive(cases, "cases");
    int same = 0, differ = 0;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(exp, "renders")) {
        const char *model = cJSON_GetObjectItemCaseSensitive(r, "model")->valuestring,
                   *cname = cJSON_GetObjectItemCaseSensitive(r, "case")->valuestring;
        const cJSON *want = cJSON_GetObjectItemCaseSensitive(r, "prompt");
        int n = 0;
        gpt_message *m = case_messages(cs, cname, &n);
        assert_non_null(m);
        const gpt_template *t = gpt_template_match(&ts, model);
        assert_non_null(t);
        char *got = gpt_template_render(t, m, n, err, sizeof err);
        int ok = want ? got && !strcmp(got, want->valuestring) : got == NULL;
        if (ok) {
            same++;
        } else {
            differ++;
            print_message("differs: %s / %s (template %s)\n  jinja: %s\n  avrami: %s\n", model,
                          cname, t->name, want ? want->valuestring : "(refused)",
                          got ? got : err);
        }
        free(got);
        free(m);
    }
    print_message("chat templates vs Jinja: %d identical, %d differing\n", same, differ);
    assert_true(same > 0);
    assert_int_equal(differ, 0);
    cJSON_Delete(exp);
    cJSON_Delete(cases);
    gpt_templates_free(&ts);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_templates_match_jinja)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
