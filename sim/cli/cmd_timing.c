/* avrami timing: what the timing model predicts for one card, model and
 * workload.  Exit 0, or 2 for bad arguments, unknown names or bad data files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "timing/tim.h"

static void usage(FILE *o)
{
    fprintf(o,
            "usage: avrami timing --card NAME --model NAME [options]\n"
            "  --bits B          weight bits: 16 (default), 8 (Q8_0: 8.5 stored), 4 (Q4_0: 4.5 stored)\n"
            "  --prompt N        prompt tokens (128)       --new N        new tokens (256)\n"
            "  --beams N         beams (1)                 --sequences N  returned sequences (1)\n"
            "  --steps N         sd steps (25)             --size WxH     sd image size (512x512)\n"
            "  --images N        sd images per task (1)    --not-cached   download the model first\n"
            "  --net GBS         download speed (0.1)      --disk GBS     disk read speed (1.0)\n"
            "  --cards PATH      (models/cards.json)       --llms PATH    (models/llms.json)\n"
            "  --sd PATH         (models/sd.json)\n"
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
    const char *model = "gpt2", *out = "models/divergence.json", *llms = "models/llms.json";
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

int cmd_timing(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--divergence"))
            return divergence(argc, argv);
    const char *card = NULL, *model = NULL, *cards = "models/cards.json",
               *llms = "models/llms.json", *sd = "models/sd.json";
    double bits = 16;
    tim_workload w;
    tim_workload_default(&w, TIM_GPT);
    int steps = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int bad = 0;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--not-cached")) {
            w.cached = 0;
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
        } else if (!strcmp(a, "--bits")) {
            bits = atof(v);
            bad = bits != 4 && bits != 8 && bits != 16;
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
        } else if (!strcmp(a, "--net")) {
            bad = !((w.net_gbs = atof(v)) > 0);
        } else if (!strcmp(a, "--disk")) {
            bad = !((w.disk_gbs = atof(v)) > 0);
        } else {
            fprintf(stderr, "avrami timing: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        }
        if (bad) {
            fprintf(stderr, "avrami timing: %s: expected %s\n", a,
                    !v ? "a value" : !strcmp(a, "--bits") ? "4, 8 or 16" : "a valid value");
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
    w.bits = bits == 4 ? 4.5 : bits == 8 ? 8.5 : 16; /* block scales ride along */
    if (m.kind == TIM_SD) {
        w.steps = steps >= 0 ? steps : 25;
        w.bits = 16;
    }
    tim_breakdown b;
    tim_task_breakdown(&m, &c, &w, &b);
    double eb, ec;
    tim_weights wt = tim_weights_of_bits(w.bits);
    tim_card_eff(&c, w.bits, &eb, &ec, NULL);
    printf("card   %s: %.0f GB, %.0f GB/s, %.1f FP16 TFLOPS\n", c.name, c.mem_gb, c.bw_gbs,
           c.fp16_tflops);
    printf("efficiency (%s weights): bandwidth %.3f (%s), compute %.3f (%s)\n",
           tim_weights_name(wt), eb,
           c.eff_bw_w[wt] > 0 ? "from the card's published measurement"
           : c.bw_from_host ? "host calibrated default" : "from the card's other measurements",
           ec,
           c.eff_compute_w[wt] > 0 ? "from the card's published measurement"
           : c.compute_from_host ? "host calibrated default" : "from the card's other measurements");
    if (m.kind == TIM_GPT) {
        printf("model  %s: %.2fB parameters, %.0f bits/weight stored %.1f (%.2f GB of weights)\n",
               m.name, kern_model_params(&m.llm) / 1e9, bits, w.bits,
               tim_weight_bytes(&m, w.bits) / 1e9);
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
    return 0;
}
