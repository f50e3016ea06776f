/* Helpers shared by the libFuzzer targets: inputs that readers take by file
 * name are written to a per-process temporary file first. */
#ifndef AVRAMI_FUZZ_UTIL_H
#define AVRAMI_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

/* Writes data to /tmp/avrami-fuzz-PID.SUFFIX and returns that name (static). */
static inline const char *fuzz_file(const uint8_t *data, size_t size, const char *suffix)
{
    static char path[4][128];
    static int next;
    char *p = path[next++ & 3];
    snprintf(p, sizeof path[0], "/tmp/avrami-fuzz-%d.%s", (int)getpid(), suffix);
    FILE *f = fopen(p, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
    return p;
}

/* data as a NUL-terminated string (malloc'd) */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
    char *t = malloc(size + 1);
    memcpy(t, data, size);
    t[size] = 0;
    return t;
}

/* The cards the fuzzed scenarios name (RTX 4090, 4070, 3060), taken from
 * models/cards.json into a file where no validation/fit.json lies beside
 * it, so a scenario naming it as cards_file reads a few card specs without
 * fitting them to the measurements (tim_card_load_all).  Reading and
 * fitting the whole catalogue is what fuzz_data exercises; here it would
 * cost the other targets nearly all of their executions.  Returns the
 * file's name (static); run from the repository root. */
static inline const char *fuzz_cards_copy(void)
{
    static char path[128];
    if (path[0])
        return path;
    FILE *in = fopen("models/cards.json", "rb");
    if (!in)
        abort();
    char *text = NULL;
    size_t cap = 0, len = 0, n;
    do {
        if (len + 65536 > cap && !(text = realloc(text, cap = len + 65536 + 1)))
            abort();
        n = fread(text + len, 1, 65536, in);
        len += n;
    } while (n > 0);
    fclose(in);
    text[len] = 0;
    cJSON *root = cJSON_Parse(text), *cards = cJSON_GetObjectItem(root, "cards"), *c = NULL;
    free(text);
    if (!cards)
        abort();
    cJSON *keep = cJSON_CreateArray();
    cJSON_ArrayForEach(c, cards) {
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(c, "name"));
        if (name && (strstr(name, "4090") || strstr(name, "4070") || strstr(name, "3060")))
            cJSON_AddItemToArray(keep, cJSON_Duplicate(c, 1));
    }
    cJSON_ReplaceItemInObject(root, "cards", keep);
    char *out_text = cJSON_Print(root);
    snprintf(path, sizeof path, "/tmp/avrami-fuzz-%d-cards.json", (int)getpid());
    FILE *out = fopen(path, "wb");
    if (!out_text || !out || fputs(out_text, out) < 0 || fclose(out) != 0)
        abort();
    free(out_text);
    cJSON_Delete(root);
    return path;
}

#endif
