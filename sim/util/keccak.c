/* Keccak-f[1600] and the Keccak-256 sponge (rate 136 bytes), written from the
 * Keccak reference specification.  Little-endian lanes. */
#include <string.h>

#include "util/keccak.h"

static const uint64_t RC[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};
/* rho and pi combined: walking the lanes in pi order from lane 1, each lane
 * moves to PI_LANE[i] rotated by RHO_ROT[i] (the triangular numbers mod 64). */
static const uint8_t PI_LANE[24] = {10, 7,  11, 17, 18, 3, 5,  16, 8,  21, 24, 4,
                                    15, 23, 19, 13, 12, 2, 20, 14, 22, 9,  6,  1};
static const uint8_t RHO_ROT[24] = {1,  3,  6,  10, 15, 21, 28, 36, 45, 55, 2,  14,
                                    27, 41, 56, 8,  25, 43, 62, 18, 39, 61, 20, 44};

static inline uint64_t rol(uint64_t v, unsigned n) { return (v << n) | (v >> (64 - n)); }

/* The loops over x have constant trip counts; unrolled, every `% 5` index is
 * a constant and the permutation runs ~2x faster. */
static void keccak_f(uint64_t a[25])
{
    for (int round = 0; round < 24; round++) {
        uint64_t c[5], d[5], t;
#pragma GCC unroll 5
        for (int x = 0; x < 5; x++) /* theta */
            c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
#pragma GCC unroll 5
        for (int x = 0; x < 5; x++)
            d[x] = c[(x + 4) % 5] ^ rol(c[(x + 1) % 5], 1);
#pragma GCC unroll 25
        for (int i = 0; i < 25; i++)
            a[i] ^= d[i % 5];
        t = a[1]; /* rho and pi */
#pragma GCC unroll 24
        for (int i = 0; i < 24; i++) {
            int j = PI_LANE[i];
            uint64_t next = a[j];
            a[j] = rol(t, RHO_ROT[i]);
            t = next;
        }
#pragma GCC unroll 5
        for (int y = 0; y < 25; y += 5) { /* chi */
#pragma GCC unroll 5
            for (int x = 0; x < 5; x++)
                c[x] = a[y + x];
#pragma GCC unroll 5
            for (int x = 0; x < 5; x++)
                a[y + x] = c[x] ^ (~c[(x + 1) % 5] & c[(x + 2) % 5]);
        }
        a[0] ^= RC[round]; /* iota */
    }
}

enum { RATE = 136 };

struct sponge {
    uint64_t a[25];
    uint8_t buf[RATE];
    size_t n;
};

static void absorb_block(struct sponge *s)
{
    for (int i = 0; i < RATE / 8; i++) {
        uint64_t lane = 0;
        for (int k = 7; k >= 0; k--)
            lane = (lane << 8) | s->buf[8 * i + k];
        s->a[i] ^= lane;
    }
    keccak_f(s->a);
    s->n = 0;
}

static void absorb(struct sponge *s, const uint8_t *p, size_t len)
{
    while (len) {
        size_t take = RATE - s->n < len ? RATE - s->n : len;
        memcpy(s->buf + s->n, p, take);
        s->n += take;
        p += take;
        len -= take;
        if (s->n == RATE)
            absorb_block(s);
    }
}

static void finish(struct sponge *s, uint8_t out[32])
{
    memset(s->buf + s->n, 0, RATE - s->n);
    s->buf[s->n] ^= 0x01;
    s->buf[RATE - 1] ^= 0x80;
    absorb_block(s);
    for (int i = 0; i < 4; i++)
        for (int k = 0; k < 8; k++)
            out[8 * i + k] = (uint8_t)(s->a[i] >> (8 * k));
}

void keccak256_2(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, uint8_t out[32])
{
    struct sponge s;
    memset(&s, 0, sizeof s);
    if (alen)
        absorb(&s, a, alen);
    if (blen)
        absorb(&s, b, blen);
    finish(&s, out);
}

void keccak256(const uint8_t *data, size_t len, uint8_t out[32])
{
    keccak256_2(data, len, NULL, 0, out);
}
