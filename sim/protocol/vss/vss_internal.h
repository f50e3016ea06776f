/* Private state of the VSS model, shared by the vss_*.c files.  Layout
 * mirrors the contracts' storage (crynux-contracts @ bd7ee24); every write
 * goes through the journal (J) so that a revert restores it.  All arrays are
 * stable (util/stable.h): the journal records raw addresses. */
#ifndef AVRAMI_PROTOCOL_VSS_VSS_INTERNAL_H
#define AVRAMI_PROTOCOL_VSS_VSS_INTERNAL_H

#include <setjmp.h>

#include "protocol/journal.h"
#include "protocol/oset.h"
#include "protocol/vss/vss.h"
#include "protocol/wset.h"

#define VSS_MAX_GPUS 1024     /* distinct (name, VRAM) GPU ids */
#define VSS_MAX_VRAMS 1024    /* distinct VRAM sizes */
#define VSS_MAX_STRINGS 65536 /* interned model ids and GPU names */
#define VSS_MAX_BUCKETS 4096  /* queue (group, price) buckets */
#define VSS_GROUP_VERSIONS 4  /* node versions a group's set tells apart */

/* ---- Node + QOS records, by account ---- */
typedef struct vnode {
    uint8_t status;        /* proto_node_status (nodesMap.status) */
    uint8_t n_models;
    uint32_t gpu;          /* GPU id index while joined */
    uint32_t vram_idx;     /* VRAM index while joined */
    uint64_t score;        /* nodesMap.score */
    uint64_t version[3];
    uint32_t models[VSS_MAX_LOCAL_MODELS];  /* localModelIDs */
    uint8_t avail_idx[VSS_MAX_LOCAL_MODELS]; /* in _modelIDAvailableNodesIndex */
    wei_t staked;          /* stakedAmount */
    uint32_t task;         /* VSSTask.nodeTasks: task handle + 1, 0 = none */
    uint8_t ever_joined;   /* NetworkStats._allNodes */
    /* QOS */
    uint64_t task_count, task_score_sum, pool[3], pool_size;
} vnode;

/* One node set of a group, with what a draw from it needs without a scan
 * (vss_index.c): the members' scores as weights in the set's order, and the
 * node versions among the members, up to VSS_GROUP_VERSIONS distinct ones
 * with their counts; `others` counts members beyond those (a count may then
 * hold members of another version: only others == 0 says that every member's
 * version is in the table). */
typedef struct vmembers {
    wset set;
    uint64_t ver[VSS_GROUP_VERSIONS][3];
    uint32_t ver_n[VSS_GROUP_VERSIONS];
    uint32_t others;
} vmembers;

/* A GPU id (keccak256(name, vram)) or a VRAM size: the node sets indexed by it. */
typedef struct vgroup {
    uint32_t name;
    uint64_t vram;
    vmembers all, avail;   /* _allGPU*NodesIndex, _availableGPU*NodesIndex */
} vgroup;

typedef struct vbytes {
    uint32_t len;
    uint64_t off;          /* into the byte arena */
} vbytes;

/* A task's record (VSSTask.tasks[taskIDCommitment] less the commitment,
 * which its handle keeps).  Fields ordered by alignment, widest first, so
 * that no padding lies between them: 288 bytes. */
typedef struct vtask {
    wei_t fee;
    wei_t pay[3];
    uint8_t nonce[32];
    uint64_t sequence, timeout;
    vbytes score;
    uint64_t size;
    uint64_t min_vram;
    uint64_t gpu_vram;
    uint64_t version[3];
    uint64_t create_time, start_time, score_time;
    uint32_t creator;
    uint32_t node;         /* selectedNode + 1; 0 = address(0) */
    uint32_t gpu;
    uint32_t models[VSS_MAX_MODELS];
    uint32_t pay_to[3];
    uint8_t type, status, abort_reason, error, n_models, n_pay, n_payto;
    /* TaskQueue bookkeeping while queued (last: a new TaskInfo leaves it) */
    uint32_t bucket;       /* + 1 */
    uint32_t bucket_pos;   /* + 1 */
    uint32_t queue_pos;    /* + 1, in taskIDCommitments */
} vtask;

