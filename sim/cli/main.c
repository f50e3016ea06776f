/* avrami: command dispatch.  Keep this file a table; the work lives in the
 * modules that own each command. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "scenario/scn.h"
#include "util/version.h"

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

static const struct command COMMANDS[] = {
    {"run", cmd_run, "simulate a scenario: results database and summary"},
    {"check", cmd_check, "re-check the invariants of a results database"},
    {"replay", cmd_replay, "replay Helium conformance traces against the protocol model"},
    {"calibrate", cmd_calibrate, "measure this host's kernels and fit the roofline timing model"},
    {"timing", cmd_timing, "predict a task's time on a card (prefill, decode, load, VRAM)"},
    {"gpt", cmd_gpt, "run a Helium GPT task on the host kernels: ChatGPT-style response"},
    {"tokens", cmd_tokens, "count prompt tokens for a model; check tokenizers and the estimate"},
    {"sweep", cmd_sweep, "run a grid of scenario edits × replications into one database"},
    {"compare", cmd_compare, "run one workload under several protocol editions, paired by replication"},
    {"export", cmd_export, "write one table of a run or sweep database as CSV"},
    {"plot", cmd_plot, "draw a run or sweep database with gnuplot (PNG and SVG)"},
    {"report", cmd_report, "write a Markdown report of a run or sweep database with its plots"},
    {"security", cmd_security, "security argument: closed forms beside Monte Carlo, and where Helium differs"},
};

static void usage(FILE *out)
{
    fprintf(out, "avrami %s — a discrete-event simulator of the Crynux Helium network\n\n"
                 "usage: avrami COMMAND [ARGS...]\n\ncommands:\n", AVRAMI_VERSION);
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        fprintf(out, "  %-10s %s\n", COMMANDS[i].name, COMMANDS[i].summary);
    fprintf(out, "\n'avrami COMMAND --help' describes one command.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("avrami %s\n", AVRAMI_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        if (!strcmp(argv[1], COMMANDS[i].name))
            return COMMANDS[i].fn(argc - 1, argv + 1);
    /* a near miss ("sweeep") gets the command it most likely meant */
    const char *best = NULL;
    unsigned best_d = 3; /* at most two edits away */
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++) {
        unsigned d = scn_edit_distance(argv[1], COMMANDS[i].name);
        if (d < best_d) {
            best_d = d;
            best = COMMANDS[i].name;
        }
    }
    if (best) {
        fprintf(stderr, "avrami: unknown command '%s'; did you mean '%s'?\n", argv[1], best);
        return 2;
    }
    fprintf(stderr, "avrami: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
