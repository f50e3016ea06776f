/* The card catalogue (models/cards.json): every figure sourced, bad cards
 * refused with their JSON path, the peaks, families and power limits the
 * timing model derives from it. */
#include <cjson/cJSON.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/commands.h"
#include "timing/tim.h"
#include "timing/tim_calib.h"
#include "timing/tim_tfhost.h"


static cJSON *read_json(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[1 << 18];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    assert_true(n < sizeof buf - 1);
    buf[n] = 0;
    cJSON *j = cJSON_Parse(buf);
    assert_non_null(j);
    return j;
}

static void test_cards_sourced(void **state)
{
    (void)state;
    /* what Helium-era home and data-centre nodes ran (issue list) */
    const char *need[] = {
        "RTX 2060", "RTX 2060 Super", "RTX 2070", "RTX 2070 Super", "RTX 2080", "RTX 2080 Super",
        "RTX 2080 Ti", "RTX 3060 12GB", "RTX 3060 Ti", "RTX 3070", "RTX 3070 Ti", "RTX 3080",
        "RTX 3080 12GB", "RTX 3080 Ti", "RTX 3090", "RTX 3090 Ti", "RTX 4060", "RTX 4060 Ti 8GB",
        "RTX 4060 Ti 16GB", "RTX 4070", "RTX 4070 Super", "RTX 4070 Ti", "RTX 4070 Ti Super",
        "RTX 4080", "RTX 4080 Super", "RTX 4090", "RTX 5060 Ti", "RTX 5060 Ti 8GB", "RTX 5070",
        "RTX 5070 Ti", "RTX 5080", "RTX 5090", "RTX 3080 Laptop", "RTX 4080 Laptop",
        "RTX 4090 Laptop", "RTX A2000", "RTX A4000", "RTX A4500", "RTX A5000", "RTX A6000",
        "RTX 2000 Ada", "RTX 4000 Ada", "RTX 4500 Ada", "RTX 5000 Ada", "RTX 6000 Ada", "T4", "V100",
        "A10", "A10G", "A30", "A40", "L4", "L40", "L40S", "A100 PCIe 40GB", "A100 PCIe 80GB",
        "A100 40GB", "A100 80GB", "H100", "H100 PCIe", "H200", "M1", "M1 7-core", "M1 Pro",
        "M1 Pro 14-core", "M1 Max", "M1 Max 24-core", "M1 Ultra", "M1 Ultra 48-core", "M2",
        "M2 8-core", "M2 Pro", "M2 Pro 16-core", "M2 Max", "M2 Max 30-core", "M2 Ultra",
        "M2 Ultra 60-core", "M3", "M3 8-core", "M3 Pro", "M3 Pro 14-core", "M3 Max",
        "M3 Max 30-core", "M3 Ultra", "M3 Ultra 60-core", "M4", "M4 8-core", "M4 Pro",
        "M4 Pro 16-core", "M4 Max", "M4 Max 32-core"};
    char err[512];
    for (size_t i = 0; i < sizeof need / sizeof *need; i++) {
        tim_card c;
        assert_int_equal(tim_card_load("models/cards.json", need[i], &c, err, sizeof err), 0);
    }
    /* every card of the file: a non-empty source for each figure, and every
     * fitted efficiency in (0, 1], never missing */
    cJSON *j = read_json("models/cards.json"), *o;
    int ncards = 0, nmeasured = 0;
    tim_card *all;
    int nall;
    assert_int_equal(tim_cards_read("models/cards.json", &all, &nall, err, sizeof err), 0);
    assert_int_equal(tim_fit_cards("models/validation/fit.json", "models", all, nall, NULL, err,
                                   sizeof err), 0);
    cJSON_ArrayForEach(o, cJSON_GetObjectItem(j, "cards")) {
        cJSON *s = cJSON_GetObjectItem(o, "sources");
        const char *k[] = {"mem_gb", "bw_gbs", "fp16_tflops", "fp32_tflops"};
        for (int i = 0; i < 4; i++) {
            cJSON *v = cJSON_GetObjectItem(s, k[i]);
            assert_true(cJSON_IsString(v) && strlen(v->valuestring) > 10);
        }
        tim_card c = all[ncards];
        assert_string_equal(c.name, cJSON_GetObjectItem(o, "name")->valuestring);
        for (int w = 0; w < TIM_NW; w++) {
            assert_true(c.eff_bw_w[w] > 0 && c.eff_bw_w[w] <= 1 && c.bw_src[w] != TIM_SRC_NONE);
            assert_true(c.eff_compute_w[w] > 0 && c.eff_compute_w[w] <= 1);
        }
        assert_true(c.eff_sd > 0 && c.eff_sd <= 1);
        assert_true(c.tf_layer_s > 0 && c.tf_int8_s > 0 && c.tf_4bit_s > 0);
        nmeasured += c.bw_src[TIM_W_Q4_0] == TIM_SRC_CARD;
        ncards++;
    }
    cJSON_Delete(j);
    assert_int_equal(ncards, nall);
    assert_int_equal(ncards, 92);
    assert_true(nmeasured >= 16);
    /* a card without its own measurement takes its family's mean, never the
     * host's; a decode's streaming share, that of the family's cards with
     * the same memory: the RTX 3080 (Ampere, GDDR6X) gets the mean of the
     * measured Ampere GDDR cards, the A30 (Ampere, HBM2) the A100's */
    double sum[2] = {0, 0};
    int nfam[2] = {0, 0};
    tim_card r3080 = {0}, a30 = {0};
    for (int i = 0; i < nall; i++) {
        if (!strcmp(all[i].name, "RTX 3080"))
            r3080 = all[i];
        if (!strcmp(all[i].name, "A30"))
            a30 = all[i];
        if (all[i].family == TIM_F_AMPERE && all[i].bw_src[TIM_W_Q4_0] == TIM_SRC_CARD) {
            sum[all[i].hbm] += all[i].eff_bw_w[TIM_W_Q4_0];
            nfam[all[i].hbm]++;
        }
    }
    assert_true(nfam[0] >= 2 && nfam[1] >= 1 && a30.hbm && !r3080.hbm);
    assert_int_equal(r3080.bw_src[TIM_W_Q4_0], TIM_SRC_FAMILY);
    assert_true(fabs(r3080.eff_bw_w[TIM_W_Q4_0] - sum[0] / nfam[0]) < 1e-12);
    assert_int_equal(a30.bw_src[TIM_W_Q4_0], TIM_SRC_FAMILY);
    assert_true(fabs(a30.eff_bw_w[TIM_W_Q4_0] - sum[1] / nfam[1]) < 1e-12);
    assert_true(fabs(sum[0] / nfam[0] - sum[1] / nfam[1]) > 0.1); /* the two differ */
    free(all);
    tim_card c;
    assert_int_equal(tim_card_load("models/cards.json", "rtx 4090", &c, err, sizeof err), 0);
    assert_int_equal(tim_card_load("models/cards.json", "Voodoo 2", &c, err, sizeof err), 1);
    assert_int_equal(tim_card_load("/nonexistent", "RTX 4090", &c, err, sizeof err), 2);
    /* a format the card was not measured in takes its family's figure */
    assert_int_equal(tim_card_load("models/cards.json", "M1", &c, err, sizeof err), 0);
    double eb, ec;
    int own;
    tim_card_eff(&c, 16, &eb, &ec, &own);
    assert_int_equal(own, 0);
    assert_int_equal(c.bw_src[TIM_W_F16], TIM_SRC_FAMILY);
    tim_card_eff(&c, 8.5, &eb, &ec, &own);
    assert_int_equal(own, 1);
    assert_true(eb == c.eff_bw_w[TIM_W_Q8_0]);
}

