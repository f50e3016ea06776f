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

/* The loop every format's replay shares: step(ctx, i, &d) applies step i
 * and returns whether it matched (else d says where); res counts the steps
 * and mismatches and keeps the first. */
void replay_steps(size_t n, bool (*step)(void *ctx, size_t i, jdiff *d), void *ctx, replay_result *res);

#endif
