/* avrami gpt: run a Helium GPT task on the host, or price it for the
 * simulator.  Exit 0; 2 for bad arguments, a bad task file (file, JSON path,
 * what was expected) or a task this host refuses (with what it needs). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "gpt/gpt.h"
#include "util/afile.h"
#include "util/datadir.h"

static void usage(FILE *o)
{
    fprintf(o,
            "usage: avrami gpt run TASK.json [options]\n"
            "  --seed S       override the task's seed\n"
            "  --threads N    kernel threads (default: online CPUs; results do not depend on it)\n"
            "  --profile P    numerics profile: l16-pairwise (default), l32-pairwise, l16-serial,\n"
            "                 l64-serial — the stand-in for a card model\n"
            "  --timing       measured prefill/decode tokens/s beside the timing model's\n"
            "                 prediction for this host (models/calibration/host.json), on stderr\n"
            "  --out FILE     write the response there instead of stdout\n"
            "  --models DIR   llms.json, chat-templates.json, tokenizer-corpus.txt (models)\n"
            "  --llms PATH    model shapes (DIR/llms.json)\n"
            "  --mem-gb G     memory to allow (default: what the host has available)\n"
            "  --strict       refuse what the Helium-era framework accepts but warns about\n"
            "                 here (unknown or repeated keys, values it converts)\n"
            "   or: avrami gpt estimate TASK.json [--card NAME] [--models DIR] [--strict]\n"
            "  the simulator's view: estimated prompt tokens, VRAM, task time on a card\n"
            "   or: avrami gpt prompt TASK.json [--json] [--models DIR] [--strict]\n"
            "  the prompt the model's chat template renders, and its token count\n"
            "  (--json: one object with the keys prompt and prompt_tokens)\n"
            "   or: avrami gpt add-model CONFIG.json --id ORG/NAME [--name NAME]\n"
            "  an llms.json entry written from a Hugging Face config.json, on stdout\n");
}

static int parse_num(const char *s, double lo, double hi, double *out)
{
    char *e;
    double v = strtod(s, &e);
    if (!*s || *e || !(v >= lo && v <= hi))
        return -1;
    *out = v;
    return 0;
}

/* the file can be created or replaced (nothing is created to find out) */
static int writable(const char *path)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        slash[slash == dir] = 0;
    if (access(slash ? dir : ".", W_OK))
        return 0;
    return access(path, F_OK) || !access(path, W_OK);
}

static void print_timing(const gpt_run_stats *s, const char *profile, int threads)
{
    double work = s->total_s - s->load_s, out = work - s->kernel_s;
    fprintf(stderr, "timing   %d threads, profile %s\n", threads, profile);
    fprintf(stderr, "load     %8.3f s  (weight synthesis; not part of the task)\n", s->load_s);
    fprintf(stderr, "prefill  %5d tokens %8.3f s  %9.2f tokens/s", s->prompt_tokens,
            s->prefill_s, s->prefill_s > 0 ? s->prompt_tokens / s->prefill_s : 0);
    if (s->predicted)
        fprintf(stderr, "  predicted %9.2f tokens/s", s->prompt_tokens / s->pred_prefill_s);
    fprintf(stderr, "\ndecode   %5d steps  %8.3f s  %9.2f tokens/s", s->decode_steps, s->decode_s,
            s->decode_s > 0 ? s->decode_steps / s->decode_s : 0);
    if (s->predicted && s->pred_decode_s > 0)
        fprintf(stderr, "  predicted %9.2f tokens/s", s->decode_steps / s->pred_decode_s);
    fprintf(stderr, "\noutside the kernels %.4f s = %.2f%% of %.3f s (template, tokenizer, "
                    "sampling, JSON)\n",
            out, work > 0 ? 100 * out / work : 0, work);
    if (!s->predicted)
        fprintf(stderr, "(no prediction: run avrami calibrate for this thread count)\n");
}

int cmd_gpt_read_task(const char *path, int strict, gpt_task *t)
{
    char err[1024];
    if (gpt_task_read_opts(path, strict, t, err, sizeof err)) {
        fprintf(stderr, "avrami gpt: %s\n", err);
        return 2;
    }
    for (int i = 0; i < t->n_warnings && i < GPT_TASK_MAX_WARNINGS; i++)
        fprintf(stderr, "avrami gpt: warning: %s: %s\n", path, t->warning[i]);
    if (t->n_warnings > GPT_TASK_MAX_WARNINGS)
        fprintf(stderr, "avrami gpt: warning: %s: %d more\n", path,
                t->n_warnings - GPT_TASK_MAX_WARNINGS);
    return 0;
}