/* Writes a one-card file whose card is `body` and returns tim_cards_read's
 * code for it; err receives the message. */
static int load_one(const char *body, char *err, size_t errlen)
{
    char path[] = "/tmp/avrami-cards-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "{\"cards\": [%s]}", body);
    fclose(f);
    tim_card *c;
    int n, rc = tim_cards_read(path, &c, &n, err, errlen);
    if (!rc)
        free(c);
    remove(path);
    return rc;
}

#define PEAKS "\"name\": \"X\", \"vendor\": \"NVIDIA\", \"family\": \"Ada\", \"mem_gb\": 8, \"bw_gbs\": 100, \"fp16_tflops\": 10, \"fp32_tflops\": 5"
#define SOURCES "\"sources\": {\"mem_gb\": \"a\", \"bw_gbs\": \"b\", \"fp16_tflops\": \"c\", \"fp32_tflops\": \"d\"}"

static void test_cards_refused(void **state)
{
    (void)state;
    char err[512];
    assert_int_equal(load_one("{" PEAKS ", " SOURCES "}", err, sizeof err), 0);
    assert_int_equal(load_one("{" PEAKS ", \"sources\": {\"mem_gb\": \"a\", \"bw_gbs\": \"\", "
                              "\"fp16_tflops\": \"c\", \"fp32_tflops\": \"d\"}}", err, sizeof err), 2);
    assert_non_null(strstr(err, ".cards[0].sources.bw_gbs: expected the source"));
    assert_int_equal(load_one("{" PEAKS "}", err, sizeof err), 2);
    assert_non_null(strstr(err, "sources.mem_gb"));
    /* the FP32-accumulate rate needs its own source and cannot pass the FP16 rate */
    assert_int_equal(load_one("{" PEAKS ", \"fp16_acc32_tflops\": 5, " SOURCES "}", err, sizeof err), 2);
    assert_non_null(strstr(err, ".cards[0].sources.fp16_acc32_tflops: expected the source"));
    assert_int_equal(load_one("{" PEAKS ", \"fp16_acc32_tflops\": 20, \"sources\": {\"mem_gb\": \"a\", "
                              "\"bw_gbs\": \"b\", \"fp16_tflops\": \"c\", \"fp32_tflops\": \"d\", "
                              "\"fp16_acc32_tflops\": \"e\"}}", err, sizeof err), 2);
    assert_non_null(strstr(err, ".cards[0].fp16_acc32_tflops: expected at most fp16_tflops"));
    /* a board power needs its own source */
    assert_int_equal(load_one("{" PEAKS ", \"tdp_w\": 300, " SOURCES "}", err, sizeof err), 2);
    assert_non_null(strstr(err, ".cards[0].sources.tdp_w: expected the source"));
    assert_int_equal(load_one("{" PEAKS ", \"tdp_w\": -1, " SOURCES "}", err, sizeof err), 2);
    assert_int_equal(load_one("{" PEAKS ", \"process\": \"TSMC 4N\", " SOURCES "}", err, sizeof err), 2);
    assert_non_null(strstr(err, ".cards[0].sources.process: expected the source"));
    assert_int_equal(load_one("{" PEAKS ", \"process\": 4, " SOURCES "}", err, sizeof err), 2);
    assert_non_null(strstr(err, ".cards[0].process: expected the die's foundry process"));
    /* measurements live in models/validation/, with their sources */
    assert_int_equal(load_one("{" PEAKS ", " SOURCES ", \"measured\": []}", err, sizeof err), 2);
    assert_non_null(strstr(err, ".cards[0].measured: measurements belong in validation/fit.json"));
    /* a bad card anywhere in the file refuses the file, not only that card */
    assert_int_equal(load_one("{" PEAKS ", " SOURCES "}, {\"name\": \"Y\"}", err, sizeof err), 2);
    assert_non_null(strstr(err, ".cards[1].family"));
    /* a family outside the list names the file and the path */
    assert_int_equal(load_one("{\"name\": \"X\", \"family\": \"Kepler\", \"mem_gb\": 8}", err,
                              sizeof err), 2);
    assert_non_null(strstr(err, "/tmp/avrami-cards-"));
    assert_non_null(strstr(err, ".cards[0].family: expected one of \"Volta\""));
    assert_non_null(strstr(err, "\"Apple M4\""));
    /* two cards answering to one name: the lookup would pick either */
    assert_int_equal(load_one("{" PEAKS ", " SOURCES "}, {\"name\": \"Y\", \"vendor\": \"NVIDIA\", "
                              "\"aliases\": [\"Z\", \"x\"], \"family\": \"Ada\", \"mem_gb\": 8, "
                              "\"bw_gbs\": 100, \"fp16_tflops\": 10, \"fp32_tflops\": 5, " SOURCES "}",
                              err, sizeof err), 2);
    assert_non_null(strstr(err, ".cards[1].aliases[1]: \"x\" is already a name or alias of .cards[0]"));
}