/* What a task handle keeps for the whole run: the commitment, and where the
 * record is.  With recycling on (vss_set_recycling), the record of a task
 * that ended with a node is given back once the transactions that could
 * still read it are over, and the handle keeps the final status in its
 * place: every later transaction naming that task reverts "Wrong task" in
 * the contract (VSSTask.checkStateTransitionAllowance: nodeTasks of its node
 * no longer names it; a task created once leaves the queue before it starts
 * and cannot start again).  A task whose commitment a second createTask
 * used keeps its record: the contract overwrites the TaskInfo but leaves
 * TaskQueue's entries, so the queue can still hold it and start it again. */
typedef struct vhandle {
    uint8_t commitment[32];
    uint32_t slot;         /* record + 1 in p->task; 0 = recycled */
    uint8_t status;        /* the final status, once recycled */
    uint8_t rewritten;     /* a createTask found the commitment in use */
} vhandle;

/* TaskArray: tasks of one queue group (a GPU id or a minimum VRAM) at one
 * price, in EnumerableSet order. */
typedef struct vbucket {
    uint8_t live;
    uint8_t by_gpu;
    uint64_t key;          /* GPU id index or VRAM */
    wei_t price;
    uint32_t len;
    uint32_t *items;       /* task handles, capacity queue limit + 1 */
} vbucket;

/* bytes32-keyed map (vss_map.c): a slot holds a tag of the key's hash and
 * a reference (>= 1) to where the key is kept; key(p, ref) gives it back. */
typedef struct vslot {
    uint32_t tag;
    uint32_t ref;          /* 0 = empty */
} vslot;

typedef const uint8_t *(*vmap_key_fn)(const struct vss *p, uint32_t ref);

#define VMAP_MAX_ARRAYS 64
typedef struct vmap {
    vslot *slot;
    uint64_t cap;          /* power of two, at most 2^32 */
    uint64_t n;            /* keys held */
    vmap_key_fn key;
    uint32_t n_arrays;
    struct { vslot *slot; uint64_t cap; } arrays[VMAP_MAX_ARRAYS]; /* every table allocated */
} vmap;

/* usedNonces: a nonce and the block of its last use, in order of first use */
typedef struct vnonce {
    uint8_t key[32];
    uint64_t block;
} vnonce;

struct vss {
    vss_params prm;
    jrn *j;                /* own_j, or the host's (vss_new_hosted) */
    jrn own_j;
    /* hosted in another state machine (the proto edition, vss_edition.c):
     * its journal and balances, and its revert */
    void *host;
    void (*host_revert)(void *host, const char *reason); /* does not return */
    uint32_t relay;        /* VSSTask.relayAddress */
    jmp_buf *revert_jmp;
    const char *revert_reason;
    proto_chooser chooser;
    vss_commit_fn commit;  /* validateGUID's keccak256(guid ‖ nonce), or the host's */
    uint64_t now, block;
    uint32_t sender;
    uint64_t panics;       /* outside the journal: survives reverts */

    uint32_t n_acc, max_acc;
    wei_view bal;          /* own, or the host's */
    vnode *node;

    /* Node contract sets; a node is in one GPU group and one VRAM group */
    uint32_t *pos_all, *pos_avail, *pos_gall, *pos_gav, *pos_vall, *pos_vav;
    oset all_nodes, avail_nodes;
    vgroup *gpus, *vrams;
    uint32_t n_gpus, n_vrams;
    vset all_gpu_set, avail_gpu_set, all_vram_set, avail_vram_set; /* indexes */
    uint32_t *model_all, *model_avail; /* per model: |_modelIDNodesIndex|, |…Available…| */

    /* strings (append-only, outside the journal: interning is not state) */
    char *str;
    size_t str_len, str_cap;
    uint64_t *str_off;
    uint32_t n_str;
    uint32_t *str_hash;    /* open addressing: string id + 1 */

