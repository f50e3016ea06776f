/* State shared by the simulation's files (sim.c: the loop; chain.c: blocks and
 * bookkeeping; node.c, app.c: agents; report.c: database and summary).  Not a
 * public API. */
#ifndef AVRAMI_RUN_SIM_INTERNAL_H
#define AVRAMI_RUN_SIM_INTERNAL_H

#include <stddef.h>

#include "engine/eng.h"
#include "protocol/edition.h"
#include "protocol/proto.h"
#include "run/sim.h"

/* engine event kinds */
enum {
    EV_BLOCK, EV_DELIVER, EV_SAMPLE, EV_END,
    EV_ARRIVAL,      /* a = app */
    EV_APP_CANCEL,   /* b = request */
    EV_JOIN_PROCESS, /* the network-wide join process */
    EV_NODE_DONE,    /* a = node, b = generation: execution finished */
    EV_NODE_UPLOAD,  /* a = node, b = generation: result upload finished */
    EV_NODE_TIMEOUT, /* a = node, b = generation */
    EV_NODE_PAUSE, EV_NODE_RESUME, EV_NODE_QUIT, /* a = node, b = generation */
    EV_LINE,         /* a = delay line: its earliest timer is due */
    EV_NODE_VANISH,  /* a = node: a "vanish" behaviour's node goes silent */
    EV_EDITION_TICK, /* the edition's periodic off-chain step (sim_edition_agents.tick) */
};

/* A delay line: timers that all have the same delay fire in the order they
 * were set, so a FIFO holds them in O(1) each and only its head sits in the
 * event heap.  Node timeouts and application cancel timers (one line per
 * application) are most of a run's timers and nearly all of them turn out
 * stale, so keeping them out of the heap keeps the heap small. */
typedef struct sim_line {
    eng_ev *ring;
    size_t head, len, cap; /* cap: a power of two */
    bool armed;            /* an EV_LINE for the head is in the heap */
} sim_line;

/* transaction kinds (index into TX_NAMES) */
enum { TX_JOIN, TX_QUIT, TX_PAUSE, TX_RESUME, TX_CREATE, TX_COMMIT, TX_DISCLOSE, TX_UPLOADED,
       TX_CANCEL_APP, TX_CANCEL_NODE, TX_REPORT_ERROR,
       TX_PARAMS_UPLOADED, TX_VALIDATE, /* the vss edition's relay report and application reveal */
       TX_KINDS };
extern const char *const TX_NAMES[TX_KINDS];

typedef struct sim_tx {
    eng_time arrive;
    uint8_t kind, round;
    uint32_t who;  /* node or app index */
    uint64_t arg;  /* task id, or request index for TX_CREATE / TX_CANCEL_APP */
} sim_tx;

typedef struct sim_obs {
    eng_time at;
    uint8_t kind, round, reason;
    uint32_t node; /* node index, UINT32_MAX when none */
    uint64_t task;
} sim_obs;

/* node agent states */
enum { NS_JOINING, NS_ON, NS_PAUSING, NS_PAUSED, NS_QUITTING, NS_LEFT, NS_VANISHED };
/* node work phases within a task */
enum { PH_IDLE, PH_WORKING, PH_COMMITTED, PH_DISCLOSED, PH_UPLOADING,
       PH_FAILING,  /* working towards an error it will report (EV_NODE_DONE reports it) */
       PH_STUCK,    /* failed in a way it does not report: waits for its timeout */
       PH_REPORTED  /* reported an error on chain */ };
/* why a node left */
enum { LW_NONE, LW_QUIT, LW_VANISHED, LW_KICKED, LW_SLASHED, LW_JOIN_FAILED };

#define CACHE_MAX 8

/* The first cache line holds what the events of a task read and write:
 * state, the task, the model cache and the income a payment adds to, so a
 * task touches one line per node (10,000 nodes' first lines are 640 KB,
 * which a small last-level cache keeps better than both lines).  The
 * account, read by every transaction, is acc0 + the node's index unless
 * acc_sparse (sim_node_acc), so it waits in the second line with the
 * tallies, times and stake. */
