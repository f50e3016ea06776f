/* Private state of the protocol model, shared by the shared mechanics
 * (proto_*.c) and every edition's rules (helium/, hydrogen/).  Layout
 * mirrors the contracts' storage; every field is written through the
 * journal (J) so that a revert restores it.  Fields one edition alone uses
 * say so. */
#ifndef AVRAMI_PROTOCOL_PROTO_INTERNAL_H
#define AVRAMI_PROTOCOL_PROTO_INTERNAL_H

#include <setjmp.h>
#include <string.h>

#include "protocol/edition.h"
#include "protocol/journal.h"
#include "protocol/oset.h"
#include "protocol/proto.h"
#include "protocol/wset.h"

#define PROTO_MAX_SUBMITS 16   /* commitmentSubmitRounds entries kept per task */
#define PROTO_RESULT_INLINE 48 /* results up to this many bytes live in the task */
#define PROTO_MAX_GPUS 4096    /* distinct (name, VRAM) GPU models */
#define PROTO_MAX_HEAPS 4096   /* distinct (type, VRAM requirement) queue heaps */

enum { PROTO_POS_ALL, PROTO_POS_AVAIL, PROTO_POS_GRP, PROTO_POS_VRAM, PROTO_POS_N };

/* ---- accounts ----
 * An account's balance and its positions in the Node contract's sets, in
 * one 32-byte entry: a node's start moves it in the sets and its
 * settlement both moves it back and pays it, so the line its start brought
 * in serves the payment too. */
typedef struct pacct {
    wei_t bal;
    uint32_t pos[PROTO_POS_N]; /* index + 1 in each set, 0 = absent (oset.h) */
} pacct;
#define PROTO_POS_STRIDE ((uint32_t)(sizeof(pacct) / sizeof(uint32_t))) /* oset stride */

/* ---- QoS and node records (indexed by account id) ---- */
/* One 64-byte record, aligned to a cache line: what a task touches (status,
 * GPU model, score, the counters and the three entries of the window) is
 * one line of each node, and a million nodes' records take 64 MB.  The
 * node's VRAM is not kept: while it is joined it is its GPU model's, else 0
 * (pn_vram).  The counters are uint256 in the contracts; pool_size counts
 * a node's started tasks since its last kick-out and saturates (only its
 * comparison with the window, at most PROTO_MAX_WINDOW, matters, and no
 * run starts 2^32). */
typedef struct pnode {
    _Alignas(64) uint8_t status; /* proto_node_status */
    uint8_t ever_joined;
    uint16_t gpu;         /* GPU model index while joined (< PROTO_MAX_GPUS) */
    uint32_t pool_size;
    uint64_t score;       /* selection weight; 0 when deleted */
    uint64_t current_task; /* Task.nodeTasks */
    /* QoS contract */
    uint64_t task_count;
    uint64_t task_score_sum;
    uint64_t pool[PROTO_MAX_WINDOW]; /* pool[0] is the task in flight */
} pnode;
_Static_assert(sizeof(pnode) == 64, "a node record is one cache line");

/* An available-node group: all available nodes of one GPU model, in the
 * contract's set order, each weighted by its score (Helium; Hydrogen has no
 * scores and leaves the weights 0) so a score-weighted draw costs O(log n). */
typedef struct pgpu {
    uint32_t name;        /* offset in the name pool */
    uint64_t vram;
    wset nodes;           /* _gpuIDNodesIndex[gpuID], with the scores */
    uint64_t score_sum;   /* _gpuIDGroupScores[gpuID] */
} pgpu;

/* VRAM value -> the GPU models of that size with available nodes. */
typedef struct pvram {
    uint64_t vram;
    vset gpus;            /* Helium: _availableGPUVramIDMap[vram] */
    oset nodes;           /* Hydrogen: _gpuVramNodesIndex[vram] (set up by its init) */
} pvram;

/* ---- tasks (running or queued), in slots reused after deletion ---- */
enum { WHERE_NONE = 0, WHERE_QUEUED = 1, WHERE_RUNNING = 2 };

/* Bytes a task keeps (a disclosed result, or the preimage of a commitment
 * given by its result): inline when short, else in the spill arena. */
typedef struct pbytes {
    uint32_t len;
    uint64_t off;          /* into the spill arena when longer than inline */
    uint8_t inl[PROTO_RESULT_INLINE];
} pbytes;

