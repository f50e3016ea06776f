/* Engine: event order (time, then scheduling order), the zero-delay FIFO,
 * the hold model, and the independence of random streams. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <cmocka.h>

#include "engine/eng.h"

static void test_ties_keep_scheduling_order(void **state)
{
    (void)state;
    eng *e = eng_new(4);
    for (uint32_t i = 0; i < 100; i++)
        assert_true(eng_at(e, 10 + (i % 3), 0, i, 0));
    eng_ev ev;
    eng_time last = 0;
    uint32_t last_a[3] = {0, 0, 0};
    int n = 0;
    while (eng_next(e, &ev)) {
        assert_true(ev.t >= last);
        if (ev.t == last && n)
            assert_true(ev.a > last_a[ev.t - 10]);
        last = ev.t;
        last_a[ev.t - 10] = ev.a;
        n++;
    }
    assert_int_equal(n, 100);
    eng_free(e);
}

static void test_zero_delay_after_earlier_same_time(void **state)
{
    (void)state;
    eng *e = eng_new(16);
    eng_at(e, 5, 1, 0, 0);
    eng_at(e, 5, 2, 0, 0);
    eng_ev ev;
    assert_true(eng_next(e, &ev));
    assert_int_equal(ev.kind, 1);
    assert_int_equal(eng_now(e), 5);
    /* scheduled now at the current time: after kind 2 (scheduled earlier) */
    eng_after(e, 0, 3, 0, 0);
    eng_at(e, 2, 4, 0, 0); /* in the past: clamped to now, after 3 */
    assert_true(eng_next(e, &ev));
    assert_int_equal(ev.kind, 2);
    assert_true(eng_next(e, &ev));
    assert_int_equal(ev.kind, 3);
    assert_true(eng_next(e, &ev));
    assert_int_equal(ev.kind, 4);
    assert_int_equal(ev.t, 5);
    assert_false(eng_next(e, &ev));
    eng_free(e);
}

/* With a horizon, the events up to it fire exactly as without one (same
 * times, same tie order, each scheduling further events); later ones are
 * never stored. */