typedef struct sim_node {
    _Alignas(64) uint16_t card;
    uint8_t st, phase, round, why, ncache;
    uint8_t actor;        /* 0 honest, 1 + i: scn.behaviours[i] */
    uint8_t action;       /* agt_action in the current task */
    uint8_t nflags;       /* NF_* */
    uint32_t tasks;
    uint64_t task;        /* the task the agent works on (0 none) */
    uint64_t chain_task;  /* the task the chain holds it in, from events */
    uint16_t cache[CACHE_MAX]; /* model ids, most recent first */
    wei_t income;
    /* second line */
    uint32_t acc;
    uint32_t fakes, cheats_won; /* fake results sent; of them, accepted */
    uint32_t slashed;
    uint32_t silences;    /* tasks it let time out */
    eng_time joined, left;
    wei_t stake;          /* what its account opens with and locks at join */
} sim_node;
_Static_assert(offsetof(sim_node, income) + sizeof(wei_t) <= 64, "a task's fields in the first line");
enum { NF_STAKE_LOST = 1, NF_KICKED = 2, NF_REJOINED = 4,
       NF_DEADLINE = 8 /* its task's deadline passed and it cancelled: done with that task */ };

/* request outcomes */
enum { OUT_OPEN, OUT_SUCCESS, OUT_ABORTED, OUT_REJECTED };

typedef struct sim_req {
    /* 240 bytes without padding: a million requests are most of a run's
     * memory.  The first line holds what the agents read while the task
     * runs; the others are written as it goes. */
    uint64_t id;          /* contract task id, 0 until created */
    uint32_t size;
    uint16_t app, kind;
    wei_t fee;
    uint64_t cap;
    uint32_t nodes[3];    /* node indices by round */
    int32_t parent;       /* request this one resubmits, or -1 (requests < 2^31: sim.c) */
    uint8_t outcome, reason, resubmits, flags;
    uint8_t fake;         /* rounds whose node submits a fake result (bits) */
    eng_time created, queued, started, commits, success, uploaded, finished;
    eng_time freed[3];
    eng_time committed[3], disclosed[3]; /* by round, chain time; -1 never */
    wei_t paid[3];        /* fees paid to each round's node (the results' own record) */
} sim_req;
_Static_assert(sizeof(sim_req) == 240, "a request record is 240 bytes");
enum { RF_SUCCESS_THEN_ABORT = 1, RF_WRONG_RESULT = 2,
       RF_ABANDONED = 4 /* the bridge gave it up (create not confirmed in time); the chain task goes on */ };

/* What the profiles' rules cause (agents/effects.c). */
typedef struct sim_effects {
    eng_time *client_tat;     /* per (app, client id): the rate limiter's theoretical arrival time */
    uint64_t *client_base;    /* app -> offset into client_tat */
    uint64_t *rate_refused;   /* per app: creates the bridge refused as too frequent */
    uint64_t *abandoned;      /* per app: creates the bridge gave up as unconfirmed */
    double *kind_work_s;      /* per (app, kind): node seconds from the arguments to the commit */
    uint64_t *kind_works;
    double download_s;        /* model downloads inside tasks: node seconds ... */
    uint64_t downloads;       /* ... and how many */
    double args_wait_s;       /* waiting for arguments not yet on the relay: node seconds ... */
    uint64_t args_waits;      /* ... in how many node-tasks ... */
    uint64_t args_given_up;   /* ... and node-tasks whose node stopped trying */
    /* cards too small (device_map="auto"): node-tasks run with weights in
     * host memory, their node seconds, and the seconds of copies in them */
    uint64_t offloaded;
    double offload_work_s, offload_copy_s;
    /* node-tasks that failed, by cause (FAIL_*), and errors reported on chain */
    uint64_t failed[5];
    uint64_t errors_reported, abort_reports;
    /* node-tasks that failed a try and ran after the task system's retries, and the seconds lost */
    uint64_t retried;
    double retry_s;
} sim_effects;
/* why a node-task failed (sim_effects.failed) */
enum { FAIL_OOM, FAIL_QUANT_OFFLOAD, FAIL_MODEL_MISSING, FAIL_RETRIES_PAST_DEADLINE, FAIL_QUANT_NO_CUDA };