typedef struct ptask {
    uint64_t id;
    uint8_t where;
    uint8_t type;
    uint8_t is_success, aborted;
    uint8_t n_submit, n_disclosed;
    uint8_t submit_rounds[PROTO_MAX_SUBMITS];
    uint8_t disclosed_rounds[3];
    uint32_t creator;
    uint32_t selected[3];
    uint32_t result_node;  /* account + 1; 0 = none */
    uint64_t vram_limit;
    uint64_t timeout;
    wei_t balance, total;  /* running */
    wei_t fee, price;      /* queued */
    uint32_t heap_pos, min_pos; /* queued: 1-based positions */
    uint32_t heap;         /* queued: index of its (type, vram) heap */
    uint8_t commitments[3][32];
    uint8_t by_preimage;   /* rounds committed as keccak256(preimage[round] ‖ nonce) (bits) */
    uint8_t nonces[3][32];
    pbytes preimage[3];    /* rounds in by_preimage: the committed result */
    pbytes result[3];      /* disclosed results; len 0 = not disclosed */
    uint8_t uploaded;      /* bookkeeping for the double-upload counter */
} ptask;

/* 1-indexed binary heap of task slots ordered by price (TaskHeap.sol). */
typedef struct pheap {
    uint8_t type;
    uint64_t vram;
    uint32_t *slot;       /* slot[1..len] */
    uint32_t len;
    uint32_t cap;
} pheap;

struct proto {
    proto_params prm;
    proto_rules rules;     /* the edition's, copied in: one load per call */
    void *ed;              /* storage of an edition that keeps its own (vss) */
    jrn j;
    void **revert_jmp;     /* a __builtin_setjmp buffer (TX_RUN, proto_core.c) */
    const char *revert_reason;
    char revert_buf[96];
    proto_chooser chooser;
    proto_drawn_hint drawn_hint;
    uint64_t now;          /* block time of the transaction in progress */

    /* accounts */
    uint32_t n_acc, max_acc;
    pacct *acct;
    pnode *node;

    /* Node contract sets.  An account's positions in them lie side by side
     * in acct[a].pos (the sets see acct[0].pos with PROTO_POS_STRIDE), so
     * that starting or releasing a node, which moves it in the available
     * set, its GPU group and (Hydrogen) its VRAM group, reads one line for all. */
    uint32_t *pos_vram;    /* Hydrogen: acct[0].pos + PROTO_POS_VRAM, the per-VRAM node sets; else NULL */
    oset all_nodes;
    oset avail_nodes;      /* Hydrogen's _availableNodes, set up by its init; Helium keeps
                              none: membership is the status, the size stats (helium_node.c) */
    vset vram_set;         /* _availableGPUVramSet */
    vset gpu_set;          /* _availableGPUIDSet (GPU model indexes) */
    pgpu *gpu;             /* stable, PROTO_MAX_GPUS */
    uint32_t n_gpu;
    pvram *vram;           /* stable, PROTO_MAX_GPUS */
    uint32_t n_vram;
    uint32_t *pick_list;   /* scratch of Helium's group draw (pick_group), PROTO_MAX_GPUS */
    char *names;           /* GPU name pool (not journaled: append-only) */
    size_t names_len, names_cap;

    /* Task contract */
    uint64_t next_task_id, max_tasks;
    uint32_t *slot_of;     /* task id -> slot + 1 */
    ptask *task;           /* slots */
    uint32_t n_slots, max_slots;
    uint32_t *free_slots;
    uint32_t n_free;
    uint8_t *spill;        /* long results */
    uint64_t spill_len, spill_cap;

    /* TaskQueue contract (Helium) */
    vset sd_vrams, gpt_vrams;
    pheap *heaps;          /* stable */
    uint32_t n_heaps;
    pheap minheap;
    uint32_t queue_size;

    proto_stats stats;
    proto_quirk_counters quirks;
    uint64_t panics;       /* outside the journal: survives reverts */

    /* forced selection (replay) */
    uint32_t forced[3];
    bool forced_on;
    const char *forced_err;
    char forced_buf[160];

    /* events of the current transaction */
    proto_event *ev;
    size_t n_ev, cap_ev;
    uint8_t *evbytes;
    size_t n_evbytes, cap_evbytes;
};

static inline wei_view proto_bal_view(proto *p)
{
    return (wei_view){&p->acct[0].bal, (uint32_t)(sizeof(pacct) / sizeof(wei_t))};
}

/* revert: unwinds to the transaction entry, which rolls the journal back */
_Noreturn void proto_revert(proto *p, const char *reason);
#define REQUIRE(p, cond, reason)            \
    do {                                    \
        if (!(cond))                        \
            proto_revert((p), (reason));    \
    } while (0)

