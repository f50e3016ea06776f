/* libFuzzer target: the trace reader and, for traces it accepts, the replay
 * of their steps through the protocol model.  Any crash, sanitizer report or
 * hang is a bug: a malformed trace must only ever be an error message. */
#include <stddef.h>
#include <stdint.h>

#include "replay/replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    trace t;
    char err[512];
    if (trace_parse("fuzz.json", (const char *)data, size, &t, err, sizeof err)) {
        replay_result r;
        replay_trace(&t, &r);
    }
    trace_free(&t);
    return 0;
}
