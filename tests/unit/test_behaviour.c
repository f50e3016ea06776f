/* Attacker and faulty-node rules (agents/agt_behaviour.h) and their
 * scenario keys (scenario/scn_behaviour.c).  Runs from the repository root
 * (models/). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "agents/agt.h"
#include "agents/agt_behaviour.h"
#include "engine/eng.h"
#include "protocol/proto.h"

/* ---- actions ---- */

static void test_collude_modes(void **state)
{
    (void)state;
    scn_behaviour b = {.kind = SCN_BEH_COLLUDERS, .mode = SCN_COLLUDE_WHEN_TWO};
    assert_int_equal(agt_behaviour_action(&b, 1, NULL), AGT_WORK);
    assert_int_equal(agt_behaviour_action(&b, 2, NULL), AGT_FAKE);
    assert_int_equal(agt_behaviour_action(&b, 3, NULL), AGT_FAKE);
    b.mode = SCN_COLLUDE_TIMEOUT;
    assert_int_equal(agt_behaviour_action(&b, 1, NULL), AGT_SILENT);
    assert_int_equal(agt_behaviour_action(&b, 2, NULL), AGT_FAKE);
    b.mode = SCN_COLLUDE_ALWAYS;
    assert_int_equal(agt_behaviour_action(&b, 1, NULL), AGT_FAKE);
    assert_int_equal(agt_behaviour_action(NULL, 3, NULL), AGT_WORK);
    scn_behaviour slow = {.kind = SCN_BEH_SLOW, .factor = 3};
    assert_int_equal(agt_behaviour_action(&slow, 1, NULL), AGT_WORK);
    assert_true(agt_behaviour_exec_factor(&slow) == 3);
    assert_true(agt_behaviour_exec_factor(&b) == 1);
}

/* A flaky node misses about its miss probability of tasks; a cheater with
 * probability q fakes about q of them (binomial, 5 sigma). */
static void test_probabilities(void **state)
{
    (void)state;
    gsl_rng *r = eng_rng_new(5, 0, ENG_RNG_ATTACK);
    scn_behaviour f = {.kind = SCN_BEH_FLAKY, .probability = 0.2};
    scn_behaviour c = {.kind = SCN_BEH_CHEATER, .probability = 0.7};
    int miss = 0, fake = 0, n = 20000;
    for (int i = 0; i < n; i++) {
        miss += agt_behaviour_action(&f, 1, r) == AGT_SILENT;
        fake += agt_behaviour_action(&c, 1, r) == AGT_FAKE;
    }
    assert_true(fabs(miss - 0.2 * n) < 5 * sqrt(n * 0.2 * 0.8));
    assert_true(fabs(fake - 0.7 * n) < 5 * sqrt(n * 0.7 * 0.3));
    gsl_rng_free(r);
}

/* Periodic arrivals (used to keep tasks from overlapping): exactly one
 * interval apart, none at a zero rate. */
static void test_periodic_arrivals(void **state)
{
    (void)state;
    scn_app a = {.arrival = SCN_ARR_PERIODIC, .rate_per_h = 48};
    uint32_t csv = 0;
    assert_int_equal(agt_next_arrival(&a, NULL, 0, &csv), 75 * ENG_US_PER_S);
    assert_int_equal(agt_next_arrival(&a, NULL, 75 * ENG_US_PER_S, &csv), 150 * ENG_US_PER_S);
    a.rate_per_h = 0;
    assert_true(agt_next_arrival(&a, NULL, 0, &csv) == ENG_TIME_MAX);
}

/* ---- result bytes ---- */

static int hamming(const uint8_t *a, const uint8_t *b)
{
    uint64_t x, y;
    memcpy(&x, a, 8);
    memcpy(&y, b, 8);
    return __builtin_popcountll(x ^ y);
}