static int estimate(int argc, char **argv)
{
    const char *task = NULL, *models = datadir_models(), *card = NULL;
    int strict = 0;
    for (int i = 2; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--strict"))
            strict = 1;
        else if (!strcmp(argv[i], "--card") && v)
            card = argv[++i];
        else if (!strcmp(argv[i], "--models") && v)
            models = argv[++i];
        else if (argv[i][0] != '-' && !task)
            task = argv[i];
        else {
            fprintf(stderr, "avrami gpt estimate: bad or incomplete option '%s'\n", argv[i]);
            return 2;
        }
    }
    if (!task) {
        usage(stderr);
        return 2;
    }
    gpt_workload w;
    gpt_task t;
    char err[1024], path[1024];
    if (cmd_gpt_read_task(task, strict, &t))
        return 2;
    gpt_task_free(&t);
    if (gpt_workload_load(task, models, &w, err, sizeof err)) {
        fprintf(stderr, "avrami gpt: %s\n", err);
        return 2;
    }
    if (w.note[0])
        fprintf(stderr, "avrami gpt: warning: %s: $.model: %s\n", task, w.note);
    if (w.prompt_tokens + w.max_new_tokens > w.cfg.context)
        fprintf(stderr, "avrami gpt: warning: %s: $.generation_config.max_new_tokens: the prompt (%d tokens) "
                        "plus %d new tokens exceed %s's context of %d positions; the framework accepts the "
                        "task, and generation cannot go past the context (priced as asked)\n",
                task, w.prompt_tokens, w.max_new_tokens, w.cfg.name, w.cfg.context);
    printf("model    %s -> %s, %s weights%s\n", w.model_id, w.llms_name, kern_type_name(w.wtype),
           w.runnable ? "" : " (priced only: avrami gpt run cannot run this architecture)");
    printf("prompt   %d tokens (%s %s)\n", w.prompt_tokens, w.prompt_exact ? "exact," : "estimate,",
           w.tokenizer);
    printf("work     %d new tokens, %d beams, %d sequences: %d rows decoded\n", w.max_new_tokens,
           w.num_beams, w.num_sequences, w.rows);
    printf("runtime  transformers with CUDA_LAUNCH_BLOCKING=1, as Helium's nodes ran gpt-task (docs/timing.md)\n");
    printf("vram     %.2f GB\n", gpt_workload_vram_gb(&w));
    if (card) {
        tim_card c;
        snprintf(path, sizeof path, "%s/cards.json", models);
        if (tim_card_load(path, card, &c, err, sizeof err)) {
            fprintf(stderr, "avrami gpt: %s\n", err);
            return 2;
        }
        printf("time     %.3f s on %s\n", gpt_workload_seconds(&w, &c), c.name);
    }
    return 0;
}

int cmd_gpt(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "estimate"))
        return estimate(argc, argv);
    if (!strcmp(argv[1], "prompt"))
        return cmd_gpt_prompt(argc, argv);
    if (!strcmp(argv[1], "add-model"))
        return cmd_gpt_add_model(argc, argv);
    if (strcmp(argv[1], "run")) {
        fprintf(stderr, "avrami gpt: unknown subcommand '%s'\n", argv[1]);
        usage(stderr);
        return 2;
    }
    gpt_run_opts o = {.models_dir = datadir_models(), .profile = kern_profile_default};
    const char *task = NULL, *out = NULL;
    int strict = 0;
    double threads = (double)sysconf(_SC_NPROCESSORS_ONLN), d = 0;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int bad = 0;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--timing")) {
            o.timing = 1;
            continue;
        } else if (!strcmp(a, "--strict")) {
            strict = 1;
            continue;
        } else if (a[0] != '-') {
            bad = task != NULL;
            task = a;
            if (!bad)
                continue;
        } else if (!v) {
            bad = 1;
        } else if (!strcmp(a, "--seed")) {
            bad = parse_num(v, 0, 9007199254740992.0, &d) || d != (double)(uint64_t)d;
            o.seed_override = 1;
            o.seed = (uint64_t)d;
        } else if (!strcmp(a, "--threads")) {
            bad = parse_num(v, 1, 256, &threads) || threads != (int)threads;
        } else if (!strcmp(a, "--profile")) {
            bad = !(o.profile = kern_profile_find(v));
        } else if (!strcmp(a, "--out")) {
            out = v;
        } else if (!strcmp(a, "--models")) {
            o.models_dir = v;
        } else if (!strcmp(a, "--llms")) {
            o.llms_path = v;
        } else if (!strcmp(a, "--mem-gb")) {
            bad = parse_num(v, 1e-6, 1e6, &o.mem_limit_gb);
        } else {
            fprintf(stderr, "avrami gpt run: unknown option '%s'\n", a);
            return 2;
        }
        if (bad) {
            fprintf(stderr, "avrami gpt run: %s: bad or missing value%s\n", a,
                    !strcmp(a, "--profile") ? " (l16-pairwise, l32-pairwise, l16-serial, "
                                              "l64-serial)" : "");
            return 2;
        }
        i++;
    }
    if (!task) {
        fprintf(stderr, "avrami gpt run: no task file\n");
        usage(stderr);
        return 2;
    }
    if (out && !writable(out)) { /* refuse before the work */
        fprintf(stderr, "avrami gpt run: %s: cannot write\n", out);
        return 2;
    }
    gpt_task t;
    char err[1024];
    if (cmd_gpt_read_task(task, strict, &t))
        return 2;
    kern_threads_set((int)threads);
    gpt_run_stats st;
    char *resp = NULL;
    int rc = gpt_run(&t, &o, &resp, &st, err, sizeof err);
    int used_threads = kern_threads_get();
    kern_threads_set(1);
    gpt_task_free(&t);
    if (rc) {
        fprintf(stderr, "avrami gpt: %s: %s\n", task, err);
        return 2;
    }
    if (out && !afile_write_text(out, resp)) {
        fprintf(stderr, "avrami gpt run: %s: cannot write\n", out);
        rc = 2;
    } else if (!out) {
        printf("%s\n", resp);
    }
    fflush(stdout);
    if (!rc) /* stated every time: the response looks like a real one */
        fprintf(stderr, "avrami gpt: note: synthetic weights of the model's shape, not its training: the "
                        "text is not language; shape, arithmetic, sampling and response format are the "
                        "real ones; prompt_tokens %s with the %s %s\n",
                st.prompt_exact ? "exact" : "estimated", st.tokenizer,
                st.prompt_exact ? "tokenizer" : "estimate");
    free(resp);
    if (o.timing && !rc)
        print_timing(&st, o.profile->name, used_threads);
    return rc;
}
