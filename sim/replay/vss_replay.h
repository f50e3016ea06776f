/* Conformance replay of vss-trace/1 files against the VSS model: each
 * step's outcome, revert reason, events and changed state entries. */
#ifndef AVRAMI_REPLAY_VSS_REPLAY_H
#define AVRAMI_REPLAY_VSS_REPLAY_H

#include "replay/replay.h"
#include "replay/vss_trace.h"

void vss_replay_trace(const vtrace *t, replay_result *res);

#endif
