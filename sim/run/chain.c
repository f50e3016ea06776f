/* The chain: the mempool, blocks that apply transactions to the protocol
 * model, bookkeeping of the contracts' events (task times, incomes, which
 * task holds which node), and their delivery to the agents after the
 * observation delay.
 *
 * Transactions reach the chain after a fixed submission latency, so their
 * arrival order is their submission order and the mempool is a plain FIFO
 * (O(1) per transaction); a block applies everything that arrived by its
 * time, in arrival order.  Events of one block are delivered together, one
 * engine event per block. */
#include "run/sim_internal.h"

#include <stdlib.h>
#include <string.h>

const char *const TX_NAMES[TX_KINDS] = {"join", "quit", "pause", "resume", "create_task", "commit",
                                        "disclose", "report_uploaded", "cancel(app)", "cancel(node)",
                                        "report_error", "report_parameters", "validate"};

/* ---- rings (power-of-two capacity, doubling) ---- */

static void *ring_resize(void *buf, size_t *head, size_t len, size_t *cap, size_t elem, size_t nc)
{
    char *nb = malloc(nc * elem);
    if (!nb) {
        fprintf(stderr, "avrami: out of memory\n");
        exit(2);
    }
    for (size_t i = 0; i < len; i++)
        memcpy(nb + i * elem, (char *)buf + ((*head + i) & (*cap - 1)) * elem, elem);
    free(buf);
    *head = 0;
    *cap = nc;
    return nb;
}

void *sim_grow_ring(void *buf, size_t *head, size_t len, size_t *cap, size_t elem)
{
    return ring_resize(buf, head, len, cap, elem, *cap ? *cap * 2 : 1024);
}

/* A ring's positions sweep its whole capacity whatever its length: one
 * sized for a burst (the mempool for the initial joins: 48 MB at a million
 * nodes) would go on writing a new cache line every few entries, each long
 * evicted, and push the records the handlers read out of the cache.  Cut
 * back to four times the length (at least 1024) once the length is an
 * eighth of the capacity: it grows again only once the length has
 * quadrupled. */
static void *trim_ring(void *buf, size_t *head, size_t len, size_t *cap, size_t elem)
{
    if (*cap <= 1024 || len > *cap / 8)
        return buf;
    size_t nc = 1024;
    while (nc < 4 * len)
        nc *= 2;
    return ring_resize(buf, head, len, cap, elem, nc);
}

void sim_submit(sim *m, uint8_t kind, uint32_t who, uint64_t arg, uint8_t round)
{
    if (m->tx_len == m->tx_cap)
        m->tx = sim_grow_ring(m->tx, &m->tx_head, m->tx_len, &m->tx_cap, sizeof *m->tx);
    m->tx[(m->tx_head + m->tx_len++) & (m->tx_cap - 1)] =
        (sim_tx){eng_now(m->e) + m->latency_us, kind, round, who, arg};
}

static void observe(sim *m, const proto_event *ev, uint32_t node)
{
    if (m->obs_len == m->obs_cap)
        m->obs = sim_grow_ring(m->obs, &m->obs_head, m->obs_len, &m->obs_cap, sizeof *m->obs);
    m->obs[(m->obs_head + m->obs_len++) & (m->obs_cap - 1)] = (sim_obs){
        eng_now(m->e) + m->observe_us, (uint8_t)ev->kind, ev->round, ev->reason, node, ev->task_id};
}

uint8_t sim_reason_id(sim *m, const char *tx, const char *text)
{
    for (uint32_t i = 0; i < m->n_reasons; i++)
        if (m->reasons[i].tx == tx && !strcmp(m->reasons[i].text, text)) {
            m->reasons[i].count++;
            return (uint8_t)i;
        }
    if (m->n_reasons == 64) {
        m->reasons[63].count++;
        return 63;
    }
    m->reasons[m->n_reasons] = (sim_reason){tx, strdup(text), 1};
    return (uint8_t)m->n_reasons++;
}

