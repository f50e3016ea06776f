/* Keccak-256 known answers (Ethereum's keccak256), across the rate
 * boundary, and the two-part form used for commitments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "util/keccak.h"

static void hex(const uint8_t *h, char out[65])
{
    for (int i = 0; i < 32; i++)
        sprintf(out + 2 * i, "%02x", h[i]);
}

static void test_known_answers(void **state)
{
    (void)state;
    uint8_t h[32];
    char s[65];
    keccak256((const uint8_t *)"", 0, h);
    hex(h, s);
    assert_string_equal(s, "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    keccak256((const uint8_t *)"abc", 3, h);
    hex(h, s);
    assert_string_equal(s, "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
}

static void test_two_part_equals_concatenation(void **state)
{
    (void)state;
    uint8_t buf[400], a[32], b[32];
    for (int i = 0; i < 400; i++)
        buf[i] = (uint8_t)(i * 7 + 3);
    /* split points around the 136-byte rate */
    const size_t lens[] = {0, 1, 135, 136, 137, 271, 272, 400};
    for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++)
        for (size_t cut = 0; cut <= lens[k]; cut += 17) {
            keccak256(buf, lens[k], a);
            keccak256_2(buf, cut, buf + cut, lens[k] - cut, b);
            assert_memory_equal(a, b, 32);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_answers),
        cmocka_unit_test(test_two_part_equals_concatenation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
