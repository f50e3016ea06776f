/* avrami replay FILE...: protocol conformance against recorded traces. */
#include <stdio.h>
#include <string.h>

#include <stdlib.h>

#include "cli/commands.h"
#include "replay/replay.h"
#include "replay/vss_replay.h"
#include "util/rfile.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: avrami replay [--quiet] TRACE.json...\n\n"
            "Replays conformance traces against the protocol models: helium-trace/1 (the\n"
            "Helium contracts), hydrogen-trace/1 (the Hydrogen contracts,\n"
            "docs/conformance-hydrogen.md) and vss-trace/1 (the on-chain VSS contracts,\n"
            "docs/conformance-vss.md),\n"
            "told apart by their \"format\": every step's outcome, revert reason, events and\n"
            "state must match.\n"
            "Prints the first mismatch of each trace and a closing line\n"
            "  replay: T traces, S steps, M mismatches\n"
            "Exit status: 0 all match, 1 mismatches, 2 unreadable or malformed input.\n\n"
            "  --quiet   print only failing traces and the closing line\n");
}

/* Whether the text is a vss-trace/1 (anything else goes to the reader of
 * helium-trace/1 and hydrogen-trace/1, which reports what is wrong with it). */
static bool is_vss(const char *text, size_t len)
{
    cJSON *root = cJSON_ParseWithLength(text, len);
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(root, "format");
    bool vss = cJSON_IsString(f) && !strcmp(f->valuestring, "vss-trace/1");
    cJSON_Delete(root);
    return vss;
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
        char err[512], why[128];
        size_t len;
        char *text = rfile_read(argv[i], RFILE_MAX, &len, why, sizeof why);
        if (!text) {
            fprintf(stderr, "avrami replay: %s: cannot open (%s)\n", argv[i], why);
            bad++;
            continue;
        }
        replay_result r;
        bool loaded;
        if (is_vss(text, len)) {
            vtrace t;
            loaded = vtrace_parse(argv[i], text, len, &t, err, sizeof err);
            if (loaded)
                vss_replay_trace(&t, &r);
            vtrace_free(&t);
        } else {
            trace t;
            loaded = trace_parse(argv[i], text, len, &t, err, sizeof err);
            if (loaded)
                replay_trace(&t, &r);
            trace_free(&t);
        }
        free(text);
        if (!loaded) {
            fprintf(stderr, "avrami replay: %s\n", err);
            bad++;
            continue;
        }
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
    }
    printf("replay: %zu traces, %zu steps, %zu mismatches\n", traces, steps, mismatches);
    if (bad)
        return 2;
    return mismatches ? 1 : 0;
}
