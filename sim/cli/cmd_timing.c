/* avrami timing: what the timing model predicts for one card, model and
 * workload.  Exit 0, or 2 for bad arguments, unknown names or bad data files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "timing/tim.h"
#include "util/datadir.h"

static void usage(FILE *o)
{
    fprintf(o,
            "usage: avrami timing --card NAME --model NAME [options]\n"
            "  --runtime R       gpt: transformers (default: what Helium nodes ran, as gpt-task\n"
            "                    configures it) or llama.cpp; sd always runs on diffusers\n"
            "  --no-launch-blocking  transformers as published benchmarks run it (host and GPU\n"
            "                    overlap); gpt-task sets CUDA_LAUNCH_BLOCKING=1\n"
            "  --bits B          transformers: 32 (dtype float32, what dtype auto loads), 16\n"
            "                    (default), 8 (LLM.int8), 4 (bitsandbytes 4-bit);\n"
            "                    llama.cpp: 16, 8 (Q8_0: 8.5 stored), 4 (Q4_0: 4.5 stored)\n"
            "  --prompt N        prompt tokens (128)       --new N        new tokens (256)\n"
            "  --beams N         beams (1)                 --sequences N  returned sequences (1)\n"
            "  --steps N         sd steps (25)             --size WxH     sd image size (the model's\n"
            "                                                             native size, as scenarios)\n"
            "  --images N        sd images per task (1)    --not-cached   download the model first\n"
            "  --net GBS         download speed (0.1)      --disk GBS     disk read speed (1.0)\n"
            "  --cards PATH      (models/cards.json)       --llms PATH    (models/llms.json)\n"
            "  --sd PATH         (models/sd.json)\n"
            "  --h2d GBS         host-to-card copies of weights that do not fit (31.5, PCIe 4.0 x16):\n"
            "                    transformers places them with device_map=\"auto\" as gpt-task does\n"
            "   or: avrami timing --validate [--models DIR] [--rows]\n"
            "       leave-one-card-out error over models/validation/fit.json and the error over\n"
            "       check.json, per runtime, vendor and metric (--rows: every row)\n"
            "   or: avrami timing --divergence [--model gpt2] [--weights q8_0] [--prompts 16]\n"
            "       [--tokens 48] [--threads 2] [--out models/divergence.json]\n"
            "  greedy-decodes under each numerics profile and records the first differing token\n");
}

static int parse_int(const char *s, int *out)
{
    char *e;
    long v = strtol(s, &e, 10);
    if (*s == 0 || *e || v < 0 || v > 1000000)
        return -1;
    *out = (int)v;
    return 0;
}

static int divergence(int argc, char **argv)
{
    char out_def[DATADIR_PATH_MAX + 32], llms_def[DATADIR_PATH_MAX + 32];
    snprintf(out_def, sizeof out_def, "%s/divergence.json", datadir_models());
    snprintf(llms_def, sizeof llms_def, "%s/llms.json", datadir_models());
    const char *model = "gpt2", *out = out_def, *llms = llms_def;
    kern_type t = KERN_Q8_0;
    int prompts = 16, tokens = 48, threads = 2;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int bad = 0;
        if (!strcmp(a, "--divergence"))
            continue;
        if (!v)
            bad = 1;
        else if (!strcmp(a, "--model"))
            model = v;
        else if (!strcmp(a, "--llms"))
            llms = v;
        else if (!strcmp(a, "--out"))
            out = v;
        else if (!strcmp(a, "--weights"))
            bad = kern_type_parse(v, &t);
        else if (!strcmp(a, "--prompts"))
            bad = parse_int(v, &prompts) || prompts < 1;
        else if (!strcmp(a, "--tokens"))
            bad = parse_int(v, &tokens) || tokens < 1;
        else if (!strcmp(a, "--threads"))
            bad = parse_int(v, &threads) || threads < 1 || threads > 64;
        else
            bad = 1;
        if (bad) {
            fprintf(stderr, "avrami timing --divergence: bad or incomplete option '%s'\n", a);
            return 2;
        }
        i++;
    }
    kern_threads_set(threads);
    int rc = tim_divergence(llms, model, t, prompts, tokens, out);
    kern_threads_set(1);
    return rc;
}

/* the header of --validate's list of benchmark machines */
#define HOSTS_HEADER                                                                              \
    "benchmark machines the rows name (transformers: host time over the median machine's, fitted "  \
    "on fit.json):\n"

static void print_err(const tim_err *e)
{
    if (e->n)
        printf("  %3d %6.1f%% %6.1f%%", e->n, e->mape, e->worst);
    else
        printf("  %3s %7s %7s", "-", "-", "-");
}