static void test_fake_results(void **state)
{
    (void)state;
    uint8_t h[64], a[64], a2[64], b[64];
    static const uint32_t ONE_CARD[3] = {0, 0, 0};
    for (uint64_t task = 1; task < 500; task++) {
        /* colluders of actor 3 agree; a lone forger differs from them */
        size_t n = agt_fake_result(task, PROTO_GPT, 256, 3, a, sizeof a);
        assert_int_equal(n, 32);
        agt_fake_result(task, PROTO_GPT, 256, 3, a2, sizeof a2);
        assert_memory_equal(a, a2, n);
        agt_fake_result(task, PROTO_GPT, 256, agt_forger(NULL, 0, 7), b, sizeof b);
        assert_memory_not_equal(a, b, n);
        agt_card_result(task, PROTO_GPT, 256, 0, ONE_CARD, NULL, 0, h, sizeof h);
        assert_memory_not_equal(a, h, n);
        /* sd: every fake hash is at least 16 bits from the ideal one */
        n = agt_fake_result(task, PROTO_SD, 4, 3, a, sizeof a);
        assert_int_equal(n, 32);
        agt_card_result(task, PROTO_SD, 4, 0, ONE_CARD, NULL, 0, h, sizeof h);
        for (size_t i = 0; i < n; i += 8)
            assert_true(hamming(a + i, h + i) >= 16);
    }
}

/* gpt: identical on one card, different across cards (the same-card rule). */
static void test_gpt_results_depend_on_card(void **state)
{
    (void)state;
    uint8_t x[32], y[32], z[32];
    const uint32_t cards[3] = {2, 2, 5};
    agt_card_result(42, PROTO_GPT, 256, 2, cards, NULL, 0, x, sizeof x);
    agt_card_result(42, PROTO_GPT, 256, 2, cards, NULL, 0, y, sizeof y);
    agt_card_result(42, PROTO_GPT, 256, 5, cards, NULL, 0, z, sizeof z);
    assert_memory_equal(x, y, 32);
    assert_memory_not_equal(x, z, 32);
}

/* P(Binomial(64, q) >= t), by summing the pmf */
static double tail(double q, int t)
{
    double below = 0, pmf = pow(1 - q, 64);
    for (int k = 0; k < t; k++) {
        below += pmf;
        pmf *= (double)(64 - k) / (k + 1) * q / (1 - q);
    }
    return 1 - below;
}

/* sd noise against its closed form.  Three card models with per-pair bit
 * probabilities d01 = 0.02, d02 = 0.05, d12 = 0.06: in tasks on all three,
 * every pair must differ in Binomial(64, d_pair) bits per image (mean and
 * the tail at the distance threshold 5), and in a task on two cards the
 * pair's own d applies; nodes on one card agree bit for bit. */
static void test_sd_noise_matches_binomial(void **state)
{
    (void)state;
    enum { N = 3, IMAGES = 4, TASKS = 5000, THRESHOLD = 5 };
    const double d[N * N] = {0, 0.02, 0.05, 0.02, 0, 0.06, 0.05, 0.06, 0};
    const uint32_t three[3] = {2, 0, 1}, two[3] = {1, 1, 2};
    uint8_t h[N][8 * IMAGES], again[8 * IMAGES];
    double bits[N][N] = {{0}}, two_bits = 0;
    int far[N][N] = {{0}};
    for (uint64_t t = 1; t <= TASKS; t++) {
        for (uint32_t c = 0; c < N; c++)
            agt_card_result(t, PROTO_SD, IMAGES, c, three, d, N, h[c], sizeof h[c]);
        agt_card_result(t, PROTO_SD, IMAGES, 1, three, d, N, again, sizeof again);
        assert_memory_equal(again, h[1], sizeof again);
        for (uint32_t a = 0; a < N; a++)
            for (uint32_t b = a + 1; b < N; b++)
                for (int i = 0; i < IMAGES; i++) {
                    int x = hamming(h[a] + 8 * i, h[b] + 8 * i);
                    bits[a][b] += x;
                    far[a][b] += x >= THRESHOLD;
                }
        agt_card_result(t, PROTO_SD, IMAGES, 1, two, d, N, h[1], sizeof h[1]);
        agt_card_result(t, PROTO_SD, IMAGES, 2, two, d, N, h[2], sizeof h[2]);
        for (int i = 0; i < IMAGES; i++)
            two_bits += hamming(h[1] + 8 * i, h[2] + 8 * i);
    }
    const int n = TASKS * IMAGES;
    for (uint32_t a = 0; a < N; a++)
        for (uint32_t b = a + 1; b < N; b++) {
            double q = d[a * N + b], mean = bits[a][b] / n;
            assert_true(fabs(mean - 64 * q) < 5 * sqrt(64 * q * (1 - q) / n));
            double pf = tail(q, THRESHOLD);
            assert_true(fabs(far[a][b] - pf * n) < 5 * sqrt(n * pf * (1 - pf)) + 1);
        }
    double q12 = d[1 * N + 2];
    assert_true(fabs(two_bits / n - 64 * q12) < 5 * sqrt(64 * q12 * (1 - q12) / n));
}

