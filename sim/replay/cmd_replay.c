/* avrami replay FILE...: protocol conformance against recorded traces. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "replay/replay.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: avrami replay [--quiet] TRACE.json...\n\n"
            "Replays Helium conformance traces (format helium-trace/1) against the protocol\n"
            "model: every step's outcome, revert reason, events and full state must match.\n"
            "Prints the first mismatch of each trace and a closing line\n"
            "  replay: T traces, S steps, M mismatches\n"
            "Exit status: 0 all match, 1 mismatches, 2 unreadable or malformed input.\n\n"
            "  --quiet   print only failing traces and the closing line\n");
}

int cmd_replay(int argc, char **argv)
{
    bool quiet = false;
    int first = 1;
    for (; first < argc && argv[first][0] == '-'; first++) {
        if (!strcmp(argv[first], "--quiet") || !strcmp(argv[first], "-q")) {
            quiet = true;
        } else if (!strcmp(argv[first], "--help") || !strcmp(argv[first], "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(argv[first], "--")) {
            first++;
            break;
        } else {
            fprintf(stderr, "avrami replay: unknown option '%s'\n", argv[first]);
            usage(stderr);
            return 2;
        }
    }
    if (first >= argc) {
        fprintf(stderr, "avrami replay: no trace files given\n");
        usage(stderr);
        return 2;
    }
    size_t traces = 0, steps = 0, mismatches = 0, bad = 0;
    for (int i = first; i < argc; i++) {
        trace t;
        char err[512];
        if (!trace_load(argv[i], &t, err, sizeof err)) {
            fprintf(stderr, "avrami replay: %s\n", err);
            trace_free(&t);
            bad++;
            continue;
        }
        replay_result r;
        replay_trace(&t, &r);
        traces++;
        steps += r.steps;
        mismatches += r.mismatched_steps;
        if (r.mismatched_steps)
            printf("FAIL %s: %zu of %zu steps differ; first at step %ld\n"
                   "     %s\n     expected: %s\n     got:      %s\n",
                   argv[i], r.mismatched_steps, r.steps, r.first_step, r.first.path,
                   r.first.expected, r.first.got);
        else if (!quiet)
            printf("ok   %s (%zu steps)\n", argv[i], r.steps);
        trace_free(&t);
    }
    printf("replay: %zu traces, %zu steps, %zu mismatches\n", traces, steps, mismatches);
    if (bad)
        return 2;
    return mismatches ? 1 : 0;
}
