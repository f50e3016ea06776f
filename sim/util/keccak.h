/* Keccak-256 as used by the EVM (original Keccak padding 0x01, not SHA-3's
 * 0x06).  Commitments are keccak256(result ‖ nonce). */
#ifndef AVRAMI_UTIL_KECCAK_H
#define AVRAMI_UTIL_KECCAK_H

#include <stddef.h>
#include <stdint.h>

void keccak256(const uint8_t *data, size_t len, uint8_t out[32]);

/* keccak256(a ‖ b) without concatenating into a temporary buffer. */
void keccak256_2(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, uint8_t out[32]);

#endif
