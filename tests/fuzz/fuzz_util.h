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

#endif