/* Peaks against the figures the source pages print, copied here (not read
 * from cards.json) so that a slip in the file or in a derivation shows:
 * FP32 from cores x 2 x boost must give back a page's TFLOPS, FP16 on
 * Turing GeForce is 8x FP32 (KitGuru's Tensor FLOPS column), and no card
 * leaves the range of real hardware. */
static void test_card_peaks(void **state)
{
    (void)state;
    char err[512];
    struct {
        const char *card;
        double fp32, fp16, bw, mem;
    } pub[] = {
        {"RTX 2060", 0, 51.6, 336, 6},      /* KitGuru table; alldbin */
        {"RTX 2080", 0, 85, 448, 8},        /* KitGuru table; Game-GPU */
        {"RTX 2080 Ti", 13.45, 0, 616, 11}, /* spicedreamphone */
        {"RTX 3060 Ti", 16.2, 0, 448, 8},   /* Guru3D */
        {"RTX 4060", 15.11, 0, 272, 8},     /* FPSBench */
        {"RTX 4070 Super", 35.49, 0, 504, 12}, {"RTX 4080 Super", 52.22, 0, 736, 16}, /* SvetHardware */
        {"RTX 5090", 0, 0, 1792, 32},       /* TweakTown */
        {"RTX 2000 Ada", 12.0, 0, 224, 16}, /* IT Creations */
        {"T4", 8.1, 65, 320, 16},           /* RightNow AI */
        {"A40", 37.42, 149.67, 696, 48},    /* HMC-Tech; product sheet */
        {"L40S", 91.61, 366.43, 864, 48},   /* HMC-Tech; LLM book table */
        {"H200", 66.91, 989, 4800, 141},    /* HMC-Tech; LLM book; cheat sheet */
        {"M4", 3.76, 3.76, 120, 32},        /* HMC-Tech; Ars Technica table */
        {"M3 Max 30-core", 10.74, 10.74, 300, 0},
    };
    for (size_t i = 0; i < sizeof pub / sizeof *pub; i++) {
        tim_card c;
        assert_int_equal(tim_card_load("models/cards.json", pub[i].card, &c, err, sizeof err), 0);
        if (pub[i].fp32 > 0)
            assert_true(fabs(c.fp32_tflops / pub[i].fp32 - 1) < 0.01);
        if (pub[i].fp16 > 0)
            assert_true(fabs(c.fp16_tflops / pub[i].fp16 - 1) < 0.01);
        assert_true(c.bw_gbs == pub[i].bw);
        if (pub[i].mem > 0)
            assert_true(c.mem_gb == pub[i].mem);
    }
    /* FP32 convolutions (an upcast VAE) run as TF32 from Ampere on: half the
     * FP32-accumulate FP16 rate, which on GeForce cards equals the FP32 ALUs
     * (whitepapers: A100 TF32 156, RTX 3090 35.6, RTX 4090 82.6) */
    /* the SMs' INT32 rate: every FP32 lane on Volta, Turing, GA100 (given in
     * cards.json) and Blackwell; half of them on GA10x, Ada and Hopper */
    static const struct { const char *card; double int32; } i32[] = {
        {"V100", 15.7}, {"T4", 8.1}, {"A100 80GB", 19.5}, {"RTX 3090", 17.79}, {"RTX 4090", 41.29},
        {"H100", 33.45}, {"RTX 5090", 104.88}};
    for (size_t i = 0; i < sizeof i32 / sizeof *i32; i++) {
        tim_card c;
        assert_int_equal(tim_card_load("models/cards.json", i32[i].card, &c, err, sizeof err), 0);
        if (fabs(tim_card_int32(&c) / i32[i].int32 - 1) > 0.01)
            fail_msg("%s: INT32 at %.2f, expected %.2f", i32[i].card, tim_card_int32(&c), i32[i].int32);
    }
    static const struct { const char *card; double conv32; } tf32[] = {
        {"A100 40GB", 156}, {"RTX 3090", 35.58}, {"RTX 4090", 82.6}, {"T4", 8.1}, {"V100", 15.7},
        {"H100", 494.7}};
    for (size_t i = 0; i < sizeof tf32 / sizeof *tf32; i++) {
        tim_card c;
        assert_int_equal(tim_card_load("models/cards.json", tf32[i].card, &c, err, sizeof err), 0);
        if (fabs(tim_card_conv32(&c) / tf32[i].conv32 - 1) > 0.01)
            fail_msg("%s: FP32 convolutions at %.1f TFLOPS, expected %.1f", tf32[i].card,
                     tim_card_conv32(&c), tf32[i].conv32);
    }
    tim_card *all;
    int n;
    assert_int_equal(tim_card_load_all("models/cards.json", &all, &n, err, sizeof err), 0);
    assert_int_equal(n, 92);
    for (int i = 0; i < n; i++) {
        const tim_card *c = &all[i];
        int apple = c->family >= TIM_F_APPLE_M1;
        assert_true(c->fp32_tflops > 1 && c->fp32_tflops < 200);
        assert_true(apple ? c->fp16_tflops == c->fp32_tflops
                          : c->fp16_tflops >= 3.9 * c->fp32_tflops && c->fp16_tflops <= 16.5 * c->fp32_tflops);
        assert_true(c->bw_gbs > 50 && c->bw_gbs < 10000 && c->mem_gb >= 6 && c->mem_gb <= 512);
    }
    free(all);
}

