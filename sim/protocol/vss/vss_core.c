/* VSS model: construction, accounts, interned strings, bytes32 maps,
 * transaction framing (revert = longjmp + journal rollback, as in
 * protocol/proto_core.c), events, transfers and state views. */
#include <stdlib.h>
#include <string.h>

#include "protocol/vss/vss_internal.h"
#include "util/grow.h"
#include "util/keccak.h"
#include "util/stable.h"

#define CNX ((wei_t)1000000000000000000ULL)

vss_params vss_params_default(void)
{
    vss_params prm = {
        .stake = 400 * CNX,          /* Node.sol: requiredStakeAmount = 400 * 10 ** 18 */
        .timeout_s = 180,            /* VSSTask.sol constructor: timeout = 3 minutes */
        .distance_threshold = 24,    /* VSSTask.sol constructor: distanceThreshold = 24 */
        .queue_size_limit = 50,      /* TaskQueue.sol constructor: sizeLimit = 50 */
        .kickout_threshold = 10,     /* QOS.sol constructor: kickoutThreshold = 10 */
        .task_score_rewards = {10, 9, 6}, /* QOS.sol: TASK_SCORE_REWARDS */
        .max_nodes = 100000,         /* Node.sol: maxNodesAllowed */
        .nonce_blocks = 100000,      /* VSSTask.createTask: block.number - 100000 */
    };
    return prm;
}

static const char *const EVENT_NAMES[] = {
    "TaskQueued",         "TaskStarted",          "TaskParametersUploaded", "TaskErrorReported",
    "TaskScoreReady",     "TaskValidated",        "TaskEndSuccess",         "TaskEndInvalidated",
    "TaskEndGroupSuccess", "TaskEndGroupRefund",  "TaskEndAborted",         "DownloadModel",
    "NodeSlashed",        "NodeKickedOut",
};
const char *vss_event_name(vss_event_kind k) { return EVENT_NAMES[k]; }

const char *vss_status_str(vss_status s)
{
    static const char *const S[] = {"Queued",       "Started",        "ParametersUploaded",
                                    "ErrorReported", "ScoreReady",    "Validated",
                                    "GroupValidated", "EndInvalidated", "EndSuccess",
                                    "EndAborted",    "EndGroupRefund", "EndGroupSuccess"};
    return S[s];
}

const char *vss_abort_reason_str(vss_abort_reason r)
{
    static const char *const R[] = {"None", "Timeout", "ModelDownloadFailed", "IncorrectResult",
                                    "TaskFeeTooLow"};
    return R[r];
}

vss_proof vss_proof_honest(uint32_t creator, bool sampled)
{
    vss_proof f = {.key_len = 64, .key_owner = creator, .proof_len = 81, .valid = true,
                   .number_mod10 = sampled ? 0 : 1};
    return f;
}

void vss_commitment(const uint8_t guid[32], const uint8_t nonce[32], uint8_t out[32])
{
    keccak256_2(guid, 32, nonce, 32, out); /* libs/VSS.sol validateGUID: encodePacked */
}

#define ALLOC(ptr, count) ((ptr) = stable_alloc((size_t)(count) * sizeof *(ptr)))
#define FREE(ptr, count) stable_free((ptr), (size_t)(count) * sizeof *(ptr))

static const uint8_t *commitment_key(const vss *p, uint32_t ref) { return p->hd[ref - 1].commitment; }
static const uint8_t *nonce_key(const vss *p, uint32_t ref) { return p->nonce_log[ref - 1].key; }

vss *vss_new(const vss_params *params, uint32_t max_accounts, uint64_t max_tasks)
{
    return vss_new_hosted(params, max_accounts + VSS_ACC_FIRST, max_tasks, NULL, NULL, NULL, NULL);
}