static int validate(int argc, char **argv)
{
    const char *dir = datadir_models();
    int rows = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--validate"))
            continue;
        if (!strcmp(argv[i], "--rows")) {
            rows = 1;
        } else if (!strcmp(argv[i], "--models") && i + 1 < argc) {
            dir = argv[++i];
        } else {
            fprintf(stderr, "avrami timing --validate: bad or incomplete option '%s'\n", argv[i]);
            return 2;
        }
    }
    tim_validation v;
    char err[1024];
    if (tim_validate(dir, rows, &v, err, sizeof err)) {
        fprintf(stderr, "avrami timing --validate: %s\n", err);
        return 2;
    }
    static const char *const metric[TIM_NM] = {"decode", "prefill", "sd"};
    static const char *const vendor[TIM_NV] = {"NVIDIA", "Apple"};
    printf("%s%-13s %-7s %-8s %-24s %-24s\n", rows ? "\n" : "", "runtime", "vendor", "metric",
           "  leave-one-card-out", "  check set");
    printf("%-13s %-7s %-8s  %3s %7s %7s  %3s %7s %7s\n", "", "", "", "n", "MAPE", "worst", "n",
           "MAPE", "worst");
    for (int r = 0; r < TIM_NRT; r++)
        for (int vd = 0; vd < TIM_NV; vd++)
            for (int m = 0; m < TIM_NM; m++) {
                if (!v.loo[r][vd][m].n && !v.check[r][vd][m].n)
                    continue;
                printf("%-13s %-7s %-8s", tim_runtime_name((tim_runtime)r), vendor[vd], metric[m]);
                print_err(&v.loo[r][vd][m]);
                print_err(&v.check[r][vd][m]);
                printf("\n");
            }
    if (v.vram.n)
        printf("diffusers peak memory (check set): %d row(s), MAPE %.1f%%\n", v.vram.n, v.vram.mape);
    int header = 0;
    for (int r = 0; r < TIM_NRT; r++)
        for (int vd = 0; vd < TIM_NV; vd++)
            for (int m = 0; m < TIM_NM; m++) {
                if (!v.spread[r][vd][m].pairs)
                    continue;
                if (!header++)
                    printf("the same measurement published twice (same card, model, weights, shape and build era;\n"
                           "  the difference is the machine around the card and the harness):\n"
                           "%-13s %-7s %-8s  %5s %7s %7s  %s\n",
                           "runtime", "vendor", "metric", "pairs", "median", "worst",
                           "smallest MAPE any prediction can have");
                printf("%-13s %-7s %-8s  %5d %6.2fx %6.2fx  %.1f%%\n", tim_runtime_name((tim_runtime)r),
                       vendor[vd], metric[m], v.spread[r][vd][m].pairs, v.spread[r][vd][m].median_ratio,
                       v.spread[r][vd][m].worst_ratio, v.spread[r][vd][m].floor_pct);
            }
    for (int h = 0; h < v.nhosts; h++)
        if (v.hosts[h].fit_rows)
            printf("%s  %-19s %5.2fx  %d fitted rows\n", h ? "" : HOSTS_HEADER, v.hosts[h].name,
                   v.hosts[h].factor, v.hosts[h].fit_rows);
        else
            printf("%s  %-19s %5.2fx  no fitted rows: the median machine's\n", h ? "" : HOSTS_HEADER,
                   v.hosts[h].name, v.hosts[h].factor);
    printf("rows left out: %d naming a card not in cards.json, %d excluded by the data file "
           "(with its reason)\n", v.skipped, v.excluded);
    return 0;
}