static void test_horizon_drops_only_later_events(void **state)
{
    (void)state;
    eng *e[2] = {eng_new(4), eng_new(4)};
    eng_set_horizon(e[1], 5000);
    uint64_t x[2] = {7, 7};
    for (int k = 0; k < 2; k++)
        for (uint32_t i = 0; i < 200; i++) {
            x[k] = x[k] * 6364136223846793005ULL + 1442695040888963407ULL;
            eng_at(e[k], (eng_time)(x[k] >> 33) % 10000, 0, i, 0);
        }
    assert_true(eng_pending(e[1]) < eng_pending(e[0]));
    eng_ev a, b;
    int fired = 0;
    while (eng_next(e[0], &a) && a.t <= 5000) {
        assert_true(eng_next(e[1], &b));
        assert_int_equal(a.t, b.t);
        assert_int_equal(a.a, b.a);
        for (int k = 0; k < 2; k++) { /* a follow-up, sometimes beyond the horizon */
            x[k] = x[k] * 6364136223846793005ULL + 1442695040888963407ULL;
            eng_after(e[k], (eng_time)(x[k] >> 33) % 3000, 0, 1000 + (uint32_t)fired, 0);
        }
        fired++;
    }
    assert_true(fired > 100);
    assert_false(eng_next(e[1], &b)); /* nothing beyond 5000 was kept */
    eng_free(e[0]);
    eng_free(e[1]);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void test_random_against_sort(void **state)
{
    (void)state;
    enum { N = 20000 };
    eng *e = eng_new(8); /* forces pool, heap and ring growth */
    gsl_rng *r = eng_rng_new(1, 0, ENG_RNG_SETUP);
    int64_t *ts = malloc(N * sizeof *ts);
    for (int i = 0; i < N; i++) {
        ts[i] = 1 + (int64_t)eng_rng_below(r, 1000);
        assert_true(eng_at(e, ts[i], 0, (uint32_t)i, (uint64_t)ts[i] * 7));
    }
    qsort(ts, N, sizeof *ts, cmp_i64);
    eng_ev ev;
    for (int i = 0; i < N; i++) {
        assert_true(eng_next(e, &ev));
        assert_int_equal(ev.t, ts[i]);
        assert_int_equal(ev.b, (uint64_t)ts[i] * 7);
    }
    assert_int_equal(eng_pending(e), 0);
    assert_int_equal(eng_fired(e), N);
    free(ts);
    gsl_rng_free(r);
    eng_free(e);
}

static void test_hold_model_keeps_its_size(void **state)
{
    (void)state;
    eng *e = eng_new(64);
    gsl_rng *r = eng_rng_new(2, 0, ENG_RNG_SETUP);
    for (int i = 0; i < 64; i++)
        eng_after(e, 1 + eng_rng_exp_us(r, 1.0), 0, 0, 0);
    eng_ev ev;
    eng_time last = 0;
    for (int i = 0; i < 100000; i++) {
        assert_true(eng_next(e, &ev));
        assert_true(ev.t >= last);
        last = ev.t;
        eng_after(e, 1 + eng_rng_exp_us(r, 1.0), 0, 0, 0);
    }
    assert_int_equal(eng_pending(e), 64);
    gsl_rng_free(r);
    eng_free(e);
}

/* The engine against the definition of its order, kept naively: every
 * pending event with its time (clamped to the clock) and scheduling number,
 * the earliest (time, number) taken out by a scan.  Each fired event
 * schedules follow-ups: at the same time (the FIFO), one microsecond later
 * (between the clock and the events already pending, the case an event list
 * that only looks at its earliest key must not get wrong), in the past
 * (clamped), near and far ahead (up to days), and at equal times from
 * different moments (ties). */
typedef struct ref_ev { int64_t t; uint64_t seq; uint32_t id; } ref_ev;

static void test_against_naive_order(void **state)
{
    (void)state;
    enum { CAP = 1 << 16, EVENTS = 200000 };
    ref_ev *ref = malloc(CAP * sizeof *ref);
    size_t nref = 0;
    uint64_t seq = 0;
    int64_t now = 0;
    uint32_t next_id = 0;
    eng *e = eng_new(4);
    uint64_t x = 12345;
    for (int i = 0; i < 64; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        int64_t t = (int64_t)(x >> 40) % 5000;
        assert_true(eng_at(e, t, 0, next_id, 0));
        ref[nref++] = (ref_ev){t > now ? t : now, seq++, next_id++};
    }
    for (int fired = 0; fired < EVENTS; fired++) {
        size_t m = 0;
        for (size_t j = 1; j < nref; j++)
            if (ref[j].t < ref[m].t || (ref[j].t == ref[m].t && ref[j].seq < ref[m].seq))
                m = j;
        eng_ev ev;
        assert_true(eng_next(e, &ev));
        assert_int_equal(ev.t, ref[m].t);
        assert_int_equal(ev.a, ref[m].id);
        now = ref[m].t;
        ref[m] = ref[--nref];
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        int follow = nref < 200 ? 2 : nref > 2000 ? 0 : 1 + (int)((x >> 62) & 1);
        for (int k = 0; k < follow && nref < CAP; k++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            int64_t t;
            switch ((x >> 33) % 8) {
            case 0: t = now; break;
            case 1: t = now + 1; break;
            case 2: t = now - 3; break;
            case 3: t = now + (int64_t)((x >> 20) % 50); break;
            case 4: t = (now / 1000 + 1) * 1000; break; /* a tie with others */
            case 5: t = (now / 100000000 + 1) * 100000000; break; /* ties far ahead */
            case 6: t = now + (int64_t)((x >> 8) % 1000000000000); break; /* up to days ahead */
            default: t = now + (int64_t)((x >> 8) % 100000000); break;
            }
            assert_true(eng_at(e, t, 0, next_id, 0));
            ref[nref++] = (ref_ev){t > now ? t : now, seq++, next_id++};
        }
        assert_int_equal(eng_pending(e), nref);
    }
    free(ref);
    eng_free(e);
}

static void test_streams_independent_and_reproducible(void **state)
{
    (void)state;
    gsl_rng *a = eng_rng_new(42, 0, ENG_RNG_ARRIVALS);
    gsl_rng *b = eng_rng_new(42, 0, ENG_RNG_ARRIVALS);
    gsl_rng *c = eng_rng_new(42, 0, ENG_RNG_SELECTION);
    gsl_rng *d = eng_rng_new(42, 1, ENG_RNG_ARRIVALS);
    int same_c = 0, same_d = 0;
    for (int i = 0; i < 100; i++) {
        unsigned long x = gsl_rng_get(a);
        assert_int_equal(x, gsl_rng_get(b));
        same_c += x == gsl_rng_get(c);
        same_d += x == gsl_rng_get(d);
    }
    assert_true(same_c < 3 && same_d < 3);
    assert_true(eng_seed_hash(1, 0, 1) != eng_seed_hash(1, 0, 2));
    assert_true(eng_seed_hash(1, 0, 1) != eng_seed_hash(1, 1, 1));
    /* wide bounds stay in range */
    for (int i = 0; i < 1000; i++) {
        assert_true(eng_rng_below(a, 3) < 3);
        assert_true(eng_rng_below(a, (1ULL << 40) + 5) < (1ULL << 40) + 5);
    }
    gsl_rng_free(a);
    gsl_rng_free(b);
    gsl_rng_free(c);
    gsl_rng_free(d);
}

/* eng_rng_take and eng_rng_below_from against eng_rng_below: for every
 * bound up to max_bound, the same values and the stream left at the same
 * place, with bounds whose rejection zone is wide (2^31 + 1 rejects almost
 * half of the numbers) so that takes refused and draws rejected both occur. */
static void test_take_then_finish_as_below(void **st)
{
    (void)st;
    gsl_rng *a = eng_rng_new(7, 0, ENG_RNG_SELECTION), *b = eng_rng_new(7, 0, ENG_RNG_SELECTION);
    static const uint64_t maxes[] = {1, 2, 3, 1000, 200000, 0x80000001ULL, 3000000000ULL, 0xffffffffULL};
    uint64_t s = 99, taken = 0, refused = 0, rejected = 0;
    for (int i = 0; i < 200000; i++) {
        uint64_t max = maxes[i % 8];
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        /* the bound: often max itself or just above half of it */
        uint64_t bound = s % 3 == 0 ? max : s % 3 == 1 ? max / 2 + 1 : 1 + (s >> 8) % max;
        uint64_t want = eng_rng_below(a, bound), x;
        bool ok = eng_rng_take(b, max, &x);
        uint64_t got;
        if (ok) {
            got = x % bound;
            taken++;
        } else {
            got = eng_rng_below_from(b, bound, x);
            refused++;
            rejected += x >= 0x100000000ULL - 0x100000000ULL % bound;
        }
        if (got != want)
            fail_msg("draw %d, max %llu, bound %llu: %llu, eng_rng_below %llu", i,
                     (unsigned long long)max, (unsigned long long)bound, (unsigned long long)got,
                     (unsigned long long)want);
        assert_int_equal(gsl_rng_get(a), gsl_rng_get(b)); /* the streams in step */
    }
    assert_true(taken > 100000 && refused > 10000 && rejected > 5000);
    gsl_rng_free(a);
    gsl_rng_free(b);
}

/* eng_round against libm's llround: exact halves and their neighbours, the
 * edges of the exact range, and random doubles of every size and sign. */
static void check_round(double x)
{
    if (eng_round(x) != (int64_t)llround(x))
        fail_msg("eng_round(%.17g) = %lld, llround %lld", x, (long long)eng_round(x),
                 (long long)llround(x));
}

static void test_round_as_llround(void **state)
{
    (void)state;
    const double edges[] = {0.0, -0.0, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 0x1p52, 0x1p52 + 1,
                            0x1p53, 0x1p53 + 2, 0x1p62, -0x1p62, 0x1p61 + 0x1p9, 9e18, -9e18,
                            0.49999999999999994, -0.49999999999999994, 4503599627370495.5,
                            -4503599627370495.5, 1e-300, -1e-300};
    for (size_t i = 0; i < sizeof edges / sizeof *edges; i++) {
        check_round(edges[i]);
        check_round(nextafter(edges[i], INFINITY));
        check_round(nextafter(edges[i], -INFINITY));
    }
    for (int64_t k = -3000; k <= 3000; k++) { /* k + 1/2 and its neighbours */
        double h = (double)k + 0.5;
        check_round(h);
        check_round(nextafter(h, INFINITY));
        check_round(nextafter(h, -INFINITY));
    }
    uint64_t s = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < 1000000; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        /* a random mantissa scaled to 2^-8 .. 2^62, either sign */
        double x = ldexp((double)(s >> 11), (int)(s % 71) - 61);
        check_round(s & 1 ? -x : x);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ties_keep_scheduling_order),
        cmocka_unit_test(test_zero_delay_after_earlier_same_time),
        cmocka_unit_test(test_random_against_sort),
        cmocka_unit_test(test_against_naive_order),
        cmocka_unit_test(test_horizon_drops_only_later_events),
        cmocka_unit_test(test_hold_model_keeps_its_size),
        cmocka_unit_test(test_streams_independent_and_reproducible),
        cmocka_unit_test(test_take_then_finish_as_below),
        cmocka_unit_test(test_round_as_llround),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
