/* Conformance replay: applies each step of a trace to the protocol model and
 * compares the outcome, every event and every state field. */
#ifndef AVRAMI_REPLAY_REPLAY_H
#define AVRAMI_REPLAY_REPLAY_H

#include <stddef.h>

#include "replay/jdiff.h"
#include "replay/trace.h"

typedef struct replay_result {
    size_t steps;
    size_t mismatched_steps;
    long first_step;  /* -1 when none */
    jdiff first;      /* path is relative to the trace: $.steps[i]... */
} replay_result;

void replay_trace(const trace *t, replay_result *res);

#endif