/* ---- scenario keys ---- */

#define CARD "\"NVIDIA GeForce RTX 4090\""
#define APP "\"applications\": [{\"arrival\": {\"process\": \"periodic\", \"rate_per_h\": 10}, " \
            "\"tasks\": [{\"type\": \"sd\", \"fee\": {\"wei\": \"1000\"}}]}]"

static bool parse(const char *behaviours, scn *s, char *err)
{
    char json[2048];
    snprintf(json, sizeof json, "{\"network\": {\"nodes\": 5, \"cards\": [{\"card\": " CARD "}], %s}, " APP "}",
             behaviours);
    return scn_parse(json, "t.json", ".", s, err);
}

static void expect_error(const char *behaviours, const char *needle)
{
    scn s;
    char err[SCN_ERR_MAX];
    assert_false(parse(behaviours, &s, err));
    if (!strstr(err, needle)) {
        fprintf(stderr, "message: %s\nwanted: %s\n", err, needle);
        fail();
    }
}

static void test_behaviour_keys(void **state)
{
    (void)state;
    scn s;
    char err[SCN_ERR_MAX];
    bool ok = parse("\"honest_rejoin\": true, \"sd_hash_noise\": {\"bit_probability\": 0.01, \"pairs\": "
                    "[{\"cards\": [" CARD ", \"NVIDIA GeForce RTX 3090\"], \"bit_probability\": 0.02}]}, "
                    "\"behaviours\": [{\"kind\": \"colluders\", \"name\": \"A\", \"nodes\": 4, \"mode\": "
                    "\"timeout-attack\", \"rejoin\": true}, {\"kind\": \"slow\", \"factor\": 3}, "
                    "{\"kind\": \"card-liar\", \"card\": \"NVIDIA GeForce RTX 3090\", \"claims\": " CARD "}]",
                    &s, err);
    if (!ok)
        fprintf(stderr, "%s\n", err);
    assert_true(ok);
    assert_int_equal(s.n_behaviours, 3);
    assert_int_equal(scn_actors(&s), 4);
    assert_string_equal(s.behaviours[0].name, "A");
    assert_int_equal(s.behaviours[0].mode, SCN_COLLUDE_TIMEOUT);
    assert_true(s.behaviours[0].rejoin && s.honest_rejoin);
    assert_string_equal(s.behaviours[1].name, "slow-1");
    assert_true(s.behaviours[1].factor == 3 && s.behaviours[1].card == -1);
    /* positions in the card catalogue (models/cards.json) */
    uint32_t nc = s.n_cards, r4090 = nc, r3090 = nc, r3080 = nc;
    for (uint32_t i = 0; i < nc; i++) {
        const char *n = s.cards[i].timing.name;
        r4090 = strcmp(n, "RTX 4090") ? r4090 : i;
        r3090 = strcmp(n, "RTX 3090") ? r3090 : i;
        r3080 = strcmp(n, "RTX 3080") ? r3080 : i;
    }
    assert_true(r4090 < nc && r3090 < nc && r3080 < nc);
    assert_int_equal(s.behaviours[2].claims, r4090);
    assert_true(s.sd_pair[r4090 * nc + r3090] == 0.02 && s.sd_pair[r3090 * nc + r4090] == 0.02 &&
                s.sd_pair[r3080 * nc + r3090] == 0.01);
    assert_true(s.sd_pair[r3080 * nc + r3080] == 0);
    assert_int_equal(s.apps[0].arrival, SCN_ARR_PERIODIC);
    scn_free(&s);

    expect_error("\"behaviours\": [{\"kind\": \"liar\"}]",
                 "$.network.behaviours[0].kind: expected one of \"cheater\", \"colluders\"");
    expect_error("\"behaviours\": [{\"kind\": \"cheater\", \"factor\": 2}]",
                 "$.network.behaviours[0].factor: expected a known key");
    expect_error("\"behaviours\": [{\"kind\": \"colluders\", \"mode\": \"sometimes\"}]",
                 "$.network.behaviours[0].mode: expected one of \"cheat-when-two\"");
    expect_error("\"behaviours\": [{\"kind\": \"card-liar\", \"card\": " CARD "}]",
                 "$.network.behaviours[0].claims: expected the card name");
    expect_error("\"behaviours\": [{\"kind\": \"slow\", \"name\": \"x\"}, {\"kind\": \"flaky\", \"name\": \"x\"}]",
                 "$.network.behaviours[1].name: expected a name no other behaviour has");
    expect_error("\"behaviours\": [{\"kind\": \"slow\", \"name\": \"honest\"}]",
                 "$.network.behaviours[0].name: expected a name other than");
    expect_error("\"behaviours\": [{\"kind\": \"flaky\", \"miss_probability\": 2}]",
                 "$.network.behaviours[0].miss_probability: expected a number in [0, 1]");
    expect_error("\"behaviours\": [{\"kind\": \"cheater\", \"card\": \"RTX 4099\"}]",
                 "$.network.behaviours[0].card: expected a card of models/cards.json");
    expect_error("\"sd_hash_noise\": {\"bit_probability\": 0.9}",
                 "$.network.sd_hash_noise.bit_probability: expected a number in [0, 0.5]");
    expect_error("\"sd_hash_noise\": {\"bit_probability\": 0.01, \"pairs\": [{\"cards\": [" CARD ", " CARD "]}]}",
                 "$.network.sd_hash_noise.pairs[0].cards[1]: expected a card other than the first");
    /* the triangle inequality binds only cards that can meet in a task */
#define NOISE "\"sd_hash_noise\": {\"bit_probability\": 0.01, \"pairs\": [{\"cards\": [" CARD \
              ", \"NVIDIA GeForce RTX 3090\"], \"bit_probability\": 0.3}]}"
    assert_true(parse(NOISE ", \"behaviours\": [{\"kind\": \"slow\", \"card\": \"NVIDIA GeForce RTX 3090\"}]",
                      &s, err));
    scn_free(&s);
    expect_error(NOISE ", \"behaviours\": [{\"kind\": \"slow\", \"card\": \"NVIDIA GeForce RTX 3090\"}, "
                 "{\"kind\": \"slow\", \"card\": \"NVIDIA GeForce RTX 4080\"}]",
                 "$.network.sd_hash_noise: expected bit probabilities that satisfy the triangle inequality");
    expect_error("\"behaviours\": {}", "$.network.behaviours: expected an array");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_collude_modes),
        cmocka_unit_test(test_probabilities),
        cmocka_unit_test(test_periodic_arrivals),
        cmocka_unit_test(test_fake_results),
        cmocka_unit_test(test_gpt_results_depend_on_card),
        cmocka_unit_test(test_sd_noise_matches_binomial),
        cmocka_unit_test(test_behaviour_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