static void test_card_families(void **state)
{
    (void)state;
    char err[512];
    struct {
        const char *card;
        tim_family f;
    } want[] = {{"RTX 3090", TIM_F_AMPERE}, {"RTX 4090", TIM_F_ADA}, {"L4", TIM_F_ADA},
                {"A100 80GB", TIM_F_AMPERE}, {"H100", TIM_F_HOPPER}, {"M1 Max", TIM_F_APPLE_M1},
                {"M2 Ultra", TIM_F_APPLE_M2}, {"M3", TIM_F_APPLE_M3}};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        tim_card c;
        assert_int_equal(tim_card_load("models/cards.json", want[i].card, &c, err, sizeof err), 0);
        assert_int_equal(c.family, want[i].f);
    }
    for (int f = 0; f < TIM_NFAMILIES; f++)
        assert_int_equal(tim_family_of_name(tim_family_name((tim_family)f)), f);
    assert_int_equal(tim_family_of_name("ada"), -1);
    assert_string_equal(tim_family_name(TIM_F_APPLE_M4), "Apple M4");
}

/* Power limits (docs/timing.md "Power limits").  The exponent reproduces
 * the power-capped card it was measured on (RTX 3090 Ti, 465.7 W -> 313.8 W
 * draw, 107.4 -> 96.3 fps; PC Gamer on Igor's Lab); a card with more power
 * per unit of peak than the reference keeps the reference's share.  In the
 * fit, a card borrowing its family's prompt efficiency scales it by that
 * share against the measured cards of its family on its process: the RTX
 * 6000 Ada (300 W, 142 SMs) against the RTX 4090 (450 W, 128 SMs), the RTX
 * 4080 (320 W on fewer SMs) not at all, and a GA10x card (Samsung 8N) never
 * against the A100 (GA100, TSMC N7).  The UNet's figure, borrowed from the
 * vendor, scales against the vendor's cards on the same process: the T4
 * left out against the V100 (both TSMC 12 nm FFN). */