typedef struct sim_reason { const char *tx; const char *text; uint64_t count; } sim_reason;

/* What an edition's application and node agents do beyond Helium's
 * (protocol/edition.h; the table is run/editions.c).  A NULL hook means
 * Helium's agents, which every three-seat on-chain edition shares.
 *   app_created  after the chain applied an application's create (ok or
 *                reverted), before app_tx_result; true: handled, the
 *                Helium app does not see it (a VSS app decides here whether
 *                the task is validated and sends its two extra tasks)
 *   observe      every delivered observation, before the app and node
 *                agents; true: consumed (reveals, score submissions)
 *   tick         every tick_s of simulated time from 0 (an off-chain
 *                dispatcher such as the Relay's) */
typedef struct sim_edition_agents {
    bool (*app_created)(sim *m, const sim_tx *tx, bool ok);
    bool (*observe)(sim *m, const sim_obs *o);
    void (*tick)(sim *m);
    double tick_s;
    /* For an edition with transactions of its own (vss):
     *   setup        at the end of the run's set-up (accounts it needs, state)
     *   apply        applies a transaction in a block; true: handled, *ok its
     *                outcome (the Helium calls are not made)
     *   book         every event of a successful transaction, after the
     *                Helium bookkeeping (which ignores the edition's kinds)
     *   escrow_held  what the Task contract should hold (the escrow invariant)
     *   req_escrow   what it holds for one request (its tasks row)
     *   fini         frees what setup made
 *   pass_over    event kinds (bit k: kind k) that neither the bookkeeping
 *                nor any agent acts on: not booked, not observed */
    void (*setup)(sim *m);
    bool (*apply)(sim *m, const sim_tx *tx, uint64_t now_s, bool *ok);
    void (*book)(sim *m, const proto_event *ev, sim_req *r, uint32_t node, eng_time now);
    wei_t (*escrow_held)(sim *m);
    wei_t (*req_escrow)(sim *m, const sim_req *r); /* what the contract holds for a request */
    void (*fini)(sim *m);
    /* node_added   a new node's account exists, before its join (its stake) */
    void (*node_added)(sim *m, uint32_t node);
    /* account      an account of the edition's agents (relay-2026: a node's
     *              delegator): its kind, opening balance and locked wei; NULL
     *              for the others
     * accounts_ok  the invariant of those accounts (false: detail says why) */
    const char *(*account)(const sim *m, uint32_t acc, wei_t *start, wei_t *locked, uint32_t *node);
    bool (*accounts_ok)(const sim *m, char *detail, size_t cap);
    uint64_t pass_over;
    /* prefetch     a hint for the block's next transaction, while the one
     *              before it is applied (what its rules will read) */
    void (*prefetch)(const sim *m, const sim_tx *tx);
} sim_edition_agents;
/* The edition's agent hooks (never NULL). */
const sim_edition_agents *sim_edition_agents_of(proto_edition_id edition);

struct sim {
    const scn *s;
    sim_opts o;
    eng *e;
    proto *p;
    const proto_edition *ed;        /* the scenario's protocol.edition */
    sim_edition_agents ag;          /* its agent hooks, copied in */
    void *eds;                      /* the edition agents' own state (vss: run/vss_agents.c) */
    agt_timing timing;
    gsl_rng *r_arr, *r_sel, *r_exec, *r_churn, *r_beh, *r_fee, *r_setup, *r_att, *r_join;
    eng_time end, block_us, latency_us, observe_us, sample_us;

    sim_node *nodes;
    uint32_t n_nodes, cap_nodes;
    /* node -> its timers' generation, bumped whenever its pending timers
     * become stale: apart from the records, so that the many stale timers
     * (nearly every timeout) are told apart in a small array that stays in
     * cache, without reading the node's record */
    uint32_t *node_gen;
    uint32_t *acc2node;   /* account -> node index (UINT32_MAX for apps) */
    uint32_t acc0;        /* node 0's account (sim_node_of) */
    bool acc_sparse;      /* some node's account is not acc0 + its index */
    uint32_t *app_acc;
    uint32_t *csv_next;