/* ---- chain bookkeeping: what the events of one transaction mean ---- */

sim_req *sim_req_by_id(sim *m, uint64_t task)
{
    /* id2req holds request index + 1, so the untouched (zero) pages of the
     * reserve mean "no request" and need no initialisation */
    if (task >= m->cap_ids || m->id2req[task] == 0)
        return NULL;
    return &m->req[m->id2req[task] - 1];
}

/* Returns whether the node was still held in r. */
bool chain_release(sim *m, sim_req *r, uint32_t node, eng_time now)
{
    bool held = false;
    for (int k = 0; k < 3; k++)
        if (r->nodes[k] == node && r->freed[k] < 0) {
            r->freed[k] = now;
            held = true;
        }
    sim_node *n = &m->nodes[node];
    if (n->chain_task == r->id)
        n->chain_task = 0;
    return held;
}

void chain_finish(sim *m, sim_req *r, uint8_t outcome, uint8_t reason, eng_time now)
{
    if (r->outcome != OUT_OPEN) {
        if (r->outcome == OUT_SUCCESS && outcome == OUT_ABORTED) {
            r->flags |= RF_SUCCESS_THEN_ABORT;
            m->success_then_abort++;
        } else {
            m->inv_terminal++;
        }
        return;
    }
    r->outcome = outcome;
    r->reason = reason;
    r->finished = now;
    m->minute_finished++;
    app_req_changed(m, r);
}

/* The contracts free a node (and may start it on a queued task at once)
 * before they emit the event that says it left its old task, so a start
 * while the node is still in a task is only a violation if the old task
 * has not released it by the end of the same transaction. */
typedef struct suspect { uint32_t node; uint64_t old_task, new_task; } suspect;