/* The buffer's next event slot. */
void proto_ev_grow(proto *p);
static inline proto_event *proto_ev_slot(proto *p)
{
    if (p->n_ev == p->cap_ev)
        proto_ev_grow(p);
    return &p->ev[p->n_ev++];
}

/* Records an event of the transaction built in a variable, with its
 * result bytes if it has any (proto_ev_copy_bytes: the task may be deleted
 * in the same transaction).  An event literal without result bytes is
 * written with PROTO_EMIT. */
void proto_ev_copy_bytes(proto *p, proto_event *d);
static inline void proto_emit(proto *p, const proto_event *e)
{
    proto_event *d = proto_ev_slot(p);
    *d = *e;
    if (e->result_len)
        proto_ev_copy_bytes(p, d);
    else
        d->result = NULL;
}

/* PROTO_EMIT(p, .kind = ..., ...): records an event without result bytes,
 * its designated initializers assigned to the buffer's next slot, which
 * GCC writes field by field.  Built as a compound literal on the caller's
 * stack (narrow stores) and copied out (16-byte loads), each load waited
 * for the stores to reach the cache, with no store forwarding across them:
 * 65% of the samples of start_running and settle. */
#define PROTO_EMIT(p, ...) ((void)(*proto_ev_slot(p) = (proto_event){__VA_ARGS__}))

/* wei helpers that panic like the EVM */
wei_t pw_sub(proto *p, wei_t a, wei_t b);
wei_t pw_add(proto *p, wei_t a, wei_t b);
wei_t pw_mul(proto *p, wei_t a, wei_t b);
void ptransfer(proto *p, uint32_t from, uint32_t to, wei_t amount);
/* A contract paying out CrynuxToken (IERC20.transfer): OpenZeppelin ERC20
 * 4.9's _transfer reverts with "ERC20: transfer amount exceeds balance" when
 * the paying contract holds less than `amount` (ptransfer's underflow would
 * be a Panic). */
void ptoken_transfer(proto *p, uint32_t from, uint32_t to, wei_t amount);

/* ---- shared mechanics of the three-seat commit-disclose editions ----
 * (proto_tasks.c): task slots, result bytes, commitments and their checks,
 * result comparison, counters. */
uint32_t pt_alloc_slot(proto *p, uint64_t id);
void pt_free_slot(proto *p, uint32_t slot);
void pt_store_bytes(proto *p, pbytes *b, const uint8_t *r, size_t len);
/* commitments[round] = ERR32 (reportTaskError) */
void pt_mark_error(proto *p, ptask *t, uint64_t round);
/* stores commitment c (or the preimage when c is NULL) and nonce for round */
void pt_store_commitment(proto *p, ptask *t, uint64_t round, const uint8_t c[32],
                         const uint8_t *pre, size_t len, const uint8_t nonce[32]);
/* keccak256(result ‖ nonces[round]) == commitments[round] */
bool pt_matches_commitment(const proto *p, const ptask *t, uint64_t round, const uint8_t *result,
                           size_t len);
/* compareRoundResult of disclosure indexes ia, ib: sd by pHash distance
 * (compareHamming), gpt by equal bytes (equal keccak256) */
bool pt_compare(const proto *p, const ptask *t, int ia, int ib);
/* sd results (pHashes) agree: equal length, a multiple of 8 bytes, every
 * 8-byte pair fewer than distance_threshold bits apart (also the Relay's
 * checkHammingDistance) */
bool pt_sd_match(const proto *p, const uint8_t *a, size_t la, const uint8_t *b, size_t lb);
/* The checks of submitTaskResultCommitment and of discloseTaskResult after
 * the task is found, in the contracts' order ("Round not exist", "Not
 * selected node", "Already submitted", ...). */
void pt_require_selected(proto *p, const ptask *t, uint32_t from, uint64_t round);
void pt_check_commit(proto *p, const ptask *t, uint32_t from, uint64_t round, const uint8_t nonce[32]);
void pt_check_disclose(proto *p, const ptask *t, uint32_t from, uint64_t round, const uint8_t *result,
                       size_t len);
/* reportResultsUploaded's checks; marks the task uploaded and returns
 * whether it already was (a second report pays the node again) */
bool pt_check_upload(proto *p, ptask *t, uint32_t from, uint64_t round);
/* the double-upload quirk counters, for a second payment of fee */
void pt_count_double_upload(proto *p, wei_t fee);