    sim_req *req;
    uint64_t n_req, cap_req;
    /* bit i: request i is over for its application, whose cancel timer then
     * has nothing to do (app_req_changed): the timer, which fires long
     * after, tests a bit here instead of reading the request's record */
    uint64_t *req_over;
    uint32_t *id2req;     /* contract task id -> request index + 1 (0: none) */
    uint64_t cap_ids;

    uint64_t *live;       /* requests the contracts may still hold escrow for */
    size_t n_live, cap_live;

    sim_tx *tx; size_t tx_head, tx_len, tx_cap;       /* mempool ring */
    sim_obs *obs; size_t obs_head, obs_len, obs_cap;  /* observation ring */

    uint16_t *model_of;   /* (app, kind) -> model id, flattened */
    uint32_t *kind_base;  /* app -> offset into model_of */
    uint16_t n_models;

    sim_line *lines;      /* 0: node timeouts; 1 + a: app a's cancel timers */
    uint32_t n_lines;

    sim_reason reasons[64];
    uint32_t n_reasons;
    uint8_t last_reason;  /* of the last reverted transaction */
    uint64_t tx_count[TX_KINDS], tx_reverted[TX_KINDS];

    /* time series */
    struct sample { uint32_t queue, available, busy, paused, online, created, started, finished, kickouts, slashes; } *series;
    uint32_t n_series, cap_series;
    uint32_t minute_created, minute_started, minute_finished, minute_kickouts, minute_slashes;

    /* counters */
    uint64_t slashes, kickouts, node_slashed, resubmits, capacity_drops, joins_refused;
    uint64_t success_then_abort, kicked_vanished;
    uint64_t released_elsewhere; /* settling one task freed a node from another */
    sim_effects fx;

    /* invariants */
    wei_t supply0;
    uint64_t inv_supply, inv_escrow, inv_two_tasks, inv_queue, inv_terminal, inv_accounts;
    uint64_t inv_series;  /* series rows whose node counts disagreed (never expected) */
    wei_t owner0;         /* the owner's balance at the start (slashed stakes go there) */
    char inv_detail[256];
    bool interrupted, db_failed;
    uint64_t events;
    double wall_s;
};

/* Marks the phase the run is in (sim_opts.phase); one store when profiled. */
#define SIM_PHASE(m, ph)                    \
    do {                                    \
        if ((m)->o.phase)                   \
            *(m)->o.phase = (ph);           \
    } while (0)

/* Whether a node's timer (EV_NODE_DONE, _UPLOAD, _TIMEOUT: a = node, b =
 * the generation it was set under) is still live: every change of the
 * node's task bumps its generation (node.c), which makes the timers set
 * before stale, and a stale timer does nothing. */
static inline bool sim_node_timer_live(const sim *m, const eng_ev *ev)
{
    return ev->b == m->node_gen[ev->a];
}

/* The node whose account is acc (< the proto's account count), or
 * UINT32_MAX.  Nodes open their accounts one after another, so acc - acc0
 * is the node unless acc_sparse, when its record confirms it; acc2node,
 * with a million nodes a line far from the cache for each account, is read
 * only when neither holds. */
static inline uint32_t sim_node_of(const sim *m, uint32_t acc)
{
    uint32_t i = acc - m->acc0;
    if (i < m->n_nodes && (!m->acc_sparse || m->nodes[i].acc == acc))
        return i;
    return m->acc2node[acc];
}

/* Node i's account, without reading its record's second line. */
static inline uint32_t sim_node_acc(const sim *m, uint32_t i)
{
    return m->acc_sparse ? m->nodes[i].acc : m->acc0 + i;
}

/* proto_ext with its time counted as the protocol model's (the one-seat
 * editions' agents make their transactions through it), then back to the
 * caller's phase. */
static inline bool sim_proto_ext(sim *m, uint64_t now_s, uint32_t from, uint32_t op, const void *args)
{
    sig_atomic_t was = m->o.phase ? *m->o.phase : SIM_PH_CHAIN;
    SIM_PHASE(m, SIM_PH_PROTOCOL);
    bool ok = proto_ext(m->p, now_s, from, op, args);
    SIM_PHASE(m, was);
    return ok;
}