static void book_events(sim *m, eng_time now)
{
    size_t n, n_sus = 0;
    suspect sus[16];
    const proto_event *evs = proto_events(m->p, &n);
    /* Memory-level parallelism: the agent records of the transaction's nodes
     * (a start names three, each cold since its last task) are requested
     * together before the events are booked one by one (a hint only). */
    uint32_t n_acc = proto_num_accounts(m->p);
    for (size_t i = 0; i < n; i++)
        if (evs[i].node < n_acc && evs[i].node - m->acc0 < m->n_nodes)
            __builtin_prefetch(&m->nodes[evs[i].node - m->acc0], 1);
    uint64_t r_id = 0;
    sim_req *r_last = sim_req_by_id(m, 0);
    for (size_t i = 0; i < n; i++) {
        const proto_event *ev = &evs[i];
        if (m->ag.pass_over >> ev->kind & 1)
            continue;
        /* a transaction's events mostly name one task (requests never move) */
        if (ev->task_id != r_id) {
            r_id = ev->task_id;
            r_last = sim_req_by_id(m, r_id);
        }
        sim_req *r = r_last;
        uint32_t node = ev->node < n_acc ? sim_node_of(m, ev->node) : UINT32_MAX;
        switch (ev->kind) {
        case PROTO_EV_TASK_PENDING:
            if (r && r->queued < 0)
                r->queued = now;
            break;
        case PROTO_EV_TASK_STARTED:
            if (r && node != UINT32_MAX) {
                sim_node *nd = &m->nodes[node];
                if (nd->chain_task) {
                    sim_req *old = sim_req_by_id(m, nd->chain_task);
                    if (old && n_sus < 16)
                        sus[n_sus++] = (suspect){node, nd->chain_task, ev->task_id};
                    if (old) /* released below when its event comes */
                        for (int k = 0; k < 3; k++)
                            if (old->nodes[k] == node && old->freed[k] < 0)
                                old->freed[k] = -2; /* pending release */
                }
                nd->chain_task = ev->task_id;
                r->nodes[ev->round] = node;
                if (r->started < 0) {
                    r->started = now;
                    m->minute_started++;
                }
            }
            break;
        case PROTO_EV_COMMITMENTS_READY:
            if (r && r->commits < 0)
                r->commits = now;
            break;
        case PROTO_EV_TASK_SUCCESS:
            if (r) {
                r->success = now;
                chain_finish(m, r, OUT_SUCCESS, 0, now);
            }
            break;
        case PROTO_EV_TASK_ABORTED:
            if (r) {
                chain_finish(m, r, OUT_ABORTED, ev->reason, now);
                for (int k = 0; k < 3; k++)
                    if (r->nodes[k] != UINT32_MAX)
                        chain_release(m, r, r->nodes[k], now);
            }
            break;
        case PROTO_EV_TASK_RESULT_UPLOADED:
            if (r) {
                r->uploaded = now;
                app_req_changed(m, r);
            }
            break;
        case PROTO_EV_TASK_NODE_SUCCESS:
        case PROTO_EV_TASK_NODE_SLASHED:
        case PROTO_EV_TASK_NODE_CANCELLED:
            if (node == UINT32_MAX)
                break;
            if (ev->kind == PROTO_EV_TASK_NODE_SUCCESS) {
                wei_accumulate(&m->nodes[node].income, ev->fee, "a node's income");
                m->nodes[node].tasks++;
                for (int k = 0; r && k < 3; k++)
                    if (r->nodes[k] == node) {
                        wei_accumulate(&r->paid[k], ev->fee, "a request's payments");
                        break;
                    }
            } else if (ev->kind == PROTO_EV_TASK_NODE_SLASHED) {
                m->nodes[node].slashed++;
                m->slashes++;
                m->minute_slashes++;
            }
            if (r && chain_release(m, r, node, now))
                break;
            /* The contracts settle a node by clearing whatever task it is
             * in now.  A cancel frees every selected node that is in *some*
             * task (a deployed fault), and a node freed that way can later
             * be paid for its old task while already selected in a new one:
             * either way the chain stops holding it in its current task.
             * Follow the chain, and count it. */
            {
                uint64_t other = m->nodes[node].chain_task;
                for (size_t k = 0; k < n_sus; k++)
                    if (sus[k].node == node)
                        other = sus[k].old_task;
                sim_req *o = other != ev->task_id ? sim_req_by_id(m, other) : NULL;
                if (o && chain_release(m, o, node, now))
                    m->released_elsewhere++;
            }
            break;
        case PROTO_EV_NODE_SLASHED:
        case PROTO_EV_NODE_KICKED_OUT:
            if (node != UINT32_MAX) {
                sim_node *nd = &m->nodes[node];
                if (ev->kind == PROTO_EV_NODE_KICKED_OUT) {
                    m->kickouts++;
                    m->minute_kickouts++;
                    m->kicked_vanished += nd->st == NS_VANISHED;
                }
                else
                    m->node_slashed++;
                if (nd->st != NS_LEFT && nd->st != NS_VANISHED) {
                    nd->left = now;
                    nd->why = ev->kind == PROTO_EV_NODE_KICKED_OUT ? LW_KICKED : LW_SLASHED;
                }
            }
            break;
        default: /* an edition's own events */
            break;
        }
        if (ACTORS_BOOKED >> ev->kind & 1)
            actors_book(m, ev, r, node);
        if (m->ag.book)
            m->ag.book(m, ev, r, node, now);
        /* agents observe everything that concerns them later */
        if (m->ag.observe || !(SIM_OBS_IGNORED >> ev->kind & 1))
            observe(m, ev, node);
    }
    for (size_t i = 0; i < n_sus; i++) {
        sim_req *old = sim_req_by_id(m, sus[i].old_task);
        for (int k = 0; k < 3; k++) {
            if (old->nodes[k] != sus[i].node || old->freed[k] != -2)
                continue;
            old->freed[k] = -1;
            m->inv_two_tasks++;
            snprintf(m->inv_detail, sizeof m->inv_detail,
                     "node %u selected for task %llu while in task %llu", sus[i].node,
                     (unsigned long long)sus[i].new_task, (unsigned long long)sus[i].old_task);
        }
    }
}

