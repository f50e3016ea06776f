/* Protocol editions: the rule sets of Crynux's network over time, behind one
 * interface.
 *
 * A scenario's `protocol.edition` (a trace's, a security experiment's)
 * names the edition; proto_params.edition carries it into proto_new(), which
 * binds the edition's contract rules once.  Everything above the protocol
 * model reaches the rules only through this header and proto.h:
 *
 *   - the contract (proto_rules): the bodies of the transactions.  proto.h's
 *     proto_join() ... proto_cancel() frame every transaction (journal,
 *     revert, events; proto_core.c) and call the edition's body through
 *     one pointer bound at proto_new(); no other per-transaction cost.
 *     An edition with transactions of its own (a VSS reveal, a score
 *     submission) adds entry points to proto.h that run through the same
 *     framing, and event kinds at the end of proto_event_kind.
 *   - its shape (proto_edition): defaults, the scenario keys it accepts,
 *     seats per task, whether it queues, whether the contract fixes the fee,
 *     whether it keeps QoS scores: what the simulator's agents, the
 *     summary and the security analysis (sim/security/, which picks its
 *     closed forms by seats and validation) need to know without knowing
 *     the rules.
 *   - what the agents do (sim_edition_agents, sim/run/sim_internal.h): an
 *     edition whose applications or nodes act differently (extra tasks,
 *     reveals, score submissions, an off-chain dispatch tick) hooks in
 *     there; NULL hooks mean the Helium agents, which Helium and Hydrogen
 *     share.
 *
 * Shared mechanics are not part of an edition: accounts and transfers,
 * ordered sets, the journal, task slots and result storage, the
 * commit-disclose checks and the result comparison (proto_internal.h).
 * Each edition's rules live in their own folder (protocol/helium/,
 * protocol/hydrogen/) and follow that edition's deployed code, cited there
 * by repository, file and commit. */
#ifndef AVRAMI_PROTOCOL_EDITION_H
#define AVRAMI_PROTOCOL_EDITION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol/proto.h"

/* The bodies of one edition's transactions.  Each runs inside the shared
 * framing: it may revert (proto_revert) at any point and must write state
 * only through the journal.  `init` prepares the edition's own storage at
 * proto_new (false: out of memory) and `fini` releases it. */
typedef struct proto_rules {
    bool (*init)(proto *p);
    void (*fini)(proto *p);
    void (*join)(proto *p, uint32_t from, const char *gpu_name, uint64_t vram);
    void (*quit)(proto *p, uint32_t from);
    void (*pause)(proto *p, uint32_t from);
    void (*resume)(proto *p, uint32_t from);
    void (*create)(proto *p, uint32_t from, proto_task_type type, uint64_t vram_limit, wei_t fee,
                   wei_t cap, uint64_t *task_id);
    /* commitment c, or (c NULL) the preimage result[0..len) (proto_commit_result) */
    void (*commit)(proto *p, uint32_t from, uint64_t task_id, uint64_t round, const uint8_t c[32],
                   const uint8_t *result, size_t len, const uint8_t nonce[32]);
    void (*disclose)(proto *p, uint32_t from, uint64_t task_id, uint64_t round,
                     const uint8_t *result, size_t len);
    void (*report_error)(proto *p, uint32_t from, uint64_t task_id, uint64_t round);
    void (*report_uploaded)(proto *p, uint32_t from, uint64_t task_id, uint64_t round);
    void (*cancel)(proto *p, uint32_t from, uint64_t task_id);
    /* the QoS part of a node's view (task_score, recent_score, ...); the
     * rest is filled by the shared code (an edition with node records of its
     * own, vss, overwrites every field) */
    void (*node_view)(const proto *p, uint32_t account, proto_node_view *out);
    /* Optional, for an edition that keeps its tasks, queue and counters in
     * storage of its own (vss): the edition's transactions (proto_ext) and
     * the views proto.h gives of them.  NULL: the shared storage. */
    void (*ext)(proto *p, uint32_t from, uint32_t op, const void *args);
    bool (*task_view)(const proto *p, uint64_t id, proto_task_view *out);
    bool (*task_queued)(const proto *p, uint64_t id);
    uint32_t (*queue_size)(const proto *p);
    void (*stats)(const proto *p, proto_stats *out);
    /* adds the edition's quirk counters */
    void (*quirks)(const proto *p, proto_quirk_counters *out);
} proto_rules;

typedef struct proto_edition {
    proto_edition_id id;
    const char *name;          /* protocol.edition in scenarios */
    const char *source;        /* the deployed code it follows: repository@commit */
    const char *summary;       /* one line for `avrami run`'s summary and docs */
    proto_params (*defaults)(void);
    const proto_rules *rules;
    /* Scenario keys under "protocol" that only this edition accepts
     * (NULL-terminated); keys of other editions are errors. */
    const char *const *keys;
    uint8_t seats;             /* nodes a task is run on (3; VSS: 1) */
    bool queues;               /* create queues a task when no node is free; else it reverts */
    bool fixed_fee;            /* the contract charges params.task_fee_per_node per seat; the
                                  application's fee is not used */
    bool qos;                  /* nodes carry QoS scores (selection weight, kick-out) */
    bool slash_frees_busy;     /* NetworkStats counts a slashed node out of busy_nodes (vss);
                                  Helium's does not (docs/quirks.md) */
    bool keeps_tasks;          /* the contract may keep a task after its nodes left it
                                  (Hydrogen's tryDeleteTask): a slot per task id is reserved */
} proto_edition;

const proto_edition *proto_edition_get(proto_edition_id id);
/* NULL when no edition has that name. */
const proto_edition *proto_edition_find(const char *name);
/* "helium, hydrogen": the names, for error messages and help. */
void proto_edition_list(char *buf, size_t cap);
/* The first edition that lists scenario key `key` under "protocol" as its
 * own, or NULL when every edition accepts it or none does. */
const proto_edition *proto_edition_owner_of(const char *key);
/* Whether ed accepts `key`: a key no edition claims, or one of its own
 * (several editions may share one: helium and vss both have a queue limit
 * and a kick-out threshold). */
bool proto_edition_accepts(const proto_edition *ed, const char *key);

#endif