/* seat_agents.c: what the one-seat editions' agents share (vss, the Relay).
 * A request is one task, or a validation group of three (the first task
 * and the two extra ones the application creates). */
typedef struct seat_req {
    uint64_t id[3];           /* proto task ids (0: not created) */
    uint32_t gpu;             /* llm: the required card (index into scn.cards) */
    uint8_t sampled, n_tasks; /* n_tasks 1 or 3 */
    uint8_t ready, ended;     /* tasks with a score or error / ended (bits) */
    uint8_t validated, told;  /* a task validated; app told of the abort */
} seat_req;
/* What every one-seat edition's agents keep: the application's sampling
 * stream and a record per request.  seat_state_init exits on out of memory. */
typedef struct seat_state {
    gsl_rng *r_sample;
    seat_req *req;
} seat_state;
void seat_state_init(sim *m, seat_state *s);
void seat_state_free(seat_state *s);

/* Which task of its request a proto task id is (0..2), or -1. */
int seat_round_of(const seat_req *q, uint64_t id);
/* Records task `id`, just created for round tx->round of request tx->arg:
 * the request's task ids, the id -> request map, and on the first round
 * the request's own id.  Returns true. */
bool seat_created(sim *m, seat_req *q, const sim_tx *tx, uint64_t id);
/* What the edition's escrow holds for one request: the sum, overflow-checked,
 * of unsettled(task id) over its tasks (the fee of a task not ended, else 0). */
wei_t seat_req_escrow(sim *m, const seat_req *q, wei_t (*unsettled)(sim *m, uint64_t id));
/* Income to the node (a node index, UINT32_MAX: none) and to r's record. */
void seat_pay(sim *m, sim_req *r, uint32_t node, wei_t fee);
/* The same when the node's operator keeps only `income` of the `fee` its
 * task paid (relay-2026: its delegator gets the rest); the request's row
 * records the fee. */
void seat_pay_split(sim *m, sim_req *r, uint32_t node, wei_t fee, wei_t income);
/* The chain's bookkeeping of an event (PROTO_EV_VSS_*) of task k of r:
 * times, nodes, outcome, slashes (an invalidation counts as a slash in the
 * task when its node was slashed); payments are the caller's (seat_pay). */
void seat_book(sim *m, seat_req *q, const proto_event *ev, sim_req *r, int k, uint32_t node, uint8_t abort_reason,
               bool slashed, eng_time now);
/* Hands an observation to the Helium agents as the Helium event of kind. */
void seat_tell(sim *m, const sim_obs *o, uint8_t kind, uint32_t node, uint8_t round);
/* What validation and the ends of task k mean to the Helium agents
 * (slashed: an invalidated node lost its stake); false for other kinds. */
bool seat_observe(sim *m, seat_req *q, const sim_obs *o, sim_req *r, int k, bool slashed);
/* The application's cancel: the first task of the request from tx->round
 * not ended (-1: none); the cancel of the next one is submitted. */
int seat_cancel_next(sim *m, const seat_req *q, const sim_tx *tx);

/* chain.c */
/* The chain's bookkeeping of a request reaching its outcome (first one only;
 * a second is counted as an invariant breach or a success then abort). */
void chain_finish(sim *m, sim_req *r, uint8_t outcome, uint8_t reason, eng_time now);
/* The chain stops holding node in r; returns whether it still did. */
bool chain_release(sim *m, sim_req *r, uint32_t node, eng_time now);
void *sim_grow_ring(void *buf, size_t *head, size_t len, size_t *cap, size_t elem);
void chain_block(sim *m);
void chain_deliver(sim *m);
/* Books the events of a transaction the caller applied outside a block (an
 * off-chain step such as the Relay's dispatch, ok: it succeeded) and
 * schedules their delivery. */
void chain_offchain(sim *m, bool ok);
void sim_submit(sim *m, uint8_t kind, uint32_t who, uint64_t arg, uint8_t round);
/* Sets a timer on a delay line; t must not be earlier than the line's last. */
void sim_line_push(sim *m, uint32_t line, eng_time t, uint32_t kind, uint32_t a, uint64_t b);
uint8_t sim_reason_id(sim *m, const char *tx, const char *text);
/* The request behind a contract task id, or NULL. */
sim_req *sim_req_by_id(sim *m, uint64_t task);