vss *vss_new_hosted(const vss_params *params, uint32_t max_acc, uint64_t max_tasks, jrn *j,
                    const wei_view *bal, void (*revert)(void *host, const char *reason),
                    void *host)
{
    vss *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->prm = *params;
    p->j = j ? j : &p->own_j;
    if (!j)
        jrn_init(p->j);
    p->bal = bal ? *bal : (wei_view){NULL, 1};
    p->host_revert = revert;
    p->host = host;
    p->relay = VSS_ACC_RELAY;
    p->commit = vss_commitment;
    p->max_acc = max_acc;
    p->max_tasks = max_tasks;
    p->next_sequence = 1; /* VSSTask constructor: nextSequence = 1 */
    p->str_cap = (size_t)1 << 24;
    p->bytes_cap = (uint64_t)1 << 32;
    uint32_t qcap = params->queue_size_limit + 2;
    if ((!bal && !ALLOC(p->bal.base, p->max_acc)) || !ALLOC(p->node, p->max_acc) ||
        !ALLOC(p->pos_all, p->max_acc) || !ALLOC(p->pos_avail, p->max_acc) ||
        !ALLOC(p->pos_gall, p->max_acc) || !ALLOC(p->pos_gav, p->max_acc) ||
        !ALLOC(p->pos_vall, p->max_acc) || !ALLOC(p->pos_vav, p->max_acc) ||
        !oset_init_own(&p->all_nodes, p->max_acc, p->pos_all, 1) ||
        !oset_init_own(&p->avail_nodes, p->max_acc, p->pos_avail, 1) || !ALLOC(p->gpus, VSS_MAX_GPUS) ||
        !ALLOC(p->vrams, VSS_MAX_VRAMS) || !vset_init(&p->all_gpu_set, VSS_MAX_GPUS) ||
        !vset_init(&p->avail_gpu_set, VSS_MAX_GPUS) || !vset_init(&p->all_vram_set, VSS_MAX_VRAMS) ||
        !vset_init(&p->avail_vram_set, VSS_MAX_VRAMS) || !ALLOC(p->model_all, VSS_MAX_STRINGS) ||
        !ALLOC(p->model_avail, VSS_MAX_STRINGS) || !ALLOC(p->str, p->str_cap) ||
        !ALLOC(p->str_off, VSS_MAX_STRINGS) || !ALLOC(p->str_hash, 2 * VSS_MAX_STRINGS) ||
        !ALLOC(p->task, max_tasks + 1) || !ALLOC(p->hd, max_tasks + 1) ||
        !ALLOC(p->free_slot, max_tasks + 1) || !ALLOC(p->retired, max_tasks + 1) ||
        !ALLOC(p->nonce_log, max_tasks + 1) || !vmap_init(&p->by_commitment, commitment_key) ||
        !vmap_init(&p->nonces, nonce_key) || !ALLOC(p->bytes, p->bytes_cap) ||
        !ALLOC(p->buckets, VSS_MAX_BUCKETS) || !ALLOC(p->queue, qcap) ||
        !vset_init(&p->q_vrams, VSS_MAX_BUCKETS) || !vset_init(&p->q_gpus, VSS_MAX_BUCKETS) ||
        !ALLOC(p->cand, p->max_acc) || !ALLOC(p->cw, 2 * (size_t)p->max_acc) || !ALLOC(p->csel, p->max_acc) ||
        !ALLOC(p->cgroups, VSS_MAX_VRAMS)) {
        vss_free(p);
        return NULL;
    }
    p->n_str = 1; /* id 0 is "" */
    p->str_len = 1;
    p->n_acc = VSS_ACC_FIRST;
    return p;
}

