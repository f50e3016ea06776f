/* gpt_util: growable buffer and file reading for sim/gpt/. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gpt/gpt_util.h"
#include "util/rfile.h"

void gpt_buf_add(gpt_buf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *g = realloc(b->s, cap);
        if (!g) {
            b->oom = 1;
            return;
        }
        b->s = g;
        b->cap = cap;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = 0;
}

void gpt_buf_puts(gpt_buf *b, const char *s)
{
    gpt_buf_add(b, s, strlen(s));
}

char *gpt_buf_take(gpt_buf *b)
{
    gpt_buf_add(b, "", 0); /* an empty text still gets its buffer */
    char *s = b->oom ? NULL : b->s;
    if (b->oom)
        free(b->s);
    memset(b, 0, sizeof *b);
    return s;
}

void gpt_buf_free(gpt_buf *b)
{
    free(b->s);
    memset(b, 0, sizeof *b);
}

double gpt_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