static void test_power_limits(void **state)
{
    (void)state;
    assert_float_equal(tim_power_clock_share(313.8, 465.7), 96.3 / 107.4, 1e-12);
    assert_float_equal(tim_power_clock_share(2.0, 1.0), 1.0, 0);
    assert_float_equal(tim_power_clock_share(1.0, 1.0), 1.0, 0);
    char err[512];
    tim_card *all;
    int n, i4090 = -1, i6000 = -1, i4080 = -1, ia6000 = -1, i3090 = -1;
    assert_int_equal(tim_card_load_all("models/cards.json", &all, &n, err, sizeof err), 0);
    for (int i = 0; i < n; i++) {
        const char *nm = all[i].name;
        i4090 = !strcmp(nm, "RTX 4090") ? i : i4090;
        i6000 = !strcmp(nm, "RTX 6000 Ada") ? i : i6000;
        i4080 = !strcmp(nm, "RTX 4080") ? i : i4080;
        ia6000 = !strcmp(nm, "RTX A6000") ? i : ia6000;
        i3090 = !strcmp(nm, "RTX 3090") ? i : i3090;
    }
    assert_true(i4090 >= 0 && i6000 >= 0 && i4080 >= 0 && ia6000 >= 0 && i3090 >= 0);
    assert_float_equal(all[i6000].tdp_w, 300, 0);
    assert_float_equal(all[i4090].tdp_w, 450, 0);
    double r6000 = 300 / tim_card_lc_peak(&all[i6000], TIM_W_Q4_0),
           r4090 = 450 / tim_card_lc_peak(&all[i4090], TIM_W_Q4_0);
    /* F16 prompts (cuBLAS on the tensor cores) are measured on both cards */
    assert_int_equal(all[i6000].compute_src[TIM_W_F16], TIM_SRC_CARD);
    assert_int_equal(all[i4090].compute_src[TIM_W_F16], TIM_SRC_CARD);
    for (int w = 0; w < TIM_NW; w++) {
        if (w == TIM_W_F16)
            continue;
        assert_int_equal(all[i6000].compute_src[w], TIM_SRC_FAMILY);
        assert_float_equal(all[i6000].eff_compute_w[w],
                           all[i4090].eff_compute_w[w] * tim_power_clock_share(r6000, r4090), 1e-12);
        assert_true(all[i6000].eff_compute_w[w] < all[i4090].eff_compute_w[w]);
        assert_float_equal(all[i6000].power_share[w], tim_power_clock_share(r6000, r4090), 1e-12);
        assert_float_equal(all[i4080].power_share[w], 1, 0);
        assert_float_equal(all[i4080].eff_compute_w[w], all[i4090].eff_compute_w[w], 1e-12);
        /* decode streams memory: no power limit on it */
        assert_float_equal(all[i6000].eff_bw_w[w], all[i4090].eff_bw_w[w], 1e-12);
    }
    /* the A6000 (300 W) takes the Ampere cards' mean (RTX 3090 and A100
     * 80GB, both measured) scaled against the RTX 3090 (350 W) alone */
    int ia100 = -1;
    for (int i = 0; i < n; i++)
        ia100 = !strcmp(all[i].name, "A100 80GB") ? i : ia100;
    assert_true(ia100 >= 0 && all[ia100].compute_src[TIM_W_Q4_0] == TIM_SRC_CARD &&
                all[i3090].compute_src[TIM_W_Q4_0] == TIM_SRC_CARD);
    double ra = 300 / tim_card_lc_peak(&all[ia6000], TIM_W_Q4_0),
           r3090 = 350 / tim_card_lc_peak(&all[i3090], TIM_W_Q4_0);
    double mean = (all[i3090].eff_compute_w[TIM_W_Q4_0] + all[ia100].eff_compute_w[TIM_W_Q4_0]) / 2;
    assert_true(ra < r3090);
    assert_float_equal(all[ia6000].eff_compute_w[TIM_W_Q4_0], mean * tim_power_clock_share(ra, r3090),
                       1e-12);
    free(all);
    /* the T4 left out: the vendor's mean UNet figure, scaled against the V100 */
    tim_card *cards;
    int nc, it4 = -1, iv100 = -1;
    assert_int_equal(tim_cards_read("models/cards.json", &cards, &nc, err, sizeof err), 0);
    assert_int_equal(tim_fit_cards("models/validation/fit.json", "models", cards, nc, "T4", err,
                                   sizeof err), 0);
    double sum = 0;
    int m = 0;
    for (int i = 0; i < nc; i++) {
        it4 = !strcmp(cards[i].name, "T4") ? i : it4;
        iv100 = !strcmp(cards[i].name, "V100") ? i : iv100;
        if (cards[i].sd_src == TIM_SRC_CARD && !strcmp(cards[i].vendor, "NVIDIA")) {
            sum += cards[i].eff_sd;
            m++;
        }
    }
    assert_true(it4 >= 0 && iv100 >= 0 && m == 4 && cards[it4].sd_src == TIM_SRC_VENDOR);
    assert_string_equal(cards[it4].process, cards[iv100].process);
    double share = tim_power_clock_share(70 / cards[it4].fp16_tflops, 300 / cards[iv100].fp16_tflops);
    assert_true(share > 0.75 && share < 0.85);
    assert_float_equal(cards[it4].eff_sd, sum / m * share, 1e-12);
    free(cards);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cards_sourced),
        cmocka_unit_test(test_cards_refused),
        cmocka_unit_test(test_card_peaks),
        cmocka_unit_test(test_card_families),
        cmocka_unit_test(test_power_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
