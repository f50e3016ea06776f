/* Recycling of VSS task records (vss_set_recycling) against the model that
 * keeps every record, as the contract keeps every task
 * (crynux-ai/crynux-contracts @ bd7ee24, VSSTask.sol: tasks[taskIDCommitment]
 * is never deleted).
 *
 * Two models run the same random transactions with the same chooser: task
 * creations (fresh commitments, a commitment used before, a nonce used
 * before), every transaction of a task's life on any task ever created,
 * ended and recycled ones included, from the relay, the creator, the task's
 * node or anyone, validation groups that agree, disagree or name the wrong
 * guid, aborts before and after the timeout, and node pauses, resumes and
 * quits.  Every transaction must succeed or revert alike, with the same
 * reason, the same events and the same balances; every task must read the
 * same (a recycled one: the same final status); and records must indeed be
 * recycled, and recycled tasks named, many times.
 *
 * The same comparison checks fresh keys (vss_set_fresh_keys, with
 * recycling, as the simulator runs the model): no commitment or nonce is
 * used twice, and that model is named its tasks by their handles'
 * commitments, as the simulator names them by task id. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "protocol/vss/vss.h"

#define CNX ((wei_t)1000000000000000000ULL)
#define NODES 12
#define APPS 2
#define TASKS 1500
#define GUIDS 6

static uint64_t xs(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static uint64_t draw(void *ctx, uint64_t bound) { return xs(ctx) % bound; }

typedef struct world {
    vss *p;
    bool fresh;   /* vss_set_fresh_keys, tasks named by their handles' commitments */
    uint64_t rng; /* the chooser's state */
    uint32_t node[NODES], app[APPS], model;
} world;

static const uint64_t VERSION[3] = {2, 5, 0};

static void world_new(world *w, bool recycle, bool fresh, uint64_t seed)
{
    vss_params prm = vss_params_default();
    prm.queue_size_limit = 5;
    prm.nonce_blocks = 200; /* nonces and commitments reusable within a run */
    w->p = vss_new(&prm, NODES + APPS + 1, TASKS);
    assert_non_null(w->p);
    vss_set_recycling(w->p, recycle);
    vss_set_fresh_keys(w->p, fresh);
    w->fresh = fresh;
    w->rng = seed;
    vss_set_chooser(w->p, (proto_chooser){draw, &w->rng});
    uint32_t gpu = vss_intern(w->p, "NVIDIA GeForce RTX 4090");
    w->model = vss_intern(w->p, "crynuxai/sdxl-turbo");
    for (int i = 0; i < APPS; i++)
        w->app[i] = vss_add_account(w->p, 100000 * CNX);
    for (int i = 0; i < NODES; i++) {
        w->node[i] = vss_add_account(w->p, 1000 * CNX);
        vss_key key = {64, w->node[i]};
        assert_true(vss_join(w->p, 1000, 1000, w->node[i], gpu, 24, VERSION, key, 400 * CNX, NULL, 0));
    }
}

/* The test's own record of what it created (the same in both worlds). */
typedef struct made {
    uint8_t commitment[32], nonce[32];
    uint32_t guid, creator;
} made;

typedef struct tx {
    int kind;
    uint32_t from, task[3], guid, app;
    uint8_t score, sampled, reuse;
    uint64_t now, fee;
} tx;

static void guid_of(uint32_t g, uint8_t out[32])
{
    memset(out, 0, 32);
    out[0] = 0xc0;
    out[1] = (uint8_t)g;
}

/* The commitment a world names task i by (the test's task i is handle i
 * when no commitment is used twice). */
static const uint8_t *named(const world *w, const made *m, uint32_t i)
{
    return w->fresh ? vss_task_commitment(w->p, i) : m[i].commitment;
}