/* sim.c */
bool sim_check_invariants(sim *m);
/* A created request's task joins the live list (sim.c). */
void sim_live_add(sim *m, uint64_t req);

/* node.c */
void node_new(sim *m, uint32_t card, eng_time now);
/* A node of an actor (0 honest); its behaviour decides its card when it
 * has one. */
void node_new_actor(sim *m, uint32_t card, uint32_t actor);
/* The behaviour of a node, or NULL for an honest one. */
const scn_behaviour *node_behaviour(const sim *m, const sim_node *n);
/* The result bytes a node submits in round `round` of r. */
size_t node_result(sim *m, uint32_t node, const sim_req *r, uint8_t round, uint8_t *out, size_t cap);
/* The card a node tells the chain at join. */
uint32_t node_chain_card(const sim *m, const sim_node *n);
void node_event(sim *m, const eng_ev *ev);
void node_observe(sim *m, const sim_obs *o);
/* Event kinds that neither node_observe nor app_observe acts on: where the
 * edition has no observer of its own, the chain queues no observation of
 * them (two of a Helium task's ten events). */
#define SIM_OBS_IGNORED (1u << PROTO_EV_TASK_PENDING | 1u << PROTO_EV_TASK_RESULT_UPLOADED)
void node_tx_result(sim *m, const sim_tx *tx, bool ok);
uint32_t node_pick_card(sim *m);
/* A card of the mix with at least vram GB, drawn from r by share (the first
 * card when none has enough): the GPU an llm task requires (vss, Relay). */
uint32_t node_pick_card_vram(sim *m, gsl_rng *r, uint32_t vram);
void node_new_exact_mix(sim *m);

/* app.c */
void app_arrival(sim *m, uint32_t app);
void app_cancel_timer(sim *m, uint64_t req);
/* After a request's outcome, flags or upload time changed: notes it as
 * over when it is (req_over). */
void app_req_changed(sim *m, const sim_req *r);
void app_observe(sim *m, const sim_obs *o);
void app_tx_result(sim *m, const sim_tx *tx, bool ok);
uint64_t app_new_request(sim *m, uint32_t app, uint32_t kind, uint32_t size, wei_t fee, int32_t parent);

/* effects.c: what the application and node profiles' rules cause */
void effects_init(sim *m);
void effects_free(sim *m);
/* Whether the bridge lets app a create a task now (its rate limit per
 * client id); draws the client id from the behaviour stream only when the
 * app has a limit. */
bool effects_rate_allows(sim *m, uint32_t app);
void effects_summary(const sim *m, FILE *out);
/* The profiles that ran ("software.*") and, when any is not generic, what
 * their rules caused ("effect.*"), as rows of the run table. */
struct res;
void effects_write_db(const sim *m, struct res *db);

/* report.c */
bool report_write_db(sim *m, const char *path);

/* actors.c: results per actor and per application under attack */
void actors_book(sim *m, const proto_event *ev, sim_req *r, uint32_t node);
/* The event kinds actors_book acts on: the chain calls it for these only. */
#define ACTORS_BOOKED (1u << PROTO_EV_TASK_SUCCESS | 1u << PROTO_EV_NODE_SLASHED | 1u << PROTO_EV_NODE_KICKED_OUT)
struct res;
void actors_write_db(const sim *m, struct res *db);
void actors_summary(const sim *m, FILE *out);
/* account checks: every node's balance + locked stake = stake + income −
 * stake lost, and the owner gained exactly the stakes lost */
bool actors_accounts_ok(const sim *m, char *detail, size_t cap);
/* relay-2026 delegated staking (run/relay_agents.c): node i's delegation and
 * what its delegator earned from it; 0 in other editions. */
wei_t relay_node_delegation(const sim *m, uint32_t i);
wei_t relay_delegator_income(const sim *m, uint32_t i);

/* The stakes and the income by stake quartile, where stakes differ
 * (protocol.stake_max; run/report_stakes.c). */
void sim_stake_summary(const sim *m, FILE *out);

#endif