/* ---- applying transactions ---- */

static bool apply(sim *m, const sim_tx *tx, uint64_t now_s)
{
    bool handled_ok;
    if (m->ag.apply && m->ag.apply(m, tx, now_s, &handled_ok))
        return handled_ok;
    proto *p = m->p;
    sim_node *n = tx->kind != TX_CREATE && tx->kind != TX_CANCEL_APP ? &m->nodes[tx->who] : NULL;
    uint32_t acc = n ? sim_node_acc(m, tx->who) : 0;
    uint8_t buf[8 * 4096], nonce[32];
    const uint8_t *result = buf;
    size_t len = 0;
    if (tx->kind == TX_COMMIT || tx->kind == TX_DISCLOSE) { /* the node's bytes */
        /* a disclosure sends what the node committed: node_result is a pure
         * function of the task, the round and the node, and the chain kept
         * the committed bytes (proto_commit_result), which stay in place
         * while the disclosure stores its own copy */
        const uint8_t *c =
            tx->kind == TX_DISCLOSE ? proto_committed_result(p, acc, tx->arg, tx->round, &len) : NULL;
        if (c)
            result = c;
        else
            len = node_result(m, tx->who, sim_req_by_id(m, tx->arg), tx->round, buf, sizeof buf);
        if (tx->kind == TX_COMMIT)
            agt_nonce(tx->arg, acc, tx->round, nonce);
    }
    SIM_PHASE(m, SIM_PH_PROTOCOL);
    switch (tx->kind) {
    case TX_JOIN: {
        const scn_card *c = &m->s->cards[node_chain_card(m, n)];
        return proto_join(p, now_s, acc, c->name, c->vram_gb);
    }
    case TX_QUIT:
        return proto_quit(p, now_s, acc);
    case TX_PAUSE:
        return proto_pause(p, now_s, acc);
    case TX_RESUME:
        return proto_resume(p, now_s, acc);
    case TX_CREATE: {
        sim_req *r = &m->req[tx->arg];
        const scn_task_kind *k = &m->s->apps[r->app].kinds[r->kind];
        uint64_t id;
        if (proto_next_task_id(p) >= m->cap_ids) {
            m->capacity_drops++;
            return false;
        }
        if (!proto_create_task(p, now_s, m->app_acc[r->app], k->type, k->vram_gb, r->fee,
                               (wei_t)r->cap, &id))
            return false;
        r->id = id;
        m->id2req[id] = (uint32_t)tx->arg + 1;
        sim_live_add(m, tx->arg);
        return true;
    }
    case TX_COMMIT: /* = proto_commit(keccak256(result ‖ nonce)) without hashing */
        return proto_commit_result(p, now_s, acc, tx->arg, tx->round, result, len, nonce);
    case TX_DISCLOSE:
        return proto_disclose(p, now_s, acc, tx->arg, tx->round, result, len);
    case TX_UPLOADED:
        return proto_report_uploaded(p, now_s, acc, tx->arg, tx->round);
    case TX_CANCEL_APP: {
        sim_req *r = &m->req[tx->arg];
        return proto_cancel(p, now_s, m->app_acc[r->app], r->id);
    }
    case TX_CANCEL_NODE:
        return proto_cancel(p, now_s, acc, tx->arg);
    case TX_REPORT_ERROR:
        return proto_report_error(p, now_s, acc, tx->arg, tx->round);
    }
    return false;
}

/* Memory-level parallelism: while one transaction is applied, the next
 * one's node and request records are already on their way (a hint only). */
