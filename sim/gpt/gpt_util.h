/* gpt_util: small helpers shared inside sim/gpt/: a growable byte buffer and
 * whole-file reading.  Internal to gpt/. */
#ifndef AVRAMI_GPT_GPT_UTIL_H
#define AVRAMI_GPT_GPT_UTIL_H

#include <stddef.h>

#include <cjson/cJSON.h>

typedef struct {
    char *s;    /* NUL-terminated while ok */
    size_t n, cap;
    int oom;    /* a failed allocation: s stays valid but the text is short */
} gpt_buf;

void gpt_buf_add(gpt_buf *b, const char *s, size_t n);
void gpt_buf_puts(gpt_buf *b, const char *s);
/* Hands the text over (NULL after a failed allocation) and resets b. */
char *gpt_buf_take(gpt_buf *b);
void gpt_buf_free(gpt_buf *b);

/* Monotonic clock, seconds. */
double gpt_now(void);

#endif