    /* VSSTask: tasks by handle (0 .. n_tasks - 1), records by slot */
    vhandle *hd;
    vtask *task;
    uint32_t n_tasks;
    uint64_t max_tasks;
    uint32_t n_slots;      /* records ever used */
    uint32_t *free_slot;   /* records given back, a stack */
    uint32_t n_free;
    uint32_t *retired;     /* handles whose records can be given back (recycling) */
    uint32_t n_retired;
    bool recycle;          /* vss_set_recycling (outside the journal: not state) */
    uint64_t recycled;     /* records given back so far (not state) */
    bool fresh_keys;       /* vss_set_fresh_keys (outside the journal: not state) */
    vmap by_commitment, nonces; /* refs: handle + 1; nonce_log index + 1 */
    vnonce *nonce_log;
    uint32_t n_nonces;
    uint64_t next_sequence;
    uint8_t *bytes;        /* scores */
    uint64_t bytes_len, bytes_cap;

    /* TaskQueue */
    vbucket *buckets;
    uint32_t n_buckets;
    uint32_t *queue;       /* taskIDCommitments set (handles) */
    uint32_t queue_len;
    vset q_vrams, q_gpus;  /* TaskQueue.vrams, TaskQueue.gpuIDs */

    vss_stats stats;
    vss_quirk_counters quirks;

    /* selection scratch (not state): candidates and their weights */
    uint32_t *cand;
    uint64_t *cw;
    uint8_t *csel;
    vmembers **cgroups;      /* the groups a draw reads, VSS_MAX_VRAMS */
    /* selection by scan only (the reference, vss_set_linear_selection), and
     * the draws made without one (outside the journal: not state) */
    bool linear_only;
    uint64_t indexed_draws;
    /* the task the last createTask wrote, which its host looks up next with
     * its own copy of the commitment (vss_edition.c): checked against it
     * before the map is (a hint only, outside the journal) */
    uint32_t find_hint;
    /* event kinds not recorded (vss_set_muted_events; not state) */
    uint32_t muted;
    vss_unread_draws unread; /* (vss_set_unread_draws; not state) */

    /* forced choices (replay) */
    uint32_t forced_node;
    bool forced_node_on;
    struct vforced_dl {
        uint32_t start, model, n, nodes[16];
    } forced_dl[32];
    uint32_t n_forced_dl;
    bool dl_forcing;
    uint32_t starts;       /* tasks started by the transaction so far */
    const char *forced_err;

    vss_event *ev;
    size_t n_ev, cap_ev;
    uint8_t *evbytes;
    size_t n_evbytes, cap_evbytes;
};

_Noreturn void vss_revert(vss *p, const char *reason);

/* A VSS model inside another state machine: its journal, its balances
 * (indexed by the same account ids, max_acc of them) and its revert.  The
 * caller frames every transaction: set now, block, sender, starts = 0 and
 * n_ev = 0, then call a body (vn_tx_*, vt_tx_*). */
vss *vss_new_hosted(const vss_params *params, uint32_t max_acc, uint64_t max_tasks, jrn *j,
                    const wei_view *bal, void (*revert)(void *host, const char *reason),
                    void *host);

/* transaction bodies (vss_node.c, vss_task.c, vss_group.c) */
void vn_tx_join(vss *p, uint32_t gpu_name, uint64_t vram, const uint64_t version[3], vss_key key,
                wei_t value, const uint32_t *models, uint32_t n_models);
void vn_tx_quit(vss *p);
void vn_tx_pause(vss *p);
void vn_tx_resume(vss *p);
void vn_tx_model_downloaded(vss *p, uint32_t model);
void vn_tx_update_version(vss *p, const uint64_t version[3]);
void vt_tx_create(vss *p, const vss_task_spec *spec, wei_t value);
void vt_tx_parameters_uploaded(vss *p, const uint8_t task[32]);
void vt_tx_submit_score(vss *p, const uint8_t task[32], const uint8_t *score, size_t len);
void vt_tx_report_error(vss *p, const uint8_t task[32], vss_task_error error);
void vt_tx_validate_single(vss *p, const uint8_t task[32], const vss_proof *proof);
void vt_tx_validate_group(vss *p, const uint8_t *const ids[3], const uint8_t guid[32],
                          const vss_proof *proof);
void vt_tx_result_uploaded(vss *p, const uint8_t task[32]);
void vt_tx_abort(vss *p, const uint8_t task[32], vss_abort_reason reason);
#define VREQUIRE(p, cond, reason)        \
    do {                                 \
        if (!(cond))                     \
            vss_revert((p), (reason));   \
    } while (0)