static bool apply(world *w, const tx *t, made *m, uint32_t n_made, uint32_t *n_new)
{
    vss *p = w->p;
    uint64_t now = t->now;
    const uint8_t *c = n_made ? named(w, m, t->task[0]) : m[0].commitment;
    static const uint8_t SCORES[3][8] = {{0}, {1}, {0xff, 0xff, 0xff, 0xff}};
    switch (t->kind) {
    case 0: { /* createTask: a fresh commitment, or one (or a nonce) used before */
        vss_task_spec s;
        memset(&s, 0, sizeof s);
        s.type = VSS_SD;
        s.min_vram = 8;
        s.size = 1 + t->fee % 3;
        s.models = &w->model;
        s.n_models = 1;
        memcpy(s.version, VERSION, sizeof s.version);
        made nm = {.guid = t->guid, .creator = w->app[t->app]};
        if (t->reuse == 1 && n_made) { /* the commitment and nonce of an earlier task */
            nm = m[t->task[0]];
            nm.creator = w->app[t->app];
        } else {
            uint32_t k = t->reuse == 2 && n_made ? t->task[0] : n_made; /* a nonce used before */
            nm.nonce[0] = (uint8_t)k;
            nm.nonce[1] = (uint8_t)(k >> 8);
            nm.nonce[2] = 0x5a;
            uint8_t guid[32];
            guid_of(t->guid, guid);
            vss_commitment(guid, nm.nonce, nm.commitment);
            if (t->reuse == 2)
                nm.commitment[31] ^= 0x33; /* a new task with that nonce */
        }
        memcpy(s.commitment, nm.commitment, 32);
        memcpy(s.nonce, nm.nonce, 32);
        bool ok = vss_create_task(p, now, now, w->app[t->app], &s, t->fee);
        if (ok && vss_task_find(p, s.commitment) == n_made) {
            m[n_made] = nm;
            *n_new = 1;
        } else if (ok) {
            m[vss_task_find(p, s.commitment)].creator = nm.creator;
        }
        return ok;
    }
    case 1: return vss_report_parameters_uploaded(p, now, now, t->from, c);
    case 2: return vss_submit_score(p, now, now, t->from, c, SCORES[t->score], 8);
    case 3: return vss_report_error(p, now, now, t->from, c, VSS_ERROR_PARAMETERS_VALIDATION_FAILED);
    case 4: {
        vss_proof f = vss_proof_honest(t->from, t->sampled);
        return vss_validate_single(p, now, now, t->from, c, &f);
    }
    case 5: {
        vss_proof f = vss_proof_honest(t->from, t->sampled);
        uint8_t guid[32];
        guid_of(t->guid, guid);
        return vss_validate_group(p, now, now, t->from, c, named(w, m, t->task[1]),
                                  named(w, m, t->task[2]), guid, &f);
    }
    case 6: return vss_report_result_uploaded(p, now, now, t->from, c);
    case 7: return vss_abort(p, now, now, t->from, c, VSS_ABORT_TIMEOUT);
    case 8: return vss_pause(p, now, now, t->from);
    case 9: return vss_resume(p, now, now, t->from);
    case 10: return vss_quit(p, now, now, t->from);
    }
    return false;
}

/* A transaction drawn from the state of the model that keeps every record,
 * mostly one a task could take next, to move tasks along. */
