/* Profiles: the behaviour of a named release of the real software around the
 * contracts (the bridge that Helium's applications sent their tasks through,
 * the chat front end, the node), as defaults for scenario keys.  A scenario
 * key given beside a profile still wins.  Every rule is cited, by
 * repository, file and commit, in docs/profiles.md.
 *
 * Pure data and one rule (the bridge's default VRAM); no simulation state,
 * so the scenario parser can read it. */
#ifndef AVRAMI_AGENTS_PROFILE_H
#define AVRAMI_AGENTS_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/wei.h"

/* How an application (through its bridge) creates and follows its tasks. */
typedef struct agt_app_profile {
    const char *name;
    const char *about;        /* one line: which release */
    bool generic;             /* avrami's own application: none of the rules below */
    /* the fee the bridge sets: fee_wei, times the task's cap when per_cap */
    wei_t fee_wei;
    bool fee_per_cap;
    /* cap = images for sd, 1 for gpt; VRAM 8 GB for SD 1.5 and gpt, 10 GB
     * for any other sd model (agt_bridge_vram_gb) */
    bool bridge_cap_vram;
    bool resubmit;            /* resubmit an aborted task */
    bool cancel;              /* cancel a task that has not finished */
    /* golang.org/x/time/rate per client id: one create per interval, burst */
    uint64_t rate_interval_s; /* 0: no limit */
    uint32_t rate_burst;
    /* the bridge gives a task up when its create transaction is not in a
     * block this long after it was sent (0: never) */
    double create_confirm_s;
    /* the period of the bridge's two loops between a create's block and
     * the task's arguments on the relay (the confirmation poll, then the
     * upload loop): each adds a uniform share of it (0: none) */
    double args_upload_s;
} agt_app_profile;

/* What the user's front end does on top of the bridge. */
typedef struct agt_front_end {
    const char *name;
    const char *about;
    uint64_t give_up_s;       /* the user gives up when no result came by then (0: never) */
    uint32_t gpt_max_new_tokens; /* default generation length of gpt tasks (0: avrami's) */
    bool client_per_task;     /* a fresh client id per task: the bridge's rate limit never bites */
} agt_front_end;

/* The node software. */
typedef struct agt_node_profile {
    const char *name;
    const char *about;
    /* models on disk before the first task, by the model names of
     * models/llms.json and sd.json (NULL: the scenario's first model_cache
     * models, avrami's own choice) */
    const char *const *preloaded;
    uint32_t model_cache;     /* models kept on disk */
    bool cancel_at_timeout;   /* cancel at the chain's deadline (else 60 s after it) */
    bool keep_model_loaded;   /* the model stays in VRAM between tasks of the same model */
    bool args_retry;          /* fetches the arguments on a retry schedule (agt_args_wait_s) */
    /* on TaskAborted before its commitment the node reports an error, even
     * when the chain no longer holds it there (the transaction then reverts) */
    bool report_error_on_abort;
} agt_node_profile;

/* Lookups by name; NULL when unknown.  The first entry of each table is
 * the default. */
const agt_app_profile *agt_app_profile_find(const char *name);
const agt_front_end *agt_front_end_find(const char *name);
const agt_node_profile *agt_node_profile_find(const char *name);
enum { AGT_PROFILE_APP, AGT_PROFILE_FRONT_END, AGT_PROFILE_NODE };
/* Any of the three by table (AGT_PROFILE_*); NULL when unknown. */
const void *agt_profile_find(int which, const char *name);
/* "a", "b" or "c": the names for error messages. */
void agt_profile_names(int which, char *out, size_t cap);

/* golang.org/x/time/rate's Limiter(Every(step), burst).Allow() at time
 * `now`, as a generic cell rate algorithm on *tat (the theoretical arrival
 * time; start at 0 with now >= 0: the bucket starts full): allowed when
 * now >= tat − (burst − 1) × step, and then tat = max(tat, now) + step.  A
 * refused call changes nothing, as Allow() does.  Any time unit. */
bool agt_rate_allow(int64_t *tat, int64_t now, int64_t step, uint32_t burst);

/* How long after its first try a node has the task's arguments, when they
 * reach the relay `late_s` (> 0) after that try: at once with `retry`
 * false; with `retry` (crynux-node 0d48999 task_runner.py task_started:
 * 30 tries a second apart, then every 10 s, for at most 1,800 s) the first
 * retry at or after late_s, or -1 when the node has given up by then. */
double agt_args_wait_s(double late_s, bool retry);

/* Seconds a node loses to `failures` (>= 0) failed tries of a task before
 * the try that runs: the node's task system reruns a failed task runner
 * after tenacity's wait_exponential(multiplier=10), 10 s, 20 s, 40 s, ...
 * (crynux-node 0d48999 src/crynux_server/task/task_system.py _run_task),
 * so 10 × (2^failures − 1).  Large counts give a time past any deadline. */
double agt_runner_retry_s(uint32_t failures);

/* Failed tries before one that works, when each try fails with
 * probability p (0 <= p <= 1), from a uniform u in [0, 1): geometric,
 * at most 64 (p = 1: 64). */
uint32_t agt_failed_tries(double p, double u);

/* The bridge's default VRAM for a task (crynux-bridge
 * api/v1/inference_tasks/create_task.go getDefaultVramLimit). */
uint32_t agt_bridge_vram_gb(bool sd, const char *model);

#endif