void vss_free(vss *p)
{
    if (!p)
        return;
    for (uint32_t i = 0; i < p->n_gpus; i++) {
        wset_free(&p->gpus[i].all.set);
        wset_free(&p->gpus[i].avail.set);
    }
    for (uint32_t i = 0; i < p->n_vrams; i++) {
        wset_free(&p->vrams[i].all.set);
        wset_free(&p->vrams[i].avail.set);
    }
    for (uint32_t i = 0; i < p->n_buckets; i++)
        FREE(p->buckets[i].items, p->prm.queue_size_limit + 2);
    oset_free(&p->all_nodes);
    oset_free(&p->avail_nodes);
    vset_free(&p->all_gpu_set);
    vset_free(&p->avail_gpu_set);
    vset_free(&p->all_vram_set);
    vset_free(&p->avail_vram_set);
    vset_free(&p->q_vrams);
    vset_free(&p->q_gpus);
    if (!p->host)
        FREE(p->bal.base, p->max_acc);
    FREE(p->node, p->max_acc);
    FREE(p->pos_all, p->max_acc);
    FREE(p->pos_avail, p->max_acc);
    FREE(p->pos_gall, p->max_acc);
    FREE(p->pos_gav, p->max_acc);
    FREE(p->pos_vall, p->max_acc);
    FREE(p->pos_vav, p->max_acc);
    FREE(p->gpus, VSS_MAX_GPUS);
    FREE(p->vrams, VSS_MAX_VRAMS);
    FREE(p->model_all, VSS_MAX_STRINGS);
    FREE(p->model_avail, VSS_MAX_STRINGS);
    FREE(p->str, p->str_cap);
    FREE(p->str_off, VSS_MAX_STRINGS);
    FREE(p->str_hash, 2 * VSS_MAX_STRINGS);
    FREE(p->task, p->max_tasks + 1);
    FREE(p->hd, p->max_tasks + 1);
    FREE(p->free_slot, p->max_tasks + 1);
    FREE(p->retired, p->max_tasks + 1);
    FREE(p->nonce_log, p->max_tasks + 1);
    if (p->by_commitment.slot)
        vmap_free(&p->by_commitment);
    if (p->nonces.slot)
        vmap_free(&p->nonces);
    FREE(p->bytes, p->bytes_cap);
    FREE(p->buckets, VSS_MAX_BUCKETS);
    FREE(p->queue, p->prm.queue_size_limit + 2);
    FREE(p->cand, p->max_acc);
    FREE(p->cw, 2 * (size_t)p->max_acc);
    FREE(p->csel, p->max_acc);
    FREE(p->cgroups, VSS_MAX_VRAMS);
    if (p->j == &p->own_j)
        jrn_free(p->j);
    free(p->ev);
    free(p->evbytes);
    free(p);
}

const vss_params *vss_get_params(const vss *p) { return &p->prm; }
void vss_set_chooser(vss *p, proto_chooser c) { p->chooser = c; }
void vss_set_commitment_fn(vss *p, vss_commit_fn fn) { p->commit = fn ? fn : vss_commitment; }
void vss_set_recycling(vss *p, bool on) { p->recycle = on; }
void vss_set_muted_events(vss *p, uint32_t kinds) { p->muted = kinds; }
void vss_set_fresh_keys(vss *p, bool on) { p->fresh_keys = on; }
uint64_t vss_map_keys(const vss *p) { return p->by_commitment.n + p->nonces.n; }
void vss_set_unread_draws(vss *p, vss_unread_draws u) { p->unread = u; }
uint64_t vss_recycled_records(const vss *p) { return p->recycled; }

uint32_t vss_add_account(vss *p, wei_t balance)
{
    if (p->n_acc >= p->max_acc)
        abort();
    *wei_at(p->bal, p->n_acc) = balance;
    return p->n_acc++;
}
uint32_t vss_num_accounts(const vss *p) { return p->n_acc; }
void vss_set_opening_balance(vss *p, uint32_t a, wei_t balance) { *wei_at(p->bal, a) = balance; }

/* ---- interned strings ---- */

static uint32_t str_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

uint32_t vss_intern(vss *p, const char *s)
{
    if (!*s)
        return 0;
    uint32_t mask = 2 * VSS_MAX_STRINGS - 1, i = str_hash(s) & mask;
    for (; p->str_hash[i]; i = (i + 1) & mask)
        if (!strcmp(p->str + p->str_off[p->str_hash[i] - 1], s))
            return p->str_hash[i] - 1;
    size_t len = strlen(s) + 1;
    if (p->n_str == VSS_MAX_STRINGS || p->str_len + len > p->str_cap)
        abort(); /* limits far beyond any scenario or trace */
    memcpy(p->str + p->str_len, s, len);
    p->str_off[p->n_str] = p->str_len;
    p->str_len += len;
    p->str_hash[i] = p->n_str + 1;
    return p->n_str++;
}