/* ---- GPU model and VRAM registries, prefix sums (proto_gpus.c) ---- */
uint32_t pg_gpu_intern(proto *p, const char *name, uint64_t vram);
/* a new VRAM size record (pg_vram_rec when the size is not known yet) */
pvram *pg_vram_new(proto *p, uint64_t vram);
/* Node.join up to the node record: its checks in order, the stake
 * transfer, and the GPU model (gpuID) index */
uint32_t pg_join_stake(proto *p, uint32_t a, const char *gpu_name, uint64_t vram);
/* Node.removeNode: the record deleted, the node out of allNodes */
void pg_remove_node(proto *p, uint32_t a);
/* why the forced selection (proto_force_selection) is not eligible, or NULL */
const char *pg_forced_problem(const proto *p, proto_task_type type, uint64_t vram_limit);

/* ---- the small shared helpers every transaction runs, inline: as
 * functions of another file they would cost a call each, many times per
 * task (bench_protocol measures it) ---- */

static inline ptask *pt_get(const proto *p, uint64_t id)
{
    if (id == 0 || id > p->max_tasks || !p->slot_of[id])
        return NULL;
    return &p->task[p->slot_of[id] - 1];
}

static inline uint32_t pt_slot_index(const proto *p, const ptask *t) { return (uint32_t)(t - p->task); }

static inline const uint8_t *pt_bytes(const proto *p, const pbytes *b)
{
    return b->len <= PROTO_RESULT_INLINE ? b->inl : p->spill + b->off;
}

static inline void pt_stat_add(proto *p, uint64_t *field, int64_t delta)
{
    J(&p->j, *field, *field + (uint64_t)delta);
}

/* the 32 bytes are bytes32(uint256(v)) for v = 0 or 1 */
static inline bool pt_word_is(const uint8_t w[32], uint8_t v)
{
    uint64_t x[3];
    uint32_t y;
    uint16_t z;
    memcpy(x, w, 24);
    memcpy(&y, w + 24, 4);
    memcpy(&z, w + 28, 2);
    return !(x[0] | x[1] | x[2] | y | z | w[30]) && w[31] == v;
}

/* commitments[i] != 0, and commitments[i] == bytes32(uint256(1)) (an error
 * report).  A commitment given by its preimage (proto_commit_result) is
 * keccak256(result ‖ nonce), taken to be neither 0 nor 1: no input is known
 * to hash to either, and finding one would break keccak's preimage
 * resistance. */
static inline bool pt_committed(const ptask *t, int i)
{
    return (t->by_preimage >> i & 1) || !pt_word_is(t->commitments[i], 0);
}

static inline bool pt_error_marker(const ptask *t, int i)
{
    return !(t->by_preimage >> i & 1) && pt_word_is(t->commitments[i], 1);
}

/* isCommitmentReady: all three committed, fewer than two error reports */
static inline bool pt_commitments_ready(const ptask *t)
{
    int errs = 0;
    for (int i = 0; i < 3; i++) {
        if (!pt_committed(t, i))
            return false;
        errs += pt_error_marker(t, i);
    }
    return errs < 2;
}

static inline bool pt_all_committed(const ptask *t)
{
    for (int i = 0; i < 3; i++)
        if (!pt_committed(t, i))
            return false;
    return true;
}

/* A joined node's VRAM: its GPU model's. */
static inline uint64_t pg_node_vram(const proto *p, uint32_t a)
{
    return p->gpu[p->node[a].gpu].vram;
}

/* Node.nodeInfo's vram: the GPU model's while the record exists (joined,
 * in any status but quit), 0 before the first join and once removed. */
static inline uint64_t pn_vram(const proto *p, uint32_t a)
{
    return p->node[a].status == PROTO_NODE_QUIT ? 0 : pg_node_vram(p, a);
}

/* The record of a VRAM size (created when first seen; not journaled). */
static inline pvram *pg_vram_rec(proto *p, uint64_t vram)
{
    for (uint32_t i = 0; i < p->n_vram; i++)
        if (p->vram[i].vram == vram)
            return &p->vram[i];
    return pg_vram_new(p, vram);
}

/* A uniform draw in [0, bound) through the caller's chooser (0 without one). */
static inline uint64_t pg_draw(proto *p, uint64_t bound)
{
    if (!p->chooser.draw || bound <= 1)
        return 0;
    uint64_t r = p->chooser.draw(p->chooser.ctx, bound);
    return r < bound ? r : bound - 1;
}

#endif