void vss_emit(vss *p, const vss_event *e, const uint8_t *bytes, size_t len);
wei_t vw_sub(vss *p, wei_t a, wei_t b);
wei_t vw_add(vss *p, wei_t a, wei_t b);
void vtransfer(vss *p, uint32_t from, uint32_t to, wei_t amount);
/* NetworkStats counters: checked like the contract's uint arithmetic */
void vstat_inc(vss *p, uint64_t *c);
void vstat_dec(vss *p, uint64_t *c);

bool vmap_init(vmap *m, vmap_key_fn key);
void vmap_free(vmap *m);
uint32_t vmap_find(const vss *p, const vmap *m, const uint8_t key[32]); /* ref, 0 = absent */
void vmap_prefetch(const vmap *m, const uint8_t key[32]); /* the slot a lookup reads first */
/* Adds an absent key, kept where ref says (written there first). */
void vmap_insert(vss *p, vmap *m, const uint8_t key[32], uint32_t ref);
/* Frees the tables no longer current once no journal entry can return to them. */
void vmap_reclaim(vss *p, vmap *m);
const uint8_t *vbytes_ptr(const vss *p, const vbytes *b);

/* Node (vss_node.c) */
bool vn_contains_model(const vss *p, uint32_t n, uint32_t model);
void vn_start_task(vss *p, uint32_t n);
void vn_finish_task(vss *p, uint32_t n);
void vn_slash(vss *p, uint32_t n);
bool vn_version_match(const uint64_t node[3], const uint64_t task[3]);

/* Node groups and their sets (vss_index.c) */
uint32_t vn_gpu_find(const vss *p, uint32_t name, uint64_t vram);
uint32_t vn_gpu_id(vss *p, uint32_t name, uint64_t vram);  /* creates the group */
uint32_t vn_vram_id(vss *p, uint64_t vram);                 /* creates the group */
void vx_add(vss *p, vmembers *m, uint32_t a);
void vx_remove(vss *p, vmembers *m, uint32_t a);
void vx_rescore(vss *p, uint32_t a);                      /* after nodesMap.score changed */
void vx_set_version(vss *p, uint32_t a, const uint64_t v[3]); /* nodesMap.version = v */
/* How the members' versions meet a task's: none, all, or some of them match. */
typedef enum { VX_NONE, VX_ALL, VX_SOME } vx_fit;
vx_fit vx_version_fit(const vmembers *m, const uint64_t task_version[3]);

/* Selection (vss_select.c): through the groups' weight trees where that is
 * exact, by a scan of the candidates as the contract does otherwise */
uint32_t vn_select_available(vss *p, const vtask *t);
uint32_t vn_select_without_model(vss *p, const vtask *t, uint32_t model, uint32_t count,
                                 uint32_t selected, bool told, uint32_t *out);

/* QOS (vss_qos.c) */
void vq_start_task(vss *p, uint32_t n);
void vq_finish_task(vss *p, uint32_t n);
void vq_add_task_score(vss *p, uint32_t n, uint64_t i);
void vq_kickout(vss *p, uint32_t n);
uint64_t vq_task_score(const vss *p, uint32_t n);
uint64_t vq_recent_score(const vss *p, uint32_t n);
bool vq_should_kick_out(const vss *p, uint32_t n);

/* TaskQueue (vss_queue.c) */
void vqueue_push(vss *p, uint32_t t);
bool vqueue_pop(vss *p, uint32_t node, uint32_t *t);
void vqueue_remove(vss *p, uint32_t t);

/* VSSTask (vss_task.c) */
void vt_node_available_callback(vss *p, uint32_t root);

/* The record of a task handle that holds one. */
static inline vtask *vt_rec(const vss *p, uint32_t h) { return &p->task[p->hd[h].slot - 1]; }
/* A record for handle h (createTask), a given-back one first. */
void vt_alloc_record(vss *p, uint32_t h);
/* Gives back the records of the tasks retired by earlier transactions;
 * only between transactions (an empty journal). */
void vt_recycle(vss *p);

#endif