const char *vss_string(const vss *p, uint32_t id) { return id ? p->str + p->str_off[id] : ""; }

/* ---- revert, arithmetic, transfers ---- */

_Noreturn void vss_revert(vss *p, const char *reason)
{
    if (p->host_revert) {
        p->host_revert(p->host, reason); /* longjmps; counts its own panics */
        abort();
    }
    p->revert_reason = reason;
    if (!strncmp(reason, "Panic(", 6))
        p->panics++;
    longjmp(*p->revert_jmp, 1);
}

wei_t vw_sub(vss *p, wei_t a, wei_t b)
{
    wei_t r;
    if (!wei_sub(a, b, &r))
        vss_revert(p, "Panic(0x11)");
    return r;
}

wei_t vw_add(vss *p, wei_t a, wei_t b)
{
    wei_t r;
    if (!wei_add(a, b, &r))
        vss_revert(p, "Panic(0x11)");
    return r;
}

void vtransfer(vss *p, uint32_t from, uint32_t to, wei_t amount)
{
    if (from == to || amount == 0)
        return;
    J(p->j, *wei_at(p->bal, from), vw_sub(p, *wei_at(p->bal, from), amount));
    J(p->j, *wei_at(p->bal, to), vw_add(p, *wei_at(p->bal, to), amount));
}

void vstat_inc(vss *p, uint64_t *c) { J(p->j, *c, *c + 1); }

void vstat_dec(vss *p, uint64_t *c)
{
    if (*c == 0)
        vss_revert(p, "Panic(0x11)");
    J(p->j, *c, *c - 1);
}

const uint8_t *vbytes_ptr(const vss *p, const vbytes *b) { return p->bytes + b->off; }

void vss_emit(vss *p, const vss_event *e, const uint8_t *bytes, size_t len)
{
    if (p->muted >> e->kind & 1)
        return;
    if (p->n_ev == p->cap_ev)
        p->ev = grow_doubled(p->ev, &p->cap_ev, sizeof *p->ev, 64);
    vss_event *d = &p->ev[p->n_ev++];
    *d = *e;
    d->score = NULL;
    d->score_len = len;
    if (len) {
        p->evbytes = grow_to(p->evbytes, &p->cap_evbytes, p->n_evbytes + len, 1, 4096);
        memcpy(p->evbytes + p->n_evbytes, bytes, len);
        d->score = (const uint8_t *)(uintptr_t)p->n_evbytes; /* fixed up at the end */
        p->n_evbytes += len;
    }
}

/* ---- transaction framing ---- */

static void tx_begin(vss *p, uint64_t now, uint64_t block, uint32_t from)
{
    p->n_ev = 0;
    p->n_evbytes = 0;
    p->revert_reason = NULL;
    p->now = now;
    p->block = block;
    p->sender = from;
    p->starts = 0;
}

static bool tx_end(vss *p, bool ok)
{
    p->revert_jmp = NULL;
    p->forced_node_on = false;
    p->n_forced_dl = 0;
    p->dl_forcing = false;
    if (!ok) {
        jrn_rollback(p->j);
        p->n_ev = 0;
        return false;
    }
    jrn_commit(p->j);
    for (size_t i = 0; i < p->n_ev; i++)
        if (p->ev[i].score_len)
            p->ev[i].score = p->evbytes + (uintptr_t)p->ev[i].score;
    return true;
}

#define TX_RUN(p, body_call)                  \
    do {                                      \
        jmp_buf jb;                           \
        tx_begin((p), now, block, from);      \
        if (setjmp(jb))                       \
            return tx_end((p), false);        \
        (p)->revert_jmp = &jb;                \
        body_call;                            \
        return tx_end((p), true);             \
    } while (0)

