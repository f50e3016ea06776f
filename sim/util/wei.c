#include "util/wei.h"

#include <stdio.h>
#include <stdlib.h>

bool wei_parse(const char *s, wei_t *out)
{
    wei_t v = 0;
    if (!s || !*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        if (!wei_mul(v, 10, &v) || !wei_add(v, (wei_t)(*s - '0'), &v))
            return false;
    }
    *out = v;
    return true;
}

char *wei_format(wei_t v, char *buf)
{
    char tmp[WEI_STR_MAX];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
    return buf;
}

char *wei_format_diff(wei_t plus, wei_t minus, char *buf)
{
    if (plus >= minus)
        return wei_format(plus - minus, buf);
    buf[0] = '-';
    wei_format(minus - plus, buf + 1);
    return buf;
}

void wei_overflow_exit(const char *what)
{
    fprintf(stderr, "avrami: %s overflows 128 bits of wei\n", what);
    exit(2);
}