static tx draw_tx(uint64_t *r, world *full, const made *m, uint32_t n_made, uint64_t now)
{
    tx t = {.now = now};
    t.kind = n_made ? (int)(xs(r) % 11) : 0;
    if (t.kind == 0 || xs(r) % 3 == 0)
        t.kind = xs(r) % 4 ? 0 : t.kind;
    t.app = (uint32_t)(xs(r) % APPS);
    t.guid = (uint32_t)(xs(r) % GUIDS);
    t.fee = xs(r) % 8 ? 1 + xs(r) % 5000 : xs(r) % 7; /* now and then tiny or 0 */
    t.reuse = xs(r) % 10 == 0 ? 1 : xs(r) % 10 == 0 ? 2 : 0;
    t.score = (uint8_t)(xs(r) % 4 ? 0 : xs(r) % 3);
    t.sampled = xs(r) % 2;
    for (int i = 0; i < 3; i++) /* recent tasks mostly, any task now and then */
        t.task[i] = n_made ? (uint32_t)(xs(r) % 4 ? n_made - 1 - xs(r) % (n_made < 12 ? n_made : 12)
                                                  : xs(r) % n_made)
                           : 0;
    if (t.kind == 5 && n_made) { /* three tasks of one guid, oldest first, mostly */
        uint32_t g = m[t.task[0]].guid, k = 0, found[3];
        for (uint32_t i = n_made; i-- > 0 && k < 3;)
            if (m[i].guid == g)
                found[k++] = i;
        if (k == 3 && xs(r) % 4) {
            t.task[0] = found[2], t.task[1] = found[1], t.task[2] = found[0];
            t.guid = g;
        }
    }
    vss_task_view v;
    uint32_t h = n_made ? vss_task_find(full->p, m[t.task[0]].commitment) : VSS_NOBODY;
    if (h != VSS_NOBODY)
        vss_task_get(full->p, h, &v);
    uint32_t who = (uint32_t)(xs(r) % 8);
    if (h == VSS_NOBODY || who == 0)
        t.from = full->node[xs(r) % NODES]; /* anyone */
    else if (t.kind == 1 || t.kind == 6)
        t.from = who == 1 ? m[t.task[0]].creator : VSS_ACC_RELAY;
    else if (t.kind == 2 || t.kind == 3 || (t.kind == 7 && who < 4))
        t.from = v.node != VSS_NOBODY && who > 1 ? v.node : m[t.task[0]].creator;
    else if (t.kind >= 8)
        t.from = full->node[xs(r) % NODES];
    else
        t.from = m[t.task[0]].creator;
    /* not the commitment of a queued task: the model's queue then holds the
     * task twice and a later pop of it fails, with or without recycling (a
     * defect of the queue model, not drawn here) */
    if (t.kind == 0 && t.reuse == 1 && h != VSS_NOBODY && v.status == VSS_QUEUED)
        t.reuse = 0;
    if (h != VSS_NOBODY && xs(r) % 4) { /* the task's next step, by the right account */
        uint32_t base = t.task[0] - t.task[0] % 3; /* tasks 3k..3k+2 share a guid, mostly */
        switch (v.status) {
        case VSS_STARTED: t.kind = 1, t.from = VSS_ACC_RELAY; break;
        case VSS_PARAMETERS_UPLOADED: t.kind = xs(r) % 6 ? 2 : 3, t.from = v.node; break;
        case VSS_SCORE_READY:
        case VSS_ERROR_REPORTED:
            t.from = m[t.task[0]].creator;
            t.kind = 4;
            if (base + 2 < n_made && xs(r) % 3) {
                t.kind = 5;
                for (int i = 0; i < 3; i++)
                    t.task[i] = base + (uint32_t)i;
                t.guid = m[base].guid;
            }
            break;
        case VSS_VALIDATED:
        case VSS_GROUP_VALIDATED: t.kind = 6, t.from = VSS_ACC_RELAY; break;
        default: break;
        }
    }
    if (t.kind == 0 && xs(r) % 4)
        t.guid = n_made / 3 % GUIDS;
    if (t.kind == 4 || t.kind == 5) /* the creator's proof: sampled for a group */
        t.sampled = xs(r) % 8 ? t.kind == 5 : t.sampled;
    if (t.kind == 9 && xs(r) % 2)
        t.kind = 8 + (int)(xs(r) % 2); /* quits rarer than pauses and resumes */
    return t;
}

static void same_event(const vss_event *a, const vss_event *b, int step, size_t i)
{
    if (a->kind != b->kind || a->task != b->task || a->node != b->node || a->issuer != b->issuer ||
        a->last_status != b->last_status || a->reason != b->reason || a->model != b->model ||
        a->task_type != b->task_type || a->score_len != b->score_len ||
        (a->score_len && memcmp(a->score, b->score, a->score_len)))
        fail_msg("step %d, event %zu: %s (every record kept) vs %s (recycling)", step, i,
                 vss_event_name(a->kind), vss_event_name(b->kind));
}

static void same_task(const vss *full, const vss *rec, uint32_t h, int step)
{
    vss_task_view a, b;
    vss_task_get(full, h, &a);
    vss_task_get(rec, h, &b);
    assert_memory_equal(vss_task_commitment(full, h), vss_task_commitment(rec, h), 32);
    if (b.status != a.status)
        fail_msg("step %d, task %u: status %s kept, %s recycling", step, h, vss_status_str(a.status),
                 vss_status_str(b.status));
    if (b.node == VSS_NOBODY && b.create_time == 0 && a.create_time != 0) {
        assert_true(a.status >= VSS_END_INVALIDATED && a.node != VSS_NOBODY); /* recycled */
        return;
    }
    assert_int_equal(a.node, b.node);
    assert_int_equal(a.creator, b.creator);
    assert_int_equal(a.sequence, b.sequence);
    assert_true(a.fee == b.fee);
    assert_int_equal(a.abort_reason, b.abort_reason);
    assert_int_equal(a.error, b.error);
    assert_int_equal(a.start_time, b.start_time);
    assert_int_equal(a.score_time, b.score_time);
    assert_int_equal(a.score_len, b.score_len);
    assert_memory_equal(a.score, b.score, a.score_len);
    assert_int_equal(a.n_payments, b.n_payments);
    for (uint32_t i = 0; i < a.n_payments; i++) {
        assert_int_equal(a.pay_to[i], b.pay_to[i]);
        assert_true(a.pay[i] == b.pay[i]);
    }
}