bool vss_join(vss *p, uint64_t now, uint64_t block, uint32_t from, uint32_t gpu_name,
              uint64_t gpu_vram, const uint64_t version[3], vss_key key, wei_t value,
              const uint32_t *models, uint32_t n_models)
{
    TX_RUN(p, vn_tx_join(p, gpu_name, gpu_vram, version, key, value, models, n_models));
}
bool vss_quit(vss *p, uint64_t now, uint64_t block, uint32_t from) { TX_RUN(p, vn_tx_quit(p)); }
bool vss_pause(vss *p, uint64_t now, uint64_t block, uint32_t from) { TX_RUN(p, vn_tx_pause(p)); }
bool vss_resume(vss *p, uint64_t now, uint64_t block, uint32_t from) { TX_RUN(p, vn_tx_resume(p)); }
bool vss_report_model_downloaded(vss *p, uint64_t now, uint64_t block, uint32_t from,
                                 uint32_t model)
{
    TX_RUN(p, vn_tx_model_downloaded(p, model));
}
bool vss_update_version(vss *p, uint64_t now, uint64_t block, uint32_t from,
                        const uint64_t version[3])
{
    TX_RUN(p, vn_tx_update_version(p, version));
}
bool vss_create_task(vss *p, uint64_t now, uint64_t block, uint32_t from,
                     const vss_task_spec *spec, wei_t value)
{
    TX_RUN(p, vt_tx_create(p, spec, value));
}
bool vss_report_parameters_uploaded(vss *p, uint64_t now, uint64_t block, uint32_t from,
                                    const uint8_t task[32])
{
    TX_RUN(p, vt_tx_parameters_uploaded(p, task));
}
bool vss_submit_score(vss *p, uint64_t now, uint64_t block, uint32_t from, const uint8_t task[32],
                      const uint8_t *score, size_t len)
{
    TX_RUN(p, vt_tx_submit_score(p, task, score, len));
}
bool vss_report_error(vss *p, uint64_t now, uint64_t block, uint32_t from, const uint8_t task[32],
                      vss_task_error error)
{
    TX_RUN(p, vt_tx_report_error(p, task, error));
}
bool vss_validate_single(vss *p, uint64_t now, uint64_t block, uint32_t from,
                         const uint8_t task[32], const vss_proof *proof)
{
    TX_RUN(p, vt_tx_validate_single(p, task, proof));
}
bool vss_validate_group(vss *p, uint64_t now, uint64_t block, uint32_t from,
                        const uint8_t t1[32], const uint8_t t2[32], const uint8_t t3[32],
                        const uint8_t guid[32], const vss_proof *proof)
{
    const uint8_t *const ids[3] = {t1, t2, t3};
    TX_RUN(p, vt_tx_validate_group(p, ids, guid, proof));
}
bool vss_report_result_uploaded(vss *p, uint64_t now, uint64_t block, uint32_t from,
                                const uint8_t task[32])
{
    TX_RUN(p, vt_tx_result_uploaded(p, task));
}
bool vss_abort(vss *p, uint64_t now, uint64_t block, uint32_t from, const uint8_t task[32],
               vss_abort_reason reason)
{
    TX_RUN(p, vt_tx_abort(p, task, reason));
}

const char *vss_revert_reason(const vss *p) { return p->revert_reason ? p->revert_reason : ""; }

const vss_event *vss_events(const vss *p, size_t *n)
{
    *n = p->n_ev;
    return p->ev;
}

void vss_force_node(vss *p, uint32_t node)
{
    p->forced_node = node;
    p->forced_node_on = true;
    p->forced_err = NULL;
}

void vss_force_downloads_begin(vss *p)
{
    p->dl_forcing = true;
    p->n_forced_dl = 0;
    p->forced_err = NULL;
}

void vss_force_downloads(vss *p, uint32_t start, uint32_t model, const uint32_t *nodes, uint32_t n)
{
    if (p->n_forced_dl == sizeof p->forced_dl / sizeof p->forced_dl[0]) {
        p->forced_err = "too many forced download lists in one transaction";
        return;
    }
    struct vforced_dl *f = &p->forced_dl[p->n_forced_dl++];
    f->start = start;
    f->model = model;
    f->n = n > 16 ? 16 : n;
    memcpy(f->nodes, nodes, f->n * sizeof *nodes);
    p->forced_err = NULL;
}

const char *vss_forced_error(const vss *p) { return p->forced_err; }

/* ---- views ---- */

wei_t vss_balance(const vss *p, uint32_t a) { return *wei_at(p->bal, a); }

