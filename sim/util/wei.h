/* Token amounts in wei as unsigned 128-bit integers.
 *
 * The contracts use uint256; every amount the Helium network can hold
 * (total supply ~1e27 wei) fits in 128 bits with room for fee × points
 * products.  Any operation that would leave 128 bits is reported, never
 * wrapped: callers turn it into the contract's Panic(0x11). */
#ifndef AVRAMI_UTIL_WEI_H
#define AVRAMI_UTIL_WEI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef unsigned __int128 wei_t;

#define WEI_MAX (~(wei_t)0)

/* Account balances wherever their owner keeps them: balance a at
 * base[a * stride].  The protocol model keeps each beside the account's
 * other hot fields (stride above 1); the models it hosts (vss, relay_net)
 * read and write them through this view. */
typedef struct wei_view {
    wei_t *base;
    uint32_t stride; /* in wei_t */
} wei_view;
static inline wei_t *wei_at(wei_view v, uint32_t a) { return v.base + (size_t)a * v.stride; }
#define WEI_STR_MAX 40 /* 39 digits of 2^128-1 plus NUL */

/* Parses a non-empty string of decimal digits.  Returns false on any other
 * character or on overflow of 128 bits. */
bool wei_parse(const char *s, wei_t *out);

/* Writes the decimal form into buf (at least WEI_STR_MAX bytes); returns buf. */
char *wei_format(wei_t v, char *buf);
/* The signed decimal form of plus − minus (a '-' when minus is larger) into
 * buf (at least WEI_STR_MAX + 1 bytes); returns buf. */
char *wei_format_diff(wei_t plus, wei_t minus, char *buf);

static inline bool wei_add(wei_t a, wei_t b, wei_t *out)
{
    *out = a + b;
    return *out >= a;
}

/* Ends the program: `what`, a running total, overflowed 128 bits. */
_Noreturn void wei_overflow_exit(const char *what) __attribute__((cold));

/* acc += v for a running total that the protocol's own checked arithmetic
 * already bounds (incomes, escrow mirrors, supply): an overflow there is a
 * bug, so it ends the program with a message naming the total.  Inline:
 * it sits on the per-payment paths. */
static inline void wei_accumulate(wei_t *acc, wei_t v, const char *what)
{
    if (!wei_add(*acc, v, acc))
        wei_overflow_exit(what);
}

static inline bool wei_sub(wei_t a, wei_t b, wei_t *out)
{
    if (b > a)
        return false;
    *out = a - b;
    return true;
}

static inline bool wei_mul(wei_t a, wei_t b, wei_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}

#endif