/* Runs the model that keeps every record beside one that recycles them
 * (fresh: and is vouched fresh keys), and checks that the comparison means
 * something: records recycled, recycled tasks named and tasks paid, many
 * times. */
static void compare_models(bool fresh)
{
    static world w[2];
    static made m[TASKS];
    uint64_t recycled = 0, named_recycled = 0, ended_ok = 0;
    for (int run = 0; run < 200; run++) {
        for (int k = 0; k < 2; k++)
            world_new(&w[k], k == 1, fresh && k == 1, 0x2545f4914f6cdd1dULL + (uint64_t)run);
        uint64_t r = 77 + (uint64_t)run, now = 2000;
        uint32_t n_made = 0;
        for (int step = 0; step < 4000 && n_made + 1 < TASKS; step++) {
            now += xs(&r) % 4 ? xs(&r) % 20 : xs(&r) % 400;
            tx t = draw_tx(&r, &w[0], m, n_made, now);
            if (fresh)
                t.reuse = 0; /* the promise vss_set_fresh_keys asks for */
            if (t.kind > 0 && t.kind < 8) {
                vss_task_view v;
                uint32_t h = vss_task_find(w[1].p, named(&w[1], m, t.task[0]));
                vss_task_get(w[1].p, h, &v);
                named_recycled += v.create_time == 0 && v.status >= VSS_END_INVALIDATED;
            }
            bool ok[2];
            uint32_t added[2] = {0, 0};
            for (int k = 0; k < 2; k++)
                ok[k] = apply(&w[k], &t, m, n_made, &added[k]);
            if (ok[0] != ok[1])
                fail_msg("step %d (kind %d): %s kept, %s recycling", step, t.kind,
                         ok[0] ? "succeeded" : vss_revert_reason(w[0].p),
                         ok[1] ? "succeeded" : vss_revert_reason(w[1].p));
            assert_string_equal(vss_revert_reason(w[0].p), vss_revert_reason(w[1].p));
            size_t n0, n1;
            const vss_event *e0 = vss_events(w[0].p, &n0), *e1 = vss_events(w[1].p, &n1);
            assert_int_equal(n0, ok[0] ? n1 : n0);
            for (size_t i = 0; ok[0] && i < n0; i++) {
                same_event(&e0[i], &e1[i], step, i);
                ended_ok += e0[i].kind == VSS_EV_TASK_END_SUCCESS ||
                            e0[i].kind == VSS_EV_TASK_END_GROUP_SUCCESS;
            }
            n_made += added[0];
            assert_int_equal(vss_num_tasks(w[0].p), vss_num_tasks(w[1].p));
            for (uint32_t a = 0; a < vss_num_accounts(w[0].p); a++)
                assert_true(vss_balance(w[0].p, a) == vss_balance(w[1].p, a));
            if (step % 50 == 0 || ok[0])
                for (uint32_t h = 0; h < vss_num_tasks(w[0].p); h++)
                    same_task(w[0].p, w[1].p, h, step);
        }
        vss_stats s0, s1;
        vss_stats_get(w[0].p, &s0);
        vss_stats_get(w[1].p, &s1);
        assert_memory_equal(&s0, &s1, sizeof s0);
        vss_quirk_counters q0, q1;
        vss_quirks_get(w[0].p, &q0);
        vss_quirks_get(w[1].p, &q1);
        assert_memory_equal(&q0, &q1, sizeof q0);
        assert_int_equal(vss_recycled_records(w[0].p), 0);
        recycled += vss_recycled_records(w[1].p);
        /* fresh keys: neither map holds a key */
        assert_int_equal(vss_map_keys(w[1].p), fresh ? 0 : vss_map_keys(w[0].p));
        assert_true(vss_map_keys(w[0].p) >= vss_num_tasks(w[0].p));
        for (int k = 0; k < 2; k++)
            vss_free(w[k].p);
    }
    print_message("%s: %llu records recycled, %llu transactions named a recycled task, %llu tasks paid\n",
                  fresh ? "fresh keys" : "recycling", (unsigned long long)recycled,
                  (unsigned long long)named_recycled, (unsigned long long)ended_ok);
    assert_true(recycled > 3000);
    assert_true(named_recycled > 20000);
    assert_true(ended_ok > 2000);
}

static void test_recycling_changes_no_outcome(void **st)
{
    (void)st;
    compare_models(false);
}

static void test_fresh_keys_change_no_outcome(void **st)
{
    (void)st;
    compare_models(true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recycling_changes_no_outcome),
        cmocka_unit_test(test_fresh_keys_change_no_outcome),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