wei_t vss_total_supply(const vss *p)
{
    wei_t s = 0;
    for (uint32_t i = 0; i < p->n_acc; i++)
        wei_accumulate(&s, *wei_at(p->bal, i), "the total supply");
    return s;
}

void vss_node_get(const vss *p, uint32_t a, vss_node_view *v)
{
    const vnode *n = &p->node[a];
    v->ever_joined = n->ever_joined;
    v->status = (proto_node_status)n->status;
    bool joined = n->status != PROTO_NODE_QUIT;
    v->gpu_name = joined ? p->gpus[n->gpu].name : 0;
    v->gpu_vram = joined ? p->gpus[n->gpu].vram : 0;
    v->score = n->score;
    v->staked = n->staked;
    v->task_count = n->task_count;
    v->task_score = vq_task_score(p, a);
    v->recent_score = vq_recent_score(p, a);
    v->recent_count = n->pool_size;
    v->current_score = n->pool[0];
    v->current_task = n->task ? n->task - 1 : VSS_NOBODY;
    memcpy(v->version, n->version, sizeof v->version);
    v->n_models = n->n_models;
    v->models = n->models;
}

static uint32_t vss_map_task(const vss *p, const uint8_t c[32])
{
    uint32_t ref = vmap_find(p, &p->by_commitment, c);
    return ref ? ref - 1 : VSS_NOBODY;
}

uint32_t vss_task_find(const vss *p, const uint8_t c[32])
{
    /* a commitment names one task (createTask reuses the record of a known
     * one), so a task holding c is the one the map gives: c a handle's own
     * commitment (vss_task_commitment, how hosts name tasks by id), or the
     * task just created (the hint); a zero c (an unknown id, a deleted
     * task) goes to the map */
    uint64_t w[4];
    memcpy(w, c, sizeof w);
    if (!(w[0] | w[1] | w[2] | w[3]))
        return vss_map_task(p, c);
    uintptr_t off = (uintptr_t)c - (uintptr_t)p->hd;
    if (off < (uintptr_t)p->n_tasks * sizeof *p->hd && off % sizeof *p->hd == offsetof(vhandle, commitment))
        return (uint32_t)(off / sizeof *p->hd);
    uint32_t h = p->find_hint;
    if (h < p->n_tasks && !memcmp(p->hd[h].commitment, c, 32))
        return h;
    return vss_map_task(p, c);
}

void vss_task_get(const vss *p, uint32_t h, vss_task_view *out)
{
    if (!p->hd[h].slot) { /* recycled: its final status only */
        memset(out, 0, sizeof *out);
        out->status = (vss_status)p->hd[h].status;
        out->node = VSS_NOBODY;
        out->score = p->bytes;
        return;
    }
    const vtask *t = vt_rec(p, h);
    out->type = (vss_task_type)t->type;
    out->status = (vss_status)t->status;
    out->creator = t->creator;
    out->node = t->node ? t->node - 1 : VSS_NOBODY;
    out->sequence = t->sequence;
    out->fee = t->fee;
    out->abort_reason = (vss_abort_reason)t->abort_reason;
    out->error = (vss_task_error)t->error;
    out->create_time = t->create_time;
    out->score = vbytes_ptr(p, &t->score);
    out->score_len = t->score.len;
    out->start_time = t->start_time;
    out->score_time = t->score_time;
    out->n_payments = t->n_pay;
    memcpy(out->pay_to, t->pay_to, sizeof out->pay_to);
    memcpy(out->pay, t->pay, sizeof out->pay);
}

const uint8_t *vss_task_commitment(const vss *p, uint32_t h) { return p->hd[h].commitment; }
uint32_t vss_num_tasks(const vss *p) { return p->n_tasks; }
uint32_t vss_model_available_count(const vss *p, uint32_t m) { return p->model_avail[m]; }
uint32_t vss_queue_size(const vss *p) { return p->queue_len; }
void vss_stats_get(const vss *p, vss_stats *out) { *out = p->stats; }

void vss_quirks_get(const vss *p, vss_quirk_counters *out)
{
    *out = p->quirks;
    out->panics = p->panics;
}