static void prefetch_tx(const sim *m, const sim_tx *tx)
{
    bool by_node = tx->kind != TX_CREATE && tx->kind != TX_CANCEL_APP;
    if (by_node) {
        const sim_node *n = &m->nodes[tx->who];
        __builtin_prefetch(n, 1);
        __builtin_prefetch(&m->id2req[tx->arg < m->cap_ids ? tx->arg : 0]);
        /* the account without waiting for the node's record where accounts
         * follow the nodes' order */
        proto_prefetch(m->p, sim_node_acc(m, tx->who), tx->arg);
    } else {
        __builtin_prefetch(&m->req[tx->arg], 1);
    }
    if (m->ag.prefetch)
        m->ag.prefetch(m, tx);
}

void chain_block(sim *m)
{
    eng_time now = eng_now(m->e);
    uint64_t now_s = (uint64_t)(now / ENG_US_PER_S);
    size_t before = m->obs_len;
    while (m->tx_len && m->tx[m->tx_head].arrive <= now) {
        sim_tx tx = m->tx[m->tx_head];
        m->tx_head = (m->tx_head + 1) & (m->tx_cap - 1);
        m->tx_len--;
        m->tx_count[tx.kind]++;
        if (m->tx_len && m->tx[m->tx_head].arrive <= now)
            prefetch_tx(m, &m->tx[m->tx_head]);
        bool ok = apply(m, &tx, now_s);
        SIM_PHASE(m, SIM_PH_CHAIN);
        if (ok && (tx.kind == TX_COMMIT || tx.kind == TX_DISCLOSE)) {
            sim_req *r = sim_req_by_id(m, tx.arg);
            if (r && tx.round < 3)
                (tx.kind == TX_COMMIT ? r->committed : r->disclosed)[tx.round] = now;
        }
        if (ok) {
            book_events(m, now);
        } else {
            m->tx_reverted[tx.kind]++;
            m->last_reason = sim_reason_id(m, TX_NAMES[tx.kind], proto_revert_reason(m->p));
        }
        SIM_PHASE(m, SIM_PH_AGENTS);
        if (tx.kind == TX_CREATE && m->ag.app_created && m->ag.app_created(m, &tx, ok))
            ; /* the edition's application handled it */
        else if (tx.kind == TX_CREATE || tx.kind == TX_CANCEL_APP)
            app_tx_result(m, &tx, ok);
        else
            node_tx_result(m, &tx, ok);
        SIM_PHASE(m, SIM_PH_CHAIN);
        if (m->o.paranoid)
            sim_check_invariants(m);
    }
    m->tx = trim_ring(m->tx, &m->tx_head, m->tx_len, &m->tx_cap, sizeof *m->tx);
    if (m->obs_len > before)
        eng_after(m->e, m->observe_us, EV_DELIVER, 0, 0);
    if (now + m->block_us <= m->end)
        eng_after(m->e, m->block_us, EV_BLOCK, 0, 0);
}

void chain_offchain(sim *m, bool ok)
{
    size_t before = m->obs_len;
    if (ok)
        book_events(m, eng_now(m->e));
    if (m->obs_len > before)
        eng_after(m->e, m->observe_us, EV_DELIVER, 0, 0);
}

void chain_deliver(sim *m)
{
    eng_time now = eng_now(m->e);
    while (m->obs_len && m->obs[m->obs_head].at <= now) {
        sim_obs o = m->obs[m->obs_head];
        m->obs_head = (m->obs_head + 1) & (m->obs_cap - 1);
        m->obs_len--;
        if (m->obs_len) { /* the next observation's node and request (a hint) */
            const sim_obs *nx = &m->obs[m->obs_head];
            if (nx->node != UINT32_MAX)
                __builtin_prefetch(&m->nodes[nx->node], 1);
            __builtin_prefetch(&m->id2req[nx->task < m->cap_ids ? nx->task : 0]);
        }
        SIM_PHASE(m, SIM_PH_AGENTS);
        if (!m->ag.observe || !m->ag.observe(m, &o)) {
            app_observe(m, &o);
            node_observe(m, &o);
        }
        SIM_PHASE(m, SIM_PH_CHAIN);
    }
}
