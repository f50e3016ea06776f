/* libFuzzer target: the vss-trace/1 reader (replay/vss_trace.c) and, for
 * traces it accepts, the replay of their steps through the VSS model.  Any
 * crash, sanitizer report or hang is a bug: a malformed trace must only ever
 * be an error message. */
#include <stddef.h>
#include <stdint.h>

#include "replay/vss_replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vtrace t;
    char err[512];
    if (vtrace_parse("fuzz.json", (const char *)data, size, &t, err, sizeof err)) {
        replay_result r;
        vss_replay_trace(&t, &r);
    }
    vtrace_free(&t);
    return 0;
}