int cmd_timing(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--divergence"))
            return divergence(argc, argv);
        if (!strcmp(argv[i], "--validate"))
            return validate(argc, argv);
    }
    char cards_def[DATADIR_PATH_MAX + 32], llms_def[DATADIR_PATH_MAX + 32], sd_def[DATADIR_PATH_MAX + 32];
    snprintf(cards_def, sizeof cards_def, "%s/cards.json", datadir_models());
    snprintf(llms_def, sizeof llms_def, "%s/llms.json", datadir_models());
    snprintf(sd_def, sizeof sd_def, "%s/sd.json", datadir_models());
    const char *card = NULL, *model = NULL, *cards = cards_def, *llms = llms_def, *sd = sd_def;
    double bits = 16;
    tim_workload w;
    tim_workload_default(&w, TIM_GPT);
    int steps = -1, size_given = 0, blocking = 1;
    tim_runtime rt = TIM_RT_TRANSFORMERS;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int bad = 0;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--not-cached")) {
            w.cached = 0;
            continue;
        } else if (!strcmp(a, "--no-launch-blocking")) {
            blocking = 0;
            continue;
        } else if (!v) {
            bad = 1;
        } else if (!strcmp(a, "--card")) {
            card = v;
        } else if (!strcmp(a, "--model")) {
            model = v;
        } else if (!strcmp(a, "--cards")) {
            cards = v;
        } else if (!strcmp(a, "--llms")) {
            llms = v;
        } else if (!strcmp(a, "--sd")) {
            sd = v;
        } else if (!strcmp(a, "--runtime")) {
            bad = tim_runtime_parse(v, &rt) || rt == TIM_RT_DIFFUSERS;
        } else if (!strcmp(a, "--bits")) {
            bits = atof(v);
            bad = bits != 4 && bits != 8 && bits != 16 && bits != 32;
        } else if (!strcmp(a, "--prompt")) {
            bad = parse_int(v, &w.prompt_tokens);
        } else if (!strcmp(a, "--new")) {
            bad = parse_int(v, &w.max_new_tokens);
        } else if (!strcmp(a, "--beams")) {
            bad = parse_int(v, &w.num_beams);
        } else if (!strcmp(a, "--sequences")) {
            bad = parse_int(v, &w.num_sequences);
        } else if (!strcmp(a, "--steps")) {
            bad = parse_int(v, &steps);
        } else if (!strcmp(a, "--images")) {
            bad = parse_int(v, &w.images);
        } else if (!strcmp(a, "--size")) {
            bad = sscanf(v, "%dx%d", &w.width, &w.height) != 2 || w.width < 64 || w.height < 64;
            size_given = 1;
        } else if (!strcmp(a, "--net")) {
            bad = !((w.net_gbs = atof(v)) > 0);
        } else if (!strcmp(a, "--disk")) {
            bad = !((w.disk_gbs = atof(v)) > 0);
        } else if (!strcmp(a, "--h2d")) {
            bad = !((w.h2d_gbs = atof(v)) > 0);
        } else {
            fprintf(stderr, "avrami timing: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        }
        if (bad) {
            fprintf(stderr, "avrami timing: %s: expected %s\n", a,
                    !v ? "a value" : !strcmp(a, "--bits") ? "4, 8, 16 or 32"
                    : !strcmp(a, "--runtime") ? "transformers or llama.cpp" : "a valid value");
            return 2;
        }
        i++;
    }
    if (!card || !model) {
        fprintf(stderr, "avrami timing: --card and --model are required\n");
        usage(stderr);
        return 2;
    }
    char err[512], names[4096];
    tim_card c;
    tim_model m;
    int rc = tim_card_load(cards, card, &c, err, sizeof err);
    if (rc) {
        fprintf(stderr, "avrami timing: %s\n", err);
        if (rc == 1 && !tim_card_list(cards, names, sizeof names))
            fprintf(stderr, "known cards: %s\n", names);
        return 2;
    }
    rc = tim_model_load(llms, sd, model, &m, err, sizeof err);
    if (rc) {
        fprintf(stderr, "avrami timing: %s\n", err);
        if (rc == 1 && !kern_model_list(llms, names, sizeof names))
            fprintf(stderr, "known language models: %s (image models: see %s)\n", names, sd);
        return 2;
    }
    if (rt == TIM_RT_LLAMACPP && bits == 32) {
        fprintf(stderr, "avrami timing: --bits 32 needs --runtime transformers\n");
        return 2;
    }
    w.runtime = rt;
    /* as a node runs it: gpt-task's device_map="auto", the frameworks'
     * out-of-memory failures (llama.cpp is not what the nodes ran) */
    w.as_frameworks = rt == TIM_RT_TRANSFORMERS || m.kind == TIM_SD;
    /* gpt-task sets CUDA_LAUNCH_BLOCKING=1 (crynux-ai/gpt-task
     * src/gpt_task/inference/utils.py @ 0d0794e, use_deterministic_mode) */
    w.launch_blocking = rt == TIM_RT_TRANSFORMERS && blocking;
    w.bits = rt == TIM_RT_TRANSFORMERS ? bits : bits == 4 ? 4.5 : bits == 8 ? 8.5 : 16;
    if (m.kind == TIM_SD) {
        w.runtime = TIM_RT_DIFFUSERS;
        w.steps = steps >= 0 ? steps : 25;
        w.bits = 16;
        if (!size_given) /* the simulator's default: the model's native size */
            w.width = w.height = m.sd_native;
    }
    tim_breakdown b;
    tim_task_breakdown(&m, &c, &w, &b);
    tim_weights wt = tim_weights_of_bits(w.bits);
    printf("card   %s (%s, %s): %.0f GB, %.0f GB/s, %.1f FP16 TFLOPS\n", c.name, c.vendor,
           tim_family_name(c.family), c.mem_gb, c.bw_gbs, c.fp16_tflops);
    if (m.kind == TIM_SD)
        printf("runtime diffusers: UNet efficiency %.3f (from %s); %.1f ms fixed per step\n",
               c.eff_sd, tim_src_name(c.sd_src), c.sd_step_s * 1e3);
    else if (rt == TIM_RT_LLAMACPP)
        printf("runtime llama.cpp (%s weights): bandwidth efficiency %.3f (from %s), compute %.3f "
               "of %.1f %s (from %s); %.2f ms per forward on the %s backend\n",
               tim_weights_name(wt), c.eff_bw_w[wt], tim_src_name(c.bw_src[wt]),
               c.eff_compute_w[wt], tim_card_lc_peak(&c, wt),
               strcmp(c.vendor, "Apple") && wt != TIM_W_F16 ? "DP4A TOPS" : "FP16 TFLOPS",
               tim_src_name(c.compute_src[wt]), c.lc_token_s * 1e3, c.vendor);
    else {
        const char *peak_name;
        double peak = tim_tf_peak(&c, &w, &peak_name);
        printf("runtime transformers (%s): streaming "
               "efficiency %.3f (from %s), compute %.3f of %.1f %s (llama.cpp's F16 prompt "
               "share); host %.2f ms per layer%s\n",
               w.launch_blocking ? "as gpt-task runs it: CUDA_LAUNCH_BLOCKING=1"
                                 : "launches overlapping the GPU, as benchmarks run it",
               c.eff_bw_w[TIM_W_F16], tim_src_name(c.bw_src[TIM_W_F16]),
               c.eff_compute_w[TIM_W_F16], peak, peak_name,
               c.tf_layer_s * 1e3,
               bits == 8 ? ", LLM.int8 per linear layer" : bits == 4 ? ", 4-bit per linear layer" : "");
    }
    /* the power limit's share in the compute figure used (docs/timing.md) */
    double pw = c.power_share[m.kind == TIM_SD ? TIM_NW : rt == TIM_RT_LLAMACPP ? (int)wt : TIM_W_F16];
    if (pw < 1)
        printf("power  %.0f W board power (%s): the borrowed compute share x %.3f, the clock its "
               "power sustains\n", c.tdp_w, c.process, pw);
    if (m.kind == TIM_GPT && rt == TIM_RT_TRANSFORMERS && bits < 16 && !strcmp(c.vendor, "Apple"))
        printf("note   bitsandbytes 0.41.3 (gpt-task's pin) has no Metal backend: a quantized "
               "task fails on this card\n");
    if (m.kind == TIM_GPT) {
        printf("model  %s: %.2fB parameters, %.0f bits/weight\n", m.name,
               kern_model_params(&m.llm) / 1e9, bits);
        printf("work   prompt %d, new %d, beams %d, sequences %d, %s\n", w.prompt_tokens,
               w.max_new_tokens, w.num_beams, w.num_sequences,
               w.cached ? "cached" : "download first");
        printf("prefill  %10.1f tokens/s  %8.3f s\n", b.prefill_tps, b.prefill_s);
        printf("decode   %10.1f tokens/s  %8.3f s\n", b.decode_tps, b.decode_s);
    } else {
        printf("model  %s: %.2fB parameters (FP16)\n", m.name, m.sd_params / 1e9);
        printf("work   %d steps, %dx%d, %d image(s), %s\n", w.steps, w.width, w.height,
               w.images, w.cached ? "cached" : "download first");
        printf("step     %8.3f s   VAE decode %.3f s   sampling %.3f s\n", b.step_s, b.vae_s,
               b.decode_s);
    }
    printf("load     %8.3f s   overhead %.3f s\n", b.load_s, b.overhead_s);
    printf("task     %8.3f s\n", b.total_s);
    printf("vram     %8.2f GB needed of %.0f GB: %s\n", b.vram_gb, c.mem_gb,
           b.vram_gb <= c.mem_gb ? "fits" : "does not fit");
    if (b.offload_gb > 0)
        printf("offload  %8.2f GB of weights in host memory (device_map=\"auto\" keeps 90%% (bitsandbytes: 81%%) of the free "
               "memory less the largest layer), copied to the card on every forward at %.1f GB/s: "
               "%.3f s of the task\n", b.offload_gb, w.h2d_gbs, b.offload_s);
    if (b.fail)
        printf("fails    %s: the task time above is until it fails\n", tim_fail_name(b.fail));
    return 0;
}
